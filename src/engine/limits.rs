//! The protections that count (settings `limits`): which address a request comes from, booking
//! attempts per address, failed logins per address (push and ProDoctorov's endpoint), and the
//! quotas a booking from the site is counted in — per phone number and per doctor-day — with
//! its form token made single-use. The counters live in `Priem_RateLimit` under salted hashes
//! ([`bucket`]); an address counts per IPv4 address or per IPv6 /64
//! ([`crate::domain::address::budget`]). Windows are fixed: a count applies until its window
//! ends.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::{BookRequest, Engine};
use crate::domain::address;
use crate::domain::booking::ValidBooking;
use crate::storage::{Admission, Quota, QuotaKind, StorageError};

/// Booking attempts are counted per address in windows of this many seconds.
pub const ADDRESS_WINDOW_S: i64 = 600;
/// Bookings are counted per phone number in windows of this many seconds.
pub const PHONE_WINDOW_S: i64 = 86_400;
/// This many wrong logins from an address within [`LOGIN_WINDOW_S`] close the door to it until
/// the window ends (429).
pub const LOGIN_FAILURES: u64 = 10;
pub const LOGIN_WINDOW_S: i64 = 600;

/// Why a booking from the site was not taken, in the visitor's words; nothing was stored.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// The phone number has its bookings for the day; `retry_after` seconds until the count
    /// starts again.
    #[error(
        "На этот номер уже сделано несколько записей за сутки. Чтобы записаться ещё, позвоните в клинику."
    )]
    Phone { retry_after: u64 },
    /// The doctor's day has as many bookings from the site as the clinic allows.
    #[error(
        "Запись к этому врачу на этот день через сайт закрыта. Выберите другой день или позвоните в клинику."
    )]
    DoctorDay { retry_after: u64 },
    /// The form token already made a booking (and this is not a repeat of that one).
    #[error("Эта форма уже отправлена. Нажмите «Записаться» ещё раз.")]
    FormUsed,
}

impl Refusal {
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Refusal::Phone { retry_after } | Refusal::DoctorDay { retry_after } => {
                Some(*retry_after)
            }
            Refusal::FormUsed => None,
        }
    }

    pub(super) fn of_quota(kind: QuotaKind, until: DateTime<Utc>, now: DateTime<Utc>) -> Refusal {
        let retry_after = wait(until, now);
        match kind {
            QuotaKind::Phone => Refusal::Phone { retry_after },
            QuotaKind::DoctorDay => Refusal::DoctorDay { retry_after },
        }
    }
}

/// The window of `len` seconds `now` falls in: its start (as stored) and its end.
fn window(now: DateTime<Utc>, len: i64) -> (NaiveDateTime, DateTime<Utc>) {
    let start = now.timestamp().div_euclid(len) * len;
    let start = DateTime::from_timestamp(start, 0).unwrap_or(now);
    (start.naive_utc(), start + Duration::seconds(len))
}

/// Whole seconds from `now` to `until`, at least 1.
fn wait(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    u64::try_from((until - now).num_seconds())
        .unwrap_or(0)
        .max(1)
}

impl Engine {
    /// A bucket name: `kind:` and a hash keyed by the settings' secret, never the value itself.
    fn bucket(&self, kind: &str, value: &str) -> String {
        let mut h = Sha256::new();
        for part in [self.settings().limits.secret.expose(), kind, value] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let hex = format!("{:x}", h.finalize());
        format!("{kind}:{}", &hex[..40])
    }

    /// The budget an address draws on (an IPv4 address, an IPv6 /64; anything else as given).
    fn address_bucket(&self, kind: &str, client: &str) -> String {
        let unit = address::parse_ip(client)
            .map(address::budget)
            .unwrap_or_else(|| client.trim().to_owned());
        self.bucket(kind, &unit)
    }

    /// The address a request comes from: `remote` (the TCP peer), or — when that is one of the
    /// trusted proxies (`limits.trusted_proxies`) — what its `X-Forwarded-For` says. The one
    /// place that decides it: rate limits, the consent record and the captcha all use this.
    pub fn client_address(&self, remote: &str, forwarded_for: Option<&str>) -> String {
        address::client(
            remote,
            forwarded_for,
            &self.settings().limits.trusted_proxies,
        )
        .map_or_else(|| remote.trim().to_owned(), |ip| ip.to_string())
    }

    /// Counts one booking attempt of the address; the seconds it must wait when that exceeds
    /// `limits.per_address` in the window, else 0.
    pub fn count_attempt(&self, client: &str, now: DateTime<Utc>) -> Result<u64, StorageError> {
        let (start, end) = window(now, ADDRESS_WINDOW_S);
        let hits = self
            .store()
            .count_hit(&self.address_bucket("ip", client), start)?;
        Ok(if hits > u64::from(self.settings().limits.per_address) {
            wait(end, now)
        } else {
            0
        })
    }

    /// The seconds the address must wait before its credentials are checked again (0: go on):
    /// it had [`LOGIN_FAILURES`] wrong logins in the window.
    pub fn login_wait(&self, client: &str, now: DateTime<Utc>) -> Result<u64, StorageError> {
        let (start, end) = window(now, LOGIN_WINDOW_S);
        let failures = self
            .store()
            .hits(&self.address_bucket("login", client), start)?;
        Ok(if failures >= LOGIN_FAILURES {
            wait(end, now)
        } else {
            0
        })
    }

    /// Counts a wrong login from the address; the wait it now has (0 while under the limit).
    pub fn login_failed(&self, client: &str, now: DateTime<Utc>) -> Result<u64, StorageError> {
        let (start, end) = window(now, LOGIN_WINDOW_S);
        let failures = self
            .store()
            .count_hit(&self.address_bucket("login", client), start)?;
        Ok(if failures >= LOGIN_FAILURES {
            wait(end, now)
        } else {
            0
        })
    }

    /// What a booking from the site passes as it is stored: its form token is used once, and
    /// it is counted per phone number and per doctor-day.
    pub(super) fn admission(
        &self,
        req: &BookRequest,
        valid: &ValidBooking,
        now: DateTime<Utc>,
    ) -> Admission {
        let limits = &self.settings().limits;
        let (start, until) = window(now, PHONE_WINDOW_S);
        let phone = Quota {
            kind: QuotaKind::Phone,
            bucket: self.bucket("phone", &valid.request.phone),
            window: start,
            until,
            limit: limits.per_phone,
        };
        let day = format!(
            "{}\0{}\0{}",
            valid.request.filial_id, valid.request.doctor_id, valid.date
        );
        let doctor_day = Quota {
            kind: QuotaKind::DoctorDay,
            bucket: self.bucket("day", &day),
            window: valid.date.and_time(chrono::NaiveTime::MIN),
            until: valid.end_utc,
            limit: limits.per_doctor_day,
        };
        Admission {
            form_nonce: req.form_nonce.clone(),
            quotas: vec![phone, doctor_day],
        }
    }

    /// Drops counters whose windows are over (the cron tick): two days back, since the longest
    /// window is a day and a doctor-day's window is its date.
    pub(super) fn prune_counters(&self, now: DateTime<Utc>) -> Result<u64, StorageError> {
        self.store()
            .prune_counters((now - Duration::days(2)).naive_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_fixed_and_waits_run_to_their_end() {
        let now: DateTime<Utc> = "2026-12-01T06:07:30Z".parse().unwrap();
        let (start, end) = window(now, ADDRESS_WINDOW_S);
        assert_eq!(start.to_string(), "2026-12-01 06:00:00");
        assert_eq!(wait(end, now), 150);
        let (start, _) = window(now, PHONE_WINDOW_S);
        assert_eq!(start.to_string(), "2026-12-01 00:00:00");
        assert_eq!(wait(now, now), 1, "never 0: 0 means go on");
    }
}
