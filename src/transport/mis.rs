//! Booking delivery to the MIS over HTTP: the §2.1 direct-booking JSON (mis-exchange.md §2.2.1)
//! or the ProDoctorov v2 / MedFlex JSON (§2.3), and the admin's connection check.
//!
//! - The payload is built elsewhere (`wire::booking`) and stored with the booking; it is sent
//!   **byte for byte**, so a retry repeats exactly the same request.
//! - One blocking reqwest client per call: never at startup, never shared across a `fork`
//!   (its runtime thread would not survive it). A booking is a rare event; the cost is a few
//!   milliseconds.
//! - The whole call — connect, send, answer headers and body — is bounded by
//!   [`MisConfig::timeout`], 10 s by default as the contract requires; connecting has a shorter
//!   bound of its own.
//! - Redirects are not followed: a `POST` turned into a `GET` would lose the booking.
//!
//! The answer becomes an [`Outcome`]: confirmed, refused, or unknown ([`MisError`]) — and an
//! unknown booking is kept and retried with the same payload, never dropped.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use thiserror::Error;

use super::{
    cause_in_russian, excerpt, exchange, http_setup, parse_pem_certs, HttpFailure, HttpSetup,
    Secret,
};
use crate::wire::booking::{parse_mis_answer, parse_v2_answer, MisAnswer, V2Answer};

/// The contract's bound for the whole call (§2.1).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound for opening the connection (within the total).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(4);
/// An answer is a few dozen bytes; more than this is not read.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// How much of an unexpected answer an error quotes.
const QUOTE_CHARS: usize = 200;

/// How the site authenticates to the MIS. `Debug` hides the secrets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MisAuth {
    #[default]
    None,
    /// HTTP Basic (§2.1).
    Basic { user: String, password: Secret },
    /// `Authorization: Token <token>` (ProDoctorov v2 style).
    Token(Secret),
}

/// Which booking format the MIS speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// §2.1: `{"success": …, "error": …}` answers.
    #[default]
    Direct,
    /// §2.3: `{"status_code": 204 | 416 | 423 | 409, …}` answers.
    V2,
}

/// Where and how bookings are delivered.
#[derive(Debug, Clone)]
pub struct MisConfig {
    /// The MIS's booking URL (`http://` or `https://`).
    pub url: String,
    pub auth: MisAuth,
    pub format: Format,
    /// Bound for the whole call (default 10 s).
    pub timeout: Duration,
    /// Bound for connecting (default 4 s; never more than `timeout`).
    pub connect_timeout: Duration,
    /// Extra trusted CA certificates (PEM) for an MIS with a private CA; the system store is
    /// always used.
    pub extra_ca_pem: Option<String>,
}

impl MisConfig {
    /// Settings with the defaults: no auth, §2.1 format, 10 s.
    pub fn new(url: impl Into<String>) -> Self {
        MisConfig {
            url: url.into(),
            auth: MisAuth::None,
            format: Format::Direct,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            extra_ca_pem: None,
        }
    }

    fn secrets(&self) -> Vec<String> {
        match &self.auth {
            MisAuth::None => Vec::new(),
            MisAuth::Basic { user, password } => {
                use base64::Engine as _;
                // the Basic `Authorization` value, to scrub from texts too
                let basic = format!("{user}:{}", password.expose());
                vec![
                    password.expose().to_owned(),
                    base64::engine::general_purpose::STANDARD.encode(basic),
                ]
            }
            MisAuth::Token(token) => vec![token.expose().to_owned()],
        }
    }
}

/// What became of a booking sent to the MIS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The MIS took the booking. `claim_id`: the MIS's own id, when it gave one (v2).
    Confirmed {
        status: u16,
        claim_id: Option<String>,
    },
    /// The MIS refused it: `reason` as the MIS said it (may be empty), or in words for v2.
    /// `taken`: the refusal may mean the time is booked already — possibly by an earlier attempt
    /// of this very booking that got no answer. Every §2.1 refusal (its reason is free text),
    /// v2's 423 (slot busy) and 409 (patient booked at that time); not v2's 416 (no such slot).
    Refused {
        status: u16,
        reason: String,
        taken: bool,
    },
    /// Nobody knows whether the MIS has it: keep the booking, retry later with the same payload,
    /// alert.
    Unknown(MisError),
}

impl Outcome {
    /// Whether retrying may change an unknown outcome without anyone acting (false for answers).
    pub fn is_transient(&self) -> bool {
        matches!(self, Outcome::Unknown(e) if e.is_transient())
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, Outcome::Unknown(e) if e.is_timeout())
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Confirmed { status, .. } | Outcome::Refused { status, .. } => Some(*status),
            Outcome::Unknown(e) => e.status(),
        }
    }
}

/// Why the outcome is unknown (or why a check failed). Messages are for the clinic's staff: in
/// Russian, the technical detail in parentheses; they never contain the password, the token or
/// the `Authorization` header.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MisError {
    /// The settings cannot work (not an http(s) URL, unreadable CA PEM). Nothing was sent.
    #[error("настройки МИС неверны ({0})")]
    Config(String),
    /// The MIS could not be reached (name not resolved, connection refused, unreachable).
    /// Nothing was sent.
    #[error("нет соединения с МИС ({cause})")]
    Connect { cause: String },
    /// TLS failed (certificate not trusted, handshake refused). Nothing was sent.
    #[error("не удалось установить защищённое соединение (TLS) с МИС ({cause})")]
    Tls { cause: String },
    /// No complete answer in time. `connecting`: the time ran out while connecting (nothing
    /// was sent); otherwise the MIS may have the booking.
    #[error("МИС не ответила за {} с{}", .after.as_secs_f32(), if *.connecting { " (не удалось подключиться)" } else { "" })]
    Timeout { after: Duration, connecting: bool },
    /// HTTP 401 or 403: the login, password or token is wrong.
    #[error("МИС не приняла логин и пароль или токен (HTTP {status})")]
    Auth { status: u16 },
    /// Another HTTP status that is not an answer (3xx, 5xx, most 4xx).
    #[error("МИС ответила ошибкой (HTTP {status}{})", if .body.is_empty() { String::new() } else { format!(": {}", .body) })]
    Http { status: u16, body: String },
    /// A 2xx answer whose body is not the expected JSON.
    #[error("МИС прислала непонятный ответ (HTTP {status}, {cause}: {body})")]
    BadAnswer {
        status: u16,
        cause: String,
        body: String,
    },
    /// The connection broke while sending or reading.
    #[error("соединение с МИС оборвалось ({cause})")]
    Io { cause: String },
}

impl MisError {
    /// Whether a later retry may succeed without anyone acting: network trouble, time-outs,
    /// 5xx, 408, 429. Settings, credentials, TLS trust and unreadable answers need a person
    /// (the booking is still kept and retried).
    pub fn is_transient(&self) -> bool {
        match self {
            MisError::Connect { .. } | MisError::Timeout { .. } | MisError::Io { .. } => true,
            MisError::Http { status, .. } => matches!(status, 500..=599 | 408 | 429),
            MisError::Config(_)
            | MisError::Tls { .. }
            | MisError::Auth { .. }
            | MisError::BadAnswer { .. } => false,
        }
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, MisError::Timeout { .. })
    }

    /// The HTTP status, when the MIS answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            MisError::Auth { status }
            | MisError::Http { status, .. }
            | MisError::BadAnswer { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the request may have reached the MIS (so it may hold the booking). `false`
    /// means certainly not delivered.
    pub fn may_have_arrived(&self) -> bool {
        match self {
            MisError::Config(_) | MisError::Connect { .. } | MisError::Tls { .. } => false,
            MisError::Timeout { connecting, .. } => !connecting,
            _ => true,
        }
    }
}

/// POSTs `payload` (the stored JSON, unchanged) and reads the answer per [`MisConfig::format`].
pub fn deliver(cfg: &MisConfig, payload: &str) -> Outcome {
    match request(cfg, Method::POST, Some(payload)) {
        Ok((status, body)) => match cfg.format {
            Format::Direct => classify_direct(status, &body),
            Format::V2 => classify_v2(status, &body),
        },
        Err(e) => Outcome::Unknown(e),
    }
}

/// Reads a §2.1 answer. 401/403 → auth; 2xx → the `{"success": …}` JSON; another 4xx whose
/// body is `{"success": false, …}` is a refusal too (some MIS send refusals as 400/409);
/// anything else → unknown.
pub fn classify_direct(status: u16, body: &str) -> Outcome {
    if status == 401 || status == 403 {
        return Outcome::Unknown(MisError::Auth { status });
    }
    let answer = parse_mis_answer(body);
    match (status, answer) {
        (200..=299, Ok(MisAnswer::Accepted)) => Outcome::Confirmed {
            status,
            claim_id: None,
        },
        (200..=299 | 400..=499, Ok(MisAnswer::Refused(reason))) => Outcome::Refused {
            status,
            reason,
            taken: true,
        },
        (200..=299, Err(e)) => Outcome::Unknown(MisError::BadAnswer {
            status,
            cause: e.0,
            body: excerpt(body, QUOTE_CHARS),
        }),
        _ => Outcome::Unknown(MisError::Http {
            status,
            body: excerpt(body, QUOTE_CHARS),
        }),
    }
}

/// Reads a v2 answer: the `status_code` in a 2xx body (204 booked; 416, 423, 409 refused), an
/// empty HTTP 204, or HTTP 416/423/409 themselves. 401/403 → auth; anything else → unknown.
pub fn classify_v2(status: u16, body: &str) -> Outcome {
    if status == 401 || status == 403 {
        return Outcome::Unknown(MisError::Auth { status });
    }
    let v2 = |answer: V2Answer| match answer {
        V2Answer::Accepted { claim_id } => Outcome::Confirmed { status, claim_id },
        refused => Outcome::Refused {
            status,
            reason: refused.refusal().unwrap_or_default().to_owned(),
            taken: refused != V2Answer::NoSuchSlot,
        },
    };
    match status {
        204 if body.trim().is_empty() => Outcome::Confirmed {
            status,
            claim_id: None,
        },
        200..=299 => match parse_v2_answer(body) {
            Ok(answer) => v2(answer),
            Err(e) => Outcome::Unknown(MisError::BadAnswer {
                status,
                cause: e.0,
                body: excerpt(body, QUOTE_CHARS),
            }),
        },
        409 | 416 | 423 => match parse_v2_answer(body) {
            Ok(answer @ (V2Answer::NoSuchSlot | V2Answer::SlotBusy | V2Answer::PatientBusy)) => {
                v2(answer)
            }
            _ => v2(match status {
                409 => V2Answer::PatientBusy,
                416 => V2Answer::NoSuchSlot,
                _ => V2Answer::SlotBusy,
            }),
        },
        _ => Outcome::Unknown(MisError::Http {
            status,
            body: excerpt(body, QUOTE_CHARS),
        }),
    }
}

/// What the admin's "Проверить соединение" reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MisCheck {
    /// The HTTP status of a `HEAD` to the booking URL, below 500 (many booking endpoints answer
    /// 404/405 to `HEAD`: the MIS is there).
    pub status: u16,
    pub elapsed: Duration,
}

/// Checks that the MIS answers at the configured URL without booking anything: a `HEAD` with
/// the configured credentials. 401/403 → [`MisError::Auth`]; 5xx → [`MisError::Http`] (the
/// server is there but failing: a booking would not be taken).
pub fn check(cfg: &MisConfig) -> Result<MisCheck, MisError> {
    let started = Instant::now();
    let (status, _) = request(cfg, Method::HEAD, None)?;
    if status == 401 || status == 403 {
        return Err(MisError::Auth { status });
    }
    if status >= 500 {
        return Err(MisError::Http {
            status,
            body: String::new(),
        });
    }
    Ok(MisCheck {
        status,
        elapsed: started.elapsed(),
    })
}

/// The HTTP client for this MIS's timeouts and CA, made once per process and reused: building
/// one (a runtime thread, the TLS roots) cost more than a booking's own work. No connection is
/// kept between calls (each call connects anew, as before): a booking is never sent on a
/// connection the MIS may have closed meanwhile.
fn kept_client(
    cfg: &MisConfig,
    builder: reqwest::blocking::ClientBuilder,
) -> Result<reqwest::blocking::Client, reqwest::Error> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CLIENTS: OnceLock<Mutex<HashMap<String, reqwest::blocking::Client>>> = OnceLock::new();
    let key = format!(
        "{:?}|{:?}|{}",
        cfg.timeout,
        cfg.connect_timeout,
        cfg.extra_ca_pem.as_deref().unwrap_or("")
    );
    let clients = CLIENTS.get_or_init(Default::default);
    if let Some(c) = clients.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(c.clone());
    }
    let client = builder.pool_max_idle_per_host(0).build()?;
    let mut map = clients.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() >= 8 {
        map.clear();
    }
    map.insert(key, client.clone());
    Ok(client)
}
/// One request with a fresh client; returns the status and (at most 64 KiB of) the body.
fn request(
    cfg: &MisConfig,
    method: Method,
    payload: Option<&str>,
) -> Result<(u16, String), MisError> {
    let HttpSetup {
        url,
        total,
        mut builder,
    } = http_setup(
        &cfg.url,
        "адрес МИС",
        cfg.timeout,
        DEFAULT_TIMEOUT,
        cfg.connect_timeout,
    )
    .map_err(MisError::Config)?;
    let secrets = cfg.secrets();
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    if let Some(pem) = cfg.extra_ca_pem.as_deref().filter(|p| !p.trim().is_empty()) {
        parse_pem_certs(pem).map_err(MisError::Config)?;
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
            MisError::Config(format!(
                "сертификат удостоверяющего центра не подходит ({})",
                cause_in_russian(&e)
            ))
        })?;
        builder = builder.tls_certs_merge(certs);
    }
    let client = kept_client(cfg, builder).map_err(|e| {
        MisError::Config(format!(
            "не удалось подготовить HTTP-клиент ({})",
            cause_in_russian(&e)
        ))
    })?;

    // The request's own timeout bounds the body too (reqwest applies it until the body ends).
    let mut req = client
        .request(method, url)
        .timeout(total)
        .header(ACCEPT, "application/json");
    if let Some(body) = payload {
        req = req
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            )
            .body(body.to_owned());
    }
    req = match &cfg.auth {
        MisAuth::None => req,
        MisAuth::Basic { user, password } => req.basic_auth(user, Some(password.expose())),
        MisAuth::Token(token) => {
            let mut value =
                HeaderValue::from_str(&format!("Token {}", token.expose())).map_err(|_| {
                    MisError::Config("в токене есть символы, недопустимые в HTTP".into())
                })?;
            value.set_sensitive(true);
            req.header(AUTHORIZATION, value)
        }
    };

    let answer = exchange(req, total, MAX_ANSWER_BYTES, &secret_refs)?;
    Ok((
        answer.status,
        String::from_utf8_lossy(&answer.body).into_owned(),
    ))
}

impl From<HttpFailure> for MisError {
    fn from(f: HttpFailure) -> Self {
        match f {
            HttpFailure::Timeout { after, connecting } => MisError::Timeout { after, connecting },
            HttpFailure::Tls(cause) => MisError::Tls { cause },
            HttpFailure::Connect(cause) => MisError::Connect { cause },
            HttpFailure::Config(cause) => MisError::Config(cause),
            HttpFailure::Io(cause) => MisError::Io { cause },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_total_timeout_is_ten_seconds() {
        let cfg = MisConfig::new("http://mis.example/book");
        assert_eq!(cfg.timeout, Duration::from_secs(10));
        assert!(cfg.connect_timeout < cfg.timeout);
    }

    #[test]
    fn reads_direct_answers() {
        assert_eq!(
            classify_direct(200, r#"{"success": true}"#),
            Outcome::Confirmed {
                status: 200,
                claim_id: None
            }
        );
        assert_eq!(
            classify_direct(200, r#"{"success": false, "error": "Слот занят"}"#),
            Outcome::Refused {
                status: 200,
                reason: "Слот занят".into(),
                taken: true
            }
        );
        assert_eq!(
            classify_direct(409, r#"{"success": false, "error": "busy"}"#),
            Outcome::Refused {
                status: 409,
                reason: "busy".into(),
                taken: true
            }
        );
        let garbage = classify_direct(200, "<html>oops</html>");
        assert!(matches!(
            garbage,
            Outcome::Unknown(MisError::BadAnswer { status: 200, .. })
        ));
        assert!(!garbage.is_transient());
        let five = classify_direct(502, r#"{"success": false}"#);
        assert!(five.is_transient());
        assert_eq!(five.status(), Some(502));
        let auth = classify_direct(401, "");
        assert!(matches!(
            auth,
            Outcome::Unknown(MisError::Auth { status: 401 })
        ));
        assert!(!auth.is_transient());
        assert!(matches!(
            classify_direct(404, "not here"),
            Outcome::Unknown(MisError::Http { status: 404, .. })
        ));
        assert!(matches!(
            classify_direct(302, ""),
            Outcome::Unknown(MisError::Http { status: 302, .. })
        ));
    }

    #[test]
    fn reads_v2_answers() {
        assert_eq!(
            classify_v2(200, r#"{"status_code": 204, "claim_id": "A-1"}"#),
            Outcome::Confirmed {
                status: 200,
                claim_id: Some("A-1".into())
            }
        );
        assert_eq!(
            classify_v2(204, ""),
            Outcome::Confirmed {
                status: 204,
                claim_id: None
            }
        );
        for (code, reason, taken) in [
            (416, "в расписании МИС нет такого времени", false),
            (423, "время уже занято", true),
            (409, "пациент уже записан на это время", true),
        ] {
            assert_eq!(
                classify_v2(200, &format!(r#"{{"status_code": {code}}}"#)),
                Outcome::Refused {
                    status: 200,
                    reason: reason.into(),
                    taken
                }
            );
            assert_eq!(
                classify_v2(code, "<html/>"),
                Outcome::Refused {
                    status: code,
                    reason: reason.into(),
                    taken
                }
            );
        }
        assert!(matches!(
            classify_v2(200, r#"{"status_code": 500}"#),
            Outcome::Unknown(MisError::BadAnswer { .. })
        ));
        assert!(matches!(
            classify_v2(403, ""),
            Outcome::Unknown(MisError::Auth { status: 403 })
        ));
        assert!(classify_v2(503, "").is_transient());
    }

    #[test]
    fn only_network_failures_are_transient() {
        assert!(MisError::Timeout {
            after: DEFAULT_TIMEOUT,
            connecting: false
        }
        .is_transient());
        assert!(MisError::Http {
            status: 429,
            body: String::new()
        }
        .is_transient());
        assert!(!MisError::Config("x".into()).is_transient());
        assert!(!MisError::Connect { cause: "x".into() }.may_have_arrived());
        assert!(MisError::Timeout {
            after: DEFAULT_TIMEOUT,
            connecting: false
        }
        .may_have_arrived());
    }

    #[test]
    fn refuses_non_http_urls_without_sending() {
        let e = request(&MisConfig::new("ftp://x/y"), Method::POST, Some("{}")).unwrap_err();
        assert!(matches!(e, MisError::Config(_)));
        let e = request(&MisConfig::new("not a url"), Method::POST, Some("{}")).unwrap_err();
        assert!(!e.may_have_arrived());
    }

    #[test]
    fn secrets_include_the_basic_header_value() {
        let mut cfg = MisConfig::new("http://x/");
        cfg.auth = MisAuth::Basic {
            user: "user".into(),
            password: Secret::new("pass"),
        };
        assert_eq!(cfg.secrets(), ["pass", "dXNlcjpwYXNz"]);
        assert!(!format!("{cfg:?}").contains("pass\""));
    }
}
