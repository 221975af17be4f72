//! How many cells a safe release must withhold, from two starts and under each cost: the
//! optimiser from the primary suppressions (what `palermo run` publishes), the older heuristic
//! as it is (which the attacker's audit fails), and the heuristic's own pattern repaired by the
//! optimiser's passes until the audit passes. Prints cells withheld, their total, their weight
//! under the rule's cost (the cells' priorities included: the release asks to publish some cells
//! before others), the cells the audit finds narrowable below the rule, and the time.
//!
//! Usage: `cargo run --release -p disclosure --example suppression_starts -- [RELEASE.txt] [MIN_CELL]`
//! (default: the demo's release, `tests/it/fixtures/demo_release.txt`, and 5).

use std::time::Instant;

use disclosure::{Cost, Release, Rule, audit, secondary};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/fixtures/demo_release.txt").to_owned());
    let min_cell: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5);
    let release = Release::from_text(&std::fs::read_to_string(&path)?)?;
    let primary =
        release.cells().filter(|&id| release.is_published(id) && (1..min_cell).contains(&release.value(id))).count();
    println!("{path}: {} cells, {primary} below {min_cell} (primary)\n", release.len());
    println!("| cost | start | cells withheld | their total | weight | narrowable below the rule | seconds |");
    println!("|---|---|---|---|---|---|---|");
    for cost in [Cost::Cells, Cost::Value, Cost::LogValue] {
        let mut rule = Rule::new(min_cell);
        rule.cost = cost;
        let heuristic = release.heuristic(&rule);
        let t0 = Instant::now();
        let (optimised, _) = secondary::optimise(&release, &rule)?;
        let optimised_secs = t0.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let (repaired, _) = secondary::optimise_from(&release, &rule, heuristic.clone())?;
        let repaired_secs = t0.elapsed().as_secs_f64();
        for (start, hidden, secs) in [
            ("the primary suppressions (published)", &optimised, Some(optimised_secs)),
            ("the heuristic as it is", &heuristic, None),
            ("the heuristic, repaired", &repaired, Some(repaired_secs)),
        ] {
            let cells: Vec<_> = release.cells().filter(|id| hidden[id.index()]).collect();
            let total: u64 = cells.iter().map(|&id| release.value(id)).sum();
            let narrowable = audit(&release, hidden, &rule)?.failures().count();
            let secs = secs.map_or("–".to_owned(), |s| format!("{s:.2}"));
            let weight = secondary::weight(&release, &rule, hidden);
            println!("| {cost:?} | {start} | {} | {total} | {weight:.1} | {narrowable} | {secs} |", cells.len());
        }
    }
    Ok(())
}
