//! Official statistics of an observatory: detected victims by year, sex, age group and form of
//! exploitation; by citizenship and country of exploitation; origin → destination flows; the
//! criminal-justice chain; SDG indicator 16.2.2 rates; data quality. Every table states its
//! counting unit and passes disclosure control before it leaves this module.

use std::collections::BTreeMap;

use serde::Serialize;
use store::{StoredJustice, StoredPerson};

/// What a table counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Records as the agencies sent them: one person seen by two agencies counts twice.
    Records,
    /// Persons after record linkage.
    Persons,
    /// Persons in the criminal-justice chain (counts as reported).
    JusticeCounts,
}

impl Unit {
    pub fn describe(self) -> &'static str {
        match self {
            Unit::Records => "records (not deduplicated: a person registered by two agencies counts twice)",
            Unit::Persons => "persons (after record linkage)",
            Unit::JusticeCounts => "persons in criminal-justice statistics, as reported",
        }
    }
}

/// One cell of a published table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
    /// A value withheld by disclosure control.
    Suppressed,
    /// A ratio or rate; `None` where it is undefined (division by zero).
    Number(Option<f64>),
}

impl Cell {
    /// The cell as written in CSV: suppressed cells are `x`, undefined numbers empty.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Suppressed => "x".to_owned(),
            Cell::Number(Some(v)) => format!("{v:.2}"),
            Cell::Number(None) => String::new(),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Text(t) => serde_json::Value::String(t.clone()),
            Cell::Count(n) => serde_json::Value::from(*n),
            Cell::Suppressed | Cell::Number(None) => serde_json::Value::Null,
            Cell::Number(Some(v)) => serde_json::Value::from((v * 100.0).round() / 100.0),
        }
    }

    pub fn count(&self) -> Option<u64> {
        match self {
            Cell::Count(n) => Some(*n),
            _ => None,
        }
    }
}

/// A statistical table, already protected.
#[derive(Debug, Clone)]
pub struct StatTable {
    /// File stem in `out/tables/` and key in JSON.
    pub name: &'static str,
    pub title: String,
    pub unit: Unit,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// How many cells disclosure control withheld.
    pub suppressed: usize,
}

impl StatTable {
    /// CSV text with a comment line stating title and unit.
    pub fn to_csv(&self) -> String {
        let mut out = format!("# {} | unit: {}\n", self.title, self.unit.describe());
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(self.columns.iter().map(|c| crate::csv_cell(c).into_owned()));
        for row in &self.rows {
            let _ = writer.write_record(row.iter().map(|cell| crate::csv_cell(&cell.to_text()).into_owned()));
        }
        out.push_str(&String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()));
        out
    }

    /// Rows as JSON objects keyed by column (suppressed cells are `null`).
    pub fn to_json(&self) -> serde_json::Value {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|row| {
                serde_json::Value::Object(self.columns.iter().cloned().zip(row.iter().map(Cell::to_json)).collect())
            })
            .collect();
        serde_json::json!({ "title": self.title, "unit": self.unit, "suppressed_cells": self.suppressed, "rows": rows })
    }

    /// The value of `column` in each row.
    pub fn column(&self, column: &str) -> Vec<&Cell> {
        match self.columns.iter().position(|c| c == column) {
            Some(i) => self.rows.iter().filter_map(|r| r.get(i)).collect(),
            None => Vec::new(),
        }
    }
}

/// All statistics of an observatory.
#[derive(Debug, Clone)]
pub struct Statistics {
    pub unit: Unit,
    /// Detected victims (records or persons, per `unit`).
    pub total: u64,
    pub tables: Vec<StatTable>,
}

impl Statistics {
    pub fn table(&self, name: &str) -> Option<&StatTable> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// `{"unit": …, "total": …, "tables": {name: {title, unit, rows}}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let tables: serde_json::Map<String, serde_json::Value> =
            self.tables.iter().map(|t| (t.name.to_owned(), t.to_json())).collect();
        serde_json::json!({ "unit": self.unit, "total": self.total, "tables": tables })
    }
}

/// One row of the population table: (year, sex, age group) → population.
pub type Population = BTreeMap<(i64, String, String), u64>;

/// Reads `year,sex,age_group,population` CSV text.
pub fn parse_population(name: &str, text: &str) -> crate::Result<Population> {
    let bad = |row: usize, reason: String| crate::Error::Settings {
        path: name.into(),
        reason: format!("row {row}: {reason}"),
    };
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Population::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| bad(row, e.to_string()))?;
        let get = |k: usize| record.get(k).map(str::trim).unwrap_or_default();
        let year = get(0).parse().map_err(|_| bad(row, "year is not a number".into()))?;
        let sex = model::vocab::SEX.lookup(get(1)).ok_or_else(|| bad(row, "sex must be female or male".into()))?.code;
        let group = model::vocab::AGE_GROUP
            .lookup(get(2))
            .ok_or_else(|| bad(row, "age_group must be child or adult".into()))?
            .code;
        let population = get(3).parse().map_err(|_| bad(row, "population is not a whole number".into()))?;
        out.insert((year, sex.to_owned(), group.to_owned()), population);
    }
    Ok(out)
}

/// One unit of counting: a record, or a linked person represented by its values.
pub trait Counted {
    fn value(&self, field: &str) -> &str;
    fn source(&self) -> &str;
}

impl Counted for StoredPerson {
    fn value(&self, field: &str) -> &str {
        self.get(field)
    }
    fn source(&self) -> &str {
        &self.source
    }
}

fn age_group(unit: &dyn Counted) -> &'static str {
    model::vocab::age_group_of_band(unit.value("age_band"))
}

fn forms(unit: &dyn Counted) -> Vec<&str> {
    let text = unit.value("exploitation");
    if text.is_empty() { vec![model::vocab::UNKNOWN] } else { text.split(';').collect() }
}

/// A count table to build: name, title, key columns, the keys of one victim, grouping columns.
type TableSpec<'a> = (&'static str, &'a str, &'a [&'a str], &'a dyn Fn(&dyn Counted) -> Vec<Vec<String>>, &'a [usize]);

/// Builds the tables from victims (records or persons), criminal-justice counts, the population
/// table and the per-source quarantine counts, then protects them.
pub fn compute(
    unit: Unit,
    victims: &[&dyn Counted],
    records_by_source: &BTreeMap<String, u64>,
    justice: &[StoredJustice],
    population: Option<&Population>,
    quarantined_by_source: &BTreeMap<String, u64>,
    min_cell: u64,
) -> Statistics {
    let mut tables = Vec::new();

    // A victim with two forms of exploitation counts under each.
    let year_sex_age_form = |v: &dyn Counted| -> Vec<Vec<String>> {
        forms(v)
            .into_iter()
            .map(|f| vec![v.value("year").to_owned(), v.value("sex").to_owned(), age_group(v).to_owned(), f.to_owned()])
            .collect()
    };
    let year_form = |v: &dyn Counted| -> Vec<Vec<String>> {
        forms(v).into_iter().map(|f| vec![v.value("year").to_owned(), f.to_owned()]).collect()
    };
    let year = |v: &dyn Counted| vec![vec![v.value("year").to_owned()]];
    let year_sex = |v: &dyn Counted| vec![vec![v.value("year").to_owned(), v.value("sex").to_owned()]];
    let sex_age = |v: &dyn Counted| vec![vec![v.value("sex").to_owned(), age_group(v).to_owned()]];
    let specs: [TableSpec<'_>; 5] = [
        ("detected_by_year", "Detected victims by year", &["year"], &year, &[]),
        ("detected_by_year_sex", "Detected victims by year and sex", &["year", "sex"], &year_sex, &[0]),
        ("detected_by_sex_age", "Detected victims by sex and age group", &["sex", "age_group"], &sex_age, &[0]),
        (
            "detected_by_year_form",
            "Detected victims by year and form of exploitation (a victim exploited in two forms counts under each)",
            &["year", "form"],
            &year_form,
            &[0],
        ),
        (
            "detected_by_year_sex_age_form",
            "Detected victims by year, sex, age group and form of exploitation (a victim exploited in two forms counts under each)",
            &["year", "sex", "age_group", "form"],
            &year_sex_age_form,
            &[0],
        ),
    ];
    for (name, title, keys, key_of, group_by) in specs {
        let mut counts: BTreeMap<Vec<String>, u64> = BTreeMap::new();
        for v in victims {
            for key in key_of(*v) {
                *counts.entry(key).or_default() += 1;
            }
        }
        tables.push(protect(name, title, unit, keys, counts.into_iter().collect(), group_by, min_cell));
    }
    for (name, title, field) in [
        ("by_citizenship", "Detected victims by citizenship", "citizenship"),
        ("by_country_of_exploitation", "Detected victims by country of exploitation", "country_of_exploitation"),
        ("by_cross_border", "Detected victims: cross-border or domestic", "cross_border"),
    ] {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for v in victims {
            *counts.entry(v.value(field).to_owned()).or_default() += 1;
        }
        let mut rows: Vec<(Vec<String>, u64)> = counts.into_iter().map(|(k, n)| (vec![k], n)).collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        tables.push(protect(name, title, unit, &[field], rows, &[], min_cell));
    }
    let mut flows: BTreeMap<(String, String), u64> = BTreeMap::new();
    for v in victims {
        let key = (v.value("citizenship").to_owned(), v.value("country_of_exploitation").to_owned());
        *flows.entry(key).or_default() += 1;
    }
    let mut flow_rows: Vec<(Vec<String>, u64)> = flows.into_iter().map(|((o, d), n)| (vec![o, d], n)).collect();
    flow_rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    tables.push(protect(
        "flows",
        "Flows: citizenship → country of exploitation",
        unit,
        &["citizenship", "country_of_exploitation"],
        flow_rows,
        &[0],
        min_cell,
    ));
    tables.push(by_source_table(records_by_source, quarantined_by_source, min_cell));
    tables.push(justice_chain(justice, min_cell));
    if let Some(population) = population {
        tables.push(sdg_rates(unit, victims, population, min_cell));
    }
    tables.push(missing_values(unit, victims));
    Statistics { unit, total: victims.len() as u64, tables }
}

/// Builds a count table with the key columns, a `count` column, and suppression. `group_by`
/// names the key columns whose equal values form a group that adds up to a published total.
fn protect(
    name: &'static str,
    title: &str,
    unit: Unit,
    keys: &[&str],
    rows: Vec<(Vec<String>, u64)>,
    group_by: &[usize],
    min_cell: u64,
) -> StatTable {
    let counts: Vec<u64> = rows.iter().map(|r| r.1).collect();
    let mut groups: BTreeMap<Vec<&str>, Vec<usize>> = BTreeMap::new();
    for (i, (key, _)) in rows.iter().enumerate() {
        let group_key: Vec<&str> = group_by.iter().filter_map(|&k| key.get(k).map(String::as_str)).collect();
        groups.entry(group_key).or_default().push(i);
    }
    let hidden = disclosure::suppress(&counts, &groups.into_values().collect::<Vec<_>>(), min_cell);
    let mut columns: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    columns.push("count".to_owned());
    let suppressed = hidden.iter().filter(|h| **h).count();
    let rows = rows
        .into_iter()
        .zip(hidden)
        .map(|((key, n), hide)| {
            let mut row: Vec<Cell> = key.into_iter().map(Cell::Text).collect();
            row.push(if hide { Cell::Suppressed } else { Cell::Count(n) });
            row
        })
        .collect();
    StatTable { name, title: title.to_owned(), unit, columns, rows, suppressed }
}

/// Records per source: always records, whatever the unit of the other tables.
fn by_source_table(stored: &BTreeMap<String, u64>, quarantined: &BTreeMap<String, u64>, min_cell: u64) -> StatTable {
    let mut sources: Vec<&String> = stored.keys().chain(quarantined.keys()).collect();
    sources.sort();
    sources.dedup();
    let mut table = protect(
        "by_source",
        "Records per source (stored, and rows refused into the quarantine)",
        Unit::Records,
        &["source"],
        sources.iter().map(|s| (vec![(*s).clone()], stored.get(*s).copied().unwrap_or(0))).collect(),
        &[],
        min_cell,
    );
    // The number of refused rows is about the files, not about persons: it is published as is.
    table.columns.push("quarantined_rows".to_owned());
    for (row, source) in table.rows.iter_mut().zip(&sources) {
        row.push(Cell::Count(quarantined.get(*source).copied().unwrap_or(0)));
    }
    table
}

fn justice_chain(justice: &[StoredJustice], min_cell: u64) -> StatTable {
    let stages = ["investigated", "prosecuted", "convicted", "acquitted"];
    let mut by_year: BTreeMap<i64, [u64; 4]> = BTreeMap::new();
    for j in justice {
        if let Some(i) = stages.iter().position(|s| *s == j.stage) {
            by_year.entry(j.year).or_default()[i] += j.count.max(0) as u64;
        }
    }
    let counts: Vec<u64> = by_year.values().flat_map(|c| c.iter().copied()).collect();
    let hidden = disclosure::suppress(&counts, &[], min_cell);
    let mut columns = vec!["year".to_owned()];
    columns.extend(stages.iter().map(|s| (*s).to_owned()));
    columns.extend(["prosecuted_per_investigated".to_owned(), "convicted_per_prosecuted".to_owned()]);
    let ratio = |a: u64, b: u64, hide: bool| {
        if hide { Cell::Suppressed } else { Cell::Number((b > 0).then(|| a as f64 / b as f64)) }
    };
    let mut rows = Vec::new();
    for (y, (year, c)) in by_year.iter().enumerate() {
        let h = &hidden[y * 4..y * 4 + 4];
        let mut row = vec![Cell::Text(year.to_string())];
        row.extend(c.iter().zip(h).map(|(n, hide)| if *hide { Cell::Suppressed } else { Cell::Count(*n) }));
        row.push(ratio(c[1], c[0], h[0] || h[1]));
        row.push(ratio(c[2], c[1], h[1] || h[2]));
        rows.push(row);
    }
    let suppressed = hidden.iter().filter(|h| **h).count();
    StatTable {
        name: "justice_chain",
        title: "The criminal-justice chain: persons investigated, prosecuted, convicted and acquitted, with attrition"
            .into(),
        unit: Unit::JusticeCounts,
        columns,
        rows,
        suppressed,
    }
}

fn sdg_rates(unit: Unit, victims: &[&dyn Counted], population: &Population, min_cell: u64) -> StatTable {
    let mut counts: BTreeMap<(i64, String, String), u64> = population.keys().map(|k| (k.clone(), 0)).collect();
    for v in victims {
        let Ok(year) = v.value("year").parse::<i64>() else { continue };
        let key = (year, v.value("sex").to_owned(), age_group(*v).to_owned());
        if let Some(n) = counts.get_mut(&key) {
            *n += 1;
        }
    }
    let keys: Vec<&(i64, String, String)> = counts.keys().collect();
    let values: Vec<u64> = counts.values().copied().collect();
    let mut groups: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        groups.entry(k.0).or_default().push(i);
    }
    let hidden = disclosure::suppress(&values, &groups.into_values().collect::<Vec<_>>(), min_cell);
    let rows = keys
        .iter()
        .zip(&values)
        .zip(&hidden)
        .map(|((k, n), hide)| {
            let pop = population.get(*k).copied().unwrap_or(0);
            vec![
                Cell::Text(k.0.to_string()),
                Cell::Text(k.1.clone()),
                Cell::Text(k.2.clone()),
                if *hide { Cell::Suppressed } else { Cell::Count(*n) },
                Cell::Count(pop),
                if *hide {
                    Cell::Suppressed
                } else {
                    Cell::Number((pop > 0).then(|| *n as f64 * 100_000.0 / pop as f64))
                },
            ]
        })
        .collect();
    StatTable {
        name: "sdg_16_2_2",
        title: "SDG indicator 16.2.2: detected victims per 100,000 population, by sex and age group (VC_HTF_DETVR)"
            .into(),
        unit,
        columns: ["year", "sex", "age_group", "detected", "population", "per_100000"].map(str::to_owned).to_vec(),
        rows,
        suppressed: hidden.iter().filter(|h| **h).count(),
    }
}

fn missing_values(unit: Unit, victims: &[&dyn Counted]) -> StatTable {
    let fields = [
        "sex",
        "age_band",
        "citizenship",
        "country_of_exploitation",
        "exploitation",
        "cross_border",
        "means_of_control",
        "recruiter_relation",
    ];
    let total = victims.len() as u64;
    let rows = fields
        .iter()
        .map(|field| {
            let unknown = victims.iter().filter(|v| v.value(field) == model::vocab::UNKNOWN).count() as u64;
            let not_recorded = victims.iter().filter(|v| v.value(field) == model::vocab::NOT_RECORDED).count() as u64;
            vec![
                Cell::Text((*field).to_owned()),
                Cell::Count(unknown),
                Cell::Count(not_recorded),
                Cell::Number((total > 0).then(|| (unknown + not_recorded) as f64 * 100.0 / total as f64)),
            ]
        })
        .collect();
    StatTable {
        name: "missing_values",
        title: "Data quality: values unknown or not recorded, per field (counts of values, not of persons)".into(),
        unit,
        columns: ["field", "unknown", "not_recorded", "percent_missing"].map(str::to_owned).to_vec(),
        rows,
        suppressed: 0,
    }
}
