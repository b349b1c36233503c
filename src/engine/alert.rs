//! What each failure says in the clinic's inbox. Every alert has a stable key (one problem,
//! one key), a kind, and a Russian subject and body: what happened, which code, file or
//! booking, when, and what to do.

use chrono::{DateTime, Utc};

use super::settings::WhenLost;
use crate::domain::phone;
use crate::storage::{BookingRecord, CodeProblem, StorageError};
use crate::wire::schedule::DoctorError;

/// Kinds that describe a lasting condition: resolved (and announced) when a run that checked
/// them no longer sees them. Other kinds are events: mailed once, never "resolved".
pub const FTP: &str = "ftp";
pub const MIS: &str = "mis";
pub const BAD_DOCTOR: &str = "bad_doctor";
pub const BAD_CELLS: &str = "bad_cells";
pub const UNANSWERED: &str = "booking_unanswered";
pub const BAD_FILE: &str = "bad_file";
pub const REFUSED: &str = "booking_refused";
/// A booking in «проверить в МИС» (a condition: resolved when a snapshot settles it).
pub const CHECK: &str = "booking_check";
/// A `check` booking the MIS's snapshot shows free: lost (an event).
pub const LOST: &str = "booking_lost";
/// A confirmed booking the MIS's snapshots do not show (a condition: resolved when one does).
pub const MISSING: &str = "booking_missing";
pub const STORAGE: &str = "storage";
/// The announcement that a problem is over, kept only while its mail could not be sent.
pub const RESOLVED: &str = "resolved";

/// Events are mailed once and then closed; conditions stay open until resolved.
pub fn is_event(kind: &str) -> bool {
    kind == REFUSED || kind == LOST || kind == RESOLVED
}

/// The admin's group of an alert kind: `codes` for the known-codes check (the «Коды МИС» tab),
/// else `sync`.
pub fn group(kind: &str) -> &'static str {
    if CodeProblem::KINDS.contains(&kind) {
        "codes"
    } else {
        "sync"
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub key: String,
    pub kind: &'static str,
    /// Private: made by [`Alert::new`] only, which starts it with a capital letter.
    subject: String,
    pub body: String,
}

impl Alert {
    /// The one place an alert's subject is made: whatever it was built from (a sentence
    /// fragment such as a code problem's «врача с кодом 0107 нет в данных МИС»), the letter's
    /// subject and the admin's heading start with a capital letter.
    pub fn new(key: String, kind: &'static str, subject: String, body: String) -> Alert {
        Alert {
            key,
            kind,
            subject: capitalised(&subject),
            body,
        }
    }

    /// The letter's subject.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// What the store keeps: the subject, a blank line, the body (see [`split_text`]).
    pub fn text(&self) -> String {
        format!("{}\n\n{}", self.subject, self.body)
    }
}

/// `s` with its first letter in upper case («врача …» → «Врача …»).
pub fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `s` as it reads after a colon: its first letter lower case («Проверьте код» → «проверьте
/// код»), unless its first word is an abbreviation («МИС», «FTP-сервер»), which stays.
pub fn after_colon(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_owned(),
    }
}

/// A stored alert text back into subject and body.
pub fn split_text(text: &str) -> (&str, &str) {
    text.split_once("\n\n").unwrap_or((text, ""))
}

/// What the admin shows of a stored alert text (it has columns for the times and mails): the
/// subject, and the letter's paragraphs — what happened, what to do — without the subject said
/// again, the time ([`body`]'s «Когда:») and the signature.
pub fn shown(text: &str) -> (String, Vec<String>) {
    let (subject, body) = split_text(text.trim());
    // alerts stored before subjects were capitalised show as a new one would
    let subject = capitalised(subject.trim());
    let paragraphs = body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| {
            !p.is_empty()
                && capitalised(p).trim_end_matches('.') != subject.trim_end_matches('.')
                && !p.starts_with(WHEN)
                && !p.starts_with(SIGNATURE)
        })
        // and those stored before «Что сделать:» read in lower case after it, as a new one
        .map(|p| match p.strip_prefix(TODO) {
            Some(todo) => format!("{TODO}{}", after_colon(todo)),
            None => p.to_owned(),
        })
        .collect();
    (subject, paragraphs)
}

const WHEN: &str = "Когда:";
const TODO: &str = "Что сделать: ";
const SIGNATURE: &str = "— ";

pub fn bad_file_key(name: &str) -> String {
    format!("bad_file:{name}")
}

pub fn bad_doctor_key(filial: &str, doctor: &str) -> String {
    format!("bad_doctor:{filial}:{doctor}")
}

pub fn bad_cells_key(filial: &str, doctor: &str) -> String {
    format!("bad_cells:{filial}:{doctor}")
}

/// `28.11.2026 15:30 МСК`.
pub fn moscow_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Moscow)
        .format("%d.%m.%Y %H:%M МСК")
        .to_string()
}

/// A letter's body: what happened, when, «Что сделать: …» (`todo` as a sentence or not: it
/// reads in lower case after the colon) and the signature.
pub(crate) fn body(what: &str, when: DateTime<Utc>, todo: &str) -> String {
    let todo = after_colon(todo);
    format!(
        "{what}\n\n{WHEN} {}.\n\n{TODO}{todo}\n\n{SIGNATURE}Модуль онлайн-записи priem. Это письмо придёт снова, \
         если проблема не исчезнет, и ещё раз, когда она будет решена.\n",
        moscow_time(when)
    )
}

pub fn ftp_failed(host: &str, error: &str, now: DateTime<Utc>) -> Alert {
    Alert::new(
        "ftp".into(),
        FTP,
        format!("Расписание не загружается: FTP-сервер {host} недоступен"),
        body(
            &format!("Не удалось забрать расписание МИС с FTP-сервера {host}: {error}."),
            now,
            "проверьте, что FTP-сервер работает и что адрес, логин и пароль в настройках модуля \
             верны. Пока связи нет, на сайте показывается последнее загруженное расписание.",
        ),
    )
}

/// Where a schedule snapshot came from, as the letters and the runs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin<'a> {
    /// A file the cron took from the FTP server.
    Ftp(&'a str),
    /// The MIS's HTTP push (`push.php`).
    Push,
}

/// The name of a pushed snapshot in the runs («Файл») and in its alerts' keys.
pub const PUSH_NAME: &str = "HTTP push";

impl Origin<'_> {
    /// The file's name, or [`PUSH_NAME`].
    pub fn name(&self) -> &str {
        match self {
            Origin::Ftp(name) => name,
            Origin::Push => PUSH_NAME,
        }
    }

    /// What a letter's sentence starts with: «В файле X» or «В выгрузке, присланной МИС…».
    fn within(&self) -> String {
        match self {
            Origin::Ftp(name) => format!("В файле {name}"),
            Origin::Push => "В выгрузке, присланной МИС по HTTP (push),".to_owned(),
        }
    }
}

pub fn bad_file(origin: Origin, error: &str, now: DateTime<Utc>) -> Alert {
    let todo = "передайте это письмо разработчикам МИС: выгрузка должна соответствовать формату \
                ПроДокторов. Следующий правильный файл будет загружен автоматически.";
    let (subject, what) = match origin {
        Origin::Ftp(name) => (
            format!("Файл расписания {name} не принят"),
            format!(
                "Файл {name} с FTP-сервера не удалось прочитать: {error}.\nФайл перенесён в папку \
                 failed/; прежнее расписание на сайте не изменилось."
            ),
        ),
        Origin::Push => (
            "Расписание, присланное МИС по HTTP, не принято".to_owned(),
            format!(
                "Выгрузку, присланную МИС по HTTP (push), не удалось прочитать: {error}.\nМИС \
                 получила ответ 400 с этой ошибкой; прежнее расписание на сайте не изменилось."
            ),
        ),
    };
    Alert::new(
        bad_file_key(origin.name()),
        BAD_FILE,
        subject,
        body(&what, now, todo),
    )
}

/// A snapshot larger than the settings allow: not imported, filed into `failed/`.
pub fn too_large(name: &str, max_mb: u64, now: DateTime<Utc>) -> Alert {
    Alert::new(
        bad_file_key(name),
        BAD_FILE,
        format!("Файл расписания {name} не принят: больше {max_mb} МБ"),
        body(
            &format!(
                "Файл {name} на FTP-сервере больше {max_mb} МБ — предела, заданного в настройках \
                 модуля, — и не был загружен.\nФайл перенесён в папку failed/; прежнее расписание на \
                 сайте не изменилось."
            ),
            now,
            "если расписание клиники действительно так велико, увеличьте «Наибольший файл \
             расписания, МБ» в настройках модуля (следующий файл МИС будет загружен); иначе \
             передайте это письмо разработчикам МИС — в выгрузку попало лишнее.",
        ),
    )
}

pub fn bad_doctor(e: &DoctorError, origin: Origin, now: DateTime<Utc>) -> Alert {
    Alert::new(
        bad_doctor_key(&e.filial, &e.doctor),
        BAD_DOCTOR,
        format!(
            "Расписание врача {} в филиале {} не принято",
            e.doctor, e.filial
        ),
        body(
            &format!(
                "{} расписание врача с кодом {} (филиал {}) содержит ошибку:\n{e}\n\
                 Для этого врача на сайте осталось прежнее расписание; остальные врачи обновлены.",
                origin.within(),
                e.doctor,
                e.filial
            ),
            now,
            "передайте это письмо разработчикам МИС, чтобы исправить выгрузку этого врача.",
        ),
    )
}

/// The cells of one doctor left out of a file (`cells` all of one filial and doctor).
pub fn bad_cells(cells: &[&DoctorError], origin: Origin, now: DateTime<Utc>) -> Alert {
    /// How many cells a letter lists.
    const LISTED: usize = 10;
    let (filial, doctor) = cells
        .first()
        .map_or(("", ""), |c| (c.filial.as_str(), c.doctor.as_str()));
    let mut list: Vec<String> = cells.iter().take(LISTED).map(|c| c.to_string()).collect();
    if cells.len() > LISTED {
        list.push(format!("… и ещё {}", cells.len() - LISTED));
    }
    Alert::new(
        bad_cells_key(filial, doctor),
        BAD_CELLS,
        format!(
            "В расписании врача {doctor} в филиале {filial} пропущены ячейки с ошибкой: {}",
            cells.len()
        ),
        body(
            &format!(
                "{} у врача с кодом {doctor} (филиал {filial}) ячейки с ошибкой \
                 (путь в файле: что не так):\n{}\nЭти ячейки не загружены и их время не \
                 предлагается на сайте; остальное расписание врача обновлено.",
                origin.within(),
                list.join("\n")
            ),
            now,
            "передайте это письмо разработчикам МИС, чтобы исправить выгрузку этих ячеек.",
        ),
    )
}

pub fn code_problem(p: &CodeProblem, now: DateTime<Utc>) -> Alert {
    Alert::new(
        p.key(),
        p.kind(),
        p.to_string(),
        body(&capitalised(&format!("{p}.")), now, p.advice()),
    )
}

pub fn mis_unreachable(error: &str, booking: u64, now: DateTime<Utc>) -> Alert {
    Alert::new(
        "mis".into(),
        MIS,
        "МИС не отвечает: записи с сайта ждут отправки".into(),
        body(
            &format!(
                "Запись №{booking} не удалось передать в МИС: {error}.\nЗапись сохранена на сайте и \
                 будет отправлена повторно (тем же запросом, без дублей). Пациенту сказано, что \
                 клиника перезвонит для подтверждения."
            ),
            now,
            "проверьте, что МИС работает и что адрес, логин и пароль для прямой записи в \
             настройках модуля верны. Неотправленные записи видны в журнале записей модуля.",
        ),
    )
}

pub fn refused(booking: u64, reason: &str, now: DateTime<Utc>) -> Alert {
    // The MIS's words may name the patient's phone: letters never carry a full one.
    let reason = if reason.is_empty() {
        "причина не указана".to_owned()
    } else {
        phone::mask_numbers_in(reason)
    };
    Alert::new(
        format!("booking_refused:{booking}"),
        REFUSED,
        format!("МИС отказала в записи №{booking}"),
        body(
            &format!(
                "МИС не приняла запись №{booking}: {reason}.\nВремя освобождено на сайте; пациенту \
                 показан отказ и другие свободные времена."
            ),
            now,
            "если пациент оставил телефон, свяжитесь с ним и предложите другое время (телефон — в \
             журнале записей модуля).",
        ),
    )
}

/// `01.12.2026 15:30 МСК, филиал 1, врач 0001`: which appointment.
fn appointment(b: &BookingRecord) -> String {
    format!(
        "{}, филиал {}, врач {}",
        moscow_time(b.start_utc),
        b.filial,
        b.doctor
    )
}

/// The booking is in «проверить в МИС» (see `BookingStatus::Check`).
pub fn check(b: &BookingRecord, when_lost: WhenLost, now: DateTime<Utc>) -> Alert {
    let reason = phone::mask_numbers_in(b.last_error.as_deref().unwrap_or("время занято"));
    let then = match when_lost {
        WhenLost::Retry => "отправит запись повторно",
        WhenLost::Refuse => "отменит запись и сообщит об этом",
    };
    Alert::new(
        format!("booking_check:{}", b.id),
        CHECK,
        format!(
            "Проверьте в МИС запись №{}: первая попытка, вероятно, дошла",
            b.id
        ),
        body(
            &format!(
                "Запись №{} ({}) отправлялась в МИС, и на одну из попыток ответа не было (истекло \
                 время ожидания или оборвалась связь). Повторная отправка получила ответ «{reason}» — \
                 скорее всего, это время занято самой этой записью: первая попытка дошла до МИС.\n\
                 Время на сайте удерживается за пациентом, пациенту сказано «Заявка принята». В \
                 журнале записей модуля запись в состоянии «проверить в МИС».",
                b.id,
                appointment(b)
            ),
            now,
            &format!(
                "найдите в МИС приём на это время и сверьте его с записью №{} (телефон пациента — в \
                 журнале записей модуля). Если приём в МИС есть, ничего делать не нужно: модуль \
                 подтвердит запись по следующей выгрузке расписания, где это время занято. Если \
                 время в МИС свободно, модуль увидит это в выгрузке и {then}.",
                b.id
            ),
        ),
    )
}

/// A `check` booking the MIS's snapshot (produced at `produced`) shows free: the booking was
/// lost, and was sent again or refused as `when_lost` says.
pub fn lost(
    b: &BookingRecord,
    when_lost: WhenLost,
    produced: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Alert {
    let (what, then, todo) = match when_lost {
        WhenLost::Retry => (
            "отправлена повторно",
            "Запись отправлена в МИС ещё раз тем же запросом.",
            "проверьте в журнале записей модуля, что повторная отправка подтверждена; если нет — \
             свяжитесь с пациентом (телефон — в журнале).",
        ),
        WhenLost::Refuse => (
            "запись отменена",
            "Запись отменена, время на сайте освобождено; пациенту было сказано «Заявка принята».",
            "свяжитесь с пациентом (телефон — в журнале записей модуля) и предложите записаться \
             снова.",
        ),
    };
    Alert::new(
        format!("booking_lost:{}", b.id),
        LOST,
        format!("МИС не записала запись №{}: {what}", b.id),
        body(
            &format!(
                "Запись №{} ({}) ждала проверки в МИС: повторная отправка получила ответ «время \
                 занято», но выгрузка расписания МИС от {} показывает это время свободным — первая \
                 попытка не дошла, запись в МИС потеряна.\n{then}",
                b.id,
                appointment(b),
                moscow_time(produced)
            ),
            now,
            todo,
        ),
    )
}

/// A confirmed booking whose time the MIS's snapshots still show free (see
/// `storage::reconcile`).
pub fn missing(b: &BookingRecord, now: DateTime<Utc>) -> Alert {
    let since = b.mis_missing_at.unwrap_or(now);
    let confirmed = b
        .answered_at
        .map_or_else(String::new, |a| format!(" {}", moscow_time(a)));
    Alert::new(
        format!("booking_missing:{}", b.id),
        MISSING,
        format!("МИС не показывает запись №{}", b.id),
        body(
            &format!(
                "Запись №{} ({}) МИС подтвердила{confirmed}, но в её выгрузках расписания это \
                 время свободно (с {}). Возможно, МИС потеряла запись, или её отменили в МИС. Пока \
                 время в МИС свободно, сайт предлагает его другим пациентам.",
                b.id,
                appointment(b),
                moscow_time(since)
            ),
            now,
            "найдите запись в МИС. Если её нет, а пациент не отменял приём, запишите его в МИС \
             заново (телефон — в журнале записей модуля). Оповещение закроется само, когда \
             выгрузка МИС покажет это время занятым или когда время приёма пройдёт.",
        ),
    )
}

pub fn unanswered(booking: u64, minutes: u32, now: DateTime<Utc>) -> Alert {
    Alert::new(
        format!("booking_unanswered:{booking}"),
        UNANSWERED,
        format!("МИС не ответила на запись №{booking}"),
        body(
            &format!(
                "Файл записи №{booking} лежит на FTP-сервере больше {minutes} минут, а ответа МИС \
                 (файл в папке results) нет."
            ),
            now,
            "проверьте, что МИС забирает записи с FTP-сервера, и подтвердите запись пациенту \
             вручную, если нужно.",
        ),
    )
}

pub fn storage_failed(e: &StorageError, now: DateTime<Utc>) -> Alert {
    Alert::new(
        "storage".into(),
        STORAGE,
        "Ошибка базы данных модуля онлайн-записи".into(),
        body(
            &format!("Синхронизация с МИС прервана: база данных недоступна или отказала ({e})."),
            now,
            "проверьте, что сервер MySQL работает и доступен сайту.",
        ),
    )
}

/// The mail that says a problem is over (`text` as stored).
pub fn resolved(key: &str, text: &str, since: DateTime<Utc>, now: DateTime<Utc>) -> Alert {
    let subject = capitalised(split_text(text).0);
    Alert::new(
        format!("resolved:{key}:{}", now.timestamp()),
        RESOLVED,
        format!("Решено: {subject}"),
        format!(
            "Проблема больше не наблюдается (с {} по {}):\n\n{subject}\n\n{SIGNATURE}Модуль онлайн-записи priem.\n",
            moscow_time(since),
            moscow_time(now)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subject_starts_with_a_capital_letter() {
        let now = DateTime::UNIX_EPOCH;
        let card = crate::storage::Card {
            id: Some("5".into()),
            code: "0107".into(),
            off: false,
        };
        let a = code_problem(&CodeProblem::DoctorCardNotInMis(card), now);
        assert_eq!(
            a.subject(),
            "Врача с кодом 0107 (карточка № 5) нет в данных МИС"
        );
        assert!(a.body.starts_with("Врача с кодом 0107"), "{}", a.body);
        assert_eq!(
            Alert::new("k".into(), MIS, "ёлка".into(), String::new()).subject(),
            "Ёлка"
        );
        assert_eq!(capitalised(""), "");
        // an alert stored before (lower case) is shown and resolved capitalised
        let old = "нет филиала с кодом 3\n\nнет филиала с кодом 3.\n\nЧто сделать: добавьте.";
        assert_eq!(
            shown(old),
            (
                "Нет филиала с кодом 3".into(),
                vec!["Что сделать: добавьте.".into()]
            )
        );
        assert_eq!(
            resolved("k", old, now, now).subject(),
            "Решено: Нет филиала с кодом 3"
        );
    }

    #[test]
    fn the_admin_sees_what_happened_and_what_to_do_without_the_time_and_the_signature() {
        let now = DateTime::UNIX_EPOCH;
        let a = mis_unreachable("нет связи", 7, now);
        let (subject, paragraphs) = shown(&a.text());
        assert_eq!(subject, a.subject());
        assert_eq!(paragraphs.len(), 2, "{paragraphs:?}");
        assert!(paragraphs[0].starts_with("Запись №7 не удалось передать в МИС: нет связи."));
        assert!(paragraphs[1].starts_with("Что сделать: проверьте"));
        let p = CodeProblem::UnknownFilial { filial: "3".into() };
        let (subject, paragraphs) = shown(&code_problem(&p, now).text());
        assert_eq!(subject, "Нет филиала с кодом 3");
        assert_eq!(
            paragraphs.len(),
            1,
            "the subject said again is left out: {paragraphs:?}"
        );
        assert_eq!((group(p.kind()), group(MIS)), ("codes", "sync"));
    }

    #[test]
    fn what_to_do_reads_in_lower_case_after_its_colon() {
        let now = DateTime::UNIX_EPOCH;
        // the code check's advice is a sentence of its own elsewhere: capitalised there
        let p = CodeProblem::FilialCardNotInMis(crate::storage::Card {
            id: None,
            code: "7".into(),
            off: false,
        });
        assert!(p.advice().starts_with("Проверьте"));
        let text = code_problem(&p, now).text();
        assert!(
            text.contains("\n\nЧто сделать: проверьте код МИС в карточке"),
            "{text}"
        );
        assert!(!text.contains("Что сделать: Проверьте"), "{text}");
        // an alert stored before shows as a new one would
        let old = text.replace("Что сделать: проверьте", "Что сделать: Проверьте");
        assert!(
            shown(&old).1[0].starts_with("Что сделать: проверьте код МИС"),
            "{old}"
        );
        assert_eq!(after_colon("МИС не отвечает"), "МИС не отвечает");
        assert_eq!(after_colon("FTP-сервер"), "FTP-сервер");
        assert_eq!(after_colon("Ёлка"), "ёлка");
        assert_eq!(after_colon("Я"), "Я");
        assert_eq!(after_colon(""), "");
    }
}
