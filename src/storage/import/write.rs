//! The import's writes: names, slots, days and their packed copies, deletions, released holds.

use chrono::NaiveDateTime;
use mysql::prelude::Queryable;
use mysql::{Transaction, Value};

use super::plan::Plan;
use super::{SnapshotInfo, BULK_BATCH, INSERT_BATCH, KEY_BATCH};
use crate::domain::schedule::Schedule;
use crate::storage::runs::RunId;
use crate::storage::{db_time, exec, placeholders, Result, StorageError};
use crate::wire::schedule::DoctorError;

/// `(filial=? AND doctor=? AND <rest>)` for each `(doctor index, item)`, with the doctor's codes
/// and `extra(item)` as parameters: the conditions [`delete_where`] takes.
pub(super) fn doctor_conds<T>(
    s: &Schedule,
    items: &[(u32, T)],
    rest: &str,
    extra: impl Fn(&T) -> Vec<Value>,
) -> Vec<(String, Vec<Value>)> {
    let sql = format!("(filial=? AND doctor=? AND {rest})");
    items
        .iter()
        .map(|(di, x)| {
            let doc = &s.doctors[*di as usize];
            let mut params: Vec<Value> =
                vec![(&*s.filials[doc.filial].code).into(), (&*doc.code).into()];
            params.extend(extra(x));
            (sql.clone(), params)
        })
        .collect()
}

/// `DELETE FROM table WHERE c1 OR c2 …` in batches; returns the rows deleted.
pub(super) fn delete_where(
    tx: &mut Transaction<'_>,
    context: &'static str,
    table: &str,
    conds: &[(String, Vec<Value>)],
) -> Result<u64> {
    let mut n = 0;
    for chunk in conds.chunks(KEY_BATCH) {
        let mut sql = format!("DELETE FROM {table} WHERE ");
        let mut params = Vec::new();
        for (i, (c, p)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str(c);
            params.extend(p.iter().cloned());
        }
        n += exec(tx, context, &sql, params)?;
    }
    Ok(n)
}

/// Writes the filials' names and zones (as multi-row `INSERT`s: they are few).
pub(super) fn upsert_filials(
    tx: &mut Transaction<'_>,
    s: &Schedule,
    now: NaiveDateTime,
) -> Result<()> {
    let rows = s.filials.iter().map(|f| {
        vec![
            (&*f.code).into(),
            f.name.as_deref().map_or(Value::NULL, Value::from),
            f.zone.name().into(),
            now.into(),
            now.into(),
        ]
    });
    write_rows(
        tx,
        false,
        "import: filial names",
        "INSERT INTO Priem_Filial (code, name, zone, first_seen, last_seen) VALUES",
        "ON DUPLICATE KEY UPDATE name = COALESCE(VALUES(name), name), zone = VALUES(zone), \
         last_seen = VALUES(last_seen)",
        5,
        rows,
    )
}

/// Writes the doctors' names and specialties (as multi-row `INSERT`s).
pub(super) fn upsert_doctors(
    tx: &mut Transaction<'_>,
    s: &Schedule,
    now: NaiveDateTime,
) -> Result<()> {
    let rows = s.doctors.iter().map(|d| {
        vec![
            (&*s.filials[d.filial].code).into(),
            (&*d.code).into(),
            (&*d.name).into(),
            d.specialties.join(", ").into(),
            now.into(),
            now.into(),
        ]
    });
    write_rows(
        tx,
        false,
        "import: doctor names",
        "INSERT INTO Priem_Doctor (filial, code, name, specialties, first_seen, last_seen) VALUES",
        "ON DUPLICATE KEY UPDATE name = VALUES(name), specialties = VALUES(specialties), \
         last_seen = VALUES(last_seen)",
        6,
        rows,
    )
}

/// Writes rows with `head (?,…) tail`: with bulk execution (one single-row statement, many
/// parameter rows per packet) or as multi-row statements of [`INSERT_BATCH`] rows.
fn write_rows(
    tx: &mut Transaction<'_>,
    bulk: bool,
    context: &'static str,
    head: &str,
    tail: &str,
    cols: usize,
    mut rows: impl Iterator<Item = Vec<Value>>,
) -> Result<()> {
    let group = format!("({})", placeholders(cols));
    if bulk {
        let sql = format!("{head} {group} {tail}");
        let stmt = tx.prep(&sql).map_err(|e| StorageError::query(context, e))?;
        loop {
            let batch: Vec<Vec<Value>> = rows.by_ref().take(BULK_BATCH).collect();
            if batch.is_empty() {
                return Ok(());
            }
            tx.exec_batch(&stmt, batch)
                .map_err(|e| StorageError::query(context, e))?;
        }
    }
    let full = format!(
        "{head} {} {tail}",
        vec![group.as_str(); INSERT_BATCH].join(",")
    );
    loop {
        let mut params: Vec<Value> = Vec::with_capacity(INSERT_BATCH * cols);
        let mut n = 0;
        for row in rows.by_ref().take(INSERT_BATCH) {
            params.extend(row);
            n += 1;
        }
        if n == 0 {
            return Ok(());
        }
        if n == INSERT_BATCH {
            exec(tx, context, &full, params)?;
        } else {
            let sql = format!("{head} {} {tail}", vec![group.as_str(); n].join(","));
            exec(tx, context, &sql, params)?;
        }
    }
}

/// Inserts (or overwrites) the slots `rows` (indices into the schedule's slots).
pub(super) fn insert_slots(
    tx: &mut Transaction<'_>,
    bulk: bool,
    s: &Schedule,
    rows: &[u32],
    run: Option<RunId>,
) -> Result<()> {
    let run: Value = run.map_or(Value::NULL, Value::from);
    let mut last_doctor = u32::MAX;
    let (mut filial, mut doctor): (Value, Value) = (Value::NULL, Value::NULL);
    let values = rows.iter().map(|&k| {
        let c = &s.slots[k as usize];
        if c.doctor != last_doctor {
            let d = &s.doctors[c.doctor as usize];
            filial = (&*s.filials[d.filial].code).into();
            doctor = (&*d.code).into();
            last_doctor = c.doctor;
        }
        vec![
            filial.clone(),
            doctor.clone(),
            db_time(c.start_utc).into(),
            db_time(c.end_utc).into(),
            c.date.into(),
            c.start.into(),
            c.end.into(),
            c.free.into(),
            (&*c.room).into(),
            run.clone(),
        ]
    });
    write_rows(
        tx,
        bulk,
        "import: write slots",
        "INSERT INTO Priem_Slot (filial, doctor, start_utc, end_utc, date, start_min, end_min, \
         free, room, snapshot_id) VALUES",
        "ON DUPLICATE KEY UPDATE end_utc = VALUES(end_utc), date = VALUES(date), \
         start_min = VALUES(start_min), end_min = VALUES(end_min), free = VALUES(free), \
         room = VALUES(room), snapshot_id = VALUES(snapshot_id)",
        10,
        values,
    )
}

impl Plan {
    /// Writes the days `which` (indices into `days`) with their digests and packed copies.
    pub(super) fn upsert_days(
        &self,
        tx: &mut Transaction<'_>,
        bulk: bool,
        s: &Schedule,
        which: &[usize],
        run: Option<RunId>,
        now: NaiveDateTime,
    ) -> Result<()> {
        let run: Value = run.map_or(Value::NULL, Value::from);
        let values = which.iter().map(|&k| {
            let day = &self.days[k];
            let d = &s.doctors[day.doctor as usize];
            vec![
                (&*s.filials[d.filial].code).into(),
                (&*d.code).into(),
                day.date.into(),
                day.digest.to_vec().into(),
                ((day.to - day.from) as u64).into(),
                self.packed(s, day).into(),
                day.first.into(),
                day.last.into(),
                run.clone(),
                now.into(),
            ]
        });
        write_rows(
            tx,
            bulk,
            "import: write days",
            "INSERT INTO Priem_Day (filial, doctor, date, digest, cells, packed, first_utc, \
             last_utc, snapshot_id, updated_at) VALUES",
            "ON DUPLICATE KEY UPDATE digest = VALUES(digest), cells = VALUES(cells), \
             packed = VALUES(packed), first_utc = VALUES(first_utc), \
             last_utc = VALUES(last_utc), snapshot_id = VALUES(snapshot_id), \
             updated_at = VALUES(updated_at)",
            10,
            values,
        )
    }
}

/// Releases holds of past times, and holds of bookings the MIS confirmed before the snapshot
/// was produced in the filials it lists (not for rejected doctors).
pub(super) fn release_holds(
    tx: &mut Transaction<'_>,
    filials: &[&str],
    rejected: &[DoctorError],
    now: NaiveDateTime,
    snap: SnapshotInfo,
) -> Result<u64> {
    let mut n = exec(
        tx,
        "import: release past holds",
        "DELETE FROM Priem_Hold WHERE start_utc < ?",
        vec![now.into()],
    )?;
    let Some(produced) = snap.produced_at else {
        return Ok(n);
    };
    for chunk in filials.chunks(KEY_BATCH) {
        let mut sql = format!(
            "DELETE h FROM Priem_Hold h JOIN Priem_Booking b ON b.id = h.booking_id \
             WHERE b.status = 'confirmed' AND b.answered_at <= ? AND h.filial IN {}",
            in_list(chunk.len())
        );
        let mut params: Vec<Value> = vec![db_time(produced).into()];
        params.extend(chunk.iter().map(|f| Value::from(*f)));
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
        n += exec(tx, "import: release confirmed holds", &sql, params)?;
    }
    Ok(n)
}

pub(super) fn in_list(n: usize) -> String {
    format!("({})", placeholders(n))
}
