//! The observatory's HTML report (`out/report.html`), built from its protected statistics: the
//! page a national rapporteur could hand to a minister. Every number on it comes from a table that
//! has passed disclosure control; a withheld cell is marked `x`, with the reason, in the charts
//! and in the tables, never drawn as a zero.

use report::{Block, Chart, Figure, Report, Section, Table};
use serde_json::{Value, json};

use crate::Result;
use crate::linkage::Linkage;
use crate::observatory::Observatory;
use crate::stats::{Cell, DisclosureSummary, StatTable, Statistics};

/// What the run estimated, for the report.
#[derive(Clone, Copy)]
pub struct Estimates<'a> {
    pub estimate: Option<&'a mse::EstimateReport>,
    /// The interval's widening for linkage errors.
    pub uncertainty: Option<&'a crate::linkage::LinkageUncertainty>,
    /// The models along the stepwise search: (label, estimate, lower, upper).
    pub path: &'a [(String, f64, f64, f64)],
    pub strata: &'a [crate::strata::FieldStrata],
    /// Every configured method's estimate, side by side (`[estimate] methods`).
    pub comparison: Option<&'a crate::methods::Comparison>,
}

/// Renders the report page.
pub async fn render(
    observatory: &Observatory,
    statistics: &Statistics,
    linkage: Option<(&Linkage, Option<crate::linkage::TruthQuality>)>,
    estimates: &Estimates<'_>,
    monitoring: Option<&::monitor::CompiledReport>,
) -> Result<String> {
    let Estimates { estimate, uncertainty, path, strata, comparison } = *estimates;
    let mut report = build(observatory, statistics);
    if let Some(compiled) = monitoring {
        report.sections.push(monitoring_section(compiled));
    }
    if let Some((linkage, quality)) = linkage {
        // After "Flows", before the criminal-justice section (or what follows it).
        let at = report
            .sections
            .iter()
            .position(|s| matches!(s.id.as_str(), "justice" | "sdg" | "quality" | "method"))
            .unwrap_or(report.sections.len());
        let mut section = linkage_section(linkage, quality, estimate, uncertainty, path, statistics);
        if let Some(c) = comparison {
            section.blocks.extend(methods_blocks(c));
        }
        if let Some(e) = estimate {
            for field in strata {
                section.blocks.extend(strata_blocks(field, e));
            }
        }
        report.sections.insert(at, section);
        // The headline: the first configured method that gave an estimate, corrected for the
        // linkage where it was refitted on the drawn linkages.
        let headline = comparison.and_then(|c| c.headline()).and_then(|m| {
            let (interval, which) = match m.linkage_interval {
                Some(i) => {
                    (i, "corrected for the links the linkage probably missed; 95% interval, linkage errors included,")
                }
                None => (m.interval?, "95% interval"),
            };
            Some((m.corrected.or(m.estimate)?, interval, which, m.label.clone()))
        });
        let headline = headline.or_else(|| {
            estimate.map(|e| match uncertainty {
                Some(u) => (
                    u.estimate,
                    u.interval,
                    "corrected for the links the linkage probably missed; 95% interval, linkage errors included,",
                    String::new(),
                ),
                None => (e.estimate, e.ci_bca.unwrap_or(e.ci_conditional), "95% interval", String::new()),
            })
        });
        if let Some((point, interval, which, label)) = headline {
            let label = if label.is_empty() { String::new() } else { format!(", {label}") };
            report.headline.insert(
                1,
                Figure::new(
                    "Estimated victims",
                    format_count(round_estimate(point)),
                    format!(
                        "including those no agency saw (Multiple Systems Estimation{label}; {which} {}){}",
                        interval_text(interval),
                        if linkage.warnings.is_empty() { "" } else { "; the linkage is in doubt: see below" }
                    ),
                ),
            );
        }
    }
    report.validate().map_err(|e| crate::Error::Internal(format!("building the report: {e}")))?;
    Ok(report::render(&report))
}

fn label(vocabulary: &model::vocab::Vocabulary, code: &str) -> String {
    vocabulary.label(code).to_owned()
}

fn sex_label(code: &str) -> String {
    label(&model::vocab::SEX, code)
}

fn form_label(code: &str) -> String {
    label(&model::vocab::EXPLOITATION, code)
}

fn age_label(code: &str) -> String {
    match code {
        "child" => "Children".into(),
        "adult" => "Adults".into(),
        other => label(&model::vocab::AGE_GROUP, other),
    }
}

/// Rows of a protected table as (key cells, count), the count `None` where disclosure control
/// withheld it.
fn counted<'a>(table: Option<&'a StatTable>) -> impl Iterator<Item = (Vec<&'a str>, Option<u64>)> + 'a {
    table.into_iter().flat_map(|t| {
        let count_at = t.columns.iter().position(|c| c == "count");
        t.rows.iter().filter_map(move |row| {
            let n = match row.get(count_at?)? {
                Cell::Count(n) => Some(*n),
                Cell::Suppressed => None,
                _ => return None,
            };
            let keys = row
                .iter()
                .filter_map(|c| match c {
                    Cell::Text(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect();
            Some((keys, n))
        })
    })
}

/// Rows of a protected table as (key cells, visible count); withheld rows are skipped (for
/// headline figures, which are sums of what is published).
fn visible<'a>(table: Option<&'a StatTable>) -> impl Iterator<Item = (Vec<&'a str>, u64)> + 'a {
    counted(table).filter_map(|(keys, n)| Some((keys, n?)))
}

/// What a withheld cell means, for the reader.
fn withheld_reason(min_cell: u64) -> String {
    format!(
        "withheld by disclosure control (a count from 1 to {}, or one from which such a count could be worked out)",
        min_cell.saturating_sub(1)
    )
}

/// A chart row with its count, or marked withheld (drawn as `x`, never as a zero).
fn chart_row(mut row: Value, value: &str, n: Option<u64>, reason: &str) -> Value {
    match n {
        Some(n) => {
            row[value] = json!(n);
            row
        }
        None => report::charts::withheld(row, value, reason),
    }
}

/// A column of a statistical table as headed for people: the CSV's snake_case name in words.
fn column_label(column: &str) -> String {
    match column {
        "count" => "Count".to_owned(),
        "age_group" => "Age group".to_owned(),
        "quarantined_rows" => "Rows refused (quarantine)".to_owned(),
        "per_100000" => "Per 100,000 population".to_owned(),
        "percent_missing" => "Missing (%)".to_owned(),
        "field" => "Field".to_owned(),
        other => humanize(other),
    }
}

/// `prosecuted_per_investigated` → "Prosecuted per investigated".
fn humanize(code: &str) -> String {
    let words = code.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A text cell of a statistical table as read by people: codes of a vocabulary as their labels,
/// field names as the fields' labels, country codes as names.
fn cell_label(column: &str, value: &str) -> String {
    match column {
        "sex" => sex_label(value),
        "age_group" => age_label(value),
        "field" => field_label(value),
        "citizenship" | "country_of_exploitation" => country_name(value),
        "source" => humanize(value),
        _ => value.to_owned(),
    }
}

fn field_label(name: &str) -> String {
    model::RecordKind::Persons
        .fields()
        .iter()
        .find(|f| f.name == name)
        .map_or_else(|| humanize(name), |f| f.label.to_owned())
}

/// A country's name from the one country table; the code itself when it is not a country
/// (`unknown`, `not_recorded`).
fn country_name(code: &str) -> String {
    match model::country::Iso3::parse(code).and_then(|iso3| model::country::countries().get(iso3)) {
        Some(country) => country.name.clone(),
        None => match code {
            model::vocab::UNKNOWN => "Unknown".to_owned(),
            model::vocab::NOT_RECORDED => "Not recorded".to_owned(),
            other => other.to_owned(),
        },
    }
}

fn as_table(table: &StatTable, disclosure: &DisclosureSummary) -> Table {
    let numeric: Vec<usize> = table
        .rows
        .first()
        .map(|row| row.iter().enumerate().filter(|(_, c)| !matches!(c, Cell::Text(_))).map(|(i, _)| i).collect())
        .unwrap_or_default();
    let rows = table
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&table.columns)
                .map(|(cell, column)| match cell {
                    Cell::Text(text) => cell_label(column, text),
                    Cell::Count(n) => format_count(*n),
                    other => other.to_text(),
                })
                .collect()
        })
        .collect();
    let mut out = Table::new(
        table.title.clone(),
        table.unit.describe(),
        table.columns.iter().map(|c| column_label(c)).collect(),
        rows,
        numeric,
    );
    if table.rows.iter().flatten().any(|c| matches!(c, Cell::Suppressed)) {
        out = out.with_withheld_note(format!("{}: {}", report::WITHHELD_MARK, withheld_reason(disclosure.min_cell)));
    }
    out.with_note(protection(table, disclosure))
}

/// How `table` was protected, said under every chart and table drawn from it.
fn protection(table: &StatTable, disclosure: &DisclosureSummary) -> String {
    crate::published::protection_note(disclosure.min_cell, disclosure.protection, table.suppressed)
}

/// `chart`, drawn from the statistical table `name`, with how that table was protected after its
/// caption.
fn protected(mut chart: Chart, statistics: &Statistics, name: &str) -> Chart {
    if let Some(table) = statistics.table(name) {
        let note = protection(table, &statistics.disclosure);
        chart.caption = if chart.caption.is_empty() { note } else { format!("{} {note}", chart.caption) };
    }
    chart
}

/// Text for HTML element content.
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A log-linear model's terms as read by people: `+ labour_inspection:shelter` → "+ Labour
/// inspection × Shelter" (the lists' ids in words, an interaction as ×).
fn model_label(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            out.push_str(&humanize(word));
            word.clear();
        }
    };
    for c in label.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            if c == ':' {
                out.push_str(" × ");
            } else {
                out.push(c);
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

/// "1 row", "2 rows": a count and its noun, singular or plural.
fn count_of(n: u64, singular: &str, plural: &str) -> String {
    format!("{} {}", format_count(n), if n == 1 { singular } else { plural })
}

fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn build(observatory: &Observatory, statistics: &Statistics) -> Report {
    let settings = &observatory.settings;
    let min_cell = settings.disclosure.min_cell;
    let reason = withheld_reason(min_cell);
    let reason = reason.as_str();
    let unit = statistics.unit.describe();
    let years: Vec<(String, u64)> =
        visible(statistics.table("detected_by_year")).map(|(k, n)| (k[0].to_owned(), n)).collect();
    let by_sex_age: Vec<(String, String, u64)> =
        visible(statistics.table("detected_by_sex_age")).map(|(k, n)| (k[0].to_owned(), k[1].to_owned(), n)).collect();
    let children: u64 = by_sex_age.iter().filter(|r| r.1 == "child").map(|r| r.2).sum();
    let with_age: u64 = by_sex_age.iter().filter(|r| r.1 == "child" || r.1 == "adult").map(|r| r.2).sum();
    let cross_border: Vec<(String, u64)> =
        visible(statistics.table("by_cross_border")).map(|(k, n)| (k[0].to_owned(), n)).collect();
    let n_cross: u64 = cross_border.iter().filter(|r| r.0 == "cross_border").map(|r| r.1).sum();
    let n_domestic: u64 = cross_border.iter().filter(|r| r.0 == "domestic").map(|r| r.1).sum();
    let quarantined: u64 = statistics
        .table("by_source")
        .map(|t| t.column("quarantined_rows").iter().filter_map(|c| c.count()).sum())
        .unwrap_or(0);
    let percent =
        |a: u64, b: u64| if b == 0 { "–".to_owned() } else { format!("{:.0}%", a as f64 * 100.0 / b as f64) };

    let mut headline = vec![
        Figure::new("Detected victims", format_count(statistics.total), unit),
        Figure::new("Children", percent(children, with_age), "of detected victims whose age is known"),
        Figure::new("Cross-border", percent(n_cross, n_cross + n_domestic), "of victims whose route is known"),
        Figure::new("Sources", settings.sources.len().to_string(), "agency lists and statistics"),
    ];
    if let Some((year, n)) = years.last() {
        headline.insert(1, Figure::new(format!("Detected in {year}"), format_count(*n), "the latest reference year"));
    }

    let mut sections = Vec::new();
    if statistics.total == 0 {
        // Nothing to chart: say what is missing and what to do, instead of a page of empty axes.
        sections.push(Section::new(
            "start",
            "No victim records yet",
            "This observatory holds no victim records, so there is nothing to count or chart yet. To add an agency's list: write a mapping for its file (`palermo mapping suggest FILE` drafts one), then `palermo import --source NAME --kind KIND --mapping MAPPING.toml FILE`, or name the source in palermo.toml; then run `palermo run` again. `palermo quarantine` lists any rows that were refused.",
        ));
        return Report {
            title: settings.observatory.name.clone(),
            subtitle: "Trafficking in persons: the national picture".to_owned(),
            generated_note: "Generated by Palermo from the observatory's sources.".to_owned(),
            headline: vec![Figure::new("Detected victims", "0", unit)],
            sections,
            paper: settings.report.paper,
        };
    }
    // What the report leaves out for want of data, said in the method notes.
    let mut left_out = Vec::new();

    // Trends.
    let victims = "Detected victims";
    let trend_rows: Vec<Value> = counted(statistics.table("detected_by_year"))
        .map(|(k, n)| chart_row(json!({"Year": k[0]}), victims, n, reason))
        .collect();
    let year_sex: Vec<Value> = counted(statistics.table("detected_by_year_sex"))
        .map(|(k, n)| chart_row(json!({"Year": k[0], "Sex": sex_label(k[1])}), victims, n, reason))
        .collect();
    let year_form: Vec<Value> = counted(statistics.table("detected_by_year_form"))
        .map(|(k, n)| chart_row(json!({"Year": k[0], "Form of exploitation": form_label(k[1])}), victims, n, reason))
        .collect();
    // Charts without a row are left out (and sections left without a chart): an empty chart is a
    // page of bare axes.
    let mut trends = Section::new(
        "trends",
        "Trends",
        format!("Victims detected by the observatory's sources each year. Counting unit: {unit}."),
    );
    if !trend_rows.is_empty() {
        trends.push(protected(
            Chart::line("Detected victims by year", trend_rows, "Year", "Detected victims", None),
            statistics,
            "detected_by_year",
        ));
    }
    if !year_sex.is_empty() {
        trends.push(protected(
            Chart::stacked_bar("Detected victims by year and sex", year_sex, "Year", "Detected victims", "Sex"),
            statistics,
            "detected_by_year_sex",
        ));
    }
    if !year_form.is_empty() {
        trends.push(protected(
            Chart::stacked_bar(
                "Detected victims by year and form of exploitation",
                year_form,
                "Year",
                "Detected victims",
                "Form of exploitation",
            ),
            statistics,
            "detected_by_year_form",
        ));
    }
    if !trends.blocks.is_empty() {
        sections.push(trends);
    }

    // Who the victims are.
    let sex_age_rows: Vec<Value> = counted(statistics.table("detected_by_sex_age"))
        .map(|(k, n)| chart_row(json!({"Sex": sex_label(k[0]), "Age group": age_label(k[1])}), victims, n, reason))
        .collect();
    // The largest groups, and every withheld one (its size is not published, so it may be among
    // them): a withheld group is marked, never left out as if it had no victims.
    let mut citizenship: Vec<(String, Option<u64>)> =
        counted(statistics.table("by_citizenship")).map(|(k, n)| (k[0].to_owned(), n)).collect();
    citizenship.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let n_groups = citizenship.iter().filter(|c| c.1.is_some()).count();
    let n_withheld_groups = citizenship.len() - n_groups;
    let citizenship: Vec<(String, Option<u64>)> = citizenship
        .into_iter()
        .enumerate()
        .filter(|(rank, (_, n))| *rank < 15 || n.is_none())
        .map(|(_, row)| row)
        .collect();
    let citizenship_rows: Vec<Value> = citizenship
        .iter()
        .map(|(c, n)| chart_row(json!({"Citizenship": country_name(c)}), victims, *n, reason))
        .collect();
    let citizenship_title = match (n_groups > 15, n_withheld_groups) {
        (true, 0) => "Citizenship of detected victims (the 15 largest groups)".to_owned(),
        (false, 0) => "Citizenship of detected victims".to_owned(),
        (true, w) => format!(
            "Citizenship of detected victims (the 15 largest groups, and {} withheld)",
            count_of(w as u64, "group", "groups")
        ),
        (false, w) => format!("Citizenship of detected victims ({} withheld)", count_of(w as u64, "group", "groups")),
    };
    let mut who = Section::new("victims", "Who the victims are", "Sex, age and citizenship of detected victims.");
    if !sex_age_rows.is_empty() {
        who.push(protected(
            Chart::bar(
                "Detected victims by sex and age group",
                sex_age_rows,
                "Sex",
                "Detected victims",
                Some("Age group"),
            ),
            statistics,
            "detected_by_sex_age",
        ));
    }
    if !citizenship_rows.is_empty() {
        who.push(protected(
            Chart::ranked_bar(citizenship_title, citizenship_rows, "Citizenship", "Detected victims"),
            statistics,
            "by_citizenship",
        ));
    }
    if !who.blocks.is_empty() {
        sections.push(who);
    }

    // Flows.
    let all_flows: Vec<(String, String, Option<u64>)> = counted(statistics.table("flows"))
        .filter(|(k, _)| k[0] != k[1])
        .map(|(k, n)| (k[0].to_owned(), k[1].to_owned(), n))
        .collect();
    let mut flows: Vec<&(String, String, Option<u64>)> = all_flows.iter().filter(|f| f.2.is_some()).collect();
    flows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1))));
    let other: u64 = flows.iter().skip(25).filter_map(|f| f.2).sum();
    let n_other = flows.len().saturating_sub(25);
    flows.truncate(25);
    let n_shown = flows.len();
    let flow_row = |o: &str, d: &str, n: Option<u64>| {
        chart_row(
            json!({"Citizenship": country_name(o), "Country of exploitation": country_name(d)}),
            "Victims",
            n,
            reason,
        )
    };
    let mut flow_rows: Vec<Value> = flows.iter().map(|(o, d, n)| flow_row(o, d, *n)).collect();
    if other > 0 {
        flow_rows.push(json!({"Citizenship": "Other", "Country of exploitation": "Other", "Victims": other}));
    }
    let withheld_flows: Vec<Value> =
        all_flows.iter().filter(|f| f.2.is_none()).map(|(o, d, _)| flow_row(o, d, None)).collect();
    let n_withheld_flows = withheld_flows.len();
    flow_rows.extend(withheld_flows);
    if flow_rows.is_empty() {
        left_out.push("No flow between two known countries can be shown (citizenship and country of exploitation known and different, and not withheld): the flows section is left out.".to_owned());
    } else {
        // Say what is drawn: the flows shown, those grouped as "Other", those withheld.
        let mut shown = if n_other > 0 {
            format!(
                "the {n_shown} largest flows, and {} grouped as “Other”",
                count_of(n_other as u64, "other", "others")
            )
        } else {
            count_of(n_shown as u64, "flow", "flows")
        };
        if n_withheld_flows > 0 {
            shown.push_str(&format!("; {} withheld", count_of(n_withheld_flows as u64, "flow", "flows")));
        }
        sections.push(
            Section::new(
                "flows",
                "Flows",
                format!("From the country of citizenship to the country where the victim was exploited (victims whose citizenship differs from the country of exploitation; {shown})."),
            )
            .with(protected(
                Chart::flows(
                    format!("Citizenship → country of exploitation ({shown})"),
                    flow_rows,
                    "Citizenship",
                    "Country of exploitation",
                    "Victims",
                ),
                statistics,
                "flows",
            )),
        );
    }

    // Criminal justice, when a source reports it.
    let chain = statistics.table("justice_chain").filter(|chain| {
        ["investigated", "prosecuted", "convicted", "acquitted"]
            .iter()
            .any(|stage| chain.column(stage).iter().filter_map(|c| c.count()).sum::<u64>() > 0)
    });
    if chain.is_none() {
        left_out.push("No source reports criminal-justice figures (a source of kind `justice`): the criminal-justice section is left out.".to_owned());
    }
    if let Some(chain) = chain {
        let stages = ["investigated", "prosecuted", "convicted"];
        let totals: Vec<Value> = stages
            .iter()
            .map(|stage| {
                let n: u64 = chain.column(stage).iter().filter_map(|c| c.count()).sum();
                json!({"Stage": model::vocab::JUSTICE_STAGE.label(stage), "Persons": n})
            })
            .collect();
        sections.push(
            Section::new(
                "justice",
                "The criminal-justice response",
                "Persons investigated, prosecuted and convicted for trafficking in persons over the reference years, and the attrition between stages.",
            )
            .with({
                let funnel = Chart::funnel("From investigation to conviction", totals, "Stage", "Persons");
                // A sum over the years cannot include a withheld year: say so, rather than let the
                // total read as complete.
                let n_withheld: usize = stages
                    .iter()
                    .map(|stage| chain.column(stage).iter().filter(|c| matches!(c, Cell::Suppressed)).count())
                    .sum();
                let funnel = if n_withheld == 0 {
                    funnel
                } else {
                    funnel.with_caption(format!(
                        "Totals over the years leave out {} (marked {} in the table below): each stage counts at least the persons shown.",
                        count_of(n_withheld as u64, "withheld yearly count", "withheld yearly counts"),
                        report::WITHHELD_MARK
                    ))
                };
                protected(funnel, statistics, "justice_chain")
            })
            .with(as_table(chain, &statistics.disclosure)),
        );
    }

    // SDG 16.2.2.
    if let Some(sdg) = statistics.table("sdg_16_2_2") {
        sections.push(
            Section::new(
                "sdg",
                "SDG indicator 16.2.2",
                "Number of victims of human trafficking per 100,000 population, by sex and age group (detected victims; series VC_HTF_DETVR).",
            )
            .with(as_table(sdg, &statistics.disclosure)),
        );
    }

    // Data quality.
    let mut quality = Section::new(
        "quality",
        "Data quality",
        format!(
            "{} refused into the quarantine, each with its row, column and reason (`palermo quarantine` lists them for the agencies to correct).",
            if quarantined == 1 { "1 row was".to_owned() } else { format!("{} rows were", format_count(quarantined)) }
        ),
    );
    for name in ["by_source", "missing_values"] {
        if let Some(t) = statistics.table(name) {
            quality.push(as_table(t, &statistics.disclosure));
        }
    }
    sections.push(quality);

    let suppressed: usize = statistics.tables.iter().map(|t| t.suppressed).sum();
    let mut notes = Vec::from([
        format!("Counting unit: {unit}. Linkage of records into persons, where the sources allow it, changes the unit to persons."),
        "A victim exploited in more than one form counts under each form; totals by form can exceed the number of victims.".to_owned(),
        format!(
            "Disclosure control: counts from 1 to {} are withheld (primary suppression), and further cells chosen by linear programming over all the tables of the report together (secondary suppression), so that someone who knows every published figure and how the tables add up can place each withheld count no closer than anywhere from {} below to {} above it (down to zero), which an audit by linear programming checks before anything is published; {suppressed} cells are withheld in this report's tables, shown as x.",
            settings.disclosure.min_cell.saturating_sub(1),
            statistics.disclosure.protection,
            statistics.disclosure.protection,
        ),
        "Unknown (the source recorded that the value is not known) and not recorded (the source does not collect it) are kept apart; see the data-quality table.".to_owned(),
        "Detected victims are the victims that reached an agency: the hidden number of victims is larger. Multiple Systems Estimation, where lists can be linked, estimates it.".to_owned(),
        "The same inputs and seed give the same report, byte for byte (`palermo run`).".to_owned(),
    ]);
    notes.extend(left_out);
    sections.push(Section::new("method", "Method notes", "").with(Block::Notes(notes)));

    Report {
        title: settings.observatory.name.clone(),
        subtitle: match settings.observatory.years {
            Some([first, last]) => format!("Trafficking in persons: the national picture, {first}–{last}"),
            None => "Trafficking in persons: the national picture".to_owned(),
        },
        generated_note: "Generated by Palermo from the observatory's sources.".to_owned(),
        headline,
        sections,
        paper: settings.report.paper,
    }
}

/// Estimates are published rounded to the nearest ten: their precision is far coarser than one.
/// An estimate rounded to three significant digits (whole persons at least): 2,680, 109,000, 16.
/// `Rounding::Down` and `Up` for an interval's bounds, so that rounding never narrows it.
fn round_estimate_to(x: f64, rounding: Rounding) -> u64 {
    if !x.is_finite() || x <= 0.0 {
        return 0;
    }
    let step = 10f64.powi((x.log10().floor() as i32 - 2).max(0));
    let units = x / step;
    let units = match rounding {
        Rounding::Nearest => units.round(),
        Rounding::Down => units.floor(),
        Rounding::Up => units.ceil(),
    };
    (units * step) as u64
}

/// An interval for text, its ends rounded outwards to three significant digits; an upper end
/// the data cannot bound says so.
fn interval_text([lo, hi]: [f64; 2]) -> String {
    let lo = format_count(round_estimate_to(lo, Rounding::Down));
    if hi.is_finite() {
        format!("{lo}–{}", format_count(round_estimate_to(hi, Rounding::Up)))
    } else {
        format!("{lo} or more, with no upper limit")
    }
}

fn round_estimate(x: f64) -> u64 {
    round_estimate_to(x, Rounding::Nearest)
}

#[derive(Clone, Copy)]
enum Rounding {
    Nearest,
    Down,
    Up,
}

fn linkage_section(
    linkage: &Linkage,
    quality: Option<crate::linkage::TruthQuality>,
    estimate: Option<&mse::EstimateReport>,
    uncertainty: Option<&crate::linkage::LinkageUncertainty>,
    path: &[(String, f64, f64, f64)],
    statistics: &Statistics,
) -> Section {
    let n_records: u64 = linkage.records_by_source.values().sum();
    let n_persons = linkage.persons.len() as u64;
    let unlinkable_note = |unlinkable: &std::collections::BTreeMap<String, u64>| {
        if unlinkable.is_empty() {
            return String::new();
        }
        let lists: Vec<String> =
            unlinkable.iter().map(|(s, n)| format!("{s} ({} records)", format_count(*n))).collect();
        format!(
            " The records of {} carry no full name or document number (initials and a birth year at most), so they cannot be linked to the other lists: they are counted as records in the table by source, but left out of the persons and of the estimate, which would otherwise count every such record as a person no other list saw.",
            lists.join(", ")
        )
    };
    let reason = withheld_reason(statistics.disclosure.min_cell);
    // Persons per list and pairwise overlaps, protected with the statistics (one release).
    let overlap_rows: Vec<Value> = statistics
        .table("list_overlaps")
        .map(|t| {
            t.rows
                .iter()
                .filter_map(|row| {
                    let (a, b, n) = match row.as_slice() {
                        [Cell::Text(a), Cell::Text(b), Cell::Count(n)] => (a, b, Some(*n)),
                        [Cell::Text(a), Cell::Text(b), Cell::Suppressed] => (a, b, None),
                        _ => return None,
                    };
                    Some(chart_row(json!({"List": humanize(a), "Also on list": humanize(b)}), "Persons", n, &reason))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut section = Section::new(
        "linkage",
        "Records, persons and the hidden number",
        format!(
            "The agencies' {} records were linked into {} persons ({}); {} review and {} decided by a reviewer (`palermo review`). {}{}",
            format_count(n_records),
            format_count(n_persons),
            match linkage.mode {
                crate::linkage::LinkMode::Named =>
                    "named linkage: Fellegi–Sunter probabilistic linkage with EM-estimated weights".to_owned(),
                crate::linkage::LinkMode::Encoded { threshold } => format!(
                    "linkage in encoded space, because some agencies sent Bloom-filter encodings instead of names: every source's encodings compared by Dice similarity at or above {threshold}, at most one record per source in a person"
                ),
            },
            if linkage.review_pairs == 1 {
                "1 borderline pair or unstable person awaits".to_owned()
            } else {
                format!("{} borderline pairs or unstable persons await", format_count(linkage.review_pairs as u64))
            },
            if linkage.review_decided == 1 {
                "1 was".to_owned()
            } else {
                format!("{} were", format_count(linkage.review_decided as u64))
            },
            review_note(&linkage.review_summary),
            unlinkable_note(&linkage.unlinkable),
        ),
    )
    .with(protected(
        Chart::heatmap("Persons on each pair of lists", overlap_rows, "List", "Also on list", "Persons"),
        statistics,
        "list_overlaps",
    ));
    if let (Some(threshold), false) = (linkage.match_threshold, linkage.pair_probabilities.is_empty()) {
        // Scored pairs of records (not persons' characteristics) by match probability, in bins of
        // 0.05, with small counts withheld as everywhere in the report.
        let bins: Vec<(u32, Option<u64>)> = statistics
            .table("pair_probabilities")
            .map(|t| {
                t.rows
                    .iter()
                    .filter_map(|row| match row.as_slice() {
                        [Cell::Text(bin), Cell::Count(n)] => Some((bin.parse().ok()?, Some(*n))),
                        [Cell::Text(bin), Cell::Suppressed] => Some((bin.parse().ok()?, None)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let rows = bins
            .into_iter()
            .map(|(bin, n)| {
                let low = f64::from(bin) / 20.0;
                let outcome = if low + 1e-9 >= threshold { "Linked" } else { "Not linked" };
                chart_row(
                    json!({"Match probability": format!("{low:.2}–{:.2}", low + 0.05), "Outcome": outcome}),
                    "Pairs",
                    n,
                    &reason,
                )
            })
            .collect();
        section.push(protected(
            Chart::stacked_bar(
                "Scored pairs of records by match probability",
                rows,
                "Match probability",
                "Pairs",
                "Outcome",
            )
            .with_caption(format!(
                "Pairs at or above {threshold} are linked. Pairs between 0.1 and 0.9 are borderline: the review list holds those whose decision could change the count most, and the published interval includes what deciding them at random with their probability does to the estimate."
            )),
            statistics,
            "pair_probabilities",
        ));
    }
    if !linkage.warnings.is_empty() {
        let mut notes = vec!["The linkage is in doubt, and the estimate with it:".to_owned()];
        notes.extend(linkage.warnings.iter().cloned());
        section.push(Block::Notes(notes));
    }
    if let Some(q) = quality {
        section.push(Table::new(
            "Linkage quality against the simulation's truth (the demo's truth.json)",
            "",
            vec!["Measure".to_owned(), "Value".to_owned()],
            vec![
                vec!["Pairwise precision".to_owned(), format!("{:.3}", q.precision)],
                vec!["Pairwise recall".to_owned(), format!("{:.3}", q.recall)],
                vec![
                    "Best precision possible (records agreeing on name and birth date merged)".to_owned(),
                    format!("{:.3}", q.precision_ceiling),
                ],
                vec!["Persons counted".to_owned(), format_count(q.persons_counted)],
                vec!["Persons the linked lists truly saw".to_owned(), format_count(q.persons_seen)],
                vec!["Persons sharing their name with another".to_owned(), percent_text(100.0 * q.namesakes_name)],
                vec![
                    "Persons sharing name and birth date with another".to_owned(),
                    format!("{:.1}%", 100.0 * q.namesakes_name_dob),
                ],
            ],
            vec![1],
        ));
    }
    if let Some(e) = estimate {
        let mut rows = vec![
            json!({"Interval": "Model-conditional", "Estimate": e.estimate, "Lower": e.ci_conditional[0], "Upper": e.ci_conditional[1]}),
        ];
        if let Some([lo, hi]) = e.ci_profile {
            rows.push(json!({"Interval": "Profile likelihood", "Estimate": e.estimate, "Lower": lo, "Upper": hi}));
        }
        if let Some([lo, hi]) = e.ci_bca {
            rows.push(json!({"Interval": "Bootstrap (BCa, model re-selected)", "Estimate": e.estimate, "Lower": lo, "Upper": hi}));
        }
        if let Some(u) = uncertainty {
            rows.push(json!({"Interval": "Corrected for the linkage, its errors included", "Estimate": u.estimate, "Lower": u.interval[0], "Upper": u.interval[1]}));
        }
        section.push(Chart::interval(
            "Estimated total number of victims, with 95% intervals",
            rows,
            "Interval",
            "Estimate",
            "Lower",
            "Upper",
        ));
        if path.len() > 1 {
            let rows: Vec<Value> = path
                .iter()
                .map(|(label, est, lo, hi)| {
                    json!({"Model": model_label(label), "Estimate": est, "Lower": lo, "Upper": hi})
                })
                .collect();
            section.push(Chart::interval(
                "Estimates along the stepwise model search, with 95% model-conditional intervals",
                rows,
                "Model",
                "Estimate",
                "Lower",
                "Upper",
            ));
        }
        let mut notes = vec![
            format!(
                "{} persons were seen by at least one of {} lists; the estimate of the total is {} (model: {}; terms {}).",
                format_count(e.observed),
                e.lists.len(),
                format_count(round_estimate(e.estimate)),
                e.method,
                if e.model.is_empty() { "main effects only".to_owned() } else { e.model.join(", ") }
            ),
            "Multiple Systems Estimation assumes a closed population over the period, that linkage found who is on which list, and that the selected log-linear model captures how the lists depend on each other. Heterogeneity that no model term captures biases the estimate, usually downwards; treat it as an order of magnitude with its interval, not as a count.".to_owned(),
        ];
        if let Some(note) = &e.upper_limit_note {
            notes.push(format!("The bootstrap interval's upper limit is {note}: read the estimate as at least about the lower limit, and look for another list that overlaps these."));
        }
        if let Some(u) = uncertainty {
            let width = |[lo, hi]: [f64; 2]| hi - lo;
            let (before, after) = (width(u.statistical_interval), width(u.interval));
            notes.push(format!(
                "Linkage errors: the estimate was repeated on {} linkages drawn from the borderline pairs' match probabilities, with the links the linkage missed (pairs of records no blocking rule compared, or scored below the review threshold) put back as a wide comparison of a sample of records found them{} (estimates {}; their median, {}, is the corrected estimate). Including their spread{} takes the 95% interval from {} to {}{}.",
                u.draws,
                u.missed_links.map_or(String::new(), |m| format!(" (about {} such links)", format_count(m.round() as u64))),
                interval_text(u.estimate_range),
                format_count(round_estimate(u.estimate)),
                u.missed_links_bound.map_or(String::new(), |b| format!(
                    ", and the estimate if every such link joined two records left alone ({})",
                    format_count(round_estimate(b))
                )),
                interval_text(u.statistical_interval),
                interval_text(u.interval),
                if before > 0.0 { format!(" ({:+.1}% wider)", 100.0 * (after / before - 1.0)) } else { String::new() },
            ));
        }
        section.push(Block::Notes(notes));
    }
    section
}

/// Every configured method side by side: a chart of their estimates and intervals, a table with
/// what each assumes, and, in plain words, where they disagree beyond their intervals.
fn methods_blocks(comparison: &crate::methods::Comparison) -> Vec<Block> {
    let estimated: Vec<&crate::methods::MethodEstimate> =
        comparison.estimates.iter().filter(|m| m.estimate.is_some() && m.interval.is_some()).collect();
    if comparison.estimates.len() < 2 && comparison.disagreements.is_empty() {
        return Vec::new();
    }
    let mut blocks = Vec::new();
    let mut chart_rows = Vec::new();
    for m in &estimated {
        let (Some(e), Some([lo, hi])) = (m.estimate, m.interval) else { continue };
        chart_rows.push(json!({"Method": m.label, "Estimate": e, "Lower": lo, "Upper": hi}));
        if let Some([llo, lhi]) = m.linkage_interval {
            chart_rows.push(json!({"Method": format!("{}, linkage errors included", m.label), "Estimate": e, "Lower": llo, "Upper": lhi}));
        }
    }
    if !chart_rows.is_empty() {
        blocks.push(Block::Chart(Chart::interval(
            "Estimated victims by method, with 95% intervals",
            chart_rows,
            "Method",
            "Estimate",
            "Lower",
            "Upper",
        )));
    }
    let rows: Vec<Vec<String>> = comparison
        .estimates
        .iter()
        .map(|m| {
            vec![
                m.label.clone(),
                m.assumes.clone(),
                m.estimate.map_or_else(String::new, |e| format_count(round_estimate(e))),
                match (m.interval, &m.skipped) {
                    (Some(i), _) => format!("{} ({})", interval_text(i), m.interval_kind),
                    (None, Some(reason)) => format!("no estimate: {reason}"),
                    (None, None) => String::new(),
                },
                match (m.corrected, m.linkage_interval) {
                    (Some(c), Some(i)) => format!("{} ({})", format_count(round_estimate(c)), interval_text(i)),
                    (_, Some(i)) => interval_text(i),
                    _ => "not computed".to_owned(),
                },
            ]
        })
        .collect();
    blocks.push(Block::Table(Table::new(
        "Which estimate to trust: every method's estimate and what it assumes",
        "persons",
        [
            "Method",
            "Assumes",
            "Estimate",
            "95% interval",
            "Corrected for the linkage (95% interval, its errors included)",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
        vec![2],
    )));
    let mut notes = vec![
        "Every method assumes a closed population over the period and that linkage found who is on which list; they differ in how they let the lists depend on each other and victims differ in how easily they are found. No method can see victims whom every agency misses for the same reason without a trace in the lists' overlaps: read each figure as at least about this many.".to_owned(),
    ];
    if estimated.iter().any(|m| m.linkage_interval.is_none()) {
        notes.push("The Bayesian methods are not repeated on the drawn linkages (that would multiply their cost by the number of draws): their intervals leave the linkage's errors out, and are narrower than they should be by about as much as the log-linear interval widens.".to_owned());
    }
    for m in &estimated {
        for w in &m.warnings {
            notes.push(format!("{}: {w}", m.label));
        }
    }
    if comparison.disagreements.is_empty() {
        if estimated.len() >= 2 {
            notes.push("The methods' 95% intervals overlap: on these lists their different assumptions do not lead to figures that contradict each other.".to_owned());
        }
    } else {
        notes.extend(comparison.disagreements.iter().map(|d| d.text.clone()));
    }
    blocks.push(Block::Notes(notes));
    blocks
}

/// One field's estimates by stratum: a chart of the strata's estimates and their total beside the
/// pooled estimate, and a table with every stratum, refused ones with the reason.
fn strata_blocks(field: &crate::strata::FieldStrata, pooled: &mse::EstimateReport) -> Vec<Block> {
    let total = &field.total;
    let total_label =
        if total.complete { "Strata added up".to_owned() } else { "Strata added up (incomplete)".to_owned() };
    let mut chart_rows: Vec<Value> = field
        .strata
        .iter()
        .filter_map(|s| {
            let (e, [lo, hi]) = (s.estimate?, s.interval?);
            Some(json!({"Stratum": s.label, "Estimate": e, "Lower": lo, "Upper": hi}))
        })
        .collect();
    chart_rows.push(json!({"Stratum": total_label, "Estimate": total.estimate, "Lower": total.interval[0], "Upper": total.interval[1]}));
    let (plo, phi) = match pooled.ci_bca {
        Some([lo, hi]) => (lo, hi),
        None => (pooled.ci_conditional[0], pooled.ci_conditional[1]),
    };
    chart_rows
        .push(json!({"Stratum": "All persons together", "Estimate": pooled.estimate, "Lower": plo, "Upper": phi}));
    let mut rows: Vec<Vec<String>> = field
        .strata
        .iter()
        .map(|s| {
            vec![
                s.label.clone(),
                s.observed.map_or_else(|| "withheld".to_owned(), format_count),
                s.estimate.map_or_else(String::new, |e| format_count(round_estimate(e))),
                match (&s.interval, &s.refused) {
                    (Some(i), _) => interval_text(*i),
                    (None, Some(reason)) => format!("no estimate: {reason}"),
                    (None, None) => String::new(),
                },
            ]
        })
        .collect();
    rows.push(vec![
        total_label,
        format_count(field.strata.iter().filter_map(|s| s.observed).sum::<u64>()),
        format_count(round_estimate(total.estimate)),
        interval_text(total.interval),
    ]);
    let mut blocks = vec![
        Block::Chart(Chart::interval(
            format!("Estimated victims by {}, with 95% intervals", field.label.to_lowercase()),
            chart_rows,
            "Stratum",
            "Estimate",
            "Lower",
            "Upper",
        )),
        Block::Table(Table::new(
            format!("Estimates by {}", field.label.to_lowercase()),
            "persons (after linkage)",
            ["Stratum", "Persons seen", "Estimate", "95% interval"].map(str::to_owned).to_vec(),
            rows,
            vec![1, 2],
        )),
    ];
    let mut notes = vec![format!(
        "Each stratum is estimated on its own, with the same method as the whole; the strata add up to {} against {} when all persons are estimated together. Intervals are added in quadrature (the strata are disjoint).",
        format_count(round_estimate(total.estimate)),
        format_count(round_estimate(pooled.estimate)),
    )];
    if !total.complete {
        notes.push(format!(
            "Strata without an estimate are added as seen ({} persons), without the victims no agency saw: the total is a lower figure.",
            format_count(total.observed_in_refused)
        ));
    }
    blocks.push(Block::Notes(notes));
    blocks
}

/// What the bounded review list holds and leaves out, in words.
fn review_note(review: &crate::linkage::ReviewSummary) -> String {
    if review.listed + review.unlisted == 0 {
        return String::new();
    }
    let mut text = format!(
        "The review list holds the {} items whose decision could change the count most (about {:.0} persons expected to change)",
        review.listed, review.listed_expected_change
    );
    if review.unlisted > 0 {
        text.push_str(&format!(
            "; {} less consequential items are left off (together about {:.0} persons)",
            review.unlisted, review.unlisted_expected_change
        ));
    }
    text.push_str(". ");
    text
}

/// Short theme names for chart axes (the subsections of the compiled text).
fn theme_label(theme: ::monitor::Theme) -> String {
    use ::monitor::Theme::*;
    let name = match theme {
        Instruments => "Instruments",
        LegislationJustice => "Law and justice",
        PlansCoordination => "Plans",
        Cooperation => "Cooperation",
        Prevention => "Prevention",
        BusinessMedia => "Business, media",
        VictimSupport => "Victim support",
        DataResearch => "Data",
    };
    format!("{}. {name}", theme.letter())
}

fn percent_text(p: f64) -> String {
    format!("{p:.0}%")
}

/// The monitoring section: what States report on their measures against trafficking, scored
/// against the indicators, with gaps, ratifications, the change since the previous round and
/// the compiled text in the style of the Secretary-General's reports. Public facts about
/// States, not about persons: no disclosure control is needed.
fn monitoring_section(compiled: &::monitor::CompiledReport) -> Section {
    use ::monitor::{Iso3, Mention, Status, UnStyle, countries};
    let year = Some(compiled.year);
    let name = |iso3: Iso3| countries().get(iso3).map_or(iso3.to_string(), |c| c.display_name(year, Mention::Bare));
    let round_title = compiled.json["round"]["title"].as_str().unwrap_or("").to_owned();
    let measures = compiled.json["measures"].as_object();
    let measure_label = |code: &str| {
        measures
            .and_then(|m| m.get(code))
            .and_then(|m| m["label"].as_str())
            .map_or_else(|| code.to_owned(), str::to_owned)
    };
    let n_facts: usize = compiled.json["states"]
        .as_object()
        .map(|states| states.values().filter_map(|s| s["measures"].as_object()).map(|m| m.len()).sum())
        .unwrap_or(0);
    let mut scored: Vec<Iso3> = compiled.scores.states.keys().copied().collect();
    ::monitor::style::sort_un(&mut scored, year);
    let mean = if scored.is_empty() {
        0.0
    } else {
        compiled.scores.states.values().map(|s| s.total.percent).sum::<f64>() / scored.len() as f64
    };

    let mut section = Section::new(
        "monitoring",
        "Measures reported by States",
        format!(
            "{round_title}: the measures States reported against trafficking in persons, scored against the indicators \
             \"{}\" (every point traceable with palermo monitor explain STATE). Round {}.",
            compiled.scores.indicator_set, compiled.round
        ),
    );
    section.push(Block::Figures(vec![
        Figure::new("Reporting States", scored.len().to_string(), format!("round {}", compiled.round)),
        Figure::new("Measures reported", format_count(n_facts as u64), "State × measure facts"),
        Figure::new(
            "Measures",
            measures.map_or(0, |m| m.values().filter(|v| v["count"].as_u64().unwrap_or(0) > 0).count()).to_string(),
            "of the vocabulary, reported by at least one State",
        ),
        Figure::new("Mean score", percent_text(mean), "of the points the indicators can give"),
    ]));

    // States × measures, coloured by status (the monitor's own Vega-Lite specification).
    let mut matrix = compiled.matrix_vega_lite.clone();
    if let Some(spec) = matrix.as_object_mut() {
        spec.remove("title");
        spec.insert("width".into(), json!("container"));
    }
    let mut by_state: std::collections::BTreeMap<Iso3, [u64; 3]> = Default::default();
    if let Some(states) = compiled.json["states"].as_object() {
        for (code, state) in states {
            let Some(iso3) = Iso3::parse(code) else { continue };
            let counts = by_state.entry(iso3).or_default();
            for status in state["measures"].as_object().into_iter().flat_map(|m| m.values()) {
                match status.as_str().and_then(Status::parse) {
                    Some(Status::Party | Status::InPlace) => counts[0] += 1,
                    Some(Status::PreparingSignature | Status::Planned | Status::RecognizedNeed) => counts[2] += 1,
                    Some(Status::NotParty | Status::NotInPlace) | None => {}
                    Some(_) => counts[1] += 1,
                }
            }
        }
    }
    let mut matrix_states: Vec<Iso3> = by_state.keys().copied().collect();
    ::monitor::style::sort_un(&mut matrix_states, year);
    let matrix_table = Table::new(
        "Measures per State, by status",
        "",
        vec!["State".into(), "In place or party".into(), "Under way".into(), "Planned or intended".into()],
        matrix_states
            .iter()
            .map(|s| {
                let c = by_state.get(s).copied().unwrap_or_default();
                vec![name(*s), c[0].to_string(), c[1].to_string(), c[2].to_string()]
            })
            .collect(),
        vec![1, 2, 3],
    );
    section.push(
        Chart::new(
            "States × measures",
            "Each cell is a measure a State reported: dark green in place or party; light green in preparation, \
             signed or drafting; yellow planned or intended. An empty cell means nothing was reported.",
            matrix,
        )
        .with_fallback(matrix_table)
        .with_height((matrix_states.len().max(1) * 18) as u32),
    );

    // Scores per State and theme, and in total.
    let themes: Vec<::monitor::Theme> = ::monitor::Theme::ALL
        .into_iter()
        .filter(|t| compiled.scores.states.values().any(|s| s.by_theme.contains_key(t)))
        .collect();
    let mut theme_rows = Vec::new();
    let mut total_rows = Vec::new();
    for state in &scored {
        let Some(s) = compiled.scores.states.get(state) else { continue };
        for t in &themes {
            if let Some(sub) = s.by_theme.get(t) {
                theme_rows.push(json!({"State": name(*state), "Theme": theme_label(*t), "Score (%)": sub.percent}));
            }
        }
        total_rows.push(json!({"State": name(*state), "Score (%)": s.total.percent}));
    }
    total_rows.sort_by(|a, b| {
        b["Score (%)"].as_f64().partial_cmp(&a["Score (%)"].as_f64()).unwrap_or(std::cmp::Ordering::Equal)
    });
    section.push(
        Chart::heatmap("Indicator score by State and theme (%)", theme_rows, "Theme", "State", "Score (%)")
            .with_caption(
                "Share of the points each theme's indicators can give that the State's reported measures earn.",
            ),
    );
    section.push(
        Chart::ranked_bar("Indicator score by State (%)", total_rows, "State", "Score (%)")
            .with_caption("All indicators together; a State's score counts only what it reported."),
    );

    // What the replies show, and what is missing.
    let statements: Vec<String> = compiled.gaps.statements.iter().map(|s| s.text.clone()).collect();
    if !statements.is_empty() {
        section.push(Block::Paragraph("What the replies show, indicator by indicator:".into()));
        section.push(Block::Notes(statements));
    }

    // Ratification table.
    let instruments: Vec<::monitor::Instrument> = ::monitor::Instrument::ALL
        .into_iter()
        .filter(|i| compiled.treaties.iter().any(|t| t.instrument == *i))
        .collect();
    if !instruments.is_empty() {
        let mut states: Vec<Iso3> = compiled.treaties.iter().map(|t| t.state).collect();
        states.sort();
        states.dedup();
        ::monitor::style::sort_un(&mut states, year);
        let mut columns = vec!["State".to_owned()];
        columns.extend(instruments.iter().map(|i| i.short_name().to_owned()));
        let rows = states
            .iter()
            .map(|s| {
                let mut row = vec![name(*s)];
                for i in &instruments {
                    let cell = compiled.treaties.iter().find(|t| t.state == *s && t.instrument == *i);
                    row.push(cell.map_or(String::new(), |t| t.status.words().to_owned()));
                }
                row
            })
            .collect();
        section.push(Table::new(
            "Status of international instruments (an empty cell: nothing reported, not \"not party\")",
            "",
            columns,
            rows,
            vec![],
        ));
    }

    // What changed since the previous round.
    if let Some(changes) = &compiled.changes {
        let list = |states: &[Iso3]| {
            if states.is_empty() {
                "none".to_owned()
            } else {
                states.iter().map(|s| name(*s)).collect::<Vec<_>>().join(", ")
            }
        };
        section.push(Block::Paragraph(format!(
            "Changes since round {}: new respondents: {}; replied in round {} but not in round {}: {}.",
            changes.from,
            list(&changes.new_respondents),
            changes.from,
            changes.to,
            list(&changes.no_longer_replying)
        )));
        let pct = |s: &Option<::monitor::Subtotal>| s.as_ref().map_or("–".to_owned(), |x| percent_text(x.percent));
        let rows = changes
            .states
            .iter()
            .filter(|s| s.to.is_some())
            .map(|st| {
                // The measures' labels, not their codes: the table is read by people.
                let codes = |pred: &dyn Fn(&::monitor::indicators::MeasureChange) -> bool| {
                    st.measures
                        .iter()
                        .filter(|m| pred(m))
                        .map(|m| measure_label(m.measure.as_str()))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                vec![
                    name(st.state),
                    pct(&st.from),
                    pct(&st.to),
                    codes(&|m| m.from.is_none()),
                    codes(&|m| m.from.is_some() && m.to.is_some()),
                    codes(&|m| m.to.is_none()),
                ]
            })
            .collect();
        section.push(Table::new(
            format!("What changed between rounds {} and {}", changes.from, changes.to),
            "",
            vec![
                "State".into(),
                format!("Score {}", changes.from),
                format!("Score {}", changes.to),
                "Measures added".into(),
                "Status changed".into(),
                "No longer reported".into(),
            ],
            rows,
            vec![1, 2],
        ));
    }

    // The compiled text, in the style of the Secretary-General's reports (trusted HTML from the
    // monitor engine, which escapes every text it writes); its title may name a region asked for.
    section.push(Block::Html(format!(
        "<div class=\"un-text\" id=\"monitoring-text\">\n<h3>Compiled text: {}</h3>\n{}</div>",
        escape_text(&compiled.title),
        compiled.text_html
    )));
    section
}

#[cfg(test)]
mod tests {
    use super::{Rounding, round_estimate, round_estimate_to};

    #[test]
    fn estimates_keep_three_significant_digits_and_intervals_never_narrow() {
        assert_eq!(round_estimate(2679.96), 2680);
        assert_eq!(round_estimate(109_074.9), 109_000);
        assert_eq!(round_estimate(15.7), 16);
        assert_eq!(round_estimate_to(15.7, Rounding::Down), 15);
        assert_eq!(round_estimate_to(42.7, Rounding::Up), 43);
        assert_eq!(round_estimate_to(104_821.7, Rounding::Down), 104_000);
        assert_eq!(round_estimate_to(115_512.5, Rounding::Up), 116_000);
    }
}
