//! FTP: schedule snapshots from the MIS (mis-exchange.md §1.2.1) and the booking drop (§2.2.2).
//!
//! One [`FtpSession`] is one control connection, opened per cron tick and closed at its end
//! ([`FtpSession::quit`]); nothing is kept across ticks or across a `fork`.
//!
//! # Which files are snapshots
//! A name is taken when it ends with `.json` (any case), does not start with a dot and has no
//! `.tmp` / `.part` / `.filepart` component (`names::is_ready_json`): the MIS uploads under such a
//! temporary name and renames when done. As a second guard the caller lists twice,
//! [`FtpConfig::stability_delay`] apart, and keeps only files whose size and modification time
//! did not change ([`stable_snapshots`], or [`FtpSession::list_stable`] which does both).
//!
//! # Order, and "only the newest snapshot per filial matters"
//! File names carry no filial, and one file may hold several filials, so the transport cannot
//! pick "the newest per filial" by itself. It returns the stable files **oldest first**
//! (modification time, then name). Importing them in that order gives exactly the state that
//! importing only the newest file of each filial would give, because a snapshot replaces every
//! filial it contains (§1.1).
//!
//! # Paths
//! [`FtpConfig::directory`], [`FtpConfig::bookings_dir`] and [`FtpConfig::results_dir`] are
//! server paths: absolute (`/mis/out`) or relative to the login directory (`""` is the login
//! directory itself). Sub-folders (`processed/`, `failed/`) are created on first use.
//!
//! # Booking drop
//! [`FtpSession::upload_booking`] writes `<bookings dir>/.<id>.json.tmp` and renames it to
//! `<bookings dir>/<id>.json`; uploading the same booking again replaces the same file, so a
//! retry can never become a second booking. The MIS answers with `<results dir>/<id>.json`
//! (`{"success": …, "error": …}`), written the same way (temporary name, then rename).
//! [`FtpSession::read_results`] reads the answers **without** removing them;
//! [`FtpSession::ack_result`] removes one after the caller has stored it, so a crash between
//! the two reads the answer again instead of losing it.
//!
//! # TLS
//! With [`FtpConfig::explicit_tls`] the session is FTPS or nothing ([`FtpError::Tls`]). Without
//! it, a server that lists `AUTH TLS` in `FEAT` (asked before login) gets TLS all the same: the
//! control connection is upgraded and data connections protected (`PBSZ 0`, `PROT P`), the
//! certificate verified as for FTPS. When that upgrade fails (certificate not trusted, handshake
//! error, `AUTH` refused), the session connects again in plain text before logging in; when a
//! data connection's TLS fails later, it connects again in plain text and repeats that one
//! listing, download or upload once (`FtpSession::data_op` says why that repeats nothing the MIS
//! could see twice). [`FtpSession::protection`] says which happened.

mod connect;
mod names;
mod session;

use std::time::Duration;

use chrono::NaiveDateTime;
use thiserror::Error;

use super::{Protection, Secret};
use crate::wire::booking::{AnswerError, MisAnswer};

pub use names::stable_snapshots;
pub use session::{check, FtpSession};

/// Default time to open the control (and each data) connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time one read or write on a connection may block.
pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(30);
/// Default pause between the two listings of the stability check.
pub const DEFAULT_STABILITY_DELAY: Duration = Duration::from_secs(5);
/// Default largest file downloaded: 100 MiB (a 1-million-cell snapshot of 1 000 doctors over 30
/// days is about 80 MB).
pub const DEFAULT_MAX_DOWNLOAD: u64 = 100 << 20;

/// What happens to a snapshot (or result file) once it has been imported (stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AfterImport {
    /// Move it into the `processed/` sub-folder (kept for inspection; the MIS side or the
    /// server's own cleanup empties the folder).
    #[default]
    MoveToProcessed,
    /// Delete it.
    Delete,
}

/// How the directory is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Listing {
    /// `MLSD` when the server announces `MLST` in `FEAT`, else [`Listing::NameSizeMdtm`].
    #[default]
    Auto,
    /// `MLSD` (RFC 3659): names, types, sizes and UTC times in one exchange.
    Mlsd,
    /// `NLST`, then `SIZE` and `MDTM` per candidate file. `LIST` is not used: its format is
    /// not standardized.
    NameSizeMdtm,
}

/// The sub-folders a snapshot can be filed into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// `processed/`: imported.
    Processed,
    /// `failed/`: could not be imported (an alert says why).
    Failed,
}

impl Folder {
    pub fn name(self) -> &'static str {
        match self {
            Folder::Processed => "processed",
            Folder::Failed => "failed",
        }
    }
}

/// The FTP settings. `Debug` does not show the password.
#[derive(Debug, Clone)]
pub struct FtpConfig {
    pub host: String,
    /// Default 21.
    pub port: u16,
    pub user: String,
    pub password: Secret,
    /// Where the MIS uploads snapshots. `""` is the login directory.
    pub directory: String,
    /// Passive mode (default `true`); active mode needs the server to reach this host.
    pub passive: bool,
    /// In passive mode, connect data connections to the control connection's address instead
    /// of the address in the `PASV` reply (default `true`: servers behind NAT announce private
    /// addresses; FileZilla does the same).
    pub pasv_use_control_host: bool,
    /// Explicit FTPS required (`AUTH TLS` before login; data connections protected too): a TLS
    /// failure is an error. Default off: TLS is then used when the server offers it in `FEAT`,
    /// and the session goes on in plain text when that upgrade fails
    /// ([`FtpSession::protection`]).
    pub explicit_tls: bool,
    /// Extra trusted CA certificates (PEM) for a server with a private CA; the system store is
    /// always used.
    pub extra_ca_pem: Option<String>,
    /// Time to open a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Time one read or write may block (default 30 s).
    pub io_timeout: Duration,
    /// What to do with imported files (default: move to `processed/`).
    pub after_import: AfterImport,
    /// Pause between the two listings of [`FtpSession::list_stable`] (default 5 s; 0 allowed).
    pub stability_delay: Duration,
    /// Where booking files are dropped for the MIS (default `bookings`).
    pub bookings_dir: String,
    /// Where the MIS writes its answers (default `results`).
    pub results_dir: String,
    pub listing: Listing,
    /// The largest file downloaded, in bytes (default [`DEFAULT_MAX_DOWNLOAD`]): of a bigger one
    /// no more than this is kept in memory ([`FtpError::TooLarge`]).
    pub max_download: u64,
}

impl FtpConfig {
    /// Settings with every default (port 21, login directory, passive, no TLS, …).
    pub fn new(host: impl Into<String>, user: impl Into<String>, password: Secret) -> Self {
        FtpConfig {
            host: host.into(),
            port: 21,
            user: user.into(),
            password,
            directory: String::new(),
            passive: true,
            pasv_use_control_host: true,
            explicit_tls: false,
            extra_ca_pem: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            io_timeout: DEFAULT_IO_TIMEOUT,
            after_import: AfterImport::default(),
            stability_delay: DEFAULT_STABILITY_DELAY,
            bookings_dir: "bookings".into(),
            results_dir: "results".into(),
            listing: Listing::default(),
            max_download: DEFAULT_MAX_DOWNLOAD,
        }
    }

    /// `host:port` (`[v6]:port`), as errors and observations name the server.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// An FTP failure. Messages are for the clinic's staff: in Russian, with the server, the command,
/// the path and the server's reply in parentheses; they never contain the password.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FtpError {
    /// The settings cannot work (empty host, unreadable CA PEM, a booking id that is not a
    /// safe file name, a booking payload that is not a JSON object…). Nothing was sent.
    #[error("настройки FTP неверны ({0})")]
    Config(String),
    /// The server could not be reached: name not resolved, connection refused or unreachable.
    #[error("нет соединения с FTP-сервером {addr} ({cause})")]
    Connect { addr: String, cause: String },
    /// The server did not answer within the connect or I/O timeout.
    #[error("FTP-сервер {addr} не ответил вовремя ({during})")]
    Timeout { addr: String, during: String },
    /// FTPS failed: `AUTH TLS` refused, certificate not trusted, handshake error.
    #[error("не удалось установить защищённое соединение (FTPS) с {addr} ({cause})")]
    Tls { addr: String, cause: String },
    /// The server refused the user name or password (reply 530). The password is not shown.
    #[error("FTP-сервер {addr} не принял логин «{user}» и пароль ({reply})")]
    Login {
        addr: String,
        user: String,
        reply: String,
    },
    /// A file or directory does not exist or is not accessible (reply 550).
    #[error("на FTP-сервере нет {path} или к нему нет доступа ({reply})")]
    NotFound { path: String, reply: String },
    /// The server refused a command for now (4xx: busy, too many connections, file locked).
    #[error("FTP-сервер временно отказал ({command} {path}: {reply})")]
    Busy {
        command: String,
        path: String,
        code: u32,
        reply: String,
    },
    /// The server refused a command for good (5xx other than 550: permission, quota,
    /// command not supported).
    #[error("FTP-сервер отказал ({command} {path}: {reply})")]
    Refused {
        command: String,
        path: String,
        code: u32,
        reply: String,
    },
    /// The connection broke during a command or a transfer.
    #[error("соединение с FTP-сервером {addr} оборвалось ({during}: {cause})")]
    Io {
        addr: String,
        during: String,
        cause: String,
    },
    /// A file is larger than [`FtpConfig::max_download`]: it was not kept.
    #[error("файл {path} на FTP-сервере больше {} МБ — предела из настроек", .max >> 20)]
    TooLarge { path: String, max: u64 },
    /// The server sent a reply that could not be read.
    #[error("FTP-сервер {addr} прислал непонятный ответ ({during}: {cause})")]
    Protocol {
        addr: String,
        during: String,
        cause: String,
    },
}

impl FtpError {
    /// Whether the same call may succeed later without anyone changing anything: the server
    /// was down, slow, busy or the connection broke. Settings, login, TLS trust, missing files
    /// and permanent refusals need a person.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            FtpError::Connect { .. }
                | FtpError::Timeout { .. }
                | FtpError::Busy { .. }
                | FtpError::Io { .. }
                | FtpError::Protocol { .. }
        )
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, FtpError::Timeout { .. })
    }

    /// The FTP reply code, when the error is a reply.
    pub fn reply_code(&self) -> Option<u32> {
        match self {
            FtpError::Login { .. } => Some(530),
            FtpError::NotFound { .. } => Some(550),
            FtpError::Busy { code, .. } | FtpError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// A file in a listing. `modified` is the server's UTC time (`None` when it gave none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    pub name: String,
    pub size: u64,
    pub modified: Option<NaiveDateTime>,
}

/// What the MIS answered to a dropped booking (§2.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingResult {
    /// The file name without `.json`: the booking id the site uploaded.
    pub booking_id: String,
    /// The file name in the results directory.
    pub file: String,
    /// The answer, or why it cannot be read (the file then goes to `failed/` on ack).
    pub answer: Result<MisAnswer, AnswerError>,
}

/// What the admin's "Проверить соединение" reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpCheck {
    /// Snapshots waiting in the directory.
    pub waiting: usize,
    /// `"MLSD"` or `"NLST+SIZE+MDTM"`.
    pub listing: &'static str,
    /// How the connection (and the listing's data connection) was protected.
    pub protection: Protection,
}

impl FtpCheck {
    /// How the checked connection was protected, in Russian, for «Проверить соединение».
    pub fn protection_text(&self) -> String {
        self.protection
            .in_russian("AUTH TLS", "режим «FTPS (явный TLS)» в настройках")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_network_ones() {
        let busy = FtpError::Busy {
            command: "RETR".into(),
            path: "a".into(),
            code: 421,
            reply: "".into(),
        };
        assert!(busy.is_transient());
        assert_eq!(busy.reply_code(), Some(421));
        assert!(!FtpError::Login {
            addr: "h:21".into(),
            user: "u".into(),
            reply: "530".into()
        }
        .is_transient());
        assert!(FtpError::Timeout {
            addr: "h:21".into(),
            during: "connect".into()
        }
        .is_timeout());
    }

    #[test]
    fn config_debug_hides_the_password() {
        let cfg = FtpConfig::new("h", "u", Secret::new("s3cret-pass"));
        assert!(!format!("{cfg:?}").contains("s3cret-pass"));
    }
}
