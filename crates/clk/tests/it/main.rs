//! Integration tests of the `clk` crate: bit-identity with clkhash, matching against anonlink's
//! semantics, hardening against a frequency attack.

mod attack;
mod golden;
mod matching;

use std::path::PathBuf;

/// Path of a committed fixture.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name)
}

/// Read a CSV fixture without its header.
pub fn read_records(name: &str) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(fixture(name)).expect("fixture CSV opens");
    reader.records().map(|r| r.expect("fixture CSV parses").iter().map(str::to_owned).collect()).collect()
}
