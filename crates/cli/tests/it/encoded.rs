//! An agency that may not share names: on the demo, the police encode their names with
//! `palermo encode` and send their file without identifying columns; the hub imports both
//! (`palermo import --encodings`), and `palermo run` links every source in encoded space. The
//! person count and the pairwise precision and recall against the demo's truth are printed and
//! checked.

use std::path::Path;

use crate::{check_links, palermo, text};

/// Police columns that identify a person: they stay at the agency.
const IDENTIFYING: [&str; 4] = ["Surname", "First name", "DOB", "ID document"];

/// The agency's side: the file without identifying columns, and the CSV to encode (the demo
/// schema's columns, values trimmed and lower case, dates as ISO).
fn split_police_file(obs: &Path, encode_input: &Path) {
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).from_path(obs.join("data/police.csv")).expect("police.csv");
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_owned).collect();
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (given, family, dob) = (col("First name"), col("Surname"), col("DOB"));
    let keep: Vec<usize> = (0..header.len()).filter(|&i| !IDENTIFYING.contains(&header[i].as_str())).collect();
    let mut analytical =
        csv::WriterBuilder::new().flexible(true).from_path(obs.join("data/police_encoded.csv")).expect("write");
    let mut to_encode = csv::Writer::from_path(encode_input).expect("write");
    analytical.write_record(keep.iter().map(|&i| header[i].as_str())).expect("write");
    to_encode.write_record(["given_name", "family_name", "date_of_birth"]).expect("write");
    for record in reader.records() {
        let record = record.expect("row");
        let cell = |i: usize| record.get(i).unwrap_or("").trim().to_lowercase();
        let iso = {
            let d = cell(dob);
            let parts: Vec<&str> = d.split('/').collect();
            if parts.len() == 3 { format!("{}-{}-{}", parts[2], parts[1], parts[0]) } else { d.clone() }
        };
        to_encode.write_record([cell(given), cell(family), iso]).expect("write");
        // A ragged row stays ragged (it is quarantined at the hub as it would have been).
        let cells: Vec<&str> = keep.iter().filter_map(|&i| record.get(i)).collect();
        analytical.write_record(&cells).expect("write");
    }
    analytical.flush().expect("flush");
    to_encode.flush().expect("flush");
}

#[test]
fn an_encoded_source_is_linked_in_encoded_space() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = palermo(dir.path(), &["demo", "obs", "--size", "800", "--seed", "11"], &[]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let obs = dir.path().join("obs");
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(obs.join("truth.json")).expect("truth")).expect("json");

    // At the agency.
    let encode_input = dir.path().join("police_names.csv");
    split_police_file(&obs, &encode_input);
    std::fs::write(obs.join("encoding/secret.txt"), "a secret the Demoland agencies share, 2026\n").expect("secret");
    let encoded = palermo(
        dir.path(),
        &[
            "encode",
            "--schema",
            "obs/encoding/schema.json",
            "--secret-file",
            "obs/encoding/secret.txt",
            "police_names.csv",
            "-o",
            "obs/data/police.clks.json",
        ],
        &[],
    );
    assert!(encoded.status.success(), "{}", text(&encoded.stderr));
    // One encoding of a valid row spoiled in transit: its row must be quarantined, not linked.
    let malformed: Vec<u64> = truth["agencies"]["police"]["malformed"]
        .as_array()
        .expect("malformed")
        .iter()
        .filter_map(|m| m["file_row"].as_u64())
        .collect();
    let spoiled_row = (2u64..).find(|r| !malformed.contains(r)).expect("a valid row");
    let clks_path = obs.join("data/police.clks.json");
    let mut clks: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&clks_path).expect("clks")).expect("clks json");
    clks["clks"][spoiled_row as usize - 2] = serde_json::Value::String("not an encoding!".into());
    std::fs::write(&clks_path, serde_json::to_string(&clks).expect("json")).expect("write");

    // At the hub: palermo.toml names the police's analytical file and encodings, and the schema
    // and secret of the linkage unit.
    let settings_path = obs.join("palermo.toml");
    let settings = std::fs::read_to_string(&settings_path).expect("palermo.toml");
    assert!(settings.contains("file = \"data/police.csv\""));
    let settings = settings.replace(
        "file = \"data/police.csv\"",
        "file = \"data/police_encoded.csv\"\nencodings = \"data/police.clks.json\"",
    ) + "\n[encoding]\nschema = \"encoding/schema.json\"\nsecret_file = \"encoding/secret.txt\"\nthreshold = 0.8\n";
    std::fs::write(&settings_path, settings).expect("write");
    let import = palermo(
        dir.path(),
        &[
            "--dir",
            "obs",
            "import",
            "--source",
            "police",
            "obs/data/police_encoded.csv",
            "--encodings",
            "obs/data/police.clks.json",
        ],
        &[],
    );
    assert_eq!(import.status.code(), Some(1), "{}{}", text(&import.stdout), text(&import.stderr));
    let report = text(&import.stdout);
    assert!(report.contains(&format!("row {spoiled_row}")) && report.contains("not a base64 encoding"), "{report}");

    let run = palermo(dir.path(), &["--dir", "obs", "run"], &[]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains("already imported"), "the police file is imported once");
    let html = std::fs::read_to_string(obs.join("out/report.html")).expect("report");
    assert!(html.contains("linkage in encoded space"), "the report says which mode was used");

    // The police's names never reached the hub.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (police_names, reads) = runtime.block_on(async {
        let observatory = app::Observatory::open(&obs, None).await.expect("open");
        let police: std::collections::BTreeSet<i64> = observatory
            .store
            .persons()
            .await
            .expect("persons")
            .iter()
            .filter(|p| p.source == "police")
            .map(|p| p.id)
            .collect();
        let identities = observatory.store.read_identities("test", "checking").await.expect("identities");
        let log = observatory.store.audit_log().await.expect("log");
        observatory.store.close().await;
        let names = identities
            .iter()
            .filter(|i| police.contains(&i.record_id) && !(i.given_name.is_empty() && i.family_name.is_empty()))
            .count();
        (names, log.iter().filter(|e| e.2 == "read_encodings").count())
    });
    assert_eq!(police_names, 0, "no police record has a name at the hub");
    assert!(reads >= 1, "reading the encodings is audited");

    let stats = palermo(dir.path(), &["--dir", "obs", "--format", "json", "stats"], &[]);
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("stats json");
    assert_eq!(stats["unit"], "persons");
    let persons = stats["total"].as_f64().expect("total");
    // Persons truly seen on the lists that were linked (the hotline's initials cannot be).
    let links = check_links(dir.path(), &truth);
    assert!(
        links.linked_sources.contains("police") && !links.linked_sources.contains("hotline"),
        "linked lists: {:?}",
        links.linked_sources
    );
    let (seen, precision, recall) = (links.persons_seen as f64, links.precision, links.recall);
    eprintln!(
        "encoded-space linkage on the demo (seed 11, 800 persons, police encoded): {persons} persons counted, \
         {seen} truly seen; pairwise precision {precision:.3}, recall {recall:.3}"
    );
    // Measured: 0.931 and 0.711 (named linkage on the same demo does better: names compared
    // field by field, duplicates within a list merged). Regression guards a little below.
    assert!((persons - seen).abs() / seen < 0.1, "{persons} persons counted, {seen} truly seen");
    assert!(precision > 0.9 && recall > 0.68, "precision {precision:.3}, recall {recall:.3}");
}
