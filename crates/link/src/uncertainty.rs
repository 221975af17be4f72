//! How much the persons depend on what the linkage could not be sure of: linkages drawn from the
//! borderline pairs' probabilities, with the links blocking kept the linker from seeing (the
//! probe's estimate) put back.
//!
//! A draw starts from the linkage's persons. A borderline pair the linkage joined is judged two
//! persons with chance `1 - p`: one of its records then leaves the person, if nothing but
//! borderline pairs ties it there (a record held by a confident pair stays). A borderline pair it
//! kept apart is judged one person with chance `p`: the two persons merge.
//!
//! Merges are drawn only where one of the two records is alone in its person, with the chance
//! that the two persons are one ([`crate::probe::persons_probability`]: a record alone and a
//! person of several records are one person only if the record looks like all of them, not just
//! like one). A missed link almost always leaves one poorly recorded record on its own (at
//! 300,000 simulated victims, 98% of the true pairs the linkage missed across lists had such a
//! record on one side), while a borderline pair between two persons of several records each is
//! nearly always two namesakes (16 true among 513): drawing those merges as independent coin
//! flips would join whole persons into people seen by four or five agencies, a pattern that real
//! links almost never make and that moves the estimate more than anything else.
//!
//! The probe ([`crate::probe`]) found, in a sample, merges the linkage lacks (pairs of records no
//! rule compared or the model scored below the review threshold). Each stands for `p /
//! inclusion` such merges in the whole linkage: a draw resamples the probe's merges (so the
//! probe's own sampling error is in the spread) and, for each, makes that many merges (rounded at
//! random) between persons of the same kind as its two persons: seen by the same sources, and
//! alone on their record or not. Pairs a reviewer decided are never redrawn.
//!
//! Each draw costs one pass over the borderline pairs and the records, so a run can afford tens
//! of them at a million records; the spread of what is computed from the draws (persons counted,
//! the estimate) is the linkage's share of the uncertainty, and their centre corrects for the
//! links the linkage could not make.

use rand::Rng;
use rustc_hash::FxHashMap;

use crate::LinkOutput;
use crate::probe::MissedLink;

/// Union–find over cluster ids, with path halving.
struct Sets(Vec<u32>);

impl Sets {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = parent;
            x = parent;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b) as usize] = a.min(b);
        }
    }
}

/// How a draw puts back the links the probe says blocking missed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissedAs {
    /// Between persons of the same kinds as each found pair's two persons (the best guess).
    Found,
    /// Each between two records left alone on the found pair's two sources: every such link then
    /// adds a person seen by two lists where there were two seen by one, which lowers the
    /// estimate most (a bound, not a guess).
    Alone,
}

/// What every draw of one linkage shares (see [`LinkOutput::drawer`]).
pub struct Drawer<'a> {
    output: &'a LinkOutput,
    /// Records held in their person by a confident pair.
    anchored: Vec<bool>,
    /// Records alone in their person.
    alone: Vec<bool>,
    /// Records alone in their person, by source.
    alone_by_source: FxHashMap<u32, Vec<u32>>,
    /// Kind of every person (its sources, and whether it is one record), as an index into `kinds`.
    kind_of_cluster: Vec<u32>,
    /// The first record of every person of each kind.
    kinds: Vec<Vec<u32>>,
}

impl LinkOutput {
    /// Prepares drawing linkages (see the module's documentation).
    pub fn drawer(&self) -> Drawer<'_> {
        let n = self.clusters.len();
        let mut anchored = vec![false; n];
        for p in &self.pairs {
            if p.match_probability >= self.review_upper_threshold
                && self.clusters[p.left as usize] == self.clusters[p.right as usize]
            {
                anchored[p.left as usize] = true;
                anchored[p.right as usize] = true;
            }
        }
        let n_clusters = self.clusters.iter().max().map_or(0, |&m| m as usize + 1);
        let mut size = vec![0u32; n_clusters];
        let mut first = vec![u32::MAX; n_clusters];
        let mut sources: Vec<Vec<u32>> = vec![Vec::new(); n_clusters];
        for (r, &c) in self.clusters.iter().enumerate() {
            let c = c as usize;
            size[c] += 1;
            if first[c] == u32::MAX {
                first[c] = r as u32;
            }
            let s = self.sources.get(r).copied().unwrap_or(0);
            if !sources[c].contains(&s) {
                sources[c].push(s);
            }
        }
        let mut index: FxHashMap<(Vec<u32>, bool), u32> = FxHashMap::default();
        let mut kinds: Vec<Vec<u32>> = Vec::new();
        let mut kind_of_cluster = Vec::with_capacity(n_clusters);
        for (c, mut s) in sources.into_iter().enumerate() {
            s.sort_unstable();
            let next = kinds.len() as u32;
            let kind = *index.entry((s, size[c] == 1)).or_insert(next);
            if kind == next {
                kinds.push(Vec::new());
            }
            kinds[kind as usize].push(first[c]);
            kind_of_cluster.push(kind);
        }
        let alone: Vec<bool> = self.clusters.iter().map(|&c| size[c as usize] == 1).collect();
        let mut alone_by_source: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for (r, _) in alone.iter().enumerate().filter(|(_, a)| **a) {
            alone_by_source.entry(self.sources.get(r).copied().unwrap_or(0)).or_default().push(r as u32);
        }
        Drawer { output: self, anchored, alone, alone_by_source, kind_of_cluster, kinds }
    }
}

impl Drawer<'_> {
    /// One clustering drawn from the borderline pairs' probabilities and the probe's missed links
    /// (see the module's documentation): a person id per record, numbered from 0 in order of first
    /// record. `decided(a, b)` tells pairs a reviewer decided, which keep the linkage's outcome.
    pub fn draw<R: Rng>(&self, decided: impl Fn(u32, u32) -> bool, rng: &mut R) -> Vec<u32> {
        self.draw_as(MissedAs::Found, decided, rng)
    }

    /// As [`Drawer::draw`], with the probe's missed links put back as `missed_as` says.
    pub fn draw_as<R: Rng>(&self, missed_as: MissedAs, decided: impl Fn(u32, u32) -> bool, rng: &mut R) -> Vec<u32> {
        let out = self.output;
        let n_clusters = out.clusters.iter().max().map_or(0, |&m| m as usize + 1);
        // Records that leave their person get a cluster of their own, numbered after the others.
        let mut cluster_of = out.clusters.clone();
        let mut next = n_clusters as u32;
        let mut merges = Vec::new();
        for (i, p) in out.pairs.iter().enumerate() {
            if p.match_probability >= out.review_upper_threshold || decided(p.left, p.right) {
                continue;
            }
            let (a, b) = (p.left as usize, p.right as usize);
            let joined = out.clusters[a] == out.clusters[b];
            if !joined && !self.alone[a] && !self.alone[b] {
                continue;
            }
            let chance = if joined { None } else { out.merge_probability.get(&i).copied() };
            let same: bool = rng.random_bool(chance.unwrap_or(p.match_probability).clamp(0.0, 1.0));
            if joined && !same {
                // The record with no confident tie leaves (the right one when neither has).
                let leaving = if !self.anchored[b] {
                    Some(b)
                } else if !self.anchored[a] {
                    Some(a)
                } else {
                    None
                };
                if let Some(r) = leaving
                    && cluster_of[r] == out.clusters[r]
                {
                    cluster_of[r] = next;
                    next += 1;
                }
            } else if !joined && same {
                merges.push((a, b));
            }
        }
        if let Some(missed) = out.missed.as_ref() {
            let source = |r: u32| out.sources.get(r as usize).copied().unwrap_or(0);
            let usable: Vec<&MissedLink> = missed
                .links
                .iter()
                .filter(|l| l.inclusion > 0.0)
                .filter(|l| match missed_as {
                    MissedAs::Found => self.alone[l.left as usize] || self.alone[l.right as usize],
                    MissedAs::Alone => source(l.left) != source(l.right),
                })
                .filter(|l| !decided(l.left, l.right))
                .collect();
            for _ in 0..usable.len() {
                let link = usable[rng.random_range(0..usable.len())];
                let (a, b) = (link.left, link.right);
                let scaled = link.probability / link.inclusion;
                let k = scaled.floor() as usize + usize::from(rng.random::<f64>() < scaled.fract());
                let (kind_a, kind_b) = match missed_as {
                    MissedAs::Found => (
                        &self.kinds[self.kind_of_cluster[out.clusters[a as usize] as usize] as usize],
                        &self.kinds[self.kind_of_cluster[out.clusters[b as usize] as usize] as usize],
                    ),
                    MissedAs::Alone => {
                        match (self.alone_by_source.get(&source(a)), self.alone_by_source.get(&source(b))) {
                            (Some(x), Some(y)) => (x, y),
                            _ => continue,
                        }
                    }
                };
                for _ in 0..k {
                    let x = kind_a[rng.random_range(0..kind_a.len())] as usize;
                    let y = kind_b[rng.random_range(0..kind_b.len())] as usize;
                    if x != y {
                        merges.push((x, y));
                    }
                }
            }
        }
        let mut sets = Sets((0..next).collect());
        for (a, b) in merges {
            sets.union(cluster_of[a], cluster_of[b]);
        }
        let mut renumber = vec![u32::MAX; next as usize];
        let mut count = 0u32;
        cluster_of
            .iter()
            .map(|&c| {
                let root = sets.find(c) as usize;
                if renumber[root] == u32::MAX {
                    renumber[root] = count;
                    count += 1;
                }
                renumber[root]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::probe::{MissedLink, MissedLinks};
    use crate::{Diagnostics, FittedModel, ScoredPair};

    fn pair(left: u32, right: u32, p: f64) -> ScoredPair {
        ScoredPair { left, right, match_weight: 0.0, match_probability: p, levels: 0, field_weights: Vec::new() }
    }

    /// Persons: A = {0 (source 0), 1 (source 1)}, B = {2 (0), 3 (2)}, and records 4–9 alone:
    /// 4, 5, 6 on source 0, 7, 8, 9 on source 1.
    fn output(pairs: Vec<ScoredPair>, missed: Option<MissedLinks>) -> LinkOutput {
        LinkOutput {
            pairs,
            clusters: vec![0, 0, 1, 1, 2, 3, 4, 5, 6, 7],
            review: Vec::new(),
            missed,
            model: FittedModel {
                field_names: Vec::new(),
                level_labels: Vec::new(),
                m: Vec::new(),
                u: Vec::new(),
                conditioning_fields: Vec::new(),
                u_by_stratum: Vec::new(),
                prior_match_probability: 0.01,
                sessions: Vec::new(),
                fields_with_default_m: Vec::new(),
                u_pairs: 0,
            },
            diagnostics: Diagnostics::default(),
            constraint_conflicts: Vec::new(),
            match_threshold: 0.5,
            review_upper_threshold: 0.9,
            sources: vec![0, 1, 0, 2, 0, 0, 0, 1, 1, 1],
            merge_probability: FxHashMap::default(),
        }
    }

    fn link(left: u32, right: u32, probability: f64, inclusion: f64) -> MissedLink {
        MissedLink { left, right, probability, inclusion }
    }

    fn persons(clusters: &[u32]) -> usize {
        clusters.iter().max().map_or(0, |&m| m as usize + 1)
    }

    #[test]
    fn two_persons_of_several_records_are_never_merged_by_a_draw() {
        // A borderline pair between A and B (both of two records), and one between A and a record
        // alone, each with chance 0.99 of being one person.
        let out = output(vec![pair(1, 2, 0.89), pair(0, 7, 0.89)], None);
        let drawer = out.drawer();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut joined_alone = 0;
        for _ in 0..200 {
            let c = drawer.draw(|_, _| false, &mut rng);
            assert_ne!(c[1], c[2], "A and B merged");
            joined_alone += usize::from(c[0] == c[7]);
        }
        // About 0.89 × 200 = 178.
        assert!((150..=198).contains(&joined_alone), "{joined_alone}");
    }

    #[test]
    fn a_merge_is_drawn_with_the_chance_that_the_two_persons_are_one() {
        // Record 7, alone, looks like record 0 (0.89), but not like person A as a whole.
        let mut out = output(vec![pair(0, 7, 0.89)], None);
        out.merge_probability.insert(0, 0.05);
        let drawer = out.drawer();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let joined = (0..400)
            .filter(|_| {
                let c = drawer.draw(|_, _| false, &mut rng);
                c[0] == c[7]
            })
            .count();
        // About 0.05 × 400 = 20, not 356.
        assert!((5..=40).contains(&joined), "{joined}");
    }

    #[test]
    fn the_probes_missed_links_are_put_back_between_persons_of_the_same_kind() {
        // The probe found one link between records alone on sources 0 and 1, sure (p = 1), with a
        // chance of 1/2 of sampling such a pair: it stands for two links.
        let missed = MissedLinks { sampled: 1, compared: 10, links: vec![link(4, 7, 1.0, 0.5)] };
        let out = output(Vec::new(), Some(missed));
        let drawer = out.drawer();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        for _ in 0..50 {
            let c = drawer.draw(|_, _| false, &mut rng);
            // Two merges, each of a record alone on source 0 with one alone on source 1 (two
            // distinct pairs, or the same pair twice): 7 or 8 persons of the 8, A and B untouched.
            assert!(matches!(persons(&c), 6 | 7), "{}", persons(&c));
            assert_eq!(c[0], c[1]);
            assert_ne!(c[0], c[2]);
            // Every merged person joins records alone on sources 0 and 1 only (a record may be
            // drawn twice, so three records can end up together).
            for r in 4..10usize {
                let with: Vec<usize> = (0..10).filter(|&q| c[q] == c[r]).collect();
                if with.len() > 1 {
                    assert!(with.iter().all(|&q| q >= 4), "{with:?}");
                    assert!(with.iter().any(|&q| q <= 6) && with.iter().any(|&q| q >= 7), "{with:?}");
                }
            }
        }
        // A pair a reviewer decided is not put back.
        let c = drawer.draw(|a, b| (a, b) == (4, 7), &mut rng);
        assert_eq!(persons(&c), 8);
    }

    #[test]
    fn the_bound_puts_missed_links_between_records_alone_on_the_pairs_sources() {
        // The probe found a link between person A's record on source 1 and B's record on source 2;
        // the bound puts it back between records alone on those sources instead (none alone on
        // source 2: nothing to join), the best guess between persons like A and B.
        let missed = MissedLinks { sampled: 1, compared: 10, links: vec![link(1, 3, 1.0, 1.0)] };
        let out = output(Vec::new(), Some(missed));
        let drawer = out.drawer();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        // Neither A nor B is alone: the best guess leaves them apart.
        assert_eq!(persons(&drawer.draw(|_, _| false, &mut rng)), 8);
        assert_eq!(persons(&drawer.draw_as(MissedAs::Alone, |_, _| false, &mut rng)), 8);
        let missed = MissedLinks { sampled: 1, compared: 10, links: vec![link(0, 7, 1.0, 1.0)] };
        let out = output(Vec::new(), Some(missed));
        let drawer = out.drawer();
        // A's record on source 0 with a record alone on source 1: the guess joins a person like
        // A... only persons of kind "sources {0, 1}, several records" exist once: A itself.
        let c = drawer.draw(|_, _| false, &mut rng);
        assert_eq!(persons(&c), 7);
        assert!((7..=9).any(|q| c[q] == c[0]));
        // The bound joins a record alone on source 0 with one alone on source 1.
        let c = drawer.draw_as(MissedAs::Alone, |_, _| false, &mut rng);
        assert_eq!(persons(&c), 7);
        assert_eq!(c[0], c[1]);
        assert!((4..=6).any(|r| (7..=9).any(|q| c[q] == c[r])));
    }
}
