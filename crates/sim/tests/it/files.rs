//! The files against the truth: determinism, record counts, malformed rows, the XLSX workbook,
//! encodings and the observatory's own files.

use crate::{default_demo, latin1, read_agency};

#[test]
fn same_config_gives_identical_bytes_and_another_seed_does_not() {
    let config = sim::SimConfig { size: 800, ..sim::SimConfig::default() };
    let a = sim::simulate(&config).expect("simulates");
    let b = sim::simulate(&config).expect("simulates");
    assert_eq!(a.files.keys().collect::<Vec<_>>(), b.files.keys().collect::<Vec<_>>());
    for (path, bytes) in &a.files {
        assert!(bytes == &b.files[path], "{path} differs between two runs with the same seed");
    }
    let c = sim::simulate(&sim::SimConfig { seed: 7, ..config }).expect("simulates");
    for path in ["data/police.csv", "data/labour_inspection.xlsx", "data/immigration.json", "truth.json"] {
        assert!(a.files[path] != c.files[path], "{path} does not depend on the seed");
    }
}

#[test]
fn truth_json_is_the_truth_value() {
    let demo = default_demo();
    let parsed: sim::Truth = serde_json::from_slice(&demo.files["truth.json"]).expect("truth.json parses");
    assert_eq!(parsed, demo.truth);
    assert_eq!(parsed.n_total, sim::SimConfig::default().size);
    assert_eq!(parsed.persons.len(), parsed.n_total);
}

#[test]
fn record_counts_and_malformed_rows_match_the_files() {
    let demo = default_demo();
    assert_eq!(demo.truth.agencies.len(), 6);
    for (agency, t) in &demo.truth.agencies {
        let (header, rows) = read_agency(demo, &t.file);
        assert!(!header.is_empty());
        assert_eq!(rows.len(), t.n_records_written, "{agency}: rows in file vs truth");
        assert_eq!(t.n_valid_records + t.n_malformed, t.n_records_written);
        assert!((4..=5).contains(&t.n_malformed), "{agency}: {} malformed rows", t.n_malformed);
        // The valid records are the detections: one per person plus within-agency repeats.
        assert_eq!(t.n_valid_records, t.n_persons + t.n_within_source_duplicates, "{agency}");
        let records: Vec<_> = demo.truth.records.iter().filter(|r| &r.source == agency).collect();
        assert_eq!(records.len(), t.n_records_written);
        let header_rows = usize::from(!t.file.ends_with(".json"));
        for (i, record) in records.iter().enumerate() {
            assert_eq!(record.row, i + 1);
            assert_eq!(record.file_row, i + 1 + header_rows);
            // JSON objects have sorted keys; the id key sorts first in every dialect but JSON.
            let id_col = header.iter().position(|h| h == "caseId").unwrap_or(0);
            assert_eq!(rows[i][id_col], record.source_id, "{agency} row {}", record.row);
        }
        for bad in &t.malformed {
            let row = &rows[bad.row - 1];
            match bad.reason.as_str() {
                "ragged_line" => assert!(row.len() < header.len(), "{agency}: ragged row is full"),
                "duplicate_source_id" => {
                    let earlier = records[..bad.row - 1].iter().filter(|r| r.source_id == bad.source_id).count();
                    assert_eq!(earlier, 1, "{agency}: duplicate id without an earlier row");
                }
                "impossible_age" => assert!(row.iter().any(|c| c == "187")),
                "future_date" => assert!(row.iter().any(|c| c.contains("2099"))),
                _ => {}
            }
        }
        let distinct_reasons: std::collections::BTreeSet<_> = t.malformed.iter().map(|m| &m.reason).collect();
        assert_eq!(distinct_reasons.len(), t.n_malformed, "{agency}: one malformed row per reason");
    }
    // Only the police register people twice.
    for (agency, t) in &demo.truth.agencies {
        assert_eq!(t.n_within_source_duplicates > 0, agency == "police", "{agency}");
    }
}

#[test]
fn capture_histories_add_up_to_the_detected_persons() {
    let truth = &default_demo().truth;
    let mut lines = truth.capture_histories.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(header.len(), truth.lists.len() + 1);
    assert_eq!(header.last(), Some(&"count"));
    let mut total = 0;
    let mut list_sizes = vec![0; truth.lists.len()];
    for line in lines {
        let fields: Vec<usize> = line.split(',').map(|f| f.parse().expect("integer")).collect();
        let count = *fields.last().expect("count");
        assert!(count > 0 && fields[..fields.len() - 1].contains(&1));
        total += count;
        for (size, bit) in list_sizes.iter_mut().zip(&fields) {
            *size += bit * count;
        }
    }
    assert_eq!(total, truth.n_detected);
    for (list, size) in truth.lists.iter().zip(list_sizes) {
        assert_eq!(truth.agencies[list].n_persons, size, "{list}");
    }
    assert_eq!(truth.breakdowns.detected.total, truth.n_detected);
    let by_year: usize = truth.breakdowns.hidden.by_year.iter().map(|y| y.persons).sum();
    assert_eq!(by_year, truth.n_total);
}

#[test]
fn xlsx_opens_with_numbers_for_ages() {
    use calamine::{Data, Reader, Xlsx};
    let demo = default_demo();
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(demo.files["data/labour_inspection.xlsx"].clone()))
            .expect("the XLSX opens");
    assert_eq!(workbook.sheet_names(), vec!["Inspections".to_owned()]);
    let range = workbook.worksheet_range("Inspections").expect("sheet");
    let header: Vec<String> = range.rows().next().expect("header").iter().map(|c| c.to_string()).collect();
    let age = header.iter().position(|h| h == "Age").expect("an Age column");
    let numbers = range.rows().skip(1).filter(|r| matches!(r[age], Data::Float(_) | Data::Int(_))).count();
    assert!(numbers > range.height() / 2, "ages should be numeric cells");
}

#[test]
fn encodings_and_scripts_are_as_documented() {
    let demo = default_demo();
    let ngo = &demo.files["data/ngo.csv"];
    assert!(std::str::from_utf8(ngo).is_err(), "the NGO file should be ISO 8859-1, not UTF-8");
    assert!(latin1(ngo).contains("\r\n"));
    let immigration = std::str::from_utf8(&demo.files["data/immigration.json"]).expect("UTF-8");
    assert!(immigration.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)), "no Cyrillic names");
    // The hotline keeps initials only.
    let (header, rows) = crate::read_delimited(&demo.files["data/hotline.csv"], b',');
    for column in ["Given initial", "Family initial"] {
        let col = header.iter().position(|h| h == column).expect("an initials column");
        assert!(rows.iter().filter_map(|r| r.get(col)).all(|v| v.chars().count() <= 1));
    }
    let shelter = std::str::from_utf8(&demo.files["data/shelter.tsv"]).expect("UTF-8");
    assert!(shelter.lines().next().expect("header").contains('\t'));
}

#[test]
fn observatory_files_name_every_source() {
    let demo = default_demo();
    let toml: toml::Table = std::str::from_utf8(&demo.files["palermo.toml"]).expect("UTF-8").parse().expect("TOML");
    let observatory = toml["observatory"].as_table().expect("[observatory]");
    assert_eq!(observatory["country"].as_str(), Some("XDL"));
    assert_eq!(observatory["years"].as_array().map(Vec::len), Some(2));
    let sources = toml["sources"].as_array().expect("[[sources]]");
    assert_eq!(sources.len(), 7);
    for source in sources {
        for key in ["file", "mapping"] {
            let path = source[key].as_str().expect("a path");
            assert!(demo.files.contains_key(path), "{path} named in palermo.toml but not written");
        }
        let name = source["name"].as_str().expect("name");
        assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
    }
    let population = std::str::from_utf8(&demo.files["data/population.csv"]).expect("UTF-8");
    assert!(population.starts_with("year,sex,age_group,population\n"));
    assert_eq!(population.lines().count(), 1 + 5 * 4);
}

#[test]
fn justice_chain_shrinks_along_the_stages() {
    let truth = &default_demo().truth;
    let years = truth.config.years;
    for year in years[0]..=years[1] {
        let at = |stage: &str| {
            truth.justice.iter().filter(|j| j.year == year && j.stage == stage).map(|j| j.persons).sum::<u64>()
        };
        assert!(at("investigated") > 0);
        assert!(at("prosecuted") < at("investigated"));
        assert!(at("convicted") + at("acquitted") <= at("prosecuted"));
        assert!(at("convicted") > at("acquitted"));
    }
    let (header, rows) = crate::read_delimited(&default_demo().files["data/justice.csv"], b',');
    assert_eq!(header.len(), 8);
    let total: u64 = rows.iter().map(|r| r[7].parse::<u64>().expect("count")).sum();
    assert_eq!(total, truth.justice.iter().map(|j| j.persons).sum::<u64>());
    assert!(rows.iter().all(|r| r[5].starts_with("0204")));
}

#[test]
fn invalid_configurations_are_refused() {
    for config in [
        sim::SimConfig { size: 0, ..sim::SimConfig::default() },
        sim::SimConfig { years: (2024, 2020), ..sim::SimConfig::default() },
        sim::SimConfig { years: (1980, 2020), ..sim::SimConfig::default() },
    ] {
        assert!(matches!(sim::simulate(&config), Err(sim::Error::InvalidConfig { .. })), "{config:?}");
    }
    let small = sim::simulate(&sim::SimConfig { size: 1, years: (2023, 2023), seed: 3 }).expect("one person");
    assert_eq!(small.truth.n_total, 1);
}
