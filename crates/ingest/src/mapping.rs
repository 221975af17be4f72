//! The declarative mapping of one source's file dialect onto the case schema (a TOML file): which
//! column holds which field, how values are recoded, how dates are written, which fields are
//! constant for the whole source.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use model::{CellContext, Field, RecordKind, Value};
use serde::Deserialize;

use crate::{Error, Result};

/// The file formats Palermo reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

/// Character encodings of text files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Encoding {
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// ISO 8859-1, read as its superset Windows-1252 (as browsers and spreadsheets do).
    #[serde(rename = "latin1", alias = "latin-1", alias = "iso-8859-1", alias = "windows-1252", alias = "cp1252")]
    Latin1,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    #[serde(default)]
    file: RawFile,
    columns: BTreeMap<String, String>,
    #[serde(default)]
    dates: BTreeMap<String, String>,
    #[serde(default)]
    multi: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    constants: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format: Option<Format>,
    kind: Option<String>,
    delimiter: Option<String>,
    encoding: Option<Encoding>,
    sheet: Option<String>,
}

/// A validated mapping: every field name, recoding target and constant has been checked against
/// the schema once, so reading rows never meets an invalid mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub kind: RecordKind,
    /// `None`: decided by the file's extension.
    pub format: Option<Format>,
    pub delimiter: u8,
    pub encoding: Encoding,
    pub sheet: Option<String>,
    /// File column header → field, in the mapping's order.
    pub columns: Vec<(String, &'static Field)>,
    date_formats: HashMap<&'static str, String>,
    separators: HashMap<&'static str, String>,
    /// Per field: trimmed, lower-cased file value → canonical text.
    recodings: HashMap<&'static str, HashMap<String, String>>,
    /// Fields set for every row, already parsed.
    pub constants: Vec<(&'static Field, Value)>,
}

const DEFAULT_DATE_FORMAT: &str = "%Y-%m-%d";

impl Mapping {
    /// Parses and validates a mapping. `name` (the file's name) is only used in error messages.
    pub fn parse(name: &str, text: &str) -> Result<Mapping> {
        let bad = |reason: String| Error::Mapping { mapping: name.to_owned(), reason };
        // Sections and keys first, so that a misspelt one is named with the valid ones and the
        // closest of them (the parser below would only list them).
        if let Ok(table) = toml::from_str::<toml::Table>(text) {
            check_keys(&table).map_err(bad)?;
        }
        // The parser's message without the snippet of the file it quotes: a file that is not a
        // mapping (a path that points elsewhere) must not show its content in an error.
        let raw: RawMapping = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            bad(format!("not a valid mapping (line {line}): {}", e.message().trim()))
        })?;
        let kind = match raw.file.kind.as_deref() {
            None | Some("persons") => RecordKind::Persons,
            Some("justice") => RecordKind::Justice,
            Some(other) => return Err(bad(format!("[file] kind `{other}`: expected persons or justice"))),
        };
        let field = |name: &str, section: &str| {
            kind.field(name).ok_or_else(|| {
                let hint = crate::names::did_you_mean_field(kind, name)
                    .map(|f| format!("; did you mean {f}?"))
                    .unwrap_or_default();
                let fields: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
                bad(format!(
                    "[{section}] names `{name}`, which is not a field of {} records{hint} (fields: {})",
                    kind.as_str(),
                    fields.join(", ")
                ))
            })
        };
        let delimiter = match raw.file.delimiter.as_deref() {
            None => b',',
            Some("\\t" | "tab" | "\t") => b'\t',
            Some(d) if d.len() == 1 => d.as_bytes()[0],
            Some(d) => return Err(bad(format!("[file] delimiter `{d}` must be one character"))),
        };
        let mut columns = Vec::new();
        for (column, name) in &raw.columns {
            let f = field(name, "columns")?;
            if let Some((other, _)) = columns.iter().find(|(_, g): &&(String, &Field)| g.name == f.name) {
                return Err(bad(format!("columns `{other}` and `{column}` both map to `{}`", f.name)));
            }
            columns.push((column.clone(), f));
        }
        let mut date_formats = HashMap::new();
        for (name, format) in &raw.dates {
            date_formats.insert(field(name, "dates")?.name, format.clone());
        }
        let mut separators = HashMap::new();
        for (name, sep) in &raw.multi {
            if sep.is_empty() {
                return Err(bad(format!("[multi] separator of `{name}` is empty")));
            }
            separators.insert(field(name, "multi")?.name, sep.clone());
        }
        let mut mapping = Mapping {
            kind,
            format: raw.file.format,
            delimiter,
            encoding: raw.file.encoding.unwrap_or(Encoding::Utf8),
            sheet: raw.file.sheet,
            columns,
            date_formats,
            separators,
            recodings: HashMap::new(),
            constants: Vec::new(),
        };
        // Check each recoding target against the vocabulary now, so a typo in a mapping is one
        // clear error instead of every row of the file being quarantined.
        let today = chrono::NaiveDate::MAX;
        for (name, table) in &raw.values {
            let f = field(name, "values")?;
            let ctx = mapping.cell_context(f, today);
            let mut recode = HashMap::new();
            for (from, to) in table {
                model::value::parse_cell(f, to, &ctx).map_err(|problem| {
                    bad(format!("[values.{name}] maps `{from}` to `{to}`: {}", explain(f, to, &problem)))
                })?;
                recode.insert(from.trim().to_lowercase(), to.clone());
            }
            mapping.recodings.insert(f.name, recode);
        }
        for (name, value) in &raw.constants {
            let f = field(name, "constants")?;
            let text = match value {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let ctx = mapping.cell_context(f, today);
            let parsed = model::value::parse_cell(f, &text, &ctx)
                .map_err(|problem| bad(format!("[constants] {name} = {text}: {}", explain(f, &text, &problem))))?;
            if mapping.columns.iter().any(|(_, g)| g.name == f.name) {
                return Err(bad(format!("`{name}` is both a column and a constant")));
            }
            mapping.constants.push((f, parsed));
        }
        let has = |n: &str| {
            mapping.columns.iter().any(|(_, f)| f.name == n) || mapping.constants.iter().any(|(f, _)| f.name == n)
        };
        for f in kind.fields().iter().filter(|f| f.required) {
            // A year can come from a full date.
            let derivable = f.name == "year" && has("date");
            if !has(f.name) && !derivable {
                return Err(bad(format!("required field `{}` is mapped from no column", f.name)));
            }
        }
        Ok(mapping)
    }

    /// How cells of `field` are read.
    pub fn cell_context(&self, field: &Field, today: chrono::NaiveDate) -> CellContext<'_> {
        CellContext {
            date_format: self.date_formats.get(field.name).map_or(DEFAULT_DATE_FORMAT, String::as_str),
            separator: self.separators.get(field.name).map_or(";", String::as_str),
            today,
        }
    }

    /// The date format of a field (for writing spreadsheet dates back as text).
    pub fn date_format(&self, field: &str) -> &str {
        self.date_formats.get(field).map_or(DEFAULT_DATE_FORMAT, String::as_str)
    }

    /// Applies the field's recodings to a raw cell: each part of a multi-valued cell separately.
    pub fn recode<'a>(&'a self, field: &Field, raw: &'a str) -> std::borrow::Cow<'a, str> {
        let Some(table) = self.recodings.get(field.name) else {
            return raw.into();
        };
        if let model::FieldKind::MultiCode(_) = field.kind {
            let sep = self.separators.get(field.name).map_or(";", String::as_str);
            let parts: Vec<&str> =
                raw.split(sep).map(|p| table.get(&p.trim().to_lowercase()).map_or(p, String::as_str)).collect();
            return parts.join(sep).into();
        }
        match table.get(&raw.trim().to_lowercase()) {
            Some(to) => to.as_str().into(),
            None => raw.into(),
        }
    }
}

/// The sections of a mapping and the keys of its `[file]` section.
pub const SECTIONS: &[&str] = &["file", "columns", "dates", "multi", "values", "constants"];
pub const FILE_KEYS: &[&str] = &["format", "kind", "delimiter", "encoding", "sheet"];

/// Refuses a section or a `[file]` key that a mapping does not have, naming the closest valid one
/// and all of them.
fn check_keys(table: &toml::Table) -> std::result::Result<(), String> {
    let unknown = |what: &str, key: &str, valid: &[&str]| {
        let hint = crate::names::closest(key, valid.iter().copied())
            .map(|k| format!("; did you mean {k}?"))
            .unwrap_or_default();
        format!("{what} `{key}` is not part of a mapping{hint} (valid: {})", valid.join(", "))
    };
    for key in table.keys() {
        if !SECTIONS.contains(&key.as_str()) {
            return Err(unknown("section", key, SECTIONS));
        }
    }
    if let Some(toml::Value::Table(file)) = table.get("file") {
        for key in file.keys() {
            if !FILE_KEYS.contains(&key.as_str()) {
                return Err(unknown("[file] key", key, FILE_KEYS));
            }
        }
    }
    Ok(())
}

/// A problem with a value the mapping itself writes (a recoding target, a constant): for a coded
/// field, with the closest code and the vocabulary's codes.
fn explain(field: &Field, text: &str, problem: &model::Problem) -> String {
    match (field.kind, problem) {
        (model::FieldKind::Code(v) | model::FieldKind::MultiCode(v), model::Problem::UnknownCode { .. }) => {
            let hint =
                crate::names::did_you_mean_code(v, text).map(|c| format!("; did you mean {c}?")).unwrap_or_default();
            let codes: Vec<&str> = v.codes().chain([model::vocab::UNKNOWN, model::vocab::NOT_RECORDED]).collect();
            format!("not a code of the `{}` vocabulary{hint} (codes: {})", v.name, codes.join(", "))
        }
        _ => problem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[file]
delimiter = ";"
encoding = "latin1"
[columns]
"Case" = "source_id"
"Year" = "year"
"Gender" = "sex"
"Forms" = "exploitation"
[multi]
exploitation = "|"
[values.sex]
W = "female"
[values.exploitation]
SEX = "sexual"
[constants]
role = "victim_identified"
country_of_exploitation = "XDL"
"#;

    #[test]
    fn a_good_mapping_parses() -> Result<()> {
        let m = Mapping::parse("m.toml", GOOD)?;
        assert_eq!(m.delimiter, b';');
        assert_eq!(m.encoding, Encoding::Latin1);
        assert_eq!(m.columns.len(), 4);
        let sex = RecordKind::Persons
            .field("sex")
            .ok_or(Error::Io { path: "".into(), source: std::io::ErrorKind::NotFound.into() })?;
        assert_eq!(m.recode(sex, " w "), "female");
        let forms = RecordKind::Persons
            .field("exploitation")
            .ok_or(Error::Io { path: "".into(), source: std::io::ErrorKind::NotFound.into() })?;
        assert_eq!(m.recode(forms, "SEX|LAB"), "sexual|LAB");
        Ok(())
    }

    #[test]
    fn mapping_mistakes_are_named() {
        let cases = [
            (GOOD.replace("\"Gender\" = \"sex\"", "\"Gender\" = \"gender\""), "`gender`, which is not a field"),
            (GOOD.replace("W = \"female\"", "W = \"woman\""), "[values.sex] maps `W` to `woman`"),
            (GOOD.replace("\"XDL\"", "\"Atlantis\""), "country_of_exploitation = Atlantis"),
            (GOOD.replace("\"Year\" = \"year\"", ""), "required field `year`"),
            (GOOD.replace("delimiter = \";\"", "delimiter = \";;\""), "one character"),
            (
                GOOD.replace("\"Gender\" = \"sex\"", "\"Nationality\" = \"Nationality\""),
                "not a field of persons records; did you mean citizenship? (fields: source_id, role, year,",
            ),
            (GOOD.replace("W = \"female\"", "W = \"woman\""), "did you mean female? (codes: female, male, other,"),
            (GOOD.replace("SEX = \"sexual\"", "SEX = \"sexuel\""), "did you mean sexual?"),
            (GOOD.replace("[columns]", "[colums]"), "section `colums` is not part of a mapping; did you mean columns?"),
            (GOOD.replace("delimiter", "delimeter"), "did you mean delimiter? (valid: format, kind, delimiter,"),
            (GOOD.replace("role = \"victim_identified\"", "role = \"victim\""), "did you mean victim_identified?"),
        ];
        for (text, expected) in cases {
            let err = Mapping::parse("m.toml", &text).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(expected), "{err:?} should contain {expected:?}");
            assert!(err.contains("m.toml"));
        }
    }

    #[test]
    fn a_file_that_is_not_a_mapping_is_not_quoted() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nsecret-person:x:1000:1000:Jane Roe:/home/jr:/bin/sh\n";
        let err = Mapping::parse("m.toml", passwd).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("not a valid mapping (line 1)"), "{err}");
        for line in passwd.lines() {
            for part in line.split(':').filter(|p| p.len() > 3) {
                assert!(!err.contains(part), "{err:?} quotes {part:?}");
            }
        }
    }

    #[test]
    fn a_mapping_recoding_wins_over_the_country_table() -> Result<()> {
        // "Congo" is the Republic of the Congo to the table; this agency means the Democratic
        // Republic, and says so in its mapping. The reader recodes a cell before validating it.
        let text = GOOD.replace("[constants]", "[values.citizenship]\nCongo = \"COD\"\n[constants]");
        let m = Mapping::parse("m.toml", &text)?;
        let citizenship = RecordKind::Persons
            .field("citizenship")
            .ok_or(Error::Io { path: "".into(), source: std::io::ErrorKind::NotFound.into() })?;
        let ctx = m.cell_context(citizenship, chrono::NaiveDate::MAX);
        let read = |cell: &str| model::value::parse_cell(citizenship, &m.recode(citizenship, cell), &ctx);
        assert_eq!(read(" congo ").map(|v| v.to_text()), Ok("COD".into()));
        assert_eq!(read("République du Congo").map(|v| v.to_text()), Ok("COG".into()));
        assert_eq!(read("Roumanie").map(|v| v.to_text()), Ok("ROU".into()));
        Ok(())
    }
}
