//! Synthetic microdata in the manner of Microsoft's Synthetic Data Showcase (SDS, the `pac-synth`
//! package): a file of made-up records whose marginals stay close to the sensitive data's, in one
//! of two modes.
//!
//! As in SDS, a record is a set of attributes (a column's non-empty value); an empty value is no
//! attribute and takes part in no combination.
//!
//! * **k-anonymous** ([`synthesise`]): every combination of up to `reporting_length` attributes
//!   the file holds occurs at least `k` times in the sensitive data (it is *reportable*) and at
//!   least `k` times in the file itself. The file is made of *profiles*, made-up records each
//!   written `k` or more times, so the second half holds by construction: a combination's count
//!   in the file is a sum of profiles' copies.
//! * **Differentially private** ([`synthesise_dp`]): the file is made from noisy counts only
//!   ([`noisy_aggregates`]: OpenDP's discrete Laplace mechanism over every combination a declared
//!   domain allows, contributions bounded, ε split over the lengths), so it is ε-differentially
//!   private with respect to adding or removing one sensitive record; a combination whose noisy
//!   count is below the threshold never appears in it.
//!
//! Both make the file in two steps, against target counts (the sensitive counts, or the noisy
//! ones) of which only the *allowed* combinations may appear (reportable, or kept after the
//! noise):
//!
//! 1. **Aggregate-seeded sampling** (SDS's `AggregateSeededSynthesizer`): a record is built
//!    column by column in a random order; a column's value is drawn among the values that keep
//!    every combination of the record, up to `reporting_length`, allowed, with the conditional
//!    probability the target counts give it (the mean, over the record's sub-combinations of
//!    `reporting_length − 1` attributes `S`, of `count(S ∪ {v}) / count(S)`), or left empty.
//! 2. **Fitting** (what SDS does not do): a local search over the file (single values set to
//!    their best allowed value, records or profiles resampled, profiles' copies added or
//!    removed) keeps a move when it lowers the sum over lengths of each length's mean absolute
//!    error against the target — the figure reported, rather than the total error, which the
//!    many long combinations would dominate — and the error of the number of records.
//!
//! Seeded by a ChaCha stream: the same rows (or noisy counts), parameters and seed give the same
//! file; only the differentially private noise is drawn from the operating system. The number of
//! rows is fitted, not fixed, but held close to the sensitive (or noisy) number ([`ROWS_WEIGHT`]).
//! The utility reported ([`Utility`]) is the mean absolute error of all combinations of each
//! length, over the union of the combinations the sensitive and the synthetic data hold.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::dp::Laplace;
use crate::{Error, Result};

/// The parameters of [`synthesise`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthParams {
    /// Every combination of up to `reporting_length` attributes occurs at least `k` times.
    pub k: usize,
    /// 1 to 4 (SDS's default is 3).
    pub reporting_length: usize,
    pub seed: u64,
    /// Passes of the fitting step, each as many moves as the sensitive data has values
    /// (0: sampling only).
    pub passes: usize,
}

impl Default for SynthParams {
    fn default() -> Self {
        Self { k: 11, reporting_length: 3, seed: 2008, passes: 4 }
    }
}

/// A row of categorical values (`None`: empty).
pub type Row = Vec<Option<String>>;

/// The error of a synthetic file's marginals.
#[derive(Debug, Clone, PartialEq)]
pub struct Utility {
    /// `mae[l - 1]`: mean absolute error of the `l`-way combination counts.
    pub mae: Vec<f64>,
    /// How many combinations of each length the error is averaged over.
    pub combinations: Vec<usize>,
}

/// A k-anonymous synthetic file.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    /// Each profile's copies, profile after profile.
    pub rows: Vec<Row>,
    /// The distinct profiles (each written at least `k` times).
    pub profiles: usize,
    /// The fitting step's accepted changes.
    pub changes: usize,
    pub utility: Utility,
}

type Key = [u32; 4];
const NONE: u32 = u32::MAX;

fn key(attrs: &[u32]) -> Key {
    let mut k = [NONE; 4];
    let mut sorted: Vec<u32> = attrs.to_vec();
    sorted.sort_unstable();
    for (slot, a) in k.iter_mut().zip(sorted) {
        *slot = a;
    }
    k
}

/// Every combination of 1 to `max` attributes made of a subset of `attrs` and `extra` (always
/// included when given), calling `f` on its key.
fn for_each_combo(attrs: &[u32], max: usize, extra: Option<u32>, f: &mut impl FnMut(Key)) {
    let mut stack: Vec<u32> = Vec::with_capacity(4);
    fn rec(attrs: &[u32], start: usize, max: usize, extra: Option<u32>, stack: &mut Vec<u32>, f: &mut impl FnMut(Key)) {
        let size = stack.len() + usize::from(extra.is_some());
        if size >= 1 {
            let mut all = stack.clone();
            all.extend(extra);
            f(key(&all));
        }
        if size == max {
            return;
        }
        for i in start..attrs.len() {
            stack.push(attrs[i]);
            rec(attrs, i + 1, max, extra, stack, f);
            stack.pop();
        }
    }
    rec(attrs, 0, max, extra, &mut stack, f);
}

/// All combination counts of up to `max` attributes.
fn counts(rows: &[Vec<u32>], max: usize) -> HashMap<Key, i64> {
    let mut c = HashMap::new();
    for row in rows {
        for_each_combo(row, max, None, &mut |k| *c.entry(k).or_insert(0) += 1);
    }
    c
}

#[derive(Debug, Clone)]
struct Encoded {
    /// Per column, its values.
    values: Vec<Vec<String>>,
    /// Attribute id → (column, value index).
    attrs: Vec<(usize, usize)>,
    /// Per column, the first attribute id.
    first: Vec<u32>,
}

impl Encoded {
    fn new(rows: &[Row], n_columns: usize) -> Self {
        let mut values: Vec<Vec<String>> = vec![Vec::new(); n_columns];
        for row in rows {
            for (j, v) in row.iter().enumerate().take(n_columns) {
                if let Some(v) = v {
                    values[j].push(v.clone());
                }
            }
        }
        Self::from_domain(values)
    }

    /// The attributes of a declared domain: per column, the values it may take.
    fn from_domain(mut values: Vec<Vec<String>>) -> Self {
        let mut attrs = Vec::new();
        let mut first = Vec::new();
        for (j, v) in values.iter_mut().enumerate() {
            v.sort();
            v.dedup();
            first.push(attrs.len() as u32);
            attrs.extend((0..v.len()).map(|i| (j, i)));
        }
        Self { values, attrs, first }
    }

    fn encode(&self, row: &Row) -> Vec<u32> {
        row.iter()
            .enumerate()
            .take(self.values.len())
            .filter_map(|(j, v)| {
                let v = v.as_ref()?;
                let i = self.values[j].binary_search(v).ok()?;
                Some(self.first[j] + i as u32)
            })
            .collect()
    }

    fn decode(&self, attrs: &[u32]) -> Row {
        let mut row = vec![None; self.values.len()];
        for &a in attrs {
            let (j, i) = self.attrs[a as usize];
            row[j] = Some(self.values[j][i].clone());
        }
        row
    }

    fn column(&self, a: u32) -> usize {
        self.attrs[a as usize].0
    }

    fn attributes_of(&self, j: usize) -> std::ops::Range<u32> {
        self.first[j]..self.first[j] + self.values[j].len() as u32
    }
}

/// Makes a k-anonymous synthetic file from `rows` (all rows have `n_columns` values): profiles
/// (made-up records) each written `k` or more times, fitted to the sensitive counts; a
/// combination may appear only when it is reportable (at least `k` sensitive records hold it).
pub fn synthesise(rows: &[Row], n_columns: usize, params: &SynthParams) -> Synthetic {
    let k = params.k.max(1) as i64;
    let max = params.reporting_length.clamp(1, 4);
    let enc = Encoded::new(rows, n_columns);
    let sensitive: Vec<Vec<u32>> = rows.iter().map(|r| enc.encode(r)).collect();
    let real = counts(&sensitive, max);
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let target = Target::new(&real, k, rows.len() as f64, max);
    let mut profiles: Vec<(Vec<u32>, i64)> = (0..rows.len() / params.k.max(1))
        .map(|_| sample_record(&enc, &target, max, &mut rng))
        .filter(|p| !p.is_empty())
        .map(|p| (p, k))
        .collect();
    let mut syn: HashMap<Key, i64> = HashMap::new();
    for (profile, copies) in &profiles {
        apply(&mut syn, profile, *copies, max);
    }
    let steps = params.passes * rows.len() * n_columns;
    let changes = fit_profiles(&enc, &target, &mut profiles, &mut syn, max, steps, k, &mut rng);
    let mut out: Vec<Row> = Vec::new();
    for (profile, copies) in &profiles {
        let row = enc.decode(profile);
        out.extend(std::iter::repeat_n(row, *copies as usize));
    }
    let utility = utility(rows, &out, n_columns, max);
    Synthetic { rows: out, profiles: profiles.len(), changes, utility }
}

/// How much more an error of the number of records weighs than an error of one attribute's
/// count. Records can hold only allowed combinations, so they are sparser than the sensitive
/// ones and more records would carry the single attributes' counts better (on the demo, k = 11:
/// 1-way error 13.6 instead of 34, with 1,917 rows for 1,201 persons); but the number of rows is
/// the first figure a reader of the file counts, so it is held close to the sensitive (or noisy)
/// number.
const ROWS_WEIGHT: f64 = 10.0;

/// What a synthesis fits: target counts of combinations, the least target a combination needs
/// to be allowed in the file, and the number of records the target counts are out of.
struct Target<'a> {
    counts: &'a HashMap<Key, i64>,
    floor: i64,
    n_records: f64,
    /// `weights[l - 1]`: the weight of an error on a combination of length `l` in the fitting's
    /// objective (see [`Target::new`]).
    weights: [f64; 4],
}

impl<'a> Target<'a> {
    /// The fitting minimises the sum over lengths of each length's *mean* absolute error (the
    /// figure reported), not the sum of all errors, which the many combinations of the longest
    /// length would dominate: an error of length `l` weighs `1 / N_l`, `N_l` the number of allowed
    /// combinations of that length in the target (scaled so that the longest weighs 1).
    fn new(counts: &'a HashMap<Key, i64>, floor: i64, n_records: f64, max: usize) -> Self {
        let mut allowed = [0usize; 4];
        for (key, &count) in counts {
            if count >= floor {
                allowed[length(key) - 1] += 1;
            }
        }
        let longest = allowed[max - 1].max(1) as f64;
        let weights = allowed.map(|n| if n == 0 { 0.0 } else { longest / n as f64 });
        Target { counts, floor, n_records, weights }
    }

    /// Cost change of the number of records going from `rows` to `rows + delta`: the number of
    /// records is fitted too, [`ROWS_WEIGHT`] times as heavily as a single attribute's count.
    fn rows_change(&self, rows: i64, delta: i64) -> f64 {
        if delta == 0 {
            return 0.0;
        }
        let n = self.n_records;
        ROWS_WEIGHT * self.weights[0] * (((rows + delta) as f64 - n).abs() - (rows as f64 - n).abs())
    }

    fn count(&self, key: &Key) -> i64 {
        self.counts.get(key).copied().unwrap_or(0)
    }

    /// Can `a` join `others` (distinct columns) with every combination allowed?
    fn feasible(&self, others: &[u32], a: u32, max: usize) -> bool {
        let mut ok = true;
        for_each_combo(others, max, Some(a), &mut |key| ok &= self.count(&key) >= self.floor);
        ok
    }
}

/// Aggregate-seeded sampling of `n_records` records (step 1 of the module's doc).
fn sample(enc: &Encoded, target: &Target, n_records: usize, max: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<u32>> {
    (0..n_records).map(|_| sample_record(enc, target, max, rng)).collect()
}

/// One record drawn column by column in a random order, each value with the conditional
/// probability the target counts give it among the values that keep the record allowed.
fn sample_record(enc: &Encoded, target: &Target, max: usize, rng: &mut ChaCha8Rng) -> Vec<u32> {
    let n_columns = enc.values.len();
    let mut record: Vec<u32> = Vec::new();
    let mut columns: Vec<usize> = (0..n_columns).collect();
    for i in (1..columns.len()).rev() {
        columns.swap(i, rng.random_range(0..=i));
    }
    for j in columns {
        // The conditioning sets: sub-combinations of the record of size min(|record|, max - 1).
        let size = record.len().min(max - 1);
        let mut bases: Vec<Key> = Vec::new();
        if size == 0 {
            bases.push([NONE; 4]);
        } else {
            for_each_combo(&record, size, None, &mut |key| {
                if length(&key) == size {
                    bases.push(key);
                }
            });
        }
        let base_count = |b: &Key| if b[0] == NONE { target.n_records } else { target.count(b) as f64 };
        let with = |b: &Key, a: u32| {
            let mut attrs: Vec<u32> = b.iter().copied().filter(|x| *x != NONE).collect();
            attrs.push(a);
            target.count(&key(&attrs)).max(0) as f64
        };
        let mut candidates: Vec<(u32, f64)> = Vec::new();
        let mut taken = 0.0;
        for a in enc.attributes_of(j) {
            let p: f64 = bases.iter().map(|b| with(b, a) / base_count(b).max(1.0)).sum::<f64>() / bases.len() as f64;
            taken += p;
            if p > 0.0 && target.feasible(&record, a, max) {
                candidates.push((a, p));
            }
        }
        let empty = (1.0 - taken).max(0.0);
        let total: f64 = empty + candidates.iter().map(|c| c.1).sum::<f64>();
        if total <= 0.0 {
            continue;
        }
        let mut draw = rng.random::<f64>() * total;
        for (a, p) in candidates {
            if draw < p {
                record.push(a);
                break;
            }
            draw -= p;
        }
    }
    record.sort_unstable();
    record
}

/// Cost change of `delta` more copies (fewer when negative) of every combination of 1 to `max`
/// attributes of `attrs` that holds `with` (all of them when `with` is `None`): the change of
/// the weighted absolute error against the target. The combinations are distinct, so their
/// changes add up.
fn change(syn: &HashMap<Key, i64>, target: &Target, attrs: &[u32], with: Option<u32>, delta: i64, max: usize) -> f64 {
    let mut d = 0.0;
    for_each_combo(attrs, max, with, &mut |key| {
        let s = syn.get(&key).copied().unwrap_or(0);
        let r = target.count(&key);
        d += target.weights[length(&key) - 1] * ((s + delta - r).abs() - (s - r).abs()) as f64;
    });
    d
}

/// How many attributes a key holds.
fn length(key: &Key) -> usize {
    key.iter().take_while(|a| **a != NONE).count()
}

/// Adds `delta` copies of the combinations of `attrs` that hold `with` (all when `None`).
fn apply_with(syn: &mut HashMap<Key, i64>, attrs: &[u32], with: Option<u32>, delta: i64, max: usize) {
    for_each_combo(attrs, max, with, &mut |key| *syn.entry(key).or_insert(0) += delta);
}

fn apply(syn: &mut HashMap<Key, i64>, record: &[u32], delta: i64, max: usize) {
    apply_with(syn, record, None, delta, max);
}

/// The differentially private mode's fitting (step 2): `steps` moves over single records, each
/// kept when it lowers the cost. Most moves give one value of a record its best value among those
/// that keep the record allowed (or empty it); one in `n_columns` puts a freshly sampled record
/// in place of one, which single-value changes cannot reach when every change needs another
/// first. The number of non-empty records is fitted too ([`Target::rows_change`]).
fn fit(
    enc: &Encoded,
    target: &Target,
    synthetic: &mut [Vec<u32>],
    syn: &mut HashMap<Key, i64>,
    max: usize,
    steps: usize,
    rng: &mut ChaCha8Rng,
) -> usize {
    let n_columns = enc.values.len();
    let n_records = synthetic.len();
    let mut changes = 0;
    if n_records == 0 || n_columns == 0 {
        return 0;
    }
    let mut rows = synthetic.iter().filter(|r| !r.is_empty()).count() as i64;
    let filled = |record: &[u32]| i64::from(!record.is_empty());
    for step in 0..steps {
        let r = rng.random_range(0..n_records);
        if step % n_columns == 0 {
            let fresh = sample_record(enc, target, max, rng);
            let old = std::mem::take(&mut synthetic[r]);
            let removed = change(syn, target, &old, None, -1, max);
            apply(syn, &old, -1, max);
            let row_delta = filled(&fresh) - filled(&old);
            let d = removed + change(syn, target, &fresh, None, 1, max) + target.rows_change(rows, row_delta);
            if d < -1e-12 {
                apply(syn, &fresh, 1, max);
                synthetic[r] = fresh;
                rows += row_delta;
                changes += 1;
            } else {
                apply(syn, &old, 1, max);
                synthetic[r] = old;
            }
            continue;
        }
        let j = rng.random_range(0..n_columns);
        let (current, others) = split_column(enc, &synthetic[r], j);
        // Emptying a record's last value, or filling an empty record, changes the number of
        // records.
        let row_delta = |to: Option<u32>| {
            if others.is_empty() { i64::from(to.is_some()) - i64::from(current.is_some()) } else { 0 }
        };
        let Some(proposal) =
            best_value(enc, target, syn, (j, current, &others), 1, max, |to| target.rows_change(rows, row_delta(to)))
        else {
            continue;
        };
        rows += row_delta(proposal);
        synthetic[r] = set_value(syn, current, others, proposal, 1, max);
        changes += 1;
    }
    changes
}

/// A record's value in column `j`, and its other values.
fn split_column(enc: &Encoded, record: &[u32], j: usize) -> (Option<u32>, Vec<u32>) {
    let current = record.iter().copied().find(|a| enc.column(*a) == j);
    (current, record.iter().copied().filter(|a| enc.column(*a) != j).collect())
}

/// The best value of column `j` for a record written `copies` times whose value there is
/// `current` and whose other values are `others`: among the values that keep the record allowed,
/// and the empty value, the one whose change of the weighted error, plus `extra` (what else the
/// choice changes; infinite to forbid it), is lowest. `None` unless it lowers the cost.
/// Combinations holding the current value and those holding another value of the column are
/// disjoint, so the two changes add up.
fn best_value(
    enc: &Encoded,
    target: &Target,
    syn: &HashMap<Key, i64>,
    (j, current, others): (usize, Option<u32>, &[u32]),
    copies: i64,
    max: usize,
    extra: impl Fn(Option<u32>) -> f64,
) -> Option<Option<u32>> {
    let removal = current.map_or(0.0, |a| change(syn, target, others, Some(a), -copies, max));
    let mut best: (f64, Option<u32>) = (removal + extra(None), None);
    for a in enc.attributes_of(j) {
        if Some(a) == current || !target.feasible(others, a, max) {
            continue;
        }
        let d = removal + change(syn, target, others, Some(a), copies, max) + extra(Some(a));
        if d < best.0 {
            best = (d, Some(a));
        }
    }
    let (d, proposal) = best;
    (proposal != current && d < -1e-12).then_some(proposal)
}

/// Moves a record written `copies` times from `current` to `proposal` in one column (its other
/// values `others`), in the counts too; returns the new record.
fn set_value(
    syn: &mut HashMap<Key, i64>,
    current: Option<u32>,
    mut others: Vec<u32>,
    proposal: Option<u32>,
    copies: i64,
    max: usize,
) -> Vec<u32> {
    if let Some(a) = current {
        apply_with(syn, &others, Some(a), -copies, max);
    }
    if let Some(a) = proposal {
        apply_with(syn, &others, Some(a), copies, max);
        others.push(a);
    }
    others.sort_unstable();
    others
}

/// The k-anonymous mode's fitting: each profile (a made-up record) is written `copies ≥ k`
/// times, so every combination the file holds is held at least `k` times by construction, and
/// only reportable ones can be held. `steps` moves, each kept when it lowers the cost: one value
/// of a profile changed in all its copies (to its best value among those that keep the profile
/// reportable, or emptied), one copy more, one copy fewer (a profile at `k` copies is removed
/// whole), a freshly sampled profile of `k` copies added, or a profile resampled. The number of
/// rows is fitted too ([`Target::rows_change`]).
#[allow(clippy::too_many_arguments)]
fn fit_profiles(
    enc: &Encoded,
    target: &Target,
    profiles: &mut Vec<(Vec<u32>, i64)>,
    syn: &mut HashMap<Key, i64>,
    max: usize,
    steps: usize,
    k: i64,
    rng: &mut ChaCha8Rng,
) -> usize {
    let n_columns = enc.values.len();
    let mut changes = 0;
    if n_columns == 0 {
        return 0;
    }
    let mut rows: i64 = profiles.iter().map(|p| p.1).sum();
    for _ in 0..steps {
        let kind = rng.random_range(0..16u32);
        if kind == 0 || profiles.is_empty() {
            let fresh = sample_record(enc, target, max, rng);
            if !fresh.is_empty() && change(syn, target, &fresh, None, k, max) + target.rows_change(rows, k) < -1e-12 {
                apply(syn, &fresh, k, max);
                profiles.push((fresh, k));
                rows += k;
                changes += 1;
            }
            continue;
        }
        let r = rng.random_range(0..profiles.len());
        let copies = profiles[r].1;
        match kind {
            1 | 2 => {
                let delta = match kind {
                    1 => 1,
                    _ if copies > k => -1,
                    _ => -copies,
                };
                let d = change(syn, target, &profiles[r].0, None, delta, max) + target.rows_change(rows, delta);
                if d < -1e-12 {
                    apply(syn, &profiles[r].0, delta, max);
                    rows += delta;
                    profiles[r].1 += delta;
                    if profiles[r].1 == 0 {
                        profiles.swap_remove(r);
                    }
                    changes += 1;
                }
            }
            3 => {
                let fresh = sample_record(enc, target, max, rng);
                if fresh.is_empty() {
                    continue;
                }
                let old = std::mem::take(&mut profiles[r].0);
                let removed = change(syn, target, &old, None, -copies, max);
                apply(syn, &old, -copies, max);
                if removed + change(syn, target, &fresh, None, copies, max) < -1e-12 {
                    apply(syn, &fresh, copies, max);
                    profiles[r].0 = fresh;
                    changes += 1;
                } else {
                    apply(syn, &old, copies, max);
                    profiles[r].0 = old;
                }
            }
            _ => {
                let j = rng.random_range(0..n_columns);
                let (current, others) = split_column(enc, &profiles[r].0, j);
                // A profile is never emptied: its copies would be rows of nothing.
                let never_empty = |to: Option<u32>| if to.is_none() && others.is_empty() { f64::INFINITY } else { 0.0 };
                let Some(proposal) = best_value(enc, target, syn, (j, current, &others), copies, max, never_empty)
                else {
                    continue;
                };
                profiles[r].0 = set_value(syn, current, others, proposal, copies, max);
                changes += 1;
            }
        }
    }
    changes
}

/// The parameters of [`synthesise_dp`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DpSynthParams {
    /// The ε the noisy counts spend, split over the lengths 1 to `reporting_length`.
    pub epsilon: f64,
    /// The longest combinations noised, 1 to 4. Two by default: on the demo, noising the
    /// three-way combinations too made every length's error larger at ε = 1 to 12 (the ε they
    /// take costs the 1- and 2-way counts more than they help, and their noise bars records from
    /// the combinations the noisy counts drop); the 3-way counts of the file follow from the
    /// fitted 1- and 2-way ones.
    pub reporting_length: usize,
    /// The contribution bound: a record keeps at most this many of its attributes (those beyond
    /// are dropped, chosen at random, before anything is counted), so that one record changes at
    /// most `C(max_attributes, l)` counts of length `l`.
    pub max_attributes: usize,
    /// The threshold of the single attributes, stated as how many attributes of the domain that
    /// no record holds are expected to pass it (the domain is large: every country twice).
    pub absent_singles: f64,
    /// A noisy count of length 2 or more below `threshold` times its length's noise scale (and
    /// below 1) is dropped.
    pub threshold: f64,
    /// Seeds the contribution bound's choice and the synthesis; not the noise.
    pub seed: u64,
    /// Passes of the fitting step (each as many moves as the file has values).
    pub passes: usize,
}

impl Default for DpSynthParams {
    fn default() -> Self {
        Self {
            epsilon: 1.0,
            reporting_length: 2,
            max_attributes: 10,
            absent_singles: 10.0,
            threshold: 0.0,
            seed: 2008,
            passes: 4,
        }
    }
}

/// Spare empty records the DP mode's fitting may fill, as a share of the noisy number of
/// records: a record can hold only combinations the noisy counts kept, so records are sparser
/// than the sensitive ones and more of them carry the single attributes' counts.
const SPARE_RECORDS: f64 = 0.5;

/// The differentially private counts a DP synthetic file is made from ([`noisy_aggregates`]).
#[derive(Debug, Clone)]
pub struct NoisyAggregates {
    enc: Encoded,
    /// Every combination noised, with its noisy count (retained or not).
    noisy: HashMap<Key, i64>,
    /// The combinations retained (noisy count at least the threshold of their length).
    retained: HashMap<Key, i64>,
    /// `mechanisms[l - 1]`: the Laplace mechanism of the counts of length `l` (the first also
    /// noises the number of records); `None` when no record can hold `l` attributes.
    pub mechanisms: Vec<Option<Laplace>>,
    /// `thresholds[l - 1]`: the least noisy count of length `l` retained.
    pub thresholds: Vec<i64>,
    /// `candidates[l - 1]`: how many combinations of length `l` were noised.
    pub candidates: Vec<usize>,
    /// The noisy number of records (at least 0): the synthetic file's size.
    pub noisy_records: usize,
}

impl NoisyAggregates {
    /// The ε spent: the sum over lengths of the ε each mechanism spends.
    pub fn epsilon(&self) -> f64 {
        self.mechanisms.iter().flatten().map(|m| m.epsilon).sum()
    }

    /// The noisy count of a combination (column, value), `None` if it was never noised.
    pub fn noisy_count(&self, combination: &[(usize, &str)]) -> Option<i64> {
        let mut attrs = Vec::with_capacity(combination.len());
        for &(j, value) in combination {
            let i = self.enc.values.get(j)?.binary_search_by(|v| v.as_str().cmp(value)).ok()?;
            attrs.push(self.enc.first[j] + i as u32);
        }
        if attrs.is_empty() || attrs.len() > 4 {
            return None;
        }
        self.noisy.get(&key(&attrs)).copied()
    }
}

/// A differentially private synthetic file.
#[derive(Debug, Clone)]
pub struct DpSynthetic {
    pub rows: Vec<Row>,
    /// The fitting step's accepted changes.
    pub changes: usize,
    pub aggregates: NoisyAggregates,
}

fn binomial(n: usize, l: usize) -> u64 {
    if l > n {
        return 0;
    }
    (0..l).fold(1u64, |acc, i| acc * (n - i) as u64 / (i as u64 + 1))
}

/// The differentially private counts of the combinations of 1 to `reporting_length` attributes
/// of `rows` over `domain` (per column, the values it may take: from a codebook, not from the
/// rows, for the guarantee to hold; a value outside it is dropped). Length by length:
///
/// * length 1: the number of records and every attribute of the domain, each counted exactly
///   and noised (L1 sensitivity `1 + C(m, 1)`, `m` = `max_attributes` or the columns that have
///   values, whichever is fewer);
/// * length `l > 1`: every combination of `l` attributes of distinct columns whose every
///   sub-combination of `l − 1` attributes was retained (a choice made from the noisy counts
///   only), noised with sensitivity `C(m, l)`.
///
/// A noisy count is retained when it is at least `threshold × scale` (and 1). The ε is split
/// over the lengths in proportion to the square roots of their sensitivities (which minimises the
/// sum of the lengths' noise scales); by sequential composition the total is `ε`. Each length's
/// noise is OpenDP's discrete Laplace mechanism ([`Laplace`]), whose privacy map certifies its
/// share. The noise comes from the operating system's entropy and is not reproducible.
pub fn noisy_aggregates(rows: &[Row], domain: &[Vec<String>], params: &DpSynthParams) -> Result<NoisyAggregates> {
    let max = params.reporting_length;
    if !(1..=4).contains(&max) {
        return Err(Error::Parameter(format!("reporting length {max}: must be 1 to 4")));
    }
    if params.max_attributes == 0 {
        return Err(Error::Parameter("max_attributes 0: must be 1 or more".to_owned()));
    }
    if !(params.absent_singles.is_finite() && params.absent_singles > 0.0) {
        return Err(Error::Parameter(format!("absent_singles {}: must be a positive number", params.absent_singles)));
    }
    if !(params.threshold.is_finite() && params.threshold >= 0.0) {
        return Err(Error::Parameter(format!("threshold {}: must be 0 or more", params.threshold)));
    }
    if !(params.epsilon.is_finite() && params.epsilon > 0.0) {
        return Err(Error::Parameter(format!("ε = {}: must be a positive number", params.epsilon)));
    }
    let enc = Encoded::from_domain(domain.to_vec());
    let columns_with_values = enc.values.iter().filter(|v| !v.is_empty()).count();
    let m = params.max_attributes.min(columns_with_values);
    // The contribution bound: at most `m` attributes per record. Which ones is a random choice
    // drawn from the record's own attributes and the seed only, so that the bound is a
    // record-by-record transformation: adding or removing a record changes no other record's
    // choice (one generator shared across records would).
    let bounded: Vec<Vec<u32>> = rows
        .iter()
        .map(|row| {
            let mut attrs = enc.encode(row);
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ params.seed;
            for a in &attrs {
                hash = (hash ^ u64::from(*a)).wrapping_mul(0x0100_0000_01b3);
            }
            let mut rng = ChaCha8Rng::seed_from_u64(hash);
            while attrs.len() > m {
                let drop = rng.random_range(0..attrs.len());
                attrs.swap_remove(drop);
            }
            attrs.sort_unstable();
            attrs
        })
        .collect();
    let truth = counts(&bounded, max);
    let sensitivities: Vec<u64> = (1..=max).map(|l| binomial(m, l) + u64::from(l == 1)).collect();
    // ε_l ∝ √Δ_l minimises the sum of the lengths' noise scales Δ_l / ε_l for a total ε.
    let total_root: f64 = sensitivities.iter().map(|s| (*s as f64).sqrt()).sum();

    let mut noisy: HashMap<Key, i64> = HashMap::new();
    let mut retained: HashMap<Key, i64> = HashMap::new();
    let mut mechanisms = Vec::new();
    let mut thresholds = Vec::new();
    let mut candidates_by_length = Vec::new();
    let mut noisy_records = 0;
    let mut previous: Vec<Key> = Vec::new();
    let mut singles: Vec<u32> = Vec::new();
    for (l, &sensitivity) in (1..=max).zip(&sensitivities) {
        // The combinations to noise: chosen from the domain and earlier noisy counts only.
        let candidates: Vec<Key> = if l == 1 {
            (0..enc.attrs.len() as u32).map(|a| key(&[a])).collect()
        } else {
            let mut out = Vec::new();
            for base in &previous {
                let attrs: Vec<u32> = base.iter().copied().filter(|a| *a != NONE).collect();
                let Some(&last) = attrs.last() else { continue };
                for &b in singles.iter().filter(|&&b| enc.column(b) > enc.column(last)) {
                    let mut all = attrs.clone();
                    all.push(b);
                    // Every sub-combination of l − 1 attributes retained.
                    let ok = (0..all.len()).all(|skip| {
                        let sub: Vec<u32> =
                            all.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, a)| *a).collect();
                        retained.contains_key(&key(&sub))
                    });
                    if ok {
                        out.push(key(&all));
                    }
                }
            }
            out
        };
        candidates_by_length.push(candidates.len());
        if sensitivity == 0 {
            mechanisms.push(None);
            thresholds.push(i64::MAX);
            previous = Vec::new();
            continue;
        }
        let epsilon = params.epsilon * (sensitivity as f64).sqrt() / total_root;
        let mechanism = Laplace::new(sensitivity, epsilon)?;
        let mut exact: Vec<u64> = candidates.iter().map(|c| truth.get(c).copied().unwrap_or(0).max(0) as u64).collect();
        if l == 1 {
            exact.push(bounded.len() as u64);
        }
        let mut values = mechanism.sample(&exact)?;
        if l == 1 {
            noisy_records = values.pop().unwrap_or(0).max(0) as usize;
        }
        // P(Z ≥ t) = q^t / (1 + q) for the discrete Laplace noise Z of this scale, q = e^(−1/scale):
        // among the domain's single attributes (nearly all absent), about `absent_singles`
        // absent ones pass t = scale · ln(candidates / absent_singles).
        let threshold = if l == 1 {
            let candidates = exact.len().saturating_sub(1) as f64;
            mechanism.scale * (candidates / params.absent_singles.max(1e-9)).max(1.0).ln()
        } else {
            params.threshold * mechanism.scale
        };
        let threshold = (threshold.ceil() as i64).max(1);
        previous = Vec::new();
        for (candidate, value) in candidates.into_iter().zip(values) {
            noisy.insert(candidate, value);
            if value >= threshold {
                retained.insert(candidate, value);
                previous.push(candidate);
                if l == 1 {
                    singles.push(candidate[0]);
                }
            }
        }
        mechanisms.push(Some(mechanism));
        thresholds.push(threshold);
    }
    Ok(NoisyAggregates {
        enc,
        noisy,
        retained,
        mechanisms,
        thresholds,
        candidates: candidates_by_length,
        noisy_records,
    })
}

/// A synthetic file made from noisy counts only (post-processing: no further privacy cost),
/// seeded: the same aggregates, parameters and seed give the same file. Aggregate-seeded
/// sampling of `noisy_records` records over the retained combinations, then the fitting step
/// against the noisy counts. Only retained combinations can appear in the file.
pub fn synthesise_from(aggregates: &NoisyAggregates, params: &DpSynthParams) -> DpSynthetic {
    let max = aggregates.mechanisms.len();
    let enc = &aggregates.enc;
    let target = Target::new(&aggregates.retained, 1, aggregates.noisy_records as f64, max);
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let mut synthetic = sample(enc, &target, aggregates.noisy_records, max, &mut rng);
    let spare = (aggregates.noisy_records as f64 * SPARE_RECORDS) as usize;
    synthetic.extend(std::iter::repeat_n(Vec::new(), spare));
    let mut syn = counts(&synthetic, max);
    let steps = params.passes * synthetic.len() * enc.values.len();
    let changes = fit(enc, &target, &mut synthetic, &mut syn, max, steps, &mut rng);
    synthetic.retain(|r| !r.is_empty());
    let rows = synthetic.iter().map(|r| enc.decode(r)).collect();
    DpSynthetic { rows, changes, aggregates: aggregates.clone() }
}

/// A differentially private synthetic file of `rows` over `domain`: [`noisy_aggregates`], then
/// [`synthesise_from`] them.
pub fn synthesise_dp(rows: &[Row], domain: &[Vec<String>], params: &DpSynthParams) -> Result<DpSynthetic> {
    let aggregates = noisy_aggregates(rows, domain, params)?;
    Ok(synthesise_from(&aggregates, params))
}

/// The mean absolute error of every combination of 1 to `max` attributes of `synthetic` against
/// `sensitive`, per length, over the combinations either holds.
pub fn utility(sensitive: &[Row], synthetic: &[Row], n_columns: usize, max: usize) -> Utility {
    let mut both: Vec<Row> = sensitive.to_vec();
    both.extend_from_slice(synthetic);
    let enc = Encoded::new(&both, n_columns);
    let a = counts(&sensitive.iter().map(|r| enc.encode(r)).collect::<Vec<_>>(), max);
    let b = counts(&synthetic.iter().map(|r| enc.encode(r)).collect::<Vec<_>>(), max);
    let mut sums = vec![0.0; max];
    let mut ns = vec![0usize; max];
    for (key, &x) in &a {
        let l = key.iter().filter(|v| **v != NONE).count();
        sums[l - 1] += (x - b.get(key).copied().unwrap_or(0)).abs() as f64;
        ns[l - 1] += 1;
    }
    for (key, &y) in &b {
        if !a.contains_key(key) {
            let l = key.iter().filter(|v| **v != NONE).count();
            sums[l - 1] += y as f64;
            ns[l - 1] += 1;
        }
    }
    Utility {
        mae: sums.iter().zip(&ns).map(|(s, n)| if *n == 0 { 0.0 } else { s / *n as f64 }).collect(),
        combinations: ns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_are_enumerated_once_each() {
        let mut seen = Vec::new();
        for_each_combo(&[1, 2, 3], 2, None, &mut |k| seen.push(k));
        assert_eq!(seen.len(), 6); // 3 singles, 3 pairs
        let mut with = Vec::new();
        for_each_combo(&[1, 2, 3], 2, Some(9), &mut |k| with.push(k));
        assert_eq!(with.len(), 4); // {9}, and 9 with each other
    }
}
