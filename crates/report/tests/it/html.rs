//! Tests of the HTML itself: determinism, escaping, self-containment, validation.

use report::{Block, Chart, Error, Figure, Report, Section, Table, render};
use serde_json::json;

use crate::sample::{N_CHARTS, sample_report};

#[test]
fn rendering_is_deterministic_and_survives_a_json_round_trip() {
    let report = sample_report();
    let first = render(&report);
    assert_eq!(first, render(&report));
    let json = serde_json::to_string(&report).expect("serialise");
    let back: Report = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, report);
    assert_eq!(render(&back), first);
}

#[test]
fn the_sample_is_valid_and_every_chart_gets_a_container_and_a_data_table() {
    let report = sample_report();
    report.validate().expect("sample report is valid");
    let html = render(&report);
    assert_eq!(html.matches("<div class=\"chart\" id=\"chart-").count(), N_CHARTS);
    assert_eq!(html.matches("<script type=\"application/json\" id=\"spec-").count(), N_CHARTS);
    assert_eq!(html.matches("<details class=\"chart-data\">").count(), N_CHARTS);
    // The hand-written chart has no explicit fallback: its table comes from the spec's data.
    assert!(html.contains("<th scope=\"row\">Labour inspection</th><td class=\"num\">88</td>"));
    // Standalone tables are numbered and carry their unit.
    assert!(html.contains("Table 1.</span> Rows received and quarantined per source"));
    assert!(html.contains("<span class=\"unit\">Unit: records</span>"));
    assert!(html.contains("<td class=\"num\">1,204</td>"));
}

#[test]
fn the_page_is_self_contained() {
    let html = render(&sample_report());
    for external in ["<link", "src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!html.contains(external), "found {external:?}");
    }
    assert!(html.contains("vegaEmbed"), "the chart library is inlined");
    assert!(html.contains("renderer: \"svg\", actions: false"));
}

fn hostile_report(text: &str) -> Report {
    Report {
        title: text.into(),
        subtitle: text.into(),
        generated_note: text.into(),
        headline: vec![Figure::new(text, text, text)],
        sections: vec![
            Section::new("s", text, text)
                .with(Block::Paragraph(text.into()))
                .with(Block::Notes(vec![text.into()]))
                .with(Table::new(text, text, vec![text.into()], vec![vec![text.into()]], vec![]))
                .with(Chart::bar(text, vec![json!({"k": text, "v": 1})], "k", "v", None).with_caption(text)),
        ],
        ..Report::default()
    }
}

#[test]
fn text_is_escaped_so_markup_in_the_model_is_inert() {
    let attack = "</script><script>alert(\"x\")</script><img src=x onerror=alert(1)>&";
    let hostile = render(&hostile_report(attack));
    let benign = render(&hostile_report("plain words"));
    assert!(!hostile.contains("<script>alert"));
    assert!(!hostile.contains("<img src=x"));
    assert!(hostile.contains("&lt;/script&gt;&lt;script&gt;alert"));
    // Inside the JSON data island `<` is written as \u003c, so the island cannot be closed early.
    assert!(hostile.contains("\\u003c/script\\u003e"));
    // Same structure as a report without markup: no element was injected anywhere.
    for tag in ["<script", "</script", "<img", "<p", "<li", "<h1", "<h2", "<td", "<th"] {
        assert_eq!(hostile.matches(tag).count(), benign.matches(tag).count(), "{tag}");
    }
}

#[test]
fn trusted_html_fragments_are_inserted_verbatim() {
    let fragment = "<svg class=\"heat\"><rect width=\"3\" height=\"3\"/></svg>";
    let report = Report {
        title: "t".into(),
        sections: vec![Section::new("m", "Monitor", "").with(Block::Html(fragment.into()))],
        ..Report::default()
    };
    assert!(render(&report).contains(fragment));
}

#[test]
fn a_report_without_charts_carries_no_chart_library() {
    let report = Report {
        title: "t".into(),
        sections: vec![Section::new("a", "A", "").with(Block::Paragraph("p".into()))],
        ..Report::default()
    };
    let html = render(&report);
    assert!(!html.contains("vegaEmbed"));
    assert!(html.len() < 20_000, "{} bytes", html.len());
}

#[test]
fn validation_names_what_is_wrong_and_where() {
    let row_too_short = Report {
        sections: vec![Section::new("data", "Data", "").with(Table::new(
            "c",
            "records",
            vec!["A".into(), "B".into()],
            vec![vec!["1".into(), "2".into()], vec!["3".into()]],
            vec![1],
        ))],
        ..Report::default()
    };
    match row_too_short.validate() {
        Err(Error::TableRowWidth { section_id, block_idx: 0, row_idx: 1, expected: 2, found: 1 }) => {
            assert_eq!(section_id, "data");
        }
        other => panic!("unexpected {other:?}"),
    }
    // It is still rendered, padded, rather than dropped.
    assert!(render(&row_too_short).contains("<th scope=\"row\">3</th><td class=\"num\"></td>"));

    let repeated =
        Report { sections: vec![Section::new("a", "A", ""), Section::new("a", "B", "")], ..Report::default() };
    assert!(matches!(repeated.validate(), Err(Error::DuplicateSectionId { section_idx: 1, .. })));

    let bad_anchor = Report { sections: vec![Section::new("x\" onclick=\"1", "A", "")], ..Report::default() };
    assert!(matches!(bad_anchor.validate(), Err(Error::InvalidSectionId { section_idx: 0, .. })));
    let html = render(&bad_anchor);
    assert!(html.contains("id=\"section-1\""), "an unusable anchor is replaced");
    assert!(!html.contains("onclick"));

    let bad_column = Report {
        sections: vec![Section::new("t", "T", "").with(Table::new("c", "", vec!["A".into()], vec![], vec![3]))],
        ..Report::default()
    };
    assert!(matches!(bad_column.validate(), Err(Error::NumericColumnOutOfRange { column_idx: 3, n_columns: 1, .. })));

    let bad_spec = Report {
        sections: vec![Section::new("c", "C", "").with(Chart::new("t", "", json!([1, 2])))],
        ..Report::default()
    };
    assert!(matches!(bad_spec.validate(), Err(Error::ChartSpecNotObject { block_idx: 0, .. })));
}

#[test]
fn the_funnel_states_attrition_between_stages() {
    let chart = Chart::funnel(
        "chain",
        vec![
            json!({"Stage": "Investigated", "N": 200}),
            json!({"Stage": "Prosecuted", "N": 50}),
            json!({"Stage": "Convicted", "N": 10}),
        ],
        "Stage",
        "N",
    );
    let table = chart.fallback.as_ref().expect("fallback table");
    let shares: Vec<&str> = table.rows.iter().map(|row| row[2].as_str()).collect();
    assert_eq!(shares, ["–", "25%", "20%"]);
    let labels: Vec<&str> = chart.spec["data"]["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|row| row["__label"].as_str())
        .collect();
    assert_eq!(labels[1], "50 · 25% of previous stage");
}

#[test]
fn a_hand_written_chart_can_state_its_unit() {
    let spec = json!({"data": {"values": [{"Source": "Police", "Records": 1500}]}, "mark": "bar"});
    let chart = Chart::new("Records", "", spec).with_unit("records");
    let table = chart.fallback.expect("derived table");
    assert_eq!(table.unit, "records");
    assert_eq!(table.columns, ["Source", "Records"]);
    assert_eq!(table.rows, [["Police", "1,500"]]);
    assert_eq!(table.numeric_columns, [1]);
}

#[test]
fn every_helper_copes_with_empty_and_odd_data() {
    let odd = vec![json!({"a": null, "b": "not a number"}), json!({"c": true})];
    for rows in [Vec::new(), odd] {
        let charts = [
            Chart::bar("bar", rows.clone(), "a", "b", Some("c")),
            Chart::stacked_bar("stacked", rows.clone(), "a", "b", "c"),
            Chart::ranked_bar("ranked", rows.clone(), "a", "b"),
            Chart::line("line", rows.clone(), "a", "b", None),
            Chart::funnel("funnel", rows.clone(), "a", "b"),
            Chart::flows("flows", rows.clone(), "a", "b", "c"),
            Chart::heatmap("heatmap", rows.clone(), "a", "b", "c"),
            Chart::interval("interval", rows.clone(), "a", "b", "c", "d").with_reference("r", 1.0),
        ];
        let n_rows = rows.len();
        let mut section = Section::new("s", "S", "");
        for chart in charts {
            let table = chart.fallback.as_ref().expect("every helper gives a table");
            // The flow diagram drops pairs without a positive count; the others keep every row.
            let expected = if chart.title == "flows" { 0 } else { n_rows };
            assert_eq!(table.rows.len(), expected, "{}", chart.title);
            section.push(chart);
        }
        let report = Report { title: "t".into(), sections: vec![section], ..Report::default() };
        report.validate().expect("valid");
        assert_eq!(render(&report).matches("<div class=\"chart\"").count(), 8);
    }
}

/// The paper is the report's: A4 unless it asks for US Letter, written as the page's `@page`
/// size, which Chromium's printing follows.
#[test]
fn the_page_asks_for_its_paper_size() {
    let a4 = render(&Report { title: "t".into(), ..Report::default() });
    assert!(a4.contains("@page { size: A4;"), "A4 by default");
    let letter = render(&Report { title: "t".into(), paper: report::Paper::Letter, ..Report::default() });
    assert!(letter.contains("@page { size: letter;"));
    let parsed: report::Paper = serde_json::from_str("\"letter\"").expect("lower case");
    assert_eq!(parsed, report::Paper::Letter);
}
