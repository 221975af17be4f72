//! Readers for the formats that are read whole: XLSX workbooks (through calamine) and JSON
//! documents (an array of flat objects, or `{"records": [...]}`).

use std::path::Path;

use calamine::{Data, Reader};

use crate::limits::Limits;
use crate::mapping::Mapping;
use crate::reader::{Loaded, RawRow, check_headers};
use crate::{Error, Result};

type Rows = Vec<(u64, Loaded)>;

/// Reads the mapping's sheet (default: the first) into a header and rows of text cells. Cells that
/// the spreadsheet stores as dates are written back in the mapping's date format for the field
/// of their column, so they validate like text dates.
pub(crate) fn read_xlsx(path: &Path, mapping: &Mapping, limits: &Limits) -> Result<(Vec<String>, Rows)> {
    let bad = |reason: String| Error::Spreadsheet { path: path.to_owned(), reason };
    let mut workbook = calamine::open_workbook_auto(path).map_err(|e| bad(e.to_string()))?;
    let sheet = match &mapping.sheet {
        Some(name) => name.clone(),
        None => workbook.sheet_names().first().cloned().ok_or_else(|| bad("the workbook has no sheet".into()))?,
    };
    let range = workbook.worksheet_range(&sheet).map_err(|e| bad(format!("sheet `{sheet}`: {e}")))?;
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(Error::EmptyFile { path: path.to_owned() });
    };
    let headers: Vec<String> = header.iter().map(|c| c.to_string().trim().to_owned()).collect();
    check_headers(path, &headers, limits)?;
    let formats: Vec<String> = headers
        .iter()
        .map(|h| {
            let field = mapping.columns.iter().find(|(c, _)| c.trim() == h).map_or("", |(_, f)| f.name);
            mapping.date_format(field).to_owned()
        })
        .collect();
    let first_row = range.start().map_or(0, |(r, _)| u64::from(r));
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| cell_text(cell, formats.get(c).map_or("%Y-%m-%d", String::as_str)))
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        // Spreadsheet row numbers: the header is row first_row + 1.
        out.push((first_row + i as u64 + 2, Loaded::Cells(cells)));
    }
    Ok((headers, out))
}

fn cell_text(cell: &Data, date_format: &str) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) => dt.format(date_format).to_string(),
            None => d.to_string(),
        },
        other => other.to_string(),
    }
}

/// Reads a JSON document of flat records. Arrays in a cell are joined with `;`; nested objects are
/// refused row by row (as a ragged row would be), so one bad record does not refuse the file.
pub(crate) fn read_json(path: &Path, mapping: &Mapping, _limits: &Limits) -> Result<(Vec<String>, Rows)> {
    let bad = |reason: String| Error::Json { path: path.to_owned(), reason };
    let text = std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    let doc: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
        bad(format!("line {}, column {}: {}", e.line(), e.column(), format!("{:?} error", e.classify()).to_lowercase()))
    })?;
    let records = match doc {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map) => match map.remove("records") {
            Some(serde_json::Value::Array(items)) => items,
            _ => return Err(bad("expected an array of records, or an object with a `records` array".into())),
        },
        _ => return Err(bad("expected an array of records, or an object with a `records` array".into())),
    };
    if records.is_empty() {
        return Err(Error::EmptyFile { path: path.to_owned() });
    }
    // The header is the mapping's columns, then any other key in order of first appearance.
    let mut headers: Vec<String> = mapping.columns.iter().map(|(c, _)| c.clone()).collect();
    for record in &records {
        if let serde_json::Value::Object(map) = record {
            for key in map.keys() {
                if !headers.contains(key) {
                    headers.push(key.clone());
                }
            }
        }
    }
    let mut rows = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        let cells = match record {
            serde_json::Value::Object(map) => Loaded::Cells(
                headers
                    .iter()
                    .map(|h| match map.get(h) {
                        None | Some(serde_json::Value::Null) => String::new(),
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(serde_json::Value::Array(items)) => items
                            .iter()
                            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                            .collect::<Vec<_>>()
                            .join(";"),
                        Some(other) => other.to_string(),
                    })
                    .collect(),
            ),
            // A record that is not an object: refused, its JSON text kept.
            other => {
                let text = other.to_string();
                Loaded::Broken {
                    reason: "the record is not an object of fields".into(),
                    raw: RawRow::from_bytes(None, text.as_bytes(), text.len() as u64, false, false),
                }
            }
        };
        rows.push((i as u64 + 1, cells));
    }
    Ok((headers, rows))
}
