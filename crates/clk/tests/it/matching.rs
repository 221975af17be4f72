//! Dice candidates and greedy solving, checked against anonlink 0.15.3's output on the golden
//! encodings (fixture `anonlink-blake.json`, command in `tests/fixtures/README.md`) and against
//! brute force.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::fixture;

fn golden_halves() -> (Vec<clk::Clk>, Vec<clk::Clk>) {
    let json = std::fs::read_to_string(fixture("expected-blake.json")).expect("golden file");
    let clks = clk::clks_from_json(&json).expect("parses");
    let half = clks.len() / 2;
    (clks[..half].to_vec(), clks[half..].to_vec())
}

#[test]
fn candidates_and_greedy_matches_equal_anonlinks() {
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("anonlink-blake.json")).expect("fixture")).expect("json");
    let threshold = reference["threshold"].as_f64().expect("threshold");
    let (a, b) = golden_halves();
    let ours = clk::candidate_pairs(
        &clk::EncodingSet::new(&a).expect("packs"),
        &clk::EncodingSet::new(&b).expect("packs"),
        threshold,
    )
    .expect("compares");
    let theirs: Vec<(usize, usize, f64)> = reference["candidates"]
        .as_array()
        .expect("array")
        .iter()
        .map(|c| (c[0].as_u64().expect("i") as usize, c[1].as_u64().expect("j") as usize, c[2].as_f64().expect("s")))
        .collect();
    assert!(theirs.len() > 100, "the fixture has enough candidates to be a test");
    assert_eq!(ours, theirs, "same pairs, same similarities, same order");

    let mut matches: Vec<(usize, usize)> =
        clk::match_two(&a, &b, threshold).expect("matches").iter().map(|m| (m.0, m.1)).collect();
    matches.sort_unstable();
    let expected: Vec<(usize, usize)> = reference["matches"]
        .as_array()
        .expect("array")
        .iter()
        .map(|m| (m[0].as_u64().expect("i") as usize, m[1].as_u64().expect("j") as usize))
        .collect();
    assert_eq!(matches, expected);
}

fn random_clks(rng: &mut ChaCha8Rng, n: usize, bits: usize, density: f64) -> Vec<clk::Clk> {
    (0..n)
        .map(|_| {
            let mut c = clk::Clk::zeros(bits);
            for i in 0..bits {
                if rng.random_bool(density) {
                    c.set(i);
                }
            }
            c
        })
        .collect()
}

/// Copy with `flips` random bits flipped: a noisy duplicate.
fn noisy(rng: &mut ChaCha8Rng, c: &clk::Clk, flips: usize) -> clk::Clk {
    let bytes = c.to_bytes();
    let mut out = clk::Clk::from_bytes(&bytes);
    for _ in 0..flips {
        let i = rng.random_range(0..c.n_bits());
        if out.bit(i) {
            let mut b = out.to_bytes();
            b[i / 8] &= !(0x80 >> (i % 8));
            out = clk::Clk::from_bytes(&b);
        } else {
            out.set(i);
        }
    }
    out
}

#[test]
fn tiled_filtered_kernel_equals_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for &(bits, density) in &[(1024, 0.3), (1000, 0.5), (512, 0.15), (2048, 0.4)] {
        let a = random_clks(&mut rng, 150, bits, density);
        let mut b: Vec<clk::Clk> = a.iter().take(60).map(|c| noisy(&mut rng, c, 40)).collect();
        b.extend(random_clks(&mut rng, 90, bits, density * 1.3));
        for threshold in [0.5, 0.8, 0.95] {
            let got = clk::candidate_pairs(
                &clk::EncodingSet::new(&a).expect("packs"),
                &clk::EncodingSet::new(&b).expect("packs"),
                threshold,
            )
            .expect("compares");
            let mut want = Vec::new();
            for (i, x) in a.iter().enumerate() {
                for (j, y) in b.iter().enumerate() {
                    let s = x.dice(y).expect("same length");
                    if s >= threshold {
                        want.push((i, j, s));
                    }
                }
            }
            want.sort_by(|p, q| q.2.total_cmp(&p.2).then(p.0.cmp(&q.0)).then(p.1.cmp(&q.1)));
            assert_eq!(got, want, "bits {bits}, threshold {threshold}");
            let seq = clk::candidate_pairs_sequential(
                &clk::EncodingSet::new(&a).expect("packs"),
                &clk::EncodingSet::new(&b).expect("packs"),
                threshold,
            )
            .expect("compares");
            assert_eq!(seq, got);
        }
    }
}

#[test]
fn blocking_restricts_pairs_to_shared_keys() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let a = random_clks(&mut rng, 80, 1024, 0.3);
    let b: Vec<clk::Clk> = a.iter().map(|c| noisy(&mut rng, c, 30)).collect();
    let (sa, sb) = (clk::EncodingSet::new(&a).expect("packs"), clk::EncodingSet::new(&b).expect("packs"));
    let all = clk::candidate_pairs(&sa, &sb, 0.7).expect("compares");
    // One shared key for everybody: blocking changes nothing.
    let same: Vec<Vec<u8>> = vec![vec![0]; 80];
    assert_eq!(clk::candidate_pairs_blocked(&sa, &sb, &same, &same, 0.7).expect("compares"), all);
    // Keys by parity of the index, each record also in a second block: only same-parity pairs.
    let keys: Vec<Vec<u8>> = (0..80).map(|i| vec![(i % 2) as u8, 2 + (i % 2) as u8]).collect();
    let blocked = clk::candidate_pairs_blocked(&sa, &sb, &keys, &keys, 0.7).expect("compares");
    let want: Vec<_> = all.iter().copied().filter(|p| p.0 % 2 == p.1 % 2).collect();
    assert_eq!(blocked, want);
    assert!(blocked.len() < all.len() || all.iter().all(|p| p.0 % 2 == p.1 % 2));
}

#[test]
fn clusters_take_at_most_one_record_per_source_and_do_not_chain() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let truth = random_clks(&mut rng, 40, 1024, 0.3);
    let s0: Vec<clk::Clk> = truth.iter().map(|c| noisy(&mut rng, c, 20)).collect();
    let s1: Vec<clk::Clk> = truth.iter().take(30).map(|c| noisy(&mut rng, c, 20)).collect();
    let mut s2: Vec<clk::Clk> = truth.iter().skip(10).map(|c| noisy(&mut rng, c, 20)).collect();
    // A second copy of person 15 in source 2: it must not join person 15's cluster twice.
    s2.push(noisy(&mut rng, &truth[15], 25));
    let clusters = clk::cluster_sources(&[&s0, &s1, &s2], 0.8).expect("clusters");
    for c in &clusters {
        let mut lists: Vec<usize> = c.iter().map(|r| r.0).collect();
        lists.dedup();
        assert_eq!(lists.len(), c.len(), "one record per source");
    }
    // Everyone appears in the right cluster: record k of s0, k of s1, k-10 of s2 are person k.
    let person = |r: &clk::RecordRef| match r.0 {
        0 | 1 => r.1,
        _ if r.1 == 30 => 15,
        _ => r.1 + 10,
    };
    for c in &clusters {
        assert!(c.iter().all(|r| person(r) == person(&c[0])), "no chaining of different persons");
    }
    let sizes: usize = clusters.iter().map(Vec::len).sum();
    assert_eq!(sizes, 40 + 30 + 30, "every true link found");
}

#[test]
fn thresholds_outside_the_unit_interval_are_refused() {
    let a = vec![clk::Clk::zeros(64)];
    assert!(matches!(clk::match_two(&a, &a, 0.0), Err(clk::Error::Threshold(_))));
    assert!(matches!(clk::match_two(&a, &a, 1.5), Err(clk::Error::Threshold(_))));
    // Two empty encodings have Dice 0, as in anonlink.
    assert!(clk::match_two(&a, &a, 1.0).expect("matches").is_empty());
    let b = vec![clk::Clk::zeros(128)];
    assert!(matches!(clk::match_two(&a, &b, 0.5), Err(clk::Error::LengthMismatch { .. })));
}

#[test]
fn multi_source_clusters_equal_anonlinks_greedy_solver() {
    // anonlink's probabilistic_greedy_solve(merge_threshold=1.0, deduplicated=True) on three
    // noisy lists (fixture `anonlink-multiparty.json`).
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("anonlink-multiparty.json")).expect("fixture"))
            .expect("json");
    let threshold = reference["threshold"].as_f64().expect("threshold");
    let sources: Vec<Vec<clk::Clk>> = reference["sources"]
        .as_array()
        .expect("array")
        .iter()
        .map(|s| {
            s.as_array()
                .expect("array")
                .iter()
                .map(|c| clk::Clk::from_base64(c.as_str().expect("string")).expect("base64"))
                .collect()
        })
        .collect();
    let refs: Vec<&[clk::Clk]> = sources.iter().map(Vec::as_slice).collect();
    let ours = clk::cluster_sources(&refs, threshold).expect("clusters");
    let expected: Vec<Vec<clk::RecordRef>> = reference["groups"]
        .as_array()
        .expect("array")
        .iter()
        .map(|g| {
            g.as_array()
                .expect("array")
                .iter()
                .map(|r| (r[0].as_u64().expect("list") as usize, r[1].as_u64().expect("record") as usize))
                .collect()
        })
        .collect();
    assert!(expected.iter().any(|g| g.len() == 3), "the fixture has three-way clusters");
    assert_eq!(ours, expected);
}

#[test]
fn keyed_block_keys_drive_blocked_matching() {
    // Agencies derive block keys from a coarse value with the shared secret; the hub compares
    // only within blocks and finds the same links as without blocking when the value is right.
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let a = random_clks(&mut rng, 60, 1024, 0.3);
    let b: Vec<clk::Clk> = a.iter().map(|c| noisy(&mut rng, c, 30)).collect();
    let keyer = clk::BlockKeyer::new(b"shared secret");
    let years: Vec<String> = (0..60).map(|i| (1970 + i % 7).to_string()).collect();
    let keys: Vec<Vec<u64>> = years.iter().map(|y| vec![keyer.key(&[y.as_str()])]).collect();
    let (sa, sb) = (clk::EncodingSet::new(&a).expect("packs"), clk::EncodingSet::new(&b).expect("packs"));
    let all = clk::candidate_pairs(&sa, &sb, 0.75).expect("compares");
    let blocked = clk::candidate_pairs_blocked(&sa, &sb, &keys, &keys, 0.75).expect("compares");
    let true_links = |p: &[(usize, usize, f64)]| p.iter().filter(|x| x.0 == x.1).count();
    assert_eq!(true_links(&blocked), true_links(&all));
    assert_eq!(true_links(&all), 60);
    assert!(blocked.iter().all(|p| years[p.0] == years[p.1]));
}

#[test]
fn similar_groups_join_near_identical_encodings_transitively() {
    let ones = |range: std::ops::Range<usize>| {
        let mut c = clk::Clk::zeros(1024);
        range.for_each(|i| c.set(i));
        c
    };
    // a ~ b (one bit apart), b ~ c (one more bit), a and c two bits apart; d shares nothing.
    let (a, b, c, d) = (ones(0..512), ones(0..511), ones(0..510), ones(512..1024));
    let groups = clk::similar_groups(&[d.clone(), a, b, c, d], 0.999).expect("groups");
    assert_eq!(groups, vec![vec![0, 4], vec![1, 2, 3]]);
    assert_eq!(clk::similar_groups(&[ones(0..512), ones(512..1024)], 0.5).expect("groups"), vec![vec![0], vec![1]]);
}
