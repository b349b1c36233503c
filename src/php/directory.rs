//! What the MIS has sent, listed: `priem_filials`, `priem_doctors`.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::convert::{self, PhpResult};
use super::engine::{engine, now_arg};
use super::error;
use crate::engine::directory::{DEFAULT_TIMES, TIMES};
use crate::time::hhmm;

/// The filials the MIS has sent: `[['code' => '1', 'name' => 'Клиника на Ленина'|null,
/// 'timezone' => 'Europe/Moscow'], …]`, by code.
#[php_function]
#[php(name = "priem_filials")]
pub fn priem_filials(settings: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let list: Vec<serde_json::Value> = e
        .filials()
        .map_err(error::engine)?
        .into_iter()
        .map(|f| serde_json::json!({"code": f.code, "name": f.name, "timezone": f.zone.name()}))
        .collect();
    Ok(convert::json_array(&serde_json::Value::Array(list)))
}

/// A filial's doctors with their free time in the booking window, as ProDoctorov lists them:
///
/// ```text
/// ['filial' => ['code' => '1', 'name' => …, 'timezone' => 'Europe/Moscow'],
///  'doctors' => [['code' => '0001', 'name' => 'Иванова Мария Петровна', 'specialties' => ['Кардиолог'],
///                 'free' => 37, 'nearest' => ['date' => '2026-12-01',
///                 'times' => [['time_start' => '09:00', 'time_end' => '09:30'], …]] | null], …]]
/// ```
///
/// Doctors with free time come first, the soonest first; then the others (`free` 0, `nearest`
/// null) by name. `$times` (1–50, default 4) is how many times of the nearest day to give.
/// Throws `Priem\NotFoundException` when the MIS never sent the filial.
#[php_function]
#[php(name = "priem_doctors")]
pub fn priem_doctors(
    settings: &ZendHashTable,
    filial_code: &str,
    now_utc: Option<&str>,
    times: Option<i64>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let times = times
        .map_or(Ok(DEFAULT_TIMES), |t| TIMES.check(t))
        .map_err(error::range)?;
    let listing = e
        .doctors(filial_code, now, times)
        .map_err(error::engine)?
        .ok_or_else(|| {
            error::not_found(format!("нет филиала с кодом {filial_code} в расписании"))
        })?;
    let doctors: Vec<serde_json::Value> = listing
        .doctors
        .iter()
        .map(|d| {
            let nearest = d.nearest.as_ref().map(|(date, t)| {
                let t: Vec<_> = t
                    .iter()
                    .map(|&(s, e)| serde_json::json!({"time_start": hhmm(s), "time_end": hhmm(e)}))
                    .collect();
                serde_json::json!({"date": date.to_string(), "times": t})
            });
            serde_json::json!({"code": d.code, "name": d.name, "specialties": d.specialties,
                               "free": d.free, "nearest": nearest})
        })
        .collect();
    let f = &listing.filial;
    Ok(convert::json_array(&serde_json::json!({
        "filial": {"code": f.code, "name": f.name, "timezone": f.zone.name()},
        "doctors": doctors,
    })))
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_filials))
        .function(wrap_function!(priem_doctors))
}
