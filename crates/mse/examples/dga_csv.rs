//! Runs dga-style Bayesian model averaging on a capture-table CSV, prints the
//! JSON report without the posterior vector, and the wall time;
//! `bench/mse/bayes.sh` uses it.
//!
//! Usage: `cargo run --release -p mse --example dga_csv -- FILE.csv [MAX_MISSING]`. Threads: `RAYON_NUM_THREADS`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: dga_csv FILE.csv [MAX_MISSING]")?;
    let max_missing = args.next().map(|s| s.parse()).transpose()?;
    let text = std::fs::read_to_string(&path)?;
    let start = Instant::now();
    let table = mse::CaptureTable::parse_csv(&text)?;
    let options = mse::dga::DgaOptions { max_missing, ..Default::default() };
    let mut report = mse::dga::estimate_dga(&table, &options, &mse::NoProgress)?;
    let elapsed = start.elapsed().as_secs_f64();
    eprint!("{}", report.render_text());
    report.posterior.clear();
    println!("{}", serde_json::to_string_pretty(&report)?);
    eprintln!("elapsed_seconds {elapsed:.6}");
    Ok(())
}
