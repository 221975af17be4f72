//! The subcommands, one module each. Every command works on `--dir DIR` except `init`, `demo`,
//! `check` without a folder, `mapping suggest`, and the agency-side `encode`.

mod encode;
mod estimate;
mod import;
mod init;
mod link;
mod mapping;
mod monitor;
mod pipeline;
mod quarantine;
mod review;
mod serve;
mod status;
mod user;

use anyhow::Context;
use clap::Subcommand;

use crate::{Cli, Status};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty observatory folder.
    Init(init::InitArgs),
    /// Write an example observatory from a simulation with a known truth.
    Demo(pipeline::DemoArgs),
    /// Rebuild everything the observatory publishes into DIR/out/.
    Run(pipeline::RunArgs),
    /// Official statistics of the observatory.
    Stats(pipeline::StatsArgs),
    /// Write the protected tables for an audience into DIR/out/AUDIENCE/, with sidecars, and record the release.
    Publish(pipeline::PublishArgs),
    /// Write a starting mapping for a new source's file (`mapping suggest FILE`).
    Mapping(mapping::MappingArgs),
    /// Validate a file against a mapping and change nothing.
    Check(import::CheckArgs),
    /// Validate a source's file and store it; bad rows are quarantined.
    Import(import::ImportArgs),
    /// Link records into persons (within and across sources).
    Link,
    /// Estimate the hidden number of victims (Multiple Systems Estimation).
    Estimate(estimate::EstimateArgs),
    /// Agency side: encode identifying fields into Bloom filters (CLKs); names never leave.
    Encode(encode::EncodeArgs),
    /// The review list of the last linkage; `review decide ID match|distinct` records a verdict.
    Review(review::ReviewArgs),
    /// Show the submissions, records and quarantined rows the observatory holds.
    Status,
    /// List the refused rows with row, column, field, masked value and reason.
    Quarantine,
    /// Monitor States' responses: import replies, compile the report, explain scores.
    Monitor(monitor::MonitorArgs),
    /// Serve the observatory as a web application and JSON API (accounts: `palermo user`).
    Serve(serve::ServeArgs),
    /// The web application's accounts and API tokens: `user add|list|disable|enable|token …`.
    User(user::UserArgs),
}

/// Global options every command may use.
#[derive(Debug)]
pub struct Globals {
    pub dir: std::path::PathBuf,
    pub database: Option<String>,
    pub format: crate::Format,
}

pub fn run(cli: Cli) -> anyhow::Result<Status> {
    let ctx = Globals { dir: cli.dir, database: cli.database, format: cli.format };
    match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Demo(args) => block_on(pipeline::demo(&ctx, args)),
        Command::Run(args) => block_on(pipeline::run(&ctx, args)),
        Command::Stats(args) => block_on(pipeline::stats(&ctx, args)),
        Command::Publish(args) => block_on(pipeline::publish(&ctx, args)),
        Command::Mapping(args) => mapping::run(&ctx, args),
        Command::Check(args) => import::check(&ctx, args),
        Command::Import(args) => block_on(import::import(&ctx, args)),
        Command::Encode(args) => encode::run(&ctx, args),
        Command::Link => block_on(link::run(&ctx)),
        Command::Estimate(args) => block_on(estimate::run(&ctx, args)),
        Command::Status => block_on(status::run(&ctx)),
        Command::Quarantine => block_on(quarantine::run(&ctx)),
        Command::Review(args) => block_on(review::run(&ctx, args)),
        Command::Monitor(args) => monitor::run(&ctx, args),
        Command::Serve(args) => block_on(serve::run(&ctx, args)),
        Command::User(args) => block_on(user::run(&ctx, args)),
    }
}

/// Runs an async command on a runtime made for it.
pub fn block_on<F: std::future::Future<Output = anyhow::Result<Status>>>(future: F) -> anyhow::Result<Status> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(future)
}

/// Today's date, the one clock read that validation depends on.
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}
