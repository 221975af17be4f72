//! The crate's one error type.
//!
//! Messages never contain a field value, a secret, a derived key or an encoding: they name the
//! record (0-based row index), the field (its schema identifier or index) and the reason only,
//! because the values are names and birth dates of victims.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The schema text is not JSON.
    #[error("the linkage schema is not valid JSON")]
    SchemaJson(#[source] serde_json::Error),
    /// The schema is JSON but not a linkage schema we can use.
    #[error("invalid linkage schema at {path}: {reason}")]
    Schema {
        /// JSON path of the offending element, e.g. `features[2].hashing.strategy`.
        path: String,
        /// What is wrong (never contains record data).
        reason: String,
    },
    /// A regular expression in the schema does not compile.
    #[error("invalid regular expression in the schema at {path}")]
    SchemaPattern {
        /// JSON path of the pattern.
        path: String,
        /// The compiler's complaint.
        #[source]
        source: regex::Error,
    },
    /// A record has a different number of columns from the schema's features.
    #[error("record {row} has {found} columns, the schema has {expected} features")]
    RowLength {
        /// 0-based index of the record.
        row: usize,
        /// Columns found.
        found: usize,
        /// Features in the schema.
        expected: usize,
    },
    /// The header of the input does not name the schema's features in order (clkhash's
    /// `validate_header`). Column names are not personal data.
    #[error("header column {column}: expected {expected:?}, found {found:?}")]
    Header {
        /// 0-based column index (the count of columns when the numbers differ).
        column: usize,
        /// The schema's identifier, or the expected count.
        expected: String,
        /// What the header has.
        found: String,
    },
    /// A value does not conform to the feature's format (the value itself is withheld).
    #[error("record {row}, field {field:?}: value does not conform to the schema ({reason})")]
    InvalidEntry {
        /// 0-based index of the record.
        row: usize,
        /// Identifier of the feature in the schema.
        field: String,
        /// Why, without the value.
        reason: &'static str,
    },
    /// The key derivation cannot produce the requested key material.
    #[error("key derivation failed: {reason}")]
    Kdf {
        /// Why.
        reason: &'static str,
    },
    /// The encodings JSON (`{"clks": [...]}`) could not be read.
    #[error("invalid encodings JSON: {reason}")]
    ClkJson {
        /// Why (never contains an encoding).
        reason: String,
    },
    /// Encodings of different lengths were compared.
    #[error("encodings have different lengths ({left} and {right} bits)")]
    LengthMismatch {
        /// Bits of the first encoding.
        left: usize,
        /// Bits of the second encoding.
        right: usize,
    },
    /// A similarity threshold outside (0, 1].
    #[error("similarity threshold must be in (0, 1], got {0}")]
    Threshold(f64),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
