//! `palermo estimate --counts FILE.csv`: Multiple Systems Estimation of the hidden number of
//! victims from how agencies' lists overlap.

use std::path::PathBuf;

use anyhow::Context;
use app::published::whole;
use clap::Args;

use crate::commands::Globals;
use crate::output::{Table, print, print_json};
use crate::progress::Bar;
use crate::{Format, Status};

#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Capture histories: one 0/1 column per list and a `count` column. Without it, the
    /// observatory's records are linked into persons and their list memberships are used.
    #[arg(long)]
    pub counts: Option<PathBuf>,
    /// Estimator. With --counts: stepwise (SparseMSE's rule), bic, aic, main, fixed:A:B,B:C, or
    /// lcmcr (Bayesian latent classes, LCMCR's settings, 4 chains), dga (Bayesian averaging over
    /// decomposable graphs), rcapture (Rcapture's M0, Mt, Mh, Mth) [default: stepwise]. On the
    /// observatory: a comma-separated list of the estimators of `[estimate] methods` (stepwise,
    /// bic, aic, main, lcmcr, dga, mth-chao, mth-darroch, …) [default: `[estimate] methods` in
    /// palermo.toml].
    #[arg(long)]
    pub method: Option<String>,
    /// Bootstrap replicates for the BCa interval (0 skips the bootstrap).
    #[arg(long, default_value_t = 1000)]
    pub nboot: usize,
    /// Seed of the bootstrap [default: on the observatory, its `seed` in palermo.toml, as `run`
    /// uses, so both print the same interval; with --counts, 1234, SparseMSE's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// p-value threshold of the stepwise rule.
    #[arg(long, default_value_t = 0.02)]
    pub pthresh: f64,
    /// Also estimate by stratum of these fields, one at a time (comma-separated: sex, age_group,
    /// exploitation, …; `none` for no strata) [default: on the observatory, `[estimate] strata` in
    /// palermo.toml; not with --counts].
    #[arg(long, value_delimiter = ',')]
    pub strata: Option<Vec<String>>,
}

pub async fn run(globals: &Globals, args: EstimateArgs) -> anyhow::Result<Status> {
    let method_name = args.method.clone().unwrap_or_else(|| "stepwise".to_owned());
    if args.counts.is_some() && matches!(method_name.as_str(), "lcmcr" | "dga" | "rcapture") {
        return run_other_estimator(globals, &args, &method_name);
    }
    let method: app::estimate::Method = if args.counts.is_some() {
        method_name.parse().map_err(|e| anyhow::anyhow!("--method: {e}"))?
    } else {
        app::estimate::Method::Stepwise
    };
    let mut options = app::estimate::EstimateOptions {
        method,
        nboot: args.nboot,
        seed: args.seed.unwrap_or(app::estimate::EstimateOptions::default().seed),
        pthresh: args.pthresh,
        ..Default::default()
    };
    let mut linked = None;
    let mut comparison = None;
    let mut strata = Vec::new();
    if args.counts.is_some() && args.strata.is_some() {
        anyhow::bail!("--strata needs the observatory's linked persons, not --counts");
    }
    let report = match &args.counts {
        Some(path) => app::estimate::estimate_counts(path, &options, &Bar::default())?,
        None => {
            let observatory = app::Observatory::open(&globals.dir, globals.database.as_deref())
                .await
                .with_context(|| format!("opening the observatory in {}", globals.dir.display()))?;
            options.seed = args.seed.unwrap_or(observatory.settings.observatory.seed);
            let mut estimate_settings = observatory.settings.estimate.clone();
            if let Some(list) = &args.method {
                estimate_settings.methods = list.split(',').map(|m| m.trim().to_owned()).collect();
                for name in &estimate_settings.methods {
                    app::methods::MethodSpec::parse(name).map_err(|e| anyhow::anyhow!("--method: {e}"))?;
                }
            }
            options.method = app::methods::log_linear_method(&estimate_settings)?;
            let analysis = app::pipeline::analyse(&observatory, &Bar::default()).await?;
            observatory.store.close().await;
            let linkage = analysis.linkage.filter(|l| l.records_by_source.len() >= 2).context(
                "an estimate needs the linked records of two or more sources with identifying fields (or give --counts)",
            )?;
            let report = app::estimate::estimate_table(&linkage.capture_table()?, &options, &Bar::default())?;
            let settings = &observatory.settings;
            let fields = match &args.strata {
                Some(fields) if fields.iter().any(|f| f == "none") => Vec::new(),
                Some(fields) => fields.clone(),
                None => settings.estimate.strata.clone(),
            };
            if let Some(bad) = fields.iter().find(|f| !app::strata::is_stratifying_field(f)) {
                anyhow::bail!(
                    "--strata: `{bad}` is not a field persons can be split by (one of: {})",
                    app::strata::stratifying_fields().join(", ")
                );
            }
            strata = app::strata::estimate(
                &linkage,
                &fields,
                &options,
                settings.estimate.min_stratum,
                settings.disclosure.min_cell,
            )?;
            let uncertainty = linkage.uncertainty(&report);
            comparison = Some(app::methods::compare(
                &linkage.capture_table()?,
                Some(&linkage),
                &estimate_settings,
                options.seed,
                (&report, uncertainty.as_ref()),
                &Bar::default(),
            )?);
            linked = Some((uncertainty, linkage.warnings));
            report
        }
    };
    if globals.format == Format::Json {
        let mut json = serde_json::to_value(&report)?;
        if let (Some((uncertainty, warnings)), Some(map)) = (&linked, json.as_object_mut()) {
            map.insert("linkage_uncertainty".to_owned(), serde_json::to_value(uncertainty)?);
            map.insert("linkage_warnings".to_owned(), serde_json::to_value(warnings)?);
        }
        if let (false, Some(map)) = (strata.is_empty(), json.as_object_mut()) {
            map.insert("strata".to_owned(), serde_json::to_value(&strata)?);
        }
        if let (Some(c), Some(map)) = (&comparison, json.as_object_mut()) {
            map.insert("methods".to_owned(), serde_json::to_value(c)?);
        }
        print_json(&json)?;
    } else if matches!(globals.format, Format::Csv | Format::Markdown) {
        let mut table = estimate_table(&report, linked.as_ref().and_then(|(u, _)| u.as_ref()));
        for field in &strata {
            strata_rows(&mut table, field);
        }
        if let Some(c) = &comparison {
            method_rows(&mut table, c);
        }
        print(&table.render(globals.format)?)?;
    } else {
        let mut text = report.render_text();
        if let Some((uncertainty, warnings)) = &linked {
            if let Some(u) = uncertainty {
                text.push_str(&format!(
                    "\n  corrected for the linkage ({} linkages drawn from the borderline pairs, the links blocking missed put back): {:.0}\n    estimates {:.0}–{:.0}, persons counted {}–{}{}\n  95% interval, linkage errors included: {:.0}–{}\n",
                    u.draws,
                    u.estimate,
                    u.estimate_range[0],
                    u.estimate_range[1],
                    u.persons_range[0],
                    u.persons_range[1],
                    u.missed_links_bound.map_or(String::new(), |b| format!("; every missed link between records left alone: {b:.0}")),
                    u.interval[0],
                    whole(u.interval[1])
                ));
            }
            for warning in warnings {
                text.push_str(&format!("  warning: {warning}\n"));
            }
        }
        if let Some(c) = &comparison {
            text.push('\n');
            text.push_str(&c.render_text());
        }
        for field in &strata {
            text.push_str(&strata_text(field));
        }
        print(&text)?;
    }
    Ok(Status::Ok)
}

/// `--method lcmcr|dga|rcapture` on a `--counts` table: the engine's report as JSON, or its text.
fn run_other_estimator(globals: &Globals, args: &EstimateArgs, method: &str) -> anyhow::Result<Status> {
    use app::estimate::{dga, lcmcr, rcapture};
    let path = args.counts.as_deref().context("--counts FILE.csv is needed")?;
    let table = app::estimate::read_counts(path)?;
    let (json, text) = match method {
        "lcmcr" => {
            let defaults = lcmcr::LcmcrOptions::default();
            let options = lcmcr::LcmcrOptions { seed: args.seed.unwrap_or(defaults.seed), ..defaults };
            let report = lcmcr::estimate_lcmcr(&table, &options, &app::estimate::NoProgress)?;
            (serde_json::to_value(&report)?, report.render_text())
        }
        "dga" => {
            let report = dga::estimate_dga(&table, &dga::DgaOptions::default(), &app::estimate::NoProgress)?;
            (serde_json::to_value(&report)?, report.render_text())
        }
        _ => {
            let report = rcapture::closedp(&table, &rcapture::ClosedpOptions::default())?;
            (serde_json::to_value(&report)?, report.render_text())
        }
    };
    if globals.format == Format::Json {
        print_json(&json)?;
    } else {
        print(&text)?;
    }
    Ok(Status::Ok)
}

/// The estimate as a table (one row per figure: value, lower and upper bound), for
/// `--format csv` and `markdown`.
fn estimate_table(report: &app::estimate::EstimateReport, linkage: Option<&app::linkage::LinkageUncertainty>) -> Table {
    let mut table = Table::new(&["figure", "value", "lower", "upper"]);
    let text_row = |name: &str, value: String| vec![name.to_owned(), value, String::new(), String::new()];
    table.push(text_row("lists", report.lists.join(" ")));
    table.push(text_row("method", report.method.clone()));
    table.push(text_row(
        "model",
        if report.model.is_empty() { "main effects only".to_owned() } else { report.model.join(" + ") },
    ));
    table.push(text_row("observed cases", report.observed.to_string()));
    table.push(text_row("total population", whole(report.estimate)));
    table.push(text_row("dark figure (on no list)", whole(report.estimate - report.observed as f64)));
    let mut interval = |name: &str, bounds: Option<[f64; 2]>| {
        if let Some([lower, upper]) = bounds {
            table.push(vec![name.to_owned(), String::new(), whole(lower), whole(upper)]);
        }
    };
    interval("95% model-conditional", Some(report.ci_conditional));
    interval("95% profile likelihood", report.ci_profile);
    interval("95% BCa bootstrap", report.ci_bca);
    interval("95% linkage errors included", linkage.map(|u| u.interval));
    if let Some(u) = linkage {
        table.push(vec!["corrected for the linkage".to_owned(), whole(u.estimate), String::new(), String::new()]);
    }
    table
}

/// One field's strata for people: a line per stratum and the total.
fn strata_text(field: &app::strata::FieldStrata) -> String {
    let mut text = format!("\nby {} (each stratum estimated on its own):\n", field.label.to_lowercase());
    let seen = |s: &app::strata::Stratum| s.observed.map_or_else(|| "withheld".to_owned(), |n| n.to_string());
    for s in &field.strata {
        match (s.estimate, s.interval, &s.refused) {
            (Some(e), Some([lo, hi]), _) => {
                text.push_str(&format!(
                    "  {:<28} seen {:>8}  estimate {:>10.0}  95% {:.0}–{:.0}\n",
                    s.label,
                    seen(s),
                    e,
                    lo,
                    hi
                ));
            }
            (_, _, reason) => text.push_str(&format!(
                "  {:<28} seen {:>8}  no estimate: {}\n",
                s.label,
                seen(s),
                reason.as_deref().unwrap_or("")
            )),
        }
    }
    let t = &field.total;
    text.push_str(&format!(
        "  {:<28}                 estimate {:>10.0}  95% {:.0}–{:.0}{}\n",
        "strata added up",
        t.estimate,
        t.interval[0],
        t.interval[1],
        if t.complete {
            String::new()
        } else {
            format!(" (incomplete: {} persons of strata without an estimate added as seen)", t.observed_in_refused)
        }
    ));
    text
}

/// Every method's estimate as rows of the estimate table.
fn method_rows(table: &mut Table, comparison: &app::methods::Comparison) {
    for m in &comparison.estimates {
        match (m.estimate, m.interval) {
            (Some(e), Some([lo, hi])) => {
                table.push(vec![format!("method {}", m.method), whole(e), whole(lo), whole(hi)]);
                if let Some([lo, hi]) = m.linkage_interval {
                    table.push(vec![
                        format!("method {}, linkage errors included", m.method),
                        String::new(),
                        whole(lo),
                        whole(hi),
                    ]);
                }
            }
            _ => table.push(vec![
                format!("method {}", m.method),
                format!("no estimate: {}", m.skipped.as_deref().unwrap_or("")),
                String::new(),
                String::new(),
            ]),
        }
    }
}

/// One field's strata as rows of the estimate table.
fn strata_rows(table: &mut Table, field: &app::strata::FieldStrata) {
    for s in &field.strata {
        let name = format!("{} = {}", field.field, s.value);
        match (s.estimate, s.interval) {
            (Some(e), Some([lo, hi])) => table.push(vec![name, whole(e), whole(lo), whole(hi)]),
            _ => table.push(vec![
                name,
                format!("no estimate: {}", s.refused.as_deref().unwrap_or("")),
                String::new(),
                String::new(),
            ]),
        }
    }
    let t = &field.total;
    table.push(vec![
        format!("{} strata added up", field.field),
        whole(t.estimate),
        whole(t.interval[0]),
        whole(t.interval[1]),
    ]);
}
