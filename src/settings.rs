//! The engine's settings: one document (a PHP array on the PHP side, JSON here) read with
//! serde, checked, and turned into the typed configs of storage and transports.
//!
//! ```json
//! {"db":    {"host": "127.0.0.1", "port": 3306, "user": "site", "password": "…", "database": "site"},
//!  "ftp":   {"host": "ftp.clinic.ru", "user": "mis", "password": "…", "directory": "schedule",
//!            "tls": false, "after_import": "move", "stability_delay_s": 5,
//!            "bookings_dir": "bookings", "results_dir": "results"},
//!  "mis":   {"transport": "http", "format": "prodoctorov", "url": "https://mis.clinic.ru/book",
//!            "user": "", "password": "", "token": "", "timeout_s": 10},
//!  "mail":  {"host": "smtp.yandex.ru", "port": 465, "security": "tls", "user": "…", "password": "…",
//!            "from": "robot@clinic.ru", "to": ["klinmed@yandex.ru"], "remind_hours": 24},
//!  "timezones": {"2": "Asia/Yekaterinburg"},
//!  "known_codes": {"filial_table": "Message12", "filial_column": "MisCode",
//!                  "doctor_table": "Message13", "doctor_column": "MisCode"},
//!  "booking": {"horizon_days": 14, "min_notice_minutes": 60, "answer_timeout_minutes": 60,
//!              "max_attempts": 12, "grid_cache_mb": 32},
//!  "prodoctorov": {"enabled": true, "api": "old", "url": "https://api.prodoctorov.ru/mis/send_cells/",
//!                  "login": "…", "password": "…", "token": "", "interval_minutes": 15,
//!                  "timeout_s": 30, "filials": ["1"], "doctors": {"1": ["0001", "0002"]},
//!                  "accept_when_mis_down": false, "endpoint_user": "pd", "endpoint_password": "…"}}
//! ```
//! `prodoctorov` (the site as the clinic's ProDoctorov connector, mis-exchange.md §4):
//! `filials` empty = every filial; `doctors` maps a filial code to the doctor codes exported
//! from it, a filial not in the map exporting all its doctors. The same lists decide which
//! doctors ProDoctorov may book. `endpoint_user` empty = the booking endpoint takes no Basic
//! auth. `enabled` false (the default) = no upload and the endpoint refuses every booking.
//! Every section but `db` may be left out: no `ftp` means no FTP import, no `mail` means
//! alerts are only recorded, no `known_codes` means codes are not checked. Unknown keys are
//! refused, so a typo does not silently fall back to a default.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::domain::zone::{ZoneError, Zones};
use crate::storage::DbConfig;
use crate::storage::{CodeSource, KnownCodes};
use crate::transport::ftp::{AfterImport, FtpConfig};
use crate::transport::mail::{MailConfig, SmtpSecurity};
use crate::transport::mis::{Format, MisAuth, MisConfig};
use crate::transport::prodoctorov::{UploadApi, UploadConfig};
use crate::transport::Secret;

/// Settings that cannot be used; the message names the key.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SettingsError {
    /// Wrong type, unknown key, missing required key: serde's message with the key's path.
    #[error("settings: {0}")]
    Shape(String),
    /// A value of the right type that makes no sense.
    #[error("settings: {key}: {reason}")]
    Value { key: &'static str, reason: String },
    #[error("settings: timezones: {0}")]
    Zone(#[from] ZoneError),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    db: RawDb,
    ftp: Option<RawFtp>,
    mis: Option<RawMis>,
    mail: Option<RawMail>,
    #[serde(default)]
    timezones: ZoneMap,
    known_codes: Option<RawCodes>,
    #[serde(default)]
    booking: BookingPolicy,
    prodoctorov: Option<RawProdoctorov>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProdoctorov {
    #[serde(default)]
    enabled: bool,
    #[serde(default = "old_api")]
    api: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
    #[serde(default = "fifteen")]
    interval_minutes: u32,
    #[serde(default = "thirty")]
    timeout_s: u64,
    #[serde(default)]
    filials: Vec<String>,
    #[serde(default)]
    doctors: DoctorLists,
    #[serde(default)]
    accept_when_mis_down: bool,
    #[serde(default)]
    endpoint_user: String,
    #[serde(default)]
    endpoint_password: String,
}

/// Filial code => doctor codes. A PHP array whose filial codes are 0, 1, 2 … arrives as a
/// list of lists.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum DoctorLists {
    Map(BTreeMap<String, Vec<String>>),
    List(Vec<Vec<String>>),
}

impl Default for DoctorLists {
    fn default() -> Self {
        DoctorLists::Map(BTreeMap::new())
    }
}

impl DoctorLists {
    fn into_map(self) -> BTreeMap<String, Vec<String>> {
        match self {
            DoctorLists::Map(m) => m,
            DoctorLists::List(l) => l
                .into_iter()
                .enumerate()
                .map(|(i, d)| (i.to_string(), d))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDb {
    #[serde(default = "localhost")]
    host: String,
    #[serde(default = "mysql_port")]
    port: u16,
    socket: Option<String>,
    user: String,
    #[serde(default)]
    password: String,
    database: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFtp {
    host: String,
    #[serde(default = "ftp_port")]
    port: u16,
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    directory: String,
    #[serde(default = "yes")]
    passive: bool,
    #[serde(default)]
    tls: bool,
    #[serde(default = "move_files")]
    after_import: String,
    #[serde(default = "five")]
    stability_delay_s: u64,
    #[serde(default = "bookings_dir")]
    bookings_dir: String,
    #[serde(default = "results_dir")]
    results_dir: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMis {
    #[serde(default = "http")]
    transport: String,
    #[serde(default = "prodoctorov")]
    format: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
    #[serde(default = "ten")]
    timeout_s: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMail {
    host: String,
    port: Option<u16>,
    #[serde(default = "starttls")]
    security: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    from: String,
    /// A list, or one string with addresses separated by commas, semicolons or spaces.
    to: Option<Recipients>,
    #[serde(default = "day")]
    remind_hours: u32,
}

/// Filial code => IANA zone. A PHP array whose codes happen to be 0, 1, 2 … arrives as a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum ZoneMap {
    Map(BTreeMap<String, String>),
    List(Vec<String>),
}

impl Default for ZoneMap {
    fn default() -> Self {
        ZoneMap::Map(BTreeMap::new())
    }
}

impl ZoneMap {
    fn pairs(self) -> Vec<(String, String)> {
        match self {
            ZoneMap::Map(m) => m.into_iter().collect(),
            ZoneMap::List(l) => l
                .into_iter()
                .enumerate()
                .map(|(i, z)| (i.to_string(), z))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Recipients {
    List(Vec<String>),
    Text(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCodes {
    filial_table: String,
    filial_column: String,
    filial_id_column: Option<String>,
    doctor_table: String,
    doctor_column: String,
    doctor_id_column: Option<String>,
}

/// How bookings are offered and followed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BookingPolicy {
    /// How many days ahead visitors see (default 14).
    pub horizon_days: u32,
    /// Times starting sooner than this are not offered (default 60 minutes).
    pub min_notice_minutes: u32,
    /// An FTP-dropped booking with no result file after this long raises an alert (default 60).
    pub answer_timeout_minutes: u32,
    /// Delivery attempts of a booking whose outcome is unknown, then it stays `unknown` and
    /// alerted (default 12: with the back-off below, about a day).
    pub max_attempts: u32,
    /// Memory for the grids a process keeps between requests, in MiB (default 32, 0 = none;
    /// see `engine::grid_cache`). Per process: each php-fpm worker keeps its own.
    pub grid_cache_mb: u32,
}

impl Default for BookingPolicy {
    fn default() -> Self {
        BookingPolicy {
            horizon_days: 14,
            min_notice_minutes: 60,
            answer_timeout_minutes: 60,
            max_attempts: 12,
            grid_cache_mb: 32,
        }
    }
}

impl BookingPolicy {
    /// The wait before attempt `n + 1` after `n` failed ones: 1, 2, 5, 10, 15, 30 minutes, then
    /// hourly.
    pub fn backoff(&self, attempts: u32) -> Duration {
        const STEPS: [u64; 6] = [1, 2, 5, 10, 15, 30];
        let minutes = STEPS
            .get(attempts.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(60);
        Duration::from_secs(minutes * 60)
    }
}

/// How bookings reach the MIS.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// POST to the MIS (§2.1, or v2 when so configured).
    Http(MisConfig),
    /// A file per booking on the FTP server, answered by result files (§2.2.2).
    FtpDrop,
}

/// The ProDoctorov connector (mis-exchange.md §4): the schedule upload and the direct-booking
/// endpoint. `Debug` hides the secrets.
#[derive(Debug, Clone)]
pub struct Prodoctorov {
    /// Off: nothing is uploaded and the endpoint refuses bookings.
    pub enabled: bool,
    /// Where and how the schedule is uploaded; `None` when no URL is set (the endpoint may
    /// still take bookings).
    pub upload: Option<UploadConfig>,
    /// Time between uploads (default 15 minutes).
    pub interval: Duration,
    /// Filial codes exported and bookable; empty = all.
    pub filials: Vec<String>,
    /// Filial code => doctor codes exported and bookable; a filial not listed = all its doctors.
    pub doctors: BTreeMap<String, Vec<String>>,
    /// Answer ProDoctorov `success: true` for a booking the MIS has not confirmed yet (kept
    /// and retried) — «принимать при недоступной МИС».
    pub accept_when_mis_down: bool,
    /// Basic auth ProDoctorov must send to the endpoint; `None` = none asked.
    pub endpoint_auth: Option<(String, Secret)>,
}

impl Prodoctorov {
    /// Whether the filial's doctor is exported and bookable through ProDoctorov.
    pub fn allows(&self, filial: &str, doctor: &str) -> bool {
        self.allows_filial(filial)
            && self
                .doctors
                .get(filial)
                .is_none_or(|list| list.iter().any(|d| d == doctor))
    }

    pub fn allows_filial(&self, filial: &str) -> bool {
        self.filials.is_empty() || self.filials.iter().any(|f| f == filial)
    }
}

/// The checked settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub db: DbConfig,
    pub ftp: Option<FtpConfig>,
    pub delivery: Option<Delivery>,
    pub mail: Option<MailConfig>,
    pub remind_after: Duration,
    pub zones: Zones,
    pub known_codes: Option<KnownCodes>,
    pub booking: BookingPolicy,
    /// `None` when the section is absent (the connector is off).
    pub prodoctorov: Option<Prodoctorov>,
}

impl Settings {
    /// Reads settings from JSON text.
    pub fn from_json(json: &str) -> Result<Settings, SettingsError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let raw: Raw = serde_path_to_error::deserialize(de).map_err(shape)?;
        raw.check()
    }

    /// Reads settings from a JSON value (a PHP array converted by the binding).
    pub fn from_value(v: serde_json::Value) -> Result<Settings, SettingsError> {
        let raw: Raw = serde_path_to_error::deserialize(v).map_err(shape)?;
        raw.check()
    }
}

fn shape<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> SettingsError {
    let path = e.path().to_string();
    let inner = e.inner().to_string();
    if path == "." {
        SettingsError::Shape(inner)
    } else {
        SettingsError::Shape(format!("{path}: {inner}"))
    }
}

fn bad(key: &'static str, reason: impl Into<String>) -> SettingsError {
    SettingsError::Value {
        key,
        reason: reason.into(),
    }
}

impl Raw {
    fn check(self) -> Result<Settings, SettingsError> {
        let db = DbConfig {
            host: self.db.host,
            port: self.db.port,
            socket: self.db.socket.filter(|s| !s.is_empty()),
            user: self.db.user,
            password: self.db.password,
            database: self.db.database,
            ..DbConfig::default()
        };
        if db.database.is_empty() {
            return Err(bad("db.database", "is empty"));
        }

        let ftp = match self.ftp {
            None => None,
            Some(f) if f.host.trim().is_empty() => None,
            Some(f) => {
                let mut c = FtpConfig::new(f.host.trim(), f.user, Secret::new(f.password));
                c.port = f.port;
                c.directory = f.directory;
                c.passive = f.passive;
                c.explicit_tls = f.tls;
                c.after_import = match f.after_import.as_str() {
                    "move" => AfterImport::MoveToProcessed,
                    "delete" => AfterImport::Delete,
                    other => {
                        return Err(bad(
                            "ftp.after_import",
                            format!("\"{other}\" is neither \"move\" nor \"delete\""),
                        ))
                    }
                };
                c.stability_delay = Duration::from_secs(f.stability_delay_s);
                c.bookings_dir = f.bookings_dir;
                c.results_dir = f.results_dir;
                Some(c)
            }
        };

        let delivery = match self.mis {
            None => None,
            Some(m) => match m.transport.as_str() {
                "ftp" => {
                    if ftp.is_none() {
                        return Err(bad(
                            "mis.transport",
                            "\"ftp\" needs the ftp section (host, user, password)",
                        ));
                    }
                    Some(Delivery::FtpDrop)
                }
                "http" if m.url.trim().is_empty() => None,
                "http" => {
                    let url = m.url.trim().to_owned();
                    if !(url.starts_with("http://") || url.starts_with("https://")) {
                        return Err(bad("mis.url", "must start with http:// or https://"));
                    }
                    let mut c = MisConfig::new(url);
                    c.format = match m.format.as_str() {
                        "prodoctorov" => Format::Direct,
                        "v2" => Format::V2,
                        other => {
                            return Err(bad(
                                "mis.format",
                                format!("\"{other}\" is neither \"prodoctorov\" nor \"v2\""),
                            ))
                        }
                    };
                    c.auth = if !m.token.is_empty() {
                        MisAuth::Token(Secret::new(m.token))
                    } else if !m.user.is_empty() {
                        MisAuth::Basic {
                            user: m.user,
                            password: Secret::new(m.password),
                        }
                    } else {
                        MisAuth::None
                    };
                    if !(1..=10).contains(&m.timeout_s) {
                        return Err(bad(
                            "mis.timeout_s",
                            "must be from 1 to 10 seconds (ProDoctorov's limit)",
                        ));
                    }
                    c.timeout = Duration::from_secs(m.timeout_s);
                    c.connect_timeout = c.connect_timeout.min(c.timeout);
                    Some(Delivery::Http(c))
                }
                other => {
                    return Err(bad(
                        "mis.transport",
                        format!("\"{other}\" is neither \"http\" nor \"ftp\""),
                    ))
                }
            },
        };

        let mut remind_after = Duration::from_secs(24 * 3600);
        let mail = match self.mail {
            None => None,
            Some(m) if m.host.trim().is_empty() => None,
            Some(m) => {
                let mut c = MailConfig::new(m.host.trim(), m.from);
                c.security = match m.security.as_str() {
                    "none" => SmtpSecurity::None,
                    "starttls" => SmtpSecurity::StartTls,
                    "tls" => SmtpSecurity::Tls,
                    other => {
                        return Err(bad(
                            "mail.security",
                            format!("\"{other}\" is not one of \"none\", \"starttls\", \"tls\""),
                        ))
                    }
                };
                c.port = m.port.unwrap_or_else(|| c.security.default_port());
                c.user = m.user;
                c.password = Secret::new(m.password);
                if let Some(to) = m.to {
                    let list: Vec<String> = match to {
                        Recipients::List(l) => l,
                        Recipients::Text(t) => {
                            t.split([',', ';', ' ', '\n']).map(str::to_owned).collect()
                        }
                    };
                    let list: Vec<String> = list
                        .into_iter()
                        .map(|a| a.trim().to_owned())
                        .filter(|a| !a.is_empty())
                        .collect();
                    if let Some(a) = list.iter().find(|a| !a.contains('@')) {
                        return Err(bad("mail.to", format!("\"{a}\" is not an e-mail address")));
                    }
                    if list.is_empty() {
                        return Err(bad("mail.to", "no recipients"));
                    }
                    c.recipients = list;
                }
                if m.remind_hours == 0 {
                    return Err(bad("mail.remind_hours", "must be at least 1"));
                }
                remind_after = Duration::from_secs(u64::from(m.remind_hours) * 3600);
                Some(c)
            }
        };

        let zones = Zones::from_names(self.timezones.pairs())?;
        let known_codes = self.known_codes.map(|k| KnownCodes {
            filials: CodeSource {
                table: k.filial_table,
                column: k.filial_column,
                id_column: k.filial_id_column,
            },
            doctors: CodeSource {
                table: k.doctor_table,
                column: k.doctor_column,
                id_column: k.doctor_id_column,
            },
        });
        let b = &self.booking;
        if !(1..=90).contains(&b.horizon_days) {
            return Err(bad("booking.horizon_days", "must be from 1 to 90"));
        }
        if b.grid_cache_mb > 4096 {
            return Err(bad("booking.grid_cache_mb", "must be from 0 to 4096"));
        }
        let prodoctorov = self.prodoctorov.map(RawProdoctorov::check).transpose()?;
        Ok(Settings {
            db,
            ftp,
            delivery,
            mail,
            remind_after,
            zones,
            known_codes,
            booking: self.booking,
            prodoctorov,
        })
    }
}

impl RawProdoctorov {
    fn check(self) -> Result<Prodoctorov, SettingsError> {
        let api = match self.api.as_str() {
            "old" => UploadApi::Old,
            "v2" => UploadApi::V2,
            other => {
                return Err(bad(
                    "prodoctorov.api",
                    format!("\"{other}\" is neither \"old\" nor \"v2\""),
                ))
            }
        };
        let url = self.url.trim().to_owned();
        let upload = if url.is_empty() {
            None
        } else {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(bad(
                    "prodoctorov.url",
                    "must start with http:// or https://",
                ));
            }
            match api {
                UploadApi::Old if self.login.is_empty() => {
                    return Err(bad("prodoctorov.login", "the old API needs a login"))
                }
                UploadApi::V2 if self.token.is_empty() => {
                    return Err(bad("prodoctorov.token", "the v2 API needs a token"))
                }
                _ => {}
            }
            if !(1..=300).contains(&self.timeout_s) {
                return Err(bad(
                    "prodoctorov.timeout_s",
                    "must be from 1 to 300 seconds",
                ));
            }
            let mut c = UploadConfig::new(url, api);
            c.login = self.login;
            c.password = Secret::new(self.password);
            c.token = Secret::new(self.token);
            c.timeout = Duration::from_secs(self.timeout_s);
            c.connect_timeout = c.connect_timeout.min(c.timeout);
            Some(c)
        };
        if !(1..=1440).contains(&self.interval_minutes) {
            return Err(bad(
                "prodoctorov.interval_minutes",
                "must be from 1 to 1440 minutes",
            ));
        }
        let clean = |v: Vec<String>| -> Vec<String> {
            v.into_iter()
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect()
        };
        let doctors = self
            .doctors
            .into_map()
            .into_iter()
            .map(|(f, d)| (f.trim().to_owned(), clean(d)))
            .collect();
        let endpoint_auth = if self.endpoint_user.is_empty() {
            None
        } else {
            if self.endpoint_user.contains(':') {
                return Err(bad(
                    "prodoctorov.endpoint_user",
                    "a Basic auth user name cannot contain \":\"",
                ));
            }
            Some((self.endpoint_user, Secret::new(self.endpoint_password)))
        };
        Ok(Prodoctorov {
            enabled: self.enabled,
            upload,
            interval: Duration::from_secs(u64::from(self.interval_minutes) * 60),
            filials: clean(self.filials),
            doctors,
            accept_when_mis_down: self.accept_when_mis_down,
            endpoint_auth,
        })
    }
}

fn localhost() -> String {
    "127.0.0.1".into()
}
fn mysql_port() -> u16 {
    3306
}
fn ftp_port() -> u16 {
    21
}
fn yes() -> bool {
    true
}
fn five() -> u64 {
    5
}
fn ten() -> u64 {
    10
}
fn day() -> u32 {
    24
}
fn move_files() -> String {
    "move".into()
}
fn bookings_dir() -> String {
    "bookings".into()
}
fn results_dir() -> String {
    "results".into()
}
fn http() -> String {
    "http".into()
}
fn prodoctorov() -> String {
    "prodoctorov".into()
}
fn starttls() -> String {
    "starttls".into()
}
fn old_api() -> String {
    "old".into()
}
fn fifteen() -> u32 {
    15
}
fn thirty() -> u64 {
    30
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = r#"{"db": {"user": "root", "database": "test"}}"#;

    #[test]
    fn minimal_settings_use_defaults() {
        let s = Settings::from_json(MIN).unwrap();
        assert_eq!(s.db.host, "127.0.0.1");
        assert!(s.ftp.is_none() && s.delivery.is_none() && s.mail.is_none());
        assert_eq!(s.booking, BookingPolicy::default());
    }

    #[test]
    fn errors_name_the_key() {
        let e = Settings::from_json(r#"{"db": {"user": "u", "database": "d", "port": "x"}}"#)
            .unwrap_err();
        assert!(
            e.to_string().starts_with("settings: db.port: invalid type"),
            "{e}"
        );
        let e = Settings::from_json(r#"{"db": {"user": "u", "database": "d"}, "ftpp": {}}"#)
            .unwrap_err();
        assert!(e.to_string().contains("unknown field `ftpp`"), "{e}");
        let e = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "mis": {"url": "https://m", "timeout_s": 30}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "settings: mis.timeout_s: must be from 1 to 10 seconds (ProDoctorov's limit)"
        );
        let e = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "timezones": {"1": "Mars/Olympus"}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "settings: timezones: unknown time zone \"Mars/Olympus\" for filial 1"
        );
    }

    #[test]
    fn timezones_may_arrive_as_a_list() {
        let s = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "timezones": ["Asia/Yekaterinburg"]}"#,
        )
        .unwrap();
        assert_eq!(s.zones.of("0"), chrono_tz::Asia::Yekaterinburg);
        let s = Settings::from_json(r#"{"db": {"user": "u", "database": "d"}, "timezones": []}"#)
            .unwrap();
        assert_eq!(s.zones.of("0"), crate::domain::zone::DEFAULT_ZONE);
    }

    #[test]
    fn recipients_may_be_one_string() {
        let s = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"},
                "mail": {"host": "smtp", "from": "a@b.c", "to": "x@y.ru, z@y.ru;\nw@y.ru"}}"#,
        )
        .unwrap();
        assert_eq!(s.mail.unwrap().recipients, ["x@y.ru", "z@y.ru", "w@y.ru"]);
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let s = Settings::from_json(
            r#"{"db": {"user": "u", "password": "dbsecret", "database": "d"},
                "ftp": {"host": "f", "user": "u", "password": "ftpsecret"},
                "mis": {"url": "https://m", "user": "u", "password": "missecret"},
                "mail": {"host": "smtp", "from": "a@b.c", "password": "mailsecret"},
                "prodoctorov": {"url": "https://pd", "login": "l", "password": "pdsecret",
                                "token": "pdtoken", "endpoint_user": "e",
                                "endpoint_password": "epsecret"}}"#,
        )
        .unwrap();
        let dbg = format!("{s:?}");
        for secret in [
            "dbsecret",
            "ftpsecret",
            "missecret",
            "mailsecret",
            "pdsecret",
            "pdtoken",
            "epsecret",
        ] {
            assert!(!dbg.contains(secret), "{secret} in {dbg}");
        }
    }

    #[test]
    fn ftp_delivery_needs_ftp() {
        let e = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "mis": {"transport": "ftp"}}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("needs the ftp section"), "{e}");
    }

    #[test]
    fn prodoctorov_defaults_and_allow_lists() {
        let s = Settings::from_json(r#"{"db": {"user": "u", "database": "d"}, "prodoctorov": {}}"#)
            .unwrap();
        let p = s.prodoctorov.unwrap();
        assert!(!p.enabled && p.upload.is_none() && !p.accept_when_mis_down);
        assert_eq!(p.interval, Duration::from_secs(15 * 60));
        assert!(p.allows("1", "0001") && p.endpoint_auth.is_none());
        let s = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "prodoctorov": {"enabled": true,
                "api": "v2", "url": "https://pd/v2/doctors/send_schedule/", "token": "t",
                "filials": ["1", "2"], "doctors": {"1": ["0001"]}}}"#,
        )
        .unwrap();
        let p = s.prodoctorov.unwrap();
        assert_eq!(p.upload.as_ref().unwrap().api, UploadApi::V2);
        assert!(p.allows("1", "0001") && !p.allows("1", "0002"));
        assert!(p.allows("2", "0002") && !p.allows("3", "0001"));
        let s = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "prodoctorov": {"doctors": [["7"]]}}"#,
        )
        .unwrap();
        assert!(s.prodoctorov.unwrap().allows("0", "7"));
    }

    #[test]
    fn prodoctorov_errors_name_the_key() {
        let err = |section: &str| {
            Settings::from_json(&format!(
                r#"{{"db": {{"user": "u", "database": "d"}}, "prodoctorov": {section}}}"#
            ))
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            err(r#"{"api": "v3"}"#),
            "settings: prodoctorov.api: \"v3\" is neither \"old\" nor \"v2\""
        );
        assert!(err(r#"{"url": "ftp://x"}"#).contains("prodoctorov.url"));
        assert!(err(r#"{"url": "https://x"}"#).contains("prodoctorov.login"));
        assert!(err(r#"{"api": "v2", "url": "https://x"}"#).contains("prodoctorov.token"));
        assert!(err(r#"{"interval_minutes": 0}"#).contains("prodoctorov.interval_minutes"));
        assert!(err(r#"{"loginn": "x"}"#).contains("unknown field `loginn`"));
    }

    #[test]
    fn backoff_grows_then_stays_hourly() {
        let p = BookingPolicy::default();
        let m: Vec<u64> = (1..=8).map(|n| p.backoff(n).as_secs() / 60).collect();
        assert_eq!(m, [1, 2, 5, 10, 15, 30, 60, 60]);
    }
}
