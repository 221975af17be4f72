//! Clustering scored pairs into persons without chaining unrelated people together.
//!
//! Two regimes:
//! - **duplicates allowed** (one source, or sources that repeat people): connected components
//!   over pairs at or above the match threshold; then every component of three or more records
//!   whose share of linked pairs (its density) is below `min_cluster_density` is cut by raising
//!   the weight threshold one bit at a time until every piece is dense or a pair; a component
//!   that falls apart at the strict threshold is flagged for review.
//! - **unique within source** (each source lists a person at most once): pairs are taken in
//!   descending weight and merge two clusters only when they share no source — a greedy
//!   one-to-one (and, for several sources, one-per-source) assignment, as in best-link matching.

use std::collections::BTreeSet;

/// A scored edge for clustering: record indices and match weight.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Edge {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
}

struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind { parent: (0..n as u32).collect(), size: vec![1; n] }
    }

    fn find(&mut self, x: u32) -> u32 {
        let mut root = x;
        while self.parent[root as usize] != root {
            root = self.parent[root as usize];
        }
        let mut cur = x;
        while self.parent[cur as usize] != root {
            let next = self.parent[cur as usize];
            self.parent[cur as usize] = root;
            cur = next;
        }
        root
    }

    fn union(&mut self, a: u32, b: u32) -> u32 {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return ra;
        }
        let (big, small) = if self.size[ra as usize] >= self.size[rb as usize] { (ra, rb) } else { (rb, ra) };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
        big
    }
}

/// Result of clustering: a cluster id per record (numbered by first record, from 0) and the
/// ids of clusters flagged for review.
pub(crate) struct Clustering {
    pub cluster_of: Vec<u32>,
    pub unstable: Vec<u32>,
}

/// Renumbers root labels so that cluster ids follow the order of each cluster's first record.
fn renumber(labels: &[u32]) -> Vec<u32> {
    let mut map = rustc_hash::FxHashMap::default();
    labels
        .iter()
        .map(|&l| {
            let next = map.len() as u32;
            *map.entry(l).or_insert(next)
        })
        .collect()
}

/// Components larger than this are first cut by density (see [`split_sparse`]) before the
/// correlation clustering, which compares every two records of a component.
const DENSE_LIMIT: usize = 400;

/// Clusters with duplicates allowed. `edges` must hold only pairs at or above the match
/// threshold; `strict_weight` is the weight of the strict threshold; `weight(a, b)` scores any two
/// records (prior included), also pairs that blocking never compared.
///
/// Method: connected components over the edges, then, inside each component of three or more
/// records, greedy correlation clustering (Bansal, Blum and Chawla 2004; the agglomerative
/// heuristic of Elsner and Schudy 2009): start from single records and repeatedly merge the two
/// clusters whose records' pairwise weights sum highest, while that sum is positive. The weights
/// are log-odds, so a pair of namesakes with different birth dates (strongly negative) keeps apart
/// two persons that a record without a birth date links to both: components alone would chain
/// them into one person.
pub(crate) fn cluster_components<W>(
    n: usize,
    edges: &[Edge],
    strict_weight: f64,
    min_density: f64,
    weight: W,
) -> Clustering
where
    W: Fn(u32, u32) -> f64 + Sync,
{
    use rayon::prelude::*;
    let mut uf = UnionFind::new(n);
    for e in edges {
        uf.union(e.a, e.b);
    }
    let roots: Vec<u32> = (0..n as u32).map(|x| uf.find(x)).collect();
    // Edges grouped by component.
    let mut by_component: rustc_hash::FxHashMap<u32, Vec<Edge>> = rustc_hash::FxHashMap::default();
    for e in edges {
        by_component.entry(roots[e.a as usize]).or_default().push(*e);
    }
    let mut component_roots: Vec<u32> = by_component.keys().copied().collect();
    component_roots.sort_unstable();
    // Each component's pieces and whether it is unstable, computed in parallel and applied in
    // root order (deterministic whatever the number of threads).
    let results: Vec<(u32, Vec<Vec<u32>>, bool)> = component_roots
        .par_iter()
        .filter_map(|&root| {
            let comp_edges = &by_component[&root];
            let members: Vec<u32> = members_of(comp_edges);
            if members.len() < 3 {
                return None;
            }
            let strict: Vec<Edge> = comp_edges.iter().copied().filter(|e| e.weight >= strict_weight).collect();
            let mut unstable = count_pieces(&members, &strict) > 1;
            let mut coarse = Vec::new();
            if members.len() > DENSE_LIMIT {
                split_sparse(&members, comp_edges, min_density, &mut coarse);
            } else {
                coarse.push(members);
            }
            let mut pieces = Vec::new();
            for piece in coarse {
                if piece.len() < 3 || piece.len() > DENSE_LIMIT {
                    pieces.push(piece);
                } else {
                    pieces.extend(correlation_clusters(&piece, &weight));
                }
            }
            unstable |= pieces.len() > 1;
            Some((root, pieces, unstable))
        })
        .collect();
    let mut labels = roots.clone();
    let mut unstable_roots = BTreeSet::new();
    for (root, pieces, unstable) in results {
        if unstable {
            unstable_roots.insert(root);
        }
        if pieces.len() > 1 {
            for piece in pieces {
                let label = piece[0];
                for &r in &piece {
                    labels[r as usize] = label;
                }
            }
        }
    }
    let cluster_of = renumber(&labels);
    let unstable =
        unstable_roots.into_iter().map(|root| cluster_of[root as usize]).collect::<BTreeSet<_>>().into_iter().collect();
    Clustering { cluster_of, unstable }
}

/// Greedy agglomerative correlation clustering of `members` (sorted): merges the two clusters
/// with the highest positive sum of pairwise weights until none is positive. Ties go to the
/// lowest cluster indices. Returns the pieces, each sorted, ordered by first member.
fn correlation_clusters<W: Fn(u32, u32) -> f64>(members: &[u32], weight: &W) -> Vec<Vec<u32>> {
    let k = members.len();
    // between[p * k + q]: sum of weights between clusters p and q (p != q).
    let mut between = vec![0.0f64; k * k];
    for i in 0..k {
        for j in i + 1..k {
            let w = weight(members[i], members[j]);
            between[i * k + j] = w;
            between[j * k + i] = w;
        }
    }
    let mut active: Vec<bool> = vec![true; k];
    let mut clusters: Vec<Vec<u32>> = members.iter().map(|&m| vec![m]).collect();
    loop {
        let mut best: Option<(usize, usize, f64)> = None;
        for p in (0..k).filter(|&p| active[p]) {
            for q in (p + 1..k).filter(|&q| active[q]) {
                let w = between[p * k + q];
                if w > 0.0 && best.is_none_or(|(_, _, b)| w > b) {
                    best = Some((p, q, w));
                }
            }
        }
        let Some((p, q, _)) = best else { break };
        active[q] = false;
        let moved = std::mem::take(&mut clusters[q]);
        clusters[p].extend(moved);
        for r in (0..k).filter(|&r| active[r] && r != p) {
            let w = between[p * k + r] + between[q * k + r];
            between[p * k + r] = w;
            between[r * k + p] = w;
        }
    }
    let mut pieces: Vec<Vec<u32>> = clusters
        .into_iter()
        .zip(active)
        .filter(|(_, a)| *a)
        .map(|(mut c, _)| {
            c.sort_unstable();
            c
        })
        .collect();
    pieces.sort_unstable_by_key(|p| p[0]);
    pieces
}

fn members_of(edges: &[Edge]) -> Vec<u32> {
    let mut members: Vec<u32> = edges.iter().flat_map(|e| [e.a, e.b]).collect();
    members.sort_unstable();
    members.dedup();
    members
}

/// Connected pieces of `members` under `edges` (each piece sorted, pieces ordered by first member).
fn pieces_of(members: &[u32], edges: &[Edge]) -> Vec<Vec<u32>> {
    let index: rustc_hash::FxHashMap<u32, u32> = members.iter().enumerate().map(|(i, &m)| (m, i as u32)).collect();
    let mut uf = UnionFind::new(members.len());
    for e in edges {
        if let (Some(&x), Some(&y)) = (index.get(&e.a), index.get(&e.b)) {
            uf.union(x, y);
        }
    }
    let mut groups: std::collections::BTreeMap<u32, Vec<u32>> = std::collections::BTreeMap::new();
    for (i, &m) in members.iter().enumerate() {
        groups.entry(uf.find(i as u32)).or_default().push(m);
    }
    let mut pieces: Vec<Vec<u32>> = groups.into_values().collect();
    pieces.sort_unstable_by_key(|p| p[0]);
    pieces
}

fn count_pieces(members: &[u32], edges: &[Edge]) -> usize {
    pieces_of(members, edges).len()
}

/// Cuts a component by raising the weight threshold one bit at a time until every piece is a
/// pair, a singleton, or dense enough.
fn split_sparse(members: &[u32], edges: &[Edge], min_density: f64, out: &mut Vec<Vec<u32>>) {
    let n = members.len();
    // Every pair counts, also those blocking never compared: conservative on purpose (counting
    // only compared pairs was measured to merge more unrelated people on historical_50k).
    let possible = (n * (n - 1) / 2) as f64;
    if n < 3 || edges.len() as f64 >= min_density * possible {
        out.push(members.to_vec());
        return;
    }
    let min_weight = edges.iter().map(|e| e.weight).fold(f64::INFINITY, f64::min);
    let max_weight = edges.iter().map(|e| e.weight).fold(f64::NEG_INFINITY, f64::max);
    let mut cut = min_weight + 1.0;
    loop {
        let kept: Vec<Edge> = edges.iter().copied().filter(|e| e.weight >= cut).collect();
        let pieces = pieces_of(members, &kept);
        let covered: usize = pieces.len();
        if covered > 1 || cut > max_weight {
            for piece in pieces {
                let piece_set: BTreeSet<u32> = piece.iter().copied().collect();
                let piece_edges: Vec<Edge> =
                    kept.iter().copied().filter(|e| piece_set.contains(&e.a) && piece_set.contains(&e.b)).collect();
                if piece.len() >= 3 {
                    split_sparse(&piece, &piece_edges, min_density, out);
                } else {
                    out.push(piece);
                }
            }
            return;
        }
        cut += 1.0;
    }
}

/// Clusters with at most one record per source in each cluster: greedy merge in descending
/// weight (ties broken by record indices), refusing merges of clusters that share a source.
pub(crate) fn cluster_one_per_source(n: usize, edges: &[Edge], source: &[u32]) -> Clustering {
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_unstable_by(|&x, &y| {
        edges[y].weight.total_cmp(&edges[x].weight).then((edges[x].a, edges[x].b).cmp(&(edges[y].a, edges[y].b)))
    });
    let mut uf = UnionFind::new(n);
    let mut sources: Vec<Vec<u32>> = source.iter().map(|&s| vec![s]).collect();
    for idx in order {
        let e = edges[idx];
        let (ra, rb) = (uf.find(e.a), uf.find(e.b));
        if ra == rb {
            continue;
        }
        let clash = sources[ra as usize].iter().any(|s| sources[rb as usize].contains(s));
        if clash {
            continue;
        }
        let moved_a = std::mem::take(&mut sources[ra as usize]);
        let moved_b = std::mem::take(&mut sources[rb as usize]);
        let root = uf.union(ra, rb);
        let mut merged = moved_a;
        merged.extend(moved_b);
        merged.sort_unstable();
        sources[root as usize] = merged;
    }
    let labels: Vec<u32> = (0..n as u32).map(|x| uf.find(x)).collect();
    Clustering { cluster_of: renumber(&labels), unstable: Vec::new() }
}

/// Applies a reviewer's decisions to a clustering: records of a must-link pair end in one
/// cluster, records of a cannot-link pair in different ones.
///
/// Must-links are applied first, by merging clusters. A cluster that then holds both records of
/// a cannot-link pair is rebuilt from scratch: its must-link groups first, then its edges in
/// descending weight (ties by record indices), refusing every merge that would join the two
/// records of a cannot-link pair (or, with `sources`, two records of one source). A cannot-link
/// pair that a chain of must-links joins cannot be honoured; it is returned as a conflict and the
/// must-links win. Returns the new cluster ids (numbered by first record) and the conflicts.
pub(crate) fn apply_constraints(
    cluster_of: &[u32],
    edges: &[Edge],
    sources: Option<&[u32]>,
    must_link: &[(u32, u32)],
    cannot_link: &[(u32, u32)],
) -> (Vec<u32>, Vec<(u32, u32)>) {
    let n = cluster_of.len();
    let mut must = UnionFind::new(n);
    for &(a, b) in must_link {
        must.union(a, b);
    }
    let mut conflicts = Vec::new();
    let mut cannot = Vec::new();
    for &(a, b) in cannot_link {
        if must.find(a) == must.find(b) { conflicts.push((a, b)) } else { cannot.push((a, b)) }
    }
    // The clustering with the must-links merged in.
    let mut merged = UnionFind::new(n);
    let mut first_of_label: rustc_hash::FxHashMap<u32, u32> = rustc_hash::FxHashMap::default();
    for (record, &label) in cluster_of.iter().enumerate() {
        let first = *first_of_label.entry(label).or_insert(record as u32);
        merged.union(first, record as u32);
    }
    for &(a, b) in must_link {
        merged.union(a, b);
    }
    let mut labels: Vec<u32> = (0..n as u32).map(|r| merged.find(r)).collect();
    let violated: BTreeSet<u32> = cannot
        .iter()
        .filter(|&&(a, b)| labels[a as usize] == labels[b as usize])
        .map(|&(a, _)| labels[a as usize])
        .collect();
    if !violated.is_empty() {
        // Rebuild the violated clusters (disjoint, so one union-find serves them all).
        let in_violated: Vec<bool> = labels.iter().map(|l| violated.contains(l)).collect();
        let inside = |a: u32, b: u32| {
            in_violated[a as usize] && in_violated[b as usize] && labels[a as usize] == labels[b as usize]
        };
        let mut rebuilt = UnionFind::new(n);
        let mut members: rustc_hash::FxHashMap<u32, Vec<u32>> =
            (0..n as u32).filter(|&r| in_violated[r as usize]).map(|r| (r, vec![r])).collect();
        let join = |uf: &mut UnionFind, members: &mut rustc_hash::FxHashMap<u32, Vec<u32>>, ra: u32, rb: u32| {
            let moved_a = members.remove(&ra).unwrap_or_default();
            let moved_b = members.remove(&rb).unwrap_or_default();
            let root = uf.union(ra, rb);
            let mut all = moved_a;
            all.extend(moved_b);
            members.insert(root, all);
        };
        for &(a, b) in must_link {
            if inside(a, b) {
                let (ra, rb) = (rebuilt.find(a), rebuilt.find(b));
                if ra != rb {
                    join(&mut rebuilt, &mut members, ra, rb);
                }
            }
        }
        let mut order: Vec<&Edge> = edges.iter().filter(|e| inside(e.a, e.b)).collect();
        order.sort_unstable_by(|x, y| y.weight.total_cmp(&x.weight).then((x.a, x.b).cmp(&(y.a, y.b))));
        for e in order {
            let (ra, rb) = (rebuilt.find(e.a), rebuilt.find(e.b));
            if ra == rb {
                continue;
            }
            let forbidden = cannot.iter().any(|&(x, y)| {
                let (rx, ry) = (rebuilt.find(x), rebuilt.find(y));
                (rx == ra && ry == rb) || (rx == rb && ry == ra)
            });
            let clash = sources.is_some_and(|s| {
                let (ma, mb) = (&members[&ra], &members[&rb]);
                ma.iter().any(|&x| mb.iter().any(|&y| s[x as usize] == s[y as usize]))
            });
            if !forbidden && !clash {
                join(&mut rebuilt, &mut members, ra, rb);
            }
        }
        for r in 0..n as u32 {
            if in_violated[r as usize] {
                labels[r as usize] = rebuilt.find(r);
            }
        }
    }
    (renumber(&labels), conflicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(a: u32, b: u32, weight: f64) -> Edge {
        Edge { a, b, weight }
    }

    /// Weights of the listed edges; every other pair weighs -10 (scored apart).
    fn table_weight(edges: &[Edge]) -> impl Fn(u32, u32) -> f64 + Sync + '_ {
        move |a, b| edges.iter().find(|e| (e.a, e.b) == (a.min(b), a.max(b))).map_or(-10.0, |e| e.weight)
    }

    #[test]
    fn a_chain_of_weak_links_is_cut_and_flagged() {
        // Two dense triangles {0,1,2} and {3,4,5} joined by one weak bridge 2-3: components would
        // merge six records; the density check cuts the bridge and flags the cluster.
        let mut edges = vec![edge(0, 1, 20.0), edge(0, 2, 20.0), edge(1, 2, 20.0)];
        edges.extend([edge(3, 4, 20.0), edge(3, 5, 20.0), edge(4, 5, 20.0)]);
        edges.push(edge(2, 3, 5.0));
        let c = cluster_components(7, &edges, 10.0, 0.5, table_weight(&edges));
        assert_eq!(c.cluster_of[0], c.cluster_of[2]);
        assert_eq!(c.cluster_of[3], c.cluster_of[5]);
        assert_ne!(c.cluster_of[2], c.cluster_of[3]);
        assert_eq!(c.unstable, vec![c.cluster_of[0]]);
        assert_ne!(c.cluster_of[6], c.cluster_of[0], "an unlinked record is alone");
    }

    #[test]
    fn a_dense_cluster_stays_whole_but_is_flagged_when_strict_splits_it() {
        let edges = [edge(0, 1, 20.0), edge(0, 2, 6.0), edge(1, 2, 6.0)];
        let c = cluster_components(3, &edges, 10.0, 0.5, table_weight(&edges));
        assert!(c.cluster_of.iter().all(|&x| x == c.cluster_of[0]));
        assert_eq!(c.unstable, vec![c.cluster_of[0]]);
    }

    #[test]
    fn one_per_source_keeps_the_best_link() {
        // Record 0 (source 0) links to 1 and 2 (both source 1); only the heavier link survives.
        let edges = [edge(0, 1, 8.0), edge(0, 2, 12.0)];
        let c = cluster_one_per_source(3, &edges, &[0, 1, 1]);
        assert_eq!(c.cluster_of[0], c.cluster_of[2]);
        assert_ne!(c.cluster_of[0], c.cluster_of[1]);
    }
    #[test]
    fn cannot_link_splits_a_cluster_and_must_link_merges_two() {
        // {0,1,2} linked, 3 alone. Distinct(0,1) splits; 2 follows its heavier link (to 0).
        let edges = [edge(0, 1, 9.0), edge(0, 2, 12.0), edge(1, 2, 8.0)];
        let c = cluster_components(4, &edges, 10.0, 0.5, table_weight(&edges));
        assert_eq!(c.cluster_of[0], c.cluster_of[1]);
        let (after, conflicts) = apply_constraints(&c.cluster_of, &edges, None, &[], &[(0, 1)]);
        assert!(conflicts.is_empty());
        assert_ne!(after[0], after[1]);
        assert_eq!(after[0], after[2]);
        // Match(1,3) merges record 3 into 1's person; a distinct pair elsewhere changes nothing.
        let (after, _) = apply_constraints(&c.cluster_of, &edges, None, &[(1, 3)], &[]);
        assert_eq!(after[1], after[3]);
        assert_eq!(after[0], after[3], "the person of 1 keeps its other records");
        // Together: 3 joins 1, and 0 is kept apart from 1 (so 0 and 3 too).
        let (after, _) = apply_constraints(&c.cluster_of, &edges, None, &[(1, 3)], &[(0, 1)]);
        assert_eq!(after[1], after[3]);
        assert_ne!(after[0], after[1]);
        assert_ne!(after[0], after[3]);
    }

    #[test]
    fn a_cannot_link_that_must_links_join_is_a_conflict() {
        let cluster_of = [0, 1, 2];
        let (after, conflicts) = apply_constraints(&cluster_of, &[], None, &[(0, 1), (1, 2)], &[(0, 2)]);
        assert_eq!(conflicts, vec![(0, 2)]);
        assert!(after.iter().all(|&c| c == after[0]), "must-links win");
    }

    #[test]
    fn rebuilding_keeps_one_record_per_source() {
        // 0 (source 0) with 1 and 2 (source 1 and 2), and 3 (source 1) must-linked to 0 so the
        // cluster is rebuilt after distinct(0,2): 1 may not join, 3 is there from source 1.
        let edges = [edge(0, 1, 10.0), edge(0, 2, 9.0), edge(1, 2, 9.0)];
        let c = cluster_one_per_source(4, &edges, &[0, 1, 2, 1]);
        let (after, _) = apply_constraints(&c.cluster_of, &edges, Some(&[0, 1, 2, 1]), &[(0, 3)], &[(0, 2)]);
        assert_eq!(after[0], after[3]);
        assert_ne!(after[0], after[1], "source 1 is already in the cluster through 3");
        assert_ne!(after[0], after[2]);
    }

    #[test]
    fn no_constraints_change_nothing() {
        let edges = [edge(0, 1, 10.0)];
        let c = cluster_components(3, &edges, 10.0, 0.5, table_weight(&edges));
        let (after, conflicts) = apply_constraints(&c.cluster_of, &edges, None, &[], &[]);
        assert_eq!(after, c.cluster_of);
        assert!(conflicts.is_empty());
    }
}
