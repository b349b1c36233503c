//! Importing a schedule snapshot (mis-exchange.md §1.1) into `Priem_Slot`.
//!
//! # The replacement rule, as applied here
//! - every (filial, doctor) in the snapshot gets exactly the snapshot's cells;
//! - a doctor that was stored for a filial the snapshot lists, and that the snapshot no longer
//!   has there, loses its slots, days and name in that filial;
//! - filials the snapshot does not list are not touched at all (an MIS may send one file per
//!   filial);
//! - a doctor the parser rejected ([`Schedule::rejected`]) keeps everything it had, untouched;
//! - cells that start before `now` are not stored (nor compared): a stored day loses its past
//!   rows when the next snapshot is imported.
//!
//! Everything happens in one transaction: an import that fails changes nothing.
//!
//! # Writing only what changed
//! Each doctor-day (filial, doctor, local date) is kept in `Priem_Day` with a packed copy of
//! its cells (times local and UTC, free, room — exactly the rows the import wrote) and a digest
//! of that copy. A day whose digest is unchanged is not written, and its rows are not read. A
//! changed day is compared cell by cell with its packed copy: only rows that differ are
//! rewritten (`INSERT … ON DUPLICATE KEY UPDATE`), rows that are gone are deleted. A new day is
//! inserted without reading. So a snapshot where 1 % of the cells changed writes about 1 % of
//! the rows. A rejection by the MIS marks its slot busy, zeroes its day's digest and drops the
//! packed copy: the next snapshot then compares that day with its stored rows and rewrites
//! what differs from the MIS's data.
//!
//! Big writes use MariaDB's bulk execution when the server has it (see
//! [`DbConfig::bulk_execute`](super::DbConfig::bulk_execute)), multi-row `INSERT`s of a
//! thousand rows otherwise.
//!
//! # Holds
//! Holds of bookings the MIS confirmed before the snapshot was produced
//! ([`SnapshotInfo::produced_at`]) are released for the doctors the snapshot replaces: from
//! then on the MIS's own `free: false` shows the time as taken. Holds of past times are
//! released too.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use mysql::prelude::Queryable;
use mysql::{Transaction, Value};
use sha2::{Digest, Sha256};

use super::runs::RunId;
use super::{check_len, db_time, exec, placeholders, Result, StorageError, Store};
use crate::domain::schedule::{Schedule, Slot};

/// Where a snapshot came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The `Priem_SyncRun` of this import; stored with every row the import writes.
    pub run: Option<RunId>,
    /// When the MIS produced the snapshot (the file's modification time, the time of the HTTP
    /// push). Holds of bookings the MIS confirmed before then are released (see the module
    /// docs); `None` releases none.
    pub produced_at: Option<DateTime<Utc>>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Filials in the snapshot.
    pub filials: usize,
    /// Doctors in the snapshot (replaced).
    pub doctors: usize,
    /// Doctors the parser rejected: their old schedule was kept untouched.
    pub doctors_kept: usize,
    /// Doctors gone from a filial the snapshot lists: their slots were deleted.
    pub doctors_removed: usize,
    /// Doctor-days whose digest matched: not read, not written.
    pub days_unchanged: usize,
    /// Doctor-days stored before whose cells changed: compared row by row.
    pub days_changed: usize,
    /// Doctor-days not stored before.
    pub days_added: usize,
    /// Doctor-days stored before that the snapshot no longer has (past days included).
    pub days_removed: usize,
    pub slots_inserted: u64,
    pub slots_updated: u64,
    pub slots_deleted: u64,
    /// Cells of the snapshot that start before `now`: not stored.
    pub cells_past: usize,
    /// Holds released (confirmed bookings the MIS now shows itself; past times).
    pub holds_released: u64,
    pub duration: Duration,
}

/// Rows per multi-row `INSERT`.
const INSERT_BATCH: usize = 1000;
/// Parameter rows per bulk execution.
const BULK_BATCH: usize = 5000;
/// Conditions per `OR`-batched `DELETE`. Every row the statement touches is checked against
/// the whole `OR`, so a few dozen is the sweet spot.
const KEY_BATCH: usize = 50;
/// Conditions per `OR`-batched read of a day's rows.
const RANGE_BATCH: usize = 20;

pub(crate) const CODE_MAX: usize = 64;
pub(crate) const NAME_MAX: usize = 255;
pub(crate) const ROOM_MAX: usize = 255;

type DayDigest = [u8; 16];

/// A day of the snapshot: `order[from..to]` are its cells, by start.
struct NewDay {
    doctor: u32,
    date: NaiveDate,
    from: usize,
    to: usize,
    digest: DayDigest,
    first: NaiveDateTime,
    last: NaiveDateTime,
}

/// A day as stored in `Priem_Day`.
struct StoredDay {
    doctor: String,
    date: NaiveDate,
    digest: Vec<u8>,
    packed: Option<Vec<u8>>,
    first: NaiveDateTime,
    last: NaiveDateTime,
}

/// A slot row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OldRow<'a> {
    pub start_utc: NaiveDateTime,
    pub end_utc: NaiveDateTime,
    pub start: u16,
    pub end: u16,
    pub free: bool,
    pub room: Cow<'a, str>,
}

impl Store {
    /// Imports a snapshot by the replacement rule (see the module docs) in one transaction.
    /// `now` decides which cells are past. A deadlock is retried; any other failure leaves the
    /// stored schedule as it was.
    pub fn import_schedule(
        &self,
        schedule: &Schedule,
        now: DateTime<Utc>,
        snapshot: SnapshotInfo,
    ) -> Result<ImportReport> {
        let started = Instant::now();
        validate(schedule)?;
        let plan = Plan::new(schedule, now)?;
        let mut report = self.transaction("import", |tx| {
            let bulk = self.bulk_execute(tx)?;
            plan.apply(tx, schedule, now, snapshot, bulk)
        })?;
        report.duration = started.elapsed();
        Ok(report)
    }
}

/// Refuses values that would not fit their columns, before anything is written.
fn validate(s: &Schedule) -> Result<()> {
    for f in &s.filials {
        check_len(|| "filial code".into(), &f.code, CODE_MAX)?;
        if let Some(n) = &f.name {
            check_len(|| format!("name of filial {}", f.code), n, NAME_MAX)?;
        }
    }
    for d in &s.doctors {
        let filial = s.filials.get(d.filial).map_or("?", |f| &*f.code);
        check_len(
            || format!("doctor code in filial {filial}"),
            &d.code,
            CODE_MAX,
        )?;
        check_len(
            || format!("name of doctor {} in filial {filial}", d.code),
            &d.name,
            NAME_MAX,
        )?;
    }
    for slot in &s.slots {
        if slot.room.len() > ROOM_MAX {
            let d = s.doctors.get(slot.doctor as usize);
            check_len(
                || {
                    format!(
                        "room of doctor {} on {}",
                        d.map_or("?", |d| &*d.code),
                        slot.date
                    )
                },
                &slot.room,
                ROOM_MAX,
            )?;
        }
        if s.doctors.get(slot.doctor as usize).is_none() {
            return Err(StorageError::Invalid {
                what: "schedule",
                reason: format!(
                    "a slot refers to doctor #{} of {}",
                    slot.doctor,
                    s.doctors.len()
                ),
            });
        }
    }
    for d in &s.doctors {
        if s.filials.get(d.filial).is_none() {
            return Err(StorageError::Invalid {
                what: "schedule",
                reason: format!(
                    "doctor {} refers to filial #{} of {}",
                    d.code,
                    d.filial,
                    s.filials.len()
                ),
            });
        }
    }
    Ok(())
}

/// The snapshot, sorted into doctor-days with digests (computed before the transaction).
struct Plan {
    /// Slot indices: future cells, by doctor, date, start; no two with one UTC start.
    order: Vec<u32>,
    days: Vec<NewDay>,
    cells_past: usize,
}

impl Plan {
    fn new(s: &Schedule, now: DateTime<Utc>) -> Result<Plan> {
        let n = u32::try_from(s.slots.len()).map_err(|_| StorageError::Invalid {
            what: "schedule",
            reason: format!("{} cells are too many for one import", s.slots.len()),
        })?;
        let key = |i: &u32| {
            let x = &s.slots[*i as usize];
            (x.doctor, x.date, x.start)
        };
        let mut order: Vec<u32> = (0..n)
            .filter(|&i| s.slots[i as usize].start_utc >= now)
            .collect();
        let cells_past = s.slots.len() - order.len();
        if !order.is_sorted_by_key(key) {
            order.sort_unstable_by_key(key);
        }

        let mut days = Vec::new();
        let mut kept: Vec<u32> = Vec::with_capacity(order.len());
        let mut scratch: Vec<u8> = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let first = &s.slots[order[i] as usize];
            let mut j = i + 1;
            while j < order.len() {
                let x = &s.slots[order[j] as usize];
                if x.doctor != first.doctor || x.date != first.date {
                    break;
                }
                j += 1;
            }
            let from = kept.len();
            kept.extend_from_slice(&order[i..j]);
            let run = &mut kept[from..];
            // Sorted by local start, a day's UTC starts rise strictly, except around a clock
            // change: then order by UTC and keep the first cell of any UTC start.
            if !run
                .windows(2)
                .all(|w| s.slots[w[0] as usize].start_utc < s.slots[w[1] as usize].start_utc)
            {
                run.sort_by_key(|&k| s.slots[k as usize].start_utc);
                let mut seen = HashSet::new();
                let mut deduped: Vec<u32> = run
                    .iter()
                    .copied()
                    .filter(|&k| seen.insert(s.slots[k as usize].start_utc))
                    .collect();
                kept.truncate(from);
                kept.append(&mut deduped);
            }
            let cells = &kept[from..];
            let (Some(&a), Some(&b)) = (cells.first(), cells.last()) else {
                i = j;
                continue;
            };
            scratch.clear();
            pack(cells.iter().map(|&k| &s.slots[k as usize]), &mut scratch);
            let full = Sha256::digest(&scratch);
            let mut digest = [0u8; 16];
            digest.copy_from_slice(&full[..16]);
            days.push(NewDay {
                doctor: first.doctor,
                date: first.date,
                from,
                to: kept.len(),
                digest,
                first: db_time(s.slots[a as usize].start_utc),
                last: db_time(s.slots[b as usize].start_utc),
            });
            i = j;
        }
        Ok(Plan {
            order: kept,
            days,
            cells_past,
        })
    }

    fn apply(
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
        let run = snap.run;
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
        let present: HashMap<(&str, &str), u32> = s
            .doctors
            .iter()
            .enumerate()
            .map(|(i, d)| ((&*s.filials[d.filial].code, &*d.code), i as u32))
            .collect();
        let rejected: HashSet<(&str, &str)> = s
            .rejected
            .iter()
            .map(|r| (r.filial.as_str(), r.doctor.as_str()))
            .collect();

        // 1. Lock the stored days of these filials first (before any consistent read), so a
        //    concurrent rejection, which zeroes a day's digest, is either fully seen or waits.
        let stored_days = read_days(tx, &filials)?;
        let stored_doctors = read_doctors(tx, &filials)?;

        // 2. Names.
        upsert_filials(tx, s, now_db)?;
        upsert_doctors(tx, s, now_db)?;

        // 3. Doctors gone from a listed filial (not rejected ones).
        let mut gone: Vec<(String, String)> = stored_doctors
            .into_iter()
            .chain(
                stored_days
                    .iter()
                    .flat_map(|(f, days)| days.iter().map(move |d| (f.clone(), d.doctor.clone()))),
            )
            .filter(|(f, d)| {
                !present.contains_key(&(f.as_str(), d.as_str()))
                    && !rejected.contains(&(f.as_str(), d.as_str()))
            })
            .collect();
        gone.sort();
        gone.dedup();
        report.doctors_removed = gone.len();
        if !gone.is_empty() {
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
        }

        // 4. Compare days.
        let mut stored: HashMap<(u32, NaiveDate), &StoredDay> = HashMap::new();
        for (f, days) in &stored_days {
            for d in days {
                if let Some(&di) = present.get(&(f.as_str(), d.doctor.as_str())) {
                    stored.insert((di, d.date), d);
                }
            }
        }
        let mut changed: Vec<(usize, &StoredDay)> = Vec::new();
        let mut added_days: Vec<usize> = Vec::new();
        let mut diff = Diff::default();
        for (k, day) in self.days.iter().enumerate() {
            match stored.remove(&(day.doctor, day.date)) {
                Some(old) if old.digest == day.digest => report.days_unchanged += 1,
                Some(old) => changed.push((k, old)),
                None => {
                    added_days.push(k);
                    diff.insert.extend_from_slice(&self.order[day.from..day.to]);
                }
            }
        }
        report.days_changed = changed.len();
        report.days_added = added_days.len();
        // What is left in `stored` are days the snapshot no longer has.
        let mut removed_days: Vec<(u32, &StoredDay)> =
            stored.into_iter().map(|((di, _), d)| (di, d)).collect();
        removed_days.sort_by_key(|(di, d)| (*di, d.date));
        report.days_removed = removed_days.len();

        // 5. Changed days: compare with their packed copies (or, without one, their rows).
        if !changed.is_empty() {
            let mut old: Vec<Option<Vec<OldRow>>> = changed
                .iter()
                .map(|(_, d)| d.packed.as_deref().and_then(unpack))
                .collect();
            let unread: Vec<usize> = (0..changed.len()).filter(|&i| old[i].is_none()).collect();
            if !unread.is_empty() {
                let wanted: Vec<(usize, &StoredDay)> = unread.iter().map(|&i| changed[i]).collect();
                for (i, rows) in unread.iter().zip(read_rows(tx, s, &self.days, &wanted)?) {
                    old[*i] = Some(rows);
                }
            }
            for ((k, _), rows) in changed.iter().zip(old) {
                let day = &self.days[*k];
                let new = &self.order[day.from..day.to];
                diff_day(s, day.doctor, new, rows.unwrap_or_default(), &mut diff);
            }
        }
        report.slots_inserted += diff.insert.len() as u64;
        report.slots_updated += diff.update.len() as u64;

        // 6. Deletes first (a new row may take the key of a deleted one), then inserts.
        if !removed_days.is_empty() {
            let conds = doctor_conds(
                s,
                &removed_days,
                "start_utc BETWEEN ? AND ? AND date=?",
                |d| vec![d.first.into(), d.last.into(), d.date.into()],
            );
            report.slots_deleted += delete_where(
                tx,
                "import: delete removed days' slots",
                "Priem_Slot",
                &conds,
            )?;
            let conds = doctor_conds(s, &removed_days, "date=?", |d| vec![d.date.into()]);
            delete_where(tx, "import: delete removed days", "Priem_Day", &conds)?;
        }
        if !diff.delete.is_empty() {
            let conds = doctor_conds(s, &diff.delete, "start_utc=?", |t| vec![(*t).into()]);
            report.slots_deleted +=
                delete_where(tx, "import: delete changed slots", "Priem_Slot", &conds)?;
        }
        // Rows and days that exist are overwritten through the same upsert: with bulk
        // execution that is cheaper than an `UPDATE` per row, which MariaDB plans each time.
        diff.insert.extend_from_slice(&diff.update);
        insert_slots(tx, bulk, s, &diff.insert, run)?;
        added_days.extend(changed.iter().map(|(k, _)| *k));
        self.upsert_days(tx, bulk, s, &added_days, run, now_db)?;

        // 7. Holds.
        report.holds_released += release_holds(tx, &filials, &s.rejected, now_db, snap)?;
        Ok(report)
    }
}

/// Version of the packed day format.
const PACKED_V1: u8 = 1;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(b: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&x, rest) = b.split_first()?;
        *b = rest;
        v |= u64::from(x & 0x7f) << shift;
        if x < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Packs a day's cells (sorted by UTC start): format version, the first UTC start, then per
/// cell its UTC start after the first and its length (seconds), local start and end minutes,
/// free, and room. The digest is the hash of these bytes, so it covers every stored field.
fn pack<'a, 'b: 'a>(cells: impl Iterator<Item = &'a Slot<'b>>, out: &mut Vec<u8>) {
    let mut cells = cells.peekable();
    let Some(first) = cells.peek().map(|c| c.start_utc.timestamp()) else {
        return;
    };
    out.push(PACKED_V1);
    out.extend_from_slice(&first.to_le_bytes());
    for c in cells {
        let start = c.start_utc.timestamp();
        put_varint(out, start.wrapping_sub(first) as u64);
        let len = c.end_utc.timestamp().wrapping_sub(start);
        put_varint(out, ((len << 1) ^ (len >> 63)) as u64);
        put_varint(out, u64::from(c.start));
        put_varint(out, u64::from(c.end));
        out.push(u8::from(c.free));
        put_varint(out, c.room.len() as u64);
        out.extend_from_slice(c.room.as_bytes());
    }
}

/// Reads a packed day back; `None` when the bytes are not a packed day (the rows are read
/// instead).
pub(super) fn unpack(mut b: &[u8]) -> Option<Vec<OldRow<'_>>> {
    let (&version, rest) = b.split_first()?;
    if version != PACKED_V1 || rest.len() < 8 {
        return None;
    }
    let (first, rest) = rest.split_at(8);
    let first = i64::from_le_bytes(first.try_into().ok()?);
    b = rest;
    let at = |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| t.naive_utc());
    let mut out = Vec::new();
    while !b.is_empty() {
        let start = first.checked_add(i64::try_from(get_varint(&mut b)?).ok()?)?;
        let z = get_varint(&mut b)?;
        let len = ((z >> 1) as i64) ^ -((z & 1) as i64);
        let start_min = u16::try_from(get_varint(&mut b)?).ok()?;
        let end_min = u16::try_from(get_varint(&mut b)?).ok()?;
        let (&free, rest) = b.split_first()?;
        b = rest;
        let n = usize::try_from(get_varint(&mut b)?).ok()?;
        if b.len() < n {
            return None;
        }
        let (room, rest) = b.split_at(n);
        b = rest;
        out.push(OldRow {
            start_utc: at(start)?,
            end_utc: at(start.checked_add(len)?)?,
            start: start_min,
            end: end_min,
            free: free != 0,
            room: Cow::Borrowed(std::str::from_utf8(room).ok()?),
        });
    }
    Some(out)
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
fn diff_day(s: &Schedule, doctor: u32, new: &[u32], mut old: Vec<OldRow<'_>>, out: &mut Diff) {
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

fn in_list(n: usize) -> String {
    format!("({})", placeholders(n))
}

/// `Priem_Day` rows of the filials, locked for the transaction, by filial.
fn read_days(tx: &mut Transaction<'_>, filials: &[&str]) -> Result<Vec<(String, Vec<StoredDay>)>> {
    let mut out: Vec<(String, Vec<StoredDay>)> = Vec::new();
    for chunk in filials.chunks(KEY_BATCH) {
        let sql = format!(
            "SELECT filial, doctor, date, digest, packed, first_utc, last_utc FROM Priem_Day \
             WHERE filial IN {} ORDER BY filial FOR UPDATE",
            in_list(chunk.len())
        );
        let params: Vec<Value> = chunk.iter().map(|f| (*f).into()).collect();
        type R = (
            String,
            String,
            NaiveDate,
            Vec<u8>,
            Option<Vec<u8>>,
            NaiveDateTime,
            NaiveDateTime,
        );
        let rows: Vec<R> = tx
            .exec(sql, params)
            .map_err(|e| StorageError::query("import: read days", e))?;
        for (filial, doctor, date, digest, packed, first, last) in rows {
            let day = StoredDay {
                doctor,
                date,
                digest,
                packed,
                first,
                last,
            };
            match out.last_mut() {
                Some((f, days)) if *f == filial => days.push(day),
                _ => out.push((filial, vec![day])),
            }
        }
    }
    Ok(out)
}

fn read_doctors(tx: &mut Transaction<'_>, filials: &[&str]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in filials.chunks(KEY_BATCH) {
        let sql = format!(
            "SELECT filial, code FROM Priem_Doctor WHERE filial IN {}",
            in_list(chunk.len())
        );
        let params: Vec<Value> = chunk.iter().map(|f| (*f).into()).collect();
        let rows: Vec<(String, String)> = tx
            .exec(sql, params)
            .map_err(|e| StorageError::query("import: read doctors", e))?;
        out.extend(rows);
    }
    Ok(out)
}

/// The stored rows of the changed days, in the order of `changed`.
fn read_rows(
    tx: &mut Transaction<'_>,
    s: &Schedule,
    days: &[NewDay],
    changed: &[(usize, &StoredDay)],
) -> Result<Vec<Vec<OldRow<'static>>>> {
    let mut out: Vec<Vec<OldRow<'static>>> = changed.iter().map(|_| Vec::new()).collect();
    // (filial, doctor, date) → position in `changed`.
    let mut index: HashMap<(&str, &str, NaiveDate), usize> = HashMap::new();
    for (pos, (k, _)) in changed.iter().enumerate() {
        let d = &s.doctors[days[*k].doctor as usize];
        index.insert((&s.filials[d.filial].code, &d.code, days[*k].date), pos);
    }
    for chunk in changed.chunks(RANGE_BATCH) {
        let mut sql = String::from(
            "SELECT filial, doctor, date, start_utc, end_utc, start_min, end_min, free, room \
             FROM Priem_Slot WHERE ",
        );
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 5);
        for (i, (k, old)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str("(filial=? AND doctor=? AND start_utc BETWEEN ? AND ? AND date=?)");
            let d = &s.doctors[days[*k].doctor as usize];
            params.push((&*s.filials[d.filial].code).into());
            params.push((&*d.code).into());
            params.push(old.first.into());
            params.push(old.last.into());
            params.push(old.date.into());
        }
        let result = tx
            .exec_iter(sql, params)
            .map_err(|e| StorageError::query("import: read changed days", e))?;
        for row in result {
            let row = row.map_err(|e| StorageError::query("import: read changed days", e))?;
            type R = (
                String,
                String,
                NaiveDate,
                NaiveDateTime,
                NaiveDateTime,
                u16,
                u16,
                bool,
                String,
            );
            let (filial, doctor, date, start_utc, end_utc, start, end, free, room): R =
                mysql::from_row_opt(row).map_err(|e| StorageError::Corrupt {
                    table: "Priem_Slot",
                    message: format!("unreadable row: {e}"),
                })?;
            if let Some(&pos) = index.get(&(filial.as_str(), doctor.as_str(), date)) {
                out[pos].push(OldRow {
                    start_utc,
                    end_utc,
                    start,
                    end,
                    free,
                    room: Cow::Owned(room),
                });
            }
        }
    }
    Ok(out)
}

/// `(filial=? AND doctor=? AND <rest>)` for each `(doctor index, item)`, with the doctor's codes
/// and `extra(item)` as parameters: the conditions [`delete_where`] takes.
fn doctor_conds<T>(
    s: &Schedule,
    items: &[(u32, T)],
    rest: &str,
    extra: impl Fn(&T) -> Vec<Value>,
) -> Vec<(String, Vec<Value>)> {
    let sql = format!("(filial=? AND doctor=? AND {rest})");
    items
        .iter()
        .map(|(di, x)| {
            let doc = &s.doctors[*di as usize];
            let mut params: Vec<Value> =
                vec![(&*s.filials[doc.filial].code).into(), (&*doc.code).into()];
            params.extend(extra(x));
            (sql.clone(), params)
        })
        .collect()
}

/// `DELETE FROM table WHERE c1 OR c2 …` in batches; returns the rows deleted.
fn delete_where(
    tx: &mut Transaction<'_>,
    context: &'static str,
    table: &str,
    conds: &[(String, Vec<Value>)],
) -> Result<u64> {
    let mut n = 0;
    for chunk in conds.chunks(KEY_BATCH) {
        let mut sql = format!("DELETE FROM {table} WHERE ");
        let mut params = Vec::new();
        for (i, (c, p)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str(c);
            params.extend(p.iter().cloned());
        }
        n += exec(tx, context, &sql, params)?;
    }
    Ok(n)
}

fn upsert_filials(tx: &mut Transaction<'_>, s: &Schedule, now: NaiveDateTime) -> Result<()> {
    for chunk in s.filials.chunks(INSERT_BATCH) {
        let sql = format!(
            "INSERT INTO Priem_Filial (code, name, zone, first_seen, last_seen) VALUES {} \
             ON DUPLICATE KEY UPDATE name = COALESCE(VALUES(name), name), zone = VALUES(zone), \
             last_seen = VALUES(last_seen)",
            vec!["(?,?,?,?,?)"; chunk.len()].join(",")
        );
        let mut params = Vec::with_capacity(chunk.len() * 5);
        for f in chunk {
            params.push((&*f.code).into());
            params.push(f.name.as_deref().map_or(Value::NULL, Value::from));
            params.push(f.zone.name().into());
            params.push(now.into());
            params.push(now.into());
        }
        exec(tx, "import: filial names", &sql, params)?;
    }
    Ok(())
}

fn upsert_doctors(tx: &mut Transaction<'_>, s: &Schedule, now: NaiveDateTime) -> Result<()> {
    for chunk in s.doctors.chunks(INSERT_BATCH) {
        let sql = format!(
            "INSERT INTO Priem_Doctor (filial, code, name, specialties, first_seen, last_seen) \
             VALUES {} ON DUPLICATE KEY UPDATE name = VALUES(name), \
             specialties = VALUES(specialties), last_seen = VALUES(last_seen)",
            vec!["(?,?,?,?,?,?)"; chunk.len()].join(",")
        );
        let mut params = Vec::with_capacity(chunk.len() * 6);
        for d in chunk {
            params.push((&*s.filials[d.filial].code).into());
            params.push((&*d.code).into());
            params.push((&*d.name).into());
            params.push(d.specialties.join(", ").into());
            params.push(now.into());
            params.push(now.into());
        }
        exec(tx, "import: doctor names", &sql, params)?;
    }
    Ok(())
}

/// Writes rows with `head (?,…) tail`: with bulk execution (one single-row statement, many
/// parameter rows per packet) or as multi-row statements of [`INSERT_BATCH`] rows.
fn write_rows(
    tx: &mut Transaction<'_>,
    bulk: bool,
    context: &'static str,
    head: &str,
    tail: &str,
    cols: usize,
    mut rows: impl Iterator<Item = Vec<Value>>,
) -> Result<()> {
    let group = format!("({})", placeholders(cols));
    if bulk {
        let sql = format!("{head} {group} {tail}");
        let stmt = tx.prep(&sql).map_err(|e| StorageError::query(context, e))?;
        loop {
            let batch: Vec<Vec<Value>> = rows.by_ref().take(BULK_BATCH).collect();
            if batch.is_empty() {
                return Ok(());
            }
            tx.exec_batch(&stmt, batch)
                .map_err(|e| StorageError::query(context, e))?;
        }
    }
    let full = format!(
        "{head} {} {tail}",
        vec![group.as_str(); INSERT_BATCH].join(",")
    );
    loop {
        let mut params: Vec<Value> = Vec::with_capacity(INSERT_BATCH * cols);
        let mut n = 0;
        for row in rows.by_ref().take(INSERT_BATCH) {
            params.extend(row);
            n += 1;
        }
        if n == 0 {
            return Ok(());
        }
        if n == INSERT_BATCH {
            exec(tx, context, &full, params)?;
        } else {
            let sql = format!("{head} {} {tail}", vec![group.as_str(); n].join(","));
            exec(tx, context, &sql, params)?;
        }
    }
}

/// Inserts (or overwrites) the slots `rows` (indices into the schedule's slots).
fn insert_slots(
    tx: &mut Transaction<'_>,
    bulk: bool,
    s: &Schedule,
    rows: &[u32],
    run: Option<RunId>,
) -> Result<()> {
    let run: Value = run.map_or(Value::NULL, Value::from);
    let mut last_doctor = u32::MAX;
    let (mut filial, mut doctor): (Value, Value) = (Value::NULL, Value::NULL);
    let values = rows.iter().map(|&k| {
        let c = &s.slots[k as usize];
        if c.doctor != last_doctor {
            let d = &s.doctors[c.doctor as usize];
            filial = (&*s.filials[d.filial].code).into();
            doctor = (&*d.code).into();
            last_doctor = c.doctor;
        }
        vec![
            filial.clone(),
            doctor.clone(),
            db_time(c.start_utc).into(),
            db_time(c.end_utc).into(),
            c.date.into(),
            c.start.into(),
            c.end.into(),
            c.free.into(),
            (&*c.room).into(),
            run.clone(),
        ]
    });
    write_rows(
        tx,
        bulk,
        "import: write slots",
        "INSERT INTO Priem_Slot (filial, doctor, start_utc, end_utc, date, start_min, end_min, \
         free, room, snapshot_id) VALUES",
        "ON DUPLICATE KEY UPDATE end_utc = VALUES(end_utc), date = VALUES(date), \
         start_min = VALUES(start_min), end_min = VALUES(end_min), free = VALUES(free), \
         room = VALUES(room), snapshot_id = VALUES(snapshot_id)",
        10,
        values,
    )
}

impl Plan {
    /// A day's packed copy (packed again rather than kept: a million cells make ~13 MB).
    fn packed(&self, s: &Schedule, day: &NewDay) -> Vec<u8> {
        let mut out = Vec::with_capacity((day.to - day.from) * 14 + 9);
        pack(
            self.order[day.from..day.to]
                .iter()
                .map(|&k| &s.slots[k as usize]),
            &mut out,
        );
        out
    }

    /// Writes the days `which` (indices into `days`) with their digests and packed copies.
    fn upsert_days(
        &self,
        tx: &mut Transaction<'_>,
        bulk: bool,
        s: &Schedule,
        which: &[usize],
        run: Option<RunId>,
        now: NaiveDateTime,
    ) -> Result<()> {
        let run: Value = run.map_or(Value::NULL, Value::from);
        let values = which.iter().map(|&k| {
            let day = &self.days[k];
            let d = &s.doctors[day.doctor as usize];
            vec![
                (&*s.filials[d.filial].code).into(),
                (&*d.code).into(),
                day.date.into(),
                day.digest.to_vec().into(),
                ((day.to - day.from) as u64).into(),
                self.packed(s, day).into(),
                day.first.into(),
                day.last.into(),
                run.clone(),
                now.into(),
            ]
        });
        write_rows(
            tx,
            bulk,
            "import: write days",
            "INSERT INTO Priem_Day (filial, doctor, date, digest, cells, packed, first_utc, \
             last_utc, snapshot_id, updated_at) VALUES",
            "ON DUPLICATE KEY UPDATE digest = VALUES(digest), cells = VALUES(cells), \
             packed = VALUES(packed), first_utc = VALUES(first_utc), \
             last_utc = VALUES(last_utc), snapshot_id = VALUES(snapshot_id), \
             updated_at = VALUES(updated_at)",
            10,
            values,
        )
    }
}

/// Releases holds of past times, and holds of bookings the MIS confirmed before the snapshot
/// was produced in the filials it lists (not for rejected doctors).
fn release_holds(
    tx: &mut Transaction<'_>,
    filials: &[&str],
    rejected: &[crate::wire::schedule::DoctorError],
    now: NaiveDateTime,
    snap: SnapshotInfo,
) -> Result<u64> {
    let mut n = exec(
        tx,
        "import: release past holds",
        "DELETE FROM Priem_Hold WHERE start_utc < ?",
        vec![now.into()],
    )?;
    let Some(produced) = snap.produced_at else {
        return Ok(n);
    };
    for chunk in filials.chunks(KEY_BATCH) {
        let mut sql = format!(
            "DELETE h FROM Priem_Hold h JOIN Priem_Booking b ON b.id = h.booking_id \
             WHERE b.status = 'confirmed' AND b.answered_at <= ? AND h.filial IN {}",
            in_list(chunk.len())
        );
        let mut params: Vec<Value> = vec![db_time(produced).into()];
        params.extend(chunk.iter().map(|f| Value::from(*f)));
        if !rejected.is_empty() {
            sql.push_str(" AND NOT (");
            for (i, r) in rejected.iter().enumerate() {
                if i > 0 {
                    sql.push_str(" OR ");
                }
                sql.push_str("(h.filial=? AND h.doctor=?)");
                params.push(r.filial.as_str().into());
                params.push(r.doctor.as_str().into());
            }
            sql.push(')');
        }
        n += exec(tx, "import: release confirmed holds", &sql, params)?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::read;
    use crate::domain::zone::Zones;

    fn schedule(json: &str) -> Schedule<'_> {
        read(json, &Zones::default()).unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-12-01T06:00:00Z".parse().unwrap()
    }

    #[test]
    fn days_are_grouped_sorted_and_past_cells_left_out() {
        let json = r#"{"data":{"1":{"7":{"efio":"A","cells":[
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:30","free":true},
            {"dt":"2026-12-01","time_start":"08:00","time_end":"08:30","free":true},
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":false},
            {"dt":"2026-12-01","time_start":"09:30","time_end":"10:00","free":true}
        ]}}}}"#;
        let s = schedule(json);
        let p = Plan::new(&s, now()).unwrap();
        // 08:00 Moscow = 05:00Z < now (06:00Z): past.
        assert_eq!(p.cells_past, 1);
        assert_eq!(p.days.len(), 2);
        let starts: Vec<_> = p.order.iter().map(|&k| s.slots[k as usize].start).collect();
        assert_eq!(starts, vec![570, 540, 600]);
        assert_eq!((p.days[0].from, p.days[0].to), (0, 1));
        assert_eq!((p.days[1].from, p.days[1].to), (1, 3));
    }

    #[test]
    fn digest_changes_with_any_field_and_not_with_order() {
        let a = r#"{"data":{"1":{"7":{"cells":[
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":true,"room":"1"},
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:30","free":true}]}}}}"#;
        let base = Plan::new(&schedule(a), now()).unwrap().days[0].digest;
        let reordered = r#"{"data":{"1":{"7":{"cells":[
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:30","free":true},
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":true,"room":"1"}]}}}}"#;
        assert_eq!(
            Plan::new(&schedule(reordered), now()).unwrap().days[0].digest,
            base
        );
        for changed in [
            a.replacen("\"free\":true", "\"free\":false", 1),
            a.replacen("\"room\":\"1\"", "\"room\":\"2\"", 1),
            a.replacen("09:30", "09:45", 1),
        ] {
            assert_ne!(
                Plan::new(&schedule(&changed), now()).unwrap().days[0].digest,
                base
            );
        }
        // Another zone: same local cells, other UTC times.
        let zones = Zones::from_names([("1", "Asia/Yekaterinburg")]).unwrap();
        let s = read(a, &zones).unwrap();
        assert_ne!(Plan::new(&s, now()).unwrap().days[0].digest, base);
    }

    #[test]
    fn packed_days_read_back_exactly() {
        let json = r#"{"data":{"1":{"7":{"cells":[
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":true,"room":"12"},
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:20","free":false,"room":"Каб. 3"},
            {"dt":"2026-12-02","time_start":"23:30","time_end":"23:59","free":true}]}}}}"#;
        let s = schedule(json);
        let p = Plan::new(&s, now()).unwrap();
        let day = &p.days[0];
        let whole = p.packed(&s, day);
        let rows = unpack(&whole).unwrap();
        let expected: Vec<OldRow<'_>> = s
            .slots
            .iter()
            .map(|c| OldRow {
                start_utc: c.start_utc.naive_utc(),
                end_utc: c.end_utc.naive_utc(),
                start: c.start,
                end: c.end,
                free: c.free,
                room: Cow::Owned(c.room.to_string()),
            })
            .collect();
        assert_eq!(rows, expected);
        assert_eq!(unpack(&[]), None);
        assert_eq!(unpack(&[9, 0, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(unpack(&whole[..whole.len() - 1]), None, "truncated");
    }

    #[test]
    fn too_long_codes_are_refused_before_writing() {
        let code = "9".repeat(65);
        let json = format!(r#"{{"data":{{"{code}":{{}}}}}}"#);
        let s = schedule(&json);
        let e = validate(&s).unwrap_err();
        assert!(matches!(e, StorageError::TooLong { max: 64, .. }), "{e}");
    }
}
