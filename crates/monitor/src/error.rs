//! The crate's error type: what can go wrong when importing data, reading indicator definitions
//! or building a report. Submission validation has its own error list
//! ([`crate::SubmissionError`]) because it must report every problem at once.

/// Errors of the monitoring engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A CSV file could not be read at all (bad quoting, wrong number of fields…).
    #[error("{file}: row {row}: malformed CSV")]
    Csv {
        /// Which input file (e.g. `measures.csv`).
        file: &'static str,
        /// 1-based data row (header excluded), 0 when unknown.
        row: usize,
        #[source]
        source: csv::Error,
    },
    /// A CSV file lacks a column the format requires.
    #[error("{file}: missing column `{column}`")]
    MissingColumn {
        /// Which input file.
        file: &'static str,
        /// The column that was expected.
        column: &'static str,
    },
    /// A value in a CSV cell is not valid.
    #[error("{file}: row {row}, column `{column}`: {reason}")]
    InvalidValue {
        /// Which input file.
        file: &'static str,
        /// 1-based data row (header excluded).
        row: usize,
        /// Column name.
        column: &'static str,
        /// Why the value was refused (the value itself is quoted only when it is a code).
        reason: String,
    },
    /// Two input files disagree with each other or with the built-in country table.
    #[error("{file}: row {row}: {reason}")]
    Inconsistent {
        /// Which input file.
        file: &'static str,
        /// 1-based data row (header excluded).
        row: usize,
        /// What disagrees.
        reason: String,
    },
    /// The indicator definitions (TOML) could not be parsed.
    /// `round.toml` of a seed folder is malformed.
    #[error("round.toml: {reason}")]
    RoundToml {
        /// Parser message.
        reason: String,
    },
    #[error("indicator definitions: malformed TOML")]
    IndicatorsToml {
        #[source]
        source: toml::de::Error,
    },
    /// The indicator definitions are well-formed but wrong (unknown measure code, bad weight…).
    #[error("indicator definitions: indicator `{indicator}`: {reason}")]
    IndicatorDefinition {
        /// Indicator id (or `(file)` for file-level problems).
        indicator: String,
        /// What is wrong.
        reason: String,
    },
    /// The report phrasing (TOML) could not be parsed or refers to unknown codes.
    #[error("report phrasing: {reason}")]
    Phrasing {
        /// What is wrong.
        reason: String,
    },
    /// A reporting round was asked for that the dataset does not hold.
    #[error("unknown reporting round `{round}`")]
    UnknownRound {
        /// The round id asked for.
        round: String,
    },
    /// A region was asked for that is not an M49 grouping.
    #[error("`{region}` is not an M49 region, sub-region or intermediate region")]
    UnknownRegion {
        /// The name asked for.
        region: String,
    },
    /// A State was asked for that the dataset does not know.
    #[error("unknown State `{state}`")]
    UnknownState {
        /// The code or name asked for.
        state: String,
    },
    /// A persisted dataset has a layout version this crate does not read.
    #[error("dataset format version {found} is not supported (expected {expected})", expected = crate::dataset::DATASET_FORMAT_VERSION)]
    UnsupportedFormat {
        /// Version found.
        found: u32,
    },
    /// JSON (de)serialisation failed (should not happen with our own types).
    #[error("JSON reading or writing failed")]
    Json {
        #[source]
        source: serde_json::Error,
    },
}

/// Result type of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
