//! `palermo check` (a dry run) and `palermo import` (validate and store, quarantining bad rows).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::commands::{Globals, today};
use crate::progress::Bar;
use crate::{Format, Status, output};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The file to validate (CSV, XLSX or JSON).
    pub file: PathBuf,
    /// The source's mapping (TOML; reference: docs/mapping.md; `palermo mapping suggest FILE`
    /// writes a first one).
    #[arg(long)]
    pub mapping: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The source's short name (as in palermo.toml).
    #[arg(long)]
    pub source: String,
    /// The file to import (CSV, XLSX or JSON).
    pub file: PathBuf,
    /// The mapping (default: the source's mapping in palermo.toml; reference: docs/mapping.md;
    /// `palermo mapping suggest FILE` writes a first one).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// The source's kind, for a source not in palermo.toml.
    #[arg(long)]
    pub kind: Option<String>,
    /// Refuse the whole file when any row is bad.
    #[arg(long)]
    pub strict: bool,
    /// Replace the source's earlier submission (kept as history).
    #[arg(long)]
    pub replace: bool,
    /// For a source that may not share names: its encodings made with `palermo encode`
    /// (`{"clks": [...]}`, one per data row of FILE, in order). FILE then holds no identifying
    /// columns; a row without a usable encoding is quarantined.
    #[arg(long, value_name = "CLKS")]
    pub encodings: Option<PathBuf>,
}

/// Most errors printed in the human summary; all of them are in the quarantine and in JSON.
const ERRORS_SHOWN: usize = 50;

pub fn check(ctx: &Globals, args: CheckArgs) -> anyhow::Result<Status> {
    let mapping = app::observatory::load_mapping(&args.mapping)?;
    let report = app::check_file(&args.file, &mapping, today(), &Bar::default())?;
    print_report(ctx.format, &report)?;
    Ok(if report.has_problems() { Status::DataProblems } else { Status::Ok })
}

pub async fn import(ctx: &Globals, args: ImportArgs) -> anyhow::Result<Status> {
    let observatory = app::Observatory::open(&ctx.dir, ctx.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}", ctx.dir.display()))?;
    let configured = observatory.settings.source(&args.source).cloned();
    let mapping = match (&args.mapping, &configured) {
        (Some(path), _) => app::observatory::load_mapping(path)?,
        (None, Some(_)) => observatory.mapping(&args.source)?,
        (None, None) => anyhow::bail!("source `{}` is not in palermo.toml: give --mapping and --kind", args.source),
    };
    let kind = match (&args.kind, &configured) {
        (Some(kind), _) => model::vocab::SOURCE_KIND
            .lookup(kind)
            .with_context(|| format!("--kind `{kind}` is not a source kind"))?
            .code
            .to_owned(),
        (None, Some(source)) => source.kind.clone(),
        (None, None) => anyhow::bail!("source `{}` is not in palermo.toml: give --kind", args.source),
    };
    let options =
        app::ImportOptions { strict: args.strict, replace: args.replace, limits: observatory.settings.limits };
    let source = app::Source { name: &args.source, kind: &kind };
    let report = match &args.encodings {
        Some(encodings) => {
            app::encoded::import_encoded(
                &observatory.store,
                source,
                &args.file,
                encodings,
                &mapping,
                options,
                today(),
                &Bar::default(),
            )
            .await
        }
        None => {
            app::import_file(&observatory.store, source, &args.file, &mapping, options, today(), &Bar::default()).await
        }
    }
    .with_context(|| format!("importing {}", args.file.display()))?;
    observatory.store.close().await;
    print_report(ctx.format, &report)?;
    Ok(if report.has_problems() { Status::DataProblems } else { Status::Ok })
}

fn print_report(format: Format, report: &app::FileReport) -> anyhow::Result<()> {
    if format == Format::Json {
        return output::print_json(report);
    }
    let mut text = String::new();
    let short_hash: String = report.sha256.chars().take(12).collect();
    text.push_str(&format!("{} (sha256 {short_hash}…)\n", report.file.display()));
    let verdict = match &report.outcome {
        app::Outcome::Imported(totals) => format!(
            "imported as submission {}: {} rows stored, {} quarantined{}",
            totals.submission_id,
            totals.rows_stored,
            totals.rows_quarantined,
            if totals.replaced > 0 {
                format!(", replacing {} earlier submission(s)", totals.replaced)
            } else {
                String::new()
            }
        ),
        app::Outcome::AlreadyImported { submission_id } => {
            format!("already imported as submission {submission_id}: nothing changed")
        }
        app::Outcome::Refused => "refused (--strict): nothing stored".to_owned(),
        app::Outcome::Checked => "checked: nothing stored".to_owned(),
    };
    text.push_str(&format!(
        "  {} rows read: {} good, {} bad\n  {verdict}\n",
        report.rows_read, report.rows_good, report.rows_bad
    ));
    for column in &report.missing_optional_columns {
        text.push_str(&format!("  note: mapped column `{column}` is not in the file: read as not recorded\n"));
    }
    for column in &report.ignored_columns {
        text.push_str(&format!("  note: column `{column}` is not mapped: ignored\n"));
    }
    for error in report.errors.iter().take(ERRORS_SHOWN) {
        text.push_str(&format!("  {error}\n"));
    }
    if report.errors.len() > ERRORS_SHOWN {
        text.push_str(&format!(
            "  … and {} more errors (all are kept in the quarantine; --format json lists them)\n",
            report.errors.len() - ERRORS_SHOWN
        ));
    }
    output::print(&text)
}
