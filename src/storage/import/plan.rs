//! One doctor's cells of the snapshot sorted into days, each with the digest of its packed copy.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

use crate::domain::schedule::Slot;
use crate::storage::db_time;
use crate::storage::packed::pack;

pub(super) type DayDigest = [u8; 16];

/// The first 16 bytes of the SHA-256 of `bytes`.
pub(super) fn digest16(bytes: &[u8]) -> DayDigest {
    let full = Sha256::digest(bytes);
    let mut d = [0u8; 16];
    d.copy_from_slice(&full[..16]);
    d
}

/// A day of the doctor: `slots[from..to]` are its cells, by UTC start.
pub(super) struct NewDay {
    pub(super) date: NaiveDate,
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) digest: DayDigest,
    pub(super) first: NaiveDateTime,
    pub(super) last: NaiveDateTime,
}

/// One doctor's future cells, sorted into days with digests.
pub(super) struct DoctorPlan<'a> {
    /// Future cells by date, then UTC start; no two of a day with one UTC start.
    pub(super) slots: Vec<Slot<'a>>,
    pub(super) days: Vec<NewDay>,
    pub(super) cells_past: usize,
}

impl<'a> DoctorPlan<'a> {
    pub(super) fn new(mut slots: Vec<Slot<'a>>, now: DateTime<Utc>) -> DoctorPlan<'a> {
        let all = slots.len();
        slots.retain(|x| x.start_utc >= now);
        let cells_past = all - slots.len();
        let key = |x: &Slot| (x.date, x.start);
        if !slots.is_sorted_by_key(key) {
            slots.sort_by_key(key);
        }
        // Sorted by local start, a day's UTC starts rise strictly, except around a clock
        // change: then order that day by UTC and keep the first cell of any UTC start.
        let mut i = 0;
        while i < slots.len() {
            let j = i + slots[i..]
                .iter()
                .position(|x| x.date != slots[i].date)
                .unwrap_or(slots.len() - i);
            let run = &mut slots[i..j];
            if !run.windows(2).all(|w| w[0].start_utc < w[1].start_utc) {
                run.sort_by_key(|x| x.start_utc);
                let mut seen = HashSet::new();
                let mut k = 0;
                slots.retain(|x| {
                    k += 1;
                    k <= i || k > j || seen.insert(x.start_utc)
                });
                i += seen.len();
            } else {
                i = j;
            }
        }
        let mut days = Vec::new();
        let mut scratch = Vec::new();
        let mut i = 0;
        while i < slots.len() {
            let date = slots[i].date;
            let j = i + slots[i..]
                .iter()
                .position(|x| x.date != date)
                .unwrap_or(slots.len() - i);
            scratch.clear();
            pack(slots[i..j].iter(), &mut scratch);
            days.push(NewDay {
                date,
                from: i,
                to: j,
                digest: digest16(&scratch),
                first: db_time(slots[i].start_utc),
                last: db_time(slots[j - 1].start_utc),
            });
            i = j;
        }
        DoctorPlan {
            slots,
            days,
            cells_past,
        }
    }

    /// A day's packed copy (packed again rather than kept).
    pub(super) fn packed(&self, day: &NewDay) -> Vec<u8> {
        let mut out = Vec::with_capacity((day.to - day.from) * 14 + 9);
        pack(self.slots[day.from..day.to].iter(), &mut out);
        out
    }

    pub(super) fn cells(&self, day: &NewDay) -> &[Slot<'a>] {
        &self.slots[day.from..day.to]
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::domain::schedule::{read, Schedule};
    use crate::domain::zone::Zones;
    use crate::storage::packed::{unpack, StoredRow};

    fn schedule(json: &str) -> Schedule<'_> {
        read(json, &Zones::default()).unwrap()
    }

    fn plan<'a>(s: &Schedule<'a>) -> DoctorPlan<'a> {
        DoctorPlan::new(s.slots.clone(), now())
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
        let p = plan(&s);
        // 08:00 Moscow = 05:00Z < now (06:00Z): past.
        assert_eq!(p.cells_past, 1);
        assert_eq!(p.days.len(), 2);
        let starts: Vec<_> = p.slots.iter().map(|x| x.start).collect();
        assert_eq!(starts, vec![570, 540, 600]);
        assert_eq!((p.days[0].from, p.days[0].to), (0, 1));
        assert_eq!((p.days[1].from, p.days[1].to), (1, 3));
    }

    #[test]
    fn a_day_with_a_clock_change_is_one_day_in_utc_order() {
        // 2026-10-25 03:00 in Europe/Berlin: clocks go back, 02:00–03:00 happens twice.
        let zones = Zones::from_names([("1", "Europe/Berlin")]).unwrap();
        let json = r#"{"data":{"1":{"7":{"cells":[
            {"dt":"2026-10-26","time_start":"09:00","time_end":"09:30","free":true},
            {"dt":"2026-10-25","time_start":"01:30","time_end":"02:00","free":true},
            {"dt":"2026-10-25","time_start":"02:30","time_end":"02:45","free":true},
            {"dt":"2026-10-25","time_start":"03:00","time_end":"03:30","free":false}
        ]}}}}"#;
        let s = read(json, &zones).unwrap();
        let p = DoctorPlan::new(s.slots.clone(), "2026-10-01T00:00:00Z".parse().unwrap());
        assert_eq!(p.days.len(), 2);
        let utc: Vec<_> = p.slots.iter().map(|x| x.start_utc).collect();
        assert!(utc[..3].windows(2).all(|w| w[0] < w[1]), "{utc:?}");
        assert_eq!((p.days[0].from, p.days[0].to, p.days[1].to), (0, 3, 4));
    }

    #[test]
    fn digest_changes_with_any_field_and_not_with_order() {
        let a = r#"{"data":{"1":{"7":{"cells":[
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":true,"room":"1"},
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:30","free":true}]}}}}"#;
        let base = plan(&schedule(a)).days[0].digest;
        let reordered = r#"{"data":{"1":{"7":{"cells":[
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:30","free":true},
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":true,"room":"1"}]}}}}"#;
        assert_eq!(plan(&schedule(reordered)).days[0].digest, base);
        for changed in [
            a.replacen("\"free\":true", "\"free\":false", 1),
            a.replacen("\"room\":\"1\"", "\"room\":\"2\"", 1),
            a.replacen("09:30", "09:45", 1),
        ] {
            assert_ne!(plan(&schedule(&changed)).days[0].digest, base);
        }
        // Another zone: same local cells, other UTC times.
        let zones = Zones::from_names([("1", "Asia/Yekaterinburg")]).unwrap();
        let s = read(a, &zones).unwrap();
        assert_ne!(plan(&s).days[0].digest, base);
    }

    #[test]
    fn packed_days_read_back_exactly() {
        let json = r#"{"data":{"1":{"7":{"cells":[
            {"dt":"2026-12-02","time_start":"09:00","time_end":"09:30","free":true,"room":"12"},
            {"dt":"2026-12-02","time_start":"10:00","time_end":"10:20","free":false,"room":"Каб. 3"},
            {"dt":"2026-12-02","time_start":"23:30","time_end":"23:59","free":true}]}}}}"#;
        let s = schedule(json);
        let p = plan(&s);
        let day = &p.days[0];
        let whole = p.packed(day);
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
        let mut again = Vec::new();
        crate::storage::packed::pack_rows(rows.iter(), &mut again);
        assert_eq!(again, whole, "rows read back pack to the same bytes");
        assert_eq!(unpack(&[]), None);
        assert_eq!(unpack(&[9, 0, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(unpack(&whole[..whole.len() - 1]), None, "truncated");
    }
}
