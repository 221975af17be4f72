//! Blocking: each rule gives every record a key (a hash of normalised parts) and pairs records
//! with equal keys. Rules are OR-ed and a pair is produced only by the first rule that finds it,
//! as Splink does, so no global set of seen pairs is needed.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use rustc_hash::{FxHashSet, FxHasher};

use crate::compare::Prepared;
use crate::error::{Error, Result};
use crate::settings::{BlockKey, BlockingRule, FieldKind, LinkSettings, LinkType};

/// A blocking key part resolved to a field index.
#[derive(Clone, Copy, Debug)]
enum ResolvedKey {
    Exact(usize),
    Prefix(usize, usize),
    Phonetic(usize),
    Year(usize),
    MonthDay(usize),
    NameSet(usize),
}

/// Checks field names and kinds of `rules` and resolves them to field indices.
fn resolve(settings: &LinkSettings, rule_idx: usize, rule: &BlockingRule) -> Result<Vec<ResolvedKey>> {
    let index =
        |name: &str| settings.field_index(name).ok_or_else(|| Error::UnknownField { rule_idx, field: name.to_owned() });
    let kind_error = |name: &str, what: &str| Error::InvalidSettings {
        reason: format!("blocking rule {rule_idx}: field `{name}` is not {what}"),
    };
    let mut keys = Vec::with_capacity(rule.keys.len());
    for key in &rule.keys {
        let resolved = match key {
            BlockKey::Exact(f) => ResolvedKey::Exact(index(f)?),
            BlockKey::Prefix(f, n) => ResolvedKey::Prefix(index(f)?, *n),
            BlockKey::Phonetic(f) => {
                let idx = index(f)?;
                if !matches!(settings.fields[idx].kind, FieldKind::GivenName | FieldKind::FamilyName) {
                    return Err(kind_error(f, "a name"));
                }
                ResolvedKey::Phonetic(idx)
            }
            BlockKey::Year(f) | BlockKey::MonthDay(f) => {
                let idx = index(f)?;
                if !matches!(settings.fields[idx].kind, FieldKind::Date | FieldKind::EventDate) {
                    return Err(kind_error(f, "a date"));
                }
                if matches!(key, BlockKey::Year(_)) { ResolvedKey::Year(idx) } else { ResolvedKey::MonthDay(idx) }
            }
            BlockKey::NameSet(g, f) => {
                let (gi, fi) = (index(g)?, index(f)?);
                if settings.fields[gi].kind != FieldKind::GivenName || settings.fields[fi].kind != FieldKind::FamilyName
                {
                    return Err(kind_error(g, "a given name paired with a family name"));
                }
                ResolvedKey::NameSet(gi)
            }
        };
        keys.push(resolved);
    }
    if keys.is_empty() {
        return Err(Error::InvalidSettings { reason: format!("blocking rule {rule_idx} has no keys") });
    }
    Ok(keys)
}

/// The key of every record under one rule; `None` when a part is missing.
fn rule_keys(prep: &Prepared, keys: &[ResolvedKey]) -> Vec<Option<u64>> {
    (0..prep.n_records)
        .into_par_iter()
        .map(|r| {
            let mut hasher = FxHasher::default();
            for (part_idx, key) in keys.iter().enumerate() {
                part_idx.hash(&mut hasher);
                match *key {
                    ResolvedKey::Exact(f) => {
                        let id = prep.columns[f].value_id[r];
                        if id == 0 {
                            return None;
                        }
                        id.hash(&mut hasher);
                    }
                    ResolvedKey::Prefix(f, n) => {
                        let text = &prep.columns[f].text[r];
                        if text.is_empty() {
                            return None;
                        }
                        let end = text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
                        text[..end].hash(&mut hasher);
                    }
                    ResolvedKey::Phonetic(f) => {
                        let id = prep.columns[f].phonetic_id[r];
                        if id == 0 {
                            return None;
                        }
                        id.hash(&mut hasher);
                    }
                    ResolvedKey::Year(f) => prep.columns[f].date[r].year?.hash(&mut hasher),
                    ResolvedKey::MonthDay(f) => {
                        let date = prep.columns[f].date[r];
                        (date.month?, date.day?).hash(&mut hasher);
                    }
                    ResolvedKey::NameSet(f) => {
                        let id = prep.columns[f].name_set_id.get(r).copied().unwrap_or(0);
                        if id == 0 {
                            return None;
                        }
                        id.hash(&mut hasher);
                    }
                }
            }
            Some(hasher.finish())
        })
        .collect()
}

/// Keys of all records under a list of rules, record-major (`flat[record * n_rules + rule]`,
/// 0 = missing) so that the check "did an earlier rule already find this pair" reads two short
/// contiguous runs instead of one scattered value per rule; with the keys of skipped (oversized)
/// blocks.
#[derive(Debug)]
pub(crate) struct RuleKeys {
    n_rules: usize,
    flat: Vec<u64>,
    oversized: Vec<FxHashSet<u64>>,
    /// Per rule with [`BlockingRule::incomplete`] fields: whether each record lacks one of them.
    incomplete: Vec<Option<Vec<bool>>>,
}

/// Counts of what blocking did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockingStats {
    /// Candidate pairs produced by each rule (after removing pairs found by an earlier rule).
    pub pairs_per_rule: Vec<u64>,
    /// Blocks skipped because they held more than `max_block_size` records.
    pub skipped_blocks: u64,
    /// Records in skipped blocks (summed over rules).
    pub records_in_skipped_blocks: u64,
}

impl RuleKeys {
    /// Whether some rule produces the pair `a < b` (equal keys, outside a skipped block, and, for
    /// a rule on incomplete records, one of the two incomplete).
    pub(crate) fn is_candidate(&self, a: usize, b: usize) -> bool {
        let n = self.n_rules;
        (0..n).any(|e| {
            let (x, y) = (self.flat[a * n + e], self.flat[b * n + e]);
            x != 0
                && x == y
                && !self.oversized[e].contains(&x)
                && self.incomplete[e].as_deref().is_none_or(|inc| inc[a] || inc[b])
        })
    }
}

impl RuleKeys {
    /// The rules whose keys pair `a` and `b`, as a bit mask (bit `e` for rule `e`, fewer than 64
    /// rules), oversized blocks included.
    pub(crate) fn rules_pairing(&self, a: usize, b: usize) -> u64 {
        let n = self.n_rules;
        (0..n.min(64))
            .filter(|&e| {
                let (x, y) = (self.flat[a * n + e], self.flat[b * n + e]);
                x != 0 && x == y && self.incomplete[e].as_deref().is_none_or(|inc| inc[a] || inc[b])
            })
            .fold(0, |mask, e| mask | 1 << e)
    }
}

/// Every record's key under `keys` (as a blocking rule's), `None` where a part is missing.
pub(crate) fn keys_of(prep: &Prepared, settings: &LinkSettings, keys: &[BlockKey]) -> Result<Vec<Option<u64>>> {
    let rule = BlockingRule::new(keys.to_vec());
    let resolved =
        resolve(settings, 0, &rule).map_err(|e| Error::InvalidSettings { reason: format!("the probe's keys: {e}") })?;
    Ok(rule_keys(prep, &resolved))
}

/// Computes the keys of every rule.
pub(crate) fn compute_keys(prep: &Prepared, settings: &LinkSettings, rules: &[BlockingRule]) -> Result<RuleKeys> {
    let n_rules = rules.len();
    let mut flat = vec![0u64; prep.n_records * n_rules];
    let mut incomplete = Vec::with_capacity(n_rules);
    for (rule_idx, rule) in rules.iter().enumerate() {
        if rule.incomplete.is_empty() {
            incomplete.push(None);
        } else {
            let fields = rule
                .incomplete
                .iter()
                .map(|name| {
                    settings.field_index(name).ok_or_else(|| Error::UnknownField { rule_idx, field: name.clone() })
                })
                .collect::<Result<Vec<usize>>>()?;
            incomplete.push(Some(
                (0..prep.n_records).map(|r| fields.iter().any(|&f| prep.columns[f].value_id[r] == 0)).collect(),
            ));
        }
        let resolved = resolve(settings, rule_idx, rule)?;
        for (record, key) in rule_keys(prep, &resolved).into_iter().enumerate() {
            // 0 marks a missing key; a real hash of 0 is moved to 1 (a harmless extra collision).
            flat[record * n_rules + rule_idx] = key.map_or(0, |k| k.max(1));
        }
    }
    let oversized = vec![FxHashSet::default(); n_rules];
    Ok(RuleKeys { n_rules, flat, oversized, incomplete })
}

/// The candidate pairs `(a, b)` with `a < b`, sorted, each once; `visit` is called on every
/// pair in parallel and its non-`None` results are collected in pair order.
pub(crate) fn candidate_pairs<T, F>(
    prep: &Prepared,
    rule_keys: &mut RuleKeys,
    link_type: LinkType,
    max_block_size: usize,
    dedupe_across_rules: bool,
    visit: F,
) -> (Vec<T>, BlockingStats)
where
    T: Send,
    F: Fn(u32, u32) -> Option<T> + Sync,
{
    let mut stats = BlockingStats::default();
    let mut out: Vec<(u32, u32, T)> = Vec::new();
    let n_rules = rule_keys.n_rules;
    let n_records = prep.n_records;
    for rule_idx in 0..n_rules {
        let mut keyed: Vec<(u64, u32)> = (0..n_records)
            .map(|r| (rule_keys.flat[r * n_rules + rule_idx], r as u32))
            .filter(|&(k, _)| k != 0)
            .collect();
        keyed.par_sort_unstable();
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        while start < keyed.len() {
            let mut end = start + 1;
            while end < keyed.len() && keyed[end].0 == keyed[start].0 {
                end += 1;
            }
            let size = end - start;
            if size > max_block_size {
                stats.skipped_blocks += 1;
                stats.records_in_skipped_blocks += size as u64;
                rule_keys.oversized[rule_idx].insert(keyed[start].0);
            } else if size >= 2 {
                groups.push((start, end));
            }
            start = end;
        }
        let n_earlier = if dedupe_across_rules { rule_idx } else { 0 };
        let flat = &rule_keys.flat;
        let earlier_oversized = &rule_keys.oversized;
        let found_earlier = |a: usize, b: usize| {
            let ka = &flat[a * n_rules..a * n_rules + n_earlier];
            let kb = &flat[b * n_rules..b * n_rules + n_earlier];
            ka.iter().zip(kb).enumerate().any(|(e, (&x, &y))| {
                x != 0 && x == y && (earlier_oversized[e].is_empty() || !earlier_oversized[e].contains(&x))
            })
        };
        let source = &prep.source;
        let incomplete = rule_keys.incomplete[rule_idx].as_deref();
        let visit = &visit;
        let keyed = &keyed;
        let visited = AtomicU64::new(0);
        let visited_ref = &visited;
        let found: Vec<(u32, u32, T)> = groups
            .par_iter()
            .flat_map_iter(|&(start, end)| {
                let mut local = Vec::new();
                for x in start..end {
                    for y in x + 1..end {
                        let (p, q) = (keyed[x].1, keyed[y].1);
                        let (a, b) = if p < q { (p, q) } else { (q, p) };
                        if incomplete.is_some_and(|inc| !inc[a as usize] && !inc[b as usize]) {
                            continue;
                        }
                        if link_type == LinkType::LinkOnly && source[a as usize] == source[b as usize] {
                            continue;
                        }
                        if found_earlier(a as usize, b as usize) {
                            continue;
                        }
                        visited_ref.fetch_add(1, Ordering::Relaxed);
                        if let Some(value) = visit(a, b) {
                            local.push((a, b, value));
                        }
                    }
                }
                local
            })
            .collect();
        stats.pairs_per_rule.push(visited.into_inner());
        out.extend(found);
    }
    out.par_sort_unstable_by_key(|&(a, b, _)| (a, b));
    (out.into_iter().map(|(_, _, v)| v).collect(), stats)
}
