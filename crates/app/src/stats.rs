//! Official statistics of an observatory: detected victims by year, sex, age group and form of
//! exploitation; by citizenship and country of exploitation; origin → destination flows; the
//! criminal-justice chain; SDG indicator 16.2.2 rates; data quality. Every table states its
//! counting unit and passes disclosure control before it leaves this module.

use std::collections::BTreeMap;

use serde::Serialize;

mod methods;
pub use methods::{DP_TABLES, Protected, Utility};
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
    /// The report's linkage tables (persons on pairs of lists, pairs by match probability),
    /// protected in the same release; not written to `out/tables/`.
    pub linkage_tables: Vec<StatTable>,
    /// How the release was protected.
    pub disclosure: DisclosureSummary,
    /// The unprotected release (true values, latent cells included): kept for the tests that
    /// replay the attack on it and for the other methods of protection ([`Statistics::protect`]),
    /// never written anywhere.
    release: Release,
    /// The tables' layouts (which cell of the release each count is), for the other methods.
    drafts: Vec<Draft>,
    /// How many of the drafts are [`Statistics::tables`] (the others are the linkage tables).
    n_tables: usize,
    /// The suppression pattern, for the utility figures.
    hidden: Vec<bool>,
}

impl Statistics {
    /// The unprotected release as text ([`disclosure::Release::to_text`]), for tests that replay
    /// the attack. It holds every true value: it must never reach `out/`.
    pub fn release_text(&self) -> String {
        self.release.to_text()
    }

    pub fn table(&self, name: &str) -> Option<&StatTable> {
        self.tables.iter().chain(&self.linkage_tables).find(|t| t.name == name)
    }

    /// `{"unit": …, "total": …, "tables": {name: {title, unit, rows}}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let tables: serde_json::Map<String, serde_json::Value> =
            self.tables.iter().map(|t| (t.name.to_owned(), t.to_json())).collect();
        serde_json::json!({ "unit": self.unit, "total": self.total, "disclosure": self.disclosure, "tables": tables })
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

/// Counts from record linkage that the report publishes with the statistics, in the same release:
/// persons on each list and on each pair of lists, and scored pairs of records by match
/// probability (bins of 0.05).
#[derive(Debug, Clone, Default)]
pub struct LinkageCounts {
    /// `(list, also on list, persons)` for every ordered pair of lists (the diagonal: persons on
    /// the list).
    pub overlaps: Vec<(String, String, u64)>,
    pub probability_bins: BTreeMap<u32, u64>,
}

impl LinkageCounts {
    pub fn of(linkage: &crate::linkage::Linkage) -> Self {
        let lists: Vec<&String> = linkage.records_by_source.keys().collect();
        let mut overlaps = Vec::new();
        for a in &lists {
            for b in &lists {
                let n = linkage
                    .persons
                    .iter()
                    .filter(|p| p.sources.iter().any(|s| s == *a) && p.sources.iter().any(|s| s == *b))
                    .count() as u64;
                overlaps.push(((*a).clone(), (*b).clone(), n));
            }
        }
        let mut probability_bins: BTreeMap<u32, u64> = BTreeMap::new();
        if linkage.match_threshold.is_some() {
            for p in &linkage.pair_probabilities {
                *probability_bins.entry(((p * 20.0).floor() as u32).min(19)).or_default() += 1;
            }
        }
        LinkageCounts { overlaps, probability_bins }
    }
}

/// How the release of these statistics was protected.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DisclosureSummary {
    pub method: &'static str,
    pub min_cell: u64,
    pub protection: u64,
    pub cost: &'static str,
    /// Published cells of the release (a quantity shown in two tables is one cell).
    pub cells: usize,
    pub suppressed_cells: usize,
    /// The sum of the suppressed cells' values.
    pub suppressed_total: u64,
    /// What the older rule (at least two suppressed cells in every sum, applied across the
    /// release's sums) would have suppressed, which the attacker's audit does not pass.
    pub heuristic_cells: usize,
    pub heuristic_total: u64,
    /// LPs solved choosing the suppressions, and giving back unneeded ones.
    pub protection_lps: usize,
    pub attacker_lps: usize,
    /// Suppressed cells audited: each keeps its protection interval.
    pub audited_cells: usize,
}

/// How much more the cells of the headline series (year × sex, flows) weigh in the choice of
/// secondary suppressions than other cells.
const HEADLINE_PRIORITY: f64 = 2.0;

/// A cell of a table before disclosure control.
#[derive(Debug, Clone)]
enum Slot {
    Text(String),
    /// A count of the release.
    Count(CellId),
    /// A number about files, not persons: published as is.
    Plain(u64),
    /// A rate per 100,000 of a count: withheld with it.
    Rate {
        count: CellId,
        population: u64,
    },
    /// A ratio of two counts: withheld with either.
    Ratio {
        numerator: CellId,
        denominator: CellId,
    },
    /// A percentage of the total of the counts: withheld with any of them (or the total).
    Percent {
        counts: Vec<CellId>,
        total: CellId,
    },
}

#[derive(Debug, Clone)]
struct Draft {
    name: &'static str,
    title: String,
    unit: Unit,
    columns: Vec<String>,
    rows: Vec<Vec<Slot>>,
}

use disclosure::{CellId, Release};

/// The release being built: cells keyed so that one quantity in two tables is one cell.
struct Builder {
    release: Release,
    drafts: Vec<Draft>,
}

impl Builder {
    fn published(&mut self, key: String, value: u64) -> crate::Result<CellId> {
        self.release.published(&key, value).map_err(internal)
    }

    fn latent(&mut self, key: String, value: u64) -> crate::Result<CellId> {
        self.release.latent(&key, value).map_err(internal)
    }

    /// A structural sum: it holds by construction.
    fn sum(&mut self, total: CellId, parts: &[CellId]) -> crate::Result<()> {
        self.release.sum(total, parts).map_err(internal)
    }

    /// A relation between tables that holds on these data as far as Palermo knows the attacker
    /// could see it; declared when it holds (more relations only make the attacker stronger).
    fn sum_if_true(&mut self, total: CellId, parts: &[CellId]) {
        let _ = self.release.sum(total, parts);
    }

    fn at_most_if_true(&mut self, part: CellId, whole: CellId) {
        let _ = self.release.at_most(part, whole);
    }
}

fn internal(e: disclosure::Error) -> crate::Error {
    crate::Error::Internal(format!("building the release of the statistics: {e}"))
}

fn count_by<K: Ord>(victims: &[&dyn Counted], key: impl Fn(&dyn Counted) -> Vec<K>) -> BTreeMap<K, u64> {
    let mut counts = BTreeMap::new();
    for v in victims {
        for k in key(*v) {
            *counts.entry(k).or_default() += 1;
        }
    }
    counts
}

fn key_of(prefix: &str, parts: &[&str]) -> String {
    let mut key = prefix.to_owned();
    for p in parts {
        key.push('|');
        key.push_str(p);
    }
    key
}

/// Builds the tables from victims (records or persons), criminal-justice counts, the population
/// table, the per-source quarantine counts and the linkage's counts, then protects them together
/// as one release: every table of a run, and every relation between them (a year's total is the
/// sum of its sexes and of its cells in the SDG table; a citizenship's total the sum of its flows;
/// …), so that no suppressed cell can be recovered or narrowed from the others.
#[allow(clippy::too_many_arguments)]
pub fn compute(
    unit: Unit,
    victims: &[&dyn Counted],
    records_by_source: &BTreeMap<String, u64>,
    justice: &[StoredJustice],
    population: Option<&Population>,
    quarantined_by_source: &BTreeMap<String, u64>,
    linkage: Option<&LinkageCounts>,
    rule: &disclosure::Rule,
) -> crate::Result<Statistics> {
    let mut b = Builder { release: Release::new(), drafts: Vec::new() };
    let total = b.published("total".into(), victims.len() as u64)?;

    // The cube of year × sex × age group: latent, except the cells the SDG table publishes.
    let cube = count_by(victims, |v| vec![(v.value("year").to_owned(), v.value("sex").to_owned(), age_group(v))]);
    let mut cube_cells: BTreeMap<(String, String, &str), CellId> = BTreeMap::new();
    for ((y, s, a), n) in &cube {
        let id = b.latent(key_of("ysa", &[y, s, a]), *n)?;
        cube_cells.insert((y.clone(), s.clone(), a), id);
    }
    let count_table = |b: &mut Builder,
                       name: &'static str,
                       title: &str,
                       prefix: &str,
                       keys: &[&str],
                       counts: Vec<(Vec<String>, u64)>|
     -> crate::Result<BTreeMap<Vec<String>, CellId>> {
        let mut ids = BTreeMap::new();
        let mut rows = Vec::new();
        for (key, n) in counts {
            let parts: Vec<&str> = key.iter().map(String::as_str).collect();
            let id = b.published(key_of(prefix, &parts), n)?;
            let mut row: Vec<Slot> = key.iter().cloned().map(Slot::Text).collect();
            row.push(Slot::Count(id));
            rows.push(row);
            ids.insert(key, id);
        }
        let mut columns: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        columns.push("count".to_owned());
        b.drafts.push(Draft { name, title: title.to_owned(), unit, columns, rows });
        Ok(ids)
    };
    let by_key = |counts: BTreeMap<Vec<String>, u64>| counts.into_iter().collect::<Vec<_>>();

    let years = count_table(
        &mut b,
        "detected_by_year",
        "Detected victims by year",
        "y",
        &["year"],
        by_key(count_by(victims, |v| vec![vec![v.value("year").to_owned()]])),
    )?;
    let year_sex = count_table(
        &mut b,
        "detected_by_year_sex",
        "Detected victims by year and sex",
        "ys",
        &["year", "sex"],
        by_key(count_by(victims, |v| vec![vec![v.value("year").to_owned(), v.value("sex").to_owned()]])),
    )?;
    let sex_age = count_table(
        &mut b,
        "detected_by_sex_age",
        "Detected victims by sex and age group",
        "sa",
        &["sex", "age_group"],
        by_key(count_by(victims, |v| vec![vec![v.value("sex").to_owned(), age_group(v).to_owned()]])),
    )?;
    let year_form = count_table(
        &mut b,
        "detected_by_year_form",
        "Detected victims by year and form of exploitation (a victim exploited in two forms counts under each)",
        "yf",
        &["year", "form"],
        by_key(count_by(victims, |v| {
            forms(v).into_iter().map(|f| vec![v.value("year").to_owned(), f.to_owned()]).collect()
        })),
    )?;
    let year_sex_age_form = count_table(
        &mut b,
        "detected_by_year_sex_age_form",
        "Detected victims by year, sex, age group and form of exploitation (a victim exploited in two forms counts under each)",
        "ysaf",
        &["year", "sex", "age_group", "form"],
        by_key(count_by(victims, |v| {
            forms(v)
                .into_iter()
                .map(|f| {
                    vec![v.value("year").to_owned(), v.value("sex").to_owned(), age_group(v).to_owned(), f.to_owned()]
                })
                .collect()
        })),
    )?;
    // The report's headline series, victims by year and sex and the flows between countries,
    // matter most to readers: suppressing one of their cells costs more, so the optimiser
    // suppresses cells of the one-way totals and detailed tables where it can.
    for id in year_sex.values() {
        b.release.set_priority(*id, HEADLINE_PRIORITY);
    }
    // Year × sex = its age groups; year = its sexes; total = its years; sex × age = its years.
    for (key, &id) in &year_sex {
        let parts: Vec<CellId> =
            cube_cells.iter().filter(|((y, s, _), _)| *y == key[0] && *s == key[1]).map(|(_, id)| *id).collect();
        b.sum(id, &parts)?;
    }
    for (key, &id) in &years {
        let parts: Vec<CellId> = year_sex.iter().filter(|(k, _)| k[0] == key[0]).map(|(_, id)| *id).collect();
        b.sum(id, &parts)?;
    }
    let year_ids: Vec<CellId> = years.values().copied().collect();
    b.sum(total, &year_ids)?;
    for (key, &id) in &sex_age {
        let parts: Vec<CellId> =
            cube_cells.iter().filter(|((_, s, a), _)| *s == key[0] && *a == key[1]).map(|(_, id)| *id).collect();
        b.sum(id, &parts)?;
    }
    // Forms: each victim counts under at least one form, and under a form at most once.
    for ((y, s, a), &whole) in &cube_cells {
        let parts: Vec<CellId> = year_sex_age_form
            .iter()
            .filter(|(k, _)| k[0] == *y && k[1] == *s && k[2] == *a)
            .map(|(_, id)| *id)
            .collect();
        for &part in &parts {
            b.release.at_most(part, whole).map_err(internal)?;
        }
        b.release.at_least(&parts, whole).map_err(internal)?;
    }
    for (key, &id) in &year_form {
        let parts: Vec<CellId> =
            year_sex_age_form.iter().filter(|(k, _)| k[0] == key[0] && k[3] == key[1]).map(|(_, id)| *id).collect();
        b.sum(id, &parts)?;
    }

    // Citizenship, country of exploitation, cross-border: each adds up to the total.
    let mut margins: BTreeMap<&str, BTreeMap<Vec<String>, CellId>> = BTreeMap::new();
    for (name, title, field, prefix) in [
        ("by_citizenship", "Detected victims by citizenship", "citizenship", "cit"),
        ("by_country_of_exploitation", "Detected victims by country of exploitation", "country_of_exploitation", "coe"),
        ("by_cross_border", "Detected victims: cross-border or domestic", "cross_border", "xb"),
    ] {
        let mut rows: Vec<(Vec<String>, u64)> =
            count_by(victims, |v| vec![v.value(field).to_owned()]).into_iter().map(|(k, n)| (vec![k], n)).collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let ids = count_table(&mut b, name, title, prefix, &[field], rows)?;
        let parts: Vec<CellId> = ids.values().copied().collect();
        b.sum(total, &parts)?;
        margins.insert(field, ids);
    }
    let mut flow_rows: Vec<(Vec<String>, u64)> = count_by(victims, |v| {
        vec![vec![v.value("citizenship").to_owned(), v.value("country_of_exploitation").to_owned()]]
    })
    .into_iter()
    .collect();
    flow_rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let flows = count_table(
        &mut b,
        "flows",
        "Flows: citizenship → country of exploitation",
        "flow",
        &["citizenship", "country_of_exploitation"],
        flow_rows,
    )?;
    for id in flows.values() {
        b.release.set_priority(*id, HEADLINE_PRIORITY);
    }
    for (field, side) in [("citizenship", 0), ("country_of_exploitation", 1)] {
        for (key, &id) in margins.get(field).into_iter().flatten() {
            let parts: Vec<CellId> = flows.iter().filter(|(k, _)| k[side] == key[0]).map(|(_, id)| *id).collect();
            b.sum(id, &parts)?;
        }
    }

    let sources = by_source_table(&mut b, records_by_source, quarantined_by_source)?;
    if unit == Unit::Records {
        let parts: Vec<CellId> = sources.values().copied().collect();
        b.sum_if_true(total, &parts);
    }
    justice_chain(&mut b, justice)?;
    if let Some(population) = population {
        sdg_rates(&mut b, unit, &cube, population)?;
    }
    missing_values(&mut b, unit, victims, &year_sex, &margins, &cube_cells)?;
    let n_tables = b.drafts.len();
    if let Some(linkage) = linkage {
        linkage_tables(&mut b, linkage, &sources)?;
    }

    let started = std::time::Instant::now();
    let protection = b.release.protect(rule).map_err(|e| crate::Error::Internal(format!("disclosure control: {e}")))?;
    let heuristic = b.release.heuristic(rule);
    let release = b.release;
    let heuristic_cells = heuristic.iter().filter(|h| **h).count();
    let heuristic_total: u64 = release.cells().filter(|id| heuristic[id.index()]).map(|id| release.value(id)).sum();
    let disclosure = DisclosureSummary {
        method: protection.method.name(),
        min_cell: rule.min_cell,
        protection: rule.protection,
        cost: rule.cost.name(),
        cells: release.cells().filter(|id| release.is_published(*id)).count(),
        suppressed_cells: protection.suppressed(),
        suppressed_total: protection.suppressed_total(&release),
        heuristic_cells,
        heuristic_total,
        protection_lps: protection.effort.protection_lps,
        attacker_lps: protection.effort.attacker_lps,
        audited_cells: protection.audit.intervals.len(),
    };
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        cells = disclosure.cells,
        suppressed = disclosure.suppressed_cells,
        "disclosure control"
    );
    let shown = |id: CellId| (!protection.is_hidden(id)).then(|| release.value(id));
    let mut tables: Vec<StatTable> = b.drafts.iter().map(|draft| render(draft, &shown)).collect();
    let linkage_tables = tables.split_off(n_tables);
    let hidden = protection.hidden.clone();
    Ok(Statistics {
        unit,
        total: victims.len() as u64,
        tables,
        linkage_tables,
        disclosure,
        release,
        drafts: b.drafts,
        n_tables,
        hidden,
    })
}

/// A protected table from its draft: `shown` gives the published value of a count of the
/// release, `None` when it is withheld.
fn render(draft: &Draft, shown: &dyn Fn(CellId) -> Option<u64>) -> StatTable {
    let mut suppressed = 0;
    let rows = draft
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|slot| match slot {
                    Slot::Text(t) => Cell::Text(t.clone()),
                    Slot::Plain(n) => Cell::Count(*n),
                    Slot::Count(id) => match shown(*id) {
                        Some(n) => Cell::Count(n),
                        None => {
                            suppressed += 1;
                            Cell::Suppressed
                        }
                    },
                    Slot::Rate { count, population } => match shown(*count) {
                        Some(n) => Cell::Number((*population > 0).then(|| n as f64 * 100_000.0 / *population as f64)),
                        None => Cell::Suppressed,
                    },
                    Slot::Ratio { numerator, denominator } => match (shown(*numerator), shown(*denominator)) {
                        (Some(a), Some(b)) => Cell::Number((b > 0).then(|| a as f64 / b as f64)),
                        _ => Cell::Suppressed,
                    },
                    Slot::Percent { counts, total } => {
                        let values: Option<Vec<u64>> = counts.iter().map(|c| shown(*c)).collect();
                        match (values, shown(*total)) {
                            (Some(values), Some(total)) => {
                                let sum: u64 = values.iter().sum();
                                Cell::Number((total > 0).then(|| sum as f64 * 100.0 / total as f64))
                            }
                            _ => Cell::Suppressed,
                        }
                    }
                })
                .collect()
        })
        .collect();
    StatTable {
        name: draft.name,
        title: draft.title.clone(),
        unit: draft.unit,
        columns: draft.columns.clone(),
        rows,
        suppressed,
    }
}

/// Records per source: always records, whatever the unit of the other tables.
fn by_source_table(
    b: &mut Builder,
    stored: &BTreeMap<String, u64>,
    quarantined: &BTreeMap<String, u64>,
) -> crate::Result<BTreeMap<String, CellId>> {
    let mut sources: Vec<&String> = stored.keys().chain(quarantined.keys()).collect();
    sources.sort();
    sources.dedup();
    let mut ids = BTreeMap::new();
    let mut rows = Vec::new();
    for source in sources {
        let id = b.published(key_of("src", &[source]), stored.get(source).copied().unwrap_or(0))?;
        ids.insert(source.clone(), id);
        // The number of refused rows is about the files, not about persons: it is published as is.
        rows.push(vec![
            Slot::Text(source.clone()),
            Slot::Count(id),
            Slot::Plain(quarantined.get(source).copied().unwrap_or(0)),
        ]);
    }
    b.drafts.push(Draft {
        name: "by_source",
        title: "Records per source (stored, and rows refused into the quarantine)".into(),
        unit: Unit::Records,
        columns: ["source", "count", "quarantined_rows"].map(str::to_owned).to_vec(),
        rows,
    });
    Ok(ids)
}

fn justice_chain(b: &mut Builder, justice: &[StoredJustice]) -> crate::Result<()> {
    let stages = ["investigated", "prosecuted", "convicted", "acquitted"];
    let mut by_year: BTreeMap<i64, [u64; 4]> = BTreeMap::new();
    for j in justice {
        if let Some(i) = stages.iter().position(|s| *s == j.stage) {
            by_year.entry(j.year).or_default()[i] += j.count.max(0) as u64;
        }
    }
    let mut columns = vec!["year".to_owned()];
    columns.extend(stages.iter().map(|s| (*s).to_owned()));
    columns.extend(["prosecuted_per_investigated".to_owned(), "convicted_per_prosecuted".to_owned()]);
    let mut rows = Vec::new();
    for (year, counts) in &by_year {
        let year = year.to_string();
        let mut ids = Vec::new();
        for (stage, n) in stages.iter().zip(counts) {
            ids.push(b.published(key_of("justice", &[&year, stage]), *n)?);
        }
        let mut row = vec![Slot::Text(year)];
        row.extend(ids.iter().map(|id| Slot::Count(*id)));
        row.push(Slot::Ratio { numerator: ids[1], denominator: ids[0] });
        row.push(Slot::Ratio { numerator: ids[2], denominator: ids[1] });
        rows.push(row);
    }
    b.drafts.push(Draft {
        name: "justice_chain",
        title: "The criminal-justice chain: persons investigated, prosecuted, convicted and acquitted, with attrition"
            .into(),
        unit: Unit::JusticeCounts,
        columns,
        rows,
    });
    Ok(())
}

/// The SDG table publishes cells of the year × sex × age-group cube (the same cells as the
/// release's latent cube: they are linked to the year and sex tables).
fn sdg_rates(
    b: &mut Builder,
    unit: Unit,
    cube: &BTreeMap<(String, String, &'static str), u64>,
    population: &Population,
) -> crate::Result<()> {
    let mut rows = Vec::new();
    for ((year, sex, group), pop) in population {
        let year = year.to_string();
        let n = cube.get(&(year.clone(), sex.clone(), group_code(group))).copied().unwrap_or(0);
        let id = b.published(key_of("ysa", &[&year, sex, group]), n)?;
        rows.push(vec![
            Slot::Text(year),
            Slot::Text(sex.clone()),
            Slot::Text(group.clone()),
            Slot::Count(id),
            Slot::Plain(*pop),
            Slot::Rate { count: id, population: *pop },
        ]);
    }
    b.drafts.push(Draft {
        name: "sdg_16_2_2",
        title: "SDG indicator 16.2.2: detected victims per 100,000 population, by sex and age group (VC_HTF_DETVR)"
            .into(),
        unit,
        columns: ["year", "sex", "age_group", "detected", "population", "per_100000"].map(str::to_owned).to_vec(),
        rows,
    });
    Ok(())
}

/// The `&'static str` age-group code of a population row's group.
fn group_code(group: &str) -> &'static str {
    model::vocab::age_group_of_band(group)
}

/// Persons on each list and pair of lists, and scored pairs by match probability: tables of the
/// report, in the same release.
fn linkage_tables(b: &mut Builder, linkage: &LinkageCounts, sources: &BTreeMap<String, CellId>) -> crate::Result<()> {
    let mut rows = Vec::new();
    let mut lists: BTreeMap<&str, CellId> = BTreeMap::new();
    for (a, c, n) in &linkage.overlaps {
        if a == c {
            lists.insert(a.as_str(), b.published(key_of("list", &[a]), *n)?);
        }
    }
    for (a, c, n) in &linkage.overlaps {
        let id = if a == c {
            lists[a.as_str()]
        } else {
            // The same persons whichever list is named first: one cell.
            let (x, y) = if a < c { (a, c) } else { (c, a) };
            let id = b.published(key_of("overlap", &[x, y]), *n)?;
            for list in [a, c] {
                if let Some(&whole) = lists.get(list.as_str()) {
                    b.at_most_if_true(id, whole);
                }
            }
            id
        };
        rows.push(vec![Slot::Text(a.clone()), Slot::Text(c.clone()), Slot::Count(id)]);
    }
    for (list, &id) in &lists {
        if let Some(&records) = sources.get(*list) {
            b.at_most_if_true(id, records);
        }
    }
    b.drafts.push(Draft {
        name: "list_overlaps",
        title: "Persons on each pair of lists".into(),
        unit: Unit::Persons,
        columns: ["list", "also_on_list", "persons"].map(str::to_owned).to_vec(),
        rows,
    });
    let mut rows = Vec::new();
    for (bin, n) in &linkage.probability_bins {
        let id = b.published(key_of("pairs", &[&bin.to_string()]), *n)?;
        rows.push(vec![Slot::Text(bin.to_string()), Slot::Count(id)]);
    }
    b.drafts.push(Draft {
        name: "pair_probabilities",
        title: "Scored pairs of records by match probability (bins of 0.05)".into(),
        unit: Unit::Records,
        columns: ["bin", "pairs"].map(str::to_owned).to_vec(),
        rows,
    });
    Ok(())
}

/// Values unknown or not recorded, per field: counts of the same persons as the other tables
/// (the victims whose sex is unknown are the year × sex table's unknown column), so in the release.
fn missing_values(
    b: &mut Builder,
    unit: Unit,
    victims: &[&dyn Counted],
    year_sex: &BTreeMap<Vec<String>, CellId>,
    margins: &BTreeMap<&str, BTreeMap<Vec<String>, CellId>>,
    cube: &BTreeMap<(String, String, &'static str), CellId>,
) -> crate::Result<()> {
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
    let total = b.published("total".into(), victims.len() as u64)?;
    let mut rows = Vec::new();
    for field in fields {
        let mut ids = Vec::new();
        for code in [model::vocab::UNKNOWN, model::vocab::NOT_RECORDED] {
            let n = victims.iter().filter(|v| v.value(field) == code).count() as u64;
            let id = b.published(key_of("missing", &[field, code]), n)?;
            let parts: Vec<CellId> = match field {
                "sex" => year_sex.iter().filter(|(k, _)| k[1] == code).map(|(_, id)| *id).collect(),
                "age_band" => cube.iter().filter(|((_, _, a), _)| *a == code).map(|(_, id)| *id).collect(),
                "citizenship" | "country_of_exploitation" | "cross_border" => {
                    margins.get(field).and_then(|m| m.get(&vec![code.to_owned()])).copied().into_iter().collect()
                }
                _ => Vec::new(),
            };
            if !parts.is_empty() {
                b.sum_if_true(id, &parts);
            }
            ids.push(id);
        }
        rows.push(vec![
            Slot::Text(field.to_owned()),
            Slot::Count(ids[0]),
            Slot::Count(ids[1]),
            Slot::Percent { counts: ids, total },
        ]);
    }
    b.drafts.push(Draft {
        name: "missing_values",
        title: "Data quality: values unknown or not recorded, per field (counts of values, not of persons)".into(),
        unit,
        columns: ["field", "unknown", "not_recorded", "percent_missing"].map(str::to_owned).to_vec(),
        rows,
    });
    Ok(())
}
