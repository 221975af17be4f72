//! `palermo demo`, `palermo run` and `palermo stats`: the observatory's main job.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use crate::commands::{Globals, today};
use crate::output::{Table, print, print_json};
use crate::progress::Bar;
use crate::{Format, Status};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The folder to create (must not exist or be empty).
    pub path: PathBuf,
    /// Size of the simulated hidden population of victims.
    #[arg(long, default_value_t = 3000)]
    pub size: usize,
    /// Seed of the simulation: the same seed gives the same files.
    #[arg(long, default_value_t = 2008)]
    pub seed: u64,
    /// Also run the pipeline on the new folder (`palermo --dir PATH run`).
    #[arg(long)]
    pub run: bool,
    /// Monitor a real seed-measures folder (e.g. the 2008 report's) instead of the demo's
    /// fictional States: `palermo.toml` points at it; nothing is copied.
    #[arg(long, value_name = "DIR")]
    pub measures: Option<PathBuf>,
    /// With --run: also print the report to out/report.pdf (needs headless Chromium).
    #[arg(long, requires = "run")]
    pub pdf: bool,
}

#[derive(Debug, Default, Args)]
pub struct RunArgs {
    /// Report on this seed-measures folder instead of the [monitor] files of palermo.toml
    /// (read in place, not stored).
    #[arg(long, value_name = "DIR")]
    pub measures: Option<PathBuf>,
    /// Also print out/report.html to out/report.pdf with headless Chromium (PALERMO_CHROMIUM,
    /// else chromium, chromium-browser or google-chrome on PATH).
    #[arg(long)]
    pub pdf: bool,
}

pub async fn demo(globals: &Globals, args: DemoArgs) -> anyhow::Result<Status> {
    let config = app::sim::SimConfig { size: args.size, seed: args.seed, ..app::sim::SimConfig::default() };
    let truth = app::pipeline::write_demo(&args.path, &config, args.measures.as_deref())?;
    println!(
        "wrote a simulated observatory to {}: {} hidden victims, {} seen by at least one of {} agencies (truth.json has the answers)",
        args.path.display(),
        truth.n_total,
        truth.n_detected,
        truth.lists.len()
    );
    if args.run {
        let globals = Globals { dir: args.path.clone(), database: globals.database.clone(), format: globals.format };
        let summary = run_and_print(&globals, RunArgs { measures: None, pdf: args.pdf }).await?;
        // The demo's files hold deliberately malformed rows: refusing exactly those is the
        // expected outcome; any other refusal is a problem (exit 1, as for `run`).
        let planted: usize = truth.agencies.values().map(|a| a.n_malformed).sum();
        println!(
            "the demo's files hold {planted} deliberately malformed rows: `palermo --dir {} quarantine` lists them",
            args.path.display()
        );
        return Ok(if summary.quarantined_now() == planted as u64 { Status::Ok } else { Status::DataProblems });
    }
    println!("next: palermo --dir {} run", args.path.display());
    Ok(Status::Ok)
}

/// `palermo run`: exits 1 when it refused rows of the files it imported now (rows refused by
/// earlier imports are listed by `palermo quarantine` and do not make every later run fail).
pub async fn run(globals: &Globals, args: RunArgs) -> anyhow::Result<Status> {
    let summary = run_and_print(globals, args).await?;
    Ok(if summary.has_problems() { Status::DataProblems } else { Status::Ok })
}

async fn run_and_print(globals: &Globals, args: RunArgs) -> anyhow::Result<app::pipeline::RunSummary> {
    let started = Instant::now();
    let previous_pdf = globals.dir.join("out/report.pdf").exists();
    let observatory = app::Observatory::open(&globals.dir, globals.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}", globals.dir.display()))?;
    let options = app::pipeline::RunOptions { measures: args.measures, pdf: args.pdf };
    // As the observatory's job: a web application serving the same observatory shows it, and
    // neither starts a run while the other's is in progress.
    let summary = app::jobs::run_in_foreground(&observatory, today(), &options, &Bar::default()).await?;
    observatory.store.close().await;
    if globals.format == Format::Json {
        print_json(&summary)?;
    } else {
        let mut text = String::new();
        for import in &summary.imports {
            let source = import.source.as_deref().unwrap_or("?");
            let what = match &import.outcome {
                app::Outcome::Imported(t) => format!("{} stored, {} quarantined", t.rows_stored, t.rows_quarantined),
                app::Outcome::AlreadyImported { .. } => "already imported".to_owned(),
                app::Outcome::Refused => "refused".to_owned(),
                app::Outcome::Checked => "checked".to_owned(),
            };
            text.push_str(&format!("  {source:<18} {what}\n"));
        }
        text.push_str(&format!(
            "{} detected victims, counted as {}\n{} rows in quarantine; {} table cells withheld by disclosure control\n",
            summary.total,
            summary.unit.describe(),
            summary.quarantined,
            summary.suppressed_cells
        ));
        if summary.total == 0 {
            text.push_str(
                "no victim records yet: import an agency's list (`palermo mapping suggest FILE` drafts a mapping; then `palermo import --source NAME --kind KIND --mapping MAPPING.toml FILE`, or name the source in palermo.toml) and run again\n",
            );
        }
        if let (Some(estimate), Some([lo, hi])) = (summary.estimate, summary.interval) {
            let headline = summary.methods.as_ref().and_then(|c| c.headline());
            text.push_str(&format!(
                "estimated victims: {estimate:.0} ({}95% interval {lo:.0}–{}",
                headline.map_or(String::new(), |m| format!("{}; ", m.label)),
                app::published::whole(hi)
            ));
            text.push_str(if headline.is_some_and(|m| m.linkage_interval.is_some()) {
                ", linkage errors included)\n"
            } else {
                ")\n"
            });
        }
        if let Some(comparison) = &summary.methods {
            text.push_str(&comparison.render_text());
        }
        if let Some(linkage) = &summary.linkage {
            text.push_str(&format!(
                "{} records linked into {} persons; review list: {} items (`palermo review`), {} more left off\n",
                linkage.records, linkage.persons, linkage.review.listed, linkage.review.unlisted
            ));
            for warning in &linkage.warnings {
                text.push_str(&format!("warning: {warning}\n"));
            }
            if let Some(q) = &linkage.truth {
                text.push_str(&format!(
                    "against truth.json: pairwise precision {:.3} (best possible {:.3}), recall {:.3}; {} persons counted, {} truly seen\n",
                    q.precision, q.precision_ceiling, q.recall, q.persons_counted, q.persons_seen
                ));
            }
        }
        text.push_str(&format!(
            "wrote {} files to {}/out in {:.1} s\nreport: {}\n",
            summary.outputs.len(),
            globals.dir.display(),
            started.elapsed().as_secs_f64(),
            globals.dir.join("out/report.html").display()
        ));
        if let Some(pdf) = summary.outputs.iter().find(|p| p.extension().is_some_and(|e| e == "pdf")) {
            text.push_str(&format!("PDF: {}\n", globals.dir.join(pdf).display()));
        } else if previous_pdf {
            text.push_str(
                "note: the previous out/report.pdf showed the previous run and was not kept; add --pdf to print this one\n",
            );
        }
        print(&text)?;
    }
    Ok(summary)
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Show only this table (e.g. by_citizenship); default: all.
    #[arg(long)]
    pub table: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// Who the release is for: public, partners or internal (its folder under out/).
    #[arg(long, default_value = "public")]
    pub audience: String,
    /// Who releases it, recorded in the ledger.
    #[arg(long, env = "USER", default_value = "palermo")]
    pub by: String,
    /// How the tables are protected: suppression, rounding (controlled rounding) or dp
    /// (differential privacy); default: the audience's method in palermo.toml [publish].
    #[arg(long)]
    pub method: Option<String>,
    /// ε a differentially private release spends from the privacy budget (default: [publish] epsilon).
    #[arg(long)]
    pub epsilon: Option<f64>,
    /// Base of controlled rounding, 3 or 5 (default: [publish] rounding_base).
    #[arg(long)]
    pub base: Option<u64>,
}

pub async fn publish(globals: &Globals, args: PublishArgs) -> anyhow::Result<Status> {
    let Some(audience) = app::publish::Audience::parse(&args.audience) else {
        anyhow::bail!("no audience `{}`: use public, partners or internal", args.audience);
    };
    let method = match args.method.as_deref() {
        None => None,
        Some(text) => match app::settings::PublishMethod::parse(text) {
            Some(m) => Some(m),
            None => anyhow::bail!("no method `{text}`: use suppression, rounding or dp"),
        },
    };
    let request = app::publish::Request { method, epsilon: args.epsilon, base: args.base };
    let observatory = app::Observatory::open(&globals.dir, globals.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}", globals.dir.display()))?;
    let summary = app::publish::publish_with(&observatory, audience, &args.by, &request).await;
    observatory.store.close().await;
    let summary = summary?;
    if globals.format == Format::Json {
        print_json(&summary)?;
    } else {
        let mut text = format!(
            "release {} for {}: {} tables, {} cells suppressed (total {}), {} suppressed cells audited; method {}\n",
            summary.release_id,
            audience.name(),
            summary.outputs.len(),
            summary.cells_suppressed,
            summary.suppressed_total,
            summary.audited_cells,
            summary.method
        );
        text.push_str(&format!(
            "  mean absolute error of the published counts: {:.2} ({} of {} withheld); privacy budget of `{}`: ε {} spent, {} of {} left\n",
            summary.utility.mean_abs_error,
            summary.utility.withheld,
            summary.utility.cells,
            summary.budget.dataset,
            summary.epsilon_spent,
            summary.budget.left,
            summary.budget.total
        ));
        if !summary.omitted.is_empty() {
            text.push_str(&format!("  not in this release: {}\n", summary.omitted.join(", ")));
        }
        for output in &summary.outputs {
            text.push_str(&format!("  {}  ({} suppressed)\n", output.path.display(), output.cells_suppressed));
        }
        print(&text)?;
    }
    Ok(Status::Ok)
}

pub async fn stats(globals: &Globals, args: StatsArgs) -> anyhow::Result<Status> {
    let observatory = app::Observatory::open(&globals.dir, globals.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}", globals.dir.display()))?;
    let statistics = app::pipeline::statistics(&observatory).await?;
    observatory.store.close().await;
    let names = || statistics.tables.iter().map(|t| t.name).collect::<Vec<_>>().join(", ");
    let tables: Vec<&app::stats::StatTable> =
        statistics.tables.iter().filter(|t| args.table.as_deref().is_none_or(|name| t.name == name)).collect();
    if tables.is_empty() {
        anyhow::bail!("no table named `{}`; the tables are: {}", args.table.unwrap_or_default(), names());
    }
    if globals.format == Format::Csv && tables.len() > 1 {
        // Tables of different shapes in one CSV stream would read as one broken table.
        anyhow::bail!(
            "--format csv prints one table: add --table NAME (one of: {}); `palermo run` writes each table as its own CSV file in out/tables/",
            names()
        );
    }
    if globals.format == Format::Json {
        let mut json = statistics.to_json();
        if let Some(name) = &args.table
            && let Some(map) = json.get_mut("tables").and_then(|t| t.as_object_mut())
        {
            map.retain(|k, _| k == name);
        }
        print_json(&json)?;
        return Ok(Status::Ok);
    }
    let mut text = String::new();
    for table in tables {
        if globals.format != Format::Csv {
            text.push_str(&format!("\n{}\nunit: {}\n", table.title, table.unit.describe()));
        }
        let mut out = Table::new(&table.columns.iter().map(String::as_str).collect::<Vec<_>>());
        for row in &table.rows {
            out.push(row.iter().map(app::stats::Cell::to_text).collect());
        }
        text.push_str(&out.render(globals.format)?);
    }
    print(&text)?;
    Ok(Status::Ok)
}
