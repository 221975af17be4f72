//! Controlled rounding: every published count of a release becomes a multiple of a base (3 or 5)
//! adjacent to it, and every additive relation of the release (a total is the sum of its parts,
//! across all tables) still holds on the rounded values.
//!
//! Each count `x = base·q + r` becomes `base·q` or `base·(q + 1)` (a multiple is kept as it is:
//! zero-restricted rounding, so a zero stays a zero and no rounded value is a full base away from
//! the truth), the choice minimising the total absolute change `Σ |rounded − x|` subject to the
//! release's equalities; latent cells (never published) are free. Solved as a linear program
//! over the whole release ([`crate::fit`]; for one table with its margins, a network problem
//! whose LP optimum is already whole), with branch and bound when it is not. Controlled rounding
//! of linked tables in three or more dimensions need not exist: [`Error::Infeasible`] then, and
//! nothing is published. (Salazar-González, *Controlled rounding and cell perturbation*, Journal
//! of Official Statistics 2002; τ-ARGUS' controlled rounding.)

use crate::fit::{Kept, Target, fit};
use crate::release::{CellId, Release};
use crate::{Error, Result};

/// The rounding bases offered.
pub const BASES: [u64; 2] = [3, 5];

/// A rounded release.
#[derive(Debug, Clone)]
pub struct Rounded {
    pub base: u64,
    /// By [`CellId::index`]: the rounded value of each published cell (`None` for latent cells).
    pub values: Vec<Option<u64>>,
    /// Published cells whose value changed.
    pub changed: usize,
}

impl Rounded {
    pub fn value(&self, id: CellId) -> Option<u64> {
        self.values.get(id.index()).copied().flatten()
    }
}

impl Release {
    /// Controlled rounding of every published cell to base `base` (3 or 5).
    pub fn round(&self, base: u64) -> Result<Rounded> {
        if !BASES.contains(&base) {
            return Err(Error::Parameter(format!("rounding base {base}: use 3 or 5")));
        }
        let targets: Vec<Option<Target>> = (0..self.len())
            .map(|i| {
                Some(if self.published[i] {
                    let v = self.values[i];
                    Target::Step { floor: (v / base) as i64, base, rem: v % base }
                } else {
                    Target::Free
                })
            })
            .collect();
        let values = fit(self, &targets, Kept::Equalities, "controlled rounding")?;
        let changed = values.iter().zip(&self.values).filter(|(r, v)| r.is_some_and(|r| r != **v)).count();
        Ok(Rounded { base, values, changed })
    }
}
