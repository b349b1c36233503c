//! `priem_normalize_phone`, `priem_booking_payload`.

use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::convert::{self, Options, PhpResult};
use super::error;
use crate::domain::booking::{self, BookingInput, FieldError};
use crate::domain::{phone, schedule};

/// `+7 (900) 123-45-67`, `8 900 123 45 67`, `9001234567` … → `79001234567`. Throws
/// `Priem\ValidationException` (field `phone`, message in Russian) for anything else,
/// including numbers of other countries.
#[php_function]
#[php(name = "priem_normalize_phone")]
pub fn priem_normalize_phone(raw: &str) -> PhpResult<String> {
    phone::normalize(raw).map_err(|e| {
        error::fields(vec![FieldError {
            field: "phone",
            message: e.to_string(),
        }])
    })
}

/// Validates a visitor's booking against the schedule and returns the exact JSON the MIS
/// receives (mis-exchange.md §2.1, times in UTC).
///
/// `$request`: `['filial_id', 'doctor_id', 'date' => 'YYYY-MM-DD', 'time_start' => 'HH:MM'`
/// (the filial's local time, as in the cells)`, 'name', 'phone', 'comment', 'specialty']`
/// (`comment` and `specialty` optional). Options: `timezones`, `min_notice`, `held`.
///
/// Throws `Priem\ValidationException` with every field error (`getErrors()`), or
/// `Priem\ConflictException` when the time is taken or held (`getAlternatives()`).
#[php_function]
#[php(name = "priem_booking_payload")]
pub fn priem_booking_payload(
    schedule_json: &str,
    request: &ZendHashTable,
    now_utc: &str,
    options: Option<&ZendHashTable>,
) -> PhpResult<String> {
    let opts = Options::new(options, &["timezones", "min_notice", "held"])?;
    let now = convert::utc_arg("now_utc", now_utc)?;
    let input = booking_input(request)?;
    let s = schedule::read(schedule_json, &opts.zones()?).map_err(error::parse)?;
    booking::validate(&s, &input, now, &opts.grid_rules()?)
        .map(|b| b.request.to_json())
        .map_err(error::booking)
}

/// Reads the request array; values may be strings or integers (ids typed as numbers).
pub(super) fn booking_input(ht: &ZendHashTable) -> PhpResult<BookingInput> {
    const FIELDS: [&str; 8] = [
        "filial_id",
        "doctor_id",
        "date",
        "time_start",
        "name",
        "phone",
        "comment",
        "specialty",
    ];
    let mut v: [String; 8] = Default::default();
    for (key, val) in ht.iter() {
        let key = key.to_string();
        let Some(i) = FIELDS.iter().position(|f| *f == key) else {
            return Err(error::config(format!(
                "unknown request field \"{key}\" (known: {})",
                FIELDS.join(", ")
            )));
        };
        v[i] = if let Some(s) = val.str() {
            s.to_owned()
        } else if let Some(n) = val.long() {
            n.to_string()
        } else if val.is_null() {
            String::new()
        } else {
            return Err(error::config(format!(
                "request field \"{key}\" must be a string"
            )));
        };
    }
    let [filial_id, doctor_id, date, time_start, name, phone, comment, specialty] = v;
    Ok(BookingInput {
        filial_id,
        doctor_id,
        date,
        time_start,
        name,
        phone,
        comment,
        specialty,
    })
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_normalize_phone))
        .function(wrap_function!(priem_booking_payload))
}
