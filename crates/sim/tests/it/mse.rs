//! A small Poisson log-linear MSE fit (IRLS), only to check that the simulated lists carry a
//! recoverable signal. The real estimator lives in the `mse` crate; this is a test helper.
//!
//! Model: `log E[n_ω] = β0 + Σ_j β_j ω_j + Σ_(j,k) β_jk ω_j ω_k` over the observed patterns ω;
//! the unobserved count is `exp(β0)` (Fienberg 1972; Bishop, Fienberg & Holland 1975, ch. 6).

/// Pattern (0/1 per list) and count rows, including zero-count patterns.
pub(crate) fn parse_capture_histories(csv: &str) -> Vec<(Vec<f64>, f64)> {
    let mut lines = csv.lines();
    let n_lists = lines.next().expect("header").split(',').count() - 1;
    let mut counts = std::collections::BTreeMap::new();
    for line in lines {
        let fields: Vec<f64> = line.split(',').map(|f| f.parse().expect("number")).collect();
        counts.insert(fields[..n_lists].iter().map(|b| *b as u8).collect::<Vec<u8>>(), fields[n_lists]);
    }
    // Every non-empty pattern, observed or not (a zero count is data too).
    (1..(1u32 << n_lists))
        .map(|bits| {
            let pattern: Vec<u8> = (0..n_lists).map(|j| ((bits >> (n_lists - 1 - j)) & 1) as u8).collect();
            let count = counts.get(&pattern).copied().unwrap_or(0.0);
            (pattern.iter().map(|b| f64::from(*b)).collect(), count)
        })
        .collect()
}

fn design_row(pattern: &[f64], interactions: &[(usize, usize)]) -> Vec<f64> {
    let mut row = vec![1.0];
    row.extend_from_slice(pattern);
    row.extend(interactions.iter().map(|(a, b)| pattern[*a] * pattern[*b]));
    row
}

fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|i, j| a[*i][col].abs().total_cmp(&a[*j][col].abs())).expect("a pivot");
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col].clone();
        for row in col + 1..n {
            let factor = a[row][col] / pivot_row[col];
            for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= factor * p;
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x
}

/// Estimated total population (observed + exp(intercept)).
pub(crate) fn estimate_total(table: &[(Vec<f64>, f64)], n_lists: usize, interactions: &[(usize, usize)]) -> f64 {
    let x: Vec<Vec<f64>> = table.iter().map(|(p, _)| design_row(p, interactions)).collect();
    let y: Vec<f64> = table.iter().map(|(_, c)| *c).collect();
    let p = 1 + n_lists + interactions.len();
    let mut mu: Vec<f64> = y.iter().map(|c| c + 0.5).collect();
    let mut beta = vec![0.0; p];
    for _ in 0..100 {
        let mut xtwx = vec![vec![0.0; p]; p];
        let mut xtwz = vec![0.0; p];
        for ((row, yi), mi) in x.iter().zip(&y).zip(&mu) {
            let z = mi.ln() + (yi - mi) / mi;
            for j in 0..p {
                xtwz[j] += row[j] * mi * z;
                for k in 0..p {
                    xtwx[j][k] += row[j] * mi * row[k];
                }
            }
        }
        let next = solve(xtwx, xtwz);
        let change: f64 = next.iter().zip(&beta).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        beta = next;
        mu = x.iter().map(|row| row.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>().exp()).collect();
        if change < 1e-10 {
            break;
        }
    }
    y.iter().sum::<f64>() + beta[0].exp()
}

#[test]
fn recovers_an_independent_two_list_lincoln_petersen_total() {
    // Two independent lists: N = n1 * n2 / m (Lincoln–Petersen); here 100 * 60 / 20 = 300.
    let csv = "A,B,count\n0,1,40\n1,0,80\n1,1,20\n";
    let estimate = estimate_total(&parse_capture_histories(csv), 2, &[]);
    assert!((estimate - 300.0).abs() < 1e-6, "{estimate}");
}
