//! The error type of the linkage engine.

/// Everything that can stop a linkage run from producing a result.
///
/// Messages never contain a field value: they name records by index and fields by name.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A record does not have one value per declared field.
    #[error("record {record_idx} has {found} values but the settings declare {expected} fields")]
    FieldCount { record_idx: usize, expected: usize, found: usize },
    /// A blocking or training rule names a field that is not declared.
    #[error("rule {rule_idx} names unknown field `{field}`")]
    UnknownField { rule_idx: usize, field: String },
    /// The settings are inconsistent.
    #[error("invalid settings: {reason}")]
    InvalidSettings { reason: String },
    /// Two inputs that must have one entry per record differ in length.
    #[error("expected {expected} entries (one per record), found {found}")]
    LengthMismatch { expected: usize, found: usize },
    /// The caller cancelled the run through [`Progress::is_cancelled`](crate::Progress::is_cancelled).
    #[error("linkage cancelled")]
    Cancelled,
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
