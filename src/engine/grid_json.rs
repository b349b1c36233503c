//! The booking form's grid as JSON text (the `days` of `docs/api.md`'s `grid` answer), written
//! straight from the domain grid: the widget needs neither UTC instants nor rooms, and a
//! 30-day window (~1 000 times) costs far less as one string than as PHP arrays.

use std::fmt::Write;

use serde::Serialize;
use serde_json::value::RawValue;

use super::grid_cache::SharedGrid;
use crate::domain::cards::{Cards, DoctorView, FilialView};
use crate::domain::grid::Grid;
use crate::domain::zone;
use crate::time::push_hhmm;

/// The booking form's `grid` answer (docs/api.md): the filial and the doctor as the visitor sees
/// them (their cards over the MIS's data), the zone, the free count and the days.
#[derive(Serialize)]
struct Answer<'a> {
    filial: FilialView,
    doctor: DoctorView,
    timezone: &'a str,
    tz_label: String,
    free: usize,
    days: &'a RawValue,
}

/// The whole `grid` answer as JSON text, the days written once per built grid.
pub fn answer(filial: &str, doctor: &str, g: &SharedGrid, cards: &Cards) -> String {
    let a = Answer {
        filial: cards.filial_view(filial, g.filial_name.as_deref(), g.zone),
        doctor: cards.doctor_view(filial, doctor, &g.doctor_name, &g.specialties),
        timezone: g.zone.name(),
        tz_label: zone::label(g.zone),
        free: g.free(),
        days: g.days_json(),
    };
    // plain strings, numbers and already valid JSON: nothing can fail to serialize
    serde_json::to_string(&a).unwrap_or_default()
}

/// `[{"date":"2026-12-01","free":3,"parts":[{"part":"morning","label":"Утро","slots":
/// [{"time_start":"09:00","time_end":"09:30","free":true},…]},…]},…]`
pub fn days_json(g: &Grid) -> String {
    let slots: usize = g
        .days
        .iter()
        .flat_map(|d| &d.parts)
        .map(|p| p.slots.len())
        .sum();
    let mut out = String::with_capacity(64 + g.days.len() * 48 + slots * 56);
    out.push('[');
    for (i, d) in g.days.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, r#"{{"date":"{}","free":{},"parts":["#, d.date, d.free);
        for (j, p) in d.parts.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            // keys and labels are fixed ASCII/Cyrillic words: nothing to escape
            let _ = write!(
                out,
                r#"{{"part":"{}","label":"{}","slots":["#,
                p.part.key(),
                p.part.label()
            );
            for (k, s) in p.slots.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                // the hot loop (~1 000 times a grid): no format machinery, no allocation
                out.push_str(r#"{"time_start":""#);
                push_hhmm(&mut out, s.start);
                out.push_str(r#"","time_end":""#);
                push_hhmm(&mut out, s.end);
                out.push_str(if s.free {
                    r#"","free":true}"#
                } else {
                    r#"","free":false}"#
                });
            }
            out.push_str("]}");
        }
        out.push_str("]}");
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::grid::{self, GridRules};
    use crate::domain::schedule;
    use crate::domain::zone::Zones;
    use chrono::{TimeZone, Utc};

    #[test]
    fn days_json_is_the_documented_shape_and_valid_json() {
        let doc = r#"{"data":{"1":{"0001":{"efio":"И","cells":[
            {"dt":"2026-12-01","time_start":"09:00","time_end":"09:30","free":true},
            {"dt":"2026-12-01","time_start":"14:00","time_end":"14:30","free":false}]}}}}"#;
        let s = schedule::read(doc, &Zones::default()).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap();
        let g = grid::for_doctor(&s, "1", "0001", now, 2, &GridRules::default()).unwrap();
        let text = days_json(&g);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            serde_json::json!([
                {"date": "2026-11-30", "free": 0, "parts": []},
                {"date": "2026-12-01", "free": 1, "parts": [
                    {"part": "morning", "label": "Утро", "slots": [
                        {"time_start": "09:00", "time_end": "09:30", "free": true}]},
                    {"part": "afternoon", "label": "День", "slots": [
                        {"time_start": "14:00", "time_end": "14:30", "free": false}]}]}
            ])
        );
    }
}
