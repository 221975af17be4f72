//! End-to-end tests of the `palermo` binary: exit codes, crash safety of imports, and logs that
//! never carry a person's identifying data.

mod demo;
mod encoded;
mod estimators;
mod import;
mod mapping;
mod monitor;
mod publish;
mod review;
mod user;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

/// Runs `palermo` with arguments in `dir`, with extra environment variables.
pub fn palermo(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_palermo"));
    command.current_dir(dir).args(args).env_remove("PALERMO_DIR").env_remove("PALERMO_DATABASE");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run palermo")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The linkage of the observatory `obs` in `dir` (`palermo link --format csv`) judged against the
/// simulation's `truth.json`.
pub struct LinkCheck {
    /// Pairwise: of the pairs of records put in one person, the share that truly are one.
    pub precision: f64,
    /// Pairwise: of the pairs of records that truly are one person, the share put together.
    pub recall: f64,
    /// The lists whose records were linked.
    pub linked_sources: BTreeSet<String>,
    /// Persons the linked lists truly saw.
    pub persons_seen: usize,
}

pub fn check_links(dir: &Path, truth: &serde_json::Value) -> LinkCheck {
    let links = palermo(dir, &["--dir", "obs", "--format", "csv", "link"], &[]);
    assert!(links.status.success(), "{}", text(&links.stderr));
    let mut true_person: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for r in truth["records"].as_array().expect("records") {
        if r["malformed"].is_null() {
            let field = |name: &str| r[name].as_str().expect("text field");
            true_person.insert((field("source"), field("source_id")), field("person_id"));
        }
    }
    let mut cells: BTreeMap<(String, &str), u64> = BTreeMap::new();
    let (mut by_predicted, mut by_true) = (BTreeMap::<String, u64>::new(), BTreeMap::<&str, u64>::new());
    let mut linked_sources = BTreeSet::new();
    let stdout = text(&links.stdout);
    for line in stdout.lines().skip(1) {
        let parts: Vec<&str> = line.split(',').collect();
        let person =
            *true_person.get(&(parts[0], parts[1])).unwrap_or_else(|| panic!("record {line} not in the truth"));
        *cells.entry((parts[2].to_owned(), person)).or_default() += 1;
        *by_predicted.entry(parts[2].to_owned()).or_default() += 1;
        *by_true.entry(person).or_default() += 1;
        linked_sources.insert(parts[0].to_owned());
    }
    let pairs = |n: &u64| n * n.saturating_sub(1) / 2;
    let true_positive: u64 = cells.values().map(pairs).sum();
    let persons_seen = true_person
        .iter()
        .filter(|((source, _), _)| linked_sources.contains(*source))
        .map(|(_, person)| *person)
        .collect::<BTreeSet<&str>>()
        .len();
    LinkCheck {
        precision: true_positive as f64 / by_predicted.values().map(pairs).sum::<u64>().max(1) as f64,
        recall: true_positive as f64 / by_true.values().map(pairs).sum::<u64>().max(1) as f64,
        linked_sources,
        persons_seen,
    }
}
