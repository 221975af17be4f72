//! Schema migrations: numbered SQL scripts embedded in the binary, each applied once, in order,
//! inside a transaction, and recorded in `palermo_migrations`. The scripts are portable SQL, so
//! SQLite and PostgreSQL share them.

use crate::{Error, Result, Store, db};

/// (version, name, script). Append only: a landed migration is never edited.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "schema", include_str!("../migrations/0001_schema.sql")),
    (2, "review", include_str!("../migrations/0002_review.sql")),
    (3, "encodings", include_str!("../migrations/0003_encodings.sql")),
    (4, "decision_keys", include_str!("../migrations/0004_decision_keys.sql")),
    (6, "releases", include_str!("../migrations/0006_releases.sql")),
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
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(Error::NewerSchema { found: current, known });
    }
    for (version, name, script) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let mut tx = pool.begin().await.map_err(db("starting a migration"))?;
        for statement in strip_comments(script).split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(&mut *tx)
                .await
                .map_err(db("applying a migration"))?;
        }
        sqlx::query("INSERT INTO palermo_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(*version)
            .bind(*name)
            .bind(crate::now_utc())
            .execute(&mut *tx)
            .await
            .map_err(db("recording a migration"))?;
        tx.commit().await.map_err(db("committing a migration"))?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(())
}

/// Drops `--` comment lines, so that a `;` inside a comment does not split a statement.
fn strip_comments(script: &str) -> String {
    script.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n").trim().to_owned()
}
