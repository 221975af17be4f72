//! The estimate report: the JSON the CLI prints (`palermo estimate --format json`)
//! and its plain-text rendering for people.

use std::fmt::{self, Write as _};

use serde::Serialize;

use crate::check::Verdict;

/// One estimate with its intervals and diagnostics; its JSON is the contract of
/// `palermo estimate --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimateReport {
    /// List names, in table order.
    pub lists: Vec<String>,
    /// Observed cases.
    pub observed: u64,
    /// `stepwise`, `bic`, `aic`, `main` or `fixed`.
    pub method: String,
    /// Every pairwise term of the selected model, `"A:B"`, pairs with no case in
    /// common included.
    pub model: Vec<String>,
    /// Point estimate of the total population (observed plus dark figure).
    pub estimate: f64,
    /// Model-conditional interval at `diagnostics.level`.
    pub ci_conditional: [f64; 2],
    /// Profile-likelihood interval; `null` if it could not be computed.
    pub ci_profile: Option<[f64; 2]>,
    /// BCa bootstrap interval; `null` when no bootstrap was run. Its upper limit is `+∞`
    /// (`null` in JSON) when the lists overlap too little to bound the estimate from above:
    /// see `upper_limit_note`.
    pub ci_bca: Option<[f64; 2]>,
    /// Why the BCa interval has no upper limit, in plain words, when it has none.
    pub upper_limit_note: Option<String>,
    /// How the estimate came about.
    pub diagnostics: Diagnostics,
}

/// A step of the stepwise search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTerm {
    /// The term added.
    pub term: String,
    /// Its Poisson p-value at that step.
    pub p_value: f64,
}

/// A BCa quantile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantile {
    /// Probability.
    pub alpha: f64,
    /// Quantile of the total population.
    pub value: f64,
}

/// Bootstrap details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapDiagnostics {
    /// Replicates asked for.
    pub nboot: usize,
    /// Seed of the ChaCha8 generator (replicate `b` uses stream `b`).
    pub seed: u64,
    /// Replicates whose model selection or fit failed (left out of the quantiles).
    pub failures: usize,
    /// Replicates whose selected model has no finite estimate (the lists share too few
    /// cases): counted as unbounded, at the top of the quantiles.
    pub unbounded: usize,
    /// Delete-one-case jackknife samples without a finite estimate; when there is one, the
    /// upper limit is unbounded (and the acceleration 0).
    pub jackknife_unbounded: usize,
    /// Jackknife acceleration `a`.
    pub acceleration: f64,
    /// Bias correction `z0`.
    pub bias_correction: f64,
    /// Mean of the replicate estimates that are finite.
    pub mean: f64,
    /// BCa quantiles at SparseMSE's default levels.
    pub quantiles: Vec<Quantile>,
}

/// Diagnostics of the selected model and of the intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostics {
    /// Existence and identifiability verdict of the selected model.
    pub verdict: Verdict,
    /// Terms of the model whose lists have no case in common (parameter −∞).
    pub empty_pairs: Vec<String>,
    /// Cases observed on each list, in list order.
    pub cases_per_list: Vec<u64>,
    /// Estimated dark figure (cases on no list).
    pub dark_figure: f64,
    /// Its log, the model's intercept.
    pub log_dark_figure: f64,
    /// Standard error of the log dark figure.
    pub log_dark_figure_se: f64,
    /// Confidence level of the intervals.
    pub level: f64,
    /// Poisson deviance of the selected model.
    pub deviance: f64,
    /// Residual degrees of freedom (fitted histories minus parameters).
    pub df_residual: i64,
    /// AIC with 2 per empty pair (SparseMSE).
    pub aic: f64,
    /// BIC with `log n` per empty pair.
    pub bic: f64,
    /// IRLS iterations of the selected fit.
    pub irls_iterations: usize,
    /// Whether the selected fit met `glm`'s convergence criterion.
    pub converged: bool,
    /// Stepwise: the p-value threshold.
    pub pthresh: Option<f64>,
    /// Stepwise: terms in the order they were added.
    pub steps: Vec<StepTerm>,
    /// Models checked or compared during selection.
    pub models_examined: usize,
    /// Exhaustive search: models refused by the checks.
    pub models_refused: usize,
    /// Exhaustive search: terms left out by pruning (more than 15 pairs).
    pub pruned_terms: Vec<String>,
    /// Maximum of the profile likelihood (continuous `N`).
    pub profile_mle: Option<f64>,
    /// Why the profile interval is missing or open-ended, if it is.
    pub profile_note: Option<String>,
    /// Bootstrap details; `null` when `nboot = 0`.
    pub bootstrap: Option<BootstrapDiagnostics>,
}

/// A whole number for the text table, or "unbounded".
fn whole(x: f64) -> String {
    if x.is_finite() { format!("{x:.0}") } else { "unbounded".to_owned() }
}

/// Why a BCa interval has no upper limit, in plain words, when it has none: the lists share so
/// few cases that in many resamples (or on leaving out one case) the selected model has no finite
/// estimate, so these data cannot say how many were missed.
pub(crate) fn upper_limit_note(ci_bca: Option<[f64; 2]>, b: Option<&BootstrapDiagnostics>) -> Option<String> {
    let b = b?;
    if ci_bca?[1].is_finite() {
        return None;
    }
    let why = if b.jackknife_unbounded > 0 {
        "leaving out a single case already leaves the lists without the overlap a finite estimate needs".to_owned()
    } else {
        format!(
            "in {} of {} bootstrap resamples the lists share too few cases for a finite estimate",
            b.unbounded, b.nboot
        )
    };
    Some(format!("not identifiable: {why}, so the data set no upper limit on the number of victims"))
}

impl EstimateReport {
    /// A plain-text table for people.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let d = &self.diagnostics;
        let pct = d.level * 100.0;
        let _ = writeln!(s, "Multiple Systems Estimation ({} lists: {})", self.lists.len(), self.lists.join(", "));
        let _ = writeln!(s, "  observed cases     {}", self.observed);
        let _ = writeln!(s, "  method             {}", self.method);
        let model = if self.model.is_empty() { "main effects only".to_owned() } else { self.model.join(" + ") };
        let _ = writeln!(s, "  model              {model}");
        if !d.empty_pairs.is_empty() {
            let _ = writeln!(s, "  no overlap (-inf)  {}", d.empty_pairs.join(", "));
        }
        let _ = writeln!(s, "  checks             {}", d.verdict);
        if let Some(note) = &self.upper_limit_note {
            let _ = writeln!(s, "  upper limit        {note}");
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "  {:<28} {:>12} {:>12} {:>12}", "", "estimate", "lower", "upper");
        let _ = writeln!(s, "  {:<28} {:>12.0}", "total population", self.estimate);
        let _ = writeln!(s, "  {:<28} {:>12.0}", "dark figure (on no list)", d.dark_figure);
        let row = |s: &mut String, name: String, ci: Option<[f64; 2]>| {
            let _ = match ci {
                Some([lo, hi]) => writeln!(s, "  {name:<28} {:>12} {lo:>12.0} {:>12}", "", whole(hi)),
                None => writeln!(s, "  {name:<28} {:>12} {:>12} {:>12}", "", "-", "-"),
            };
        };
        row(&mut s, format!("{pct}% model-conditional"), Some(self.ci_conditional));
        row(&mut s, format!("{pct}% profile likelihood"), self.ci_profile);
        row(&mut s, format!("{pct}% BCa bootstrap"), self.ci_bca);
        let _ = writeln!(s);
        let _ = writeln!(s, "  deviance {:.3} on {} df, AIC {:.3}, BIC {:.3}", d.deviance, d.df_residual, d.aic, d.bic);
        if let Some(b) = &d.bootstrap {
            let _ = writeln!(
                s,
                "  bootstrap: {} replicates (seed {}), {} failed, {} unbounded, acceleration {:.5}, bias correction {:.5}",
                b.nboot, b.seed, b.failures, b.unbounded, b.acceleration, b.bias_correction
            );
        }
        if let Some(note) = &d.profile_note {
            let _ = writeln!(s, "  profile likelihood: {note}");
        }
        let _ = writeln!(
            s,
            "  The conditional interval ignores model choice; the BCa interval re-selects the model in every replicate."
        );
        s
    }
}

impl fmt::Display for EstimateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_text())
    }
}
