//! Loads the shared seed data once. Missing data fail the suite under `CI=true` and skip it
//! (with a printed reason) otherwise, as the project's rules require.

use std::path::PathBuf;
use std::sync::OnceLock;

use monitor::{Dataset, Indicators, SeedFiles, SeedRound};

/// Everything the tests need from the shared folder.
pub struct Fixture {
    pub dataset: Dataset,
    pub indicators: Indicators,
    pub expected_counts: serde_json::Value,
    pub report_text: String,
}

fn shared() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
}

fn read(path: PathBuf) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn load() -> Option<Fixture> {
    let dir = shared().join("data/seed-measures");
    let measures = read(dir.join("measures.csv"))?;
    let vocabulary = read(dir.join("vocabulary.csv"))?;
    let states = read(dir.join("states.csv"))?;
    let entities = read(dir.join("un_entities.csv"))?;
    let expected = read(dir.join("expected_counts.json"))?;
    let report_text = read(shared().join("seed/000_5126738140a107bb.txt"))?;
    let files = SeedFiles {
        measures_csv: &measures,
        vocabulary_csv: &vocabulary,
        states_csv: &states,
        un_entities_csv: Some(&entities),
    };
    let dataset = match Dataset::import_seed(&files, &SeedRound::sg_report_2008()) {
        Ok(d) => d,
        Err(err) => panic!("seed import failed: {err}"),
    };
    let indicators = match Indicators::builtin() {
        Ok(i) => i,
        Err(err) => panic!("built-in indicators: {err}"),
    };
    let expected_counts = match serde_json::from_str(&expected) {
        Ok(v) => v,
        Err(err) => panic!("expected_counts.json: {err}"),
    };
    Some(Fixture { dataset, indicators, expected_counts, report_text })
}

/// The fixture, or `None` (after printing why) when the shared data are absent outside CI.
pub fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    let loaded = FIXTURE.get_or_init(load).as_ref();
    if loaded.is_none() {
        testkit::skip(&format!("shared seed data under {}", shared().display()), "not found");
    }
    loaded
}
