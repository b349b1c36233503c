//! How the last real connection of each link (`mail`, `ftp`) was protected: one row per link in
//! `Priem_Protection`, replaced by every connection (`sql/009_protection.sql`). The states'
//! names are the engine's (`engine::protection`); storage keeps them as given.

use chrono::{DateTime, NaiveDateTime, Utc};
use mysql::prelude::Queryable;

use super::{check_len, db_time, Result, StorageError, Store};

/// The cause column's width, in characters.
const CAUSE_MAX: usize = 500;

/// `link, server, state, cause, observed_at` as read.
type Row = (
    String,
    Option<String>,
    String,
    Option<String>,
    NaiveDateTime,
);

/// One link's last observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectionRecord {
    /// `mail` or `ftp`.
    pub link: String,
    /// `host:port` of the observed connection (`None` in rows from before schema version 11).
    pub server: Option<String>,
    /// `required`, `upgraded`, `not_offered` or `fell_back`.
    pub state: String,
    /// Why the offered upgrade failed (`fell_back`), in Russian.
    pub cause: Option<String>,
    pub observed_at: DateTime<Utc>,
}

impl Store {
    /// Replaces `link`'s observation. A cause longer than the column is cut (it is a note for
    /// the admin, not data).
    pub fn record_protection(
        &self,
        link: &str,
        server: &str,
        state: &str,
        cause: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        check_len(|| "защита: канал".into(), link, 8)?;
        check_len(|| "защита: сервер".into(), server, 255)?;
        check_len(|| "защита: состояние".into(), state, 16)?;
        let cause = cause.map(|c| {
            if c.chars().count() > CAUSE_MAX {
                let mut cut: String = c.chars().take(CAUSE_MAX - 1).collect();
                cut.push('…');
                cut
            } else {
                c.to_owned()
            }
        });
        let mut conn = self.conn()?;
        conn.exec_drop(
            "INSERT INTO Priem_Protection (link, server, state, cause, observed_at) \
             VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE server = VALUES(server), \
             state = VALUES(state), cause = VALUES(cause), observed_at = VALUES(observed_at)",
            (link, server, state, cause, db_time(at)),
        )
        .map_err(|e| StorageError::query("защита: запись наблюдения", e))
    }

    /// Every link's last observation, by link name.
    pub fn protections(&self) -> Result<Vec<ProtectionRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<Row> = conn
            .query(
                "SELECT link, server, state, cause, observed_at FROM Priem_Protection ORDER BY link",
            )
            .map_err(|e| StorageError::query("защита: чтение", e))?;
        Ok(rows
            .into_iter()
            .map(|(link, server, state, cause, at)| ProtectionRecord {
                link,
                server,
                state,
                cause,
                observed_at: at.and_utc(),
            })
            .collect())
    }
}
