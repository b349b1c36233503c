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
    fn into_map(self) -> Result<BTreeMap<String, Vec<String>>, (&'static str, String)> {
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
                        return Err((
                            "prodoctorov.doctors",
                            "по строке на филиал: «1: 0001, 0002»".into(),
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
    /// Extra trusted CA certificates (PEM) for a server with a private CA; empty = none.
    #[serde(default)]
    ca_pem: String,
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
    /// Extra trusted CA certificates (PEM) for a server with a private CA; empty = none.
    #[serde(default)]
    ca_pem: String,
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
    // serde's English said in the staff's words; what has no words yet keeps serde's detail.
    let said = match super::unreadable(&inner) {
        s if s == super::UNREADABLE => format!("{s} ({inner})"),
        s => s,
    };
    if path == "." {
        SettingsError::Shape(said)
    } else {
        SettingsError::Shape(format!("{path}: {said}"))
    }
}

/// The problems a check found: (key, what is wrong, in Russian).
pub(super) type Found = Vec<(&'static str, String)>;

/// `v` when it is in `range`, else the problem noted and `fallback`.
fn within<T: PartialOrd + Copy + std::fmt::Display>(
    found: &mut Found,
    key: &'static str,
    v: T,
    range: std::ops::RangeInclusive<T>,
    fallback: T,
) -> T {
    if range.contains(&v) {
        v
    } else {
        found.push((
            key,
            format!("нужно целое число от {} до {}", range.start(), range.end()),
        ));
        fallback
    }
}

/// An address a section is sent to: `http://` or `https://`.
fn url(found: &mut Found, key: &'static str, url: &str) -> bool {
    let ok = url.starts_with("http://") || url.starts_with("https://");
    if !ok {
        found.push((key, "адрес должен начинаться с http:// или https://".into()));
    }
    ok
}

fn one_of(found: &mut Found, key: &'static str, v: &str, allowed: &[&str]) {
    if !allowed.contains(&v) {
        found.push((key, format!("допустимо: {}", allowed.join(", "))));
    }
}

impl Raw {
    /// The settings, or the first problem (see [`checked`](Self::checked) for all of them).
    pub(super) fn check(self) -> Result<Settings, SettingsError> {
        let mut found = Found::new();
        let s = self.checked(&mut found);
        match found.into_iter().next() {
            None => Ok(s),
            Some((key, reason)) => Err(SettingsError::Value { key, reason }),
        }
    }

    /// The settings with every problem noted in `found` (a section with one gets a usable
    /// stand-in, so that the others are checked too).
    pub(super) fn checked(self, found: &mut Found) -> Settings {
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
            found.push(("db.database", "не указана база данных".into()));
        }

        let ftp = self.ftp.and_then(|f| f.check(found));
        let delivery = self.mis.and_then(|m| m.check(ftp.is_some(), found));
        let (mail, remind_after) = match self.mail.and_then(|m| m.check(found)) {
            Some((mail, remind_after)) => (Some(mail), remind_after),
            None => (None, Duration::from_secs(24 * 3600)),
        };

        // the clinic cards' zones, then the explicit ones over them
        let card_zones = self.cards.iter().flat_map(|c| c.zones());
        let zones = Zones::from_names(
            card_zones
                .map(|(code, tz)| (code, tz.name().to_owned()))
                .chain(self.timezones.pairs()),
        )
        .unwrap_or_else(|e| {
            found.push(("timezones", e.to_string()));
            Zones::default()
        });
        let mut booking = self.booking;
        let d = BookingPolicy::default();
        let b = &mut booking;
        b.horizon_days = within(
            found,
            "booking.horizon_days",
            b.horizon_days,
            1..=90,
            d.horizon_days,
        );
        b.min_notice_minutes = within(
            found,
            "booking.min_notice_minutes",
            b.min_notice_minutes,
            0..=10080,
            d.min_notice_minutes,
        );
        b.answer_timeout_minutes = within(
            found,
            "booking.answer_timeout_minutes",
            b.answer_timeout_minutes,
            1..=10080,
            d.answer_timeout_minutes,
        );
        b.grid_cache_mb = within(
            found,
            "booking.grid_cache_mb",
            b.grid_cache_mb,
            0..=4096,
            d.grid_cache_mb,
        );
        b.reconcile_minutes = within(
            found,
            "booking.reconcile_minutes",
            b.reconcile_minutes,
            0..=1440,
            d.reconcile_minutes,
        );
        b.retention_days = within(
            found,
            "booking.retention_days",
            b.retention_days,
            0..=3650,
            d.retention_days,
        );
        let prodoctorov = self.prodoctorov.map(|p| p.check(found));
        let limits = self.limits.map(|l| l.check(found)).unwrap_or_default();
        Settings {
            db,
            ftp,
            delivery,
            mail,
            remind_after,
            zones,
            cards: self.cards,
            booking,
            prodoctorov,
            limits,
        }
    }
}

impl RawFtp {
    /// The FTP settings; `None` when no host is set.
    fn check(self, found: &mut Found) -> Option<FtpConfig> {
        if self.host.trim().is_empty() {
            return None;
        }
        let mut c = FtpConfig::new(self.host.trim(), self.user, Secret::new(self.password));
        c.port = within(found, "ftp.port", self.port, 1..=65535, 21);
        c.directory = self.directory;
        c.passive = self.passive;
        c.explicit_tls = self.tls;
        c.extra_ca_pem = ca_pem(found, "ftp.ca_pem", self.ca_pem);
        one_of(
            found,
            "ftp.after_import",
            &self.after_import,
            &["move", "delete"],
        );
        c.after_import = match self.after_import.as_str() {
            "delete" => AfterImport::Delete,
            _ => AfterImport::MoveToProcessed,
        };
        c.stability_delay = Duration::from_secs(self.stability_delay_s);
        c.bookings_dir = self.bookings_dir;
        c.results_dir = self.results_dir;
        c.max_download = within(
            found,
            "ftp.max_snapshot_mb",
            self.max_snapshot_mb,
            1..=4096,
            100,
        ) << 20;
        Some(c)
    }
}

impl RawMis {
    /// How bookings reach the MIS; `None` for HTTP without a URL. `has_ftp`: whether the ftp
    /// section is set (the FTP drop needs it).
    fn check(self, has_ftp: bool, found: &mut Found) -> Option<Delivery> {
        match self.transport.as_str() {
            "ftp" => {
                if !has_ftp {
                    found.push((
                        "mis.transport",
                        "для передачи записей через FTP заполните настройки FTP".into(),
                    ));
                }
                Some(Delivery::FtpDrop)
            }
            "http" if self.url.trim().is_empty() => None,
            "http" => {
                let u = self.url.trim().to_owned();
                url(found, "mis.url", &u);
                let mut c = MisConfig::new(u);
                one_of(found, "mis.format", &self.format, &["prodoctorov", "v2"]);
                c.format = match self.format.as_str() {
                    "v2" => Format::V2,
                    _ => Format::Direct,
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
                // ProDoctorov's limit
                c.timeout =
                    Duration::from_secs(within(found, "mis.timeout_s", self.timeout_s, 1..=10, 10));
                c.connect_timeout = c.connect_timeout.min(c.timeout);
                Some(Delivery::Http(c))
            }
            other => {
                one_of(found, "mis.transport", other, &["http", "ftp"]);
                None
            }
        }
    }
}

impl RawMail {
    /// The SMTP settings and the reminder interval; `None` when no host is set.
    fn check(self, found: &mut Found) -> Option<(MailConfig, Duration)> {
        if self.host.trim().is_empty() {
            return None;
        }
        if !self.from.contains('@') {
            found.push(("mail.from", "укажите адрес отправителя".into()));
        }
        let mut c = MailConfig::new(self.host.trim(), self.from);
        one_of(
            found,
            "mail.security",
            &self.security,
            &["none", "starttls", "tls"],
        );
        c.security = match self.security.as_str() {
            "none" => SmtpSecurity::None,
            "tls" => SmtpSecurity::Tls,
            _ => SmtpSecurity::StartTls,
        };
        c.port = self.port.unwrap_or_else(|| c.security.default_port());
        c.extra_ca_pem = ca_pem(found, "mail.ca_pem", self.ca_pem);
        c.user = self.user;
        c.password = Secret::new(self.password);
        if let Some(to) = self.to {
            let list = to.items();
            if let Some(a) = list.iter().find(|a| !a.contains('@')) {
                found.push(("mail.to", format!("«{a}» — не адрес электронной почты")));
            } else if list.is_empty() {
                found.push(("mail.to", "не указан ни один получатель".into()));
            }
            c.recipients = list;
        }
        let hours = within(found, "mail.remind_hours", self.remind_hours, 1..=8760, 24);
        Some((c, Duration::from_secs(u64::from(hours) * 3600)))
    }
}

/// A server's extra CA certificates (PEM): `None` when blank; a text that holds no certificate
/// is a problem of `key`.
fn ca_pem(found: &mut Found, key: &'static str, pem: String) -> Option<String> {
    if pem.trim().is_empty() {
        return None;
    }
    if let Err(why) = crate::transport::parse_pem_certs(&pem) {
        found.push((key, why));
    }
    Some(pem)
}

impl RawProdoctorov {
    fn check(self, found: &mut Found) -> Prodoctorov {
        one_of(found, "prodoctorov.api", &self.api, &["old", "v2"]);
        let api = match self.api.as_str() {
            "v2" => UploadApi::V2,
            _ => UploadApi::Old,
        };
        let u = self.url.trim().to_owned();
        let upload = if u.is_empty() || !url(found, "prodoctorov.url", &u) {
            None
        } else {
            match api {
                // a connector switched off may keep half its credentials
                _ if !self.enabled => {}
                UploadApi::Old if self.login.is_empty() => found.push((
                    "prodoctorov.login",
                    "для старого API ПроДокторов нужен логин".into(),
                )),
                UploadApi::V2 if self.token.is_empty() => {
                    found.push(("prodoctorov.token", "для API v2 нужен токен".into()))
                }
                _ => {}
            }
            let mut c = UploadConfig::new(u, api);
            c.login = self.login;
            c.password = Secret::new(self.password);
            c.token = Secret::new(self.token);
            c.timeout = Duration::from_secs(within(
                found,
                "prodoctorov.timeout_s",
                self.timeout_s,
                1..=300,
                30,
            ));
            c.connect_timeout = c.connect_timeout.min(c.timeout);
            Some(c)
        };
        let interval = within(
            found,
            "prodoctorov.interval_minutes",
            self.interval_minutes,
            1..=1440,
            15,
        );
        let clean = |v: Vec<String>| -> Vec<String> {
            v.into_iter()
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect()
        };
        let doctors = self
            .doctors
            .into_map()
            .unwrap_or_else(|(key, reason)| {
                found.push((key, reason));
                BTreeMap::new()
            })
            .into_iter()
            .map(|(f, d)| (f.trim().to_owned(), clean(d)))
            .collect();
        if self.endpoint_user.contains(':') {
            found.push((
                "prodoctorov.endpoint_user",
                "в логине для прямой записи не может быть двоеточия «:» (так устроен Basic auth)"
                    .into(),
            ));
        }
        let endpoint = endpoint(self.endpoint_user, self.endpoint_password);
        Prodoctorov {
            enabled: self.enabled,
            upload,
            interval: Duration::from_secs(u64::from(interval) * 60),
            filials: clean(self.filials.map(CodeList::items).unwrap_or_default()),
            doctors,
            accept_when_mis_down: self.accept_when_mis_down,
            endpoint,
        }
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
    fn check(self, found: &mut Found) -> Limits {
        let d = Limits::default();
        let mut trusted_proxies = Vec::new();
        for n in self
            .trusted_proxies
            .map(TextList::items)
            .unwrap_or_default()
        {
            match Network::parse(&n) {
                Ok(net) => trusted_proxies.push(net),
                Err(e) => found.push(("limits.trusted_proxies", e.to_string())),
            }
        }
        Limits {
            secret: Secret::new(self.secret),
            per_address: within(
                found,
                "limits.per_address",
                self.per_address,
                1..=10_000,
                d.per_address,
            ),
            per_phone: within(
                found,
                "limits.per_phone",
                self.per_phone,
                1..=1000,
                d.per_phone,
            ),
            per_doctor_day: within(
                found,
                "limits.per_doctor_day",
                self.per_doctor_day,
                1..=1000,
                d.per_doctor_day,
            ),
            trusted_proxies,
        }
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
