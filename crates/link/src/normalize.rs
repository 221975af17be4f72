//! Normalisation of identifying fields before comparison: names (Unicode folding, diacritics,
//! transliteration, particles, name order), dates (partial dates, day/month swaps), places,
//! postcodes, sexes and document numbers.
//!
//! Every function here is pure and total: messy input gives an empty or partial value, never an
//! error, because a record with an unreadable birth date still carries evidence in its other
//! fields.

use std::fmt::Write as _;

use rphonetic::DoubleMetaphone;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Name particles that are dropped from family names before comparison, because agencies write
/// them inconsistently ("van der Berg", "Berg", "Vanderberg"; "al-Hassan", "Hassan").
///
/// Only whole tokens are dropped, and never the last remaining token, so a person whose family
/// name *is* a particle ("Le", "Da") keeps it.
pub const NAME_PARTICLES: &[&str] = &[
    "al", "el", "ul", "bin", "ben", "ibn", "bint", "binti", "abu", "van", "der", "den", "de", "del", "della", "di",
    "da", "das", "dos", "du", "la", "le", "von", "zu", "ter", "ten", "mac", "st",
];

/// Folds any Unicode text to lower-case ASCII letters, digits and single spaces.
///
/// Method: NFKD decomposition and removal of combining marks (so "Nguyễn" becomes "nguyen"),
/// then transliteration of what remains outside ASCII with `deunicode` (Cyrillic, Greek, Arabic
/// script, CJK, and letters such as "đ", "ø", "ß" that have no decomposition), then lower-casing;
/// every other character (punctuation, hyphens, apostrophes) becomes a token separator.
pub fn fold(text: &str) -> String {
    // Most registry text is already ASCII: decomposition and transliteration would not change it.
    let ascii: std::borrow::Cow<'_, str> = if text.is_ascii() {
        std::borrow::Cow::Borrowed(text)
    } else {
        let mut stripped = String::with_capacity(text.len());
        for c in text.nfkd() {
            if !is_combining_mark(c) {
                stripped.push(c);
            }
        }
        if stripped.is_ascii() {
            std::borrow::Cow::Owned(stripped)
        } else {
            std::borrow::Cow::Owned(deunicode::deunicode(&stripped))
        }
    };
    let mut out = String::with_capacity(ascii.len());
    let mut pending_space = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c.to_ascii_lowercase());
        } else if c == '\'' || c == '`' {
            // Apostrophes join ("O'Brien" -> "obrien", "N'Diaye" -> "ndiaye") because writers
            // drop them far more often than they replace them with a space.
        } else {
            pending_space = true;
        }
    }
    out
}

/// Normalises a given name (or several): folded, tokens kept in order.
pub fn given_name(text: &str) -> String {
    fold(text)
}

/// Normalises a family name: folded, with particles ([`NAME_PARTICLES`]) and Arabic-style
/// attached articles ("al-", "el-", "ad-", "ash-") removed, and common transliteration prefixes of
/// "Abd" ("abdul", "abdel", "abdoul", "abdur") unified.
pub fn family_name(text: &str) -> String {
    let folded = fold(text);
    let tokens: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    let n_tokens = tokens.len();
    let mut kept: Vec<String> = Vec::with_capacity(n_tokens);
    for (idx, token) in tokens.iter().enumerate() {
        let is_last = idx + 1 == n_tokens;
        if !is_last && NAME_PARTICLES.contains(token) {
            continue;
        }
        kept.push(unify_name_token(token));
    }
    if kept.is_empty() {
        return folded;
    }
    kept.join(" ")
}

/// Unifies transliteration variants inside one name token that spelling-distance alone handles
/// badly because they change the token's length a lot.
fn unify_name_token(token: &str) -> String {
    // "Abdul Rahman", "Abdel-Rahman", "Abd al-Rahman" and "Abdulrahman" all become "abd rahman":
    // the article is dropped and a run-together second part is split off.
    for prefix in ["abdoul", "abdul", "abdel", "abdal", "abdur", "abdar", "abdou", "abdu", "abd"] {
        if let Some(rest) = token.strip_prefix(prefix) {
            if rest.is_empty() {
                return "abd".to_owned();
            }
            if rest.len() >= 3 {
                let rest = rest.strip_prefix("r").filter(|r| r.starts_with('r')).unwrap_or(rest);
                return format!("abd {rest}");
            }
        }
    }
    token.to_owned()
}

/// A name written as one string ("Nguyen Van An", "AL-HASSAN, Omar") split into given names and a
/// family name.
///
/// A comma means "family, given" (a common registry convention); otherwise the last token that is
/// not a particle starts the family name, with the particles before it ("van der Berg").
/// `family_first` states that the source writes the family name first (as in Vietnamese, Chinese,
/// Hungarian or Korean registries): then the first token is the family name.
pub fn split_full_name(text: &str, family_first: bool) -> (String, String) {
    if let Some((family, given)) = text.split_once(',') {
        return (given_name(given), family_name(family));
    }
    let folded = fold(text);
    let tokens: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    if tokens.len() < 2 {
        return (String::new(), family_name(&folded));
    }
    if family_first {
        return (tokens[1..].join(" "), family_name(tokens[0]));
    }
    let mut start = tokens.len() - 1;
    while start > 1 && NAME_PARTICLES.contains(&tokens[start - 1]) {
        start -= 1;
    }
    (tokens[..start].join(" "), family_name(&tokens[start..].join(" ")))
}

/// A phonetic key of a normalised name: the Double Metaphone primary code (Philips 2000) of each
/// token, joined, after rewriting spellings that French- and English-based transliterations of
/// West African and Arabic names write differently ("ou" before a vowel as "w", "dj" as "j").
pub fn phonetic_key(encoder: &DoubleMetaphone, normalised_name: &str) -> String {
    let mut out = String::new();
    for token in normalised_name.split(' ').filter(|t| !t.is_empty()) {
        let rewritten = rewrite_for_phonetics(token);
        let code = encoder.double_metaphone(&rewritten).primary();
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&code);
    }
    out
}

fn rewrite_for_phonetics(token: &str) -> String {
    let bytes = token.as_bytes();
    let mut out = String::with_capacity(token.len());
    let mut idx = 0;
    while idx < bytes.len() {
        let rest = &bytes[idx..];
        let next_is_vowel = |k: usize| rest.get(k).is_some_and(|b| b"aeiouy".contains(b));
        if rest.starts_with(b"ou") && next_is_vowel(2) {
            out.push('w');
            idx += 2;
        } else if rest.starts_with(b"dj") {
            out.push('j');
            idx += 2;
        } else if idx == 0 && rest.starts_with(b"di") && next_is_vowel(2) {
            // Initial "Di" before a vowel is the French spelling of "J" ("Diallo" / "Jallow").
            out.push('j');
            idx += 2;
        } else {
            out.push(bytes[idx] as char);
            idx += 1;
        }
    }
    out
}

/// A date that may be partial: any of year, month and day may be unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: Option<i32>,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    /// True when year, month and day are all known.
    pub fn is_complete(&self) -> bool {
        self.year.is_some() && self.month.is_some() && self.day.is_some()
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.year.is_none() && self.month.is_none() && self.day.is_none()
    }

    /// Days since 1970-01-01 of a complete date (proleptic Gregorian calendar), `None` if partial.
    pub fn days_since_epoch(&self) -> Option<i64> {
        let (year, month, day) = (self.year?, self.month?, self.day?);
        Some(days_from_civil(i64::from(year), i64::from(month), i64::from(day)))
    }

    /// Canonical text form: `YYYY-MM-DD`, with `??` for unknown parts (`1990-??-??`).
    pub fn to_canonical(&self) -> String {
        let mut out = String::with_capacity(10);
        match self.year {
            Some(y) => {
                let _ = write!(out, "{y:04}");
            }
            None => out.push_str("????"),
        }
        for part in [self.month, self.day] {
            match part {
                Some(v) => {
                    let _ = write!(out, "-{v:02}");
                }
                None => out.push_str("-??"),
            }
        }
        out
    }
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01 of a Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            if leap { 29 } else { 28 }
        }
    }
}

/// Parses a date written in any of the common registry forms into a [`PartialDate`].
///
/// Accepted: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`, `DD/MM/YYYY`, `DD.MM.YYYY`, `DD-MM-YYYY`,
/// `MM/YYYY`, `YYYY-MM`, `YYYY`, with `?`, `x`, `00` or `unknown` for unknown parts. Day-first is
/// assumed for `A/B/YYYY` (the convention of most countries), and the parts are swapped when
/// day-first is impossible (`12/25/1990`). An impossible day or month becomes unknown rather than
/// failing, so `1856-86-18` keeps its year and day. Anything unreadable gives an empty date.
pub fn parse_date(text: &str) -> PartialDate {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return PartialDate::default();
    }
    let parts: Vec<&str> = trimmed.split(['-', '/', '.', ' ']).filter(|p| !p.is_empty()).collect();
    let num = |p: &str| -> Option<i64> {
        if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() && p.len() <= 8 {
            p.parse::<i64>().ok()
        } else {
            None
        }
    };
    let (year, month, day) = match parts.as_slice() {
        [one] if one.len() == 8 && num(one).is_some() => (num(&one[..4]), num(&one[4..6]), num(&one[6..8])),
        [one] if one.len() == 4 => (num(one), None, None),
        [a, b, c] if a.len() == 4 => (num(a), num(b), num(c)),
        [a, b, c] if c.len() == 4 => {
            let (first, second) = (num(a), num(b));
            match (first, second) {
                (Some(f), Some(s)) if f <= 12 && s > 12 => (num(c), Some(f), Some(s)),
                _ => (num(c), second, first),
            }
        }
        [a, b] if a.len() == 4 => (num(a), num(b), None),
        [a, b] if b.len() == 4 => (num(b), num(a), None),
        _ => (None, None, None),
    };
    let year = year.filter(|y| (1..=9999).contains(y)).and_then(|y| i32::try_from(y).ok());
    let month = month.filter(|m| (1..=12).contains(m)).and_then(|m| u8::try_from(m).ok());
    let day = day.filter(|d| (1..=31).contains(d)).and_then(|d| u8::try_from(d).ok());
    let day = match (year, month, day) {
        (Some(y), Some(m), Some(d)) if d > days_in_month(y, m) => None,
        _ => day,
    };
    PartialDate { year, month, day }
}

/// Normalises a place name: folded, with generic words that agencies add or drop removed
/// ("city of", "district", "province", "region").
pub fn place(text: &str) -> String {
    const GENERIC: &[&str] = &["city", "of", "the", "district", "province", "region", "county", "municipality", "town"];
    let folded = fold(text);
    let kept: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty() && !GENERIC.contains(t)).collect();
    if kept.is_empty() { folded } else { kept.join(" ") }
}

/// Normalises a postcode: upper-case ASCII letters and digits, spaces removed.
pub fn postcode(text: &str) -> String {
    fold(text).chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// Normalises a document number (passport, identity card, social-security number): upper-case
/// letters and digits only, with the letters most often misread for digits unified (`O` -> `0`,
/// `I` and `L` -> `1`), because a clerk copying a passport makes exactly these errors.
pub fn document_number(text: &str) -> String {
    fold(text)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// Normalises a sex or gender: `"m"`, `"f"`, or the folded text for anything else (`"x"`,
/// `"other"`); empty when unknown.
pub fn sex(text: &str) -> String {
    let folded = fold(text);
    match folded.as_str() {
        "m" | "male" | "man" | "boy" | "masculin" | "masculino" | "homme" | "h" => "m".to_owned(),
        "f" | "female" | "woman" | "girl" | "feminin" | "femenino" | "femme" | "w" => "f".to_owned(),
        "" | "u" | "unknown" | "na" | "n a" | "not known" | "not stated" => String::new(),
        _ => folded,
    }
}

/// Normalises free categorical text (citizenship, occupation): folded.
pub fn category(text: &str) -> String {
    fold(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_many_forms() {
        let full = PartialDate { year: Some(1990), month: Some(3), day: Some(7) };
        for text in ["1990-03-07", "19900307", "07/03/1990", "07.03.1990", "1990/3/7"] {
            assert_eq!(parse_date(text), full, "{text}");
        }
        assert_eq!(parse_date("03/25/1990").day, Some(25));
        assert_eq!(parse_date("1990").month, None);
        assert_eq!(parse_date("1856-86-18"), PartialDate { year: Some(1856), month: None, day: Some(18) });
        assert!(parse_date("1990-02-30").day.is_none());
        assert!(parse_date("garbage").is_empty());
        assert_eq!(parse_date("1970-01-02").days_since_epoch(), Some(1));
        assert_eq!(parse_date("2000-03-01").days_since_epoch(), Some(11_017));
    }
}
