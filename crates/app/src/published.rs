//! What the observatory has published: the statistics and the estimate that the last `palermo
//! run` wrote into `out/` after disclosure control. The web dashboard shows these and nothing
//! else, so that it can never show a figure the report did not publish.

use std::path::Path;

use crate::{Error, Result};

/// The published figures, as `out/statistics.json` and `out/estimate.json` hold them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Published {
    /// `{"unit", "total", "tables": {name: {title, unit, suppressed_cells, rows}}}`.
    pub statistics: serde_json::Value,
    /// The MSE estimate, when the observatory has two or more linked lists.
    pub estimate: Option<serde_json::Value>,
}

fn read_json(path: &Path) -> Result<Option<serde_json::Value>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::Settings { path: path.to_owned(), reason: e.to_string() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io { path: path.to_owned(), source }),
    }
}

/// Reads what `out/` publishes; `None` before the first `palermo run`.
pub fn read(dir: &Path) -> Result<Option<Published>> {
    let out = dir.join("out");
    let Some(statistics) = read_json(&out.join("statistics.json"))? else { return Ok(None) };
    let estimate = read_json(&out.join("estimate.json"))?;
    Ok(Some(Published { statistics, estimate }))
}
