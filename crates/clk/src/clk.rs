//! The encoding type ([`Clk`], a bit-packed Bloom filter) and clkhash's JSON output format
//! `{"clks": [base64, …]}`.
//!
//! Bit `i` of an encoding is bit `7 - i % 8` of byte `i / 8`, as in Python's `bitarray` (big-endian
//! bit order) whose `tobytes()` clkhash base64-encodes. In memory the bytes are packed into `u64`
//! words big-endian, so that bit `i` is bit `63 - i % 64` of word `i / 64` and popcounts need no
//! unpacking.

use base64::Engine as _;

use crate::error::{Error, Result};

/// One encoding (a cryptographic long-term key, CLK): a Bloom filter of `n_bits` bits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Clk {
    n_bits: usize,
    words: Vec<u64>,
}

impl std::fmt::Debug for Clk {
    // An encoding is personal data: Debug shows its length only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clk({} bits)", self.n_bits)
    }
}

impl Clk {
    /// An all-zero encoding of `n_bits` bits.
    pub fn zeros(n_bits: usize) -> Clk {
        Clk { n_bits, words: vec![0; n_bits.div_ceil(64)] }
    }

    /// Build from bytes (as `bitarray.tobytes()` gives them); the length is `8 * bytes.len()`.
    pub fn from_bytes(bytes: &[u8]) -> Clk {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        for (w, chunk) in words.iter_mut().zip(bytes.chunks(8)) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            *w = u64::from_be_bytes(buf);
        }
        Clk { n_bits: bytes.len() * 8, words }
    }

    /// The bytes, `ceil(n_bits / 8)` of them, trailing bits zero.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out: Vec<u8> = self.words.iter().flat_map(|w| w.to_be_bytes()).collect();
        out.truncate(self.n_bits.div_ceil(8));
        out
    }

    /// Length in bits.
    pub fn n_bits(&self) -> usize {
        self.n_bits
    }

    /// The packed words (bit `i` is bit `63 - i % 64` of word `i / 64`).
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Number of set bits (the Hamming weight).
    pub fn popcount(&self) -> u32 {
        self.words.iter().map(|w| w.count_ones()).sum()
    }

    /// Whether bit `i` is set.
    pub fn bit(&self, i: usize) -> bool {
        self.words[i >> 6] >> (63 - (i & 63)) & 1 == 1
    }

    /// Set bit `i`.
    pub fn set(&mut self, i: usize) {
        self.words[i >> 6] |= 1u64 << (63 - (i & 63));
    }

    /// Flip bit `i`.
    pub(crate) fn flip(&mut self, i: usize) {
        self.words[i >> 6] ^= 1u64 << (63 - (i & 63));
    }

    /// clkhash's `fold_xor`: `folds` times, XOR the first half with the second half.
    pub(crate) fn fold_xor(mut self, folds: u32) -> Clk {
        for _ in 0..folds {
            let half = self.n_bits / 2;
            let mut out = Clk::zeros(half);
            if half.is_multiple_of(64) {
                let hw = half / 64;
                for (o, (a, b)) in out.words.iter_mut().zip(self.words[..hw].iter().zip(&self.words[hw..])) {
                    *o = a ^ b;
                }
            } else {
                for i in 0..half {
                    if self.bit(i) ^ self.bit(i + half) {
                        out.set(i);
                    }
                }
            }
            self = out;
        }
        self
    }

    /// Dice coefficient `2|a∧b| / (|a|+|b|)`, 0 when both are empty (as anonlink).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when the lengths differ.
    pub fn dice(&self, other: &Clk) -> Result<f64> {
        if self.n_bits != other.n_bits {
            return Err(Error::LengthMismatch { left: self.n_bits, right: other.n_bits });
        }
        let common: u32 = self.words.iter().zip(&other.words).map(|(a, b)| (a & b).count_ones()).sum();
        let total = self.popcount() + other.popcount();
        Ok(if total == 0 { 0.0 } else { f64::from(2 * common) / f64::from(total) })
    }

    /// Standard base64 of the bytes, as clkhash's `serialize_bitarray`.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.to_bytes())
    }

    /// Decode standard base64.
    ///
    /// # Errors
    /// [`Error::ClkJson`] when the text is not base64 (the text itself is not repeated).
    pub fn from_base64(text: &str) -> Result<Clk> {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map(|b| Clk::from_bytes(&b))
            .map_err(|_| Error::ClkJson { reason: "an encoding is not valid base64".into() })
    }
}

/// Write encodings as clkhash does: `json.dump({"clks": [...]})`, i.e. `{"clks": ["…", "…"]}`
/// with Python's default separators (`", "` and `": "`).
pub fn clks_to_json(clks: &[Clk]) -> String {
    let mut out = String::with_capacity(16 + clks.len() * (clks.first().map_or(0, |c| c.n_bits / 6 + 8)));
    out.push_str("{\"clks\": [");
    for (i, c) in clks.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(&c.to_base64());
        out.push('"');
    }
    out.push_str("]}");
    out
}

/// Read `{"clks": [base64, …]}` (any JSON whitespace; other top-level keys are ignored).
///
/// # Errors
/// [`Error::ClkJson`] when the text is not of that shape; the message gives the position of a
/// bad entry, never its content.
pub fn clks_from_json(json: &str) -> Result<Vec<Clk>> {
    #[derive(serde::Deserialize)]
    struct File {
        clks: Vec<String>,
    }
    let file: File = serde_json::from_str(json).map_err(|e| Error::ClkJson {
        // serde_json's message may quote input; keep only the category and position.
        reason: format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column()),
    })?;
    file.clks
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Clk::from_base64(s).map_err(|_| Error::ClkJson { reason: format!("entry {i} is not valid base64") })
        })
        .collect()
}
