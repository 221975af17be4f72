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
