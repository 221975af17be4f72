//! Model selection: SparseMSE's stepwise procedure, exhaustive AIC/BIC search,
//! main effects only, or a fixed model.

use serde::Serialize;

use crate::check::{CheckCache, Verdict, check_design};
use crate::dist::{ppois_lower, ppois_upper_from};
use crate::error::{Error, Result};
use crate::glm::{Design, Fit, fit_design, overlap};
use crate::model::{Model, all_pairs};

/// Criterion for the exhaustive search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Criterion {
    /// Akaike: `-2 logL + 2 (parameters + empty pairs)`.
    Aic,
    /// Schwarz: `-2 logL + log(n) (parameters + empty pairs)`.
    Bic,
}

/// One step of the stepwise search, for the diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// Pair index added.
    pub pair: usize,
    /// Its Poisson p-value when added.
    pub p_value: f64,
}

/// The selected model's fit and how it was found.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The fit of the selected model.
    pub fit: Fit,
    /// Stepwise: the pairs in the order they were added.
    pub steps: Vec<StepRecord>,
    /// Models fitted and compared (exhaustive) or candidate checks (stepwise).
    pub models_examined: usize,
    /// Exhaustive search only: models refused by the checks.
    pub models_refused: usize,
    /// Exhaustive search only: pairs left out of the search by pruning.
    pub pruned_pairs: Vec<usize>,
}

/// Fits main effects only, without SparseMSE's checks (its stepwise starts there).
fn fit_unchecked(t: usize, y: &[f64], model: Model) -> Result<Fit> {
    let design = Design::new(t, y, model);
    fit_design(&design, y, model)
}

/// Fits `model` after the existence and identifiability checks; a model failing
/// them is refused with the reason (SparseMSE's `modelfit(check = TRUE)`).
pub fn fit_checked(t: usize, y: &[f64], model: Model, lists: &[String], cache: &CheckCache) -> Result<Fit> {
    let design = Design::new(t, y, model);
    let verdict = check_design(&design, y, model, cache)?;
    if !verdict.is_ok() {
        return Err(Error::BadModel { model: format!("[{}]", model.terms(lists).join(", ")), verdict });
    }
    fit_design(&design, y, model)
}

/// Stepwise selection of Chan, Silverman and Vincent (2019), SparseMSE 2.0.1's
/// `stepwisefit(zdat, pthresh)`.
///
/// Start from main effects. For each pair not yet in the model, the number of
/// cases on both lists, `n*`, is Poisson on the null hypothesis that the pair's
/// term is absent, with mean `lambda*` the fitted total of the histories that
/// contain both lists; its p-value is `min(P(X <= n*), P(X >= n*))`. A pair whose
/// addition would fail [`crate::check_model`] gets p-value 1. The pair with the
/// smallest p-value is added if that p-value is below `pthresh` (ties: the
/// lowest pair index); otherwise the search stops. `pthresh = 0` gives main
/// effects; `pthresh = 1` gives all pairs when that model passes the checks.
pub fn stepwise(t: usize, y: &[f64], pthresh: f64, cache: &CheckCache) -> Result<Selection> {
    let pairs = all_pairs(t);
    let all = Model::saturated_pairs(t);
    let mut examined = 0;
    if pthresh == 1.0 && check_design(&Design::new(t, y, all), y, all, cache)?.is_ok() {
        let fit = fit_unchecked(t, y, all)?;
        return Ok(Selection {
            fit,
            steps: Vec::new(),
            models_examined: 1,
            models_refused: 0,
            pruned_pairs: Vec::new(),
        });
    }
    let mut model = Model::MAIN_EFFECTS;
    let mut fit = fit_unchecked(t, y, model)?;
    let mut steps = Vec::new();
    if pthresh == 0.0 {
        return Ok(Selection { fit, steps, models_examined: 1, models_refused: 0, pruned_pairs: Vec::new() });
    }
    let n_star: Vec<f64> = pairs.iter().map(|&(i, j)| overlap(y, 1 << i | 1 << j)).collect();
    for _ in 0..pairs.len() {
        let mut candidates: Vec<(f64, usize)> = Vec::new();
        for (k, &(i, j)) in pairs.iter().enumerate() {
            if model.contains(k) {
                continue;
            }
            let mask = 1u32 << i | 1u32 << j;
            let lambda: f64 =
                fit.cells.iter().zip(&fit.fitted).filter(|&(&h, _)| h & mask == mask).map(|(_, &m)| m).sum();
            let p = ppois_lower(n_star[k], lambda).min(ppois_upper_from(n_star[k], lambda));
            // Pairs at or above the threshold can never be chosen, so SparseMSE's
            // veto (p set to 1) changes nothing for them and they need no check.
            if p < pthresh {
                candidates.push((p, k));
            }
        }
        // Smallest p first, ties to the lowest pair index: SparseMSE's
        // `min((1:nints)[pvalnew == pvmin])`.
        candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut chosen = None;
        for &(p, k) in &candidates {
            let trial = model.with(k);
            examined += 1;
            if check_design(&Design::new(t, y, trial), y, trial, cache)?.is_ok() {
                chosen = Some((p, k));
                break;
            }
        }
        let Some((p, k)) = chosen else { break };
        model = model.with(k);
        fit = fit_unchecked(t, y, model)?;
        steps.push(StepRecord { pair: k, p_value: p });
    }
    Ok(Selection { fit, steps, models_examined: examined, models_refused: 0, pruned_pairs: Vec::new() })
}

/// Default largest number of candidate pairs searched exhaustively (`2^15`
/// models, all pairs of six lists).
pub const MAX_EXHAUSTIVE_PAIRS: usize = 15;

/// Hard limit on the pairs of an exhaustive search (`2^24` models).
pub const MAX_SEARCHABLE_PAIRS: usize = 24;

/// Exhaustive search over every set of pairwise terms for the smallest AIC or BIC
/// among the models that pass [`crate::check_model`]; ties go to the model
/// enumerated first (fewer, lower-numbered pairs).
///
/// Beyond `max_pairs` candidate pairs (default [`MAX_EXHAUSTIVE_PAIRS`]: more
/// than six lists) the search is pruned: only the `max_pairs` pairs with the
/// smallest stepwise p-values under the main-effects model are searched and the
/// others stay out; they are reported in [`Selection::pruned_pairs`]. This is a
/// heuristic, stated as such in the diagnostics. `max_pairs` above
/// [`MAX_SEARCHABLE_PAIRS`] is refused.
pub fn exhaustive(
    t: usize,
    y: &[f64],
    criterion: Criterion,
    max_pairs: usize,
    cache: &CheckCache,
    progress: &dyn crate::Progress,
) -> Result<Selection> {
    if max_pairs > MAX_SEARCHABLE_PAIRS {
        return Err(Error::TooManyModels { pairs: max_pairs, max: MAX_SEARCHABLE_PAIRS });
    }
    let pairs = all_pairs(t);
    let mut candidates: Vec<usize> = (0..pairs.len()).collect();
    let mut pruned = Vec::new();
    if pairs.len() > max_pairs {
        let main = fit_unchecked(t, y, Model::MAIN_EFFECTS)?;
        let mut scored: Vec<(f64, usize)> = pairs
            .iter()
            .enumerate()
            .map(|(k, &(i, j))| {
                let mask = 1u32 << i | 1u32 << j;
                let n_star = overlap(y, mask);
                let lambda: f64 =
                    main.cells.iter().zip(&main.fitted).filter(|&(&h, _)| h & mask == mask).map(|(_, &m)| m).sum();
                (ppois_lower(n_star, lambda).min(ppois_upper_from(n_star, lambda)), k)
            })
            .collect();
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        candidates = scored[..max_pairs].iter().map(|&(_, k)| k).collect();
        candidates.sort_unstable();
        pruned = scored[max_pairs..].iter().map(|&(_, k)| k).collect();
        pruned.sort_unstable();
    }
    let n_models = 1usize << candidates.len();
    progress.start("model search", n_models as u64);
    use rayon::prelude::*;
    let chunk = 256;
    // Per chunk: the best (score, model code) and the number of refused models.
    type ChunkResult = Result<(Option<(f64, usize)>, usize)>;
    let results: Vec<ChunkResult> = (0..n_models.div_ceil(chunk))
        .into_par_iter()
        .map(|c| {
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let mut best: Option<(f64, usize)> = None;
            let mut refused = 0usize;
            // Largest models first: a model's submodels with the same empty pairs
            // have smaller codes, so the existence and rank caches decide them
            // from the first answer.
            for code in (c * chunk..((c + 1) * chunk).min(n_models)).rev().map(|code| n_models - 1 - code) {
                let model = model_from_code(code, &candidates);
                let design = Design::new(t, y, model);
                if !check_design(&design, y, model, cache)?.is_ok() {
                    refused += 1;
                    continue;
                }
                let fit = fit_design(&design, y, model)?;
                let score = match criterion {
                    Criterion::Aic => fit.aic(),
                    Criterion::Bic => fit.bic(),
                };
                if best.is_none_or(|(b, bc)| score < b || (score == b && code < bc)) {
                    best = Some((score, code));
                }
            }
            progress.inc((((c + 1) * chunk).min(n_models) - c * chunk) as u64);
            Ok((best, refused))
        })
        .collect();
    let mut best: Option<(f64, usize)> = None;
    let mut refused = 0;
    for r in results {
        let (chunk_best, chunk_refused) = r?;
        refused += chunk_refused;
        if let Some((score, code)) = chunk_best
            && best.is_none_or(|(b, bc)| score < b || (score == b && code < bc))
        {
            best = Some((score, code));
        }
    }
    let Some((_, code)) = best else {
        return Err(Error::NoAdmissibleModel);
    };
    let model = model_from_code(code, &candidates);
    let fit = fit_unchecked(t, y, model)?;
    Ok(Selection { fit, steps: Vec::new(), models_examined: n_models, models_refused: refused, pruned_pairs: pruned })
}

fn model_from_code(code: usize, candidates: &[usize]) -> Model {
    candidates.iter().enumerate().filter(|&(b, _)| code >> b & 1 == 1).fold(Model::MAIN_EFFECTS, |m, (_, &k)| m.with(k))
}

/// The verdicts of every model over `t` lists (at most 2^15), for reports and tests.
pub fn check_all_models(t: usize, y: &[f64], cache: &CheckCache) -> Result<Vec<(Model, Verdict)>> {
    let n_pairs = t * (t - 1) / 2;
    if n_pairs > MAX_EXHAUSTIVE_PAIRS {
        return Err(Error::TooManyModels { pairs: n_pairs, max: MAX_EXHAUSTIVE_PAIRS });
    }
    (0..1u128 << n_pairs)
        .map(|bits| {
            let model = Model::from_bits(bits);
            Ok((model, check_design(&Design::new(t, y, model), y, model, cache)?))
        })
        .collect()
}

/// One model of a survey over all models: its verdict and, when it passes the
/// checks, its estimate and criteria (for a chart of estimates across models).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// Pairwise terms, `"A:B"`.
    pub model: Vec<String>,
    /// Existence and identifiability verdict.
    pub verdict: Verdict,
    /// Estimated total, when the verdict is ok.
    pub estimate: Option<f64>,
    /// AIC (SparseMSE's), when the verdict is ok.
    pub aic: Option<f64>,
    /// BIC, when the verdict is ok.
    pub bic: Option<f64>,
}

/// Fits every pairwise model (at most `2^15`, six lists) and reports each one's
/// verdict, estimate, AIC and BIC, in model order.
pub fn survey_models(t: usize, y: &[f64], lists: &[String], cache: &CheckCache) -> Result<Vec<ModelSummary>> {
    use rayon::prelude::*;
    let verdicts = check_all_models(t, y, cache)?;
    verdicts
        .into_par_iter()
        .map(|(model, verdict)| {
            let (estimate, aic, bic) = if verdict.is_ok() {
                let fit = fit_unchecked(t, y, model)?;
                (Some(fit.estimate()), Some(fit.aic()), Some(fit.bic()))
            } else {
                (None, None, None)
            };
            Ok(ModelSummary { model: model.terms(lists), verdict, estimate, aic, bic })
        })
        .collect()
}
