//! Secondary suppression chosen by linear programming across all the tables of a release.
//!
//! For each sensitive cell `p` and each direction (up to `x + protection`, down to
//! `max(0, x − protection)`), the rule holds exactly when some table consistent with every
//! relation, non-negative, and equal to the truth on every published cell, puts `p` there: a
//! *deviation* `y` with `Σ a·y = 0` on every additive relation (`≤` for inequalities, with their
//! slack), `y_p` at least the protection asked, `x + y ≥ 0`, and `y = 0` on every published cell.
//! Secondary suppression chooses the cells that such deviations may move. The exact problem
//! (a mixed-integer program with one deviation per sensitive cell and direction) is too large
//! for the releases of a run, so each sensitive cell is protected in turn by the LP
//!
//! ```text
//! minimise   Σ_{i published, not yet suppressed} w_i / need · (u_i + d_i)
//! subject to Σ_i a_ri (u_i − d_i) = 0        (≤ −Σ a_ri x_i for an inequality r)
//!            u_p − d_p ≥ need                 (d_p − u_p ≥ need downwards)
//!            0 ≤ u_i,  0 ≤ d_i ≤ x_i
//! ```
//!
//! whose cost charges a cell's weight `w_i` (its [`crate::Cost`]) when it moves by the full
//! protection, nothing for cells already suppressed or latent: the cheapest way to open the
//! interval, given the suppressions made so far, over every table at once (the fixed-charge
//! linearisation of Fischetti & Salazar's model, solved sequentially as in τ-ARGUS' modular and
//! network methods; not a proven global optimum). Every cell the solution moves is suppressed,
//! and the deviation is kept: it stays a valid witness as suppressions only grow, so a sensitive
//! cell already protected by an earlier witness costs no LP. A final pass gives back, largest
//! weight first, each secondary suppression whose removal the attacker LPs show leaves every
//! sensitive cell protected.

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use crate::audit::{Attacker, Deviation, TOLERANCE};
use crate::release::{CellId, Release, Sense};
use crate::{Error, Result, Rule};

/// One side of a sensitive cell's protection interval.
#[derive(Debug, Clone, Copy)]
struct Need {
    cell: usize,
    /// Signed change the cell must be able to make: positive upwards.
    change: f64,
}

/// How much work the optimiser did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effort {
    /// Protection LPs solved.
    pub protection_lps: usize,
    /// Attacker LPs solved while giving back suppressions.
    pub attacker_lps: usize,
}

/// The suppression pattern (`true` = suppressed) for published cells.
pub fn optimise(release: &Release, rule: &Rule) -> Result<(Vec<bool>, Effort)> {
    optimise_from(release, rule, vec![false; release.len()])
}

/// The weight of the secondary suppressions of `hidden` under the rule's cost (cells' priorities
/// included): what the optimiser minimises.
pub fn weight(release: &Release, rule: &Rule, hidden: &[bool]) -> f64 {
    (0..release.len().min(hidden.len()))
        .filter(|&i| hidden[i] && !rule.is_primary(release.values[i]))
        .map(|i| release.cost(CellId(i), rule))
        .sum()
}

/// As [`optimise`], starting from the suppressions `start` (any pattern, e.g. an earlier one to be
/// repaired; the primary suppressions are added): the sensitive cells `start` leaves unprotected are
/// protected by the cheapest moves, then unneeded secondary suppressions are given back.
pub fn optimise_from(release: &Release, rule: &Rule, start: Vec<bool>) -> Result<(Vec<bool>, Effort)> {
    let n = release.len();
    let mut effort = Effort::default();
    if start.len() != n {
        return Err(Error::Parameter(format!("a starting pattern of {} cells for a release of {n}", start.len())));
    }
    let sensitive = |i: usize| release.published[i] && rule.is_primary(release.values[i]);
    let mut hidden = start;
    for (i, h) in hidden.iter_mut().enumerate() {
        *h |= sensitive(i);
    }
    let mut needs: Vec<Need> = Vec::new();
    let mut order: Vec<usize> = (0..n).filter(|&i| sensitive(i)).collect();
    // Largest sensitive cells first: they need the widest moves, which then protect small ones.
    order.sort_by_key(|&i| (std::cmp::Reverse(release.values[i]), i));
    for &i in &order {
        let (lo, hi) = rule.required(release.values[i]);
        needs.push(Need { cell: i, change: hi as f64 - release.values[i] as f64 });
        needs.push(Need { cell: i, change: lo as f64 - release.values[i] as f64 });
    }
    let components = Components::new(release);
    let mut witnesses: Vec<Deviation> = Vec::new();
    for need in &needs {
        if need.change == 0.0 || witnesses.iter().any(|w| covers(w, need)) {
            continue;
        }
        let deviation = cheapest_move(release, rule, &hidden, &components, need)?;
        effort.protection_lps += 1;
        for &(i, _) in &deviation {
            if release.published[i] {
                hidden[i] = true;
            }
        }
        witnesses.push(deviation);
    }
    give_back(release, rule, &mut hidden, &needs, &mut witnesses, &mut effort)?;
    Ok((hidden, effort))
}

fn covers(witness: &Deviation, need: &Need) -> bool {
    witness.iter().any(|&(i, d)| i == need.cell && d * need.change.signum() >= need.change.abs() - TOLERANCE)
}

/// Cells linked by some chain of relations, so each protection LP holds only its cell's group.
struct Components {
    members: std::collections::BTreeMap<usize, Vec<usize>>,
    root: Vec<usize>,
}

impl Components {
    fn new(release: &Release) -> Self {
        let all_hidden = vec![true; release.len()];
        let attacker = Attacker::new(release, &all_hidden);
        let (root, members) = attacker.groups();
        Components { members, root }
    }
}

/// The cheapest deviation that gives `need`, suppressed and latent cells moving for free.
fn cheapest_move(
    release: &Release,
    rule: &Rule,
    hidden: &[bool],
    components: &Components,
    need: &Need,
) -> Result<Deviation> {
    let members = components.members.get(&components.root[need.cell]).map(Vec::as_slice).unwrap_or_default();
    let scale = need.change.abs();
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    let mut up = vec![None; release.len()];
    let mut down = vec![None; release.len()];
    for &i in members {
        let free = !release.published[i] || hidden[i];
        let cost = if free { 0.0 } else { release.cost(CellId(i), rule) / scale };
        up[i] = Some(lp.add_var(cost, (0.0, f64::INFINITY)));
        if release.values[i] > 0 {
            // A cell that can give less than the need is suppressed whole all the same.
            let capacity = release.values[i] as f64;
            down[i] = Some(lp.add_var(cost * scale / capacity.min(scale), (0.0, capacity)));
        }
    }
    for r in &release.relations {
        if !r.terms.iter().any(|(id, _)| up[id.0].is_some()) {
            continue;
        }
        let mut row = Vec::new();
        let mut slack = 0.0;
        for &(id, c) in &r.terms {
            slack -= c as f64 * release.values[id.0] as f64;
            if let Some(u) = up[id.0] {
                row.push((u, c as f64));
            }
            if let Some(d) = down[id.0] {
                row.push((d, -(c as f64)));
            }
        }
        match r.sense {
            Sense::Eq => lp.add_constraint(row.as_slice(), ComparisonOp::Eq, 0.0),
            Sense::Le => lp.add_constraint(row.as_slice(), ComparisonOp::Le, slack),
        }
    }
    let (Some(u), d) = (up[need.cell], down[need.cell]) else {
        return Err(Error::UnknownCell(need.cell));
    };
    let mut target = vec![(u, need.change.signum())];
    if let Some(d) = d {
        target.push((d, -need.change.signum()));
    }
    lp.add_constraint(target.as_slice(), ComparisonOp::Ge, scale);
    let solution = lp
        .solve()
        .map_err(|e| Error::Solver(format!("protecting {}: {e}", release.keys[need.cell])))?
        .into_solution()
        .map_err(|_| Error::Solver("a protection LP was interrupted".into()))?;
    Ok(members
        .iter()
        .filter_map(|&i| {
            let y = up[i].map_or(0.0, |v| solution.var_value(v)) - down[i].map_or(0.0, |v| solution.var_value(v));
            (y.abs() > TOLERANCE).then_some((i, y))
        })
        .collect())
}

/// Gives back secondary suppressions that turn out unnecessary, heaviest first.
fn give_back(
    release: &Release,
    rule: &Rule,
    hidden: &mut [bool],
    needs: &[Need],
    witnesses: &mut Vec<Deviation>,
    effort: &mut Effort,
) -> Result<()> {
    let mut secondary: Vec<usize> =
        (0..release.len()).filter(|&i| hidden[i] && !rule.is_primary(release.values[i])).collect();
    secondary.sort_by(|&a, &b| release.cost(CellId(b), rule).total_cmp(&release.cost(CellId(a), rule)).then(a.cmp(&b)));
    for cell in secondary {
        let before = Attacker::new(release, hidden);
        hidden[cell] = false;
        let after = Attacker::new(release, hidden);
        let mut found: Vec<Deviation> = Vec::new();
        let mut safe = true;
        for need in needs.iter().filter(|n| n.change != 0.0 && before.same_group(n.cell, cell)) {
            let still = |w: &Deviation| !w.iter().any(|&(i, _)| i == cell) && covers(w, need);
            if witnesses.iter().chain(&found).any(still) {
                continue;
            }
            let direction =
                if need.change > 0.0 { OptimizationDirection::Maximize } else { OptimizationDirection::Minimize };
            let (bound, deviation) = after.extreme(CellId(need.cell), direction)?;
            effort.attacker_lps += 1;
            let x = release.values[need.cell] as f64;
            let reach = bound.map_or(f64::INFINITY, |b| (b - x) * need.change.signum());
            if reach < need.change.abs() - TOLERANCE {
                safe = false;
                break;
            }
            if bound.is_some() {
                found.push(deviation);
            }
        }
        if safe {
            witnesses.retain(|w| !w.iter().any(|&(i, _)| i == cell));
            witnesses.extend(found);
        } else {
            hidden[cell] = true;
        }
    }
    Ok(())
}
