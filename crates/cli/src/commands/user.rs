//! `palermo user …`: the accounts of the web application. The first administrator is made here
//! (there is never a default password); a password is read from the terminal without echo, or
//! from the first line of standard input, never from the command line.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use crate::commands::Globals;
use crate::output::{Table, print, print_json};
use crate::{Format, Status};

#[derive(Debug, Args)]
pub struct UserArgs {
    /// Who makes the change (named in the audit log).
    #[arg(long, global = true, env = "USER", default_value = "unknown")]
    pub actor: String,
    #[command(subcommand)]
    pub action: UserAction,
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add an account; its password is asked for (or read from standard input).
    Add {
        /// The user name: a-z, 0-9, `.`, `_`, `-`.
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// A submitter's source (as in palermo.toml).
        #[arg(long, required_if_eq("role", "submitter"))]
        source: Option<String>,
        /// A focal point's State (ISO 3166-1 alpha-3).
        #[arg(long, required_if_eq("role", "focal-point"))]
        state: Option<String>,
    },
    /// List the accounts.
    List,
    /// Disable an account: its sessions end and its tokens stop working.
    Disable { name: String },
    /// Enable a disabled account again.
    Enable { name: String },
    /// API tokens: `token add USER --label L`, `token list`, `token revoke ID`.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Make a token acting as USER (with USER's role); its secret is printed once.
    Add {
        user: String,
        /// What uses the token (an agency's system).
        #[arg(long)]
        label: String,
    },
    /// List the tokens (never their secrets).
    List,
    /// Revoke a token.
    Revoke { id: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Administrator,
    Analyst,
    Reviewer,
    Submitter,
    FocalPoint,
}

/// The password, from the terminal (twice, without echo) or from standard input's first line.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).context("reading the password from standard input")?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_owned());
    }
    let first = prompt_hidden("Password: ")?;
    let second = prompt_hidden("Again: ")?;
    anyhow::ensure!(first == second, "the two passwords differ");
    Ok(first)
}

fn prompt_hidden(prompt: &str) -> anyhow::Result<String> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let mut stderr = std::io::stderr();
    write!(stderr, "{prompt}")?;
    stderr.flush()?;
    let saved = tcgetattr(&stdin).context("reading the terminal's settings")?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &quiet).context("turning the terminal's echo off")?;
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    tcsetattr(&stdin, OptionalActions::Now, &saved).context("restoring the terminal")?;
    writeln!(stderr)?;
    read.context("reading the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

pub async fn run(ctx: &Globals, args: UserArgs) -> anyhow::Result<Status> {
    let observatory = app::Observatory::open(&ctx.dir, ctx.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}", ctx.dir.display()))?;
    let store = &observatory.store;
    let actor = format!("cli:{}", args.actor);
    match args.action {
        UserAction::Add { name, role, source, state } => {
            let role = match role {
                RoleArg::Administrator => app::accounts::Role::Administrator,
                RoleArg::Analyst => app::accounts::Role::Analyst,
                RoleArg::Reviewer => app::accounts::Role::Reviewer,
                RoleArg::Submitter => app::accounts::Role::Submitter { source: source.unwrap_or_default() },
                RoleArg::FocalPoint => app::accounts::Role::FocalPoint { state: state.unwrap_or_default() },
            };
            let password = read_password()?;
            let user = app::accounts::add_user(&observatory, &actor, &name, role, &password).await?;
            print(&format!("user {} added as {}\n", user.name, user.role.describe()))?;
        }
        UserAction::List => {
            let users = app::accounts::users(store).await?;
            if ctx.format == Format::Json {
                print_json(&users)?;
            } else {
                let mut table = Table::new(&["name", "role", "created", "status"]);
                for u in &users {
                    table.push(vec![
                        u.name.clone(),
                        u.role.describe(),
                        u.created_at.clone(),
                        if u.disabled { "disabled" } else { "active" }.to_owned(),
                    ]);
                }
                print(&table.render(ctx.format)?)?;
            }
        }
        UserAction::Disable { name } => {
            app::accounts::set_disabled(store, &actor, &name, true).await?;
            print(&format!("user {name} disabled: its sessions ended, its tokens stopped\n"))?;
        }
        UserAction::Enable { name } => {
            app::accounts::set_disabled(store, &actor, &name, false).await?;
            print(&format!("user {name} enabled\n"))?;
        }
        UserAction::Token { action: TokenAction::Add { user, label } } => {
            let token = app::accounts::create_token(store, &actor, &user, &label).await?;
            print(&format!(
                "token {} for {user} (shown only now; send it as `Authorization: Bearer …`):\n{}\n",
                token.id, token.secret
            ))?;
        }
        UserAction::Token { action: TokenAction::List } => {
            let tokens = app::accounts::tokens(store).await?;
            if ctx.format == Format::Json {
                print_json(&tokens)?;
            } else {
                let mut table = Table::new(&["id", "user", "label", "role", "created", "revoked"]);
                for t in &tokens {
                    table.push(vec![
                        t.id.to_string(),
                        t.user.clone(),
                        t.label.clone(),
                        match &t.scope {
                            Some(scope) => format!("{} ({scope})", t.role),
                            None => t.role.clone(),
                        },
                        t.created_at.clone(),
                        t.revoked_at.clone().unwrap_or_default(),
                    ]);
                }
                print(&table.render(ctx.format)?)?;
            }
        }
        UserAction::Token { action: TokenAction::Revoke { id } } => {
            app::accounts::revoke_token(store, &actor, id).await?;
            print(&format!("token {id} revoked\n"))?;
        }
    }
    store.close().await;
    Ok(Status::Ok)
}
