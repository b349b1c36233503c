//! What a process keeps for the visitor's grid between requests (a php-fpm worker serves many):
//! per site, the engine of the module's settings and the editors' cards, with the statement that
//! tells whether they are still current. A kept site answers the booking form's grid with that one
//! cheap statement and no settings or cards read again; when the statement reads back another
//! text (a setting or a card changed) the site is dropped and the caller reads everything again
//! and keeps it anew.
//!
//! The statement comes from the host (the NetCat module names its own tables in it); the core
//! only runs it and compares its first row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};

use super::{Engine, EngineError};
use crate::domain::cards::Cards;

/// At most this many sites are kept (a php-fpm pool may serve several); past it all are dropped.
const MAX_SITES: usize = 16;

/// What is kept for one site.
struct Kept {
    /// The site's statement whose first row must read back as `check`.
    check_sql: String,
    check: String,
    engine: Arc<Engine>,
    cards: Cards,
}

fn sites() -> &'static Mutex<HashMap<String, Arc<Kept>>> {
    static SITES: OnceLock<Mutex<HashMap<String, Arc<Kept>>>> = OnceLock::new();
    SITES.get_or_init(Default::default)
}

/// Keeps `engine` and `cards` for `site` while `check_sql` reads back as `check` (read before the
/// settings and cards were, so a change in between is seen on the next request).
pub fn keep(site: String, check_sql: &str, check: &str, engine: Arc<Engine>, cards: Cards) {
    let kept = Arc::new(Kept {
        check_sql: check_sql.to_owned(),
        check: check.to_owned(),
        engine,
        cards,
    });
    let mut map = sites().lock().unwrap_or_else(|p| p.into_inner());
    if map.len() >= MAX_SITES && !map.contains_key(&site) {
        map.clear();
    }
    map.insert(site, kept);
}

/// The booking form's `grid` answer for `site` from what is kept ([`Engine::grid_answer`] with
/// the kept cards), or `None` when nothing is kept for it or its statement reads back another
/// text (then it is dropped).
pub fn grid_answer(
    site: &str,
    filial: &str,
    doctor: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, EngineError> {
    let kept = {
        let map = sites().lock().unwrap_or_else(|p| p.into_inner());
        match map.get(site) {
            Some(k) => Arc::clone(k),
            None => return Ok(None),
        }
    };
    if kept.engine.store().check_text(&kept.check_sql)? != kept.check {
        let mut map = sites().lock().unwrap_or_else(|p| p.into_inner());
        if map.get(site).is_some_and(|cur| Arc::ptr_eq(cur, &kept)) {
            map.remove(site);
        }
        return Ok(None);
    }
    kept.engine
        .grid_answer(filial, doctor, now, None, &kept.cards)
        .map(Some)
}
