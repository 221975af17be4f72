//! Every configured estimator on the demo's linked lists (`[estimate] methods`): each gives an
//! estimate above the persons seen with an interval around it, or says why not; the same seed gives
//! the same figures; disagreements are flagged exactly when intervals do not overlap; and
//! palermo.toml refuses an estimator it does not know.

use app::methods::{MethodEstimate, MethodSpec, compare, disagreements};
use model::NoProgress;

#[tokio::test]
async fn every_configured_method_estimates_the_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    app::pipeline::write_demo(dir.path(), &app::sim::SimConfig::default(), None).expect("demo");
    let observatory = app::Observatory::open(dir.path(), None).await.expect("open");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    app::pipeline::import_sources(&observatory, today, &NoProgress).await.expect("import");
    let analysis = app::pipeline::analyse(&observatory, &model::NoProgress).await.expect("analyse");
    observatory.store.close().await;
    let linkage = analysis.linkage.expect("linked");
    let table = linkage.capture_table().expect("table");
    let seen = table.n_observed() as f64;
    let mut settings = app::settings::EstimateSettings {
        methods: ["stepwise", "lcmcr", "dga", "mth-chao", "mth-darroch"].map(str::to_owned).to_vec(),
        ..Default::default()
    };
    // Short chains: the test checks the wiring, not LCMCR's convergence.
    settings.lcmcr.burnin = 500;
    settings.lcmcr.samples = 200;
    settings.lcmcr.thinning = 5;
    settings.lcmcr.chains = 2;
    let options = mse::EstimateOptions { nboot: 0, seed: 7, ..Default::default() };
    let primary = mse::estimate(&table, &options, &mse::NoProgress).expect("stepwise");
    let uncertainty = linkage.uncertainty(&primary);
    let run = |settings: &app::settings::EstimateSettings| {
        compare(&table, Some(&linkage), settings, 7, (&primary, uncertainty.as_ref()), &NoProgress).expect("compare")
    };
    let comparison = run(&settings);
    let names: Vec<&str> = comparison.estimates.iter().map(|m| m.method.as_str()).collect();
    assert_eq!(names, settings.methods.iter().map(String::as_str).collect::<Vec<_>>(), "in the configured order");
    for m in &comparison.estimates {
        let (Some(e), Some([lo, hi])) = (m.estimate, m.interval) else {
            panic!("{}: no estimate: {:?}", m.method, m.skipped);
        };
        assert!(e >= seen && lo <= e && e <= hi && lo >= seen - 1e-6, "{}: {lo} {e} {hi} (seen {seen})", m.method);
        assert!(!m.assumes.is_empty() && !m.interval_kind.is_empty(), "{}", m.method);
    }
    // The log-linear estimate is the one already made, with its linkage-aware interval.
    assert_eq!(comparison.estimates[0].estimate, Some(primary.estimate));
    assert_eq!(comparison.estimates[0].linkage_interval, uncertainty.as_ref().map(|u| u.interval));
    // Rcapture's models are refitted on the drawn linkages: the interval moves to the drawn
    // linkages' median (the corrected estimate) and widens, never narrows.
    for m in &comparison.estimates[3..] {
        let ([lo, hi], [llo, lhi]) = (m.interval.expect("interval"), m.linkage_interval.expect("linkage-aware"));
        let corrected = m.corrected.expect("corrected");
        assert!(lhi - llo >= hi - lo - 1e-6, "{}: {llo}–{lhi} narrower than {lo}–{hi}", m.method);
        assert!(llo <= corrected && corrected <= lhi, "{}: {corrected} outside {llo}–{lhi}", m.method);
    }
    // The Bayesian methods are not rerun on the draws.
    assert!(comparison.estimates[1].linkage_interval.is_none() && comparison.estimates[2].linkage_interval.is_none());
    // Reproducible: the same seed gives the same figures.
    assert_eq!(run(&settings), comparison);
    // dga above its list limit is skipped with the reason, not run.
    settings.dga_max_lists = table.n_lists() - 1;
    settings.methods = vec!["dga".to_owned()];
    let skipped = run(&settings);
    let reason = skipped.estimates[0].skipped.as_deref().expect("skipped");
    assert!(skipped.estimates[0].estimate.is_none() && reason.contains("dga_max_lists"), "{reason}");
}

fn method(name: &str, estimate: f64, interval: [f64; 2]) -> MethodEstimate {
    MethodEstimate {
        method: name.to_owned(),
        label: name.to_uppercase(),
        estimate: Some(estimate),
        interval: Some(interval),
        interval_kind: "test".to_owned(),
        corrected: None,
        linkage_interval: None,
        assumes: String::new(),
        details: String::new(),
        warnings: Vec::new(),
        skipped: None,
    }
}

#[test]
fn disagreement_is_flagged_exactly_when_intervals_do_not_overlap() {
    let a = method("a", 1000.0, [900.0, 1100.0]);
    let b = method("b", 1150.0, [1050.0, 1300.0]);
    let c = method("c", 2000.0, [1500.0, 2600.0]);
    let found = disagreements(&[a.clone(), b.clone(), c.clone()]);
    let pairs: Vec<[String; 2]> = found.iter().map(|d| d.methods.clone()).collect();
    assert_eq!(pairs, [["a", "c"], ["b", "c"]].map(|p| p.map(str::to_owned)));
    assert!(found[0].text.contains('A') && found[0].text.contains('C'), "{}", found[0].text);
    // A linkage-aware interval that reaches the other's counts as overlap.
    let mut wide = b.clone();
    wide.linkage_interval = Some([1000.0, 1600.0]);
    let found = disagreements(&[wide, c]);
    assert!(found.is_empty(), "{found:?}");
    assert!(MethodSpec::parse("lcmcr").is_ok() && MethodSpec::parse("mth-chao").is_ok());
}

#[tokio::test]
async fn palermo_toml_refuses_an_unknown_estimator() {
    let dir = tempfile::tempdir().expect("tempdir");
    app::pipeline::write_demo(dir.path(), &app::sim::SimConfig::default(), None).expect("demo");
    let path = dir.path().join("palermo.toml");
    let text = std::fs::read_to_string(&path).expect("toml");
    std::fs::write(&path, format!("{text}\n[estimate]\nmethods = [\"stepwise\", \"lcmrc\"]\n")).expect("write");
    let message = app::settings::Settings::load(dir.path()).expect_err("refused").to_string();
    assert!(message.contains("lcmrc") && message.contains("lcmcr"), "{message}");
}
