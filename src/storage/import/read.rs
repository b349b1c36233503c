//! What the import reads inside its transaction: the stored days (locked), doctors and rows.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use mysql::prelude::Queryable;
use mysql::{Transaction, Value};

use super::plan::NewDay;
use super::write::in_list;
use super::{KEY_BATCH, RANGE_BATCH};
use crate::domain::schedule::Schedule;
use crate::storage::packed::StoredRow;
use crate::storage::{Result, StorageError};

/// A day as stored in `Priem_Day`.
pub(super) struct StoredDay {
    pub(super) doctor: String,
    pub(super) date: NaiveDate,
    pub(super) digest: Vec<u8>,
    pub(super) packed: Option<Vec<u8>>,
    pub(super) first: NaiveDateTime,
    pub(super) last: NaiveDateTime,
}

/// `Priem_Day` rows of the filials, locked for the transaction, by filial.
pub(super) fn read_days(
    tx: &mut Transaction<'_>,
    filials: &[&str],
) -> Result<Vec<(String, Vec<StoredDay>)>> {
    let mut out: Vec<(String, Vec<StoredDay>)> = Vec::new();
    for chunk in filials.chunks(KEY_BATCH) {
        let sql = format!(
            "SELECT filial, doctor, date, digest, packed, first_utc, last_utc FROM Priem_Day \
             WHERE filial IN {} ORDER BY filial FOR UPDATE",
            in_list(chunk.len())
        );
        let params: Vec<Value> = chunk.iter().map(|f| (*f).into()).collect();
        type R = (
            String,
            String,
            NaiveDate,
            Vec<u8>,
            Option<Vec<u8>>,
            NaiveDateTime,
            NaiveDateTime,
        );
        let rows: Vec<R> = tx
            .exec(sql, params)
            .map_err(|e| StorageError::query("import: read days", e))?;
        for (filial, doctor, date, digest, packed, first, last) in rows {
            let day = StoredDay {
                doctor,
                date,
                digest,
                packed,
                first,
                last,
            };
            match out.last_mut() {
                Some((f, days)) if *f == filial => days.push(day),
                _ => out.push((filial, vec![day])),
            }
        }
    }
    Ok(out)
}

pub(super) fn read_doctors(
    tx: &mut Transaction<'_>,
    filials: &[&str],
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in filials.chunks(KEY_BATCH) {
        let sql = format!(
            "SELECT filial, code FROM Priem_Doctor WHERE filial IN {}",
            in_list(chunk.len())
        );
        let params: Vec<Value> = chunk.iter().map(|f| (*f).into()).collect();
        let rows: Vec<(String, String)> = tx
            .exec(sql, params)
            .map_err(|e| StorageError::query("import: read doctors", e))?;
        out.extend(rows);
    }
    Ok(out)
}

/// The stored rows of the changed days, in the order of `changed`.
pub(super) fn read_rows(
    tx: &mut Transaction<'_>,
    s: &Schedule,
    days: &[NewDay],
    changed: &[(usize, &StoredDay)],
) -> Result<Vec<Vec<StoredRow<'static>>>> {
    let mut out: Vec<Vec<StoredRow<'static>>> = changed.iter().map(|_| Vec::new()).collect();
    // (filial, doctor, date) → position in `changed`.
    let mut index: HashMap<(&str, &str, NaiveDate), usize> = HashMap::new();
    for (pos, (k, _)) in changed.iter().enumerate() {
        let d = &s.doctors[days[*k].doctor as usize];
        index.insert((&s.filials[d.filial].code, &d.code, days[*k].date), pos);
    }
    for chunk in changed.chunks(RANGE_BATCH) {
        let mut sql = String::from(
            "SELECT filial, doctor, date, start_utc, end_utc, start_min, end_min, free, room \
             FROM Priem_Slot WHERE ",
        );
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 5);
        for (i, (k, old)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str("(filial=? AND doctor=? AND start_utc BETWEEN ? AND ? AND date=?)");
            let d = &s.doctors[days[*k].doctor as usize];
            params.push((&*s.filials[d.filial].code).into());
            params.push((&*d.code).into());
            params.push(old.first.into());
            params.push(old.last.into());
            params.push(old.date.into());
        }
        let result = tx
            .exec_iter(sql, params)
            .map_err(|e| StorageError::query("import: read changed days", e))?;
        for row in result {
            let row = row.map_err(|e| StorageError::query("import: read changed days", e))?;
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
