//! Estimates by stratum on the demo: every linked person in exactly one stratum, refused strata
//! with their reason and small sizes withheld, totals that add the strata up, and field names
//! checked where palermo.toml is read.

use model::NoProgress;

#[tokio::test]
async fn strata_partition_the_persons_and_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    app::pipeline::write_demo(dir.path(), &app::sim::SimConfig::default(), None).expect("demo");
    let observatory = app::Observatory::open(dir.path(), None).await.expect("open");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    app::pipeline::import_sources(&observatory, today, &NoProgress).await.expect("import");
    let analysis = app::pipeline::analyse(&observatory, &model::NoProgress).await.expect("analyse");
    observatory.store.close().await;
    let linkage = analysis.linkage.expect("linked");
    let persons = linkage.persons.len() as u64;
    let options = mse::EstimateOptions { nboot: 99, seed: 2008, ..Default::default() };
    let fields: Vec<String> = ["sex", "age_group", "exploitation"].map(str::to_owned).to_vec();
    let (min_stratum, min_cell) = (50, 5);
    let strata = app::strata::estimate(&linkage, &fields, &options, min_stratum, min_cell).expect("strata");
    assert_eq!(strata.len(), 3);
    for field in &strata {
        let values: std::collections::BTreeSet<&str> = field.strata.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(values.len(), field.strata.len(), "{}: a value is one stratum", field.field);
        let mut estimated = 0.0;
        for s in &field.strata {
            match (s.estimate, s.interval, &s.refused) {
                (Some(e), Some([lo, hi]), None) => {
                    let observed = s.observed.expect("an estimated stratum's size is published");
                    assert!(observed >= min_stratum, "{}: {} estimated with {observed} persons", field.field, s.value);
                    assert!(lo <= e && e <= hi && e >= observed as f64, "{}: {} {lo} {e} {hi}", field.field, s.value);
                    estimated += e;
                }
                (None, None, Some(reason)) => {
                    assert!(!reason.is_empty());
                    if let Some(n) = s.observed {
                        assert!(n >= min_cell, "{}: {} shows {n} persons, under the threshold", field.field, s.value);
                    }
                }
                other => panic!("{}: {} is neither estimated nor refused: {other:?}", field.field, s.value),
            }
        }
        let total = &field.total;
        assert!((total.estimate - estimated - total.observed_in_refused as f64).abs() < 1e-6, "{}", field.field);
        assert!(total.interval[0] < total.estimate && total.estimate < total.interval[1], "{}", field.field);
        assert_eq!(total.complete, field.strata.iter().all(|s| s.refused.is_none()));
    }
    // The demo's sexes: women and men both estimated, the few of unknown sex refused.
    let sex = &strata[0];
    let estimated: Vec<&str> = sex.strata.iter().filter(|s| s.estimate.is_some()).map(|s| s.value.as_str()).collect();
    assert_eq!(estimated, ["female", "male"]);
    // Every person is in one stratum: the persons of each field's strata add up to all persons
    // (withheld sizes counted from the total's refused persons).
    for field in &strata {
        let estimated_seen: u64 = field.strata.iter().filter(|s| s.estimate.is_some()).filter_map(|s| s.observed).sum();
        assert_eq!(estimated_seen + field.total.observed_in_refused, persons, "{}", field.field);
    }
    // Persons no list recorded the field for are never estimated (their overlap is an artefact).
    for field in &strata {
        for s in field.strata.iter().filter(|s| matches!(s.value.as_str(), "unknown" | "not_recorded")) {
            assert!(s.estimate.is_none() && s.refused.is_some(), "{}: {} was estimated", field.field, s.value);
        }
    }
    // A field that cannot split persons is refused by name.
    let err = app::strata::estimate(&linkage, &["given_name".to_owned()], &options, min_stratum, min_cell)
        .expect_err("identifying field");
    assert!(err.to_string().contains("given_name"), "{err}");
}

#[tokio::test]
async fn palermo_toml_names_the_fields_strata_may_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    app::pipeline::write_demo(dir.path(), &app::sim::SimConfig::default(), None).expect("demo");
    let path = dir.path().join("palermo.toml");
    let text = std::fs::read_to_string(&path).expect("toml");
    std::fs::write(&path, format!("{text}\n[estimate]\nstrata = [\"sex\", \"date_of_birth\"]\n")).expect("write");
    let err = app::settings::Settings::load(dir.path()).expect_err("refused");
    let message = err.to_string();
    assert!(message.contains("date_of_birth") && message.contains("age_group"), "{message}");
}
