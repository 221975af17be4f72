//! The compiled report: the section "Measures reported by Member States" written from the data
//! in the style of the Secretary-General's reports (UN order and names, counts in words,
//! numbered paragraphs, a footnote listing the respondents), as Markdown and as self-contained
//! HTML, with a States × measures matrix (HTML heatmap and Vega-Lite specification), a
//! ratification table, indicator scores and gaps, and a JSON report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::country::{Iso3, Mention, UnStyle, countries};
use crate::dataset::{Dataset, ListOrder, Round, TreatyStatus};
use crate::error::{Error, Result};
use crate::gaps::{GapAnalysis, gaps_from_scores};
use crate::indicators::{Indicators, RoundComparison, Scores, compare_rounds, score};
use crate::style::{Namer, capitalize, find_state_list, sort_un, un_number};
use crate::vocab::{Instrument, MeasureDef, Status, Theme};

/// The sentence frames shipped with the crate (`src/data/phrasing.toml`).
pub const BUILTIN_PHRASING: &str = include_str!("data/phrasing.toml");

/// Options of [`compile_report`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Round to report on; `None`: the latest.
    pub round: Option<String>,
    /// Order of the lists of States.
    pub order: ListOrder,
    /// Number of the first paragraph: 1 for a text that stands alone (the default); a section of
    /// a longer report continues its numbering (section II of the Secretary-General's 2008
    /// report starts at 2).
    pub first_paragraph: u32,
    /// Section heading. "Member States" in it, as in the sentence frames, becomes "States" when
    /// some State of the round is not a Member State of the United Nations (the demo's
    /// fictional States, observer States).
    pub title: String,
    /// Sentence frames (TOML, see `src/data/phrasing.toml`); `None`: the built-in ones.
    pub phrasing: Option<String>,
    /// Restrict the report to an M49 region, sub-region or intermediate region ("Europe",
    /// "South-eastern Asia"); `None`: every State.
    pub region: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            round: None,
            order: ListOrder::Published,
            first_paragraph: 1,
            title: "Measures reported by Member States".into(),
            phrasing: None,
            region: None,
        }
    }
}

/// "Member States" as written when every State of the round is a Member State of the United
/// Nations, "States" otherwise (the demo's fictional States are no one's members).
fn member_words(text: &str, members: bool) -> String {
    if members { text.to_owned() } else { text.replace("Member States", "States").replace("Member State", "State") }
}

/// Whether every State that replied or has a fact in the round is a Member State of the United
/// Nations.
fn all_members(dataset: &Dataset, round: &Round) -> bool {
    table_states(dataset, round).into_iter().all(|iso3| countries().get(iso3).is_some_and(|c| c.un_member))
}

/// One numbered paragraph of the generated section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportParagraph {
    /// Paragraph number.
    pub number: u32,
    /// Subsection heading this paragraph opens, if any ("A. International instruments").
    pub heading: Option<String>,
    /// The paragraph's text (no markup).
    pub text: String,
    /// Footnote attached after the first sentence: (number, text).
    pub footnote: Option<(u32, String)>,
    /// The paragraphs of the round's source document whose facts it reports.
    pub source_paragraphs: Vec<u32>,
    /// Measure codes it reports.
    pub measures: Vec<String>,
}

/// The compiled report in every output form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompiledReport {
    /// Round reported on.
    pub round: String,
    /// The numbered paragraphs, structured.
    pub paragraphs: Vec<ReportParagraph>,
    /// The section and annexes as Markdown.
    pub markdown: String,
    /// The same as one self-contained HTML page (inline CSS, no scripts, no external links).
    pub html: String,
    /// The JSON report: `{"measures": {CODE: {"states": [...], "count", "paragraph", "by_status"}}, "states", "scores", ...}`.
    pub json: Value,
    /// Vega-Lite (v5) specification of the States × measures heatmap, data inline.
    pub matrix_vega_lite: Value,
    /// The numbered paragraphs and their footnotes alone, as an HTML fragment (no page, no
    /// style) for embedding in another page.
    pub text_html: String,
    /// The indicator scores of the round.
    pub scores: Scores,
    /// The gap analysis of the round.
    pub gaps: GapAnalysis,
    /// What changed since the previous round, when there is one.
    pub changes: Option<RoundComparison>,
    /// Each State's status on each instrument (the ratification table).
    pub treaties: Vec<TreatyStatus>,
    /// The year whose country names the round uses.
    pub year: i32,
    /// The section heading as written ([`ReportOptions::title`], "Member States" made "States"
    /// when not every State is one).
    pub title: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhrasingFile {
    measure: BTreeMap<String, String>,
}

#[derive(Clone)]
enum Token {
    Text(String),
    Slot { name: String, arg: Option<String> },
}

fn tokenize(frame: &str) -> std::result::Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = frame;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            tokens.push(Token::Text(rest[..open].to_owned()));
        }
        let close = rest[open..].find('}').ok_or_else(|| format!("unclosed `{{` in `{frame}`"))? + open;
        let inner = &rest[open + 1..close];
        let (name, arg) = match inner.split_once(':') {
            Some((n, a)) => (n.to_owned(), Some(a.to_owned())),
            None => (inner.to_owned(), None),
        };
        if !matches!(name.as_str(), "states" | "clauses" | "count" | "Count" | "is" | "are" | "has" | "was" | "noun") {
            return Err(format!("unknown placeholder `{{{inner}}}` in `{frame}`"));
        }
        if let Some(a) = &arg
            && Status::parse(a).is_none()
        {
            return Err(format!("unknown status `{a}` in `{frame}`"));
        }
        tokens.push(Token::Slot { name, arg });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        tokens.push(Token::Text(rest.to_owned()));
    }
    Ok(tokens)
}

/// States that share an evidence quote, in list order: (quote, States).
type EvidenceGroups = Vec<(Option<String>, Vec<Iso3>)>;

/// The States of one measure, overall and per status, in list order, and the same split
/// further by evidence quote.
struct Groups {
    all: Vec<Iso3>,
    by_status: Vec<(Status, Vec<Iso3>)>,
    clauses: Vec<(Option<Status>, EvidenceGroups)>,
}

impl Groups {
    fn get(&self, status: Option<&str>) -> Option<&[Iso3]> {
        match status {
            None => Some(&self.all),
            Some(code) => {
                let status = Status::parse(code)?;
                self.by_status.iter().find(|(s, _)| *s == status).map(|(_, v)| v.as_slice())
            }
        }
    }

    fn clauses(&self, status: Option<&str>) -> &[(Option<String>, Vec<Iso3>)] {
        let status = status.and_then(Status::parse);
        self.clauses.iter().find(|(s, _)| *s == status).map_or(&[], |(_, g)| g.as_slice())
    }
}

/// One sentence per group of States that share an evidence quote: the quote itself, with its
/// list of States rewritten in list order and UN style ("The Czech Republic and Norway
/// conducted similar campaigns"); a quote that does not name its States as one list reads
/// "States: “quote”", and States without a quote are listed. Sentences are joined by ". "
/// without a final full stop (the frame supplies it).
fn write_clauses(groups: &[(Option<String>, Vec<Iso3>)], namer: &mut Namer, sentence_start: bool) -> String {
    let mut sentences = Vec::new();
    for (i, (quote, states)) in groups.iter().enumerate() {
        let quote = quote.as_deref().map(|q| q.trim().trim_end_matches('.'));
        let sentence = match quote.and_then(|q| find_state_list(q, states, namer.year()).map(|span| (q, span))) {
            Some((q, (start, end))) => {
                let mention = if q[..start].ends_with('(') { Mention::Bare } else { Mention::Running };
                format!("{}{}{}", &q[..start], namer.list(states, mention), &q[end..])
            }
            None => {
                let list = namer.list(states, Mention::Running);
                match quote {
                    Some(q) if !q.is_empty() => format!("{list}: “{q}”"),
                    _ => list,
                }
            }
        };
        sentences.push(if sentence_start || i > 0 { capitalize(&sentence) } else { sentence });
    }
    sentences.join(". ")
}

/// Writes one measure's sentence(s) from its frame, or from the fallback when the frame
/// refers to a status nobody has.
fn write_measure(frame: Option<&[Token]>, def: &MeasureDef, groups: &Groups, namer: &mut Namer) -> String {
    // A frame that names no status speaks of the measure as done; when the States report it
    // with several statuses, the frame takes those that have it in place (or are party) and the
    // other statuses get their own sentence below, so nothing under way reads as done.
    if let Some(tokens) = frame
        && groups.by_status.len() > 1
        && tokens.iter().all(|t| !matches!(t, Token::Slot { arg: Some(_), .. }))
        && let Some((done, _)) = groups.by_status.iter().find(|(s, _)| matches!(s, Status::Party | Status::InPlace))
    {
        let narrowed: Vec<Token> = tokens
            .iter()
            .map(|t| match t {
                Token::Slot { name, arg: None } => {
                    Token::Slot { name: name.clone(), arg: Some(done.code().to_owned()) }
                }
                other => other.clone(),
            })
            .collect();
        return write_measure(Some(&narrowed), def, groups, namer);
    }
    if let Some(tokens) = frame {
        let feasible = tokens.iter().all(|t| match t {
            Token::Slot { arg, .. } => groups.get(arg.as_deref()).is_some_and(|g| !g.is_empty()),
            Token::Text(_) => true,
        });
        if feasible {
            let mut out = String::new();
            let mut covered: BTreeSet<Status> = BTreeSet::new();
            let mut covers_all = false;
            for token in tokens {
                match token {
                    Token::Text(text) => out.push_str(text),
                    Token::Slot { name, arg } => {
                        let states = groups.get(arg.as_deref()).unwrap_or(&[]);
                        match arg.as_deref().and_then(Status::parse) {
                            Some(s) => {
                                covered.insert(s);
                            }
                            None if name == "states" || name == "clauses" => covers_all = true,
                            None => {}
                        }
                        let sentence_start = out.trim_end().is_empty() || out.trim_end().ends_with('.');
                        let one = states.len() == 1;
                        let piece = match name.as_str() {
                            "clauses" => write_clauses(groups.clauses(arg.as_deref()), namer, sentence_start),
                            "states" => {
                                let mention = if out.ends_with('(') { Mention::Bare } else { Mention::Running };
                                let list = namer.list(states, mention);
                                if sentence_start { capitalize(&list) } else { list }
                            }
                            "count" => un_number(states.len() as u64, sentence_start),
                            "Count" => un_number(states.len() as u64, true),
                            "is" => (if one { "is" } else { "are" }).to_owned(),
                            "are" => (if one { "is" } else { "are" }).to_owned(),
                            "has" => (if one { "has" } else { "have" }).to_owned(),
                            "noun" => (if one { "State" } else { "States" }).to_owned(),
                            _ => (if one { "was" } else { "were" }).to_owned(),
                        };
                        out.push_str(&piece);
                    }
                }
            }
            if !covers_all {
                // Never drop a fact: statuses the frame does not mention get a sentence.
                for (status, states) in groups.by_status.iter().filter(|(s, _)| !covered.contains(s)) {
                    let _ = write!(out, " {} ({}: {}).", def.label, status.words(), namer.list(states, Mention::Bare));
                }
            }
            return out;
        }
    }
    // Fallback: the label, then the States, split by status when there are several.
    if groups.by_status.len() <= 1 {
        format!("{} ({}).", def.label, namer.list(&groups.all, Mention::Bare))
    } else {
        let parts: Vec<String> = groups
            .by_status
            .iter()
            .map(|(s, states)| format!("{}: {}", s.words(), namer.list(states, Mention::Bare)))
            .collect();
        format!("{} ({}).", def.label, parts.join("; "))
    }
}

fn parse_phrasing(text: &str) -> Result<BTreeMap<String, Vec<Token>>> {
    let file: PhrasingFile = toml::from_str(text).map_err(|err| Error::Phrasing { reason: err.to_string() })?;
    file.measure
        .into_iter()
        .map(|(code, frame)| tokenize(&frame).map(|t| (code, t)).map_err(|reason| Error::Phrasing { reason }))
        .collect()
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn format_date(date: jiff::civil::Date) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = MONTHS.get((date.month() as usize).saturating_sub(1)).copied().unwrap_or("");
    format!("{} {} {}", date.day(), month, date.year())
}

/// Builds the numbered paragraphs of the section.
fn build_paragraphs(
    dataset: &Dataset,
    round: &Round,
    options: &ReportOptions,
    frames: &BTreeMap<String, Vec<Token>>,
) -> Vec<ReportParagraph> {
    let mut paragraphs = Vec::new();
    let mut number = options.first_paragraph;
    let year = Some(round.year);

    // Opening paragraph: how many replied, the footnote lists them.
    let mut respondents: Vec<Iso3> = round.replies.iter().map(|r| r.state).collect();
    if options.order == ListOrder::UnAlphabetical || !round.published_order {
        sort_un(&mut respondents, year);
    }
    let mut footnote_namer = Namer::new(year);
    let as_at = round.as_at.map(|d| format!("As at {}, ", format_date(d))).unwrap_or_default();
    let count = un_number(respondents.len() as u64, as_at.is_empty());
    let mandate = round.requested_by.as_ref().map(|m| format!(" relating to {m}")).unwrap_or_default();
    let verb = if respondents.len() == 1 { "Member State responded" } else { "Member States responded" };
    let verb = member_words(verb, all_members(dataset, round));
    let text = format!("{as_at}{count} {verb} to the request for information{mandate}.");
    let footnote = (!respondents.is_empty())
        .then(|| (1, format!("Replies were received from {}.", footnote_namer.list(&respondents, Mention::Running))));
    paragraphs.push(ReportParagraph {
        number,
        heading: None,
        text,
        footnote,
        source_paragraphs: Vec::new(),
        measures: Vec::new(),
    });
    number += 1;

    let mut namer = Namer::new(year);
    let mut letter = b'A';
    for theme in Theme::ALL {
        // Group this theme's measures by source paragraph, in vocabulary order.
        let mut groups: Vec<(u32, Vec<&MeasureDef>)> = Vec::new();
        for def in dataset.vocabulary.measures().iter().filter(|m| m.theme == theme) {
            if dataset.facts_in(&round.id).all(|f| f.measure != def.code) {
                continue;
            }
            match groups.iter_mut().find(|(p, _)| *p == def.paragraph()) {
                Some((_, defs)) => defs.push(def),
                None => groups.push((def.paragraph(), vec![def])),
            }
        }
        if groups.is_empty() {
            continue;
        }
        let mut heading = Some(format!("{}. {}", letter as char, theme.heading()));
        letter += 1;
        for (source_paragraph, defs) in groups {
            let mut sentences = Vec::new();
            for def in &defs {
                let all = dataset.states_with(round, &def.code, None, options.order);
                let by_status = dataset
                    .statuses_of(round, &def.code)
                    .into_iter()
                    .map(|s| (s, dataset.states_with(round, &def.code, Some(s), options.order)))
                    .collect();
                let mut clauses = vec![(None, dataset.evidence_groups(round, &def.code, None, options.order))];
                for status in dataset.statuses_of(round, &def.code) {
                    clauses
                        .push((Some(status), dataset.evidence_groups(round, &def.code, Some(status), options.order)));
                }
                let groups = Groups { all, by_status, clauses };
                sentences.push(write_measure(frames.get(&def.code).map(Vec::as_slice), def, &groups, &mut namer));
            }
            paragraphs.push(ReportParagraph {
                number,
                heading: heading.take(),
                text: sentences.join(" "),
                footnote: None,
                source_paragraphs: vec![source_paragraph],
                measures: defs.iter().map(|d| d.code.clone()).collect(),
            });
            number += 1;
        }
    }
    paragraphs
}

/// States shown in tables: respondents first criterion, then anyone with a fact, UN order.
fn table_states(dataset: &Dataset, round: &Round) -> Vec<Iso3> {
    let mut states: BTreeSet<Iso3> = round.replies.iter().map(|r| r.state).collect();
    states.extend(dataset.facts_in(&round.id).map(|f| f.state));
    let mut states: Vec<Iso3> = states.into_iter().collect();
    sort_un(&mut states, Some(round.year));
    states
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Party | Status::InPlace => "full",
        Status::Signed
        | Status::InPreparation
        | Status::InPlaceOrInPreparation
        | Status::Drafting
        | Status::PreparingRatification => "part",
        Status::PreparingSignature | Status::Planned | Status::RecognizedNeed => "intent",
        Status::NotParty | Status::NotInPlace => "none",
    }
}

/// Compiles the report of a round (see the module docs). Deterministic.
pub fn compile_report(dataset: &Dataset, indicators: &Indicators, options: &ReportOptions) -> Result<CompiledReport> {
    if let Some(region) = &options.region {
        let states: BTreeSet<Iso3> = countries().in_region(region).into_iter().collect();
        if states.is_empty() {
            return Err(Error::UnknownRegion { region: region.clone() });
        }
        let options =
            ReportOptions { region: None, title: format!("{} ({})", options.title, region.trim()), ..options.clone() };
        return compile_report(&dataset.restricted_to(&states), indicators, &options);
    }
    let round = match &options.round {
        Some(id) => dataset.round(id)?,
        None => dataset.latest_round().ok_or_else(|| Error::UnknownRound { round: "(none)".into() })?,
    };
    let frames = parse_phrasing(options.phrasing.as_deref().unwrap_or(BUILTIN_PHRASING))?;
    // A custom frame for a code the vocabulary lacks is a typo; the built-in frames may cover
    // codes a smaller vocabulary does not use.
    if let Some(code) = frames.keys().find(|c| options.phrasing.is_some() && dataset.vocabulary.get(c).is_none()) {
        return Err(Error::Phrasing { reason: format!("frame for unknown measure `{code}`") });
    }
    let members = all_members(dataset, round);
    let frames: BTreeMap<String, Vec<Token>> = frames
        .into_iter()
        .map(|(code, tokens)| {
            let tokens = tokens
                .into_iter()
                .map(|t| match t {
                    Token::Text(text) => Token::Text(member_words(&text, members)),
                    slot => slot,
                })
                .collect();
            (code, tokens)
        })
        .collect();
    let options = &ReportOptions { title: member_words(&options.title, members), ..options.clone() };
    let year = Some(round.year);
    let paragraphs = build_paragraphs(dataset, round, options, &frames);
    let scores = score(dataset, indicators, &round.id)?;
    let gaps = gaps_from_scores(&scores, indicators, round.year);
    let treaties = dataset.treaty_statuses(&round.id);
    let states = table_states(dataset, round);
    let name = |iso3: Iso3| countries().get(iso3).map_or(iso3.to_string(), |c| c.display_name(year, Mention::Bare));
    let cells: BTreeMap<(Iso3, String), Status> =
        dataset.facts_in(&round.id).map(|f| ((f.state, f.measure.clone()), f.status)).collect();
    let measures_present: Vec<&MeasureDef> = dataset
        .vocabulary
        .measures()
        .iter()
        .filter(|m| dataset.facts_in(&round.id).any(|f| f.measure == m.code))
        .collect();

    let context = Context {
        round,
        options,
        paragraphs: &paragraphs,
        states: &states,
        cells: &cells,
        measures: &measures_present,
        treaties: &treaties,
        scores: &scores,
        gaps: &gaps,
        name: &name,
    };
    let markdown = write_markdown(&context);
    let html = write_html(&context);
    let json = write_json(dataset, round, options, &paragraphs, &scores, &gaps, &treaties)?;
    let matrix_vega_lite = vega_lite(dataset, round, &name);
    let (mut markdown, mut html, mut json) = (markdown, html, json);
    let mut changes = None;
    if let Some(previous) = dataset.previous_round(&round.id) {
        let comparison = compare_rounds(dataset, indicators, &previous.id, &round.id)?;
        let (md, table) = changes_section(&comparison, &name);
        markdown.push_str(&md);
        let body = format!("<h2>Annex IV. Changes since round {}</h2>\n{}", html_escape(&comparison.from), table);
        html = html.replacen("</body>", &format!("{body}</body>"), 1);
        json["changes"] = serde_json::to_value(&comparison).map_err(|source| Error::Json { source })?;
        changes = Some(comparison);
    }
    let text_html = paragraphs_html(&paragraphs);
    Ok(CompiledReport {
        round: round.id.clone(),
        paragraphs,
        markdown,
        html,
        json,
        matrix_vega_lite,
        text_html,
        scores,
        gaps,
        changes,
        treaties,
        year: round.year,
        title: options.title.clone(),
    })
}

/// What the Markdown and the HTML page of a round are written from: the same facts, two forms.
#[derive(Clone, Copy)]
struct Context<'a> {
    round: &'a Round,
    options: &'a ReportOptions,
    /// The numbered paragraphs of the section.
    paragraphs: &'a [ReportParagraph],
    /// The States of the tables, in UN order.
    states: &'a [Iso3],
    /// Each State's status on each measure it reported.
    cells: &'a BTreeMap<(Iso3, String), Status>,
    /// The measures someone reported in the round, in vocabulary order.
    measures: &'a [&'a MeasureDef],
    treaties: &'a [TreatyStatus],
    scores: &'a Scores,
    gaps: &'a GapAnalysis,
    /// A State's name as the round's year writes it in a table.
    name: &'a dyn Fn(Iso3) -> String,
}

fn write_markdown(context: &Context) -> String {
    let Context { round, options, paragraphs, states, cells, measures, treaties, scores, gaps, name } = *context;
    let mut md = String::new();
    let _ = writeln!(md, "## {}\n", options.title);
    let _ = writeln!(md, "<!-- round {}: {} -->\n", round.id, round.title);
    let mut footnotes = Vec::new();
    for p in paragraphs {
        if let Some(h) = &p.heading {
            let _ = writeln!(md, "### {h}\n");
        }
        let mut text = p.text.clone();
        if let Some((n, note)) = &p.footnote {
            let cut = text.find(". ").map_or(text.len(), |i| i + 1);
            text.insert_str(cut, &format!("[^{n}]"));
            footnotes.push((*n, note.clone()));
        }
        let _ = writeln!(md, "{}. {text}\n", p.number);
    }
    for (n, note) in &footnotes {
        let _ = writeln!(md, "[^{n}]: {note}\n");
    }

    md.push_str("## Annex I. Status of international instruments\n\n");
    let instruments: Vec<Instrument> =
        Instrument::ALL.into_iter().filter(|i| treaties.iter().any(|t| t.instrument == *i)).collect();
    if instruments.is_empty() {
        md.push_str("No State reported on an instrument in this round.\n\n");
    } else {
        let head: Vec<&str> = instruments.iter().map(|i| i.short_name()).collect();
        let _ = writeln!(md, "| State | {} |", head.join(" | "));
        let _ = writeln!(md, "|---|{}", "---|".repeat(instruments.len()));
        for state in states {
            let row: Vec<String> = instruments
                .iter()
                .map(|i| {
                    treaties.iter().find(|t| t.state == *state && t.instrument == *i).map_or(String::new(), |t| {
                        let para = t.evidence.paragraph.map(|p| format!(" (para. {p})")).unwrap_or_default();
                        format!("{}{para}", t.status.words())
                    })
                })
                .collect();
            if row.iter().any(|c| !c.is_empty()) {
                let _ = writeln!(md, "| {} | {} |", name(*state), row.join(" | "));
            }
        }
        md.push_str(
            "\nAn empty cell means that the round's sources report nothing, not that the State is not party.\n\n",
        );
    }

    md.push_str("## Annex II. Measures reported, by State and theme\n\n");
    let themes: Vec<Theme> = Theme::ALL.into_iter().filter(|t| measures.iter().any(|m| m.theme == *t)).collect();
    let head: Vec<String> = themes
        .iter()
        .map(|t| format!("{} ({})", t.letter(), measures.iter().filter(|m| m.theme == *t).count()))
        .collect();
    let _ = writeln!(md, "| State | {} | Total |", head.join(" | "));
    let _ = writeln!(md, "|---|{}---|", "---|".repeat(themes.len()));
    for state in states {
        let counts: Vec<usize> = themes
            .iter()
            .map(|t| measures.iter().filter(|m| m.theme == *t && cells.contains_key(&(*state, m.code.clone()))).count())
            .collect();
        let total: usize = counts.iter().sum();
        let counts: Vec<String> = counts.iter().map(usize::to_string).collect();
        let _ = writeln!(md, "| {} | {} | {total} |", name(*state), counts.join(" | "));
    }
    md.push_str("\nColumns: subsections of the section above, with the number of measures each has; cells: measures the State reported. The full States × measures matrix is in the HTML report.\n\n");

    let _ = writeln!(md, "## Annex III. Indicator scores ({})\n", scores.indicator_set);
    let themes: Vec<Theme> =
        Theme::ALL.into_iter().filter(|t| scores.states.values().any(|s| s.by_theme.contains_key(t))).collect();
    let head: Vec<String> = themes.iter().map(|t| t.letter().to_string()).collect();
    let _ = writeln!(md, "| State | Total % | {} |", head.join(" | "));
    let _ = writeln!(md, "|---|---|{}", "---|".repeat(themes.len()));
    let mut scored: Vec<Iso3> = scores.states.keys().copied().collect();
    sort_un(&mut scored, Some(round.year));
    for state in &scored {
        let Some(s) = scores.states.get(state) else {
            continue;
        };
        let cols: Vec<String> =
            themes.iter().map(|t| s.by_theme.get(t).map_or(String::new(), |x| format!("{}", x.percent))).collect();
        let _ = writeln!(md, "| {} | {} | {} |", name(*state), s.total.percent, cols.join(" | "));
    }
    md.push_str("\nScores count what the replies report against the indicators; `palermo monitor explain STATE` shows where every point comes from.\n\n");
    md.push_str(&gaps.to_markdown(round.year));
    md
}

const CSS: &str = "body{font-family:Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#111}\
h2,h3{font-family:Helvetica,Arial,sans-serif}p.para{margin-left:2.5rem;text-indent:-2.5rem}\
.note{font-size:.9em;color:#333}table{border-collapse:collapse;font-family:Helvetica,Arial,sans-serif;font-size:.8em}\
td,th{border:1px solid #ccc;padding:2px 4px}.scroll{overflow-x:auto}\
th.m{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:normal}\
td.full{background:#1a7f37;color:#fff}td.part{background:#8fd19e}td.intent{background:#fff3b0}td.none{background:#f2b8b5}\
.legend span{display:inline-block;padding:0 .5em;margin-right:.5em}";

/// The numbered paragraphs and footnotes as an HTML fragment.
fn paragraphs_html(paragraphs: &[ReportParagraph]) -> String {
    let e = html_escape;
    let mut h = String::new();
    let mut footnotes = Vec::new();
    for p in paragraphs {
        if let Some(head) = &p.heading {
            let _ = writeln!(h, "<h3>{}</h3>", e(head));
        }
        let mut text = e(&p.text);
        if let Some((n, note)) = &p.footnote {
            let cut = text.find(". ").map_or(text.len(), |i| i + 1);
            text.insert_str(cut, &format!("<sup><a href=\"#fn{n}\" id=\"ref{n}\">{n}</a></sup>"));
            footnotes.push((*n, note.clone()));
        }
        let src = p.source_paragraphs.iter().map(u32::to_string).collect::<Vec<_>>().join(" ");
        let _ =
            writeln!(h, "<p class=\"para\" id=\"p{}\" data-source=\"{src}\">{}.&emsp;{text}</p>", p.number, p.number);
    }
    if !footnotes.is_empty() {
        h.push_str("<hr>\n");
        for (n, note) in &footnotes {
            let _ =
                writeln!(h, "<p class=\"note\" id=\"fn{n}\"><sup><a href=\"#ref{n}\">{n}</a></sup> {}</p>", e(note));
        }
    }

    h
}

fn write_html(context: &Context) -> String {
    let Context { round, options, paragraphs, states, cells, measures, treaties, scores, gaps, name } = *context;
    let e = html_escape;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        e(&format!("{} — {}", options.title, round.title))
    );
    let _ = writeln!(h, "<h2>{}</h2>", e(&options.title));
    h.push_str(&paragraphs_html(paragraphs));

    h.push_str(
        "<h2>Annex I. Status of international instruments</h2>\n<div class=\"scroll\"><table>\n<tr><th>State</th>",
    );
    let instruments: Vec<Instrument> =
        Instrument::ALL.into_iter().filter(|i| treaties.iter().any(|t| t.instrument == *i)).collect();
    for i in &instruments {
        let _ = write!(h, "<th>{}</th>", e(i.short_name()));
    }
    h.push_str("</tr>\n");
    for state in states {
        let row: Vec<Option<&TreatyStatus>> =
            instruments.iter().map(|i| treaties.iter().find(|t| t.state == *state && t.instrument == *i)).collect();
        if row.iter().all(Option::is_none) {
            continue;
        }
        let _ = write!(h, "<tr><th>{}</th>", e(&name(*state)));
        for cell in row {
            match cell {
                Some(t) => {
                    let title = format!(
                        "{}{}{}",
                        t.evidence.document,
                        t.evidence.paragraph.map(|p| format!(", para. {p}")).unwrap_or_default(),
                        t.evidence.quote.as_ref().map(|q| format!(": {q}")).unwrap_or_default()
                    );
                    let _ = write!(
                        h,
                        "<td class=\"{}\" title=\"{}\">{}</td>",
                        status_class(t.status),
                        e(&title),
                        e(t.status.words())
                    );
                }
                None => h.push_str("<td></td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n<p class=\"note\">An empty cell means that the round's sources report nothing, not that the State is not party.</p>\n");

    h.push_str("<h2>Annex II. States × measures</h2>\n<p class=\"legend\"><span class=\"full\" style=\"background:#1a7f37;color:#fff\">in place / party</span><span style=\"background:#8fd19e\">in preparation, signed, drafting</span><span style=\"background:#fff3b0\">planned, intended</span><span style=\"background:#f2b8b5\">reported absent</span></p>\n<div class=\"scroll\"><table>\n<tr><th>State</th>");
    for m in measures {
        let _ = write!(h, "<th class=\"m\" title=\"{}\">{}</th>", e(&m.label), e(&m.code));
    }
    h.push_str("</tr>\n");
    for state in states {
        let _ = write!(h, "<tr><th>{}</th>", e(&name(*state)));
        for m in measures {
            match cells.get(&(*state, m.code.clone())) {
                Some(s) => {
                    let _ = write!(h, "<td class=\"{}\" title=\"{}\"></td>", status_class(*s), e(s.code()));
                }
                None => h.push_str("<td></td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n");

    let _ = writeln!(h, "<h2>Annex III. Indicator scores</h2>\n<p class=\"note\">{}</p>", e(&scores.indicator_set));
    h.push_str("<table>\n<tr><th>State</th><th>Total %</th>");
    let themes: Vec<Theme> =
        Theme::ALL.into_iter().filter(|t| scores.states.values().any(|s| s.by_theme.contains_key(t))).collect();
    for t in &themes {
        let _ = write!(h, "<th title=\"{}\">{}</th>", e(t.heading()), t.letter());
    }
    h.push_str("</tr>\n");
    let mut scored: Vec<Iso3> = scores.states.keys().copied().collect();
    sort_un(&mut scored, Some(round.year));
    for state in &scored {
        let Some(s) = scores.states.get(state) else {
            continue;
        };
        let _ = write!(h, "<tr><th>{}</th><td>{}</td>", e(&name(*state)), s.total.percent);
        for t in &themes {
            let _ = write!(h, "<td>{}</td>", s.by_theme.get(t).map_or(String::new(), |x| x.percent.to_string()));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n<h3>What the replies show</h3>\n<ul>\n");
    for s in &gaps.statements {
        let _ = writeln!(h, "<li>{}</li>", e(&s.text));
    }
    h.push_str("</ul>\n</body>\n</html>\n");
    h
}

fn write_json(
    dataset: &Dataset,
    round: &Round,
    options: &ReportOptions,
    paragraphs: &[ReportParagraph],
    scores: &Scores,
    gaps: &GapAnalysis,
    treaties: &[TreatyStatus],
) -> Result<Value> {
    let mut measures = Map::new();
    for def in dataset.vocabulary.measures() {
        let states = dataset.states_with(round, &def.code, None, options.order);
        let mut by_status = Map::new();
        for status in dataset.statuses_of(round, &def.code) {
            let list = dataset.states_with(round, &def.code, Some(status), options.order);
            by_status.insert(status.code().to_owned(), json!(list));
        }
        measures.insert(
            def.code.clone(),
            json!({
                "label": def.label,
                "theme": def.theme,
                "section": def.section,
                "paragraph": def.paragraph(),
                "recommendation": def.recommendation_paragraph,
                "count": states.len(),
                "states": states,
                "by_status": by_status,
            }),
        );
    }
    let respondents: BTreeSet<Iso3> = round.replies.iter().map(|r| r.state).collect();
    let mut states = Map::new();
    for iso3 in table_states(dataset, round) {
        let Some(c) = countries().get(iso3) else {
            continue;
        };
        let reported: BTreeMap<&str, &str> = dataset
            .facts_in(&round.id)
            .filter(|f| f.state == iso3)
            .map(|f| (f.measure.as_str(), f.status.code()))
            .collect();
        states.insert(
            iso3.to_string(),
            json!({
                "name": c.display_name(Some(round.year), Mention::Bare),
                "reporting": respondents.contains(&iso3),
                "m49": c.m49,
                "region": c.region,
                "sub_region": c.sub_region,
                "intermediate_region": c.intermediate_region,
                "measures": reported,
            }),
        );
    }
    let score_summary: BTreeMap<String, Value> = scores
        .states
        .iter()
        .map(|(k, s)| {
            (k.to_string(), json!({"total": s.total, "by_theme": s.by_theme, "by_recommendation": s.by_recommendation}))
        })
        .collect();
    Ok(json!({
        "round": {
            "id": round.id,
            "title": round.title,
            "as_at": round.as_at,
            "requested_by": round.requested_by,
            "source_document": round.source_document,
        },
        "respondents": round.replies.iter().map(|r| r.state).collect::<Vec<_>>(),
        "entity_respondents": round.entity_replies,
        "measures": measures,
        "states": states,
        "indicator_set": scores.indicator_set,
        "scores": score_summary,
        "gaps": serde_json::to_value(gaps).map_err(|source| Error::Json { source })?,
        "ratifications": serde_json::to_value(treaties).map_err(|source| Error::Json { source })?,
        "paragraphs": serde_json::to_value(paragraphs).map_err(|source| Error::Json { source })?,
    }))
}

fn vega_lite(dataset: &Dataset, round: &Round, name: &dyn Fn(Iso3) -> String) -> Value {
    // Readers see the measures' labels and the States' names; the codes stay in the tooltip.
    let label = |code: &str| dataset.vocabulary.get(code).map_or(code.to_owned(), |d| d.label.clone());
    let values: Vec<Value> = dataset
        .facts_in(&round.id)
        .map(|f| {
            let theme = dataset.vocabulary.get(&f.measure).map(|d| d.theme.code()).unwrap_or("");
            json!({"State": name(f.state), "iso3": f.state, "Measure": label(&f.measure), "code": f.measure,
                   "theme": theme, "Status": f.status.words(), "level": status_class(f.status)})
        })
        .collect();
    let mut state_order: Vec<Iso3> = table_states(dataset, round);
    sort_un(&mut state_order, Some(round.year));
    let state_names: Vec<String> = state_order.into_iter().map(name).collect();
    let measure_order: Vec<String> = dataset.vocabulary.measures().iter().map(|m| m.label.clone()).collect();
    json!({
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": format!("Measures reported, round {}", round.id),
        "data": {"values": values},
        "mark": "rect",
        "encoding": {
            // No axis title: the labels say what they are, and a title would be drawn over the
            // longest of them.
            "x": {"field": "Measure", "type": "nominal", "sort": measure_order, "title": null,
                  "axis": {"labelAngle": -90, "labelLimit": 400}},
            "y": {"field": "State", "type": "nominal", "sort": state_names, "axis": {"labelLimit": 400}},
            "color": {"field": "level", "type": "nominal", "title": "Status",
                      "scale": {"domain": ["full", "part", "intent", "none"], "range": ["#1a7f37", "#8fd19e", "#fff3b0", "#f2b8b5"]},
                      "legend": {"labelExpr": "{'full': 'In place or party', 'part': 'Under way', 'intent': 'Planned or intended', 'none': 'Reported absent'}[datum.label]"}},
            "tooltip": [{"field": "State"}, {"field": "Measure"}, {"field": "code", "title": "Code"}, {"field": "Status"}]
        }
    })
}

/// Annex IV: what changed since the previous round, as Markdown and as an HTML fragment.
fn changes_section(cmp: &RoundComparison, name: &dyn Fn(Iso3) -> String) -> (String, String) {
    let names = |states: &[Iso3]| -> String {
        if states.is_empty() {
            "none".to_owned()
        } else {
            states.iter().map(|s| name(*s)).collect::<Vec<_>>().join(", ")
        }
    };
    let mut md = format!("## Annex IV. Changes since round {}\n\n", cmp.from);
    let _ = writeln!(md, "- New respondents: {}.", names(&cmp.new_respondents));
    let _ = writeln!(
        md,
        "- Replied in round {} but not in round {}: {}.\n",
        cmp.from,
        cmp.to,
        names(&cmp.no_longer_replying)
    );
    let _ = writeln!(
        md,
        "| State | Score {} % | Score {} % | Measures added | Status changed | No longer reported |",
        cmp.from, cmp.to
    );
    md.push_str("|---|---|---|---|---|---|\n");
    let mut html = String::from(
        "<table>\n<tr><th>State</th><th>Before %</th><th>After %</th><th>Added</th><th>Changed</th><th>No longer reported</th></tr>\n",
    );
    let pct = |s: &Option<crate::indicators::Subtotal>| s.as_ref().map_or("–".to_owned(), |x| x.percent.to_string());
    for st in cmp.states.iter().filter(|s| s.to.is_some()) {
        let codes = |pred: &dyn Fn(&crate::indicators::MeasureChange) -> bool| -> String {
            st.measures.iter().filter(|m| pred(m)).map(|m| m.measure.as_str()).collect::<Vec<_>>().join(", ")
        };
        let added = codes(&|m| m.from.is_none());
        let changed = codes(&|m| m.from.is_some() && m.to.is_some());
        let dropped = codes(&|m| m.to.is_none());
        let _ = writeln!(
            md,
            "| {} | {} | {} | {added} | {changed} | {dropped} |",
            name(st.state),
            pct(&st.from),
            pct(&st.to)
        );
        let _ = writeln!(
            html,
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html_escape(&name(st.state)),
            pct(&st.from),
            pct(&st.to),
            html_escape(&added),
            html_escape(&changed),
            html_escape(&dropped)
        );
    }
    md.push_str("\nA State that did not reply in one of the two rounds has no measure changes: a missing reply says nothing about its measures.\n");
    html.push_str("</table>\n");
    (md, html)
}
