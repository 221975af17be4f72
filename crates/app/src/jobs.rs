//! `palermo run` as the observatory's one job: started by an analyst in the web application (in
//! the background, [`start_run`]) or from a terminal (in the foreground, [`run_in_foreground`]),
//! one at a time per observatory, its state and progress in the database so that any server
//! instance (and a reloaded page) sees them, and neither starts while the other runs.
//!
//! The job runs the same [`crate::pipeline::run`] as the CLI, on a thread of its own; its
//! [`model::Progress`] keeps the current stage and count in memory, and a heartbeat writes them to
//! the store every [`HEARTBEAT_SECONDS`]. A running job whose heartbeat is older than
//! [`LEASE_SECONDS`] was left by an instance that stopped: it is shown as failed, and the next
//! start marks it so and goes ahead. A failed job keeps the error's message (application errors
//! never carry a person's data).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
pub use store::JobProgress;
use store::{Store, StoredJob};

use crate::{Observatory, Result};

/// The kind of the pipeline run's jobs.
pub const RUN: &str = "run";
/// How often a running job records its progress and renews its lease.
pub const HEARTBEAT_SECONDS: u64 = 2;
/// A running job not heard from for this long is taken for dead.
pub const LEASE_SECONDS: i64 = 60;
/// The message of a job whose instance stopped.
pub const STOPPED: &str = "the server instance running this job stopped before it ended (no heartbeat): start it again";

/// Job errors.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("a run is already in progress (started by {started_by} at {started_at}): wait for it to end")]
    Busy { started_by: String, started_at: String },
    #[error("no job {0}")]
    Unknown(i64),
}

impl From<JobError> for crate::Error {
    fn from(e: JobError) -> Self {
        crate::Error::Job(e)
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Finished,
    Failed,
}

impl JobState {
    pub fn code(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Finished => "finished",
            JobState::Failed => "failed",
        }
    }
}

/// A job as its readers see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub state: JobState,
    pub started_by: String,
    pub started_at: String,
    /// When it last recorded progress (or ended).
    pub updated_at: String,
    pub finished_at: Option<String>,
    /// The current stage (import, link and count, bootstrap, report…) and its progress.
    pub stage: String,
    pub done: u64,
    /// 0 when the stage's size is unknown.
    pub total: u64,
    /// Why it failed.
    pub message: Option<String>,
    /// What it did, once finished: total, unit, estimate, interval, quarantined rows, withheld
    /// cells, each stage's seconds.
    pub summary: Option<serde_json::Value>,
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn stale_before(now: DateTime<Utc>) -> String {
    stamp(now - chrono::Duration::seconds(LEASE_SECONDS))
}

impl Job {
    /// A stored job, read at `now`: a running job past its lease is shown as failed.
    fn from_stored(job: StoredJob, now: DateTime<Utc>) -> Job {
        let mut state = match job.state.as_str() {
            "running" => JobState::Running,
            "finished" => JobState::Finished,
            _ => JobState::Failed,
        };
        let mut message = job.message;
        if state == JobState::Running && job.heartbeat_at < stale_before(now) {
            state = JobState::Failed;
            message = Some(STOPPED.to_owned());
        }
        Job {
            id: job.id,
            kind: job.kind,
            state,
            started_by: job.started_by,
            started_at: job.started_at,
            updated_at: job.heartbeat_at,
            finished_at: job.finished_at,
            stage: job.stage,
            done: u64::try_from(job.done).unwrap_or(0),
            total: u64::try_from(job.total).unwrap_or(0),
            message,
            summary: job.summary.and_then(|s| serde_json::from_str(&s).ok()),
        }
    }
}

/// The latest run, if any was started.
pub async fn latest_run(store: &Store) -> Result<Option<Job>> {
    Ok(store.latest_job(RUN).await?.map(|j| Job::from_stored(j, Utc::now())))
}

/// A job by id.
pub async fn job(store: &Store, id: i64) -> Result<Job> {
    let job = store.job(id).await?.ok_or(JobError::Unknown(id))?;
    Ok(Job::from_stored(job, Utc::now()))
}

/// Claims the observatory's one job slot for a job of `kind` at `now` (a dead job's slot is
/// taken over). Refused with [`JobError::Busy`] while another job runs. The caller runs the job,
/// beats its heart ([`heartbeat`]) and ends it ([`finish`]); [`start_run`] does all of that.
pub async fn claim(store: &Store, kind: &str, actor: &str, now: DateTime<Utc>) -> Result<Job> {
    match store.claim_job(kind, actor, &stamp(now), &stale_before(now), STOPPED).await? {
        Some(job) => Ok(Job::from_stored(job, now)),
        None => {
            let running = store.latest_job(kind).await?.filter(|j| j.state == "running");
            let (started_by, started_at) = running
                .map(|j| (j.started_by, j.started_at))
                .unwrap_or_else(|| ("another account".to_owned(), "a moment ago".to_owned()));
            Err(JobError::Busy { started_by, started_at }.into())
        }
    }
}

/// Records a running job's progress at `now` and renews its lease. False when the job is no
/// longer running.
pub async fn heartbeat(store: &Store, id: i64, now: DateTime<Utc>, progress: &JobProgress) -> Result<bool> {
    Ok(store.job_heartbeat(id, &stamp(now), progress).await?)
}

/// Ends a running job: finished with its summary, or failed with its error's message.
pub async fn finish(store: &Store, id: i64, outcome: std::result::Result<serde_json::Value, String>) -> Result<()> {
    let now = stamp(Utc::now());
    let ended = match &outcome {
        Ok(summary) => store.finish_job(id, &now, "finished", None, Some(&summary.to_string())).await?,
        Err(message) => store.finish_job(id, &now, "failed", Some(message), None).await?,
    };
    if !ended {
        tracing::warn!(job = id, "a job ended after its lease ran out; its end is not recorded");
    }
    Ok(())
}

/// A job's progress, kept in memory by the pipeline's calls and written by the heartbeat.
#[derive(Debug, Default)]
struct Recorder {
    progress: Mutex<JobProgress>,
}

impl Recorder {
    fn snapshot(&self) -> JobProgress {
        self.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn update(&self, f: impl FnOnce(&mut JobProgress)) {
        if let Ok(mut p) = self.progress.lock() {
            f(&mut p);
        }
    }
}

impl model::Progress for Recorder {
    fn start(&self, stage: &str, total: u64) {
        self.update(|p| {
            p.stage = stage.to_owned();
            p.done = 0;
            p.total = i64::try_from(total).unwrap_or(i64::MAX);
        });
    }

    fn set(&self, done: u64) {
        self.update(|p| p.done = i64::try_from(done).unwrap_or(i64::MAX));
    }

    fn inc(&self, n: u64) {
        self.update(|p| p.done = p.done.saturating_add(i64::try_from(n).unwrap_or(i64::MAX)));
    }

    fn finish(&self) {
        self.update(|p| p.done = p.done.max(p.total));
    }
}

/// What a finished run did, for its job's summary (no person's data: counts and seconds).
fn run_summary(summary: &crate::pipeline::RunSummary) -> serde_json::Value {
    serde_json::json!({
        "unit": summary.unit,
        "total": summary.total,
        "quarantined": summary.quarantined,
        "quarantined_now": summary.quarantined_now(),
        "suppressed_cells": summary.suppressed_cells,
        "estimate": summary.estimate,
        "interval": summary.interval,
        "stages": summary.stages,
    })
}

/// Passes a run's progress to both the job's record and the caller's own display (a terminal's
/// bar); the caller decides cancellation.
struct Both<'a> {
    job: &'a Recorder,
    caller: &'a dyn model::Progress,
}

impl model::Progress for Both<'_> {
    fn start(&self, stage: &str, total: u64) {
        self.job.start(stage, total);
        self.caller.start(stage, total);
    }

    fn set(&self, done: u64) {
        self.job.set(done);
        self.caller.set(done);
    }

    fn inc(&self, n: u64) {
        self.job.inc(n);
        self.caller.inc(n);
    }

    fn finish(&self) {
        self.job.finish();
        self.caller.finish();
    }

    fn is_cancelled(&self) -> bool {
        self.caller.is_cancelled()
    }
}

/// Runs the pipeline as the claimed job `id`: beats its heart with the progress while it runs,
/// then records its end. Call from within a multi-threaded Tokio runtime (the heartbeat is a task
/// of its own while the pipeline computes).
async fn run_as_job(
    observatory: &Observatory,
    id: i64,
    today: chrono::NaiveDate,
    options: &crate::pipeline::RunOptions,
    progress: &dyn model::Progress,
) -> Result<crate::pipeline::RunSummary> {
    let recorder = Arc::new(Recorder::default());
    let beat = {
        let (store, recorder) = (observatory.store.clone(), recorder.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(HEARTBEAT_SECONDS)).await;
                match heartbeat(&store, id, Utc::now(), &recorder.snapshot()).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    // A busy database (a long import holding SQLite's write lock) skips a beat.
                    Err(e) => tracing::warn!(job = id, error = %e, "cannot record a job's progress"),
                }
            }
        })
    };
    let outcome =
        crate::pipeline::run(observatory, today, options, &Both { job: recorder.as_ref(), caller: progress }).await;
    beat.abort();
    let recorded = match &outcome {
        Ok(summary) => {
            tracing::info!(job = id, "run finished");
            Ok(run_summary(summary))
        }
        Err(e) => {
            tracing::warn!(job = id, error = %e, "run failed");
            Err(e.to_string())
        }
    };
    if let Err(e) = finish(&observatory.store, id, recorded).await {
        tracing::error!(job = id, error = %e, "cannot record the end of a job");
    }
    outcome
}

/// Starts `palermo run` as a background job for `actor` (refused with [`JobError::Busy`] while
/// one runs) and returns at once with the running job. Call from within a Tokio runtime.
pub async fn start_run(observatory: Arc<Observatory>, actor: &str, today: chrono::NaiveDate) -> Result<Job> {
    let job = claim(&observatory.store, RUN, actor, Utc::now()).await?;
    observatory.store.audit_with_purpose(actor, "run.start", &format!("job {}", job.id), None).await?;
    let id = job.id;
    let runtime = tokio::runtime::Handle::current();
    // The pipeline computes for long stretches without yielding: it gets a thread of its own.
    tokio::task::spawn_blocking(move || {
        let options = crate::pipeline::RunOptions::default();
        // Its outcome is in the job's record.
        let _ = runtime.block_on(run_as_job(&observatory, id, today, &options, &model::NoProgress));
    });
    Ok(job)
}

/// Why a terminal's run was taken over before its lease ran out.
const KILLED: &str = "the terminal's `palermo run` running this job stopped before it ended (killed or interrupted)";

/// What a run started from a terminal is recorded as: its process and machine, so that the next
/// terminal run on the same machine can tell a run whose process was killed (and need not wait
/// for its lease to run out).
fn terminal_actor() -> String {
    format!("terminal (pid {} on {})", std::process::id(), hostname())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "this machine".to_owned(), |h| h.trim().to_owned())
}

/// Whether `started_by` names a terminal's run on this machine whose process is gone (Linux's
/// `/proc`; elsewhere no run is taken for dead before its lease runs out).
fn is_dead_terminal(started_by: &str) -> bool {
    let Some((pid, host)) =
        started_by.strip_prefix("terminal (pid ").and_then(|r| r.strip_suffix(')')).and_then(|r| r.split_once(" on "))
    else {
        return false;
    };
    let proc = std::path::Path::new("/proc");
    host == hostname() && pid.parse::<u32>().is_ok() && proc.join("self").exists() && !proc.join(pid).exists()
}

/// Runs `palermo run` in the foreground, from a terminal, as the observatory's job, so the web
/// application's Run page shows it and cannot start another meanwhile; refused with
/// [`JobError::Busy`] while another run is in progress. A run of an earlier terminal on this
/// machine whose process was killed is taken over at once. Call from within a multi-threaded
/// Tokio runtime.
pub async fn run_in_foreground(
    observatory: &Observatory,
    today: chrono::NaiveDate,
    options: &crate::pipeline::RunOptions,
    progress: &dyn model::Progress,
) -> Result<crate::pipeline::RunSummary> {
    let store = &observatory.store;
    let actor = terminal_actor();
    let now = Utc::now();
    let job = match claim(store, RUN, &actor, now).await {
        Err(crate::Error::Job(JobError::Busy { started_by, started_at })) if is_dead_terminal(&started_by) => {
            let everything_stale = stamp(now + chrono::Duration::seconds(1));
            let taken = store.claim_job(RUN, &actor, &stamp(now), &everything_stale, KILLED).await?;
            Job::from_stored(taken.ok_or(JobError::Busy { started_by, started_at })?, now)
        }
        other => other?,
    };
    store.audit_with_purpose(&actor, "run.start", &format!("job {}", job.id), None).await?;
    run_as_job(observatory, job.id, today, options, progress).await
}
