//! Gap analysis: for each recommendation (paragraphs 58–63), which responding States reported
//! no measure that meets it; for each State, which indicators it lacks; and the plain
//! statements the data support ("Twenty-four of the 40 reporting States have a national
//! action plan…"), written in UN style.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::country::{Iso3, Mention};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::indicators::{Indicators, RECOMMENDATIONS, Scores, score};
use crate::style::{Namer, sort_un, un_number};

/// One recommendation's gaps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecommendationGap {
    /// Paragraph (58–63).
    pub paragraph: u32,
    /// Our one-line summary of the recommendation.
    pub gist: String,
    /// Indicators that measure it.
    pub indicators: Vec<String>,
    /// Responding States with at least one point on one of those indicators.
    pub states_meeting: Vec<Iso3>,
    /// Responding States with none (UN order).
    pub states_without: Vec<Iso3>,
}

/// One State's gaps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateGaps {
    /// Indicators with no points.
    pub missing_indicators: Vec<String>,
    /// Indicators with some but not all points (partial credit).
    pub partial_indicators: Vec<String>,
    /// Recommendations for which no indicator earned a point.
    pub missing_recommendations: Vec<u32>,
}

/// A statement the data support, with the count behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// Indicator it is about.
    pub indicator: String,
    /// States that meet it at least in part.
    pub count: usize,
    /// Responding States.
    pub of: usize,
    /// The sentence.
    pub text: String,
}

/// The gap analysis of a round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GapAnalysis {
    /// Round.
    pub round: String,
    /// Number of responding States.
    pub respondents: usize,
    /// Per recommendation.
    pub recommendations: Vec<RecommendationGap>,
    /// Per State.
    pub states: BTreeMap<Iso3, StateGaps>,
    /// Statements, one per indicator.
    pub statements: Vec<Statement>,
    /// Label of each indicator, for the per-State lists.
    pub indicator_labels: BTreeMap<String, String>,
}

/// Computes the gap analysis of a round with the given indicators.
pub fn gap_analysis(dataset: &Dataset, indicators: &Indicators, round: &str) -> Result<GapAnalysis> {
    let scores = score(dataset, indicators, round)?;
    let year = dataset.round(round)?.year;
    Ok(gaps_from_scores(&scores, indicators, year))
}

pub(crate) fn gaps_from_scores(scores: &Scores, indicators: &Indicators, year: i32) -> GapAnalysis {
    let respondents = scores.states.len();
    let mut recommendations = Vec::new();
    for (paragraph, gist) in RECOMMENDATIONS {
        let ids: Vec<String> =
            indicators.indicators.iter().filter(|i| i.recommendation == paragraph).map(|i| i.id.clone()).collect();
        if ids.is_empty() {
            continue;
        }
        let (mut meeting, mut without) = (Vec::new(), Vec::new());
        for (state, s) in &scores.states {
            let met = s.indicators.iter().any(|r| r.recommendation == paragraph && r.points > 0.0);
            if met { meeting.push(*state) } else { without.push(*state) }
        }
        sort_un(&mut meeting, Some(year));
        sort_un(&mut without, Some(year));
        recommendations.push(RecommendationGap {
            paragraph,
            gist: gist.to_owned(),
            indicators: ids,
            states_meeting: meeting,
            states_without: without,
        });
    }
    let states = scores
        .states
        .iter()
        .map(|(state, s)| {
            let missing_indicators = s.indicators.iter().filter(|r| r.points <= 0.0).map(|r| r.id.clone()).collect();
            let partial_indicators =
                s.indicators.iter().filter(|r| r.points > 0.0 && r.points < r.max).map(|r| r.id.clone()).collect();
            let missing_recommendations =
                s.by_recommendation.iter().filter(|(_, sub)| sub.points <= 0.0).map(|(rec, _)| *rec).collect();
            (*state, StateGaps { missing_indicators, partial_indicators, missing_recommendations })
        })
        .collect();
    let mut statements = Vec::new();
    for ind in &indicators.indicators {
        let count =
            scores.states.values().filter(|s| s.indicators.iter().any(|r| r.id == ind.id && r.points > 0.0)).count();
        let text = format!(
            "{} of the {} reporting States {}.",
            un_number(count as u64, true),
            un_number(respondents as u64, false),
            ind.statement
        );
        statements.push(Statement { indicator: ind.id.clone(), count, of: respondents, text });
    }
    let indicator_labels = indicators.indicators.iter().map(|i| (i.id.clone(), i.label.clone())).collect();
    GapAnalysis { round: scores.round.clone(), respondents, recommendations, states, statements, indicator_labels }
}

impl GapAnalysis {
    /// The analysis as Markdown: statements, then per recommendation the States without a
    /// qualifying measure, in UN order and style.
    pub fn to_markdown(&self, year: i32) -> String {
        let mut namer = Namer::new(Some(year));
        let mut out = String::new();
        out.push_str("### What the replies show\n\n");
        for s in &self.statements {
            out.push_str(&format!("- {}\n", s.text));
        }
        out.push_str("\n### Recommendations without a reported measure\n\n");
        for r in &self.recommendations {
            let list = if r.states_without.is_empty() {
                "every reporting State reported at least one qualifying measure".to_owned()
            } else {
                let n = r.states_without.len();
                format!(
                    "{} reporting {} reported no qualifying measure ({})",
                    un_number(n as u64, false),
                    if n == 1 { "State" } else { "States" },
                    namer.list(&r.states_without, Mention::Bare)
                )
            };
            out.push_str(&format!("- Paragraph {} ({}): {list}.\n", r.paragraph, r.gist));
        }
        out.push_str("\n### What each reporting State did not report\n\n");
        let mut states: Vec<Iso3> = self.states.keys().copied().collect();
        sort_un(&mut states, Some(year));
        for state in states {
            let Some(g) = self.states.get(&state) else {
                continue;
            };
            let label = |id: &String| self.indicator_labels.get(id).cloned().unwrap_or_else(|| id.clone());
            let missing: Vec<String> = g.missing_indicators.iter().map(label).collect();
            let partial: Vec<String> = g.partial_indicators.iter().map(label).collect();
            let mut line = format!("- {}: ", namer.name(state, Mention::Bare));
            line.push_str(&if missing.is_empty() { "nothing missing".to_owned() } else { missing.join("; ") });
            if !partial.is_empty() {
                line.push_str(&format!(" (in part only: {})", partial.join("; ")));
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}
