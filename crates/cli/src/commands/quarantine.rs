//! `palermo quarantine`: the refused rows of the active submissions, with row, column, field,
//! the masked value and the reason, so that each agency can correct its file.

use anyhow::Context;

use crate::commands::Globals;
use crate::output::{Table, print};
use crate::{Format, Status};

#[derive(Debug, serde::Deserialize, serde::Serialize)]
struct RowError {
    row: u64,
    column: Option<String>,
    field: Option<String>,
    value: Option<String>,
    reason: String,
}

pub async fn run(globals: &Globals) -> anyhow::Result<Status> {
    let observatory = app::Observatory::open(&globals.dir, globals.database.as_deref())
        .await
        .with_context(|| format!("opening the observatory in {}", globals.dir.display()))?;
    let rows = observatory.store.quarantined().await?;
    observatory.store.close().await;
    let mut table = Table::new(&["source", "file", "row", "column", "field", "value", "reason"]);
    for row in &rows {
        let errors: Vec<RowError> = serde_json::from_str(&row.errors).context("reading a quarantine entry")?;
        for e in errors {
            table.push(vec![
                row.source.clone(),
                row.file_name.clone(),
                row.row_number.to_string(),
                e.column.unwrap_or_default(),
                e.field.unwrap_or_default(),
                e.value.unwrap_or_default(),
                e.reason,
            ]);
        }
    }
    print(&table.render(globals.format)?)?;
    if globals.format == Format::Table {
        print(&format!("{} refused rows\n", rows.len()))?;
    }
    Ok(Status::Ok)
}
