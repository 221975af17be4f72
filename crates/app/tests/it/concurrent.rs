//! Two processes at once on one database: the same file imported twice is stored once, audit
//! entries and review lists written at once all land, on SQLite and on PostgreSQL.

use app::{ImportOptions, Outcome};
use model::{NoProgress, RecordKind};
use store::{Begun, Store};

use crate::fixtures;
use crate::postgres::PgDatabase;

/// Opens two stores on `url` (as two processes would) and imports one file from both at once: the
/// first holds its import open while the second starts, then commits. The second must find the
/// file already stored, however the two interleave.
async fn same_file_twice_at_once(url: &str, dir: &std::path::Path) {
    let (mapping_path, file) = fixtures::write(dir, "police.csv", fixtures::many_rows(50).as_bytes());
    let mapping = app::observatory::load_mapping(&mapping_path).expect("mapping");
    let first = Store::open(url).await.expect("store");
    let second = Store::open(url).await.expect("store");
    first.ensure_source("police", "police").await.expect("source");
    let hash = ingest::hash_file(&file).expect("hash");
    let Begun::Started(held) =
        first.begin_import("police", RecordKind::Persons, "police.csv", &hash, false).await.expect("begin")
    else {
        panic!("nothing is stored yet")
    };
    let racing = tokio::spawn(async move {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        let source = app::Source { name: "police", kind: "police" };
        app::import_file(&second, source, &file, &mapping, ImportOptions::default(), today, &NoProgress).await
    });
    // The second import has checked for the file (not there yet) and waits for the write lock.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    held.commit(0).await.expect("commit");
    let report = racing.await.expect("task").expect("import");
    assert!(matches!(report.outcome, Outcome::AlreadyImported { .. }), "{:?}", report.outcome);
    let active = first.submissions().await.expect("submissions").into_iter().filter(|s| s.status == "active").count();
    assert_eq!(active, 1, "one active submission");
    assert!(first.quarantined().await.expect("quarantine").is_empty());
    first.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_file_imported_twice_at_once_is_stored_once_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    same_file_twice_at_once(&url, dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_file_imported_twice_at_once_is_stored_once_on_postgres() {
    let Some(pg) = PgDatabase::create("twice").await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    same_file_twice_at_once(&pg.url, dir.path()).await;
    pg.drop_database().await;
}

/// Many audited reads at once, from two pools (as two processes), all land in the audit log.
async fn audits_at_once(url: &str) {
    let first = Store::open(url).await.expect("store");
    let second = Store::open(url).await.expect("store");
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = if i % 2 == 0 { first.clone() } else { second.clone() };
        tasks.push(tokio::spawn(async move { store.audit("tester", "read_identities", "concurrency").await }));
    }
    for task in tasks {
        task.await.expect("task").expect("audit");
    }
    assert_eq!(first.audit_log().await.expect("log").len(), 24);
    first.close().await;
    second.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_audit_entries_all_land_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    audits_at_once(&format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_audit_entries_all_land_on_postgres() {
    let Some(pg) = PgDatabase::create("audits").await else { return };
    audits_at_once(&pg.url).await;
    pg.drop_database().await;
}

/// Review lists stored at once from two pools (as two linkages of two processes): every
/// replacement lands whole, one after the other, and the last one stands.
async fn review_lists_at_once(url: &str, dir: &std::path::Path) {
    let (mapping_path, file) = fixtures::write(dir, "police.csv", fixtures::many_rows(20).as_bytes());
    let mapping = app::observatory::load_mapping(&mapping_path).expect("mapping");
    let first = Store::open(url).await.expect("store");
    let second = Store::open(url).await.expect("store");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    let source = app::Source { name: "police", kind: "police" };
    app::import_file(&first, source, &file, &mapping, ImportOptions::default(), today, &NoProgress)
        .await
        .expect("import");
    let ids: Vec<i64> = first.persons().await.expect("records").iter().map(|r| r.id).collect();
    let item = |a: usize, b: usize| store::NewReviewItem {
        kind: store::ReviewKind::Pair,
        records: vec![ids[a], ids[b]],
        match_weight: Some(0.0),
        match_probability: Some(0.5),
        linked: false,
        fields: vec![store::ReviewField { field: "given_name".into(), level: 1, level_label: "x".into(), weight: 1.0 }],
    };
    let mut tasks = Vec::new();
    for i in 0..12usize {
        let store = if i % 2 == 0 { first.clone() } else { second.clone() };
        // Each run lists other pairs, so that new ids are handed out concurrently.
        let items: Vec<store::NewReviewItem> = (0..5).map(|k| item(k, 6 + (i + k) % 10)).collect();
        let run =
            store::NewLinkageRun { mode: "named".into(), n_records: 20, n_persons: 20, n_review: 5, n_decided: 0 };
        tasks.push(tokio::spawn(async move { store.replace_review(&run, &items).await }));
    }
    for task in tasks {
        task.await.expect("task").expect("review list stored");
    }
    let listed = first.review_items().await.expect("review list");
    assert_eq!(listed.len(), 5, "one whole list stands");
    assert!(listed.iter().all(|i| i.records.len() == 2 && i.fields.len() == 1));
    assert_eq!(first.last_linkage_run().await.expect("runs").map(|r| r.id), Some(12), "every run recorded");
    first.close().await;
    second.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_review_lists_all_land_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    review_lists_at_once(&format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display()), dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_review_lists_all_land_on_postgres() {
    let Some(pg) = PgDatabase::create("reviews").await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    review_lists_at_once(&pg.url, dir.path()).await;
    pg.drop_database().await;
}
