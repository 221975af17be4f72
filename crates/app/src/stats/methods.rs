//! The other ways of protecting the statistics of a run than suppression: controlled rounding of
//! every count, and differential privacy for the tables of victims; and the utility figures of
//! each method (the error of what it publishes against the true counts).

use disclosure::{CellId, Laplace};
use serde::Serialize;

use super::{Draft, Slot, StatTable, Statistics, render};

/// The tables a differentially private release holds: each counts every victim (person or
/// record, as the run counts) exactly once, so one victim changes at most one count of each, and
/// the L1 sensitivity of the release is their number plus one (the total). The others count a
/// victim several times (forms of exploitation, missing values of several fields), or count
/// records, pairs of records or criminal-justice figures, whose sensitivity to one victim is not
/// bounded: they are not published under differential privacy.
pub const DP_TABLES: [&str; 8] = [
    "detected_by_year",
    "detected_by_year_sex",
    "detected_by_sex_age",
    "by_citizenship",
    "by_country_of_exploitation",
    "by_cross_border",
    "flows",
    "sdg_16_2_2",
];

/// Tables protected by one method.
#[derive(Debug, Clone)]
pub struct Protected {
    pub tables: Vec<StatTable>,
    /// The report's linkage tables under this method (none under differential privacy).
    pub linkage_tables: Vec<StatTable>,
    /// Tables this method does not publish.
    pub omitted: Vec<&'static str>,
    /// Published counts that differ from the true ones.
    pub cells_changed: usize,
    pub utility: Utility,
}

/// The error of a method's published counts against the true ones, over the counts of the
/// [`DP_TABLES`] and the total (the same cells for every method, so that methods compare).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Utility {
    pub cells: usize,
    /// Counts withheld (suppression).
    pub withheld: usize,
    /// Mean absolute error of the published counts.
    pub mean_abs_error: f64,
    /// Mean absolute error with a withheld count read as 0 (what a reader who fills the gaps
    /// with zeros gets).
    pub mean_abs_error_withheld_as_zero: f64,
    pub max_abs_error: u64,
}

impl Statistics {
    fn dp_drafts(&self) -> impl Iterator<Item = &Draft> {
        self.drafts[..self.n_tables].iter().filter(|d| DP_TABLES.contains(&d.name))
    }

    /// The counts a differentially private release holds: the total and every count of the
    /// [`DP_TABLES`] present.
    pub fn dp_cells(&self) -> Vec<CellId> {
        let mut cells: Vec<CellId> = self.release.get("total").into_iter().collect();
        for draft in self.dp_drafts() {
            for row in &draft.rows {
                cells.extend(row.iter().filter_map(|slot| match slot {
                    Slot::Count(id) => Some(*id),
                    _ => None,
                }));
            }
        }
        cells.sort();
        cells.dedup();
        cells
    }

    /// The L1 sensitivity of [`Statistics::dp_cells`] to one victim: one count per table, and
    /// the total.
    pub fn dp_sensitivity(&self) -> u64 {
        1 + self.dp_drafts().count() as u64
    }

    /// The utility of suppression as the run protected the statistics.
    pub fn suppression_utility(&self) -> Utility {
        self.utility(&|id| (!self.hidden.get(id.index()).copied().unwrap_or(false)).then(|| self.release.value(id)))
    }

    /// Every count of every table rounded to a multiple of `base` (3 or 5) by controlled
    /// rounding over the whole release: the tables still add up.
    pub fn rounded(&self, base: u64) -> crate::Result<Protected> {
        let rounded = self.release.round(base).map_err(|e| crate::Error::Disclosure(e.to_string()))?;
        let shown = |id: CellId| rounded.value(id);
        let mut tables: Vec<StatTable> = self.drafts.iter().map(|d| render(d, &shown)).collect();
        let linkage_tables = tables.split_off(self.n_tables);
        Ok(Protected {
            tables,
            linkage_tables,
            omitted: Vec::new(),
            cells_changed: rounded.changed,
            utility: self.utility(&shown),
        })
    }

    /// The [`DP_TABLES`] with differential privacy: `mechanism`'s noise on each count, then the
    /// whole non-negative counts nearest to the noisy ones that add up as the tables do.
    pub fn noisy(&self, mechanism: &Laplace) -> crate::Result<Protected> {
        let cells = self.dp_cells();
        let noisy = self.release.noisy(&cells, mechanism).map_err(|e| crate::Error::Disclosure(e.to_string()))?;
        let shown = |id: CellId| noisy.value(id);
        let tables: Vec<StatTable> = self.dp_drafts().map(|d| render(d, &shown)).collect();
        let omitted: Vec<&'static str> =
            self.drafts.iter().map(|d| d.name).filter(|name| !DP_TABLES.contains(name)).collect();
        let cells_changed = cells.iter().filter(|&&id| noisy.value(id) != Some(self.release.value(id))).count();
        Ok(Protected { tables, linkage_tables: Vec::new(), omitted, cells_changed, utility: self.utility(&shown) })
    }

    fn utility(&self, shown: &dyn Fn(CellId) -> Option<u64>) -> Utility {
        let cells = self.dp_cells();
        let (mut published_error, mut zero_error, mut withheld, mut max) = (0u64, 0u64, 0usize, 0u64);
        for &id in &cells {
            let truth = self.release.value(id);
            match shown(id) {
                Some(v) => {
                    let e = v.abs_diff(truth);
                    published_error += e;
                    zero_error += e;
                    max = max.max(e);
                }
                None => {
                    withheld += 1;
                    zero_error += truth;
                }
            }
        }
        let n = cells.len();
        let published = n - withheld;
        Utility {
            cells: n,
            withheld,
            mean_abs_error: if published == 0 { 0.0 } else { published_error as f64 / published as f64 },
            mean_abs_error_withheld_as_zero: if n == 0 { 0.0 } else { zero_error as f64 / n as f64 },
            max_abs_error: max,
        }
    }
}
