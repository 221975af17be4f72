//! States' responses on the web: a focal point fills in the monitoring questionnaire of the
//! current round for its own State, saves drafts and submits. The form is generated from the
//! stored dataset's vocabulary, as `palermo monitor template` writes it (every instrument, then
//! every measure grouped by theme), and a submission is validated by the same rules as
//! `palermo monitor import` (`monitor::validate_questionnaire`), each problem named by its field.
//!
//! Every save is a compare-and-swap on the questionnaire's version: a save or a submission made
//! against a version that is no longer current is refused, never silently overwriting. A
//! submission is applied to the monitoring dataset in the same transaction, and only if the
//! dataset is still as it was read (another State's submission in between means reading it again).

use std::collections::BTreeMap;

use ::monitor::submission::{InstrumentAnswer, MeasureAnswer};
use ::monitor::{Instrument, Mention, Questionnaire, Status, Theme, UnStyle, countries};
use store::{QuestionnaireSave, Saved, StoredQuestionnaire};

use crate::accounts::{Account, Role};
use crate::monitor::DATASET_DOCUMENT;
use crate::{Observatory, Result};

/// How many times a submission is retried when other submissions change the dataset meanwhile.
const RETRIES: usize = 8;

/// Questionnaire errors.
#[derive(Debug, thiserror::Error)]
pub enum QuestionnaireError {
    #[error("only a State's focal point answers its questionnaire")]
    NotFocalPoint,
    #[error(
        "this questionnaire was changed since you opened it (it is now at version {current}, you opened version {opened}): nothing was saved; open it again and enter your changes"
    )]
    Stale { opened: i64, current: i64 },
    #[error("other submissions kept changing the monitoring data: nothing was saved; send it again")]
    Busy,
    #[error("reading a stored questionnaire: {0}")]
    Corrupt(String),
}

impl From<QuestionnaireError> for crate::Error {
    fn from(e: QuestionnaireError) -> Self {
        crate::Error::Questionnaire(e)
    }
}

/// A status a question may take: its code and its words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Choice {
    pub code: String,
    pub words: String,
}

fn choices(statuses: &[Status]) -> Vec<Choice> {
    statuses.iter().map(|s| Choice { code: s.code().to_owned(), words: s.words().to_owned() }).collect()
}

/// An instrument's question: its position (`instruments[index]`), code, name and statuses.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InstrumentQuestion {
    pub index: usize,
    pub code: String,
    pub name: String,
    pub statuses: Vec<Choice>,
}

/// A measure's question: its position (`measures[index]`), code, label and statuses.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MeasureQuestion {
    pub index: usize,
    pub code: String,
    pub label: String,
    pub statuses: Vec<Choice>,
}

/// The measures of one theme.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ThemeQuestions {
    pub letter: char,
    pub heading: String,
    pub measures: Vec<MeasureQuestion>,
}

/// The questions of the questionnaire, in the order of `palermo monitor template`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Questions {
    pub instruments: Vec<InstrumentQuestion>,
    pub themes: Vec<ThemeQuestions>,
}

impl Questions {
    /// The questions of a vocabulary.
    pub fn of(vocabulary: &::monitor::Vocabulary) -> Questions {
        let instruments = Instrument::ALL
            .iter()
            .enumerate()
            .map(|(index, i)| InstrumentQuestion {
                index,
                code: i.code().to_owned(),
                name: i.short_name().to_owned(),
                statuses: choices(&Status::TREATY),
            })
            .collect();
        let mut index = 0;
        let mut themes = Vec::new();
        for theme in Theme::ALL {
            let mut measures = Vec::new();
            for def in vocabulary.measures().iter().filter(|m| m.theme == theme) {
                measures.push(MeasureQuestion {
                    index,
                    code: def.code.clone(),
                    label: def.label.replace('\n', " "),
                    statuses: choices(def.allowed_statuses()),
                });
                index += 1;
            }
            if !measures.is_empty() {
                themes.push(ThemeQuestions { letter: theme.letter(), heading: theme.heading().to_owned(), measures });
            }
        }
        Questions { instruments, themes }
    }

    fn measures(&self) -> impl Iterator<Item = &MeasureQuestion> {
        self.themes.iter().flat_map(|t| t.measures.iter())
    }
}

/// One problem of a questionnaire: the field (`measures[3].status`, the form's input name) and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

/// The form of a State's questionnaire: who, which round, the questions, the values to show
/// (by input name), the version it was read at, and problems by field.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Form {
    pub round: String,
    pub state: String,
    pub state_name: String,
    pub questions: Questions,
    pub values: BTreeMap<String, String>,
    /// 0 before the first save.
    pub version: i64,
    /// draft or submitted; `None` before the first save.
    pub status: Option<String>,
    pub updated_at: Option<String>,
    pub submitted_at: Option<String>,
    pub errors: Vec<FieldError>,
}

/// The round the web form answers: this year's, as `palermo monitor template` defaults to.
pub fn current_round(today: chrono::NaiveDate) -> String {
    today.format("%Y").to_string()
}

fn state_of(account: &Account) -> Result<String> {
    match &account.role {
        Role::FocalPoint { state } => Ok(state.clone()),
        _ => Err(QuestionnaireError::NotFocalPoint.into()),
    }
}

fn state_name(state: &str) -> String {
    countries()
        .lookup(state)
        .and_then(|iso3| countries().get(iso3).map(|c| c.display_name(None, Mention::Running)))
        .unwrap_or_else(|| state.to_owned())
}

/// The monitoring dataset (stored, or read from `palermo.toml`'s `[monitor]` files and stored).
async fn dataset(observatory: &Observatory, today: chrono::NaiveDate) -> Result<::monitor::Dataset> {
    crate::monitor::for_run(observatory, None, today).await?.ok_or(crate::Error::Monitor(crate::monitor::Error::NoData))
}

/// The input values of a questionnaire, by input name.
fn values_of(q: &Questionnaire, questions: &Questions) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    values.insert("submitted".to_owned(), q.submitted.clone());
    values.insert("source_document".to_owned(), q.source_document.clone().unwrap_or_default());
    let mut put = |name: String, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            values.insert(name, v);
        }
    };
    for question in &questions.instruments {
        if let Some(a) = q.instruments.iter().find(|a| a.instrument == question.code) {
            let at = format!("instruments[{}]", question.index);
            put(format!("{at}.status"), a.status.clone());
            put(format!("{at}.date"), a.date.clone());
            put(format!("{at}.evidence"), a.evidence.clone());
        }
    }
    for question in questions.measures() {
        if let Some(a) = q.measures.iter().find(|a| a.measure == question.code) {
            let at = format!("measures[{}]", question.index);
            put(format!("{at}.status"), a.status.clone());
            put(format!("{at}.year"), a.year.map(|y| y.to_string()));
            put(format!("{at}.paragraph"), a.paragraph.map(|p| p.to_string()));
            put(format!("{at}.evidence"), a.evidence.clone());
        }
    }
    values
}

/// The questionnaire the form's values say, with the problems of values that cannot even be
/// read (a year that is not a number). Round and State are the form's, whatever was posted.
pub fn from_values(
    values: &BTreeMap<String, String>,
    questions: &Questions,
    round: &str,
    state: &str,
) -> (Questionnaire, Vec<FieldError>) {
    let text = |name: &str| values.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut errors = Vec::new();
    let mut number = |name: String, what: &str| -> Option<i64> {
        let value = text(&name)?;
        match value.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError { field: name, reason: format!("{what} is a whole number") });
                None
            }
        }
    };
    let instruments = questions
        .instruments
        .iter()
        .map(|question| {
            let at = format!("instruments[{}]", question.index);
            InstrumentAnswer {
                instrument: question.code.clone(),
                status: text(&format!("{at}.status")),
                date: text(&format!("{at}.date")),
                evidence: text(&format!("{at}.evidence")),
            }
        })
        .collect();
    let measures = questions
        .measures()
        .map(|question| {
            let at = format!("measures[{}]", question.index);
            let year = number(format!("{at}.year"), "a year");
            let paragraph = number(format!("{at}.paragraph"), "a paragraph");
            MeasureAnswer {
                measure: question.code.clone(),
                status: text(&format!("{at}.status")),
                year: year.and_then(|y| i32::try_from(y).ok()),
                date: None,
                paragraph: paragraph.and_then(|p| u32::try_from(p).ok()),
                evidence: text(&format!("{at}.evidence")),
            }
        })
        .collect();
    let questionnaire = Questionnaire {
        questionnaire_version: ::monitor::submission::QUESTIONNAIRE_VERSION,
        round: round.to_owned(),
        state: state.to_owned(),
        submitted: text("submitted").unwrap_or_default(),
        source_document: text("source_document"),
        instruments,
        measures,
    };
    (questionnaire, errors)
}

fn parse_stored(stored: &StoredQuestionnaire) -> Result<Questionnaire> {
    serde_json::from_str(&stored.answers).map_err(|e| QuestionnaireError::Corrupt(e.to_string()).into())
}

/// The focal point's questionnaire of the current round: its saved answers, or a blank one.
pub async fn form(observatory: &Observatory, account: &Account, today: chrono::NaiveDate) -> Result<Form> {
    let state = state_of(account)?;
    let round = current_round(today);
    let dataset = dataset(observatory, today).await?;
    let questions = Questions::of(&dataset.vocabulary);
    let stored = observatory.store.questionnaire(&round, &state).await?;
    let (mut values, version, status, updated_at, submitted_at) = match &stored {
        Some(s) => {
            let q = parse_stored(s)?;
            (
                values_of(&q, &questions),
                s.version,
                Some(s.status.clone()),
                Some(s.updated_at.clone()),
                s.submitted_at.clone(),
            )
        }
        None => (BTreeMap::new(), 0, None, None, None),
    };
    // The date of the reply: today, until the focal point says otherwise.
    if values.get("submitted").is_none_or(|d| d.trim().is_empty()) {
        values.insert("submitted".to_owned(), today.format("%Y-%m-%d").to_string());
    }
    Ok(Form {
        state_name: state_name(&state),
        round,
        state,
        questions,
        values,
        version,
        status,
        updated_at,
        submitted_at,
        errors: Vec::new(),
    })
}

/// What saving a questionnaire did.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Saved as a draft (not validated beyond reading its numbers).
    Saved { version: i64 },
    /// Validated, stored in the monitoring dataset and marked submitted.
    Submitted { version: i64, record: ::monitor::SubmissionRecord },
    /// Refused, every problem named by its field: nothing saved.
    Invalid { errors: Vec<FieldError> },
}

/// Saves the focal point's questionnaire from the web form's values (by input name), as a draft
/// or (with `submit`) as its State's reply, if it is still at `version` (see
/// [`QuestionnaireError::Stale`]).
pub async fn save(
    observatory: &Observatory,
    account: &Account,
    values: &BTreeMap<String, String>,
    version: i64,
    submit: bool,
    today: chrono::NaiveDate,
) -> Result<Outcome> {
    let state = state_of(account)?;
    let round = current_round(today);
    let dataset = dataset(observatory, today).await?;
    let questions = Questions::of(&dataset.vocabulary);
    let (questionnaire, errors) = from_values(values, &questions, &round, &state);
    save_parsed(observatory, account, &dataset, questionnaire, errors, version, submit, today).await
}

/// Saves a questionnaire given whole (the API; the format of `palermo monitor template`): its
/// round and State are the current round and the focal point's State, whatever it says.
pub async fn save_answers(
    observatory: &Observatory,
    account: &Account,
    mut questionnaire: Questionnaire,
    version: i64,
    submit: bool,
    today: chrono::NaiveDate,
) -> Result<Outcome> {
    questionnaire.state = state_of(account)?;
    questionnaire.round = current_round(today);
    let dataset = dataset(observatory, today).await?;
    save_parsed(observatory, account, &dataset, questionnaire, Vec::new(), version, submit, today).await
}

/// The questionnaire of the focal point's State in the current round, as the API gives it.
pub fn answers(form: &Form) -> Questionnaire {
    from_values(&form.values, &form.questions, &form.round, &form.state).0
}

#[allow(clippy::too_many_arguments)]
async fn save_parsed(
    observatory: &Observatory,
    account: &Account,
    dataset: &::monitor::Dataset,
    questionnaire: Questionnaire,
    mut errors: Vec<FieldError>,
    version: i64,
    submit: bool,
    today: chrono::NaiveDate,
) -> Result<Outcome> {
    let (round, state) = (questionnaire.round.clone(), questionnaire.state.clone());
    let validated =
        ::monitor::validate_questionnaire(&questionnaire, &dataset.vocabulary, crate::monitor::engine_date(today)?);
    if submit && let Err(problems) = &validated {
        errors.extend(problems.iter().map(|e| FieldError { field: e.field.clone(), reason: e.reason.to_string() }));
    }
    if !errors.is_empty() {
        return Ok(Outcome::Invalid { errors });
    }
    let answers = serde_json::to_string(&questionnaire).map_err(|e| crate::Error::Internal(e.to_string()))?;
    let store = &observatory.store;
    let draft = QuestionnaireSave {
        round: &round,
        state: &state,
        expected_version: version,
        status: "draft",
        answers: &answers,
        actor: &account.name,
        document: None,
    };
    let detail = |version: i64| format!("State {state}, round {round}, version {version}");
    let stale = |current| crate::Error::from(QuestionnaireError::Stale { opened: version, current });
    let submission = match validated {
        Ok(submission) if submit => submission,
        _ => {
            return match store.save_questionnaire(&draft).await? {
                Saved::Done { version } => {
                    store.audit_with_purpose(&account.name, "questionnaire.save", &detail(version), None).await?;
                    Ok(Outcome::Saved { version })
                }
                Saved::Stale { current } => Err(stale(current)),
                Saved::DocumentChanged => Err(QuestionnaireError::Busy.into()),
            };
        }
    };
    for _ in 0..RETRIES {
        let old =
            crate::monitor::stored_json(store).await?.ok_or(crate::Error::Monitor(crate::monitor::Error::NoData))?;
        let mut dataset = ::monitor::Dataset::from_json(&old)?;
        let record = dataset.apply(submission.clone());
        let new = dataset.to_json()?;
        let submitted = QuestionnaireSave {
            status: "submitted",
            document: Some((DATASET_DOCUMENT, old.as_str(), new.as_str())),
            ..draft.clone()
        };
        match store.save_questionnaire(&submitted).await? {
            Saved::Done { version } => {
                store.audit_with_purpose(&account.name, "questionnaire.submit", &detail(version), None).await?;
                return Ok(Outcome::Submitted { version, record });
            }
            Saved::Stale { current } => return Err(stale(current)),
            Saved::DocumentChanged => continue,
        }
    }
    Err(QuestionnaireError::Busy.into())
}

/// A State's questionnaire of a round, as the analyst's overview lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Response {
    pub state: String,
    pub state_name: String,
    pub status: String,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
}

/// The States' responses: the questionnaires of the current round and the compiled report of the
/// monitoring dataset (the section "Measures reported by Member States").
pub async fn responses(
    observatory: &Observatory,
    today: chrono::NaiveDate,
) -> Result<(String, Vec<Response>, ::monitor::CompiledReport)> {
    let round = current_round(today);
    let dataset = dataset(observatory, today).await?;
    let report = crate::monitor::compile(&dataset, &::monitor::ReportOptions::default())?;
    let list = observatory
        .store
        .questionnaires(&round)
        .await?
        .into_iter()
        .map(|q| Response {
            state_name: state_name(&q.state),
            state: q.state,
            status: q.status,
            version: q.version,
            updated_by: q.updated_by,
            updated_at: q.updated_at,
            submitted_at: q.submitted_at,
        })
        .collect();
    Ok((round, list, report))
}
