//! The site as the clinic's ProDoctorov connector (mis-exchange.md §4).
//!
//! **Upload.** On the cron cycle, when `prodoctorov.interval_minutes` have passed since the last
//! upload (of any outcome), the stored schedule of the enabled filials and doctors is rebuilt as
//! the §1.1 document — from now to the booking horizon; times taken in the MIS, held or booked on
//! the site, or closer than the minimum notice are `free: false` — and sent by the old API or v2.
//! When its digest (API, URL and document) equals the last successful upload's, nothing is sent
//! and an `unchanged` row is recorded. Every attempt is a `Priem_Upload` row; a failure is the
//! alert `prodoctorov_upload`, resolved by the next upload that works.
//!
//! **Direct bookings.** [`Engine::prodoctorov_booking`] answers ProDoctorov's §2.1 POST:
//! Basic auth (constant-time; the endpoint is closed without a login and a strong password, and
//! an address with [`LOGIN_FAILURES`] wrong logins in a window waits for its end: 429), then the
//! request is read, its filial and doctor must be among those the connector exports, and it is
//! booked — its UTC start and end as they came, checked once by the site's own path
//! (`domain::booking::validate`: a stored cell with exactly that start and end, not past nor
//! too soon, not taken nor held, the patient's fields) — through [`Engine::book`] with source
//! `prodoctorov` and an idempotency key derived from the request (filial, doctor, start, end,
//! phone), so an identical repeat answers as the first booking stands and never makes a second
//! one. The MIS call is bounded so the whole answer comes within [`ENDPOINT_BUDGET`] (< 10 s).
//! `success: true` only when the MIS confirmed it, or — with `accept_when_mis_down` — it is
//! kept and queued for the MIS. Otherwise a booking the MIS did not confirm in time is
//! cancelled (time released locally, shown busy until the next snapshot) and the clinic is
//! mailed to check the MIS, since a late answer may mean the MIS has it.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::alert::{self, Alert};
use super::limits::LOGIN_FAILURES;
use super::{BookError, BookOutcome, BookRequest, Engine};
use crate::domain::booking::{BookingError, BookingInput, BookingSource, BookingStatus, Consent};
use crate::domain::phone;
use crate::domain::range::Range;
use crate::engine::settings::{Delivery, Endpoint, Prodoctorov};
use crate::storage::{BookingId, BookingRecord, NewUpload, StorageError, UploadOutcome};
use crate::transport::prodoctorov::{self as transport, UploadConfig, UploadError};
use crate::transport::Secret;
use crate::wire::booking::{parse_direct_booking, DirectBookingRequest, RequestError};

/// The alert kind (and key) of a failing upload: a condition, resolved when an upload works.
pub const UPLOAD_ALERT: &str = "prodoctorov_upload";
/// The whole endpoint's answer time: ProDoctorov waits 10 s, PHP and the network need the rest.
pub const ENDPOINT_BUDGET: StdDuration = StdDuration::from_secs(9);
/// The most the MIS call may take within it.
pub const MIS_BUDGET: StdDuration = StdDuration::from_secs(8);
/// How often a repeated request looks at a booking another request is delivering.
const POLL: StdDuration = StdDuration::from_millis(100);

/// Why the connector could not act (failures of ProDoctorov itself are outcomes, not errors).
#[derive(Debug, Error)]
pub enum ConnectorError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The connector is off, or has no upload URL: the message says which, in Russian.
    #[error("{0}")]
    NotConfigured(&'static str),
}

/// What one upload step did (for the tick, the admin and `priem_prodoctorov_upload`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct UploadReport {
    /// `ok`, `failed`, `unchanged` (nothing sent), `not_due` (the interval has not passed) or
    /// `locked` (a cron run is working; try again).
    pub outcome: &'static str,
    pub upload_id: Option<u64>,
    pub api: &'static str,
    /// The URL's host only.
    pub host: String,
    pub bytes: u64,
    pub filials: usize,
    pub doctors: usize,
    pub cells: usize,
    pub http_status: Option<u16>,
    /// ProDoctorov's answer (start of it) or the error; never a credential.
    pub message: Option<String>,
    pub seconds: f64,
    /// sha256 of the API, the URL and the document.
    pub digest: String,
    #[serde(skip)]
    pub error: Option<UploadError>,
}

/// The endpoint's answer: the HTTP status, and the body `{"success": …, "error": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectAnswer {
    /// 200 (booked or refused), 400 (unreadable request), 401 (auth), 403 (connector off),
    /// 429 (too many wrong logins from the address: `retry_after`), 503 (the site's database
    /// failed: ProDoctorov may try again).
    pub http_status: u16,
    pub success: bool,
    /// Why not, in Russian (`None` on success).
    pub error: Option<String>,
    /// The booking made (or found again), for the journal and logs.
    pub booking_id: Option<BookingId>,
    /// With 429: the seconds until the address may try its credentials again.
    pub retry_after: Option<u64>,
}

impl DirectAnswer {
    fn ok(id: BookingId) -> DirectAnswer {
        DirectAnswer {
            http_status: 200,
            success: true,
            error: None,
            booking_id: Some(id),
            retry_after: None,
        }
    }

    fn no(http_status: u16, error: impl Into<String>) -> DirectAnswer {
        DirectAnswer {
            http_status,
            success: false,
            error: Some(error.into()),
            booking_id: None,
            retry_after: None,
        }
    }

    fn refused(id: BookingId, error: impl Into<String>) -> DirectAnswer {
        DirectAnswer {
            booking_id: Some(id),
            ..DirectAnswer::no(200, error)
        }
    }

    /// The body ProDoctorov receives (as JSON): `{"success": …, "error": …}`.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({"success": self.success, "error": self.error})
    }
}

/// How many uploads `recent_uploads` may list at once.
pub const UPLOADS_LISTED: Range = Range::new("limit", 1, 1000);

const TEMPORARY: &str = "Временная ошибка на сайте клиники, повторите запрос позже";
const CANCELLED: &str =
    "МИС клиники не подтвердила запись вовремя; запись не создана, время освобождено";

impl Engine {
    fn connector(&self) -> Result<&Prodoctorov, ConnectorError> {
        match &self.settings().prodoctorov {
            Some(p) if p.enabled => Ok(p),
            _ => Err(ConnectorError::NotConfigured(
                "коннектор ПроДокторов выключен в настройках",
            )),
        }
    }

    /// The document that would be uploaded now (enabled filials and doctors, booking horizon).
    pub fn prodoctorov_export(
        &self,
        now: DateTime<Utc>,
    ) -> Result<crate::wire::export::Export, ConnectorError> {
        let p = self.connector()?;
        let policy = &self.settings().booking;
        let to = now + Duration::days(i64::from(policy.horizon_days));
        let busy_before = now + Duration::minutes(i64::from(policy.min_notice_minutes));
        Ok(self
            .store()
            .export_schedule(now, to, busy_before, &|f, d| p.allows(f, d))?)
    }

    /// The admin's "выгрузить сейчас" (and the PHP function): one upload step under the cron
    /// lock (`locked` when a run holds it). `force` sends even when not due or unchanged.
    pub fn prodoctorov_upload(
        &self,
        now: DateTime<Utc>,
        force: bool,
    ) -> Result<UploadReport, ConnectorError> {
        let Some(lock) = self.store().try_lock(super::LOCK_NAME)? else {
            return Ok(UploadReport {
                outcome: "locked",
                ..UploadReport::default()
            });
        };
        let r = self.prodoctorov_upload_step(now, force);
        let _ = lock.release();
        r
    }

    /// One upload step, the caller holding the cron lock.
    pub(crate) fn prodoctorov_upload_step(
        &self,
        now: DateTime<Utc>,
        force: bool,
    ) -> Result<UploadReport, ConnectorError> {
        let p = self.connector()?;
        let cfg: &UploadConfig = p.upload.as_ref().ok_or(ConnectorError::NotConfigured(
            "адрес выгрузки расписания в ПроДокторов не задан",
        ))?;
        let store = self.store();
        let mut report = UploadReport {
            api: cfg.api.as_str(),
            host: cfg.host(),
            ..UploadReport::default()
        };
        if !force {
            if let Some(last) = store.last_upload()? {
                let interval = Duration::from_std(p.interval).unwrap_or(Duration::minutes(15));
                if now >= last.started_at && now - last.started_at < interval {
                    report.outcome = "not_due";
                    return Ok(report);
                }
            }
        }
        let started = Instant::now();
        let export = self.prodoctorov_export(now)?;
        let document = export.to_json();
        let mut h = Sha256::new();
        h.update(cfg.api.as_str().as_bytes());
        h.update(b"\n");
        h.update(cfg.url.trim().as_bytes());
        h.update(b"\n");
        h.update(document.as_bytes());
        report.digest = format!("{:x}", h.finalize());
        report.bytes = document.len() as u64;
        report.filials = export.filials.len();
        report.doctors = export.doctors();
        report.cells = export.cells();
        let unchanged = !force
            && store
                .last_successful_upload()?
                .is_some_and(|l| l.digest == report.digest);
        let outcome = if unchanged {
            report.outcome = "unchanged";
            UploadOutcome::Unchanged
        } else {
            match transport::upload(cfg, &document) {
                Ok(a) => {
                    report.outcome = "ok";
                    report.http_status = Some(a.status);
                    report.message = Some(a.answer).filter(|m| !m.is_empty());
                    UploadOutcome::Ok
                }
                Err(e) => {
                    report.outcome = "failed";
                    report.http_status = e.status();
                    report.message = Some(e.to_string());
                    report.error = Some(e);
                    UploadOutcome::Failed
                }
            }
        };
        report.seconds = started.elapsed().as_secs_f64();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        report.upload_id = Some(store.record_upload(&NewUpload {
            started_at: now,
            api: report.api,
            host: report.host.clone(),
            outcome,
            bytes: report.bytes,
            digest: report.digest.clone(),
            filials: count(report.filials),
            doctors: count(report.doctors),
            cells: count(report.cells),
            http_status: report.http_status,
            answer: report.message.clone(),
            seconds: report.seconds,
        })?);
        Ok(report)
    }

    /// Answers ProDoctorov's direct booking (`body`: the §2.1 JSON; `authorization`: the raw
    /// `Authorization` header, if any; `client`: the address it came from, see
    /// [`Engine::client_address`]). Never panics, never fails: every problem is an answer.
    pub fn prodoctorov_booking(
        &self,
        body: &str,
        authorization: Option<&str>,
        client: &str,
        now: DateTime<Utc>,
    ) -> DirectAnswer {
        let started = Instant::now();
        let Some(p) = self.settings().prodoctorov.as_ref() else {
            return DirectAnswer::no(403, "Запись через ПроДокторов не включена на сайте клиники");
        };
        if let Some(no) = self.endpoint_login(p, authorization, client, now) {
            return no;
        }
        if !p.enabled {
            return DirectAnswer::no(403, "Запись через ПроДокторов не включена на сайте клиники");
        }
        let req = match parse_direct_booking(body) {
            Ok(r) => r,
            Err(e) => return DirectAnswer::no(400, request_error_ru(&e)),
        };
        match self.book_direct(p, &req, now, started) {
            Ok(a) => a,
            Err(_) => DirectAnswer::no(503, TEMPORARY),
        }
    }

    /// The endpoint's door: `None` when the credentials are right; otherwise the answer — 401
    /// (closed, or wrong credentials, counted per address), 429 once the address has
    /// [`LOGIN_FAILURES`] wrong logins in the window, 503 when they cannot be counted.
    fn endpoint_login(
        &self,
        p: &Prodoctorov,
        authorization: Option<&str>,
        client: &str,
        now: DateTime<Utc>,
    ) -> Option<DirectAnswer> {
        let (user, password) = match &p.endpoint {
            Endpoint::Basic { user, password } => (user, password),
            Endpoint::Closed { reason, .. } => {
                return Some(DirectAnswer::no(
                    401,
                    format!("Прямая запись не настроена на сайте клиники: {reason}"),
                ))
            }
        };
        let too_many = |retry_after: u64| {
            DirectAnswer {
            retry_after: Some(retry_after),
            ..DirectAnswer::no(
                429,
                format!(
                    "Слишком много неверных попыток входа с этого адреса ({LOGIN_FAILURES} подряд). \
                     Повторите через {} мин.",
                    retry_after.div_ceil(60)
                ),
            )
        }
        };
        match self.login_wait(client, now) {
            Ok(0) => {}
            Ok(wait) => return Some(too_many(wait)),
            Err(_) => return Some(DirectAnswer::no(503, TEMPORARY)),
        }
        if basic_auth_matches(user, password, authorization) {
            return None;
        }
        if authorization.is_some_and(|a| !a.trim().is_empty()) {
            // a wrong password, not a missing one: counted
            if self.login_failed(client, now).is_err() {
                return Some(DirectAnswer::no(503, TEMPORARY));
            }
        }
        Some(DirectAnswer::no(401, "Неверный логин или пароль"))
    }

    /// A request that passed the door: booked through the site's path, answered in time.
    fn book_direct(
        &self,
        p: &Prodoctorov,
        req: &DirectBookingRequest,
        now: DateTime<Utc>,
        started: Instant,
    ) -> Result<DirectAnswer, StorageError> {
        let deadline = started + ENDPOINT_BUDGET;
        let key = idempotency_key(req);
        if let Some(existing) = self.store().booking_by_key(&key)? {
            return self.settle(p, existing.id, deadline, now);
        }
        let (filial, doctor) = (req.filial_id.as_str(), req.doctor_id.as_str());
        if !p.allows(filial, doctor) {
            return Ok(DirectAnswer::no(
                200,
                format!(
                    "Врач «{}» филиала «{}» не принимает запись через ПроДокторов",
                    short(doctor),
                    short(filial)
                ),
            ));
        }
        let confirms_at_once = matches!(self.settings().delivery, Some(Delivery::Http(_)));
        if !confirms_at_once && !p.accept_when_mis_down {
            return Ok(DirectAnswer::no(
                200,
                "Клиника не может подтвердить запись сразу — запишитесь по телефону клиники",
            ));
        }
        // One request in UTC, checked once by the site's booking path: the cell, past and notice,
        // taken and held, the patient's fields.
        let book = BookRequest {
            input: BookingInput {
                filial_id: req.filial_id.clone(),
                doctor_id: req.doctor_id.clone(),
                utc: Some((req.start, req.end)),
                name: req.name.clone(),
                phone: req.phone.clone(),
                comment: req.comment.clone(),
                specialty: req.specialty.clone(),
                ..BookingInput::default()
            },
            idempotency_key: key,
            source: BookingSource::Prodoctorov,
            consent: Some(Consent::by_prodoctorov(now)),
            form_nonce: None,
        };
        let left = ENDPOINT_BUDGET.saturating_sub(started.elapsed());
        if left < StdDuration::from_secs(1) {
            return Ok(DirectAnswer::no(503, TEMPORARY));
        }
        match self.book_within(&book, now, Some(left.min(MIS_BUDGET))) {
            Ok(BookOutcome::Confirmed { id }) => Ok(DirectAnswer::ok(id)),
            Ok(BookOutcome::Refused { id, reason, .. }) => {
                Ok(DirectAnswer::refused(id, mis_refusal(&reason)))
            }
            Ok(BookOutcome::Pending { id }) => self.settle(p, id, deadline, now),
            Err(BookError::Booking(BookingError::Taken { .. })) => {
                Ok(DirectAnswer::no(200, "Это время уже занято"))
            }
            Err(BookError::Booking(BookingError::Invalid(fields))) => {
                let bad_input = fields
                    .iter()
                    .any(|f| matches!(f.field, "name" | "phone" | "comment"));
                let text = fields
                    .iter()
                    .map(|f| match f.field {
                        "filial_id" => format!("Филиал «{}»: {}", short(filial), f.message),
                        "doctor_id" => format!("Врач «{}»: {}", short(doctor), f.message),
                        // the cell's own messages name the day and time
                        "date" | "time_start" => f.message.clone(),
                        other => format!("{}: {}", field_ru(other), f.message),
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                Ok(DirectAnswer::no(if bad_input { 400 } else { 200 }, text))
            }
            // ProDoctorov's bookings pass no quota and no form token
            Err(BookError::Engine(_)) | Err(BookError::Refused(_)) => {
                Ok(DirectAnswer::no(503, TEMPORARY))
            }
        }
    }

    /// The answer for a stored booking that is not final yet, or found again by its key.
    fn settle(
        &self,
        p: &Prodoctorov,
        id: BookingId,
        deadline: Instant,
        now: DateTime<Utc>,
    ) -> Result<DirectAnswer, StorageError> {
        loop {
            let Some(b) = self.store().booking(id)? else {
                return Ok(DirectAnswer::no(503, TEMPORARY));
            };
            match b.status {
                BookingStatus::Confirmed => return Ok(DirectAnswer::ok(id)),
                BookingStatus::Rejected => {
                    let reason = b.last_error.as_deref().unwrap_or_default();
                    return Ok(DirectAnswer::refused(id, mis_refusal(reason)));
                }
                _ if p.accept_when_mis_down => return Ok(DirectAnswer::ok(id)),
                // Another request (the same one, sent twice at once) is delivering it now.
                BookingStatus::Queued | BookingStatus::Sent if Instant::now() + POLL < deadline => {
                    std::thread::sleep(POLL)
                }
                _ => {
                    self.cancel(&b, now)?;
                    return Ok(DirectAnswer::refused(id, CANCELLED));
                }
            }
        }
    }

    /// Cancels a ProDoctorov booking the MIS did not confirm in time, and tells the clinic.
    fn cancel(&self, b: &BookingRecord, now: DateTime<Utc>) -> Result<(), StorageError> {
        match self.store().mark_rejected(b.id, now, CANCELLED) {
            Ok(()) => {}
            // Confirmed meanwhile: the MIS has it; the repeat will say so.
            Err(StorageError::BadTransition { .. }) => return Ok(()),
            Err(e) => return Err(e),
        }
        // Mailed by the next tick, like a refusal at booking time.
        let _ = self.queue_alert(&cancelled_alert(b, now), now);
        Ok(())
    }
}

/// An upload's outcome for the clinic's staff (the «ПроДокторов» tab).
pub fn upload_outcome_name(o: UploadOutcome) -> &'static str {
    match o {
        UploadOutcome::Ok => "принято",
        UploadOutcome::Failed => "ошибка",
        UploadOutcome::Unchanged => "без изменений, не отправлялось",
    }
}

/// The alert of a failing upload.
pub fn upload_failed_alert(report: &UploadReport, now: DateTime<Utc>) -> Alert {
    let why = report.message.as_deref().unwrap_or("причина неизвестна");
    Alert::new(
        UPLOAD_ALERT.into(),
        UPLOAD_ALERT,
        "Расписание не выгружается в ПроДокторов".into(),
        alert::body(
            &format!(
                "Не удалось отправить расписание в ПроДокторов ({}, API {}): {why}.\nПока выгрузка \
                 не работает, ПроДокторов показывает пациентам прежнее расписание.",
                report.host, report.api
            ),
            now,
            "проверьте адрес выгрузки, логин и пароль (или токен) ПроДокторов в настройках модуля. \
             Выгрузка повторяется автоматически; журнал выгрузок — в разделе модуля «ПроДокторов».",
        ),
    )
}

fn cancelled_alert(b: &BookingRecord, now: DateTime<Utc>) -> Alert {
    Alert::new(
        format!("prodoctorov_cancelled:{}", b.id),
        alert::REFUSED,
        format!(
            "Запись №{} от ПроДокторов отменена: МИС не ответила вовремя",
            b.id
        ),
        alert::body(
            &format!(
                "ПроДокторов прислал запись №{} (филиал {}, врач {}, {}), но МИС не подтвердила её \
                 за {} с. ПроДокторову ответили отказом, время на сайте освобождено.",
                b.id,
                b.filial,
                b.doctor,
                alert::moscow_time(b.start_utc),
                MIS_BUDGET.as_secs()
            ),
            now,
            "проверьте в МИС, не появилась ли эта запись (ответ МИС мог просто опоздать); если \
             появилась — свяжитесь с пациентом (телефон — в журнале записей модуля).",
        ),
    )
}

/// The key that makes an identical repeat the same booking: `pd:` and the sha256 of filial,
/// doctor, start, end and the phone (normalized when it can be).
pub fn idempotency_key(req: &DirectBookingRequest) -> String {
    let phone = phone::normalize(&req.phone).unwrap_or_else(|_| req.phone.trim().to_owned());
    let mut h = Sha256::new();
    for part in [
        req.filial_id.as_str(),
        req.doctor_id.as_str(),
        &req.start.timestamp().to_string(),
        &req.end.timestamp().to_string(),
        &phone,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    format!("pd:{:x}", h.finalize())
}

/// Whether the `Authorization` header carries exactly these Basic credentials (compared in
/// constant time; the scheme name in any case).
pub fn basic_auth_matches(user: &str, password: &Secret, header: Option<&str>) -> bool {
    let Some(h) = header.map(str::trim) else {
        return false;
    };
    let Some((scheme, value)) = h.split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Some(got) = base64_decode(value.trim()) else {
        return false;
    };
    let expected = format!("{user}:{}", password.expose());
    constant_time_eq(&got, expected.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// Standard base64, padding optional; `None` for anything else.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine as _;
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(s).ok()
}

/// A rejected booking's reason for ProDoctorov (the MIS's, or the site's own cancellation).
fn mis_refusal(reason: &str) -> String {
    if reason == CANCELLED {
        CANCELLED.into()
    } else if reason.trim().is_empty() {
        "МИС клиники отказала в записи (причина не указана)".into()
    } else {
        format!("МИС клиники отказала в записи: {reason}")
    }
}

/// A code quoted in an answer, cut to a sane length.
fn short(code: &str) -> String {
    let mut s: String = code.chars().take(64).collect();
    if code.chars().count() > 64 {
        s.push('…');
    }
    s
}

fn field_ru(field: &str) -> &'static str {
    match field {
        "name" => "Имя",
        "phone" => "Телефон",
        "comment" => "Комментарий",
        _ => "Запрос",
    }
}

/// An unreadable request in Russian, naming the field but never quoting its value (a phone
/// number must not come back in an answer or a log).
fn request_error_ru(e: &RequestError) -> String {
    match e {
        RequestError::NotJson(_) => "Тело запроса — не JSON".into(),
        RequestError::NotObject(_) => "Ожидался JSON-объект с полями записи".into(),
        RequestError::Field { field, reason } if reason == crate::wire::booking::MISSING => {
            format!("Не указано поле {field}")
        }
        RequestError::Field { field, .. } if field.starts_with("dt_") => {
            format!("Поле {field}: нужно время UTC вида 2019-06-23T12:30:00Z")
        }
        RequestError::Field { field, .. } => format!("Поле {field}: ожидалась строка"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_checked_exactly() {
        let pw = Secret::new("p@ss:word");
        // "pd:p@ss:word"
        let good = "Basic cGQ6cEBzczp3b3Jk";
        assert!(basic_auth_matches("pd", &pw, Some(good)));
        assert!(basic_auth_matches(
            "pd",
            &pw,
            Some("basic cGQ6cEBzczp3b3Jk")
        ));
        assert!(!basic_auth_matches("pd", &pw, None));
        assert!(!basic_auth_matches(
            "pd",
            &pw,
            Some("Bearer cGQ6cEBzczp3b3Jk")
        ));
        assert!(!basic_auth_matches(
            "pd",
            &pw,
            Some("Basic cGQ6cEBzczp3b3J")
        ));
        assert!(!basic_auth_matches("pd", &pw, Some("Basic !!!")));
        assert!(!basic_auth_matches("pdx", &pw, Some(good)));
    }

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(base64_decode("Zm9v").unwrap(), b"foo");
        assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64_decode("Zm8").unwrap(), b"fo");
        assert_eq!(base64_decode("Zg==").unwrap(), b"f");
        assert!(base64_decode("Z").is_none());
    }

    #[test]
    fn the_key_ignores_the_phone_format_and_the_comment() {
        let json = |phone: &str, comment: &str| {
            format!(
                r#"{{"dt_start":"2026-12-01T09:00:00Z","dt_end":"2026-12-01T09:30:00Z",
                    "filial_id":"1","doctor_id":"0001","name":"Иван","phone":"{phone}",
                    "comment":"{comment}"}}"#
            )
        };
        let k = |p: &str, c: &str| idempotency_key(&parse_direct_booking(&json(p, c)).unwrap());
        assert_eq!(k("79001234567", "a"), k("+7 (900) 123-45-67", "b"));
        assert_ne!(k("79001234567", "a"), k("79001234568", "a"));
        assert!(k("79001234567", "").len() <= 128);
        assert!(!k("79001234567", "").contains("9001234567"));
    }

    #[test]
    fn request_errors_never_quote_values() {
        let e = parse_direct_booking(r#"{"dt_start":"2026-12-01T09:00:00Z","dt_end":"2026-12-01T09:30:00Z","filial_id":"1","doctor_id":"1","name":"a","phone":79001234567}"#).unwrap_err();
        let t = request_error_ru(&e);
        assert_eq!(t, "Поле phone: ожидалась строка");
        assert_eq!(
            request_error_ru(&parse_direct_booking("{").unwrap_err()),
            "Тело запроса — не JSON"
        );
    }
}
