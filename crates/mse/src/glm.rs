//! Poisson log-linear fits over the observable capture histories, by iteratively
//! reweighted least squares (IRLS) exactly as R's `glm.fit` runs it.
//!
//! Method: the counts `y_h` of the `2^t - 1` observable histories are independent
//! Poisson with `log mu_h = b0 + sum_i b_i h_i + sum_{(i,j) in model} b_ij h_i h_j`.
//! The dark figure is `exp(b0)` (Fienberg 1972; Cormack 1989).
//!
//! A pair of lists with no case in common whose term is in the model is handled
//! as SparseMSE 2.0.1's `buildmodel`/`modelfit` do (Chan, Silverman and Vincent
//! 2019, JASA 2021): its parameter is taken as minus infinity, so every history
//! containing both lists is removed from the fit, and the AIC is charged 2 for it.
//!
//! We follow `glm.fit` step by step (start `mu = y + 0.1`, convergence when the
//! relative change of deviance is below `1e-8`, at most 25 iterations, variance
//! of the intercept from the weights of the last iteration) so that the estimate
//! agrees with SparseMSE to rounding error even when a fit stops short of the
//! limit on sparse data. The weighted least-squares step solves the normal
//! equations by Cholesky (nalgebra) instead of R's pivoted QR; the two agree to
//! rounding on the full-rank designs that pass [`crate::check`].

use nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};
use crate::model::{Model, all_pairs};

/// R's `glm.control()` defaults.
const EPSILON: f64 = 1e-8;
const MAX_ITER: usize = 25;

/// A model's design over the histories that remain in the fit.
#[derive(Debug, Clone)]
pub(crate) struct Design {
    /// Histories in the fit (those containing an empty in-model pair are removed).
    pub cells: Vec<u32>,
    /// For each cell, the columns where the design has a 1 (flattened, see `offsets`).
    pub active: Vec<u16>,
    /// `active[offsets[c]..offsets[c + 1]]` are cell `c`'s columns.
    pub offsets: Vec<usize>,
    /// Number of columns: intercept, `t` main effects, fitted pairs.
    pub n_cols: usize,
    /// Pairs of the model with a non-empty overlap (they get a column).
    pub fitted_pairs: Vec<usize>,
    /// Pairs of the model with an empty overlap (their cells are removed).
    pub empty_pairs: Vec<usize>,
}

impl Design {
    /// Builds the design of `model` for the counts `y` (indexed by history).
    pub fn new(t: usize, y: &[f64], model: Model) -> Self {
        let pairs = all_pairs(t);
        let mut fitted_pairs = Vec::new();
        let mut empty_pairs = Vec::new();
        let mut removed_masks = Vec::new();
        for k in model.pair_indices() {
            let (i, j) = pairs[k];
            let mask = (1u32 << i) | (1u32 << j);
            if overlap(y, mask) == 0.0 {
                empty_pairs.push(k);
                removed_masks.push(mask);
            } else {
                fitted_pairs.push(k);
            }
        }
        // SparseMSE orders histories by their number of lists; only the order of
        // floating-point sums depends on it.
        let mut cells: Vec<u32> = (1..(1u32 << t)).filter(|&h| removed_masks.iter().all(|&m| h & m != m)).collect();
        cells.sort_by_key(|&h| (h.count_ones(), h));
        let n_cols = 1 + t + fitted_pairs.len();
        let mut active = Vec::with_capacity(cells.len() * 4);
        let mut offsets = Vec::with_capacity(cells.len() + 1);
        offsets.push(0);
        for &h in &cells {
            active.push(0u16);
            for i in 0..t {
                if h >> i & 1 == 1 {
                    active.push((1 + i) as u16);
                }
            }
            for (col, &k) in fitted_pairs.iter().enumerate() {
                let (i, j) = pairs[k];
                if h >> i & 1 == 1 && h >> j & 1 == 1 {
                    active.push((1 + t + col) as u16);
                }
            }
            offsets.push(active.len());
        }
        Self { cells, active, offsets, n_cols, fitted_pairs, empty_pairs }
    }

    /// The same design with the unobservable all-zero history appended as the
    /// last cell (only the intercept is 1 there), for the profile likelihood.
    pub fn with_dark_cell(&self) -> Self {
        let mut d = self.clone();
        d.cells.push(0);
        d.active.push(0);
        d.offsets.push(d.active.len());
        d
    }

    /// Columns with a 1 in cell `c`.
    pub fn cols(&self, c: usize) -> &[u16] {
        &self.active[self.offsets[c]..self.offsets[c + 1]]
    }

    /// The dense design matrix (cells by columns).
    pub fn dense(&self) -> DMatrix<f64> {
        let mut x = DMatrix::zeros(self.cells.len(), self.n_cols);
        for c in 0..self.cells.len() {
            for &a in self.cols(c) {
                x[(c, a as usize)] = 1.0;
            }
        }
        x
    }
}

/// Number of cases on every list of `mask` (whatever their other lists).
pub(crate) fn overlap(y: &[f64], mask: u32) -> f64 {
    y.iter().enumerate().filter(|&(h, _)| h as u32 & mask == mask).map(|(_, &v)| v).sum()
}

/// A fitted Poisson log-linear model.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The model as asked for (empty pairs included).
    pub model: Model,
    /// Pairs of the model fitted as ordinary parameters.
    pub fitted_pairs: Vec<usize>,
    /// Pairs of the model with no case in common (parameter minus infinity).
    pub empty_pairs: Vec<usize>,
    /// Coefficients: intercept, main effects, fitted pairs.
    pub coefficients: Vec<f64>,
    /// Standard error of the intercept, the log dark figure (`summary.glm`'s
    /// `cov.unscaled[1, 1]`, square-rooted).
    pub intercept_sd: f64,
    /// Poisson deviance.
    pub deviance: f64,
    /// Poisson log-likelihood (with the `-log y!` terms, as R's `logLik`).
    pub log_likelihood: f64,
    /// Number of fitted parameters.
    pub n_params: usize,
    /// IRLS iterations.
    pub iterations: usize,
    /// Whether the deviance criterion was met within 25 iterations.
    pub converged: bool,
    /// Histories in the fit.
    pub cells: Vec<u32>,
    /// Fitted means of those histories.
    pub fitted: Vec<f64>,
    /// Observed cases (sum of counts over the fitted histories, which is all of them).
    pub n_observed: f64,
}

impl Fit {
    /// Estimated dark figure `exp(b0)`.
    pub fn dark_figure(&self) -> f64 {
        self.coefficients[0].exp()
    }

    /// Estimated total population, observed plus dark figure (SparseMSE's point estimate).
    pub fn estimate(&self) -> f64 {
        self.n_observed + self.dark_figure()
    }

    /// AIC as SparseMSE's `modelfit` reports it: R's Poisson AIC plus 2 for each empty pair.
    pub fn aic(&self) -> f64 {
        -2.0 * self.log_likelihood + 2.0 * (self.n_params + self.empty_pairs.len()) as f64
    }

    /// BIC with the same counting of empty pairs: `-2 logL + log(n) * (parameters + empty pairs)`,
    /// `n` the number of observed cases.
    pub fn bic(&self) -> f64 {
        -2.0 * self.log_likelihood + self.n_observed.ln() * (self.n_params + self.empty_pairs.len()) as f64
    }
}

/// Fits `model` to the counts `y` (indexed by history, length `2^t`).
pub fn fit_model(t: usize, y: &[f64], model: Model) -> Result<Fit> {
    let design = Design::new(t, y, model);
    fit_design(&design, y, model)
}

pub(crate) fn fit_design(design: &Design, y_by_history: &[f64], model: Model) -> Result<Fit> {
    let y: Vec<f64> = design.cells.iter().map(|&h| y_by_history[h as usize]).collect();
    let out = irls(design, &y, None)?;
    let log_likelihood = y.iter().zip(&out.mu).map(|(&yi, &mi)| poisson_log_density(yi, mi)).sum();
    Ok(Fit {
        model,
        fitted_pairs: design.fitted_pairs.clone(),
        empty_pairs: design.empty_pairs.clone(),
        coefficients: out.beta,
        intercept_sd: out.intercept_var.sqrt(),
        deviance: out.deviance,
        log_likelihood,
        n_params: design.n_cols,
        iterations: out.iterations,
        converged: out.converged,
        cells: design.cells.clone(),
        fitted: out.mu,
        n_observed: y.iter().sum(),
    })
}

pub(crate) struct IrlsOut {
    pub beta: Vec<f64>,
    pub mu: Vec<f64>,
    pub deviance: f64,
    pub intercept_var: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// `log dpois(y; mu)`, with `lgamma` from statrs.
pub(crate) fn poisson_log_density(y: f64, mu: f64) -> f64 {
    if y == 0.0 { -mu } else { y * mu.ln() - mu - statrs::function::gamma::ln_gamma(y + 1.0) }
}

fn deviance(y: &[f64], mu: &[f64]) -> f64 {
    2.0 * y.iter().zip(mu).map(|(&yi, &mi)| if yi > 0.0 { yi * (yi / mi).ln() - (yi - mi) } else { mi }).sum::<f64>()
}

/// IRLS for the Poisson log link over the design's cells, `y` given per cell.
/// `tol_override` replaces R's convergence epsilon (the profile likelihood
/// wants tighter fits than `glm`'s default).
pub(crate) fn irls(design: &Design, y: &[f64], tol_override: Option<f64>) -> Result<IrlsOut> {
    let p = design.n_cols;
    let n = y.len();
    let epsilon = tol_override.unwrap_or(EPSILON);
    let eps_mu = f64::EPSILON;
    // glm.fit's start for the Poisson family: mustart = y + 0.1,
    // eta = log(mustart), mu = linkinv(eta).
    let mut eta: Vec<f64> = y.iter().map(|&v| (v + 0.1).ln()).collect();
    let mut mu: Vec<f64> = eta.iter().map(|e| e.exp().max(eps_mu)).collect();
    let mut dev_old = deviance(y, &mu);
    let mut beta = vec![0.0; p];
    let mut beta_old: Option<Vec<f64>> = None;
    let mut gram = DMatrix::<f64>::zeros(p, p);
    let mut rhs = DVector::<f64>::zeros(p);
    let mut chol_last = None;
    let mut converged = false;
    let mut iterations = 0;
    let mut dev = dev_old;
    for iter in 1..=MAX_ITER {
        iterations = iter;
        gram.fill(0.0);
        rhs.fill(0.0);
        for c in 0..n {
            // For the log link mu.eta(eta) = max(exp(eta), eps) is mu itself, so
            // the working response is eta + (y - mu) / mu and the working weight
            // w^2 = mu.eta^2 / variance(mu) is mu.
            let z = eta[c] + (y[c] - mu[c]) / mu[c];
            let w = mu[c];
            let cols = design.cols(c);
            for (ai, &a) in cols.iter().enumerate() {
                let a = a as usize;
                rhs[a] += w * z;
                for &b in &cols[..=ai] {
                    gram[(a, b as usize)] += w;
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                gram[(b, a)] = gram[(a, b)];
            }
        }
        let chol = nalgebra::Cholesky::new(gram.clone())
            .ok_or_else(|| Error::Fit { reason: "weighted design is singular".into() })?;
        let new_beta = chol.solve(&rhs);
        chol_last = Some(chol);
        let mut start: Vec<f64> = new_beta.iter().copied().collect();
        let mut k = 0;
        loop {
            for c in 0..n {
                eta[c] = design.cols(c).iter().map(|&a| start[a as usize]).sum();
                mu[c] = eta[c].exp().max(eps_mu);
            }
            dev = deviance(y, &mu);
            if dev.is_finite() {
                break;
            }
            // glm.fit halves the step towards the previous coefficients when the
            // deviance is not finite.
            let Some(old) = &beta_old else {
                return Err(Error::Fit { reason: "non-finite deviance at the first step".into() });
            };
            k += 1;
            if k > MAX_ITER {
                return Err(Error::Fit { reason: "could not reduce the step to a finite deviance".into() });
            }
            for (s, o) in start.iter_mut().zip(old) {
                *s = (*s + o) / 2.0;
            }
        }
        beta = start;
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < epsilon {
            converged = true;
            break;
        }
        dev_old = dev;
        beta_old = Some(beta.clone());
    }
    let intercept_var = match chol_last {
        Some(chol) => {
            let mut e0 = DVector::<f64>::zeros(p);
            e0[0] = 1.0;
            chol.solve(&e0)[0]
        }
        None => f64::NAN,
    };
    Ok(IrlsOut { beta, mu, deviance: dev, intercept_var, iterations, converged })
}

/// A Poisson log-linear fit over a dense design, as R's `glm(y ~ 0 + X, family = poisson)`.
#[derive(Debug, Clone)]
pub(crate) struct DenseFit {
    /// Coefficients, in the design's column order.
    pub beta: Vec<f64>,
    /// Fitted means.
    pub mu: Vec<f64>,
    /// Poisson deviance.
    pub deviance: f64,
    /// Poisson log-likelihood with the `-log y!` terms (R's `logLik`).
    pub log_likelihood: f64,
    /// Unscaled covariance of the coefficients (`summary.glm`'s `cov.unscaled`),
    /// from the weights of the last iteration as R computes it.
    pub covariance: DMatrix<f64>,
    /// IRLS iterations.
    pub iterations: usize,
    /// Whether the deviance criterion was met within 25 iterations.
    pub converged: bool,
}

/// Fits the Poisson log-linear model `log mu = X beta` to `y` by IRLS, step for
/// step as R's `glm.fit` (start `mu = y + 0.1`, relative deviance change below
/// `1e-8`, at most 25 iterations, step halving on a non-finite deviance). The
/// design may hold any real values (Rcapture's heterogeneity columns); it must
/// have full column rank, else [`Error::Fit`].
pub(crate) fn fit_dense(x: &DMatrix<f64>, y: &[f64]) -> Result<DenseFit> {
    let (n, p) = x.shape();
    if n != y.len() || p == 0 {
        return Err(Error::Fit { reason: format!("design of {n} rows and {p} columns for {} counts", y.len()) });
    }
    let eps_mu = f64::EPSILON;
    let mut eta: Vec<f64> = y.iter().map(|&v| (v + 0.1).ln()).collect();
    let mut mu: Vec<f64> = eta.iter().map(|e| e.exp().max(eps_mu)).collect();
    let mut dev_old = deviance(y, &mu);
    let mut beta = vec![0.0; p];
    let mut beta_old: Option<Vec<f64>> = None;
    let mut chol_last = None;
    let mut converged = false;
    let mut iterations = 0;
    let mut dev = dev_old;
    for iter in 1..=MAX_ITER {
        iterations = iter;
        let mut gram = DMatrix::<f64>::zeros(p, p);
        let mut rhs = DVector::<f64>::zeros(p);
        for c in 0..n {
            let z = eta[c] + (y[c] - mu[c]) / mu[c];
            let w = mu[c];
            for a in 0..p {
                let xa = x[(c, a)];
                if xa == 0.0 {
                    continue;
                }
                rhs[a] += w * xa * z;
                for b in 0..=a {
                    gram[(a, b)] += w * xa * x[(c, b)];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                gram[(b, a)] = gram[(a, b)];
            }
        }
        let chol = nalgebra::Cholesky::new(gram).ok_or_else(|| Error::Fit {
            reason: "design not of full rank (weighted normal equations singular)".into(),
        })?;
        let new_beta = chol.solve(&rhs);
        chol_last = Some(chol);
        let mut start: Vec<f64> = new_beta.iter().copied().collect();
        let mut k = 0;
        loop {
            for c in 0..n {
                eta[c] = (0..p).map(|a| x[(c, a)] * start[a]).sum();
                mu[c] = eta[c].exp().max(eps_mu);
            }
            dev = deviance(y, &mu);
            if dev.is_finite() {
                break;
            }
            let Some(old) = &beta_old else {
                return Err(Error::Fit { reason: "non-finite deviance at the first step".into() });
            };
            k += 1;
            if k > MAX_ITER {
                return Err(Error::Fit { reason: "could not reduce the step to a finite deviance".into() });
            }
            for (s, o) in start.iter_mut().zip(old) {
                *s = (*s + o) / 2.0;
            }
        }
        beta = start;
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < EPSILON {
            converged = true;
            break;
        }
        dev_old = dev;
        beta_old = Some(beta.clone());
    }
    let covariance = match chol_last {
        Some(chol) => chol.inverse(),
        None => DMatrix::from_element(p, p, f64::NAN),
    };
    let log_likelihood = y.iter().zip(&mu).map(|(&yi, &mi)| poisson_log_density(yi, mi)).sum();
    Ok(DenseFit { beta, mu, deviance: dev, log_likelihood, covariance, iterations, converged })
}
