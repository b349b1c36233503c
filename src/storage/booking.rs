//! Bookings, the database half: holding a slot and queueing the booking in one transaction,
//! and reading bookings back. Their delivery states are the outbox's ([`super::outbox`]).
//!
//! # Who gets a time
//! [`Store::hold_and_queue`] locks the slot row (`SELECT … FOR UPDATE`), checks it is free in
//! the MIS, inserts the booking and then the hold. `Priem_Hold`'s primary key (filial, doctor,
//! start_utc) decides: the second insert for one time fails with a duplicate key and its whole
//! transaction (booking included) is rolled back — [`HoldError::Taken`]. Nothing is checked
//! and then inserted separately. A booking from the site is also counted in its quotas and
//! keeps its form token's nonce in the same transaction ([`Admission`], see [`super::limits`]).

use chrono::{DateTime, NaiveDateTime, Utc};
use mysql::prelude::Queryable;
use mysql::{Row, Value};
use thiserror::Error;

use super::import::CODE_MAX;
use super::limits::{take_quota, Admission, QuotaKind};
use super::{check_len, db_time, LockConflict, Result, StorageError, Store};
use crate::domain::booking::{BookingSource, BookingStatus, Consent, ValidBooking};
use crate::domain::{phone, zone};

pub type BookingId = u64;

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
    /// What a booking from the site must pass (nothing for ProDoctorov's).
    pub admission: Admission,
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
            admission: Admission::default(),
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
    #[error("запись {0} уже сделана с этим ключом идемпотентности")]
    Duplicate(BookingId),
    /// Another booking was made with the same form token.
    #[error("по этой форме уже сделана запись")]
    FormUsed,
    /// A quota is full: nothing was stored or counted.
    #[error("достигнут предел записей ({0:?})")]
    Limited(QuotaKind, DateTime<Utc>),
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

/// Which bookings the journal lists; `None` = any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BookingFilter {
    pub source: Option<BookingSource>,
    pub status: Option<BookingStatus>,
    /// Made on this day of the staff's calendar (Moscow time, as «Создана» shows it) or later.
    pub from: Option<chrono::NaiveDate>,
    /// Made on this day of the staff's calendar (Moscow time) or earlier.
    pub to: Option<chrono::NaiveDate>,
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
    /// An attempt may have reached the MIS without an answer (see `BookingStatus::Check`).
    pub unsure: bool,
    pub mis_reference: Option<String>,
    /// When a snapshot of the MIS first showed the confirmed time busy.
    pub mis_seen_at: Option<DateTime<Utc>>,
    /// Since when the MIS shows the confirmed time free (see `storage::reconcile`).
    pub mis_missing_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub consent: Option<Consent>,
    pub phone_masked: String,
    /// When the patient's data was removed (retention or erasure, `storage::privacy`).
    pub anonymized_at: Option<DateTime<Utc>>,
    /// The doctor and the clinic as the visitor was first shown them (JSON written by the
    /// engine's view, see [`Store::keep_booking_names`]); `None` before that.
    pub names: Option<String>,
}

impl BookingRecord {
    /// Whether it may be sent again by hand («Повторить отправку»): its status allows it and
    /// the patient's data is still there.
    pub fn retryable(&self) -> bool {
        self.status.retryable() && self.anonymized_at.is_none()
    }
}

pub(super) const BOOKING_COLUMNS: &str =
    "id, idempotency_key, source, status, filial, doctor, start_utc, \
    end_utc, payload, attempts, next_attempt_at, last_error, mis_reference, created_at, sent_at, \
    answered_at, consent_at, consent_ip, consent_version, phone_masked, unsure, mis_seen_at, \
    mis_missing_at, anonymized_at, names";

pub(super) fn corrupt(message: String) -> StorageError {
    StorageError::Corrupt {
        table: "Priem_Booking",
        message,
    }
}

pub(super) fn booking_from_row(row: Row) -> Result<BookingRecord> {
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
        unsure: take(&mut row, 20, "unsure")?,
        mis_seen_at: take::<Option<NaiveDateTime>>(&mut row, 21, "mis_seen_at")?.map(utc),
        mis_missing_at: take::<Option<NaiveDateTime>>(&mut row, 22, "mis_missing_at")?.map(utc),
        anonymized_at: take::<Option<NaiveDateTime>>(&mut row, 23, "anonymized_at")?.map(utc),
        names: take(&mut row, 24, "names")?,
    })
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
    check_len(|| "ключ повтора".into(), &b.idempotency_key, 128)?;
    check_len(|| "код филиала".into(), &b.filial, CODE_MAX)?;
    check_len(|| "код врача".into(), &b.doctor, CODE_MAX)?;
    check_len(|| "скрытый телефон".into(), &b.phone_masked, 32)?;
    b.admission.validate()?;
    if let Some(c) = &b.consent {
        check_len(|| "IP согласия".into(), &c.ip, 45)?;
        check_len(|| "версия текста согласия".into(), &c.text_version, 64)?;
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
        let result = self.transaction(
            "записи: удержание времени",
            |tx| -> Result<BookingId, HoldError> {
                if let Some(id) = booking_id_by_key(tx, &b.idempotency_key)? {
                    return Err(HoldError::Duplicate(id));
                }
                let slot: Option<(NaiveDateTime, bool)> = tx
                    .exec_first(
                        "SELECT end_utc, free FROM Priem_Slot \
                     WHERE filial = ? AND doctor = ? AND start_utc = ? FOR UPDATE",
                        (&b.filial, &b.doctor, start),
                    )
                    .map_err(|e| StorageError::query("записи: блокировка времени", e))?;
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
                     consent_version, phone_masked, form_nonce) \
                     VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
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
                        // ProDoctorov's consent has no address of the site's visitor.
                        consent
                            .filter(|c| !c.ip.is_empty())
                            .map_or(Value::NULL, |c| (&c.ip).into()),
                        consent.map_or(Value::NULL, |c| (&c.text_version).into()),
                        (&b.phone_masked).into(),
                        b.admission
                            .form_nonce
                            .as_ref()
                            .map_or(Value::NULL, Value::from),
                    ],
                )
                .map_err(|e| StorageError::query("записи: добавление", e))?
                .last_insert_id()
                .ok_or_else(|| corrupt("no id for the inserted booking".into()))?;
                let held = tx.exec_drop(
                    "INSERT INTO Priem_Hold (filial, doctor, start_utc, booking_id, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
                    (&b.filial, &b.doctor, start, id, now_db),
                );
                match held {
                    Ok(()) => {}
                    Err(mysql::Error::MySqlError(e)) if e.code == 1062 => {
                        return Err(HoldError::Taken)
                    }
                    Err(e) => {
                        return Err(StorageError::query("записи: удержание времени", e).into())
                    }
                }
                for q in &b.admission.quotas {
                    if !take_quota(tx, q)? {
                        return Err(HoldError::Limited(q.kind, q.until));
                    }
                }
                Ok(id)
            },
        );
        match result {
            // Another request with the same key committed between our check and our insert.
            Err(HoldError::Storage(StorageError::Query {
                context: "записи: добавление",
                code: Some(1062),
                ..
            })) => {
                let mut conn = self.conn()?;
                if let Some(id) = booking_id_by_key(&mut conn, &b.idempotency_key)? {
                    return Err(HoldError::Duplicate(id));
                }
                match &b.admission.form_nonce {
                    Some(nonce) if nonce_used(&mut conn, nonce)? => Err(HoldError::FormUsed),
                    _ => Err(HoldError::Taken),
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
            .map_err(|e| StorageError::query("записи: чтение", e))?;
        row.map(booking_from_row).transpose()
    }

    /// Keeps the names the visitor was shown for booking `id` (see [`BookingRecord::names`]),
    /// unless some are kept already: the first view's names stay.
    pub fn keep_booking_names(&self, id: BookingId, names: &str) -> Result<()> {
        let mut conn = self.conn()?;
        conn.exec_drop(
            "UPDATE Priem_Booking SET names = ? WHERE id = ? AND names IS NULL",
            (names, id),
        )
        .map_err(|e| StorageError::query("записи: имена для посетителя", e))
    }

    /// The booking an idempotency key made, if any.
    pub fn booking_by_key(&self, key: &str) -> Result<Option<BookingRecord>> {
        let mut conn = self.conn()?;
        let row: Option<Row> = conn
            .exec_first(
                format!("SELECT {BOOKING_COLUMNS} FROM Priem_Booking WHERE idempotency_key = ?"),
                (key,),
            )
            .map_err(|e| StorageError::query("записи: чтение", e))?;
        row.map(booking_from_row).transpose()
    }

    /// Whether the stored schedule (the MIS's last snapshot of the doctor) shows the booking's
    /// time free; `None` when it has no cell starting then.
    pub fn mis_shows_free(&self, b: &BookingRecord) -> Result<Option<bool>> {
        let mut conn = self.conn()?;
        conn.exec_first(
            "SELECT free FROM Priem_Slot WHERE filial = ? AND doctor = ? AND start_utc = ?",
            (&b.filial, &b.doctor, db_time(b.start_utc)),
        )
        .map_err(|e| StorageError::query("записи: состояние времени", e))
    }

    /// The newest bookings that match `filter` first (at most `limit`), for the journal.
    pub fn recent_bookings(
        &self,
        filter: &BookingFilter,
        limit: u32,
    ) -> Result<Vec<BookingRecord>> {
        let mut condition = vec!["1 = 1"];
        let mut params: Vec<Value> = Vec::new();
        if let Some(source) = filter.source {
            condition.push("source = ?");
            params.push(source.as_str().into());
        }
        if let Some(status) = filter.status {
            condition.push("status = ?");
            params.push(status.as_str().into());
        }
        if let Some(from) = filter.from {
            condition.push("created_at >= ?");
            params.push(db_time(zone::staff_day_start(from)).into());
        }
        if let Some(to) = filter.to.and_then(|d| d.succ_opt()) {
            condition.push("created_at < ?");
            params.push(db_time(zone::staff_day_start(to)).into());
        }
        params.push(limit.into());
        self.bookings_where(
            &format!("{} ORDER BY id DESC LIMIT ?", condition.join(" AND ")),
            params,
        )
    }

    /// Bookings made per day and status: `days` holds the moments the days begin, then the end of
    /// the last one (`days.len() - 1` days, of any zone's calendar: the caller decides); each
    /// count names its day by its index.
    pub fn bookings_per_day(
        &self,
        days: &[DateTime<Utc>],
    ) -> Result<Vec<(usize, BookingStatus, u64)>> {
        let (Some(first), Some(end)) = (days.first(), days.last()) else {
            return Ok(Vec::new());
        };
        // INTERVAL(x, b0, b1, …) is 1 for b0 <= x < b1, 2 for b1 <= x < b2, …
        let marks = vec!["?"; days.len()].join(", ");
        let mut params: Vec<Value> = days.iter().map(|d| db_time(*d).into()).collect();
        params.push(db_time(*first).into());
        params.push(db_time(*end).into());
        let mut conn = self.conn()?;
        let rows: Vec<(u64, String, u64)> = conn
            .exec(
                format!(
                    "SELECT INTERVAL(created_at, {marks}) AS d, status, COUNT(*) \
                     FROM Priem_Booking WHERE created_at >= ? AND created_at < ? \
                     GROUP BY d, status ORDER BY d"
                ),
                params,
            )
            .map_err(|e| StorageError::query("записи: подсчёт за день", e))?;
        rows.into_iter()
            .map(|(d, status, n)| {
                let s = BookingStatus::parse(&status)
                    .ok_or_else(|| corrupt(format!("unknown status {status:?}")))?;
                let day = usize::try_from(d)
                    .ok()
                    .and_then(|d| d.checked_sub(1))
                    .ok_or_else(|| corrupt(format!("day {d} outside the days asked for")))?;
                Ok((day, s, n))
            })
            .collect()
    }

    pub(super) fn bookings_where(
        &self,
        condition: &str,
        params: Vec<Value>,
    ) -> Result<Vec<BookingRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<Row> = conn
            .exec(
                format!("SELECT {BOOKING_COLUMNS} FROM Priem_Booking WHERE {condition}"),
                params,
            )
            .map_err(|e| StorageError::query("записи: список", e))?;
        rows.into_iter().map(booking_from_row).collect()
    }
}

fn nonce_used<Q: Queryable>(q: &mut Q, nonce: &str) -> Result<bool> {
    let n: Option<u64> = q
        .exec_first(
            "SELECT COUNT(*) FROM Priem_Booking WHERE form_nonce = ?",
            (nonce,),
        )
        .map_err(|e| StorageError::query("записи: поиск токена формы", e))?;
    Ok(n.unwrap_or(0) > 0)
}

fn booking_id_by_key<Q: Queryable>(q: &mut Q, key: &str) -> Result<Option<BookingId>> {
    q.exec_first(
        "SELECT id FROM Priem_Booking WHERE idempotency_key = ?",
        (key,),
    )
    .map_err(|e| StorageError::query("записи: поиск ключа повтора", e))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            admission: Admission::default(),
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
