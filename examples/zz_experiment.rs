// Scratch experiment (not delivered): query plans and insert variants.
use mysql::prelude::Queryable;
use mysql::Value;
use priem::domain::schedule::read;
use priem::domain::zone::Zones;
use priem::storage::{DbConfig, Store};
use std::time::Instant;

type Day = (
    String,
    String,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
    chrono::NaiveDate,
);

fn or_select(c: &mut mysql::PooledConn, days: &[Day], k: usize) {
    let t = Instant::now();
    let mut n = 0usize;
    for chunk in days.chunks(k) {
        let mut sql = String::from("SELECT filial, doctor, date, start_utc, end_utc, start_min, end_min, free, room FROM Priem_Slot WHERE ");
        let mut p: Vec<Value> = Vec::new();
        for (i, d) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str("(filial=? AND doctor=? AND start_utc BETWEEN ? AND ? AND date=?)");
            p.push(d.0.clone().into());
            p.push(d.1.clone().into());
            p.push(d.2.into());
            p.push(d.3.into());
            p.push(d.4.into());
        }
        let rows: Vec<mysql::Row> = c.exec(&sql, p).unwrap();
        n += rows.len();
    }
    eprintln!("OR k={k}: {n} rows {:.2}s", t.elapsed().as_secs_f64());
}

fn union_select(c: &mut mysql::PooledConn, days: &[Day], k: usize) {
    let t = Instant::now();
    let mut n = 0usize;
    for chunk in days.chunks(k) {
        let mut sql = String::new();
        let mut p: Vec<Value> = Vec::new();
        for (i, d) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(" UNION ALL ");
            }
            sql.push_str("SELECT filial, doctor, date, start_utc, end_utc, start_min, end_min, free, room FROM Priem_Slot WHERE filial=? AND doctor=? AND start_utc BETWEEN ? AND ? AND date=?");
            p.push(d.0.clone().into());
            p.push(d.1.clone().into());
            p.push(d.2.into());
            p.push(d.3.into());
            p.push(d.4.into());
        }
        let rows: Vec<mysql::Row> = c.exec(&sql, p).unwrap();
        n += rows.len();
    }
    eprintln!("UNION k={k}: {n} rows {:.2}s", t.elapsed().as_secs_f64());
}

fn main() {
    let text = std::fs::read_to_string("target/bench-data/schedule-1m.json").unwrap();
    let s = read(&text, &Zones::default()).unwrap();
    let store = Store::new(DbConfig {
        database: "priem_exp".into(),
        ..DbConfig::default()
    })
    .unwrap();
    let mut c = store.conn().unwrap();
    let days: Vec<Day> = c
        .query("SELECT filial, doctor, first_utc, last_utc, date FROM Priem_Day")
        .unwrap();
    let days: Vec<_> = days.into_iter().step_by(3).collect();
    eprintln!("{} days", days.len());
    if std::env::var_os("SEL").is_some() {
        scan(&mut c);
        for k in [20, 50, 100] {
            or_select(&mut c, &days, k);
        }
        for k in [50, 200, 500] {
            union_select(&mut c, &days, k);
        }
    }

    // Inserts
    c.query_drop("DROP TABLE IF EXISTS Slot2").unwrap();
    c.query_drop("CREATE TABLE Slot2 LIKE Priem_Slot").unwrap();
    let mut idx: Vec<usize> = (0..s.slots.len()).collect();
    let key = |i: &usize| {
        let x = &s.slots[*i];
        let d = &s.doctors[x.doctor as usize];
        (
            s.filials[d.filial].code.to_string(),
            d.code.to_string(),
            x.start_utc,
        )
    };
    let sorted = std::env::args().any(|a| a == "sorted");
    if sorted {
        idx.sort_by_key(key);
    }
    let row_vals = |i: usize| -> Vec<Value> {
        let x = &s.slots[i];
        let d = &s.doctors[x.doctor as usize];
        vec![
            (&*s.filials[d.filial].code).into(),
            (&*d.code).into(),
            x.start_utc.naive_utc().into(),
            x.end_utc.naive_utc().into(),
            x.date.into(),
            x.start.into(),
            x.end.into(),
            x.free.into(),
            (&*x.room).into(),
            Value::NULL,
        ]
    };
    let variants: Vec<&str> = std::env::args()
        .skip(1)
        .filter(|a| a != "sorted")
        .collect::<Vec<_>>()
        .iter()
        .map(|s| Box::leak(s.clone().into_boxed_str()) as &str)
        .collect();
    for v in variants {
        c.query_drop("TRUNCATE Slot2").unwrap();
        let t = Instant::now();
        let mut tx = c.start_transaction(mysql::TxOpts::default()).unwrap();
        match v {
            "prep_upsert" | "prep_insert" | "prep_insert_500" | "prep_insert_2000" => {
                let n = match v {
                    "prep_insert_500" => 500,
                    "prep_insert_2000" => 2000,
                    _ => 1000,
                };
                for chunk in idx.chunks(n) {
                    let mut sql = format!("INSERT INTO Slot2 (filial, doctor, start_utc, end_utc, date, start_min, end_min, free, room, snapshot_id) VALUES {}", vec!["(?,?,?,?,?,?,?,?,?,?)"; chunk.len()].join(","));
                    if v == "prep_upsert" {
                        sql.push_str(" ON DUPLICATE KEY UPDATE end_utc=VALUES(end_utc), date=VALUES(date), start_min=VALUES(start_min), end_min=VALUES(end_min), free=VALUES(free), room=VALUES(room), snapshot_id=VALUES(snapshot_id)");
                    }
                    let p: Vec<Value> = chunk.iter().flat_map(|&i| row_vals(i)).collect();
                    tx.exec_drop(&sql, p).unwrap();
                }
            }
            "text" => {
                for chunk in idx.chunks(2000) {
                    let mut sql = String::from("INSERT INTO Slot2 (filial, doctor, start_utc, end_utc, date, start_min, end_min, free, room, snapshot_id) VALUES ");
                    for (j, &i) in chunk.iter().enumerate() {
                        if j > 0 {
                            sql.push(',');
                        }
                        let vals = row_vals(i);
                        sql.push('(');
                        for (k, val) in vals.iter().enumerate() {
                            if k > 0 {
                                sql.push(',');
                            }
                            sql.push_str(&val.as_sql(false));
                        }
                        sql.push(')');
                    }
                    tx.query_drop(&sql).unwrap();
                }
            }
            "bulk" | "bulk_upsert" => {
                let mut sql = String::from("INSERT INTO Slot2 (filial, doctor, start_utc, end_utc, date, start_min, end_min, free, room, snapshot_id) VALUES (?,?,?,?,?,?,?,?,?,?)");
                if v == "bulk_upsert" {
                    sql.push_str(" ON DUPLICATE KEY UPDATE end_utc=VALUES(end_utc), date=VALUES(date), start_min=VALUES(start_min), end_min=VALUES(end_min), free=VALUES(free), room=VALUES(room), snapshot_id=VALUES(snapshot_id)");
                }
                let stmt = tx.prep(&sql).unwrap();
                for chunk in idx.chunks(10000) {
                    tx.exec_batch(&stmt, chunk.iter().map(|&i| row_vals(i)))
                        .unwrap();
                }
            }
            _ => panic!("{v}"),
        }
        tx.commit().unwrap();
        eprintln!(
            "insert {v} sorted={sorted}: {:.2}s",
            t.elapsed().as_secs_f64()
        );
    }
}
#[allow(dead_code)]
fn scan(c: &mut mysql::PooledConn) {
    let t = Instant::now();
    let rows: Vec<mysql::Row> = c.query("SELECT filial, doctor, date, start_utc, end_utc, start_min, end_min, free, room FROM Priem_Slot LIMIT 333091").unwrap();
    eprintln!(
        "text scan {} rows {:.2}s",
        rows.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let rows: Vec<mysql::Row> = c.exec("SELECT filial, doctor, date, start_utc, end_utc, start_min, end_min, free, room FROM Priem_Slot LIMIT ?", (333091,)).unwrap();
    eprintln!(
        "binary scan {} rows {:.2}s",
        rows.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let n: Option<u64> = c.query_first("SELECT COUNT(*) FROM (SELECT filial, doctor, date, start_utc, end_utc, start_min, end_min, free, room FROM Priem_Slot LIMIT 333091) x").unwrap();
    eprintln!(
        "server-only count {:?} {:.2}s",
        n,
        t.elapsed().as_secs_f64()
    );
}
