//! A starting mapping guessed from a file's header and first rows (`palermo mapping suggest`):
//! for each column the field (by the header's name in English, French or Spanish, and by what
//! the cells hold), the date formats, the separator of list-valued fields, the recodings of
//! values that are not codes, and constants for what no column gives. Sans-IO: the caller hands
//! over the file's first bytes.
//!
//! What is written about a column never quotes its cells unless the column holds codes or
//! countries: a column that might identify a person (or that nothing was recognised in) is
//! described by counts and shapes only.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use model::country::countries;
use model::vocab::{self, Vocabulary};
use model::{Field, FieldKind, Iso3, RecordKind};

use crate::mapping::Encoding;
use crate::names::{self, TermMatch};
use crate::{Error, Result};

/// The rows a suggestion looks at.
pub const SAMPLE_ROWS: usize = 200;

/// A file's header and first rows, as text.
#[derive(Debug, Clone)]
pub struct Sample {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub delimiter: u8,
    pub encoding: Encoding,
}

/// Reads the header and up to `max_rows` rows from the first bytes of a CSV, TSV or
/// semicolon-separated file: the encoding (UTF-8, else Latin-1) and the delimiter are sniffed.
/// `path` only names the file in errors; `bytes` may end in the middle of a row (the part after
/// the last line break is dropped).
pub fn sample_csv(path: &Path, bytes: &[u8], complete: bool, max_rows: usize) -> Result<Sample> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::Utf16 { path: path.to_owned() });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let bytes = match (complete, bytes.iter().rposition(|&b| b == b'\n')) {
        (false, Some(end)) => &bytes[..=end],
        _ => bytes,
    };
    let (text, encoding) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), Encoding::Utf8),
        Err(_) => (encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(), Encoding::Latin1),
    };
    if text.trim().is_empty() {
        return Err(Error::EmptyFile { path: path.to_owned() });
    }
    let read = |delimiter: u8, limit: usize| -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .filter_map(std::result::Result::ok)
            .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
            .take(limit)
            .map(|r| r.iter().map(str::to_owned).collect())
            .collect()
    };
    // The delimiter that splits the header into the most columns, among those that split most
    // rows into as many.
    let delimiter = [b',', b';', b'\t', b'|']
        .into_iter()
        .map(|d| {
            let rows = read(d, 21);
            let width = rows.first().map_or(0, Vec::len);
            let agreeing = rows.iter().skip(1).filter(|r| r.len() == width).count();
            let consistent = rows.len() <= 1 || agreeing * 10 >= (rows.len() - 1) * 8;
            (d, if consistent { width } else { 0 })
        })
        .max_by_key(|(_, width)| *width)
        .map_or(b',', |(d, _)| d);
    let mut rows = read(delimiter, max_rows.saturating_add(1));
    if rows.is_empty() {
        return Err(Error::EmptyFile { path: path.to_owned() });
    }
    let headers = rows.remove(0).into_iter().map(|h| h.trim().to_owned()).collect();
    Ok(Sample { headers, rows, delimiter, encoding })
}

/// How sure a guess is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Guessed from the cells only, weakly.
    Low,
    /// The header contains a field's name, or the cells leave little doubt.
    Medium,
    /// The header is a field's name and the cells agree.
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// What was guessed about one column.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ColumnGuess {
    pub header: String,
    /// `None`: not recognised (left out of the mapping, so ignored on import).
    pub field: Option<&'static str>,
    pub confidence: Confidence,
    /// Why, in a few words: counts and shapes, never a cell of an identifying column.
    pub why: String,
}

/// A suggested mapping.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Suggestion {
    /// The mapping, TOML, with `# TODO:` comments where a person must decide.
    pub toml: String,
    pub columns: Vec<ColumnGuess>,
    /// What a person must decide or check, one line each.
    pub todos: Vec<String>,
    /// Why the mapping is not valid as it is (a required field has no column), or `None`.
    pub problem: Option<String>,
}

/// Cells that mean "not known" in the three languages.
const UNKNOWN_WORDS: &[&str] = &[
    "unknown",
    "not known",
    "n a",
    "na",
    "nk",
    "inconnu",
    "inconnue",
    "non renseigne",
    "nc",
    "ns",
    "nsp",
    "desconocido",
    "desconocida",
    "sin dato",
    "sin datos",
    "s d",
    "sd",
    "nd",
    "no consta",
];

/// Date formats tried, the commonest first (a tie goes to the first).
const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y/%m/%d"];

/// How the cells of a column look.
struct Profile<'a> {
    /// Non-empty cells that do not say "unknown".
    values: Vec<&'a str>,
    /// Distinct cells that say "unknown" in some language (not the code itself).
    unknown_words: Vec<&'a str>,
    distinct: usize,
    /// The date formats that read the most full dates, with how many they read, and the years of
    /// those dates; partial dates (a year, a month and year) counted apart.
    dates: Option<DateGuess>,
    partial_dates: usize,
    /// The smallest and largest whole number, and every one, when most cells are whole numbers.
    integers: Option<(i64, i64, Vec<i64>)>,
    countries: usize,
}

#[derive(Debug, Clone)]
struct DateGuess {
    format: &'static str,
    /// Other formats that read every value the chosen one reads (day and month undecided).
    ambiguous_with: Option<&'static str>,
    read: usize,
    earliest_year: i32,
}

fn profile<'a>(cells: impl Iterator<Item = &'a str>) -> Profile<'a> {
    let mut values = Vec::new();
    let mut unknown_words = Vec::new();
    for cell in cells.map(str::trim).filter(|c| !c.is_empty()) {
        if vocab::is_code(cell, vocab::UNKNOWN) || vocab::is_code(cell, vocab::NOT_RECORDED) {
            continue;
        }
        let normal = names::normalise(cell);
        if normal.is_empty() || UNKNOWN_WORDS.contains(&normal.as_str()) {
            if !unknown_words.contains(&cell) {
                unknown_words.push(cell);
            }
            continue;
        }
        values.push(cell);
    }
    let mut sorted = values.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let distinct = sorted.len();
    let is_partial = |v: &&str| {
        let parts: Vec<&str> = v.split(['-', '/', '.']).collect();
        parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            && match parts.as_slice() {
                [y] => y.len() == 4,
                [a, b] => (a.len() == 4 && b.len() <= 2) || (b.len() == 4 && a.len() <= 2),
                _ => false,
            }
    };
    let partial_dates = values.iter().filter(|v| is_partial(v)).count();
    let mut best: Option<DateGuess> = None;
    for format in DATE_FORMATS {
        let parsed: Vec<NaiveDate> = values.iter().filter_map(|v| NaiveDate::parse_from_str(v, format).ok()).collect();
        if parsed.is_empty() {
            continue;
        }
        let earliest_year = parsed.iter().map(Datelike::year).min().unwrap_or_default();
        match &mut best {
            Some(b) if b.read > parsed.len() => {}
            Some(b) if b.read == parsed.len() => {
                b.ambiguous_with.get_or_insert(format);
            }
            _ => best = Some(DateGuess { format, ambiguous_with: None, read: parsed.len(), earliest_year }),
        }
    }
    let numbers: Vec<i64> =
        values.iter().filter_map(|v| v.strip_suffix(".0").unwrap_or(v).parse::<i64>().ok()).collect();
    // Whole numbers when most cells are (a few typos do not make an age column text).
    let integers = (numbers.len() * 10 >= values.len() * 8 && !numbers.is_empty()).then(|| {
        (numbers.iter().copied().min().unwrap_or_default(), numbers.iter().copied().max().unwrap_or_default(), numbers)
    });
    let countries = values
        .iter()
        .filter(|v| !v.chars().all(|c| c.is_ascii_digit()))
        .filter(|v| Iso3::parse(v).or_else(|| countries().lookup(v)).is_some())
        .count();
    Profile { values, unknown_words, distinct, dates: best, partial_dates, integers, countries }
}

/// Separators tried for list-valued cells, the likeliest first.
const SEPARATORS: &[&str] = &[";", ",", "|", "+", "/"];

/// The share of cells (or, split by `separator`, of their parts) that are codes or synonyms of a
/// vocabulary.
fn vocab_share(v: &'static Vocabulary, values: &[&str], separator: Option<&str>) -> f64 {
    let parts: Vec<&str> = match separator {
        Some(sep) => values.iter().flat_map(|c| c.split(sep)).map(str::trim).filter(|p| !p.is_empty()).collect(),
        None => values.to_vec(),
    };
    if parts.is_empty() {
        return 0.0;
    }
    let known = parts.iter().filter(|p| matches!(names::term_for(v, p), TermMatch::Code(_) | TermMatch::Synonym(_)));
    known.count() as f64 / parts.len() as f64
}

/// The separator of a list-valued column: the one, among those some cell holds, that makes the
/// most parts codes, if it does better than whole cells.
fn separator_of(v: &'static Vocabulary, values: &[&str]) -> Option<&'static str> {
    let whole = vocab_share(v, values, None);
    SEPARATORS
        .iter()
        .filter(|sep| values.iter().any(|c| c.contains(**sep)))
        .map(|sep| (*sep, vocab_share(v, values, Some(sep))))
        .filter(|(_, share)| *share > whole)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(sep, _)| sep)
}

/// How well a column's cells fit a field: a score from 0 (not at all) to 1, and why.
fn fit(field: &Field, p: &Profile<'_>, today: NaiveDate) -> (f64, String) {
    let n = p.values.len();
    if n == 0 {
        return (0.5, "no values in the rows read".to_owned());
    }
    let share = |k: usize| k as f64 / n as f64;
    match field.kind {
        FieldKind::Date => match &p.dates {
            Some(d) => (share(d.read), format!("{} of {n} values are dates", d.read)),
            None => (0.0, "no dates".to_owned()),
        },
        FieldKind::PartialDate => {
            let read = p.dates.as_ref().map_or(0, |d| d.read) + p.partial_dates;
            (share(read.min(n)), format!("{} of {n} values are dates or years", read.min(n)))
        }
        FieldKind::Year => match &p.integers {
            Some((lo, hi, numbers)) => {
                let first = i64::from(model::value::FIRST_YEAR);
                let years = numbers.iter().filter(|y| (first..=i64::from(today.year())).contains(*y)).count();
                (share(years), format!("{years} of {n} values are years ({lo}–{hi})"))
            }
            None => (0.0, "not years".to_owned()),
        },
        FieldKind::Integer { min, max } => match &p.integers {
            Some((lo, hi, numbers)) => {
                let within = numbers.iter().filter(|x| (min..=max).contains(*x)).count();
                (share(within), format!("{within} of {n} values are whole numbers {min}–{max} ({lo}–{hi})"))
            }
            None => (0.0, "not whole numbers".to_owned()),
        },
        FieldKind::Country => (share(p.countries), format!("{} of {n} values are countries", p.countries)),
        FieldKind::Code(v) => {
            let s = vocab_share(v, &p.values, None);
            (s, format!("{:.0}% of {n} values are `{}` codes or synonyms", s * 100.0, v.name))
        }
        FieldKind::MultiCode(v) => {
            let sep = separator_of(v, &p.values);
            let s = vocab_share(v, &p.values, sep);
            (s, format!("{:.0}% of {n} values are `{}` codes or synonyms", s * 100.0, v.name))
        }
        FieldKind::Text { max_chars } => {
            let longest = p.values.iter().map(|v| v.chars().count()).max().unwrap_or(0);
            let shape = if field.identifying {
                format!("{n} values, not shown (identifying)")
            } else {
                format!("{n} values, {} distinct", p.distinct)
            };
            if longest > max_chars { (0.0, format!("{shape}, up to {longest} characters")) } else { (0.6, shape) }
        }
    }
}

/// Guesses a field from the cells alone: dates, years, ages, countries, vocabulary words.
fn guess_by_content(kind: RecordKind, p: &Profile<'_>, today: NaiveDate) -> Option<(&'static str, f64, String)> {
    let n = p.values.len();
    if n == 0 {
        return None;
    }
    if let Some(d) = &p.dates
        && d.read * 10 >= n * 9
    {
        // Identifications happen from 1990; births mostly before.
        let field = if d.earliest_year < model::value::FIRST_YEAR && kind == RecordKind::Persons {
            "date_of_birth"
        } else {
            "date"
        };
        return kind.field(field).map(|f| (f.name, 0.8, fit(f, p, today).1));
    }
    let mut best: Option<(&'static str, f64, String)> = None;
    for f in kind.fields() {
        let candidate = match f.kind {
            FieldKind::Code(_) | FieldKind::MultiCode(_) | FieldKind::Year => true,
            FieldKind::Country => f.name == "citizenship",
            FieldKind::Integer { .. } => matches!(f.name, "age" | "count"),
            _ => false,
        };
        if !candidate {
            continue;
        }
        let (score, why) = fit(f, p, today);
        // Words of a vocabulary in a column whose header says nothing may be free text that
        // happens to hold them: a weak guess, for a person to check.
        // So may small whole numbers (room numbers are not ages).
        let weight = if matches!(f.kind, FieldKind::Year) { 0.8 } else { 0.7 };
        if score >= 0.8 && best.as_ref().is_none_or(|b| score * weight > b.1) {
            best = Some((f.name, score * weight, why));
        }
    }
    best
}

/// Suggests a mapping of a file of `kind` from its sample. `file_name` is named in the mapping's
/// first comment; `today` bounds dates and years.
pub fn suggest(sample: &Sample, kind: RecordKind, file_name: &str, today: NaiveDate) -> Suggestion {
    let profiles: Vec<Profile<'_>> = (0..sample.headers.len())
        .map(|i| profile(sample.rows.iter().map(move |r| r.get(i).map_or("", String::as_str))))
        .collect();
    // Every column's best field, then fields given to the surest column first.
    let mut wanted: Vec<(usize, &'static str, Confidence, String)> = Vec::new();
    let mut guesses: Vec<ColumnGuess> = Vec::new();
    for (i, header) in sample.headers.iter().enumerate() {
        let p = &profiles[i];
        let mut chosen = None;
        for (name, score) in names::fields_named(kind, header) {
            let Some(field) = kind.field(name) else { continue };
            let (fits, why) = fit(field, p, today);
            // Coded columns whose words are not known yet are recoded, not refused.
            let coded = matches!(field.kind, FieldKind::Code(_) | FieldKind::MultiCode(_)) && p.distinct <= 40;
            if fits >= 0.5 || coded {
                let confidence = if score >= 1.0 && fits >= 0.8 {
                    Confidence::High
                } else if score >= 0.7 || fits >= 0.8 {
                    Confidence::Medium
                } else {
                    Confidence::Low
                };
                let how = if score >= 1.0 { "named so" } else { "the header contains its name" };
                chosen =
                    Some((name, confidence, if why.is_empty() { how.to_owned() } else { format!("{how}; {why}") }));
                break;
            }
        }
        if chosen.is_none()
            && let Some((name, score, why)) = guess_by_content(kind, p, today)
        {
            let confidence = if score >= 0.75 { Confidence::Medium } else { Confidence::Low };
            chosen = Some((name, confidence, format!("by content: {why}")));
        }
        match chosen {
            Some((name, confidence, why)) => wanted.push((i, name, confidence, why)),
            None => guesses.push(ColumnGuess {
                header: header.clone(),
                field: None,
                confidence: Confidence::Low,
                why: format!("not recognised ({} values, {} distinct)", p.values.len(), p.distinct),
            }),
        }
    }
    wanted.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut todos = Vec::new();
    let mut mapped: Vec<(usize, &'static Field)> = Vec::new();
    for (i, name, confidence, why) in wanted {
        let header = sample.headers[i].clone();
        match mapped.iter().find(|(_, f)| f.name == name) {
            Some((j, _)) => {
                todos.push(format!(
                    "column `{header}` also looks like {name}, which column `{}` gives: map it to another field or leave it out",
                    sample.headers[*j]
                ));
                guesses.push(ColumnGuess {
                    header,
                    field: None,
                    confidence: Confidence::Low,
                    why: format!("also {name}?"),
                });
            }
            None => {
                if let Some(f) = kind.field(name) {
                    mapped.push((i, f));
                }
                if confidence == Confidence::Low {
                    todos.push(format!("column `{header}` → {name} is a weak guess ({why}): check it"));
                }
                guesses.push(ColumnGuess { header, field: Some(name), confidence, why });
            }
        }
    }
    mapped.sort_by_key(|(i, _)| *i);
    guesses.sort_by_key(|g| sample.headers.iter().position(|h| *h == g.header));
    let mut out = Writer::default();
    out.line(&format!("# Mapping of {file_name} onto the Palermo case schema, suggested by `palermo mapping suggest`"));
    out.line(&format!(
        "# from its header and first {} rows. The reference of every section and field:",
        sample.rows.len()
    ));
    out.line("# docs/mapping.md. Lines marked TODO need a decision; check the rest, it is a guess.");
    out.line("");
    out.line("[file]");
    out.line(&format!("kind = \"{}\"", kind.as_str()));
    out.line("format = \"csv\"");
    let delimiter = match sample.delimiter {
        b'\t' => "\\t".to_owned(),
        d => char::from(d).to_string(),
    };
    out.line(&format!("delimiter = \"{delimiter}\""));
    out.line(&format!("encoding = \"{}\"", if sample.encoding == Encoding::Latin1 { "latin1" } else { "utf-8" }));
    out.line("");
    out.line("[columns]");
    for g in &guesses {
        match g.field {
            Some(field) => {
                out.line(&format!("{} = \"{field}\"  # {}: {}", key(&g.header), g.confidence.as_str(), g.why))
            }
            None => out.line(&format!("# {} is not mapped (ignored on import): {}", key(&g.header), g.why)),
        }
    }
    let unrecognised: Vec<&str> = guesses.iter().filter(|g| g.field.is_none()).map(|g| g.header.as_str()).collect();
    if !unrecognised.is_empty() {
        todos.push(format!(
            "{} column(s) not recognised ({}): map each to a field under [columns], or leave them out (they are ignored)",
            unrecognised.len(),
            unrecognised.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    // Dates.
    let mut dates = Vec::new();
    for (i, f) in &mapped {
        if !matches!(f.kind, FieldKind::Date | FieldKind::PartialDate) {
            continue;
        }
        let header = &sample.headers[*i];
        match &profiles[*i].dates {
            Some(d) => {
                dates.push(format!("{} = \"{}\"", f.name, d.format));
                if let Some(other) = d.ambiguous_with {
                    todos.push(format!(
                        "column `{header}`: no value tells `{}` from `{other}` (no day above 12): `{}` is assumed, check it",
                        d.format, d.format
                    ));
                }
            }
            None if profiles[*i].partial_dates > 0 => {}
            None => todos.push(format!("column `{header}`: no date format reads its values: set [dates] {}", f.name)),
        }
    }
    if !dates.is_empty() {
        out.line("");
        out.line("[dates]");
        for d in dates {
            out.line(&d);
        }
    }
    // Separators of list-valued fields.
    let mut separators = BTreeMap::new();
    for (i, f) in &mapped {
        if let FieldKind::MultiCode(v) = f.kind
            && let Some(sep) = separator_of(v, &profiles[*i].values)
        {
            separators.insert(f.name, sep);
        }
    }
    if !separators.is_empty() {
        out.line("");
        out.line("[multi]");
        for (name, sep) in &separators {
            out.line(&format!("{name} = \"{sep}\""));
        }
    }
    // Recodings.
    for (i, f) in &mapped {
        let p = &profiles[*i];
        let header = &sample.headers[*i];
        let mut lines = Vec::new();
        let mut open = Vec::new();
        match f.kind {
            FieldKind::Code(v) | FieldKind::MultiCode(v) => {
                let sep = separators.get(f.name).copied();
                let mut parts: Vec<&str> = match sep {
                    Some(sep) => {
                        p.values.iter().flat_map(|c| c.split(sep)).map(str::trim).filter(|c| !c.is_empty()).collect()
                    }
                    None => p.values.clone(),
                };
                parts.sort_unstable_by_key(|c| c.to_lowercase());
                parts.dedup_by_key(|c| c.to_lowercase());
                for part in parts {
                    match names::term_for(v, part) {
                        TermMatch::Code(_) => {}
                        TermMatch::Synonym(code) => lines.push(format!("{} = \"{code}\"", key(part))),
                        TermMatch::Ambiguous(codes) => {
                            open.push(format!("# {} = \"\"  # TODO: one of {}", key(part), codes.join(", ")))
                        }
                        TermMatch::None => open.push(format!("# {} = \"\"", key(part))),
                    }
                }
                if !open.is_empty() {
                    todos.push(format!(
                        "column `{header}`: {} value(s) are not `{}` codes: map each under [values.{}] (the rows holding them are quarantined until then)",
                        open.len(),
                        v.name,
                        f.name
                    ));
                    let codes: Vec<&str> = v.codes().chain([vocab::UNKNOWN]).collect();
                    open.insert(0, format!("# TODO: map each of these to one of: {}", codes.join(", ")));
                }
            }
            FieldKind::Country => {
                let mut values = p.values.clone();
                values.sort_unstable();
                values.dedup();
                for value in values {
                    if value.chars().all(|c| c.is_ascii_digit())
                        || Iso3::parse(value).or_else(|| countries().lookup(value)).is_some()
                    {
                        continue;
                    }
                    let closest: Vec<String> = countries().closest(value, 3).iter().map(ToString::to_string).collect();
                    let hint =
                        if closest.is_empty() { String::new() } else { format!(" (closest: {})", closest.join(", ")) };
                    open.push(format!("# {} = \"\"  # TODO: an ISO 3166-1 alpha-3 code{hint}", key(value)));
                }
                if !open.is_empty() {
                    todos.push(format!(
                        "column `{header}`: {} value(s) are not countries Palermo knows: give their codes under [values.{}]",
                        open.len(),
                        f.name
                    ));
                }
            }
            _ => {}
        }
        // Words for "unknown" are recoded for every field that may be unknown (identifying
        // fields included: the words are not the person's data).
        if !f.required {
            for word in &p.unknown_words {
                lines.push(format!("{} = \"unknown\"", key(word)));
            }
        }
        if !lines.is_empty() || !open.is_empty() {
            out.line("");
            out.line(&format!("[values.{}]", f.name));
            for l in lines.iter().chain(&open) {
                out.line(l);
            }
        }
    }
    // Constants for what no column gives.
    let has = |name: &str| mapped.iter().any(|(_, f)| f.name == name);
    let mut constants = Vec::new();
    for f in kind.fields() {
        if has(f.name) {
            continue;
        }
        match f.name {
            "year" if has("date") => {}
            "role" => {
                constants.push(
                    "# TODO: confirm: every row of this file is a presumed victim (victim_identified when the authorities identified them, suspect for a list of suspects)".to_owned(),
                );
                constants.push("role = \"victim_presumed\"".to_owned());
                todos.push(
                    "no column gives the role: [constants] role = \"victim_presumed\" is assumed, confirm it".into(),
                );
            }
            "country_of_exploitation" => {
                constants.push(
                    "# If every case of this source was exploited in one country, name it (ISO 3166-1 alpha-3):".into(),
                );
                constants.push("# country_of_exploitation = \"\"".into());
            }
            name if f.required => {
                let what = match f.kind {
                    FieldKind::Year => "a year, e.g. 2024",
                    FieldKind::Code(v) => &format!("one of {}", v.codes().collect::<Vec<_>>().join(", ")),
                    _ => "a column that holds it, under [columns]",
                };
                constants.push(format!(
                    "# TODO: no column gives the required field {name}: map one, or set it here ({what})"
                ));
                constants.push(format!("# {name} = \"\""));
                todos.push(format!(
                    "no column gives the required field {name}: map a column to it or set [constants] {name}"
                ));
            }
            _ => {}
        }
    }
    if !constants.is_empty() {
        out.line("");
        out.line("[constants]");
        for c in constants {
            out.line(&c);
        }
    }
    // What `palermo import` will say of the mapping as written, with the required fields asked
    // for above.
    let problem = crate::Mapping::parse(file_name, &out.text).err().map(|e| e.to_string());
    Suggestion { toml: out.text, columns: guesses, todos, problem }
}

/// A TOML key: bare when it can be, quoted otherwise.
fn key(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        text.to_owned()
    } else {
        let mut quoted = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                c if c.is_control() => {
                    let _ = write!(quoted, "\\u{:04X}", u32::from(c));
                }
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    }
}

#[derive(Default)]
struct Writer {
    text: String,
}

impl Writer {
    fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default()
    }

    const FILE: &str = "Expediente;Fecha de identificación;Apellidos;Nombre;Fecha de nacimiento;Sexo;Nacionalidad;Forma de explotación;Observaciones\n\
        E-001;03/02/2023;Pérez;Ana;14/07/1999;Mujer;Rumanía;Explotación sexual;llamada\n\
        E-002;15/02/2023;Dumitru;Ion;01/12/1980;Hombre;Moldavia;trabajo forzoso, mendicidad;\n\
        E-003;20/03/2023;Okafor;Grace;;Mujer;Nigeria;carterismo;sin notas\n\
        E-004;21/03/2023;Nguyen;Van;05/05/2006;hombre;Viet Nam;explotación laboral;\n";

    #[test]
    fn a_spanish_file_gets_a_mapping_that_parses() -> Result<()> {
        let sample = sample_csv(Path::new("f.csv"), FILE.as_bytes(), true, SAMPLE_ROWS)?;
        assert_eq!(sample.delimiter, b';');
        let s = suggest(&sample, RecordKind::Persons, "f.csv", today());
        let field_of = |h: &str| s.columns.iter().find(|c| c.header == h).and_then(|c| c.field);
        assert_eq!(field_of("Expediente"), Some("source_id"));
        assert_eq!(field_of("Fecha de identificación"), Some("date"));
        assert_eq!(field_of("Fecha de nacimiento"), Some("date_of_birth"));
        assert_eq!(field_of("Nacionalidad"), Some("citizenship"));
        assert_eq!(field_of("Forma de explotación"), Some("exploitation"));
        assert_eq!(field_of("Observaciones"), None);
        assert!(s.toml.contains("date = \"%d/%m/%Y\""), "{}", s.toml);
        assert!(s.toml.contains("exploitation = \",\""), "{}", s.toml);
        assert!(s.toml.contains("Mujer = \"female\""), "{}", s.toml);
        assert!(s.toml.contains("# carterismo = \"\""), "{}", s.toml);
        assert!(s.toml.contains("role = \"victim_presumed\""), "{}", s.toml);
        assert_eq!(s.problem, None);
        let mapping = crate::Mapping::parse("suggested", &s.toml)?;
        assert_eq!(mapping.columns.len(), 8);
        // Identifying columns are described, never quoted.
        for secret in ["Pérez", "Dumitru", "Ana", "Grace", "14/07/1999", "1980"] {
            assert!(!s.toml.contains(secret) && !s.todos.iter().any(|t| t.contains(secret)), "{secret}");
            assert!(s.columns.iter().all(|c| !c.why.contains(secret)), "{secret}");
        }
        Ok(())
    }

    #[test]
    fn day_and_month_are_told_apart_by_values_above_12() {
        let p = profile(["02/03/2021", "12/25/2020", "01/01/2022"].into_iter());
        assert_eq!(p.dates.map(|d| (d.format, d.ambiguous_with)), Some(("%m/%d/%Y", None)));
        let p = profile(["02/03/2021", "01/01/2022"].into_iter());
        assert_eq!(p.dates.map(|d| (d.format, d.ambiguous_with)), Some(("%d/%m/%Y", Some("%m/%d/%Y"))));
    }

    #[test]
    fn a_missing_required_field_is_asked_for() -> Result<()> {
        let sample = sample_csv(Path::new("j.csv"), b"Persons,Sexo\n3,F\n4,M\n", true, SAMPLE_ROWS)?;
        let s = suggest(&sample, RecordKind::Justice, "j.csv", today());
        assert!(s.problem.is_some());
        assert!(s.todos.iter().any(|t| t.contains("required field year")), "{:?}", s.todos);
        assert!(s.todos.iter().any(|t| t.contains("required field stage")), "{:?}", s.todos);
        Ok(())
    }
}
