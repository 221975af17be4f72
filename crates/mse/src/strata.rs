//! Disaggregation: one estimate per stratum (sex, age group, form of
//! exploitation, year), as the UNODC study of the Netherlands did, by fitting
//! each stratum's capture table separately.
//!
//! Each stratum's list structure (its lists, the cases on each, the observed
//! histories, the pairs with no case in common) is reported beside its estimate,
//! because a stratum where a list is nearly empty or where many pairs do not
//! overlap gives a fragile estimate whatever the interval says.

use serde::Serialize;

use crate::glm::overlap;
use crate::model::all_pairs;
use crate::progress::Progress;
use crate::report::EstimateReport;
use crate::table::CaptureTable;
use crate::{EstimateOptions, estimate};

/// The estimate of one stratum, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StratumReport {
    /// The stratum's label.
    pub stratum: String,
    /// Its lists.
    pub lists: Vec<String>,
    /// Cases on each list.
    pub cases_per_list: Vec<u64>,
    /// Observed cases.
    pub observed: u64,
    /// Distinct capture histories observed (out of `2^t - 1`).
    pub histories_observed: usize,
    /// Pairs of lists with no case in common.
    pub pairs_without_overlap: Vec<String>,
    /// The estimate, when one could be made.
    pub report: Option<EstimateReport>,
    /// Why there is no estimate.
    pub error: Option<String>,
}

/// Estimates every stratum with the same options (and seed). Strata are done one
/// after another; each bootstrap is parallel inside.
pub fn estimate_strata(
    strata: &[(String, CaptureTable)],
    options: &EstimateOptions,
    progress: &dyn Progress,
) -> Vec<StratumReport> {
    strata
        .iter()
        .map(|(label, table)| {
            let t = table.n_lists();
            let lists = table.lists();
            let y = table.history_counts();
            let pairs_without_overlap = all_pairs(t)
                .into_iter()
                .filter(|&(i, j)| overlap(&y, 1 << i | 1 << j) == 0.0)
                .map(|(i, j)| format!("{}:{}", lists[i], lists[j]))
                .collect();
            let cases_per_list = (0..t)
                .map(|i| table.rows().iter().filter(|r| r.history >> i & 1 == 1).map(|r| r.count).sum())
                .collect();
            let (report, error) = match estimate(table, options, progress) {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(e.to_string())),
            };
            StratumReport {
                stratum: label.clone(),
                lists: lists.to_vec(),
                cases_per_list,
                observed: table.n_observed(),
                histories_observed: table.rows().iter().filter(|r| r.count > 0).count(),
                pairs_without_overlap,
                report,
                error,
            }
        })
        .collect()
}
