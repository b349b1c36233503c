//! The storage layer's one error type.

use thiserror::Error;

use crate::domain::booking::BookingStatus;

/// Everything that can go wrong in [`crate::storage`]. Messages never contain the database
/// password (connection errors are scrubbed of it; query errors come from the server, which
/// never echoes it).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The database settings are unusable: empty host or database name, a pool of size 0, a
    /// database name that is not a plain identifier. Found before any connection is made.
    #[error("настройки базы данных: {0}")]
    Config(String),

    /// No connection could be made or taken from the pool: the server is down or unreachable,
    /// the login is refused, the database does not exist, the connect timeout passed, or every
    /// pooled connection stayed busy for longer than the pool wait. `target` is
    /// `user@host:port/database` (no password).
    #[error("нет соединения с базой данных {target}: {message}")]
    Connect {
        target: String,
        message: String,
        /// The server's error number, when the server answered (1045 access denied, 1049
        /// unknown database, 1040 too many connections…).
        code: Option<u16>,
        transient: bool,
    },

    /// A statement failed. `context` names the operation (`"импорт: добавление расписания"`); `code` is
    /// the server's error number when the server sent one (1213 deadlock, 1205 lock wait
    /// timeout, 1062 duplicate key…). A connection lost in the middle of a statement lands here
    /// too, with no code and `transient` set.
    #[error("ошибка базы данных ({context}): {message}")]
    Query {
        context: &'static str,
        code: Option<u16>,
        message: String,
        transient: bool,
    },

    /// A statement of a migration failed. Versions applied before it stay applied (MySQL DDL is
    /// not transactional); every statement is idempotent, so running the migrations again after
    /// fixing the cause completes them.
    #[error("миграция {version} ({name}), инструкция {statement}: {message}")]
    Migration {
        version: u32,
        name: &'static str,
        /// 1-based position of the failing statement in the file.
        statement: usize,
        message: String,
    },

    /// The database records a schema version newer than this build knows: the extension was
    /// downgraded. Nothing is changed.
    #[error("схема базы данных версии {found}, новее известной этой сборке ({known}): обновите расширение priem")]
    SchemaTooNew { found: u32, known: u32 },

    /// A table or column name from the settings is not a plain identifier (letters, digits,
    /// `_`, `$`; 1–64 characters; not only digits). Checked before it is put into SQL.
    #[error("{what}: {value:?} — недопустимое имя таблицы или столбца MySQL (буквы, цифры, _ и $, не больше 64 символов)")]
    BadIdentifier { what: &'static str, value: String },

    /// A value from the schedule or a booking does not fit its column (a filial code longer
    /// than 64 characters, a room longer than 255…). Checked before anything is written, so the
    /// import or booking is refused as a whole.
    #[error("{what}: длина {len}, помещается не больше {max} символов: {value:?}")]
    TooLong {
        what: String,
        value: String,
        len: usize,
        max: usize,
    },

    /// A value handed to the storage layer cannot be stored as it is (an empty idempotency
    /// key, a booking that ends before it starts, a schedule whose indices do not hold
    /// together, an unknown sync run). A programming error of the caller.
    #[error("{what}: {reason}")]
    Invalid { what: &'static str, reason: String },

    /// No booking has this id.
    #[error("нет записи с номером {0}")]
    NoSuchBooking(u64),

    /// The booking's current status does not allow this change (a confirmed booking cannot be
    /// rejected, a rejected one cannot be sent again…).
    #[error("запись {id} в состоянии {from}, оно не может смениться на {to}")]
    BadTransition {
        id: u64,
        from: BookingStatus,
        to: BookingStatus,
    },

    /// A row read back from priem's own tables holds a value this build does not understand
    /// (a status it does not know, a NULL where none may be). Someone edited the table by hand
    /// or a newer build wrote it.
    #[error("непонятные данные в {table}: {message}")]
    Corrupt {
        table: &'static str,
        message: String,
    },
}

/// Server error numbers after which trying again may succeed.
const TRANSIENT_CODES: &[u16] = &[
    1040, // ER_CON_COUNT_ERROR: too many connections
    1053, // ER_SERVER_SHUTDOWN
    1077, 1078, 1079, 1080, // shutdown in progress / forced close
    1152, 1153, 1154, 1155, 1156, 1157, 1158, 1159, 1160,
    1161, // aborted connection, net errors
    1205, // ER_LOCK_WAIT_TIMEOUT
    1213, // ER_LOCK_DEADLOCK
    1317, // ER_QUERY_INTERRUPTED
    1927, // ER_CONNECTION_KILLED (MariaDB)
    2006, 2013, // server has gone away, lost connection
    4031, // MySQL 8: disconnected by the server for inactivity
];

impl StorageError {
    /// True when the same call may succeed later: connection lost or refused for load, server
    /// restarting, deadlock, lock wait timeout, pool exhausted. False for errors that will
    /// repeat (bad SQL, bad settings, bad data, access denied).
    pub fn is_transient(&self) -> bool {
        match self {
            StorageError::Connect { transient, .. } | StorageError::Query { transient, .. } => {
                *transient
            }
            _ => false,
        }
    }

    /// True for a deadlock or a lock wait timeout: the transaction was rolled back and can be
    /// run again at once.
    pub fn is_lock_conflict(&self) -> bool {
        matches!(
            self,
            StorageError::Query {
                code: Some(1205 | 1213),
                ..
            }
        )
    }

    /// The server's error number, when there is one.
    pub fn code(&self) -> Option<u16> {
        match self {
            StorageError::Connect { code, .. } | StorageError::Query { code, .. } => *code,
            _ => None,
        }
    }

    /// Wraps a driver error met while running `context`.
    pub(crate) fn query(context: &'static str, e: mysql::Error) -> StorageError {
        let (code, transient) = classify(&e);
        StorageError::Query {
            context,
            code,
            message: describe(&e),
            transient,
        }
    }

    /// Wraps a driver error met while connecting; `password` is removed from the text.
    pub(crate) fn connect(target: String, e: mysql::Error, password: &str) -> StorageError {
        let (code, transient) = classify(&e);
        let mut message = describe(&e);
        // A password can only appear in a driver's own text (never in a server message);
        // scrub it anyway. Very short passwords are not scrubbed: they would mangle the text
        // and are not secret in any real sense.
        if password.len() >= 4 {
            message = message.replace(password, "***");
        }
        StorageError::Connect {
            target,
            message,
            code,
            transient,
        }
    }
}

/// The server's error number and whether trying again may help.
fn classify(e: &mysql::Error) -> (Option<u16>, bool) {
    use mysql::DriverError as D;
    match e {
        mysql::Error::MySqlError(m) => (Some(m.code), TRANSIENT_CODES.contains(&m.code)),
        mysql::Error::IoError(_) | mysql::Error::CodecError(_) | mysql::Error::TlsError(_) => {
            (None, true)
        }
        mysql::Error::DriverError(d) => (
            None,
            matches!(
                d,
                D::ConnectTimeout
                    | D::CouldNotConnect(_)
                    | D::Timeout
                    | D::PacketOutOfSync
                    | D::UnexpectedPacket
            ),
        ),
        _ => (None, false),
    }
}

/// A one-line description of a driver error, in Russian; the server's own (English) text is
/// kept after it for the one who fixes it.
fn describe(e: &mysql::Error) -> String {
    use mysql::DriverError as D;
    match e {
        mysql::Error::MySqlError(m) => {
            let what = match m.code {
                1045 => "доступ запрещён: неверный пользователь или пароль",
                1044 | 1142 | 1143 => "у пользователя нет прав",
                1049 => "такой базы данных нет",
                1040 => "слишком много соединений",
                1205 => "истекло ожидание блокировки",
                1213 => "взаимная блокировка (deadlock)",
                1053 | 1077..=1080 => "сервер останавливается",
                2006 | 2013 | 1927 | 4031 => "соединение с сервером потеряно",
                _ => "сервер отказал",
            };
            format!(
                "{what} (ошибка {}, SQLSTATE {}: {})",
                m.code, m.state, m.message
            )
        }
        mysql::Error::DriverError(D::Timeout) => {
            "ни одно соединение из пула не освободилось вовремя".into()
        }
        mysql::Error::DriverError(D::ConnectTimeout) => {
            "сервер не ответил за отведённое время".into()
        }
        mysql::Error::DriverError(D::CouldNotConnect(Some((_, desc, kind)))) => {
            // `desc` is the system's text; the address (with the login) is left out.
            let why = io_kind(*kind).map_or_else(|| desc.clone(), str::to_owned);
            format!("не удалось соединиться ({why})")
        }
        mysql::Error::IoError(io) => {
            let why = io_kind(io.kind()).map_or_else(|| io.to_string(), str::to_owned);
            format!("ошибка связи с сервером ({why})")
        }
        other => format!("ошибка драйвера MySQL: {other}"),
    }
}

/// An I/O failure's kind in words, when it has some.
fn io_kind(kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind as K;
    Some(match kind {
        K::ConnectionRefused => "сервер отказал в соединении",
        K::ConnectionReset | K::ConnectionAborted => "соединение сброшено",
        K::TimedOut => "истекло время ожидания",
        K::BrokenPipe | K::UnexpectedEof => "соединение оборвалось",
        K::NotFound => "сервер не найден",
        K::PermissionDenied => "доступ запрещён",
        K::AddrNotAvailable => "адрес недоступен",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: u16) -> mysql::Error {
        mysql::Error::MySqlError(mysql::MySqlError {
            state: "40001".into(),
            message: "x".into(),
            code,
        })
    }

    #[test]
    fn deadlock_and_lock_wait_are_transient_conflicts() {
        for code in [1205, 1213] {
            let e = StorageError::query("t", server(code));
            assert!(e.is_transient());
            assert!(e.is_lock_conflict());
            assert_eq!(e.code(), Some(code));
        }
    }

    #[test]
    fn connection_loss_is_transient_but_bad_sql_is_not() {
        let io = mysql::Error::IoError(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset",
        ));
        assert!(StorageError::query("t", io).is_transient());
        assert!(StorageError::query("t", server(2013)).is_transient());
        let syntax = StorageError::query("t", server(1064));
        assert!(!syntax.is_transient());
        assert!(!syntax.is_lock_conflict());
    }

    #[test]
    fn connect_errors_never_show_the_password() {
        let e = mysql::Error::DriverError(mysql::DriverError::CouldNotConnect(Some((
            "mysql://u:s3cr3t-pw@h".into(),
            "refused s3cr3t-pw".into(),
            std::io::ErrorKind::ConnectionRefused,
        ))));
        let err = StorageError::connect("u@h:3306/db".into(), e, "s3cr3t-pw");
        assert!(!err.to_string().contains("s3cr3t-pw"), "{err}");
        assert_eq!(
            err.to_string(),
            "нет соединения с базой данных u@h:3306/db: не удалось соединиться (сервер отказал в соединении)"
        );
        assert!(err.is_transient());
        let denied = StorageError::connect("u@h:3306/db".into(), server(1045), "s3cr3t-pw");
        assert!(
            denied
                .to_string()
                .contains("доступ запрещён: неверный пользователь или пароль"),
            "{denied}"
        );
        assert!(!denied.is_transient());
    }
}
