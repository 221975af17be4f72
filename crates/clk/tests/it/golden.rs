//! Bit-identity with clkhash 0.18.3: encodings of the committed records under two schemas
//! (`blakeHash` and `doubleHash`), compared with golden files clkhash wrote (see
//! `tests/fixtures/README.md` for the command).

use crate::{fixture, read_records};

fn check_golden(schema_file: &str, expected_file: &str) {
    let schema =
        clk::Schema::parse(&std::fs::read_to_string(fixture(schema_file)).expect("schema")).expect("schema parses");
    let secret = std::fs::read(fixture("secret.txt")).expect("secret");
    let records = read_records("records.csv");
    let expected_json = std::fs::read_to_string(fixture(expected_file)).expect("golden file");
    let expected = clk::clks_from_json(&expected_json).expect("golden JSON parses");
    assert_eq!(expected.len(), records.len());

    let ours = clk::encode(&schema, &secret, &records).expect("encodes");
    let differing: Vec<usize> = (0..records.len()).filter(|&i| ours[i] != expected[i]).collect();
    assert!(differing.is_empty(), "{schema_file}: records {differing:?} differ from clkhash");
    // The JSON text itself is byte-identical to what clkhash's json.dump wrote.
    assert_eq!(clk::clks_to_json(&ours), expected_json);
    // The single-threaded path gives the same bits.
    assert_eq!(clk::encode_sequential(&schema, &secret, &records).expect("encodes"), ours);
}

#[test]
fn blake_hash_is_bit_identical_to_clkhash() {
    check_golden("schema-blake.json", "expected-blake.json");
}

#[test]
fn double_hash_is_bit_identical_to_clkhash() {
    check_golden("schema-double.json", "expected-double.json");
}

#[test]
fn a_different_secret_gives_different_encodings() {
    let schema = clk::Schema::parse(&std::fs::read_to_string(fixture("schema-blake.json")).expect("schema"))
        .expect("schema parses");
    let records = read_records("records.csv");
    let a = clk::encode(&schema, b"one secret", &records[..5]).expect("encodes");
    let b = clk::encode(&schema, b"another secret", &records[..5]).expect("encodes");
    assert!(a.iter().zip(&b).all(|(x, y)| x != y));
}

#[test]
fn invalid_values_are_reported_without_the_value() {
    let schema = clk::Schema::parse(&std::fs::read_to_string(fixture("schema-blake.json")).expect("schema"))
        .expect("schema parses");
    let mut records = read_records("records.csv");
    records[3][3] = "1990-13-45".into();
    let err = clk::encode(&schema, b"k", &records).expect_err("bad date");
    let msg = err.to_string();
    assert!(matches!(err, clk::Error::InvalidEntry { row: 3, .. }), "{msg}");
    assert!(!msg.contains("1990-13-45") && msg.contains("dob"), "{msg}");

    records[3].pop();
    assert!(matches!(clk::encode(&schema, b"k", &records), Err(clk::Error::RowLength { row: 3, .. })));
}

#[test]
fn schema_errors_name_the_place() {
    let bad = r#"{"version": 3, "clkConfig": {"l": 1000, "kdf": {"type": "HKDF"}},
        "features": [{"identifier": "a", "format": {"type": "string"},
        "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 5}}}]}"#;
    // blakeHash (the default) needs a power-of-two length.
    let err = clk::Schema::parse(bad).expect_err("l = 1000 with blakeHash");
    assert!(err.to_string().contains("clkConfig.l"), "{err}");
    let folds = bad.replace(r#""l": 1000"#, r#""l": 1024, "xorFolds": 1"#);
    assert!(clk::Schema::parse(&folds).expect_err("xorFolds").to_string().contains("xor_folds"));
    assert!(matches!(clk::Schema::parse("{"), Err(clk::Error::SchemaJson(_))));
}

#[test]
fn version_2_schemas_are_converted_as_clkhash_converts_them() {
    let v3 = r#"{"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
        "features": [{"identifier": "id", "ignored": true},
          {"identifier": "name", "format": {"type": "string"},
           "hashing": {"comparison": {"type": "ngram", "n": 2, "positional": false},
                       "strategy": {"bitsPerToken": 20}, "hash": {"type": "doubleHash"}}},
          {"identifier": "dob", "format": {"type": "string"},
           "hashing": {"comparison": {"type": "ngram", "n": 1, "positional": true},
                       "strategy": {"bitsPerFeature": 100}}}]}"#;
    let v2 = r#"{"version": 2, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
        "features": [{"identifier": "id", "ignored": true},
          {"identifier": "name", "format": {"type": "string"},
           "hashing": {"ngram": 2, "strategy": {"k": 20}, "hash": {"type": "doubleHash"}}},
          {"identifier": "dob", "format": {"type": "string"},
           "hashing": {"ngram": 1, "positional": true, "strategy": {"numBits": 100}}}]}"#;
    let records = vec![vec!["1".to_owned(), "ada lovelace".to_owned(), "18151210".to_owned()]];
    let a = clk::encode(&clk::Schema::parse(v3).expect("v3"), b"k", &records).expect("encodes");
    let b = clk::encode(&clk::Schema::parse(v2).expect("v2"), b"k", &records).expect("encodes");
    assert_eq!(a, b);
}

#[test]
fn headers_are_checked_like_clkhash() {
    let schema = clk::Schema::parse(&std::fs::read_to_string(fixture("schema-blake.json")).expect("schema"))
        .expect("schema parses");
    let good = ["id", "given_name", "surname", "dob", "sex", "postcode", "age", "score"];
    assert!(schema.check_header(&good).is_ok());
    let mut swapped = good;
    swapped.swap(1, 2);
    assert!(matches!(schema.check_header(&swapped), Err(clk::Error::Header { column: 1, .. })));
    assert!(matches!(schema.check_header(&good[..7]), Err(clk::Error::Header { column: 7, .. })));
}

#[test]
fn misc_schema_is_bit_identical_to_clkhash() {
    // Integer ids hashed exactly, UTF-32 positional trigrams, `bitsPerFeature` not divisible by
    // the token count, 4-grams of 0–1 character values, fractional numeric neighbourhoods
    // (floats, exponents, underscores), HKDF-SHA512 with a salt and 32-byte keys, two XOR folds.
    check_golden("schema-misc.json", "expected-misc.json");
}

#[test]
fn secrets_from_files_lose_trailing_newlines_like_a_shell() {
    assert_eq!(clk::secret_from_file(b"k3y\n\n"), b"k3y");
    assert_eq!(clk::secret_from_file(b"k3y"), b"k3y");
    assert_eq!(clk::secret_from_file(b"k3y\r\n"), b"k3y\r");
    let secret = std::fs::read(fixture("secret.txt")).expect("secret");
    assert_eq!(clk::secret_from_file(&secret), secret.as_slice(), "the fixture has no newline");
}

#[test]
fn bad_encodings_json_does_not_echo_its_content() {
    for text in [r#"{"clks": ["SENSITIVE+!!"]}"#, r#"{"clks": [SENSITIVE]}"#, r#"{"other": "SENSITIVE"}"#] {
        let err = clk::clks_from_json(text).expect_err("invalid");
        assert!(!err.to_string().contains("SENSITIVE"), "{err}");
    }
    // Debug of an encoding shows its length only.
    let clks = clk::clks_from_json(r#"{"clks": ["/w=="]}"#).expect("valid");
    assert_eq!(format!("{:?}", clks[0]), "Clk(8 bits)");
}

#[test]
fn keys_clkhash_forbids_are_refused() {
    let base = r#"{"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
        "features": [{"identifier": "a", "format": {"type": "string"FORMAT},
        "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 5}HASHING}}]}"#;
    let ok = base.replace("FORMAT", "").replace("HASHING", "");
    assert!(clk::Schema::parse(&ok).is_ok());
    let bad_format = base.replace("FORMAT", r#", "colour": "red""#).replace("HASHING", "");
    assert!(clk::Schema::parse(&bad_format).expect_err("extra key").to_string().contains("format.colour"));
    let bad_hashing = base.replace("FORMAT", "").replace("HASHING", r#", "weight": 2"#);
    assert!(clk::Schema::parse(&bad_hashing).expect_err("extra key").to_string().contains("hashing.weight"));
}
