//! Statistical disclosure control for published count tables, over **linked tables**.
//!
//! A [`Release`] is every cell that one run publishes, whatever table it appears in, each with a
//! stable key (the same quantity in two tables is one cell), and the additive relations between
//! them (a total is the sum of its parts; a part is at most its whole), declared across tables.
//! [`Release::protect`] applies a [`Rule`]:
//!
//! 1. **primary suppression** of every count from 1 to `min_cell − 1` (a zero is not disclosive:
//!    it says nobody is there);
//! 2. **secondary suppression** chosen by linear programming over the whole release
//!    ([`secondary`]), so that every sensitive count keeps its protection interval;
//! 3. an **audit** ([`audit()`]): for every suppressed cell, the interval in which an attacker who
//!    knows every published cell, every relation and that counts are not negative can place it,
//!    by linear programming; the release is refused ([`Error::Unsafe`]) if a sensitive cell's
//!    interval does not contain `[max(0, x − protection), x + protection]`.
//!
//! The older per-table rule ([`suppress`]: at least two suppressed cells in every group that adds
//! up to a published total; Hundepool et al., *Statistical Disclosure Control*, Wiley 2012,
//! ch. 4) is kept as [`Method::Heuristic`], the baseline and fallback. Rates derived from a
//! suppressed count are suppressed with it by the caller.
//!
//! ```
//! let mut release = disclosure::Release::new();
//! let total = release.published("total", 62).unwrap();
//! let parts: Vec<_> = [12, 3, 40, 7]
//!     .iter()
//!     .enumerate()
//!     .map(|(i, &v)| release.published(&format!("part {i}"), v).unwrap())
//!     .collect();
//! release.sum(total, &parts).unwrap();
//! let protection = release.protect(&disclosure::Rule::new(5)).unwrap();
//! assert!(protection.is_hidden(parts[1])); // 3 is sensitive
//! assert_eq!(protection.suppressed(), 2); // and one more cell hides it
//! assert!(protection.audit.passed());
//! ```

mod audit;
pub mod dp;
mod fit;
pub mod kanon;
mod release;
pub mod rounding;
mod rule;
pub mod secondary;
pub mod synth;

pub use audit::{Audit, Interval, audit};
pub use dp::{Laplace, Noisy};
pub use release::{CellId, Relation, Release, Sense};
pub use rounding::Rounded;
pub use rule::{Cost, Method, Rule};
pub use secondary::Effort;

/// What can go wrong building or protecting a release.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cell {key} registered twice with different values ({first} and {second})")]
    Conflict { key: String, first: u64, second: u64 },
    #[error("no cell {0} in this release")]
    UnknownCell(usize),
    #[error("the relation {relation} ({sense:?} 0) does not hold on the release's values")]
    Contradicted { relation: String, sense: Sense },
    #[error("line {line} of a release's text cannot be read")]
    Parse { line: usize },
    #[error("the LP solver failed: {0}")]
    Solver(String),
    #[error("no controlled rounding of this release exists ({0}): publish it with suppression or differential privacy")]
    Infeasible(String),
    #[error("{0}")]
    Parameter(String),
    #[error("differential privacy (OpenDP): {0}")]
    Privacy(String),
    #[error("disclosure audit failed: {} suppressed cell(s) can be narrowed below the protection interval, e.g. {example}", .cells.len())]
    Unsafe { cells: Vec<CellId>, example: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// A protected release: which cells are suppressed, and the audit that lets it out.
#[derive(Debug, Clone)]
pub struct Protection {
    /// By [`CellId::index`]: suppressed (latent cells are never published, and not counted here).
    pub hidden: Vec<bool>,
    /// The method that chose the secondary suppressions (the heuristic when the solver failed).
    pub method: Method,
    pub effort: Effort,
    pub audit: Audit,
}

impl Protection {
    pub fn is_hidden(&self, id: CellId) -> bool {
        self.hidden.get(id.0).copied().unwrap_or(false)
    }

    /// How many published cells are suppressed.
    pub fn suppressed(&self) -> usize {
        self.hidden.iter().filter(|h| **h).count()
    }

    /// The sum of the suppressed cells' values.
    pub fn suppressed_total(&self, release: &Release) -> u64 {
        release.cells().filter(|&id| self.is_hidden(id)).map(|id| release.value(id)).sum()
    }
}

impl Release {
    /// Chooses the suppressions and audits them; refuses a release the audit fails.
    pub fn protect(&self, rule: &Rule) -> Result<Protection> {
        let (hidden, method, effort) = match rule.method {
            Method::Optimal => match secondary::optimise(self, rule) {
                Ok((hidden, effort)) => (hidden, Method::Optimal, effort),
                Err(Error::Solver(_)) => (self.heuristic(rule), Method::Heuristic, Effort::default()),
                Err(e) => return Err(e),
            },
            Method::Heuristic => (self.heuristic(rule), Method::Heuristic, Effort::default()),
        };
        let audit = audit(self, &hidden, rule)?;
        let cells: Vec<CellId> = audit.failures().map(|i| i.cell).collect();
        if let Some(first) = audit.failures().next() {
            let example = format!(
                "{} ({}) placed in [{}, {}]",
                self.key(first.cell),
                first.value,
                first.lower,
                first.upper.map_or("∞".to_owned(), |u| u.to_string())
            );
            return Err(Error::Unsafe { cells, example });
        }
        Ok(Protection { hidden, method, effort, audit })
    }

    /// The per-group heuristic ([`suppress`]) over this release's sums (every equality whose
    /// coefficients are ±1 is a group of its cells), without the audit.
    pub fn heuristic(&self, rule: &Rule) -> Vec<bool> {
        // Latent cells cannot be suppressed: give them a value the heuristic never picks, and
        // leave them out of the groups' counts of hidden cells by dropping them.
        let groups: Vec<Vec<usize>> = self
            .relations
            .iter()
            .filter(|r| r.sense == Sense::Eq && r.terms.iter().all(|(_, c)| c.abs() == 1))
            .map(|r| r.terms.iter().map(|(id, _)| id.0).filter(|&i| self.published[i]).collect())
            .collect();
        let mut hidden = suppress(&self.values, &groups, rule.min_cell);
        for (h, p) in hidden.iter_mut().zip(&self.published) {
            *h &= *p;
        }
        hidden
    }
}

/// Which cells of `counts` to suppress. `groups` lists sets of cell indices that add up to a
/// published total; every index must be below `counts.len()` (others are ignored).
pub fn suppress(counts: &[u64], groups: &[Vec<usize>], min_cell: u64) -> Vec<bool> {
    let mut hidden: Vec<bool> = counts.iter().map(|&c| c > 0 && c < min_cell).collect();
    // Suppressing a cell for one group can leave another group with a single suppressed cell, so
    // repeat until nothing changes (each pass only adds suppressions, so it ends).
    loop {
        let mut changed = false;
        for group in groups {
            let members: Vec<usize> = group.iter().copied().filter(|&i| i < counts.len()).collect();
            let n_hidden = members.iter().filter(|&&i| hidden[i]).count();
            if n_hidden != 1 {
                continue;
            }
            let candidate =
                members.iter().copied().filter(|&i| !hidden[i] && counts[i] > 0).min_by_key(|&i| (counts[i], i));
            if let Some(i) = candidate {
                hidden[i] = true;
                changed = true;
            }
        }
        if !changed {
            return hidden;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::suppress;

    #[test]
    fn small_counts_are_hidden_zeros_are_not() {
        assert_eq!(suppress(&[0, 1, 4, 5, 100], &[], 5), vec![false, true, true, false, false]);
    }

    #[test]
    fn a_lone_suppressed_cell_gets_a_partner_in_its_group() {
        // Group total 62: with only `3` hidden it could be recovered as 62 - 12 - 40 - 7.
        let hidden = suppress(&[12, 3, 40, 7], &[vec![0, 1, 2, 3]], 5);
        assert_eq!(hidden, vec![false, true, false, true]);
    }

    #[test]
    fn secondary_suppression_propagates_across_overlapping_groups() {
        // A 2x2 table with row and column groups: one small cell forces a rectangle.
        // [2, 10]
        // [20, 30]
        let counts = [2, 10, 20, 30];
        let groups = vec![vec![0, 1], vec![2, 3], vec![0, 2], vec![1, 3]];
        let hidden = suppress(&counts, &groups, 5);
        assert_eq!(hidden, vec![true, true, true, true]);
        for group in &groups {
            let n = group.iter().filter(|&&i| hidden[i]).count();
            assert!(n == 0 || n >= 2, "group {group:?} has a single suppressed cell");
        }
    }

    #[test]
    fn no_group_is_left_with_exactly_one_hidden_cell() {
        // A pseudo-random table: the invariant holds whatever the counts.
        let mut state = 12345u64;
        for _ in 0..200 {
            let counts: Vec<u64> = (0..12)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (state >> 33) % 15
                })
                .collect();
            let groups: Vec<Vec<usize>> = (0..3)
                .map(|r| (0..4).map(|c| r * 4 + c).collect())
                .chain((0..4).map(|c| (0..3).map(|r| r * 4 + c).collect()))
                .collect();
            let hidden = suppress(&counts, &groups, 5);
            for group in &groups {
                let n = group.iter().filter(|&&i| hidden[i]).count();
                let nonzero_visible = group.iter().filter(|&&i| !hidden[i] && counts[i] > 0).count();
                assert!(n != 1 || nonzero_visible == 0, "{counts:?} {hidden:?} {group:?}");
            }
            for (i, &c) in counts.iter().enumerate() {
                assert!(!(c > 0 && c < 5) || hidden[i], "primary cell {i} shown");
            }
        }
    }
}
