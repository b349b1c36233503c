//! The site's own cards of clinics and doctors (NetCat objects the module reads and hands over)
//! and the MIS codes typed on them: which card belongs to which filial or doctor, and what a
//! visitor sees of a filial and a doctor — the card where the editors filled it, the MIS's data
//! where they did not (editors polish what the MIS exports).
//!
//! # Codes on a card
//! A code cell may hold **several codes separated by commas** (or semicolons), spaces around them
//! ignored: a doctor who works in several filials, or whom the MIS knows under several codes, has
//! one card with `0042, 0107`. A doctor's code may be written `filial:doctor` (`1:0042`) when the
//! MIS reuses doctor codes across filials; a bare `0042` is doctor `0042` in any filial. Codes are
//! compared exactly: `0042` ≠ `42`. When two cards name one code, the first card (the site's
//! order) is the code's.

use std::collections::HashMap;

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize};

use super::schedule::split_specialties;
use super::zone::{self, parse_zone};

/// Splits a code cell: `"0042, 1:0107"` → `["0042", "1:0107"]`.
pub fn split_codes(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([',', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

/// A code of a doctor's card: pinned to a filial (`1:0042`) or not (`0042`).
pub fn pinned(code: &str) -> Option<(&str, &str)> {
    code.split_once(':').map(|(f, d)| (f.trim(), d.trim()))
}

/// A clinic card: the text of its fields (empty = not filled).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClinicCard {
    /// The card's id on the site (NetCat's object id), named in the code check's report.
    #[serde(deserialize_with = "text")]
    pub id: String,
    /// The MIS code cell (see the module docs).
    pub codes: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub metro: String,
    /// Patients' ages, as the editors wrote it («от 18 лет»).
    pub ages: String,
    /// The filial's IANA zone; an empty or unknown one leaves the default.
    pub timezone: String,
}

/// A doctor card: the text of its fields (empty = not filled).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DoctorCard {
    #[serde(deserialize_with = "text")]
    pub id: String,
    pub codes: String,
    pub name: String,
    /// The photo's URL.
    pub photo: String,
    /// Specialties separated by commas or semicolons.
    pub specialties: String,
    /// Years of experience.
    #[serde(deserialize_with = "text")]
    pub experience: String,
    /// The lowest price, in roubles.
    #[serde(deserialize_with = "text")]
    pub price_from: String,
    pub ages: String,
}

/// What the module read of the cards, indexed by code; `phone` is the clinic's phone for the
/// filials whose card has none.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "RawCards")]
pub struct Cards {
    clinics: Vec<ClinicCard>,
    doctors: Vec<DoctorCard>,
    phone: String,
    clinic_by_code: HashMap<String, usize>,
    doctor_by_code: HashMap<String, usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawCards {
    clinics: Vec<ClinicCard>,
    doctors: Vec<DoctorCard>,
    phone: String,
}

impl From<RawCards> for Cards {
    fn from(r: RawCards) -> Cards {
        Cards::new(r.clinics, r.doctors, r.phone)
    }
}

/// A string, or a number written as one (a card's id or years typed as numbers).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        S(String),
        I(i64),
        F(f64),
    }
    Ok(match Option::<Text>::deserialize(d)? {
        Some(Text::S(s)) => s,
        Some(Text::I(i)) => i.to_string(),
        Some(Text::F(f)) => f.to_string(),
        None => String::new(),
    })
}

fn index<'a>(cells: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for (i, cell) in cells.enumerate() {
        for code in split_codes(cell) {
            out.entry(code.to_owned()).or_insert(i);
        }
    }
    out
}

fn filled(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn positive(s: &str) -> Option<u32> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| *n >= 1.0 && *n < f64::from(u32::MAX))
        // whole years and roubles: a fraction typed into the card is dropped
        .map(|n| n as u32)
}

impl Cards {
    pub fn new(clinics: Vec<ClinicCard>, doctors: Vec<DoctorCard>, phone: String) -> Cards {
        let clinic_by_code = index(clinics.iter().map(|c| c.codes.as_str()));
        let doctor_by_code = index(doctors.iter().map(|c| c.codes.as_str()));
        Cards {
            clinics,
            doctors,
            phone,
            clinic_by_code,
            doctor_by_code,
        }
    }

    pub fn clinics(&self) -> &[ClinicCard] {
        &self.clinics
    }

    pub fn doctors(&self) -> &[DoctorCard] {
        &self.doctors
    }

    /// The card of a filial.
    pub fn clinic(&self, filial: &str) -> Option<&ClinicCard> {
        self.clinic_by_code.get(filial).map(|&i| &self.clinics[i])
    }

    /// The card of a filial's doctor: the one pinned to the filial (`1:0042`) first, else the
    /// one with the bare code.
    pub fn doctor(&self, filial: &str, doctor: &str) -> Option<&DoctorCard> {
        self.doctor_by_code
            .get(&format!("{filial}:{doctor}"))
            .or_else(|| self.doctor_by_code.get(doctor))
            .map(|&i| &self.doctors[i])
    }

    /// Filial code → zone of the clinic cards (an empty or unknown zone is left out).
    pub fn zones(&self) -> Vec<(String, Tz)> {
        let mut out: Vec<(String, Tz)> = Vec::new();
        for c in &self.clinics {
            let Some(tz) = filled(&c.timezone).and_then(|z| parse_zone(&z)) else {
                continue;
            };
            for code in split_codes(&c.codes) {
                if !out.iter().any(|(f, _)| f == code) {
                    out.push((code.to_owned(), tz));
                }
            }
        }
        out
    }

    /// A filial's phone: its clinic card's, else the clinic's.
    pub fn filial_phone(&self, filial: &str) -> String {
        self.clinic(filial)
            .and_then(|c| filled(&c.phone))
            .unwrap_or_else(|| self.phone.trim().to_owned())
    }

    /// The phone a doctor card with the code cell `cell` gives when it offers no booking form
    /// («Запись по телефону»): the clinic card's of the filial its first pinned code names,
    /// else the clinic's (`phone`); empty when neither is known.
    pub fn cell_phone(&self, cell: &str) -> String {
        split_codes(cell).find_map(pinned).map_or_else(
            || self.phone.trim().to_owned(),
            |(f, _)| self.filial_phone(f),
        )
    }

    /// What a visitor sees of a filial: its card over the MIS's name and zone.
    pub fn filial_view(&self, code: &str, mis_name: Option<&str>, tz: Tz) -> FilialView {
        let card = self.clinic(code);
        let field = |f: fn(&ClinicCard) -> &str| card.and_then(|c| filled(f(c)));
        let name = field(|c| &c.name)
            .or_else(|| mis_name.and_then(filled))
            .unwrap_or_else(|| format!("Филиал {code}"));
        FilialView {
            code: code.to_owned(),
            name,
            address: field(|c| &c.address).unwrap_or_default(),
            phone: self.filial_phone(code),
            metro: field(|c| &c.metro),
            ages: field(|c| &c.ages),
            timezone: tz.name().to_owned(),
            tz_label: zone::label(tz),
        }
    }

    /// What a visitor sees of a filial's doctor: the card over the MIS's name and specialties.
    pub fn doctor_view(
        &self,
        filial: &str,
        code: &str,
        mis_name: &str,
        mis_specialties: &[String],
    ) -> DoctorView {
        let card = self.doctor(filial, code);
        let field = |f: fn(&DoctorCard) -> &str| card.and_then(|c| filled(f(c)));
        DoctorView {
            code: code.to_owned(),
            name: field(|c| &c.name).unwrap_or_else(|| mis_name.to_owned()),
            specialties: field(|c| &c.specialties)
                .map(|s| split_specialties(&s))
                .unwrap_or_else(|| mis_specialties.to_vec()),
            photo: field(|c| &c.photo),
            experience: card.and_then(|c| positive(&c.experience)),
            price_from: card.and_then(|c| positive(&c.price_from)),
            ages: field(|c| &c.ages),
        }
    }
}

/// A filial as the booking form shows it (`docs/api.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilialView {
    pub code: String,
    pub name: String,
    pub address: String,
    /// The clinic card's phone, else the clinic's.
    pub phone: String,
    pub metro: Option<String>,
    pub ages: Option<String>,
    pub timezone: String,
    /// «время московское».
    pub tz_label: String,
}

/// A doctor as the booking form shows him.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorView {
    pub code: String,
    pub name: String,
    pub specialties: Vec<String>,
    pub photo: Option<String>,
    pub experience: Option<u32>,
    pub price_from: Option<u32>,
    pub ages: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cards() -> Cards {
        serde_json::from_value(serde_json::json!({
            "clinics": [
                {"id": 10, "codes": "1, 5", "name": "Клиника на Ленина", "address": "ул. Ленина, 1",
                 "phone": "", "metro": "м. Чеховская", "timezone": "Asia/Yekaterinburg"},
                {"id": "11", "codes": "5", "name": "Вторая карточка кода 5", "timezone": "Mars/Olympus"}
            ],
            "doctors": [
                {"id": 20, "codes": "0042", "name": "Иванова Мария", "experience": 14},
                {"id": 21, "codes": "2:0042", "name": "Иванова в филиале 2", "specialties": "Кардиолог; кардиолог, Терапевт",
                 "price_from": "1500", "photo": "/photo.jpg"}
            ],
            "phone": "+7 800 000-00-00"
        }))
        .unwrap()
    }

    #[test]
    fn splits_code_cells_on_commas() {
        assert_eq!(
            split_codes(" 0042, 0107 ,,;1:0003").collect::<Vec<_>>(),
            vec!["0042", "0107", "1:0003"]
        );
        assert_eq!(split_codes("  ").count(), 0);
        assert_eq!(pinned(" 1 : 0042"), Some(("1", "0042")));
        assert_eq!(pinned("0042"), None);
    }

    #[test]
    fn the_first_card_of_a_code_is_its_card_and_a_pinned_code_wins_in_its_filial() {
        let c = cards();
        assert_eq!(c.clinic("5").unwrap().id, "10");
        assert!(c.clinic("7").is_none());
        assert_eq!(c.doctor("1", "0042").unwrap().id, "20");
        assert_eq!(c.doctor("2", "0042").unwrap().id, "21");
        let zones = c.zones();
        assert_eq!(
            zones,
            vec![
                ("1".to_string(), chrono_tz::Asia::Yekaterinburg),
                ("5".to_string(), chrono_tz::Asia::Yekaterinburg)
            ],
            "an unknown zone is left out"
        );
    }

    #[test]
    fn a_card_without_a_schedule_gives_its_filials_phone_or_the_clinics() {
        let mut c = cards();
        c.clinics[0].phone = "+7 (495) 111-22-33".into();
        assert_eq!(
            c.cell_phone("0042, 1:0042"),
            "+7 (495) 111-22-33",
            "filial 1's card"
        );
        assert_eq!(
            c.cell_phone("0042"),
            "+7 800 000-00-00",
            "no filial named: the clinic's"
        );
        assert_eq!(
            c.cell_phone("9:0042"),
            "+7 800 000-00-00",
            "no card of filial 9"
        );
        assert_eq!(Cards::default().cell_phone("0042"), "");
    }

    #[test]
    fn the_card_wins_where_it_is_filled_and_the_mis_where_not() {
        let c = cards();
        let f = c.filial_view("1", Some("Филиал МИС"), chrono_tz::Asia::Yekaterinburg);
        assert_eq!(f.name, "Клиника на Ленина");
        assert_eq!(
            f.phone, "+7 800 000-00-00",
            "no phone on the card: the clinic's"
        );
        assert_eq!(f.metro.as_deref(), Some("м. Чеховская"));
        assert_eq!(f.ages, None);
        assert_eq!(f.tz_label, "время екатеринбургское");
        let f = c.filial_view("9", None, chrono_tz::Europe::Moscow);
        assert_eq!((f.name.as_str(), f.address.as_str()), ("Филиал 9", ""));
        assert_eq!(
            Cards::default()
                .filial_view("9", Some("Из МИС"), chrono_tz::Europe::Moscow)
                .name,
            "Из МИС"
        );

        let mis = vec!["Невролог".to_string()];
        let d = c.doctor_view("2", "0042", "Иванова М.", &mis);
        assert_eq!(d.name, "Иванова в филиале 2");
        assert_eq!(d.specialties, ["Кардиолог", "Терапевт"]);
        assert_eq!((d.price_from, d.experience), (Some(1500), None));
        assert_eq!(d.photo.as_deref(), Some("/photo.jpg"));
        let d = c.doctor_view("1", "0042", "Иванова М.", &mis);
        assert_eq!(
            (d.specialties.clone(), d.experience),
            (mis.clone(), Some(14))
        );
        let d = c.doctor_view("1", "0099", "Петров", &mis);
        assert_eq!((d.name.as_str(), d.photo.clone()), ("Петров", None));
    }

    #[test]
    fn unknown_card_fields_are_refused() {
        let e = serde_json::from_value::<Cards>(serde_json::json!({"clinics": [{"nmae": "x"}]}));
        assert!(e.is_err());
    }
}
