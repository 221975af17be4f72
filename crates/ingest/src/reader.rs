//! Streaming readers: a file (CSV, XLSX or JSON) is turned, row by row, into validated records or
//! row errors. Every format streams, within the [`Limits`], so memory stays bounded whatever the
//! file holds.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use model::{Field, Record, Value};
use sha2::{Digest, Sha256};

use crate::csvfile::{CsvFile, CsvRow};
use crate::limits::Limits;
use crate::mapping::{Encoding, Format, Mapping};
use crate::{Error, Result};

/// One problem of one row, with everything a data officer needs to fix it. The value is masked
/// when the field identifies a person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// Row number as a spreadsheet shows it: the header is row 1 (for JSON: the record's position).
    pub row: u64,
    pub column: Option<String>,
    pub field: Option<&'static str>,
    pub value: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        if let Some(field) = self.field {
            write!(f, " ({field})")?;
        }
        if let Some(value) = &self.value {
            write!(f, ", value `{value}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The outcome of reading one row.
#[derive(Debug)]
pub enum Row {
    Good {
        row: u64,
        record: Record,
    },
    /// A refused row: its errors and its raw content, kept for the quarantine so nothing is
    /// lost. The raw content may identify a person: it goes only to protected storage.
    Bad {
        row: u64,
        errors: Vec<RowError>,
        raw: RawRow,
    },
}

/// A refused row's content as the file had it, kept whole so the agency can correct the row.
/// Serialised (for the quarantine) as `[[header, cell], …]`, or as an object for bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum RawRow {
    /// Header → cell text, in the file's order; cells beyond the header are named `#N` (their
    /// position, from 1).
    Cells(Vec<(String, String)>),
    /// The row's bytes, when they could not be split into text cells: a quote left open, bytes
    /// that are not valid in the file's encoding, a row over the size limit, a JSON record that
    /// is not an object.
    Bytes(RawBytes),
}

/// A row's bytes, kept losslessly: as text when they are valid in the file's encoding, in base64
/// otherwise.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RawBytes {
    /// Where the row starts in the file, in bytes (CSV).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The row's length in the file, in bytes.
    pub length: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Standard base64 alphabet, with padding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
    /// Only the first `max_row_bytes` bytes are kept: the row is longer (`length`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl RawRow {
    /// A row's bytes, as text when they decode (UTF-8, or Latin-1 when the mapping says so,
    /// which decodes any byte), in base64 otherwise.
    pub(crate) fn from_bytes(offset: Option<u64>, bytes: &[u8], length: u64, truncated: bool, latin1: bool) -> RawRow {
        use base64::Engine;
        let text = if latin1 {
            Some(encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned())
        } else {
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        };
        let base64 = text.is_none().then(|| base64::engine::general_purpose::STANDARD.encode(bytes));
        RawRow::Bytes(RawBytes { offset, length, text, base64, truncated })
    }

    /// A row's cells under the header's names; cells beyond the header are named `#N`.
    pub(crate) fn cells(headers: &[String], cells: Vec<String>) -> RawRow {
        RawRow::Cells(
            cells
                .into_iter()
                .enumerate()
                .map(|(i, cell)| (headers.get(i).cloned().unwrap_or_else(|| format!("#{}", i + 1)), cell))
                .collect(),
        )
    }
}

/// Refuses anything but a regular file (a device such as `/dev/zero` or a FIFO would be read
/// forever), before it is opened.
pub fn check_regular_file(path: &Path) -> Result<u64> {
    let metadata = std::fs::metadata(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    if !metadata.is_file() {
        let what = if metadata.is_dir() { "a folder" } else { "a device, pipe or socket" };
        return Err(Error::NotAFile { path: path.to_owned(), what });
    }
    Ok(metadata.len())
}

/// Computes the SHA-256 of a file, streaming, as lower-case hex.
pub fn hash_file(path: &Path) -> Result<String> {
    check_regular_file(path)?;
    let mut file = File::open(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

enum Source {
    Csv(Box<CsvFile>),
    /// Rows streamed by a reading thread (XLSX, JSON), with their row numbers, and how many came
    /// so far.
    Streamed(std::sync::mpsc::Receiver<crate::sheet::Streamed>, u64),
}

/// A row streamed from a workbook or a JSON document: its cells, or why it has none (a JSON
/// record that is not an object) with its content.
pub(crate) enum Loaded {
    Cells(Vec<String>),
    /// A JSON record: its cells under the mapping's columns, and the record itself (a refused
    /// record is quarantined as its JSON text, every key kept).
    Json {
        cells: Vec<String>,
        record: serde_json::Value,
    },
    Broken {
        reason: String,
        raw: RawRow,
    },
}

/// Reads one file with one mapping. Iterate with [`FileReader::next_row`].
pub struct FileReader {
    path: PathBuf,
    mapping: Mapping,
    today: NaiveDate,
    source: Source,
    encoding: Encoding,
    headers: Vec<String>,
    /// For each mapped field: the index of its column in the file.
    columns: Vec<(usize, &'static Field)>,
    seen_ids: HashMap<String, u64>,
    /// Source ids already stored by earlier submissions: a row reusing one is refused.
    stored_ids: HashSet<String>,
    /// Data rows read from a CSV file so far.
    csv_rows: u64,
    total_bytes: u64,
    /// Columns of the file that the mapping does not use.
    pub ignored_columns: Vec<String>,
    /// Optional fields the mapping names but the file lacks: read as not recorded.
    pub missing_optional_columns: Vec<String>,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader").field("path", &self.path).finish_non_exhaustive()
    }
}

impl FileReader {
    /// Opens a file, reads its header and matches it against the mapping. A file-level problem
    /// (empty file, a required column missing, an unreadable spreadsheet) refuses the whole file.
    pub fn open(path: &Path, mapping: &Mapping, today: NaiveDate) -> Result<FileReader> {
        FileReader::open_with_limits(path, mapping, today, &Limits::default())
    }

    /// [`FileReader::open`] with limits other than the defaults.
    pub fn open_with_limits(path: &Path, mapping: &Mapping, today: NaiveDate, limits: &Limits) -> Result<FileReader> {
        let total_bytes = check_regular_file(path)?;
        if total_bytes == 0 {
            return Err(Error::EmptyFile { path: path.to_owned() });
        }
        let format = match mapping.format {
            Some(f) => f,
            None => match path.extension().and_then(|e| e.to_str()).map(str::to_lowercase).as_deref() {
                Some("xlsx" | "xlsm") => Format::Xlsx,
                Some("json") => Format::Json,
                _ => Format::Csv,
            },
        };
        // JSON: the keys of the records that the mapping does not name.
        let mut extra_keys = Vec::new();
        let (source, headers) = match format {
            Format::Csv => open_csv(path, mapping, limits)?,
            Format::Xlsx => {
                let (headers, rows) = crate::sheet::open_xlsx(path, mapping, limits)?;
                (Source::Streamed(rows, 0), headers)
            }
            Format::Json => {
                let (headers, extra, rows) = crate::sheet::open_json(path, mapping, limits)?;
                extra_keys = extra;
                (Source::Streamed(rows, 0), headers)
            }
        };
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(Error::EmptyFile { path: path.to_owned() });
        }
        let mut columns = Vec::new();
        let mut missing_optional_columns = Vec::new();
        for (column, field) in &mapping.columns {
            let found = headers
                .iter()
                .position(|h| h.trim() == column.trim())
                .or_else(|| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(column.trim())));
            match found {
                Some(i) => columns.push((i, *field)),
                None if field.required
                    || (field.name == "date" && !mapping.columns.iter().any(|(_, f)| f.name == "year")) =>
                {
                    return Err(Error::MissingColumn {
                        path: path.to_owned(),
                        column: column.clone(),
                        field: field.name,
                    });
                }
                None => missing_optional_columns.push(column.clone()),
            }
        }
        let mut ignored_columns: Vec<String> = headers
            .iter()
            .enumerate()
            .filter(|(i, _)| !columns.iter().any(|(c, _)| c == i))
            .map(|(_, h)| h.clone())
            .collect();
        ignored_columns.extend(extra_keys);
        Ok(FileReader {
            path: path.to_owned(),
            mapping: mapping.clone(),
            today,
            source,
            encoding: mapping.encoding,
            headers,
            columns,
            seen_ids: HashMap::new(),
            stored_ids: HashSet::default(),
            csv_rows: 0,
            total_bytes,
            ignored_columns,
            missing_optional_columns,
        })
    }

    /// Refuses rows whose source id an earlier submission of the source already stored (a
    /// correction must replace that submission).
    pub fn refuse_stored_ids(&mut self, ids: impl IntoIterator<Item = String>) {
        self.stored_ids = ids.into_iter().collect();
    }

    /// Bytes read so far and the file's size, for a progress bar.
    pub fn progress(&self) -> (u64, u64) {
        match &self.source {
            Source::Csv(csv) => (csv.position(), self.total_bytes),
            // Streamed rows have no byte positions: done when the stream ends.
            Source::Streamed(..) => (0, self.total_bytes),
        }
    }

    /// The next row, validated; `None` at the end of the file.
    pub fn next_row(&mut self) -> Option<Result<Row>> {
        let (row, cells) = match &mut self.source {
            Source::Csv(csv) => {
                // Rows are counted as a spreadsheet shows them (the header is row 1), whatever the
                // line endings and however many lines a quoted cell spans.
                self.csv_rows += 1;
                let row = self.csv_rows + 1;
                let (column, reason, raw) = match csv.next(self.headers.len())? {
                    Err(e) => return Some(Err(e)),
                    Ok(CsvRow::Broken { column, reason, raw }) => (column, reason, raw),
                    Ok(CsvRow::Record) => match decode_record(&csv.record, self.encoding) {
                        Ok(cells) => return Some(Ok(self.validate(row, cells))),
                        Err(index) => match csv.raw_record() {
                            Ok(raw) => (
                                Some(index),
                                "bytes that are not valid UTF-8: if the file is Latin-1, declare `encoding = \"latin1\"` under [file] in the mapping".to_owned(),
                                raw,
                            ),
                            Err(e) => return Some(Err(e)),
                        },
                    },
                };
                let column = column.map(|i| self.headers.get(i).cloned().unwrap_or_else(|| format!("#{}", i + 1)));
                let errors = vec![RowError { row, column, field: None, value: None, reason }];
                return Some(Ok(Row::Bad { row, errors, raw }));
            }
            Source::Streamed(rows, received) => match rows.recv().ok()? {
                Err(e) => return Some(Err(e)),
                Ok((row, Loaded::Cells(cells))) => {
                    *received += 1;
                    (row, cells)
                }
                Ok((row, Loaded::Json { cells, record })) => {
                    *received += 1;
                    let mut validated = self.validate(row, cells);
                    if let Row::Bad { raw, .. } = &mut validated {
                        let text = record.to_string();
                        *raw = RawRow::from_bytes(None, text.as_bytes(), text.len() as u64, false, false);
                    }
                    return Some(Ok(validated));
                }
                Ok((row, Loaded::Broken { reason, raw })) => {
                    let errors = vec![RowError { row, column: None, field: None, value: None, reason }];
                    return Some(Ok(Row::Bad { row, errors, raw }));
                }
            },
        };
        Some(Ok(self.validate(row, cells)))
    }

    fn bad_row(&self, row: u64, cells: Vec<String>, column: Option<String>, reason: String) -> Row {
        let raw = RawRow::cells(&self.headers, cells);
        Row::Bad { row, errors: vec![RowError { row, column, field: None, value: None, reason }], raw }
    }

    fn validate(&mut self, row: u64, cells: Vec<String>) -> Row {
        if cells.len() != self.headers.len() {
            let reason = if cells.len() < self.headers.len() {
                format!("ragged or truncated line: {} fields where the header has {}", cells.len(), self.headers.len())
            } else {
                format!("ragged line: {} fields where the header has {}", cells.len(), self.headers.len())
            };
            return self.bad_row(row, cells, None, reason);
        }
        let mut record = Record::empty(self.mapping.kind);
        let mut errors = Vec::new();
        for (index, field) in &self.columns {
            let raw = cells[*index].as_str();
            let recoded = self.mapping.recode(field, raw);
            let ctx = self.mapping.cell_context(field, self.today);
            match model::value::parse_cell(field, &recoded, &ctx) {
                Ok(value) => set(&mut record, field, value),
                Err(problem) => errors.push(RowError {
                    row,
                    column: Some(self.headers[*index].clone()),
                    field: Some(field.name),
                    // Masked by the field, and by the column: a name column mapped to a coded
                    // field still holds names.
                    value: Some(if model::column_identifies(&self.headers[*index]) {
                        model::mask(None, raw)
                    } else {
                        model::mask(Some(field), raw)
                    }),
                    reason: problem.to_string(),
                }),
            }
        }
        for (field, value) in &self.mapping.constants {
            set(&mut record, field, value.clone());
        }
        if errors.is_empty()
            && let Err((name, problem)) = record.complete()
        {
            let column = self.columns.iter().find(|(_, f)| f.name == name).map(|(i, _)| self.headers[*i].clone());
            errors.push(RowError { row, column, field: Some(name), value: None, reason: problem.to_string() });
        }
        if errors.is_empty()
            && self.mapping.kind == model::RecordKind::Persons
            && let Some(Value::Text(id)) = record.get("source_id")
        {
            let id_error = |reason: String| RowError {
                row,
                column: self.columns.iter().find(|(_, f)| f.name == "source_id").map(|(i, _)| self.headers[*i].clone()),
                field: Some("source_id"),
                value: Some(model::mask(record.kind.field("source_id"), id)),
                reason,
            };
            if self.stored_ids.contains(id) {
                errors.push(id_error(
                    "source id already stored by an earlier submission of this source: send corrections with --replace"
                        .into(),
                ));
            } else if let Some(first) = self.seen_ids.get(id) {
                errors.push(id_error(format!("duplicate source id: already used in row {first} of this file")));
            } else {
                self.seen_ids.insert(id.clone(), row);
            }
        }
        if errors.is_empty() {
            Row::Good { row, record }
        } else {
            Row::Bad { row, errors, raw: RawRow::cells(&self.headers, cells) }
        }
    }
}

fn set(record: &mut Record, field: &Field, value: Value) {
    if let Some(i) = record.kind.fields().iter().position(|f| f.name == field.name) {
        record.values[i] = value;
    }
}

fn open_csv(path: &Path, mapping: &Mapping, limits: &Limits) -> Result<(Source, Vec<String>)> {
    refuse_utf16(path)?;
    let latin1 = mapping.encoding == Encoding::Latin1;
    let (csv, header) = CsvFile::open(path, mapping.delimiter, latin1, limits)?;
    let mut headers =
        decode_record(&header, mapping.encoding).map_err(|_| Error::HeaderEncoding { path: path.to_owned() })?;
    if let Some(first) = headers.first_mut() {
        *first = first.trim_start_matches('\u{feff}').to_owned();
    }
    check_headers(path, &headers, limits)?;
    Ok((Source::Csv(Box::new(csv)), headers))
}

/// Refuses UTF-16 text (a byte-order mark, or a zero byte in every other position of the first
/// bytes), which would otherwise be read as one odd column of mostly invalid text.
fn refuse_utf16(path: &Path) -> Result<()> {
    use std::io::Read as _;
    let mut start = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut start))
        .map_err(|source| Error::Io { path: path.to_owned(), source })?;
    let start = &start[..n];
    let bom = start.starts_with(&[0xFF, 0xFE]) || start.starts_with(&[0xFE, 0xFF]);
    let zeros_at = |parity: usize| start.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
    let half = n / 2;
    let unmarked = n >= 8 && (zeros_at(0) * 4 >= half * 3 || zeros_at(1) * 4 >= half * 3);
    if bom || unmarked {
        return Err(Error::Utf16 { path: path.to_owned() });
    }
    Ok(())
}

/// Refuses a header wider than the limit or with a column named twice (in linear time: a
/// header of 100,000 columns is refused at once, not after minutes of comparisons).
pub(crate) fn check_headers(path: &Path, headers: &[String], limits: &Limits) -> Result<()> {
    if headers.len() > limits.max_columns {
        return Err(Error::TooManyColumns { path: path.to_owned(), columns: headers.len(), max: limits.max_columns });
    }
    let mut seen: HashSet<&str> = HashSet::default();
    for h in headers {
        let name = h.trim();
        if !name.is_empty() && !seen.insert(name) {
            return Err(Error::DuplicateColumn { path: path.to_owned(), column: h.clone() });
        }
    }
    Ok(())
}

/// Decodes every cell; on failure returns the index of the first undecodable cell.
fn decode_record(record: &csv::ByteRecord, encoding: Encoding) -> std::result::Result<Vec<String>, usize> {
    record
        .iter()
        .enumerate()
        .map(|(i, bytes)| match encoding {
            Encoding::Utf8 => std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| i),
            Encoding::Latin1 => Ok(encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned()),
        })
        .collect()
}
