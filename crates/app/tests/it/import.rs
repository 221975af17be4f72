//! Importing into SQLite: good rows stored, bad rows quarantined with row, column and reason;
//! re-imports are no-ops; `--strict` refuses; `--replace` keeps history; file-level problems.

use app::{ImportOptions, Outcome};
use model::{NoProgress, RecordKind};
use store::Store;

use crate::fixtures;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("valid date")
}

async fn import(
    store: &Store,
    file: &std::path::Path,
    mapping: &std::path::Path,
    options: ImportOptions,
) -> app::FileReport {
    let mapping = app::observatory::load_mapping(mapping).expect("mapping");
    app::import_file(
        store,
        app::Source { name: "police", kind: "police" },
        file,
        &mapping,
        options,
        today(),
        &NoProgress,
    )
    .await
    .expect("import")
}

#[tokio::test]
async fn broken_rows_are_quarantined_and_the_rest_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mapping, file) = fixtures::write(dir.path(), "police.csv", fixtures::broken_csv().as_bytes());
    let store = Store::open_sqlite(&dir.path().join("t.db")).await.expect("store");

    let report = import(&store, &file, &mapping, ImportOptions::default()).await;
    assert_eq!(report.rows_read, 11);
    assert_eq!(report.rows_good, 3, "{:#?}", report.errors);
    assert_eq!(report.rows_bad, 8);
    assert!(matches!(report.outcome, Outcome::Imported(t) if t.rows_stored == 3 && t.rows_quarantined == 8));
    for (row, column, reason) in fixtures::EXPECTED_ERRORS {
        let found = report.errors.iter().find(|e| e.row == *row);
        let error = found.unwrap_or_else(|| panic!("no error for row {row}: {:#?}", report.errors));
        assert_eq!(error.column.as_deref(), *column, "row {row}: {error}");
        assert!(error.to_string().contains(reason), "row {row}: `{error}` should say `{reason}`");
    }
    // No identifying value reaches an error message.
    let all = serde_json::to_string(&report).expect("json");
    for name in fixtures::SECRET_NAMES {
        assert!(!all.contains(name), "report leaks `{name}`");
    }

    let persons = store.persons().await.expect("persons");
    assert_eq!(persons.len(), 3);
    assert_eq!(persons[0].get("sex"), "female");
    assert_eq!(persons[0].get("age_band"), "9-17");
    assert_eq!(persons[0].get("year"), "2021");
    assert_eq!(persons[1].get("exploitation"), "forced_labour;sexual");
    // An empty coded cell is `unknown`; a missing number is `not_recorded`.
    assert_eq!(persons[2].get("sex"), "unknown");
    assert_eq!(persons[2].get("age"), "not_recorded");
    assert_eq!(store.quarantined().await.expect("quarantine").len(), 8);

    // Identities are apart, and reading them is audited.
    assert!(store.audit_log().await.expect("audit").is_empty());
    let identities = store.read_identities("test", "checking the identity table").await.expect("identities");
    assert_eq!(identities.len(), 2, "the third good row has no identifying value");
    assert_eq!(identities[0].given_name, "Ioana");
    assert_eq!(identities[1].date_of_birth, "1988");
    let log = store.audit_log().await.expect("audit");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].2, "read_identities");

    // The same file again: nothing changes.
    let again = import(&store, &file, &mapping, ImportOptions::default()).await;
    assert!(matches!(again.outcome, Outcome::AlreadyImported { .. }), "{:?}", again.outcome);
    assert_eq!(store.persons().await.expect("persons").len(), 3);
    assert_eq!(store.submissions().await.expect("submissions").len(), 1);
}

#[tokio::test]
async fn strict_refuses_and_replace_keeps_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mapping, file) = fixtures::write(dir.path(), "police.csv", fixtures::broken_csv().as_bytes());
    let store = Store::open_sqlite(&dir.path().join("t.db")).await.expect("store");

    let strict = import(&store, &file, &mapping, ImportOptions { strict: true, ..ImportOptions::default() }).await;
    assert!(matches!(strict.outcome, Outcome::Refused));
    assert!(store.persons().await.expect("persons").is_empty());
    assert!(store.submissions().await.expect("submissions").is_empty());

    import(&store, &file, &mapping, ImportOptions::default()).await;
    // A corrected file reusing the same ids without --replace: its rows are duplicates.
    let corrected = fixtures::broken_csv().replace(";X;", ";F;");
    std::fs::write(&file, corrected).expect("write");
    let clash = import(&store, &file, &mapping, ImportOptions::default()).await;
    assert!(clash.errors.iter().any(|e| e.reason.contains("--replace")), "{:#?}", clash.errors);
    // Every quarantined row keeps its content, the duplicates of stored ids too (an audited read).
    let raw = store.read_quarantined_raw("test", "checking the quarantine").await.expect("raw rows");
    let clash_rows: Vec<_> = raw.iter().filter(|r| r.submission_id == 2).collect();
    assert_eq!(clash_rows.len() as u64, clash.rows_bad);
    for row in &clash_rows {
        assert!(row.raw_row.contains("\"Case\""), "row {} lost its cells: {}", row.row_number, row.raw_row);
    }
    assert!(store.audit_log().await.expect("audit").iter().any(|e| e.2 == "read_quarantined_raw"));
    let stored_before = store.persons().await.expect("persons").len();
    assert_eq!(stored_before, 3 + 1, "only the new id A3 is added");

    let replaced = import(&store, &file, &mapping, ImportOptions { replace: true, ..ImportOptions::default() }).await;
    match replaced.outcome {
        Outcome::Imported(totals) => {
            assert_eq!(totals.rows_stored, 4);
            assert_eq!(totals.replaced, 2);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(store.persons().await.expect("persons").len(), 4);
    let submissions = store.submissions().await.expect("submissions");
    assert_eq!(submissions.len(), 3, "history is kept");
    assert_eq!(submissions.iter().filter(|s| s.status == "replaced").count(), 2);
}

#[tokio::test]
async fn file_level_problems_refuse_the_file_and_name_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_sqlite(&dir.path().join("t.db")).await.expect("store");
    let mapping_text = fixtures::MAPPING;
    let mapping = ingest::Mapping::parse("mapping.toml", mapping_text).expect("mapping");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "the file is empty"),
        ("nocase.csv", b"Identified;Gender\n01/01/2020;F\n".to_vec(), "column `Case` (field source_id) is missing"),
        ("header.csv", b"Case;Gender;Gender\nA;F;F\n".to_vec(), "appears twice"),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let err = app::import_file(
            &store,
            app::Source { name: "police", kind: "police" },
            &path,
            &mapping,
            ImportOptions::default(),
            today(),
            &NoProgress,
        )
        .await
        .expect_err("refused");
        let text = err.to_string();
        assert!(text.contains(expected) && text.contains(name), "{name}: {text}");
    }
    assert!(store.submissions().await.expect("submissions").is_empty());
}

#[tokio::test]
async fn encodings_bom_and_formats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_sqlite(&dir.path().join("t.db")).await.expect("store");
    // UTF-8 with a BOM reads like without.
    let with_bom = format!("\u{feff}{}", fixtures::many_rows(3));
    let (mapping_path, file) = fixtures::write(dir.path(), "bom.csv", with_bom.as_bytes());
    let mapping = app::observatory::load_mapping(&mapping_path).expect("mapping");
    let report = app::check_file(&file, &mapping, today(), &NoProgress).expect("check");
    assert_eq!((report.rows_good, report.rows_bad), (3, 0), "{:#?}", report.errors);

    // Latin-1 bytes in a file declared UTF-8: that row is refused with the encoding named.
    let mut latin1 = fixtures::many_rows(2).into_bytes();
    let at = latin1.windows(6).rposition(|w| w == b"Family").expect("a family name");
    latin1[at + 3] = 0xE9;
    let latin1_path = dir.path().join("latin1.csv");
    std::fs::write(&latin1_path, &latin1).expect("write");
    let report = app::check_file(&latin1_path, &mapping, today(), &NoProgress).expect("check");
    assert_eq!(report.rows_bad, 1);
    assert!(report.errors[0].reason.contains("latin1"), "{}", report.errors[0]);
    // Declared as Latin-1, the same file reads.
    let declared = ingest::Mapping::parse("m", &fixtures::MAPPING.replace("[file]", "[file]\nencoding = \"latin1\""))
        .expect("mapping");
    let report = app::check_file(&latin1_path, &declared, today(), &NoProgress).expect("check");
    assert_eq!(report.rows_bad, 0, "{:#?}", report.errors);

    // JSON: an array of records, arrays as multi-valued cells.
    let json = r#"[{"Case": "J1", "Identified": "01/02/2021", "Gender": "W", "Forms": ["SEX", "LAB"]},
                  {"Case": "J2", "Identified": "01/02/2021", "Gender": "Q"}]"#;
    let json_path = dir.path().join("list.json");
    std::fs::write(&json_path, json).expect("write");
    let json_mapping =
        ingest::Mapping::parse("m", &fixtures::MAPPING.replace("exploitation = \"|\"", "exploitation = \";\""))
            .expect("mapping");
    let report = app::import_file(
        &store,
        app::Source { name: "ngo", kind: "ngo" },
        &json_path,
        &json_mapping,
        ImportOptions::default(),
        today(),
        &NoProgress,
    )
    .await
    .expect("import");
    assert_eq!((report.rows_good, report.rows_bad), (1, 1));
    assert_eq!(report.errors[0].row, 2);
    let counts = store.value_counts(RecordKind::Persons, "exploitation").await.expect("counts");
    assert_eq!(counts.get("forced_labour;sexual"), Some(&1));
}

/// `palermo encode` prepares values as the hub prepares its own: the same name typed with stray
/// spaces, capitals and a trailing comma gives the same encoding.
#[test]
fn encodings_do_not_depend_on_case_or_stray_spaces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = dir.path().join("schema.json");
    std::fs::write(&schema, app::encode::DEMO_SCHEMA).expect("schema");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "a shared secret of the agencies").expect("secret");
    let clean = dir.path().join("clean.csv");
    std::fs::write(&clean, "given_name,family_name,date_of_birth\nana,popescu,1990-01-02\nion,ionescu,1985\n")
        .expect("csv");
    let messy = dir.path().join("messy.csv");
    std::fs::write(
        &messy,
        "given_name,family_name,date_of_birth\n\" Ana \",\"POPESCU ,\",1990-01-02\n\"Ion\",\"  Ionescu\",\" 1985 \"\n",
    )
    .expect("csv");
    let (clean, n) = app::encode::encode_file(&schema, &secret, &clean).expect("encode");
    let (messy, _) = app::encode::encode_file(&schema, &secret, &messy).expect("encode");
    assert_eq!(n, 2);
    assert_eq!(clean, messy);
    assert_eq!(app::encoded::prepare("  Maria   del  Carmen ;"), "maria del carmen");
}
