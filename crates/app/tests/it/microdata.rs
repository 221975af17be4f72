//! Person-level outputs and the SDMX-CSV file of a release, on the demo and on simulated
//! observatories: every quasi-identifier combination of the CTDC export and every combination of
//! up to three values of the synthetic file occur at least k times (counted here, not by the code
//! that made them); the SDMX file shows no withheld cell.

use std::collections::BTreeMap;
use std::path::Path;

use app::stats::{Cell, Counted};
use model::NoProgress;

/// Imports a simulated observatory into `dir` and checks its outputs.
async fn check(dir: &Path, config: &app::sim::SimConfig) {
    app::pipeline::write_demo(dir, config, None).expect("demo");
    let observatory = app::Observatory::open(dir, None).await.expect("open");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    app::pipeline::import_sources(&observatory, today, &NoProgress).await.expect("import");
    let analysis = app::pipeline::analyse(&observatory, &model::NoProgress).await.expect("analyse");
    let linkage = analysis.linkage.as_ref().expect("the demo is linked");
    let units: Vec<&dyn Counted> = linkage.persons.iter().map(|p| p as &dyn Counted).collect();
    let label = format!("size {} seed {}", config.size, config.seed);

    // CTDC export: k-anonymous over its five quasi-identifiers.
    let params = disclosure::kanon::KAnonymity::default();
    let ctdc = app::microdata::ctdc_export(&units, &params);
    let (header, rows) = read(&ctdc.csv);
    assert_eq!(header, app::microdata::CTDC_COLUMNS.map(str::to_owned).to_vec(), "{label}");
    let mut classes: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for row in &rows {
        *classes.entry(row[..5].to_vec()).or_default() += 1;
    }
    for (combination, n) in &classes {
        assert!(*n >= params.k, "{label}: {combination:?} occurs {n} times in ctdc.csv");
    }
    assert_eq!(ctdc.sidecar["k_anonymity"]["k_achieved"].as_u64(), classes.values().min().map(|n| *n as u64));
    assert!(rows.len() + 5 >= units.len() * 9 / 10, "{label}: {} of {} rows kept", rows.len(), units.len());
    // Codes are CTDC's.
    for row in &rows {
        assert!(["", "Man", "Woman", "Trans/Transgender/NonConforming"].contains(&row[1].as_str()), "{row:?}");
        for flag in &row[6..] {
            assert!(flag.is_empty() || flag == "1", "{row:?}");
        }
    }

    // Synthetic file: every combination of up to three values occurs at least k times.
    let synth = disclosure::synth::SynthParams { passes: 2, ..Default::default() };
    let synthetic = app::microdata::synthetic_export(&units, &synth);
    let (_, rows) = read(&synthetic.csv);
    assert!(rows.len().abs_diff(units.len()) * 10 <= units.len(), "{label}: {} rows for {}", rows.len(), units.len());
    let mut combinations: BTreeMap<Vec<(usize, &str)>, usize> = BTreeMap::new();
    for row in &rows {
        let values: Vec<(usize, &str)> =
            row.iter().enumerate().filter(|(_, v)| !v.is_empty()).map(|(j, v)| (j, v.as_str())).collect();
        for a in 0..values.len() {
            *combinations.entry(vec![values[a]]).or_default() += 1;
            for b in a + 1..values.len() {
                *combinations.entry(vec![values[a], values[b]]).or_default() += 1;
                for c in b + 1..values.len() {
                    *combinations.entry(vec![values[a], values[b], values[c]]).or_default() += 1;
                }
            }
        }
    }
    for (combination, n) in &combinations {
        assert!(*n >= synth.k, "{label}: {combination:?} occurs {n} times in synthetic.csv");
    }

    // SDMX-CSV: the header, and no value of a withheld cell.
    let statistics = &analysis.statistics;
    let sdmx = app::sdmx::output(statistics, &observatory.settings.observatory.country);
    let (header, rows) = read(&sdmx.csv);
    assert_eq!(header, app::sdmx::COLUMNS.map(str::to_owned).to_vec());
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let year_sex = statistics.table("detected_by_year_sex").expect("table");
    let mut checked = 0;
    for row in &rows {
        let value = &row[col("OBS_VALUE")];
        let status = &row[col("OBS_STATUS")];
        assert_eq!(value.is_empty(), status == "Q", "{row:?}");
        if row[col("UNIT_MEASURE")] == "NUMBER"
            && let Ok(n) = value.parse::<u64>()
        {
            assert!(n == 0 || n >= 5, "{label}: a count of {n} in the SDMX file: {row:?}");
        }
        // The series by year and sex is the protected year × sex table, cell for cell.
        if row[col("SERIES")] == "VC_HTF_DETV" && row[col("AGE")] == "_T" && row[col("SEX")] != "_T" {
            let sex = if row[col("SEX")] == "F" { "female" } else { "male" };
            let cell = year_sex
                .rows
                .iter()
                .find(|r| r[0] == Cell::Text(row[col("TIME_PERIOD")].clone()) && r[1] == Cell::Text(sex.into()))
                .map(|r| r[2].clone())
                .expect("the table's cell");
            match cell {
                Cell::Suppressed => assert!(value.is_empty(), "{label}: withheld cell shown: {row:?}"),
                Cell::Count(n) => assert_eq!(value, &n.to_string()),
                other => panic!("{other:?}"),
            }
            checked += 1;
        }
    }
    assert!(checked >= 2, "{label}: {checked} year × sex observations");
    observatory.store.close().await;
}

fn read(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.expect("row").iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

#[tokio::test]
async fn the_demo_outputs_are_k_anonymous_and_show_no_withheld_cell() {
    let dir = tempfile::tempdir().expect("tempdir");
    check(&dir.path().join("demo"), &app::sim::SimConfig::default()).await;
}

#[tokio::test]
async fn simulated_observatories_outputs_are_k_anonymous() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (size, seed) in [(400, 5), (250, 17), (700, 23)] {
        let config = app::sim::SimConfig { size, seed, ..Default::default() };
        check(&dir.path().join(format!("obs{seed}")), &config).await;
    }
}
