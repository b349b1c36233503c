//! Property tests: the schedule reader never panics on any input, and whatever it accepts
//! normalizes, builds grids and validates bookings without panicking and with the
//! documented invariants.
//!
//! The number of cases per property is proptest's default (256) unless `PROPTEST_CASES` is
//! set, e.g. `PROPTEST_CASES=5000 cargo test --no-default-features --test fuzz_schedule`.

mod common;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};

use priem::domain::booking::{self, BookingInput};
use priem::domain::grid::{self, DayPart, GridRules};
use priem::domain::schedule::{normalize, Schedule};
use priem::domain::zone::Zones;
use priem::time::hhmm;
use priem::wire::schedule::{parse, parse_bytes, Document};

/// Proptest's defaults (so `PROPTEST_CASES` is honoured), without regression files.
fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------
// Checks run on every accepted document.

/// Invariants of a parsed document (module docs of `wire::schedule`).
fn check_document(doc: &Document) {
    for f in &doc.filials {
        assert_eq!(
            doc.filials.iter().filter(|g| g.code == f.code).count(),
            1,
            "filial {} listed twice",
            f.code
        );
        for (i, d) in f.doctors.iter().enumerate() {
            assert!(
                f.doctors[..i].iter().all(|e| e.code != d.code),
                "doctor {} twice in filial {}",
                d.code,
                f.code
            );
            assert!(
                !doc.rejected
                    .iter()
                    .any(|r| r.filial == *f.code && r.doctor == *d.code),
                "doctor {}/{} both imported and rejected",
                f.code,
                d.code
            );
            let mut cells: Vec<_> = d.cells.iter().collect();
            for c in &cells {
                assert!(c.start < c.end && c.end < 24 * 60, "{c:?}");
            }
            cells.sort_by_key(|c| (c.date, c.start));
            for w in cells.windows(2) {
                assert!(
                    w[0].date != w[1].date || w[0].end <= w[1].start,
                    "overlap accepted: {:?} {:?}",
                    w[0],
                    w[1]
                );
            }
        }
    }
    for r in &doc.rejected {
        assert!(!r.path.is_empty() && !r.reason.is_empty(), "{r:?}");
        assert!(
            doc.filial(&r.filial).is_some(),
            "rejected doctor of a filial not in the snapshot: {r:?}"
        );
    }
}

/// Normalizes, then builds a grid for every doctor and validates a booking of one of its
/// slots; checks the grid invariants.
fn exercise_domain(doc: Document, zones: &Zones, now: DateTime<Utc>, days: u32, notice: u32) {
    let cells = doc.cell_count();
    let doctors: usize = doc.filials.iter().map(|f| f.doctors.len()).sum();
    let s: Schedule = normalize(doc, zones);
    assert_eq!(s.slots.len(), cells);
    assert_eq!(s.doctors.len(), doctors);
    for slot in &s.slots {
        // No DST in these zones: UTC keeps the order of local times.
        assert!(slot.start_utc < slot.end_utc, "{slot:?}");
    }
    // Hold every third slot.
    let held = s.slots.iter().step_by(3).map(|x| x.start_utc).collect();
    let rules = GridRules {
        min_notice_minutes: notice,
        held,
    };
    let cutoff = now + Duration::minutes(i64::from(notice));
    for d in 0..s.doctors.len() {
        assert!(s.slots_of(d).all(|x| x.doctor as usize == d));
        let g = grid::build(&s, d, now, days, &rules);
        assert_eq!(g.days.len(), days as usize);
        for (i, w) in g.days.windows(2).enumerate() {
            assert_eq!(w[1].date - w[0].date, Duration::days(1), "day {i}");
        }
        for day in &g.days {
            let mut free = 0;
            let mut last: Option<(DayPart, u16)> = None;
            for p in &day.parts {
                assert!(!p.slots.is_empty());
                for x in &p.slots {
                    assert_eq!(DayPart::of(x.start), p.part);
                    assert!(x.start_utc >= cutoff);
                    assert!(!(x.free && x.held));
                    if let Some((lp, ls)) = last {
                        assert!(ls < x.start, "grid not sorted");
                        let order = |p: DayPart| p as u8;
                        assert!(order(lp) <= order(p.part));
                    }
                    last = Some((p.part, x.start));
                    free += usize::from(x.free);
                }
            }
            assert_eq!(day.free, free);
        }
        assert_eq!(g.free_times().count(), g.free());

        // Book the doctor's first slot (whatever its state).
        if let Some(slot) = s.slots_of(d).next() {
            let doctor = &s.doctors[d];
            let input = BookingInput {
                filial_id: s.filials[doctor.filial].code.to_string(),
                doctor_id: doctor.code.to_string(),
                date: slot.date.to_string(),
                time_start: hhmm(slot.start),
                name: "Иванов Иван".into(),
                phone: "89001234567".into(),
                comment: String::new(),
                specialty: "терапевт".into(),
                utc: None,
            };
            match booking::validate(&s, &input, now, &rules) {
                Ok(v) => {
                    assert!(slot.free && slot.start_utc >= cutoff);
                    let back: Value = serde_json::from_str(&v.request.to_json()).unwrap();
                    assert_eq!(back.as_object().unwrap().len(), 8);
                    assert_eq!(back["doctor_id"], json!(doctor.code.to_string()));
                }
                Err(booking::BookingError::Taken { next }) => {
                    assert!(next.len() <= booking::ALTERNATIVES);
                }
                Err(booking::BookingError::Invalid(errors)) => {
                    assert_eq!(errors.len(), 1, "{errors:?}");
                    assert_eq!(errors[0].field, "time_start");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Generators.

fn valid_date() -> impl Strategy<Value = String> {
    (0i64..16).prop_map(|d| (common::date("2026-11-28") + Duration::days(d)).to_string())
}

fn any_date() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => valid_date().prop_map(Value::from),
        1 => prop::sample::select(vec![
            "2026-02-30", "26-12-01", "2026-12-1", "01.12.2026", "", "2026-12-01T09:00",
            "0000-01-01", "9999-12-31", "2026-13-01",
        ])
        .prop_map(Value::from),
        1 => "[0-9-]{0,12}".prop_map(Value::from),
    ]
}

fn valid_time() -> impl Strategy<Value = u16> {
    0u16..24 * 60
}

fn any_time() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => valid_time().prop_map(|m| Value::from(hhmm(m))),
        1 => valid_time().prop_map(|m| Value::from(format!("{}:{:02}", m / 60, m % 60))),
        1 => valid_time().prop_map(|m| Value::from(format!("{}:00", hhmm(m)))),
        1 => prop::sample::select(vec![
            "9:60", "24:00", "0900", "", ":", "23:59:59", "00:00", "9:5", "09:00:60", "١٢:٠٠",
        ])
        .prop_map(Value::from),
        1 => "[0-9:]{0,9}".prop_map(Value::from),
    ]
}

/// Any JSON value, shallow.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
        Just(json!("true")),
        Just(json!("09:00")),
        Just(json!("2026-12-01")),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(("[a-z0-9_]{1,6}", inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A cell: usually well-formed, with a start before its end, on a small set of days and
/// times so that overlaps and duplicates happen often.
fn cell() -> impl Strategy<Value = Value> {
    let well_formed = (
        valid_date(),
        (0u16..48).prop_map(|h| h * 30),
        prop::sample::select(vec![10u16, 15, 20, 30, 45, 60]),
        any::<bool>(),
        prop::option::of(prop_oneof![
            Just(json!("")),
            Just(json!("12")),
            Just(json!(7)),
            Just(Value::Null),
        ]),
    )
        .prop_map(|(dt, start, len, free, room)| {
            let end = (start + len).min(23 * 60 + 59);
            let mut c = json!({
                "dt": dt, "time_start": hhmm(start), "time_end": hhmm(end), "free": free,
            });
            if let Some(room) = room {
                c["room"] = room;
            }
            c
        });
    let loose = (any_date(), any_time(), any_time(), any_value()).prop_map(
        |(dt, s, e, free)| json!({"dt": dt, "time_start": s, "time_end": e, "free": free}),
    );
    prop_oneof![20 => well_formed, 1 => loose, 1 => any_value()]
}

fn doctor() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop::sample::select(vec![
            "Иванова Мария Петровна",
            "",
            "\u{0418}\u{0432}",
        ])),
        prop::option::of(prop::sample::select(vec![
            "Кардиолог",
            "Кардиолог, терапевт; кардиолог",
            "",
            " ; , ",
        ])),
        prop::collection::vec(cell(), 0..10),
    )
        .prop_map(|(efio, espec, cells)| {
            let mut d = Map::new();
            if let Some(e) = efio {
                d.insert("efio".into(), json!(e));
            }
            if let Some(e) = espec {
                d.insert("espec".into(), json!(e));
            }
            d.insert("cells".into(), Value::Array(cells));
            Value::Object(d)
        })
}

const FILIALS: [&str; 4] = ["1", "01", "2", "001"];
const DOCTORS: [&str; 4] = ["0001", "0002", "1", "A"];

/// One `{"<filial>": "<name>", "data": {…}}` document.
fn document() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (
            prop::sample::select(FILIALS.to_vec()),
            any::<bool>(),
            prop::collection::vec((prop::sample::select(DOCTORS.to_vec()), doctor()), 0..4),
        ),
        0..3,
    )
    .prop_map(|filials| {
        let mut top = Map::new();
        let mut data = Map::new();
        for (code, named, doctors) in filials {
            if named {
                top.insert(code.into(), json!(format!("Клиника {code}")));
            }
            let f: Map<String, Value> = doctors
                .into_iter()
                .map(|(d, v)| (d.to_owned(), v))
                .collect();
            data.insert(code.into(), Value::Object(f));
        }
        top.insert("data".into(), Value::Object(data));
        Value::Object(top)
    })
}

/// A whole upload in one of the accepted variants.
fn upload() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => document(),
        1 => document().prop_map(|d| json!({"schedule": d})),
        1 => prop::collection::vec(document(), 0..3).prop_map(Value::Array),
        1 => prop::collection::vec(document(), 0..3).prop_map(|v| json!({"schedule": v})),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the n-th node (in a depth-first walk) by a value.
    Replace(usize, Value),
    /// Remove a key of the n-th object.
    Delete(usize, usize),
    /// Add an unknown field to the n-th object.
    Add(usize, String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (
            any::<usize>(),
            prop_oneof![any_value(), any_time(), any_date()]
        )
            .prop_map(|(n, v)| Mutation::Replace(n, v)),
        (any::<usize>(), any::<usize>()).prop_map(|(n, k)| Mutation::Delete(n, k)),
        (any::<usize>(), "[a-z_]{1,8}", any_value()).prop_map(|(n, k, v)| Mutation::Add(n, k, v)),
    ]
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count_nodes).sum(),
        Value::Object(o) => o.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// The n-th node of a depth-first walk (`n < count_nodes(v)`).
fn nth_node(v: &mut Value, mut n: usize) -> &mut Value {
    if n == 0 {
        return v;
    }
    n -= 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(a) => a.iter_mut().collect(),
        Value::Object(o) => o.values_mut().collect(),
        _ => unreachable!("n out of range"),
    };
    for c in children {
        let size = count_nodes(c);
        if n < size {
            return nth_node(c, n);
        }
        n -= size;
    }
    unreachable!("n out of range")
}

fn apply(v: &mut Value, m: &Mutation) {
    let total = count_nodes(v);
    match m {
        Mutation::Replace(n, new) => *nth_node(v, n % total) = new.clone(),
        Mutation::Delete(n, k) => {
            if let Value::Object(o) = nth_node(v, n % total) {
                if !o.is_empty() {
                    let key = o.keys().nth(k % o.len()).cloned().unwrap();
                    o.remove(&key);
                }
            }
        }
        Mutation::Add(n, key, new) => {
            if let Value::Object(o) = nth_node(v, n % total) {
                if !matches!(key.as_str(), "data" | "schedule" | "cells") {
                    o.entry(key.clone()).or_insert_with(|| new.clone());
                }
            }
        }
    }
}

/// Text-level damage: truncation at a byte, a duplicated slice (duplicate keys), a removed
/// slice.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Truncate(usize),
    Duplicate(usize, usize),
    Remove(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        6 => Just(Damage::None),
        2 => any::<usize>().prop_map(Damage::Truncate),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::Duplicate(a, b)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::Remove(a, b)),
    ]
}

fn damaged(text: &str, d: &Damage) -> Vec<u8> {
    let b = text.as_bytes();
    let n = b.len().max(1);
    let span = |a: usize, c: usize| {
        let (x, y) = (a % n, c % n);
        (x.min(y).min(b.len()), x.max(y).min(b.len()))
    };
    match *d {
        Damage::None => b.to_vec(),
        Damage::Truncate(at) => b[..at % (b.len() + 1)].to_vec(),
        Damage::Duplicate(x, y) => {
            let (x, y) = span(x, y);
            [&b[..y], &b[x..y], &b[y..]].concat()
        }
        Damage::Remove(x, y) => {
            let (x, y) = span(x, y);
            [&b[..x], &b[y..]].concat()
        }
    }
}

/// `now` between 2026-11-27 and 2026-12-12, at any minute.
fn now() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..16 * 24 * 60).prop_map(|m| common::utc("2026-11-27T00:00:00Z") + Duration::minutes(m))
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    " ",
    "\"data\"",
    "\"schedule\"",
    "\"cells\"",
    "\"dt\"",
    "\"time_start\"",
    "\"time_end\"",
    "\"free\"",
    "\"room\"",
    "\"efio\"",
    "\"espec\"",
    "\"1\"",
    "\"0001\"",
    "\"2026-12-01\"",
    "\"09:00\"",
    "\"09:30\"",
    "\"9:60\"",
    "true",
    "false",
    "null",
    "0",
    "-1",
    "1e400",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"",
    "\\",
    "\u{feff}",
    "Ж",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS.to_vec()), 0..60).prop_map(|t| t.concat())
}

// ---------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_never_panics_on_any_string(s in any::<String>()) {
        if let Ok(doc) = parse(&s) {
            check_document(&doc);
        }
    }

    #[test]
    fn parse_bytes_never_panics_on_any_bytes(b in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_bytes(&b);
    }

    #[test]
    fn parse_never_panics_on_json_token_soup(s in token_soup()) {
        if let Ok(doc) = parse(&s) {
            check_document(&doc);
            exercise_domain(doc, &Zones::default(), common::now(), 3, 0);
        }
    }

    #[test]
    fn mutated_documents_never_panic_and_what_parses_builds_grids(
        base in upload(),
        mutations in prop::collection::vec(mutation(), 0..3),
        dmg in damage(),
        now in now(),
        days in 0u32..40,
        notice in prop::sample::select(vec![0u32, 15, 60, 24 * 60]),
        yekaterinburg in any::<bool>(),
    ) {
        let mut v = base;
        for m in &mutations {
            apply(&mut v, m);
        }
        let text = v.to_string();
        let bytes = damaged(&text, &dmg);
        let zones = if yekaterinburg {
            Zones::from_names([("1", "Asia/Yekaterinburg"), ("001", "Asia/Vladivostok")]).unwrap()
        } else {
            Zones::default()
        };
        if let Ok(doc) = parse_bytes(&bytes) {
            check_document(&doc);
            exercise_domain(doc, &zones, now, days, notice);
        }
    }

    /// Undamaged, unmutated uploads in an accepted variant are never rejected as a whole.
    #[test]
    fn well_formed_uploads_are_accepted_as_documents(base in upload(), now in now()) {
        let text = base.to_string();
        let doc = parse(&text);
        prop_assert!(doc.is_ok(), "{:?}\n{}", doc.err(), text);
        let doc = doc.unwrap();
        check_document(&doc);
        exercise_domain(doc, &Zones::default(), now, 14, 30);
    }
}
