//! Times the core alone on a schedule file: parse, then normalize (no PHP).
//! `cargo run --release --no-default-features --example parse_speed -- FILE`
use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "bench/data/big.json".into());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => return eprintln!("{path}: {e}"),
    };
    for _ in 0..3 {
        let t = Instant::now();
        let doc = match priem::wire::schedule::parse(&text) {
            Ok(d) => d,
            Err(e) => return eprintln!("{e}"),
        };
        let parsed = t.elapsed();
        let cells = doc.cell_count();
        let s = priem::domain::schedule::normalize(doc, &Default::default());
        let total = t.elapsed();
        println!(
            "{cells} cells: parse {:.3} s, normalize {:.3} s, total {:.3} s ({} slots)",
            parsed.as_secs_f64(),
            (total - parsed).as_secs_f64(),
            total.as_secs_f64(),
            s.slots.len()
        );
    }
}
