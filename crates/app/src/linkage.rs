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
    /// Review items (borderline pairs, unstable clusters) no reviewer has decided yet, listed
    /// or not.
    pub review_pairs: usize,
    /// What the review list leaves out (it is bounded) and what its items could change.
    pub review_summary: ReviewSummary,
    /// Review items a reviewer has decided (their decisions were applied).
    pub review_decided: usize,
    /// Reviewers' decisions in force that this linkage applied (pairs of records still active).
    pub decisions_applied: usize,
    /// The review list, naming records by their database ids, for the store: at most
    /// `[linkage] review_limit` items, those whose decision could change the count most first.
    pub review: Vec<store::NewReviewItem>,
    /// Every record's person: (source, source record id, index into `persons`).
    pub assignments: Vec<(String, String, usize)>,
    /// Per record (as `assignments`), hashes of its given and family name and of those with its
    /// full birth date (0 when one is missing), kept in memory only, to tell namesakes apart in
    /// a simulation's quality check.
    pub identity_keys: Vec<(u64, u64)>,
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
    /// Capture histories of linkages drawn from the borderline pairs' probabilities, with the
    /// links blocking missed put back as the probe found them ([`link::Drawer::draw`]): the
    /// linkage's share of the uncertainty, and its correction.
    pub draws: Vec<mse::CaptureTable>,
    /// Capture histories of drawn linkages whose missed links all join records left alone
    /// ([`link::MissedAs::Alone`]): the low end of what the missed links could do.
    pub bound_draws: Vec<mse::CaptureTable>,
    /// Persons counted in each draw.
    pub draw_persons: Vec<u64>,
    /// Links no blocking rule let the linker see, as the probe estimated them (named linkage).
    pub missed_links: Option<f64>,
    /// Why the linkage may be doubtful, in plain words (empty when nothing is).
    pub warnings: Vec<String>,
}

/// The estimate with the linkage's uncertainty: the same model fitted to each drawn linkage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LinkageUncertainty {
    /// Linkages drawn.
    pub draws: usize,
    /// The estimate corrected for the linkage: the median over the drawn linkages.
    pub estimate: f64,
    /// The estimate on the linkage's own persons.
    pub linked_estimate: f64,
    /// 2.5% and 97.5% quantiles of the estimates over the drawn linkages.
    pub estimate_range: [f64; 2],
    /// Smallest and largest number of persons counted over the drawn linkages.
    pub persons_range: [u64; 2],
    /// The 95% interval around [`LinkageUncertainty::estimate`] (see [`Linkage::uncertainty`]).
    pub interval: [f64; 2],
    /// The statistical interval it widens (BCa when a bootstrap ran, else model-conditional).
    pub statistical_interval: [f64; 2],
    /// Links blocking probably kept from being made (the probe's estimate; put back in the draws).
    pub missed_links: Option<f64>,
    /// The estimate if every missed link joined two records left alone (the lowest they could
    /// bring it), when the probe found any.
    pub missed_links_bound: Option<f64>,
}

/// What a decision on the review items could change. A borderline pair the linkage joined splits
/// with the chance that it is two persons (`1 - p`); a pair it kept apart joins with chance `p`:
/// each changes the persons counted by one. A pair whose records are on different lists also
/// changes the lists' overlap, on which the estimate rests.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ReviewSummary {
    /// Undecided items listed for review.
    pub listed: usize,
    /// Undecided items left off the list (less likely to change anything than any listed one).
    pub unlisted: usize,
    /// Expected change of the persons counted if every listed item were decided.
    pub listed_expected_change: f64,
    /// The same for the items left off.
    pub unlisted_expected_change: f64,
    /// Undecided items whose records are on different lists (they move the estimate).
    pub cross_list: usize,
}

/// Linkage quality measured against a simulation's truth (the demo's `truth.json`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TruthQuality {
    /// Pairwise: of the pairs of records put in one person, the share that truly are one person.
    pub precision: f64,
    /// Pairwise: of the pairs of records that truly are one person, the share put together.
    pub recall: f64,
    /// The precision a linker could reach at best when it cannot tell apart records that agree
    /// on given name, family name and full birth date: the truth with such records merged (its
    /// recall is 1).
    pub precision_ceiling: f64,
    pub persons_counted: u64,
    /// Persons the linked lists truly saw.
    pub persons_seen: u64,
    /// Share of those persons with a record whose given and family name (as recorded) are also
    /// on a record of another person.
    pub namesakes_name: f64,
    /// The same for given name, family name and full birth date.
    pub namesakes_name_dob: f64,
}

/// The parts of `truth.json` linkage quality needs (read typed: the file of a million-victim
/// demo is hundreds of megabytes).
#[derive(serde::Deserialize)]
struct TruthRecords {
    records: Vec<TruthRecord>,
}

#[derive(serde::Deserialize)]
struct TruthRecord {
    source: String,
    source_id: String,
    person_id: String,
    malformed: Option<String>,
}

/// Linkage quality against `DIR/truth.json`, when the observatory is a simulation's (`palermo
/// demo`) and the truth describes the linked records.
pub fn truth_quality(dir: &std::path::Path, linkage: &Linkage) -> Option<TruthQuality> {
    let file = std::fs::File::open(dir.join("truth.json")).ok()?;
    let truth: TruthRecords = serde_json::from_reader(std::io::BufReader::new(file)).ok()?;
    linkage.quality_against(&truth.records)
}

impl Linkage {
    /// Pairwise precision and recall of the linkage against a simulation's truth records (each
    /// record's source, source id and true person), over the records that were linked, with the
    /// ceiling and namesake rates. `None` when the truth does not describe these records.
    fn quality_against(&self, truth: &[TruthRecord]) -> Option<TruthQuality> {
        use std::collections::HashMap;
        let mut person_ids: HashMap<&str, u32> = HashMap::new();
        let mut true_person: HashMap<(&str, &str), u32> = HashMap::with_capacity(truth.len());
        for r in truth.iter().filter(|r| r.malformed.is_none()) {
            let next = person_ids.len() as u32;
            let id = *person_ids.entry(r.person_id.as_str()).or_insert(next);
            true_person.insert((r.source.as_str(), r.source_id.as_str()), id);
        }
        let truly: Vec<u32> = self
            .assignments
            .iter()
            .map(|(source, source_id, _)| true_person.get(&(source.as_str(), source_id.as_str())).copied())
            .collect::<Option<_>>()?;
        let pairs = |n: &u64| n * n.saturating_sub(1) / 2;
        let pair_count = |groups: &mut dyn Iterator<Item = (u64, u64)>| -> (u64, u64, u64) {
            // (pairs together in both, pairs in the first, pairs in the second) from per-record labels.
            let mut cells: HashMap<(u64, u64), u64> = HashMap::new();
            let mut first: HashMap<u64, u64> = HashMap::new();
            let mut second: HashMap<u64, u64> = HashMap::new();
            for (a, b) in groups {
                *cells.entry((a, b)).or_default() += 1;
                *first.entry(a).or_default() += 1;
                *second.entry(b).or_default() += 1;
            }
            (cells.values().map(pairs).sum(), first.values().map(pairs).sum(), second.values().map(pairs).sum())
        };
        let (together, predicted, true_pairs) = pair_count(
            &mut self.assignments.iter().zip(&truly).map(|((_, _, person), &t)| (*person as u64, u64::from(t))),
        );
        let share = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        // The oracle: true persons, merged where records agree on name and full birth date.
        let n_persons = person_ids.len();
        let mut parent: Vec<u32> = (0..n_persons as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        let mut by_name: HashMap<u64, u32> = HashMap::new();
        let mut by_name_dob: HashMap<u64, u32> = HashMap::new();
        let mut namesake = vec![false; n_persons];
        let mut namesake_dob = vec![false; n_persons];
        for (&(name, name_dob), &t) in self.identity_keys.iter().zip(&truly) {
            if name != 0 {
                let first = *by_name.entry(name).or_insert(t);
                if first != t {
                    namesake[first as usize] = true;
                    namesake[t as usize] = true;
                }
            }
            if name_dob != 0 {
                let first = *by_name_dob.entry(name_dob).or_insert(t);
                if first != t {
                    namesake_dob[first as usize] = true;
                    namesake_dob[t as usize] = true;
                    let (a, b) = (find(&mut parent, first), find(&mut parent, t));
                    parent[a.max(b) as usize] = a.min(b);
                }
            }
        }
        let oracle: Vec<u32> = truly.iter().map(|&t| find(&mut parent, t)).collect();
        let (oracle_together, oracle_predicted, _) =
            pair_count(&mut oracle.iter().zip(&truly).map(|(&o, &t)| (u64::from(o), u64::from(t))));
        let mut seen = vec![false; n_persons];
        for &t in &truly {
            seen[t as usize] = true;
        }
        let persons_seen = seen.iter().filter(|&&s| s).count() as u64;
        let rate = |flags: &[bool]| {
            flags.iter().zip(&seen).filter(|(f, s)| **f && **s).count() as f64 / persons_seen.max(1) as f64
        };
        Some(TruthQuality {
            precision: share(together, predicted),
            recall: share(together, true_pairs),
            precision_ceiling: share(oracle_together, oracle_predicted),
            persons_counted: self.persons.len() as u64,
            persons_seen,
            namesakes_name: rate(&namesake),
            namesakes_name_dob: rate(&namesake_dob),
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

/// The victims' records of lists that can be linked, and the counts per source of those that
/// cannot (see [`split_unlinkable`]); for named linkage.
pub fn linkable<'a>(
    victims: &[&'a StoredPerson],
    identities: &[Identity],
) -> (Vec<&'a StoredPerson>, BTreeMap<String, u64>) {
    split_unlinkable(victims, identities, |_| false)
}

fn known(value: &str) -> bool {
    value != model::vocab::UNKNOWN && value != model::vocab::NOT_RECORDED
}

/// The fields victims' records are linked on, in the order of [`link_inputs`]'s values: the
/// identifying fields, and the analytical fields that tell namesakes apart (when and where a
/// person was identified, the estimated year of birth of a record without a birth date, the
/// forms of exploitation). Every field's weight is estimated from the data (EM), so a field that
/// does not separate persons in an observatory's data weighs little there.
pub fn link_settings() -> link::LinkSettings {
    use link::{BlockKey, BlockingRule, FieldKind, FieldSpec};
    let mut settings = link::LinkSettings::person_default();
    // The phonetic family name with the birth year found almost no match that the other rules
    // miss (0.06% of true pairs at 300,000 victims) for a sixth of the candidate pairs.
    settings.blocking_rules.retain(|rule| {
        rule.keys != [BlockKey::Phonetic("family_name".to_owned()), BlockKey::Year("date_of_birth".to_owned())]
    });
    settings.fields.extend([
        FieldSpec::new("document_number", FieldKind::DocumentNumber),
        FieldSpec::new("identified", FieldKind::EventDate),
        FieldSpec::new("birth_year", FieldKind::ApproximateYear),
        FieldSpec::new("region", FieldKind::Category),
        FieldSpec::new("exploited_in", FieldKind::Category),
        FieldSpec::new("exploitation", FieldKind::CodeSet),
    ]);
    let key = |name: &str| BlockKey::Exact(name.to_owned());
    let identified_year = || BlockKey::Year("identified".to_owned());
    settings.blocking_rules.extend([
        BlockingRule::new(vec![key("document_number")]),
        // A record without a given name or a birth date still meets the records of the same
        // person identified in the same year and region.
        BlockingRule::new(vec![key("family_name"), key("region"), identified_year()])
            .for_incomplete(&["given_name", "date_of_birth"]),
        BlockingRule::new(vec![key("given_name"), key("region"), identified_year()])
            .for_incomplete(&["family_name", "date_of_birth"]),
        // Both names misspelt, but the birth date right.
        BlockingRule::new(vec![key("date_of_birth"), key("citizenship")]),
    ]);
    // A shared document number makes an almost pure training block, whatever the size of the
    // observatory (see `link::model` on how sessions are weighed).
    settings.training_rules.push(BlockingRule::on(&["document_number"]));
    // The weights are calibrated (the share of true matches among pairs scored p is about p, at
    // 3,000 as at 1,000,000 victims on the demo), so two records link when they are more likely
    // than not the same person; the pairs between 0.1 and 0.9 are the ones worth a look.
    // The probe for links blocking missed: a sample of records compared with every record of the
    // same sex identified in the same year and of the same citizenship unless one of the two
    // lacks it (see `link::probe`). Measured at 300,000 simulated victims (seed 1, 40,000
    // records sampled, so that sampling error is small): with citizenship in the key, which left
    // out every record without it, the probe expected 886 merges where the true ones it found
    // stood for 950; with citizenship compatible, 1,011 and 1,084 (97 of them lacking it).
    // Pairs scored down to 0.001 count: 171 of the 1,017 true pairs there that no rule compared
    // score below 0.01, and lowering the threshold from 0.01 to 0.001 raised the merges the probe
    // expects from 809 to 886 (found true ones standing for 842 and 950).
    settings.probe_sample = 4_000;
    settings.probe_keys = vec![key("sex"), identified_year()];
    settings.probe_compatible = vec!["citizenship".to_owned()];
    settings.probe_threshold = 0.001;
    settings.match_threshold = 0.5;
    settings.review_threshold = 0.1;
    settings.review_upper_threshold = 0.9;
    settings
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
            let date_of_birth = id_field(|i| &i.date_of_birth);
            let identified = if known(r.get("date")) { r.get("date").to_owned() } else { clean(r.get("year")) };
            link::LinkRecord::new(
                &r.source,
                &[
                    id_field(|i| &i.given_name),
                    id_field(|i| &i.family_name),
                    date_of_birth.clone(),
                    clean(r.get("sex")),
                    clean(r.get("citizenship")),
                    id_field(|i| &i.place_of_birth),
                    id_field(|i| &i.document_number),
                    identified,
                    birth_year(&date_of_birth, r.get("age"), r.get("year")),
                    clean(r.get("subnational_area")),
                    clean(r.get("country_of_exploitation")),
                    clean(r.get("exploitation")),
                ],
            )
        })
        .collect()
}

/// The year of birth of a record: from its birth date, or estimated from its age and year of
/// identification (`~YYYY`); empty when neither is known.
fn birth_year(date_of_birth: &str, age: &str, year: &str) -> String {
    if let Some(year) = date_of_birth.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit())) {
        return year.to_owned();
    }
    match (age.parse::<i64>(), year.parse::<i64>()) {
        (Ok(age), Ok(year)) if (0..=120).contains(&age) => format!("~{}", year - age),
        _ => String::new(),
    }
}

/// Links victims' records (with their identities, read by the caller through the audited store
/// accessor) into persons, applying the reviewers' decisions in force (`decisions`, from
/// [`store::Store::current_decisions`]): a `match` puts two records into one person, a `distinct`
/// keeps them apart.
pub fn link_records(
    victims: &[&StoredPerson],
    identities: &[Identity],
    decisions: &[store::Decision],
    options: &crate::settings::LinkageSettings,
    seed: u64,
    progress: &dyn model::Progress,
) -> Result<Linkage> {
    let (victims, unlinkable) = split_unlinkable(victims, identities, |_| false);
    let victims = victims.as_slice();
    let records = link_inputs(victims, identities);
    let settings = link_settings();
    let constraints = constraints_of(victims, decisions);
    let decided: std::collections::BTreeSet<(u32, u32)> =
        constraints.must_link.iter().chain(&constraints.cannot_link).map(|&(a, b)| (a.min(b), a.max(b))).collect();
    let output = link::link_with_constraints(&records, &settings, &constraints, progress).map_err(|e| match e {
        link::Error::Cancelled => Error::Cancelled,
        e => Error::Internal(format!("linking: {e}")),
    })?;
    let (review, review_summary, review_decided) = review_items(victims, &output, &decided, options.review_limit);
    let mut linkage = assemble(victims, &output.clusters, LinkMode::Named);
    linkage.identity_keys = identity_keys(&records);
    let lists: Vec<String> = linkage.records_by_source.keys().cloned().collect();
    let list_bits: Vec<u32> =
        victims.iter().map(|v| lists.iter().position(|l| *l == v.source).map_or(0, |i| 1 << i)).collect();
    let drawer = output.drawer();
    let is_decided = |a: u32, b: u32| decided.contains(&(a.min(b), a.max(b)));
    for draw in 0..options.uncertainty_draws {
        let mut rng = mse::replicate_rng(seed, draw as u64);
        let clusters = drawer.draw(is_decided, &mut rng);
        linkage.draw_persons.push(clusters.iter().max().map_or(0, |&m| u64::from(m) + 1));
        // One list has no capture table (and no estimate); its drawn person counts still tell.
        if lists.len() >= 2 {
            linkage.draws.push(capture_table_of(&list_bits, &clusters, &lists)?);
        }
    }
    // The bound: the probe's missed links all between records left alone (a quarter as many
    // draws: only their centre is used).
    if lists.len() >= 2 && output.missed.as_ref().is_some_and(|m| !m.links.is_empty()) {
        for draw in 0..options.uncertainty_draws.div_ceil(4) {
            let mut rng = mse::replicate_rng(seed ^ 0xb0b0_b0b0, draw as u64);
            let clusters = drawer.draw_as(link::MissedAs::Alone, is_decided, &mut rng);
            linkage.bound_draws.push(capture_table_of(&list_bits, &clusters, &lists)?);
        }
    }
    linkage.missed_links = output.missed.as_ref().map(|m| m.expected());
    linkage.warnings = warnings(&output, &review_summary, linkage.persons.len(), &linkage.draw_persons);
    linkage.review_pairs = review_summary.listed + review_summary.unlisted;
    linkage.review_summary = review_summary;
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
        review_summary: ReviewSummary::default(),
        review_decided: 0,
        decisions_applied: 0,
        review: Vec::new(),
        assignments,
        mode,
        unlinkable: BTreeMap::new(),
        pair_probabilities: Vec::new(),
        match_threshold: None,
        draws: Vec::new(),
        bound_draws: Vec::new(),
        draw_persons: Vec::new(),
        missed_links: None,
        warnings: Vec::new(),
        identity_keys: Vec::new(),
    }
}

/// [`Linkage::identity_keys`] of linkage inputs (given name, family name and birth date first).
fn identity_keys(records: &[link::LinkRecord]) -> Vec<(u64, u64)> {
    use std::hash::{Hash, Hasher};
    let hash = |parts: &[&str]| {
        if parts.iter().any(|p| p.trim().is_empty()) {
            return 0;
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for p in parts {
            p.trim().to_lowercase().hash(&mut h);
        }
        h.finish().max(1)
    };
    records
        .iter()
        .map(|r| {
            let v = |i: usize| r.values.get(i).map_or("", String::as_str);
            let full_date = v(2).trim().len() == 10;
            (hash(&[v(0), v(1)]), if full_date { hash(&[v(0), v(1), v(2)]) } else { 0 })
        })
        .collect()
}

/// The capture histories of a clustering (a person id per record) over `lists`, given each
/// record's list as a bit (`list_bits`).
fn capture_table_of(list_bits: &[u32], clusters: &[u32], lists: &[String]) -> Result<mse::CaptureTable> {
    let n = clusters.iter().max().map_or(0, |&m| m as usize + 1);
    let mut histories = vec![0u32; n];
    for (&bit, &c) in list_bits.iter().zip(clusters) {
        histories[c as usize] |= bit;
    }
    mse::CaptureTable::from_person_histories(lists.to_vec(), histories.into_iter().filter(|&h| h != 0))
        .map_err(|e| Error::Internal(format!("building capture histories: {e}")))
}

/// Plain-words doubts about a linkage: the model's estimation did not converge, many pairs are
/// borderline, the match probabilities are not clearly split into sure matches and sure
/// non-matches, or the persons counted move between drawn linkages.
fn warnings(output: &link::LinkOutput, review: &ReviewSummary, persons: usize, draw_persons: &[u64]) -> Vec<String> {
    let mut out = Vec::new();
    let sessions = &output.model.sessions;
    let unconverged = sessions.iter().filter(|s| !s.converged).count();
    if unconverged > 0 {
        out.push(format!(
            "The linkage model's estimation did not settle in {unconverged} of its {} training passes: its weights may be off, and so may the persons counted.",
            sessions.len()
        ));
    }
    let scored = output.pairs.len().max(1) as f64;
    let middle = output.pairs.iter().filter(|p| (0.25..0.75).contains(&p.match_probability)).count() as f64;
    if middle / scored > 0.10 {
        out.push(format!(
            "{:.0}% of the scored pairs of records have a match probability between 0.25 and 0.75: the records often cannot tell whether two of them are one person.",
            100.0 * middle / scored
        ));
    }
    let expected = review.listed_expected_change + review.unlisted_expected_change;
    let persons = persons.max(1) as f64;
    if expected / persons > 0.02 {
        out.push(format!(
            "Deciding the {} borderline pairs and unsure persons could change the persons counted by about {:.0} ({:.1}%); the review list holds the {} that matter most.",
            review.listed + review.unlisted,
            expected,
            100.0 * expected / persons,
            review.listed
        ));
    }
    if let (Some(lo), Some(hi)) = (draw_persons.iter().min(), draw_persons.iter().max())
        && (hi - lo) as f64 / persons > 0.02
    {
        out.push(format!(
            "The persons counted range from {lo} to {hi} over linkages drawn from the borderline pairs' probabilities."
        ));
    }
    if let Some(missed) = &output.missed {
        let links = output.diagnostics.linked_pairs.max(1) as f64;
        let expected = missed.expected();
        if expected / links > 0.01 {
            out.push(format!(
                "About {expected:.0} persons are probably split in two by links the linkage missed ({:.1}% of the {} links made): pairs of records no blocking rule compared or the model scored below the review threshold (a sample of {} records compared with every record of the same sex identified in the same year, of the same citizenship unless one lacks it, found {} such pairs of persons). Missed links make people seem to be on fewer lists, which pushes the estimate up; the estimate is corrected for them, and its interval widened.",
                100.0 * expected / links,
                output.diagnostics.linked_pairs,
                missed.sampled,
                missed.links.len()
            ));
        }
    }
    out
}

/// The decisions in force about pairs of records that are both among `victims` (matched by
/// source and source id, so that decisions survive a re-import of a file), as record indices.
fn constraints_of(victims: &[&StoredPerson], decisions: &[store::Decision]) -> link::Constraints {
    let index: std::collections::HashMap<(&str, &str), u32> =
        victims.iter().enumerate().map(|(i, r)| ((r.source.as_str(), r.get("source_id")), i as u32)).collect();
    let find = |key: &store::RecordKey| index.get(&(key.source.as_str(), key.source_id.as_str())).copied();
    let mut constraints = link::Constraints::default();
    for d in decisions {
        let (Some(a), Some(b)) = (find(&d.key_a), find(&d.key_b)) else { continue };
        if a == b {
            continue;
        }
        match d.verdict {
            store::Verdict::Match => constraints.must_link.push((a, b)),
            store::Verdict::Distinct => constraints.cannot_link.push((a, b)),
        }
    }
    constraints
}

/// A review item before it is bounded: what it is, its records (indices), and how much deciding
/// it could change.
struct Candidate<'a> {
    item: &'a link::ReviewItem,
    records: Vec<u32>,
    /// Expected change of the persons counted (the chance that the linkage got it wrong).
    change: f64,
    cross_list: bool,
    decided: bool,
}

/// The linkage's review list, naming records by database id, bounded to `limit` undecided items:
/// borderline pairs with their per-field explanation and unstable clusters, ranked by how much
/// their decision could change the persons counted and the estimate (the chance that the
/// linkage got them wrong, doubled where the records are on different lists, whose overlap the
/// estimate rests on). Items a reviewer has decided are listed after them, with their decision.
/// Also returns the summary and the number of decided items.
fn review_items(
    victims: &[&StoredPerson],
    output: &link::LinkOutput,
    decided: &std::collections::BTreeSet<(u32, u32)>,
    limit: usize,
) -> (Vec<store::NewReviewItem>, ReviewSummary, usize) {
    let mut members: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let unstable: std::collections::BTreeSet<u32> = output
        .review
        .iter()
        .filter_map(|item| match item {
            link::ReviewItem::UnstableCluster { cluster_id } => Some(*cluster_id),
            link::ReviewItem::BorderlinePair { .. } => None,
        })
        .collect();
    for (record, cluster) in output.clusters.iter().enumerate() {
        if unstable.contains(cluster) {
            members.entry(*cluster).or_default().push(record as u32);
        }
    }
    let linked = |a: u32, b: u32| output.clusters.get(a as usize) == output.clusters.get(b as usize);
    let source = |r: u32| victims.get(r as usize).map(|v| v.source.as_str());
    let mut candidates: Vec<Candidate<'_>> = output
        .review
        .iter()
        .filter_map(|item| {
            let (records, change) = match item {
                link::ReviewItem::BorderlinePair { pair_idx } => {
                    let pair = output.pairs.get(*pair_idx)?;
                    let p = pair.match_probability;
                    (vec![pair.left, pair.right], if linked(pair.left, pair.right) { 1.0 - p } else { p })
                }
                // A person the linkage is unsure of could fall apart into its records.
                link::ReviewItem::UnstableCluster { cluster_id } => {
                    let records = members.get(cluster_id)?.clone();
                    let change = 0.5 * (records.len().saturating_sub(1)) as f64;
                    (records, change)
                }
            };
            if records.len() < 2 {
                return None;
            }
            let cross_list = records.iter().any(|&r| source(r) != source(records[0]));
            let decided = records
                .iter()
                .enumerate()
                .any(|(i, &a)| records[i + 1..].iter().any(|&b| decided.contains(&(a.min(b), a.max(b)))));
            Some(Candidate { item, records, change, cross_list, decided })
        })
        .collect();
    let impact = |c: &Candidate<'_>| c.change * if c.cross_list { 2.0 } else { 1.0 };
    // Undecided first, by impact (ties by records, for reproducible order).
    candidates.sort_by(|a, b| {
        a.decided.cmp(&b.decided).then(impact(b).total_cmp(&impact(a))).then_with(|| a.records.cmp(&b.records))
    });
    let n_decided = candidates.iter().filter(|c| c.decided).count();
    let mut summary = ReviewSummary::default();
    let mut listed = Vec::new();
    for c in &candidates {
        if !c.decided {
            summary.cross_list += usize::from(c.cross_list);
            if summary.listed >= limit {
                summary.unlisted += 1;
                summary.unlisted_expected_change += c.change;
                continue;
            }
            summary.listed += 1;
            summary.listed_expected_change += c.change;
        }
        listed.push(c);
    }
    let id_of = |record: u32| victims.get(record as usize).map(|r| r.id);
    let items = listed
        .into_iter()
        .filter_map(|c| {
            let records: Vec<i64> = c.records.iter().map(|&r| id_of(r)).collect::<Option<_>>()?;
            Some(match c.item {
                link::ReviewItem::BorderlinePair { pair_idx } => {
                    let pair = output.pairs.get(*pair_idx)?;
                    let explanation = output.explain(*pair_idx)?;
                    store::NewReviewItem {
                        kind: store::ReviewKind::Pair,
                        records,
                        match_weight: Some(pair.match_weight),
                        match_probability: Some(pair.match_probability),
                        linked: linked(pair.left, pair.right),
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
                    }
                }
                link::ReviewItem::UnstableCluster { .. } => store::NewReviewItem {
                    kind: store::ReviewKind::Cluster,
                    records,
                    match_weight: None,
                    match_probability: None,
                    linked: true,
                    fields: Vec::new(),
                },
            })
        })
        .collect();
    (items, summary, n_decided)
}

impl Linkage {
    /// The estimate corrected for the linkage, and its interval: `report`'s model fitted to every
    /// drawn linkage. The centre is the median of the drawn linkages' estimates (they put back the
    /// links the linkage probably missed, which the linkage's own persons lack); the interval is
    /// the statistical interval's half-widths (scaled to the centre) and the draws' spread added
    /// in quadrature on each side, and reaches down at least to the bound's estimate (every
    /// missed link between two records left alone) less the statistical half-width. `None`
    /// without draws.
    pub fn uncertainty(&self, report: &mse::EstimateReport) -> Option<LinkageUncertainty> {
        let options = mse::EstimateOptions {
            method: mse::Method::Fixed(report.model.clone()),
            nboot: 0,
            profile: false,
            ..Default::default()
        };
        let estimates = |tables: &[mse::CaptureTable]| -> Vec<f64> {
            let mut e: Vec<f64> = tables
                .iter()
                .filter_map(|t| mse::estimate(t, &options, &mse::NoProgress).ok())
                .map(|r| r.estimate)
                .filter(|e| e.is_finite())
                .collect();
            e.sort_by(f64::total_cmp);
            e
        };
        let drawn = estimates(&self.draws);
        if drawn.is_empty() {
            return None;
        }
        let low = mse::quantile_type8(&drawn, 0.025);
        let high = mse::quantile_type8(&drawn, 0.975);
        let centre = mse::quantile_type8(&drawn, 0.5);
        let statistical = report.ci_bca.unwrap_or(report.ci_conditional);
        let e = report.estimate;
        let scale = if e > 0.0 { centre / e } else { 1.0 };
        let (below, above) = ((e - statistical[0]).max(0.0), (statistical[1] - e).max(0.0));
        let bounds = estimates(&self.bound_draws);
        let bound = (!bounds.is_empty()).then(|| mse::quantile_type8(&bounds, 0.5));
        let mut lower = centre - (below * scale).hypot((centre - low).max(0.0));
        if let Some(b) = bound.filter(|b| *b < centre) {
            lower = lower.min(b - below * if e > 0.0 { b / e } else { 1.0 });
        }
        let upper = centre + (above * scale).hypot((high - centre).max(0.0));
        Some(LinkageUncertainty {
            draws: self.draws.len(),
            estimate: centre,
            linked_estimate: e,
            estimate_range: [low, high],
            persons_range: [
                self.draw_persons.iter().copied().min().unwrap_or(0),
                self.draw_persons.iter().copied().max().unwrap_or(0),
            ],
            interval: [lower.max(report.observed as f64), upper],
            statistical_interval: statistical,
            missed_links: self.missed_links,
            missed_links_bound: bound,
        })
    }

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
