//! The error type of the `mse` crate: every way an estimate can fail to be produced.
//!
//! Row numbers are 1-based data rows (the header is row 0), so they match what a
//! spreadsheet shows after its header line.

use crate::check::Verdict;

/// Everything that can stop the engine from producing a result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The CSV text could not be read as CSV at all.
    #[error("capture table: malformed CSV near data row {row}")]
    Csv {
        /// 1-based data row (0 = header).
        row: usize,
        /// The CSV reader's error.
        #[source]
        source: csv::Error,
    },
    /// The header has no `count` column as its last column.
    #[error("capture table: the last column must be named `count`, found `{found}`")]
    MissingCountColumn {
        /// The last header field.
        found: String,
    },
    /// Fewer than two list columns.
    #[error("capture table: at least 2 lists are needed, found {lists}")]
    TooFewLists {
        /// Number of list columns found.
        lists: usize,
    },
    /// More list columns than the engine supports.
    #[error("capture table: at most {max} lists are supported, found {lists}")]
    TooManyLists {
        /// Number of list columns found.
        lists: usize,
        /// The supported maximum.
        max: usize,
    },
    /// Two list columns share a name.
    #[error("capture table: list name `{name}` appears twice in the header")]
    DuplicateListName {
        /// The repeated name.
        name: String,
    },
    /// A row does not have one field per header column.
    #[error("capture table: row {row} has {found} fields, the header has {expected}")]
    RaggedRow {
        /// 1-based data row.
        row: usize,
        /// Fields found.
        found: usize,
        /// Fields expected.
        expected: usize,
    },
    /// A list column holds something other than 0 or 1.
    #[error("capture table: row {row}, list `{list}`: expected 0 or 1, found `{value}`")]
    NotBinary {
        /// 1-based data row.
        row: usize,
        /// The list column's name.
        list: String,
        /// The offending field (list columns hold no personal data).
        value: String,
    },
    /// The count is not a non-negative whole number.
    #[error("capture table: row {row}: count must be a whole number >= 0, found `{value}`")]
    BadCount {
        /// 1-based data row.
        row: usize,
        /// The offending field.
        value: String,
    },
    /// A row with no list marked: the dark figure cannot be observed.
    #[error("capture table: row {row} is on no list (all-zero history); the unobserved cell cannot be given")]
    AllZeroHistory {
        /// 1-based data row.
        row: usize,
    },
    /// The same capture history appears twice.
    #[error("capture table: row {row} repeats the capture history of row {first_row}")]
    DuplicateHistory {
        /// 1-based data row of the repeat.
        row: usize,
        /// 1-based data row where the history first appeared.
        first_row: usize,
    },
    /// The table has no observed case.
    #[error("capture table: no case observed (the counts sum to 0)")]
    NoCases,
    /// A list name given in a model term is not a list of the table.
    #[error("model: unknown list `{name}` in term `{term}`")]
    UnknownList {
        /// The term as given.
        term: String,
        /// The unknown list name.
        name: String,
    },
    /// A model term is not of the form `A:B` with two different lists.
    #[error("model: `{term}` is not a pairwise term `LIST:LIST` of two different lists")]
    BadTerm {
        /// The term as given.
        term: String,
    },
    /// The model failed the existence or identifiability check; no estimate is given.
    #[error("model {model}: {verdict}; no estimate is given")]
    BadModel {
        /// The model's terms, `[A:B, …]`.
        model: String,
        /// Why.
        verdict: Verdict,
    },
    /// The linear-programming solver failed on the existence check.
    #[error("existence check: the linear program could not be solved")]
    Lp {
        /// The solver's error.
        #[source]
        source: microlp::Error,
    },
    /// The iteratively reweighted least squares fit broke down.
    #[error("model fit: {reason}")]
    Fit {
        /// What went wrong (singular weighted design, non-finite deviance…).
        reason: String,
    },
    /// Every candidate model failed the checks (exhaustive search).
    #[error("model selection: no candidate model passes the existence and identifiability checks")]
    NoAdmissibleModel,
    /// Too many pairwise terms to search exhaustively even after pruning.
    #[error("model selection: {pairs} candidate pairs is beyond the exhaustive limit of {max}")]
    TooManyModels {
        /// Candidate pairs.
        pairs: usize,
        /// The limit.
        max: usize,
    },
    /// An option is out of range.
    #[error("options: {what}")]
    BadOption {
        /// Which option and why.
        what: String,
    },
    /// The caller cancelled a long job through [`crate::Progress::is_cancelled`].
    #[error("cancelled")]
    Cancelled,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
