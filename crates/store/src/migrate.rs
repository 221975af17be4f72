//! Schema migrations: numbered SQL scripts embedded in the binary, each applied once, in order,
//! inside a transaction, and recorded in `palermo_migrations`. The scripts are portable SQL, so
//! SQLite and PostgreSQL share them.
//!
//! What portable SQL cannot say (a trigger, whose body holds `;`, or PostgreSQL's privileges) goes
//! into an engine's own script beside the portable one (`NNNN_name.sqlite.sql`,
//! `NNNN_name.postgres.sql`), run whole after it in the same transaction on that engine only.

use crate::{Backend, Error, Result, Store, db};

/// One migration: the portable script, split on `;`, then the script of the store's engine, if
/// any, sent whole (so that a trigger's body keeps its `;`).
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
        version: 7,
        name: "accounts",
        portable: include_str!("../migrations/0007_accounts.sql"),
        sqlite: Some(include_str!("../migrations/0007_accounts.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0007_accounts.postgres.sql")),
    },
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
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let (version, name) = (&migration.version, &migration.name);
        let mut tx = pool.begin().await.map_err(db("starting a migration"))?;
        for statement in strip_comments(migration.portable).split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(&mut *tx)
                .await
                .map_err(db("applying a migration"))?;
        }
        let own = match store.backend() {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        if let Some(script) = own {
            sqlx::raw_sql(sqlx::AssertSqlSafe(script))
                .execute(&mut *tx)
                .await
                .map_err(db("applying a migration's engine-specific script"))?;
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
