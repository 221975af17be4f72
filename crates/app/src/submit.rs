//! Agencies' submissions through the web application: a file is uploaded for a source, validated
//! and staged in the database with its validation report (values masked); its submitter reads the
//! report, then commits it (an import, as `palermo import` does) or discards it.
//!
//! A submitter acts only for its own source; analysts and administrators for any source of
//! `palermo.toml`. Staged files live in the database, not in one server's memory, so any server
//! instance can commit what another staged.

use std::path::PathBuf;

use base64::Engine;

use crate::accounts::{Account, Role};
use crate::{Error, ImportOptions, Observatory, Outcome, Result};

/// The largest file name kept (longer ones are cut).
const MAX_FILE_NAME: usize = 100;
/// The file extensions a submission may have.
pub const EXTENSIONS: [&str; 5] = ["csv", "tsv", "txt", "xlsx", "json"];

/// Submission errors: what the submitter is told.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("this account may not submit for source `{0}`")]
    NotYourSource(String),
    #[error("a submitted file must end in .csv, .tsv, .txt, .xlsx or .json")]
    FileType,
    #[error("the file is empty")]
    Empty,
    #[error("no staged file with this id (it was committed or discarded, or belongs to someone else)")]
    UnknownUpload,
    #[error("reading a staged file: {0}")]
    Corrupt(String),
}

impl From<SubmitError> for Error {
    fn from(e: SubmitError) -> Self {
        Error::Submit(e)
    }
}

/// One error of a refused row, as shown to the submitter (value masked).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShownError {
    pub row: u64,
    pub column: Option<String>,
    pub field: Option<String>,
    pub value: Option<String>,
    pub reason: String,
}

/// The validation report of a staged file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ValidationReport {
    pub rows_read: u64,
    /// Rows that would be stored.
    pub rows_good: u64,
    /// Rows that would be quarantined.
    pub rows_bad: u64,
    pub errors: Vec<ShownError>,
    pub ignored_columns: Vec<String>,
    pub missing_optional_columns: Vec<String>,
}

/// A staged file as its submitter sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Staged {
    pub id: String,
    pub source: String,
    pub file_name: String,
    pub created_at: String,
    pub report: ValidationReport,
}

/// What a commit did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Committed {
    pub source: String,
    pub file_name: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub rows_stored: u64,
    pub rows_quarantined: u64,
}

/// Whether `account` may submit for and read the submissions of `source`.
pub fn may_act_for(account: &Account, source: &str) -> bool {
    match &account.role {
        Role::Submitter { source: own } => own == source,
        Role::Administrator | Role::Analyst => true,
        Role::Reviewer | Role::FocalPoint { .. } => false,
    }
}

/// The sources `account` acts for.
pub fn sources_of(observatory: &Observatory, account: &Account) -> Vec<String> {
    observatory.settings.sources.iter().map(|s| s.name.clone()).filter(|name| may_act_for(account, name)).collect()
}

/// A file name safe to keep and to write: its last path component, characters other than
/// letters, digits, `.`, `_` and `-` replaced by `_`, cut to [`MAX_FILE_NAME`], with one of
/// [`EXTENSIONS`].
pub fn clean_file_name(name: &str) -> Result<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        last.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect();
    let extension = cleaned.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !EXTENSIONS.contains(&extension.as_str()) || cleaned.starts_with('.') {
        return Err(SubmitError::FileType.into());
    }
    let keep = cleaned.len().saturating_sub(MAX_FILE_NAME);
    Ok(cleaned[keep..].to_owned())
}

/// A private folder for one file under the observatory's `.uploads/`, removed when dropped.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn write(observatory: &Observatory, id: &str, file_name: &str, bytes: &[u8]) -> Result<(Scratch, PathBuf)> {
        let dir = observatory.dir.join(".uploads").join(id);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io { path: dir.clone(), source })?;
        let scratch = Scratch { dir };
        let path = scratch.dir.join(file_name);
        std::fs::write(&path, bytes).map_err(|source| Error::Io { path: path.clone(), source })?;
        Ok((scratch, path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(error = %e, "could not remove an upload's scratch folder");
        }
    }
}

fn report_of(report: crate::FileReport) -> ValidationReport {
    ValidationReport {
        rows_read: report.rows_read,
        rows_good: report.rows_good,
        rows_bad: report.rows_bad,
        errors: report
            .errors
            .into_iter()
            .map(|e| ShownError {
                row: e.row,
                column: e.column,
                field: e.field.map(str::to_owned),
                value: e.value,
                reason: e.reason,
            })
            .collect(),
        ignored_columns: report.ignored_columns,
        missing_optional_columns: report.missing_optional_columns,
    }
}

/// Validates an uploaded file against its source's mapping and stages it; nothing is imported.
pub async fn stage(
    observatory: &Observatory,
    account: &Account,
    source: &str,
    file_name: &str,
    bytes: &[u8],
    today: chrono::NaiveDate,
) -> Result<Staged> {
    if !may_act_for(account, source) {
        return Err(SubmitError::NotYourSource(source.to_owned()).into());
    }
    let mapping = observatory.mapping(source)?;
    let file_name = clean_file_name(file_name)?;
    if bytes.is_empty() {
        return Err(SubmitError::Empty.into());
    }
    let id = crate::accounts::random_secret("")?;
    let report = {
        let (_scratch, path) = Scratch::write(observatory, &id, &file_name, bytes)?;
        report_of(crate::check_file(&path, &mapping, today, &model::NoProgress)?)
    };
    let created_at = store::now_utc();
    let report_json = serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?;
    observatory
        .store
        .stage_upload(&store::StagedUpload {
            id: id.clone(),
            user_id: account.id,
            source: source.to_owned(),
            file_name: file_name.clone(),
            body: base64::engine::general_purpose::STANDARD.encode(bytes),
            report: report_json,
            created_at: created_at.clone(),
        })
        .await?;
    observatory
        .store
        .audit_with_purpose(&account.name, "submission.stage", &format!("source {source}: a file staged"), None)
        .await?;
    Ok(Staged { id, source: source.to_owned(), file_name, created_at, report })
}

async fn own_upload(observatory: &Observatory, account: &Account, id: &str) -> Result<store::StagedUpload> {
    match observatory.store.staged_upload(id).await? {
        Some(upload) if upload.user_id == account.id && may_act_for(account, &upload.source) => Ok(upload),
        _ => Err(SubmitError::UnknownUpload.into()),
    }
}

/// A staged file of `account`, with its report.
pub async fn staged(observatory: &Observatory, account: &Account, id: &str) -> Result<Staged> {
    let upload = own_upload(observatory, account, id).await?;
    let report = serde_json::from_str(&upload.report).map_err(|e| SubmitError::Corrupt(e.to_string()))?;
    Ok(Staged {
        id: upload.id,
        source: upload.source,
        file_name: upload.file_name,
        created_at: upload.created_at,
        report,
    })
}

/// Imports a staged file (one transaction, as `palermo import`), then forgets it. With
/// `replace`, the source's earlier submission is replaced (kept as history).
pub async fn commit(
    observatory: &Observatory,
    account: &Account,
    id: &str,
    replace: bool,
    today: chrono::NaiveDate,
) -> Result<Committed> {
    let upload = own_upload(observatory, account, id).await?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(upload.body.as_bytes())
        .map_err(|e| SubmitError::Corrupt(e.to_string()))?;
    let mapping = observatory.mapping(&upload.source)?;
    let kind = observatory
        .settings
        .source(&upload.source)
        .map(|s| s.kind.clone())
        .ok_or_else(|| Error::UnknownSource(upload.source.clone()))?;
    let report = {
        let (_scratch, path) = Scratch::write(observatory, &upload.id, &upload.file_name, &bytes)?;
        let options = ImportOptions { strict: false, replace, limits: observatory.settings.limits };
        crate::import_file(
            &observatory.store,
            crate::Source { name: &upload.source, kind: &kind },
            &path,
            &mapping,
            options,
            today,
            &model::NoProgress,
        )
        .await?
    };
    observatory.store.delete_staged_upload(&upload.id).await?;
    let (rows_stored, rows_quarantined) = match &report.outcome {
        Outcome::Imported(totals) => (totals.rows_stored, totals.rows_quarantined),
        _ => (0, 0),
    };
    observatory
        .store
        .audit_with_purpose(
            &account.name,
            "submission.commit",
            &format!(
                "source {}: {rows_stored} rows stored, {rows_quarantined} quarantined{}",
                upload.source,
                if replace { ", replacing the earlier submission" } else { "" }
            ),
            None,
        )
        .await?;
    Ok(Committed {
        source: upload.source,
        file_name: upload.file_name,
        outcome: report.outcome,
        rows_stored,
        rows_quarantined,
    })
}

/// Forgets a staged file without importing it.
pub async fn discard(observatory: &Observatory, account: &Account, id: &str) -> Result<()> {
    let upload = own_upload(observatory, account, id).await?;
    observatory.store.delete_staged_upload(&upload.id).await?;
    observatory
        .store
        .audit_with_purpose(&account.name, "submission.discard", &format!("source {}", upload.source), None)
        .await?;
    Ok(())
}

/// The submissions of the sources `account` acts for, oldest first.
pub async fn submissions(observatory: &Observatory, account: &Account) -> Result<Vec<store::Submission>> {
    Ok(observatory.store.submissions().await?.into_iter().filter(|s| may_act_for(account, &s.source)).collect())
}

/// A refused row of one's quarantine: its submission, file and row, and its masked errors.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuarantineEntry {
    pub submission_id: i64,
    pub source: String,
    pub file_name: String,
    pub row_number: i64,
    pub errors: Vec<ShownError>,
}

/// The quarantine of the sources `account` acts for (masked errors; never the raw cells).
pub async fn quarantine(observatory: &Observatory, account: &Account) -> Result<Vec<QuarantineEntry>> {
    observatory
        .store
        .quarantined()
        .await?
        .into_iter()
        .filter(|q| may_act_for(account, &q.source))
        .map(|q| {
            let errors = serde_json::from_str(&q.errors).map_err(|e| SubmitError::Corrupt(e.to_string()))?;
            Ok(QuarantineEntry {
                submission_id: q.submission_id,
                source: q.source,
                file_name: q.file_name,
                row_number: q.row_number,
                errors,
            })
        })
        .collect()
}

/// The refused rows of `source`'s active submission as a CSV file for the agency to correct and
/// submit again: each row's number, file and reasons (values masked), then its cells as the
/// agency sent them, under the file's own headers (a row that could not be split into cells in
/// one `raw_row` column). Only for whoever acts for the source; audited as an export, since the
/// rows may identify a person. Cells that a spreadsheet would run as formulas are neutralised.
pub async fn quarantine_csv(observatory: &Observatory, account: &Account, source: &str) -> Result<String> {
    if observatory.settings.source(source).is_none() {
        return Err(Error::UnknownSource(source.to_owned()));
    }
    if !may_act_for(account, source) {
        return Err(SubmitError::NotYourSource(source.to_owned()).into());
    }
    let store = &observatory.store;
    let mut reasons: std::collections::HashMap<(i64, i64), (String, String)> = std::collections::HashMap::new();
    for q in store.quarantined().await?.into_iter().filter(|q| q.source == source) {
        let errors: Vec<ShownError> =
            serde_json::from_str(&q.errors).map_err(|e| SubmitError::Corrupt(e.to_string()))?;
        let text = errors
            .iter()
            .map(|e| match &e.column {
                Some(column) => format!("{column}: {}", e.reason),
                None => e.reason.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        reasons.insert((q.submission_id, q.row_number), (q.file_name, text));
    }
    let raw = store.export_quarantined_raw(&account.name, source, "correction and re-submission by the agency").await?;
    // The rows' cells, and the union of their headers in the order first seen.
    let mut headers: Vec<String> = Vec::new();
    let mut rows = Vec::with_capacity(raw.len());
    let mut has_raw_text = false;
    for r in &raw {
        let value: serde_json::Value =
            serde_json::from_str(&r.raw_row).map_err(|e| SubmitError::Corrupt(e.to_string()))?;
        let mut cells: Vec<(String, String)> = Vec::new();
        let mut text = None;
        match &value {
            serde_json::Value::Array(pairs) => {
                for pair in pairs {
                    if let (Some(h), Some(c)) =
                        (pair.get(0).and_then(|v| v.as_str()), pair.get(1).and_then(|v| v.as_str()))
                    {
                        if !headers.iter().any(|x| x == h) {
                            headers.push(h.to_owned());
                        }
                        cells.push((h.to_owned(), c.to_owned()));
                    }
                }
            }
            other => {
                has_raw_text = true;
                text = other["text"].as_str().or(other["base64"].as_str()).map(str::to_owned);
            }
        }
        rows.push((r, cells, text));
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| Error::Internal(format!("writing the quarantine CSV: {e}"));
    let mut header_row: Vec<String> = ["submission_id", "file", "row", "reasons"].map(str::to_owned).to_vec();
    header_row.extend(headers.iter().cloned());
    if has_raw_text {
        header_row.push("raw_row".to_owned());
    }
    out.write_record(header_row.iter().map(|h| crate::csv_cell(h).into_owned())).map_err(csv_error)?;
    for (r, cells, text) in rows {
        let (file, why) = reasons.get(&(r.submission_id, r.row_number)).cloned().unwrap_or_default();
        let mut record = vec![r.submission_id.to_string(), file, r.row_number.to_string(), why];
        for h in &headers {
            record.push(cells.iter().find(|(k, _)| k == h).map(|(_, v)| v.clone()).unwrap_or_default());
        }
        if has_raw_text {
            record.push(text.unwrap_or_default());
        }
        out.write_record(record.iter().map(|c| crate::csv_cell(c).into_owned())).map_err(csv_error)?;
    }
    let bytes = out.into_inner().map_err(|e| Error::Internal(format!("writing the quarantine CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}
