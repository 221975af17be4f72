//! One file's import as one transaction: the submission row, its records (analytical and
//! identifying parts in their own tables) and its quarantined rows are committed together or not
//! at all.
//!
//! PostgreSQL (and an in-memory SQLite) write through the pool's transaction with multi-row
//! INSERTs. A SQLite file is bulk-loaded on a connection of its own, in one `BEGIN IMMEDIATE`
//! transaction, with prepared single-row statements: sqlx's `Any` driver copies every bound value
//! twice, which held imports to a third of what SQLite itself does. The SQL text is the same for
//! both; only how it is executed differs.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;

use model::{FieldKind, Record, RecordKind};
use rusqlite::OptionalExtension;
use sqlx::{Any, Transaction};

use crate::{Backend, Result, Store, db, placeholders};

/// Rows per INSERT statement: large enough to amortise the statement, small enough to stay under
/// SQLite's 32,766 and PostgreSQL's 65,535 bound parameters (1,000 rows × 22 columns).
const BATCH_ROWS: usize = 1000;

/// What an import stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportTotals {
    pub submission_id: i64,
    pub rows_stored: u64,
    pub rows_quarantined: u64,
    /// Earlier submissions of the source that this one replaced.
    pub replaced: u64,
}

/// One value as a column stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cell {
    Int(Option<i64>),
    Text(Cow<'static, str>),
    Country(model::Iso3),
}

impl Cell {
    fn of(field: &model::Field, value: model::Value) -> Cell {
        if is_integer(field) {
            return Cell::Int(value.as_int());
        }
        match value {
            model::Value::Country(country) => Cell::Country(country),
            value => Cell::Text(value.into_text()),
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Cell::Int(_) => None,
            Cell::Text(text) => Some(text),
            Cell::Country(country) => Some(country.as_str()),
        }
    }
}

/// A validated record in the form its tables store it. Building it (formatting dates, joining
/// code lists) is the caller's work, so that an import can do it on its reading thread and the
/// database thread only binds values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRow {
    /// The row number in the file.
    pub row: u64,
    analytical: Vec<Cell>,
    /// The identifying values, when at least one is known (only then is an identities row stored).
    identity: Option<Vec<Cell>>,
    /// The record's Bloom-filter encoding (base64), for sources that send encodings.
    encoding: Option<String>,
    /// Where `source_id` is in `analytical`.
    source_id: Option<usize>,
}

impl StoreRow {
    pub fn new(row: u64, record: Record) -> StoreRow {
        let kind = record.kind;
        let mut analytical = Vec::with_capacity(record.values.len());
        let mut identity = Vec::new();
        let mut identified = false;
        let mut source_id = None;
        for (field, value) in kind.fields().iter().zip(record.values) {
            if field.name == "source_id" {
                source_id = Some(analytical.len());
            }
            if field.identifying {
                identified |= value.is_known();
                identity.push(Cell::of(field, value));
            } else {
                analytical.push(Cell::of(field, value));
            }
        }
        StoreRow { row, analytical, identity: identified.then_some(identity), encoding: None, source_id }
    }

    /// The row with its Bloom-filter encoding, stored in the same transaction (apart, in
    /// `record_encodings`).
    pub fn with_encoding(mut self, base64: String) -> StoreRow {
        self.encoding = Some(base64);
        self
    }

    /// The record's source id, when it has one (not `unknown` or `not recorded`).
    pub fn source_id(&self) -> Option<&str> {
        let id = self.analytical.get(self.source_id?).and_then(Cell::as_str)?;
        (id != model::vocab::UNKNOWN && id != model::vocab::NOT_RECORDED).then_some(id)
    }
}

/// Where an import writes.
enum Conn {
    Pool(Transaction<'static, Any>),
    Sqlite(rusqlite::Connection),
}

const ACTIVE_WITH_HASH: &str = "SELECT id, rows_read, rows_stored FROM submissions WHERE source = $1 AND record_kind = $2 AND file_hash = $3 AND status = 'active'";
const NEXT_SUBMISSION_ID: &str = "SELECT COALESCE(MAX(id), 0) + 1 FROM submissions";
const INSERT_SUBMISSION: &str = "INSERT INTO submissions (id, source, record_kind, file_name, file_hash, received_at, rows_read, rows_stored, rows_quarantined, status) \
     VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, 'importing')";
const REPLACE_SUBMISSIONS: &str = "UPDATE submissions SET status = 'replaced', replaced_by = $1 WHERE source = $2 AND record_kind = $3 AND status = 'active'";
const NEXT_QUARANTINE_ID: &str = "SELECT COALESCE(MAX(id), 0) + 1 FROM quarantine";
const CLOSE_SUBMISSION: &str =
    "UPDATE submissions SET status = 'active', rows_read = $1, rows_stored = $2, rows_quarantined = $3 WHERE id = $4";
const IDENTITY_COLUMNS: &str = "record_id, given_name, family_name, date_of_birth, place_of_birth, document_number";
const ENCODING_COLUMNS: &str = "record_id, encoding";
const QUARANTINE_COLUMNS: &str = "id, submission_id, row_number, errors, raw_row";

fn next_record_id_sql(kind: RecordKind) -> String {
    format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {}", table_of(kind))
}

fn active_source_ids_sql(kind: RecordKind) -> String {
    format!(
        "SELECT r.source_id FROM {} r JOIN submissions s ON s.id = r.submission_id \
         WHERE s.source = $1 AND s.status = 'active' AND r.source_id <> 'not_recorded'",
        table_of(kind)
    )
}

/// `INSERT INTO table (columns…) VALUES …` for `rows` rows of `columns` values.
fn insert_sql(backend: Backend, table: &str, columns: &str, rows: usize, width: usize) -> String {
    format!("INSERT INTO {table} ({columns}) VALUES {}", placeholders(backend, rows, width))
}

fn analytical_columns(kind: RecordKind) -> (String, usize) {
    let names: Vec<&str> = analytical_fields(kind).map(|f| f.name).collect();
    (format!("id, submission_id, source, row_number, {}", names.join(", ")), 4 + names.len())
}

fn sqlite(action: &'static str) -> impl FnOnce(rusqlite::Error) -> crate::Error {
    move |source| crate::Error::Sqlite { action, source }
}

/// How an import began.
#[derive(Debug)]
pub enum Begun {
    Started(Import),
    /// The same file (same SHA-256) is already the source's active submission, perhaps stored by
    /// another process a moment ago: nothing was started.
    AlreadyActive {
        submission_id: i64,
        rows_read: i64,
        rows_stored: i64,
    },
}

/// An import under way. Dropping it without [`Import::commit`] rolls everything back.
pub struct Import {
    conn: Conn,
    at: Cursor,
}

/// What an import knows besides its connection.
struct Cursor {
    backend: Backend,
    kind: RecordKind,
    source: String,
    totals: ImportTotals,
    next_record_id: i64,
    next_quarantine_id: i64,
}

impl std::fmt::Debug for Import {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Import")
            .field("source", &self.at.source)
            .field("totals", &self.at.totals)
            .finish_non_exhaustive()
    }
}

/// The analytical columns of a record kind: its non-identifying fields, in canonical order.
pub(crate) fn analytical_fields(kind: RecordKind) -> impl Iterator<Item = &'static model::Field> {
    kind.fields().iter().filter(|f| !f.identifying)
}

pub(crate) fn table_of(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Persons => "person_records",
        RecordKind::Justice => "justice_records",
    }
}

fn is_integer(field: &model::Field) -> bool {
    matches!(field.kind, FieldKind::Integer { .. } | FieldKind::Year)
}

impl Store {
    /// Registers a source, or checks that an existing one has the same kind. Safe when two
    /// processes register the same source at once.
    pub async fn ensure_source(&self, name: &str, kind: &str) -> Result<()> {
        sqlx::query("INSERT INTO sources (name, kind) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(kind)
            .execute(self.pool())
            .await
            .map_err(db("registering a source"))?;
        let existing: String = sqlx::query_scalar("SELECT kind FROM sources WHERE name = $1")
            .bind(name)
            .fetch_one(self.pool())
            .await
            .map_err(db("reading sources"))?;
        if existing == kind {
            Ok(())
        } else {
            Err(crate::Error::SourceKindConflict { name: name.to_owned(), existing, requested: kind.to_owned() })
        }
    }

    /// Starts importing one file of `source`. With `replace`, the source's active submissions of
    /// the same record kind are marked replaced by this one (they stay in the database, as
    /// history, but no longer count). Without it, a file that is already the source's active
    /// submission is not imported again: the check runs under the import's write lock, so two
    /// processes importing the same file at once store it once.
    pub async fn begin_import(
        &self,
        source: &str,
        kind: RecordKind,
        file_name: &str,
        file_hash: &str,
        replace: bool,
    ) -> Result<Begun> {
        let received_at = crate::now_utc();
        let (conn, submission_id, replaced, next_record_id, next_quarantine_id) = match self.sqlite_file() {
            Some(path) => {
                let conn = open_bulk(path)?;
                // IMMEDIATE takes the write lock now: ids are assigned below, so two imports must
                // not interleave.
                conn.execute_batch("BEGIN IMMEDIATE").map_err(sqlite("starting an import"))?;
                if !replace {
                    let active = conn
                        .query_row(ACTIVE_WITH_HASH, rusqlite::params![source, kind.as_str(), file_hash], |r| {
                            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                        })
                        .optional()
                        .map_err(sqlite("reading submissions"))?;
                    if let Some((submission_id, rows_read, rows_stored)) = active {
                        conn.execute_batch("ROLLBACK").map_err(sqlite("ending an import"))?;
                        return Ok(Begun::AlreadyActive { submission_id, rows_read, rows_stored });
                    }
                }
                let scalar =
                    |sql: &str, action| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map_err(sqlite(action));
                let submission_id = scalar(NEXT_SUBMISSION_ID, "allocating a submission id")?;
                conn.execute(
                    INSERT_SUBMISSION,
                    rusqlite::params![submission_id, source, kind.as_str(), file_name, file_hash, received_at],
                )
                .map_err(sqlite("recording a submission"))?;
                let replaced = if replace {
                    conn.execute(REPLACE_SUBMISSIONS, rusqlite::params![submission_id, source, kind.as_str()])
                        .map_err(sqlite("replacing earlier submissions"))? as u64
                } else {
                    0
                };
                let next_record_id = scalar(&next_record_id_sql(kind), "allocating record ids")?;
                let next_quarantine_id = scalar(NEXT_QUARANTINE_ID, "allocating quarantine ids")?;
                (Conn::Sqlite(conn), submission_id, replaced, next_record_id, next_quarantine_id)
            }
            None => {
                let mut tx = self.pool().begin().await.map_err(db("starting an import"))?;
                if self.backend() == Backend::Postgres {
                    // Ids are assigned here, so two imports must not interleave.
                    sqlx::query("LOCK TABLE submissions IN EXCLUSIVE MODE")
                        .execute(&mut *tx)
                        .await
                        .map_err(db("locking for an import"))?;
                }
                if !replace {
                    let active: Option<(i64, i64, i64)> = sqlx::query_as(ACTIVE_WITH_HASH)
                        .bind(source)
                        .bind(kind.as_str())
                        .bind(file_hash)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db("reading submissions"))?;
                    if let Some((submission_id, rows_read, rows_stored)) = active {
                        tx.rollback().await.map_err(db("ending an import"))?;
                        return Ok(Begun::AlreadyActive { submission_id, rows_read, rows_stored });
                    }
                }
                let submission_id: i64 = sqlx::query_scalar(NEXT_SUBMISSION_ID)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db("allocating a submission id"))?;
                sqlx::query(INSERT_SUBMISSION)
                    .bind(submission_id)
                    .bind(source)
                    .bind(kind.as_str())
                    .bind(file_name)
                    .bind(file_hash)
                    .bind(&received_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("recording a submission"))?;
                let mut replaced = 0;
                if replace {
                    replaced = sqlx::query(REPLACE_SUBMISSIONS)
                        .bind(submission_id)
                        .bind(source)
                        .bind(kind.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(db("replacing earlier submissions"))?
                        .rows_affected();
                }
                let next_record_id: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(next_record_id_sql(kind)))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db("allocating record ids"))?;
                let next_quarantine_id: i64 = sqlx::query_scalar(NEXT_QUARANTINE_ID)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db("allocating quarantine ids"))?;
                (Conn::Pool(tx), submission_id, replaced, next_record_id, next_quarantine_id)
            }
        };
        let at = Cursor {
            backend: self.backend(),
            kind,
            source: source.to_owned(),
            totals: ImportTotals { submission_id, replaced, ..ImportTotals::default() },
            next_record_id,
            next_quarantine_id,
        };
        Ok(Begun::Started(Import { conn, at }))
    }
}

/// A connection of the import's own to the SQLite file, without SQLite's per-call mutexes (only
/// this thread uses it).
fn open_bulk(path: &Path) -> Result<rusqlite::Connection> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn =
        rusqlite::Connection::open_with_flags(path, flags).map_err(sqlite("opening the database for an import"))?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(sqlite("setting the busy timeout"))?;
    // Foreign keys are not checked row by row here: every row written references the submission
    // this transaction created and record ids it allocated itself (the pool path, and the
    // PostgreSQL tests that compare both backends, do check them).
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;")
        .map_err(sqlite("configuring the import connection"))?;
    Ok(conn)
}

/// Binds parameter `index` of a prepared SQLite statement.
fn bind(stmt: &mut rusqlite::Statement<'_>, index: usize, value: impl rusqlite::ToSql) -> Result<()> {
    stmt.raw_bind_parameter(index, value).map_err(sqlite("binding a value"))
}

/// Binds one cell to parameter `index` of a prepared SQLite statement.
fn bind_cell(stmt: &mut rusqlite::Statement<'_>, index: usize, cell: &Cell) -> Result<()> {
    match cell {
        Cell::Int(value) => bind(stmt, index, value),
        Cell::Text(text) => bind(stmt, index, text.as_ref()),
        Cell::Country(country) => bind(stmt, index, country.as_str()),
    }
}

/// Binds one cell to the next parameter of a pool query.
fn bind_any<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    cell: &'q Cell,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    match cell {
        Cell::Int(value) => query.bind(*value),
        Cell::Text(text) => query.bind(text.as_ref()),
        Cell::Country(country) => query.bind(country.as_str()),
    }
}

impl Import {
    pub fn submission_id(&self) -> i64 {
        self.at.totals.submission_id
    }

    /// Source ids already stored for this source in active submissions: a row reusing one is a
    /// duplicate across submissions (a correction must be sent with `--replace`).
    pub async fn active_source_ids(&mut self) -> Result<HashSet<String>> {
        let sql = active_source_ids_sql(self.at.kind);
        let action = "reading stored source ids";
        match &mut self.conn {
            Conn::Sqlite(conn) => {
                let mut stmt = conn.prepare(&sql).map_err(sqlite(action))?;
                let ids = stmt.query_map([&self.at.source], |r| r.get::<_, String>(0)).map_err(sqlite(action))?;
                ids.collect::<Result<HashSet<String>, _>>().map_err(sqlite(action))
            }
            Conn::Pool(tx) => {
                let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(&self.at.source)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(db(action))?;
                Ok(ids.into_iter().collect())
            }
        }
    }

    /// Stores validated records (row number, record).
    pub async fn insert(&mut self, rows: &[StoreRow]) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(conn) => {
                self.at.bulk_insert(conn, rows)?;
                self.at.next_record_id += rows.len() as i64;
            }
            Conn::Pool(tx) => {
                for chunk in rows.chunks(BATCH_ROWS) {
                    self.at.insert_analytical(tx, chunk).await?;
                    self.at.insert_identities(tx, chunk).await?;
                    self.at.insert_encodings(tx, chunk).await?;
                    self.at.next_record_id += chunk.len() as i64;
                }
            }
        }
        self.at.totals.rows_stored += rows.len() as u64;
        Ok(())
    }

    /// Stores refused rows: (row number, errors as JSON, raw cells as JSON).
    pub async fn quarantine(&mut self, rows: &[(u64, String, String)]) -> Result<()> {
        let action = "quarantining rows";
        let at = &self.at;
        match &mut self.conn {
            Conn::Sqlite(conn) => {
                let sql = insert_sql(Backend::Sqlite, "quarantine", QUARANTINE_COLUMNS, 1, 5);
                let mut stmt = conn.prepare(&sql).map_err(sqlite(action))?;
                for (i, row) in rows.iter().enumerate() {
                    stmt.execute(at.quarantine_values(i, row)).map_err(sqlite(action))?;
                }
            }
            Conn::Pool(tx) => {
                for (c, chunk) in rows.chunks(BATCH_ROWS).enumerate() {
                    let sql = insert_sql(at.backend, "quarantine", QUARANTINE_COLUMNS, chunk.len(), 5);
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (i, row) in chunk.iter().enumerate() {
                        let (id, submission, row_number, errors, raw) = at.quarantine_values(c * BATCH_ROWS + i, row);
                        query = query.bind(id).bind(submission).bind(row_number).bind(errors).bind(raw);
                    }
                    query.execute(&mut **tx).await.map_err(db(action))?;
                }
            }
        }
        self.at.next_quarantine_id += rows.len() as i64;
        self.at.totals.rows_quarantined += rows.len() as u64;
        Ok(())
    }

    /// Commits the file: the submission becomes active with its counts.
    pub async fn commit(self, rows_read: u64) -> Result<ImportTotals> {
        let totals = self.at.totals;
        let counts =
            [rows_read as i64, totals.rows_stored as i64, totals.rows_quarantined as i64, totals.submission_id];
        match self.conn {
            Conn::Sqlite(conn) => {
                conn.execute(CLOSE_SUBMISSION, counts).map_err(sqlite("closing a submission"))?;
                conn.execute_batch("COMMIT").map_err(sqlite("committing an import"))?;
            }
            Conn::Pool(mut tx) => {
                let mut query = sqlx::query(CLOSE_SUBMISSION);
                for value in counts {
                    query = query.bind(value);
                }
                query.execute(&mut *tx).await.map_err(db("closing a submission"))?;
                tx.commit().await.map_err(db("committing an import"))?;
            }
        }
        Ok(totals)
    }

    /// Abandons the import; nothing of it stays.
    pub async fn rollback(self) -> Result<()> {
        match self.conn {
            Conn::Sqlite(conn) => conn.execute_batch("ROLLBACK").map_err(sqlite("rolling back an import")),
            Conn::Pool(tx) => tx.rollback().await.map_err(db("rolling back an import")),
        }
    }
}

impl Cursor {
    /// The columns of the `i`-th refused row of a call: id, submission, row number, errors, raw cells.
    fn quarantine_values<'r>(&self, i: usize, row: &'r (u64, String, String)) -> (i64, i64, i64, &'r str, &'r str) {
        (self.next_quarantine_id + i as i64, self.totals.submission_id, row.0 as i64, &row.1, &row.2)
    }

    /// The multi-row INSERT of a chunk's analytical records (pool path).
    async fn insert_analytical(&self, tx: &mut Transaction<'static, Any>, chunk: &[StoreRow]) -> Result<()> {
        let (columns, width) = analytical_columns(self.kind);
        let sql = insert_sql(self.backend, table_of(self.kind), &columns, chunk.len(), width);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, row) in chunk.iter().enumerate() {
            query = query
                .bind(self.next_record_id + i as i64)
                .bind(self.totals.submission_id)
                .bind(self.source.as_str())
                .bind(row.row as i64);
            for cell in &row.analytical {
                query = bind_any(query, cell);
            }
        }
        query.execute(&mut **tx).await.map_err(db("storing records"))?;
        Ok(())
    }

    /// The multi-row INSERT of a chunk's identities (pool path).
    async fn insert_identities(&self, tx: &mut Transaction<'static, Any>, chunk: &[StoreRow]) -> Result<()> {
        let with_identity: Vec<(i64, &[Cell])> = with_identity(chunk, self.next_record_id).collect();
        if with_identity.is_empty() {
            return Ok(());
        }
        let sql = insert_sql(self.backend, "person_identities", IDENTITY_COLUMNS, with_identity.len(), 6);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, cells) in with_identity {
            query = query.bind(id);
            for cell in cells {
                query = bind_any(query, cell);
            }
        }
        query.execute(&mut **tx).await.map_err(db("storing identities"))?;
        Ok(())
    }

    /// The multi-row INSERT of a chunk's encodings (pool path).
    async fn insert_encodings(&self, tx: &mut Transaction<'static, Any>, chunk: &[StoreRow]) -> Result<()> {
        let encoded: Vec<(i64, &str)> = with_encoding(chunk, self.next_record_id).collect();
        if encoded.is_empty() {
            return Ok(());
        }
        let sql = insert_sql(self.backend, "record_encodings", ENCODING_COLUMNS, encoded.len(), 2);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, encoding) in encoded {
            query = query.bind(id).bind(encoding);
        }
        query.execute(&mut **tx).await.map_err(db("storing encodings"))?;
        Ok(())
    }

    /// The SQLite bulk load: one prepared single-row statement per table, executed per record.
    fn bulk_insert(&self, conn: &rusqlite::Connection, rows: &[StoreRow]) -> Result<()> {
        let (columns, width) = analytical_columns(self.kind);
        let sql = insert_sql(Backend::Sqlite, table_of(self.kind), &columns, 1, width);
        let mut records = conn.prepare(&sql).map_err(sqlite("storing records"))?;
        for (i, row) in rows.iter().enumerate() {
            bind(&mut records, 1, self.next_record_id + i as i64)?;
            bind(&mut records, 2, self.totals.submission_id)?;
            bind(&mut records, 3, self.source.as_str())?;
            bind(&mut records, 4, row.row as i64)?;
            for (index, cell) in row.analytical.iter().enumerate() {
                bind_cell(&mut records, 5 + index, cell)?;
            }
            records.raw_execute().map_err(sqlite("storing records"))?;
        }
        let sql = insert_sql(Backend::Sqlite, "person_identities", IDENTITY_COLUMNS, 1, 6);
        let mut identities = conn.prepare(&sql).map_err(sqlite("storing identities"))?;
        for (id, cells) in with_identity(rows, self.next_record_id) {
            bind(&mut identities, 1, id)?;
            for (index, cell) in cells.iter().enumerate() {
                bind_cell(&mut identities, 2 + index, cell)?;
            }
            identities.raw_execute().map_err(sqlite("storing identities"))?;
        }
        let sql = insert_sql(Backend::Sqlite, "record_encodings", ENCODING_COLUMNS, 1, 2);
        let mut encodings = conn.prepare(&sql).map_err(sqlite("storing encodings"))?;
        for (id, encoding) in with_encoding(rows, self.next_record_id) {
            encodings.execute(rusqlite::params![id, encoding]).map_err(sqlite("storing encodings"))?;
        }
        Ok(())
    }
}

/// The identities of a chunk's records that have one, with their record ids.
fn with_identity(chunk: &[StoreRow], first_id: i64) -> impl Iterator<Item = (i64, &[Cell])> {
    chunk.iter().enumerate().filter_map(move |(i, row)| Some((first_id + i as i64, row.identity.as_deref()?)))
}

/// The encodings of a chunk's records that have one, with their record ids.
fn with_encoding(chunk: &[StoreRow], first_id: i64) -> impl Iterator<Item = (i64, &str)> {
    chunk.iter().enumerate().filter_map(move |(i, row)| Some((first_id + i as i64, row.encoding.as_deref()?)))
}
