//! The exchange engine end to end, through its public API (`Engine::tick`, `Engine::book`,
//! `Engine::grid`…) against real components: MariaDB (a throw-away database per test, see
//! `storage_common`), pyftpdlib (FTP), `smtp_sink.py` (aiosmtpd writing every message into a
//! folder) and `mis_peer.py` (an HTTP server playing the MIS). Each test starts the peers it
//! needs once and reuses them.
//!
//! Every test ends by checking that no mail it caused carries a password or a full phone
//! number (see [`Env`]'s `Drop`).

mod peers;
mod storage_common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::{Duration as StdDuration, Instant, SystemTime};

use chrono::{DateTime, Duration, Utc};
use mysql::prelude::Queryable;
use serde_json::{json, Value};

use peers::{free_port, mis_basic, Peer, TempDir, MIS_PASSWORD, MIS_USER};
use priem::domain::booking::{BookingError, BookingInput};
use priem::domain::booking::{BookingSource, BookingStatus, Consent};
use priem::domain::cards::Cards;
use priem::engine::settings::Settings;
use priem::engine::{BookError, BookOutcome, BookRequest, Engine, EngineError, Link, TickReport};
use priem::time::hhmm;
use priem::transport::Protection;
use storage_common::{cells, document, eve, utc, TestDb};

const FTP_USER: &str = "mis";
const FTP_PASSWORD: &str = "Ftp-S3cret-4217";
const SMTP_USER: &str = "robot";
const SMTP_PASSWORD: &str = "Smtp-S3cret-5531";
const DB_PASSWORD: &str = "Db-S3cret-7712";
const WRONG_PASSWORD: &str = "Wrong-S3cret-0000";
/// What the visitor types, and what the MIS must receive.
const PHONE_TYPED: &str = "+7 (900) 123-45-67";
const PHONE: &str = "79001234567";

/// The name of the engine's cron lock. `priem::engine::tick::LOCK_NAME` holds it, but the
/// `tick` module is private, so tests cannot name the constant.
const TICK_LOCK: &str = "priem_tick";

fn minutes(m: i64) -> Duration {
    Duration::minutes(m)
}

// ---------------------------------------------------------------------------------------------
// The environment of one test
// ---------------------------------------------------------------------------------------------

/// One test's database, FTP root, SMTP sink folder and MIS request log, with the servers it
/// started. Dropping it checks the mails for secrets, then stops the servers.
#[allow(dead_code)]
struct Env {
    db: TestDb,
    ftp_root: TempDir,
    ftp: Option<Peer>,
    /// The FTP server's port in the settings: one nothing listens on until [`Env::start_ftp`].
    ftp_port: u16,
    mail_dir: TempDir,
    smtp: Option<Peer>,
    /// The SMTP sink's port in the settings (each start of the sink takes a new one).
    smtp_port: u16,
    /// Each start of the sink writes into its own sub-folder (it numbers messages from 1).
    smtp_starts: u32,
    mis_dir: TempDir,
    mis: Option<Peer>,
}

impl Env {
    /// A database with the schema, a running SMTP sink (with AUTH), and an FTP root with the
    /// snapshot directory `in/` (no FTP server yet: see [`Env::start_ftp`]).
    fn new() -> Env {
        let ftp_root = TempDir::new("engine-ftp");
        std::fs::create_dir_all(ftp_root.join("in")).unwrap();
        let mail_dir = TempDir::new("engine-mail");
        let mut env = Env {
            db: TestDb::new(),
            ftp_root,
            ftp: None,
            ftp_port: free_port(),
            mail_dir,
            smtp: None,
            smtp_port: 0,
            smtp_starts: 0,
            mis_dir: TempDir::new("engine-mis"),
            mis: None,
        };
        env.start_smtp();
        env
    }

    /// Starts the FTP server on a port of its own; the settings name it from now on (an engine
    /// made before needs making again).
    fn start_ftp(&mut self) {
        self.start_ftp_with(&[]);
    }

    /// [`Env::start_ftp`] with more `ftp_peer.py` options (TLS, a log).
    fn start_ftp_with(&mut self, extra: &[&str]) {
        let peer = peers::ftp_server_with(self.ftp_root.path(), FTP_USER, FTP_PASSWORD, extra);
        self.ftp_port = peer.port;
        self.ftp = Some(peer);
    }

    /// Starts the SMTP sink, requiring AUTH with the test credentials, on a port of its own;
    /// the settings name it from now on (an engine made before needs making again).
    fn start_smtp(&mut self) {
        self.smtp_starts += 1;
        let dir = self.mail_dir.join(&self.smtp_starts.to_string());
        let dir = dir.to_str().unwrap().to_owned();
        let peer = peers::smtp_sink(
            Path::new(&dir),
            &["--user", SMTP_USER, "--password", SMTP_PASSWORD],
        );
        self.smtp_port = peer.port;
        self.smtp = Some(peer);
    }

    fn stop_smtp(&mut self) {
        self.smtp = None;
    }

    /// Starts the MIS peer (Basic auth `MIS_USER:MIS_PASSWORD` on `/secure/…`).
    fn start_mis(&mut self) {
        let basic = mis_basic();
        self.mis = Some(peers::mis_peer(&self.mis_log(), &["--basic", &basic]));
    }

    fn mis_log(&self) -> PathBuf {
        self.mis_dir.join("requests.jsonl")
    }

    fn mis_url(&self, path: &str) -> String {
        let port = self.mis.as_ref().expect("the MIS peer runs").port;
        format!("http://127.0.0.1:{port}{path}")
    }

    /// Settings: the test database, FTP (`in/`, no stability delay), SMTP with AUTH to the
    /// sink. Tests change what they need before [`Env::engine`].
    fn settings(&self) -> Value {
        let db = storage_common::config(&self.db.name);
        json!({
            "db": {"host": db.host, "port": db.port, "user": db.user, "password": db.password,
                   "database": db.database},
            "ftp": {"host": "127.0.0.1", "port": self.ftp_port, "user": FTP_USER,
                    "password": FTP_PASSWORD, "directory": "in", "stability_delay_s": 0},
            "mail": {"host": "127.0.0.1", "port": self.smtp_port, "security": "none",
                     "user": SMTP_USER, "password": SMTP_PASSWORD,
                     "from": "Запись на приём <robot@clinic.test>",
                     "to": ["klinmed@yandex.ru", "diggy@yandex.ru", "info@angioclinic.ru"]},
            "timezones": {"2": "Asia/Yekaterinburg"},
            "booking": {"horizon_days": 14, "min_notice_minutes": 60},
            // these tests book one number many times a day (tests/limits.rs tests the limits)
            "limits": {"per_phone": 1000}
        })
    }

    /// Settings with the MIS reached over HTTP at `path` of the peer.
    fn http_settings(&self, path: &str, timeout_s: u64) -> Value {
        let mut s = self.settings();
        s["mis"] = json!({"transport": "http", "url": self.mis_url(path), "user": MIS_USER,
                          "password": MIS_PASSWORD, "timeout_s": timeout_s});
        s
    }

    /// Like [`http_settings`](Self::http_settings), with no FTP section: bookings only.
    fn mis_only_settings(&self, path: &str, timeout_s: u64) -> Value {
        let mut s = self.http_settings(path, timeout_s);
        s.as_object_mut().unwrap().remove("ftp");
        s
    }

    // -- FTP files ----------------------------------------------------------------------------

    /// Writes a file under the FTP root, `age_secs` old.
    fn put(&self, rel: &str, content: &str, age_secs: u64) {
        let path = self.ftp_root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        let when = SystemTime::now() - StdDuration::from_secs(age_secs);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }

    /// Writes a file under the FTP root, modified at `when` (the snapshot's production time).
    fn put_at(&self, rel: &str, content: &str, when: DateTime<Utc>) {
        self.put(rel, content, 0);
        std::fs::File::options()
            .write(true)
            .open(self.ftp_root.join(rel))
            .unwrap()
            .set_modified(SystemTime::from(when))
            .unwrap();
    }

    fn exists(&self, rel: &str) -> bool {
        self.ftp_root.join(rel).exists()
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.ftp_root.join(rel))
            .unwrap_or_else(|e| panic!("{rel} on the FTP server: {e}"))
    }

    // -- mail ----------------------------------------------------------------------------------

    /// Every mail the sink received, in order.
    fn mails(&self) -> Vec<Mail> {
        (1..=self.smtp_starts)
            .flat_map(|n| mails_in(&self.mail_dir.join(&n.to_string())))
            .collect()
    }

    fn subjects(&self) -> Vec<String> {
        self.mails().into_iter().map(|m| m.subject).collect()
    }

    // -- MIS requests --------------------------------------------------------------------------

    /// The POSTs the MIS peer received: (path, headers, body).
    fn mis_posts(&self) -> Vec<(String, Value, String)> {
        let text = match std::fs::read_to_string(self.mis_log()) {
            Ok(t) => t,
            Err(_) => return Vec::new(),
        };
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|r| r["method"] == "POST")
            .map(|r| {
                let body = unhex(r["body_hex"].as_str().unwrap());
                (
                    r["path"].as_str().unwrap().to_owned(),
                    r["headers"].clone(),
                    String::from_utf8(body).unwrap(),
                )
            })
            .collect()
    }

    /// The times the MIS peer's `/slow-book` booked, as `dt_start` (UTC) of doctor 1/0001.
    fn mis_booked(&self) -> Vec<String> {
        let list: Vec<Vec<String>> = reqwest::blocking::get(self.mis_url("/_booked"))
            .and_then(|r| r.json())
            .expect("the MIS peer's bookings");
        list.into_iter()
            .filter(|k| k[0] == "1" && k[1] == "0001")
            .map(|k| k[2].clone())
            .collect()
    }

    /// Doctor 1/0001's 2026-12-01 15:00, 15:30 and 16:00 as the MIS exports them: busy when
    /// the MIS peer booked them.
    fn mis_snapshot(&self) -> String {
        let booked = self.mis_booked();
        let cell = |local: &str, utc: &str| {
            let (h, m) = local.split_once(':').unwrap();
            let end = hhmm(h.parse::<u16>().unwrap() * 60 + m.parse::<u16>().unwrap() + 30);
            let state = if booked.iter().any(|b| b == utc) {
                "busy"
            } else {
                "free"
            };
            format!("2026-12-01 {local}-{end} {state}")
        };
        document(&[(
            "1",
            "Клиника на Ленина",
            vec![(
                "0001",
                "Иванова Мария Петровна",
                cells(
                    &[
                        cell("15:00", "2026-12-01T12:00:00Z"),
                        cell("15:30", "2026-12-01T12:30:00Z"),
                        cell("16:00", "2026-12-01T13:00:00Z"),
                    ]
                    .join("; "),
                ),
            )],
        )])
    }

    /// The test database as `mysqldump` writes it (data and schema, text as UTF-8).
    fn dump(&self) -> String {
        let c = storage_common::config(&self.db.name);
        let out = std::process::Command::new("mysqldump")
            .env("MYSQL_PWD", &c.password)
            .args([
                "--protocol=tcp",
                "-h",
                &c.host,
                "-P",
                &c.port.to_string(),
                "-u",
                &c.user,
            ])
            .args([
                "--default-character-set=utf8mb4",
                "--skip-extended-insert",
                &c.database,
            ])
            .output()
            .expect("mysqldump (.ci/run installs mariadb-client)");
        assert!(
            out.status.success(),
            "mysqldump: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Every file under the FTP root: (path, content).
    fn ftp_tree(&self) -> Vec<(String, String)> {
        fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
            for e in std::fs::read_dir(dir).into_iter().flatten() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                    out.push((p.display().to_string(), text));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.ftp_root.path(), &mut out);
        out
    }

    /// Where `word` is left: the database dump and the FTP files that contain it.
    fn traces_of(&self, word: &str) -> Vec<String> {
        let mut found: Vec<String> = self
            .dump()
            .lines()
            .filter(|l| l.contains(word))
            .map(|l| format!("database: {}", l.chars().take(200).collect::<String>()))
            .collect();
        found.extend(
            self.ftp_tree()
                .into_iter()
                .filter(|(_, text)| text.contains(word))
                .map(|(path, _)| format!("FTP: {path}")),
        );
        found
    }

    /// Asserts that no mail contains a password, a credential or a full phone number.
    fn assert_mails_clean(&self) {
        let basic = peers::base64(&mis_basic());
        let forbidden = [
            FTP_PASSWORD,
            MIS_PASSWORD,
            SMTP_PASSWORD,
            DB_PASSWORD,
            WRONG_PASSWORD,
            &basic,
            PHONE,
            "9001234567",
            "123-45-67",
            "1234567",
        ];
        let files = (1..=self.smtp_starts).flat_map(|n| {
            std::fs::read_dir(self.mail_dir.join(&n.to_string()))
                .into_iter()
                .flatten()
                .map(|e| e.unwrap().path())
        });
        for path in files {
            let raw = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            // The .eml as sent, and the .json with the subject and body decoded.
            let text = if path.extension().is_some_and(|e| e == "json") {
                let v: Value = serde_json::from_str(&raw).unwrap();
                format!("{} {}", v["subject"], v["body"].as_str().unwrap_or(""))
            } else {
                raw
            };
            for f in forbidden {
                assert!(
                    !text.contains(f),
                    "{} contains {f:?}:\n{text}",
                    path.display()
                );
            }
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.assert_mails_clean();
        }
    }
}

#[derive(Debug, Clone)]
struct Mail {
    subject: String,
    body: String,
}

fn mails_in(dir: &Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut numbered: Vec<(u32, PathBuf)> = entries
        .filter_map(|e| {
            let p = e.unwrap().path();
            let n = p
                .file_name()?
                .to_str()?
                .strip_suffix(".json")?
                .parse::<u32>()
                .ok()?;
            Some((n, p))
        })
        .collect();
    numbered.sort();
    numbered
        .into_iter()
        .map(|(_, p)| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            Mail {
                subject: v["subject"].as_str().unwrap_or_default().to_owned(),
                body: v["body"].as_str().unwrap_or_default().replace("\r\n", "\n"),
            }
        })
        .collect()
}

fn engine(settings: &Value) -> Engine {
    let s = Settings::from_value(settings.clone()).expect("valid settings");
    Engine::new(s).expect("engine")
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Percent-encodes a query value.
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Schedules, grids and bookings
// ---------------------------------------------------------------------------------------------

/// Filial 1 (Moscow) with doctors 0001 and 0002.
fn snapshot_v1() -> String {
    document(&[(
        "1",
        "Клиника на Ленина",
        vec![
            (
                "0001",
                "Иванова Мария Петровна",
                cells(
                    "2026-12-01 09:00-09:30 free 12; 2026-12-01 09:30-10:00 busy 12; \
                     2026-12-02 15:00-15:30 free",
                ),
            ),
            (
                "0002",
                "Петров Пётр Петрович",
                cells("2026-12-01 11:00-11:20 free; 2026-12-01 11:20-11:40 free"),
            ),
        ],
    )])
}

/// The grid of a doctor as `("YYYY-MM-DD HH:MM", free)` pairs.
fn times(e: &Engine, filial: &str, doctor: &str, at: DateTime<Utc>) -> Vec<(String, bool)> {
    let g = e
        .grid(filial, doctor, at, Some(7))
        .unwrap_or_else(|err| panic!("grid of {filial}/{doctor}: {err}"));
    let mut out = Vec::new();
    for day in &g.days {
        for part in &day.parts {
            for s in &part.slots {
                out.push((format!("{} {}", day.date, hhmm(s.start)), s.free));
            }
        }
    }
    out
}

fn t(s: &str, free: bool) -> (String, bool) {
    (s.to_owned(), free)
}

fn input(filial: &str, doctor: &str, date: &str, time: &str) -> BookingInput {
    BookingInput {
        filial_id: filial.into(),
        doctor_id: doctor.into(),
        date: date.into(),
        time_start: time.into(),
        name: "Сидорова Анна".into(),
        phone: PHONE_TYPED.into(),
        comment: "Первичный приём".into(),
        specialty: String::new(),
        utc: None,
    }
}

fn request(key: &str, input: BookingInput) -> BookRequest {
    BookRequest {
        input,
        idempotency_key: key.into(),
        source: BookingSource::Site,
        consent: Some(Consent {
            at: eve(),
            ip: "203.0.113.7".into(),
            text_version: "2026-01".into(),
        }),
        form_nonce: None,
    }
}

/// Filial 1 (Moscow, UTC+3) doctor 0001 and filial 2 (Yekaterinburg, UTC+5) doctor 0007.
fn booking_snapshot() -> String {
    booking_snapshot_with("free")
}

/// [`booking_snapshot`] with 2026-12-01 16:00 of doctor 1/0001 `free` or `busy`.
fn booking_snapshot_with(at_1600: &str) -> String {
    document(&[
        (
            "1",
            "Клиника на Ленина",
            vec![(
                "0001",
                "Иванова Мария Петровна",
                cells(&format!(
                    "2026-12-01 15:00-15:30 free; 2026-12-01 15:30-16:00 free; \
                     2026-12-01 16:00-16:30 {at_1600}; 2026-12-02 09:00-09:30 busy; \
                     2026-12-02 09:30-10:00 free"
                )),
            )],
        ),
        (
            "2",
            "Клиника в Екатеринбурге",
            vec![(
                "0007",
                "Смирнов Олег Иванович",
                cells("2026-12-01 15:30-16:00 free 5; 2026-12-01 16:00-16:30 free 5"),
            )],
        ),
    ])
}

fn import(e: &Engine, json: &str) {
    let i = e.import_json(json, eve(), None).expect("import");
    assert!(i.rejected.is_empty() && i.bad_cells.is_empty(), "{i:?}");
}

/// The §2.1 request for booking `input` with the given UTC times.
fn expected_payload(filial: &str, doctor: &str, start: &str, end: &str) -> Value {
    json!({
        "dt_start": start,
        "dt_end": end,
        "filial_id": filial,
        "doctor_id": doctor,
        "specialty": "Кардиолог",
        "name": "Сидорова Анна",
        "phone": PHONE,
        "comment": "Первичный приём",
    })
}

fn assert_ran(r: &TickReport) {
    assert!(r.ran, "{r:?}");
    assert!(r.errors.is_empty(), "{r:?}");
}

// ---------------------------------------------------------------------------------------------
// 1. FTP import through the tick
// ---------------------------------------------------------------------------------------------

#[test]
fn tick_imports_a_snapshot_from_ftp_and_files_it_in_processed() {
    let mut env = Env::new();
    env.start_ftp();
    let e = engine(&env.settings());
    assert!(
        e.migrate().unwrap().is_empty(),
        "the schema is already there"
    );

    env.put("in/schedule.json", &snapshot_v1(), 60);
    // Still being uploaded: never read.
    let other = document(&[(
        "9",
        "Не та клиника",
        vec![("0009", "Врач", cells("2026-12-01 09:00-09:30 free"))],
    )]);
    env.put("in/next.json.tmp", &other, 60);
    env.put("in/next.part", &other, 60);

    let r = e.tick(eve());
    assert_ran(&r);
    assert_eq!((r.files_imported, r.files_failed), (1, 0), "{r:?}");
    assert_eq!(r.slots_inserted, 5, "{r:?}");
    assert_eq!(
        times(&e, "1", "0001", eve()),
        [
            t("2026-12-01 09:00", true),
            t("2026-12-01 09:30", false),
            t("2026-12-02 15:00", true)
        ]
    );
    assert_eq!(
        times(&e, "1", "0002", eve()),
        [t("2026-12-01 11:00", true), t("2026-12-01 11:20", true)]
    );
    assert!(!env.exists("in/schedule.json"));
    assert_eq!(env.read("in/processed/schedule.json"), snapshot_v1());
    assert!(env.exists("in/next.json.tmp") && env.exists("in/next.part"));
    assert!(!env.exists("in/processed/next.json.tmp"));
    let ftp = e.observed_protection(Link::Ftp).unwrap().expect("noted");
    assert_eq!((ftp.protection, ftp.at), (Protection::NotOffered, eve()));
    assert!(matches!(
        e.grid("9", "0009", eve(), None),
        Err(EngineError::NotFound(_))
    ));
    let runs = env.db.store.recent_runs(5).unwrap();
    assert!(!runs.is_empty(), "the run is recorded");
    use sha2::Digest;
    let digest = format!("{:x}", sha2::Sha256::digest(snapshot_v1()));
    assert_eq!(
        (runs[0].file.as_deref(), runs[0].sha256.as_deref()),
        (Some("schedule.json"), Some(digest.as_str())),
        "the run names the file it imported and its sha256"
    );

    // Nothing new: nothing done, nothing mailed.
    let r = e.tick(eve() + minutes(15));
    assert_ran(&r);
    assert_eq!((r.files_imported, r.files_failed), (0, 0), "{r:?}");
    assert_eq!((r.slots_inserted, r.slots_deleted), (0, 0), "{r:?}");
    assert_eq!(r.mails_sent, 0, "{r:?}");
    assert!(env.exists("in/next.json.tmp"));

    // Two snapshots waiting: the newer one wins; a doctor gone from the filial loses its
    // times (the replacement rule).
    let older = document(&[(
        "1",
        "Клиника на Ленина",
        vec![(
            "0001",
            "Иванова Мария Петровна",
            cells("2026-12-01 09:00-09:30 busy"),
        )],
    )]);
    let newer = document(&[(
        "1",
        "Клиника на Ленина",
        vec![(
            "0001",
            "Иванова Мария Петровна",
            cells("2026-12-01 09:00-09:30 free; 2026-12-03 10:00-10:30 free"),
        )],
    )]);
    env.put("in/b-older.json", &older, 600);
    env.put("in/a-newer.json", &newer, 30);
    let r = e.tick(eve() + minutes(30));
    assert_ran(&r);
    assert_eq!(r.files_failed, 0, "{r:?}");
    assert!(r.files_imported >= 1, "{r:?}");
    assert_eq!(
        times(&e, "1", "0001", eve() + minutes(30)),
        [t("2026-12-01 09:00", true), t("2026-12-03 10:00", true)]
    );
    assert!(matches!(
        e.grid("1", "0002", eve(), None),
        Err(EngineError::NotFound(_))
    ));
    assert!(!env.exists("in/a-newer.json") && !env.exists("in/b-older.json"));
    assert!(env.exists("in/processed/a-newer.json"));
    assert!(env.mails().is_empty(), "{:?}", env.subjects());
}

// ---------------------------------------------------------------------------------------------
// 2. A malformed file
// ---------------------------------------------------------------------------------------------

#[test]
fn a_malformed_file_goes_to_failed_keeps_the_schedule_and_is_mailed_once() {
    let mut env = Env::new();
    env.start_ftp();
    let e = engine(&env.settings());
    env.put("in/schedule.json", &snapshot_v1(), 60);
    assert_ran(&e.tick(eve()));
    let before = times(&e, "1", "0001", eve());

    env.put("in/broken.json", "<html>это не JSON {", 60);
    let r = e.tick(eve() + minutes(15));
    assert!(r.ran, "{r:?}");
    assert_eq!((r.files_imported, r.files_failed), (0, 1), "{r:?}");
    assert_eq!(
        times(&e, "1", "0001", eve()),
        before,
        "the old schedule stays"
    );
    assert!(!env.exists("in/broken.json"));
    assert_eq!(env.read("in/failed/broken.json"), "<html>это не JSON {");
    let mails = env.mails();
    assert_eq!(mails.len(), 1, "{:?}", env.subjects());
    assert!(mails[0].subject.contains("broken.json"), "{mails:?}");
    assert!(mails[0].subject.contains("не принят"), "{mails:?}");
    assert!(mails[0].body.contains("failed/"), "{mails:?}");
    assert!(mails[0].body.contains("Что сделать"), "{mails:?}");

    for m in [30, 45, 60] {
        let r = e.tick(eve() + minutes(m));
        assert!(r.ran && r.files_failed == 0, "{r:?}");
    }
    assert_eq!(env.mails().len(), 1, "{:?}", env.subjects());
}

#[test]
fn a_snapshot_above_the_cap_is_not_read_keeps_the_schedule_and_is_mailed() {
    let mut env = Env::new();
    env.start_ftp();
    let mut s = env.settings();
    s["ftp"]["max_snapshot_mb"] = json!(1);
    let e = engine(&s);
    env.put("in/schedule.json", &snapshot_v1(), 60);
    assert_ran(&e.tick(eve()));
    let before = times(&e, "1", "0001", eve());

    // a readable document, padded past 1 MB
    let mut doc: Value = serde_json::from_str(&snapshot_v1()).unwrap();
    doc["padding"] = json!("x".repeat(1 << 20));
    let big = doc.to_string();
    env.put("in/huge.json", &big, 60);
    let r = e.tick(eve() + minutes(15));
    assert_eq!((r.files_imported, r.files_failed), (0, 1), "{r:?}");
    assert_eq!(
        times(&e, "1", "0001", eve()),
        before,
        "the old schedule stays"
    );
    assert!(!env.exists("in/huge.json"));
    assert_eq!(env.read("in/failed/huge.json").len(), big.len());
    let mails = env.mails();
    assert_eq!(mails.len(), 1, "{:?}", env.subjects());
    assert_eq!(
        mails[0].subject,
        "Файл расписания huge.json не принят: больше 1 МБ"
    );
    assert!(
        mails[0].body.contains("Наибольший файл расписания, МБ"),
        "{mails:?}"
    );
    // the next good file imports
    env.put("in/schedule.json", &snapshot_v1(), 60);
    let r = e.tick(eve() + minutes(30));
    assert_eq!((r.files_imported, r.files_failed), (1, 0), "{r:?}");
}

/// The MIS usually uploads under one fixed name. A broken `schedule.json`, then a good one,
/// then a broken one again an hour later: the second failure must be mailed too (and the
/// good file should resolve the first one).
#[test]
fn a_file_name_broken_again_after_a_good_import_is_mailed_again() {
    let mut env = Env::new();
    env.start_ftp();
    let e = engine(&env.settings());
    env.put("in/schedule.json", "не JSON", 60);
    e.tick(eve());
    assert_eq!(env.mails().len(), 1, "{:?}", env.subjects());

    env.put("in/schedule.json", &snapshot_v1(), 60);
    assert_ran(&e.tick(eve() + minutes(15)));
    env.put("in/schedule.json", "снова не JSON", 60);
    let r = e.tick(eve() + minutes(60));
    assert_eq!(r.files_failed, 1, "{r:?}");
    let subjects = env.subjects();
    let failures = subjects
        .iter()
        .filter(|s| s.starts_with("Файл расписания schedule.json"))
        .count();
    assert_eq!(failures, 2, "{subjects:?}");
}

// ---------------------------------------------------------------------------------------------
// 3. A bad cell, a bad doctor
// ---------------------------------------------------------------------------------------------

/// Doctor 0001 updated, doctor 0002 with two cells, the second one changed by `damage`.
fn snapshot_0002_with(damage: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value = serde_json::from_str(&document(&[(
        "1",
        "Клиника на Ленина",
        vec![
            (
                "0001",
                "Иванова Мария Петровна",
                cells("2026-12-01 09:00-09:30 busy; 2026-12-01 10:00-10:30 free"),
            ),
            (
                "0002",
                "Петров Пётр Петрович",
                cells("2026-12-01 12:00-12:20 free; 2026-12-01 12:20-12:40 free"),
            ),
        ],
    )]))
    .unwrap();
    damage(&mut doc["data"]["1"]["0002"]);
    doc.to_string()
}

/// Doctor 0002's last cell with `"time_end": null`, as a public exporter of this format writes
/// a day's last step.
fn snapshot_null_end_0002() -> String {
    snapshot_0002_with(|d| d["cells"][1]["time_end"] = Value::Null)
}

/// Doctor 0002 without a `cells` array: the doctor himself is wrong.
fn snapshot_bad_0002() -> String {
    snapshot_0002_with(|d| d["cells"] = json!("нет"))
}

#[test]
fn a_null_time_end_costs_one_cell_the_rest_is_imported() {
    let mut env = Env::new();
    env.start_ftp();
    let e = engine(&env.settings());
    env.put("in/s1.json", &snapshot_v1(), 60);
    assert_ran(&e.tick(eve()));

    env.put("in/s2.json", &snapshot_null_end_0002(), 60);
    let r = e.tick(eve() + minutes(15));
    assert!(r.ran && r.errors.is_empty(), "{r:?}");
    assert_eq!((r.files_imported, r.files_failed), (1, 0), "{r:?}");
    assert_eq!((r.doctors_rejected, r.cells_rejected), (0, 1), "{r:?}");
    assert_eq!(
        times(&e, "1", "0001", eve()),
        [t("2026-12-01 09:00", false), t("2026-12-01 10:00", true)],
        "the other doctor is updated"
    );
    assert_eq!(
        times(&e, "1", "0002", eve()),
        [t("2026-12-01 12:00", true)],
        "the doctor's good cell replaces his schedule, the bad one is not offered"
    );
    assert!(env.exists("in/processed/s2.json"));
    let mails = env.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].subject.contains("0002") && mails[0].subject.contains("ячейки"),
        "{mails:?}"
    );
    assert!(
        mails[0]
            .body
            .contains(r#"data["1"]["0002"].cells[1].time_end: null — не время ЧЧ:ММ"#),
        "the cell's path and what is wrong: {mails:?}"
    );
    assert!(mails[0].body.contains("s2.json"), "{mails:?}");

    // The same file again: no second mail.
    env.put("in/s3.json", &snapshot_null_end_0002(), 60);
    let r = e.tick(eve() + minutes(30));
    assert_eq!((r.mails_sent, r.alerts_resolved), (0, 0), "{r:?}");

    // The MIS fixes the export.
    let fixed = snapshot_0002_with(|_| {});
    env.put("in/s4.json", &fixed, 60);
    let r = e.tick(eve() + minutes(45));
    assert_ran(&r);
    assert_eq!(r.cells_rejected, 0, "{r:?}");
    assert_eq!(
        times(&e, "1", "0002", eve()),
        [t("2026-12-01 12:00", true), t("2026-12-01 12:20", true)]
    );
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(subjects[1], format!("Решено: {}", subjects[0]));
}

#[test]
fn a_doctor_without_cells_keeps_its_schedule_others_are_imported() {
    let mut env = Env::new();
    env.start_ftp();
    let e = engine(&env.settings());
    env.put("in/s1.json", &snapshot_v1(), 60);
    assert_ran(&e.tick(eve()));
    let old_0002 = times(&e, "1", "0002", eve());

    env.put("in/s2.json", &snapshot_bad_0002(), 60);
    let r = e.tick(eve() + minutes(15));
    assert!(r.ran && r.errors.is_empty(), "{r:?}");
    assert_eq!((r.files_imported, r.files_failed), (1, 0), "{r:?}");
    assert_eq!(r.doctors_rejected, 1, "{r:?}");
    assert_eq!(
        times(&e, "1", "0001", eve()),
        [t("2026-12-01 09:00", false), t("2026-12-01 10:00", true)],
        "the good doctor is updated"
    );
    assert_eq!(
        times(&e, "1", "0002", eve()),
        old_0002,
        "the bad one is kept"
    );
    let mails = env.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].subject.contains("0002"), "{mails:?}");
    assert!(mails[0].body.contains("0002") && mails[0].body.contains("s2.json"));
    assert!(
        mails[0].body.contains(r#"data["1"]["0002"].cells"#),
        "says what is wrong: {mails:?}"
    );

    // Nothing new: no mail, nothing resolved.
    let r = e.tick(eve() + minutes(30));
    assert_eq!((r.mails_sent, r.alerts_resolved), (0, 0), "{r:?}");

    // The MIS fixes the export.
    env.put("in/s3.json", &snapshot_0002_with(|_| {}), 60);
    let r = e.tick(eve() + minutes(45));
    assert_ran(&r);
    assert_eq!(r.doctors_rejected, 0, "{r:?}");
    assert_eq!(
        times(&e, "1", "0002", eve()),
        [t("2026-12-01 12:00", true), t("2026-12-01 12:20", true)]
    );
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(subjects[1], format!("Решено: {}", subjects[0]));
}

/// The MIS's HTTP push is taken as a file from FTP is: a run recorded (source `push`), a
/// doctor left out alerted (mailed by the next tick), resolved when a later push fixes him; a
/// document that cannot be read is alerted too, and cleared by the next good push.
#[test]
fn a_push_is_recorded_as_a_run_and_alerted_as_a_file_is() {
    let env = Env::new();
    let mut s = env.settings();
    s["ftp"] = Value::Null;
    let e = engine(&s);
    e.push(snapshot_v1().as_bytes(), eve()).expect("push");

    let p = e
        .push(snapshot_bad_0002().as_bytes(), eve() + minutes(15))
        .expect("push");
    let imported = p.imported.as_ref().expect("readable");
    assert_eq!(imported.rejected.len(), 1, "{p:?}");
    assert_eq!((p.report.alerts_raised, p.report.doctors_rejected), (1, 1));
    let run = &env.db.store.recent_runs(1).unwrap()[0];
    assert_eq!(run.id, p.run);
    assert_eq!(run.file.as_deref(), Some("HTTP push"));
    assert_eq!(run.counts["source"], "push", "{run:?}");
    assert_eq!(run.counts["doctors_rejected"], 1, "{run:?}");
    assert_eq!(run.sha256.as_ref().map(String::len), Some(64), "{run:?}");
    let alert = env
        .db
        .store
        .alert("bad_doctor:1:0002")
        .unwrap()
        .expect("alerted");
    assert!(
        alert.resolved_at.is_none() && alert.last_sent.is_none(),
        "{alert:?}"
    );
    assert!(env.mails().is_empty(), "the push does not wait for SMTP");

    // The next tick mails it, naming the push.
    let r = e.tick(eve() + minutes(16));
    assert_eq!(r.mails_sent, 1, "{r:?}");
    let mails = env.mails();
    assert!(mails[0].subject.contains("0002"), "{mails:?}");
    assert!(
        mails[0].body.contains("присланной МИС по HTTP"),
        "{mails:?}"
    );

    // An unreadable push: alerted, nothing imported, the run failed.
    let p = e.push(b"\xff not JSON", eve() + minutes(20)).expect("push");
    assert!(
        p.imported.as_ref().is_err_and(|why| why.contains("UTF-8")),
        "{p:?}"
    );
    let run = &env.db.store.recent_runs(1).unwrap()[0];
    assert_eq!(run.status, priem::storage::RunStatus::Failed, "{run:?}");
    assert!(env.db.store.alert("bad_file:HTTP push").unwrap().is_some());

    // The MIS fixes its export: both resolved, announced by the next tick.
    let p = e
        .push(snapshot_0002_with(|_| {}).as_bytes(), eve() + minutes(30))
        .expect("push");
    assert_eq!(p.report.alerts_resolved, 2, "{p:?}");
    for key in ["bad_doctor:1:0002", "bad_file:HTTP push"] {
        let a = env.db.store.alert(key).unwrap().expect("kept");
        assert!(a.resolved_at.is_some(), "{a:?}");
    }
    e.tick(eve() + minutes(31));
    let subjects = env.subjects();
    assert!(
        subjects.contains(&format!("Решено: {}", subjects[0])),
        "{subjects:?}"
    );
}

/// An MIS may send one file per filial (§1.1). A file with only filial 2 says nothing about
/// filial 1's doctor 0002, whose broken schedule is still not imported: no "Решено" mail.
/// The same for a malformed file, which says nothing about any doctor.
#[test]
fn a_file_for_another_filial_does_not_resolve_a_bad_doctor() {
    let mut env = Env::new();
    env.start_ftp();
    let e = engine(&env.settings());
    env.put("in/s1.json", &snapshot_v1(), 60);
    e.tick(eve());
    env.put("in/s2.json", &snapshot_bad_0002(), 60);
    e.tick(eve() + minutes(15));
    assert_eq!(env.mails().len(), 1, "{:?}", env.subjects());

    let filial2 = document(&[(
        "2",
        "Клиника в Екатеринбурге",
        vec![("0007", "Смирнов", cells("2026-12-01 15:30-16:00 free"))],
    )]);
    env.put("in/filial2.json", &filial2, 60);
    let r = e.tick(eve() + minutes(30));
    assert_eq!(r.files_imported, 1, "{r:?}");
    env.put("in/garbage.json", "не JSON", 60);
    e.tick(eve() + minutes(45));
    let subjects = env.subjects();
    assert!(
        !subjects.iter().any(|s| s.starts_with("Решено")),
        "nothing was fixed: {subjects:?}"
    );
    let alert = env.db.store.alert("bad_doctor:1:0002").unwrap().unwrap();
    assert!(alert.resolved_at.is_none(), "{alert:?}");
}

// ---------------------------------------------------------------------------------------------
// 4. FTP down, reminder, back
// ---------------------------------------------------------------------------------------------

#[test]
fn ftp_down_is_mailed_reminded_and_resolved() {
    let mut env = Env::new();
    let mut s = env.settings();
    s["mail"]["remind_hours"] = json!(1);
    let e = engine(&s);

    let r = e.tick(eve());
    assert!(r.ran, "{r:?}");
    assert_eq!(r.files_imported, 0);
    assert_eq!(r.alerts_raised, 1, "{r:?}");
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(subjects[0].contains("FTP"), "{subjects:?}");
    let open = env.db.store.open_alerts().unwrap();
    assert_eq!(open.len(), 1, "{open:?}");

    // Still down a little later: no mail. Two hours later: one reminder.
    e.tick(eve() + minutes(30));
    assert_eq!(env.mails().len(), 1, "{:?}", env.subjects());
    e.tick(eve() + minutes(120));
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(subjects[1], format!("Напоминание: {}", subjects[0]));
    e.tick(eve() + minutes(135));
    assert_eq!(env.mails().len(), 2, "{:?}", env.subjects());

    // Back (on a port of its own: the settings follow).
    env.start_ftp();
    let mut s = env.settings();
    s["mail"]["remind_hours"] = json!(1);
    let e = engine(&s);
    env.put("in/schedule.json", &snapshot_v1(), 60);
    let r = e.tick(eve() + minutes(150));
    assert_ran(&r);
    assert_eq!(r.files_imported, 1, "{r:?}");
    assert_eq!(r.alerts_resolved, 1, "{r:?}");
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert_eq!(subjects[2], format!("Решено: {}", subjects[0]));
    assert!(env.db.store.open_alerts().unwrap().is_empty());
    e.tick(eve() + minutes(165));
    assert_eq!(env.mails().len(), 3, "{:?}", env.subjects());
}

// ---------------------------------------------------------------------------------------------
// 5. MIS codes with no card on the site
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_codes_are_mailed_once_per_problem_not_once_per_tick() {
    let env = Env::new();
    let mut s = env.settings();
    s.as_object_mut().unwrap().remove("ftp");
    let with_cards = |clinics: Value, doctors: Value| {
        let mut s = s.clone();
        s["cards"] = json!({"clinics": clinics, "doctors": doctors});
        engine(&s)
    };
    let clinics = json!([{"id": "1", "codes": "1"}]);
    let e = with_cards(
        clinics.clone(),
        json!([{"id": "10", "codes": "0001, 0003"}, {"id": "11", "codes": ""}]),
    );
    let doc = document(&[
        (
            "1",
            "Клиника на Ленина",
            vec![
                ("0001", "Иванова", cells("2026-12-01 09:00-09:30 free")),
                ("0002", "Петров", cells("2026-12-01 09:00-09:30 free")),
            ],
        ),
        (
            "3",
            "Клиника на Мира",
            vec![("0003", "Сидоров", cells("2026-12-01 09:00-09:30 free"))],
        ),
    ]);
    import(&e, &doc);

    for m in [0, 15, 30, 45, 60] {
        let r = e.tick(eve() + minutes(m));
        assert_ran(&r);
    }
    let mut subjects = env.subjects();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "Нет врача с кодом 0002 в филиале 1",
            "Нет филиала с кодом 3"
        ],
        "one mail per problem, its subject capitalised"
    );
    let mails = env.mails();
    assert!(mails.iter().all(|m| m.body.contains("Что сделать")));

    // A card gets the code: resolved, once.
    let clinics = json!([{"id": "1", "codes": "1"}, {"id": "2", "codes": "3"}]);
    let e = with_cards(
        clinics.clone(),
        json!([{"id": "10", "codes": "0001, 0003"}, {"id": "11", "codes": ""}]),
    );
    e.tick(eve() + minutes(75));
    e.tick(eve() + minutes(90));
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert_eq!(subjects[2], "Решено: Нет филиала с кодом 3");

    // A card whose code the MIS never sends is a problem too.
    let e = with_cards(
        clinics,
        json!([{"id": "10", "codes": "0001, 0003"}, {"id": "11", "codes": "0099"}]),
    );
    e.tick(eve() + minutes(105));
    e.tick(eve() + minutes(120));
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 4, "{subjects:?}");
    assert!(
        subjects[3].starts_with("Врача с кодом 0099 (карточка № 11) нет в данных МИС"),
        "{subjects:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Booking over HTTP
// ---------------------------------------------------------------------------------------------

#[test]
fn booking_confirmed_sends_the_exact_request_in_utc_once() {
    let mut env = Env::new();
    env.start_mis();
    let s = env.mis_only_settings("/secure/success", 5);
    let e = engine(&s);
    import(&e, &booking_snapshot());

    // Moscow, UTC+3: 15:30 local is 12:30Z.
    let out = e
        .book(
            &request("k-msk", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .expect("booked");
    let BookOutcome::Confirmed { id } = out else {
        panic!("{out:?}")
    };
    // Yekaterinburg, UTC+5: 15:30 local is 10:30Z.
    let out = e
        .book(
            &request("k-ekb", input("2", "0007", "2026-12-01", "15:30")),
            eve(),
        )
        .expect("booked");
    assert!(matches!(out, BookOutcome::Confirmed { .. }), "{out:?}");

    let posts = env.mis_posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    let bodies: Vec<Value> = posts
        .iter()
        .map(|(_, _, b)| serde_json::from_str(b).unwrap())
        .collect();
    assert_eq!(
        bodies[0],
        expected_payload("1", "0001", "2026-12-01T12:30:00Z", "2026-12-01T13:00:00Z")
    );
    assert_eq!(
        bodies[1],
        expected_payload("2", "0007", "2026-12-01T10:30:00Z", "2026-12-01T11:00:00Z")
    );
    let (path, headers, _) = &posts[0];
    assert_eq!(path, "/secure/success");
    let ctype = headers["content-type"].as_str().unwrap_or_default();
    assert!(ctype.starts_with("application/json"), "{headers}");

    let b = e.booking(id).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Confirmed);
    assert_eq!(b.attempts, 1);
    assert_eq!(
        serde_json::from_str::<Value>(&b.payload).unwrap(),
        bodies[0],
        "the stored payload is what was sent"
    );
    assert!(!b.phone_masked.contains(PHONE), "{b:?}");
    // The time is the site's now.
    let grid = times(&e, "1", "0001", eve());
    assert!(grid.contains(&t("2026-12-01 15:30", false)), "{grid:?}");

    // The same form sent twice: the same booking, nothing sent again.
    let again = e
        .book(
            &request("k-msk", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .expect("answered");
    assert_eq!(again, BookOutcome::Confirmed { id });
    // Even with other fields (the key decides).
    let again = e
        .book(
            &request("k-msk", input("1", "0001", "2026-12-01", "16:00")),
            eve(),
        )
        .expect("answered");
    assert_eq!(again.id(), id);
    assert_eq!(env.mis_posts().len(), 2, "no second request");

    // Another visitor for the same time: taken, with other times offered.
    let err = e
        .book(
            &request("k-other", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap_err();
    match err {
        BookError::Booking(BookingError::Taken { next }) => assert!(!next.is_empty()),
        other => panic!("{other:?}"),
    }
    assert_eq!(env.mis_posts().len(), 2);
    // A tick has nothing to deliver.
    let r = e.tick(eve() + minutes(5));
    assert_ran(&r);
    assert_eq!(r.bookings_confirmed + r.bookings_unknown, 0, "{r:?}");
    assert_eq!(env.mis_posts().len(), 2);

    assert!(env.mails().is_empty(), "{:?}", env.subjects());
}

/// One form submitted by several requests at once (a double click, a retrying proxy): one
/// booking, one request to the MIS, and every request answered as that booking stands.
#[test]
fn the_same_form_sent_concurrently_makes_one_booking_and_one_answer() {
    let mut env = Env::new();
    env.start_mis();
    let s = env.mis_only_settings("/success", 5);
    let e = Arc::new(engine(&s));
    import(&e, &booking_snapshot());
    let times = [
        ("1", "0001", "15:00"),
        ("1", "0001", "15:30"),
        ("1", "0001", "16:00"),
        ("2", "0007", "15:30"),
        ("2", "0007", "16:00"),
    ];
    for (round, (filial, doctor, time)) in times.into_iter().enumerate() {
        let key = format!("k-double-{round}");
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let e = e.clone();
                let barrier = barrier.clone();
                let key = key.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    e.book(
                        &request(&key, input(filial, doctor, "2026-12-01", time)),
                        eve(),
                    )
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(env.mis_posts().len(), round + 1, "sent once");
        assert_eq!(env.db.count("Priem_Booking"), (round + 1) as u64);
        let answers: Vec<BookOutcome> = results
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("round {round}: {e:?}")))
            .collect();
        assert!(
            answers.iter().all(|a| *a == answers[0]),
            "round {round}: {answers:?}"
        );
        assert!(
            matches!(answers[0], BookOutcome::Confirmed { .. }),
            "{answers:?}"
        );
    }
}

/// Doctor 1/0001 with `n` free 15-minute times from 2026-12-01 09:00.
fn many_times_snapshot(n: u16) -> String {
    let spec: Vec<String> = (0..n)
        .map(|i| {
            let start = 9 * 60 + i * 15;
            format!("2026-12-01 {}-{} free", hhmm(start), hhmm(start + 15))
        })
        .collect();
    document(&[(
        "1",
        "Клиника на Ленина",
        vec![("0001", "Иванова Мария Петровна", cells(&spec.join("; ")))],
    )])
}

/// docs/api.md: a repeated idempotency key "answers what the first request got". Two identical
/// requests at once, while the MIS takes its time to confirm, refuses, or does not answer in
/// time: both get the same answer, round after round (the second waits for the first's
/// delivery instead of answering "pending" while it is under way).
#[test]
fn two_identical_requests_at_once_get_equal_answers() {
    let mut env = Env::new();
    env.start_mis();
    let rounds = [
        ("/sleep/0.3", 5, 12, "confirmed"),
        ("/refuse?reason=Врач%20в%20отпуске", 5, 4, "refused"),
        ("/sleep/3", 1, 3, "pending"),
    ];
    let total: u16 = rounds.iter().map(|r| r.2 as u16).sum();
    let mut slot = 0u16;
    let mut imported = false;
    for (path, timeout, n, want) in rounds {
        let e = Arc::new(engine(&env.mis_only_settings(path, timeout)));
        if !imported {
            import(&e, &many_times_snapshot(total));
            imported = true;
        }
        for round in 0..n {
            let time = hhmm(9 * 60 + slot * 15);
            slot += 1;
            let key = format!("k-twice-{slot}");
            let barrier = Arc::new(Barrier::new(2));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let (e, barrier, key, time) =
                        (e.clone(), barrier.clone(), key.clone(), time.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        e.book(
                            &request(&key, input("1", "0001", "2026-12-01", &time)),
                            eve(),
                        )
                    })
                })
                .collect();
            let answers: Vec<BookOutcome> = handles
                .into_iter()
                .map(|h| h.join().unwrap().expect("answered"))
                .collect();
            assert_eq!(answers[0], answers[1], "{path}, round {round}");
            let got = match answers[0] {
                BookOutcome::Confirmed { .. } => "confirmed",
                BookOutcome::Pending { .. } => "pending",
                BookOutcome::Refused { .. } => "refused",
            };
            assert_eq!(got, want, "{path}, round {round}: {answers:?}");
        }
    }
    assert_eq!(env.db.count("Priem_Booking"), u64::from(total));
    assert_eq!(env.mis_posts().len(), usize::from(total), "each sent once");
}

/// `booking.max_attempts` (settings.rs: "Delivery attempts of a booking whose outcome is
/// unknown, then it stays `unknown` and alerted").
#[test]
fn unknown_bookings_stop_after_max_attempts() {
    let mut env = Env::new();
    env.start_mis();
    let mut s = env.mis_only_settings("/secure/status/503", 2);
    s["booking"]["max_attempts"] = json!(2);
    let e = engine(&s);
    import(&e, &booking_snapshot());
    let id = e
        .book(
            &request("k-1", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap()
        .id();
    for h in 1..=4 {
        e.tick(eve() + minutes(60 * h));
    }
    assert_eq!(
        env.mis_posts().len(),
        2,
        "no more than max_attempts requests"
    );
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!((b.status, b.attempts), (BookingStatus::Unknown, 2), "{b:?}");
}

#[test]
fn booking_refused_by_the_mis_is_shown_busy_with_the_reason() {
    let mut env = Env::new();
    env.start_mis();
    let reason = "Врач заболел";
    let s = env.mis_only_settings(&format!("/refuse?reason={}", pct(reason)), 5);
    let e = engine(&s);
    import(&e, &booking_snapshot());

    let out = e
        .book(
            &request("k-1", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .expect("answered");
    let BookOutcome::Refused {
        id,
        reason: got,
        next,
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(got, reason);
    assert!(!next.is_empty(), "other times are offered");
    assert_eq!(env.mis_posts().len(), 1);
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Rejected);
    assert_eq!(b.last_error.as_deref(), Some(reason));
    let grid = times(&e, "1", "0001", eve());
    assert!(grid.contains(&t("2026-12-01 15:30", false)), "{grid:?}");
    assert!(grid.contains(&t("2026-12-01 16:00", true)), "{grid:?}");
    let err = e
        .book(
            &request("k-2", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap_err();
    assert!(
        matches!(err, BookError::Booking(BookingError::Taken { .. })),
        "{err:?}"
    );
    // Refusals are not retried.
    let r = e.tick(eve() + minutes(10));
    assert_ran(&r);
    assert_eq!(env.mis_posts().len(), 1);
}

/// The engine keeps a grid between calls; it must be the grid a fresh engine builds, and be
/// built again whenever what it shows changes: the clock passes a time's notice, the local day
/// turns, the site holds a time, an import changes the schedule.
#[test]
fn a_kept_grid_is_what_a_fresh_engine_builds_after_every_change() {
    let mut env = Env::new();
    env.start_mis();
    let s = env.mis_only_settings("/secure/success", 5);
    let e = engine(&s);
    import(&e, &booking_snapshot());
    let grid = |at: DateTime<Utc>| e.grid("1", "0001", at, None).expect("grid");
    let fresh = |at: DateTime<Utc>| engine(&s).grid("1", "0001", at, None).expect("grid");
    let same = |a: &Arc<_>, b: &Arc<_>| Arc::ptr_eq(a, b);

    let a = grid(eve());
    assert!(
        same(&a, &grid(eve() + Duration::seconds(30))),
        "kept within the minute"
    );
    assert_eq!(**a, **fresh(eve()));

    // The first time, 2026-12-01 15:00 in Moscow, is 12:00Z; the notice is 60 minutes.
    let before = grid(utc("2026-12-01T10:59:00Z"));
    assert!(!same(&a, &before), "the local day turned");
    assert_eq!(**before, **fresh(utc("2026-12-01T10:59:00Z")));
    assert!(
        same(&before, &grid(utc("2026-12-01T11:00:00Z"))),
        "15:00 still offered"
    );
    let after = grid(utc("2026-12-01T11:00:01Z"));
    assert!(!same(&before, &after), "15:00 passed its notice");
    assert_eq!(**after, **fresh(utc("2026-12-01T11:00:01Z")));
    assert_eq!(after.days[0].free, before.days[0].free - 1);

    // The clock back (a test's or a server's): built again, not the later grid.
    let back = grid(eve());
    assert!(!same(&after, &back));
    assert_eq!(**back, **fresh(eve()));

    // A booking holds 15:30.
    let out = e
        .book(
            &request("k-1", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .expect("booked");
    assert!(matches!(out, BookOutcome::Confirmed { .. }), "{out:?}");
    let held = grid(eve());
    assert!(!same(&back, &held), "the hold shows");
    assert_eq!(**held, **fresh(eve()));
    assert_eq!(held.free(), back.free() - 1);
    assert!(times(&e, "1", "0001", eve()).contains(&t("2026-12-01 15:30", false)));

    // The next snapshot: 16:00 is taken in the MIS.
    import(&e, &booking_snapshot_with("busy"));
    let imported = grid(eve());
    assert!(!same(&held, &imported), "the import shows");
    assert_eq!(**imported, **fresh(eve()));
    assert!(times(&e, "1", "0001", eve()).contains(&t("2026-12-01 16:00", false)));
}

/// A card switched off on the site (NetCat's `Checked = 0`) takes its doctor or clinic off the
/// booking form: not listed, no grid, no booking; the code check asks for no card; switched on
/// again, he is back. Bookings already made stay.
#[test]
fn a_switched_off_card_closes_its_doctor_or_filial_and_raises_no_code_alert() {
    let mut env = Env::new();
    env.start_mis();
    let base = env.mis_only_settings("/secure/success", 5);
    let with = |off_doctor: bool, off_clinic: bool| {
        let cards = json!({
            "clinics": [{"id": "1", "codes": "1"}, {"id": "2", "codes": "2", "off": off_clinic}],
            "doctors": [{"id": "10", "codes": "0001", "name": "Иванова (карточка)", "off": off_doctor},
                        {"id": "11", "codes": "0007"}],
        });
        let mut s = base.clone();
        s["cards"] = cards.clone();
        let parsed: Cards = serde_json::from_value(cards).expect("cards");
        (engine(&s), parsed)
    };
    let (e, on) = with(false, false);
    import(&e, &booking_snapshot());
    let old = e
        .book_on_site(
            &request("k-before", input("1", "0001", "2026-12-01", "15:00")),
            eve(),
            &on,
        )
        .expect("booked while on");
    let old_id = old.id();

    let (e, off) = with(true, true);
    let counts: Vec<(String, usize)> = e
        .filial_entries(&off, eve())
        .expect("filials")
        .into_iter()
        .map(|f| (f.filial.code, f.doctors))
        .collect();
    assert_eq!(
        counts,
        [("1".to_string(), 0)],
        "filial 2 switched off, 0001 not counted"
    );
    let page = e
        .doctors_page("1", eve(), 4, "", &off)
        .expect("doctors")
        .expect("filial 1");
    assert!(page.doctors.is_empty(), "{:?}", page.doctors);
    assert!(e
        .doctors_page("2", eve(), 4, "", &off)
        .expect("doctors")
        .is_none());
    assert!(matches!(
        e.grid_answer("1", "0001", eve(), None, &off),
        Err(EngineError::NotFound(_))
    ));
    assert!(matches!(
        e.grid_answer("2", "0007", eve(), None, &off),
        Err(EngineError::NotFound(_))
    ));
    for (key, i, field) in [
        (
            "k-off",
            input("1", "0001", "2026-12-01", "15:30"),
            "doctor_id",
        ),
        (
            "k-off-2",
            input("2", "0007", "2026-12-01", "15:30"),
            "filial_id",
        ),
    ] {
        match e.book_on_site(&request(key, i), eve(), &off) {
            Err(BookError::Booking(BookingError::Invalid(errors))) => {
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].field, field);
                assert!(reads_russian(&errors[0].message), "{errors:?}");
            }
            other => panic!("{other:?}"),
        }
    }
    // the request that made a booking before answers it as it stands
    let again = e
        .book_on_site(
            &request("k-before", input("1", "0001", "2026-12-01", "15:00")),
            eve(),
            &off,
        )
        .expect("the same booking");
    assert_eq!(again.id(), old_id);
    assert!(e.booking(old_id).expect("read").is_some());

    // the code check: the MIS's 0001 and filial 2 have (switched-off) cards: no alert
    let r = e.tick(eve());
    assert!(r.ran, "{r:?}");
    let alerts: Vec<String> = e
        .store()
        .open_alerts()
        .expect("alerts")
        .into_iter()
        .map(|a| a.key)
        .filter(|k| k.contains("unknown") || k.contains("not_in_mis"))
        .collect();
    assert!(alerts.is_empty(), "{alerts:?}");

    // switched on again: back on the form and bookable
    let (e, on) = with(false, false);
    let page = e
        .doctors_page("1", eve(), 4, "", &on)
        .expect("doctors")
        .expect("filial 1");
    assert_eq!(page.doctors.len(), 1);
    assert_eq!(page.doctors[0].doctor.name, "Иванова (карточка)");
    assert!(e.grid_answer("2", "0007", eve(), None, &on).is_ok());
    let out = e
        .book_on_site(
            &request("k-on", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
            &on,
        )
        .expect("booked");
    assert!(matches!(out, BookOutcome::Confirmed { .. }), "{out:?}");
}

/// §3 names "a booking refused by the MIS" among the failures to mail.
#[test]
fn a_refusal_at_booking_time_is_mailed() {
    let mut env = Env::new();
    env.start_mis();
    let s = env.mis_only_settings("/refuse", 5);
    let e = engine(&s);
    import(&e, &booking_snapshot());
    let out = e
        .book(
            &request("k-1", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap();
    let id = out.id();
    e.tick(eve() + minutes(1));
    e.tick(eve() + minutes(16));
    let subjects = env.subjects();
    assert_eq!(
        subjects,
        [format!("МИС отказала в записи №{id}")],
        "{subjects:?}"
    );
}

#[test]
fn booking_with_the_mis_timing_out_is_kept_retried_with_the_same_payload_and_confirmed() {
    let mut env = Env::new();
    env.start_mis();
    let sleepy = env.mis_only_settings("/sleep/2.5", 1);
    let e = engine(&sleepy);
    import(&e, &booking_snapshot());

    let started = Instant::now();
    let out = e
        .book(
            &request("k-1", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .expect("stored");
    assert!(started.elapsed() < StdDuration::from_secs(5));
    let BookOutcome::Pending { id } = out else {
        panic!("{out:?}")
    };
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Unknown, "{b:?}");
    assert_eq!(b.attempts, 1);
    let retry_at = b.next_attempt_at.expect("a retry is planned");
    assert!(retry_at > eve(), "{b:?}");
    assert_eq!(env.mis_posts().len(), 1);
    // The time stays held for this booking.
    assert!(times(&e, "1", "0001", eve()).contains(&t("2026-12-01 15:30", false)));
    // The same form again: the same booking, not sent again.
    let again = e
        .book(
            &request("k-1", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap();
    assert_eq!(again, BookOutcome::Pending { id });
    assert_eq!(env.mis_posts().len(), 1);

    // Before the back-off: not sent.
    let r = e.tick(eve() + Duration::seconds(20));
    assert_ran(&r);
    assert_eq!(env.mis_posts().len(), 1);

    // After it, still asleep: sent again, unknown again, the MIS alert mailed.
    let r = e.tick(retry_at + Duration::seconds(1));
    assert_ran(&r);
    assert_eq!(r.bookings_unknown, 1, "{r:?}");
    assert_eq!(env.mis_posts().len(), 2);
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(subjects[0].starts_with("МИС не отвечает"), "{subjects:?}");
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!((b.status, b.attempts), (BookingStatus::Unknown, 2), "{b:?}");
    let retry_at = b.next_attempt_at.unwrap();

    // The MIS is back (a clinic's MIS restarted; here: the same peer answering at once).
    let awake = env.mis_only_settings("/success", 1);
    let e2 = engine(&awake);
    let r = e2.tick(retry_at + Duration::seconds(1));
    assert_ran(&r);
    assert_eq!(r.bookings_confirmed, 1, "{r:?}");
    let b = e2.booking(id).unwrap().unwrap();
    assert_eq!(
        (b.status, b.attempts),
        (BookingStatus::Confirmed, 3),
        "{b:?}"
    );

    let posts = env.mis_posts();
    assert_eq!(posts.len(), 3, "one request per attempt");
    assert!(
        posts.iter().all(|(_, _, body)| *body == b.payload),
        "every attempt sends the same bytes: {posts:?}"
    );
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(subjects[1], format!("Решено: {}", subjects[0]));
    // Exactly one booking, confirmed once; nothing more to send.
    assert_eq!(env.db.count("Priem_Booking"), 1);
    let r = e2.tick(retry_at + minutes(60));
    assert_ran(&r);
    assert_eq!(env.mis_posts().len(), 3);
}

#[test]
fn booking_with_a_garbage_or_500_answer_is_pending_and_alerted() {
    let mut env = Env::new();
    env.start_mis();
    let s = env.mis_only_settings("/garbage", 2);
    let e = engine(&s);
    import(&e, &booking_snapshot());

    let out = e
        .book(
            &request("k-1", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap();
    let BookOutcome::Pending { id } = out else {
        panic!("{out:?}")
    };
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Unknown, "{b:?}");
    assert!(b.last_error.is_some(), "{b:?}");

    let r = e.tick(eve() + minutes(2));
    assert_ran(&r);
    assert_eq!(r.bookings_unknown, 1, "{r:?}");
    let mails = env.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].subject.starts_with("МИС не отвечает"), "{mails:?}");
    assert!(mails[0].body.contains(&format!("№{id}")), "{mails:?}");

    // HTTP 500 on another booking: the same, one open MIS alert, no second mail.
    let s500 = env.mis_only_settings("/secure/status/500", 2);
    let e500 = engine(&s500);
    let out = e500
        .book(
            &request("k-2", input("2", "0007", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap();
    assert!(matches!(out, BookOutcome::Pending { .. }), "{out:?}");
    let r = e500.tick(eve() + minutes(10));
    assert_ran(&r);
    assert_eq!(r.bookings_unknown, 2, "{r:?}");
    assert_eq!(env.mails().len(), 1, "{:?}", env.subjects());
    // Book 1: at booking and at both ticks; book 2: at booking and at the second tick.
    assert_eq!(env.mis_posts().len(), 5);
}

/// Whether a message for the clinic's staff reads as Russian: outside its parentheses (where
/// the technical detail goes) no word is Latin but the names of protocols.
fn reads_russian(text: &str) -> bool {
    let mut depth = 0;
    let mut outside = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    outside
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .all(|w| ["HTTP", "FTP", "FTPS", "SMTP", "TLS", "JSON", "failed"].contains(&w))
        && outside.chars().any(|c| ('а'..='я').contains(&c))
}

/// The Latin words of a text for the clinic's staff, parentheses included, once the given
/// addresses (the MIS's URL, the servers' host:port) are taken out; protocol names and the
/// module's name are not words to translate.
fn latin_words(text: &str, addresses: &[&str]) -> Vec<String> {
    let mut rest = text.to_owned();
    for a in addresses {
        rest = rest.replace(a, " ");
    }
    const NAMES: [&str; 11] = [
        "HTTP", "FTP", "FTPS", "SMTP", "TLS", "JSON", "DNS", "URL", "priem", "failed", "NOOP",
    ];
    rest.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty() && !NAMES.contains(w))
        .map(str::to_owned)
        .collect()
}

/// A MIS that refuses the connection, and one that does not answer in time: the bookings'
/// journal and every letter say it in Russian — the detail of the network error too (no
/// reqwest/io text such as «tcp connect error: Connection refused (os error 111)»).
#[test]
fn an_unreachable_or_silent_mis_is_told_in_russian_down_to_the_detail() {
    let mut env = Env::new();
    env.start_mis();
    let refused = format!("http://127.0.0.1:{}/book", peers::free_port());
    let silent = env.mis_url("/sleep/5");
    for (n, url) in [&refused, &silent].into_iter().enumerate() {
        let mut s = env.settings();
        s["mis"] = json!({"url": url, "timeout_s": 1});
        let e = engine(&s);
        import(&e, &booking_snapshot());
        let out = e
            .book(
                &request(
                    &format!("k-lat-{n}"),
                    [
                        input("1", "0001", "2026-12-01", "15:30"),
                        input("2", "0007", "2026-12-01", "16:00"),
                    ][n]
                        .clone(),
                ),
                eve(),
            )
            .unwrap();
        let id = match out {
            BookOutcome::Pending { id } => id,
            other => panic!("{url}: {other:?}"),
        };
        let error = e.booking(id).unwrap().unwrap().last_error.unwrap();
        let ftp = format!("127.0.0.1:{}", env.ftp_port);
        let addresses = [url.as_str(), ftp.as_str(), "127.0.0.1"];
        assert_eq!(
            latin_words(&error, &addresses),
            Vec::<String>::new(),
            "{url}: {error}"
        );
        if n == 0 {
            assert!(
                error.starts_with("нет соединения с МИС (сервер отказал в соединении"),
                "{error}"
            );
        } else {
            assert!(error.starts_with("МИС не ответила за 1"), "{error}");
        }
        assert_ran(&e.tick(eve() + minutes(2 + 10 * n as i64)));
        let mails = env.mails();
        assert!(!mails.is_empty());
        for m in &mails {
            let text = format!("{}\n{}", m.subject, m.body);
            assert_eq!(
                latin_words(&text, &addresses),
                Vec::<String>::new(),
                "{url}: {text}"
            );
        }
        // «Проверить соединение»
        let no = e.check("mis").unwrap_err();
        assert_eq!(
            latin_words(&no, &addresses),
            Vec::<String>::new(),
            "{url}: {no}"
        );
    }
    assert!(
        env.mails()
            .iter()
            .any(|m| m.subject.starts_with("МИС не отвечает")
                && m.body.contains("сервер отказал в соединении")),
        "{:?}",
        env.subjects()
    );
}

#[test]
fn transport_errors_reach_the_staff_in_russian_with_the_detail_in_parentheses() {
    let mut env = Env::new();
    env.start_mis();
    // nothing listens at the MIS's address, nor at the FTP server's (never started)
    let mut s = env.settings();
    s["mis"] =
        json!({"url": format!("http://127.0.0.1:{}/book", peers::free_port()), "timeout_s": 2});
    let e = engine(&s);
    import(&e, &booking_snapshot());
    let out = e
        .book(
            &request("k-ru", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap();
    let BookOutcome::Pending { id } = out else {
        panic!("{out:?}")
    };
    // the journal
    let error = e.booking(id).unwrap().unwrap().last_error.unwrap();
    assert!(error.starts_with("нет соединения с МИС ("), "{error}");
    assert!(reads_russian(&error), "{error}");
    // the mails
    let r = e.tick(eve() + minutes(2));
    assert_ran(&r);
    let mails = env.mails();
    let mis = mails
        .iter()
        .find(|m| m.subject.starts_with("МИС не отвечает"))
        .expect("the MIS mail");
    assert!(
        mis.body.contains(&format!(
            "Запись №{id} не удалось передать в МИС: нет соединения с МИС ("
        )),
        "{}",
        mis.body
    );
    let ftp = mails
        .iter()
        .find(|m| m.subject.contains("FTP"))
        .expect("the FTP mail");
    assert!(
        ftp.body.contains(&format!(
            "нет соединения с FTP-сервером 127.0.0.1:{} (",
            env.ftp_port
        )),
        "{}",
        ftp.body
    );
    for m in &mails {
        for line in m.body.lines().filter(|l| l.contains('(')) {
            assert!(reads_russian(line), "{line:?} in {}", m.subject);
        }
    }
    // «Проверить соединение»
    for what in ["mis", "ftp"] {
        let no = e.check(what).unwrap_err();
        assert!(reads_russian(&no), "{what}: {no}");
    }
    s["mis"]["url"] = json!(env.mis_url("/status/503"));
    let no = engine(&s).check("mis").unwrap_err();
    assert_eq!(no, "МИС ответила ошибкой (HTTP 503)");
    env.stop_smtp();
    let no = e.check("mail").unwrap_err();
    assert!(
        no.starts_with("нет соединения с SMTP-сервером 127.0.0.1:"),
        "{no}"
    );
    assert!(reads_russian(&no), "{no}");
    assert!(r.errors.iter().all(|e| reads_russian(e)), "{:?}", r.errors);
}

// ---------------------------------------------------------------------------------------------
// Ambiguous outcomes: «проверить в МИС»
// ---------------------------------------------------------------------------------------------

/// Books 2026-12-01 15:30 of doctor 1/0001 through an MIS at `path` that answers after the 1 s
/// timeout, then runs the retry, which the MIS answers "Время уже занято": returns the booking,
/// now in `check`, and the time of the retry.
fn book_slow_then_taken(env: &Env, e: &Engine) -> (u64, DateTime<Utc>) {
    import(e, &booking_snapshot());
    let started = Instant::now();
    let out = e
        .book(
            &request("k-slow", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .expect("stored");
    assert!(started.elapsed() < StdDuration::from_secs(5));
    let BookOutcome::Pending { id } = out else {
        panic!("{out:?}")
    };
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!(
        (b.status, b.unsure),
        (BookingStatus::Unknown, true),
        "{b:?}"
    );
    let retry = b.next_attempt_at.unwrap() + Duration::seconds(1);
    let r = e.tick(retry);
    assert_ran(&r);
    assert_eq!((r.bookings_check, r.bookings_refused), (1, 0), "{r:?}");
    assert_eq!(env.mis_posts().len(), 2);
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!((b.status, b.attempts), (BookingStatus::Check, 2), "{b:?}");
    assert_eq!(
        b.last_error.as_deref(),
        Some("Время уже занято"),
        "the journal shows the answer"
    );
    // The visitor is still told "accepted", the time stays held.
    let again = e
        .book(
            &request("k-slow", input("1", "0001", "2026-12-01", "15:30")),
            retry,
        )
        .unwrap();
    assert_eq!(again, BookOutcome::Pending { id });
    assert!(times(e, "1", "0001", eve()).contains(&t("2026-12-01 15:30", false)));
    let err = e
        .book(
            &request("k-other", input("1", "0001", "2026-12-01", "15:30")),
            retry,
        )
        .unwrap_err();
    assert!(
        matches!(err, BookError::Booking(BookingError::Taken { .. })),
        "{err:?}"
    );
    let mails = env.mails();
    assert_eq!(mails.len(), 1, "{:?}", env.subjects());
    assert_eq!(
        mails[0].subject,
        format!("Проверьте в МИС запись №{id}: первая попытка, вероятно, дошла")
    );
    for words in [
        "«Время уже занято»",
        "Заявка принята",
        "первая попытка дошла",
    ] {
        assert!(mails[0].body.contains(words), "{words}: {}", mails[0].body);
    }
    // Not mailed again by the next tick.
    e.tick(retry + minutes(1));
    assert_eq!(env.mails().len(), 1, "{:?}", env.subjects());
    (id, retry)
}

/// The MIS books the first attempt but answers after the site gave up; the retry is answered
/// "taken". Not a refusal: «проверить в МИС», settled by the MIS's next snapshot, which shows
/// the time busy: confirmed. A snapshot produced before the "taken" answer settles nothing.
#[test]
fn slow_then_taken_is_checked_and_a_snapshot_showing_the_time_busy_confirms_it() {
    let mut env = Env::new();
    env.start_mis();
    env.start_ftp();
    let mut s = env.http_settings("/secure/slow-book/2.5", 1);
    s.as_object_mut().unwrap().remove("ftp");
    let e = engine(&s);
    let (id, retry) = book_slow_then_taken(&env, &e);
    assert_eq!(
        env.mis_booked(),
        ["2026-12-01T12:30:00Z"],
        "the first attempt booked it"
    );

    // An older snapshot (produced before the "taken" answer) settles nothing.
    let older = e
        .import_json(&env.mis_snapshot(), retry, Some(retry - minutes(10)))
        .unwrap();
    assert_eq!((older.settled.confirmed, older.settled.lost), (0, 0));
    assert_eq!(e.booking(id).unwrap().unwrap().status, BookingStatus::Check);

    // The next snapshot, from FTP, shows 15:30 busy: the booking is the MIS's.
    let e = engine(&env.http_settings("/secure/slow-book/2.5", 1));
    env.put_at("in/s.json", &env.mis_snapshot(), retry + minutes(5));
    let r = e.tick(retry + minutes(6));
    assert_ran(&r);
    assert_eq!((r.checks_confirmed, r.checks_lost), (1, 0), "{r:?}");
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Confirmed, "{b:?}");
    assert_eq!(env.mis_posts().len(), 2, "not sent again");
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(subjects[1], format!("Решено: {}", subjects[0]));
    let again = e
        .book(
            &request("k-slow", input("1", "0001", "2026-12-01", "15:30")),
            retry,
        )
        .unwrap();
    assert_eq!(again, BookOutcome::Confirmed { id });
}

/// No snapshot settles it before the appointment: once its time has passed the alert closes.
#[test]
fn a_checked_booking_is_not_alerted_after_its_time() {
    let mut env = Env::new();
    env.start_mis();
    let e = engine(&env.mis_only_settings("/secure/slow-book/2.5", 1));
    let (id, _) = book_slow_then_taken(&env, &e);
    // The appointment was 2026-12-01 12:30Z.
    e.tick(utc("2026-12-01T13:00:00Z"));
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(subjects[1], format!("Решено: {}", subjects[0]));
    assert_eq!(e.booking(id).unwrap().unwrap().status, BookingStatus::Check);
}

/// The MIS lost the first attempt and still answers the retry "taken": its snapshot shows the
/// time free. With `when_lost: refuse` the booking is refused and the clinic told to call the
/// patient.
#[test]
fn a_checked_booking_the_snapshot_shows_free_is_lost_and_refused_when_so_set() {
    let mut env = Env::new();
    env.start_mis();
    let mut s = env.mis_only_settings("/secure/slow-lose/2.5", 1);
    s["booking"]["when_lost"] = json!("refuse");
    let e = engine(&s);
    let (id, retry) = book_slow_then_taken(&env, &e);
    assert!(env.mis_booked().is_empty());

    let i = e
        .import_json(&env.mis_snapshot(), retry, Some(retry + minutes(5)))
        .unwrap();
    assert_eq!((i.settled.confirmed, i.settled.lost), (0, 1));
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Rejected, "{b:?}");
    assert_eq!(env.db.count("Priem_Hold"), 0, "the time is released");
    e.tick(retry + minutes(6));
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(subjects.contains(&format!("МИС не записала запись №{id}: запись отменена")));
    assert!(subjects.contains(&format!("Решено: {}", subjects[0])));
    let lost = env
        .mails()
        .into_iter()
        .find(|m| m.subject.starts_with("МИС не записала"))
        .unwrap();
    assert!(lost.body.contains("свободным"), "{}", lost.body);
    assert_eq!(env.mis_posts().len(), 2, "not sent again");
}

/// The same, with the default `when_lost: retry`: the booking goes back to the outbox and the
/// next tick sends it again (here to an MIS that takes it).
#[test]
fn a_checked_booking_the_snapshot_shows_free_is_sent_again_by_default() {
    let mut env = Env::new();
    env.start_mis();
    let e = engine(&env.mis_only_settings("/secure/slow-lose/2.5", 1));
    let (id, retry) = book_slow_then_taken(&env, &e);

    let i = e
        .import_json(&env.mis_snapshot(), retry, Some(retry + minutes(5)))
        .unwrap();
    assert_eq!((i.settled.confirmed, i.settled.lost), (0, 1));
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!(
        (b.status, b.unsure),
        (BookingStatus::Unknown, false),
        "{b:?}"
    );
    assert!(env.db.count("Priem_Hold") == 1, "the time stays held");

    let e = engine(&env.mis_only_settings("/secure/success", 1));
    let r = e.tick(retry + minutes(6));
    assert_ran(&r);
    assert_eq!(r.bookings_confirmed, 1, "{r:?}");
    assert_eq!(
        e.booking(id).unwrap().unwrap().status,
        BookingStatus::Confirmed
    );
    let posts = env.mis_posts();
    assert_eq!(posts.len(), 3);
    assert!(
        posts.iter().all(|(_, _, body)| *body == posts[0].2),
        "the same payload"
    );
    let subjects = env.subjects();
    assert!(
        subjects.contains(&format!(
            "МИС не записала запись №{id}: отправлена повторно"
        )),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&format!("Решено: {}", subjects[0])),
        "{subjects:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Reconciliation: does the MIS show the confirmed bookings?
// ---------------------------------------------------------------------------------------------

/// Doctor 1/0001 at 2026-12-01 15:30 (Moscow) and doctor 2/0007 at 15:30 (Yekaterinburg), each
/// `busy` or free, as the MIS exports them.
fn reconcile_snapshot(busy_0001: bool, busy_0007: bool) -> String {
    let state = |busy: bool| if busy { "busy" } else { "free" };
    document(&[
        (
            "1",
            "Клиника на Ленина",
            vec![(
                "0001",
                "Иванова Мария Петровна",
                cells(&format!(
                    "2026-12-01 15:00-15:30 free; 2026-12-01 15:30-16:00 {}",
                    state(busy_0001)
                )),
            )],
        ),
        (
            "2",
            "Клиника в Екатеринбурге",
            vec![(
                "0007",
                "Смирнов Олег Иванович",
                cells(&format!("2026-12-01 15:30-16:00 {}", state(busy_0007))),
            )],
        ),
    ])
}

/// A confirmed booking the MIS's snapshots keep showing free past the grace period (30
/// minutes) is alerted once, counted for the status tab, and resolved when a snapshot shows
/// it; one the MIS shows at once is only marked seen.
#[test]
fn a_confirmed_booking_missing_from_the_snapshots_is_alerted_once_and_resolved_when_it_appears() {
    let mut env = Env::new();
    env.start_mis();
    let e = engine(&env.mis_only_settings("/secure/success", 5));
    import(&e, &reconcile_snapshot(false, false));
    let book = |key: &str, filial: &str, doctor: &str| {
        let out = e
            .book(
                &request(key, input(filial, doctor, "2026-12-01", "15:30")),
                eve(),
            )
            .unwrap();
        let BookOutcome::Confirmed { id } = out else {
            panic!("{out:?}")
        };
        id
    };
    let lost = book("k-lost", "1", "0001");
    let kept = book("k-kept", "2", "0007");
    let snapshot = |busy_0001: bool, produced: i64| {
        e.import_json(
            &reconcile_snapshot(busy_0001, true),
            eve() + minutes(produced),
            Some(eve() + minutes(produced)),
        )
        .unwrap()
        .reconciled
    };
    let counts = || env.db.store.reconciliation(eve()).unwrap();

    // 15 minutes after the confirmation: 0007's time is busy in the MIS (seen); 0001's still
    // free, within the grace period.
    let r = snapshot(false, 15);
    assert_eq!((r.seen, r.missing), (1, 0));
    let c = counts();
    assert_eq!((c.confirmed, c.seen, c.missing), (2, 1, 0), "{c:?}");
    assert!(e.booking(kept).unwrap().unwrap().mis_seen_at.is_some());
    e.tick(eve() + minutes(16));
    assert!(env.mails().is_empty(), "{:?}", env.subjects());

    // 31 minutes after: 0001 is missing. One mail, not one per snapshot.
    let r = snapshot(false, 31);
    assert_eq!((r.seen, r.missing), (0, 1));
    assert_eq!(counts().missing, 1);
    let r = e.tick(eve() + minutes(32));
    assert_ran(&r);
    let mails = env.mails();
    assert_eq!(mails.len(), 1, "{:?}", env.subjects());
    assert_eq!(
        mails[0].subject,
        format!("МИС не показывает запись №{lost}")
    );
    assert!(mails[0].body.contains("свободно"), "{}", mails[0].body);
    let r = snapshot(false, 46);
    assert_eq!(r.missing, 0, "already missing");
    e.tick(eve() + minutes(47));
    assert_eq!(env.mails().len(), 1, "{:?}", env.subjects());

    // It appears: seen, resolved.
    let r = snapshot(true, 61);
    assert_eq!((r.seen, r.missing), (1, 0));
    let c = counts();
    assert_eq!((c.confirmed, c.seen, c.missing), (2, 2, 0), "{c:?}");
    e.tick(eve() + minutes(62));
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(subjects[1], format!("Решено: {}", subjects[0]));
    let b = e.booking(lost).unwrap().unwrap();
    assert!(
        b.mis_seen_at.is_some() && b.mis_missing_at.is_none(),
        "{b:?}"
    );
}

/// `booking.reconcile_minutes: 0` switches reconciliation off.
#[test]
fn reconciliation_can_be_switched_off() {
    let mut env = Env::new();
    env.start_mis();
    let mut s = env.mis_only_settings("/secure/success", 5);
    s["booking"]["reconcile_minutes"] = json!(0);
    let e = engine(&s);
    import(&e, &reconcile_snapshot(false, false));
    e.book(
        &request("k", input("1", "0001", "2026-12-01", "15:30")),
        eve(),
    )
    .unwrap();
    let later = eve() + minutes(120);
    let i = e
        .import_json(&reconcile_snapshot(false, false), later, Some(later))
        .unwrap();
    assert_eq!((i.reconciled.seen, i.reconciled.missing), (0, 0));
    e.tick(later);
    assert!(env.mails().is_empty(), "{:?}", env.subjects());
}

// ---------------------------------------------------------------------------------------------
// The patients' data (152-ФЗ): retention and erasure
// ---------------------------------------------------------------------------------------------

/// Another patient.
const OTHER_PHONE: &str = "79007654321";
const OTHER_NAME: &str = "Кузнецов Игорь";

/// A booking of `time` by the other patient.
fn other_input(filial: &str, doctor: &str, time: &str) -> BookingInput {
    BookingInput {
        name: OTHER_NAME.into(),
        phone: "8 900 765-43-21".into(),
        ..input(filial, doctor, "2026-12-01", time)
    }
}

/// Settings with bookings dropped as files on the FTP server (their data then lives there too).
fn ftp_drop_settings(env: &Env) -> Value {
    let mut s = env.settings();
    s["mis"] = json!({"transport": "ftp"});
    s
}

/// Books on the FTP drop; returns the booking (pending until a result file answers).
fn book_dropped(e: &Engine, key: &str, input: BookingInput) -> u64 {
    match e.book(&request(key, input), eve()).expect("stored") {
        BookOutcome::Pending { id } => id,
        other => panic!("{other:?}"),
    }
}

/// What identifies the first patient (`input()`) and the other one.
const FIRST: [&str; 4] = [PHONE, "9001234567", "Сидорова", "Анна"];
const OTHER: [&str; 4] = [OTHER_PHONE, "9007654321", "Кузнецов", "Игорь"];

/// `booking.retention_days` after the appointment the tick removes the patients' names,
/// phones and comments from the database (bookings, the alert that quoted one) and the booking
/// and result files from FTP; the rows stay. Checked by searching a mysqldump of the database
/// and every file on the FTP server.
/// An FTP server that offers TLS with a certificate the settings cannot trust (a private CA) gets
/// the import, the booking drop and the check in plain text, as before TLS was tried; the
/// engine notes why for the admin. With its CA in the settings, the same all go over TLS.
#[test]
fn an_ftp_server_offering_tls_gets_it_when_its_certificate_is_trusted_and_plain_text_when_not() {
    let mut env = Env::new();
    let certs = TempDir::new("engine-ftp-cert");
    let cert = peers::make_cert(certs.path());
    let log = certs.join("peer.log");
    env.start_ftp_with(&[
        "--tls-optional",
        "--tls-cert",
        cert.cert.to_str().unwrap(),
        "--tls-key",
        cert.key.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
    ]);
    let e = engine(&ftp_drop_settings(&env));
    env.put("in/schedule.json", &booking_snapshot(), 60);
    let r = e.tick(eve());
    assert_ran(&r);
    assert_eq!(r.files_imported, 1, "{r:?}");
    let untrusted = |p: &Protection| match p {
        Protection::FellBack { cause } => {
            cause.contains("сертификат сервера выдан неизвестным удостоверяющим центром")
        }
        _ => false,
    };
    let ftp = e.observed_protection(Link::Ftp).unwrap().expect("noted");
    assert!(untrusted(&ftp.protection), "{ftp:?}");
    assert_eq!(ftp.at, eve());

    let id = book_dropped(&e, "k-tls", input("1", "0001", "2026-12-01", "15:30"));
    assert_ran(&e.tick(eve() + minutes(1)));
    assert!(env.exists(&format!("bookings/{id}.json")));
    let ftp = e.observed_protection(Link::Ftp).unwrap().expect("noted");
    assert_eq!(ftp.at, eve() + minutes(1));

    let checked = e.check("ftp").unwrap();
    assert!(
        checked.contains("без шифрования") && checked.contains("сертификат"),
        "{checked}"
    );
    let seen = std::fs::read_to_string(&log).unwrap();
    assert!(
        seen.contains("STOR plain") && seen.contains("RETR plain"),
        "{seen}"
    );
    assert!(!seen.contains(" tls "), "{seen}");
    std::fs::remove_file(&log).unwrap();

    // The server's CA in the settings: the same server now gets TLS throughout.
    let mut s = ftp_drop_settings(&env);
    s["ftp"]["ca_pem"] = json!(cert.ca_pem);
    let e = engine(&s);
    env.put("in/again.json", &booking_snapshot(), 60);
    let id = book_dropped(&e, "k-tls-2", other_input("2", "0007", "15:30"));
    let r = e.tick(eve() + minutes(2));
    assert_ran(&r);
    assert_eq!(r.files_imported, 1, "{r:?}");
    assert!(env.exists(&format!("bookings/{id}.json")));
    let ftp = e.observed_protection(Link::Ftp).unwrap().expect("noted");
    assert_eq!(
        (ftp.protection, ftp.at),
        (Protection::Upgraded, eve() + minutes(2))
    );
    assert!(e.check("ftp").unwrap().contains("защищено TLS"));
    let seen = std::fs::read_to_string(&log).unwrap();
    assert!(
        seen.contains("STOR tls") && seen.contains("RETR tls"),
        "{seen}"
    );
    assert!(!seen.contains(" plain "), "{seen}");
}

#[test]
fn after_the_retention_period_no_name_or_phone_is_left_in_the_database_or_on_ftp() {
    let mut env = Env::new();
    env.start_ftp();
    let e = engine(&ftp_drop_settings(&env));
    import(&e, &booking_snapshot());
    let a = book_dropped(&e, "k-a", input("1", "0001", "2026-12-01", "15:30"));
    let b = book_dropped(&e, "k-b", other_input("2", "0007", "15:30"));
    env.put(&format!("results/{a}.json"), r#"{"success": true}"#, 30);
    env.put(
        &format!("results/{b}.json"),
        &format!(r#"{{"success": false, "error": "{OTHER_NAME} уже записан на это время"}}"#),
        30,
    );
    assert_ran(&e.tick(eve() + minutes(5)));
    assert_eq!(
        e.booking(b).unwrap().unwrap().status,
        BookingStatus::Rejected
    );
    for word in FIRST
        .iter()
        .chain(&OTHER)
        .filter(|w| w.len() > 10 || !w.is_ascii())
    {
        assert!(!env.traces_of(word).is_empty(), "{word} is stored before");
    }
    assert!(
        env.db.store.open_alerts().unwrap().is_empty(),
        "the refusal was mailed"
    );
    assert!(
        env.dump().contains(&format!("{OTHER_NAME} уже записан")),
        "the alert quotes him"
    );

    // The appointments are on 2026-12-01 (10:30Z and 12:30Z): 29 days later, nothing yet.
    let r = e.tick(utc("2026-12-30T13:00:00Z"));
    assert_ran(&r);
    assert_eq!(r.bookings_anonymized, 0, "{r:?}");
    assert!(!env.traces_of(PHONE).is_empty());

    let r = e.tick(utc("2026-12-31T13:00:00Z"));
    assert_ran(&r);
    assert_eq!((r.bookings_anonymized, r.files_deleted), (2, 4), "{r:?}");
    for word in FIRST.iter().chain(&OTHER) {
        assert_eq!(env.traces_of(word), Vec::<String>::new(), "{word}");
    }
    // The rows stay for statistics, with what is not personal.
    assert_eq!(env.db.count("Priem_Booking"), 2);
    let a = e.booking(a).unwrap().unwrap();
    assert_eq!(a.status, BookingStatus::Confirmed);
    assert!(
        a.anonymized_at.is_some() && a.phone_masked.is_empty(),
        "{a:?}"
    );
    let payload: Value = serde_json::from_str(&a.payload).unwrap();
    assert_eq!(
        (payload["doctor_id"].as_str(), payload["dt_start"].as_str()),
        (Some("0001"), Some("2026-12-01T12:30:00Z"))
    );
    assert!(
        a.consent.is_some_and(|c| c.ip.is_empty()),
        "when and to which text stay"
    );
    // Nothing more to do.
    let r = e.tick(utc("2026-12-31T13:15:00Z"));
    assert_eq!(r.bookings_anonymized, 0, "{r:?}");
}

/// An erasure on request removes one person's data by phone number — from every booking,
/// the alerts that quote him and the FTP files — cancels the booking the MIS has not answered,
/// records who erased and when (nothing of the person), and leaves the other patients alone.
#[test]
fn an_erasure_by_phone_removes_one_persons_data_everywhere_and_records_who_did_it() {
    let mut env = Env::new();
    env.start_ftp();
    let e = engine(&ftp_drop_settings(&env));
    import(&e, &booking_snapshot());
    let confirmed = book_dropped(&e, "k-1", input("1", "0001", "2026-12-01", "15:30"));
    let refused = book_dropped(&e, "k-2", input("1", "0001", "2026-12-01", "16:00"));
    let waiting = book_dropped(&e, "k-3", input("2", "0007", "2026-12-01", "16:00"));
    let other = book_dropped(&e, "k-4", other_input("2", "0007", "15:30"));
    for (id, answer) in [
        (confirmed, r#"{"success": true}"#.to_owned()),
        (other, r#"{"success": true}"#.to_owned()),
        (
            refused,
            r#"{"success": false, "error": "Сидорова Анна (79001234567) уже записана"}"#.to_owned(),
        ),
    ] {
        env.put(&format!("results/{id}.json"), &answer, 30);
    }
    assert_ran(&e.tick(eve() + minutes(5)));
    assert!(env
        .dump()
        .contains("Сидорова Анна (79001234567) уже записана"));

    // A number that is not one changes nothing.
    assert!(matches!(
        e.erase_person("12345", "пользователь NetCat №1", eve()),
        Err(priem::engine::EraseError::Phone(_))
    ));
    let f = e
        .erase_person(
            "+7 (900) 123-45-67",
            "пользователь NetCat №1",
            eve() + minutes(10),
        )
        .expect("erased");
    assert_eq!((f.bookings, f.cancelled), (3, 1), "{f:?}");
    assert_eq!(f.files, 5, "three booking files, two results: {f:?}");
    assert!(f.texts >= 1, "the refusal's alert quoted her: {f:?}");
    for word in FIRST {
        assert_eq!(env.traces_of(word), Vec::<String>::new(), "{word}");
    }
    for word in OTHER {
        assert!(
            !env.traces_of(word).is_empty(),
            "{word}: the other patient is kept"
        );
    }
    let w = e.booking(waiting).unwrap().unwrap();
    assert_eq!(w.status, BookingStatus::Rejected, "cancelled: {w:?}");
    assert_eq!(
        env.db.count(
            "Priem_Hold WHERE booking_id = {waiting}"
                .replace("{waiting}", &waiting.to_string())
                .as_str()
        ),
        0
    );
    assert_eq!(env.db.count("Priem_Booking"), 4, "the rows stay");
    let log = env.db.store.erasures(10).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].actor.as_str(), log[0].bookings, log[0].files),
        ("пользователь NetCat №1", 3, 5)
    );
    // The tick does not send the cancelled booking again.
    let r = e.tick(eve() + minutes(20));
    assert_ran(&r);
    assert_eq!(r.bookings_dropped, 0, "{r:?}");
    assert!(!env.exists(&format!("bookings/{waiting}.json")));

    // Again: nothing left to erase.
    let f = e
        .erase_person(PHONE, "пользователь NetCat №1", eve() + minutes(30))
        .unwrap();
    assert_eq!((f.bookings, f.files), (0, 0), "{f:?}");

    // FTP down: nothing changes, the admin is told to try again.
    env.ftp = None;
    let err = e
        .erase_person(OTHER_PHONE, "пользователь NetCat №1", eve() + minutes(40))
        .unwrap_err();
    assert!(matches!(err, priem::engine::EraseError::Ftp(_)), "{err:?}");
    assert!(err.to_string().contains("повторите"), "{err}");
    assert!(!env.traces_of(OTHER_PHONE).is_empty());
}

// ---------------------------------------------------------------------------------------------
// 7. Two ticks at once
// ---------------------------------------------------------------------------------------------

#[test]
fn two_ticks_at_once_one_runs_the_other_skips() {
    let mut env = Env::new();
    env.start_mis();
    let s = env.mis_only_settings("/sleep/2", 1);
    let e = engine(&s);
    import(&e, &booking_snapshot());
    let out = e
        .book(
            &request("k-1", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap();
    assert!(matches!(out, BookOutcome::Pending { .. }), "{out:?}");
    assert_eq!(env.mis_posts().len(), 1);

    // The lock held by someone else: the tick does nothing.
    let lock = env.db.store.try_lock(TICK_LOCK).unwrap().expect("free");
    let r = e.tick(eve() + minutes(5));
    assert!(!r.ran, "{r:?}");
    assert_eq!(
        r.line(),
        "priem: другой запуск ещё идёт (блокировка занята) — пропущено"
    );
    assert_eq!(env.mis_posts().len(), 1, "nothing sent");
    drop(lock);

    // Two runners, each with its own engine: the one that gets the lock spends a second
    // waiting for the sleeping MIS; the other one skips.
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let settings = s.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let e = engine(&settings);
                barrier.wait();
                e.tick(eve() + minutes(5))
            })
        })
        .collect();
    let reports: Vec<TickReport> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ran: Vec<bool> = reports.iter().map(|r| r.ran).collect();
    assert_eq!(
        ran.iter().filter(|r| **r).count(),
        1,
        "exactly one runs: {reports:?}"
    );
    assert_eq!(env.mis_posts().len(), 2, "the booking was sent once more");
    // The lock is free again.
    assert!(e.tick(eve() + minutes(6)).ran);
}

// ---------------------------------------------------------------------------------------------
// The issue's race: many visitors, one time
// ---------------------------------------------------------------------------------------------

#[test]
fn many_simultaneous_bookings_of_one_time_hold_it_once() {
    let env = Env::new();
    let mut s = env.settings();
    s.as_object_mut().unwrap().remove("ftp");
    let e = Arc::new(engine(&s));
    import(&e, &booking_snapshot());
    const N: usize = 200;
    let barrier = Arc::new(Barrier::new(N));
    let handles: Vec<_> = (0..N)
        .map(|i| {
            let e = e.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                e.book(
                    &request(
                        &format!("visitor-{i}"),
                        input("1", "0001", "2026-12-01", "15:30"),
                    ),
                    eve(),
                )
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let held = results.iter().filter(|r| r.is_ok()).count();
    let taken = results
        .iter()
        .filter(|r| matches!(r, Err(BookError::Booking(BookingError::Taken { .. }))))
        .count();
    let other: Vec<_> = results
        .iter()
        .filter(|r| {
            !matches!(
                r,
                Ok(_) | Err(BookError::Booking(BookingError::Taken { .. }))
            )
        })
        .collect();
    assert!(other.is_empty(), "{other:?}");
    assert_eq!((held, taken), (1, N - 1));
    for r in &results {
        if let Err(err) = r {
            assert_eq!(err.to_string(), "Это время уже занято — выберите другое");
        }
    }
    assert_eq!(env.db.count("Priem_Booking"), 1);
    assert_eq!(env.db.count("Priem_Hold"), 1);
}

// ---------------------------------------------------------------------------------------------
// 8. SMTP down
// ---------------------------------------------------------------------------------------------

#[test]
fn smtp_down_records_the_alert_and_mails_it_when_back() {
    let mut env = Env::new();
    env.stop_smtp();
    // FTP down too: something to alert about.
    let e = engine(&env.settings());

    let r = e.tick(eve());
    assert!(r.ran, "{r:?}");
    assert_eq!(r.alerts_raised, 1, "{r:?}");
    assert_eq!((r.mails_sent, r.mails_failed), (0, 1), "{r:?}");
    let open = env.db.store.open_alerts().unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].key, "ftp");
    let why = open[0]
        .last_error
        .as_deref()
        .expect("the mail failure is recorded");
    assert!(!why.contains(SMTP_PASSWORD), "{why}");
    assert!(env.mails().is_empty());

    let r = e.tick(eve() + minutes(15));
    assert!(r.ran && r.mails_failed == 1, "{r:?}");

    // SMTP back: the alert that could not be mailed is mailed now, once.
    env.start_smtp();
    let e = engine(&env.settings());
    let r = e.tick(eve() + minutes(30));
    assert_eq!((r.mails_sent, r.mails_failed), (1, 0), "{r:?}");
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(subjects[0].contains("FTP"), "{subjects:?}");
    e.tick(eve() + minutes(45));
    assert_eq!(env.mails().len(), 1, "{:?}", env.subjects());
}

/// The problem is over while SMTP is down: the "Решено" mail must still reach the clinic
/// once SMTP is back (§3: "say when it is resolved"; "If SMTP itself fails, the problem is
/// still recorded").
#[test]
fn a_resolution_while_smtp_is_down_is_mailed_when_it_is_back() {
    let mut env = Env::new();
    let e = engine(&env.settings());
    e.tick(eve());
    assert_eq!(env.mails().len(), 1, "FTP down: {:?}", env.subjects());
    env.stop_smtp();
    env.start_ftp();
    let e = engine(&env.settings());
    let r = e.tick(eve() + minutes(15));
    assert_eq!((r.alerts_resolved, r.mails_failed), (1, 1), "{r:?}");
    env.start_smtp();
    let e = engine(&env.settings());
    e.tick(eve() + minutes(30));
    e.tick(eve() + minutes(45));
    let subjects = env.subjects();
    assert!(
        subjects.iter().any(|s| s.starts_with("Решено: ")),
        "{subjects:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 9. The database unavailable
// ---------------------------------------------------------------------------------------------

#[test]
fn database_down_gives_errors_not_panics() {
    let env = Env::new();
    let mut s = env.settings();
    s["db"]["port"] = json!(free_port());
    s["db"]["password"] = json!(DB_PASSWORD);
    s.as_object_mut().unwrap().remove("ftp");
    let e = engine(&s);

    let started = Instant::now();
    let r = e.tick(eve());
    assert!(!r.errors.is_empty(), "{r:?}");
    assert!(!r.errors.iter().any(|m| m.contains(DB_PASSWORD)), "{r:?}");
    assert!(started.elapsed() < StdDuration::from_secs(15), "{r:?}");
    // The clinic is told even though nothing can be recorded.
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(subjects[0].contains("базы данных"), "{subjects:?}");

    let err = e
        .book(
            &request("k-1", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap_err();
    assert!(
        matches!(err, BookError::Engine(EngineError::Storage(_))),
        "{err:?}"
    );
    assert!(!err.to_string().contains(DB_PASSWORD), "{err}");
    assert!(e.grid("1", "0001", eve(), None).is_err());
    assert!(e.import_json(&booking_snapshot(), eve(), None).is_err());
}

// ---------------------------------------------------------------------------------------------
// 10. Booking by FTP drop
// ---------------------------------------------------------------------------------------------

#[test]
fn ftp_drop_booking_is_uploaded_and_answered_by_a_result_file() {
    let mut env = Env::new();
    env.start_ftp();
    let mut s = env.settings();
    s["mis"] = json!({"transport": "ftp"});
    s["booking"]["answer_timeout_minutes"] = json!(60);
    let e = engine(&s);
    import(&e, &booking_snapshot());

    let book = |key: &str, filial: &str, doctor: &str, time: &str| -> u64 {
        let out = e
            .book(
                &request(key, input(filial, doctor, "2026-12-01", time)),
                eve(),
            )
            .expect("stored");
        match out {
            BookOutcome::Pending { id } => id,
            other => panic!("{other:?}"),
        }
    };
    let a = book("k-a", "1", "0001", "15:30");
    let b = book("k-b", "1", "0001", "16:00");
    let c = book("k-c", "2", "0007", "15:30");

    let file = env.read(&format!("bookings/{a}.json"));
    let mut expected =
        expected_payload("1", "0001", "2026-12-01T12:30:00Z", "2026-12-01T13:00:00Z");
    expected["booking_id"] = json!(a.to_string());
    assert_eq!(serde_json::from_str::<Value>(&file).unwrap(), expected);
    let stored = e.booking(a).unwrap().unwrap();
    assert_eq!(stored.status, BookingStatus::Sent, "{stored:?}");
    assert!(
        file.starts_with(stored.payload.trim_end_matches('}')),
        "the payload plus booking_id: {file}"
    );
    let file_c: Value = serde_json::from_str(&env.read(&format!("bookings/{c}.json"))).unwrap();
    assert_eq!(file_c["dt_start"], "2026-12-01T10:30:00Z");
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(env.ftp_root.join("bookings"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".json") || n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // The MIS answers two of them.
    env.put(&format!("results/{a}.json"), r#"{"success": true}"#, 30);
    env.put(
        &format!("results/{b}.json"),
        r#"{"success": false, "error": "Врач в отпуске"}"#,
        30,
    );
    let r = e.tick(eve() + minutes(5));
    assert_ran(&r);
    assert_eq!(r.results_read, 2, "{r:?}");
    assert_eq!((r.bookings_confirmed, r.bookings_refused), (1, 1), "{r:?}");
    assert_eq!(
        e.booking(a).unwrap().unwrap().status,
        BookingStatus::Confirmed
    );
    let rb = e.booking(b).unwrap().unwrap();
    assert_eq!(rb.status, BookingStatus::Rejected);
    assert_eq!(rb.last_error.as_deref(), Some("Врач в отпуске"));
    assert!(times(&e, "1", "0001", eve()).contains(&t("2026-12-01 16:00", false)));
    assert!(!env.exists(&format!("results/{a}.json")));
    assert!(env.exists(&format!("results/processed/{a}.json")));
    let subjects = env.subjects();
    assert_eq!(subjects, [format!("МИС отказала в записи №{b}")]);

    // The third is not answered in time: alerted, then resolved when the answer comes.
    let r = e.tick(eve() + minutes(30));
    assert_eq!(r.mails_sent, 0, "{r:?}");
    let r = e.tick(eve() + minutes(90));
    assert_ran(&r);
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(subjects[1], format!("МИС не ответила на запись №{c}"));
    env.put(&format!("results/{c}.json"), r#"{"success": true}"#, 30);
    let r = e.tick(eve() + minutes(105));
    assert_ran(&r);
    assert_eq!(
        e.booking(c).unwrap().unwrap().status,
        BookingStatus::Confirmed
    );
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert_eq!(
        subjects[2],
        format!("Решено: МИС не ответила на запись №{c}")
    );
}

// ---------------------------------------------------------------------------------------------
// 11. No secrets in mail
// ---------------------------------------------------------------------------------------------

/// Failures whose messages are most likely to carry a credential: a refused FTP login, an MIS
/// behind Basic auth answering 401 and 500, bookings (the phone) left unknown. The check
/// itself runs in `Env`'s drop, for every test of this file; here it also runs explicitly.
#[test]
fn no_mail_carries_a_password_or_a_phone_number() {
    let mut env = Env::new();
    env.start_ftp();
    env.start_mis();

    // FTP: the wrong password.
    let mut s = env.http_settings("/secure/status/500", 2);
    s["ftp"]["password"] = json!(WRONG_PASSWORD);
    let e = engine(&s);
    import(&e, &booking_snapshot());
    let r = e.tick(eve());
    assert!(r.ran, "{r:?}");
    let subjects = env.subjects();
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(subjects[0].contains("FTP"), "{subjects:?}");

    // MIS: 500 behind Basic auth, then 401 (a wrong password configured).
    let out = e
        .book(
            &request("k-1", input("1", "0001", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap();
    assert!(matches!(out, BookOutcome::Pending { .. }), "{out:?}");
    let posts = env.mis_posts();
    let auth = posts[0].1["authorization"].as_str().unwrap_or_default();
    assert!(auth.starts_with("Basic "), "{posts:?}");
    e.tick(eve() + minutes(5));
    let mut s401 = s.clone();
    s401["mis"]["password"] = json!(WRONG_PASSWORD);
    s401["mis"]["url"] = json!(env.mis_url("/secure/success"));
    let e401 = engine(&s401);
    let out = e401
        .book(
            &request("k-2", input("2", "0007", "2026-12-01", "15:30")),
            eve(),
        )
        .unwrap();
    assert!(matches!(out, BookOutcome::Pending { .. }), "{out:?}");
    e401.tick(eve() + minutes(60));
    assert!(
        env.subjects()
            .iter()
            .any(|s| s.starts_with("МИС не отвечает")),
        "{:?}",
        env.subjects()
    );
    let open = env.db.store.open_alerts().unwrap();
    for a in &open {
        for secret in [
            FTP_PASSWORD,
            MIS_PASSWORD,
            SMTP_PASSWORD,
            WRONG_PASSWORD,
            PHONE,
        ] {
            assert!(!a.text.contains(secret), "{a:?}");
        }
    }
    for b in env
        .db
        .store
        .recent_bookings(&Default::default(), 10)
        .unwrap()
    {
        let e = b.last_error.unwrap_or_default();
        assert!(
            !e.contains(MIS_PASSWORD) && !e.contains(WRONG_PASSWORD),
            "{e}"
        );
    }
    assert!(env.mails().len() >= 2);
    env.assert_mails_clean();
}

// ---------------------------------------------------------------------------------------------
// The database connections lost between ticks (a MariaDB restart, wait_timeout)
// ---------------------------------------------------------------------------------------------

#[test]
fn lost_database_connections_are_reopened_by_the_next_tick_and_booking() {
    let mut env = Env::new();
    env.start_ftp();
    let e = engine(&env.settings());
    env.put("in/s1.json", &snapshot_v1(), 60);
    assert_ran(&e.tick(eve()));

    // Kill every session on the test database, as a server restart would.
    let kill_all = || {
        let mut admin = storage_common::admin();
        let ids: Vec<u64> = admin
            .exec(
                "SELECT ID FROM information_schema.PROCESSLIST \
                 WHERE DB = ? AND ID <> CONNECTION_ID()",
                (&env.db.name,),
            )
            .unwrap();
        assert!(!ids.is_empty(), "the engine keeps pooled sessions");
        for id in ids {
            let _ = admin.query_drop(format!("KILL {id}"));
        }
    };
    kill_all();
    env.put("in/s2.json", &snapshot_0002_with(|_| {}), 60);
    let r = e.tick(eve() + minutes(15));
    assert_ran(&r);
    assert_eq!(r.files_imported, 1, "{r:?}");
    assert_eq!(
        times(&e, "1", "0002", eve()),
        [t("2026-12-01 12:00", true), t("2026-12-01 12:20", true)]
    );
    kill_all();
    let out = e
        .book(
            &request("k-1", input("1", "0002", "2026-12-01", "12:00")),
            eve(),
        )
        .expect("booked after the reconnect");
    assert!(matches!(out, BookOutcome::Pending { .. }), "{out:?}");
    assert!(env.mails().is_empty(), "{:?}", env.subjects());
}

// ---------------------------------------------------------------------------------------------
// 10. What protected the last SMTP and FTP connection (opportunistic TLS)
// ---------------------------------------------------------------------------------------------

#[test]
fn each_links_last_protection_is_recorded_and_replaced() {
    use priem::engine::Link;
    use priem::transport::Protection;
    let env = Env::new();
    let e = engine(&env.settings());
    e.migrate().unwrap();
    assert_eq!(e.observed_protection(Link::Mail).unwrap(), None);
    assert_eq!(e.observed_protection(Link::Ftp).unwrap(), None);

    let cause = "сертификат сервера выдан неизвестным удостоверяющим центром".repeat(10);
    let fell = Protection::FellBack {
        cause: cause.clone(),
    };
    e.note_protection(Link::Mail, &fell, eve()).unwrap();
    e.note_protection(Link::Ftp, &Protection::NotOffered, eve())
        .unwrap();
    let mail = e.observed_protection(Link::Mail).unwrap().expect("noted");
    assert_eq!(mail.at, eve());
    // the server it was seen with, as the settings name it
    let settings = e.settings();
    let smtp = settings.mail.as_ref().expect("mail settings").addr();
    assert_eq!(mail.server.as_deref(), Some(smtp.as_str()));
    let ftp = e.observed_protection(Link::Ftp).unwrap().expect("noted");
    let ftp_server = settings.ftp.as_ref().expect("ftp settings").addr();
    assert_eq!(ftp.server.as_deref(), Some(ftp_server.as_str()));
    match mail.protection {
        // cut to the column's 500 characters
        Protection::FellBack { cause: got } => {
            assert_eq!(got.chars().count(), 500, "{got}");
            assert!(cause.starts_with(got.trim_end_matches('…')), "{got}");
        }
        other => panic!("{other:?}"),
    }

    // The next connection replaces it; the other link keeps its own.
    e.note_protection(Link::Mail, &Protection::Upgraded, eve() + minutes(1))
        .unwrap();
    let mail = e.observed_protection(Link::Mail).unwrap().expect("noted");
    assert_eq!(mail.protection, Protection::Upgraded);
    assert_eq!(mail.at, eve() + minutes(1));
    let ftp = e.observed_protection(Link::Ftp).unwrap().expect("noted");
    assert_eq!(ftp.protection, Protection::NotOffered);
    assert_eq!(env.db.count("Priem_Protection"), 2);
}

#[test]
fn an_alert_mail_and_the_mail_check_record_how_smtp_was_protected() {
    use priem::engine::Link;
    use priem::transport::Protection;
    let env = Env::new();
    // FTP down: an alert to mail, over the sink that offers no STARTTLS
    let e = engine(&env.settings());
    let r = e.tick(eve());
    assert_eq!(r.mails_sent, 1, "{r:?}");
    let seen = e
        .observed_protection(Link::Mail)
        .unwrap()
        .expect("recorded");
    assert_eq!(seen.protection, Protection::NotOffered);
    assert_eq!(seen.at, eve());
    assert_eq!(e.observed_protection(Link::Ftp).unwrap(), None);

    let said = e.check("mail").expect("the test letter went");
    assert!(
        said.contains("соединение без шифрования: сервер не предлагает TLS"),
        "{said}"
    );
    let seen = e
        .observed_protection(Link::Mail)
        .unwrap()
        .expect("recorded");
    assert!(seen.at > eve(), "the check is a connection too: {seen:?}");
}

#[test]
fn the_chart_and_the_journal_filter_count_days_as_the_admin_reads_them_in_moscow_time() {
    let env = Env::new();
    let e = engine(&env.settings());
    let s = &env.db.store;
    let mut conn = env.db.conn();
    // 01:30 МСК on 3 December is 22:30 UTC on the 2nd; 23:30 МСК on the 2nd is 20:30 UTC
    for (id, created) in [(1, "2026-12-02T22:30:00Z"), (2, "2026-12-02T20:30:00Z")] {
        conn.exec_drop(
            "INSERT INTO Priem_Booking (id, idempotency_key, source, status, filial, doctor, \
             start_utc, end_utc, payload, created_at, phone_masked) \
             VALUES (?, ?, 'site', 'confirmed', '1', '0001', ?, ?, '{}', ?, '7900***4567')",
            (
                id,
                format!("k{id}"),
                utc("2026-12-10T09:00:00Z").naive_utc(),
                utc("2026-12-10T09:30:00Z").naive_utc(),
                utc(created).naive_utc(),
            ),
        )
        .unwrap();
    }
    // a file imported at 00:10 МСК on the 3rd
    let run = s.start_run(utc("2026-12-02T21:10:00Z"), None).unwrap();
    s.finish_run(
        run,
        utc("2026-12-02T21:10:00Z"),
        &priem::storage::RunSummary {
            ok: true,
            counts: json!({ "files_imported": 1 }),
            ..Default::default()
        },
    )
    .unwrap();

    let days = e.daily(utc("2026-12-03T12:00:00Z"), 2).unwrap();
    let shown: Vec<_> = days
        .iter()
        .map(|d| {
            (
                d.date.as_str(),
                d.bookings.get("confirmed").cloned(),
                d.files,
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            ("2026-12-02", Some(json!(1)), 0),
            ("2026-12-03", Some(json!(1)), 1)
        ],
        "each booking and the file on the day its МСК time falls"
    );
    // at 23:30 UTC on the 2nd it is already the 3rd in Moscow: the chart ends on the 3rd
    let days = e.daily(utc("2026-12-02T23:30:00Z"), 1).unwrap();
    assert_eq!(days[0].date, "2026-12-03");
    assert_eq!(days[0].bookings.get("confirmed"), Some(&json!(1)));

    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3);
    let filter = priem::storage::BookingFilter {
        from: day,
        to: day,
        ..Default::default()
    };
    let ids: Vec<_> = e
        .bookings(&filter, 10)
        .unwrap()
        .iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(
        ids,
        vec![1],
        "«с 03.12 по 03.12» lists the booking made at 01:30 МСК on the 3rd only"
    );
}
