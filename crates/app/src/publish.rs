//! `palermo publish`: writes the observatory's protected tables for one audience (`public`,
//! `partners`, `internal`) into `out/<audience>/`, each with a JSON sidecar naming how it was
//! protected, and records the release in the store's ledger.
//!
//! The only tables this module can write are those of [`crate::stats::Statistics`], which
//! [`crate::stats::compute`] returns only after the whole release has passed its audit (it fails
//! otherwise), or those of its other methods ([`crate::stats::Protected`]: controlled rounding,
//! differential privacy), rendered from the rounded or noisy counts only: there is no path from
//! unprotected counts to these folders.
//!
//! Each audience's method and tables are set in `palermo.toml` (`[publish.public]`, …);
//! a differentially private release spends ε from the dataset's budget, which the ledger keeps,
//! and is refused, with nothing written, when it would overspend.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::observatory::Observatory;
use crate::settings::PublishMethod;
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

/// What one `publish` asks beyond the audience; `None` takes the audience's setting in
/// `palermo.toml` (`[publish]`).
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: Option<PublishMethod>,
    /// ε of a differentially private release.
    pub epsilon: Option<f64>,
    /// Base of controlled rounding (3 or 5).
    pub base: Option<u64>,
}

/// The dataset the statistics' releases spend their privacy budget from: the victims' tables.
pub const DATASET: &str = "victims";

/// The privacy budget after a release.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetSummary {
    pub dataset: &'static str,
    pub total: f64,
    pub spent: f64,
    pub left: f64,
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
    /// ε this release spent (0 without differential privacy).
    pub epsilon_spent: f64,
    pub budget: BudgetSummary,
    /// Error of the published counts against the true ones (see [`crate::stats::Utility`]).
    pub utility: crate::stats::Utility,
    /// Tables not in this release (not chosen for the audience, or not publishable by its method).
    pub omitted: Vec<&'static str>,
    pub outputs: Vec<Output>,
}

/// Publishes the protected tables for `audience`, released by `by`, with the audience's method
/// as `palermo.toml` sets it.
pub async fn publish(observatory: &Observatory, audience: Audience, by: &str) -> Result<PublishSummary> {
    publish_with(observatory, audience, by, &Request::default()).await
}

/// Publishes the tables for `audience` as `request` asks. Nothing is written, and nothing
/// recorded, unless the whole release is ready: the files go to a folder beside `out/<audience>/`
/// that replaces it only once the ledger has recorded the release (which it refuses when a
/// differentially private release would overspend the budget).
pub async fn publish_with(
    observatory: &Observatory,
    audience: Audience,
    by: &str,
    request: &Request,
) -> Result<PublishSummary> {
    let settings = &observatory.settings.publish;
    let rules = match audience {
        Audience::Public => &settings.public,
        Audience::Partners => &settings.partners,
        Audience::Internal => &settings.internal,
    };
    let method = request.method.unwrap_or(rules.method);
    // The budget is checked before anything is computed from the data.
    let budget_before = observatory.store.privacy_budget(DATASET).await?;
    let budget_total = budget_before.total.unwrap_or(settings.epsilon_budget);
    let epsilon = request.epsilon.unwrap_or(settings.epsilon);
    // The ε this release asks: the DP tables', or the differentially private synthetic file's
    // (written only beside suppressed tables).
    let requested = match method {
        PublishMethod::Dp => epsilon,
        PublishMethod::Suppression => settings.synthetic_epsilon.unwrap_or(0.0),
        PublishMethod::Rounding => 0.0,
    };
    if requested > 0.0 && budget_before.spent + requested > budget_total + 1e-9 {
        return Err(store::Error::BudgetExceeded {
            dataset: DATASET.to_owned(),
            total: budget_total,
            spent: budget_before.spent,
            requested,
        }
        .into());
    }
    let analysis = crate::pipeline::analyse(observatory, &model::NoProgress).await?;
    let statistics = &analysis.statistics;
    let mechanism = match method {
        PublishMethod::Dp => Some(
            disclosure::Laplace::new(statistics.dp_sensitivity(), epsilon)
                .map_err(|e| Error::Disclosure(e.to_string()))?,
        ),
        _ => None,
    };
    let d = &statistics.disclosure;
    let base = request.base.unwrap_or(settings.rounding_base);
    let (method_name, parameters, protected) = match (method, &mechanism) {
        (PublishMethod::Dp, Some(m)) => {
            let protected = statistics.noisy(m)?;
            let parameters = serde_json::json!({
                "epsilon": m.epsilon,
                "sensitivity": m.sensitivity,
                "scale": m.scale,
                "mechanism": "discrete Laplace (OpenDP make_laplace on integer vectors, L1 distance)",
                "unit_of_privacy": format!("one {}", unit_noun(statistics.unit)),
                "post_processing": "whole non-negative counts nearest to the noisy ones in total absolute difference that keep every relation between the released tables (totals add up), by linear programming",
                "reproducible": false,
                "randomness": "noise drawn from the operating system's entropy through a cryptographic generator: not reproducible from the observatory's seed, by design (a seeded draw could be replayed and subtracted)",
                "expected_abs_noise_per_count": m.expected_abs_error(),
            });
            ("dp_discrete_laplace", parameters, protected)
        }
        (PublishMethod::Rounding, _) => {
            let protected = statistics.rounded(base)?;
            let parameters = serde_json::json!({
                "base": base,
                "rule": format!("every count rounded to a multiple of {base} next to it (multiples kept: zeros stay zeros), chosen by linear programming so that every total is still the sum of its parts across all tables"),
            });
            ("controlled_rounding", parameters, protected)
        }
        _ => {
            let parameters = serde_json::json!({
                "min_cell": d.min_cell,
                "protection": d.protection,
                "cost": d.cost,
                "rule": format!(
                    "counts from 1 to {} suppressed; every suppressed count x stays, for an attacker who knows every published table and how they add up, anywhere in [x - {}, x + {}] (down to 0), checked by linear programming",
                    d.min_cell.saturating_sub(1), d.protection, d.protection
                ),
            });
            let protected = crate::stats::Protected {
                tables: statistics.tables.clone(),
                linkage_tables: statistics.linkage_tables.clone(),
                omitted: Vec::new(),
                cells_changed: 0,
                utility: statistics.suppression_utility(),
            };
            (d.method, parameters, protected)
        }
    };
    let mut omitted = protected.omitted.clone();
    let all: Vec<&crate::stats::StatTable> = protected.tables.iter().chain(&protected.linkage_tables).collect();
    if let Some(wanted) = &rules.tables {
        let names: Vec<&str> = statistics.tables.iter().chain(&statistics.linkage_tables).map(|t| t.name).collect();
        if let Some(unknown) = wanted.iter().find(|w| !names.contains(&w.as_str())) {
            return Err(Error::Publish(format!(
                "publish.{}.tables names `{unknown}`, which is not a table; the tables are: {}",
                audience.name(),
                names.join(", ")
            )));
        }
    }
    let chosen = |name: &str| rules.tables.as_ref().is_none_or(|w| w.iter().any(|t| t == name));
    omitted.extend(all.iter().filter(|t| !chosen(t.name)).map(|t| t.name));
    let tables: Vec<&crate::stats::StatTable> = all.into_iter().filter(|t| chosen(t.name)).collect();
    // Cells of the release withheld (a cell shown in two tables counts once): only suppression
    // withholds.
    let cells_suppressed = if method == PublishMethod::Suppression { d.suppressed_cells } else { 0 };
    let epsilon = mechanism.map_or(0.0, |m| m.epsilon);

    let folder = Path::new("out").join(audience.name());
    let dir = observatory.dir.join(&folder);
    let staging = observatory.dir.join("out").join(format!(".{}.partial", audience.name()));
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
    }
    std::fs::create_dir_all(&staging).map_err(io(&staging))?;
    let written =
        write_release(&staging, &folder, audience, method_name, &parameters, &tables, statistics, &protected, &omitted);
    // Person-level outputs (k-anonymous CTDC export, synthetic file) and the SDMX-CSV file made
    // from the protected tables, with the suppression release only: beside rounded or noisy
    // tables their exact figures would undo what rounding or the privacy budget protects.
    let stored = match (&analysis.linkage, method) {
        (None, PublishMethod::Suppression) => observatory.store.persons().await?,
        _ => Vec::new(),
    };
    let mut synthetic_epsilon = 0.0;
    let written = written.and_then(|mut outputs| {
        if method == PublishMethod::Suppression {
            let units: Vec<&dyn crate::stats::Counted> = match &analysis.linkage {
                Some(linkage) => linkage.persons.iter().map(|p| p as &dyn crate::stats::Counted).collect(),
                None => stored
                    .iter()
                    .filter(|p| p.get("role") != "suspect")
                    .map(|p| p as &dyn crate::stats::Counted)
                    .collect(),
            };
            let (micro, spent) =
                crate::microdata::publish(&staging, &folder, audience, &units, statistics, &observatory.settings)?;
            outputs.extend(micro);
            synthetic_epsilon = spent;
        }
        Ok(outputs)
    });
    let outputs = match written {
        Ok(outputs) => outputs,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let epsilon = epsilon + synthetic_epsilon;
    // The ledger says what spent the ε: the tables' method, and the synthetic file's when it did.
    let mut ledger_parameters = parameters.clone();
    if synthetic_epsilon > 0.0 {
        ledger_parameters["synthetic_file"] =
            serde_json::json!({ "mode": "differential_privacy", "epsilon": synthetic_epsilon });
    }
    let listed: Vec<String> = outputs.iter().map(|o| o.path.display().to_string()).collect();
    let recorded = observatory
        .store
        .record_private_release(
            &store::NewRelease {
                released_by: by.to_owned(),
                audience: audience.name().to_owned(),
                method: method_name.to_owned(),
                parameters: ledger_parameters.to_string(),
                outputs: listed.join("\n"),
                cells_suppressed: cells_suppressed as i64,
            },
            &store::Spend { dataset: DATASET.to_owned(), epsilon, budget: budget_total },
        )
        .await;
    let release_id = match recorded {
        Ok(id) => id,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e.into());
        }
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
    }
    std::fs::rename(&staging, &dir).map_err(io(&dir))?;
    let after = observatory.store.privacy_budget(DATASET).await?;
    let total = after.total.unwrap_or(budget_total);
    Ok(PublishSummary {
        release_id,
        audience,
        method: method_name,
        parameters,
        cells_suppressed,
        suppressed_total: if method == PublishMethod::Suppression { d.suppressed_total } else { 0 },
        audited_cells: if method == PublishMethod::Suppression { d.audited_cells } else { 0 },
        epsilon_spent: epsilon,
        budget: BudgetSummary { dataset: DATASET, total, spent: after.spent, left: (total - after.spent).max(0.0) },
        utility: protected.utility,
        omitted,
        outputs,
    })
}

fn unit_noun(unit: crate::stats::Unit) -> &'static str {
    match unit {
        crate::stats::Unit::Persons => "person",
        crate::stats::Unit::Records => "record",
        crate::stats::Unit::JusticeCounts => "person in criminal-justice counts",
    }
}

/// Writes the tables, their sidecars and `release.json` into `staging`; `folder` is where they
/// will be (for the outputs' paths).
#[allow(clippy::too_many_arguments)]
fn write_release(
    staging: &Path,
    folder: &Path,
    audience: Audience,
    method: &'static str,
    parameters: &serde_json::Value,
    tables: &[&crate::stats::StatTable],
    statistics: &crate::stats::Statistics,
    protected: &crate::stats::Protected,
    omitted: &[&'static str],
) -> Result<Vec<Output>> {
    let d = &statistics.disclosure;
    let suppression = method == d.method;
    let mut outputs = Vec::new();
    for table in tables {
        // `sdg_16_2_2.csv` is the indicator's SDMX-CSV file (`app::sdmx`); its table of rates
        // keeps a name of its own.
        let stem = if table.name == "sdg_16_2_2" { "sdg_16_2_2_rates" } else { table.name };
        let csv = format!("{stem}.csv");
        write(&staging.join(&csv), table.to_csv().as_bytes())?;
        let mut sidecar = serde_json::json!({
            "table": table.name,
            "file": csv,
            "title": table.title,
            "unit": table.unit,
            "audience": audience,
            "method": method,
            "parameters": parameters,
            "cells_suppressed": table.suppressed,
        });
        if suppression {
            sidecar["audit"] =
                serde_json::json!({ "passed": true, "suppressed_cells_audited_in_release": d.audited_cells });
        } else {
            sidecar["reproducible"] = serde_json::Value::Bool(method != "dp_discrete_laplace");
        }
        let json = serde_json::to_string_pretty(&sidecar).map_err(|e| Error::Internal(e.to_string()))? + "\n";
        write(&staging.join(format!("{stem}.json")), json.as_bytes())?;
        outputs.push(Output { path: folder.join(&csv), method, cells_suppressed: table.suppressed });
    }
    let summary = if suppression {
        serde_json::json!({ "audience": audience, "method": method, "disclosure": d, "parameters": parameters, "omitted": omitted })
    } else {
        serde_json::json!({
            "audience": audience,
            "method": method,
            "parameters": parameters,
            "cells_changed": protected.cells_changed,
            "omitted": omitted,
        })
    };
    let text = serde_json::to_string_pretty(&summary).map_err(|e| Error::Internal(e.to_string()))? + "\n";
    write(&staging.join("release.json"), text.as_bytes())?;
    Ok(outputs)
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io { path: path.to_owned(), source })
}
