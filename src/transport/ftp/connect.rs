//! Opening the control and data connections (timeouts, FTPS trust) and turning suppaftp's
//! errors into [`FtpError`]s that name the command and path, with the password scrubbed.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use suppaftp::types::Response;
use suppaftp::{Mode, RustlsConnector, RustlsFtpStream};

use super::{FtpConfig, FtpError};
use crate::transport::{
    cause_in_russian, chain_tls_error, ensure_crypto_provider, excerpt, io_in_russian,
    is_timeout_kind, parse_pem_certs, scrub, NO_SUCH_HOST,
};

/// What the client was doing when a connection failed, as the staff read it.
pub(super) const CONNECTING: &str = "подключение";

/// Socket timeouts must not be zero.
pub(super) fn nonzero(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

pub(super) fn tcp_connect(
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
            cause: io_in_russian(&e)
                .filter(|_| e.raw_os_error().is_some())
                .unwrap_or_else(|| NO_SUCH_HOST.to_owned()),
        })?
        .collect();
    let mut last = None;
    for target in targets {
        match TcpStream::connect_timeout(&target, nonzero(connect_timeout)) {
            Ok(stream) => {
                set_timeouts(&stream, io_timeout).map_err(|e| FtpError::Io {
                    addr: addr.to_owned(),
                    during: CONNECTING.into(),
                    cause: io_in_russian(&e).unwrap_or_else(|| "сбой сети".into()),
                })?;
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if is_timeout_kind(e.kind()) => FtpError::Timeout {
            addr: addr.to_owned(),
            during: CONNECTING.into(),
        },
        Some(e) => FtpError::Connect {
            addr: addr.to_owned(),
            cause: io_in_russian(&e).unwrap_or_else(|| "сбой сети".into()),
        },
        None => FtpError::Connect {
            addr: addr.to_owned(),
            cause: NO_SUCH_HOST.to_owned(),
        },
    })
}

fn set_timeouts(stream: &TcpStream, io_timeout: Duration) -> std::io::Result<()> {
    stream.set_read_timeout(Some(nonzero(io_timeout)))?;
    stream.set_write_timeout(Some(nonzero(io_timeout)))
}

/// Opens a passive-mode data connection with the same timeouts as the control connection.
pub(super) fn data_connect(
    target: SocketAddr,
    connect_timeout: Duration,
    io_timeout: Duration,
) -> suppaftp::FtpResult<TcpStream> {
    let stream = TcpStream::connect_timeout(&target, nonzero(connect_timeout))
        .map_err(suppaftp::FtpError::ConnectionError)?;
    set_timeouts(&stream, io_timeout).map_err(suppaftp::FtpError::ConnectionError)?;
    Ok(stream)
}

pub(super) fn tls_connector(cfg: &FtpConfig, addr: &str) -> Result<RustlsConnector, FtpError> {
    ensure_crypto_provider();
    let extra = match &cfg.extra_ca_pem {
        Some(pem) if !pem.trim().is_empty() => parse_pem_certs(pem).map_err(FtpError::Config)?,
        _ => Vec::new(),
    };
    let tls_err = |e: rustls::Error| FtpError::Tls {
        addr: addr.to_owned(),
        cause: cause_in_russian(&e),
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

/// Opens the control connection and reads the greeting; passive or active mode as configured.
pub(super) fn open(cfg: &FtpConfig, addr: &str) -> Result<RustlsFtpStream, FtpError> {
    let stream = tcp_connect(
        &cfg.host,
        cfg.port,
        cfg.connect_timeout,
        cfg.io_timeout,
        addr,
    )?;
    let (connect_timeout, io_timeout) = (cfg.connect_timeout, cfg.io_timeout);
    let mut ftp = RustlsFtpStream::connect_with_stream(stream)
        .map_err(|e| classify(e, addr, cfg.password.expose(), "greeting", ""))?
        .passive_stream_builder(move |target| data_connect(target, connect_timeout, io_timeout));
    if cfg.passive {
        ftp.set_mode(Mode::Passive);
        ftp.set_passive_nat_workaround(cfg.pasv_use_control_host);
    } else {
        ftp = ftp.active_mode(nonzero(connect_timeout));
    }
    Ok(ftp)
}

/// `AUTH TLS`, the handshake, `PBSZ 0` and `PROT P` (data connections protected too). Consumes
/// the connection: on failure it is gone.
pub(super) fn secure(
    ftp: RustlsFtpStream,
    connector: RustlsConnector,
    cfg: &FtpConfig,
    addr: &str,
) -> Result<RustlsFtpStream, FtpError> {
    ftp.into_secure(connector, &cfg.host).map_err(|e| {
        match classify(e, addr, cfg.password.expose(), "AUTH TLS", "") {
            // AUTH refused (e.g. 502/534): the server has no FTPS.
            FtpError::Refused { reply, .. } | FtpError::NotFound { reply, .. } => FtpError::Tls {
                addr: addr.to_owned(),
                cause: format!("сервер отказал в AUTH TLS: {reply}"),
            },
            other => other,
        }
    })
}

/// Whether the server lists `AUTH TLS` in `FEAT` before login (RFC 4217 §6: `AUTH` followed by
/// its mechanisms, e.g. `AUTH TLS`, `AUTH TLS-C;SSL`). A server that refuses `FEAT` (unknown, or
/// not before login) does not offer it.
pub(super) fn offers_auth_tls(
    ftp: &mut RustlsFtpStream,
    cfg: &FtpConfig,
    addr: &str,
) -> Result<bool, FtpError> {
    // suppaftp's `feat()` keeps one value per feature name (`AUTH SSL` and `AUTH TLS` collide)
    // and fails on a line it does not expect, so the raw reply is read instead: with no
    // expected code the whole multi-line reply comes back as an "unexpected" one.
    let reply: Response = match ftp.custom_command("FEAT", &[]) {
        Ok(r) | Err(suppaftp::FtpError::UnexpectedResponse(r)) => r,
        Err(e) => return Err(classify(e, addr, cfg.password.expose(), "FEAT", "")),
    };
    Ok(reply.status.code() == 211 && lists_auth_tls(&String::from_utf8_lossy(&reply.body)))
}

/// Whether a `FEAT` reply's body lists an `AUTH` feature naming TLS.
pub(super) fn lists_auth_tls(body: &str) -> bool {
    body.lines().skip(1).any(|line| {
        let mut words = line.split_whitespace();
        words.next().is_some_and(|w| w.eq_ignore_ascii_case("AUTH"))
            && words.any(|w| w.to_ascii_uppercase().contains("TLS"))
    })
}

/// Why an opportunistic upgrade failed, in Russian, for [`Protection::FellBack`].
///
/// [`Protection::FellBack`]: crate::transport::Protection::FellBack
pub(super) fn fallback_cause(e: &FtpError) -> String {
    match e {
        FtpError::Tls { cause, .. }
        | FtpError::Io { cause, .. }
        | FtpError::Connect { cause, .. } => cause.clone(),
        FtpError::Config(cause) => cause.clone(),
        FtpError::Timeout { during, .. } => {
            format!("сервер не ответил вовремя ({during})")
        }
        FtpError::Busy { command, reply, .. } | FtpError::Refused { command, reply, .. } => {
            format!("сервер отказал в {command}: {reply}")
        }
        other => other.to_string(),
    }
}

/// Whether a failed data command looks like its data connection's TLS failing: a TLS error, the
/// connection dropped during the handshake, or the server's 522 (RFC 4217 §10.2). Not a
/// timeout (a connection retried in plain text would wait as long) nor any other reply.
pub(super) fn data_tls_failed(e: &suppaftp::FtpError) -> bool {
    use std::io::ErrorKind as K;
    match e {
        suppaftp::FtpError::SecureError(_) => true,
        suppaftp::FtpError::ConnectionError(io) => {
            chain_tls_error(io).is_some()
                || matches!(
                    io.kind(),
                    K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe
                )
        }
        // suppaftp knows no 522 (its status is `Unknown`): read the reply's own code.
        suppaftp::FtpError::UnexpectedResponse(r) => r.body.starts_with(b"522"),
        _ => false,
    }
}

/// Turns a suppaftp error into ours, naming the command and path, with the password scrubbed.
pub(super) fn classify(
    err: suppaftp::FtpError,
    addr: &str,
    password: &str,
    command: &str,
    path: &str,
) -> FtpError {
    // the client's own steps in Russian; FTP's commands (RETR, LIST, AUTH TLS…) as they are
    let step = match command {
        "connect" => CONNECTING,
        "login" => "вход",
        c => c,
    };
    let during = if path.is_empty() {
        step.to_owned()
    } else {
        format!("{step} {path}")
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
                cause: cause_in_russian(&io),
            }
        }
        suppaftp::FtpError::ConnectionError(io) => FtpError::Io {
            addr: addr.to_owned(),
            during,
            cause: cause_in_russian(&io),
        },
        suppaftp::FtpError::SecureError(_) => FtpError::Tls {
            addr: addr.to_owned(),
            cause: "ошибка защищённого соединения".into(),
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
            cause: "в ответе нет кода FTP".into(),
        },
        suppaftp::FtpError::InvalidAddress(_) => FtpError::Protocol {
            addr: addr.to_owned(),
            during,
            cause: "неверный адрес канала данных в ответе сервера".into(),
        },
        suppaftp::FtpError::DataConnectionAlreadyOpen => FtpError::Protocol {
            addr: addr.to_owned(),
            during,
            cause: "канал данных уже открыт".into(),
        },
    }
}

pub(super) fn reply_code(err: &suppaftp::FtpError) -> Option<u32> {
    match err {
        suppaftp::FtpError::UnexpectedResponse(r) => Some(r.status.code()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feat_lists_auth_tls_among_other_mechanisms() {
        let feat = |lines: &[&str]| lists_auth_tls(&lines.join("\r\n"));
        assert!(feat(&[
            "211-Features:",
            " AUTH SSL",
            " AUTH TLS",
            " MLST size*;",
            "211 End"
        ]));
        assert!(feat(&["211-Extensions", " auth tls-c;ssl", "211 End"]));
        assert!(feat(&["211-Extensions", " AUTH SSL TLS", "211 End"]));
        assert!(!feat(&[
            "211-Features:",
            " AUTH SSL",
            " PBSZ",
            " PROT",
            "211 End"
        ]));
        assert!(!feat(&["211-Features:", " MLST TLS", " UTF8", "211 End"]));
        assert!(!feat(&["211 No features"]));
    }
}
