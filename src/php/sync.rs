//! The cron, the MIS's push and the admin: `priem_migrate`, `priem_import_schedule`,
//! `priem_push_schedule`, `priem_sync`, `priem_alerts`, `priem_check`.

use chrono::{DateTime, Utc};
use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::convert::{self, PhpResult};
use super::engine::{engine, json, now_arg};
use super::error;
use crate::wire::booking::format_utc;

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
/// Returns counts (`filials`, `doctors`, `days_unchanged`, `slots_inserted`, …), `rejected`:
/// the doctors left out (each keeps its previous schedule), and `bad_cells`: the cells left out
/// of imported doctors; each entry with `filial`, `doctor`, `path`, `message`.
#[php_function]
#[php(name = "priem_import_schedule")]
pub fn priem_import_schedule(
    settings: &ZendHashTable,
    json_text: &str,
    now_utc: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let imported = e
        .import_json(json_text, now, Some(now))
        .map_err(error::engine)?;
    Ok(json(&imported_json(&imported)))
}

/// The MIS's HTTP push (`push.php`): imports the snapshot `$body` as `priem_import_schedule`
/// does, and records it as the cron's import of a file is recorded — a sync run (file «HTTP
/// push», `counts['source']` `push`) and the alerts (an unreadable document, doctors and cells
/// left out; the ones fixed resolved), mailed by the next `priem_sync`. Returns `['ok' => true,
/// 'run' => id, …priem_import_schedule's report]`, or `['ok' => false, 'run' => id, 'error' =>
/// '…']` (Russian) when the document cannot be read at all (not UTF-8, not the schedule):
/// nothing imported, the schedule kept.
#[php_function]
#[php(name = "priem_push_schedule")]
pub fn priem_push_schedule(
    settings: &ZendHashTable,
    body: BinarySlice<u8>,
    now_utc: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let pushed = e.push(&body, now).map_err(|e| error::storage(&e))?;
    let mut v = match &pushed.imported {
        Ok(imported) => imported_json(imported),
        Err(why) => serde_json::json!({"error": why}),
    };
    if let Some(o) = v.as_object_mut() {
        o.insert("ok".into(), pushed.imported.is_ok().into());
        o.insert("run".into(), pushed.run.into());
    }
    Ok(json(&v))
}

/// An import's report for PHP: counts, `rejected` and `bad_cells` (each entry with `filial`,
/// `doctor`, `path`, `message`).
fn imported_json(imported: &crate::engine::Imported) -> serde_json::Value {
    let r = &imported.report;
    let list = |errors: &[crate::wire::schedule::DoctorError]| -> Vec<serde_json::Value> {
        errors
            .iter()
            .map(|d| {
                serde_json::json!({"filial": d.filial, "doctor": d.doctor, "path": d.path,
                                   "message": d.to_string()})
            })
            .collect()
    };
    serde_json::json!({
        "filials": r.filials, "doctors": r.doctors, "doctors_kept": r.doctors_kept,
        "doctors_removed": r.doctors_removed, "days_unchanged": r.days_unchanged,
        "days_changed": r.days_changed, "days_added": r.days_added,
        "days_removed": r.days_removed, "slots_inserted": r.slots_inserted,
        "slots_updated": r.slots_updated, "slots_deleted": r.slots_deleted,
        "cells_past": r.cells_past, "holds_released": r.holds_released,
        "seconds": r.duration.as_secs_f64(),
        "db_seconds": r.db_busy.as_secs_f64(), "rejected": list(&imported.rejected),
        "bad_cells": list(&imported.bad_cells),
    })
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

/// The open problems: `key`, `kind`, `group` (`codes`: the known-codes check, else `sync`),
/// `text` (the letter), `subject` and `paragraphs` (what happened, what to do: the letter without
/// its time and signature), `first_seen`, `last_seen`, `last_sent`, `mails`, `occurrences`,
/// `last_error` (why the last mail failed). `$group` keeps that group's.
#[php_function]
#[php(name = "priem_alerts")]
pub fn priem_alerts(
    settings: &ZendHashTable,
    group: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    use crate::engine::alert;
    let e = engine(settings)?;
    let alerts = e.store().open_alerts().map_err(|e| error::storage(&e))?;
    let t = |x: Option<DateTime<Utc>>| x.map(format_utc);
    // Announcements of resolved problems waiting for SMTP are not problems themselves.
    let list: Vec<serde_json::Value> = alerts
        .iter()
        .filter(|a| a.kind != alert::RESOLVED)
        .filter(|a| group.is_none_or(|g| alert::group(&a.kind) == g))
        .map(|a| {
            let (subject, paragraphs) = alert::shown(&a.text);
            serde_json::json!({
                "key": a.key, "kind": a.kind, "group": alert::group(&a.kind), "text": a.text,
                "subject": subject, "paragraphs": paragraphs,
                "first_seen": format_utc(a.first_seen), "last_seen": format_utc(a.last_seen),
                "last_sent": t(a.last_sent), "mails": a.mails, "occurrences": a.occurrences,
                "last_error": a.last_error,
            })
        })
        .collect();
    Ok(json(&list))
}

/// Where the site's upcoming bookings stand against the MIS's schedule, for the admin's
/// «Состояние»: `['confirmed' => 12, 'seen' => 10, 'missing' => 1, 'check' => 0]` — confirmed
/// bookings whose time is ahead; of them, the ones the MIS's snapshots show busy; the ones still
/// shown free `booking.reconcile_minutes` after the confirmation (alerted «МИС не показывает
/// запись № …»); and bookings in «проверить в МИС» (`check`).
#[php_function]
#[php(name = "priem_reconciliation")]
pub fn priem_reconciliation(
    settings: &ZendHashTable,
    now_utc: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let r = e
        .store()
        .reconciliation(now)
        .map_err(|e| error::storage(&e))?;
    Ok(json(&serde_json::json!({
        "confirmed": r.confirmed, "seen": r.seen, "missing": r.missing, "check": r.check,
    })))
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

/// What travels unencrypted, for «Настройки» and «Состояние»: `['warnings' => ['FTP без
/// шифрования: …', …], 'notes' => ['Почта: последнее соединение (…) защищено TLS — …']]`, in
/// Russian. For SMTP without demanded TLS and FTP without FTPS the last connection's recorded
/// protection (opportunistic TLS) replaces the guess from the settings; the settings alone when
/// nothing was recorded yet or the database cannot be read.
#[php_function]
#[php(name = "priem_tls_notes")]
pub fn priem_tls_notes(settings: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    Ok(json(&e.tls_notes()))
}

/// The settings check, for the admin before it saves: `[]` when `$settings` work, else the
/// problems as `[['key' => 'limits.trusted_proxies', 'message' => '…'], …]` (the key as in the
/// settings array, empty for the array as a whole). Never throws for bad settings.
#[php_function]
#[php(name = "priem_settings_problems")]
pub fn priem_settings_problems(settings: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    let mut z = ext_php_rs::types::Zval::new();
    z.set_hashtable(settings.to_owned());
    let value = convert::to_json(&z, "$settings")?;
    let list: Vec<serde_json::Value> = crate::engine::settings::Settings::problems(value)
        .into_iter()
        .map(|p| serde_json::json!({"key": p.key, "message": p.message}))
        .collect();
    Ok(json(&list))
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_migrate))
        .function(wrap_function!(priem_tls_notes))
        .function(wrap_function!(priem_import_schedule))
        .function(wrap_function!(priem_push_schedule))
        .function(wrap_function!(priem_sync))
        .function(wrap_function!(priem_alerts))
        .function(wrap_function!(priem_reconciliation))
        .function(wrap_function!(priem_check))
        .function(wrap_function!(priem_settings_problems))
}
