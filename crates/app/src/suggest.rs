//! `palermo mapping suggest`: reads the first rows of an agency's file and hands them to
//! [`ingest::suggest`], which guesses the mapping.

use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use model::RecordKind;

use crate::{Error, Result};

/// The most bytes read from the file's beginning (the first [`ingest::suggest::SAMPLE_ROWS`]
/// rows of any reasonable file fit).
const MAX_SAMPLE_BYTES: u64 = 4 << 20;

/// Suggests a mapping of `path` (CSV, TSV or semicolon-separated text) for records of `kind`.
pub fn suggest_file(path: &Path, kind: RecordKind, today: NaiveDate) -> Result<ingest::suggest::Suggestion> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_lowercase);
    if matches!(extension.as_deref(), Some("xlsx" | "xlsm" | "xls" | "json")) {
        return Err(Error::SuggestFormat(path.to_owned()));
    }
    let size = ingest::check_regular_file(path)?;
    let io = |source| Error::Io { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_SAMPLE_BYTES).read_to_end(&mut bytes).map_err(io)?;
    let complete = size <= MAX_SAMPLE_BYTES;
    let sample = ingest::suggest::sample_csv(path, &bytes, complete, ingest::suggest::SAMPLE_ROWS)?;
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    Ok(ingest::suggest::suggest(&sample, kind, &name, today))
}
