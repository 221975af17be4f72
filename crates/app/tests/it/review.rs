//! The review list in the store, on SQLite and PostgreSQL alike: items keep their ids across
//! linkages, decisions are history (the latest applies), identities are read only with an audit
//! entry.

use app::ImportOptions;
use model::NoProgress;
use store::{NewLinkageRun, NewReviewItem, ReviewField, ReviewKind, Store, Verdict};

use crate::fixtures;
use crate::postgres::PgDatabase;

fn pair(a: i64, b: i64, probability: f64) -> NewReviewItem {
    NewReviewItem {
        kind: ReviewKind::Pair,
        records: vec![a, b],
        match_weight: Some((probability / (1.0 - probability)).log2()),
        match_probability: Some(probability),
        linked: false,
        fields: vec![
            ReviewField { field: "given_name".into(), level: 3, level_label: "jaro_winkler_0.9".into(), weight: 4.5 },
            ReviewField { field: "date_of_birth".into(), level: 0, level_label: "null".into(), weight: 0.0 },
        ],
    }
}

fn run(n_review: i64) -> NewLinkageRun {
    NewLinkageRun { mode: "named".into(), n_records: 3003, n_persons: 2900, n_review, n_decided: 0 }
}

async fn exercise(store: &Store) -> Vec<String> {
    let ids: Vec<i64> = store.persons().await.expect("persons").iter().map(|p| p.id).take(4).collect();
    assert_eq!(ids.len(), 4);
    store.replace_review(&run(2), &[pair(ids[0], ids[1], 0.7), pair(ids[1], ids[2], 0.6)]).await.expect("store");
    let items = store.review_items().await.expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].fields.len(), 2);
    assert_eq!(items[0].fields[0].field, "given_name");
    assert!((items[0].match_probability.expect("p") - 0.7).abs() < 1e-12);
    let first = items[0].id;
    // A new linkage with the first pair again and a new cluster: the pair keeps its id.
    let cluster = NewReviewItem {
        kind: ReviewKind::Cluster,
        records: vec![ids[3], ids[2], ids[0]],
        match_weight: None,
        match_probability: None,
        linked: true,
        fields: Vec::new(),
    };
    store.replace_review(&run(2), &[pair(ids[1], ids[0], 0.7), cluster]).await.expect("store");
    let items = store.review_items().await.expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].id, first, "same records, same id");
    let cluster_id = items[1].id;
    assert!(cluster_id > first + 1, "ids of dropped items are not reused");
    assert_eq!(items[1].records.len(), 3);

    store.record_decision(first, Verdict::Match, "alice").await.expect("decide");
    store.record_decision(first, Verdict::Distinct, "bob").await.expect("decide");
    let written = store.record_decision(cluster_id, Verdict::Distinct, "alice").await.expect("decide");
    assert_eq!(written.len(), 3, "every two records of the cluster");
    assert!(matches!(
        store.record_decision(424242, Verdict::Match, "x").await,
        Err(store::Error::UnknownReviewItem(424242))
    ));
    assert_eq!(store.decisions().await.expect("history").len(), 5);
    let current = store.current_decisions().await.expect("current");
    assert_eq!(current.len(), 4, "(0,1) once, and the cluster's three pairs");
    let pair01 = current.iter().find(|d| d.record_a == ids[0] && d.record_b == ids[1]).expect("pair decision");
    assert_eq!((pair01.verdict, pair01.decided_by.as_str()), (Verdict::Distinct, "bob"), "the latest applies");

    let before = store.audit_log().await.expect("log").len();
    let identities = store.read_identities_of(&[ids[0], ids[1]], "alice", "review").await.expect("identities");
    assert_eq!(identities.len(), 2);
    let log = store.audit_log().await.expect("log");
    assert_eq!(log.len(), before + 1);
    assert_eq!(log.last().map(|e| (e.1.as_str(), e.2.as_str())), Some(("alice", "read_identities")));
    let last = store.last_linkage_run().await.expect("run").expect("a run");
    assert_eq!((last.id, last.mode.as_str(), last.n_review), (2, "named", 2));
    items.iter().map(|i| format!("{:?} {:?} {:?}", i.kind, i.records, i.fields)).collect()
}

async fn import(store: &Store, dir: &std::path::Path) {
    let (mapping_path, _) = fixtures::write(dir, "broken.csv", fixtures::broken_csv().as_bytes());
    let many = dir.join("many.csv");
    std::fs::write(&many, fixtures::many_rows(10)).expect("write");
    let mapping = app::observatory::load_mapping(&mapping_path).expect("mapping");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    app::import_file(
        store,
        app::Source { name: "police", kind: "police" },
        &many,
        &mapping,
        ImportOptions::default(),
        today,
        &NoProgress,
    )
    .await
    .expect("import");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_list_and_decisions_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = Store::open_sqlite(&dir.path().join("t.db")).await.expect("sqlite");
    import(&sqlite, dir.path()).await;
    let on_sqlite = exercise(&sqlite).await;
    let Some(pg) = PgDatabase::create("review").await else { return };
    let postgres = Store::open(&pg.url).await.expect("postgres");
    import(&postgres, dir.path()).await;
    let on_postgres = exercise(&postgres).await;
    assert_eq!(on_sqlite, on_postgres);
    postgres.close().await;
    pg.drop_database().await;
}
