//! Monitoring engine of Palermo: what States report on the measures they take against
//! trafficking in persons, scored against indicators, analysed for gaps, and compiled into the
//! section "Measures reported by Member States" of a report in the style of the
//! Secretary-General's 2008 report on trafficking in women and girls.
//!
//! The engine is sans-IO: every function takes file *contents* and returns values. The
//! application layer reads files, persists the [`Dataset`] (it is `Serialize`/`Deserialize`;
//! [`Dataset::to_json`]) and wires the commands `palermo monitor import|report|template|explain`.
//!
//! | step | call |
//! |---|---|
//! | import the seed-measures folder | [`Dataset::import_seed`] with [`SeedFiles`] and [`SeedRound::sg_report_2008`] |
//! | blank questionnaire / its JSON Schema | [`template`], [`json_schema`] (published copy: `schema/questionnaire.schema.json`) |
//! | check a State's reply (YAML or JSON) | [`validate_submission`] → `Ok(Submission)` or every [`SubmissionError`] |
//! | store it (history across rounds) | [`Dataset::apply`] |
//! | indicators | [`Indicators::builtin`] (`src/data/indicators.toml`) or [`Indicators::parse_toml`] |
//! | scores, derivation, change | [`score`], [`explain`], [`compare_rounds`] |
//! | gaps and statements | [`gap_analysis`] |
//! | the report (Markdown, HTML, JSON, Vega-Lite) | [`compile_report`] with [`ReportOptions`] |
//!
//! The method of the indicators is written up in `METHOD.md` beside this crate's manifest.
//!
//! # Example
//!
//! ```
//! use monitor::*;
//!
//! let vocabulary = "measure,label,section,paragraphs,theme,recommendation_paragraph\n\
//!     nap_in_place,National action plan against trafficking in place,II.C,12,plans_coordination,59\n";
//! let states = "state,iso3,reporting,name_in_footnote_1,m49_code,region,sub_region,intermediate_region,mentioned_in,measure_rows\n\
//!     Albania,ALB,true,Albania,008,Europe,Southern Europe,,fn1;12,1\n\
//!     Czech Republic,CZE,true,the Czech Republic,203,Europe,Eastern Europe,,fn1;12,1\n\
//!     Philippines,PHL,true,the Philippines,608,Asia,South-eastern Asia,,fn1,0\n";
//! let measures = "state,iso3,paragraph,section,measure,status,quote\n\
//!     Albania,ALB,12,II.C,nap_in_place,in_place,Such plans are in place\n\
//!     Czech Republic,CZE,12,II.C,nap_in_place,in_place,Such plans are in place\n";
//! let files = SeedFiles { measures_csv: measures, vocabulary_csv: vocabulary, states_csv: states, un_entities_csv: None };
//! let mut dataset = Dataset::import_seed(&files, &SeedRound::sg_report_2008())?;
//!
//! // A reply in a new round, validated against the vocabulary with today's date.
//! let reply = "questionnaire_version: 1\nround: \"2010\"\nstate: PHL\nsubmitted: 2010-03-01\n\
//!              measures:\n  - measure: nap_in_place\n    status: in_place\n    evidence: Plan adopted\n";
//! let today = jiff::civil::date(2010, 6, 1);
//! let submission = validate_submission(reply, SubmissionFormat::Yaml, &dataset, today)
//!     .map_err(|errors| format!("{errors:?}"))?;
//! dataset.apply(submission);
//!
//! // A reply with an unknown measure and a future date is refused, with every reason.
//! let bad = "questionnaire_version: 1\nround: \"2010\"\nstate: PHL\nsubmitted: 2031-01-01\n\
//!            measures:\n  - measure: no_such_code\n    status: in_place\n";
//! let errors = validate_submission(bad, SubmissionFormat::Yaml, &dataset, today).unwrap_err();
//! assert_eq!(errors.len(), 2);
//! assert_eq!(errors[0].field, "submitted");
//!
//! // The compiled section of the 2008 round, in UN style.
//! let indicators = Indicators::parse_toml(
//!     "version = 1\nname = \"demo\"\n[credit]\nin_place = 1.0\n\
//!      [[indicator]]\nid = \"nap\"\nrecommendation = 59\ntheme = \"plans_coordination\"\nweight = 1\n\
//!      label = \"National action plan\"\nstatement = \"have a national action plan\"\nmeasures = [\"nap_in_place\"]\n")?;
//! let options = ReportOptions { round: Some("2008".into()), ..ReportOptions::default() };
//! let report = compile_report(&dataset, &indicators, &options)?;
//! assert!(report.markdown.contains("(Albania and Czech Republic)"));
//! assert!(report.markdown.contains("Replies were received from Albania, the Czech Republic and the Philippines."));
//! assert_eq!(report.json["measures"]["nap_in_place"]["count"], 2);
//!
//! // Every point is explained.
//! let why = explain(&dataset, &indicators, "2010", Iso3::parse("PHL").unwrap())?;
//! assert_eq!(why.score.total.points, 1.0);
//! assert!(why.text.contains("Plan adopted"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod country;
pub mod dataset;
pub mod demo;
pub mod error;
pub mod gaps;
pub mod indicators;
pub mod report;
pub mod style;
pub mod submission;
pub mod vocab;

pub use country::{Countries, Country, Iso3, Mention, UnStyle, countries};
pub use dataset::{
    Dataset, EntityActivity, Evidence, Fact, ListOrder, Reply, Round, SeedFiles, SeedRound, StateRecord,
    SubmissionRecord, TreatyAction, TreatyStatus,
};
pub use error::{Error, Result};
pub use gaps::{GapAnalysis, RecommendationGap, StateGaps, Statement, gap_analysis};
pub use indicators::{
    Basis, Explanation, Indicator, IndicatorResult, Indicators, RoundComparison, Scores, StateScore, Subtotal,
    compare_rounds, explain, score,
};
pub use report::{CompiledReport, ReportOptions, ReportParagraph, compile_report};
pub use submission::{
    Questionnaire, Reason, Submission, SubmissionError, SubmissionFormat, json_schema, parse_questionnaire, template,
    validate_questionnaire, validate_submission,
};
pub use vocab::{Instrument, MeasureDef, Status, Theme, Vocabulary};
