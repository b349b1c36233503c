//! The domain: normalization (specialties, UTC), the visitor's grid and booking validation.

mod common;

use chrono::Duration;
use common::*;

use priem::domain::booking::{
    normalize_name, validate, Alternative, BookingError, BookingInput, FieldError, ALTERNATIVES,
    COMMENT_MAX, NAME_MAX,
};
use priem::domain::grid::{self, DayPart, Grid, GridRules};
use priem::domain::schedule::{normalize, split_specialties, Schedule};
use priem::domain::zone::{Zones, DEFAULT_ZONE};
use priem::time::hhmm;
use priem::wire::booking::format_utc;
use priem::wire::schedule::parse;

fn yekaterinburg() -> Zones {
    Zones::from_names([("2", "Asia/Yekaterinburg")]).unwrap()
}

/// `(date, HH:MM, free, held)` of every time in the grid, in grid order.
fn grid_times(g: &Grid) -> Vec<(String, String, bool, bool)> {
    g.days
        .iter()
        .flat_map(|d| {
            d.parts.iter().flat_map(move |p| {
                p.slots
                    .iter()
                    .map(move |s| (d.date.to_string(), hhmm(s.start), s.free, s.held))
            })
        })
        .collect()
}

fn t(date: &str, time: &str, free: bool, held: bool) -> (String, String, bool, bool) {
    (date.to_owned(), time.to_owned(), free, held)
}

// ---------------------------------------------------------------------------------------
// Normalization

#[test]
fn splits_specialties_and_drops_case_insensitive_repeats() {
    assert_eq!(
        split_specialties("Кардиолог, терапевт; кардиолог"),
        ["Кардиолог", "терапевт"]
    );
    assert_eq!(
        split_specialties("  Детский   кардиолог ,, ; ТЕРАПЕВТ;Терапевт ;"),
        ["Детский кардиолог", "ТЕРАПЕВТ"]
    );
    assert_eq!(
        split_specialties("Ёлочный врач; ЁЛОЧНЫЙ ВРАЧ"),
        ["Ёлочный врач"]
    );
    assert_eq!(
        split_specialties("Cardiologist, CARDIOLOGIST"),
        ["Cardiologist"]
    );
    assert!(split_specialties("").is_empty());
    assert!(split_specialties(" , ;; ").is_empty());
    assert_eq!(split_specialties("Терапевт"), ["Терапевт"]);
}

#[test]
fn normalize_keeps_filials_doctors_and_specialties() {
    let s = schedule_of(schedule_json(&[
        (
            "1",
            &[
                ("0001", "Кардиолог, терапевт; кардиолог", ""),
                ("0002", "", ""),
            ],
        ),
        ("2", &[("0001", "Хирург", "")]),
    ]));
    assert_eq!(s.filials.len(), 2);
    assert_eq!(s.filials[0].code, "1");
    assert_eq!(s.filials[0].name.as_deref(), Some("Клиника 1"));
    assert_eq!(s.filials[0].zone, DEFAULT_ZONE);
    assert_eq!(s.doctors.len(), 3);
    assert_eq!(s.doctors[0].specialties, ["Кардиолог", "терапевт"]);
    assert_eq!(s.doctors[0].name, "Врач 0001");
    assert!(s.doctors[1].specialties.is_empty());
    assert_eq!(s.doctors[2].filial, 1);
    assert_eq!(s.doctors[2].specialties, ["Хирург"]);
    assert_eq!(s.doctor_index("1", "0001"), Some(0));
    assert_eq!(s.doctor_index("1", "0002"), Some(1));
    assert_eq!(s.doctor_index("2", "0001"), Some(2));
    assert_eq!(s.doctor_index("2", "0002"), None);
    assert_eq!(s.doctor_index("3", "0001"), None);
    assert_eq!(s.filial_index("2"), Some(1));
    assert_eq!(s.filial_index("02"), None);
}

#[test]
fn moscow_1530_is_1230_utc() {
    let s = schedule_of(schedule_json(&[(
        "1",
        &[("0001", "кардиолог", "2019-06-23 15:30-16:00 free")],
    )]));
    let slot = &s.slots[0];
    assert_eq!(format_utc(slot.start_utc), "2019-06-23T12:30:00Z");
    assert_eq!(format_utc(slot.end_utc), "2019-06-23T13:00:00Z");
    assert_eq!(slot.date, date("2019-06-23"));
    assert_eq!((slot.start, slot.end), (min("15:30"), min("16:00")));
    assert!(slot.free);
}

#[test]
fn a_filial_in_yekaterinburg_is_utc_plus_5() {
    let json = schedule_json(&[
        ("1", &[("0001", "", "2026-12-01 09:00-09:30 free")]),
        (
            "2",
            &[(
                "0001",
                "",
                "2026-12-01 09:00-09:30 free; 2026-12-02 00:10-00:40 busy 5",
            )],
        ),
    ]);
    let s = schedule_with(json, &yekaterinburg());
    assert_eq!(s.filials[1].zone, chrono_tz::Asia::Yekaterinburg);
    assert_eq!(s.filials[0].zone, chrono_tz::Europe::Moscow);
    let utc: Vec<(String, String)> = s
        .slots
        .iter()
        .map(|x| (format_utc(x.start_utc), format_utc(x.end_utc)))
        .collect();
    assert_eq!(
        utc,
        [
            ("2026-12-01T06:00:00Z".into(), "2026-12-01T06:30:00Z".into()),
            ("2026-12-01T04:00:00Z".into(), "2026-12-01T04:30:00Z".into()),
            // Just after local midnight: the previous day in UTC.
            ("2026-12-01T19:10:00Z".into(), "2026-12-01T19:40:00Z".into()),
        ]
    );
    assert_eq!(s.slots[2].room, "5");
    assert!(!s.slots[2].free);
}

#[test]
fn zones_reject_unknown_names_and_default_to_moscow() {
    let e = Zones::from_names([("1", "Europe/Moscow"), ("2", "Asia/Ekaterinburg ")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "неизвестный часовой пояс \"Asia/Ekaterinburg \" для филиала 2"
    );
    let z = Zones::from_names([("1", ""), ("3", " Asia/Vladivostok ")]).unwrap();
    assert_eq!(z.of("1"), DEFAULT_ZONE);
    assert_eq!(z.of("3"), chrono_tz::Asia::Vladivostok);
    assert_eq!(z.of("unknown"), DEFAULT_ZONE);
}

#[test]
fn slots_of_gives_each_doctors_slots_in_the_order_sent() {
    let s = schedule_of(schedule_json(&[
        (
            "1",
            &[
                (
                    "A",
                    "",
                    "2026-12-02 10:00-10:30 free; 2026-12-01 09:00-09:30 busy",
                ),
                ("B", "", ""),
                ("C", "", "2026-12-01 12:00-12:30 free"),
            ],
        ),
        (
            "2",
            &[(
                "A",
                "",
                "2026-12-03 08:00-08:20 free; 2026-12-03 08:20-08:40 free",
            )],
        ),
    ]));
    let of = |d: usize| -> Vec<(String, String)> {
        s.slots_of(d)
            .map(|x| (x.date.to_string(), hhmm(x.start)))
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        of(0),
        pairs(&[("2026-12-02", "10:00"), ("2026-12-01", "09:00")])
    );
    assert!(of(1).is_empty());
    assert_eq!(of(2), pairs(&[("2026-12-01", "12:00")]));
    assert_eq!(
        of(3),
        pairs(&[("2026-12-03", "08:00"), ("2026-12-03", "08:20")])
    );
    assert!(of(4).is_empty(), "no such doctor: no slots");
    assert!(s.slots_of(0).all(|x| x.doctor == 0));
    assert_eq!(s.slots.len(), 5);
}

#[test]
fn normalize_carries_rejected_doctors_and_empty_filials() {
    let json = r#"{"data": {"1": {"A": {"cells": []}, "B": 5}, "2": {"C": {"cells": null}}}}"#;
    let s: Schedule = normalize(parse(json).unwrap(), &Zones::default());
    assert_eq!(s.filials.len(), 2);
    assert_eq!(s.doctors.len(), 1);
    let rejected: Vec<(&str, &str)> = s
        .rejected
        .iter()
        .map(|r| (r.filial.as_str(), r.doctor.as_str()))
        .collect();
    assert_eq!(rejected, [("1", "B"), ("2", "C")]);
}

// ---------------------------------------------------------------------------------------
// The grid

#[test]
fn the_window_starts_at_the_filials_local_today() {
    // 20:00Z: 23:00 on Dec 1 in Moscow, but already 01:00 on Dec 2 in Yekaterinburg.
    let now = utc("2026-12-01T20:00:00Z");
    let spec = "2026-12-01 23:30-23:50 free; 2026-12-02 00:30-00:50 free; \
                2026-12-02 01:30-01:50 free; 2026-12-03 09:00-09:30 free";
    let s = schedule_with(
        schedule_json(&[("1", &[("M", "", spec)]), ("2", &[("Y", "", spec)])]),
        &yekaterinburg(),
    );
    let rules = GridRules::default();
    let m = grid::build(&s, s.doctor_index("1", "M").unwrap(), now, 2, &rules);
    assert_eq!(m.zone, chrono_tz::Europe::Moscow);
    let days: Vec<String> = m.days.iter().map(|d| d.date.to_string()).collect();
    assert_eq!(days, ["2026-12-01", "2026-12-02"]);
    assert_eq!(
        grid_times(&m),
        [
            t("2026-12-01", "23:30", true, false),
            t("2026-12-02", "00:30", true, false),
            t("2026-12-02", "01:30", true, false),
        ]
    );

    let y = grid::build(&s, s.doctor_index("2", "Y").unwrap(), now, 2, &rules);
    assert_eq!(y.zone, chrono_tz::Asia::Yekaterinburg);
    let days: Vec<String> = y.days.iter().map(|d| d.date.to_string()).collect();
    assert_eq!(days, ["2026-12-02", "2026-12-03"]);
    // 23:30 Dec 1 and 00:30 Dec 2 local are past there; 01:30 is 20:30Z.
    assert_eq!(
        grid_times(&y),
        [
            t("2026-12-02", "01:30", true, false),
            t("2026-12-03", "09:00", true, false),
        ]
    );
    assert_eq!(
        format_utc(y.days[0].parts[0].slots[0].start_utc),
        "2026-12-01T20:30:00Z"
    );
}

#[test]
fn past_times_and_times_within_min_notice_are_left_out() {
    // now = 09:00 Moscow.
    let s = schedule_of(schedule_json(&[(
        "1",
        &[(
            "A",
            "",
            "2026-12-01 08:00-08:30 free; 2026-12-01 08:30-08:50 busy; 2026-12-01 08:50-09:10 free; \
             2026-12-01 09:10-09:30 free; 2026-12-01 09:30-10:00 free; 2026-12-01 10:00-10:30 free; \
             2026-12-01 10:30-11:00 busy",
        )],
    )]));
    let at_now = grid::build(&s, 0, utc("2026-12-01T06:10:00Z"), 1, &GridRules::default());
    // A time starting exactly at "now" is still shown.
    assert_eq!(
        grid_times(&at_now),
        [
            t(TODAY, "09:10", true, false),
            t(TODAY, "09:30", true, false),
            t(TODAY, "10:00", true, false),
            t(TODAY, "10:30", false, false),
        ]
    );
    let notice = GridRules {
        min_notice_minutes: 60,
        held: vec![],
    };
    let g = grid::build(&s, 0, now(), 1, &notice);
    assert_eq!(
        grid_times(&g),
        [
            t(TODAY, "10:00", true, false),
            t(TODAY, "10:30", false, false)
        ]
    );
    assert_eq!(g.days[0].free, 1);
}

#[test]
fn taken_and_held_times_are_kept_but_not_free() {
    let s = schedule_of(schedule_json(&[(
        "1",
        &[(
            "A",
            "",
            "2026-12-01 10:00-10:30 free 12; 2026-12-01 10:30-11:00 busy; 2026-12-01 11:00-11:30 free; \
             2026-12-01 11:30-12:00 busy",
        )],
    )]));
    let rules = GridRules {
        min_notice_minutes: 0,
        // 11:00 and 11:30 Moscow; the second one is already taken in the MIS.
        held: vec![utc("2026-12-01T08:00:00Z"), utc("2026-12-01T08:30:00Z")],
    };
    let g = grid::build(&s, 0, now(), 1, &rules);
    assert_eq!(
        grid_times(&g),
        [
            t(TODAY, "10:00", true, false),
            t(TODAY, "10:30", false, false),
            t(TODAY, "11:00", false, true),
            t(TODAY, "11:30", false, false),
        ]
    );
    assert_eq!(g.days[0].free, 1);
    assert_eq!(g.free(), 1);
    let first = &g.days[0].parts[0].slots[0];
    assert_eq!(first.room, "12");
    assert_eq!(format_utc(first.start_utc), "2026-12-01T07:00:00Z");
    assert_eq!(format_utc(first.end_utc), "2026-12-01T07:30:00Z");
    assert_eq!((first.start, first.end), (min("10:00"), min("10:30")));
}

#[test]
fn counts_free_times_per_day_and_lists_every_day_of_the_window() {
    let s = schedule_of(schedule_json(&[(
        "1",
        &[(
            "A",
            "",
            "2026-12-03 10:00-10:30 free; 2026-12-01 10:00-10:30 free; 2026-12-01 10:30-11:00 busy; \
             2026-12-01 11:00-11:30 free; 2026-12-04 09:00-09:30 busy; \
             2026-11-30 10:00-10:30 free; 2026-12-06 10:00-10:30 free; 2026-12-31 10:00-10:30 free",
        )],
    )]));
    let g = grid::build(&s, 0, now(), 5, &GridRules::default());
    let days: Vec<(String, usize, usize)> = g
        .days
        .iter()
        .map(|d| {
            (
                d.date.to_string(),
                d.free,
                d.parts.iter().map(|p| p.slots.len()).sum(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-12-01".into(), 2, 3),
            ("2026-12-02".into(), 0, 0),
            ("2026-12-03".into(), 1, 1),
            ("2026-12-04".into(), 0, 1),
            ("2026-12-05".into(), 0, 0),
        ]
    );
    assert!(g.days[1].parts.is_empty());
    assert_eq!(g.free(), 3);
    // Yesterday and the days after the window are not there.
    assert!(grid_times(&g)
        .iter()
        .all(|(d, ..)| d.as_str() >= "2026-12-01" && d.as_str() <= "2026-12-05"));
    // free_times: soonest first, across days.
    let next: Vec<(String, String)> = g
        .free_times()
        .map(|(d, s)| (d.to_string(), hhmm(s.start)))
        .collect();
    assert_eq!(
        next,
        [
            ("2026-12-01".to_string(), "10:00".to_string()),
            ("2026-12-01".into(), "11:00".into()),
            ("2026-12-03".into(), "10:00".into()),
        ]
    );
}

#[test]
fn a_window_of_zero_days_is_empty_and_a_long_one_reaches_far() {
    let s = schedule_of(schedule_json(&[(
        "1",
        &[(
            "A",
            "",
            "2026-12-01 10:00-10:30 free; 2027-02-28 10:00-10:30 free",
        )],
    )]));
    let g = grid::build(&s, 0, now(), 0, &GridRules::default());
    assert!(g.days.is_empty());
    assert_eq!(g.free(), 0);
    let g = grid::build(&s, 0, now(), 90, &GridRules::default());
    assert_eq!(g.days.len(), 90);
    assert_eq!(g.days[89].date, date("2027-02-28"));
    assert_eq!(g.free(), 2);
    let g = grid::build(&s, 0, now(), 89, &GridRules::default());
    assert_eq!(g.free(), 1);
}

#[test]
fn groups_times_into_morning_afternoon_evening() {
    let s = schedule_of(schedule_json(&[(
        "1",
        &[(
            "A",
            "",
            // Unsorted on purpose.
            "2026-12-02 17:00-17:30 free; 2026-12-02 11:59-12:00 free; 2026-12-02 16:59-17:00 busy; \
             2026-12-02 12:00-12:30 free; 2026-12-02 08:00-08:30 free; 2026-12-02 21:00-21:30 free; \
             2026-12-03 13:00-13:30 free",
        )],
    )]));
    let g = grid::build(&s, 0, now(), 3, &GridRules::default());
    let parts: Vec<(DayPart, Vec<String>)> = g.days[1]
        .parts
        .iter()
        .map(|p| (p.part, p.slots.iter().map(|s| hhmm(s.start)).collect()))
        .collect();
    assert_eq!(
        parts,
        [
            (DayPart::Morning, vec!["08:00".to_string(), "11:59".into()]),
            (DayPart::Afternoon, vec!["12:00".into(), "16:59".into()]),
            (DayPart::Evening, vec!["17:00".into(), "21:00".into()]),
        ]
    );
    assert_eq!(g.days[1].free, 5);
    // Only the parts that have times.
    let parts: Vec<DayPart> = g.days[2].parts.iter().map(|p| p.part).collect();
    assert_eq!(parts, [DayPart::Afternoon]);
    assert!(g.days[0].parts.is_empty());
}

#[test]
fn day_part_boundaries_and_names() {
    assert_eq!(DayPart::of(0), DayPart::Morning);
    assert_eq!(DayPart::of(min("11:59")), DayPart::Morning);
    assert_eq!(DayPart::of(min("12:00")), DayPart::Afternoon);
    assert_eq!(DayPart::of(min("16:59")), DayPart::Afternoon);
    assert_eq!(DayPart::of(min("17:00")), DayPart::Evening);
    assert_eq!(DayPart::of(min("23:59")), DayPart::Evening);
    assert_eq!(
        [DayPart::Morning, DayPart::Afternoon, DayPart::Evening].map(DayPart::label),
        ["Утро", "День", "Вечер"]
    );
    assert_eq!(
        [DayPart::Morning, DayPart::Afternoon, DayPart::Evening].map(DayPart::key),
        ["morning", "afternoon", "evening"]
    );
}

// ---------------------------------------------------------------------------------------
// Booking

/// Filial 1 (Moscow): doctor 0001 "Кардиолог, терапевт", doctor 0002 without espec;
/// filial 2 (Yekaterinburg): doctor 0001 "Хирург". `now()` is 09:00 on Dec 1 in Moscow.
fn clinic() -> Schedule<'static> {
    schedule_with(
        schedule_json(&[
            (
                "1",
                &[
                    (
                        "0001",
                        "Кардиолог, терапевт",
                        "2026-12-01 08:00-08:30 free; 2026-12-01 09:00-09:30 free; \
                         2026-12-01 15:30-16:00 free; 2026-12-01 16:00-16:30 busy; \
                         2026-12-01 16:30-17:00 free; 2026-12-02 10:00-10:30 free",
                    ),
                    ("0002", "", "2026-12-01 12:00-12:30 free"),
                ],
            ),
            ("2", &[("0001", "Хирург", "2026-12-01 15:30-16:00 free")]),
        ]),
        &yekaterinburg(),
    )
}

/// An offered time: day, start, end.
fn alt(day: &str, start: &str, end: &str) -> Alternative {
    Alternative {
        date: date(day),
        start: min(start),
        end: min(end),
    }
}

fn input(filial: &str, doctor: &str, date: &str, time: &str) -> BookingInput {
    BookingInput {
        filial_id: filial.into(),
        doctor_id: doctor.into(),
        date: date.into(),
        time_start: time.into(),
        name: "Иванов Иван".into(),
        phone: "+7 (900) 123-45-67".into(),
        comment: String::new(),
        specialty: String::new(),
        utc: None,
    }
}

fn field_errors(r: Result<impl std::fmt::Debug, BookingError>) -> Vec<(String, String)> {
    match r {
        Err(BookingError::Invalid(errors)) => {
            let mut v: Vec<(String, String)> = errors
                .into_iter()
                .map(|FieldError { field, message }| (field.to_owned(), message))
                .collect();
            v.sort();
            v
        }
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn one_error(field: &str, message: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), message.to_owned())]
}

#[test]
fn a_valid_booking_gives_the_exact_wire_json_in_utc() {
    let s = clinic();
    let mut i = input("1", "0001", "2026-12-01", "15:30");
    i.name = "  Иванов   Иван \t Иванович ".into();
    i.comment = "  Первичный приём\nпо направлению  ".into();
    let v = validate(&s, &i, now(), &GridRules::default()).unwrap();
    assert_eq!(
        v.request.to_json(),
        r#"{"dt_start":"2026-12-01T12:30:00Z","dt_end":"2026-12-01T13:00:00Z","filial_id":"1","doctor_id":"0001","specialty":"Кардиолог","name":"Иванов Иван Иванович","phone":"79001234567","comment":"Первичный приём\nпо направлению"}"#
    );
    assert_eq!(v.start_utc, utc("2026-12-01T12:30:00Z"));
    assert_eq!(v.end_utc, utc("2026-12-01T13:00:00Z"));
}

#[test]
fn a_cell_named_in_utc_is_checked_as_the_same_cell_in_local_time() {
    let s = clinic();
    let local = validate(
        &s,
        &input("1", "0001", "2026-12-01", "15:30"),
        now(),
        &GridRules::default(),
    )
    .unwrap();
    let mut i = input("1", "0001", "", "");
    i.utc = Some((utc("2026-12-01T12:30:00Z"), utc("2026-12-01T13:00:00Z")));
    assert_eq!(
        validate(&s, &i, now(), &GridRules::default()).unwrap(),
        local
    );
    // an end that is not the cell's
    i.utc = Some((utc("2026-12-01T12:30:00Z"), utc("2026-12-01T13:30:00Z")));
    assert_eq!(
        field_errors(validate(&s, &i, now(), &GridRules::default())),
        one_error(
            "time_start",
            "Время приёма должно совпадать с одной ячейкой расписания: 15:30–16:00"
        )
    );
    // a start no cell has, named in the filial's time
    i.utc = Some((utc("2026-12-01T12:10:00Z"), utc("2026-12-01T12:40:00Z")));
    assert_eq!(
        field_errors(validate(&s, &i, now(), &GridRules::default())),
        one_error(
            "time_start",
            "В расписании врача нет приёма 01.12.2026 в 15:10"
        )
    );
}

#[test]
fn the_example_of_the_spec_round_trips() {
    let s = schedule_of(schedule_json(&[(
        "1",
        &[("0001", "кардиолог", "2019-06-23 15:30-16:00 free")],
    )]));
    let i = BookingInput {
        filial_id: "1".into(),
        doctor_id: "0001".into(),
        date: "2019-06-23".into(),
        time_start: "15:30".into(),
        name: "ИмяПользователя".into(),
        phone: "79001234567".into(),
        comment: "Комментарий к прямой записи".into(),
        specialty: "Кардиолог".into(),
        utc: None,
    };
    let v = validate(&s, &i, utc("2019-06-23T06:00:00Z"), &GridRules::default()).unwrap();
    let expected = r#"{
      "dt_start": "2019-06-23T12:30:00Z",
      "dt_end": "2019-06-23T13:00:00Z",
      "filial_id": "1",
      "doctor_id": "0001",
      "specialty": "кардиолог",
      "name": "ИмяПользователя",
      "phone": "79001234567",
      "comment": "Комментарий к прямой записи"
    }"#;
    let compact: String = {
        let v: serde_json::Value = serde_json::from_str(expected).unwrap();
        let keys = [
            "dt_start",
            "dt_end",
            "filial_id",
            "doctor_id",
            "specialty",
            "name",
            "phone",
            "comment",
        ];
        let fields: Vec<String> = keys.iter().map(|k| format!("\"{k}\":{}", v[k])).collect();
        format!("{{{}}}", fields.join(","))
    };
    assert_eq!(v.request.to_json(), compact);
}

#[test]
fn a_booking_in_yekaterinburg_is_sent_at_utc_plus_5() {
    let s = clinic();
    let v = validate(
        &s,
        &input("2", "0001", "2026-12-01", "15:30"),
        now(),
        &GridRules::default(),
    )
    .unwrap();
    assert_eq!(v.request.dt_start, "2026-12-01T10:30:00Z");
    assert_eq!(v.request.dt_end, "2026-12-01T11:00:00Z");
    assert_eq!(v.request.filial_id, "2");
    assert_eq!(v.request.specialty, "Хирург");
}

#[test]
fn the_time_may_be_typed_with_spaces_or_seconds() {
    let s = clinic();
    for time in [" 15:30 ", "15:30:00"] {
        let mut i = input("1", "0001", " 2026-12-01 ", time);
        i.phone = "8 900 123 45 67".into();
        let v = validate(&s, &i, now(), &GridRules::default()).unwrap();
        assert_eq!(v.request.dt_start, "2026-12-01T12:30:00Z", "{time:?}");
        assert_eq!(v.request.phone, "79001234567");
    }
}

#[test]
fn names_are_trimmed_and_inner_spaces_collapsed() {
    assert_eq!(
        normalize_name("  Иванова \t  Мария\n Петровна "),
        Ok("Иванова Мария Петровна".into())
    );
    assert_eq!(normalize_name("Ян"), Ok("Ян".into()));
}

#[test]
fn names_accept_cyrillic_latin_hyphens_and_apostrophes() {
    for name in [
        "Анна-Мария Салтыкова-Щедрина",
        "Ёлкин Ёж",
        "O'Brien",
        "Д’Артаньян",
        "Jean-Luc Picard",
        "Łukasz Żółć",
        "Ян",
    ] {
        assert_eq!(normalize_name(name), Ok(name.to_owned()), "{name}");
    }
    let longest = "Я".repeat(NAME_MAX);
    assert_eq!(normalize_name(&longest), Ok(longest.clone()));
}

#[test]
fn names_reject_digits_symbols_and_wrong_lengths() {
    let letters_only = Err("Имя может содержать только буквы, пробелы, дефисы и апострофы");
    for name in [
        "Иван2",
        "ivan@mail.ru",
        "Иван!",
        "Иван_Петров",
        "Иван.",
        "<b>Иван</b>",
        "Ива\u{0}н",
    ] {
        assert_eq!(normalize_name(name), letters_only, "{name:?}");
    }
    assert_eq!(normalize_name(""), Err("Укажите фамилию, имя и отчество"));
    assert_eq!(
        normalize_name(" \t\n "),
        Err("Укажите фамилию, имя и отчество")
    );
    assert_eq!(normalize_name("--"), Err("Укажите фамилию, имя и отчество"));
    assert_eq!(
        normalize_name("' -"),
        Err("Укажите фамилию, имя и отчество")
    );
    assert_eq!(normalize_name("Я"), Err("Имя слишком короткое"));
    assert_eq!(normalize_name("  Я  "), Err("Имя слишком короткое"));
    assert_eq!(
        normalize_name(&"Я".repeat(NAME_MAX + 1)),
        Err("Имя длиннее 100 символов")
    );
    // Length counts characters after collapsing spaces, not bytes.
    let spaced = format!("{}   {}", "Я".repeat(49), "Я".repeat(50));
    assert_eq!(normalize_name(&spaced).map(|n| n.chars().count()), Ok(100));
}

#[test]
fn names_accept_letters_with_combining_marks() {
    assert!(normalize_name("Е\u{308}лкин").is_ok());
    assert!(normalize_name("Мои\u{306}шенко").is_ok());
}

#[test]
fn validate_reports_a_bad_name() {
    let s = clinic();
    let mut i = input("1", "0001", "2026-12-01", "15:30");
    i.name = "Иван2".into();
    assert_eq!(
        field_errors(validate(&s, &i, now(), &GridRules::default())),
        one_error(
            "name",
            "Имя может содержать только буквы, пробелы, дефисы и апострофы"
        )
    );
}

#[test]
fn comments_over_500_characters_are_rejected() {
    let s = clinic();
    let mut i = input("1", "0001", "2026-12-01", "15:30");
    // 500 Cyrillic characters (1000 bytes), plus spaces that are trimmed.
    i.comment = format!("  {}  ", "ж".repeat(COMMENT_MAX));
    let v = validate(&s, &i, now(), &GridRules::default()).unwrap();
    assert_eq!(v.request.comment.chars().count(), 500);
    i.comment = "ж".repeat(COMMENT_MAX + 1);
    assert_eq!(
        field_errors(validate(&s, &i, now(), &GridRules::default())),
        one_error("comment", "Комментарий длиннее 500 символов")
    );
    i.comment = "строка\u{7}звонок".into();
    assert_eq!(
        field_errors(validate(&s, &i, now(), &GridRules::default())),
        one_error("comment", "Комментарий содержит недопустимые символы")
    );
    i.comment = "строка 1\r\nстрока 2\tи табуляция".into();
    assert!(validate(&s, &i, now(), &GridRules::default()).is_ok());
}

#[test]
fn all_field_errors_are_reported_together() {
    let s = clinic();
    let i = BookingInput {
        filial_id: "1".into(),
        doctor_id: "0001".into(),
        date: "01.12.2026".into(),
        time_start: "15.30".into(),
        name: "Я".into(),
        phone: "+7 900 123".into(),
        comment: "x".repeat(501),
        specialty: String::new(),
        utc: None,
    };
    let errors = field_errors(validate(&s, &i, now(), &GridRules::default()));
    let mut want = vec![
        ("name".to_string(), "Имя слишком короткое".to_string()),
        (
            "phone".into(),
            "В номере должно быть 10 цифр после +7".into(),
        ),
        ("comment".into(), "Комментарий длиннее 500 символов".into()),
        ("date".into(), "Выберите день приёма".into()),
        ("time_start".into(), "Выберите время приёма".into()),
    ];
    want.sort();
    assert_eq!(errors, want);

    // An unknown filial is reported along with the rest.
    let mut i = input("9", "0001", "", "15:30");
    i.phone = String::new();
    let errors = field_errors(validate(&s, &i, now(), &GridRules::default()));
    let mut want = vec![
        ("phone".to_string(), "Укажите номер телефона".to_string()),
        ("date".into(), "Выберите день приёма".into()),
        ("filial_id".into(), "Клиника не найдена в расписании".into()),
    ];
    want.sort();
    assert_eq!(errors, want);
}

#[test]
fn field_errors_display_field_then_message() {
    let s = clinic();
    let mut i = input("1", "0001", "2026-12-01", "15:30");
    i.name = String::new();
    i.phone = String::new();
    let e = validate(&s, &i, now(), &GridRules::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "name: Укажите фамилию, имя и отчество; phone: Укажите номер телефона"
    );
}

#[test]
fn rejects_an_unknown_filial_or_doctor() {
    let s = clinic();
    let r = |f: &str, d: &str| {
        field_errors(validate(
            &s,
            &input(f, d, "2026-12-01", "15:30"),
            now(),
            &GridRules::default(),
        ))
    };
    assert_eq!(
        r("9", "0001"),
        one_error("filial_id", "Клиника не найдена в расписании")
    );
    assert_eq!(
        r("01", "0001"),
        one_error("filial_id", "Клиника не найдена в расписании")
    );
    assert_eq!(
        r("1", "1"),
        one_error("doctor_id", "Врач не ведёт приём в этой клинике")
    );
    assert_eq!(
        r("1", "0009"),
        one_error("doctor_id", "Врач не ведёт приём в этой клинике")
    );
    // 0002 works in filial 1 only.
    assert_eq!(
        r("2", "0002"),
        one_error("doctor_id", "Врач не ведёт приём в этой клинике")
    );
}

#[test]
fn rejects_a_time_that_is_not_in_the_schedule() {
    let s = clinic();
    let r = |f: &str, d: &str, date: &str, time: &str| {
        field_errors(validate(
            &s,
            &input(f, d, date, time),
            now(),
            &GridRules::default(),
        ))
    };
    assert_eq!(
        r("1", "0001", "2026-12-01", "15:45"),
        one_error(
            "time_start",
            "В расписании врача нет приёма 01.12.2026 в 15:45"
        )
    );
    assert_eq!(
        r("1", "0001", "2026-12-03", "9:00"),
        one_error(
            "time_start",
            "В расписании врача нет приёма 03.12.2026 в 09:00"
        )
    );
    // Another doctor's time.
    assert_eq!(
        r("1", "0001", "2026-12-01", "12:00"),
        one_error(
            "time_start",
            "В расписании врача нет приёма 01.12.2026 в 12:00"
        )
    );
}

#[test]
fn rejects_a_past_time_or_one_within_min_notice() {
    let s = clinic();
    let past = one_error("time_start", "Это время уже прошло — выберите другое");
    let r = |time: &str, rules: &GridRules| {
        validate(&s, &input("1", "0001", "2026-12-01", time), now(), rules)
    };
    assert_eq!(field_errors(r("08:00", &GridRules::default())), past);
    // Starting exactly now is still bookable without notice…
    assert!(r("09:00", &GridRules::default()).is_ok());
    // …but not with an hour's notice.
    let notice = GridRules {
        min_notice_minutes: 60,
        held: vec![],
    };
    assert_eq!(field_errors(r("09:00", &notice)), past);
    assert!(r("15:30", &notice).is_ok());
    // A past taken time is "past", not "taken".
    let later = now() + Duration::hours(8); // 17:00 Moscow
    let e = validate(
        &s,
        &input("1", "0001", "2026-12-01", "16:00"),
        later,
        &GridRules::default(),
    );
    assert_eq!(field_errors(e), past);
}

#[test]
fn a_taken_time_offers_the_free_times_nearest_to_it() {
    let s = clinic();
    let e = validate(
        &s,
        &input("1", "0001", "2026-12-01", "16:00"),
        now(),
        &GridRules::default(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "Это время уже занято — выберите другое");
    assert_eq!(
        e,
        BookingError::Taken {
            // 16:00 wanted: half an hour before and after (the earlier first), then the morning,
            // then the next day
            next: vec![
                alt("2026-12-01", "15:30", "16:00"),
                alt("2026-12-01", "16:30", "17:00"),
                alt("2026-12-01", "09:00", "09:30"),
                alt("2026-12-02", "10:00", "10:30"),
            ]
        }
    );
}

#[test]
fn a_held_time_is_taken_and_not_offered_again() {
    let s = clinic();
    let rules = GridRules {
        min_notice_minutes: 30,
        held: vec![utc("2026-12-01T12:30:00Z")], // 15:30 Moscow
    };
    let e = validate(
        &s,
        &input("1", "0001", "2026-12-01", "15:30"),
        now(),
        &rules,
    )
    .unwrap_err();
    assert_eq!(
        e,
        BookingError::Taken {
            next: vec![
                alt("2026-12-01", "16:30", "17:00"),
                alt("2026-12-02", "10:00", "10:30"),
            ]
        }
    );
    // The same instant held in Moscow does not hold 15:30 in Yekaterinburg (10:30Z).
    assert!(validate(
        &s,
        &input("2", "0001", "2026-12-01", "15:30"),
        now(),
        &rules
    )
    .is_ok());
}

#[test]
fn taken_offers_at_most_six_times_the_nearest_first() {
    let mut spec = String::from("2026-12-01 09:30-10:00 busy");
    for day in 1..=4 {
        for h in [10, 11, 12] {
            spec.push_str(&format!("; 2026-12-0{day} {h}:00-{h}:30 free"));
        }
    }
    let s = schedule_of(schedule_json(&[("1", &[("0001", "", &spec)])]));
    let e = validate(
        &s,
        &input("1", "0001", "2026-12-01", "09:30"),
        now(),
        &GridRules::default(),
    )
    .unwrap_err();
    let BookingError::Taken { next } = e else {
        panic!("{e:?}")
    };
    assert_eq!(next.len(), ALTERNATIVES);
    assert_eq!(
        next.iter()
            .map(|a| format!("{} {}-{}", a.date, hhmm(a.start), hhmm(a.end)))
            .collect::<Vec<_>>(),
        [
            "2026-12-01 10:00-10:30",
            "2026-12-01 11:00-11:30",
            "2026-12-01 12:00-12:30",
            "2026-12-02 10:00-10:30",
            "2026-12-02 11:00-11:30",
            "2026-12-02 12:00-12:30",
        ]
    );
}

#[test]
fn taken_offers_the_wanted_day_first_then_the_nearest_days_not_the_soonest() {
    // 8 December 12:00 wanted and taken; free times on the 4th (soonest), the 7th, the 8th, the 9th
    let s = schedule_of(schedule_json(&[(
        "1",
        &[(
            "0001",
            "",
            "2026-12-04 09:00-09:30 free; 2026-12-04 12:00-12:30 free; 2026-12-04 15:00-15:30 free; \
             2026-12-07 14:00-14:30 free; 2026-12-08 09:00-09:30 free; 2026-12-08 12:00-12:30 busy; \
             2026-12-08 17:00-17:30 free; 2026-12-09 10:00-10:30 free",
        )],
    )]));
    let e = validate(
        &s,
        &input("1", "0001", "2026-12-08", "12:00"),
        now(),
        &GridRules::default(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        BookingError::Taken {
            next: vec![
                alt("2026-12-08", "09:00", "09:30"),
                alt("2026-12-08", "17:00", "17:30"),
                alt("2026-12-07", "14:00", "14:30"),
                alt("2026-12-09", "10:00", "10:30"),
                alt("2026-12-04", "12:00", "12:30"),
                alt("2026-12-04", "09:00", "09:30"),
            ]
        }
    );
}

#[test]
fn a_taken_time_with_nothing_else_free_offers_nothing() {
    let s = schedule_of(schedule_json(&[(
        "1",
        &[(
            "0001",
            "",
            "2026-12-01 10:00-10:30 busy; 2026-12-01 08:00-08:30 free",
        )],
    )]));
    let e = validate(
        &s,
        &input("1", "0001", "2026-12-01", "10:00"),
        now(),
        &GridRules::default(),
    );
    assert_eq!(e, Err(BookingError::Taken { next: vec![] }));
}

#[test]
fn the_specialty_is_chosen_from_the_doctors_list_or_is_the_first() {
    let s = clinic();
    let spec = |wanted: &str, doctor: &str, time: &str| {
        let mut i = input("1", doctor, "2026-12-01", time);
        i.specialty = wanted.into();
        validate(&s, &i, now(), &GridRules::default())
            .unwrap()
            .request
            .specialty
    };
    assert_eq!(spec("терапевт", "0001", "15:30"), "терапевт");
    assert_eq!(spec("ТЕРАПЕВТ", "0001", "15:30"), "терапевт");
    assert_eq!(spec("  Терапевт ", "0001", "15:30"), "терапевт");
    assert_eq!(spec("кардиолог", "0001", "15:30"), "Кардиолог");
    assert_eq!(spec("хирург", "0001", "15:30"), "Кардиолог");
    assert_eq!(spec("", "0001", "15:30"), "Кардиолог");
    // No espec: empty specialty.
    assert_eq!(spec("терапевт", "0002", "12:00"), "");
}

#[test]
fn a_cell_across_a_dst_gap_keeps_start_before_end() {
    let zones = Zones::from_names([("1", "Europe/Berlin")]).unwrap();
    let s = schedule_with(
        schedule_json(&[(
            "1",
            &[(
                "A",
                "",
                "2026-03-29 01:30-02:00 free; 2026-03-29 02:30-03:00 free; 2026-03-29 03:30-04:00 free",
            )],
        )]),
        &zones,
    );
    // A start the clocks jump over cannot be booked: that cell is left out with a clear
    // reason, the others are kept, and no slot with end before start is produced.
    assert!(s.slots.iter().all(|slot| slot.start_utc < slot.end_utc));
    let starts: Vec<u16> = s.slots.iter().map(|slot| slot.start).collect();
    assert_eq!(starts, [90, 210]);
    assert!(s.rejected.is_empty());
    assert_eq!(s.bad_cells.len(), 1);
    assert_eq!(
        s.bad_cells[0].to_string(),
        "data[\"1\"][\"A\"].cells[1].time_start: 02:30 2026-03-29 не существует в поясе Europe/Berlin (перевод часов)"
    );
}
