//! The snapshot sorted into doctor-days, each with the digest of its packed copy, before the
//! import's transaction starts.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

use crate::domain::schedule::Schedule;
use crate::storage::packed::pack;
use crate::storage::{db_time, Result, StorageError};

pub(super) type DayDigest = [u8; 16];

/// A day of the snapshot: `order[from..to]` are its cells, by start.
pub(super) struct NewDay {
    pub(super) doctor: u32,
    pub(super) date: NaiveDate,
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) digest: DayDigest,
    pub(super) first: NaiveDateTime,
    pub(super) last: NaiveDateTime,
}

/// The snapshot, sorted into doctor-days with digests (computed before the transaction).
pub(super) struct Plan {
    /// Slot indices: future cells, by doctor, date, start; no two with one UTC start.
    pub(super) order: Vec<u32>,
    pub(super) days: Vec<NewDay>,
    pub(super) cells_past: usize,
}

impl Plan {
    pub(super) fn new(s: &Schedule, now: DateTime<Utc>) -> Result<Plan> {
        let n = u32::try_from(s.slots.len()).map_err(|_| StorageError::Invalid {
            what: "schedule",
            reason: format!("{} cells are too many for one import", s.slots.len()),
        })?;
        let key = |i: &u32| {
            let x = &s.slots[*i as usize];
            (x.doctor, x.date, x.start)
        };
        let mut order: Vec<u32> = (0..n)
            .filter(|&i| s.slots[i as usize].start_utc >= now)
            .collect();
        let cells_past = s.slots.len() - order.len();
        if !order.is_sorted_by_key(key) {
            order.sort_unstable_by_key(key);
        }

        let mut days = Vec::new();
        let mut kept: Vec<u32> = Vec::with_capacity(order.len());
        let mut scratch: Vec<u8> = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let first = &s.slots[order[i] as usize];
            let mut j = i + 1;
            while j < order.len() {
                let x = &s.slots[order[j] as usize];
                if x.doctor != first.doctor || x.date != first.date {
                    break;
                }
                j += 1;
            }
            let from = kept.len();
            kept.extend_from_slice(&order[i..j]);
            let run = &mut kept[from..];
            // Sorted by local start, a day's UTC starts rise strictly, except around a clock
            // change: then order by UTC and keep the first cell of any UTC start.
            if !run
                .windows(2)
                .all(|w| s.slots[w[0] as usize].start_utc < s.slots[w[1] as usize].start_utc)
            {
                run.sort_by_key(|&k| s.slots[k as usize].start_utc);
                let mut seen = HashSet::new();
                let mut deduped: Vec<u32> = run
                    .iter()
                    .copied()
                    .filter(|&k| seen.insert(s.slots[k as usize].start_utc))
                    .collect();
                kept.truncate(from);
                kept.append(&mut deduped);
            }
            let cells = &kept[from..];
            let (Some(&a), Some(&b)) = (cells.first(), cells.last()) else {
                i = j;
                continue;
            };
            scratch.clear();
            pack(cells.iter().map(|&k| &s.slots[k as usize]), &mut scratch);
            let full = Sha256::digest(&scratch);
            let mut digest = [0u8; 16];
            digest.copy_from_slice(&full[..16]);
            days.push(NewDay {
                doctor: first.doctor,
                date: first.date,
                from,
                to: kept.len(),
                digest,
                first: db_time(s.slots[a as usize].start_utc),
                last: db_time(s.slots[b as usize].start_utc),
            });
            i = j;
        }
        Ok(Plan {
            order: kept,
            days,
            cells_past,
        })
    }

    /// A day's packed copy (packed again rather than kept: a million cells make ~13 MB).
    pub(super) fn packed(&self, s: &Schedule, day: &NewDay) -> Vec<u8> {
        let mut out = Vec::with_capacity((day.to - day.from) * 14 + 9);
        pack(
            self.order[day.from..day.to]
                .iter()
                .map(|&k| &s.slots[k as usize]),
            &mut out,
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::domain::schedule::read;
    use crate::domain::zone::Zones;
    use crate::storage::packed::{unpack, StoredRow};

    fn schedule(json: &str) -> Schedule<'_> {
        read(json, &Zones::default()).unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-12-01T06:00:00Z".parse().unwrap()
    }

    #[test]
    fn days_are_grouped_sorted_and_past_cells_left_out() {
        let json = r#"{"data":{"1":{"7":{"efio":"A","cells":[
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:30","free":true},
            {"dt":"2026-12-01","time_start":"08:00","time_end":"08:30","free":true},
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":false},
            {"dt":"2026-12-01","time_start":"09:30","time_end":"10:00","free":true}
        ]}}}}"#;
        let s = schedule(json);
        let p = Plan::new(&s, now()).unwrap();
        // 08:00 Moscow = 05:00Z < now (06:00Z): past.
        assert_eq!(p.cells_past, 1);
        assert_eq!(p.days.len(), 2);
        let starts: Vec<_> = p.order.iter().map(|&k| s.slots[k as usize].start).collect();
        assert_eq!(starts, vec![570, 540, 600]);
        assert_eq!((p.days[0].from, p.days[0].to), (0, 1));
        assert_eq!((p.days[1].from, p.days[1].to), (1, 3));
    }

    #[test]
    fn digest_changes_with_any_field_and_not_with_order() {
        let a = r#"{"data":{"1":{"7":{"cells":[
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":true,"room":"1"},
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:30","free":true}]}}}}"#;
        let base = Plan::new(&schedule(a), now()).unwrap().days[0].digest;
        let reordered = r#"{"data":{"1":{"7":{"cells":[
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:30","free":true},
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":true,"room":"1"}]}}}}"#;
        assert_eq!(
            Plan::new(&schedule(reordered), now()).unwrap().days[0].digest,
            base
        );
        for changed in [
            a.replacen("\"free\":true", "\"free\":false", 1),
            a.replacen("\"room\":\"1\"", "\"room\":\"2\"", 1),
            a.replacen("09:30", "09:45", 1),
        ] {
            assert_ne!(
                Plan::new(&schedule(&changed), now()).unwrap().days[0].digest,
                base
            );
        }
        // Another zone: same local cells, other UTC times.
        let zones = Zones::from_names([("1", "Asia/Yekaterinburg")]).unwrap();
        let s = read(a, &zones).unwrap();
        assert_ne!(Plan::new(&s, now()).unwrap().days[0].digest, base);
    }

    #[test]
    fn packed_days_read_back_exactly() {
        let json = r#"{"data":{"1":{"7":{"cells":[
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":true,"room":"12"},
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:20","free":false,"room":"Каб. 3"},
            {"dt":"2026-12-02","time_start":"23:30","time_end":"23:59","free":true}]}}}}"#;
        let s = schedule(json);
        let p = Plan::new(&s, now()).unwrap();
        let day = &p.days[0];
        let whole = p.packed(&s, day);
        let rows = unpack(&whole).unwrap();
        let expected: Vec<StoredRow<'_>> = s
            .slots
            .iter()
            .map(|c| StoredRow {
                start_utc: c.start_utc.naive_utc(),
                end_utc: c.end_utc.naive_utc(),
                start: c.start,
                end: c.end,
                free: c.free,
                room: Cow::Owned(c.room.to_string()),
            })
            .collect();
        assert_eq!(rows, expected);
        assert_eq!(unpack(&[]), None);
        assert_eq!(unpack(&[9, 0, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(unpack(&whole[..whole.len() - 1]), None, "truncated");
    }
}
