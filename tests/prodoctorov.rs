//! The ProDoctorov connector end to end (mis-exchange.md §4, issue 7), against MariaDB (a
//! throw-away database per test), `prodoctorov_peer.py` (ProDoctorov's upload API, checking the
//! uploaded fields and document, refusing on demand) and `mis_peer.py` (the clinic's MIS).
//!
//! Upload: the old API's form fields and the v2 token and wrapper, held times exported busy,
//! enabled doctors only, "unchanged" not sent again, every upload recorded, failures alerted and
//! resolved. Endpoint: Basic auth, every refusal reason, a valid booking reaching the MIS
//! exactly once, the same request twice (one after the other and at once), a ProDoctorov and a
//! site booking racing for one time, the MIS slower than the 10 s budget.

mod peers;
mod storage_common;

use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use mysql::prelude::Queryable;
use serde_json::{json, Value};

use peers::{mis_basic, Peer, TempDir, MIS_PASSWORD, MIS_USER};
use priem::domain::booking::BookingInput;
use priem::domain::booking::{BookingSource, BookingStatus, Consent};
use priem::engine::prodoctorov::{DirectAnswer, UPLOAD_ALERT};
use priem::engine::settings::Settings;
use priem::engine::{BookOutcome, BookRequest, Engine};
use priem::storage::UploadOutcome;
use storage_common::{cells, document, eve, utc, TestDb};

const PD_LOGIN: &str = "clinic-42";
const PD_PASSWORD: &str = "Pd-S3cret-6617";
const PD_TOKEN: &str = "Pd-T0ken-9931";
const WRONG_PASSWORD: &str = "Wrong-S3cret-0000";
const EP_USER: &str = "prodoctorov";
const EP_PASSWORD: &str = "Ep-S3cret-2208-long";
/// Where ProDoctorov's requests come from.
const PD_ADDRESS: &str = "203.0.113.9";
const PHONE: &str = "79001234567";

/// One test's database and peers.
struct Env {
    db: TestDb,
    mis_dir: TempDir,
    mis: Peer,
    pd_dir: TempDir,
    pd: Peer,
}

impl Env {
    fn new() -> Env {
        let mis_dir = TempDir::new("pd-mis");
        let pd_dir = TempDir::new("pd-peer");
        let basic = mis_basic();
        let mis = peers::mis_peer(&mis_dir.join("requests.jsonl"), &["--basic", &basic]);
        let pd = peers::prodoctorov_peer(
            &pd_dir.join("uploads.jsonl"),
            PD_LOGIN,
            PD_PASSWORD,
            PD_TOKEN,
        );
        Env {
            db: TestDb::new(),
            mis_dir,
            mis,
            pd_dir,
            pd,
        }
    }

    fn pd_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.pd.port)
    }

    /// Settings: the database, the MIS over HTTP at `mis_path` (Basic auth), the connector on
    /// with the old API, every filial, doctor 0002 of filial 1 left out.
    fn settings(&self, mis_path: &str) -> Value {
        let db = storage_common::config(&self.db.name);
        json!({
            "db": {"host": db.host, "port": db.port, "user": db.user, "password": db.password,
                   "database": db.database},
            "mis": {"transport": "http", "url": format!("http://127.0.0.1:{}{mis_path}", self.mis.port),
                    "user": MIS_USER, "password": MIS_PASSWORD, "timeout_s": 10},
            "timezones": {"2": "Asia/Yekaterinburg"},
            "booking": {"horizon_days": 14, "min_notice_minutes": 60},
            "prodoctorov": {"enabled": true, "api": "old",
                            "url": self.pd_url("/api/mis/send_cells/"),
                            "login": PD_LOGIN, "password": PD_PASSWORD,
                            "doctors": {"1": ["0001"]},
                            "endpoint_user": EP_USER, "endpoint_password": EP_PASSWORD}
        })
    }

    /// The uploads the ProDoctorov peer received, as it recorded and checked them.
    fn uploads(&self) -> Vec<Value> {
        read_jsonl(self.pd_dir.join("uploads.jsonl"))
    }

    /// The bodies POSTed to the MIS.
    fn mis_posts(&self) -> Vec<Value> {
        read_jsonl(self.mis_dir.join("requests.jsonl"))
            .into_iter()
            .filter(|r| r["method"] == "POST")
            .map(|r| {
                let hex = r["body_hex"].as_str().unwrap();
                let bytes: Vec<u8> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect();
                serde_json::from_slice(&bytes).unwrap()
            })
            .collect()
    }

    /// Asserts that nothing stored (uploads, alerts, bookings' errors) carries a secret.
    fn assert_no_secrets_stored(&self) {
        let mut conn = self.db.conn();
        let mut texts: Vec<String> = conn
            .query("SELECT CONCAT(host, ' ', COALESCE(answer, '')) FROM Priem_Upload")
            .unwrap();
        texts.extend(
            conn.query::<String, _>("SELECT text FROM Priem_Alert")
                .unwrap(),
        );
        texts.extend(
            conn.query::<String, _>("SELECT COALESCE(last_error, '') FROM Priem_Booking")
                .unwrap(),
        );
        for t in texts {
            for secret in [
                PD_PASSWORD,
                PD_TOKEN,
                WRONG_PASSWORD,
                EP_PASSWORD,
                MIS_PASSWORD,
                PHONE,
            ] {
                assert!(!t.contains(secret), "{secret} stored in {t:?}");
            }
        }
    }
}

fn read_jsonl(path: PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn engine(settings: &Value) -> Engine {
    Engine::new(Settings::from_value(settings.clone()).expect("valid settings")).expect("engine")
}

/// Filial 1 (Moscow, UTC+3): 0001 with a past cell, a too-soon one, free and busy ones; 0002
/// (not enabled for ProDoctorov). Filial 2 (Yekaterinburg, UTC+5): 0007.
fn snapshot() -> String {
    document(&[
        (
            "1",
            "Клиника на Ленина",
            vec![
                (
                    "0001",
                    "Иванова Мария Петровна",
                    cells(
                        "2026-11-30 12:00-12:30 free; 2026-11-30 13:30-14:00 free; \
                         2026-12-01 15:00-15:30 free 12; 2026-12-01 15:30-16:00 free; \
                         2026-12-01 16:00-16:30 free; 2026-12-02 09:00-09:30 busy; \
                         2026-12-02 09:30-10:00 free",
                    ),
                ),
                (
                    "0002",
                    "Петров Пётр Петрович",
                    cells("2026-12-01 11:00-11:20 free; 2026-12-01 11:20-11:40 free"),
                ),
            ],
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

/// Imports the snapshot as of two hours before [`now`], so the 12:00 cell is stored (and past
/// by `now`).
fn import(e: &Engine) {
    let i = e
        .import_json(&snapshot(), utc("2026-11-30T08:00:00Z"), None)
        .expect("import");
    assert!(i.rejected.is_empty() && i.bad_cells.is_empty(), "{i:?}");
}

/// ProDoctorov's §2.1 request.
fn pd_request(filial: &str, doctor: &str, start: &str, end: &str) -> String {
    json!({
        "dt_start": start, "dt_end": end, "filial_id": filial, "doctor_id": doctor,
        "specialty": "кардиолог", "name": "Сидорова Анна", "phone": PHONE,
        "comment": "Запись с ПроДокторов",
    })
    .to_string()
}

/// A site visitor's booking of filial 1, doctor 0001, 2026-12-01 at `time` (local).
fn site_booking(key: &str, time: &str) -> BookRequest {
    BookRequest {
        input: BookingInput {
            filial_id: "1".into(),
            doctor_id: "0001".into(),
            date: "2026-12-01".into(),
            time_start: time.into(),
            name: "Кузнецов Иван".into(),
            phone: "+7 900 765-43-21".into(),
            comment: String::new(),
            specialty: String::new(),
            utc: None,
        },
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

/// ProDoctorov's direct booking with the right credentials, from [`PD_ADDRESS`].
fn pd_book(e: &Engine, body: &str, now: chrono::DateTime<chrono::Utc>) -> DirectAnswer {
    e.prodoctorov_booking(body, Some(&basic(EP_USER, EP_PASSWORD)), PD_ADDRESS, now)
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", peers::base64(&format!("{user}:{password}")))
}

/// The cells of one doctor in an uploaded document: `"YYYY-MM-DD HH:MM-HH:MM free|busy"`.
fn doc_cells(doc: &Value, filial: &str, doctor: &str) -> Vec<String> {
    doc["data"][filial][doctor]["cells"]
        .as_array()
        .unwrap_or_else(|| panic!("no {filial}/{doctor} in {doc}"))
        .iter()
        .map(|c| {
            format!(
                "{} {}-{} {}",
                c["dt"].as_str().unwrap(),
                c["time_start"].as_str().unwrap(),
                c["time_end"].as_str().unwrap(),
                if c["free"].as_bool().unwrap() {
                    "free"
                } else {
                    "busy"
                }
            )
        })
        .collect()
}

fn refusal(a: &DirectAnswer) -> &str {
    assert!(!a.success, "{a:?}");
    a.error
        .as_deref()
        .unwrap_or_else(|| panic!("no reason in {a:?}"))
}

// ---------------------------------------------------------------------------------------------
// Upload
// ---------------------------------------------------------------------------------------------

#[test]
fn upload_by_the_old_api_sends_the_form_and_the_schedule_with_held_times_busy() {
    let env = Env::new();
    let e = engine(&env.settings("/secure/success"));
    import(&e);
    // A site visitor holds 15:00.
    let b = e.book(&site_booking("site-1", "15:00"), eve()).unwrap();
    assert!(matches!(b, BookOutcome::Confirmed { .. }), "{b:?}");

    let r = e.tick(eve());
    assert!(r.errors.is_empty(), "{r:?}");
    assert_eq!(r.prodoctorov_upload, Some("ok"));
    let ups = env.uploads();
    assert_eq!(ups.len(), 1, "{ups:?}");
    let up = &ups[0];
    assert_eq!(up["api"], "old");
    assert_eq!(up["ok"], true, "{up}");
    assert_eq!(up["login"], PD_LOGIN);
    assert!(up["path"].as_str().unwrap().ends_with("/mis/send_cells/"));
    let doc = &up["document"];
    assert_eq!(doc["1"], "Клиника на Ленина");
    assert_eq!(doc["2"], "Клиника в Екатеринбурге");
    assert_eq!(doc["data"]["1"]["0001"]["efio"], "Иванова Мария Петровна");
    assert_eq!(doc["data"]["1"]["0001"]["cells"][1]["room"], "12");
    assert_eq!(
        doc_cells(doc, "1", "0001"),
        [
            // Past: left out. Within the hour of minimum notice: busy.
            "2026-11-30 13:30-14:00 busy",
            // Held by the site's visitor.
            "2026-12-01 15:00-15:30 busy",
            "2026-12-01 15:30-16:00 free",
            "2026-12-01 16:00-16:30 free",
            "2026-12-02 09:00-09:30 busy",
            "2026-12-02 09:30-10:00 free",
        ]
    );
    // 0002 is not enabled for ProDoctorov; filial 2 has no list, so all its doctors go.
    assert!(doc["data"]["1"].get("0002").is_none(), "{doc}");
    assert_eq!(
        doc_cells(doc, "2", "0007"),
        ["2026-12-01 15:30-16:00 free", "2026-12-01 16:00-16:30 free"]
    );

    let recorded = e.store().recent_uploads(10).unwrap();
    assert_eq!(recorded.len(), 1);
    let u = &recorded[0];
    assert_eq!(u.outcome, UploadOutcome::Ok);
    assert_eq!((u.api.as_str(), u.http_status), ("old", Some(200)));
    assert_eq!(u.host, format!("127.0.0.1:{}", env.pd.port));
    assert_eq!((u.filials, u.doctors, u.cells), (2, 2, 8));
    assert!(u.bytes > 500 && u.digest.len() == 64, "{u:?}");
    assert!(u.answer.as_deref().unwrap().contains("\"status\""), "{u:?}");

    // Not due a minute later; due after the interval, but nothing changed: not sent.
    assert_eq!(
        e.tick(eve() + Duration::minutes(1)).prodoctorov_upload,
        Some("not_due")
    );
    let r = e.tick(eve() + Duration::minutes(15));
    assert_eq!(r.prodoctorov_upload, Some("unchanged"));
    assert_eq!(env.uploads().len(), 1);
    let recorded = e.store().recent_uploads(10).unwrap();
    assert_eq!(recorded[0].outcome, UploadOutcome::Unchanged);
    assert_eq!(recorded[0].digest, recorded[1].digest);

    // A booking changes the schedule: the next cycle sends it.
    let later = eve() + Duration::minutes(30);
    e.book(&site_booking("site-2", "16:00"), later).unwrap();
    assert_eq!(e.tick(later).prodoctorov_upload, Some("ok"));
    let ups = env.uploads();
    assert_eq!(ups.len(), 2);
    assert!(doc_cells(&ups[1]["document"], "1", "0001")
        .contains(&"2026-12-01 16:00-16:30 busy".to_owned()));
    env.assert_no_secrets_stored();
}

#[test]
fn upload_by_v2_sends_the_token_and_the_schedule_wrapper() {
    let env = Env::new();
    let mut s = env.settings("/secure/success");
    s["prodoctorov"] = json!({"enabled": true, "api": "v2",
        "url": env.pd_url("/api/v2/doctors/send_schedule/"), "token": PD_TOKEN,
        "filials": ["2"]});
    let e = engine(&s);
    import(&e);
    let r = e.prodoctorov_upload(eve(), false).unwrap();
    assert_eq!(r.outcome, "ok", "{r:?}");
    let ups = env.uploads();
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0]["api"], "v2");
    assert_eq!(ups[0]["ok"], true, "{}", ups[0]);
    let doc = &ups[0]["document"];
    assert!(
        doc["data"].get("1").is_none(),
        "only filial 2 is enabled: {doc}"
    );
    assert_eq!(doc_cells(doc, "2", "0007").len(), 2);
    // Forced: sent again although unchanged.
    assert_eq!(
        e.prodoctorov_upload(eve(), false).unwrap().outcome,
        "not_due"
    );
    assert_eq!(e.prodoctorov_upload(eve(), true).unwrap().outcome, "ok");
    assert_eq!(env.uploads().len(), 2);
}

#[test]
fn failed_uploads_are_recorded_alerted_and_resolved_when_it_works() {
    let env = Env::new();
    // ProDoctorov refuses with 500.
    let mut s = env.settings("/secure/success");
    s["prodoctorov"]["url"] = json!(env.pd_url("/refuse/500/api/mis/send_cells/"));
    let e = engine(&s);
    import(&e);
    let r = e.tick(eve());
    assert_eq!(r.prodoctorov_upload, Some("failed"));
    let alerts = e.store().open_alerts().unwrap();
    let a = alerts
        .iter()
        .find(|a| a.kind == UPLOAD_ALERT)
        .expect("upload alert");
    assert!(
        a.text.contains("Расписание не выгружается в ПроДокторов"),
        "{}",
        a.text
    );
    assert!(a.text.contains("HTTP 500"), "{}", a.text);
    let u = &e.store().recent_uploads(1).unwrap()[0];
    assert_eq!(
        (u.outcome, u.http_status),
        (UploadOutcome::Failed, Some(500))
    );

    // A wrong password: 401, still one alert, no password anywhere.
    s["prodoctorov"]["url"] = json!(env.pd_url("/api/mis/send_cells/"));
    s["prodoctorov"]["password"] = json!(WRONG_PASSWORD);
    let e = engine(&s);
    let r = e.tick(eve() + Duration::minutes(15));
    assert_eq!(r.prodoctorov_upload, Some("failed"));
    assert_eq!(
        env.uploads().last().unwrap()["problem"],
        "wrong login or password"
    );
    let u = &e.store().recent_uploads(1).unwrap()[0];
    assert_eq!(u.http_status, Some(401));
    let open: Vec<_> = e
        .store()
        .open_alerts()
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == UPLOAD_ALERT)
        .collect();
    assert_eq!(open.len(), 1);
    assert!(open[0].text.contains("401"), "{}", open[0].text);

    // ProDoctorov unreachable: a failure too.
    s["prodoctorov"]["url"] = json!(format!(
        "http://127.0.0.1:{}/api/mis/send_cells/",
        peers::free_port()
    ));
    let e = engine(&s);
    assert_eq!(
        e.tick(eve() + Duration::minutes(30)).prodoctorov_upload,
        Some("failed")
    );

    // Fixed: the upload goes through and the alert is resolved.
    s["prodoctorov"]["url"] = json!(env.pd_url("/api/mis/send_cells/"));
    s["prodoctorov"]["password"] = json!(PD_PASSWORD);
    let e = engine(&s);
    let r = e.tick(eve() + Duration::minutes(45));
    assert_eq!(r.prodoctorov_upload, Some("ok"));
    assert!(r.alerts_resolved >= 1, "{r:?}");
    assert!(e
        .store()
        .open_alerts()
        .unwrap()
        .iter()
        .all(|a| a.kind != UPLOAD_ALERT));
    let outcomes: Vec<_> = e
        .store()
        .recent_uploads(10)
        .unwrap()
        .into_iter()
        .map(|u| u.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            UploadOutcome::Ok,
            UploadOutcome::Failed,
            UploadOutcome::Failed,
            UploadOutcome::Failed
        ]
    );
    env.assert_no_secrets_stored();
}

// ---------------------------------------------------------------------------------------------
// Direct bookings
// ---------------------------------------------------------------------------------------------

/// 2026-12-01 15:30–16:00 in Moscow.
const START: &str = "2026-12-01T12:30:00Z";
const END: &str = "2026-12-01T13:00:00Z";

#[test]
fn the_endpoint_is_closed_without_a_login_and_a_strong_password() {
    let env = Env::new();
    let body = pd_request("1", "0001", START, END);
    for (user, password) in [
        ("", ""),
        ("", EP_PASSWORD),
        (EP_USER, ""),
        (EP_USER, "short-password"),
    ] {
        let mut s = env.settings("/secure/success");
        s["prodoctorov"]["endpoint_user"] = json!(user);
        s["prodoctorov"]["endpoint_password"] = json!(password);
        let e = engine(&s);
        import(&e);
        // whatever is sent: nothing, the empty password ("user:"), the configured pair
        for auth in [None, Some(basic(user, "")), Some(basic(user, password))] {
            let a = e.prodoctorov_booking(&body, auth.as_deref(), PD_ADDRESS, eve());
            assert_eq!(a.http_status, 401, "{user:?}/{password:?} {auth:?}: {a:?}");
            assert!(
                refusal(&a).starts_with("Прямая запись не настроена на сайте клиники: "),
                "{a:?}"
            );
        }
    }
    assert_eq!(env.db.count("Priem_Booking"), 0);
    assert!(env.mis_posts().is_empty());
}

#[test]
fn the_endpoint_asks_for_basic_auth_and_stops_an_address_guessing_it() {
    let env = Env::new();
    let e = engine(&env.settings("/secure/success"));
    import(&e);
    let body = pd_request("1", "0001", START, END);
    let guesser = "2001:db8:5:6::1";
    for auth in [
        None,
        Some(basic(EP_USER, "")),
        Some(basic(EP_USER, WRONG_PASSWORD)),
        Some(basic("other", EP_PASSWORD)),
        Some(format!("Bearer {EP_PASSWORD}")),
        Some("Basic ***".to_owned()),
    ] {
        let a = e.prodoctorov_booking(&body, auth.as_deref(), guesser, eve());
        assert_eq!(a.http_status, 401, "{auth:?}: {a:?}");
        assert_eq!(refusal(&a), "Неверный логин или пароль");
    }
    assert_eq!(env.db.count("Priem_Booking"), 0);
    assert!(env.mis_posts().is_empty());
    // Five wrong logins so far (no header at all is not a guess); five more from the same /64
    for i in 0..5 {
        let other_host = format!("2001:db8:5:6::{:x}", 0x100 + i);
        let a = e.prodoctorov_booking(
            &body,
            Some(&basic(EP_USER, WRONG_PASSWORD)),
            &other_host,
            eve(),
        );
        assert_eq!(a.http_status, 401, "{a:?}");
    }
    // ... and the /64 waits until the window ends, right password or not
    for auth in [basic(EP_USER, WRONG_PASSWORD), basic(EP_USER, EP_PASSWORD)] {
        let a = e.prodoctorov_booking(&body, Some(&auth), "2001:db8:5:6:ffff::1", eve());
        assert_eq!(a.http_status, 429, "{a:?}");
        let wait = a.retry_after.expect("Retry-After");
        assert!((1..=600).contains(&wait), "{wait}");
        assert!(
            refusal(&a).starts_with("Слишком много неверных попыток входа"),
            "{a:?}"
        );
    }
    assert_eq!(env.db.count("Priem_Booking"), 0);
    // ProDoctorov's own address is not concerned; the next window is open again
    let a = pd_book(&e, &body, eve());
    assert_eq!((a.http_status, a.success), (200, true), "{a:?}");
    assert_eq!(a.body(), json!({"success": true, "error": null}));
    let later = e.prodoctorov_booking(
        &body,
        Some(&basic(EP_USER, EP_PASSWORD)),
        guesser,
        eve() + Duration::minutes(10),
    );
    assert_eq!(later.http_status, 200, "{later:?}");
    // the counters name no address
    let buckets: Vec<String> = env
        .db
        .conn()
        .query("SELECT bucket FROM Priem_RateLimit")
        .unwrap();
    assert!(!buckets.is_empty());
    assert!(
        buckets
            .iter()
            .all(|b| !b.contains("2001") && !b.contains("203.0")),
        "{buckets:?}"
    );
}

#[test]
fn the_endpoint_refuses_each_bad_request_with_a_reason() {
    let env = Env::new();
    let e = engine(&env.settings("/secure/success"));
    import(&e);
    // A site visitor holds 16:00.
    e.book(&site_booking("site-1", "16:00"), eve()).unwrap();
    let posts_before = env.mis_posts().len();

    let cases: Vec<(String, u16, &str)> = vec![
        ("{\"dt_start\": ".into(), 400, "Тело запроса — не JSON"),
        ("[1, 2]".into(), 400, "Ожидался JSON-объект с полями записи"),
        (
            json!({"dt_start": START, "dt_end": END, "doctor_id": "0001", "name": "Анна",
                   "phone": PHONE})
            .to_string(),
            400,
            "Не указано поле filial_id",
        ),
        (
            pd_request("1", "0001", "01.12.2026 15:30", END),
            400,
            "Поле dt_start: нужно время UTC вида 2019-06-23T12:30:00Z",
        ),
        (
            pd_request("9", "0001", START, END),
            200,
            "Филиал «9»: Клиника не найдена в расписании",
        ),
        (
            // not in the filial's list of doctors ProDoctorov books (settings), let alone in the MIS's
            pd_request("1", "0099", START, END),
            200,
            "Врач «0099» филиала «1» не принимает запись через ПроДокторов",
        ),
        (
            pd_request("1", "0002", "2026-12-01T08:00:00Z", "2026-12-01T08:20:00Z"),
            200,
            "Врач «0002» филиала «1» не принимает запись через ПроДокторов",
        ),
        (
            pd_request("1", "0001", "2026-12-01T12:10:00Z", "2026-12-01T12:40:00Z"),
            200,
            "В расписании врача нет приёма 01.12.2026 в 15:10",
        ),
        (
            // Two cells: 15:30–16:30.
            pd_request("1", "0001", START, "2026-12-01T13:30:00Z"),
            200,
            "Время приёма должно совпадать с одной ячейкой расписания: 15:30–16:00",
        ),
        (
            pd_request("1", "0001", START, "2026-12-01T12:45:00Z"),
            200,
            "Время приёма должно совпадать с одной ячейкой расписания: 15:30–16:00",
        ),
        (
            pd_request("1", "0001", END, START),
            200,
            "Время приёма должно совпадать с одной ячейкой расписания: 16:00–16:30",
        ),
        (
            // past: no longer in the schedule a booking is checked against
            pd_request("1", "0001", "2026-11-30T09:00:00Z", "2026-11-30T09:30:00Z"),
            200,
            "В расписании врача нет приёма 30.11.2026 в 12:00",
        ),
        (
            pd_request("1", "0001", "2026-11-30T10:30:00Z", "2026-11-30T11:00:00Z"),
            200,
            "Это время уже прошло — выберите другое",
        ),
        (
            pd_request("1", "0001", "2026-12-02T06:00:00Z", "2026-12-02T06:30:00Z"),
            200,
            "Это время уже занято",
        ),
        (
            pd_request("1", "0001", "2026-12-01T13:00:00Z", "2026-12-01T13:30:00Z"),
            200,
            "Это время уже занято",
        ),
        (
            json!({"dt_start": START, "dt_end": END, "filial_id": "1", "doctor_id": "0001",
                   "name": "Анна", "phone": "12345"})
            .to_string(),
            400,
            "Телефон: ",
        ),
        (
            json!({"dt_start": START, "dt_end": END, "filial_id": "1", "doctor_id": "0001",
                   "name": "Анна", "phone": 79001234567u64})
            .to_string(),
            400,
            "Поле phone: ожидалась строка",
        ),
    ];
    for (body, status, reason) in &cases {
        let a = pd_book(&e, body, eve());
        assert_eq!(a.http_status, *status, "{body}: {a:?}");
        let got = refusal(&a);
        assert!(got.starts_with(reason), "{body}: {got:?} is not {reason:?}");
        assert!(!got.contains(PHONE) && !got.contains("12345"), "{got}");
        let v = a.body();
        assert_eq!(v["success"], false);
        assert_eq!(v["error"], *got);
    }
    // Nothing was booked or sent.
    assert_eq!(env.db.count("Priem_Booking"), 1);
    assert_eq!(env.mis_posts().len(), posts_before);

    // Switched off: refused before anything is read.
    let mut s = env.settings("/secure/success");
    s["prodoctorov"]["enabled"] = json!(false);
    let off = pd_book(&engine(&s), &pd_request("1", "0001", START, END), eve());
    assert_eq!(off.http_status, 403);
    assert_eq!(
        refusal(&off),
        "Запись через ПроДокторов не включена на сайте клиники"
    );
}

#[test]
fn a_valid_booking_reaches_the_mis_once_and_a_repeat_is_the_same_booking() {
    let env = Env::new();
    let e = Arc::new(engine(&env.settings("/secure/success")));
    import(&e);
    let body = pd_request("1", "0001", START, END);
    let a = pd_book(&e, &body, eve());
    assert_eq!(
        (a.http_status, a.success, a.error.as_deref()),
        (200, true, None),
        "{a:?}"
    );
    let id = a.booking_id.expect("a booking id");
    let posts = env.mis_posts();
    assert_eq!(
        posts,
        [json!({
            "dt_start": START, "dt_end": END, "filial_id": "1", "doctor_id": "0001",
            "specialty": "Кардиолог", "name": "Сидорова Анна", "phone": PHONE,
            "comment": "Запись с ПроДокторов",
        })]
    );
    let b = e.booking(id).unwrap().unwrap();
    assert_eq!(b.source, BookingSource::Prodoctorov);
    assert_eq!(b.status, BookingStatus::Confirmed);
    assert_eq!(b.phone_masked, "7900***4567");
    // The consent was ProDoctorov's to collect (its terms), not the site's form.
    let consent = b.consent.expect("recorded");
    assert_eq!(
        (consent.text_version.as_str(), consent.ip.as_str()),
        (Consent::PRODOCTOROV, "")
    );
    // The site's grid shows the time taken.
    let g = e.grid("1", "0001", eve(), Some(3)).unwrap();
    let slot = g
        .days
        .iter()
        .flat_map(|d| d.parts.iter().flat_map(|p| p.slots.iter()))
        .find(|s| s.start == 15 * 60 + 30)
        .unwrap();
    assert!(!slot.free);

    // The same request again (ProDoctorov retrying): the same booking, no second MIS call.
    let again = pd_book(&e, &body, eve() + Duration::minutes(1));
    assert_eq!(again, a);
    assert_eq!(env.mis_posts().len(), 1);
    assert_eq!(env.db.count("Priem_Booking"), 1);

    // The same request several times at once (other times): one booking, one MIS call, the
    // same answer to each.
    for (round, (filial, doctor, start, end)) in [
        ("2", "0007", "2026-12-01T10:30:00Z", "2026-12-01T11:00:00Z"),
        ("2", "0007", "2026-12-01T11:00:00Z", "2026-12-01T11:30:00Z"),
        ("1", "0001", "2026-12-01T13:00:00Z", "2026-12-01T13:30:00Z"),
    ]
    .into_iter()
    .enumerate()
    {
        const N: usize = 4;
        let body = pd_request(filial, doctor, start, end);
        let barrier = Arc::new(Barrier::new(N));
        let answers: Vec<DirectAnswer> = (0..N)
            .map(|_| {
                let (e, b, body) = (e.clone(), barrier.clone(), body.clone());
                std::thread::spawn(move || {
                    b.wait();
                    pd_book(&e, &body, eve())
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        assert!(answers.iter().all(|a| a.success), "{answers:?}");
        assert!(
            answers
                .iter()
                .all(|a| a.booking_id == answers[0].booking_id),
            "{answers:?}"
        );
        assert_eq!(env.mis_posts().len(), 2 + round);
        assert_eq!(env.db.count("Priem_Booking"), 2 + round as u64);
    }
    // Yekaterinburg 15:30 is 10:30 UTC.
    assert_eq!(env.mis_posts()[1]["dt_start"], "2026-12-01T10:30:00Z");
    env.assert_no_secrets_stored();
}

#[test]
fn a_prodoctorov_and_a_site_booking_racing_for_one_time_one_wins() {
    let env = Env::new();
    let e = Arc::new(engine(&env.settings("/secure/success")));
    import(&e);
    for (round, (time, start, end)) in [
        ("15:00", "2026-12-01T12:00:00Z", "2026-12-01T12:30:00Z"),
        ("15:30", START, END),
        ("16:00", "2026-12-01T13:00:00Z", "2026-12-01T13:30:00Z"),
    ]
    .into_iter()
    .enumerate()
    {
        let barrier = Arc::new(Barrier::new(2));
        let pd = {
            let (e, b) = (e.clone(), barrier.clone());
            let body = pd_request("1", "0001", start, end);
            std::thread::spawn(move || {
                b.wait();
                pd_book(&e, &body, eve())
            })
        };
        let site = {
            let (e, b) = (e.clone(), barrier.clone());
            let req = site_booking(&format!("site-race-{round}"), time);
            std::thread::spawn(move || {
                b.wait();
                e.book(&req, eve())
            })
        };
        let pd = pd.join().unwrap();
        let site = site.join().unwrap();
        let site_won = matches!(site, Ok(BookOutcome::Confirmed { .. }));
        assert_eq!(pd.success, !site_won, "round {round}: {pd:?} / {site:?}");
        if site_won {
            assert!(refusal(&pd).starts_with("Это время уже занято"), "{pd:?}");
        } else {
            assert!(site.is_err(), "{site:?}");
        }
    }
    assert_eq!(env.db.count("Priem_Booking"), 3);
    assert_eq!(env.db.count("Priem_Hold"), 3);
    assert_eq!(env.mis_posts().len(), 3);
}

#[test]
fn a_refusal_by_the_mis_is_passed_on() {
    let env = Env::new();
    let e = engine(&env.settings("/secure/refuse?reason=%D0%92%D1%80%D0%B0%D1%87%20%D0%B2%20%D0%BE%D1%82%D0%BF%D1%83%D1%81%D0%BA%D0%B5"));
    import(&e);
    let a = pd_book(&e, &pd_request("1", "0001", START, END), eve());
    assert_eq!(a.http_status, 200);
    assert_eq!(refusal(&a), "МИС клиники отказала в записи: Врач в отпуске");
    let b = e.booking(a.booking_id.unwrap()).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Rejected);
}

#[test]
fn the_mis_slower_than_the_budget_gets_a_refusal_within_ten_seconds() {
    let env = Env::new();
    let e = engine(&env.settings("/secure/sleep/12"));
    import(&e);
    let started = Instant::now();
    let a = pd_book(&e, &pd_request("1", "0001", START, END), eve());
    let took = started.elapsed();
    assert!(took < StdDuration::from_millis(9500), "took {took:?}");
    assert!(
        took >= StdDuration::from_secs(7),
        "took {took:?}: the MIS was given its time"
    );
    assert_eq!(a.http_status, 200);
    assert!(
        refusal(&a).starts_with("МИС клиники не подтвердила запись вовремя"),
        "{a:?}"
    );
    // Cancelled: released, never retried, the clinic told to check the MIS.
    let b = e.booking(a.booking_id.unwrap()).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Rejected);
    assert_eq!(env.db.count("Priem_Hold"), 0);
    assert!(e
        .store()
        .due_for_delivery(eve() + Duration::days(1), 10)
        .unwrap()
        .is_empty());
    let alerts = e.store().open_alerts().unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a.key.starts_with("prodoctorov_cancelled:")),
        "{alerts:?}"
    );
    // A repeat answers the same.
    let again = pd_book(&e, &pd_request("1", "0001", START, END), eve());
    assert_eq!(again, a);
    assert_eq!(env.mis_posts().len(), 1);
    env.assert_no_secrets_stored();
}

#[test]
fn the_mis_slower_than_the_budget_is_accepted_when_the_admin_chose_so() {
    let env = Env::new();
    let mut s = env.settings("/secure/sleep/12");
    s["prodoctorov"]["accept_when_mis_down"] = json!(true);
    let e = engine(&s);
    import(&e);
    let started = Instant::now();
    let a = pd_book(&e, &pd_request("1", "0001", START, END), eve());
    // ProDoctorov waits 10 s (the engine's budget is 9 s; the rest is the margin a loaded test
    // machine needs)
    assert!(
        started.elapsed() < StdDuration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((a.http_status, a.success), (200, true), "{a:?}");
    // Kept, held and retried by the cron tick with the same payload.
    let b = e.booking(a.booking_id.unwrap()).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Unknown);
    assert_eq!(env.db.count("Priem_Hold"), 1);
    assert!(b.next_attempt_at.is_some());
}

#[test]
fn without_an_mis_that_answers_at_once_bookings_are_refused_unless_accepted() {
    let env = Env::new();
    let mut s = env.settings("/secure/success");
    s.as_object_mut().unwrap().remove("mis");
    let e = engine(&s);
    import(&e);
    let body = pd_request("1", "0001", START, END);
    let a = pd_book(&e, &body, eve());
    assert!(
        refusal(&a).starts_with("Клиника не может подтвердить запись сразу"),
        "{a:?}"
    );
    assert_eq!(env.db.count("Priem_Booking"), 0);
    s["prodoctorov"]["accept_when_mis_down"] = json!(true);
    let a = pd_book(&engine(&s), &body, eve());
    assert!(a.success, "{a:?}");
    assert_eq!(env.db.count("Priem_Booking WHERE status = 'queued'"), 1);
}

#[test]
fn a_prodoctorov_slower_than_the_upload_timeout_is_a_failure() {
    let env = Env::new();
    let mut s = env.settings("/secure/success");
    s["prodoctorov"]["url"] = json!(env.pd_url("/sleep/3/api/mis/send_cells/"));
    s["prodoctorov"]["timeout_s"] = json!(1);
    let e = engine(&s);
    import(&e);
    let started = Instant::now();
    let r = e.prodoctorov_upload(eve(), false).unwrap();
    assert!(
        started.elapsed() < StdDuration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.outcome, "failed");
    assert!(r.error.as_ref().is_some_and(|e| e.is_timeout()), "{r:?}");
    assert_eq!(r.message.as_deref(), Some("ПроДокторов не ответил за 1 с"));
    let u = &e.store().recent_uploads(1).unwrap()[0];
    assert_eq!((u.outcome, u.http_status), (UploadOutcome::Failed, None));
}
