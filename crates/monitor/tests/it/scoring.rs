//! Scores are reproducible, every point is explained and traced to a quote of the report,
//! gap statements agree with the facts, and rounds can be compared.

use std::collections::BTreeSet;

use monitor::{
    Iso3, SubmissionFormat, compare_rounds, explain, gap_analysis, score, style::un_number, validate_submission,
};

use crate::fixture::fixture;

fn collapse(text: &str) -> String {
    text.replace('*', "").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn scores_are_reproducible() {
    let Some(fx) = fixture() else { return };
    let a = score(&fx.dataset, &fx.indicators, "2008").expect("score");
    let b = score(&fx.dataset.clone(), &fx.indicators.clone(), "2008").expect("score");
    assert_eq!(a, b);
    assert_eq!(serde_json::to_string(&a).expect("json"), serde_json::to_string(&b).expect("json"));
    assert_eq!(a.states.len(), 40, "only the 40 respondents are scored");
}

#[test]
fn explain_accounts_for_every_point() {
    let Some(fx) = fixture() else { return };
    let report = collapse(&fx.report_text);
    let scores = score(&fx.dataset, &fx.indicators, "2008").expect("score");
    for (state, s) in &scores.states {
        let why = explain(&fx.dataset, &fx.indicators, "2008", *state).expect("explain");
        assert_eq!(&why.score, s, "{state}: explain and score disagree");
        let sum: f64 = why.score.indicators.iter().map(|r| r.points).sum();
        assert!((sum - s.total.points).abs() < 1e-9, "{state}: indicator points do not add up");
        let themes: f64 = s.by_theme.values().map(|t| t.points).sum();
        assert!((themes - s.total.points).abs() < 1e-9, "{state}: theme points do not add up");
        for r in &why.score.indicators {
            let ind = fx.indicators.get(&r.id).expect("indicator");
            match &r.basis {
                Some(b) => {
                    assert!(r.points > 0.0);
                    assert_eq!(r.points, ind.weight * b.status_credit * b.measure_factor, "{state} {}", r.id);
                    assert!(ind.measures.contains(&b.measure));
                    // The fact exists and its quote is in the report, verbatim.
                    assert!(
                        fx.dataset
                            .facts
                            .iter()
                            .any(|f| f.state == *state && f.measure == b.measure && f.status == b.status)
                    );
                    let quote = b.evidence.quote.as_deref().expect("seed facts carry a quote");
                    assert!(report.contains(&collapse(quote)), "{state} {}: quote not in report", r.id);
                    assert!(b.evidence.paragraph.is_some());
                    assert!(why.text.contains(&format!("[{}]", r.id)));
                    assert!(r.considered.iter().all(|c| c.points <= b.points));
                }
                None => assert_eq!(r.points, 0.0),
            }
        }
        // Facts that count towards no indicator are listed, the others are all considered.
        for f in fx.dataset.facts.iter().filter(|f| f.state == *state) {
            let counted = why.score.indicators.iter().any(|r| r.considered.iter().any(|c| c.measure == f.measure));
            let unscored = why.unscored_facts.iter().any(|u| u.measure == f.measure);
            assert!(counted != unscored, "{state} {}: a fact must be either scored or listed as unscored", f.measure);
        }
    }
}

#[test]
fn gap_statements_agree_with_the_facts() {
    let Some(fx) = fixture() else { return };
    let gaps = gap_analysis(&fx.dataset, &fx.indicators, "2008").expect("gaps");
    let respondents: BTreeSet<Iso3> = fx.dataset.respondents("2008").expect("round").into_iter().collect();
    assert_eq!(gaps.respondents, 40);
    for st in &gaps.statements {
        let ind = fx.indicators.get(&st.indicator).expect("indicator");
        // Recount from the raw facts: a respondent with a fact whose credit and factor are positive.
        let count = respondents
            .iter()
            .filter(|s| {
                fx.dataset.facts.iter().any(|f| {
                    f.state == **s
                        && ind.measures.contains(&f.measure)
                        && fx.indicators.credit.get(&f.status).copied().unwrap_or(0.0) > 0.0
                        && ind.measure_factor.get(&f.measure).copied().unwrap_or(1.0) > 0.0
                })
            })
            .count();
        assert_eq!(st.count, count, "{}", st.indicator);
        assert!(
            st.text.starts_with(&format!("{} of the 40 reporting States", un_number(count as u64, true))),
            "{}",
            st.text
        );
    }
    for r in &gaps.recommendations {
        assert_eq!(r.states_meeting.len() + r.states_without.len(), 40, "para {}", r.paragraph);
        for s in &r.states_without {
            assert!(gaps.states[s].missing_recommendations.contains(&r.paragraph));
        }
    }
}

#[test]
fn rounds_are_compared() {
    let Some(fx) = fixture() else { return };
    let mut dataset = fx.dataset.clone();
    let today = jiff::civil::date(2010, 12, 31);
    let reply = r#"{"questionnaire_version": 1, "round": "2010", "state": "ALB", "submitted": "2010-05-04",
        "measures": [
            {"measure": "nap_in_place", "status": "in_place", "year": 2008, "paragraph": 4, "evidence": "Strategy adopted"},
            {"measure": "data_on_cases_provided", "status": "in_place", "paragraph": 9}
        ]}"#;
    let submission = validate_submission(reply, SubmissionFormat::Json, &dataset, today).expect("valid");
    let record = dataset.apply(submission);
    assert!(!record.replaced_previous);
    let cmp = compare_rounds(&dataset, &fx.indicators, "2008", "2010").expect("compare");
    let alb = cmp.states.iter().find(|s| s.state.as_str() == "ALB").expect("ALB compared");
    assert!(alb.measures.iter().any(|m| m.measure == "data_on_cases_provided" && m.from.is_none() && m.to.is_some()));
    assert!(alb.measures.iter().any(|m| m.measure == "awareness_campaign" && m.from.is_some() && m.to.is_none()));
    assert!(alb.indicators.iter().any(|(id, from, to)| id == "r63_data_provided" && *from == 0.0 && *to > 0.0));
    assert_eq!(cmp.no_longer_replying.len(), 39);
    assert!(cmp.new_respondents.is_empty());
    // History: the 2008 facts are untouched.
    assert_eq!(dataset.facts_in("2008").count(), fx.dataset.facts.len());
    let options = monitor::ReportOptions { round: Some("2010".into()), ..Default::default() };
    let report = monitor::compile_report(&dataset, &fx.indicators, &options).expect("report");
    assert!(report.markdown.contains("## Annex IV. Changes since round 2008"));
    assert_eq!(report.json["changes"]["to"], "2010");
    let row = report
        .markdown
        .lines()
        .find(|l| l.starts_with("| Albania |") && l.contains("data_on_cases_provided"))
        .expect("Albania's change row");
    assert!(row.contains("awareness_campaign"), "{row}");
    assert_eq!(report.json["measures"]["nap_in_place"]["states"], serde_json::json!(["ALB"]));
    let why = explain(&dataset, &fx.indicators, "2010", Iso3::parse("ALB").expect("code")).expect("explain");
    assert!(why.text.contains("Strategy adopted"));
}
