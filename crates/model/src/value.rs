//! Parsed values of the case schema and the cell-level validation that produces them.

use chrono::{Datelike, NaiveDate};

use crate::country::{Iso3, countries};
use crate::field::{Field, FieldKind};
use crate::vocab::{self, NOT_RECORDED, UNKNOWN};

/// A date that may lack its day, or its month and day (dates of birth often do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.month, self.day) {
            (Some(m), Some(d)) => write!(f, "{:04}-{:02}-{:02}", self.year, m, d),
            (Some(m), None) => write!(f, "{:04}-{:02}", self.year, m),
            _ => write!(f, "{:04}", self.year),
        }
    }
}

/// One validated value of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// The source does not record the field.
    NotRecorded,
    /// The source recorded that the value is not known.
    Unknown,
    Code(&'static str),
    /// Sorted, without repeats.
    Codes(Vec<&'static str>),
    Country(Iso3),
    Int(i64),
    Date(NaiveDate),
    PartialDate(PartialDate),
    Text(String),
}

impl Value {
    /// The value as stored in a text column and written in tables: codes as they are, several
    /// codes joined by `;`, dates as ISO 8601, `unknown` and `not_recorded` as those words.
    pub fn to_text(&self) -> String {
        match self {
            Value::NotRecorded => NOT_RECORDED.to_owned(),
            Value::Unknown => UNKNOWN.to_owned(),
            Value::Code(code) => (*code).to_owned(),
            Value::Codes(codes) => codes.join(";"),
            Value::Country(c) => c.to_string(),
            Value::Int(n) => n.to_string(),
            Value::Date(d) if (0..=9999).contains(&d.year()) => {
                format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
            }
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::PartialDate(d) => d.to_string(),
            Value::Text(t) => t.clone(),
        }
    }

    /// The same text as [`Value::to_text`], borrowed where the value already holds it (codes,
    /// countries, text), so that storing a record allocates only for dates and code lists.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Value::NotRecorded => Cow::Borrowed(NOT_RECORDED),
            Value::Unknown => Cow::Borrowed(UNKNOWN),
            Value::Code(code) => Cow::Borrowed(code),
            Value::Codes(codes) if codes.len() == 1 => Cow::Borrowed(codes[0]),
            Value::Country(c) => Cow::Borrowed(c.as_str()),
            Value::Text(t) => Cow::Borrowed(t),
            other => Cow::Owned(other.to_text()),
        }
    }

    /// The same text as [`Value::to_text`], taking the value: held text moves, codes stay
    /// borrowed, only dates and code lists are formatted.
    pub fn into_text(self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow;
        match self {
            Value::NotRecorded => Cow::Borrowed(NOT_RECORDED),
            Value::Unknown => Cow::Borrowed(UNKNOWN),
            Value::Code(code) => Cow::Borrowed(code),
            Value::Codes(codes) if codes.len() == 1 => Cow::Borrowed(codes[0]),
            Value::Text(text) => Cow::Owned(text),
            other => Cow::Owned(other.to_text()),
        }
    }

    /// The number, for integer fields.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// Whether the value is a real observation (neither unknown nor not recorded).
    pub fn is_known(&self) -> bool {
        !matches!(self, Value::NotRecorded | Value::Unknown)
    }
}

/// Why a cell was refused. The text never contains the cell's value: callers add it, masked
/// when the field identifies a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("required value is missing")]
    Missing,
    #[error("not a code of the `{vocabulary}` vocabulary (allowed: {allowed})")]
    UnknownCode { vocabulary: &'static str, allowed: String },
    /// With the closest countries of the table, best first (at most three; none when nothing
    /// is close).
    #[error("{}", unknown_country(candidates))]
    UnknownCountry { candidates: Vec<Iso3> },
    #[error("not a whole number")]
    NotANumber,
    #[error("impossible value: must be between {min} and {max}")]
    OutOfRange { min: i64, max: i64 },
    #[error("not a date in the format `{format}`")]
    UnparseableDate { format: String },
    #[error("date lies in the future")]
    FutureDate,
    #[error("year must be between 1990 and {max}")]
    YearOutOfRange { max: i32 },
    #[error("impossible date: the year must be between {min} and {max}")]
    DateOutOfRange { min: i32, max: i32 },
    #[error("too long: {chars} characters, at most {max} allowed")]
    TooLong { chars: usize, max: usize },
    #[error("{0}")]
    Inconsistent(String),
}

/// How to read cells: the mapping's date format and multi-value separator for one field, and
/// today's date (so that the check for future dates is a plain input, not a clock read).
#[derive(Debug, Clone)]
pub struct CellContext<'a> {
    pub date_format: &'a str,
    pub separator: &'a str,
    pub today: NaiveDate,
}

/// The longest cell Palermo reads; anything longer is refused before it is parsed.
pub const MAX_CELL_CHARS: usize = 1000;

/// Parses and validates one cell of `field`. An empty cell is `unknown` for coded fields and
/// `not recorded` for scalars; `unknown` and `not_recorded` spelled out are accepted everywhere.
pub fn parse_cell(field: &Field, raw: &str, ctx: &CellContext<'_>) -> Result<Value, Problem> {
    let text = raw.trim();
    let chars = text.chars().count();
    if chars > MAX_CELL_CHARS {
        return Err(Problem::TooLong { chars, max: MAX_CELL_CHARS });
    }
    if vocab::is_code(text, UNKNOWN) {
        return required_or(field, Value::Unknown);
    }
    if vocab::is_code(text, NOT_RECORDED) {
        return required_or(field, Value::NotRecorded);
    }
    if text.is_empty() {
        return match field.kind {
            FieldKind::Code(_) | FieldKind::MultiCode(_) | FieldKind::Country => required_or(field, Value::Unknown),
            _ => required_or(field, Value::NotRecorded),
        };
    }
    match field.kind {
        FieldKind::Code(v) => v.lookup(text).map(|t| Value::Code(t.code)).ok_or_else(|| unknown_code(v)),
        FieldKind::MultiCode(v) => {
            let mut codes = Vec::new();
            for part in text.split(ctx.separator).map(str::trim).filter(|p| !p.is_empty()) {
                codes.push(v.lookup(part).ok_or_else(|| unknown_code(v))?.code);
            }
            codes.sort_unstable();
            codes.dedup();
            Ok(if codes.is_empty() { Value::Unknown } else { Value::Codes(codes) })
        }
        // A code first (the common case, and the only way to write a user-assigned code the
        // table does not list), then whatever else the country table recognises.
        FieldKind::Country => Iso3::parse(text)
            .or_else(|| countries().lookup(text))
            .map(Value::Country)
            .ok_or_else(|| Problem::UnknownCountry { candidates: countries().closest(text, 3) }),
        FieldKind::Integer { min, max } => {
            let n: i64 = parse_integer(text)?;
            if n < min || n > max {
                return Err(Problem::OutOfRange { min, max });
            }
            Ok(Value::Int(n))
        }
        FieldKind::Year => {
            let n = parse_integer(text)?;
            check_year(n, ctx.today).map(Value::Int)
        }
        FieldKind::Date => {
            let date = parse_date(text, ctx.date_format)
                .ok_or_else(|| Problem::UnparseableDate { format: ctx.date_format.to_owned() })?;
            if date > ctx.today {
                return Err(Problem::FutureDate);
            }
            // An identification happens in the years Palermo counts, as the year field does.
            if date.year() < FIRST_YEAR {
                return Err(Problem::DateOutOfRange { min: FIRST_YEAR, max: ctx.today.year() });
            }
            Ok(Value::Date(date))
        }
        FieldKind::PartialDate => parse_partial_date(text, ctx).map(Value::PartialDate),
        FieldKind::Text { max_chars } => {
            if chars > max_chars {
                return Err(Problem::TooLong { chars, max: max_chars });
            }
            Ok(Value::Text(text.to_owned()))
        }
    }
}

/// A date in `format`. A text of exactly the shape of a format made of `%d`, `%m`, `%Y` and
/// literal characters (`%Y-%m-%d`, the default, `%d/%m/%Y`, `%m.%d.%Y`, …: two-digit day and month,
/// four-digit year) is read without chrono's format interpreter, which was the costliest step of
/// reading a date column; anything else is left to chrono, which reads such a text the same way.
fn parse_date(text: &str, format: &str) -> Option<NaiveDate> {
    parse_fixed_date(text.as_bytes(), format.as_bytes()).or_else(|| NaiveDate::parse_from_str(text, format).ok())
}

fn parse_fixed_date(text: &[u8], format: &[u8]) -> Option<NaiveDate> {
    let (mut year, mut month, mut day) = (None, None, None);
    let (mut t, mut f) = (0, 0);
    while f < format.len() {
        if format[f] == b'%' {
            let (width, slot) = match format.get(f + 1)? {
                b'Y' => (4, &mut year),
                b'm' => (2, &mut month),
                b'd' => (2, &mut day),
                _ => return None,
            };
            let digits = text.get(t..t + width)?;
            let n = digits.iter().try_fold(0u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))?;
            if slot.replace(n).is_some() {
                return None;
            }
            (t, f) = (t + width, f + 2);
        } else {
            if *text.get(t)? != format[f] {
                return None;
            }
            (t, f) = (t + 1, f + 1);
        }
    }
    if t != text.len() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year?).ok()?, month?, day?)
}

/// "not a country code or name; did you mean ROU (Romania)?", or what a country cell may hold
/// when nothing is close. Names the candidates only, never the cell.
fn unknown_country(candidates: &[Iso3]) -> String {
    let named: Vec<String> = candidates
        .iter()
        .map(|iso3| match countries().get(*iso3) {
            Some(country) => format!("{iso3} ({})", country.name),
            None => iso3.to_string(),
        })
        .collect();
    match named.split_last() {
        None => "not a country code or name (an ISO 3166-1 alpha-3, alpha-2 or numeric code, or a name in English, \
                 French or Spanish)"
            .to_owned(),
        Some((last, [])) => format!("not a country code or name; did you mean {last}?"),
        Some((last, rest)) => format!("not a country code or name; did you mean {} or {last}?", rest.join(", ")),
    }
}

fn required_or(field: &Field, value: Value) -> Result<Value, Problem> {
    if field.required { Err(Problem::Missing) } else { Ok(value) }
}

fn unknown_code(v: &'static crate::vocab::Vocabulary) -> Problem {
    Problem::UnknownCode { vocabulary: v.name, allowed: v.codes().collect::<Vec<_>>().join(", ") }
}

fn parse_integer(text: &str) -> Result<i64, Problem> {
    // Spreadsheets hand integers over as "34.0"; accept a zero fraction, refuse any other.
    let text = text.strip_suffix(".0").unwrap_or(text);
    text.parse().map_err(|_| Problem::NotANumber)
}

/// The first year of identification Palermo counts.
pub const FIRST_YEAR: i32 = 1990;

/// The earliest year of birth accepted.
pub const FIRST_BIRTH_YEAR: i32 = 1900;

/// Checks that a year is plausible for an identification: from 1990 up to the current year.
pub fn check_year(year: i64, today: NaiveDate) -> Result<i64, Problem> {
    if year < i64::from(FIRST_YEAR) || year > i64::from(today.year()) {
        return Err(Problem::YearOutOfRange { max: today.year() });
    }
    Ok(year)
}

fn parse_partial_date(text: &str, ctx: &CellContext<'_>) -> Result<PartialDate, Problem> {
    let bad = || Problem::UnparseableDate { format: ctx.date_format.to_owned() };
    let partial = if let Some(date) = parse_date(text, ctx.date_format) {
        PartialDate { year: date.year(), month: Some(date.month()), day: Some(date.day()) }
    } else {
        // A bare year, or year and month, whatever the full format is.
        let parts: Vec<&str> = text.split(['-', '/', '.']).collect();
        match parts.as_slice() {
            [y] if y.len() == 4 => PartialDate { year: y.parse().map_err(|_| bad())?, month: None, day: None },
            [y, m] if y.len() == 4 => {
                let month: u32 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&month) {
                    return Err(bad());
                }
                PartialDate { year: y.parse().map_err(|_| bad())?, month: Some(month), day: None }
            }
            [m, y] if y.len() == 4 => {
                let month: u32 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&month) {
                    return Err(bad());
                }
                PartialDate { year: y.parse().map_err(|_| bad())?, month: Some(month), day: None }
            }
            _ => return Err(bad()),
        }
    };
    let today = PartialDate { year: ctx.today.year(), month: Some(ctx.today.month()), day: Some(ctx.today.day()) };
    if partial.year < FIRST_BIRTH_YEAR {
        return Err(Problem::DateOutOfRange { min: FIRST_BIRTH_YEAR, max: today.year });
    }
    if partial.year > today.year || (partial.day.is_some() && partial > today) {
        return Err(Problem::FutureDate);
    }
    Ok(partial)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::RecordKind;

    #[test]
    fn iso_dates_read_and_written_as_chrono_does() {
        for text in ["2020-03-04", "1999-12-31", "2020-02-30", "2020-13-01", "20x0-01-01", "2020-1-01", "0999-01-01"] {
            assert_eq!(parse_date(text, "%Y-%m-%d"), NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(), "{text}");
        }
        let formats = ["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d", "%d %m %Y", "%Y-%m-%d", "%d/%m/%y", "%e/%m/%Y"];
        let texts = [
            "03/02/2021",
            "3/02/2021",
            "03/2/2021",
            "31/02/2021",
            "03/02/21",
            "03/02/20211",
            "03-02-2021",
            "20210203",
            "03.02.2021",
            "03 02 2021",
            "03  02 2021",
            " 3/02/2021",
            "2021-02-03",
            "1990",
            "02/13/2021",
            "00/01/2021",
        ];
        for format in formats {
            for text in texts {
                let chrono = NaiveDate::parse_from_str(text, format).ok();
                assert_eq!(parse_date(text, format), chrono, "{text} as {format}");
                if let Some(date) = parse_fixed_date(text.as_bytes(), format.as_bytes()) {
                    assert_eq!(Some(date), chrono, "{text} as {format}");
                }
            }
        }
        for date in [NaiveDate::from_ymd_opt(2020, 3, 4), NaiveDate::from_ymd_opt(999, 1, 1)].into_iter().flatten() {
            assert_eq!(Value::Date(date).to_text(), date.format("%Y-%m-%d").to_string());
        }
    }

    fn ctx() -> CellContext<'static> {
        CellContext {
            date_format: "%d/%m/%Y",
            separator: "|",
            today: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default(),
        }
    }

    fn check(field: &str, raw: &str) -> Result<String, Problem> {
        let f = RecordKind::Persons.field(field).ok_or(Problem::Missing)?;
        parse_cell(f, raw, &ctx()).map(|v| v.to_text())
    }

    #[test]
    fn cells_parse_or_give_the_reason() {
        assert_eq!(check("sex", "Female"), Ok("female".into()));
        assert_eq!(check("sex", ""), Ok("unknown".into()));
        assert_eq!(check("sex", "not recorded"), Ok("not_recorded".into()));
        assert!(matches!(check("sex", "W"), Err(Problem::UnknownCode { .. })));
        assert_eq!(check("exploitation", "forced labour| sexual |sexual"), Ok("forced_labour;sexual".into()));
        assert_eq!(check("age", "34.0"), Ok("34".into()));
        assert_eq!(check("age", "140"), Err(Problem::OutOfRange { min: 0, max: 110 }));
        assert_eq!(check("age", "-1"), Err(Problem::OutOfRange { min: 0, max: 110 }));
        assert_eq!(check("age", "abc"), Err(Problem::NotANumber));
        assert_eq!(check("date", "31/12/2020"), Ok("2020-12-31".into()));
        assert_eq!(check("date", "01/01/2027"), Err(Problem::FutureDate));
        assert!(matches!(check("date", "2020-12-31"), Err(Problem::UnparseableDate { .. })));
        assert_eq!(check("date", "01/01/1800"), Err(Problem::DateOutOfRange { min: 1990, max: 2026 }));
        assert_eq!(check("date_of_birth", "01/01/1800"), Err(Problem::DateOutOfRange { min: 1900, max: 2026 }));
        assert_eq!(check("date_of_birth", "1800"), Err(Problem::DateOutOfRange { min: 1900, max: 2026 }));
        assert_eq!(check("year", "2031"), Err(Problem::YearOutOfRange { max: 2026 }));
        assert_eq!(check("year", ""), Err(Problem::Missing));
        assert_eq!(check("citizenship", "rou"), Ok("ROU".into()));
        assert_eq!(check("citizenship", "Romania"), Ok("ROU".into()));
        assert_eq!(check("citizenship", "Rumanía"), Ok("ROU".into()));
        assert_eq!(check("citizenship", "Atlantis"), Err(Problem::UnknownCountry { candidates: Vec::new() }));
        let romnia = check("citizenship", "Romnia").map_err(|problem| problem.to_string());
        assert_eq!(romnia, Err("not a country code or name; did you mean ROU (Romania)?".into()));
        let rom = check("citizenship", "ROM").map_err(|problem| problem.to_string());
        assert!(rom.as_ref().is_err_and(|e| e.starts_with("not a country code or name; did you mean ROU (Romania), ")));
        let nothing = check("citizenship", "Atlantis").map_err(|problem| problem.to_string());
        assert!(nothing.is_err_and(|e| e.contains("alpha-2") && !e.contains("Atlantis")));
        assert_eq!(check("date_of_birth", "1990"), Ok("1990".into()));
        assert_eq!(check("date_of_birth", "03/1990"), Ok("1990-03".into()));
        assert_eq!(check("date_of_birth", "05/03/1990"), Ok("1990-03-05".into()));
        assert!(check("source_id", &"x".repeat(65)).is_err());
        assert!(matches!(check("given_name", &"x".repeat(5000)), Err(Problem::TooLong { .. })));
    }
}
