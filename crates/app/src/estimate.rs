//! Multiple Systems Estimation from the application's side: reading a capture-history table and
//! driving the `mse` engine with the user's options and a progress reporter.

use std::path::Path;

use crate::{Error, Result};

pub use mse::{EstimateOptions, EstimateReport, Method, NoProgress, dga, lcmcr, rcapture};

/// Estimates the total population from a capture-history CSV (the format of the shared MSE data:
/// one 0/1 column per list and a `count` column).
pub fn estimate_counts(
    path: &Path,
    options: &EstimateOptions,
    progress: &dyn model::Progress,
) -> Result<EstimateReport> {
    let table = read_counts(path)?;
    estimate_table(&table, options, progress).map_err(|e| match e {
        Error::Internal(reason) => Error::Settings { path: path.to_owned(), reason },
        other => other,
    })
}

/// Reads a capture-history CSV (one 0/1 column per list and a `count` column).
pub fn read_counts(path: &Path) -> Result<mse::CaptureTable> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    mse::CaptureTable::parse_csv(&text).map_err(|e| Error::Settings { path: path.to_owned(), reason: e.to_string() })
}

/// Estimates the total population from a capture table.
pub fn estimate_table(
    table: &mse::CaptureTable,
    options: &EstimateOptions,
    progress: &dyn model::Progress,
) -> Result<EstimateReport> {
    let report = mse::estimate(table, options, progress).map_err(|e| Error::Internal(e.to_string()))?;
    progress.finish();
    Ok(report)
}

/// The models along the stepwise path of `selected` (main effects, then each added term), each
/// with its estimate and model-conditional interval: (label, estimate, lower, upper). Models that
/// cannot be fitted are left out.
pub fn stepwise_path(table: &mse::CaptureTable, selected: &EstimateReport) -> Vec<(String, f64, f64, f64)> {
    let terms: Vec<String> = selected.diagnostics.steps.iter().map(|s| s.term.clone()).collect();
    (0..=terms.len())
        .filter_map(|k| {
            let method = if k == 0 { Method::Main } else { Method::Fixed(terms[..k].to_vec()) };
            let options = EstimateOptions { method, nboot: 0, profile: false, ..Default::default() };
            let report = mse::estimate(table, &options, &mse::NoProgress).ok()?;
            let label = if k == 0 { "main effects".to_owned() } else { format!("+ {}", terms[k - 1]) };
            Some((label, report.estimate, report.ci_conditional[0], report.ci_conditional[1]))
        })
        .collect()
}
