//! Monitoring States' responses: the IO around the `monitor` engine. The monitoring
//! [`Dataset`] lives in the observatory's store as one JSON document ([`DATASET_DOCUMENT`]);
//! this module reads the seed-measures folder and the States' replies from disk, hands their
//! text to the engine, and stores the result only when the engine accepted everything.

use std::path::{Path, PathBuf};

use ::monitor::{
    CompiledReport, Dataset, Explanation, Indicators, ReportOptions, Scores, SeedFiles, SeedRound, SubmissionError,
    SubmissionFormat, SubmissionRecord, countries,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use store::Store;

use crate::Result;

/// The engine itself, for its types (report options, explanations, submission errors…).
pub use ::monitor as engine;

/// Name of the store document that holds the monitoring dataset.
pub const DATASET_DOCUMENT: &str = "monitor.dataset";

/// The four files of a seed-measures folder (the last one optional).
pub const SEED_FILES: [&str; 4] = ["measures.csv", "vocabulary.csv", "states.csv", "un_entities.csv"];

/// The optional file of a seed folder that describes its round (id, title, mandate, source
/// document, `as_at`, year); without it the folder is the Secretary-General's 2008 report.
pub const ROUND_FILE: &str = "round.toml";

/// What can go wrong around the monitoring engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine refused the data or the request (bad CSV, unknown round, region or State…).
    #[error(transparent)]
    Engine(#[from] ::monitor::Error),
    /// Nothing has been imported yet.
    #[error(
        "no monitoring data in this observatory yet: import a seed-measures folder first (`palermo monitor import DIR`)"
    )]
    NoData,
    /// A seed folder lacks a required file.
    #[error("{}: not a seed-measures folder: `{file}` is missing", path.display())]
    NotSeedFolder {
        /// The folder.
        path: PathBuf,
        /// The missing file.
        file: &'static str,
    },
    /// A reply file whose name does not say YAML or JSON.
    #[error("{}: a reply is a .yaml, .yml or .json file", path.display())]
    UnknownReplyFormat {
        /// The file.
        path: PathBuf,
    },
    /// Different monitoring data is already stored and the caller did not ask to replace it.
    #[error(
        "this observatory already holds different monitoring data ({rounds} round(s), {submissions} stored reply(ies)); importing the seed again would replace it: pass --replace"
    )]
    AlreadyStored {
        /// Rounds held.
        rounds: usize,
        /// Replies imported so far.
        submissions: usize,
    },
    /// The store holds monitoring data that the `[monitor]` files of `palermo.toml` do not
    /// contain (another seed, or files changed since they were imported).
    #[error(
        "the observatory's store holds monitoring data ({rounds} round(s), {submissions} reply(ies)) that palermo.toml's [monitor] files do not match; import them with `palermo monitor import DIR --replace`, or run with `--measures DIR`"
    )]
    ConfiguredDiffers {
        /// Rounds held.
        rounds: usize,
        /// Replies held.
        submissions: usize,
    },
    /// A reply of the observatory's `[monitor]` files was refused.
    #[error(transparent)]
    Refused(RefusedReply),
    /// A date could not be handed to the engine (should not happen).
    #[error("today's date could not be converted")]
    Date(#[source] serde_json::Error),
}

/// Engine errors reach the application error through this module's error.
impl From<::monitor::Error> for crate::Error {
    fn from(error: ::monitor::Error) -> Self {
        crate::Error::Monitor(Error::Engine(error))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> crate::Error {
    let path = path.to_owned();
    move |source| crate::Error::Io { path, source }
}

/// The stored dataset exactly as stored (the JSON text), if any.
pub async fn stored_json(store: &Store) -> Result<Option<String>> {
    Ok(store.document(DATASET_DOCUMENT).await?)
}

/// Loads the stored dataset, if any.
pub async fn load(store: &Store) -> Result<Option<Dataset>> {
    match stored_json(store).await? {
        Some(text) => Ok(Some(Dataset::from_json(&text)?)),
        None => Ok(None),
    }
}

/// Loads the stored dataset, or fails with [`Error::NoData`].
pub async fn load_required(store: &Store) -> Result<Dataset> {
    load(store).await?.ok_or(crate::Error::Monitor(Error::NoData))
}

/// Stores the dataset (replacing the earlier version in one transaction).
pub async fn save(store: &Store, dataset: &Dataset) -> Result<()> {
    store.put_document(DATASET_DOCUMENT, &dataset.to_json()?).await?;
    Ok(())
}

/// Reads a seed-measures folder (`measures.csv`, `vocabulary.csv`, `states.csv`, and
/// `un_entities.csv` when present) and builds the dataset of the round its `round.toml`
/// describes (without one: the Secretary-General's 2008 report). Changes nothing.
pub fn read_seed(dir: &Path) -> Result<Dataset> {
    // `None` when the file does not exist; the caller decides whether that is fatal.
    let read = |file: &'static str| -> Result<Option<String>> {
        let path = dir.join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    };
    let required = |file: &'static str| -> Result<String> {
        read(file)?.ok_or_else(|| crate::Error::Monitor(Error::NotSeedFolder { path: dir.to_owned(), file }))
    };
    let [measures, vocabulary, states, entities] = SEED_FILES;
    let measures_csv = required(measures)?;
    let vocabulary_csv = required(vocabulary)?;
    let states_csv = required(states)?;
    let un_entities_csv = read(entities)?;
    let round = match read(ROUND_FILE)? {
        Some(text) => SeedRound::parse_toml(&text)?,
        None => SeedRound::sg_report_2008(),
    };
    let files = SeedFiles {
        measures_csv: &measures_csv,
        vocabulary_csv: &vocabulary_csv,
        states_csv: &states_csv,
        un_entities_csv: un_entities_csv.as_deref(),
    };
    Ok(Dataset::import_seed(&files, &round)?)
}

/// What importing a seed folder did.
#[derive(Debug, Clone, Serialize)]
pub struct SeedSummary {
    /// Rounds in the dataset.
    pub rounds: usize,
    /// States that replied in the seed round.
    pub respondents: usize,
    /// Reported facts (State × measure).
    pub facts: usize,
    /// Treaty actions.
    pub treaty_actions: usize,
    /// Measure codes in the vocabulary.
    pub measures: usize,
    /// The same data was already stored: nothing changed.
    pub unchanged: bool,
}

/// Imports a seed-measures folder into the store. Refuses to overwrite different data
/// (e.g. replies imported since) unless `replace`.
pub async fn import_seed(store: &Store, dir: &Path, replace: bool) -> Result<SeedSummary> {
    let dataset = read_seed(dir)?;
    let json = dataset.to_json()?;
    let previous = stored_json(store).await?;
    let unchanged = previous.as_deref() == Some(json.as_str());
    if let Some(previous) = previous.filter(|_| !unchanged && !replace) {
        let (rounds, submissions) =
            Dataset::from_json(&previous).map(|d| (d.rounds.len(), d.submissions.len())).unwrap_or((0, 0));
        return Err(crate::Error::Monitor(Error::AlreadyStored { rounds, submissions }));
    }
    if !unchanged {
        store.put_document(DATASET_DOCUMENT, &json).await?;
    }
    let respondents = dataset.latest_round().map_or(0, |r| r.replies.len());
    Ok(SeedSummary {
        rounds: dataset.rounds.len(),
        respondents,
        facts: dataset.facts.len(),
        treaty_actions: dataset.treaty_actions.len(),
        measures: dataset.vocabulary.measures().len(),
        unchanged,
    })
}

/// What became of a State's reply.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum ReplyOutcome {
    /// Valid and stored.
    Stored(SubmissionRecord),
    /// Invalid: every problem, nothing stored.
    Refused {
        /// Each problem with its field and reason.
        errors: Vec<SubmissionError>,
    },
}

/// Converts a calendar date to the engine's date type without naming it (the engine takes
/// `jiff` dates, the application reads the clock with `chrono`): both write ISO 8601.
pub(crate) fn engine_date<T: DeserializeOwned>(date: chrono::NaiveDate) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(date.format("%Y-%m-%d").to_string()))
        .map_err(|e| crate::Error::Monitor(Error::Date(e)))
}

/// Validates a reply's text against the stored dataset with `today` as the latest admissible
/// date and, only if it is valid, stores it. On any problem nothing is written.
pub async fn import_reply_text(
    store: &Store,
    text: &str,
    format: SubmissionFormat,
    today: chrono::NaiveDate,
) -> Result<ReplyOutcome> {
    let mut dataset = load_required(store).await?;
    match ::monitor::validate_submission(text, format, &dataset, engine_date(today)?) {
        Err(errors) => Ok(ReplyOutcome::Refused { errors }),
        Ok(submission) => {
            let record = dataset.apply(submission);
            save(store, &dataset).await?;
            Ok(ReplyOutcome::Stored(record))
        }
    }
}

/// Reads a reply file (`.yaml`, `.yml` or `.json`) and imports it (see [`import_reply_text`]).
pub async fn import_reply(store: &Store, path: &Path, today: chrono::NaiveDate) -> Result<ReplyOutcome> {
    let format = SubmissionFormat::from_file_name(&path.to_string_lossy())
        .ok_or_else(|| crate::Error::Monitor(Error::UnknownReplyFormat { path: path.to_owned() }))?;
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    import_reply_text(store, &text, format, today).await
}

/// What `import_path` did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ImportOutcome {
    /// A seed-measures folder was imported.
    Seed(SeedSummary),
    /// A reply file was read.
    Reply(ReplyOutcome),
}

/// Imports a seed-measures folder or a State's reply file, by what `path` is.
pub async fn import_path(
    store: &Store,
    path: &Path,
    today: chrono::NaiveDate,
    replace_seed: bool,
) -> Result<ImportOutcome> {
    if path.is_dir() {
        Ok(ImportOutcome::Seed(import_seed(store, path, replace_seed).await?))
    } else {
        Ok(ImportOutcome::Reply(import_reply(store, path, today).await?))
    }
}

/// The round id to use: the one asked for, or the dataset's latest.
fn round_id(dataset: &Dataset, round: Option<&str>) -> Result<String> {
    match round {
        Some(id) => Ok(dataset.round(id)?.id.clone()),
        None => Ok(dataset.latest_round().ok_or(::monitor::Error::UnknownRound { round: "(none)".into() })?.id.clone()),
    }
}

/// Compiles the section "Measures reported by Member States" (Markdown, HTML, JSON) from the
/// stored dataset with the built-in indicators.
pub async fn report(store: &Store, options: &ReportOptions) -> Result<CompiledReport> {
    let dataset = load_required(store).await?;
    compile(&dataset, options)
}

/// The built-in indicators that the dataset's vocabulary can meet (all of them for the 2008
/// vocabulary; fewer for a smaller questionnaire such as the demo's).
pub fn indicators_for(dataset: &Dataset) -> Result<Indicators> {
    Ok(Indicators::builtin()?.restricted_to(&dataset.vocabulary))
}

/// Compiles the report of a dataset with the built-in indicators.
pub fn compile(dataset: &Dataset, options: &ReportOptions) -> Result<CompiledReport> {
    Ok(::monitor::compile_report(dataset, &indicators_for(dataset)?, options)?)
}

/// Scores every State that replied in a round (default: the latest).
pub async fn scores(store: &Store, round: Option<&str>) -> Result<Scores> {
    let dataset = load_required(store).await?;
    let round = round_id(&dataset, round)?;
    Ok(::monitor::score(&dataset, &indicators_for(&dataset)?, &round)?)
}

/// Explains one State's score in a round (default: the latest). `state` is an ISO 3166-1
/// alpha-3 code or a name.
pub async fn explain(store: &Store, state: &str, round: Option<&str>) -> Result<Explanation> {
    let dataset = load_required(store).await?;
    explain_in(&dataset, state, round)
}

/// Explains one State's score in a dataset (see [`explain`]).
pub fn explain_in(dataset: &Dataset, state: &str, round: Option<&str>) -> Result<Explanation> {
    let iso3 = countries().lookup(state).ok_or_else(|| ::monitor::Error::UnknownState { state: state.to_owned() })?;
    let round = round_id(dataset, round)?;
    Ok(::monitor::explain(dataset, &indicators_for(dataset)?, &round, iso3)?)
}

/// A blank questionnaire (YAML) for `round`, listing the stored dataset's vocabulary.
pub async fn template(store: &Store, round: &str) -> Result<String> {
    let dataset = load_required(store).await?;
    Ok(::monitor::template(&dataset.vocabulary, round))
}

/// A blank questionnaire (YAML) for `round`, listing the measure codes of a vocabulary file
/// (`vocabulary.csv` of a seed-measures folder): for use without an observatory.
pub fn template_from_vocabulary(path: &Path, round: &str) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let vocabulary = engine::Vocabulary::parse_csv(&text)?;
    Ok(::monitor::template(&vocabulary, round))
}

/// The JSON Schema of a reply.
pub fn json_schema() -> String {
    ::monitor::json_schema()
}

/// A reply refused while `palermo run` imported the observatory's monitoring files.
#[derive(Debug, thiserror::Error)]
#[error("{}: reply refused: {}", path.display(), errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct RefusedReply {
    /// The reply file.
    pub path: PathBuf,
    /// Every problem, with its field.
    pub errors: Vec<SubmissionError>,
}

/// The reply files of a folder (`.yaml`, `.yml`, `.json`), in file-name order.
fn reply_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if path.is_file() && SubmissionFormat::from_file_name(&path.to_string_lossy()).is_some() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Builds a dataset from a seed folder and, optionally, a folder of replies, in memory: every
/// reply is validated against what came before it (`today` is the latest admissible date).
pub fn read_configured(seed: &Path, replies: Option<&Path>, today: chrono::NaiveDate) -> Result<Dataset> {
    let mut dataset = read_seed(seed)?;
    if let Some(dir) = replies {
        for path in reply_files(dir)? {
            let format = SubmissionFormat::from_file_name(&path.to_string_lossy())
                .ok_or_else(|| crate::Error::Monitor(Error::UnknownReplyFormat { path: path.clone() }))?;
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            match ::monitor::validate_submission(&text, format, &dataset, engine_date(today)?) {
                Ok(submission) => {
                    dataset.apply(submission);
                }
                Err(errors) => return Err(crate::Error::Monitor(Error::Refused(RefusedReply { path, errors }))),
            }
        }
    }
    Ok(dataset)
}

/// What `palermo run` does with monitoring data: with `measures` (a seed folder given on the
/// command line) that folder is compiled as it is, in memory, and nothing is stored. Otherwise
/// the `[monitor]` files of `palermo.toml` are read and stored when the store holds no
/// monitoring data yet or holds exactly an earlier import of the same files' seed; data imported
/// since by `palermo monitor import` (more replies) is kept and reported. `None` when there is
/// nothing to monitor.
pub async fn for_run(
    observatory: &crate::Observatory,
    measures: Option<&Path>,
    today: chrono::NaiveDate,
) -> Result<Option<Dataset>> {
    if let Some(dir) = measures {
        return Ok(Some(read_seed(dir)?));
    }
    let Some(settings) = &observatory.settings.monitor else {
        return load(&observatory.store).await;
    };
    let resolve = |p: &Path| if p.is_absolute() { p.to_owned() } else { observatory.dir.join(p) };
    let seed = resolve(&settings.data);
    let replies = settings.replies.as_deref().map(resolve);
    let configured = read_configured(&seed, replies.as_deref(), today)?;
    let stored = load(&observatory.store).await?;
    match stored {
        // The store already holds these files, or more (replies imported by hand since).
        Some(stored) if holds(&stored, &configured) => Ok(Some(stored)),
        Some(stored) => Err(crate::Error::Monitor(Error::ConfiguredDiffers {
            rounds: stored.rounds.len(),
            submissions: stored.submissions.len(),
        })),
        None => {
            save(&observatory.store, &configured).await?;
            Ok(Some(configured))
        }
    }
}

/// Whether `stored` already holds everything `configured` does (same vocabulary, every fact and
/// every reply), so that a run keeps what was imported by hand since.
fn holds(stored: &Dataset, configured: &Dataset) -> bool {
    stored.vocabulary == configured.vocabulary
        && configured.facts.iter().all(|f| {
            stored
                .facts
                .iter()
                .any(|g| g.state == f.state && g.measure == f.measure && g.round == f.round && g.status == f.status)
        })
        && configured.submissions.iter().all(|s| {
            stored.submissions.iter().any(|t| t.round == s.round && t.state == s.state && t.submitted == s.submitted)
        })
}

/// Writes the compiled report as PDF on `paper`: its HTML page printed by headless Chromium (see
/// [`crate::pdf`]). The HTML goes to a temporary file beside `pdf`, removed afterwards.
pub fn write_pdf(report: &CompiledReport, pdf: &Path, paper: ::report::Paper) -> Result<()> {
    let html = pdf.with_extension("print.html");
    let page = format!("<style>@page {{ size: {}; margin: 14mm 12mm; }}</style>\n</head>", paper.css());
    std::fs::write(&html, report.html.replacen("</head>", &page, 1)).map_err(io(&html))?;
    let printed = crate::pdf::print_to_pdf(&html, pdf);
    let _ = std::fs::remove_file(&html);
    printed
}
