//! What the import reads inside its transaction: the stored days (locked), doctors, the packed
//! copies of the days that changed, and the rows of days that have no packed copy.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use mysql::prelude::Queryable;
use mysql::{Transaction, Value};

use super::plan::DayDigest;
use super::write::in_list;
use super::{KEY_BATCH, RANGE_BATCH};
use crate::storage::packed::StoredRow;
use crate::storage::{Result, StorageError};

/// A (filial, doctor) by codes.
pub(super) type DoctorKey = (String, String);

/// A day as stored in `Priem_Day` (its packed copy is read only when needed).
#[derive(Clone)]
pub(super) struct StoredDay {
    pub(super) date: NaiveDate,
    pub(super) digest: DayDigest,
    pub(super) has_packed: bool,
    pub(super) first: NaiveDateTime,
    pub(super) last: NaiveDateTime,
}

/// A doctor as stored in `Priem_Doctor`.
pub(super) struct StoredDoctor {
    /// The digest of his JSON as last imported, when it had nothing left out.
    pub(super) raw_digest: Option<Vec<u8>>,
    /// The `now` of the import that last wrote him.
    pub(super) last_seen: NaiveDateTime,
}

/// Column `i` of a `Priem_Day` row.
fn take<T: mysql::prelude::FromValue>(row: &mut mysql::Row, i: usize) -> Result<T> {
    match row.take_opt(i) {
        Some(Ok(v)) => Ok(v),
        _ => Err(StorageError::Corrupt {
            table: "Priem_Day",
            message: format!("непонятная строка: столбец {i}"),
        }),
    }
}

/// `Priem_Day` rows of the filials, locked for the transaction, by doctor, by date.
pub(super) fn read_days(
    tx: &mut Transaction<'_>,
    filials: &[String],
) -> Result<HashMap<DoctorKey, Vec<StoredDay>>> {
    let context = "импорт: чтение дней";
    let mut out: HashMap<DoctorKey, Vec<StoredDay>> = HashMap::new();
    for chunk in filials.chunks(KEY_BATCH) {
        let sql = format!(
            "SELECT filial, doctor, date, digest, packed IS NOT NULL, first_utc, last_utc \
             FROM Priem_Day WHERE filial IN {} ORDER BY filial, doctor, date FOR UPDATE",
            in_list(chunk.len())
        );
        let params: Vec<Value> = chunk.iter().map(|f| f.as_str().into()).collect();
        let result = tx
            .exec_iter(sql, params)
            .map_err(|e| StorageError::query(context, e))?;
        let mut last: Option<(DoctorKey, Vec<StoredDay>)> = None;
        // A doctor's days are kept exactly (no spare capacity): all of the filials' days are
        // held until their doctors are read, a million cells' worth is ~26 000 of them.
        let mut done = |k: DoctorKey, mut days: Vec<StoredDay>| {
            days.shrink_to_fit();
            out.insert(k, days);
        };
        for row in result {
            let mut row = row.map_err(|e| StorageError::query(context, e))?;
            // The codes are compared as sent, and copied only for a doctor's first day.
            let same = match (&last, row.as_ref(0), row.as_ref(1)) {
                (Some((k, _)), Some(Value::Bytes(f)), Some(Value::Bytes(d))) => {
                    k.0.as_bytes() == f.as_slice() && k.1.as_bytes() == d.as_slice()
                }
                _ => false,
            };
            let key = if same {
                None
            } else {
                Some((take(&mut row, 0)?, take(&mut row, 1)?))
            };
            let date: NaiveDate = take(&mut row, 2)?;
            let digest: Vec<u8> = take(&mut row, 3)?;
            let has_packed: bool = take(&mut row, 4)?;
            let first: NaiveDateTime = take(&mut row, 5)?;
            let last_utc: NaiveDateTime = take(&mut row, 6)?;
            let day = StoredDay {
                date,
                // A digest of another length (none is written) never matches.
                digest: digest.try_into().unwrap_or_default(),
                has_packed,
                first,
                last: last_utc,
            };
            match (key, &mut last) {
                (None, Some((_, days))) => days.push(day),
                (key, _) => {
                    let key = key.unwrap_or_default();
                    if let Some((k, days)) = last.replace((key, vec![day])) {
                        done(k, days);
                    }
                }
            }
        }
        if let Some((k, days)) = last {
            done(k, days);
        }
    }
    Ok(out)
}

pub(super) fn read_doctors(
    tx: &mut Transaction<'_>,
    filials: &[String],
) -> Result<HashMap<DoctorKey, StoredDoctor>> {
    let mut out = HashMap::new();
    for chunk in filials.chunks(KEY_BATCH) {
        let sql = format!(
            "SELECT filial, code, raw_digest, last_seen FROM Priem_Doctor WHERE filial IN {}",
            in_list(chunk.len())
        );
        let params: Vec<Value> = chunk.iter().map(|f| f.as_str().into()).collect();
        let rows: Vec<(String, String, Option<Vec<u8>>, NaiveDateTime)> = tx
            .exec(sql, params)
            .map_err(|e| StorageError::query("импорт: чтение врачей", e))?;
        for (f, d, raw_digest, last_seen) in rows {
            out.insert(
                (f, d),
                StoredDoctor {
                    raw_digest,
                    last_seen,
                },
            );
        }
    }
    Ok(out)
}

/// A stored day wanted back: (filial, doctor, the stored day).
pub(super) type Wanted = (String, String, StoredDay);

/// The packed copies of the days `wanted` (which have one), in the order of `wanted`.
pub(super) fn read_packed(
    tx: &mut Transaction<'_>,
    wanted: &[Wanted],
) -> Result<Vec<Option<Vec<u8>>>> {
    let mut index: HashMap<(&str, &str, NaiveDate), usize> = HashMap::new();
    for (pos, (f, d, day)) in wanted.iter().enumerate() {
        index.insert((f, d, day.date), pos);
    }
    let mut out = vec![None; wanted.len()];
    for chunk in wanted.chunks(KEY_BATCH) {
        let mut sql = String::from("SELECT filial, doctor, date, packed FROM Priem_Day WHERE ");
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 3);
        for (i, (f, d, day)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str("(filial=? AND doctor=? AND date=?)");
            params.extend([f.as_str().into(), d.as_str().into(), day.date.into()]);
        }
        // Locking: a day a rejection zeroed since the days were read is seen as it is now.
        sql.push_str(" FOR UPDATE");
        let rows: Vec<(String, String, NaiveDate, Option<Vec<u8>>)> = tx
            .exec(sql, params)
            .map_err(|e| StorageError::query("импорт: чтение сжатых дней", e))?;
        for (f, d, date, packed) in rows {
            if let Some(&pos) = index.get(&(f.as_str(), d.as_str(), date)) {
                out[pos] = packed;
            }
        }
    }
    Ok(out)
}

/// The stored rows of the days `wanted`, in the order of `wanted`.
pub(super) fn read_rows(
    tx: &mut Transaction<'_>,
    wanted: &[Wanted],
) -> Result<Vec<Vec<StoredRow<'static>>>> {
    let mut out: Vec<Vec<StoredRow<'static>>> = wanted.iter().map(|_| Vec::new()).collect();
    let mut index: HashMap<(&str, &str, NaiveDate), usize> = HashMap::new();
    for (pos, (f, d, day)) in wanted.iter().enumerate() {
        index.insert((f, d, day.date), pos);
    }
    for chunk in wanted.chunks(RANGE_BATCH) {
        let mut sql = String::from(
            "SELECT filial, doctor, date, start_utc, end_utc, start_min, end_min, free, room \
             FROM Priem_Slot WHERE ",
        );
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 5);
        for (i, (f, d, day)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str("(filial=? AND doctor=? AND start_utc BETWEEN ? AND ? AND date=?)");
            params.extend([
                f.as_str().into(),
                d.as_str().into(),
                day.first.into(),
                day.last.into(),
                day.date.into(),
            ]);
        }
        // Locking, so the rows are the latest (a rejection's busy slot included).
        sql.push_str(" LOCK IN SHARE MODE");
        let result = tx
            .exec_iter(sql, params)
            .map_err(|e| StorageError::query("импорт: чтение изменённых дней", e))?;
        for row in result {
            let row = row.map_err(|e| StorageError::query("импорт: чтение изменённых дней", e))?;
            type R = (
                String,
                String,
                NaiveDate,
                NaiveDateTime,
                NaiveDateTime,
                u16,
                u16,
                bool,
                String,
            );
            let (filial, doctor, date, start_utc, end_utc, start, end, free, room): R =
                mysql::from_row_opt(row).map_err(|e| StorageError::Corrupt {
                    table: "Priem_Slot",
                    message: format!("unreadable row: {e}"),
                })?;
            if let Some(&pos) = index.get(&(filial.as_str(), doctor.as_str(), date)) {
                out[pos].push(StoredRow {
                    start_utc,
                    end_utc,
                    start,
                    end,
                    free,
                    room: Cow::Owned(room),
                });
            }
        }
    }
    Ok(out)
}
