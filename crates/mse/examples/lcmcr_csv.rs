//! Runs LCMCR (and, with `rcapture`, Rcapture's classical models) on a
//! capture-table CSV, prints the JSON report without the draws, and the wall time;
//! `bench/mse/bayes.sh` uses it.
//!
//! Usage: `cargo run --release -p mse --example lcmcr_csv -- FILE.csv [CHAINS] [SEED] [SAMPLES] [THINNING] [BURNIN]`
//! or `… -- FILE.csv rcapture`. Threads: `RAYON_NUM_THREADS`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: lcmcr_csv FILE.csv [CHAINS] [SEED] [SAMPLES] [THINNING] [BURNIN] | FILE.csv rcapture";
    let path = args.next().ok_or(usage)?;
    let text = std::fs::read_to_string(&path)?;
    let table = mse::CaptureTable::parse_csv(&text)?;
    let next = args.next();
    if next.as_deref() == Some("rcapture") {
        let report = mse::rcapture::closedp(&table, &mse::rcapture::ClosedpOptions::default())?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        eprint!("{}", report.render_text());
        return Ok(());
    }
    let defaults = mse::lcmcr::LcmcrOptions::default();
    let number = |arg: Option<String>, default: usize| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(arg.map(|s| s.parse()).transpose()?.unwrap_or(default))
    };
    let chains = number(next, defaults.chains)?;
    let seed = number(args.next(), defaults.seed as usize)? as u64;
    let samples = number(args.next(), defaults.samples)?;
    let thinning = number(args.next(), defaults.thinning)?;
    let burnin = number(args.next(), defaults.burnin)?;
    let options = mse::lcmcr::LcmcrOptions { chains, seed, samples, thinning, burnin, ..defaults };
    let start = Instant::now();
    let mut report = mse::lcmcr::estimate_lcmcr(&table, &options, &mse::NoProgress)?;
    let elapsed = start.elapsed().as_secs_f64();
    eprint!("{}", report.render_text());
    report.samples.clear();
    println!("{}", serde_json::to_string_pretty(&report)?);
    eprintln!("elapsed_seconds {elapsed:.6}");
    Ok(())
}
