//! Statistical disclosure control for published count tables.
//!
//! Method: **primary suppression** of every count from 1 to `min_cell − 1` (a zero is not
//! disclosive: it says nobody is there), then **secondary suppression** within each group of
//! cells that the same published table adds up (for example the sexes and age groups of one year),
//! so that no suppressed cell can be recovered by subtracting the others from a published total:
//! whenever a group has exactly one suppressed cell, the smallest other non-zero cell of the group
//! is suppressed too. This is the classic threshold rule with the "at least two suppressed cells
//! per marginal" heuristic used by national statistical offices (see Hundepool et al.,
//! *Statistical Disclosure Control*, Wiley 2012, ch. 4); it protects one level of marginals, which
//! is what Palermo's tables publish. Rates derived from a suppressed count are suppressed with it
//! by the caller.
//!
//! ```
//! let mut counts = vec![12, 3, 40, 7];
//! let suppressed = disclosure::suppress(&counts, &[vec![0, 1, 2, 3]], 5);
//! assert_eq!(suppressed, vec![false, true, false, true]); // 3 is primary, 7 secondary
//! # counts.clear();
//! ```

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
