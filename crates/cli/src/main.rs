//! `palermo`: the command-line shell over the application layer. Only this crate knows argv,
//! terminal output and exit codes: 0 success, 1 this command refused data (rows quarantined from
//! the files it imported now, failed checks, refused release), 2 usage or internal error.

mod commands;
mod output;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Palermo: an anti-trafficking data observatory.
///
/// Gathers agency lists, links records into persons, produces official statistics, estimates the
/// hidden number of victims, publishes only what cannot expose a victim, and monitors States'
/// responses.
#[derive(Debug, Parser)]
#[command(
    name = "palermo",
    version,
    propagate_version = true,
    after_help = "Exit status: 0 done; 1 done, but this command refused data (rows quarantined from the files it \
                  imported now, a file refused, a questionnaire or check failed; the demo's own deliberately \
                  malformed rows do not count); 2 usage or internal error."
)]
pub struct Cli {
    /// The observatory folder.
    #[arg(long, global = true, default_value = ".", env = "PALERMO_DIR")]
    dir: PathBuf,
    /// Database URL (default: the SQLite file inside the observatory; `postgres://…` for a server).
    #[arg(long, global = true, env = "PALERMO_DATABASE")]
    database: Option<String>,
    /// Output format where the output is data.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(subcommand)]
    command: commands::Command,
}

/// How data is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Markdown,
    /// A document (`palermo monitor report -o FILE`).
    Html,
    /// A document printed with headless Chromium (`palermo monitor report -o FILE.pdf`).
    Pdf,
}

/// What a command's outcome means for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// The data had problems: exit 1.
    DataProblems,
}

fn main() -> ExitCode {
    // Everything Palermo creates (the database and its WAL, identities in `out/`, folders) is
    // readable by its owner only: files 0600, folders 0700, whatever the user's umask.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = Cli::parse();
    init_tracing();
    match commands::run(cli) {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::DataProblems) => ExitCode::from(1),
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().filter_map(|e| e.downcast_ref::<std::io::Error>()).any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Logs go to standard error, filtered by `PALERMO_LOG` (default `warn`). No log line carries a
/// person's identifying field: the engines log counts, ids and stages only.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PALERMO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}
