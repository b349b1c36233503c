//! `priem_parse_schedule`, `priem_slot_grid`.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::convert::{self, Options, PhpResult};
use super::error;
use crate::domain::{grid, schedule};

/// Parses a ProDoctorov schedule document (any variant of mis-exchange.md §1.1) and returns
/// the normalized schedule:
///
/// ```text
/// ['filials'  => [['code' => '1', 'name' => 'Клиника на Ленина'|null, 'timezone' => 'Europe/Moscow'], …],
///  'doctors'  => [['filial' => '1', 'code' => '0001', 'name' => 'Иванова Мария Петровна',
///                  'specialties' => ['Кардиолог']], …],
///  'slots'    => [['filial' => '1', 'doctor' => '0001', 'date' => '2026-12-01',
///                  'time_start' => '09:00', 'time_end' => '09:30',
///                  'start_utc' => '2026-12-01T06:00:00Z', 'end_utc' => '2026-12-01T06:30:00Z',
///                  'free' => true, 'room' => '12'], …],
///  'rejected' => [['filial' => '1', 'doctor' => '0002', 'path' => 'data["1"]["0002"].cells',
///                  'message' => 'data["1"]["0002"].cells: отсутствует'], …],
///  'bad_cells' => [['filial' => '1', 'doctor' => '0001',
///                  'path' => 'data["1"]["0001"].cells[3].time_start',
///                  'message' => 'data["1"]["0001"].cells[3].time_start: "9:60" — не время ЧЧ:ММ'], …]]
/// ```
///
/// Options: `'timezones' => ['<filial code>' => '<IANA zone>']` (default `Europe/Moscow`).
/// A bad cell (and both cells of an overlap) is left out and listed in `bad_cells`, the
/// doctor's other cells are kept; a doctor that is wrong itself (no `cells` array, listed
/// twice) is left out and listed in `rejected`; a document that cannot be read at all throws
/// `Priem\ParseException` naming the place.
#[php_function]
#[php(name = "priem_parse_schedule")]
pub fn priem_parse_schedule(
    json: &str,
    options: Option<&ZendHashTable>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let opts = Options::new(options, &["timezones"])?;
    let s = schedule::read(json, &opts.zones()?).map_err(error::parse)?;
    Ok(convert::schedule(&s))
}

/// The grid a visitor sees for one doctor in one filial: `$days` days from the filial's local
/// "today" at `$nowUtc`, past times (and those within `min_notice` minutes) left out, taken and
/// held times marked `free => false`, times grouped by part of the day:
///
/// ```text
/// ['filial' => '1', 'doctor' => '0001', 'filial_name' => 'Клиника на Ленина'|null,
///  'doctor_name' => 'Иванова Мария Петровна', 'specialties' => ['Кардиолог'],
///  'timezone' => 'Europe/Moscow', 'free' => 12,
///  'days' => [['date' => '2026-12-01', 'free' => 3,
///              'parts' => [['part' => 'morning', 'label' => 'Утро',
///                           'slots' => [['time_start' => '09:00', 'time_end' => '09:30',
///                                        'start_utc' => '2026-12-01T06:00:00Z',
///                                        'end_utc' => '2026-12-01T06:30:00Z',
///                                        'free' => true, 'held' => false, 'room' => '12'], …]],
///                          …]], …]]
/// ```
///
/// Options: `timezones` (as for `priem_parse_schedule`), `min_notice` (minutes, default 0),
/// `held` (UTC start times the site holds). Throws `Priem\NotFoundException` when the filial or
/// doctor is not in the schedule.
#[php_function]
#[php(name = "priem_slot_grid")]
pub fn priem_slot_grid(
    schedule_json: &str,
    filial_code: &str,
    doctor_code: &str,
    now_utc: &str,
    days: i64,
    options: Option<&ZendHashTable>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let opts = Options::new(options, &["timezones", "min_notice", "held"])?;
    let now = convert::utc_arg("now_utc", now_utc)?;
    let days = grid::DAYS.check(days).map_err(error::range)?;
    let s = schedule::read(schedule_json, &opts.zones()?).map_err(error::parse)?;
    let g = grid::for_doctor(&s, filial_code, doctor_code, now, days, &opts.grid_rules()?)
        .map_err(|e| error::not_found(e.to_string()))?;
    Ok(convert::grid(filial_code, doctor_code, &g))
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_parse_schedule))
        .function(wrap_function!(priem_slot_grid))
}
