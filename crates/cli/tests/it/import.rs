//! `palermo init`, `check` and `import` as a user runs them.

use std::time::{Duration, Instant};

use crate::{palermo, text};

const MAPPING: &str = r#"
[columns]
"id" = "source_id"
"year" = "year"
"sex" = "sex"
"age" = "age"
"given" = "given_name"
"family" = "family_name"
"born" = "date_of_birth"
[values.sex]
W = "female"
M = "male"
[constants]
role = "victim_presumed"
"#;

fn rows(n: usize, bad_every: usize) -> String {
    let mut out = String::from("id,year,sex,age,given,family,born\n");
    for i in 0..n {
        let sex = if bad_every > 0 && i % bad_every == 7 {
            "Q"
        } else if i % 2 == 0 {
            "W"
        } else {
            "M"
        };
        out.push_str(&format!(
            "r{i},{},{sex},{},Zorana{i},Kowalczyk{i},{}-02-{:02}\n",
            2018 + i % 6,
            10 + i % 60,
            1950 + i % 60,
            1 + i % 28
        ));
    }
    out
}

fn setup(n: usize, bad_every: usize) -> tempfile::TempDir {
    setup_with(&rows(n, bad_every))
}

/// A new observatory `obs` with the NGO's mapping and `csv` as its file.
fn setup_with(csv: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let init = palermo(dir.path(), &["init", "obs", "--country", "XDL"], &[]);
    assert!(init.status.success(), "{}", text(&init.stderr));
    std::fs::write(dir.path().join("obs/mappings/ngo.toml"), MAPPING).expect("mapping");
    std::fs::write(dir.path().join("obs/data/ngo.csv"), csv).expect("data");
    dir
}

/// `palermo import` of the NGO's file into `obs`.
const IMPORT: [&str; 10] = [
    "--dir",
    "obs",
    "import",
    "--source",
    "ngo",
    "--kind",
    "ngo",
    "--mapping",
    "obs/mappings/ngo.toml",
    "obs/data/ngo.csv",
];

#[test]
fn exit_codes_say_whether_the_data_had_problems() {
    let dir = setup(40, 10);
    let obs = dir.path().join("obs");
    let args = IMPORT;
    let first = palermo(dir.path(), &args, &[]);
    assert_eq!(first.status.code(), Some(1), "quarantined rows exit 1: {}", text(&first.stderr));
    let out = text(&first.stdout);
    assert!(out.contains("36 rows stored, 4 quarantined"), "{out}");
    assert!(out.contains("row 9, column `sex` (sex), value `Q`"), "{out}");

    let second = palermo(dir.path(), &args, &[]);
    assert!(text(&second.stdout).contains("already imported"), "{}", text(&second.stdout));

    let check = palermo(
        dir.path(),
        &["check", "obs/data/ngo.csv", "--mapping", "obs/mappings/ngo.toml", "--format", "json"],
        &[],
    );
    assert_eq!(check.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("json report");
    assert_eq!(report["rows_bad"], 4);
    assert_eq!(report["errors"][0]["column"], "sex");

    let usage = palermo(dir.path(), &["import"], &[]);
    assert_eq!(usage.status.code(), Some(2));
    let missing = palermo(dir.path(), &["--dir", "nowhere", "import", "--source", "x", "f.csv"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("palermo.toml"), "{}", text(&missing.stderr));
    assert!(obs.join("palermo.db").exists());
}

#[test]
fn the_database_and_the_observatory_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = setup(10, 0);
    let args = ["--dir", "obs", "import", "--source", "ngo", "--kind", "ngo", "--mapping", "obs/mappings/ngo.toml"];
    let import = palermo(dir.path(), &[&args[..], &["obs/data/ngo.csv"]].concat(), &[]);
    assert!(import.status.success(), "{}", text(&import.stderr));
    let obs = dir.path().join("obs");
    for name in ["", "palermo.db", "palermo.db-wal", "palermo.db-shm"] {
        let path = obs.join(name);
        if let Ok(metadata) = std::fs::metadata(&path) {
            let mode = metadata.permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}", path.display());
        }
    }
}

#[test]
fn a_source_name_given_on_the_command_line_is_checked() {
    let dir = setup(5, 0);
    let args = ["--dir", "obs", "import", "--kind", "ngo", "--mapping", "obs/mappings/ngo.toml", "obs/data/ngo.csv"];
    let import = palermo(dir.path(), &[&args[..], &["--source", "=1+cmd"]].concat(), &[]);
    assert_eq!(import.status.code(), Some(2), "{}", text(&import.stdout));
    assert!(text(&import.stderr).contains("must be made of a-z, 0-9 and _"), "{}", text(&import.stderr));
}

#[test]
fn logs_and_errors_never_show_identifying_fields() {
    let dir = setup(30, 10);
    let args = IMPORT;
    let out = palermo(dir.path(), &args, &[("PALERMO_LOG", "trace")]);
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(all.contains("imported file"), "trace logs are on: {all}");
    // A full date of birth (row 7): a bare year could appear by chance in a logged duration.
    for secret in ["Zorana", "Kowalczyk", "1957-02-08"] {
        assert!(!all.contains(secret), "`{secret}` leaked into output or logs");
    }
    // An identifying value in a bad cell is masked in the error.
    std::fs::write(
        dir.path().join("obs/data/bad.csv"),
        "id,year,sex,age,given,family,born\nb1,2020,W,30,Zorana,Kowalczyk,31/31/1990\n",
    )
    .expect("write");
    let bad = palermo(
        dir.path(),
        &["check", "obs/data/bad.csv", "--mapping", "obs/mappings/ngo.toml"],
        &[("PALERMO_LOG", "trace")],
    );
    let all = text(&bad.stdout) + &text(&bad.stderr);
    assert!(all.contains("column `born` (date_of_birth), value `<10 characters hidden>`"), "{all}");
    assert!(!all.contains("31/31/1990"));
}

/// Killing the process in the middle of an import leaves the database as it was before the file.
#[test]
fn a_killed_import_leaves_the_database_consistent() {
    let dir = setup(20, 0);
    let big = dir.path().join("obs/data/big.csv");
    std::fs::write(&big, rows(150_000, 0)).expect("big file");
    let small_args = IMPORT;
    assert!(palermo(dir.path(), &small_args, &[]).status.success());

    let big_args = [
        "--dir",
        "obs",
        "import",
        "--source",
        "big",
        "--kind",
        "ngo",
        "--mapping",
        "obs/mappings/ngo.toml",
        "obs/data/big.csv",
    ];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_palermo"))
        .current_dir(dir.path())
        .args(big_args)
        .spawn()
        .expect("spawn");
    // Wait until the import is writing (the WAL file grows), then kill it without warning.
    let wal = dir.path().join("obs/palermo.db-wal");
    let start = Instant::now();
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 2_000_000 {
        assert!(start.elapsed() < Duration::from_secs(120), "the import never started writing");
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the import finished before it could be killed: make the file bigger"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");

    let stats = palermo(dir.path(), &["--dir", "obs", "--format", "json", "status"], &[]);
    assert!(stats.status.success(), "{}", text(&stats.stderr));
    let status: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("json");
    assert_eq!(status["records"], 20, "only the first file's records: {status}");
    assert_eq!(status["submissions"].as_array().map(Vec::len), Some(1), "{status}");

    // The same import, run to its end, stores everything.
    let rerun = palermo(dir.path(), &big_args, &[]);
    assert!(rerun.status.success(), "{}", text(&rerun.stderr));
    let stats = palermo(dir.path(), &["--dir", "obs", "--format", "json", "status"], &[]);
    let status: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("json");
    assert_eq!(status["records"], 150_020);
}

/// A pronounceable name for number `i`, different for every `i` (names are normalised to
/// letters, so digits would not tell people apart).
fn name(mut i: usize, first: &str) -> String {
    let syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "za", "be"];
    let mut out = first.to_owned();
    for _ in 0..3 {
        out.push_str(syllables[i % 10]);
        i /= 10;
    }
    out
}

/// One agency alone: a person it registered twice (a new case number a year later) is counted
/// once, and `link` says so; there is no estimate from one list.
#[test]
fn one_source_is_deduplicated() {
    let mut csv = String::from("id,year,sex,age,given,family,born\n");
    let person = |i: usize| {
        format!("{},{},{}-{:02}-{:02}", name(i, "A"), name(i * 7 % 300, "Be"), 1960 + i % 45, 1 + i % 12, 1 + i % 28)
    };
    for i in 0..300 {
        csv.push_str(&format!("r{i},2021,W,,{}\n", person(i)));
    }
    for i in 0..40 {
        csv.push_str(&format!("again{i},2022,W,,{}\n", person(i * 5)));
    }
    let dir = setup_with(&csv);
    let import = palermo(dir.path(), &IMPORT, &[]);
    assert!(import.status.success(), "{}", text(&import.stderr));
    let link = palermo(dir.path(), &["--dir", "obs", "link"], &[]);
    assert!(link.status.success(), "{}", text(&link.stderr));
    assert!(text(&link.stdout).contains("340 records linked into 300 persons"), "{}", text(&link.stdout));
    let estimate = palermo(dir.path(), &["--dir", "obs", "estimate"], &[]);
    assert!(!estimate.status.success());
    assert!(text(&estimate.stderr).contains("two or more sources"), "{}", text(&estimate.stderr));
    // The report leaves out what has no data (no justice source, no flow between two known
    // countries), and says so, instead of showing 0 / 0 / 0 and empty axes.
    let run = palermo(dir.path(), &["--dir", "obs", "run"], &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let html = std::fs::read_to_string(dir.path().join("obs/out/report.html")).expect("report");
    assert!(!html.contains("The criminal-justice response"), "no justice section without a justice source");
    assert!(html.contains("the criminal-justice section is left out"));
    assert!(!html.contains("Citizenship → country of exploitation"), "no flows section without flows");
}

/// `init` then `run`: no page of empty axes, but what is missing and what to do next.
#[test]
fn an_empty_observatory_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let init = palermo(dir.path(), &["init", "obs", "--country", "XDL"], &[]);
    assert!(init.status.success(), "{}", text(&init.stderr));
    let run = palermo(dir.path(), &["--dir", "obs", "run"], &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains("no victim records yet"), "{}", text(&run.stdout));
    let html = std::fs::read_to_string(dir.path().join("obs/out/report.html")).expect("report");
    assert!(html.contains("No victim records yet"));
    assert!(!html.contains("Detected victims by year"), "no empty chart");
}

/// `[limits]` in palermo.toml bounds what a file may ask of the reader; a file past a limit is
/// refused with the limit named, and nothing is stored.
#[test]
fn limits_in_the_settings_apply_to_imports() {
    let dir = setup(10, 0);
    let settings = dir.path().join("obs/palermo.toml");
    let toml_without_limits = std::fs::read_to_string(&settings).expect("palermo.toml");
    let mut toml = toml_without_limits.clone();
    toml.push_str("\n[limits]\nmax_columns = 3\n");
    std::fs::write(&settings, toml).expect("palermo.toml");
    let import = palermo(dir.path(), &IMPORT, &[]);
    assert_eq!(import.status.code(), Some(2), "{}", text(&import.stdout));
    let error = text(&import.stderr);
    assert!(error.contains("more than the limit of 3 (`max_columns`)"), "{error}");
    let status = palermo(dir.path(), &["--dir", "obs", "--format", "json", "status"], &[]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(status["records"], 0, "{status}");
    // Without the limit, the same file imports.
    std::fs::write(&settings, toml_without_limits).expect("palermo.toml");
    assert!(palermo(dir.path(), &IMPORT, &[]).status.success());
}
