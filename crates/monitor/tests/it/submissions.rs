//! Questionnaires: the template and the JSON Schema, refusal of invalid replies with field and
//! reason (and nothing stored), replacement within a round.

use monitor::{Reason, SubmissionFormat, json_schema, parse_questionnaire, template, validate_submission};

use crate::fixture::fixture;

fn today() -> jiff::civil::Date {
    jiff::civil::date(2024, 1, 15)
}

const INVALID_YAML: &str = r#"questionnaire_version: 1
round: "2024"
state: Atlantis
submitted: 2024-01-10
instruments:
  - instrument: trafficking_protocol
    status: party
    date: 2030-02-01
measures:
  - measure: nap_in_place
    status: in_place
  - measure: national_rapporteur_made_up
    status: in_place
  - measure: coordination_mechanism
    status: ratified
  - measure: awareness_campaign
    status: in_place
    date: 2024-02-01
"#;

#[test]
fn invalid_submission_is_refused_with_every_field_and_reason() {
    let Some(fx) = fixture() else { return };
    let before = fx.dataset.clone();
    let errors = validate_submission(INVALID_YAML, SubmissionFormat::Yaml, &fx.dataset, today()).expect_err("invalid");
    let find = |field: &str| {
        errors.iter().find(|e| e.field == field).unwrap_or_else(|| panic!("no error for {field}: {errors:?}"))
    };
    assert!(matches!(&find("state").reason, Reason::UnknownCountry { value } if value == "Atlantis"));
    assert!(
        matches!(&find("measures[1].measure").reason, Reason::UnknownMeasure { code } if code == "national_rapporteur_made_up")
    );
    assert!(
        matches!(&find("measures[2].status").reason, Reason::BadStatus { value, allowed } if value == "ratified" && allowed.iter().any(|a| a == "in_place"))
    );
    assert!(matches!(find("measures[3].date").reason, Reason::FutureDate { .. }));
    assert!(matches!(find("instruments[0].date").reason, Reason::FutureDate { .. }));
    assert_eq!(errors.len(), 5, "{errors:?}");
    for e in &errors {
        let text = e.to_string();
        assert!(text.starts_with(&format!("{}: ", e.field)) && text.len() > e.field.len() + 5, "{text}");
    }
    assert_eq!(fx.dataset, before, "nothing stored");
}

#[test]
fn bad_year_treaty_status_and_syntax_are_refused() {
    let Some(fx) = fixture() else { return };
    let json = r#"{"questionnaire_version": 1, "round": "2024", "state": "PHL", "submitted": "2024-13-01",
        "instruments": [{"instrument": "trafficking_protocol", "status": "in_place"}],
        "measures": [{"measure": "party_crc_opsc_since_2004", "status": "in_place"},
                     {"measure": "nap_in_place", "status": "in_place", "year": 2025},
                     {"measure": "nap_in_place", "status": "in_preparation"}]}"#;
    let errors = validate_submission(json, SubmissionFormat::Json, &fx.dataset, today()).expect_err("invalid");
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["submitted", "instruments[0].status", "measures[0].status", "measures[1].year", "measures[2].measure"],
        "{errors:?}"
    );
    let territory = "questionnaire_version: 1\nround: r\nstate: Hong Kong\nsubmitted: 2020-01-01\n";
    let errors = validate_submission(territory, SubmissionFormat::Yaml, &fx.dataset, today()).expect_err("territory");
    assert!(matches!(&errors[0].reason, Reason::NotAState { iso3 } if iso3.as_str() == "HKG"), "{errors:?}");
    let typo = "questionnaire_version: 1\nround: r\nstate: PHL\nsubmitted: 2020-01-01\nmeasurs: []\n";
    let errors = validate_submission(typo, SubmissionFormat::Yaml, &fx.dataset, today()).expect_err("typo");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "(document)");
    assert!(errors[0].to_string().contains("measurs"), "{}", errors[0]);
}

#[test]
fn valid_reply_is_stored_and_a_second_one_replaces_it() {
    let Some(fx) = fixture() else { return };
    let mut dataset = fx.dataset.clone();
    let yaml = "questionnaire_version: 1\nround: \"2024\"\nstate: the Philippines\nsubmitted: 2024-01-10\n\
                instruments:\n  - instrument: coe_trafficking_convention\n    status: not_party\n\
                measures:\n  - measure: nap_in_place\n    status: in_place\n    year: 2023\n  - measure: public_hotline\n    status:\n";
    let first = validate_submission(yaml, SubmissionFormat::Yaml, &dataset, today()).expect("valid");
    assert_eq!(first.state.as_str(), "PHL");
    assert_eq!(first.measures.len(), 1, "unanswered entries are ignored");
    let record = dataset.apply(first);
    assert!(!record.replaced_previous);
    assert_eq!(dataset.facts_in("2024").count(), 1);
    let second_text = yaml.replace("status: in_place", "status: in_preparation");
    let second = validate_submission(&second_text, SubmissionFormat::Yaml, &dataset, today()).expect("valid");
    let record = dataset.apply(second);
    assert!(record.replaced_previous);
    let facts: Vec<_> = dataset.facts_in("2024").collect();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].status, monitor::Status::InPreparation);
    assert_eq!(dataset.submissions.len(), 2);
    assert_eq!(dataset.round("2024").expect("round").replies.len(), 1);
    assert_eq!(dataset.facts_in("2008").count(), fx.dataset.facts.len());
}

#[test]
fn template_lists_the_vocabulary_and_validates_once_filled() {
    let Some(fx) = fixture() else { return };
    let blank = template(&fx.dataset.vocabulary, "2024");
    let parsed = parse_questionnaire(&blank, SubmissionFormat::Yaml).expect("template parses");
    assert_eq!(parsed.measures.len(), fx.dataset.vocabulary.measures().len());
    assert!(parsed.measures.iter().all(|m| m.status.is_none()));
    // Blank: refused for the missing State and date, and for nothing else.
    let errors = validate_submission(&blank, SubmissionFormat::Yaml, &fx.dataset, today()).expect_err("blank");
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["state", "submitted"]);
    let filled = blank
        .replacen("state: \"\"", "state: \"ALB\"", 1)
        .replacen("submitted: \"\"", "submitted: \"2024-01-02\"", 1)
        .replacen(
            "  - measure: nap_in_place\n    # National action plan against trafficking in place\n    status:",
            "  - measure: nap_in_place\n    # National action plan against trafficking in place\n    status: in_place",
            1,
        );
    let ok = validate_submission(&filled, SubmissionFormat::Yaml, &fx.dataset, today()).expect("filled template");
    assert_eq!(ok.measures.len(), 1);
}

#[test]
fn published_schema_matches_the_types() {
    let published = include_str!("../../schema/questionnaire.schema.json");
    assert_eq!(published, json_schema(), "regenerate schema/questionnaire.schema.json from json_schema()");
    let schema: serde_json::Value = serde_json::from_str(published).expect("schema is JSON");
    let required = schema["required"].as_array().expect("required");
    for field in ["questionnaire_version", "round", "state", "submitted"] {
        assert!(required.iter().any(|r| r == field), "{field}");
    }
}

/// A State that answers `trafficking_protocol: party` under `instruments:` scores the
/// "Trafficking Protocol ratified" indicator, as if it had named a measure saying so.
#[test]
fn an_instrument_answered_party_scores_its_indicator() {
    let Some(fx) = fixture() else { return };
    let mut dataset = fx.dataset.clone();
    let indicators = monitor::Indicators::builtin().expect("indicators");
    let yaml = "questionnaire_version: 1\nround: \"2024\"\nstate: the Philippines\nsubmitted: 2024-01-10\n\
                instruments:\n  - instrument: trafficking_protocol\n    status: party\n\
                measures:\n  - measure: nap_in_place\n    status: in_place\n    year: 2023\n";
    let reply = validate_submission(yaml, SubmissionFormat::Yaml, &dataset, today()).expect("valid");
    dataset.apply(reply);
    let scores = monitor::score(&dataset, &indicators, "2024").expect("scores");
    let phl = scores.states.values().find(|s| s.state.as_str() == "PHL").expect("PHL scored");
    let protocol = phl.indicators.iter().find(|i| i.id == "r58_trafficking_protocol").expect("indicator");
    assert_eq!(protocol.points, protocol.max, "{protocol:?}");
    assert_eq!(protocol.basis.as_ref().map(|b| b.measure.as_str()), Some("trafficking_protocol"));
}
