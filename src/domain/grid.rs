//! The slot grid a visitor sees for one doctor in one filial: a window of days in the
//! filial's local time, each day with its free count and its times grouped
//! Утро (< 12:00) / День (12:00–16:59) / Вечер (≥ 17:00).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::range::Range;
use super::schedule::Schedule;
use super::zone::to_local;
use crate::time::Minute;

/// How many days a grid may span.
pub const DAYS: Range = Range::new("days", 1, 366);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayPart {
    Morning,
    Afternoon,
    Evening,
}

impl DayPart {
    pub fn of(start: Minute) -> DayPart {
        match start {
            s if s < 12 * 60 => DayPart::Morning,
            s if s < 17 * 60 => DayPart::Afternoon,
            _ => DayPart::Evening,
        }
    }
    /// Machine name: `morning`, `afternoon`, `evening`.
    pub fn key(self) -> &'static str {
        match self {
            DayPart::Morning => "morning",
            DayPart::Afternoon => "afternoon",
            DayPart::Evening => "evening",
        }
    }
    /// What the visitor reads.
    pub fn label(self) -> &'static str {
        match self {
            DayPart::Morning => "Утро",
            DayPart::Afternoon => "День",
            DayPart::Evening => "Вечер",
        }
    }
}

/// What is left out of or marked in the grid.
#[derive(Debug, Clone, Default)]
pub struct GridRules {
    /// Times starting sooner than this after "now" are not offered (nor shown).
    pub min_notice_minutes: u32,
    /// Start instants the site is holding for bookings in progress: shown as taken.
    pub held: Vec<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridSlot {
    pub start: Minute,
    pub end: Minute,
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
    /// Bookable: free in the MIS and not held by the site.
    pub free: bool,
    /// Free in the MIS but held by the site.
    pub held: bool,
    pub room: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridPart {
    pub part: DayPart,
    pub slots: Vec<GridSlot>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridDay {
    pub date: NaiveDate,
    pub free: usize,
    /// Only the parts that have times, in day order.
    pub parts: Vec<GridPart>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub zone: Tz,
    /// The MIS's name of the filial, when its document had one.
    pub filial_name: Option<String>,
    /// The doctor as the MIS names him, and his specialties.
    pub doctor_name: String,
    pub specialties: Vec<String>,
    /// Every day of the window, including days with no times.
    pub days: Vec<GridDay>,
}

impl Grid {
    pub fn free(&self) -> usize {
        self.days.iter().map(|d| d.free).sum()
    }

    /// The bookable times, soonest first.
    pub fn free_times(&self) -> impl Iterator<Item = (NaiveDate, &GridSlot)> {
        self.days
            .iter()
            .flat_map(|d| {
                d.parts
                    .iter()
                    .flat_map(|p| &p.slots)
                    .map(move |s| (d.date, s))
            })
            .filter(|(_, s)| s.free)
    }
}

/// The doctor (or the filial) is not in the schedule.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum NotFound {
    #[error("нет филиала с кодом {0} в расписании")]
    Filial(String),
    #[error("нет врача с кодом {doctor} в филиале {filial} в расписании")]
    Doctor { filial: String, doctor: String },
}

/// Finds the doctor by MIS codes and builds its grid (see [`build`]).
pub fn for_doctor(
    schedule: &Schedule,
    filial: &str,
    doctor: &str,
    now: DateTime<Utc>,
    days: u32,
    rules: &GridRules,
) -> Result<Grid, NotFound> {
    if schedule.filial_index(filial).is_none() {
        return Err(NotFound::Filial(filial.to_owned()));
    }
    let d = schedule
        .doctor_index(filial, doctor)
        .ok_or_else(|| NotFound::Doctor {
            filial: filial.to_owned(),
            doctor: doctor.to_owned(),
        })?;
    Ok(build(schedule, d, now, days, rules))
}

/// Builds the grid for doctor number `doctor` of `schedule` (see [`Schedule::doctor_index`]):
/// `days` local days starting with the filial's "today" at `now`; times that start before
/// `now + min_notice` are left out; taken and held times are kept, marked not free.
pub fn build(
    schedule: &Schedule,
    doctor: usize,
    now: DateTime<Utc>,
    days: u32,
    rules: &GridRules,
) -> Grid {
    let d = &schedule.doctors[doctor];
    let filial = &schedule.filials[d.filial];
    let zone = filial.zone;
    let today = to_local(zone, now).date();
    let cutoff = now + Duration::minutes(i64::from(rules.min_notice_minutes));
    let mut out: Vec<GridDay> = (0..days)
        .filter_map(|i| today.checked_add_signed(Duration::days(i64::from(i))))
        .map(|date| GridDay {
            date,
            free: 0,
            parts: Vec::new(),
        })
        .collect();
    let mut slots: Vec<_> = schedule
        .slots_of(doctor)
        .filter(|s| s.start_utc >= cutoff)
        .collect();
    slots.sort_by_key(|s| (s.date, s.start));
    for s in slots {
        let Ok(i) = usize::try_from((s.date - today).num_days()) else {
            continue;
        };
        let Some(day) = out.get_mut(i) else { continue };
        let held = s.free && rules.held.contains(&s.start_utc);
        let free = s.free && !held;
        let part = DayPart::of(s.start);
        if day.parts.last().map(|p| p.part) != Some(part) {
            day.parts.push(GridPart {
                part,
                slots: Vec::new(),
            });
        }
        if let Some(p) = day.parts.last_mut() {
            p.slots.push(GridSlot {
                start: s.start,
                end: s.end,
                start_utc: s.start_utc,
                end_utc: s.end_utc,
                free,
                held,
                room: s.room.to_string(),
            });
        }
        day.free += usize::from(free);
    }
    Grid {
        zone,
        filial_name: filial.name.as_deref().map(str::to_owned),
        doctor_name: d.name.to_string(),
        specialties: d.specialties.clone(),
        days: out,
    }
}
