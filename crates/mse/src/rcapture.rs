//! The classical closed-population models of Rcapture's `closedp.t` (Baillargeon
//! and Rivest 2007, *J. Stat. Softw.* 19(5); Rivest and Baillargeon, Rcapture
//! 1.4-4): M0, Mt and the heterogeneity models Mh and Mth with Chao's lower bound,
//! Poisson2, Darroch and Gamma3.5 forms, as Poisson log-linear fits on the
//! `2^t - 1` observable capture histories.
//!
//! What each model assumes, all for a closed population (nobody enters or leaves
//! while the lists are drawn up) and independent individuals:
//!
//! - **M0**: every list has the same chance of catching every person.
//! - **Mt**: lists differ in their chance of catching a person, but a person's
//!   chances on different lists are independent (no list dependence) and every
//!   person is as catchable as any other.
//! - **Mh**: lists are alike, but persons differ in catchability (heterogeneity).
//!   How catchability varies is not known, so the log-linear model adds a
//!   function of the number of lists a person is on: Chao's lower bound
//!   (`eta_j = max(k - j + 1, 0)`, `j = 3..t`, negative `eta`s removed one by one as
//!   Rcapture does, so the estimate is a lower bound), Poisson2 (`2^k - 1`),
//!   Darroch (`k^2 / 2`) and Gamma3.5 (`-log(3.5 + k) + log 3.5`), each the
//!   log-linear form of a mixing distribution (Rivest and Baillargeon 2007).
//! - **Mth**: both: list effects as in Mt and heterogeneity as in Mh.
//!
//! Not covered: Mb and Mbh (behavioural response, which needs an ordering of the
//! lists in time that agencies' lists do not have) and the normal heterogeneity
//! model of `closedpCI.t`.
//!
//! The abundance is `n + exp(b0)` and its standard error
//! `sqrt(exp(b0) + exp(2 b0) var(b0))` (Rcapture's `getN`); deviance, residual
//! degrees of freedom, AIC, BIC and the asymptotic bias are Rcapture's. The fits
//! follow R's `glm.fit` step by step, so they agree with Rcapture 1.4-4 to
//! rounding error (see `tests/it/rcapture.rs`).

use std::fmt::Write as _;

use nalgebra::DMatrix;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::glm::{DenseFit, fit_dense};
use crate::table::CaptureTable;

/// How persons differ in catchability in an Mh or Mth model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Heterogeneity {
    /// Chao's lower bound: one `eta_j` column per `j = 3..t`.
    Chao,
    /// Poisson mixture with `theta = 2`: column `2^k - 1`.
    Poisson2,
    /// Darroch's quadratic: column `k^2 / 2`.
    Darroch,
    /// Gamma mixture with `theta = 3.5`: column `-log(3.5 + k) + log(3.5)`.
    Gamma35,
}

/// One of `closedp.t`'s models (Mb and Mbh excepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedModel {
    /// Equal catchability everywhere.
    M0,
    /// List effects only.
    Mt,
    /// Heterogeneity only.
    Mh(Heterogeneity),
    /// List effects and heterogeneity.
    Mth(Heterogeneity),
}

impl ClosedModel {
    /// The ten models `closedp.t` fits for three lists or more, in its order.
    pub const ALL: [ClosedModel; 10] = [
        ClosedModel::M0,
        ClosedModel::Mt,
        ClosedModel::Mh(Heterogeneity::Chao),
        ClosedModel::Mh(Heterogeneity::Poisson2),
        ClosedModel::Mh(Heterogeneity::Darroch),
        ClosedModel::Mh(Heterogeneity::Gamma35),
        ClosedModel::Mth(Heterogeneity::Chao),
        ClosedModel::Mth(Heterogeneity::Poisson2),
        ClosedModel::Mth(Heterogeneity::Darroch),
        ClosedModel::Mth(Heterogeneity::Gamma35),
    ];

    /// Rcapture's row name: `M0`, `Mt`, `Mh Chao (LB)`, `Mth Poisson2`, …
    pub fn name(self) -> &'static str {
        use Heterogeneity::*;
        match self {
            ClosedModel::M0 => "M0",
            ClosedModel::Mt => "Mt",
            ClosedModel::Mh(Chao) => "Mh Chao (LB)",
            ClosedModel::Mh(Poisson2) => "Mh Poisson2",
            ClosedModel::Mh(Darroch) => "Mh Darroch",
            ClosedModel::Mh(Gamma35) => "Mh Gamma3.5",
            ClosedModel::Mth(Chao) => "Mth Chao (LB)",
            ClosedModel::Mth(Poisson2) => "Mth Poisson2",
            ClosedModel::Mth(Darroch) => "Mth Darroch",
            ClosedModel::Mth(Gamma35) => "Mth Gamma3.5",
        }
    }

    /// Parses the short names `m0`, `mt`, `mh-chao`, `mh-poisson2`, `mh-darroch`,
    /// `mh-gamma3.5`, `mth-chao`, `mth-poisson2`, `mth-darroch`, `mth-gamma3.5`.
    pub fn parse(name: &str) -> Result<Self> {
        ClosedModel::ALL.into_iter().find(|m| m.short_name() == name).ok_or_else(|| Error::BadOption {
            what: format!(
                "unknown Rcapture model `{name}` ({})",
                ClosedModel::ALL.map(ClosedModel::short_name).join(", ")
            ),
        })
    }

    /// The short name [`ClosedModel::parse`] reads.
    pub fn short_name(self) -> &'static str {
        use Heterogeneity::*;
        match self {
            ClosedModel::M0 => "m0",
            ClosedModel::Mt => "mt",
            ClosedModel::Mh(Chao) => "mh-chao",
            ClosedModel::Mh(Poisson2) => "mh-poisson2",
            ClosedModel::Mh(Darroch) => "mh-darroch",
            ClosedModel::Mh(Gamma35) => "mh-gamma3.5",
            ClosedModel::Mth(Chao) => "mth-chao",
            ClosedModel::Mth(Poisson2) => "mth-poisson2",
            ClosedModel::Mth(Darroch) => "mth-darroch",
            ClosedModel::Mth(Gamma35) => "mth-gamma3.5",
        }
    }
}

/// Options of [`closedp`] and [`fit_closed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedpOptions {
    /// Remove negative `eta` parameters of Chao's models one at a time and refit
    /// (Rcapture's `neg = TRUE`, the default).
    pub remove_negative_eta: bool,
}

impl Default for ClosedpOptions {
    fn default() -> Self {
        Self { remove_negative_eta: true }
    }
}

/// One fitted model, with Rcapture's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosedFit {
    /// Rcapture's name of the model.
    pub model: &'static str,
    /// Estimated population size `n + exp(b0)`.
    pub abundance: f64,
    /// Its standard error.
    pub stderr: f64,
    /// Poisson deviance over the `2^t - 1` observable histories.
    pub deviance: f64,
    /// Residual degrees of freedom.
    pub df: i64,
    /// `-2 logL + 2 p`.
    pub aic: f64,
    /// `-2 logL + log(n) p`.
    pub bic: f64,
    /// Asymptotic bias of the abundance (Rcapture's `bias`).
    pub asymptotic_bias: f64,
    /// Chao's `eta` columns removed because their estimate was negative.
    pub removed_eta: Vec<String>,
    /// IRLS iterations of the last fit.
    pub iterations: usize,
    /// Whether the last fit met R's convergence criterion.
    pub converged: bool,
    /// Rcapture's warnings: a bias larger than a tenth of the abundance, no convergence.
    pub warnings: Vec<String>,
}

/// A model that could not be fitted, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosedFailure {
    /// Rcapture's name of the model.
    pub model: &'static str,
    /// Why.
    pub reason: String,
}

/// All of `closedp.t`'s models on one table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosedpReport {
    /// List names.
    pub lists: Vec<String>,
    /// Observed cases.
    pub observed: u64,
    /// The fitted models, in Rcapture's order.
    pub fits: Vec<ClosedFit>,
    /// Models that could not be fitted.
    pub failures: Vec<ClosedFailure>,
}

impl ClosedpReport {
    /// The table for people, as Rcapture prints it.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ =
            writeln!(s, "Rcapture's closed-population models ({} lists: {})", self.lists.len(), self.lists.join(", "));
        let _ = writeln!(s, "  observed cases     {}", self.observed);
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "  {:<16} {:>12} {:>10} {:>10} {:>5} {:>10} {:>10}",
            "model", "abundance", "stderr", "deviance", "df", "AIC", "BIC"
        );
        for f in &self.fits {
            let _ = writeln!(
                s,
                "  {:<16} {:>12.1} {:>10.1} {:>10.3} {:>5} {:>10.3} {:>10.3}{}",
                f.model,
                f.abundance,
                f.stderr,
                f.deviance,
                f.df,
                f.aic,
                f.bic,
                if f.warnings.is_empty() { String::new() } else { format!("  ({})", f.warnings.join("; ")) }
            );
        }
        for failure in &self.failures {
            let _ = writeln!(s, "  {:<16} not fitted: {}", failure.model, failure.reason);
        }
        s
    }
}

/// Fits every model of `closedp.t` (Mb and Mbh excepted) to `table`. A model
/// that cannot be fitted is listed in `failures`; only a table of fewer than three
/// lists is an error, since the heterogeneity models need three.
pub fn closedp(table: &CaptureTable, options: &ClosedpOptions) -> Result<ClosedpReport> {
    if table.n_lists() < 3 {
        return Err(Error::BadOption { what: "Rcapture's models need at least 3 lists".into() });
    }
    let mut fits = Vec::new();
    let mut failures = Vec::new();
    for model in ClosedModel::ALL {
        match fit_closed(table, model, options) {
            Ok(fit) => fits.push(fit),
            Err(e) => failures.push(ClosedFailure { model: model.name(), reason: e.to_string() }),
        }
    }
    Ok(ClosedpReport { lists: table.lists().to_vec(), observed: table.n_observed(), fits, failures })
}

/// Fits one model of `closedp.t` to `table` (at least two lists for M0 and Mt,
/// three for the others).
pub fn fit_closed(table: &CaptureTable, model: ClosedModel, options: &ClosedpOptions) -> Result<ClosedFit> {
    let t = table.n_lists();
    if t < 3 && !matches!(model, ClosedModel::M0 | ClosedModel::Mt) {
        return Err(Error::BadOption { what: format!("{} needs at least 3 lists", model.name()) });
    }
    let by_history = table.history_counts();
    // Rcapture's order of histories (`histpos.t`): the first list is the most
    // significant digit, from all ones down. Only the order of sums depends on it.
    let histories: Vec<u32> = (1..(1u32 << t))
        .rev()
        .map(|r| (0..t).filter(|&i| r >> (t - 1 - i) & 1 == 1).fold(0u32, |h, i| h | 1 << i))
        .collect();
    let y: Vec<f64> = histories.iter().map(|&h| by_history[h as usize]).collect();
    let n: f64 = y.iter().sum();
    let (mut columns, mut names) = design_columns(t, &histories, model);
    let mut removed_eta = Vec::new();
    let mut warnings = Vec::new();
    let mut fit = fit_columns(&columns, &y)?;
    let is_chao = matches!(model, ClosedModel::Mh(Heterogeneity::Chao) | ClosedModel::Mth(Heterogeneity::Chao));
    if is_chao && options.remove_negative_eta {
        // Rcapture's `Chao.neg`: drop the first negative eta, refit, until none is
        // negative (or a refit fails, which leaves the last good fit).
        while let Some(pos) = (0..names.len()).find(|&c| names[c].starts_with("eta") && fit.beta[c] < 0.0) {
            let mut trial_cols = columns.clone();
            trial_cols.remove(pos);
            match fit_columns(&trial_cols, &y) {
                Ok(next) => {
                    removed_eta.push(names.remove(pos));
                    columns = trial_cols;
                    fit = next;
                }
                Err(e) => {
                    warnings.push(format!("the negative eta parameter {} was not removed: {e}", names[pos]));
                    break;
                }
            }
        }
    }
    let p = columns.len();
    let b0 = fit.beta[0];
    let var0 = fit.covariance[(0, 0)];
    let abundance = n + b0.exp();
    let stderr = (b0.exp() + (2.0 * b0).exp() * var0).sqrt();
    let aic = -2.0 * fit.log_likelihood + 2.0 * p as f64;
    let bic = aic + (n.ln() - 2.0) * p as f64;
    let asymptotic_bias = asymptotic_bias(&columns, &fit);
    if !fit.converged {
        warnings.push("glm.fit: algorithm did not converge".into());
    }
    if asymptotic_bias.abs() > 0.1 * abundance {
        warnings.push("the asymptotic bias is large".into());
    }
    Ok(ClosedFit {
        model: model.name(),
        abundance,
        stderr,
        deviance: fit.deviance,
        df: y.len() as i64 - p as i64,
        aic,
        bic,
        asymptotic_bias,
        removed_eta,
        iterations: fit.iterations,
        converged: fit.converged,
        warnings,
    })
}

/// The design's columns (intercept first) and their names.
fn design_columns(t: usize, histories: &[u32], model: ClosedModel) -> (Vec<Vec<f64>>, Vec<String>) {
    let k: Vec<f64> = histories.iter().map(|h| f64::from(h.count_ones())).collect();
    let mut columns = vec![vec![1.0; histories.len()]];
    let mut names = vec!["(Intercept)".to_owned()];
    let heterogeneity = match model {
        ClosedModel::M0 | ClosedModel::Mh(_) => {
            columns.push(k.clone());
            names.push("beta".into());
            match model {
                ClosedModel::Mh(h) => Some(h),
                _ => None,
            }
        }
        ClosedModel::Mt | ClosedModel::Mth(_) => {
            for i in 0..t {
                columns.push(histories.iter().map(|&h| f64::from(h >> i & 1)).collect());
                names.push(format!("beta{}", i + 1));
            }
            match model {
                ClosedModel::Mth(h) => Some(h),
                _ => None,
            }
        }
    };
    match heterogeneity {
        None => {}
        Some(Heterogeneity::Chao) => {
            for j in 3..=t {
                columns.push(k.iter().map(|&c| (c - j as f64 + 1.0).max(0.0)).collect());
                names.push(format!("eta{j}"));
            }
        }
        Some(h) => {
            let f = |c: f64| match h {
                Heterogeneity::Poisson2 => 2f64.powf(c) - 1.0,
                Heterogeneity::Darroch => c * c / 2.0,
                _ => -(3.5 + c).ln() + 3.5f64.ln(),
            };
            columns.push(k.iter().map(|&c| f(c)).collect());
            names.push("tau".into());
        }
    }
    (columns, names)
}

fn fit_columns(columns: &[Vec<f64>], y: &[f64]) -> Result<DenseFit> {
    let x = DMatrix::from_fn(y.len(), columns.len(), |r, c| columns[c][r]);
    fit_dense(&x, y)
}

/// Rcapture's asymptotic bias of `exp(b0)`: with `V` the inverse Fisher
/// information, `xi_i = -x_i' V x_i / 2`, `psi = -2 X' diag(mu) xi - e_1`, the
/// bias is `exp(b0) (-V psi)_1 / 2`.
#[allow(clippy::needless_range_loop)] // rows of a column-stored design
fn asymptotic_bias(columns: &[Vec<f64>], fit: &DenseFit) -> f64 {
    let p = columns.len();
    let n = fit.mu.len();
    let v = &fit.covariance;
    let mut psi = vec![0.0; p];
    for r in 0..n {
        let mut quad = 0.0;
        for a in 0..p {
            for b in 0..p {
                quad += columns[a][r] * v[(a, b)] * columns[b][r];
            }
        }
        let xi = -0.5 * quad;
        for (a, psi_a) in psi.iter_mut().enumerate() {
            *psi_a += -2.0 * columns[a][r] * fit.mu[r] * xi;
        }
    }
    psi[0] -= 1.0;
    let vec1_0: f64 = -(0..p).map(|b| v[(0, b)] * psi[b]).sum::<f64>();
    0.5 * fit.beta[0].exp() * vec1_0
}
