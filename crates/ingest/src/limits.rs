//! The limits that keep reading a hostile file bounded in memory and time. Each has a default
//! far above what a real agency file needs; a file that goes past one is refused (or, for a row,
//! quarantined) with an error that names the limit.

/// Bounds on what one file may ask of the reader (`[limits]` in `palermo.toml`; every key
/// optional, defaulting to the value below).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The longest row, in bytes (CSV): a longer row is quarantined with its first bytes.
    pub max_row_bytes: u64,
    /// The most lines one CSV row may span (quoted cells with line breaks): more means a quote
    /// was left open, and the row where it opened is quarantined.
    pub max_row_lines: u64,
    /// The most columns a header may have (16,384 is a spreadsheet's widest, column `XFD`).
    pub max_columns: usize,
    /// The most rows a spreadsheet's declared dimension may have (1,048,576 is a spreadsheet's
    /// tallest).
    pub max_rows: u64,
    /// The most non-empty cells a spreadsheet may hold.
    pub max_cells: u64,
    /// The most bytes a part of a workbook (a sheet, the shared strings) may decompress to.
    pub max_decompressed_bytes: u64,
    // JSON nesting is bounded by serde_json's own limit (128 levels).
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_row_bytes: 16 << 20,
            max_row_lines: 100,
            max_columns: 16_384,
            max_rows: 1 << 20,
            max_cells: 50_000_000,
            max_decompressed_bytes: 1 << 30,
        }
    }
}
