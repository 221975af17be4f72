//! `palermo link`: records → persons. Prints, per source, how many records and persons there are;
//! with `--format csv|json`, every record's person (source, source record id, person number) —
//! never a name.

use anyhow::Context;

use crate::commands::Globals;
use crate::output::{Table, print};
use crate::progress::Bar;
use crate::{Format, Status};

pub async fn run(globals: &Globals) -> anyhow::Result<Status> {
    let observatory = app::Observatory::open(&globals.dir, globals.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}", globals.dir.display()))?;
    let analysis = app::pipeline::analyse(&observatory, &Bar::default()).await?;
    observatory.store.close().await;
    let linkage = analysis.linkage.context("nothing to link: no source has records with identifying fields")?;
    if globals.format == Format::Table {
        let mut table = Table::new(&["source", "records", "persons"]);
        for (source, records) in &linkage.records_by_source {
            let persons = linkage.persons.iter().filter(|p| p.sources.iter().any(|s| s == source)).count();
            table.push(vec![source.clone(), records.to_string(), persons.to_string()]);
        }
        let mut text = table.render(Format::Table)?;
        let n_records: u64 = linkage.records_by_source.values().sum();
        text.push_str(&format!(
            "\n{n_records} records linked into {} persons; {} items await review ({} listed, the rest left off), {} decided (`palermo review`)\n",
            linkage.persons.len(),
            linkage.review_pairs,
            linkage.review_summary.listed,
            linkage.review_decided
        ));
        for warning in &linkage.warnings {
            text.push_str(&format!("warning: {warning}\n"));
        }
        for (source, records) in &linkage.unlinkable {
            text.push_str(&format!(
                "{source}: {records} records without a full name or document number, not linked (left out of persons and the estimate)\n"
            ));
        }
        print(&text)?;
    } else {
        let mut table = Table::new(&["source", "source_id", "person"]);
        for (source, source_id, person) in &linkage.assignments {
            table.push(vec![source.clone(), source_id.clone(), format!("P{:06}", person + 1)]);
        }
        print(&table.render(globals.format)?)?;
    }
    Ok(Status::Ok)
}
