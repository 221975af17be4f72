//! The simulator's error type. Errors never carry a simulated person's identifying values.

/// What can go wrong while simulating a demo observatory.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration cannot be simulated.
    #[error("invalid demo configuration: {field} {reason}")]
    InvalidConfig { field: &'static str, reason: String },
    /// Writing a CSV file failed.
    #[error("cannot write a CSV file")]
    Csv(#[from] csv::Error),
    /// Writing the XLSX file failed.
    #[error("cannot write the XLSX file of {agency}")]
    Xlsx {
        agency: &'static str,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    /// Serialising JSON failed.
    #[error("cannot write JSON ({what})")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// An in-memory buffer could not be finished.
    #[error("cannot finish an in-memory file: {0}")]
    Buffer(String),
}

/// Result with the simulator's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
