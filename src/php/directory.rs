//! What the MIS has sent, as the booking form lists it: `priem_filials`, `priem_doctors`,
//! `priem_code_targets`.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::convert::{self, PhpResult};
use super::engine::{engine, json, now_arg};
use super::error;
use crate::engine::directory::{DEFAULT_TIMES, TIMES};

/// The filials the MIS has sent, by code, as the booking form lists them: each with its clinic
/// card (`$cards`, see `priem_grid_json`) over the MIS's name, and `doctors`, how many of its
/// doctors have free time in the booking window:
///
/// ```text
/// [['code' => '1', 'name' => 'Клиника на Ленина', 'address' => 'ул. Ленина, 1',
///   'phone' => '+7 (495) 111-22-33', 'metro' => 'м. Чеховская'|null, 'ages' => 'от 18 лет'|null,
///   'timezone' => 'Europe/Moscow', 'tz_label' => 'время московское', 'doctors' => 3], …]
/// ```
#[php_function]
#[php(name = "priem_filials")]
pub fn priem_filials(
    settings: &ZendHashTable,
    cards: Option<&ZendHashTable>,
    now_utc: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let cards = convert::cards(cards)?;
    let now = now_arg(now_utc)?;
    Ok(json(&e.filial_entries(&cards, now).map_err(error::engine)?))
}

/// A filial's doctors with free time in the booking window, as the booking form lists them
/// (`docs/api.md`, `doctors`): each with his card (`$cards`, see `priem_grid_json`) over the
/// MIS's name and specialties, the soonest first; `$specialty` (one of `specialties`; null or
/// `''`: all) keeps that specialty's:
///
/// ```text
/// ['filial' => [as priem_filials gives it, without doctors],
///  'specialties' => [['name' => 'Кардиолог', 'doctors' => 2], …],
///  'doctors' => [['code' => '0001', 'name' => 'Иванова Мария Петровна', 'specialties' => ['Кардиолог'],
///                 'photo' => ?string, 'experience' => ?int, 'price_from' => ?int, 'ages' => ?string,
///                 'free' => 37, 'nearest' => ['date' => '2026-12-01',
///                 'times' => [['time_start' => '09:00', 'time_end' => '09:30'], …]]], …]]
/// ```
///
/// `$times` (1–50, default 4) is how many times of the nearest day to give. Throws
/// `Priem\NotFoundException` when the MIS never sent the filial.
#[php_function]
#[php(name = "priem_doctors")]
pub fn priem_doctors(
    settings: &ZendHashTable,
    filial_code: &str,
    now_utc: Option<&str>,
    times: Option<i64>,
    cards: Option<&ZendHashTable>,
    specialty: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let times = times
        .map_or(Ok(DEFAULT_TIMES), |t| TIMES.check(t))
        .map_err(error::range)?;
    let cards = convert::cards(cards)?;
    let page = e
        .doctors_page(filial_code, now, times, specialty.unwrap_or(""), &cards)
        .map_err(error::engine)?
        .ok_or_else(|| {
            error::not_found(format!("нет филиала с кодом {filial_code} в расписании"))
        })?;
    Ok(json(&page))
}

/// Where a doctor card's MIS code cell books (`"0042, 1:0107"`): a pinned `1:0107` when filial 1's
/// schedule has that doctor, a bare `0042` in every filial whose schedule has him — `[['filial' => '1', 'doctor' =>
/// '0042', 'phone' => the filial's phone (its clinic card's, else `$cards['phone']`)], …]`; empty
/// when no code has a schedule; a filial or doctor switched off on the site (`$cards`) is left out.
#[php_function]
#[php(name = "priem_code_targets")]
pub fn priem_code_targets(
    settings: &ZendHashTable,
    codes: &str,
    cards: Option<&ZendHashTable>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let cards = convert::cards(cards)?;
    let list: Vec<serde_json::Value> = e
        .code_targets(codes)
        .map_err(error::engine)?
        .into_iter()
        .filter(|(filial, doctor)| !cards.closed(filial, doctor))
        .map(|(filial, doctor)| {
            let phone = cards.filial_phone(&filial);
            serde_json::json!({"filial": filial, "doctor": doctor, "phone": phone})
        })
        .collect();
    Ok(json(&list))
}

/// The phone a doctor card whose codes have no schedule (`priem_code_targets` is empty) gives
/// instead of a booking button, «Запись по телефону»: the clinic card's of the filial its first
/// pinned code names, else `$cards['phone']` (the clinic's); `''` when neither is known.
#[php_function]
#[php(name = "priem_code_phone")]
pub fn priem_code_phone(codes: &str, cards: Option<&ZendHashTable>) -> PhpResult<String> {
    Ok(convert::cards(cards)?.cell_phone(codes))
}

/// The codes switched off on the site (`domain::cards`: on switched-off cards only), for the
/// «Коды МИС» tab: `[['role' => 'clinic'|'doctor', 'card' => the first such card's id,
/// 'code' => '1:0042'], …]`, clinics first.
#[php_function]
#[php(name = "priem_cards_off")]
pub fn priem_cards_off(cards: Option<&ZendHashTable>) -> PhpResult<ZBox<ZendHashTable>> {
    let list: Vec<serde_json::Value> = convert::cards(cards)?
        .switched_off()
        .into_iter()
        .map(|o| {
            let role = if o.doctor { "doctor" } else { "clinic" };
            serde_json::json!({"role": role, "card": o.card, "code": o.code})
        })
        .collect();
    Ok(json(&list))
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_cards_off))
        .function(wrap_function!(priem_code_phone))
        .function(wrap_function!(priem_filials))
        .function(wrap_function!(priem_doctors))
        .function(wrap_function!(priem_code_targets))
}
