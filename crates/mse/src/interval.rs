//! Confidence intervals for the total population: model-conditional (Wald on the
//! log dark figure), profile likelihood, and the BCa bootstrap with model
//! re-selection in every replicate.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;
use statrs::function::gamma::ln_gamma;

use crate::Progress;
use crate::dist::{pnorm, qnorm, quantile_type8};
use crate::error::{Error, Result};
use crate::glm::{Design, Fit, irls};

/// Model-conditional interval, SparseMSE's `estimatepopulation.0`: the log dark
/// figure `b0` is taken as normal with the standard error of the fit, and the
/// quantiles of `exp(b0)` are added to the observed total. It ignores the
/// uncertainty of model selection.
pub fn conditional_interval(fit: &Fit, level: f64) -> [f64; 2] {
    let z = qnorm(0.5 + level / 2.0);
    let b0 = fit.coefficients[0];
    let sd = fit.intercept_sd;
    [fit.n_observed + (b0 - z * sd).exp(), fit.n_observed + (b0 + z * sd).exp()]
}

/// Profile-likelihood interval for the total `N` under the fitted model
/// (Cormack 1992, Biometrics 48, 567–576; as Rcapture's `closedpCI.t`).
///
/// The multinomial log-likelihood of the complete table, with the dark cell
/// `N - n` added to the histories and the model refitted, is
/// `log N! - log (N - n)! + sum_h y_h log(mu_h / N)`; the interval is the set of
/// `N >= n` where it is within `qchisq(level, 1) / 2` of its maximum. `N` is
/// treated as continuous (log-gamma). Returns `None` for the upper limit when the
/// likelihood does not fall below the cut within `n + 1e12`.
pub fn profile_interval(t: usize, y: &[f64], fit: &Fit, level: f64) -> Result<(f64, [f64; 2], bool)> {
    let design = Design::new(t, y, fit.model).with_dark_cell();
    let mut ys: Vec<f64> = design.cells.iter().map(|&h| y[h as usize]).collect();
    let n = fit.n_observed;
    let dark_idx = ys.len() - 1;
    let mut loglik = |u: f64| -> Result<f64> {
        let d = u.exp() - 1.0;
        ys[dark_idx] = d;
        let out = irls(&design, &ys, Some(1e-13))?;
        let big_n = n + d;
        let mut l = ln_gamma(big_n + 1.0) - ln_gamma(d + 1.0);
        for (&yi, &mi) in ys.iter().zip(&out.mu) {
            if yi > 0.0 {
                l += yi * (mi / big_n).ln();
            }
        }
        Ok(l)
    };
    // Work on u = log(N - n + 1), where the profile is close to quadratic.
    let u_hat0 = (fit.dark_figure() + 1.0).ln();
    let (mut a, mut b) = (0.0f64, u_hat0 * 2.0 + 2.0);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (loglik(c)?, loglik(d)?);
    for _ in 0..80 {
        if fc > fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = loglik(c)?;
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = loglik(d)?;
        }
    }
    let u_hat = (a + b) / 2.0;
    let l_max = loglik(u_hat)?;
    let z = qnorm(0.5 + level / 2.0);
    let cut = l_max - z * z / 2.0;
    let lower = if loglik(0.0)? >= cut { 0.0 } else { bisect(&mut loglik, 0.0, u_hat, cut)? };
    let mut hi = u_hat + 1.0;
    let mut bounded = true;
    while loglik(hi)? >= cut {
        hi += 1.0;
        if hi > 1e12f64.ln() {
            bounded = false;
            break;
        }
    }
    let upper = if bounded { bisect(&mut loglik, u_hat, hi, cut)? } else { hi };
    let to_n = |u: f64| n + u.exp() - 1.0;
    Ok((to_n(u_hat), [to_n(lower), to_n(upper)], bounded))
}

/// Root of `f(u) = cut` in `[lo, hi]`, `f(lo)` and `f(hi)` on opposite sides.
fn bisect(f: &mut impl FnMut(f64) -> Result<f64>, mut lo: f64, mut hi: f64, cut: f64) -> Result<f64> {
    let lo_above = f(lo)? >= cut;
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if (f(mid)? >= cut) == lo_above {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    Ok((lo + hi) / 2.0)
}

/// The bootstrap distribution and what BCa needs from it.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// Estimates of the replicates that produced one, in replicate order; `+∞` where the
    /// replicate's model has no finite estimate (its lists share too few cases).
    pub replicates: Vec<f64>,
    /// Replicates whose selection or fit failed (left out).
    pub failures: usize,
    /// Replicates without a finite estimate (the `+∞` among `replicates`).
    pub unbounded: usize,
    /// Delete-one-case jackknife samples without a finite estimate: leaving out a single case
    /// already lets the estimate grow without bound.
    pub jackknife_unbounded: usize,
    /// Jackknife acceleration `a` (0 when a jackknife sample is unbounded).
    pub acceleration: f64,
}

/// Draws a multinomial sample of `n` cases over cells with probabilities
/// proportional to `weights`, by conditional binomials (as R's `rmultinom`).
fn multinomial(rng: &mut ChaCha8Rng, n: u64, weights: &[u64]) -> Vec<u64> {
    let mut left_n = n;
    let mut left_w: f64 = weights.iter().map(|&w| w as f64).sum();
    let mut out = vec![0u64; weights.len()];
    for (slot, &w) in out.iter_mut().zip(weights) {
        if left_n == 0 || left_w <= 0.0 {
            break;
        }
        let p = (w as f64 / left_w).clamp(0.0, 1.0);
        let draw = if p >= 1.0 { left_n } else { Binomial::new(left_n, p).map(|b| b.sample(rng)).unwrap_or(0) };
        *slot = draw;
        left_n -= draw;
        left_w -= w as f64;
    }
    out
}

/// The RNG of replicate `b`: the seed names the ChaCha key, the replicate index
/// its stream, so results do not depend on threads or scheduling.
pub fn replicate_rng(seed: u64, b: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(b);
    rng
}

/// Nonparametric bootstrap of SparseMSE's `estimatepopulation`: each replicate
/// draws the observed cases anew over the table's rows (multinomial with the
/// observed proportions), re-runs `select` and records its estimate; the
/// acceleration comes from the delete-one-case jackknife over rows (Efron and
/// Tibshirani 1993, ch. 14), each row weighted by its count. `estimate_of` answers
/// `+∞` for a sample whose model has no finite estimate: such a replicate is kept,
/// at the top of the distribution, rather than dropped (which would pull the upper
/// limit down exactly when the data cannot bound it).
pub fn bootstrap(
    row_counts: &[u64],
    nboot: usize,
    seed: u64,
    estimate_of: &(dyn Fn(&[u64]) -> Result<f64> + Sync),
    progress: &dyn Progress,
) -> Result<Bootstrap> {
    let n_obs: u64 = row_counts.iter().sum();
    progress.start("bootstrap", (nboot + row_counts.len()) as u64);
    let boot: Vec<Option<f64>> = (0..nboot)
        .into_par_iter()
        .map(|b| {
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let mut rng = replicate_rng(seed, b as u64);
            let counts = multinomial(&mut rng, n_obs, row_counts);
            let est = estimate_of(&counts).ok().filter(|e| !e.is_nan() && *e >= 0.0);
            progress.inc(1);
            Ok(est)
        })
        .collect::<Result<_>>()?;
    let failures = boot.iter().filter(|e| e.is_none()).count();
    let replicates: Vec<f64> = boot.into_iter().flatten().collect();
    let unbounded = replicates.iter().filter(|e| e.is_infinite()).count();
    let jack: Vec<f64> = (0..row_counts.len())
        .into_par_iter()
        .map(|j| {
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let out = if row_counts[j] > 0 {
                let mut counts = row_counts.to_vec();
                counts[j] -= 1;
                estimate_of(&counts)?
            } else {
                0.0
            };
            progress.inc(1);
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let jackknife_unbounded = jack.iter().filter(|e| !e.is_finite()).count();
    if jackknife_unbounded > 0 {
        return Ok(Bootstrap { replicates, failures, unbounded, jackknife_unbounded, acceleration: 0.0 });
    }
    let w: Vec<f64> = row_counts.iter().map(|&c| c as f64).collect();
    let w_sum: f64 = w.iter().sum();
    let mean = w.iter().zip(&jack).map(|(a, b)| a * b).sum::<f64>() / w_sum;
    let (mut s2, mut s3) = (0.0, 0.0);
    for (&wi, &ji) in w.iter().zip(&jack) {
        let r = mean - ji;
        s2 += wi * r * r;
        s3 += wi * r * r * r;
    }
    let acceleration = if s2 > 0.0 { s3 / (6.0 * s2.powf(1.5)) } else { 0.0 };
    Ok(Bootstrap { replicates, failures, unbounded, jackknife_unbounded, acceleration })
}

/// SparseMSE's default BCa levels.
pub const SPARSEMSE_ALPHAS: [f64; 8] = [0.025, 0.05, 0.1, 0.16, 0.84, 0.9, 0.95, 0.975];

/// BCa quantiles (Efron 1987), SparseMSE's `bcaconfvalues`: bias correction
/// `z0 = qnorm(mean(replicates < estimate))`, acceleration `a`, and the
/// replicates' type-8 quantiles at `pnorm(z0 + (z0 + z_alpha) / (1 - a (z0 + z_alpha)))`.
/// Returns `(z0, quantiles)`; NaN quantiles when `z0` is infinite.
pub fn bca_quantiles(replicates: &[f64], estimate: f64, acceleration: f64, alphas: &[f64]) -> (f64, Vec<f64>) {
    let mut sorted = replicates.to_vec();
    sorted.sort_by(f64::total_cmp);
    let below = replicates.iter().filter(|&&r| r < estimate).count() as f64;
    let z0 = qnorm(below / replicates.len() as f64);
    let q = alphas
        .iter()
        .map(|&alpha| {
            let za0 = qnorm(alpha) + z0;
            let zq = pnorm(z0 + za0 / (1.0 - acceleration * za0));
            quantile_type8(&sorted, zq)
        })
        .collect();
    (z0, q)
}
