//! The ProDoctorov connector (mis-exchange.md §4): the direct-booking endpoint's answer and the
//! schedule upload. Converts and calls `engine::prodoctorov`; no rules live here.

use chrono::{DateTime, Utc};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::convert::PhpResult;
use super::engine::{engine, json, now_arg};
use super::error;
use crate::engine::prodoctorov::{ConnectorError, UPLOADS_LISTED};
use crate::wire::booking::format_utc;

fn connector(e: ConnectorError) -> PhpException {
    match e {
        ConnectorError::Storage(e) => error::storage(&e),
        ConnectorError::NotConfigured(m) => error::config(m),
    }
}

/// Answers ProDoctorov's direct booking (the §2.1 JSON POSTed to the module's endpoint).
/// `$authorization` is the raw `Authorization` header, checked against
/// `prodoctorov.endpoint_user`/`endpoint_password` (without both — a password of at least 16
/// characters — the endpoint is closed: 401). `$client` is the request's address
/// (`priem_client_address`): 10 wrong logins from it (its /64 for IPv6) in 10 minutes close the
/// door to it until the window ends (429).
///
/// Returns `['http' => 200|400|401|403|429|503, 'body' => ['success' => bool, 'error' =>
/// ?string], 'booking_id' => ?int, 'retry_after' => ?int]`: send `http` as the status and
/// `body` as JSON (with `WWW-Authenticate: Basic` on 401, `Retry-After` on 429). Refusals (unknown codes, a time that is not exactly one
/// free cell, past, taken, held, the MIS refusing or not answering in time) are 200 with
/// `success => false` and a Russian reason; an unreadable request is 400; 503 means the site's
/// database failed. Answers within 9 s. Throws only for unusable `$settings`.
#[php_function]
#[php(name = "priem_prodoctorov_booking")]
pub fn priem_prodoctorov_booking(
    settings: &ZendHashTable,
    body: &str,
    authorization: Option<&str>,
    now_utc: Option<&str>,
    client: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let a = e.prodoctorov_booking(body, authorization, client.unwrap_or(""), now);
    Ok(json(&serde_json::json!({
        "http": a.http_status,
        "body": a.body(),
        "booking_id": a.booking_id,
        "retry_after": a.retry_after,
    })))
}

/// Uploads the schedule to ProDoctorov now, when due (the interval has passed since the last
/// upload) or always with `$force` (which also sends an unchanged schedule). Takes the cron
/// lock. Returns `['outcome' => 'ok'|'failed'|'unchanged'|'not_due'|'locked', 'upload_id' =>
/// ?int, 'api' => 'old'|'v2', 'host', 'bytes', 'filials', 'doctors', 'cells', 'http_status' =>
/// ?int, 'message' => ?string, 'seconds', 'digest']`. A failing ProDoctorov is an outcome, not an
/// exception; throws `Priem\ConfigException` when the connector is off or has no URL.
#[php_function]
#[php(name = "priem_prodoctorov_upload")]
#[php(defaults(force = false))]
pub fn priem_prodoctorov_upload(
    settings: &ZendHashTable,
    force: bool,
    now_utc: Option<&str>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let now = now_arg(now_utc)?;
    let r = e.prodoctorov_upload(now, force).map_err(connector)?;
    Ok(json(&r))
}

/// The newest uploads to ProDoctorov first (at most `$limit`, 1–1000): `['id', 'started_at',
/// 'api', 'host', 'outcome' => 'ok'|'failed'|'unchanged', 'outcome_name' (in Russian), 'bytes', 'digest', 'filials',
/// 'doctors', 'cells', 'http_status' => ?int, 'answer' => ?string, 'seconds']`.
#[php_function]
#[php(name = "priem_prodoctorov_uploads")]
pub fn priem_prodoctorov_uploads(
    settings: &ZendHashTable,
    limit: i64,
) -> PhpResult<ZBox<ZendHashTable>> {
    let e = engine(settings)?;
    let limit = UPLOADS_LISTED.check(limit).map_err(error::range)?;
    let t = |x: DateTime<Utc>| format_utc(x);
    let list: Vec<serde_json::Value> = e
        .store()
        .recent_uploads(limit)
        .map_err(|e| error::storage(&e))?
        .into_iter()
        .map(|u| {
            serde_json::json!({
                "id": u.id, "started_at": t(u.started_at), "api": u.api, "host": u.host,
                "outcome": u.outcome.as_str(),
                "outcome_name": crate::engine::prodoctorov::upload_outcome_name(u.outcome),
                "bytes": u.bytes, "digest": u.digest,
                "filials": u.filials, "doctors": u.doctors, "cells": u.cells,
                "http_status": u.http_status, "answer": u.answer, "seconds": u.seconds,
            })
        })
        .collect();
    Ok(json(&list))
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(priem_prodoctorov_booking))
        .function(wrap_function!(priem_prodoctorov_upload))
        .function(wrap_function!(priem_prodoctorov_uploads))
}
