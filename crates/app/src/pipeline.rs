//! `palermo run`: rebuild everything an observatory publishes into `DIR/out/`, reproducibly.
//! Stages: import every source (a no-op for files already imported), statistics, the report.
//! The same inputs and seed give byte-identical outputs: nothing in `out/` carries a time stamp,
//! a path outside the folder, or an order that depends on a hash map.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use model::Progress;
use serde::Serialize;

use crate::import::{FileReport, ImportOptions, import_file};
use crate::observatory::Observatory;
use crate::stats::{self, Counted, Statistics, Unit};
use crate::{Error, Result};
use store::StoredPerson;

/// What a run did, for the terminal summary.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub imports: Vec<FileReport>,
    pub unit: Unit,
    pub total: u64,
    pub quarantined: u64,
    pub suppressed_cells: usize,
    /// The estimated total number of victims (MSE, the first configured method that gave one),
    /// when records could be linked.
    pub estimate: Option<f64>,
    /// Its 95% interval, widened by the linkage's uncertainty when linkages were drawn.
    pub interval: Option<[f64; 2]>,
    /// Every configured method's estimate (`[estimate] methods`) and where they disagree; the
    /// first with an estimate is the headline figure above.
    pub methods: Option<crate::methods::Comparison>,
    /// How the linkage went, when records could be linked.
    pub linkage: Option<LinkageSummary>,
    /// Wall time of each stage, in seconds, in order.
    pub stages: Vec<(String, f64)>,
    pub outputs: Vec<PathBuf>,
}

impl RunSummary {
    /// Rows this run refused: quarantined from the files it imported now (rows quarantined by
    /// earlier imports do not count again), and every row of a refused file.
    pub fn quarantined_now(&self) -> u64 {
        self.imports
            .iter()
            .map(|i| match &i.outcome {
                crate::import::Outcome::Imported(totals) => totals.rows_quarantined,
                crate::import::Outcome::Refused => i.rows_read.max(1),
                _ => 0,
            })
            .sum()
    }

    /// Whether this run found problems in the data (rows it refused now): the CLI exits 1.
    pub fn has_problems(&self) -> bool {
        self.quarantined_now() > 0
    }
}

/// A linkage's figures for the run summary.
#[derive(Debug, Clone, Serialize)]
pub struct LinkageSummary {
    pub records: u64,
    pub persons: u64,
    pub review: crate::linkage::ReviewSummary,
    pub uncertainty: Option<crate::linkage::LinkageUncertainty>,
    pub warnings: Vec<String>,
    /// Against the simulation's truth, for a demo observatory (`truth.json`).
    pub truth: Option<crate::linkage::TruthQuality>,
}

/// Imports every source named in `palermo.toml`.
pub async fn import_sources(
    observatory: &Observatory,
    today: chrono::NaiveDate,
    progress: &dyn Progress,
) -> Result<Vec<FileReport>> {
    let mut reports = Vec::new();
    for source in &observatory.settings.sources {
        let mapping = observatory.mapping(&source.name)?;
        let path = observatory.dir.join(&source.file);
        let source_ref = crate::import::Source { name: &source.name, kind: &source.kind };
        let options = ImportOptions { limits: observatory.settings.limits, ..ImportOptions::default() };
        let report = match &source.encodings {
            Some(encodings) => {
                crate::encoded::import_encoded(
                    &observatory.store,
                    source_ref,
                    &path,
                    &observatory.dir.join(encodings),
                    &mapping,
                    options,
                    today,
                    progress,
                )
                .await?
            }
            None => import_file(&observatory.store, source_ref, &path, &mapping, options, today, progress).await?,
        };
        reports.push(report);
    }
    Ok(reports)
}

/// The observatory's statistics, and the linkage they rest on when records could be linked.
#[derive(Debug)]
pub struct Analysis {
    pub statistics: Statistics,
    pub linkage: Option<crate::linkage::Linkage>,
}

/// Computes the observatory's statistics from what the store holds. Where the sources carry
/// identifying fields, records are first linked into persons (an audited read of identities) and
/// the statistics count persons; otherwise they count records, and say so.
pub async fn statistics(observatory: &Observatory) -> Result<Statistics> {
    Ok(analyse(observatory, &model::NoProgress).await?.statistics)
}

/// [`statistics`], keeping the linkage.
pub async fn analyse(observatory: &Observatory, progress: &dyn Progress) -> Result<Analysis> {
    let store = &observatory.store;
    let persons = store.persons().await?;
    let victims: Vec<&StoredPerson> = persons.iter().filter(|p| p.get("role") != "suspect").collect();
    let justice = store.justice().await?;
    let population = match &observatory.settings.population {
        Some(p) => {
            let path = observatory.dir.join(&p.file);
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
            Some(stats::parse_population(&p.file.display().to_string(), &text)?)
        }
        None => None,
    };
    let mut quarantined: BTreeMap<String, u64> = BTreeMap::new();
    for row in store.quarantined().await? {
        *quarantined.entry(row.source).or_default() += 1;
    }
    let mut records_by_source: BTreeMap<String, u64> = BTreeMap::new();
    for v in &victims {
        *records_by_source.entry(v.source.clone()).or_default() += 1;
    }
    let n_sources = records_by_source.len();
    let n_encoded = store.count_encodings().await?;
    let linkage = if n_sources >= 2 && n_encoded > 0 {
        let settings = observatory.settings.encoding.as_ref().ok_or_else(|| Error::Settings {
            path: observatory.dir.join(crate::settings::SETTINGS_FILE),
            reason: "some sources sent encodings: [encoding] (schema, secret_file) is needed to link in encoded space"
                .to_owned(),
        })?;
        let identities = store.read_identities("palermo", "encoding the named sources for linkage").await?;
        let encodings = store.read_encodings("palermo", "record linkage in encoded space").await?;
        let linkage = crate::encoded::link_encoded(&observatory.dir, settings, &victims, &identities, &encodings)?;
        crate::review::store_review(store, &linkage, linkage.mode.code()).await?;
        Some(linkage)
    } else if n_sources >= 1 {
        // One source is linked too: a person registered twice by one agency is one person.
        let identities = store.read_identities("palermo", "record linkage for statistics and estimation").await?;
        if identities.is_empty() {
            None
        } else {
            let decisions = store.current_decisions().await?;
            let linkage = crate::linkage::link_records(
                &victims,
                &identities,
                &decisions,
                &observatory.settings.linkage,
                observatory.settings.observatory.seed,
                progress,
            )?;
            crate::review::store_review(store, &linkage, linkage.mode.code()).await?;
            Some(linkage)
        }
    } else {
        None
    };
    let rule = observatory.settings.disclosure.rule();
    let (unit, units): (Unit, Vec<&dyn Counted>) = match &linkage {
        Some(linkage) => (Unit::Persons, linkage.persons.iter().map(|p| p as &dyn Counted).collect()),
        None => (Unit::Records, victims.iter().map(|p| *p as &dyn Counted).collect()),
    };
    let linkage_counts = linkage.as_ref().map(stats::LinkageCounts::of);
    let statistics = stats::compute(
        unit,
        &units,
        &records_by_source,
        &justice,
        population.as_ref(),
        &quarantined,
        linkage_counts.as_ref(),
        &rule,
    )?;
    Ok(Analysis { statistics, linkage })
}

/// Options of [`run`].
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Report on this seed-measures folder instead of the `[monitor]` files of `palermo.toml`
    /// (read in memory, not stored).
    pub measures: Option<PathBuf>,
    /// Also print `out/report.html` to `out/report.pdf` with headless Chromium.
    pub pdf: bool,
}

/// Rebuilds `DIR/out/`.
pub async fn run(
    observatory: &Observatory,
    today: chrono::NaiveDate,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let mut stages = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |stages: &mut Vec<(String, f64)>, name: &str| {
        let seconds = clock.elapsed().as_secs_f64();
        tracing::info!(stage = name, seconds, "stage done");
        stages.push((name.to_owned(), seconds));
        clock = std::time::Instant::now();
    };
    let imports = import_sources(observatory, today, progress).await?;
    lap(&mut stages, "import");
    let monitoring = match crate::monitor::for_run(observatory, options.measures.as_deref(), today).await? {
        Some(dataset) => Some(crate::monitor::compile(&dataset, &::monitor::ReportOptions::default())?),
        None => None,
    };
    progress.start("link and count", 0);
    let analysis = analyse(observatory, progress).await?;
    let statistics = &analysis.statistics;
    progress.finish();
    lap(&mut stages, "link and count");
    // Multiple Systems Estimation on the linked persons' list memberships, and the estimates of
    // the models along the stepwise path, so readers see how much the answer depends on the model.
    let settings = &observatory.settings;
    let (estimate, path, strata, uncertainty, comparison) = match &analysis.linkage {
        Some(linkage) if linkage.records_by_source.len() >= 2 => {
            let table = linkage.capture_table()?;
            let options = mse::EstimateOptions {
                method: crate::methods::log_linear_method(&settings.estimate)?,
                seed: settings.observatory.seed,
                ..Default::default()
            };
            let estimate = crate::estimate::estimate_table(&table, &options, progress)?;
            let path = crate::estimate::stepwise_path(&table, &estimate);
            let strata = crate::strata::estimate(
                linkage,
                &settings.estimate.strata,
                &options,
                settings.estimate.min_stratum,
                settings.disclosure.min_cell,
            )?;
            let uncertainty = linkage.uncertainty(&estimate);
            lap(&mut stages, "estimate (log-linear, strata, linkage draws)");
            let comparison = crate::methods::compare(
                &table,
                Some(linkage),
                &settings.estimate,
                settings.observatory.seed,
                (&estimate, uncertainty.as_ref()),
                progress,
            )?;
            (Some(estimate), path, strata, uncertainty, Some(comparison))
        }
        _ => (None, Vec::new(), Vec::new(), None, None),
    };
    lap(&mut stages, "estimate (every method)");
    // Everything is written into a folder beside `out/`, which replaces it only once complete: a
    // run that fails or is killed leaves the previous publication as it was.
    let published = observatory.dir.join("out");
    let out = observatory.dir.join(STAGING_DIR);
    recover_publication(&published)?;
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|source| Error::Io { path: out.clone(), source })?;
    }
    let tables_dir = out.join("tables");
    std::fs::create_dir_all(&tables_dir).map_err(|source| Error::Io { path: tables_dir.clone(), source })?;
    let mut outputs = Vec::new();
    for table in &statistics.tables {
        let path = tables_dir.join(format!("{}.csv", table.name));
        write(&path, table.to_csv().as_bytes())?;
        outputs.push(path);
        pause_point("writing");
    }
    let search_path = &path;
    if let Some(estimate) = &estimate {
        let path = out.join("estimate.json");
        let mut json = serde_json::to_value(estimate).map_err(|e| Error::Internal(e.to_string()))?;
        if let Some(map) = json.as_object_mut() {
            if let Some(u) = &uncertainty {
                map.insert(
                    "linkage_uncertainty".to_owned(),
                    serde_json::to_value(u).map_err(|e| Error::Internal(e.to_string()))?,
                );
            }
            if !search_path.is_empty() {
                // The models along the stepwise search, each with its estimate and interval.
                let models: Vec<serde_json::Value> = search_path
                    .iter()
                    .map(|(model, estimate, lower, upper)| {
                        serde_json::json!({"model": model, "estimate": estimate, "interval": [lower, upper]})
                    })
                    .collect();
                map.insert("path".to_owned(), serde_json::Value::Array(models));
            }
            if !strata.is_empty() {
                map.insert(
                    "strata".to_owned(),
                    serde_json::to_value(&strata).map_err(|e| Error::Internal(e.to_string()))?,
                );
            }
            if let Some(c) = &comparison {
                map.insert("methods".to_owned(), serde_json::to_value(c).map_err(|e| Error::Internal(e.to_string()))?);
            }
        }
        write(&path, pretty(&json)?.as_bytes())?;
        outputs.push(path);
    }
    let stats_path = out.join("statistics.json");
    write(&stats_path, pretty(&statistics.to_json())?.as_bytes())?;
    outputs.push(stats_path);
    progress.start("report", 0);
    // A simulated observatory (`palermo demo`) knows the truth: linkage quality is measured.
    let truth = analysis.linkage.as_ref().and_then(|l| crate::linkage::truth_quality(&observatory.dir, l));
    let report_path = out.join("report.html");
    let html = crate::report::render(
        observatory,
        statistics,
        analysis.linkage.as_ref().map(|l| (l, truth)),
        &crate::report::Estimates {
            estimate: estimate.as_ref(),
            uncertainty: uncertainty.as_ref(),
            path: &path,
            strata: &strata,
            comparison: comparison.as_ref(),
        },
        monitoring.as_ref(),
    )
    .await?;
    write(&report_path, html.as_bytes())?;
    outputs.push(report_path.clone());
    if let Some(compiled) = &monitoring {
        let dir = out.join("monitoring");
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io { path: dir.clone(), source })?;
        for (name, text) in [("report.md", compiled.markdown.clone()), ("report.json", pretty(&compiled.json)?)] {
            let path = dir.join(name);
            write(&path, text.as_bytes())?;
            outputs.push(path);
        }
    }
    progress.finish();
    if options.pdf {
        progress.start("report.pdf", 0);
        let pdf = out.join("report.pdf");
        crate::pdf::print_to_pdf(&report_path, &pdf)?;
        outputs.push(pdf);
        progress.finish();
    }
    pause_point("written");
    publish(&out, &published)?;
    lap(&mut stages, "report");
    let total_quarantined = observatory.store.quarantined().await?.len() as u64;
    let headline = comparison.as_ref().and_then(|c| c.estimates.iter().find(|m| m.estimate.is_some())).cloned();
    let headline = headline.as_ref();
    let linkage = analysis.linkage.as_ref().map(|l| LinkageSummary {
        records: l.records_by_source.values().sum(),
        persons: l.persons.len() as u64,
        review: l.review_summary.clone(),
        uncertainty: uncertainty.clone(),
        warnings: l.warnings.clone(),
        truth,
    });
    Ok(RunSummary {
        imports,
        unit: statistics.unit,
        total: statistics.total,
        quarantined: total_quarantined,
        suppressed_cells: statistics.tables.iter().map(|t| t.suppressed).sum(),
        estimate: headline.and_then(|m| m.corrected.or(m.estimate)),
        interval: headline.and_then(|m| m.linkage_interval.or(m.interval)),
        methods: comparison,
        linkage,
        stages,
        outputs: outputs.into_iter().map(|p| Path::new("out").join(p.strip_prefix(&out).unwrap_or(&p))).collect(),
    })
}

/// Where a run writes its outputs before they replace `out/`.
const STAGING_DIR: &str = ".out.partial";
/// Where the previous `out/` waits while the new one takes its place.
const PREVIOUS_DIR: &str = ".out.previous";

/// Replaces `published` by the complete `staged` folder: the old one is moved aside, the new one
/// renamed into place (each a rename within the observatory folder), then the old one removed.
fn publish(staged: &Path, published: &Path) -> Result<()> {
    let previous = published.with_file_name(PREVIOUS_DIR);
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    if previous.exists() {
        std::fs::remove_dir_all(&previous).map_err(io(&previous))?;
    }
    if published.exists() {
        std::fs::rename(published, &previous).map_err(io(published))?;
    }
    pause_point("set-aside");
    std::fs::rename(staged, published).map_err(io(staged))?;
    pause_point("replaced");
    if previous.exists() {
        std::fs::remove_dir_all(&previous).map_err(io(&previous))?;
    }
    Ok(())
}

/// Names the environment variable with which a test stops a run at one of the moments it writes
/// its publication (`writing`, `written`, `set-aside`, `replaced`), so as to kill it exactly there.
const PAUSE_ENV: &str = "PALERMO_TEST_PAUSE_AT";

/// With [`PAUSE_ENV`] naming `point`, says so on standard error and waits there for good: a test
/// reads the line and kills the process (a timed kill would land there only by chance).
fn pause_point(point: &str) {
    if std::env::var_os(PAUSE_ENV).is_some_and(|at| at == point) {
        eprintln!("paused at {point}");
        loop {
            std::thread::park();
        }
    }
}

/// After a run killed between the two renames of [`publish`], puts the previous publication back.
fn recover_publication(published: &Path) -> Result<()> {
    let previous = published.with_file_name(PREVIOUS_DIR);
    if !published.exists() && previous.exists() {
        std::fs::rename(&previous, published).map_err(|source| Error::Io { path: previous.clone(), source })?;
    }
    Ok(())
}

fn pretty(value: &serde_json::Value) -> Result<String> {
    serde_json::to_string_pretty(value).map(|s| s + "\n").map_err(|e| Error::Internal(e.to_string()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io { path: path.to_owned(), source })
}

/// Writes the demo observatory into `dir` (which must not exist or be empty), with the demo's
/// fictional monitoring data (two reporting rounds of Demoland and its neighbours) or, with
/// `measures`, a `[monitor]` section that points at that seed-measures folder (read in place,
/// not copied).
pub fn write_demo(dir: &Path, config: &sim::SimConfig, measures: Option<&Path>) -> Result<sim::Truth> {
    if dir.exists()
        && std::fs::read_dir(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?.next().is_some()
    {
        return Err(Error::NotEmpty(dir.to_owned()));
    }
    let mut demo = sim::simulate(config).map_err(|e| Error::Internal(format!("simulating the demo: {e}")))?;
    let monitor_section = match measures {
        Some(seed) => {
            // Checked now, so that a wrong folder fails before anything is written.
            crate::monitor::read_seed(seed)?;
            let seed = std::path::absolute(seed).map_err(|source| Error::Io { path: seed.to_owned(), source })?;
            let seed = toml::Value::String(seed.display().to_string());
            format!(
                "\n# States' measures (palermo monitor): a seed-measures folder, read in place.\n[monitor]\ndata = {seed}\n"
            )
        }
        None => {
            for (relative, text) in ::monitor::demo::demo_files(config.seed) {
                demo.files.insert(relative, text.into_bytes());
            }
            format!(
                "\n# States' measures (palermo monitor): a fictional regional review of {round1} (a seed folder)\n\
                 # and the States' replies of 2024 (questionnaires). Fictional States, codes XAA-XZZ.\n\
                 [monitor]\ndata = \"{}\"\nreplies = \"{}\"\n",
                ::monitor::demo::DEMO_SEED_DIR,
                ::monitor::demo::DEMO_REPLIES_DIR,
                round1 = 2022
            )
        }
    };
    if let Some(settings) = demo.files.get_mut(crate::settings::SETTINGS_FILE) {
        settings.extend_from_slice(monitor_section.as_bytes());
        if measures.is_some() {
            // The seed measures are read in place, outside the folder.
            let text = String::from_utf8_lossy(settings).replacen(
                "[observatory]\n",
                "[observatory]\nread_outside = true   # the seed measures are read in place\n",
                1,
            );
            *settings = text.into_bytes();
        }
    }
    for (relative, bytes) in &demo.files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io { path: parent.to_owned(), source })?;
        }
        write(&path, bytes)?;
    }
    // The schema an agency of the demo would encode with (`palermo encode`) if it could not
    // share names.
    let schema = dir.join(crate::encode::DEMO_SCHEMA_FILE);
    if let Some(parent) = schema.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io { path: parent.to_owned(), source })?;
    }
    write(&schema, crate::encode::DEMO_SCHEMA.as_bytes())?;
    Ok(demo.truth)
}
