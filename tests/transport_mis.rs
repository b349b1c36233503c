//! Booking delivery over HTTP against a real HTTP server playing the MIS
//! (`tests/peers/mis_peer.py`).

mod peers;

use std::time::{Duration, Instant};

use peers::{mis_basic, mis_peer, Peer, TempDir, MIS_PASSWORD, MIS_USER};
use priem::transport::mis::{self, Format, MisAuth, MisConfig, MisError, Outcome};
use priem::transport::Secret;
use priem::wire::booking::DirectBooking;
use serde_json::Value;

/// What the peer recorded.
struct Received {
    method: String,
    path: String,
    headers: Value,
    body: Vec<u8>,
}

fn received(log: &std::path::Path) -> Vec<Received> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("peer log line is JSON");
            let hex = v["body_hex"].as_str().unwrap_or_default();
            let body = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            Received {
                method: v["method"].as_str().unwrap_or_default().to_owned(),
                path: v["path"].as_str().unwrap_or_default().to_owned(),
                headers: v["headers"].clone(),
                body,
            }
        })
        .collect()
}

fn header<'a>(r: &'a Received, name: &str) -> Option<&'a str> {
    r.headers
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

struct Mis {
    _dir: TempDir,
    log: std::path::PathBuf,
    peer: Peer,
}

impl Mis {
    fn start(extra: &[&str]) -> Mis {
        let dir = TempDir::new("mis");
        let log = dir.join("received.jsonl");
        let peer = mis_peer(&log, extra);
        Mis {
            _dir: dir,
            log,
            peer,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.peer.port)
    }

    fn received(&self) -> Vec<Received> {
        received(&self.log)
    }
}

fn payload() -> String {
    DirectBooking {
        dt_start: "2026-12-01T12:30:00Z".into(),
        dt_end: "2026-12-01T13:00:00Z".into(),
        filial_id: "1".into(),
        doctor_id: "0001".into(),
        specialty: "кардиолог".into(),
        name: "Иванова Мария".into(),
        phone: "79001234567".into(),
        comment: "Комментарий к прямой записи".into(),
    }
    .to_json()
}

#[test]
fn confirmed_booking_arrives_once_byte_for_byte() {
    let mis = Mis::start(&[]);
    let body = payload();
    let outcome = mis::deliver(&MisConfig::new(mis.url("/success")), &body);
    assert_eq!(
        outcome,
        Outcome::Confirmed {
            status: 200,
            claim_id: None
        }
    );
    let got = mis.received();
    assert_eq!(got.len(), 1, "exactly one request");
    assert_eq!(got[0].method, "POST");
    assert_eq!(got[0].path, "/success");
    assert_eq!(got[0].body, body.as_bytes(), "the payload byte for byte");
    assert_eq!(
        header(&got[0], "Content-Type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(header(&got[0], "Authorization"), None);
}

#[test]
fn refusal_carries_the_mis_reason() {
    let mis = Mis::start(&[]);
    let outcome = mis::deliver(
        &MisConfig::new(mis.url("/refuse?reason=Врач не принимает")),
        &payload(),
    );
    assert_eq!(
        outcome,
        Outcome::Refused {
            status: 200,
            reason: "Врач не принимает".into(),
            taken: true
        }
    );
    assert!(!outcome.is_transient());
    assert_eq!(outcome.status(), Some(200));
}

#[test]
fn garbage_500_and_redirects_leave_the_outcome_unknown() {
    let mis = Mis::start(&[]);
    let garbage = mis::deliver(&MisConfig::new(mis.url("/garbage")), &payload());
    match &garbage {
        Outcome::Unknown(e @ MisError::BadAnswer { status: 200, .. }) => {
            assert!(e.to_string().contains("Bad Gateway"), "{e}");
            assert!(!e.is_transient());
        }
        other => panic!("garbage gave {other:?}"),
    }

    let five = mis::deliver(&MisConfig::new(mis.url("/status/500")), &payload());
    assert!(matches!(
        five,
        Outcome::Unknown(MisError::Http { status: 500, .. })
    ));
    assert!(five.is_transient());
    assert_eq!(five.status(), Some(500));

    // A redirect is not followed: a POST turned into a GET would lose the booking.
    let moved = mis::deliver(&MisConfig::new(mis.url("/status/302")), &payload());
    assert!(matches!(
        moved,
        Outcome::Unknown(MisError::Http { status: 302, .. })
    ));
    assert_eq!(mis.received().len(), 3);
}

#[test]
fn basic_auth_is_sent_and_a_wrong_password_is_its_own_error() {
    let mis = Mis::start(&["--basic", &mis_basic()]);
    let mut cfg = MisConfig::new(mis.url("/secure/success"));
    cfg.auth = MisAuth::Basic {
        user: MIS_USER.into(),
        password: Secret::new(MIS_PASSWORD),
    };
    assert!(matches!(
        mis::deliver(&cfg, &payload()),
        Outcome::Confirmed { status: 200, .. }
    ));

    cfg.auth = MisAuth::Basic {
        user: MIS_USER.into(),
        password: Secret::new("wrong-password"),
    };
    let outcome = mis::deliver(&cfg, &payload());
    let Outcome::Unknown(err) = &outcome else {
        panic!("wrong password gave {outcome:?}")
    };
    assert_eq!(err, &MisError::Auth { status: 401 });
    assert!(!err.is_transient());
    let text = format!("{err} {err:?} {outcome:?} {cfg:?}");
    assert!(!text.contains("wrong-password"), "{text}");
    assert!(!text.contains("c2l0ZTp3cm9uZy1wYXNzd29yZA"), "{text}");

    let got = mis.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        header(&got[0], "Authorization"),
        Some(format!("Basic {}", peers::base64(&mis_basic())).as_str())
    );
}

#[test]
fn a_slow_mis_times_out_within_the_configured_bound() {
    assert_eq!(MisConfig::new("http://x/").timeout, Duration::from_secs(10));
    assert_eq!(mis::DEFAULT_TIMEOUT, Duration::from_secs(10));

    let mis = Mis::start(&[]);
    let mut cfg = MisConfig::new(mis.url("/sleep/8"));
    cfg.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let outcome = mis::deliver(&cfg, &payload());
    let took = started.elapsed();
    let Outcome::Unknown(err) = &outcome else {
        panic!("a sleeping MIS gave {outcome:?}")
    };
    assert!(err.is_timeout() && err.is_transient(), "{err:?}");
    assert!(err.may_have_arrived(), "the request was sent: {err:?}");
    assert!(outcome.is_timeout());
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(mis.received().len(), 1, "it did arrive, once");

    // Headers at once, then a stalled body: the bound covers the body too.
    cfg.url = mis.url("/stall-body/8");
    let started = Instant::now();
    let outcome = mis::deliver(&cfg, &payload());
    let took = started.elapsed();
    assert!(outcome.is_timeout(), "{outcome:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn a_mis_that_is_down_is_a_transient_connect_error() {
    let port = peers::free_port();
    let outcome = mis::deliver(
        &MisConfig::new(format!("http://127.0.0.1:{port}/book")),
        &payload(),
    );
    match &outcome {
        Outcome::Unknown(e @ MisError::Connect { cause }) => {
            assert!(e.is_transient());
            assert!(!e.may_have_arrived());
            assert!(!cause.is_empty());
            // The cause is classified from the source chain (the io::Error's kind), in Russian:
            // not reqwest's "error sending request … Connection refused (os error 111)".
            assert_eq!(
                cause,
                "сервер отказал в соединении: по этому адресу и порту соединения не принимают"
            );
        }
        other => panic!("a closed port gave {other:?}"),
    }
}

#[test]
fn v2_answers_and_token_auth() {
    let mis = Mis::start(&[]);
    let mut cfg = MisConfig::new(mis.url("/v2/204"));
    cfg.format = Format::V2;
    cfg.auth = MisAuth::Token(Secret::new("tok-123456"));
    let body = r#"{"doctor":{"id":"0001","lpu_id":"1","specialty":{"id":"","name":"Кардиолог"}},"appointment":{"dt_start":"2026-12-01 15:30","dt_end":"2026-12-01 16:00","comment":"","is_online":false},"client":{"first_name":"Мария","second_name":"","last_name":"Иванова","mobile_phone":"79001234567","birthday":null},"appointment_source":"site"}"#;
    assert_eq!(
        mis::deliver(&cfg, body),
        Outcome::Confirmed {
            status: 200,
            claim_id: Some("C-1".into())
        }
    );
    let cases = [
        ("/v2/423", "время уже занято", true),
        ("/v2/416", "в расписании МИС нет такого времени", false),
        ("/v2/409", "пациент уже записан на это время", true),
        ("/v2http/423", "время уже занято", true),
    ];
    for (path, reason, taken) in cases {
        cfg.url = mis.url(path);
        match mis::deliver(&cfg, body) {
            Outcome::Refused {
                reason: r,
                taken: t,
                ..
            } => assert_eq!((r.as_str(), t), (reason, taken), "{path}"),
            other => panic!("{path} gave {other:?}"),
        }
    }
    cfg.url = mis.url("/v2http/204");
    assert!(matches!(
        mis::deliver(&cfg, body),
        Outcome::Confirmed { status: 204, .. }
    ));
    cfg.url = mis.url("/status/403");
    assert_eq!(
        mis::deliver(&cfg, body),
        Outcome::Unknown(MisError::Auth { status: 403 })
    );

    let got = mis.received();
    assert_eq!(got.len(), 7);
    assert_eq!(got[0].body, body.as_bytes());
    assert_eq!(header(&got[0], "Authorization"), Some("Token tok-123456"));
}

#[test]
fn check_reaches_the_mis_without_booking_and_a_5xx_is_a_failure() {
    let mis = Mis::start(&["--basic", &mis_basic()]);
    let report = mis::check(&MisConfig::new(mis.url("/success"))).unwrap();
    assert_eq!(report.status, 200);

    let mut cfg = MisConfig::new(mis.url("/secure/success"));
    cfg.auth = MisAuth::Basic {
        user: MIS_USER.into(),
        password: Secret::new("nope-nope"),
    };
    assert_eq!(mis::check(&cfg), Err(MisError::Auth { status: 401 }));

    let got = mis.received();
    assert!(got.iter().all(|r| r.method == "HEAD"), "nothing was POSTed");

    let down = MisConfig::new(format!("http://127.0.0.1:{}/", peers::free_port()));
    let e = mis::check(&down).unwrap_err();
    assert!(matches!(e, MisError::Connect { .. }), "{e:?}");
    assert!(e.to_string().starts_with("нет соединения с МИС ("), "{e}");

    // there but failing: a 5xx is no answer a booking could get
    for status in [500, 503] {
        let e = mis::check(&MisConfig::new(mis.url(&format!("/status/{status}")))).unwrap_err();
        assert_eq!(
            e,
            MisError::Http {
                status,
                body: String::new()
            }
        );
        assert_eq!(
            e.to_string(),
            format!("МИС ответила ошибкой (HTTP {status})")
        );
    }
    // a booking endpoint that allows no HEAD is there
    assert_eq!(
        mis::check(&MisConfig::new(mis.url("/status/405")))
            .unwrap()
            .status,
        405
    );
}

#[test]
fn https_with_a_private_ca() {
    let dir = TempDir::new("mis-tls");
    let cert = peers::make_cert(dir.path());
    let log = dir.join("received.jsonl");
    let peer = mis_peer(
        &log,
        &[
            "--tls-cert",
            cert.cert.to_str().unwrap(),
            "--tls-key",
            cert.key.to_str().unwrap(),
        ],
    );
    let url = format!("https://127.0.0.1:{}/success", peer.port);

    // Not trusted without the CA: a TLS error, nothing delivered, not transient.
    let outcome = mis::deliver(&MisConfig::new(url.clone()), &payload());
    match &outcome {
        Outcome::Unknown(e @ MisError::Tls { cause }) => {
            assert!(!e.is_transient());
            assert!(!e.may_have_arrived());
            // rustls' UnknownIssuer, said in Russian
            assert_eq!(
                cause, "сертификат сервера выдан неизвестным удостоверяющим центром",
                "{e}"
            );
        }
        other => panic!("an untrusted certificate gave {other:?}"),
    }

    let mut cfg = MisConfig::new(url);
    cfg.extra_ca_pem = Some(cert.ca_pem.clone());
    assert!(matches!(
        mis::deliver(&cfg, &payload()),
        Outcome::Confirmed { status: 200, .. }
    ));
    assert_eq!(received(&log).len(), 1);
}
