//! The patients' data (152-ФЗ): kept `booking.retention_days` after the appointment, erased
//! on request, in the database (`storage::privacy`) and on the FTP exchange alike.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use thiserror::Error;

use super::Engine;
use crate::domain::booking::BookingStatus;
use crate::domain::phone;
use crate::storage::{BookingRecord, ErasureRecord, StorageError};
use crate::transport::ftp::FtpSession;

/// Bookings one tick anonymizes at most (the rest wait for the next one).
const RETENTION_BATCH: u32 = 500;

/// What a retention step or an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Forgotten {
    /// Bookings whose patient's data was removed.
    pub bookings: usize,
    /// Booking and result files deleted from FTP.
    pub files: usize,
    /// Alert texts and sync run errors that quoted the patient.
    pub texts: u64,
    /// Bookings not yet settled with the MIS that an erasure cancelled.
    pub cancelled: usize,
}

/// Why the patient's data could not be removed; nothing was changed.
#[derive(Debug, Error)]
pub enum EraseError {
    /// The phone number is not one (the message is for the admin, in Russian).
    #[error("{0}")]
    Phone(String),
    /// Who erases must be said (1–255 characters).
    #[error("не указано, кто удаляет данные")]
    Actor,
    /// The FTP server could not be reached or refused a deletion.
    #[error("файлы записей на FTP не удалены ({0}); данные пациента не тронуты — повторите позже")]
    Ftp(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What an erasure leaves in a booking it cancels.
const ERASED: &str = "данные пациента удалены по его запросу";

impl Engine {
    /// The tick's retention step: bookings whose appointment started more than
    /// `booking.retention_days` ago lose the patient's data. `None` when retention is off.
    pub(crate) fn forget_old(&self, now: DateTime<Utc>) -> Option<Result<Forgotten, EraseError>> {
        let days = self.settings().booking.retention_days;
        if days == 0 {
            return None;
        }
        let before = now - Duration::days(i64::from(days));
        Some(
            self.store()
                .due_for_anonymizing(before, RETENTION_BATCH)
                .map_err(EraseError::from)
                .and_then(|due| self.forget(due, now)),
        )
    }

    /// Erasure on request: removes the data of the patient with this phone number (any way it
    /// is written) from every booking, from the alerts and sync runs that quote them and from
    /// the FTP exchange, and records `actor` (who erased) and when — never the patient. A booking
    /// the MIS has not settled yet is cancelled first (it can no longer be sent). An FTP server
    /// that fails leaves everything as it was.
    pub fn erase_person(
        &self,
        phone_number: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Forgotten, EraseError> {
        let actor = actor.trim();
        if actor.is_empty() || actor.chars().count() > 255 {
            return Err(EraseError::Actor);
        }
        let number =
            phone::normalize(phone_number).map_err(|e| EraseError::Phone(e.to_string()))?;
        let store = self.store();
        let bookings = store.bookings_of_phone(&number)?;
        let files = self.forget_files(&bookings, now)?;
        let mut cancelled = 0;
        let mut current = Vec::with_capacity(bookings.len());
        for b in bookings {
            if matches!(
                b.status,
                BookingStatus::Queued
                    | BookingStatus::Sent
                    | BookingStatus::Unknown
                    | BookingStatus::Check
            ) {
                store.mark_rejected(b.id, now, ERASED)?;
                cancelled += 1;
            }
            current.extend(store.booking(b.id)?);
        }
        let texts = store.anonymize(&current, now)?;
        let forgotten = Forgotten {
            bookings: current.len(),
            files,
            texts,
            cancelled,
        };
        store.record_erasure(&ErasureRecord {
            erased_at: now,
            actor: actor.to_owned(),
            bookings: u32::try_from(forgotten.bookings).unwrap_or(u32::MAX),
            files: u32::try_from(files).unwrap_or(u32::MAX),
        })?;
        Ok(forgotten)
    }

    /// Removes the patients' data of these bookings: the FTP files first (a failing server
    /// changes nothing), then the database.
    fn forget(
        &self,
        bookings: Vec<BookingRecord>,
        now: DateTime<Utc>,
    ) -> Result<Forgotten, EraseError> {
        if bookings.is_empty() {
            return Ok(Forgotten::default());
        }
        let files = self.forget_files(&bookings, now)?;
        let texts = self.store().anonymize(&bookings, now)?;
        Ok(Forgotten {
            bookings: bookings.len(),
            files,
            texts,
            cancelled: 0,
        })
    }

    /// Deletes the bookings' files from the FTP exchange (none without an FTP server).
    fn forget_files(
        &self,
        bookings: &[BookingRecord],
        now: DateTime<Utc>,
    ) -> Result<usize, EraseError> {
        let (Some(cfg), false) = (&self.settings().ftp, bookings.is_empty()) else {
            return Ok(0);
        };
        let ids: Vec<u64> = bookings.iter().map(|b| b.id).collect();
        let mut session = FtpSession::connect(cfg).map_err(|e| EraseError::Ftp(e.to_string()))?;
        let deleted = session.forget_bookings(&ids);
        self.end_ftp(session, now);
        deleted.map_err(|e| EraseError::Ftp(e.to_string()))
    }
}
