//! The protections that count (`engine::limits`), against MariaDB (a throw-away database per
//! test) and the MIS peer: the client address behind trusted proxies, attempts per address
//! (IPv6 per /64), bookings per phone and per doctor-day counted atomically with the booking,
//! and the form token used once.

mod peers;
mod storage_common;

use std::sync::{Arc, Barrier};

use chrono::Duration;
use mysql::prelude::Queryable;
use serde_json::{json, Value};

use peers::TempDir;
use priem::domain::booking::{BookingInput, BookingSource, Consent};
use priem::engine::limits::Refusal;
use priem::engine::settings::Settings;
use priem::engine::{BookError, BookOutcome, BookRequest, Engine};
use storage_common::{cells, document, eve, TestDb};

const SECRET: &str = "limits-test-secret";

fn settings(db: &TestDb, limits: Value) -> Value {
    let c = storage_common::config(&db.name);
    let mut limits = limits;
    limits["secret"] = json!(SECRET);
    json!({
        "db": {"host": c.host, "port": c.port, "user": c.user, "password": c.password,
               "database": c.database},
        "booking": {"horizon_days": 14, "min_notice_minutes": 60},
        "limits": limits,
    })
}

fn engine(settings: &Value) -> Engine {
    Engine::new(Settings::from_value(settings.clone()).expect("valid settings")).expect("engine")
}

/// Filial 1 (Moscow), doctor 0001: twelve half-hour cells on 2026-12-01 from 09:00 and two on
/// 2026-12-02.
fn import(e: &Engine) {
    let mut spec = String::new();
    for i in 0..12 {
        let (h, m) = (9 + i / 2, (i % 2) * 30);
        let (h2, m2) = if m == 0 { (h, 30) } else { (h + 1, 0) };
        spec.push_str(&format!("2026-12-01 {h:02}:{m:02}-{h2:02}:{m2:02} free; "));
    }
    spec.push_str("2026-12-02 09:00-09:30 free; 2026-12-02 09:30-10:00 free");
    let doc = document(&[(
        "1",
        "Клиника на Ленина",
        vec![("0001", "Иванова Мария", cells(&spec))],
    )]);
    let i = e.import_json(&doc, eve(), None).expect("import");
    assert!(i.rejected.is_empty() && i.bad_cells.is_empty(), "{i:?}");
}

fn request(key: &str, date: &str, time: &str, phone: &str) -> BookRequest {
    BookRequest {
        input: BookingInput {
            filial_id: "1".into(),
            doctor_id: "0001".into(),
            date: date.into(),
            time_start: time.into(),
            name: "Сидорова Анна".into(),
            phone: phone.into(),
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

fn time(i: usize) -> String {
    format!("{:02}:{:02}", 9 + i / 2, (i % 2) * 30)
}

#[test]
fn ten_parallel_bookings_with_one_phone_pass_only_up_to_the_limit() {
    let db = TestDb::new();
    let e = Arc::new(engine(&settings(&db, json!({"per_phone": 3}))));
    import(&e);
    const N: usize = 10;
    let barrier = Arc::new(Barrier::new(N));
    let results: Vec<Result<BookOutcome, BookError>> = (0..N)
        .map(|i| {
            let (e, b) = (e.clone(), barrier.clone());
            // one number, typed differently each time
            let phone = if i % 2 == 0 {
                "+7 (900) 123-45-67"
            } else {
                "89001234567"
            };
            let req = request(&format!("phone-{i}"), "2026-12-01", &time(i), phone);
            std::thread::spawn(move || {
                b.wait();
                e.book(&req, eve())
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    let booked = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(booked, 3, "{results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        match r {
            Err(BookError::Refused(Refusal::Phone { retry_after })) => {
                assert!((1..=86_400).contains(retry_after), "{retry_after}")
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(db.count("Priem_Booking"), 3);
    assert_eq!(db.count("Priem_Hold"), 3, "the refused ones hold nothing");
    // Another number still books; a repeat of a made booking is not a new one.
    assert!(e
        .book(
            &request("other", "2026-12-01", &time(10), "+79005550011"),
            eve()
        )
        .is_ok());
    let made = results
        .iter()
        .position(|r| r.is_ok())
        .expect("one was made");
    let again = request(
        &format!("phone-{made}"),
        "2026-12-01",
        &time(made),
        "89001234567",
    );
    assert!(e.book(&again, eve()).is_ok());
    // A day later the number may book again.
    let next_day = request("next-day", "2026-12-02", "09:00", "89001234567");
    assert!(e.book(&next_day, eve() + Duration::days(1)).is_ok());
    // No number is stored in the counters.
    let buckets: Vec<String> = db
        .conn()
        .query("SELECT bucket FROM Priem_RateLimit")
        .unwrap();
    assert!(buckets.iter().all(|b| !b.contains("900")), "{buckets:?}");
}

#[test]
fn a_doctors_day_takes_at_most_the_cap_from_the_site() {
    let db = TestDb::new();
    let e = engine(&settings(
        &db,
        json!({"per_doctor_day": 2, "per_phone": 100}),
    ));
    import(&e);
    for i in 0..2 {
        let phone = format!("+7900555000{i}");
        assert!(e
            .book(
                &request(&format!("day-{i}"), "2026-12-01", &time(i), &phone),
                eve()
            )
            .is_ok());
    }
    let third = e.book(
        &request("day-2", "2026-12-01", &time(2), "+79005550002"),
        eve(),
    );
    assert!(
        matches!(third, Err(BookError::Refused(Refusal::DoctorDay { .. }))),
        "{third:?}"
    );
    let text = third.unwrap_err().to_string();
    assert!(
        text.starts_with("Запись к этому врачу на этот день через сайт закрыта"),
        "{text}"
    );
    // the next day is another day
    assert!(e
        .book(
            &request("day-3", "2026-12-02", "09:00", "+79005550003"),
            eve()
        )
        .is_ok());
    assert_eq!(db.count("Priem_Booking"), 3);
}

#[test]
fn a_form_token_makes_one_booking_and_a_repeat_answers_it() {
    let db = TestDb::new();
    let dir = TempDir::new("limits-mis");
    let mis = peers::mis_peer(&dir.join("requests.jsonl"), &[]);
    let mut s = settings(&db, json!({}));
    s["mis"] = json!({"url": format!("http://127.0.0.1:{}/success", mis.port), "timeout_s": 5});
    let e = engine(&s);
    import(&e);
    let with = |key: &str, t: &str, nonce: &str| BookRequest {
        form_nonce: Some(nonce.into()),
        ..request(key, "2026-12-01", t, "+79001112233")
    };
    let first = e.book(&with("k1", "09:00", "n-1"), eve()).unwrap();
    assert!(matches!(first, BookOutcome::Confirmed { .. }), "{first:?}");
    // the same request again (a double click, a lost answer): the same booking
    assert_eq!(e.book(&with("k1", "09:00", "n-1"), eve()).unwrap(), first);
    // another booking with the same token: refused, nothing stored
    let second = e.book(&with("k2", "09:30", "n-1"), eve());
    assert!(
        matches!(second, Err(BookError::Refused(Refusal::FormUsed))),
        "{second:?}"
    );
    assert_eq!(db.count("Priem_Booking"), 1);
    assert_eq!(db.count("Priem_Hold"), 1);

    // A refusal by the MIS gives the token back: the visitor picks another time.
    s["mis"]["url"] = json!(format!("http://127.0.0.1:{}/refuse?reason=busy", mis.port));
    let e = engine(&s);
    let refused = e.book(&with("k3", "10:00", "n-2"), eve()).unwrap();
    assert!(
        matches!(refused, BookOutcome::Refused { .. }),
        "{refused:?}"
    );
    s["mis"]["url"] = json!(format!("http://127.0.0.1:{}/success", mis.port));
    let e = engine(&s);
    let after = e.book(&with("k4", "10:30", "n-2"), eve()).unwrap();
    assert!(matches!(after, BookOutcome::Confirmed { .. }), "{after:?}");
}

#[test]
fn attempts_count_per_address_and_per_ipv6_64() {
    let db = TestDb::new();
    let e = engine(&settings(&db, json!({"per_address": 3})));
    let at = eve() + Duration::seconds(30);
    for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"] {
        assert_eq!(e.count_attempt(host, at).unwrap(), 0, "{host}");
    }
    let wait = e.count_attempt("2001:db8:1:2::99", at).unwrap();
    assert_eq!(
        wait, 570,
        "the fourth from the /64 waits for the window's end"
    );
    assert_eq!(
        e.count_attempt("2001:db8:1:3::1", at).unwrap(),
        0,
        "another /64"
    );
    assert_eq!(e.count_attempt("203.0.113.7", at).unwrap(), 0);
    assert_eq!(
        e.count_attempt("203.0.113.8", at).unwrap(),
        0,
        "IPv4 per address"
    );
    assert_eq!(
        e.count_attempt("2001:db8:1:2::1", at + Duration::minutes(10))
            .unwrap(),
        0,
        "a new window"
    );
}

#[test]
fn the_client_address_believes_only_trusted_proxies() {
    let db = TestDb::new();
    let open = engine(&settings(&db, json!({})));
    assert_eq!(
        open.client_address("127.0.0.1", Some("198.51.100.7")),
        "127.0.0.1"
    );
    let behind = engine(&settings(&db, json!({"trusted_proxies": "127.0.0.1 ::1"})));
    assert_eq!(
        behind.client_address("127.0.0.1", Some("198.51.100.7")),
        "198.51.100.7"
    );
    assert_eq!(
        behind.client_address("::1", Some("1.1.1.1, 2001:db8::7")),
        "2001:db8::7"
    );
    assert_eq!(
        behind.client_address("203.0.113.5", Some("198.51.100.7")),
        "203.0.113.5"
    );
}

#[test]
fn old_counters_are_pruned_by_the_tick() {
    let db = TestDb::new();
    let e = engine(&settings(&db, json!({})));
    e.count_attempt("203.0.113.7", eve() - Duration::days(3))
        .unwrap();
    e.count_attempt("203.0.113.7", eve()).unwrap();
    assert_eq!(db.count("Priem_RateLimit"), 2);
    let r = e.tick(eve());
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(db.count("Priem_RateLimit"), 1);
}
