//! "Choose a clinic, a specialty, a doctor": the filials and, per filial, the doctors with
//! their nearest free day and its first times, as ProDoctorov lists doctors.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{Engine, EngineError};
use crate::domain::range::Range;
use crate::domain::zone::to_local;
use crate::storage::{DoctorFreeTime, StoredFilial};
use crate::time::Minute;

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

impl Engine {
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
