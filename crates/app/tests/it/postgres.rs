//! The same files imported into SQLite and into PostgreSQL give identical counts per field value.
//! PostgreSQL is the server at 127.0.0.1:5432 (database `test`, trust auth); each test creates and
//! drops a database of its own. When the server is missing the test fails under `CI=true` and
//! skips elsewhere, saying why.

use app::ImportOptions;
use model::{NoProgress, RecordKind};
use store::Store;

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
