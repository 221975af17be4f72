//! What the observatory has published: the statistics and the estimate that the last `palermo
//! run` wrote into `out/` after disclosure control. The web dashboard shows these and nothing
//! else, so that it can never show a figure the report did not publish.

use std::path::Path;

use crate::{Error, Result};

/// The published figures, as `out/statistics.json` and `out/estimate.json` hold them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Published {
    /// `{"unit", "total", "tables": {name: {title, unit, suppressed_cells, rows}}}`.
    pub statistics: serde_json::Value,
    /// The MSE estimate, when the observatory has two or more linked lists.
    pub estimate: Option<serde_json::Value>,
}

fn read_json(path: &Path) -> Result<Option<serde_json::Value>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::Settings { path: path.to_owned(), reason: e.to_string() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io { path: path.to_owned(), source }),
    }
}

/// Reads what `out/` publishes; `None` before the first `palermo run`.
pub fn read(dir: &Path) -> Result<Option<Published>> {
    let out = dir.join("out");
    let Some(statistics) = read_json(&out.join("statistics.json"))? else { return Ok(None) };
    let estimate = read_json(&out.join("estimate.json"))?;
    Ok(Some(Published { statistics, estimate }))
}

/// One interval of the estimate, named for people.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NamedInterval {
    pub name: String,
    pub lower: f64,
    pub upper: f64,
}

/// A model along the stepwise search, with its estimate and model-conditional interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SearchModel {
    pub model: String,
    pub estimate: f64,
    pub interval: [f64; 2],
}

/// A term the stepwise search added, and its p-value at that step.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SearchStep {
    pub term: String,
    pub p_value: f64,
}

/// One stratum's estimate as published (observed withheld below the disclosure threshold).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PublishedStratum {
    pub value: String,
    pub label: String,
    #[serde(default)]
    pub observed: Option<u64>,
    #[serde(default)]
    pub estimate: Option<f64>,
    #[serde(default)]
    pub interval: Option<[f64; 2]>,
    #[serde(default)]
    pub refused: Option<String>,
}

/// The estimates of one field's strata, as published.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PublishedStrata {
    pub field: String,
    pub label: String,
    pub strata: Vec<PublishedStratum>,
}

/// The published Multiple Systems Estimation result, as the estimates page shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EstimateView {
    pub lists: Vec<String>,
    /// Persons seen on at least one list.
    pub observed: u64,
    pub estimate: f64,
    /// Persons estimated to be on no list.
    pub dark_figure: Option<f64>,
    /// How the model was chosen (stepwise, bic, aic…) and its pairwise terms.
    pub method: String,
    pub model: Vec<String>,
    /// The headline interval first (the linkage-aware one when linkages were drawn).
    pub intervals: Vec<NamedInterval>,
    pub search: Vec<SearchModel>,
    pub steps: Vec<SearchStep>,
    pub strata: Vec<PublishedStrata>,
    /// What a reader must keep in mind, in plain words.
    pub caveats: Vec<String>,
}

/// An interval's two ends; an upper end written as `null` is one the data cannot bound (`+∞`).
fn pair(value: &serde_json::Value) -> Option<(f64, f64)> {
    let upper = value.get(1)?;
    Some((value.get(0)?.as_f64()?, if upper.is_null() { f64::INFINITY } else { upper.as_f64()? }))
}

/// How a published table was protected, in the words shown under its chart or table (report and
/// dashboard alike): the release's rule (`min_cell`, and the interval `protection` every withheld
/// count keeps for a reader of every published table) and how many of the table's cells it withheld.
pub fn protection_note(min_cell: u64, protection: u64, withheld: usize) -> String {
    let rule = if min_cell > 1 {
        format!(
            "counts from 1 to {} withheld, and the cells from which one could be worked out, so that each stays anywhere within {protection} of its value for a reader of every published table",
            min_cell - 1
        )
    } else {
        "small counts withheld".to_owned()
    };
    let cells = match withheld {
        0 => "none of this table's cells is withheld".to_owned(),
        1 => "1 of this table's cells is withheld (x)".to_owned(),
        n => format!("{n} of this table's cells are withheld (x)"),
    };
    format!("Protected by cell suppression ({rule}): {cells}; the other counts are exact.")
}

/// A figure as whole persons; an interval's end the data cannot bound says so.
pub fn whole(n: f64) -> String {
    if n.is_finite() { format!("{n:.0}") } else { "no upper limit".to_owned() }
}

/// Reads `out/estimate.json`'s value into what the estimates page shows; `None` when it holds
/// no estimate.
pub fn estimate_view(estimate: &serde_json::Value) -> Option<EstimateView> {
    // The estimate corrected for the linkage (the median over the drawn linkages) where the run
    // drew linkages, as the report's headline.
    let point = estimate["linkage_uncertainty"]["estimate"].as_f64().or(estimate["estimate"].as_f64())?;
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
    };
    let diagnostics = &estimate["diagnostics"];
    let level = diagnostics["level"].as_f64().unwrap_or(0.95) * 100.0;
    let mut intervals = Vec::new();
    let linkage = &estimate["linkage_uncertainty"];
    if let Some((lower, upper)) = pair(&linkage["interval"]) {
        intervals.push(NamedInterval {
            name: "95% interval of the estimate corrected for the record linkage, its errors included".to_owned(),
            lower,
            upper,
        });
    }
    for (key, name) in [
        ("ci_bca", format!("{level:.0}% bootstrap interval (BCa)")),
        ("ci_profile", format!("{level:.0}% profile-likelihood interval")),
        ("ci_conditional", format!("{level:.0}% interval given the selected model")),
    ] {
        if let Some((lower, upper)) = pair(&estimate[key]) {
            intervals.push(NamedInterval { name, lower, upper });
        }
    }
    let search: Vec<SearchModel> = serde_json::from_value(estimate["path"].clone()).unwrap_or_default();
    let steps: Vec<SearchStep> = serde_json::from_value(diagnostics["steps"].clone()).unwrap_or_default();
    let strata: Vec<PublishedStrata> = serde_json::from_value(estimate["strata"].clone()).unwrap_or_default();
    let lists = strings(&estimate["lists"]);
    let observed = estimate["observed"].as_u64().unwrap_or(0);

    let mut caveats = vec![format!(
        "This is an estimate, not a count: {} persons were seen on at least one of {} lists, and the model infers how many were on none from how the lists overlap. It assumes that the lists cover one population over the same period, and that the model describes how being on one list makes being on another more or less likely.",
        observed,
        lists.len()
    )];
    if let Some((lower, upper)) = intervals.first().map(|i| (i.lower, i.upper)) {
        caveats.push(format!(
            "The true number is uncertain: read it as anywhere from {} to {}, not as the single figure {}.",
            whole(lower),
            whole(upper),
            whole(point)
        ));
    }
    if let Some(draws) = linkage["draws"].as_u64() {
        caveats.push(format!(
            "Who is the same person across lists was decided by record linkage, which can be wrong; the widest interval takes that into account ({draws} possible linkages were drawn)."
        ));
    }
    if let Some(missed) = linkage["missed_links"].as_f64().filter(|m| *m >= 0.5) {
        caveats.push(format!(
            "About {} links between records of one person were probably missed by the linkage (never compared, or scored too low to keep); the estimate and its interval are corrected for them from a sample, so treat the correction as approximate.",
            whole(missed)
        ));
    }
    if let Some(note) = estimate["upper_limit_note"].as_str() {
        caveats.push(format!("Upper limit {note}."));
    }
    match diagnostics["verdict"].as_str() {
        Some("ok") | None => {}
        Some(_) => caveats.push(
            "The checks on the selected model failed (its estimate may not exist or not be determined by the data): treat the figure with great caution.".to_owned(),
        ),
    }
    let empty = strings(&diagnostics["empty_pairs"]);
    if !empty.is_empty() {
        caveats.push(format!(
            "Some pairs of lists have no person in common ({}); the model treats that as a fact about the population, which small lists can make wrong.",
            empty.join(", ").replace(':', " and ")
        ));
    }
    if let Some(note) = diagnostics["profile_note"].as_str() {
        caveats.push(format!("Profile-likelihood interval: {note}."));
    }
    if let Some(failures) = diagnostics["bootstrap"]["failures"].as_u64().filter(|f| *f > 0) {
        caveats.push(format!(
            "{failures} bootstrap replicates could not be fitted and are left out of the bootstrap interval."
        ));
    }
    if search.len() > 1 {
        let (low, high) = search
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), m| (lo.min(m.estimate), hi.max(m.estimate)));
        caveats.push(format!(
            "Models along the search give estimates from {} to {}: the answer depends on the model chosen.",
            whole(low),
            whole(high)
        ));
    }
    if strata.iter().any(|f| f.strata.iter().any(|s| s.refused.is_some())) {
        caveats.push(
            "Some groups have no estimate of their own (too few persons, or lists that do not overlap): their totals lack the unseen part.".to_owned(),
        );
    }
    Some(EstimateView {
        lists,
        observed,
        estimate: point,
        dark_figure: diagnostics["dark_figure"].as_f64(),
        method: estimate["method"].as_str().unwrap_or_default().to_owned(),
        model: strings(&estimate["model"]),
        intervals,
        search,
        steps,
        strata,
        caveats,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_estimate_view_names_its_intervals_and_caveats() {
        let estimate = serde_json::json!({
            "lists": ["police", "ngo", "shelter"], "observed": 210, "method": "stepwise", "model": ["ngo:police"],
            "estimate": 480.4, "ci_conditional": [400.0, 600.0], "ci_profile": null, "ci_bca": [390.0, 640.0],
            "diagnostics": {"verdict": "ok", "empty_pairs": ["ngo:shelter"], "dark_figure": 270.4, "level": 0.95,
                "steps": [{"term": "ngo:police", "p_value": 0.01}], "bootstrap": {"failures": 2}},
            "linkage_uncertainty": {"draws": 20, "estimate": 470.2, "interval": [370.0, 700.0], "missed_links": 0.2},
            "path": [{"model": "main effects", "estimate": 350.0, "interval": [300.0, 420.0]},
                     {"model": "+ ngo:police", "estimate": 480.4, "interval": [400.0, 600.0]}],
            "strata": [{"field": "sex", "label": "Sex", "strata": [
                {"value": "female", "label": "Female", "observed": 150, "estimate": 300.0, "interval": [250.0, 380.0], "model": []},
                {"value": "male", "label": "Male", "observed": null, "estimate": null, "interval": null, "model": [], "refused": "too few"}]}]
        });
        let view = super::estimate_view(&estimate).expect("view");
        // The estimate corrected for the linkage, as the report's headline, not the linked persons'.
        assert_eq!(view.estimate, 470.2);
        assert_eq!(
            view.intervals[0].name,
            "95% interval of the estimate corrected for the record linkage, its errors included"
        );
        assert_eq!((view.intervals[0].lower, view.intervals[0].upper), (370.0, 700.0));
        assert_eq!(view.intervals.len(), 3, "linkage, BCa, conditional (no profile)");
        assert_eq!(view.search.len(), 2);
        assert_eq!(view.strata[0].strata[1].observed, None);
        let caveats = view.caveats.join("\n");
        for expected in [
            "from 370 to 700",
            "ngo and shelter",
            "2 bootstrap replicates",
            "from 350 to 480",
            "no estimate of their own",
        ] {
            assert!(caveats.contains(expected), "{expected} in {caveats}");
        }
        assert!(!caveats.contains("missed by the linkage"), "0.2 missed links is not worth a caveat");
        assert!(super::estimate_view(&serde_json::json!({"lists": []})).is_none());
    }
}
