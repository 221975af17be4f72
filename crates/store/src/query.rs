//! Reads: submissions, analytical records, criminal-justice counts, the quarantine, documents,
//! and — audited — identities.

use std::collections::BTreeMap;

use model::RecordKind;
use sqlx::Row;

use crate::import::{analytical_fields, table_of};
use crate::{Result, Store, db};

/// A submitted file and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Submission {
    pub id: i64,
    pub source: String,
    pub record_kind: String,
    pub file_name: String,
    pub file_hash: String,
    pub received_at: String,
    pub rows_read: i64,
    pub rows_stored: i64,
    pub rows_quarantined: i64,
    pub status: String,
    pub replaced_by: Option<i64>,
}

/// The analytical part of a stored person record: every value as text (codes, `unknown`,
/// `not_recorded`, ISO dates), aligned with the non-identifying person fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPerson {
    pub id: i64,
    pub source: String,
    pub submission_id: i64,
    pub row_number: i64,
    values: Vec<String>,
}

impl StoredPerson {
    /// The text of an analytical field (`not_recorded` for an absent number).
    pub fn get(&self, field: &str) -> &str {
        analytical_fields(RecordKind::Persons)
            .position(|f| f.name == field)
            .and_then(|i| self.values.get(i))
            .map_or(model::vocab::NOT_RECORDED, String::as_str)
    }

    /// The year of identification.
    pub fn year(&self) -> i64 {
        self.get("year").parse().unwrap_or(0)
    }
}

/// A stored criminal-justice count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredJustice {
    pub source: String,
    pub year: i64,
    pub stage: String,
    pub sex: String,
    pub citizenship: String,
    pub exploitation: String,
    pub offence: String,
    pub sentence_months: Option<i64>,
    pub count: i64,
}

/// The identifying part of a record. Read only through [`Store::read_identities`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub record_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub place_of_birth: String,
    pub document_number: String,
}

/// A refused row, as the quarantine report shows it: masked errors only, never the raw cells.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuarantinedRow {
    pub submission_id: i64,
    pub source: String,
    pub file_name: String,
    pub row_number: i64,
    /// JSON array of the row's errors, as the importer wrote them (values masked).
    pub errors: String,
}

/// A refused row's raw content (JSON, as the importer kept it: it may identify a person). Read
/// only through [`Store::read_quarantined_raw`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuarantinedRaw {
    pub submission_id: i64,
    pub row_number: i64,
    pub raw_row: String,
}

/// The SQL that reads a field of `r` as text: numbers are cast, so every value reads the same way,
/// and an absent number reads as `not_recorded`.
fn text_column(field: &model::Field) -> String {
    match field.kind {
        model::FieldKind::Integer { .. } | model::FieldKind::Year => {
            format!("COALESCE(CAST(r.{} AS TEXT), 'not_recorded')", field.name)
        }
        _ => format!("r.{}", field.name),
    }
}

impl Store {
    /// Every submission, oldest first.
    pub async fn submissions(&self) -> Result<Vec<Submission>> {
        let rows = sqlx::query(
            "SELECT id, source, record_kind, file_name, file_hash, received_at, rows_read, rows_stored, rows_quarantined, status, replaced_by \
             FROM submissions ORDER BY id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db("reading submissions"))?;
        rows.iter()
            .map(|r| {
                Ok(Submission {
                    id: r.try_get(0)?,
                    source: r.try_get(1)?,
                    record_kind: r.try_get(2)?,
                    file_name: r.try_get(3)?,
                    file_hash: r.try_get(4)?,
                    received_at: r.try_get(5)?,
                    rows_read: r.try_get(6)?,
                    rows_stored: r.try_get(7)?,
                    rows_quarantined: r.try_get(8)?,
                    status: r.try_get(9)?,
                    replaced_by: r.try_get(10)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading submissions"))
    }

    /// The active submission of `source` with this file hash, if any (a re-import of the same
    /// file is then a no-op).
    pub async fn active_submission_with_hash(&self, source: &str, file_hash: &str) -> Result<Option<Submission>> {
        Ok(self
            .submissions()
            .await?
            .into_iter()
            .find(|s| s.source == source && s.file_hash == file_hash && s.status == "active"))
    }

    /// The analytical records of all active submissions, ordered by id (so by source and row).
    pub async fn persons(&self) -> Result<Vec<StoredPerson>> {
        let fields: Vec<&model::Field> = analytical_fields(RecordKind::Persons).collect();
        let columns: Vec<String> = fields.iter().map(|f| text_column(f)).collect();
        let sql = format!(
            "SELECT r.id, r.source, r.submission_id, r.row_number, {} FROM person_records r \
             JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'active' ORDER BY r.id",
            columns.join(", ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await.map_err(db("reading records"))?;
        rows.iter()
            .map(|r| {
                let values = (0..fields.len()).map(|i| r.try_get::<String, _>(4 + i)).collect::<Result<_, _>>()?;
                Ok(StoredPerson {
                    id: r.try_get(0)?,
                    source: r.try_get(1)?,
                    submission_id: r.try_get(2)?,
                    row_number: r.try_get(3)?,
                    values,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading records"))
    }

    /// The criminal-justice counts of all active submissions.
    pub async fn justice(&self) -> Result<Vec<StoredJustice>> {
        let rows = sqlx::query(
            "SELECT r.source, r.year, r.stage, r.sex, r.citizenship, r.exploitation, r.offence, r.sentence_months, r.count \
             FROM justice_records r JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'active' ORDER BY r.id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db("reading criminal-justice counts"))?;
        rows.iter()
            .map(|r| {
                Ok(StoredJustice {
                    source: r.try_get(0)?,
                    year: r.try_get(1)?,
                    stage: r.try_get(2)?,
                    sex: r.try_get(3)?,
                    citizenship: r.try_get(4)?,
                    exploitation: r.try_get(5)?,
                    offence: r.try_get(6)?,
                    sentence_months: r.try_get(7)?,
                    count: r.try_get(8)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading criminal-justice counts"))
    }

    /// Number of active records per value of an analytical field (for person or justice records).
    pub async fn value_counts(&self, kind: RecordKind, field: &str) -> Result<BTreeMap<String, i64>> {
        let Some(f) = analytical_fields(kind).find(|f| f.name == field) else {
            return Ok(BTreeMap::new());
        };
        let column = text_column(f);
        let sql = format!(
            "SELECT {column}, COUNT(*) FROM {} r JOIN submissions s ON s.id = r.submission_id \
             WHERE s.status = 'active' GROUP BY {column}",
            table_of(kind)
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await.map_err(db("counting values"))?;
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("counting values"))
    }

    /// The quarantined rows of active (or all, with `all`) submissions, masked errors only.
    pub async fn quarantined(&self) -> Result<Vec<QuarantinedRow>> {
        let rows = sqlx::query(
            "SELECT q.submission_id, s.source, s.file_name, q.row_number, q.errors FROM quarantine q \
             JOIN submissions s ON s.id = q.submission_id WHERE s.status = 'active' ORDER BY q.id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db("reading the quarantine"))?;
        rows.iter()
            .map(|r| {
                Ok(QuarantinedRow {
                    submission_id: r.try_get(0)?,
                    source: r.try_get(1)?,
                    file_name: r.try_get(2)?,
                    row_number: r.try_get(3)?,
                    errors: r.try_get(4)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading the quarantine"))
    }

    /// Reads the identifying fields of active records, after writing an audit entry naming the
    /// actor and the purpose. The entry is committed before any identity is returned.
    pub async fn read_identities(&self, actor: &str, purpose: &str) -> Result<Vec<Identity>> {
        self.audit(actor, "read_identities", purpose).await?;
        let rows = sqlx::query(
            "SELECT i.record_id, i.given_name, i.family_name, i.date_of_birth, i.place_of_birth, i.document_number \
             FROM person_identities i JOIN person_records r ON r.id = i.record_id \
             JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'active' ORDER BY i.record_id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db("reading identities"))?;
        rows.iter()
            .map(|r| {
                Ok(Identity {
                    record_id: r.try_get(0)?,
                    given_name: r.try_get(1)?,
                    family_name: r.try_get(2)?,
                    date_of_birth: r.try_get(3)?,
                    place_of_birth: r.try_get(4)?,
                    document_number: r.try_get(5)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading identities"))
    }

    /// Reads the raw content of the quarantined rows of active submissions, after writing an audit
    /// entry naming the actor and the purpose (raw rows hold names and birth dates in clear).
    pub async fn read_quarantined_raw(&self, actor: &str, purpose: &str) -> Result<Vec<QuarantinedRaw>> {
        self.audit(actor, "read_quarantined_raw", purpose).await?;
        let rows = sqlx::query(
            "SELECT q.submission_id, q.row_number, q.raw_row FROM quarantine q \
             JOIN submissions s ON s.id = q.submission_id WHERE s.status = 'active' ORDER BY q.id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db("reading the quarantine"))?;
        rows.iter()
            .map(|r| {
                Ok(QuarantinedRaw { submission_id: r.try_get(0)?, row_number: r.try_get(1)?, raw_row: r.try_get(2)? })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading the quarantine"))
    }

    /// Appends an audit entry. Safe when several processes audit at once: the id is allocated
    /// by the INSERT itself, which SQLite runs under its write lock, and on PostgreSQL under a
    /// lock of the table that only writers of the audit log take.
    pub async fn audit(&self, actor: &str, action: &str, detail: &str) -> Result<()> {
        self.append_audit(actor, action, detail, None).await
    }

    pub(crate) async fn append_audit(
        &self,
        actor: &str,
        action: &str,
        detail: &str,
        purpose: Option<&str>,
    ) -> Result<()> {
        if actor.trim().is_empty() {
            return Err(crate::Error::UnnamedActor);
        }
        let mut tx = self.pool().begin().await.map_err(db("writing the audit log"))?;
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await
                .map_err(db("writing the audit log"))?;
        }
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor, action, detail, purpose) \
             SELECT COALESCE(MAX(id), 0) + 1, $1, $2, $3, $4, $5 FROM audit_log",
        )
        .bind(crate::now_utc())
        .bind(actor)
        .bind(action)
        .bind(detail)
        .bind(purpose)
        .execute(&mut *tx)
        .await
        .map_err(db("writing the audit log"))?;
        tx.commit().await.map_err(db("writing the audit log"))
    }

    /// The audit log, oldest first: (at, actor, action, detail).
    pub async fn audit_log(&self) -> Result<Vec<(String, String, String, String)>> {
        sqlx::query_as("SELECT at, actor, action, detail FROM audit_log ORDER BY id")
            .fetch_all(self.pool())
            .await
            .map_err(db("reading the audit log"))
    }

    /// Stores a named JSON document, replacing any earlier version.
    pub async fn put_document(&self, name: &str, body: &str) -> Result<()> {
        let mut tx = self.pool().begin().await.map_err(db("storing a document"))?;
        sqlx::query("DELETE FROM documents WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(db("storing a document"))?;
        sqlx::query("INSERT INTO documents (name, updated_at, body) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(crate::now_utc())
            .bind(body)
            .execute(&mut *tx)
            .await
            .map_err(db("storing a document"))?;
        tx.commit().await.map_err(db("storing a document"))
    }

    /// Reads a named JSON document.
    pub async fn document(&self, name: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT body FROM documents WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await
            .map_err(db("reading a document"))
    }
}
