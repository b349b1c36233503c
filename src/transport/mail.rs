//! Alert e-mail over SMTP (mis-exchange.md §3): one plain-text UTF-8 message to every
//! configured recipient.
//!
//! Each call opens one connection with lettre's `SmtpConnection` and closes it at the end: no
//! pool, no thread (lettre's pool owns a thread, which must not be created at startup or carried
//! across a `fork`). Deciding *when* to send (first appearance, reminders, resolution) is the
//! alert layer's job.
//!
//! Protection: SMTPS and STARTTLS, when the settings choose them, must succeed. With "no
//! encryption" chosen, a server that offers STARTTLS gets it all the same, the certificate
//! checked as in the STARTTLS mode; should that upgrade fail, the message goes in plain text as
//! it did before, on a new connection made before anything of the message or the login was sent.
//! [`send`] and [`check`] say which of these happened ([`Protection`]).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;
use thiserror::Error;

use super::{
    cause_in_russian, chain_has_timeout, chain_tls_error, ensure_crypto_provider, error_chain,
    scrub, Protection, Secret,
};

/// The client's list (§3).
pub const DEFAULT_RECIPIENTS: [&str; 3] = [
    "klinmed@yandex.ru",
    "diggy@yandex.ru",
    "info@angioclinic.ru",
];
/// Default bound for connecting and for each read or write.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// Plain text (a local relay on port 25).
    None,
    /// Plain connection upgraded with `STARTTLS`, which must succeed (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl SmtpSecurity {
    /// The usual port for this mode.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::None => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
        }
    }
}

/// SMTP settings. `Debug` hides the password.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Login; empty means no authentication.
    pub user: String,
    pub password: Secret,
    /// `robot@clinic.ru` or `Запись на приём <robot@clinic.ru>`.
    pub from: String,
    /// Every message goes to all of them (default: the client's list).
    pub recipients: Vec<String>,
    /// Bound for connecting and for each read or write (default 15 s).
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM) for a relay with a private CA.
    pub extra_ca_pem: Option<String>,
}

impl MailConfig {
    /// STARTTLS on port 587, no login, the client's recipients.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> Self {
        MailConfig {
            host: host.into(),
            port: SmtpSecurity::StartTls.default_port(),
            security: SmtpSecurity::StartTls,
            user: String::new(),
            password: Secret::default(),
            from: from.into(),
            recipients: DEFAULT_RECIPIENTS.iter().map(|s| s.to_string()).collect(),
            timeout: DEFAULT_TIMEOUT,
            extra_ca_pem: None,
        }
    }

    /// `host:port`, as errors and observations name the server.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host.trim(), self.port)
    }
}

/// A message could not be sent. Messages are for the clinic's staff: in Russian, the technical
/// detail in parentheses; they never contain the password.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MailError {
    /// The settings cannot work: no host, no recipients, an address that is not an address,
    /// an unreadable CA PEM. Nothing was sent.
    #[error("настройки почты неверны ({0})")]
    Config(String),
    /// The server could not be reached, or the connection broke.
    #[error("нет соединения с SMTP-сервером {addr} ({cause})")]
    Connect { addr: String, cause: String },
    /// The server did not answer in time.
    #[error("SMTP-сервер {addr} не ответил вовремя")]
    Timeout { addr: String },
    /// TLS failed: STARTTLS not offered, certificate not trusted, handshake error.
    #[error("не удалось установить защищённое соединение (TLS) с SMTP-сервером {addr} ({cause})")]
    Tls { addr: String, cause: String },
    /// The server refused the login (530/534/535/538).
    #[error("SMTP-сервер {addr} не принял логин «{user}» и пароль ({code}: {reply})")]
    Auth {
        addr: String,
        user: String,
        code: u16,
        reply: String,
    },
    /// A 4xx reply: try again later (greylisting, mailbox busy, rate limit).
    #[error("SMTP-сервер временно отказал ({code}: {reply})")]
    Temporary { code: u16, reply: String },
    /// A 5xx reply other than a login failure (sender or recipient refused, message refused).
    #[error("SMTP-сервер отказал ({code}: {reply})")]
    Rejected { code: u16, reply: String },
    /// The server's reply could not be read.
    #[error("SMTP-сервер {addr} прислал непонятный ответ ({cause})")]
    Protocol { addr: String, cause: String },
}

impl MailError {
    /// Whether sending later may succeed without anyone acting (network trouble, time-outs,
    /// 4xx replies).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            MailError::Connect { .. }
                | MailError::Timeout { .. }
                | MailError::Temporary { .. }
                | MailError::Protocol { .. }
        )
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, MailError::Timeout { .. })
    }

    /// The SMTP reply code, when the error is a reply.
    pub fn status(&self) -> Option<u16> {
        match self {
            MailError::Temporary { code, .. }
            | MailError::Rejected { code, .. }
            | MailError::Auth { code, .. } => Some(*code),
            _ => None,
        }
    }
}

fn parse_mailbox(what: &str, text: &str) -> Result<Mailbox, MailError> {
    text.trim().parse::<Mailbox>().map_err(|_| {
        MailError::Config(format!(
            "{what} «{}» — не адрес электронной почты",
            text.trim()
        ))
    })
}

/// The message as it will be sent: `From`, all recipients in `To`, UTF-8 subject (RFC 2047
/// encoded on the wire) and plain-text UTF-8 body.
pub fn build_message(cfg: &MailConfig, subject: &str, body: &str) -> Result<Message, MailError> {
    let recipients: Vec<&str> = cfg
        .recipients
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .collect();
    if recipients.is_empty() {
        return Err(MailError::Config("не указаны получатели".into()));
    }
    let mut builder = Message::builder()
        .from(parse_mailbox("адрес отправителя", &cfg.from)?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN);
    for r in recipients {
        builder = builder.to(parse_mailbox("адрес получателя", r)?);
    }
    builder
        .body(body.to_owned())
        .map_err(|_| MailError::Config("письмо не удалось составить".into()))
}

/// The TLS parameters of `cfg`'s host: the system's roots (webpki) plus the configured extra CA.
fn tls_parameters(cfg: &MailConfig, host: &str) -> Result<TlsParameters, MailError> {
    ensure_crypto_provider();
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(pem) = cfg.extra_ca_pem.as_deref().filter(|p| !p.trim().is_empty()) {
        let cert = Certificate::from_pem(pem.as_bytes()).map_err(|_| {
            MailError::Config("сертификат удостоверяющего центра — не текст PEM".into())
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build_rustls().map_err(|e| MailError::Tls {
        addr: format!("{host}:{}", cfg.port),
        cause: cause_in_russian(&e),
    })
}

/// An open SMTP session, greeted (EHLO), protected as the settings say or as the server allows,
/// logged in when a login is set; nothing of a message has been sent on it yet. Dropping it
/// closes the socket; [`Session::close`] says QUIT first.
struct Session {
    conn: SmtpConnection,
    protection: Protection,
}

impl Session {
    fn close(mut self) {
        // QUIT, ignoring the answer (what lettre's transport does after a message), then close
        self.conn.abort();
    }
}

/// Connects and greets: TLS from the first byte (SMTPS) or plain text.
fn greet(
    cfg: &MailConfig,
    host: &str,
    hello: &ClientId,
    wrapper: Option<&TlsParameters>,
) -> Result<SmtpConnection, MailError> {
    SmtpConnection::connect::<(&str, u16)>(
        (host, cfg.port),
        Some(cfg.timeout.max(Duration::from_millis(1))),
        hello,
        wrapper,
        None,
    )
    .map_err(|e| classify(cfg, e))
}

/// Opens a [`Session`]. With `SmtpSecurity::None` a server that offers STARTTLS gets it
/// (opportunistic TLS, the certificate verified exactly as in the STARTTLS mode); when that
/// upgrade fails the connection is made again in plain text, as before, and the session says
/// why ([`Protection::FellBack`]). This happens before the login and before `MAIL FROM`, so
/// nothing is sent twice. With STARTTLS or TLS demanded, a TLS failure is an error.
fn open(cfg: &MailConfig) -> Result<Session, MailError> {
    let host = cfg.host.trim();
    if host.is_empty() {
        return Err(MailError::Config("не указан SMTP-сервер".into()));
    }
    let hello = ClientId::default();
    let (conn, protection) = match cfg.security {
        SmtpSecurity::Tls => {
            let tls = tls_parameters(cfg, host)?;
            (greet(cfg, host, &hello, Some(&tls))?, Protection::Required)
        }
        SmtpSecurity::StartTls => {
            let tls = tls_parameters(cfg, host)?;
            let mut conn = greet(cfg, host, &hello, None)?;
            if !conn.can_starttls() {
                conn.abort();
                return Err(MailError::Tls {
                    addr: format!("{host}:{}", cfg.port),
                    cause: "сервер не предлагает STARTTLS".into(),
                });
            }
            conn.starttls(&tls, &hello).map_err(|e| classify(cfg, e))?;
            (conn, Protection::Required)
        }
        SmtpSecurity::None => {
            let mut conn = greet(cfg, host, &hello, None)?;
            if !conn.can_starttls() {
                (conn, Protection::NotOffered)
            } else {
                match upgrade(cfg, host, &hello, &mut conn) {
                    Ok(()) => (conn, Protection::Upgraded),
                    Err(cause) => {
                        conn.abort();
                        let conn = greet(cfg, host, &hello, None)?;
                        (conn, Protection::FellBack { cause })
                    }
                }
            }
        }
    };
    let mut session = Session { conn, protection };
    if !cfg.user.is_empty() {
        let credentials = Credentials::new(cfg.user.clone(), cfg.password.expose().to_owned());
        if let Err(e) = session.conn.auth(DEFAULT_MECHANISMS, &credentials) {
            session.conn.abort();
            return Err(match (&session.protection, session.refused(cfg, e)) {
                // no AUTH offered in plain text (a server that logs in over TLS only)
                (Protection::FellBack { cause }, MailError::Config(_)) => MailError::Tls {
                    addr: cfg.addr(),
                    cause: format!(
                        "{cause}; без шифрования сервер не предлагает вход по логину и паролю"
                    ),
                },
                (_, err) => err,
            });
        }
    }
    Ok(session)
}

impl Session {
    /// An error on this session, classified. A server that takes nothing in plain text answers
    /// the login or `MAIL FROM` of a fallen-back session with 538 («encryption required») or a
    /// 530 that asks for STARTTLS (530 alone may also mean «log in first»): that is the failed
    /// upgrade's fault, not the login's, and is said so.
    fn refused(&self, cfg: &MailConfig, err: lettre::transport::smtp::Error) -> MailError {
        let err = classify(cfg, err);
        match (&self.protection, err) {
            (
                Protection::FellBack { cause },
                MailError::Auth { code, reply, .. } | MailError::Rejected { code, reply },
            ) if code == 538 || (code == 530 && asks_for_tls(&reply)) => MailError::Tls {
                addr: cfg.addr(),
                cause: format!(
                    "{cause}; без шифрования сервер не принимает письма ({code}: {reply})"
                ),
            },
            (_, err) => err,
        }
    }
}

/// The opportunistic STARTTLS of a plain session: `Err` is why it failed, in Russian, for
/// [`Protection::FellBack`].
fn upgrade(
    cfg: &MailConfig,
    host: &str,
    hello: &ClientId,
    conn: &mut SmtpConnection,
) -> Result<(), String> {
    let tls = tls_parameters(cfg, host).map_err(|e| match e {
        MailError::Config(why) | MailError::Tls { cause: why, .. } => why,
        other => other.to_string(),
    })?;
    conn.starttls(&tls, hello)
        .map_err(|e| match classify(cfg, e) {
            MailError::Tls { cause, .. } => cause,
            MailError::Timeout { .. } => {
                "сервер не ответил вовремя при установке защищённого соединения".into()
            }
            MailError::Temporary { code, reply } | MailError::Rejected { code, reply } => {
                format!("сервер отказался начать TLS ({code}: {reply})")
            }
            MailError::Connect { cause, .. } | MailError::Protocol { cause, .. } => cause,
            other => other.to_string(),
        })
}

/// Whether a server's reply asks for TLS («Must issue a STARTTLS command first»).
fn asks_for_tls(reply: &str) -> bool {
    let reply = reply.to_ascii_lowercase();
    reply.contains("tls") || reply.contains("encrypt")
}

fn classify(cfg: &MailConfig, err: lettre::transport::smtp::Error) -> MailError {
    let addr = format!("{}:{}", cfg.host.trim(), cfg.port);
    let secret = cfg.password.expose();
    let cause = scrub(&error_chain(&err), &[secret]);
    if let Some(code) = err.status() {
        let code = u16::from(code);
        // lettre's text is "permanent error (535): <reply>"; keep the server's words.
        let reply = cause
            .split_once("): ")
            .map(|(_, r)| r.to_owned())
            .unwrap_or_else(|| cause.clone());
        return match code {
            530 | 534 | 535 | 538 => MailError::Auth {
                addr,
                user: cfg.user.clone(),
                code,
                reply,
            },
            400..=499 => MailError::Temporary { code, reply },
            _ => MailError::Rejected { code, reply },
        };
    }
    if err.is_timeout() || chain_has_timeout(&err) {
        return MailError::Timeout { addr };
    }
    if err.is_tls() || chain_tls_error(&err).is_some() {
        return MailError::Tls {
            addr,
            cause: cause_in_russian(&err),
        };
    }
    if err.is_response() {
        // the server's own words, as a refusal's reply is kept
        return MailError::Protocol { addr, cause };
    }
    if err.is_client() {
        return MailError::Config("письмо или настройки почты не подходят SMTP".into());
    }
    MailError::Connect {
        addr,
        cause: cause_in_russian(&err),
    }
}

/// How a letter's or a check's connection was protected, in Russian, for «Проверить соединение».
pub fn protection_text(protection: &Protection) -> String {
    protection.in_russian("TLS", "защита «STARTTLS» в настройках")
}

/// Sends one plain-text message to all recipients; says how the connection was protected.
pub fn send(cfg: &MailConfig, subject: &str, body: &str) -> Result<Protection, MailError> {
    let message = build_message(cfg, subject, body)?;
    let mut session = open(cfg)?;
    match session.conn.send(message.envelope(), &message.formatted()) {
        Ok(_) => {
            let protection = session.protection.clone();
            session.close();
            Ok(protection)
        }
        // lettre aborted the connection already
        Err(e) => Err(session.refused(cfg, e)),
    }
}

/// The admin's "Проверить соединение": connect, greet, TLS and login as configured, NOOP,
/// quit; says how the connection was protected.
pub fn check(cfg: &MailConfig) -> Result<Protection, MailError> {
    let mut session = open(cfg)?;
    if session.conn.test_connected() {
        let protection = session.protection.clone();
        session.close();
        Ok(protection)
    } else {
        Err(MailError::Protocol {
            addr: format!("{}:{}", cfg.host.trim(), cfg.port),
            cause: "сервер не ответил на NOOP".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_the_clients_recipients() {
        let cfg = MailConfig::new("smtp.example", "robot@example.ru");
        assert_eq!(
            cfg.recipients,
            [
                "klinmed@yandex.ru",
                "diggy@yandex.ru",
                "info@angioclinic.ru"
            ]
        );
        assert_eq!(cfg.port, 587);
    }

    #[test]
    fn builds_a_utf8_plain_text_message_to_everyone() {
        let cfg = MailConfig::new("smtp.example", "Запись <robot@example.ru>");
        let msg = build_message(&cfg, "МИС недоступна", "Текст письма").unwrap();
        let raw = String::from_utf8(msg.formatted()).unwrap();
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        for r in DEFAULT_RECIPIENTS {
            assert!(raw.contains(r), "{raw}");
        }
    }

    #[test]
    fn refuses_bad_addresses_and_empty_lists() {
        let mut cfg = MailConfig::new("smtp.example", "not an address");
        assert!(matches!(
            build_message(&cfg, "s", "b"),
            Err(MailError::Config(_))
        ));
        cfg.from = "robot@example.ru".into();
        cfg.recipients = vec![" ".into()];
        assert!(matches!(
            build_message(&cfg, "s", "b"),
            Err(MailError::Config(_))
        ));
    }

    #[test]
    fn config_debug_hides_the_password() {
        let mut cfg = MailConfig::new("smtp.example", "robot@example.ru");
        cfg.password = Secret::new("p4ssw0rd!");
        assert!(!format!("{cfg:?}").contains("p4ssw0rd!"));
    }
}
