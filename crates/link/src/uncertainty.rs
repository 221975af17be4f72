//! How much the persons depend on the pairs the model is unsure of: clusterings drawn by deciding
//! each borderline pair at random with its match probability.
//!
//! A draw starts from the linkage's persons. A borderline pair the linkage joined is judged two
//! persons with chance `1 - p`: one of its records then leaves the person, if nothing but
//! borderline pairs ties it there (a record held by a confident pair stays). A borderline pair it
//! kept apart is judged one person with chance `p`: the two persons merge. Pairs a reviewer decided
//! are never redrawn. Each draw costs one pass over the borderline pairs and the records, so a
//! run can afford tens of them at a million records; the spread of what is computed from the
//! draws (persons counted, the estimate) is the linkage's share of the uncertainty.

use rand::Rng;

use crate::LinkOutput;

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

impl LinkOutput {
    /// One clustering drawn from the borderline pairs' probabilities (see the module's
    /// documentation): a person id per record, numbered from 0 in order of first record.
    /// `decided(a, b)` tells pairs a reviewer decided, which keep the linkage's outcome.
    pub fn draw_clusters<R: Rng>(&self, decided: impl Fn(u32, u32) -> bool, rng: &mut R) -> Vec<u32> {
        let n = self.clusters.len();
        // Records held in their person by a confident pair.
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
        // Records that leave their person get a cluster of their own, numbered after the others.
        let mut cluster_of = self.clusters.clone();
        let mut next = n_clusters as u32;
        let mut merges = Vec::new();
        for p in &self.pairs {
            if p.match_probability >= self.review_upper_threshold || decided(p.left, p.right) {
                continue;
            }
            let (a, b) = (p.left as usize, p.right as usize);
            let joined = self.clusters[a] == self.clusters[b];
            let same: bool = rng.random_bool(p.match_probability.clamp(0.0, 1.0));
            if joined && !same {
                // The record with no confident tie leaves (the right one when neither has).
                let leaving = if !anchored[b] {
                    Some(b)
                } else if !anchored[a] {
                    Some(a)
                } else {
                    None
                };
                if let Some(r) = leaving
                    && cluster_of[r] == self.clusters[r]
                {
                    cluster_of[r] = next;
                    next += 1;
                }
            } else if !joined && same {
                merges.push((a, b));
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
