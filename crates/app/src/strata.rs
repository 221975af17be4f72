//! Estimates by stratum: the linked persons split by one field at a time (sex, age group, form of
//! exploitation, or any categorical field named in `[estimate] strata`), each part estimated on
//! its own with the same method and seed as the whole, and the parts added up again.
//!
//! Why: the lists' overlap differs between, say, women exploited sexually and men in forced
//! labour, and an estimate from the pooled table mixes them (heterogeneity between strata biases a
//! pooled log-linear estimate). The UNODC study of the Netherlands published its estimates this way.
//!
//! Rules:
//! - Every person falls in exactly one stratum of a field: its value, or `unknown` / `not_recorded`
//!   as strata of their own; for a form of exploitation a person exploited in several forms is in
//!   the stratum `several`; age groups are child / adult from the age band.
//! - A stratum is **refused** (the engine's rules, `mse::estimate_strata_with`), with the reason, when fewer than `[estimate] min_stratum` persons
//!   are in it, when fewer than two lists have anyone in it, when its model cannot be fitted or
//!   identified, and always for `unknown` / `not_recorded` (a person's value is known when any of
//!   its records has it, so these persons were seen only by lists that do not record the field:
//!   their overlap is an artefact); its size is then published only if it is at least the
//!   disclosure threshold.
//! - The **total** adds the strata's estimates; its interval adds the strata's half-widths in
//!   quadrature on each side (the strata are disjoint and their estimates independent, so their
//!   variances add). With refused strata the total is incomplete: their persons are added as seen
//!   (no dark figure), and the total is marked as a lower figure.
//! - Only what a reader needs is published: stratum, persons seen, estimate, interval, model. The
//!   cases on each list of a stratum (small counts) are not.

use serde::Serialize;

use crate::linkage::Linkage;
use crate::stats::Counted;
use crate::{Error, Result};

/// A field persons can be split by: a categorical person field, or `age_group`.
pub fn is_stratifying_field(name: &str) -> bool {
    name == "age_group"
        || model::RecordKind::Persons.field(name).is_some_and(|f| {
            !f.identifying
                && matches!(
                    f.kind,
                    model::FieldKind::Code(_)
                        | model::FieldKind::MultiCode(_)
                        | model::FieldKind::Country
                        | model::FieldKind::Year
                )
        })
}

/// The names `[estimate] strata` accepts.
pub fn stratifying_fields() -> Vec<&'static str> {
    let mut names: Vec<&'static str> =
        model::RecordKind::Persons.fields().iter().map(|f| f.name).filter(|n| is_stratifying_field(n)).collect();
    names.push("age_group");
    names
}

/// The estimates of one field's strata and their total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldStrata {
    /// The field (`sex`, `age_group`, …) and its label for people.
    pub field: String,
    pub label: String,
    pub strata: Vec<Stratum>,
    /// The strata added up.
    pub total: StrataTotal,
}

/// One stratum's estimate, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stratum {
    /// The field's value (a code) and its label.
    pub value: String,
    pub label: String,
    /// Persons seen in the stratum; `None` when fewer than the disclosure threshold (withheld).
    pub observed: Option<u64>,
    pub estimate: Option<f64>,
    /// 95% interval (BCa when the bootstrap ran, else model-conditional).
    pub interval: Option<[f64; 2]>,
    /// The selected model's pairwise terms.
    pub model: Vec<String>,
    /// Why the stratum has no estimate.
    pub refused: Option<String>,
}

/// The strata of one field added up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrataTotal {
    pub estimate: f64,
    pub interval: [f64; 2],
    /// Persons of refused strata, added as seen.
    pub observed_in_refused: u64,
    /// False when some stratum was refused: the total then lacks their dark figure.
    pub complete: bool,
}

/// The stratum of a person for `field`.
fn stratum_of<'a>(person: &'a dyn Counted, field: &str) -> &'a str {
    match field {
        "age_group" => model::vocab::age_group_of_band(person.value("age_band")),
        _ => {
            let value = person.value(field);
            if value.contains(';') { "several" } else { value }
        }
    }
}

/// A stratum's label for people.
fn label_of(field: &str, value: &str) -> String {
    match value {
        "several" => return "Several forms".to_owned(),
        model::vocab::UNKNOWN => return "Unknown".to_owned(),
        model::vocab::NOT_RECORDED => return "Not recorded".to_owned(),
        _ => {}
    }
    if field == "age_group" {
        return model::vocab::AGE_GROUP.label(value).to_owned();
    }
    match model::RecordKind::Persons.field(field).map(|f| f.kind) {
        Some(model::FieldKind::Code(v) | model::FieldKind::MultiCode(v)) => v.label(value).to_owned(),
        Some(model::FieldKind::Country) => model::Iso3::parse(value)
            .and_then(|iso| model::country::countries().get(iso))
            .map_or_else(|| value.to_owned(), |c| c.name.clone()),
        _ => value.to_owned(),
    }
}

/// Estimates each field's strata with `options` (the whole's method and seed). `min_stratum`:
/// fewest persons a stratum needs; `min_cell`: the disclosure threshold below which a refused
/// stratum's size is withheld.
pub fn estimate(
    linkage: &Linkage,
    fields: &[String],
    options: &mse::EstimateOptions,
    min_stratum: u64,
    min_cell: u64,
) -> Result<Vec<FieldStrata>> {
    let lists: Vec<String> = linkage.records_by_source.keys().cloned().collect();
    let history = |sources: &[String]| {
        sources.iter().filter_map(|s| lists.iter().position(|l| l == s)).fold(0u32, |acc, i| acc | (1 << i))
    };
    fields
        .iter()
        .map(|field| {
            if !is_stratifying_field(field) {
                return Err(Error::Internal(format!("`{field}` is not a field persons can be split by")));
            }
            let mut by_value: std::collections::BTreeMap<&str, Vec<u32>> = std::collections::BTreeMap::new();
            for person in &linkage.persons {
                let h = history(&person.sources);
                if h != 0 {
                    by_value.entry(stratum_of(person, field)).or_default().push(h);
                }
            }
            // The refusal rules are the engine's (`mse::estimate_strata_with`); this side says
            // them in the observatory's words and withholds small sizes.
            let inputs: Vec<mse::StratumInput> = by_value
                .iter()
                .map(|(value, histories)| {
                    let table = mse::CaptureTable::from_person_histories(lists.clone(), histories.iter().copied())
                        .map_err(|e| Error::Internal(format!("building a stratum's capture histories: {e}")))?;
                    Ok(mse::StratumInput {
                        label: (*value).to_owned(),
                        not_recorded: *value == model::vocab::UNKNOWN || *value == model::vocab::NOT_RECORDED,
                        table,
                    })
                })
                .collect::<Result<_>>()?;
            let rules = mse::StrataRules { min_stratum };
            let reports = mse::estimate_strata_with(&inputs, options, &rules, &mse::NoProgress);
            let strata: Vec<Stratum> = reports.into_iter().map(|r| stratum_of_report(field, r, min_cell)).collect();
            let total = add_up(&strata, linkage, field);
            let label = if field == "age_group" {
                "Age group".to_owned()
            } else {
                model::RecordKind::Persons.field(field).map_or_else(|| field.clone(), |f| f.label.to_owned())
            };
            Ok(FieldStrata { field: field.clone(), label, strata, total })
        })
        .collect()
}

/// A stratum's estimate as the observatory publishes it: a refused stratum's size withheld below
/// the disclosure threshold, the refusal in the observatory's words.
fn stratum_of_report(field: &str, report: mse::StratumReport, min_cell: u64) -> Stratum {
    let value = report.stratum.clone();
    let interval = report.interval();
    let refused = report.refused.as_ref().map(|r| match r {
        mse::Refusal::TooFew { min_stratum } => format!("fewer than {min_stratum} persons ([estimate] min_stratum)"),
        other => other.to_string(),
    });
    let observed = report.observed;
    Stratum {
        label: label_of(field, &value),
        value,
        observed: if refused.is_some() && observed < min_cell { None } else { Some(observed) },
        estimate: report.report.as_ref().map(|r| r.estimate),
        interval: report.report.as_ref().and(interval),
        model: report.report.map(|r| r.model).unwrap_or_default(),
        refused,
    }
}

/// Adds up the strata: estimates summed, half-widths in quadrature, refused strata as seen.
fn add_up(strata: &[Stratum], linkage: &Linkage, field: &str) -> StrataTotal {
    let mut estimate = 0.0;
    let (mut low, mut high) = (0.0f64, 0.0f64);
    for s in strata {
        if let (Some(e), Some([lo, hi])) = (s.estimate, s.interval) {
            estimate += e;
            low += (e - lo).max(0.0).powi(2);
            high += (hi - e).max(0.0).powi(2);
        }
    }
    // Refused strata's sizes are counted from the persons (a withheld size is still added).
    let refused: std::collections::BTreeSet<&str> =
        strata.iter().filter(|s| s.refused.is_some()).map(|s| s.value.as_str()).collect();
    let observed_in_refused =
        linkage.persons.iter().filter(|p| !p.sources.is_empty() && refused.contains(stratum_of(*p, field))).count()
            as u64;
    estimate += observed_in_refused as f64;
    StrataTotal {
        estimate,
        interval: [estimate - low.sqrt(), estimate + high.sqrt()],
        observed_in_refused,
        complete: refused.is_empty(),
    }
}
