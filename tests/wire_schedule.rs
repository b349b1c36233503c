//! The ProDoctorov schedule document on the wire (mis-exchange.md §1.1):
//! `priem::wire::schedule::parse` — accepted variants, document-level errors and
//! doctor-level errors with their exact paths and reasons.

mod common;

use common::*;
use serde_json::json;

use priem::time::{hhmm, parse_date, parse_time};
use priem::wire::schedule::{parse, parse_bytes, Cell, DoctorError, DocumentError};

/// The example of §1.1, verbatim.
const SPEC_EXAMPLE: &str = r#"{
  "1": "Клиника на Ленина",
  "data": {
    "1": {
      "0001": {
        "efio": "Иванова Мария Петровна",
        "espec": "Кардиолог",
        "cells": [
          {"dt": "2026-12-01", "time_start": "09:00", "time_end": "09:30", "free": true,  "room": "12"},
          {"dt": "2026-12-01", "time_start": "09:30", "time_end": "10:00", "free": false, "room": ""}
        ]
      }
    }
  }
}"#;

fn expected_spec_cells() -> Vec<Cell<'static>> {
    vec![
        Cell {
            index: 0,
            date: date("2026-12-01"),
            start: 9 * 60,
            end: 9 * 60 + 30,
            free: true,
            room: "12".into(),
        },
        Cell {
            index: 1,
            date: date("2026-12-01"),
            start: 9 * 60 + 30,
            end: 10 * 60,
            free: false,
            room: "".into(),
        },
    ]
}

/// Checks that `json` parses to exactly the §1.1 example (one filial, one doctor).
fn assert_is_spec_example(json: &str) {
    let doc = parse_ok(json);
    assert!(all_passed(&doc), "{:?}", doc.rejected);
    assert_eq!(doc.filials.len(), 1);
    let f = &doc.filials[0];
    assert_eq!(f.code, "1");
    assert_eq!(f.name.as_deref(), Some("Клиника на Ленина"));
    assert_eq!(f.doctors.len(), 1);
    let d = &f.doctors[0];
    assert_eq!(d.code, "0001");
    assert_eq!(d.name, "Иванова Мария Петровна");
    assert_eq!(d.specialty, "Кардиолог");
    assert_eq!(d.cells, expected_spec_cells());
    assert_eq!(doc.cell_count(), 2);
}

fn shape_error(json: &str) -> (String, String) {
    match parse(json) {
        Err(DocumentError::Shape { path, reason }) => (path, reason),
        other => panic!("expected a shape error, got {other:?}"),
    }
}

fn not_json(json: &str) -> String {
    match parse(json) {
        Err(e @ DocumentError::NotJson(_)) => e.to_string(),
        other => panic!("expected a not-JSON error, got {other:?}"),
    }
}

/// The doctor `0001` of filial `1` with a good cell and one whose `field` is replaced by
/// `value` (or removed when `value` is `None`); returns the bad cell's error after checking
/// that the good one is kept.
fn reject_cell_field(field: &str, value: Option<serde_json::Value>) -> DoctorError {
    let mut c = cell("2026-12-01", "09:00", "09:30", true);
    match value {
        Some(v) => c[field] = v,
        None => {
            c.as_object_mut().unwrap().remove(field);
        }
    }
    let json = doc_with_cells(vec![cell("2026-12-02", "09:00", "09:30", true), c]);
    let doc = parse_ok(&json);
    let kept: Vec<_> = doc.filials[0].doctors[0]
        .cells
        .iter()
        .map(|c| c.index)
        .collect();
    assert_eq!(kept, [0], "the good cell is kept");
    only_bad_cell(&json)
}

fn assert_rejection(e: &DoctorError, path: &str, reason: &str) {
    assert_eq!(e.filial, "1", "{e:?}");
    assert_eq!(e.doctor, "0001", "{e:?}");
    assert_eq!(e.path, path, "{e:?}");
    assert_eq!(e.reason, reason, "{e:?}");
    assert_eq!(e.to_string(), format!("{path}: {reason}"));
}

// ---------------------------------------------------------------------------------------
// Accepted variants

#[test]
fn accepts_the_plain_document_of_the_spec() {
    assert_is_spec_example(SPEC_EXAMPLE);
}

#[test]
fn accepts_the_document_wrapped_in_schedule() {
    assert_is_spec_example(&format!(r#"{{"schedule": {SPEC_EXAMPLE}}}"#));
}

#[test]
fn accepts_an_array_of_documents() {
    let json = format!(
        r#"[{SPEC_EXAMPLE}, {{"2": "Клиника на Мира", "data": {{"2": {{"0007": {{"efio": "Петров", "cells": []}}}}}}}}]"#
    );
    let doc = parse_ok(&json);
    assert!(all_passed(&doc));
    assert_eq!(doc.filials.len(), 2);
    assert_eq!(doc.filials[0].code, "1");
    assert_eq!(doc.filials[0].doctors[0].cells, expected_spec_cells());
    assert_eq!(doc.filials[1].code, "2");
    assert_eq!(doc.filials[1].name.as_deref(), Some("Клиника на Мира"));
    assert_eq!(doc.filials[1].doctors[0].code, "0007");
    assert!(doc.filials[1].doctors[0].cells.is_empty());
    assert_eq!(doc.filial("2").unwrap().doctors.len(), 1);
    assert!(doc.filial("3").is_none());
}

#[test]
fn accepts_an_array_of_one_document() {
    assert_is_spec_example(&format!("[{SPEC_EXAMPLE}]"));
}

#[test]
fn accepts_an_array_wrapped_in_schedule() {
    let json = format!(
        r#"{{"schedule": [{SPEC_EXAMPLE}, {{"data": {{"2": {{"0001": {{"cells": []}}}}}}}}]}}"#
    );
    let doc = parse_ok(&json);
    assert!(all_passed(&doc));
    let codes: Vec<&str> = doc.filials.iter().map(|f| &*f.code).collect();
    assert_eq!(codes, ["1", "2"]);
    assert_eq!(doc.filials[0].doctors[0].cells, expected_spec_cells());
    assert_eq!(doc.filials[1].name, None);
}

#[test]
fn accepts_an_array_of_wrapped_documents() {
    assert_is_spec_example(&format!(r#"[{{"schedule": {SPEC_EXAMPLE}}}]"#));
}

#[test]
fn accepts_an_empty_array_as_a_document_with_no_filials() {
    let doc = parse_ok("[]");
    assert!(doc.filials.is_empty());
    assert!(all_passed(&doc));
    let doc = parse_ok(r#"{"schedule": []}"#);
    assert!(doc.filials.is_empty());
}

#[test]
fn accepts_empty_data_and_empty_filials() {
    let doc = parse_ok(r#"{"data": {}}"#);
    assert!(doc.filials.is_empty());
    // A filial with no doctors is still "in the snapshot".
    let doc = parse_ok(r#"{"5": "Пустой филиал", "data": {"5": {}}}"#);
    assert_eq!(doc.filials.len(), 1);
    assert_eq!(doc.filials[0].code, "5");
    assert_eq!(doc.filials[0].name.as_deref(), Some("Пустой филиал"));
    assert!(doc.filials[0].doctors.is_empty());
}

#[test]
fn accepts_missing_filial_name_pairs() {
    let json =
        json!({"data": {"1": {"0001": {"efio": "Иванова", "espec": "Кардиолог", "cells": []}}}})
            .to_string();
    let doc = parse_ok(&json);
    assert_eq!(doc.filials[0].code, "1");
    assert_eq!(doc.filials[0].name, None);
    assert_eq!(doc.filials[0].doctors[0].name, "Иванова");
}

#[test]
fn filial_names_are_matched_by_code() {
    let doc = parse_ok(
        r#"{"2": "Вторая", "data": {"1": {}, "2": {}, "3": {}}, "1": "Первая", "9": "Не в данных"}"#,
    );
    let names: Vec<(&str, Option<&str>)> = doc
        .filials
        .iter()
        .map(|f| (&*f.code, f.name.as_deref()))
        .collect();
    assert_eq!(
        names,
        [("1", Some("Первая")), ("2", Some("Вторая")), ("3", None)]
    );
}

#[test]
fn a_name_pair_that_is_not_a_string_is_ignored() {
    let doc = parse_ok(r#"{"1": 17, "data": {"1": {}}}"#);
    assert_eq!(doc.filials[0].name, None);
    let doc = parse_ok(r#"{"1": {"name": "x"}, "data": {"1": {}}}"#);
    assert_eq!(doc.filials[0].name, None);
}

#[test]
fn accepts_espec_missing_or_empty() {
    for doctor in [
        json!({"efio": "Иванова", "cells": []}),
        json!({"efio": "Иванова", "espec": "", "cells": []}),
        json!({"efio": "Иванова", "espec": null, "cells": []}),
    ] {
        let json = doc_with_doctor(doctor.clone());
        let doc = parse_ok(&json);
        assert!(all_passed(&doc), "{doctor}: {:?}", doc.rejected);
        assert_eq!(doc.filials[0].doctors[0].specialty, "", "{doctor}");
    }
}

#[test]
fn accepts_efio_missing_as_empty_name() {
    let json = doc_with_doctor(json!({"cells": []}));
    let doc = parse_ok(&json);
    assert!(all_passed(&doc));
    assert_eq!(doc.filials[0].doctors[0].name, "");
    assert_eq!(doc.filials[0].doctors[0].specialty, "");
}

#[test]
fn keeps_espec_as_sent() {
    let json = doc_with_doctor(
        json!({"efio": "Иванова", "espec": "Кардиолог, терапевт; кардиолог", "cells": []}),
    );
    let doc = parse_ok(&json);
    assert_eq!(
        doc.filials[0].doctors[0].specialty,
        "Кардиолог, терапевт; кардиолог"
    );
}

#[test]
fn accepts_room_missing_null_string_or_number() {
    let mut missing = cell("2026-12-01", "09:00", "09:30", true);
    missing.as_object_mut().unwrap().remove("room");
    let mut null = cell("2026-12-01", "09:30", "10:00", true);
    null["room"] = json!(null);
    let mut number = cell("2026-12-01", "10:00", "10:30", true);
    number["room"] = json!(12);
    let mut text = cell("2026-12-01", "10:30", "11:00", true);
    text["room"] = json!("12а");
    let mut zero = cell("2026-12-01", "11:00", "11:30", true);
    zero["room"] = json!(0);
    let json = doc_with_cells(vec![missing, null, number, text, zero]);
    let doc = parse_ok(&json);
    assert!(all_passed(&doc), "{:?}", doc.rejected);
    let rooms: Vec<&str> = doc.filials[0].doctors[0]
        .cells
        .iter()
        .map(|c| &*c.room)
        .collect();
    assert_eq!(rooms, ["", "", "12", "12а", "0"]);
}

#[test]
fn accepts_any_numeric_room() {
    for room in [json!(12.5), json!(1e3), json!(18446744073709551615u64)] {
        let mut c = cell("2026-12-01", "09:00", "09:30", true);
        c["room"] = room.clone();
        let json = doc_with_cells(vec![c]);
        let doc = parse_ok(&json);
        assert!(all_passed(&doc), "room {room}: {:?}", doc.rejected);
    }
}

#[test]
fn ignores_unknown_fields_at_every_level() {
    let json = r#"{
      "version": "2.1",
      "generated": {"at": "2026-12-01T08:45:00", "by": ["МИС", 1]},
      "count": 2, "ok": true, "none": null, "list": [{"data": 1}],
      "1": "Клиника на Ленина",
      "data": {
        "1": {
          "0001": {
            "doctor_id": 17, "snils": null, "photo": {"url": "x.jpg"}, "tags": [1, "a", {}],
            "efio": "Иванова Мария Петровна",
            "espec": "Кардиолог",
            "cells": [
              {"dt": "2026-12-01", "id": 991, "time_start": "09:00", "extra": {"a": [1, 2]}, "time_end": "09:30", "free": true,  "room": "12", "type": null},
              {"note": "x", "dt": "2026-12-01", "time_start": "09:30", "time_end": "10:00", "free": false, "room": "", "online": false}
            ],
            "more": {"cells": "not these"}
          }
        }
      },
      "trailer": [[[]]]
    }"#;
    assert_is_spec_example(json);
    // …and inside the v2 wrapper, beside it.
    assert_is_spec_example(&format!(
        r#"{{"meta": {{"page": 1}}, "token": "abc", "schedule": {json}, "tail": [1]}}"#
    ));
}

#[test]
fn keeps_ids_as_strings_with_leading_zeros() {
    let doc = parse_ok(
        r#"{"001": "Ноль-ноль-один", "data": {"001": {"0001": {"cells": []}, "000": {"cells": []}, "1": {"cells": []}}, "1": {"01": {"cells": []}}}}"#,
    );
    let codes: Vec<&str> = doc.filials.iter().map(|f| &*f.code).collect();
    assert_eq!(codes, ["001", "1"]);
    assert_eq!(doc.filials[0].name.as_deref(), Some("Ноль-ноль-один"));
    let doctors: Vec<&str> = doc.filials[0].doctors.iter().map(|d| &*d.code).collect();
    assert_eq!(doctors, ["0001", "000", "1"]);
    assert_eq!(doc.filials[1].doctors[0].code, "01");
    assert!(doc.filial("1").is_some());
    assert!(doc.filial("01").is_none());
}

#[test]
fn keeps_the_order_of_filials_doctors_and_cells() {
    let json = schedule_json(&[
        (
            "9",
            &[
                ("30", "", "2026-12-03 09:00-09:30 free"),
                ("10", "", ""),
                ("20", "", ""),
            ],
        ),
        ("3", &[("2", "", "")]),
        ("5", &[]),
    ]);
    let doc = parse_ok(&json);
    let filials: Vec<&str> = doc.filials.iter().map(|f| &*f.code).collect();
    assert_eq!(filials, ["9", "3", "5"]);
    let doctors: Vec<&str> = doc.filials[0].doctors.iter().map(|d| &*d.code).collect();
    assert_eq!(doctors, ["30", "10", "20"]);
}

#[test]
fn accepts_unsorted_cells_and_keeps_their_order() {
    let json = doc_with_cells(cells(
        "2026-12-02 10:00-10:30 free; 2026-12-01 15:00-15:30 busy; 2026-12-01 09:00-09:30 free; 2026-12-02 09:00-10:00 free",
    ));
    let doc = parse_ok(&json);
    assert!(all_passed(&doc), "{:?}", doc.rejected);
    let got: Vec<(String, String)> = doc.filials[0].doctors[0]
        .cells
        .iter()
        .map(|c| (c.date.to_string(), hhmm(c.start)))
        .collect();
    let want: Vec<(String, String)> = [
        ("2026-12-02", "10:00"),
        ("2026-12-01", "15:00"),
        ("2026-12-01", "09:00"),
        ("2026-12-02", "09:00"),
    ]
    .iter()
    .map(|(d, t)| (d.to_string(), t.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn adjacent_cells_do_not_overlap() {
    let json = doc_with_cells(cells(
        "2026-12-01 09:00-09:30 free; 2026-12-01 09:30-10:00 free; 2026-12-01 10:00-10:10 busy",
    ));
    let doc = parse_ok(&json);
    assert!(all_passed(&doc), "{:?}", doc.rejected);
    assert_eq!(doc.cell_count(), 3);
    // Unsorted, still adjacent.
    let json = doc_with_cells(cells(
        "2026-12-01 09:30-10:00 free; 2026-12-01 09:00-09:30 free",
    ));
    assert!(all_passed(&parse_ok(&json)));
}

#[test]
fn same_times_on_different_days_do_not_overlap() {
    let json = doc_with_cells(cells(
        "2026-12-01 09:00-09:30 free; 2026-12-02 09:00-09:30 free; 2026-12-01 09:30-10:00 free; 2026-12-03 09:00-09:30 free",
    ));
    assert!(all_passed(&parse_ok(&json)));
}

#[test]
fn same_times_for_different_doctors_or_filials_do_not_overlap() {
    let c = "2026-12-01 09:00-09:30 free";
    let json = schedule_json(&[
        ("1", &[("0001", "", c), ("0002", "", c)]),
        ("2", &[("0001", "", c)]),
    ]);
    let doc = parse_ok(&json);
    assert!(all_passed(&doc), "{:?}", doc.rejected);
    assert_eq!(doc.cell_count(), 3);
}

#[test]
fn reads_short_hours_and_seconds() {
    let json = doc_with_cells(vec![
        cell("2026-12-01", "9:00", "9:30", true),
        cell("2026-12-01", "09:30:00", "10:00:59", true),
        cell("2026-12-01", "10:00", "23:59:00", false),
        cell("2026-12-02", "0:00", "0:10", true),
    ]);
    let doc = parse_ok(&json);
    assert!(all_passed(&doc), "{:?}", doc.rejected);
    let got: Vec<(u16, u16)> = doc.filials[0].doctors[0]
        .cells
        .iter()
        .map(|c| (c.start, c.end))
        .collect();
    assert_eq!(got, [(540, 570), (570, 600), (600, 23 * 60 + 59), (0, 10)]);
}

#[test]
fn time_and_date_readers() {
    assert_eq!(parse_time("09:00"), Some(540));
    assert_eq!(parse_time("9:00"), Some(540));
    assert_eq!(parse_time("00:00"), Some(0));
    assert_eq!(parse_time("23:59"), Some(1439));
    assert_eq!(parse_time("23:59:59"), Some(1439));
    for bad in [
        "",
        "9",
        "900",
        "0900",
        "9:5",
        "09:5",
        "9:60",
        "24:00",
        "25:00",
        "123:00",
        ":30",
        "09:",
        "09:00:",
        "09:00:60",
        "09:00:5",
        "09:00:00:00",
        "09-00",
        "09.00",
        " 09:00",
        "09:00 ",
        "+9:00",
        "-9:00",
        "09:0a",
        "٠٩:٠٠",
        "09:00Z",
    ] {
        assert_eq!(parse_time(bad), None, "{bad:?}");
    }
    assert_eq!(parse_date("2026-12-01"), Some(date("2026-12-01")));
    assert_eq!(parse_date("2028-02-29"), Some(date("2028-02-29")));
    for bad in [
        "",
        "2026-02-30",
        "2027-02-29",
        "26-12-01",
        "2026-1-01",
        "2026-12-1",
        "2026/12/01",
        "01.12.2026",
        "2026-13-01",
        "2026-00-10",
        "2026-12-00",
        "2026-12-01T09:00",
        " 2026-12-01",
        "+026-12-01",
        "2026-12-32",
    ] {
        assert_eq!(parse_date(bad), None, "{bad:?}");
    }
    assert_eq!(hhmm(0), "00:00");
    assert_eq!(hhmm(545), "09:05");
    assert_eq!(hhmm(1439), "23:59");
}

#[test]
fn reads_unicode_escapes_in_names_keys_and_values() {
    let json = r#"{
      "\u0031": "\u041a\u043b\u0438\u043d\u0438\u043a\u0430 \"\u0426\u0435\u043d\u0442\u0440\"",
      "data": {"\u0031": {"\u00300\u00301": {
        "efio": "\u0418\u0432\u0430\u043d\u043e\u0432\u0430 \u041c\u0430\u0440\u0438\u044f",
        "espec": "\u041a\u0430\u0440\u0434\u0438\u043e\u043b\u043e\u0433\\\/\ud83e\udec0",
        "cells": [{"dt": "\u0032026-12-01", "time_start": "09\u003a00", "time_end": "09:30", "free": true, "room": "\u2116 12"}]
      }}}
    }"#;
    let doc = parse_ok(json);
    assert!(all_passed(&doc), "{:?}", doc.rejected);
    let f = &doc.filials[0];
    assert_eq!(f.code, "1");
    assert_eq!(f.name.as_deref(), Some("Клиника \"Центр\""));
    let d = &f.doctors[0];
    assert_eq!(d.code, "0001");
    assert_eq!(d.name, "Иванова Мария");
    assert_eq!(d.specialty, "Кардиолог\\/\u{1fac0}");
    assert_eq!(d.cells[0].date, date("2026-12-01"));
    assert_eq!(d.cells[0].start, 540);
    assert_eq!(d.cells[0].room, "№ 12");
}

#[test]
fn reads_raw_utf8_names() {
    let json = doc_with_doctor(
        json!({"efio": "Łukasz Żółć — Ёлкин", "espec": "Гастроэнтеролог", "cells": []}),
    );
    let doc = parse_ok(&json);
    assert_eq!(doc.filials[0].doctors[0].name, "Łukasz Żółć — Ёлкин");
}

#[test]
fn parse_bytes_reads_utf8_and_names_the_bad_byte() {
    let doc = parse_bytes(SPEC_EXAMPLE.as_bytes()).unwrap();
    assert_eq!(doc.filials[0].doctors[0].cells, expected_spec_cells());
    // cp1251 "Клиника" is not UTF-8.
    let mut bytes = br#"{"1": ""#.to_vec();
    bytes.extend_from_slice(&[0xca, 0xeb, 0xe8, 0xed, 0xe8, 0xea, 0xe0]);
    bytes.extend_from_slice(br#"", "data": {}}"#);
    assert_eq!(
        parse_bytes(&bytes),
        Err(DocumentError::NotJson(
            "текст не в кодировке UTF-8 (неверный байт на позиции 7)".into()
        ))
    );
    assert_eq!(
        parse_bytes(&bytes).unwrap_err().to_string(),
        "не JSON: текст не в кодировке UTF-8 (неверный байт на позиции 7)"
    );
}

/// A UTF-8 byte order mark (Windows "UTF-8" exports from 1C and Notepad write one).
/// Were it not skipped, `parse` would report `не JSON: ожидалось значение в строке 1,
/// столбце 1`; pinned here: it is rejected as a whole document, not half-read.
#[test]
fn a_utf8_bom_is_not_half_read() {
    let with_bom = format!("\u{feff}{SPEC_EXAMPLE}");
    match parse(&with_bom) {
        Ok(doc) => {
            // If a BOM is ever skipped, it must be skipped cleanly.
            assert_eq!(doc.filials.len(), 1);
            assert_eq!(doc.filials[0].doctors[0].cells, expected_spec_cells());
        }
        Err(DocumentError::NotJson(m)) => assert!(m.contains("в строке 1, столбце 1"), "{m}"),
        Err(other) => panic!("unexpected {other:?}"),
    }
    // parse_bytes behaves as parse.
    assert_eq!(
        parse_bytes(with_bom.as_bytes()).map(|d| d.cell_count()),
        parse(&with_bom).map(|d| d.cell_count())
    );
}

#[test]
fn a_utf8_bom_is_skipped_or_named() {
    let with_bom = format!("\u{feff}{SPEC_EXAMPLE}");
    match parse(&with_bom) {
        Ok(doc) => assert_eq!(doc.filials[0].doctors[0].cells, expected_spec_cells()),
        Err(e) => {
            let m = e.to_string();
            assert!(m.contains("BOM") || m.contains("byte order mark"), "{m}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Whole-document errors

#[test]
fn rejects_text_that_is_not_json_with_line_and_column() {
    assert_eq!(
        not_json("{\n \"data\": {\n  \"1\": [1,]\n }\n}"),
        "не JSON: лишняя запятая в строке 3, столбце 11"
    );
    assert_eq!(
        not_json(""),
        "не JSON: текст обрывается в строке 1, столбце 0"
    );
    assert_eq!(
        not_json("{"),
        "не JSON: текст обрывается внутри объекта в строке 1, столбце 1"
    );
    assert_eq!(
        not_json(r#"{"data": {}} x"#),
        "не JSON: лишние символы после конца JSON в строке 1, столбце 14"
    );
    assert_eq!(
        not_json("{}\n{}"),
        "не JSON: лишние символы после конца JSON в строке 2, столбце 1"
    );
    assert_eq!(
        not_json("<html><body>502 Bad Gateway</body></html>"),
        "не JSON: ожидалось значение в строке 1, столбце 1"
    );
    assert_eq!(
        not_json("{'data': {}}"),
        "не JSON: ключ должен быть строкой в строке 1, столбце 2"
    );
}

#[test]
fn rejects_a_truncated_document() {
    let cut = &SPEC_EXAMPLE[..SPEC_EXAMPLE.len() / 2];
    let m = not_json(cut);
    assert!(m.starts_with("не JSON: текст обрывается"), "{m}");
    assert!(m.contains(" в строке "), "{m}");
}

#[test]
fn a_json_error_deep_inside_a_cell_rejects_the_document() {
    // Not JSON is never a doctor-level error: nothing may be imported.
    let json = SPEC_EXAMPLE.replace(r#""room": "12""#, r#""room": 12,"#);
    let m = not_json(&json);
    assert!(m.starts_with("не JSON: "), "{m}");
    assert!(m.contains("в строке 9, столбце"), "{m}");
}

#[test]
fn rejects_a_top_level_that_is_not_an_object_or_array() {
    for (json, kind) in [
        (r#""{\"data\": {}}""#, "строка"),
        ("12", "число"),
        ("-1.5", "число"),
        ("true", "логическое значение"),
        ("null", "null"),
    ] {
        let (path, reason) = shape_error(json);
        assert_eq!(path, "(document)", "{json}");
        assert_eq!(
            reason,
            format!("ожидался объект расписания или массив таких объектов, получено: {kind}"),
            "{json}"
        );
    }
    assert_eq!(
        parse("17").unwrap_err().to_string(),
        "(document): ожидался объект расписания или массив таких объектов, получено: число"
    );
}

#[test]
fn rejects_an_array_element_that_is_not_an_object() {
    for (elem, kind) in [
        ("1", "число"),
        (r#""x""#, "строка"),
        ("null", "null"),
        ("[]", "массив"),
        ("false", "логическое значение"),
    ] {
        let json = format!("[{SPEC_EXAMPLE}, {elem}]");
        assert_eq!(
            shape_error(&json),
            (
                "[1]".to_string(),
                format!("ожидался объект расписания, получено: {kind}")
            ),
            "{elem}"
        );
    }
    let json = format!(r#"{{"schedule": [{SPEC_EXAMPLE}, 7]}}"#);
    assert_eq!(
        parse(&json).unwrap_err().to_string(),
        "schedule[1]: ожидался объект расписания, получено: число"
    );
}

#[test]
fn rejects_a_schedule_wrapper_that_is_not_a_document() {
    assert_eq!(
        shape_error(r#"{"schedule": "{\"data\": {}}"}"#),
        (
            "schedule".to_string(),
            "ожидался объект расписания или массив таких объектов, получено: строка".to_string()
        )
    );
    assert_eq!(
        shape_error(r#"{"schedule": null}"#).1,
        "ожидался объект расписания или массив таких объектов, получено: null"
    );
}

#[test]
fn rejects_a_document_without_data() {
    let reason = "нет объекта \"data\" (ожидалось {\"<филиал>\": \"<название>\", \"data\": {…}})";
    assert_eq!(
        shape_error(r#"{"1": "Клиника"}"#),
        ("(document)".to_string(), reason.to_string())
    );
    assert_eq!(
        shape_error("{}"),
        ("(document)".to_string(), reason.to_string())
    );
    assert_eq!(
        shape_error(&format!(r#"[{SPEC_EXAMPLE}, {{"1": "x"}}]"#)),
        ("[1]".to_string(), reason.to_string())
    );
    assert_eq!(
        shape_error(r#"{"schedule": {"cells": []}}"#),
        ("schedule".to_string(), reason.to_string())
    );
    assert_eq!(
        shape_error(r#"{"schedule": [{"data": {}}, {}]}"#),
        ("schedule[1]".to_string(), reason.to_string())
    );
    // "Data" is not "data".
    assert_eq!(shape_error(r#"{"Data": {}}"#).0, "(document)");
}

#[test]
fn rejects_data_that_is_not_an_object() {
    for (data, kind) in [
        ("[]", "массив"),
        ("null", "null"),
        (r#""{}""#, "строка"),
        ("1", "число"),
        ("true", "логическое значение"),
    ] {
        assert_eq!(
            shape_error(&format!(r#"{{"data": {data}}}"#)),
            (
                "data".to_string(),
                format!("ожидался объект, получено: {kind}")
            ),
            "{data}"
        );
    }
    assert_eq!(
        parse(&format!(r#"[{SPEC_EXAMPLE}, {{"data": []}}]"#))
            .unwrap_err()
            .to_string(),
        "[1].data: ожидался объект, получено: массив"
    );
    assert_eq!(
        parse(r#"{"schedule": {"data": 5}}"#)
            .unwrap_err()
            .to_string(),
        "schedule.data: ожидался объект, получено: число"
    );
}

#[test]
fn rejects_a_filial_that_is_not_an_object() {
    for (filial, kind) in [
        (r#""Клиника""#, "строка"),
        ("[]", "массив"),
        ("null", "null"),
        ("3", "число"),
        ("false", "логическое значение"),
    ] {
        // Even after a good filial: nothing of the document is imported.
        let json = format!(
            r#"{{"1": "Клиника", "data": {{"1": {{"0001": {{"cells": []}}}}, "2": {filial}}}}}"#
        );
        assert_eq!(
            parse(&json),
            Err(DocumentError::Shape {
                path: r#"data["2"]"#.into(),
                reason: format!("ожидался объект с врачами, получено: {kind}"),
            }),
            "{filial}"
        );
    }
    assert_eq!(
        parse(&format!(r#"[{SPEC_EXAMPLE}, {{"data": {{"0 2": []}}}}]"#))
            .unwrap_err()
            .to_string(),
        r#"[1].data["0 2"]: ожидался объект с врачами, получено: массив"#
    );
}

#[test]
fn a_bad_later_document_of_an_array_rejects_the_whole_array() {
    let json = format!(r#"[{SPEC_EXAMPLE}, {SPEC_EXAMPLE}, {{"data": {{"3": 1}}}}]"#);
    assert_eq!(
        parse(&json).unwrap_err().to_string(),
        r#"[2].data["3"]: ожидался объект с врачами, получено: число"#
    );
}

#[test]
fn paths_quote_codes_as_json_strings() {
    let json = r#"{"data": {"a\"b": "x"}}"#;
    assert_eq!(shape_error(json).0, r#"data["a\"b"]"#);
    let json = r#"{"data": {"Кл 1": {"д\\р": 5}}}"#;
    let doc = parse_ok(json);
    assert_eq!(doc.rejected[0].path, r#"data["Кл 1"]["д\\р"]"#);
    assert_eq!(doc.rejected[0].filial, "Кл 1");
    assert_eq!(doc.rejected[0].doctor, "д\\р");
}

// ---------------------------------------------------------------------------------------
// Doctor-level errors

#[test]
fn rejects_a_doctor_that_is_not_an_object() {
    for (value, kind) in [
        (json!("Иванова"), "строка"),
        (json!([]), "массив"),
        (json!(null), "null"),
        (json!(1), "число"),
        (json!(true), "логическое значение"),
    ] {
        let e = only_rejection(&doc_with_doctor(value));
        assert_rejection(
            &e,
            r#"data["1"]["0001"]"#,
            &format!("ожидался объект врача, получено: {kind}"),
        );
    }
}

#[test]
fn rejects_a_doctor_without_cells() {
    let e = only_rejection(&doc_with_doctor(
        json!({"efio": "Иванова", "espec": "Кардиолог"}),
    ));
    assert_rejection(&e, r#"data["1"]["0001"].cells"#, "отсутствует");
    let e = only_rejection(&doc_with_doctor(json!({})));
    assert_rejection(&e, r#"data["1"]["0001"].cells"#, "отсутствует");
}

#[test]
fn rejects_cells_that_are_not_an_array() {
    for (value, kind) in [
        (json!({"0": {"dt": "2026-12-01"}}), "объект"),
        (json!("[]"), "строка"),
        (json!(null), "null"),
        (json!(0), "число"),
        (json!(1.5), "число"),
        (json!(false), "логическое значение"),
    ] {
        let e = only_rejection(&doc_with_doctor(json!({"efio": "Иванова", "cells": value})));
        assert_rejection(
            &e,
            r#"data["1"]["0001"].cells"#,
            &format!("ожидался массив, получено: {kind}"),
        );
    }
}

#[test]
fn rejects_efio_or_espec_of_the_wrong_type() {
    for (field, value, shown) in [
        ("efio", json!(5), "число 5"),
        ("efio", json!(["Иванова"]), "массив"),
        ("efio", json!({"f": "Иванова"}), "объект"),
        ("espec", json!(true), "true"),
        ("espec", json!(["Кардиолог", "Терапевт"]), "массив"),
        ("espec", json!(2.5), "число 2.5"),
    ] {
        let mut d = json!({"efio": "Иванова", "espec": "Кардиолог", "cells": []});
        d[field] = value;
        let e = only_rejection(&doc_with_doctor(d));
        assert_rejection(
            &e,
            &format!(r#"data["1"]["0001"].{field}"#),
            &format!("ожидалась строка, получено: {shown}"),
        );
    }
}

#[test]
fn rejects_a_cell_that_is_not_an_object() {
    for (value, kind) in [
        (json!("2026-12-01 09:00"), "строка"),
        (json!([]), "массив"),
        (json!(null), "null"),
        (json!(7), "число"),
        (json!(true), "логическое значение"),
    ] {
        let json = doc_with_cells(vec![cell("2026-12-01", "09:00", "09:30", true), value]);
        let e = only_bad_cell(&json);
        assert_rejection(
            &e,
            r#"data["1"]["0001"].cells[1]"#,
            &format!("ожидался объект ячейки, получено: {kind}"),
        );
    }
}

#[test]
fn rejects_a_cell_missing_a_required_field() {
    for field in ["dt", "time_start", "time_end", "free"] {
        let e = reject_cell_field(field, None);
        assert_rejection(
            &e,
            &format!(r#"data["1"]["0001"].cells[1].{field}"#),
            "отсутствует",
        );
    }
}

#[test]
fn rejects_bad_dates() {
    for (value, shown) in [
        (json!("2026-02-30"), r#""2026-02-30""#),
        (json!("26-12-01"), r#""26-12-01""#),
        (json!("01.12.2026"), r#""01.12.2026""#),
        (json!("2026-12-1"), r#""2026-12-1""#),
        (json!("2026-12-01T09:00:00"), r#""2026-12-01T09:00:00""#),
        (json!(""), r#""""#),
        (json!(20261201), "число 20261201"),
        (json!(null), "null"),
        (json!({"y": 2026}), "объект"),
    ] {
        let e = reject_cell_field("dt", Some(value));
        assert_rejection(
            &e,
            r#"data["1"]["0001"].cells[1].dt"#,
            &format!("{shown} — не дата ГГГГ-ММ-ДД"),
        );
    }
}

#[test]
fn rejects_bad_times() {
    for (field, value, shown) in [
        ("time_start", json!("9:60"), r#""9:60""#),
        ("time_start", json!("24:00"), r#""24:00""#),
        ("time_start", json!("0900"), r#""0900""#),
        ("time_start", json!("09:00:60"), r#""09:00:60""#),
        ("time_start", json!(" 09:00"), r#"" 09:00""#),
        ("time_start", json!(900), "число 900"),
        ("time_start", json!(9.5), "число 9.5"),
        ("time_start", json!(false), "false"),
        ("time_end", json!("24:00"), r#""24:00""#),
        ("time_end", json!("09:3"), r#""09:3""#),
        ("time_end", json!("9.30"), r#""9.30""#),
        ("time_end", json!(null), "null"),
        ("time_end", json!(["09:30"]), "массив"),
    ] {
        let e = reject_cell_field(field, Some(value));
        assert_rejection(
            &e,
            &format!(r#"data["1"]["0001"].cells[1].{field}"#),
            &format!("{shown} — не время ЧЧ:ММ"),
        );
    }
}

#[test]
fn the_error_names_the_cell_and_field_like_the_style_guide() {
    let mut all = Vec::new();
    for i in 0..18u16 {
        let start = 8 * 60 + i * 15;
        all.push(cell("2026-12-01", &hhmm(start), &hhmm(start + 15), true));
    }
    all[17]["time_start"] = json!("9:60");
    let e = only_bad_cell(&doc_with_cells(all));
    assert_eq!(
        e.to_string(),
        r#"data["1"]["0001"].cells[17].time_start: "9:60" — не время ЧЧ:ММ"#
    );
}

#[test]
fn rejects_free_that_is_not_a_json_boolean() {
    for (value, shown) in [
        (json!("true"), r#""true""#),
        (json!("false"), r#""false""#),
        (json!(1), "число 1"),
        (json!(0), "число 0"),
        (json!(null), "null"),
        (json!("да"), r#""да""#),
        (json!([true]), "массив"),
    ] {
        let e = reject_cell_field("free", Some(value));
        assert_rejection(
            &e,
            r#"data["1"]["0001"].cells[1].free"#,
            &format!("ожидалось true или false, получено: {shown}"),
        );
    }
}

#[test]
fn rejects_a_room_that_is_not_a_string_or_number() {
    for (value, shown) in [
        (json!({"n": 12}), "объект"),
        (json!(["12"]), "массив"),
        (json!(true), "true"),
    ] {
        let e = reject_cell_field("room", Some(value));
        assert_rejection(
            &e,
            r#"data["1"]["0001"].cells[1].room"#,
            &format!("ожидалась строка, получено: {shown}"),
        );
    }
}

#[test]
fn rejects_time_start_not_before_time_end() {
    for (start, end, reason) in [
        (
            "09:00",
            "09:00",
            "time_start 09:00 не раньше time_end 09:00",
        ),
        (
            "09:30",
            "09:00",
            "time_start 09:30 не раньше time_end 09:00",
        ),
        (
            "9:00",
            "09:00:30",
            "time_start 09:00 не раньше time_end 09:00",
        ),
        (
            "23:30",
            "00:00",
            "time_start 23:30 не раньше time_end 00:00",
        ),
    ] {
        let json = doc_with_cells(vec![
            cell("2026-12-01", "08:00", "08:30", true),
            cell("2026-12-01", start, end, true),
        ]);
        let e = only_bad_cell(&json);
        assert_rejection(&e, r#"data["1"]["0001"].cells[1]"#, reason);
    }
}

#[test]
fn the_first_field_error_of_a_cell_is_reported() {
    // dt is checked before the times, the times before free, free before room.
    let json = doc_with_cells(vec![
        json!({"dt": "x", "time_start": "y", "free": "z", "room": []}),
    ]);
    assert_rejection(
        &only_bad_cell(&json),
        r#"data["1"]["0001"].cells[0].dt"#,
        r#""x" — не дата ГГГГ-ММ-ДД"#,
    );
    let json = doc_with_cells(vec![
        json!({"dt": "2026-12-01", "time_end": "y", "free": "z"}),
    ]);
    assert_rejection(
        &only_bad_cell(&json),
        r#"data["1"]["0001"].cells[0].time_start"#,
        "отсутствует",
    );
}

/// The bad cells of the only doctor as `(path, reason)`.
fn bad_cell_list(json: &str) -> Vec<(String, String)> {
    bad_cells(json)
        .into_iter()
        .map(|e| {
            assert_eq!((e.filial.as_str(), e.doctor.as_str()), ("1", "0001"));
            (e.path, e.reason)
        })
        .collect()
}

/// `(path, reason)` of cell `i` of doctor 1/0001.
fn at(i: usize, field: &str, reason: &str) -> (String, String) {
    (
        format!(r#"data["1"]["0001"].cells[{i}]{field}"#),
        reason.to_owned(),
    )
}

/// The indices of the cells the only doctor kept.
fn kept(json: &str) -> Vec<u32> {
    parse_ok(json).filials[0].doctors[0]
        .cells
        .iter()
        .map(|c| c.index)
        .collect()
}

#[test]
fn every_bad_cell_is_reported_and_the_good_ones_kept() {
    let json = doc_with_cells(vec![
        cell("2026-12-01", "09:00", "09:30", true),
        cell("2026-12-01", "9:60", "10:00", true),
        cell("2026-12-01", "10:00", "10:30", true),
        json!(5),
        cell("2026-12-32", "11:00", "11:30", true),
        cell("2026-12-01", "12:00", "11:30", "yes" == "no"),
    ]);
    assert_eq!(
        bad_cell_list(&json),
        [
            at(1, ".time_start", r#""9:60" — не время ЧЧ:ММ"#),
            at(3, "", "ожидался объект ячейки, получено: число"),
            at(4, ".dt", r#""2026-12-32" — не дата ГГГГ-ММ-ДД"#),
            at(5, "", "time_start 12:00 не раньше time_end 11:30"),
        ]
    );
    assert_eq!(kept(&json), [0, 2]);
}

/// A public exporter of this format writes `"time_end": null` for the last step of a day: that
/// cell alone is left out.
#[test]
fn a_null_time_end_costs_only_its_cell() {
    let mut last = cell("2026-12-01", "18:30", "19:00", true);
    last["time_end"] = json!(null);
    let json = doc_with_cells(vec![
        cell("2026-12-01", "18:00", "18:30", false),
        last,
        cell("2026-12-02", "09:00", "09:30", true),
    ]);
    assert_eq!(
        bad_cell_list(&json),
        [at(1, ".time_end", "null — не время ЧЧ:ММ")]
    );
    assert_eq!(kept(&json), [0, 2]);
}

#[test]
fn rejects_both_overlapping_cells() {
    let json = doc_with_cells(cells(
        "2026-12-01 09:00-09:30 free; 2026-12-01 09:15-09:45 free; 2026-12-01 10:00-10:30 free",
    ));
    assert_eq!(
        bad_cell_list(&json),
        [
            at(
                0,
                "",
                "2026-12-01 09:00–09:30 пересекается с cells[1] 09:15–09:45"
            ),
            at(
                1,
                "",
                "2026-12-01 09:15–09:45 пересекается с cells[0] 09:00–09:30"
            ),
        ]
    );
    assert_eq!(kept(&json), [2]);
}

#[test]
fn rejects_a_cell_inside_another_and_that_one() {
    let json = doc_with_cells(cells(
        "2026-12-01 08:00-08:30 free; 2026-12-01 09:00-12:00 busy; 2026-12-01 10:00-10:30 free",
    ));
    assert_eq!(
        bad_cell_list(&json),
        [
            at(
                1,
                "",
                "2026-12-01 09:00–12:00 пересекается с cells[2] 10:00–10:30"
            ),
            at(
                2,
                "",
                "2026-12-01 10:00–10:30 пересекается с cells[1] 09:00–12:00"
            ),
        ]
    );
    assert_eq!(kept(&json), [0]);
    // Two cells inside a long one: all three, each with one it overlaps.
    let json = doc_with_cells(cells(
        "2026-12-01 09:00-12:00 busy; 2026-12-01 10:00-10:30 free; 2026-12-01 11:00-11:30 free; 2026-12-01 12:00-12:30 free",
    ));
    assert_eq!(
        bad_cell_list(&json),
        [
            at(
                0,
                "",
                "2026-12-01 09:00–12:00 пересекается с cells[1] 10:00–10:30"
            ),
            at(
                1,
                "",
                "2026-12-01 10:00–10:30 пересекается с cells[0] 09:00–12:00"
            ),
            at(
                2,
                "",
                "2026-12-01 11:00–11:30 пересекается с cells[0] 09:00–12:00"
            ),
        ]
    );
    assert_eq!(kept(&json), [3]);
}

#[test]
fn rejects_overlapping_cells_sent_unsorted() {
    let json = doc_with_cells(cells(
        "2026-12-01 10:00-10:30 free; 2026-12-01 09:00-09:30 free; 2026-12-02 09:00-09:30 free; 2026-12-01 09:15-09:45 free",
    ));
    assert_eq!(
        bad_cell_list(&json),
        [
            at(
                1,
                "",
                "2026-12-01 09:00–09:30 пересекается с cells[3] 09:15–09:45"
            ),
            at(
                3,
                "",
                "2026-12-01 09:15–09:45 пересекается с cells[1] 09:00–09:30"
            ),
        ]
    );
    assert_eq!(kept(&json), [0, 2]);
    // Far apart in the array, far apart in the day list.
    let mut many = cells("2026-12-01 13:00-13:20 busy");
    for d in 2..=20 {
        many.push(cell(&format!("2026-12-{d:02}"), "13:00", "13:20", true));
    }
    many.push(cell("2026-12-01", "12:50", "13:10", true));
    let json = doc_with_cells(many);
    assert_eq!(
        bad_cell_list(&json),
        [
            at(
                0,
                "",
                "2026-12-01 13:00–13:20 пересекается с cells[20] 12:50–13:10"
            ),
            at(
                20,
                "",
                "2026-12-01 12:50–13:10 пересекается с cells[0] 13:00–13:20"
            ),
        ]
    );
    assert_eq!(kept(&json), (1..20).collect::<Vec<u32>>());
}

#[test]
fn rejects_identical_duplicate_cells() {
    let json = doc_with_cells(cells(
        "2026-12-01 09:00-09:30 free; 2026-12-01 09:30-10:00 free; 2026-12-01 09:00-09:30 free",
    ));
    assert_eq!(
        bad_cell_list(&json),
        [
            at(
                0,
                "",
                "2026-12-01 09:00–09:30 пересекается с cells[2] 09:00–09:30"
            ),
            at(
                2,
                "",
                "2026-12-01 09:00–09:30 пересекается с cells[0] 09:00–09:30"
            ),
        ]
    );
    assert_eq!(kept(&json), [1]);
    // Same times, one free and one taken: still a duplicate.
    let json = doc_with_cells(cells(
        "2026-12-01 09:00-09:30 busy; 2026-12-01 09:00-09:30 free",
    ));
    assert_eq!(bad_cell_list(&json).len(), 2);
    // Same start, different ends.
    let json = doc_with_cells(cells(
        "2026-12-01 09:00-10:00 busy; 2026-12-01 09:00-09:30 free",
    ));
    assert_eq!(
        bad_cell_list(&json),
        [
            at(
                0,
                "",
                "2026-12-01 09:00–10:00 пересекается с cells[1] 09:00–09:30"
            ),
            at(
                1,
                "",
                "2026-12-01 09:00–09:30 пересекается с cells[0] 09:00–10:00"
            ),
        ]
    );
}

#[test]
fn rejects_a_doctor_listed_twice_in_one_document() {
    let json = r#"{"1": "Клиника", "data": {"1": {
        "0001": {"efio": "Иванова", "cells": [{"dt": "2026-12-01", "time_start": "09:00", "time_end": "09:30", "free": true}]},
        "0002": {"efio": "Петров", "cells": []},
        "0001": {"efio": "Иванова", "cells": [{"dt": "2026-12-02", "time_start": "09:00", "time_end": "09:30", "free": true}]}
    }}}"#;
    let doc = parse_ok(json);
    let doctors: Vec<&str> = doc.filials[0].doctors.iter().map(|d| &*d.code).collect();
    assert_eq!(doctors, ["0002"], "neither copy of 0001 may be imported");
    assert_eq!(doc.rejected.len(), 1, "{:?}", doc.rejected);
    assert_rejection(
        &doc.rejected[0],
        r#"data["1"]["0001"]"#,
        "врач указан в этом филиале дважды",
    );
}

#[test]
fn rejects_a_doctor_listed_twice_via_a_repeated_filial_key() {
    let json = r#"{"data": {
        "1": {"0001": {"cells": []}, "0002": {"cells": []}},
        "1": {"0001": {"cells": []}, "0003": {"cells": []}}
    }}"#;
    let doc = parse_ok(json);
    assert_eq!(doc.filials.len(), 1);
    let doctors: Vec<&str> = doc.filials[0].doctors.iter().map(|d| &*d.code).collect();
    assert_eq!(doctors, ["0002", "0003"]);
    assert_eq!(doc.rejected.len(), 1);
    assert_eq!(doc.rejected[0].doctor, "0001");
    assert_eq!(doc.rejected[0].reason, "врач указан в этом филиале дважды");
}

#[test]
fn rejects_a_doctor_listed_twice_across_array_documents() {
    let json = r#"[
      {"1": "Клиника", "data": {"1": {"0001": {"cells": []}, "0002": {"cells": []}}}},
      {"2": "Другая", "data": {"2": {"0001": {"cells": []}}}},
      {"data": {"1": {"0001": {"cells": []}}}}
    ]"#;
    let doc = parse_ok(json);
    let codes: Vec<&str> = doc.filials.iter().map(|f| &*f.code).collect();
    assert_eq!(codes, ["1", "2"]);
    let f1: Vec<&str> = doc.filials[0].doctors.iter().map(|d| &*d.code).collect();
    assert_eq!(f1, ["0002"]);
    // The same code in another filial is another doctor's card.
    let f2: Vec<&str> = doc.filials[1].doctors.iter().map(|d| &*d.code).collect();
    assert_eq!(f2, ["0001"]);
    assert_eq!(
        doc.rejected,
        [DoctorError {
            filial: "1".into(),
            doctor: "0001".into(),
            path: r#"[2].data["1"]["0001"]"#.into(),
            reason: "врач указан в этом филиале дважды".into(),
        }]
    );
}

#[test]
fn a_doctor_listed_twice_stays_rejected_when_the_first_copy_was_bad() {
    let json = r#"{"data": {"1": {
        "0001": {"cells": "none"},
        "0001": {"cells": []}
    }}}"#;
    let doc = parse_ok(json);
    assert!(doc.filials[0].doctors.is_empty(), "{:?}", doc.filials);
    assert_eq!(doc.rejected.len(), 2);
    assert_eq!(doc.rejected[0].reason, "ожидался массив, получено: строка");
    assert_eq!(doc.rejected[1].reason, "врач указан в этом филиале дважды");
    assert!(doc
        .rejected
        .iter()
        .all(|r| r.doctor == "0001" && r.filial == "1"));
}

#[test]
fn a_doctor_listed_three_times_is_not_imported() {
    let json = r#"{"data": {"1": {"7": {"cells": []}, "7": {"cells": []}, "7": {"cells": []}}}}"#;
    let doc = parse_ok(json);
    assert!(doc.filials[0].doctors.is_empty());
    assert!(!all_passed(&doc));
    assert!(doc
        .rejected
        .iter()
        .all(|r| r.doctor == "7" && r.reason == "врач указан в этом филиале дважды"));
}

#[test]
fn a_rejected_doctor_does_not_stop_the_others() {
    let json = r#"{
      "1": "Клиника 1", "2": "Клиника 2",
      "data": {
        "1": {
          "A": {"efio": "Хороший", "cells": [{"dt": "2026-12-01", "time_start": "09:00", "time_end": "09:30", "free": true}]},
          "B": {"efio": "Плохой", "cells": [{"dt": "2026-12-01", "time_start": "9:60", "time_end": "10:00", "free": true}]},
          "C": {"efio": "Тоже хороший", "cells": []}
        },
        "2": {
          "B": {"efio": "Хороший в другом филиале", "cells": [{"dt": "2026-12-01", "time_start": "09:00", "time_end": "09:30", "free": false}]},
          "D": 5
        }
      }
    }"#;
    let doc = parse_ok(json);
    let f1: Vec<&str> = doc.filials[0].doctors.iter().map(|d| &*d.code).collect();
    let f2: Vec<&str> = doc.filials[1].doctors.iter().map(|d| &*d.code).collect();
    // B of filial 1 is imported without its bad cell; D of filial 2 is rejected.
    assert_eq!(f1, ["A", "B", "C"]);
    assert_eq!(f2, ["B"]);
    assert_eq!(doc.cell_count(), 2);
    assert_eq!(
        doc.rejected,
        [DoctorError {
            filial: "2".into(),
            doctor: "D".into(),
            path: r#"data["2"]["D"]"#.into(),
            reason: "ожидался объект врача, получено: число".into(),
        }]
    );
    assert_eq!(
        doc.bad_cells,
        [DoctorError {
            filial: "1".into(),
            doctor: "B".into(),
            path: r#"data["1"]["B"].cells[0].time_start"#.into(),
            reason: r#""9:60" — не время ЧЧ:ММ"#.into(),
        }]
    );
}

#[test]
fn a_filial_whose_doctors_are_all_rejected_is_still_in_the_snapshot() {
    let json = r#"{"1": "Клиника 1", "2": "Клиника 2", "data": {
        "1": {"A": {"cells": []}},
        "2": {"X": {"cells": 1}, "Y": {"efio": 1, "cells": []}}
    }}"#;
    let doc = parse_ok(json);
    let codes: Vec<&str> = doc.filials.iter().map(|f| &*f.code).collect();
    assert_eq!(codes, ["1", "2"]);
    let f2 = doc.filial("2").unwrap();
    assert_eq!(f2.name.as_deref(), Some("Клиника 2"));
    assert!(f2.doctors.is_empty());
    assert_eq!(doc.rejected.len(), 2);
    assert!(doc.rejected.iter().all(|r| r.filial == "2"));
}

#[test]
fn doctor_paths_inside_wrappers_and_arrays() {
    let bad = r#"{"data": {"1": {"0001": {"cells": [{"dt": "2026-02-30", "time_start": "09:00", "time_end": "09:30", "free": true}]}}}}"#;
    let path = |json: &str| parse_ok(json).bad_cells[0].path.clone();
    assert_eq!(path(bad), r#"data["1"]["0001"].cells[0].dt"#);
    assert_eq!(
        path(&format!(r#"{{"schedule": {bad}}}"#)),
        r#"schedule.data["1"]["0001"].cells[0].dt"#
    );
    assert_eq!(
        path(&format!(r#"[{{"data": {{}}}}, {bad}]"#)),
        r#"[1].data["1"]["0001"].cells[0].dt"#
    );
    assert_eq!(
        path(&format!(r#"{{"schedule": [{{"data": {{}}}}, {bad}]}}"#)),
        r#"schedule[1].data["1"]["0001"].cells[0].dt"#
    );
    assert_eq!(
        path(&format!(r#"[{{"schedule": {bad}}}]"#)),
        r#"[0].schedule.data["1"]["0001"].cells[0].dt"#
    );
}

#[test]
fn document_errors_and_doctor_errors_display_path_then_reason() {
    let e = DocumentError::Shape {
        path: "data".into(),
        reason: "ожидался объект, получено: null".into(),
    };
    assert_eq!(e.to_string(), "data: ожидался объект, получено: null");
    assert_eq!(
        DocumentError::NotJson("ожидалось значение в строке 1, столбце 2".into()).to_string(),
        "не JSON: ожидалось значение в строке 1, столбце 2"
    );
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    // Unknown fields are skipped however deep they are.
    let deep = format!(
        r#"{{"x": {}{}, "data": {{"1": {{"A": {{"cells": [], "y": {}{}}}}}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000),
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let doc = parse_ok(&deep);
    assert_eq!(doc.filials[0].doctors[0].code, "A");
    // Wrappers inside wrappers hit serde_json's recursion limit: not JSON, not a crash.
    let wrapped = format!(
        "{}{}{}",
        r#"{"schedule": "#.repeat(10_000),
        SPEC_EXAMPLE,
        "}".repeat(10_000)
    );
    let m = not_json(&wrapped);
    assert!(
        m.starts_with("не JSON: слишком глубокая вложенность"),
        "{m}"
    );
    // A few levels are fine.
    let wrapped = format!(
        "{}{}{}",
        r#"{"schedule": "#.repeat(20),
        SPEC_EXAMPLE,
        "}".repeat(20)
    );
    assert_is_spec_example(&wrapped);
}

#[test]
fn a_name_given_in_a_later_array_document_names_an_earlier_filial() {
    let doc = parse_ok(r#"[{"data": {"1": {}}}, {"1": "Клиника", "data": {}}]"#);
    assert_eq!(doc.filials[0].name.as_deref(), Some("Клиника"));
    // The filial's own document wins.
    let doc = parse_ok(r#"[{"1": "Своё", "data": {"1": {}}}, {"1": "Чужое", "data": {}}]"#);
    assert_eq!(doc.filials[0].name.as_deref(), Some("Своё"));
}

#[test]
fn a_name_given_in_an_earlier_array_document_names_a_later_filial() {
    let doc = parse_ok(r#"[{"1": "Клиника", "data": {}}, {"data": {"1": {}}}]"#);
    assert_eq!(doc.filials[0].name.as_deref(), Some("Клиника"));
}

#[test]
fn rejects_data_given_twice_in_one_document() {
    let e = parse(r#"{"data":{"1":{}},"data":{"2":{}}}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "data: поле \"data\" встречается в документе дважды"
    );
}

#[test]
fn a_name_outside_the_schedule_wrapper_names_the_filial() {
    let doc = parse(r#"{"1":"Клиника","schedule":{"data":{"1":{}}}}"#).unwrap();
    assert_eq!(doc.filials[0].name.as_deref(), Some("Клиника"));
}
