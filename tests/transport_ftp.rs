//! The FTP transport against a real FTP server (pyftpdlib) started for each test.

mod peers;

use std::path::Path;
use std::time::{Duration, SystemTime};

use peers::{ftp_server, Peer, TempDir};
use priem::transport::ftp::{
    self, stable_snapshots, AfterImport, Folder, FtpConfig, FtpError, FtpSession, Listing,
};
use priem::transport::{Protection, Secret};
use priem::wire::booking::MisAnswer;

const USER: &str = "mis";
const PASSWORD: &str = "Ftp-Pa55word";

struct Ftp {
    root: TempDir,
    peer: Peer,
}

impl Ftp {
    fn start() -> Ftp {
        let root = TempDir::new("ftp");
        std::fs::create_dir_all(root.join("in")).unwrap();
        let peer = ftp_server(root.path(), USER, PASSWORD);
        Ftp { root, peer }
    }

    fn config(&self) -> FtpConfig {
        let mut cfg = FtpConfig::new("127.0.0.1", USER, Secret::new(PASSWORD));
        cfg.port = self.peer.port;
        cfg.directory = "in".into();
        cfg.stability_delay = Duration::ZERO;
        cfg.connect_timeout = Duration::from_secs(3);
        cfg.io_timeout = Duration::from_secs(5);
        cfg
    }

    fn session(&self) -> FtpSession {
        FtpSession::connect(&self.config()).expect("connect")
    }

    fn put(&self, rel: &str, content: &str, age_secs: u64) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        set_age(&path, age_secs);
    }

    fn exists(&self, rel: &str) -> bool {
        self.root.join(rel).exists()
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }
}

fn set_age(path: &Path, age_secs: u64) {
    let when = SystemTime::now() - Duration::from_secs(age_secs);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

fn names(files: &[ftp::RemoteFile]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn lists_finished_json_files_oldest_first_with_mlsd_and_without() {
    let ftp = Ftp::start();
    ftp.put("in/z-old.json", "{\"a\":1}", 600);
    ftp.put("in/a-new.json", "{}", 60);
    ftp.put("in/m-mid.json", "[1,2,3]", 300);
    for skipped in [
        "in/upload.json.tmp",
        "in/upload.json.part",
        "in/.hidden.json",
        "in/notes.txt",
    ] {
        ftp.put(skipped, "{}", 30);
    }
    std::fs::create_dir_all(ftp.root.join("in/folder.json")).unwrap();
    std::fs::create_dir_all(ftp.root.join("in/processed")).unwrap();

    let mut session = ftp.session();
    assert!(session.uses_mlsd(), "pyftpdlib announces MLST");
    let files = session.list_snapshots().unwrap();
    assert_eq!(names(&files), ["z-old.json", "m-mid.json", "a-new.json"]);
    assert_eq!(files[0].size, 7);
    assert!(files[0].modified.is_some());
    session.quit();

    let mut cfg = ftp.config();
    cfg.listing = Listing::NameSizeMdtm;
    cfg.directory = "/in".into();
    let mut session = FtpSession::connect(&cfg).unwrap();
    assert!(!session.uses_mlsd());
    let basic = session.list_snapshots().unwrap();
    assert_eq!(basic, files, "NLST+SIZE+MDTM sees the same as MLSD");
}

#[test]
fn a_file_still_changing_between_listings_is_skipped() {
    let ftp = Ftp::start();
    ftp.put("in/steady.json", "{}", 600);
    ftp.put("in/growing.json", "{\"data\":", 600);
    ftp.put("in/touched.json", "{}", 600);

    let mut session = ftp.session();
    let first = session.list_snapshots().unwrap();
    // The MIS is still writing: one file grows, one gets a new modification time.
    std::fs::write(ftp.root.join("in/growing.json"), "{\"data\": {}}").unwrap();
    set_age(&ftp.root.join("in/growing.json"), 600);
    set_age(&ftp.root.join("in/touched.json"), 5);
    ftp.put("in/new.json", "{}", 600);
    let second = session.list_snapshots().unwrap();

    let stable = stable_snapshots(&first, &second);
    assert_eq!(names(&stable), ["steady.json"]);

    // Nothing changes between these two listings (delay 0 in tests): all are stable.
    let now = session.list_snapshots().unwrap();
    assert_eq!(now.len(), 4);
    assert_eq!(session.list_stable().unwrap(), now);
}

#[test]
fn downloads_and_files_snapshots_into_processed_and_failed() {
    let ftp = Ftp::start();
    let doc = "{\"1\": \"Клиника на Ленина\", \"data\": {}}";
    ftp.put("in/good.json", doc, 120);
    ftp.put("in/bad.json", "not json", 60);

    let mut session = ftp.session();
    assert_eq!(session.download("good.json").unwrap(), doc.as_bytes());

    assert_eq!(
        session.move_to("good.json", Folder::Processed).unwrap(),
        "in/processed/good.json"
    );
    session.mark_failed("bad.json").unwrap();
    assert!(!ftp.exists("in/good.json") && ftp.exists("in/processed/good.json"));
    assert!(!ftp.exists("in/bad.json") && ftp.exists("in/failed/bad.json"));
    assert_eq!(ftp.read("in/processed/good.json"), doc);

    // The MIS uploads the same name again: the processed copy is replaced.
    ftp.put("in/good.json", "{\"data\": {}}", 10);
    session.mark_imported("good.json").unwrap();
    assert_eq!(ftp.read("in/processed/good.json"), "{\"data\": {}}");
    assert!(session.list_snapshots().unwrap().is_empty());

    // A file that is not there.
    match session.download("gone.json") {
        Err(e @ FtpError::NotFound { .. }) => {
            assert!(!e.is_transient());
            assert!(e.to_string().contains("in/gone.json"), "{e}");
        }
        other => panic!("downloading a missing file gave {other:?}"),
    }
}

#[test]
fn a_file_larger_than_allowed_is_not_kept_and_the_session_goes_on() {
    let ftp = Ftp::start();
    let big = "x".repeat(3 << 20);
    ftp.put("in/big.json", &big, 60);
    ftp.put("in/small.json", "{\"data\": {}}", 60);
    let mut cfg = ftp.config();
    cfg.max_download = 1 << 20;
    let mut session = FtpSession::connect(&cfg).expect("connect");
    match session.download("big.json") {
        Err(e @ FtpError::TooLarge { .. }) => {
            assert!(!e.is_transient());
            assert!(e.to_string().contains("in/big.json"), "{e}");
        }
        other => panic!("a 3 MB file with a 1 MB cap gave {other:?}"),
    }
    // the same session downloads and files again
    assert_eq!(session.download("small.json").unwrap(), b"{\"data\": {}}");
    session.mark_failed("big.json").unwrap();
    assert!(ftp.exists("in/failed/big.json"));
    // exactly the cap is allowed
    cfg.max_download = 12;
    let mut session = FtpSession::connect(&cfg).expect("connect");
    assert_eq!(session.download("small.json").unwrap().len(), 12);
}

#[test]
fn delete_policy_removes_imported_files() {
    let ftp = Ftp::start();
    ftp.put("in/a.json", "{}", 60);
    let mut cfg = ftp.config();
    cfg.after_import = AfterImport::Delete;
    let mut session = FtpSession::connect(&cfg).unwrap();
    session.mark_imported("a.json").unwrap();
    assert!(!ftp.exists("in/a.json"));
    assert!(!ftp.exists("in/processed"));
}

#[test]
fn booking_drop_and_mis_results() {
    let ftp = Ftp::start();
    let mut session = ftp.session();

    // No results directory yet: no answers.
    assert!(session.read_results().unwrap().is_empty());

    let payload = r#"{"dt_start":"2026-12-01T12:30:00Z","dt_end":"2026-12-01T13:00:00Z","filial_id":"1","doctor_id":"0001","specialty":"кардиолог","name":"Иван","phone":"79001234567","comment":""}"#;
    let path = session.upload_booking("b-42", payload).unwrap();
    assert_eq!(path, "bookings/b-42.json");
    let expected = format!(
        "{},\"booking_id\":\"b-42\"}}",
        &payload[..payload.len() - 1]
    );
    assert_eq!(ftp.read("bookings/b-42.json"), expected);
    // A retry replaces the same file: still one booking, no temporary left behind.
    session.upload_booking("b-42", payload).unwrap();
    let entries: Vec<_> = std::fs::read_dir(ftp.root.join("bookings"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(entries, ["b-42.json"]);
    assert!(matches!(
        session.upload_booking("../x", payload),
        Err(FtpError::Config(_))
    ));

    ftp.put("results/b-42.json", r#"{"success": true}"#, 30);
    ftp.put(
        "results/b-43.json",
        r#"{"success": false, "error": "Слот занят"}"#,
        20,
    );
    ftp.put("results/b-44.json", "<html>", 10);
    ftp.put("results/b-45.json.tmp", r#"{"success": true}"#, 5);

    let results = session.read_results().unwrap();
    let seen: Vec<(&str, Option<&MisAnswer>)> = results
        .iter()
        .map(|r| (r.booking_id.as_str(), r.answer.as_ref().ok()))
        .collect();
    assert_eq!(
        seen,
        [
            ("b-42", Some(&MisAnswer::Accepted)),
            ("b-43", Some(&MisAnswer::Refused("Слот занят".into()))),
            ("b-44", None),
        ]
    );
    // Reading does not remove: a crash before the answers are stored loses nothing.
    assert!(ftp.exists("results/b-42.json"));
    for r in &results {
        session.ack_result(r).unwrap();
    }
    assert!(ftp.exists("results/processed/b-42.json"));
    assert!(ftp.exists("results/processed/b-43.json"));
    assert!(ftp.exists("results/failed/b-44.json"));
    assert!(
        ftp.exists("results/b-45.json.tmp"),
        "a temporary is not read"
    );
    assert!(session.read_results().unwrap().is_empty());
}

#[test]
fn wrong_password_is_a_login_error_without_the_password() {
    // pyftpdlib delays a failed login by ~3 s: this is the only such test.
    let ftp = Ftp::start();
    let mut cfg = ftp.config();
    cfg.password = Secret::new("Wrong-Secret-99");
    let err = FtpSession::connect(&cfg).unwrap_err();
    assert!(matches!(err, FtpError::Login { .. }), "{err:?}");
    assert!(!err.is_transient());
    assert_eq!(err.reply_code(), Some(530));
    let text = format!("{err} {err:?} {cfg:?}");
    assert!(!text.contains("Wrong-Secret-99"), "{text}");
    assert!(text.contains(USER), "{text}");
}

#[test]
fn server_down_and_connection_lost_are_transient() {
    let port = peers::free_port();
    let mut cfg = FtpConfig::new("127.0.0.1", USER, Secret::new(PASSWORD));
    cfg.port = port;
    cfg.connect_timeout = Duration::from_secs(2);
    let err = FtpSession::connect(&cfg).unwrap_err();
    assert!(matches!(err, FtpError::Connect { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(!err.to_string().contains(PASSWORD));
    assert!(matches!(ftp::check(&cfg), Err(FtpError::Connect { .. })));

    // Up, then gone in the middle of a session.
    let mut ftp = Ftp::start();
    ftp.put("in/a.json", "{}", 60);
    let mut session = ftp.session();
    assert_eq!(session.list_snapshots().unwrap().len(), 1);
    ftp.peer.stop();
    let err = session.list_snapshots().unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(!err.to_string().contains(PASSWORD));
}

#[test]
fn check_reports_waiting_snapshots() {
    let ftp = Ftp::start();
    ftp.put("in/a.json", "{}", 60);
    ftp.put("in/b.json.part", "{}", 60);
    let report = ftp::check(&ftp.config()).unwrap();
    assert_eq!(report.waiting, 1);
    assert_eq!(report.listing, "MLSD");
    assert_eq!(report.protection, Protection::NotOffered);
    assert!(
        report.protection_text().contains("не предлагает AUTH TLS"),
        "{}",
        report.protection_text()
    );

    let mut cfg = ftp.config();
    cfg.directory = "no-such-dir".into();
    assert!(matches!(ftp::check(&cfg), Err(FtpError::NotFound { .. })));
}

#[test]
fn explicit_ftps_with_a_private_ca() {
    assert!(
        peers::python_has("OpenSSL"),
        "pyftpdlib's FTPS needs pyOpenSSL (.ci/run installs it: pip install pyopenssl)"
    );
    let root = TempDir::new("ftps");
    std::fs::create_dir_all(root.join("in")).unwrap();
    std::fs::write(root.join("in/a.json"), "{\"data\": {}}").unwrap();
    let certs = TempDir::new("ftps-cert");
    let cert = peers::make_cert(certs.path());
    let peer = peers::ftp_server_with(
        root.path(),
        USER,
        PASSWORD,
        &[
            "--tls-cert",
            cert.cert.to_str().unwrap(),
            "--tls-key",
            cert.key.to_str().unwrap(),
        ],
    );
    let mut cfg = FtpConfig::new("127.0.0.1", USER, Secret::new(PASSWORD));
    cfg.port = peer.port;
    cfg.directory = "in".into();
    cfg.stability_delay = Duration::ZERO;
    cfg.explicit_tls = true;
    cfg.extra_ca_pem = Some(cert.ca_pem.clone());

    let mut session = FtpSession::connect(&cfg).unwrap();
    assert_eq!(names(&session.list_stable().unwrap()), ["a.json"]);
    assert_eq!(session.download("a.json").unwrap(), b"{\"data\": {}}");
    session.upload_booking("7", "{}").unwrap();
    session.mark_imported("a.json").unwrap();
    session.quit();
    assert_eq!(
        std::fs::read_to_string(root.join("bookings/7.json")).unwrap(),
        "{\"booking_id\":\"7\"}"
    );
    assert!(root.join("in/processed/a.json").exists());

    assert_eq!(session_protection(&cfg), Protection::Required);

    cfg.extra_ca_pem = None;
    let err = FtpSession::connect(&cfg).unwrap_err();
    assert!(matches!(err, FtpError::Tls { .. }), "{err:?}");
    assert!(!err.is_transient());
}

fn session_protection(cfg: &FtpConfig) -> Protection {
    let session = FtpSession::connect(cfg).expect("connect");
    let p = session.protection().clone();
    session.quit();
    p
}

/// A pyftpdlib that offers `AUTH TLS` (its certificate signed by `cert`'s CA) without requiring
/// it, logging each login and transfer, TLS or plain, into `log`; `extra`: more options.
struct TlsFtp {
    root: TempDir,
    peer: Peer,
    cert: peers::TestCert,
    _certs: TempDir,
}

impl TlsFtp {
    fn start(extra: &[&str]) -> TlsFtp {
        assert!(
            peers::python_has("OpenSSL"),
            "pyftpdlib's FTPS needs pyOpenSSL (.ci/run installs it: pip install pyopenssl)"
        );
        let root = TempDir::new("ftp-opt");
        std::fs::create_dir_all(root.join("in")).unwrap();
        let certs = TempDir::new("ftp-opt-cert");
        let cert = peers::make_cert(certs.path());
        let log = root.join("peer.log");
        let mut args = vec![
            "--tls-optional",
            "--tls-cert",
            cert.cert.to_str().unwrap(),
            "--tls-key",
            cert.key.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let peer = peers::ftp_server_with(root.path(), USER, PASSWORD, &args);
        TlsFtp {
            root,
            peer,
            cert,
            _certs: certs,
        }
    }

    /// Plain settings (no FTPS) trusting the server's CA when `trusted`.
    fn config(&self, trusted: bool) -> FtpConfig {
        let mut cfg = FtpConfig::new("127.0.0.1", USER, Secret::new(PASSWORD));
        cfg.port = self.peer.port;
        cfg.directory = "in".into();
        cfg.stability_delay = Duration::ZERO;
        cfg.connect_timeout = Duration::from_secs(3);
        cfg.io_timeout = Duration::from_secs(5);
        cfg.extra_ca_pem = trusted.then(|| self.cert.ca_pem.clone());
        cfg
    }

    /// What the server saw, one event a line (`login tls mis`, `STOR plain /…/x.json`…), the
    /// file's own name kept from paths; the log is cleared.
    fn seen(&self) -> Vec<String> {
        let path = self.root.join("peer.log");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        text.lines()
            .map(|l| {
                let mut w: Vec<&str> = l.split(' ').collect();
                if let Some(last) = w.last_mut() {
                    *last = last.rsplit('/').next().unwrap_or(last);
                }
                w.join(" ")
            })
            .collect()
    }

    fn put(&self, rel: &str, content: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        set_age(&path, 60);
    }

    /// The files in `rel`, sorted.
    fn files(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root.join(rel))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

/// An import and a booking drop through one session: what the cron tick does.
fn import_and_drop(session: &mut FtpSession) {
    assert_eq!(names(&session.list_stable().unwrap()), ["a.json"]);
    assert_eq!(session.download("a.json").unwrap(), b"{\"data\": {}}");
    session.mark_imported("a.json").unwrap();
    session.upload_booking("7", "{}").unwrap();
    assert_eq!(session.read_results().unwrap().len(), 1);
}

#[test]
fn plain_settings_use_the_tls_a_server_offers_with_a_trusted_certificate() {
    let ftp = TlsFtp::start(&[]);
    ftp.put("in/a.json", "{\"data\": {}}");
    ftp.put("results/6.json", "{\"success\": true}");
    let cfg = ftp.config(true);
    let mut session = FtpSession::connect(&cfg).unwrap();
    assert_eq!(session.protection(), &Protection::Upgraded);
    import_and_drop(&mut session);
    assert_eq!(session.protection(), &Protection::Upgraded);
    session.quit();
    assert_eq!(
        ftp.seen(),
        [
            "login tls mis",
            "MLSD tls in",
            "MLSD tls in",
            "RETR tls a.json",
            "STOR tls .7.json.tmp",
            "MLSD tls results",
            "RETR tls 6.json",
        ]
    );
    assert_eq!(ftp.files("bookings"), ["7.json"]);
    assert!(ftp.root.join("in/processed/a.json").exists());

    let report = ftp::check(&cfg).unwrap();
    assert_eq!(report.protection, Protection::Upgraded);
    let text = report.protection_text();
    assert!(
        text.contains("защищено TLS") && text.contains("FTPS (явный TLS)"),
        "{text}"
    );
}

#[test]
fn an_untrusted_certificate_offered_falls_back_to_plain_text_and_says_why() {
    let ftp = TlsFtp::start(&[]);
    ftp.put("in/a.json", "{\"data\": {}}");
    ftp.put("results/6.json", "{\"success\": true}");
    let cfg = ftp.config(false);
    let mut session = FtpSession::connect(&cfg).unwrap();
    let Protection::FellBack { cause } = session.protection().clone() else {
        panic!("{:?}", session.protection());
    };
    assert!(
        cause.contains("сертификат сервера выдан неизвестным удостоверяющим центром"),
        "{cause}"
    );
    import_and_drop(&mut session);
    session.quit();
    let seen = ftp.seen();
    assert_eq!(seen[0], "login plain mis", "{seen:?}");
    assert!(seen.iter().all(|l| l.contains(" plain ")), "{seen:?}");
    assert!(
        seen.contains(&"STOR plain .7.json.tmp".to_owned()),
        "{seen:?}"
    );
    assert_eq!(ftp.files("bookings"), ["7.json"]);

    let report = ftp::check(&cfg).unwrap();
    assert!(matches!(report.protection, Protection::FellBack { .. }));
    let text = report.protection_text();
    assert!(
        text.contains("без шифрования") && text.contains("сертификат"),
        "{text}"
    );

    assert_eq!(ftp.seen(), ["login plain mis", "MLSD plain in"]);

    // FTPS demanded: the same certificate is an error, and nothing logged in.
    let mut strict = cfg.clone();
    strict.explicit_tls = true;
    let err = FtpSession::connect(&strict).unwrap_err();
    assert!(matches!(err, FtpError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("сертификат"), "{err}");
    assert!(ftp.seen().is_empty());
}

#[test]
fn a_data_connection_whose_tls_fails_is_made_again_in_plain_text_once() {
    // Data connections present a certificate of another CA: the control connection upgrades,
    // every data connection's handshake fails.
    let other = TempDir::new("ftp-data-cert");
    let data_cert = peers::make_cert(other.path());
    let ftp = TlsFtp::start(&[
        "--data-tls-cert",
        data_cert.cert.to_str().unwrap(),
        "--data-tls-key",
        data_cert.key.to_str().unwrap(),
    ]);
    ftp.put("in/a.json", "{\"data\": {}}");
    let mut cfg = ftp.config(true);
    // A server may not answer after a failed data handshake: nothing may wait for that.
    cfg.io_timeout = Duration::from_secs(20);

    // An upload first: the temporary is written again, renamed once, nothing left behind.
    let started = std::time::Instant::now();
    let mut session = FtpSession::connect(&cfg).unwrap();
    assert_eq!(session.protection(), &Protection::Upgraded);
    session.upload_booking("7", "{\"x\":1}").unwrap();
    let Protection::FellBack { cause } = session.protection().clone() else {
        panic!("{:?}", session.protection());
    };
    assert!(cause.starts_with("канал данных: сертификат"), "{cause}");
    // the same session goes on (plain now)
    assert_eq!(session.download("a.json").unwrap(), b"{\"data\": {}}");
    session.quit();
    assert_eq!(
        ftp.seen(),
        [
            "login tls mis",
            "login plain mis",
            "STOR plain .7.json.tmp",
            "RETR plain a.json"
        ]
    );
    assert_eq!(ftp.files("bookings"), ["7.json"]);
    assert_eq!(
        std::fs::read_to_string(ftp.root.join("bookings/7.json")).unwrap(),
        "{\"x\":1,\"booking_id\":\"7\"}"
    );

    // A download first, then a listing through the admin's check.
    let mut session = FtpSession::connect(&cfg).unwrap();
    assert_eq!(session.download("a.json").unwrap(), b"{\"data\": {}}");
    assert!(matches!(session.protection(), Protection::FellBack { .. }));
    session.quit();
    let report = ftp::check(&cfg).unwrap_or_else(|e| panic!("{e:?}\n{}", ftp.peer.stderr()));
    assert_eq!(report.waiting, 1);
    assert!(matches!(report.protection, Protection::FellBack { .. }));
    assert_eq!(
        ftp.seen(),
        [
            "login tls mis",
            "login plain mis",
            "RETR plain a.json",
            "login tls mis",
            "MLSD tls in",
            "login plain mis",
            "MLSD plain in"
        ]
    );
    assert!(
        started.elapsed() < cfg.io_timeout / 2,
        "{:?}",
        started.elapsed()
    );
}
