//! Existence and identifiability of the maximum likelihood estimate, as
//! SparseMSE 2.0.1's `checkident` decides them.
//!
//! Existence (Fienberg and Rinaldo 2012, Ann. Statist. 40, 996–1023, with the
//! correction used by Chan, Silverman and Vincent 2019): with `A` the design
//! (histories by parameters, after removing the histories of empty in-model
//! pairs) and `t = A^T y` the sufficient statistics, solve the linear program
//! `max s` subject to `A^T x = t`, `x_h >= s`, `x >= 0`, `s >= 0`. The extended
//! MLE is finite exactly when the optimum is positive, i.e. when `t` lies in the
//! relative interior of the marginal cone. Identifiability: the design has full
//! column rank.
//!
//! The LP answer depends on the counts only through which histories are
//! non-zero (the support), and monotonically: the smallest face of the marginal
//! cone that holds the observed histories can only grow with the support, so if
//! the MLE is finite for a support it is finite for every larger one, and if it
//! is not, it is not for any smaller one. The same holds across models with the
//! same empty pairs (a submodel inherits a finite MLE, a supermodel inherits its
//! absence). [`CheckCache`] keeps what was decided for each set of empty pairs
//! and answers from it whenever one of these orders applies; bootstrap
//! replicates and exhaustive searches mostly get their answer there.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use microlp::{ComparisonOp, OptimizationDirection, Problem};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::glm::Design;
use crate::model::Model;

/// The verdict on one model for one table, SparseMSE's `ierr` 0–3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Both checks pass (`ierr = 0`).
    Ok,
    /// The linear program shows the MLE is not finite (`ierr = 1`).
    NoFiniteMle,
    /// The design is rank deficient (`ierr = 2`).
    NotIdentifiable,
    /// Both failures (`ierr = 3`).
    NoFiniteMleAndNotIdentifiable,
}

impl Verdict {
    /// SparseMSE's error code.
    pub fn code(self) -> u8 {
        match self {
            Verdict::Ok => 0,
            Verdict::NoFiniteMle => 1,
            Verdict::NotIdentifiable => 2,
            Verdict::NoFiniteMleAndNotIdentifiable => 3,
        }
    }

    /// Whether estimates from the model may be used.
    pub fn is_ok(self) -> bool {
        self == Verdict::Ok
    }

    /// Whether the maximum likelihood estimate is finite (identifiable or not).
    pub fn has_finite_mle(self) -> bool {
        matches!(self, Verdict::Ok | Verdict::NotIdentifiable)
    }

    fn from_flags(finite: bool, identifiable: bool) -> Self {
        match (finite, identifiable) {
            (true, true) => Verdict::Ok,
            (false, true) => Verdict::NoFiniteMle,
            (true, false) => Verdict::NotIdentifiable,
            (false, false) => Verdict::NoFiniteMleAndNotIdentifiable,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Ok => "ok",
            Verdict::NoFiniteMle => "the maximum likelihood estimate is not finite",
            Verdict::NotIdentifiable => "the model is not identifiable",
            Verdict::NoFiniteMleAndNotIdentifiable => {
                "the maximum likelihood estimate is not finite and the model is not identifiable"
            }
        })
    }
}

/// Decisions already made for one set of empty pairs (which fixes the histories
/// in the fit): `(model bits, support bit set)` found finite, and found not finite.
#[derive(Debug, Default)]
struct Decided {
    finite: Vec<(u128, Vec<u64>)>,
    not_finite: Vec<(u128, Vec<u64>)>,
}

/// Models found of full rank, and found rank deficient, for one set of empty pairs.
type RankDecided = (Vec<u128>, Vec<u128>);

/// Memo of existence and rank results, shareable across threads. Keys include
/// the number of lists, but a cache is meant for one table and its bootstrap or
/// jackknife samples (same lists).
///
/// Both answers are monotone in the model too: a model whose MLE is finite
/// (whose design has full rank) passes on that to every submodel with the same
/// empty pairs, since the same positive solution (the same independent columns)
/// serves; failures pass upwards. Lookups use both orders.
#[derive(Debug, Default)]
pub struct CheckCache {
    finite: Mutex<HashMap<(u128, usize), Decided>>,
    full_rank: Mutex<HashMap<(u128, usize), RankDecided>>,
}

impl CheckCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }
}

fn is_subset_bits(a: u128, b: u128) -> bool {
    a & !b == 0
}

fn is_subset_words(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x & !y == 0)
}

fn empty_bits(design: &Design) -> u128 {
    design.empty_pairs.iter().fold(0u128, |acc, &k| acc | 1 << k)
}

/// Checks `model` for the counts `y` (indexed by history, length `2^t`): SparseMSE's
/// `checkident(zdat, mX)`.
pub fn check_model(t: usize, y: &[f64], model: Model, cache: &CheckCache) -> Result<Verdict> {
    let design = Design::new(t, y, model);
    check_design(&design, y, model, cache)
}

pub(crate) fn check_design(design: &Design, y: &[f64], model: Model, cache: &CheckCache) -> Result<Verdict> {
    let identifiable = is_full_rank(design, model, cache);
    let finite = is_finite(design, y, model, cache)?;
    Ok(Verdict::from_flags(finite, identifiable))
}

fn is_full_rank(design: &Design, model: Model, cache: &CheckCache) -> bool {
    let t = design.n_cols - 1 - design.fitted_pairs.len();
    let key = (empty_bits(design), t);
    let m = model.bits();
    if let Some((full, deficient)) = lock(&cache.full_rank).get(&key) {
        if full.iter().any(|&f| is_subset_bits(m, f)) {
            return true;
        }
        if deficient.iter().any(|&d| is_subset_bits(d, m)) {
            return false;
        }
    }
    let full = design.cells.len() >= design.n_cols && {
        let svd = design.dense().svd(false, false);
        let max = svd.singular_values.max();
        // A relative tolerance well above rounding and far below the smallest
        // singular value of any 0/1 design of full rank at these sizes.
        svd.singular_values.iter().all(|&s| s > max * 1e-9)
    };
    let mut guard = lock(&cache.full_rank);
    let entry = guard.entry(key).or_default();
    if full {
        entry.0.push(m)
    } else {
        entry.1.push(m)
    }
    full
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned cache only means another thread panicked mid-insert of a plain
    // value; the map itself is still consistent.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn is_finite(design: &Design, y: &[f64], model: Model, cache: &CheckCache) -> Result<bool> {
    let ys: Vec<f64> = design.cells.iter().map(|&h| y[h as usize]).collect();
    // Every remaining history observed: x = y is strictly positive, so s > 0.
    if ys.iter().all(|&v| v > 0.0) {
        return Ok(true);
    }
    let mut support = vec![0u64; y.len().div_ceil(64)];
    for (&h, &v) in design.cells.iter().zip(&ys) {
        if v > 0.0 {
            support[h as usize / 64] |= 1 << (h % 64);
        }
    }
    let key = (empty_bits(design), y.len());
    let m = model.bits();
    if let Some(decided) = lock(&cache.finite).get(&key) {
        // Finite for a larger model on a smaller support: finite here.
        if decided.finite.iter().any(|(km, ks)| is_subset_bits(m, *km) && is_subset_words(ks, &support)) {
            return Ok(true);
        }
        // Not finite for a smaller model on a larger support: not finite here.
        if decided.not_finite.iter().any(|(km, ks)| is_subset_bits(*km, m) && is_subset_words(&support, ks)) {
            return Ok(false);
        }
    }
    let v = solve_existence_lp(design, &ys)?;
    let mut guard = lock(&cache.finite);
    let entry = guard.entry(key).or_default();
    if v {
        entry.finite.push((m, support))
    } else {
        entry.not_finite.push((m, support))
    }
    Ok(v)
}

/// The Fienberg–Rinaldo linear program; true when its optimum is positive.
///
/// Solved in the equivalent smaller form with `x = s 1 + z`: `max s` subject to
/// `A^T z + s A^T 1 = t`, `z >= 0`, `s >= 0`, which has one row per parameter
/// instead of one per parameter and per history.
fn solve_existence_lp(design: &Design, ys: &[f64]) -> Result<bool> {
    let n = design.cells.len();
    let total: f64 = ys.iter().sum();
    // Scale the counts to sum to one so that the tolerance below is relative.
    let scale = if total > 0.0 { 1.0 / total } else { 1.0 };
    let mut tvec = vec![0.0; design.n_cols];
    let mut ones = vec![0.0; design.n_cols];
    for (c, &v) in ys.iter().enumerate() {
        for &a in design.cols(c) {
            tvec[a as usize] += v * scale;
            ones[a as usize] += 1.0;
        }
    }
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    let zs: Vec<_> = (0..n).map(|_| lp.add_var(0.0, (0.0, f64::INFINITY))).collect();
    let s = lp.add_var(1.0, (0.0, f64::INFINITY));
    let mut rows: Vec<Vec<(microlp::Variable, f64)>> = vec![Vec::new(); design.n_cols];
    for (c, &z) in zs.iter().enumerate() {
        for &a in design.cols(c) {
            rows[a as usize].push((z, 1.0));
        }
    }
    for ((row, &rhs), &one) in rows.iter_mut().zip(&tvec).zip(&ones) {
        row.push((s, one));
        lp.add_constraint(row.as_slice(), ComparisonOp::Eq, rhs);
    }
    let outcome = lp.solve().map_err(|source| Error::Lp { source })?;
    let solution = outcome
        .into_solution()
        .map_err(|_| Error::Fit { reason: "existence linear program stopped before an answer".into() })?;
    // After scaling, a positive optimum is a vertex value of a system with 0/1
    // coefficients and right-hand sides that are multiples of 1/total; it is of
    // the order of 1/(total * cells) or more, far above rounding noise.
    Ok(solution.objective() > 1e-9 / n as f64)
}
