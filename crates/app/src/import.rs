//! Importing one file of a source: validate every row, store the good ones, quarantine the bad
//! ones, all in one transaction per file; or, as a dry run, only report.

use std::path::{Path, PathBuf};

use ingest::{FileReader, Mapping, RawRow, Row, RowError};
use model::{Progress, Record};
use serde::Serialize;
use store::{Begun, ImportTotals, Store, StoreRow};

use crate::{Error, Result};

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Refuse the whole file when any row is bad.
    pub strict: bool,
    /// Replace the source's earlier active submission (kept as history).
    pub replace: bool,
    /// What one file may ask of the reader (`[limits]` in `palermo.toml`).
    pub limits: ingest::Limits,
}

/// What happened to a file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// Stored (good rows) and quarantined (bad rows).
    Imported(ImportTotals),
    /// The same file (same SHA-256) is already the source's active submission: nothing changed.
    AlreadyImported { submission_id: i64 },
    /// `--strict` and bad rows: nothing stored.
    Refused,
    /// A dry run: nothing stored.
    Checked,
}

/// The validation report of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: PathBuf,
    pub source: Option<String>,
    pub sha256: String,
    pub rows_read: u64,
    pub rows_good: u64,
    pub rows_bad: u64,
    /// Every error of every bad row, values masked.
    pub errors: Vec<RowError>,
    pub ignored_columns: Vec<String>,
    pub missing_optional_columns: Vec<String>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl FileReport {
    /// Whether the data had problems (the CLI exits 1).
    pub fn has_problems(&self) -> bool {
        self.rows_bad > 0
    }
}

/// Rows handed from the reading thread to the database per message.
const CHUNK_ROWS: usize = 2000;

/// A row as the reading thread hands it over: a good row already in the form the store binds.
enum Prepared {
    Good(StoreRow),
    Bad { row: u64, errors: Vec<RowError>, raw: RawRow },
}

type Chunk = Vec<Prepared>;

/// Validates a file against a mapping and changes nothing.
pub fn check_file(
    path: &Path,
    mapping: &Mapping,
    today: chrono::NaiveDate,
    progress: &dyn Progress,
) -> Result<FileReport> {
    let sha256 = ingest::hash_file(path)?;
    let mut reader = FileReader::open(path, mapping, today)?;
    let mut report = empty_report(path, None, sha256, &reader, Outcome::Checked);
    progress.start("check", reader.progress().1);
    while let Some(row) = reader.next_row() {
        match row? {
            Row::Good { .. } => report.rows_good += 1,
            Row::Bad { errors, .. } => {
                report.rows_bad += 1;
                report.errors.extend(errors);
            }
        }
        report.rows_read += 1;
        if report.rows_read.is_multiple_of(4096) {
            progress.set(reader.progress().0);
        }
    }
    progress.finish();
    Ok(report)
}

fn empty_report(
    path: &Path,
    source: Option<&str>,
    sha256: String,
    reader: &FileReader,
    outcome: Outcome,
) -> FileReport {
    FileReport {
        file: path.to_owned(),
        source: source.map(str::to_owned),
        sha256,
        rows_read: 0,
        rows_good: 0,
        rows_bad: 0,
        errors: Vec::new(),
        ignored_columns: reader.ignored_columns.clone(),
        missing_optional_columns: reader.missing_optional_columns.clone(),
        outcome,
    }
}

/// The source a file belongs to: its short name and its kind (police, ngo, …).
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub name: &'a str,
    pub kind: &'a str,
}

/// Imports one file of `source` into the store, atomically.
pub async fn import_file(
    store: &Store,
    source: Source<'_>,
    path: &Path,
    mapping: &Mapping,
    options: ImportOptions,
    today: chrono::NaiveDate,
    progress: &dyn Progress,
) -> Result<FileReport> {
    import_with_encodings(store, source, path, mapping, options, None, today, progress).await
}

/// A source's Bloom-filter encodings as the agency sent them, one per data row of its file in
/// order: the base64 text, or why it cannot be used.
pub type RowEncodings = std::sync::Arc<[std::result::Result<String, &'static str>]>;

/// [`import_file`], storing each good row's encoding with it in the same transaction; a row whose
/// encoding is missing or unusable is quarantined with the reason.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn import_with_encodings(
    store: &Store,
    source: Source<'_>,
    path: &Path,
    mapping: &Mapping,
    options: ImportOptions,
    encodings: Option<RowEncodings>,
    today: chrono::NaiveDate,
    progress: &dyn Progress,
) -> Result<FileReport> {
    let (source, source_kind) = (source.name, source.kind);
    if !crate::is_valid_source_name(source) {
        return Err(Error::InvalidSourceName(source.to_owned()));
    }
    let sha256 = ingest::hash_file(path)?;
    let mut reader = FileReader::open_with_limits(path, mapping, today, &options.limits)?;
    if !options.replace
        && let Some(existing) = store.active_submission_with_hash(source, &sha256).await?
    {
        let mut report =
            empty_report(path, Some(source), sha256, &reader, Outcome::AlreadyImported { submission_id: existing.id });
        report.rows_read = existing.rows_read as u64;
        report.rows_good = existing.rows_stored as u64;
        report.rows_bad = 0;
        return Ok(report);
    }
    store.ensure_source(source, source_kind).await?;
    let file_name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut report = empty_report(path, Some(source), sha256.clone(), &reader, Outcome::Refused);
    let mut import = match store.begin_import(source, mapping.kind, &file_name, &sha256, options.replace).await? {
        Begun::Started(import) => import,
        // Another process stored the same file between the check above and the write lock.
        Begun::AlreadyActive { submission_id, rows_read, rows_stored } => {
            report.outcome = Outcome::AlreadyImported { submission_id };
            report.rows_read = rows_read as u64;
            report.rows_good = rows_stored as u64;
            return Ok(report);
        }
    };
    if !options.replace {
        reader.refuse_stored_ids(import.active_source_ids().await?);
    }

    // Reading and validating runs on its own thread so that parsing overlaps with the database.
    let total_bytes = reader.progress().1;
    progress.start("import", total_bytes);
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<(Chunk, u64)>>(4);
    // Encodings are numbered by data row; rows are numbered as a spreadsheet shows them (a CSV's
    // header is row 1).
    let is_json = matches!(mapping.format, Some(ingest::Format::Json))
        || (mapping.format.is_none() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")));
    let first_row = if is_json { 1 } else { 2 };
    let reading = std::thread::spawn(move || read_chunks(reader, sender, encodings, first_row));

    let mut good: Vec<StoreRow> = Vec::with_capacity(CHUNK_ROWS);
    let mut bad: Vec<(u64, String, String)> = Vec::new();
    while let Some(message) = receiver.recv().await {
        let (chunk, bytes_done) = message?;
        for row in chunk {
            report.rows_read += 1;
            match row {
                Prepared::Good(stored) => {
                    report.rows_good += 1;
                    good.push(stored);
                }
                Prepared::Bad { row, errors, raw } => quarantine_row(&mut report, &mut bad, row, errors, raw)?,
            }
        }
        if !(options.strict && report.rows_bad > 0) {
            import.insert(&good).await?;
            import.quarantine(&bad).await?;
        }
        good.clear();
        bad.clear();
        progress.set(bytes_done);
        if progress.is_cancelled() {
            import.rollback().await?;
            return Err(Error::Cancelled);
        }
    }
    reading.join().map_err(|_| Error::ReaderPanicked)?;
    progress.finish();
    if options.strict && report.rows_bad > 0 {
        import.rollback().await?;
        report.outcome = Outcome::Refused;
        return Ok(report);
    }
    let totals = import.commit(report.rows_read).await?;
    tracing::info!(
        source,
        submission = totals.submission_id,
        stored = totals.rows_stored,
        quarantined = totals.rows_quarantined,
        "imported file"
    );
    report.outcome = Outcome::Imported(totals);
    Ok(report)
}

fn quarantine_row(
    report: &mut FileReport,
    bad: &mut Vec<(u64, String, String)>,
    row: u64,
    errors: Vec<RowError>,
    raw: RawRow,
) -> Result<()> {
    report.rows_bad += 1;
    let errors_json = serde_json::to_string(&errors).map_err(|e| Error::Internal(e.to_string()))?;
    let raw_json = serde_json::to_string(&raw).map_err(|e| Error::Internal(e.to_string()))?;
    bad.push((row, errors_json, raw_json));
    report.errors.extend(errors);
    Ok(())
}

/// A good row in stored form, with its encoding when the source sends encodings; or the row
/// refused because its encoding is missing or unusable.
fn prepare(row: u64, record: Record, encodings: Option<&RowEncodings>, first_row: u64) -> Prepared {
    let Some(encodings) = encodings else {
        return Prepared::Good(StoreRow::new(row, record));
    };
    let index = row.checked_sub(first_row).and_then(|i| usize::try_from(i).ok());
    let reason = match index.and_then(|i| encodings.get(i)) {
        Some(Ok(base64)) => return Prepared::Good(StoreRow::new(row, record).with_encoding(base64.clone())),
        Some(Err(why)) => {
            format!("the encoding of this row (number {} in the encodings file) is {why}", row - first_row + 1)
        }
        None => {
            format!("no encoding for this row: the encodings file has {} for the file's data rows", encodings.len())
        }
    };
    Prepared::Bad {
        row,
        errors: vec![RowError { row, column: None, field: None, value: None, reason }],
        // The row's cells are gone once validated: keep its validated values, field by field.
        raw: RawRow::Cells(
            record.kind.fields().iter().zip(&record.values).map(|(f, v)| (f.name.to_owned(), v.to_text())).collect(),
        ),
    }
}

fn read_chunks(
    mut reader: FileReader,
    sender: tokio::sync::mpsc::Sender<Result<(Chunk, u64)>>,
    encodings: Option<RowEncodings>,
    first_row: u64,
) {
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    loop {
        match reader.next_row() {
            Some(Ok(row)) => {
                chunk.push(match row {
                    Row::Good { row, record } => prepare(row, record, encodings.as_ref(), first_row),
                    Row::Bad { row, errors, raw } => Prepared::Bad { row, errors, raw },
                });
                if chunk.len() == CHUNK_ROWS {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS));
                    if sender.blocking_send(Ok((full, reader.progress().0))).is_err() {
                        return;
                    }
                }
            }
            Some(Err(e)) => {
                let _ = sender.blocking_send(Err(e.into()));
                return;
            }
            None => break,
        }
    }
    let _ = sender.blocking_send(Ok((chunk, reader.progress().1)));
}
