//! What protected the last real connection of each link that may run over TLS (SMTP, FTP):
//! recorded by every send, import and check ([`Engine::note_protection`]) and read back for
//! «Состояние» and the settings page ([`Engine::observed_protection`]).

use chrono::{DateTime, Utc};

use super::{Engine, EngineError};
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
        self.store()
            .record_protection(link.as_str(), state_name(protection), cause, now)?;
        Ok(())
    }

    /// `link`'s last observation; `None` before the first connection (or for a row this build
    /// cannot read).
    pub fn observed_protection(&self, link: Link) -> Result<Option<Observed>, EngineError> {
        Ok(self
            .store()
            .protections()?
            .into_iter()
            .filter(|r| r.link == link.as_str())
            .find_map(|r| {
                Some(Observed {
                    link,
                    protection: from_state(&r.state, r.cause)?,
                    at: r.observed_at,
                })
            }))
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
}
