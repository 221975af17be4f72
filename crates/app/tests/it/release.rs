//! The statistics of a run are one disclosure release: on the demo, the headline series that the
//! older table-by-table rule withheld are published, and the release passes its audit.

use std::path::Path;

use model::NoProgress;

async fn demo_statistics(dir: &Path) -> app::stats::Statistics {
    app::pipeline::write_demo(dir, &app::sim::SimConfig::default(), None).expect("demo");
    let observatory = app::Observatory::open(dir, None).await.expect("open");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    app::pipeline::import_sources(&observatory, today, &NoProgress).await.expect("import");
    let statistics = app::pipeline::statistics(&observatory).await.expect("statistics");
    observatory.store.close().await;
    statistics
}

#[tokio::test]
async fn the_demo_publishes_its_male_series_and_largest_flows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let statistics = demo_statistics(dir.path()).await;
    let year_sex = statistics.table("detected_by_year_sex").expect("table");
    for row in &year_sex.rows {
        if matches!(&row[1], app::stats::Cell::Text(s) if s == "male") {
            assert!(row[2].count().is_some(), "a male count is withheld: {row:?}");
        }
    }
    // The nine largest flows are published: the flows table is sorted by count, so its first
    // nine rows, which the release knows, are shown.
    let flows = statistics.table("flows").expect("table");
    let shown = flows.rows.iter().take(9).filter(|r| r[2].count().is_some()).count();
    assert_eq!(shown, 9, "{:?}", &flows.rows[..9]);
    let d = &statistics.disclosure;
    assert_eq!(d.method, "linked_tables_lp");
    assert!(d.audited_cells >= d.suppressed_cells && d.suppressed_cells > 0, "{d:?}");
}

/// Writes the demo's release as the fixture of the disclosure crate's attack test:
/// `PALERMO_RELEASE_FIXTURE=crates/disclosure/tests/it/fixtures/demo_release.txt cargo test -p app --test it -- --ignored write_the_demo_release`.
#[tokio::test]
#[ignore = "writes a fixture"]
async fn write_the_demo_release() {
    let dir = tempfile::tempdir().expect("tempdir");
    let statistics = demo_statistics(dir.path()).await;
    let path = std::env::var("PALERMO_RELEASE_FIXTURE").expect("PALERMO_RELEASE_FIXTURE");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path);
    std::fs::write(&path, statistics.release_text()).expect("write the fixture");
}
