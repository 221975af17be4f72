//! The review list on the demo: `palermo run` stores borderline pairs with their per-field
//! weights; `palermo review` lists them without identities (and with them only through an audited
//! read); `palermo review decide` records verdicts that the next run applies.

use std::path::Path;

use crate::{palermo, text};

fn review_json(dir: &Path) -> Vec<serde_json::Value> {
    let out = palermo(dir, &["--dir", "obs", "--format", "json", "review"], &[("USER", "tester")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).expect("review json")
}

fn run(dir: &Path) {
    let out = palermo(dir, &["--dir", "obs", "run"], &[]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out.stderr));
}

fn persons(dir: &Path) -> f64 {
    let out = palermo(dir, &["--dir", "obs", "--format", "json", "stats"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stats json");
    assert_eq!(stats["unit"], "persons");
    stats["total"].as_f64().expect("total")
}

fn item(items: &[serde_json::Value], id: i64) -> &serde_json::Value {
    items.iter().find(|i| i["id"].as_i64() == Some(id)).unwrap_or_else(|| panic!("item {id} is listed"))
}

fn audit_log(dir: &Path) -> Vec<(String, String, String, String)> {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let observatory = app::Observatory::open(&dir.join("obs"), None).await.expect("open");
        let log = observatory.store.audit_log().await.expect("audit log");
        observatory.store.close().await;
        log
    })
}

#[test]
fn review_lists_pairs_without_names_and_decisions_change_the_next_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = palermo(dir.path(), &["demo", "obs", "--size", "800", "--seed", "11"], &[]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    run(dir.path());

    // The review list holds borderline pairs, each explained field by field.
    let items = review_json(dir.path());
    let pairs: Vec<&serde_json::Value> = items.iter().filter(|i| i["kind"] == "pair").collect();
    eprintln!("review list: {} items, {} pairs", items.len(), pairs.len());
    assert!(!pairs.is_empty(), "the demo has borderline pairs");
    for p in &pairs {
        let probability = p["match_probability"].as_f64().expect("probability");
        assert!((0.1..0.9).contains(&probability), "{probability}");
        assert_eq!(p["records"].as_array().expect("records").len(), 2);
        let fields = p["fields"].as_array().expect("fields");
        assert!(fields.iter().any(|f| f["field"] == "given_name" && f["weight"].is_number()), "{p}");
    }

    // Without --show-identities nothing identifies a person; with it, the names are there and the
    // read is audited.
    let reads_before = audit_log(dir.path()).iter().filter(|e| e.2 == "read_identities").count();
    let table = palermo(dir.path(), &["--dir", "obs", "review"], &[("USER", "tester")]);
    assert!(table.status.success(), "{}", text(&table.stderr));
    let plain = format!("{}{}", text(&table.stdout), serde_json::to_string(&items).expect("json"));
    assert_eq!(audit_log(dir.path()).iter().filter(|e| e.2 == "read_identities").count(), reads_before);
    let shown = palermo(dir.path(), &["--dir", "obs", "review", "--show-identities"], &[("USER", "tester")]);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let shown_json = palermo(
        dir.path(),
        &["--dir", "obs", "--format", "json", "review", "--show-identities"],
        &[("USER", "tester")],
    );
    let shown_items: Vec<serde_json::Value> = serde_json::from_slice(&shown_json.stdout).expect("json");
    let mut identity_values = std::collections::BTreeSet::new();
    for i in &shown_items {
        for p in i["identities"].as_array().expect("identities") {
            for key in ["given_name", "family_name", "date_of_birth"] {
                let value = p[key].as_str().unwrap_or("");
                // Initials and bare years are too short to be told from other text.
                if value.chars().count() >= 4 {
                    identity_values.insert(value.to_owned());
                }
            }
        }
    }
    assert!(!identity_values.is_empty(), "the listed records have names");
    let identified = text(&shown.stdout);
    assert!(identity_values.iter().any(|v| identified.contains(v.as_str())), "--show-identities prints them");
    for value in &identity_values {
        assert!(!plain.contains(value.as_str()), "the plain review list shows an identity value");
    }
    let log = audit_log(dir.path());
    let reads: Vec<_> = log.iter().filter(|e| e.2 == "read_identities").collect();
    assert_eq!(reads.len(), reads_before + 2, "each --show-identities is audited");
    assert!(reads.last().is_some_and(|e| e.1 == "tester" && e.3.contains("review")), "{:?}", reads.last());

    // A decision against the linkage changes the next run: `match` on an unlinked pair merges its
    // records, `distinct` on a linked pair splits them; the opposite decision restores them.
    // Decisions are kept as history.
    let target = pairs.iter().find(|p| p["linked"] == false).or(pairs.first()).expect("a borderline pair");
    let id = target["id"].as_i64().expect("id");
    let linked = target["linked"] == true;
    let (against, back, change) = if linked { ("distinct", "match", 1.0) } else { ("match", "distinct", -1.0) };
    let before = persons(dir.path());
    let decided =
        palermo(dir.path(), &["--dir", "obs", "review", "decide", &id.to_string(), against], &[("USER", "tester")]);
    assert!(decided.status.success(), "{}", text(&decided.stderr));
    run(dir.path());
    let after = persons(dir.path());
    let items = review_json(dir.path());
    assert_eq!(item(&items, id)["linked"], !linked, "{against} reversed the linkage's outcome");
    assert_eq!(item(&items, id)["decision"], against);
    assert_eq!(after, before + change, "{against} changed the persons by one");

    // The decision names its records by source and source id: it survives a `--replace` of a
    // source's file, which stores the records anew under new database ids.
    let source = target["records"][0][1].as_str().expect("source").to_owned();
    let file = std::fs::read_dir(dir.path().join("obs/data"))
        .expect("data")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_stem().is_some_and(|s| s == source.as_str()))
        .expect("the source's file");
    let replaced = palermo(
        dir.path(),
        &["--dir", "obs", "import", "--source", &source, file.to_str().expect("path"), "--replace"],
        &[("USER", "tester")],
    );
    assert!(matches!(replaced.status.code(), Some(0 | 1)), "{}", text(&replaced.stderr));
    run(dir.path());
    assert_eq!(persons(dir.path()), after, "the decision still applies after --replace");
    let items = review_json(dir.path());
    let keys = |item: &serde_json::Value| {
        let mut keys: Vec<(String, String)> = item["records"]
            .as_array()
            .expect("records")
            .iter()
            .map(|r| (r[1].as_str().unwrap_or("").to_owned(), r[2].as_str().unwrap_or("").to_owned()))
            .collect();
        keys.sort();
        keys
    };
    let same = items.iter().find(|i| keys(i) == keys(target)).expect("the pair is listed again");
    assert_ne!(same["records"], target["records"], "under new record ids");
    assert_eq!(same["decision"], against);
    let id = same["id"].as_i64().expect("id");

    let decided =
        palermo(dir.path(), &["--dir", "obs", "review", "decide", &id.to_string(), back], &[("USER", "tester")]);
    assert!(decided.status.success(), "{}", text(&decided.stderr));
    run(dir.path());
    let items = review_json(dir.path());
    assert_eq!(item(&items, id)["linked"], linked, "{back} restored the linkage's outcome");
    assert_eq!(item(&items, id)["decision"], back);
    assert_eq!(persons(dir.path()), before, "the opposite decision restores the persons");
    eprintln!("persons: {before} before, {after} after {against}, back after {back}");

    // The report says how many await review and how many were decided.
    let report = std::fs::read_to_string(dir.path().join("obs/out/report.html")).expect("report");
    assert!(report.contains("await review and 1 was decided"), "the report counts decided items, in good grammar");

    // Reading identities or deciding needs a named reviewer: an empty name is refused, and
    // nothing is read or written.
    let reads = audit_log(dir.path()).len();
    for args in [
        &["--dir", "obs", "review", "--show-identities", "--reviewer", " "][..],
        &["--dir", "obs", "review", "decide", &id.to_string(), "match", "--reviewer", ""][..],
    ] {
        let refused = palermo(dir.path(), args, &[]);
        assert_eq!(refused.status.code(), Some(2), "{args:?}");
        assert!(text(&refused.stderr).contains("must be named"), "{}", text(&refused.stderr));
    }
    assert_eq!(audit_log(dir.path()).len(), reads, "no audit entry, no read");
    assert_eq!(item(&review_json(dir.path()), id)["decision"], back, "no decision");

    // An unknown id is refused with exit code 2.
    let unknown = palermo(dir.path(), &["--dir", "obs", "review", "decide", "999999", "match"], &[]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("no review item 999999"), "{}", text(&unknown.stderr));
}
