//! Bookings: `priem_normalize_phone`, `priem_booking_payload`, `priem_book`, `priem_booking`,
//! `priem_bookings`, `priem_retry`, `priem_mask_phone`, and the patient's data:
//! `priem_erase_person`, `priem_erasures`.

use chrono::{DateTime, Utc};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::convert::{self, Options, PhpResult};
use super::engine::{engine, json, now_arg};
use super::error;
use crate::domain::booking::{
    self, BookingError, BookingInput, BookingSource, Consent, FieldError,
};
use crate::domain::{phone, schedule};
use crate::engine::{BookError, BookOutcome, BookRequest};
use crate::storage::{BookingFilter, BookingRecord};
use crate::time::hhmm;
use crate::wire::booking::format_utc;

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
fn booking_input(ht: &ZendHashTable) -> PhpResult<BookingInput> {
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
                "неизвестное поле заявки «{key}» (известны: {})",
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
                "поле заявки «{key}» должно быть строкой"
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
        utc: None,
    })
}

/// Books a time: validates the fields against the stored schedule, holds the time (the
/// database decides who got it), stores the booking and sends it to the MIS at once.
///
/// `$request` as for `priem_booking_payload`. `$meta`: `idempotency_key` (required: the same
/// key never makes a second booking), `source` (`site` or `prodoctorov`), `consent_ip`,
/// `consent_version` (the consent text shown; required for `site`), `form_nonce` (the form
/// token's nonce: one token makes one booking), `now_utc`. A booking from the site is counted
/// per phone number and per doctor-day (settings `limits`).
///
/// Returns `['status' => 'confirmed'|'pending'|'refused', 'booking_id' => 17, 'reason' => …,
/// 'alternatives' => [['date', 'time_start', 'time_end'], …], 'booking' => what the visitor sees
/// of it (as `priem_booking`'s `view`, with `$cards`)]`. Throws
/// `Priem\ValidationException` (field errors), `Priem\ConflictException` (the time was just
/// taken; other times offered) or `Priem\LimitException` (a limit is reached, or the form
/// token made another booking; nothing stored).
#[php_function]
#[php(name = "priem_book")]
pub fn priem_book(
    settings: &ZendHashTable,
    request: &ZendHashTable,
    meta: &ZendHashTable,
    cards: Option<&ZendHashTable>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let cards = convert::cards(cards)?;
    let input: BookingInput = booking_input(request)?;
    let text = |k: &str| meta.get(k).and_then(|z| z.str()).map(str::to_owned);
    for (k, _) in meta.iter() {
        let k = k.to_string();
        if ![
            "idempotency_key",
            "source",
            "consent_ip",
            "consent_version",
            "form_nonce",
            "now_utc",
        ]
        .contains(&k.as_str())
        {
            return Err(error::config(format!("неизвестный ключ $meta «{k}»")));
        }
    }
    let source = match text("source") {
        None => BookingSource::Site,
        Some(s) => BookingSource::parse(&s).ok_or_else(|| {
            error::config(format!(
                "$meta[\"source\"] должен быть «site» или «prodoctorov», а не «{s}»"
            ))
        })?,
    };
    let now = now_arg(text("now_utc").as_deref())?;
    let consent = text("consent_version").map(|v| Consent {
        at: now,
        ip: text("consent_ip").unwrap_or_default(),
        text_version: v,
    });
    let key = text("idempotency_key").unwrap_or_default();
    let mut req = BookRequest::new(input, key, source, consent).map_err(error::book_request)?;
    req.form_nonce = text("form_nonce").filter(|n| !n.is_empty());
    let alternatives = |next: &[crate::domain::booking::Alternative]| {
        next.iter()
            .map(|a| {
                serde_json::json!({"date": a.date.to_string(), "time_start": hhmm(a.start),
                    "time_end": hhmm(a.end)})
            })
            .collect::<Vec<_>>()
    };
    let outcome = match e.book_on_site(&req, now, &cards) {
        Ok(o) => o,
        Err(BookError::Booking(b @ BookingError::Invalid(_)))
        | Err(BookError::Booking(b @ BookingError::Taken { .. })) => return Err(error::booking(b)),
        Err(BookError::Refused(r)) => return Err(error::refusal(r)),
        Err(BookError::Engine(e)) => return Err(error::engine(e)),
    };
    let id = outcome.id();
    let record = e
        .booking(id)
        .map_err(error::engine)?
        .ok_or_else(|| error::not_found(format!("запись {id} не найдена")))?;
    let view = e.booking_view(&record, &cards).map_err(error::engine)?;
    let mut out = match outcome {
        BookOutcome::Confirmed { .. } => {
            serde_json::json!({"status": "confirmed", "booking_id": id})
        }
        BookOutcome::Pending { .. } => serde_json::json!({"status": "pending", "booking_id": id}),
        BookOutcome::Refused { reason, next, .. } => serde_json::json!({
            "status": "refused", "booking_id": id, "reason": reason,
            "alternatives": alternatives(&next),
        }),
    };
    out["booking"] = serde_json::to_value(view).unwrap_or_default();
    Ok(json(&out))
}

fn booking_json(b: &BookingRecord) -> serde_json::Value {
    let t = |x: Option<DateTime<Utc>>| x.map(format_utc);
    serde_json::json!({
        "id": b.id, "status": b.status.as_str(), "status_name": b.status.name(),
        "source": b.source.as_str(), "source_name": b.source.name(), "retryable": b.retryable(),
        "filial": b.filial, "doctor": b.doctor,
        "start_utc": format_utc(b.start_utc), "end_utc": format_utc(b.end_utc),
        "payload": phone::mask_payload(&b.payload), "attempts": b.attempts,
        "next_attempt_at": t(b.next_attempt_at), "last_error": b.last_error, "unsure": b.unsure,
        "mis_seen_at": t(b.mis_seen_at), "mis_missing_at": t(b.mis_missing_at),
        "anonymized_at": t(b.anonymized_at),
        "mis_reference": b.mis_reference, "created_at": format_utc(b.created_at),
        "sent_at": t(b.sent_at), "answered_at": t(b.answered_at),
        "phone_masked": b.phone_masked,
    })
}

/// One booking as stored, or null: `status` (`queued`, `sent`, `confirmed`, `rejected`,
/// `unknown`, or `check` — «проверить в МИС»: a retry after an unanswered attempt was answered
/// "taken", settled by the MIS's next snapshot) and `status_name` (its Russian name, see
/// `priem_booking_labels`), `source` and `source_name`, `retryable` (staff may send it again:
/// «Повторить отправку»), times, `payload` (the JSON sent to the MIS
/// with every phone masked), `attempts`, `last_error`, `unsure` (an attempt may have reached the
/// MIS unanswered), `mis_seen_at` (a snapshot of the MIS showed the confirmed time busy),
/// `mis_missing_at` (since when its snapshots show it free: «МИС не показывает запись»), …,
/// and `view`, what the visitor sees of it: `['id', 'number', 'status' =>
/// 'confirmed'|'pending'|'refused', 'filial', 'doctor', 'doctor_name', 'specialty', 'clinic',
/// 'address', 'phone', 'date', 'time_start', 'time_end'` (the filial's local day and times)`,
/// 'timezone', 'tz_label']` (names from `$cards` over the MIS's, as for `priem_grid_json`).
#[php_function]
#[php(name = "priem_booking")]
pub fn priem_booking(
    settings: &ZendHashTable,
    id: i64,
    cards: Option<&ZendHashTable>,
) -> PhpResult<Option<ZBox<ZendHashTable>>> {
    let e = engine(settings)?;
    let cards = convert::cards(cards)?;
    let Ok(id) = u64::try_from(id) else {
        return Ok(None);
    };
    let Some(b) = e.booking(id).map_err(error::engine)? else {
        return Ok(None);
    };
    let mut out = booking_json(&b);
    let view = e.booking_view(&b, &cards).map_err(error::engine)?;
    out["view"] = serde_json::to_value(view).unwrap_or_default();
    Ok(Some(json(&out)))
}

/// The journal: the newest bookings first (at most `$limit`, 1–1000), each as `priem_booking`
/// gives it (the payload's phones masked) and with how the staff read it: `start_local`
/// («03.12.2026 18:00 МСК+2», the appointment in the filial's zone), `timezone` (its IANA
/// name), `created_local` (when it was made, in the site's zone Europe/Moscow), `clinic_name`
/// and `doctor_name` (from `$cards` over the MIS's names; null when neither has one),
/// `phone_shown` (the masked phone as staff read numbers: `+7 900 ***-45-67`).
/// `$filter`: `source` (`site`, `prodoctorov`), `status` (`queued`, `sent`, `confirmed`,
/// `rejected`, `unknown`, `check`), `from` and `to` (`YYYY-MM-DD`, the day it was made in Moscow
/// time, as «Создана» shows it; both included); a key left out or empty filters nothing.
#[php_function]
#[php(name = "priem_bookings")]
#[php(defaults(limit = 200))]
pub fn priem_bookings(
    settings: &ZendHashTable,
    filter: Option<&ZendHashTable>,
    limit: i64,
    cards: Option<&ZendHashTable>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let limit = BOOKINGS_LISTED.check(limit).map_err(error::range)?;
    let filter = match filter {
        Some(f) => booking_filter(f)?,
        None => BookingFilter::default(),
    };
    let cards = convert::cards(cards)?;
    let bookings = e.bookings(&filter, limit).map_err(error::engine)?;
    let names = e.journal_names(&bookings, &cards).map_err(error::engine)?;
    let list: Vec<serde_json::Value> = bookings
        .iter()
        .zip(names)
        .map(|(b, n)| {
            let mut row = booking_json(b);
            if let (Some(row), Ok(serde_json::Value::Object(n))) =
                (row.as_object_mut(), serde_json::to_value(n))
            {
                row.extend(n);
            }
            row
        })
        .collect();
    Ok(json(&list))
}

/// How many bookings `priem_bookings` lists at most.
const BOOKINGS_LISTED: crate::domain::range::Range =
    crate::domain::range::Range::new("limit", 1, 1000);

fn booking_filter(ht: &ZendHashTable) -> PhpResult<BookingFilter> {
    let mut f = BookingFilter::default();
    for (key, val) in ht.iter() {
        let key = key.to_string();
        let text = val.str().unwrap_or_default();
        if text.is_empty() {
            continue;
        }
        let bad = || {
            error::config(format!(
                "$filter[\"{key}\"]: «{text}» — не одно из допустимых значений"
            ))
        };
        let day = || chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad());
        match key.as_str() {
            "source" => f.source = Some(BookingSource::parse(text).ok_or_else(bad)?),
            "status" => {
                f.status = Some(crate::domain::booking::BookingStatus::parse(text).ok_or_else(bad)?)
            }
            "from" => f.from = Some(day()?),
            "to" => f.to = Some(day()?),
            _ => {
                return Err(error::config(format!(
                    "неизвестный ключ $filter «{key}» (известны: source, status, from, to)"
                )))
            }
        }
    }
    Ok(f)
}

/// Sends a booking again now (the journal's "повторить отправку"): only one whose outcome is
/// unknown. Returns `['result' => 'confirmed'|'refused'|'dropped'|'unknown'|'check'|'skipped',
/// 'message' => …, 'ok' => bool, 'text' => '…']` (`check`: answered "taken" after an unanswered
/// attempt — «проверить в МИС», settled by the MIS's next snapshot; `text`: what the staff are
/// told, in Russian, with the message).
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
    let id = u64::try_from(id).map_err(|_| error::config("$id должен быть номером записи"))?;
    let delivered = e.retry(id, now).map_err(error::engine)?;
    let (ok, text) = crate::engine::journal::retry_text(&delivered);
    let (result, message) = match delivered {
        Delivered::Confirmed => ("confirmed", String::new()),
        Delivered::Refused(r) => ("refused", r),
        Delivered::Dropped => ("dropped", String::new()),
        Delivered::Unknown(why) => ("unknown", why),
        Delivered::Check(r) => ("check", r),
        Delivered::Skipped => ("skipped", String::new()),
    };
    Ok(json(
        &serde_json::json!({"result": result, "message": message, "ok": ok, "text": text}),
    ))
}

/// Erases one person's data on request (152-ФЗ): every booking made with this phone number (as
/// typed, any way of writing it), the alerts and sync run errors that quote the patient and the
/// booking and result files on FTP; a booking the MIS has not settled yet is cancelled. The rows
/// stay for statistics. `$actor` is who erased (the admin user) — recorded with the time and the
/// counts, never the person's data (`priem_erasures()`).
///
/// Returns `['erased' => true, 'message' => '…', 'bookings' => 2, 'files' => 3, 'texts' => 1,
/// 'cancelled' => 0]`, or `['erased' => false, 'message' => '…']` (in Russian) when the number is
/// not a phone number or the FTP server failed — then nothing was changed.
#[php_function]
#[php(name = "priem_erase_person")]
pub fn priem_erase_person(
    settings: &ZendHashTable,
    phone_number: &str,
    actor: &str,
    now_utc: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    use crate::engine::EraseError;
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let v = match e.erase_person(phone_number, actor, now) {
        Ok(f) => serde_json::json!({
            "erased": true,
            "message": format!(
                "Данные удалены: записей — {}, файлов на FTP — {}, текстов оповещений и журнала \
                 синхронизации — {}{}",
                f.bookings,
                f.files,
                f.texts,
                if f.cancelled > 0 {
                    format!("; неотправленных записей отменено — {}", f.cancelled)
                } else {
                    String::new()
                }
            ),
            "bookings": f.bookings, "files": f.files, "texts": f.texts, "cancelled": f.cancelled,
        }),
        Err(EraseError::Storage(s)) => return Err(error::storage(&s)),
        Err(other) => serde_json::json!({"erased": false, "message": other.to_string()}),
    };
    Ok(json(&v))
}

/// The latest erasures on request, newest first: `[['erased_at' => '2026-12-01T10:00:00Z',
/// 'actor' => '…', 'bookings' => 2, 'files' => 3], …]` (who and when, never whose).
#[php_function]
#[php(name = "priem_erasures")]
pub fn priem_erasures(
    settings: &ZendHashTable,
    limit: Option<i64>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let limit = u32::try_from(limit.unwrap_or(20).clamp(1, 1000)).unwrap_or(20);
    let list: Vec<serde_json::Value> = e
        .store()
        .erasures(limit)
        .map_err(|e| error::storage(&e))?
        .into_iter()
        .map(|r| {
            serde_json::json!({"erased_at": format_utc(r.erased_at), "actor": r.actor,
                               "bookings": r.bookings, "files": r.files})
        })
        .collect();
    Ok(json(&list))
}

/// What the booking form says in words the site and the widget share: `['name_missing' =>
/// 'Укажите фамилию, имя и отчество', 'name_short', 'phone_missing', 'phone_length',
/// 'consent_missing', 'confirmed' => 'Вы записаны', 'pending', 'taken']` — the field errors the
/// widget checks before sending, in the core's words, and the outcomes.
#[php_function]
#[php(name = "priem_form_texts")]
pub fn priem_form_texts() -> ZBox<ZendHashTable> {
    let texts: serde_json::Map<String, serde_json::Value> = crate::domain::form::texts()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into()))
        .collect();
    json(&texts)
}

/// `79001234567` → `7900***4567`, for logs and journals.
#[php_function]
#[php(name = "priem_mask_phone")]
pub fn priem_mask_phone(phone_number: &str) -> String {
    phone::mask(phone_number)
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_normalize_phone))
        .function(wrap_function!(priem_booking_payload))
        .function(wrap_function!(priem_book))
        .function(wrap_function!(priem_booking))
        .function(wrap_function!(priem_bookings))
        .function(wrap_function!(priem_retry))
        .function(wrap_function!(priem_mask_phone))
        .function(wrap_function!(priem_form_texts))
        .function(wrap_function!(priem_erase_person))
        .function(wrap_function!(priem_erasures))
}
