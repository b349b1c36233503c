//! Alert bookkeeping (mis-exchange.md §3): one row per stable key, so a problem that lasts is
//! mailed when it appears, reminded at an interval, and announced once when it is resolved.
//! Sending the mail is the mailer's job; this only decides and records.
//!
//! [`Store::raise_alert`] records the mail it asks for as sent (`last_sent = now`) and clears
//! the error of an earlier attempt. When the mail then fails, [`Store::alert_send_failed`] undoes
//! that, so the next raise asks again (for a new alert: [`AlertAction::SendNew`]; for a
//! reminder: [`AlertAction::SendReminder`]) and `last_error` says why it is waiting. The problem
//! stays recorded and visible either way; a resolved alert waits for no mail and has no error.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use mysql::prelude::Queryable;
use mysql::{Transaction, Value};

use super::{check_len, db_time, exec, placeholders, Result, StorageError, Store};

/// What to mail about a raised alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertAction {
    /// The problem is new (or back after being resolved, or its first mail failed).
    SendNew,
    /// The problem lasts and the reminder interval has passed since the last mail.
    SendReminder,
    /// Mailed recently enough.
    Nothing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub key: String,
    pub kind: String,
    /// The latest description.
    pub text: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub last_sent: Option<DateTime<Utc>>,
    /// Mails sent since it (re)appeared.
    pub mails: u32,
    /// Times raised since it (re)appeared.
    pub occurrences: u32,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Why the last mail failed.
    pub last_error: Option<String>,
}

const COLUMNS: &str = "alert_key, kind, text, first_seen, last_seen, last_sent, mails, \
    occurrences, resolved_at, last_error";

type Row = (
    String,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    u32,
    u32,
    Option<NaiveDateTime>,
    Option<String>,
);

fn record(r: Row) -> AlertRecord {
    let (key, kind, text, first, last, sent, mails, occurrences, resolved, last_error) = r;
    AlertRecord {
        key,
        kind,
        text,
        first_seen: first.and_utc(),
        last_seen: last.and_utc(),
        last_sent: sent.map(|t| t.and_utc()),
        mails,
        occurrences,
        resolved_at: resolved.map(|t| t.and_utc()),
        last_error,
    }
}

impl Store {
    /// Records that the problem `key` is present now and says what to mail. `remind_every`
    /// of zero or less means no reminders.
    pub fn raise_alert(
        &self,
        key: &str,
        kind: &str,
        text: &str,
        now: DateTime<Utc>,
        remind_every: Duration,
    ) -> Result<AlertAction> {
        check_len(|| "ключ оповещения".into(), key, 191)?;
        check_len(|| "вид оповещения".into(), kind, 64)?;
        let now_db = db_time(now);
        self.transaction("оповещения: новое", |tx| {
            type Cur = (u64, Option<NaiveDateTime>, u32, Option<NaiveDateTime>);
            let cur: Option<Cur> = tx
                .exec_first(
                    "SELECT id, last_sent, mails, resolved_at FROM Priem_Alert \
                     WHERE alert_key = ? FOR UPDATE",
                    (key,),
                )
                .map_err(|e| StorageError::query("оповещения: новое", e))?;
            let Some((id, last_sent, mails, resolved)) = cur else {
                exec(
                    tx,
                    "оповещения: новое",
                    "INSERT INTO Priem_Alert (alert_key, kind, text, first_seen, last_seen, \
                     last_sent, mails, occurrences) VALUES (?, ?, ?, ?, ?, ?, 1, 1)",
                    vec![
                        key.into(),
                        kind.into(),
                        text.into(),
                        now_db.into(),
                        now_db.into(),
                        now_db.into(),
                    ],
                )?;
                return Ok(AlertAction::SendNew);
            };
            if resolved.is_some() {
                exec(
                    tx,
                    "оповещения: новое",
                    "UPDATE Priem_Alert SET kind = ?, text = ?, first_seen = ?, last_seen = ?, \
                     last_sent = ?, mails = 1, occurrences = 1, resolved_at = NULL, \
                     last_error = NULL WHERE id = ?",
                    vec![
                        kind.into(),
                        text.into(),
                        now_db.into(),
                        now_db.into(),
                        now_db.into(),
                        id.into(),
                    ],
                )?;
                return Ok(AlertAction::SendNew);
            }
            let action = if mails == 0 {
                AlertAction::SendNew
            } else if remind_every <= Duration::zero() {
                AlertAction::Nothing
            } else {
                match last_sent {
                    None => AlertAction::SendReminder,
                    Some(t) if now - t.and_utc() >= remind_every => AlertAction::SendReminder,
                    Some(_) => AlertAction::Nothing,
                }
            };
            let sending = action != AlertAction::Nothing;
            exec(
                tx,
                "оповещения: новое",
                "UPDATE Priem_Alert SET kind = ?, text = ?, last_seen = ?, \
                 occurrences = occurrences + 1, \
                 last_sent = IF(?, ?, last_sent), mails = mails + ?, \
                 last_error = IF(?, NULL, last_error) WHERE id = ?",
                vec![
                    kind.into(),
                    text.into(),
                    now_db.into(),
                    sending.into(),
                    now_db.into(),
                    u32::from(sending).into(),
                    sending.into(),
                    id.into(),
                ],
            )?;
            Ok(action)
        })
    }

    /// The mail [`raise_alert`](Self::raise_alert) asked for could not be sent: the next raise
    /// asks again.
    pub fn alert_send_failed(&self, key: &str, error: &str) -> Result<()> {
        let mut conn = self.conn()?;
        exec(
            &mut conn,
            "оповещения: отметка о неотправленном письме",
            "UPDATE Priem_Alert SET last_sent = NULL, mails = IF(mails > 0, mails - 1, 0), \
             last_error = ? WHERE alert_key = ? AND resolved_at IS NULL",
            vec![error.into(), key.into()],
        )?;
        Ok(())
    }

    /// Resolves every open alert whose key is not in `active` and returns them, once: the
    /// problems to announce as resolved. `active` must hold every problem seen in this run.
    pub fn resolve_missing_alerts<S: AsRef<str>>(
        &self,
        active: &[S],
        now: DateTime<Utc>,
    ) -> Result<Vec<AlertRecord>> {
        self.resolve_missing(None, active, now)
    }

    /// Like [`resolve_missing_alerts`](Self::resolve_missing_alerts), limited to alerts of
    /// `kinds`: for a run that checked only some things (the FTP step failed before the codes
    /// could be compared, say).
    pub fn resolve_missing_alerts_of_kinds<S: AsRef<str>>(
        &self,
        kinds: &[&str],
        active: &[S],
        now: DateTime<Utc>,
    ) -> Result<Vec<AlertRecord>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        self.resolve_missing(Some(kinds), active, now)
    }

    fn resolve_missing<S: AsRef<str>>(
        &self,
        kinds: Option<&[&str]>,
        active: &[S],
        now: DateTime<Utc>,
    ) -> Result<Vec<AlertRecord>> {
        let active: HashSet<&str> = active.iter().map(AsRef::as_ref).collect();
        let now_db = db_time(now);
        self.transaction("оповещения: закрытие", |tx| {
            let mut sql = format!("SELECT {COLUMNS} FROM Priem_Alert WHERE resolved_at IS NULL");
            let mut params: Vec<Value> = Vec::new();
            if let Some(k) = kinds {
                sql.push_str(&format!(" AND kind IN ({})", placeholders(k.len())));
                params.extend(k.iter().map(|k| Value::from(*k)));
            }
            sql.push_str(" ORDER BY id FOR UPDATE");
            let rows = read_open(tx, &sql, params)?;
            let gone: Vec<AlertRecord> = rows
                .into_iter()
                .filter(|r| !active.contains(r.key.as_str()))
                .collect();
            for chunk in gone.chunks(500) {
                let sql = format!(
                    "UPDATE Priem_Alert SET resolved_at = ?, last_error = NULL WHERE alert_key IN ({})",
                    placeholders(chunk.len())
                );
                let mut params: Vec<Value> = vec![now_db.into()];
                params.extend(chunk.iter().map(|r| Value::from(r.key.as_str())));
                exec(tx, "оповещения: закрытие", &sql, params)?;
            }
            Ok(gone
                .into_iter()
                .map(|mut r| {
                    r.resolved_at = Some(now_db.and_utc());
                    r
                })
                .collect())
        })
    }

    /// Resolves the open alerts among `keys` (a problem that this run saw fixed) and returns
    /// them, once.
    pub fn resolve_alerts<S: AsRef<str>>(
        &self,
        keys: &[S],
        now: DateTime<Utc>,
    ) -> Result<Vec<AlertRecord>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let now_db = db_time(now);
        self.transaction(
            "оповещения: закрытие по ключам",
            |tx| {
                let mut out = Vec::new();
                for chunk in keys.chunks(500) {
                    let params: Vec<Value> =
                        chunk.iter().map(|k| Value::from(k.as_ref())).collect();
                    let sql = format!(
                        "SELECT {COLUMNS} FROM Priem_Alert WHERE resolved_at IS NULL \
                     AND alert_key IN ({}) ORDER BY id FOR UPDATE",
                        placeholders(chunk.len())
                    );
                    let rows = read_open(tx, &sql, params.clone())?;
                    if rows.is_empty() {
                        continue;
                    }
                    let sql = format!(
                        "UPDATE Priem_Alert SET resolved_at = ?, last_error = NULL \
                     WHERE resolved_at IS NULL AND alert_key IN ({})",
                        placeholders(chunk.len())
                    );
                    let mut p: Vec<Value> = vec![now_db.into()];
                    p.extend(params);
                    exec(tx, "оповещения: закрытие по ключам", &sql, p)?;
                    out.extend(rows.into_iter().map(|mut r| {
                        r.resolved_at = Some(now_db.and_utc());
                        r
                    }));
                }
                Ok(out)
            },
        )
    }

    /// Open alerts, oldest first.
    pub fn open_alerts(&self) -> Result<Vec<AlertRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<Row> = conn
            .query(format!(
                "SELECT {COLUMNS} FROM Priem_Alert WHERE resolved_at IS NULL ORDER BY first_seen, alert_key"
            ))
            .map_err(|e| StorageError::query("оповещения: список", e))?;
        Ok(rows.into_iter().map(record).collect())
    }

    /// One alert by key, open or resolved.
    pub fn alert(&self, key: &str) -> Result<Option<AlertRecord>> {
        let mut conn = self.conn()?;
        let row: Option<Row> = conn
            .exec_first(
                format!("SELECT {COLUMNS} FROM Priem_Alert WHERE alert_key = ?"),
                (key,),
            )
            .map_err(|e| StorageError::query("оповещения: чтение", e))?;
        Ok(row.map(record))
    }
}

fn read_open(tx: &mut Transaction<'_>, sql: &str, params: Vec<Value>) -> Result<Vec<AlertRecord>> {
    let rows: Vec<Row> = tx
        .exec(sql, params)
        .map_err(|e| StorageError::query("оповещения: закрытие", e))?;
    Ok(rows.into_iter().map(record).collect())
}
