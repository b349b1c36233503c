//! Direct booking on the wire: the ProDoctorov request and answer (mis-exchange.md §2.1) and
//! the newer ProDoctorov v2 / MedFlex booking (§2.3).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The reason a request error gives for a field that is not there.
pub use super::scalar::MISSING;
use super::scalar::{json_error, json_quote, Scalar, ARRAY, BOOLEAN, NULL, NUMBER, STRING};

/// UTC instants on the wire: `2019-06-23T12:30:00Z`.
pub const UTC_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

pub fn format_utc(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // Written by hand: chrono's `format` re-reads the pattern on every call, and schedules
    // format millions of these.
    let (y, mo, d) = (t.year(), t.month(), t.day());
    let (h, mi, s) = (t.hour(), t.minute(), t.second());
    if !(0..=9999).contains(&y) {
        return t.format(UTC_FORMAT).to_string();
    }
    let mut b = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, v: u32, width: usize| {
        let mut v = v;
        for i in (0..width).rev() {
            b[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, y as u32, 4);
    put(5, mo, 2);
    put(8, d, 2);
    put(11, h, 2);
    put(14, mi, 2);
    put(17, s, 2);
    String::from_utf8_lossy(&b).into_owned()
}

/// A booking as the MIS receives it (§2.1). Field order is the order on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectBooking {
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub dt_start: String,
    pub dt_end: String,
    pub filial_id: String,
    pub doctor_id: String,
    pub specialty: String,
    pub name: String,
    /// `7XXXXXXXXXX`.
    pub phone: String,
    pub comment: String,
}

impl DirectBooking {
    /// The exact JSON body sent to the MIS.
    pub fn to_json(&self) -> String {
        // Serializing plain strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A booking request that cannot be read.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum RequestError {
    #[error("не JSON: {0}")]
    NotJson(String),
    #[error("ожидался JSON-объект, получено: {0}")]
    NotObject(&'static str),
    /// A field is missing or has the wrong type or form.
    #[error("{field}: {reason}")]
    Field { field: &'static str, reason: String },
}

/// A §2.1 request with its instants read (as ProDoctorov sends it to the site).
#[derive(Debug, Clone, PartialEq)]
pub struct DirectBookingRequest {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub filial_id: String,
    pub doctor_id: String,
    pub specialty: String,
    pub name: String,
    pub phone: String,
    pub comment: String,
}

/// Reads a §2.1 request. Ids may come as numbers from some senders; they are kept as the
/// digits sent. `specialty` and `comment` may be missing.
pub fn parse_direct_booking(json: &str) -> Result<DirectBookingRequest, RequestError> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| RequestError::NotJson(json_error(&e)))?;
    let obj = match &v {
        serde_json::Value::Object(o) => o,
        serde_json::Value::Array(_) => return Err(RequestError::NotObject(ARRAY)),
        serde_json::Value::String(_) => return Err(RequestError::NotObject(STRING)),
        serde_json::Value::Number(_) => return Err(RequestError::NotObject(NUMBER)),
        serde_json::Value::Bool(_) => return Err(RequestError::NotObject(BOOLEAN)),
        serde_json::Value::Null => return Err(RequestError::NotObject(NULL)),
    };
    let text = |field: &'static str, required: bool| -> Result<String, RequestError> {
        match obj.get(field) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(serde_json::Value::Number(n)) if field.ends_with("_id") => Ok(n.to_string()),
            None | Some(serde_json::Value::Null) if !required => Ok(String::new()),
            None => Err(RequestError::Field {
                field,
                reason: MISSING.into(),
            }),
            Some(other) => Err(RequestError::Field {
                field,
                reason: format!("ожидалась строка, получено: {other}"),
            }),
        }
    };
    let instant = |field: &'static str| -> Result<DateTime<Utc>, RequestError> {
        let s = text(field, true)?;
        parse_utc(&s).ok_or_else(|| RequestError::Field {
            field,
            reason: format!(
                "{} — не время UTC вида 2019-06-23T12:30:00Z",
                json_quote(&s)
            ),
        })
    };
    Ok(DirectBookingRequest {
        start: instant("dt_start")?,
        end: instant("dt_end")?,
        filial_id: text("filial_id", true)?,
        doctor_id: text("doctor_id", true)?,
        specialty: text("specialty", false)?,
        name: text("name", true)?,
        phone: text("phone", true)?,
        comment: text("comment", false)?,
    })
}

/// Reads an ISO 8601 instant in UTC or with an offset (`…Z`, `…+03:00`), seconds optional.
pub fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = s.strip_suffix('Z')?;
    NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M")
        .ok()
        .map(|n| n.and_utc())
}

/// What the MIS answered to a direct booking (§2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MisAnswer {
    /// `{"success": true}`: the booking is the clinic's.
    Accepted,
    /// `{"success": false, "error": …}`: the MIS refused; the reason as sent (may be empty).
    Refused(String),
}

/// An answer body that is not the §2.1 answer: the outcome is unknown.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("ответ МИС — не JSON вида {{\"success\": …}}: {0}")]
pub struct AnswerError(pub String);

/// Reads the MIS answer. `success` must be a JSON boolean (`"true"` and `1`, seen from some
/// MIS, are read too); anything else means the outcome is unknown.
pub fn parse_mis_answer(body: &str) -> Result<MisAnswer, AnswerError> {
    #[derive(Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        success: Option<Scalar<'a>>,
        #[serde(borrow)]
        error: Option<Scalar<'a>>,
    }
    let raw: Raw = serde_json::from_str(body.trim_start_matches('\u{feff}'))
        .map_err(|e| AnswerError(json_error(&e)))?;
    let success = match raw.success {
        Some(Scalar::Bool(b)) => b,
        Some(Scalar::Int(1)) => true,
        Some(Scalar::Int(0)) => false,
        Some(Scalar::Str(s)) if s == "true" => true,
        Some(Scalar::Str(s)) if s == "false" => false,
        Some(other) => {
            return Err(AnswerError(format!(
                "\"success\": {}, а не true или false",
                other.describe()
            )))
        }
        None => return Err(AnswerError("нет поля \"success\"".into())),
    };
    if success {
        return Ok(MisAnswer::Accepted);
    }
    let reason = match raw.error {
        Some(Scalar::Str(s)) => s.into_owned(),
        None | Some(Scalar::Null) => String::new(),
        Some(other) => other.describe(),
    };
    Ok(MisAnswer::Refused(reason))
}

/// The answer the site gives when it receives a §2.1 booking (ProDoctorov connector).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteAnswer {
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

// ---------------------------------------------------------------------------------------
// §2.3: ProDoctorov API v2 / MedFlex booking. Local time, not UTC.

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V2Booking {
    pub doctor: V2Doctor,
    pub appointment: V2Appointment,
    pub client: V2Client,
    pub appointment_source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V2Doctor {
    pub id: String,
    pub lpu_id: String,
    pub specialty: V2Specialty,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V2Specialty {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V2Appointment {
    /// Local time of the filial, `YYYY-MM-DD HH:MM`.
    pub dt_start: String,
    pub dt_end: String,
    pub comment: String,
    pub is_online: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V2Client {
    pub first_name: String,
    /// The patronymic.
    pub second_name: String,
    pub last_name: String,
    pub mobile_phone: String,
    /// `YYYY-MM-DD`, or `null` when the form did not ask.
    pub birthday: Option<String>,
}

impl V2Booking {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------
// The patient's data in a stored payload (§2.1 or §2.3), for retention and erasure.

/// The patient in a stored booking payload: the phone and the names, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patient {
    pub phone: Option<String>,
    /// §2.1's `name`; v2's last, first and middle names (each non-empty one).
    pub names: Vec<String>,
}

/// Reads the patient out of a payload; an unreadable one has none.
pub fn patient_of(payload: &str) -> Patient {
    let Ok(serde_json::Value::Object(o)) = serde_json::from_str(payload) else {
        return Patient::default();
    };
    let text = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let client = o.get("client").and_then(|c| c.as_object());
    let from_client = |k: &str| text(client.and_then(|c| c.get(k)));
    Patient {
        phone: text(o.get("phone")).or_else(|| from_client("mobile_phone")),
        names: [
            text(o.get("name")),
            from_client("last_name"),
            from_client("first_name"),
            from_client("second_name"),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
}

/// The payload without the patient's data: §2.1's `name`, `phone` and `comment`, v2's client
/// names, phone and birthday and the appointment's comment are blanked; the doctor, the times
/// and the specialty stay (for statistics). A payload that is not a JSON object becomes `{}`.
pub fn anonymize_payload(payload: &str) -> String {
    use serde_json::Value;
    let Ok(Value::Object(mut o)) = serde_json::from_str::<Value>(payload) else {
        return "{}".into();
    };
    let blank = |o: &mut serde_json::Map<String, Value>, keys: &[&str]| {
        for k in keys {
            if let Some(v) = o.get_mut(*k) {
                *v = if *k == "birthday" {
                    Value::Null
                } else {
                    Value::String(String::new())
                };
            }
        }
    };
    blank(&mut o, &["name", "phone", "comment"]);
    if let Some(Value::Object(c)) = o.get_mut("client") {
        blank(
            c,
            &[
                "first_name",
                "second_name",
                "last_name",
                "mobile_phone",
                "birthday",
            ],
        );
    }
    if let Some(Value::Object(a)) = o.get_mut("appointment") {
        blank(a, &["comment"]);
    }
    Value::Object(o).to_string()
}

/// The v2 answer, read from the `status_code` in an HTTP 200 body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V2Answer {
    /// 204: booked; the MIS's claim id when given.
    Accepted { claim_id: Option<String> },
    /// 416: no such slot.
    NoSuchSlot,
    /// 423: the slot is busy.
    SlotBusy,
    /// 409: the patient is already booked elsewhere at that time.
    PatientBusy,
}

impl V2Answer {
    /// The refusal in words for the journal and the visitor (`None` when accepted).
    pub fn refusal(&self) -> Option<&'static str> {
        match self {
            V2Answer::Accepted { .. } => None,
            V2Answer::NoSuchSlot => Some("в расписании МИС нет такого времени"),
            V2Answer::SlotBusy => Some("время уже занято"),
            V2Answer::PatientBusy => Some("пациент уже записан на это время"),
        }
    }
}

pub fn parse_v2_answer(body: &str) -> Result<V2Answer, AnswerError> {
    #[derive(Deserialize)]
    struct Raw<'a> {
        status_code: Option<i64>,
        #[serde(borrow)]
        claim_id: Option<Scalar<'a>>,
    }
    let raw: Raw = serde_json::from_str(body).map_err(|e| AnswerError(json_error(&e)))?;
    match raw.status_code {
        Some(204) | Some(200) => Ok(V2Answer::Accepted {
            claim_id: match raw.claim_id {
                Some(Scalar::Str(s)) => Some(s.into_owned()),
                Some(Scalar::Int(i)) => Some(i.to_string()),
                _ => None,
            },
        }),
        Some(416) => Ok(V2Answer::NoSuchSlot),
        Some(423) => Ok(V2Answer::SlotBusy),
        Some(409) => Ok(V2Answer::PatientBusy),
        Some(other) => Err(AnswerError(format!("неизвестный status_code {other}"))),
        None => Err(AnswerError("нет поля \"status_code\"".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patient_is_read_and_blanked_in_both_formats() {
        let direct = r#"{"dt_start":"2026-12-01T12:30:00Z","filial_id":"1","doctor_id":"0001","specialty":"Кардиолог","name":"Сидорова Анна","phone":"79001234567","comment":"болит"}"#;
        assert_eq!(
            patient_of(direct),
            Patient {
                phone: Some("79001234567".into()),
                names: vec!["Сидорова Анна".into()]
            }
        );
        assert_eq!(
            anonymize_payload(direct),
            r#"{"dt_start":"2026-12-01T12:30:00Z","filial_id":"1","doctor_id":"0001","specialty":"Кардиолог","name":"","phone":"","comment":""}"#
        );
        let v2 = r#"{"doctor":{"id":"0001","lpu_id":"1","specialty":{"id":"","name":"Кардиолог"}},"appointment":{"dt_start":"2026-12-01 15:30","dt_end":"2026-12-01 16:00","comment":"болит","is_online":false},"client":{"first_name":"Анна","second_name":"","last_name":"Сидорова","mobile_phone":"79001234567","birthday":"1990-01-01"},"appointment_source":"site"}"#;
        assert_eq!(
            patient_of(v2),
            Patient {
                phone: Some("79001234567".into()),
                names: vec!["Сидорова".into(), "Анна".into()]
            }
        );
        let blank = anonymize_payload(v2);
        assert_eq!(
            blank,
            r#"{"doctor":{"id":"0001","lpu_id":"1","specialty":{"id":"","name":"Кардиолог"}},"appointment":{"dt_start":"2026-12-01 15:30","dt_end":"2026-12-01 16:00","comment":"","is_online":false},"client":{"first_name":"","second_name":"","last_name":"","mobile_phone":"","birthday":null},"appointment_source":"site"}"#,
            "the specialty's name stays"
        );
        assert_eq!(patient_of(&blank), Patient::default());
        assert_eq!(anonymize_payload("not json"), "{}");
        assert_eq!(patient_of("[1]"), Patient::default());
    }

    #[test]
    fn direct_booking_serializes_in_wire_order() {
        let b = DirectBooking {
            dt_start: "2019-06-23T12:30:00Z".into(),
            dt_end: "2019-06-23T13:00:00Z".into(),
            filial_id: "1".into(),
            doctor_id: "0001".into(),
            specialty: "кардиолог".into(),
            name: "Иван".into(),
            phone: "79001234567".into(),
            comment: "".into(),
        };
        assert_eq!(
            b.to_json(),
            r#"{"dt_start":"2019-06-23T12:30:00Z","dt_end":"2019-06-23T13:00:00Z","filial_id":"1","doctor_id":"0001","specialty":"кардиолог","name":"Иван","phone":"79001234567","comment":""}"#
        );
    }

    #[test]
    fn reads_incoming_direct_booking() {
        let r = parse_direct_booking(
            r#"{"dt_start":"2019-06-23T12:30:00Z","dt_end":"2019-06-23T13:00:00Z","filial_id":1,"doctor_id":"0001","name":"Иван","phone":"79001234567"}"#,
        )
        .unwrap();
        assert_eq!(r.filial_id, "1");
        assert_eq!(r.doctor_id, "0001");
        assert_eq!(format_utc(r.start), "2019-06-23T12:30:00Z");
        assert_eq!(r.comment, "");
    }

    #[test]
    fn incoming_booking_errors_name_the_field() {
        let e =
            parse_direct_booking(r#"{"dt_start":"23.06.2019 12:30","dt_end":"x"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "dt_start: \"23.06.2019 12:30\" — не время UTC вида 2019-06-23T12:30:00Z"
        );
        let e = parse_direct_booking(
            r#"{"dt_start":"2019-06-23T12:30:00Z","dt_end":"2019-06-23T13:00:00Z","doctor_id":"1","name":"a","phone":"7"}"#,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "filial_id: отсутствует");
        assert!(matches!(
            parse_direct_booking("[1]"),
            Err(RequestError::NotObject("массив"))
        ));
        assert!(matches!(
            parse_direct_booking("{"),
            Err(RequestError::NotJson(_))
        ));
    }

    #[test]
    fn formats_utc_like_chrono() {
        for s in [
            "2019-06-23T12:30:00Z",
            "0001-01-01T00:00:00Z",
            "2026-12-31T23:59:59Z",
        ] {
            let t = parse_utc(s).unwrap();
            assert_eq!(format_utc(t), s);
            assert_eq!(format_utc(t), t.format(UTC_FORMAT).to_string());
        }
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        assert_eq!(
            format_utc(parse_utc("2019-06-23T15:30:00+03:00").unwrap()),
            "2019-06-23T12:30:00Z"
        );
        assert_eq!(
            format_utc(parse_utc("2019-06-23T12:30Z").unwrap()),
            "2019-06-23T12:30:00Z"
        );
        assert!(parse_utc("2019-06-23 12:30").is_none());
    }

    #[test]
    fn reads_mis_answers() {
        assert_eq!(
            parse_mis_answer(r#"{"success": true}"#),
            Ok(MisAnswer::Accepted)
        );
        assert_eq!(
            parse_mis_answer(r#"{"success": false, "error": "Слот занят"}"#),
            Ok(MisAnswer::Refused("Слот занят".into()))
        );
        assert_eq!(
            parse_mis_answer(r#"{"success": "false"}"#),
            Ok(MisAnswer::Refused(String::new()))
        );
        assert!(parse_mis_answer("<html>502</html>").is_err());
        assert!(parse_mis_answer(r#"{"ok": true}"#).is_err());
        assert!(parse_mis_answer(r#"{"success": "yes"}"#).is_err());
    }

    #[test]
    fn reads_v2_answers() {
        assert_eq!(
            parse_v2_answer(r#"{"status_code": 204, "claim_id": "A-1"}"#),
            Ok(V2Answer::Accepted {
                claim_id: Some("A-1".into())
            })
        );
        assert_eq!(
            parse_v2_answer(r#"{"status_code": 423}"#),
            Ok(V2Answer::SlotBusy)
        );
        assert_eq!(
            parse_v2_answer(r#"{"status_code": 416}"#),
            Ok(V2Answer::NoSuchSlot)
        );
        assert_eq!(
            parse_v2_answer(r#"{"status_code": 409}"#),
            Ok(V2Answer::PatientBusy)
        );
        assert!(parse_v2_answer(r#"{"status_code": 500}"#).is_err());
        assert!(parse_v2_answer("nope").is_err());
    }

    #[test]
    fn v2_booking_has_the_documented_shape() {
        let b = V2Booking {
            doctor: V2Doctor {
                id: "0001".into(),
                lpu_id: "1".into(),
                specialty: V2Specialty {
                    id: "".into(),
                    name: "Кардиолог".into(),
                },
            },
            appointment: V2Appointment {
                dt_start: "2019-06-23 15:30".into(),
                dt_end: "2019-06-23 16:00".into(),
                comment: "".into(),
                is_online: false,
            },
            client: V2Client {
                first_name: "Иван".into(),
                second_name: "Иванович".into(),
                last_name: "Иванов".into(),
                mobile_phone: "79001234567".into(),
                birthday: None,
            },
            appointment_source: "site".into(),
        };
        let v: serde_json::Value = serde_json::from_str(&b.to_json()).unwrap();
        assert_eq!(v["appointment"]["dt_start"], "2019-06-23 15:30");
        assert_eq!(v["client"]["mobile_phone"], "79001234567");
        assert_eq!(v["doctor"]["lpu_id"], "1");
        assert_eq!(v["client"]["birthday"], serde_json::Value::Null);
    }
}
