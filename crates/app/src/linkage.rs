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

/// The result of linking.
#[derive(Debug, Clone)]
pub struct Linkage {
    pub persons: Vec<LinkedPerson>,
    /// Records per source (the lists).
    pub records_by_source: BTreeMap<String, u64>,
    /// Pairs scored between the review and the match threshold: for a person to check.
    pub review_pairs: usize,
    /// Every record's person: (source, source record id, index into `persons`).
    pub assignments: Vec<(String, String, usize)>,
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
/// accessor) into persons.
pub fn link_records(victims: &[&StoredPerson], identities: &[Identity]) -> Result<Linkage> {
    let records = link_inputs(victims, identities);
    let settings = link_settings();
    let output =
        link::link(&records, &settings, &link::NoProgress).map_err(|e| Error::Internal(format!("linking: {e}")))?;
    let mut members: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (record, person) in output.clusters.iter().enumerate() {
        members.entry(*person).or_default().push(record);
    }
    let fields: Vec<&'static str> =
        model::RecordKind::Persons.fields().iter().filter(|f| !f.identifying).map(|f| f.name).collect();
    let person_of_cluster: BTreeMap<u32, usize> = members.keys().enumerate().map(|(i, c)| (*c, i)).collect();
    let assignments = victims
        .iter()
        .zip(&output.clusters)
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
    Ok(Linkage { persons, records_by_source, review_pairs: output.review.len(), assignments })
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
