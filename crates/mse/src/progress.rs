//! Progress reporting and cancellation for long jobs (bootstrap, exhaustive search).
//!
//! The engine calls [`Progress::start`] with the number of work units, then
//! [`Progress::inc`] as units finish, and polls [`Progress::is_cancelled`]
//! between units; a front end maps this onto a progress bar or a job status.

/// A sink for progress of a long job; must be shareable across worker threads.
pub trait Progress: Sync {
    /// A job of `total` units starts (called again for each phase).
    fn start(&self, total: u64) {
        let _ = total;
    }
    /// `n` more units are done.
    fn inc(&self, n: u64);
    /// Whether the caller wants the job stopped; the engine then returns
    /// [`crate::Error::Cancelled`].
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// Progress that goes nowhere and never cancels.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn inc(&self, _n: u64) {}
}
