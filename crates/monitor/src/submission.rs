//! A State's reply as a structured questionnaire (YAML or JSON): the file format and its JSON
//! Schema, the blank template, validation that reports every problem with its field and
//! reason, and the application of an accepted reply to the [`Dataset`] (history is kept:
//! a new round adds to the record, a second reply in the same round replaces the first and is
//! logged as doing so).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::country::{Iso3, Mention, UnStyle, countries};
use crate::dataset::{Dataset, Evidence, Fact, Reply, Round, StateRecord, SubmissionRecord, TreatyAction};
use crate::vocab::{Instrument, Status, Theme, Vocabulary};

/// Version of the questionnaire format this crate reads.
pub const QUESTIONNAIRE_VERSION: u32 = 1;

/// A State's reply to a request for information on the measures it took against trafficking in
/// persons (the questionnaire file, YAML or JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Palermo monitoring questionnaire")]
pub struct Questionnaire {
    /// Version of the questionnaire format; must be 1.
    pub questionnaire_version: u32,
    /// Identifier of the reporting round, e.g. "2010".
    #[schemars(regex(pattern = r"^[A-Za-z0-9._-]+$"))]
    pub round: String,
    /// The replying State: ISO 3166-1 alpha-3 code (e.g. "ALB") or its UN name.
    pub state: String,
    /// Date of the reply, YYYY-MM-DD; not after today.
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub submitted: String,
    /// The reply's document symbol or title, cited as the source of every fact.
    #[serde(default)]
    pub source_document: Option<String>,
    /// The State's status on international instruments.
    #[serde(default)]
    pub instruments: Vec<InstrumentAnswer>,
    /// The measures the State reports, one entry per measure code.
    #[serde(default)]
    pub measures: Vec<MeasureAnswer>,
}

/// The State's status on one instrument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentAnswer {
    /// Instrument code.
    #[schemars(with = "Instrument")]
    pub instrument: String,
    /// Treaty status; leave empty (null) when not answering.
    #[serde(default)]
    #[schemars(with = "Option<Status>")]
    pub status: Option<String>,
    /// Date of signature, ratification or accession, YYYY-MM-DD.
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub date: Option<String>,
    /// Where the reply says so (article, page, paragraph) or a short quote.
    #[serde(default)]
    pub evidence: Option<String>,
}

/// One reported measure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureAnswer {
    /// Measure code from the controlled vocabulary.
    #[schemars(regex(pattern = r"^[a-z0-9_]+$"))]
    pub measure: String,
    /// Status of the measure; leave empty (null) when not answering. Instrument measures take
    /// treaty statuses (party, signed, preparing_ratification, preparing_signature, not_party),
    /// the others measure statuses (in_place, in_preparation, in_place_or_in_preparation,
    /// drafting, planned, recognized_need, not_in_place).
    #[serde(default)]
    #[schemars(with = "Option<Status>")]
    pub status: Option<String>,
    /// Year the measure was taken; not after the current year.
    #[serde(default)]
    pub year: Option<i32>,
    /// Date the measure was taken, YYYY-MM-DD; not after today.
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub date: Option<String>,
    /// Paragraph of the reply that reports the measure.
    #[serde(default)]
    pub paragraph: Option<u32>,
    /// The words of the reply that report the measure (a short quote).
    #[serde(default)]
    pub evidence: Option<String>,
}

/// Text format of a questionnaire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionFormat {
    /// JSON.
    Json,
    /// YAML (1.2 as read by `serde_yaml_ng`).
    Yaml,
}

impl SubmissionFormat {
    /// Guesses the format from a file name's extension (`.json`, `.yaml`, `.yml`).
    pub fn from_file_name(name: &str) -> Option<SubmissionFormat> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(SubmissionFormat::Json)
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(SubmissionFormat::Yaml)
        } else {
            None
        }
    }
}

/// Why a field was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The text is not a well-formed questionnaire (syntax, wrong type, unknown field).
    Syntax {
        /// Parser message, with line and column when known.
        message: String,
    },
    /// A required value is empty.
    Missing,
    /// The questionnaire version is not supported.
    UnsupportedVersion {
        /// Version found.
        found: u32,
    },
    /// The round identifier has characters other than letters, digits, `.`, `_`, `-`.
    BadRoundId,
    /// The measure code is not in the vocabulary.
    UnknownMeasure {
        /// The code given.
        code: String,
    },
    /// The State is not an ISO 3166-1 country known by code or name.
    UnknownCountry {
        /// The value given (cut to 40 characters).
        value: String,
    },
    /// The code designates a territory, not a State (Member or observer State) that can reply.
    NotAState {
        /// The ISO code found.
        iso3: Iso3,
    },
    /// The instrument code is unknown.
    UnknownInstrument {
        /// The code given.
        code: String,
    },
    /// The status is not one of those allowed here.
    BadStatus {
        /// The status given.
        value: String,
        /// The statuses allowed here.
        allowed: Vec<String>,
    },
    /// Not a YYYY-MM-DD calendar date.
    BadDate {
        /// The value given.
        value: String,
    },
    /// The date is after today.
    FutureDate {
        /// The date given.
        date: Date,
        /// Today.
        today: Date,
    },
    /// The year is after the current year.
    FutureYear {
        /// The year given.
        year: i32,
        /// The current year.
        current: i32,
    },
    /// The same measure or instrument is answered twice.
    Duplicate {
        /// The field of the first answer.
        first: String,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Syntax { message } => write!(f, "not a valid questionnaire: {message}"),
            Reason::Missing => f.write_str("a value is required"),
            Reason::UnsupportedVersion { found } => {
                write!(f, "questionnaire version {found} is not supported (expected {QUESTIONNAIRE_VERSION})")
            }
            Reason::BadRoundId => f.write_str("a round id has only letters, digits, `.`, `_` and `-`"),
            Reason::UnknownMeasure { code } => write!(f, "unknown measure code `{code}`"),
            Reason::UnknownCountry { value } => {
                write!(f, "unknown country `{value}` (give an ISO 3166-1 alpha-3 code)")
            }
            Reason::NotAState { iso3 } => write!(f, "{iso3} is a territory, not a Member State or observer State"),
            Reason::UnknownInstrument { code } => write!(f, "unknown instrument `{code}`"),
            Reason::BadStatus { value, allowed } => {
                write!(f, "status `{value}` is not allowed here (allowed: {})", allowed.join(", "))
            }
            Reason::BadDate { value } => {
                write!(f, "`{value}` is not a date in the form YYYY-MM-DD")
            }
            Reason::FutureDate { date, today } => {
                write!(f, "date {date} is in the future (today is {today})")
            }
            Reason::FutureYear { year, current } => {
                write!(f, "year {year} is in the future (current year {current})")
            }
            Reason::Duplicate { first } => write!(f, "answered twice (first at {first})"),
        }
    }
}

/// One problem in a questionnaire: the field (a path such as `measures[3].status`) and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionError {
    /// Path of the field; `(document)` for problems of the whole text.
    pub field: String,
    /// Why it was refused.
    pub reason: Reason,
}

impl fmt::Display for SubmissionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for SubmissionError {}

/// An instrument answer that passed validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedInstrument {
    /// Instrument.
    pub instrument: Instrument,
    /// Status.
    pub status: Status,
    /// Date.
    pub date: Option<Date>,
    /// Evidence text.
    pub evidence: Option<String>,
}

/// A measure answer that passed validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedMeasure {
    /// Measure code (known to the vocabulary).
    pub measure: String,
    /// Status (allowed for the measure).
    pub status: Status,
    /// Year.
    pub year: Option<i32>,
    /// Date.
    pub date: Option<Date>,
    /// Paragraph of the reply.
    pub paragraph: Option<u32>,
    /// Evidence text.
    pub evidence: Option<String>,
}

/// A validated reply, ready for [`Dataset::apply`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Round id.
    pub round: String,
    /// The replying State.
    pub state: Iso3,
    /// Date of the reply.
    pub submitted: Date,
    /// Source document cited by every fact.
    pub source_document: String,
    /// Answered instruments.
    pub instruments: Vec<SubmittedInstrument>,
    /// Answered measures.
    pub measures: Vec<SubmittedMeasure>,
}

fn syntax(message: String) -> Vec<SubmissionError> {
    vec![SubmissionError { field: "(document)".into(), reason: Reason::Syntax { message } }]
}

/// Parses a questionnaire without checking its content against the vocabulary.
pub fn parse_questionnaire(text: &str, format: SubmissionFormat) -> Result<Questionnaire, Vec<SubmissionError>> {
    match format {
        SubmissionFormat::Json => serde_json::from_str(text)
            .map_err(|err| syntax(format!("line {}, column {}: {err}", err.line(), err.column()))),
        SubmissionFormat::Yaml => serde_yaml_ng::from_str(text).map_err(|err| syntax(err.to_string())),
    }
}

fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    // jiff accepts only YYYY-MM-DD here; the length check refuses extended years.
    if text.len() != 10 {
        return None;
    }
    text.parse::<Date>().ok()
}

/// Member States, and the two observer States (Holy See, State of Palestine), can reply; so
/// can the demo's fictional States (codes `XAA`–`XZZ`).
fn can_reply(iso3: Iso3) -> bool {
    matches!(iso3.as_str(), "VAT" | "PSE") || countries().get(iso3).is_some_and(|c| c.un_member || c.is_fictional())
}

fn cut(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Validates a questionnaire against the dataset's vocabulary and the country table, with
/// `today` as the latest admissible date (the caller passes the clock's date: the engine does
/// no IO).
///
/// Refuses an unknown measure code, an unknown country or instrument, a status not allowed
/// for the measure or instrument, a malformed date, a date or year in the future, a duplicate
/// answer. Every problem is returned, each naming its field and reason; the dataset is not
/// touched either way (use [`Dataset::apply`] on the `Ok` value).
pub fn validate_submission(
    text: &str,
    format: SubmissionFormat,
    dataset: &Dataset,
    today: Date,
) -> Result<Submission, Vec<SubmissionError>> {
    let questionnaire = parse_questionnaire(text, format)?;
    validate_questionnaire(&questionnaire, &dataset.vocabulary, today)
}

/// Validates an already parsed questionnaire (see [`validate_submission`]).
pub fn validate_questionnaire(
    q: &Questionnaire,
    vocabulary: &Vocabulary,
    today: Date,
) -> Result<Submission, Vec<SubmissionError>> {
    let mut errors = Vec::new();
    let mut fail = |field: String, reason: Reason| errors.push(SubmissionError { field, reason });

    if q.questionnaire_version != QUESTIONNAIRE_VERSION {
        fail("questionnaire_version".into(), Reason::UnsupportedVersion { found: q.questionnaire_version });
    }
    let round = q.round.trim().to_owned();
    if round.is_empty() {
        fail("round".into(), Reason::Missing);
    } else if !round.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
        fail("round".into(), Reason::BadRoundId);
    }
    let state = if q.state.trim().is_empty() {
        fail("state".into(), Reason::Missing);
        None
    } else {
        match countries().lookup(&q.state) {
            None => {
                fail("state".into(), Reason::UnknownCountry { value: cut(q.state.trim()) });
                None
            }
            Some(iso3) if !can_reply(iso3) => {
                fail("state".into(), Reason::NotAState { iso3 });
                None
            }
            found => found,
        }
    };
    let check_date = |field: String, text: &str, fail: &mut dyn FnMut(String, Reason)| -> Option<Date> {
        match parse_date(text) {
            None => {
                fail(field, Reason::BadDate { value: cut(text) });
                None
            }
            Some(date) if date > today => {
                fail(field, Reason::FutureDate { date, today });
                None
            }
            Some(date) => Some(date),
        }
    };
    let submitted = if q.submitted.trim().is_empty() {
        fail("submitted".into(), Reason::Missing);
        None
    } else {
        check_date("submitted".into(), &q.submitted, &mut fail)
    };

    let mut instruments = Vec::new();
    let mut seen_instruments: BTreeMap<Instrument, String> = BTreeMap::new();
    for (idx, answer) in q.instruments.iter().enumerate() {
        let path = format!("instruments[{idx}]");
        let instrument = Instrument::parse(&answer.instrument);
        match instrument {
            None => fail(format!("{path}.instrument"), Reason::UnknownInstrument { code: cut(&answer.instrument) }),
            Some(i) => {
                if let Some(first) = seen_instruments.get(&i) {
                    fail(format!("{path}.instrument"), Reason::Duplicate { first: first.clone() });
                } else {
                    seen_instruments.insert(i, format!("{path}.instrument"));
                }
            }
        }
        let Some(status_text) = answer.status.as_deref().filter(|s| !s.trim().is_empty()) else {
            continue;
        };
        let status = Status::parse(status_text).filter(|s| Status::TREATY.contains(s));
        if status.is_none() {
            fail(
                format!("{path}.status"),
                Reason::BadStatus {
                    value: cut(status_text),
                    allowed: Status::TREATY.iter().map(|s| s.code().to_owned()).collect(),
                },
            );
        }
        let date = answer.date.as_deref().and_then(|d| check_date(format!("{path}.date"), d, &mut fail));
        if let (Some(instrument), Some(status)) = (instrument, status) {
            instruments.push(SubmittedInstrument { instrument, status, date, evidence: answer.evidence.clone() });
        }
    }

    let mut measures = Vec::new();
    let mut seen_measures: BTreeMap<String, String> = BTreeMap::new();
    for (idx, answer) in q.measures.iter().enumerate() {
        let path = format!("measures[{idx}]");
        let def = vocabulary.get(answer.measure.trim());
        match def {
            None => fail(format!("{path}.measure"), Reason::UnknownMeasure { code: cut(&answer.measure) }),
            Some(d) => {
                if let Some(first) = seen_measures.get(&d.code) {
                    fail(format!("{path}.measure"), Reason::Duplicate { first: first.clone() });
                } else {
                    seen_measures.insert(d.code.clone(), format!("{path}.measure"));
                }
            }
        }
        let Some(status_text) = answer.status.as_deref().filter(|s| !s.trim().is_empty()) else {
            continue;
        };
        let allowed = def.map_or(&Status::ALL[..], |d| d.allowed_statuses());
        let status = Status::parse(status_text).filter(|s| allowed.contains(s));
        if status.is_none() {
            fail(
                format!("{path}.status"),
                Reason::BadStatus {
                    value: cut(status_text),
                    allowed: allowed.iter().map(|s| s.code().to_owned()).collect(),
                },
            );
        }
        if let Some(year) = answer.year
            && year > today.year() as i32
        {
            fail(format!("{path}.year"), Reason::FutureYear { year, current: today.year() as i32 });
        }
        let date = answer.date.as_deref().and_then(|d| check_date(format!("{path}.date"), d, &mut fail));
        if let (Some(def), Some(status)) = (def, status) {
            measures.push(SubmittedMeasure {
                measure: def.code.clone(),
                status,
                year: answer.year,
                date,
                paragraph: answer.paragraph,
                evidence: answer.evidence.clone().filter(|e| !e.trim().is_empty()),
            });
        }
    }

    match (errors.is_empty(), state, submitted) {
        (true, Some(state), Some(submitted)) => {
            let source_document = q.source_document.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| {
                let name = countries().get(state).map_or(state.to_string(), |c| c.display_name(None, Mention::Running));
                format!("Reply of {name} to the request for information (round {round}), {submitted}")
            });
            Ok(Submission { round, state, submitted, source_document, instruments, measures })
        }
        _ => Err(errors),
    }
}

impl Dataset {
    /// Stores an accepted reply: creates the round if new, records the State as having
    /// replied, and adds its facts. A second reply by the same State in the same round
    /// replaces the first (its facts are removed); the replacement is logged in
    /// [`Dataset::submissions`]. Earlier rounds are never changed, which is what makes the
    /// history across rounds.
    pub fn apply(&mut self, submission: Submission) -> SubmissionRecord {
        let Submission { round, state, submitted, source_document, instruments, measures } = submission;
        if !self.rounds.iter().any(|r| r.id == round) {
            self.rounds.push(Round {
                id: round.clone(),
                title: format!("Replies to the request for information, round {round}"),
                requested_by: None,
                source_document: None,
                as_at: None,
                year: submitted.year() as i32,
                asked: None,
                replies: Vec::new(),
                entity_replies: Vec::new(),
                published_order: false,
            });
        }
        let before = self.facts.len() + self.treaty_actions.len();
        self.facts.retain(|f| !(f.round == round && f.state == state));
        self.treaty_actions.retain(|a| !(a.round == round && a.state == state));
        let replaced_previous = before != self.facts.len() + self.treaty_actions.len()
            || self.submissions.iter().any(|s| s.round == round && s.state == state);
        if let Some(r) = self.rounds.iter_mut().find(|r| r.id == round) {
            match r.replies.iter_mut().find(|reply| reply.state == state) {
                Some(reply) => reply.date = Some(submitted),
                None => r.replies.push(Reply { state, date: Some(submitted) }),
            }
        }
        self.states.entry(state).or_insert_with(|| StateRecord { iso3: state, mentioned_in: Vec::new() });
        let first_seq = self.facts.iter().map(|f| f.seq + 1).max().unwrap_or(0);
        let record = SubmissionRecord {
            round: round.clone(),
            state,
            submitted,
            measures: measures.len(),
            instruments: instruments.len(),
            replaced_previous,
        };
        for (seq, m) in (first_seq..).zip(measures) {
            self.facts.push(Fact {
                state,
                measure: m.measure,
                status: m.status,
                year: m.year,
                date: m.date,
                round: round.clone(),
                evidence: Evidence { document: source_document.clone(), paragraph: m.paragraph, quote: m.evidence },
                seq,
            });
        }
        for i in instruments {
            self.treaty_actions.push(TreatyAction {
                state,
                instrument: i.instrument,
                status: i.status,
                date: i.date,
                round: round.clone(),
                evidence: Evidence { document: source_document.clone(), paragraph: None, quote: i.evidence },
            });
        }
        self.submissions.push(record.clone());
        record
    }
}

/// The JSON Schema of the questionnaire (draft 2020-12), generated from the types above. The
/// published copy is `schema/questionnaire.schema.json`; a test keeps the two equal.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Questionnaire);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// A blank questionnaire in YAML: every instrument and every measure of the vocabulary,
/// grouped by theme with its label as a comment, status left empty. A State fills the
/// statuses it can report and deletes nothing; unanswered entries are ignored.
pub fn template(vocabulary: &Vocabulary, round: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Palermo monitoring questionnaire (format version {QUESTIONNAIRE_VERSION}).");
    out.push_str(
        "# Fill `state` and `submitted`, then give a status to each instrument and measure the State\n\
         # can report; leave the others empty. Add `year`/`date` when known, and for every measure the\n\
         # paragraph of your reply and a short quote (`evidence`) that supports it: each score is\n\
         # traced back to that evidence. Dates are YYYY-MM-DD. JSON is accepted as well (same fields).\n",
    );
    let _ = writeln!(out, "questionnaire_version: {QUESTIONNAIRE_VERSION}");
    let _ = writeln!(out, "round: \"{round}\"");
    out.push_str("state: \"\"          # ISO 3166-1 alpha-3 code, e.g. ALB\n");
    out.push_str("submitted: \"\"      # date of the reply, YYYY-MM-DD\n");
    out.push_str("source_document: \"\" # symbol or title of the reply\n");
    let treaty: Vec<&str> = Status::TREATY.iter().map(|s| s.code()).collect();
    let _ = writeln!(out, "# instrument statuses: {}", treaty.join(", "));
    out.push_str("instruments:\n");
    for instrument in Instrument::ALL {
        let _ = writeln!(out, "  - instrument: {}   # {}", instrument.code(), instrument.short_name());
        out.push_str("    status:\n    date:\n    evidence:\n");
    }
    let domestic: Vec<&str> = Status::MEASURE.iter().map(|s| s.code()).collect();
    let _ =
        writeln!(out, "# measure statuses: {} (instrument measures take the instrument statuses)", domestic.join(", "));
    out.push_str("measures:\n");
    for theme in Theme::ALL {
        let _ = writeln!(out, "  # --- {}. {}", theme.letter(), theme.heading());
        for def in vocabulary.measures().iter().filter(|m| m.theme == theme) {
            let _ = writeln!(out, "  - measure: {}", def.code);
            let _ = writeln!(out, "    # {}", def.label.replace('\n', " "));
            out.push_str("    status:\n    year:\n    paragraph:\n    evidence:\n");
        }
    }
    out
}
