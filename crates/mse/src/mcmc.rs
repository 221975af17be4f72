//! Convergence diagnostics for Markov chain Monte Carlo draws: split R-hat and
//! the multi-chain effective sample size (Gelman, Carlin, Stern, Dunson, Vehtari
//! and Rubin, *Bayesian Data Analysis*, 3rd ed., 2013, §11.4–11.5, with Geyer's
//! initial monotone sequence), and the modes of a sample by kernel density.

/// Split R-hat: each chain cut in two halves, then `sqrt(var+ / W)`. `None`
/// when the halves would have fewer than 2 draws.
pub(crate) fn split_rhat(chains: &[Vec<f64>]) -> Option<f64> {
    let halves: Vec<&[f64]> = chains
        .iter()
        .flat_map(|c| {
            let h = c.len() / 2;
            [&c[..h], &c[c.len() - h..]]
        })
        .collect();
    let n = halves.iter().map(|h| h.len()).min()?;
    if n < 2 || halves.len() < 2 {
        return None;
    }
    let (w, var_plus) = within_and_pooled(&halves, n);
    if w <= 0.0 {
        // Every half constant: agreement if they share the value.
        let first = halves[0][0];
        return Some(if halves.iter().all(|h| h.iter().all(|&v| v == first)) { 1.0 } else { f64::INFINITY });
    }
    Some((var_plus / w).sqrt())
}

/// Mean within-chain variance `W` and `var+ = (n - 1)/n W + B/n` over the
/// first `n` draws of each chain.
fn within_and_pooled(chains: &[&[f64]], n: usize) -> (f64, f64) {
    let m = chains.len() as f64;
    let nf = n as f64;
    let means: Vec<f64> = chains.iter().map(|c| c[..n].iter().sum::<f64>() / nf).collect();
    let w = chains
        .iter()
        .zip(&means)
        .map(|(c, mu)| c[..n].iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (nf - 1.0))
        .sum::<f64>()
        / m;
    let grand = means.iter().sum::<f64>() / m;
    let b_over_n = if m > 1.0 { means.iter().map(|mu| (mu - grand).powi(2)).sum::<f64>() / (m - 1.0) } else { 0.0 };
    (w, (nf - 1.0) / nf * w + b_over_n)
}

/// Multi-chain effective sample size: `m n / (1 + 2 sum rho_t)`, the
/// autocorrelations combined across chains through `var+` and summed in pairs
/// while positive and non-increasing (Geyer 1992); a constant sample gives `m n`.
pub(crate) fn effective_sample_size(chains: &[Vec<f64>]) -> f64 {
    let Some(n) = chains.iter().map(Vec::len).min() else { return 0.0 };
    let m = chains.len();
    if n < 4 {
        return (m * n) as f64;
    }
    let slices: Vec<&[f64]> = chains.iter().map(|c| &c[..n]).collect();
    let (w, var_plus) = within_and_pooled(&slices, n);
    if var_plus.is_nan() || var_plus <= 0.0 {
        return (m * n) as f64;
    }
    let nf = n as f64;
    let means: Vec<f64> = slices.iter().map(|c| c.iter().sum::<f64>() / nf).collect();
    // Mean autocovariance at lag t over chains (biased estimator, divisor n).
    let acov = |t: usize| -> f64 {
        slices
            .iter()
            .zip(&means)
            .map(|(c, mu)| (0..n - t).map(|i| (c[i] - mu) * (c[i + t] - mu)).sum::<f64>() / nf)
            .sum::<f64>()
            / m as f64
    };
    let rho = |t: usize| 1.0 - (w * (nf - 1.0) / nf - acov(t)) / var_plus;
    let mut sum_pairs = 0.0;
    let mut last_pair = f64::INFINITY;
    let mut t = 0;
    while t + 1 < n {
        let mut pair = rho(t) + rho(t + 1);
        if pair <= 0.0 {
            break;
        }
        pair = pair.min(last_pair);
        sum_pairs += pair;
        last_pair = pair;
        t += 2;
    }
    // sum_{t>=0} pairs = rho_0 + 2 * (sum_{t>=1} rho_t) + ... ; tau = -1 + 2 * sum pairs.
    let tau = (-1.0 + 2.0 * sum_pairs).max(1.0 / (m * n) as f64);
    (m * n) as f64 / tau
}

/// Modes of a sample: local maxima of a Gaussian kernel density (Silverman's
/// bandwidth, 512 grid points) that hold at least 5% of the draws each and are
/// separated from their neighbour by a dip below 80% of the lower peak. Returns
/// `(location, share of draws)`, by location; one mode for a unimodal sample.
pub(crate) fn modes(values: &[f64]) -> Vec<(f64, f64)> {
    let n = values.len();
    if n < 10 {
        return Vec::new();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let nf = n as f64;
    let mean = sorted.iter().sum::<f64>() / nf;
    let sd = (sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt();
    let iqr = crate::lcmcr::quantile7(&sorted, 0.75) - crate::lcmcr::quantile7(&sorted, 0.25);
    let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
    let (lo, hi) = (sorted[0], sorted[n - 1]);
    if spread.is_nan() || spread <= 0.0 || hi <= lo {
        return vec![(sorted[n / 2], 1.0)];
    }
    let h = 0.9 * spread * nf.powf(-0.2);
    const GRID: usize = 512;
    let start = lo - 3.0 * h;
    let step = (hi - lo + 6.0 * h) / (GRID - 1) as f64;
    let grid: Vec<f64> = (0..GRID).map(|g| start + g as f64 * step).collect();
    // Density by binning the draws on the grid then smoothing (linear binning is
    // enough for finding peaks).
    let mut bins = vec![0.0; GRID];
    for &v in &sorted {
        let pos = (v - start) / step;
        let i = (pos.floor() as usize).min(GRID - 2);
        let frac = pos - i as f64;
        bins[i] += 1.0 - frac;
        bins[i + 1] += frac;
    }
    let reach = (4.0 * h / step).ceil() as usize;
    let kernel: Vec<f64> = (0..=reach).map(|d| (-0.5 * (d as f64 * step / h).powi(2)).exp()).collect();
    let density: Vec<f64> = (0..GRID)
        .map(|g| {
            let a = g.saturating_sub(reach);
            let b = (g + reach).min(GRID - 1);
            (a..=b).map(|i| bins[i] * kernel[g.abs_diff(i)]).sum()
        })
        .collect();
    // Peaks, then merge neighbours whose dip is shallow or whose mass is small.
    let mut peaks: Vec<usize> =
        (1..GRID - 1).filter(|&g| density[g] > density[g - 1] && density[g] >= density[g + 1]).collect();
    loop {
        if peaks.len() < 2 {
            break;
        }
        let mut merged = false;
        // Valleys between consecutive peaks.
        let valleys: Vec<usize> = peaks
            .windows(2)
            .map(|w| (w[0]..=w[1]).min_by(|&a, &b| density[a].total_cmp(&density[b])).unwrap_or(w[0]))
            .collect();
        let shares = mode_shares(&sorted, &grid, &valleys);
        for i in 0..peaks.len() - 1 {
            let lower = density[peaks[i]].min(density[peaks[i + 1]]);
            if density[valleys[i]] > 0.8 * lower || shares[i] < 0.05 || shares[i + 1] < 0.05 {
                // Drop the lower of the two peaks.
                let drop = if density[peaks[i]] < density[peaks[i + 1]] { i } else { i + 1 };
                peaks.remove(drop);
                merged = true;
                break;
            }
        }
        if !merged {
            break;
        }
    }
    if peaks.is_empty() {
        return vec![(sorted[n / 2], 1.0)];
    }
    let valleys: Vec<usize> = peaks
        .windows(2)
        .map(|w| (w[0]..=w[1]).min_by(|&a, &b| density[a].total_cmp(&density[b])).unwrap_or(w[0]))
        .collect();
    let shares = mode_shares(&sorted, &grid, &valleys);
    peaks.iter().zip(shares).map(|(&p, s)| (grid[p], s)).collect()
}

/// Shares of the sorted draws between consecutive valley points.
fn mode_shares(sorted: &[f64], grid: &[f64], valleys: &[usize]) -> Vec<f64> {
    let n = sorted.len() as f64;
    let mut cuts: Vec<usize> = valleys.iter().map(|&v| sorted.partition_point(|&x| x < grid[v])).collect();
    cuts.insert(0, 0);
    cuts.push(sorted.len());
    cuts.windows(2).map(|w| (w[1] - w[0]) as f64 / n).collect()
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    use super::*;

    fn normal_draws(seed: u64, mean: f64, n: usize) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let d = Normal::new(mean, 0.1).expect("normal");
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    #[test]
    fn independent_chains_of_one_distribution_agree() {
        let chains: Vec<Vec<f64>> = (0..4).map(|s| normal_draws(s, 10.8, 1000)).collect();
        let rhat = split_rhat(&chains).expect("rhat");
        assert!((rhat - 1.0).abs() < 0.01, "{rhat}");
        let ess = effective_sample_size(&chains);
        assert!(ess > 3000.0 && ess < 5000.0, "{ess}");
        assert_eq!(modes(&chains.concat()).len(), 1);
    }

    #[test]
    fn chains_stuck_in_two_modes_are_flagged() {
        // log 50,000 and log 150,000, as on the Netherlands data.
        let chains = vec![normal_draws(1, 10.82, 1000), normal_draws(2, 11.92, 1000), normal_draws(3, 10.82, 1000)];
        assert!(split_rhat(&chains).expect("rhat") > 1.5);
        let found = modes(&chains.concat());
        assert_eq!(found.len(), 2, "{found:?}");
        assert!((found[0].0 - 10.82).abs() < 0.05 && (found[1].0 - 11.92).abs() < 0.05, "{found:?}");
        assert!((found[0].1 - 2.0 / 3.0).abs() < 0.01, "{found:?}");
    }

    #[test]
    fn a_sticky_chain_has_a_small_effective_size() {
        // AR(1) with coefficient 0.9: ESS about n (1 - 0.9) / (1 + 0.9).
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut x = 0.0;
        let chain: Vec<f64> = (0..20_000)
            .map(|_| {
                x = 0.9 * x + rng.random::<f64>() - 0.5;
                x
            })
            .collect();
        let ess = effective_sample_size(&[chain]);
        let expected = 20_000.0 * 0.1 / 1.9;
        assert!((ess / expected - 1.0).abs() < 0.25, "{ess} vs {expected}");
    }
}
