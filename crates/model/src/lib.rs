//! Palermo's domain model: the case schema every other crate speaks.
//!
//! - [`field`]: the fields of person records and criminal-justice counts, their kinds, and which
//!   of them identify a person;
//! - [`vocab`]: the controlled vocabularies (codes and labels), aligned with the Human Trafficking
//!   Case Data Standard 2.0 and the CTDC codebook;
//! - [`value`]: cell parsing and validation;
//! - [`record`]: a validated row;
//! - [`country`]: ISO 3166-1 alpha-3 codes and the one country table of the project.
//!
//! "Unknown" and "not recorded" are values of their own ([`Value::Unknown`],
//! [`Value::NotRecorded`]), never nulls.
//!
//! ```
//! use model::{field::RecordKind, value::{parse_cell, CellContext, Value}};
//! let ctx = CellContext { date_format: "%Y-%m-%d", separator: ";", today: chrono::NaiveDate::MIN };
//! let sex = RecordKind::Persons.field("sex").unwrap();
//! assert_eq!(parse_cell(sex, "Female", &ctx), Ok(Value::Code("female")));
//! ```

pub mod country;
pub mod field;
pub mod progress;
pub mod record;
pub mod value;
pub mod vocab;

pub use country::Iso3;
pub use field::{Field, FieldKind, RecordKind};
pub use progress::{NoProgress, Progress};
pub use record::Record;
pub use value::{CellContext, PartialDate, Problem, Value};

/// Masks a value for an error message or log line: identifying fields show only their length,
/// other fields are shown (shortened when long).
pub fn mask(field: Option<&Field>, raw: &str) -> String {
    if field.is_none_or(|f| f.identifying) {
        return format!("<{} characters hidden>", raw.chars().count());
    }
    let shown: String = raw.chars().take(40).collect();
    if shown.len() < raw.len() { format!("{shown}…") } else { shown }
}
