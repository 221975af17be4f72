//! Bayesian model averaging against the R package dga 2.0.2 (`bma.cr` with its
//! own graph lists for 3–5 lists, `delta = 2^-t`, the default prior `1/N`,
//! `Nmissing = 0:(20 n)`): the computation is exact in both, so the posterior of
//! `N` and the model probabilities agree to rounding. Also the count of
//! decomposable graphs Palermo enumerates (OEIS A058862).

use mse::NoProgress;
use mse::dga::{DgaOptions, decomposable_edge_sets, estimate_dga};

use crate::common::{dataset, fixture, num, nums, rel};

#[test]
fn decomposable_graphs_are_all_there() {
    // Labelled chordal graphs on 1..6 vertices; dga ships 8, 61 and 822 for 3, 4, 5.
    for (t, count) in [(1, 1), (2, 2), (3, 8), (4, 61), (5, 822), (6, 18_154)] {
        assert_eq!(decomposable_edge_sets(t).len(), count, "{t} vertices");
    }
}

#[test]
fn dga_matches_the_package() {
    for name in ["Artificial_3", "Kosovo", "UKdat_4", "Western", "NewOrl_5", "UKdat_5"] {
        let Some(table) = dataset(name) else { return };
        let fx = fixture(&format!("dga_{name}.json"));
        let report =
            estimate_dga(&table, &DgaOptions::default(), &NoProgress).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(report.delta, num(&fx, "delta"), "{name}: delta");
        assert_eq!(report.missing_grid[1] as f64, num(&fx, "max_missing"), "{name}: grid");
        assert_eq!(report.models as f64, num(&fx, "models"), "{name}: number of models");
        for (what, ours) in [
            ("median", report.median),
            ("mode", report.mode),
            ("lower", report.interval[0]),
            ("upper", report.interval[1]),
        ] {
            assert_eq!(ours, num(&fx, what), "{name}: {what}");
        }
        assert!(rel(report.mean, num(&fx, "mean")) < 1e-9, "{name}: mean {} vs {}", report.mean, num(&fx, "mean"));
        for (k, r) in nums(&fx, "posterior_at_missing").iter().zip(nums(&fx, "posterior_values")) {
            let ours = report.posterior[*k as usize];
            assert!((ours - r).abs() <= 1e-9 * r + 1e-15, "{name}: P(n0 = {k}) {ours} vs {r}");
        }
        let probs = nums(&fx, "top_probabilities");
        let theirs = fx["top_models"].as_array().expect("models");
        for (i, (model, p)) in theirs.iter().zip(&probs).enumerate() {
            if *p < 1e-6 {
                break; // near-ties far down the list may order differently
            }
            let mut r: Vec<String> =
                model.as_array().expect("cliques").iter().map(|c| c.as_str().unwrap_or_default().to_owned()).collect();
            r.sort();
            let mut o = report.top_models[i].cliques.clone();
            o.sort();
            assert_eq!(o, r, "{name}: model {i}");
            assert!(rel(report.top_models[i].probability, *p) < 1e-9, "{name}: model {i} probability");
        }
    }
}

/// A large table's grid (20 n unseen counts, n = 63,000) is longer than `MAX_GRID_POINTS`: its
/// second half is evaluated every second count, which keeps memory bounded, and the posterior's
/// summaries agree with the same grid evaluated at every count to within the step.
#[test]
fn a_long_grid_is_stepped_and_agrees_with_the_unit_grid() {
    let table = mse::CaptureTable::parse_csv(
        "A,B,C,count\n1,0,0,20000\n0,1,0,15000\n0,0,1,18000\n1,1,0,3000\n1,0,1,3500\n0,1,1,2500\n1,1,1,1000\n",
    )
    .expect("table");
    let stepped = mse::dga::estimate_dga(&table, &mse::dga::DgaOptions::default(), &mse::NoProgress).expect("dga");
    assert_eq!(stepped.observed, 63_000);
    assert_eq!((stepped.missing_unit, stepped.missing_step), (mse::dga::MAX_GRID_POINTS as u64 / 2, 2));
    assert!(stepped.posterior.len() <= mse::dga::MAX_GRID_POINTS);
    let unit_options = mse::dga::DgaOptions { max_grid_points: 2 * mse::dga::MAX_GRID_POINTS, ..Default::default() };
    let unit = mse::dga::estimate_dga(&table, &unit_options, &mse::NoProgress).expect("dga");
    assert_eq!(unit.missing_step, 1);
    assert!(unit.warnings.is_empty() && stepped.warnings.is_empty(), "the posterior fits in both grids");
    for (a, b) in [
        (stepped.median, unit.median),
        (stepped.interval[0], unit.interval[0]),
        (stepped.interval[1], unit.interval[1]),
    ] {
        assert!((a - b).abs() <= 2.0, "stepped {a} against unit {b}");
    }
    assert!((stepped.mean - unit.mean).abs() < 1.0, "means {} and {}", stepped.mean, unit.mean);
}
