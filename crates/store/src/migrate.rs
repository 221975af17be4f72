//! Schema migrations: numbered SQL scripts embedded in the binary, each applied once, in order,
//! inside a transaction, and recorded in `palermo_migrations`.
//!
//! A migration is a portable script, shared by SQLite and PostgreSQL and split on `;`, and where
//! portable SQL cannot say it, an engine's own script beside it (`NNNN_name.sqlite.sql`,
//! `NNNN_name.postgres.sql`: SQLite's table rebuilds, PostgreSQL's named constraints, triggers
//! whose bodies hold `;`), sent whole after the portable one in the same transaction.
//!
//! On SQLite a migration runs with foreign keys off, as SQLite's own procedure for changing a
//! table's schema asks (a rebuild drops the referenced table), and `PRAGMA foreign_key_check` must
//! find nothing before it commits.

use sqlx::{Acquire, Row};

use crate::{Backend, Error, Result, Store, db};

/// One migration: the portable script, then the script of the store's engine, if any.
struct Migration {
    version: i64,
    name: &'static str,
    portable: &'static str,
    sqlite: Option<&'static str>,
    postgres: Option<&'static str>,
}

const fn portable(version: i64, name: &'static str, portable: &'static str) -> Migration {
    Migration { version, name, portable, sqlite: None, postgres: None }
}

/// Append only: a landed migration is never edited.
const MIGRATIONS: &[Migration] = &[
    portable(1, "schema", include_str!("../migrations/0001_schema.sql")),
    portable(2, "review", include_str!("../migrations/0002_review.sql")),
    portable(3, "encodings", include_str!("../migrations/0003_encodings.sql")),
    portable(4, "decision_keys", include_str!("../migrations/0004_decision_keys.sql")),
    Migration {
        version: 5,
        name: "bulk_keys",
        portable: "",
        sqlite: Some(include_str!("../migrations/0005_bulk_keys.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0005_bulk_keys.postgres.sql")),
    },
    portable(6, "releases", include_str!("../migrations/0006_releases.sql")),
    Migration {
        version: 7,
        name: "accounts",
        portable: include_str!("../migrations/0007_accounts.sql"),
        sqlite: Some(include_str!("../migrations/0007_accounts.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0007_accounts.postgres.sql")),
    },
    portable(8, "privacy_budget", include_str!("../migrations/0008_privacy_budget.sql")),
    portable(9, "jobs_questionnaires", include_str!("../migrations/0009_jobs_questionnaires.sql")),
];

pub(crate) async fn run(store: &Store) -> Result<()> {
    let pool = store.pool();
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS palermo_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await
    .map_err(db("creating the migrations table"))?;
    let current: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM palermo_migrations")
        .fetch_one(pool)
        .await
        .map_err(db("reading the schema version"))?;
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    if current > known {
        return Err(Error::NewerSchema { found: current, known });
    }
    let sqlite = store.backend() == Backend::Sqlite;
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let (version, name) = (migration.version, migration.name);
        let mut conn = pool.acquire().await.map_err(db("starting a migration"))?;
        if sqlite {
            // Takes effect only outside a transaction, hence before it begins.
            sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.map_err(db("starting a migration"))?;
        }
        let mut tx = conn.begin().await.map_err(db("starting a migration"))?;
        for statement in strip_comments(migration.portable).split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(&mut *tx)
                .await
                .map_err(db("applying a migration"))?;
        }
        let own = if sqlite { migration.sqlite } else { migration.postgres };
        if let Some(script) = own {
            sqlx::raw_sql(sqlx::AssertSqlSafe(script))
                .execute(&mut *tx)
                .await
                .map_err(db("applying a migration's engine-specific script"))?;
        }
        if sqlite {
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut *tx)
                .await
                .map_err(db("checking a migration"))?;
            if let Some(row) = broken.first() {
                let table: String = row.try_get(0).map_err(db("checking a migration"))?;
                return Err(Error::BrokenMigration { version, table });
            }
        }
        sqlx::query("INSERT INTO palermo_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(version)
            .bind(name)
            .bind(crate::now_utc())
            .execute(&mut *tx)
            .await
            .map_err(db("recording a migration"))?;
        tx.commit().await.map_err(db("committing a migration"))?;
        if sqlite {
            sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await.map_err(db("ending a migration"))?;
        }
        tracing::info!(version, name, "applied migration");
    }
    Ok(())
}

/// Drops `--` comment lines, so that a `;` inside a comment does not split a statement.
fn strip_comments(script: &str) -> String {
    script.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    /// A database written by a build that knew schema version 4 keeps every row through version 5's
    /// table rebuilds, and its record ids become SQLite's rowid (no separate unique index).
    #[tokio::test]
    async fn version_5_rebuilds_an_older_sqlite_database_without_losing_a_row() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("palermo.db");
        {
            let conn = rusqlite::Connection::open(&path).expect("open");
            conn.execute_batch("CREATE TABLE palermo_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
                .expect("migrations table");
            for m in MIGRATIONS.iter().filter(|m| m.version <= 4) {
                assert!(m.sqlite.is_none(), "version {} is portable", m.version);
                conn.execute_batch(m.portable).expect("old migration");
                conn.execute("INSERT INTO palermo_migrations VALUES (?1, ?2, 'then')", (m.version, m.name))
                    .expect("record");
            }
            conn.execute_batch(
                "INSERT INTO sources VALUES ('police', 'police');
                 INSERT INTO submissions VALUES (1, 'police', 'person', 'a.csv', 'h', 't', 2, 2, 0, 'active', NULL);
                 INSERT INTO person_records (id, submission_id, source, row_number, source_id, role, year, date, sex, age, age_band, citizenship, country_of_exploitation, subnational_area, exploitation, labour_sector, means_of_control, recruiter_relation, cross_border, services, referred_by, consent_data_sharing)
                   VALUES (7, 1, 'police', 2, 'P-1', 'victim', 2020, '2020-01-01', 'female', 30, '25-34', 'ROU', 'GBR', '', 'sexual', '', '', '', 'yes', '', '', 'yes'),
                          (9, 1, 'police', 3, 'P-2', 'victim', 2021, '2021-01-01', 'male', NULL, 'unknown', 'VNM', 'GBR', '', 'labour', '', '', '', 'yes', '', '', 'no');
                 INSERT INTO person_identities VALUES (7, 'A', 'B', '1990-01-01', '', ''), (9, 'C', 'D', '', '', 'X1');
                 INSERT INTO record_encodings VALUES (9, 'AAAA');
                 INSERT INTO justice_records VALUES (3, 1, 'police', 2, 'J-1', 2020, 'prosecuted', 'male', 'ROU', 'sexual', 'trafficking', NULL, 4);
                 INSERT INTO review_decisions (id, record_a, record_b, decision, decided_by, decided_at, source_a, source_id_a, source_b, source_id_b)
                   VALUES (1, 7, 9, 'distinct', 'reviewer', 't', 'police', 'P-1', 'police', 'P-2');",
            )
            .expect("rows of version 4");
        }
        let store = crate::Store::open_sqlite(&path).await.expect("migrated");
        store.close().await;
        let conn = rusqlite::Connection::open(&path).expect("reopen");
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql);
        assert_eq!(count("SELECT MAX(version) FROM palermo_migrations"), MIGRATIONS.last().expect("some").version);
        assert_eq!(count("SELECT COUNT(*) FROM person_records WHERE id IN (7, 9)"), 2);
        assert_eq!(count("SELECT COUNT(*) FROM person_identities i JOIN person_records r ON r.id = i.record_id"), 2);
        assert_eq!(count("SELECT COUNT(*) FROM record_encodings WHERE record_id = 9"), 1);
        assert_eq!(count("SELECT SUM(count) FROM justice_records"), 4);
        assert_eq!(count("SELECT COUNT(*) FROM review_decisions d JOIN person_records r ON r.id = d.record_b"), 1);
        assert_eq!(count("SELECT age FROM person_records WHERE id = 7"), 30);
        for table in ["person_records", "person_identities", "record_encodings", "justice_records"] {
            let autoindexes = count(&format!(
                "SELECT COUNT(*) FROM pragma_index_list('{table}') WHERE name LIKE 'sqlite_autoindex%'"
            ));
            assert_eq!(autoindexes, 0, "{table}'s id is its rowid");
        }
        let indexes = count("SELECT COUNT(*) FROM pragma_index_list('person_records')");
        assert_eq!(indexes, 2, "the submission and source-id indexes are back");
        assert_eq!(count("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    }
}
