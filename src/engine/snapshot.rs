//! One schedule snapshot, whether the cron tick took it from FTP or the MIS pushed it over
//! HTTP: read, imported, counted into the run's report, its problems noted as alerts (a
//! document that cannot be read, a doctor left out, cells left out) along with the ones it
//! shows fixed; then what follows an import — the bookings in «проверить в МИС» it settles and
//! the confirmed ones it reconciles. The tick mails the alerts at its end; a push records a run
//! of its own and leaves the mail to the next tick.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::alert::{self, Origin};
use super::settings::WhenLost;
use super::tick::{Seen, TickReport};
use super::{Engine, EngineError};
use crate::storage::{ImportReport, Reconciled, RunId, RunSummary, SnapshotInfo, StorageError};
use crate::wire::schedule::{self, DoctorError};

/// What importing one snapshot did.
#[derive(Debug, Clone)]
pub struct Imported {
    pub report: ImportReport,
    /// The bookings in «проверить в МИС» it settled.
    pub settled: Settled,
    /// The confirmed bookings it found shown or missing in the MIS.
    pub reconciled: Reconciled,
    /// Doctors left out of the snapshot: each keeps its previous schedule.
    pub rejected: Vec<DoctorError>,
    /// Cells left out of the doctors that were imported: their times are not offered.
    pub bad_cells: Vec<DoctorError>,
}

/// What a snapshot settled of the bookings in «проверить в МИС» (see
/// [`Engine::settle_checks`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    /// The MIS shows the time busy: confirmed.
    pub confirmed: usize,
    /// The MIS shows the time free: lost (sent again or refused).
    pub lost: usize,
}

/// What became of one snapshot.
pub(super) enum Snapshot {
    /// Imported (doctors or cells may have been left out, see [`Imported`]), with the
    /// document's sha256 (lowercase hex).
    Imported(Box<Imported>, String),
    /// Not readable at all (not UTF-8, not a schedule document): nothing imported. Why, in
    /// Russian.
    Unreadable(String),
}

/// Reads and imports one snapshot, adds its counts to `report` and its problems (and the
/// problems it shows fixed) to `seen`. An unreadable document counts as a failed file.
#[allow(clippy::too_many_arguments)]
pub(super) fn import(
    engine: &Engine,
    origin: Origin,
    bytes: &[u8],
    produced_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    run: Option<RunId>,
    report: &mut TickReport,
    seen: &mut Seen,
) -> Result<Snapshot, StorageError> {
    let digest = format!("{:x}", Sha256::digest(bytes));
    let parsed = std::str::from_utf8(bytes)
        .map_err(|e| format!("не UTF-8: неверный байт на позиции {}", e.valid_up_to()))
        .and_then(|text| schedule::outline(text).map_err(|e| e.to_string()));
    let outline = match parsed {
        Ok(s) => s,
        Err(why) => {
            report.files_failed += 1;
            seen.alerts.push(alert::bad_file(origin, &why, now));
            return Ok(Snapshot::Unreadable(why));
        }
    };
    let info = SnapshotInfo { run, produced_at };
    let (s, doctors) = engine.import_outline(&outline, now, info)?;
    report.checks_confirmed += s.settled.confirmed;
    report.checks_lost += s.settled.lost;
    report.bookings_seen += s.reconciled.seen;
    report.bookings_missing += s.reconciled.missing;
    report.files_imported += 1;
    report.slots_inserted += s.report.slots_inserted;
    report.slots_deleted += s.report.slots_deleted;
    report.doctors_rejected += s.rejected.len();
    report.cells_rejected += s.bad_cells.len();
    for d in &s.rejected {
        seen.alerts.push(alert::bad_doctor(d, origin, now));
    }
    let mut bad_cells: BTreeMap<(&str, &str), Vec<&DoctorError>> = BTreeMap::new();
    for c in &s.bad_cells {
        bad_cells.entry((&c.filial, &c.doctor)).or_default().push(c);
    }
    for cells in bad_cells.values() {
        seen.alerts.push(alert::bad_cells(cells, origin, now));
    }
    seen.fixed.push(alert::bad_file_key(origin.name()));
    // Alerts raised by the same run win over these.
    for (filial, doctor) in &doctors {
        seen.fixed.push(alert::bad_doctor_key(filial, doctor));
        seen.fixed.push(alert::bad_cells_key(filial, doctor));
    }
    Ok(Snapshot::Imported(Box::new(s), digest))
}

/// What the MIS's push came to.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// The sync run that recorded it.
    pub run: RunId,
    /// The import; `Err`: the document could not be read at all (why, in Russian), nothing
    /// was imported and the schedule is kept.
    pub imported: Result<Imported, String>,
    /// The run's counts (the tick's report, `source` `push`).
    pub report: TickReport,
}

impl Engine {
    /// Parses and imports one snapshot (an HTTP push, or a file already downloaded).
    pub fn import_json(
        &self,
        json: &str,
        now: DateTime<Utc>,
        produced_at: Option<DateTime<Utc>>,
    ) -> Result<Imported, EngineError> {
        let outline = crate::wire::schedule::outline(json)?;
        let info = SnapshotInfo {
            run: None,
            produced_at,
        };
        Ok(self.import_outline(&outline, now, info)?.0)
    }

    /// Imports a snapshot read as far as its outline, then settles and reconciles the bookings
    /// of the doctors it replaced. Also returns those doctors' (filial, doctor) codes.
    pub(crate) fn import_outline(
        &self,
        outline: &crate::wire::schedule::Outline,
        now: DateTime<Utc>,
        info: SnapshotInfo,
    ) -> Result<(Imported, Vec<(String, String)>), StorageError> {
        let produced_at = info.produced_at;
        let i = self
            .store
            .import_schedule(outline, &self.settings.zones, now, info)?;
        let (settled, reconciled) = self.after_import(&i.doctors, produced_at, now)?;
        let imported = Imported {
            report: i.report,
            settled,
            reconciled,
            rejected: i.rejected,
            bad_cells: i.bad_cells,
        };
        Ok((imported, i.doctors))
    }

    /// What follows the import of snapshot `s`, produced by the MIS at `produced_at`: the
    /// bookings in «проверить в МИС» are settled ([`Engine::settle_checks`]), then the confirmed
    /// ones reconciled (`storage::reconcile`), both for the doctors it replaced.
    pub(crate) fn after_import(
        &self,
        imported: &[(String, String)],
        produced_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(Settled, Reconciled), StorageError> {
        let doctors: std::collections::HashSet<(&str, &str)> = imported
            .iter()
            .map(|(f, d)| (f.as_str(), d.as_str()))
            .collect();
        let settled = self.settle_checks(&doctors, produced_at, now)?;
        let minutes = self.settings.booking.reconcile_minutes;
        let reconciled = if minutes == 0 {
            Reconciled::default()
        } else {
            let grace = Duration::minutes(i64::from(minutes));
            self.store.reconcile(&doctors, produced_at, grace, now)?
        };
        Ok((settled, reconciled))
    }

    /// The `check` bookings of `doctors` (the ones a snapshot replaced) whose "taken" answer
    /// came before the MIS produced the snapshot (`produced_at`; `None`: unknown, nothing is
    /// settled) are settled by what it shows. The time busy: the first attempt did book it,
    /// `confirmed`. Free (or no such cell): the booking was lost, sent again or refused as
    /// `booking.when_lost` says, and the clinic is mailed (by the next tick). Past bookings are
    /// left alone.
    fn settle_checks(
        &self,
        doctors: &std::collections::HashSet<(&str, &str)>,
        produced_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Settled, StorageError> {
        let mut settled = Settled::default();
        let Some(produced) = produced_at else {
            return Ok(settled);
        };
        let when_lost = self.settings.booking.when_lost;
        for b in self.store.bookings_in_check()? {
            let answered_before = b.answered_at.is_some_and(|a| a <= produced);
            if b.start_utc < now
                || !answered_before
                || !doctors.contains(&(b.filial.as_str(), b.doctor.as_str()))
            {
                continue;
            }
            if self.store.mis_shows_free(&b)? == Some(false) {
                self.store.mark_confirmed(b.id, now, None)?;
                settled.confirmed += 1;
                continue;
            }
            let note = "МИС не показывает запись в расписании: первая попытка не дошла";
            let changed = match when_lost {
                WhenLost::Retry => self.store.send_again(b.id, now, note)?,
                WhenLost::Refuse => {
                    self.store.mark_rejected(b.id, now, note)?;
                    true
                }
            };
            if changed {
                settled.lost += 1;
                // Mailed by the tick, like a refusal at booking time.
                self.queue_alert(&alert::lost(&b, when_lost, produced, now), now)?;
            }
        }
        Ok(settled)
    }

    /// The MIS's HTTP push of a snapshot (`push.php`), taken as the tick takes a file from FTP:
    /// recorded as a sync run (file [`alert::PUSH_NAME`], counts' `source` `push`) whose rows
    /// the import marks, its problems raised as the tick raises them — a document that cannot
    /// be read, a doctor or cells left out — and the ones it shows fixed resolved. The mails
    /// (and the announcements of what was resolved) go out with the next tick: the MIS's
    /// request does not wait for SMTP.
    pub fn push(&self, bytes: &[u8], now: DateTime<Utc>) -> Result<Pushed, StorageError> {
        let started = Instant::now();
        let store = self.store();
        let run = store.start_run(now, Some(alert::PUSH_NAME))?;
        let mut report = TickReport {
            source: "push",
            ran: true,
            ..TickReport::default()
        };
        let mut seen = Seen::default();
        let imported = import(
            self,
            Origin::Push,
            bytes,
            Some(now),
            now,
            Some(run),
            &mut report,
            &mut seen,
        );
        let (imported, sha256) = match imported {
            Ok(Snapshot::Imported(i, digest)) => (Ok(*i), Some(digest)),
            Ok(Snapshot::Unreadable(why)) => (Err(why), None),
            Err(e) => {
                report.errors.push(e.to_string());
                report.seconds = started.elapsed().as_secs_f64();
                let _ = store.finish_run(run, Utc::now(), &summary(&report, None));
                return Err(e);
            }
        };
        if let Err(e) = self.queue_seen(seen, now, &mut report) {
            report.errors.push(e.to_string());
        }
        report.seconds = started.elapsed().as_secs_f64();
        store.finish_run(run, Utc::now(), &summary(&report, sha256))?;
        Ok(Pushed {
            run,
            imported,
            report,
        })
    }

    /// Raises what `seen` holds for the next tick to mail and resolves what it saw fixed.
    fn queue_seen(
        &self,
        seen: Seen,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), StorageError> {
        let mut keys: Vec<String> = Vec::new();
        for a in &seen.alerts {
            if keys.contains(&a.key) {
                continue;
            }
            keys.push(a.key.clone());
            report.alerts_raised += 1;
            self.queue_alert(a, now)?;
        }
        let fixed: Vec<&String> = seen.fixed.iter().filter(|k| !keys.contains(k)).collect();
        for r in self.store().resolve_alerts(&fixed, now)? {
            report.alerts_resolved += 1;
            // Announced by mail as the tick does, if it was mailed at all (and mail is set up).
            if r.mails > 0 && self.settings().mail.is_some() {
                self.queue_alert(&alert::resolved(&r.key, &r.text, r.first_seen, now), now)?;
            }
        }
        Ok(())
    }
}

fn summary(report: &TickReport, sha256: Option<String>) -> RunSummary {
    RunSummary {
        ok: report.errors.is_empty() && report.files_failed == 0,
        file: None,
        sha256,
        counts: serde_json::to_value(report).unwrap_or_default(),
        errors: report.errors.clone(),
    }
}
