//! Names and other identifying values live only in the agency files, never in the truth.

use std::collections::BTreeSet;

use crate::{default_demo, read_agency};

const NAME_COLUMNS: &[&str] = &[
    "Surname",
    "First name",
    "Worker family name",
    "Worker given name(s)",
    "Family name",
    "Given name",
    "LastName",
    "FirstName",
    "surname",
    "givenNames",
];
const DOCUMENT_COLUMNS: &[&str] = &["ID document", "Passport/ID no.", "IDDocument", "travelDocument"];

fn strings(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::String(s) => {
            out.insert(s.to_lowercase());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.to_lowercase());
                strings(v, out);
            }
        }
        _ => {}
    }
}

#[test]
fn names_and_documents_appear_in_data_files_only() {
    let demo = default_demo();
    let mut identifying = BTreeSet::new();
    for t in demo.truth.agencies.values() {
        let (header, rows) = read_agency(demo, &t.file);
        for (col, name) in header.iter().enumerate() {
            if NAME_COLUMNS.contains(&name.as_str()) || DOCUMENT_COLUMNS.contains(&name.as_str()) {
                identifying
                    .extend(rows.iter().filter_map(|r| r.get(col)).filter(|v| !v.is_empty()).map(|v| v.to_lowercase()));
            }
        }
    }
    assert!(identifying.len() > 500, "too few names found in the files: {}", identifying.len());
    let mut truth: serde_json::Value = serde_json::from_slice(&demo.files["truth.json"]).expect("JSON");
    // The two prose fields explain the file; everything else is codes, ids and numbers.
    truth["description"] = serde_json::Value::Null;
    truth["breakdowns"]["note"] = serde_json::Value::Null;
    let mut in_truth = BTreeSet::new();
    strings(&truth, &mut in_truth);
    // Source names are codes, even where a name is spelled the same (the family name Ngô → "ngo").
    for list in &demo.truth.lists {
        in_truth.remove(list);
    }
    // Compare whole values and, for names with spaces ("Dela Cruz"), each word.
    let leaked: Vec<_> = identifying
        .iter()
        .filter(|v| in_truth.contains(*v) || v.split(' ').any(|w| w.chars().count() > 2 && in_truth.contains(w)))
        .collect();
    assert!(leaked.is_empty(), "{} identifying values appear in truth.json", leaked.len());
    for key in ["date_of_birth", "given_name", "family_name", "document_number"] {
        assert!(!in_truth.contains(key), "truth.json has a {key} field");
    }
}
