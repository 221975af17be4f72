//! The integer fit shared by controlled rounding ([`crate::rounding`]) and the post-processing of
//! noisy counts ([`crate::dp`]): whole non-negative values for a release's cells, as close as
//! possible to targets, that satisfy the release's additive relations.
//!
//! The model is a linear program over the cells the caller names (the others are left out, with
//! every relation that mentions them); latent cells in a kept relation are free non-negative
//! variables (never published, they only carry the relation). It is first solved as an LP: on
//! the usual shapes (one table with its margins, a two-way table with both) its optimal vertex is
//! already whole (the constraint matrix of a table with its margins is totally unimodular). If
//! it is not, the same model is solved again with integer variables (branch and bound).

use std::time::Duration;

use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, Variable};

use crate::release::{Release, Sense};
use crate::{Error, Result};

/// How long branch and bound may search before the fit is given up (an error: nothing is
/// published).
const MIP_TIME_LIMIT: Duration = Duration::from_secs(120);

/// What a cell of the fit must become.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Target {
    /// Any whole number from 0, as close as possible (in absolute difference) to this one.
    Near(i64),
    /// `base × k` for `k` in `floor ..= floor + 1` (a multiple of `base` next to the true value
    /// `base × floor + rem`); `rem = 0` fixes the cell at `base × floor`.
    Step { floor: i64, base: u64, rem: u64 },
    /// A latent cell: any non-negative number, not published.
    Free,
}

/// Which relations the fit keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kept {
    /// Equalities only.
    Equalities,
    /// Equalities and inequalities.
    All,
}

/// The fitted value of every cell with a target (`None` for cells without one, and for latent
/// cells).
pub(crate) fn fit(release: &Release, targets: &[Option<Target>], kept: Kept, what: &str) -> Result<Vec<Option<u64>>> {
    match solve(release, targets, kept, false, what)? {
        Some(values) => Ok(values),
        None => solve(release, targets, kept, true, what)?
            .ok_or_else(|| Error::Solver(format!("{what}: branch and bound left a fractional value"))),
    }
}

/// One solve; `None` when the LP's optimum is not whole.
fn solve(
    release: &Release,
    targets: &[Option<Target>],
    kept: Kept,
    integer: bool,
    what: &str,
) -> Result<Option<Vec<Option<u64>>>> {
    let n = release.len();
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    if integer {
        lp.set_time_limit(MIP_TIME_LIMIT);
    }
    // The variable of each cell and the factor its value is of it (base × k for a step).
    let mut var: Vec<Option<(Variable, f64)>> = vec![None; n];
    for (i, target) in targets.iter().enumerate().take(n) {
        let Some(target) = target else { continue };
        var[i] = Some(match *target {
            Target::Near(y) => {
                let upper = i32::MAX;
                let x =
                    if integer { lp.add_integer_var(0.0, (0, upper)) } else { lp.add_var(0.0, (0.0, upper as f64)) };
                // |x − y| through d ≥ x − y and d ≥ y − x.
                let d = lp.add_var(1.0, (0.0, f64::INFINITY));
                lp.add_constraint(expr(&[(d, 1.0), (x, -1.0)]), ComparisonOp::Ge, -(y as f64));
                lp.add_constraint(expr(&[(d, 1.0), (x, 1.0)]), ComparisonOp::Ge, y as f64);
                (x, 1.0)
            }
            Target::Step { floor, base, rem } => {
                let top = if rem == 0 { floor } else { floor + 1 };
                let (lo, hi) = (to_i32(floor, what)?, to_i32(top, what)?);
                // |base·k − value| = rem + (k − floor)(base − 2 rem) for k in {floor, floor + 1}.
                let cost = base as f64 - 2.0 * rem as f64;
                let k =
                    if integer { lp.add_integer_var(cost, (lo, hi)) } else { lp.add_var(cost, (lo as f64, hi as f64)) };
                (k, base as f64)
            }
            Target::Free => (lp.add_var(0.0, (0.0, f64::INFINITY)), 1.0),
        });
    }
    for relation in release.relations() {
        if kept == Kept::Equalities && relation.sense != Sense::Eq {
            continue;
        }
        let terms: Option<Vec<(Variable, f64)>> =
            relation.terms.iter().map(|(id, c)| var[id.0].map(|(v, f)| (v, *c as f64 * f))).collect();
        let Some(terms) = terms else { continue };
        let op = match relation.sense {
            Sense::Eq => ComparisonOp::Eq,
            Sense::Le => ComparisonOp::Le,
        };
        lp.add_constraint(expr(&terms), op, 0.0);
    }
    let solution = match lp.solve() {
        Ok(outcome) => {
            outcome.into_solution().map_err(|_| Error::Solver(format!("{what}: the solve was interrupted")))?
        }
        Err(microlp::Error::Infeasible) => return Err(Error::Infeasible(what.to_owned())),
        Err(e) => return Err(Error::Solver(format!("{what}: {e}"))),
    };
    let mut out = vec![None; n];
    for (i, slot) in var.iter().enumerate() {
        let Some((v, factor)) = slot else { continue };
        if matches!(targets[i], Some(Target::Free)) {
            continue;
        }
        let k = solution.var_value(*v);
        if (k - k.round()).abs() > 1e-6 {
            return Ok(None);
        }
        let value = k.round() * factor;
        if value < -0.5 {
            return Err(Error::Solver(format!("{what}: a negative value")));
        }
        out[i] = Some(value.round().max(0.0) as u64);
    }
    Ok(Some(out))
}

fn expr(terms: &[(Variable, f64)]) -> LinearExpr {
    let mut e = LinearExpr::empty();
    for &(v, c) in terms {
        e.add(v, c);
    }
    e
}

fn to_i32(value: i64, what: &str) -> Result<i32> {
    i32::try_from(value).map_err(|_| Error::Solver(format!("{what}: a count too large for the solver")))
}
