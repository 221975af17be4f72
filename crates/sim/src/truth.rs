//! The answer key (`truth.json`): what the simulation knows and the pipeline must never read.
//! It holds no names, birth dates or document numbers — those exist only in the agency files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::detection::Agency;
use crate::population::Person;

/// Everything needed to score import, linkage, statistics and estimation against the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// What this file is.
    pub description: String,
    /// The configuration that produced the demo.
    pub config: TruthConfig,
    /// The true size of the hidden population (N).
    pub n_total: usize,
    /// Persons on at least one agency list.
    pub n_detected: usize,
    /// Agency (list) names, in capture-history column order.
    pub lists: Vec<String>,
    /// Per agency: what its file holds.
    pub agencies: BTreeMap<String, AgencyTruth>,
    /// Every person of the hidden population with their true traits (no identifying fields).
    pub persons: Vec<TruePerson>,
    /// Every row written to an agency file, with the person behind it.
    pub records: Vec<TrueRecord>,
    /// True breakdowns of the hidden and of the detected population.
    pub breakdowns: Breakdowns,
    /// True capture histories as CSV (one 0/1 column per list, then `count`; observed patterns
    /// only), the format of `shared/data/mse/README.md`. Built from valid records only: a person
    /// counts once per list however often the agency registered them.
    pub capture_histories: String,
    /// Persons in the criminal-justice file by year and stage.
    pub justice: Vec<JusticeTotal>,
}

/// The simulation's configuration, echoed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthConfig {
    pub size: usize,
    pub seed: u64,
    pub years: [i32; 2],
}

/// One agency's file, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyTruth {
    pub file: String,
    pub mapping: String,
    /// Data rows written (header excluded), malformed ones included.
    pub n_records_written: usize,
    /// Deliberately malformed rows, which the importer must quarantine.
    pub n_malformed: usize,
    /// `n_records_written - n_malformed`: what a correct import stores.
    pub n_valid_records: usize,
    /// Distinct persons on this list (the list size for MSE).
    pub n_persons: usize,
    /// Valid records that register a person this agency had already registered.
    pub n_within_source_duplicates: usize,
    /// The malformed rows: data row and file row, source id, reason and the person the row was
    /// copied from.
    pub malformed: Vec<MalformedRow>,
}

/// A deliberately malformed row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MalformedRow {
    /// 1-based data row (header excluded; for JSON the position in `records`).
    pub row: usize,
    /// The row as a spreadsheet numbers it (the header is row 1, so `row + 1`) for CSV, TSV
    /// and XLSX; for JSON the same as `row`. This is how importers usually report rows.
    pub file_row: usize,
    pub source_id: String,
    /// unknown_code, impossible_age, future_date, invalid_date, duplicate_source_id,
    /// ragged_line or missing_required.
    pub reason: String,
    pub person_id: String,
}

/// One row of an agency file and the true person behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueRecord {
    pub source: String,
    pub source_id: String,
    /// 1-based data row (header excluded; for JSON the position in `records`).
    pub row: usize,
    /// The row as a spreadsheet numbers it (see [`MalformedRow::file_row`]).
    pub file_row: usize,
    pub person_id: String,
    /// Why the row is malformed, if it is.
    pub malformed: Option<String>,
    /// A valid record registering a person this agency had already registered.
    pub within_source_duplicate: bool,
}

/// A person's true traits (canonical schema codes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruePerson {
    pub id: String,
    pub year: i32,
    pub sex: String,
    /// Age at the start of the identification window.
    pub age: i32,
    /// child or adult.
    pub age_group: String,
    pub citizenship: String,
    /// cross_border or domestic.
    pub cross_border: String,
    /// ISO3; Demoland (XDL) except for Demolanders exploited abroad.
    pub country_of_exploitation: String,
    pub subnational_area: String,
    /// Primary form first.
    pub exploitation: Vec<String>,
    pub labour_sector: Option<String>,
    pub means_of_control: Vec<String>,
    pub recruiter_relation: String,
    /// The lists this person is on (empty: never detected).
    pub lists: Vec<String>,
}

/// True breakdowns of the hidden and the detected populations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdowns {
    /// How persons with two forms are counted.
    pub note: String,
    pub hidden: Breakdown,
    pub detected: Breakdown,
}

/// Counts of persons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub total: usize,
    pub by_year: Vec<YearCount>,
    pub by_year_sex_age_form: Vec<CellCount>,
    pub by_citizenship: Vec<CitizenshipCount>,
    pub by_cross_border: Vec<KeyCount>,
    pub by_country_of_exploitation: Vec<KeyCount>,
    /// Citizenship → country of exploitation.
    pub flows: Vec<FlowCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowCount {
    pub citizenship: String,
    pub country_of_exploitation: String,
    pub persons: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearCount {
    pub year: i32,
    pub persons: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellCount {
    pub year: i32,
    pub sex: String,
    pub age_group: String,
    pub exploitation: String,
    pub persons: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitizenshipCount {
    pub citizenship: String,
    pub persons: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyCount {
    pub key: String,
    pub persons: usize,
}

/// Persons at one stage of the criminal-justice chain in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JusticeTotal {
    pub year: i32,
    pub stage: String,
    pub persons: u64,
}

pub(crate) fn true_person(person: &Person, lists: &[bool; 6]) -> TruePerson {
    TruePerson {
        id: person.id.clone(),
        year: person.year,
        sex: person.sex.code().to_owned(),
        age: person.age(),
        age_group: age_group(person).to_owned(),
        citizenship: person.country.iso3.to_owned(),
        cross_border: if person.cross_border() { "cross_border" } else { "domestic" }.to_owned(),
        country_of_exploitation: person.exploited_in.to_owned(),
        subnational_area: person.region.code.to_owned(),
        exploitation: person.forms.iter().map(|f| f.code().to_owned()).collect(),
        labour_sector: person.sector.map(|s| s.code().to_owned()),
        means_of_control: person.means.iter().map(|m| m.code().to_owned()).collect(),
        recruiter_relation: person.recruiter.code().to_owned(),
        lists: Agency::ALL.iter().filter(|a| lists[a.index()]).map(|a| a.name().to_owned()).collect(),
    }
}

fn age_group(person: &Person) -> &'static str {
    if person.is_child() { "child" } else { "adult" }
}

pub(crate) fn breakdown<'a>(persons: impl Iterator<Item = &'a Person>) -> Breakdown {
    let mut total = 0;
    let mut by_year = BTreeMap::new();
    let mut cells = BTreeMap::new();
    let mut by_citizenship = BTreeMap::new();
    let mut by_cross = BTreeMap::new();
    let mut by_destination = BTreeMap::new();
    let mut flows = BTreeMap::new();
    for p in persons {
        total += 1;
        *by_year.entry(p.year).or_insert(0) += 1;
        for form in &p.forms {
            *cells.entry((p.year, p.sex.code(), age_group(p), form.code())).or_insert(0) += 1;
        }
        *by_citizenship.entry(p.country.iso3).or_insert(0) += 1;
        *by_destination.entry(p.exploited_in).or_insert(0) += 1;
        *flows.entry((p.country.iso3, p.exploited_in)).or_insert(0) += 1;
        *by_cross.entry(if p.cross_border() { "cross_border" } else { "domestic" }).or_insert(0) += 1;
    }
    Breakdown {
        total,
        by_year: by_year.into_iter().map(|(year, persons)| YearCount { year, persons }).collect(),
        by_year_sex_age_form: cells
            .into_iter()
            .map(|((year, sex, age, form), persons)| CellCount {
                year,
                sex: sex.to_owned(),
                age_group: age.to_owned(),
                exploitation: form.to_owned(),
                persons,
            })
            .collect(),
        by_citizenship: by_citizenship
            .into_iter()
            .map(|(c, persons)| CitizenshipCount { citizenship: c.to_owned(), persons })
            .collect(),
        by_cross_border: by_cross.into_iter().map(|(k, persons)| KeyCount { key: k.to_owned(), persons }).collect(),
        by_country_of_exploitation: by_destination
            .into_iter()
            .map(|(k, persons)| KeyCount { key: k.to_owned(), persons })
            .collect(),
        flows: flows
            .into_iter()
            .map(|((c, d), persons)| FlowCount {
                citizenship: c.to_owned(),
                country_of_exploitation: d.to_owned(),
                persons,
            })
            .collect(),
    }
}

/// Capture histories in the MSE reference CSV format, patterns in lexicographic order.
pub(crate) fn capture_histories(lists: &[[bool; 6]]) -> String {
    let mut counts: BTreeMap<[u8; 6], usize> = BTreeMap::new();
    for on in lists {
        if on.iter().any(|b| *b) {
            *counts.entry(on.map(u8::from)).or_insert(0) += 1;
        }
    }
    let mut csv: String = Agency::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(",");
    csv.push_str(",count\n");
    for (pattern, count) in counts {
        for bit in pattern {
            csv.push(char::from(b'0' + bit));
            csv.push(',');
        }
        csv.push_str(&count.to_string());
        csv.push('\n');
    }
    csv
}
