//! "Choose a clinic, a specialty, a doctor": the filials and, per filial, the doctors with
//! their nearest free day and its first times, as ProDoctorov lists doctors — and what the
//! booking form shows of them, the site's cards over the MIS's data (`domain::cards`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::{Engine, EngineError};
use crate::domain::cards::{pinned, split_codes, Cards, DoctorView, FilialView};
use crate::domain::range::Range;
use crate::domain::zone::to_local;
use crate::storage::{DoctorFreeTime, StoredFilial};
use crate::time::{hhmm, Minute};

/// How many times of a doctor's nearest day the listing may give, and how many by default.
pub const TIMES: Range = Range::new("times", 1, 50);
pub const DEFAULT_TIMES: u32 = 4;

/// A doctor in the listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedDoctor {
    pub code: String,
    pub name: String,
    pub specialties: Vec<String>,
    /// Free times in the booking window.
    pub free: u32,
    /// The nearest day with free time and its first free times (start, end); `None` when the
    /// doctor has no free time in the window.
    pub nearest: Option<(NaiveDate, Vec<(Minute, Minute)>)>,
}

/// A filial's doctors, those with free time first (soonest first), then the rest by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub filial: StoredFilial,
    pub doctors: Vec<ListedDoctor>,
}

/// A filial of the booking form's list: as the visitor sees it, and how many of its doctors
/// have free time.
#[derive(Debug, Clone, Serialize)]
pub struct FilialEntry {
    #[serde(flatten)]
    pub filial: FilialView,
    pub doctors: usize,
}

/// The booking form's doctors of a filial (`docs/api.md`, `doctors`).
#[derive(Debug, Clone, Serialize)]
pub struct DoctorsPage {
    pub filial: FilialView,
    /// Every specialty of the doctors with free time, by name, with how many such doctors.
    pub specialties: Vec<SpecialtyEntry>,
    /// The doctors with free time (of the specialty asked for), the soonest first.
    pub doctors: Vec<DoctorEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpecialtyEntry {
    pub name: String,
    pub doctors: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorEntry {
    #[serde(flatten)]
    pub doctor: DoctorView,
    pub free: u32,
    pub nearest: Option<Nearest>,
}

/// A doctor's nearest day with free time and its first times.
#[derive(Debug, Clone, Serialize)]
pub struct Nearest {
    pub date: String,
    pub times: Vec<Times>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Times {
    pub time_start: String,
    pub time_end: String,
}

impl ListedDoctor {
    /// The nearest day and its times as the form shows them.
    pub fn nearest(&self) -> Option<Nearest> {
        self.nearest.as_ref().map(|(date, t)| Nearest {
            date: date.to_string(),
            times: t
                .iter()
                .map(|&(s, e)| Times {
                    time_start: hhmm(s),
                    time_end: hhmm(e),
                })
                .collect(),
        })
    }
}

impl Engine {
    /// The booking form's filials: each with its card, and the number of its doctors with free
    /// time in the booking window (switched-off filials and doctors left out, `domain::cards`).
    pub fn filial_entries(
        &self,
        cards: &Cards,
        now: DateTime<Utc>,
    ) -> Result<Vec<FilialEntry>, EngineError> {
        let mut out = Vec::new();
        for f in self.filials()? {
            if cards.filial_off(&f.code) {
                continue;
            }
            let booking = &self.settings().booking;
            let today = to_local(f.zone, now).date();
            let until = today + Duration::days(i64::from(booking.horizon_days));
            let from = now + Duration::minutes(i64::from(booking.min_notice_minutes));
            let doctors = self
                .store()
                .doctors_free_time(&f.code, from, until, 1)?
                .iter()
                .filter(|d| d.free > 0 && !cards.doctor_off(&f.code, &d.code))
                .count();
            out.push(FilialEntry {
                filial: cards.filial_view(&f.code, f.name.as_deref(), f.zone),
                doctors,
            });
        }
        Ok(out)
    }

    /// The booking form's doctors of a filial: those with free time, with their cards, of one
    /// specialty (`""`: all), and the specialties they have. `None` when the filial is unknown or
    /// switched off; switched-off doctors are left out.
    pub fn doctors_page(
        &self,
        filial: &str,
        now: DateTime<Utc>,
        times: u32,
        specialty: &str,
        cards: &Cards,
    ) -> Result<Option<DoctorsPage>, EngineError> {
        if cards.filial_off(filial) {
            return Ok(None);
        }
        let Some(listing) = self.doctors(filial, now, times)? else {
            return Ok(None);
        };
        let mut specialties: BTreeMap<String, usize> = BTreeMap::new();
        let mut doctors = Vec::new();
        for d in listing
            .doctors
            .iter()
            .filter(|d| d.free > 0 && !cards.doctor_off(filial, &d.code))
        {
            let view = cards.doctor_view(filial, &d.code, &d.name, &d.specialties);
            for s in &view.specialties {
                *specialties.entry(s.clone()).or_default() += 1;
            }
            if specialty.is_empty() || view.specialties.iter().any(|s| s == specialty) {
                doctors.push(DoctorEntry {
                    free: d.free,
                    nearest: d.nearest(),
                    doctor: view,
                });
            }
        }
        let f = &listing.filial;
        Ok(Some(DoctorsPage {
            filial: cards.filial_view(&f.code, f.name.as_deref(), f.zone),
            specialties: specialties
                .into_iter()
                .map(|(name, doctors)| SpecialtyEntry { name, doctors })
                .collect(),
            doctors,
        }))
    }

    /// Where a doctor card's code cell books (`domain::cards`): a pinned `1:0042` in filial 1
    /// when its schedule has that doctor, a bare `0042` in every filial whose schedule has him.
    /// Empty when the MIS has sent none of the codes: such a card offers no booking form
    /// (booking-ux: no button for a doctor with no schedule).
    pub fn code_targets(&self, cell: &str) -> Result<Vec<(String, String)>, EngineError> {
        let mut out: Vec<(String, String)> = Vec::new();
        for code in split_codes(cell) {
            let found = match pinned(code) {
                Some((f, d)) => match self.store().doctor(f, d)? {
                    Some(_) => vec![(f.to_owned(), d.to_owned())],
                    None => Vec::new(),
                },
                None => self
                    .store()
                    .filials_of_doctor(code)?
                    .into_iter()
                    .map(|f| (f, code.to_owned()))
                    .collect(),
            };
            for t in found {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        Ok(out)
    }

    /// Every filial the MIS has sent.
    pub fn filials(&self) -> Result<Vec<StoredFilial>, EngineError> {
        Ok(self.store().filials()?)
    }

    /// The filial's doctors with the free time of the booking window (the filial's local
    /// today and `horizon_days` − 1 days after, times from `now + min_notice`), each with the
    /// first `times` free times of the nearest day. `None` when the filial is unknown.
    pub fn doctors(
        &self,
        filial: &str,
        now: DateTime<Utc>,
        times: u32,
    ) -> Result<Option<Listing>, EngineError> {
        let Some(filial) = self.filials()?.into_iter().find(|f| f.code == filial) else {
            return Ok(None);
        };
        let booking = &self.settings().booking;
        let today = to_local(filial.zone, now).date();
        let until = today + Duration::days(i64::from(booking.horizon_days));
        let from = now + Duration::minutes(i64::from(booking.min_notice_minutes));
        let rows = self
            .store()
            .doctors_free_time(&filial.code, from, until, times)?;
        let mut doctors: Vec<ListedDoctor> = rows.into_iter().map(listed).collect();
        // Stable: the store sorted by name; free doctors move forward, soonest first.
        doctors.sort_by_key(|d| match &d.nearest {
            Some((date, t)) => (0, Some(*date), t.first().map(|x| x.0)),
            None => (1, None, None),
        });
        Ok(Some(Listing { filial, doctors }))
    }
}

fn listed(d: DoctorFreeTime) -> ListedDoctor {
    let nearest = d.first.first().map(|&(date, _, _)| {
        let times = d
            .first
            .iter()
            .filter(|(day, _, _)| *day == date)
            .map(|&(_, s, e)| (s, e))
            .collect();
        (date, times)
    });
    ListedDoctor {
        code: d.code,
        name: d.name,
        specialties: d.specialties,
        free: d.free,
        nearest,
    }
}
