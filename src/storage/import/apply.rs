//! The import's transaction, step by step: lock and read what is stored, write the names,
//! remove the doctors gone from the snapshot, compare the days, diff the changed ones, write
//! the differences, release the holds the MIS now shows itself.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use mysql::{Transaction, Value};

use super::plan::Plan;
use super::read::{read_days, read_doctors, read_rows, StoredDay};
use super::write::{
    delete_where, doctor_conds, insert_slots, release_holds, upsert_doctors, upsert_filials,
};
use super::{ImportReport, SnapshotInfo};
use crate::domain::schedule::Schedule;
use crate::storage::packed::{unpack, StoredRow};
use crate::storage::{db_time, Result};

/// The stored days of the listed filials, by filial (read and locked in step 1).
type StoredDays = Vec<(String, Vec<StoredDay>)>;

/// The snapshot's doctors by (filial, doctor) code, and the ones the parser rejected.
struct Doctors<'s> {
    /// Index into the schedule's doctors.
    present: HashMap<(&'s str, &'s str), u32>,
    rejected: HashSet<(&'s str, &'s str)>,
}

impl<'s> Doctors<'s> {
    fn of(s: &'s Schedule) -> Doctors<'s> {
        Doctors {
            present: s
                .doctors
                .iter()
                .enumerate()
                .map(|(i, d)| ((&*s.filials[d.filial].code, &*d.code), i as u32))
                .collect(),
            rejected: s
                .rejected
                .iter()
                .map(|r| (r.filial.as_str(), r.doctor.as_str()))
                .collect(),
        }
    }
}

/// What the snapshot changes: its days against the stored ones (step 4), and the rows to
/// write for them (step 5).
struct Changes<'a> {
    /// Days stored with another digest: (index into the plan's days, the stored day).
    changed: Vec<(usize, &'a StoredDay)>,
    /// Days not stored before (indices into the plan's days).
    added: Vec<usize>,
    /// Stored days the snapshot no longer has: (doctor index, the stored day).
    removed: Vec<(u32, &'a StoredDay)>,
    /// The rows of the added and changed days that differ from what is stored.
    diff: Diff,
}

impl Plan {
    /// Applies the plan in the import's transaction (see the module docs of `import` for the
    /// replacement rule).
    pub(super) fn apply(
        &self,
        tx: &mut Transaction<'_>,
        s: &Schedule,
        now: DateTime<Utc>,
        snap: SnapshotInfo,
        bulk: bool,
    ) -> Result<ImportReport> {
        let mut report = ImportReport {
            filials: s.filials.len(),
            doctors: s.doctors.len(),
            doctors_kept: s.rejected.len(),
            cells_past: self.cells_past,
            ..ImportReport::default()
        };
        let now_db = db_time(now);
        let filials: Vec<&str> = {
            let mut seen = HashSet::new();
            s.filials
                .iter()
                .map(|f| &*f.code)
                .filter(|c| seen.insert(*c))
                .collect()
        };
        if filials.is_empty() {
            return Ok(report);
        }
        let doctors = Doctors::of(s);

        // 1. Lock the stored days of these filials first (before any consistent read), so a
        //    concurrent rejection, which zeroes a day's digest, is either fully seen or waits.
        let stored_days = read_days(tx, &filials)?;
        let stored_doctors = read_doctors(tx, &filials)?;
        // 2. Names.
        upsert_filials(tx, s, now_db)?;
        upsert_doctors(tx, s, now_db)?;
        // 3. Doctors gone from a listed filial (not rejected ones).
        remove_gone_doctors(tx, &doctors, stored_doctors, &stored_days, &mut report)?;
        // 4. Compare days.
        let mut changes = self.compare_days(&doctors, &stored_days, &mut report);
        // 5. Changed days: compare with their packed copies (or, without one, their rows).
        self.diff_days(tx, s, &mut changes)?;
        report.slots_inserted += changes.diff.insert.len() as u64;
        report.slots_updated += changes.diff.update.len() as u64;
        // 6. Deletes first (a new row may take the key of a deleted one), then inserts.
        report.slots_deleted += self.write_days(tx, s, bulk, snap, now_db, changes)?;
        // 7. Holds.
        report.holds_released += release_holds(tx, &filials, &s.rejected, now_db, snap)?;
        Ok(report)
    }

    /// Step 4: sorts the snapshot's days into unchanged (counted only), changed and added, and
    /// finds the stored days it no longer has.
    fn compare_days<'a>(
        &self,
        doctors: &Doctors,
        stored_days: &'a StoredDays,
        report: &mut ImportReport,
    ) -> Changes<'a> {
        let mut stored: HashMap<(u32, NaiveDate), &StoredDay> = HashMap::new();
        for (f, days) in stored_days {
            for d in days {
                if let Some(&di) = doctors.present.get(&(f.as_str(), d.doctor.as_str())) {
                    stored.insert((di, d.date), d);
                }
            }
        }
        let mut changes = Changes {
            changed: Vec::new(),
            added: Vec::new(),
            removed: Vec::new(),
            diff: Diff::default(),
        };
        for (k, day) in self.days.iter().enumerate() {
            match stored.remove(&(day.doctor, day.date)) {
                Some(old) if old.digest == day.digest => report.days_unchanged += 1,
                Some(old) => changes.changed.push((k, old)),
                None => changes.added.push(k),
            }
        }
        // What is left in `stored` are days the snapshot no longer has.
        changes.removed = stored.into_iter().map(|((di, _), d)| (di, d)).collect();
        changes.removed.sort_by_key(|(di, d)| (*di, d.date));
        report.days_changed = changes.changed.len();
        report.days_added = changes.added.len();
        report.days_removed = changes.removed.len();
        changes
    }

    /// Step 5: what to write — every cell of an added day, and the differences of each changed
    /// day from its packed copy (or, without one, from its stored rows).
    fn diff_days(&self, tx: &mut Transaction<'_>, s: &Schedule, c: &mut Changes) -> Result<()> {
        let diff = &mut c.diff;
        for &k in &c.added {
            let day = &self.days[k];
            diff.insert.extend_from_slice(&self.order[day.from..day.to]);
        }
        if c.changed.is_empty() {
            return Ok(());
        }
        let mut old: Vec<Option<Vec<StoredRow>>> = c
            .changed
            .iter()
            .map(|(_, d)| d.packed.as_deref().and_then(unpack))
            .collect();
        let unread: Vec<usize> = (0..c.changed.len()).filter(|&i| old[i].is_none()).collect();
        if !unread.is_empty() {
            let wanted: Vec<(usize, &StoredDay)> = unread.iter().map(|&i| c.changed[i]).collect();
            for (i, rows) in unread.iter().zip(read_rows(tx, s, &self.days, &wanted)?) {
                old[*i] = Some(rows);
            }
        }
        for ((k, _), rows) in c.changed.iter().zip(old) {
            let day = &self.days[*k];
            let new = &self.order[day.from..day.to];
            diff_day(s, day.doctor, new, rows.unwrap_or_default(), diff);
        }
        Ok(())
    }

    /// Step 6: deletes the removed days and the changed days' gone rows, then writes the new
    /// and changed rows and days. Returns the slot rows deleted.
    fn write_days(
        &self,
        tx: &mut Transaction<'_>,
        s: &Schedule,
        bulk: bool,
        snap: SnapshotInfo,
        now: NaiveDateTime,
        c: Changes,
    ) -> Result<u64> {
        let mut diff = c.diff;
        let mut deleted = 0;
        if !c.removed.is_empty() {
            let conds = doctor_conds(s, &c.removed, "start_utc BETWEEN ? AND ? AND date=?", |d| {
                vec![d.first.into(), d.last.into(), d.date.into()]
            });
            deleted += delete_where(
                tx,
                "import: delete removed days' slots",
                "Priem_Slot",
                &conds,
            )?;
            let conds = doctor_conds(s, &c.removed, "date=?", |d| vec![d.date.into()]);
            delete_where(tx, "import: delete removed days", "Priem_Day", &conds)?;
        }
        if !diff.delete.is_empty() {
            let conds = doctor_conds(s, &diff.delete, "start_utc=?", |t| vec![(*t).into()]);
            deleted += delete_where(tx, "import: delete changed slots", "Priem_Slot", &conds)?;
        }
        // Rows and days that exist are overwritten through the same upsert: with bulk
        // execution that is cheaper than an `UPDATE` per row, which MariaDB plans each time.
        diff.insert.extend_from_slice(&diff.update);
        insert_slots(tx, bulk, s, &diff.insert, snap.run)?;
        let mut days = c.added;
        days.extend(c.changed.iter().map(|(k, _)| *k));
        self.upsert_days(tx, bulk, s, &days, snap.run, now)?;
        Ok(deleted)
    }
}

/// Step 3: deletes the slots, days and names of the doctors stored for a listed filial that
/// the snapshot no longer has there (a rejected doctor keeps everything).
fn remove_gone_doctors(
    tx: &mut Transaction<'_>,
    doctors: &Doctors,
    stored_doctors: Vec<(String, String)>,
    stored_days: &StoredDays,
    report: &mut ImportReport,
) -> Result<()> {
    let mut gone: Vec<(String, String)> = stored_doctors
        .into_iter()
        .chain(
            stored_days
                .iter()
                .flat_map(|(f, days)| days.iter().map(move |d| (f.clone(), d.doctor.clone()))),
        )
        .filter(|(f, d)| {
            let key = (f.as_str(), d.as_str());
            !doctors.present.contains_key(&key) && !doctors.rejected.contains(&key)
        })
        .collect();
    gone.sort();
    gone.dedup();
    report.doctors_removed = gone.len();
    if gone.is_empty() {
        return Ok(());
    }
    let conds: Vec<(String, Vec<Value>)> = gone
        .iter()
        .map(|(f, d)| {
            (
                "(filial=? AND doctor=?)".to_owned(),
                vec![f.into(), d.into()],
            )
        })
        .collect();
    report.slots_deleted += delete_where(
        tx,
        "import: delete removed doctors' slots",
        "Priem_Slot",
        &conds,
    )?;
    delete_where(
        tx,
        "import: delete removed doctors' days",
        "Priem_Day",
        &conds,
    )?;
    let conds: Vec<(String, Vec<Value>)> = gone
        .iter()
        .map(|(f, d)| ("(filial=? AND code=?)".to_owned(), vec![f.into(), d.into()]))
        .collect();
    delete_where(tx, "import: delete removed doctors", "Priem_Doctor", &conds)?;
    Ok(())
}

/// What the changed days need written.
#[derive(Default)]
struct Diff {
    /// Slots (indices into the schedule) whose key is not stored.
    insert: Vec<u32>,
    /// Slots whose key is stored with other values.
    update: Vec<u32>,
    /// Stored rows (doctor index, start) the snapshot no longer has.
    delete: Vec<(u32, NaiveDateTime)>,
}

/// Merges a changed day's new cells (sorted by UTC start) with its stored rows.
fn diff_day(s: &Schedule, doctor: u32, new: &[u32], mut old: Vec<StoredRow<'_>>, out: &mut Diff) {
    old.sort_by_key(|r| r.start_utc);
    let delete = &mut out.delete;
    let mut o = old.into_iter().peekable();
    for &k in new {
        let c = &s.slots[k as usize];
        let key = db_time(c.start_utc);
        while let Some(r) = o.next_if(|r| r.start_utc < key) {
            delete.push((doctor, r.start_utc));
        }
        match o.next_if(|r| r.start_utc == key) {
            Some(r) => {
                let same = r.end_utc == db_time(c.end_utc)
                    && r.start == c.start
                    && r.end == c.end
                    && r.free == c.free
                    && r.room == c.room;
                if !same {
                    out.update.push(k);
                }
            }
            None => out.insert.push(k),
        }
    }
    delete.extend(o.map(|r| (doctor, r.start_utc)));
}
