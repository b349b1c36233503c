//! The ProDoctorov connector's storage (`sql/003_prodoctorov.sql`): the upload log
//! (`Priem_Upload`), and the stored schedule read back whole for the export, held and booked
//! times marked taken.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use mysql::prelude::Queryable;
use mysql::Value;

use super::{check_len, db_time, exec, Result, StorageError, Store};
use crate::wire::export::{Export, ExportCell, ExportDoctor, ExportFilial};

/// Where a doctor's cells go in the export: (filial, doctor) positions, `None` when not exported.
type Position = Option<(usize, usize)>;

/// How long upload rows are kept.
const KEEP_DAYS: i64 = 90;

/// How an upload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UploadOutcome {
    /// ProDoctorov answered 2xx.
    Ok,
    /// No answer, or not a 2xx one.
    Failed,
    /// Nothing sent: the document is the one last uploaded successfully.
    Unchanged,
}

impl UploadOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadOutcome::Ok => "ok",
            UploadOutcome::Failed => "failed",
            UploadOutcome::Unchanged => "unchanged",
        }
    }

    pub fn parse(s: &str) -> Option<UploadOutcome> {
        Some(match s {
            "ok" => UploadOutcome::Ok,
            "failed" => UploadOutcome::Failed,
            "unchanged" => UploadOutcome::Unchanged,
            _ => return None,
        })
    }
}

/// An upload to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUpload {
    pub started_at: DateTime<Utc>,
    /// `old` or `v2`.
    pub api: &'static str,
    /// The URL's host only.
    pub host: String,
    pub outcome: UploadOutcome,
    pub bytes: u64,
    /// sha256 (hex) of the API, the URL and the document.
    pub digest: String,
    pub filials: u32,
    pub doctors: u32,
    pub cells: u32,
    pub http_status: Option<u16>,
    /// The start of the answer, or the error (never a credential).
    pub answer: Option<String>,
    pub seconds: f64,
}

/// A recorded upload.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRecord {
    pub id: u64,
    pub started_at: DateTime<Utc>,
    pub api: String,
    pub host: String,
    pub outcome: UploadOutcome,
    pub bytes: u64,
    pub digest: String,
    pub filials: u32,
    pub doctors: u32,
    pub cells: u32,
    pub http_status: Option<u16>,
    pub answer: Option<String>,
    pub seconds: f64,
}

const COLUMNS: &str = "id, started_at, api, host, outcome, bytes, digest, filials, doctors, \
    cells, http_status, answer, seconds";

fn record(mut row: mysql::Row) -> Result<UploadRecord> {
    fn take<T: mysql::prelude::FromValue>(row: &mut mysql::Row, i: usize, name: &str) -> Result<T> {
        row.take_opt::<T, usize>(i)
            .ok_or_else(|| corrupt(format!("column {name} missing")))?
            .map_err(|e| corrupt(format!("column {name}: {e}")))
    }
    let id: u64 = take(&mut row, 0, "id")?;
    let outcome: String = take(&mut row, 4, "outcome")?;
    Ok(UploadRecord {
        id,
        started_at: take::<NaiveDateTime>(&mut row, 1, "started_at")?.and_utc(),
        api: take(&mut row, 2, "api")?,
        host: take(&mut row, 3, "host")?,
        outcome: UploadOutcome::parse(&outcome)
            .ok_or_else(|| corrupt(format!("upload {id}: unknown outcome {outcome:?}")))?,
        bytes: take(&mut row, 5, "bytes")?,
        digest: take(&mut row, 6, "digest")?,
        filials: take(&mut row, 7, "filials")?,
        doctors: take(&mut row, 8, "doctors")?,
        cells: take(&mut row, 9, "cells")?,
        http_status: take(&mut row, 10, "http_status")?,
        answer: take(&mut row, 11, "answer")?,
        seconds: take(&mut row, 12, "seconds")?,
    })
}

fn corrupt(message: String) -> StorageError {
    StorageError::Corrupt {
        table: "Priem_Upload",
        message,
    }
}

impl Store {
    /// Records an upload (and forgets those older than 90 days); returns its id.
    pub fn record_upload(&self, u: &NewUpload) -> Result<u64> {
        check_len(|| "сервер выгрузки".into(), &u.host, 255)?;
        check_len(|| "отпечаток выгрузки".into(), &u.digest, 64)?;
        let answer: Option<String> = u.answer.as_ref().map(|a| a.chars().take(500).collect());
        let mut conn = self.conn()?;
        let id = conn
            .exec_iter(
                "INSERT INTO Priem_Upload (started_at, api, host, outcome, bytes, digest, filials, \
                 doctors, cells, http_status, answer, seconds) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    db_time(u.started_at),
                    u.api,
                    &u.host,
                    u.outcome.as_str(),
                    u.bytes.min(u64::from(u32::MAX)),
                    &u.digest,
                    u.filials,
                    u.doctors,
                    u.cells,
                    u.http_status,
                    answer,
                    u.seconds,
                ),
            )
            .map_err(|e| StorageError::query("выгрузки: учёт", e))?
            .last_insert_id()
            .ok_or_else(|| StorageError::Corrupt {
                table: "Priem_Upload",
                message: "no id for the inserted upload".into(),
            })?;
        exec(
            &mut conn,
            "выгрузки: очистка",
            "DELETE FROM Priem_Upload WHERE started_at < ?",
            vec![db_time(u.started_at - chrono::Duration::days(KEEP_DAYS)).into()],
        )?;
        Ok(id)
    }

    /// The newest uploads first.
    pub fn recent_uploads(&self, limit: u32) -> Result<Vec<UploadRecord>> {
        self.uploads_where("1 = 1 ORDER BY id DESC LIMIT ?", vec![limit.into()])
    }

    /// The newest upload of any outcome: when the next one is due.
    pub fn last_upload(&self) -> Result<Option<UploadRecord>> {
        Ok(self.recent_uploads(1)?.into_iter().next())
    }

    /// The newest successful upload: its digest says whether anything changed since.
    pub fn last_successful_upload(&self) -> Result<Option<UploadRecord>> {
        Ok(self
            .uploads_where("outcome = 'ok' ORDER BY id DESC LIMIT 1", Vec::new())?
            .into_iter()
            .next())
    }

    fn uploads_where(&self, condition: &str, params: Vec<Value>) -> Result<Vec<UploadRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<mysql::Row> = conn
            .exec(
                format!("SELECT {COLUMNS} FROM Priem_Upload WHERE {condition}"),
                params,
            )
            .map_err(|e| StorageError::query("выгрузки: список", e))?;
        rows.into_iter().map(record).collect()
    }

    /// The whole stored schedule starting in `[from, to)` as the export document: every filial
    /// and doctor (by code; doctors without cells in the window too), each doctor's cells by
    /// time, `free` false for a time taken in the MIS, held by the site, or starting before
    /// `busy_before` (too soon to book). `keep` chooses the (filial, doctor) pairs exported.
    pub fn export_schedule(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        busy_before: DateTime<Utc>,
        keep: &dyn Fn(&str, &str) -> bool,
    ) -> Result<Export> {
        let mut conn = self.conn()?;
        let filials: Vec<(String, Option<String>)> = conn
            .query("SELECT code, name FROM Priem_Filial ORDER BY code")
            .map_err(|e| StorageError::query("выгрузка: чтение филиалов", e))?;
        let doctors: Vec<(String, String, String, String)> = conn
            .query("SELECT filial, code, name, specialties FROM Priem_Doctor ORDER BY filial, code")
            .map_err(|e| StorageError::query("выгрузка: чтение врачей", e))?;
        let mut out = Export::default();
        let mut filial_at: BTreeMap<String, usize> = BTreeMap::new();
        for (code, name) in filials {
            filial_at.insert(code.clone(), out.filials.len());
            out.filials.push(ExportFilial {
                code,
                name,
                doctors: Vec::new(),
            });
        }
        for (filial, code, name, specialties) in doctors {
            if let (Some(&fi), true) = (filial_at.get(&filial), keep(&filial, &code)) {
                out.filials[fi].doctors.push(ExportDoctor {
                    code,
                    name,
                    specialty: specialties,
                    cells: Vec::new(),
                });
            }
        }
        out.filials.retain(|f| !f.doctors.is_empty());
        // (filial, doctor) → where its cells go.
        let mut index: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
        for (fi, f) in out.filials.iter().enumerate() {
            for (di, d) in f.doctors.iter().enumerate() {
                index.insert((f.code.clone(), d.code.clone()), (fi, di));
            }
        }
        type R = (String, String, NaiveDate, u16, u16, bool, String, bool);
        let rows = conn
            .exec_iter(
                "SELECT s.filial, s.doctor, s.date, s.start_min, s.end_min, s.free, s.room, \
                 h.booking_id IS NOT NULL OR s.start_utc < ? \
                 FROM Priem_Slot s LEFT JOIN Priem_Hold h \
                 ON h.filial = s.filial AND h.doctor = s.doctor AND h.start_utc = s.start_utc \
                 WHERE s.start_utc >= ? AND s.start_utc < ? \
                 ORDER BY s.filial, s.doctor, s.start_utc",
                (db_time(busy_before), db_time(from), db_time(to)),
            )
            .map_err(|e| StorageError::query("выгрузка: чтение расписания", e))?;
        // Rows come by doctor: look the position up once per doctor.
        let mut last: Option<((String, String), Position)> = None;
        for row in rows {
            let row = row.map_err(|e| StorageError::query("выгрузка: чтение расписания", e))?;
            let (filial, doctor, date, start, end, free, room, taken): R = mysql::from_row_opt(row)
                .map_err(|e| StorageError::Corrupt {
                    table: "Priem_Slot",
                    message: format!("unreadable slot row: {e}"),
                })?;
            let at = match &last {
                Some((k, at)) if k.0 == filial && k.1 == doctor => *at,
                _ => {
                    let key = (filial, doctor);
                    let at = index.get(&key).copied();
                    last = Some((key, at));
                    at
                }
            };
            if let Some((fi, di)) = at {
                out.filials[fi].doctors[di].cells.push(ExportCell {
                    date,
                    start,
                    end,
                    free: free && !taken,
                    room,
                });
            }
        }
        Ok(out)
    }
}
