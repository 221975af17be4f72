//! `palermo monitor …` as a user runs it, on the facts of the Secretary-General's 2008 report
//! (`shared/data/seed-measures`, read in place): import, the JSON and Markdown report, refused
//! replies that store nothing, reproducible explanations, and the blank questionnaire.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{palermo, text};

const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/seed-measures");

/// The seed folder, or `None` (with the reason printed) when it is absent outside CI.
fn seed_dir() -> Option<PathBuf> {
    let dir = Path::new(SEED);
    if dir.join("expected_counts.json").is_file() {
        return Some(dir.canonicalize().expect("canonical seed path"));
    }
    testkit::skip(SEED, "seed-measures data not found");
    None
}

/// A fresh observatory `obs` with the seed imported; the folder and the seed path.
fn seeded() -> Option<(tempfile::TempDir, PathBuf)> {
    let seed = seed_dir()?;
    let dir = tempfile::tempdir().expect("tempdir");
    let init = palermo(dir.path(), &["init", "obs"], &[]);
    assert!(init.status.success(), "{}", text(&init.stderr));
    let import = palermo(dir.path(), &["--dir", "obs", "monitor", "import", path_str(&seed)], &[]);
    assert!(import.status.success(), "import: {}{}", text(&import.stdout), text(&import.stderr));
    Some((dir, seed))
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Runs `palermo --dir obs ARGS`, asserts success, returns standard output.
fn ok(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["--dir", "obs"];
    all.extend_from_slice(args);
    let out = palermo(dir, &all, &[]);
    assert!(out.status.success(), "palermo {all:?}: {}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

fn report_json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json", "monitor", "report"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(dir, &args)).expect("report is JSON")
}

fn fixture(seed: &Path, file: &str) -> String {
    std::fs::read_to_string(seed.join(file)).expect("read fixture")
}

fn strings(value: &Value) -> BTreeSet<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

/// The reporting States of the fixture (`states.csv`, `reporting == true`).
fn fixture_respondents(seed: &Path) -> BTreeSet<String> {
    let text = fixture(seed, "states.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let (iso3, reporting) = (col("iso3"), col("reporting"));
    reader.records().map(|r| r.expect("row")).filter(|r| &r[reporting] == "true").map(|r| r[iso3].to_owned()).collect()
}

#[test]
fn report_json_lists_the_states_of_every_measure_in_the_2008_report() {
    let Some((dir, seed)) = seeded() else { return };
    let expected: Value = serde_json::from_str(&fixture(&seed, "expected_counts.json")).expect("fixture JSON");
    let expected = expected.as_object().expect("fixture object");
    assert!(!expected.is_empty());
    let report = report_json(dir.path(), &[]);
    for (code, want) in expected {
        let got = &report["measures"][code];
        assert!(got.is_object(), "measure `{code}` (para {}) missing from the report", want["paragraph"]);
        assert_eq!(
            strings(&got["states"]),
            strings(&want["iso3"]),
            "measure `{code}`, paragraph {}: States differ",
            want["paragraph"]
        );
        assert_eq!(got["count"], want["count"], "measure `{code}`: count");
    }
    assert_eq!(strings(&report["respondents"]), fixture_respondents(&seed));

    // Importing the same folder again changes nothing and says so.
    let before = ok(dir.path(), &["monitor", "export"]);
    let again = ok(dir.path(), &["monitor", "import", path_str(&seed)]);
    assert!(again.contains("unchanged"), "{again}");
    assert_eq!(ok(dir.path(), &["monitor", "export"]), before);

    // The table lists the same counts.
    let table = ok(dir.path(), &["monitor", "report"]);
    let (code, want) = expected.iter().next().expect("a code");
    let row = table.lines().find(|l| l.split_whitespace().nth(1) == Some(code)).expect("row of the first code");
    assert_eq!(row.split_whitespace().nth(2), Some(want["count"].to_string().as_str()), "{row}");
}

#[test]
fn markdown_and_html_name_every_respondent() {
    let Some((dir, seed)) = seeded() else { return };
    let report = report_json(dir.path(), &[]);
    let markdown = ok(dir.path(), &["--format", "markdown", "monitor", "report", "--html", "out.html"]);
    let html = std::fs::read_to_string(dir.path().join("out.html")).expect("HTML written");
    assert!(html.contains("<html") && html.contains("</html>"), "not an HTML page");
    let respondents = fixture_respondents(&seed);
    // The footnote of the respondents is the one line that names them all.
    let names: Vec<String> = respondents
        .iter()
        .map(|iso3| report["states"][iso3]["name"].as_str().expect("name of a respondent").to_owned())
        .collect();
    let footnote = markdown
        .lines()
        .find(|line| names.iter().all(|n| line.contains(n.as_str())))
        .unwrap_or_else(|| panic!("no line of the Markdown names all {} respondents", names.len()));
    assert!(footnote.len() < 2000, "the respondents' line is a list, not the whole report");
    for name in &names {
        assert!(html.contains(name.as_str()), "HTML lacks respondent {name}");
    }
    // A region restricts the lists to its States.
    let europe = report_json(dir.path(), &["--region", "Europe"]);
    let europe_respondents = strings(&europe["respondents"]);
    assert!(!europe_respondents.is_empty() && europe_respondents.len() < respondents.len());
    assert!(europe_respondents.is_subset(&respondents));
    let bad = palermo(dir.path(), &["--dir", "obs", "monitor", "report", "--region", "Atlantis"], &[]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
}

/// A code of the fixture that some State has `in_place`: a valid status for it.
fn in_place_code(seed: &Path) -> String {
    let expected: Value = serde_json::from_str(&fixture(seed, "expected_counts.json")).expect("fixture JSON");
    expected
        .as_object()
        .expect("object")
        .iter()
        .find(|(_, m)| m["by_status"]["in_place"].is_array())
        .map(|(code, _)| code.clone())
        .expect("a measure in place")
}

fn reply(state: &str, submitted: &str, measure: &str, status: &str) -> String {
    format!(
        "questionnaire_version: 1\nround: \"2010\"\nstate: \"{state}\"\nsubmitted: \"{submitted}\"\n\
         source_document: \"Note verbale\"\nmeasures:\n  - measure: {measure}\n    status: {status}\n    \
         paragraph: 3\n    evidence: \"A measure was taken\"\n"
    )
}

#[test]
fn an_invalid_reply_is_refused_with_field_and_reason_and_stores_nothing() {
    let Some((dir, seed)) = seeded() else { return };
    let code = in_place_code(&seed);
    let future = (chrono::Local::now().date_naive() + chrono::Days::new(2)).format("%Y-%m-%d").to_string();
    let cases = [
        (
            "unknown measure",
            reply("PHL", "2010-03-01", "no_such_measure", "in_place"),
            "measures[0].measure",
            "unknown measure",
        ),
        ("unknown country", reply("Atlantis", "2010-03-01", &code, "in_place"), "state", "unknown country"),
        ("bad status", reply("PHL", "2010-03-01", &code, "sort_of"), "measures[0].status", "not allowed"),
        ("future date", reply("PHL", &future, &code, "in_place"), "submitted", "future"),
    ];
    let stored = ok(dir.path(), &["monitor", "export"]);
    for (case, body, field, reason) in &cases {
        for ext in ["yaml", "json"] {
            let file = dir.path().join(format!("reply.{ext}"));
            let body = if ext == "json" { yaml_to_json(body) } else { body.clone() };
            std::fs::write(&file, body).expect("write reply");
            let out = palermo(dir.path(), &["--dir", "obs", "monitor", "import", path_str(&file)], &[]);
            let stdout = text(&out.stdout);
            assert_eq!(out.status.code(), Some(1), "{case} ({ext}): {stdout}{}", text(&out.stderr));
            let line = stdout
                .lines()
                .find(|l| l.starts_with(&format!("{field}: ")))
                .unwrap_or_else(|| panic!("{case} ({ext}): no line for field `{field}` in:\n{stdout}"));
            assert!(line.contains(reason), "{case} ({ext}): `{line}` does not say `{reason}`");
            assert!(stdout.contains("nothing stored"), "{case}: {stdout}");
            assert_eq!(ok(dir.path(), &["monitor", "export"]), stored, "{case} ({ext}): the stored dataset changed");
        }
    }
    // JSON output of a refusal lists the errors.
    let out = palermo(dir.path(), &["--dir", "obs", "--format", "json", "monitor", "import", "reply.json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let value: Value = serde_json::from_slice(&out.stdout).expect("JSON refusal");
    assert_eq!(value["errors"][0]["field"], "submitted");

    // The same reply without the defect is stored, in a new round.
    std::fs::write(dir.path().join("good.yaml"), reply("PHL", "2010-03-01", &code, "in_place")).expect("write");
    let stored_msg = ok(dir.path(), &["monitor", "import", "good.yaml"]);
    assert!(stored_msg.contains("PHL"), "{stored_msg}");
    assert_ne!(ok(dir.path(), &["monitor", "export"]), stored);
    let round = report_json(dir.path(), &["--round", "2010"]);
    assert_eq!(strings(&round["measures"][&code]["states"]), BTreeSet::from(["PHL".to_owned()]));
    // A file that is neither a folder nor a reply is a usage error.
    std::fs::write(dir.path().join("reply.txt"), "x").expect("write");
    let out = palermo(dir.path(), &["--dir", "obs", "monitor", "import", "reply.txt"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

/// The test replies above, as JSON (they are flat enough to convert by hand).
fn yaml_to_json(yaml: &str) -> String {
    let field = |name: &str| {
        yaml.lines()
            .map(str::trim_start)
            .map(|l| l.trim_start_matches("- "))
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map(|v| v.trim_matches('"').to_owned())
            .expect("field")
    };
    serde_json::json!({
        "questionnaire_version": 1,
        "round": field("round"),
        "state": field("state"),
        "submitted": field("submitted"),
        "measures": [{"measure": field("measure"), "status": field("status"), "paragraph": 3}],
    })
    .to_string()
}

#[test]
fn explain_is_reproducible_and_accounts_for_the_score() {
    let Some((dir, _seed)) = seeded() else { return };
    let report = report_json(dir.path(), &[]);
    let (iso3, score) = report["scores"]
        .as_object()
        .expect("scores")
        .iter()
        .find(|(_, s)| s["total"]["points"].as_f64().unwrap_or(0.0) > 0.0)
        .expect("a State with points");
    let first = ok(dir.path(), &["monitor", "explain", iso3]);
    assert_eq!(ok(dir.path(), &["monitor", "explain", iso3]), first, "explain is not reproducible");
    let name = report["states"][iso3]["name"].as_str().expect("name");
    assert_eq!(ok(dir.path(), &["monitor", "explain", name]), first, "by name and by code differ");

    let json: Value =
        serde_json::from_str(&ok(dir.path(), &["--format", "json", "monitor", "explain", iso3])).expect("JSON");
    let total = json["score"]["total"]["points"].as_f64().expect("total");
    assert_eq!(total, score["total"]["points"].as_f64().expect("report total"));
    let indicators = json["score"]["indicators"].as_array().expect("indicators");
    let sum: f64 = indicators.iter().map(|i| i["points"].as_f64().expect("points")).sum();
    assert!((sum - total).abs() < 1e-9, "indicator points sum to {sum}, total is {total}");
    for i in indicators {
        let points = i["points"].as_f64().expect("points");
        assert_eq!(points > 0.0, i["basis"].is_object(), "indicator {} has points without evidence", i["id"]);
        if let Some(quote) = i["basis"]["evidence"]["quote"].as_str() {
            assert!(first.contains(quote), "the text does not cite the evidence of {}", i["id"]);
        }
    }
    let total_line = first.lines().find(|l| l.starts_with("Total: ")).expect("a total line");
    let printed: f64 = total_line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("a number");
    assert!((printed - total).abs() < 0.006, "`{total_line}` vs {total}");

    let unknown = palermo(dir.path(), &["--dir", "obs", "monitor", "explain", "Atlantis"], &[]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn the_blank_template_filled_minimally_is_a_valid_reply() {
    let Some((dir, seed)) = seeded() else { return };
    let template = ok(dir.path(), &["monitor", "template", "--round", "2011"]);
    // Without an observatory, from the vocabulary file: the same questionnaire.
    let from_file = palermo(
        dir.path(),
        &["monitor", "template", "--round", "2011", "--vocabulary", path_str(&seed.join("vocabulary.csv"))],
        &[],
    );
    assert!(from_file.status.success(), "{}", text(&from_file.stderr));
    assert_eq!(text(&from_file.stdout), template);

    let mut filled = template.replacen("state: \"\"", "state: \"NOR\"", 1).replacen(
        "submitted: \"\"",
        "submitted: \"2011-02-01\"",
        1,
    );
    assert_ne!(filled, template, "the template has no `state`/`submitted` to fill");
    // Answer one measure: the first `status:` after its entry.
    let code = in_place_code(&seed);
    let entry = filled.find(&format!("- measure: {code}\n")).expect("the measure is in the template");
    let status = entry + filled[entry..].find("status:").expect("a status field");
    filled.insert_str(status + "status:".len(), " in_place");
    std::fs::write(dir.path().join("reply.yaml"), &filled).expect("write");
    let out = ok(dir.path(), &["monitor", "import", "reply.yaml"]);
    assert!(out.contains("NOR"), "{out}");
    let round = report_json(dir.path(), &["--round", "2011"]);
    assert_eq!(strings(&round["respondents"]), BTreeSet::from(["NOR".to_owned()]));
    assert_eq!(strings(&round["measures"][&code]["states"]), BTreeSet::from(["NOR".to_owned()]));

    // Importing the seed again would drop that reply: refused unless --replace.
    let before = ok(dir.path(), &["monitor", "export"]);
    let again = palermo(dir.path(), &["--dir", "obs", "monitor", "import", path_str(&seed)], &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--replace"), "{}", text(&again.stderr));
    assert_eq!(ok(dir.path(), &["monitor", "export"]), before);
    ok(dir.path(), &["monitor", "import", "--replace", path_str(&seed)]);
    assert!(report_json(dir.path(), &[])["round"]["id"] != "2011", "the seed replaced the data");

    let schema: Value = serde_json::from_str(&ok(dir.path(), &["monitor", "template", "--schema"])).expect("schema");
    let properties = schema["properties"].as_object().expect("properties");
    for key in ["questionnaire_version", "round", "state", "submitted", "measures"] {
        assert!(properties.contains_key(key), "schema lacks `{key}`");
    }
}
