//! Slots as visitors see them: one doctor's window of the stored schedule, read in one
//! statement (names, the days' packed copies, the holds), identified by a fingerprint and
//! unpacked into the domain's [`Schedule`] for the grid and the booking check.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use mysql::prelude::Queryable;
use mysql::Value;

use super::{db_time, Result, StorageError, Store};
use crate::domain::grid::GridRules;
use crate::domain::schedule::{split_specialties, Doctor, Filial, Schedule, Slot};

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
            match packed.as_deref().and_then(super::packed::unpack) {
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
        .map_err(|e| StorageError::query("сетка: чтение окна записи", e))?;
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

    /// The window's slots starting in `[from, to)`, by start, with held ones marked taken.
    ///
    /// Read from the days' packed copies (`Priem_Day.packed`, written by the import with exactly
    /// the rows it wrote) — one small row per day instead of one per cell; a day without a
    /// packed copy (a rejection changed one of its rows) is read from `Priem_Slot`, the only
    /// statement this may cost. The holds came with the window and are applied in memory.
    pub fn slots_of(&self, window: &StoredWindow) -> Result<Vec<StoredSlot>> {
        window.slots(|q, params| {
            self.conn()?
                .exec(q, params)
                .map_err(|e| StorageError::query("сетка: чтение расписания", e))
        })
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
        for s in self.slots_of(&window)? {
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
