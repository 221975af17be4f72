//! Turning candidate pairs into matches: one-to-one between two lists, and clusters across
//! several lists with at most one record of each list per cluster.
//!
//! Both follow anonlink's greedy solver (`anonlink.solving.greedy_solve`,
//! `probabilistic_greedy_solve`): candidate pairs are taken in order of decreasing similarity
//! (ties by list, then record index); two groups are merged only if no list would appear twice
//! in the merged group and every cross pair between them is a candidate (`merge_threshold` 1).
//! A record therefore joins the group of its most similar partner first, and a later, weaker
//! pair cannot chain two strong groups together.

use std::collections::BTreeMap;

use crate::clk::Clk;
use crate::dice::{EncodingSet, Pair, candidate_pairs, sort_pairs};
use crate::error::Result;

/// A record: `(list index, record index within the list)`.
pub type RecordRef = (usize, usize);

/// One-to-one greedy matching of two lists: pairs `(i, j, dice)` with `dice ≥ threshold`, each
/// record used at most once, highest similarity first — anonlink's `greedy_solve` on two
/// datasets. Sorted as anonlink sorts candidates.
///
/// # Errors
/// [`crate::Error::Threshold`] unless `0 < threshold ≤ 1`; [`crate::Error::LengthMismatch`] when
/// encodings differ in length.
pub fn match_two(a: &[Clk], b: &[Clk], threshold: f64) -> Result<Vec<Pair>> {
    let pairs = candidate_pairs(&EncodingSet::new(a)?, &EncodingSet::new(b)?, threshold)?;
    Ok(greedy_one_to_one(&pairs, a.len(), b.len()))
}

/// The groups of one list's encodings that are linked, directly or through others, by a Dice
/// similarity at or above `threshold` (connected components), each group's indices ascending and
/// the groups ordered by their first index. Singletons are groups too.
///
/// # Errors
/// As [`candidate_pairs`].
pub fn similar_groups(clks: &[Clk], threshold: f64) -> Result<Vec<Vec<usize>>> {
    let set = EncodingSet::new(clks)?;
    let mut parent: Vec<usize> = (0..clks.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (i, j, _) in candidate_pairs(&set, &set, threshold)? {
        let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
        if ri != rj {
            parent[ri.max(rj)] = ri.min(rj);
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..clks.len() {
        let r = root(&mut parent, i);
        members.entry(r).or_default().push(i);
    }
    Ok(members.into_values().collect())
}

/// Greedy one-to-one selection from sorted candidate pairs.
pub fn greedy_one_to_one(sorted_pairs: &[Pair], n_a: usize, n_b: usize) -> Vec<Pair> {
    let mut used_a = vec![false; n_a];
    let mut used_b = vec![false; n_b];
    let mut out = Vec::new();
    for &(i, j, s) in sorted_pairs {
        if i < n_a && j < n_b && !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            out.push((i, j, s));
        }
    }
    out
}

/// Cluster records of several lists: Dice candidates between every two lists, then anonlink's
/// greedy merging with at most one record per list in a cluster. Returns the clusters of two or
/// more records, each sorted, in order of their first record.
///
/// # Errors
/// As [`match_two`].
pub fn cluster_sources(sources: &[&[Clk]], threshold: f64) -> Result<Vec<Vec<RecordRef>>> {
    let sets: Vec<EncodingSet> = sources.iter().map(|s| EncodingSet::new(s)).collect::<Result<_>>()?;
    let mut candidates: Vec<(f64, RecordRef, RecordRef)> = Vec::new();
    for x in 0..sets.len() {
        for y in x + 1..sets.len() {
            let mut pairs = candidate_pairs(&sets[x], &sets[y], threshold)?;
            sort_pairs(&mut pairs);
            candidates.extend(pairs.into_iter().map(|(i, j, s)| (s, (x, i), (y, j))));
        }
    }
    // anonlink merges the per-pair lists by (-similarity, list₀, list₁, record₀, record₁).
    candidates.sort_unstable_by(|p, q| {
        q.0.total_cmp(&p.0)
            .then(p.1.0.cmp(&q.1.0))
            .then(p.2.0.cmp(&q.2.0))
            .then(p.1.1.cmp(&q.1.1))
            .then(p.2.1.cmp(&q.2.1))
    });
    let sizes: Vec<usize> = sources.iter().map(|s| s.len()).collect();
    Ok(greedy_groups(&candidates, &sizes, 1.0))
}

struct Group {
    members: Vec<RecordRef>,
    /// Candidate pairs seen between this group and another one that were not merged.
    links: BTreeMap<usize, u32>,
}

/// anonlink's `probabilistic_greedy_solve` with `deduplicated = true`, over candidates already
/// sorted. `merge_threshold` is the share of cross pairs that must be candidates for two groups
/// to merge (1.0: all of them).
pub fn greedy_groups(
    sorted: &[(f64, RecordRef, RecordRef)],
    list_sizes: &[usize],
    merge_threshold: f64,
) -> Vec<Vec<RecordRef>> {
    let mut group_of: Vec<Vec<Option<usize>>> = list_sizes.iter().map(|&n| vec![None; n]).collect();
    let mut groups: Vec<Option<Group>> = Vec::new();
    let lists_disjoint = |g: &Group, h: &Group| g.members.iter().all(|m| h.members.iter().all(|n| m.0 != n.0));

    for &(_, r0, r1) in sorted {
        if r0 == r1 || r0.0 >= group_of.len() || r1.0 >= group_of.len() {
            continue;
        }
        let (g0, g1) = (group_of[r0.0][r0.1], group_of[r1.0][r1.1]);
        match (g0, g1) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => {
                let (ga, gb) = (groups[a].as_ref(), groups[b].as_ref());
                let (Some(ga), Some(gb)) = (ga, gb) else {
                    continue;
                };
                let overlap = ga.links.get(&b).copied().unwrap_or(0) + 1;
                let total = (ga.members.len() * gb.members.len()) as f64;
                if f64::from(overlap) >= merge_threshold * total && lists_disjoint(ga, gb) {
                    // Extend the bigger group with the smaller one.
                    let (big, small) = if ga.members.len() >= gb.members.len() { (a, b) } else { (b, a) };
                    let Some(small_group) = groups[small].take() else {
                        continue;
                    };
                    for m in &small_group.members {
                        group_of[m.0][m.1] = Some(big);
                    }
                    for (&other, &count) in &small_group.links {
                        if other == big {
                            continue;
                        }
                        if let Some(o) = groups[other].as_mut() {
                            o.links.remove(&small);
                            *o.links.entry(big).or_insert(0) += count;
                        }
                        if let Some(bg) = groups[big].as_mut() {
                            *bg.links.entry(other).or_insert(0) += count;
                        }
                    }
                    if let Some(bg) = groups[big].as_mut() {
                        bg.links.remove(&small);
                        bg.members.extend(small_group.members);
                    }
                } else {
                    for (x, y) in [(a, b), (b, a)] {
                        if let Some(g) = groups[x].as_mut() {
                            *g.links.entry(y).or_insert(0) += 1;
                        }
                    }
                }
            }
            (Some(a), None) | (None, Some(a)) => {
                let lone = if g0.is_some() { r1 } else { r0 };
                let Some(ga) = groups[a].as_ref() else {
                    continue;
                };
                let total = ga.members.len() as f64;
                let disjoint = ga.members.iter().all(|m| m.0 != lone.0);
                if 1.0 >= merge_threshold * total && disjoint {
                    if let Some(g) = groups[a].as_mut() {
                        g.members.push(lone);
                    }
                    group_of[lone.0][lone.1] = Some(a);
                } else {
                    // The lone record starts its own group, remembering this pair.
                    let id = groups.len();
                    let mut links = BTreeMap::new();
                    links.insert(a, 1);
                    groups.push(Some(Group { members: vec![lone], links }));
                    group_of[lone.0][lone.1] = Some(id);
                    if let Some(g) = groups[a].as_mut() {
                        g.links.insert(id, 1);
                    }
                }
            }
            (None, None) => {
                if r0.0 != r1.0 {
                    let id = groups.len();
                    groups.push(Some(Group { members: vec![r0, r1], links: BTreeMap::new() }));
                    group_of[r0.0][r0.1] = Some(id);
                    group_of[r1.0][r1.1] = Some(id);
                }
            }
        }
    }
    let mut out: Vec<Vec<RecordRef>> = groups
        .into_iter()
        .flatten()
        .filter(|g| g.members.len() > 1)
        .map(|mut g| {
            g.members.sort_unstable();
            g.members
        })
        .collect();
    out.sort_unstable();
    out
}
