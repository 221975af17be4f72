//! Runs the default SparseMSE-compatible procedure on a capture-table CSV and
//! prints the JSON report and the wall time; `bench/mse/run.sh` uses it until
//! the `palermo estimate` command exists.
//!
//! Usage: `cargo run --release -p mse --example estimate_csv -- FILE.csv [NBOOT] [SEED] [METHOD]`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: estimate_csv FILE.csv [NBOOT] [SEED] [METHOD]")?;
    let nboot = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let seed = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1234);
    let method = args.next().map(|s| s.parse()).transpose()?.unwrap_or_default();
    let text = std::fs::read_to_string(&path)?;
    let start = Instant::now();
    let table = mse::CaptureTable::parse_csv(&text)?;
    let options = mse::EstimateOptions { nboot, seed, method, ..Default::default() };
    let report = mse::estimate(&table, &options, &mse::NoProgress)?;
    let elapsed = start.elapsed().as_secs_f64();
    println!("{}", serde_json::to_string_pretty(&report)?);
    eprint!("{}", report.render_text());
    eprintln!("elapsed_seconds {elapsed:.6}");
    Ok(())
}
