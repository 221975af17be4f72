//! A small trait through which long jobs report progress and learn of cancellation, so the CLI can
//! draw a progress bar and the server can keep a job status without the engines knowing either.

/// Progress of one long job, in steps (rows, bytes, replicates…).
pub trait Progress: Sync {
    /// A new stage begins with `total` steps (0 when unknown).
    fn start(&self, _stage: &str, _total: u64) {}
    /// `done` steps of the current stage are complete.
    fn set(&self, _done: u64) {}
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
