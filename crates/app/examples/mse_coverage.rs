//! Validation of Multiple Systems Estimation by simulation (issues 4 and 14): over many
//! replications with a known true total N, how often does each interval cover N, and how biased
//! is the point estimate, for each estimator: the log-linear model searches (stepwise, exhaustive
//! BIC, main effects only; model-conditional, profile-likelihood and BCa intervals), the Bayesian
//! latent-class model of LCMCR and dga's averaging over decomposable graphs (95% credible
//! intervals), and Rcapture's Mth Chao and Mth Darroch (log-normal intervals).
//!
//! Scenarios:
//! - `demo`: the demo simulator `sim::simulate` (N = 3000, six agencies, dependent lists sharing a
//!   latent visibility, trait-dependent detection, referrals); seed `s` for replication `s`;
//!   capture histories from the simulation's truth.
//! - `demo-linked`: the same populations, but the capture histories are those of the demo's own
//!   record linkage (the observatory written to a temporary folder, its files imported and linked
//!   as `palermo run` does): linkage errors included. The stepwise estimate's linkage-aware
//!   interval (its BCa interval widened by the spread over the linkages drawn from the
//!   borderline pairs) is scored too.
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
//! The point estimates and the conditional, profile, credible and log-normal intervals use seeds
//! 1..=R (`nboot = 0`); the BCa interval, which re-selects the model in every bootstrap replicate,
//! uses seeds 1..=R_BCA with `nboot` replicates (bootstrap seed 1234); `demo-linked` uses seeds
//! 1..=R_LINKED, with the BCa interval on all of them. dga is left out on the demo's six true
//! lists (as `[estimate] dga_max_lists` does on the observatory). Exhaustive BIC on the demo's six lists
//! costs about 0.7 s per bootstrap replicate, so its BCa interval is left out there. LCMCR runs
//! with the settings of `LCMCR=burnin,samples,thinning,chains` (default `10000,1000,100,4`, the
//! package manual's and `palermo.toml`'s) and seed 1234.
//!
//! Usage: `cargo run --release -p app --example mse_coverage -- [R] [R_BCA] [NBOOT] [R_LINKED]
//! [SCENARIOS]` (defaults 100, 100, 200, 100, all; SCENARIOS comma-separated). Prints a Markdown
//! table; `bench/mse/COVERAGE.md` holds a run.

use std::time::Instant;

use mse::rcapture::{ClosedModel, Heterogeneity};
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
    DemoLinked,
    Independent,
    Dependent,
    Heterogeneous,
}

impl Scenario {
    const ALL: [Scenario; 5] = [Self::Demo, Self::DemoLinked, Self::Independent, Self::Dependent, Self::Heterogeneous];

    fn name(self) -> &'static str {
        match self {
            Self::Demo => "demo",
            Self::DemoLinked => "demo-linked",
            Self::Independent => "independent",
            Self::Dependent => "dependent",
            Self::Heterogeneous => "heterogeneous",
        }
    }
}

/// An estimator of the study.
#[derive(Debug, Clone, PartialEq)]
enum Est {
    LogLinear(Method),
    Lcmcr,
    Dga,
    Rcapture(ClosedModel),
}

impl Est {
    fn name(&self) -> &'static str {
        match self {
            Est::LogLinear(m) => m.name(),
            Est::Lcmcr => "lcmcr",
            Est::Dga => "dga",
            Est::Rcapture(m) => m.short_name(),
        }
    }
}

fn estimators() -> Vec<Est> {
    vec![
        Est::LogLinear(Method::Stepwise),
        Est::LogLinear(Method::Bic),
        Est::LogLinear(Method::Main),
        Est::Lcmcr,
        Est::Dga,
        Est::Rcapture(ClosedModel::Mth(Heterogeneity::Chao)),
        Est::Rcapture(ClosedModel::Mth(Heterogeneity::Darroch)),
    ]
}

/// LCMCR's settings: `LCMCR=burnin,samples,thinning,chains`, else the package manual's.
fn lcmcr_options() -> mse::lcmcr::LcmcrOptions {
    let mut o = mse::lcmcr::LcmcrOptions::default();
    if let Ok(v) = std::env::var("LCMCR") {
        let parts: Vec<usize> = v.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        if let [burnin, samples, thinning, chains] = parts[..] {
            (o.burnin, o.samples, o.thinning, o.chains) = (burnin, samples, thinning, chains);
        }
    }
    o
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

/// The demo of `seed` written to a temporary folder, imported and linked as `palermo run` does:
/// the linkage's capture table, the tables of the linkages drawn from the borderline pairs, and
/// the true total.
fn linked_demo(seed: u64) -> Result<(app::linkage::Linkage, usize), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let config = sim::SimConfig { seed, ..sim::SimConfig::default() };
    let truth = app::pipeline::write_demo(dir.path(), &config, None).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let linkage = runtime.block_on(async {
        let observatory = app::Observatory::open(dir.path(), None).await?;
        let today = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).ok_or(app::Error::Internal("date".into()))?;
        app::pipeline::import_sources(&observatory, today, &model::NoProgress).await?;
        let analysis = app::pipeline::analyse(&observatory, &model::NoProgress).await?;
        observatory.store.close().await;
        Ok::<_, app::Error>(analysis.linkage)
    });
    let linkage = linkage.map_err(|e| e.to_string())?.ok_or("the demo was not linked")?;
    Ok((linkage, truth.n_total))
}

/// Draws one replication: the capture table and the true total.
fn draw(scenario: Scenario, seed: u64) -> Result<(CaptureTable, usize), String> {
    if scenario == Scenario::DemoLinked {
        let (linkage, n) = linked_demo(seed)?;
        return Ok((linkage.capture_table().map_err(|e| e.to_string())?, n));
    }
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
            Scenario::Demo | Scenario::DemoLinked => unreachable!("handled above"),
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

/// One replication's result for one method.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    truth: f64,
    observed: f64,
    estimate: f64,
    conditional: [f64; 2],
    profile: Option<[f64; 2]>,
    bca: Option<[f64; 2]>,
    /// The linkage-aware interval (`demo-linked`, stepwise with a bootstrap).
    linked: Option<[f64; 2]>,
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

/// Estimates one replication with every method; `None` where estimation failed (counted). For
/// the Bayesian and Rcapture methods, `conditional` holds their own interval (credible or
/// log-normal) and `estimate` the posterior median.
fn estimate_all(
    table: &CaptureTable,
    n: usize,
    linkage: Option<&app::linkage::Linkage>,
    nboot: usize,
    methods: &[Est],
) -> Vec<Option<Outcome>> {
    let truth = n as f64;
    let observed = table.n_observed() as f64;
    methods
        .iter()
        .map(|method| {
            let outcome = |estimate: f64, interval: [f64; 2]| Outcome {
                truth,
                observed,
                estimate,
                conditional: interval,
                profile: None,
                bca: None,
                linked: None,
            };
            match method {
                Est::LogLinear(m) => {
                    let options = EstimateOptions {
                        method: m.clone(),
                        nboot,
                        seed: 1234,
                        profile: nboot == 0,
                        ..EstimateOptions::default()
                    };
                    let report = estimate(table, &options, &NoProgress).ok()?;
                    let linked = linkage.and_then(|l| l.uncertainty(&report)).map(|u| u.interval);
                    Some(Outcome {
                        truth,
                        observed,
                        estimate: report.estimate,
                        conditional: report.ci_conditional,
                        profile: report.ci_profile,
                        bca: report.ci_bca,
                        linked,
                    })
                }
                Est::Lcmcr => {
                    if nboot > 0 {
                        return None;
                    }
                    let r = mse::lcmcr::estimate_lcmcr(table, &lcmcr_options(), &NoProgress).ok()?;
                    Some(outcome(r.median, r.interval))
                }
                Est::Dga => {
                    if nboot > 0 {
                        return None;
                    }
                    let r = mse::dga::estimate_dga(table, &mse::dga::DgaOptions::default(), &NoProgress).ok()?;
                    Some(outcome(r.median, r.interval))
                }
                Est::Rcapture(model) => {
                    if nboot > 0 {
                        return None;
                    }
                    let f = mse::rcapture::fit_closed(table, *model, &Default::default()).ok()?;
                    let f0 = f.abundance - observed;
                    if !(f.abundance.is_finite() && f.stderr.is_finite()) {
                        return None;
                    }
                    // Chao's (1987) log-normal interval, as `app::methods` publishes it.
                    let interval = if f0 > 0.0 {
                        let c = (1.959_963_984_540_054 * (1.0 + (f.stderr / f0).powi(2)).ln().sqrt()).exp();
                        [observed + f0 / c, observed + f0 * c]
                    } else {
                        [f.abundance, f.abundance]
                    };
                    Some(outcome(f.abundance, interval))
                }
            }
        })
        .collect()
}

/// One replication: every point method (without bootstrap) when `point`, and the bootstrap
/// methods with `nboot` replicates when `bca`, on one draw of the data.
fn run_seed(
    scenario: Scenario,
    seed: u64,
    point: Option<&[Est]>,
    bca: Option<(&[Est], usize)>,
) -> (Vec<Option<Outcome>>, Vec<Option<Outcome>>) {
    let drawn = if scenario == Scenario::DemoLinked {
        linked_demo(seed).and_then(|(l, n)| Ok((l.capture_table().map_err(|e| e.to_string())?, n, Some(l))))
    } else {
        draw(scenario, seed).map(|(t, n)| (t, n, None))
    };
    let Ok((table, n, linkage)) = drawn else {
        return (vec![None; point.map_or(0, <[Est]>::len)], vec![None; bca.map_or(0, |b| b.0.len())]);
    };
    (
        point.map_or_else(Vec::new, |m| estimate_all(&table, n, linkage.as_ref(), 0, m)),
        bca.map_or_else(Vec::new, |(m, nboot)| estimate_all(&table, n, linkage.as_ref(), nboot, m)),
    )
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
    /// Linkage-aware interval: (covering, with one).
    cov_linked: (usize, usize),
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
    let cov_linked = match bca {
        Some(b) => (
            b.iter().flatten().filter(|o| o.linked.is_some_and(|ci| covers(ci, o.truth))).count(),
            b.iter().flatten().filter(|o| o.linked.is_some()).count(),
        ),
        None => (0, 0),
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
        cov_linked,
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
    let reps_linked: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(100);
    let scenarios: Vec<Scenario> = match args.next() {
        Some(list) => list
            .split(',')
            .map(|name| Scenario::ALL.into_iter().find(|s| s.name() == name).ok_or(format!("unknown scenario {name}")))
            .collect::<Result<_, _>>()?,
        None => Scenario::ALL.to_vec(),
    };
    let start = Instant::now();
    let lcmcr = lcmcr_options();

    println!(
        "R = {reps} replications (seeds 1..={reps}) for the point estimates and the conditional, profile, credible \
         and log-normal intervals; BCa over seeds 1..={reps_bca} with nboot = {nboot}; demo-linked: seeds \
         1..={reps_linked}, BCa on all of them. LCMCR: burn-in {}, {} draws x thinning {}, {} chains. Nominal level 95%.\n",
        lcmcr.burnin, lcmcr.samples, lcmcr.thinning, lcmcr.chains
    );
    println!(
        "| scenario | method | obs./N | rel. bias (mean) | rel. bias (median) | rel. RMSE | conditional / own | profile | BCa | linkage-aware | failed |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let methods = estimators();
    for scenario in scenarios {
        let t0 = Instant::now();
        // Exhaustive BIC re-selection over six lists in every bootstrap replicate is too slow
        // for a coverage study (about 0.7 s per replicate); only the cheap methods there. The
        // linked demo is costly to draw (import and linkage): BIC is left out there.
        let (point_methods, bca_methods): (Vec<Est>, Vec<Est>) = match scenario {
            // dga on the truth's six lists (18,154 graphs, 2.5 s of CPU each time) is left out,
            // as `[estimate] dga_max_lists` leaves it out on the observatory.
            Scenario::Demo => (
                methods.iter().filter(|m| **m != Est::Dga).cloned().collect(),
                vec![Est::LogLinear(Method::Stepwise), Est::LogLinear(Method::Main)],
            ),
            Scenario::DemoLinked => (
                methods.iter().filter(|m| **m != Est::LogLinear(Method::Bic)).cloned().collect(),
                vec![Est::LogLinear(Method::Stepwise)],
            ),
            _ => (methods.clone(), methods.iter().filter(|m| matches!(m, Est::LogLinear(_))).cloned().collect()),
        };
        let (point_reps, bca_reps) = match scenario {
            Scenario::DemoLinked => (reps_linked, if nboot > 0 { reps_linked } else { 0 }),
            _ => (reps, if nboot > 0 { reps_bca } else { 0 }),
        };
        let seeds: Vec<u64> = (1..=point_reps.max(bca_reps)).collect();
        let results = par_seeds(&seeds, |s| {
            run_seed(
                scenario,
                s,
                (s <= point_reps).then_some(point_methods.as_slice()),
                (s <= bca_reps).then_some((bca_methods.as_slice(), nboot)),
            )
        });
        let point: Vec<&Vec<Option<Outcome>>> = results.iter().filter(|r| !r.0.is_empty()).map(|r| &r.0).collect();
        let bca: Vec<&Vec<Option<Outcome>>> = results.iter().filter(|r| !r.1.is_empty()).map(|r| &r.1).collect();
        for (m, method) in point_methods.iter().enumerate() {
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
                "| {} | {} | {:.2} | {:+.1}% | {:+.1}% | {:.1}% | {} | {} | {} | {} | {}/{} |",
                scenario.name(),
                method.name(),
                row.observed_share,
                100.0 * row.bias,
                100.0 * row.median_bias,
                100.0 * row.rrmse,
                pct((row.cov_conditional * ok as f64).round() as usize, ok),
                pct(row.cov_profile.0, row.cov_profile.1),
                bca_text,
                pct(row.cov_linked.0, row.cov_linked.1),
                row.failed,
                row.reps,
            );
        }
        eprintln!("{}: {:.1} s", scenario.name(), t0.elapsed().as_secs_f64());
    }
    eprintln!("total: {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}
