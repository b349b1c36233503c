//! What a visitor sees of a booking: the doctor and the clinic as the form shows them, the day
//! and times in the filial's zone, and where the booking stands — in the one answer to the
//! booking and to every status request.

use serde::Serialize;

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

impl Engine {
    /// The visitor's view of a stored booking, with the site's cards.
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
        let (start, end) = (to_local(tz, b.start_utc), to_local(tz, b.end_utc));
        Ok(BookingView {
            id: b.id,
            number: b.id.to_string(),
            status: b.status.visitor(),
            filial: b.filial.clone(),
            doctor: b.doctor.clone(),
            doctor_name: d.name,
            specialty: d.specialties.into_iter().next().unwrap_or_default(),
            clinic: f.name,
            address: f.address,
            phone: f.phone,
            date: start.date().to_string(),
            time_start: start.format("%H:%M").to_string(),
            time_end: end.format("%H:%M").to_string(),
            timezone: tz.name().to_owned(),
            tz_label: zone::label(tz),
        })
    }
}
