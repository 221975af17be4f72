//! Every configured estimator on the observatory's linked lists (`[estimate] methods` in
//! `palermo.toml`), side by side: the log-linear model search of SparseMSE, the Bayesian
//! latent-class model of LCMCR, Bayesian averaging over decomposable graphs (dga) and Rcapture's
//! classical heterogeneity models. Each makes different assumptions; where their intervals do not
//! overlap, at least one of them is wrong for these data, and the report says so in plain words.
//!
//! Costs, measured on the demo and at 100,000 victims (`bench/mse/README.md`): the log-linear
//! search and Rcapture's models take milliseconds; LCMCR's cost does not grow with the number of
//! persons (one Gibbs sweep visits the observed capture patterns, at most `2^t - 1`) but with its
//! iterations, so its length is a setting (`[estimate.lcmcr]`, the package's manual by default);
//! dga's exact sum grows with the number of decomposable graphs (822 for 5 lists, 18,154 for 6)
//! times the grid of unseen counts (`20 n`): it is skipped, with the reason said, above
//! `[estimate] dga_max_lists` lists.
//!
//! The linkage-aware interval (the estimate repeated over linkages drawn from the borderline
//! pairs) is computed for the log-linear method and for Rcapture's models, which are cheap enough
//! to refit on every drawn linkage; the Bayesian methods are not rerun on the draws (that would
//! multiply their cost by the number of draws) and the report says that their intervals ignore
//! linkage errors.

use serde::Serialize;

use crate::linkage::{Linkage, LinkageUncertainty};
use crate::settings::EstimateSettings;
use crate::{Error, Result};

/// One estimator a `methods` entry names.
#[derive(Debug, Clone, PartialEq)]
pub enum MethodSpec {
    /// Poisson log-linear models chosen by `mse::Method` (stepwise, bic, aic, main).
    LogLinear(mse::Method),
    /// LCMCR's Dirichlet-process latent classes.
    Lcmcr,
    /// dga's averaging over decomposable graphs.
    Dga,
    /// One of Rcapture's closed-population models.
    Rcapture(mse::rcapture::ClosedModel),
}

impl MethodSpec {
    /// Parses a `methods` entry: `stepwise`, `bic`, `aic`, `main`, `lcmcr`, `dga`, or an Rcapture
    /// model (`m0`, `mt`, `mh-chao`, `mth-chao`, `mth-darroch`, `mth-poisson2`, …).
    pub fn parse(name: &str) -> std::result::Result<Self, String> {
        match name {
            "stepwise" => Ok(Self::LogLinear(mse::Method::Stepwise)),
            "bic" => Ok(Self::LogLinear(mse::Method::Bic)),
            "aic" => Ok(Self::LogLinear(mse::Method::Aic)),
            "main" => Ok(Self::LogLinear(mse::Method::Main)),
            "lcmcr" => Ok(Self::Lcmcr),
            "dga" => Ok(Self::Dga),
            other => mse::rcapture::ClosedModel::parse(other).map(Self::Rcapture).map_err(|_| {
                format!(
                    "`{other}` is not an estimator (one of: stepwise, bic, aic, main, lcmcr, dga, {})",
                    mse::rcapture::ClosedModel::ALL.map(mse::rcapture::ClosedModel::short_name).join(", ")
                )
            }),
        }
    }

    /// Its name for people.
    pub fn label(&self) -> String {
        match self {
            Self::LogLinear(mse::Method::Stepwise) => "Log-linear, stepwise (SparseMSE)".to_owned(),
            Self::LogLinear(m) => format!("Log-linear, {}", m.name()),
            Self::Lcmcr => "Latent classes (LCMCR)".to_owned(),
            Self::Dga => "Graphical-model averaging (dga)".to_owned(),
            Self::Rcapture(m) => format!("Rcapture {}", m.name()),
        }
    }

    /// What it assumes, in a few plain words.
    pub fn assumes(&self) -> &'static str {
        use mse::rcapture::{ClosedModel, Heterogeneity};
        match self {
            Self::LogLinear(mse::Method::Main) => {
                "The lists are independent: being on one says nothing about being on another. Referrals or victims easier for every agency to find bias it down."
            }
            Self::LogLinear(_) => {
                "Lists may depend on each other in pairs (a referral from one agency to another); the terms the data support are added. Victims who are hard for every agency alike to find leave no trace and bias it down."
            }
            Self::Lcmcr => {
                "Victims fall into hidden groups that differ in how easily each agency finds them; within a group the lists are independent. Built for uneven catchability; a referral between two agencies within a group is not in the model."
            }
            Self::Dga => {
                "Averages over every decomposable pattern of dependence between the lists, weighted by fit. Uneven catchability enters only through the dependence it creates."
            }
            Self::Rcapture(ClosedModel::M0) => "Every list catches every victim with the same chance.",
            Self::Rcapture(ClosedModel::Mt) => {
                "Lists differ in their catch rates; every victim is as catchable as any other and the lists are independent."
            }
            Self::Rcapture(ClosedModel::Mh(Heterogeneity::Chao) | ClosedModel::Mth(Heterogeneity::Chao)) => {
                "Victims differ in catchability (and lists in catch rate); Chao's form is a lower bound: it cannot see victims so hidden that the lists' overlaps give no hint of them."
            }
            Self::Rcapture(ClosedModel::Mh(_) | ClosedModel::Mth(_)) => {
                "Victims differ in catchability (and lists in catch rate) following a fixed mixing shape; no direct dependence between two lists."
            }
        }
    }
}

/// The methods of `palermo.toml`, parsed (the settings were validated on loading).
pub fn configured(settings: &EstimateSettings) -> Result<Vec<(String, MethodSpec)>> {
    settings
        .methods
        .iter()
        .map(|name| MethodSpec::parse(name).map(|spec| (name.clone(), spec)).map_err(Error::Internal))
        .collect()
}

/// The log-linear model search of the first log-linear entry of `methods` (stepwise when none):
/// the one the strata, the stepwise path and the linkage-aware interval use.
pub fn log_linear_method(settings: &EstimateSettings) -> Result<mse::Method> {
    Ok(configured(settings)?
        .into_iter()
        .find_map(|(_, spec)| match spec {
            MethodSpec::LogLinear(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default())
}

/// One method's estimate, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodEstimate {
    /// The `methods` entry (`stepwise`, `lcmcr`, …).
    pub method: String,
    /// Its name for people.
    pub label: String,
    /// Point estimate of the total: the maximum-likelihood estimate, or the posterior median.
    pub estimate: Option<f64>,
    /// 95% interval (BCa bootstrap, credible interval or log-normal; see `interval_kind`).
    pub interval: Option<[f64; 2]>,
    pub interval_kind: String,
    /// The estimate corrected for the linkage (the median over the drawn linkages, which put back
    /// the links the linkage probably missed), where the method was refitted on them.
    pub corrected: Option<f64>,
    /// The interval around it widened by the linkage's uncertainty, where the method was refitted
    /// on the drawn linkages.
    pub linkage_interval: Option<[f64; 2]>,
    /// What the method assumes, in plain words.
    pub assumes: String,
    /// Its model or settings, briefly.
    pub details: String,
    /// Plain-words warnings of the method (convergence, modes, caps, grid).
    pub warnings: Vec<String>,
    /// Why there is no estimate.
    pub skipped: Option<String>,
}

/// Where two methods disagree beyond their intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    pub methods: [String; 2],
    /// In plain words.
    pub text: String,
}

/// Every method's estimate and where they disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub estimates: Vec<MethodEstimate>,
    pub disagreements: Vec<Disagreement>,
}

/// Runs every configured method on the linked lists. `primary` is the log-linear estimate already
/// made (with its bootstrap) for the first log-linear entry, `uncertainty` its linkage-aware
/// interval; they are reused, not recomputed.
pub fn compare(
    table: &mse::CaptureTable,
    linkage: Option<&Linkage>,
    settings: &EstimateSettings,
    seed: u64,
    primary: (&mse::EstimateReport, Option<&LinkageUncertainty>),
    progress: &dyn model::Progress,
) -> Result<Comparison> {
    let mut estimates = Vec::new();
    let mut primary_used = false;
    for (name, spec) in configured(settings)? {
        let estimate = match &spec {
            MethodSpec::LogLinear(method) if !primary_used && primary.0.method == method.name() => {
                primary_used = true;
                log_linear_estimate(name, &spec, primary.0, primary.1)
            }
            MethodSpec::LogLinear(method) => {
                let options = mse::EstimateOptions { method: method.clone(), seed, ..Default::default() };
                match mse::estimate(table, &options, &mse::NoProgress) {
                    Ok(report) => {
                        let uncertainty = linkage.and_then(|l| l.uncertainty(&report));
                        log_linear_estimate(name, &spec, &report, uncertainty.as_ref())
                    }
                    Err(e) => skipped(name, &spec, e.to_string()),
                }
            }
            MethodSpec::Lcmcr => lcmcr_estimate(name, &spec, table, settings, seed, progress)?,
            MethodSpec::Dga => dga_estimate(name, &spec, table, settings, progress)?,
            MethodSpec::Rcapture(model) => rcapture_estimate(name, &spec, table, *model, linkage),
        };
        estimates.push(estimate);
    }
    let disagreements = disagreements(&estimates);
    Ok(Comparison { estimates, disagreements })
}

fn skipped(name: String, spec: &MethodSpec, reason: String) -> MethodEstimate {
    MethodEstimate {
        method: name,
        label: spec.label(),
        estimate: None,
        interval: None,
        interval_kind: String::new(),
        corrected: None,
        linkage_interval: None,
        assumes: spec.assumes().to_owned(),
        details: String::new(),
        warnings: Vec::new(),
        skipped: Some(reason),
    }
}

fn log_linear_estimate(
    name: String,
    spec: &MethodSpec,
    report: &mse::EstimateReport,
    uncertainty: Option<&LinkageUncertainty>,
) -> MethodEstimate {
    let (interval, kind) = match report.ci_bca {
        Some(ci) => (ci, "BCa bootstrap, model re-selected"),
        None => (report.ci_conditional, "model-conditional"),
    };
    MethodEstimate {
        method: name,
        label: spec.label(),
        estimate: Some(report.estimate),
        interval: Some(interval),
        interval_kind: kind.to_owned(),
        corrected: uncertainty.map(|u| u.estimate),
        linkage_interval: uncertainty.map(|u| u.interval),
        assumes: spec.assumes().to_owned(),
        details: if report.model.is_empty() {
            "main effects only".to_owned()
        } else {
            format!("terms {}", report.model.join(", "))
        },
        warnings: report.upper_limit_note.iter().cloned().collect(),
        skipped: None,
    }
}

fn lcmcr_estimate(
    name: String,
    spec: &MethodSpec,
    table: &mse::CaptureTable,
    settings: &EstimateSettings,
    seed: u64,
    progress: &dyn model::Progress,
) -> Result<MethodEstimate> {
    let l = &settings.lcmcr;
    let options = mse::lcmcr::LcmcrOptions {
        burnin: l.burnin,
        samples: l.samples,
        thinning: l.thinning,
        chains: l.chains,
        seed,
        ..Default::default()
    };
    let result = mse::lcmcr::estimate_lcmcr(table, &options, progress).map(|r| Posterior {
        median: r.median,
        interval: r.interval,
        details: format!(
            "K {}, {} chains of {} draws (burn-in {}, thinning {}), split R-hat {}, effective sample size {:.0}",
            r.settings.k,
            r.settings.chains,
            r.settings.samples,
            r.settings.burnin,
            r.settings.thinning,
            r.diagnostics.rhat.map_or("-".to_owned(), |x| format!("{x:.3}")),
            r.diagnostics.ess
        ),
        warnings: r.diagnostics.warnings,
    });
    posterior(name, spec, progress, result)
}

fn dga_estimate(
    name: String,
    spec: &MethodSpec,
    table: &mse::CaptureTable,
    settings: &EstimateSettings,
    progress: &dyn model::Progress,
) -> Result<MethodEstimate> {
    let t = table.n_lists();
    if t > settings.dga_max_lists {
        return Ok(skipped(
            name,
            spec,
            format!(
                "{t} lists: dga's exact average over every decomposable graph is skipped above {} lists (`[estimate] dga_max_lists`: {} graphs for {t} lists)",
                settings.dga_max_lists,
                match t {
                    6 => "18,154",
                    7 => "617,675",
                    8 => "30,888,596",
                    _ => "too many",
                }
            ),
        ));
    }
    let result = mse::dga::estimate_dga(table, &mse::dga::DgaOptions::default(), progress).map(|r| Posterior {
        median: r.median,
        interval: r.interval,
        details: format!(
            "{} models, delta {}; most probable: [{}] ({:.2})",
            r.models,
            r.delta,
            r.top_models.first().map_or(String::new(), |m| m.cliques.join("] [")),
            r.top_models.first().map_or(0.0, |m| m.probability)
        ),
        warnings: r.warnings,
    });
    posterior(name, spec, progress, result)
}

/// What a Bayesian method's run gives the table.
struct Posterior {
    median: f64,
    interval: [f64; 2],
    details: String,
    warnings: Vec<String>,
}

/// A Bayesian method's row: its posterior median and 95% credible interval (not rerun on the
/// drawn linkages: no linkage-aware interval), or why it was skipped; a cancelled run stops.
fn posterior(
    name: String,
    spec: &MethodSpec,
    progress: &dyn model::Progress,
    result: mse::Result<Posterior>,
) -> Result<MethodEstimate> {
    progress.finish();
    match result {
        Ok(p) => Ok(MethodEstimate {
            method: name,
            label: spec.label(),
            estimate: Some(p.median),
            interval: Some(p.interval),
            interval_kind: "posterior median and 95% credible interval".to_owned(),
            corrected: None,
            linkage_interval: None,
            assumes: spec.assumes().to_owned(),
            details: p.details,
            warnings: p.warnings,
            skipped: None,
        }),
        Err(mse::Error::Cancelled) => Err(Error::Cancelled),
        Err(e) => Ok(skipped(name, spec, e.to_string())),
    }
}

/// An Rcapture model with Chao's (1987) log-normal interval for the unseen, `n + f0 / C` to
/// `n + f0 C` with `C = exp(1.96 sqrt(log(1 + se^2 / f0^2)))`, and its linkage-aware widening.
fn rcapture_estimate(
    name: String,
    spec: &MethodSpec,
    table: &mse::CaptureTable,
    model: mse::rcapture::ClosedModel,
    linkage: Option<&Linkage>,
) -> MethodEstimate {
    let options = mse::rcapture::ClosedpOptions::default();
    let fit = |t: &mse::CaptureTable| -> Option<(f64, [f64; 2])> {
        let f = mse::rcapture::fit_closed(t, model, &options).ok()?;
        let n = t.n_observed() as f64;
        let f0 = f.abundance - n;
        if !(f.abundance.is_finite() && f.stderr.is_finite()) {
            return None;
        }
        if f0 <= 0.0 {
            return Some((f.abundance, [f.abundance, f.abundance]));
        }
        let c = (1.959_963_984_540_054 * (1.0 + (f.stderr / f0).powi(2)).ln().sqrt()).exp();
        Some((f.abundance, [n + f0 / c, n + f0 * c]))
    };
    let warnings = match mse::rcapture::fit_closed(table, model, &options) {
        Ok(f) => f.warnings,
        Err(e) => return skipped(name, spec, e.to_string()),
    };
    let Some((estimate, interval)) = fit(table) else {
        return skipped(name, spec, "the model's estimate is not finite on these lists".to_owned());
    };
    let drawn = linkage.filter(|l| !l.draws.is_empty()).and_then(|l| {
        let mut drawn: Vec<f64> = l.draws.iter().filter_map(|t| fit(t).map(|(e, _)| e)).collect();
        if drawn.is_empty() {
            return None;
        }
        drawn.sort_by(f64::total_cmp);
        let centre = mse::quantile_type8(&drawn, 0.5);
        let (low, high) = (mse::quantile_type8(&drawn, 0.025), mse::quantile_type8(&drawn, 0.975));
        // The statistical interval moved to the drawn linkages' centre, then widened.
        let shift = centre - estimate;
        Some((centre, widened(centre, [interval[0] + shift, interval[1] + shift], low, high)))
    });
    let (corrected, linkage_interval) = (drawn.map(|d| d.0), drawn.map(|d| d.1));
    MethodEstimate {
        method: name,
        label: spec.label(),
        estimate: Some(estimate),
        interval: Some(interval),
        interval_kind: "log-normal (Chao 1987)".to_owned(),
        corrected,
        linkage_interval,
        assumes: spec.assumes().to_owned(),
        details: String::new(),
        warnings,
        skipped: None,
    }
}

/// The interval widened on each side by the drawn linkages' spread, added in quadrature (as the
/// log-linear method's linkage-aware interval is).
fn widened(e: f64, statistical: [f64; 2], low: f64, high: f64) -> [f64; 2] {
    let widen = |half: f64, spread: f64| half.hypot(spread.max(0.0));
    [e - widen(e - statistical[0], e - low), e + widen(statistical[1] - e, high - e)]
}

/// The widest interval a method has: linkage-aware where computed.
fn widest(m: &MethodEstimate) -> Option<[f64; 2]> {
    m.linkage_interval.or(m.interval)
}

/// Pairs of methods whose intervals (linkage-aware where computed) do not overlap, in plain words.
pub fn disagreements(estimates: &[MethodEstimate]) -> Vec<Disagreement> {
    let mut out = Vec::new();
    for (i, a) in estimates.iter().enumerate() {
        for b in &estimates[i + 1..] {
            let (Some(ia), Some(ib), Some(ea), Some(eb)) = (widest(a), widest(b), a.estimate, b.estimate) else {
                continue;
            };
            if ia[1] < ib[0] || ib[1] < ia[0] {
                let (low, high) = if ea <= eb { (a, b) } else { (b, a) };
                out.push(Disagreement {
                    methods: [a.method.clone(), b.method.clone()],
                    text: format!(
                        "{} ({}) and {} ({}) disagree beyond their 95% intervals: at least one of their assumptions does not hold for these lists. The higher one, {}, allows for more victims whom no agency saw.",
                        low.label,
                        rounded(low.estimate.unwrap_or(f64::NAN)),
                        high.label,
                        rounded(high.estimate.unwrap_or(f64::NAN)),
                        high.label,
                    ),
                });
            }
        }
    }
    out
}

impl Comparison {
    /// The first method that gave an estimate: the headline figure.
    pub fn headline(&self) -> Option<&MethodEstimate> {
        self.estimates.iter().find(|m| m.estimate.is_some())
    }

    /// Every method's estimate and interval, one line each, and the disagreements, for people.
    pub fn render_text(&self) -> String {
        let mut s = String::from("every configured method (95% intervals):\n");
        for m in &self.estimates {
            match (m.estimate, m.interval) {
                (Some(e), Some([lo, hi])) => {
                    s.push_str(&format!("  {:<34} {:>10.0}  {:.0}–{:.0} ({})", m.label, e, lo, hi, m.interval_kind));
                    if let Some([llo, lhi]) = m.linkage_interval {
                        s.push_str(&format!("; linkage errors included {llo:.0}–{lhi:.0}"));
                    }
                    s.push('\n');
                }
                _ => s.push_str(&format!("  {:<34} no estimate: {}\n", m.label, m.skipped.as_deref().unwrap_or(""))),
            }
            for w in &m.warnings {
                s.push_str(&format!("    warning: {w}\n"));
            }
        }
        for d in &self.disagreements {
            s.push_str(&format!("  note: {}\n", d.text));
        }
        s
    }
}

/// An estimate for text: three significant digits, whole persons at least.
pub fn rounded(x: f64) -> String {
    if !x.is_finite() {
        return "unbounded".to_owned();
    }
    let digits = (x.abs().max(1.0).log10().floor() as i32 - 2).max(0);
    let step = 10f64.powi(digits);
    let v = ((x / step).round() * step) as u64;
    let s = v.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
