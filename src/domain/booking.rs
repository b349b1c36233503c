//! Booking validation: what a visitor typed and the time they chose → the exact request the
//! MIS receives (mis-exchange.md §2.1), or the reasons it cannot be sent, in Russian.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use thiserror::Error;

use super::form;
use super::grid::{self, Grid, GridRules};
use super::phone;
use super::schedule::Schedule;
use crate::time::{hhmm, parse_date, parse_time, Minute};
use crate::wire::booking::{
    format_utc, DirectBooking, V2Appointment, V2Booking, V2Client, V2Doctor, V2Specialty,
};

/// The field errors of a filial or doctor not in the schedule (or switched off on the site).
pub const FILIAL_NOT_FOUND: &str = "Клиника не найдена в расписании";
pub const DOCTOR_NOT_FOUND: &str = "Врач не ведёт приём в этой клинике";

pub const NAME_MIN: usize = 2;
pub const NAME_MAX: usize = 100;
pub const COMMENT_MAX: usize = 500;
/// How many other free times a "just taken" answer offers.
pub const ALTERNATIVES: usize = 6;
/// How far ahead the alternatives are looked for.
const ALTERNATIVE_DAYS: u32 = 30;

/// What the visitor sent. Times are local to the filial, as in the MIS cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BookingInput {
    pub filial_id: String,
    pub doctor_id: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub time_start: String,
    pub name: String,
    pub phone: String,
    pub comment: String,
    /// One of the doctor's specialties; the first one when empty or unknown.
    pub specialty: String,
    /// The cell by its UTC start and end, as ProDoctorov's direct booking names it (§2.1);
    /// when set, `date` and `time_start` are not read and the end must be the cell's.
    pub utc: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// A message for one form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The input field: `filial_id`, `doctor_id`, `date`, `time_start`, `name`, `phone`,
    /// `comment`.
    pub field: &'static str,
    pub message: String,
}

#[derive(Debug, Error, Clone, PartialEq)]
pub enum BookingError {
    /// One or more fields are wrong; each message is for the visitor.
    #[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The time exists but is taken (or held); `next` are other free times of the doctor.
    #[error("{} — выберите другое", form::TAKEN)]
    Taken { next: Vec<Alternative> },
}

/// A free time offered instead of a taken one: its local day, start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alternative {
    pub date: NaiveDate,
    pub start: Minute,
    pub end: Minute,
}

/// The [`ALTERNATIVES`] bookable times of a grid nearest to the one the visitor wanted (`wanted`,
/// its start): that day's first, then the nearest days (of two as near, the earlier), within a
/// day the nearest to the wanted time of day (of two as near, the earlier).
pub fn alternatives(grid: &Grid, wanted: DateTime<Utc>) -> Vec<Alternative> {
    let local = super::zone::to_local(grid.zone, wanted);
    let (day, minute) = (local.date(), minute_of(local.time()));
    let mut free: Vec<Alternative> = grid
        .free_times()
        .map(|(date, s)| Alternative {
            date,
            start: s.start,
            end: s.end,
        })
        .collect();
    free.sort_by_key(|a| {
        (
            (a.date - day).num_days().abs(),
            a.date,
            a.start.abs_diff(minute),
            a.start,
        )
    });
    free.truncate(ALTERNATIVES);
    free
}

fn minute_of(t: chrono::NaiveTime) -> Minute {
    use chrono::Timelike;
    // at most 23 * 60 + 59: fits
    (t.hour() * 60 + t.minute()) as Minute
}

/// A booking ready to send, with the slot it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidBooking {
    pub request: DirectBooking,
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
    /// The slot in the filial's local time, as the MIS cells give it.
    pub date: NaiveDate,
    pub start: Minute,
    pub end: Minute,
}

impl ValidBooking {
    /// The same booking in the ProDoctorov v2 / MedFlex shape (§2.3: local times, the name
    /// split into last, first and middle names).
    pub fn to_v2(&self, source: &str) -> V2Booking {
        let mut parts = self.request.name.split(' ');
        let last_name = parts.next().unwrap_or_default().to_owned();
        let first_name = parts.next().unwrap_or_default().to_owned();
        let second_name = parts.collect::<Vec<_>>().join(" ");
        let local = |m: Minute| format!("{} {}", self.date, hhmm(m));
        V2Booking {
            doctor: V2Doctor {
                id: self.request.doctor_id.clone(),
                lpu_id: self.request.filial_id.clone(),
                specialty: V2Specialty {
                    id: String::new(),
                    name: self.request.specialty.clone(),
                },
            },
            appointment: V2Appointment {
                dt_start: local(self.start),
                dt_end: local(self.end),
                comment: self.request.comment.clone(),
                is_online: false,
            },
            client: V2Client {
                first_name,
                second_name,
                last_name,
                mobile_phone: self.request.phone.clone(),
                birthday: None,
            },
            appointment_source: source.to_owned(),
        }
    }
}

/// Trims and checks a patient's name: 2–100 characters, letters of any script, spaces,
/// hyphens and apostrophes; inner runs of spaces become one.
pub fn normalize_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = name.chars().count();
    if len == 0 {
        return Err(form::NAME_MISSING);
    }
    if len < NAME_MIN {
        return Err(form::NAME_SHORT);
    }
    if len > NAME_MAX {
        return Err("Имя длиннее 100 символов");
    }
    let mut prev_letter = false;
    let allowed = name.chars().all(|c| {
        // A combining mark (Ё typed as Е + U+0308) belongs to the letter before it.
        let ok = c.is_alphabetic()
            || matches!(c, ' ' | '-' | '\'' | '’' | '‐')
            || (prev_letter && is_combining_mark(c));
        prev_letter = c.is_alphabetic() || (prev_letter && is_combining_mark(c));
        ok
    });
    if !allowed {
        return Err("Имя может содержать только буквы, пробелы, дефисы и апострофы");
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err(form::NAME_MISSING);
    }
    Ok(name)
}

/// Combining diacritical marks (the blocks that Latin and Cyrillic letters use).
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

fn normalize_comment(raw: &str) -> Result<String, String> {
    let c = raw.trim();
    if c.chars().count() > COMMENT_MAX {
        return Err(format!("Комментарий длиннее {COMMENT_MAX} символов"));
    }
    if c.chars()
        .any(|ch| ch.is_control() && ch != '\n' && ch != '\r' && ch != '\t')
    {
        return Err("Комментарий содержит недопустимые символы".into());
    }
    Ok(c.to_owned())
}

/// Validates a booking against the schedule at `now`. All field errors are reported together;
/// a taken time is reported on its own (with other times) once the fields are right.
pub fn validate(
    schedule: &Schedule,
    input: &BookingInput,
    now: DateTime<Utc>,
    rules: &GridRules,
) -> Result<ValidBooking, BookingError> {
    let mut errors = Vec::new();
    let mut field =
        |field: &'static str, message: String| errors.push(FieldError { field, message });
    let name = normalize_name(&input.name)
        .map_err(|m| field("name", m.into()))
        .ok();
    let phone = phone::normalize(&input.phone)
        .map_err(|e| field("phone", e.to_string()))
        .ok();
    let comment = normalize_comment(&input.comment)
        .map_err(|m| field("comment", m))
        .ok();

    // The time wanted: the filial's local day and start, or the UTC start and end.
    let wanted = match input.utc {
        Some(utc) => Some(Err(utc)),
        None => {
            let date = parse_date(input.date.trim());
            let start = parse_time(input.time_start.trim());
            if date.is_none() {
                field("date", "Выберите день приёма".into());
            }
            if start.is_none() {
                field("time_start", "Выберите время приёма".into());
            }
            date.zip(start).map(Ok)
        }
    };
    let doctor = match schedule.filial_index(&input.filial_id) {
        None => {
            field("filial_id", FILIAL_NOT_FOUND.into());
            None
        }
        Some(_) => {
            let d = schedule.doctor_index(&input.filial_id, &input.doctor_id);
            if d.is_none() {
                field("doctor_id", DOCTOR_NOT_FOUND.into());
            }
            d
        }
    };
    let slot = match (doctor, wanted) {
        (Some(d), Some(wanted)) => {
            let zone = schedule.filials[schedule.doctors[d].filial].zone;
            let s = schedule.slots_of(d).find(|s| match wanted {
                Ok((date, start)) => s.date == date && s.start == start,
                Err((start_utc, _)) => s.start_utc == start_utc,
            });
            match s {
                None => {
                    let (date, start) = wanted.unwrap_or_else(|(start_utc, _)| {
                        let local = super::zone::to_local(zone, start_utc);
                        (local.date(), minute_of(local.time()))
                    });
                    field(
                        "time_start",
                        format!(
                            "В расписании врача нет приёма {} в {}",
                            date.format("%d.%m.%Y"),
                            hhmm(start)
                        ),
                    )
                }
                Some(s) if matches!(wanted, Err((_, end_utc)) if end_utc != s.end_utc) => field(
                    "time_start",
                    format!(
                        "Время приёма должно совпадать с одной ячейкой расписания: {}–{}",
                        hhmm(s.start),
                        hhmm(s.end)
                    ),
                ),
                Some(s)
                    if s.start_utc
                        < now + Duration::minutes(i64::from(rules.min_notice_minutes)) =>
                {
                    field(
                        "time_start",
                        "Это время уже прошло — выберите другое".into(),
                    )
                }
                Some(_) => {}
            }
            s
        }
        _ => None,
    };
    if !errors.is_empty() {
        return Err(BookingError::Invalid(errors));
    }
    let (Some(d), Some(slot), Some(name), Some(phone), Some(comment)) =
        (doctor, slot, name, phone, comment)
    else {
        return Err(BookingError::Invalid(Vec::new()));
    };
    if !slot.free || rules.held.contains(&slot.start_utc) {
        let next = alternatives(
            &grid::build(schedule, d, now, ALTERNATIVE_DAYS, rules),
            slot.start_utc,
        );
        return Err(BookingError::Taken { next });
    }
    let doc = &schedule.doctors[d];
    let wanted = input.specialty.trim();
    let specialty = doc
        .specialties
        .iter()
        .find(|s| !wanted.is_empty() && s.to_lowercase() == wanted.to_lowercase())
        .or(doc.specialties.first())
        .cloned()
        .unwrap_or_default();
    Ok(ValidBooking {
        request: DirectBooking {
            dt_start: format_utc(slot.start_utc),
            dt_end: format_utc(slot.end_utc),
            filial_id: input.filial_id.clone(),
            doctor_id: input.doctor_id.clone(),
            specialty,
            name,
            phone,
            comment,
        },
        start_utc: slot.start_utc,
        end_utc: slot.end_utc,
        date: slot.date,
        start: slot.start,
        end: slot.end,
    })
}

/// Who made the booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingSource {
    /// A visitor of the site.
    Site,
    /// ProDoctorov, through the site's direct-booking endpoint (mis-exchange.md §4).
    Prodoctorov,
}

impl BookingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingSource::Site => "site",
            BookingSource::Prodoctorov => "prodoctorov",
        }
    }

    pub fn parse(s: &str) -> Option<BookingSource> {
        match s {
            "site" => Some(BookingSource::Site),
            "prodoctorov" => Some(BookingSource::Prodoctorov),
            _ => None,
        }
    }

    pub const ALL: [BookingSource; 2] = [BookingSource::Site, BookingSource::Prodoctorov];

    /// Its name for the clinic's staff.
    pub fn name(self) -> &'static str {
        match self {
            BookingSource::Site => "сайт",
            BookingSource::Prodoctorov => "ПроДокторов",
        }
    }
}

/// Where a booking is on its way to the MIS (the states of `storage::outbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingStatus {
    /// Stored, slot held, not sent yet.
    Queued,
    /// Sent (claimed for sending); the MIS's answer is awaited (FTP drop: the result file).
    Sent,
    /// The MIS accepted it. Final.
    Confirmed,
    /// The MIS refused it. Final; the hold is released.
    Rejected,
    /// The outcome of the last attempt is unknown (timeout, 5xx, garbage): retried at
    /// `next_attempt_at` with the same payload.
    Unknown,
    /// «Проверить в МИС»: an earlier attempt may have reached the MIS unanswered, and a retry was
    /// answered "taken" — most likely by that very booking. The time stays held and the visitor
    /// is told "accepted"; the MIS's next snapshot settles it: the time busy → `Confirmed`, free
    /// → the booking was lost (sent again or refused, as `booking.when_lost` says).
    Check,
}

impl BookingStatus {
    /// Every status, in the order the admin lists them.
    pub const ALL: [BookingStatus; 6] = [
        BookingStatus::Queued,
        BookingStatus::Sent,
        BookingStatus::Confirmed,
        BookingStatus::Rejected,
        BookingStatus::Unknown,
        BookingStatus::Check,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Queued => "queued",
            BookingStatus::Sent => "sent",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Rejected => "rejected",
            BookingStatus::Unknown => "unknown",
            BookingStatus::Check => "check",
        }
    }

    pub fn parse(s: &str) -> Option<BookingStatus> {
        Some(match s {
            "queued" => BookingStatus::Queued,
            "sent" => BookingStatus::Sent,
            "confirmed" => BookingStatus::Confirmed,
            "rejected" => BookingStatus::Rejected,
            "unknown" => BookingStatus::Unknown,
            "check" => BookingStatus::Check,
            _ => return None,
        })
    }

    /// Where the visitor is told the booking stands: `confirmed`, `refused`, or `pending` (kept
    /// and sent until the MIS answers).
    pub fn visitor(self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Rejected => "refused",
            BookingStatus::Queued
            | BookingStatus::Sent
            | BookingStatus::Unknown
            | BookingStatus::Check => "pending",
        }
    }

    /// Its name for the clinic's staff.
    pub fn name(self) -> &'static str {
        match self {
            BookingStatus::Queued => "в очереди",
            BookingStatus::Sent => "отправлена",
            BookingStatus::Confirmed => "подтверждена",
            BookingStatus::Rejected => "отказ МИС",
            BookingStatus::Unknown => "ответ неизвестен",
            BookingStatus::Check => "проверить в МИС",
        }
    }

    /// The colour it is drawn in (the admin's chart and legend): a class of the admin's styles.
    pub fn colour_class(self) -> &'static str {
        match self {
            BookingStatus::Queued => "priem-tone-new",
            BookingStatus::Sent => "priem-tone-sent",
            BookingStatus::Confirmed => "priem-tone-ok",
            BookingStatus::Rejected => "priem-tone-bad",
            BookingStatus::Unknown => "priem-tone-wait",
            BookingStatus::Check => "priem-tone-check",
        }
    }

    /// Whether staff may send it again by hand («Повторить отправку»): its outcome is unknown,
    /// or it is still queued.
    pub fn retryable(self) -> bool {
        matches!(self, BookingStatus::Unknown | BookingStatus::Queued)
    }

    /// `confirmed` or `rejected`.
    pub fn is_final(self) -> bool {
        matches!(self, BookingStatus::Confirmed | BookingStatus::Rejected)
    }
}

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The visitor's consent to the processing of personal data, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub at: DateTime<Utc>,
    /// IPv4 or IPv6 address, at most 45 characters; empty for [`Consent::by_prodoctorov`].
    pub ip: String,
    /// Which text of the consent was shown (at most 64 characters); [`Consent::PRODOCTOROV`]
    /// when ProDoctorov collected it.
    pub text_version: String,
}

impl Consent {
    /// The `text_version` of a consent ProDoctorov collected from its patient under its own
    /// terms: a booking ProDoctorov sends is not the site's form.
    pub const PRODOCTOROV: &'static str = "prodoctorov";

    /// The consent of a booking ProDoctorov sent at `at`: collected by ProDoctorov (the
    /// booking's source), with no address of the site's visitor.
    pub fn by_prodoctorov(at: DateTime<Utc>) -> Consent {
        Consent {
            at,
            ip: String::new(),
            text_version: Consent::PRODOCTOROV.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
        }
        for s in BookingStatus::ALL {
            assert!(!s.name().is_empty() && s.colour_class().starts_with("priem-tone-"));
        }
        assert_eq!(BookingStatus::ALL.len(), 6);
        for s in BookingSource::ALL {
            assert_eq!(BookingSource::parse(s.as_str()), Some(s));
        }
        assert!(!BookingStatus::Check.is_final());
        assert!(BookingStatus::Confirmed.is_final());
        assert!(!BookingStatus::Unknown.is_final());
        assert_eq!(
            BookingSource::parse("prodoctorov"),
            Some(BookingSource::Prodoctorov)
        );
        assert_eq!(BookingSource::parse("x"), None);
    }
}
