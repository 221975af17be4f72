//! For `bench/publish/run.sh`: the demo's person rows in CTDC variables at full detail (the
//! sensitive input of a synthesizer, written only where the bench asks, never under `out/`),
//! and Palermo's synthetic files made from them — k-anonymous, and differentially private at each
//! ε asked — with the synthesis's wall time.
//!
//! Usage (after `palermo demo DIR --run`):
//! `cargo run --release -p app --example synth_bench -- DIR SCRATCH K [REPORTING_LENGTH] [EPSILONS]`
//! writes `SCRATCH/sensitive.csv`, `SCRATCH/palermo_synthetic.csv` (k-anonymous) and, for each ε
//! of the comma-separated `EPSILONS`, `SCRATCH/palermo_dp_<ε>.csv`, and prints one JSON object:
//! `{"rows": …, "k": {"seconds": …, "mae_by_length": […], "profiles": …}, "dp": [{"epsilon": …,
//! "seconds": …, "file": …, "sensitivity_by_length": […]}, …]}` (the DP utility is computed by the
//! bench's comparison, as pac-synth's is).

use std::path::PathBuf;

use app::stats::Counted;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, scratch, k, rest @ ..] = args.as_slice() else {
        return Err("usage: synth_bench DIR SCRATCH K [REPORTING_LENGTH] [EPSILONS]".into());
    };
    let k: usize = k.parse()?;
    let length: usize = rest.first().map_or(Ok(3), |l| l.parse())?;
    let epsilons: Vec<f64> = match rest.get(1) {
        Some(list) if !list.is_empty() => list.split(',').map(str::parse).collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    let scratch = PathBuf::from(scratch);
    std::fs::create_dir_all(&scratch)?;
    let observatory = app::Observatory::open(&PathBuf::from(dir), None).await?;
    let analysis = app::pipeline::analyse(&observatory, &model::NoProgress).await?;
    let linkage = analysis.linkage.ok_or("the observatory's records could not be linked")?;
    let units: Vec<&dyn Counted> = linkage.persons.iter().map(|p| p as &dyn Counted).collect();
    let mut rows: Vec<Vec<Option<String>>> = units.iter().map(|u| app::microdata::ctdc_row(*u)).collect();
    rows.sort();
    let columns = &app::microdata::CTDC_COLUMNS;
    std::fs::write(scratch.join("sensitive.csv"), app::microdata::to_csv(columns, &rows))?;
    let seed = observatory.settings.observatory.seed;

    let params = disclosure::synth::SynthParams { k, reporting_length: length, seed, ..Default::default() };
    let started = std::time::Instant::now();
    let synthetic = disclosure::synth::synthesise(&rows, columns.len(), &params);
    let seconds = started.elapsed().as_secs_f64();
    std::fs::write(scratch.join("palermo_synthetic.csv"), app::microdata::to_csv(columns, &synthetic.rows))?;
    let k_result = serde_json::json!({
        "seconds": seconds,
        "mae_by_length": synthetic.utility.mae,
        "profiles": synthetic.profiles,
    });

    // The differentially private mode at each ε, over the codebook's domain (the demo's years
    // from `[observatory] years` when set).
    let (domain, from_data) = app::microdata::ctdc_domain(&rows, observatory.settings.observatory.years);
    let mut dp = Vec::new();
    for epsilon in epsilons {
        let params = disclosure::synth::DpSynthParams { epsilon, seed, ..Default::default() };
        let started = std::time::Instant::now();
        let synthetic = disclosure::synth::synthesise_dp(&rows, &domain, &params)?;
        let seconds = started.elapsed().as_secs_f64();
        let file = format!("palermo_dp_{epsilon}.csv");
        std::fs::write(scratch.join(&file), app::microdata::to_csv(columns, &synthetic.rows))?;
        let mechanisms: Vec<&disclosure::Laplace> = synthetic.aggregates.mechanisms.iter().flatten().collect();
        dp.push(serde_json::json!({
            "epsilon": synthetic.aggregates.epsilon(),
            "seconds": seconds,
            "file": file,
            "reporting_length": params.reporting_length,
            "max_attributes": params.max_attributes,
            "sensitivity_by_length": mechanisms.iter().map(|m| m.sensitivity).collect::<Vec<_>>(),
            "domain_from_data": from_data,
        }));
    }
    println!("{}", serde_json::json!({ "rows": rows.len(), "k": k_result, "dp": dp }));
    observatory.store.close().await;
    Ok(())
}
