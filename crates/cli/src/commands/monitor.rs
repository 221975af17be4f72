//! `palermo monitor …`: States' responses. Import the seed-measures folder or a State's reply,
//! compile the section "Measures reported by Member States", explain a State's score, print a
//! blank questionnaire or its JSON Schema. A refused reply exits 1 with every problem printed
//! as `field: reason`, and nothing is stored.

use std::path::{Path, PathBuf};

use anyhow::Context;
use app::monitor::engine::{ReportOptions, SubmissionError};
use app::monitor::{ImportOutcome, ReplyOutcome};
use clap::{Args, Subcommand};

use crate::commands::{Globals, block_on, today};
use crate::output::{Table, print, print_json};
use crate::{Format, Status};

#[derive(Debug, Args)]
pub struct MonitorArgs {
    #[command(subcommand)]
    pub command: MonitorCommand,
}

#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Import a seed-measures folder, or a State's reply (.yaml, .yml or .json) validated first.
    Import {
        /// A seed-measures folder, or a reply file.
        path: PathBuf,
        /// Let a seed folder replace different monitoring data already stored (replies included).
        #[arg(long)]
        replace: bool,
    },
    /// Compile the section "Measures reported by Member States" (JSON, Markdown, a table, HTML or PDF).
    Report {
        /// Reporting round (default: the latest).
        #[arg(long)]
        round: Option<String>,
        /// Restrict to an M49 region, sub-region or intermediate region ("Europe").
        #[arg(long)]
        region: Option<String>,
        /// Also write the self-contained HTML report to this file.
        #[arg(long, value_name = "OUT.html")]
        html: Option<PathBuf>,
        /// Write the report in --format to this file instead of the terminal (required for pdf,
        /// which is printed from the HTML report by headless Chromium).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print a blank questionnaire (YAML) for a State's reply, or its JSON Schema.
    Template {
        /// Print the JSON Schema of a reply instead.
        #[arg(long)]
        schema: bool,
        /// Round the questionnaire is for (default: this year).
        #[arg(long)]
        round: Option<String>,
        /// Take the measure codes from this vocabulary.csv (or seed folder) instead of the observatory.
        #[arg(long)]
        vocabulary: Option<PathBuf>,
    },
    /// Explain a State's score, point by point, with the evidence behind each point.
    Explain {
        /// The State: ISO 3166-1 alpha-3 code or name.
        state: String,
        /// Reporting round (default: the latest).
        #[arg(long)]
        round: Option<String>,
    },
    /// Print the stored monitoring dataset (JSON) exactly as stored, e.g. for a backup.
    Export,
}

pub fn run(ctx: &Globals, args: MonitorArgs) -> anyhow::Result<Status> {
    match args.command {
        MonitorCommand::Template { schema: true, .. } => {
            print(&app::monitor::json_schema())?;
            Ok(Status::Ok)
        }
        MonitorCommand::Template { schema: false, round, vocabulary: Some(path) } => {
            let path = if path.is_dir() { path.join("vocabulary.csv") } else { path };
            print(&app::monitor::template_from_vocabulary(&path, &round.unwrap_or_else(this_year))?)?;
            Ok(Status::Ok)
        }
        command => block_on(run_with_store(ctx, command)),
    }
}

fn this_year() -> String {
    today().format("%Y").to_string()
}

async fn run_with_store(ctx: &Globals, command: MonitorCommand) -> anyhow::Result<Status> {
    let hint = match command {
        MonitorCommand::Template { .. } => " (or give --vocabulary FILE)",
        _ => "",
    };
    let observatory = app::Observatory::open(&ctx.dir, ctx.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}{hint}", ctx.dir.display()))?;
    let store = &observatory.store;
    let result = match command {
        MonitorCommand::Import { path, replace } => import(ctx.format, &observatory, &path, replace).await,
        MonitorCommand::Report { round, region, html, output } => {
            let options = ReportOptions { round, region, ..ReportOptions::default() };
            report(ctx.format, &observatory, &options, html.as_deref(), output.as_deref()).await
        }
        MonitorCommand::Template { round, .. } => {
            let text = app::monitor::template(store, &round.unwrap_or_else(this_year))
                .await
                .context("no vocabulary: import a seed-measures folder into --dir, or give --vocabulary FILE")?;
            print(&text).map(|()| Status::Ok)
        }
        MonitorCommand::Explain { state, round } => {
            let explanation = app::monitor::explain(store, &state, round.as_deref()).await?;
            if ctx.format == Format::Json {
                print_json(&explanation)?;
            } else {
                print(&explanation.text)?;
            }
            Ok(Status::Ok)
        }
        MonitorCommand::Export => match app::monitor::stored_json(store).await? {
            Some(text) => print(&text).map(|()| Status::Ok),
            None => Err(app::Error::Monitor(app::monitor::Error::NoData).into()),
        },
    };
    store.close().await;
    result
}

async fn import(format: Format, observatory: &app::Observatory, path: &Path, replace: bool) -> anyhow::Result<Status> {
    let outcome = app::monitor::import_path(&observatory.store, path, today(), replace)
        .await
        .with_context(|| format!("importing {}", path.display()))?;
    if format == Format::Json {
        print_json(&outcome)?;
    }
    match outcome {
        ImportOutcome::Seed(summary) => {
            if format != Format::Json {
                let verb = if summary.unchanged { "already imported, unchanged" } else { "imported" };
                print(&format!(
                    "{}: {verb}: {} measure codes, {} reporting States, {} reported facts, {} treaty actions\n",
                    path.display(),
                    summary.measures,
                    summary.respondents,
                    summary.facts,
                    summary.treaty_actions
                ))?;
            }
            Ok(Status::Ok)
        }
        ImportOutcome::Reply(ReplyOutcome::Stored(record)) => {
            if format != Format::Json {
                let replaced = if record.replaced_previous { ", replacing its earlier reply" } else { "" };
                print(&format!(
                    "{}: stored the reply of {} for round {} ({} measures, {} instruments{replaced})\n",
                    path.display(),
                    record.state,
                    record.round,
                    record.measures,
                    record.instruments
                ))?;
            }
            Ok(Status::Ok)
        }
        ImportOutcome::Reply(ReplyOutcome::Refused { errors }) => {
            if format != Format::Json {
                print(&refusal(path, &errors))?;
            }
            Ok(Status::DataProblems)
        }
    }
}

/// Every problem as `field: reason`, then what happened.
fn refusal(path: &Path, errors: &[SubmissionError]) -> String {
    let mut out = String::new();
    for error in errors {
        out.push_str(&format!("{error}\n"));
    }
    out.push_str(&format!("{}: refused ({} problem(s)); nothing stored\n", path.display(), errors.len()));
    out
}

async fn report(
    format: Format,
    observatory: &app::Observatory,
    options: &ReportOptions,
    html: Option<&Path>,
    output: Option<&Path>,
) -> anyhow::Result<Status> {
    if format == Format::Pdf && output.is_none() {
        anyhow::bail!("--format pdf writes a file: give -o FILE.pdf");
    }
    let report = app::monitor::report(&observatory.store, options).await?;
    if let Some(path) = html {
        std::fs::write(path, &report.html).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let (Format::Pdf, Some(path)) = (format, output) {
        app::monitor::write_pdf(&report, path, observatory.settings.report.paper)?;
        eprintln!("wrote {}", path.display());
        return Ok(Status::Ok);
    }
    let text = match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report.json)?),
        Format::Markdown => report.markdown.clone(),
        Format::Html | Format::Pdf => report.html.clone(),
        Format::Table | Format::Csv => measure_table(&report.json).render(format)?,
    };
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None if format == Format::Json => print_json(&report.json)?,
        None => print(&text)?,
    }
    Ok(Status::Ok)
}

/// One row per measure that some State reported: paragraph, code, count and the States.
fn measure_table(json: &serde_json::Value) -> Table {
    let mut table = Table::new(&["para", "measure", "count", "states"]);
    let Some(measures) = json["measures"].as_object() else {
        return table;
    };
    let mut rows: Vec<(u64, Vec<String>)> = measures
        .iter()
        .filter(|(_, m)| m["count"].as_u64().unwrap_or(0) > 0)
        .map(|(code, m)| {
            let states: Vec<&str> =
                m["states"].as_array().map(|a| a.iter().filter_map(|s| s.as_str()).collect()).unwrap_or_default();
            let paragraph = m["paragraph"].as_u64().unwrap_or(0);
            (paragraph, vec![paragraph.to_string(), code.clone(), states.len().to_string(), states.join(" ")])
        })
        .collect();
    // Report order: by paragraph, then by code (the map is already sorted by code).
    rows.sort_by_key(|(paragraph, _)| *paragraph);
    for (_, row) in rows {
        table.push(row);
    }
    table
}
