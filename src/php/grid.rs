//! The booking form's grid from the stored schedule: `priem_grid`, `priem_grid_json`.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::convert::{self, PhpResult};
use super::engine::{engine, now_arg};
use super::error;
use crate::domain::grid;
use crate::engine::grid_cache::SharedGrid;
use crate::engine::Engine;

/// The grid a visitor sees, from the stored schedule (same shape as `priem_slot_grid`);
/// `$days` defaults to the booking horizon of the settings.
#[php_function]
#[php(name = "priem_grid")]
pub fn priem_grid(
    settings: &ZendHashTable,
    filial_code: &str,
    doctor_code: &str,
    now_utc: Option<&str>,
    days: Option<i64>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let g = stored_grid(settings, filial_code, doctor_code, now_utc, days)?;
    Ok(convert::grid(filial_code, doctor_code, &g))
}

/// The booking form's `grid` answer (docs/api.md) as JSON text, ready to send: the filial and
/// the doctor as the visitor sees them — the site's cards over the MIS's data —, `timezone`,
/// `tz_label`, `free` and `days` (no UTC instants or rooms, and no PHP arrays to build for a
/// thousand times). `$cards`: the site's cards as the module read them, `['clinics' =>
/// [['id', 'codes' => '1, 5', 'name', 'address', 'phone', 'metro', 'ages', 'timezone'], …],
/// 'doctors' => [['id', 'codes' => '0001, 2:0042', 'name', 'photo', 'specialties', 'experience',
/// 'price_from', 'ages'], …], 'phone' => the clinic's phone]` (fields left out or empty: not
/// filled on the card); null: the MIS's data only.
#[php_function]
#[php(name = "priem_grid_json")]
pub fn priem_grid_json(
    settings: &ZendHashTable,
    filial_code: &str,
    doctor_code: &str,
    now_utc: Option<&str>,
    days: Option<i64>,
    cards: Option<&ZendHashTable>,
) -> PhpResult<String> {
    let (e, now, days) = grid_args(settings, now_utc, days)?;
    let cards = convert::cards(cards)?;
    e.grid_answer(filial_code, doctor_code, now, days, &cards)
        .map_err(error::engine)
}

/// The grid of `priem_grid` and `priem_grid_json`, from their arguments.
fn stored_grid(
    settings: &ZendHashTable,
    filial_code: &str,
    doctor_code: &str,
    now_utc: Option<&str>,
    days: Option<i64>,
) -> PhpResult<Arc<SharedGrid>> {
    let (e, now, days) = grid_args(settings, now_utc, days)?;
    e.grid(filial_code, doctor_code, now, days)
        .map_err(error::engine)
}

/// The engine, the clock and the checked number of days of a grid call's arguments.
fn grid_args(
    settings: &ZendHashTable,
    now_utc: Option<&str>,
    days: Option<i64>,
) -> PhpResult<(Arc<Engine>, DateTime<Utc>, Option<u32>)> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let days = days
        .map(|d| grid::DAYS.check(d))
        .transpose()
        .map_err(error::range)?;
    Ok((e, now, days))
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_grid))
        .function(wrap_function!(priem_grid_json))
}
