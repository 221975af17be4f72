//! Existence and identifiability verdicts agree with SparseMSE's `checkident`,
//! and bad models are refused with the reason.

use mse::{CheckCache, Error, EstimateOptions, Method, Model, NoProgress, Verdict, check_model, estimate};

use crate::common::{dataset, fixture};

#[test]
fn artificial_3_verdicts_match_checkident() {
    let Some(table) = dataset("Artificial_3") else {
        return;
    };
    let fx = fixture("sparsemse_checkident_Artificial_3.json");
    let models = fx["models"].as_array().expect("models array");
    assert_eq!(models.len(), 8);
    let cache = CheckCache::new();
    let y = table.history_counts();
    let mut seen = Vec::new();
    for m in models {
        let terms: Vec<String> =
            m["terms"].as_array().expect("terms").iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect();
        let model = Model::parse_terms(table.lists(), &terms).expect("fixture terms are valid");
        let verdict = check_model(3, &y, model, &cache).expect("check runs");
        assert_eq!(u64::from(verdict.code()), m["ierr"].as_u64().expect("ierr"), "model {terms:?}");
        seen.push(verdict);
    }
    // The table was built to show both failures.
    assert!(seen.contains(&Verdict::NoFiniteMle));
    assert!(seen.contains(&Verdict::NotIdentifiable));
}

#[test]
fn estimates_from_bad_models_are_refused_with_the_reason() {
    let Some(table) = dataset("Artificial_3") else {
        return;
    };
    for (terms, expected) in
        [(vec!["A:B"], Verdict::NoFiniteMle), (vec!["A:B", "A:C", "B:C"], Verdict::NotIdentifiable)]
    {
        let options = EstimateOptions {
            method: Method::Fixed(terms.iter().map(|s| (*s).to_owned()).collect()),
            nboot: 0,
            ..Default::default()
        };
        match estimate(&table, &options, &NoProgress) {
            Err(Error::BadModel { verdict, .. }) => assert_eq!(verdict, expected),
            other => panic!("{terms:?}: expected a refusal, got {other:?}"),
        }
    }
    let ok =
        EstimateOptions { method: Method::Fixed(vec!["A:C".into(), "B:C".into()]), nboot: 0, ..Default::default() };
    let report = estimate(&table, &ok, &NoProgress).expect("A:C + B:C passes both checks");
    assert_eq!(report.diagnostics.verdict, Verdict::Ok);
    assert_eq!(report.diagnostics.empty_pairs, ["A:C", "B:C"]);
}
