//! Readers for the formats that are not CSV: XLSX workbooks (through calamine) and JSON documents
//! (an array of flat objects, or `{"records": [...]}`), each streamed on a thread of its own.

use std::path::Path;

use calamine::{Data, Reader};

use crate::limits::Limits;
use crate::mapping::Mapping;
use crate::reader::{Loaded, RawRow, check_headers};
use crate::{Error, Result};

/// What the XLSX reading thread hands over: the header first, then rows.
pub(crate) type Streamed = Result<(u64, Loaded)>;

/// Rows waiting between the reading thread and the importer.
const STREAM_ROWS: usize = 256;

/// Opens the mapping's sheet (default: the first) and streams it, on a thread of its own, as a
/// header and rows of text cells; nothing is held in memory but the workbook's shared strings and
/// the rows in flight. Before calamine reads anything, every part of the workbook is checked
/// against [`Limits::max_decompressed_bytes`] (zip bombs), and the declared dimensions and the
/// number of cells are checked as the sheet is read. Cells that the spreadsheet stores as dates
/// are written back in the mapping's date format for the field of their column, so they validate
/// like text dates.
pub(crate) fn open_xlsx(
    path: &Path,
    mapping: &Mapping,
    limits: &Limits,
) -> Result<(Vec<String>, std::sync::mpsc::Receiver<Streamed>)> {
    check_zip(path, limits)?;
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Streamed>(STREAM_ROWS);
    let (path_owned, mapping_owned, limits_owned) = (path.to_owned(), mapping.clone(), *limits);
    std::thread::spawn(move || {
        if let Err(e) = stream_xlsx(&path_owned, &mapping_owned, &limits_owned, &sender) {
            let _ = sender.send(Err(e));
        }
    });
    // The first message is the header (row 0), or why there is none.
    match receiver.recv() {
        Ok(Ok((_, Loaded::Cells(headers)))) => {
            check_headers(path, &headers, limits)?;
            Ok((headers, receiver))
        }
        Ok(Err(e)) => Err(e),
        Ok(Ok(_)) | Err(_) => Err(Error::EmptyFile { path: path.to_owned() }),
    }
}

/// Refuses a workbook that is not a zip archive, or one of whose parts would decompress past the
/// limit; and one whose shared-strings table declares more strings than it can hold (calamine
/// reserves memory for the declared count before reading them).
fn check_zip(path: &Path, limits: &Limits) -> Result<()> {
    let bad = |reason: String| Error::Spreadsheet { path: path.to_owned(), reason };
    let file = std::fs::File::open(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| bad(format!("not an XLSX workbook (a zip archive): {e}")))?;
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i).map_err(|e| bad(format!("part {i} of the archive: {e}")))?;
        if part.size() > limits.max_decompressed_bytes {
            return Err(bad(format!(
                "part `{}` decompresses to {} bytes, more than the limit of {} (`max_decompressed_bytes`)",
                part.name().map_or_else(|_| format!("#{i}"), |n| n.into_owned()),
                part.size(),
                limits.max_decompressed_bytes
            )));
        }
    }
    if let Ok(part) = archive.by_name("xl/sharedStrings.xml") {
        let size = part.size();
        let mut head = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(part, 4096), &mut head)
            .map_err(|e| bad(format!("part `xl/sharedStrings.xml`: {e}")))?;
        let text = String::from_utf8_lossy(&head);
        let declared = text.split("uniqueCount=\"").nth(1).and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok()
        });
        // Each string takes at least `<si/>`: five bytes.
        if let Some(count) = declared
            && (count > size / 5 + 1 || count > limits.max_cells)
        {
            return Err(bad(format!(
                "the shared strings declare {count} strings, more than their {size} bytes can hold or the limit of {} cells (`max_cells`)",
                limits.max_cells
            )));
        }
    }
    Ok(())
}

fn stream_xlsx(
    path: &Path,
    mapping: &Mapping,
    limits: &Limits,
    sender: &std::sync::mpsc::SyncSender<Streamed>,
) -> Result<()> {
    let bad = |reason: String| Error::Spreadsheet { path: path.to_owned(), reason };
    let mut workbook: calamine::Xlsx<std::io::BufReader<std::fs::File>> =
        calamine::open_workbook(path).map_err(|e: calamine::XlsxError| bad(e.to_string()))?;
    let sheet = match &mapping.sheet {
        Some(name) => name.clone(),
        None => workbook.sheet_names().first().cloned().ok_or_else(|| bad("the workbook has no sheet".into()))?,
    };
    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(|e| bad(format!("sheet `{sheet}`: {e}")))?;
    let dimensions = cells.dimensions();
    let (rows, columns) = (u64::from(dimensions.end.0) + 1, dimensions.end.1 as usize + 1);
    if rows > limits.max_rows || columns > limits.max_columns {
        return Err(bad(format!(
            "sheet `{sheet}` declares {rows} rows and {columns} columns, more than the limits of {} rows (`max_rows`) and {} columns (`max_columns`)",
            limits.max_rows, limits.max_columns
        )));
    }
    // Columns are counted from the first one the sheet declares.
    let first_column = dimensions.start.1 as usize;
    let mut formats: Vec<String> = Vec::new();
    let mut header: Option<Vec<String>> = None;
    let mut row: Vec<String> = Vec::new();
    let mut row_index: Option<u32> = None;
    let mut n_cells = 0u64;
    // Sends the row in hand: the first non-empty one is the header; the others are padded to
    // its width (cells beyond it make the row ragged, so it is quarantined whole).
    let flush = |row_index: u32, row: &mut Vec<String>, header: &mut Option<Vec<String>>, formats: &mut Vec<String>| {
        let mut cells = std::mem::take(row);
        if cells.iter().all(|c| c.trim().is_empty()) {
            return true;
        }
        let message = match header {
            None => {
                let names: Vec<String> = cells.iter().map(|c| c.trim().to_owned()).collect();
                *formats = names
                    .iter()
                    .map(|h| {
                        let field = mapping.columns.iter().find(|(c, _)| c.trim() == h).map_or("", |(_, f)| f.name);
                        mapping.date_format(field).to_owned()
                    })
                    .collect();
                *header = Some(names.clone());
                (0, Loaded::Cells(names))
            }
            Some(names) => {
                if cells.len() < names.len() {
                    cells.resize(names.len(), String::new());
                }
                // Spreadsheet row numbers count from 1.
                (u64::from(row_index) + 1, Loaded::Cells(cells))
            }
        };
        sender.send(Ok(message)).is_ok()
    };
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => return Err(bad(format!("sheet `{sheet}`: {e}"))),
        };
        let (r, c) = cell.get_position();
        n_cells += 1;
        if n_cells > limits.max_cells {
            return Err(bad(format!("sheet `{sheet}` has more than {} cells (`max_cells`)", limits.max_cells)));
        }
        let Some(column) = (c as usize).checked_sub(first_column) else { continue };
        if column >= limits.max_columns {
            return Err(bad(format!(
                "sheet `{sheet}` has a cell in column {}, beyond the limit of {} columns (`max_columns`)",
                c as usize + 1,
                limits.max_columns
            )));
        }
        if row_index != Some(r) {
            if let Some(previous) = row_index
                && !flush(previous, &mut row, &mut header, &mut formats)
            {
                return Ok(());
            }
            row_index = Some(r);
        }
        let value = Data::from(cell.get_value().clone());
        if value == Data::Empty {
            continue;
        }
        if row.len() <= column {
            row.resize(column + 1, String::new());
        }
        let format = formats.get(column).map_or("%Y-%m-%d", String::as_str);
        row[column] = cell_text(&value, if header.is_some() { format } else { "%Y-%m-%d" });
    }
    if let Some(previous) = row_index {
        flush(previous, &mut row, &mut header, &mut formats);
    }
    if header.is_none() {
        return Err(Error::EmptyFile { path: path.to_owned() });
    }
    Ok(())
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

/// Opens a JSON document of flat records (an array of objects, or `{"records": [...]}`) and
/// streams its records on a thread of its own, in two linear passes: the first, here, checks the
/// document and collects the keys the mapping does not use (at most
/// [`Limits::max_columns`] distinct keys; values are skipped, not kept); the second parses one
/// record at a time. Memory is one record and the rows in flight, whatever the document's size
/// or number of keys. A record's cells are the mapping's columns; arrays in a cell are joined with
/// `;`, nested objects kept as JSON text; a record that is not an object is refused with its text.
pub(crate) fn open_json(
    path: &Path,
    mapping: &Mapping,
    limits: &Limits,
) -> Result<(Vec<String>, Vec<String>, std::sync::mpsc::Receiver<Streamed>)> {
    let headers: Vec<String> = mapping.columns.iter().map(|(c, _)| c.clone()).collect();
    let mut keys = KeyCollector {
        known: headers.iter().cloned().collect(),
        extra: Vec::new(),
        max_keys: limits.max_columns,
        too_many: false,
        records: 0,
    };
    parse_json(path, &mut keys).map_err(|e| json_error(path, &e, keys.too_many, limits))?;
    if keys.records == 0 {
        return Err(Error::EmptyFile { path: path.to_owned() });
    }
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Streamed>(STREAM_ROWS);
    let (path_owned, headers_owned, limits_owned) = (path.to_owned(), headers.clone(), *limits);
    std::thread::spawn(move || {
        let mut records = RecordSender { headers: headers_owned, sender: sender.clone(), row: 0, stopped: false };
        if let Err(e) = parse_json(&path_owned, &mut records)
            && !records.stopped
        {
            let _ = sender.send(Err(json_error(&path_owned, &e, false, &limits_owned)));
        }
    });
    Ok((headers, keys.extra, receiver))
}

/// A file-level JSON error that never quotes the document: serde_json's syntax messages name
/// only the line and column; its data messages may quote a value, so they are replaced.
fn json_error(path: &Path, e: &serde_json::Error, too_many: bool, limits: &Limits) -> Error {
    use serde_json::error::Category;
    let reason = match e.classify() {
        _ if too_many => format!(
            "the records have more than {} distinct keys, the limit of columns (`max_columns`)",
            limits.max_columns
        ),
        Category::Io => format!("the file could not be read (line {}, column {})", e.line(), e.column()),
        Category::Syntax | Category::Eof => {
            let mut text = e.to_string();
            if text.contains("recursion limit") {
                text.push_str(": values are nested too deeply (records must be flat objects)");
            }
            text
        }
        Category::Data => format!(
            "line {}, column {}: expected an array of records, or an object with a `records` array",
            e.line(),
            e.column()
        ),
    };
    Error::Json { path: path.to_owned(), reason }
}

/// What is done with each record of the document as it is parsed.
trait RecordHandler {
    fn record<'de, D: serde::Deserializer<'de>>(&mut self, record: D) -> std::result::Result<(), D::Error>;
}

fn parse_json(path: &Path, handler: &mut impl RecordHandler) -> std::result::Result<(), serde_json::Error> {
    use serde::de::DeserializeSeed;
    let file = std::fs::File::open(path).map_err(serde_json::Error::io)?;
    let mut deserializer = serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, file));
    Top(handler).deserialize(&mut deserializer)?;
    deserializer.end()
}

/// The document: an array of records, or an object whose `records` member is one.
struct Top<'h, H>(&'h mut H);

impl<'de, H: RecordHandler> serde::de::DeserializeSeed<'de> for Top<'_, H> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, H: RecordHandler> serde::de::Visitor<'de> for Top<'_, H> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of records, or an object with a `records` array")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(Record(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'_, str>>()? {
            if key == "records" && !found {
                map.next_value_seed(Records(&mut *self.0))?;
                found = true;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if found { Ok(()) } else { Err(serde::de::Error::custom("no `records` array")) }
    }
}

/// The `records` member: it must be an array.
struct Records<'h, H>(&'h mut H);

impl<'de, H: RecordHandler> serde::de::DeserializeSeed<'de> for Records<'_, H> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_seq(Top(self.0))
    }
}

struct Record<'h, H>(&'h mut H);

impl<'de, H: RecordHandler> serde::de::DeserializeSeed<'de> for Record<'_, H> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> std::result::Result<(), D::Error> {
        self.0.record(deserializer)
    }
}

/// The first pass: counts records and collects the keys the mapping does not name, skipping
/// values.
struct KeyCollector {
    known: foldhash::HashSet<String>,
    extra: Vec<String>,
    max_keys: usize,
    too_many: bool,
    records: u64,
}

impl RecordHandler for KeyCollector {
    fn record<'de, D: serde::Deserializer<'de>>(&mut self, record: D) -> std::result::Result<(), D::Error> {
        self.records += 1;
        record.deserialize_any(Keys(self))
    }
}

struct Keys<'k>(&'k mut KeyCollector);

impl<'de> serde::de::Visitor<'de> for Keys<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a record")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'_, str>>()? {
            if !self.0.known.contains(key.as_ref()) {
                if self.0.known.len() >= self.0.max_keys {
                    self.0.too_many = true;
                    return Err(serde::de::Error::custom("too many keys"));
                }
                self.0.known.insert(key.to_string());
                self.0.extra.push(key.into_owned());
            }
            map.next_value::<serde::de::IgnoredAny>()?;
        }
        Ok(())
    }
    // A record that is not an object is refused in the second pass, row by row.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }
}

/// The second pass: each record becomes a row of the mapping's columns and goes to the reader.
struct RecordSender {
    headers: Vec<String>,
    sender: std::sync::mpsc::SyncSender<Streamed>,
    row: u64,
    /// The reader hung up: parsing stops without an error.
    stopped: bool,
}

impl RecordHandler for RecordSender {
    fn record<'de, D: serde::Deserializer<'de>>(&mut self, record: D) -> std::result::Result<(), D::Error> {
        use serde::Deserialize;
        let value = serde_json::Value::deserialize(record)?;
        self.row += 1;
        let loaded = match &value {
            serde_json::Value::Object(map) => {
                Loaded::Json { cells: self.headers.iter().map(|h| json_cell(map.get(h))).collect(), record: value }
            }
            other => {
                let text = other.to_string();
                Loaded::Broken {
                    reason: "the record is not an object of fields".into(),
                    raw: RawRow::from_bytes(None, text.as_bytes(), text.len() as u64, false, false),
                }
            }
        };
        if self.sender.send(Ok((self.row, loaded))).is_err() {
            self.stopped = true;
            return Err(serde::de::Error::custom("the reader stopped"));
        }
        Ok(())
    }
}

fn json_cell(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(items)) => {
            items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect::<Vec<_>>().join(";")
        }
        Some(other) => other.to_string(),
    }
}
