//! The monitoring data model — States, reporting rounds, measure facts with their evidence,
//! treaty actions, UN entities' activities and the history of submissions — and the import of
//! the seed-measures folder format (`measures.csv`, `vocabulary.csv`, `states.csv`,
//! `un_entities.csv`), given as strings.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::country::{Iso3, countries};
use crate::error::{Error, Result};
use crate::style::sort_un;
use crate::vocab::{Instrument, Status, Vocabulary, treaty_rank};

/// Version of the persisted [`Dataset`] JSON layout.
pub const DATASET_FORMAT_VERSION: u32 = 1;

/// Where a fact comes from: the document, the paragraph and the words that support it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The source document (report, submission).
    pub document: String,
    /// Paragraph of that document, when known.
    pub paragraph: Option<u32>,
    /// The shortest verbatim phrase that supports the fact.
    pub quote: Option<String>,
}

/// One fact: a State reported a measure, with a status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// The State.
    pub state: Iso3,
    /// Measure code from the vocabulary.
    pub measure: String,
    /// Status of the measure.
    pub status: Status,
    /// Year the measure was taken, when reported.
    pub year: Option<i32>,
    /// Date the measure was taken, when reported.
    pub date: Option<Date>,
    /// Reporting round the fact belongs to.
    pub round: String,
    /// Source of the fact.
    pub evidence: Evidence,
    /// Position in the source (report order for imported facts, arrival order otherwise).
    pub seq: u32,
}

/// A State's action on an instrument reported directly in a submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreatyAction {
    /// The State.
    pub state: Iso3,
    /// The instrument.
    pub instrument: Instrument,
    /// Party, signed, preparing ratification…
    pub status: Status,
    /// Date of the action, when reported.
    pub date: Option<Date>,
    /// Reporting round.
    pub round: String,
    /// Source.
    pub evidence: Evidence,
}

/// One State's reply in a round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The State that replied.
    pub state: Iso3,
    /// Date of the reply, when known.
    pub date: Option<Date>,
}

/// A reporting round: who was asked, who replied, when, and in which document the replies
/// were compiled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// Identifier, e.g. `"2008"`.
    pub id: String,
    /// Title of the compiled document.
    pub title: String,
    /// The mandate of the request (e.g. "General Assembly resolution 61/144").
    pub requested_by: Option<String>,
    /// The document that compiled the replies.
    pub source_document: Option<String>,
    /// Replies are counted up to this date.
    pub as_at: Option<Date>,
    /// Year whose country names the round's documents use.
    pub year: i32,
    /// States asked; `None` means all Member States.
    pub asked: Option<Vec<Iso3>>,
    /// States that replied, in the order the source lists them.
    pub replies: Vec<Reply>,
    /// UN entities that replied (their short codes).
    pub entity_replies: Vec<String>,
    /// Whether the order of facts is the order of a published document (then lists can be
    /// reproduced as published); rounds built from submissions have no such order.
    pub published_order: bool,
}

/// What the dataset knows about a State beyond the built-in country table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRecord {
    /// The State.
    pub iso3: Iso3,
    /// Paragraphs and footnotes (`fn1`) of the source report that name the State.
    pub mentioned_in: Vec<String>,
}

/// An activity of a UN entity or other organisation (section III of the report).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityActivity {
    /// Short code or acronym.
    pub entity: String,
    /// Name as written in the source.
    pub entity_name: String,
    /// Kind of body (`un_system_entity`, `ngo`…).
    pub entity_kind: String,
    /// Kind of activity.
    pub activity_type: String,
    /// Country or region concerned, as written.
    pub country_or_region: String,
    /// The State, when one is named.
    pub iso3: Option<Iso3>,
    /// Source paragraph.
    pub paragraph: u32,
    /// Supporting quote.
    pub quote: String,
    /// Whether the entity replied to the request for information.
    pub responded: bool,
    /// Round.
    pub round: String,
}

/// One accepted submission, kept as history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionRecord {
    /// Round.
    pub round: String,
    /// State.
    pub state: Iso3,
    /// Date the State submitted.
    pub submitted: Date,
    /// Number of measure facts.
    pub measures: usize,
    /// Number of treaty actions.
    pub instruments: usize,
    /// Whether it replaced an earlier submission of the same State in the same round.
    pub replaced_previous: bool,
}

/// How lists of States are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListOrder {
    /// As the source document listed them, where the round has a published order (this is
    /// what reproduces the 2008 report word for word); UN alphabetical order otherwise.
    #[default]
    Published,
    /// UN alphabetical order always.
    UnAlphabetical,
}

/// The monitoring data: everything the app persists (as JSON) in its store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Layout version ([`DATASET_FORMAT_VERSION`]).
    pub format_version: u32,
    /// Controlled vocabulary of measures.
    pub vocabulary: Vocabulary,
    /// States the data speak about.
    pub states: BTreeMap<Iso3, StateRecord>,
    /// Reporting rounds, oldest first.
    pub rounds: Vec<Round>,
    /// Measure facts.
    pub facts: Vec<Fact>,
    /// Treaty actions reported in submissions.
    pub treaty_actions: Vec<TreatyAction>,
    /// Activities of UN entities and other organisations.
    pub entity_activities: Vec<EntityActivity>,
    /// Accepted submissions, in order of arrival.
    pub submissions: Vec<SubmissionRecord>,
}

/// The seed-measures folder, as file contents.
#[derive(Clone, Copy, Debug)]
pub struct SeedFiles<'a> {
    /// `measures.csv`.
    pub measures_csv: &'a str,
    /// `vocabulary.csv`.
    pub vocabulary_csv: &'a str,
    /// `states.csv`.
    pub states_csv: &'a str,
    /// `un_entities.csv`, optional.
    pub un_entities_csv: Option<&'a str>,
}

/// Describes the round that a seed folder records: written in the folder's optional
/// `round.toml` (same field names; `as_at` as a quoted "YYYY-MM-DD"), else
/// [`SeedRound::sg_report_2008`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRound {
    /// Round id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Mandate.
    #[serde(default)]
    pub requested_by: Option<String>,
    /// Source document (used as evidence document of every fact).
    pub source_document: String,
    /// Replies counted up to.
    #[serde(default)]
    pub as_at: Option<Date>,
    /// Naming year.
    pub year: i32,
}

impl SeedRound {
    /// Reads a seed folder's `round.toml`.
    pub fn parse_toml(text: &str) -> Result<SeedRound> {
        toml::from_str(text).map_err(|err| Error::RoundToml { reason: err.to_string() })
    }

    /// The round recorded by `shared/data/seed-measures`: the Secretary-General's 2008 report
    /// on trafficking in women and girls (its README gives these facts).
    pub fn sg_report_2008() -> SeedRound {
        SeedRound {
            id: "2008".into(),
            title: "Trafficking in women and girls: report of the Secretary-General (2008)".into(),
            requested_by: Some("General Assembly resolution 61/144".into()),
            source_document: "Report of the Secretary-General on trafficking in women and girls, \
                              General Assembly, sixty-third session, 4 August 2008"
                .into(),
            as_at: Some(jiff::civil::date(2008, 6, 6)),
            year: 2008,
        }
    }
}

/// Reads a CSV text into header-addressable rows.
struct Table<'a> {
    file: &'static str,
    headers: csv::StringRecord,
    reader: csv::Reader<&'a [u8]>,
}

impl<'a> Table<'a> {
    fn new(file: &'static str, text: &'a str) -> Result<Table<'a>> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|source| Error::Csv { file, row: 0, source })?.clone();
        Ok(Table { file, headers, reader })
    }

    fn column(&self, name: &'static str) -> Result<usize> {
        self.headers.iter().position(|h| h == name).ok_or(Error::MissingColumn { file: self.file, column: name })
    }

    fn rows(&mut self) -> Result<Vec<csv::StringRecord>> {
        let file = self.file;
        self.reader
            .records()
            .enumerate()
            .map(|(i, r)| r.map_err(|source| Error::Csv { file, row: i + 1, source }))
            .collect()
    }
}

fn cell(record: &csv::StringRecord, col: usize) -> &str {
    record.get(col).unwrap_or("").trim()
}

/// Resolves a State code, checking that the name written beside it designates the same State.
fn state_code(file: &'static str, row: usize, code: &str, name: &str) -> Result<Iso3> {
    let iso3 = Iso3::parse(code).filter(|c| countries().get(*c).is_some()).ok_or_else(|| Error::InvalidValue {
        file,
        row,
        column: "iso3",
        reason: format!("unknown ISO 3166-1 code `{code}`"),
    })?;
    if !name.is_empty() && countries().lookup(name) != Some(iso3) {
        return Err(Error::Inconsistent { file, row, reason: format!("name `{name}` does not designate {iso3}") });
    }
    Ok(iso3)
}

impl Dataset {
    /// An empty dataset with a vocabulary.
    pub fn new(vocabulary: Vocabulary) -> Dataset {
        Dataset {
            format_version: DATASET_FORMAT_VERSION,
            vocabulary,
            states: BTreeMap::new(),
            rounds: Vec::new(),
            facts: Vec::new(),
            treaty_actions: Vec::new(),
            entity_activities: Vec::new(),
            submissions: Vec::new(),
        }
    }

    /// Imports the seed-measures folder format as one round (see [`SeedRound`]).
    ///
    /// Checks every row: known ISO code and a name that designates it, a measure code of the
    /// vocabulary with the same paragraph and section, a status allowed for the measure's
    /// theme, no duplicate (State, measure), M49 codes and groupings equal to the built-in
    /// table. The first problem is returned with file, row and column.
    pub fn import_seed(files: &SeedFiles<'_>, round: &SeedRound) -> Result<Dataset> {
        let vocabulary = Vocabulary::parse_csv(files.vocabulary_csv)?;
        let mut dataset = Dataset::new(vocabulary);

        // states.csv: the respondents (in footnote order) and every other State named.
        let mut table = Table::new("states.csv", files.states_csv)?;
        let (c_state, c_iso3, c_reporting, c_m49, c_region, c_sub, c_inter, c_mentioned) = (
            table.column("state")?,
            table.column("iso3")?,
            table.column("reporting")?,
            table.column("m49_code")?,
            table.column("region")?,
            table.column("sub_region")?,
            table.column("intermediate_region")?,
            table.column("mentioned_in")?,
        );
        let mut replies = Vec::new();
        for (idx, record) in table.rows()?.iter().enumerate() {
            let row = idx + 1;
            let iso3 = state_code("states.csv", row, cell(record, c_iso3), cell(record, c_state))?;
            let country = countries().get(iso3).ok_or(Error::UnknownState { state: iso3.to_string() })?;
            let checks = [
                ("m49_code", cell(record, c_m49), country.m49.as_deref().unwrap_or("")),
                ("region", cell(record, c_region), country.region.as_str()),
                ("sub_region", cell(record, c_sub), country.sub_region.as_str()),
                ("intermediate_region", cell(record, c_inter), country.intermediate_region.as_str()),
            ];
            for (column, given, builtin) in checks {
                if given != builtin {
                    return Err(Error::Inconsistent {
                        file: "states.csv",
                        row,
                        reason: format!("{column} `{given}` differs from the M49 table (`{builtin}`) for {iso3}"),
                    });
                }
            }
            let reporting = match cell(record, c_reporting) {
                "true" => true,
                "false" => false,
                other => {
                    return Err(Error::InvalidValue {
                        file: "states.csv",
                        row,
                        column: "reporting",
                        reason: format!("expected true or false, found `{other}`"),
                    });
                }
            };
            if reporting {
                replies.push(Reply { state: iso3, date: None });
            }
            let mentioned_in =
                cell(record, c_mentioned).split(';').filter(|s| !s.is_empty()).map(str::to_owned).collect();
            dataset.states.insert(iso3, StateRecord { iso3, mentioned_in });
        }

        // measures.csv: one fact per row, in report order.
        let mut table = Table::new("measures.csv", files.measures_csv)?;
        let (c_state, c_iso3, c_para, c_section, c_measure, c_status, c_quote) = (
            table.column("state")?,
            table.column("iso3")?,
            table.column("paragraph")?,
            table.column("section")?,
            table.column("measure")?,
            table.column("status")?,
            table.column("quote")?,
        );
        let mut seen = BTreeSet::new();
        for (idx, record) in table.rows()?.iter().enumerate() {
            let row = idx + 1;
            let file = "measures.csv";
            let iso3 = state_code(file, row, cell(record, c_iso3), cell(record, c_state))?;
            let code = cell(record, c_measure);
            let def = dataset.vocabulary.get(code).ok_or_else(|| Error::InvalidValue {
                file,
                row,
                column: "measure",
                reason: format!("measure code `{code}` is not in the vocabulary"),
            })?;
            let paragraph: u32 = cell(record, c_para).parse().map_err(|_| Error::InvalidValue {
                file,
                row,
                column: "paragraph",
                reason: "expected a paragraph number".into(),
            })?;
            if !def.paragraphs.contains(&paragraph) || def.section != cell(record, c_section) {
                return Err(Error::Inconsistent {
                    file,
                    row,
                    reason: format!("paragraph/section differ from the vocabulary for `{code}`"),
                });
            }
            let status_text = cell(record, c_status);
            let status =
                Status::parse(status_text).filter(|s| def.allowed_statuses().contains(s)).ok_or_else(|| {
                    Error::InvalidValue {
                        file,
                        row,
                        column: "status",
                        reason: format!("status `{status_text}` is not allowed for a {} measure", def.theme),
                    }
                })?;
            if !seen.insert((iso3, code.to_owned())) {
                return Err(Error::Inconsistent { file, row, reason: format!("duplicate fact ({iso3}, {code})") });
            }
            if !dataset.states.contains_key(&iso3) {
                return Err(Error::Inconsistent { file, row, reason: format!("{iso3} is not in states.csv") });
            }
            let quote = cell(record, c_quote);
            dataset.facts.push(Fact {
                state: iso3,
                measure: code.to_owned(),
                status,
                year: None,
                date: None,
                round: round.id.clone(),
                evidence: Evidence {
                    document: round.source_document.clone(),
                    paragraph: Some(paragraph),
                    quote: (!quote.is_empty()).then(|| quote.to_owned()),
                },
                seq: idx as u32,
            });
        }

        // un_entities.csv: section III.
        let mut entity_replies = Vec::new();
        if let Some(text) = files.un_entities_csv {
            let mut table = Table::new("un_entities.csv", text)?;
            let c_entity = table.column("entity")?;
            let c_para = table.column("paragraph")?;
            let c_type = table.column("activity_type")?;
            let c_place = table.column("country_or_region")?;
            let c_iso3 = table.column("iso3")?;
            let c_quote = table.column("quote")?;
            let c_name = table.column("entity_name")?;
            let c_kind = table.column("entity_kind")?;
            let c_resp = table.column("responded_to_sg_request")?;
            for (idx, record) in table.rows()?.iter().enumerate() {
                let row = idx + 1;
                let file = "un_entities.csv";
                let iso3 = match cell(record, c_iso3) {
                    "" => None,
                    code => Some(state_code(file, row, code, "")?),
                };
                let paragraph = cell(record, c_para).parse().map_err(|_| Error::InvalidValue {
                    file,
                    row,
                    column: "paragraph",
                    reason: "expected a paragraph number".into(),
                })?;
                let responded = cell(record, c_resp) == "true";
                let entity = cell(record, c_entity).to_owned();
                if responded && !entity_replies.contains(&entity) {
                    entity_replies.push(entity.clone());
                }
                dataset.entity_activities.push(EntityActivity {
                    entity,
                    entity_name: cell(record, c_name).to_owned(),
                    entity_kind: cell(record, c_kind).to_owned(),
                    activity_type: cell(record, c_type).to_owned(),
                    country_or_region: cell(record, c_place).to_owned(),
                    iso3,
                    paragraph,
                    quote: cell(record, c_quote).to_owned(),
                    responded,
                    round: round.id.clone(),
                });
            }
        }

        dataset.rounds.push(Round {
            id: round.id.clone(),
            title: round.title.clone(),
            requested_by: round.requested_by.clone(),
            source_document: Some(round.source_document.clone()),
            as_at: round.as_at,
            year: round.year,
            asked: None,
            replies,
            entity_replies,
            published_order: true,
        });
        Ok(dataset)
    }

    /// A copy that keeps only the given States: their facts, treaty actions, replies,
    /// submissions and entity activities (activities naming no State are kept). Compiling
    /// the report of this copy gives the report of a region or of a group of States.
    pub fn restricted_to(&self, states: &BTreeSet<Iso3>) -> Dataset {
        let mut copy = self.clone();
        copy.states.retain(|iso3, _| states.contains(iso3));
        copy.facts.retain(|f| states.contains(&f.state));
        copy.treaty_actions.retain(|a| states.contains(&a.state));
        copy.submissions.retain(|s| states.contains(&s.state));
        copy.entity_activities.retain(|a| a.iso3.is_none_or(|i| states.contains(&i)));
        for round in &mut copy.rounds {
            round.replies.retain(|r| states.contains(&r.state));
            if let Some(asked) = &mut round.asked {
                asked.retain(|s| states.contains(s));
            }
        }
        copy
    }

    /// Reads a dataset persisted with [`Dataset::to_json`].
    pub fn from_json(text: &str) -> Result<Dataset> {
        let dataset: Dataset = serde_json::from_str(text).map_err(|source| Error::Json { source })?;
        if dataset.format_version != DATASET_FORMAT_VERSION {
            return Err(Error::UnsupportedFormat { found: dataset.format_version });
        }
        Ok(dataset)
    }

    /// Serialises the dataset (pretty JSON, deterministic: maps are ordered).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|source| Error::Json { source })
    }

    /// A round by id.
    pub fn round(&self, id: &str) -> Result<&Round> {
        self.rounds.iter().find(|r| r.id == id).ok_or_else(|| Error::UnknownRound { round: id.to_owned() })
    }

    /// The most recent round (the last one added).
    pub fn latest_round(&self) -> Option<&Round> {
        self.rounds.last()
    }

    /// The round before `id`, if any.
    pub fn previous_round(&self, id: &str) -> Option<&Round> {
        let pos = self.rounds.iter().position(|r| r.id == id)?;
        pos.checked_sub(1).map(|p| &self.rounds[p])
    }

    /// The facts of a round, in source order.
    pub fn facts_in<'a>(&'a self, round: &'a str) -> impl Iterator<Item = &'a Fact> + 'a {
        self.facts.iter().filter(move |f| f.round == round)
    }

    /// The States that replied in a round, in the round's order.
    pub fn respondents(&self, round: &str) -> Result<Vec<Iso3>> {
        Ok(self.round(round)?.replies.iter().map(|r| r.state).collect())
    }

    /// The States with a fact for `measure` in `round`, optionally restricted to one status,
    /// in the requested order.
    pub fn states_with(&self, round: &Round, measure: &str, status: Option<Status>, order: ListOrder) -> Vec<Iso3> {
        let mut facts: Vec<&Fact> =
            self.facts_in(&round.id).filter(|f| f.measure == measure && status.is_none_or(|s| f.status == s)).collect();
        facts.sort_by_key(|f| f.seq);
        let mut states: Vec<Iso3> = Vec::new();
        for fact in facts {
            if !states.contains(&fact.state) {
                states.push(fact.state);
            }
        }
        if order == ListOrder::UnAlphabetical || !round.published_order {
            sort_un(&mut states, Some(round.year));
        }
        states
    }

    /// The States of `measure` in `round` (of one status, or all) grouped by their evidence
    /// quote: States that share a quote were reported together ("The Czech Republic and Norway
    /// conducted similar campaigns"). Groups come in order of their first State in the
    /// requested list order; the States of a group are in that order too.
    pub fn evidence_groups(
        &self,
        round: &Round,
        measure: &str,
        status: Option<Status>,
        order: ListOrder,
    ) -> Vec<(Option<String>, Vec<Iso3>)> {
        let mut groups: Vec<(Option<String>, Vec<Iso3>)> = Vec::new();
        for state in self.states_with(round, measure, status, order) {
            let quote = self
                .facts_in(&round.id)
                .filter(|f| f.measure == measure && f.state == state && status.is_none_or(|s| f.status == s))
                .min_by_key(|f| f.seq)
                .and_then(|f| f.evidence.quote.clone());
            match groups.iter_mut().find(|(q, _)| *q == quote) {
                Some((_, states)) => states.push(state),
                None => groups.push((quote, vec![state])),
            }
        }
        groups
    }

    /// The statuses present for `measure` in `round`, in order of first appearance.
    pub fn statuses_of(&self, round: &Round, measure: &str) -> Vec<Status> {
        let mut facts: Vec<&Fact> = self.facts_in(&round.id).filter(|f| f.measure == measure).collect();
        facts.sort_by_key(|f| f.seq);
        let mut statuses = Vec::new();
        for f in facts {
            if !statuses.contains(&f.status) {
                statuses.push(f.status);
            }
        }
        statuses
    }

    /// Each State's status on each instrument in a round: treaty actions reported directly,
    /// and what the round's instrument measures imply (e.g. "became party to the Convention and
    /// the two Protocols" gives party to all three). Where several facts speak, the strongest
    /// status wins (party > signed > preparing ratification > preparing signature), and the
    /// winning evidence is kept.
    pub fn treaty_statuses(&self, round: &str) -> Vec<TreatyStatus> {
        let mut best: BTreeMap<(Iso3, Instrument), TreatyStatus> = BTreeMap::new();
        let mut offer = |candidate: TreatyStatus| {
            let key = (candidate.state, candidate.instrument);
            match best.get(&key) {
                Some(current) if treaty_rank(current.status) <= treaty_rank(candidate.status) => {}
                _ => {
                    best.insert(key, candidate);
                }
            }
        };
        for action in self.treaty_actions.iter().filter(|a| a.round == round) {
            offer(TreatyStatus {
                state: action.state,
                instrument: action.instrument,
                status: action.status,
                date: action.date,
                measure: None,
                evidence: action.evidence.clone(),
            });
        }
        for fact in self.facts_in(round) {
            for &instrument in Instrument::for_measure(&fact.measure) {
                offer(TreatyStatus {
                    state: fact.state,
                    instrument,
                    status: fact.status,
                    date: fact.date,
                    measure: Some(fact.measure.clone()),
                    evidence: fact.evidence.clone(),
                });
            }
        }
        best.into_values().collect()
    }
}

/// A State's status on an instrument, with the evidence that gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreatyStatus {
    /// State.
    pub state: Iso3,
    /// Instrument.
    pub instrument: Instrument,
    /// Strongest status reported.
    pub status: Status,
    /// Date, when reported.
    pub date: Option<Date>,
    /// The measure code that implied it (absent for a treaty action reported directly).
    pub measure: Option<String>,
    /// Source.
    pub evidence: Evidence,
}
