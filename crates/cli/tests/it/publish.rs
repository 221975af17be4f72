//! `palermo publish`: the protected tables for an audience, with sidecars, the CTDC export, the
//! synthetic file and the SDMX-CSV file, and the ledger.

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
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if ["ctdc", "synthetic", "sdg_16_2_2"].contains(&name.as_str()) {
            continue;
        }
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
    // The person-level files and the SDMX-CSV file are there, each with its sidecar.
    for (file, method) in
        [("ctdc", "k_anonymity"), ("synthetic", "synthetic_k_anonymous"), ("sdg_16_2_2", "from_protected_tables")]
    {
        let sidecar: serde_json::Value =
            serde_json::from_slice(&std::fs::read(public.join(format!("{file}.json"))).expect("sidecar"))
                .expect("json");
        assert_eq!(sidecar["method"], method);
        assert!(summary["outputs"].as_array().expect("outputs").iter().any(|o| o["method"] == method));
    }
    let ctdc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(public.join("ctdc.json")).expect("sidecar")).expect("json");
    assert_eq!(ctdc["k_anonymity"]["k"], 11);
    assert!(ctdc["k_anonymity"]["k_achieved"].as_u64().expect("k achieved") >= 11, "{ctdc}");
    let synthetic: serde_json::Value =
        serde_json::from_slice(&std::fs::read(public.join("synthetic.json")).expect("sidecar")).expect("json");
    assert_eq!(synthetic["utility"]["mae_by_length"].as_array().map(Vec::len), Some(3), "{synthetic}");
    // The SDMX-CSV file: no count from 1 to 4, and every withheld cell marked.
    let sdmx = std::fs::read_to_string(public.join("sdg_16_2_2.csv")).expect("sdmx");
    let mut lines = sdmx.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(
        header[..9],
        ["DATAFLOW", "FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "TIME_PERIOD", "OBS_VALUE"]
    );
    let mut observations = 0;
    for line in lines {
        let cells: std::collections::BTreeMap<&str, &str> = header.iter().copied().zip(line.split(',')).collect();
        if cells["UNIT_MEASURE"] == "NUMBER"
            && let Ok(n) = cells["OBS_VALUE"].parse::<u64>()
        {
            assert!(n == 0 || n >= 5, "{line}");
        }
        assert_eq!(cells["OBS_VALUE"].is_empty(), cells["OBS_STATUS"] == "Q", "{line}");
        observations += 1;
    }
    assert!(observations > 10, "{observations} observations");
    // A second release, for partners, is recorded after the first.
    let second = palermo(dir.path(), &["--dir", "obs", "--format", "json", "publish", "--audience", "partners"], &[]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&second.stdout).expect("json");
    assert_eq!(summary["release_id"], 2);
    assert!(dir.path().join("obs/out/partners/flows.json").exists());
    let unknown = palermo(dir.path(), &["--dir", "obs", "publish", "--audience", "everyone"], &[]);
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("public, partners or internal"), "{}", text(&unknown.stderr));

    // `[publish] synthetic_epsilon` makes the synthetic file differentially private: its ε is
    // charged to the budget (1.0 by default), and its sidecar names the mode and its parameters.
    let toml = dir.path().join("obs/palermo.toml");
    let settings = std::fs::read_to_string(&toml).expect("palermo.toml");
    std::fs::write(&toml, format!("{settings}\n[publish]\nsynthetic_epsilon = 0.6\n")).expect("palermo.toml");
    let private = palermo(dir.path(), &["--dir", "obs", "--format", "json", "publish", "--audience", "internal"], &[]);
    assert!(private.status.success(), "{}", text(&private.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&private.stdout).expect("json");
    assert_eq!(summary["release_id"], 3);
    let spent = summary["epsilon_spent"].as_f64().expect("epsilon");
    assert!((spent - 0.6).abs() < 1e-9, "{summary}");
    assert!((summary["budget"]["spent"].as_f64().expect("spent") - 0.6).abs() < 1e-9, "{summary}");
    let internal = dir.path().join("obs/out/internal");
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(internal.join("synthetic.json")).expect("sidecar")).expect("json");
    assert_eq!(sidecar["method"], "synthetic_dp");
    let parameters = &sidecar["parameters"];
    assert_eq!(parameters["mode"], "differential_privacy");
    assert!((parameters["epsilon"].as_f64().expect("epsilon") - 0.6).abs() < 1e-9, "{sidecar}");
    assert_eq!(parameters["reporting_length"], 2);
    assert_eq!(parameters["sensitivity_by_length"], serde_json::json!([11, 45]), "{sidecar}");
    assert_eq!(sidecar["reproducible"], false);
    assert!(sidecar.get("utility").is_some_and(serde_json::Value::is_string), "no utility figure: {sidecar}");
    // 0.6 more would overspend: refused with the budget named, out/public as it was, nothing in
    // the ledger (the next release is number 4).
    let files = || {
        let mut files: Vec<(std::path::PathBuf, Vec<u8>)> = std::fs::read_dir(&public)
            .expect("out/public")
            .map(|e| {
                let path = e.expect("entry").path();
                let bytes = std::fs::read(&path).expect("read");
                (path, bytes)
            })
            .collect();
        files.sort();
        files
    };
    let before = files();
    let refused = palermo(dir.path(), &["--dir", "obs", "publish", "--audience", "public"], &[]);
    assert!(!refused.status.success());
    let message = text(&refused.stderr);
    assert!(message.contains("ε = 0.6") && message.contains("nothing was published"), "{message}");
    assert!(files() == before, "out/public changed");
    assert!(!dir.path().join("obs/out/.public.partial").exists());
    std::fs::write(&toml, settings).expect("palermo.toml");
    let next = palermo(dir.path(), &["--dir", "obs", "--format", "json", "publish", "--audience", "public"], &[]);
    assert!(next.status.success(), "{}", text(&next.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&next.stdout).expect("json");
    assert_eq!(summary["release_id"], 4);
}

/// A table's CSV (after its comment line) as rows of cells by column.
fn read_table(path: &std::path::Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let body = std::fs::read_to_string(path).expect("csv");
    let mut lines = body.lines().skip(1);
    let header: Vec<String> = lines.next().expect("header").split(',').map(str::to_owned).collect();
    lines.map(|line| header.iter().cloned().zip(line.split(',').map(str::to_owned)).collect()).collect()
}

/// Sums `count` by `key` in a table's rows.
fn sums(rows: &[std::collections::BTreeMap<String, String>], key: &str) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    for row in rows {
        let n: u64 = row["count"].parse().expect("a published count");
        *out.entry(row[key].clone()).or_default() += n;
    }
    out
}

#[test]
fn publish_with_differential_privacy_and_controlled_rounding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = palermo(dir.path(), &["demo", "obs", "--size", "600", "--seed", "3", "--run"], &[]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let publish = |args: &[&str]| {
        let mut all = vec!["--dir", "obs", "--format", "json", "publish"];
        all.extend_from_slice(args);
        palermo(dir.path(), &all, &[])
    };

    // Differential privacy: whole non-negative counts whose tables add up.
    let out = publish(&["--method", "dp", "--epsilon", "0.4"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["method"], "dp_discrete_laplace");
    assert_eq!(summary["epsilon_spent"], 0.4);
    assert_eq!(summary["budget"]["total"], 1.0);
    assert!((summary["budget"]["left"].as_f64().expect("left") - 0.6).abs() < 1e-9);
    let public = dir.path().join("obs/out/public");
    let by_year = sums(&read_table(&public.join("detected_by_year.csv")), "year");
    let year_sex = sums(&read_table(&public.join("detected_by_year_sex.csv")), "year");
    assert_eq!(by_year, year_sex, "each year's sexes add up to the year");
    let by_citizenship: u64 = sums(&read_table(&public.join("by_citizenship.csv")), "citizenship").values().sum();
    let flows: u64 = sums(&read_table(&public.join("flows.csv")), "citizenship").values().sum();
    assert_eq!(by_citizenship, flows);
    assert_eq!(by_year.values().sum::<u64>(), by_citizenship, "every table adds up to one total");
    assert!(!public.join("justice_chain.csv").exists(), "tables without a bounded sensitivity are left out");
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(public.join("flows.json")).expect("sidecar")).expect("json");
    assert_eq!(sidecar["reproducible"], false);
    assert_eq!(sidecar["parameters"]["epsilon"], 0.4);

    // A release that would overspend is refused, naming the budget; out/public stays as it was.
    let before = std::fs::read(public.join("flows.csv")).expect("flows");
    let refused = publish(&["--method", "dp", "--epsilon", "0.7"]);
    assert!(!refused.status.success());
    let message = text(&refused.stderr);
    assert!(message.contains("privacy budget") && message.contains("total is ε = 1"), "{message}");
    assert_eq!(std::fs::read(public.join("flows.csv")).expect("flows"), before);

    // Controlled rounding in base 5, for partners: every count a multiple of 5, tables additive.
    let out = publish(&["--audience", "partners", "--method", "rounding", "--base", "5"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["release_id"], 2, "the refused release left no row in the ledger");
    assert_eq!(summary["method"], "controlled_rounding");
    let partners = dir.path().join("obs/out/partners");
    for name in ["detected_by_year", "detected_by_year_sex", "flows", "by_citizenship"] {
        for row in read_table(&partners.join(format!("{name}.csv"))) {
            let n: u64 = row["count"].parse().expect("count");
            assert!(n.is_multiple_of(5), "{name}: {row:?}");
        }
    }
    let by_year = sums(&read_table(&partners.join("detected_by_year.csv")), "year");
    let year_sex = sums(&read_table(&partners.join("detected_by_year_sex.csv")), "year");
    assert_eq!(by_year, year_sex);
    let bad = publish(&["--method", "rounding", "--base", "4"]);
    assert!(!bad.status.success() && text(&bad.stderr).contains("3 or 5"), "{}", text(&bad.stderr));
}
