//! The application layer: what an observatory does, driven by `palermo.toml`.
//!
//! The CLI and the server are thin shells over these functions; the engines (`mse`, `link`,
//! `monitor`, …) and the store are called from here and nowhere else. This is the only layer that
//! does IO and drives the engines.

pub mod accounts;
pub mod encode;
pub mod encoded;
pub mod estimate;
pub mod import;
pub mod jobs;
pub mod linkage;
pub mod methods;
pub mod microdata;
pub mod monitor;
pub mod observatory;
pub mod pdf;
pub mod pipeline;
pub mod publish;
pub mod published;
pub mod questionnaire;
pub mod report;
pub mod review;
pub mod sdmx;
pub mod settings;
pub mod stats;
pub mod strata;
pub mod submit;
pub mod suggest;

use std::path::PathBuf;

/// The report's chart library and drawing script, for the web dashboard.
pub use ::report::assets as chart_assets;
pub use import::{FileReport, ImportOptions, Outcome, Source, check_file, import_file};
pub use observatory::Observatory;
pub use settings::Settings;
/// The demo simulator, re-exported for the shells.
pub use sim;

/// Application errors: each keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Settings { path: PathBuf, reason: String },
    #[error("no source named `{0}` in palermo.toml")]
    UnknownSource(String),
    #[error("source name `{0}` must be made of a-z, 0-9 and _")]
    InvalidSourceName(String),
    #[error("{0} already exists and is not empty")]
    NotEmpty(PathBuf),
    #[error(transparent)]
    Ingest(#[from] ingest::Error),
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Monitor(#[from] monitor::Error),
    #[error(transparent)]
    Pdf(pdf::Error),
    #[error(transparent)]
    Account(accounts::AccountError),
    #[error(transparent)]
    Submit(submit::SubmitError),
    #[error(transparent)]
    Job(jobs::JobError),
    #[error(transparent)]
    Questionnaire(questionnaire::QuestionnaireError),
    #[error("reading identities needs a stated purpose (1 to 200 characters)")]
    MissingPurpose,
    #[error("cancelled")]
    Cancelled,
    #[error("the file reader stopped unexpectedly")]
    ReaderPanicked,
    #[error(
        "{0}: mapping suggest reads CSV, TSV and semicolon-separated text files: save the sheet or records as CSV to get a suggestion, then set [file] format for the original"
    )]
    SuggestFormat(PathBuf),
    #[error("disclosure control: {0}")]
    Disclosure(String),
    #[error("{0}")]
    Publish(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whether a source's short name is well formed: `[a-z0-9_]+` (it appears in tables, file names
/// and CSV cells, so it can never start a formula or a path).
pub fn is_valid_source_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A cell of a CSV file written for people, made safe to open in a spreadsheet (OWASP's rule
/// against CSV injection): a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
/// prefixed with `'`, unless it is a plain number (a negative count is no formula).
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let formula_lead = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula_lead && cell.parse::<f64>().map_or(true, |n| !n.is_finite()) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_that_could_run_as_formulas_are_neutralised() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("-3", "-3"),
            ("+2.5", "+2.5"),
            ("-inf", "'-inf"),
            ("police", "police"),
            ("", ""),
        ] {
            assert_eq!(super::csv_cell(cell), written, "{cell:?}");
        }
        assert!(super::is_valid_source_name("ngo_2"));
        for bad in ["", "=cmd", "Police", "a b", "../x"] {
            assert!(!super::is_valid_source_name(bad), "{bad:?}");
        }
    }
}
