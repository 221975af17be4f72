//! One file's import as one transaction: the submission row, its records (analytical and
//! identifying parts in their own tables) and its quarantined rows are committed together or not
//! at all.

use std::borrow::Cow;
use std::collections::HashSet;

use model::{FieldKind, Record, RecordKind};
use sqlx::{Any, Transaction};

use crate::{Result, Store, db, placeholders};

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

/// An import under way. Dropping it without [`Import::commit`] rolls everything back.
pub struct Import {
    tx: Transaction<'static, Any>,
    backend: crate::Backend,
    kind: RecordKind,
    source: String,
    totals: ImportTotals,
    next_record_id: i64,
    next_quarantine_id: i64,
}

impl std::fmt::Debug for Import {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Import").field("source", &self.source).field("totals", &self.totals).finish_non_exhaustive()
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
    /// Registers a source, or checks that an existing one has the same kind.
    pub async fn ensure_source(&self, name: &str, kind: &str) -> Result<()> {
        let existing: Option<String> = sqlx::query_scalar("SELECT kind FROM sources WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await
            .map_err(db("reading sources"))?;
        match existing {
            Some(existing) if existing == kind => Ok(()),
            Some(existing) => {
                Err(crate::Error::SourceKindConflict { name: name.to_owned(), existing, requested: kind.to_owned() })
            }
            None => {
                sqlx::query("INSERT INTO sources (name, kind) VALUES ($1, $2)")
                    .bind(name)
                    .bind(kind)
                    .execute(self.pool())
                    .await
                    .map_err(db("registering a source"))?;
                Ok(())
            }
        }
    }

    /// Starts importing one file of `source`. With `replace`, the source's active submissions of
    /// the same record kind are marked replaced by this one (they stay in the database, as
    /// history, but no longer count).
    pub async fn begin_import(
        &self,
        source: &str,
        kind: RecordKind,
        file_name: &str,
        file_hash: &str,
        replace: bool,
    ) -> Result<Import> {
        let mut tx = self.pool().begin().await.map_err(db("starting an import"))?;
        if self.backend() == crate::Backend::Postgres {
            // Ids are assigned here, so two imports must not interleave.
            sqlx::query("LOCK TABLE submissions IN EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await
                .map_err(db("locking for an import"))?;
        }
        let submission_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM submissions")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("allocating a submission id"))?;
        sqlx::query(
            "INSERT INTO submissions (id, source, record_kind, file_name, file_hash, received_at, rows_read, rows_stored, rows_quarantined, status) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, 'importing')",
        )
        .bind(submission_id)
        .bind(source)
        .bind(kind.as_str())
        .bind(file_name)
        .bind(file_hash)
        .bind(crate::now_utc())
        .execute(&mut *tx)
        .await
        .map_err(db("recording a submission"))?;
        let mut replaced = 0;
        if replace {
            let result = sqlx::query(
                "UPDATE submissions SET status = 'replaced', replaced_by = $1 WHERE source = $2 AND record_kind = $3 AND status = 'active'",
            )
            .bind(submission_id)
            .bind(source)
            .bind(kind.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db("replacing earlier submissions"))?;
            replaced = result.rows_affected();
        }
        let table = table_of(kind);
        let next_record_id: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")))
                .fetch_one(&mut *tx)
                .await
                .map_err(db("allocating record ids"))?;
        let next_quarantine_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM quarantine")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("allocating quarantine ids"))?;
        Ok(Import {
            tx,
            backend: self.backend(),
            kind,
            source: source.to_owned(),
            totals: ImportTotals { submission_id, replaced, ..ImportTotals::default() },
            next_record_id,
            next_quarantine_id,
        })
    }
}

impl Import {
    pub fn submission_id(&self) -> i64 {
        self.totals.submission_id
    }

    /// Source ids already stored for this source in active submissions: a row reusing one is a
    /// duplicate across submissions (a correction must be sent with `--replace`).
    pub async fn active_source_ids(&mut self) -> Result<HashSet<String>> {
        let table = table_of(self.kind);
        let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT r.source_id FROM {table} r JOIN submissions s ON s.id = r.submission_id \
             WHERE s.source = $1 AND s.status = 'active' AND r.source_id <> 'not_recorded'"
        )))
        .bind(&self.source)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db("reading stored source ids"))?;
        Ok(ids.into_iter().collect())
    }

    /// Stores validated records (row number, record).
    pub async fn insert(&mut self, rows: &[(u64, Record)]) -> Result<()> {
        for chunk in rows.chunks(BATCH_ROWS) {
            self.insert_analytical(chunk).await?;
            if self.kind == RecordKind::Persons {
                self.insert_identities(chunk).await?;
            }
            self.next_record_id += chunk.len() as i64;
            self.totals.rows_stored += chunk.len() as u64;
        }
        Ok(())
    }

    async fn insert_analytical(&mut self, chunk: &[(u64, Record)]) -> Result<()> {
        let fields: Vec<&model::Field> = analytical_fields(self.kind).collect();
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        let sql = format!(
            "INSERT INTO {} (id, submission_id, source, row_number, {}) VALUES {}",
            table_of(self.kind),
            names.join(", "),
            placeholders(self.backend, chunk.len(), 4 + fields.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, (row, record)) in chunk.iter().enumerate() {
            query = query
                .bind(self.next_record_id + i as i64)
                .bind(self.totals.submission_id)
                .bind(self.source.as_str())
                .bind(*row as i64);
            for (field, value) in record.fields().filter(|(f, _)| !f.identifying) {
                query = match (is_integer(field), value.as_text()) {
                    (true, _) => query.bind(value.as_int()),
                    (false, Cow::Borrowed(text)) => query.bind(text),
                    (false, Cow::Owned(text)) => query.bind(text),
                };
            }
        }
        query.execute(&mut *self.tx).await.map_err(db("storing records"))?;
        Ok(())
    }

    async fn insert_identities(&mut self, chunk: &[(u64, Record)]) -> Result<()> {
        // Only records that carry at least one identifying value get a row.
        let with_identity: Vec<(i64, &Record)> = chunk
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| r.fields().any(|(f, v)| f.identifying && v.is_known()))
            .map(|(i, (_, r))| (self.next_record_id + i as i64, r))
            .collect();
        if with_identity.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO person_identities (record_id, given_name, family_name, date_of_birth, place_of_birth, document_number) VALUES {}",
            placeholders(self.backend, with_identity.len(), 6)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, record) in with_identity {
            query = query.bind(id);
            for (_, value) in record.fields().filter(|(f, _)| f.identifying) {
                query = query.bind(value.to_text());
            }
        }
        query.execute(&mut *self.tx).await.map_err(db("storing identities"))?;
        Ok(())
    }

    /// Stores refused rows: (row number, errors as JSON, raw cells as JSON).
    pub async fn quarantine(&mut self, rows: &[(u64, String, String)]) -> Result<()> {
        for chunk in rows.chunks(BATCH_ROWS) {
            let sql = format!(
                "INSERT INTO quarantine (id, submission_id, row_number, errors, raw_row) VALUES {}",
                placeholders(self.backend, chunk.len(), 5)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (i, (row, errors, raw)) in chunk.iter().enumerate() {
                query = query
                    .bind(self.next_quarantine_id + i as i64)
                    .bind(self.totals.submission_id)
                    .bind(*row as i64)
                    .bind(errors.clone())
                    .bind(raw.clone());
            }
            query.execute(&mut *self.tx).await.map_err(db("quarantining rows"))?;
            self.next_quarantine_id += chunk.len() as i64;
            self.totals.rows_quarantined += chunk.len() as u64;
        }
        Ok(())
    }

    /// Commits the file: the submission becomes active with its counts.
    pub async fn commit(mut self, rows_read: u64) -> Result<ImportTotals> {
        sqlx::query(
            "UPDATE submissions SET status = 'active', rows_read = $1, rows_stored = $2, rows_quarantined = $3 WHERE id = $4",
        )
        .bind(rows_read as i64)
        .bind(self.totals.rows_stored as i64)
        .bind(self.totals.rows_quarantined as i64)
        .bind(self.totals.submission_id)
        .execute(&mut *self.tx)
        .await
        .map_err(db("closing a submission"))?;
        self.tx.commit().await.map_err(db("committing an import"))?;
        Ok(self.totals)
    }

    /// Abandons the import; nothing of it stays.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await.map_err(db("rolling back an import"))
    }
}
