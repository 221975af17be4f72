//! How many links did blocking keep the linker from seeing?
//!
//! Blocking compares only the pairs some rule puts together; a pair of records of one person that
//! no rule pairs (both names misspelt, one birth date missing, …) can never be linked, whatever
//! the model would have said. At a million records such pairs are a few per cent of the true
//! ones, few enough to leave precision and recall looking fine, yet each makes a person seem to
//! be on one list less, and the estimate of the hidden number rests on exactly those overlaps.
//!
//! The probe measures them: a random sample of records is compared with every record that shares
//! a coarse key (by default sex, citizenship and the year of identification) instead of only with
//! those a rule paired it with. The pairs no rule produced that the model scores at or above the
//! review threshold are links the linkage could not make; their probabilities, divided by the
//! chance that a pair has a sampled record, estimate how many such links the whole linkage lacks.
//! The work is bounded (a budget of comparisons sets the sample's size), so it stays linear in
//! the number of records.

use rand::SeedableRng;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::blocking::RuleKeys;
use crate::compare::{self, MAX_FIELDS, Prepared};
use crate::probability_from_weight;
use crate::score::Scorer;
use crate::settings::{LinkSettings, LinkType};

/// What the probe found (see the module's documentation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MissedLinks {
    /// Records sampled.
    pub sampled: usize,
    /// Pairs compared (sampled record × record with the same coarse key).
    pub compared: u64,
    /// Chance that a given pair has at least one sampled record.
    pub inclusion: f64,
    /// The pairs found that no blocking rule produced and the model scores at or above the review
    /// threshold: `(left, right, match probability)`, `left < right`, sorted.
    pub pairs: Vec<(u32, u32, f64)>,
}

impl MissedLinks {
    /// Expected number of links of this kind in the whole linkage: the found pairs'
    /// probabilities over the chance of finding a pair.
    pub fn expected(&self) -> f64 {
        if self.inclusion > 0.0 { self.pairs.iter().map(|p| p.2).sum::<f64>() / self.inclusion } else { 0.0 }
    }
}

/// Runs the probe. `keys` are the blocking rules' keys (to tell which pairs a rule produced),
/// `coarse` each record's coarse key (`None` when a part is missing: such records are neither
/// sampled nor compared).
pub(crate) fn probe(
    prep: &Prepared,
    settings: &LinkSettings,
    scorer: &Scorer,
    keys: &RuleKeys,
    coarse: &[Option<u64>],
) -> MissedLinks {
    let n = prep.n_records;
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
    // Comparisons per sampled record, on average: Σ n_g² / n over the groups.
    let per_record = groups.values().map(|g| (g.len() * g.len()) as f64).sum::<f64>() / keyed as f64;
    let sample_size =
        settings.probe_sample.min((settings.probe_comparisons as f64 / per_record.max(1.0)) as usize).min(keyed).max(1);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(settings.seed ^ 0x9e37_79b9_7f4a_7c15);
    // In record order, so that the sample does not depend on the map's iteration order.
    let mut candidates: Vec<u32> = groups.values().flatten().copied().collect();
    candidates.sort_unstable();
    let sample: Vec<u32> =
        rand::seq::index::sample(&mut rng, candidates.len(), sample_size).into_iter().map(|i| candidates[i]).collect();
    let mut sampled = vec![false; n];
    for &r in &sample {
        sampled[r as usize] = true;
    }
    let review_weight = (settings.review_threshold / (1.0 - settings.review_threshold)).log2();
    // Per sampled record: pairs compared, and the pairs found.
    type Found = (u64, Vec<(u32, u32, f64)>);
    let found: Vec<Found> = sample
        .par_iter()
        .map(|&r| {
            let mut compared = 0u64;
            let mut out = Vec::new();
            let Some(group) = coarse[r as usize].and_then(|k| groups.get(&k)) else {
                return (0, out);
            };
            for &q in group {
                // A pair of two sampled records is looked at once, from its smaller record.
                if q == r || (sampled[q as usize] && q < r) {
                    continue;
                }
                let (a, b) = (r.min(q) as usize, r.max(q) as usize);
                if settings.link_type == LinkType::LinkOnly && prep.source[a] == prep.source[b] {
                    continue;
                }
                compared += 1;
                if keys.is_candidate(a, b) {
                    continue;
                }
                let gamma = compare::compare(prep, a, b);
                let mut weights = [0.0f64; MAX_FIELDS];
                let weight = scorer.score(prep, a, b, gamma, &mut weights);
                if weight >= review_weight {
                    out.push((a as u32, b as u32, probability_from_weight(weight)));
                }
            }
            (compared, out)
        })
        .collect();
    let compared = found.iter().map(|f| f.0).sum();
    let mut pairs: Vec<(u32, u32, f64)> = found.into_iter().flat_map(|f| f.1).collect();
    pairs.sort_by_key(|&(a, b, _)| (a, b));
    // P(a pair of keyed records has a sampled record), sampling without replacement.
    let (k, s) = (keyed as f64, sample_size as f64);
    let inclusion = 1.0 - ((k - s) * (k - s - 1.0)) / (k * (k - 1.0));
    MissedLinks { sampled: sample_size, compared, inclusion: inclusion.clamp(0.0, 1.0), pairs }
}
