//! Transports of the MIS exchange (`docs/mis-exchange.md`): FTP for schedule snapshots and the
//! booking drop (§1.2.1, §2.2.2), HTTP for booking delivery (§2.2.1, §2.3), SMTP for alerts (§3),
//! HTTP for the schedule upload to ProDoctorov (§4).
//!
//! Every transport:
//! - creates its network client per call, never at startup and never across a `fork` (php-fpm
//!   forks its workers after the extension is loaded; threads and pools do not survive that);
//! - has its own timeouts (PHP's `max_execution_time` does not interrupt Rust code);
//! - reports failures as one `thiserror` enum that answers `is_transient()` and friends, with a
//!   readable cause from the whole `source()` chain and never a password, token or
//!   `Authorization` header in it.

pub mod ftp;
pub mod mail;
pub mod mis;
pub mod prodoctorov;

use std::error::Error as StdError;
use std::fmt;
use std::sync::Once;

/// Installs rustls' ring crypto provider as the process default, once.
///
/// reqwest (`rustls-no-provider`) panics on its first TLS use without a default provider;
/// suppaftp and lettre are handed configs built on the same provider. "Already installed" (by
/// us earlier, or by another library in the process) is fine and ignored.
pub fn ensure_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// How a connection that may run over TLS was protected: what the settings demanded, or, where
/// they did not demand TLS, what the server offered (opportunistic TLS: SMTP `STARTTLS`, FTP
/// `AUTH TLS`). A plain connection is never a failure by itself: when the upgrade a server offers
/// fails, the transport connects again without it, so alerts and schedule files keep flowing,
/// and says why here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    /// TLS as the settings require (SMTPS, STARTTLS, FTPS); the certificate was verified.
    Required,
    /// The settings allow plain text, the server offered TLS and the connection was upgraded;
    /// the certificate was verified.
    Upgraded,
    /// Plain text: the server does not offer TLS.
    NotOffered,
    /// Plain text: the server offered TLS, the upgrade failed (`cause`, in Russian: certificate
    /// not trusted, handshake error) and the connection was made again without it.
    FellBack { cause: String },
}

impl Protection {
    /// Whether names, phones and passwords crossed the network encrypted.
    pub fn encrypted(&self) -> bool {
        matches!(self, Protection::Required | Protection::Upgraded)
    }

    /// The protection in a few Russian words, for a check's message («Проверить соединение»):
    /// `offer` names what the server offers («TLS», «AUTH TLS»), `demand` the setting that makes
    /// plain text impossible, said after an upgrade («режим «FTPS (явный TLS)» в настройках»).
    pub fn in_russian(&self, offer: &str, demand: &str) -> String {
        match self {
            Protection::Required => "соединение защищено TLS, как требуют настройки".into(),
            Protection::Upgraded => format!(
                "соединение защищено TLS: сервер его предложил (шифрование «по возможности»); \
                 {demand} сделает передачу без шифрования невозможной"
            ),
            Protection::NotOffered => {
                format!("соединение без шифрования: сервер не предлагает {offer}")
            }
            Protection::FellBack { cause } => format!(
                "соединение без шифрования: сервер предложил {offer}, но защищённое соединение не \
                 установилось ({cause}), и соединение повторено без него"
            ),
        }
    }
}

/// One HTTP call's checked URL, its total timeout and a client builder set up the same way for
/// every HTTP transport: both timeouts, no redirects, priem's user agent, rustls' provider ready.
pub(crate) struct HttpSetup {
    pub url: reqwest::Url,
    pub total: std::time::Duration,
    pub builder: reqwest::blocking::ClientBuilder,
}

/// Checks `url` (an http(s) URL with a host; `what` names it in the error) and prepares the
/// client: `timeout` bounds the whole call (`default` when zero), `connect` the connection.
pub(crate) fn http_setup(
    url: &str,
    what: &str,
    timeout: std::time::Duration,
    default: std::time::Duration,
    connect: std::time::Duration,
) -> Result<HttpSetup, String> {
    let url = reqwest::Url::parse(url.trim())
        .map_err(|_| format!("{what} не похож на URL; нужен вид https://сервер/путь"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "{what} должен начинаться с http:// или https:// и называть сервер"
        ));
    }
    let total = if timeout.is_zero() { default } else { timeout };
    let connect = connect.min(total).max(std::time::Duration::from_millis(1));
    ensure_crypto_provider();
    let builder = reqwest::blocking::Client::builder()
        .timeout(total)
        .connect_timeout(connect)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("priem/", env!("CARGO_PKG_VERSION")));
    Ok(HttpSetup {
        url,
        total,
        builder,
    })
}

/// Why an HTTP exchange failed, before a transport names it in its own error enum. Causes are
/// already scrubbed of the secrets passed to [`exchange`].
#[derive(Debug)]
pub(crate) enum HttpFailure {
    /// No complete answer within `total`; `connecting`: the time ran out while connecting.
    Timeout {
        after: std::time::Duration,
        connecting: bool,
    },
    Tls(String),
    Connect(String),
    /// The request could not be built (nothing was sent).
    Config(String),
    /// The connection broke while sending or reading.
    Io(String),
}

/// An HTTP answer: its status and at most the first bytes [`exchange`] was told to read.
pub(crate) struct HttpAnswer {
    pub status: u16,
    pub body: Vec<u8>,
    /// From sending to the end of the body read.
    pub elapsed: std::time::Duration,
}

/// Sends `req` (built on an [`http_setup`] client, whose `total` timeout also bounds the body)
/// and reads at most `max_body` bytes of the answer; every failure classified, its text scrubbed
/// of `secrets`.
pub(crate) fn exchange(
    req: reqwest::blocking::RequestBuilder,
    total: std::time::Duration,
    max_body: u64,
    secrets: &[&str],
) -> Result<HttpAnswer, HttpFailure> {
    use std::io::Read;
    let started = std::time::Instant::now();
    let timeout = |connecting| HttpFailure::Timeout {
        after: started.elapsed().min(total),
        connecting,
    };
    let response = req.send().map_err(|e| {
        let e = e.without_url();
        if e.is_timeout() || chain_has_timeout(&e) {
            return timeout(e.is_connect());
        }
        // causes in Russian (scrubbed all the same, should a classification ever quote a text)
        let cause = scrub(&cause_in_russian(&e), secrets);
        if chain_tls_error(&e).is_some() {
            HttpFailure::Tls(cause)
        } else if e.is_builder() {
            HttpFailure::Config(
                "запрос не удалось составить: проверьте адрес, логин и пароль".into(),
            )
        } else if e.is_connect() {
            HttpFailure::Connect(cause)
        } else {
            HttpFailure::Io(cause)
        }
    })?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    response
        .take(max_body)
        .read_to_end(&mut body)
        .map_err(|e| {
            if chain_has_timeout(&e) {
                timeout(false)
            } else {
                HttpFailure::Io(scrub(&cause_in_russian(&e), secrets))
            }
        })?;
    Ok(HttpAnswer {
        status,
        body,
        elapsed: started.elapsed(),
    })
}

/// A password or token: `Debug` prints `"***"`, so a config can be logged or put into a panic
/// message without leaking it. Read it with [`Secret::expose`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str("\"***\"")
        }
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

/// The error and all its causes on one line: `"a: b: c"`. A cause whose text the line already
/// contains is skipped (many libraries print their source inside their own `Display`).
pub(crate) fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

/// Calls `f` on the error and every cause, including what an `io::Error` wraps (its
/// `source()` skips that: `io::Error(Other, io::Error(InvalidData, rustls::Error))` is how a
/// certificate failure reaches reqwest). Stops at the first `Some`.
fn find_in_chain<T>(
    err: &(dyn StdError + 'static),
    f: &mut dyn FnMut(&(dyn StdError + 'static)) -> Option<T>,
) -> Option<T> {
    let mut source = Some(err);
    while let Some(e) = source {
        if let Some(found) = f(e) {
            return Some(found);
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(found) = find_in_chain(inner, f) {
                return Some(found);
            }
        }
        source = e.source();
    }
    None
}

/// Whether anything in the chain is a timeout: an I/O error of kind `TimedOut` (or `WouldBlock`,
/// which is what a socket read timeout gives on Unix), or a reqwest error that says so — the
/// blocking client's own deadline wraps its private `TimedOut` in a decode error, inside the
/// `io::Error` a body read returns.
pub(crate) fn chain_has_timeout(err: &(dyn StdError + 'static)) -> bool {
    find_in_chain(err, &mut |e| {
        let io_timeout = e
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| is_timeout_kind(io.kind()));
        let reqwest_timeout = e
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout);
        (io_timeout || reqwest_timeout).then_some(())
    })
    .is_some()
}

/// A rustls error anywhere in the chain (certificate not trusted, handshake refused…).
pub(crate) fn chain_tls_error(err: &(dyn StdError + 'static)) -> Option<String> {
    find_in_chain(err, &mut |e| {
        e.downcast_ref::<rustls::Error>().map(ToString::to_string)
    })
}

/// A transport failure's cause in Russian, for the clinic's staff (the bookings' journal, alert
/// letters, «Проверить соединение»): what the network or the TLS layer said, classified from the
/// error chain (an `io::Error`'s kind or OS code, a DNS failure, a rustls error) — never a
/// library's English text, which may also carry addresses or secrets.
pub(crate) fn cause_in_russian(err: &(dyn StdError + 'static)) -> String {
    if let Some(tls) = find_in_chain(err, &mut |e| {
        e.downcast_ref::<rustls::Error>().map(tls_in_russian)
    }) {
        return tls;
    }
    // hyper-util's resolver failure ("dns error: failed to lookup address information: …")
    let dns = find_in_chain(err, &mut |e| {
        e.to_string().starts_with("dns error").then_some(())
    });
    if dns.is_some() {
        return NO_SUCH_HOST.to_owned();
    }
    find_in_chain(err, &mut |e| {
        e.downcast_ref::<std::io::Error>().and_then(io_in_russian)
    })
    .unwrap_or_else(|| "сбой сети без подробностей".to_owned())
}

/// A name that does not resolve (DNS), in the staff's words.
pub(crate) const NO_SUCH_HOST: &str =
    "адрес сервера не найден (DNS): проверьте имя сервера в настройках";

/// An I/O error's kind (or OS error code) in Russian; `None` for an error that only wraps
/// another (its inner error says more).
pub(crate) fn io_in_russian(io: &std::io::Error) -> Option<String> {
    use std::io::ErrorKind as K;
    let text = match io.kind() {
        K::ConnectionRefused => {
            "сервер отказал в соединении: по этому адресу и порту соединения не принимают"
        }
        K::ConnectionReset => "сервер сбросил соединение",
        K::ConnectionAborted => "соединение прервано",
        K::NotConnected => "соединение не установлено",
        K::BrokenPipe => "сервер закрыл соединение",
        K::UnexpectedEof => "сервер закрыл соединение, не договорив ответ",
        K::HostUnreachable => "сервер недоступен по сети",
        K::NetworkUnreachable => "сеть недоступна",
        K::NetworkDown => "сеть не работает",
        K::AddrNotAvailable | K::AddrInUse => "адрес недоступен с этого сервера",
        K::PermissionDenied => "соединение запрещено (брандмауэр или права процесса)",
        K::TimedOut | K::WouldBlock => "время ожидания истекло",
        K::InvalidInput => "неверный адрес сервера",
        _ => {
            return match io.raw_os_error() {
                Some(code) => Some(format!("сбой сети (код ошибки ОС {code})")),
                None if io.get_ref().is_some() => None,
                None => Some("сбой ввода-вывода".to_owned()),
            }
        }
    };
    Some(text.to_owned())
}

/// A rustls error in Russian: the certificate's problem when it is one.
fn tls_in_russian(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "сертификат сервера выдан неизвестным удостоверяющим центром",
            C::Expired | C::ExpiredContext { .. } => "срок действия сертификата сервера истёк",
            C::NotValidYet | C::NotValidYetContext { .. } => "сертификат сервера ещё не действует",
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "сертификат сервера выдан на другое имя"
            }
            C::Revoked => "сертификат сервера отозван",
            _ => "сертификат сервера не принят",
        },
        rustls::Error::NoCertificatesPresented => "сервер не предъявил сертификат",
        rustls::Error::AlertReceived(_) => "сервер прервал установку защищённого соединения",
        rustls::Error::PeerIncompatible(_) => {
            "сервер не поддерживает безопасные версии TLS или шифры"
        }
        _ => "ошибка защищённого соединения",
    }
    .to_owned()
}

pub(crate) fn is_timeout_kind(kind: std::io::ErrorKind) -> bool {
    matches!(
        kind,
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

/// Shortest secret that [`scrub`] replaces: shorter ones would mangle ordinary words, and
/// nothing here ever formats a secret on purpose — this is a second guard.
const MIN_SCRUB_LEN: usize = 4;

/// Replaces every occurrence of each secret in `text` with `***`.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if secret.chars().count() >= MIN_SCRUB_LEN && out.contains(secret) {
            out = out.replace(secret, "***");
        }
    }
    out
}

/// At most `max` characters of `text` on one line, control characters replaced by spaces, `…`
/// when cut — for quoting a server's answer in an error.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.trim().chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// Reads PEM certificates (extra trusted roots for a server with a private CA).
pub(crate) fn parse_pem_certs(
    pem: &str,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "сертификат удостоверяющего центра — не текст PEM".to_owned())?;
    if certs.is_empty() {
        return Err("в тексте PEM нет сертификата удостоверяющего центра".into());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_hides_the_value() {
        let s = Secret::new("hunter22");
        assert_eq!(format!("{s:?}"), "\"***\"");
        assert_eq!(format!("{:?}", Secret::default()), "\"\"");
        assert_eq!(s.expose(), "hunter22");
    }

    #[test]
    fn scrub_replaces_secrets_but_not_short_ones() {
        assert_eq!(
            scrub("login pw=hunter22 failed", &["hunter22"]),
            "login pw=*** failed"
        );
        assert_eq!(scrub("a b c", &["a"]), "a b c");
    }

    #[test]
    fn excerpt_cuts_and_flattens() {
        assert_eq!(excerpt("  a\nb  ", 10), "a b");
        assert_eq!(excerpt("абвгд", 3), "абв…");
    }

    #[test]
    fn error_chain_skips_repeated_causes() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "outer")
            }
        }
        impl StdError for Outer {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::new(std::io::ErrorKind::TimedOut, "slow"));
        assert_eq!(error_chain(&e), "outer: slow");
        assert!(chain_has_timeout(&e));
    }

    #[test]
    fn rejects_text_without_certificates() {
        assert!(parse_pem_certs("hello").is_err());
    }
}
