//! Versioned schema migrations (`sql/NNN_name.sql`), applied idempotently.
//!
//! Each file is a list of statements separated by `;` (outside quotes and `--` comments),
//! each one safe to run twice (`CREATE TABLE IF NOT EXISTS`, `ADD COLUMN IF NOT EXISTS`…).
//! [`migrate`] takes a named lock so two installers never interleave, applies the versions the
//! database lacks in order and records each in `Priem_Migration` once all its statements ran.
//! A failure part-way leaves the earlier statements applied (MySQL DDL commits implicitly);
//! running again completes the version.

use chrono::Utc;
use mysql::prelude::Queryable;
use sha2::{Digest, Sha256};

use super::{db_time, Result, StorageError};

/// One schema version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration this build knows, in version order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "001_init",
        sql: include_str!("../../sql/001_init.sql"),
    },
    Migration {
        version: 2,
        name: "002_form",
        sql: include_str!("../../sql/002_form.sql"),
    },
    Migration {
        version: 3,
        name: "003_prodoctorov",
        sql: include_str!("../../sql/003_prodoctorov.sql"),
    },
    Migration {
        version: 4,
        name: "004_security",
        sql: include_str!("../../sql/004_security.sql"),
    },
    Migration {
        version: 5,
        name: "005_check",
        sql: include_str!("../../sql/005_check.sql"),
    },
    Migration {
        version: 6,
        name: "006_reconcile",
        sql: include_str!("../../sql/006_reconcile.sql"),
    },
    Migration {
        version: 7,
        name: "007_privacy",
        sql: include_str!("../../sql/007_privacy.sql"),
    },
    Migration {
        version: 8,
        name: "008_import_stream",
        sql: include_str!("../../sql/008_import_stream.sql"),
    },
    Migration {
        version: 9,
        name: "009_protection",
        sql: include_str!("../../sql/009_protection.sql"),
    },
    Migration {
        version: 10,
        name: "010_booking_names",
        sql: include_str!("../../sql/010_booking_names.sql"),
    },
    Migration {
        version: 11,
        name: "011_protection_server",
        sql: include_str!("../../sql/011_protection_server.sql"),
    },
];

const LOCK: &str = "LEFT(CONCAT('priem_migrate:', COALESCE(DATABASE(), '')), 64)";

/// Applies to the connection's database the migrations it lacks; returns the versions applied
/// now, empty when the schema was already up to date. Safe to call on every start and from
/// several processes at once.
pub fn migrate<C: Queryable>(conn: &mut C) -> Result<Vec<u32>> {
    let got: Option<Option<i64>> = conn
        .query_first(format!("SELECT GET_LOCK({LOCK}, 60)"))
        .map_err(|e| StorageError::query("миграция: блокировка", e))?;
    if got != Some(Some(1)) {
        return Err(StorageError::Query {
            context: "миграция: блокировка",
            code: None,
            message: "другой процесс обновляет схему базы данных дольше 60 с".into(),
            transient: true,
        });
    }
    let result = apply(conn);
    let _ = conn.query_drop(format!("DO RELEASE_LOCK({LOCK})"));
    result
}

fn apply<C: Queryable>(conn: &mut C) -> Result<Vec<u32>> {
    let has_table: Option<i64> = conn
        .query_first(
            "SELECT COUNT(*) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'Priem_Migration'",
        )
        .map_err(|e| StorageError::query("миграция: чтение версий", e))?;
    let applied: Vec<u32> = if has_table.unwrap_or(0) > 0 {
        conn.query("SELECT version FROM Priem_Migration ORDER BY version")
            .map_err(|e| StorageError::query("миграция: чтение версий", e))?
    } else {
        Vec::new()
    };
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    if let Some(&found) = applied.iter().max() {
        if found > known {
            return Err(StorageError::SchemaTooNew { found, known });
        }
    }
    let mut done = Vec::new();
    for m in MIGRATIONS {
        if applied.contains(&m.version) {
            continue;
        }
        for (i, stmt) in split_statements(m.sql).iter().enumerate() {
            conn.query_drop(stmt).map_err(|e| StorageError::Migration {
                version: m.version,
                name: m.name,
                statement: i + 1,
                message: e.to_string(),
            })?;
        }
        let checksum = hex(&Sha256::digest(m.sql.as_bytes()));
        conn.exec_drop(
            "INSERT IGNORE INTO Priem_Migration (version, name, checksum, applied_at) \
             VALUES (?, ?, ?, ?)",
            (m.version, m.name, checksum, db_time(Utc::now())),
        )
        .map_err(|e| StorageError::query("миграция: запись версии", e))?;
        done.push(m.version);
    }
    Ok(done)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Splits an SQL file into statements on `;`, ignoring semicolons inside quotes and `--`
/// comments; comment-only and empty pieces are dropped.
pub(crate) fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' | '`' => {
                    quote = Some(c);
                    cur.push(c);
                }
                '-' if chars.peek() == Some(&'-') => {
                    // A comment runs to the end of the line.
                    for n in chars.by_ref() {
                        if n == '\n' {
                            cur.push('\n');
                            break;
                        }
                    }
                }
                ';' => {
                    let s = cur.trim();
                    if !s.is_empty() {
                        out.push(s.to_owned());
                    }
                    cur.clear();
                }
                _ => cur.push(c),
            },
        }
    }
    let s = cur.trim();
    if !s.is_empty() {
        out.push(s.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let s = split_statements(
            "-- a comment; with a semicolon\nCREATE TABLE a (x INT COMMENT 'it''s; fine');\n\
             \n-- only a comment\n;SELECT \"a;b\", `c;d`;\nSELECT 1",
        );
        assert_eq!(
            s,
            vec![
                "CREATE TABLE a (x INT COMMENT 'it''s; fine')",
                "SELECT \"a;b\", `c;d`",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn the_init_migration_creates_every_table_idempotently() {
        let stmts = split_statements(MIGRATIONS[0].sql);
        let tables = [
            "Priem_Migration",
            "Priem_Filial",
            "Priem_Doctor",
            "Priem_Slot",
            "Priem_Day",
            "Priem_Booking",
            "Priem_Hold",
            "Priem_SyncRun",
            "Priem_Alert",
        ];
        assert_eq!(stmts.len(), tables.len());
        for (s, t) in stmts.iter().zip(tables) {
            assert!(
                s.starts_with(&format!("CREATE TABLE IF NOT EXISTS {t} (")),
                "{s}"
            );
            assert!(s.contains("ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"), "{t}");
        }
    }

    #[test]
    fn versions_are_in_order() {
        for w in MIGRATIONS.windows(2) {
            assert!(w[0].version < w[1].version);
        }
    }
}
