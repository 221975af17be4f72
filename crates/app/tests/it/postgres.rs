//! The same files imported into SQLite and into PostgreSQL give identical counts per field value.
//! PostgreSQL is the server at 127.0.0.1:5432 (database `test`, trust auth); each test creates and
//! drops a database of its own. When the server is missing the test fails under `CI=true` and
//! skips elsewhere, saying why.

use app::ImportOptions;
use model::{NoProgress, RecordKind};
use store::{Begun, Store};

use crate::fixtures;

const ADMIN_URL: &str = "postgres://root@127.0.0.1:5432/test";

/// A fresh PostgreSQL database for one test, dropped at the end.
pub struct PgDatabase {
    pub url: String,
    name: String,
}

impl PgDatabase {
    pub async fn create(tag: &str) -> Option<PgDatabase> {
        use sqlx::Connection;
        let admin = std::env::var("PALERMO_TEST_POSTGRES").unwrap_or_else(|_| ADMIN_URL.to_owned());
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(conn) => conn,
            Err(e) => {
                testkit::skip(&format!("PostgreSQL at {admin}"), e);
                return None;
            }
        };
        let name = format!("palermo_{tag}_{}", std::process::id());
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&mut conn).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create database");
        let url = admin.rsplit_once('/').map(|(base, _)| format!("{base}/{name}")).expect("url with a database");
        Some(PgDatabase { url, name })
    }

    pub async fn drop_database(self) {
        use sqlx::Connection;
        let admin = std::env::var("PALERMO_TEST_POSTGRES").unwrap_or_else(|_| ADMIN_URL.to_owned());
        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
                .execute(&mut conn)
                .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_agree_on_every_count() {
    let Some(pg) = PgDatabase::create("agree").await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let (mapping_path, broken) = fixtures::write(dir.path(), "broken.csv", fixtures::broken_csv().as_bytes());
    let many = dir.path().join("many.csv");
    std::fs::write(&many, fixtures::many_rows(3000)).expect("write");
    let mapping = app::observatory::load_mapping(&mapping_path).expect("mapping");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");

    let sqlite = Store::open_sqlite(&dir.path().join("t.db")).await.expect("sqlite");
    let postgres = Store::open(&pg.url).await.expect("postgres");
    for store in [&sqlite, &postgres] {
        for (source, file) in [("police", &broken), ("ngo", &many)] {
            app::import_file(
                store,
                app::Source { name: source, kind: "police" },
                file,
                &mapping,
                ImportOptions::default(),
                today,
                &NoProgress,
            )
            .await
            .expect("import");
        }
        // A re-import is a no-op on both.
        let again = app::import_file(
            store,
            app::Source { name: "ngo", kind: "police" },
            &many,
            &mapping,
            ImportOptions::default(),
            today,
            &NoProgress,
        )
        .await
        .expect("import");
        assert!(matches!(again.outcome, app::Outcome::AlreadyImported { .. }));
    }
    let mut compared = 0;
    for field in RecordKind::Persons.fields().iter().filter(|f| !f.identifying) {
        let a = sqlite.value_counts(RecordKind::Persons, field.name).await.expect("sqlite counts");
        let b = postgres.value_counts(RecordKind::Persons, field.name).await.expect("postgres counts");
        assert_eq!(a, b, "field {}", field.name);
        assert_eq!(a.values().sum::<i64>(), 3003, "field {}", field.name);
        compared += 1;
    }
    assert_eq!(compared, 18);
    assert_eq!(sqlite.quarantined().await.expect("q").len(), postgres.quarantined().await.expect("q").len());
    assert_eq!(sqlite.persons().await.expect("p"), postgres.persons().await.expect("p"));
    postgres.close().await;
    pg.drop_database().await;
}

/// One CSV cell, quoted (quotes doubled), so that any text survives the CSV reader.
fn quoted(cell: &str) -> String {
    format!("\"{}\"", cell.replace('"', "\"\""))
}

/// Text that `COPY`'s text format reads specially (tab, line ends, backslash, `\N`, `\.`) or that
/// a careless escaper mangles (quotes, non-ASCII) goes through a PostgreSQL import exactly as
/// through SQLite's bound parameters: records, identities and quarantined raw rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_keeps_every_character_on_postgres() {
    let Some(pg) = PgDatabase::create("escape").await else { return };
    // (source id, given name, family name): inner characters only, as cells are trimmed.
    let good = [
        ("A\\1", "Ana\tMaria", "\\N"),
        ("A\t2", "Line\nbreak", "Carriage\rreturn"),
        ("A\r\n3", "back\\slash\\", "\"quoted\" 'single'"),
        ("Ñ4", "Ñuñoa", "北京 Zürich \u{1F600}"),
        ("\\.", "\\.", "\\\\N"),
    ];
    let mut csv = String::from("Case;Identified;Gender;Age;Nationality;Forms;First name;Last name;Born\n");
    for (case, given, family) in good {
        csv.push_str(&format!("{};03/02/2021;F;30;ROU;SEX;{};{};1990\n", quoted(case), quoted(given), quoted(family)));
    }
    // Refused (unknown sex code): its raw cells go to the quarantine.
    csv.push_str(&format!("B1;03/02/2021;X;30;ROU;SEX;{};{};1990\n", quoted("Tab\there \\N"), quoted("a\\b\nc")));
    let dir = tempfile::tempdir().expect("tempdir");
    let (mapping_path, file) = fixtures::write(dir.path(), "escape.csv", csv.as_bytes());
    let mapping = app::observatory::load_mapping(&mapping_path).expect("mapping");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");

    let sqlite = Store::open_sqlite(&dir.path().join("t.db")).await.expect("sqlite");
    let postgres = Store::open(&pg.url).await.expect("postgres");
    for store in [&sqlite, &postgres] {
        let source = app::Source { name: "police", kind: "police" };
        let report = app::import_file(store, source, &file, &mapping, ImportOptions::default(), today, &NoProgress)
            .await
            .expect("import");
        assert_eq!((report.rows_good, report.rows_bad), (5, 1));
    }
    for store in [&sqlite, &postgres] {
        let identities = store.read_identities("tester", "escaping test").await.expect("identities");
        let names: Vec<(&str, &str)> =
            identities.iter().map(|i| (i.given_name.as_str(), i.family_name.as_str())).collect();
        let expected: Vec<(&str, &str)> = good.iter().map(|(_, given, family)| (*given, *family)).collect();
        assert_eq!(names, expected, "{:?}", store.backend());
        let persons = store.persons().await.expect("persons");
        let ids: Vec<&str> = persons.iter().map(|p| p.get("source_id")).collect();
        let expected: Vec<&str> = good.iter().map(|(case, _, _)| *case).collect();
        assert_eq!(ids, expected, "{:?}", store.backend());
    }
    assert_eq!(sqlite.persons().await.expect("persons"), postgres.persons().await.expect("persons"));
    let raw = |store: &Store| {
        let store = store.clone();
        async move { store.read_quarantined_raw("tester", "escaping test").await.expect("raw") }
    };
    let (on_sqlite, on_postgres) = (raw(&sqlite).await, raw(&postgres).await);
    assert_eq!(on_sqlite.len(), 1);
    assert!(on_sqlite[0].raw_row.contains("\\\\N"), "{}", on_sqlite[0].raw_row);
    assert_eq!(
        on_sqlite.iter().map(|r| &r.raw_row).collect::<Vec<_>>(),
        on_postgres.iter().map(|r| &r.raw_row).collect::<Vec<_>>()
    );
    postgres.close().await;
    pg.drop_database().await;
}

/// An import into PostgreSQL dropped before its commit, after it has sent rows (more than one
/// COPY buffer), leaves no submission, record, identity or quarantined row; the next import runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_dropped_before_commit_leaves_nothing_on_postgres() {
    use sqlx::Connection;
    let Some(pg) = PgDatabase::create("dropped").await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut csv = fixtures::many_rows(40_000);
    csv.push_str("BAD;03/02/2021;X;30;ROU;SEX;Ana;Pop;1990\n");
    let (mapping_path, file) = fixtures::write(dir.path(), "many.csv", csv.as_bytes());
    let mapping = app::observatory::load_mapping(&mapping_path).expect("mapping");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");

    let store = Store::open(&pg.url).await.expect("postgres");
    store.ensure_source("police", "police").await.expect("source");
    let hash = ingest::hash_file(&file).expect("hash");
    let Begun::Started(mut import) =
        store.begin_import("police", RecordKind::Persons, "many.csv", &hash, false).await.expect("begin")
    else {
        panic!("nothing is stored yet")
    };
    let mut reader = ingest::FileReader::open(&file, &mapping, today).expect("reader");
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    while let Some(row) = reader.next_row() {
        match row.expect("row") {
            ingest::Row::Good { row, record } => good.push(store::StoreRow::new(row, record)),
            ingest::Row::Bad { row, .. } => bad.push((row, "[]".to_owned(), "{}".to_owned())),
        }
    }
    assert_eq!((good.len(), bad.len()), (40_000, 1));
    for chunk in good.chunks(2000) {
        import.insert(chunk).await.expect("insert");
    }
    import.quarantine(&bad).await.expect("quarantine");
    drop(import);
    store.close().await;

    let mut conn = sqlx::PgConnection::connect(&pg.url).await.expect("connect");
    for table in ["submissions", "person_records", "person_identities", "quarantine"] {
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(&mut conn)
            .await
            .expect("count");
        assert_eq!(count, 0, "{table}");
    }
    conn.close().await.expect("close");

    let store = Store::open(&pg.url).await.expect("postgres");
    let source = app::Source { name: "police", kind: "police" };
    let report = app::import_file(&store, source, &file, &mapping, ImportOptions::default(), today, &NoProgress)
        .await
        .expect("import");
    assert!(matches!(report.outcome, app::Outcome::Imported(t) if t.submission_id == 1 && t.rows_stored == 40_000));
    assert_eq!(store.persons().await.expect("persons").len(), 40_000);
    store.close().await;
    pg.drop_database().await;
}
