//! `palermo encode`: run at the agency; writes Bloom-filter encodings (CLKs) only, never names.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::Status;
use crate::commands::Globals;

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// The linkage schema (clkhash's v3 JSON format).
    #[arg(long)]
    pub schema: PathBuf,
    /// A file holding the secret shared by the agencies that encode and by whoever runs the hub's
    /// linkage (it encodes the named sources with it); keep it from anyone else who receives
    /// encodings.
    #[arg(long)]
    pub secret_file: PathBuf,
    /// The CSV of identifying fields, with a header matching the schema's features. Values are
    /// prepared as the hub prepares its own: lower case, white space runs made one space, spaces,
    /// commas, dots and semicolons trimmed from the ends.
    pub file: PathBuf,
    /// Where to write the encodings (`{"clks": [...]}`).
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(_globals: &Globals, args: EncodeArgs) -> anyhow::Result<Status> {
    let (json, n) = app::encode::encode_file(&args.schema, &args.secret_file, &args.file)?;
    std::fs::write(&args.output, json).with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!("encoded {n} records into {}", args.output.display());
    Ok(Status::Ok)
}
