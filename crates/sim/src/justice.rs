//! The criminal-justice file: counts of suspects investigated, prosecuted, convicted and acquitted
//! by year, sex, citizenship and form of exploitation, with the ICCS offence code and sentences.
//!
//! Assumptions: investigations start from victims the police met (0–3 suspects per victim,
//! mostly men, usually of the victim's or Demoland's citizenship); about a third of suspects are
//! prosecuted (more for sexual exploitation, fewer for forced labour, as in most national
//! statistics), two thirds of prosecutions end in conviction, some cases are still pending; every
//! stage is counted in the year the investigation opened (a cohort view), so each cell shrinks
//! monotonically along the chain.

use std::collections::BTreeMap;

use rand::Rng;

use crate::population::{Person, weighted_index};
use crate::vocab::{COUNTRIES, Form, HOME};

/// A stage of the criminal-justice chain (schema codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    Investigated,
    Prosecuted,
    Convicted,
    Acquitted,
}

impl Stage {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Investigated => "investigated",
            Self::Prosecuted => "prosecuted",
            Self::Convicted => "convicted",
            Self::Acquitted => "acquitted",
        }
    }

    fn file_code(self) -> &'static str {
        match self {
            Self::Investigated => "INV",
            Self::Prosecuted => "PROS",
            Self::Convicted => "CONV",
            Self::Acquitted => "ACQ",
        }
    }
}

const STAGES: [Stage; 4] = [Stage::Investigated, Stage::Prosecuted, Stage::Convicted, Stage::Acquitted];

/// One cell of the justice table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct JusticeKey {
    pub(crate) year: i32,
    pub(crate) stage: Stage,
    pub(crate) female: bool,
    pub(crate) citizenship: &'static str,
    pub(crate) form: Form,
    pub(crate) sentence_months: Option<u32>,
}

fn purpose_code(form: Form) -> &'static str {
    match form {
        Form::Sexual => "SEX",
        Form::ForcedLabour => "LAB",
        Form::ForcedCriminality => "CRIM",
        Form::ForcedBegging => "BEG",
        Form::ForcedMarriage => "MAR",
        Form::OrganRemoval => "ORG",
        Form::Other => "OTH",
    }
}

fn prosecution_rate(form: Form) -> f64 {
    match form {
        Form::Sexual => 0.45,
        Form::ForcedLabour => 0.25,
        Form::ForcedCriminality => 0.4,
        Form::ForcedBegging => 0.35,
        Form::ForcedMarriage => 0.3,
        Form::OrganRemoval => 0.5,
        Form::Other => 0.3,
    }
}

fn sentence(form: Form, rng: &mut impl Rng) -> u32 {
    const MONTHS: [u32; 8] = [12, 24, 36, 48, 60, 72, 96, 120];
    let weights: [f64; 8] = if form == Form::Sexual {
        [0.10, 0.20, 0.20, 0.15, 0.15, 0.10, 0.06, 0.04]
    } else {
        [0.25, 0.25, 0.20, 0.12, 0.08, 0.05, 0.03, 0.02]
    };
    MONTHS[weighted_index(rng, &weights)]
}

/// Simulates the chain for the victims on the police list and aggregates it into cells.
pub(crate) fn simulate_chain(persons: &[Person], on_police: &[bool], rng: &mut impl Rng) -> BTreeMap<JusticeKey, u64> {
    let mut cells = BTreeMap::new();
    let other_weights: Vec<f64> = COUNTRIES.iter().map(|c| c.weight).collect();
    for (person, _) in persons.iter().zip(on_police).filter(|(_, on)| **on) {
        let n_suspects = weighted_index(rng, &[0.35, 0.40, 0.17, 0.08]);
        for _ in 0..n_suspects {
            let female = rng.random_bool(0.28);
            let citizenship = match weighted_index(rng, &[0.55, 0.35, 0.10]) {
                0 => person.country.iso3,
                1 => HOME,
                _ => COUNTRIES[weighted_index(rng, &other_weights)].iso3,
            };
            let form = person.primary();
            let mut add = |stage: Stage, sentence_months: Option<u32>| {
                let key = JusticeKey { year: person.year, stage, female, citizenship, form, sentence_months };
                *cells.entry(key).or_insert(0) += 1;
            };
            add(Stage::Investigated, None);
            if rng.random_bool(prosecution_rate(form)) {
                add(Stage::Prosecuted, None);
                match weighted_index(rng, &[0.62, 0.28, 0.10]) {
                    0 => add(Stage::Convicted, Some(sentence(form, rng))),
                    1 => add(Stage::Acquitted, None),
                    // Still pending at the end of the reference period.
                    _ => {}
                }
            }
        }
    }
    cells
}

/// The justice table as the ministry's CSV export.
pub(crate) fn justice_csv(cells: &BTreeMap<JusticeKey, u64>) -> crate::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    w.write_record(["Year", "Stage", "Sex", "Nationality", "Purpose", "ICCS", "Sentence (months)", "Persons"])?;
    for (key, count) in cells {
        let sentence = key.sentence_months.map(|m| m.to_string()).unwrap_or_default();
        w.write_record([
            key.year.to_string().as_str(),
            key.stage.file_code(),
            if key.female { "F" } else { "M" },
            key.citizenship,
            purpose_code(key.form),
            key.form.iccs(),
            sentence.as_str(),
            count.to_string().as_str(),
        ])?;
    }
    w.into_inner().map_err(|e| crate::Error::Buffer(e.to_string()))
}

/// The mapping of the justice CSV (`kind = "justice"`).
pub(crate) fn justice_mapping() -> String {
    let q = crate::dialects::quote;
    let mut t = String::new();
    t.push_str("# Mapping of the criminal-justice statistics (data/justice.csv) onto the Palermo schema.\n");
    t.push_str("# Counts of persons (suspects), by the year the investigation opened.\n");
    t.push_str("[file]\nkind = \"justice\"\nformat = \"csv\"\ndelimiter = \",\"\nencoding = \"utf-8\"\n\n[columns]\n");
    for (column, field) in [
        ("Year", "year"),
        ("Stage", "stage"),
        ("Sex", "sex"),
        ("Nationality", "citizenship"),
        ("Purpose", "exploitation"),
        ("ICCS", "offence"),
        ("Sentence (months)", "sentence_months"),
        ("Persons", "count"),
    ] {
        t.push_str(&format!("{} = {}\n", q(column), q(field)));
    }
    t.push_str("\n[values.stage]\n");
    for stage in STAGES {
        t.push_str(&format!("{} = {}\n", q(stage.file_code()), q(stage.code())));
    }
    t.push_str("\n[values.sex]\nF = \"female\"\nM = \"male\"\n\n[values.exploitation]\n");
    for form in Form::ALL {
        t.push_str(&format!("{} = {}\n", q(purpose_code(form)), q(form.code())));
    }
    t
}
