//! One cron cycle: lock, fetch and import snapshots, check codes, deliver the outbox, read FTP
//! results, mail alerts, record the run. Whatever fails is recorded and alerted; nothing in
//! one step stops the others.

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::alert::{self, Alert, Origin};
use super::snapshot::{self, Snapshot};
use super::{Delivered, Engine, Link};
use crate::domain::cards::split_codes;
use crate::engine::settings::Delivery;
use crate::storage::{AlertAction, Card, CodeProblem, RunSummary, StorageError};
use crate::transport::ftp::{FtpError, FtpSession};
use crate::transport::mail;
use crate::wire::booking::MisAnswer;

/// The name of the MySQL lock that keeps one runner at a time, across web servers.
pub const LOCK_NAME: &str = "priem_tick";

/// How many bookings one tick delivers at most (the rest wait for the next one).
const OUTBOX_BATCH: u32 = 50;

/// What a tick did, for the CLI line, the cron log and the admin.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TickReport {
    /// What recorded the run: `cron` (a tick) or `push` (the MIS's HTTP push, see
    /// [`Engine::push`](super::Engine::push)).
    pub source: &'static str,
    /// `false` when another runner held the lock: this tick did nothing.
    pub ran: bool,
    pub files_imported: usize,
    pub files_failed: usize,
    pub slots_inserted: u64,
    pub slots_deleted: u64,
    pub doctors_rejected: usize,
    /// Cells left out of imported doctors (a bad time, an overlap…).
    pub cells_rejected: usize,
    pub bookings_confirmed: usize,
    pub bookings_refused: usize,
    pub bookings_dropped: usize,
    pub bookings_unknown: usize,
    /// Retries answered "taken" after an unanswered attempt: «проверить в МИС».
    pub bookings_check: usize,
    /// Bookings in «проверить в МИС» a snapshot settled: the MIS shows them (confirmed), or not
    /// (lost: sent again or refused).
    pub checks_confirmed: usize,
    pub checks_lost: usize,
    /// Confirmed bookings a snapshot showed in the MIS (for the first time, or again), and ones
    /// found missing (see `storage::reconcile`).
    pub bookings_seen: usize,
    pub bookings_missing: usize,
    /// The retention step: bookings whose patient's data was removed `booking.retention_days`
    /// after the appointment, and their files deleted from FTP.
    pub bookings_anonymized: usize,
    pub files_deleted: usize,
    pub results_read: usize,
    pub alerts_raised: usize,
    pub mails_sent: usize,
    pub mails_failed: usize,
    pub alerts_resolved: usize,
    /// The ProDoctorov upload step: `ok`, `failed`, `unchanged`, `not_due`; `None` when the
    /// connector is off (see `engine::prodoctorov`).
    pub prodoctorov_upload: Option<&'static str>,
    pub errors: Vec<String>,
    pub seconds: f64,
}

impl TickReport {
    /// The cron/cli report in one (Russian) line: `priem: файлов загружено 1, не принято 0,
    /// слотов +120/−118; записи: подтверждено 2, отказ 0, на FTP 0, без ответа 0, проверить в
    /// МИС 0; оповещений 1, писем 1, решено 0; ошибок 0; 0,41 с`.
    pub fn line(&self) -> String {
        if !self.ran {
            return "priem: другой запуск ещё идёт (блокировка занята) — пропущено".into();
        }
        let prodoctorov = match self.prodoctorov_upload {
            Some(outcome) => format!(
                "выгрузка в ПроДокторов: {}; ",
                match outcome {
                    "ok" => "выполнена",
                    "failed" => "не удалась",
                    "unchanged" => "без изменений",
                    "not_due" => "ещё не время",
                    other => other,
                }
            ),
            None => String::new(),
        };
        let seconds = format!("{:.2}", self.seconds).replace('.', ",");
        format!(
            "priem: файлов загружено {}, не принято {}, слотов +{}/−{}; записи: подтверждено {}, \
             отказ {}, на FTP {}, без ответа {}, проверить в МИС {}; оповещений {}, писем {}, \
             решено {}; {prodoctorov}ошибок {}; {seconds} с",
            self.files_imported,
            self.files_failed,
            self.slots_inserted,
            self.slots_deleted,
            self.bookings_confirmed,
            self.bookings_refused,
            self.bookings_dropped,
            self.bookings_unknown,
            self.bookings_check,
            self.alerts_raised,
            self.mails_sent,
            self.alerts_resolved,
            self.errors.len(),
        )
    }
}

/// What this tick (or a push) saw, to raise and resolve alerts at the end.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) alerts: Vec<Alert>,
    /// Condition kinds this tick checked as a whole: their open alerts not seen again are
    /// resolved.
    pub(super) checked: BTreeSet<&'static str>,
    /// Alerts this tick saw fixed one by one (a doctor imported fine, a file name that imports
    /// again).
    pub(super) fixed: Vec<String>,
}

pub(super) fn run(engine: &Engine, now: DateTime<Utc>) -> TickReport {
    let started = Instant::now();
    let mut report = TickReport {
        source: "cron",
        ..TickReport::default()
    };
    let store = engine.store();
    let lock = match store.try_lock(LOCK_NAME) {
        Ok(Some(lock)) => lock,
        Ok(None) => return report,
        Err(e) => {
            report.ran = true;
            report.errors.push(e.to_string());
            let mut seen = Seen::default();
            seen.alerts.push(alert::storage_failed(&e, now));
            // The database is down: nothing can be recorded, so mail directly — once per
            // reminder interval, remembered in a file (every cron run is a new process).
            if let (Some(cfg), true) = (&engine.settings().mail, db_alert_due(engine, now)) {
                let a = &seen.alerts[0];
                // (the database is down: the protection cannot be recorded)
                match mail::send(cfg, a.subject(), &a.body) {
                    Ok(_) => report.mails_sent += 1,
                    Err(_) => report.mails_failed += 1,
                }
            }
            report.seconds = started.elapsed().as_secs_f64();
            return report;
        }
    };
    report.ran = true;
    let run = store.start_run(now, None).ok();
    let mut seen = Seen::default();
    let mut last_file = None;

    if let Err(e) = import_from_ftp(engine, now, run, &mut report, &mut seen, &mut last_file) {
        report.errors.push(e.to_string());
    }
    if let Some(cards) = &engine.settings().cards {
        let codes = |cells: Vec<(&str, &str, bool)>| -> Vec<Card> {
            cells
                .into_iter()
                .flat_map(|(id, cell, off)| {
                    split_codes(cell).map(move |code| Card {
                        id: (!id.is_empty()).then(|| id.to_owned()),
                        code: code.to_owned(),
                        off,
                    })
                })
                .collect()
        };
        let clinics = codes(
            cards
                .clinics()
                .iter()
                .map(|c| (c.id.as_str(), c.codes.as_str(), c.off))
                .collect(),
        );
        let doctors = codes(
            cards
                .doctors()
                .iter()
                .map(|c| (c.id.as_str(), c.codes.as_str(), c.off))
                .collect(),
        );
        match store.unknown_codes(&clinics, &doctors) {
            Ok(codes) => {
                seen.checked.extend(CodeProblem::KINDS);
                for p in codes.problems() {
                    seen.alerts.push(alert::code_problem(&p, now));
                }
            }
            Err(e) => report.errors.push(e.to_string()),
        }
    }
    if let Err(e) = deliver_outbox(engine, now, &mut report, &mut seen) {
        report.errors.push(e.to_string());
    }
    if let Err(e) = read_results(engine, now, &mut report, &mut seen) {
        report.errors.push(e.to_string());
    }
    match engine.forget_old(now) {
        Some(Ok(f)) => {
            report.bookings_anonymized += f.bookings;
            report.files_deleted += f.files;
        }
        // Kept for the next tick; the run records why (an FTP server that is down is alerted
        // by the import step).
        Some(Err(e)) => report.errors.push(e.to_string()),
        None => {}
    }
    if engine.settings().booking.reconcile_minutes > 0 {
        match store.missing_in_mis(now) {
            Ok(list) => {
                seen.checked.insert(alert::MISSING);
                seen.alerts
                    .extend(list.iter().map(|b| alert::missing(b, now)));
            }
            Err(e) => report.errors.push(e.to_string()),
        }
    }
    match store.bookings_in_check() {
        Ok(list) => {
            seen.checked.insert(alert::CHECK);
            let when_lost = engine.settings().booking.when_lost;
            // Once its time has passed, there is nothing left to check.
            seen.alerts.extend(
                list.iter()
                    .filter(|b| b.start_utc >= now)
                    .map(|b| alert::check(b, when_lost, now)),
            );
        }
        Err(e) => report.errors.push(e.to_string()),
    }
    upload_to_prodoctorov(engine, now, &mut report, &mut seen);
    if let Err(e) = engine.prune_counters(now) {
        report.errors.push(e.to_string());
    }
    if let Err(e) = send_alerts(engine, now, &mut report, seen) {
        report.errors.push(e.to_string());
    }

    report.seconds = started.elapsed().as_secs_f64();
    if let Some(run) = run {
        let (file, sha256) = last_file.unzip();
        let summary = RunSummary {
            ok: report.errors.is_empty() && report.files_failed == 0,
            file,
            sha256,
            counts: serde_json::to_value(&report).unwrap_or_default(),
            errors: report.errors.clone(),
        };
        if let Err(e) = store.finish_run(run, Utc::now(), &summary) {
            report.errors.push(e.to_string());
        }
    }
    let _ = lock.release();
    report
}

fn import_from_ftp(
    engine: &Engine,
    now: DateTime<Utc>,
    run: Option<crate::storage::RunId>,
    report: &mut TickReport,
    seen: &mut Seen,
    last_file: &mut Option<(String, String)>,
) -> Result<(), StorageError> {
    let Some(cfg) = &engine.settings().ftp else {
        return Ok(());
    };
    seen.checked.insert(alert::FTP);
    let Some(mut session) = connect(cfg, seen, now) else {
        return Ok(());
    };
    let files = match session.list_stable() {
        Ok(f) => f,
        Err(e) => {
            seen.alerts
                .push(alert::ftp_failed(&cfg.host, &e.to_string(), now));
            engine.end_ftp(session, now);
            return Ok(());
        }
    };
    for f in files {
        // a file the listing shows too large is not downloaded at all
        let bytes = if f.size > cfg.max_download {
            Err(FtpError::TooLarge {
                path: f.name.clone(),
                max: cfg.max_download,
            })
        } else {
            session.download(&f.name)
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(FtpError::TooLarge { max, .. }) => {
                report.files_failed += 1;
                seen.alerts.push(alert::too_large(&f.name, max >> 20, now));
                if let Err(e) = session.mark_failed(&f.name) {
                    report.errors.push(e.to_string());
                }
                continue;
            }
            Err(e) => {
                seen.alerts
                    .push(alert::ftp_failed(&cfg.host, &e.to_string(), now));
                break;
            }
        };
        let produced_at = f.modified.map(|m| m.and_utc());
        let origin = Origin::Ftp(&f.name);
        match snapshot::import(engine, origin, &bytes, produced_at, now, run, report, seen)? {
            Snapshot::Imported(_, digest) => *last_file = Some((f.name.clone(), digest)),
            Snapshot::Unreadable(_) => {
                if let Err(e) = session.mark_failed(&f.name) {
                    report.errors.push(e.to_string());
                }
                continue;
            }
        }
        if let Err(e) = session.mark_imported(&f.name) {
            report.errors.push(e.to_string());
        }
    }
    engine.end_ftp(session, now);
    Ok(())
}

/// Opens an FTP session, or notes the FTP alert.
fn connect(
    cfg: &crate::transport::ftp::FtpConfig,
    seen: &mut Seen,
    now: DateTime<Utc>,
) -> Option<FtpSession> {
    FtpSession::connect(cfg)
        .map_err(|e| {
            seen.alerts
                .push(alert::ftp_failed(&cfg.host, &e.to_string(), now))
        })
        .ok()
}

fn deliver_outbox(
    engine: &Engine,
    now: DateTime<Utc>,
    report: &mut TickReport,
    seen: &mut Seen,
) -> Result<(), StorageError> {
    if engine.settings().delivery.is_none() {
        return Ok(());
    }
    let due = engine.store().due_for_delivery(now, OUTBOX_BATCH)?;
    let mut reached = false;
    let mut unreachable = None;
    for b in due {
        match engine.deliver(&b, now) {
            Ok(Delivered::Confirmed) => {
                reached = true;
                report.bookings_confirmed += 1;
            }
            Ok(Delivered::Refused(reason)) => {
                reached = true;
                report.bookings_refused += 1;
                seen.alerts.push(alert::refused(b.id, &reason, now));
            }
            Ok(Delivered::Dropped) => {
                reached = true;
                report.bookings_dropped += 1;
            }
            Ok(Delivered::Check(_)) => {
                reached = true;
                report.bookings_check += 1;
            }
            Ok(Delivered::Unknown(why)) => {
                report.bookings_unknown += 1;
                unreachable.get_or_insert((b.id, why));
            }
            Ok(Delivered::Skipped) => {}
            Err(super::EngineError::Storage(e)) => return Err(e),
            Err(e) => report.errors.push(e.to_string()),
        }
    }
    match unreachable {
        Some((id, why)) => {
            seen.checked.insert(alert::MIS);
            seen.alerts.push(alert::mis_unreachable(&why, id, now));
        }
        None if reached => {
            seen.checked.insert(alert::MIS);
        }
        None => {}
    }
    Ok(())
}

fn read_results(
    engine: &Engine,
    now: DateTime<Utc>,
    report: &mut TickReport,
    seen: &mut Seen,
) -> Result<(), StorageError> {
    let (Some(Delivery::FtpDrop), Some(cfg)) =
        (&engine.settings().delivery, &engine.settings().ftp)
    else {
        return Ok(());
    };
    let store = engine.store();
    let Some(mut session) = connect(cfg, seen, now) else {
        return Ok(());
    };
    match session.read_results() {
        Ok(results) => {
            for r in results {
                let Ok(id) = r.booking_id.parse::<u64>() else {
                    continue;
                };
                match &r.answer {
                    Ok(MisAnswer::Accepted) => {
                        store.mark_confirmed(id, now, None)?;
                        report.bookings_confirmed += 1;
                    }
                    Ok(MisAnswer::Refused(reason)) => {
                        store.mark_rejected(id, now, reason)?;
                        report.bookings_refused += 1;
                        seen.alerts.push(alert::refused(id, reason, now));
                    }
                    Err(_) => {}
                }
                report.results_read += 1;
                if let Err(e) = session.ack_result(&r) {
                    report.errors.push(e.to_string());
                }
            }
        }
        Err(e) => seen
            .alerts
            .push(alert::ftp_failed(&cfg.host, &e.to_string(), now)),
    }
    engine.end_ftp(session, now);
    let minutes = engine.settings().booking.answer_timeout_minutes;
    seen.checked.insert(alert::UNANSWERED);
    for b in store.awaiting_answer(now - Duration::minutes(i64::from(minutes)), 100)? {
        seen.alerts.push(alert::unanswered(b.id, minutes, now));
    }
    Ok(())
}

/// The ProDoctorov upload when due (after the outbox, so the holds it exports are current).
fn upload_to_prodoctorov(
    engine: &Engine,
    now: DateTime<Utc>,
    report: &mut TickReport,
    seen: &mut Seen,
) {
    use super::prodoctorov::{upload_failed_alert, ConnectorError, UPLOAD_ALERT};
    match engine.prodoctorov_upload_step(now, false) {
        Ok(r) => {
            report.prodoctorov_upload = Some(r.outcome);
            match r.outcome {
                "ok" | "unchanged" => {
                    seen.checked.insert(UPLOAD_ALERT);
                }
                "failed" => {
                    seen.checked.insert(UPLOAD_ALERT);
                    seen.alerts.push(upload_failed_alert(&r, now));
                }
                _ => {}
            }
        }
        // Switched off: a problem of the upload is over.
        Err(ConnectorError::NotConfigured(_)) => {
            seen.checked.insert(UPLOAD_ALERT);
        }
        Err(ConnectorError::Storage(e)) => report.errors.push(e.to_string()),
    }
}

/// Whether the "database down" mail is due: a marker file per database remembers the last one.
fn db_alert_due(engine: &Engine, now: DateTime<Utc>) -> bool {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.settings().db.target().hash(&mut h);
    let marker = std::env::temp_dir().join(format!("priem-db-alert-{:016x}", h.finish()));
    let remind = engine.settings().remind_after;
    let recent = std::fs::metadata(&marker)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age < remind);
    if recent {
        return false;
    }
    let _ = std::fs::write(&marker, now.to_rfc3339());
    true
}

fn send_alerts(
    engine: &Engine,
    now: DateTime<Utc>,
    report: &mut TickReport,
    seen: Seen,
) -> Result<(), StorageError> {
    let store = engine.store();
    let settings = engine.settings();
    let remind = Duration::from_std(settings.remind_after).unwrap_or_else(|_| Duration::hours(24));
    let mail_one = |subject: &str, body: &str, report: &mut TickReport| -> Result<(), String> {
        let Some(cfg) = &settings.mail else {
            return Err("почта не настроена".into());
        };
        match mail::send(cfg, subject, body) {
            Ok(protection) => {
                let _ = engine.note_protection(Link::Mail, &protection, now);
                report.mails_sent += 1;
                Ok(())
            }
            Err(e) => {
                report.mails_failed += 1;
                Err(e.to_string())
            }
        }
    };
    // Mails an alert that the store says to mail; a failed mail stays due for the next tick.
    let deliver =
        |key: &str, kind: &str, subject: &str, body: &str, report: &mut TickReport| match mail_one(
            subject, body, report,
        ) {
            Ok(()) if alert::is_event(kind) => {
                let _ = store.resolve_alerts(&[key], now);
            }
            Ok(()) => {}
            Err(e) => {
                let _ = store.alert_send_failed(key, &e);
            }
        };
    let mut keys = Vec::new();
    for a in &seen.alerts {
        if keys.contains(&a.key) {
            continue;
        }
        keys.push(a.key.clone());
        report.alerts_raised += 1;
        match store.raise_alert(&a.key, a.kind, &a.text(), now, remind)? {
            AlertAction::SendNew => deliver(&a.key, a.kind, a.subject(), &a.body, report),
            AlertAction::SendReminder => {
                let subject = format!("Напоминание: {}", a.subject());
                deliver(&a.key, a.kind, &subject, &a.body, report)
            }
            AlertAction::Nothing => {}
        }
    }
    // Mails that failed before (or alerts raised outside a tick, like a refusal at booking
    // time) go out now.
    for a in store.open_alerts()? {
        if a.last_sent.is_some() || keys.contains(&a.key) || settings.mail.is_none() {
            continue;
        }
        if store.raise_alert(&a.key, &a.kind, &a.text, now, remind)? == AlertAction::SendNew {
            let (subject, body) = alert::split_text(&a.text);
            deliver(&a.key, &a.kind, subject, body, report);
        }
    }
    let kinds: Vec<&str> = seen.checked.into_iter().collect();
    let mut resolved = store.resolve_missing_alerts_of_kinds(&kinds, &keys, now)?;
    let fixed: Vec<&String> = seen.fixed.iter().filter(|k| !keys.contains(k)).collect();
    resolved.extend(store.resolve_alerts(&fixed, now)?);
    for r in resolved {
        report.alerts_resolved += 1;
        let a = alert::resolved(&r.key, &r.text, r.first_seen, now);
        if let (Err(e), Some(_)) = (mail_one(a.subject(), &a.body, report), &settings.mail) {
            // Keep the announcement as an alert of its own, mailed by a later tick (with no
            // mail configured there is nothing to retry).
            store.raise_alert(&a.key, a.kind, &a.text(), now, remind)?;
            store.alert_send_failed(&a.key, &e)?;
        }
    }
    Ok(())
}
