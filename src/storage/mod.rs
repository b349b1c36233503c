//! The MySQL/MariaDB storage of the MIS exchange: schema migrations, schedule import, known
//! codes, booking holds and the outbox, the cron lock, sync runs and alerts.
//!
//! # Tables (`sql/001_init.sql`)
//! All tables are InnoDB, utf8mb4 and prefixed `Priem_` so they never clash with NetCat's.
//! MIS codes are stored with a binary collation: `"0001"` ≠ `"1"` ≠ `"A1"` ≠ `"a1"`.
//! All times are UTC `DATETIME`s, except the local date and minutes of a slot, kept beside
//! its UTC start and end for display.
//!
//! | table | what |
//! |---|---|
//! | `Priem_Migration` | applied schema versions |
//! | `Priem_Filial`, `Priem_Doctor` | MIS names (and zone) of what the MIS sent |
//! | `Priem_Slot` | the imported schedule, one row per cell, key (filial, doctor, start_utc) |
//! | `Priem_Day` | a digest per (filial, doctor, local date): an unchanged day is skipped |
//! | `Priem_Booking` | bookings and their delivery state (the outbox) |
//! | `Priem_Hold` | the slots the site holds for its bookings; its unique key decides who got a time |
//! | `Priem_SyncRun` | one row per cron run or import |
//! | `Priem_Alert` | failures being reported by e-mail, one row per stable key |
//! | `Priem_RateLimit` | rate-limit counters per hashed bucket and window (`sql/002_form.sql`) |
//! | `Priem_Upload` | schedule uploads to ProDoctorov (`sql/003_prodoctorov.sql`) |
//! | `Priem_Erasure` | erasures of a person's data on request, without the data (`sql/007_privacy.sql`) |
//! | `Priem_Protection` | how the last SMTP and FTP connection was protected (`sql/009_protection.sql`) |
//!
//! # Connections
//! A [`Store`] is cheap to create and connects on first use (php-fpm forks workers after
//! module startup: nothing may be opened before). Its pool keeps no idle connection at start
//! and at most [`DbConfig::pool_max`] connections. Every session runs with `SET NAMES
//! utf8mb4`, `time_zone = '+00:00'` and the configured InnoDB lock wait timeout.

mod alerts;
mod booking;
mod codes;
mod directory;
mod error;
mod import;
mod limits;
mod lock;
mod migrate;
mod outbox;
mod packed;
mod privacy;
mod protection;
mod reconcile;
mod runs;
mod uploads;
mod window;

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use mysql::prelude::Queryable;
use mysql::{Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts, PooledConn, Transaction, TxOpts};

pub use alerts::{AlertAction, AlertRecord};
pub use booking::{BookingFilter, BookingId, BookingRecord, HoldError, NewBooking};
pub use codes::{Card, CodeProblem, CodeReport};
pub use directory::{DoctorFreeTime, StoredFilial};
pub use error::StorageError;
pub use import::{ImportReport, ImportedSnapshot, SnapshotInfo};
pub use limits::{Admission, Quota, QuotaKind};
pub use lock::TickLock;
pub use migrate::{migrate, Migration, MIGRATIONS};
pub use privacy::ErasureRecord;
pub use protection::ProtectionRecord;
pub use reconcile::{Reconciled, Reconciliation};
pub use runs::{RunId, RunRecord, RunStatus, RunSummary};
pub use uploads::{NewUpload, UploadOutcome, UploadRecord};
pub use window::{LoadedSchedule, StoredSlot, StoredWindow};

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Where the database is and how long to wait for it.
#[derive(Clone, PartialEq, Eq)]
pub struct DbConfig {
    /// Host name or IP address. Ignored when `socket` is set.
    pub host: String,
    pub port: u16,
    /// A Unix socket path (`/run/mysqld/mysqld.sock`), used instead of TCP when set.
    pub socket: Option<String>,
    pub user: String,
    /// Never shown: not in `Debug`, not in any error.
    pub password: String,
    pub database: String,
    /// Time to establish a TCP connection.
    pub connect_timeout: Duration,
    /// Socket read and write timeouts: how long one statement's answer may take. The full
    /// import sends batches of about a thousand rows; a minute is plenty.
    pub io_timeout: Duration,
    /// Most connections this process keeps (a php-fpm worker needs one or two).
    pub pool_max: usize,
    /// How long to wait for a pooled connection when all are busy.
    pub pool_wait: Duration,
    /// `innodb_lock_wait_timeout` for priem's sessions: how long a statement waits for a row
    /// another transaction holds (a booking waiting for an import, say) before failing with a
    /// transient error.
    pub lock_wait_timeout: Duration,
    /// Whether big writes use MariaDB's bulk execution (one prepared single-row statement
    /// with many parameter rows per packet, about twice as fast as multi-row `INSERT`s).
    /// `None`: when the server is MariaDB 10.2 or newer; MySQL gets multi-row `INSERT`s.
    pub bulk_execute: Option<bool>,
}

impl Default for DbConfig {
    fn default() -> Self {
        DbConfig {
            host: "127.0.0.1".into(),
            port: 3306,
            socket: None,
            user: "root".into(),
            password: String::new(),
            database: String::new(),
            connect_timeout: Duration::from_secs(5),
            io_timeout: Duration::from_secs(60),
            pool_max: 4,
            pool_wait: Duration::from_secs(10),
            lock_wait_timeout: Duration::from_secs(10),
            bulk_execute: None,
        }
    }
}

impl fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("socket", &self.socket)
            .field("user", &self.user)
            .field(
                "password",
                &if self.password.is_empty() { "" } else { "***" },
            )
            .field("database", &self.database)
            .field("connect_timeout", &self.connect_timeout)
            .field("io_timeout", &self.io_timeout)
            .field("pool_max", &self.pool_max)
            .field("pool_wait", &self.pool_wait)
            .field("lock_wait_timeout", &self.lock_wait_timeout)
            .field("bulk_execute", &self.bulk_execute)
            .finish()
    }
}

impl DbConfig {
    /// `user@host:port/database` (or `user@socket/database`), for messages.
    pub fn target(&self) -> String {
        match &self.socket {
            Some(s) => format!("{}@{}/{}", self.user, s, self.database),
            None => format!(
                "{}@{}:{}/{}",
                self.user, self.host, self.port, self.database
            ),
        }
    }

    fn validate(&self) -> Result<()> {
        if self.socket.is_none() && self.host.trim().is_empty() {
            return Err(StorageError::Config("не указан сервер (host)".into()));
        }
        check_identifier("database name", &self.database).map_err(|_| {
            StorageError::Config(format!(
                "имя базы данных {:?} — не простое имя (буквы, цифры, _ и $)",
                self.database
            ))
        })?;
        if self.pool_max == 0 {
            return Err(StorageError::Config(
                "pool_max должен быть не меньше 1".into(),
            ));
        }
        Ok(())
    }

    fn opts(&self) -> OptsBuilder {
        let secs = self.lock_wait_timeout.as_secs().clamp(1, 3600);
        let b = OptsBuilder::new()
            .user(Some(&self.user))
            .pass(Some(&self.password))
            .db_name(Some(&self.database))
            .tcp_connect_timeout(Some(self.connect_timeout))
            .read_timeout(Some(self.io_timeout))
            .write_timeout(Some(self.io_timeout))
            .tcp_nodelay(true)
            .prefer_socket(false)
            .init(vec![
                "SET NAMES utf8mb4".to_owned(),
                "SET time_zone = '+00:00'".to_owned(),
                format!("SET SESSION innodb_lock_wait_timeout = {secs}"),
            ]);
        match &self.socket {
            Some(s) => b.socket(Some(s)),
            None => b.ip_or_hostname(Some(&self.host)).tcp_port(self.port),
        }
    }
}

/// The database, reached through a lazily created per-process pool.
pub struct Store {
    config: DbConfig,
    pool: OnceLock<Pool>,
    /// Whether the server takes bulk execution (found on first use).
    bulk: OnceLock<bool>,
    /// Set once this process has seen the schema up to date (see [`Store::conn`]).
    schema_ok: OnceLock<()>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("config", &self.config)
            .field("connected", &self.pool.get().is_some())
            .finish()
    }
}

impl Store {
    /// Checks the settings; connects nothing.
    pub fn new(config: DbConfig) -> Result<Store> {
        config.validate()?;
        Ok(Store {
            config,
            pool: OnceLock::new(),
            bulk: OnceLock::new(),
            schema_ok: OnceLock::new(),
        })
    }

    pub fn config(&self) -> &DbConfig {
        &self.config
    }

    fn pool(&self) -> Result<&Pool> {
        if let Some(p) = self.pool.get() {
            return Ok(p);
        }
        let constraints = PoolConstraints::new(0, self.config.pool_max)
            .ok_or_else(|| StorageError::Config("pool_max должен быть не меньше 1".into()))?;
        let opts: Opts = self
            .config
            .opts()
            .pool_opts(
                // No reset when a connection goes back to the pool: the reset (and the init
                // statements after it) cost four round trips per checkout and drop the
                // prepared-statement cache. Nothing here leaves session state behind: every
                // transaction ends in commit or rollback, and the cron lock has its own
                // connection.
                PoolOpts::new()
                    .with_constraints(constraints)
                    .with_reset_connection(false),
            )
            .into();
        let pool = Pool::new(opts).map_err(|e| self.connect_error(e))?;
        // Two threads may race here; the loser's empty pool is dropped.
        let _ = self.pool.set(pool);
        self.pool
            .get()
            .ok_or_else(|| StorageError::Config("пул соединений не удалось сохранить".into()))
    }

    fn connect_error(&self, e: mysql::Error) -> StorageError {
        StorageError::connect(self.config.target(), e, &self.config.password)
    }

    /// A pooled connection (waits up to [`DbConfig::pool_wait`] when all are busy).
    ///
    /// The first one a process takes first brings the schema up to date ([`migrate()`]): a site
    /// that installs a newer extension gets its new tables and columns on the next request or
    /// cron tick, without an explicit `priem_migrate`. A database migrated by a newer build
    /// ([`StorageError::SchemaTooNew`]) is left as it is and used (an older worker that has
    /// not restarted yet keeps serving).
    pub fn conn(&self) -> Result<PooledConn> {
        let mut conn = self.pooled()?;
        if self.schema_ok.get().is_none() {
            match migrate(&mut conn) {
                Ok(_) | Err(StorageError::SchemaTooNew { .. }) => {
                    let _ = self.schema_ok.set(());
                }
                Err(e) => return Err(e),
            }
        }
        Ok(conn)
    }

    fn pooled(&self) -> Result<PooledConn> {
        self.pool()?
            .try_get_conn(self.config.pool_wait)
            .map_err(|e| self.connect_error(e))
    }

    /// A connection of its own, outside the pool (for the cron lock, and for tests that need
    /// many simultaneous sessions).
    pub fn dedicated_conn(&self) -> Result<mysql::Conn> {
        mysql::Conn::new(self.config.opts()).map_err(|e| self.connect_error(e))
    }

    /// Applies the migrations this build knows that the database lacks; returns the versions
    /// applied now (empty when the schema was up to date). See [`migrate()`].
    pub fn migrate(&self) -> Result<Vec<u32>> {
        let mut conn = self.pooled()?;
        let applied = migrate(&mut conn)?;
        let _ = self.schema_ok.set(());
        Ok(applied)
    }

    /// The first row of a statement the caller wrote (the site's fingerprint of what a process
    /// keeps, e.g. counts and last-change times of the site's own tables), as one text: its
    /// values joined by U+001F, NULL as `\N`; "" when it returns no row. One round trip on a
    /// pooled connection.
    pub fn check_text(&self, sql: &str) -> Result<String> {
        let mut conn = self.pooled()?;
        let row: Option<mysql::Row> = conn
            .query_first(sql)
            .map_err(|e| StorageError::query("виджет: проверка изменений", e))?;
        let Some(row) = row else {
            return Ok(String::new());
        };
        let mut out = String::new();
        for (i, v) in row.unwrap().into_iter().enumerate() {
            if i > 0 {
                out.push('\u{1f}');
            }
            match v {
                mysql::Value::NULL => out.push_str("\\N"),
                mysql::Value::Bytes(b) => out.push_str(&String::from_utf8_lossy(&b)),
                other => out.push_str(&other.as_sql(true)),
            }
        }
        Ok(out)
    }

    /// Whether to write big batches with MariaDB's bulk execution (see
    /// [`DbConfig::bulk_execute`]).
    fn bulk_execute<Q: Queryable>(&self, q: &mut Q) -> Result<bool> {
        if let Some(b) = self.config.bulk_execute {
            return Ok(b);
        }
        if let Some(b) = self.bulk.get() {
            return Ok(*b);
        }
        let version: Option<String> = q
            .query_first("SELECT VERSION()")
            .map_err(|e| StorageError::query("версия сервера", e))?;
        let b = version.as_deref().is_some_and(mariadb_with_bulk);
        let _ = self.bulk.set(b);
        Ok(b)
    }

    /// Runs `body` in a transaction and commits it. A deadlock (which rolls the transaction
    /// back) is retried up to twice; any other error rolls back and is returned.
    fn transaction<T, E>(
        &self,
        context: &'static str,
        mut body: impl FnMut(&mut Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StorageError> + LockConflict,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.conn()?;
            let mut tx = conn
                .start_transaction(TxOpts::default())
                .map_err(|e| StorageError::query(context, e))?;
            match body(&mut tx) {
                Ok(v) => {
                    tx.commit().map_err(|e| StorageError::query(context, e))?;
                    return Ok(v);
                }
                Err(e) if e.is_deadlock() && attempt < 3 => {
                    // Dropping the transaction rolls it back (InnoDB already has).
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Errors that can say "the transaction was chosen as a deadlock victim".
trait LockConflict {
    fn is_deadlock(&self) -> bool;
}

impl LockConflict for StorageError {
    fn is_deadlock(&self) -> bool {
        self.code() == Some(1213)
    }
}

/// `10.11.6-MariaDB-0+deb12u1` → true (bulk execution exists since MariaDB 10.2).
fn mariadb_with_bulk(version: &str) -> bool {
    if !version.contains("MariaDB") {
        return false;
    }
    // MariaDB behind a MySQL-5.5-compatible prefix: "5.5.5-10.11.6-MariaDB".
    let v = version.strip_prefix("5.5.5-").unwrap_or(version);
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor) >= (10, 2)
}

/// Checks a name that comes from the settings (the database's) before it is put into SQL:
/// 1–64 characters from `A–Z a–z 0–9 _ $`, not only digits.
pub fn check_identifier(what: &'static str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        && !value.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(StorageError::BadIdentifier {
            what,
            value: value.to_owned(),
        })
    }
}

/// A UTC instant as stored: `DATETIME`, whole seconds.
pub(crate) fn db_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.trunc_subsecs(0).naive_utc()
}

/// Checks that a text fits a column of `max` characters.
pub(crate) fn check_len(what: impl Fn() -> String, value: &str, max: usize) -> Result<()> {
    // Byte length bounds the character count from above: only count when it might not fit.
    if value.len() > max {
        let len = value.chars().count();
        if len > max {
            return Err(StorageError::TooLong {
                what: what(),
                value: value.chars().take(80).collect(),
                len,
                max,
            });
        }
    }
    Ok(())
}

/// `?,?,?` for `n` placeholders.
pub(crate) fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 2);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('?');
    }
    s
}

/// Runs a statement with no result, mapping the error.
pub(crate) fn exec<Q: Queryable>(
    q: &mut Q,
    context: &'static str,
    sql: &str,
    params: Vec<mysql::Value>,
) -> Result<u64> {
    q.exec_iter(sql, mysql::Params::Positional(params))
        .map(|r| r.affected_rows())
        .map_err(|e| StorageError::query(context, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked_strictly() {
        for ok in ["site_db", "Priem_Slot", "a$b", "_x", "1abc"] {
            assert!(check_identifier("t", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "123",
            "site`; DROP TABLE x; --",
            "a b",
            "a.b",
            "a-b",
            "Сообщение",
            &"x".repeat(65),
        ] {
            assert!(check_identifier("t", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bulk_execution_is_for_mariadb_10_2_and_newer() {
        assert!(mariadb_with_bulk("10.11.19-MariaDB-0+deb12u1"));
        assert!(mariadb_with_bulk("5.5.5-10.6.12-MariaDB-log"));
        assert!(mariadb_with_bulk("11.4.2-MariaDB"));
        assert!(!mariadb_with_bulk("10.1.48-MariaDB"));
        assert!(!mariadb_with_bulk("8.0.36"));
        assert!(!mariadb_with_bulk("8.0.36-0ubuntu0.22.04.1"));
    }

    #[test]
    fn debug_hides_the_password() {
        let c = DbConfig {
            password: "hunter2-secret".into(),
            database: "site".into(),
            ..DbConfig::default()
        };
        let d = format!("{c:?}");
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("***"));
        assert_eq!(c.target(), "root@127.0.0.1:3306/site");
    }

    #[test]
    fn bad_settings_are_refused_before_connecting() {
        let bad = |c: DbConfig| Store::new(c).unwrap_err();
        assert!(matches!(
            bad(DbConfig {
                database: "".into(),
                ..DbConfig::default()
            }),
            StorageError::Config(_)
        ));
        assert!(matches!(
            bad(DbConfig {
                database: "x".into(),
                pool_max: 0,
                ..DbConfig::default()
            }),
            StorageError::Config(_)
        ));
        assert!(Store::new(DbConfig {
            database: "x".into(),
            ..DbConfig::default()
        })
        .is_ok());
    }

    #[test]
    fn too_long_values_are_named() {
        assert!(check_len(|| "кабинет".into(), "12", 2).is_ok());
        assert!(check_len(|| "кабинет".into(), "ая", 2).is_ok());
        let e = check_len(|| "кабинет".into(), "abc", 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "кабинет: длина 3, помещается не больше 2 символов: \"abc\""
        );
    }
}
