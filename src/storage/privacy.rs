//! The patients' data (152-ФЗ) in the database: finding it and removing it.
//!
//! A booking keeps its patient's data in its payload (the name, phone and comment the MIS
//! receives; the v2 format splits the name and may carry a birthday), its masked phone, the
//! address its consent came from, and — quoted by the MIS — possibly in its last error. The MIS's
//! words may also reach an alert's text or a sync run's errors. [`Store::anonymize`] removes all
//! of it and stamps `anonymized_at`; the row itself stays for statistics (filial, doctor, times,
//! status, source, when the consent was given and to which text). The files on FTP are the
//! engine's (`engine::privacy`).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use mysql::prelude::Queryable;

use super::booking::BookingRecord;
use super::{check_len, db_time, exec, Result, StorageError, Store};
use crate::domain::phone;
use crate::wire::booking::{anonymize_payload, patient_of};

/// What replaces a patient's name or phone in a text.
const GONE: &str = "***";

/// An erasure on request: who and when, never whose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureRecord {
    pub erased_at: DateTime<Utc>,
    /// Who asked the module to erase (the admin user).
    pub actor: String,
    /// Bookings whose data was removed.
    pub bookings: u32,
    /// Booking and result files deleted from FTP.
    pub files: u32,
}

impl Store {
    /// Bookings that still hold a patient's data and whose appointment started before
    /// `before`, oldest first, at most `limit`.
    pub fn due_for_anonymizing(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<BookingRecord>> {
        self.bookings_where(
            "anonymized_at IS NULL AND start_utc < ? ORDER BY id LIMIT ?",
            vec![db_time(before).into(), limit.into()],
        )
    }

    /// The bookings that still hold the data of the patient with this phone number
    /// (`7XXXXXXXXXX`, as `domain::phone::normalize` writes it).
    pub fn bookings_of_phone(&self, number: &str) -> Result<Vec<BookingRecord>> {
        let candidates = self.bookings_where(
            "anonymized_at IS NULL AND phone_masked = ? ORDER BY id",
            vec![phone::mask(number).into()],
        )?;
        Ok(candidates
            .into_iter()
            .filter(|b| patient_of(&b.payload).phone.as_deref() == Some(number))
            .collect())
    }

    /// Removes the patients' data from these bookings (see the module docs) and stamps them
    /// `anonymized_at = now`; the patients' names and phones are also replaced by `***` in
    /// every alert and sync run error that quotes them. Returns how many texts changed.
    pub fn anonymize(&self, bookings: &[BookingRecord], now: DateTime<Utc>) -> Result<u64> {
        self.transaction(
            "персональные данные: обезличивание",
            |tx| {
                let mut all = BTreeSet::new();
                for b in bookings {
                    let mine = words(&b.payload);
                    let last_error = b.last_error.as_deref().map(|e| scrub(e, &mine));
                    exec(
                        tx,
                        "персональные данные: обезличивание записи",
                        "UPDATE Priem_Booking SET payload = ?, last_error = ?, phone_masked = '', \
                     consent_ip = NULL, anonymized_at = ? WHERE id = ?",
                        vec![
                            anonymize_payload(&b.payload).into(),
                            last_error.into(),
                            db_time(now).into(),
                            b.id.into(),
                        ],
                    )?;
                    all.extend(mine);
                }
                let mut texts = 0;
                for w in &longest_first(all) {
                    texts += exec(
                        tx,
                        "персональные данные: очистка оповещений",
                        "UPDATE Priem_Alert SET text = REPLACE(text, ?, ?), \
                     last_error = REPLACE(last_error, ?, ?) \
                     WHERE INSTR(text, ?) > 0 OR INSTR(last_error, ?) > 0",
                        vec![
                            w.into(),
                            GONE.into(),
                            w.into(),
                            GONE.into(),
                            w.into(),
                            w.into(),
                        ],
                    )?;
                    texts += exec(
                        tx,
                        "персональные данные: очистка журнала синхронизации",
                        "UPDATE Priem_SyncRun SET errors = REPLACE(errors, ?, ?) \
                     WHERE INSTR(errors, ?) > 0",
                        vec![w.into(), GONE.into(), w.into()],
                    )?;
                }
                Ok::<u64, StorageError>(texts)
            },
        )
    }

    /// Records an erasure on request (who, when, how many; never whose).
    pub fn record_erasure(&self, r: &ErasureRecord) -> Result<()> {
        check_len(|| "кто удалил".into(), &r.actor, 255)?;
        let mut conn = self.conn()?;
        conn.exec_drop(
            "INSERT INTO Priem_Erasure (erased_at, actor, bookings, files) VALUES (?, ?, ?, ?)",
            (db_time(r.erased_at), &r.actor, r.bookings, r.files),
        )
        .map_err(|e| StorageError::query("персональные данные: учёт удаления", e))
    }

    /// The latest erasures, newest first.
    pub fn erasures(&self, limit: u32) -> Result<Vec<ErasureRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<(NaiveDateTime, String, u32, u32)> = conn
            .exec(
                "SELECT erased_at, actor, bookings, files FROM Priem_Erasure \
                 ORDER BY id DESC LIMIT ?",
                (limit,),
            )
            .map_err(|e| StorageError::query("персональные данные: список удалений", e))?;
        Ok(rows
            .into_iter()
            .map(|(at, actor, bookings, files)| ErasureRecord {
                erased_at: at.and_utc(),
                actor,
                bookings,
                files,
            })
            .collect())
    }
}

/// What identifies a payload's patient in a text: the phone, each name as written and each
/// word of it (of 3 letters or more), longest first (so a whole name goes before its parts).
fn words(payload: &str) -> Vec<String> {
    let patient = patient_of(payload);
    let mut set: BTreeSet<String> = patient.phone.into_iter().collect();
    for name in patient.names {
        set.extend(
            name.split_whitespace()
                .filter(|w| w.chars().count() >= 3)
                .map(str::to_owned),
        );
        set.insert(name);
    }
    longest_first(set)
}

fn longest_first(set: BTreeSet<String>) -> Vec<String> {
    let mut v: Vec<String> = set.into_iter().filter(|w| !w.is_empty()).collect();
    v.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    v
}

/// `text` with each of `words` replaced by `***`, in order.
fn scrub(text: &str, words: &[String]) -> String {
    words
        .iter()
        .fold(text.to_owned(), |t, w| t.replace(w.as_str(), GONE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patients_name_phone_and_name_words_are_scrubbed() {
        let w = words(r#"{"name":"Сидорова Анна Ли","phone":"79001234567"}"#);
        assert_eq!(w, ["Сидорова Анна Ли", "79001234567", "Сидорова", "Анна"]);
        assert_eq!(
            scrub(
                "Пациент Сидорова Анна Ли (79001234567) уже записан; Сидорова А.",
                &w
            ),
            "Пациент *** (***) уже записан; *** А."
        );
        assert!(words("{}").is_empty());
    }
}
