//! The engine's settings: one document (a PHP array on the PHP side, JSON here) read with
//! serde, checked, and turned into the typed configs of storage and transports.
//!
//! ```json
//! {"db":    {"host": "127.0.0.1", "port": 3306, "user": "site", "password": "…", "database": "site"},
//!  "ftp":   {"host": "ftp.clinic.ru", "user": "mis", "password": "…", "directory": "schedule",
//!            "tls": false, "ca_pem": "", "after_import": "move", "stability_delay_s": 5,
//!            "bookings_dir": "bookings", "results_dir": "results", "max_snapshot_mb": 100},
//!  "mis":   {"transport": "http", "format": "prodoctorov", "url": "https://mis.clinic.ru/book",
//!            "user": "", "password": "", "token": "", "timeout_s": 10},
//!  "mail":  {"host": "smtp.yandex.ru", "port": 465, "security": "tls", "ca_pem": "",
//!            "user": "…", "password": "…",
//!            "from": "robot@clinic.ru", "to": ["klinmed@yandex.ru"], "remind_hours": 24},
//!  "timezones": {"2": "Asia/Yekaterinburg"},
//!  "cards": {"clinics": [{"id": "12", "codes": "1, 5", "timezone": "Asia/Yekaterinburg"}],
//!            "doctors": [{"id": "20", "codes": "0001, 2:0042"}]},
//!  "booking": {"horizon_days": 14, "min_notice_minutes": 60, "answer_timeout_minutes": 60,
//!              "max_attempts": 12, "grid_cache_mb": 32, "when_lost": "retry",
//!              "reconcile_minutes": 30, "retention_days": 30},
//!  "prodoctorov": {"enabled": true, "api": "old", "url": "https://api.prodoctorov.ru/mis/send_cells/",
//!                  "login": "…", "password": "…", "token": "", "interval_minutes": 15,
//!                  "timeout_s": 30, "filials": ["1"], "doctors": {"1": ["0001", "0002"]},
//!                  "accept_when_mis_down": false, "endpoint_user": "pd", "endpoint_password": "…"},
//!  "limits": {"secret": "…", "per_address": 10, "per_phone": 3, "per_doctor_day": 20,
//!             "trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]}}
//! ```
//! `cards` are the site's clinic and doctor cards as the module reads them (`domain::cards`: the
//! MIS code cell of each, a clinic's time zone): the code check compares their codes with the
//! MIS's, and a clinic card's zone is its filials' (`timezones` win over it).
//! `prodoctorov` (the site as the clinic's ProDoctorov connector, mis-exchange.md §4):
//! `filials` (a list or one string, `"1, 2"`) empty = every filial; `doctors` maps a filial code
//! to the doctor codes exported from it (or is text, a line a filial: `1: 0001, 0002`), a filial
//! not in the map exporting all its doctors. The same lists decide which
//! doctors ProDoctorov may book. The booking endpoint takes bookings only with Basic auth of
//! `endpoint_user` and an `endpoint_password` of at least [`ENDPOINT_PASSWORD_MIN`] characters:
//! without them it is closed (401), whatever is sent. `enabled` false (the default) = no upload
//! and the endpoint refuses every booking.
//! `limits` (the booking form's protections, see `engine::limits`): `secret` keys the hashed
//! names of the counters (no address or phone number is stored); booking attempts per address
//! (an IPv4 address or an IPv6 /64) per 10 minutes, bookings per phone number per day and per
//! doctor per day of appointments; `trusted_proxies` (addresses or networks, a list or one
//! string) are the reverse proxies whose `X-Forwarded-For` is believed — none by default.
//! `ca_pem` (`ftp`, `mail`): CA certificates in PEM that the server's certificate may chain to
//! besides the system's roots (a server with a private CA); they count for the TLS the settings
//! demand and for the TLS a server offers of itself alike.
//! Every section but `db` may be left out: no `ftp` means no FTP import, no `mail` means
//! alerts are only recorded, no `cards` means codes are not checked. Unknown keys are
//! refused, so a typo does not silently fall back to a default.

mod raw;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::domain::address::Network;
use crate::domain::cards::Cards;
use crate::domain::zone::Zones;
use crate::storage::DbConfig;
use crate::transport::ftp::FtpConfig;
use crate::transport::mail::MailConfig;
use crate::transport::mis::MisConfig;
use crate::transport::prodoctorov::UploadConfig;
use crate::transport::Secret;
use raw::{shape, Raw};

/// Settings that cannot be used; the message names the key.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SettingsError {
    /// Wrong type, unknown key, missing required key: serde's message with the key's path.
    #[error("настройки: {0}")]
    Shape(String),
    /// A value of the right type that makes no sense.
    #[error("настройки: {key}: {reason}")]
    Value { key: &'static str, reason: String },
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
    /// What becomes of a booking the MIS lost: one in «проверить в МИС» (`check`) whose time the
    /// MIS's next snapshot shows free. `"retry"` (the default): sent again with the same payload;
    /// `"refuse"`: refused, the time released. Either way the clinic is mailed.
    pub when_lost: WhenLost,
    /// Reconciliation with the MIS (`storage::reconcile`): a confirmed booking whose time the
    /// MIS's snapshots still show free this many minutes after the confirmation raises «МИС не
    /// показывает запись № …» (default 30: two 15-minute snapshots; 0 = no reconciliation).
    pub reconcile_minutes: u32,
    /// Days after the appointment the patient's name, phone, comment and consent address are
    /// kept; then the cron tick removes them from the booking and from the FTP exchange (the
    /// row stays for statistics). Default 30; 0 = kept for good.
    pub retention_days: u32,
}

/// See [`BookingPolicy::when_lost`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WhenLost {
    #[default]
    Retry,
    Refuse,
}

impl Default for BookingPolicy {
    fn default() -> Self {
        BookingPolicy {
            horizon_days: 14,
            min_notice_minutes: 60,
            answer_timeout_minutes: 60,
            max_attempts: 12,
            grid_cache_mb: 32,
            when_lost: WhenLost::Retry,
            reconcile_minutes: 30,
            retention_days: 30,
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
    /// The credentials ProDoctorov must send to the booking endpoint, or why it is closed.
    pub endpoint: Endpoint,
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

/// The shortest password ProDoctorov's direct bookings may use (`endpoint_password`).
pub const ENDPOINT_PASSWORD_MIN: usize = 16;

/// Whether ProDoctorov's booking endpoint takes bookings. `Debug` hides the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Only with exactly these Basic credentials.
    Basic { user: String, password: Secret },
    /// Refuses every booking (401): no login, or no strong password. The settings key to fix
    /// and why, in Russian.
    Closed { key: &'static str, reason: String },
}

/// The booking form's protections (`engine::limits`). `Debug` hides the secret.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Keys the hashed bucket names of the counters.
    pub secret: Secret,
    /// Booking attempts per address (an IPv4 address, an IPv6 /64) per 10 minutes (default 10).
    pub per_address: u32,
    /// Bookings per phone number per day (default 3).
    pub per_phone: u32,
    /// Bookings from the site per doctor per day of appointments (default 20), so that no one
    /// can fill a doctor's day through the form.
    pub per_doctor_day: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed (none by default).
    pub trusted_proxies: Vec<Network>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            secret: Secret::default(),
            per_address: 10,
            per_phone: 3,
            per_doctor_day: 20,
            trusted_proxies: Vec::new(),
        }
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
    /// The site's cards, for the code check; `None`: codes are not checked.
    pub cards: Option<Cards>,
    pub booking: BookingPolicy,
    /// `None` when the section is absent (the connector is off).
    pub prodoctorov: Option<Prodoctorov>,
    pub limits: Limits,
}

/// A problem of a settings document for the admin's settings check: the key (`limits.per_phone`;
/// empty when the document as a whole is wrong) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl Settings {
    /// What keeps settings from working, for the admin before it saves them: every problem,
    /// in Russian, each with its key — values of the wrong type (each left out so that the
    /// rest is read), then every problem of [`Settings::from_value`]'s check and, with the
    /// ProDoctorov connector on, why its booking endpoint is closed (no login, no strong
    /// password).
    pub fn problems(mut v: serde_json::Value) -> Vec<Problem> {
        /// More than a settings document has keys: a value left out that does not help stops.
        const MOST: usize = 64;
        let mut out: Vec<Problem> = Vec::new();
        let raw: Raw = loop {
            match serde_path_to_error::deserialize(v.clone()) {
                Ok(raw) => break raw,
                Err(e) => {
                    let path = e.path().to_string();
                    let message = unreadable(&e.inner().to_string());
                    let key = if path == "." { String::new() } else { path };
                    let again = out.iter().any(|p| p.key == key);
                    let left_out = !key.is_empty() && !again && remove(&mut v, &key);
                    if !again {
                        out.push(Problem { key, message });
                    }
                    if !left_out || out.len() >= MOST {
                        return out;
                    }
                }
            }
        };
        let mut found = raw::Found::new();
        let s = raw.checked(&mut found);
        out.extend(found.into_iter().map(|(key, message)| Problem {
            key: key.into(),
            message,
        }));
        if let Some(Prodoctorov {
            enabled: true,
            endpoint: Endpoint::Closed { key, reason },
            ..
        }) = s.prodoctorov
        {
            out.push(Problem {
                key: key.into(),
                message: reason,
            });
        }
        out
    }

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

/// What serde says of a value it cannot read, in the staff's words.
fn unreadable(serde: &str) -> String {
    let quoted = |after: &str| {
        serde
            .split_once(after)
            .and_then(|(_, rest)| rest.split('`').next())
            .map(str::to_owned)
    };
    if serde.contains("expected u16") {
        "нужно целое число от 0 до 65535".to_owned()
    } else if serde.contains("expected u") || serde.contains("expected i") {
        "нужно целое число".to_owned()
    } else if serde.contains("expected a boolean") {
        "нужно «да» или «нет» (true или false)".to_owned()
    } else if serde.contains("expected a string") {
        "нужна строка".to_owned()
    } else if let Some(field) = quoted("unknown field `") {
        format!("неизвестный параметр «{field}»")
    } else if let Some(field) = quoted("missing field `") {
        format!("не указан параметр «{field}»")
    } else if let Some(variant) = quoted("unknown variant `") {
        format!("недопустимое значение «{variant}»")
    } else {
        UNREADABLE.to_owned()
    }
}

/// What [`unreadable`] says of a value it has no better words for.
const UNREADABLE: &str = "неверное значение";

/// Removes the value at `path` (`mis.timeout_s`) from a document; whether there was one.
fn remove(v: &mut serde_json::Value, path: &str) -> bool {
    let (parents, last) = match path.rsplit_once('.') {
        Some((parents, last)) => (Some(parents), last),
        None => (None, path),
    };
    let mut at = v;
    for key in parents.into_iter().flat_map(|p| p.split('.')) {
        match at.get_mut(key) {
            Some(next) => at = next,
            None => return false,
        }
    }
    at.as_object_mut().is_some_and(|o| o.remove(last).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::prodoctorov::UploadApi;

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
            e.to_string()
                .starts_with("настройки: db.port: нужно целое число от 0 до 65535"),
            "{e}"
        );
        let e = Settings::from_json(r#"{"db": {"user": "u", "database": "d"}, "ftpp": {}}"#)
            .unwrap_err();
        assert!(e.to_string().contains("неизвестный параметр «ftpp»"), "{e}");
        let e = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "mis": {"url": "https://m", "timeout_s": 30}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "настройки: mis.timeout_s: нужно целое число от 1 до 10"
        );
        let e = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "timezones": {"1": "Mars/Olympus"}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "настройки: timezones: неизвестный часовой пояс \"Mars/Olympus\" для филиала 1"
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
        assert!(e.to_string().contains("заполните настройки FTP"), "{e}");
    }

    #[test]
    fn a_servers_ca_certificate_is_read_and_checked() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
        let doc = serde_json::json!({"db": {"user": "u", "database": "d"},
            "ftp": {"host": "ftp", "user": "mis", "ca_pem": pem},
            "mail": {"host": "smtp", "from": "a@b.ru", "ca_pem": "  "}});
        let s = Settings::from_value(doc).unwrap();
        assert_eq!(
            s.ftp.as_ref().and_then(|f| f.extra_ca_pem.as_deref()),
            Some(pem)
        );
        assert_eq!(s.mail.as_ref().and_then(|m| m.extra_ca_pem.clone()), None);
        let problems = Settings::problems(serde_json::json!({"db": {"user": "u", "database": "d"},
            "mail": {"host": "smtp", "from": "a@b.ru", "ca_pem": "not a certificate"}}));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].key, "mail.ca_pem");
        assert!(problems[0].message.contains("PEM"), "{problems:?}");
    }

    #[test]
    fn the_admin_hears_every_problem_at_once_each_with_its_key() {
        let problems = |doc: &str| {
            Settings::problems(serde_json::from_str(doc).unwrap())
                .into_iter()
                .map(|p| (p.key, p.message))
                .collect::<Vec<_>>()
        };
        let p = problems(
            r#"{"db": {"user": "u", "database": "d"},
                "mis": {"url": "mis.clinic.ru", "timeout_s": 30},
                "mail": {"host": "smtp", "from": "robot", "to": "a@b.ru, nobody", "remind_hours": 0},
                "booking": {"horizon_days": 0, "min_notice_minutes": 20000},
                "limits": {"per_phone": 0, "trusted_proxies": "proxy.local"},
                "prodoctorov": {"doctors": "1: 0001\nплохая строка"}}"#,
        );
        let keys: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "mis.url",
                "mis.timeout_s",
                "mail.from",
                "mail.to",
                "mail.remind_hours",
                "booking.horizon_days",
                "booking.min_notice_minutes",
                "prodoctorov.doctors",
                "limits.trusted_proxies",
                "limits.per_phone"
            ]
        );
        assert_eq!(p[0].1, "адрес должен начинаться с http:// или https://");
        assert_eq!(p[5].1, "нужно целое число от 1 до 90");
        // a value serde cannot read: its key, in Russian
        assert_eq!(
            problems(
                r#"{"db": {"user": "u", "database": "d"}, "mis": {"url": "https://m", "timeout_s": "abc"}}"#
            ),
            [("mis.timeout_s".to_string(), "нужно целое число".to_string())]
        );
        // several of them, an unknown key, and the check's problems after them: all at once,
        // none in English
        let p = problems(
            r#"{"db": {"user": "u", "database": "d"},
                "mis": {"url": "mis.clinic.ru", "timeout_s": "5 с"},
                "ftp": {"host": "ftp", "user": "u", "password": "p", "port": "x", "tls": "да"},
                "booking": {"horizon_days": 0, "colour": "red"}}"#,
        );
        assert_eq!(
            p,
            [
                ("mis.timeout_s", "нужно целое число"),
                ("ftp.port", "нужно целое число от 0 до 65535"),
                ("ftp.tls", "нужно «да» или «нет» (true или false)"),
                ("booking.colour", "неизвестный параметр «colour»"),
                ("mis.url", "адрес должен начинаться с http:// или https://"),
                ("booking.horizon_days", "нужно целое число от 1 до 90"),
            ]
            .map(|(k, m)| (k.to_string(), m.to_string())),
            "{p:?}"
        );
        assert!(problems(MIN).is_empty());
    }

    #[test]
    fn prodoctorov_defaults_and_allow_lists() {
        let s = Settings::from_json(r#"{"db": {"user": "u", "database": "d"}, "prodoctorov": {}}"#)
            .unwrap();
        let p = s.prodoctorov.unwrap();
        assert!(!p.enabled && p.upload.is_none() && !p.accept_when_mis_down);
        assert_eq!(p.interval, Duration::from_secs(15 * 60));
        assert!(p.allows("1", "0001"));
        assert!(matches!(
            p.endpoint,
            Endpoint::Closed {
                key: "prodoctorov.endpoint_user",
                ..
            }
        ));
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
            "настройки: prodoctorov.api: допустимо: old, v2"
        );
        assert!(err(r#"{"url": "ftp://x"}"#).contains("prodoctorov.url"));
        assert!(err(r#"{"enabled": true, "url": "https://x"}"#).contains("prodoctorov.login"));
        assert!(err(r#"{"enabled": true, "api": "v2", "url": "https://x"}"#)
            .contains("prodoctorov.token"));
        // a connector switched off may keep half its credentials
        assert!(Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "prodoctorov": {"url": "https://x"}}"#
        )
        .is_ok());
        assert!(err(r#"{"interval_minutes": 0}"#).contains("prodoctorov.interval_minutes"));
        assert!(err(r#"{"loginn": "x"}"#).contains("неизвестный параметр «loginn»"));
    }

    #[test]
    fn the_booking_endpoint_needs_a_login_and_a_strong_password() {
        let endpoint = |section: &str| {
            Settings::from_json(&format!(
                r#"{{"db": {{"user": "u", "database": "d"}}, "prodoctorov": {section}}}"#
            ))
            .unwrap()
            .prodoctorov
            .unwrap()
            .endpoint
        };
        let closed = |e: Endpoint| match e {
            Endpoint::Closed { key, .. } => key,
            Endpoint::Basic { .. } => "open",
        };
        assert_eq!(
            closed(endpoint(r#"{"endpoint_password": "0123456789abcdef"}"#)),
            "prodoctorov.endpoint_user"
        );
        for weak in ["", "short", "0123456789abcde"] {
            let e = endpoint(&format!(
                r#"{{"endpoint_user": "pd", "endpoint_password": "{weak}"}}"#
            ));
            assert_eq!(closed(e), "prodoctorov.endpoint_password", "{weak:?}");
        }
        let e = endpoint(r#"{"endpoint_user": "pd", "endpoint_password": "пароль-из-16-букв"}"#);
        assert!(
            matches!(e, Endpoint::Basic { ref user, .. } if user == "pd"),
            "{e:?}"
        );
    }

    #[test]
    fn the_admin_hears_of_a_closed_endpoint_only_with_the_connector_on() {
        let problems = |section: &str| {
            Settings::problems(
                serde_json::from_str(&format!(
                    r#"{{"db": {{"user": "u", "database": "d"}}, "prodoctorov": {section}}}"#
                ))
                .unwrap(),
            )
        };
        assert!(problems(r#"{"enabled": false}"#).is_empty());
        let p =
            problems(r#"{"enabled": true, "endpoint_user": "pd", "endpoint_password": "short"}"#);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].key, "prodoctorov.endpoint_password");
        assert!(
            p[0].message.contains("не короче 16 символов"),
            "{}",
            p[0].message
        );
        assert!(problems(
            r#"{"enabled": true, "endpoint_user": "pd", "endpoint_password": "0123456789abcdef"}"#
        )
        .is_empty());
        let p = problems(r#"{"enabled": true, "endpoint_user": "p:d"}"#);
        assert_eq!(p[0].key, "prodoctorov.endpoint_user");
    }

    #[test]
    fn limits_have_defaults_and_name_a_bad_proxy() {
        let s = Settings::from_json(MIN).unwrap();
        assert_eq!(
            (
                s.limits.per_address,
                s.limits.per_phone,
                s.limits.per_doctor_day
            ),
            (10, 3, 20)
        );
        assert!(
            s.limits.trusted_proxies.is_empty(),
            "no proxy is trusted by default"
        );
        let s = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "limits": {"secret": "s3cret-salt",
                "per_doctor_day": 5, "trusted_proxies": "127.0.0.1, 10.0.0.0/8\nfd00::/8"}}"#,
        )
        .unwrap();
        assert_eq!(s.limits.per_doctor_day, 5);
        assert_eq!(s.limits.trusted_proxies.len(), 3);
        assert!(!format!("{s:?}").contains("s3cret-salt"));
        let e = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "limits": {"trusted_proxies": ["proxy.local"]}}"#,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("настройки: limits.trusted_proxies: «proxy.local» — не IP-адрес"),
            "{e}"
        );
        let e = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "limits": {"per_phone": 0}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "настройки: limits.per_phone: нужно целое число от 1 до 1000"
        );
    }

    #[test]
    fn when_lost_is_retry_or_refuse() {
        let s = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "booking": {"when_lost": "refuse"}}"#,
        )
        .unwrap();
        assert_eq!(s.booking.when_lost, WhenLost::Refuse);
        let e = Settings::from_json(
            r#"{"db": {"user": "u", "database": "d"}, "booking": {"when_lost": "drop"}}"#,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("настройки: booking.when_lost: недопустимое значение «drop»"),
            "{e}"
        );
    }

    #[test]
    fn backoff_grows_then_stays_hourly() {
        let p = BookingPolicy::default();
        let m: Vec<u64> = (1..=8).map(|n| p.backoff(n).as_secs() / 60).collect();
        assert_eq!(m, [1, 2, 5, 10, 15, 30, 60, 60]);
    }
}
