//! Palermo's report: one self-contained HTML page that a national rapporteur can hand to a
//! minister, rendered from a plain document model.
//!
//! The application layer turns statistics into a [`Report`] (headline [`Figure`]s and numbered
//! [`Section`]s made of [`Block`]s: paragraphs, figure cards, charts, tables, notes and trusted
//! HTML fragments from other engines) and calls [`render`], which returns the HTML as a string.
//! This crate does no IO: writing `out/report.html` is the caller's job.
//!
//! The page:
//! - works offline when opened from disk: Vega 5, Vega-Lite 5 and Vega-Embed 6 (vendored in
//!   `assets/`, see its README) are inlined, there are no web fonts, and a Content-Security-Policy
//!   forbids any request;
//! - draws each chart as SVG and gives its figures as a table beneath it, so they can be read
//!   without JavaScript, in print and with a screen reader;
//! - escapes all text of the model, except [`Block::Html`], which is trusted;
//! - is deterministic: the same report gives the same bytes, so two runs of the pipeline on the
//!   same inputs produce identical files.
//!
//! Charts are Vega-Lite v5 specs with inline data. The helpers in [`charts`] build the ones an
//! observatory needs: [`Chart::bar`], [`Chart::stacked_bar`], [`Chart::ranked_bar`],
//! [`Chart::line`], [`Chart::funnel`], [`Chart::flows`], [`Chart::heatmap`] and
//! [`Chart::interval`]; [`Chart::new`] takes any hand-written spec.
//!
//! # Example
//!
//! ```
//! use report::{Block, Chart, Figure, Report, Section, Table, render};
//! use serde_json::json;
//!
//! let by_year = vec![
//!     json!({"Year": 2022, "Detected victims": 310}),
//!     json!({"Year": 2023, "Detected victims": 352}),
//! ];
//! let report = Report {
//!     title: "Trafficking in persons in Freedonia, 2022–2023".into(),
//!     subtitle: "National rapporteur's annual statistics".into(),
//!     generated_note: "Sources: police, labour inspection, shelters. Seed 42.".into(),
//!     headline: vec![Figure::new("Detected victims", "352", "2023, records")],
//!     sections: vec![
//!         Section::new("trend", "Detected victims over time", "Detection rose by 14%.")
//!             .with(Chart::line("Detected victims by year", by_year, "Year", "Detected victims", None)
//!                 .with_caption("Unit: records (not yet deduplicated).")
//!                 .with_unit("records (not yet deduplicated)"))
//!             .with(Block::Notes(vec!["Counts are records, not persons.".into()])),
//!         Section::new("sources", "Sources", "")
//!             .with(Table::new(
//!                 "Records per source",
//!                 "records",
//!                 vec!["Source".into(), "Records".into()],
//!                 vec![vec!["Police".into(), "201".into()], vec!["Shelter".into(), "151".into()]],
//!                 vec![1],
//!             )),
//!     ],
//!     ..Report::default()
//! };
//! report.validate()?;
//! let html = render(&report);
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains("Figure 1.</span> Detected victims by year"));
//! assert_eq!(html, render(&report), "rendering is deterministic");
//! # Ok::<(), report::Error>(())
//! ```

/// The chart library the report inlines, for a shell that serves it as files instead (the web
/// dashboard): Vega 5, Vega-Lite 5 and Vega-Embed 6 (see `assets/README.md`), and the script that
/// draws every `div.chart[data-spec]` of a page from its JSON data island.
pub mod assets {
    pub const VEGA_JS: &str = include_str!("../assets/vega.min.js");
    pub const VEGA_LITE_JS: &str = include_str!("../assets/vega-lite.min.js");
    pub const VEGA_EMBED_JS: &str = include_str!("../assets/vega-embed.min.js");
    pub const INIT_JS: &str = include_str!("init.js");
}

pub mod charts;
mod model;
mod render;

pub use model::{Block, Chart, Figure, Paper, Report, Section, Table};

/// How a withheld cell (a count that disclosure control keeps from publication) is written in
/// tables and drawn in charts, as national statistical offices do.
pub const WITHHELD_MARK: &str = "x";
pub use render::render;

/// What can be wrong with a report before it is rendered (see [`Report::validate`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A section's anchor is empty, uses characters other than ASCII letters, digits, `-` and
    /// `_`, or takes a prefix the renderer reserves (`chart-`, `spec-`).
    #[error("section {section_idx} has an unusable id {id:?}")]
    InvalidSectionId {
        /// Position of the section, from 0.
        section_idx: usize,
        /// The id as given.
        id: String,
    },
    /// Two sections share an anchor, so the table of contents would jump to the wrong one.
    #[error("section {section_idx} repeats the id {id:?} of an earlier section")]
    DuplicateSectionId {
        /// Position of the second section, from 0.
        section_idx: usize,
        /// The repeated id.
        id: String,
    },
    /// A table row has a different number of cells than the table has columns.
    #[error(
        "table in section {section_id:?}, block {block_idx}: row {row_idx} has {found} cells, \
         the header has {expected}"
    )]
    TableRowWidth {
        /// Section holding the table.
        section_id: String,
        /// Position of the block in its section, from 0.
        block_idx: usize,
        /// Position of the row, from 0.
        row_idx: usize,
        /// Number of columns in the header.
        expected: usize,
        /// Number of cells in the row.
        found: usize,
    },
    /// A numeric-column index points past the last column.
    #[error(
        "table in section {section_id:?}, block {block_idx}: numeric column {column_idx} does \
         not exist ({n_columns} columns)"
    )]
    NumericColumnOutOfRange {
        /// Section holding the table.
        section_id: String,
        /// Position of the block in its section, from 0.
        block_idx: usize,
        /// The index given.
        column_idx: usize,
        /// Number of columns in the header.
        n_columns: usize,
    },
    /// A chart's spec is not a JSON object, so it cannot be a Vega-Lite specification.
    #[error("chart in section {section_id:?}, block {block_idx}: the spec is not a JSON object")]
    ChartSpecNotObject {
        /// Section holding the chart.
        section_id: String,
        /// Position of the block in its section, from 0.
        block_idx: usize,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
