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

/// Whether a source column's header says it holds something that identifies a person (a name,
/// a birth date, a document or passport number, an address, a telephone number, an e-mail), in
/// English, French, Spanish, Portuguese or German, whatever field it is mapped to: its values are
/// masked like an identifying field's even when a mapping sends the column to a coded field.
pub fn column_identifies(header: &str) -> bool {
    const WORDS: &[&str] = &[
        "name",
        "names",
        "firstname",
        "lastname",
        "surname",
        "forename",
        "givenname",
        "familyname",
        "nom",
        "prenom",
        "nombre",
        "nombres",
        "apellido",
        "apellidos",
        "nome",
        "sobrenome",
        "vorname",
        "nachname",
        "birth",
        "born",
        "dob",
        "birthdate",
        "birthday",
        "naissance",
        "nacimiento",
        "nascimento",
        "geburtsdatum",
        "passport",
        "passeport",
        "pasaporte",
        "passaporte",
        "document",
        "documento",
        "address",
        "adresse",
        "direccion",
        "endereco",
        "phone",
        "telephone",
        "telefono",
        "tel",
        "mobile",
        "email",
        "mail",
        "courriel",
        "correo",
    ];
    let folded: String = header
        .chars()
        .flat_map(|c| deunicode::deunicode_char(c).unwrap_or(" ").chars())
        .collect::<String>()
        .to_lowercase();
    let words: Vec<&str> = folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.iter().any(|w| WORDS.contains(w))
        || words.windows(2).any(|pair| WORDS.contains(&format!("{}{}", pair[0], pair[1]).as_str()))
}

/// Masks a value for an error message or log line: identifying fields show only their length,
/// other fields are shown (shortened when long).
pub fn mask(field: Option<&Field>, raw: &str) -> String {
    if field.is_none_or(|f| f.identifying) {
        return format!("<{} characters hidden>", raw.chars().count());
    }
    let shown: String = raw.chars().take(40).collect();
    if shown.len() < raw.len() { format!("{shown}…") } else { shown }
}

#[cfg(test)]
mod tests {
    use super::column_identifies;

    #[test]
    fn headers_that_hold_what_identifies_a_person() {
        for header in [
            "Name",
            "Full name",
            "First Name",
            "Prénom",
            "Nom de famille",
            "Apellidos",
            "Date of birth",
            "DOB",
            "Date de naissance",
            "Fecha de nacimiento",
            "Passport No.",
            "N° de passeport",
            "Address",
            "Téléphone",
            "E-mail",
            "Vorname",
            "given_name",
        ] {
            assert!(column_identifies(header), "{header}");
        }
        for header in
            ["Case", "Sex", "Nationality", "Age", "Region", "Forms of exploitation", "Date identified", "Year"]
        {
            assert!(!column_identifies(header), "{header}");
        }
    }
}
