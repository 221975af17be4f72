//! Dates as clkhash reads them: Python's `datetime.strptime` with the schema's format, then
//! written as `%Y%m%d` before tokenising.
//!
//! `strptime` turns the format into a regular expression (module `_strptime`), matches it
//! case-insensitively against the whole value and then checks the calendar. We build the same
//! expression for the directives that make sense in a date of birth (`%Y %y %m %d %b %B %a %A
//! %j %H %M %S %%`); the `regex` crate's leftmost-first semantics pick the same alternatives as
//! Python's backtracking engine. Unsupported directives are refused when the schema is parsed.

use regex::Regex;

/// A compiled date format.
#[derive(Debug, Clone)]
pub(crate) struct DateFormat {
    regex: Regex,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const DAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

impl DateFormat {
    /// Compile a `strptime` format.
    pub(crate) fn compile(format: &str) -> Result<DateFormat, &'static str> {
        let mut pattern = String::from("(?i)^");
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '%' {
                let d = chars.next().ok_or("format ends with a lone '%'")?;
                pattern.push_str(match d {
                    'd' => r"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])",
                    'm' => r"(?P<m>1[0-2]|0[1-9]|[1-9])",
                    'Y' => r"(?P<Y>\d\d\d\d)",
                    'y' => r"(?P<y>\d\d)",
                    'H' => r"(?P<H>2[0-3]|[0-1]\d|\d)",
                    'M' => r"(?P<M>[0-5]\d|\d)",
                    'S' => r"(?P<S>6[0-1]|[0-5]\d|\d)",
                    'j' => r"(?P<j>36[0-6]|3[0-5]\d|[1-2]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])",
                    'B' => {
                        "(?P<B>january|february|march|april|may|june|july|august|september|october|november|december)"
                    }
                    'b' => "(?P<b>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
                    'A' => "(?P<A>monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
                    'a' => "(?P<a>mon|tue|wed|thu|fri|sat|sun)",
                    '%' => "%",
                    _ => return Err("unsupported strptime directive in date format"),
                });
            } else if c.is_whitespace() {
                // Python replaces every run of whitespace in the format by `\s+`.
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                pattern.push_str(r"\s+");
            } else {
                pattern.push_str(&regex::escape(&c.to_string()));
            }
        }
        pattern.push('$');
        let regex = Regex::new(&pattern).map_err(|_| "date format cannot be compiled")?;
        let names: Vec<&str> = regex.capture_names().flatten().collect();
        let mut seen = std::collections::BTreeSet::new();
        for n in &names {
            if !seen.insert(*n) {
                return Err("a strptime directive is repeated in the date format");
            }
        }
        Ok(DateFormat { regex })
    }

    /// Parse `value` and write it as `YYYYMMDD` (Python's `%Y` writes years below 1000
    /// without padding on Linux, so we do too). `None` when the value does not match the
    /// format or is not a calendar date.
    pub(crate) fn reformat(&self, value: &str) -> Option<String> {
        let caps = self.regex.captures(value)?;
        let num = |name: &str| -> Option<Option<u32>> {
            match caps.name(name) {
                None => Some(None),
                Some(m) => m.as_str().trim().parse::<u32>().ok().map(Some),
            }
        };
        let mut year: i64 = 1900;
        if let Some(y) = num("Y")? {
            year = i64::from(y);
        } else if let Some(y) = num("y")? {
            year = i64::from(y) + if y <= 68 { 2000 } else { 1900 };
        }
        let mut month = num("m")?;
        if month.is_none() {
            let name = caps.name("B").or_else(|| caps.name("b"));
            if let Some(name) = name {
                let lower = name.as_str().to_lowercase();
                month = MONTHS.iter().position(|m| m.starts_with(&lower)).map(|i| i as u32 + 1);
            }
        }
        let mut day = num("d")?;
        if let Some(j) = num("j")?
            && month.is_none()
            && day.is_none()
        {
            // Day of the year: Python derives month and day from it.
            let (m, d) = month_day_from_ordinal(year, j)?;
            month = Some(m);
            day = Some(d);
        }
        // Weekday names are accepted but do not change the date, as in Python.
        let _ = (caps.name("A"), caps.name("a"), DAYS);
        let month = month.unwrap_or(1);
        let day = day.unwrap_or(1);
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(format!("{year}{month:02}{day:02}"))
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

fn month_day_from_ordinal(year: i64, ordinal: u32) -> Option<(u32, u32)> {
    let mut left = ordinal;
    for m in 1..=12 {
        let n = days_in_month(year, m);
        if left <= n {
            return Some((m, left));
        }
        left -= n;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reformats_like_strptime_strftime() {
        let f = DateFormat::compile("%d/%m/%Y").expect("valid");
        assert_eq!(f.reformat("3/4/1990").as_deref(), Some("19900403"));
        assert_eq!(f.reformat("31/02/1990"), None);
        assert_eq!(f.reformat("29/02/2000").as_deref(), Some("20000229"));
        assert_eq!(f.reformat("29/02/1900"), None);
        let g = DateFormat::compile("%Y%m%d").expect("valid");
        // Backtracking: month "1" then day "12" is not what Python picks; it takes "11" and "2".
        assert_eq!(g.reformat("1990112").as_deref(), Some("19901102"));
        let h = DateFormat::compile("%d %b %y").expect("valid");
        assert_eq!(h.reformat("5  MAR 69").as_deref(), Some("19690305"));
        assert_eq!(h.reformat("5 mar 68").as_deref(), Some("20680305"));
        assert!(DateFormat::compile("%Q").is_err());
    }
}
