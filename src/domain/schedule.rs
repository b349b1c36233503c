//! The normalized schedule: filials, doctors and slots with local and UTC times.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::zone::{UtcConverter, Zones};
use crate::time::Minute;
use crate::wire::schedule::{DoctorError, Document};

#[derive(Debug, Clone, PartialEq)]
pub struct Filial<'a> {
    pub code: Cow<'a, str>,
    /// The MIS's name, when the document had one.
    pub name: Option<Cow<'a, str>>,
    pub zone: Tz,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doctor<'a> {
    /// Index into [`Schedule::filials`].
    pub filial: usize,
    pub code: Cow<'a, str>,
    pub name: Cow<'a, str>,
    /// `espec` split on commas and semicolons, trimmed, without empties and repeats.
    pub specialties: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Slot<'a> {
    /// Index into [`Schedule::doctors`].
    pub doctor: u32,
    pub date: NaiveDate,
    /// Local minutes since midnight.
    pub start: Minute,
    pub end: Minute,
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
    pub free: bool,
    pub room: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schedule<'a> {
    pub filials: Vec<Filial<'a>>,
    pub doctors: Vec<Doctor<'a>>,
    /// Grouped by doctor, in the order the MIS sent them.
    pub slots: Vec<Slot<'a>>,
    /// Doctors left out of the document (their old schedule must be kept).
    pub rejected: Vec<DoctorError>,
    /// Cells left out of doctors that are imported (their times are not offered).
    pub bad_cells: Vec<DoctorError>,
}

impl<'a> Schedule<'a> {
    pub fn filial_index(&self, code: &str) -> Option<usize> {
        self.filials.iter().position(|f| f.code == code)
    }

    pub fn doctor_index(&self, filial: &str, code: &str) -> Option<usize> {
        let fi = self.filial_index(filial)?;
        self.doctors
            .iter()
            .position(|d| d.filial == fi && d.code == code)
    }

    /// The slots of one doctor (by index), in the order sent.
    pub fn slots_of(&self, doctor: usize) -> impl Iterator<Item = &Slot<'a>> {
        // Slots are grouped by doctor: find the run.
        let d = doctor as u32;
        let from = self.slots.partition_point(|s| s.doctor < d);
        self.slots[from..].iter().take_while(move |s| s.doctor == d)
    }
}

/// Splits `espec` into specialties: `"Кардиолог, терапевт"` → `["Кардиолог", "терапевт"]`.
pub fn split_specialties(espec: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in espec.split([',', ';']) {
        let p = part.split_whitespace().collect::<Vec<_>>().join(" ");
        if !p.is_empty() && !out.iter().any(|o| o.to_lowercase() == p.to_lowercase()) {
            out.push(p);
        }
    }
    out
}

/// Turns a parsed document into the normalized schedule, converting every cell to UTC in its
/// filial's zone.
pub fn normalize<'a>(doc: Document<'a>, zones: &Zones) -> Schedule<'a> {
    let mut out = Schedule {
        slots: Vec::with_capacity(doc.cell_count()),
        rejected: doc.rejected,
        bad_cells: doc.bad_cells,
        ..Schedule::default()
    };
    for f in doc.filials {
        let zone = zones.of(&f.code);
        let fi = out.filials.len();
        let mut conv = UtcConverter::new(zone);
        for d in f.doctors {
            let di = out.doctors.len() as u32;
            let doctor = normalize_doctor(
                &mut conv,
                &f.code,
                d,
                fi,
                di,
                &mut out.slots,
                &mut out.bad_cells,
            );
            out.doctors.push(doctor);
        }
        out.filials.push(Filial {
            code: f.code,
            name: f.name,
            zone,
        });
    }
    out
}

/// One doctor of filial `filial` (index `fi`) normalized: his slots, as doctor `di`, appended
/// to `slots`; a cell at a time the clocks jump over is left out and added to `bad_cells`.
pub fn normalize_doctor<'a>(
    conv: &mut UtcConverter,
    filial: &str,
    d: crate::wire::schedule::Doctor<'a>,
    fi: usize,
    di: u32,
    slots: &mut Vec<Slot<'a>>,
    bad_cells: &mut Vec<DoctorError>,
) -> Doctor<'a> {
    slots.reserve(d.cells.len());
    for c in d.cells {
        let Some(start_utc) = conv.convert_existing(c.date, c.start) else {
            // A time the clocks jump over cannot be booked: that cell is left out.
            bad_cells.push(DoctorError {
                filial: filial.to_owned(),
                doctor: d.code.to_string(),
                path: format!("{}.cells[{}].time_start", d.path, c.index),
                reason: format!(
                    "{} {} не существует в поясе {} (перевод часов)",
                    crate::time::hhmm(c.start),
                    c.date,
                    conv.zone().name()
                ),
            });
            continue;
        };
        slots.push(Slot {
            doctor: di,
            start_utc,
            end_utc: conv.convert(c.date, c.end),
            date: c.date,
            start: c.start,
            end: c.end,
            free: c.free,
            room: c.room,
        });
    }
    Doctor {
        filial: fi,
        code: d.code,
        specialties: split_specialties(&d.specialty),
        name: d.name,
    }
}

/// Parses and normalizes a schedule document in one step.
pub fn read<'a>(
    json: &'a str,
    zones: &Zones,
) -> Result<Schedule<'a>, crate::wire::schedule::DocumentError> {
    crate::wire::schedule::parse(json).map(|doc| normalize(doc, zones))
}
