//! `palermo review`: the review list of the last linkage (borderline pairs and unstable persons),
//! without identities unless asked; `palermo review decide ID match|distinct` records a verdict
//! that the next linkage applies.

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use crate::commands::Globals;
use crate::output::{Table, print};
use crate::{Format, Status};

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Also print the records' names and birth dates (an audited read of identities).
    #[arg(long)]
    pub show_identities: bool,
    /// Who is reviewing (named in the audit log and in the decisions).
    #[arg(long, global = true, env = "USER", default_value = "unknown")]
    pub reviewer: String,
    #[command(subcommand)]
    pub action: Option<ReviewAction>,
}

#[derive(Debug, Subcommand)]
pub enum ReviewAction {
    /// Record a verdict on a review item: the next `palermo run` applies it.
    Decide {
        /// The item's id, as `palermo review` lists it.
        id: i64,
        /// `match`: the records are one person; `distinct`: they are different persons.
        verdict: VerdictArg,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerdictArg {
    Match,
    Distinct,
}

pub async fn run(globals: &Globals, args: ReviewArgs) -> anyhow::Result<Status> {
    let observatory = app::Observatory::open(&globals.dir, globals.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}", globals.dir.display()))?;
    let result = match args.action {
        Some(ReviewAction::Decide { id, verdict }) => {
            let verdict = match verdict {
                VerdictArg::Match => app::review::Verdict::Match,
                VerdictArg::Distinct => app::review::Verdict::Distinct,
            };
            let n = app::review::decide(&observatory, id, verdict, &args.reviewer).await?;
            print(&format!(
                "review item {id}: recorded `{}` by {} ({n} pair decision(s)); applied by the next `palermo run`\n",
                verdict.code(),
                args.reviewer
            ))
        }
        None => list(globals, &observatory, args.show_identities, &args.reviewer).await,
    };
    observatory.store.close().await;
    result.map(|()| Status::Ok)
}

async fn list(
    globals: &Globals,
    observatory: &app::Observatory,
    show_identities: bool,
    reviewer: &str,
) -> anyhow::Result<()> {
    let listing = app::review::list(observatory, show_identities, reviewer).await?;
    if globals.format == Format::Json {
        let items: Vec<serde_json::Value> = listing
            .items
            .iter()
            .map(|i| {
                let mut value = serde_json::to_value(i)?;
                if let Some(identities) = &listing.identities {
                    let shown: Vec<serde_json::Value> = i
                        .item
                        .records
                        .iter()
                        .filter_map(|(id, _, _)| identities.get(id))
                        .map(|p| {
                            serde_json::json!({"record": p.record_id, "given_name": p.given_name,
                                "family_name": p.family_name, "date_of_birth": p.date_of_birth})
                        })
                        .collect();
                    value["identities"] = serde_json::Value::Array(shown);
                }
                Ok(value)
            })
            .collect::<anyhow::Result<_>>()?;
        return crate::output::print_json(&items);
    }
    let mut columns = vec!["id", "kind", "records", "sources", "probability", "linked", "decision", "field weights"];
    if show_identities {
        columns.push("identities");
    }
    let mut table = Table::new(&columns);
    for listed in &listing.items {
        let item = &listed.item;
        let mut row = vec![
            item.id.to_string(),
            format!("{:?}", item.kind).to_lowercase(),
            item.records.iter().map(|r| r.0.to_string()).collect::<Vec<_>>().join(" "),
            item.records.iter().map(|r| r.1.as_str()).collect::<Vec<_>>().join(" "),
            item.match_probability.map_or_else(|| "-".to_owned(), |p| format!("{p:.3}")),
            if item.linked { "yes" } else { "no" }.to_owned(),
            listed.decision.map_or("-", |v| v.code()).to_owned(),
            item.fields
                .iter()
                .map(|f| format!("{} {} {:+.1}", f.field, f.level_label, f.weight))
                .collect::<Vec<_>>()
                .join("; "),
        ];
        if let Some(identities) = &listing.identities {
            row.push(
                item.records
                    .iter()
                    .filter_map(|(id, _, _)| identities.get(id))
                    .map(|p| format!("{} {} {}", p.given_name, p.family_name, p.date_of_birth))
                    .collect::<Vec<_>>()
                    .join(" | "),
            );
        }
        table.push(row);
    }
    let mut text = table.render(globals.format)?;
    if globals.format == Format::Table {
        let pending = listing.items.iter().filter(|i| i.decision.is_none()).count();
        text.push_str(&format!(
            "\n{} items: {pending} await review, {} decided. Decide with `palermo review decide ID match|distinct`.\n",
            listing.items.len(),
            listing.items.len() - pending
        ));
        if listing.last_run.is_none() {
            text.push_str("No linkage has run yet: run `palermo run` first.\n");
        }
    }
    print(&text)
}
