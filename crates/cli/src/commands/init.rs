//! `palermo init DIR`: an empty observatory.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::Status;
use crate::commands::Globals;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to create.
    pub path: PathBuf,
    /// The observatory's name.
    #[arg(long, default_value = "National observatory")]
    pub name: String,
    /// The country, ISO 3166-1 alpha-3.
    #[arg(long, default_value = "XXX")]
    pub country: String,
}

pub fn run(_ctx: &Globals, args: InitArgs) -> anyhow::Result<Status> {
    let country = model::Iso3::parse(&args.country)
        .with_context(|| format!("--country `{}` is not an ISO 3166-1 alpha-3 code", args.country))?;
    app::observatory::init(&args.path, &args.name, country.as_str())?;
    println!("created an empty observatory in {}", args.path.display());
    Ok(Status::Ok)
}
