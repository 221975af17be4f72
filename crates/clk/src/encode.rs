//! Encoding records into CLKs, bit-identical to clkhash 0.18 for the same schema and secret.
//!
//! Method (Schnell, Bachteler and Reiher 2011, "A novel error-tolerant anonymous linking code";
//! clkhash's `bloomfilter.py`): every column's value is validated and formatted, split into
//! tokens, and each token sets `k` bits of one shared Bloom filter of `l * 2^xor_folds` bits,
//! chosen by a keyed hash; the filter is then XOR-folded to `l` bits.
//!
//! * Keys: HKDF (RFC 5869) over the secret gives `2 × n_columns` keys of `keySize` bytes
//!   (ignored columns included), two per column in column order.
//! * `doubleHash`: `g_i = (HMAC-SHA1(key₀, t) + i · HMAC-MD5(key₁, t)) mod L` for `i < k`, the
//!   digests read as big-endian integers reduced mod `L` first. With `prevent_singularity`, an
//!   MD5 part that is 0 mod `L` is recomputed over `t ‖ chr(j)` for `j = 0, 1, …`.
//! * `blakeHash` (default): keyed BLAKE2b-512 of the token with salt `str(j)` for
//!   `j < ceil(k/32)`, each digest read as 32 little-endian `u16`, the first `k` taken mod `L`.
//!
//! The work is spread over all cores with rayon in chunks; the output order is the input order
//! and does not depend on the number of threads.

use blake2::Blake2bMac512;
use hmac::{Hmac, Mac};
use md5::Md5;
use rayon::prelude::*;
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use crate::clk::Clk;
use crate::error::{Error, Result};
use crate::field::{Tokens, prepare, tokenize};
use crate::schema::{HashKind, KdfHash, Schema};

/// Least records per rayon task: the per-task token cache needs some records to warm up.
const MIN_CHUNK: usize = 512;

/// clkhash's `generate_key_lists`: HKDF over the secret, split into `n_keys` keys.
pub(crate) fn derive_keys(schema: &Schema, secret: &[u8], n_keys: usize) -> Result<Vec<Vec<u8>>> {
    let size = schema.kdf.key_size;
    let mut okm = vec![0u8; n_keys * size];
    let info = schema.kdf.info.as_deref().unwrap_or(&[]);
    let salt = schema.kdf.salt.as_deref();
    let ok = match schema.kdf.hash {
        KdfHash::Sha256 => hkdf::Hkdf::<Sha256>::new(salt, secret).expand(info, &mut okm).is_ok(),
        KdfHash::Sha512 => hkdf::Hkdf::<Sha512>::new(salt, secret).expand(info, &mut okm).is_ok(),
    };
    if !ok {
        return Err(Error::Kdf { reason: "too many columns or too large keySize for HKDF's output limit" });
    }
    Ok(okm.chunks(size).map(<[u8]>::to_vec).collect())
}

/// Per-column hashing state, keyed once and cloned per token.
#[derive(Clone)]
enum ColumnHasher {
    Double { sha1: Box<Hmac<Sha1>>, md5: Box<Hmac<Md5>>, prevent_singularity: bool },
    Blake { key: Vec<u8> },
}

/// Everything needed to encode records with one schema and secret.
pub(crate) struct Encoder<'s> {
    schema: &'s Schema,
    hashers: Vec<Option<ColumnHasher>>,
    /// Length of the filter before folding.
    hash_l: usize,
    pub(crate) hardening_keys: Option<crate::harden::HardeningKeys>,
}

impl<'s> Encoder<'s> {
    pub(crate) fn new(schema: &'s Schema, secret: &[u8]) -> Result<Encoder<'s>> {
        let n = schema.features.len();
        let keys = derive_keys(schema, secret, 2 * n)?;
        let mut hashers = Vec::with_capacity(n);
        for (i, f) in schema.features.iter().enumerate() {
            let (k0, k1) = (&keys[2 * i], &keys[2 * i + 1]);
            hashers.push(f.spec.as_ref().map(|s| match s.hashing.hash {
                HashKind::Double { prevent_singularity } => ColumnHasher::Double {
                    // HMAC takes keys of any length; these cannot fail.
                    sha1: Box::new(<Hmac<Sha1> as Mac>::new_from_slice(k0).unwrap_or_else(|_| unreachable!())),
                    md5: Box::new(<Hmac<Md5> as Mac>::new_from_slice(k1).unwrap_or_else(|_| unreachable!())),
                    prevent_singularity,
                },
                HashKind::Blake => ColumnHasher::Blake { key: k0.clone() },
            }));
        }
        let hardening_keys = match &schema.hardening {
            Some(h) if h.is_active() => Some(crate::harden::HardeningKeys::derive(secret, h, schema.l)),
            _ => None,
        };
        Ok(Encoder { schema, hashers, hash_l: schema.hash_bits(), hardening_keys })
    }

    /// Encode one record into a filter of `hash_l` bits, folded to `l`, then hardened.
    pub(crate) fn encode_record<S: AsRef<str>>(&self, row: usize, record: &[S], scratch: &mut Scratch) -> Result<Clk> {
        let Scratch { tokens, salted, cache } = scratch;
        let features = &self.schema.features;
        if record.len() != features.len() {
            return Err(Error::RowLength { row, found: record.len(), expected: features.len() });
        }
        let salt = match &self.schema.hardening {
            Some(h) => h.salt_value(self.schema, record).map_err(|reason| Error::InvalidEntry {
                row,
                field: h.salt_identifier(self.schema).to_owned(),
                reason,
            })?,
            None => None,
        };
        let mut bf = Clk::zeros(self.hash_l);
        for (col, (feature, hasher)) in features.iter().zip(&self.hashers).enumerate() {
            let (Some(spec), Some(hasher)) = (&feature.spec, hasher) else {
                continue;
            };
            let invalid = |reason| Error::InvalidEntry { row, field: feature.identifier.clone(), reason };
            let text = prepare(spec, record[col].as_ref()).map_err(invalid)?;
            tokenize(spec.hashing.comparison, spec.hashing.encoding, &text, tokens).map_err(invalid)?;
            let n_tokens = tokens.len();
            let salt_here =
                salt.as_ref().filter(|_| self.schema.hardening.as_ref().is_some_and(|h| h.salts_column(col)));
            for (t_idx, token) in tokens.iter().enumerate() {
                let k = spec.hashing.strategy.bits_for(n_tokens, t_idx);
                let bytes: &[u8] = match salt_here {
                    Some(s) => {
                        // Salting (Palermo extension): the token is hashed together with the
                        // record's stable attribute, separated by a unit separator.
                        salted.clear();
                        salted.extend_from_slice(token);
                        salted.push(0x1F);
                        salted.extend_from_slice(s);
                        salted.as_slice()
                    }
                    None => token,
                };
                hash_token(hasher, &mut cache[col], bytes, k, self.hash_l, &mut bf);
            }
        }
        let folded = bf.fold_xor(self.schema.xor_folds);
        match (&self.schema.hardening, &self.hardening_keys) {
            (Some(h), Some(keys)) => Ok(h.apply(folded, keys, row)),
            _ => Ok(folded),
        }
    }
}

/// Big-endian integer value of `digest` modulo `l` (Python's `int.from_bytes(d, 'big') % l`).
fn be_mod(digest: &[u8], l: usize) -> usize {
    let l = l as u128;
    let mut r: u128 = 0;
    for &b in digest {
        r = ((r << 8) | u128::from(b)) % l;
    }
    r as usize
}

/// What a token hashes to, independent of how many bits it sets: both residues for
/// `doubleHash`; for `blakeHash` the 16-bit numbers of as many digests as were needed so far.
#[derive(Clone)]
enum TokenHash {
    Double { first: usize, step: usize },
    Blake(Vec<u16>),
}

/// Entries per column before a worker's cache is emptied, to bound memory (clkhash caches too,
/// with `lru_cache`).
const CACHE_LIMIT: usize = 1 << 16;

/// Token bytes to their hash. Fx hashing: the keys are the agency's own tokens, so hash
/// flooding is no concern, and SipHash would cost more than the lookups save.
type TokenCache = rustc_hash::FxHashMap<Vec<u8>, TokenHash>;

/// Per-worker scratch space: token buffers and a cache of token hashes per column. Names, dates
/// and their n-grams repeat a lot, so most tokens are found in the cache.
pub(crate) struct Scratch {
    tokens: Tokens,
    salted: Vec<u8>,
    cache: Vec<TokenCache>,
}

impl Scratch {
    pub(crate) fn new(n_columns: usize) -> Scratch {
        Scratch {
            tokens: Tokens::default(),
            salted: Vec::new(),
            cache: (0..n_columns).map(|_| TokenCache::default()).collect(),
        }
    }
}

/// `str(j).encode()` without allocating: the decimal digits of `j`.
fn itoa_buf(mut j: usize) -> DigitBuf {
    let mut digits = [0u8; 20];
    let mut n = 0;
    loop {
        digits[19 - n] = b'0' + (j % 10) as u8;
        n += 1;
        j /= 10;
        if j == 0 {
            break;
        }
    }
    DigitBuf { digits, n }
}

struct DigitBuf {
    digits: [u8; 20],
    n: usize,
}

impl DigitBuf {
    fn as_slice(&self) -> &[u8] {
        &self.digits[20 - self.n..]
    }
}

fn blake_values(key: &[u8], token: &[u8], n_macs: usize, values: &mut Vec<u16>) {
    for j in values.len() / 32..n_macs {
        let salt = itoa_buf(j);
        // Key (≤ 64 bytes, checked with the schema) and salt (≤ 16 bytes) lengths are valid, so
        // construction cannot fail.
        let Ok(mut mac) = Blake2bMac512::new_with_salt_and_personal(key, salt.as_slice(), &[]) else {
            return;
        };
        mac.update(token);
        // struct.unpack('32H') reads native (little-endian) unsigned shorts.
        values.extend(mac.finalize().into_bytes().chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])));
    }
}

fn compute_token_hash(hasher: &ColumnHasher, token: &[u8], k: usize, l: usize) -> TokenHash {
    match hasher {
        ColumnHasher::Double { sha1, md5, prevent_singularity } => {
            let mut h1 = (**sha1).clone();
            h1.update(token);
            let first = be_mod(&h1.finalize().into_bytes(), l);
            let mut h2 = (**md5).clone();
            h2.update(token);
            let mut step = be_mod(&h2.finalize().into_bytes(), l);
            if *prevent_singularity {
                // clkhash appends chr(j).encode() (UTF-8) and retries until the step is non-zero.
                let mut j: u32 = 0;
                let mut buf = [0u8; 4];
                while step == 0 {
                    let Some(c) = char::from_u32(j) else { break };
                    let mut h = (**md5).clone();
                    h.update(token);
                    h.update(c.encode_utf8(&mut buf).as_bytes());
                    step = be_mod(&h.finalize().into_bytes(), l);
                    j += 1;
                }
            }
            TokenHash::Double { first, step }
        }
        ColumnHasher::Blake { key } => {
            let mut values = Vec::with_capacity(32 * k.div_ceil(32));
            blake_values(key, token, k.div_ceil(32), &mut values);
            TokenHash::Blake(values)
        }
    }
}

impl TokenHash {
    /// Whether the cached numbers suffice for `k` bits.
    fn covers(&self, k: usize) -> bool {
        match self {
            TokenHash::Double { .. } => true,
            TokenHash::Blake(values) => values.len() >= k,
        }
    }

    /// Set the token's `k` bits in `bf` of `l` bits.
    fn apply(&self, k: usize, l: usize, bf: &mut Clk) {
        match self {
            TokenHash::Double { first, step } => {
                // (first + i·step) mod l, incrementally: both are already reduced mod l.
                let mut pos = *first;
                for _ in 0..k {
                    bf.set(pos);
                    pos += step;
                    if pos >= l {
                        pos -= l;
                    }
                }
            }
            TokenHash::Blake(values) => {
                if l.is_power_of_two() {
                    for &v in values.iter().take(k) {
                        bf.set(v as usize & (l - 1));
                    }
                } else {
                    for &v in values.iter().take(k) {
                        bf.set(v as usize % l);
                    }
                }
            }
        }
    }
}

/// Set the `k` bits of `token` in `bf` (of `l` bits), through the worker's cache.
fn hash_token(hasher: &ColumnHasher, cache: &mut TokenCache, token: &[u8], k: usize, l: usize, bf: &mut Clk) {
    if let Some(hit) = cache.get(token)
        && hit.covers(k)
    {
        hit.apply(k, l, bf);
        return;
    }
    let mut entry = match cache.remove(token) {
        Some(e) => e,
        None => compute_token_hash(hasher, token, k, l),
    };
    if let (TokenHash::Blake(values), ColumnHasher::Blake { key }) = (&mut entry, hasher)
        && values.len() < k
    {
        blake_values(key, token, k.div_ceil(32), values);
    }
    entry.apply(k, l, bf);
    if cache.len() >= CACHE_LIMIT {
        cache.clear();
    }
    cache.insert(token.to_vec(), entry);
}

/// The secret as a file holds it, read the way a shell reads `"$(cat FILE)"`: trailing newlines
/// removed. clkhash takes its secret as a string (`generate_clks(..., secret)`, or on the command
/// line), so an agency that keeps the secret in a file written by an editor, which ends it with a
/// newline, gets the same encodings from both tools only if that newline is dropped.
pub fn secret_from_file(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && bytes[end - 1] == b'\n' {
        end -= 1;
    }
    &bytes[..end]
}

/// Encode `records` (each with one string per schema feature, in schema order) with the
/// schema and the secret. Parallel over all cores; the result is in input order and identical
/// whatever the number of threads.
///
/// Bit-identical to clkhash 0.18's `generate_clks(records, schema, secret)` for schemas
/// without the `x-palermo` extension.
///
/// # Errors
/// [`Error::RowLength`] or [`Error::InvalidEntry`] for the first bad record (in input order),
/// [`Error::Kdf`] when the key derivation cannot give enough key material. Errors never contain
/// a value.
pub fn encode<R, S>(schema: &Schema, secret: &[u8], records: &[R]) -> Result<Vec<Clk>>
where
    R: AsRef<[S]> + Sync,
    S: AsRef<str>,
{
    let encoder = Encoder::new(schema, secret)?;
    let n_columns = schema.features.len();
    // A few contiguous pieces per thread, each with one warm cache: names and dates repeat, so
    // a cache that lives through many records saves most of the hashing.
    let chunk = records.len().div_ceil(4 * rayon::current_num_threads()).max(MIN_CHUNK);
    let chunks: Vec<Result<Vec<Clk>>> = records
        .par_chunks(chunk)
        .enumerate()
        .map(|(c, piece)| {
            let mut scratch = Scratch::new(n_columns);
            piece
                .iter()
                .enumerate()
                .map(|(i, r)| encoder.encode_record(c * chunk + i, r.as_ref(), &mut scratch))
                .collect()
        })
        .collect();
    let mut out = Vec::with_capacity(records.len());
    for chunk in chunks {
        out.extend(chunk?);
    }
    Ok(out)
}

/// Single-threaded [`encode`], for measuring per-core speed and for callers that manage their
/// own parallelism.
///
/// # Errors
/// As [`encode`].
pub fn encode_sequential<R, S>(schema: &Schema, secret: &[u8], records: &[R]) -> Result<Vec<Clk>>
where
    R: AsRef<[S]>,
    S: AsRef<str>,
{
    let encoder = Encoder::new(schema, secret)?;
    let mut scratch = Scratch::new(schema.features.len());
    records.iter().enumerate().map(|(i, r)| encoder.encode_record(i, r.as_ref(), &mut scratch)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn be_mod_matches_big_integer_arithmetic() {
        // 0x0102 = 258; 258 mod 7 = 6.
        assert_eq!(be_mod(&[1, 2], 7), 6);
        // 2^64 mod 1000 = 18446744073709551616 mod 1000 = 616.
        assert_eq!(be_mod(&[1, 0, 0, 0, 0, 0, 0, 0, 0], 1000), 616);
    }
}
