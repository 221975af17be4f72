//! The linkage schema: clkhash's JSON format (version 3, and version 2 converted the way clkhash
//! converts it), plus Palermo's optional `x-palermo` extension for hardening.
//!
//! The schema says, per column of the input, how a value is checked (`format`), turned into
//! tokens (`hashing.comparison`), how many bits each token sets (`hashing.strategy`), with which
//! hash construction (`hashing.hash`), and how missing values are replaced (`hashing.missingValue`).
//! `clkConfig` gives the encoding length `l`, XOR folding and the key derivation.
//!
//! Parsing follows clkhash 0.18 (`clkhash/schema.py`, `clkhash/field_formats.py`) in what it
//! *does*, not only in what its master schema says: for instance clkhash reads the number of XOR
//! folds from the key `xor_folds` although its v3 master schema names it `xorFolds`. We read
//! `xor_folds` as clkhash does and refuse a non-zero `xorFolds`, because honouring it would
//! silently produce encodings that clkhash does not.

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::date::DateFormat;
use crate::error::{Error, Result};
use crate::harden::Hardening;

/// A parsed, validated linkage schema. Build it with [`Schema::parse`].
#[derive(Debug, Clone)]
pub struct Schema {
    /// Length of an encoding in bits, after XOR folding.
    pub(crate) l: usize,
    /// Number of XOR folds; the filter is built with `l * 2^xor_folds` bits then folded.
    pub(crate) xor_folds: u32,
    pub(crate) kdf: KdfConfig,
    pub(crate) features: Vec<Feature>,
    pub(crate) hardening: Option<Hardening>,
}

/// Hash function inside HKDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfHash {
    /// HMAC-SHA256 (clkhash's default).
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

/// Key-derivation settings (`clkConfig.kdf`).
#[derive(Debug, Clone)]
pub(crate) struct KdfConfig {
    pub(crate) hash: KdfHash,
    pub(crate) salt: Option<Vec<u8>>,
    pub(crate) info: Option<Vec<u8>>,
    pub(crate) key_size: usize,
}

/// One column of the input.
#[derive(Debug, Clone)]
pub(crate) struct Feature {
    pub(crate) identifier: String,
    /// `None` for an ignored column.
    pub(crate) spec: Option<FieldSpec>,
}

#[derive(Debug, Clone)]
pub(crate) struct FieldSpec {
    pub(crate) format: Format,
    pub(crate) hashing: Hashing,
}

/// How text is turned into bytes before hashing (Python codec names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextEncoding {
    Utf8,
    Ascii,
    /// Python's `utf-16`: a byte-order mark then little-endian units (on the x86 and ARM
    /// machines clkhash runs on), repeated for every token because every token is encoded alone.
    Utf16,
    /// Python's `utf-32`: likewise with a 4-byte mark.
    Utf32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Upper,
    Lower,
    Mixed,
}

#[derive(Debug, Clone)]
pub(crate) enum StringRule {
    Pattern(regex::Regex),
    Plain { case: Case, min_length: Option<usize>, max_length: Option<usize> },
}

#[derive(Debug, Clone)]
pub(crate) enum Format {
    String { rule: StringRule },
    Integer { minimum: Option<i128>, maximum: Option<i128> },
    Date { format: DateFormat },
    Enum { values: BTreeSet<String> },
}

#[derive(Debug, Clone)]
pub(crate) struct Hashing {
    pub(crate) comparison: Comparison,
    pub(crate) strategy: Strategy,
    pub(crate) hash: HashKind,
    pub(crate) encoding: TextEncoding,
    pub(crate) missing: Option<MissingValue>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Comparison {
    Ngram {
        n: usize,
        positional: bool,
    },
    Exact,
    /// Vatsalan and Christen's neighbourhood tokens for numbers, as clkhash implements them.
    Numeric {
        distance_interval: i128,
        resolution: i128,
        fractional_precision: u32,
    },
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Strategy {
    BitsPerToken(usize),
    BitsPerFeature(usize),
}

impl Strategy {
    /// How many bits each of `n_tokens` tokens sets; clkhash's `bits_per_token`.
    pub(crate) fn bits_for(self, n_tokens: usize, token_idx: usize) -> usize {
        match self {
            Strategy::BitsPerToken(k) => k,
            Strategy::BitsPerFeature(total) => {
                // The first `total % n` tokens get one bit more, so the total is exact.
                let k = total / n_tokens;
                if token_idx < total % n_tokens { k + 1 } else { k }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashKind {
    /// Schnell's double hashing with HMAC-SHA1 and HMAC-MD5.
    Double { prevent_singularity: bool },
    /// clkhash's keyed BLAKE2b construction (the default).
    Blake,
}

#[derive(Debug, Clone)]
pub(crate) struct MissingValue {
    pub(crate) sentinel: String,
    pub(crate) replace_with: String,
}

impl Schema {
    /// Parse a linkage schema from its JSON text (clkhash v3, or v2 which is converted).
    ///
    /// # Errors
    /// [`Error::SchemaJson`] when the text is not JSON, [`Error::Schema`] or
    /// [`Error::SchemaPattern`] when it is not a usable linkage schema.
    pub fn parse(json: &str) -> Result<Schema> {
        let value: Value = serde_json::from_str(json).map_err(Error::SchemaJson)?;
        Schema::from_value(&value)
    }

    /// Parse from an already-decoded JSON value.
    ///
    /// # Errors
    /// As [`Schema::parse`].
    pub fn from_value(value: &Value) -> Result<Schema> {
        let root = obj(value, "$")?;
        let version = root.get("version").ok_or_else(|| err("$.version", "missing"))?;
        let converted;
        let root = match version.as_f64() {
            Some(3.0) => root,
            Some(2.0) => {
                converted = convert_v2_to_v3(root)?;
                &converted
            }
            _ => {
                return Err(err("$.version", "only linkage schema versions 2 and 3 are supported"));
            }
        };
        let clk_config = obj(req(root, "clkConfig", "$")?, "$.clkConfig")?;
        let l = positive_int(req(clk_config, "l", "$.clkConfig")?, "$.clkConfig.l")?;
        let xor_folds = match clk_config.get("xor_folds") {
            None => 0,
            Some(v) => u32::try_from(non_negative_int(v, "$.clkConfig.xor_folds")?)
                .map_err(|_| err("$.clkConfig.xor_folds", "too large"))?,
        };
        if let Some(v) = clk_config.get("xorFolds")
            && non_negative_int(v, "$.clkConfig.xorFolds")? != 0
        {
            return Err(err(
                "$.clkConfig.xorFolds",
                "clkhash ignores 'xorFolds' and reads 'xor_folds'; write 'xor_folds' so that \
                 both tools produce the same encodings",
            ));
        }
        if xor_folds >= 32 || l.checked_shl(xor_folds).is_none_or(|h| h >> xor_folds != l) {
            return Err(err("$.clkConfig.xor_folds", "too many folds for this length"));
        }
        let kdf = parse_kdf(req(clk_config, "kdf", "$.clkConfig")?)?;

        let features_value = req(root, "features", "$")?;
        let list = features_value.as_array().ok_or_else(|| err("$.features", "must be an array"))?;
        let mut features = Vec::with_capacity(list.len());
        for (i, f) in list.iter().enumerate() {
            features.push(parse_feature(f, &format!("$.features[{i}]"))?);
        }
        let hardening = match root.get("x-palermo") {
            None => None,
            Some(v) => Hardening::from_json(v, &features, "$.x-palermo")?,
        };
        let schema = Schema { l, xor_folds, kdf, features, hardening };
        schema.check_hash_lengths()?;
        Ok(schema)
    }

    /// Length of the encodings in bits (after XOR folding and hardening).
    pub fn encoding_bits(&self) -> usize {
        match &self.hardening {
            Some(h) => h.output_bits(self.l),
            None => self.l,
        }
    }

    /// Number of columns a record must have.
    pub fn n_columns(&self) -> usize {
        self.features.len()
    }

    /// The column identifiers in order (names of columns, not data).
    pub fn identifiers(&self) -> impl Iterator<Item = &str> {
        self.features.iter().map(|f| f.identifier.as_str())
    }

    /// Check a CSV header against the features, as clkhash does before encoding a file: same
    /// number of columns, same identifiers in the same order.
    ///
    /// # Errors
    /// [`Error::Header`] naming the first difference.
    pub fn check_header<S: AsRef<str>>(&self, header: &[S]) -> Result<()> {
        if header.len() != self.features.len() {
            return Err(Error::Header {
                column: header.len(),
                expected: format!("{} columns", self.features.len()),
                found: format!("{} columns", header.len()),
            });
        }
        for (column, (f, h)) in self.features.iter().zip(header).enumerate() {
            if f.identifier != h.as_ref() {
                return Err(Error::Header { column, expected: f.identifier.clone(), found: h.as_ref().to_owned() });
            }
        }
        Ok(())
    }

    /// Whether the schema uses Palermo's hardening extension, whose encodings clkhash cannot
    /// reproduce.
    pub fn is_hardened(&self) -> bool {
        self.hardening.as_ref().is_some_and(Hardening::is_active)
    }

    /// Length of the filter before folding.
    pub(crate) fn hash_bits(&self) -> usize {
        self.l << self.xor_folds
    }

    fn check_hash_lengths(&self) -> Result<()> {
        let uses_blake =
            self.features.iter().filter_map(|f| f.spec.as_ref()).any(|s| s.hashing.hash == HashKind::Blake);
        // clkhash's BLAKE2 construction reduces 16-bit numbers modulo the length, which it
        // requires to be a power of two.
        if uses_blake && !self.hash_bits().is_power_of_two() {
            return Err(err("$.clkConfig.l", "blakeHash needs l * 2^xor_folds to be a power of two"));
        }
        if uses_blake && self.kdf.key_size > 64 {
            return Err(err("$.clkConfig.kdf.keySize", "blakeHash keys are at most 64 bytes"));
        }
        Ok(())
    }
}

fn err(path: &str, reason: &str) -> Error {
    Error::Schema { path: path.to_owned(), reason: reason.to_owned() }
}

/// clkhash's master schema forbids other keys (`additionalProperties: false`) in these objects;
/// refusing them here keeps Palermo from accepting a schema that clkhash rejects.
fn only_keys(m: &Map<String, Value>, allowed: &[&str], path: &str) -> Result<()> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(err(&format!("{path}.{k}"), "not allowed here by the linkage schema")),
        None => Ok(()),
    }
}

fn obj<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| err(path, "must be an object"))
}

fn req<'a>(m: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a Value> {
    m.get(key).ok_or_else(|| err(&format!("{path}.{key}"), "missing"))
}

fn non_negative_int(v: &Value, path: &str) -> Result<usize> {
    v.as_u64().and_then(|x| usize::try_from(x).ok()).ok_or_else(|| err(path, "must be a non-negative integer"))
}

fn positive_int(v: &Value, path: &str) -> Result<usize> {
    match non_negative_int(v, path)? {
        0 => Err(err(path, "must be at least 1")),
        x => Ok(x),
    }
}

fn string<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    v.as_str().ok_or_else(|| err(path, "must be a string"))
}

fn base64_field(m: &Map<String, Value>, key: &str, path: &str) -> Result<Option<Vec<u8>>> {
    match m.get(key) {
        None => Ok(None),
        Some(v) => {
            let p = format!("{path}.{key}");
            let text = string(v, &p)?;
            base64::engine::general_purpose::STANDARD.decode(text).map(Some).map_err(|_| err(&p, "must be base64"))
        }
    }
}

fn parse_kdf(v: &Value) -> Result<KdfConfig> {
    let path = "$.clkConfig.kdf";
    let m = obj(v, path)?;
    if string(req(m, "type", path)?, "$.clkConfig.kdf.type")? != "HKDF" {
        return Err(err("$.clkConfig.kdf.type", "only HKDF is supported"));
    }
    let hash = match m.get("hash").map(|h| string(h, "$.clkConfig.kdf.hash")).transpose()? {
        None | Some("SHA256") => KdfHash::Sha256,
        Some("SHA512") => KdfHash::Sha512,
        Some(_) => return Err(err("$.clkConfig.kdf.hash", "must be SHA256 or SHA512")),
    };
    let key_size = match m.get("keySize") {
        None => 64,
        Some(k) => positive_int(k, "$.clkConfig.kdf.keySize")?,
    };
    Ok(KdfConfig { hash, salt: base64_field(m, "salt", path)?, info: base64_field(m, "info", path)?, key_size })
}

fn parse_feature(v: &Value, path: &str) -> Result<Feature> {
    let m = obj(v, path)?;
    let identifier = string(req(m, "identifier", path)?, &format!("{path}.identifier"))?.to_owned();
    if m.get("ignored").and_then(Value::as_bool) == Some(true) {
        // clkhash's master schema: an ignored feature has only these keys, unless it is also a
        // complete feature (then it validates as one and is still ignored).
        if !(m.contains_key("format") && m.contains_key("hashing")) {
            only_keys(m, &["identifier", "ignored", "description"], path)?;
        }
        return Ok(Feature { identifier, spec: None });
    }
    let fpath = format!("{path}.format");
    let fm = obj(req(m, "format", path)?, &fpath)?;
    let hpath = format!("{path}.hashing");
    let hm = obj(req(m, "hashing", path)?, &hpath)?;
    only_keys(hm, &["comparison", "strategy", "hash", "missingValue"], &hpath)?;

    let ftype = string(req(fm, "type", &fpath)?, &format!("{fpath}.type"))?;
    let mut encoding = TextEncoding::Utf8;
    let format = match ftype {
        "string" => {
            if let Some(e) = fm.get("encoding") {
                encoding = match string(e, &format!("{fpath}.encoding"))? {
                    "utf-8" => TextEncoding::Utf8,
                    "ascii" => TextEncoding::Ascii,
                    "utf-16" => TextEncoding::Utf16,
                    "utf-32" => TextEncoding::Utf32,
                    _ => {
                        return Err(err(&format!("{fpath}.encoding"), "must be ascii, utf-8, utf-16 or utf-32"));
                    }
                };
            }
            if fm.contains_key("pattern") {
                only_keys(fm, &["type", "encoding", "pattern", "description"], &fpath)?;
            } else {
                only_keys(fm, &["type", "encoding", "case", "minLength", "maxLength", "description"], &fpath)?;
            }
            let rule = if let Some(p) = fm.get("pattern") {
                let ppath = format!("{fpath}.pattern");
                let pattern = string(p, &ppath)?;
                // Python's `re.fullmatch`: the whole value must match.
                let re = regex::Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|source| Error::SchemaPattern { path: ppath, source })?;
                StringRule::Pattern(re)
            } else {
                let case = match fm.get("case").map(|c| string(c, &format!("{fpath}.case"))).transpose()? {
                    None | Some("mixed") => Case::Mixed,
                    Some("upper") => Case::Upper,
                    Some("lower") => Case::Lower,
                    Some(_) => {
                        return Err(err(&format!("{fpath}.case"), "must be upper, lower or mixed"));
                    }
                };
                let min_length =
                    fm.get("minLength").map(|x| non_negative_int(x, &format!("{fpath}.minLength"))).transpose()?;
                let max_length =
                    fm.get("maxLength").map(|x| positive_int(x, &format!("{fpath}.maxLength"))).transpose()?;
                StringRule::Plain { case, min_length, max_length }
            };
            Format::String { rule }
        }
        "integer" => {
            only_keys(fm, &["type", "minimum", "maximum", "description"], &fpath)?;
            let bound = |key: &str| -> Result<Option<i128>> {
                fm.get(key)
                    .map(|x| {
                        x.as_i64().map(i128::from).ok_or_else(|| err(&format!("{fpath}.{key}"), "must be an integer"))
                    })
                    .transpose()
            };
            Format::Integer { minimum: bound("minimum")?, maximum: bound("maximum")? }
        }
        "date" => {
            only_keys(fm, &["type", "format", "description"], &fpath)?;
            let dpath = format!("{fpath}.format");
            let text = string(req(fm, "format", &fpath)?, &dpath)?;
            Format::Date { format: DateFormat::compile(text).map_err(|reason| err(&dpath, reason))? }
        }
        "enum" => {
            only_keys(fm, &["type", "values", "description"], &fpath)?;
            let vpath = format!("{fpath}.values");
            let values = req(fm, "values", &fpath)?
                .as_array()
                .ok_or_else(|| err(&vpath, "must be an array of strings"))?
                .iter()
                .map(|x| string(x, &vpath).map(str::to_owned))
                .collect::<Result<BTreeSet<_>>>()?;
            Format::Enum { values }
        }
        _ => {
            return Err(err(&format!("{fpath}.type"), "must be string, integer, date or enum"));
        }
    };

    let cpath = format!("{hpath}.comparison");
    let cm = obj(req(hm, "comparison", &hpath)?, &cpath)?;
    let comparison = match string(req(cm, "type", &cpath)?, &format!("{cpath}.type"))? {
        "ngram" => {
            let n = positive_int(req(cm, "n", &cpath)?, &format!("{cpath}.n"))?;
            let positional = match cm.get("positional") {
                None => false,
                Some(p) => p.as_bool().ok_or_else(|| err(&format!("{cpath}.positional"), "must be a boolean"))?,
            };
            Comparison::Ngram { n, positional }
        }
        "exact" => Comparison::Exact,
        "numeric" => parse_numeric(cm, &cpath)?,
        _ => {
            return Err(err(&format!("{cpath}.type"), "must be ngram, exact or numeric"));
        }
    };

    let spath = format!("{hpath}.strategy");
    let sm = obj(req(hm, "strategy", &hpath)?, &spath)?;
    only_keys(sm, &["bitsPerToken", "bitsPerFeature"], &spath)?;
    let strategy = match (sm.get("bitsPerToken"), sm.get("bitsPerFeature")) {
        (Some(k), None) => Strategy::BitsPerToken(positive_int(k, &format!("{spath}.bitsPerToken"))?),
        (None, Some(k)) => Strategy::BitsPerFeature(positive_int(k, &format!("{spath}.bitsPerFeature"))?),
        _ => {
            return Err(err(&spath, "needs exactly one of bitsPerToken or bitsPerFeature"));
        }
    };

    let hash = match hm.get("hash") {
        None => HashKind::Blake,
        Some(h) => {
            let hp = format!("{hpath}.hash");
            let hm2 = obj(h, &hp)?;
            let ps = hm2
                .get("prevent_singularity")
                .map(|p| p.as_bool().ok_or_else(|| err(&format!("{hp}.prevent_singularity"), "must be a boolean")))
                .transpose()?;
            match string(req(hm2, "type", &hp)?, &format!("{hp}.type"))? {
                "doubleHash" => HashKind::Double { prevent_singularity: ps.unwrap_or(false) },
                "blakeHash" if ps.is_none() => HashKind::Blake,
                "blakeHash" => {
                    return Err(err(&format!("{hp}.prevent_singularity"), "only allowed with doubleHash"));
                }
                _ => {
                    return Err(err(&format!("{hp}.type"), "must be doubleHash or blakeHash"));
                }
            }
        }
    };

    let missing = match hm.get("missingValue") {
        None => None,
        Some(mv) => {
            let mp = format!("{hpath}.missingValue");
            let mm = obj(mv, &mp)?;
            let sentinel = string(req(mm, "sentinel", &mp)?, &format!("{mp}.sentinel"))?.to_owned();
            let replace_with = match mm.get("replaceWith") {
                None => sentinel.clone(),
                Some(r) => string(r, &format!("{mp}.replaceWith"))?.to_owned(),
            };
            Some(MissingValue { sentinel, replace_with })
        }
    };

    Ok(Feature {
        identifier,
        spec: Some(FieldSpec { format, hashing: Hashing { comparison, strategy, hash, encoding, missing } }),
    })
}

fn parse_numeric(cm: &Map<String, Value>, cpath: &str) -> Result<Comparison> {
    let tpath = format!("{cpath}.thresholdDistance");
    let threshold = req(cm, "thresholdDistance", cpath)?
        .as_f64()
        .filter(|t| *t > 0.0 && t.is_finite())
        .ok_or_else(|| err(&tpath, "must be a positive number"))?;
    let resolution = positive_int(req(cm, "resolution", cpath)?, &format!("{cpath}.resolution"))?;
    let fractional_precision = match cm.get("fractional_precision") {
        None => 0,
        Some(f) => u32::try_from(non_negative_int(f, &format!("{cpath}.fractional_precision"))?)
            .ok()
            .filter(|p| *p <= 30)
            .ok_or_else(|| err(&format!("{cpath}.fractional_precision"), "too large"))?,
    };
    // clkhash: int(round(threshold_distance * 10**fractional_precision)), Python rounding
    // half to even.
    let scaled = (threshold * 10f64.powi(fractional_precision as i32)).round_ties_even();
    if !(1.0..1e30).contains(&scaled) {
        return Err(err(&tpath, "not enough fractional precision to encode thresholdDistance"));
    }
    Ok(Comparison::Numeric { distance_interval: scaled as i128, resolution: resolution as i128, fractional_precision })
}

/// clkhash's `_convert_v2_to_v3`: `k` becomes `bitsPerToken`, `numBits` becomes
/// `bitsPerFeature`, and `ngram`/`positional` become an n-gram comparison.
fn convert_v2_to_v3(root: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut out = root.clone();
    out.insert("version".into(), Value::from(3));
    let Some(Value::Array(features)) = out.get_mut("features") else {
        return Err(err("$.features", "must be an array"));
    };
    for (i, f) in features.iter_mut().enumerate() {
        let path = format!("$.features[{i}]");
        let Value::Object(fm) = f else {
            return Err(err(&path, "must be an object"));
        };
        if fm.get("ignored").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let Some(Value::Object(hm)) = fm.get_mut("hashing") else {
            return Err(err(&format!("{path}.hashing"), "missing"));
        };
        if let Some(Value::Object(sm)) = hm.get_mut("strategy") {
            if let Some(k) = sm.remove("k") {
                sm.insert("bitsPerToken".into(), k);
            } else if let Some(k) = sm.remove("numBits") {
                sm.insert("bitsPerFeature".into(), k);
            }
        }
        let n = hm.remove("ngram").ok_or_else(|| err(&format!("{path}.hashing.ngram"), "missing"))?;
        let positional = hm.remove("positional").unwrap_or(Value::Bool(false));
        let mut cmp = Map::new();
        cmp.insert("type".into(), Value::from("ngram"));
        cmp.insert("n".into(), n);
        cmp.insert("positional".into(), positional);
        hm.insert("comparison".into(), Value::Object(cmp));
    }
    Ok(out)
}
