//! What protected the last real connection of each link that may run over TLS (SMTP, FTP):
//! recorded by every send, import and check ([`Engine::note_protection`]) and read back for
//! «Состояние» and the settings page ([`Engine::observed_protection`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::settings::{Delivery, Settings};
use super::{alert, Engine, EngineError};
use crate::transport::mail::SmtpSecurity;
use crate::transport::Protection;

/// A connection of the module that may or may not be encrypted, depending on the settings and
/// on what the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// SMTP: alert letters and the mail check.
    Mail,
    /// FTP: schedule snapshots, the booking drop, the FTP check.
    Ftp,
}

impl Link {
    pub const ALL: [Link; 2] = [Link::Mail, Link::Ftp];

    /// The name stored in `Priem_Protection.link`.
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Mail => "mail",
            Link::Ftp => "ftp",
        }
    }

    pub fn parse(name: &str) -> Option<Link> {
        Link::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

/// A link's last observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub link: Link,
    /// `host:port` the connection went to (`None` for rows from before it was recorded): an
    /// observation speaks for the settings only while they name the same server.
    pub server: Option<String>,
    pub protection: Protection,
    pub at: DateTime<Utc>,
}

/// The name stored in `Priem_Protection.state`.
fn state_name(p: &Protection) -> &'static str {
    match p {
        Protection::Required => "required",
        Protection::Upgraded => "upgraded",
        Protection::NotOffered => "not_offered",
        Protection::FellBack { .. } => "fell_back",
    }
}

fn from_state(state: &str, cause: Option<String>) -> Option<Protection> {
    Some(match state {
        "required" => Protection::Required,
        "upgraded" => Protection::Upgraded,
        "not_offered" => Protection::NotOffered,
        "fell_back" => Protection::FellBack {
            cause: cause.unwrap_or_default(),
        },
        _ => return None,
    })
}

impl Engine {
    /// Records how `link`'s connection made at `now` was protected, replacing the previous
    /// observation. Call it after every connection that got as far as choosing TLS or plain
    /// text (a send, an import, a check), whatever happened next. The observation is a note for
    /// the admin: callers ignore the error (the database may be what failed).
    pub fn note_protection(
        &self,
        link: Link,
        protection: &Protection,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let cause = match protection {
            Protection::FellBack { cause } => Some(cause.as_str()),
            _ => None,
        };
        let Some(server) = server(self.settings(), link) else {
            return Ok(());
        };
        self.store().record_protection(
            link.as_str(),
            &server,
            state_name(protection),
            cause,
            now,
        )?;
        Ok(())
    }

    /// `link`'s last observation; `None` before the first connection (or for a row this build
    /// cannot read).
    pub fn observed_protection(&self, link: Link) -> Result<Option<Observed>, EngineError> {
        Ok(self.observations()?.into_iter().find(|o| o.link == link))
    }

    /// Every link's last observation.
    pub fn observations(&self) -> Result<Vec<Observed>, EngineError> {
        Ok(self
            .store()
            .protections()?
            .into_iter()
            .filter_map(|r| {
                Some(Observed {
                    link: Link::parse(&r.link)?,
                    server: r.server,
                    protection: from_state(&r.state, r.cause)?,
                    at: r.observed_at,
                })
            })
            .collect())
    }
}

/// What the admin reads about encryption on «Настройки» and «Состояние»: `warnings`, what
/// carries names, phones or passwords in plain text (one yellow alert), and quiet `notes` (TLS
/// used only because the server offers it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TlsNotes {
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

/// The label of the settings' CA certificate fields (the module's settings form).
const CA_FIELD: &str = "«Сертификат удостоверяющего центра (PEM)»";

/// What travels unencrypted with `settings`, and what the last connections showed: for SMTP
/// without demanded TLS and FTP without FTPS, the last observation of the link (when it was made
/// in the mode the settings are in now) replaces the guess from the settings alone.
pub fn tls_notes(settings: &Settings, observed: &[Observed]) -> TlsNotes {
    let mut out = TlsNotes::default();
    // an observation of another server (the host was changed since) says nothing of this one
    let last = |link: Link| {
        let now = server(settings, link);
        observed
            .iter()
            .find(|o| o.link == link && o.server.is_some() && o.server == now)
    };
    if let Some(ftp) = &settings.ftp {
        let mut warning = format!(
            "FTP без шифрования: файлы расписания{} и пароль FTP идут по сети открытым текстом.",
            if matches!(settings.delivery, Some(Delivery::FtpDrop)) {
                ", заявки с ФИО и телефонами пациентов"
            } else {
                ""
            }
        );
        let link = Link::Ftp;
        match last(link).filter(|o| o.protection != Protection::Required) {
            _ if ftp.explicit_tls => warning.clear(),
            Some(o) if o.protection == Protection::Upgraded => {
                warning.clear();
                out.notes.push(upgraded_note(link, o.at));
            }
            Some(o) => warning.push_str(&plain_reason(link, o)),
            None => {
                warning.push_str(" Включите «FTPS (явный TLS)», если сервер FTP его поддерживает.")
            }
        }
        if !warning.is_empty() {
            out.warnings.push(warning);
        }
    }
    if let Some(Delivery::Http(mis)) = &settings.delivery {
        if is_http(&mis.url) {
            out.warnings.push(
                "Записи уходят в МИС по http:// без шифрования: ФИО и телефоны пациентов и пароль \
                 МИС идут по сети открытым текстом. Попросите у разработчика МИС адрес https://."
                    .into(),
            );
        }
    }
    if let Some(mail) = &settings.mail {
        let mut warning = String::from(
            "Почта без шифрования: письма-оповещения и пароль SMTP идут по сети открытым текстом.",
        );
        let link = Link::Mail;
        match last(link).filter(|o| o.protection != Protection::Required) {
            _ if mail.security != SmtpSecurity::None => warning.clear(),
            Some(o) if o.protection == Protection::Upgraded => {
                warning.clear();
                out.notes.push(upgraded_note(link, o.at));
            }
            Some(o) => warning.push_str(&plain_reason(link, o)),
            None => warning.push_str(" Выберите защиту TLS или STARTTLS."),
        }
        if !warning.is_empty() {
            out.warnings.push(warning);
        }
    }
    if let Some(pd) = &settings.prodoctorov {
        if pd.enabled && pd.upload.as_ref().is_some_and(|u| is_http(&u.url)) {
            out.warnings.push(
                "Выгрузка в ПроДокторов по http:// без шифрования: расписание и пароль \
                 ПроДокторов идут по сети открытым текстом."
                    .into(),
            );
        }
    }
    out
}

/// The server `link` goes to with `settings` (`host:port`), when the link is set up.
fn server(settings: &Settings, link: Link) -> Option<String> {
    match link {
        Link::Mail => settings.mail.as_ref().map(|m| m.addr()),
        Link::Ftp => settings.ftp.as_ref().map(|f| f.addr()),
    }
}

fn is_http(url: &str) -> bool {
    url.trim()
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

/// How the link's upgrade is called, and the settings that demand TLS.
fn words(link: Link) -> (&'static str, &'static str, &'static str) {
    match link {
        Link::Mail => (
            "STARTTLS",
            "выберите защиту «STARTTLS»",
            "«Почта для оповещений»",
        ),
        Link::Ftp => (
            "AUTH TLS",
            "включите «FTPS (явный TLS)»",
            "«FTP (расписание из МИС)»",
        ),
    }
}

fn upgraded_note(link: Link, at: DateTime<Utc>) -> String {
    let (offer, demand, _) = words(link);
    let what = match link {
        Link::Mail => "Почта",
        Link::Ftp => "FTP",
    };
    format!(
        "{what}: последнее соединение ({}) защищено TLS — сервер предлагает {offer}, и модуль \
         использует его по возможности. Если сервер перестанет его предлагать или его сертификат \
         не пройдёт проверку, данные пойдут открытым текстом; чтобы это стало невозможно, \
         {demand}.",
        alert::moscow_time(at)
    )
}

/// Why the last connection of a link without demanded TLS went in plain text, and what to do.
fn plain_reason(link: Link, o: &Observed) -> String {
    let (offer, demand, section) = words(link);
    let when = alert::moscow_time(o.at);
    match &o.protection {
        Protection::FellBack { cause } => {
            let advice = if cause.contains("сертификат") {
                format!(
                    "Если сертификат сервера выдан собственным удостоверяющим центром, вставьте \
                     сертификат этого центра в поле {CA_FIELD} раздела {section} настроек; иначе \
                     попросите администратора сервера установить сертификат, выданный \
                     признанным удостоверяющим центром."
                )
            } else {
                "Попросите администратора сервера проверить его настройки TLS.".to_owned()
            };
            format!(
                " При последнем соединении ({when}) сервер предложил {offer}, но защищённое \
                 соединение не установилось: {cause}; соединение повторено без шифрования. {advice}"
            )
        }
        _ => format!(
            " При последнем соединении ({when}) сервер не предлагал {offer}: попросите \
             администратора сервера включить TLS, затем {demand}."
        ),
    }
}

impl Engine {
    /// [`tls_notes`] of this engine's settings and the recorded observations; the settings
    /// alone when the database cannot be read (the page must show the warnings all the same).
    pub fn tls_notes(&self) -> TlsNotes {
        tls_notes(self.settings(), &self.observations().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for p in [
            Protection::Required,
            Protection::Upgraded,
            Protection::NotOffered,
            Protection::FellBack {
                cause: "сертификат".into(),
            },
        ] {
            let cause = match &p {
                Protection::FellBack { cause } => Some(cause.clone()),
                _ => None,
            };
            assert_eq!(from_state(state_name(&p), cause), Some(p));
        }
        assert_eq!(from_state("other", None), None);
        for l in Link::ALL {
            assert_eq!(Link::parse(l.as_str()), Some(l));
        }
    }

    fn settings(mail_security: &str, ftp_tls: bool) -> Settings {
        Settings::from_value(serde_json::json!({
            "db": {"user": "u", "database": "d"},
            "ftp": {"host": "ftp.clinic.ru", "user": "mis", "tls": ftp_tls},
            "mis": {"transport": "ftp"},
            "mail": {"host": "smtp.clinic.ru", "from": "robot@clinic.ru",
                     "security": mail_security}
        }))
        .expect("settings")
    }

    fn seen(link: Link, protection: Protection) -> Observed {
        Observed {
            link,
            // the servers of `settings("none", _)`
            server: Some(
                match link {
                    Link::Mail => "smtp.clinic.ru:25",
                    Link::Ftp => "ftp.clinic.ru:21",
                }
                .into(),
            ),
            protection,
            // 16:40 MSK
            at: DateTime::parse_from_rfc3339("2026-12-03T13:40:00Z")
                .expect("time")
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn without_observations_the_settings_alone_speak() {
        let n = tls_notes(&settings("none", false), &[]);
        assert_eq!(n.warnings.len(), 2, "{n:?}");
        assert!(
            n.warnings[0].starts_with(
                "FTP без шифрования: файлы расписания, заявки с ФИО и телефонами пациентов"
            ),
            "{n:?}"
        );
        assert!(n.warnings[0]
            .ends_with("Включите «FTPS (явный TLS)», если сервер FTP его поддерживает."));
        assert_eq!(
            n.warnings[1],
            "Почта без шифрования: письма-оповещения и пароль SMTP идут по сети открытым \
             текстом. Выберите защиту TLS или STARTTLS."
        );
        assert!(n.notes.is_empty());
        assert_eq!(
            tls_notes(&settings("starttls", true), &[]),
            TlsNotes::default()
        );
    }

    #[test]
    fn an_upgraded_connection_is_a_quiet_note_not_a_warning() {
        let n = tls_notes(
            &settings("none", false),
            &[
                seen(Link::Mail, Protection::Upgraded),
                seen(Link::Ftp, Protection::Upgraded),
            ],
        );
        assert!(n.warnings.is_empty(), "{n:?}");
        assert_eq!(n.notes.len(), 2, "{n:?}");
        assert!(n.notes[0].starts_with("FTP: последнее соединение (03.12.2026 16:40 МСК) защищено TLS — сервер предлагает AUTH TLS"), "{n:?}");
        assert!(
            n.notes[0].ends_with("включите «FTPS (явный TLS)»."),
            "{n:?}"
        );
        assert!(n.notes[1].starts_with("Почта: последнее соединение (03.12.2026 16:40 МСК) защищено TLS — сервер предлагает STARTTLS, и модуль использует его по возможности."), "{n:?}");
        assert!(n.notes[1].ends_with("выберите защиту «STARTTLS»."), "{n:?}");
    }

    #[test]
    fn a_plain_connection_says_why_and_what_to_do() {
        let cause = "сертификат сервера выдан неизвестным удостоверяющим центром";
        let n = tls_notes(
            &settings("none", false),
            &[
                seen(
                    Link::Mail,
                    Protection::FellBack {
                        cause: cause.into(),
                    },
                ),
                seen(Link::Ftp, Protection::NotOffered),
            ],
        );
        assert_eq!(n.warnings.len(), 2, "{n:?}");
        assert!(n.notes.is_empty());
        assert!(
            n.warnings[0].contains(
                "При последнем соединении (03.12.2026 16:40 МСК) сервер не предлагал AUTH TLS"
            ),
            "{n:?}"
        );
        let mail = &n.warnings[1];
        assert!(mail.starts_with("Почта без шифрования"), "{mail}");
        assert!(mail.contains("сервер предложил STARTTLS, но защищённое соединение не установилось: сертификат сервера выдан неизвестным удостоверяющим центром; соединение повторено без шифрования."), "{mail}");
        assert!(
            mail.contains(
                "в поле «Сертификат удостоверяющего центра (PEM)» раздела «Почта для оповещений»"
            ),
            "{mail}"
        );

        let n = tls_notes(
            &settings("none", false),
            &[seen(
                Link::Mail,
                Protection::FellBack {
                    cause: "сервер отказался начать TLS (454: нет)".into(),
                },
            )],
        );
        assert!(
            n.warnings[1]
                .ends_with("Попросите администратора сервера проверить его настройки TLS."),
            "{n:?}"
        );
    }

    #[test]
    fn demanded_tls_warns_of_nothing_whatever_was_observed_before() {
        let n = tls_notes(
            &settings("tls", true),
            &[
                seen(Link::Mail, Protection::NotOffered),
                seen(Link::Ftp, Protection::Upgraded),
            ],
        );
        assert_eq!(n, TlsNotes::default());
        // an observation made while TLS was demanded says nothing of the plain mode
        let n = tls_notes(
            &settings("none", true),
            &[seen(Link::Mail, Protection::Required)],
        );
        assert_eq!(n.warnings.len(), 1, "{n:?}");
        assert!(
            n.warnings[0].ends_with("Выберите защиту TLS или STARTTLS."),
            "{n:?}"
        );
    }

    #[test]
    fn an_observation_of_another_server_says_nothing_of_this_one() {
        let mut mail = seen(Link::Mail, Protection::Upgraded);
        let mut ftp = seen(Link::Ftp, Protection::Upgraded);
        let observed = [mail.clone(), ftp.clone()];
        assert!(tls_notes(&settings("none", false), &observed)
            .warnings
            .is_empty());
        // the host (or port) changed in the settings since the connections were seen
        mail.server = Some("old-smtp.clinic.ru:25".into());
        ftp.server = Some("ftp.clinic.ru:2121".into());
        let n = tls_notes(&settings("none", false), &[mail, ftp.clone()]);
        assert!(n.notes.is_empty(), "{n:?}");
        assert_eq!(n.warnings.len(), 2, "{n:?}");
        assert!(
            n.warnings[1].ends_with("Выберите защиту TLS или STARTTLS."),
            "{n:?}"
        );
        ftp.server = None;
        let n = tls_notes(&settings("none", false), &[ftp]);
        assert!(
            n.warnings[0].ends_with("если сервер FTP его поддерживает."),
            "{n:?}"
        );
    }

    #[test]
    fn http_urls_of_the_mis_and_prodoctorov_are_named() {
        let s = Settings::from_value(serde_json::json!({
            "db": {"user": "u", "database": "d"},
            "mis": {"transport": "http", "url": "http://mis.clinic.ru/book"},
            "prodoctorov": {"enabled": true, "url": "http://pd.example/api/", "login": "c",
                            "password": "p", "endpoint_user": "pd",
                            "endpoint_password": "0123456789abcdef"}
        }))
        .expect("settings");
        let n = tls_notes(&s, &[]);
        assert_eq!(n.warnings.len(), 2, "{n:?}");
        assert!(n.warnings[0].starts_with("Записи уходят в МИС по http://"));
        assert!(n.warnings[1].starts_with("Выгрузка в ПроДокторов по http://"));
    }
}
