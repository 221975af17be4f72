//! The ledger of releases: what was published, for whom, when, by whom and how it was protected.

use crate::{Result, Store, db};

/// One release to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRelease {
    pub released_by: String,
    /// `public`, `partners` or `internal`.
    pub audience: String,
    pub method: String,
    /// The method's parameters, as JSON text.
    pub parameters: String,
    /// The files written, one per line, relative to the observatory folder.
    pub outputs: String,
    pub cells_suppressed: i64,
}

/// A recorded release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRelease {
    pub id: i64,
    pub released_at: String,
    pub released_by: String,
    pub audience: String,
    pub method: String,
    pub parameters: String,
    pub outputs: String,
    pub cells_suppressed: i64,
}

impl Store {
    /// Records a release; returns its id.
    pub async fn record_release(&self, release: &NewRelease) -> Result<i64> {
        if release.released_by.trim().is_empty() {
            return Err(crate::Error::UnnamedActor);
        }
        let action = "recording a release";
        let mut tx = self.pool().begin().await.map_err(db(action))?;
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM releases")
            .fetch_one(&mut *tx)
            .await
            .map_err(db(action))?;
        sqlx::query(
            "INSERT INTO releases (id, released_at, released_by, audience, method, parameters, outputs, cells_suppressed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(crate::now_utc())
        .bind(&release.released_by)
        .bind(&release.audience)
        .bind(&release.method)
        .bind(&release.parameters)
        .bind(&release.outputs)
        .bind(release.cells_suppressed)
        .execute(&mut *tx)
        .await
        .map_err(db(action))?;
        tx.commit().await.map_err(db(action))?;
        Ok(id)
    }

    /// Every recorded release, oldest first.
    pub async fn releases(&self) -> Result<Vec<StoredRelease>> {
        type Row = (i64, String, String, String, String, String, String, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, released_at, released_by, audience, method, parameters, outputs, cells_suppressed \
             FROM releases ORDER BY id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db("reading the releases"))?;
        Ok(rows
            .into_iter()
            .map(|(id, released_at, released_by, audience, method, parameters, outputs, cells_suppressed)| {
                StoredRelease { id, released_at, released_by, audience, method, parameters, outputs, cells_suppressed }
            })
            .collect())
    }
}
