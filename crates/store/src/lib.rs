//! Palermo's database.
//!
//! One code path for SQLite (embedded default: one file inside the observatory folder) and
//! PostgreSQL (multi-user deployments), through sqlx's `Any` driver and portable SQL with `$N`
//! placeholders, which both engines accept. Only this crate knows SQL.
//!
//! - Every record keeps its provenance: source, submission (file name, SHA-256, received-at) and
//!   row number.
//! - Identifying fields live in `person_identities`, apart from the analytical `person_records`;
//!   they are read only through [`Store::read_identities`], which writes an audit entry first.
//! - An import is one transaction ([`Import`]): a crash or kill mid-file leaves the database as
//!   it was before that file.
//! - An import bypasses the `Any` driver, whose arguments copy every value twice: into a SQLite
//!   file it bulk-loads on a connection of its own (rusqlite, prepared single-row statements, the
//!   same SQL text); into PostgreSQL it streams the rows with `COPY … FROM STDIN` on a typed
//!   connection. An in-memory SQLite database is refused: nothing in it would persist.
//! - The web application's accounts, sessions, API tokens and login throttling live here too, so
//!   that several server instances on one PostgreSQL share them; the audit log is append-only
//!   (a trigger refuses UPDATE and DELETE).

mod accounts;
mod encodings;
mod import;
mod jobs;
mod migrate;
mod query;
mod releases;
mod review;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

pub use accounts::{AuditEntry, Credential, NewUser, StagedUpload, StoredToken, StoredUser};
pub use import::{Begun, Import, ImportTotals, StoreRow};
pub use jobs::{JobProgress, QuestionnaireSave, Saved, StoredJob, StoredQuestionnaire};
pub use query::{Identity, QuarantinedRaw, QuarantinedRow, StoredJustice, StoredPerson, Submission};
pub use releases::{Budget, NewRelease, Spend, StoredRelease};
pub use review::{
    Decision, LinkageRun, NewLinkageRun, NewReviewItem, RecordKey, ReviewField, ReviewItem, ReviewKind, Verdict,
};

/// Store errors. Messages name tables and operations, never a person's data.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error while {action}: {source}")]
    Database {
        action: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("database error while {action}: {source}")]
    Sqlite {
        action: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("unsupported database URL (expected sqlite://… or postgres://…)")]
    UnsupportedUrl,
    #[error(
        "cannot write to {}: {source} (the SQLite database and its journal live there: check that the folder exists, is writable by this user and has free space)",
        path.display()
    )]
    NotWritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("an in-memory SQLite database keeps nothing once closed: give a database file (sqlite://path/palermo.db)")]
    InMemorySqlite,
    #[error("the database was written by a newer Palermo (schema version {found}, this build knows {known})")]
    NewerSchema { found: i64, known: i64 },
    #[error("migration {version} left rows of `{table}` whose foreign key points at nothing; nothing was changed")]
    BrokenMigration { version: i64, table: String },
    #[error("source `{name}` is registered as `{existing}`, not `{requested}`")]
    SourceKindConflict { name: String, existing: String, requested: String },
    #[error("no review item {0} in the last linkage's review list")]
    UnknownReviewItem(i64),
    #[error("who reads identifying data or decides on a review item must be named (an empty name was given)")]
    UnnamedActor,
    #[error(
        "this release would spend ε = {requested} from the privacy budget of `{dataset}`: its total is ε = {total}, {spent} is already spent, {left} is left; nothing was published",
        left = (.total - .spent).max(0.0)
    )]
    BudgetExceeded { dataset: String, total: f64, spent: f64, requested: f64 },
    #[error("ε must be a finite number of 0 or more, not {0}")]
    InvalidEpsilon(f64),
    #[error("a user named `{0}` already exists")]
    UserExists(String),
    #[error("the task sending an import to PostgreSQL stopped: {0}")]
    ImportTask(#[source] tokio::task::JoinError),
    #[error("the import cannot go on after an earlier error (nothing of it is stored)")]
    ImportBroken,
    #[error("serialising {what}: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn db(action: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |source| Error::Database { action, source }
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to a migrated Palermo database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    bulk: Bulk,
}

/// Where an import writes, besides the `Any` pool.
#[derive(Debug, Clone)]
pub(crate) enum Bulk {
    /// The SQLite database file, which an import opens a connection of its own to.
    SqliteFile(PathBuf),
    /// A small PostgreSQL pool, typed so that an import can `COPY`; it connects when an import
    /// first needs it.
    Postgres(PgPool),
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and migrates it.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        // Said at once: otherwise a read-only folder surfaces after the pool's 30 s timeout, as
        // "pool timed out".
        check_writable(path)?;
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Store::open(&url).await
    }

    /// Opens a database by URL (`sqlite://…` or `postgres://…`) and migrates it.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            if url.contains(":memory:") || url.contains("mode=memory") {
                return Err(Error::InMemorySqlite);
            }
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::UnsupportedUrl);
        };
        // Statements are not logged: a slow one (reading a million records) would print its SQL
        // on the user's terminal as a warning; stage timings are logged by the application.
        let options = sqlx::ConnectOptions::disable_statement_logging(
            AnyConnectOptions::from_str(url).map_err(db("parsing the database URL"))?,
        );
        let mut pool_options = AnyPoolOptions::new().max_connections(if backend == Backend::Sqlite { 2 } else { 4 });
        if backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // 16 KiB pages (taken only when the file is created): a bulk import spends an
                    // eighth less time in SQLite's B-trees than with the 4 KiB default.
                    // WAL keeps readers going during an import and makes commits atomic across a
                    // crash; NORMAL sync is durable at every checkpoint, which is what a batch
                    // import needs.
                    sqlx::raw_sql("PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = pool_options.connect_with(options).await.map_err(db("connecting"))?;
        let bulk = match backend {
            Backend::Sqlite => Bulk::SqliteFile(
                sqlx::sqlite::SqliteConnectOptions::from_str(url)
                    .map_err(db("parsing the database URL"))?
                    .get_filename()
                    .to_owned(),
            ),
            Backend::Postgres => {
                let options = sqlx::ConnectOptions::disable_statement_logging(
                    PgConnectOptions::from_str(url).map_err(db("parsing the database URL"))?,
                );
                Bulk::Postgres(PgPoolOptions::new().max_connections(2).connect_lazy_with(options))
            }
        };
        let store = Store { pool, backend, bulk };
        migrate::run(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn bulk(&self) -> &Bulk {
        &self.bulk
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pools, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
        if let Bulk::Postgres(pool) = &self.bulk {
            pool.close().await;
        }
    }
}

/// Checks that the database file can be opened for writing (created if missing) and that its
/// folder takes new files (SQLite's write-ahead log and shared-memory index go beside it).
fn check_writable(path: &Path) -> Result<()> {
    fn not_writable(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::NotWritable { path: path.to_owned(), source }
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(not_writable(path))?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let probe = folder.join(format!(".palermo-write-check-{}", std::process::id()));
    std::fs::OpenOptions::new().write(true).create_new(true).open(&probe).map_err(not_writable(folder))?;
    std::fs::remove_file(&probe).map_err(not_writable(folder))
}

/// Builds `($1, $2, …), ($k+1, …)` for `rows` rows of `columns` values each, numbering from 1; on
/// SQLite plain `?`, because SQLite looks a numbered parameter's name up by a linear scan, which
/// makes binding a many-row INSERT quadratic in its number of parameters.
pub(crate) fn placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..columns {
            if c > 0 {
                sql.push(',');
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(r * columns + c + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// The current time as an RFC 3339 UTC string, the one time format the store writes.
pub fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn an_in_memory_sqlite_database_is_refused() {
        for url in ["sqlite::memory:", "sqlite://:memory:", "sqlite://palermo.db?mode=memory"] {
            assert!(matches!(super::Store::open(url).await, Err(super::Error::InMemorySqlite)), "{url}");
        }
    }

    /// A database that cannot be written is said at once, with its path, not after the pool's
    /// timeout as "pool timed out". (Tests run as root, which ignores permission bits, so the
    /// unwritable place here is a path under a regular file.)
    #[tokio::test]
    async fn an_unwritable_database_is_said_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, b"x").expect("file");
        let started = std::time::Instant::now();
        let opened = super::Store::open_sqlite(&file.join("palermo.db")).await;
        let elapsed = started.elapsed();
        let error = opened.expect_err("refused").to_string();
        assert!(error.contains("cannot write to") && error.contains("not-a-folder"), "{error}");
        assert!(elapsed < std::time::Duration::from_secs(5), "took {elapsed:?}");
    }

    #[test]
    fn placeholders_number_across_rows() {
        assert_eq!(super::placeholders(super::Backend::Postgres, 2, 3), "($1,$2,$3),($4,$5,$6)");
        assert_eq!(super::placeholders(super::Backend::Sqlite, 1, 2), "(?,?)");
    }
}
