//! The agency side of privacy-preserving linkage: `palermo encode` turns a CSV of identifying
//! fields into Bloom-filter encodings (CLKs, clkhash's JSON format) on the agency's own machine.
//! Only the encodings leave it.

use std::path::Path;

use crate::{Error, Result};

/// Where `palermo demo` writes the demo's linkage schema, relative to the observatory folder.
pub const DEMO_SCHEMA_FILE: &str = "encoding/schema.json";

/// The demo's linkage schema (clkhash v3): given and family names as bigrams, the birth date
/// (ISO, or a bare year) as positional characters, one 1,024-bit CLK per record. An agency's
/// input CSV has these three columns; every value is prepared ([`crate::encoded::prepare`]) as
/// the hub prepares the named sources'.
pub const DEMO_SCHEMA: &str = r#"{
  "version": 3,
  "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
  "features": [
    {"identifier": "given_name", "format": {"type": "string"},
     "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerFeature": 200}}},
    {"identifier": "family_name", "format": {"type": "string"},
     "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerFeature": 200}}},
    {"identifier": "date_of_birth", "format": {"type": "string"},
     "hashing": {"comparison": {"type": "ngram", "n": 1, "positional": true}, "strategy": {"bitsPerFeature": 150}}}
  ]
}
"#;

/// Encodes every row of `file` (CSV with a header that matches the schema's features) with the
/// linkage schema and the shared secret; returns clkhash's `{"clks": [...]}` JSON and the count.
pub fn encode_file(schema: &Path, secret_file: &Path, file: &Path) -> Result<(String, usize)> {
    let read = |path: &Path| std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), source });
    let schema_text = String::from_utf8(read(schema)?)
        .map_err(|_| Error::Settings { path: schema.to_owned(), reason: "the schema is not UTF-8 text".into() })?;
    let schema_value = clk::Schema::parse(&schema_text)
        .map_err(|e| Error::Settings { path: schema.to_owned(), reason: e.to_string() })?;
    let secret_bytes = read(secret_file)?;
    let secret = clk::secret_from_file(&secret_bytes);
    if secret.is_empty() {
        return Err(Error::Settings { path: secret_file.to_owned(), reason: "the secret file is empty".into() });
    }
    let mut reader = csv::Reader::from_path(file).map_err(|e| Error::Settings {
        path: file.to_owned(),
        reason: format!("not readable as CSV: {}", csv_kind(&e)),
    })?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Settings { path: file.to_owned(), reason: format!("header: {}", csv_kind(&e)) })?
        .iter()
        .map(str::to_owned)
        .collect();
    schema_value.check_header(&header).map_err(|e| Error::Settings { path: file.to_owned(), reason: e.to_string() })?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // The row number is reported, never the row's content.
        let record = record.map_err(|e| Error::Settings {
            path: file.to_owned(),
            reason: format!("row {}: {}", i + 2, csv_kind(&e)),
        })?;
        // Prepared as the hub prepares the named sources' values, so that both encode one text.
        rows.push(record.iter().map(crate::encoded::prepare).collect::<Vec<String>>());
    }
    let clks = clk::encode(&schema_value, secret, &rows)
        .map_err(|e| Error::Settings { path: file.to_owned(), reason: e.to_string() })?;
    Ok((clk::clks_to_json(&clks), clks.len()))
}

fn csv_kind(e: &csv::Error) -> &'static str {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "bytes that are not valid UTF-8",
        csv::ErrorKind::UnequalLengths { .. } => "a row with a different number of fields than the header",
        csv::ErrorKind::Io(_) => "the file could not be read",
        _ => "malformed CSV",
    }
}
