//! `palermo status`: what the observatory holds: submissions, records and quarantined rows.

use anyhow::Context;

use crate::commands::Globals;
use crate::output::{Table, print, print_json};
use crate::{Format, Status};

pub async fn run(globals: &Globals) -> anyhow::Result<Status> {
    let observatory = app::Observatory::open(&globals.dir, globals.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}", globals.dir.display()))?;
    let store = &observatory.store;
    let submissions = store.submissions().await?;
    let records = store.value_counts(model::RecordKind::Persons, "role").await?.values().sum::<i64>();
    let quarantined = store.quarantined().await?.len();
    store.close().await;
    if globals.format == Format::Json {
        print_json(&serde_json::json!({
            "observatory": observatory.settings.observatory.name,
            "records": records,
            "quarantined": quarantined,
            "submissions": submissions,
        }))?;
        return Ok(Status::Ok);
    }
    let mut table = Table::new(&["id", "source", "file", "received", "read", "stored", "quarantined", "status"]);
    for s in &submissions {
        table.push(vec![
            s.id.to_string(),
            s.source.clone(),
            s.file_name.clone(),
            s.received_at.clone(),
            s.rows_read.to_string(),
            s.rows_stored.to_string(),
            s.rows_quarantined.to_string(),
            s.status.clone(),
        ]);
    }
    let mut text = table.render(globals.format)?;
    if globals.format == Format::Table {
        text.push_str(&format!("\n{records} active records, {quarantined} quarantined rows\n"));
    }
    print(&text)?;
    Ok(Status::Ok)
}
