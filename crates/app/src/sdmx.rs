//! SDG indicator 16.2.2 (detected victims of trafficking in persons) as SDMX-CSV, the format a
//! national statistics office or UNODC loads into the SDG global database.
//!
//! Every value is read from the release's **protected** tables ([`crate::stats::Statistics`]),
//! never recomputed: a cell disclosure control withheld is an observation with an empty
//! `OBS_VALUE`, `OBS_STATUS` `Q` ("missing value; suppressed", SDMX code list `CL_OBS_STATUS`)
//! and `CONF_STATUS` `C` (confidential). Whether a cell was withheld for being small or to protect
//! another is not said (that would point at the small ones).
//!
//! Series: `VC_HTF_DETV` (all forms) by sex and age, `VC_HTF_DETVSX` (sexual exploitation),
//! `VC_HTF_DETVFL` (forced labour), `VC_HTF_DETVOG` (removal of organs) by sex and age, and
//! `VC_HTF_DETVR` (per 100,000 population) where the observatory has a population table. Codes:
//! `SEX` `F`/`M`/`_T`, `AGE` `Y0T17`/`Y_GE18`/`_T`, `REF_AREA` the M49 numeric code of the
//! observatory's country (its ISO code where it has none, as the demo's fictional Demoland).
//! Victims of unknown sex or age are in the totals and have no row of their own; victims of
//! other forms (`VC_HTF_DETVOP`) are not published, because the protected tables count a
//! victim once per form and the series needs each victim once.

use serde::Serialize;

use crate::stats::{Cell, StatTable, Statistics};

/// The dataflow of the SDG global database (`IAEG-SDGs:DF_SDG_GLH`).
pub const DATAFLOW: &str = "IAEG-SDGs:DF_SDG_GLH(1.0)";

/// The columns of the file, in order (SDMX-CSV 1.0: the dataflow, the dimensions, the value, the
/// attributes).
pub const COLUMNS: [&str; 14] = [
    "DATAFLOW",
    "FREQ",
    "REPORTING_TYPE",
    "SERIES",
    "REF_AREA",
    "SEX",
    "AGE",
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "UNIT_MULT",
    "OBS_STATUS",
    "CONF_STATUS",
    "NATURE",
];

/// One observation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    pub series: &'static str,
    pub sex: &'static str,
    pub age: &'static str,
    pub year: String,
    /// `None`: withheld by disclosure control.
    pub value: Option<String>,
    pub unit: &'static str,
}

fn sex_code(sex: &str) -> Option<&'static str> {
    match sex {
        "female" => Some("F"),
        "male" => Some("M"),
        _ => None,
    }
}

fn age_code(group: &str) -> Option<&'static str> {
    match group {
        "child" => Some("Y0T17"),
        "adult" => Some("Y_GE18"),
        _ => None,
    }
}

fn form_series(form: &str) -> Option<&'static str> {
    match form {
        "sexual" => Some("VC_HTF_DETVSX"),
        "forced_labour" => Some("VC_HTF_DETVFL"),
        "organ_removal" => Some("VC_HTF_DETVOG"),
        _ => None,
    }
}

/// A column's cell in a protected table's row: `Some(None)` when withheld.
fn value(table: &StatTable, row: &[Cell], column: &str) -> Option<Option<String>> {
    let i = table.columns.iter().position(|c| c == column)?;
    match row.get(i)? {
        Cell::Count(n) => Some(Some(n.to_string())),
        Cell::Number(Some(v)) => Some(Some(format!("{v:.2}"))),
        Cell::Suppressed => Some(None),
        Cell::Number(None) | Cell::Text(_) => None,
    }
}

fn text<'a>(table: &StatTable, row: &'a [Cell], column: &str) -> Option<&'a str> {
    let i = table.columns.iter().position(|c| c == column)?;
    match row.get(i)? {
        Cell::Text(t) => Some(t),
        _ => None,
    }
}

/// The observations of indicator 16.2.2 in the protected tables.
pub fn observations(statistics: &Statistics) -> Vec<Observation> {
    let mut out = Vec::new();
    let mut push = |series, sex, age, year: &str, value: Option<Option<String>>, unit| {
        if let Some(value) = value {
            out.push(Observation { series, sex, age, year: year.to_owned(), value, unit });
        }
    };
    if let Some(t) = statistics.table("detected_by_year") {
        for row in &t.rows {
            if let Some(year) = text(t, row, "year") {
                push("VC_HTF_DETV", "_T", "_T", year, value(t, row, "count"), "NUMBER");
            }
        }
    }
    if let Some(t) = statistics.table("detected_by_year_sex") {
        for row in &t.rows {
            if let (Some(year), Some(sex)) = (text(t, row, "year"), text(t, row, "sex").and_then(sex_code)) {
                push("VC_HTF_DETV", sex, "_T", year, value(t, row, "count"), "NUMBER");
            }
        }
    }
    if let Some(t) = statistics.table("sdg_16_2_2") {
        for row in &t.rows {
            let (Some(year), Some(sex), Some(age)) = (
                text(t, row, "year"),
                text(t, row, "sex").and_then(sex_code),
                text(t, row, "age_group").and_then(age_code),
            ) else {
                continue;
            };
            push("VC_HTF_DETV", sex, age, year, value(t, row, "detected"), "NUMBER");
            push("VC_HTF_DETVR", sex, age, year, value(t, row, "per_100000"), "PER_100000_POP");
        }
    }
    if let Some(t) = statistics.table("detected_by_year_form") {
        for row in &t.rows {
            if let (Some(year), Some(series)) = (text(t, row, "year"), text(t, row, "form").and_then(form_series)) {
                push(series, "_T", "_T", year, value(t, row, "count"), "NUMBER");
            }
        }
    }
    if let Some(t) = statistics.table("detected_by_year_sex_age_form") {
        for row in &t.rows {
            let (Some(year), Some(sex), Some(age), Some(series)) = (
                text(t, row, "year"),
                text(t, row, "sex").and_then(sex_code),
                text(t, row, "age_group").and_then(age_code),
                text(t, row, "form").and_then(form_series),
            ) else {
                continue;
            };
            push(series, sex, age, year, value(t, row, "count"), "NUMBER");
        }
    }
    out.sort_by(|a, b| (a.series, &a.year, a.sex, a.age).cmp(&(b.series, &b.year, b.sex, b.age)));
    out.dedup_by(|a, b| (a.series, &a.year, a.sex, a.age) == (b.series, &b.year, b.sex, b.age));
    out
}

/// `REF_AREA`: the M49 numeric code of `iso3`, or `iso3` itself where it has none.
pub fn ref_area(iso3: &str) -> String {
    model::Iso3::parse(iso3)
        .and_then(|c| model::country::countries().get(c))
        .and_then(|c| c.m49.clone())
        .unwrap_or_else(|| iso3.to_owned())
}

/// The SDMX-CSV text of `observations` for `ref_area`.
pub fn to_csv(observations: &[Observation], ref_area: &str) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(COLUMNS);
    for o in observations {
        let (status, conf) = if o.value.is_some() { ("A", "F") } else { ("Q", "C") };
        let _ = writer.write_record([
            DATAFLOW,
            "A",
            "N",
            o.series,
            ref_area,
            o.sex,
            o.age,
            &o.year,
            o.value.as_deref().unwrap_or(""),
            o.unit,
            "0",
            status,
            conf,
            "C",
        ]);
    }
    String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()).into_owned()
}

/// The file and its sidecar.
pub fn output(statistics: &Statistics, iso3: &str) -> crate::microdata::MicroOutput {
    let observations = observations(statistics);
    let area = ref_area(iso3);
    let withheld = observations.iter().filter(|o| o.value.is_none()).count();
    let note = if area == iso3 {
        "the country has no UN M49 code (a fictional State): REF_AREA is its ISO 3166-1 alpha-3 code"
    } else {
        "UN M49 numeric code"
    };
    let sidecar = serde_json::json!({
        "file": "sdg_16_2_2.csv",
        "title": "SDG indicator 16.2.2: detected victims of trafficking in persons, by sex, age and form of exploitation (SDMX-CSV 1.0)",
        "method": "from_protected_tables",
        "format": "SDMX-CSV 1.0",
        "dataflow": DATAFLOW,
        "ref_area": area,
        "ref_area_note": note,
        "series": ["VC_HTF_DETV", "VC_HTF_DETVSX", "VC_HTF_DETVFL", "VC_HTF_DETVOG", "VC_HTF_DETVR"],
        "parameters": {
            "source": "the release's protected tables: detected_by_year, detected_by_year_sex, sdg_16_2_2, detected_by_year_form, detected_by_year_sex_age_form",
            "suppressed": "OBS_VALUE empty, OBS_STATUS Q (missing value; suppressed), CONF_STATUS C",
        },
        "observations": observations.len(),
        "cells_suppressed": withheld,
    });
    crate::microdata::MicroOutput { csv: to_csv(&observations, &area), sidecar, cells_suppressed: withheld }
}
