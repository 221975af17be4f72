//! Models: which pairwise interaction terms join the main effects.
//!
//! Pairs are numbered as SparseMSE numbers them, `(1,2), (1,3), …, (1,t), (2,3), …`,
//! because its stepwise tie rule picks the lowest-numbered pair.

use crate::error::{Error, Result};

/// A log-linear model over `t` lists: main effects plus a set of pairwise terms.
///
/// Stored as a bit set over pair indices (see [`pair_index`]); at most
/// [`crate::MAX_LISTS`] lists, so at most 120 pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Model {
    pairs: u128,
}

/// Index of the pair `(i, j)`, `i < j < t`, in SparseMSE's order.
pub fn pair_index(t: usize, i: usize, j: usize) -> usize {
    debug_assert!(i < j && j < t);
    i * (2 * t - i - 1) / 2 + (j - i - 1)
}

/// All pairs `(i, j)` with `i < j < t`, in SparseMSE's order.
pub fn all_pairs(t: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(t * t.saturating_sub(1) / 2);
    for i in 0..t {
        for j in i + 1..t {
            out.push((i, j));
        }
    }
    out
}

impl Model {
    /// Main effects only.
    pub const MAIN_EFFECTS: Model = Model { pairs: 0 };

    /// A model from a bit set of pair indices.
    pub fn from_bits(pairs: u128) -> Self {
        Self { pairs }
    }

    /// The bit set of pair indices.
    pub fn bits(self) -> u128 {
        self.pairs
    }

    /// Whether pair `k` is in the model.
    pub fn contains(self, k: usize) -> bool {
        self.pairs >> k & 1 == 1
    }

    /// The model with pair `k` added.
    #[must_use]
    pub fn with(self, k: usize) -> Self {
        Self { pairs: self.pairs | 1 << k }
    }

    /// The model with every pair of `t` lists.
    pub fn saturated_pairs(t: usize) -> Self {
        let n = t * (t - 1) / 2;
        Self { pairs: if n == 128 { u128::MAX } else { (1u128 << n) - 1 } }
    }

    /// Pair indices in the model, ascending.
    pub fn pair_indices(self) -> impl Iterator<Item = usize> {
        (0..128).filter(move |&k| self.contains(k))
    }

    /// Number of pairwise terms.
    pub fn n_pairs(self) -> usize {
        self.pairs.count_ones() as usize
    }

    /// The terms as `"A:B"` strings, in pair order.
    pub fn terms(self, lists: &[String]) -> Vec<String> {
        all_pairs(lists.len())
            .into_iter()
            .enumerate()
            .filter(|&(k, _)| self.contains(k))
            .map(|(_, (i, j))| format!("{}:{}", lists[i], lists[j]))
            .collect()
    }

    /// Parses terms such as `"LA:NG"` against the table's list names; the order
    /// of the two names does not matter.
    pub fn parse_terms<S: AsRef<str>>(lists: &[String], terms: &[S]) -> Result<Self> {
        let t = lists.len();
        let mut model = Self::MAIN_EFFECTS;
        for term in terms {
            let term = term.as_ref().trim();
            let Some((a, b)) = term.split_once(':') else {
                return Err(Error::BadTerm { term: term.to_owned() });
            };
            let find = |name: &str| {
                lists
                    .iter()
                    .position(|l| l == name.trim())
                    .ok_or_else(|| Error::UnknownList { term: term.to_owned(), name: name.trim().to_owned() })
            };
            let (i, j) = (find(a)?, find(b)?);
            if i == j {
                return Err(Error::BadTerm { term: term.to_owned() });
            }
            model = model.with(pair_index(t, i.min(j), i.max(j)));
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_index_follows_sparsemse_order() {
        for t in 2..=16 {
            for (k, (i, j)) in all_pairs(t).into_iter().enumerate() {
                assert_eq!(pair_index(t, i, j), k);
            }
        }
    }
}
