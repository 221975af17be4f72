//! The JSON report lists, for every measure code of the fixture, exactly the States (and
//! count, paragraph, section and split by status) that the 2008 report lists.

use monitor::{ListOrder, ReportOptions, UnStyle, compile_report};

use crate::fixture::fixture;

#[test]
fn json_report_matches_expected_counts_for_every_code() {
    let Some(fx) = fixture() else { return };
    let report = match compile_report(&fx.dataset, &fx.indicators, &ReportOptions::default()) {
        Ok(r) => r,
        Err(err) => panic!("compile_report: {err}"),
    };
    let expected = fx.expected_counts.as_object().expect("expected_counts.json is an object");
    assert!(!expected.is_empty());
    for (code, want) in expected {
        let got = &report.json["measures"][code];
        assert!(got.is_object(), "{code}: missing from the JSON report");
        assert_eq!(got["states"], want["iso3"], "{code}: States (in report order)");
        assert_eq!(got["count"], want["count"], "{code}: count");
        assert_eq!(got["paragraph"], want["paragraph"], "{code}: paragraph");
        assert_eq!(got["section"], want["section"], "{code}: section");
        assert_eq!(got["by_status"], want["by_status"], "{code}: by_status");
    }
    // And nothing more: every code with States in the report is in the fixture.
    let measures = report.json["measures"].as_object().expect("measures object");
    for (code, got) in measures {
        if got["count"].as_u64().unwrap_or(0) > 0 {
            assert!(expected.contains_key(code), "{code}: reported but not in the fixture");
        }
    }
}

#[test]
fn un_order_gives_the_same_sets_sorted() {
    let Some(fx) = fixture() else { return };
    let options = ReportOptions { order: ListOrder::UnAlphabetical, ..ReportOptions::default() };
    let report = compile_report(&fx.dataset, &fx.indicators, &options).expect("report");
    let expected = fx.expected_counts.as_object().expect("object");
    let round = fx.dataset.round("2008").expect("round");
    for (code, want) in expected {
        let mut want: Vec<String> =
            want["iso3"].as_array().expect("iso3 list").iter().map(|v| v.as_str().unwrap_or("").to_owned()).collect();
        let got: Vec<String> = report.json["measures"][code]["states"]
            .as_array()
            .expect("states")
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_owned())
            .collect();
        want.sort();
        let mut sorted_got = got.clone();
        sorted_got.sort();
        assert_eq!(sorted_got, want, "{code}: same set in UN order");
        // UN order: non-decreasing by the UN sort key of the round's year.
        let keys: Vec<String> = got
            .iter()
            .map(|c| {
                let iso3 = monitor::Iso3::parse(c).expect("code");
                monitor::countries().get(iso3).expect("known").un_sort_key(Some(round.year))
            })
            .collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{code}: not in UN order: {got:?}");
    }
}

#[test]
fn import_refuses_inconsistent_rows() {
    let Some(_) = fixture() else { return };
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/seed-measures/");
    let read = |f: &str| std::fs::read_to_string(format!("{dir}{f}")).expect("seed file");
    let (measures, vocabulary, states) = (read("measures.csv"), read("vocabulary.csv"), read("states.csv"));
    // A wrong status, an unknown code, a name that does not match its code.
    let cases = [
        (
            measures.replacen(
                ",party_convention_and_both_protocols_since_2004,party,",
                ",party_convention_and_both_protocols_since_2004,in_place,",
                1,
            ),
            "status",
        ),
        (measures.replacen(",nap_in_place,", ",nap_in_placee,", 1), "measure"),
        (measures.replacen("Belgium,BEL,3", "Belgium,BRA,3", 1), "does not designate"),
    ];
    for (text, needle) in cases {
        let files = monitor::SeedFiles {
            measures_csv: &text,
            vocabulary_csv: &vocabulary,
            states_csv: &states,
            un_entities_csv: None,
        };
        let err =
            monitor::Dataset::import_seed(&files, &monitor::SeedRound::sg_report_2008()).expect_err("must refuse");
        let message = err.to_string();
        assert!(message.contains("measures.csv") && message.contains("row"), "{message}");
        assert!(message.contains(needle), "{message} should mention {needle}");
    }
}

#[test]
fn region_report_keeps_only_the_region() {
    let Some(fx) = fixture() else { return };
    let world = compile_report(&fx.dataset, &fx.indicators, &ReportOptions::default()).expect("report");
    let options = ReportOptions { region: Some("Europe".into()), ..ReportOptions::default() };
    let europe = compile_report(&fx.dataset, &fx.indicators, &options).expect("report");
    let in_europe: std::collections::BTreeSet<monitor::Iso3> =
        monitor::countries().in_region("Europe").into_iter().collect();
    let states = europe.json["states"].as_object().expect("states");
    assert!(!states.is_empty());
    for (code, s) in states {
        assert_eq!(s["region"], "Europe", "{code}");
    }
    for (code, m) in europe.json["measures"].as_object().expect("measures") {
        let expected: Vec<&serde_json::Value> = world.json["measures"][code]["states"]
            .as_array()
            .expect("states")
            .iter()
            .filter(|v| v.as_str().and_then(monitor::Iso3::parse).is_some_and(|i| in_europe.contains(&i)))
            .collect();
        let got: Vec<&serde_json::Value> = m["states"].as_array().expect("states").iter().collect();
        assert_eq!(got, expected, "{code}");
    }
    assert!(europe.markdown.starts_with("## Measures reported by Member States (Europe)"));
    let bad = ReportOptions { region: Some("Atlantis".into()), ..ReportOptions::default() };
    assert!(matches!(compile_report(&fx.dataset, &fx.indicators, &bad), Err(monitor::Error::UnknownRegion { .. })));
}
