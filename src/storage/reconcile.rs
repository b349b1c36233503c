//! Reconciliation with the MIS: does the MIS's schedule show the site's confirmed bookings?
//!
//! After each snapshot import, every confirmed upcoming booking of a doctor the snapshot
//! replaced is compared with the stored cell of its time (which is now the MIS's):
//! - busy: the MIS shows it — `mis_seen_at` is set (once) and any `mis_missing_at` cleared;
//! - free, in a snapshot produced at least the grace period after the confirmation:
//!   `mis_missing_at` is set (once) — the tick alerts «МИС не показывает запись № …» until a
//!   snapshot shows it, or its time passes;
//! - no such cell (the MIS removed it) or free within the grace period: nothing changes.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use mysql::prelude::Queryable;
use mysql::Value;

use super::booking::BookingRecord;
use super::{db_time, exec, placeholders, Result, StorageError, Store};

/// What one reconciliation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Bookings the MIS showed for the first time (or again, after being missing).
    pub seen: usize,
    /// Bookings found missing for the first time.
    pub missing: usize,
}

/// Where the confirmed upcoming bookings stand against the MIS (the admin's «Состояние»).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Confirmed bookings whose time is still ahead.
    pub confirmed: u64,
    /// Of them, the MIS's schedule shows the time busy.
    pub seen: u64,
    /// Of them, the MIS's schedule still shows the time free after the grace period: alerted.
    pub missing: u64,
    /// Bookings in «проверить в МИС» (`check`) whose time is still ahead.
    pub check: u64,
}

/// A confirmed booking beside its time's cell: id, filial, doctor, answered_at, seen already,
/// missing already, the cell's `free` (`None`: no such cell).
type BookingAgainstSlot = (
    u64,
    String,
    String,
    Option<NaiveDateTime>,
    bool,
    bool,
    Option<bool>,
);

/// `SUM()`s of [`Reconciliation`]'s counts (NULL over no rows).
type Sums = (Option<u64>, Option<u64>, Option<u64>, Option<u64>);

impl Store {
    /// Compares the confirmed upcoming bookings of `doctors` (filial, doctor codes: the ones
    /// a snapshot just replaced) with the stored schedule, see the module docs. `produced_at`:
    /// when the MIS produced the snapshot (`None`: unknown, nothing is found missing).
    pub fn reconcile(
        &self,
        doctors: &HashSet<(&str, &str)>,
        produced_at: Option<DateTime<Utc>>,
        grace: Duration,
        now: DateTime<Utc>,
    ) -> Result<Reconciled> {
        let mut conn = self.conn()?;
        let rows: Vec<BookingAgainstSlot> = conn
            .exec(
                "SELECT b.id, b.filial, b.doctor, b.answered_at, b.mis_seen_at IS NOT NULL, \
                 b.mis_missing_at IS NOT NULL, s.free FROM Priem_Booking b \
                 LEFT JOIN Priem_Slot s \
                 ON s.filial = b.filial AND s.doctor = b.doctor AND s.start_utc = b.start_utc \
                 WHERE b.status = 'confirmed' AND b.start_utc >= ?",
                (db_time(now),),
            )
            .map_err(|e| StorageError::query("сверка: чтение", e))?;
        let (mut seen, mut missing) = (Vec::new(), Vec::new());
        for (id, filial, doctor, answered, was_seen, was_missing, free) in rows {
            if !doctors.contains(&(filial.as_str(), doctor.as_str())) {
                continue;
            }
            match free {
                Some(false) if !was_seen || was_missing => seen.push(id),
                Some(true) if !was_missing => {
                    let late = match (produced_at, answered) {
                        (Some(p), Some(a)) => p >= a.and_utc() + grace,
                        _ => false,
                    };
                    if late {
                        missing.push(id);
                    }
                }
                _ => {}
            }
        }
        let mut mark = |ids: &[u64], set: &str| -> Result<()> {
            for chunk in ids.chunks(500) {
                let mut params: Vec<Value> = vec![db_time(now).into()];
                params.extend(chunk.iter().map(|id| Value::from(*id)));
                exec(
                    &mut conn,
                    "сверка: отметка",
                    &format!(
                        "UPDATE Priem_Booking SET {set} WHERE id IN ({})",
                        placeholders(chunk.len())
                    ),
                    params,
                )?;
            }
            Ok(())
        };
        mark(
            &seen,
            "mis_seen_at = COALESCE(mis_seen_at, ?), mis_missing_at = NULL",
        )?;
        mark(&missing, "mis_missing_at = ?")?;
        Ok(Reconciled {
            seen: seen.len(),
            missing: missing.len(),
        })
    }

    /// Confirmed upcoming bookings the MIS does not show (see [`Store::reconcile`]), oldest
    /// first.
    pub fn missing_in_mis(&self, now: DateTime<Utc>) -> Result<Vec<BookingRecord>> {
        self.bookings_where(
            "status = 'confirmed' AND mis_missing_at IS NOT NULL AND start_utc >= ? ORDER BY id",
            vec![db_time(now).into()],
        )
    }

    /// The counts of [`Reconciliation`] at `now`.
    pub fn reconciliation(&self, now: DateTime<Utc>) -> Result<Reconciliation> {
        let mut conn = self.conn()?;
        let row: Option<Sums> = conn
            .exec_first(
                "SELECT SUM(status = 'confirmed'), \
                 SUM(status = 'confirmed' AND mis_seen_at IS NOT NULL AND mis_missing_at IS NULL), \
                 SUM(status = 'confirmed' AND mis_missing_at IS NOT NULL), SUM(status = 'check') \
                 FROM Priem_Booking WHERE start_utc >= ? AND status IN ('confirmed', 'check')",
                (db_time(now),),
            )
            .map_err(|e| StorageError::query("сверка: подсчёт", e))?;
        let (confirmed, seen, missing, check) = row.unwrap_or_default();
        Ok(Reconciliation {
            confirmed: confirmed.unwrap_or(0),
            seen: seen.unwrap_or(0),
            missing: missing.unwrap_or(0),
            check: check.unwrap_or(0),
        })
    }
}
