//! A frequency attack on the demo's encodings, with and without hardening.
//!
//! Target: the given names the demo's six agencies recorded (`palermo demo`'s default population:
//! 3,000 persons, seed 2008), read back from the imported observatory, prepared as the hub and the
//! agencies prepare them (trimmed, lower case), and encoded one field per Bloom filter (bigrams,
//! `blakeHash`, 1,024 bits) — the field-level encoding that frequency attacks target.
//! The attacker holds every encoding and a public list of given names with their frequencies: the
//! simulator's own frequencies, taken from a second demo drawn with another seed (she knows the
//! generator, not the sample). She groups identical, or nearly identical (Dice ≥ 0.9), encodings,
//! splits groups and names by length (a group's from its encoding's number of set bits), ranks the
//! groups of each length by size and labels the i-th largest with the i-th most frequent public
//! name of that length (Kuzu et al. 2011's frequency attack with its length constraint); a name
//! is recovered when the group truly is mostly that name. The figures are in
//! `crates/clk/THREAT_MODEL.md` (`cargo test -p app --test it attack -- --nocapture`).

use std::collections::BTreeMap;
use std::path::Path;

use model::NoProgress;

/// Given names and years of birth of the records a demo's agencies hold, prepared for encoding.
async fn demo_names(dir: &Path, seed: u64) -> Vec<(String, String)> {
    app::pipeline::write_demo(dir, &app::sim::SimConfig { seed, ..app::sim::SimConfig::default() }, None)
        .expect("demo");
    let observatory = app::Observatory::open(dir, None).await.expect("open");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    app::pipeline::import_sources(&observatory, today, &NoProgress).await.expect("import");
    let identities = observatory
        .store
        .read_identities("attack test", "frequency attack on the demo's encodings")
        .await
        .expect("read");
    observatory.store.close().await;
    identities
        .iter()
        .map(|i| {
            let year: String = i.date_of_birth.chars().take(4).collect();
            let known = |v: &str| if v == "not_recorded" || v == "unknown" { String::new() } else { v.to_owned() };
            (app::encoded::prepare(&known(&i.given_name)), known(&year))
        })
        .collect()
}

fn schema(hardening: &str) -> clk::Schema {
    let extension =
        if hardening.is_empty() { String::new() } else { format!(r#", "x-palermo": {{"hardening": {hardening}}}"#) };
    clk::Schema::parse(&format!(
        r#"{{"version": 3, "clkConfig": {{"l": 1024, "kdf": {{"type": "HKDF"}}}},
            "features": [
              {{"identifier": "given_name", "format": {{"type": "string"}},
                "hashing": {{"comparison": {{"type": "ngram", "n": 2}}, "strategy": {{"bitsPerToken": 10}}}}}},
              {{"identifier": "yob", "ignored": true}}
            ]{extension}}}"#
    ))
    .expect("schema parses")
}

fn near_identical_groups(clks: &[clk::Clk]) -> Vec<Vec<usize>> {
    clk::similar_groups(clks, 0.9).expect("compares")
}

/// Number of distinct bigrams of a name as clkhash tokenises it (padded with a space each side).
fn n_bigrams(name: &str) -> usize {
    let padded: Vec<char> = format!(" {name} ").chars().collect();
    let mut grams: Vec<(char, char)> = padded.windows(2).map(|w| (w[0], w[1])).collect();
    grams.sort_unstable();
    grams.dedup();
    grams.len()
}

/// The number of distinct bigrams whose expected number of set bits (10 bits per token in 1,024)
/// is closest to `popcount`.
fn tokens_from_popcount(popcount: u32) -> usize {
    let expected = |k: usize| 1024.0 * (1.0 - (1.0 - 1.0 / 1024.0f64).powi(10 * k as i32));
    (1..40)
        .min_by(|&a, &b| {
            (expected(a) - f64::from(popcount)).abs().total_cmp(&(expected(b) - f64::from(popcount)).abs())
        })
        .unwrap_or(1)
}

/// (names recovered, records re-identified). Kuzu et al.'s frequency attack with the length
/// constraint: groups and public names are split by number of bigrams (a group's from the
/// popcount of its encoding, which that number fixes), then within each class the i-th largest
/// group is labelled with the i-th most frequent public name.
fn align(groups: Vec<Vec<usize>>, clks: &[clk::Clk], truth: &[String], public: &[String]) -> (usize, usize) {
    let mut classes: BTreeMap<usize, Vec<Vec<usize>>> = BTreeMap::new();
    for g in groups {
        classes.entry(tokens_from_popcount(clks[g[0]].popcount())).or_default().push(g);
    }
    let (mut names, mut records) = (0, 0);
    for (k, mut class) in classes {
        class.sort_by_key(|g| (std::cmp::Reverse(g.len()), g[0]));
        let candidates = public.iter().filter(|n| n_bigrams(n) == k);
        for (g, name) in class.iter().zip(candidates) {
            let right = g.iter().filter(|&&i| &truth[i] == name).count();
            if right * 2 > g.len() {
                names += 1;
                records += right;
            }
        }
    }
    (names, records)
}

fn attack(clks: &[clk::Clk], truth: &[String], public: &[String]) -> (usize, usize) {
    let mut identical: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
    for (i, c) in clks.iter().enumerate() {
        identical.entry(c.to_bytes()).or_default().push(i);
    }
    let exact = align(identical.into_values().collect(), clks, truth, public);
    exact.max(align(near_identical_groups(clks), clks, truth, public))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frequency_attack_on_the_demo_recovers_few_names_from_hardened_encodings() {
    let target_dir = tempfile::tempdir().expect("tempdir");
    let public_dir = tempfile::tempdir().expect("tempdir");
    let target = demo_names(target_dir.path(), 2008).await;
    let census = demo_names(public_dir.path(), 1).await;
    // The attacker's public list: given names by frequency (ties by name), empty names left out.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, _) in census.iter().filter(|(n, _)| !n.is_empty()) {
        *counts.entry(name).or_default() += 1;
    }
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let public: Vec<String> = ranked.iter().map(|(n, _)| (*n).to_owned()).collect();

    // A record without a given name encodes to an empty filter, which the attacker recognises
    // and sets aside.
    let target: Vec<&(String, String)> = target.iter().filter(|(n, _)| !n.is_empty()).collect();
    let records: Vec<Vec<String>> = target.iter().map(|(n, y)| vec![n.clone(), y.clone()]).collect();
    let truth: Vec<String> = target.iter().map(|(n, _)| n.clone()).collect();
    let secret = b"the demo agencies' shared secret";
    let cases: [(&str, &str); 4] = [
        ("none", ""),
        ("salting with year of birth", r#"{"salt": {"field": "yob"}}"#),
        ("random bit flips 5%", r#"{"flipProbability": 0.05}"#),
        (
            "salt + diffusion + balancing + flips 5%",
            r#"{"salt": {"field": "yob"}, "diffusion": {"outputBits": 1024, "inputsPerBit": 3},
               "balance": true, "flipProbability": 0.05}"#,
        ),
    ];
    let mut recovered = Vec::new();
    for (label, hardening) in cases {
        let clks = clk::encode(&schema(hardening), secret, &records).expect("encodes");
        let (n, reidentified) = attack(&clks, &truth, &public);
        println!(
            "frequency attack on the demo ({} records, {} public names), hardening {label}: \
             {n} names recovered, {reidentified} records re-identified",
            records.len(),
            public.len()
        );
        recovered.push((n, reidentified));
    }
    let (names, records) = recovered[0];
    // Unhardened, the attack works: names are recovered, and with them their records.
    assert!(names >= 5, "unhardened: {names} names");
    // Every hardening recovers strictly fewer names.
    for (i, (n, _)) in recovered.iter().enumerate().skip(1) {
        assert!(*n < names, "case {i}: {n} vs {names} names");
    }
    // Salting leaves only chance hits on tiny (name, year) groups: few records re-identified.
    assert!(recovered[1].1 * 4 <= records, "salted: {} vs {records} records", recovered[1].1);
    // Random flips, alone or with everything else, leave (almost) nothing.
    assert!(recovered[2].0 <= 2 && recovered[3].0 <= 2, "flips: {:?}, all: {:?}", recovered[2], recovered[3]);
}
