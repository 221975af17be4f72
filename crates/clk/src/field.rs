//! From a raw value to the byte strings that get hashed: validation against the feature's
//! `format`, missing-value replacement, canonical formatting (integers, dates), tokenisation
//! (n-grams, exact, numeric neighbourhoods) and text encoding — each step as clkhash 0.18 does it
//! (`field_formats.py`, `comparators.py`), so that the same tokens reach the hash functions.

use std::borrow::Cow;

use crate::schema::{Case, Comparison, FieldSpec, Format, StringRule, TextEncoding};

/// Tokens of one value, as bytes, stored back to back to avoid one allocation per token.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    text: String,
}

impl Tokens {
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let t = &self.bytes[start..end];
            start = end;
            t
        })
    }

    /// Append one token, encoding `self.text` with the field's codec.
    fn push_text(&mut self, encoding: TextEncoding) -> Result<(), &'static str> {
        encode_text(&self.text, encoding, &mut self.bytes)?;
        self.ends.push(self.bytes.len());
        Ok(())
    }
}

/// Python's `str.encode(codec)` for the codecs the schema allows.
pub(crate) fn encode_text(text: &str, encoding: TextEncoding, out: &mut Vec<u8>) -> Result<(), &'static str> {
    match encoding {
        TextEncoding::Utf8 => out.extend_from_slice(text.as_bytes()),
        TextEncoding::Ascii => {
            if !text.is_ascii() {
                return Err("value cannot be encoded as ascii");
            }
            out.extend_from_slice(text.as_bytes());
        }
        TextEncoding::Utf16 => {
            out.extend_from_slice(&[0xFF, 0xFE]);
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_le_bytes());
            }
        }
        TextEncoding::Utf32 => {
            out.extend_from_slice(&[0xFF, 0xFE, 0, 0]);
            for c in text.chars() {
                out.extend_from_slice(&u32::from(c).to_le_bytes());
            }
        }
    }
    Ok(())
}

/// Validate `value` (clkhash's `FieldSpec.validate`) and return the string to tokenise
/// (`format_value`). A value equal to the missing-value sentinel is neither validated nor
/// formatted: it is replaced.
pub(crate) fn prepare<'a>(spec: &'a FieldSpec, value: &'a str) -> Result<Cow<'a, str>, &'static str> {
    if let Some(mv) = &spec.hashing.missing
        && mv.sentinel == value
    {
        return Ok(Cow::Borrowed(mv.replace_with.as_str()));
    }
    if spec.hashing.encoding == TextEncoding::Ascii && !value.is_ascii() {
        return Err("value cannot be encoded as ascii");
    }
    match &spec.format {
        Format::String { rule } => {
            match rule {
                StringRule::Pattern(re) => {
                    if !re.is_match(value) {
                        return Err("value does not match the pattern");
                    }
                }
                StringRule::Plain { case, min_length, max_length } => {
                    let n = value.chars().count();
                    if min_length.is_some_and(|m| n < m) {
                        return Err("value is shorter than minLength");
                    }
                    if max_length.is_some_and(|m| n > m) {
                        return Err("value is longer than maxLength");
                    }
                    match case {
                        Case::Upper if value.to_uppercase() != value => {
                            return Err("value is not upper case");
                        }
                        Case::Lower if value.to_lowercase() != value => {
                            return Err("value is not lower case");
                        }
                        _ => {}
                    }
                }
            }
            Ok(Cow::Borrowed(value))
        }
        Format::Integer { minimum, maximum } => {
            let canonical = canonical_integer(value).ok_or("value is not an integer")?;
            let n: i128 = canonical.parse().map_err(|_| "integer out of range")?;
            if minimum.is_some_and(|m| n < m) {
                return Err("integer below minimum");
            }
            if maximum.is_some_and(|m| n > m) {
                return Err("integer above maximum");
            }
            Ok(Cow::Owned(canonical))
        }
        Format::Date { format } => {
            format.reformat(value).map(Cow::Owned).ok_or("value is not a date in the schema's format")
        }
        Format::Enum { values } => {
            if values.contains(value) {
                Ok(Cow::Borrowed(value))
            } else {
                Err("value is not one of the enum values")
            }
        }
    }
}

/// Python's `str(int(value, 10))`: surrounding whitespace, a sign, leading zeros and single
/// underscores between digits are accepted; the result has no `+` and no leading zeros.
fn canonical_integer(value: &str) -> Option<String> {
    let t = value.trim();
    let (negative, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let mut out = String::with_capacity(digits.len() + 1);
    let mut prev_digit = false;
    for (i, c) in digits.char_indices() {
        if c.is_ascii_digit() {
            prev_digit = true;
            if !(out.is_empty() && c == '0') {
                out.push(c);
            }
        } else if c == '_' && prev_digit && digits[i + 1..].starts_with(|d: char| d.is_ascii_digit()) {
            prev_digit = false;
        } else {
            return None;
        }
    }
    if !prev_digit {
        return None;
    }
    if out.is_empty() {
        return Some("0".to_owned());
    }
    if negative {
        out.insert(0, '-');
    }
    Some(out)
}

/// Tokenise `text` into `tokens` (cleared first) with the feature's comparison.
pub(crate) fn tokenize(
    comparison: Comparison,
    encoding: TextEncoding,
    text: &str,
    tokens: &mut Tokens,
) -> Result<(), &'static str> {
    tokens.clear();
    if text.is_empty() {
        return Ok(());
    }
    match comparison {
        Comparison::Exact => {
            tokens.text.clear();
            tokens.text.push_str(text);
            tokens.push_text(encoding)?;
        }
        Comparison::Ngram { n, positional } => {
            // Python slices code points, after padding with n-1 spaces on both sides.
            let pad = n.saturating_sub(1);
            let chars: Vec<char> =
                std::iter::repeat_n(' ', pad).chain(text.chars()).chain(std::iter::repeat_n(' ', pad)).collect();
            if chars.len() < n {
                return Ok(());
            }
            for i in 0..=chars.len() - n {
                tokens.text.clear();
                if positional {
                    use std::fmt::Write as _;
                    let _ = write!(tokens.text, "{} ", i + 1);
                }
                tokens.text.extend(&chars[i..i + n]);
                tokens.push_text(encoding)?;
            }
        }
        Comparison::Numeric { distance_interval, resolution, fractional_precision } => {
            let v = numeric_value(text, fractional_precision)?;
            let v = v.checked_mul(2 * resolution).ok_or("number too large")?;
            let residue = v.rem_euclid(distance_interval);
            let v = if residue == 0 {
                v
            } else if 2 * residue < distance_interval {
                v - residue
            } else {
                v + (distance_interval - residue)
            };
            for i in -resolution..=resolution {
                let t = i.checked_mul(distance_interval).and_then(|d| d.checked_add(v)).ok_or("number too large")?;
                tokens.text.clear();
                use std::fmt::Write as _;
                let _ = write!(tokens.text, "{t}");
                tokens.push_text(encoding)?;
            }
        }
    }
    Ok(())
}

/// clkhash's numeric reading: `int(word)` scaled by `10^p`, or else `float(word)` scaled and
/// rounded half to even (or truncated when `p == 0`).
fn numeric_value(text: &str, fractional_precision: u32) -> Result<i128, &'static str> {
    let scale = 10i128.checked_pow(fractional_precision).ok_or("precision too large")?;
    if let Some(c) = canonical_integer(text) {
        let v: i128 = c.parse().map_err(|_| "number too large")?;
        return v.checked_mul(scale).ok_or("number too large");
    }
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    let f: f64 = cleaned.parse().map_err(|_| "value is not a number")?;
    if !f.is_finite() {
        return Err("value is not a finite number");
    }
    let scaled = if fractional_precision > 0 {
        (f * 10f64.powi(fractional_precision as i32)).round_ties_even()
    } else {
        f.trunc()
    };
    if scaled.abs() >= 1e36 {
        return Err("number too large");
    }
    Ok(scaled as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(c: Comparison, text: &str) -> Vec<String> {
        let mut t = Tokens::default();
        tokenize(c, TextEncoding::Utf8, text, &mut t).expect("tokenises");
        t.iter().map(|b| String::from_utf8(b.to_vec()).expect("utf8")).collect()
    }

    #[test]
    fn ngrams_pad_and_number_positions() {
        assert_eq!(toks(Comparison::Ngram { n: 2, positional: false }, "ab"), [" a", "ab", "b "]);
        assert_eq!(toks(Comparison::Ngram { n: 1, positional: true }, "éa"), ["1 é", "2 a"]);
        assert!(toks(Comparison::Ngram { n: 2, positional: false }, "").is_empty());
    }

    #[test]
    fn integers_are_canonical() {
        assert_eq!(canonical_integer(" +007 ").as_deref(), Some("7"));
        assert_eq!(canonical_integer("-0").as_deref(), Some("0"));
        assert_eq!(canonical_integer("1_000").as_deref(), Some("1000"));
        assert_eq!(canonical_integer("1__0"), None);
        assert_eq!(canonical_integer("12a"), None);
    }

    #[test]
    fn numeric_neighbourhood_matches_clkhash_docstring() {
        // clkhash's docstring: threshold 8, resolution 2 -> tokens of 25 are 88..120 step 8.
        let c = Comparison::Numeric { distance_interval: 8, resolution: 2, fractional_precision: 0 };
        assert_eq!(toks(c, "25"), ["88", "96", "104", "112", "120"]);
    }

    #[test]
    fn utf16_has_a_bom_per_token() {
        let mut out = Vec::new();
        encode_text("a", TextEncoding::Utf16, &mut out).expect("encodes");
        assert_eq!(out, [0xFF, 0xFE, b'a', 0]);
    }
}
