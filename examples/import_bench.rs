//! Schedule import benchmark: a generated ~1 M-cell snapshot imported into an empty MariaDB
//! database, then the same snapshot with 1 % of the cells changed, then the changed one again.
//!
//! ```text
//! cargo run --release --no-default-features --example import_bench [-- BASE.json CHANGED.json]
//! ```
//!
//! Without arguments the documents are generated (once) into `target/bench-data/` with
//! `tools/gen_schedule.py --filials 20 --doctors 1000 --days 30 --seed 1 --start 2026-12-01`
//! (and `--change 0.01`). The database is `priem_bench_<pid>` on the server named by
//! `PRIEM_TEST_MYSQL_HOST`/`_PORT`/`_USER`/`_PASSWORD` (default root@127.0.0.1:3306), dropped
//! at the end. Prints seconds, cells per second and peak RSS (VmHWM, reset between phases),
//! and, for scale, the time MariaDB's own `LOAD DATA LOCAL INFILE` takes to write the same
//! rows into a copy of `Priem_Slot` in one transaction (the floor for writing every row;
//! skipped when the server refuses `local_infile`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use mysql::prelude::Queryable;

use priem::domain::schedule::{read, Schedule};
use priem::domain::zone::Zones;
use priem::storage::{DbConfig, ImportReport, SnapshotInfo, Store};
use priem::wire::schedule::outline;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// CPU seconds (user + system) this process has used so far.
fn cpu_seconds() -> f64 {
    // /proc/self/stat fields 14 and 15: utime and stime in clock ticks (100 per second).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident set size since the last reset, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resets VmHWM to the current RSS (Linux: `echo 5 > /proc/self/clear_refs`).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn generate(out: &Path, change: Option<&str>) -> Result<(), String> {
    if out.exists() {
        return Ok(());
    }
    let mut cmd = Command::new("python3");
    cmd.args([
        "tools/gen_schedule.py",
        "--filials",
        "20",
        "--doctors",
        "1000",
        "--days",
        "30",
        "--seed",
        "1",
        "--start",
        "2026-12-01",
        "-o",
    ])
    .arg(out);
    if let Some(c) = change {
        cmd.args(["--change", c]);
    }
    let status = cmd.status().map_err(|e| format!("python3: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("tools/gen_schedule.py failed: {status}"))
    }
}

struct Phase {
    name: &'static str,
    cells: usize,
    bytes: usize,
    parse_s: f64,
    import_s: f64,
    /// CPU seconds of this process during the import (the rest is the server).
    import_cpu: f64,
    /// Peak RSS while reading and parsing the file.
    parse_rss: f64,
    /// Peak RSS while importing (the text and the schedule are still held).
    import_rss: f64,
    report: ImportReport,
}

/// Measures the floor with the parsed schedule (called once, before the full import).
type FloorFn<'a> = dyn FnMut(&Schedule) -> Result<(), String> + 'a;

fn run(
    store: &Store,
    name: &'static str,
    path: &Path,
    now: Option<DateTime<Utc>>,
    floor: Option<&mut FloorFn<'_>>,
) -> Result<(Phase, DateTime<Utc>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // The whole schedule, read once for the floor, the cell count and "now" (not timed).
    let (cells, first) = {
        let schedule =
            read(&text, &Zones::default()).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(f) = floor {
            f(&schedule)?;
        }
        let first = schedule.slots.iter().map(|s| s.start_utc).min();
        (schedule.slots.len(), first)
    };
    // "Now": just before the first cell, so every cell is in the future.
    let now = now.unwrap_or_else(|| first.unwrap_or_else(Utc::now) - Duration::hours(1));
    reset_peak_rss();
    let t = Instant::now();
    let outline = outline(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let parse_s = t.elapsed().as_secs_f64();
    let parse_rss = peak_rss_mib();
    reset_peak_rss();
    let cpu = cpu_seconds();
    let t = Instant::now();
    let imported = store
        .import_schedule(&outline, &Zones::default(), now, SnapshotInfo::default())
        .map_err(|e| format!("import: {e}"))?;
    let import_s = t.elapsed().as_secs_f64();
    let import_cpu = cpu_seconds() - cpu;
    Ok((
        Phase {
            name,
            cells,
            bytes: text.len(),
            parse_s,
            import_s,
            import_cpu,
            parse_rss,
            import_rss: peak_rss_mib(),
            report: imported.report,
        },
        now,
    ))
}

/// Writes the schedule's rows as a tab-separated file and times `LOAD DATA LOCAL INFILE` of it
/// into a copy of `Priem_Slot` (created, loaded in one transaction, dropped).
fn load_data_floor(config: &DbConfig, s: &Schedule, dir: &Path) -> Result<Option<f64>, String> {
    let path = dir.join("floor-rows.tsv");
    {
        let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
        let mut w = std::io::BufWriter::new(file);
        let esc = |v: &str| {
            v.replace('\\', "\\\\")
                .replace('\t', "\\t")
                .replace('\n', "\\n")
        };
        for c in &s.slots {
            let d = &s.doctors[c.doctor as usize];
            writeln!(
                w,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                esc(&s.filials[d.filial].code),
                esc(&d.code),
                c.start_utc.format("%Y-%m-%d %H:%M:%S"),
                c.end_utc.format("%Y-%m-%d %H:%M:%S"),
                c.date,
                c.start,
                c.end,
                u8::from(c.free),
                esc(&c.room)
            )
            .map_err(|e| e.to_string())?;
        }
        w.flush().map_err(|e| e.to_string())?;
    }
    let file = path.clone();
    let handler = mysql::LocalInfileHandler::new(move |_, out| {
        let mut f = std::fs::File::open(&file)?;
        std::io::copy(&mut f, out)?;
        Ok(())
    });
    let store = Store::new(config.clone()).map_err(|e| e.to_string())?;
    let mut conn = store.dedicated_conn().map_err(|e| e.to_string())?;
    conn.set_local_infile_handler(Some(handler));
    conn.query_drop("DROP TABLE IF EXISTS Floor_Slot")
        .and_then(|_| conn.query_drop("CREATE TABLE Floor_Slot LIKE Priem_Slot"))
        .map_err(|e| e.to_string())?;
    let t = Instant::now();
    let loaded = conn
        .query_drop("START TRANSACTION")
        .and_then(|_| {
            conn.query_drop(
                "LOAD DATA LOCAL INFILE 'floor-rows.tsv' INTO TABLE Floor_Slot \
                 (filial, doctor, start_utc, end_utc, date, start_min, end_min, free, room)",
            )
        })
        .and_then(|_| conn.query_drop("COMMIT"));
    let secs = t.elapsed().as_secs_f64();
    let _ = conn.query_drop("DROP TABLE IF EXISTS Floor_Slot");
    let _ = std::fs::remove_file(&path);
    match loaded {
        Ok(()) => Ok(Some(secs)),
        Err(e) => {
            eprintln!("import_bench: LOAD DATA floor not measured: {e}");
            Ok(None)
        }
    }
}

fn main() {
    if let Err(e) = bench() {
        eprintln!("import_bench: {e}");
        std::process::exit(1);
    }
}

fn bench() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (base, changed) = match args.as_slice() {
        [a, b] => (PathBuf::from(a), PathBuf::from(b)),
        [] => {
            let dir = PathBuf::from("target/bench-data");
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let base = dir.join("schedule-1m.json");
            let changed = dir.join("schedule-1m-change1.json");
            generate(&base, None)?;
            generate(&changed, Some("0.01"))?;
            (base, changed)
        }
        _ => return Err("usage: import_bench [BASE.json CHANGED.json]".into()),
    };

    let database = format!("priem_bench_{}", std::process::id());
    let config = DbConfig {
        host: env("PRIEM_TEST_MYSQL_HOST", "127.0.0.1"),
        port: env("PRIEM_TEST_MYSQL_PORT", "3306")
            .parse()
            .map_err(|_| "bad port")?,
        user: env("PRIEM_TEST_MYSQL_USER", "root"),
        password: env("PRIEM_TEST_MYSQL_PASSWORD", ""),
        database: database.clone(),
        ..DbConfig::default()
    };
    let mut admin = mysql::Conn::new(
        mysql::OptsBuilder::new()
            .ip_or_hostname(Some(config.host.clone()))
            .tcp_port(config.port)
            .user(Some(config.user.clone()))
            .pass(Some(config.password.clone())),
    )
    .map_err(|e| format!("connect: {e}"))?;
    admin
        .query_drop(format!(
            "CREATE DATABASE `{database}` CHARACTER SET utf8mb4"
        ))
        .map_err(|e| format!("create database: {e}"))?;
    let dir = base.parent().map(Path::to_path_buf).unwrap_or_default();
    let result = (|| {
        let store = Store::new(config.clone()).map_err(|e| e.to_string())?;
        store.migrate().map_err(|e| e.to_string())?;
        let mut floor = None;
        let mut measure = |s: &Schedule| {
            floor = load_data_floor(&config, s, &dir)?;
            Ok(())
        };
        let (full, now) = run(
            &store,
            "full import, empty database",
            &base,
            None,
            Some(&mut measure),
        )?;
        let (change, _) = run(&store, "1 % of cells changed", &changed, Some(now), None)?;
        let (same, _) = run(&store, "same snapshot again", &changed, Some(now), None)?;
        Ok::<_, String>((vec![full, change, same], floor))
    })();
    let _ = admin.query_drop(format!("DROP DATABASE IF EXISTS `{database}`"));
    let (phases, floor) = result?;

    println!(
        "priem import benchmark: {} cells, {:.1} MB",
        phases[0].cells,
        phases[0].bytes as f64 / 1e6
    );
    println!(
        "{:<28} {:>9} {:>8} {:>8} {:>8} {:>11} {:>11} {:>10}",
        "phase",
        "outline s",
        "import s",
        "(cpu s)",
        "total s",
        "cells/s",
        "outline MiB",
        "import MiB"
    );
    for p in &phases {
        let total = p.parse_s + p.import_s;
        println!(
            "{:<28} {:>9.2} {:>8.2} {:>8.2} {:>8.2} {:>11.0} {:>11.0} {:>10.0}",
            p.name,
            p.parse_s,
            p.import_s,
            p.import_cpu,
            total,
            p.cells as f64 / total,
            p.parse_rss,
            p.import_rss
        );
    }
    for p in &phases {
        let r = &p.report;
        println!(
            "{}: days unchanged {}, changed {}, added {}, removed {}; slots inserted {}, updated {}, deleted {}",
            p.name,
            r.days_unchanged,
            r.days_changed,
            r.days_added,
            r.days_removed,
            r.slots_inserted,
            r.slots_updated,
            r.slots_deleted
        );
    }
    if let Some(f) = floor {
        println!(
            "LOAD DATA of the same rows (floor): {f:.2} s; full import {:.2}× the floor ({:.2}× with parsing)",
            phases[0].import_s / f,
            (phases[0].parse_s + phases[0].import_s) / f
        );
    }
    let full = phases[0].parse_s + phases[0].import_s;
    let change = phases[1].parse_s + phases[1].import_s;
    println!(
        "full / 1%-changed: {:.1}× (import alone {:.1}×)",
        full / change,
        phases[0].import_s / phases[1].import_s
    );
    Ok(())
}
