//! The attacker's interval for a cell by the **dual** linear program, over the whole release at
//! once: independent of the crate's audit (which maximises and minimises the cell itself over the
//! group of unknowns linked to it).
//!
//! Unknowns `x ≥ 0` (suppressed and latent cells), relations `A x (=|≤) b` with `b` moved from
//! the published cells. `max x_p` equals `min bᵀw` subject to `Aᵀw ≥ e_p`, `w` free on
//! equalities and non-negative on inequalities; the primal is feasible (the truth), so an
//! infeasible dual means no upper bound. `min x_p = −min bᵀw` subject to `Aᵀw ≥ −e_p`.

use disclosure::{Release, Sense};
use microlp::{ComparisonOp, OptimizationDirection, Problem};

/// `(lower, upper)` of cell `p` given which cells are suppressed; `None`: unbounded.
pub fn interval(release: &Release, hidden: &[bool], p: usize) -> (f64, Option<f64>) {
    let lower = -bound(release, hidden, p, -1.0).expect("x ≥ 0 bounds every cell below");
    (lower.max(0.0), bound(release, hidden, p, 1.0))
}

fn bound(release: &Release, hidden: &[bool], p: usize, sign: f64) -> Option<f64> {
    let unknown: Vec<bool> = release.cells().map(|id| !release.is_published(id) || hidden[id.index()]).collect();
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    let mut columns: Vec<Vec<(microlp::Variable, f64)>> = vec![Vec::new(); release.len()];
    for r in release.relations() {
        if !r.terms.iter().any(|(id, _)| unknown[id.index()]) {
            continue;
        }
        let rhs: f64 = r
            .terms
            .iter()
            .filter(|(id, _)| !unknown[id.index()])
            .map(|(id, c)| -(*c as f64) * release.value(*id) as f64)
            .sum();
        let bounds = match r.sense {
            Sense::Eq => (f64::NEG_INFINITY, f64::INFINITY),
            Sense::Le => (0.0, f64::INFINITY),
        };
        let w = lp.add_var(rhs, bounds);
        for (id, c) in &r.terms {
            if unknown[id.index()] {
                columns[id.index()].push((w, *c as f64));
            }
        }
    }
    if columns[p].is_empty() {
        // The cell is in no relation: below, it is bounded by zero only; above, not at all.
        return if sign > 0.0 { None } else { Some(0.0) };
    }
    for (j, column) in columns.iter().enumerate() {
        if !unknown[j] || column.is_empty() {
            continue;
        }
        let target = if j == p { sign } else { 0.0 };
        lp.add_constraint(column.as_slice(), ComparisonOp::Ge, target);
    }
    match lp.solve() {
        Ok(outcome) => Some(outcome.into_solution().expect("no limit set").objective()),
        Err(microlp::Error::Infeasible) => None,
        Err(e) => panic!("dual LP: {e}"),
    }
}
