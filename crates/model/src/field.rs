//! The fields of Palermo's two record kinds (person records and criminal-justice counts), what
//! kind of value each holds, and which fields identify a person.

use crate::vocab::{self, Vocabulary};

/// What kind of value a field holds, and so how a cell is parsed and validated.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    /// One code of a vocabulary (or unknown / not recorded).
    Code(&'static Vocabulary),
    /// Several codes of a vocabulary, separated in a cell by the mapping's separator.
    MultiCode(&'static Vocabulary),
    /// A country, stored as its ISO 3166-1 alpha-3 code; read from any code or name that
    /// [`crate::country::Countries::lookup`] recognises.
    Country,
    /// A whole number within bounds (inclusive).
    Integer { min: i64, max: i64 },
    /// A calendar year, from 1990 up to the current year.
    Year,
    /// A full date, not in the future.
    Date,
    /// A date that may be partial (year, year-month or full), not in the future.
    PartialDate,
    /// Short text (an id or a code of the source), at most `max_chars` characters.
    Text { max_chars: usize },
}

/// Which of the two record kinds a mapping describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// One row per person record (victim or suspect) of a source.
    Persons,
    /// One row per count of persons at a stage of the criminal-justice chain.
    Justice,
}

impl RecordKind {
    /// The fields of this kind, in canonical order.
    pub fn fields(self) -> &'static [Field] {
        match self {
            RecordKind::Persons => PERSON_FIELDS,
            RecordKind::Justice => JUSTICE_FIELDS,
        }
    }

    /// Finds a field of this kind by its canonical name.
    pub fn field(self, name: &str) -> Option<&'static Field> {
        let name = name.trim();
        self.fields().iter().find(|f| f.name == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Persons => "persons",
            RecordKind::Justice => "justice",
        }
    }
}

/// A field of the case schema.
#[derive(Debug)]
pub struct Field {
    /// The canonical name, as used in mappings, tables and the database.
    pub name: &'static str,
    /// A label for tables and the report.
    pub label: &'static str,
    pub kind: FieldKind,
    /// Whether a row without it is refused.
    pub required: bool,
    /// Whether the field identifies a person: such fields are stored apart from the analytical
    /// record, never logged, and masked in every error message.
    pub identifying: bool,
}

const fn field(name: &'static str, label: &'static str, kind: FieldKind) -> Field {
    Field { name, label, kind, required: false, identifying: false }
}

const fn required(name: &'static str, label: &'static str, kind: FieldKind) -> Field {
    Field { name, label, kind, required: true, identifying: false }
}

const fn identifying(name: &'static str, label: &'static str, kind: FieldKind) -> Field {
    Field { name, label, kind, required: false, identifying: true }
}

use FieldKind::*;

/// The fields of a person record, analytical first, identifying last.
pub static PERSON_FIELDS: &[Field] = &[
    required("source_id", "Source record id", Text { max_chars: 64 }),
    field("role", "Role", Code(&vocab::ROLE)),
    required("year", "Year of identification", Year),
    field("date", "Date of identification", Date),
    field("sex", "Sex", Code(&vocab::SEX)),
    field("age", "Age", Integer { min: 0, max: 110 }),
    field("age_band", "Age band", Code(&vocab::AGE_BAND)),
    field("citizenship", "Citizenship", Country),
    field("country_of_exploitation", "Country of exploitation", Country),
    field("subnational_area", "Subnational area", Text { max_chars: 64 }),
    field("exploitation", "Form of exploitation", MultiCode(&vocab::EXPLOITATION)),
    field("labour_sector", "Labour sector", Code(&vocab::LABOUR_SECTOR)),
    field("means_of_control", "Means of control", MultiCode(&vocab::MEANS_OF_CONTROL)),
    field("recruiter_relation", "Relationship to recruiter", Code(&vocab::RECRUITER_RELATION)),
    field("cross_border", "Cross-border or domestic", Code(&vocab::CROSS_BORDER)),
    field("services", "Services received", MultiCode(&vocab::SERVICES)),
    field("referred_by", "Referred by", Code(&vocab::REFERRED_BY)),
    field("consent_data_sharing", "Consent to data sharing", Code(&vocab::YES_NO)),
    identifying("given_name", "Given name", Text { max_chars: 100 }),
    identifying("family_name", "Family name", Text { max_chars: 100 }),
    identifying("date_of_birth", "Date of birth", PartialDate),
    identifying("place_of_birth", "Place of birth", Text { max_chars: 100 }),
    identifying("document_number", "Document number", Text { max_chars: 40 }),
];

/// The fields of a criminal-justice count.
pub static JUSTICE_FIELDS: &[Field] = &[
    field("source_id", "Source record id", Text { max_chars: 64 }),
    required("year", "Year", Year),
    required("stage", "Stage", Code(&vocab::JUSTICE_STAGE)),
    field("sex", "Sex", Code(&vocab::SEX)),
    field("citizenship", "Citizenship", Country),
    field("exploitation", "Form of exploitation", Code(&vocab::EXPLOITATION)),
    field("offence", "Offence (ICCS code)", Text { max_chars: 16 }),
    field("sentence_months", "Sentence (months)", Integer { min: 0, max: 1200 }),
    field("count", "Number of persons", Integer { min: 0, max: 1_000_000 }),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_identifying_fields_come_last() {
        for kind in [RecordKind::Persons, RecordKind::Justice] {
            let fields = kind.fields();
            for (i, f) in fields.iter().enumerate() {
                assert!(fields[..i].iter().all(|g| g.name != f.name), "{} twice", f.name);
            }
            let first_identifying = fields.iter().position(|f| f.identifying).unwrap_or(fields.len());
            assert!(fields[first_identifying..].iter().all(|f| f.identifying));
        }
        let identifying: Vec<_> = PERSON_FIELDS.iter().filter(|f| f.identifying).map(|f| f.name).collect();
        assert_eq!(identifying, ["given_name", "family_name", "date_of_birth", "place_of_birth", "document_number"]);
    }
}
