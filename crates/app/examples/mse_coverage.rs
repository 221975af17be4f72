//! Validation of Multiple Systems Estimation by simulation (issue 4, item 7): over many
//! replications with a known true total N, how often does each interval (model-conditional,
//! profile-likelihood, BCa bootstrap) cover N, and how biased is the point estimate, for each
//! model-selection method (stepwise, exhaustive BIC, main effects only)?
//!
//! Scenarios:
//! - `demo`: the demo simulator `sim::simulate` (N = 3000, six agencies, dependent lists sharing a
//!   latent visibility, trait-dependent detection, referrals); seed `s` for replication `s`.
//! - `independent`, `dependent`, `heterogeneous`: the simulator's config has no knob for list
//!   dependence or heterogeneity, so these are emulated here from a simple model with four lists
//!   A, B, C, D and N = 2000 persons (capture histories drawn person by person from SplitMix64
//!   seeded with the replication number and scenario):
//!   - `independent`: each list independently with probability 0.20, 0.15, 0.25, 0.10 (the
//!     main-effects model is true);
//!   - `dependent`: A and C as above; B with probability 0.45 for persons on A, 0.10 otherwise;
//!     D with probability 0.30 for persons on C, 0.05 otherwise (positive pairwise dependence,
//!     exactly a log-linear model with the terms A:B and C:D);
//!   - `heterogeneous`: a latent catchability z ~ N(0, 1) per person and
//!     logit P(on list a) = logit(p_a) + 1.0·z with the p_a above (every pair positively
//!     dependent; no pairwise log-linear model is true).
//!
//! The point estimate and the conditional and profile intervals use seeds 1..=R (`nboot = 0`);
//! the BCa interval, which re-selects the model in every bootstrap replicate, uses seeds
//! 1..=R_BCA with `nboot` replicates (bootstrap seed 1234). Exhaustive BIC on the demo's six lists
//! costs about 0.7 s per bootstrap replicate, so its BCa interval is left out there.
//!
//! Usage: `cargo run --release -p app --example mse_coverage -- [R] [R_BCA] [NBOOT]`
//! (defaults 100, 100, 200). Prints a Markdown table; `bench/mse/COVERAGE.md` holds a run.

use std::time::Instant;

use mse::{CaptureTable, EstimateOptions, Method, NoProgress, estimate};

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, well-mixed generator, enough for drawing
/// simulated capture histories; written here because `app` has no `rand` dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on [0, 1) with 53 random bits.
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal by Box–Muller (one of the pair is used; speed does not matter here).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Demo,
    Independent,
    Dependent,
    Heterogeneous,
}

impl Scenario {
    const ALL: [Scenario; 4] = [Self::Demo, Self::Independent, Self::Dependent, Self::Heterogeneous];

    fn name(self) -> &'static str {
        match self {
            Self::Demo => "demo",
            Self::Independent => "independent",
            Self::Dependent => "dependent",
            Self::Heterogeneous => "heterogeneous",
        }
    }
}

/// Emulated scenarios: population size and base capture probabilities of lists A, B, C, D.
const EMULATED_N: usize = 2000;
const BASE_P: [f64; 4] = [0.20, 0.15, 0.25, 0.10];
/// Standard deviation of the latent catchability on the logit scale (heterogeneous scenario).
const HETEROGENEITY_SD: f64 = 1.0;

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Draws one replication: the capture table and the true total.
fn draw(scenario: Scenario, seed: u64) -> Result<(CaptureTable, usize), String> {
    if scenario == Scenario::Demo {
        let demo = sim::simulate(&sim::SimConfig { seed, ..sim::SimConfig::default() }).map_err(|e| e.to_string())?;
        let table = CaptureTable::parse_csv(&demo.truth.capture_histories).map_err(|e| e.to_string())?;
        return Ok((table, demo.truth.n_total));
    }
    // One stream per (scenario, replication), far apart in SplitMix64's sequence.
    let mut rng = SplitMix64(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ (scenario as u64) << 56);
    let mut histories = Vec::with_capacity(EMULATED_N);
    for _ in 0..EMULATED_N {
        let on: [bool; 4] = match scenario {
            Scenario::Independent => BASE_P.map(|p| rng.bernoulli(p)),
            Scenario::Dependent => {
                let a = rng.bernoulli(BASE_P[0]);
                let b = rng.bernoulli(if a { 0.45 } else { 0.10 });
                let c = rng.bernoulli(BASE_P[2]);
                let d = rng.bernoulli(if c { 0.30 } else { 0.05 });
                [a, b, c, d]
            }
            Scenario::Heterogeneous => {
                let z = HETEROGENEITY_SD * rng.normal();
                BASE_P.map(|p| rng.bernoulli(sigmoid(logit(p) + z)))
            }
            Scenario::Demo => unreachable!("handled above"),
        };
        let h = on.iter().enumerate().fold(0u32, |h, (i, &b)| h | u32::from(b) << i);
        if h != 0 {
            histories.push(h);
        }
    }
    let lists = ["A", "B", "C", "D"].map(str::to_owned).to_vec();
    let table = CaptureTable::from_person_histories(lists, histories).map_err(|e| e.to_string())?;
    Ok((table, EMULATED_N))
}

const METHODS: [Method; 3] = [Method::Stepwise, Method::Bic, Method::Main];

/// One replication's result for one method.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    truth: f64,
    observed: f64,
    estimate: f64,
    conditional: [f64; 2],
    profile: Option<[f64; 2]>,
    bca: Option<[f64; 2]>,
}

fn covers(ci: [f64; 2], truth: f64) -> bool {
    ci[0] <= truth && truth <= ci[1]
}

/// Runs `job` for every seed on all cores (threads take seeds round-robin); results come back
/// in seed order, so the output does not depend on scheduling.
fn par_seeds<T: Send>(seeds: &[u64], job: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(seeds.len().max(1));
    let mut slots: Vec<Option<T>> = (0..seeds.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let job = &job;
                scope.spawn(move || (k..seeds.len()).step_by(threads).map(|i| (i, job(seeds[i]))).collect::<Vec<_>>())
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(done) => done.into_iter().for_each(|(i, v)| slots[i] = Some(v)),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    slots.into_iter().flatten().collect()
}

/// Estimates one replication with every method; `None` where estimation failed (counted).
fn run_one(scenario: Scenario, seed: u64, nboot: usize, methods: &[Method]) -> Vec<Option<Outcome>> {
    let Ok((table, n)) = draw(scenario, seed) else {
        return vec![None; methods.len()];
    };
    methods
        .iter()
        .map(|method| {
            let options = EstimateOptions {
                method: method.clone(),
                nboot,
                seed: 1234,
                profile: nboot == 0,
                ..EstimateOptions::default()
            };
            let report = estimate(&table, &options, &NoProgress).ok()?;
            Some(Outcome {
                truth: n as f64,
                observed: report.observed as f64,
                estimate: report.estimate,
                conditional: report.ci_conditional,
                profile: report.ci_profile,
                bca: report.ci_bca,
            })
        })
        .collect()
}

/// Summary of one (scenario, method) cell.
struct Row {
    reps: usize,
    failed: usize,
    observed_share: f64,
    bias: f64,
    median_bias: f64,
    rrmse: f64,
    cov_conditional: f64,
    cov_profile: (usize, usize),
    cov_bca: (usize, usize, usize),
}

fn summarise(point: &[Option<Outcome>], bca: Option<&[Option<Outcome>]>) -> Row {
    let ok: Vec<&Outcome> = point.iter().flatten().collect();
    let n = ok.len().max(1) as f64;
    let rel: Vec<f64> = ok.iter().map(|o| (o.estimate - o.truth) / o.truth).collect();
    let mut sorted = rel.clone();
    sorted.sort_by(f64::total_cmp);
    let median_bias = match sorted.len() {
        0 => f64::NAN,
        m if m % 2 == 1 => sorted[m / 2],
        m => 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]),
    };
    let profile_n = ok.iter().filter(|o| o.profile.is_some()).count();
    let profile_hit = ok.iter().filter(|o| o.profile.is_some_and(|ci| covers(ci, o.truth))).count();
    let cov_bca = match bca {
        Some(b) => {
            let with = b.iter().flatten().filter(|o| o.bca.is_some()).count();
            let hit = b.iter().flatten().filter(|o| o.bca.is_some_and(|ci| covers(ci, o.truth))).count();
            (hit, with, b.len())
        }
        None => (0, 0, 0),
    };
    Row {
        reps: point.len(),
        failed: point.len() - ok.len(),
        observed_share: ok.iter().map(|o| o.observed / o.truth).sum::<f64>() / n,
        bias: rel.iter().sum::<f64>() / n,
        median_bias,
        rrmse: (rel.iter().map(|r| r * r).sum::<f64>() / n).sqrt(),
        cov_conditional: ok.iter().filter(|o| covers(o.conditional, o.truth)).count() as f64 / n,
        cov_profile: (profile_hit, profile_n),
        cov_bca,
    }
}

fn pct(hit: usize, of: usize) -> String {
    if of == 0 { "–".to_owned() } else { format!("{:.0}% ({hit}/{of})", 100.0 * hit as f64 / of as f64) }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let reps: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(100);
    let reps_bca: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(100);
    let nboot: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let seeds: Vec<u64> = (1..=reps).collect();
    let seeds_bca: Vec<u64> = (1..=reps_bca).collect();
    let start = Instant::now();

    println!(
        "R = {reps} replications (seeds 1..={reps}) for the point estimate, conditional and profile intervals; \
         BCa over seeds 1..={reps_bca} with nboot = {nboot}. Nominal level 95%.\n"
    );
    println!(
        "| scenario | method | obs./N | rel. bias (mean) | rel. bias (median) | rel. RMSE | conditional | profile | BCa | failed |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for scenario in Scenario::ALL {
        let t0 = Instant::now();
        let point = par_seeds(&seeds, |s| run_one(scenario, s, 0, &METHODS));
        // Exhaustive BIC re-selection over six lists in every bootstrap replicate is too slow
        // for a coverage study (about 0.7 s per replicate); only the cheap methods there.
        let bca_methods: Vec<Method> = match scenario {
            Scenario::Demo => vec![Method::Stepwise, Method::Main],
            _ => METHODS.to_vec(),
        };
        let bca = if nboot > 0 && reps_bca > 0 {
            par_seeds(&seeds_bca, |s| run_one(scenario, s, nboot, &bca_methods))
        } else {
            Vec::new()
        };
        for (m, method) in METHODS.iter().enumerate() {
            let column: Vec<Option<Outcome>> = point.iter().map(|r| r[m]).collect();
            let bca_column: Option<Vec<Option<Outcome>>> = bca_methods
                .iter()
                .position(|b| b == method)
                .filter(|_| !bca.is_empty())
                .map(|k| bca.iter().map(|r| r[k]).collect());
            let row = summarise(&column, bca_column.as_deref());
            let ok = row.reps - row.failed;
            let (bh, bw, bn) = row.cov_bca;
            let bca_text = if bn == 0 {
                "–".to_owned()
            } else if bw < bn {
                format!("{} [{} of {bn} without]", pct(bh, bw), bn - bw)
            } else {
                pct(bh, bw)
            };
            println!(
                "| {} | {} | {:.2} | {:+.1}% | {:+.1}% | {:.1}% | {} | {} | {} | {}/{} |",
                scenario.name(),
                method.name(),
                row.observed_share,
                100.0 * row.bias,
                100.0 * row.median_bias,
                100.0 * row.rrmse,
                pct((row.cov_conditional * ok as f64).round() as usize, ok),
                pct(row.cov_profile.0, row.cov_profile.1),
                bca_text,
                row.failed,
                row.reps,
            );
        }
        eprintln!("{}: {:.1} s", scenario.name(), t0.elapsed().as_secs_f64());
    }
    eprintln!("total: {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}
