//! What a process keeps for the visitor's grid between requests: the engine of the module's
//! settings and the editors' cards, per site (its database settings), with the statement that
//! tells whether they are still current (`priem_visitor_keep`). The module's lean grid entry
//! (`priem_visitor_grid_json`) then answers with one cheap statement of the site's own and no
//! NetCat core, no settings or cards read through PHP; when the statement gives another text
//! (a setting or a card changed) or nothing is kept, it answers null and the module takes its
//! full path, which reads everything again and keeps it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};

use super::convert::{self, PhpResult};
use super::engine::{engine, now_arg};
use super::error;
use crate::domain::cards::Cards;
use crate::engine::Engine;

/// What is kept for one site.
struct Kept {
    /// The site's statement whose first row must read back as `check`.
    check_sql: String,
    check: String,
    engine: Arc<Engine>,
    cards: Cards,
}

/// Kept sites by their database settings (a php-fpm pool may serve several sites).
fn kept() -> &'static Mutex<HashMap<String, Arc<Kept>>> {
    static KEPT: OnceLock<Mutex<HashMap<String, Arc<Kept>>>> = OnceLock::new();
    KEPT.get_or_init(Default::default)
}

/// The key of a site: its database settings with the keys sorted (the same array built in
/// another order is the same site).
fn site_key(db: &serde_json::Value) -> String {
    match db {
        serde_json::Value::Object(m) => {
            let sorted: BTreeMap<&String, String> =
                m.iter().map(|(k, v)| (k, v.to_string())).collect();
            format!("{sorted:?}")
        }
        other => other.to_string(),
    }
}

fn array_json(ht: &ZendHashTable, what: &str) -> PhpResult<serde_json::Value> {
    let mut z = Zval::new();
    z.set_hashtable(ht.to_owned());
    convert::to_json(&z, what)
}

/// The first row of `$check_sql` on the extension's connection for these settings, as one text
/// (its values joined by U+001F): what `priem_visitor_keep` is given, read before the settings
/// and cards it vouches for.
#[php_function]
#[php(name = "priem_visitor_check")]
pub fn priem_visitor_check(settings: &ZendHashTable, check_sql: &str) -> PhpResult<String> {
    let e = engine(settings)?;
    e.store()
        .check_text(check_sql)
        .map_err(|e| error::storage(&e))
}

/// Keeps, in this process, the engine of `$settings` and the editors' `$cards` (the shape of
/// `priem_grid_json`'s) for the site of `$settings['db']`, while `$check_sql` reads back as
/// `$check` (from `priem_visitor_check`, read before the settings and cards were).
#[php_function]
#[php(name = "priem_visitor_keep")]
pub fn priem_visitor_keep(
    settings: &ZendHashTable,
    check_sql: &str,
    check: &str,
    cards: Option<&ZendHashTable>,
) -> PhpResult<()> {
    let e = engine(settings)?;
    let v = array_json(settings, "$settings")?;
    let key = site_key(v.get("db").unwrap_or(&serde_json::Value::Null));
    let cards = convert::cards(cards)?;
    let k = Arc::new(Kept {
        check_sql: check_sql.to_owned(),
        check: check.to_owned(),
        engine: e,
        cards,
    });
    let mut map = kept().lock().unwrap_or_else(|p| p.into_inner());
    if map.len() > 16 && !map.contains_key(&key) {
        map.clear();
    }
    map.insert(key, k);
    Ok(())
}

/// The booking form's `grid` answer (as `priem_grid_json` with the kept settings and cards,
/// the horizon's days) for the site of `$db` (the `db` section of its settings), or null when
/// this process keeps nothing for it or the kept check reads back another text (then it is
/// dropped): the caller reads the settings and cards and keeps them again.
#[php_function]
#[php(name = "priem_visitor_grid_json")]
pub fn priem_visitor_grid_json(
    db: &ZendHashTable,
    filial_code: &str,
    doctor_code: &str,
    now_utc: Option<&str>,
) -> PhpResult<Option<String>> {
    let key = site_key(&array_json(db, "$db")?);
    let k = {
        let map = kept().lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&key) {
            Some(k) => Arc::clone(k),
            None => return Ok(None),
        }
    };
    let text = k
        .engine
        .store()
        .check_text(&k.check_sql)
        .map_err(|e| error::storage(&e))?;
    if text != k.check {
        let mut map = kept().lock().unwrap_or_else(|p| p.into_inner());
        if map.get(&key).is_some_and(|cur| Arc::ptr_eq(cur, &k)) {
            map.remove(&key);
        }
        return Ok(None);
    }
    let now = now_arg(now_utc)?;
    k.engine
        .grid_answer(filial_code, doctor_code, now, None, &k.cards)
        .map(Some)
        .map_err(error::engine)
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_visitor_check))
        .function(wrap_function!(priem_visitor_keep))
        .function(wrap_function!(priem_visitor_grid_json))
}
