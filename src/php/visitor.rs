//! The visitor's lean grid entry: `priem_visitor_check` reads the site's validity statement,
//! `priem_visitor_keep` keeps the settings' engine and the editors' cards for the site
//! (`engine::kept`), `priem_visitor_grid_json` answers from them or null (nothing kept, or the
//! statement reads back another text: the module then takes its full path, which keeps them
//! again). A site is named by its database settings.

use std::collections::BTreeMap;

use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};

use super::convert::{self, PhpResult};
use super::engine::{engine, now_arg};
use super::error;
use crate::engine::kept;

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
    let site = site_key(v.get("db").unwrap_or(&serde_json::Value::Null));
    kept::keep(site, check_sql, check, e, convert::cards(cards)?);
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
    let site = site_key(&array_json(db, "$db")?);
    let now = now_arg(now_utc)?;
    kept::grid_answer(&site, filial_code, doctor_code, now).map_err(error::engine)
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_visitor_check))
        .function(wrap_function!(priem_visitor_keep))
        .function(wrap_function!(priem_visitor_grid_json))
}
