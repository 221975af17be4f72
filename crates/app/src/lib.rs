//! The application layer: what an observatory does, driven by `palermo.toml`.
//!
//! The CLI and the server are thin shells over these functions; the engines (`mse`, `link`,
//! `monitor`, …) and the store are called from here and nowhere else. This is the only layer that
//! does IO and drives the engines.

pub mod encode;
pub mod encoded;
pub mod estimate;
pub mod import;
pub mod linkage;
pub mod monitor;
pub mod observatory;
pub mod pdf;
pub mod pipeline;
pub mod report;
pub mod review;
pub mod settings;
pub mod stats;

use std::path::PathBuf;

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
    #[error("cancelled")]
    Cancelled,
    #[error("the file reader stopped unexpectedly")]
    ReaderPanicked,
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
