//! Background jobs (a pipeline run started from the web) and States' questionnaires filled in on
//! the web. Both are rows, so every server instance on one database sees the same jobs and the
//! same drafts; both guard their writes: one running job per observatory (a unique index), and a
//! questionnaire saved only against the version it was read at (compare-and-swap).

use sqlx::Row;

use crate::{Result, Store, db};

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredJob {
    pub id: i64,
    pub kind: String,
    /// running, finished or failed.
    pub state: String,
    pub started_by: String,
    pub started_at: String,
    pub heartbeat_at: String,
    pub finished_at: Option<String>,
    pub stage: String,
    pub done: i64,
    pub total: i64,
    pub message: Option<String>,
    /// What the job did (JSON), once finished.
    pub summary: Option<String>,
}

/// A job's progress, as its heartbeat records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobProgress {
    pub stage: String,
    pub done: i64,
    pub total: i64,
}

/// A State's questionnaire for a round.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredQuestionnaire {
    pub round: String,
    pub state: String,
    pub version: i64,
    /// draft or submitted.
    pub status: String,
    /// The questionnaire, JSON.
    pub answers: String,
    pub updated_by: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
}

/// A questionnaire to save.
#[derive(Debug, Clone)]
pub struct QuestionnaireSave<'a> {
    pub round: &'a str,
    pub state: &'a str,
    /// The version the form was read at (0: there was none).
    pub expected_version: i64,
    /// draft or submitted.
    pub status: &'a str,
    pub answers: &'a str,
    pub actor: &'a str,
    /// A named document to replace in the same transaction, only if it still reads `old`
    /// (the monitoring dataset a submission is applied to): (name, old, new).
    pub document: Option<(&'a str, &'a str, &'a str)>,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Saved; the new version.
    Done { version: i64 },
    /// The questionnaire is at another version than the form was read at: nothing saved.
    Stale { current: i64 },
    /// The document changed since it was read: nothing saved (read it again and retry).
    DocumentChanged,
}

const JOB_COLUMNS: &str =
    "id, kind, state, started_by, started_at, heartbeat_at, finished_at, stage, done, total, message, summary";

fn job_from(r: &sqlx::any::AnyRow) -> Result<StoredJob, sqlx::Error> {
    Ok(StoredJob {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        state: r.try_get(2)?,
        started_by: r.try_get(3)?,
        started_at: r.try_get(4)?,
        heartbeat_at: r.try_get(5)?,
        finished_at: r.try_get(6)?,
        stage: r.try_get(7)?,
        done: r.try_get(8)?,
        total: r.try_get(9)?,
        message: r.try_get(10)?,
        summary: r.try_get(11)?,
    })
}

fn questionnaire_from(r: &sqlx::any::AnyRow) -> Result<StoredQuestionnaire, sqlx::Error> {
    Ok(StoredQuestionnaire {
        round: r.try_get(0)?,
        state: r.try_get(1)?,
        version: r.try_get(2)?,
        status: r.try_get(3)?,
        answers: r.try_get(4)?,
        updated_by: r.try_get(5)?,
        updated_at: r.try_get(6)?,
        submitted_at: r.try_get(7)?,
    })
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| e.is_unique_violation())
}

impl Store {
    /// Starts a job of `kind` for `actor` at `now`, unless one is running: first a running job
    /// whose heartbeat is older than `stale_before` is marked failed with `stale_message` (its
    /// instance stopped), then the new one is inserted. `None` when another job is running.
    pub async fn claim_job(
        &self,
        kind: &str,
        actor: &str,
        now: &str,
        stale_before: &str,
        stale_message: &str,
    ) -> Result<Option<StoredJob>> {
        let mut tx = self.pool().begin().await.map_err(db("starting a job"))?;
        sqlx::query(
            "UPDATE jobs SET state = 'failed', finished_at = $1, message = $2 WHERE state = 'running' AND heartbeat_at < $3",
        )
        .bind(now)
        .bind(stale_message)
        .bind(stale_before)
        .execute(&mut *tx)
        .await
        .map_err(db("starting a job"))?;
        let running: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'running'")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("starting a job"))?;
        if running > 0 {
            return Ok(None);
        }
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM jobs")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("starting a job"))?;
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, kind, state, started_by, started_at, heartbeat_at, finished_at, stage, done, total, message, summary) \
             VALUES ($1, $2, 'running', $3, $4, $4, NULL, 'starting', 0, 0, NULL, NULL)",
        )
        .bind(id)
        .bind(kind)
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            // Another instance started one at the same moment: the index refused the second.
            Err(e) if is_unique_violation(&e) => return Ok(None),
            other => other.map_err(db("starting a job"))?,
        };
        match tx.commit().await {
            Err(e) if is_unique_violation(&e) => return Ok(None),
            other => other.map_err(db("starting a job"))?,
        }
        Ok(Some(StoredJob {
            id,
            kind: kind.to_owned(),
            state: "running".to_owned(),
            started_by: actor.to_owned(),
            started_at: now.to_owned(),
            heartbeat_at: now.to_owned(),
            finished_at: None,
            stage: "starting".to_owned(),
            done: 0,
            total: 0,
            message: None,
            summary: None,
        }))
    }

    /// Renews a running job's heartbeat and records its progress. False when the job is no
    /// longer running (another instance took it for dead).
    pub async fn job_heartbeat(&self, id: i64, now: &str, progress: &JobProgress) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE jobs SET heartbeat_at = $1, stage = $2, done = $3, total = $4 WHERE id = $5 AND state = 'running'",
        )
        .bind(now)
        .bind(&progress.stage)
        .bind(progress.done)
        .bind(progress.total)
        .bind(id)
        .execute(self.pool())
        .await
        .map_err(db("recording a job's progress"))?
        .rows_affected();
        Ok(changed > 0)
    }

    /// Ends a running job as `state` (finished or failed), with its message or summary.
    pub async fn finish_job(
        &self,
        id: i64,
        now: &str,
        state: &str,
        message: Option<&str>,
        summary: Option<&str>,
    ) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE jobs SET state = $1, finished_at = $2, heartbeat_at = $2, message = $3, summary = $4 \
             WHERE id = $5 AND state = 'running'",
        )
        .bind(state)
        .bind(now)
        .bind(message)
        .bind(summary)
        .bind(id)
        .execute(self.pool())
        .await
        .map_err(db("ending a job"))?
        .rows_affected();
        Ok(changed > 0)
    }

    /// A job by id.
    pub async fn job(&self, id: i64) -> Result<Option<StoredJob>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1")))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db("reading a job"))?;
        row.as_ref().map(job_from).transpose().map_err(db("reading a job"))
    }

    /// The latest job of `kind`, if any.
    pub async fn latest_job(&self, kind: &str) -> Result<Option<StoredJob>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE kind = $1 ORDER BY id DESC LIMIT 1"
        )))
        .bind(kind)
        .fetch_optional(self.pool())
        .await
        .map_err(db("reading a job"))?;
        row.as_ref().map(job_from).transpose().map_err(db("reading a job"))
    }

    /// A State's questionnaire for a round, if one was saved.
    pub async fn questionnaire(&self, round: &str, state: &str) -> Result<Option<StoredQuestionnaire>> {
        let row = sqlx::query(
            "SELECT round, state, version, status, answers, updated_by, updated_at, submitted_at \
             FROM questionnaires WHERE round = $1 AND state = $2",
        )
        .bind(round)
        .bind(state)
        .fetch_optional(self.pool())
        .await
        .map_err(db("reading a questionnaire"))?;
        row.as_ref().map(questionnaire_from).transpose().map_err(db("reading a questionnaire"))
    }

    /// Every questionnaire of a round, by State.
    pub async fn questionnaires(&self, round: &str) -> Result<Vec<StoredQuestionnaire>> {
        let rows = sqlx::query(
            "SELECT round, state, version, status, answers, updated_by, updated_at, submitted_at \
             FROM questionnaires WHERE round = $1 ORDER BY state",
        )
        .bind(round)
        .fetch_all(self.pool())
        .await
        .map_err(db("reading questionnaires"))?;
        rows.iter().map(questionnaire_from).collect::<Result<_, _>>().map_err(db("reading questionnaires"))
    }

    /// Saves a questionnaire if it is still at the version the form was read at, and (in the same
    /// transaction) replaces a document if it still reads as it did; otherwise saves nothing.
    pub async fn save_questionnaire(&self, save: &QuestionnaireSave<'_>) -> Result<Saved> {
        let action = "saving a questionnaire";
        let mut tx = self.pool().begin().await.map_err(db(action))?;
        let now = crate::now_utc();
        let current: Option<i64> =
            sqlx::query_scalar("SELECT version FROM questionnaires WHERE round = $1 AND state = $2")
                .bind(save.round)
                .bind(save.state)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db(action))?;
        let current = current.unwrap_or(0);
        if current != save.expected_version {
            return Ok(Saved::Stale { current });
        }
        let submitted_at = (save.status == "submitted").then_some(now.as_str());
        let version = current + 1;
        if current == 0 {
            let inserted = sqlx::query(
                "INSERT INTO questionnaires (round, state, version, status, answers, updated_by, updated_at, submitted_at) \
                 VALUES ($1, $2, 1, $3, $4, $5, $6, $7)",
            )
            .bind(save.round)
            .bind(save.state)
            .bind(save.status)
            .bind(save.answers)
            .bind(save.actor)
            .bind(&now)
            .bind(submitted_at)
            .execute(&mut *tx)
            .await;
            match inserted {
                Err(e) if is_unique_violation(&e) => return Ok(Saved::Stale { current: 1 }),
                other => other.map_err(db(action))?,
            };
        } else {
            let changed = sqlx::query(
                "UPDATE questionnaires SET version = $1, status = $2, answers = $3, updated_by = $4, updated_at = $5, \
                 submitted_at = COALESCE($6, submitted_at) WHERE round = $7 AND state = $8 AND version = $9",
            )
            .bind(version)
            .bind(save.status)
            .bind(save.answers)
            .bind(save.actor)
            .bind(&now)
            .bind(submitted_at)
            .bind(save.round)
            .bind(save.state)
            .bind(current)
            .execute(&mut *tx)
            .await
            .map_err(db(action))?
            .rows_affected();
            if changed == 0 {
                return Ok(Saved::Stale { current: version });
            }
        }
        if let Some((name, old, new)) = save.document {
            let changed = sqlx::query("UPDATE documents SET body = $1, updated_at = $2 WHERE name = $3 AND body = $4")
                .bind(new)
                .bind(&now)
                .bind(name)
                .bind(old)
                .execute(&mut *tx)
                .await
                .map_err(db(action))?
                .rows_affected();
            if changed == 0 {
                return Ok(Saved::DocumentChanged);
            }
        }
        match tx.commit().await {
            Err(e) if is_unique_violation(&e) => Ok(Saved::Stale { current: version }),
            other => other.map(|()| Saved::Done { version }).map_err(db(action)),
        }
    }

    /// The raw content of the quarantined rows of `source`'s active submission, after writing an
    /// audit entry (action `quarantine.export`) naming the actor, the source and the purpose: the
    /// agency's own refused rows, for correction (they may identify a person).
    pub async fn export_quarantined_raw(
        &self,
        actor: &str,
        source: &str,
        purpose: &str,
    ) -> Result<Vec<crate::QuarantinedRaw>> {
        let detail = format!("quarantine of source {source} (refused rows as submitted, CSV)");
        self.append_audit(actor, "quarantine.export", &detail, Some(purpose)).await?;
        let rows = sqlx::query(
            "SELECT q.submission_id, q.row_number, q.raw_row FROM quarantine q \
             JOIN submissions s ON s.id = q.submission_id WHERE s.status = 'active' AND s.source = $1 ORDER BY q.id",
        )
        .bind(source)
        .fetch_all(self.pool())
        .await
        .map_err(db("reading the quarantine"))?;
        rows.iter()
            .map(|r| {
                Ok(crate::QuarantinedRaw {
                    submission_id: r.try_get(0)?,
                    row_number: r.try_get(1)?,
                    raw_row: r.try_get(2)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading the quarantine"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_sqlite(&dir.path().join("t.db")).await.expect("open");
        (dir, store)
    }

    #[tokio::test]
    async fn one_job_runs_at_a_time_and_a_dead_one_expires() {
        let (_dir, store) = store().await;
        let t0 = "2026-01-01T10:00:00Z";
        let first = store.claim_job("run", "ana", t0, "2026-01-01T09:58:00Z", "stale").await.expect("claim");
        let first = first.expect("the first start runs");
        let refused = store.claim_job("run", "bob", "2026-01-01T10:01:00Z", "2026-01-01T09:59:00Z", "stale").await;
        assert_eq!(refused.expect("claim"), None, "a second start while one runs is refused");
        let progress = JobProgress { stage: "import".into(), done: 3, total: 9 };
        assert!(store.job_heartbeat(first.id, "2026-01-01T10:02:00Z", &progress).await.expect("beat"));
        // The heartbeat stops; two minutes on, the lease has run out and a start succeeds.
        let second = store.claim_job("run", "bob", "2026-01-01T10:05:00Z", "2026-01-01T10:03:00Z", "stale").await;
        let second = second.expect("claim").expect("the dead job no longer blocks");
        let dead = store.job(first.id).await.expect("read").expect("job");
        assert_eq!((dead.state.as_str(), dead.message.as_deref()), ("failed", Some("stale")));
        assert_eq!((dead.stage.as_str(), dead.done, dead.total), ("import", 3, 9));
        // The dead job's instance cannot write over what the lease decided.
        assert!(!store.finish_job(first.id, "2026-01-01T10:06:00Z", "finished", None, None).await.expect("finish"));
        assert!(store.finish_job(second.id, "2026-01-01T10:06:00Z", "finished", None, Some("{}")).await.expect("end"));
        assert_eq!(store.latest_job("run").await.expect("latest").map(|j| j.state), Some("finished".to_owned()));
    }

    #[tokio::test]
    async fn a_questionnaire_is_saved_only_against_its_version() {
        let (_dir, store) = store().await;
        let save = |expected, answers: &'static str| QuestionnaireSave {
            round: "2026",
            state: "XDL",
            expected_version: expected,
            status: "draft",
            answers,
            actor: "focal",
            document: None,
        };
        assert_eq!(store.save_questionnaire(&save(0, "{\"a\":1}")).await.expect("save"), Saved::Done { version: 1 });
        assert_eq!(store.save_questionnaire(&save(0, "{\"a\":2}")).await.expect("save"), Saved::Stale { current: 1 });
        assert_eq!(store.save_questionnaire(&save(1, "{\"a\":3}")).await.expect("save"), Saved::Done { version: 2 });
        assert_eq!(store.save_questionnaire(&save(1, "{\"a\":4}")).await.expect("save"), Saved::Stale { current: 2 });
        let stored = store.questionnaire("2026", "XDL").await.expect("read").expect("row");
        assert_eq!((stored.version, stored.answers.as_str()), (2, "{\"a\":3}"));
        // A document that changed since it was read stops the whole save.
        store.put_document("d", "new").await.expect("doc");
        let with_document = QuestionnaireSave { document: Some(("d", "old", "newer")), ..save(2, "{\"a\":5}") };
        assert_eq!(store.save_questionnaire(&with_document).await.expect("save"), Saved::DocumentChanged);
        assert_eq!(store.questionnaire("2026", "XDL").await.expect("read").expect("row").version, 2);
        let with_document = QuestionnaireSave { document: Some(("d", "new", "newer")), ..save(2, "{\"a\":5}") };
        assert_eq!(store.save_questionnaire(&with_document).await.expect("save"), Saved::Done { version: 3 });
        assert_eq!(store.document("d").await.expect("doc").as_deref(), Some("newer"));
    }
}
