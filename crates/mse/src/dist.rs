//! The few distribution functions the engine needs: Poisson tail probabilities
//! (the stepwise p-values), the normal distribution and R's type-8 quantile.

use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::ln_gamma;

/// Standard normal distribution function (R's `pnorm`).
pub fn pnorm(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard normal quantile (R's `qnorm`); `±inf` at 0 and 1.
pub fn qnorm(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
}

/// `log P(X = n)` for `X ~ Poisson(lambda)`, `lambda > 0`.
fn log_pmf(n: f64, lambda: f64) -> f64 {
    -lambda + n * lambda.ln() - ln_gamma(n + 1.0)
}

/// `sum_{k <= n} P(X = k) / P(X = n)`, summed downwards; use only when `n < lambda`
/// or `n` small, where the terms shrink fast.
fn rel_sum_down(n: f64, lambda: f64) -> f64 {
    let (mut term, mut sum, mut k) = (1.0, 1.0, n);
    while k > 0.0 {
        term *= k / lambda;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
        k -= 1.0;
    }
    sum
}

/// `sum_{k >= n} P(X = k) / P(X = n)`, summed upwards; use when `n > lambda`.
fn rel_sum_up(n: f64, lambda: f64) -> f64 {
    let (mut term, mut sum, mut k) = (1.0, 1.0, n);
    loop {
        term *= lambda / (k + 1.0);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
        k += 1.0;
    }
    sum
}

/// `P(X <= n)`, R's `ppois(n, lambda)`.
pub fn ppois_lower(n: f64, lambda: f64) -> f64 {
    if n < 0.0 {
        return 0.0;
    }
    if lambda <= 0.0 {
        return 1.0;
    }
    if n < lambda {
        (log_pmf(n, lambda) + rel_sum_down(n, lambda).ln()).exp()
    } else {
        1.0 - ppois_upper_from(n + 1.0, lambda)
    }
}

/// `P(X >= n)`, R's `ppois(n - 1, lambda, lower.tail = FALSE)`.
pub fn ppois_upper_from(n: f64, lambda: f64) -> f64 {
    if n <= 0.0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    if n > lambda {
        (log_pmf(n, lambda) + rel_sum_up(n, lambda).ln()).exp()
    } else {
        1.0 - ppois_lower(n - 1.0, lambda)
    }
}

/// R's `quantile(x, probs, type = 8)` (median-unbiased, Hyndman and Fan 1996)
/// of already sorted `x`.
pub fn quantile_type8(sorted: &[f64], prob: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || !prob.is_finite() {
        return f64::NAN;
    }
    let fuzz = 4.0 * f64::EPSILON;
    let nppm = 1.0 / 3.0 + prob * (n as f64 + 1.0 / 3.0);
    let j = (nppm + fuzz).floor();
    let mut h = nppm - j;
    if h.abs() < fuzz {
        h = 0.0;
    }
    // R pads the sorted sample with two copies of each extreme.
    let ext = |i: isize| -> f64 {
        let k = (i - 2).clamp(0, n as isize - 1);
        sorted[k as usize]
    };
    let j = j as isize;
    let lo = ext(j + 1);
    if h == 0.0 { lo } else { (1.0 - h) * lo + h * ext(j + 2) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_tails_add_up() {
        for &(n, lambda) in &[(0.0, 3.0), (5.0, 3.0), (2.0, 7.5), (40.0, 12.0), (500.0, 480.0)] {
            let lower = ppois_lower(n, lambda);
            let upper = ppois_upper_from(n + 1.0, lambda);
            assert!((lower + upper - 1.0).abs() < 1e-12, "{n} {lambda}");
        }
        // P(X <= 2) for Poisson(7.5) = e^-7.5 (1 + 7.5 + 28.125).
        let exact = (-7.5f64).exp() * (1.0 + 7.5 + 28.125);
        assert!((ppois_lower(2.0, 7.5) - exact).abs() < 1e-15);
    }

    #[test]
    fn normal_quantile_inverts_cdf() {
        for &p in &[0.001, 0.025, 0.3, 0.5, 0.975] {
            // statrs' inverse error function is good to about 1e-11 relative.
            assert!(((pnorm(qnorm(p)) - p) / p).abs() < 1e-10, "{p}");
        }
        assert!((qnorm(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
    }

    #[test]
    fn type8_quantile_matches_r() {
        // R: quantile(1:10, c(0.1, 0.5, 0.95), type = 8) = 1.366667, 5.5, 10
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((quantile_type8(&x, 0.1) - 1.366_666_666_666_667).abs() < 1e-12);
        assert!((quantile_type8(&x, 0.5) - 5.5).abs() < 1e-12);
        assert!((quantile_type8(&x, 0.95) - 10.0).abs() < 1e-12);
    }
}
