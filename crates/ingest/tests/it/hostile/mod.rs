//! Hostile and broken agency files. Every test caps the process's memory first (so a reader that
//! asks for gigabytes fails the suite instead of the machine) and reads a small generated file.

mod csv;
mod fuzz;
mod json;
mod xlsx;

use std::path::{Path, PathBuf};

use ingest::{FileReader, Limits, Mapping, RawRow, Row, RowError};

/// The memory the test process may map for its data (heap and anonymous mappings): far below
/// any machine's, far above what reading these files needs.
const MEMORY_CAP: u64 = 1 << 30;

/// Caps the process's data memory (`RLIMIT_DATA`), once.
pub fn cap_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let hard = getrlimit(Resource::Data).maximum;
        let cap = hard.map_or(MEMORY_CAP, |h| h.min(MEMORY_CAP));
        setrlimit(Resource::Data, Rlimit { current: Some(cap), maximum: hard }).expect("setrlimit");
    });
}

pub const MAPPING: &str = r#"
[columns]
"id" = "source_id"
"year" = "year"
"sex" = "sex"
"name" = "given_name"
[constants]
role = "victim_identified"
country_of_exploitation = "XDL"
"#;

pub fn mapping() -> Mapping {
    Mapping::parse("mapping.toml", MAPPING).expect("mapping")
}

pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2025, 6, 1).expect("date")
}

/// Writes `contents` to a file named `name` in `dir`.
pub fn write(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write file");
    path
}

/// What reading a whole file gave.
#[derive(Debug, Default)]
pub struct Read {
    /// Row numbers of the good rows.
    pub good: Vec<u64>,
    /// (row, errors, raw) of the refused rows.
    pub bad: Vec<(u64, Vec<RowError>, RawRow)>,
}

impl Read {
    pub fn bad_rows(&self) -> Vec<u64> {
        self.bad.iter().map(|b| b.0).collect()
    }

    /// The first error of refused row `row`.
    pub fn error(&self, row: u64) -> &RowError {
        let (_, errors, _) = self.bad.iter().find(|b| b.0 == row).unwrap_or_else(|| panic!("row {row} not refused"));
        &errors[0]
    }

    pub fn raw(&self, row: u64) -> &RawRow {
        &self.bad.iter().find(|b| b.0 == row).unwrap_or_else(|| panic!("row {row} not refused")).2
    }
}

/// Reads a whole file, or gives the file-level error.
pub fn read(path: &Path, mapping: &Mapping, limits: &Limits) -> Result<Read, ingest::Error> {
    cap_memory();
    let mut reader = FileReader::open_with_limits(path, mapping, today(), limits)?;
    let mut read = Read::default();
    while let Some(row) = reader.next_row() {
        match row? {
            Row::Good { row, .. } => read.good.push(row),
            Row::Bad { row, errors, raw } => read.bad.push((row, errors, raw)),
        }
    }
    Ok(read)
}

/// The bytes a [`RawRow::Bytes`] keeps.
pub fn raw_bytes(raw: &RawRow) -> Vec<u8> {
    use base64::Engine;
    match raw {
        RawRow::Bytes(b) => match (&b.text, &b.base64) {
            (Some(text), _) => text.as_bytes().to_vec(),
            (None, Some(encoded)) => base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64"),
            (None, None) => Vec::new(),
        },
        RawRow::Cells(_) => panic!("expected bytes, got cells: {raw:?}"),
    }
}
