//! A small fictional monitoring dataset for `palermo demo`: Demoland and its made-up
//! neighbours (codes `XAA`–`XZZ`, see `model`'s `data/fictional.csv`) answer two reporting
//! rounds, so the demo's report shows a compiled section, scores, gaps and what changed between
//! rounds.
//!
//! The files are those `palermo monitor import` reads: a seed folder (`vocabulary.csv`,
//! `states.csv`, `measures.csv` and `round.toml`) for the first round, and one questionnaire
//! (YAML) per State for the second. Same seed, same bytes. Returns contents; writes nothing.

use std::fmt::Write as _;

use crate::country::{Iso3, Mention, UnStyle, countries};
use crate::vocab::{Status, Theme};

/// Folder of the first round (a seed-measures folder), relative to the demo folder.
pub const DEMO_SEED_DIR: &str = "monitoring/round-2022";
/// Folder of the second round's replies, relative to the demo folder.
pub const DEMO_REPLIES_DIR: &str = "monitoring/replies-2024";

/// The first round: the regional review of 2022, compiled like a UN report.
const ROUND_1: &str = "2022";
/// The second round: replies to the questionnaire of 2024.
const ROUND_2: &str = "2024";

/// States of the demo: (code, replied in round 1, replies in round 2, capacity 0–100).
const STATES: [(&str, bool, bool, u64); 9] = [
    ("XAR", true, true, 80),
    ("XBE", true, true, 55),
    ("XCO", true, true, 35),
    ("XDL", true, true, 65),
    ("XDR", true, true, 45),
    ("XES", true, true, 70),
    ("XFE", true, true, 30),
    ("XGA", true, false, 50),
    ("XHO", false, true, 60),
];

/// Measures of the demo's vocabulary: codes of the built-in phrasing and indicators, with the
/// demo's own labels (section, paragraph, theme, recommendation, label).
const MEASURES: [(&str, u32, Theme, u32, &str); 21] = [
    (
        "party_convention_and_both_protocols_since_2004",
        3,
        Theme::Instruments,
        58,
        "Party to the Organized Crime Convention and both Protocols",
    ),
    ("party_cedaw_op_since_2004", 3, Theme::Instruments, 58, "Party to the Optional Protocol to CEDAW"),
    ("explicit_trafficking_offence", 5, Theme::LegislationJustice, 58, "Explicit criminal offence of trafficking"),
    ("special_police_units", 6, Theme::LegislationJustice, 58, "Specialized police or prosecution units"),
    ("witness_protection", 6, Theme::LegislationJustice, 62, "Protection of victims as witnesses"),
    ("compensation_for_victims", 7, Theme::LegislationJustice, 62, "Compensation for victims"),
    ("nap_in_place", 8, Theme::PlansCoordination, 59, "National action plan against trafficking"),
    ("nap_monitoring_indicators", 8, Theme::PlansCoordination, 59, "Indicators to monitor the national action plan"),
    ("coordination_mechanism", 9, Theme::PlansCoordination, 59, "National coordination mechanism"),
    ("bilateral_agreement", 10, Theme::Cooperation, 59, "Bilateral agreements on trafficking"),
    ("law_enforcement_cooperation", 10, Theme::Cooperation, 59, "Police and prosecution cooperation across borders"),
    ("awareness_campaign", 11, Theme::Prevention, 60, "Awareness-raising campaigns"),
    ("demand_campaign", 11, Theme::Prevention, 60, "Campaigns addressing demand"),
    ("training_officials", 12, Theme::Prevention, 61, "Training of officials"),
    (
        "child_exploitation_tracking_system",
        13,
        Theme::BusinessMedia,
        61,
        "Public-private partnership on child exploitation tracking",
    ),
    ("victim_services_shelters", 14, Theme::VictimSupport, 62, "Shelters and assistance for victims"),
    ("national_referral_mechanism", 14, Theme::VictimSupport, 62, "National referral mechanism"),
    ("reflection_period", 15, Theme::VictimSupport, 62, "Reflection period for victims"),
    ("residence_permit_or_stay", 15, Theme::VictimSupport, 62, "Residence permits for victims"),
    ("data_on_cases_provided", 16, Theme::DataResearch, 63, "Data on cases provided"),
    ("data_research_efforts", 16, Theme::DataResearch, 63, "Research and data collection"),
];

/// A small deterministic generator (SplitMix64): the demo needs no statistical quality, only
/// the same numbers for the same seed on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A percentage, 0 to 99.
    fn percent(&mut self) -> u64 {
        self.next() % 100
    }
}

fn iso(code: &str) -> Option<Iso3> {
    Iso3::parse(code)
}

fn name(code: &str, mention: Mention) -> String {
    iso(code).and_then(|i| countries().get(i)).map_or_else(|| code.to_owned(), |c| c.display_name(None, mention))
}

fn section(theme: Theme) -> String {
    format!("II.{}", theme.letter())
}

/// The status a State reports in round 1, from its capacity (`None`: nothing reported).
fn first_status(rng: &mut Rng, theme: Theme, capacity: u64) -> Option<Status> {
    let draw = rng.percent();
    let done = if theme == Theme::Instruments { Status::Party } else { Status::InPlace };
    let under_way = if theme == Theme::Instruments { Status::PreparingRatification } else { Status::InPreparation };
    if draw < capacity {
        Some(done)
    } else if draw < capacity + (100 - capacity) / 3 {
        Some(under_way)
    } else {
        None
    }
}

/// The status in round 2: what was under way is often done, some gaps are filled.
fn second_status(rng: &mut Rng, theme: Theme, before: Option<Status>, capacity: u64) -> Option<Status> {
    let draw = rng.percent();
    let done = if theme == Theme::Instruments { Status::Party } else { Status::InPlace };
    let under_way = if theme == Theme::Instruments { Status::PreparingRatification } else { Status::InPreparation };
    match before {
        Some(s) if s == done => Some(done),
        Some(_) if draw < 60 => Some(done),
        Some(s) => Some(s),
        None if draw < capacity / 3 => Some(under_way),
        None if draw < capacity / 2 => Some(done),
        None => None,
    }
}

/// The demo's monitoring files, as (path relative to the demo folder, contents), in path order.
pub fn demo_files(seed: u64) -> Vec<(String, String)> {
    let mut rng = Rng(seed ^ 0x006D_6F6E_6974_6F72);
    // Round-1 statuses per State and measure, then round-2 statuses.
    let mut first: Vec<Vec<Option<Status>>> = Vec::new();
    let mut second: Vec<Vec<Option<Status>>> = Vec::new();
    for (_, replied, replies, capacity) in STATES {
        let row: Vec<Option<Status>> = MEASURES.iter().map(|m| first_status(&mut rng, m.2, capacity)).collect();
        let next = row.iter().zip(MEASURES).map(|(s, m)| second_status(&mut rng, m.2, *s, capacity)).collect();
        // A State that does not reply in a round reports nothing in it.
        first.push(if replied { row } else { vec![None; MEASURES.len()] });
        second.push(if replies { next } else { vec![None; MEASURES.len()] });
    }
    // A compiled text speaks of a measure as taken: where every State that reports a measure
    // has it only under way, the most capable one has it in place (keeps the demo's text true).
    for round in [&mut first, &mut second] {
        for (j, m) in MEASURES.iter().enumerate() {
            let done = if m.2 == Theme::Instruments { Status::Party } else { Status::InPlace };
            let reported: Vec<usize> = (0..STATES.len()).filter(|i| round[*i][j].is_some()).collect();
            if !reported.is_empty() && reported.iter().all(|i| round[*i][j] != Some(done)) {
                let best = reported.iter().copied().max_by_key(|i| STATES[*i].3);
                if let Some(i) = best {
                    round[i][j] = Some(done);
                }
            }
        }
    }

    let mut files = Vec::new();
    let mut vocabulary = String::from("measure,label,section,paragraphs,theme,recommendation_paragraph\n");
    for (code, paragraph, theme, recommendation, label) in MEASURES {
        let _ = writeln!(vocabulary, "{code},{label},{},{paragraph},{theme},{recommendation}", section(theme));
    }
    files.push((format!("{DEMO_SEED_DIR}/vocabulary.csv"), vocabulary));

    let mut states = String::from(
        "state,iso3,reporting,name_in_footnote_1,m49_code,region,sub_region,intermediate_region,mentioned_in,measure_rows\n",
    );
    for (i, (code, replied, _, _)) in STATES.iter().enumerate() {
        let Some(country) = iso(code).and_then(|c| countries().get(c)) else {
            continue;
        };
        let rows = first[i].iter().filter(|s| s.is_some()).count();
        let _ = writeln!(
            states,
            "{},{code},{replied},{},,{},{},{},,{}",
            country.display_name(None, Mention::Bare),
            if *replied { country.display_name(None, Mention::Running) } else { String::new() },
            country.region,
            country.sub_region,
            country.intermediate_region,
            if *replied { rows } else { 0 }
        );
    }
    files.push((format!("{DEMO_SEED_DIR}/states.csv"), states));

    // measures.csv in the review's order: measure by measure, States in UN order (the table
    // above is alphabetical already). Each quote names its State, as a compiled report does.
    let mut measures = String::from("state,iso3,paragraph,section,measure,status,quote\n");
    for (j, (code, paragraph, theme, _, label)) in MEASURES.iter().enumerate() {
        for (i, (state, replied, _, _)) in STATES.iter().enumerate() {
            let Some(status) = first[i][j].filter(|_| *replied) else {
                continue;
            };
            let quote = format!("{} reported: {} ({})", name(state, Mention::Running), label, status.words());
            let _ = writeln!(
                measures,
                "{},{state},{paragraph},{},{code},{},\"{}\"",
                name(state, Mention::Bare),
                section(*theme),
                status.code(),
                quote.replace('"', "\"\"")
            );
        }
    }
    files.push((format!("{DEMO_SEED_DIR}/measures.csv"), measures));
    files.push((
        format!("{DEMO_SEED_DIR}/round.toml"),
        format!(
            "# The first round of the demo: a fictional regional review compiled from the replies.\n\
             id = \"{ROUND_1}\"\n\
             title = \"Regional review of measures against trafficking in persons (fictional, {ROUND_1})\"\n\
             requested_by = \"the Demoland regional conference (fictional)\"\n\
             source_document = \"Regional review of measures against trafficking in persons, {ROUND_1} (fictional)\"\n\
             as_at = \"{ROUND_1}-06-30\"\n\
             year = {ROUND_1}\n"
        ),
    ));

    // Round 2: one questionnaire per replying State.
    for (i, (state, _, replies, _)) in STATES.iter().enumerate() {
        if !replies {
            continue;
        }
        let day = 1 + rng.next() % 28;
        let month = 2 + rng.next() % 4;
        let mut reply = format!(
            "# Reply of {} to the questionnaire of {ROUND_2} (fictional).\n\
             questionnaire_version: 1\nround: \"{ROUND_2}\"\nstate: {state}\nsubmitted: {ROUND_2}-{month:02}-{day:02}\n\
             source_document: \"Reply of {} to the questionnaire of {ROUND_2} (fictional)\"\nmeasures:\n",
            name(state, Mention::Bare),
            name(state, Mention::Bare),
        );
        for (j, (code, _, _, _, label)) in MEASURES.iter().enumerate() {
            let Some(status) = second[i][j] else {
                continue;
            };
            let _ = write!(
                reply,
                "  - measure: {code}\n    status: {}\n    evidence: \"{} reported: {} ({})\"\n",
                status.code(),
                name(state, Mention::Running),
                label,
                status.words()
            );
        }
        files.push((format!("{DEMO_REPLIES_DIR}/{state}.yaml"), reply));
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dataset, Indicators, SeedFiles, SeedRound, SubmissionFormat, compare_rounds, validate_submission};

    fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
        files.iter().find(|(p, _)| p.ends_with(name)).map_or("", |(_, t)| t.as_str())
    }

    #[test]
    fn demo_data_import_in_two_rounds() {
        let files = demo_files(2008);
        assert_eq!(files, demo_files(2008), "deterministic");
        assert_ne!(files, demo_files(7), "the seed matters");
        let seed = SeedFiles {
            measures_csv: file(&files, "measures.csv"),
            vocabulary_csv: file(&files, "vocabulary.csv"),
            states_csv: file(&files, "states.csv"),
            un_entities_csv: None,
        };
        let round = SeedRound::parse_toml(file(&files, "round.toml")).expect("round.toml");
        let mut dataset = Dataset::import_seed(&seed, &round).expect("seed import");
        assert_eq!(dataset.respondents("2022").expect("round").len(), 8);
        let today = jiff::civil::date(2025, 1, 1);
        let mut replies = 0;
        for (path, text) in files.iter().filter(|(p, _)| p.starts_with(DEMO_REPLIES_DIR)) {
            let submission = validate_submission(text, SubmissionFormat::Yaml, &dataset, today)
                .unwrap_or_else(|errors| panic!("{path}: {errors:?}"));
            dataset.apply(submission);
            replies += 1;
        }
        assert_eq!(replies, 8);
        let indicators = Indicators::builtin().expect("indicators").restricted_to(&dataset.vocabulary);
        assert!(indicators.indicators.len() >= 15, "{} indicators apply", indicators.indicators.len());
        let changes = compare_rounds(&dataset, &indicators, "2022", "2024").expect("compare");
        assert_eq!(changes.new_respondents.len(), 1);
        assert_eq!(changes.no_longer_replying.len(), 1);
        assert!(changes.states.iter().any(|s| !s.measures.is_empty()), "some measures change between rounds");
    }
}
