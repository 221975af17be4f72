//! Reading agency files into validated records.
//!
//! A source's file dialect is described once by a [`Mapping`] (TOML: column → field, value
//! recodings, date formats, constants). A [`FileReader`] streams the file and yields, for every
//! row, either a validated [`model::Record`] or the row's errors, each naming file, row, column,
//! the offending value (masked where it identifies a person) and the reason. Messy data is output,
//! not failure: `Err` is kept for problems that refuse the whole file (empty file, a required
//! column missing, an unreadable workbook).
//!
//! [`suggest`] guesses a starting mapping from a file's first rows (header names in English,
//! French and Spanish from [`names`], and what the cells hold).
//!
//! The reader knows nothing of storage: the application layer decides what to store and what to
//! quarantine.

mod csvfile;
mod limits;
mod mapping;
pub mod names;
mod reader;
mod sheet;
pub mod suggest;

use std::path::PathBuf;

pub use limits::Limits;
pub use mapping::{Encoding, FILE_KEYS, Format, Mapping, SECTIONS};
pub use reader::{FileReader, RawBytes, RawRow, Row, RowError, check_regular_file, hash_file};

/// Problems that refuse a whole file or mapping.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("mapping {mapping}: {reason}")]
    Mapping { mapping: String, reason: String },
    #[error("{path}: not a regular file but {what}: only files are read")]
    NotAFile { path: PathBuf, what: &'static str },
    #[error("{path}: the file is empty")]
    EmptyFile { path: PathBuf },
    #[error("{path}: column `{column}` (field {field}) is missing from the header")]
    MissingColumn { path: PathBuf, column: String, field: &'static str },
    #[error("{path}: the header has {columns} columns, more than the limit of {max} (`max_columns`)")]
    TooManyColumns { path: PathBuf, columns: usize, max: usize },
    #[error("{path}: column `{column}` appears twice in the header")]
    DuplicateColumn { path: PathBuf, column: String },
    #[error(
        "{path}: the header is not valid UTF-8: if the file is Latin-1, declare `encoding = \"latin1\"` under [file] in the mapping"
    )]
    HeaderEncoding { path: PathBuf },
    #[error(
        "{path}: the file is UTF-16 text, which is not read: save it as UTF-8 (or Latin-1 and declare `encoding = \"latin1\"` under [file] in the mapping)"
    )]
    Utf16 { path: PathBuf },
    #[error("{path}: {reason}")]
    Csv { path: PathBuf, reason: String },
    #[error("{path}: not a readable spreadsheet: {reason}")]
    Spreadsheet { path: PathBuf, reason: String },
    #[error("{path}: not a readable JSON document: {reason}")]
    Json { path: PathBuf, reason: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
