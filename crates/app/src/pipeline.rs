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

/// What a run did, for the terminal summary.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub imports: Vec<FileReport>,
    pub unit: Unit,
    pub total: u64,
    pub quarantined: u64,
    pub suppressed_cells: usize,
    pub outputs: Vec<PathBuf>,
}

impl RunSummary {
    /// Whether the data had problems (quarantined rows): the CLI exits 1.
    pub fn has_problems(&self) -> bool {
        self.quarantined > 0
    }
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
        let report = import_file(
            &observatory.store,
            crate::import::Source { name: &source.name, kind: &source.kind },
            &path,
            &mapping,
            ImportOptions::default(),
            today,
            progress,
        )
        .await?;
        reports.push(report);
    }
    Ok(reports)
}

/// Computes the observatory's statistics from what the store holds.
pub async fn statistics(observatory: &Observatory) -> Result<Statistics> {
    let store = &observatory.store;
    let persons = store.persons().await?;
    let victims: Vec<&dyn Counted> =
        persons.iter().filter(|p| p.get("role") != "suspect").map(|p| p as &dyn Counted).collect();
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
    Ok(stats::compute(
        Unit::Records,
        &victims,
        &justice,
        population.as_ref(),
        &quarantined,
        observatory.settings.disclosure.min_cell,
    ))
}

/// Rebuilds `DIR/out/`.
pub async fn run(observatory: &Observatory, today: chrono::NaiveDate, progress: &dyn Progress) -> Result<RunSummary> {
    let imports = import_sources(observatory, today, progress).await?;
    progress.start("statistics", 0);
    let statistics = statistics(observatory).await?;
    progress.finish();
    let out = observatory.dir.join("out");
    let tables_dir = out.join("tables");
    // Start from an empty folder so that nothing stale survives.
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|source| Error::Io { path: out.clone(), source })?;
    }
    std::fs::create_dir_all(&tables_dir).map_err(|source| Error::Io { path: tables_dir.clone(), source })?;
    let mut outputs = Vec::new();
    for table in &statistics.tables {
        let path = tables_dir.join(format!("{}.csv", table.name));
        write(&path, table.to_csv().as_bytes())?;
        outputs.push(path);
    }
    let stats_path = out.join("statistics.json");
    write(&stats_path, pretty(&statistics.to_json())?.as_bytes())?;
    outputs.push(stats_path);
    progress.start("report", 0);
    let report_path = out.join("report.html");
    let html = crate::report::render(observatory, &statistics).await?;
    write(&report_path, html.as_bytes())?;
    outputs.push(report_path);
    progress.finish();
    let total_quarantined = observatory.store.quarantined().await?.len() as u64;
    Ok(RunSummary {
        imports,
        unit: statistics.unit,
        total: statistics.total,
        quarantined: total_quarantined,
        suppressed_cells: statistics.tables.iter().map(|t| t.suppressed).sum(),
        outputs: outputs.into_iter().map(|p| relative(&observatory.dir, &p)).collect(),
    })
}

fn relative(base: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(base).map_or_else(|_| path.to_owned(), Path::to_owned)
}

fn pretty(value: &serde_json::Value) -> Result<String> {
    serde_json::to_string_pretty(value).map(|s| s + "\n").map_err(|e| Error::Internal(e.to_string()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io { path: path.to_owned(), source })
}

/// Writes the demo observatory into `dir` (which must not exist or be empty).
pub fn write_demo(dir: &Path, config: &sim::SimConfig) -> Result<sim::Truth> {
    if dir.exists()
        && std::fs::read_dir(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?.next().is_some()
    {
        return Err(Error::NotEmpty(dir.to_owned()));
    }
    let demo = sim::simulate(config).map_err(|e| Error::Internal(format!("simulating the demo: {e}")))?;
    for (relative, bytes) in &demo.files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io { path: parent.to_owned(), source })?;
        }
        write(&path, bytes)?;
    }
    Ok(demo.truth)
}
