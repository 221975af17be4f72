//! One file's import as one transaction: the submission row, its records (analytical and
//! identifying parts in their own tables) and its quarantined rows are committed together or not
//! at all.
//!
//! Neither backend goes through sqlx's `Any` driver, which copies every bound value twice:
//!
//! - a SQLite file is bulk-loaded on a connection of its own, in one `BEGIN IMMEDIATE`
//!   transaction, with prepared single-row statements;
//! - PostgreSQL is loaded with `COPY … FROM STDIN` (text format) on a typed connection of the
//!   store's small `PgPool`, inside one transaction: rows are written into one buffer per table
//!   and sent a few megabytes at a time, by a task of the import's own, so that the server
//!   stores one batch while the next is read and written (the server's work, not Palermo's, is
//!   what limits an import into PostgreSQL).
//!
//! The setup of an import (the write lock, the check for the same file, ids, the submission row,
//! replacing earlier submissions) is the same SQL on both, written once over [`Conn`].
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use model::{FieldKind, Record, RecordKind};
use sqlx::postgres::{PgArguments, PgConnection};
use sqlx::query::Query;
use sqlx::{Postgres, Row as _, Transaction};

use crate::{Backend, Bulk, Result, Store, db};

/// Bytes of COPY text an import into PostgreSQL holds before sending them: a few megabytes per
/// round of `COPY` statements (one per table), so that their fixed cost is spread over tens of
/// thousands of rows while the memory held stays small.
const COPY_BUFFER_BYTES: usize = 4 << 20;

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

/// `INSERT INTO table (columns…) VALUES (?, …)`: one row of `width` values (SQLite).
fn insert_row_sql(table: &str, columns: &str, width: usize) -> String {
    format!("INSERT INTO {table} ({columns}) VALUES {}", crate::placeholders(Backend::Sqlite, 1, width))
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

/// Where an import writes: its own transaction on one connection.
enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Copying>),
}

/// An import into PostgreSQL: the batch being written, and its transaction, either at hand or
/// lent to the task that sends full batches.
struct Copying {
    batch: CopyBatch,
    link: Link,
}

/// Rows in `COPY`'s text format, one buffer per table.
#[derive(Default)]
struct CopyBatch {
    records: Vec<u8>,
    identities: Vec<u8>,
    encodings: Vec<u8>,
    quarantine: Vec<u8>,
}

type PgTransaction = Transaction<'static, Postgres>;

/// Where an import's PostgreSQL transaction is.
enum Link {
    Idle(PgTransaction),
    /// Lent to the sending task, which gives it back when the channel closes.
    Sending {
        to_send: tokio::sync::mpsc::Sender<CopyBatch>,
        task: tokio::task::JoinHandle<Result<PgTransaction>>,
        /// Set when the import is dropped: the task sends nothing more.
        abandoned: Arc<AtomicBool>,
    },
    /// After a failure, or once given back for good.
    Gone,
}

/// A parameter of the setup's statements, bound the same way on both backends.
#[derive(Clone, Copy)]
enum Param<'a> {
    Int(i64),
    Text(&'a str),
}

/// What an import knows besides its connection.
struct Cursor {
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
        // The write lock is taken first: ids are assigned below, so two imports must not
        // interleave.
        let mut conn = match self.bulk() {
            Bulk::SqliteFile(path) => {
                let conn = open_bulk(path)?;
                conn.execute_batch("BEGIN IMMEDIATE").map_err(sqlite("starting an import"))?;
                Conn::Sqlite(conn)
            }
            Bulk::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(db("starting an import"))?;
                sqlx::query("LOCK TABLE submissions IN EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await
                    .map_err(db("locking for an import"))?;
                Conn::Postgres(Box::new(Copying { batch: CopyBatch::default(), link: Link::Idle(tx) }))
            }
        };
        let (source_param, kind_param) = (Param::Text(source), Param::Text(kind.as_str()));
        if !replace {
            let params = [source_param, kind_param, Param::Text(file_hash)];
            if let Some([submission_id, rows_read, rows_stored]) =
                conn.fetch_ints(ACTIVE_WITH_HASH, &params, "reading submissions").await?
            {
                conn.rollback().await?;
                return Ok(Begun::AlreadyActive { submission_id, rows_read, rows_stored });
            }
        }
        let [submission_id] = conn.fetch_one_ints(NEXT_SUBMISSION_ID, "allocating a submission id").await?;
        let params = [
            Param::Int(submission_id),
            source_param,
            kind_param,
            Param::Text(file_name),
            Param::Text(file_hash),
            Param::Text(&received_at),
        ];
        conn.execute(INSERT_SUBMISSION, &params, "recording a submission").await?;
        let replaced = if replace {
            let params = [Param::Int(submission_id), source_param, kind_param];
            conn.execute(REPLACE_SUBMISSIONS, &params, "replacing earlier submissions").await?
        } else {
            0
        };
        let [next_record_id] = conn.fetch_one_ints(&next_record_id_sql(kind), "allocating record ids").await?;
        let [next_quarantine_id] = conn.fetch_one_ints(NEXT_QUARANTINE_ID, "allocating quarantine ids").await?;
        let at = Cursor {
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
    // this transaction created and record ids it allocated itself (PostgreSQL, and the tests that
    // compare both backends, do check them).
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

/// Binds `cells` to the parameters from `first` on, except those equal to the cell of `previous`
/// (the values the statement was last executed with) in the same position.
fn bind_changed(stmt: &mut rusqlite::Statement<'_>, first: usize, cells: &[Cell], previous: &[Cell]) -> Result<()> {
    for (index, cell) in cells.iter().enumerate() {
        if previous.get(index) != Some(cell) {
            bind_cell(stmt, first + index, cell)?;
        }
    }
    Ok(())
}

/// A prepared SQLite statement with the setup's parameters bound.
fn sqlite_statement<'c>(
    conn: &'c rusqlite::Connection,
    sql: &str,
    params: &[Param<'_>],
    action: &'static str,
) -> Result<rusqlite::Statement<'c>> {
    let mut stmt = conn.prepare(sql).map_err(sqlite(action))?;
    for (i, param) in params.iter().enumerate() {
        match *param {
            Param::Int(value) => stmt.raw_bind_parameter(i + 1, value),
            Param::Text(text) => stmt.raw_bind_parameter(i + 1, text),
        }
        .map_err(sqlite(action))?;
    }
    Ok(stmt)
}

/// A PostgreSQL query with the setup's parameters bound.
fn pg_query<'q>(sql: &'q str, params: &[Param<'q>]) -> Query<'q, Postgres, PgArguments> {
    params.iter().fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |query, param| match *param {
        Param::Int(value) => query.bind(value),
        Param::Text(text) => query.bind(text),
    })
}

impl Conn {
    /// Runs a statement, returning the number of rows it changed.
    async fn execute(&mut self, sql: &str, params: &[Param<'_>], action: &'static str) -> Result<u64> {
        match self {
            Conn::Sqlite(conn) => {
                let changed = sqlite_statement(conn, sql, params, action)?.raw_execute().map_err(sqlite(action))?;
                Ok(changed as u64)
            }
            Conn::Postgres(copying) => {
                let done = pg_query(sql, params).execute(&mut **copying.tx().await?).await.map_err(db(action))?;
                Ok(done.rows_affected())
            }
        }
    }

    /// The first row of a query whose `N` columns are integers, if it returns one.
    async fn fetch_ints<const N: usize>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        action: &'static str,
    ) -> Result<Option<[i64; N]>> {
        let mut values = [0; N];
        match self {
            Conn::Sqlite(conn) => {
                let mut stmt = sqlite_statement(conn, sql, params, action)?;
                let mut rows = stmt.raw_query();
                let Some(row) = rows.next().map_err(sqlite(action))? else { return Ok(None) };
                for (i, value) in values.iter_mut().enumerate() {
                    *value = row.get(i).map_err(sqlite(action))?;
                }
            }
            Conn::Postgres(copying) => {
                let tx = copying.tx().await?;
                let row = pg_query(sql, params).fetch_optional(&mut **tx).await.map_err(db(action))?;
                let Some(row) = row else { return Ok(None) };
                for (i, value) in values.iter_mut().enumerate() {
                    *value = row.try_get(i).map_err(db(action))?;
                }
            }
        }
        Ok(Some(values))
    }

    /// The one row of a parameterless query of `N` integer columns.
    async fn fetch_one_ints<const N: usize>(&mut self, sql: &str, action: &'static str) -> Result<[i64; N]> {
        self.fetch_ints(sql, &[], action)
            .await?
            .ok_or(crate::Error::Database { action, source: sqlx::Error::RowNotFound })
    }

    async fn rollback(self) -> Result<()> {
        let action = "rolling back an import";
        match self {
            Conn::Sqlite(conn) => conn.execute_batch("ROLLBACK").map_err(sqlite(action)),
            Conn::Postgres(mut copying) => {
                copying.abandon();
                // A sending task that failed has dropped the transaction, which rolled it back.
                if copying.tx().await.is_err() {
                    return Ok(());
                }
                match std::mem::replace(&mut copying.link, Link::Gone) {
                    Link::Idle(tx) => tx.rollback().await.map_err(db(action)),
                    _ => Ok(()),
                }
            }
        }
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
            Conn::Postgres(copying) => {
                // Rows not sent yet belong to this import, which is not active: they need not be
                // sent first.
                let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(&self.at.source)
                    .fetch_all(&mut **copying.tx().await?)
                    .await
                    .map_err(db(action))?;
                Ok(ids.into_iter().collect())
            }
        }
    }

    /// Stores validated records (row number, record).
    pub async fn insert(&mut self, rows: &[StoreRow]) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(conn) => self.at.bulk_insert(conn, rows)?,
            Conn::Postgres(copying) => {
                self.at.copy_rows(&mut copying.batch, rows);
                copying.send_when_full(self.at.kind).await?;
            }
        }
        self.at.next_record_id += rows.len() as i64;
        self.at.totals.rows_stored += rows.len() as u64;
        Ok(())
    }

    /// Stores refused rows: (row number, errors as JSON, raw cells as JSON).
    pub async fn quarantine(&mut self, rows: &[(u64, String, String)]) -> Result<()> {
        let action = "quarantining rows";
        let at = &self.at;
        match &mut self.conn {
            Conn::Sqlite(conn) => {
                let sql = insert_row_sql("quarantine", QUARANTINE_COLUMNS, 5);
                let mut stmt = conn.prepare(&sql).map_err(sqlite(action))?;
                for (i, row) in rows.iter().enumerate() {
                    stmt.execute(at.quarantine_values(i, row)).map_err(sqlite(action))?;
                }
            }
            Conn::Postgres(copying) => {
                let out = &mut copying.batch.quarantine;
                for (i, row) in rows.iter().enumerate() {
                    let (id, submission, row_number, errors, raw) = at.quarantine_values(i, row);
                    copy_int(out, Some(id));
                    copy_int(out, Some(submission));
                    copy_int(out, Some(row_number));
                    copy_text(out, errors);
                    copy_text(out, raw);
                    end_copy_line(out);
                }
                copying.send_when_full(self.at.kind).await?;
            }
        }
        self.at.next_quarantine_id += rows.len() as i64;
        self.at.totals.rows_quarantined += rows.len() as u64;
        Ok(())
    }

    /// Commits the file: the submission becomes active with its counts.
    pub async fn commit(mut self, rows_read: u64) -> Result<ImportTotals> {
        let totals = self.at.totals;
        if let Conn::Postgres(copying) = &mut self.conn {
            copying.send(self.at.kind).await?;
        }
        let counts =
            [rows_read as i64, totals.rows_stored as i64, totals.rows_quarantined as i64, totals.submission_id]
                .map(Param::Int);
        self.conn.execute(CLOSE_SUBMISSION, &counts, "closing a submission").await?;
        let action = "committing an import";
        match self.conn {
            Conn::Sqlite(conn) => conn.execute_batch("COMMIT").map_err(sqlite(action))?,
            Conn::Postgres(mut copying) => match std::mem::replace(&mut copying.link, Link::Gone) {
                Link::Idle(tx) => tx.commit().await.map_err(db(action))?,
                _ => return Err(crate::Error::ImportBroken),
            },
        }
        Ok(totals)
    }

    /// Abandons the import; nothing of it stays.
    pub async fn rollback(self) -> Result<()> {
        self.conn.rollback().await
    }
}

impl Cursor {
    /// The columns of the `i`-th refused row of a call: id, submission, row number, errors, raw cells.
    fn quarantine_values<'r>(&self, i: usize, row: &'r (u64, String, String)) -> (i64, i64, i64, &'r str, &'r str) {
        (self.next_quarantine_id + i as i64, self.totals.submission_id, row.0 as i64, &row.1, &row.2)
    }

    /// The SQLite bulk load: one prepared single-row statement per table, executed per record.
    /// A statement keeps its bound values from one execution to the next, so a value equal to
    /// the previous row's in the same column (the submission, a code, `not_recorded`: most of a
    /// typical row) is not bound again: binding copied every text into SQLite's memory.
    fn bulk_insert(&self, conn: &rusqlite::Connection, rows: &[StoreRow]) -> Result<()> {
        let (columns, width) = analytical_columns(self.kind);
        let sql = insert_row_sql(table_of(self.kind), &columns, width);
        let mut records = conn.prepare(&sql).map_err(sqlite("storing records"))?;
        bind(&mut records, 2, self.totals.submission_id)?;
        bind(&mut records, 3, self.source.as_str())?;
        let mut previous: &[Cell] = &[];
        for (i, row) in rows.iter().enumerate() {
            bind(&mut records, 1, self.next_record_id + i as i64)?;
            bind(&mut records, 4, row.row as i64)?;
            bind_changed(&mut records, 5, &row.analytical, previous)?;
            records.raw_execute().map_err(sqlite("storing records"))?;
            previous = &row.analytical;
        }
        let sql = insert_row_sql("person_identities", IDENTITY_COLUMNS, 6);
        let mut identities = conn.prepare(&sql).map_err(sqlite("storing identities"))?;
        let mut previous: &[Cell] = &[];
        for (id, cells) in with_identity(rows, self.next_record_id) {
            bind(&mut identities, 1, id)?;
            bind_changed(&mut identities, 2, cells, previous)?;
            identities.raw_execute().map_err(sqlite("storing identities"))?;
            previous = cells;
        }
        let sql = insert_row_sql("record_encodings", ENCODING_COLUMNS, 2);
        let mut encodings = conn.prepare(&sql).map_err(sqlite("storing encodings"))?;
        for (id, encoding) in with_encoding(rows, self.next_record_id) {
            encodings.execute(rusqlite::params![id, encoding]).map_err(sqlite("storing encodings"))?;
        }
        Ok(())
    }

    /// Writes records, their identities and encodings into a batch for PostgreSQL.
    fn copy_rows(&self, batch: &mut CopyBatch, rows: &[StoreRow]) {
        let out = &mut batch.records;
        for (i, row) in rows.iter().enumerate() {
            copy_int(out, Some(self.next_record_id + i as i64));
            copy_int(out, Some(self.totals.submission_id));
            copy_text(out, &self.source);
            copy_int(out, Some(row.row as i64));
            for cell in &row.analytical {
                copy_cell(out, cell);
            }
            end_copy_line(out);
        }
        let out = &mut batch.identities;
        for (id, cells) in with_identity(rows, self.next_record_id) {
            copy_int(out, Some(id));
            for cell in cells {
                copy_cell(out, cell);
            }
            end_copy_line(out);
        }
        let out = &mut batch.encodings;
        for (id, encoding) in with_encoding(rows, self.next_record_id) {
            copy_int(out, Some(id));
            copy_text(out, encoding);
            end_copy_line(out);
        }
    }
}

impl Copying {
    /// Hands the batch to the sending task once it holds a few megabytes.
    async fn send_when_full(&mut self, kind: RecordKind) -> Result<()> {
        if self.batch.len() >= COPY_BUFFER_BYTES { self.send(kind).await } else { Ok(()) }
    }

    /// Hands the batch, if it has rows, to the sending task, starting the task the first time.
    /// Waits while the task still has an earlier batch queued, so that at most three batches are
    /// in memory.
    async fn send(&mut self, kind: RecordKind) -> Result<()> {
        if self.batch.len() == 0 {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.link = match std::mem::replace(&mut self.link, Link::Gone) {
            Link::Idle(tx) => {
                let (to_send, batches) = tokio::sync::mpsc::channel(1);
                let abandoned = Arc::new(AtomicBool::new(false));
                let task = tokio::spawn(send_batches(tx, kind, batches, Arc::clone(&abandoned)));
                Link::Sending { to_send, task, abandoned }
            }
            link => link,
        };
        let sent = match &self.link {
            Link::Sending { to_send, .. } => to_send.send(batch).await.is_ok(),
            _ => false,
        };
        if !sent {
            // The task stopped on an error, which says why.
            self.tx().await?;
            return Err(crate::Error::ImportBroken);
        }
        Ok(())
    }

    /// The transaction, taken back from the sending task once it has sent every batch handed to
    /// it; the task's error if one failed.
    async fn tx(&mut self) -> Result<&mut PgTransaction> {
        self.link = match std::mem::replace(&mut self.link, Link::Gone) {
            Link::Sending { to_send, task, .. } => {
                drop(to_send);
                Link::Idle(task.await.map_err(crate::Error::ImportTask)??)
            }
            link => link,
        };
        match &mut self.link {
            Link::Idle(tx) => Ok(tx),
            _ => Err(crate::Error::ImportBroken),
        }
    }

    /// Tells the sending task to send nothing more.
    fn abandon(&self) {
        if let Link::Sending { abandoned, .. } = &self.link {
            abandoned.store(true, Ordering::Relaxed);
        }
    }
}

impl Drop for Copying {
    /// A dropped import sends nothing more; its transaction rolls back when the task drops it.
    fn drop(&mut self) {
        self.abandon();
    }
}

impl CopyBatch {
    fn len(&self) -> usize {
        self.records.len() + self.identities.len() + self.encodings.len() + self.quarantine.len()
    }
}

/// The sending task: each batch as one `COPY` per table that has rows, records before the
/// identities and encodings that reference them; the transaction back when the channel closes.
async fn send_batches(
    mut tx: PgTransaction,
    kind: RecordKind,
    mut batches: tokio::sync::mpsc::Receiver<CopyBatch>,
    abandoned: Arc<AtomicBool>,
) -> Result<PgTransaction> {
    let (columns, _) = analytical_columns(kind);
    while let Some(batch) = batches.recv().await {
        if abandoned.load(Ordering::Relaxed) {
            break;
        }
        let conn: &mut PgConnection = &mut tx;
        copy_in(conn, table_of(kind), &columns, &batch.records, "storing records").await?;
        copy_in(conn, "person_identities", IDENTITY_COLUMNS, &batch.identities, "storing identities").await?;
        copy_in(conn, "record_encodings", ENCODING_COLUMNS, &batch.encodings, "storing encodings").await?;
        copy_in(conn, "quarantine", QUARANTINE_COLUMNS, &batch.quarantine, "quarantining rows").await?;
    }
    Ok(tx)
}

/// Sends one table's rows with `COPY … FROM STDIN`. On an error the copy is abandoned (sqlx
/// sends `CopyFail` when it is dropped) and the transaction rolls back when it is dropped.
async fn copy_in(conn: &mut PgConnection, table: &str, columns: &str, data: &[u8], action: &'static str) -> Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let mut copy = conn.copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN")).await.map_err(db(action))?;
    copy.send(data).await.map_err(db(action))?;
    copy.finish().await.map_err(db(action))?;
    Ok(())
}

/// Appends a text value to a line of `COPY`'s text format, followed by the column separator: the
/// separator (tab), line ends and the escape character itself are backslash-escaped, everything
/// else (quotes, `\N` spelled out, any Unicode) is sent as it is.
fn copy_text(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escaped: &[u8] = match byte {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escaped);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'\t');
}

/// Appends an integer, or `\N` (NULL), followed by the column separator.
fn copy_int(out: &mut Vec<u8>, value: Option<i64>) {
    match value {
        // Writing into a Vec cannot fail.
        Some(value) => {
            let _ = write!(out, "{value}\t");
        }
        None => out.extend_from_slice(b"\\N\t"),
    }
}

fn copy_cell(out: &mut Vec<u8>, cell: &Cell) {
    match cell {
        Cell::Int(value) => copy_int(out, *value),
        Cell::Text(text) => copy_text(out, text),
        Cell::Country(country) => copy_text(out, country.as_str()),
    }
}

/// Ends a line: its last column separator becomes the line end.
fn end_copy_line(out: &mut [u8]) {
    if let Some(last) = out.last_mut() {
        *last = b'\n';
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_only_what_copy_reads_specially() {
        let mut out = Vec::new();
        copy_text(&mut out, "a\tb\nc\rd\\e \\N \"q\" 'q' Ñuñoa 北京");
        copy_int(&mut out, None);
        copy_int(&mut out, Some(-42));
        end_copy_line(&mut out);
        assert_eq!(out, "a\\tb\\nc\\rd\\\\e \\\\N \"q\" 'q' Ñuñoa 北京\t\\N\t-42\n".as_bytes());
    }
}
