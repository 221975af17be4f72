//! Hardening of Bloom-filter encodings against frequency and pattern-mining attacks — Palermo's
//! extension of the linkage schema, under the top-level key `x-palermo` (clkhash ignores it, so a
//! hardened schema is read by both tools but only Palermo produces the hardened encodings; every
//! agency of one linkage must then use Palermo).
//!
//! ```json
//! "x-palermo": { "hardening": {
//!     "salt": { "field": "yob", "columns": ["firstname", "lastname"] },
//!     "diffusion": { "outputBits": 1024, "inputsPerBit": 3 },
//!     "balance": true,
//!     "flipProbability": 0.02
//! } }
//! ```
//!
//! Applied in this order, each optional:
//! 1. **Salting** (Niedermeyer et al. 2014; Ranbaduge and Schnell 2020): every token of the
//!    listed columns (default: every hashed column but the salt field) is hashed together with
//!    the record's value of a stable attribute (e.g. year of birth). The same name then sets
//!    different bits for people born in different years, which breaks the link between a name's
//!    frequency and a bit pattern's frequency. Records whose salt attribute differs no longer
//!    match on the salted columns: choose an attribute that is rarely wrong.
//! 2. **XOR folding** is clkhash's own `clkConfig.xor_folds` (Schnell, Borgs and Encarnação 2016)
//!    and stays compatible with clkhash.
//! 3. **Diffusion** (Armknecht, Heng and Schnell 2023, "Strengthening privacy-preserving record
//!    linkage using diffusion", PoPETs): output bit `j` is the XOR of `inputsPerBit` filter bits at
//!    positions drawn with a key derived from the secret. Single bits no longer belong to single
//!    tokens, which defeats attacks that map bit positions to q-grams.
//! 4. **Balancing** (Schnell and Borgs 2016, "Randomized response and balanced Bloom filters for
//!    privacy preserving record linkage", ICDMW): the filter is concatenated with its complement
//!    and the bits are permuted with a keyed permutation. Every encoding then has exactly half its
//!    bits set, so the Hamming weight no longer reveals the length of a name.
//! 5. **Random bit flips** (randomised response; Schnell and Borgs 2016): each bit is flipped
//!    with probability `flipProbability`, with a generator seeded per record by HMAC-SHA256 of the
//!    record's index and filter under a key derived from the secret, so the output is
//!    reproducible but identical names no longer give identical encodings.
//!
//! The keys come from the secret through HKDF-SHA256 with the info string
//! `palermo/clk/hardening/v1`, independent of clkhash's per-column keys. See `THREAT_MODEL.md`.

use hmac::{Hmac, Mac};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::clk::Clk;
use crate::error::{Error, Result};
use crate::schema::{Feature, Schema};

/// Parsed `x-palermo.hardening`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hardening {
    salt: Option<Salt>,
    diffusion: Option<Diffusion>,
    balance: bool,
    flip_probability: f64,
}

#[derive(Debug, Clone)]
struct Salt {
    field: usize,
    /// Columns whose tokens are salted.
    columns: Vec<usize>,
}

#[derive(Debug, Clone, Copy)]
struct Diffusion {
    output_bits: usize,
    inputs_per_bit: usize,
}

/// Keys derived from the secret for hardening, and the keyed structures (diffusion taps,
/// balancing permutation) drawn once per schema and secret.
pub(crate) struct HardeningKeys {
    flip_key: [u8; 32],
    /// `inputs_per_bit` input positions per output bit, back to back.
    diffusion_taps: Vec<usize>,
    permutation: Vec<usize>,
}

impl HardeningKeys {
    pub(crate) fn derive(secret: &[u8], hardening: &Hardening, l: usize) -> HardeningKeys {
        let mut okm = [0u8; 64];
        // 64 bytes is far below HKDF-SHA256's limit of 8160, so expansion cannot fail.
        let _ = hkdf::Hkdf::<Sha256>::new(None, secret).expand(b"palermo/clk/hardening/v1", &mut okm);
        let mut structure_seed = [0u8; 32];
        let mut flip_key = [0u8; 32];
        structure_seed.copy_from_slice(&okm[..32]);
        flip_key.copy_from_slice(&okm[32..]);
        let mut diffusion_taps = Vec::new();
        let mut n = l;
        if let Some(d) = hardening.diffusion {
            let mut rng = structure_rng(&structure_seed, 1);
            let t = d.inputs_per_bit.min(l);
            for _ in 0..d.output_bits {
                // Distinct positions per output bit, so no input bit cancels itself.
                let start = diffusion_taps.len();
                while diffusion_taps.len() - start < t {
                    let p = rng.random_range(0..l);
                    if !diffusion_taps[start..].contains(&p) {
                        diffusion_taps.push(p);
                    }
                }
            }
            n = d.output_bits;
        }
        let mut permutation = Vec::new();
        if hardening.balance {
            permutation = (0..2 * n).collect();
            let mut rng = structure_rng(&structure_seed, 2);
            // Fisher–Yates with the keyed generator.
            for i in (1..permutation.len()).rev() {
                let j = rng.random_range(0..=i);
                permutation.swap(i, j);
            }
        }
        HardeningKeys { flip_key, diffusion_taps, permutation }
    }
}

fn err(path: &str, reason: &str) -> Error {
    Error::Schema { path: path.to_owned(), reason: reason.to_owned() }
}

fn column_index(features: &[Feature], v: &Value, path: &str) -> Result<usize> {
    let name = v.as_str().ok_or_else(|| err(path, "must be a column identifier"))?;
    features.iter().position(|f| f.identifier == name).ok_or_else(|| err(path, "names no column of the schema"))
}

impl Hardening {
    /// Parse `x-palermo`; `None` when it has no `hardening` key.
    pub(crate) fn from_json(v: &Value, features: &[Feature], path: &str) -> Result<Option<Hardening>> {
        let m = v.as_object().ok_or_else(|| err(path, "must be an object"))?;
        let Some(h) = m.get("hardening") else {
            return Ok(None);
        };
        let path = format!("{path}.hardening");
        let hm: &Map<String, Value> = h.as_object().ok_or_else(|| err(&path, "must be an object"))?;
        for key in hm.keys() {
            if !matches!(key.as_str(), "salt" | "diffusion" | "balance" | "flipProbability") {
                return Err(err(&format!("{path}.{key}"), "unknown hardening option"));
            }
        }
        let mut out = Hardening::default();
        if let Some(s) = hm.get("salt") {
            let sp = format!("{path}.salt");
            let sm = s.as_object().ok_or_else(|| err(&sp, "must be an object"))?;
            let field = column_index(features, sm.get("field").unwrap_or(&Value::Null), &format!("{sp}.field"))?;
            let columns = match sm.get("columns") {
                Some(Value::Array(cols)) => {
                    cols.iter().map(|c| column_index(features, c, &format!("{sp}.columns"))).collect::<Result<_>>()?
                }
                Some(_) => {
                    return Err(err(&format!("{sp}.columns"), "must be an array of column identifiers"));
                }
                None => (0..features.len()).filter(|&i| i != field && features[i].spec.is_some()).collect(),
            };
            out.salt = Some(Salt { field, columns });
        }
        if let Some(d) = hm.get("diffusion") {
            let dp = format!("{path}.diffusion");
            let dm = d.as_object().ok_or_else(|| err(&dp, "must be an object"))?;
            let get = |k: &str| -> Result<usize> {
                dm.get(k)
                    .and_then(Value::as_u64)
                    .and_then(|x| usize::try_from(x).ok())
                    .filter(|x| *x >= 1)
                    .ok_or_else(|| err(&format!("{dp}.{k}"), "must be a positive integer"))
            };
            out.diffusion = Some(Diffusion { output_bits: get("outputBits")?, inputs_per_bit: get("inputsPerBit")? });
        }
        if let Some(b) = hm.get("balance") {
            out.balance = b.as_bool().ok_or_else(|| err(&format!("{path}.balance"), "must be a boolean"))?;
        }
        if let Some(p) = hm.get("flipProbability") {
            out.flip_probability = p
                .as_f64()
                .filter(|p| (0.0..0.5).contains(p))
                .ok_or_else(|| err(&format!("{path}.flipProbability"), "must be in [0, 0.5)"))?;
        }
        Ok(Some(out))
    }

    pub(crate) fn is_active(&self) -> bool {
        self.salt.is_some() || self.diffusion.is_some() || self.balance || self.flip_probability > 0.0
    }

    pub(crate) fn output_bits(&self, l: usize) -> usize {
        let after_diffusion = self.diffusion.map_or(l, |d| d.output_bits);
        if self.balance { 2 * after_diffusion } else { after_diffusion }
    }

    pub(crate) fn salts_column(&self, col: usize) -> bool {
        self.salt.as_ref().is_some_and(|s| s.columns.contains(&col))
    }

    pub(crate) fn salt_identifier<'a>(&self, schema: &'a Schema) -> &'a str {
        self.salt.as_ref().map_or("", |s| schema.features[s.field].identifier.as_str())
    }

    /// The record's salt: its value of the salt field, formatted as for hashing.
    pub(crate) fn salt_value<S: AsRef<str>>(
        &self,
        schema: &Schema,
        record: &[S],
    ) -> std::result::Result<Option<Vec<u8>>, &'static str> {
        let Some(salt) = &self.salt else {
            return Ok(None);
        };
        let raw = record.get(salt.field).map_or("", |v| v.as_ref());
        Ok(Some(match &schema.features[salt.field].spec {
            Some(spec) => crate::field::prepare(spec, raw)?.into_owned().into_bytes(),
            None => raw.trim().as_bytes().to_vec(),
        }))
    }

    /// Diffusion, balancing and flips on a folded filter of record `row`.
    pub(crate) fn apply(&self, mut clk: Clk, keys: &HardeningKeys, row: usize) -> Clk {
        if let Some(d) = self.diffusion {
            clk = diffuse(&clk, d, &keys.diffusion_taps);
        }
        if self.balance {
            clk = balance(&clk, &keys.permutation);
        }
        if self.flip_probability > 0.0 {
            // HMAC accepts keys of any length, so this cannot fail.
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&keys.flip_key).unwrap_or_else(|_| unreachable!());
            mac.update(&(row as u64).to_le_bytes());
            mac.update(&clk.to_bytes());
            let seed: [u8; 32] = mac.finalize().into_bytes().into();
            let mut rng = ChaCha20Rng::from_seed(seed);
            for i in 0..clk.n_bits() {
                if rng.random_bool(self.flip_probability) {
                    clk.flip(i);
                }
            }
        }
        clk
    }
}

/// A generator for the structural randomness of one transformation, separated by `label` so
/// that diffusion and balancing use independent streams.
fn structure_rng(seed: &[u8; 32], label: u64) -> ChaCha20Rng {
    let mut rng = ChaCha20Rng::from_seed(*seed);
    rng.set_stream(label);
    rng
}

fn diffuse(clk: &Clk, d: Diffusion, taps: &[usize]) -> Clk {
    let mut out = Clk::zeros(d.output_bits);
    let t = taps.len() / d.output_bits.max(1);
    for (j, group) in taps.chunks(t.max(1)).enumerate() {
        if group.iter().filter(|&&p| clk.bit(p)).count() % 2 == 1 {
            out.set(j);
        }
    }
    out
}

fn balance(clk: &Clk, permutation: &[usize]) -> Clk {
    let n = clk.n_bits();
    let mut out = Clk::zeros(2 * n);
    for (src, &dst) in permutation.iter().enumerate() {
        let bit = if src < n { clk.bit(src) } else { !clk.bit(src - n) };
        if bit {
            out.set(dst);
        }
    }
    out
}
