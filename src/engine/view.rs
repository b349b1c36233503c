//! What a visitor sees of a booking: the doctor and the clinic as the form shows them, the day
//! and times in the filial's zone, and where the booking stands — in the one answer to the
//! booking and to every status request.

use serde::{Deserialize, Serialize};

use super::{Engine, EngineError};
use crate::domain::cards::Cards;
use crate::domain::zone::{self, to_local};
use crate::storage::BookingRecord;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookingView {
    pub id: u64,
    /// The booking's number as the clinic names it.
    pub number: String,
    /// `confirmed`, `pending` or `refused` (see `BookingStatus::visitor`).
    pub status: &'static str,
    pub filial: String,
    pub doctor: String,
    pub doctor_name: String,
    /// The doctor's first specialty as the form shows them.
    pub specialty: String,
    pub clinic: String,
    pub address: String,
    pub phone: String,
    /// The day and times in the filial's zone.
    pub date: String,
    pub time_start: String,
    pub time_end: String,
    pub timezone: String,
    pub tz_label: String,
}

/// The names a visitor was shown for a booking, kept with it (`Priem_Booking.names`) so that its
/// status link still names the doctor and the clinic after the MIS drops them from its schedule
/// or the editors remove their cards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
struct KeptNames {
    doctor_name: String,
    specialty: String,
    clinic: String,
    address: String,
    phone: String,
}

/// How the admin's journal names a booking (all computed here, not in PHP): the appointment in
/// the filial's zone, when it was made in the site's zone (Moscow, as the alert letters), and
/// the clinic's and doctor's names when a card or the MIS's data has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalNames {
    /// «03.12.2026 18:00 МСК» — the filial's local time and its offset from Moscow.
    pub start_local: String,
    /// The filial's IANA zone, e.g. `Asia/Yekaterinburg`.
    pub timezone: String,
    /// «03.12.2026 13:50 МСК» — in the site's zone (Europe/Moscow).
    pub created_local: String,
    pub clinic_name: Option<String>,
    pub doctor_name: Option<String>,
    /// The masked phone as staff read numbers: «+7 900 ***-45-67» (`phone::shown`).
    pub phone_shown: String,
}

impl Engine {
    /// [`JournalNames`] of each booking, in order: the filials read once, each doctor once.
    pub fn journal_names(
        &self,
        bookings: &[BookingRecord],
        cards: &Cards,
    ) -> Result<Vec<JournalNames>, EngineError> {
        let filials = self.filials()?;
        let mut doctors: std::collections::HashMap<(String, String), String> = Default::default();
        let mut out = Vec::with_capacity(bookings.len());
        for b in bookings {
            let filial = filials.iter().find(|f| f.code == b.filial);
            let tz = filial.map_or_else(|| self.settings().zones.of(&b.filial), |f| f.zone);
            let key = (b.filial.clone(), b.doctor.clone());
            let mis_doctor = match doctors.get(&key) {
                Some(name) => name.clone(),
                None => {
                    let name = self
                        .store()
                        .doctor(&b.filial, &b.doctor)?
                        .map(|(name, _)| name)
                        .unwrap_or_default();
                    doctors.insert(key, name.clone());
                    name
                }
            };
            let known = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
            let clinic_name = cards
                .clinic(&b.filial)
                .and_then(|c| known(&c.name))
                .or_else(|| filial.and_then(|f| f.name.as_deref()).and_then(known));
            let doctor_name = known(
                &cards
                    .doctor_view(&b.filial, &b.doctor, &mis_doctor, &[])
                    .name,
            );
            out.push(JournalNames {
                start_local: zone::staff_time(tz, b.start_utc),
                timezone: tz.name().to_owned(),
                created_local: zone::staff_time(zone::DEFAULT_ZONE, b.created_at),
                clinic_name,
                doctor_name,
                phone_shown: crate::domain::phone::shown(&b.phone_masked),
            });
        }
        Ok(out)
    }

    /// The visitor's view of a stored booking, with the site's cards. Names come from the cards
    /// and the MIS as they are now; where they have none any more (the MIS dropped the doctor, a
    /// card was removed), from what the booking's first view showed (kept by that view); failing
    /// both, the codes said plainly («врач 0043», «филиал 2»). Never an error for a name.
    pub fn booking_view(
        &self,
        b: &BookingRecord,
        cards: &Cards,
    ) -> Result<BookingView, EngineError> {
        let filial = self.filials()?.into_iter().find(|f| f.code == b.filial);
        let tz = filial
            .as_ref()
            .map_or_else(|| self.settings().zones.of(&b.filial), |f| f.zone);
        let (mis_name, mis_specialties) = self
            .store()
            .doctor(&b.filial, &b.doctor)?
            .unwrap_or_default();
        let f = cards.filial_view(
            &b.filial,
            filial.as_ref().and_then(|f| f.name.as_deref()),
            tz,
        );
        let d = cards.doctor_view(&b.filial, &b.doctor, &mis_name, &mis_specialties);
        let now = KeptNames {
            doctor_name: d.name,
            specialty: d.specialties.into_iter().next().unwrap_or_default(),
            clinic: f.name,
            address: f.address,
            phone: f.phone,
        };
        let kept = match b.names.as_deref() {
            Some(json) => serde_json::from_str(json).unwrap_or_default(),
            None => {
                // the first view (the answer to the booking) names what the visitor saw
                if !now.doctor_name.trim().is_empty() {
                    if let Ok(json) = serde_json::to_string(&now) {
                        self.store().keep_booking_names(b.id, &json)?;
                    }
                }
                KeptNames::default()
            }
        };
        // what the cards and the MIS say now, else what the visitor was shown, else the codes
        let or = |now: String, kept: String, codes: String| {
            [now, kept]
                .into_iter()
                .find(|s| !s.trim().is_empty())
                .unwrap_or(codes)
        };
        let doctor_name = or(
            now.doctor_name,
            kept.doctor_name,
            format!("врач {}", b.doctor),
        );
        let clinic = or(now.clinic, kept.clinic, format!("филиал {}", b.filial));
        let (start, end) = (to_local(tz, b.start_utc), to_local(tz, b.end_utc));
        Ok(BookingView {
            id: b.id,
            number: b.id.to_string(),
            status: b.status.visitor(),
            filial: b.filial.clone(),
            doctor: b.doctor.clone(),
            doctor_name,
            specialty: or(now.specialty, kept.specialty, String::new()),
            clinic,
            address: or(now.address, kept.address, String::new()),
            phone: or(now.phone, kept.phone, String::new()),
            date: start.date().to_string(),
            time_start: start.format("%H:%M").to_string(),
            time_end: end.format("%H:%M").to_string(),
            timezone: tz.name().to_owned(),
            tz_label: zone::label(tz),
        })
    }
}
