//! The admin's reads of what the engine recorded: `priem_runs`, `priem_daily`,
//! `priem_booking_labels`. Converts and calls `engine::journal`.

use chrono::{DateTime, Utc};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::convert::PhpResult;
use super::engine::{engine, json, now_arg};
use super::error;
use crate::domain::booking::{BookingSource, BookingStatus};
use crate::domain::zone;
use crate::engine::journal::{run_status_name, run_summary, DAYS_LISTED, RUNS_LISTED};
use crate::wire::booking::{format_utc, parse_utc};

/// The newest sync runs first (at most `$limit`, 1–1000): `['id', 'started_at', 'finished_at'
/// (UTC, null while running), 'status' => 'running'|'ok'|'failed', 'status_name' (in Russian),
/// 'file', 'counts' (the tick's report), 'summary' (the counts in Russian words), 'errors' =>
/// ['…', …]]`.
#[php_function]
#[php(name = "priem_runs")]
#[php(defaults(limit = 50))]
pub fn priem_runs(settings: &ZendHashTable, limit: i64) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let limit = RUNS_LISTED.check(limit).map_err(error::range)?;
    let t = |x: Option<DateTime<Utc>>| x.map(format_utc);
    let list: Vec<serde_json::Value> = e
        .runs(limit)
        .map_err(error::engine)?
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id, "started_at": format_utc(r.started_at), "finished_at": t(r.finished_at),
                "status": r.status.as_str(), "status_name": run_status_name(r.status),
                "file": r.file, "summary": run_summary(&r.counts), "counts": r.counts,
                "errors": r.errors,
            })
        })
        .collect();
    Ok(json(&list))
}

/// The last `$days` days (1–366, default 14) up to today, days of Moscow time as the admin's
/// times are (`priem_staff_time`), oldest first, for the admin's chart: `[['date' =>
/// '2026-12-01', 'bookings' => ['confirmed' => 3, 'rejected' => 1], 'files' => 96], …]` — the bookings made that day per status (only statuses with some, in the
/// order of `priem_booking_labels`) and the schedule files the cron imported.
#[php_function]
#[php(name = "priem_daily")]
#[php(defaults(days = 14))]
pub fn priem_daily(
    settings: &ZendHashTable,
    days: i64,
    now_utc: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let days = DAYS_LISTED.check(days).map_err(error::range)?;
    let now = now_arg(now_utc)?;
    Ok(json(&e.daily(now, days).map_err(error::engine)?))
}

/// What the admin calls bookings' statuses and sources: `['statuses' => ['queued' => ['name'
/// => 'в очереди', 'visitor' => 'pending' (what the visitor is told: confirmed, pending,
/// refused), 'class' => 'priem-tone-new' (the colour in the admin's styles)], …], 'sources' =>
/// ['site' => 'сайт', 'prodoctorov' => 'ПроДокторов']]`, in the order to list them.
#[php_function]
#[php(name = "priem_booking_labels")]
pub fn priem_booking_labels() -> ZBox<ZendHashTable> {
    let mut statuses = serde_json::Map::new();
    for s in BookingStatus::ALL {
        statuses.insert(
            s.as_str().into(),
            serde_json::json!({"name": s.name(), "visitor": s.visitor(), "class": s.colour_class()}),
        );
    }
    let sources: serde_json::Map<String, serde_json::Value> = BookingSource::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.name().into()))
        .collect();
    json(&serde_json::json!({"statuses": statuses, "sources": sources}))
}

/// A UTC moment as the clinic's staff read it, in the site's zone (Europe/Moscow, as the alert
/// letters say it): `2026-11-28T01:48:17Z` or `2026-11-28 01:48:17` → `28.11.2026 04:48 МСК`.
/// Anything else comes back as it was.
#[php_function]
#[php(name = "priem_staff_time")]
pub fn priem_staff_time(utc: &str) -> String {
    let text = utc.trim();
    parse_utc(text)
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
        .map_or_else(
            || utc.to_owned(),
            |t| zone::staff_time(zone::DEFAULT_ZONE, t),
        )
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_staff_time))
        .function(wrap_function!(priem_runs))
        .function(wrap_function!(priem_daily))
        .function(wrap_function!(priem_booking_labels))
}
