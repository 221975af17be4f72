//! Bloom-filter encodings (CLKs) of the records of sources that may not share names.
//!
//! An encoding is stored apart from the analytical record (`record_encodings`), as the agency sent
//! it (base64), and read only through [`Store::read_encodings`], which writes an audit entry
//! first: whoever holds encodings and the secret can test guesses of names.

use crate::{Result, Store, db};

/// A stored record of a submission that could not be given its encoding, and why (the reason
/// names the row and the problem, never the encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedEncoding {
    pub record_id: i64,
    pub row_number: i64,
    pub reason: String,
}

impl Store {
    /// The records of a submission: (record id, row number), by row.
    pub async fn submission_records(&self, submission_id: i64) -> Result<Vec<(i64, i64)>> {
        sqlx::query_as("SELECT id, row_number FROM person_records WHERE submission_id = $1 ORDER BY row_number")
            .bind(submission_id)
            .fetch_all(self.pool())
            .await
            .map_err(db("reading a submission's records"))
    }

    /// Stores the encodings of a submission's records, and moves each refused record to the
    /// quarantine with its reason (the submission's counts follow), in one transaction.
    pub async fn attach_encodings(
        &self,
        submission_id: i64,
        encodings: &[(i64, String)],
        refused: &[RefusedEncoding],
    ) -> Result<()> {
        let action = "storing encodings";
        let mut tx = self.pool().begin().await.map_err(db(action))?;
        for (record_id, encoding) in encodings {
            sqlx::query("DELETE FROM record_encodings WHERE record_id = $1")
                .bind(record_id)
                .execute(&mut *tx)
                .await
                .map_err(db(action))?;
            sqlx::query("INSERT INTO record_encodings (record_id, encoding) VALUES ($1, $2)")
                .bind(record_id)
                .bind(encoding)
                .execute(&mut *tx)
                .await
                .map_err(db(action))?;
        }
        if !refused.is_empty() {
            let mut next_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM quarantine")
                .fetch_one(&mut *tx)
                .await
                .map_err(db(action))?;
            for r in refused {
                let errors = serde_json::json!([{
                    "row": r.row_number, "column": null, "field": null, "value": null, "reason": r.reason,
                }]);
                for table in ["record_encodings", "person_identities"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE record_id = $1")))
                        .bind(r.record_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db(action))?;
                }
                sqlx::query("DELETE FROM person_records WHERE id = $1 AND submission_id = $2")
                    .bind(r.record_id)
                    .bind(submission_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db(action))?;
                sqlx::query(
                    "INSERT INTO quarantine (id, submission_id, row_number, errors, raw_row) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(next_id)
                .bind(submission_id)
                .bind(r.row_number)
                .bind(errors.to_string())
                .bind("[]")
                .execute(&mut *tx)
                .await
                .map_err(db(action))?;
                next_id += 1;
            }
            sqlx::query(
                "UPDATE submissions SET rows_stored = rows_stored - $1, rows_quarantined = rows_quarantined + $1 WHERE id = $2",
            )
            .bind(refused.len() as i64)
            .bind(submission_id)
            .execute(&mut *tx)
            .await
            .map_err(db(action))?;
        }
        tx.commit().await.map_err(db(action))
    }

    /// How many active records have an encoding (no encoding is read).
    pub async fn count_encodings(&self) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM record_encodings e JOIN person_records r ON r.id = e.record_id \
             JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'active'",
        )
        .fetch_one(self.pool())
        .await
        .map_err(db("counting encodings"))
    }

    /// Reads the encodings of active records, (record id, base64), after writing an audit entry
    /// naming the actor and the purpose.
    pub async fn read_encodings(&self, actor: &str, purpose: &str) -> Result<Vec<(i64, String)>> {
        self.audit(actor, "read_encodings", purpose).await?;
        sqlx::query_as(
            "SELECT e.record_id, e.encoding FROM record_encodings e JOIN person_records r ON r.id = e.record_id \
             JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'active' ORDER BY e.record_id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db("reading encodings"))
    }
}
