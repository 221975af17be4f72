//! k-anonymous microdata and synthetic data, checked by counting combinations here, independently
//! of the code that made them; the differentially private synthesis's ε, asked of OpenDP's privacy
//! map, and its threshold.

use std::collections::BTreeMap;

use disclosure::kanon::{self, Hierarchy, KAnonymity};
use disclosure::synth::{self, DpSynthParams, SynthParams};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type Row = Vec<Option<String>>;

/// Skewed categorical rows: a few common values and a long tail, some missing.
fn random_rows(n: usize, columns: &[usize], seed: u64) -> Vec<Row> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            columns
                .iter()
                .enumerate()
                .map(|(j, &levels)| {
                    if rng.random::<f64>() < 0.08 {
                        return None;
                    }
                    // Geometric-like: value i with probability about 2^-(i+1).
                    let mut i = 0;
                    while i + 1 < levels && rng.random::<f64>() < 0.5 {
                        i += 1;
                    }
                    Some(format!("c{j}v{i}"))
                })
                .collect()
        })
        .collect()
}

/// value `c{j}v{i}` → group `g{i / 2}` → group `h{i / 4}` → suppressed.
fn hierarchy(j: usize, levels: usize) -> Hierarchy {
    let values: Vec<String> = (0..levels).map(|i| format!("c{j}v{i}")).collect();
    Hierarchy::new(&format!("c{j}"))
        .level(values.iter().enumerate().map(|(i, v)| (v.clone(), format!("g{}", i / 2))))
        .level(values.iter().enumerate().map(|(i, v)| (v.clone(), format!("h{}", i / 4))))
}

#[test]
fn every_combination_of_quasi_identifiers_occurs_at_least_k_times() {
    let shapes: [&[usize]; 3] = [&[5, 2, 9, 12, 12], &[3, 8, 2], &[16, 16, 4, 2]];
    for (case, (n, k)) in [(40, 5), (300, 11), (1200, 11), (700, 3), (9, 11)].into_iter().enumerate() {
        for (s, shape) in shapes.iter().enumerate() {
            let rows = random_rows(n, shape, (case * 10 + s) as u64);
            let hierarchies: Vec<Hierarchy> = shape.iter().enumerate().map(|(j, &l)| hierarchy(j, l)).collect();
            let params = KAnonymity { k, max_suppressed_share: 0.05 };
            let out = kanon::anonymise(&rows, &hierarchies, &params);
            assert_eq!(out.rows.len(), rows.len());
            let mut classes: BTreeMap<&Row, usize> = BTreeMap::new();
            for row in out.rows.iter().flatten() {
                *classes.entry(row).or_default() += 1;
            }
            for (combination, &count) in &classes {
                assert!(count >= k, "n={n} k={k} shape {shape:?}: {combination:?} occurs {count} times");
            }
            // Every published value is the input's value generalised to the chosen level, or NULL.
            for (input, output) in rows.iter().zip(&out.rows) {
                let Some(output) = output else { continue };
                for (j, (v, o)) in input.iter().zip(output).enumerate() {
                    if let Some(o) = o {
                        let expected = v.as_deref().and_then(|v| hierarchies[j].generalise(v, out.levels[j]));
                        assert_eq!(Some(o), expected.as_ref(), "column {j}");
                    }
                }
            }
            let kept = out.rows.iter().flatten().count();
            assert_eq!(kept + out.rows_removed, n);
            if kept > 0 {
                assert_eq!(out.k_achieved, *classes.values().min().unwrap_or(&0));
            }
            // The chosen node stays within the suppression budget, or is the top node.
            let top: Vec<usize> = hierarchies.iter().map(Hierarchy::top).collect();
            assert!(
                out.rows_touched as f64 <= 0.05 * n as f64 || out.levels == top || n < k,
                "n={n} k={k}: {} rows touched at {:?}",
                out.rows_touched,
                out.levels
            );
        }
    }
}

#[test]
fn generalisation_keeps_more_than_suppressing_everything() {
    let shape = [5, 2, 9];
    let rows = random_rows(2000, &shape, 7);
    let hierarchies: Vec<Hierarchy> = shape.iter().enumerate().map(|(j, &l)| hierarchy(j, l)).collect();
    let out = kanon::anonymise(&rows, &hierarchies, &KAnonymity::default());
    assert!(out.loss < 0.5, "loss {} at {:?}", out.loss, out.levels);
    assert!(out.levels.iter().zip(&hierarchies).any(|(l, h)| *l < h.top()));
}

/// Every combination of 1 to `max` non-empty values of `rows`, counted.
fn combinations(rows: &[Row], max: usize) -> BTreeMap<Vec<(usize, String)>, usize> {
    let mut out = BTreeMap::new();
    for row in rows {
        let attrs: Vec<(usize, String)> =
            row.iter().enumerate().filter_map(|(j, v)| v.as_ref().map(|v| (j, v.clone()))).collect();
        let n = attrs.len();
        for mask in 1u64..(1u64 << n) {
            if mask.count_ones() as usize > max {
                continue;
            }
            let combo: Vec<(usize, String)> =
                (0..n).filter(|i| mask & (1 << i) != 0).map(|i| attrs[i].clone()).collect();
            *out.entry(combo).or_default() += 1;
        }
    }
    out
}

#[test]
fn synthetic_combinations_occur_at_least_k_times_in_the_file_and_the_data() {
    let shape = [5, 3, 6, 2, 2, 4];
    for (seed, n, k, length) in [(1, 400, 11, 3), (2, 150, 5, 3), (3, 600, 11, 2), (4, 30, 11, 3)] {
        let rows = random_rows(n, &shape, seed);
        let params = SynthParams { k, reporting_length: length, seed, passes: 3 };
        let out = synth::synthesise(&rows, shape.len(), &params);
        let real = combinations(&rows, length);
        for (combo, &count) in &combinations(&out.rows, length) {
            assert!(count >= k, "seed {seed}: {combo:?} occurs {count} times in the synthetic file");
            let in_real = real.get(combo).copied().unwrap_or(0);
            assert!(in_real >= k, "seed {seed}: {combo:?} occurs {in_real} times in the real data");
        }
        // Same seed, same file.
        assert_eq!(synth::synthesise(&rows, shape.len(), &params).rows, out.rows);
    }
}

#[test]
fn fitting_lowers_the_marginals_error() {
    let shape = [5, 3, 6, 2, 2, 4, 3];
    let rows = random_rows(800, &shape, 11);
    let sampled = synth::synthesise(&rows, shape.len(), &SynthParams { passes: 0, ..SynthParams::default() });
    let fitted = synth::synthesise(&rows, shape.len(), &SynthParams::default());
    let total = |u: &synth::Utility| u.mae.iter().sum::<f64>();
    assert!(
        total(&fitted.utility) < total(&sampled.utility),
        "fitted {:?}, sampled {:?}",
        fitted.utility.mae,
        sampled.utility.mae
    );
    // The utility is the error of the marginals as counted here.
    let real = combinations(&rows, 1);
    let synthetic = combinations(&fitted.rows, 1);
    let mut keys: Vec<&Vec<(usize, String)>> = real.keys().chain(synthetic.keys()).collect();
    keys.sort();
    keys.dedup();
    let mae = keys
        .iter()
        .map(|key| {
            (real.get(*key).copied().unwrap_or(0) as f64 - synthetic.get(*key).copied().unwrap_or(0) as f64).abs()
        })
        .sum::<f64>()
        / keys.len() as f64;
    assert!((mae - fitted.utility.mae[0]).abs() < 1e-9, "{mae} vs {}", fitted.utility.mae[0]);
}

#[test]
fn k_anonymous_synthesis_keeps_the_number_of_rows_close() {
    let shape = [5, 3, 6, 2, 2, 4, 3];
    for (seed, n) in [(21, 300), (22, 900)] {
        let rows = random_rows(n, &shape, seed);
        let out = synth::synthesise(&rows, shape.len(), &SynthParams { seed, passes: 2, ..SynthParams::default() });
        let drift = out.rows.len().abs_diff(n);
        assert!(drift * 10 <= n, "seed {seed}: {} rows for {n}", out.rows.len());
    }
}

/// Per column, the values of `random_rows` and a few no row holds (the declared domain).
fn domain(columns: &[usize]) -> Vec<Vec<String>> {
    columns.iter().enumerate().map(|(j, &levels)| (0..levels + 3).map(|i| format!("c{j}v{i}")).collect()).collect()
}

fn binomial(n: u64, l: u64) -> u64 {
    if l > n { 0 } else { (0..l).fold(1, |acc, i| acc * (n - i) / (i + 1)) }
}

#[test]
fn dp_synthesis_spends_the_epsilon_the_privacy_map_certifies() {
    let shape = [5, 3, 6, 2, 2, 4];
    let rows = random_rows(200, &shape, 31);
    for (epsilon, length, max_attributes) in [(1.0, 2, 4), (0.3, 3, 6), (4.0, 1, 10), (2.5, 3, 3)] {
        let params = DpSynthParams { epsilon, reporting_length: length, max_attributes, ..DpSynthParams::default() };
        let aggregates = synth::noisy_aggregates(&rows, &domain(&shape), &params).expect("aggregates");
        // OpenDP's privacy map, asked again for each length's mechanism, adds up to the ε asked.
        let mut certified = 0.0;
        for (l, mechanism) in (1..).zip(&aggregates.mechanisms) {
            let mechanism = mechanism.expect("every length noised");
            certified += mechanism.certified_epsilon().expect("privacy map");
            // The sensitivity is what one record can change: C(m, l) counts of length l (and the
            // number of records at length 1), m its attributes after the bound.
            let m = max_attributes.min(shape.len()) as u64;
            assert_eq!(mechanism.sensitivity, binomial(m, l) + u64::from(l == 1), "length {l}");
        }
        assert!((certified - epsilon).abs() <= 1e-9 * epsilon, "certified {certified}, asked {epsilon}");
        assert!((aggregates.epsilon() - epsilon).abs() <= 1e-9 * epsilon);
    }
}

#[test]
fn dp_synthetic_file_holds_no_combination_below_its_threshold() {
    let shape = [5, 3, 6, 2, 2, 4];
    for (seed, epsilon, length, threshold) in [(41, 1.0, 2, 0.0), (42, 0.5, 3, 1.0), (43, 8.0, 3, 0.0)] {
        let rows = random_rows(300, &shape, seed);
        let params = DpSynthParams { epsilon, reporting_length: length, threshold, seed, ..DpSynthParams::default() };
        let aggregates = synth::noisy_aggregates(&rows, &domain(&shape), &params).expect("aggregates");
        let out = synth::synthesise_from(&aggregates, &params);
        assert!(!out.rows.is_empty(), "seed {seed}: an empty file");
        for (combo, _) in combinations(&out.rows, length) {
            let key: Vec<(usize, &str)> = combo.iter().map(|(j, v)| (*j, v.as_str())).collect();
            let noisy = aggregates.noisy_count(&key);
            let least = aggregates.thresholds[combo.len() - 1];
            assert!(noisy.is_some_and(|c| c >= least), "seed {seed}: {combo:?} noisy {noisy:?}, threshold {least}");
        }
        // Values outside the domain never appear; the synthesis after the noise is seeded.
        for row in &out.rows {
            for (j, v) in row.iter().enumerate() {
                assert!(v.as_ref().is_none_or(|v| domain(&shape)[j].contains(v)), "{v:?}");
            }
        }
        assert_eq!(synth::synthesise_from(&aggregates, &params).rows, out.rows);
    }
}

#[test]
fn dp_synthesis_refuses_bad_parameters() {
    let rows = random_rows(20, &[3, 3], 5);
    for params in [
        DpSynthParams { epsilon: 0.0, ..DpSynthParams::default() },
        DpSynthParams { epsilon: f64::NAN, ..DpSynthParams::default() },
        DpSynthParams { reporting_length: 5, ..DpSynthParams::default() },
        DpSynthParams { max_attributes: 0, ..DpSynthParams::default() },
    ] {
        assert!(synth::noisy_aggregates(&rows, &domain(&[3, 3]), &params).is_err(), "{params:?}");
    }
}
