//! The stateful functions: database, FTP, MIS and mail through the engine. Each takes the
//! settings array (see `priem::settings`); one engine per distinct settings is kept per
//! process, created on first use (never at startup: php-fpm forks after it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};

use super::convert::{self, PhpResult};
use super::error;
use crate::domain::booking::{BookingError, BookingInput};
use crate::domain::phone;
use crate::engine::{BookError, BookOutcome, BookRequest, Engine};
use crate::settings::Settings;
use crate::storage::{BookingRecord, BookingSource, Consent};
use crate::wire::booking::format_utc;
use crate::wire::schedule::hhmm;

/// The engine for these settings, made once per process.
pub(super) fn engine(settings: &ZendHashTable) -> PhpResult<Arc<Engine>> {
    static ENGINES: OnceLock<Mutex<HashMap<String, Arc<Engine>>>> = OnceLock::new();
    let mut z = Zval::new();
    z.set_hashtable(settings.to_owned());
    let value = convert::to_json(&z, "$settings")?;
    let key = value.to_string();
    let engines = ENGINES.get_or_init(Default::default);
    let mut map = engines.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = map.get(&key) {
        return Ok(Arc::clone(e));
    }
    let settings = Settings::from_value(value).map_err(error::settings)?;
    let e = Arc::new(Engine::new(settings).map_err(error::engine)?);
    if map.len() > 16 {
        map.clear();
    }
    map.insert(key, Arc::clone(&e));
    Ok(e)
}

pub(super) fn now_arg(now_utc: Option<&str>) -> PhpResult<DateTime<Utc>> {
    match now_utc {
        None | Some("") => Ok(Utc::now()),
        Some(s) => convert::utc_arg("now_utc", s),
    }
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> ZBox<ZendHashTable> {
    convert::json_array(&serde_json::to_value(v).unwrap_or_default())
}

/// Creates or upgrades priem's tables (`Priem_*`); returns the migration versions applied now
/// (empty when up to date).
#[php_function]
#[php(name = "priem_migrate")]
pub fn priem_migrate(settings: &ZendHashTable) -> PhpResult<Vec<i64>> {
    let e = engine(settings)?;
    let applied = e.migrate().map_err(error::engine)?;
    Ok(applied.into_iter().map(i64::from).collect())
}

/// Imports one schedule snapshot (any §1.1 variant) into the database by the replacement rule.
/// Returns counts (`filials`, `doctors`, `days_unchanged`, `slots_inserted`, …) and
/// `rejected`: the doctors left out, each with `filial`, `doctor`, `message`.
#[php_function]
#[php(name = "priem_import_schedule")]
pub fn priem_import_schedule(
    settings: &ZendHashTable,
    json_text: &str,
    now_utc: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let (r, rejected) = e
        .import_json(json_text, now, Some(now))
        .map_err(error::engine)?;
    let rejected: Vec<serde_json::Value> = rejected
        .iter()
        .map(|d| {
            serde_json::json!({"filial": d.filial, "doctor": d.doctor, "path": d.path,
                               "message": d.to_string()})
        })
        .collect();
    Ok(json(&serde_json::json!({
        "filials": r.filials, "doctors": r.doctors, "doctors_kept": r.doctors_kept,
        "doctors_removed": r.doctors_removed, "days_unchanged": r.days_unchanged,
        "days_changed": r.days_changed, "days_added": r.days_added,
        "days_removed": r.days_removed, "slots_inserted": r.slots_inserted,
        "slots_updated": r.slots_updated, "slots_deleted": r.slots_deleted,
        "cells_past": r.cells_past, "holds_released": r.holds_released,
        "seconds": r.duration.as_secs_f64(), "rejected": rejected,
    })))
}

/// The grid a visitor sees, from the stored schedule (same shape as `priem_slot_grid`);
/// `$days` defaults to the booking horizon of the settings.
#[php_function]
#[php(name = "priem_grid")]
pub fn priem_grid(
    settings: &ZendHashTable,
    filial_code: &str,
    doctor_code: &str,
    now_utc: Option<&str>,
    days: Option<i64>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let g = stored_grid(settings, filial_code, doctor_code, now_utc, days)?;
    Ok(convert::grid(filial_code, doctor_code, &g))
}

/// The grid of `priem_grid` for a JSON API: `['filial' => '1', 'doctor' => '0001',
/// 'filial_name', 'doctor_name', 'specialties', 'timezone', 'free', 'days_json' => '[…]']`, where
/// `days_json` is the `days` of the booking form's `grid` answer (docs/api.md) as JSON text — no
/// UTC instants or rooms, and no PHP arrays to build for a thousand times.
#[php_function]
#[php(name = "priem_grid_json")]
pub fn priem_grid_json(
    settings: &ZendHashTable,
    filial_code: &str,
    doctor_code: &str,
    now_utc: Option<&str>,
    days: Option<i64>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let g = stored_grid(settings, filial_code, doctor_code, now_utc, days)?;
    Ok(json(&serde_json::json!({
        "filial": filial_code, "doctor": doctor_code, "filial_name": g.filial_name,
        "doctor_name": g.doctor_name, "specialties": g.specialties, "timezone": g.zone.name(),
        "free": g.free(), "days_json": g.days_json(),
    })))
}

/// The grid of `priem_grid` and `priem_grid_json`, from their arguments.
fn stored_grid(
    settings: &ZendHashTable,
    filial_code: &str,
    doctor_code: &str,
    now_utc: Option<&str>,
    days: Option<i64>,
) -> PhpResult<std::sync::Arc<crate::engine::grid_cache::SharedGrid>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let days = match days {
        None => None,
        Some(d) => Some(
            u32::try_from(d)
                .ok()
                .filter(|d| (1..=366).contains(d))
                .ok_or_else(|| error::config(format!("$days must be from 1 to 366, got {d}")))?,
        ),
    };
    e.grid(filial_code, doctor_code, now, days)
        .map_err(error::engine)
}

/// The filials the MIS has sent: `[['code' => '1', 'name' => 'Клиника на Ленина'|null,
/// 'timezone' => 'Europe/Moscow'], …]`, by code.
#[php_function]
#[php(name = "priem_filials")]
pub fn priem_filials(settings: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let list: Vec<serde_json::Value> = e
        .filials()
        .map_err(error::engine)?
        .into_iter()
        .map(|f| serde_json::json!({"code": f.code, "name": f.name, "timezone": f.zone.name()}))
        .collect();
    Ok(convert::json_array(&serde_json::Value::Array(list)))
}

/// A filial's doctors with their free time in the booking window, as ProDoctorov lists them:
///
/// ```text
/// ['filial' => ['code' => '1', 'name' => …, 'timezone' => 'Europe/Moscow'],
///  'doctors' => [['code' => '0001', 'name' => 'Иванова Мария Петровна', 'specialties' => ['Кардиолог'],
///                 'free' => 37, 'nearest' => ['date' => '2026-12-01',
///                 'times' => [['time_start' => '09:00', 'time_end' => '09:30'], …]] | null], …]]
/// ```
///
/// Doctors with free time come first, the soonest first; then the others (`free` 0, `nearest`
/// null) by name. `$times` (1–50, default 4) is how many times of the nearest day to give.
/// Throws `Priem\NotFoundException` when the MIS never sent the filial.
#[php_function]
#[php(name = "priem_doctors")]
pub fn priem_doctors(
    settings: &ZendHashTable,
    filial_code: &str,
    now_utc: Option<&str>,
    times: Option<i64>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let times = match times {
        None => 4,
        Some(t) => u32::try_from(t)
            .ok()
            .filter(|t| (1..=50).contains(t))
            .ok_or_else(|| error::config(format!("$times must be from 1 to 50, got {t}")))?,
    };
    let listing = e
        .doctors(filial_code, now, times)
        .map_err(error::engine)?
        .ok_or_else(|| {
            error::not_found(format!("нет филиала с кодом {filial_code} в расписании"))
        })?;
    let doctors: Vec<serde_json::Value> = listing
        .doctors
        .iter()
        .map(|d| {
            let nearest = d.nearest.as_ref().map(|(date, t)| {
                let t: Vec<_> = t
                    .iter()
                    .map(|&(s, e)| serde_json::json!({"time_start": hhmm(s), "time_end": hhmm(e)}))
                    .collect();
                serde_json::json!({"date": date.to_string(), "times": t})
            });
            serde_json::json!({"code": d.code, "name": d.name, "specialties": d.specialties,
                               "free": d.free, "nearest": nearest})
        })
        .collect();
    let f = &listing.filial;
    Ok(convert::json_array(&serde_json::json!({
        "filial": {"code": f.code, "name": f.name, "timezone": f.zone.name()},
        "doctors": doctors,
    })))
}

/// Books a time: validates the fields against the stored schedule, holds the time (the
/// database decides who got it), stores the booking and sends it to the MIS at once.
///
/// `$request` as for `priem_booking_payload`. `$meta`: `idempotency_key` (required: the same
/// key never makes a second booking), `source` (`site` or `prodoctorov`), `consent_ip`,
/// `consent_version` (the consent text shown; required for `site`), `now_utc`.
///
/// Returns `['status' => 'confirmed'|'pending'|'refused', 'booking_id' => 17, 'reason' => …,
/// 'alternatives' => [['date', 'time_start', 'time_end'], …]]`. Throws
/// `Priem\ValidationException` (field errors) or `Priem\ConflictException` (the time was just
/// taken; other times offered).
#[php_function]
#[php(name = "priem_book")]
pub fn priem_book(
    settings: &ZendHashTable,
    request: &ZendHashTable,
    meta: &ZendHashTable,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let input: BookingInput = super::booking::booking_input(request)?;
    let text = |k: &str| meta.get(k).and_then(|z| z.str()).map(str::to_owned);
    for (k, _) in meta.iter() {
        let k = k.to_string();
        if ![
            "idempotency_key",
            "source",
            "consent_ip",
            "consent_version",
            "now_utc",
        ]
        .contains(&k.as_str())
        {
            return Err(error::config(format!("unknown \"$meta\" key \"{k}\"")));
        }
    }
    let key = text("idempotency_key")
        .filter(|k| !k.trim().is_empty() && k.len() <= 128)
        .ok_or_else(|| error::config("$meta[\"idempotency_key\"] must be 1 to 128 characters"))?;
    let source = match text("source").as_deref() {
        None | Some("site") => BookingSource::Site,
        Some("prodoctorov") => BookingSource::Prodoctorov,
        Some(other) => {
            return Err(error::config(format!(
                "$meta[\"source\"] must be \"site\" or \"prodoctorov\", got \"{other}\""
            )))
        }
    };
    let now = now_arg(text("now_utc").as_deref())?;
    let consent = text("consent_version").map(|v| Consent {
        at: now,
        ip: text("consent_ip").unwrap_or_default(),
        text_version: v,
    });
    if source == BookingSource::Site && consent.is_none() {
        return Err(error::config(
            "$meta[\"consent_version\"] is required for bookings from the site (152-ФЗ)",
        ));
    }
    let req = BookRequest {
        input,
        idempotency_key: key,
        source,
        consent,
    };
    let alternatives = |next: &[crate::domain::booking::Alternative]| {
        next.iter()
            .map(|a| {
                serde_json::json!({"date": a.date.to_string(), "time_start": hhmm(a.start),
                    "time_end": hhmm(a.end)})
            })
            .collect::<Vec<_>>()
    };
    match e.book(&req, now) {
        Ok(BookOutcome::Confirmed { id }) => Ok(json(
            &serde_json::json!({"status": "confirmed", "booking_id": id}),
        )),
        Ok(BookOutcome::Pending { id }) => Ok(json(
            &serde_json::json!({"status": "pending", "booking_id": id}),
        )),
        Ok(BookOutcome::Refused { id, reason, next }) => Ok(json(&serde_json::json!({
            "status": "refused", "booking_id": id, "reason": reason,
            "alternatives": alternatives(&next),
        }))),
        Err(BookError::Booking(b @ BookingError::Invalid(_)))
        | Err(BookError::Booking(b @ BookingError::Taken { .. })) => Err(error::booking(b)),
        Err(BookError::Engine(e)) => Err(error::engine(e)),
    }
}

fn booking_json(b: &BookingRecord) -> serde_json::Value {
    let t = |x: Option<DateTime<Utc>>| x.map(format_utc);
    serde_json::json!({
        "id": b.id, "status": b.status.as_str(), "source": b.source.as_str(),
        "filial": b.filial, "doctor": b.doctor,
        "start_utc": format_utc(b.start_utc), "end_utc": format_utc(b.end_utc),
        "payload": b.payload, "attempts": b.attempts,
        "next_attempt_at": t(b.next_attempt_at), "last_error": b.last_error,
        "mis_reference": b.mis_reference, "created_at": format_utc(b.created_at),
        "sent_at": t(b.sent_at), "answered_at": t(b.answered_at),
        "phone_masked": b.phone_masked,
    })
}

/// One booking as stored (`status`, times, the exact `payload`, `attempts`, `last_error`, …),
/// or null.
#[php_function]
#[php(name = "priem_booking")]
pub fn priem_booking(settings: &ZendHashTable, id: i64) -> PhpResult<Option<ZBox<ZendHashTable>>> {
    let e = engine(settings)?;
    let Ok(id) = u64::try_from(id) else {
        return Ok(None);
    };
    Ok(e.booking(id)
        .map_err(error::engine)?
        .map(|b| json(&booking_json(&b))))
}

/// One cron cycle: import from FTP, check codes, deliver the outbox, read FTP results, mail
/// alerts. Returns the report (counts, `errors`, `seconds`) with `line`, a one-line summary.
/// Never throws for a failing server: failures become alerts and `errors`.
#[php_function]
#[php(name = "priem_sync")]
pub fn priem_sync(
    settings: &ZendHashTable,
    now_utc: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let r = e.tick(now);
    let mut v = serde_json::to_value(&r).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("line".into(), r.line().into());
    }
    Ok(convert::json_array(&v))
}

/// The open problems: `key`, `kind`, `text`, `first_seen`, `last_seen`, `last_sent`, `mails`,
/// `occurrences`, `last_error` (why the last mail failed).
#[php_function]
#[php(name = "priem_alerts")]
pub fn priem_alerts(settings: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let alerts = e.store().open_alerts().map_err(|e| error::storage(&e))?;
    let t = |x: Option<DateTime<Utc>>| x.map(format_utc);
    // Announcements of resolved problems waiting for SMTP are not problems themselves.
    let list: Vec<serde_json::Value> = alerts
        .iter()
        .filter(|a| a.kind != crate::engine::alert::RESOLVED)
        .map(|a| {
            serde_json::json!({
                "key": a.key, "kind": a.kind, "text": a.text,
                "first_seen": format_utc(a.first_seen), "last_seen": format_utc(a.last_seen),
                "last_sent": t(a.last_sent), "mails": a.mails, "occurrences": a.occurrences,
                "last_error": a.last_error,
            })
        })
        .collect();
    Ok(json(&list))
}

/// Sends a booking again now (the journal's "повторить отправку"): only one whose outcome is
/// unknown. Returns `['result' => 'confirmed'|'refused'|'dropped'|'unknown'|'skipped',
/// 'message' => …]`.
#[php_function]
#[php(name = "priem_retry")]
pub fn priem_retry(
    settings: &ZendHashTable,
    id: i64,
    now_utc: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    use crate::engine::Delivered;
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let id = u64::try_from(id).map_err(|_| error::config("$id must be a booking id"))?;
    let (result, message) = match e.retry(id, now).map_err(error::engine)? {
        Delivered::Confirmed => ("confirmed", String::new()),
        Delivered::Refused(r) => ("refused", r),
        Delivered::Dropped => ("dropped", String::new()),
        Delivered::Unknown(why) => ("unknown", why),
        Delivered::Skipped => ("skipped", String::new()),
    };
    Ok(json(
        &serde_json::json!({"result": result, "message": message}),
    ))
}

/// "Проверить соединение": `$what` is `db`, `ftp`, `mis` (reachability only, nothing is
/// booked) or `mail` (sends a test letter). Returns `['ok' => bool, 'message' => '…']` in
/// Russian; never throws for a failing server.
#[php_function]
#[php(name = "priem_check")]
pub fn priem_check(settings: &ZendHashTable, what: &str) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let (ok, message) = match e.check(what) {
        Ok(m) => (true, m),
        Err(m) => (false, m),
    };
    Ok(json(&serde_json::json!({"ok": ok, "message": message})))
}

/// `79001234567` → `7900***4567`, for logs and journals.
#[php_function]
#[php(name = "priem_mask_phone")]
pub fn priem_mask_phone(phone_number: &str) -> String {
    phone::mask(phone_number)
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_migrate))
        .function(wrap_function!(priem_import_schedule))
        .function(wrap_function!(priem_grid))
        .function(wrap_function!(priem_grid_json))
        .function(wrap_function!(priem_filials))
        .function(wrap_function!(priem_doctors))
        .function(wrap_function!(priem_book))
        .function(wrap_function!(priem_booking))
        .function(wrap_function!(priem_sync))
        .function(wrap_function!(priem_alerts))
        .function(wrap_function!(priem_mask_phone))
        .function(wrap_function!(priem_retry))
        .function(wrap_function!(priem_check))
}
