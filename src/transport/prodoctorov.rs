//! The schedule upload to ProDoctorov (mis-exchange.md §4): the site, holding the MIS schedule,
//! exports it as the clinic's own ProDoctorov connector.
//!
//! - Old API: `POST …/mis/send_cells/`, form fields `login`, `password`, `cells` (the §1.1
//!   document as JSON **text**), `application/x-www-form-urlencoded`.
//! - v2: `POST …/v2/doctors/send_schedule/`, `Authorization: Token <token>`, JSON body
//!   `{"schedule": …}`.
//!
//! Any 2xx is success; anything else is an [`UploadError`] that answers `is_transient()`,
//! `is_timeout()`, `status()`. One blocking reqwest client per call (never at startup, never
//! across a `fork`), redirects not followed, every phase bounded by the configured timeouts.
//! No error ever carries the password, the token or the form body.

use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use thiserror::Error;

use super::{
    cause_in_russian, excerpt, exchange, http_setup, scrub, HttpFailure, HttpSetup, Secret,
};

/// Bound for opening the connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound for the whole call by default: a schedule of a few MB must get through.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of ProDoctorov's answer is read.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// How much of an answer an error or the upload log quotes.
pub const QUOTE_CHARS: usize = 300;

/// Which ProDoctorov API receives the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadApi {
    /// Form fields `login`, `password`, `cells`.
    Old,
    /// `Authorization: Token …`, `{"schedule": …}`.
    V2,
}

impl UploadApi {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadApi::Old => "old",
            UploadApi::V2 => "v2",
        }
    }
}

/// Where and how the schedule is uploaded. `Debug` hides the password and the token.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    pub url: String,
    pub api: UploadApi,
    /// Old API.
    pub login: String,
    pub password: Secret,
    /// v2.
    pub token: Secret,
    pub timeout: Duration,
    pub connect_timeout: Duration,
}

impl UploadConfig {
    pub fn new(url: impl Into<String>, api: UploadApi) -> Self {
        UploadConfig {
            url: url.into(),
            api,
            login: String::new(),
            password: Secret::default(),
            token: Secret::default(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: CONNECT_TIMEOUT,
        }
    }

    /// The URL's host (and port), for logs: never the path or query, which might carry a key.
    pub fn host(&self) -> String {
        match reqwest::Url::parse(self.url.trim()) {
            Ok(u) => match (u.host_str(), u.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_owned(),
                _ => String::new(),
            },
            Err(_) => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        let mut v = vec![
            self.password.expose().to_owned(),
            self.token.expose().to_owned(),
        ];
        v.push(form_encode(self.password.expose()));
        v.retain(|s| !s.is_empty());
        v
    }
}

/// ProDoctorov took the schedule (a 2xx answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub status: u16,
    /// The start of the answer, flattened to one line.
    pub answer: String,
    pub elapsed: Duration,
}

/// Why an upload failed. Never carries a password, a token or the request body.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum UploadError {
    /// The settings cannot work (not an http(s) URL, a token HTTP cannot carry). Nothing was
    /// sent.
    #[error("настройки выгрузки в ПроДокторов неверны ({0})")]
    Config(String),
    /// ProDoctorov could not be reached. Nothing was sent.
    #[error("нет соединения с ПроДокторов ({cause})")]
    Connect { cause: String },
    /// TLS failed (certificate not trusted, handshake refused).
    #[error("не удалось установить защищённое соединение (TLS) с ПроДокторов ({cause})")]
    Tls { cause: String },
    /// No complete answer in time.
    #[error("ПроДокторов не ответил за {} с", .after.as_secs_f32())]
    Timeout { after: Duration },
    /// HTTP 401 or 403: the login, password or token is wrong.
    #[error("ПроДокторов не принял логин и пароль или токен (HTTP {status}: {body})")]
    Auth { status: u16, body: String },
    /// Another non-2xx status.
    #[error("ПроДокторов ответил ошибкой (HTTP {status}: {body})")]
    Http { status: u16, body: String },
    /// The connection broke while sending or reading.
    #[error("соединение с ПроДокторов оборвалось ({cause})")]
    Io { cause: String },
}

impl UploadError {
    /// Whether the next cycle may succeed without anyone acting.
    pub fn is_transient(&self) -> bool {
        match self {
            UploadError::Connect { .. } | UploadError::Timeout { .. } | UploadError::Io { .. } => {
                true
            }
            UploadError::Http { status, .. } => matches!(status, 500..=599 | 408 | 429),
            UploadError::Config(_) | UploadError::Tls { .. } | UploadError::Auth { .. } => false,
        }
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, UploadError::Timeout { .. })
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            UploadError::Auth { status, .. } | UploadError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The answer's excerpt, when there was one.
    pub fn answer(&self) -> Option<&str> {
        match self {
            UploadError::Auth { body, .. } | UploadError::Http { body, .. } => Some(body),
            _ => None,
        }
    }
}

/// The request body of the old API: `login=…&password=…&cells=<document>`.
pub fn old_api_form(login: &str, password: &str, document: &str) -> String {
    format!(
        "login={}&password={}&cells={}",
        form_encode(login),
        form_encode(password),
        form_encode(document)
    )
}

/// `application/x-www-form-urlencoded` encoding of one value (spaces as `+`).
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
    out
}

/// Uploads `document` (the §1.1 JSON text, unwrapped: v2 wraps it here).
pub fn upload(cfg: &UploadConfig, document: &str) -> Result<Accepted, UploadError> {
    let HttpSetup {
        url,
        total,
        builder,
    } = http_setup(
        &cfg.url,
        "адрес выгрузки",
        cfg.timeout,
        DEFAULT_TIMEOUT,
        cfg.connect_timeout,
    )
    .map_err(UploadError::Config)?;
    let secrets = cfg.secrets();
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let client = builder.build().map_err(|e| {
        UploadError::Config(format!(
            "не удалось подготовить HTTP-клиент ({})",
            cause_in_russian(&e)
        ))
    })?;
    let mut req = client
        .post(url)
        .timeout(total)
        .header(ACCEPT, "application/json");
    req = match cfg.api {
        UploadApi::Old => req
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .body(old_api_form(&cfg.login, cfg.password.expose(), document)),
        UploadApi::V2 => {
            let mut value = HeaderValue::from_str(&format!("Token {}", cfg.token.expose()))
                .map_err(|_| {
                    UploadError::Config("в токене есть символы, недопустимые в HTTP".into())
                })?;
            value.set_sensitive(true);
            req.header(AUTHORIZATION, value)
                .header(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=utf-8"),
                )
                .body(crate::wire::export::wrap_v2(document))
        }
    };
    let got = exchange(req, total, MAX_ANSWER_BYTES, &secret_refs)?;
    let answer = scrub(
        &excerpt(&String::from_utf8_lossy(&got.body), QUOTE_CHARS),
        &secret_refs,
    );
    classify(got.status, answer, got.elapsed)
}

impl From<HttpFailure> for UploadError {
    fn from(f: HttpFailure) -> Self {
        match f {
            HttpFailure::Timeout { after, .. } => UploadError::Timeout { after },
            HttpFailure::Tls(cause) => UploadError::Tls { cause },
            HttpFailure::Connect(cause) => UploadError::Connect { cause },
            HttpFailure::Config(cause) => UploadError::Config(cause),
            HttpFailure::Io(cause) => UploadError::Io { cause },
        }
    }
}

/// 2xx → accepted; 401/403 → credentials; anything else → HTTP error.
pub fn classify(status: u16, answer: String, elapsed: Duration) -> Result<Accepted, UploadError> {
    match status {
        200..=299 => Ok(Accepted {
            status,
            answer,
            elapsed,
        }),
        401 | 403 => Err(UploadError::Auth {
            status,
            body: answer,
        }),
        _ => Err(UploadError::Http {
            status,
            body: answer,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_url_encoded() {
        assert_eq!(form_encode("a b&c=d"), "a+b%26c%3Dd");
        assert_eq!(form_encode("Ж"), "%D0%96");
        assert_eq!(
            old_api_form("clinic", "p&ss", "{\"1\":\"x\"}"),
            "login=clinic&password=p%26ss&cells=%7B%221%22%3A%22x%22%7D"
        );
    }

    #[test]
    fn answers_are_classified() {
        let d = Duration::from_millis(5);
        assert!(classify(200, "ok".into(), d).is_ok());
        assert!(classify(204, String::new(), d).is_ok());
        let auth = classify(401, "bad token".into(), d).unwrap_err();
        assert_eq!(auth.status(), Some(401));
        assert!(!auth.is_transient());
        assert!(classify(503, String::new(), d).unwrap_err().is_transient());
        assert!(!classify(400, String::new(), d).unwrap_err().is_transient());
    }

    #[test]
    fn debug_and_host_hide_secrets() {
        let mut c = UploadConfig::new(
            "https://user:pw@api.example:8443/mis/send_cells/?key=k",
            UploadApi::Old,
        );
        c.password = Secret::new("hunter22");
        c.token = Secret::new("tok-secret");
        let d = format!("{c:?}");
        assert!(!d.contains("hunter22") && !d.contains("tok-secret"), "{d}");
        assert_eq!(c.host(), "api.example:8443");
    }

    #[test]
    fn refuses_bad_urls_without_sending() {
        let e = upload(&UploadConfig::new("ftp://x/", UploadApi::Old), "{}").unwrap_err();
        assert!(matches!(e, UploadError::Config(_)));
    }
}
