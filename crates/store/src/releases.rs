//! The ledger of releases: what was published, for whom, when, by whom and how it was protected,
//! and the privacy budget: the ε each release spent from a dataset, against the dataset's total.

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

/// What a differentially private release spends.
#[derive(Debug, Clone, PartialEq)]
pub struct Spend {
    /// The data the released figures are computed from (`victims`: the persons' tables).
    pub dataset: String,
    /// ε spent by this release.
    pub epsilon: f64,
    /// The dataset's total budget as configured; the ledger keeps the one in force when the
    /// dataset first spent (a budget is not raised by editing a file once spent from).
    pub budget: f64,
}

/// A dataset's privacy budget and what its releases spent.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Budget {
    pub dataset: String,
    /// `None` until a release spends from the dataset (the configured total is then pinned).
    pub total: Option<f64>,
    pub spent: f64,
}

/// Slack for adding floating-point ε: a release that fills the budget exactly is allowed.
const EPSILON_SLACK: f64 = 1e-9;

/// A recorded release.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRelease {
    pub id: i64,
    pub released_at: String,
    pub released_by: String,
    pub audience: String,
    pub method: String,
    pub parameters: String,
    pub outputs: String,
    pub cells_suppressed: i64,
    pub dataset: String,
    /// ε spent (0 for a release without differential privacy).
    pub epsilon: f64,
}

impl Store {
    /// Records a release that spends no privacy budget; returns its id.
    pub async fn record_release(&self, release: &NewRelease) -> Result<i64> {
        let spend = Spend { dataset: "victims".to_owned(), epsilon: 0.0, budget: 0.0 };
        self.record_private_release(release, &spend).await
    }

    /// Records a release and the ε it spends, in one transaction that refuses it
    /// ([`crate::Error::BudgetExceeded`], nothing recorded) when the dataset's spent ε plus this
    /// release's would exceed the dataset's budget. The first release that spends from a dataset
    /// pins its budget (`spend.budget`). Returns the release's id.
    pub async fn record_private_release(&self, release: &NewRelease, spend: &Spend) -> Result<i64> {
        if release.released_by.trim().is_empty() {
            return Err(crate::Error::UnnamedActor);
        }
        if !(spend.epsilon.is_finite() && spend.epsilon >= 0.0) {
            return Err(crate::Error::InvalidEpsilon(spend.epsilon));
        }
        let action = "recording a release";
        let mut tx = self.pool().begin().await.map_err(db(action))?;
        if spend.epsilon > 0.0 {
            sqlx::query(
                "INSERT INTO privacy_budgets (dataset, total_epsilon, set_at, set_by) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (dataset) DO NOTHING",
            )
            .bind(&spend.dataset)
            .bind(spend.budget)
            .bind(crate::now_utc())
            .bind(&release.released_by)
            .execute(&mut *tx)
            .await
            .map_err(db(action))?;
            // Takes the budget's row (PostgreSQL) or the database (SQLite) for writing before
            // reading what was spent, so that two releases cannot both pass the check.
            sqlx::query("UPDATE privacy_budgets SET dataset = dataset WHERE dataset = $1")
                .bind(&spend.dataset)
                .execute(&mut *tx)
                .await
                .map_err(db(action))?;
            let total: f64 = sqlx::query_scalar("SELECT total_epsilon FROM privacy_budgets WHERE dataset = $1")
                .bind(&spend.dataset)
                .fetch_one(&mut *tx)
                .await
                .map_err(db(action))?;
            let spent: f64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(epsilon), 0) AS DOUBLE PRECISION) FROM releases WHERE dataset = $1",
            )
            .bind(&spend.dataset)
            .fetch_one(&mut *tx)
            .await
            .map_err(db(action))?;
            if spent + spend.epsilon > total + EPSILON_SLACK {
                return Err(crate::Error::BudgetExceeded {
                    dataset: spend.dataset.clone(),
                    total,
                    spent,
                    requested: spend.epsilon,
                });
            }
        }
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM releases")
            .fetch_one(&mut *tx)
            .await
            .map_err(db(action))?;
        sqlx::query(
            "INSERT INTO releases (id, released_at, released_by, audience, method, parameters, outputs, cells_suppressed, dataset, epsilon) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(crate::now_utc())
        .bind(&release.released_by)
        .bind(&release.audience)
        .bind(&release.method)
        .bind(&release.parameters)
        .bind(&release.outputs)
        .bind(release.cells_suppressed)
        .bind(&spend.dataset)
        .bind(spend.epsilon)
        .execute(&mut *tx)
        .await
        .map_err(db(action))?;
        tx.commit().await.map_err(db(action))?;
        Ok(id)
    }

    /// Every recorded release, oldest first.
    pub async fn releases(&self) -> Result<Vec<StoredRelease>> {
        type Row = (i64, String, String, String, String, String, String, i64, String, f64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, released_at, released_by, audience, method, parameters, outputs, cells_suppressed, dataset, \
             CAST(epsilon AS DOUBLE PRECISION) FROM releases ORDER BY id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db("reading the releases"))?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    released_at,
                    released_by,
                    audience,
                    method,
                    parameters,
                    outputs,
                    cells_suppressed,
                    dataset,
                    epsilon,
                )| {
                    StoredRelease {
                        id,
                        released_at,
                        released_by,
                        audience,
                        method,
                        parameters,
                        outputs,
                        cells_suppressed,
                        dataset,
                        epsilon,
                    }
                },
            )
            .collect())
    }

    /// A dataset's budget (if pinned) and the ε its releases spent.
    pub async fn privacy_budget(&self, dataset: &str) -> Result<Budget> {
        let action = "reading the privacy budget";
        let total: Option<f64> = sqlx::query_scalar(
            "SELECT CAST(total_epsilon AS DOUBLE PRECISION) FROM privacy_budgets WHERE dataset = $1",
        )
        .bind(dataset)
        .fetch_optional(self.pool())
        .await
        .map_err(db(action))?;
        let spent: f64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(epsilon), 0) AS DOUBLE PRECISION) FROM releases WHERE dataset = $1",
        )
        .bind(dataset)
        .fetch_one(self.pool())
        .await
        .map_err(db(action))?;
        Ok(Budget { dataset: dataset.to_owned(), total, spent })
    }
}
