//! Synthetic microdata in the manner of Microsoft's Synthetic Data Showcase (SDS, the `pac-synth`
//! package): a file of made-up records whose every combination of up to `reporting_length`
//! attribute values occurs at least `k` times — in the sensitive data *and* in the synthetic file
//! itself — and whose marginals stay close to the sensitive data's.
//!
//! As in SDS, a record is a set of attributes (a column's non-empty value); an empty value is no
//! attribute and takes part in no combination. A combination is *reportable* when it occurs at
//! least `k` times in the sensitive data.
//!
//! 1. **Aggregate-seeded sampling** (SDS's `AggregateSeededSynthesizer`): each record is built
//!    column by column in a random order; a column's value is drawn among the values that keep
//!    every combination of the record, up to `reporting_length`, reportable, with the conditional
//!    probability the reportable aggregates give it (the mean, over the record's sub-combinations
//!    of `reporting_length − 1` attributes `S`, of `count(S ∪ {v}) / count(S)`), or left empty.
//! 2. **Fitting** (what SDS does not do): a local search changes one value of one record at a
//!    time, among the values that keep the record reportable, and keeps the change when it lowers
//!    the total absolute error of all 1- to `reporting_length`-way marginals against the
//!    sensitive counts, with a penalty on combinations the synthetic file holds fewer than `k`
//!    times.
//! 3. **Repair**: while a combination occurs from 1 to `k − 1` times in the synthetic file, one of
//!    its values is emptied in each record holding it (the one whose removal costs least), so the
//!    file's own combinations are k-anonymous too. Emptying a value never creates a combination.
//!
//! Seeded by a ChaCha stream: the same rows, parameters and seed give the same file.
//! The utility reported ([`Utility`]) is the mean absolute error of all combinations of each
//! length, over the union of the combinations the sensitive and the synthetic data hold.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The parameters of [`synthesise`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthParams {
    /// Every combination of up to `reporting_length` attributes occurs at least `k` times.
    pub k: usize,
    /// 1 to 4 (SDS's default is 3).
    pub reporting_length: usize,
    pub seed: u64,
    /// Passes of the fitting step over every value of every record (0: sampling only).
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

/// A synthetic file.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    pub rows: Vec<Row>,
    /// Values emptied by the repair step.
    pub values_emptied: usize,
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

/// Makes a synthetic file of as many records as `rows` (all rows have `n_columns` values).
pub fn synthesise(rows: &[Row], n_columns: usize, params: &SynthParams) -> Synthetic {
    let k = params.k.max(1) as i64;
    let max = params.reporting_length.clamp(1, 4);
    let enc = Encoded::new(rows, n_columns);
    let sensitive: Vec<Vec<u32>> = rows.iter().map(|r| enc.encode(r)).collect();
    let real = counts(&sensitive, max);
    let count = |key: &Key| real.get(key).copied().unwrap_or(0);
    let reportable = |key: &Key| count(key) >= k;
    // Can `a` join `others` (distinct columns) with every combination reportable?
    let feasible = |others: &[u32], a: u32| {
        let mut ok = true;
        for_each_combo(others, max, Some(a), &mut |key| ok &= reportable(&key));
        ok
    };
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);

    // 1. Sampling.
    let mut synthetic: Vec<Vec<u32>> = Vec::with_capacity(rows.len());
    let n_real = rows.len() as f64;
    for _ in 0..rows.len() {
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
                    if key.iter().filter(|a| **a != NONE).count() == size {
                        bases.push(key);
                    }
                });
            }
            let base_count = |b: &Key| if b[0] == NONE { n_real } else { count(b) as f64 };
            let with = |b: &Key, a: u32| {
                let mut attrs: Vec<u32> = b.iter().copied().filter(|x| *x != NONE).collect();
                attrs.push(a);
                count(&key(&attrs)) as f64
            };
            let mut candidates: Vec<(u32, f64)> = Vec::new();
            let mut taken = 0.0;
            for a in enc.attributes_of(j) {
                let p: f64 =
                    bases.iter().map(|b| with(b, a) / base_count(b).max(1.0)).sum::<f64>() / bases.len() as f64;
                taken += p;
                if p > 0.0 && feasible(&record, a) {
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
        synthetic.push(record);
    }

    // 2. Fitting.
    let mut syn = counts(&synthetic, max);
    let penalty = |s: i64| if s > 0 && s < k { 2 * (k - s) } else { 0 };
    let cost = |s: i64, r: i64| (s - r).abs() + penalty(s);
    // Cost change of adding (`delta` = 1) or removing (-1) attribute `a` with `others`.
    let change = |syn: &HashMap<Key, i64>, others: &[u32], a: u32, delta: i64| {
        let mut d = 0;
        for_each_combo(others, max, Some(a), &mut |key| {
            let s = syn.get(&key).copied().unwrap_or(0);
            let r = real.get(&key).copied().unwrap_or(0);
            d += cost(s + delta, r) - cost(s, r);
        });
        d
    };
    let apply = |syn: &mut HashMap<Key, i64>, others: &[u32], a: u32, delta: i64| {
        for_each_combo(others, max, Some(a), &mut |key| *syn.entry(key).or_insert(0) += delta);
    };
    let mut changes = 0;
    let n_records = synthetic.len();
    if n_records > 0 && n_columns > 0 {
        for _ in 0..params.passes * n_records * n_columns {
            let r = rng.random_range(0..n_records);
            let j = rng.random_range(0..n_columns);
            let range = enc.attributes_of(j);
            let n_values = range.len() as u32;
            if n_values == 0 {
                continue;
            }
            let record = &synthetic[r];
            let current = record.iter().copied().find(|a| enc.column(*a) == j);
            let others: Vec<u32> = record.iter().copied().filter(|a| enc.column(*a) != j).collect();
            // Propose another value of the column, or the empty value.
            let pick = rng.random_range(0..=n_values);
            let proposal = (pick < n_values).then(|| range.start + pick);
            if proposal == current {
                continue;
            }
            if let Some(a) = proposal
                && !feasible(&others, a)
            {
                continue;
            }
            let mut d = 0;
            if let Some(a) = current {
                d += change(&syn, &others, a, -1);
            }
            if let Some(a) = proposal {
                d += change(&syn, &others, a, 1);
            }
            if d < 0 {
                if let Some(a) = current {
                    apply(&mut syn, &others, a, -1);
                }
                let mut next = others.clone();
                if let Some(a) = proposal {
                    apply(&mut syn, &others, a, 1);
                    next.push(a);
                }
                next.sort_unstable();
                synthetic[r] = next;
                changes += 1;
            }
        }
    }

    // 3. Repair.
    let mut values_emptied = 0;
    loop {
        let mut rare: Vec<(i64, Key)> =
            syn.iter().filter(|(_, s)| **s > 0 && **s < k).map(|(key, s)| (*s, *key)).collect();
        if rare.is_empty() {
            break;
        }
        rare.sort_unstable();
        for (_, combo) in rare {
            if !matches!(syn.get(&combo), Some(s) if *s > 0 && *s < k) {
                continue;
            }
            let members: Vec<u32> = combo.iter().copied().filter(|a| *a != NONE).collect();
            for record in synthetic.iter_mut() {
                if !members.iter().all(|a| record.binary_search(a).is_ok()) {
                    continue;
                }
                let mut best: Option<(i64, u32)> = None;
                for &a in &members {
                    let others: Vec<u32> = record.iter().copied().filter(|x| *x != a).collect();
                    let d = change(&syn, &others, a, -1);
                    if best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, a));
                    }
                }
                if let Some((_, a)) = best {
                    let others: Vec<u32> = record.iter().copied().filter(|x| *x != a).collect();
                    apply(&mut syn, &others, a, -1);
                    *record = others;
                    values_emptied += 1;
                }
            }
        }
    }

    let out: Vec<Row> = synthetic.iter().map(|r| enc.decode(r)).collect();
    let utility = utility(rows, &out, n_columns, max);
    Synthetic { rows: out, values_emptied, changes, utility }
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
