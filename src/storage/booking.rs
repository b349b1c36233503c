//! Bookings, the database half: holding a slot and queueing the booking in one transaction,
//! the delivery states, the outbox, and slots as visitors see them (held ones taken).
//!
//! # Who gets a time
//! [`Store::hold_and_queue`] locks the slot row (`SELECT … FOR UPDATE`), checks it is free in
//! the MIS, inserts the booking and then the hold. `Priem_Hold`'s primary key (filial, doctor,
//! start_utc) decides: the second insert for one time fails with a duplicate key and its whole
//! transaction (booking included) is rolled back — [`HoldError::Taken`]. Nothing is checked
//! and then inserted separately.
//!
//! # States
//! ```text
//! queued ──mark_sent──▶ sent ──mark_confirmed──▶ confirmed
//!   │  ▲                 │  └──mark_rejected───▶ rejected (hold released, slot shown busy)
//!   │  └─────────────────┼──mark_unknown──▶ unknown ──(next_attempt_at)──▶ mark_sent …
//!   └── mark_confirmed / mark_rejected / mark_unknown directly (HTTP answers at once)
//! ```
//! `mark_sent` is also the claim: it succeeds (returns `true`) only from `queued` or `unknown`,
//! so of two workers that see the same due booking only one sends it. `confirmed` and
//! `rejected` are final; repeating the same final mark is a no-op, the opposite one an error.
//! `attempts` counts delivery attempts: `mark_sent` adds one, and `mark_unknown` adds one when
//! the attempt was not claimed with `mark_sent` first.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use mysql::prelude::Queryable;
use mysql::{Row, Transaction, Value};
use thiserror::Error;

use super::import::CODE_MAX;
use super::{check_len, db_time, exec, LockConflict, Result, StorageError, Store};
use crate::domain::booking::ValidBooking;
use crate::domain::grid::GridRules;
use crate::domain::phone;
use crate::domain::schedule::{split_specialties, Doctor, Filial, Schedule, Slot};

pub type BookingId = u64;

/// Who made the booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingSource {
    /// A visitor of the site.
    Site,
    /// ProDoctorov, through the site's direct-booking endpoint (mis-exchange.md §4).
    Prodoctorov,
}

impl BookingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingSource::Site => "site",
            BookingSource::Prodoctorov => "prodoctorov",
        }
    }

    pub fn parse(s: &str) -> Option<BookingSource> {
        match s {
            "site" => Some(BookingSource::Site),
            "prodoctorov" => Some(BookingSource::Prodoctorov),
            _ => None,
        }
    }
}

/// Where a booking is on its way to the MIS (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingStatus {
    /// Stored, slot held, not sent yet.
    Queued,
    /// Sent (claimed for sending); the MIS's answer is awaited (FTP drop: the result file).
    Sent,
    /// The MIS accepted it. Final.
    Confirmed,
    /// The MIS refused it. Final; the hold is released.
    Rejected,
    /// The outcome of the last attempt is unknown (timeout, 5xx, garbage): retried at
    /// `next_attempt_at` with the same payload.
    Unknown,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Queued => "queued",
            BookingStatus::Sent => "sent",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Rejected => "rejected",
            BookingStatus::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<BookingStatus> {
        Some(match s {
            "queued" => BookingStatus::Queued,
            "sent" => BookingStatus::Sent,
            "confirmed" => BookingStatus::Confirmed,
            "rejected" => BookingStatus::Rejected,
            "unknown" => BookingStatus::Unknown,
            _ => return None,
        })
    }

    /// `confirmed` or `rejected`.
    pub fn is_final(self) -> bool {
        matches!(self, BookingStatus::Confirmed | BookingStatus::Rejected)
    }
}

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The visitor's consent to the processing of personal data, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub at: DateTime<Utc>,
    /// IPv4 or IPv6 address, at most 45 characters.
    pub ip: String,
    /// Which text of the consent was shown (at most 64 characters).
    pub text_version: String,
}

/// A booking to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    /// From the form (or derived from ProDoctorov's request): the same key never makes a second
    /// booking. 1–128 characters.
    pub idempotency_key: String,
    pub source: BookingSource,
    pub filial: String,
    pub doctor: String,
    /// Must be exactly a stored slot's start and end.
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
    /// The exact JSON the MIS will receive, resent unchanged on every retry.
    pub payload: String,
    /// For the journal (`7900***4567`); the full number is only in the payload.
    pub phone_masked: String,
    pub consent: Option<Consent>,
}

impl NewBooking {
    /// A booking of the validated request, with the §2.1 JSON as payload.
    pub fn from_valid(
        valid: &ValidBooking,
        idempotency_key: impl Into<String>,
        source: BookingSource,
        consent: Option<Consent>,
    ) -> NewBooking {
        NewBooking {
            idempotency_key: idempotency_key.into(),
            source,
            filial: valid.request.filial_id.clone(),
            doctor: valid.request.doctor_id.clone(),
            start_utc: valid.start_utc,
            end_utc: valid.end_utc,
            payload: valid.request.to_json(),
            phone_masked: phone::mask(&valid.request.phone),
            consent,
        }
    }
}

/// Why a booking was not stored.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HoldError {
    /// The time is busy in the MIS or held for another booking: "время уже занято".
    #[error("время уже занято")]
    Taken,
    /// The doctor has no stored slot with exactly this start and end.
    #[error("в расписании нет такого времени")]
    NoSuchSlot,
    /// The slot starts before `now`.
    #[error("это время уже прошло")]
    Past,
    /// This idempotency key already made booking `.0`: nothing new was stored; answer as that
    /// booking stands.
    #[error("booking {0} was already made with this idempotency key")]
    Duplicate(BookingId),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl LockConflict for HoldError {
    fn is_deadlock(&self) -> bool {
        matches!(self, HoldError::Storage(e) if e.is_deadlock())
    }
}

impl HoldError {
    /// See [`StorageError::is_transient`]; the booking outcomes are not.
    pub fn is_transient(&self) -> bool {
        matches!(self, HoldError::Storage(e) if e.is_transient())
    }
}

/// A stored booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRecord {
    pub id: BookingId,
    pub idempotency_key: String,
    pub source: BookingSource,
    pub status: BookingStatus,
    pub filial: String,
    pub doctor: String,
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
    pub payload: String,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub mis_reference: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub consent: Option<Consent>,
    pub phone_masked: String,
}

const BOOKING_COLUMNS: &str = "id, idempotency_key, source, status, filial, doctor, start_utc, \
    end_utc, payload, attempts, next_attempt_at, last_error, mis_reference, created_at, sent_at, \
    answered_at, consent_at, consent_ip, consent_version, phone_masked";

fn corrupt(message: String) -> StorageError {
    StorageError::Corrupt {
        table: "Priem_Booking",
        message,
    }
}

fn booking_from_row(row: Row) -> Result<BookingRecord> {
    fn take<T: mysql::prelude::FromValue>(row: &mut Row, i: usize, name: &str) -> Result<T> {
        row.take_opt::<T, usize>(i)
            .ok_or_else(|| corrupt(format!("column {name} missing")))?
            .map_err(|e| corrupt(format!("column {name}: {e}")))
    }
    let mut row = row;
    let id: u64 = take(&mut row, 0, "id")?;
    let source: String = take(&mut row, 2, "source")?;
    let status: String = take(&mut row, 3, "status")?;
    let utc = |t: NaiveDateTime| t.and_utc();
    let consent_at: Option<NaiveDateTime> = take(&mut row, 16, "consent_at")?;
    let consent_ip: Option<String> = take(&mut row, 17, "consent_ip")?;
    let consent_version: Option<String> = take(&mut row, 18, "consent_version")?;
    Ok(BookingRecord {
        id,
        idempotency_key: take(&mut row, 1, "idempotency_key")?,
        source: BookingSource::parse(&source)
            .ok_or_else(|| corrupt(format!("booking {id}: unknown source {source:?}")))?,
        status: BookingStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("booking {id}: unknown status {status:?}")))?,
        filial: take(&mut row, 4, "filial")?,
        doctor: take(&mut row, 5, "doctor")?,
        start_utc: utc(take(&mut row, 6, "start_utc")?),
        end_utc: utc(take(&mut row, 7, "end_utc")?),
        payload: take(&mut row, 8, "payload")?,
        attempts: take(&mut row, 9, "attempts")?,
        next_attempt_at: take::<Option<NaiveDateTime>>(&mut row, 10, "next_attempt_at")?.map(utc),
        last_error: take(&mut row, 11, "last_error")?,
        mis_reference: take(&mut row, 12, "mis_reference")?,
        created_at: utc(take(&mut row, 13, "created_at")?),
        sent_at: take::<Option<NaiveDateTime>>(&mut row, 14, "sent_at")?.map(utc),
        answered_at: take::<Option<NaiveDateTime>>(&mut row, 15, "answered_at")?.map(utc),
        consent: consent_at.map(|at| Consent {
            at: utc(at),
            ip: consent_ip.unwrap_or_default(),
            text_version: consent_version.unwrap_or_default(),
        }),
        phone_masked: take(&mut row, 19, "phone_masked")?,
    })
}

/// A stored slot as a visitor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSlot {
    /// Local date and minutes in the filial.
    pub date: NaiveDate,
    pub start: u16,
    pub end: u16,
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
    /// Bookable: free in the MIS and not held by the site.
    pub free: bool,
    /// Free in the MIS but held by the site for a booking.
    pub held: bool,
    pub room: String,
}

/// One doctor's stored schedule in the domain's shape, so that `domain::grid` and
/// `domain::booking::validate` run on MySQL data unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedSchedule {
    /// One filial and one doctor at most: empty `filials` when the filial is unknown, empty
    /// `doctors` when the doctor is unknown there (so `grid::for_doctor` says which).
    pub schedule: Schedule<'static>,
    /// Starts of the slots held by the site.
    pub held: Vec<DateTime<Utc>>,
}

impl LoadedSchedule {
    /// Grid rules with the held times filled in.
    pub fn rules(&self, min_notice_minutes: u32) -> GridRules {
        GridRules {
            min_notice_minutes,
            held: self.held.clone(),
        }
    }
}

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
        .map_err(|e| StorageError::query("booking: lock", e))?;
    let status = status.ok_or(StorageError::NoSuchBooking(id))?;
    let status = BookingStatus::parse(&status)
        .ok_or_else(|| corrupt(format!("booking {id}: unknown status {status:?}")))?;
    Ok(Locked { status })
}

fn validate_new(b: &NewBooking) -> Result<()> {
    if b.idempotency_key.trim().is_empty() {
        return Err(StorageError::Invalid {
            what: "idempotency key",
            reason: "empty".into(),
        });
    }
    if b.end_utc <= b.start_utc {
        return Err(StorageError::Invalid {
            what: "booking time",
            reason: format!("ends ({}) before it starts ({})", b.end_utc, b.start_utc),
        });
    }
    check_len(|| "idempotency key".into(), &b.idempotency_key, 128)?;
    check_len(|| "filial code".into(), &b.filial, CODE_MAX)?;
    check_len(|| "doctor code".into(), &b.doctor, CODE_MAX)?;
    check_len(|| "masked phone".into(), &b.phone_masked, 32)?;
    if let Some(c) = &b.consent {
        check_len(|| "consent IP".into(), &c.ip, 45)?;
        check_len(|| "consent text version".into(), &c.text_version, 64)?;
    }
    Ok(())
}

impl Store {
    /// Holds the slot and stores the booking as `queued`, in one transaction (see the module
    /// docs). Exactly one of any number of simultaneous calls for one time succeeds; the others
    /// get [`HoldError::Taken`]. A key already used gives [`HoldError::Duplicate`] with the
    /// booking it made, whatever the rest of `b`.
    pub fn hold_and_queue(
        &self,
        b: &NewBooking,
        now: DateTime<Utc>,
    ) -> Result<BookingId, HoldError> {
        validate_new(b)?;
        let start = db_time(b.start_utc);
        let end = db_time(b.end_utc);
        let now_db = db_time(now);
        let result = self.transaction("booking: hold", |tx| -> Result<BookingId, HoldError> {
            if let Some(id) = booking_id_by_key(tx, &b.idempotency_key)? {
                return Err(HoldError::Duplicate(id));
            }
            let slot: Option<(NaiveDateTime, bool)> = tx
                .exec_first(
                    "SELECT end_utc, free FROM Priem_Slot \
                     WHERE filial = ? AND doctor = ? AND start_utc = ? FOR UPDATE",
                    (&b.filial, &b.doctor, start),
                )
                .map_err(|e| StorageError::query("booking: lock slot", e))?;
            match slot {
                None => return Err(HoldError::NoSuchSlot),
                Some((e, _)) if e != end => return Err(HoldError::NoSuchSlot),
                Some(_) if b.start_utc < now => return Err(HoldError::Past),
                Some((_, false)) => return Err(HoldError::Taken),
                Some(_) => {}
            }
            let consent = b.consent.as_ref();
            let id = tx
                .exec_iter(
                    "INSERT INTO Priem_Booking (idempotency_key, source, status, filial, doctor, \
                     start_utc, end_utc, payload, attempts, created_at, consent_at, consent_ip, \
                     consent_version, phone_masked) \
                     VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
                    vec![
                        Value::from(&b.idempotency_key),
                        b.source.as_str().into(),
                        (&b.filial).into(),
                        (&b.doctor).into(),
                        start.into(),
                        end.into(),
                        (&b.payload).into(),
                        now_db.into(),
                        consent.map_or(Value::NULL, |c| db_time(c.at).into()),
                        consent.map_or(Value::NULL, |c| (&c.ip).into()),
                        consent.map_or(Value::NULL, |c| (&c.text_version).into()),
                        (&b.phone_masked).into(),
                    ],
                )
                .map_err(|e| StorageError::query("booking: insert", e))?
                .last_insert_id()
                .ok_or_else(|| corrupt("no id for the inserted booking".into()))?;
            let held = tx.exec_drop(
                "INSERT INTO Priem_Hold (filial, doctor, start_utc, booking_id, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
                (&b.filial, &b.doctor, start, id, now_db),
            );
            match held {
                Ok(()) => Ok(id),
                Err(mysql::Error::MySqlError(e)) if e.code == 1062 => Err(HoldError::Taken),
                Err(e) => Err(StorageError::query("booking: hold", e).into()),
            }
        });
        match result {
            // Another request with the same key committed between our check and our insert.
            Err(HoldError::Storage(StorageError::Query {
                context: "booking: insert",
                code: Some(1062),
                ..
            })) => {
                let mut conn = self.conn()?;
                match booking_id_by_key(&mut conn, &b.idempotency_key)? {
                    Some(id) => Err(HoldError::Duplicate(id)),
                    None => Err(HoldError::Taken),
                }
            }
            other => other,
        }
    }

    /// A booking by id.
    pub fn booking(&self, id: BookingId) -> Result<Option<BookingRecord>> {
        let mut conn = self.conn()?;
        let row: Option<Row> = conn
            .exec_first(
                format!("SELECT {BOOKING_COLUMNS} FROM Priem_Booking WHERE id = ?"),
                (id,),
            )
            .map_err(|e| StorageError::query("booking: read", e))?;
        row.map(booking_from_row).transpose()
    }

    /// The booking an idempotency key made, if any.
    pub fn booking_by_key(&self, key: &str) -> Result<Option<BookingRecord>> {
        let mut conn = self.conn()?;
        let row: Option<Row> = conn
            .exec_first(
                format!("SELECT {BOOKING_COLUMNS} FROM Priem_Booking WHERE idempotency_key = ?"),
                (key,),
            )
            .map_err(|e| StorageError::query("booking: read", e))?;
        row.map(booking_from_row).transpose()
    }

    /// The newest bookings first, for the journal.
    pub fn recent_bookings(&self, limit: u32) -> Result<Vec<BookingRecord>> {
        self.bookings_where("1 = 1 ORDER BY id DESC LIMIT ?", vec![limit.into()])
    }

    fn bookings_where(&self, condition: &str, params: Vec<Value>) -> Result<Vec<BookingRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<Row> = conn
            .exec(
                format!("SELECT {BOOKING_COLUMNS} FROM Priem_Booking WHERE {condition}"),
                params,
            )
            .map_err(|e| StorageError::query("booking: list", e))?;
        rows.into_iter().map(booking_from_row).collect()
    }

    /// The outbox: `queued` bookings, and `unknown` ones whose `next_attempt_at` has come,
    /// oldest first.
    pub fn due_for_delivery(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<BookingRecord>> {
        self.bookings_where(
            "status IN ('queued', 'unknown') \
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
            "status = 'sent' AND sent_at < ? ORDER BY id LIMIT ?",
            vec![db_time(sent_before).into(), limit.into()],
        )
    }

    /// Claims the booking for sending: `queued` or `unknown` → `sent`, `attempts` + 1. Returns
    /// `false` (changing nothing) when it is already `sent` or final: someone else has it, do
    /// not send.
    pub fn mark_sent(&self, id: BookingId, now: DateTime<Utc>) -> Result<bool> {
        self.transaction("booking: mark sent", |tx| {
            let cur = lock_booking(tx, id)?;
            if !matches!(cur.status, BookingStatus::Queued | BookingStatus::Unknown) {
                return Ok(false);
            }
            exec(
                tx,
                "booking: mark sent",
                "UPDATE Priem_Booking SET status = 'sent', sent_at = ?, attempts = attempts + 1, \
                 next_attempt_at = NULL WHERE id = ?",
                vec![db_time(now).into(), id.into()],
            )?;
            Ok(true)
        })
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
            check_len(|| "MIS reference".into(), r, 255)?;
        }
        self.transaction("booking: mark confirmed", |tx| {
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
                "booking: mark confirmed",
                "UPDATE Priem_Booking SET status = 'confirmed', answered_at = ?, \
                 next_attempt_at = NULL, mis_reference = COALESCE(?, mis_reference) WHERE id = ?",
                vec![
                    db_time(now).into(),
                    reference.map_or(Value::NULL, Value::from),
                    id.into(),
                ],
            )?;
            Ok(())
        })
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
        self.transaction("booking: mark rejected", |tx| {
            // The day first: an import locks days before slots, so taking them in the same
            // order cannot deadlock with it.
            let date: Option<NaiveDate> = tx
                .exec_first(
                    "SELECT date FROM Priem_Slot WHERE filial = ? AND doctor = ? AND start_utc = ?",
                    (&b.filial, &b.doctor, start),
                )
                .map_err(|e| StorageError::query("booking: mark rejected", e))?;
            if let Some(date) = date {
                exec(
                    tx,
                    "booking: mark rejected",
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
                "booking: mark rejected",
                "UPDATE Priem_Booking SET status = 'rejected', answered_at = ?, last_error = ?, \
                 next_attempt_at = NULL WHERE id = ?",
                vec![db_time(now).into(), reason.into(), id.into()],
            )?;
            exec(
                tx,
                "booking: release hold",
                "DELETE FROM Priem_Hold WHERE booking_id = ?",
                vec![id.into()],
            )?;
            exec(
                tx,
                "booking: mark slot busy",
                "UPDATE Priem_Slot SET free = 0 WHERE filial = ? AND doctor = ? AND start_utc = ?",
                vec![(&b.filial).into(), (&b.doctor).into(), start.into()],
            )?;
            Ok(())
        })
    }

    /// The outcome of a delivery is unknown (timeout, connection error, 5xx, garbage): keep the
    /// booking and its hold, retry at `next_attempt_at` with the same payload. An error on a
    /// final booking.
    pub fn mark_unknown(
        &self,
        id: BookingId,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<()> {
        self.transaction("booking: mark unknown", |tx| {
            let cur = lock_booking(tx, id)?;
            if cur.status.is_final() {
                return Err(StorageError::BadTransition {
                    id,
                    from: cur.status,
                    to: BookingStatus::Unknown,
                });
            }
            let counted = u32::from(cur.status == BookingStatus::Sent);
            exec(
                tx,
                "booking: mark unknown",
                "UPDATE Priem_Booking SET status = 'unknown', last_error = ?, \
                 next_attempt_at = ?, attempts = attempts + ? WHERE id = ?",
                vec![
                    error.into(),
                    db_time(next_attempt_at).into(),
                    (1 - counted).into(),
                    id.into(),
                ],
            )?;
            Ok(())
        })
    }

    /// The doctor's slots starting in `[from, to)`, by start, with held ones marked taken.
    ///
    /// Read from the days' packed copies (`Priem_Day.packed`, written by the import with exactly
    /// the rows it wrote) — one small row per day instead of one per cell; a day without a
    /// packed copy (a rejection changed one of its rows) is read from `Priem_Slot`. The holds of
    /// the window come in the same statement ([`StoredWindow`]) and are applied in memory.
    pub fn grid_slots(
        &self,
        filial: &str,
        doctor: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<StoredSlot>> {
        grid_slots_on(&mut self.conn()?, filial, doctor, from, to)
    }
}

/// [`Store::grid_slots`] on a connection the caller already holds.
fn grid_slots_on<Q: Queryable>(
    conn: &mut Q,
    filial: &str,
    doctor: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<StoredSlot>> {
    let window = read_window_on(conn, filial, doctor, from, to)?;
    window.slots(|q, params| {
        conn.exec(q, params)
            .map_err(|e| StorageError::query("grid: read slots", e))
    })
}

/// A slot row as `Priem_Slot` stores it: (date, start_utc, end_utc, start, end, free, room).
type SlotRow = (
    NaiveDate,
    NaiveDateTime,
    NaiveDateTime,
    u16,
    u16,
    bool,
    String,
);

/// What a doctor's grid or a booking's check is built from, read in one statement by
/// [`Store::read_window`]: the filial and doctor rows, the days' packed copies and the starts the
/// site holds. [`fingerprint`](Self::fingerprint) identifies it, [`Store::schedule_of`] unpacks
/// it.
#[derive(Debug)]
pub struct StoredWindow {
    filial: String,
    doctor: String,
    from: NaiveDateTime,
    to: NaiveDateTime,
    /// (zone, filial name, doctor name, specialties); `None` for an unknown filial, a `None`
    /// doctor name for a doctor unknown there.
    names: Option<Names>,
    /// Priem_Day's rows by date: `None` for a day whose packed copy a rejection removed.
    days: Vec<(NaiveDate, Option<Vec<u8>>)>,
    /// Held starts, sorted.
    held: Vec<NaiveDateTime>,
}

type Names = (String, Option<String>, Option<String>, Option<String>);

impl StoredWindow {
    /// A 64-bit hash of everything read (names, zone, packed days, holds): equal fingerprints
    /// mean the grid built from one window stands for the other (at the same clock). `None`
    /// when a day had no packed copy, so what it holds was not read yet.
    pub fn fingerprint(&self) -> Option<u64> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.names.hash(&mut h);
        for (date, packed) in &self.days {
            date.hash(&mut h);
            packed.as_deref()?.hash(&mut h);
        }
        self.held.hash(&mut h);
        Some(h.finish())
    }

    /// The slots starting in `[from, to)`, by start, held ones marked taken. The days without a
    /// packed copy are read from `Priem_Slot` by `query` (a statement and its parameters), only
    /// called for them.
    fn slots(
        &self,
        query: impl FnOnce(String, Vec<Value>) -> Result<Vec<SlotRow>>,
    ) -> Result<Vec<StoredSlot>> {
        let mut rows: Vec<SlotRow> = Vec::new();
        let mut unpacked: Vec<NaiveDate> = Vec::new();
        for (date, packed) in &self.days {
            match packed.as_deref().and_then(super::import::unpack) {
                Some(cells) => rows.extend(cells.into_iter().map(|c| {
                    (
                        *date,
                        c.start_utc,
                        c.end_utc,
                        c.start,
                        c.end,
                        c.free,
                        c.room.into_owned(),
                    )
                })),
                None => unpacked.push(*date),
            }
        }
        if !unpacked.is_empty() {
            let marks = vec!["?"; unpacked.len()].join(", ");
            let mut params: Vec<Value> =
                vec![self.filial.as_str().into(), self.doctor.as_str().into()];
            params.extend(unpacked.iter().map(|d| Value::from(*d)));
            let read = query(
                format!(
                    "SELECT date, start_utc, end_utc, start_min, end_min, free, room \
                         FROM Priem_Slot WHERE filial = ? AND doctor = ? AND date IN ({marks})"
                ),
                params,
            )?;
            rows.extend(read);
        }
        rows.retain(|r| r.1 >= self.from && r.1 < self.to);
        rows.sort_by_key(|r| r.1);
        Ok(rows
            .into_iter()
            .map(|(date, s, e, start, end, free, room)| {
                let is_held = self.held.binary_search(&s).is_ok();
                StoredSlot {
                    date,
                    start,
                    end,
                    start_utc: s.and_utc(),
                    end_utc: e.and_utc(),
                    free: free && !is_held,
                    held: free && is_held,
                    room,
                }
            })
            .collect())
    }
}

/// [`Store::read_window`] on a connection the caller holds.
///
/// One statement, one round trip (a grid is read per visitor's click, and round trips are most
/// of what it costs): the filial and doctor row, the days' packed copies and the holds, as a
/// `UNION ALL` tagged by its first column; dates and instants come as text in the shared second
/// column.
fn read_window_on<Q: Queryable>(
    conn: &mut Q,
    filial: &str,
    doctor: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<StoredWindow> {
    let (from_db, to_db) = (db_time(from), db_time(to));
    type Tagged = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<Vec<u8>>,
    );
    let rows: Vec<Tagged> = conn
        .exec(
            "SELECT 'n', f.zone, f.name, d.name, d.specialties FROM Priem_Filial f \
               LEFT JOIN Priem_Doctor d ON d.filial = f.code AND d.code = ? WHERE f.code = ? \
             UNION ALL SELECT 'd', date, NULL, NULL, packed FROM Priem_Day \
               WHERE filial = ? AND doctor = ? AND last_utc >= ? AND first_utc < ? \
             UNION ALL SELECT 'h', start_utc, NULL, NULL, NULL FROM Priem_Hold \
               WHERE filial = ? AND doctor = ? AND start_utc >= ? AND start_utc < ?",
            (
                doctor, filial, filial, doctor, from_db, to_db, filial, doctor, from_db, to_db,
            ),
        )
        .map_err(|e| StorageError::query("grid: read window", e))?;
    let corrupt = |table: &'static str, text: &Option<String>| StorageError::Corrupt {
        table,
        message: format!("{filial}/{doctor}: unreadable date or time {text:?}"),
    };
    let mut w = StoredWindow {
        filial: filial.to_owned(),
        doctor: doctor.to_owned(),
        from: from_db,
        to: to_db,
        names: None,
        days: Vec::new(),
        held: Vec::new(),
    };
    for (tag, a, b, c, e) in rows {
        match tag.as_str() {
            "n" => {
                let specialties = e.map(|b| String::from_utf8_lossy(&b).into_owned());
                w.names = Some((a.unwrap_or_default(), b, c, specialties));
            }
            "d" => {
                let date = a
                    .as_deref()
                    .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
                    .ok_or_else(|| corrupt("Priem_Day", &a))?;
                w.days.push((date, e));
            }
            _ => {
                let start = a
                    .as_deref()
                    .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f").ok())
                    .ok_or_else(|| corrupt("Priem_Hold", &a))?;
                w.held.push(start);
            }
        }
    }
    w.days.sort_by_key(|d| d.0);
    w.held.sort_unstable();
    Ok(w)
}

impl Store {
    /// One doctor's window `[from, to)` as stored, on one connection: see [`StoredWindow`].
    pub fn read_window(
        &self,
        filial: &str,
        doctor: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<StoredWindow> {
        read_window_on(&mut self.conn()?, filial, doctor, from, to)
    }

    /// One doctor's slots starting in `[from, to)` as a domain [`Schedule`], with the held
    /// times, for `domain::grid::for_doctor` and `domain::booking::validate`.
    pub fn load_schedule(
        &self,
        filial: &str,
        doctor: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<LoadedSchedule> {
        let window = self.read_window(filial, doctor, from, to)?;
        self.schedule_of(window)
    }

    /// The [`LoadedSchedule`] of a window read by [`read_window`](Self::read_window) (a day
    /// without a packed copy costs one more query).
    pub fn schedule_of(&self, window: StoredWindow) -> Result<LoadedSchedule> {
        let mut out = LoadedSchedule {
            schedule: Schedule::default(),
            held: Vec::new(),
        };
        let Some((zone, name, doctor_name, specialties)) = &window.names else {
            return Ok(out);
        };
        out.schedule.filials.push(Filial {
            code: Cow::Owned(window.filial.clone()),
            name: name.clone().map(Cow::Owned),
            zone: super::directory::filial_zone(&window.filial, zone)?,
        });
        // a filial without the doctor: `grid::for_doctor` says which is unknown
        let Some(doctor_name) = doctor_name else {
            return Ok(out);
        };
        out.schedule.doctors.push(Doctor {
            filial: 0,
            code: Cow::Owned(window.doctor.clone()),
            name: Cow::Owned(doctor_name.clone()),
            specialties: split_specialties(specialties.as_deref().unwrap_or_default()),
        });
        let slots = window.slots(|q, params| {
            self.conn()?
                .exec(q, params)
                .map_err(|e| StorageError::query("grid: read slots", e))
        })?;
        for s in slots {
            if s.held {
                out.held.push(s.start_utc);
            }
            out.schedule.slots.push(Slot {
                doctor: 0,
                date: s.date,
                start: s.start,
                end: s.end,
                start_utc: s.start_utc,
                end_utc: s.end_utc,
                free: s.free || s.held,
                room: Cow::Owned(s.room),
            });
        }
        Ok(out)
    }
}

fn booking_id_by_key<Q: Queryable>(q: &mut Q, key: &str) -> Result<Option<BookingId>> {
    q.exec_first(
        "SELECT id FROM Priem_Booking WHERE idempotency_key = ?",
        (key,),
    )
    .map_err(|e| StorageError::query("booking: find key", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [
            BookingStatus::Queued,
            BookingStatus::Sent,
            BookingStatus::Confirmed,
            BookingStatus::Rejected,
            BookingStatus::Unknown,
        ] {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
        }
        assert!(BookingStatus::Confirmed.is_final());
        assert!(!BookingStatus::Unknown.is_final());
        assert_eq!(
            BookingSource::parse("prodoctorov"),
            Some(BookingSource::Prodoctorov)
        );
        assert_eq!(BookingSource::parse("x"), None);
    }

    #[test]
    fn new_bookings_are_checked() {
        let t: DateTime<Utc> = "2026-12-01T06:00:00Z".parse().unwrap();
        let b = NewBooking {
            idempotency_key: "k".into(),
            source: BookingSource::Site,
            filial: "1".into(),
            doctor: "0001".into(),
            start_utc: t,
            end_utc: t + chrono::Duration::minutes(30),
            payload: "{}".into(),
            phone_masked: "7900***4567".into(),
            consent: None,
        };
        assert!(validate_new(&b).is_ok());
        let empty = NewBooking {
            idempotency_key: " ".into(),
            ..b.clone()
        };
        assert!(matches!(
            validate_new(&empty),
            Err(StorageError::Invalid { .. })
        ));
        let backwards = NewBooking {
            end_utc: t,
            ..b.clone()
        };
        assert!(matches!(
            validate_new(&backwards),
            Err(StorageError::Invalid { .. })
        ));
        let long = NewBooking {
            doctor: "0".repeat(65),
            ..b
        };
        assert!(matches!(
            validate_new(&long),
            Err(StorageError::TooLong { .. })
        ));
    }
}
