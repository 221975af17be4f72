//! Keyed block keys: agencies turn a blocking value (say, the first letter of the surname and
//! the year of birth) into an opaque 64-bit key with the shared secret, so that the hub can
//! compare only encodings that share a key ([`crate::candidate_pairs_blocked`]) without learning
//! the value.
//!
//! The key is the first 8 bytes of HMAC-SHA256 under a key derived from the secret (HKDF-SHA256,
//! info `palermo/clk/block/v1`) of the parts joined by the unit separator `0x1F`. Block keys leak
//! what any exact pseudonym leaks: the hub sees which records share a value and how large each
//! block is, and block sizes follow the frequencies of the underlying values. Use coarse values
//! (large blocks), and see `THREAT_MODEL.md`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A keyed hasher of blocking values, made once per secret.
#[derive(Clone)]
pub struct BlockKeyer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for BlockKeyer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlockKeyer")
    }
}

impl BlockKeyer {
    /// Derive the block-key key from the shared secret.
    pub fn new(secret: &[u8]) -> BlockKeyer {
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's output limit, so expansion cannot fail.
        let _ = hkdf::Hkdf::<Sha256>::new(None, secret).expand(b"palermo/clk/block/v1", &mut key);
        // HMAC accepts keys of any length, so this cannot fail.
        BlockKeyer { mac: <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap_or_else(|_| unreachable!()) }
    }

    /// The block key of a blocking value made of `parts`.
    pub fn key<S: AsRef<str>>(&self, parts: &[S]) -> u64 {
        let mut mac = self.mac.clone();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                mac.update(&[0x1F]);
            }
            mac.update(p.as_ref().as_bytes());
        }
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_secret_and_parts() {
        let k = BlockKeyer::new(b"s");
        assert_eq!(k.key(&["l", "1990"]), k.key(&["l", "1990"]));
        assert_ne!(k.key(&["l", "1990"]), k.key(&["l1", "990"]));
        assert_ne!(k.key(&["l", "1990"]), BlockKeyer::new(b"t").key(&["l", "1990"]));
    }
}
