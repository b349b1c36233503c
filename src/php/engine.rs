//! The engine the stateful functions share: one per distinct settings array per process,
//! created on first use (never at startup: php-fpm forks after it). Each function takes the
//! settings array (see `priem::engine::settings`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::{ZendHashTable, Zval};

use super::convert::{self, PhpResult};
use super::error;
use crate::engine::settings::Settings;
use crate::engine::Engine;

/// The engine for these settings, made once per process.
pub(super) fn engine(settings: &ZendHashTable) -> PhpResult<Arc<Engine>> {
    static ENGINES: OnceLock<Mutex<HashMap<String, Arc<Engine>>>> = OnceLock::new();
    let mut z = Zval::new();
    z.set_hashtable(settings.to_owned());
    let value = convert::to_json(&z, "$settings")?;
    let key = value.to_string();
    let engines = ENGINES.get_or_init(Default::default);
    let mut map = engines.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = map.get(&key) {
        return Ok(Arc::clone(e));
    }
    let settings = Settings::from_value(value).map_err(error::settings)?;
    let e = Arc::new(Engine::new(settings).map_err(error::engine)?);
    if map.len() > 16 {
        map.clear();
    }
    map.insert(key, Arc::clone(&e));
    Ok(e)
}

pub(super) fn now_arg(now_utc: Option<&str>) -> PhpResult<DateTime<Utc>> {
    match now_utc {
        None | Some("") => Ok(Utc::now()),
        Some(s) => convert::utc_arg("now_utc", s),
    }
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> ZBox<ZendHashTable> {
    convert::json_array(&serde_json::to_value(v).unwrap_or_default())
}
