//! Benchmarks of the monitoring engine on the 2008 seed data (42 States, 514 facts, 101
//! measure codes): import of the seed folder, scoring of the 40 respondents, the explanation
//! of one State, validation of a questionnaire, and the full compiled report (Markdown, HTML,
//! JSON and Vega-Lite).
//!
//! Run: `CARGO_TARGET_DIR=/work/target-monitor cargo bench -p monitor`. The seed files are read
//! in place from the shared data folder beside the repository.

use divan::Bencher;
use monitor::{
    Dataset, Indicators, Iso3, ReportOptions, SeedFiles, SeedRound, SubmissionFormat, compile_report, explain, score,
    template, validate_submission,
};

fn main() {
    divan::main();
}

struct Seed {
    measures: String,
    vocabulary: String,
    states: String,
    entities: String,
}

fn seed() -> Seed {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/seed-measures/");
    let read = |f: &str| std::fs::read_to_string(format!("{dir}{f}")).unwrap_or_else(|e| panic!("{dir}{f}: {e}"));
    Seed {
        measures: read("measures.csv"),
        vocabulary: read("vocabulary.csv"),
        states: read("states.csv"),
        entities: read("un_entities.csv"),
    }
}

fn dataset(seed: &Seed) -> Dataset {
    let files = SeedFiles {
        measures_csv: &seed.measures,
        vocabulary_csv: &seed.vocabulary,
        states_csv: &seed.states,
        un_entities_csv: Some(&seed.entities),
    };
    Dataset::import_seed(&files, &SeedRound::sg_report_2008()).unwrap_or_else(|e| panic!("import: {e}"))
}

fn indicators() -> Indicators {
    Indicators::builtin().unwrap_or_else(|e| panic!("indicators: {e}"))
}

#[divan::bench]
fn import_seed(bencher: Bencher) {
    let seed = seed();
    bencher.bench(|| dataset(divan::black_box(&seed)));
}

#[divan::bench]
fn score_40_respondents(bencher: Bencher) {
    let (data, ind) = (dataset(&seed()), indicators());
    bencher.bench(|| score(divan::black_box(&data), &ind, "2008"));
}

#[divan::bench]
fn explain_one_state(bencher: Bencher) {
    let (data, ind) = (dataset(&seed()), indicators());
    let state = Iso3::parse("GBR").unwrap_or_else(|| panic!("code"));
    bencher.bench(|| explain(divan::black_box(&data), &ind, "2008", state));
}

#[divan::bench]
fn validate_full_template(bencher: Bencher) {
    let data = dataset(&seed());
    let text = template(&data.vocabulary, "2024").replacen("state: \"\"", "state: \"ALB\"", 1).replacen(
        "submitted: \"\"",
        "submitted: \"2024-01-02\"",
        1,
    );
    let today = jiff::civil::date(2024, 6, 1);
    bencher.bench(|| validate_submission(divan::black_box(&text), SubmissionFormat::Yaml, &data, today));
}

#[divan::bench(sample_count = 20)]
fn compile_full_report(bencher: Bencher) {
    let (data, ind) = (dataset(&seed()), indicators());
    let options = ReportOptions::default();
    bencher.bench(|| compile_report(divan::black_box(&data), &ind, &options));
}
