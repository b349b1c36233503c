//! PHP values ↔ core values: option arrays in, result arrays out. No rules live here.

use chrono::{DateTime, Utc};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpException;
use ext_php_rs::types::{ArrayKey, ZendHashTable, ZendStr, Zval};

use super::error;
use crate::domain::grid::{Grid, GridRules};
use crate::domain::schedule::Schedule;
use crate::domain::zone::Zones;
use crate::wire::booking::{format_utc, parse_utc};
use crate::wire::schedule::hhmm;

pub type PhpResult<T> = Result<T, PhpException>;

/// The `$options` array of a call, checked against the keys that call knows.
pub struct Options<'a> {
    ht: Option<&'a ZendHashTable>,
}

impl<'a> Options<'a> {
    pub fn new(ht: Option<&'a ZendHashTable>, known: &[&str]) -> PhpResult<Self> {
        if let Some(ht) = ht {
            for (key, _) in ht.iter() {
                let key = key.to_string();
                if !known.contains(&key.as_str()) {
                    return Err(error::config(format!(
                        "unknown option \"{key}\" (known: {})",
                        known.join(", ")
                    )));
                }
            }
        }
        Ok(Options { ht })
    }

    fn get(&self, key: &str) -> Option<&'a Zval> {
        self.ht.and_then(|h| h.get(key)).filter(|z| !z.is_null())
    }

    /// `'timezones' => ['<filial code>' => '<IANA zone>', …]`.
    pub fn zones(&self) -> PhpResult<Zones> {
        let Some(z) = self.get("timezones") else {
            return Ok(Zones::default());
        };
        let ht = z.array().ok_or_else(|| {
            error::config("option \"timezones\" must be an array of filial code => IANA zone")
        })?;
        let mut pairs = Vec::with_capacity(ht.len());
        for (k, v) in ht.iter() {
            let name = v.str().ok_or_else(|| {
                error::config(format!(
                    "option \"timezones\"[{k}] must be a string like \"Europe/Moscow\""
                ))
            })?;
            pairs.push((k.to_string(), name.to_owned()));
        }
        Zones::from_names(pairs).map_err(error::zone)
    }

    /// `'min_notice' => <minutes>`, 0 by default.
    pub fn min_notice(&self) -> PhpResult<u32> {
        match self.get("min_notice") {
            None => Ok(0),
            Some(z) => z.long().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                error::config("option \"min_notice\" must be a whole number of minutes ≥ 0")
            }),
        }
    }

    /// `'held' => ['2026-12-01T06:00:00Z', …]`: start instants the site is holding.
    pub fn held(&self) -> PhpResult<Vec<DateTime<Utc>>> {
        let Some(z) = self.get("held") else {
            return Ok(Vec::new());
        };
        let ht = z
            .array()
            .ok_or_else(|| error::config("option \"held\" must be an array of UTC times"))?;
        ht.values()
            .enumerate()
            .map(|(i, v)| {
                v.str().and_then(parse_utc).ok_or_else(|| {
                    error::config(format!(
                        "option \"held\"[{i}] must be a UTC time like 2026-12-01T06:00:00Z"
                    ))
                })
            })
            .collect()
    }

    pub fn grid_rules(&self) -> PhpResult<GridRules> {
        Ok(GridRules {
            min_notice_minutes: self.min_notice()?,
            held: self.held()?,
        })
    }
}

/// Reads an argument that must be a UTC instant.
pub fn utc_arg(name: &str, value: &str) -> PhpResult<DateTime<Utc>> {
    parse_utc(value).ok_or_else(|| {
        error::config(format!(
            "${name} must be a UTC time like 2026-12-01T06:00:00Z, got \"{}\"",
            value.chars().take(40).collect::<String>()
        ))
    })
}

/// Array keys made once per call: inserting by `zend_string` skips allocating and hashing the
/// key for every row.
struct Keys<const N: usize>([ZBox<ZendStr>; N]);

impl<const N: usize> Keys<N> {
    fn new(names: [&str; N]) -> Self {
        Keys(names.map(|n| ZendStr::new(n, false)))
    }
    fn at(&self, i: usize) -> ArrayKey<'_> {
        ArrayKey::ZendString(&self.0[i])
    }
}

fn with_capacity(n: usize) -> ZBox<ZendHashTable> {
    ZendHashTable::with_capacity(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Inserting into an array only fails when a value cannot become a zval, which plain strings,
/// numbers, booleans and arrays always can.
fn put<'a>(
    ht: &mut ZendHashTable,
    key: impl Into<ArrayKey<'a>>,
    val: impl ext_php_rs::convert::IntoZval,
) {
    let _ = ht.insert(key, val);
}

fn push(ht: &mut ZendHashTable, val: impl ext_php_rs::convert::IntoZval) {
    let _ = ht.push(val);
}

/// `['filials' => …, 'doctors' => …, 'slots' => …, 'rejected' => …]` (see the stubs).
pub fn schedule(s: &Schedule) -> ZBox<ZendHashTable> {
    let mut out = with_capacity(4);

    let mut filials = with_capacity(s.filials.len());
    for f in &s.filials {
        let mut row = with_capacity(3);
        put(&mut row, "code", f.code.as_ref());
        put(&mut row, "name", f.name.as_deref());
        put(&mut row, "timezone", f.zone.name());
        push(&mut filials, row);
    }
    put(&mut out, "filials", filials);

    let mut doctors = with_capacity(s.doctors.len());
    for d in &s.doctors {
        let mut row = with_capacity(4);
        put(&mut row, "filial", s.filials[d.filial].code.as_ref());
        put(&mut row, "code", d.code.as_ref());
        put(&mut row, "name", d.name.as_ref());
        put(&mut row, "specialties", d.specialties.clone());
        push(&mut doctors, row);
    }
    put(&mut out, "doctors", doctors);

    let k = Keys::new([
        "filial",
        "doctor",
        "date",
        "time_start",
        "time_end",
        "start_utc",
        "end_utc",
        "free",
        "room",
    ]);
    let mut slots = with_capacity(s.slots.len());
    for slot in &s.slots {
        let d = &s.doctors[slot.doctor as usize];
        let mut row = with_capacity(9);
        put(&mut row, k.at(0), s.filials[d.filial].code.as_ref());
        put(&mut row, k.at(1), d.code.as_ref());
        put(&mut row, k.at(2), slot.date.to_string());
        put(&mut row, k.at(3), hhmm(slot.start));
        put(&mut row, k.at(4), hhmm(slot.end));
        put(&mut row, k.at(5), format_utc(slot.start_utc));
        put(&mut row, k.at(6), format_utc(slot.end_utc));
        put(&mut row, k.at(7), slot.free);
        put(&mut row, k.at(8), slot.room.as_ref());
        push(&mut slots, row);
    }
    put(&mut out, "slots", slots);

    let mut rejected = with_capacity(s.rejected.len());
    for r in &s.rejected {
        let mut row = with_capacity(4);
        put(&mut row, "filial", r.filial.as_str());
        put(&mut row, "doctor", r.doctor.as_str());
        put(&mut row, "path", r.path.as_str());
        put(&mut row, "message", r.to_string());
        push(&mut rejected, row);
    }
    put(&mut out, "rejected", rejected);
    out
}

/// The grid as the widget reads it (see the stubs).
pub fn grid(filial: &str, doctor: &str, g: &Grid) -> ZBox<ZendHashTable> {
    let mut out = with_capacity(5);
    put(&mut out, "filial", filial);
    put(&mut out, "doctor", doctor);
    put(&mut out, "timezone", g.zone.name());
    put(&mut out, "free", g.free() as i64);
    let mut days = with_capacity(g.days.len());
    for d in &g.days {
        let mut day = with_capacity(3);
        put(&mut day, "date", d.date.to_string());
        put(&mut day, "free", d.free as i64);
        let mut parts = with_capacity(d.parts.len());
        for p in &d.parts {
            let mut part = with_capacity(3);
            put(&mut part, "part", p.part.key());
            put(&mut part, "label", p.part.label());
            let mut slots = with_capacity(p.slots.len());
            for s in &p.slots {
                let mut row = with_capacity(7);
                put(&mut row, "time_start", hhmm(s.start));
                put(&mut row, "time_end", hhmm(s.end));
                put(&mut row, "start_utc", format_utc(s.start_utc));
                put(&mut row, "end_utc", format_utc(s.end_utc));
                put(&mut row, "free", s.free);
                put(&mut row, "held", s.held);
                put(&mut row, "room", s.room.as_str());
                push(&mut slots, row);
            }
            put(&mut part, "slots", slots);
            push(&mut parts, part);
        }
        put(&mut day, "parts", parts);
        push(&mut days, day);
    }
    put(&mut out, "days", days);
    out
}
