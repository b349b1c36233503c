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

mod apply;
mod plan;
mod read;
mod write;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::runs::RunId;
use super::{check_len, Result, StorageError, Store};
use crate::domain::schedule::Schedule;
use plan::Plan;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::read;
    use crate::domain::zone::Zones;

    #[test]
    fn too_long_codes_are_refused_before_writing() {
        let code = "9".repeat(65);
        let json = format!(r#"{{"data":{{"{code}":{{}}}}}}"#);
        let s = read(&json, &Zones::default()).unwrap();
        let e = validate(&s).unwrap_err();
        assert!(matches!(e, StorageError::TooLong { max: 64, .. }), "{e}");
    }
}
