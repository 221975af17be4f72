//! The main job on the demo: `palermo demo` + `palermo run`: statistics agree with the simulation's
//! truth, and a second run gives byte-identical outputs.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{palermo, text};

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let key = path.strip_prefix(dir).expect("prefix").display().to_string();
                out.insert(key, std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

#[test]
fn demo_run_matches_the_truth_and_is_reproducible() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = palermo(dir.path(), &["demo", "obs", "--size", "1500", "--seed", "7"], &[]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let first = palermo(dir.path(), &["--dir", "obs", "run"], &[]);
    assert_eq!(first.status.code(), Some(1), "the demo's malformed rows are quarantined: {}", text(&first.stderr));
    let summary = text(&first.stdout);
    assert!(summary.contains("out/report.html"), "{summary}");
    let out = dir.path().join("obs/out");
    for table in ["detected_by_year_sex_age_form", "by_citizenship", "flows", "justice_chain", "sdg_16_2_2"] {
        assert!(out.join(format!("tables/{table}.csv")).exists(), "{table}");
    }
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("obs/truth.json")).expect("truth")).expect("json");

    let stats = palermo(dir.path(), &["--dir", "obs", "--format", "json", "stats"], &[]);
    assert!(stats.status.success(), "{}", text(&stats.stderr));
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("stats json");
    assert_eq!(stats["unit"], "records");
    let by_source = stats["tables"]["by_source"]["rows"].as_array().expect("rows");
    let mut total = 0;
    for (agency, facts) in truth["agencies"].as_object().expect("agencies") {
        let row = by_source.iter().find(|r| r["source"] == agency.as_str()).unwrap_or_else(|| panic!("{agency}"));
        assert_eq!(row["count"], facts["n_valid_records"], "{agency}");
        assert_eq!(row["quarantined_rows"], facts["n_malformed"], "{agency}");
        total += facts["n_valid_records"].as_u64().expect("count");
    }
    assert_eq!(stats["total"], total);

    // The quarantine report lists exactly the malformed rows, by file row.
    let quarantine = palermo(dir.path(), &["--dir", "obs", "--format", "csv", "quarantine"], &[]);
    let listed: std::collections::BTreeSet<(String, u64)> = text(&quarantine.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cells = l.split(',');
            let source = cells.next()?.to_owned();
            let row = cells.nth(1)?.parse().ok()?;
            Some((source, row))
        })
        .collect();
    let mut expected = std::collections::BTreeSet::new();
    for (agency, facts) in truth["agencies"].as_object().expect("agencies") {
        for m in facts["malformed"].as_array().expect("malformed") {
            expected.insert((agency.clone(), m["file_row"].as_u64().expect("row")));
        }
    }
    assert_eq!(listed, expected);

    let before = read_tree(&out);
    let second = palermo(dir.path(), &["--dir", "obs", "run"], &[]);
    assert!(text(&second.stdout).contains("already imported"), "{}", text(&second.stdout));
    let after = read_tree(&out);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    for (name, bytes) in &before {
        assert!(after.get(name) == Some(bytes), "{name} differs between two runs");
    }
}
