//! Evaluation against known truth: pairwise precision, recall and F1 of predicted pairs, and the
//! same of the pairs implied by clusters, plus exact-cluster precision, recall and F1.
//!
//! Definitions (the ones the benchmark prints, and the common ones in the record-linkage
//! literature, e.g. Christen 2012, "Data Matching", ch. 7; Splink's `accuracy_analysis` uses the
//! pairwise form on predictions):
//! - **pairwise**: a predicted pair is a true positive when both records carry the same true
//!   label. Recall's denominator is every true pair in the data (also those blocking never
//!   produced).
//! - **cluster (pairwise on clusters)**: every pair of records inside one predicted cluster counts
//!   as predicted (the transitive closure of the links), compared with every pair inside one true
//!   cluster. This is the "cluster F1" of the benchmark.
//! - **exact clusters**: a predicted cluster is correct when it holds exactly the records of one
//!   true cluster; precision = correct / predicted clusters, recall = correct / true clusters,
//!   singletons included.
//!
//! With `sources` given, only pairs of records from different sources count (link-only tasks).

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

/// Counts and rates of a pairwise comparison with the truth.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairMetrics {
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl PairMetrics {
    fn from_counts(true_positives: u64, predicted: u64, actual: u64) -> Self {
        let precision = if predicted == 0 { 0.0 } else { true_positives as f64 / predicted as f64 };
        let recall = if actual == 0 { 0.0 } else { true_positives as f64 / actual as f64 };
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        PairMetrics {
            true_positives,
            false_positives: predicted - true_positives,
            false_negatives: actual - true_positives,
            precision,
            recall,
            f1,
        }
    }
}

/// Exact-cluster counts and rates.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExactClusterMetrics {
    pub n_predicted: u64,
    pub n_true: u64,
    pub n_exact: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Cluster quality: pairwise on the pairs clusters imply, and exact clusters.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClusterMetrics {
    pub pairwise: PairMetrics,
    pub exact: ExactClusterMetrics,
}

/// Maps string labels to dense ids in order of first appearance.
pub fn intern_labels<S: AsRef<str>>(labels: &[S]) -> Vec<u32> {
    let mut map: FxHashMap<&str, u32> = FxHashMap::default();
    labels
        .iter()
        .map(|l| {
            let next = map.len() as u32;
            *map.entry(l.as_ref()).or_insert(next)
        })
        .collect()
}

fn choose2(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Eligible pairs inside each group of records keyed by `key`.
fn eligible_pairs_by<K: std::hash::Hash + Eq + Copy>(
    keys: impl Iterator<Item = (K, Option<u32>)>,
    cross_source: bool,
) -> u64 {
    let mut size: FxHashMap<K, u64> = FxHashMap::default();
    let mut by_source: FxHashMap<(K, u32), u64> = FxHashMap::default();
    for (k, s) in keys {
        *size.entry(k).or_default() += 1;
        if let Some(s) = s {
            *by_source.entry((k, s)).or_default() += 1;
        }
    }
    let all: u64 = size.values().map(|&n| choose2(n)).sum();
    if cross_source { all - by_source.values().map(|&n| choose2(n)).sum::<u64>() } else { all }
}

fn check_lengths(a: usize, b: usize) -> Result<()> {
    if a == b { Ok(()) } else { Err(Error::LengthMismatch { expected: b, found: a }) }
}

/// Pairwise metrics of predicted pairs `(a, b)` (record indices) against `truth` labels.
pub fn evaluate_pairs(predicted: &[(u32, u32)], truth: &[u32], sources: Option<&[u32]>) -> Result<PairMetrics> {
    if let Some(s) = sources {
        check_lengths(s.len(), truth.len())?;
    }
    let n = truth.len();
    let mut pairs: Vec<(u32, u32)> =
        predicted.iter().map(|&(a, b)| if a < b { (a, b) } else { (b, a) }).filter(|&(a, b)| a != b).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut tp = 0;
    let mut counted = 0;
    for &(a, b) in &pairs {
        let (a, b) = (a as usize, b as usize);
        if a >= n || b >= n {
            return Err(Error::LengthMismatch { expected: n, found: a.max(b) + 1 });
        }
        if sources.is_some_and(|s| s[a] == s[b]) {
            continue;
        }
        counted += 1;
        if truth[a] == truth[b] {
            tp += 1;
        }
    }
    let actual =
        eligible_pairs_by(truth.iter().enumerate().map(|(i, &t)| (t, sources.map(|s| s[i]))), sources.is_some());
    Ok(PairMetrics::from_counts(tp, counted, actual))
}

/// Cluster metrics of a predicted cluster id per record against `truth` labels.
pub fn evaluate_clusters(predicted: &[u32], truth: &[u32], sources: Option<&[u32]>) -> Result<ClusterMetrics> {
    check_lengths(predicted.len(), truth.len())?;
    if let Some(s) = sources {
        check_lengths(s.len(), truth.len())?;
    }
    let cross = sources.is_some();
    let src = |i: usize| sources.map(|s| s[i]);
    let predicted_pairs = eligible_pairs_by(predicted.iter().enumerate().map(|(i, &p)| (p, src(i))), cross);
    let actual_pairs = eligible_pairs_by(truth.iter().enumerate().map(|(i, &t)| (t, src(i))), cross);
    let tp = eligible_pairs_by(predicted.iter().zip(truth).enumerate().map(|(i, (&p, &t))| ((p, t), src(i))), cross);
    let pairwise = PairMetrics::from_counts(tp, predicted_pairs, actual_pairs);

    // Exact clusters: a predicted cluster is exact when all its records share one true label and
    // that label has no other records.
    let mut pred_size: FxHashMap<u32, u64> = FxHashMap::default();
    let mut true_size: FxHashMap<u32, u64> = FxHashMap::default();
    let mut cell: FxHashMap<(u32, u32), u64> = FxHashMap::default();
    for (&p, &t) in predicted.iter().zip(truth) {
        *pred_size.entry(p).or_default() += 1;
        *true_size.entry(t).or_default() += 1;
        *cell.entry((p, t)).or_default() += 1;
    }
    let n_exact = cell.iter().filter(|&(&(p, t), &n)| pred_size[&p] == n && true_size[&t] == n).count() as u64;
    let (n_predicted, n_true) = (pred_size.len() as u64, true_size.len() as u64);
    let precision = if n_predicted == 0 { 0.0 } else { n_exact as f64 / n_predicted as f64 };
    let recall = if n_true == 0 { 0.0 } else { n_exact as f64 / n_true as f64 };
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    Ok(ClusterMetrics { pairwise, exact: ExactClusterMetrics { n_predicted, n_true, n_exact, precision, recall, f1 } })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_split_clusters() {
        let truth = [0, 0, 0, 1, 1];
        let perfect = evaluate_clusters(&[5, 5, 5, 7, 7], &truth, None).unwrap_or_default();
        assert_eq!(perfect.pairwise.f1, 1.0);
        assert_eq!(perfect.exact.n_exact, 2);
        // Splitting {0,1,2} into {0,1},{2} loses 2 of the 4 true pairs.
        let split = evaluate_clusters(&[0, 0, 1, 2, 2], &truth, None).unwrap_or_default();
        assert_eq!(split.pairwise.true_positives, 2);
        assert_eq!(split.pairwise.false_negatives, 2);
        assert_eq!(split.exact.n_exact, 1);
        let pairs = evaluate_pairs(&[(0, 1), (1, 3)], &truth, None).unwrap_or_default();
        assert_eq!((pairs.true_positives, pairs.false_positives, pairs.false_negatives), (1, 1, 3));
    }
}
