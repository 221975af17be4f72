//! CSV reading that survives hostile files. A row is at most [`Limits::max_row_bytes`] long, so
//! memory stays bounded whatever the file holds; and a quoted cell left open does not swallow the
//! rows after it: the row where the quote opened is refused (with its bytes) and reading resumes
//! at the next line.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::limits::Limits;
use crate::reader::RawRow;
use crate::{Error, Result};

/// The CSV reader's own buffer. A row's bytes in memory are at most the limit plus twice this.
const BUFFER: usize = 1 << 16;

/// What reading the next CSV row gave.
pub(crate) enum CsvRow {
    /// A well-formed record; its cells are in [`CsvFile::record`].
    Record,
    /// A row that could not be split into cells: the column where the trouble started, why, and
    /// the row's bytes (its first line, for a quote left open).
    Broken { column: Option<usize>, reason: String, raw: RawRow },
}

/// A CSV file being read row by row.
pub(crate) struct CsvFile {
    path: PathBuf,
    reader: csv::Reader<Guard>,
    pub(crate) record: csv::ByteRecord,
    /// A second handle on the file, to read a row's bytes back (refused rows, quotes left open).
    file: File,
    /// Where the last record read starts and ends (bytes).
    span: (u64, u64),
    total_bytes: u64,
    delimiter: u8,
    latin1: bool,
    limits: Limits,
}

/// The file under the CSV reader: counts the bytes handed over and refuses to hand more once the
/// row being read is longer than the limit (so the reader's record buffer cannot grow further).
struct Guard {
    file: File,
    offset: u64,
    row_start: Cell<u64>,
    max_row_bytes: u64,
    tripped: Cell<bool>,
}

impl Read for Guard {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // The reader is at most BUFFER bytes behind what it was handed.
        if self.offset.saturating_sub(self.row_start.get()) > self.max_row_bytes.saturating_add(BUFFER as u64) {
            self.tripped.set(true);
            return Err(io::Error::other("row over the size limit"));
        }
        let n = self.file.read(buf)?;
        self.offset += n as u64;
        Ok(n)
    }
}

impl Seek for Guard {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.offset = self.file.seek(pos)?;
        Ok(self.offset)
    }
}

impl CsvFile {
    /// Opens a CSV file and reads its header (bytes, undecoded).
    pub(crate) fn open(
        path: &Path,
        delimiter: u8,
        latin1: bool,
        limits: &Limits,
    ) -> Result<(CsvFile, csv::ByteRecord)> {
        let io = |source| Error::Io { path: path.to_owned(), source };
        let file = File::open(path).map_err(io)?;
        let total_bytes = file.metadata().map_err(io)?.len();
        let guard = Guard {
            file,
            offset: 0,
            row_start: Cell::new(0),
            max_row_bytes: limits.max_row_bytes,
            tripped: Cell::new(false),
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .buffer_capacity(BUFFER)
            .from_reader(guard);
        let header = reader.byte_headers().cloned();
        let header = match header {
            Ok(header) => header,
            Err(_) if reader.get_ref().tripped.get() => {
                return Err(Error::Csv {
                    path: path.to_owned(),
                    reason: format!(
                        "the header is longer than the limit of {} bytes (`max_row_bytes`): a quote may be left open, or the file is not CSV",
                        limits.max_row_bytes
                    ),
                });
            }
            Err(e) => return Err(Error::Csv { path: path.to_owned(), reason: csv_reason(&e) }),
        };
        let second = File::open(path).map_err(io)?;
        let csv = CsvFile {
            path: path.to_owned(),
            reader,
            record: csv::ByteRecord::new(),
            file: second,
            span: (0, 0),
            total_bytes,
            delimiter,
            latin1,
            limits: *limits,
        };
        Ok((csv, header))
    }

    /// Bytes read so far.
    pub(crate) fn position(&self) -> u64 {
        self.reader.position().byte()
    }

    /// The next row; `None` at the end of the file. `columns` is the header's number of columns.
    pub(crate) fn next(&mut self, columns: usize) -> Option<Result<CsvRow>> {
        let start = self.reader.position().clone();
        self.reader.get_ref().row_start.set(start.byte());
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let end = self.reader.position().clone();
                self.span = (start.byte(), end.byte());
                // A record spans several lines only when a quoted cell holds a line break.
                let lines = end.line().saturating_sub(start.line());
                let multi_line = lines > 1
                    || (lines == 1 && end.byte() >= self.total_bytes && self.record.as_slice().contains(&b'\n'));
                if !multi_line {
                    return Some(Ok(CsvRow::Record));
                }
                Some(self.check_multi_line(&start, lines, columns))
            }
            Err(_) if self.reader.get_ref().tripped.get() => {
                self.reader.get_ref().tripped.set(false);
                Some(self.too_long(&start))
            }
            Err(e) => Some(Err(match e.into_kind() {
                csv::ErrorKind::Io(source) => Error::Io { path: self.path.clone(), source },
                other => Error::Csv { path: self.path.clone(), reason: format!("malformed CSV ({other:?})") },
            })),
        }
    }

    /// A record over several lines is kept when its quotes close and it has the header's number of
    /// fields within the line limit; otherwise a quote was left open: its first line is refused
    /// and reading resumes at the next line.
    fn check_multi_line(&mut self, start: &csv::Position, lines: u64, columns: usize) -> Result<CsvRow> {
        let (from, to) = self.span;
        let bytes = self.read_at(from, to - from)?;
        let open_at_end = open_quoted_cell(&bytes, self.delimiter).is_some();
        let reason = if open_at_end {
            "a quoted cell opened in this row is not closed before the end of the file".to_owned()
        } else if lines > self.limits.max_row_lines {
            format!(
                "a quoted cell opened in this row runs over {lines} lines, more than the limit of {} (`max_row_lines`): a quote is probably left open",
                self.limits.max_row_lines
            )
        } else if self.record.len() != columns {
            format!(
                "a quoted cell opened in this row runs over {lines} lines and leaves {} fields where the header has {columns}: a quote is probably left open",
                self.record.len()
            )
        } else {
            return Ok(CsvRow::Record);
        };
        let first_line = match bytes.iter().position(|&b| b == b'\n') {
            Some(i) => &bytes[..=i],
            None => &bytes[..],
        };
        let column = open_quoted_cell(first_line, self.delimiter);
        let raw = self.raw_bytes(from, first_line, first_line.len() as u64, false);
        self.resume_at(from + first_line.len() as u64, start)?;
        Ok(CsvRow::Broken { column, reason, raw })
    }

    /// A row over the size limit: its first line is refused (its first `max_row_bytes` bytes kept)
    /// and reading resumes at the next line.
    fn too_long(&mut self, start: &csv::Position) -> Result<CsvRow> {
        let from = start.byte();
        let max = self.limits.max_row_bytes;
        // The first line, kept up to the limit, then scanned for its end without keeping it.
        self.file.seek(SeekFrom::Start(from)).map_err(|source| Error::Io { path: self.path.clone(), source })?;
        let mut kept = Vec::new();
        let mut length = 0u64;
        let mut buf = vec![0u8; BUFFER];
        'scan: loop {
            let n = self.file.read(&mut buf).map_err(|source| Error::Io { path: self.path.clone(), source })?;
            if n == 0 {
                break;
            }
            for (i, &b) in buf[..n].iter().enumerate() {
                if b == b'\n' {
                    let keep = (i + 1).min(max.saturating_sub(length) as usize);
                    kept.extend_from_slice(&buf[..keep]);
                    length += i as u64 + 1;
                    break 'scan;
                }
            }
            let keep = n.min(max.saturating_sub(length) as usize);
            kept.extend_from_slice(&buf[..keep]);
            length += n as u64;
        }
        self.span = (from, from + length);
        let column = open_quoted_cell(&kept, self.delimiter);
        let reason = match column {
            Some(_) => format!(
                "a quoted cell opened in this row runs past the limit of {max} bytes for a row (`max_row_bytes`): a quote is probably left open"
            ),
            None => format!("the row is {length} bytes long, more than the limit of {max} (`max_row_bytes`)"),
        };
        let truncated = length > kept.len() as u64;
        let raw = self.raw_bytes(from, &kept, length, truncated);
        self.resume_at(from + length, start)?;
        Ok(CsvRow::Broken { column, reason, raw })
    }

    /// The bytes of the last record read, as the quarantine keeps them.
    pub(crate) fn raw_record(&mut self) -> Result<RawRow> {
        let (from, to) = self.span;
        let bytes = self.read_at(from, to - from)?;
        Ok(self.raw_bytes(from, &bytes, to - from, false))
    }

    fn raw_bytes(&self, offset: u64, bytes: &[u8], length: u64, truncated: bool) -> RawRow {
        RawRow::from_bytes(Some(offset), bytes, length, truncated, self.latin1)
    }

    fn read_at(&mut self, from: u64, length: u64) -> Result<Vec<u8>> {
        let io = |source| Error::Io { path: self.path.clone(), source };
        self.file.seek(SeekFrom::Start(from)).map_err(io)?;
        let mut bytes = Vec::new();
        (&mut self.file).take(length).read_to_end(&mut bytes).map_err(io)?;
        Ok(bytes)
    }

    /// Resumes reading at byte `next`, the start of the line after the one `start` is on.
    fn resume_at(&mut self, next: u64, start: &csv::Position) -> Result<()> {
        let mut position = csv::Position::new();
        position.set_byte(next).set_line(start.line() + 1).set_record(start.record() + 1);
        self.reader
            .seek_raw(SeekFrom::Start(next), position)
            .map_err(|e| Error::Csv { path: self.path.clone(), reason: csv_reason(&e) })
    }
}

/// The index of the cell whose quote is still open at the end of `bytes`, read as csv-core reads
/// them: a quote opens a cell only at its start, and a doubled quote inside is a literal quote.
pub(crate) fn open_quoted_cell(bytes: &[u8], delimiter: u8) -> Option<usize> {
    let (mut cell, mut at_cell_start, mut in_quotes, mut after_quote) = (0usize, true, false, false);
    for &b in bytes {
        if in_quotes {
            if b == b'"' {
                in_quotes = false;
                after_quote = true;
            }
            continue;
        }
        if after_quote && b == b'"' {
            in_quotes = true;
            after_quote = false;
            continue;
        }
        after_quote = false;
        if at_cell_start && b == b'"' {
            in_quotes = true;
            at_cell_start = false;
            continue;
        }
        if b == delimiter {
            cell += 1;
            at_cell_start = true;
        } else if b == b'\n' || b == b'\r' {
            cell = 0;
            at_cell_start = true;
        } else {
            at_cell_start = false;
        }
    }
    in_quotes.then_some(cell)
}

pub(crate) fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(_) => "the file could not be read".into(),
        csv::ErrorKind::Utf8 { .. } => "bytes that are not valid UTF-8".into(),
        csv::ErrorKind::UnequalLengths { .. } => "ragged line".into(),
        _ => "malformed CSV".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::open_quoted_cell;

    #[test]
    fn open_quotes_are_found_as_csv_core_reads_them() {
        assert_eq!(open_quoted_cell(b"a,b,c\n", b','), None);
        assert_eq!(open_quoted_cell(b"a,\"b\nc", b','), Some(1));
        assert_eq!(open_quoted_cell(b"a,\"b\"\"c\",d\n", b','), None);
        assert_eq!(open_quoted_cell(b"a,b\"c,d\n", b','), None);
        assert_eq!(open_quoted_cell(b"a;b;\"c", b';'), Some(2));
        assert_eq!(open_quoted_cell(b"\"a\"x,\"", b','), Some(1));
    }
}
