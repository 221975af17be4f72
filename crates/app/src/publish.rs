//! `palermo publish`: writes the observatory's protected tables for one audience (`public`,
//! `partners`, `internal`) into `out/<audience>/`, each with a JSON sidecar naming how it was
//! protected, and records the release in the store's ledger.
//!
//! The only tables this module can write are those of [`crate::stats::Statistics`], which
//! [`crate::stats::compute`] returns only after the whole release has passed its audit (it fails
//! otherwise): there is no path from unprotected counts to these folders.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::observatory::Observatory;
use crate::{Error, Result};

/// Who a release is for: each audience has its own folder under `out/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Public,
    Partners,
    Internal,
}

impl Audience {
    pub fn name(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Partners => "partners",
            Audience::Internal => "internal",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Audience::Public, Audience::Partners, Audience::Internal].into_iter().find(|a| a.name() == text)
    }
}

/// One written output.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    /// Relative to the observatory folder.
    pub path: PathBuf,
    pub method: &'static str,
    pub cells_suppressed: usize,
}

/// What `publish` did.
#[derive(Debug, Clone, Serialize)]
pub struct PublishSummary {
    pub release_id: i64,
    pub audience: Audience,
    pub method: &'static str,
    pub parameters: serde_json::Value,
    pub cells_suppressed: usize,
    pub suppressed_total: u64,
    pub audited_cells: usize,
    pub outputs: Vec<Output>,
}

/// Publishes the protected tables for `audience`, released by `by`.
pub async fn publish(observatory: &Observatory, audience: Audience, by: &str) -> Result<PublishSummary> {
    let analysis = crate::pipeline::analyse(observatory).await?;
    let statistics = &analysis.statistics;
    let d = &statistics.disclosure;
    let parameters = serde_json::json!({
        "min_cell": d.min_cell,
        "protection": d.protection,
        "cost": d.cost,
        "rule": format!(
            "counts from 1 to {} suppressed; every suppressed count x stays, for an attacker who knows every published table and how they add up, anywhere in [x - {}, x + {}] (down to 0), checked by linear programming",
            d.min_cell.saturating_sub(1), d.protection, d.protection
        ),
    });
    let folder = Path::new("out").join(audience.name());
    let dir = observatory.dir.join(&folder);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|source| Error::Io { path: dir.clone(), source })?;
    }
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io { path: dir.clone(), source })?;
    let mut outputs = Vec::new();
    for table in statistics.tables.iter().chain(&statistics.linkage_tables) {
        // `sdg_16_2_2.csv` is the indicator's SDMX-CSV file (`app::sdmx`); its table of rates
        // keeps a name of its own.
        let stem = if table.name == "sdg_16_2_2" { "sdg_16_2_2_rates" } else { table.name };
        let csv = format!("{stem}.csv");
        write(&dir.join(&csv), table.to_csv().as_bytes())?;
        let sidecar = serde_json::json!({
            "table": table.name,
            "file": csv,
            "title": table.title,
            "unit": table.unit,
            "audience": audience,
            "method": d.method,
            "parameters": parameters,
            "cells_suppressed": table.suppressed,
            "audit": { "passed": true, "suppressed_cells_audited_in_release": d.audited_cells },
        });
        let json = serde_json::to_string_pretty(&sidecar).map_err(|e| Error::Internal(e.to_string()))? + "\n";
        write(&dir.join(format!("{stem}.json")), json.as_bytes())?;
        outputs.push(Output { path: folder.join(&csv), method: d.method, cells_suppressed: table.suppressed });
    }
    // Person-level outputs (k-anonymous CTDC export, synthetic file) and the SDMX-CSV file made
    // from the protected tables above.
    let stored;
    let units: Vec<&dyn crate::stats::Counted> = match &analysis.linkage {
        Some(linkage) => linkage.persons.iter().map(|p| p as &dyn crate::stats::Counted).collect(),
        None => {
            stored = observatory.store.persons().await?;
            stored.iter().filter(|p| p.get("role") != "suspect").map(|p| p as &dyn crate::stats::Counted).collect()
        }
    };
    outputs.extend(crate::microdata::publish(&dir, &folder, audience, &units, statistics, &observatory.settings)?);
    let summary = serde_json::json!({ "audience": audience, "disclosure": d, "parameters": parameters });
    let text = serde_json::to_string_pretty(&summary).map_err(|e| Error::Internal(e.to_string()))? + "\n";
    write(&dir.join("release.json"), text.as_bytes())?;
    let listed: Vec<String> = outputs.iter().map(|o| o.path.display().to_string()).collect();
    let release_id = observatory
        .store
        .record_release(&store::NewRelease {
            released_by: by.to_owned(),
            audience: audience.name().to_owned(),
            method: d.method.to_owned(),
            parameters: parameters.to_string(),
            outputs: listed.join("\n"),
            cells_suppressed: d.suppressed_cells as i64,
        })
        .await?;
    Ok(PublishSummary {
        release_id,
        audience,
        method: d.method,
        parameters,
        cells_suppressed: d.suppressed_cells,
        suppressed_total: d.suppressed_total,
        audited_cells: d.audited_cells,
        outputs,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io { path: path.to_owned(), source })
}
