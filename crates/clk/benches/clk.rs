//! Divan benchmarks: encodings per second (clkhash-compatible `doubleHash` and `blakeHash`) and
//! Dice comparisons per second on 1024-bit encodings (one thread and all threads).
//!
//! Run with `CARGO_TARGET_DIR=/work/target-clk cargo bench -p clk --bench clk`. The peer
//! comparison (clkhash, anonlink, same machine, same run) is `bench/clk/run.sh`.

use divan::counter::ItemsCount;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() {
    divan::main();
}

const GIVEN: [&str; 16] = [
    "Anna", "Maria", "Lena", "Sofia", "Eva", "Clara", "Nora", "Julia", "John", "Peter", "Paul", "David", "Adam",
    "Omar", "Ivan", "Luca",
];
const SURNAMES: [&str; 12] =
    ["Smith", "Brown", "Jones", "Miller", "Novak", "Horvat", "Garcia", "Lopez", "Silva", "Okafor", "Mensah", "Rossi"];

/// Records like clkhash's benchmark: index, full name, date of birth `YYYY/MM/DD`, sex.
fn records(n: usize) -> Vec<Vec<String>> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    (0..n)
        .map(|i| {
            vec![
                i.to_string(),
                format!(
                    "{} {}",
                    GIVEN[rng.random_range(0..GIVEN.len())],
                    SURNAMES[rng.random_range(0..SURNAMES.len())]
                ),
                format!(
                    "{}/{:02}/{:02}",
                    rng.random_range(1940..2010),
                    rng.random_range(1..13),
                    rng.random_range(1..29)
                ),
                if rng.random_bool(0.5) { "F" } else { "M" }.to_owned(),
            ]
        })
        .collect()
}

fn schema(hash: &str) -> clk::Schema {
    let field = |id: &str, format: &str, n: u32, positional: bool, k: u32| {
        format!(
            r#"{{"identifier": "{id}", "format": {format}, "hashing": {{"comparison": {{"type": "ngram", "n": {n},
               "positional": {positional}}}, "strategy": {{"bitsPerToken": {k}}}, "hash": {{"type": "{hash}"}}}}}}"#
        )
    };
    clk::Schema::parse(&format!(
        r#"{{"version": 3, "clkConfig": {{"l": 1024, "kdf": {{"type": "HKDF"}}}}, "features": [
            {{"identifier": "INDEX", "ignored": true}}, {}, {}, {}]}}"#,
        field("name", r#"{"type": "string"}"#, 2, false, 15),
        field("dob", r#"{"type": "date", "format": "%Y/%m/%d"}"#, 1, true, 30),
        field("sex", r#"{"type": "enum", "values": ["M", "F"]}"#, 1, false, 60),
    ))
    .expect("benchmark schema parses")
}

const N_RECORDS: usize = 20_000;

#[divan::bench(args = ["doubleHash", "blakeHash"])]
fn encode_all_threads(bencher: divan::Bencher, hash: &str) {
    let (s, r) = (schema(hash), records(N_RECORDS));
    bencher.counter(ItemsCount::new(N_RECORDS)).bench(|| clk::encode(&s, b"secret", &r).expect("encodes"));
}

#[divan::bench(args = ["doubleHash", "blakeHash"])]
fn encode_one_thread(bencher: divan::Bencher, hash: &str) {
    let (s, r) = (schema(hash), records(N_RECORDS));
    bencher.counter(ItemsCount::new(N_RECORDS)).bench(|| clk::encode_sequential(&s, b"secret", &r).expect("encodes"));
}

fn random_set(n: usize, seed: u64) -> clk::EncodingSet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let clks: Vec<clk::Clk> = (0..n)
        .map(|_| {
            let bytes: Vec<u8> = (0..128).map(|_| rng.random()).collect();
            clk::Clk::from_bytes(&bytes)
        })
        .collect();
    clk::EncodingSet::new(&clks).expect("packs")
}

const N_DICE: usize = 4_000;

/// Random 1024-bit encodings (as anonlink's benchmark), threshold 0.8: counter = comparisons.
#[divan::bench]
fn dice_one_thread(bencher: divan::Bencher) {
    let (a, b) = (random_set(N_DICE, 1), random_set(N_DICE, 2));
    bencher
        .counter(ItemsCount::new(N_DICE * N_DICE))
        .bench(|| clk::candidate_pairs_sequential(&a, &b, 0.8).expect("compares"));
}

#[divan::bench]
fn dice_all_threads(bencher: divan::Bencher) {
    let (a, b) = (random_set(N_DICE, 1), random_set(N_DICE, 2));
    bencher.counter(ItemsCount::new(N_DICE * N_DICE)).bench(|| clk::candidate_pairs(&a, &b, 0.8).expect("compares"));
}
