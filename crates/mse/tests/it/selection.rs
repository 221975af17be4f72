//! Model selection beyond the stepwise default: exhaustive AIC/BIC, fixed models.

use mse::{CheckCache, Criterion, Model, NoProgress, exhaustive, fit_model};

use crate::common::dataset;

#[test]
fn exhaustive_bic_returns_the_smallest_bic_of_admissible_models() {
    let Some(table) = dataset("Kosovo") else {
        return;
    };
    let t = table.n_lists();
    let y = table.history_counts();
    let cache = CheckCache::new();
    let sel = exhaustive(t, &y, Criterion::Bic, 15, &cache, &NoProgress).expect("search runs");
    assert_eq!(sel.models_examined, 64);
    let best = sel.fit.bic();
    // Every pairwise model of four lists, checked and fitted one by one.
    for bits in 0..64u128 {
        let model = Model::from_bits(bits);
        if mse::check_model(t, &y, model, &cache).expect("check").is_ok() {
            let fit = fit_model(t, &y, model).expect("fit");
            assert!(fit.bic() >= best - 1e-9, "model {bits:b} has BIC {} < {best}", fit.bic());
        }
    }
    let aic = exhaustive(t, &y, Criterion::Aic, 15, &cache, &NoProgress).expect("search runs");
    assert!(aic.fit.model.n_pairs() >= sel.fit.model.n_pairs(), "AIC penalises less than BIC at n = 4400");
}

#[test]
fn exhaustive_search_skips_models_without_a_finite_mle() {
    let Some(table) = dataset("Artificial_3") else {
        return;
    };
    let y = table.history_counts();
    let cache = CheckCache::new();
    let sel = exhaustive(3, &y, Criterion::Aic, 15, &cache, &NoProgress).expect("search runs");
    // Models with A:B have no finite MLE and the saturated one is not identifiable.
    assert_eq!(sel.models_refused, 4);
    assert!(!sel.fit.model.contains(0));
}

#[test]
fn exhaustive_search_prunes_to_the_most_significant_pairs() {
    let Some(table) = dataset("NewOrl") else {
        return;
    };
    let y = table.history_counts();
    let cache = CheckCache::new();
    // Eight lists, 28 pairs; search the 6 with the smallest main-effects p-values.
    let sel = exhaustive(8, &y, Criterion::Bic, 6, &cache, &NoProgress).expect("search runs");
    assert_eq!(sel.models_examined, 64);
    assert_eq!(sel.pruned_pairs.len(), 22);
    assert!(sel.fit.model.pair_indices().all(|k| !sel.pruned_pairs.contains(&k)));
    // Stepwise picks D:E on NewOrl; the pruned search keeps that pair in play.
    let d_e = mse::pair_index(8, 3, 4);
    assert!(!sel.pruned_pairs.contains(&d_e));
    assert!(matches!(
        exhaustive(8, &y, Criterion::Bic, 30, &cache, &NoProgress),
        Err(mse::Error::TooManyModels { .. })
    ));
}

#[test]
fn survey_covers_every_model_and_agrees_with_the_checks() {
    let Some(table) = dataset("Artificial_3") else { return };
    let y = table.history_counts();
    let cache = CheckCache::new();
    let survey = mse::survey_models(3, &y, table.lists(), &cache).expect("survey");
    assert_eq!(survey.len(), 8);
    for s in &survey {
        assert_eq!(s.estimate.is_some(), s.verdict.is_ok(), "{:?}", s.model);
        if s.model.is_empty() {
            // Main effects: the stepwise answer on this table.
            assert!((s.estimate.unwrap_or_default() - 539.093_929_428_606_3).abs() < 1e-6);
        }
    }
}

#[test]
fn tables_from_linked_persons_count_each_history() {
    let lists = vec!["police".to_owned(), "ngo".to_owned(), "shelter".to_owned()];
    let persons = [0b001, 0b011, 0b001, 0b100, 0b011, 0b001];
    let table = mse::CaptureTable::from_person_histories(lists.clone(), persons).expect("table");
    assert_eq!(table.n_observed(), 6);
    let rows: Vec<(u32, u64)> = table.rows().iter().map(|r| (r.history, r.count)).collect();
    assert_eq!(rows, [(0b001, 3), (0b100, 1), (0b011, 2)]);
    assert!(matches!(
        mse::CaptureTable::from_person_histories(lists, [0b001, 0]),
        Err(mse::Error::AllZeroHistory { row: 2 })
    ));
}

/// Exhaustive AIC and BIC against the same search done in R with SparseMSE's
/// `checkident` and `modelfit` (fixture README gives the call): same number of
/// admissible models, same best model, criterion and estimate.
#[test]
fn exhaustive_search_matches_sparsemse_fits() {
    for name in ["Artificial_3", "Kosovo", "Ned_5", "NewOrl_5", "UKdat", "UKdat_4", "UKdat_5", "Western"] {
        let Some(table) = dataset(name) else { return };
        let fx = crate::common::fixture(&format!("sparsemse_exhaustive_{name}.json"));
        let t = table.n_lists();
        let y = table.history_counts();
        let cache = CheckCache::new();
        for (criterion, key) in [(Criterion::Aic, "aic"), (Criterion::Bic, "bic")] {
            let sel = exhaustive(t, &y, criterion, 15, &cache, &NoProgress).expect("search runs");
            let admissible = (sel.models_examined - sel.models_refused) as u64;
            assert_eq!(Some(admissible), fx["models_ok"].as_u64(), "{name}: admissible models");
            let mut terms = sel.fit.model.terms(table.lists());
            terms.sort();
            assert_eq!(terms, crate::common::sorted_strings(&fx, &format!("{key}_terms")), "{name} {key}");
            let score = match criterion {
                Criterion::Aic => sel.fit.aic(),
                Criterion::Bic => sel.fit.bic(),
            };
            let r_score = crate::common::num(&fx, &format!("{key}_min"));
            assert!(crate::common::rel(score, r_score) < 1e-6, "{name} {key}: {score} vs {r_score}");
            let r_est = crate::common::num(&fx, &format!("{key}_estimate"));
            assert!(crate::common::rel(sel.fit.estimate(), r_est) < 1e-6, "{name} {key}: estimate");
        }
    }
}
