//! The counters of the rate limits (`Priem_RateLimit`, `sql/002_form.sql`) and what a booking
//! from the site must pass in its own transaction (the form token's nonce, quotas).
//!
//! A counter is one row per (bucket, window): the bucket names what is counted (the engine
//! makes it a salted hash, so no address or phone number is stored) and the window is the
//! start of the counting period. One statement counts a hit and reads the count back
//! ([`Store::count_hit`]), so parallel requests never both see the last free place. A quota is
//! counted inside the booking's transaction ([`take_quota`]): the row stays locked until the
//! booking commits or rolls back, and a booking over the limit rolls its own count back.

use chrono::{DateTime, NaiveDateTime, Utc};
use mysql::prelude::Queryable;

use super::{check_len, exec, Result, StorageError, Store};

/// What a counter counts (for the answer when it is full).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaKind {
    /// Bookings per phone number.
    Phone,
    /// Bookings from the site per doctor and day of appointments.
    DoctorDay,
}

/// A counter a booking is counted in, and the most it may hold with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    pub kind: QuotaKind,
    pub bucket: String,
    /// The start of the counting period (for a doctor-day: the day's local midnight).
    pub window: NaiveDateTime,
    /// When the counter no longer applies (what a "try again" waits for).
    pub until: DateTime<Utc>,
    pub limit: u32,
}

/// What a booking from the site must pass in the transaction that stores it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admission {
    /// The nonce of the form token it was sent with: one booking per token.
    pub form_nonce: Option<String>,
    /// Counters it is counted in; each must stay within its limit.
    pub quotas: Vec<Quota>,
}

impl Admission {
    pub(super) fn validate(&self) -> Result<()> {
        if let Some(n) = &self.form_nonce {
            check_len(|| "одноразовый номер токена формы".into(), n, 64)?;
        }
        for q in &self.quotas {
            check_len(|| "счётчик ограничения".into(), &q.bucket, 80)?;
        }
        Ok(())
    }
}

/// Counts the booking in `quota` within the caller's transaction; `false` when that makes the
/// count exceed the limit (the caller rolls back, which takes the count back too).
pub(super) fn take_quota<Q: Queryable>(q: &mut Q, quota: &Quota) -> Result<bool> {
    Ok(count(q, &quota.bucket, quota.window)? <= u64::from(quota.limit))
}

/// One hit in (bucket, window); the count with it. `LAST_INSERT_ID(expr)` hands the new count
/// back from the same statement.
fn count<Q: Queryable>(q: &mut Q, bucket: &str, window: NaiveDateTime) -> Result<u64> {
    q.exec_iter(
        "INSERT INTO Priem_RateLimit (bucket, window_start, hits) VALUES (?, ?, LAST_INSERT_ID(1)) \
         ON DUPLICATE KEY UPDATE hits = LAST_INSERT_ID(hits + 1)",
        (bucket, window),
    )
    .map_err(|e| StorageError::query("ограничения: подсчёт", e))?
    .last_insert_id()
    .ok_or_else(|| StorageError::Corrupt {
        table: "Priem_RateLimit",
        message: "the count did not come back".into(),
    })
}

impl Store {
    /// Counts one hit in the bucket's window and returns the count with it.
    pub fn count_hit(&self, bucket: &str, window: NaiveDateTime) -> Result<u64> {
        check_len(|| "счётчик ограничения".into(), bucket, 80)?;
        count(&mut self.conn()?, bucket, window)
    }

    /// The hits counted in the bucket's window (0 when none).
    pub fn hits(&self, bucket: &str, window: NaiveDateTime) -> Result<u64> {
        let n: Option<u64> = self
            .conn()?
            .exec_first(
                "SELECT hits FROM Priem_RateLimit WHERE bucket = ? AND window_start = ?",
                (bucket, window),
            )
            .map_err(|e| StorageError::query("ограничения: чтение", e))?;
        Ok(n.unwrap_or(0))
    }

    /// Gives the form token of a booking back (the MIS refused it: the visitor may book
    /// another time with the same form).
    pub fn release_form_nonce(&self, id: super::BookingId) -> Result<()> {
        exec(
            &mut self.conn()?,
            "записи: возврат токена формы",
            "UPDATE Priem_Booking SET form_nonce = NULL WHERE id = ?",
            vec![id.into()],
        )
        .map(|_| ())
    }

    /// Deletes the counters of windows that started before `before`; how many.
    pub fn prune_counters(&self, before: NaiveDateTime) -> Result<u64> {
        exec(
            &mut self.conn()?,
            "ограничения: очистка",
            "DELETE FROM Priem_RateLimit WHERE window_start < ?",
            vec![before.into()],
        )
    }
}
