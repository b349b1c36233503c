//! Helpers for the storage tests: a throw-away MariaDB database per test, and schedule
//! documents built in code.
//!
//! The server is the machine's MariaDB unless `PRIEM_TEST_MYSQL_HOST`, `_PORT`, `_USER`,
//! `_PASSWORD` say otherwise. Every test creates `priem_test_<pid>_<n>_<nanos>` and drops it
//! when its [`TestDb`] is dropped.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use mysql::prelude::Queryable;
use serde_json::{json, Map, Value};

use priem::domain::schedule::{read, Schedule};
use priem::domain::zone::Zones;
use priem::storage::{DbConfig, ImportReport, SnapshotInfo, Store, StoredSlot};
use priem::wire::schedule::outline;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// Settings for the test server, with `database` filled in.
pub fn config(database: &str) -> DbConfig {
    DbConfig {
        host: env("PRIEM_TEST_MYSQL_HOST", "127.0.0.1"),
        port: env("PRIEM_TEST_MYSQL_PORT", "3306")
            .parse()
            .expect("PRIEM_TEST_MYSQL_PORT is a port number"),
        user: env("PRIEM_TEST_MYSQL_USER", "root"),
        password: env("PRIEM_TEST_MYSQL_PASSWORD", ""),
        database: database.to_owned(),
        ..DbConfig::default()
    }
}

/// The doctor's slots starting in `[from, to)` as visitors see them: the grid's own read.
pub fn grid_slots(
    store: &Store,
    filial: &str,
    doctor: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> priem::storage::Result<Vec<StoredSlot>> {
    store.slots_of(&store.read_window(filial, doctor, from, to)?)
}

/// A connection to the server with no database selected.
pub fn admin() -> mysql::Conn {
    let c = config("mysql");
    let opts = mysql::OptsBuilder::new()
        .ip_or_hostname(Some(c.host.clone()))
        .tcp_port(c.port)
        .user(Some(c.user.clone()))
        .pass(Some(c.password.clone()));
    mysql::Conn::new(opts).unwrap_or_else(|e| {
        panic!(
            "the storage tests need MariaDB/MySQL at {}:{} (PRIEM_TEST_MYSQL_* to change): {e}",
            c.host, c.port
        )
    })
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh database with the schema applied, dropped at the end of the test.
pub struct TestDb {
    pub name: String,
    pub store: Store,
}

impl TestDb {
    pub fn new() -> TestDb {
        TestDb::with(|_| {})
    }

    /// A fresh database with the schema, its store's settings adjusted by `f`.
    pub fn with(f: impl FnOnce(&mut DbConfig)) -> TestDb {
        let mut db = TestDb::empty();
        let mut c = config(&db.name);
        f(&mut c);
        db.store = Store::new(c).expect("valid settings");
        db.store.migrate().expect("migrations apply");
        db
    }

    /// A fresh database without the schema.
    pub fn empty() -> TestDb {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "priem_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            nanos
        );
        admin()
            .query_drop(format!(
                "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            ))
            .expect("create the test database");
        let store = Store::new(config(&name)).expect("valid settings");
        TestDb { name, store }
    }

    /// Another store on the same database (its own pool).
    pub fn another_store(&self) -> Store {
        Store::new(config(&self.name)).expect("valid settings")
    }

    pub fn conn(&self) -> mysql::PooledConn {
        self.store.conn().expect("a connection")
    }

    /// `SELECT COUNT(*) FROM <table> [WHERE …]`.
    pub fn count(&self, table_and_condition: &str) -> u64 {
        self.conn()
            .query_first(format!("SELECT COUNT(*) FROM {table_and_condition}"))
            .expect("count")
            .unwrap_or(0)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = admin().query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
    }
}

// The fixed "now" and the date/instant readers are the core tests' own.
#[path = "../common/mod.rs"]
mod common;
#[allow(unused_imports)]
pub use common::{date, eve, now, utc};

/// Cells from `YYYY-MM-DD HH:MM-HH:MM free|busy [room]` entries separated by `;`.
pub fn cells(spec: &str) -> Value {
    let list: Vec<Value> = spec
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let parts: Vec<&str> = entry.split_whitespace().collect();
            let (start, end) = parts[1].split_once('-').expect("HH:MM-HH:MM");
            let mut c = json!({"dt": parts[0], "time_start": start, "time_end": end,
                               "free": parts[2] == "free"});
            if let Some(room) = parts.get(3) {
                c["room"] = json!(room);
            }
            c
        })
        .collect();
    Value::Array(list)
}

/// One doctor of a test document: (code, efio, cells).
pub type DoctorSpec<'a> = (&'a str, &'a str, Value);
/// One filial of a test document: (code, name, doctors).
pub type FilialSpec<'a> = (&'a str, &'a str, Vec<DoctorSpec<'a>>);

/// A document: `filials` = (code, name, doctors), doctors = (code, efio, cells value).
pub fn document(filials: &[FilialSpec<'_>]) -> String {
    let mut top = Map::new();
    let mut data = Map::new();
    for (code, name, doctors) in filials {
        top.insert((*code).to_owned(), json!(name));
        let mut ds = Map::new();
        for (dcode, efio, cells) in doctors {
            ds.insert(
                (*dcode).to_owned(),
                json!({"efio": efio, "espec": "Кардиолог, терапевт", "cells": cells}),
            );
        }
        data.insert((*code).to_owned(), Value::Object(ds));
    }
    top.insert("data".into(), Value::Object(data));
    Value::Object(top).to_string()
}

/// Parses and normalizes a document with the default zones; the text is leaked so the
/// schedule can borrow it for the rest of the test.
/// A test document: its text, imported as the cron imports a file, and its normalized schedule
/// (what the tests expect stored), which it dereferences to.
pub struct Snapshot {
    pub text: &'static str,
    pub zones: Zones,
    pub schedule: Schedule<'static>,
}

impl std::ops::Deref for Snapshot {
    type Target = Schedule<'static>;
    fn deref(&self) -> &Schedule<'static> {
        &self.schedule
    }
}

impl Snapshot {
    /// Imports the document's text into `store`; returns the report.
    pub fn import(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        snap: SnapshotInfo,
    ) -> priem::storage::Result<ImportReport> {
        let o = outline(self.text).unwrap_or_else(|e| panic!("test document does not parse: {e}"));
        store
            .import_schedule(&o, &self.zones, now, snap)
            .map(|i| i.report)
    }
}

pub fn schedule(json: String) -> Snapshot {
    schedule_in(json, &Zones::default())
}

pub fn schedule_in(json: String, zones: &Zones) -> Snapshot {
    let text: &'static str = Box::leak(json.into_boxed_str());
    Snapshot {
        text,
        zones: zones.clone(),
        schedule: read(text, zones).unwrap_or_else(|e| panic!("test document does not parse: {e}")),
    }
}

/// A deterministic generated document: `filials` × `doctors` doctors (spread over the
/// filials), `days` days from 2026-12-02, 15-minute cells 09:00–15:00 on working days, busy
/// by a seeded hash; cells whose hash falls under `flip` have `free` inverted.
pub fn generated(filials: usize, doctors: usize, days: u32, flip: f64) -> String {
    let start = date("2026-12-02");
    type Doctors = Vec<(String, Value)>;
    let mut fs: Vec<(String, String, Doctors)> = (1..=filials)
        .map(|f| (f.to_string(), format!("Клиника {f}"), Vec::new()))
        .collect();
    for d in 0..doctors {
        let mut list = Vec::new();
        for day in 0..days {
            let dt = start + chrono::Duration::days(i64::from(day));
            if (d + day as usize) % 7 == 6 {
                continue; // a day off
            }
            for slot in 0..24u32 {
                let m = 9 * 60 + slot * 15;
                let h = hash(d as u64, u64::from(day), u64::from(slot));
                let mut free = h % 10 >= 3;
                if ((h >> 20) % 1_000_000) as f64 / 1_000_000.0 < flip {
                    free = !free;
                }
                list.push(json!({
                    "dt": dt.format("%Y-%m-%d").to_string(),
                    "time_start": format!("{:02}:{:02}", m / 60, m % 60),
                    "time_end": format!("{:02}:{:02}", (m + 15) / 60, (m + 15) % 60),
                    "free": free,
                    "room": format!("{}", 100 + d % 30),
                }));
            }
        }
        fs[d % filials]
            .2
            .push((format!("{:04}", d + 1), Value::Array(list)));
    }
    let mut top = Map::new();
    let mut data = Map::new();
    for (code, name, doctors) in fs {
        top.insert(code.clone(), json!(name));
        let mut ds = Map::new();
        for (dcode, cells) in doctors {
            ds.insert(
                dcode.clone(),
                json!({"efio": format!("Врач {dcode}"), "cells": cells}),
            );
        }
        data.insert(code, Value::Object(ds));
    }
    top.insert("data".into(), Value::Object(data));
    Value::Object(top).to_string()
}

fn hash(a: u64, b: u64, c: u64) -> u64 {
    let mut x = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        .wrapping_add(c.wrapping_mul(0x1656_67B1_9E37_79F9));
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    x
}

/// Every stored slot: (filial, doctor, start_utc, free, room), in key order.
pub fn all_slots(db: &TestDb) -> Vec<(String, String, chrono::NaiveDateTime, bool, String)> {
    db.conn()
        .query(
            "SELECT filial, doctor, start_utc, free, room FROM Priem_Slot \
             ORDER BY filial, doctor, start_utc",
        )
        .expect("read slots")
}

/// The slots a schedule should produce at `now`: (filial, doctor, start_utc, free, room).
pub fn expected_slots(
    s: &Schedule,
    now: DateTime<Utc>,
) -> Vec<(String, String, chrono::NaiveDateTime, bool, String)> {
    let mut out: Vec<_> = s
        .slots
        .iter()
        .filter(|c| c.start_utc >= now)
        .map(|c| {
            let d = &s.doctors[c.doctor as usize];
            (
                s.filials[d.filial].code.to_string(),
                d.code.to_string(),
                c.start_utc.naive_utc(),
                c.free,
                c.room.to_string(),
            )
        })
        .collect();
    out.sort();
    out
}
