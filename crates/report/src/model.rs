//! The report's document model: plain, serialisable data that the application layer fills from
//! statistics and that [`crate::render`] turns into HTML.
//!
//! The model is deliberately dumb. It holds text and numbers already formatted the way they should
//! be read (the app layer knows the locale, the rounding and the disclosure rules), so the renderer
//! never decides what a number means.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A whole report: a header, headline figures and numbered sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Report {
    /// The document title, e.g. "Trafficking in persons in Freedonia, 2019–2023".
    pub title: String,
    /// One line under the title, e.g. the observatory and the reference period.
    #[serde(default)]
    pub subtitle: String,
    /// Provenance shown in the header (sources, seed, Palermo version). Never a timestamp: two runs
    /// on the same inputs must produce byte-identical files.
    #[serde(default)]
    pub generated_note: String,
    /// The few numbers a reader must see first, drawn as cards.
    #[serde(default)]
    pub headline: Vec<Figure>,
    /// The body, in reading order; each section gets an entry in the table of contents.
    #[serde(default)]
    pub sections: Vec<Section>,
    /// The paper the page is printed on (to PDF or on paper).
    #[serde(default)]
    pub paper: Paper,
}

/// Paper sizes for printing. A4 is the default of the UN and of most users; US Letter is the
/// other common one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// ISO A4, 210 × 297 mm.
    #[default]
    #[serde(alias = "A4")]
    A4,
    /// US Letter, 8.5 × 11 in.
    #[serde(alias = "Letter")]
    Letter,
}

impl Paper {
    /// The CSS `@page` size keyword.
    pub fn css(self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::Letter => "letter",
        }
    }
}

/// A labelled number, shown as a card in the headline or inside a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Figure {
    /// What is counted, e.g. "Detected victims (records)".
    pub label: String,
    /// The number as it should be read, e.g. "1,284" or "3.1 per 100,000".
    pub value: String,
    /// A short qualifier, e.g. "2023; not deduplicated". Empty for none.
    #[serde(default)]
    pub note: String,
}

/// One numbered part of the report with its own anchor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Section {
    /// Anchor used by the table of contents (`#id`): letters, digits, `-` and `_` only.
    pub id: String,
    /// Heading.
    pub title: String,
    /// An opening paragraph in plain text. Empty for none.
    #[serde(default)]
    pub intro: String,
    /// The content, in reading order.
    #[serde(default)]
    pub blocks: Vec<Block>,
}

/// A piece of section content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "content", rename_all = "snake_case")]
pub enum Block {
    /// Plain text; escaped on output.
    Paragraph(String),
    /// A row of figure cards.
    Figures(Vec<Figure>),
    /// A Vega-Lite chart with its data table as a fallback.
    Chart(Chart),
    /// A table of pre-formatted cells.
    Table(Table),
    /// A bulleted list of notes (method notes, caveats, data-quality remarks).
    Notes(Vec<String>),
    /// A trusted HTML fragment produced by another Palermo engine (e.g. the monitor's heatmap).
    /// It is inserted verbatim: never put user- or agency-supplied text here unescaped.
    Html(String),
}

/// A chart: a Vega-Lite v5 specification with inline data, a title and a caption.
///
/// Build one with the helpers in [`crate::charts`] (`Chart::bar`, `Chart::line`, `Chart::funnel`,
/// `Chart::flows`, …) or from any hand-written spec with [`Chart::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// Shown above the chart and used as its accessible name.
    pub title: String,
    /// Shown under the chart: what is counted, the unit, the source. Empty for none.
    #[serde(default)]
    pub caption: String,
    /// A Vega-Lite v5 specification whose data are inline (`data.values`), so the page needs no
    /// network and no file beside it.
    pub spec: serde_json::Value,
    /// The same figures as a table, readable without JavaScript and by screen readers. When
    /// `None`, the renderer derives a table from the spec's top-level `data.values`.
    #[serde(default)]
    pub fallback: Option<Table>,
}

/// A table of pre-formatted cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Table {
    /// Shown above the table.
    pub caption: String,
    /// The counting unit, e.g. "records (not yet deduplicated)" or "persons (after linkage)".
    /// Every statistical table must state it; empty only for non-statistical tables.
    #[serde(default)]
    pub unit: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// Cells, row by row, already formatted.
    pub rows: Vec<Vec<String>>,
    /// Indices of the columns that hold numbers; they are right-aligned with tabular digits.
    #[serde(default)]
    pub numeric_columns: Vec<usize>,
    /// What a withheld cell (written [`crate::WITHHELD_MARK`], `x`) means here, e.g. "x: withheld
    /// by disclosure control (a count from 1 to 4)". Shown under the table; withheld cells are
    /// marked and carry it as their title. Empty: the table withholds nothing.
    #[serde(default)]
    pub withheld_note: String,
    /// A note under the table (after the withheld note), e.g. how its counts were protected.
    /// Empty for none.
    #[serde(default)]
    pub note: String,
}

impl Figure {
    /// A figure with a label, a value and a note (empty for none).
    pub fn new(label: impl Into<String>, value: impl Into<String>, note: impl Into<String>) -> Self {
        Self { label: label.into(), value: value.into(), note: note.into() }
    }
}

impl Section {
    /// An empty section; add content with [`Section::push`] or by filling `blocks`.
    pub fn new(id: impl Into<String>, title: impl Into<String>, intro: impl Into<String>) -> Self {
        Self { id: id.into(), title: title.into(), intro: intro.into(), blocks: Vec::new() }
    }

    /// Appends a block and returns the section, for chaining.
    #[must_use]
    pub fn with(mut self, block: impl Into<Block>) -> Self {
        self.blocks.push(block.into());
        self
    }

    /// Appends a block.
    pub fn push(&mut self, block: impl Into<Block>) {
        self.blocks.push(block.into());
    }
}

impl From<Chart> for Block {
    fn from(chart: Chart) -> Self {
        Block::Chart(chart)
    }
}

impl From<Table> for Block {
    fn from(table: Table) -> Self {
        Block::Table(table)
    }
}

impl Table {
    /// A table; `numeric_columns` lists the indices of right-aligned columns.
    pub fn new(
        caption: impl Into<String>,
        unit: impl Into<String>,
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
        numeric_columns: Vec<usize>,
    ) -> Self {
        Self {
            caption: caption.into(),
            unit: unit.into(),
            columns,
            rows,
            numeric_columns,
            withheld_note: String::new(),
            note: String::new(),
        }
    }

    /// Says what a withheld cell means (see [`Table::withheld_note`]).
    #[must_use]
    pub fn with_withheld_note(mut self, note: impl Into<String>) -> Self {
        self.withheld_note = note.into();
        self
    }

    /// Adds a note under the table (see [`Table::note`]).
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    /// Whether a cell is withheld: it reads [`crate::WITHHELD_MARK`] in a numeric column, or in
    /// any column but the first when the table says what withheld cells mean.
    pub fn is_withheld(&self, column_idx: usize, text: &str) -> bool {
        text == crate::WITHHELD_MARK
            && (self.numeric_columns.contains(&column_idx) || (column_idx > 0 && !self.withheld_note.is_empty()))
    }
}

impl Report {
    /// Checks what the renderer cannot fix for the reader: section anchors that are empty,
    /// malformed or repeated (the table of contents would jump to the wrong place), table rows whose
    /// width differs from the header, numeric-column indices past the last column, and chart
    /// specs that are not JSON objects.
    ///
    /// [`crate::render`] renders any report, valid or not; call this first in the pipeline so a
    /// broken report fails loudly instead of shipping.
    pub fn validate(&self) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for (section_idx, section) in self.sections.iter().enumerate() {
            if !is_valid_anchor(&section.id) {
                return Err(Error::InvalidSectionId { section_idx, id: section.id.clone() });
            }
            if !seen.insert(section.id.as_str()) {
                return Err(Error::DuplicateSectionId { section_idx, id: section.id.clone() });
            }
            for (block_idx, block) in section.blocks.iter().enumerate() {
                match block {
                    Block::Table(table) => validate_table(table, &section.id, block_idx)?,
                    Block::Chart(chart) => {
                        if !chart.spec.is_object() {
                            return Err(Error::ChartSpecNotObject { section_id: section.id.clone(), block_idx });
                        }
                        if let Some(table) = &chart.fallback {
                            validate_table(table, &section.id, block_idx)?;
                        }
                    }
                    Block::Paragraph(_) | Block::Figures(_) | Block::Notes(_) | Block::Html(_) => {}
                }
            }
        }
        Ok(())
    }
}

fn validate_table(table: &Table, section_id: &str, block_idx: usize) -> Result<()> {
    let n_columns = table.columns.len();
    for (row_idx, row) in table.rows.iter().enumerate() {
        if row.len() != n_columns {
            return Err(Error::TableRowWidth {
                section_id: section_id.to_owned(),
                block_idx,
                row_idx,
                expected: n_columns,
                found: row.len(),
            });
        }
    }
    if let Some(&column_idx) = table.numeric_columns.iter().find(|&&c| c >= n_columns) {
        return Err(Error::NumericColumnOutOfRange {
            section_id: section_id.to_owned(),
            block_idx,
            column_idx,
            n_columns,
        });
    }
    Ok(())
}

/// Anchors are restricted to a safe alphabet so they need no escaping in URLs and never collide
/// with the renderer's own ids (`chart-N`, `spec-N`), which use a prefix no section may take.
pub(crate) fn is_valid_anchor(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with("chart-")
        && !id.starts_with("spec-")
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
