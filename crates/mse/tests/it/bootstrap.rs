//! The bootstrap: reproducible from the seed whatever the threads, jackknife
//! acceleration equal to SparseMSE's, BCa limits within bootstrap noise of
//! SparseMSE's, and intervals that bracket the estimate.

use mse::{
    CheckCache, EstimateOptions, NoProgress, SPARSEMSE_ALPHAS, bca_quantiles, bootstrap, estimate, select_model,
};

use crate::common::{dataset, fixture, num, nums, rel};

#[test]
fn bootstrap_is_reproducible_and_seed_dependent() {
    let Some(table) = dataset("Western") else {
        return;
    };
    let options = EstimateOptions { nboot: 60, seed: 11, ..Default::default() };
    let a = estimate(&table, &options, &NoProgress).expect("estimate");
    let b = estimate(&table, &options, &NoProgress).expect("estimate");
    assert_eq!(serde_json::to_string(&a).ok(), serde_json::to_string(&b).ok());
    let c = estimate(&table, &EstimateOptions { seed: 12, ..options }, &NoProgress).expect("estimate");
    assert_ne!(a.ci_bca, c.ci_bca);
    let [lo, hi] = a.ci_bca.expect("bca interval");
    assert!(lo < a.estimate && a.estimate < hi);
    let [plo, phi] = a.ci_profile.expect("profile interval");
    assert!(plo < a.estimate && a.estimate < phi);
}

#[test]
fn bootstrap_does_not_depend_on_the_number_of_threads() {
    let Some(table) = dataset("UKdat_5") else { return };
    let options = EstimateOptions { nboot: 80, seed: 5, ..Default::default() };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
        let report = pool.install(|| estimate(&table, &options, &NoProgress)).expect("estimate");
        serde_json::to_string(&report).expect("serialize")
    };
    let one = run(1);
    assert_eq!(one, run(3));
    assert_eq!(one, run(2));
}

/// Datasets whose SparseMSE bootstrap fixture is committed (all but the eight-list
/// NewOrl, whose R run was not finished). Artificial_3 (96 cases) is left out of the BCa comparison: its
/// replicates range over orders of magnitude (SparseMSE's have mean 1.3e10), so
/// its BCa limits cannot be compared at a useful tolerance; its acceleration is
/// still checked in `jackknife_acceleration_matches_sparsemse`. Ned is left out
/// too: SparseMSE's 95% and 97.5% limits there are both its largest replicate
/// (the BCa level falls beyond the sample), so they measure the maximum of 1000
/// draws of a heavy-tailed distribution, whose noise order statistics cannot gauge.
const BOOT_DATASETS: [&str; 7] = ["Kosovo", "Ned_5", "NewOrl_5", "UKdat", "UKdat_4", "UKdat_5", "Western"];

/// Every dataset with a bootstrap fixture, for the deterministic jackknife.
const JACK_DATASETS: [&str; 9] =
    ["Artificial_3", "Kosovo", "Ned", "Ned_5", "NewOrl_5", "UKdat", "UKdat_4", "UKdat_5", "Western"];

#[test]
fn jackknife_acceleration_matches_sparsemse() {
    for name in JACK_DATASETS {
        let Some(table) = dataset(name) else { return };
        let fx = fixture(&format!("sparsemse_bca_{name}.json"));
        let options = EstimateOptions::default();
        let cache = CheckCache::new();
        let estimate_of = |counts: &[u64]| -> mse::Result<f64> {
            let y = table.with_row_counts(counts);
            Ok(select_model(table.n_lists(), &y, table.lists(), &options, &cache, &NoProgress)?.fit.estimate())
        };
        let rows: Vec<u64> = table.rows().iter().map(|r| r.count).collect();
        // No replicates: only the jackknife runs.
        let boot = bootstrap(&rows, 0, 1, &estimate_of, &NoProgress).expect("jackknife");
        assert!(
            rel(boot.acceleration, num(&fx, "ahat")) < 1e-6,
            "{name}: {} vs {}",
            boot.acceleration,
            num(&fx, "ahat")
        );
    }
}

/// SparseMSE's `estimatepopulation(zdat)` (nboot 1000, seed 1234 in R's generator)
/// against ours (nboot 1000, ChaCha8 seed 1234). The jackknife acceleration is
/// deterministic and must agree to 1e-6. The BCa limits are random in both: the
/// 2.5% and 97.5% limits of SparseMSE must lie within the Monte-Carlo spread of
/// ours: the rank of a sample `q`-quantile among `B` replicates is binomial with
/// standard deviation `s = sqrt(B q (1 - q))`, so we take the distance from our
/// quantile to the order statistics at ranks `B q ± 3 s` (a two-sided 99.7%
/// range, which also covers the gaps of the lumpy bootstrap distributions of
/// small tables, where the estimate jumps between models; at least half the
/// width of that range, for limits near the sample's edge), times `sqrt(2)`
/// because R's quantile is as noisy as ours, plus 1% of the value for the noise
/// that the bias correction `z0` adds through `q`.
#[test]
fn bca_limits_are_within_bootstrap_noise_of_sparsemse() {
    for name in BOOT_DATASETS {
        let Some(table) = dataset(name) else { return };
        let fx = fixture(&format!("sparsemse_bca_{name}.json"));
        let options = EstimateOptions::default();
        let t = table.n_lists();
        let cache = CheckCache::new();
        let estimate_of = |counts: &[u64]| -> mse::Result<f64> {
            let y = table.with_row_counts(counts);
            Ok(select_model(t, &y, table.lists(), &options, &cache, &NoProgress)?.fit.estimate())
        };
        let rows: Vec<u64> = table.rows().iter().map(|r| r.count).collect();
        let boot = bootstrap(&rows, 1000, 1234, &estimate_of, &NoProgress).expect("bootstrap");
        assert!(
            rel(boot.acceleration, num(&fx, "ahat")) < 1e-6,
            "{name}: acceleration {} vs R {}",
            boot.acceleration,
            num(&fx, "ahat")
        );
        let point = estimate_of(&rows).expect("point estimate");
        assert!(rel(point, num(&fx, "popest")) < 1e-6, "{name}: point estimate");
        let (z0, ours) = bca_quantiles(&boot.replicates, point, boot.acceleration, &SPARSEMSE_ALPHAS);
        let mut sorted = boot.replicates.clone();
        sorted.sort_by(f64::total_cmp);
        let b = sorted.len() as f64;
        let theirs = nums(&fx, "bca_quantiles");
        // The 95% limits (what `ci_bca` reports). The inner levels of small
        // tables sit in gaps between the clusters of a lumpy bootstrap
        // distribution, where any two runs differ by the width of the gap.
        for ((&alpha, &q_ours), &q_r) in SPARSEMSE_ALPHAS.iter().zip(&ours).zip(&theirs) {
            if alpha != 0.025 && alpha != 0.975 {
                continue;
            }
            let za0 = mse_qnorm(alpha) + z0;
            let q = mse_pnorm(z0 + za0 / (1.0 - boot.acceleration * za0));
            let spread = 3.0 * (b * q * (1.0 - q)).sqrt();
            let at = |r: f64| sorted[(r.round().max(0.0) as usize).min(sorted.len() - 1)];
            // Near the sample's edge the rank range is cut off on one side; the
            // half-width of the whole range then stands for the missing side.
            let half_width = (at(b * q + spread) - at(b * q - spread)) / 2.0;
            let one_side = if q_r > q_ours { at(b * q + spread) - q_ours } else { q_ours - at(b * q - spread) };
            let reach = one_side.max(half_width);
            let tol = std::f64::consts::SQRT_2 * reach + 0.01 * q_r.abs();
            // The tolerance must stay informative: a wrong BCa formula moves the
            // limits by more than this.
            assert!(tol < 0.25 * q_r.abs(), "{name}: BCa {alpha}: tolerance {tol} too wide to test anything");
            assert!(
                (q_ours - q_r).abs() <= tol,
                "{name}: BCa {alpha}: ours {q_ours} vs SparseMSE {q_r}, tolerance {tol}"
            );
        }
    }
}

fn mse_qnorm(p: f64) -> f64 {
    // Inverse of mse_pnorm by bisection: the test should not trust the crate's own.
    let (mut lo, mut hi) = (-40.0, 40.0);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if mse_pnorm(mid) < p { lo = mid } else { hi = mid }
    }
    (lo + hi) / 2.0
}

fn mse_pnorm(x: f64) -> f64 {
    0.5 * statrs_free_erfc(-x / std::f64::consts::SQRT_2)
}

/// erfc by the continued fraction / series of Numerical Recipes' `erfcc`
/// (fractional error below 1.2e-7), enough for a tolerance.
fn statrs_free_erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Two lists, main effects: the profile likelihood has a closed form (the
/// complete 2x2 table under independence), so the interval's ends can be checked
/// against it.
#[test]
fn profile_interval_ends_sit_on_the_chi_square_cut() {
    let table = mse::CaptureTable::parse_csv("A,B,count\n1,0,60\n0,1,40\n1,1,15\n").expect("table");
    let options = EstimateOptions { method: mse::Method::Main, nboot: 0, ..Default::default() };
    let report = estimate(&table, &options, &NoProgress).expect("estimate");
    // Lincoln-Petersen: dark = 60 * 40 / 15 = 160.
    assert!(rel(report.estimate, 115.0 + 160.0) < 1e-9);
    let (a, b, m) = (60.0f64, 40.0f64, 15.0f64);
    let (n1, n2, n) = (a + m, b + m, a + b + m);
    let loglik = |big_n: f64| {
        let d = big_n - n;
        let nn = big_n * big_n;
        let xlogy = |x: f64, y: f64| if x > 0.0 { x * y.ln() } else { 0.0 };
        lgamma(big_n + 1.0) - lgamma(d + 1.0)
            + xlogy(m, n1 * n2 / nn)
            + xlogy(a, n1 * (big_n - n2) / nn)
            + xlogy(b, (big_n - n1) * n2 / nn)
            + xlogy(d, (big_n - n1) * (big_n - n2) / nn)
    };
    let l_max = (0..200_000).map(|k| loglik(n + f64::from(k) * 0.01)).fold(f64::NEG_INFINITY, f64::max);
    let cut = l_max - 1.959_963_984_540_054f64.powi(2) / 2.0;
    let [lo, hi] = report.ci_profile.expect("profile interval");
    assert!(lo < report.estimate && report.estimate < hi);
    assert!((loglik(lo) - cut).abs() < 1e-6, "lower end {lo}: {} vs cut {cut}", loglik(lo));
    assert!((loglik(hi) - cut).abs() < 1e-6, "upper end {hi}: {} vs cut {cut}", loglik(hi));
}

/// `ln Γ(x)` by Stirling's series with upward recurrence, independent of the crate.
fn lgamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 20.0 {
        acc -= x.ln();
        x += 1.0;
    }
    let x2 = x * x;
    acc + (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x) - 1.0 / (360.0 * x * x2)
        + 1.0 / (1260.0 * x2 * x2 * x)
}

/// Two lists that share two persons: in about one resample in eight they share nobody and the
/// estimate does not exist. Those resamples count as unbounded (not as SparseMSE's enormous
/// numbers, nor dropped), so the BCa interval has no upper limit and the report says, in words,
/// that the data set none. With one person shared, leaving that one out already does it. With a
/// real overlap, nothing changes.
#[test]
fn lists_that_barely_overlap_give_no_upper_limit_and_say_so() {
    // Stepwise (Palermo's default), which with two lists is the main effects, fitted unchecked
    // in the replicates as SparseMSE does; and the main effects fitted after the checks.
    let stepwise = EstimateOptions { nboot: 400, seed: 3, ..Default::default() };
    let run = |csv: &str| estimate(&mse::CaptureTable::parse_csv(csv).expect("table"), &stepwise, &NoProgress);
    let main = EstimateOptions { method: mse::Method::Main, ..stepwise.clone() };
    let checked = estimate(
        &mse::CaptureTable::parse_csv("A,B,count\n1,0,60\n0,1,40\n1,1,2\n").expect("table"),
        &main,
        &NoProgress,
    )
    .expect("estimate");
    let two = run("A,B,count\n1,0,60\n0,1,40\n1,1,2\n").expect("estimate");
    assert!(rel(two.estimate, 102.0 + 60.0 * 40.0 / 2.0) < 1e-6, "{}", two.estimate);
    let b = two.diagnostics.bootstrap.as_ref().expect("bootstrap");
    // P(no overlap in a resample) = (1 - 2/102)^102 ≈ 0.13.
    assert!((30..=80).contains(&b.unbounded), "{} of 400 unbounded", b.unbounded);
    assert_eq!(b.jackknife_unbounded, 0);
    assert!(b.mean.is_finite());
    let [lo, hi] = two.ci_bca.expect("a lower limit");
    assert!(lo.is_finite() && lo < two.estimate && hi == f64::INFINITY, "[{lo}, {hi}]");
    let note = two.upper_limit_note.as_deref().expect("a note");
    assert!(note.starts_with("not identifiable") && note.contains(&format!("in {} of 400", b.unbounded)), "{note}");
    assert_eq!(checked.ci_bca, two.ci_bca, "the same replicates are unbounded, whether the fit checks or not");
    let text = two.render_text();
    let bca = text.lines().find(|l| l.contains("BCa bootstrap")).expect("BCa row");
    assert!(bca.trim_end().ends_with("unbounded") && text.contains("not identifiable"), "{text}");

    let one = run("A,B,count\n1,0,60\n0,1,40\n1,1,1\n").expect("estimate");
    let b = one.diagnostics.bootstrap.as_ref().expect("bootstrap");
    assert_eq!(b.jackknife_unbounded, 1, "leaving out the one shared person");
    assert_eq!(one.ci_bca.map(|[_, hi]| hi), Some(f64::INFINITY));
    assert!(one.upper_limit_note.as_deref().is_some_and(|n| n.contains("a single case")));

    let plenty = run("A,B,count\n1,0,60\n0,1,40\n1,1,15\n").expect("estimate");
    let b = plenty.diagnostics.bootstrap.as_ref().expect("bootstrap");
    assert_eq!((b.unbounded, b.jackknife_unbounded), (0, 0));
    let [lo, hi] = plenty.ci_bca.expect("bca");
    assert!(lo < plenty.estimate && plenty.estimate < hi && hi < 1_000.0, "[{lo}, {hi}]");
    assert_eq!(plenty.upper_limit_note, None);
}
