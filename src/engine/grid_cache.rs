//! The grids visitors read, kept in the process between calls (a php-fpm worker serves many
//! requests). The stored window is still read every time — three small queries — but a grid is
//! built again only when that read differs from the one it was built from (its
//! [fingerprint](crate::storage::StoredWindow::fingerprint)), when the filial's local day
//! turned, or when the clock passed the start of a time the grid still offers (the minimal
//! notice moved past it). Otherwise unpacking ~1 000 times, building the grid and writing its
//! JSON are skipped, and the answer is the same as a fresh build's, byte for byte.
//!
//! Memory is bounded (`booking.grid_cache_mb` of the settings, 32 MiB by default, per process):
//! past it, the least recently used grids go.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::value::RawValue;

use crate::domain::grid::Grid;
use crate::domain::zone::to_local;

/// A built grid and, once asked for, the booking form's JSON of its days.
#[derive(Debug)]
pub struct SharedGrid {
    grid: Grid,
    days_json: OnceLock<Box<RawValue>>,
}

impl SharedGrid {
    pub fn new(grid: Grid) -> Self {
        SharedGrid {
            grid,
            days_json: OnceLock::new(),
        }
    }

    /// `days` of the booking form's grid answer (written by `engine::grid_json`).
    pub fn days_json(&self) -> &RawValue {
        self.days_json.get_or_init(|| {
            // well-formed by construction (tested): the check is paid once per grid built
            RawValue::from_string(super::grid_json::days_json(&self.grid))
                .unwrap_or_else(|_| RawValue::NULL.to_owned())
        })
    }

    fn approx_bytes(&self) -> usize {
        let slots: usize = self
            .grid
            .days
            .iter()
            .flat_map(|d| &d.parts)
            .map(|p| p.slots.len())
            .sum();
        // the grid's times with their rooms, and the JSON of them the form asks for
        4096 + slots * 128
    }
}

impl std::ops::Deref for SharedGrid {
    type Target = Grid;
    fn deref(&self) -> &Grid {
        &self.grid
    }
}

/// Under what a grid was built, and until when it stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Built {
    pub fingerprint: u64,
    /// The filial's local date at "now".
    pub today: NaiveDate,
    /// The notice cut-off: times starting before it are left out.
    pub cutoff: DateTime<Utc>,
    /// The first start at or after `cutoff` in what was read (`None`: none); the grid stands
    /// for a cut-off up to it.
    pub next_start: Option<DateTime<Utc>>,
}

impl Built {
    /// Whether a grid built under `self` is the grid for `fingerprint` at `now` (`cutoff`).
    fn stands_for(
        &self,
        fingerprint: u64,
        grid: &Grid,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
    ) -> bool {
        self.fingerprint == fingerprint
            && self.cutoff <= cutoff
            && self.next_start.is_none_or(|next| cutoff <= next)
            && to_local(grid.zone, now).date() == self.today
    }
}

struct Entry {
    built: Built,
    grid: Arc<SharedGrid>,
    bytes: usize,
    used: u64,
}

type Key = (String, String, u32);

pub struct GridCache {
    /// What the kept grids may take, roughly (a 30-day grid of ~1 000 times with its JSON is
    /// ~120 KB); 0 keeps none.
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<Key, Entry>,
    bytes: usize,
    clock: u64,
}

impl GridCache {
    pub fn new(budget_bytes: usize) -> Self {
        GridCache {
            budget: budget_bytes,
            inner: Mutex::default(),
        }
    }

    /// The kept grid of (filial, doctor, days) when it stands for a window read with
    /// `fingerprint` at `now` with the notice `cutoff`.
    pub fn get(
        &self,
        filial: &str,
        doctor: &str,
        days: u32,
        fingerprint: u64,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
    ) -> Option<Arc<SharedGrid>> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.clock += 1;
        let clock = inner.clock;
        let e = inner
            .map
            .get_mut(&(filial.to_owned(), doctor.to_owned(), days))?;
        if !e.built.stands_for(fingerprint, &e.grid, now, cutoff) {
            return None;
        }
        e.used = clock;
        Some(Arc::clone(&e.grid))
    }

    /// Keeps `grid` (replacing an older grid of the same key), then trims to the budget.
    pub fn put(&self, filial: &str, doctor: &str, days: u32, built: Built, grid: Arc<SharedGrid>) {
        let bytes = grid.approx_bytes();
        if bytes > self.budget / 2 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.clock += 1;
        let used = inner.clock;
        let entry = Entry {
            built,
            grid,
            bytes,
            used,
        };
        if let Some(old) = inner
            .map
            .insert((filial.to_owned(), doctor.to_owned(), days), entry)
        {
            inner.bytes -= old.bytes;
        }
        inner.bytes += bytes;
        while inner.bytes > self.budget {
            let Some(oldest) = inner
                .map
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = inner.map.remove(&oldest) {
                inner.bytes -= e.bytes;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Arc<SharedGrid> {
        Arc::new(SharedGrid::new(Grid {
            zone: chrono_tz::Europe::Moscow,
            filial_name: None,
            doctor_name: "Иванова Мария Петровна".into(),
            specialties: Vec::new(),
            days: Vec::new(),
        }))
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    fn built(fingerprint: u64) -> Built {
        Built {
            fingerprint,
            today: NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
            cutoff: at("2026-11-30T11:00:00Z"),
            next_start: Some(at("2026-11-30T12:00:00Z")),
        }
    }

    #[test]
    fn a_grid_stands_until_its_read_its_day_or_its_next_start_changes() {
        let c = GridCache::new(1 << 20);
        let g = grid();
        c.put("1", "0001", 14, built(7), Arc::clone(&g));
        let now = at("2026-11-30T10:00:00Z");
        let get = |fp, now: DateTime<Utc>| {
            c.get("1", "0001", 14, fp, now, now + chrono::Duration::hours(1))
        };
        assert!(get(7, now).is_some_and(|k| Arc::ptr_eq(&k, &g)));
        assert!(
            get(7, at("2026-11-30T11:00:00Z")).is_some(),
            "the cut-off reaches 12:00"
        );
        assert!(
            get(7, at("2026-11-30T11:00:01Z")).is_none(),
            "12:00 is cut off"
        );
        assert!(
            get(7, at("2026-11-30T09:59:59Z")).is_none(),
            "the clock went back"
        );
        assert!(get(8, now).is_none(), "another read");
        assert!(
            c.get("1", "0001", 7, 7, now, now).is_none(),
            "another window"
        );
        // 21:00Z is midnight in Moscow: another local day.
        let late = built(7);
        c.put(
            "1",
            "0002",
            14,
            Built {
                next_start: None,
                ..late
            },
            grid(),
        );
        let n = at("2026-11-30T20:59:00Z");
        assert!(c
            .get("1", "0002", 14, 7, n, n + chrono::Duration::hours(1))
            .is_some());
        let n = at("2026-11-30T21:00:00Z");
        assert!(c
            .get("1", "0002", 14, 7, n, n + chrono::Duration::hours(1))
            .is_none());
    }

    #[test]
    fn the_least_recently_used_grid_goes_past_the_budget_and_none_is_kept_at_zero() {
        let now = at("2026-11-30T10:00:00Z");
        let cutoff = at("2026-11-30T11:00:00Z");
        let one = grid().approx_bytes();
        let c = GridCache::new(one * 2 + one / 2);
        c.put("1", "a", 14, built(1), grid());
        c.put("1", "b", 14, built(1), grid());
        assert!(c.get("1", "a", 14, 1, now, cutoff).is_some());
        c.put("1", "c", 14, built(1), grid());
        assert!(
            c.get("1", "b", 14, 1, now, cutoff).is_none(),
            "b was used least recently"
        );
        assert!(c.get("1", "a", 14, 1, now, cutoff).is_some());
        assert!(c.get("1", "c", 14, 1, now, cutoff).is_some());

        let off = GridCache::new(0);
        off.put("1", "a", 14, built(1), grid());
        assert!(off.get("1", "a", 14, 1, now, cutoff).is_none());
    }
}
