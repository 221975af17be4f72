//! The one trait through which long jobs (an import, a linkage, a bootstrap, a sampler) report
//! progress and learn of cancellation, so the CLI can draw a progress bar and the server can keep a
//! job status without the engines knowing either.
//!
//! A job calls [`Progress::start`] as each stage begins (a name and its number of steps, 0 when
//! unknown), then reports steps done: [`Progress::set`] with the count so far when it knows where
//! it is (bytes read), or [`Progress::inc`] as units finish on worker threads, in any order (the
//! bootstrap's replicates, the sampler's draws). It polls [`Progress::is_cancelled`] between steps
//! and stops with its crate's `Cancelled` error. Whoever drives the job calls [`Progress::finish`]
//! when its last stage is over. Every method does nothing by default, so an implementation keeps
//! only what it shows; one that shows counts implements both `set` and `inc`.

/// Progress of one long job, in steps (rows, bytes, replicates, draws…); shareable across the
/// job's worker threads.
pub trait Progress: Sync {
    /// A new stage begins with `total` steps (0 when unknown); the previous stage, if any, is over.
    fn start(&self, _stage: &str, _total: u64) {}
    /// `done` steps of the current stage are complete.
    fn set(&self, _done: u64) {}
    /// `n` more steps of the current stage are complete.
    fn inc(&self, _n: u64) {}
    /// The current stage is over.
    fn finish(&self) {}
    /// Whether the user asked to stop; jobs check it between steps.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// Reports nothing, never cancels.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
