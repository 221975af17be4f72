//! Linking the observatory's records into persons (the `link` engine), and what follows from it:
//! persons to count, and each person's list memberships, the capture histories of Multiple
//! Systems Estimation.

use std::collections::BTreeMap;

use store::{Identity, StoredPerson};

use crate::stats::Counted;
use crate::{Error, Result};

/// A person: the records linked together, with one value per analytical field (the value most
/// of the person's records agree on; the earliest year of identification).
#[derive(Debug, Clone)]
pub struct LinkedPerson {
    /// The sources whose lists the person is on, sorted.
    pub sources: Vec<String>,
    values: BTreeMap<&'static str, String>,
}

impl Counted for LinkedPerson {
    fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or(model::vocab::NOT_RECORDED, String::as_str)
    }

    fn source(&self) -> &str {
        self.sources.first().map_or("", String::as_str)
    }
}

/// How records were compared.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum LinkMode {
    /// Probabilistic linkage (Fellegi–Sunter) on names and other identifying fields.
    Named,
    /// Every source in encoded space: Bloom-filter encodings compared by Dice similarity, because
    /// some sources sent encodings instead of names.
    Encoded { threshold: f64 },
}

impl LinkMode {
    /// The store's name of the mode.
    pub fn code(self) -> &'static str {
        match self {
            LinkMode::Named => "named",
            LinkMode::Encoded { .. } => "encoded",
        }
    }
}

/// The result of linking.
#[derive(Debug, Clone)]
pub struct Linkage {
    pub persons: Vec<LinkedPerson>,
    /// Records per source (the lists).
    pub records_by_source: BTreeMap<String, u64>,
    /// Review items (borderline pairs, unstable clusters) no reviewer has decided yet.
    pub review_pairs: usize,
    /// Review items a reviewer has decided (their decisions were applied).
    pub review_decided: usize,
    /// Reviewers' decisions in force that this linkage applied (pairs of records still active).
    pub decisions_applied: usize,
    /// The review list, naming records by their database ids, for the store.
    pub review: Vec<store::NewReviewItem>,
    /// Every record's person: (source, source record id, index into `persons`).
    pub assignments: Vec<(String, String, usize)>,
    /// How records were compared.
    pub mode: LinkMode,
    /// Records of lists that carry no full name or document number (a hotline's initials and
    /// birth year): they cannot be linked, so they are left out of the persons and the estimate,
    /// and counted here, per source.
    pub unlinkable: BTreeMap<String, u64>,
    /// Match probability of every scored pair (at or above the review threshold), and the
    /// threshold at which a pair links (named linkage only).
    pub pair_probabilities: Vec<f64>,
    pub match_threshold: Option<f64>,
}

/// Linkage quality measured against a simulation's truth (the demo's `truth.json`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruthQuality {
    /// Pairwise: of the pairs of records put in one person, the share that truly are one person.
    pub precision: f64,
    /// Pairwise: of the pairs of records that truly are one person, the share put together.
    pub recall: f64,
    pub persons_counted: u64,
    /// Persons the linked lists truly saw.
    pub persons_seen: u64,
}

impl Linkage {
    /// Pairwise precision and recall of the linkage against a simulation's truth (`truth.json`
    /// of `palermo demo`: each record's source, source id and true person), over the records
    /// that were linked. `None` when the truth does not describe these records.
    pub fn quality_against(&self, truth: &serde_json::Value) -> Option<TruthQuality> {
        let mut true_person: BTreeMap<(&str, &str), &str> = BTreeMap::new();
        for r in truth.get("records")?.as_array()? {
            if r.get("malformed").is_none_or(serde_json::Value::is_null) {
                true_person.insert((r["source"].as_str()?, r["source_id"].as_str()?), r["person_id"].as_str()?);
            }
        }
        let mut cells: BTreeMap<(usize, &str), u64> = BTreeMap::new();
        let mut by_person: BTreeMap<usize, u64> = BTreeMap::new();
        let mut by_truth: BTreeMap<&str, u64> = BTreeMap::new();
        for (source, source_id, person) in &self.assignments {
            let truly = *true_person.get(&(source.as_str(), source_id.as_str()))?;
            *cells.entry((*person, truly)).or_default() += 1;
            *by_person.entry(*person).or_default() += 1;
            *by_truth.entry(truly).or_default() += 1;
        }
        let pairs = |n: &u64| n * n.saturating_sub(1) / 2;
        let together: u64 = cells.values().map(pairs).sum();
        let predicted: u64 = by_person.values().map(pairs).sum();
        let true_pairs: u64 = by_truth.values().map(pairs).sum();
        let share = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        Some(TruthQuality {
            precision: share(together, predicted),
            recall: share(together, true_pairs),
            persons_counted: self.persons.len() as u64,
            persons_seen: by_truth.len() as u64,
        })
    }
}

/// A full name part: at least two letters (not an initial such as `A.`).
fn is_full_name(value: &str) -> bool {
    known(value) && value.chars().filter(|c| c.is_alphabetic()).count() >= 2
}

/// Splits victims' records into those of lists that can be linked and the counts per source of
/// those that cannot: a list can be linked when at least half of its records carry a full given
/// or family name, a document number, or an encoding (`encoded`).
pub(crate) fn split_unlinkable<'a>(
    victims: &[&'a StoredPerson],
    identities: &[Identity],
    encoded: impl Fn(i64) -> bool,
) -> (Vec<&'a StoredPerson>, BTreeMap<String, u64>) {
    let by_id: BTreeMap<i64, &Identity> = identities.iter().map(|i| (i.record_id, i)).collect();
    let mut tally: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for r in victims {
        let identified = encoded(r.id)
            || by_id.get(&r.id).is_some_and(|i| {
                is_full_name(&i.given_name) || is_full_name(&i.family_name) || known(&i.document_number)
            });
        let entry = tally.entry(&r.source).or_default();
        entry.0 += u64::from(identified);
        entry.1 += 1;
    }
    let mut unlinkable = BTreeMap::new();
    let mut linkable = Vec::with_capacity(victims.len());
    for r in victims {
        match tally.get(r.source.as_str()) {
            Some((named, all)) if 2 * named < *all => *unlinkable.entry(r.source.clone()).or_default() += 1,
            _ => linkable.push(*r),
        }
    }
    (linkable, unlinkable)
}

fn known(value: &str) -> bool {
    value != model::vocab::UNKNOWN && value != model::vocab::NOT_RECORDED
}

/// The linkage settings for victims' records, with the fields of [`link_inputs`].
pub fn link_settings() -> link::LinkSettings {
    link::LinkSettings::person_default()
}

/// One [`link::LinkRecord`] per victim record, with the fields of [`link_settings`] (identities
/// read by the caller through the audited store accessor).
pub fn link_inputs(victims: &[&StoredPerson], identities: &[Identity]) -> Vec<link::LinkRecord> {
    let by_id: BTreeMap<i64, &Identity> = identities.iter().map(|i| (i.record_id, i)).collect();
    let clean = |v: &str| if known(v) { v.to_owned() } else { String::new() };
    victims
        .iter()
        .map(|r| {
            let identity = by_id.get(&r.id);
            let id_field = |f: fn(&Identity) -> &str| identity.map_or(String::new(), |i| clean(f(i)));
            link::LinkRecord::new(
                &r.source,
                &[
                    id_field(|i| &i.given_name),
                    id_field(|i| &i.family_name),
                    id_field(|i| &i.date_of_birth),
                    clean(r.get("sex")),
                    clean(r.get("citizenship")),
                    id_field(|i| &i.place_of_birth),
                ],
            )
        })
        .collect()
}

/// Links victims' records (with their identities, read by the caller through the audited store
/// accessor) into persons, applying the reviewers' decisions in force (`decisions`, from
/// [`store::Store::current_decisions`]): a `match` puts two records into one person, a `distinct`
/// keeps them apart.
pub fn link_records(
    victims: &[&StoredPerson],
    identities: &[Identity],
    decisions: &[store::Decision],
) -> Result<Linkage> {
    let (victims, unlinkable) = split_unlinkable(victims, identities, |_| false);
    let victims = victims.as_slice();
    let records = link_inputs(victims, identities);
    let settings = link_settings();
    let (constraints, decided_pairs) = constraints_of(victims, decisions);
    let output = link::link_with_constraints(&records, &settings, &constraints, &link::NoProgress)
        .map_err(|e| Error::Internal(format!("linking: {e}")))?;
    let review = review_items(victims, &output);
    let is_decided = |item: &store::NewReviewItem| {
        item.records
            .iter()
            .enumerate()
            .any(|(i, &a)| item.records[i + 1..].iter().any(|&b| decided_pairs.contains(&(a.min(b), a.max(b)))))
    };
    let review_decided = review.iter().filter(|item| is_decided(item)).count();
    let mut linkage = assemble(victims, &output.clusters, LinkMode::Named);
    linkage.review_pairs = review.len() - review_decided;
    linkage.review_decided = review_decided;
    linkage.decisions_applied = constraints.must_link.len() + constraints.cannot_link.len();
    linkage.review = review;
    linkage.unlinkable = unlinkable;
    linkage.pair_probabilities = output.pairs.iter().map(|p| p.match_probability).collect();
    linkage.match_threshold = Some(settings.match_threshold);
    Ok(linkage)
}

/// Builds the persons from each record's cluster id: one value per analytical field, the lists
/// each person is on, and each record's person.
pub(crate) fn assemble(victims: &[&StoredPerson], clusters: &[u32], mode: LinkMode) -> Linkage {
    let mut members: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (record, person) in clusters.iter().enumerate() {
        members.entry(*person).or_default().push(record);
    }
    let fields: Vec<&'static str> =
        model::RecordKind::Persons.fields().iter().filter(|f| !f.identifying).map(|f| f.name).collect();
    let person_of_cluster: BTreeMap<u32, usize> = members.keys().enumerate().map(|(i, c)| (*c, i)).collect();
    let assignments = victims
        .iter()
        .zip(clusters)
        .map(|(r, c)| (r.source.clone(), r.get("source_id").to_owned(), person_of_cluster.get(c).copied().unwrap_or(0)))
        .collect();
    let persons = members
        .values()
        .map(|records_of| {
            let mut sources: Vec<String> = records_of.iter().map(|&i| victims[i].source.clone()).collect();
            sources.sort();
            sources.dedup();
            let mut values = BTreeMap::new();
            for field in &fields {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for &i in records_of {
                    *counts.entry(victims[i].get(field)).or_default() += 1;
                }
                let value = if *field == "year" {
                    counts.keys().filter(|v| known(v)).min().copied()
                } else {
                    // The most frequent known value; ties go to the first in sort order.
                    counts
                        .iter()
                        .filter(|(v, _)| known(v))
                        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                        .map(|(v, _)| *v)
                };
                let fallback = if counts.contains_key(model::vocab::UNKNOWN) {
                    model::vocab::UNKNOWN
                } else {
                    model::vocab::NOT_RECORDED
                };
                values.insert(*field, value.unwrap_or(fallback).to_owned());
            }
            LinkedPerson { sources, values }
        })
        .collect();
    let mut records_by_source = BTreeMap::new();
    for v in victims {
        *records_by_source.entry(v.source.clone()).or_default() += 1;
    }
    Linkage {
        persons,
        records_by_source,
        review_pairs: 0,
        review_decided: 0,
        decisions_applied: 0,
        review: Vec::new(),
        assignments,
        mode,
        unlinkable: BTreeMap::new(),
        pair_probabilities: Vec::new(),
        match_threshold: None,
    }
}

/// The decisions about pairs of records that are both among `victims`, as record indices, and
/// the decided pairs of database ids.
fn constraints_of(
    victims: &[&StoredPerson],
    decisions: &[store::Decision],
) -> (link::Constraints, std::collections::BTreeSet<(i64, i64)>) {
    let index: BTreeMap<i64, u32> = victims.iter().enumerate().map(|(i, r)| (r.id, i as u32)).collect();
    let mut constraints = link::Constraints::default();
    let mut decided = std::collections::BTreeSet::new();
    for d in decisions {
        let (Some(&a), Some(&b)) = (index.get(&d.record_a), index.get(&d.record_b)) else { continue };
        if a == b {
            continue;
        }
        decided.insert((d.record_a.min(d.record_b), d.record_a.max(d.record_b)));
        match d.verdict {
            store::Verdict::Match => constraints.must_link.push((a, b)),
            store::Verdict::Distinct => constraints.cannot_link.push((a, b)),
        }
    }
    (constraints, decided)
}

/// The linkage's review list, naming records by database id: borderline pairs with their
/// per-field explanation, and unstable clusters with their records.
fn review_items(victims: &[&StoredPerson], output: &link::LinkOutput) -> Vec<store::NewReviewItem> {
    let id_of = |record: u32| victims.get(record as usize).map(|r| r.id);
    output
        .review
        .iter()
        .filter_map(|item| match item {
            link::ReviewItem::BorderlinePair { pair_idx } => {
                let pair = output.pairs.get(*pair_idx)?;
                let explanation = output.explain(*pair_idx)?;
                Some(store::NewReviewItem {
                    kind: store::ReviewKind::Pair,
                    records: vec![id_of(pair.left)?, id_of(pair.right)?],
                    match_weight: Some(pair.match_weight),
                    match_probability: Some(pair.match_probability),
                    linked: output.clusters.get(pair.left as usize) == output.clusters.get(pair.right as usize),
                    fields: explanation
                        .fields
                        .iter()
                        .map(|f| store::ReviewField {
                            field: f.field.clone(),
                            level: i64::from(f.level),
                            level_label: f.level_label.to_owned(),
                            weight: f.weight,
                        })
                        .collect(),
                })
            }
            link::ReviewItem::UnstableCluster { cluster_id } => {
                let records: Vec<i64> = output
                    .clusters
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| *c == cluster_id)
                    .filter_map(|(i, _)| id_of(i as u32))
                    .collect();
                (records.len() >= 2).then_some(store::NewReviewItem {
                    kind: store::ReviewKind::Cluster,
                    records,
                    match_weight: None,
                    match_probability: None,
                    linked: true,
                    fields: Vec::new(),
                })
            }
        })
        .collect()
}

impl Linkage {
    /// The persons' capture histories over the lists, for MSE.
    pub fn capture_table(&self) -> Result<mse::CaptureTable> {
        let lists: Vec<String> = self.records_by_source.keys().cloned().collect();
        let histories = self.persons.iter().map(|p| {
            p.sources.iter().filter_map(|s| lists.iter().position(|l| l == s)).fold(0u32, |acc, i| acc | (1 << i))
        });
        mse::CaptureTable::from_person_histories(lists.clone(), histories)
            .map_err(|e| Error::Internal(format!("building capture histories: {e}")))
    }
}
