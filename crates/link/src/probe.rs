//! How many links did blocking keep the linker from seeing?
//!
//! Blocking compares only the pairs some rule puts together; a pair of records of one person that
//! no rule pairs (both names misspelt, one birth date missing, …) can never be linked, whatever
//! the model would have said. At a million records such pairs are a few per cent of the true
//! ones, few enough to leave precision and recall looking fine, yet each makes a person seem to
//! be on one list less, and the estimate of the hidden number rests on exactly those overlaps.
//!
//! The probe measures them: a random sample of records is compared with every record that shares
//! a coarse key (in the observatory, sex and the year of identification) and does not disagree on
//! the compatible fields (citizenship: equal, or missing on either side) instead of only with
//! those a rule paired it with. A field in the key would leave out every record that lacks it,
//! and records with missing fields are the ones blocking misses most.
//!
//! A pair of two persons is a merge the linkage lacks when some pair of their records scores at
//! or above the probe's threshold (below the review threshold too: the linkage keeps no such
//! pair, yet one in twenty pairs scored 0.05 is one person) and is not the linkage's own (a rule's pair scored at or above the review threshold, which the drawn
//! linkages already redecide). Each merge found stands for the merges like it that the sample
//! missed: its chance of being one person over its chance of being found (Horvitz–Thompson; a
//! merge is found when any record of a pair that reveals it is sampled). Counting merges of
//! persons, not pairs of records, keeps a record alone and a person of three records from
//! counting three times, and pairs already in one person through other links from counting at
//! all. The work is bounded (a budget of comparisons sets the sample's size), so it stays linear
//! in the number of records.

use rand::SeedableRng;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::blocking::RuleKeys;
use crate::compare::{self, MAX_FIELDS, Prepared};
use crate::probability_from_weight;
use crate::score::Scorer;
use crate::settings::{LinkSettings, LinkType};

/// A merge of two persons that the probe found the linkage lacks.
#[derive(Clone, Debug, PartialEq)]
pub struct MissedLink {
    /// A record of each person: the pair the model scores highest between them, `left < right`.
    pub left: u32,
    pub right: u32,
    /// That pair's match probability: the chance that the two persons are one.
    pub probability: f64,
    /// The chance that the probe finds this merge: that a record of one of its qualifying pairs
    /// is sampled.
    pub inclusion: f64,
}

/// What the probe found (see the module's documentation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MissedLinks {
    /// Records sampled.
    pub sampled: usize,
    /// Pairs compared (sampled record × record with the same coarse key).
    pub compared: u64,
    /// The merges found, sorted by record: one per pair of persons between which some pair of
    /// records with the same coarse key scores at or above the probe's threshold, unless a rule
    /// compared it and it scored at or above the review threshold (the linkage's own pair).
    pub links: Vec<MissedLink>,
}

impl MissedLinks {
    /// Expected number of merges of this kind the whole linkage lacks: each found merge's
    /// probability over its chance of being found (Horvitz–Thompson).
    pub fn expected(&self) -> f64 {
        self.links.iter().filter(|l| l.inclusion > 0.0).map(|l| l.probability / l.inclusion).sum()
    }
}

/// Whether records `a` and `b` do not disagree on any of the `compatible` fields (each equal, or
/// missing on either side).
fn compatible_pair(prep: &Prepared, compatible: &[usize], a: usize, b: usize) -> bool {
    compatible.iter().all(|&f| {
        let (x, y) = (prep.columns[f].value_id[a], prep.columns[f].value_id[b]);
        x == 0 || y == 0 || x == y
    })
}

/// The number of records of `group` compatible with each record of it (itself included), by
/// counting the distinct values of the `compatible` fields: records with the same values are
/// compatible with the same records.
fn compatible_counts(prep: &Prepared, compatible: &[usize], group: &[u32]) -> u64 {
    let mut by_values: FxHashMap<Vec<u32>, u64> = FxHashMap::default();
    for &r in group {
        let values = compatible.iter().map(|&f| prep.columns[f].value_id[r as usize]).collect();
        *by_values.entry(values).or_default() += 1;
    }
    let agrees = |x: &[u32], y: &[u32]| x.iter().zip(y).all(|(&a, &b)| a == 0 || b == 0 || a == b);
    by_values
        .iter()
        .map(|(x, &n_x)| n_x * by_values.iter().filter(|(y, _)| agrees(x, y)).map(|(_, &n_y)| n_y).sum::<u64>())
        .sum()
}

/// Runs the probe on the linkage's persons (`cluster_of`, a person per record). `keys` are the
/// blocking rules' keys (to tell which pairs a rule produced), `coarse` each record's coarse key
/// (`None` when a part is missing: such records are neither sampled nor compared), `compatible`
/// the fields on which a compared pair must not disagree (equal, or missing on either side).
pub(crate) fn probe(
    prep: &Prepared,
    settings: &LinkSettings,
    scorer: &Scorer,
    keys: &RuleKeys,
    coarse: &[Option<u64>],
    compatible: &[usize],
    cluster_of: &[u32],
) -> MissedLinks {
    let mut groups: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
    for (r, key) in coarse.iter().enumerate() {
        if let Some(k) = key {
            groups.entry(*k).or_default().push(r as u32);
        }
    }
    let keyed: usize = groups.values().map(Vec::len).sum();
    if keyed < 2 {
        return MissedLinks::default();
    }
    // Comparisons per sampled record, on average: Σ over records of the records of its group it
    // is compatible with, over n (Σ n_g² / n without compatible fields).
    let per_record = groups.values().map(|g| compatible_counts(prep, compatible, g) as f64).sum::<f64>() / keyed as f64;
    let sample_size =
        settings.probe_sample.min((settings.probe_comparisons as f64 / per_record.max(1.0)) as usize).min(keyed).max(1);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(settings.seed ^ 0x9e37_79b9_7f4a_7c15);
    // In record order, so that the sample does not depend on the map's iteration order.
    let mut candidates: Vec<u32> = groups.values().flatten().copied().collect();
    candidates.sort_unstable();
    let sample: Vec<u32> =
        rand::seq::index::sample(&mut rng, candidates.len(), sample_size).into_iter().map(|i| candidates[i]).collect();
    let weight_of = |p: f64| (p / (1.0 - p)).log2();
    let review_weight = weight_of(settings.review_threshold);
    let probe_weight = weight_of(settings.probe_threshold.min(settings.review_threshold));
    // The weight of a pair the probe counts (same coarse key, two persons, not the linkage's own
    // pair), or `None`.
    let qualifying = |a: usize, b: usize| -> Option<f64> {
        if a == b
            || cluster_of[a] == cluster_of[b]
            || coarse[a].is_none()
            || coarse[a] != coarse[b]
            || !compatible_pair(prep, compatible, a, b)
            || (settings.link_type == LinkType::LinkOnly && prep.source[a] == prep.source[b])
        {
            return None;
        }
        let (a, b) = (a.min(b), a.max(b));
        let mut weights = [0.0f64; MAX_FIELDS];
        let weight = scorer.score(prep, a, b, compare::compare(prep, a, b), &mut weights);
        (weight >= probe_weight && !(weight >= review_weight && keys.is_candidate(a, b))).then_some(weight)
    };
    // Per sampled record: pairs compared, and the pairs of persons found.
    type Found = (u64, Vec<(u32, u32)>);
    let found: Vec<Found> = sample
        .par_iter()
        .map(|&r| {
            let Some(group) = coarse[r as usize].and_then(|k| groups.get(&k)) else {
                return (0, Vec::new());
            };
            let mut compared = 0u64;
            let mut out = Vec::new();
            for &q in group {
                if q == r
                    || (settings.link_type == LinkType::LinkOnly && prep.source[r as usize] == prep.source[q as usize])
                    || !compatible_pair(prep, compatible, r as usize, q as usize)
                {
                    continue;
                }
                compared += 1;
                if qualifying(r as usize, q as usize).is_some() {
                    let (x, y) = (cluster_of[r as usize], cluster_of[q as usize]);
                    out.push((x.min(y), x.max(y)));
                }
            }
            (compared, out)
        })
        .collect();
    let compared = found.iter().map(|f| f.0).sum();
    let mut person_pairs: Vec<(u32, u32)> = found.into_iter().flat_map(|f| f.1).collect();
    person_pairs.sort_unstable();
    person_pairs.dedup();
    // Each pair of persons found is looked at whole: the records that could have revealed it (a
    // merge is found when any of them is sampled), and the chance that the two are one person.
    // That chance is [`persons_probability`]'s.
    let mut members: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    let wanted: rustc_hash::FxHashSet<u32> = person_pairs.iter().flat_map(|&(x, y)| [x, y]).collect();
    for (r, c) in cluster_of.iter().enumerate() {
        if wanted.contains(c) {
            members.entry(*c).or_default().push(r as u32);
        }
    }
    let (k, s) = (keyed as f64, sample_size as f64);
    // P(at least one of m given keyed records is sampled), sampling s of k without replacement.
    let inclusion = |m: usize| {
        let mut none = 1.0;
        for i in 0..m {
            none *= ((k - s - i as f64) / (k - i as f64)).max(0.0);
        }
        (1.0 - none).clamp(0.0, 1.0)
    };
    let mut links: Vec<MissedLink> = person_pairs
        .par_iter()
        .filter_map(|&(x, y)| {
            let (xs, ys) = (members.get(&x)?, members.get(&y)?);
            let mut best: Option<(f64, u32, u32)> = None;
            let mut revealing: Vec<u32> = Vec::new();
            for &a in xs {
                for &b in ys {
                    if let Some(w) = qualifying(a as usize, b as usize) {
                        revealing.extend([a, b]);
                        if best.is_none_or(|(bw, ..)| w > bw) {
                            best = Some((w, a.min(b), a.max(b)));
                        }
                    }
                }
            }
            revealing.sort_unstable();
            revealing.dedup();
            let (_, left, right) = best?;
            let probability = persons_probability(prep, scorer, xs, ys);
            Some(MissedLink { left, right, probability, inclusion: inclusion(revealing.len()) })
        })
        .collect();
    links.sort_by_key(|l| (l.left, l.right));
    MissedLinks { sampled: sample_size, compared, links }
}

/// The chance that two persons, of records `xs` and `ys`, are one: the match probability of the
/// mean of the match weights of all their pairs of records. A record that is one person with a
/// person of several records should look like each of them; the best pair alone overstates the
/// chance, since a record left alone had several chances to look like one of them by accident
/// (at 300,000 simulated victims, the probe's merges between a record alone and a person of
/// several summed to 407 by the best pair's probability, 296 by the mean probability and 201 by
/// the mean weight, where 179 were true). For two records it is their pair's probability.
pub(crate) fn persons_probability(prep: &Prepared, scorer: &Scorer, xs: &[u32], ys: &[u32]) -> f64 {
    let mut sum = 0.0;
    let mut weights = [0.0f64; MAX_FIELDS];
    for &x in xs {
        for &y in ys {
            let (a, b) = (x.min(y) as usize, x.max(y) as usize);
            sum += scorer.score(prep, a, b, compare::compare(prep, a, b), &mut weights);
        }
    }
    probability_from_weight(sum / (xs.len() * ys.len()).max(1) as f64)
}
