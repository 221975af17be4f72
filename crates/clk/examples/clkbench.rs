//! Command-line driver for `bench/clk/run.sh`: encodes a CSV, measures Dice throughput and
//! scores a linkage against known true links. Not part of the library (it does file IO).
//!
//! ```text
//! clkbench encode SCHEMA.json SECRET_FILE RECORDS.csv OUT.json   # CSV with a header row
//! clkbench dice A.json B.json THRESHOLD                          # comparisons per second
//! clkbench link A.json B.json THRESHOLD TRUTH.csv                # precision, recall, F1
//! ```

use std::time::Instant;

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn read_records(path: &str) -> BoxResult<Vec<Vec<String>>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_path(path)?;
    let mut out = Vec::new();
    for r in reader.records() {
        out.push(r?.iter().map(str::to_owned).collect());
    }
    Ok(out)
}

fn with_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> BoxResult<T> {
    Ok(rayon::ThreadPoolBuilder::new().num_threads(n).build()?.install(f))
}

fn encode(args: &[String]) -> BoxResult<()> {
    let [schema, secret, csv, out] = args else {
        return Err("encode SCHEMA SECRET CSV OUT".into());
    };
    let schema = clk::Schema::parse(&std::fs::read_to_string(schema)?)?;
    let secret = std::fs::read(secret)?;
    let records = read_records(csv)?;
    let n = records.len() as f64;
    // Best of three runs, single thread and all threads.
    let mut best_1 = f64::MAX;
    let mut best_all = f64::MAX;
    let mut clks = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        clks = clk::encode_sequential(&schema, &secret, &records)?;
        best_1 = best_1.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let par = clk::encode(&schema, &secret, &records)?;
        best_all = best_all.min(t.elapsed().as_secs_f64());
        assert!(par == clks, "parallel and sequential encodings agree");
    }
    std::fs::write(out, clk::clks_to_json(&clks))?;
    println!(
        "encode records={} threads=1 rate={:.0}/s threads={} rate={:.0}/s",
        records.len(),
        n / best_1,
        rayon::current_num_threads(),
        n / best_all
    );
    Ok(())
}

fn load(path: &str) -> BoxResult<clk::EncodingSet> {
    Ok(clk::EncodingSet::new(&clk::clks_from_json(&std::fs::read_to_string(path)?)?)?)
}

fn dice(args: &[String]) -> BoxResult<()> {
    let [a, b, threshold] = args else {
        return Err("dice A B THRESHOLD".into());
    };
    let (a, b, threshold) = (load(a)?, load(b)?, threshold.parse::<f64>()?);
    let comparisons = (a.len() * b.len()) as f64;
    let measure = |parallel: bool| -> BoxResult<(f64, usize)> {
        let mut best = f64::MAX;
        let mut found = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let pairs = if parallel {
                clk::candidate_pairs(&a, &b, threshold)?
            } else {
                clk::candidate_pairs_sequential(&a, &b, threshold)?
            };
            best = best.min(t.elapsed().as_secs_f64());
            found = pairs.len();
        }
        Ok((comparisons / best, found))
    };
    let (one, found) = with_threads(1, || measure(false))??;
    let threads = rayon::current_num_threads();
    let (all, _) = measure(true)?;
    println!(
        "dice n_a={} n_b={} bits={} threshold={threshold} candidates={found} threads=1 rate={:.1}M/s threads={threads} rate={:.1}M/s",
        a.len(),
        b.len(),
        a.n_bits(),
        one / 1e6,
        all / 1e6
    );
    Ok(())
}

fn link(args: &[String]) -> BoxResult<()> {
    let [a, b, threshold, truth] = args else {
        return Err("link A B THRESHOLD TRUTH".into());
    };
    let a = clk::clks_from_json(&std::fs::read_to_string(a)?)?;
    let b = clk::clks_from_json(&std::fs::read_to_string(b)?)?;
    let t = Instant::now();
    let matches = clk::match_two(&a, &b, threshold.parse()?)?;
    let seconds = t.elapsed().as_secs_f64();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(truth)?;
    let mut true_links = std::collections::BTreeSet::new();
    for r in reader.records() {
        let r = r?;
        true_links.insert((r[0].parse::<usize>()?, r[1].parse::<usize>()?));
    }
    let tp = matches.iter().filter(|m| true_links.contains(&(m.0, m.1))).count() as f64;
    let precision = tp / matches.len().max(1) as f64;
    let recall = tp / true_links.len().max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall).max(f64::MIN_POSITIVE);
    println!(
        "link matches={} precision={precision:.4} recall={recall:.4} f1={f1:.4} seconds={seconds:.3}",
        matches.len()
    );
    Ok(())
}

fn main() -> BoxResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("encode") => encode(&args[1..]),
        Some("dice") => dice(&args[1..]),
        Some("link") => link(&args[1..]),
        _ => Err("usage: clkbench encode|dice|link ...".into()),
    }
}
