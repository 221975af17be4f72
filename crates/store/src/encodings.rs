//! Bloom-filter encodings (CLKs) of the records of sources that may not share names.
//!
//! An encoding is stored apart from the analytical record (`record_encodings`), as the agency sent
//! it (base64), in the transaction of the record's import ([`crate::StoreRow::with_encoding`]), and
//! read only through [`Store::read_encodings`], which writes an audit entry
//! first: whoever holds encodings and the secret can test guesses of names.

use crate::{Result, Store, db};

impl Store {
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
