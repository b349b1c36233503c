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
//!  "booking": {"horizon_days": 14, "min_notice_minutes": 60, "answer_timeout_minutes": 60}}
//! ```
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
}

impl Default for BookingPolicy {
    fn default() -> Self {
        BookingPolicy {
            horizon_days: 14,
            min_notice_minutes: 60,
            answer_timeout_minutes: 60,
            max_attempts: 12,
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
        Ok(Settings {
            db,
            ftp,
            delivery,
            mail,
            remind_after,
            zones,
            known_codes,
            booking: self.booking,
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
                "mail": {"host": "smtp", "from": "a@b.c", "password": "mailsecret"}}"#,
        )
        .unwrap();
        let dbg = format!("{s:?}");
        for secret in ["dbsecret", "ftpsecret", "missecret", "mailsecret"] {
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
    fn backoff_grows_then_stays_hourly() {
        let p = BookingPolicy::default();
        let m: Vec<u64> = (1..=8).map(|n| p.backoff(n).as_secs() / 60).collect();
        assert_eq!(m, [1, 2, 5, 10, 15, 30, 60, 60]);
    }
}
