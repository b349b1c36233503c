//! The exchange engine: the site's booking path and the cron tick, over storage and the
//! transports. One [`Engine`] per settings per process; it opens nothing until first used.

pub mod alert;
pub mod directory;
pub mod grid_cache;
mod grid_json;
pub mod journal;
pub mod kept;
pub mod limits;
mod privacy;
pub mod prodoctorov;
pub mod protection;
pub mod settings;
mod snapshot;
mod tick;
pub mod view;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use crate::domain::booking::{
    self, Alternative, BookingError, BookingInput, BookingSource, BookingStatus, Consent,
    FieldError,
};
use crate::domain::grid::{self, NotFound};
use crate::storage::{BookingId, BookingRecord, HoldError, NewBooking, StorageError, Store};
use crate::transport::ftp::FtpSession;
use crate::transport::mis::{self, Format, Outcome};
use crate::wire::schedule::DocumentError;
use grid_cache::{Built, GridCache, SharedGrid};
use limits::Refusal;
use settings::{Delivery, Settings};

pub use privacy::{EraseError, Forgotten};
pub use protection::{Link, Observed};
pub use snapshot::{Imported, Pushed, Settled};
pub use tick::{TickReport, LOCK_NAME};

#[derive(Debug, Error)]
pub enum EngineError {
    /// The database failed; `is_transient` says whether a retry may help.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A schedule document cannot be read at all.
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// No such filial or doctor in the stored schedule.
    #[error(transparent)]
    NotFound(#[from] NotFound),
}

/// What a visitor's (or ProDoctorov's) booking came to.
#[derive(Debug, Clone, PartialEq)]
pub enum BookOutcome {
    /// The MIS confirmed it.
    Confirmed { id: BookingId },
    /// Stored and held; the MIS has not answered yet (unreachable, FTP drop, no MIS set up):
    /// "заявка принята — клиника перезвонит".
    Pending { id: BookingId },
    /// The MIS refused it; the time is released locally but shown busy.
    Refused {
        id: BookingId,
        reason: String,
        next: Vec<Alternative>,
    },
}

impl BookOutcome {
    pub fn id(&self) -> BookingId {
        match self {
            BookOutcome::Confirmed { id }
            | BookOutcome::Pending { id }
            | BookOutcome::Refused { id, .. } => *id,
        }
    }
}

/// A booking request with what the form adds to the fields.
#[derive(Debug, Clone)]
pub struct BookRequest {
    pub input: BookingInput,
    /// The same key never makes a second booking (a double click, a retry).
    pub idempotency_key: String,
    pub source: BookingSource,
    pub consent: Option<Consent>,
    /// The nonce of the form token a booking from the site was sent with: one token makes one
    /// booking (a repeat of it, with the same idempotency key, answers that booking).
    pub form_nonce: Option<String>,
}

/// What a caller outside the core (the site's form, the PHP API) left out of a booking request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BookRequestError {
    /// The idempotency key is blank or longer than 128 bytes.
    #[error("ключ идемпотентности должен быть от 1 до 128 символов")]
    Key,
}

impl BookRequest {
    /// A request as a caller outside the core makes it: the idempotency key is 1–128 bytes and
    /// not blank. (A booking from the site without the visitor's consent is refused with the
    /// field errors, see [`Engine::book`].)
    pub fn new(
        input: BookingInput,
        idempotency_key: String,
        source: BookingSource,
        consent: Option<Consent>,
    ) -> Result<BookRequest, BookRequestError> {
        if idempotency_key.trim().is_empty() || idempotency_key.len() > 128 {
            return Err(BookRequestError::Key);
        }
        Ok(BookRequest {
            input,
            idempotency_key,
            source,
            consent,
            form_nonce: None,
        })
    }
}

/// Why a booking was not taken: the visitor's to fix, the time is gone, or a protection said no.
#[derive(Debug, Error)]
pub enum BookError {
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<StorageError> for BookError {
    fn from(e: StorageError) -> Self {
        BookError::Engine(EngineError::Storage(e))
    }
}

/// How a single delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    Confirmed,
    Refused(String),
    /// Left on the FTP server for the MIS; the answer comes as a result file.
    Dropped,
    /// The outcome is unknown; retried later.
    Unknown(String),
    /// A retry after an unanswered attempt was answered "taken" (the MIS's words): «проверить в
    /// МИС» until a snapshot settles it (see `BookingStatus::Check`).
    Check(String),
    /// Another runner is sending it, or it is final already.
    Skipped,
}

pub struct Engine {
    settings: Settings,
    store: Store,
    grids: GridCache,
}

impl Engine {
    /// Checks the settings against the database; opens no connection yet.
    pub fn new(settings: Settings) -> Result<Engine, EngineError> {
        let store = Store::new(settings.db.clone())?;
        let grids = GridCache::new(settings.booking.grid_cache_mb as usize * (1 << 20));
        Ok(Engine {
            settings,
            store,
            grids,
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Creates or upgrades priem's tables; returns the versions applied now.
    pub fn migrate(&self) -> Result<Vec<u32>, EngineError> {
        Ok(self.store.migrate()?)
    }

    /// The grid a visitor sees, from the stored schedule; kept in the process and built again
    /// only when what it is built from changed (see [`grid_cache`]).
    pub fn grid(
        &self,
        filial: &str,
        doctor: &str,
        now: DateTime<Utc>,
        days: Option<u32>,
    ) -> Result<Arc<SharedGrid>, EngineError> {
        let days = days.unwrap_or(self.settings.booking.horizon_days);
        let notice = self.settings.booking.min_notice_minutes;
        let cutoff = now + Duration::minutes(i64::from(notice));
        let window = self.store.read_window(
            filial,
            doctor,
            now,
            now + Duration::days(i64::from(days) + 1),
        )?;
        let fingerprint = window.fingerprint();
        if let Some(kept) =
            fingerprint.and_then(|f| self.grids.get(filial, doctor, days, f, now, cutoff))
        {
            return Ok(kept);
        }
        let loaded = self.store.schedule_of(window)?;
        let built = grid::for_doctor(
            &loaded.schedule,
            filial,
            doctor,
            now,
            days,
            &loaded.rules(notice),
        )?;
        let shared = Arc::new(SharedGrid::new(built));
        if let Some(fingerprint) = fingerprint {
            let next_start = loaded
                .schedule
                .slots
                .iter()
                .map(|s| s.start_utc)
                .filter(|s| *s >= cutoff)
                .min();
            let built = Built {
                fingerprint,
                today: crate::domain::zone::to_local(shared.zone, now).date(),
                cutoff,
                next_start,
            };
            self.grids
                .put(filial, doctor, days, built, Arc::clone(&shared));
        }
        Ok(shared)
    }

    /// The booking form's `grid` answer as JSON text: the filial and the doctor with their
    /// cards, the zone, the free count and the days of [`grid`](Self::grid). A filial or doctor
    /// switched off on the site (`domain::cards`) is not found, as an unknown one.
    pub fn grid_answer(
        &self,
        filial: &str,
        doctor: &str,
        now: DateTime<Utc>,
        days: Option<u32>,
        cards: &crate::domain::cards::Cards,
    ) -> Result<String, EngineError> {
        if cards.filial_off(filial) {
            return Err(NotFound::Filial(filial.to_owned()).into());
        }
        if cards.doctor_off(filial, doctor) {
            return Err(NotFound::Doctor {
                filial: filial.to_owned(),
                doctor: doctor.to_owned(),
            }
            .into());
        }
        let g = self.grid(filial, doctor, now, days)?;
        Ok(grid_json::answer(filial, doctor, &g, cards))
    }

    /// Other free times of the doctor near the one wanted (`wanted`, its start), for a "time just
    /// taken" or "refused" answer.
    fn alternatives(
        &self,
        filial: &str,
        doctor: &str,
        wanted: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Vec<Alternative> {
        match self.grid(filial, doctor, now, None) {
            Ok(g) => booking::alternatives(&g, wanted),
            Err(_) => Vec::new(),
        }
    }

    /// The booking path shared by the site's visitors and ProDoctorov: validate against the
    /// stored schedule, hold the time and store the booking in one transaction (the database
    /// decides who got the time), then try to deliver it to the MIS at once.
    pub fn book(&self, req: &BookRequest, now: DateTime<Utc>) -> Result<BookOutcome, BookError> {
        self.book_within(req, now, None)
    }

    /// [`book`](Self::book) from the site: a filial or doctor switched off on the site
    /// (`domain::cards`) is refused as one not in the schedule, unless the request repeats a
    /// booking already made (answered as it stands).
    pub fn book_on_site(
        &self,
        req: &BookRequest,
        now: DateTime<Utc>,
        cards: &crate::domain::cards::Cards,
    ) -> Result<BookOutcome, BookError> {
        let (filial, doctor) = (&req.input.filial_id, &req.input.doctor_id);
        if cards.closed(filial, doctor)
            && self.store.booking_by_key(&req.idempotency_key)?.is_none()
        {
            let (field, message) = if cards.filial_off(filial) {
                ("filial_id", booking::FILIAL_NOT_FOUND)
            } else {
                ("doctor_id", booking::DOCTOR_NOT_FOUND)
            };
            return Err(BookingError::Invalid(vec![FieldError {
                field,
                message: message.into(),
            }])
            .into());
        }
        self.book(req, now)
    }

    /// [`book`](Self::book) with the MIS call bounded by `mis_budget` when that is shorter than
    /// the configured timeout (ProDoctorov's endpoint must answer within its 10 s).
    pub(crate) fn book_within(
        &self,
        req: &BookRequest,
        now: DateTime<Utc>,
        mis_budget: Option<std::time::Duration>,
    ) -> Result<BookOutcome, BookError> {
        let (filial, doctor) = (&req.input.filial_id, &req.input.doctor_id);
        // A repeated request answers as the first one stands, whatever it says now.
        if let Some(existing) = self.store.booking_by_key(&req.idempotency_key)? {
            return self.answer_again(existing, now, mis_budget);
        }
        let loaded = self.store.load_schedule(
            filial,
            doctor,
            now,
            now + Duration::days(i64::from(self.settings.booking.horizon_days) + 1),
        )?;
        let rules = loaded.rules(self.settings.booking.min_notice_minutes);
        let checked = booking::validate(&loaded.schedule, &req.input, now, &rules);
        // A booking from the site needs the visitor's consent (152-ФЗ): a field error with the
        // others, before anything is held.
        let checked = match checked {
            _ if req.source != BookingSource::Site || req.consent.is_some() => checked,
            Err(BookingError::Invalid(mut errors)) => {
                errors.push(FieldError {
                    field: "consent",
                    message: crate::domain::form::CONSENT_MISSING.into(),
                });
                Err(BookingError::Invalid(errors))
            }
            _ => Err(BookingError::Invalid(vec![FieldError {
                field: "consent",
                message: crate::domain::form::CONSENT_MISSING.into(),
            }])),
        };
        let valid = match checked {
            Ok(v) => v,
            // The same form sent twice at once: the time is "taken" by this very booking.
            Err(e @ BookingError::Taken { .. }) => {
                return match self.store.booking_by_key(&req.idempotency_key)? {
                    Some(existing) => self.answer_again(existing, now, mis_budget),
                    None => Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        };
        let mut new = NewBooking::from_valid(
            &valid,
            req.idempotency_key.clone(),
            req.source,
            req.consent.clone(),
        );
        if let Some(Delivery::Http(cfg)) = &self.settings.delivery {
            if cfg.format == Format::V2 {
                new.payload = valid.to_v2(req.source.as_str()).to_json();
            }
        }
        if req.source == BookingSource::Site {
            new.admission = self.admission(req, &valid, now);
        }
        let id = match self.store.hold_and_queue(&new, now) {
            Ok(id) => id,
            Err(HoldError::Duplicate(id)) => match self.store.booking(id)? {
                Some(b) => return self.answer_again(b, now, mis_budget),
                None => return Ok(BookOutcome::Pending { id }),
            },
            Err(HoldError::Taken) => {
                if let Some(existing) = self.store.booking_by_key(&req.idempotency_key)? {
                    return self.answer_again(existing, now, mis_budget);
                }
                return Err(BookingError::Taken {
                    next: self.alternatives(filial, doctor, valid.start_utc, now),
                }
                .into());
            }
            Err(HoldError::NoSuchSlot) => {
                return Err(field(
                    "time_start",
                    "В расписании врача нет приёма в это время",
                ))
            }
            Err(HoldError::Past) => {
                return Err(field(
                    "time_start",
                    "Это время уже прошло — выберите другое",
                ))
            }
            Err(HoldError::FormUsed) => return Err(Refusal::FormUsed.into()),
            Err(HoldError::Limited(kind, until)) => {
                return Err(Refusal::of_quota(kind, until, now).into())
            }
            Err(HoldError::Storage(e)) => return Err(e.into()),
        };
        // From here on the booking is stored and the time held: whatever fails now, the
        // visitor is told it is accepted, and the cron tick delivers it.
        let Ok(Some(record)) = self.store.booking(id) else {
            return Ok(BookOutcome::Pending { id });
        };
        if let Ok(Delivered::Refused(reason)) = self.deliver_within(&record, now, mis_budget) {
            // Refused: the visitor picks another time with the same form.
            if req.form_nonce.is_some() {
                let _ = self.store.release_form_nonce(id);
            }
            // Mailed by the next tick (a booking must not wait for SMTP).
            let _ = self.queue_alert(&alert::refused(id, &reason, now), now);
        }
        Ok(match self.store.booking(id) {
            Ok(Some(b)) => self.outcome_of(&b, now),
            _ => BookOutcome::Pending { id },
        })
    }

    /// The answer to a request whose idempotency key already made booking `b`: what the request
    /// that made it answers. That request answers after its delivery attempt, so while `b` is
    /// still `queued` or `sent` over HTTP it is being delivered right now (a double click, two
    /// tabs): wait for that attempt's outcome, no longer than the MIS call may take.
    fn answer_again(
        &self,
        mut b: BookingRecord,
        now: DateTime<Utc>,
        mis_budget: Option<std::time::Duration>,
    ) -> Result<BookOutcome, BookError> {
        const POLL: std::time::Duration = std::time::Duration::from_millis(50);
        if let Some(Delivery::Http(cfg)) = &self.settings.delivery {
            let bound = capped(cfg, mis_budget).timeout + std::time::Duration::from_secs(1);
            let deadline = std::time::Instant::now() + bound;
            while matches!(b.status, BookingStatus::Queued | BookingStatus::Sent)
                && std::time::Instant::now() + POLL < deadline
            {
                std::thread::sleep(POLL);
                match self.store.booking(b.id)? {
                    Some(again) => b = again,
                    None => break,
                }
            }
        }
        Ok(self.outcome_of(&b, now))
    }

    fn outcome_of(&self, b: &BookingRecord, now: DateTime<Utc>) -> BookOutcome {
        match b.status {
            BookingStatus::Confirmed => BookOutcome::Confirmed { id: b.id },
            BookingStatus::Rejected => BookOutcome::Refused {
                id: b.id,
                reason: b.last_error.clone().unwrap_or_default(),
                next: self.alternatives(&b.filial, &b.doctor, b.start_utc, now),
            },
            _ => BookOutcome::Pending { id: b.id },
        }
    }

    /// One delivery attempt of a stored booking, by the configured transport. The booking is
    /// claimed first (`sent`), so two runners never send it twice; an unknown outcome is
    /// rescheduled with back-off and the same payload.
    pub fn deliver(&self, b: &BookingRecord, now: DateTime<Utc>) -> Result<Delivered, EngineError> {
        self.deliver_within(b, now, None)
    }

    /// [`deliver`](Self::deliver) with the HTTP call bounded by `budget` when shorter than the
    /// configured timeout.
    fn deliver_within(
        &self,
        b: &BookingRecord,
        now: DateTime<Utc>,
        budget: Option<std::time::Duration>,
    ) -> Result<Delivered, EngineError> {
        let Some(delivery) = &self.settings.delivery else {
            return Ok(Delivered::Skipped);
        };
        if !self.store.mark_sent(b.id, now)? {
            return Ok(Delivered::Skipped);
        }
        let attempts = b.attempts + 1;
        let policy = &self.settings.booking;
        let exhausted = attempts >= policy.max_attempts;
        let retry_at = if exhausted {
            // No more automatic attempts: the booking stays `unknown` (alerted, in the journal)
            // until someone sends it again by hand.
            never()
        } else {
            now + Duration::from_std(policy.backoff(attempts))
                .unwrap_or_else(|_| Duration::hours(1))
        };
        let unknown = |why: String| {
            if exhausted {
                format!("{why}; автоматические повторы остановлены после {attempts} попыток")
            } else {
                why
            }
        };
        match delivery {
            Delivery::Http(cfg) => match mis::deliver(&capped(cfg, budget), &b.payload) {
                Outcome::Confirmed { claim_id, .. } => {
                    self.store.mark_confirmed(b.id, now, claim_id.as_deref())?;
                    Ok(Delivered::Confirmed)
                }
                // An earlier attempt may have booked it: "taken" is most likely that booking.
                Outcome::Refused {
                    reason,
                    taken: true,
                    ..
                } if b.unsure => {
                    self.store.mark_check(b.id, now, &reason)?;
                    Ok(Delivered::Check(reason))
                }
                Outcome::Refused { reason, .. } => {
                    self.store.mark_rejected(b.id, now, &reason)?;
                    Ok(Delivered::Refused(reason))
                }
                Outcome::Unknown(e) => {
                    let why = unknown(e.to_string());
                    self.store
                        .mark_unknown(b.id, &why, retry_at, e.may_have_arrived())?;
                    Ok(Delivered::Unknown(why))
                }
            },
            Delivery::FtpDrop => {
                let dropped = self.settings.ftp.as_ref().map(|cfg| {
                    FtpSession::connect(cfg).and_then(|mut s| {
                        let r = s.upload_booking(&b.id.to_string(), &b.payload);
                        self.end_ftp(s, now);
                        r
                    })
                });
                match dropped {
                    Some(Ok(_)) => Ok(Delivered::Dropped),
                    // The MIS answers a dropped file by its booking id: never ambiguous.
                    Some(Err(e)) => {
                        let why = unknown(e.to_string());
                        self.store.mark_unknown(b.id, &why, retry_at, false)?;
                        Ok(Delivered::Unknown(why))
                    }
                    None => Ok(Delivered::Skipped),
                }
            }
        }
    }

    /// Sends a booking again now, by hand (the journal's "повторить отправку"): only a booking
    /// whose outcome is unknown (or still queued) is sent; returns how the attempt ended.
    pub fn retry(&self, id: BookingId, now: DateTime<Utc>) -> Result<Delivered, EngineError> {
        match self.store.booking(id)? {
            Some(b) if b.retryable() => self.deliver(&b, now),
            _ => Ok(Delivered::Skipped),
        }
    }

    /// "Проверить соединение": tries one connection (`db`, `ftp`, `mis`, or `mail`, which
    /// sends a test letter) and says what happened, in Russian. Nothing is booked or imported.
    pub fn check(&self, what: &str) -> Result<String, String> {
        use crate::transport::{ftp, mail};
        match what {
            "db" => self
                .store
                .migrate()
                .map(|_| format!("База данных {} доступна", self.settings.db.target()))
                .map_err(|e| format!("база данных недоступна или отказала ({e})")),
            "ftp" => {
                let cfg = self.settings.ftp.as_ref().ok_or("FTP не настроен")?;
                ftp::check(cfg)
                    .map(|c| {
                        let _ = self.note_protection(Link::Ftp, &c.protection, Utc::now());
                        format!(
                            "FTP-сервер {} доступен, файлов расписания ждут загрузки: {}; {}",
                            cfg.host,
                            c.waiting,
                            c.protection_text()
                        )
                    })
                    .map_err(|e| e.to_string())
            }
            "mis" => match &self.settings.delivery {
                Some(Delivery::Http(cfg)) => mis::check(cfg)
                    .map(|c| {
                        format!(
                            "МИС ответила HTTP {} за {:.2} с (запись не создавалась)",
                            c.status,
                            c.elapsed.as_secs_f64()
                        )
                    })
                    .map_err(|e| e.to_string()),
                Some(Delivery::FtpDrop) => self.check("ftp"),
                None => Err("адрес МИС для прямой записи не настроен".into()),
            },
            "mail" => {
                let cfg = self.settings.mail.as_ref().ok_or("почта не настроена")?;
                mail::send(
                    cfg,
                    "Проверка почты модуля онлайн-записи",
                    "Это проверочное письмо: уведомления о сбоях обмена с МИС будут приходить на этот адрес.\n",
                )
                .map(|protection| {
                    let _ = self.note_protection(Link::Mail, &protection, Utc::now());
                    format!(
                        "Проверочное письмо отправлено: {}; {}",
                        cfg.recipients.join(", "),
                        mail::protection_text(&protection)
                    )
                })
                .map_err(|e| e.to_string())
            }
            other => Err(format!(
                "неизвестная проверка «{other}»: db, ftp, mis или mail"
            )),
        }
    }

    /// Ends an FTP session: notes how it was protected as it ended (a data connection's TLS may
    /// have failed on the way, and the session gone on in plain text), then says goodbye.
    pub(crate) fn end_ftp(&self, session: FtpSession, now: DateTime<Utc>) {
        // the observation is a note for the admin: a database failure shows elsewhere
        let _ = self.note_protection(Link::Ftp, session.protection(), now);
        session.quit();
    }

    fn remind_after(&self) -> Duration {
        Duration::from_std(self.settings.remind_after).unwrap_or_else(|_| Duration::hours(24))
    }

    /// Raises an alert outside a tick (a request must not wait for SMTP): the next tick mails
    /// it when the store says it is due; the admin shows «ожидает отправки» meanwhile.
    pub(crate) fn queue_alert(
        &self,
        a: &alert::Alert,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let action = self
            .store
            .raise_alert(&a.key, a.kind, &a.text(), now, self.remind_after())?;
        if action != crate::storage::AlertAction::Nothing {
            self.store.alert_send_failed(&a.key, "ожидает отправки")?;
        }
        Ok(())
    }

    /// The booking as stored.
    pub fn booking(&self, id: BookingId) -> Result<Option<BookingRecord>, EngineError> {
        Ok(self.store.booking(id)?)
    }

    /// The journal: the newest bookings that match `filter` first, at most `limit`.
    pub fn bookings(
        &self,
        filter: &crate::storage::BookingFilter,
        limit: u32,
    ) -> Result<Vec<BookingRecord>, EngineError> {
        Ok(self.store.recent_bookings(filter, limit)?)
    }

    /// One cron cycle: import from FTP, check codes, deliver the outbox, read the FTP results,
    /// upload to ProDoctorov, mail the alerts.
    pub fn tick(&self, now: DateTime<Utc>) -> TickReport {
        tick::run(self, now)
    }
}

/// The MIS settings with the whole call bounded by `budget` too.
fn capped(
    cfg: &mis::MisConfig,
    budget: Option<std::time::Duration>,
) -> std::borrow::Cow<'_, mis::MisConfig> {
    match budget {
        Some(b) if b < cfg.timeout => {
            let mut c = cfg.clone();
            c.timeout = b;
            c.connect_timeout = c.connect_timeout.min(b);
            std::borrow::Cow::Owned(c)
        }
        _ => std::borrow::Cow::Borrowed(cfg),
    }
}

/// "Not before 9999-12-31" (the end of MySQL's DATETIME): a retry only a person can start.
fn never() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn field(field: &'static str, message: &str) -> BookError {
    BookError::Booking(BookingError::Invalid(vec![FieldError {
        field,
        message: message.to_owned(),
    }]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> BookingInput {
        BookingInput {
            filial_id: "1".into(),
            doctor_id: "0001".into(),
            date: "2026-12-01".into(),
            time_start: "09:00".into(),
            name: "Иванов Иван".into(),
            phone: "+7 900 123-45-67".into(),
            comment: String::new(),
            specialty: String::new(),
            utc: None,
        }
    }

    #[test]
    fn a_booking_request_needs_a_key() {
        let consent = Some(Consent {
            at: DateTime::UNIX_EPOCH,
            ip: "203.0.113.5".into(),
            text_version: "policy-2026-01".into(),
        });
        let new = |key: &str, source, consent: &Option<Consent>| {
            BookRequest::new(input(), key.into(), source, consent.clone()).map(|r| r.source)
        };
        assert_eq!(
            new("k", BookingSource::Site, &consent),
            Ok(BookingSource::Site)
        );
        assert_eq!(
            new(&"k".repeat(128), BookingSource::Prodoctorov, &None),
            Ok(BookingSource::Prodoctorov),
            "ProDoctorov's bookings carry no consent of the site's"
        );
        for key in ["", "  ", &"k".repeat(129), &"ж".repeat(65)] {
            assert_eq!(
                new(key, BookingSource::Site, &consent),
                Err(BookRequestError::Key),
                "{key:?}"
            );
        }
    }
}
