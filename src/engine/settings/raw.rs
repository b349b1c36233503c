//! The settings document as serde reads it, and the checks that turn it into [`Settings`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::{
    BookingPolicy, Delivery, Endpoint, Limits, Prodoctorov, Settings, SettingsError,
    ENDPOINT_PASSWORD_MIN,
};
use crate::domain::address::Network;
use crate::domain::cards::{split_codes, Cards};
use crate::domain::zone::Zones;
use crate::storage::DbConfig;
use crate::transport::ftp::{AfterImport, FtpConfig};
use crate::transport::mail::{MailConfig, SmtpSecurity};
use crate::transport::mis::{Format, MisAuth, MisConfig};
use crate::transport::prodoctorov::{UploadApi, UploadConfig};
use crate::transport::Secret;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Raw {
    db: RawDb,
    ftp: Option<RawFtp>,
    mis: Option<RawMis>,
    mail: Option<RawMail>,
    #[serde(default)]
    timezones: ZoneMap,
    cards: Option<Cards>,
    #[serde(default)]
    booking: BookingPolicy,
    prodoctorov: Option<RawProdoctorov>,
    limits: Option<RawLimits>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    #[serde(default)]
    secret: String,
    #[serde(default = "ten_u32")]
    per_address: u32,
    #[serde(default = "three")]
    per_phone: u32,
    #[serde(default = "twenty")]
    per_doctor_day: u32,
    /// A list, or one string with entries separated by commas, semicolons or spaces.
    trusted_proxies: Option<TextList>,
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
    /// A list, or one string of codes separated by commas or semicolons.
    filials: Option<CodeList>,
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
/// list of lists; as text, a line a filial: `1: 0001, 0002`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum DoctorLists {
    Map(BTreeMap<String, Vec<String>>),
    List(Vec<Vec<String>>),
    Text(String),
}

/// Codes: a list, or one string of them separated by commas or semicolons.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum CodeList {
    List(Vec<String>),
    Text(String),
}

impl CodeList {
    fn items(self) -> Vec<String> {
        match self {
            CodeList::List(l) => l,
            CodeList::Text(t) => split_codes(&t).map(str::to_owned).collect(),
        }
    }
}

impl Default for DoctorLists {
    fn default() -> Self {
        DoctorLists::Map(BTreeMap::new())
    }
}

impl DoctorLists {
    fn into_map(self) -> Result<BTreeMap<String, Vec<String>>, SettingsError> {
        Ok(match self {
            DoctorLists::Map(m) => m,
            DoctorLists::List(l) => l
                .into_iter()
                .enumerate()
                .map(|(i, d)| (i.to_string(), d))
                .collect(),
            DoctorLists::Text(t) => {
                let mut out = BTreeMap::new();
                for line in t.lines().filter(|l| !l.trim().is_empty()) {
                    let Some((filial, doctors)) = line.split_once(':') else {
                        return Err(bad(
                            "prodoctorov.doctors",
                            "по строке на филиал: «1: 0001, 0002»",
                        ));
                    };
                    let doctors = split_codes(doctors).map(str::to_owned).collect();
                    out.insert(filial.trim().to_owned(), doctors);
                }
                out
            }
        })
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
    /// The largest snapshot downloaded, in MB.
    #[serde(default = "hundred")]
    max_snapshot_mb: u64,
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
    to: Option<TextList>,
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

/// A list of strings, or one string of them separated by commas, semicolons or white space.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum TextList {
    List(Vec<String>),
    Text(String),
}

impl TextList {
    /// The entries, trimmed, empty ones left out.
    fn items(self) -> Vec<String> {
        let list: Vec<String> = match self {
            TextList::List(l) => l,
            TextList::Text(t) => t
                .split([',', ';', ' ', '\n', '\r', '\t'])
                .map(str::to_owned)
                .collect(),
        };
        list.into_iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect()
    }
}

pub(super) fn shape<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> SettingsError {
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
    pub(super) fn check(self) -> Result<Settings, SettingsError> {
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

        let ftp = self.ftp.map(RawFtp::check).transpose()?.flatten();
        let delivery = self
            .mis
            .map(|m| m.check(ftp.is_some()))
            .transpose()?
            .flatten();
        let (mail, remind_after) = match self.mail.map(RawMail::check).transpose()?.flatten() {
            Some((mail, remind_after)) => (Some(mail), remind_after),
            None => (None, Duration::from_secs(24 * 3600)),
        };

        // the clinic cards' zones, then the explicit ones over them
        let card_zones = self.cards.iter().flat_map(|c| c.zones());
        let zones = Zones::from_names(
            card_zones
                .map(|(code, tz)| (code, tz.name().to_owned()))
                .chain(self.timezones.pairs()),
        )?;
        let b = &self.booking;
        if !(1..=90).contains(&b.horizon_days) {
            return Err(bad("booking.horizon_days", "must be from 1 to 90"));
        }
        if b.grid_cache_mb > 4096 {
            return Err(bad("booking.grid_cache_mb", "must be from 0 to 4096"));
        }
        if b.reconcile_minutes > 1440 {
            return Err(bad("booking.reconcile_minutes", "must be from 0 to 1440"));
        }
        if b.retention_days > 3650 {
            return Err(bad("booking.retention_days", "must be from 0 to 3650"));
        }
        let prodoctorov = self.prodoctorov.map(RawProdoctorov::check).transpose()?;
        let limits = self
            .limits
            .map(RawLimits::check)
            .transpose()?
            .unwrap_or_default();
        Ok(Settings {
            db,
            ftp,
            delivery,
            mail,
            remind_after,
            zones,
            cards: self.cards,
            booking: self.booking,
            prodoctorov,
            limits,
        })
    }
}

impl RawFtp {
    /// The FTP settings; `None` when no host is set.
    fn check(self) -> Result<Option<FtpConfig>, SettingsError> {
        if self.host.trim().is_empty() {
            return Ok(None);
        }
        let mut c = FtpConfig::new(self.host.trim(), self.user, Secret::new(self.password));
        c.port = self.port;
        c.directory = self.directory;
        c.passive = self.passive;
        c.explicit_tls = self.tls;
        c.after_import = match self.after_import.as_str() {
            "move" => AfterImport::MoveToProcessed,
            "delete" => AfterImport::Delete,
            other => {
                return Err(bad(
                    "ftp.after_import",
                    format!("\"{other}\" is neither \"move\" nor \"delete\""),
                ))
            }
        };
        c.stability_delay = Duration::from_secs(self.stability_delay_s);
        c.bookings_dir = self.bookings_dir;
        c.results_dir = self.results_dir;
        if !(1..=4096).contains(&self.max_snapshot_mb) {
            return Err(bad("ftp.max_snapshot_mb", "must be from 1 to 4096"));
        }
        c.max_download = self.max_snapshot_mb << 20;
        Ok(Some(c))
    }
}

impl RawMis {
    /// How bookings reach the MIS; `None` for HTTP without a URL. `has_ftp`: whether the ftp
    /// section is set (the FTP drop needs it).
    fn check(self, has_ftp: bool) -> Result<Option<Delivery>, SettingsError> {
        match self.transport.as_str() {
            "ftp" => {
                if !has_ftp {
                    return Err(bad(
                        "mis.transport",
                        "\"ftp\" needs the ftp section (host, user, password)",
                    ));
                }
                Ok(Some(Delivery::FtpDrop))
            }
            "http" if self.url.trim().is_empty() => Ok(None),
            "http" => {
                let url = self.url.trim().to_owned();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(bad("mis.url", "must start with http:// or https://"));
                }
                let mut c = MisConfig::new(url);
                c.format = match self.format.as_str() {
                    "prodoctorov" => Format::Direct,
                    "v2" => Format::V2,
                    other => {
                        return Err(bad(
                            "mis.format",
                            format!("\"{other}\" is neither \"prodoctorov\" nor \"v2\""),
                        ))
                    }
                };
                c.auth = if !self.token.is_empty() {
                    MisAuth::Token(Secret::new(self.token))
                } else if !self.user.is_empty() {
                    MisAuth::Basic {
                        user: self.user,
                        password: Secret::new(self.password),
                    }
                } else {
                    MisAuth::None
                };
                if !(1..=10).contains(&self.timeout_s) {
                    return Err(bad(
                        "mis.timeout_s",
                        "must be from 1 to 10 seconds (ProDoctorov's limit)",
                    ));
                }
                c.timeout = Duration::from_secs(self.timeout_s);
                c.connect_timeout = c.connect_timeout.min(c.timeout);
                Ok(Some(Delivery::Http(c)))
            }
            other => Err(bad(
                "mis.transport",
                format!("\"{other}\" is neither \"http\" nor \"ftp\""),
            )),
        }
    }
}

impl RawMail {
    /// The SMTP settings and the reminder interval; `None` when no host is set.
    fn check(self) -> Result<Option<(MailConfig, Duration)>, SettingsError> {
        if self.host.trim().is_empty() {
            return Ok(None);
        }
        let mut c = MailConfig::new(self.host.trim(), self.from);
        c.security = match self.security.as_str() {
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
        c.port = self.port.unwrap_or_else(|| c.security.default_port());
        c.user = self.user;
        c.password = Secret::new(self.password);
        if let Some(to) = self.to {
            let list = to.items();
            if let Some(a) = list.iter().find(|a| !a.contains('@')) {
                return Err(bad(
                    "mail.to",
                    format!("«{a}» — не адрес электронной почты"),
                ));
            }
            if list.is_empty() {
                return Err(bad("mail.to", "не указан ни один получатель"));
            }
            c.recipients = list;
        }
        if self.remind_hours == 0 {
            return Err(bad("mail.remind_hours", "must be at least 1"));
        }
        Ok(Some((
            c,
            Duration::from_secs(u64::from(self.remind_hours) * 3600),
        )))
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
            .into_map()?
            .into_iter()
            .map(|(f, d)| (f.trim().to_owned(), clean(d)))
            .collect();
        if self.endpoint_user.contains(':') {
            return Err(bad(
                "prodoctorov.endpoint_user",
                "в логине для прямой записи не может быть двоеточия «:» (так устроен Basic auth)",
            ));
        }
        let endpoint = endpoint(self.endpoint_user, self.endpoint_password);
        Ok(Prodoctorov {
            enabled: self.enabled,
            upload,
            interval: Duration::from_secs(u64::from(self.interval_minutes) * 60),
            filials: clean(self.filials.map(CodeList::items).unwrap_or_default()),
            doctors,
            accept_when_mis_down: self.accept_when_mis_down,
            endpoint,
        })
    }
}

/// ProDoctorov's booking endpoint: open only to a login and a strong password; never to none,
/// never to an empty or short one.
fn endpoint(user: String, password: String) -> Endpoint {
    if user.trim().is_empty() {
        return Endpoint::Closed {
            key: "prodoctorov.endpoint_user",
            reason: "не задан логин для прямой записи ПроДокторов".into(),
        };
    }
    if password.chars().count() < ENDPOINT_PASSWORD_MIN {
        return Endpoint::Closed {
            key: "prodoctorov.endpoint_password",
            reason: format!(
                "пароль для прямой записи ПроДокторов {} — нужен не короче {ENDPOINT_PASSWORD_MIN} символов",
                if password.is_empty() {
                    "не задан"
                } else {
                    "слишком короткий"
                }
            ),
        };
    }
    Endpoint::Basic {
        user,
        password: Secret::new(password),
    }
}

impl RawLimits {
    fn check(self) -> Result<Limits, SettingsError> {
        let range = |key: &'static str, v: u32, max: u32| {
            if (1..=max).contains(&v) {
                Ok(v)
            } else {
                Err(bad(key, format!("must be from 1 to {max}")))
            }
        };
        let trusted_proxies = self
            .trusted_proxies
            .map(TextList::items)
            .unwrap_or_default()
            .iter()
            .map(|n| Network::parse(n).map_err(|e| bad("limits.trusted_proxies", e.to_string())))
            .collect::<Result<_, _>>()?;
        Ok(Limits {
            secret: Secret::new(self.secret),
            per_address: range("limits.per_address", self.per_address, 10_000)?,
            per_phone: range("limits.per_phone", self.per_phone, 1000)?,
            per_doctor_day: range("limits.per_doctor_day", self.per_doctor_day, 1000)?,
            trusted_proxies,
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
fn hundred() -> u64 {
    100
}
fn ten_u32() -> u32 {
    10
}
fn three() -> u32 {
    3
}
fn twenty() -> u32 {
    20
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
