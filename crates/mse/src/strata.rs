//! Disaggregation: one estimate per stratum (sex, age group, form of
//! exploitation, year), as the UNODC study of the Netherlands did, by fitting
//! each stratum's capture table separately.
//!
//! Each stratum's list structure (its lists, the cases on each, the observed
//! histories, the pairs with no case in common) is reported beside its estimate,
//! because a stratum where a list is nearly empty or where many pairs do not
//! overlap gives a fragile estimate whatever the interval says.

use serde::Serialize;

use crate::Progress;
use crate::glm::overlap;
use crate::model::all_pairs;
use crate::report::EstimateReport;
use crate::table::CaptureTable;
use crate::{EstimateOptions, estimate};

/// Why a stratum gets no estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Refusal {
    /// The stratum holds the persons whose value no list recorded: they were seen only by lists
    /// that do not record the field, so their lists' overlap is an artefact of what the lists
    /// record (at 1,000,000 demo victims such a stratum's estimate ran to millions).
    NotRecorded,
    /// Fewer persons than the rules' `min_stratum`.
    TooFew { min_stratum: u64 },
    /// Fewer than two lists have anyone in the stratum.
    TooFewLists,
    /// Its model's existence check failed (not identifiable).
    NotIdentifiable { verdict: String },
    /// The estimate or an interval bound is not finite (the lists overlap too little).
    NotFinite { what: &'static str },
    /// Estimation failed.
    Failed { reason: String },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotRecorded => f.write_str(
                "no list that records this field saw these persons, so their lists' overlap says nothing about who was missed",
            ),
            Refusal::TooFew { min_stratum } => write!(f, "fewer than {min_stratum} persons"),
            Refusal::TooFewLists => f.write_str("fewer than two lists have anyone in it"),
            Refusal::NotIdentifiable { verdict } => write!(f, "its model cannot be estimated here ({verdict})"),
            Refusal::NotFinite { what } => write!(f, "{what} (the lists overlap too little)"),
            Refusal::Failed { reason } => f.write_str(reason),
        }
    }
}

/// The rules that refuse a stratum an estimate, checked in this order: the value was not
/// recorded ([`Refusal::NotRecorded`]), too few persons, fewer than two lists with anyone in the
/// stratum; then, after fitting, a model that is not identifiable or an estimate or interval that
/// is not finite.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StrataRules {
    /// Fewest persons a stratum needs (0: no minimum).
    pub min_stratum: u64,
}

/// One stratum to estimate: its label, whether it holds the persons whose value was not recorded
/// (or is unknown), and its capture table. Lists with nobody in the stratum are dropped before
/// fitting.
#[derive(Debug, Clone)]
pub struct StratumInput {
    pub label: String,
    pub not_recorded: bool,
    pub table: CaptureTable,
}

/// The estimate of one stratum, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StratumReport {
    /// The stratum's label.
    pub stratum: String,
    /// Its lists (those with anyone in the stratum).
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
    pub refused: Option<Refusal>,
    /// The refusal in words.
    pub error: Option<String>,
}

impl StratumReport {
    /// The stratum's 95% interval: BCa when the bootstrap ran, else model-conditional.
    pub fn interval(&self) -> Option<[f64; 2]> {
        self.report.as_ref().map(|r| r.ci_bca.unwrap_or(r.ci_conditional))
    }
}

/// Estimates every stratum with the same options (and seed), without refusal rules beyond a
/// failed fit. Strata are done one after another; each bootstrap is parallel inside.
pub fn estimate_strata(
    strata: &[(String, CaptureTable)],
    options: &EstimateOptions,
    progress: &dyn Progress,
) -> Vec<StratumReport> {
    let inputs: Vec<StratumInput> = strata
        .iter()
        .map(|(label, table)| StratumInput { label: label.clone(), not_recorded: false, table: table.clone() })
        .collect();
    estimate_strata_with(&inputs, options, &StrataRules::default(), progress)
}

/// Estimates every stratum with the same options (and seed), refusing, with the reason, those the
/// rules exclude ([`StrataRules`]).
pub fn estimate_strata_with(
    strata: &[StratumInput],
    options: &EstimateOptions,
    rules: &StrataRules,
    progress: &dyn Progress,
) -> Vec<StratumReport> {
    strata.iter().map(|s| estimate_one(s, options, rules, progress)).collect()
}

fn estimate_one(
    input: &StratumInput,
    options: &EstimateOptions,
    rules: &StrataRules,
    progress: &dyn Progress,
) -> StratumReport {
    // Lists with nobody in the stratum are left out of its table.
    let full = &input.table;
    let used: Vec<usize> =
        (0..full.n_lists()).filter(|&i| full.rows().iter().any(|r| r.history >> i & 1 == 1 && r.count > 0)).collect();
    let squeeze = |h: u32| used.iter().enumerate().fold(0u32, |acc, (k, &i)| acc | ((h >> i & 1) << k));
    let lists: Vec<String> = used.iter().map(|&i| full.lists()[i].clone()).collect();
    let squeezed = if used.len() == full.n_lists() {
        Ok(full.clone())
    } else {
        // Rows in the order `CaptureTable::from_person_histories` gives (by number of lists,
        // then history), so that a stratum's table is the same whichever way it was built.
        let mut rows: Vec<crate::table::HistoryCount> = full
            .rows()
            .iter()
            .filter(|r| r.count > 0)
            .map(|r| crate::table::HistoryCount { history: squeeze(r.history), count: r.count })
            .collect();
        rows.sort_by_key(|r| (r.history.count_ones(), r.history));
        CaptureTable::new(lists.clone(), rows)
    };
    let observed = full.n_observed();
    let mut out = StratumReport {
        stratum: input.label.clone(),
        lists: lists.clone(),
        cases_per_list: used
            .iter()
            .map(|&i| full.rows().iter().filter(|r| r.history >> i & 1 == 1).map(|r| r.count).sum())
            .collect(),
        observed,
        histories_observed: full.rows().iter().filter(|r| r.count > 0).count(),
        pairs_without_overlap: Vec::new(),
        report: None,
        refused: None,
        error: None,
    };
    let refuse = |mut out: StratumReport, refusal: Refusal| {
        out.error = Some(refusal.to_string());
        out.refused = Some(refusal);
        out.report = None;
        out
    };
    if input.not_recorded {
        return refuse(out, Refusal::NotRecorded);
    }
    if observed < rules.min_stratum {
        return refuse(out, Refusal::TooFew { min_stratum: rules.min_stratum });
    }
    if used.len() < 2 {
        return refuse(out, Refusal::TooFewLists);
    }
    let table = match squeezed {
        Ok(t) => t,
        Err(e) => return refuse(out, Refusal::Failed { reason: e.to_string() }),
    };
    let y = table.history_counts();
    out.pairs_without_overlap = all_pairs(table.n_lists())
        .into_iter()
        .filter(|&(i, j)| overlap(&y, 1 << i | 1 << j) == 0.0)
        .map(|(i, j)| format!("{}:{}", lists[i], lists[j]))
        .collect();
    match estimate(&table, options, progress) {
        Ok(report) if !report.diagnostics.verdict.is_ok() => {
            let verdict = report.diagnostics.verdict.to_string();
            refuse(out, Refusal::NotIdentifiable { verdict })
        }
        Ok(report) if !report.estimate.is_finite() => {
            refuse(out, Refusal::NotFinite { what: "its model gives no finite estimate" })
        }
        Ok(report) => {
            let interval = report.ci_bca.unwrap_or(report.ci_conditional);
            if !(interval[0].is_finite() && interval[1].is_finite()) {
                return refuse(out, Refusal::NotFinite { what: "its interval has no finite bound" });
            }
            out.report = Some(report);
            out
        }
        Err(e) => refuse(out, Refusal::Failed { reason: e.to_string() }),
    }
}
