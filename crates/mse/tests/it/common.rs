//! Shared helpers: reading the shared datasets in place and the fixtures.

use std::path::PathBuf;

use mse::CaptureTable;

/// The ten shared capture tables.
pub const DATASETS: [&str; 10] =
    ["Artificial_3", "Kosovo", "Ned", "Ned_5", "NewOrl", "NewOrl_5", "UKdat", "UKdat_4", "UKdat_5", "Western"];

fn data_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mse"))
}

/// Reads a shared dataset; `None` (with a printed reason) when the shared data
/// are absent outside CI, a panic when they are absent in CI.
pub fn dataset(name: &str) -> Option<CaptureTable> {
    let path = data_dir().join(format!("{name}.csv"));
    match std::fs::read_to_string(&path) {
        Ok(text) => match CaptureTable::parse_csv(&text) {
            Ok(t) => Some(t),
            Err(e) => panic!("{name}: {e}"),
        },
        Err(e) => {
            testkit::skip(&format!("shared dataset {}", path.display()), e);
            None
        }
    }
}

/// Reads a fixture as JSON.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A JSON number.
pub fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("fixture key {key} is not a number"))
}

/// A JSON array of numbers.
pub fn nums(v: &serde_json::Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("fixture key {key} is not an array"))
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

/// A JSON array of strings, sorted.
pub fn sorted_strings(v: &serde_json::Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = v[key]
        .as_array()
        .unwrap_or_else(|| panic!("fixture key {key} is not an array"))
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_owned())
        .collect();
    out.sort();
    out
}

/// Relative difference.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}
