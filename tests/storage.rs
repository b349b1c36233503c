//! The storage layer against a real MariaDB/MySQL (see `storage_common` for which server).

mod storage_common;

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use chrono::Duration;
use mysql::prelude::Queryable;

use priem::domain::booking::{BookingSource, BookingStatus};
use priem::domain::grid;
use priem::domain::zone::Zones;
use priem::storage::{
    AlertAction, Card, CodeProblem, HoldError, NewBooking, RunStatus, RunSummary, SnapshotInfo,
    StorageError, Store, MIGRATIONS,
};

use storage_common::*;

const TABLES: [&str; 13] = [
    "Priem_Alert",
    "Priem_Booking",
    "Priem_Day",
    "Priem_Doctor",
    "Priem_Erasure",
    "Priem_Filial",
    "Priem_Hold",
    "Priem_Migration",
    "Priem_Protection",
    "Priem_RateLimit",
    "Priem_Slot",
    "Priem_SyncRun",
    "Priem_Upload",
];

fn import(db: &TestDb, json: String) -> priem::storage::ImportReport {
    let s = schedule(json);
    s.import(&db.store, now(), SnapshotInfo::default())
        .expect("import")
}

fn slots_of(db: &TestDb, filial: &str, doctor: &str) -> Vec<(String, bool)> {
    grid_slots(
        &db.store,
        filial,
        doctor,
        now() - Duration::days(30),
        now() + Duration::days(60),
    )
    .expect("grid slots")
    .into_iter()
    .map(|s| {
        (
            format!("{} {:02}:{:02}", s.date, s.start / 60, s.start % 60),
            s.free,
        )
    })
    .collect()
}

fn booking(key: &str, filial: &str, doctor: &str, start: &str, end: &str) -> NewBooking {
    NewBooking {
        idempotency_key: key.into(),
        source: BookingSource::Site,
        filial: filial.into(),
        doctor: doctor.into(),
        start_utc: utc(start),
        end_utc: utc(end),
        payload: format!(r#"{{"dt_start":"{start}","dt_end":"{end}","filial_id":"{filial}"}}"#),
        phone_masked: "7900***4567".into(),
        consent: None,
        admission: Default::default(),
    }
}

/// One filial "1", doctor "0001" with three cells on 2026-12-02 (Moscow).
fn one_doctor() -> String {
    document(&[(
        "1",
        "Клиника на Ленина",
        vec![(
            "0001",
            "Иванова Мария Петровна",
            cells("2026-12-02 09:00-09:30 free 12; 2026-12-02 09:30-10:00 free; 2026-12-02 10:00-10:30 busy"),
        )],
    )])
}

// 09:00 Moscow on 2026-12-02.
const T0900: &str = "2026-12-02T06:00:00Z";
const T0930: &str = "2026-12-02T06:30:00Z";
const T1000: &str = "2026-12-02T07:00:00Z";
const T1030: &str = "2026-12-02T07:30:00Z";

// ---------------------------------------------------------------------------------------
// Migrations

#[test]
fn migrations_create_every_table_and_are_idempotent() {
    let db = TestDb::empty();
    let all: Vec<u32> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(db.store.migrate().unwrap(), all);
    assert_eq!(db.store.migrate().unwrap(), Vec::<u32>::new());
    // Also through the free function on a plain connection.
    assert_eq!(
        priem::storage::migrate(&mut db.conn()).unwrap(),
        Vec::<u32>::new()
    );
    let tables: Vec<(String, String, String)> = db
        .conn()
        .exec(
            "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
            (&db.name,),
        )
        .unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(names, TABLES);
    for (t, engine, collation) in &tables {
        assert_eq!(engine, "InnoDB", "{t}");
        assert!(collation.starts_with("utf8mb4"), "{t}: {collation}");
    }
    assert_eq!(db.count("Priem_Migration"), MIGRATIONS.len() as u64);
}

#[test]
fn a_schema_newer_than_the_build_is_refused() {
    let db = TestDb::new();
    db.conn()
        .query_drop("INSERT INTO Priem_Migration VALUES (99, 'future', '', NOW())")
        .unwrap();
    assert!(matches!(
        db.store.migrate(),
        Err(StorageError::SchemaTooNew { found: 99, .. })
    ));
}

#[test]
fn the_first_connection_of_a_process_brings_an_older_schema_up_to_date() {
    // a site that installed a newer extension: the schema of the previous one, no priem_migrate
    let db = TestDb::empty();
    let old = db.another_store();
    let mut conn = old.conn().unwrap();
    conn.query_drop("DELETE FROM Priem_Migration WHERE version > 1")
        .unwrap();
    drop(conn);
    assert_eq!(
        db.count("Priem_Migration"),
        MIGRATIONS.len() as u64,
        "this store had migrated already"
    );
    // a new process (a new store) takes its first connection: the lacking migrations are applied
    let later: Vec<u32> = MIGRATIONS.iter().skip(1).map(|m| m.version).collect();
    let fresh = db.another_store();
    let applied: Vec<u32> = {
        let _first = fresh.conn().unwrap();
        fresh
            .conn()
            .unwrap()
            .query("SELECT version FROM Priem_Migration WHERE version > 1 ORDER BY version")
            .unwrap()
    };
    assert_eq!(applied, later);
}

#[test]
fn a_schema_newer_than_the_build_still_serves_an_older_worker() {
    let db = TestDb::new();
    db.conn()
        .query_drop("INSERT INTO Priem_Migration VALUES (99, 'future', '', NOW())")
        .unwrap();
    let older = db.another_store();
    assert_eq!(
        older
            .conn()
            .unwrap()
            .query_first::<u64, _>("SELECT 1")
            .unwrap(),
        Some(1)
    );
}

// ---------------------------------------------------------------------------------------
// Connections

#[test]
fn connection_errors_are_transient_and_never_show_the_password() {
    let mut c = config("nope");
    c.port = 1; // nothing listens there
    c.password = "very-secret-password".into();
    c.connect_timeout = std::time::Duration::from_secs(2);
    let store = Store::new(c).unwrap();
    let e = store.migrate().unwrap_err();
    assert!(e.is_transient(), "{e}");
    assert!(!e.to_string().contains("very-secret"), "{e}");

    let mut c = config("mysql");
    c.password = "wrong-password-123".into();
    c.user = "priem_no_such_user".into();
    let e = Store::new(c).unwrap().migrate().unwrap_err();
    assert!(!e.to_string().contains("wrong-password-123"), "{e}");
    assert!(
        matches!(
            e,
            StorageError::Connect {
                code: Some(1045),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.is_transient());
}

// ---------------------------------------------------------------------------------------
// Import and the replacement rule

#[test]
fn import_stores_cells_names_and_zones() {
    let db = TestDb::new();
    let r = import(&db, one_doctor());
    assert_eq!((r.filials, r.doctors, r.days_added), (1, 1, 1));
    assert_eq!(r.slots_inserted, 3);
    let slots = grid_slots(&db.store, "1", "0001", now(), now() + Duration::days(7)).unwrap();
    assert_eq!(slots.len(), 3);
    assert_eq!(slots[0].start_utc, utc(T0900));
    assert_eq!(slots[0].end_utc, utc(T0930));
    assert_eq!((slots[0].start, slots[0].end), (540, 570));
    assert_eq!(slots[0].date, date("2026-12-02"));
    assert_eq!(slots[0].room, "12");
    assert!(slots[0].free && !slots[0].held);
    assert!(!slots[2].free);
    let (name, zone): (String, String) = db
        .conn()
        .query_first("SELECT name, zone FROM Priem_Filial WHERE code = '1'")
        .unwrap()
        .unwrap();
    assert_eq!(
        (name.as_str(), zone.as_str()),
        ("Клиника на Ленина", "Europe/Moscow")
    );
    let (efio, spec): (String, String) = db
        .conn()
        .query_first("SELECT name, specialties FROM Priem_Doctor WHERE filial='1' AND code='0001'")
        .unwrap()
        .unwrap();
    assert_eq!(efio, "Иванова Мария Петровна");
    assert_eq!(spec, "Кардиолог, терапевт");
}

#[test]
fn codes_keep_leading_zeros_and_case() {
    let db = TestDb::new();
    let c = cells("2026-12-02 09:00-09:30 free");
    import(
        &db,
        document(&[(
            "01",
            "A",
            vec![
                ("0001", "x", c.clone()),
                ("1", "y", c.clone()),
                ("a1", "z", c.clone()),
                ("A1", "w", c),
            ],
        )]),
    );
    assert_eq!(db.count("Priem_Doctor WHERE filial = '01'"), 4);
    assert_eq!(slots_of(&db, "01", "0001").len(), 1);
    assert_eq!(slots_of(&db, "1", "0001").len(), 0);
    assert_eq!(db.count("Priem_Slot WHERE doctor = 'A1'"), 1);
}

#[test]
fn a_doctor_gone_from_a_listed_filial_loses_its_slots() {
    let db = TestDb::new();
    let c = cells("2026-12-02 09:00-09:30 free; 2026-12-03 09:00-09:30 free");
    import(
        &db,
        document(&[(
            "1",
            "A",
            vec![("0001", "x", c.clone()), ("0002", "y", c.clone())],
        )]),
    );
    assert_eq!(db.count("Priem_Slot"), 4);
    let r = import(&db, document(&[("1", "A", vec![("0001", "x", c)])]));
    assert_eq!(r.doctors_removed, 1);
    assert_eq!(r.slots_deleted, 2);
    assert_eq!(r.days_unchanged, 2);
    assert!(slots_of(&db, "1", "0002").is_empty());
    assert_eq!(slots_of(&db, "1", "0001").len(), 2);
    assert_eq!(db.count("Priem_Day WHERE doctor = '0002'"), 0);
    assert_eq!(db.count("Priem_Doctor WHERE code = '0002'"), 0);
}

#[test]
fn a_filial_not_in_the_snapshot_keeps_its_slots() {
    let db = TestDb::new();
    let c = cells("2026-12-02 09:00-09:30 free");
    import(
        &db,
        document(&[
            ("1", "A", vec![("0001", "x", c.clone())]),
            ("2", "B", vec![("0002", "y", c.clone())]),
        ]),
    );
    // The next file only has filial 1, with other cells.
    let r = import(
        &db,
        document(&[(
            "1",
            "A",
            vec![("0001", "x", cells("2026-12-02 10:00-10:30 busy"))],
        )]),
    );
    assert_eq!(r.filials, 1);
    assert_eq!(r.doctors_removed, 0);
    assert_eq!(
        slots_of(&db, "2", "0002"),
        vec![("2026-12-02 09:00".into(), true)]
    );
    assert_eq!(
        slots_of(&db, "1", "0001"),
        vec![("2026-12-02 10:00".into(), false)]
    );
    assert_eq!(db.count("Priem_Filial"), 2);
}

#[test]
fn a_rejected_doctor_keeps_its_old_slots_untouched() {
    let db = TestDb::new();
    import(
        &db,
        document(&[(
            "1",
            "A",
            vec![
                ("0001", "x", cells("2026-12-02 09:00-09:30 free")),
                (
                    "0002",
                    "y",
                    cells("2026-12-02 09:00-09:30 free; 2026-12-03 09:00-09:30 busy"),
                ),
            ],
        )]),
    );
    // Doctor 0002 now has no cells array: the parser rejects him, the rest is imported.
    let s = schedule(document(&[(
        "1",
        "A",
        vec![
            ("0001", "x", cells("2026-12-02 09:00-09:30 busy")),
            ("0002", "y", serde_json::json!("none")),
        ],
    )]));
    assert_eq!(s.rejected.len(), 1);
    let r = s.import(&db.store, now(), SnapshotInfo::default()).unwrap();
    assert_eq!((r.doctors, r.doctors_kept, r.doctors_removed), (1, 1, 0));
    assert_eq!(
        slots_of(&db, "1", "0002"),
        vec![
            ("2026-12-02 09:00".into(), true),
            ("2026-12-03 09:00".into(), false)
        ]
    );
    assert_eq!(db.count("Priem_Doctor WHERE code = '0002'"), 1);
    assert_eq!(
        slots_of(&db, "1", "0001"),
        vec![("2026-12-02 09:00".into(), false)]
    );
}

#[test]
fn a_kept_doctor_is_marked_seen_and_a_rejected_one_is_not() {
    let db = TestDb::new();
    let first = document(&[(
        "1",
        "A",
        vec![
            ("0001", "x", cells("2026-12-02 09:00-09:30 free")),
            ("0002", "y", cells("2026-12-02 10:00-10:30 free")),
        ],
    )]);
    import(&db, first);
    // 0001 sent byte for byte again (kept, not read), 0002 rejected, an hour later.
    let s = schedule(document(&[(
        "1",
        "A",
        vec![
            ("0001", "x", cells("2026-12-02 09:00-09:30 free")),
            ("0002", "y", serde_json::json!("none")),
        ],
    )]));
    let later = now() + Duration::hours(1);
    let r = s.import(&db.store, later, SnapshotInfo::default()).unwrap();
    assert_eq!(
        (r.doctors, r.doctors_kept, r.cells_past),
        (1, 1, 0),
        "{r:?}"
    );
    let seen = |code: &str| -> chrono::NaiveDateTime {
        db.conn()
            .exec_first(
                "SELECT last_seen FROM Priem_Doctor WHERE filial = '1' AND code = ?",
                (code,),
            )
            .unwrap()
            .unwrap()
    };
    assert_eq!(seen("0001"), later.naive_utc());
    assert_eq!(seen("0002"), now().naive_utc());
    // The clock set back between the two: 0001 is read again, not kept.
    let r = s
        .import(
            &db.store,
            now() + Duration::minutes(30),
            SnapshotInfo::default(),
        )
        .unwrap();
    assert_eq!((r.days_unchanged, r.days_changed), (1, 0), "{r:?}");
    assert_eq!(seen("0001"), (now() + Duration::minutes(30)).naive_utc());
}

#[test]
fn many_changed_days_are_read_and_written_in_overlapping_batches_exactly() {
    for db in [
        TestDb::new(),
        TestDb::with(|c| c.bulk_execute = Some(false)),
    ] {
        let before = schedule(generated(3, 30, 14, 0.0));
        // A third of the cells flipped: most days of every doctor change, hundreds in all.
        let after = schedule(generated(3, 30, 14, 0.3));
        before
            .import(&db.store, now(), SnapshotInfo::default())
            .unwrap();
        let r = after
            .import(&db.store, now(), SnapshotInfo::default())
            .unwrap();
        assert!(r.days_changed > 200, "{r:?}");
        assert_eq!(all_slots(&db), expected_slots(&after, now()));
        let fresh = TestDb::new();
        after
            .import(&fresh.store, now(), SnapshotInfo::default())
            .unwrap();
        assert_eq!(all_days(&db), all_days(&fresh));
    }
}

#[test]
fn past_cells_are_not_stored_and_past_days_are_dropped() {
    let db = TestDb::new();
    // now = 2026-12-01 09:00 Moscow: 08:00 and 08:30 are past.
    let r = import(
        &db,
        document(&[(
            "1",
            "A",
            vec![(
                "0001",
                "x",
                cells("2026-12-01 08:00-08:30 free; 2026-12-01 08:30-09:00 free; 2026-12-01 09:00-09:30 free; 2026-12-02 09:00-09:30 free"),
            )],
        )]),
    );
    assert_eq!(r.cells_past, 2);
    assert_eq!(r.slots_inserted, 2);
    assert_eq!(
        slots_of(&db, "1", "0001"),
        vec![
            ("2026-12-01 09:00".into(), true),
            ("2026-12-02 09:00".into(), true)
        ]
    );
    // A day later the MIS sends the same file: 2026-12-01 is past, the day is removed.
    let s = schedule(document(&[(
        "1",
        "A",
        vec![(
            "0001",
            "x",
            cells("2026-12-01 09:00-09:30 free; 2026-12-02 09:00-09:30 free"),
        )],
    )]));
    let r = s
        .import(
            &db.store,
            now() + Duration::days(1) - Duration::hours(1),
            SnapshotInfo::default(),
        )
        .unwrap();
    assert_eq!(
        (r.days_removed, r.days_unchanged, r.slots_deleted),
        (1, 1, 1)
    );
    assert_eq!(
        slots_of(&db, "1", "0001"),
        vec![("2026-12-02 09:00".into(), true)]
    );
}

#[test]
fn importing_the_same_snapshot_again_writes_nothing() {
    let db = TestDb::new();
    let json = generated(3, 12, 10, 0.0);
    let first = import(&db, json.clone());
    assert!(first.slots_inserted > 2000, "{first:?}");
    let again = import(&db, json);
    assert_eq!(again.days_unchanged, first.days_added);
    assert_eq!(
        (again.days_changed, again.days_added, again.days_removed),
        (0, 0, 0)
    );
    assert_eq!(
        (
            again.slots_inserted,
            again.slots_updated,
            again.slots_deleted
        ),
        (0, 0, 0)
    );
    assert_eq!(again.doctors_removed, 0);
}

/// Priem_Day as stored: (filial, doctor, date, digest, cells, packed, first, last).
type DayRow = (
    String,
    String,
    chrono::NaiveDate,
    Vec<u8>,
    u32,
    Option<Vec<u8>>,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
);

fn all_days(db: &TestDb) -> Vec<DayRow> {
    db.conn()
        .query(
            "SELECT filial, doctor, date, digest, cells, packed, first_utc, last_utc FROM Priem_Day \
             ORDER BY filial, doctor, date",
        )
        .unwrap()
}

#[test]
fn an_unchanged_doctor_is_not_read_again_but_loses_the_times_now_past() {
    let json = generated(2, 6, 5, 0.0);
    let db = TestDb::new();
    import(&db, json.clone());
    // 2026-12-03 11:00 Moscow: 12-02 is past, 12-03 half past.
    let later = utc("2026-12-03T08:00:00Z");
    let s = schedule(json);
    let r = s.import(&db.store, later, SnapshotInfo::default()).unwrap();
    assert_eq!(r.cells_past, 0, "no doctor was read: {r:?}");
    assert!(
        r.days_removed > 0 && r.days_changed > 0 && r.slots_deleted > 0,
        "{r:?}"
    );
    assert_eq!((r.days_added, r.slots_inserted, r.slots_updated), (0, 0, 0));
    // Exactly what importing the same file at that time into an empty database stores.
    let fresh = TestDb::new();
    let f = s
        .import(&fresh.store, later, SnapshotInfo::default())
        .unwrap();
    assert!(f.cells_past > 0);
    assert_eq!(all_slots(&db), all_slots(&fresh));
    assert_eq!(all_slots(&db), expected_slots(&s, later));
    assert_eq!(all_days(&db), all_days(&fresh));
    assert_eq!(
        r.days_unchanged + r.days_changed,
        fresh.count("Priem_Day") as usize
    );
    // Again at the same time: nothing to read, nothing to write.
    let r = s.import(&db.store, later, SnapshotInfo::default()).unwrap();
    assert_eq!(
        (
            r.cells_past,
            r.days_changed,
            r.slots_deleted,
            r.slots_inserted
        ),
        (0, 0, 0, 0)
    );
}

#[test]
fn a_doctor_is_read_again_when_his_cells_were_left_out_or_time_went_back() {
    let json = document(&[(
        "1",
        "A",
        vec![(
            "0001",
            "x",
            cells("2026-12-01 08:00-08:30 free; 2026-12-02 09:00-09:30 free"),
        )],
    )]);
    let db = TestDb::new();
    let s = schedule(json.clone());
    s.import(&db.store, now(), SnapshotInfo::default()).unwrap();
    // The same file with the clock set back: the past cell is stored again.
    let r = s
        .import(
            &db.store,
            now() - Duration::hours(2),
            SnapshotInfo::default(),
        )
        .unwrap();
    assert_eq!((r.cells_past, r.slots_inserted), (0, 1), "{r:?}");
    // A doctor with a bad cell is read every time (his alert must go on).
    let bad = json.replacen("09:30\"", "08:59\"", 1);
    assert_ne!(bad, json);
    let s = schedule(bad);
    assert_eq!(s.bad_cells.len(), 1);
    for _ in 0..2 {
        let o = priem::wire::schedule::outline(s.text).unwrap();
        let i = db
            .store
            .import_schedule(&o, &Zones::default(), now(), SnapshotInfo::default())
            .unwrap();
        assert_eq!(i.bad_cells.len(), 1);
        assert_eq!(i.report.cells_past, 1, "read again: {:?}", i.report);
    }
}

#[test]
fn a_one_percent_change_rewrites_only_the_changed_days() {
    one_percent_change(TestDb::new());
}

#[test]
fn a_one_percent_change_with_multi_row_statements_as_on_mysql() {
    one_percent_change(TestDb::with(|c| c.bulk_execute = Some(false)));
}

fn one_percent_change(db: TestDb) {
    let before = schedule(generated(3, 30, 14, 0.0));
    let after = schedule(generated(3, 30, 14, 0.01));
    before
        .import(&db.store, now(), SnapshotInfo::default())
        .unwrap();

    // Which cells and days differ, computed here from the two documents.
    let mut flipped = 0u64;
    let mut days_changed = BTreeSet::new();
    let mut all_days = BTreeSet::new();
    for (a, b) in before.slots.iter().zip(&after.slots) {
        let d = &before.doctors[a.doctor as usize];
        all_days.insert((d.code.to_string(), a.date));
        if a.free != b.free {
            flipped += 1;
            days_changed.insert((d.code.to_string(), a.date));
        }
    }
    assert!(
        flipped > 20,
        "the test document must change some cells ({flipped})"
    );

    let r = after
        .import(
            &db.store,
            now(),
            SnapshotInfo {
                run: Some(7),
                produced_at: None,
            },
        )
        .unwrap();
    assert_eq!(r.days_changed, days_changed.len());
    assert_eq!(r.days_unchanged, all_days.len() - days_changed.len());
    assert_eq!(r.slots_updated, flipped);
    assert_eq!((r.slots_inserted, r.slots_deleted, r.days_added), (0, 0, 0));
    // Only the changed rows carry the new snapshot id, and the data is the new snapshot's.
    assert_eq!(db.count("Priem_Slot WHERE snapshot_id = 7"), flipped);
    assert_eq!(
        db.count("Priem_Day WHERE snapshot_id = 7"),
        days_changed.len() as u64
    );
    assert_eq!(all_slots(&db), expected_slots(&after, now()));
}

#[test]
fn changed_cells_added_and_removed_within_a_day_are_applied_exactly() {
    cells_added_and_removed(TestDb::new());
    cells_added_and_removed(TestDb::with(|c| c.bulk_execute = Some(false)));
}

fn cells_added_and_removed(db: TestDb) {
    import(
        &db,
        document(&[(
            "1",
            "A",
            vec![("0001", "x", cells("2026-12-02 09:00-09:30 free 1; 2026-12-02 09:30-10:00 free 1; 2026-12-02 10:00-10:30 free 1"))],
        )]),
    );
    // 09:00 room changes, 09:30 disappears, 10:00 becomes 10:00-10:20, 11:00 is new.
    let json = document(&[(
        "1",
        "A",
        vec![("0001", "x", cells("2026-12-02 09:00-09:30 free 2; 2026-12-02 10:00-10:20 free 1; 2026-12-02 11:00-11:30 busy 1"))],
    )]);
    let s = schedule(json);
    let r = s.import(&db.store, now(), SnapshotInfo::default()).unwrap();
    assert_eq!(
        (
            r.days_changed,
            r.slots_updated,
            r.slots_inserted,
            r.slots_deleted
        ),
        (1, 2, 1, 1)
    );
    assert_eq!(all_slots(&db), expected_slots(&s, now()));
    let ends: Vec<u16> = grid_slots(&db.store, "1", "0001", now(), now() + Duration::days(2))
        .unwrap()
        .iter()
        .map(|s| s.end)
        .collect();
    assert_eq!(ends, vec![570, 620, 690]);
}

#[test]
fn a_filial_zone_change_rewrites_its_days_in_the_new_zone() {
    let db = TestDb::new();
    let json = one_doctor();
    import(&db, json.clone());
    let zones = Zones::from_names([("1", "Asia/Yekaterinburg")]).unwrap();
    let s = schedule_in(json, &zones);
    let r = s.import(&db.store, now(), SnapshotInfo::default()).unwrap();
    assert_eq!(r.days_changed, 1);
    assert_eq!(all_slots(&db), expected_slots(&s, now()));
    let first = &grid_slots(&db.store, "1", "0001", now(), now() + Duration::days(2)).unwrap()[0];
    assert_eq!(first.start_utc, utc("2026-12-02T04:00:00Z"));
}

#[test]
fn an_import_that_fails_leaves_the_schedule_as_it_was() {
    let db = TestDb::new();
    import(&db, one_doctor());
    let before = all_slots(&db);
    let long_room = "x".repeat(300);
    let s = schedule(document(&[(
        "1",
        "A",
        vec![(
            "0001",
            "x",
            cells(&format!("2026-12-02 09:00-09:30 busy {long_room}")),
        )],
    )]));
    let e = s
        .import(&db.store, now(), SnapshotInfo::default())
        .unwrap_err();
    assert!(matches!(e, StorageError::TooLong { max: 255, .. }), "{e}");
    assert_eq!(all_slots(&db), before);
}

// ---------------------------------------------------------------------------------------
// Known codes

#[test]
fn unknown_codes_are_reported_both_ways() {
    let db = TestDb::new();
    let c = cells("2026-12-02 09:00-09:30 free");
    import(
        &db,
        document(&[
            (
                "1",
                "A",
                vec![("0001", "x", c.clone()), ("0042", "y", c.clone())],
            ),
            ("3", "C", vec![("0005", "z", c)]),
        ]),
    );
    let card = |id: &str, code: &str| Card {
        id: Some(id.into()),
        code: code.into(),
        off: false,
    };
    let r = db
        .store
        .unknown_codes(
            &[card("1", "1"), card("2", "7")],
            &[
                card("1", "0001"),
                card("1", "0005"),
                card("3", "0099"),
                card("4", "3:0005"),
            ],
        )
        .unwrap();
    let texts: Vec<String> = r.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        vec![
            "нет филиала с кодом 3",
            "нет врача с кодом 0042 в филиале 1",
            "филиала с кодом 7 (карточка № 2) нет в данных МИС",
            "врача с кодом 0099 (карточка № 3) нет в данных МИС",
        ]
    );
    assert_eq!(
        r.problems()[1],
        CodeProblem::UnknownDoctor {
            filial: "1".into(),
            doctor: "0042".into()
        }
    );
}

// ---------------------------------------------------------------------------------------
// Bookings

/// Raises the server's connection limit when it is below what the concurrency test needs.
fn ensure_connections(n: u64) {
    let mut admin = admin();
    let max: u64 = admin
        .query_first("SELECT @@GLOBAL.max_connections")
        .unwrap()
        .unwrap_or(0);
    if max < n {
        admin
            .query_drop(format!("SET GLOBAL max_connections = {n}"))
            .expect("raise max_connections for the concurrency test");
    }
}

#[test]
fn two_hundred_simultaneous_holds_on_one_slot_give_exactly_one_booking() {
    const N: usize = 200;
    ensure_connections(N as u64 + 100);
    let db = TestDb::new();
    import(&db, one_doctor());
    // Every thread has its own store, hence its own connection; all connect first, then
    // they start together.
    let stores: Vec<Store> = (0..N).map(|_| db.another_store()).collect();
    for s in &stores {
        drop(s.conn().expect("connect"));
    }
    let barrier = Arc::new(Barrier::new(N));
    let handles: Vec<_> = stores
        .into_iter()
        .enumerate()
        .map(|(i, store)| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let b = booking(&format!("visitor-{i}"), "1", "0001", T0900, T0930);
                barrier.wait();
                store.hold_and_queue(&b, now())
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("no thread panics"))
        .collect();
    let ok: Vec<u64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    let taken = results
        .iter()
        .filter(|r| matches!(r, Err(HoldError::Taken)))
        .count();
    let other: Vec<_> = results
        .iter()
        .filter(|r| !matches!(r, Ok(_) | Err(HoldError::Taken)))
        .collect();
    assert!(other.is_empty(), "unexpected outcomes: {other:?}");
    assert_eq!((ok.len(), taken), (1, N - 1));
    assert_eq!(db.count("Priem_Booking"), 1);
    assert_eq!(db.count("Priem_Hold"), 1);
    let b = db.store.booking(ok[0]).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Queued);
    let slot = &grid_slots(&db.store, "1", "0001", now(), now() + Duration::days(2)).unwrap()[0];
    assert!(!slot.free && slot.held);
}

#[test]
fn the_same_idempotency_key_returns_the_same_booking() {
    let db = TestDb::new();
    import(&db, one_doctor());
    let b = booking("form-123", "1", "0001", T0900, T0930);
    let id = db.store.hold_and_queue(&b, now()).unwrap();
    assert_eq!(
        db.store.hold_and_queue(&b, now()),
        Err(HoldError::Duplicate(id))
    );
    // Even for another time: the key names the visitor's action.
    let other = booking("form-123", "1", "0001", T0930, T1000);
    assert_eq!(
        db.store.hold_and_queue(&other, now()),
        Err(HoldError::Duplicate(id))
    );
    assert_eq!(db.count("Priem_Booking"), 1);
    let stored = db.store.booking_by_key("form-123").unwrap().unwrap();
    assert_eq!(stored.id, id);
    assert_eq!(stored.payload, b.payload);
    assert_eq!(stored.phone_masked, "7900***4567");

    // The same key from 20 threads at once: one booking, 19 duplicates of it.
    let barrier = Arc::new(Barrier::new(20));
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let store = db.another_store();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let b = booking("double-click", "1", "0001", T0930, T1000);
                drop(store.conn().expect("connect"));
                barrier.wait();
                store.hold_and_queue(&b, now())
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ids: Vec<u64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    for r in &results {
        assert!(
            r.is_ok() || *r == Err(HoldError::Duplicate(ids[0])),
            "{r:?}"
        );
    }
    assert_eq!(db.count("Priem_Booking"), 2);
}

#[test]
fn only_free_existing_future_slots_can_be_held() {
    let db = TestDb::new();
    import(&db, one_doctor());
    let s = &db.store;
    assert_eq!(
        s.hold_and_queue(&booking("a", "1", "0001", T1000, T1030), now()),
        Err(HoldError::Taken),
        "busy in the MIS"
    );
    assert_eq!(
        s.hold_and_queue(&booking("b", "1", "0001", T0900, T1000), now()),
        Err(HoldError::NoSuchSlot),
        "wrong end"
    );
    assert_eq!(
        s.hold_and_queue(&booking("c", "1", "0002", T0900, T0930), now()),
        Err(HoldError::NoSuchSlot),
        "unknown doctor"
    );
    assert_eq!(
        s.hold_and_queue(&booking("d", "1", "0001", T0900, T0930), utc(T0930)),
        Err(HoldError::Past)
    );
    assert_eq!(db.count("Priem_Booking"), 0);
}

#[test]
fn a_rejection_releases_the_hold_and_shows_the_slot_busy_until_the_next_snapshot() {
    let db = TestDb::new();
    import(&db, one_doctor());
    let id = db
        .store
        .hold_and_queue(&booking("k1", "1", "0001", T0900, T0930), now())
        .unwrap();
    assert!(db.store.mark_sent(id, now()).unwrap());
    db.store.mark_rejected(id, now(), "Слот занят").unwrap();
    db.store.mark_rejected(id, now(), "again").unwrap(); // a no-op
    let b = db.store.booking(id).unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Rejected);
    assert_eq!(b.last_error.as_deref(), Some("Слот занят"));
    assert!(b.answered_at.is_some());
    assert_eq!(db.count("Priem_Hold"), 0);
    let slot = &grid_slots(&db.store, "1", "0001", now(), now() + Duration::days(2)).unwrap()[0];
    assert!(!slot.free && !slot.held, "busy, not held: {slot:?}");
    assert_eq!(
        db.store
            .hold_and_queue(&booking("k2", "1", "0001", T0900, T0930), now()),
        Err(HoldError::Taken)
    );
    // The next snapshot (unchanged, still free) makes it free again.
    let r = import(&db, one_doctor());
    assert_eq!((r.days_changed, r.slots_updated), (1, 1));
    let slot = &grid_slots(&db.store, "1", "0001", now(), now() + Duration::days(2)).unwrap()[0];
    assert!(slot.free);
    assert!(db
        .store
        .hold_and_queue(&booking("k3", "1", "0001", T0900, T0930), now())
        .is_ok());
}

#[test]
fn delivery_states_and_the_outbox() {
    let db = TestDb::new();
    import(&db, one_doctor());
    let s = &db.store;
    let a = s
        .hold_and_queue(&booking("a", "1", "0001", T0900, T0930), now())
        .unwrap();
    let b = s
        .hold_and_queue(&booking("b", "1", "0001", T0930, T1000), now())
        .unwrap();
    let due = |t| -> Vec<u64> {
        s.due_for_delivery(t, 10)
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect()
    };
    assert_eq!(due(now()), vec![a, b]);

    // a: claimed, then the outcome is unknown; retried later.
    assert!(s.mark_sent(a, now()).unwrap());
    assert!(!s.mark_sent(a, now()).unwrap(), "a second claim must fail");
    assert_eq!(due(now()), vec![b]);
    s.mark_unknown(a, "timeout after 10 s", now() + Duration::minutes(5), true)
        .unwrap();
    let rec = s.booking(a).unwrap().unwrap();
    assert_eq!((rec.status, rec.attempts), (BookingStatus::Unknown, 1));
    assert!(rec.unsure, "a timeout after sending may have booked it");
    assert_eq!(rec.last_error.as_deref(), Some("timeout after 10 s"));
    assert_eq!(due(now()), vec![b]);
    assert_eq!(due(now() + Duration::minutes(5)), vec![a, b]);
    // An unclaimed unknown outcome counts as an attempt too.
    s.mark_unknown(
        a,
        "connection refused",
        now() + Duration::minutes(10),
        false,
    )
    .unwrap();
    let rec = s.booking(a).unwrap().unwrap();
    assert_eq!(rec.attempts, 2);
    assert!(rec.unsure, "once unsure, always unsure");
    assert!(s.mark_sent(a, now() + Duration::minutes(10)).unwrap());
    s.mark_confirmed(a, now(), Some("claim-77")).unwrap();
    s.mark_confirmed(a, now(), None).unwrap(); // a no-op
    let rec = s.booking(a).unwrap().unwrap();
    assert_eq!((rec.status, rec.attempts), (BookingStatus::Confirmed, 3));
    assert_eq!(rec.mis_reference.as_deref(), Some("claim-77"));
    assert!(matches!(
        s.mark_rejected(a, now(), "late"),
        Err(StorageError::BadTransition {
            from: BookingStatus::Confirmed,
            to: BookingStatus::Rejected,
            ..
        })
    ));
    assert!(matches!(
        s.mark_unknown(a, "x", now(), false),
        Err(StorageError::BadTransition { .. })
    ));
    assert!(!s.mark_sent(a, now()).unwrap());
    // The confirmed booking keeps its hold: the time stays taken for visitors.
    let slots = grid_slots(s, "1", "0001", now(), now() + Duration::days(2)).unwrap();
    assert!(slots[0].held && !slots[0].free);
    assert!(slots[1].held && !slots[1].free);

    // b: sent and never answered.
    assert!(s.mark_sent(b, now()).unwrap());
    let waiting: Vec<u64> = s
        .awaiting_answer(now() + Duration::minutes(1), 10)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(waiting, vec![b]);
    assert_eq!(due(now() + Duration::days(1)), Vec::<u64>::new());
    assert!(matches!(
        s.mark_sent(999, now()),
        Err(StorageError::NoSuchBooking(999))
    ));
    assert_eq!(s.recent_bookings(&Default::default(), 1).unwrap()[0].id, b);
}

#[test]
fn check_keeps_the_hold_until_confirmed_refused_or_sent_again() {
    let db = TestDb::new();
    import(&db, one_doctor());
    let s = &db.store;
    let a = s
        .hold_and_queue(&booking("a", "1", "0001", T0900, T0930), now())
        .unwrap();
    let b = s
        .hold_and_queue(&booking("b", "1", "0001", T0930, T1000), now())
        .unwrap();
    for id in [a, b] {
        assert!(s.mark_sent(id, now()).unwrap());
        s.mark_unknown(id, "timeout", now(), true).unwrap();
        assert!(s.mark_sent(id, now()).unwrap());
        s.mark_check(id, now(), "Время уже занято").unwrap();
    }
    let in_check: Vec<u64> = s
        .bookings_in_check()
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(in_check, [a, b]);
    let rec = s.booking(a).unwrap().unwrap();
    assert_eq!(rec.status, BookingStatus::Check);
    assert_eq!(rec.last_error.as_deref(), Some("Время уже занято"));
    assert_eq!(rec.answered_at, Some(now()));
    assert_eq!(db.count("Priem_Hold"), 2, "both times stay held");
    assert!(s
        .due_for_delivery(now() + Duration::days(1), 10)
        .unwrap()
        .is_empty());
    assert!(
        !s.mark_sent(a, now()).unwrap(),
        "a checked booking is not sent"
    );
    assert_eq!(s.mis_shows_free(&rec).unwrap(), Some(true));

    // a: the snapshot shows it; b: lost, sent again.
    s.mark_confirmed(a, now(), None).unwrap();
    assert!(s.send_again(b, now(), "потеряна").unwrap());
    assert!(
        !s.send_again(b, now(), "потеряна").unwrap(),
        "only from check"
    );
    let rec = s.booking(b).unwrap().unwrap();
    assert_eq!(
        (rec.status, rec.unsure, rec.next_attempt_at),
        (BookingStatus::Unknown, false, Some(now()))
    );
    assert_eq!(s.due_for_delivery(now(), 10).unwrap()[0].id, b);
    assert!(s.bookings_in_check().unwrap().is_empty());
    assert_eq!(db.count("Priem_Hold"), 2);
    assert!(matches!(
        s.mark_check(a, now(), "x"),
        Err(StorageError::BadTransition {
            from: BookingStatus::Confirmed,
            to: BookingStatus::Check,
            ..
        })
    ));
}

#[test]
fn a_newer_snapshot_releases_the_holds_of_confirmed_bookings() {
    let db = TestDb::new();
    import(&db, one_doctor());
    let s = &db.store;
    let a = s
        .hold_and_queue(&booking("a", "1", "0001", T0900, T0930), now())
        .unwrap();
    let b = s
        .hold_and_queue(&booking("b", "1", "0001", T0930, T1000), now())
        .unwrap();
    s.mark_confirmed(a, now(), None).unwrap();
    let _ = b; // still queued
    let sched = schedule(one_doctor());
    // A snapshot produced before the confirmation releases nothing.
    let r = sched
        .import(
            s,
            now(),
            SnapshotInfo {
                run: None,
                produced_at: Some(now() - Duration::minutes(1)),
            },
        )
        .unwrap();
    assert_eq!(r.holds_released, 0);
    let r = sched
        .import(
            s,
            now(),
            SnapshotInfo {
                run: None,
                produced_at: Some(now() + Duration::minutes(1)),
            },
        )
        .unwrap();
    assert_eq!(r.holds_released, 1);
    assert_eq!(
        db.count("Priem_Hold"),
        1,
        "the queued booking keeps its hold"
    );
}

#[test]
fn a_loaded_schedule_feeds_the_domain_grid() {
    let db = TestDb::new();
    import(&db, one_doctor());
    db.store
        .hold_and_queue(&booking("a", "1", "0001", T0930, T1000), now())
        .unwrap();
    let loaded = db
        .store
        .load_schedule("1", "0001", now(), now() + Duration::days(14))
        .unwrap();
    assert_eq!(loaded.held, vec![utc(T0930)]);
    let g = grid::for_doctor(&loaded.schedule, "1", "0001", now(), 7, &loaded.rules(0)).unwrap();
    assert_eq!(g.free(), 1);
    assert_eq!(g.zone, chrono_tz::Europe::Moscow);
    let day = &g.days[1];
    let marks: Vec<(u16, bool, bool)> = day.parts[0]
        .slots
        .iter()
        .map(|s| (s.start, s.free, s.held))
        .collect();
    assert_eq!(
        marks,
        vec![(540, true, false), (570, false, true), (600, false, false)]
    );
    let none = db
        .store
        .load_schedule("9", "0001", now(), now() + Duration::days(1))
        .unwrap();
    assert!(matches!(
        grid::for_doctor(&none.schedule, "9", "0001", now(), 7, &none.rules(0)),
        Err(grid::NotFound::Filial(_))
    ));
    let none = db
        .store
        .load_schedule("1", "0404", now(), now() + Duration::days(1))
        .unwrap();
    assert!(matches!(
        grid::for_doctor(&none.schedule, "1", "0404", now(), 7, &none.rules(0)),
        Err(grid::NotFound::Doctor { .. })
    ));
}

#[test]
fn grid_slots_from_packed_days_equal_the_rows() {
    let db = TestDb::new();
    import(&db, generated(2, 3, 5, 0.3));
    // a hold and a rejection (whose day loses its packed copy) among them
    let first: Vec<(String, String, chrono::NaiveDateTime)> = db
        .conn()
        .query("SELECT filial, doctor, start_utc FROM Priem_Slot WHERE free = 1 ORDER BY start_utc LIMIT 2")
        .unwrap();
    let end = |t: chrono::NaiveDateTime| (t + Duration::minutes(1)).and_utc().to_rfc3339();
    for (i, (f, d, t)) in first.iter().enumerate() {
        let mut b = booking(&format!("k{i}"), f, d, &t.and_utc().to_rfc3339(), &end(*t));
        b.end_utc = db
            .conn()
            .exec_first::<chrono::NaiveDateTime, _, _>(
                "SELECT end_utc FROM Priem_Slot WHERE filial = ? AND doctor = ? AND start_utc = ?",
                (f, d, t),
            )
            .unwrap()
            .unwrap()
            .and_utc();
        let id = db.store.hold_and_queue(&b, now()).unwrap();
        if i == 1 {
            db.store.mark_rejected(id, now(), "нет").unwrap();
        }
    }
    assert_eq!(db.count("Priem_Day WHERE packed IS NULL"), 1);
    let (from, to) = (now(), now() + Duration::days(6));
    let doctors: Vec<(String, String)> = db
        .conn()
        .query("SELECT filial, code FROM Priem_Doctor ORDER BY filial, code")
        .unwrap();
    for (f, d) in doctors {
        type R = (
            chrono::NaiveDate,
            chrono::NaiveDateTime,
            u16,
            u16,
            bool,
            String,
            bool,
        );
        let rows: Vec<R> = db
            .conn()
            .exec(
                "SELECT s.date, s.start_utc, s.start_min, s.end_min, s.free, s.room, h.booking_id IS NOT NULL \
                 FROM Priem_Slot s LEFT JOIN Priem_Hold h ON h.filial = s.filial AND h.doctor = s.doctor \
                 AND h.start_utc = s.start_utc WHERE s.filial = ? AND s.doctor = ? \
                 AND s.start_utc >= ? AND s.start_utc < ? ORDER BY s.start_utc",
                (&f, &d, from.naive_utc(), to.naive_utc()),
            )
            .unwrap();
        let want: Vec<R> = rows
            .into_iter()
            .map(|(date, s, a, b, free, room, held)| {
                (date, s, a, b, free && !held, room, free && held)
            })
            .collect();
        let got: Vec<R> = grid_slots(&db.store, &f, &d, from, to)
            .unwrap()
            .into_iter()
            .map(|s| {
                (
                    s.date,
                    s.start_utc.naive_utc(),
                    s.start,
                    s.end,
                    s.free,
                    s.room,
                    s.held,
                )
            })
            .collect();
        assert_eq!(got, want, "{f}/{d}");
    }
}

#[test]
fn the_doctors_listing_counts_free_not_held_times_and_gives_the_first_ones() {
    let db = TestDb::new();
    import(
        &db,
        document(&[(
            "1",
            "Клиника на Ленина",
            vec![
                (
                    "0001",
                    "Иванова Мария Петровна",
                    cells(
                        "2026-12-02 09:00-09:30 free; 2026-12-02 09:30-10:00 free; \
                         2026-12-02 10:00-10:30 busy; 2026-12-03 09:00-09:30 free; \
                         2026-12-20 09:00-09:30 free",
                    ),
                ),
                ("0002", "Петров Пётр", cells("2026-12-02 12:00-12:20 busy")),
            ],
        )]),
    );
    db.store
        .hold_and_queue(&booking("a", "1", "0001", T0900, T0930), now())
        .unwrap();
    let until = date("2026-12-14");
    let rows = db.store.doctors_free_time("1", now(), until, 2).unwrap();
    // (doctor, free count, [(day, start)])
    type Listed<'a> = (&'a str, u32, Vec<(String, u16)>);
    let got: Vec<Listed> = rows
        .iter()
        .map(|d| {
            let first = d
                .first
                .iter()
                .map(|(day, s, _)| (day.to_string(), *s))
                .collect();
            (d.code.as_str(), d.free, first)
        })
        .collect();
    // 09:00 is held, 10:00 busy, the 20th past the window: 09:30 on the 2nd and 09:00 on the 3rd
    assert_eq!(
        got,
        vec![
            (
                "0001",
                2,
                vec![("2026-12-02".into(), 570), ("2026-12-03".into(), 540)]
            ),
            ("0002", 0, vec![]),
        ]
    );
    assert_eq!(rows[0].specialties, vec!["Кардиолог", "терапевт"]);
    // from a later instant the 2nd is gone
    let later = db
        .store
        .doctors_free_time("1", utc("2026-12-02T23:00:00Z"), until, 5)
        .unwrap();
    assert_eq!(later[0].free, 1);
    assert!(db
        .store
        .doctors_free_time("9", now(), until, 2)
        .unwrap()
        .is_empty());
    let filials = db.store.filials().unwrap();
    assert_eq!(filials.len(), 1);
    assert_eq!(filials[0].zone, chrono_tz::Europe::Moscow);
}

// ---------------------------------------------------------------------------------------
// Locks, runs, alerts

#[test]
fn a_second_locker_gets_none_until_the_first_releases() {
    let db = TestDb::new();
    let other = db.another_store();
    let mut first = db.store.try_lock("tick").unwrap().expect("free lock");
    assert!(first.is_held().unwrap());
    assert!(other.try_lock("tick").unwrap().is_none());
    assert!(
        db.store.try_lock("tick").unwrap().is_none(),
        "not re-entrant across connections"
    );
    assert!(other.try_lock("another").unwrap().is_some());
    drop(first);
    let second = other.try_lock("tick").unwrap().expect("released on drop");
    second.release().unwrap();
    assert!(db.store.try_lock("tick").unwrap().is_some());
}

#[test]
fn sync_runs_are_recorded() {
    let db = TestDb::new();
    let s = &db.store;
    let id = s.start_run(now(), Some("schedule-1.json")).unwrap();
    assert_eq!(s.recent_runs(5).unwrap()[0].status, RunStatus::Running);
    s.finish_run(
        id,
        now() + Duration::seconds(3),
        &RunSummary {
            ok: true,
            file: None,
            sha256: Some("ab".repeat(32)),
            counts: serde_json::json!({"slots_inserted": 3}),
            errors: vec!["нет врача с кодом 0042 в филиале 1".into()],
        },
    )
    .unwrap();
    let r = &s.recent_runs(5).unwrap()[0];
    assert_eq!(r.status, RunStatus::Ok);
    assert_eq!(r.file.as_deref(), Some("schedule-1.json"));
    assert_eq!(r.counts["slots_inserted"], 3);
    assert_eq!(
        r.errors,
        vec!["нет врача с кодом 0042 в филиале 1".to_string()]
    );
    assert_eq!(r.finished_at, Some(now() + Duration::seconds(3)));
    assert_eq!(r.sha256, Some("ab".repeat(32)));
    assert!(s.finish_run(9999, now(), &RunSummary::default()).is_err());
}

#[test]
fn the_charts_days_count_imported_files_and_bookings_by_status() {
    let db = TestDb::new();
    let s = &db.store;
    let day = now().date_naive();
    for (at, files) in [(0, 2), (60, 1), (-24 * 60, 5)] {
        let id = s.start_run(now() + Duration::minutes(at), None).unwrap();
        s.finish_run(
            id,
            now() + Duration::minutes(at),
            &RunSummary {
                ok: true,
                counts: serde_json::json!({ "files_imported": files }),
                ..RunSummary::default()
            },
        )
        .unwrap();
    }
    // a run that died before its counts were written counts nothing
    s.start_run(now(), None).unwrap();
    // one day: the UTC day of now() (the engine chooses the days' zone)
    let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
    let bounds = [start, start + Duration::days(1)];
    assert_eq!(
        s.files_per_day(&bounds).unwrap(),
        vec![3],
        "the day before is not asked for"
    );
    let mut conn = db.conn();
    for (id, status, days_ago) in [
        (1, "confirmed", 0),
        (2, "confirmed", 0),
        (3, "rejected", 0),
        (4, "confirmed", 1),
    ] {
        conn.exec_drop(
            "INSERT INTO Priem_Booking (id, idempotency_key, source, status, filial, doctor, \
             start_utc, end_utc, payload, created_at, phone_masked) \
             VALUES (?, ?, 'site', ?, '1', '0001', ?, ?, '{}', ?, '7900***4567')",
            (
                id,
                format!("k{id}"),
                status,
                (now() + Duration::days(1)).naive_utc(),
                (now() + Duration::days(1) + Duration::minutes(30)).naive_utc(),
                (now() - Duration::days(days_ago)).naive_utc(),
            ),
        )
        .unwrap();
    }
    let mut counts = s.bookings_per_day(&bounds).unwrap();
    counts.sort_by_key(|(_, st, _)| st.as_str());
    assert_eq!(
        counts,
        vec![
            (0, BookingStatus::Confirmed, 2),
            (0, BookingStatus::Rejected, 1)
        ]
    );
    assert_eq!(s.files_per_day(&[]).unwrap(), Vec::<u64>::new());
    assert!(s.bookings_per_day(&[start]).unwrap().is_empty());
}

#[test]
fn a_mail_that_went_out_or_a_resolved_alert_carries_no_old_send_error() {
    let db = TestDb::new();
    let s = &db.store;
    let every = Duration::hours(24);
    // a refusal at booking time: raised, its mail left to the tick
    let key = "booking_refused:7";
    let raise = |t| {
        s.raise_alert(key, "booking_refused", "МИС отказала", t, every)
            .unwrap()
    };
    assert_eq!(raise(now()), AlertAction::SendNew);
    s.alert_send_failed(key, "ожидает отправки").unwrap();
    assert_eq!(
        s.alert(key).unwrap().unwrap().last_error.as_deref(),
        Some("ожидает отправки")
    );
    // the tick sends it: nothing is waiting any more
    assert_eq!(raise(now() + Duration::minutes(1)), AlertAction::SendNew);
    assert_eq!(s.alert(key).unwrap().unwrap().last_error, None);
    // a mail that failed, then the problem went away: resolved, no stale error
    s.alert_send_failed(key, "нет соединения с SMTP-сервером")
        .unwrap();
    s.resolve_alerts(&[key], now() + Duration::minutes(2))
        .unwrap();
    let rec = s.alert(key).unwrap().unwrap();
    assert!(rec.resolved_at.is_some());
    assert_eq!(rec.last_error, None);
    s.raise_alert("mis", "mis", "МИС не отвечает", now(), every)
        .unwrap();
    s.alert_send_failed("mis", "ожидает отправки").unwrap();
    s.resolve_missing_alerts::<&str>(&[], now() + Duration::minutes(3))
        .unwrap();
    assert_eq!(s.alert("mis").unwrap().unwrap().last_error, None);
}

#[test]
fn alerts_are_sent_once_reminded_at_the_interval_and_resolved_once() {
    let db = TestDb::new();
    let s = &db.store;
    let every = Duration::hours(4);
    let key = "unknown_doctor:1:0042";
    let raise = |t| {
        s.raise_alert(
            key,
            "unknown_doctor",
            "нет врача с кодом 0042 в филиале 1",
            t,
            every,
        )
        .unwrap()
    };
    assert_eq!(raise(now()), AlertAction::SendNew);
    assert_eq!(raise(now() + Duration::minutes(15)), AlertAction::Nothing);
    assert_eq!(raise(now() + Duration::hours(3)), AlertAction::Nothing);
    assert_eq!(raise(now() + Duration::hours(4)), AlertAction::SendReminder);
    assert_eq!(raise(now() + Duration::hours(5)), AlertAction::Nothing);
    let rec = s.alert(key).unwrap().unwrap();
    assert_eq!((rec.mails, rec.occurrences), (2, 5));

    // Another alert whose first mail fails: asked again on the next raise.
    assert_eq!(
        s.raise_alert("ftp_login", "ftp", "FTP: вход не выполнен", now(), every)
            .unwrap(),
        AlertAction::SendNew
    );
    s.alert_send_failed("ftp_login", "SMTP: connection refused")
        .unwrap();
    assert_eq!(
        s.raise_alert(
            "ftp_login",
            "ftp",
            "FTP: вход не выполнен",
            now() + Duration::minutes(15),
            every
        )
        .unwrap(),
        AlertAction::SendNew
    );
    assert_eq!(s.open_alerts().unwrap().len(), 2);

    // Only ftp_login is still seen: the other is resolved, and announced once.
    let resolved = s
        .resolve_missing_alerts(&["ftp_login"], now() + Duration::hours(6))
        .unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].key, key);
    assert_eq!(resolved[0].resolved_at, Some(now() + Duration::hours(6)));
    assert!(s
        .resolve_missing_alerts(&["ftp_login"], now() + Duration::hours(7))
        .unwrap()
        .is_empty());
    // Scoped resolution leaves other kinds alone.
    assert!(s
        .resolve_missing_alerts_of_kinds::<&str>(
            &["unknown_doctor"],
            &[],
            now() + Duration::hours(7)
        )
        .unwrap()
        .is_empty());
    assert_eq!(s.open_alerts().unwrap().len(), 1);
    // Resolving named keys (a problem the run saw fixed) announces each once.
    let fixed = s
        .resolve_alerts(&["ftp_login", "no_such_key"], now() + Duration::hours(7))
        .unwrap();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0].key, "ftp_login");
    assert!(s
        .resolve_alerts(&["ftp_login"], now() + Duration::hours(7))
        .unwrap()
        .is_empty());
    assert!(s.open_alerts().unwrap().is_empty());
    // The problem comes back: a new alert again.
    assert_eq!(raise(now() + Duration::hours(8)), AlertAction::SendNew);
    let rec = s.alert(key).unwrap().unwrap();
    assert_eq!((rec.mails, rec.occurrences, rec.resolved_at), (1, 1, None));
}
