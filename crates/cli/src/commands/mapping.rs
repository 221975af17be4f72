//! `palermo mapping suggest FILE`: a starting mapping guessed from a file's header and first
//! rows, with `# TODO:` comments where a person must decide.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use crate::commands::{Globals, today};
use crate::output::{self, Table};
use crate::{Format, Status};

#[derive(Debug, Args)]
pub struct MappingArgs {
    #[command(subcommand)]
    pub command: MappingCommand,
}

#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Guess a mapping from a file's header and first 200 rows (CSV, TSV, semicolon-separated):
    /// fields by header name (English, French, Spanish) and content, date formats, list
    /// separators, recodings, constants. Cells of identifying columns are never printed.
    /// The reference of every section and field: docs/mapping.md.
    Suggest(SuggestArgs),
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The agency's file.
    pub file: PathBuf,
    /// What the file's rows are.
    #[arg(long, value_enum, default_value_t = Kind::Persons)]
    pub kind: Kind,
    /// Write the mapping here (refused if the file exists) and the summary to standard output;
    /// without it the mapping goes to standard output and the summary to standard error.
    #[arg(short, long, value_name = "OUT.toml")]
    pub output: Option<PathBuf>,
}

/// The record kinds a mapping describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// One row per person record (victim or suspect).
    Persons,
    /// One row per count of persons at a stage of the criminal-justice chain.
    Justice,
}

pub fn run(ctx: &Globals, args: MappingArgs) -> anyhow::Result<Status> {
    match args.command {
        MappingCommand::Suggest(args) => suggest(ctx, args),
    }
}

fn suggest(ctx: &Globals, args: SuggestArgs) -> anyhow::Result<Status> {
    let kind = match args.kind {
        Kind::Persons => model::RecordKind::Persons,
        Kind::Justice => model::RecordKind::Justice,
    };
    let suggestion = app::suggest::suggest_file(&args.file, kind, today())?;
    if ctx.format == Format::Json {
        if let Some(out) = &args.output {
            write_new(out, &suggestion.toml)?;
        }
        return output::print_json(&suggestion).map(|()| Status::Ok);
    }
    let mut summary = Table::new(&["column", "field", "confidence", "why"]);
    for c in &suggestion.columns {
        summary.push(vec![
            c.header.clone(),
            c.field.unwrap_or("-").to_owned(),
            c.confidence.as_str().to_owned(),
            c.why.clone(),
        ]);
    }
    let mut text = summary.render(ctx.format)?;
    if suggestion.todos.is_empty() {
        text.push_str("\nnothing to decide: check the guesses, then import\n");
    } else {
        text.push_str(&format!("\nto decide ({}; each is a `# TODO:` in the mapping):\n", suggestion.todos.len()));
        for todo in &suggestion.todos {
            text.push_str(&format!("  - {todo}\n"));
        }
    }
    if let Some(problem) = &suggestion.problem {
        text.push_str(&format!("not yet a valid mapping: {problem}\n"));
    }
    match &args.output {
        Some(out) => {
            write_new(out, &suggestion.toml)?;
            output::print(&format!("wrote {}\n{text}", out.display()))?;
        }
        None => {
            output::print(&suggestion.toml)?;
            eprint!("{text}");
        }
    }
    Ok(Status::Ok)
}

/// Writes a file that must not exist yet (a mapping someone edited is never overwritten).
fn write_new(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("writing {} (an existing file is not overwritten)", path.display()))?;
    file.write_all(text.as_bytes()).with_context(|| format!("writing {}", path.display()))
}
