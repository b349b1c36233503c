//! The listing of a filial's doctors with their free time (the "choose a doctor" page of the
//! booking form): one query per filial with window functions, never the whole slot table.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use mysql::prelude::Queryable;

use super::{db_time, Result, StorageError, Store};
use crate::domain::schedule::split_specialties;
use crate::domain::zone::parse_zone;
use crate::time::Minute;

/// A filial as stored from the MIS documents.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFilial {
    pub code: String,
    pub name: Option<String>,
    pub zone: Tz,
}

/// A doctor of a filial with the free time of the window asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct DoctorFreeTime {
    pub code: String,
    pub name: String,
    pub specialties: Vec<String>,
    /// Free (and not held) times in the window.
    pub free: u32,
    /// The first free times in the window, by start: (local date, start, end).
    pub first: Vec<(NaiveDate, Minute, Minute)>,
}

/// A filial's stored zone (`Priem_Filial.zone`); an unknown name is a corrupt row.
pub(super) fn filial_zone(filial: &str, zone: &str) -> Result<Tz> {
    parse_zone(zone).ok_or_else(|| StorageError::Corrupt {
        table: "Priem_Filial",
        message: format!("филиал {filial}: неизвестный часовой пояс {zone:?}"),
    })
}

impl Store {
    /// Every filial the MIS has sent, by code.
    pub fn filials(&self) -> Result<Vec<StoredFilial>> {
        let mut conn = self.conn()?;
        let rows: Vec<(String, Option<String>, String)> = conn
            .query("SELECT code, name, zone FROM Priem_Filial ORDER BY code")
            .map_err(|e| StorageError::query("справочник: чтение филиалов", e))?;
        rows.into_iter()
            .map(|(code, name, zone)| {
                let zone = filial_zone(&code, &zone)?;
                Ok(StoredFilial { code, name, zone })
            })
            .collect()
    }

    /// The filials whose schedule has a doctor with this code, by code.
    pub fn filials_of_doctor(&self, doctor: &str) -> Result<Vec<String>> {
        let mut conn = self.conn()?;
        conn.exec(
            "SELECT filial FROM Priem_Doctor WHERE code = ? ORDER BY filial",
            (doctor,),
        )
        .map_err(|e| StorageError::query("справочник: поиск врача", e))
    }

    /// A filial's doctor as the MIS names him, and his specialties.
    pub fn doctor(&self, filial: &str, doctor: &str) -> Result<Option<(String, Vec<String>)>> {
        let mut conn = self.conn()?;
        let row: Option<(String, String)> = conn
            .exec_first(
                "SELECT name, specialties FROM Priem_Doctor WHERE filial = ? AND code = ?",
                (filial, doctor),
            )
            .map_err(|e| StorageError::query("справочник: чтение врача", e))?;
        Ok(row.map(|(name, s)| (name, split_specialties(&s))))
    }

    /// The filial's doctors (all of them, those without free time with `free == 0`), each
    /// with the count of free, not held times starting in `[from, …)` on local dates before
    /// `until`, and the first `first` of them.
    pub fn doctors_free_time(
        &self,
        filial: &str,
        from: DateTime<Utc>,
        until: NaiveDate,
        first: u32,
    ) -> Result<Vec<DoctorFreeTime>> {
        let mut conn = self.conn()?;
        let doctors: Vec<(String, String, String)> = conn
            .exec(
                "SELECT code, name, specialties FROM Priem_Doctor WHERE filial = ? ORDER BY name, code",
                (filial,),
            )
            .map_err(|e| StorageError::query("справочник: чтение врачей", e))?;
        let rows: Vec<(String, NaiveDate, u16, u16, u32)> = conn
            .exec(
                "SELECT doctor, date, start_min, end_min, cnt FROM ( \
                   SELECT s.doctor, s.date, s.start_min, s.end_min, \
                     ROW_NUMBER() OVER (PARTITION BY s.doctor ORDER BY s.start_utc) AS rn, \
                     COUNT(*) OVER (PARTITION BY s.doctor) AS cnt \
                   FROM Priem_Slot s LEFT JOIN Priem_Hold h \
                     ON h.filial = s.filial AND h.doctor = s.doctor AND h.start_utc = s.start_utc \
                   WHERE s.filial = ? AND s.free = 1 AND h.booking_id IS NULL \
                     AND s.start_utc >= ? AND s.date < ? \
                 ) t WHERE rn <= ? ORDER BY doctor, rn",
                (filial, db_time(from), until, first.max(1)),
            )
            .map_err(|e| StorageError::query("справочник: чтение свободного времени", e))?;
        let mut out: Vec<DoctorFreeTime> = doctors
            .into_iter()
            .map(|(code, name, specialties)| DoctorFreeTime {
                code,
                name,
                specialties: split_specialties(&specialties),
                free: 0,
                first: Vec::new(),
            })
            .collect();
        for (doctor, date, start, end, count) in rows {
            if let Some(d) = out.iter_mut().find(|d| d.code == doctor) {
                d.free = count;
                if d.first.len() < first as usize {
                    d.first.push((date, start, end));
                }
            }
        }
        Ok(out)
    }
}
