//! `palermo serve`: the observatory as a web application and a JSON API (crate `server`).

use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;

use crate::Status;
use crate::commands::Globals;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen. Keep 127.0.0.1 and put a TLS-terminating proxy in front to serve others:
    /// the session cookie is Secure.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The largest request accepted, uploads included, in MiB (a larger one is refused with 413).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_upload_mib: u64,
}

pub async fn run(ctx: &Globals, args: ServeArgs) -> anyhow::Result<Status> {
    let observatory = app::Observatory::open(&ctx.dir, ctx.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}", ctx.dir.display()))?;
    let users = app::accounts::users(&observatory.store).await?;
    if !users.iter().any(|u| !u.disabled && u.role == app::accounts::Role::Administrator) {
        eprintln!(
            "note: no administrator yet: make one with `palermo --dir {} user add NAME --role administrator`",
            ctx.dir.display()
        );
    }
    let max_upload_bytes = usize::try_from(args.max_upload_mib << 20).context("--max-upload-mib is too large")?;
    let config = server::Config { addr: args.addr, max_upload_bytes };
    server::serve(observatory, config, server::shutdown_signal()).await?;
    Ok(Status::Ok)
}
