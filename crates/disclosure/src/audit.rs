//! The attacker's view: for every suppressed cell, the interval in which someone who knows every
//! published cell of the release, every relation and that counts are not negative can place it,
//! by linear programming (maximise and minimise the cell over all tables consistent with what is
//! published).

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use crate::release::{CellId, Release, Sense};
use crate::{Error, Result, Rule};

/// Slack for the solver's floating point: an interval short of the rule by less than this passes.
pub(crate) const TOLERANCE: f64 = 1e-6;

/// The attacker's interval for one suppressed cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub cell: CellId,
    pub value: u64,
    /// A sensitive count (primary suppression); otherwise a secondary suppression.
    pub primary: bool,
    pub lower: f64,
    /// `None`: the attacker has no upper bound.
    pub upper: Option<f64>,
    /// For a primary: the interval the rule requires it to contain.
    pub required: Option<(u64, u64)>,
}

impl Interval {
    /// Whether the rule holds for this cell (always for a secondary suppression).
    pub fn safe(&self) -> bool {
        match self.required {
            None => true,
            Some((lo, hi)) => {
                self.lower <= lo as f64 + TOLERANCE && self.upper.is_none_or(|u| u >= hi as f64 - TOLERANCE)
            }
        }
    }
}

/// The audit of a release: one interval per suppressed cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Audit {
    pub intervals: Vec<Interval>,
}

impl Audit {
    /// No suppressed cell is narrowed below the rule.
    pub fn passed(&self) -> bool {
        self.intervals.iter().all(Interval::safe)
    }

    pub fn failures(&self) -> impl Iterator<Item = &Interval> {
        self.intervals.iter().filter(|i| !i.safe())
    }
}

/// Audits a suppression pattern (`hidden[i]` for cell `i`; latent cells are always unknown).
pub fn audit(release: &Release, hidden: &[bool], rule: &Rule) -> Result<Audit> {
    let attacker = Attacker::new(release, hidden);
    let mut intervals = Vec::new();
    for id in release.cells() {
        if !(release.published[id.0] && hidden.get(id.0).copied().unwrap_or(false)) {
            continue;
        }
        let value = release.values[id.0];
        let (lower, upper, _, _) = attacker.interval(id)?;
        let primary = rule.is_primary(value);
        intervals.push(Interval {
            cell: id,
            value,
            primary,
            lower,
            upper,
            required: primary.then(|| rule.required(value)),
        });
    }
    Ok(Audit { intervals })
}

/// The unknowns of a release (suppressed and latent cells), split into groups that no relation
/// links, so each LP is only as large as the cell's group.
pub(crate) struct Attacker<'a> {
    release: &'a Release,
    unknown: Vec<bool>,
    /// The unknown cells linked to each unknown cell's group, by the group's first cell.
    root: Vec<usize>,
    members: std::collections::BTreeMap<usize, Vec<usize>>,
}

/// A deviation from the true table: cell index → change, all changes together consistent with
/// every relation and non-negativity.
pub(crate) type Deviation = Vec<(usize, f64)>;

impl<'a> Attacker<'a> {
    pub(crate) fn new(release: &'a Release, hidden: &[bool]) -> Self {
        let n = release.len();
        let unknown: Vec<bool> =
            (0..n).map(|i| !release.published[i] || hidden.get(i).copied().unwrap_or(false)).collect();
        let mut parent: Vec<usize> = (0..n).collect();
        for r in &release.relations {
            let mut first: Option<usize> = None;
            for &(id, _) in &r.terms {
                if !unknown[id.0] {
                    continue;
                }
                match first {
                    None => first = Some(id.0),
                    Some(f) => union(&mut parent, f, id.0),
                }
            }
        }
        let root: Vec<usize> = (0..n).map(|i| find(&parent, i)).collect();
        let mut members: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for i in (0..n).filter(|&i| unknown[i]) {
            members.entry(root[i]).or_default().push(i);
        }
        Attacker { release, unknown, root, members }
    }

    /// Each unknown cell's group, and the cells of each group.
    pub(crate) fn groups(self) -> (Vec<usize>, std::collections::BTreeMap<usize, Vec<usize>>) {
        (self.root, self.members)
    }

    /// Whether two unknown cells are linked by relations.
    pub(crate) fn same_group(&self, a: usize, b: usize) -> bool {
        self.unknown[a] && self.unknown[b] && self.root[a] == self.root[b]
    }

    /// `(lower, upper, deviation reaching lower, deviation reaching upper)`.
    pub(crate) fn interval(&self, cell: CellId) -> Result<(f64, Option<f64>, Deviation, Deviation)> {
        let (lo, down) = self.extreme(cell, OptimizationDirection::Minimize)?;
        let (hi, up) = self.extreme(cell, OptimizationDirection::Maximize)?;
        let lo = lo.unwrap_or(0.0).max(0.0);
        Ok((lo, hi, down, up))
    }

    /// Minimum or maximum of the cell (`None`: unbounded), and the deviation that reaches it.
    pub(crate) fn extreme(&self, cell: CellId, direction: OptimizationDirection) -> Result<(Option<f64>, Deviation)> {
        let release = self.release;
        if !self.unknown[cell.0] {
            let v = Some(release.values[cell.0] as f64);
            return Ok((v, Vec::new()));
        }
        let members = self.members.get(&self.root[cell.0]).map(Vec::as_slice).unwrap_or_default();
        let mut var = vec![None; release.len()];
        let mut lp = Problem::new(direction);
        for &i in members {
            var[i] = Some(lp.add_var(if i == cell.0 { 1.0 } else { 0.0 }, (0.0, f64::INFINITY)));
        }
        for r in &release.relations {
            if !r.terms.iter().any(|(id, _)| var[id.0].is_some()) {
                continue;
            }
            let mut row = Vec::new();
            let mut rhs = 0.0;
            for &(id, c) in &r.terms {
                match var[id.0] {
                    Some(v) => row.push((v, c as f64)),
                    None => rhs -= c as f64 * release.values[id.0] as f64,
                }
            }
            let op = match r.sense {
                Sense::Eq => ComparisonOp::Eq,
                Sense::Le => ComparisonOp::Le,
            };
            lp.add_constraint(row.as_slice(), op, rhs);
        }
        let solution = match lp.solve() {
            Ok(outcome) => {
                outcome.into_solution().map_err(|_| Error::Solver("the attacker LP was interrupted".into()))?
            }
            Err(microlp::Error::Unbounded) => return Ok((None, Vec::new())),
            Err(e) => return Err(Error::Solver(format!("attacker LP for {}: {e}", release.keys[cell.0]))),
        };
        let deviation = members
            .iter()
            .filter_map(|&i| {
                let v = var[i]?;
                let d = solution.var_value(v) - release.values[i] as f64;
                (d.abs() > TOLERANCE).then_some((i, d))
            })
            .collect();
        Ok((Some(solution.var_value(var[cell.0].ok_or(Error::UnknownCell(cell.0))?)), deviation))
    }
}

fn find(parent: &[usize], mut i: usize) -> usize {
    while parent[i] != i {
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb)] = ra.min(rb);
    }
}
