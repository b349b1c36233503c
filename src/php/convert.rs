//! PHP values ↔ core values: option arrays in, result arrays out. No rules live here.

use chrono::{DateTime, Utc};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpException;
use ext_php_rs::types::{ArrayKey, ZendHashTable, ZendStr, Zval};

use super::error;
use crate::domain::cards::Cards;
use crate::domain::grid::{Grid, GridRules};
use crate::domain::schedule::Schedule;
use crate::domain::zone::Zones;
use crate::time::hhmm;
use crate::wire::booking::{format_utc, parse_utc};

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
                        "неизвестный параметр «{key}» (известны: {})",
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
            error::config(
                "параметр «timezones» должен быть массивом «код филиала => часовой пояс IANA»",
            )
        })?;
        let mut pairs = Vec::with_capacity(ht.len());
        for (k, v) in ht.iter() {
            let name = v.str().ok_or_else(|| {
                error::config(format!(
                    "параметр «timezones»[{k}] должен быть строкой вида «Europe/Moscow»"
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
                error::config("параметр «min_notice» должен быть целым числом минут ≥ 0")
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
            .ok_or_else(|| error::config("параметр «held» должен быть массивом моментов UTC"))?;
        ht.values()
            .enumerate()
            .map(|(i, v)| {
                v.str().and_then(parse_utc).ok_or_else(|| {
                    error::config(format!(
                        "параметр «held»[{i}] должен быть моментом UTC вида 2026-12-01T06:00:00Z"
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

/// The `$cards` argument: the site's clinic and doctor cards as the module read them
/// (`['clinics' => [['id', 'codes', 'name', …], …], 'doctors' => […], 'phone' => '…']`, see
/// `domain::cards`); none when null.
pub fn cards(ht: Option<&ZendHashTable>) -> PhpResult<Cards> {
    let Some(ht) = ht else {
        return Ok(Cards::default());
    };
    let mut z = Zval::new();
    z.set_hashtable(ht.to_owned());
    let v = to_json(&z, "$cards")?;
    if v.as_array().is_some_and(Vec::is_empty) {
        return Ok(Cards::default());
    }
    serde_path_to_error::deserialize(v)
        .map_err(|e| error::config(format!("$cards: {}: {}", e.path(), e.inner())))
}

/// Reads an argument that must be a UTC instant.
pub fn utc_arg(name: &str, value: &str) -> PhpResult<DateTime<Utc>> {
    parse_utc(value).ok_or_else(|| {
        error::config(format!(
            "${name} должен быть моментом UTC вида 2026-12-01T06:00:00Z, а не «{}»",
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

/// A row array with fixed keys, made by copying a template: one allocation and no key
/// look-ups per row (a million rows make the difference visible).
struct RowTemplate<const N: usize> {
    template: ZBox<ZendHashTable>,
}

impl<const N: usize> RowTemplate<N> {
    fn new(keys: &Keys<N>) -> Self {
        let mut template = with_capacity(N);
        for i in 0..N {
            put(&mut template, keys.at(i), Zval::new());
        }
        RowTemplate { template }
    }

    fn row(&self, values: [Zval; N]) -> ZBox<ZendHashTable> {
        // SAFETY: the template holds exactly N elements with null values, added in order and
        // never removed, so the copy's buckets 0..N are those keys in that order; each null
        // is overwritten by a value whose ownership moves into the array.
        unsafe {
            let ht = ext_php_rs::ffi::zend_array_dup((&raw const *self.template).cast_mut());
            let data = (*ht).__bindgen_anon_1.arData;
            for (i, v) in values.into_iter().enumerate() {
                std::ptr::write(&raw mut (*data.add(i)).val, v);
            }
            ZBox::from_raw(ht)
        }
    }
}

/// A PHP string zval.
fn zstr(s: &str) -> Zval {
    let mut z = Zval::new();
    let _ = z.set_string(s, false);
    z
}

/// PHP strings made once per distinct value and handed out as new references.
struct StrCache {
    minutes: Vec<Option<Zval>>,
    dates: Memo<chrono::NaiveDate>,
    instants: Memo<i64>,
    texts: std::collections::HashMap<String, Zval>,
}

/// A map that remembers the last key asked: slots come grouped by doctor and day, so most
/// look-ups repeat the previous one (a slot's end is the next one's start).
struct Memo<K> {
    last: Option<(K, Zval)>,
    all: std::collections::HashMap<K, Zval>,
}

impl<K: std::hash::Hash + Eq + Copy> Memo<K> {
    fn new() -> Self {
        Memo {
            last: None,
            all: std::collections::HashMap::new(),
        }
    }
    fn get(&mut self, k: K, make: impl FnOnce() -> String) -> Zval {
        if let Some((lk, z)) = &self.last {
            if *lk == k {
                return z.shallow_clone();
            }
        }
        let z = self
            .all
            .entry(k)
            .or_insert_with(|| zstr(&make()))
            .shallow_clone();
        self.last = Some((k, z.shallow_clone()));
        z
    }
}

impl Default for StrCache {
    fn default() -> Self {
        StrCache {
            minutes: (0..24 * 60).map(|_| None).collect(),
            dates: Memo::new(),
            instants: Memo::new(),
            texts: std::collections::HashMap::new(),
        }
    }
}

impl StrCache {
    fn date(&mut self, d: chrono::NaiveDate) -> Zval {
        self.dates.get(d, || d.to_string())
    }
    fn minute(&mut self, m: u16) -> Zval {
        match self.minutes.get_mut(usize::from(m)) {
            Some(slot) => slot.get_or_insert_with(|| zstr(&hhmm(m))).shallow_clone(),
            None => zstr(&hhmm(m)),
        }
    }
    fn utc(&mut self, t: DateTime<Utc>) -> Zval {
        self.instants.get(t.timestamp(), || format_utc(t))
    }
    fn text(&mut self, s: &str) -> Zval {
        if let Some(z) = self.texts.get(s) {
            return z.shallow_clone();
        }
        let z = zstr(s);
        let out = z.shallow_clone();
        self.texts.insert(s.to_owned(), z);
        out
    }
}

/// `['filials' => …, 'doctors' => …, 'slots' => …, 'rejected' => …, 'bad_cells' => …]` (see
/// the stubs).
pub fn schedule(s: &Schedule) -> ZBox<ZendHashTable> {
    let mut out = with_capacity(5);

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
    // Codes, dates, times and rooms repeat across a million slots: each distinct value becomes
    // one PHP string, shared by reference count, instead of one allocation per slot.
    let mut strings = StrCache::default();
    let codes: Vec<(Zval, Zval)> = s
        .doctors
        .iter()
        .map(|d| (zstr(&s.filials[d.filial].code), zstr(&d.code)))
        .collect();
    let mut slots = with_capacity(s.slots.len());
    let template = RowTemplate::new(&k);
    for slot in &s.slots {
        let (filial, doctor) = &codes[slot.doctor as usize];
        let mut free = Zval::new();
        free.set_bool(slot.free);
        push(
            &mut slots,
            template.row([
                filial.shallow_clone(),
                doctor.shallow_clone(),
                strings.date(slot.date),
                strings.minute(slot.start),
                strings.minute(slot.end),
                strings.utc(slot.start_utc),
                strings.utc(slot.end_utc),
                free,
                strings.text(&slot.room),
            ]),
        );
    }
    put(&mut out, "slots", slots);

    for (key, list) in [("rejected", &s.rejected), ("bad_cells", &s.bad_cells)] {
        let mut rows = with_capacity(list.len());
        for r in list {
            let mut row = with_capacity(4);
            put(&mut row, "filial", r.filial.as_str());
            put(&mut row, "doctor", r.doctor.as_str());
            put(&mut row, "path", r.path.as_str());
            put(&mut row, "message", r.to_string());
            push(&mut rows, row);
        }
        put(&mut out, key, rows);
    }
    out
}

/// The grid as the widget reads it (see the stubs).
pub fn grid(filial: &str, doctor: &str, g: &Grid) -> ZBox<ZendHashTable> {
    let mut out = with_capacity(8);
    put(&mut out, "filial", filial);
    put(&mut out, "doctor", doctor);
    put(&mut out, "filial_name", g.filial_name.as_deref());
    put(&mut out, "doctor_name", g.doctor_name.as_str());
    put(&mut out, "specialties", g.specialties.clone());
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

/// A PHP value as JSON, for settings arrays read by serde in the core: a list (keys 0..n in
/// order) becomes an array, any other array an object with its keys as strings.
pub fn to_json(z: &Zval, path: &str) -> PhpResult<serde_json::Value> {
    use serde_json::Value;
    if z.is_null() {
        return Ok(Value::Null);
    }
    if let Some(b) = z.bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = z.long() {
        return Ok(Value::from(n));
    }
    if let Some(f) = z.double() {
        return Ok(serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number));
    }
    if let Some(s) = z.str() {
        return Ok(Value::String(s.to_owned()));
    }
    if let Some(ht) = z.array() {
        let is_list = ht
            .iter()
            .enumerate()
            .all(|(i, (k, _))| matches!(k, ArrayKey::Long(n) if n == i as i64));
        if is_list {
            return ht
                .values()
                .enumerate()
                .map(|(i, v)| to_json(v, &format!("{path}[{i}]")))
                .collect::<PhpResult<Vec<_>>>()
                .map(Value::Array);
        }
        let mut map = serde_json::Map::with_capacity(ht.len());
        for (k, v) in ht.iter() {
            let key = k.to_string();
            let child = to_json(v, &format!("{path}[{key}]"))?;
            map.insert(key, child);
        }
        return Ok(Value::Object(map));
    }
    Err(error::config(format!(
        "{path}: нужна строка, число, логическое значение или массив, а не {:?}",
        z.get_type()
    )))
}

/// A JSON value as a PHP value (objects become arrays with their keys).
pub fn from_json(v: &serde_json::Value) -> Zval {
    use serde_json::Value;
    let mut z = Zval::new();
    match v {
        Value::Null => {}
        Value::Bool(b) => z.set_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => z.set_long(i),
            None => z.set_double(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => {
            let _ = z.set_string(s, false);
        }
        Value::Array(_) | Value::Object(_) => z.set_hashtable(json_array(v)),
    }
    z
}

/// A JSON array or object as a PHP array (anything else as an empty array).
pub fn json_array(v: &serde_json::Value) -> ZBox<ZendHashTable> {
    use serde_json::Value;
    match v {
        Value::Array(a) => {
            let mut ht = with_capacity(a.len());
            for x in a {
                push(&mut ht, from_json(x));
            }
            ht
        }
        Value::Object(o) => {
            let mut ht = with_capacity(o.len());
            for (k, x) in o {
                put(&mut ht, k.as_str(), from_json(x));
            }
            ht
        }
        _ => ZendHashTable::new(),
    }
}
