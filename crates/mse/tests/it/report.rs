//! The JSON contract of `palermo estimate --format json`, the text rendering,
//! strata, and cancellation.

use std::sync::atomic::{AtomicU64, Ordering};

use mse::{CaptureTable, Error, EstimateOptions, Method, NoProgress, Progress, estimate, estimate_strata};

use crate::common::dataset;

#[test]
fn json_has_exactly_the_contract_keys() {
    let Some(table) = dataset("Ned") else { return };
    let options = EstimateOptions { nboot: 0, ..Default::default() };
    let report = estimate(&table, &options, &NoProgress).expect("estimate");
    let json = serde_json::to_value(&report).expect("serialize");
    let keys: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
    let mut expected = vec![
        "lists",
        "observed",
        "method",
        "model",
        "estimate",
        "ci_conditional",
        "ci_profile",
        "ci_bca",
        "upper_limit_note",
        "diagnostics",
    ];
    expected.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, expected);
    assert_eq!(json["method"], "stepwise");
    assert_eq!(json["observed"], 8234);
    assert!(json["ci_bca"].is_null(), "nboot = 0 gives no BCa interval");
    assert!(json["upper_limit_note"].is_null());
    // Ned's selected model holds two pairs with no case in common; they are listed.
    let model: Vec<&str> = json["model"].as_array().expect("array").iter().filter_map(|v| v.as_str()).collect();
    assert!(model.contains(&"K:R") && model.contains(&"I:K"), "{model:?}");
    let text = report.render_text();
    assert!(text.contains("I:K") && text.contains("model-conditional") && text.contains("8234"));
}

#[test]
fn strata_report_list_structure_beside_each_estimate() {
    let men =
        CaptureTable::parse_csv("A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n1,0,1,5\n0,1,1,4\n1,1,1,2\n")
            .expect("table");
    let women = CaptureTable::parse_csv("A,B,C,count\n1,0,0,12\n0,1,0,9\n0,0,1,30\n").expect("table");
    let options = EstimateOptions { nboot: 0, ..Default::default() };
    let out = estimate_strata(&[("men".into(), men), ("women".into(), women)], &options, &NoProgress);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].stratum, "men");
    assert_eq!(out[0].cases_per_list, [53, 42, 31]);
    assert!(out[0].report.is_some() && out[0].error.is_none());
    // No overlap at all: every pair is empty and no finite estimate exists.
    assert_eq!(out[1].pairs_without_overlap, ["A:B", "A:C", "B:C"]);
    assert_eq!(out[1].histories_observed, 3);
    assert!(out[1].report.is_none());
    assert!(out[1].error.as_deref().is_some_and(|e| e.contains("not finite")), "{:?}", out[1].error);
}

struct CancelAfter {
    done: AtomicU64,
    limit: u64,
}

impl Progress for CancelAfter {
    fn inc(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
    fn is_cancelled(&self) -> bool {
        self.done.load(Ordering::Relaxed) >= self.limit
    }
}

#[test]
fn progress_counts_units_and_cancellation_stops_the_job() {
    let Some(table) = dataset("UKdat_4") else {
        return;
    };
    let counter = CancelAfter { done: AtomicU64::new(0), limit: u64::MAX };
    let options = EstimateOptions { nboot: 40, ..Default::default() };
    estimate(&table, &options, &counter).expect("estimate");
    // 40 replicates plus one jackknife estimate per row.
    assert_eq!(counter.done.load(Ordering::Relaxed), 40 + table.rows().len() as u64);
    let cancel = CancelAfter { done: AtomicU64::new(0), limit: 5 };
    match estimate(&table, &EstimateOptions { nboot: 400, ..options.clone() }, &cancel) {
        Err(Error::Cancelled) => {}
        other => panic!("expected cancellation, got {other:?}"),
    }
    let bad = EstimateOptions { method: Method::Fixed(vec!["LA:XX".into()]), ..options };
    assert!(matches!(estimate(&table, &bad, &NoProgress), Err(Error::UnknownList { .. })));
}

#[test]
fn strata_rules_refuse_with_the_reason() {
    use mse::{Refusal, StrataRules, StratumInput, estimate_strata_with};
    let table = |csv: &str| CaptureTable::parse_csv(csv).expect("table");
    let full = "A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n1,0,1,5\n0,1,1,4\n1,1,1,2\n";
    let input = |label: &str, not_recorded: bool, csv: &str| StratumInput {
        label: label.to_owned(),
        not_recorded,
        table: table(csv),
    };
    let strata = [
        input("ok", false, full),
        input("unknown", true, full),
        input("small", false, "A,B,C,count\n1,0,0,10\n0,1,0,8\n1,1,0,3\n"),
        // List C has nobody: it is dropped, and two lists remain.
        input("two lists", false, "A,B,C,count\n1,0,0,60\n0,1,0,50\n1,1,0,20\n"),
        input("one list", false, "A,B,C,count\n1,0,0,90\n"),
    ];
    let options = EstimateOptions { nboot: 0, ..Default::default() };
    let out = estimate_strata_with(&strata, &options, &StrataRules { min_stratum: 50 }, &NoProgress);
    let refusals: Vec<Option<&Refusal>> = out.iter().map(|r| r.refused.as_ref()).collect();
    assert_eq!(
        refusals,
        [
            None,
            Some(&Refusal::NotRecorded),
            Some(&Refusal::TooFew { min_stratum: 50 }),
            None,
            Some(&Refusal::TooFewLists)
        ]
    );
    for r in &out {
        assert_eq!(r.report.is_some(), r.refused.is_none(), "{}", r.stratum);
        assert_eq!(r.error.is_some(), r.refused.is_some(), "{}", r.stratum);
    }
    assert!(out[2].error.as_deref().is_some_and(|e| e.contains("fewer than 50")), "{:?}", out[2].error);
    assert_eq!(out[3].lists, ["A", "B"]);
    // Two lists, independent: Lincoln–Petersen, 80 * 70 / 20 = 280.
    let two = out[3].report.as_ref().expect("estimated");
    assert!((two.estimate - 280.0).abs() < 1e-6, "{}", two.estimate);
    // Without rules, the same stratum of unknown values is estimated (the rule is the caller's).
    let plain = mse::estimate_strata(&[("unknown".into(), table(full))], &options, &NoProgress);
    assert!(plain[0].report.is_some());
}
