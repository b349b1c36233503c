//! The ProDoctorov schedule document (mis-exchange.md §1.1), read in one pass with the
//! exact place and reason of every error.
//!
//! # Accepted variants
//! - the plain document `{"<filial>": "<name>", …, "data": {…}}`;
//! - the same wrapped as `{"schedule": {…}}` (ProDoctorov API v2 body);
//! - a JSON array of documents (one per filial, say), also inside `{"schedule": […]}`;
//! - filial-name pairs missing, `efio`/`espec`/`room` missing, `espec` `""`, unknown fields
//!   anywhere (ignored). Ids are kept as strings: `"0001"` stays `"0001"`.
//!
//! # What rejects what
//! The **whole document** is rejected (nothing may be imported from it) when:
//! - it is not JSON, or its top level is neither an object nor an array of objects (a UTF-8
//!   byte order mark before it is skipped);
//! - a document has no `data`, `data` is not an object, or `data` appears twice in it;
//! - a filial under `data` is not an object.
//!
//! **One doctor** in one filial is rejected (the rest of the document is fine, and the
//! doctor's previously imported schedule must be kept, not replaced) when:
//! - the doctor is not an object, `cells` is missing or not an array, `efio`/`espec` is not a
//!   string;
//! - the doctor is listed twice in one filial (in one document or across an array of them).
//!
//! **One cell** is left out ([`Document::bad_cells`]; the doctor's other cells are imported and
//! replace his schedule, so the bad cell's time is simply not offered) when:
//! - it is not an object, lacks `dt`/`time_start`/`time_end`/`free`, has a bad date or time
//!   (`YYYY-MM-DD`, `HH:MM` 24 h; `H:MM` and `HH:MM:SS` are read too; `null` is bad — a public
//!   exporter writes `"time_end": null` for a day's last step), a `free` that is not a JSON
//!   boolean, a `room` that is not a string or number, or `time_start >= time_end`;
//! - it overlaps another cell of the doctor (identical cells included): both are left out.

use std::borrow::Cow;

use chrono::NaiveDate;
use serde::de::{DeserializeSeed, Deserializer};
use thiserror::Error;

use super::scalar::{json_error, json_quote, ObjectOr, Scalar, MISSING};
use crate::time::{hhmm, parse_date, parse_time, Minute};
use raw::TopVisitor;
use raw::{DoctorVisitor, Names, ObjectSeed, RawCellFields, RawCells, RawDoc, RawDoctor, Top};

mod raw;

/// A document that cannot be imported at all.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DocumentError {
    /// The text is not JSON (or not UTF-8): why, in Russian, with line and column.
    #[error("не JSON: {0}")]
    NotJson(String),
    /// The JSON is not shaped like a schedule document; `path` says where.
    #[error("{path}: {reason}")]
    Shape { path: String, reason: String },
}

/// One doctor of one filial, or one cell of a doctor, that was left out of the document, and
/// why.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("{path}: {reason}")]
pub struct DoctorError {
    pub filial: String,
    pub doctor: String,
    /// Where, e.g. `data["1"]["0001"]` for a doctor, `data["1"]["0001"].cells[17].time_start`
    /// for a cell.
    pub path: String,
    /// Why, in Russian, e.g. `"9:60" — не время ЧЧ:ММ`.
    pub reason: String,
}

/// One slot as the MIS sent it: local wall-clock time of the filial.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell<'a> {
    /// Its position in the doctor's `cells` array as sent (for messages).
    pub index: u32,
    pub date: NaiveDate,
    pub start: Minute,
    pub end: Minute,
    pub free: bool,
    pub room: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doctor<'a> {
    pub code: Cow<'a, str>,
    /// Where the doctor stands in the document, e.g. `data["1"]["0001"]`, for later errors.
    pub path: String,
    /// `efio`, `""` when missing.
    pub name: Cow<'a, str>,
    /// `espec` as sent (free text, possibly a comma-separated list), `""` when missing.
    pub specialty: Cow<'a, str>,
    /// The good cells, in the order sent.
    pub cells: Vec<Cell<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Filial<'a> {
    pub code: Cow<'a, str>,
    /// From the top-level `"<code>": "<name>"` pair, when there is one.
    pub name: Option<Cow<'a, str>>,
    /// The doctors that passed; rejected ones are in [`Document::rejected`].
    pub doctors: Vec<Doctor<'a>>,
}

/// A parsed document: the filials it lists (in order of appearance), the doctors that were
/// rejected and the cells that were left out. Every filial listed here is "in the snapshot" for
/// the replacement rule, even if all of its doctors were rejected or it has none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document<'a> {
    pub filials: Vec<Filial<'a>>,
    pub rejected: Vec<DoctorError>,
    /// Cells left out of doctors that are imported, in document order.
    pub bad_cells: Vec<DoctorError>,
}

impl<'a> Document<'a> {
    pub fn cell_count(&self) -> usize {
        self.filials
            .iter()
            .flat_map(|f| &f.doctors)
            .map(|d| d.cells.len())
            .sum()
    }

    pub fn filial(&self, code: &str) -> Option<&Filial<'a>> {
        self.filials.iter().find(|f| f.code == code)
    }
}

/// Parses a schedule document. See the module docs for what rejects the document, what
/// rejects one doctor and what leaves out one cell.
pub fn parse(json: &str) -> Result<Document<'_>, DocumentError> {
    let o = outline(json)?;
    let mut out = Document {
        filials: o
            .filials
            .iter()
            .map(|f| Filial {
                code: f.code.clone(),
                name: f.name.clone(),
                doctors: Vec::new(),
            })
            .collect(),
        ..Document::default()
    };
    for d in &o.doctors {
        match d.read() {
            Read::Doctor(doc, bad) => {
                out.filials[d.filial].doctors.push(doc);
                out.bad_cells.extend(bad);
            }
            Read::Rejected(r) => out.rejected.push(r),
            Read::Skipped => {}
        }
    }
    Ok(out)
}

/// Parses bytes that should be UTF-8 JSON.
pub fn parse_bytes(bytes: &[u8]) -> Result<Document<'_>, DocumentError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        DocumentError::NotJson(format!(
            "текст не в кодировке UTF-8 (неверный байт на позиции {})",
            e.valid_up_to()
        ))
    })?;
    parse(text)
}

/// A document read only as far as its doctors: the filials it lists (in order of appearance),
/// and every doctor listed, in document order, with the JSON text of his object, not yet read.
/// Everything that rejects the whole document has been checked; a doctor is read by
/// [`Listed::read`], one at a time, so a whole schedule is never held parsed.
#[derive(Debug, Default)]
pub struct Outline<'a> {
    pub filials: Vec<OutlineFilial<'a>>,
    pub doctors: Vec<Listed<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutlineFilial<'a> {
    pub code: Cow<'a, str>,
    /// From the top-level `"<code>": "<name>"` pair, when there is one.
    pub name: Option<Cow<'a, str>>,
}

/// One doctor as listed in the document.
#[derive(Debug)]
pub struct Listed<'a> {
    /// Index into [`Outline::filials`].
    pub filial: usize,
    pub code: Cow<'a, str>,
    /// Where the doctor stands in the document, e.g. `data["1"]["0001"]`.
    pub path: String,
    /// The doctor's value as sent (the bytes of the document).
    pub json: &'a str,
    pub copies: Copies,
    filial_code: Cow<'a, str>,
}

/// Whether a doctor is listed once in his filial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copies {
    One,
    /// The first of several: not imported; rejected only if it is wrong itself.
    FirstOfMany,
    /// A later copy: rejected as "listed twice".
    Repeat,
}

/// What reading a listed doctor gives.
#[derive(Debug)]
pub enum Read<'a> {
    /// The doctor to import, and the cells left out of him.
    Doctor(Doctor<'a>, Vec<DoctorError>),
    /// Left out: his previously imported schedule stays.
    Rejected(DoctorError),
    /// The first copy of a doctor listed twice, itself fine: the repeat is the rejection.
    Skipped,
}

const TWICE: &str = "врач указан в этом филиале дважды";

impl<'a> Listed<'a> {
    /// Reads the doctor (see the module docs for what rejects him and what leaves out a cell).
    pub fn read(&self) -> Read<'a> {
        let reject = |path: String, reason: String| DoctorError {
            filial: self.filial_code.to_string(),
            doctor: self.code.to_string(),
            path,
            reason,
        };
        if self.copies == Copies::Repeat {
            return Read::Rejected(reject(self.path.clone(), TWICE.into()));
        }
        let mut de = serde_json::Deserializer::from_str(self.json);
        let raw = match ObjectSeed(DoctorVisitor).deserialize(&mut de) {
            Ok(raw) => raw,
            // The outline read this text as JSON already: only a broken invariant gets here.
            Err(e) => return Read::Rejected(reject(self.path.clone(), json_error(&e))),
        };
        match assemble_doctor(self.code.clone(), raw, &self.path) {
            Ok(_) if self.copies == Copies::FirstOfMany => Read::Skipped,
            Ok((d, bad)) => Read::Doctor(
                d,
                bad.into_iter()
                    .map(|(p, reason)| reject(p, reason))
                    .collect(),
            ),
            Err((p, reason)) => Read::Rejected(reject(p, reason)),
        }
    }
}

/// Reads a document's outline: checks everything that rejects the whole document and finds
/// each doctor's text, without reading the doctors.
pub fn outline(json: &str) -> Result<Outline<'_>, DocumentError> {
    // Windows tools (1C, Notepad) often start UTF-8 files with a byte order mark.
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    let mut de = serde_json::Deserializer::from_str(json);
    let top = de
        .deserialize_any(TopVisitor)
        .map_err(|e| DocumentError::NotJson(json_error(&e)))?;
    de.end()
        .map_err(|e| DocumentError::NotJson(json_error(&e)))?;
    let mut out = Outline::default();
    let mut names = Vec::new();
    assemble(top, String::new(), &mut out, &mut names)?;
    // A name pair may stand in another document of an array, or outside a wrapper.
    for (code, name) in names {
        if let Some(f) = out.filials.iter_mut().find(|f| f.code == code) {
            if f.name.is_none() {
                f.name = Some(name);
            }
        }
    }
    // A doctor listed more than once in a filial: no copy is imported.
    let mut seen: std::collections::HashMap<(usize, &str), usize> =
        std::collections::HashMap::with_capacity(out.doctors.len());
    let mut marks = Vec::new();
    for (i, d) in out.doctors.iter().enumerate() {
        match seen.get(&(d.filial, &*d.code)) {
            Some(&first) => marks.push((first, i)),
            None => {
                seen.insert((d.filial, &d.code), i);
            }
        }
    }
    for (first, repeat) in marks {
        out.doctors[first].copies = Copies::FirstOfMany;
        out.doctors[repeat].copies = Copies::Repeat;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Assembly: raw shapes → Outline, with paths.

fn assemble<'a>(
    top: Top<'a>,
    path: String,
    out: &mut Outline<'a>,
    names: &mut Names<'a>,
) -> Result<(), DocumentError> {
    match top {
        Top::One(doc) => assemble_doc(doc, path, out, names),
        Top::Many(docs) => {
            for (i, doc) in docs.into_iter().enumerate() {
                let p = format!("{path}[{i}]");
                match doc {
                    ObjectOr::Object(doc) => assemble_doc(doc, p, out, names)?,
                    ObjectOr::Other(kind) => {
                        return Err(shape(
                            p,
                            format!("ожидался объект расписания, получено: {kind}"),
                        ))
                    }
                }
            }
            Ok(())
        }
        Top::Other(kind) => Err(shape(
            root(&path),
            format!("ожидался объект расписания или массив таких объектов, получено: {kind}"),
        )),
    }
}

fn root(path: &str) -> String {
    if path.is_empty() {
        "(document)".into()
    } else {
        path.into()
    }
}

fn shape(path: String, reason: String) -> DocumentError {
    DocumentError::Shape { path, reason }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

fn assemble_doc<'a>(
    doc: RawDoc<'a>,
    path: String,
    out: &mut Outline<'a>,
    names: &mut Names<'a>,
) -> Result<(), DocumentError> {
    if doc.data_twice {
        return Err(shape(
            join(&path, "data"),
            "поле \"data\" встречается в документе дважды".into(),
        ));
    }
    let doc_names = doc.names;
    let data =
        match (doc.data, doc.schedule) {
            (Some(data), _) => data,
            (None, Some(inner)) => {
                names.extend(doc_names);
                return assemble(*inner, join(&path, "schedule"), out, names);
            }
            (None, None) => return Err(shape(
                root(&path),
                "нет объекта \"data\" (ожидалось {\"<филиал>\": \"<название>\", \"data\": {…}})"
                    .into(),
            )),
        };
    let data_path = join(&path, "data");
    let filials = match data {
        ObjectOr::Object(f) => f,
        ObjectOr::Other(kind) => {
            return Err(shape(
                data_path,
                format!("ожидался объект, получено: {kind}"),
            ))
        }
    };
    for (code, raw) in filials {
        let fpath = format!("{data_path}[{}]", json_quote(&code));
        let doctors = match raw {
            ObjectOr::Object(d) => d,
            ObjectOr::Other(kind) => {
                return Err(shape(
                    fpath,
                    format!("ожидался объект с врачами, получено: {kind}"),
                ))
            }
        };
        let fi = match out.filials.iter().position(|f| f.code == code) {
            Some(i) => i,
            None => {
                let name = doc_names
                    .iter()
                    .find(|(k, _)| *k == code)
                    .map(|(_, v)| v.clone());
                out.filials.push(OutlineFilial {
                    code: code.clone(),
                    name,
                });
                out.filials.len() - 1
            }
        };
        for (dcode, json) in doctors {
            out.doctors.push(Listed {
                filial: fi,
                path: format!("{fpath}[{}]", json_quote(&dcode)),
                code: dcode,
                json: json.get(),
                copies: Copies::One,
                filial_code: code.clone(),
            });
        }
    }
    names.extend(doc_names);
    Ok(())
}

fn text_field<'a>(
    v: Option<Scalar<'a>>,
    path: &str,
    field: &str,
) -> Result<Cow<'a, str>, (String, String)> {
    match v {
        None | Some(Scalar::Null) => Ok(Cow::Borrowed("")),
        Some(Scalar::Str(s)) => Ok(s),
        Some(other) => Err((
            format!("{path}.{field}"),
            format!("ожидалась строка, получено: {}", other.describe()),
        )),
    }
}

/// A (path, reason) of what is wrong.
type Wrong = (String, String);

/// The doctor with his good cells, and the bad cells left out; `Err` when the doctor himself is
/// wrong.
fn assemble_doctor<'a>(
    code: Cow<'a, str>,
    raw: ObjectOr<RawDoctor<'a>>,
    path: &str,
) -> Result<(Doctor<'a>, Vec<Wrong>), Wrong> {
    let raw = match raw {
        ObjectOr::Object(r) => r,
        ObjectOr::Other(kind) => {
            return Err((
                path.to_owned(),
                format!("ожидался объект врача, получено: {kind}"),
            ))
        }
    };
    let name = text_field(raw.efio, path, "efio")?;
    let specialty = text_field(raw.espec, path, "espec")?;
    let (mut cells, bad) = match raw.cells {
        None => return Err((format!("{path}.cells"), MISSING.into())),
        Some(RawCells::Other(kind)) => {
            return Err((
                format!("{path}.cells"),
                format!("ожидался массив, получено: {kind}"),
            ))
        }
        Some(RawCells::List { cells, bad }) => (cells, bad),
    };
    let mut bad: Vec<(usize, Wrong)> = bad
        .into_iter()
        .map(|(i, field, reason)| (i, (format!("{path}.cells[{i}]{field}"), reason)))
        .collect();
    let overlapping = overlaps(&cells);
    if !overlapping.is_empty() {
        for &(k, other) in &overlapping {
            let (c, o) = (&cells[k], &cells[other]);
            bad.push((
                c.index as usize,
                (
                    format!("{path}.cells[{}]", c.index),
                    format!(
                        "{} {}–{} пересекается с cells[{}] {}–{}",
                        c.date,
                        hhmm(c.start),
                        hhmm(c.end),
                        o.index,
                        hhmm(o.start),
                        hhmm(o.end)
                    ),
                ),
            ));
        }
        let mut k = 0;
        cells.retain(|_| {
            k += 1;
            overlapping
                .binary_search_by_key(&(k - 1), |&(i, _)| i)
                .is_err()
        });
        bad.sort_by_key(|(i, _)| *i);
    }
    Ok((
        Doctor {
            code,
            path: path.to_owned(),
            name,
            specialty,
            cells,
        },
        bad.into_iter().map(|(_, w)| w).collect(),
    ))
}

/// The cells that overlap another cell of the list, each with one it overlaps: `(position,
/// other position)`, by position.
fn overlaps(cells: &[Cell]) -> Vec<(usize, usize)> {
    let key = |c: &Cell| (c.date, c.start, c.end);
    let sorted = cells.windows(2).all(|w| key(&w[0]) <= key(&w[1]));
    let order: Vec<usize> = if sorted {
        (0..cells.len()).collect()
    } else {
        let mut o: Vec<usize> = (0..cells.len()).collect();
        o.sort_by_key(|&i| (key(&cells[i]), i));
        o
    };
    // Sweep by start, keeping the cell that reaches furthest: a cell starting before it ends
    // overlaps it. Every overlapping pair is found this way (the earlier cell of a pair is
    // either that furthest cell or overlapped by it).
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut furthest: Option<usize> = None;
    for &i in &order {
        let c = &cells[i];
        match furthest {
            Some(f) if cells[f].date == c.date && c.start < cells[f].end => {
                found.push((i, f));
                found.push((f, i));
                if c.end > cells[f].end {
                    furthest = Some(i);
                }
            }
            _ => furthest = Some(i),
        }
    }
    found.sort_unstable();
    found.dedup_by_key(|(i, _)| *i);
    found
}

fn read_cell<'a>(raw: RawCellFields<'a>, index: u32) -> Result<Cell<'a>, (&'static str, String)> {
    fn required<'a>(
        v: Option<Scalar<'a>>,
        field: &'static str,
    ) -> Result<Scalar<'a>, (&'static str, String)> {
        v.ok_or((field, MISSING.to_owned()))
    }
    let dt = required(raw.dt, ".dt")?;
    let date = dt
        .as_str()
        .and_then(parse_date)
        .ok_or_else(|| (".dt", format!("{} — не дата ГГГГ-ММ-ДД", dt.describe())))?;
    let time = |v: Option<Scalar<'a>>, field: &'static str| {
        let v = required(v, field)?;
        v.as_str()
            .and_then(parse_time)
            .ok_or_else(|| (field, format!("{} — не время ЧЧ:ММ", v.describe())))
    };
    let start = time(raw.time_start, ".time_start")?;
    let end = time(raw.time_end, ".time_end")?;
    let free = match required(raw.free, ".free")? {
        Scalar::Bool(b) => b,
        other => {
            return Err((
                ".free",
                format!("ожидалось true или false, получено: {}", other.describe()),
            ))
        }
    };
    let room = match raw.room {
        None | Some(Scalar::Null) => Cow::Borrowed(""),
        Some(Scalar::Str(s)) => s,
        Some(Scalar::Int(i)) => Cow::Owned(i.to_string()),
        Some(Scalar::Float(f)) => Cow::Owned(f.to_string()),
        Some(other) => {
            return Err((
                ".room",
                format!("ожидалась строка, получено: {}", other.describe()),
            ))
        }
    };
    if start >= end {
        return Err((
            "",
            format!(
                "time_start {} не раньше time_end {}",
                hhmm(start),
                hhmm(end)
            ),
        ));
    }
    Ok(Cell {
        index,
        date,
        start,
        end,
        free,
        room,
    })
}
