//! Indicators defined declaratively (TOML: which measures, which statuses count, weights),
//! mapped to the recommendations of paragraphs 58–63; scoring of each responding State per
//! indicator, theme and recommendation; the full derivation of a State's score
//! ([`explain`]); and the comparison of two rounds. The method is documented in `METHOD.md`.
//!
//! Method (see `METHOD.md` for the reasoning): for each indicator, every fact of the round
//! whose measure is listed qualifies, and so does a treaty status the State answered for a
//! listed instrument; its value is `weight × credit(status) × factor(measure)`;
//! the indicator's points are the value of the best qualifying fact (ties: the fact reported
//! first), never a sum, so reporting many activities of one kind does not inflate a score. A
//! theme's score is the sum of its indicators' points over the sum of their weights. Only the
//! States that replied in the round are scored; a State's absence from a list means "not
//! reported", not "not done", and the output says so.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::country::{Iso3, Mention, UnStyle, countries};
use crate::dataset::{Dataset, Evidence, Fact};
use crate::error::{Error, Result};
use crate::vocab::{Instrument, Status, Theme, Vocabulary};

/// One indicator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Identifier, e.g. `r59_national_action_plan`.
    pub id: String,
    /// The recommendation (paragraph 58 to 63) it measures.
    pub recommendation: u32,
    /// Theme the points count towards.
    pub theme: Theme,
    /// Weight: the points earned by full credit.
    pub weight: f64,
    /// Short label.
    pub label: String,
    /// Predicate for statements: "N of the 40 reporting States {statement}".
    pub statement: String,
    /// Measure codes that qualify.
    pub measures: Vec<String>,
    /// Instruments whose status, answered under `instruments:` in a questionnaire, qualifies as
    /// well (a State that answers `trafficking_protocol: party` is a party, whatever measures
    /// it lists).
    #[serde(default)]
    pub instruments: Vec<Instrument>,
    /// Multipliers (0–1) for measures that meet the indicator only in part.
    #[serde(default)]
    pub measure_factor: BTreeMap<String, f64>,
    /// Status credits for this indicator, replacing the file's defaults.
    #[serde(default)]
    pub credit: Option<BTreeMap<Status, f64>>,
}

impl Indicator {
    fn credit_of(&self, defaults: &BTreeMap<Status, f64>, status: Status) -> f64 {
        self.credit.as_ref().unwrap_or(defaults).get(&status).copied().unwrap_or(0.0)
    }

    fn factor_of(&self, measure: &str) -> f64 {
        self.measure_factor.get(measure).copied().unwrap_or(1.0)
    }
}

/// A set of indicators (the shipped file is [`Indicators::builtin`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicators {
    /// File format version (1).
    pub version: u32,
    /// Name of the indicator set, printed with every score.
    pub name: String,
    /// Default credit of each status.
    pub credit: BTreeMap<Status, f64>,
    /// The indicators.
    #[serde(rename = "indicator")]
    pub indicators: Vec<Indicator>,
}

/// The recommendations of the 2008 report, paragraph and gist (our summary, used as headings).
pub const RECOMMENDATIONS: [(u32, &str); 6] = [
    (58, "Ratify and implement instruments; criminalize; provide for prevention and protection in law"),
    (59, "National action plans, coordination mechanisms, agreements and cooperation"),
    (60, "Prevention and awareness, addressing root causes"),
    (61, "Training and capacity; partnership with the private sector"),
    (62, "Identification, support and protection of victims"),
    (63, "Data collection, analysis and research"),
];

impl Indicators {
    /// The indicator file shipped with the crate (`src/data/indicators.toml`).
    pub const BUILTIN_TOML: &'static str = include_str!("data/indicators.toml");

    /// The shipped indicators.
    pub fn builtin() -> Result<Indicators> {
        Indicators::parse_toml(Self::BUILTIN_TOML)
    }

    /// Parses and checks an indicator file: unique ids, recommendation within 58–63, positive
    /// weights, credits and factors within 0–1, factors only for listed measures.
    pub fn parse_toml(text: &str) -> Result<Indicators> {
        let indicators: Indicators = toml::from_str(text).map_err(|source| Error::IndicatorsToml { source })?;
        let bad =
            |indicator: &str, reason: String| Error::IndicatorDefinition { indicator: indicator.to_owned(), reason };
        if indicators.version != 1 {
            return Err(bad("(file)", format!("version {} is not supported", indicators.version)));
        }
        let in_unit = |x: f64| (0.0..=1.0).contains(&x);
        if let Some((s, c)) = indicators.credit.iter().find(|(_, c)| !in_unit(**c)) {
            return Err(bad("(file)", format!("credit {c} of `{s}` is outside 0–1")));
        }
        let mut ids = BTreeSet::new();
        for ind in &indicators.indicators {
            if !ids.insert(ind.id.as_str()) {
                return Err(bad(&ind.id, "duplicate id".into()));
            }
            if !(58..=63).contains(&ind.recommendation) {
                return Err(bad(&ind.id, format!("recommendation {} is not a paragraph 58–63", ind.recommendation)));
            }
            if !(ind.weight.is_finite() && ind.weight > 0.0) {
                return Err(bad(&ind.id, "weight must be positive".into()));
            }
            if ind.measures.is_empty() {
                return Err(bad(&ind.id, "no measures".into()));
            }
            for (measure, factor) in &ind.measure_factor {
                if !ind.measures.contains(measure) {
                    return Err(bad(&ind.id, format!("factor for `{measure}`, which is not among its measures")));
                }
                if !in_unit(*factor) {
                    return Err(bad(&ind.id, format!("factor {factor} of `{measure}` is outside 0–1")));
                }
            }
            if let Some(credit) = &ind.credit
                && credit.values().any(|c| !in_unit(*c))
            {
                return Err(bad(&ind.id, "a credit is outside 0–1".into()));
            }
        }
        Ok(indicators)
    }

    /// Checks that every measure code exists in the vocabulary.
    pub fn check_against(&self, vocabulary: &Vocabulary) -> Result<()> {
        for ind in &self.indicators {
            if let Some(code) = ind.measures.iter().find(|m| vocabulary.get(m).is_none()) {
                return Err(Error::IndicatorDefinition {
                    indicator: ind.id.clone(),
                    reason: format!("measure `{code}` is not in the vocabulary"),
                });
            }
        }
        Ok(())
    }

    /// The indicators a vocabulary can score: measure codes it lacks are dropped, and so are
    /// indicators left with none (a smaller questionnaire, such as the demo's, asks about fewer
    /// measures). Unchanged when the vocabulary has every code; otherwise the set's name says
    /// how many indicators remain, so every score printed names what it was computed on.
    pub fn restricted_to(&self, vocabulary: &Vocabulary) -> Indicators {
        let mut out = self.clone();
        for ind in &mut out.indicators {
            ind.measures.retain(|m| vocabulary.get(m).is_some());
            ind.measure_factor.retain(|m, _| vocabulary.get(m).is_some());
        }
        out.indicators.retain(|i| !i.measures.is_empty());
        if out != *self {
            out.name = format!(
                "{} ({} of {} indicators, those the vocabulary's measures can meet)",
                self.name,
                out.indicators.len(),
                self.indicators.len()
            );
        }
        out
    }

    /// An indicator by id.
    pub fn get(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// The fact an indicator's points come from, and how they were computed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Basis {
    /// Measure code.
    pub measure: String,
    /// Status reported.
    pub status: Status,
    /// Credit of that status.
    pub status_credit: f64,
    /// Factor of that measure for this indicator.
    pub measure_factor: f64,
    /// `weight × status_credit × measure_factor`.
    pub points: f64,
    /// Source of the fact.
    pub evidence: Evidence,
}

/// An indicator's result for one State.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorResult {
    /// Indicator id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Recommendation paragraph.
    pub recommendation: u32,
    /// Theme.
    pub theme: Theme,
    /// Points earned.
    pub points: f64,
    /// Points possible (the weight).
    pub max: f64,
    /// The fact that earned the points (`None`: no qualifying fact reported).
    pub basis: Option<Basis>,
    /// Every qualifying fact, best first (the first is `basis`).
    pub considered: Vec<Basis>,
}

/// Points over a group of indicators.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subtotal {
    /// Points earned.
    pub points: f64,
    /// Points possible.
    pub max: f64,
    /// `100 × points / max`, rounded to one decimal.
    pub percent: f64,
}

impl Subtotal {
    fn new(points: f64, max: f64) -> Subtotal {
        let percent = if max > 0.0 { (1000.0 * points / max).round() / 10.0 } else { 0.0 };
        Subtotal { points, max, percent }
    }
}

/// A State's scores in a round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateScore {
    /// State.
    pub state: Iso3,
    /// Over all indicators.
    pub total: Subtotal,
    /// Per theme (themes with no indicator are absent).
    pub by_theme: BTreeMap<Theme, Subtotal>,
    /// Per recommendation paragraph.
    pub by_recommendation: BTreeMap<u32, Subtotal>,
    /// Per indicator, in file order.
    pub indicators: Vec<IndicatorResult>,
}

/// Scores of every responding State in a round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Round id.
    pub round: String,
    /// Indicator set used.
    pub indicator_set: String,
    /// Per State, keyed by ISO code.
    pub states: BTreeMap<Iso3, StateScore>,
}

fn score_state(dataset: &Dataset, indicators: &Indicators, round: &str, state: Iso3) -> StateScore {
    let facts: Vec<&Fact> = dataset.facts_in(round).filter(|f| f.state == state).collect();
    let mut results = Vec::new();
    for ind in &indicators.indicators {
        let mut considered: Vec<(u32, Basis)> = facts
            .iter()
            .filter(|f| ind.measures.contains(&f.measure))
            .map(|f| {
                let status_credit = ind.credit_of(&indicators.credit, f.status);
                let measure_factor = ind.factor_of(&f.measure);
                let basis = Basis {
                    measure: f.measure.clone(),
                    status: f.status,
                    status_credit,
                    measure_factor,
                    points: ind.weight * status_credit * measure_factor,
                    evidence: f.evidence.clone(),
                };
                (f.seq, basis)
            })
            .chain(
                dataset
                    .treaty_actions
                    .iter()
                    .filter(|t| t.state == state && t.round == round && ind.instruments.contains(&t.instrument))
                    .map(|t| {
                        let status_credit = ind.credit_of(&indicators.credit, t.status);
                        let basis = Basis {
                            measure: t.instrument.code().to_owned(),
                            status: t.status,
                            status_credit,
                            measure_factor: 1.0,
                            points: ind.weight * status_credit,
                            evidence: t.evidence.clone(),
                        };
                        // After every measure fact on ties.
                        (u32::MAX, basis)
                    }),
            )
            .collect();
        // Best first; among equals, the fact reported first, so the choice is reproducible.
        considered.sort_by(|a, b| b.1.points.total_cmp(&a.1.points).then(a.0.cmp(&b.0)));
        let considered: Vec<Basis> = considered.into_iter().map(|(_, b)| b).collect();
        let basis = considered.first().filter(|b| b.points > 0.0).cloned();
        results.push(IndicatorResult {
            id: ind.id.clone(),
            label: ind.label.clone(),
            recommendation: ind.recommendation,
            theme: ind.theme,
            points: basis.as_ref().map_or(0.0, |b| b.points),
            max: ind.weight,
            basis,
            considered,
        });
    }
    let mut by_theme: BTreeMap<Theme, (f64, f64)> = BTreeMap::new();
    let mut by_rec: BTreeMap<u32, (f64, f64)> = BTreeMap::new();
    let (mut points, mut max) = (0.0, 0.0);
    for r in &results {
        let t = by_theme.entry(r.theme).or_default();
        t.0 += r.points;
        t.1 += r.max;
        let t = by_rec.entry(r.recommendation).or_default();
        t.0 += r.points;
        t.1 += r.max;
        points += r.points;
        max += r.max;
    }
    StateScore {
        state,
        total: Subtotal::new(points, max),
        by_theme: by_theme.into_iter().map(|(k, (p, m))| (k, Subtotal::new(p, m))).collect(),
        by_recommendation: by_rec.into_iter().map(|(k, (p, m))| (k, Subtotal::new(p, m))).collect(),
        indicators: results,
    }
}

/// Scores every State that replied in `round` (see the module docs for the method).
///
/// Deterministic: the same dataset and indicators give identical output (facts are taken in
/// source order, maps are ordered, ties are broken by that order).
pub fn score(dataset: &Dataset, indicators: &Indicators, round: &str) -> Result<Scores> {
    indicators.check_against(&dataset.vocabulary)?;
    let respondents = dataset.respondents(round)?;
    let states = respondents.into_iter().map(|s| (s, score_state(dataset, indicators, round, s))).collect();
    Ok(Scores { round: round.to_owned(), indicator_set: indicators.name.clone(), states })
}

/// The full derivation of one State's score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// State.
    pub state: Iso3,
    /// State's name.
    pub name: String,
    /// Round.
    pub round: String,
    /// Whether the State replied in the round (only respondents are scored).
    pub replied: bool,
    /// Indicator set used.
    pub indicator_set: String,
    /// The score and every indicator's derivation.
    pub score: StateScore,
    /// Facts of the State that count towards no indicator (reported, but not scored).
    pub unscored_facts: Vec<Fact>,
    /// The derivation as text (one line per indicator, each point traced to its evidence).
    pub text: String,
}

fn fmt_points(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Explains one State's score: for each indicator, the points, the fact they come from
/// (measure, status, credit, factor, document, paragraph, quote) and the other facts that were
/// considered; the totals per theme and recommendation; and the facts that count towards no
/// indicator. Every point of the total is accounted for by exactly one indicator line.
pub fn explain(dataset: &Dataset, indicators: &Indicators, round: &str, state: Iso3) -> Result<Explanation> {
    indicators.check_against(&dataset.vocabulary)?;
    let r = dataset.round(round)?;
    let country = countries().get(state).ok_or_else(|| Error::UnknownState { state: state.to_string() })?;
    let name = country.display_name(Some(r.year), Mention::Bare);
    let replied = r.replies.iter().any(|reply| reply.state == state);
    let score = score_state(dataset, indicators, round, state);
    let scored: BTreeSet<&str> =
        indicators.indicators.iter().flat_map(|i| i.measures.iter().map(String::as_str)).collect();
    let unscored_facts: Vec<Fact> =
        dataset.facts_in(round).filter(|f| f.state == state && !scored.contains(f.measure.as_str())).cloned().collect();

    let mut text = String::new();
    let _ = writeln!(text, "{name} ({state}), round {round}, indicators: {}", indicators.name);
    let _ = writeln!(
        text,
        "Points count what the round's sources report; a measure that was not reported earns nothing, which does not mean it does not exist."
    );
    if !replied {
        let _ = writeln!(
            text,
            "Note: {name} did not reply in this round; it is not scored and the figures below only show what others reported about it."
        );
    }
    let _ = writeln!(
        text,
        "Total: {} of {} points ({}%)",
        fmt_points(score.total.points),
        fmt_points(score.total.max),
        score.total.percent
    );
    for (rec, gist) in RECOMMENDATIONS {
        let Some(sub) = score.by_recommendation.get(&rec) else {
            continue;
        };
        let _ = writeln!(
            text,
            "\nRecommendation of paragraph {rec} ({gist}): {} of {} points",
            fmt_points(sub.points),
            fmt_points(sub.max)
        );
        for res in score.indicators.iter().filter(|r| r.recommendation == rec) {
            match &res.basis {
                Some(b) => {
                    let _ = writeln!(
                        text,
                        "  {} [{}]: {} of {} = weight {} x credit {} ({}) x factor {} from `{}`; source: {}{}{}",
                        res.label,
                        res.id,
                        fmt_points(res.points),
                        fmt_points(res.max),
                        fmt_points(res.max),
                        fmt_points(b.status_credit),
                        b.status,
                        fmt_points(b.measure_factor),
                        b.measure,
                        b.evidence.document,
                        b.evidence.paragraph.map(|p| format!(", para. {p}")).unwrap_or_default(),
                        b.evidence.quote.as_ref().map(|q| format!(": \"{q}\"")).unwrap_or_default(),
                    );
                    for other in res.considered.iter().skip(1) {
                        let _ = writeln!(
                            text,
                            "      also reported, not added: `{}` ({}) worth {}",
                            other.measure,
                            other.status,
                            fmt_points(other.points)
                        );
                    }
                }
                None => {
                    let why = if res.considered.is_empty() {
                        "no qualifying measure reported".to_owned()
                    } else {
                        let statuses: Vec<String> =
                            res.considered.iter().map(|b| format!("`{}` ({})", b.measure, b.status)).collect();
                        format!("reported only with statuses that earn no credit: {}", statuses.join(", "))
                    };
                    let _ = writeln!(text, "  {} [{}]: 0 of {}: {why}", res.label, res.id, fmt_points(res.max));
                }
            }
        }
    }
    let _ = writeln!(text, "\nBy theme:");
    for (theme, sub) in &score.by_theme {
        let _ = writeln!(text, "  {theme}: {} of {} ({}%)", fmt_points(sub.points), fmt_points(sub.max), sub.percent);
    }
    if !unscored_facts.is_empty() {
        let codes: Vec<&str> = unscored_facts.iter().map(|f| f.measure.as_str()).collect();
        let _ = writeln!(text, "\nReported but counted by no indicator: {}", codes.join(", "));
    }
    Ok(Explanation {
        state,
        name,
        round: round.to_owned(),
        replied,
        indicator_set: indicators.name.clone(),
        score,
        unscored_facts,
        text,
    })
}

/// A change in one measure between two rounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureChange {
    /// Measure code.
    pub measure: String,
    /// Status in the earlier round (`None`: not reported).
    pub from: Option<Status>,
    /// Status in the later round (`None`: not reported).
    pub to: Option<Status>,
}

/// What changed for one State.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateComparison {
    /// State.
    pub state: Iso3,
    /// Score in the earlier round (`None`: did not reply).
    pub from: Option<Subtotal>,
    /// Score in the later round (`None`: did not reply).
    pub to: Option<Subtotal>,
    /// Measures whose reported status changed (only when the State replied in both rounds,
    /// since a missing reply says nothing about measures).
    pub measures: Vec<MeasureChange>,
    /// Indicators whose points changed: (id, from, to).
    pub indicators: Vec<(String, f64, f64)>,
}

/// The comparison of two rounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundComparison {
    /// Earlier round.
    pub from: String,
    /// Later round.
    pub to: String,
    /// States that replied in the later round only.
    pub new_respondents: Vec<Iso3>,
    /// States that replied in the earlier round only.
    pub no_longer_replying: Vec<Iso3>,
    /// Per State that replied in either round.
    pub states: Vec<StateComparison>,
}

/// Compares two rounds: who replied, which measures changed status, how scores moved.
pub fn compare_rounds(dataset: &Dataset, indicators: &Indicators, from: &str, to: &str) -> Result<RoundComparison> {
    let before = score(dataset, indicators, from)?;
    let after = score(dataset, indicators, to)?;
    let all: BTreeSet<Iso3> = before.states.keys().chain(after.states.keys()).copied().collect();
    let status_map = |round: &str, state: Iso3| -> BTreeMap<String, Status> {
        dataset.facts_in(round).filter(|f| f.state == state).map(|f| (f.measure.clone(), f.status)).collect()
    };
    let mut states = Vec::new();
    for state in all {
        let (b, a) = (before.states.get(&state), after.states.get(&state));
        let mut measures = Vec::new();
        let mut changed_indicators = Vec::new();
        if let (Some(b), Some(a)) = (b, a) {
            let (mb, ma) = (status_map(from, state), status_map(to, state));
            let codes: BTreeSet<&String> = mb.keys().chain(ma.keys()).collect();
            // Report changes in vocabulary order, which is the report's order.
            let mut codes: Vec<&String> = codes.into_iter().collect();
            codes.sort_by_key(|c| dataset.vocabulary.position(c));
            for code in codes {
                let (x, y) = (mb.get(code).copied(), ma.get(code).copied());
                if x != y {
                    measures.push(MeasureChange { measure: code.clone(), from: x, to: y });
                }
            }
            for (rb, ra) in b.indicators.iter().zip(&a.indicators) {
                if rb.points != ra.points {
                    changed_indicators.push((rb.id.clone(), rb.points, ra.points));
                }
            }
        }
        states.push(StateComparison {
            state,
            from: b.map(|s| s.total.clone()),
            to: a.map(|s| s.total.clone()),
            measures,
            indicators: changed_indicators,
        });
    }
    Ok(RoundComparison {
        from: from.to_owned(),
        to: to.to_owned(),
        new_respondents: after.states.keys().filter(|s| !before.states.contains_key(s)).copied().collect(),
        no_longer_replying: before.states.keys().filter(|s| !after.states.contains_key(s)).copied().collect(),
        states,
    })
}
