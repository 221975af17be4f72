//! Turns a [`Report`] into one self-contained HTML page: embedded CSS, the vendored Vega, Vega-Lite
//! and Vega-Embed builds inlined, each chart's spec in a JSON data island, no external request.
//!
//! Output is deterministic: the same report gives the same bytes. Charts, tables and specs are
//! numbered in document order, and nothing reads a clock or a random source.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute, encode_text};
use serde_json::Value;

use crate::charts::{cell, table_from_rows};
use crate::model::{Block, Chart, Figure, Report, Section, Table, is_valid_anchor};

const CSS: &str = include_str!("report.css");
use crate::assets::{INIT_JS, VEGA_EMBED_JS, VEGA_JS, VEGA_LITE_JS};

/// Renders the report as one self-contained HTML document (UTF-8).
///
/// The page works offline when opened from disk: the chart library is inlined, there are no web
/// fonts, and every chart's data are inside its spec. Without JavaScript, each chart's data table
/// is still there. All text in the model is escaped except [`Block::Html`], which is trusted.
/// Invalid input (see [`Report::validate`]) is still rendered as well as it can be.
pub fn render(report: &Report) -> String {
    let mut page = Page::default();
    page.document(report);
    page.out
}

/// Counters that number figures and tables across the whole document.
#[derive(Default)]
struct Page {
    out: String,
    n_charts: usize,
    n_tables: usize,
}

impl Page {
    fn document(&mut self, report: &Report) {
        let title = encode_text(&report.title);
        let has_charts = report.sections.iter().flat_map(|s| &s.blocks).any(|b| matches!(b, Block::Chart(_)));
        self.push("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        self.push("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        self.push("<meta name=\"generator\" content=\"Palermo\">\n");
        // Nothing may leave the machine: the policy forbids any fetch, so a stray URL in a spec
        // cannot leak that the report was opened.
        self.push(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; \
             img-src data:\">\n",
        );
        let _ = writeln!(self.out, "<title>{title}</title>");
        let _ = writeln!(
            self.out,
            "<style>\n{CSS}@page {{ size: {}; margin: 14mm 12mm; }}\n</style>\n</head>\n<body>",
            report.paper.css()
        );
        self.push("<a class=\"skip\" href=\"#main\">Skip to content</a>\n");
        self.header(report);
        self.push("<main id=\"main\">\n");
        self.headline(&report.headline);
        self.contents(&report.sections);
        for (section_idx, section) in report.sections.iter().enumerate() {
            self.section(section_idx, section);
        }
        self.push("</main>\n");
        self.push(
            "<footer class=\"page-footer\"><div class=\"wrap\">Produced with Palermo, an \
             open-source anti-trafficking data observatory. Charts drawn with Vega-Lite. Every \
             chart's figures are also given as a table under it.</div></footer>\n",
        );
        if has_charts {
            // The libraries are inlined in separate elements so a parse error in one is reported
            // against it, and only when there is something to draw.
            for library in [VEGA_JS, VEGA_LITE_JS, VEGA_EMBED_JS] {
                self.push("<script>");
                self.push(library.trim_end());
                self.push("</script>\n");
            }
            self.push("<script>\n");
            self.push(INIT_JS);
            self.push("</script>\n");
        }
        self.push("</body>\n</html>\n");
    }

    fn header(&mut self, report: &Report) {
        self.push("<header class=\"masthead\"><div class=\"wrap\">\n");
        self.push("<p class=\"kicker\">National anti-trafficking observatory</p>\n");
        let _ = writeln!(self.out, "<h1>{}</h1>", encode_text(&report.title));
        if !report.subtitle.is_empty() {
            let _ = writeln!(self.out, "<p class=\"subtitle\">{}</p>", encode_text(&report.subtitle));
        }
        if !report.generated_note.is_empty() {
            let _ = writeln!(self.out, "<p class=\"generated\">{}</p>", encode_text(&report.generated_note));
        }
        self.push("</div></header>\n");
    }

    fn headline(&mut self, figures: &[Figure]) {
        if figures.is_empty() {
            return;
        }
        self.push(
            "<section class=\"headline\" aria-labelledby=\"headline-title\">\n\
             <h2 id=\"headline-title\" class=\"visually-hidden\">Headline figures</h2>\n",
        );
        self.cards(figures, "cards cards-headline");
        self.push("</section>\n");
    }

    fn cards(&mut self, figures: &[Figure], class: &str) {
        let _ = writeln!(self.out, "<ul class=\"{class}\">");
        for figure in figures {
            let _ = write!(
                self.out,
                "<li class=\"card\"><span class=\"card-value\">{}</span>\
                 <span class=\"card-label\">{}</span>",
                encode_text(&figure.value),
                encode_text(&figure.label)
            );
            if !figure.note.is_empty() {
                let _ = write!(self.out, "<span class=\"card-note\">{}</span>", encode_text(&figure.note));
            }
            self.push("</li>\n");
        }
        self.push("</ul>\n");
    }

    fn contents(&mut self, sections: &[Section]) {
        if sections.is_empty() {
            return;
        }
        self.push(
            "<nav class=\"toc\" aria-labelledby=\"toc-title\">\n\
             <h2 id=\"toc-title\">Contents</h2>\n<ol>\n",
        );
        for (section_idx, section) in sections.iter().enumerate() {
            let _ = writeln!(
                self.out,
                "<li><a href=\"#{}\">{}</a></li>",
                encode_double_quoted_attribute(&anchor(section_idx, section)),
                encode_text(&section.title)
            );
        }
        self.push("</ol>\n</nav>\n");
    }

    fn section(&mut self, section_idx: usize, section: &Section) {
        let id = anchor(section_idx, section);
        let _ = writeln!(
            self.out,
            "<section class=\"section\" id=\"{}\" aria-labelledby=\"{}-title\">",
            encode_double_quoted_attribute(&id),
            encode_double_quoted_attribute(&id)
        );
        self.push("<div class=\"section-head\">\n");
        let _ = writeln!(
            self.out,
            "<h2 id=\"{}-title\"><span class=\"section-number\">{}</span> {}</h2>",
            encode_double_quoted_attribute(&id),
            section_idx + 1,
            encode_text(&section.title)
        );
        if !section.intro.is_empty() {
            let _ = writeln!(self.out, "<p class=\"intro\">{}</p>", encode_text(&section.intro));
        }
        let mut blocks = section.blocks.iter();
        // The heading, the intro and the first block are kept on one page in print: a heading
        // is never left alone at the foot of a page.
        if let Some(first) = blocks.next() {
            self.block(first);
        }
        self.push("</div>\n");
        for block in blocks {
            self.block(block);
        }
        self.push("</section>\n");
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Paragraph(text) => {
                let _ = writeln!(self.out, "<p>{}</p>", encode_text(text));
            }
            Block::Figures(figures) => self.cards(figures, "cards"),
            Block::Chart(chart) => self.chart(chart),
            Block::Table(table) => {
                self.push("<div class=\"table-block\">\n");
                self.table(table, true);
                self.push("</div>\n");
            }
            Block::Notes(notes) => {
                self.push("<ul class=\"notes\">\n");
                for note in notes {
                    let _ = writeln!(self.out, "<li>{}</li>", encode_text(note));
                }
                self.push("</ul>\n");
            }
            Block::Html(fragment) => {
                self.push("<div class=\"embedded\">\n");
                self.push(fragment);
                self.push("\n</div>\n");
            }
        }
    }

    fn chart(&mut self, chart: &Chart) {
        self.n_charts += 1;
        let number = self.n_charts;
        let title = encode_text(&chart.title);
        let _ = writeln!(self.out, "<figure class=\"chart-figure\" aria-labelledby=\"chart-{number}-title\">");
        let _ = writeln!(
            self.out,
            "<h3 class=\"figure-title\" id=\"chart-{number}-title\">\
             <span class=\"figure-number\">Figure {number}.</span> {title}</h3>"
        );
        let _ = writeln!(
            self.out,
            "<div class=\"chart\" id=\"chart-{number}\" data-spec=\"spec-{number}\" \
             role=\"img\" aria-label=\"{}\"></div>",
            encode_double_quoted_attribute(&chart.title)
        );
        let _ = writeln!(
            self.out,
            "<script type=\"application/json\" id=\"spec-{number}\">{}</script>",
            json_for_script(&chart.spec)
        );
        self.push(
            "<noscript><p class=\"chart-note\">This chart needs JavaScript; its figures are in \
             the table below.</p></noscript>\n",
        );
        let derived;
        let fallback = match &chart.fallback {
            Some(table) => Some(table),
            None => {
                derived = derive_fallback(chart);
                derived.as_ref()
            }
        };
        let withheld_note = fallback.map_or("", |table| table.withheld_note.as_str());
        if !chart.caption.is_empty() || !withheld_note.is_empty() {
            self.push("<figcaption>");
            self.push(&encode_text(&chart.caption));
            if !withheld_note.is_empty() {
                // Printed too: the data table under the chart is folded away on paper.
                let _ = write!(self.out, " <span class=\"withheld-note\">{}</span>", encode_text(withheld_note));
            }
            self.push("</figcaption>\n");
        }
        if let Some(table) = fallback {
            self.push("<details class=\"chart-data\">\n<summary>Data table</summary>\n");
            self.table(table, false);
            self.push("</details>\n");
        }
        self.push("</figure>\n");
    }

    /// Standalone tables are numbered like figures; a chart's data table is not, it belongs to
    /// its figure.
    fn table(&mut self, table: &Table, numbered: bool) {
        self.push("<div class=\"table-scroll\">\n<table>\n");
        let mut caption = String::new();
        if numbered {
            self.n_tables += 1;
            let _ = write!(caption, "<span class=\"figure-number\">Table {}.</span> ", self.n_tables);
        }
        caption.push_str(&encode_text(&table.caption));
        if !table.unit.is_empty() {
            let _ = write!(caption, " <span class=\"unit\">Unit: {}</span>", encode_text(&table.unit));
        }
        let _ = writeln!(self.out, "<caption>{caption}</caption>");
        self.push("<thead><tr>");
        for (column_idx, column) in table.columns.iter().enumerate() {
            let class = numeric_class(table, column_idx);
            let _ = write!(self.out, "<th scope=\"col\"{class}>{}</th>", encode_text(column));
        }
        self.push("</tr></thead>\n<tbody>\n");
        for row in &table.rows {
            self.push("<tr>");
            for (column_idx, value) in row.iter().enumerate() {
                let class = numeric_class(table, column_idx);
                // The first column names the row, which is what a screen reader announces with
                // each cell.
                let tag =
                    if column_idx == 0 && !table.numeric_columns.contains(&0) { "th scope=\"row\"" } else { "td" };
                let close = if tag == "td" { "td" } else { "th" };
                if table.is_withheld(column_idx, value) {
                    let class = if class.is_empty() { " class=\"withheld\"" } else { " class=\"num withheld\"" };
                    let reason = if table.withheld_note.is_empty() { "withheld" } else { &table.withheld_note };
                    let _ = write!(
                        self.out,
                        "<{tag}{class} title=\"{}\">{}</{close}>",
                        encode_double_quoted_attribute(reason),
                        encode_text(value)
                    );
                    continue;
                }
                let _ = write!(self.out, "<{tag}{class}>{}</{close}>", encode_text(value));
            }
            for column_idx in row.len()..table.columns.len() {
                let class = numeric_class(table, column_idx);
                let _ = write!(self.out, "<td{class}></td>");
            }
            self.push("</tr>\n");
        }
        self.push("</tbody>\n</table>\n</div>\n");
        if !table.withheld_note.is_empty() {
            let _ = writeln!(self.out, "<p class=\"table-note\">{}</p>", encode_text(&table.withheld_note));
        }
        if !table.note.is_empty() {
            let _ = writeln!(self.out, "<p class=\"table-note\">{}</p>", encode_text(&table.note));
        }
    }

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }
}

fn numeric_class(table: &Table, column_idx: usize) -> &'static str {
    if table.numeric_columns.contains(&column_idx) { " class=\"num\"" } else { "" }
}

/// The section's anchor, or a generated one when the given id is unusable, so that a report that
/// failed validation still has working links.
fn anchor(section_idx: usize, section: &Section) -> String {
    if is_valid_anchor(&section.id) { section.id.clone() } else { format!("section-{}", section_idx + 1) }
}

/// JSON safe inside a `<script>` element: `<` is written as `\u003c`, so neither `</script>` nor
/// `<!--` can appear. In JSON `<` only occurs inside strings, where the escape means the same
/// character. U+2028 and U+2029 are escaped too, for older JavaScript parsers.
fn json_for_script(spec: &Value) -> String {
    let text = spec.to_string();
    let mut safe = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => safe.push_str("\\u003c"),
            '>' => safe.push_str("\\u003e"),
            '&' => safe.push_str("\\u0026"),
            '\u{2028}' => safe.push_str("\\u2028"),
            '\u{2029}' => safe.push_str("\\u2029"),
            other => safe.push(other),
        }
    }
    safe
}

/// A table from the spec's top-level inline data: text columns first, then numeric ones, each in
/// the order the rows list their fields.
pub(crate) fn derive_fallback(chart: &Chart) -> Option<Table> {
    let rows = chart.spec.get("data")?.get("values")?.as_array()?;
    let mut columns: Vec<&str> = Vec::new();
    for row in rows {
        if let Some(object) = row.as_object() {
            // Fields with a double underscore are the helpers' own (geometry, the withheld mark).
            for key in object.keys().filter(|key| !key.starts_with("__")) {
                if !columns.contains(&key.as_str()) {
                    columns.push(key);
                }
            }
        }
    }
    if columns.is_empty() {
        // Rows of bare values (e.g. a list of numbers) still deserve a table.
        return Some(Table {
            caption: chart.title.clone(),
            unit: String::new(),
            columns: vec!["Value".into()],
            rows: rows.iter().map(|v| vec![cell(v)]).collect(),
            numeric_columns: Vec::new(),
            withheld_note: String::new(),
            note: String::new(),
        });
    }
    // serde_json may sort object keys, so put the categories first: a table reads from the row's
    // name to its numbers.
    let numeric = table_from_rows(&chart.title, &columns, rows).numeric_columns;
    let is_numeric = |idx: &usize| numeric.contains(idx);
    let ordered: Vec<&str> = (0..columns.len())
        .filter(|idx| !is_numeric(idx))
        .chain((0..columns.len()).filter(is_numeric))
        .map(|idx| columns[idx])
        .collect();
    Some(table_from_rows(&chart.title, &ordered, rows))
}
