//! The admin's reads of what the engine recorded: the sync runs with their counts in words, and
//! the last days' bookings and imported files for the «Состояние» chart.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;

use super::{Engine, EngineError};
use crate::domain::booking::BookingStatus;
use crate::domain::range::Range;
use crate::domain::zone;
use crate::storage::{RunRecord, RunStatus};

/// How many runs the admin may list.
pub const RUNS_LISTED: Range = Range::new("limit", 1, 1000);
/// How many days the chart may cover.
pub const DAYS_LISTED: Range = Range::new("days", 1, 366);

/// One day of the chart (a day of the staff's calendar, Moscow time): the bookings made that day
/// per status, and the schedule files imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    pub date: String,
    /// Status => bookings, in [`BookingStatus::ALL`]'s order, only the statuses that have some.
    pub bookings: serde_json::Map<String, Value>,
    pub files: u64,
}

impl Engine {
    /// The newest sync runs first, at most `limit`.
    pub fn runs(&self, limit: u32) -> Result<Vec<RunRecord>, EngineError> {
        Ok(self.store().recent_runs(limit)?)
    }

    /// The last `days` days of the staff's calendar (Moscow time, as the admin shows every time:
    /// [`zone::staff_day`]) up to `now`'s, oldest first.
    pub fn daily(&self, now: DateTime<Utc>, days: u32) -> Result<Vec<Day>, EngineError> {
        let today = zone::staff_day(now);
        let since = today - Duration::days(i64::from(days) - 1);
        let dates: Vec<_> = since.iter_days().take_while(|d| *d <= today).collect();
        // each day's start, then the end of the last one
        let bounds: Vec<_> = dates
            .iter()
            .chain(today.succ_opt().as_ref())
            .map(|d| zone::staff_day_start(*d))
            .collect();
        let bookings = self.store().bookings_per_day(&bounds)?;
        let files = self.store().files_per_day(&bounds)?;
        Ok(dates
            .iter()
            .enumerate()
            .map(|(i, date)| {
                let mut by = serde_json::Map::new();
                for s in BookingStatus::ALL {
                    let n: u64 = bookings
                        .iter()
                        .filter(|(d, status, _)| *d == i && *status == s)
                        .map(|(_, _, n)| n)
                        .sum();
                    if n > 0 {
                        by.insert(s.as_str().into(), n.into());
                    }
                }
                Day {
                    date: date.to_string(),
                    bookings: by,
                    files: files.get(i).copied().unwrap_or(0),
                }
            })
            .collect())
    }
}

/// What the journal's «Повторить отправку» tells the staff: whether it went well, and how it
/// went, in Russian (`message`: the MIS's words or why it is unknown, when there are some).
pub fn retry_text(d: &super::Delivered) -> (bool, String) {
    use super::Delivered;
    let with = |text: &str, message: &str| {
        if message.is_empty() {
            text.to_owned()
        } else {
            format!("{text}: {message}")
        }
    };
    match d {
        Delivered::Confirmed => (true, "МИС подтвердила запись".into()),
        Delivered::Dropped => (
            true,
            "файл заявки выложен на FTP, ответ МИС придёт файлом".into(),
        ),
        Delivered::Refused(m) => (false, with("МИС отказала", m)),
        Delivered::Unknown(m) => (false, with("ответ МИС снова неизвестен", m)),
        Delivered::Check(m) => (
            false,
            format!(
                "МИС ответила «{m}» — вероятно, запись уже есть в МИС; проверьте её там \
                 (состояние «{}», уточнится по следующей выгрузке расписания)",
                BookingStatus::Check.name()
            ),
        ),
        Delivered::Skipped => (
            false,
            format!(
                "не отправлена — её нет, она уже не ждёт отправки (не «{}»/«{}») или передача \
                 в МИС не настроена",
                BookingStatus::Unknown.name(),
                BookingStatus::Queued.name()
            ),
        ),
    }
}

/// A run's status for the clinic's staff.
pub fn run_status_name(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Running => "идёт",
        RunStatus::Ok => "без ошибок",
        RunStatus::Failed => "с ошибками",
    }
}

/// A run's counts (the cron tick's report) in words for the clinic's staff: `файлов: 1; слотов
/// +120/−118; записи: подтв. 2; 0,41 с`.
pub fn run_summary(counts: &Value) -> String {
    let n = |k: &str| counts.get(k).and_then(Value::as_u64).unwrap_or(0);
    let mut parts = vec![
        format!(
            "файлов: {}{}",
            n("files_imported"),
            match n("files_failed") {
                0 => String::new(),
                f => format!(" (+{f} с ошибкой)"),
            }
        ),
        format!("слотов +{}/−{}", n("slots_inserted"), n("slots_deleted")),
    ];
    if n("doctors_rejected") > 0 {
        parts.push(format!("врачей отклонено: {}", n("doctors_rejected")));
    }
    if n("cells_rejected") > 0 {
        parts.push(format!("ячеек пропущено: {}", n("cells_rejected")));
    }
    let sent: Vec<String> = [
        ("bookings_confirmed", "подтв."),
        ("bookings_refused", "отказ"),
        ("bookings_dropped", "на FTP"),
        ("bookings_unknown", "без ответа"),
        ("bookings_check", "проверить в МИС"),
        ("checks_confirmed", "подтверждено выгрузкой"),
        ("checks_lost", "потеряно МИС"),
    ]
    .iter()
    .filter(|(k, _)| n(k) > 0)
    .map(|(k, label)| format!("{label} {}", n(k)))
    .collect();
    if !sent.is_empty() {
        parts.push(format!("записи: {}", sent.join(", ")));
    }
    if n("alerts_raised") > 0 || n("alerts_resolved") > 0 {
        parts.push(format!(
            "оповещений: {}{}",
            n("alerts_raised"),
            match n("alerts_resolved") {
                0 => String::new(),
                r => format!(", снято {r}"),
            }
        ));
    }
    if n("mails_sent") > 0 || n("mails_failed") > 0 {
        parts.push(format!(
            "писем: {}{}",
            n("mails_sent"),
            match n("mails_failed") {
                0 => String::new(),
                f => format!(", не ушло {f}"),
            }
        ));
    }
    if let Some(s) = counts.get("seconds").and_then(Value::as_f64) {
        parts.push(format!("{:.2} с", s).replace('.', ","));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_counts_read_in_russian() {
        let c = serde_json::json!({"files_imported": 1, "files_failed": 1, "slots_inserted": 120,
            "slots_deleted": 118, "bookings_confirmed": 2, "bookings_unknown": 1,
            "alerts_raised": 1, "mails_sent": 1, "mails_failed": 2, "seconds": 0.4123});
        assert_eq!(
            run_summary(&c),
            "файлов: 1 (+1 с ошибкой); слотов +120/−118; записи: подтв. 2, без ответа 1; \
             оповещений: 1; писем: 1, не ушло 2; 0,41 с"
        );
        assert_eq!(run_summary(&Value::Null), "файлов: 0; слотов +0/−0");
    }
}
