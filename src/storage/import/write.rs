//! The import's writes, buffered and queued in batches as doctors are read: names, slots, days
//! and their packed copies, deletions, released holds.

use chrono::NaiveDateTime;
use mysql::prelude::Queryable;
use mysql::{Transaction, Value};

use super::db::Db;
use super::{BULK_BATCH, DAY_BATCH, INSERT_BATCH, KEY_BATCH};
use crate::storage::{exec, placeholders, Result, StorageError};
use crate::wire::schedule::DoctorError;

/// A buffered upsert: `head (?,…) tail`, `cols` values per row.
struct Rows {
    context: &'static str,
    head: &'static str,
    tail: &'static str,
    cols: usize,
    rows: Vec<Vec<Value>>,
}

impl Rows {
    const fn new(
        context: &'static str,
        head: &'static str,
        tail: &'static str,
        cols: usize,
    ) -> Rows {
        Rows {
            context,
            head,
            tail,
            cols,
            rows: Vec::new(),
        }
    }

    /// Queues the buffered rows: with bulk execution (one single-row statement, many parameter
    /// rows per packet) or as one multi-row statement.
    fn flush(&mut self, db: &Db<'_>, bulk: bool) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let group = format!("({})", placeholders(self.cols));
        let context = self.context;
        if bulk {
            let sql = format!("{} {group} {}", self.head, self.tail);
            db.run(move |tx| {
                let stmt = tx.prep(&sql).map_err(|e| StorageError::query(context, e))?;
                tx.exec_batch(&stmt, rows)
                    .map_err(|e| StorageError::query(context, e))?;
                Ok(0)
            })
        } else {
            let sql = format!(
                "{} {} {}",
                self.head,
                vec![group.as_str(); rows.len()].join(","),
                self.tail
            );
            db.run(move |tx| {
                exec(tx, context, &sql, rows.into_iter().flatten().collect())?;
                Ok(0)
            })
        }
    }
}

/// Buffered `DELETE FROM table WHERE c1 OR c2 …`.
struct Deletes {
    context: &'static str,
    table: &'static str,
    /// Whether the rows it deletes are counted (slots).
    counted: bool,
    sql: String,
    params: Vec<Value>,
    n: usize,
}

impl Deletes {
    fn new(context: &'static str, table: &'static str, counted: bool) -> Deletes {
        Deletes {
            context,
            table,
            counted,
            sql: String::new(),
            params: Vec::new(),
            n: 0,
        }
    }

    fn push(&mut self, cond: &str, params: impl IntoIterator<Item = Value>) {
        if self.n > 0 {
            self.sql.push_str(" OR ");
        }
        self.sql.push_str(cond);
        self.params.extend(params);
        self.n += 1;
    }

    /// Queues the buffered deletion.
    fn flush(&mut self, db: &Db<'_>) -> Result<()> {
        if self.n == 0 {
            return Ok(());
        }
        let sql = format!("DELETE FROM {} WHERE {}", self.table, self.sql);
        self.sql.clear();
        self.n = 0;
        let (context, counted, params) =
            (self.context, self.counted, std::mem::take(&mut self.params));
        db.run(move |tx| {
            let n = exec(tx, context, &sql, params)?;
            Ok(if counted { n } else { 0 })
        })
    }
}

/// Everything the import writes, queued in batches. Deletions of slots go before the slot rows
/// that follow them (a new row may take the key of a deleted one).
pub(super) struct Writer<'d, 't> {
    db: &'d Db<'t>,
    bulk: bool,
    slots: Rows,
    days: Rows,
    doctors: Rows,
    slot_deletes: Deletes,
    day_deletes: Deletes,
}

impl<'d, 't> Writer<'d, 't> {
    pub(super) fn new(db: &'d Db<'t>, bulk: bool) -> Writer<'d, 't> {
        Writer {
            db,
            bulk,
            slots: Rows::new(
                "импорт: запись расписания",
                "INSERT INTO Priem_Slot (filial, doctor, start_utc, end_utc, date, start_min, \
                 end_min, free, room, snapshot_id) VALUES",
                "ON DUPLICATE KEY UPDATE end_utc = VALUES(end_utc), date = VALUES(date), \
                 start_min = VALUES(start_min), end_min = VALUES(end_min), free = VALUES(free), \
                 room = VALUES(room), snapshot_id = VALUES(snapshot_id)",
                10,
            ),
            days: Rows::new(
                "импорт: запись дней",
                "INSERT INTO Priem_Day (filial, doctor, date, digest, cells, packed, first_utc, \
                 last_utc, snapshot_id, updated_at) VALUES",
                "ON DUPLICATE KEY UPDATE digest = VALUES(digest), cells = VALUES(cells), \
                 packed = VALUES(packed), first_utc = VALUES(first_utc), \
                 last_utc = VALUES(last_utc), snapshot_id = VALUES(snapshot_id), \
                 updated_at = VALUES(updated_at)",
                10,
            ),
            doctors: Rows::new(
                "импорт: имена врачей",
                "INSERT INTO Priem_Doctor (filial, code, name, specialties, raw_digest, \
                 first_seen, last_seen) VALUES",
                "ON DUPLICATE KEY UPDATE name = VALUES(name), specialties = VALUES(specialties), \
                 raw_digest = VALUES(raw_digest), last_seen = VALUES(last_seen)",
                7,
            ),
            slot_deletes: Deletes::new("импорт: удаление расписания", "Priem_Slot", true),
            day_deletes: Deletes::new("импорт: удаление дней", "Priem_Day", false),
        }
    }

    pub(super) fn db(&self) -> &'d Db<'t> {
        self.db
    }

    fn batch(&self) -> usize {
        if self.bulk {
            BULK_BATCH
        } else {
            INSERT_BATCH
        }
    }

    /// A slot row (filial, doctor, start_utc, end_utc, date, start_min, end_min, free, room,
    /// snapshot_id).
    pub(super) fn slot(&mut self, row: Vec<Value>) -> Result<()> {
        self.slots.rows.push(row);
        if self.slots.rows.len() >= self.batch() {
            self.flush_slots()?;
        }
        Ok(())
    }

    /// A day row (filial, doctor, date, digest, cells, packed, first_utc, last_utc,
    /// snapshot_id, updated_at).
    pub(super) fn day(&mut self, row: Vec<Value>) -> Result<()> {
        self.days.rows.push(row);
        if self.days.rows.len() >= DAY_BATCH {
            self.days.flush(self.db, self.bulk)?;
        }
        Ok(())
    }

    /// A doctor row (filial, code, name, specialties, raw_digest, first_seen, last_seen).
    pub(super) fn doctor(&mut self, row: Vec<Value>) -> Result<()> {
        self.doctors.rows.push(row);
        if self.doctors.rows.len() >= DAY_BATCH {
            self.doctors.flush(self.db, self.bulk)?;
        }
        Ok(())
    }

    /// Deletes the slots matching `cond` (`(filial=? AND doctor=? AND …)`).
    pub(super) fn delete_slots(
        &mut self,
        cond: &str,
        params: impl IntoIterator<Item = Value>,
    ) -> Result<()> {
        self.slot_deletes.push(cond, params);
        if self.slot_deletes.n >= KEY_BATCH {
            self.slot_deletes.flush(self.db)?;
        }
        Ok(())
    }

    /// Deletes the days matching `cond`.
    pub(super) fn delete_days(
        &mut self,
        cond: &str,
        params: impl IntoIterator<Item = Value>,
    ) -> Result<()> {
        self.day_deletes.push(cond, params);
        if self.day_deletes.n >= KEY_BATCH {
            self.day_deletes.flush(self.db)?;
        }
        Ok(())
    }

    fn flush_slots(&mut self) -> Result<()> {
        self.slot_deletes.flush(self.db)?;
        self.slots.flush(self.db, self.bulk)
    }

    /// Queues everything still buffered.
    pub(super) fn finish(mut self) -> Result<()> {
        self.flush_slots()?;
        self.day_deletes.flush(self.db)?;
        self.days.flush(self.db, self.bulk)?;
        self.doctors.flush(self.db, self.bulk)
    }
}

/// Releases holds of past times, and holds of bookings the MIS confirmed before the snapshot
/// was produced in the filials it lists (not for rejected doctors).
pub(super) fn release_holds(
    tx: &mut Transaction<'_>,
    filials: &[String],
    rejected: &[DoctorError],
    now: NaiveDateTime,
    produced_at: Option<NaiveDateTime>,
) -> Result<u64> {
    let mut n = exec(
        tx,
        "импорт: снятие прошедших удержаний",
        "DELETE FROM Priem_Hold WHERE start_utc < ?",
        vec![now.into()],
    )?;
    let Some(produced) = produced_at else {
        return Ok(n);
    };
    for chunk in filials.chunks(KEY_BATCH) {
        let mut sql = format!(
            "DELETE h FROM Priem_Hold h JOIN Priem_Booking b ON b.id = h.booking_id \
             WHERE b.status = 'confirmed' AND b.answered_at <= ? AND h.filial IN {}",
            in_list(chunk.len())
        );
        let mut params: Vec<Value> = vec![produced.into()];
        params.extend(chunk.iter().map(|f| Value::from(f.as_str())));
        if !rejected.is_empty() {
            sql.push_str(" AND NOT (");
            for (i, r) in rejected.iter().enumerate() {
                if i > 0 {
                    sql.push_str(" OR ");
                }
                sql.push_str("(h.filial=? AND h.doctor=?)");
                params.push(r.filial.as_str().into());
                params.push(r.doctor.as_str().into());
            }
            sql.push(')');
        }
        n += exec(tx, "импорт: снятие подтверждённых удержаний", &sql, params)?;
    }
    Ok(n)
}

/// `UPDATE Priem_Doctor SET last_seen` for the doctors whose JSON did not change: one
/// statement per batch of filials. Every other doctor of these filials was either written by
/// this import (`last_seen` = `now` already), removed, or rejected (left as he was, so excluded
/// by name). Naming each kept doctor instead (`(filial=? AND code=?) OR …`) took MariaDB
/// 50–250 ms for a thousand doctors; this takes a few.
pub(super) fn touch_doctors(
    tx: &mut Transaction<'_>,
    filials: &[String],
    rejected: &[DoctorError],
    now: NaiveDateTime,
) -> Result<()> {
    for chunk in filials.chunks(KEY_BATCH) {
        let mut sql = format!(
            "UPDATE Priem_Doctor SET last_seen = ? WHERE filial IN {} AND last_seen < ?",
            in_list(chunk.len())
        );
        let mut params: Vec<Value> = vec![now.into()];
        params.extend(chunk.iter().map(|f| Value::from(f.as_str())));
        params.push(now.into());
        if !rejected.is_empty() {
            sql.push_str(" AND NOT (");
            for (i, r) in rejected.iter().enumerate() {
                if i > 0 {
                    sql.push_str(" OR ");
                }
                sql.push_str("(filial=? AND code=?)");
                params.push(r.filial.as_str().into());
                params.push(r.doctor.as_str().into());
            }
            sql.push(')');
        }
        exec(tx, "импорт: врачи в файле", &sql, params)?;
    }
    Ok(())
}

pub(super) fn in_list(n: usize) -> String {
    format!("({})", placeholders(n))
}
