//! k-anonymous microdata: full-domain generalisation over value hierarchies, chosen by searching
//! the whole lattice for the least information loss, then local suppression of what stays rare.
//!
//! Each quasi-identifier has a [`Hierarchy`]: level 0 is the value itself, each further level a
//! coarser label (an age band → a wider band → child / adult), and the level after the last is
//! suppression (`None`, CTDC's `NULL`). A *node* of the lattice is one level per quasi-identifier.
//! For every node (the lattices here have hundreds of nodes, so the search is exhaustive, not a
//! heuristic such as Flash or Incognito):
//!
//! 1. every row is generalised to the node's levels;
//! 2. **local suppression**: an equivalence class (rows with the same quasi-identifier values,
//!    `NULL` being a value) smaller than `k` has one more value set to `NULL` — the one that
//!    merges it into the largest class — until every class holds `k` rows or is all `NULL`
//!    (the approach of sdcMicro's `localSuppression`, Templ, Kowarik and Meindl, *J. Stat. Softw.*
//!    67(4), 2015, made deterministic). An all-`NULL` class smaller than `k` takes whole rows
//!    from classes larger than `k`; if that cannot fill it, its rows are removed;
//! 3. the node is admissible when the rows touched by local suppression (or removed) are at most
//!    `max_suppressed_share` of all rows.
//!
//! Of the admissible nodes the one with the least **information loss** wins: the mean, over every
//! quasi-identifier value that was recorded, of Iyengar's loss metric (*Transforming data to
//! satisfy privacy constraints*, KDD 2002): a value generalised to a label that covers `m` of the
//! `M` distinct values observed for that quasi-identifier loses `(m − 1)/(M − 1)`; a suppressed
//! value (or a removed row's) loses 1; an ungeneralised value 0. Ties go to the lower levels.
//! The top node (everything suppressed) is always admissible, so a result always exists.

use std::collections::{BTreeMap, HashMap};

/// How one quasi-identifier generalises.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    pub name: String,
    /// `levels[l]` maps a value to its label at level `l + 1`; a value missing from a level is
    /// suppressed there.
    levels: Vec<BTreeMap<String, String>>,
}

impl Hierarchy {
    /// A hierarchy with no level but the values themselves (and suppression).
    pub fn new(name: &str) -> Self {
        Self { name: name.to_owned(), levels: Vec::new() }
    }

    /// Adds the next, coarser level: `(value, label)` for every value of level 0.
    pub fn level<I, A, B>(mut self, map: I) -> Self
    where
        I: IntoIterator<Item = (A, B)>,
        A: Into<String>,
        B: Into<String>,
    {
        self.levels.push(map.into_iter().map(|(a, b)| (a.into(), b.into())).collect());
        self
    }

    /// The highest level, suppression (every level from 0 to this one is a choice).
    pub fn top(&self) -> usize {
        self.levels.len() + 1
    }

    /// `value` at `level` (`None`: suppressed).
    pub fn generalise(&self, value: &str, level: usize) -> Option<String> {
        match level {
            0 => Some(value.to_owned()),
            l if l <= self.levels.len() => self.levels[l - 1].get(value).cloned(),
            _ => None,
        }
    }

    /// The label of `level`, or a description of it for the sidecar.
    pub fn describe(&self, level: usize) -> String {
        match level {
            0 => "as recorded".to_owned(),
            l if l <= self.levels.len() => {
                let mut labels: Vec<&String> = self.levels[l - 1].values().collect();
                labels.sort();
                labels.dedup();
                format!("level {l}: {} groups", labels.len())
            }
            _ => "suppressed".to_owned(),
        }
    }
}

/// The parameters of [`anonymise`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KAnonymity {
    /// Every combination of quasi-identifier values occurs at least `k` times.
    pub k: usize,
    /// Share of rows that local suppression may touch (a node needing more is not admissible).
    pub max_suppressed_share: f64,
}

impl Default for KAnonymity {
    /// k = 11 as CTDC ("queries cannot return fewer than 10 results"); at most 5% of rows touched.
    fn default() -> Self {
        Self { k: 11, max_suppressed_share: 0.05 }
    }
}

/// A row's quasi-identifier values (`None`: not recorded, or suppressed).
pub type QiRow = Vec<Option<String>>;

/// The result of [`anonymise`].
#[derive(Debug, Clone, PartialEq)]
pub struct Anonymised {
    /// Per input row, its published quasi-identifiers, or `None` when the row is removed.
    pub rows: Vec<Option<QiRow>>,
    /// The chosen level of each quasi-identifier.
    pub levels: Vec<usize>,
    /// Values set to `NULL` by local suppression (not counting generalisation to the top level).
    pub cells_suppressed: usize,
    /// Rows with at least one value suppressed locally, or removed.
    pub rows_touched: usize,
    pub rows_removed: usize,
    /// The smallest equivalence class of the result (0 when no row is left).
    pub k_achieved: usize,
    /// The information loss of the chosen node, in `[0, 1]`.
    pub loss: f64,
    /// Lattice nodes evaluated.
    pub nodes: usize,
}

/// Makes `rows` k-anonymous over their quasi-identifiers (one [`Hierarchy`] per column).
pub fn anonymise(rows: &[QiRow], hierarchies: &[Hierarchy], params: &KAnonymity) -> Anonymised {
    let q = hierarchies.len();
    let k = params.k.max(1);
    // Intern: per column, the distinct observed values; per column and level, each value's label
    // id (u32::MAX: suppressed) and its loss.
    let mut values: Vec<Vec<String>> = vec![Vec::new(); q];
    for row in rows {
        for (j, v) in row.iter().enumerate().take(q) {
            if let Some(v) = v {
                values[j].push(v.clone());
            }
        }
    }
    for v in &mut values {
        v.sort();
        v.dedup();
    }
    let coded: Vec<Vec<Option<u32>>> = rows
        .iter()
        .map(|row| {
            (0..q)
                .map(|j| {
                    row.get(j).and_then(|v| v.as_ref()).and_then(|v| values[j].binary_search(v).ok()).map(|i| i as u32)
                })
                .collect()
        })
        .collect();
    // tables[j][level] = (label id per value, loss per value, labels)
    let mut tables: Vec<Vec<LevelTable>> = Vec::new();
    for (j, h) in hierarchies.iter().enumerate() {
        let m_all = values[j].len();
        let mut per_level = Vec::new();
        for level in 0..=h.top() {
            let labels_of: Vec<Option<String>> = values[j].iter().map(|v| h.generalise(v, level)).collect();
            let mut distinct: Vec<&String> = labels_of.iter().flatten().collect();
            distinct.sort();
            distinct.dedup();
            let ids: Vec<u32> = labels_of
                .iter()
                .map(|l| match l {
                    Some(l) => distinct.binary_search(&l).map_or(u32::MAX, |i| i as u32),
                    None => u32::MAX,
                })
                .collect();
            let mut sizes: HashMap<u32, usize> = HashMap::new();
            for &id in &ids {
                *sizes.entry(id).or_default() += 1;
            }
            let losses: Vec<f64> = ids
                .iter()
                .map(|id| {
                    if *id == u32::MAX {
                        1.0
                    } else if m_all <= 1 {
                        0.0
                    } else {
                        (sizes[id] - 1) as f64 / (m_all - 1) as f64
                    }
                })
                .collect();
            let names: Vec<Option<String>> = distinct.into_iter().map(|s| Some(s.clone())).collect();
            per_level.push((ids, losses, names));
        }
        tables.push(per_level);
    }
    let recorded: usize = coded.iter().map(|r| r.iter().filter(|v| v.is_some()).count()).sum();

    let tops: Vec<usize> = hierarchies.iter().map(Hierarchy::top).collect();
    let mut node = vec![0usize; q];
    let mut best: Option<(bool, f64, usize, Vec<usize>, Evaluation)> = None;
    let mut nodes = 0;
    loop {
        nodes += 1;
        let generalised: Vec<Vec<u32>> = coded
            .iter()
            .map(|row| {
                row.iter().enumerate().map(|(j, v)| v.map_or(u32::MAX, |v| tables[j][node[j]].0[v as usize])).collect()
            })
            .collect();
        let evaluation = suppress_locally(&generalised, k);
        let mut lost = 0.0;
        for (i, row) in coded.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                if let Some(v) = v {
                    lost += if evaluation.removed[i] || evaluation.rows[i][j] == u32::MAX {
                        1.0
                    } else {
                        tables[j][node[j]].1[*v as usize]
                    };
                }
            }
        }
        let loss = if recorded == 0 { 0.0 } else { lost / recorded as f64 };
        let admissible = evaluation.touched as f64 <= params.max_suppressed_share * rows.len() as f64;
        let level_sum: usize = node.iter().sum();
        let better = match &best {
            None => true,
            Some((b_adm, b_loss, b_sum, _, _)) => {
                (admissible && !b_adm)
                    || (admissible == *b_adm
                        && (loss < *b_loss - 1e-12 || (loss <= *b_loss + 1e-12 && level_sum < *b_sum)))
            }
        };
        if better {
            best = Some((admissible, loss, level_sum, node.clone(), evaluation));
        }
        // Next node, mixed radix.
        let mut j = 0;
        while j < q {
            node[j] += 1;
            if node[j] <= tops[j] {
                break;
            }
            node[j] = 0;
            j += 1;
        }
        if j == q {
            break;
        }
    }
    let Some((_, loss, _, levels, evaluation)) = best else {
        return Anonymised {
            rows: rows.iter().map(|_| Some(Vec::new())).collect(),
            levels: Vec::new(),
            cells_suppressed: 0,
            rows_touched: 0,
            rows_removed: 0,
            k_achieved: 0,
            loss: 0.0,
            nodes,
        };
    };
    let out_rows: Vec<Option<QiRow>> =
        evaluation
            .rows
            .iter()
            .zip(&evaluation.removed)
            .map(|(row, removed)| {
                (!removed).then(|| {
                    row.iter()
                        .enumerate()
                        .map(|(j, &id)| {
                            if id == u32::MAX {
                                None
                            } else {
                                tables[j][levels[j]].2.get(id as usize).cloned().flatten()
                            }
                        })
                        .collect()
                })
            })
            .collect();
    let mut classes: HashMap<&QiRow, usize> = HashMap::new();
    for row in out_rows.iter().flatten() {
        *classes.entry(row).or_default() += 1;
    }
    Anonymised {
        k_achieved: classes.values().copied().min().unwrap_or(0),
        rows: out_rows,
        levels,
        cells_suppressed: evaluation.cells,
        rows_touched: evaluation.touched,
        rows_removed: evaluation.removed.iter().filter(|r| **r).count(),
        loss,
        nodes,
    }
}

/// One quasi-identifier at one level: each observed value's label id (`u32::MAX`: suppressed) and
/// loss, and the labels.
type LevelTable = (Vec<u32>, Vec<f64>, Vec<Option<String>>);

struct Evaluation {
    rows: Vec<Vec<u32>>,
    removed: Vec<bool>,
    cells: usize,
    touched: usize,
}

/// Local suppression of one generalised table (values interned, `u32::MAX` = `NULL`).
fn suppress_locally(rows: &[Vec<u32>], k: usize) -> Evaluation {
    let mut classes: HashMap<Vec<u32>, Vec<usize>> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        classes.entry(row.clone()).or_default().push(i);
    }
    let mut touched = vec![false; rows.len()];
    let mut cells = 0;
    loop {
        let mut rare: Vec<(usize, Vec<u32>)> = classes
            .iter()
            .filter(|(key, members)| !members.is_empty() && members.len() < k && key.iter().any(|v| *v != u32::MAX))
            .map(|(key, members)| (members.len(), key.clone()))
            .collect();
        if rare.is_empty() {
            break;
        }
        rare.sort();
        for (_, key) in rare {
            let size = classes.get(&key).map_or(0, Vec::len);
            if size == 0 || size >= k {
                continue;
            }
            // Suppress the value that merges the class into the largest class (ties: the last
            // quasi-identifier, the least important by the caller's order).
            let mut choice: Option<(usize, usize)> = None;
            for (j, v) in key.iter().enumerate() {
                if *v == u32::MAX {
                    continue;
                }
                let mut target = key.clone();
                target[j] = u32::MAX;
                let n = classes.get(&target).map_or(0, Vec::len);
                if choice.is_none_or(|(_, best)| n >= best) {
                    choice = Some((j, n));
                }
            }
            let Some((j, _)) = choice else { continue };
            let members = classes.remove(&key).unwrap_or_default();
            let mut target = key;
            target[j] = u32::MAX;
            cells += members.len();
            for &m in &members {
                touched[m] = true;
            }
            classes.entry(target).or_default().extend(members);
        }
    }
    let mut removed = vec![false; rows.len()];
    let all_null: Vec<u32> = vec![u32::MAX; rows.first().map_or(0, Vec::len)];
    let n_null = classes.get(&all_null).map_or(0, Vec::len);
    if n_null > 0 && n_null < k {
        // Fill the all-NULL class from the largest classes, never taking one below k.
        let mut donors: Vec<(usize, Vec<u32>)> = classes
            .iter()
            .filter(|(key, members)| **key != all_null && members.len() > k)
            .map(|(key, members)| (members.len(), key.clone()))
            .collect();
        donors.sort_by(|a, b| b.cmp(a));
        let spare: usize = donors.iter().map(|(n, _)| n - k).sum();
        if spare >= k - n_null {
            let mut needed = k - n_null;
            for (n, key) in donors {
                if needed == 0 {
                    break;
                }
                let take = (n - k).min(needed);
                let mut moved = Vec::new();
                if let Some(members) = classes.get_mut(&key) {
                    for _ in 0..take {
                        if let Some(m) = members.pop() {
                            moved.push(m);
                        }
                    }
                }
                for &m in &moved {
                    touched[m] = true;
                    cells += key.iter().filter(|v| **v != u32::MAX).count();
                }
                needed -= moved.len();
                classes.entry(all_null.clone()).or_default().extend(moved);
            }
        } else if let Some(members) = classes.remove(&all_null) {
            for m in members {
                removed[m] = true;
                touched[m] = true;
            }
        }
    }
    let mut out: Vec<Vec<u32>> = rows.to_vec();
    for (key, members) in &classes {
        for &m in members {
            out[m].clone_from(key);
        }
    }
    Evaluation { rows: out, removed, cells, touched: touched.iter().filter(|t| **t).count() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_classes(rows: &[Option<QiRow>]) -> HashMap<QiRow, usize> {
        let mut c = HashMap::new();
        for r in rows.iter().flatten() {
            *c.entry(r.clone()).or_default() += 1;
        }
        c
    }

    #[test]
    fn rare_rows_are_generalised_or_suppressed_until_k() {
        let ages = Hierarchy::new("age").level([("1", "young"), ("2", "young"), ("3", "old"), ("4", "old")]);
        let sex = Hierarchy::new("sex");
        let mut rows = Vec::new();
        for i in 0..40 {
            rows.push(vec![Some(((i % 4) + 1).to_string()), Some(if i % 3 == 0 { "f" } else { "m" }.to_owned())]);
        }
        rows.push(vec![Some("4".to_owned()), Some("x".to_owned())]);
        let out = anonymise(&rows, &[ages, sex], &KAnonymity { k: 5, max_suppressed_share: 0.2 });
        let classes = count_classes(&out.rows);
        assert!(classes.values().all(|&n| n >= 5), "{classes:?}");
        assert!(out.k_achieved >= 5);
        // The lone "x" is suppressed locally rather than the whole column generalised away.
        assert_eq!(out.levels[1], 0, "{:?}", out.levels);
    }
}
