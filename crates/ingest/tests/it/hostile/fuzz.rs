//! Property-based fuzzing (proptest) of the three readers and of mapping parsing: whatever the
//! bytes, reading ends with rows or a file-level error — no panic, no unbounded allocation (the
//! memory cap of this suite holds), row numbers strictly increasing. The inputs are drawn from
//! alphabets of the characters that break parsers (quotes, separators, line ends, NUL, brackets,
//! non-ASCII bytes) around valid headers, and from valid files with bytes mutated. The number of
//! cases per property is fixed (`CASES`), so the time is bounded; `PALERMO_FUZZ_CASES` raises it
//! for a longer run.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::json::json_mapping;
use super::xlsx::{header_and_row, sheet, workbook, xlsx_mapping};
use super::{mapping, read, write};
use ingest::{Limits, Mapping};

const CASES: u32 = 1000;

fn runner() -> TestRunner {
    let cases = std::env::var("PALERMO_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(CASES);
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// Bytes drawn mostly from `alphabet`, sometimes any byte.
fn bytes_from(alphabet: &'static [u8], max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop_oneof![8 => prop::sample::select(alphabet), 1 => any::<u8>()], 0..max)
}

/// Reads `contents` as a file named `name` with `mapping`: any outcome but a panic is fine, and
/// the rows come in order.
fn reads_cleanly(name: &str, contents: &[u8], mapping: &Mapping) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let path = write(dir.path(), name, contents);
    let limits = Limits::default();
    if let Ok(read) = read(&path, mapping, &limits) {
        let mut rows: Vec<u64> = read.good.iter().copied().chain(read.bad_rows()).collect();
        let n = rows.len();
        rows.sort_unstable();
        rows.dedup();
        prop_assert_eq!(rows.len(), n, "a row number given twice");
    }
    Ok(())
}

#[test]
fn csv_of_any_bytes_is_read_or_refused() {
    let header = prop_oneof![Just(&b""[..]), Just(&b"id,year,sex,name\n"[..]), Just(&b"\"id\";year;sex;name\r\n"[..])];
    let body = bytes_from(b"\",;\n\r\t 0129aAr\x00\xc3\xa9\xff=", 2048);
    runner()
        .run(&(header, body), |(header, body)| {
            let contents = [header, &body[..]].concat();
            reads_cleanly("agency.csv", &contents, &mapping())
        })
        .expect("no CSV input breaks the reader");
}

#[test]
fn json_of_any_bytes_is_read_or_refused() {
    let prefix =
        prop_oneof![Just(&b""[..]), Just(&b"[{\"id\":\"r1\",\"year\":2021,\"sex\":\"female\",\"name\":\"x\"},"[..])];
    let body = bytes_from(b"{}[]\":,0129aeflnrstu \n\\\x00\xc3\xa9", 2048);
    runner()
        .run(&(prefix, body), |(prefix, body)| {
            let contents = [prefix, &body[..]].concat();
            reads_cleanly("agency.json", &contents, &json_mapping())
        })
        .expect("no JSON input breaks the reader");
}

#[test]
fn xlsx_with_any_sheet_or_mutated_bytes_is_read_or_refused() {
    let valid = workbook(&sheet("A1:D2", &header_and_row()), None);
    // Either the sheet's XML with random text spliced in, inside a valid zip, or the whole file
    // with some bytes overwritten.
    let spliced =
        (0usize..2000, bytes_from(b"<>/=\"'rcvt A1B2XFD1048576 isnlrowsheetData&;#x0", 200)).prop_map(|(at, junk)| {
            let xml = sheet("A1:D2", &header_and_row());
            let at = at.min(xml.len());
            let mut bytes = xml.into_bytes();
            bytes.splice(at..at, junk);
            workbook(&String::from_utf8_lossy(&bytes), None)
        });
    let mutated = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16).prop_map(move |edits| {
        let mut bytes = valid.clone();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        bytes
    });
    runner()
        .run(&prop_oneof![spliced, mutated], |contents| reads_cleanly("agency.xlsx", &contents, &xlsx_mapping()))
        .expect("no workbook breaks the reader");
}

#[test]
fn any_mapping_text_is_parsed_or_refused() {
    let base = super::MAPPING;
    let spliced = (0usize..400, "[\\[\\]=\".a-z_ \n#0-9\\\\{}]{0,40}").prop_map(move |(at, junk)| {
        let mut text = base.to_owned();
        let at = (0..=at.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        text.insert_str(at, &junk);
        text
    });
    let any_text = ".{0,300}";
    runner()
        .run(&prop_oneof![spliced, any_text.prop_map(|s: String| s)], |text| {
            // Refused or accepted; and an error never quotes more than a line of the text.
            if let Err(e) = Mapping::parse("mapping.toml", &text) {
                prop_assert!(e.to_string().len() < 2_000, "an overlong error");
            }
            Ok(())
        })
        .expect("no mapping text breaks the parser");
}
