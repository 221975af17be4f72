//! Multiple Systems Estimation (MSE): how many victims did no list see?
//!
//! From how several agencies' lists of identified victims overlap, a Poisson
//! log-linear model over the `2^t - 1` observable capture histories estimates
//! the number of cases on no list (the dark figure) and so the total. This crate
//! reproduces the R package SparseMSE 2.0.1 (Chan, Silverman and Vincent 2019,
//! arXiv:1902.05156; JASA 2021), the method UNODC proposes for SDG indicator
//! 16.2.2, and goes further:
//!
//! - [`CaptureTable::parse_csv`] reads the shared CSV format with errors that
//!   name the row;
//! - [`fit_model`] fits main effects plus any pairwise terms by IRLS as R's
//!   `glm` does, with pairs of lists that share no case handled as SparseMSE
//!   does (parameter −∞, cells removed, penalty charged);
//! - [`check_model`] applies the Fienberg–Rinaldo linear program and the rank
//!   test (SparseMSE's `checkident`);
//! - [`Method`] chooses the model: SparseMSE's stepwise rule (the default),
//!   exhaustive AIC or BIC, main effects, or a fixed model;
//! - [`estimate`] gives the point estimate with the model-conditional,
//!   profile-likelihood and BCa bootstrap intervals (model re-selected in every
//!   replicate, replicates in parallel yet reproducible from the seed);
//! - [`estimate_strata`] does it per stratum, with each stratum's list structure;
//!   [`estimate_strata_with`] also refuses, with the reason, the strata its [`StrataRules`]
//!   exclude (too few persons, a value not recorded, fewer than two lists, no identifiable model).
//!
//! Three more estimators sit in their own modules, each with typed options whose
//! `Default` is the R package's and a `Serialize` report with `render_text`:
//!
//! - [`rcapture`]: Rcapture's classical closed-population models (M0, Mt, and
//!   heterogeneity models Mh and Mth: Chao's lower bound, Poisson2, Darroch,
//!   Gamma3.5) as Poisson log-linear fits;
//! - [`lcmcr`]: the Bayesian non-parametric latent-class model of LCMCR
//!   (Manrique-Vallier 2016), several seeded chains in parallel, with R-hat,
//!   effective sample size, modes and the cap on N stated;
//! - [`dga`]: Bayesian model averaging over decomposable graphical models
//!   (Madigan and York 1997) as the R package dga computes it, for 3 to 8 lists.
//!
//! The engine is sans-IO: text and numbers in, a [`EstimateReport`] out
//! (`Serialize`, and [`EstimateReport::render_text`] for people).
//!
//! ```
//! use mse::{CaptureTable, EstimateOptions, Method, NoProgress, estimate};
//!
//! let csv = "A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n1,0,1,5\n0,1,1,4\n1,1,1,2\n";
//! let table = CaptureTable::parse_csv(csv)?;
//! let options = EstimateOptions { method: Method::Stepwise, nboot: 50, seed: 7, ..Default::default() };
//! let report = estimate(&table, &options, &NoProgress)?;
//! assert_eq!(report.observed, 107);
//! assert!(report.estimate > 107.0);
//! let [lo, hi] = report.ci_conditional;
//! assert!(lo < report.estimate && report.estimate < hi);
//! assert!(report.ci_bca.is_some());
//! println!("{}", report.render_text());
//! # Ok::<(), mse::Error>(())
//! ```

mod check;
pub mod dga;
mod dist;
mod error;
mod glm;
mod interval;
pub mod lcmcr;
mod mcmc;
mod model;
pub mod rcapture;
mod report;
mod select;
mod strata;
mod table;

use std::str::FromStr;

pub use self::model::{Model, all_pairs, pair_index};
/// The one progress trait of Palermo (`model`'s), re-exported so a caller of the engine need not
/// name `model`.
pub use ::model::{NoProgress, Progress};
pub use check::{CheckCache, Verdict, check_model};
pub use dist::quantile_type8;
pub use error::{Error, Result};
pub use glm::{Fit, fit_model};
pub use interval::{
    Bootstrap, SPARSEMSE_ALPHAS, bca_quantiles, bootstrap, conditional_interval, profile_interval, replicate_rng,
};
pub use report::{BootstrapDiagnostics, Diagnostics, EstimateReport, Quantile, StepTerm};
pub use select::{
    Criterion, MAX_EXHAUSTIVE_PAIRS, MAX_SEARCHABLE_PAIRS, ModelSummary, Selection, StepRecord, check_all_models,
    exhaustive, fit_checked, stepwise, survey_models,
};
pub use strata::{Refusal, StrataRules, StratumInput, StratumReport, estimate_strata, estimate_strata_with};
pub use table::{CaptureTable, HistoryCount, MAX_LISTS};

/// How the model is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Method {
    /// SparseMSE's stepwise procedure with Poisson p-values ([`stepwise`]).
    #[default]
    Stepwise,
    /// Exhaustive search for the smallest BIC ([`exhaustive`]). With the
    /// bootstrap every replicate searches again: for six lists about 0.7 s of
    /// CPU per replicate, so `nboot = 1000` takes minutes, not the stepwise
    /// rule's fraction of a second.
    Bic,
    /// Exhaustive search for the smallest AIC.
    Aic,
    /// Main effects only (lists independent).
    Main,
    /// A model given by the user as terms `"A:B"`.
    Fixed(Vec<String>),
}

impl Method {
    /// The name used in reports: `stepwise`, `bic`, `aic`, `main` or `fixed`.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Stepwise => "stepwise",
            Method::Bic => "bic",
            Method::Aic => "aic",
            Method::Main => "main",
            Method::Fixed(_) => "fixed",
        }
    }
}

impl FromStr for Method {
    type Err = Error;

    /// Parses `stepwise`, `bic`, `aic`, `main`, or `fixed:A:B,B:C` (terms after `fixed:`).
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "stepwise" => Ok(Method::Stepwise),
            "bic" => Ok(Method::Bic),
            "aic" => Ok(Method::Aic),
            "main" => Ok(Method::Main),
            other => match other.strip_prefix("fixed:") {
                Some(terms) => {
                    Ok(Method::Fixed(terms.split(',').filter(|t| !t.trim().is_empty()).map(str::to_owned).collect()))
                }
                None => Err(Error::BadOption {
                    what: format!("unknown method `{other}` (stepwise, bic, aic, main, fixed:A:B,…)"),
                }),
            },
        }
    }
}

/// Options of [`estimate`].
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateOptions {
    /// Model choice; SparseMSE's stepwise rule by default.
    pub method: Method,
    /// Bootstrap replicates for the BCa interval; 0 skips the bootstrap. Default 1000.
    pub nboot: usize,
    /// Seed of the bootstrap. Default 1234 (SparseMSE's `iseed`; R's generator is
    /// not reproduced, so the replicates differ from R's).
    pub seed: u64,
    /// Stepwise p-value threshold. Default 0.02.
    pub pthresh: f64,
    /// Confidence level of the intervals. Default 0.95.
    pub level: f64,
    /// Whether to compute the profile-likelihood interval. Default true.
    pub profile: bool,
    /// Exhaustive AIC/BIC: most candidate pairs searched before pruning.
    /// Default [`MAX_EXHAUSTIVE_PAIRS`] (15, all pairs of six lists).
    pub max_exhaustive_pairs: usize,
}

impl Default for EstimateOptions {
    fn default() -> Self {
        Self {
            method: Method::Stepwise,
            nboot: 1000,
            seed: 1234,
            pthresh: 0.02,
            level: 0.95,
            profile: true,
            max_exhaustive_pairs: MAX_EXHAUSTIVE_PAIRS,
        }
    }
}

/// Selects a model for counts `y` (indexed by history) with `method`.
pub fn select_model(
    t: usize,
    y: &[f64],
    lists: &[String],
    options: &EstimateOptions,
    cache: &CheckCache,
    progress: &dyn Progress,
) -> Result<Selection> {
    let plain =
        |fit| Selection { fit, steps: Vec::new(), models_examined: 1, models_refused: 0, pruned_pairs: Vec::new() };
    match &options.method {
        Method::Stepwise => stepwise(t, y, options.pthresh, cache),
        Method::Bic => exhaustive(t, y, Criterion::Bic, options.max_exhaustive_pairs, cache, progress),
        Method::Aic => exhaustive(t, y, Criterion::Aic, options.max_exhaustive_pairs, cache, progress),
        Method::Main => fit_checked(t, y, Model::MAIN_EFFECTS, lists, cache).map(plain),
        Method::Fixed(terms) => {
            let model = Model::parse_terms(lists, terms)?;
            fit_checked(t, y, model, lists, cache).map(plain)
        }
    }
}

/// Estimates the total population from a capture table: selects the model,
/// checks it, fits it, and computes the three intervals.
///
/// Agrees with SparseMSE 2.0.1's `estimatepopulation(zdat)` for the selected
/// model, the point estimate and the model-conditional interval (to rounding);
/// the BCa limits agree within bootstrap noise, since the random streams differ.
/// A selected model that fails the existence or identifiability check is refused
/// with [`Error::BadModel`].
pub fn estimate(table: &CaptureTable, options: &EstimateOptions, progress: &dyn Progress) -> Result<EstimateReport> {
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(Error::BadOption { what: format!("level must be in (0, 1), got {}", options.level) });
    }
    if !(0.0..=1.0).contains(&options.pthresh) {
        return Err(Error::BadOption { what: format!("pthresh must be in [0, 1], got {}", options.pthresh) });
    }
    let t = table.n_lists();
    let lists = table.lists();
    let y = table.history_counts();
    let cache = CheckCache::new();
    let selection = select_model(t, &y, lists, options, &cache, progress)?;
    let fit = &selection.fit;
    let verdict = check_model(t, &y, fit.model, &cache)?;
    if !verdict.is_ok() {
        return Err(Error::BadModel { model: format!("[{}]", fit.model.terms(lists).join(", ")), verdict });
    }
    let estimate = fit.estimate();
    let ci_conditional = conditional_interval(fit, options.level);
    let (ci_profile, profile_mle, profile_note) = if options.profile {
        match profile_interval(t, &y, fit, options.level) {
            Ok((mle, ci, true)) => (Some(ci), Some(mle), None),
            Ok((mle, [lo, _], false)) => (
                Some([lo, f64::INFINITY]),
                Some(mle),
                Some("the likelihood stays above the cut: no finite upper limit".into()),
            ),
            Err(e) => (None, None, Some(e.to_string())),
        }
    } else {
        (None, None, Some("not computed".into()))
    };
    let bootstrap_diag = if options.nboot > 0 {
        let row_counts: Vec<u64> = table.rows().iter().map(|r| r.count).collect();
        let estimate_of = |counts: &[u64]| -> Result<f64> {
            let yb = table.with_row_counts(counts);
            // A replicate whose selected model has no finite estimate is unbounded: not left out
            // (as a checked fit's refusal would be), nor SparseMSE's enormous number where its
            // stepwise fit of the main effects, which it does not check, stopped.
            let sel = match select_model(t, &yb, lists, options, &cache, &NoProgress) {
                Err(Error::BadModel { verdict, .. }) if !verdict.has_finite_mle() => return Ok(f64::INFINITY),
                selected => selected?,
            };
            if !check_model(t, &yb, sel.fit.model, &cache)?.has_finite_mle() {
                return Ok(f64::INFINITY);
            }
            Ok(sel.fit.estimate())
        };
        let boot = bootstrap(&row_counts, options.nboot, options.seed, &estimate_of, progress)?;
        let mut alphas = SPARSEMSE_ALPHAS.to_vec();
        let tail = (1.0 - options.level) / 2.0;
        alphas.extend([tail, 1.0 - tail]);
        let (z0, q) = bca_quantiles(&boot.replicates, estimate, boot.acceleration, &alphas);
        let finite = boot.replicates.iter().filter(|e| e.is_finite());
        let mean = finite.clone().sum::<f64>() / finite.count().max(1) as f64;
        let mut ci = [q[SPARSEMSE_ALPHAS.len()], q[SPARSEMSE_ALPHAS.len() + 1]];
        if boot.jackknife_unbounded > 0 {
            ci[1] = f64::INFINITY;
        }
        Some((
            BootstrapDiagnostics {
                nboot: options.nboot,
                seed: options.seed,
                failures: boot.failures,
                unbounded: boot.unbounded,
                jackknife_unbounded: boot.jackknife_unbounded,
                acceleration: boot.acceleration,
                bias_correction: z0,
                mean,
                quantiles: SPARSEMSE_ALPHAS.iter().zip(&q).map(|(&alpha, &value)| Quantile { alpha, value }).collect(),
            },
            ci,
        ))
    } else {
        None
    };
    let pairs = all_pairs(t);
    let term = |k: usize| format!("{}:{}", lists[pairs[k].0], lists[pairs[k].1]);
    let cases_per_list =
        (0..t).map(|i| table.rows().iter().filter(|r| r.history >> i & 1 == 1).map(|r| r.count).sum()).collect();
    let (ci_bca, bootstrap_diag) = match bootstrap_diag {
        // An upper limit of +∞ is kept: the data cannot bound the estimate from above.
        Some((d, ci)) => ((ci[0].is_finite() && !ci[1].is_nan()).then_some(ci), Some(d)),
        None => (None, None),
    };
    Ok(EstimateReport {
        lists: lists.to_vec(),
        observed: table.n_observed(),
        method: options.method.name().to_owned(),
        model: fit.model.terms(lists),
        estimate,
        ci_conditional,
        ci_profile,
        ci_bca,
        upper_limit_note: report::upper_limit_note(ci_bca, bootstrap_diag.as_ref()),
        diagnostics: Diagnostics {
            verdict,
            empty_pairs: fit.empty_pairs.iter().map(|&k| term(k)).collect(),
            cases_per_list,
            dark_figure: fit.dark_figure(),
            log_dark_figure: fit.coefficients[0],
            log_dark_figure_se: fit.intercept_sd,
            level: options.level,
            deviance: fit.deviance,
            df_residual: fit.cells.len() as i64 - fit.n_params as i64,
            aic: fit.aic(),
            bic: fit.bic(),
            irls_iterations: fit.iterations,
            converged: fit.converged,
            pthresh: matches!(options.method, Method::Stepwise).then_some(options.pthresh),
            steps: selection.steps.iter().map(|s| StepTerm { term: term(s.pair), p_value: s.p_value }).collect(),
            models_examined: selection.models_examined,
            models_refused: selection.models_refused,
            pruned_terms: selection.pruned_pairs.iter().map(|&k| term(k)).collect(),
            profile_mle,
            profile_note,
            bootstrap: bootstrap_diag,
        },
    })
}
