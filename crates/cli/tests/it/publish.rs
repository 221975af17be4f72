//! `palermo publish`: the protected tables for an audience, with sidecars, and the ledger.

use crate::{palermo, text};

#[test]
fn publish_writes_only_protected_tables_and_records_each_release() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = palermo(dir.path(), &["demo", "obs", "--size", "600", "--seed", "3", "--run"], &[]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let first = palermo(dir.path(), &["--dir", "obs", "--format", "json", "publish", "--by", "analyst"], &[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json");
    assert_eq!(summary["release_id"], 1);
    assert_eq!(summary["method"], "linked_tables_lp");
    assert_eq!(summary["parameters"]["min_cell"], 5);
    assert!(summary["cells_suppressed"].as_u64().expect("cells") > 0);
    // Try every file written there: no count from 1 to 4 is shown, whatever the table.
    let public = dir.path().join("obs/out/public");
    let mut tables = 0;
    for entry in std::fs::read_dir(&public).expect("out/public") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "csv") {
            tables += 1;
            let body = std::fs::read_to_string(&path).expect("csv");
            let mut lines = body.lines().skip(1);
            let header: Vec<&str> = lines.next().expect("header").split(',').collect();
            for line in lines {
                for (column, cell) in header.iter().zip(line.split(',')) {
                    // Counts of persons; rates, years, population and refused file rows are not.
                    let count_column = matches!(
                        *column,
                        "count"
                            | "detected"
                            | "persons"
                            | "pairs"
                            | "unknown"
                            | "not_recorded"
                            | "investigated"
                            | "prosecuted"
                            | "convicted"
                            | "acquitted"
                    );
                    if let (true, Ok(n)) = (count_column, cell.parse::<u64>()) {
                        assert!(n == 0 || n >= 5, "{}: {column} = {n} in {line}", path.display());
                    }
                }
            }
            let sidecar: serde_json::Value =
                serde_json::from_slice(&std::fs::read(path.with_extension("json")).expect("sidecar")).expect("json");
            assert_eq!(sidecar["method"], "linked_tables_lp", "{}", path.display());
            assert_eq!(sidecar["audit"]["passed"], true);
            assert_eq!(sidecar["parameters"]["protection"], 4);
        }
    }
    assert!(tables >= 10, "{tables} tables published");
    // A second release, for partners, is recorded after the first.
    let second = palermo(dir.path(), &["--dir", "obs", "--format", "json", "publish", "--audience", "partners"], &[]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&second.stdout).expect("json");
    assert_eq!(summary["release_id"], 2);
    assert!(dir.path().join("obs/out/partners/flows.json").exists());
    let unknown = palermo(dir.path(), &["--dir", "obs", "publish", "--audience", "everyone"], &[]);
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("public, partners or internal"), "{}", text(&unknown.stderr));
}
