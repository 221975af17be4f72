//! Integration tests of the demo simulator: determinism, files against the truth, mappings
//! against the schema contract, detection behaviour (incl. an MSE sanity check) and privacy.

mod detection;
mod files;
mod mappings;
mod mse;
mod noise;
mod privacy;

use std::sync::OnceLock;

/// The default demo, simulated once for the whole test binary.
pub(crate) fn default_demo() -> &'static sim::Demo {
    static DEMO: OnceLock<sim::Demo> = OnceLock::new();
    DEMO.get_or_init(|| sim::simulate(&sim::SimConfig::default()).expect("the default demo simulates"))
}

/// Reads a delimited file into header + rows (ragged rows allowed).
pub(crate) fn read_delimited(bytes: &[u8], delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(bytes);
    let header = reader.headers().expect("header").iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

/// ISO 8859-1 bytes to text.
pub(crate) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(*b)).collect()
}

/// Header + rows of the labour inspection workbook, cells as text.
pub(crate) fn read_xlsx(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    use calamine::{Reader, Xlsx};
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("the XLSX opens");
    let range = workbook.worksheet_range("Inspections").expect("sheet Inspections");
    let mut rows = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<String>>());
    let header = rows.next().expect("a header row");
    (header, rows.collect())
}

/// Header + rows of any agency file of the demo, as text.
pub(crate) fn read_agency(demo: &sim::Demo, file: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = &demo.files[file];
    match file.rsplit('.').next() {
        Some("xlsx") => read_xlsx(bytes),
        Some("tsv") => read_delimited(bytes, b'\t'),
        Some("json") => {
            let doc: serde_json::Value = serde_json::from_slice(bytes).expect("JSON parses");
            let records = doc["records"].as_array().expect("records array");
            let header: Vec<String> = records[0].as_object().expect("object").keys().cloned().collect();
            let rows = records
                .iter()
                .map(|r| {
                    header
                        .iter()
                        .map(|k| match &r[k] {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Null => String::new(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (header, rows)
        }
        _ if file.ends_with("ngo.csv") => read_delimited(latin1(bytes).as_bytes(), b';'),
        _ => read_delimited(bytes, b','),
    }
}
