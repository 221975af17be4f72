//! The generated Markdown reproduces, word for word, every list of States in paragraphs 3–31 of
//! the 2008 report. Reference lists are extracted here from the report's text, independently
//! of the generator.

use std::collections::BTreeSet;

use monitor::{Iso3, Mention, ReportOptions, UnStyle, compile_report, countries};

use crate::fixture::fixture;

/// Numbered paragraphs of the report, with page breaks and footnotes taken out.
fn paragraphs(text: &str) -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("---") || line.starts_with("<sup>") {
            continue;
        }
        if line.starts_with('#') {
            current = None;
            continue;
        }
        let number = line.split_once(". ").and_then(|(n, _)| n.parse::<u32>().ok()).filter(|n| *n <= 63);
        match number {
            Some(n) => {
                out.push((n, line.split_once(". ").map(|x| x.1).unwrap_or("").to_owned()));
                current = Some(out.len() - 1);
            }
            None => {
                if let Some(i) = current {
                    out[i].1.push(' ');
                    out[i].1.push_str(line);
                }
            }
        }
    }
    out.into_iter()
        .map(|(n, t)| {
            let mut t = t.replace('*', "");
            while let Some(a) = t.find("<sup>") {
                let b = t[a..].find("</sup>").map_or(t.len(), |b| a + b + 6);
                t.replace_range(a..b, "");
            }
            (n, t.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .collect()
}

/// Every spelling of every State a 2008 UN text may use, longest first.
fn gazetteer() -> Vec<(String, Iso3)> {
    let mut names = BTreeSet::new();
    for c in countries().all() {
        for year in [Some(2008), None] {
            for mention in [Mention::Bare, Mention::Running, Mention::RunningLong] {
                let name = c.display_name(year, mention);
                let mut chars = name.chars();
                let capital: String = chars.next().map(|f| f.to_uppercase().chain(chars).collect()).unwrap_or_default();
                names.insert((name, c.iso3));
                names.insert((capital, c.iso3));
            }
        }
    }
    let mut names: Vec<(String, Iso3)> = names.into_iter().collect();
    names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    names
}

struct Phrase {
    text: String,
    states: BTreeSet<Iso3>,
}

/// Lists of two or more States joined by ", " / " and ", and single States in parentheses.
fn lists_in(text: &str, gazetteer: &[(String, Iso3)]) -> Vec<Phrase> {
    let boundary = |s: &str, at: usize| s[..at].chars().last().is_none_or(|c| !c.is_alphanumeric());
    let after = |s: &str, at: usize| s[at..].chars().next().is_none_or(|c| !c.is_alphanumeric());
    let mut matches: Vec<(usize, usize, Iso3)> = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let hit = gazetteer.iter().find(|(name, _)| {
            text[pos..].starts_with(name.as_str()) && boundary(text, pos) && after(text, pos + name.len())
        });
        match hit {
            Some((name, iso3)) => {
                matches.push((pos, pos + name.len(), *iso3));
                pos += name.len();
            }
            None => pos += text[pos..].chars().next().map_or(1, char::len_utf8),
        }
    }
    let mut phrases = Vec::new();
    let mut i = 0;
    while i < matches.len() {
        let mut j = i;
        while j + 1 < matches.len() && matches!(&text[matches[j].1..matches[j + 1].0], ", " | " and " | ", and ") {
            j += 1;
        }
        let (start, end) = (matches[i].0, matches[j].1);
        if j > i {
            phrases.push(Phrase {
                text: text[start..end].to_owned(),
                states: matches[i..=j].iter().map(|m| m.2).collect(),
            });
        } else if text[..start].ends_with('(') && text[end..].starts_with(')') {
            phrases.push(Phrase { text: format!("({})", &text[start..end]), states: BTreeSet::from([matches[i].2]) });
        }
        i = j + 1;
    }
    phrases
}

#[test]
fn markdown_reproduces_every_list_of_section_two() {
    let Some(fx) = fixture() else { return };
    let report = compile_report(&fx.dataset, &fx.indicators, &ReportOptions::default()).expect("report");
    let round = fx.dataset.round("2008").expect("round");
    let gazetteer = gazetteer();
    let mut checked = 0;
    for (number, text) in paragraphs(&fx.report_text).into_iter().filter(|(n, _)| (3..=31).contains(n)) {
        let generated: Vec<&str> = report
            .paragraphs
            .iter()
            .filter(|p| p.source_paragraphs.contains(&number))
            .map(|p| p.text.as_str())
            .collect();
        // The sets of States the data record for this paragraph: whole, per status, and per
        // evidence quote within a status (States reported together, as in paragraph 19's "The
        // Czech Republic and Norway conducted similar campaigns"). Computed here from the facts,
        // not from the generator.
        let mut sets: Vec<BTreeSet<Iso3>> = Vec::new();
        for def in fx.dataset.vocabulary.measures().iter().filter(|m| m.paragraph() == number) {
            let facts: Vec<_> = fx.dataset.facts_in(&round.id).filter(|f| f.measure == def.code).collect();
            sets.push(facts.iter().map(|f| f.state).collect());
            let mut by_status: BTreeSet<BTreeSet<Iso3>> = BTreeSet::new();
            let mut by_quote: std::collections::BTreeMap<_, BTreeSet<Iso3>> = Default::default();
            for f in &facts {
                by_status.insert(facts.iter().filter(|g| g.status == f.status).map(|g| g.state).collect());
                by_quote.entry((f.status, f.evidence.quote.clone())).or_default().insert(f.state);
            }
            sets.extend(by_status);
            sets.extend(by_quote.into_values());
        }
        for phrase in lists_in(&text, &gazetteer) {
            assert!(
                sets.contains(&phrase.states),
                "paragraph {number}: list \"{}\" is no measure's, status's or evidence group's set of States",
                phrase.text
            );
            let found = generated.iter().any(|g| g.contains(&phrase.text));
            assert!(found, "paragraph {number}: list \"{}\" not reproduced; generated: {generated:#?}", phrase.text);
            assert!(report.markdown.contains(&phrase.text), "paragraph {number}: not in the Markdown");
            checked += 1;
        }
    }
    println!("{checked} lists reproduced word for word");
    assert!(checked >= 74, "only {checked} lists found: extraction broken?");
}

#[test]
fn footnote_lists_respondents_as_the_report_does() {
    let Some(fx) = fixture() else { return };
    let report = compile_report(&fx.dataset, &fx.indicators, &ReportOptions::default()).expect("report");
    let line = fx.report_text.lines().find(|l| l.starts_with("<sup>1</sup>")).expect("footnote 1 in the report");
    let reference = line.trim_start_matches("<sup>1</sup>").trim();
    let (_, footnote) = report.paragraphs[0].footnote.clone().expect("respondents footnote");
    assert_eq!(footnote, reference);
    assert!(report.markdown.contains(&format!("[^1]: {reference}")));
    assert!(report.paragraphs[0].text.starts_with("As at 6 June 2008, 40 Member States responded"));
}

#[test]
fn html_is_self_contained_and_numbered() {
    let Some(fx) = fixture() else { return };
    let report = compile_report(&fx.dataset, &fx.indicators, &ReportOptions::default()).expect("report");
    assert!(report.html.starts_with("<!DOCTYPE html>"));
    assert!(!report.html.contains("<script") && !report.html.contains("<link"));
    for p in &report.paragraphs {
        assert!(report.html.contains(&format!("id=\"p{}\"", p.number)), "paragraph {} missing", p.number);
    }
    // Heatmap cells carry status classes; the ratification table lists the CoE Convention.
    assert!(report.html.contains("<td class=\"full\""));
    assert!(report.html.contains("Council of Europe Convention"));
    // Well-formed enough for any browser: every container opened is closed.
    for tag in ["table", "tr", "p", "h2", "h3", "ul", "li", "div"] {
        let opened =
            report.html.matches(&format!("<{tag}>")).count() + report.html.matches(&format!("<{tag} ")).count();
        let closed = report.html.matches(&format!("</{tag}>")).count();
        assert_eq!(opened, closed, "<{tag}> opened {opened} times, closed {closed}");
    }
    // Paragraph numbers are consecutive from the first.
    let numbers: Vec<u32> = report.paragraphs.iter().map(|p| p.number).collect();
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1));
    assert_eq!(numbers[0], ReportOptions::default().first_paragraph);
    let vl = &report.matrix_vega_lite;
    assert_eq!(vl["data"]["values"].as_array().map(Vec::len), Some(fx.dataset.facts.len()));
}

#[test]
fn report_is_reproducible() {
    let Some(fx) = fixture() else { return };
    let a = compile_report(&fx.dataset, &fx.indicators, &ReportOptions::default()).expect("report");
    let reloaded = monitor::Dataset::from_json(&fx.dataset.to_json().expect("json")).expect("reload");
    assert_eq!(reloaded, fx.dataset);
    let b = compile_report(&reloaded, &fx.indicators, &ReportOptions::default()).expect("report");
    assert_eq!(a, b);
}

/// Without the shared data: States that share an evidence quote are written as one sentence,
/// their names rewritten in the list order asked for; a frame that names no status is used for
/// the States that have the measure in place, and the others get their own sentence.
#[test]
fn evidence_groups_and_mixed_statuses() {
    use monitor::{Dataset, Indicators, ListOrder, SeedFiles, SeedRound};
    let vocabulary = "measure,label,section,paragraphs,theme,recommendation_paragraph\n\
        special_police_units,Special police units,II.B,11,legislation_justice,58\n\
        demand_campaign,Campaigns addressing demand,II.E,19,prevention,60\n";
    let states = "state,iso3,reporting,name_in_footnote_1,m49_code,region,sub_region,intermediate_region,mentioned_in,measure_rows\n\
        Czech Republic,CZE,true,the Czech Republic,203,Europe,Eastern Europe,,,2\n\
        Luxembourg,LUX,true,Luxembourg,442,Europe,Western Europe,,,1\n\
        Norway,NOR,true,Norway,578,Europe,Northern Europe,,,2\n\
        United Kingdom,GBR,true,the United Kingdom of Great Britain and Northern Ireland,826,Europe,Northern Europe,,,1\n";
    let measures = "state,iso3,paragraph,section,measure,status,quote\n\
        Norway,NOR,11,II.B,special_police_units,in_preparation,Norway is setting up a unit\n\
        Czech Republic,CZE,11,II.B,special_police_units,in_place,units exist\n\
        United Kingdom,GBR,19,II.E,demand_campaign,in_place,the United Kingdom ran a campaign among purchasers\n\
        Norway,NOR,19,II.E,demand_campaign,in_place,Norway and the Czech Republic conducted similar campaigns\n\
        Czech Republic,CZE,19,II.E,demand_campaign,in_place,Norway and the Czech Republic conducted similar campaigns\n\
        Luxembourg,LUX,19,II.E,demand_campaign,planned,a plan of Luxembourg foresees one\n";
    let files =
        SeedFiles { measures_csv: measures, vocabulary_csv: vocabulary, states_csv: states, un_entities_csv: None };
    let dataset = Dataset::import_seed(&files, &SeedRound::sg_report_2008()).expect("seed");
    let indicators = Indicators::builtin().expect("indicators").restricted_to(&dataset.vocabulary);
    let text = |order: ListOrder| {
        let options = ReportOptions { order, ..ReportOptions::default() };
        let report = compile_report(&dataset, &indicators, &options).expect("report");
        report.paragraphs.iter().map(|p| p.text.clone()).collect::<Vec<_>>().join("\n")
    };
    let published = text(ListOrder::Published);
    assert!(published.contains(". Norway and the Czech Republic conducted similar campaigns. "), "{published}");
    assert!(published.contains("ran a campaign among purchasers. "), "{published}");
    assert!(published.contains(". A plan of Luxembourg foresees one."), "{published}");
    let alphabetical = text(ListOrder::UnAlphabetical);
    assert!(alphabetical.contains(". The Czech Republic and Norway conducted similar campaigns. "), "{alphabetical}");
    // Mixed statuses: the frame speaks of units established, so only for the Czech Republic.
    assert!(published.contains("have been established (Czech Republic)."), "{published}");
    assert!(published.contains("Special police units (in preparation: Norway)."), "{published}");
}
