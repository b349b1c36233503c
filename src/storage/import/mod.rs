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
//! # Streaming
//! The import takes the document's [`Outline`] (everything that rejects the whole document is
//! checked there) and reads, normalizes and writes one doctor at a time: the whole schedule is
//! never held parsed, and rows are sent in batches as they come. A doctor whose JSON is byte
//! for byte what the last import read (a digest of his text and his filial's zone, kept in
//! `Priem_Doctor.raw_digest` when none of his cells was left out) is not read at all: his
//! stored days stay, except that days now past are removed and a day partly past loses its past
//! rows, as reading him again would do.
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
mod db;
mod plan;
mod read;
mod write;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::runs::RunId;
use super::{check_len, Result, Store};
use crate::domain::schedule::Slot;
use crate::domain::zone::Zones;
use crate::wire::schedule::{DoctorError, Outline};
use apply::Import;
use db::Db;

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
    /// Doctors in the snapshot (replaced, or kept as they were when their JSON did not change).
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
    /// Cells of the doctors read that start before `now`: not stored (a doctor whose JSON did
    /// not change is not read).
    pub cells_past: usize,
    /// Holds released (confirmed bookings the MIS now shows itself; past times).
    pub holds_released: u64,
    pub duration: Duration,
    /// How long the database took for the import's statements (sent from a thread of their
    /// own while the doctors are read; part of `duration`, mostly overlapped with reading).
    pub db_busy: Duration,
}

/// Rows per multi-row `INSERT`.
const INSERT_BATCH: usize = 1000;
/// Parameter rows per bulk execution.
const BULK_BATCH: usize = 1000;
/// Day rows (each with its packed copy) per statement.
const DAY_BATCH: usize = 200;
/// Conditions per `OR`-batched `DELETE`. Every row the statement touches is checked against
/// the whole `OR`, so a few dozen is the sweet spot.
const KEY_BATCH: usize = 50;
/// Conditions per `OR`-batched read of a day's rows.
const RANGE_BATCH: usize = 20;

pub(crate) const CODE_MAX: usize = 64;
pub(crate) const NAME_MAX: usize = 255;
pub(crate) const ROOM_MAX: usize = 255;

/// What an import did, and what it left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportedSnapshot {
    pub report: ImportReport,
    /// Doctors left out (each keeps his previous schedule), in document order.
    pub rejected: Vec<DoctorError>,
    /// Cells left out of imported doctors, in document order.
    pub bad_cells: Vec<DoctorError>,
    /// The doctors imported: (filial, doctor) codes.
    pub doctors: Vec<(String, String)>,
}

impl Store {
    /// Imports a snapshot by the replacement rule (see the module docs) in one transaction,
    /// reading its doctors one at a time, each filial's cells in its zone from `zones`. `now`
    /// decides which cells are past. A deadlock is retried; any other failure leaves the stored
    /// schedule as it was.
    pub fn import_schedule(
        &self,
        outline: &Outline,
        zones: &Zones,
        now: DateTime<Utc>,
        snapshot: SnapshotInfo,
    ) -> Result<ImportedSnapshot> {
        let started = Instant::now();
        let mut imported = self.transaction("import", |tx| {
            let bulk = self.bulk_execute(tx)?;
            let import = Import {
                outline,
                zones,
                now,
                snap: snapshot,
                bulk,
            };
            let (mut imported, deleted, busy) = Db::scope(tx, |db| import.run(db))?;
            imported.report.slots_deleted += deleted;
            imported.report.db_busy = busy;
            Ok(imported)
        })?;
        imported.report.duration = started.elapsed();
        Ok(imported)
    }
}

/// Refuses a doctor whose values would not fit their columns, before his rows are written.
fn validate_doctor(filial: &str, code: &str, name: &str, slots: &[Slot]) -> Result<()> {
    check_len(|| format!("код врача в филиале {filial}"), code, CODE_MAX)?;
    check_len(
        || format!("ФИО врача {code} в филиале {filial}"),
        name,
        NAME_MAX,
    )?;
    for slot in slots {
        check_len(
            || format!("кабинет врача {code} на {}", slot.date),
            &slot.room,
            ROOM_MAX,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::StorageError;

    #[test]
    fn too_long_values_are_refused_before_writing() {
        let code = "9".repeat(65);
        let e = validate_doctor("1", &code, "A", &[]).unwrap_err();
        assert!(matches!(e, StorageError::TooLong { max: 64, .. }), "{e}");
        let e = validate_doctor("1", "7", &"Я".repeat(256), &[]).unwrap_err();
        assert!(matches!(e, StorageError::TooLong { max: 255, .. }), "{e}");
    }
}
