//! # `sim` — the demo simulator
//!
//! Simulates a complete example observatory for the fictional country **Demoland** (code `XDL`,
//! a user-assigned ISO 3166 code): a hidden population of trafficking victims, six agencies that
//! each meet some of them and write them down in their own dialect, criminal-justice statistics,
//! a population table, `palermo.toml` — and `truth.json`, the answer key against which import,
//! linkage, statistics and Multiple Systems Estimation are scored.
//!
//! Sans-IO: [`simulate`] returns the files as bytes keyed by their path relative to the
//! observatory folder; the caller writes them. The same [`SimConfig`] always gives byte-identical
//! files (ChaCha8 streams seeded from `seed`, one stream per stage, ordered maps only).
//!
//! ```
//! let demo = sim::simulate(&sim::SimConfig { size: 300, ..sim::SimConfig::default() })?;
//! assert!(demo.files.contains_key("palermo.toml"));
//! assert_eq!(demo.truth.n_total, 300);
//! # Ok::<(), sim::Error>(())
//! ```
//!
//! ## What is simulated, and the assumptions
//! - **Population**: `size` persons over `years`; citizenship
//!   first (Demoland about a third; then Romania, Nigeria, Ukraine, Viet Nam, Bulgaria, Albania,
//!   China, the Philippines, India, Thailand, Morocco, Brazil, Moldova), then the form of
//!   exploitation from country-specific weights, labour sector, sex and age given the form
//!   (women and girls in sexual exploitation and forced marriage, men in forced labour except
//!   domestic work; children about a quarter), 8% with a second form, means of control, recruiter
//!   relation and region. One Demolander in ten was exploited abroad (Germany, the United Kingdom,
//!   Italy, …) and is met after return; cross-border means a foreign citizen or a Demolander
//!   abroad. A latent "visibility" N(0,1) per person.
//! - **Detection**: six logistic models, one per agency (police, labour inspection, NGO,
//!   shelter, immigration, hotline), trait-dependent, sharing the latent visibility, with referral
//!   effects (police → shelter and hotline → NGO positive, immigration → NGO negative). About 43%
//!   of the population is on at least one list at the defaults (42–45% over seeds); some pairs
//!   (labour inspection and shelter, hotline and immigration) barely overlap. A Poisson log-linear
//!   model with main effects only underestimates the total by about a fifth (the shared
//!   visibility makes all lists positively dependent, as in real data); adding the three designed
//!   interactions brings it within about 10%.
//! - **Records**: each detection is a record dated within 60 days of the person's identification
//!   window (same calendar year); the police register about 4% of their victims twice. Each agency
//!   records its own subset of fields with its own missingness and slips: spelling and
//!   transliteration variants, typos, given/family swaps (common for Vietnamese and Chinese
//!   names), day/month swaps and wrong birth years, estimated ages. The NGO file is ISO 8859-1
//!   (letters outside it lose their diacritics), immigration writes names in capitals without
//!   diacritics and half of Ukrainian names in Cyrillic, the hotline keeps initials and the year of
//!   birth only.
//! - **Malformed rows**: four or five per file, *added* as corrupted copies of genuine rows
//!   (unknown code, impossible age, future date, non-existent date, duplicate source id, ragged
//!   line, missing date), so the valid records are exactly the simulated detections and the true
//!   capture histories hold whatever the importer keeps of them.
//! - **Criminal justice**: suspects drawn for victims on the police list and followed through
//!   investigation, prosecution and conviction or acquittal (counts by cohort year).
//!
//! Names come from generic lists of common names per region; a person is a random combination,
//! never a real individual. `truth.json` has no names, birth dates or document numbers.
//!
//! ## Files
//! `palermo.toml`, `README.md`, `truth.json` (also in [`Demo::truth`]), `data/police.csv`,
//! `data/labour_inspection.xlsx`, `data/ngo.csv`, `data/shelter.tsv`, `data/immigration.json`,
//! `data/hotline.csv`, `data/justice.csv`, `data/population.csv`, and `mappings/<source>.toml`
//! for the six agencies and `justice`.

mod date;
mod detection;
mod dialects;
mod error;
mod justice;
mod names;
mod observatory;
mod observe;
mod population;
mod truth;
mod vocab;
mod write;

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use error::{Error, Result};
pub use truth::{
    AgencyTruth, Breakdown, Breakdowns, CellCount, CitizenshipCount, FlowCount, JusticeTotal, KeyCount, MalformedRow,
    TruePerson, TrueRecord, Truth, TruthConfig, YearCount,
};

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Size of the hidden population (default 3000).
    pub size: usize,
    /// Seed of every random draw (default 2008, the year of the Secretary-General's report).
    pub seed: u64,
    /// First and last year, inclusive (default 2020..=2024).
    pub years: (i32, i32),
}

impl Default for SimConfig {
    fn default() -> Self {
        Self { size: 3000, seed: 2008, years: (2020, 2024) }
    }
}

/// Largest population the simulator accepts (memory stays well under a gigabyte).
pub const MAX_SIZE: usize = 2_000_000;

impl SimConfig {
    fn validate(&self) -> Result<()> {
        if self.size == 0 || self.size > MAX_SIZE {
            return Err(Error::InvalidConfig {
                field: "size",
                reason: format!("must be 1..={MAX_SIZE}, got {}", self.size),
            });
        }
        let (first, last) = self.years;
        // Malformed rows use 2099 as their "future" date, so years must stay well before it.
        if first > last || first < 1990 || last > 2090 {
            return Err(Error::InvalidConfig {
                field: "years",
                reason: format!("must be an ordered range within 1990..=2090, got {first}..={last}"),
            });
        }
        Ok(())
    }
}

/// A simulated observatory: files keyed by path relative to the folder, and the truth.
#[derive(Debug, Clone)]
pub struct Demo {
    /// File contents by relative path (`/`-separated), `truth.json` included.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The answer key (the same content as `files["truth.json"]`).
    pub truth: Truth,
}

/// One independent random stream per stage, so that changing one stage leaves the others' draws
/// unchanged.
fn stream(seed: u64, stage: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stage);
    rng
}

/// Simulates a complete demo observatory. See the crate docs for what is simulated.
pub fn simulate(config: &SimConfig) -> Result<Demo> {
    config.validate()?;
    let persons = population::draw_population(config.size, config.years, &mut stream(config.seed, 1));
    let mut detect_rng = stream(config.seed, 2);
    let lists: Vec<[bool; 6]> = persons.iter().map(|p| detection::detect(p, &mut detect_rng)).collect();

    let mut files = BTreeMap::new();
    let mut agencies = BTreeMap::new();
    let mut records = Vec::new();
    for (k, dialect) in dialects::DIALECTS.iter().enumerate() {
        let mut rng = stream(config.seed, 10 + k as u64);
        let written = write::write_agency(dialect, &persons, &lists, &mut rng)?;
        files.insert(dialect.path.to_owned(), written.bytes);
        files.insert(dialect.mapping_path(), dialect.mapping().into_bytes());
        records.extend(written.records);
        agencies.insert(dialect.agency.name().to_owned(), written.summary);
    }

    let on_police: Vec<bool> = lists.iter().map(|l| l[detection::Agency::Police.index()]).collect();
    let cells = justice::simulate_chain(&persons, &on_police, &mut stream(config.seed, 20));
    files.insert("data/justice.csv".to_owned(), justice::justice_csv(&cells)?);
    files.insert("mappings/justice.toml".to_owned(), justice::justice_mapping().into_bytes());
    let mut justice_totals: BTreeMap<(i32, justice::Stage), u64> = BTreeMap::new();
    for (key, count) in &cells {
        *justice_totals.entry((key.year, key.stage)).or_insert(0) += count;
    }

    files.insert("data/population.csv".to_owned(), observatory::population_csv(config).into_bytes());
    files.insert("palermo.toml".to_owned(), observatory::palermo_toml(config).into_bytes());
    files.insert("README.md".to_owned(), observatory::readme(config).into_bytes());

    let detected = persons.iter().zip(&lists).filter(|(_, l)| l.iter().any(|b| *b));
    let truth = Truth {
        description: "Answer key of a simulated Palermo demo observatory (Demoland, XDL). Never read by the pipeline; \
                      use it to score import, linkage, statistics and estimation."
            .to_owned(),
        config: TruthConfig { size: config.size, seed: config.seed, years: [config.years.0, config.years.1] },
        n_total: persons.len(),
        n_detected: detected.clone().count(),
        lists: detection::Agency::ALL.iter().map(|a| a.name().to_owned()).collect(),
        agencies,
        persons: persons.iter().zip(&lists).map(|(p, l)| truth::true_person(p, l)).collect(),
        records,
        breakdowns: Breakdowns {
            note: "Counts of persons; a person with two forms of exploitation is counted under each form in \
                   by_year_sex_age_form (CTDC convention), once everywhere else."
                .to_owned(),
            hidden: truth::breakdown(persons.iter()),
            detected: truth::breakdown(detected.map(|(p, _)| p)),
        },
        capture_histories: truth::capture_histories(&lists),
        justice: justice_totals
            .into_iter()
            .map(|((year, stage), persons)| JusticeTotal { year, stage: stage.code().to_owned(), persons })
            .collect(),
    };
    let json = serde_json::to_vec_pretty(&truth).map_err(|source| Error::Json { what: "truth", source })?;
    files.insert("truth.json".to_owned(), json);
    Ok(Demo { files, truth })
}
