//! FTP: schedule snapshots from the MIS (mis-exchange.md §1.2.1) and the booking drop (§2.2.2).
//!
//! One [`FtpSession`] is one control connection, opened per cron tick and closed at its end
//! ([`FtpSession::quit`]); nothing is kept across ticks or across a `fork`.
//!
//! # Which files are snapshots
//! A name is taken when it ends with `.json` (any case), does not start with a dot and has no
//! `.tmp` / `.part` / `.filepart` component ([`is_ready_json`]): the MIS uploads under such a
//! temporary name and renames when done. As a second guard the caller lists twice,
//! [`FtpConfig::stability_delay`] apart, and keeps only files whose size and modification time
//! did not change ([`stable_snapshots`], or [`FtpSession::list_stable`] which does both).
//!
//! # Order, and "only the newest snapshot per filial matters"
//! File names carry no filial, and one file may hold several filials, so the transport cannot
//! pick "the newest per filial" by itself. It returns the stable files **oldest first**
//! (modification time, then name). Importing them in that order gives exactly the state that
//! importing only the newest file of each filial would give, because a snapshot replaces every
//! filial it contains (§1.1). To skip the wasted work, the caller — which learns each file's
//! filials when it parses it — can ask [`superseded`] which files are entirely covered by newer
//! ones and file those as processed without importing them.
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

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::io::Cursor;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use suppaftp::types::FileType;
use suppaftp::{Mode, RustlsConnector, RustlsFtpStream};
use thiserror::Error;

use super::{
    chain_tls_error, ensure_crypto_provider, excerpt, is_timeout_kind, parse_pem_certs, scrub,
    Secret,
};
use crate::wire::booking::{parse_mis_answer, AnswerError, MisAnswer};

/// Default time to open the control (and each data) connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time one read or write on a connection may block.
pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(30);
/// Default pause between the two listings of the stability check.
pub const DEFAULT_STABILITY_DELAY: Duration = Duration::from_secs(5);

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
    /// Explicit FTPS (`AUTH TLS` before login; data connections protected too). Default off.
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
        }
    }

    fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// An FTP failure. Messages name the server, the command and the path, and quote the server's
/// reply; they never contain the password.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FtpError {
    /// The settings cannot work (empty host, unreadable CA PEM, a booking id that is not a
    /// safe file name, a booking payload that is not a JSON object…). Nothing was sent.
    #[error("FTP settings: {0}")]
    Config(String),
    /// The server could not be reached: name not resolved, connection refused or unreachable.
    #[error("cannot connect to the FTP server {addr}: {cause}")]
    Connect { addr: String, cause: String },
    /// The server did not answer within the connect or I/O timeout.
    #[error("the FTP server {addr} did not answer in time ({during})")]
    Timeout { addr: String, during: String },
    /// FTPS failed: `AUTH TLS` refused, certificate not trusted, handshake error.
    #[error("FTPS with {addr} failed: {cause}")]
    Tls { addr: String, cause: String },
    /// The server refused the user name or password (reply 530). The password is not shown.
    #[error("the FTP server {addr} refused the login of user {user:?}: {reply}")]
    Login {
        addr: String,
        user: String,
        reply: String,
    },
    /// A file or directory does not exist or is not accessible (reply 550).
    #[error("FTP: {path} not found or not accessible: {reply}")]
    NotFound { path: String, reply: String },
    /// The server refused a command for now (4xx: busy, too many connections, file locked).
    #[error("FTP {command} {path}: temporarily refused: {reply}")]
    Busy {
        command: String,
        path: String,
        code: u32,
        reply: String,
    },
    /// The server refused a command for good (5xx other than 550: permission, quota,
    /// command not supported).
    #[error("FTP {command} {path}: refused: {reply}")]
    Refused {
        command: String,
        path: String,
        code: u32,
        reply: String,
    },
    /// The connection broke during a command or a transfer.
    #[error("FTP connection to {addr} broke during {during}: {cause}")]
    Io {
        addr: String,
        during: String,
        cause: String,
    },
    /// The server sent a reply that could not be read.
    #[error("FTP server {addr} sent an unreadable reply during {during}: {cause}")]
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
    pub tls: bool,
}

/// Whether `name` is a finished `*.json` file: not a dot-file, no `.tmp` / `.part` /
/// `.filepart` component (`a.json.tmp`, `a.part.json`, `.a.json` are all skipped).
pub fn is_ready_json(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if name.is_empty() || name.starts_with('.') || !lower.ends_with(".json") || lower == ".json" {
        return false;
    }
    !lower
        .split('.')
        .skip(1)
        .any(|part| matches!(part, "tmp" | "part" | "filepart"))
}

/// Sorts oldest first: by modification time (files without one first), then by name.
pub fn sort_oldest_first(files: &mut [RemoteFile]) {
    files.sort_by(|a, b| {
        a.modified
            .cmp(&b.modified)
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// The files of `second` that were already in `first` with the same size and modification
/// time, oldest first. A file new in `second`, or changed, is still being written.
pub fn stable_snapshots(first: &[RemoteFile], second: &[RemoteFile]) -> Vec<RemoteFile> {
    let mut stable: Vec<RemoteFile> = second
        .iter()
        .filter(|b| {
            first
                .iter()
                .any(|a| a.name == b.name && a.size == b.size && a.modified == b.modified)
        })
        .cloned()
        .collect();
    sort_oldest_first(&mut stable);
    stable
}

/// Given the filial codes of each waiting snapshot, **oldest first**, which ones are entirely
/// superseded: every filial they contain is in some newer snapshot, so importing them would be
/// overwritten anyway (§1.1 replacement rule). A snapshot with no filials is never superseded
/// (let the importer report it).
pub fn superseded(filials_oldest_first: &[BTreeSet<String>]) -> Vec<bool> {
    let mut newer: BTreeSet<&str> = BTreeSet::new();
    let mut out = vec![false; filials_oldest_first.len()];
    for (i, set) in filials_oldest_first.iter().enumerate().rev() {
        out[i] = !set.is_empty() && set.iter().all(|f| newer.contains(f.as_str()));
        newer.extend(set.iter().map(String::as_str));
    }
    out
}

/// Whether a booking id is safe as a file name: 1–64 of `A-Z a-z 0-9 _ -`.
pub fn is_valid_booking_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The §2.1 JSON with `"booking_id"` added as the last field (§2.2.2), the rest kept byte for
/// byte. A payload that already carries this id is returned unchanged.
pub fn with_booking_id(json: &str, id: &str) -> Result<String, FtpError> {
    if !is_valid_booking_id(id) {
        return Err(FtpError::Config(format!(
            "booking id {id:?} is not 1-64 letters, digits, '_' or '-'"
        )));
    }
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| FtpError::Config(format!("the booking payload is not JSON: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| FtpError::Config("the booking payload is not a JSON object".into()))?;
    match obj.get("booking_id") {
        Some(serde_json::Value::String(s)) if s == id => return Ok(json.to_owned()),
        Some(other) => {
            return Err(FtpError::Config(format!(
                "the booking payload already has booking_id {other}, not {id:?}"
            )))
        }
        None => {}
    }
    let trimmed = json.trim_end();
    let head = trimmed
        .strip_suffix('}')
        .ok_or_else(|| FtpError::Config("the booking payload does not end with '}'".into()))?;
    let sep = if obj.is_empty() { "" } else { "," };
    Ok(format!("{head}{sep}\"booking_id\":\"{id}\"}}"))
}

/// `dir/name`, with `""` meaning the login directory.
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The last path component (some servers answer `NLST dir` with `dir/name`).
fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// One `MLSD` line: `type=file;size=12;modify=20261201090000; name.json`.
/// Returns `None` for directories, links and unreadable lines; size is `None` when absent.
fn parse_mlsd_line(line: &str) -> Option<(String, Option<u64>, Option<NaiveDateTime>)> {
    // RFC 3659 §7.2: facts end with ';', then one space, then the name (which may contain
    // spaces and ';').
    let (facts, name) = if let Some(name) = line.strip_prefix(' ') {
        ("", name)
    } else {
        let end = line.find("; ")?;
        (&line[..end], &line[end + 2..])
    };
    let mut kind = None;
    let mut size = None;
    let mut modified = None;
    for fact in facts.split(';') {
        let Some((key, value)) = fact.split_once('=') else {
            continue;
        };
        match key.to_ascii_lowercase().as_str() {
            "type" => kind = Some(value.to_ascii_lowercase()),
            "size" => size = value.parse::<u64>().ok(),
            "modify" => modified = parse_ftp_time(value),
            _ => {}
        }
    }
    if kind.as_deref() != Some("file") {
        return None;
    }
    Some((basename(name).to_owned(), size, modified))
}

/// `YYYYMMDDHHMMSS[.sss]` (RFC 3659 time-val, UTC).
fn parse_ftp_time(value: &str) -> Option<NaiveDateTime> {
    let (main, frac) = match value.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (value, None),
    };
    let t = NaiveDateTime::parse_from_str(main, "%Y%m%d%H%M%S").ok()?;
    match frac {
        None => Some(t),
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let nanos: u32 = format!("{f:0<9}").parse().ok()?;
            Some(t + chrono::Duration::nanoseconds(i64::from(nanos)))
        }
        Some(_) => Some(t),
    }
}

/// Socket timeouts must not be zero.
fn nonzero(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

fn tcp_connect(
    host: &str,
    port: u16,
    connect_timeout: Duration,
    io_timeout: Duration,
    addr: &str,
) -> Result<TcpStream, FtpError> {
    let targets: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| FtpError::Connect {
            addr: addr.to_owned(),
            cause: format!("cannot resolve the name: {e}"),
        })?
        .collect();
    let mut last = None;
    for target in targets {
        match TcpStream::connect_timeout(&target, nonzero(connect_timeout)) {
            Ok(stream) => {
                set_timeouts(&stream, io_timeout).map_err(|e| FtpError::Io {
                    addr: addr.to_owned(),
                    during: "connect".into(),
                    cause: e.to_string(),
                })?;
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if is_timeout_kind(e.kind()) => FtpError::Timeout {
            addr: addr.to_owned(),
            during: "connect".into(),
        },
        Some(e) => FtpError::Connect {
            addr: addr.to_owned(),
            cause: e.to_string(),
        },
        None => FtpError::Connect {
            addr: addr.to_owned(),
            cause: "the name has no address".into(),
        },
    })
}

fn set_timeouts(stream: &TcpStream, io_timeout: Duration) -> std::io::Result<()> {
    stream.set_read_timeout(Some(nonzero(io_timeout)))?;
    stream.set_write_timeout(Some(nonzero(io_timeout)))
}

/// Opens a passive-mode data connection with the same timeouts as the control connection.
fn data_connect(
    target: SocketAddr,
    connect_timeout: Duration,
    io_timeout: Duration,
) -> suppaftp::FtpResult<TcpStream> {
    let stream = TcpStream::connect_timeout(&target, nonzero(connect_timeout))
        .map_err(suppaftp::FtpError::ConnectionError)?;
    set_timeouts(&stream, io_timeout).map_err(suppaftp::FtpError::ConnectionError)?;
    Ok(stream)
}

fn tls_connector(cfg: &FtpConfig, addr: &str) -> Result<RustlsConnector, FtpError> {
    ensure_crypto_provider();
    let extra = match &cfg.extra_ca_pem {
        Some(pem) if !pem.trim().is_empty() => parse_pem_certs(pem).map_err(FtpError::Config)?,
        _ => Vec::new(),
    };
    let tls_err = |e: rustls::Error| FtpError::Tls {
        addr: addr.to_owned(),
        cause: e.to_string(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, Arc::clone(&provider))
            .map_err(tls_err)?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(RustlsConnector::from(Arc::new(config)))
}

/// Turns a suppaftp error into ours, naming the command and path, with the password scrubbed.
fn classify(
    err: suppaftp::FtpError,
    addr: &str,
    password: &str,
    command: &str,
    path: &str,
) -> FtpError {
    let during = if path.is_empty() {
        command.to_owned()
    } else {
        format!("{command} {path}")
    };
    let clean = |s: String| scrub(&s, &[password]);
    match err {
        suppaftp::FtpError::ConnectionError(io) if is_timeout_kind(io.kind()) => {
            FtpError::Timeout {
                addr: addr.to_owned(),
                during,
            }
        }
        // rustls handshakes on first use, so an untrusted certificate shows up as I/O.
        suppaftp::FtpError::ConnectionError(io) if chain_tls_error(&io).is_some() => {
            FtpError::Tls {
                addr: addr.to_owned(),
                cause: clean(chain_tls_error(&io).unwrap_or_default()),
            }
        }
        suppaftp::FtpError::ConnectionError(io) => FtpError::Io {
            addr: addr.to_owned(),
            during,
            cause: clean(io.to_string()),
        },
        suppaftp::FtpError::SecureError(cause) => FtpError::Tls {
            addr: addr.to_owned(),
            cause: clean(cause),
        },
        suppaftp::FtpError::UnexpectedResponse(response) => {
            let code = response.status.code();
            let reply = clean(excerpt(&String::from_utf8_lossy(&response.body), 300));
            match code {
                550 => FtpError::NotFound {
                    path: path.to_owned(),
                    reply,
                },
                400..=499 => FtpError::Busy {
                    command: command.to_owned(),
                    path: path.to_owned(),
                    code,
                    reply,
                },
                _ => FtpError::Refused {
                    command: command.to_owned(),
                    path: path.to_owned(),
                    code,
                    reply,
                },
            }
        }
        suppaftp::FtpError::BadResponse => FtpError::Protocol {
            addr: addr.to_owned(),
            during,
            cause: "the reply has no valid code".into(),
        },
        suppaftp::FtpError::InvalidAddress(e) => FtpError::Protocol {
            addr: addr.to_owned(),
            during,
            cause: format!("bad address in the reply: {e}"),
        },
        suppaftp::FtpError::DataConnectionAlreadyOpen => FtpError::Protocol {
            addr: addr.to_owned(),
            during,
            cause: "a data connection is already open".into(),
        },
    }
}

fn reply_code(err: &suppaftp::FtpError) -> Option<u32> {
    match err {
        suppaftp::FtpError::UnexpectedResponse(r) => Some(r.status.code()),
        _ => None,
    }
}

/// One logged-in FTP control connection.
pub struct FtpSession {
    ftp: RustlsFtpStream,
    cfg: FtpConfig,
    addr: String,
    mlsd: bool,
    /// The login directory (to return to after probing with `CWD`).
    home: Option<String>,
    /// Directories created (or found) in this session.
    made_dirs: HashSet<String>,
}

impl fmt::Debug for FtpSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FtpSession")
            .field("addr", &self.addr)
            .field("user", &self.cfg.user)
            .field("mlsd", &self.mlsd)
            .finish_non_exhaustive()
    }
}

impl FtpSession {
    /// Connects (connect timeout), reads the greeting, switches to TLS when configured, logs in
    /// and sets binary mode. Every later read or write has the I/O timeout.
    pub fn connect(cfg: &FtpConfig) -> Result<Self, FtpError> {
        if cfg.host.trim().is_empty() {
            return Err(FtpError::Config("no FTP host".into()));
        }
        let addr = cfg.addr();
        let password = cfg.password.expose().to_owned();
        let err = |e, command: &str| classify(e, &addr, &password, command, "");
        let stream = tcp_connect(
            &cfg.host,
            cfg.port,
            cfg.connect_timeout,
            cfg.io_timeout,
            &addr,
        )?;
        let (connect_timeout, io_timeout) = (cfg.connect_timeout, cfg.io_timeout);
        let mut ftp = RustlsFtpStream::connect_with_stream(stream)
            .map_err(|e| err(e, "greeting"))?
            .passive_stream_builder(move |target| {
                data_connect(target, connect_timeout, io_timeout)
            });
        if cfg.passive {
            ftp.set_mode(Mode::Passive);
            ftp.set_passive_nat_workaround(cfg.pasv_use_control_host);
        } else {
            ftp = ftp.active_mode(nonzero(connect_timeout));
        }
        if cfg.explicit_tls {
            let connector = tls_connector(cfg, &addr)?;
            ftp = ftp.into_secure(connector, &cfg.host).map_err(|e| {
                match classify(e, &addr, &password, "AUTH TLS", "") {
                    // AUTH refused (e.g. 502/534): the server has no FTPS.
                    FtpError::Refused { reply, .. } | FtpError::NotFound { reply, .. } => {
                        FtpError::Tls {
                            addr: addr.clone(),
                            cause: format!("the server refused AUTH TLS: {reply}"),
                        }
                    }
                    other => other,
                }
            })?;
        }
        ftp.login(cfg.user.as_str(), cfg.password.expose())
            .map_err(|e| match reply_code(&e) {
                Some(530) | Some(532) => match classify(e, &addr, &password, "login", "") {
                    FtpError::Refused { reply, .. } => FtpError::Login {
                        addr: addr.clone(),
                        user: cfg.user.clone(),
                        reply,
                    },
                    other => other,
                },
                _ => err(e, "login"),
            })?;
        ftp.transfer_type(FileType::Binary)
            .map_err(|e| err(e, "TYPE I"))?;
        let mlsd = match cfg.listing {
            Listing::Mlsd => true,
            Listing::NameSizeMdtm => false,
            Listing::Auto => match ftp.feat() {
                Ok(features) => features.keys().any(|k| k.eq_ignore_ascii_case("MLST")),
                Err(e) if reply_code(&e).is_some() => false,
                Err(e) => return Err(err(e, "FEAT")),
            },
        };
        let home = ftp.pwd().ok();
        Ok(FtpSession {
            ftp,
            cfg: cfg.clone(),
            addr,
            mlsd,
            home,
            made_dirs: HashSet::new(),
        })
    }

    /// The settings this session was opened with.
    pub fn config(&self) -> &FtpConfig {
        &self.cfg
    }

    /// Whether listings use `MLSD`.
    pub fn uses_mlsd(&self) -> bool {
        self.mlsd
    }

    /// Says goodbye and closes the connection (errors ignored: the work is done).
    pub fn quit(mut self) {
        let _ = self.ftp.quit();
    }

    fn err(&self, e: suppaftp::FtpError, command: &str, path: &str) -> FtpError {
        classify(e, &self.addr, self.cfg.password.expose(), command, path)
    }

    /// Finished `*.json` files in the snapshot directory ([`is_ready_json`]), oldest first.
    pub fn list_snapshots(&mut self) -> Result<Vec<RemoteFile>, FtpError> {
        let dir = self.cfg.directory.clone();
        let mut files = self.list_ready_json(&dir)?;
        sort_oldest_first(&mut files);
        Ok(files)
    }

    /// Lists twice, [`FtpConfig::stability_delay`] apart, and returns the snapshots that did
    /// not change in between, oldest first.
    pub fn list_stable(&mut self) -> Result<Vec<RemoteFile>, FtpError> {
        let first = self.list_snapshots()?;
        if first.is_empty() {
            return Ok(first);
        }
        if !self.cfg.stability_delay.is_zero() {
            std::thread::sleep(self.cfg.stability_delay);
        }
        let second = self.list_snapshots()?;
        Ok(stable_snapshots(&first, &second))
    }

    fn list_ready_json(&mut self, dir: &str) -> Result<Vec<RemoteFile>, FtpError> {
        let arg = (!dir.is_empty()).then_some(dir);
        let mut out = Vec::new();
        if self.mlsd {
            let lines = match self.ftp.mlsd(arg) {
                Ok(lines) => lines,
                Err(e) => return Err(self.listing_error(e, "MLSD", dir)),
            };
            for line in lines {
                let Some((name, size, modified)) = parse_mlsd_line(&line) else {
                    continue;
                };
                if !is_ready_json(&name) {
                    continue;
                }
                let size = match size {
                    Some(s) => s,
                    None => match self.size_of(&join(dir, &name))? {
                        Some(s) => s,
                        None => continue,
                    },
                };
                out.push(RemoteFile {
                    name,
                    size,
                    modified,
                });
            }
        } else {
            let names = match self.ftp.nlst(arg) {
                Ok(names) => names,
                Err(e) => return Err(self.listing_error(e, "NLST", dir)),
            };
            for raw in names {
                let name = basename(raw.trim_end()).to_owned();
                if !is_ready_json(&name) {
                    continue;
                }
                let path = join(dir, &name);
                // 550: gone since the listing, or a directory.
                let Some(size) = self.size_of(&path)? else {
                    continue;
                };
                let modified = self.ftp.mdtm(&path).ok();
                out.push(RemoteFile {
                    name,
                    size,
                    modified,
                });
            }
        }
        Ok(out)
    }

    /// A listing refused with 5xx: servers differ in how they say "no such directory" (550,
    /// 501…), so a failing `CWD` into it decides [`FtpError::NotFound`].
    fn listing_error(&mut self, e: suppaftp::FtpError, command: &str, dir: &str) -> FtpError {
        let listing = self.err(e, command, dir);
        if dir.is_empty() || !matches!(listing.reply_code(), Some(500..=599)) {
            return listing;
        }
        let reply = match &listing {
            FtpError::Refused { reply, .. } | FtpError::NotFound { reply, .. } => reply.clone(),
            _ => String::new(),
        };
        match self.ftp.cwd(dir) {
            Err(e) if reply_code(&e).is_some_and(|c| c >= 500) => FtpError::NotFound {
                path: dir.to_owned(),
                reply,
            },
            Ok(()) => {
                if let Some(home) = self.home.clone() {
                    if let Err(e) = self.ftp.cwd(&home) {
                        return self.err(e, "CWD", &home);
                    }
                }
                listing
            }
            Err(_) => listing,
        }
    }

    /// `SIZE`; `None` when the server says 550 (no such file, or not a file).
    fn size_of(&mut self, path: &str) -> Result<Option<u64>, FtpError> {
        match self.ftp.size(path) {
            Ok(s) => Ok(Some(s as u64)),
            Err(e) if reply_code(&e) == Some(550) => Ok(None),
            Err(e) => Err(self.err(e, "SIZE", path)),
        }
    }

    /// The whole content of a file in the snapshot directory.
    pub fn download(&mut self, name: &str) -> Result<Vec<u8>, FtpError> {
        let path = join(&self.cfg.directory, name);
        self.download_path(&path)
    }

    fn download_path(&mut self, path: &str) -> Result<Vec<u8>, FtpError> {
        self.ftp
            .retr_as_buffer(path)
            .map(Cursor::into_inner)
            .map_err(|e| self.err(e, "RETR", path))
    }

    /// Moves a snapshot into `processed/` or `failed/` under the snapshot directory, creating
    /// the folder if missing and replacing a file of the same name there. Returns the new path.
    pub fn move_to(&mut self, name: &str, folder: Folder) -> Result<String, FtpError> {
        let dir = self.cfg.directory.clone();
        self.move_into(&dir, name, folder.name())
    }

    /// Deletes a snapshot.
    pub fn delete(&mut self, name: &str) -> Result<(), FtpError> {
        let path = join(&self.cfg.directory, name);
        self.ftp.rm(&path).map_err(|e| self.err(e, "DELE", &path))
    }

    /// Files an imported snapshot per [`FtpConfig::after_import`].
    pub fn mark_imported(&mut self, name: &str) -> Result<(), FtpError> {
        match self.cfg.after_import {
            AfterImport::MoveToProcessed => self.move_to(name, Folder::Processed).map(|_| ()),
            AfterImport::Delete => self.delete(name),
        }
    }

    /// Files a snapshot that could not be imported into `failed/`.
    pub fn mark_failed(&mut self, name: &str) -> Result<(), FtpError> {
        self.move_to(name, Folder::Failed).map(|_| ())
    }

    fn move_into(&mut self, dir: &str, name: &str, sub: &str) -> Result<String, FtpError> {
        let sub_dir = join(dir, sub);
        self.ensure_dir(&sub_dir)?;
        let from = join(dir, name);
        let to = join(&sub_dir, name);
        self.rename_over(&from, &to)?;
        Ok(to)
    }

    /// Renames, replacing `to` if the server refuses to overwrite it.
    fn rename_over(&mut self, from: &str, to: &str) -> Result<(), FtpError> {
        let first = match self.ftp.rename(from, to) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        let permanent = matches!(reply_code(&first), Some(500..=599));
        if !permanent {
            return Err(self.err(first, "RNFR/RNTO", from));
        }
        // Tell a missing source from an existing target before deleting anything.
        if self.size_of(from)?.is_none() {
            return Err(self.err(first, "RNFR", from));
        }
        if self.ftp.rm(to).is_err() {
            return Err(self.err(first, "RNTO", to));
        }
        self.ftp
            .rename(from, to)
            .map_err(|e| self.err(e, "RNFR/RNTO", from))
    }

    /// Creates `path` and its parents unless already done in this session. A refusal to create
    /// is taken as "exists"; a real problem shows at the next command.
    fn ensure_dir(&mut self, path: &str) -> Result<(), FtpError> {
        if path.is_empty() || self.made_dirs.contains(path) {
            return Ok(());
        }
        let mut prefix = String::new();
        for part in path.split('/') {
            if part.is_empty() {
                if prefix.is_empty() {
                    prefix.push('/');
                }
                continue;
            }
            if !prefix.is_empty() && !prefix.ends_with('/') {
                prefix.push('/');
            }
            prefix.push_str(part);
            if self.made_dirs.contains(&prefix) {
                continue;
            }
            match self.ftp.mkdir(&prefix) {
                Ok(()) => {}
                Err(e) if reply_code(&e).is_some_and(|c| c >= 500) => {}
                Err(e) => return Err(self.err(e, "MKD", &prefix)),
            }
            self.made_dirs.insert(prefix.clone());
        }
        Ok(())
    }

    /// Drops a booking for the MIS (§2.2.2): `payload` (the §2.1 JSON) plus `"booking_id"`,
    /// written under a temporary name and renamed to `<bookings dir>/<id>.json`. Returns the
    /// final path. Uploading the same id again replaces the file.
    pub fn upload_booking(&mut self, id: &str, payload: &str) -> Result<String, FtpError> {
        let body = with_booking_id(payload, id)?;
        let dir = self.cfg.bookings_dir.clone();
        self.ensure_dir(&dir)?;
        let tmp = join(&dir, &format!(".{id}.json.tmp"));
        let path = join(&dir, &format!("{id}.json"));
        self.ftp
            .put_file(tmp.as_str(), &mut Cursor::new(body.as_bytes()))
            .map_err(|e| self.err(e, "STOR", &tmp))?;
        self.rename_over(&tmp, &path)?;
        Ok(path)
    }

    /// Reads every finished answer in the results directory, without removing any (see
    /// [`FtpSession::ack_result`]). A missing results directory means no answers yet.
    pub fn read_results(&mut self) -> Result<Vec<BookingResult>, FtpError> {
        let dir = self.cfg.results_dir.clone();
        let mut files = match self.list_ready_json(&dir) {
            Ok(files) => files,
            Err(FtpError::NotFound { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        sort_oldest_first(&mut files);
        let mut out = Vec::with_capacity(files.len());
        for file in files {
            let bytes = match self.download_path(&join(&dir, &file.name)) {
                Ok(b) => b,
                // Taken away between the listing and now (another runner, the MIS).
                Err(FtpError::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let booking_id = file.name[..file.name.len() - ".json".len()].to_owned();
            let answer = match String::from_utf8(bytes) {
                Ok(text) => parse_mis_answer(&text),
                Err(_) => Err(AnswerError("the file is not UTF-8 text".into())),
            };
            out.push(BookingResult {
                booking_id,
                file: file.name,
                answer,
            });
        }
        Ok(out)
    }

    /// Removes an answer the caller has stored: a readable one per
    /// [`FtpConfig::after_import`] (`<results dir>/processed/` or deleted), an unreadable one
    /// into `<results dir>/failed/`.
    pub fn ack_result(&mut self, result: &BookingResult) -> Result<(), FtpError> {
        let dir = self.cfg.results_dir.clone();
        match (&result.answer, self.cfg.after_import) {
            (Ok(_), AfterImport::MoveToProcessed) => self
                .move_into(&dir, &result.file, Folder::Processed.name())
                .map(|_| ()),
            (Ok(_), AfterImport::Delete) => {
                let path = join(&dir, &result.file);
                self.ftp.rm(&path).map_err(|e| self.err(e, "DELE", &path))
            }
            (Err(_), _) => self
                .move_into(&dir, &result.file, Folder::Failed.name())
                .map(|_| ()),
        }
    }
}

/// The admin's "Проверить соединение": connect, log in, list the snapshot directory, quit.
pub fn check(cfg: &FtpConfig) -> Result<FtpCheck, FtpError> {
    let mut session = FtpSession::connect(cfg)?;
    let waiting = session.list_snapshots()?.len();
    let report = FtpCheck {
        waiting,
        listing: if session.mlsd {
            "MLSD"
        } else {
            "NLST+SIZE+MDTM"
        },
        tls: cfg.explicit_tls,
    };
    session.quit();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64, modified: &str) -> RemoteFile {
        RemoteFile {
            name: name.into(),
            size,
            modified: parse_ftp_time(modified),
        }
    }

    #[test]
    fn takes_only_finished_json_names() {
        for ok in ["a.json", "2026-12-01T09-00.JSON", "filial 1.json"] {
            assert!(is_ready_json(ok), "{ok}");
        }
        for skip in [
            "a.json.tmp",
            "a.json.part",
            "a.tmp.json",
            "a.part.json",
            "a.json.filepart",
            ".a.json",
            ".json",
            "a.xml",
            "a.jsonl",
            "",
        ] {
            assert!(!is_ready_json(skip), "{skip}");
        }
    }

    #[test]
    fn reads_mlsd_lines() {
        assert_eq!(
            parse_mlsd_line("type=file;size=12;modify=20261201090000;perm=r; a b;c.json"),
            Some((
                "a b;c.json".into(),
                Some(12),
                parse_ftp_time("20261201090000")
            ))
        );
        assert_eq!(
            parse_mlsd_line("type=dir;modify=20261201090000; processed"),
            None
        );
        assert_eq!(parse_mlsd_line("garbage"), None);
        assert_eq!(
            parse_mlsd_line("Type=File;Size=3; x.json").map(|t| t.1),
            Some(Some(3))
        );
    }

    #[test]
    fn reads_ftp_times_with_fractions() {
        let t = parse_ftp_time("20261201090000.250").unwrap();
        assert_eq!(t.to_string(), "2026-12-01 09:00:00.250");
        assert_eq!(
            parse_ftp_time("20261201090000").unwrap().to_string(),
            "2026-12-01 09:00:00"
        );
        assert!(parse_ftp_time("2026120109").is_none());
    }

    #[test]
    fn keeps_only_files_unchanged_between_listings_oldest_first() {
        let first = [
            file("b.json", 10, "20261201090500"),
            file("a.json", 10, "20261201090000"),
            file("growing.json", 10, "20261201090000"),
            file("touched.json", 10, "20261201090000"),
        ];
        let second = [
            file("b.json", 10, "20261201090500"),
            file("a.json", 10, "20261201090000"),
            file("growing.json", 20, "20261201090000"),
            file("touched.json", 10, "20261201090001"),
            file("new.json", 10, "20261201090000"),
        ];
        let names: Vec<_> = stable_snapshots(&first, &second)
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, ["a.json", "b.json"]);
    }

    #[test]
    fn marks_snapshots_covered_by_newer_ones() {
        let set = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
        // oldest → newest
        let files = [
            set(&["1"]),
            set(&["1", "2"]),
            set(&["2"]),
            set(&[]),
            set(&["1"]),
        ];
        // {1,2} is covered by the later {2} and {1} together.
        assert_eq!(superseded(&files), [true, true, false, false, false]);
        assert_eq!(superseded(&[set(&["1", "2"]), set(&["2"])]), [false, false]);
    }

    #[test]
    fn adds_booking_id_keeping_the_payload() {
        assert_eq!(
            with_booking_id(r#"{"a":"б","n":1}"#, "42").unwrap(),
            r#"{"a":"б","n":1,"booking_id":"42"}"#
        );
        assert_eq!(
            with_booking_id("{ }\n", "x").unwrap(),
            r#"{ "booking_id":"x"}"#
        );
        let already = r#"{"booking_id":"7"}"#;
        assert_eq!(with_booking_id(already, "7").unwrap(), already);
        assert!(with_booking_id(already, "8").is_err());
        assert!(with_booking_id("[1]", "8").is_err());
        assert!(with_booking_id("{}", "../etc").is_err());
        assert!(with_booking_id("{}", "").is_err());
    }

    #[test]
    fn joins_paths() {
        assert_eq!(join("", "a.json"), "a.json");
        assert_eq!(join("/", "a.json"), "/a.json");
        assert_eq!(join("in/", "a.json"), "in/a.json");
        assert_eq!(join("/in", "a.json"), "/in/a.json");
        assert_eq!(basename("in/a.json"), "a.json");
    }

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
