//! The outbox: where a stored booking is on its way to the MIS, and the one way each state
//! may change.
//!
//! # States
//! ```text
//! queued ──mark_sent──▶ sent ──mark_confirmed──▶ confirmed
//!   │  ▲                 │  └──mark_rejected───▶ rejected (hold released, slot shown busy)
//!   │  └─────────────────┼──mark_unknown──▶ unknown ──(next_attempt_at)──▶ mark_sent …
//!   │                    └──mark_check──▶ check ──mark_confirmed (the snapshot shows it)──▶ confirmed
//!   │                                       ├──mark_rejected (lost, refused)──▶ rejected
//!   │                                       └──send_again (lost, retried)──▶ unknown
//!   └── mark_confirmed / mark_rejected / mark_unknown directly (HTTP answers at once)
//! ```
//! `mark_sent` is also the claim: it succeeds (returns `true`) only from `queued` or `unknown`,
//! so of two workers that see the same due booking only one sends it. `confirmed` and
//! `rejected` are final; repeating the same final mark is a no-op, the opposite one an error.
//! `attempts` counts delivery attempts: `mark_sent` adds one, and `mark_unknown` adds one when
//! the attempt was not claimed with `mark_sent` first. `unsure` remembers that an attempt may
//! have reached the MIS without an answer: a "taken" answer to a later one is then `check`
//! (see [`BookingStatus::Check`]), not a refusal.

use chrono::{DateTime, NaiveDate, Utc};
use mysql::prelude::Queryable;
use mysql::{Transaction, Value};

use super::booking::{corrupt, BookingId, BookingRecord};
use super::{check_len, db_time, exec, Result, StorageError, Store};
use crate::domain::booking::BookingStatus;

/// The booking's row, locked.
struct Locked {
    status: BookingStatus,
}

fn lock_booking(tx: &mut Transaction<'_>, id: BookingId) -> Result<Locked> {
    let status: Option<String> = tx
        .exec_first(
            "SELECT status FROM Priem_Booking WHERE id = ? FOR UPDATE",
            (id,),
        )
        .map_err(|e| StorageError::query("записи: блокировка записи", e))?;
    let status = status.ok_or(StorageError::NoSuchBooking(id))?;
    let status = BookingStatus::parse(&status)
        .ok_or_else(|| corrupt(format!("booking {id}: unknown status {status:?}")))?;
    Ok(Locked { status })
}

/// [`lock_booking`] for a change to `to` that only a booking not yet final may take.
fn lock_unfinished(tx: &mut Transaction<'_>, id: BookingId, to: BookingStatus) -> Result<Locked> {
    let cur = lock_booking(tx, id)?;
    if cur.status.is_final() {
        return Err(StorageError::BadTransition {
            id,
            from: cur.status,
            to,
        });
    }
    Ok(cur)
}

impl Store {
    /// The outbox: `queued` bookings, and `unknown` ones whose `next_attempt_at` has come,
    /// oldest first; never one whose patient's data was removed (`storage::privacy`).
    pub fn due_for_delivery(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<BookingRecord>> {
        self.bookings_where(
            "status IN ('queued', 'unknown') AND anonymized_at IS NULL \
             AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?",
            vec![db_time(now).into(), limit.into()],
        )
    }

    /// `sent` bookings sent before `sent_before` and still unanswered (FTP drop: no result
    /// file yet; HTTP: the sender died mid-call), oldest first.
    pub fn awaiting_answer(
        &self,
        sent_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<BookingRecord>> {
        self.bookings_where(
            "status = 'sent' AND sent_at < ? AND anonymized_at IS NULL ORDER BY id LIMIT ?",
            vec![db_time(sent_before).into(), limit.into()],
        )
    }

    /// Claims the booking for sending: `queued` or `unknown` → `sent`, `attempts` + 1. Returns
    /// `false` (changing nothing) when it is already `sent` or final: someone else has it, do
    /// not send.
    pub fn mark_sent(&self, id: BookingId, now: DateTime<Utc>) -> Result<bool> {
        self.transaction(
            "записи: отметка «отправлена»",
            |tx| {
                let cur = lock_booking(tx, id)?;
                if !matches!(cur.status, BookingStatus::Queued | BookingStatus::Unknown) {
                    return Ok(false);
                }
                exec(
                tx,
                "записи: отметка «отправлена»",
                "UPDATE Priem_Booking SET status = 'sent', sent_at = ?, attempts = attempts + 1, \
                 next_attempt_at = NULL WHERE id = ?",
                vec![db_time(now).into(), id.into()],
            )?;
                Ok(true)
            },
        )
    }

    /// The MIS accepted the booking (`reference`: its id for the appointment, when it gives
    /// one). The hold stays until a snapshot produced after now shows the time itself.
    /// Repeating it is a no-op; on a rejected booking it is an error.
    pub fn mark_confirmed(
        &self,
        id: BookingId,
        now: DateTime<Utc>,
        reference: Option<&str>,
    ) -> Result<()> {
        if let Some(r) = reference {
            check_len(|| "номер записи в МИС".into(), r, 255)?;
        }
        self.transaction(
            "записи: отметка «подтверждена»",
            |tx| {
                let cur = lock_booking(tx, id)?;
                match cur.status {
                    BookingStatus::Confirmed => return Ok(()),
                    BookingStatus::Rejected => {
                        return Err(StorageError::BadTransition {
                            id,
                            from: cur.status,
                            to: BookingStatus::Confirmed,
                        })
                    }
                    _ => {}
                }
                exec(
                    tx,
                    "записи: отметка «подтверждена»",
                    "UPDATE Priem_Booking SET status = 'confirmed', answered_at = ?, \
                 next_attempt_at = NULL, mis_reference = COALESCE(?, mis_reference) WHERE id = ?",
                    vec![
                        db_time(now).into(),
                        reference.map_or(Value::NULL, Value::from),
                        id.into(),
                    ],
                )?;
                Ok(())
            },
        )
    }

    /// The MIS refused the booking (`reason` as it said). The hold is released and the slot
    /// is shown busy (`free = 0`) until the next snapshot says otherwise: its day's digest is
    /// zeroed and its packed copy dropped, so that snapshot compares the day with its rows. Repeating it is a no-op; on a confirmed
    /// booking it is an error.
    pub fn mark_rejected(&self, id: BookingId, now: DateTime<Utc>, reason: &str) -> Result<()> {
        let Some(b) = self.booking(id)? else {
            return Err(StorageError::NoSuchBooking(id));
        };
        match b.status {
            BookingStatus::Rejected => return Ok(()),
            BookingStatus::Confirmed => {
                return Err(StorageError::BadTransition {
                    id,
                    from: b.status,
                    to: BookingStatus::Rejected,
                })
            }
            _ => {}
        }
        let start = db_time(b.start_utc);
        self.transaction("записи: отметка «отклонена»", |tx| {
            // The day first: an import locks days before slots, so taking them in the same
            // order cannot deadlock with it.
            let date: Option<NaiveDate> = tx
                .exec_first(
                    "SELECT date FROM Priem_Slot WHERE filial = ? AND doctor = ? AND start_utc = ?",
                    (&b.filial, &b.doctor, start),
                )
                .map_err(|e| StorageError::query("записи: отметка «отклонена»", e))?;
            if let Some(date) = date {
                exec(
                    tx,
                    "записи: отметка «отклонена»",
                    "UPDATE Priem_Day SET digest = REPEAT(X'00', 16), packed = NULL \
                     WHERE filial = ? AND doctor = ? AND date = ?",
                    vec![(&b.filial).into(), (&b.doctor).into(), date.into()],
                )?;
            }
            let cur = lock_booking(tx, id)?;
            match cur.status {
                BookingStatus::Rejected => return Ok(()),
                BookingStatus::Confirmed => {
                    return Err(StorageError::BadTransition {
                        id,
                        from: cur.status,
                        to: BookingStatus::Rejected,
                    })
                }
                _ => {}
            }
            exec(
                tx,
                "записи: отметка «отклонена»",
                "UPDATE Priem_Booking SET status = 'rejected', answered_at = ?, last_error = ?, \
                 next_attempt_at = NULL WHERE id = ?",
                vec![db_time(now).into(), reason.into(), id.into()],
            )?;
            exec(
                tx,
                "записи: снятие удержания",
                "DELETE FROM Priem_Hold WHERE booking_id = ?",
                vec![id.into()],
            )?;
            exec(
                tx,
                "записи: отметка времени занятым",
                "UPDATE Priem_Slot SET free = 0 WHERE filial = ? AND doctor = ? AND start_utc = ?",
                vec![(&b.filial).into(), (&b.doctor).into(), start.into()],
            )?;
            Ok(())
        })
    }

    /// The outcome of a delivery is unknown (timeout, connection error, 5xx, garbage): keep the
    /// booking and its hold, retry at `next_attempt_at` with the same payload. `may_have_arrived`:
    /// the request may have reached the MIS (remembered as `unsure`). An error on a final
    /// booking.
    pub fn mark_unknown(
        &self,
        id: BookingId,
        error: &str,
        next_attempt_at: DateTime<Utc>,
        may_have_arrived: bool,
    ) -> Result<()> {
        self.transaction(
            "записи: отметка «ответ неизвестен»",
            |tx| {
                let cur = lock_unfinished(tx, id, BookingStatus::Unknown)?;
                let counted = u32::from(cur.status == BookingStatus::Sent);
                exec(
                    tx,
                    "записи: отметка «ответ неизвестен»",
                    "UPDATE Priem_Booking SET status = 'unknown', last_error = ?, \
                 next_attempt_at = ?, attempts = attempts + ?, unsure = unsure OR ? WHERE id = ?",
                    vec![
                        error.into(),
                        db_time(next_attempt_at).into(),
                        (1 - counted).into(),
                        may_have_arrived.into(),
                        id.into(),
                    ],
                )?;
                Ok(())
            },
        )
    }

    /// A retry of an `unsure` booking was answered "taken" (`reason` as the MIS said it): the
    /// booking is `check`, its hold kept, until a snapshot settles it. An error on a final
    /// booking.
    pub fn mark_check(&self, id: BookingId, now: DateTime<Utc>, reason: &str) -> Result<()> {
        self.transaction(
            "записи: отметка «проверить в МИС»",
            |tx| {
                lock_unfinished(tx, id, BookingStatus::Check)?;
                exec(
                    tx,
                    "записи: отметка «проверить в МИС»",
                    "UPDATE Priem_Booking SET status = 'check', answered_at = ?, last_error = ?, \
                 next_attempt_at = NULL WHERE id = ?",
                    vec![db_time(now).into(), reason.into(), id.into()],
                )?;
                Ok(())
            },
        )
    }

    /// A `check` booking the MIS's snapshot shows free was lost: back to the outbox, sent again
    /// at `now` with the same payload (`note` says why). `unsure` is cleared: the earlier attempt
    /// evidently did not book it, so a "taken" answer now is a refusal. Returns `false` when the
    /// booking is no longer in `check`.
    pub fn send_again(&self, id: BookingId, now: DateTime<Utc>, note: &str) -> Result<bool> {
        self.transaction("записи: повторная отправка", |tx| {
            if lock_booking(tx, id)?.status != BookingStatus::Check {
                return Ok(false);
            }
            exec(
                tx,
                "записи: повторная отправка",
                "UPDATE Priem_Booking SET status = 'unknown', last_error = ?, next_attempt_at = ?, \
                 unsure = 0 WHERE id = ?",
                vec![note.into(), db_time(now).into(), id.into()],
            )?;
            Ok(true)
        })
    }

    /// The bookings in `check`, oldest first.
    pub fn bookings_in_check(&self) -> Result<Vec<BookingRecord>> {
        self.bookings_where("status = 'check' ORDER BY id", Vec::new())
    }
}
