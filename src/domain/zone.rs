//! Filial time zones and the conversion of the MIS's local wall-clock times to UTC.
//!
//! # Policy
//! Every filial has an IANA zone (default `Europe/Moscow`); conversion always goes through the
//! IANA database, never a fixed offset, because Russian zones have changed (2011, 2014, 2016)
//! and filials may be anywhere. Russia has no daylight saving time today, but if a filial's
//! zone has one:
//! - a local time that does not exist (the clock jumped over it) is read with the offset in
//!   force just before the jump, so it lands that much later — 02:30 in a 02:00→03:00 gap
//!   becomes 03:30 (what jiff calls "compatible");
//! - a local time that happens twice (the clock went back) is the first of the two.

use std::collections::HashMap;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use thiserror::Error;

use crate::time::Minute;

pub const DEFAULT_ZONE: Tz = chrono_tz::Europe::Moscow;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ZoneError {
    /// The name is not in the IANA database.
    #[error("неизвестный часовой пояс \"{name}\" для филиала {filial}")]
    Unknown { filial: String, name: String },
}

/// The time zone of each filial.
#[derive(Debug, Clone, Default)]
pub struct Zones {
    by_filial: HashMap<String, Tz>,
}

impl Zones {
    /// Reads `filial code → IANA name` pairs.
    pub fn from_names<I, K, V>(pairs: I) -> Result<Self, ZoneError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: AsRef<str>,
    {
        let mut by_filial = HashMap::new();
        for (filial, name) in pairs {
            let filial = filial.into();
            let tz = parse_zone(name.as_ref()).ok_or_else(|| ZoneError::Unknown {
                filial: filial.clone(),
                name: name.as_ref().to_owned(),
            })?;
            by_filial.insert(filial, tz);
        }
        Ok(Zones { by_filial })
    }

    pub fn of(&self, filial: &str) -> Tz {
        self.by_filial.get(filial).copied().unwrap_or(DEFAULT_ZONE)
    }
}

/// An IANA zone by name (`Europe/Moscow`); `""` is the default zone.
pub fn parse_zone(name: &str) -> Option<Tz> {
    let name = name.trim();
    if name.is_empty() {
        return Some(DEFAULT_ZONE);
    }
    name.parse::<Tz>().ok()
}

/// How a visitor reads the zone's time: «время московское», «время екатеринбургское»… for the
/// zones clinics in Russia use, else «время: <IANA name>».
pub fn label(tz: Tz) -> String {
    const LABELS: [(&str, &str); 23] = [
        ("Europe/Kaliningrad", "калининградское"),
        ("Europe/Moscow", "московское"),
        ("Europe/Simferopol", "московское"),
        ("Europe/Kirov", "московское"),
        ("Europe/Volgograd", "волгоградское"),
        ("Europe/Samara", "самарское"),
        ("Europe/Ulyanovsk", "ульяновское"),
        ("Europe/Saratov", "саратовское"),
        ("Europe/Astrakhan", "астраханское"),
        ("Asia/Yekaterinburg", "екатеринбургское"),
        ("Asia/Omsk", "омское"),
        ("Asia/Novosibirsk", "новосибирское"),
        ("Asia/Barnaul", "барнаульское"),
        ("Asia/Tomsk", "томское"),
        ("Asia/Novokuznetsk", "кемеровское"),
        ("Asia/Krasnoyarsk", "красноярское"),
        ("Asia/Irkutsk", "иркутское"),
        ("Asia/Chita", "читинское"),
        ("Asia/Yakutsk", "якутское"),
        ("Asia/Vladivostok", "владивостокское"),
        ("Asia/Sakhalin", "сахалинское"),
        ("Asia/Magadan", "магаданское"),
        ("Asia/Kamchatka", "камчатское"),
    ];
    match LABELS.iter().find(|(name, _)| *name == tz.name()) {
        Some((_, adjective)) => format!("время {adjective}"),
        None => format!("время: {}", tz.name()),
    }
}

/// The zone's offset from Moscow at `at`, as Russian schedules name it: «МСК», «МСК+2»,
/// «МСК−1», «МСК+2:30».
pub fn msk_offset(tz: Tz, at: DateTime<Utc>) -> String {
    let offset = |z: Tz| {
        i64::from(
            z.offset_from_utc_datetime(&at.naive_utc())
                .fix()
                .local_minus_utc(),
        )
    };
    let minutes = (offset(tz) - offset(DEFAULT_ZONE)) / 60;
    if minutes == 0 {
        return "МСК".to_owned();
    }
    let sign = if minutes > 0 { '+' } else { '−' };
    let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
    if m == 0 {
        format!("МСК{sign}{h}")
    } else {
        format!("МСК{sign}{h}:{m:02}")
    }
}

/// A moment as the clinic's staff read it in the zone `tz`: «03.12.2026 18:00 МСК+2» (the form
/// of the alert letters' «Когда:»).
pub fn staff_time(tz: Tz, t: DateTime<Utc>) -> String {
    format!(
        "{} {}",
        to_local(tz, t).format("%d.%m.%Y %H:%M"),
        msk_offset(tz, t)
    )
}

/// The moment a day of the staff's calendar (Moscow time, as every admin time is shown: see
/// [`staff_time`]) begins, in UTC: 3 December → 2 December 21:00 UTC. The admin's day filters and
/// the «Состояние» chart count days between these moments, so a booking made at 01:30 МСК falls
/// on the day its «Создана» shows.
pub fn staff_day_start(day: NaiveDate) -> DateTime<Utc> {
    to_utc(DEFAULT_ZONE, day.and_time(chrono::NaiveTime::MIN))
}

/// The staff's (Moscow) calendar day at `t`.
pub fn staff_day(t: DateTime<Utc>) -> NaiveDate {
    to_local(DEFAULT_ZONE, t).date()
}

/// Local wall-clock time of a zone → UTC, by the policy in the module docs.
pub fn to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            let before = tz
                .offset_from_utc_datetime(&(local - Duration::hours(24)))
                .fix();
            (local - Duration::seconds(i64::from(before.local_minus_utc()))).and_utc()
        }
    }
}

/// UTC → local wall-clock time of a zone.
pub fn to_local(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// Converts many local times of one zone, remembering the offset of the last day seen when
/// that day has a single offset throughout (the usual case: no lookup per cell).
pub struct UtcConverter {
    tz: Tz,
    day: Option<(NaiveDate, Option<i64>)>,
}

impl UtcConverter {
    pub fn new(tz: Tz) -> Self {
        UtcConverter { tz, day: None }
    }

    pub fn zone(&self) -> Tz {
        self.tz
    }

    pub fn convert(&mut self, date: NaiveDate, minute: Minute) -> DateTime<Utc> {
        let local =
            date.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(i64::from(minute));
        let offset = match self.day {
            Some((d, off)) if d == date => off,
            _ => {
                let off = self.steady_offset(date);
                self.day = Some((date, off));
                off
            }
        };
        match offset {
            Some(secs) => (local - Duration::seconds(secs)).and_utc(),
            None => to_utc(self.tz, local),
        }
    }

    /// Like [`convert`](Self::convert), but `None` for a local time that does not exist (in a
    /// daylight-saving gap).
    pub fn convert_existing(&mut self, date: NaiveDate, minute: Minute) -> Option<DateTime<Utc>> {
        let t = self.convert(date, minute);
        match self.day {
            Some((_, Some(_))) => Some(t),
            _ => {
                let local = date.and_hms_opt(0, 0, 0)? + Duration::minutes(i64::from(minute));
                match self.tz.from_local_datetime(&local) {
                    LocalResult::None => None,
                    _ => Some(t),
                }
            }
        }
    }

    /// The day's UTC offset in seconds if it is the same at its start and its end.
    fn steady_offset(&self, date: NaiveDate) -> Option<i64> {
        let start = date.and_hms_opt(0, 0, 0)?;
        let end = date.and_hms_opt(23, 59, 59)?;
        let off = |t: NaiveDateTime| match self.tz.from_local_datetime(&t) {
            LocalResult::Single(t) => Some(i64::from(t.offset().fix().local_minus_utc())),
            _ => None,
        };
        let a = off(start)?;
        (off(end)? == a).then_some(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::booking::format_utc;

    #[test]
    fn staff_days_are_moscow_days() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default();
        assert_eq!(
            format_utc(staff_day_start(day)),
            "2026-12-02T21:00:00Z",
            "3 December begins at 21:00 UTC the day before"
        );
        let t = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc));
        assert_eq!(
            t("2026-12-02T22:30:00Z").map(staff_day),
            Ok(day),
            "01:30 МСК"
        );
        assert_eq!(
            t("2026-12-02T20:59:59Z").map(staff_day),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default())
        );
        // before 2011 Moscow was UTC+3 in winter, UTC+4 in summer: the database decides
        let summer = NaiveDate::from_ymd_opt(2010, 7, 1).unwrap_or_default();
        assert_eq!(format_utc(staff_day_start(summer)), "2010-06-30T20:00:00Z");
    }

    #[test]
    fn staff_times_name_the_offset_from_moscow() {
        let t = DateTime::parse_from_rfc3339("2026-12-03T15:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(staff_time(DEFAULT_ZONE, t), "03.12.2026 18:00 МСК");
        assert_eq!(
            staff_time(chrono_tz::Asia::Yekaterinburg, t),
            "03.12.2026 20:00 МСК+2"
        );
        assert_eq!(
            staff_time(chrono_tz::Europe::Kaliningrad, t),
            "03.12.2026 17:00 МСК−1"
        );
        assert_eq!(
            staff_time(chrono_tz::Asia::Kolkata, t),
            "03.12.2026 20:30 МСК+2:30"
        );
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn zones_are_named_as_visitors_read_them() {
        assert_eq!(label(chrono_tz::Europe::Moscow), "время московское");
        assert_eq!(
            label(chrono_tz::Asia::Yekaterinburg),
            "время екатеринбургское"
        );
        assert_eq!(label(chrono_tz::Europe::Berlin), "время: Europe/Berlin");
    }

    #[test]
    fn moscow_1530_is_1230_utc() {
        assert_eq!(
            format_utc(to_utc(DEFAULT_ZONE, local("2019-06-23 15:30"))),
            "2019-06-23T12:30:00Z"
        );
    }

    #[test]
    fn yekaterinburg_is_utc_plus_5() {
        let tz = parse_zone("Asia/Yekaterinburg").unwrap();
        assert_eq!(
            format_utc(to_utc(tz, local("2026-12-01 09:00"))),
            "2026-12-01T04:00:00Z"
        );
        assert_eq!(
            to_local(tz, to_utc(tz, local("2026-12-01 09:00"))),
            local("2026-12-01 09:00")
        );
    }

    #[test]
    fn historic_moscow_offsets_come_from_the_database() {
        // Moscow was UTC+4 from 2011 to 2014, and had summer time before that.
        assert_eq!(
            format_utc(to_utc(DEFAULT_ZONE, local("2012-06-01 12:00"))),
            "2012-06-01T08:00:00Z"
        );
        assert_eq!(
            format_utc(to_utc(DEFAULT_ZONE, local("2010-01-15 12:00"))),
            "2010-01-15T09:00:00Z"
        );
    }

    #[test]
    fn a_time_in_a_gap_moves_forward() {
        let berlin = parse_zone("Europe/Berlin").unwrap();
        // 2026-03-29 02:00 → 03:00 in Berlin: 02:30 does not exist; read with +01:00.
        assert_eq!(
            format_utc(to_utc(berlin, local("2026-03-29 02:30"))),
            "2026-03-29T01:30:00Z"
        );
    }

    #[test]
    fn an_ambiguous_time_is_the_first_one() {
        let berlin = parse_zone("Europe/Berlin").unwrap();
        // 2026-10-25 03:00 → 02:00: 02:30 happens at +02:00 and again at +01:00.
        assert_eq!(
            format_utc(to_utc(berlin, local("2026-10-25 02:30"))),
            "2026-10-25T00:30:00Z"
        );
    }

    #[test]
    fn converter_agrees_with_direct_conversion_on_transition_days() {
        let berlin = parse_zone("Europe/Berlin").unwrap();
        let mut c = UtcConverter::new(berlin);
        for day in ["2026-03-28", "2026-03-29", "2026-10-25", "2026-10-26"] {
            let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
            for m in (0..1440).step_by(15) {
                let l = d.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(m);
                assert_eq!(c.convert(d, m as Minute), to_utc(berlin, l), "{l}");
            }
        }
    }

    #[test]
    fn unknown_zone_names_the_filial() {
        let e = Zones::from_names([("2", "Europe/Mosow")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "неизвестный часовой пояс \"Europe/Mosow\" для филиала 2"
        );
        let z = Zones::from_names([("2", "Asia/Yekaterinburg")]).unwrap();
        assert_eq!(z.of("2"), chrono_tz::Asia::Yekaterinburg);
        assert_eq!(z.of("1"), DEFAULT_ZONE);
    }
}
