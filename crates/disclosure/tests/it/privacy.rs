//! Differential privacy: OpenDP's discrete Laplace noise at the stated scale, post-processed to
//! whole non-negative counts that keep every relation between the released tables.

use disclosure::{CellId, Laplace, Release, Sense};

fn demo() -> Release {
    Release::from_text(include_str!("fixtures/demo_release.txt")).expect("fixture")
}

/// The victims' tables where each victim counts once (as `app::stats::DP_TABLES`), and the total.
fn dp_cells(release: &Release) -> Vec<CellId> {
    let families = ["total", "y", "ys", "sa", "cit", "coe", "xb", "flow", "ysa"];
    release
        .cells()
        .filter(|&id| release.is_published(id) && families.contains(&release.key(id).split('|').next().unwrap_or("")))
        .collect()
}

#[test]
fn the_privacy_map_certifies_epsilon_and_refuses_nonsense() {
    let m = Laplace::new(9, 0.5).expect("mechanism");
    assert!((m.scale - 18.0).abs() < 1e-12);
    assert_eq!(m.epsilon, 0.5);
    assert!(Laplace::new(0, 1.0).is_err());
    assert!(Laplace::new(1, 0.0).is_err());
    assert!(Laplace::new(1, f64::NAN).is_err());
    assert!(Laplace::new(1, -1.0).is_err());
}

/// Mean |noise| over many draws against `E|Z| = 2q / (1 − q²)`, `q = exp(−1/scale)`: with
/// 20,000 draws the standard error of the mean is below 1% of it (the standard deviation of |Z|
/// is about E|Z|); the tolerance is 5%.
#[test]
fn the_noise_has_the_stated_scale() {
    for (sensitivity, epsilon) in [(1, 1.0), (9, 1.0), (9, 0.25)] {
        let m = Laplace::new(sensitivity, epsilon).expect("mechanism");
        let counts = vec![1000u64; 20_000];
        let noisy = m.sample(&counts).expect("noise");
        let mean = noisy.iter().map(|&y| (y - 1000).unsigned_abs() as f64).sum::<f64>() / noisy.len() as f64;
        let bias = noisy.iter().map(|&y| (y - 1000) as f64).sum::<f64>() / noisy.len() as f64;
        let expected = m.expected_abs_error();
        assert!(
            (mean / expected - 1.0).abs() < 0.05,
            "Δ {sensitivity} ε {epsilon}: mean |noise| {mean}, expected {expected}"
        );
        assert!(bias.abs() < 0.05 * expected, "noise is centred: mean {bias}");
        assert!(noisy.iter().any(|&y| y < 1000) && noisy.iter().any(|&y| y > 1000));
    }
}

#[test]
fn a_noisy_release_is_whole_non_negative_and_adds_up() {
    let release = demo();
    let cells = dp_cells(&release);
    assert!(cells.len() > 80, "{} cells", cells.len());
    let m = Laplace::new(9, 1.0).expect("mechanism");
    let first = release.noisy(&cells, &m).expect("noisy release");
    let second = release.noisy(&cells, &m).expect("noisy release");
    let released = |id: CellId| cells.contains(&id);
    let mut checked = 0;
    for noisy in [&first, &second] {
        for &id in &cells {
            assert!(noisy.value(id).is_some(), "{} released", release.key(id));
        }
        // Every equality between released counts holds exactly on the published values.
        for relation in release.relations() {
            if relation.sense != Sense::Eq || !relation.terms.iter().all(|(id, _)| released(*id)) {
                continue;
            }
            let lhs: i64 = relation.terms.iter().map(|(id, c)| c * noisy.value(*id).expect("released") as i64).sum();
            assert_eq!(lhs, 0, "{:?}", relation.terms.iter().map(|(id, c)| (release.key(*id), c)).collect::<Vec<_>>());
            checked += 1;
        }
        // Cells outside the release are not published.
        assert!(release.cells().filter(|id| !released(*id)).all(|id| noisy.value(id).is_none()));
    }
    assert!(checked > 20, "{checked} relations checked");
    // Two draws differ (the chance that 200-odd noisy counts all coincide is nil).
    assert!(cells.iter().any(|&id| first.value(id) != second.value(id)));
    let total = release.get("total").expect("total");
    let years: u64 = cells
        .iter()
        .filter(|&&id| release.key(id).starts_with("y|"))
        .map(|&id| first.value(id).expect("released"))
        .sum();
    assert_eq!(first.value(total), Some(years), "the years add up to the published total");
}

/// Over repeated releases of the demo the raw noise has the stated mean absolute error (15%
/// tolerance: 10 releases of about 200 counts), and post-processing does not make the published
/// counts worse than the noise (it removes negative counts and averages the margins).
#[test]
fn the_error_of_noisy_releases_matches_the_noise_scale() {
    let release = demo();
    let cells = dp_cells(&release);
    let m = Laplace::new(9, 2.0).expect("mechanism");
    let (mut raw, mut published) = (0.0, 0.0);
    let runs = 10;
    for _ in 0..runs {
        let noisy = release.noisy(&cells, &m).expect("noisy release");
        raw += noisy.raw_mean_abs_error;
        published +=
            cells.iter().map(|&id| noisy.value(id).expect("released").abs_diff(release.value(id)) as f64).sum::<f64>()
                / cells.len() as f64;
    }
    let (raw, published) = (raw / runs as f64, published / runs as f64);
    let expected = m.expected_abs_error();
    assert!((raw / expected - 1.0).abs() < 0.15, "raw {raw}, expected {expected}");
    assert!(published < 1.1 * expected, "published {published}, expected noise {expected}");
}
