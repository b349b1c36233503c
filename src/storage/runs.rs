//! `Priem_SyncRun`: one row per cron run or import, for the admin and for "was this file
//! already imported?".

use chrono::{DateTime, NaiveDateTime, Utc};
use mysql::prelude::Queryable;
use mysql::Value;

use super::{check_len, db_time, exec, Result, StorageError, Store};

pub type RunId = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Started, not finished (or the process died).
    Running,
    Ok,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<RunStatus> {
        Some(match s {
            "running" => RunStatus::Running,
            "ok" => RunStatus::Ok,
            "failed" => RunStatus::Failed,
            _ => return None,
        })
    }
}

/// How a run ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSummary {
    pub ok: bool,
    /// The snapshot file (or source) imported, when known only at the end.
    pub file: Option<String>,
    /// Its sha256, lowercase hex.
    pub sha256: Option<String>,
    /// Free-form counts (`{"slots_inserted": 12, …}`), stored as JSON.
    pub counts: serde_json::Value,
    /// Messages of what went wrong.
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub id: RunId,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: RunStatus,
    pub file: Option<String>,
    pub sha256: Option<String>,
    pub counts: serde_json::Value,
    pub errors: Vec<String>,
}

impl Store {
    /// Records the start of a run; `file` when already known.
    pub fn start_run(&self, now: DateTime<Utc>, file: Option<&str>) -> Result<RunId> {
        if let Some(f) = file {
            check_len(|| "файл синхронизации".into(), f, 512)?;
        }
        let mut conn = self.conn()?;
        let r = conn
            .exec_iter(
                "INSERT INTO Priem_SyncRun (started_at, status, file) VALUES (?, 'running', ?)",
                (db_time(now), file),
            )
            .map_err(|e| StorageError::query("синхронизация: начало", e))?;
        r.last_insert_id().ok_or_else(|| StorageError::Corrupt {
            table: "Priem_SyncRun",
            message: "no id for the inserted run".into(),
        })
    }

    /// Records the end of a run. File and sha256 already stored are kept when `summary` has
    /// none.
    pub fn finish_run(&self, id: RunId, now: DateTime<Utc>, summary: &RunSummary) -> Result<()> {
        if let Some(f) = &summary.file {
            check_len(|| "файл синхронизации".into(), f, 512)?;
        }
        if let Some(s) = &summary.sha256 {
            check_len(|| "sha256".into(), s, 64)?;
        }
        let counts = match &summary.counts {
            serde_json::Value::Null => Value::NULL,
            v => v.to_string().into(),
        };
        let errors = serde_json::Value::from(summary.errors.clone()).to_string();
        let mut conn = self.conn()?;
        let n = exec(
            &mut conn,
            "синхронизация: завершение",
            "UPDATE Priem_SyncRun SET finished_at = ?, status = ?, \
             file = COALESCE(?, file), sha256 = COALESCE(?, sha256), counts = ?, errors = ? \
             WHERE id = ?",
            vec![
                db_time(now).into(),
                if summary.ok { "ok" } else { "failed" }.into(),
                summary.file.as_deref().map_or(Value::NULL, Value::from),
                summary.sha256.as_deref().map_or(Value::NULL, Value::from),
                counts,
                errors.into(),
                id.into(),
            ],
        )?;
        if n == 0 {
            let exists: Option<u64> = conn
                .exec_first("SELECT id FROM Priem_SyncRun WHERE id = ?", (id,))
                .map_err(|e| StorageError::query("синхронизация: завершение", e))?;
            if exists.is_none() {
                return Err(StorageError::Invalid {
                    what: "sync run",
                    reason: format!("no run with id {id}"),
                });
            }
        }
        Ok(())
    }

    /// Schedule files imported per day: `days` holds the moments the days begin, then the end of
    /// the last one (as [`Store::bookings_per_day`]); one count per day.
    pub fn files_per_day(&self, days: &[DateTime<Utc>]) -> Result<Vec<u64>> {
        let mut out = vec![0; days.len().saturating_sub(1)];
        let (Some(first), Some(end)) = (days.first(), days.last()) else {
            return Ok(out);
        };
        let mut conn = self.conn()?;
        let rows: Vec<(NaiveDateTime, Option<String>)> = conn
            .exec(
                "SELECT started_at, counts FROM Priem_SyncRun \
                 WHERE started_at >= ? AND started_at < ? ORDER BY started_at",
                (db_time(*first), db_time(*end)),
            )
            .map_err(|e| StorageError::query("синхронизация: файлы за день", e))?;
        for (started, counts) in rows {
            let files = counts
                .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
                .and_then(|c| c.get("files_imported").and_then(serde_json::Value::as_u64))
                .unwrap_or(0);
            // the day whose start is the last one at or before the run's
            let day = days.partition_point(|d| db_time(*d) <= started);
            if let Some(n) = day.checked_sub(1).and_then(|i| out.get_mut(i)) {
                *n += files;
            }
        }
        Ok(out)
    }

    /// The newest runs first.
    pub fn recent_runs(&self, limit: u32) -> Result<Vec<RunRecord>> {
        let mut conn = self.conn()?;
        type R = (
            u64,
            NaiveDateTime,
            Option<NaiveDateTime>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<R> = conn
            .exec(
                "SELECT id, started_at, finished_at, status, file, sha256, counts, errors \
                 FROM Priem_SyncRun ORDER BY id DESC LIMIT ?",
                (limit,),
            )
            .map_err(|e| StorageError::query("синхронизация: список", e))?;
        rows.into_iter()
            .map(
                |(id, started, finished, status, file, sha256, counts, errors)| {
                    let status =
                        RunStatus::parse(&status).ok_or_else(|| StorageError::Corrupt {
                            table: "Priem_SyncRun",
                            message: format!("run {id}: unknown status {status:?}"),
                        })?;
                    Ok(RunRecord {
                        id,
                        started_at: started.and_utc(),
                        finished_at: finished.map(|t| t.and_utc()),
                        status,
                        file,
                        sha256,
                        counts: counts
                            .and_then(|c| serde_json::from_str(&c).ok())
                            .unwrap_or(serde_json::Value::Null),
                        errors: errors
                            .and_then(|e| serde_json::from_str(&e).ok())
                            .unwrap_or_default(),
                    })
                },
            )
            .collect()
    }
}
