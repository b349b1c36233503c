//! Alert mail against a real SMTP server (aiosmtpd, `tests/peers/smtp_sink.py`).

mod peers;

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use peers::{smtp_sink, wait_for, Peer, TempDir};
use priem::transport::mail::{self, MailConfig, MailError, SmtpSecurity, DEFAULT_RECIPIENTS};
use priem::transport::{Protection, Secret};
use serde_json::Value;

fn config(port: u16) -> MailConfig {
    let mut cfg = MailConfig::new("127.0.0.1", "Запись на приём <robot@clinic.test>");
    cfg.port = port;
    cfg.security = SmtpSecurity::None;
    cfg.timeout = Duration::from_secs(5);
    cfg
}

/// Message `n` as the sink's Python e-mail parser decoded it.
fn message(dir: &Path, n: usize) -> Value {
    let json = dir.join(format!("{n}.json"));
    wait_for("the message", || json.exists());
    serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap()
}

const SUBJECT: &str = "Нет врача с кодом 0042 в филиале 1";
const BODY: &str =
    "В данных МИС есть врач с кодом 0042 (филиал 1), но на сайте нет его карточки.\n\
                    Что сделать: добавьте карточку врача или укажите код в существующей.\n";

#[test]
fn sends_russian_plain_text_to_every_recipient() {
    let dir = TempDir::new("smtp");
    let sink = smtp_sink(dir.path(), &[]);
    let cfg = config(sink.port);
    mail::send(&cfg, SUBJECT, BODY).unwrap();

    let got = message(dir.path(), 1);
    assert_eq!(got["subject"], SUBJECT, "the decoded subject");
    // SMTP carries lines ending in CRLF.
    let body = got["body"].as_str().unwrap().replace("\r\n", "\n");
    assert_eq!(body.trim_end(), BODY.trim_end());
    assert_eq!(got["content_type"], "text/plain");
    assert_eq!(got["charset"], "utf-8");
    assert_eq!(got["mail_from"], "robot@clinic.test");
    assert_eq!(got["rcpt_tos"], serde_json::json!(DEFAULT_RECIPIENTS));
    assert!(got["from"].as_str().unwrap().contains("Запись на приём"));

    // On the wire the header is RFC 2047-encoded, not raw 8-bit.
    let raw = std::fs::read(dir.join("1.eml")).unwrap();
    let raw = String::from_utf8_lossy(&raw);
    let subject_line = raw
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("subject:"))
        .unwrap();
    assert!(subject_line.is_ascii(), "{subject_line}");
    assert!(subject_line.contains("=?utf-8?"), "{subject_line}");

    assert_eq!(mail::check(&cfg), Ok(Protection::NotOffered));
}

#[test]
fn starttls_with_login_and_a_private_ca() {
    let dir = TempDir::new("smtp-tls");
    let cert = peers::make_cert(dir.path());
    let out = dir.join("mail");
    let sink = smtp_sink(
        &out,
        &[
            "--tls-cert",
            cert.cert.to_str().unwrap(),
            "--tls-key",
            cert.key.to_str().unwrap(),
            "--user",
            "robot",
            "--password",
            "Mail-Pa55",
        ],
    );
    let mut cfg = config(sink.port);
    cfg.security = SmtpSecurity::StartTls;
    cfg.user = "robot".into();
    cfg.password = Secret::new("Mail-Pa55");
    cfg.extra_ca_pem = Some(cert.ca_pem.clone());
    assert_eq!(mail::send(&cfg, SUBJECT, BODY), Ok(Protection::Required));
    assert_eq!(message(&out, 1)["subject"], SUBJECT);
    assert_eq!(message(&out, 1)["tls"], true);
    assert_eq!(mail::check(&cfg), Ok(Protection::Required));

    cfg.password = Secret::new("Wrong-Pa55");
    let err = mail::send(&cfg, SUBJECT, BODY).unwrap_err();
    assert!(matches!(err, MailError::Auth { .. }), "{err:?}");
    assert!(!err.is_transient());
    assert_eq!(err.status(), Some(535));
    let text = format!("{err} {err:?} {cfg:?}");
    assert!(!text.contains("Wrong-Pa55"), "{text}");

    // The same server without trusting its CA.
    cfg.password = Secret::new("Mail-Pa55");
    cfg.extra_ca_pem = None;
    let err = mail::send(&cfg, SUBJECT, BODY).unwrap_err();
    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert!(!err.is_transient());
}

#[test]
fn smtp_down_or_silent_is_transient() {
    let cfg = config(peers::free_port());
    let err = mail::send(&cfg, SUBJECT, BODY).unwrap_err();
    assert!(matches!(err, MailError::Connect { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(mail::check(&cfg).unwrap_err().is_transient());

    // Accepts the connection, never greets.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut cfg = config(listener.local_addr().unwrap().port());
    cfg.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let err = mail::send(&cfg, SUBJECT, BODY).unwrap_err();
    assert!(err.is_timeout() && err.is_transient(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
    drop(listener);
}

#[test]
fn bad_settings_are_not_transient() {
    let mut cfg = config(25);
    cfg.recipients = vec!["not an address".into()];
    let err = mail::send(&cfg, SUBJECT, BODY).unwrap_err();
    assert!(matches!(err, MailError::Config(_)), "{err:?}");
    assert!(!err.is_transient());
}

// ---------------------------------------------------------------------------------------------
// Opportunistic STARTTLS: "no encryption" in the settings, TLS when the server offers it
// ---------------------------------------------------------------------------------------------

/// A sink offering STARTTLS with a certificate of a private CA, accepting plain text too, with
/// AUTH; and the "no encryption" settings for it.
fn optional_tls_sink(dir: &TempDir, extra: &[&str]) -> (Peer, MailConfig, String) {
    let cert = peers::make_cert(dir.path());
    let out = dir.join("mail");
    let mut args = vec![
        "--tls-cert",
        cert.cert.to_str().unwrap(),
        "--tls-key",
        cert.key.to_str().unwrap(),
        "--user",
        "robot",
        "--password",
        "Mail-Pa55",
    ];
    args.extend_from_slice(extra);
    let sink = smtp_sink(&out, &args);
    let mut cfg = config(sink.port);
    cfg.user = "robot".into();
    cfg.password = Secret::new("Mail-Pa55");
    (sink, cfg, cert.ca_pem)
}

/// How many messages the sink wrote.
fn delivered(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .count()
    })
}

#[test]
fn plain_settings_take_the_offered_starttls_when_the_certificate_is_trusted() {
    let dir = TempDir::new("smtp-opp");
    let (_sink, mut cfg, ca) = optional_tls_sink(&dir, &["--tls-optional"]);
    cfg.extra_ca_pem = Some(ca);
    assert_eq!(mail::send(&cfg, SUBJECT, BODY), Ok(Protection::Upgraded));
    let got = message(&dir.join("mail"), 1);
    assert_eq!(got["subject"], SUBJECT);
    assert_eq!(got["tls"], true, "the sink saw an encrypted session");
    assert_eq!(mail::check(&cfg), Ok(Protection::Upgraded));
    assert_eq!(delivered(&dir.join("mail")), 1);

    // A wrong password after the upgrade is the login's failure, not a reason for plain text.
    cfg.password = Secret::new("Wrong-Pa55");
    let err = mail::send(&cfg, SUBJECT, BODY).unwrap_err();
    assert!(matches!(err, MailError::Auth { .. }), "{err:?}");
}

#[test]
fn plain_settings_fall_back_to_plain_text_when_the_offered_certificate_is_not_trusted() {
    let dir = TempDir::new("smtp-opp-untrusted");
    let (_sink, cfg, _ca) = optional_tls_sink(&dir, &["--tls-optional"]);
    let protection = mail::send(&cfg, SUBJECT, BODY).expect("delivered all the same");
    let Protection::FellBack { cause } = &protection else {
        panic!("{protection:?}");
    };
    assert!(cause.contains("сертификат"), "{cause}");
    assert!(
        cause.contains("неизвестным удостоверяющим центром"),
        "{cause}"
    );
    assert!(!cause.contains("Mail-Pa55"), "{cause}");
    let got = message(&dir.join("mail"), 1);
    assert_eq!(got["subject"], SUBJECT);
    assert_eq!(got["tls"], false, "the sink saw a plain session");
    // sent once: the upgrade failed before the login and before MAIL FROM
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(delivered(&dir.join("mail")), 1);
    assert!(matches!(mail::check(&cfg), Ok(Protection::FellBack { .. })));
}

#[test]
fn plain_settings_fall_back_when_the_offered_starttls_is_refused() {
    let dir = TempDir::new("smtp-opp-refused");
    let (_sink, mut cfg, ca) = optional_tls_sink(&dir, &["--starttls-refuse"]);
    cfg.extra_ca_pem = Some(ca);
    let protection = mail::send(&cfg, SUBJECT, BODY).expect("delivered all the same");
    let Protection::FellBack { cause } = &protection else {
        panic!("{protection:?}");
    };
    assert!(cause.contains("454"), "{cause}");
    assert_eq!(message(&dir.join("mail"), 1)["tls"], false);
    assert_eq!(delivered(&dir.join("mail")), 1);
}

#[test]
fn plain_settings_and_a_server_without_starttls_stay_plain() {
    let dir = TempDir::new("smtp-opp-none");
    let sink = smtp_sink(dir.path(), &[]);
    let cfg = config(sink.port);
    assert_eq!(mail::send(&cfg, SUBJECT, BODY), Ok(Protection::NotOffered));
    assert_eq!(message(dir.path(), 1)["tls"], false);
}

#[test]
fn demanded_tls_still_fails_on_an_untrusted_certificate_or_without_starttls() {
    let dir = TempDir::new("smtp-demanded");
    let (_sink, mut cfg, _ca) = optional_tls_sink(&dir, &["--tls-optional"]);
    cfg.security = SmtpSecurity::StartTls;
    let err = mail::send(&cfg, SUBJECT, BODY).unwrap_err();
    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("сертификат"), "{err}");
    assert!(!err.is_transient());
    assert!(matches!(mail::check(&cfg), Err(MailError::Tls { .. })));

    // STARTTLS demanded from a server that does not offer it: nothing goes in plain text.
    let plain = TempDir::new("smtp-demanded-plain");
    let sink = smtp_sink(plain.path(), &[]);
    let mut cfg = config(sink.port);
    cfg.security = SmtpSecurity::StartTls;
    let err = mail::send(&cfg, SUBJECT, BODY).unwrap_err();
    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("не предлагает STARTTLS"), "{err}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(delivered(&dir.join("mail")), 0);
    assert_eq!(delivered(plain.path()), 0);
}

#[test]
fn a_server_that_takes_nothing_in_plain_text_after_a_failed_upgrade_names_the_upgrade() {
    // STARTTLS offered and required before MAIL and AUTH, with a certificate the settings
    // cannot trust: in the fallback's plain session the server offers no login, or refuses
    // MAIL FROM (530). The error says why — the certificate — not «настройки почты неверны» or
    // «не принял логин и пароль».
    let dir = TempDir::new("smtp-opp-required");
    let (_sink, mut cfg, _ca) = optional_tls_sink(&dir, &[]);
    for with_login in [true, false] {
        if !with_login {
            cfg.user.clear();
        }
        let err = mail::send(&cfg, SUBJECT, BODY).unwrap_err();
        let MailError::Tls { cause, .. } = &err else {
            panic!("{err:?}");
        };
        assert!(
            cause.contains("неизвестным удостоверяющим центром"),
            "{cause}"
        );
        // with a login: no AUTH offered in plain text; without: MAIL FROM refused (530)
        let refusal = if with_login {
            "без шифрования сервер не предлагает вход по логину и паролю"
        } else {
            "без шифрования сервер не принимает письма (530: "
        };
        assert!(cause.contains(refusal), "{cause}");
        assert!(!err.to_string().contains("Mail-Pa55"), "{err}");
    }
    assert_eq!(delivered(&dir.join("mail")), 0);
}
