//! Opening the control and data connections (timeouts, FTPS trust) and turning suppaftp's
//! errors into [`FtpError`]s that name the command and path, with the password scrubbed.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use suppaftp::RustlsConnector;

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
