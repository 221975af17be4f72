//! Printing data in the format the user asked for: aligned text, CSV, JSON or Markdown.

use std::io::Write;

use crate::Format;

/// A table of text cells with a header.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: &[&str]) -> Table {
        Table { columns: columns.iter().map(|c| (*c).to_owned()).collect(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// Renders as aligned text, CSV, Markdown, or JSON (an array of objects).
    pub fn render(&self, format: Format) -> anyhow::Result<String> {
        Ok(match format {
            Format::Html | Format::Pdf => {
                anyhow::bail!(
                    "--format html and pdf make documents (`palermo monitor report --format pdf -o FILE.pdf`); here use table, csv, json or markdown"
                )
            }
            Format::Table => {
                let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
                for row in &self.rows {
                    for (w, cell) in widths.iter_mut().zip(row) {
                        *w = (*w).max(cell.chars().count());
                    }
                }
                let mut out = String::new();
                let line = |cells: &[String], out: &mut String| {
                    let parts: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
                    out.push_str(parts.join("  ").trim_end());
                    out.push('\n');
                };
                line(&self.columns, &mut out);
                line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(), &mut out);
                for row in &self.rows {
                    line(row, &mut out);
                }
                out
            }
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(Vec::new());
                // Cells that a spreadsheet would run as a formula are neutralised (app::csv_cell).
                writer.write_record(self.columns.iter().map(|c| app::csv_cell(c).into_owned()))?;
                for row in &self.rows {
                    writer.write_record(row.iter().map(|c| app::csv_cell(c).into_owned()))?;
                }
                String::from_utf8(writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?
            }
            Format::Markdown => {
                let mut out = format!("| {} |\n|{}\n", self.columns.join(" | "), " --- |".repeat(self.columns.len()));
                for row in &self.rows {
                    out.push_str(&format!("| {} |\n", row.join(" | ")));
                }
                out
            }
            Format::Json => {
                let objects: Vec<serde_json::Map<String, serde_json::Value>> = self
                    .rows
                    .iter()
                    .map(|row| {
                        self.columns
                            .iter()
                            .cloned()
                            .zip(row.iter().map(|c| serde_json::Value::String(c.clone())))
                            .collect()
                    })
                    .collect();
                serde_json::to_string_pretty(&objects)? + "\n"
            }
        })
    }
}

/// Writes to standard output (a broken pipe ends the program quietly, in `main`).
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    print(&(serde_json::to_string_pretty(value)? + "\n"))
}
