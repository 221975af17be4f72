//! Probabilistic record linkage: which records, within and across sources, are the same person.
//!
//! The engine is sans-IO: records in (plain strings, one per declared field), scored pairs,
//! clusters (record index → person id), a review list and per-pair explanations out.
//!
//! Pipeline, in [`link`]:
//! 1. **Normalise** every field for its [`FieldKind`] ([`normalize`]): Unicode folding,
//!    diacritics, transliteration, name particles, partial dates, postcodes, document numbers.
//! 2. **Block**: OR-ed [`BlockingRule`]s produce candidate pairs, each pair once.
//! 3. **Compare** each candidate pair field by field into comparison levels.
//! 4. **Fellegi–Sunter** ([`model`]): u from seeded random pairs, m and the prior by EM on
//!    training blocks, term-frequency adjustment, a match weight and probability per pair.
//! 5. **Cluster** without chaining: connected components with a density check that cuts sparse
//!    clusters, or one record per source when sources hold no duplicates; unstable clusters and
//!    borderline pairs go to the review list.
//!
//! Output is deterministic: the same records, settings and seed give identical output, whatever
//! the number of threads.
//!
//! For the observatory: [`LinkOutput::clusters`] are the persons, [`LinkOutput::person_sources`]
//! their capture histories for Multiple Systems Estimation, [`LinkOutput::review`] what a person
//! should check, and [`LinkOutput::explain`] why any pair scored as it did. Nothing here logs,
//! and no error message carries a field value.
//!
//! ```
//! use link::{LinkRecord, LinkSettings, NoProgress, link};
//!
//! let settings = LinkSettings::person_default();
//! // given_name, family_name, date_of_birth, sex, citizenship, place_of_birth
//! let rows = [
//!     ("police", ["Oksana", "Kovalenko", "1994-03-07", "F", "UKR", "Kharkiv"]),
//!     ("shelter", ["Оксана", "Коваленко", "07/03/1994", "female", "UKR", "Kharkiv"]),
//!     ("police", ["Nguyễn Thị", "Lan", "2001-11-02", "F", "VNM", "Hải Phòng"]),
//!     ("ngo", ["Lan", "Nguyen Thi", "2001-11-02", "F", "VNM", "Hai Phong"]),
//!     ("ngo", ["Amadou", "Diallo", "1988-01-15", "M", "GIN", "Conakry"]),
//! ];
//! let records: Vec<LinkRecord> = rows
//!     .iter()
//!     .map(|(source, values)| LinkRecord::new(source, values))
//!     .collect();
//! let output = link(&records, &settings, &NoProgress)?;
//! assert_eq!(output.clusters[0], output.clusters[1]); // Cyrillic transliteration
//! assert_eq!(output.clusters[2], output.clusters[3]); // diacritics and name order
//! assert_ne!(output.clusters[0], output.clusters[4]);
//! // Every pair explains itself: the weights of the fields add up to the match weight.
//! let explanation = output.explain(0).expect("a scored pair");
//! let sum: f64 = explanation.prior_weight + explanation.fields.iter().map(|f| f.weight).sum::<f64>();
//! assert!((sum - explanation.match_weight).abs() < 1e-9);
//! # Ok::<(), link::Error>(())
//! ```

pub mod blocking;
mod cluster;
pub mod compare;
mod error;
pub mod evaluate;
pub mod model;
pub mod normalize;
pub mod probe;
mod score;
pub mod settings;
mod uncertainty;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

pub use self::model::{EmSession, FittedModel, probability_from_weight};
/// The one progress trait of Palermo (`model`'s), re-exported so a caller of the engine need not
/// name `model`.
pub use ::model::{NoProgress, Progress};
pub use blocking::BlockingStats;
use compare::{MAX_FIELDS, Prepared, level_of};
pub use error::{Error, Result};
pub use evaluate::{
    ClusterMetrics, ExactClusterMetrics, PairMetrics, evaluate_clusters, evaluate_pairs, intern_labels,
};
pub use settings::{BlockKey, BlockingRule, FieldKind, FieldSpec, LinkSettings, LinkType};
pub use uncertainty::{Drawer, MissedAs};

/// One record to link: the source (list, agency) it comes from and one raw value per field of
/// [`LinkSettings::fields`], in that order; an empty string is a missing value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkRecord {
    pub source: String,
    pub values: Vec<String>,
}

impl LinkRecord {
    pub fn new<S: AsRef<str>>(source: &str, values: &[S]) -> Self {
        LinkRecord { source: source.to_owned(), values: values.iter().map(|v| v.as_ref().to_owned()).collect() }
    }
}

/// A candidate pair with its score. Only pairs at or above the review threshold are kept.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredPair {
    /// Record indices, `left < right`.
    pub left: u32,
    pub right: u32,
    /// Total match weight (log2 odds), prior included.
    pub match_weight: f64,
    pub match_probability: f64,
    /// Comparison level of each field, packed 4 bits per field (see [`compare::level_of`]).
    pub levels: u64,
    /// Weight each field added (positive) or removed (negative), term-frequency adjustment
    /// included; `match_weight = prior weight + sum of these`.
    pub field_weights: Vec<f64>,
}

/// One field's part of a pair's match weight.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldContribution {
    pub field: String,
    pub level: u8,
    pub level_label: &'static str,
    /// Weight in bits, term-frequency adjustment included.
    pub weight: f64,
    /// The part of `weight` due to the value's frequency.
    pub term_frequency_adjustment: f64,
}

/// Why a pair scored as it did.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub prior_weight: f64,
    pub fields: Vec<FieldContribution>,
    pub match_weight: f64,
    pub match_probability: f64,
}

/// Something a person should look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReviewItem {
    /// A pair with probability in the review band, `[review_threshold, review_upper_threshold)`
    /// (index into [`LinkOutput::pairs`]).
    BorderlinePair { pair_idx: usize },
    /// A cluster that falls apart at the strict threshold or was cut for being sparse (the id
    /// of its first record's cluster).
    UnstableCluster { cluster_id: u32 },
}

/// Counts that describe a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics {
    pub n_records: usize,
    pub n_sources: usize,
    pub blocking: BlockingStats,
    /// Candidate pairs compared.
    pub candidate_pairs: u64,
    /// Pairs at or above the match threshold.
    pub linked_pairs: u64,
    pub n_clusters: usize,
}

/// The result of [`link`].
#[derive(Clone, Debug)]
pub struct LinkOutput {
    /// Scored pairs at or above the review threshold, sorted by `(left, right)`.
    pub pairs: Vec<ScoredPair>,
    /// Person id of every record, numbered from 0 in order of each person's first record.
    pub clusters: Vec<u32>,
    pub review: Vec<ReviewItem>,
    /// Links blocking kept the linker from seeing, estimated by the probe (when configured).
    pub missed: Option<probe::MissedLinks>,
    pub model: FittedModel,
    pub diagnostics: Diagnostics,
    /// Cannot-link constraints that must-links overrode (see [`Constraints`]).
    pub constraint_conflicts: Vec<(u32, u32)>,
    match_threshold: f64,
    review_upper_threshold: f64,
    /// Source of every record (an index into the sources in order of first record).
    sources: Vec<u32>,
    /// For a pair the linkage kept apart between a record alone and a person of several records:
    /// the chance that the two persons are one ([`probe::persons_probability`]), by pair index.
    merge_probability: FxHashMap<usize, f64>,
}

impl LinkOutput {
    /// The explanation of pair `pair_idx` of [`LinkOutput::pairs`].
    pub fn explain(&self, pair_idx: usize) -> Option<Explanation> {
        let pair = self.pairs.get(pair_idx)?;
        let fields = pair
            .field_weights
            .iter()
            .enumerate()
            .map(|(f, &weight)| {
                let level = level_of(pair.levels, f);
                let base = self.model.level_weight_in(pair.levels, f, level);
                let label = if level == 0 {
                    "null"
                } else {
                    self.model.level_labels[f].get(usize::from(level) - 1).copied().unwrap_or("?")
                };
                FieldContribution {
                    field: self.model.field_names[f].clone(),
                    level,
                    level_label: label,
                    weight,
                    term_frequency_adjustment: weight - base,
                }
            })
            .collect();
        Some(Explanation {
            prior_weight: self.model.prior_weight(),
            fields,
            match_weight: pair.match_weight,
            match_probability: pair.match_probability,
        })
    }

    /// The sources (lists) each person appears on, indexed by person id, each sorted and without
    /// repeats: the capture histories for Multiple Systems Estimation. `records` must be the
    /// records given to [`link`].
    pub fn person_sources<'a>(&self, records: &'a [LinkRecord]) -> Result<Vec<Vec<&'a str>>> {
        if records.len() != self.clusters.len() {
            return Err(Error::LengthMismatch { expected: self.clusters.len(), found: records.len() });
        }
        let mut out: Vec<Vec<&str>> = vec![Vec::new(); self.diagnostics.n_clusters];
        for (record, &person) in records.iter().zip(&self.clusters) {
            out[person as usize].push(record.source.as_str());
        }
        for sources in &mut out {
            sources.sort_unstable();
            sources.dedup();
        }
        Ok(out)
    }

    /// Record pairs linked (probability at or above the match threshold).
    pub fn linked_pairs(&self) -> Vec<(u32, u32)> {
        self.pairs.iter().filter(|p| p.match_probability >= self.match_threshold).map(|p| (p.left, p.right)).collect()
    }
}

/// Each record's source number (in order of first appearance) and the records prepared for
/// comparison.
fn prepare(records: &[LinkRecord], settings: &LinkSettings) -> (Vec<u32>, Prepared) {
    let mut source_ids: FxHashMap<&str, u32> = FxHashMap::default();
    let sources: Vec<u32> = records
        .iter()
        .map(|r| {
            let next = source_ids.len() as u32;
            *source_ids.entry(r.source.as_str()).or_insert(next)
        })
        .collect();
    let rows: Vec<&[String]> = records.iter().map(|r| r.values.as_slice()).collect();
    let prep = Prepared::build(settings, &sources, &rows);
    (sources, prep)
}

/// The comparison vector (levels packed as in [`ScoredPair::levels`]) of each of `pairs` of
/// `records`: for diagnostics, such as measuring the level distribution of known matches.
pub fn compare_pairs(records: &[LinkRecord], settings: &LinkSettings, pairs: &[(u32, u32)]) -> Result<Vec<u64>> {
    validate(records, settings)?;
    let (_, prep) = prepare(records, settings);
    pairs
        .iter()
        .map(|&(a, b)| {
            if a as usize >= records.len() || b as usize >= records.len() {
                return Err(Error::InvalidSettings { reason: format!("pair ({a}, {b}) out of range") });
            }
            Ok(compare::compare(&prep, a as usize, b as usize))
        })
        .collect()
}

/// Which blocking rules pair each of `pairs` of `records`: bit `e` is set when rule `e` of
/// [`LinkSettings::blocking_rules`] gives both records the same key (a rule on incomplete records
/// only when one of them is incomplete). Oversized blocks are not looked at. For diagnostics, such
/// as finding which rules the true pairs a linkage never compared fail.
pub fn rules_pairing(records: &[LinkRecord], settings: &LinkSettings, pairs: &[(u32, u32)]) -> Result<Vec<u64>> {
    validate(records, settings)?;
    if settings.blocking_rules.len() > 64 {
        return Err(Error::InvalidSettings { reason: "more than 64 blocking rules".to_owned() });
    }
    let (_, prep) = prepare(records, settings);
    let keys = blocking::compute_keys(&prep, settings, &settings.blocking_rules)?;
    pairs
        .iter()
        .map(|&(a, b)| {
            if a as usize >= records.len() || b as usize >= records.len() {
                return Err(Error::InvalidSettings { reason: format!("pair ({a}, {b}) out of range") });
            }
            Ok(keys.rules_pairing(a as usize, b as usize))
        })
        .collect()
}

fn validate(records: &[LinkRecord], settings: &LinkSettings) -> Result<()> {
    let n_fields = settings.fields.len();
    if n_fields == 0 || n_fields > MAX_FIELDS {
        return Err(Error::InvalidSettings {
            reason: format!("between 1 and {MAX_FIELDS} fields are needed, got {n_fields}"),
        });
    }
    for (record_idx, r) in records.iter().enumerate() {
        if r.values.len() != n_fields {
            return Err(Error::FieldCount { record_idx, expected: n_fields, found: r.values.len() });
        }
    }
    if u32::try_from(records.len()).is_err() {
        return Err(Error::InvalidSettings { reason: "more than 4 billion records".to_owned() });
    }
    let t = (settings.review_threshold, settings.match_threshold, settings.strict_threshold);
    let in_unit = |p: f64| p > 0.0 && p < 1.0;
    if !(in_unit(t.0) && in_unit(t.1) && in_unit(t.2) && t.0 <= t.1 && t.1 <= t.2) {
        return Err(Error::InvalidSettings {
            reason: "thresholds must satisfy 0 < review <= match <= strict < 1".to_owned(),
        });
    }
    if !(in_unit(settings.review_upper_threshold) && settings.review_upper_threshold >= t.0) {
        return Err(Error::InvalidSettings {
            reason: "the review band's upper threshold must be in (review, 1)".to_owned(),
        });
    }
    if settings.blocking_rules.is_empty() {
        return Err(Error::InvalidSettings { reason: "at least one blocking rule is needed".to_owned() });
    }
    for (rule_idx, rule) in settings.training_rules.iter().enumerate() {
        if !rule.keys.iter().all(|k| matches!(k, BlockKey::Exact(_))) {
            return Err(Error::InvalidSettings {
                reason: format!("training rule {rule_idx} must use exact keys only"),
            });
        }
    }
    Ok(())
}

/// Number of pairs the link type allows: all pairs, or only pairs across sources.
fn total_pairs(sources: &[u32], link_type: LinkType) -> f64 {
    let n = sources.len() as f64;
    let all = n * (n - 1.0) / 2.0;
    if link_type == LinkType::Dedupe {
        return all;
    }
    let mut per_source: FxHashMap<u32, f64> = FxHashMap::default();
    for &s in sources {
        *per_source.entry(s).or_default() += 1.0;
    }
    all - per_source.values().map(|&k| k * (k - 1.0) / 2.0).sum::<f64>()
}

fn check_cancel(progress: &dyn Progress) -> Result<()> {
    if progress.is_cancelled() { Err(Error::Cancelled) } else { Ok(()) }
}

/// Links `records` into persons. See the crate documentation for the method.
///
/// Assumptions: fields are conditionally independent given match status (the Fellegi–Sunter
/// assumption; correlated fields such as city and postcode overstate evidence), random pairs are
/// almost all non-matches, and the training rules' blocks hold enough matches for EM.
///
/// `progress` is told each stage as it starts (`normalise`, `estimate u`, `em`, `score`, `probe`
/// when the settings ask for one, `cluster`), without step counts, and is asked between stages
/// whether to stop ([`Error::Cancelled`]).
pub fn link(records: &[LinkRecord], settings: &LinkSettings, progress: &dyn Progress) -> Result<LinkOutput> {
    link_with_constraints(records, settings, &Constraints::default(), progress)
}

/// A reviewer's decisions about pairs of records (indices into the records given to
/// [`link_with_constraints`]), applied when clustering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Constraints {
    /// Pairs that are the same person: always in one cluster.
    pub must_link: Vec<(u32, u32)>,
    /// Pairs that are different persons: never in one cluster — unless a chain of must-links
    /// joins them, which is reported in [`LinkOutput::constraint_conflicts`] (the must-links win).
    pub cannot_link: Vec<(u32, u32)>,
}

/// [`link`], with a reviewer's must-link and cannot-link decisions applied to the clustering:
/// scoring and the review list are unchanged, the persons follow the decisions.
pub fn link_with_constraints(
    records: &[LinkRecord],
    settings: &LinkSettings,
    constraints: &Constraints,
    progress: &dyn Progress,
) -> Result<LinkOutput> {
    validate(records, settings)?;
    let n_records = records.len();
    if let Some(&(a, b)) = constraints
        .must_link
        .iter()
        .chain(&constraints.cannot_link)
        .find(|&&(a, b)| a as usize >= n_records || b as usize >= n_records || a == b)
    {
        return Err(Error::InvalidSettings {
            reason: format!("constraint ({a}, {b}) must name two different records below {n_records}"),
        });
    }
    let n_fields = settings.fields.len();
    progress.start("normalise", 0);
    let (sources, prep) = prepare(records, settings);
    let n_sources = sources.iter().max().map_or(0, |&m| m as usize + 1);
    check_cancel(progress)?;

    progress.start("estimate u", 0);
    let total_pairs = total_pairs(&sources, settings.link_type);
    let u = model::estimate_u(&prep, settings);
    check_cancel(progress)?;

    progress.start("em", 0);
    let n_levels: Vec<usize> = settings.fields.iter().map(|f| f.kind.n_levels()).collect();
    let mut runs = Vec::new();
    for (rule_idx, rule) in settings.training_rules.iter().enumerate() {
        let mut keys = blocking::compute_keys(&prep, settings, std::slice::from_ref(rule))?;
        let (gammas, _) =
            blocking::candidate_pairs(&prep, &mut keys, settings.link_type, settings.max_block_size, false, |a, b| {
                Some(compare::compare(&prep, a as usize, b as usize))
            });
        let rule_fields: Vec<usize> = rule
            .keys
            .iter()
            .filter_map(|k| match k {
                BlockKey::Exact(name) => settings.field_index(name),
                _ => None,
            })
            .collect();
        let estimated_fields: Vec<usize> = (0..n_fields).filter(|f| !rule_fields.contains(f)).collect();
        let mut counts: FxHashMap<u64, u64> = FxHashMap::default();
        for g in &gammas {
            *counts.entry(*g).or_default() += 1;
        }
        let patterns = model::patterns_from_counts(counts);
        let (m, share, iterations, converged) = model::run_em(&patterns, &estimated_fields, &n_levels, &u, settings);
        let session = EmSession {
            rule_idx,
            n_pairs: gammas.len() as u64,
            iterations,
            converged,
            block_match_share: share,
            estimated_fields,
        };
        runs.push((session, m, rule_fields));
        check_cancel(progress)?;
    }
    let completeness: Vec<f64> = prep
        .columns
        .iter()
        .map(|c| c.value_id.iter().filter(|&&id| id != 0).count() as f64 / records.len().max(1) as f64)
        .collect();
    let fitted = model::combine_sessions(settings, u, runs, records.len(), total_pairs, &completeness);

    progress.start("score", 0);
    let scorer = score::Scorer::new(&fitted, settings, &prep);
    let review_weight = (settings.review_threshold / (1.0 - settings.review_threshold)).log2();
    let mut keys = blocking::compute_keys(&prep, settings, &settings.blocking_rules)?;
    let (pairs, blocking_stats) =
        blocking::candidate_pairs(&prep, &mut keys, settings.link_type, settings.max_block_size, true, |a, b| {
            let gamma = compare::compare(&prep, a as usize, b as usize);
            // Weights on the stack first: most candidate pairs fall below the review threshold
            // and must not cost an allocation.
            let mut weights = [0.0f64; MAX_FIELDS];
            let weight = scorer.score(&prep, a as usize, b as usize, gamma, &mut weights);
            if weight < review_weight {
                return None;
            }
            let field_weights = weights[..n_fields].to_vec();
            Some(ScoredPair {
                left: a,
                right: b,
                match_weight: weight,
                match_probability: probability_from_weight(weight),
                levels: gamma,
                field_weights,
            })
        });
    check_cancel(progress)?;

    progress.start("cluster", 0);
    let edges: Vec<cluster::Edge> = pairs
        .iter()
        .filter(|p| p.match_probability >= settings.match_threshold)
        .map(|p| cluster::Edge { a: p.left, b: p.right, weight: p.match_weight })
        .collect();
    let mut clustering = if settings.unique_within_source {
        cluster::cluster_one_per_source(records.len(), &edges, &sources)
    } else {
        let strict_weight = (settings.strict_threshold / (1.0 - settings.strict_threshold)).log2();
        let weight = |a: u32, b: u32| {
            let (a, b) = (a.min(b) as usize, a.max(b) as usize);
            let mut scratch = [0.0f64; MAX_FIELDS];
            scorer.score(&prep, a, b, compare::compare(&prep, a, b), &mut scratch)
        };
        cluster::cluster_components(records.len(), &edges, strict_weight, settings.min_cluster_density, weight)
    };
    let mut constraint_conflicts = Vec::new();
    if !constraints.must_link.is_empty() || !constraints.cannot_link.is_empty() {
        let unique_sources = settings.unique_within_source.then_some(sources.as_slice());
        let (cluster_of, conflicts) = cluster::apply_constraints(
            &clustering.cluster_of,
            &edges,
            unique_sources,
            &constraints.must_link,
            &constraints.cannot_link,
        );
        // Unstable clusters keep their flag under their new number (found by their first record).
        let mut first_record: FxHashMap<u32, usize> = FxHashMap::default();
        for (r, &c) in clustering.cluster_of.iter().enumerate() {
            first_record.entry(c).or_insert(r);
        }
        let mut unstable: Vec<u32> =
            clustering.unstable.iter().filter_map(|old| first_record.get(old).map(|&r| cluster_of[r])).collect();
        unstable.sort_unstable();
        unstable.dedup();
        clustering = cluster::Clustering { cluster_of, unstable };
        constraint_conflicts = conflicts;
    }
    check_cancel(progress)?;
    let missed = if settings.probe_sample > 0 && !settings.probe_keys.is_empty() {
        progress.start("probe", 0);
        let coarse = blocking::keys_of(&prep, settings, &settings.probe_keys)?;
        let compatible = settings
            .probe_compatible
            .iter()
            .map(|name| {
                settings.field_index(name).ok_or_else(|| Error::InvalidSettings {
                    reason: format!("the probe's compatible field `{name}` is not a field"),
                })
            })
            .collect::<Result<Vec<usize>>>()?;
        Some(probe::probe(&prep, settings, &scorer, &keys, &coarse, &compatible, &clustering.cluster_of))
    } else {
        None
    };
    check_cancel(progress)?;
    let merge_probability = merge_probabilities(&prep, &scorer, &pairs, &clustering.cluster_of);
    let mut review: Vec<ReviewItem> = pairs
        .par_iter()
        .enumerate()
        .filter(|(_, p)| p.match_probability < settings.review_upper_threshold)
        .map(|(pair_idx, _)| ReviewItem::BorderlinePair { pair_idx })
        .collect();
    review.extend(clustering.unstable.iter().map(|&cluster_id| ReviewItem::UnstableCluster { cluster_id }));
    let n_clusters = clustering.cluster_of.iter().max().map_or(0, |&m| m as usize + 1);
    let diagnostics = Diagnostics {
        n_records: records.len(),
        n_sources,
        candidate_pairs: blocking_stats.pairs_per_rule.iter().sum(),
        blocking: blocking_stats,
        linked_pairs: edges.len() as u64,
        n_clusters,
    };
    Ok(LinkOutput {
        pairs,
        clusters: clustering.cluster_of,
        review,
        model: fitted,
        diagnostics,
        match_threshold: settings.match_threshold,
        review_upper_threshold: settings.review_upper_threshold,
        constraint_conflicts,
        missed,
        sources,
        merge_probability,
    })
}

/// The chance that the two persons of each pair kept apart between a record alone and a person
/// of several records are one (see [`LinkOutput`]'s `merge_probability`).
fn merge_probabilities(
    prep: &Prepared,
    scorer: &score::Scorer,
    pairs: &[ScoredPair],
    cluster_of: &[u32],
) -> FxHashMap<usize, f64> {
    let mut size: FxHashMap<u32, u32> = FxHashMap::default();
    for &c in cluster_of {
        *size.entry(c).or_default() += 1;
    }
    let alone = |r: u32| size.get(&cluster_of[r as usize]) == Some(&1);
    let mixed: Vec<usize> = (0..pairs.len())
        .filter(|&i| {
            let (a, b) = (pairs[i].left, pairs[i].right);
            cluster_of[a as usize] != cluster_of[b as usize] && alone(a) != alone(b)
        })
        .collect();
    let wanted: FxHashSet<u32> =
        mixed.iter().flat_map(|&i| [cluster_of[pairs[i].left as usize], cluster_of[pairs[i].right as usize]]).collect();
    let mut members: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for (r, c) in cluster_of.iter().enumerate() {
        if wanted.contains(c) {
            members.entry(*c).or_default().push(r as u32);
        }
    }
    mixed
        .par_iter()
        .map(|&i| {
            let of = |r: u32| members.get(&cluster_of[r as usize]).map_or(&[][..], Vec::as_slice);
            (i, probe::persons_probability(prep, scorer, of(pairs[i].left), of(pairs[i].right)))
        })
        .collect()
}
