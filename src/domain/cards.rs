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
//!
//! # Switched-off cards
//! A card an editor switched off in NetCat («включить» unticked, `off`) is no card to show, but
//! its codes say the filial or doctor is gone from the site: a code covered only by switched-off
//! cards (an enabled card naming the same code wins; for a doctor, his pinned `1:0042` card
//! before the bare `0042` one) is **switched off** — left out of the filials and doctors lists,
//! no grid, no booking — and the code check asks nobody to create its card.

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
    /// Switched off in NetCat (`Checked = 0`): only its codes count (see the module docs).
    pub off: bool,
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
    /// Switched off in NetCat (`Checked = 0`): only its codes count (see the module docs).
    pub off: bool,
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
    /// The codes of switched-off cards (the card's index), enabled cards' or not.
    clinic_off: HashMap<String, usize>,
    doctor_off: HashMap<String, usize>,
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

/// Code → the first card naming it, of the cards whose `off` is `off`.
fn index<'a>(cells: impl Iterator<Item = (&'a str, bool)>, off: bool) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for (i, (cell, card_off)) in cells.enumerate() {
        if card_off != off {
            continue;
        }
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
        let clinic_cells: Vec<(&str, bool)> =
            clinics.iter().map(|c| (c.codes.as_str(), c.off)).collect();
        let doctor_cells: Vec<(&str, bool)> =
            doctors.iter().map(|c| (c.codes.as_str(), c.off)).collect();
        let clinic_by_code = index(clinic_cells.iter().copied(), false);
        let clinic_off = index(clinic_cells.iter().copied(), true);
        let doctor_by_code = index(doctor_cells.iter().copied(), false);
        let doctor_off = index(doctor_cells.iter().copied(), true);
        Cards {
            clinics,
            doctors,
            phone,
            clinic_by_code,
            doctor_by_code,
            clinic_off,
            doctor_off,
        }
    }

    /// The filial is switched off: its code is on switched-off clinic cards only.
    pub fn filial_off(&self, filial: &str) -> bool {
        !self.clinic_by_code.contains_key(filial) && self.clinic_off.contains_key(filial)
    }

    /// The filial's doctor is switched off: his card, as [`doctor`](Self::doctor) finds it
    /// (pinned first, then bare), is a switched-off one.
    pub fn doctor_off(&self, filial: &str, doctor: &str) -> bool {
        for key in [format!("{filial}:{doctor}"), doctor.to_owned()] {
            if self.doctor_by_code.contains_key(&key) {
                return false;
            }
            if self.doctor_off.contains_key(&key) {
                return true;
            }
        }
        false
    }

    /// Nothing of the filial's doctor is on the site: the filial or the doctor is switched off.
    pub fn closed(&self, filial: &str, doctor: &str) -> bool {
        self.filial_off(filial) || self.doctor_off(filial, doctor)
    }

    /// The codes switched off, clinics' then doctors' (each with the first switched-off card
    /// naming it), as the «Коды МИС» tab lists them.
    pub fn switched_off(&self) -> Vec<SwitchedOff> {
        let mut out = Vec::new();
        let mut add = |doctor: bool, id: &str, cell: &str, enabled: &HashMap<String, usize>| {
            for code in split_codes(cell) {
                let item = SwitchedOff {
                    doctor,
                    card: id.to_owned(),
                    code: code.to_owned(),
                };
                if !enabled.contains_key(code)
                    && !out
                        .iter()
                        .any(|o: &SwitchedOff| o.doctor == doctor && o.code == code)
                {
                    out.push(item);
                }
            }
        };
        for c in self.clinics.iter().filter(|c| c.off) {
            add(false, &c.id, &c.codes, &self.clinic_by_code);
        }
        for c in self.doctors.iter().filter(|c| c.off) {
            add(true, &c.id, &c.codes, &self.doctor_by_code);
        }
        out
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
    /// Enabled cards first: a switched-off card's zone still places the bookings already made of
    /// a filial no enabled card names.
    pub fn zones(&self) -> Vec<(String, Tz)> {
        let mut out: Vec<(String, Tz)> = Vec::new();
        let enabled = self.clinics.iter().filter(|c| !c.off);
        for c in enabled.chain(self.clinics.iter().filter(|c| c.off)) {
            let Some(tz) = filled(&c.timezone).and_then(|z| parse_zone(&z)) else {
                continue;
            };
            for code in split_codes(&c.codes) {
                // a switched-off card places only the filials no enabled card names
                let enabled_elsewhere = c.off && self.clinic_by_code.contains_key(code);
                if !enabled_elsewhere && !out.iter().any(|(f, _)| f == code) {
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

/// A code of a switched-off card that no enabled card names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwitchedOff {
    /// A doctor's code (else a clinic's).
    pub doctor: bool,
    /// The switched-off card's id.
    pub card: String,
    pub code: String,
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
    fn a_code_only_on_switched_off_cards_is_switched_off_and_an_enabled_card_wins() {
        let c: Cards = serde_json::from_value(serde_json::json!({
            "clinics": [
                {"id": 10, "codes": "1", "name": "Включена"},
                {"id": 11, "codes": "1, 3", "name": "Выключена", "off": true, "timezone": "Asia/Omsk"}
            ],
            "doctors": [
                {"id": 20, "codes": "0042", "name": "Выключен везде", "off": true},
                {"id": 21, "codes": "2:0042", "name": "Включён в филиале 2"},
                {"id": 22, "codes": "0007", "name": "Включён"},
                {"id": 23, "codes": "1:0007, 0008", "name": "Выключен в филиале 1", "off": true}
            ]
        }))
        .unwrap();
        assert!(!c.filial_off("1"), "an enabled card names 1");
        assert!(c.filial_off("3"));
        assert!(!c.filial_off("9"), "no card at all is not switched off");
        assert_eq!(
            c.clinic("3"),
            None,
            "a switched-off card is no card to show"
        );
        assert_eq!(c.zones(), vec![("3".to_string(), chrono_tz::Asia::Omsk)]);
        assert!(c.doctor_off("1", "0042"));
        assert!(!c.doctor_off("2", "0042"), "his enabled pinned card");
        assert_eq!(c.doctor("1", "0042"), None);
        assert_eq!(c.doctor_view("1", "0042", "Из МИС", &[]).name, "Из МИС");
        assert!(c.doctor_off("1", "0007"), "the pinned card first");
        assert!(!c.doctor_off("2", "0007"));
        assert!(c.doctor_off("5", "0008"));
        assert!(!c.doctor_off("1", "0099"));
        assert!(
            c.closed("3", "0099"),
            "a switched-off filial closes its doctors"
        );
        assert!(!c.closed("2", "0007"));
        let listed: Vec<String> = c
            .switched_off()
            .into_iter()
            .map(|o| format!("{}:{}:{}", o.doctor, o.card, o.code))
            .collect();
        assert_eq!(
            listed,
            [
                "false:11:3",
                "true:20:0042",
                "true:23:1:0007",
                "true:23:0008"
            ]
        );
    }

    #[test]
    fn unknown_card_fields_are_refused() {
        let e = serde_json::from_value::<Cards>(serde_json::json!({"clinics": [{"nmae": "x"}]}));
        assert!(e.is_err());
    }
}
