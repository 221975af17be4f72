//! Capture tables: which lists saw how many cases with each capture history.
//!
//! A capture history is stored as a bit mask (`bit i` set = on list `i`), so a
//! table over `t` lists has `2^t - 1` observable histories plus the unobservable
//! all-zero one (the dark figure).

use std::collections::HashMap;

use crate::error::{Error, Result};

/// The largest number of lists the engine accepts. Pairwise terms are kept in a
/// 128-bit set, and `16 * 15 / 2 = 120` pairs fit; the dense design over
/// `2^16 - 1` histories is also about as large as is sensible to fit.
pub const MAX_LISTS: usize = 16;

/// One observed capture history and its count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryCount {
    /// Bit `i` set when the cases were on list `i`.
    pub history: u32,
    /// Number of cases with exactly this history.
    pub count: u64,
}

/// A validated capture table: at least two named lists, distinct non-empty
/// histories, counts summing to more than zero.
///
/// Rows keep the order in which they were given, because SparseMSE's bootstrap
/// and jackknife iterate over the rows as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureTable {
    lists: Vec<String>,
    rows: Vec<HistoryCount>,
}

impl CaptureTable {
    /// Builds a table from list names and rows, with the same checks as
    /// [`CaptureTable::parse_csv`]. Row numbers in errors are 1-based indices into `rows`.
    pub fn new(lists: Vec<String>, rows: Vec<HistoryCount>) -> Result<Self> {
        check_lists(&lists)?;
        let t = lists.len();
        let mut first_seen: HashMap<u32, usize> = HashMap::new();
        for (idx, r) in rows.iter().enumerate() {
            let row = idx + 1;
            if r.history == 0 {
                return Err(Error::AllZeroHistory { row });
            }
            if r.history >> t != 0 {
                return Err(Error::NotBinary {
                    row,
                    list: format!("(bit beyond list {t})"),
                    value: format!("{:#b}", r.history),
                });
            }
            if let Some(&first_row) = first_seen.get(&r.history) {
                return Err(Error::DuplicateHistory { row, first_row });
            }
            first_seen.insert(r.history, row);
        }
        if rows.iter().map(|r| r.count).sum::<u64>() == 0 {
            return Err(Error::NoCases);
        }
        Ok(Self { lists, rows })
    }

    /// Builds a table from one capture history per person (bit `i` set = on list
    /// `i`), as the linkage step produces them; rows are ordered by number of
    /// lists, then by history. Persons on no list are an error (row = their
    /// 1-based position).
    pub fn from_person_histories(lists: Vec<String>, histories: impl IntoIterator<Item = u32>) -> Result<Self> {
        let mut counts: std::collections::BTreeMap<(u32, u32), u64> = std::collections::BTreeMap::new();
        for (idx, h) in histories.into_iter().enumerate() {
            if h == 0 {
                return Err(Error::AllZeroHistory { row: idx + 1 });
            }
            *counts.entry((h.count_ones(), h)).or_default() += 1;
        }
        let rows = counts.into_iter().map(|((_, history), count)| HistoryCount { history, count }).collect();
        Self::new(lists, rows)
    }

    /// Parses the shared CSV format: a header `LIST1,…,LISTt,count`, then one row
    /// per observed capture history with 0/1 list columns and a whole count.
    ///
    /// Errors name the 1-based data row: a non-0/1 list value, a negative or
    /// fractional count, an all-zero history, a repeated history, a ragged row,
    /// fewer than two lists, or a missing `count` column.
    pub fn parse_csv(text: &str) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = reader.headers().map_err(|source| Error::Csv { row: 0, source })?.clone();
        let fields: Vec<String> = header.iter().map(str::to_owned).collect();
        let Some((last, list_names)) = fields.split_last() else {
            return Err(Error::MissingCountColumn { found: String::new() });
        };
        if !last.eq_ignore_ascii_case("count") {
            return Err(Error::MissingCountColumn { found: last.clone() });
        }
        let lists = list_names.to_vec();
        check_lists(&lists)?;
        let t = lists.len();
        let mut rows = Vec::new();
        let mut first_seen: HashMap<u32, usize> = HashMap::new();
        for (idx, record) in reader.records().enumerate() {
            let row = idx + 1;
            let record = record.map_err(|source| Error::Csv { row, source })?;
            if record.len() != t + 1 {
                return Err(Error::RaggedRow { row, found: record.len(), expected: t + 1 });
            }
            let mut history = 0u32;
            for (i, name) in lists.iter().enumerate() {
                match &record[i] {
                    "0" => {}
                    "1" => history |= 1 << i,
                    other => {
                        return Err(Error::NotBinary { row, list: name.clone(), value: other.to_owned() });
                    }
                }
            }
            let raw = &record[t];
            // Only plain digits: "-3", "2.5", "1e3" and "" are all refused.
            let count = if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
                raw.parse::<u64>().map_err(|_| Error::BadCount { row, value: raw.to_owned() })?
            } else {
                return Err(Error::BadCount { row, value: raw.to_owned() });
            };
            if history == 0 {
                return Err(Error::AllZeroHistory { row });
            }
            if let Some(&first_row) = first_seen.get(&history) {
                return Err(Error::DuplicateHistory { row, first_row });
            }
            first_seen.insert(history, row);
            rows.push(HistoryCount { history, count });
        }
        if rows.iter().map(|r| r.count).sum::<u64>() == 0 {
            return Err(Error::NoCases);
        }
        Ok(Self { lists, rows })
    }

    /// The list names, in column order.
    pub fn lists(&self) -> &[String] {
        &self.lists
    }

    /// Number of lists `t`.
    pub fn n_lists(&self) -> usize {
        self.lists.len()
    }

    /// The rows as given.
    pub fn rows(&self) -> &[HistoryCount] {
        &self.rows
    }

    /// Total number of observed cases.
    pub fn n_observed(&self) -> u64 {
        self.rows.iter().map(|r| r.count).sum()
    }

    /// Counts indexed by history, length `2^t` (index 0, the dark figure, is 0).
    pub fn history_counts(&self) -> Vec<f64> {
        counts_by_history(self.n_lists(), self.rows.iter().map(|r| (r.history, r.count as f64)))
    }

    /// Counts indexed by history (as [`CaptureTable::history_counts`]) when the
    /// rows have the counts `counts` instead (bootstrap and jackknife samples).
    pub fn with_row_counts(&self, counts: &[u64]) -> Vec<f64> {
        counts_by_history(self.n_lists(), self.rows.iter().zip(counts).map(|(r, &c)| (r.history, c as f64)))
    }
}

fn counts_by_history(t: usize, rows: impl Iterator<Item = (u32, f64)>) -> Vec<f64> {
    let mut counts = vec![0.0; 1 << t];
    for (h, c) in rows {
        counts[h as usize] += c;
    }
    counts
}

fn check_lists(lists: &[String]) -> Result<()> {
    if lists.len() < 2 {
        return Err(Error::TooFewLists { lists: lists.len() });
    }
    if lists.len() > MAX_LISTS {
        return Err(Error::TooManyLists { lists: lists.len(), max: MAX_LISTS });
    }
    for (i, name) in lists.iter().enumerate() {
        if lists[..i].contains(name) {
            return Err(Error::DuplicateListName { name: name.clone() });
        }
    }
    Ok(())
}
