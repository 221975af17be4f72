//! Benchmarks of the MSE engine on the UK 2013 table (six lists): the default
//! SparseMSE procedure (stepwise + 1000 bootstrap re-selections + BCa), the
//! stepwise point estimate alone, and exhaustive BIC over all 2^15 models.
//!
//! Run: `CARGO_TARGET_DIR=/work/target-mse cargo bench -p mse`. The table is read
//! in place from the shared data folder beside the repository.

use divan::Bencher;
use mse::{CaptureTable, CheckCache, Criterion, EstimateOptions, NoProgress, estimate, exhaustive};

fn main() {
    divan::main();
}

fn ukdat() -> CaptureTable {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mse/UKdat.csv");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    CaptureTable::parse_csv(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// SparseMSE's `estimatepopulation(UKdat)` equivalent: stepwise, 1000 replicates, BCa, plus the profile interval.
#[divan::bench(sample_count = 5)]
fn default_procedure_ukdat_nboot_1000(bencher: Bencher) {
    let table = ukdat();
    let options = EstimateOptions::default();
    bencher.bench(|| estimate(divan::black_box(&table), &options, &NoProgress));
}

/// Stepwise selection and the point estimate only.
#[divan::bench(sample_count = 20)]
fn stepwise_point_ukdat(bencher: Bencher) {
    let table = ukdat();
    let options = EstimateOptions { nboot: 0, profile: false, ..Default::default() };
    bencher.bench(|| estimate(divan::black_box(&table), &options, &NoProgress));
}

/// Exhaustive BIC over all 32768 pairwise models of six lists (fresh check cache each time).
#[divan::bench(sample_count = 5)]
fn exhaustive_bic_ukdat_all_32768_models(bencher: Bencher) {
    let table = ukdat();
    let y = table.history_counts();
    bencher.bench(|| {
        let cache = CheckCache::new();
        exhaustive(6, divan::black_box(&y), Criterion::Bic, 15, &cache, &NoProgress)
    });
}
