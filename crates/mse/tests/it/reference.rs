//! Agreement with SparseMSE 2.0.1 on every shared dataset: selected terms, point
//! estimate and model-conditional interval of `estimatepopulation.0` (the first
//! step of `estimatepopulation`), and the main-effects fit. Fixtures and the R
//! calls that made them: `tests/fixtures/README.md`.

use mse::{CheckCache, EstimateOptions, Method, Model, NoProgress, estimate, fit_model};

use crate::common::{DATASETS, dataset, fixture, num, nums, rel, sorted_strings};

const TOL: f64 = 1e-6;

#[test]
fn stepwise_matches_sparsemse_on_every_dataset() {
    for name in DATASETS {
        let Some(table) = dataset(name) else { return };
        let fx = fixture(&format!("sparsemse_point_{name}.json"));
        let options = EstimateOptions { nboot: 0, ..Default::default() };
        let report = estimate(&table, &options, &NoProgress).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut terms = report.model.clone();
        terms.sort();
        assert_eq!(terms, sorted_strings(&fx, "stepwise_terms"), "{name}: selected terms");
        let mut empty = report.diagnostics.empty_pairs.clone();
        empty.sort();
        assert_eq!(empty, sorted_strings(&fx, "stepwise_empty_terms"), "{name}: empty pairs");
        // R's coefficients come in the order the pairs were added; ours is the
        // step trace (empty pairs have no coefficient in R).
        let r_order: Vec<String> = fx["stepwise_terms"]
            .as_array()
            .expect("terms")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .filter(|term| !empty.contains(term))
            .collect();
        let our_order: Vec<String> =
            report.diagnostics.steps.iter().map(|s| s.term.clone()).filter(|term| !empty.contains(term)).collect();
        assert_eq!(our_order, r_order, "{name}: order of the stepwise additions");
        let r_est = num(&fx, "stepwise_estimate");
        assert!(rel(report.estimate, r_est) < TOL, "{name}: estimate {} vs R {r_est}", report.estimate);
        let r_ci = nums(&fx, "stepwise_ci_conditional");
        for (ours, theirs) in report.ci_conditional.iter().zip(&r_ci) {
            assert!(rel(*ours, *theirs) < TOL, "{name}: conditional CI {ours} vs R {theirs}");
        }
        assert!(rel(report.diagnostics.aic, num(&fx, "stepwise_aic")) < TOL, "{name}: AIC");
        assert!(
            rel(report.diagnostics.log_dark_figure_se, num(&fx, "stepwise_intercept_sd")) < TOL,
            "{name}: intercept sd"
        );
    }
}

#[test]
fn main_effects_match_sparsemse_on_every_dataset() {
    let cache = CheckCache::new();
    for name in DATASETS {
        let Some(table) = dataset(name) else { return };
        let fx = fixture(&format!("sparsemse_point_{name}.json"));
        let y = table.history_counts();
        let fit = fit_model(table.n_lists(), &y, Model::MAIN_EFFECTS).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(rel(fit.estimate(), num(&fx, "main_estimate")) < TOL, "{name}: main estimate");
        assert!(rel(fit.deviance, num(&fx, "main_deviance")) < 1e-5, "{name}: main deviance");
        let options = EstimateOptions { method: Method::Main, nboot: 0, profile: false, ..Default::default() };
        let report = estimate(&table, &options, &NoProgress).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (ours, theirs) in report.ci_conditional.iter().zip(nums(&fx, "main_ci_conditional")) {
            assert!(rel(*ours, theirs) < TOL, "{name}: main conditional CI {ours} vs {theirs}");
        }
        assert!(mse::check_model(table.n_lists(), &y, Model::MAIN_EFFECTS, &cache).is_ok());
    }
}

/// The profile-likelihood interval against the same likelihood maximised and cut
/// in R with `glm`, `optimize` and `uniroot` (fixture README gives the call): an
/// independent implementation of Cormack's method for the stepwise model.
#[test]
fn profile_interval_matches_an_r_glm_computation() {
    for name in DATASETS {
        let Some(table) = dataset(name) else { return };
        let fx = fixture(&format!("profile_glm_{name}.json"));
        let options = EstimateOptions { nboot: 0, ..Default::default() };
        let report = estimate(&table, &options, &NoProgress).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ours = report.ci_profile.unwrap_or_else(|| panic!("{name}: no profile interval"));
        for (o, r) in ours.iter().zip(nums(&fx, "ci_profile")) {
            assert!(rel(*o, r) < 1e-6, "{name}: profile limit {o} vs R {r}");
        }
        let mle = report.diagnostics.profile_mle.unwrap_or(f64::NAN);
        // The maximum of a flat log-likelihood of size ~1e6 (lgamma of N) is
        // located only to about sqrt(rounding / curvature), ~0.1 cases on Ned.
        assert!(rel(mle, num(&fx, "profile_mle")) < 1e-5, "{name}: profile maximum {mle}");
    }
}
