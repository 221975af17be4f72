//! Privacy-preserving record linkage with Bloom-filter encodings (CLKs).
//!
//! An agency that may not share names encodes its records on its own machine with a secret
//! shared only among agencies ([`encode`]); the hub receives the encodings ([`clks_to_json`],
//! clkhash's `{"clks": [base64, …]}`) and links them by Dice similarity ([`match_two`],
//! [`cluster_sources`]) without ever seeing a name.
//!
//! * **Compatible with clkhash** (Data61's reference implementation): the same linkage schema
//!   (v3 JSON, [`Schema::parse`]), and for the same schema, secret and records the same bits, for
//!   both `doubleHash` and the default `blakeHash` — agencies can use either tool. The test suite
//!   checks this against golden files made with clkhash 0.18.3.
//! * **Fast**: encoding is parallel over all cores; Dice comparison is bit-packed with popcount,
//!   an integer threshold test, popcount filtering and cache tiling ([`candidate_pairs`]).
//! * **Hardened if asked**: a Palermo extension of the schema (`x-palermo.hardening`) adds salting,
//!   diffusion, balancing and random bit flips against frequency and pattern-mining attacks; see
//!   `src/harden.rs` and `THREAT_MODEL.md`.
//!
//! Sans-IO: schema text, secret bytes and records in; encodings and matches out. Errors never
//! contain a value, a secret or an encoding.
//!
//! # Example
//! ```
//! let schema = clk::Schema::parse(r#"{
//!   "version": 3,
//!   "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
//!   "features": [
//!     {"identifier": "id", "ignored": true},
//!     {"identifier": "name", "format": {"type": "string"},
//!      "hashing": {"comparison": {"type": "ngram", "n": 2},
//!                  "strategy": {"bitsPerToken": 30}}},
//!     {"identifier": "dob", "format": {"type": "date", "format": "%Y-%m-%d"},
//!      "hashing": {"comparison": {"type": "ngram", "n": 1, "positional": true},
//!                  "strategy": {"bitsPerToken": 30}}}
//!   ]}"#)?;
//! let secret = b"a secret shared by the agencies only";
//! // A CSV's header is checked as clkhash checks it.
//! schema.check_header(&["id", "name", "dob"])?;
//! let agency_a = vec![vec!["1".to_string(), "Maria Lopez".into(), "1990-04-03".into()]];
//! let agency_b = vec![
//!     vec!["7".to_string(), "Jon Smith".into(), "1985-01-12".into()],
//!     vec!["8".to_string(), "Marya Lopez".into(), "1990-04-03".into()],
//! ];
//! let a = clk::encode(&schema, secret, &agency_a)?;
//! let b = clk::encode(&schema, secret, &agency_b)?;
//!
//! // What an agency sends: clkhash's JSON format.
//! let json = clk::clks_to_json(&b);
//! assert!(json.starts_with(r#"{"clks": [""#));
//! let b = clk::clks_from_json(&json)?;
//!
//! // At the hub: one-to-one matches at Dice ≥ 0.8.
//! let matches = clk::match_two(&a, &b, 0.8)?;
//! assert_eq!(matches.len(), 1);
//! assert_eq!((matches[0].0, matches[0].1), (0, 1));
//!
//! // Several sources: clusters with at most one record per source.
//! let clusters = clk::cluster_sources(&[&a, &b], 0.8)?;
//! assert_eq!(clusters, vec![vec![(0, 0), (1, 1)]]);
//! # Ok::<(), clk::Error>(())
//! ```

mod block;
mod clk;
mod date;
mod dice;
mod encode;
mod error;
mod field;
mod harden;
mod schema;
mod solve;

pub use block::BlockKeyer;
pub use clk::{Clk, clks_from_json, clks_to_json};
pub use dice::{EncodingSet, Pair, candidate_pairs, candidate_pairs_blocked, candidate_pairs_sequential};
pub use encode::{encode, encode_sequential, secret_from_file};
pub use error::{Error, Result};
pub use schema::{KdfHash, Schema};
pub use solve::{RecordRef, cluster_sources, greedy_groups, greedy_one_to_one, match_two, similar_groups};
