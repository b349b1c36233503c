//! The schedule the site uploads to ProDoctorov (mis-exchange.md §4): the §1.1 document
//! rebuilt from the imported schedule, written in the order given (filials, then doctors,
//! then cells by time), so the same schedule always gives the same bytes — and the same
//! digest, which is how an unchanged schedule is not sent again.

use chrono::NaiveDate;

use super::scalar::json_quote;
use crate::time::{hhmm, Minute};

/// One cell as exported: the filial's local date and times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCell {
    pub date: NaiveDate,
    pub start: Minute,
    pub end: Minute,
    /// `false` for a time taken in the MIS, held or booked on the site, or too soon to book.
    pub free: bool,
    pub room: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportDoctor {
    pub code: String,
    /// `efio`.
    pub name: String,
    /// `espec`: the specialties joined with ", ".
    pub specialty: String,
    pub cells: Vec<ExportCell>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFilial {
    pub code: String,
    /// `None`: the MIS sent no name; the `"<code>": "<name>"` pair is left out.
    pub name: Option<String>,
    pub doctors: Vec<ExportDoctor>,
}

/// The document to upload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    pub filials: Vec<ExportFilial>,
}

impl Export {
    pub fn doctors(&self) -> usize {
        self.filials.iter().map(|f| f.doctors.len()).sum()
    }

    pub fn cells(&self) -> usize {
        self.filials
            .iter()
            .flat_map(|f| &f.doctors)
            .map(|d| d.cells.len())
            .sum()
    }

    /// The §1.1 document: `{"<filial>": "<name>", …, "data": {"<filial>": {"<doctor>":
    /// {"efio", "espec", "cells": [{"dt", "time_start", "time_end", "free", "room"}]}}}}`.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(64 + self.cells() * 80);
        out.push('{');
        for f in &self.filials {
            if let Some(name) = &f.name {
                out.push_str(&json_quote(&f.code));
                out.push(':');
                out.push_str(&json_quote(name));
                out.push(',');
            }
        }
        out.push_str("\"data\":{");
        for (i, f) in self.filials.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&json_quote(&f.code));
            out.push_str(":{");
            for (j, d) in f.doctors.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                out.push_str(&json_quote(&d.code));
                out.push_str(":{\"efio\":");
                out.push_str(&json_quote(&d.name));
                out.push_str(",\"espec\":");
                out.push_str(&json_quote(&d.specialty));
                out.push_str(",\"cells\":[");
                for (k, c) in d.cells.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    out.push_str("{\"dt\":\"");
                    out.push_str(&c.date.format("%Y-%m-%d").to_string());
                    out.push_str("\",\"time_start\":\"");
                    out.push_str(&hhmm(c.start));
                    out.push_str("\",\"time_end\":\"");
                    out.push_str(&hhmm(c.end));
                    out.push_str("\",\"free\":");
                    out.push_str(if c.free { "true" } else { "false" });
                    out.push_str(",\"room\":");
                    out.push_str(&json_quote(&c.room));
                    out.push('}');
                }
                out.push_str("]}");
            }
            out.push('}');
        }
        out.push_str("}}");
        out
    }
}

/// The v2 body: `{"schedule": <document>}`.
pub fn wrap_v2(document: &str) -> String {
    format!("{{\"schedule\":{document}}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Export {
        Export {
            filials: vec![
                ExportFilial {
                    code: "1".into(),
                    name: Some("Клиника \"на\" Ленина".into()),
                    doctors: vec![ExportDoctor {
                        code: "0001".into(),
                        name: "Иванова Мария Петровна".into(),
                        specialty: "Кардиолог".into(),
                        cells: vec![
                            ExportCell {
                                date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                                start: 540,
                                end: 570,
                                free: true,
                                room: "12".into(),
                            },
                            ExportCell {
                                date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                                start: 570,
                                end: 600,
                                free: false,
                                room: String::new(),
                            },
                        ],
                    }],
                },
                ExportFilial {
                    code: "02".into(),
                    name: None,
                    doctors: vec![],
                },
            ],
        }
    }

    #[test]
    fn writes_the_prodoctorov_document_shape() {
        let text = sample().to_json();
        assert_eq!(
            text,
            r#"{"1":"Клиника \"на\" Ленина","data":{"1":{"0001":{"efio":"Иванова Мария Петровна","espec":"Кардиолог","cells":[{"dt":"2026-12-01","time_start":"09:00","time_end":"09:30","free":true,"room":"12"},{"dt":"2026-12-01","time_start":"09:30","time_end":"10:00","free":false,"room":""}]}},"02":{}}}"#
        );
        // What the site exports, the site (and any ProDoctorov reader) imports.
        let doc = crate::wire::schedule::parse(&text).unwrap();
        assert!(doc.rejected.is_empty());
        let v: serde_json::Value = serde_json::from_str(&wrap_v2(&text)).unwrap();
        assert_eq!(
            v["schedule"]["data"]["1"]["0001"]["cells"][1]["free"],
            false
        );
    }

    #[test]
    fn counts_doctors_and_cells() {
        let e = sample();
        assert_eq!((e.doctors(), e.cells()), (1, 2));
        assert_eq!(Export::default().to_json(), r#"{"data":{}}"#);
    }
}
