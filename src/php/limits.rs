//! The protections that count: `priem_client_address`, `priem_count_attempt`,
//! `priem_login_wait`, `priem_login_failed`. Converts and calls `engine::limits`.

use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::convert::PhpResult;
use super::engine::{engine, now_arg};
use super::error;

/// The address a request comes from: `$remoteAddr` (`$_SERVER['REMOTE_ADDR']`), or — only when
/// that is one of the settings' `limits.trusted_proxies` — what `$forwardedFor`
/// (`$_SERVER['HTTP_X_FORWARDED_FOR']`) says, read from the right. Use it for every limit, the
/// consent record and the captcha.
#[php_function]
#[php(name = "priem_client_address")]
pub fn priem_client_address(
    settings: &ZendHashTable,
    remote_addr: &str,
    forwarded_for: Option<&str>,
) -> PhpResult<String> {
    Ok(engine(settings)?.client_address(remote_addr, forwarded_for))
}

/// Counts one booking attempt of `$client` (per IPv4 address, per IPv6 /64); returns the seconds
/// it must wait when that exceeds `limits.per_address` in its 10-minute window, else 0.
#[php_function]
#[php(name = "priem_count_attempt")]
pub fn priem_count_attempt(
    settings: &ZendHashTable,
    client: &str,
    now_utc: Option<&str>,
) -> PhpResult<i64> {
    let e = engine(settings)?;
    let wait = e
        .count_attempt(client, now_arg(now_utc)?)
        .map_err(|e| error::storage(&e))?;
    Ok(i64::try_from(wait).unwrap_or(i64::MAX))
}

/// The seconds `$client` must wait before its credentials are checked again: it had 10 wrong
/// logins in the current 10-minute window (its /64 for IPv6). 0: check them.
#[php_function]
#[php(name = "priem_login_wait")]
pub fn priem_login_wait(
    settings: &ZendHashTable,
    client: &str,
    now_utc: Option<&str>,
) -> PhpResult<i64> {
    let e = engine(settings)?;
    let wait = e
        .login_wait(client, now_arg(now_utc)?)
        .map_err(|e| error::storage(&e))?;
    Ok(i64::try_from(wait).unwrap_or(i64::MAX))
}

/// Counts a wrong login of `$client`; returns the wait it now has (0 while under 10).
#[php_function]
#[php(name = "priem_login_failed")]
pub fn priem_login_failed(
    settings: &ZendHashTable,
    client: &str,
    now_utc: Option<&str>,
) -> PhpResult<i64> {
    let e = engine(settings)?;
    let wait = e
        .login_failed(client, now_arg(now_utc)?)
        .map_err(|e| error::storage(&e))?;
    Ok(i64::try_from(wait).unwrap_or(i64::MAX))
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_client_address))
        .function(wrap_function!(priem_count_attempt))
        .function(wrap_function!(priem_login_wait))
        .function(wrap_function!(priem_login_failed))
}
