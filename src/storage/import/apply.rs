//! The import's transaction: lock and read what is stored, write the filials, remove the
//! doctors gone from the snapshot, then doctor by doctor: keep one whose JSON is unchanged (only
//! trimming the times that became past), or read, normalize and compare his days, and write the
//! differences; finally release the holds the MIS now shows itself.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use mysql::Value;

use super::db::{Answer, Db};
use super::plan::{digest16, DayDigest, DoctorPlan, NewDay};
use super::read::{
    read_days, read_doctors, read_packed, read_rows, DoctorKey, StoredDay, StoredDoctor, Wanted,
};
use super::write::{release_holds, touch_doctors, Writer};
use super::{validate_doctor, ImportReport, ImportedSnapshot, SnapshotInfo, CODE_MAX, NAME_MAX};
use crate::domain::schedule::{normalize_doctor, Slot};
use crate::domain::zone::{UtcConverter, Zones};
use crate::storage::packed::{pack_rows, unpack, StoredRow};
use crate::storage::{check_len, db_time, exec, placeholders, Result};
use crate::wire::schedule::{Copies, Outline, Read};

/// Doctors whose changed days wait for their stored copies, read for several doctors at once
/// (two such batches are held: one being read, one being compared).
const PENDING_DAYS: usize = 60;

/// The digest of a doctor's JSON as sent, in his filial's zone: equal digests mean the same
/// cells, times and names. XXH3-128, not SHA-256: every byte of every snapshot goes through it
/// (80 MB in ~6 ms instead of ~60 ms), and what it guards against is an accidental match, not
/// a forged one (the MIS that could forge one writes the schedule anyway).
fn raw_digest(zone: Tz, json: &str) -> DayDigest {
    let body = twox_hash::XxHash3_128::oneshot(json.as_bytes());
    let mut outer = Vec::with_capacity(64);
    outer.extend_from_slice(b"priem doctor v2\0");
    outer.extend_from_slice(zone.name().as_bytes());
    outer.push(0);
    outer.extend_from_slice(&body.to_le_bytes());
    twox_hash::XxHash3_128::oneshot(&outer).to_le_bytes()
}

/// A doctor whose stored days must be read before his writes: the days that changed (with
/// the cells they have now), or, for a doctor kept as he was, the days that are partly past.
struct Pending<'a> {
    filial: String,
    doctor: String,
    /// The doctor's plan (`None`: kept, only trimming).
    plan: Option<DoctorPlan<'a>>,
    /// (index into the plan's days, or unused for trims; the stored day).
    days: Vec<(usize, StoredDay)>,
}

/// Pending doctors whose stored days are being read.
struct Fetched<'a> {
    pending: Vec<Pending<'a>>,
    packed: Option<Answer<Vec<Option<Vec<u8>>>>>,
    rows: Option<Answer<Vec<Vec<StoredRow<'static>>>>>,
}

pub(super) struct Import<'s, 'a> {
    pub(super) outline: &'s Outline<'a>,
    pub(super) zones: &'s Zones,
    pub(super) now: DateTime<Utc>,
    pub(super) snap: SnapshotInfo,
    pub(super) bulk: bool,
}

impl<'a> Import<'_, 'a> {
    /// Runs the import; the slot rows deleted by the queued jobs are counted by `db`.
    pub(super) fn run(&self, db: &Db<'_>) -> Result<ImportedSnapshot> {
        let o = self.outline;
        let now = db_time(self.now);
        let mut out = ImportedSnapshot::default();
        out.report.filials = o.filials.len();
        let filials: Vec<String> = o.filials.iter().map(|f| f.code.to_string()).collect();
        if filials.is_empty() {
            return Ok(out);
        }
        // 1. Lock the stored days of these filials first (before any consistent read), so a
        //    concurrent rejection, which zeroes a day's digest, is either fully seen or waits.
        let f = filials.clone();
        let mut stored_days = db.call(move |tx| read_days(tx, &f))?;
        let f = filials.clone();
        let stored_doctors = db.call(move |tx| read_doctors(tx, &f))?;
        // 2. Filials.
        self.upsert_filials(db, now)?;
        // 3. Doctors gone from a listed filial (a rejected one is listed, and keeps everything).
        let listed: HashSet<(&str, &str)> = o
            .doctors
            .iter()
            .map(|d| (&*o.filials[d.filial].code, &*d.code))
            .collect();
        let mut gone: Vec<&DoctorKey> = stored_doctors
            .keys()
            .chain(stored_days.keys())
            .filter(|(f, d)| !listed.contains(&(f.as_str(), d.as_str())))
            .collect();
        gone.sort();
        gone.dedup();
        out.report.doctors_removed = gone.len();
        let gone: Vec<DoctorKey> = gone.into_iter().cloned().collect();
        self.remove_doctors(db, &gone)?;
        for k in &gone {
            stored_days.remove(k);
        }
        // 4. Doctor by doctor.
        let mut w = Writer::new(db, self.bulk);
        let mut pending: Vec<Pending> = Vec::new();
        let mut pending_days = 0;
        let mut inflight: Option<Fetched> = None;
        let mut kept = 0usize;
        for l in &o.doctors {
            let filial = &*o.filials[l.filial].code;
            let zone = self.zones.of(filial);
            let key = (filial.to_owned(), l.code.to_string());
            let days = stored_days.remove(&key).unwrap_or_default();
            let raw = raw_digest(zone, l.json);
            if l.copies == Copies::One && unchanged(stored_doctors.get(&key), &days, &raw, now) {
                out.report.doctors += 1;
                kept += 1;
                out.doctors.push(key.clone());
                if let Some(p) = self.keep(&mut w, key, days, &mut out.report)? {
                    pending_days += p.days.len();
                    pending.push(p);
                }
            } else {
                match l.read() {
                    Read::Skipped => continue,
                    Read::Rejected(r) => {
                        out.rejected.push(r);
                        continue;
                    }
                    Read::Doctor(d, mut bad) => {
                        let mut slots = Vec::new();
                        let mut conv = UtcConverter::new(zone);
                        let doctor = normalize_doctor(
                            &mut conv, filial, d, l.filial, 0, &mut slots, &mut bad,
                        );
                        validate_doctor(filial, &doctor.code, &doctor.name, &slots)?;
                        let specialties = doctor.specialties.join(", ");
                        w.doctor(vec![
                            filial.into(),
                            (&*doctor.code).into(),
                            (&*doctor.name).into(),
                            specialties.into(),
                            if bad.is_empty() {
                                raw.to_vec().into()
                            } else {
                                Value::NULL
                            },
                            now.into(),
                            now.into(),
                        ])?;
                        out.report.doctors += 1;
                        out.doctors.push(key.clone());
                        out.bad_cells.extend(bad);
                        let plan = DoctorPlan::new(slots, self.now);
                        if let Some(p) = self.compare(&mut w, key, plan, days, &mut out.report)? {
                            pending_days += p.days.len();
                            pending.push(p);
                        }
                    }
                }
            }
            if pending_days >= PENDING_DAYS {
                // The stored copies of this batch are read while the next doctors are; the
                // batch before is compared and written meanwhile.
                let next = self.fetch(w.db(), std::mem::take(&mut pending))?;
                if let Some(before) = inflight.replace(next) {
                    self.resolve(&mut w, before, &mut out.report)?;
                }
                pending_days = 0;
            }
        }
        if let Some(before) = inflight.take() {
            self.resolve(&mut w, before, &mut out.report)?;
        }
        let last = self.fetch(w.db(), pending)?;
        self.resolve(&mut w, last, &mut out.report)?;
        w.finish()?;
        if kept > 0 {
            let (f, rejected) = (filials.clone(), out.rejected.clone());
            db.run(move |tx| touch_doctors(tx, &f, &rejected, now).map(|()| 0))?;
        }
        out.report.doctors_kept = out.rejected.len();
        // 5. Holds.
        let rejected = out.rejected.clone();
        let produced = self.snap.produced_at.map(db_time);
        out.report.holds_released +=
            db.call(move |tx| release_holds(tx, &filials, &rejected, now, produced))?;
        Ok(out)
    }

    fn upsert_filials(&self, db: &Db<'_>, now: NaiveDateTime) -> Result<()> {
        let o = self.outline;
        for f in &o.filials {
            check_len(|| "код филиала".into(), &f.code, CODE_MAX)?;
            if let Some(n) = &f.name {
                check_len(|| format!("название филиала {}", f.code), n, NAME_MAX)?;
            }
        }
        let mut params = Vec::with_capacity(o.filials.len() * 5);
        for f in &o.filials {
            params.extend([
                (&*f.code).into(),
                f.name.as_deref().map_or(Value::NULL, Value::from),
                self.zones.of(&f.code).name().into(),
                now.into(),
                now.into(),
            ]);
        }
        let groups = vec![format!("({})", placeholders(5)); o.filials.len()].join(",");
        let sql = format!(
            "INSERT INTO Priem_Filial (code, name, zone, first_seen, last_seen) VALUES {groups} \
             ON DUPLICATE KEY UPDATE name = COALESCE(VALUES(name), name), zone = VALUES(zone), \
             last_seen = VALUES(last_seen)"
        );
        db.run(move |tx| exec(tx, "импорт: названия филиалов", &sql, params).map(|_| 0))
    }

    /// Deletes the slots, days and names of the doctors `gone`.
    fn remove_doctors(&self, db: &Db<'_>, gone: &[DoctorKey]) -> Result<()> {
        for chunk in gone.chunks(super::KEY_BATCH) {
            let conds = vec!["(filial=? AND doctor=?)"; chunk.len()].join(" OR ");
            let doctors = vec!["(filial=? AND code=?)"; chunk.len()].join(" OR ");
            let params: Vec<Value> = chunk
                .iter()
                .flat_map(|(f, d)| [f.as_str().into(), d.as_str().into()])
                .collect();
            db.run(move |tx| {
                let slots = exec(
                    tx,
                    "импорт: удаление расписания выбывших врачей",
                    &format!("DELETE FROM Priem_Slot WHERE {conds}"),
                    params.clone(),
                )?;
                exec(
                    tx,
                    "импорт: удаление дней выбывших врачей",
                    &format!("DELETE FROM Priem_Day WHERE {conds}"),
                    params.clone(),
                )?;
                exec(
                    tx,
                    "импорт: удаление выбывших врачей",
                    &format!("DELETE FROM Priem_Doctor WHERE {doctors}"),
                    params,
                )?;
                Ok(slots)
            })?;
        }
        Ok(())
    }

    /// A doctor whose JSON is what was last imported: his stored days stay, except that days
    /// now past are removed and days partly past lose their past times (as reading him again
    /// would do). Returns the partly past days, which need their packed copies.
    fn keep(
        &self,
        w: &mut Writer,
        (filial, doctor): DoctorKey,
        days: Vec<StoredDay>,
        report: &mut ImportReport,
    ) -> Result<Option<Pending<'a>>> {
        let now = db_time(self.now);
        let mut trim = Vec::new();
        for day in days {
            if day.last < now {
                remove_day(w, &filial, &doctor, &day)?;
                report.days_removed += 1;
            } else if day.first < now {
                trim.push((0, day));
            } else {
                report.days_unchanged += 1;
            }
        }
        Ok((!trim.is_empty()).then_some(Pending {
            filial,
            doctor,
            plan: None,
            days: trim,
        }))
    }

    /// Step 4 for a doctor read anew: sorts his days into unchanged (counted only), added
    /// (written now), changed (returned: they need the stored copies) and removed (deleted).
    fn compare(
        &self,
        w: &mut Writer,
        (filial, doctor): DoctorKey,
        plan: DoctorPlan<'a>,
        stored: Vec<StoredDay>,
        report: &mut ImportReport,
    ) -> Result<Option<Pending<'a>>> {
        report.cells_past += plan.cells_past;
        let mut stored: HashMap<_, StoredDay> = stored.into_iter().map(|d| (d.date, d)).collect();
        let mut changed = Vec::new();
        for (k, day) in plan.days.iter().enumerate() {
            match stored.remove(&day.date) {
                Some(old) if old.digest == day.digest => report.days_unchanged += 1,
                Some(old) => changed.push((k, old)),
                None => {
                    report.days_added += 1;
                    report.slots_inserted += (day.to - day.from) as u64;
                    for c in plan.cells(day) {
                        w.slot(self.slot_row(&filial, &doctor, c))?;
                    }
                    w.day(self.day_row(&filial, &doctor, &plan, day))?;
                }
            }
        }
        // What is left in `stored` are days the snapshot no longer has.
        let mut removed: Vec<StoredDay> = stored.into_values().collect();
        removed.sort_by_key(|d| d.date);
        for day in &removed {
            remove_day(w, &filial, &doctor, day)?;
        }
        report.days_removed += removed.len();
        report.days_changed += changed.len();
        Ok((!changed.is_empty()).then_some(Pending {
            filial,
            doctor,
            plan: Some(plan),
            days: changed,
        }))
    }

    /// Queues the reads of the stored copies of the pending doctors' days: their packed
    /// copies, or their rows where there is none.
    fn fetch(&self, db: &Db<'_>, pending: Vec<Pending<'a>>) -> Result<Fetched<'a>> {
        if pending.is_empty() {
            return Ok(Fetched {
                pending,
                packed: None,
                rows: None,
            });
        }
        let wanted = |packed: bool| -> Vec<Wanted> {
            pending
                .iter()
                .flat_map(|p| p.days.iter().map(move |(_, d)| (p, d)))
                .filter(|(_, d)| d.has_packed == packed)
                .map(|(p, d)| (p.filial.clone(), p.doctor.clone(), d.clone()))
                .collect()
        };
        let (with, without) = (wanted(true), wanted(false));
        let packed = db.ask(move |tx| read_packed(tx, &with))?;
        let rows = db.ask(move |tx| read_rows(tx, &without))?;
        Ok(Fetched {
            pending,
            packed: Some(packed),
            rows: Some(rows),
        })
    }

    /// Compares the fetched doctors' days with their stored copies and writes what differs.
    fn resolve(
        &self,
        w: &mut Writer,
        fetched: Fetched<'a>,
        report: &mut ImportReport,
    ) -> Result<()> {
        let Fetched {
            pending,
            packed,
            rows,
        } = fetched;
        let (Some(packed), Some(rows)) = (packed, rows) else {
            return Ok(());
        };
        let db = w.db();
        let mut packed = packed.wait()?.into_iter();
        let mut rows = rows.wait()?.into_iter();
        for p in &pending {
            for (k, old) in &p.days {
                let bytes;
                let old_rows: Vec<StoredRow> = if old.has_packed {
                    bytes = packed.next().flatten();
                    match bytes.as_deref().map(unpack) {
                        Some(Some(r)) => r,
                        // A copy that cannot be read (or was dropped since): its rows are.
                        _ => {
                            let one = vec![(p.filial.clone(), p.doctor.clone(), old.clone())];
                            db.call(move |tx| read_rows(tx, &one))?
                                .pop()
                                .unwrap_or_default()
                        }
                    }
                } else {
                    rows.next().unwrap_or_default()
                };
                match &p.plan {
                    Some(plan) => {
                        let day = &plan.days[*k];
                        let diff = diff_day(plan.cells(day), old_rows);
                        report.slots_inserted += diff.inserted;
                        report.slots_updated += diff.updated;
                        for start in diff.delete {
                            // With its date: a row another day of the doctor has taken over
                            // (same UTC start, after a zone change) is not this day's.
                            w.delete_slots(
                                "(filial=? AND doctor=? AND start_utc=? AND date=?)",
                                [
                                    p.filial.as_str().into(),
                                    p.doctor.as_str().into(),
                                    start.into(),
                                    old.date.into(),
                                ],
                            )?;
                        }
                        for c in diff.write {
                            w.slot(self.slot_row(&p.filial, &p.doctor, c))?;
                        }
                        w.day(self.day_row(&p.filial, &p.doctor, plan, day))?;
                    }
                    None => self.trim(w, p, old, old_rows, report)?,
                }
            }
        }
        Ok(())
    }

    /// A day of a kept doctor that is partly past: its past rows go, the rest is its new copy.
    fn trim(
        &self,
        w: &mut Writer,
        p: &Pending,
        old: &StoredDay,
        mut rows: Vec<StoredRow>,
        report: &mut ImportReport,
    ) -> Result<()> {
        let now = db_time(self.now);
        rows.sort_by_key(|r| r.start_utc);
        let past = rows.partition_point(|r| r.start_utc < now);
        rows.drain(..past);
        w.delete_slots(
            "(filial=? AND doctor=? AND start_utc >= ? AND start_utc < ? AND date=?)",
            [
                p.filial.as_str().into(),
                p.doctor.as_str().into(),
                old.first.into(),
                now.into(),
                old.date.into(),
            ],
        )?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            report.days_removed += 1;
            return w.delete_days(
                "(filial=? AND doctor=? AND date=?)",
                [
                    p.filial.as_str().into(),
                    p.doctor.as_str().into(),
                    old.date.into(),
                ],
            );
        };
        report.days_changed += 1;
        let mut packed = Vec::new();
        pack_rows(rows.iter(), &mut packed);
        let (first, last) = (first.start_utc, last.start_utc);
        w.day(vec![
            p.filial.as_str().into(),
            p.doctor.as_str().into(),
            old.date.into(),
            digest16(&packed).to_vec().into(),
            (rows.len() as u64).into(),
            packed.into(),
            first.into(),
            last.into(),
            self.run_id(),
            now.into(),
        ])
    }

    fn run_id(&self) -> Value {
        self.snap.run.map_or(Value::NULL, Value::from)
    }

    fn slot_row(&self, filial: &str, doctor: &str, c: &Slot) -> Vec<Value> {
        vec![
            filial.into(),
            doctor.into(),
            db_time(c.start_utc).into(),
            db_time(c.end_utc).into(),
            c.date.into(),
            c.start.into(),
            c.end.into(),
            c.free.into(),
            (&*c.room).into(),
            self.run_id(),
        ]
    }

    fn day_row(&self, filial: &str, doctor: &str, plan: &DoctorPlan, day: &NewDay) -> Vec<Value> {
        vec![
            filial.into(),
            doctor.into(),
            day.date.into(),
            day.digest.to_vec().into(),
            ((day.to - day.from) as u64).into(),
            plan.packed(day).into(),
            day.first.into(),
            day.last.into(),
            self.run_id(),
            db_time(self.now).into(),
        ]
    }
}

/// Whether a doctor's JSON is what was last imported for him, with nothing left out then, at
/// an earlier `now`, and every stored day of his is as that import wrote it (a rejection by the
/// MIS drops a day's packed copy).
fn unchanged(
    stored: Option<&StoredDoctor>,
    days: &[StoredDay],
    raw: &DayDigest,
    now: NaiveDateTime,
) -> bool {
    stored.is_some_and(|s| s.raw_digest.as_deref() == Some(raw) && s.last_seen <= now)
        && days.iter().all(|d| d.has_packed)
}

/// Deletes a stored day and its rows.
fn remove_day(w: &mut Writer, filial: &str, doctor: &str, day: &StoredDay) -> Result<()> {
    w.delete_slots(
        "(filial=? AND doctor=? AND start_utc BETWEEN ? AND ? AND date=?)",
        [
            filial.into(),
            doctor.into(),
            day.first.into(),
            day.last.into(),
            day.date.into(),
        ],
    )?;
    w.delete_days(
        "(filial=? AND doctor=? AND date=?)",
        [filial.into(), doctor.into(), day.date.into()],
    )
}

/// What a changed day needs written.
struct DayDiff<'c, 'a> {
    /// Cells whose row is new or differs.
    write: Vec<&'c Slot<'a>>,
    inserted: u64,
    updated: u64,
    /// Stored rows (by start) the snapshot no longer has.
    delete: Vec<NaiveDateTime>,
}

/// Merges a changed day's new cells (sorted by UTC start) with its stored rows.
fn diff_day<'c, 'a>(new: &'c [Slot<'a>], mut old: Vec<StoredRow<'_>>) -> DayDiff<'c, 'a> {
    old.sort_by_key(|r| r.start_utc);
    let mut out = DayDiff {
        write: Vec::new(),
        inserted: 0,
        updated: 0,
        delete: Vec::new(),
    };
    let mut o = old.into_iter().peekable();
    for c in new {
        let key = db_time(c.start_utc);
        while let Some(r) = o.next_if(|r| r.start_utc < key) {
            out.delete.push(r.start_utc);
        }
        match o.next_if(|r| r.start_utc == key) {
            Some(r) => {
                let same = r.end_utc == db_time(c.end_utc)
                    && r.start == c.start
                    && r.end == c.end
                    && r.free == c.free
                    && r.room == c.room;
                if !same {
                    out.updated += 1;
                    out.write.push(c);
                }
            }
            None => {
                out.inserted += 1;
                out.write.push(c);
            }
        }
    }
    out.delete.extend(o.map(|r| r.start_utc));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_raw_digest_covers_the_zone_and_every_byte() {
        let a = raw_digest(chrono_tz::Europe::Moscow, r#"{"cells":[]}"#);
        assert_eq!(a, raw_digest(chrono_tz::Europe::Moscow, r#"{"cells":[]}"#));
        assert_ne!(
            a,
            raw_digest(chrono_tz::Asia::Yekaterinburg, r#"{"cells":[]}"#)
        );
        assert_ne!(a, raw_digest(chrono_tz::Europe::Moscow, r#"{"cells": []}"#));
    }
}
