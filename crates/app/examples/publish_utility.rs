//! Utility of each method of `palermo publish` (issue 12): the mean absolute error of the
//! published counts against the true ones, on the demo observatory, for audited suppression,
//! controlled rounding (base 3 and 5) and differential privacy at several ε.
//!
//! The counts compared are those of the tables a differentially private release holds (by year,
//! year × sex, sex × age group, citizenship, country of exploitation, cross-border, flows, SDG
//! 16.2.2 when a population table is set) and the total: the same cells for every method. For
//! suppression the error of the published counts is zero by construction; the table also gives
//! the error when a reader reads a withheld count as 0. Differential privacy is drawn `R` times
//! (fresh noise each time, not seedable): mean and standard deviation over the draws.
//!
//! Usage: `cargo run -p app --example publish_utility -- [SIZE] [SEED] [R]` (defaults 3000, 2008,
//! 20). Writes a demo observatory in a temporary folder; publishes nothing. Prints Markdown;
//! `bench/publish/UTILITY.md` holds runs.

use std::time::Instant;

use model::NoProgress;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let size: usize = args.first().map_or(Ok(3000), |a| a.parse())?;
    let seed: u64 = args.get(1).map_or(Ok(2008), |a| a.parse())?;
    let runs: usize = args.get(2).map_or(Ok(20), |a| a.parse())?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let scratch = tempfile::tempdir()?;
    let dir = scratch.path().join("demo");
    let config = app::sim::SimConfig { size, seed, ..Default::default() };
    app::pipeline::write_demo(&dir, &config, None)?;
    let statistics = runtime.block_on(async {
        let observatory = app::Observatory::open(&dir, None).await?;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("a date");
        app::pipeline::import_sources(&observatory, today, &NoProgress).await?;
        let statistics = app::pipeline::statistics(&observatory).await;
        observatory.store.close().await;
        statistics
    })?;
    let d = &statistics.disclosure;
    println!(
        "Demo: size {size}, seed {seed}; {} victims ({}), {} published cells in the release; counts compared: {}; DP sensitivity {}.\n",
        statistics.total,
        statistics.unit.describe(),
        d.cells,
        statistics.dp_cells().len(),
        statistics.dp_sensitivity()
    );
    println!(
        "| method | parameters | withheld | MAE of published counts | MAE, withheld read as 0 | max abs error | seconds |"
    );
    println!("|---|---|---|---|---|---|---|");
    let u = statistics.suppression_utility();
    println!(
        "| suppression | min_cell {}, protection {} | {} of {} | {:.2} | {:.2} | {} | (in the run) |",
        d.min_cell,
        d.protection,
        u.withheld,
        u.cells,
        u.mean_abs_error,
        u.mean_abs_error_withheld_as_zero,
        u.max_abs_error
    );
    for base in [3, 5] {
        let started = Instant::now();
        let p = statistics.rounded(base)?;
        let u = p.utility;
        println!(
            "| controlled rounding | base {base} | 0 of {} | {:.2} | {:.2} | {} | {:.2} |",
            u.cells,
            u.mean_abs_error,
            u.mean_abs_error_withheld_as_zero,
            u.max_abs_error,
            started.elapsed().as_secs_f64()
        );
    }
    for epsilon in [0.25, 0.5, 1.0, 2.0] {
        let mechanism = disclosure::Laplace::new(statistics.dp_sensitivity(), epsilon)?;
        let started = Instant::now();
        let mut maes = Vec::new();
        let mut max = 0;
        for _ in 0..runs {
            let p = statistics.noisy(&mechanism)?;
            maes.push(p.utility.mean_abs_error);
            max = max.max(p.utility.max_abs_error);
        }
        let mean = maes.iter().sum::<f64>() / runs as f64;
        let sd = (maes.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (runs.max(2) - 1) as f64).sqrt();
        println!(
            "| differential privacy | ε {epsilon} (scale {:.1}; raw noise E\\|Z\\| {:.2}) | 0 of {} | {mean:.2} ± {sd:.2} ({runs} draws) | {mean:.2} | {max} | {:.2} per draw |",
            mechanism.scale,
            mechanism.expected_abs_error(),
            statistics.dp_cells().len(),
            started.elapsed().as_secs_f64() / runs as f64
        );
    }
    Ok(())
}
