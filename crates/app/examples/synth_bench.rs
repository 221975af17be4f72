//! For `bench/publish/run.sh`: the demo's person rows in CTDC variables at full detail (the
//! sensitive input of a synthesizer, written only where the bench asks, never under `out/`),
//! and Palermo's synthetic file made from them, with the synthesis's wall time.
//!
//! Usage (after `palermo demo DIR --run`):
//! `cargo run --release -p app --example synth_bench -- DIR SCRATCH K [REPORTING_LENGTH]`
//! writes `SCRATCH/sensitive.csv` and `SCRATCH/palermo_synthetic.csv` and prints
//! `{"rows": …, "seconds": …, "mae_by_length": […]}`.

use std::path::PathBuf;

use app::stats::Counted;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, scratch, k, rest @ ..] = args.as_slice() else {
        return Err("usage: synth_bench DIR SCRATCH K [REPORTING_LENGTH]".into());
    };
    let k: usize = k.parse()?;
    let length: usize = rest.first().map_or(Ok(3), |l| l.parse())?;
    let scratch = PathBuf::from(scratch);
    std::fs::create_dir_all(&scratch)?;
    let observatory = app::Observatory::open(&PathBuf::from(dir), None).await?;
    let analysis = app::pipeline::analyse(&observatory, &model::NoProgress).await?;
    let linkage = analysis.linkage.ok_or("the observatory's records could not be linked")?;
    let units: Vec<&dyn Counted> = linkage.persons.iter().map(|p| p as &dyn Counted).collect();
    let mut rows: Vec<Vec<Option<String>>> = units.iter().map(|u| app::microdata::ctdc_row(*u)).collect();
    rows.sort();
    std::fs::write(scratch.join("sensitive.csv"), app::microdata::to_csv(&app::microdata::CTDC_COLUMNS, &rows))?;
    let params = disclosure::synth::SynthParams {
        k,
        reporting_length: length,
        seed: observatory.settings.observatory.seed,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let synthetic = disclosure::synth::synthesise(&rows, app::microdata::CTDC_COLUMNS.len(), &params);
    let seconds = started.elapsed().as_secs_f64();
    std::fs::write(
        scratch.join("palermo_synthetic.csv"),
        app::microdata::to_csv(&app::microdata::CTDC_COLUMNS, &synthetic.rows),
    )?;
    println!(
        "{}",
        serde_json::json!({ "rows": rows.len(), "seconds": seconds, "mae_by_length": synthetic.utility.mae, "values_emptied": synthetic.values_emptied })
    );
    observatory.store.close().await;
    Ok(())
}
