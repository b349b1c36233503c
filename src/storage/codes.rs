//! Known codes: the site's clinic and doctor cards carry MIS codes (the module reads them and
//! hands them over, see `domain::cards` for how a code cell is written); this compares them with
//! the codes the MIS sends.
//!
//! # What the MIS sends
//! The filials in `Priem_Filial` and the (filial, doctor) pairs in `Priem_Doctor`, as the
//! imports left them (a doctor gone from its filial's snapshot is gone from there too).

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use mysql::prelude::Queryable;

use super::{Result, StorageError, Store};
use crate::domain::cards::pinned;

/// One code of one card.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Card {
    /// The card's id on the site, when known.
    pub id: Option<String>,
    pub code: String,
    /// The card is switched off on the site: its code counts as known (no «нет врача» alert)
    /// but is never reported as missing from the MIS.
    pub off: bool,
}

/// What the comparison found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeReport {
    /// MIS filial codes no clinic card has.
    pub unknown_filials: Vec<String>,
    /// MIS (filial, doctor) codes no doctor card has.
    pub unknown_doctors: Vec<(String, String)>,
    /// Clinic card codes the MIS never sent.
    pub filial_cards_not_in_mis: Vec<Card>,
    /// Doctor card codes the MIS never sent.
    pub doctor_cards_not_in_mis: Vec<Card>,
}

/// One finding, with its text and a stable alert key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeProblem {
    UnknownFilial { filial: String },
    UnknownDoctor { filial: String, doctor: String },
    FilialCardNotInMis(Card),
    DoctorCardNotInMis(Card),
}

impl CodeProblem {
    /// Every kind of finding: the code check's alert kinds.
    pub const KINDS: [&'static str; 4] = [
        "unknown_filial",
        "unknown_doctor",
        "filial_card_not_in_mis",
        "doctor_card_not_in_mis",
    ];

    /// The alert kind, one of [`KINDS`](Self::KINDS).
    pub fn kind(&self) -> &'static str {
        Self::KINDS[match self {
            CodeProblem::UnknownFilial { .. } => 0,
            CodeProblem::UnknownDoctor { .. } => 1,
            CodeProblem::FilialCardNotInMis(_) => 2,
            CodeProblem::DoctorCardNotInMis(_) => 3,
        }]
    }

    /// A stable alert key: `unknown_doctor:1:0042`.
    pub fn key(&self) -> String {
        let what = match self {
            CodeProblem::UnknownFilial { filial } => filial.clone(),
            CodeProblem::UnknownDoctor { filial, doctor } => format!("{filial}:{doctor}"),
            CodeProblem::FilialCardNotInMis(c) | CodeProblem::DoctorCardNotInMis(c) => {
                c.code.clone()
            }
        };
        format!("{}:{what}", self.kind())
    }

    /// What to do about it, in Russian.
    pub fn advice(&self) -> &'static str {
        match self {
            CodeProblem::UnknownFilial { .. } => {
                "Укажите этот код МИС в карточке клиники на сайте или создайте карточку."
            }
            CodeProblem::UnknownDoctor { .. } => {
                "Укажите этот код МИС в карточке врача на сайте или создайте карточку."
            }
            CodeProblem::FilialCardNotInMis(_) | CodeProblem::DoctorCardNotInMis(_) => {
                "Проверьте код МИС в карточке: расписания с таким кодом МИС не присылает."
            }
        }
    }
}

impl fmt::Display for CodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let card = |c: &Card| match &c.id {
            Some(id) => format!(" (карточка № {id})"),
            None => String::new(),
        };
        match self {
            CodeProblem::UnknownFilial { filial } => write!(f, "нет филиала с кодом {filial}"),
            CodeProblem::UnknownDoctor { filial, doctor } => {
                write!(f, "нет врача с кодом {doctor} в филиале {filial}")
            }
            CodeProblem::FilialCardNotInMis(c) => {
                write!(f, "филиала с кодом {}{} нет в данных МИС", c.code, card(c))
            }
            CodeProblem::DoctorCardNotInMis(c) => {
                write!(f, "врача с кодом {}{} нет в данных МИС", c.code, card(c))
            }
        }
    }
}

impl CodeReport {
    pub fn is_clean(&self) -> bool {
        self.problems().is_empty()
    }

    /// Every finding, MIS codes without cards first.
    pub fn problems(&self) -> Vec<CodeProblem> {
        let mut out = Vec::new();
        out.extend(
            self.unknown_filials
                .iter()
                .map(|f| CodeProblem::UnknownFilial { filial: f.clone() }),
        );
        out.extend(
            self.unknown_doctors
                .iter()
                .map(|(f, d)| CodeProblem::UnknownDoctor {
                    filial: f.clone(),
                    doctor: d.clone(),
                }),
        );
        out.extend(
            self.filial_cards_not_in_mis
                .iter()
                .cloned()
                .map(CodeProblem::FilialCardNotInMis),
        );
        out.extend(
            self.doctor_cards_not_in_mis
                .iter()
                .cloned()
                .map(CodeProblem::DoctorCardNotInMis),
        );
        out
    }
}

impl Store {
    /// Compares the MIS codes the imports stored with the codes on the site's cards.
    pub fn unknown_codes(
        &self,
        filial_cards: &[Card],
        doctor_cards: &[Card],
    ) -> Result<CodeReport> {
        let mut conn = self.conn()?;
        let mis_filials: Vec<String> = conn
            .query("SELECT code FROM Priem_Filial ORDER BY code")
            .map_err(|e| StorageError::query("коды МИС: чтение филиалов", e))?;
        let mis_doctors: Vec<(String, String)> = conn
            .query("SELECT filial, code FROM Priem_Doctor ORDER BY filial, code")
            .map_err(|e| StorageError::query("коды МИС: чтение врачей", e))?;
        Ok(compare(
            &mis_filials,
            &mis_doctors,
            filial_cards,
            doctor_cards,
        ))
    }
}

/// The comparison itself (see the module docs for the rules).
pub(crate) fn compare(
    mis_filials: &[String],
    mis_doctors: &[(String, String)],
    filial_cards: &[Card],
    doctor_cards: &[Card],
) -> CodeReport {
    let filial_codes: HashSet<&str> = filial_cards.iter().map(|c| c.code.as_str()).collect();
    // a filial switched off on the site: its doctors are not on the site either
    let filial_off = |f: &str| {
        filial_cards.iter().any(|c| c.off && c.code == f)
            && !filial_cards.iter().any(|c| !c.off && c.code == f)
    };
    let doctor_codes: HashSet<&str> = doctor_cards.iter().map(|c| c.code.as_str()).collect();
    let mis_filial_set: HashSet<&str> = mis_filials.iter().map(String::as_str).collect();
    let mis_doctor_codes: HashSet<&str> = mis_doctors.iter().map(|(_, d)| d.as_str()).collect();
    let mis_pairs: HashSet<(&str, &str)> = mis_doctors
        .iter()
        .map(|(f, d)| (f.as_str(), d.as_str()))
        .collect();

    let unknown_filials: BTreeSet<String> = mis_filials
        .iter()
        .filter(|f| !filial_codes.contains(f.as_str()))
        .cloned()
        .collect();
    let unknown_doctors: BTreeSet<(String, String)> = mis_doctors
        .iter()
        .filter(|(f, d)| {
            !filial_off(f)
                && !doctor_codes.contains(d.as_str())
                && !doctor_codes.contains(format!("{f}:{d}").as_str())
        })
        .cloned()
        .collect();
    let doctor_in_mis = |code: &str| match pinned(code) {
        Some((f, d)) if !mis_doctor_codes.contains(code) => mis_pairs.contains(&(f, d)),
        _ => mis_doctor_codes.contains(code),
    };
    let mut filial_cards_not_in_mis: Vec<Card> = filial_cards
        .iter()
        .filter(|c| !c.off && !mis_filial_set.contains(c.code.as_str()))
        .cloned()
        .collect();
    filial_cards_not_in_mis.sort();
    filial_cards_not_in_mis.dedup();
    let mut doctor_cards_not_in_mis: Vec<Card> = doctor_cards
        .iter()
        .filter(|c| !c.off && !doctor_in_mis(&c.code))
        .cloned()
        .collect();
    doctor_cards_not_in_mis.sort();
    doctor_cards_not_in_mis.dedup();
    CodeReport {
        unknown_filials: unknown_filials.into_iter().collect(),
        unknown_doctors: unknown_doctors.into_iter().collect(),
        filial_cards_not_in_mis,
        doctor_cards_not_in_mis,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(id: &str, code: &str) -> Card {
        Card {
            id: Some(id.into()),
            code: code.into(),
            off: false,
        }
    }

    fn off(id: &str, code: &str) -> Card {
        Card {
            off: true,
            ..card(id, code)
        }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn reports_both_directions_with_russian_texts() {
        let doctors = vec![
            ("1".to_string(), "0001".to_string()),
            ("1".to_string(), "0042".to_string()),
            ("2".to_string(), "0001".to_string()),
            ("2".to_string(), "0007".to_string()),
        ];
        let r = compare(
            &s(&["1", "2", "3"]),
            &doctors,
            &[card("10", "1"), card("11", "2"), card("12", "9")],
            &[
                card("20", "0001"),
                card("21", "2:0007"),
                card("22", "0099"),
                card("23", "3:0001"),
            ],
        );
        assert_eq!(r.unknown_filials, s(&["3"]));
        assert_eq!(
            r.unknown_doctors,
            vec![("1".to_string(), "0042".to_string())]
        );
        assert_eq!(r.filial_cards_not_in_mis, vec![card("12", "9")]);
        assert_eq!(
            r.doctor_cards_not_in_mis,
            vec![card("22", "0099"), card("23", "3:0001")]
        );
        let texts: Vec<String> = r.problems().iter().map(|p| p.to_string()).collect();
        assert_eq!(texts[0], "нет филиала с кодом 3");
        assert_eq!(texts[1], "нет врача с кодом 0042 в филиале 1");
        assert_eq!(
            texts[2],
            "филиала с кодом 9 (карточка № 12) нет в данных МИС"
        );
        assert_eq!(r.problems()[1].key(), "unknown_doctor:1:0042");
        assert!(!r.is_clean());
    }

    #[test]
    fn a_code_on_a_switched_off_card_is_known_and_never_missing_from_the_mis() {
        let doctors = vec![
            ("1".to_string(), "0042".to_string()),
            ("2".to_string(), "0001".to_string()),
            ("3".to_string(), "0005".to_string()),
        ];
        let r = compare(
            &s(&["1", "2", "3"]),
            &doctors,
            &[
                card("10", "1"),
                off("11", "2"),
                off("12", "9"),
                card("13", "3"),
            ],
            &[off("20", "0042"), off("21", "0099"), card("22", "0005")],
        );
        assert!(r.is_clean(), "{:?}", r.problems());
        let r = compare(&s(&["2"]), &doctors[1..2], &[], &[]);
        assert_eq!(r.unknown_filials, s(&["2"]));
        assert_eq!(
            r.unknown_doctors.len(),
            1,
            "no card at all still asks for one"
        );
    }

    #[test]
    fn codes_are_compared_exactly() {
        let r = compare(&s(&["01"]), &[], &[card("1", "1")], &[]);
        assert_eq!(r.unknown_filials, s(&["01"]));
        assert_eq!(r.filial_cards_not_in_mis, vec![card("1", "1")]);
    }
}
