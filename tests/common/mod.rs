//! Shared helpers for the integration tests: a fixed "now", and schedule documents built
//! from a compact description.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};

use priem::domain::schedule::{normalize, Schedule};
use priem::domain::zone::Zones;
use priem::wire::schedule::{parse, DoctorError, Document};

/// The local date the fixed [`now`] falls on in Moscow.
pub const TODAY: &str = "2026-12-01";

/// 2026-12-01 09:00 in Moscow (UTC+3).
pub fn now() -> DateTime<Utc> {
    utc("2026-12-01T06:00:00Z")
}

/// 2026-11-30 13:00 in Moscow: the afternoon before [`now`], the clock of the engine tests
/// (their schedules start the next morning, so every time of [`TODAY`] is still ahead).
pub fn eve() -> DateTime<Utc> {
    now() - chrono::Duration::hours(20)
}

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("bad test instant {s:?}: {e}"))
        .with_timezone(&Utc)
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("bad test date {s:?}: {e}"))
}

/// Minutes since midnight of `"HH:MM"`.
pub fn min(s: &str) -> u16 {
    let (h, m) = s.split_once(':').expect("HH:MM");
    h.parse::<u16>().unwrap() * 60 + m.parse::<u16>().unwrap()
}

/// One cell object as the MIS sends it.
pub fn cell(dt: &str, start: &str, end: &str, free: bool) -> Value {
    json!({"dt": dt, "time_start": start, "time_end": end, "free": free, "room": ""})
}

/// Cells from a compact description: entries separated by `;` or new lines, each
/// `YYYY-MM-DD HH:MM-HH:MM free|busy [room]`.
pub fn cells(spec: &str) -> Vec<Value> {
    spec.split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let parts: Vec<&str> = entry.split_whitespace().collect();
            assert!(
                parts.len() == 3 || parts.len() == 4,
                "bad cell spec {entry:?}"
            );
            let (start, end) = parts[1].split_once('-').expect("HH:MM-HH:MM");
            let free = match parts[2] {
                "free" => true,
                "busy" => false,
                other => panic!("bad cell spec {entry:?}: {other:?} is not free/busy"),
            };
            let mut c = cell(parts[0], start, end, free);
            if let Some(room) = parts.get(3) {
                c["room"] = json!(room);
            }
            c
        })
        .collect()
}

/// A doctor object with the given `espec` and cells.
pub fn doctor(efio: &str, espec: &str, cells: Vec<Value>) -> Value {
    json!({"efio": efio, "espec": espec, "cells": cells})
}

/// `(doctor code, espec, cells spec)`, see [`cells`].
pub type DoctorSpec<'a> = (&'a str, &'a str, &'a str);

/// A whole document from a compact description:
/// `[(filial code, [(doctor code, espec, cells spec)])]`. Every filial gets the name
/// `Клиника <code>`, every doctor the name `Врач <code>`. The text keeps the order given
/// (a `serde_json::Map` would sort the keys).
pub fn schedule_json(filials: &[(&str, &[DoctorSpec])]) -> String {
    let q = |s: &str| Value::from(s).to_string();
    let mut names = Vec::new();
    let mut data = Vec::new();
    for (fcode, doctors) in filials {
        names.push(format!("{}: {}", q(fcode), q(&format!("Клиника {fcode}"))));
        let docs: Vec<String> = doctors
            .iter()
            .map(|(dcode, espec, spec)| {
                let d = doctor(&format!("Врач {dcode}"), espec, cells(spec));
                format!("{}: {d}", q(dcode))
            })
            .collect();
        data.push(format!("{}: {{{}}}", q(fcode), docs.join(", ")));
    }
    names.push(format!("\"data\": {{{}}}", data.join(", ")));
    format!("{{{}}}", names.join(", "))
}

/// The document `{"1": "Клиника на Ленина", "data": {"1": {"0001": <doctor>}}}`.
pub fn doc_with_doctor(doctor: Value) -> String {
    json!({"1": "Клиника на Ленина", "data": {"1": {"0001": doctor}}}).to_string()
}

/// The document of one doctor `0001` in filial `1` with these cells (any JSON values).
pub fn doc_with_cells(cells: Vec<Value>) -> String {
    doc_with_doctor(json!({
        "efio": "Иванова Мария Петровна",
        "espec": "Кардиолог",
        "cells": cells,
    }))
}

/// Parses a document that must parse; panics with the error otherwise.
pub fn parse_ok(json: &str) -> Document<'_> {
    parse(json).unwrap_or_else(|e| panic!("document rejected: {e}\n{json}"))
}

/// Parses a document whose only doctor must be rejected; returns the rejection.
pub fn only_rejection(json: &str) -> DoctorError {
    let doc = parse_ok(json);
    assert_eq!(doc.rejected.len(), 1, "rejections: {:?}", doc.rejected);
    assert!(
        doc.filials.iter().all(|f| f.doctors.is_empty()),
        "a rejected doctor was imported: {:?}",
        doc.filials
    );
    doc.rejected.into_iter().next().unwrap()
}

/// Parses a document whose only doctor must be imported with exactly one cell left out;
/// returns that cell's error.
pub fn only_bad_cell(json: &str) -> DoctorError {
    let mut bad = bad_cells(json);
    assert_eq!(bad.len(), 1, "bad cells: {bad:?}");
    bad.remove(0)
}

/// Parses a document whose doctors must all be imported; returns the cells left out.
pub fn bad_cells(json: &str) -> Vec<DoctorError> {
    let doc = parse_ok(json);
    assert!(doc.rejected.is_empty(), "rejections: {:?}", doc.rejected);
    assert!(
        doc.filials.iter().any(|f| !f.doctors.is_empty()),
        "no doctor was imported: {:?}",
        doc.filials
    );
    doc.bad_cells
}

/// Whether every doctor and every cell of the document passed.
pub fn all_passed(doc: &Document) -> bool {
    doc.rejected.is_empty() && doc.bad_cells.is_empty()
}

/// Parses and normalizes a document in which every doctor and cell must pass (the text is
/// leaked so the schedule can borrow it).
pub fn schedule_with(json: String, zones: &Zones) -> Schedule<'static> {
    let text: &'static str = Box::leak(json.into_boxed_str());
    let doc = parse_ok(text);
    assert!(
        all_passed(&doc),
        "test schedule has rejections: {:?} {:?}",
        doc.rejected,
        doc.bad_cells
    );
    normalize(doc, zones)
}

/// [`schedule_with`] in the default zone (Europe/Moscow) for every filial.
pub fn schedule_of(json: String) -> Schedule<'static> {
    schedule_with(json, &Zones::default())
}
