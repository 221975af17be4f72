//! Helper constructors for the charts an observatory report needs, so the application layer
//! writes almost no Vega-Lite by hand.
//!
//! Every helper takes the data as rows of JSON objects (`serde_json::json!({"Year": 2021,
//! "Victims": 412})`) and the names of the fields to plot. Field names are shown to the reader as
//! axis titles and table headings, so use readable names ("Detected victims", not `n_victims`).
//! Each helper returns a [`Chart`] whose spec is Vega-Lite v5 with the data inline and whose
//! fallback is a table of the same figures, so the numbers stay readable without JavaScript, in
//! print and for screen readers.
//!
//! Categories are drawn in the order of the rows (`"sort": null`): the app layer decides the order
//! (years ascending, the criminal-justice stages in sequence, countries by size), not the chart.
//!
//! A count withheld by disclosure control is never drawn as a zero or a bar: give its row with
//! [`withheld`] (the value null, the reason in the field [`WITHHELD`]) and the chart writes a bold
//! `x` where the bar, point or cell would be (in a layer named `withheld`, whose SVG group has the
//! class `withheld_marks`), with the reason in its tooltip, under the chart and in its table.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::WITHHELD_MARK;
use crate::model::{Chart, Table};

const SCHEMA: &str = "https://vega.github.io/schema/vega-lite/v5.json";

/// The row field that marks a row's value as withheld by disclosure control; it holds the reason
/// as the reader should read it. Build such rows with [`withheld`].
pub const WITHHELD: &str = "__withheld";

/// A chart row whose count is withheld: the field `value` is set to null and the row carries the
/// reason in [`WITHHELD`], so that the chart marks it with an `x` instead of drawing it.
pub fn withheld(mut row: Value, value: &str, reason: &str) -> Value {
    if let Some(object) = row.as_object_mut() {
        object.insert(value.to_owned(), Value::Null);
        object.insert(WITHHELD.to_owned(), Value::String(reason.to_owned()));
    }
    row
}

/// Whether a row was made by [`withheld`].
pub fn is_withheld(row: &Value) -> bool {
    row.get(WITHHELD).is_some_and(|reason| !reason.is_null())
}

/// Vega expressions selecting the drawn rows and the withheld ones.
const DRAWN: &str = "datum['__withheld'] == null";
const NOT_DRAWN: &str = "datum['__withheld'] != null";
/// Where a withheld row's `x` stands on a quantitative axis, precomputed per row.
const MARKER_AT: &str = "__marker_at";
/// Separates the stretches of a line that a withheld point interrupts.
const SEGMENT: &str = "__segment";
const MARKER_COLOR: &str = "#8a1c1c";
/// Name of the layer of `x` marks; Vega gives its SVG group the class `withheld_marks`.
const MARKER_LAYER: &str = "withheld";

/// The note under a chart or table with withheld rows: `x: ` and the first row's reason.
fn withheld_note(rows: &[Value]) -> String {
    rows.iter()
        .find(|row| is_withheld(row))
        .and_then(|row| row[WITHHELD].as_str())
        .map(|reason| format!("{WITHHELD_MARK}: {reason}"))
        .unwrap_or_default()
}

/// Turns a single-view spec into two layers: the drawn rows with the spec's mark and encoding,
/// and `marker`, the layer that writes an `x` for each withheld row.
fn layer_withheld(mut spec: Value, marker: Value) -> Value {
    let Some(object) = spec.as_object_mut() else { return spec };
    let mark = object.remove("mark").unwrap_or(Value::Null);
    let encoding = object.remove("encoding").unwrap_or_else(|| json!({}));
    let mut transform = match object.remove("transform") {
        Some(Value::Array(steps)) => steps,
        _ => Vec::new(),
    };
    transform.insert(0, json!({"filter": DRAWN}));
    object.insert("layer".into(), json!([{"transform": transform, "mark": mark, "encoding": encoding}, marker]));
    spec
}

/// The `x` marks of a chart with a vertical quantitative axis: the chart's own x (and colour and
/// offset) encoding, at the height precomputed in [`MARKER_AT`].
fn vertical_markers(encoding: &Value, y_title: &str, tooltip_fields: &[Option<&str>]) -> Value {
    let mut encoding = encoding.clone();
    if let Some(e) = encoding.as_object_mut() {
        e.remove("order");
        e.remove("detail");
    }
    encoding["y"] = json!({"field": MARKER_AT, "type": "quantitative", "title": y_title, "stack": null});
    encoding["text"] = json!({"value": WITHHELD_MARK});
    encoding["tooltip"] = withheld_tooltip(tooltip_fields);
    json!({
        "name": MARKER_LAYER,
        "transform": [{"filter": NOT_DRAWN}],
        "mark": {"type": "text", "baseline": "bottom", "dy": -2, "fontSize": 14, "fontWeight": "bold",
                 "color": MARKER_COLOR},
        "encoding": encoding,
    })
}

fn withheld_tooltip(fields: &[Option<&str>]) -> Value {
    let mut items: Vec<Value> = present(fields)
        .into_iter()
        .map(|name| json!({"field": field(name), "type": "nominal", "title": name}))
        .collect();
    items.push(json!({"field": WITHHELD, "type": "nominal", "title": "Withheld"}));
    Value::Array(items)
}

/// Sets where each withheld row's `x` stands: on top of what is drawn at its category (`base`),
/// one step higher for each earlier withheld row of the same category, so that none overlaps.
fn place_markers(rows: &mut [Value], category: &str, base: impl Fn(&Value) -> f64, step: f64) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for row in rows.iter_mut() {
        if !is_withheld(row) {
            continue;
        }
        let k = seen.entry(row[category].to_string()).or_insert(0);
        let at = base(row) + step * *k as f64;
        *k += 1;
        if let Some(object) = row.as_object_mut() {
            object.insert(MARKER_AT.into(), json!(round3(at)));
        }
    }
}

/// Internal field names used by helpers that precompute geometry. The double underscore keeps them
/// apart from any readable field name the app layer chooses.
const X0: &str = "__x0";
const X1: &str = "__x1";
const LABEL: &str = "__label";

impl Chart {
    /// A chart from a hand-written Vega-Lite v5 spec. The fallback table is derived from the spec's
    /// top-level `data.values` when rendered.
    pub fn new(title: impl Into<String>, caption: impl Into<String>, spec: Value) -> Self {
        Self { title: title.into(), caption: caption.into(), spec, fallback: None }
    }

    /// Sets the caption shown under the chart (what is counted, the unit, the source).
    #[must_use]
    pub fn with_caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = caption.into();
        self
    }

    /// Sets the counting unit of the fallback table, e.g. "records (not yet deduplicated)". A chart
    /// made with [`Chart::new`] first gets its table derived from the spec's data.
    #[must_use]
    pub fn with_unit(mut self, unit: impl Into<String>) -> Self {
        if self.fallback.is_none() {
            self.fallback = crate::render::derive_fallback(&self);
        }
        if let Some(table) = &mut self.fallback {
            table.unit = unit.into();
        }
        self
    }

    /// Replaces the fallback table.
    #[must_use]
    pub fn with_fallback(mut self, table: Table) -> Self {
        self.fallback = Some(table);
        self
    }

    /// Sets the plot height in pixels (the width always follows the page).
    #[must_use]
    pub fn with_height(mut self, height: u32) -> Self {
        if let Some(spec) = self.spec.as_object_mut() {
            spec.insert("height".into(), json!(height));
        }
        self
    }

    /// Adds a labelled vertical reference line at `value` on the quantitative x axis of a layered
    /// chart ([`Chart::interval`], [`Chart::ranked_bar`]): for example the number of distinct
    /// persons observed, below which no estimate can fall, or the true total in a simulation.
    /// Charts without layers are returned unchanged.
    #[must_use]
    pub fn with_reference(mut self, label: &str, value: f64) -> Self {
        if let Some(layers) = self.spec.get_mut("layer").and_then(Value::as_array_mut) {
            // Layers share the x scale, so the line stays in view even outside every bar or
            // interval. The y channel is set explicitly so that the chart's own y (a category
            // these data lack) is not inherited.
            layers.push(json!({
                "data": {"values": [{"__reference": value, "__label": label}]},
                "layer": [
                    {"mark": {"type": "rule", "color": "#e07b39", "strokeWidth": 2,
                              "strokeDash": [6, 4]},
                     "encoding": {"x": {"field": "__reference", "type": "quantitative"},
                                  "y": {"value": 0}, "y2": {"value": "height"},
                                  "tooltip": {"field": "__label", "type": "nominal"}}},
                    {"mark": {"type": "text", "align": "left", "baseline": "top", "dx": 5,
                              "dy": 2, "fontSize": 11, "fontWeight": "bold",
                              "color": "#b35a1f"},
                     "encoding": {"x": {"field": "__reference", "type": "quantitative"},
                                  "y": {"value": 0},
                                  "text": {"field": "__label", "type": "nominal"}}},
                ],
            }));
        }
        self
    }

    /// Vertical bars: one bar per value of `x` (a category such as the form of exploitation or the
    /// year), height `y` (a count). With `color`, bars are grouped side by side by that field
    /// (e.g. sex); use [`Chart::stacked_bar`] to stack them instead.
    pub fn bar(title: impl Into<String>, rows: Vec<Value>, x: &str, y: &str, color: Option<&str>) -> Self {
        let title: String = title.into();
        let mut encoding = json!({
            "x": {"field": field(x), "type": "nominal", "sort": null,
                  "axis": {"labelAngle": label_angle(&rows, x), "title": x, "labelLimit": LABEL_LIMIT}},
            "y": {"field": field(y), "type": "quantitative", "title": y},
        });
        if let Some(color) = color {
            encoding["color"] = json!({"field": field(color), "type": "nominal", "sort": null,
                                       "title": color});
            encoding["xOffset"] = json!({"field": field(color), "type": "nominal", "sort": null});
        }
        encoding["tooltip"] = tooltip(&[Some(x), color, Some(y)], y);
        let columns = present(&[Some(x), color, Some(y)]);
        let fallback = table_from_rows(&title, &columns, &rows);
        let mut rows = rows;
        let any_withheld = rows.iter().any(is_withheld);
        // Side by side, every bar has its own place: the `x` stands at the foot of it.
        place_markers(&mut rows, x, |_| 0.0, 0.0);
        let markers = vertical_markers(&encoding, y, &[Some(x), color]);
        let mut spec = base_spec(rows, 280, json!({"type": "bar", "tooltip": true}), encoding);
        if any_withheld {
            spec = layer_withheld(spec, markers);
        }
        Self::new(title, "", spec).with_fallback(fallback)
    }

    /// Stacked vertical bars: one bar per value of `x`, split by `color` (e.g. detected victims by
    /// year, stacked by form of exploitation).
    pub fn stacked_bar(title: impl Into<String>, rows: Vec<Value>, x: &str, y: &str, color: &str) -> Self {
        let title: String = title.into();
        let encoding = json!({
            "x": {"field": field(x), "type": "nominal", "sort": null,
                  "axis": {"labelAngle": label_angle(&rows, x), "title": x, "labelLimit": LABEL_LIMIT}},
            "y": {"field": field(y), "type": "quantitative", "title": y, "stack": "zero"},
            "color": {"field": field(color), "type": "nominal", "sort": null, "title": color},
            "tooltip": tooltip(&[Some(x), Some(color), Some(y)], y),
        });
        let fallback = table_from_rows(&title, &[x, color, y], &rows);
        // Vega-Lite stacks alphabetically unless told otherwise; stack in the order of the rows so
        // the bottom segment is the category the app layer put first, as in the legend.
        let order = format!("indexof({}, {})", Value::Array(first_seen(&rows, color)), datum(color));
        let mut rows = rows;
        let any_withheld = rows.iter().any(is_withheld);
        // A withheld segment has no height: its `x` stands on top of the bar, in its colour.
        let mut stacks: BTreeMap<String, f64> = BTreeMap::new();
        for row in &rows {
            *stacks.entry(row[x].to_string()).or_insert(0.0) += number(&row[y]).unwrap_or(0.0);
        }
        let step = stacks.values().copied().fold(0.0_f64, f64::max) * 0.07;
        place_markers(&mut rows, x, |row| stacks.get(&row[x].to_string()).copied().unwrap_or(0.0), step);
        let markers = vertical_markers(&encoding, y, &[Some(x), Some(color)]);
        let mut spec = base_spec(rows, 300, json!({"type": "bar", "tooltip": true}), encoding);
        spec["transform"] = json!([{"calculate": order, "as": "__order"}]);
        spec["encoding"]["order"] = json!({"field": "__order", "type": "quantitative"});
        if any_withheld {
            spec = layer_withheld(spec, markers);
        }
        Self::new(title, "", spec).with_fallback(fallback)
    }

    /// Horizontal bars ranked from largest to smallest, each labelled with its value: the chart
    /// for long category lists such as citizenship or country of exploitation.
    pub fn ranked_bar(title: impl Into<String>, rows: Vec<Value>, category: &str, value: &str) -> Self {
        let title: String = title.into();
        let n_rows = rows.len();
        let mut sorted_rows = rows.clone();
        // Largest first; withheld rows, whose size is not known, last.
        sorted_rows.sort_by(|a, b| {
            is_withheld(a)
                .cmp(&is_withheld(b))
                .then_with(|| number(&b[value]).unwrap_or(0.0).total_cmp(&number(&a[value]).unwrap_or(0.0)))
        });
        let order = first_seen(&sorted_rows, category);
        let encoding = json!({
            "y": {"field": field(category), "type": "nominal", "sort": order, "title": null,
                  "axis": {"labelLimit": LABEL_LIMIT}},
            "x": {"field": field(value), "type": "quantitative", "title": value},
            "tooltip": tooltip(&[Some(category), Some(value)], value),
        });
        let fallback = table_from_rows(&title, &[category, value], &sorted_rows);
        // Each layer has its own encoding: one shared by all would make Vega-Lite drop the rows
        // without a value (the withheld ones) for every layer, the `x` marks' too.
        let mut labels = encoding.clone();
        labels["text"] = json!({"field": field(value), "type": "quantitative", "format": ","});
        let mut layers = vec![
            json!({"transform": [{"filter": DRAWN}], "mark": {"type": "bar", "tooltip": true}, "encoding": encoding}),
            json!({"transform": [{"filter": DRAWN}],
                   "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4,
                            "fontSize": 11, "color": "#333"},
                   "encoding": labels}),
        ];
        if rows.iter().any(is_withheld) {
            layers.push(json!({
                "name": MARKER_LAYER,
                "transform": [{"filter": NOT_DRAWN}],
                "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4, "fontSize": 14,
                         "fontWeight": "bold", "color": MARKER_COLOR},
                "encoding": {"y": encoding["y"].clone(),
                             "x": {"datum": 0, "type": "quantitative"},
                             "text": {"value": WITHHELD_MARK},
                             "tooltip": withheld_tooltip(&[Some(category)])},
            }));
        }
        let spec = json!({
            "$schema": SCHEMA,
            "width": "container",
            "height": bar_band_height(n_rows),
            "data": {"values": rows},
            "layer": layers,
        });
        Self::new(title, "", spec).with_fallback(fallback)
    }

    /// A trend: one line per value of `color` (or a single line), with a point per `x` (usually
    /// the year), on a scale that starts at zero so that small changes are not magnified.
    pub fn line(title: impl Into<String>, rows: Vec<Value>, x: &str, y: &str, color: Option<&str>) -> Self {
        let title: String = title.into();
        let mut encoding = json!({
            "x": {"field": field(x), "type": "ordinal", "sort": null,
                  "axis": {"labelAngle": 0, "title": x}},
            "y": {"field": field(y), "type": "quantitative", "title": y,
                  "scale": {"zero": true}},
        });
        if let Some(color) = color {
            encoding["color"] = json!({"field": field(color), "type": "nominal", "sort": null, "title": color});
        }
        encoding["tooltip"] = tooltip(&[Some(x), color, Some(y)], y);
        let columns = present(&[Some(x), color, Some(y)]);
        let fallback = table_from_rows(&title, &columns, &rows);
        let mark = json!({"type": "line", "point": {"size": 50}, "strokeWidth": 2.5, "tooltip": true});
        let mut rows = rows;
        if !rows.iter().any(is_withheld) {
            return Self::new(title, "", base_spec(rows, 280, mark, encoding)).with_fallback(fallback);
        }
        // A withheld point breaks its line: the stretches before and after it are drawn apart,
        // never joined across the gap as if the value were known.
        let mut segments: BTreeMap<String, u64> = BTreeMap::new();
        for row in rows.iter_mut() {
            let series = color.map(|c| row[c].to_string()).unwrap_or_default();
            let segment = segments.entry(series).or_insert(0);
            if is_withheld(row) {
                *segment += 1;
            }
            let segment = *segment;
            if let Some(object) = row.as_object_mut() {
                object.insert(SEGMENT.into(), json!(segment));
            }
        }
        let step = rows.iter().filter_map(|row| number(&row[y])).fold(0.0_f64, f64::max) * 0.07;
        place_markers(&mut rows, x, |_| 0.0, step);
        let markers = vertical_markers(&encoding, y, &[Some(x), color]);
        encoding["detail"] = json!({"field": SEGMENT, "type": "nominal"});
        let spec = layer_withheld(base_spec(rows, 280, mark, encoding), markers);
        Self::new(title, "", spec).with_fallback(fallback)
    }

    /// The criminal-justice chain as a funnel: one centred horizontal bar per stage, in row order
    /// (investigated → prosecuted → convicted), each labelled with its count and the share of the
    /// previous stage it retains (the attrition ratio).
    pub fn funnel(title: impl Into<String>, rows: Vec<Value>, stage: &str, value: &str) -> Self {
        let title: String = title.into();
        let max = rows.iter().filter_map(|row| number(&row[value])).fold(0.0_f64, f64::max);
        let mut previous: Option<f64> = None;
        let mut table_rows = Vec::with_capacity(rows.len());
        let mut data = Vec::with_capacity(rows.len());
        for row in &rows {
            let count = number(&row[value]).unwrap_or(0.0);
            let retained = previous.filter(|&p| p > 0.0).map(|p| count / p);
            let count_text = format_number(&row[value]);
            let label = match retained {
                Some(share) => format!("{count_text} · {} of previous stage", percent(share)),
                None => count_text.clone(),
            };
            table_rows.push(vec![cell(&row[stage]), count_text, retained.map(percent).unwrap_or_else(|| "–".into())]);
            let mut point = Map::new();
            point.insert(stage.into(), row[stage].clone());
            point.insert(value.into(), row[value].clone());
            point.insert(X0.into(), json!(-count / 2.0));
            point.insert(X1.into(), json!(count / 2.0));
            point.insert(LABEL.into(), json!(label));
            data.push(Value::Object(point));
            previous = Some(count);
        }
        let n_rows = data.len();
        // The domain leaves room on the right for the labels, which sit beside the bars because the
        // last stages are often too narrow to hold text.
        let half = (max / 2.0).max(1.0);
        let spec = json!({
            "$schema": SCHEMA,
            "width": "container",
            "height": (n_rows.max(1) * 56) as u64,
            "data": {"values": data},
            "encoding": {
                "y": {"field": field(stage), "type": "nominal", "sort": null, "title": null,
                      "axis": {"domain": false, "ticks": false, "labelFontSize": 13,
                               "labelFontWeight": "bold", "labelPadding": 8}},
            },
            "layer": [
                {"mark": {"type": "bar", "cornerRadius": 3, "height": {"band": 0.82}},
                 "encoding": {
                    "x": {"field": X0, "type": "quantitative", "axis": null,
                          "scale": {"domain": [-half, half * 2.4]}},
                    "x2": {"field": X1},
                    "color": {"field": field(stage), "type": "ordinal", "sort": null,
                              "legend": null,
                              "scale": {"scheme": {"name": "blues", "extent": [0.85, 0.45]}}},
                    "tooltip": [{"field": field(stage), "type": "nominal", "title": stage},
                                {"field": field(value), "type": "quantitative", "title": value,
                                 "format": ","}],
                 }},
                {"mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 8,
                          "fontSize": 12, "color": "#1b1b1b"},
                 "encoding": {"x": {"field": X1, "type": "quantitative"},
                              "text": {"field": LABEL, "type": "nominal"}}},
            ],
        });
        let fallback = Table::new(
            title.clone(),
            "",
            vec![stage.into(), value.into(), "Share of previous stage".into()],
            table_rows,
            vec![1, 2],
        );
        Self::new(title, "", spec).with_fallback(fallback)
    }

    /// Flows from origin to destination (citizenship → country of exploitation) as a Sankey-style
    /// diagram: origins on the left, destinations on the right, each ranked by size, joined by
    /// bands whose width is proportional to the number of victims. Rows with the same pair are
    /// summed. Keep to the largest pairs (about 25) and group the rest as "Other" beforehand: a
    /// diagram with hundreds of threads informs no one.
    pub fn flows(title: impl Into<String>, rows: Vec<Value>, origin: &str, destination: &str, value: &str) -> Self {
        let title: String = title.into();
        let layout = FlowLayout::new(&rows, origin, destination, value);
        let mut table_rows: Vec<(f64, Vec<String>)> = layout
            .links
            .iter()
            .map(|link| (link.value, vec![link.origin.clone(), link.destination.clone(), format_float(link.value)]))
            .collect();
        // Largest flows first: that is what the table is read for; withheld ones after them.
        table_rows.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let withheld_rows: Vec<Vec<String>> = rows
            .iter()
            .filter(|row| is_withheld(row))
            .map(|row| vec![cell(&row[origin]), cell(&row[destination]), WITHHELD_MARK.to_owned()])
            .collect();
        let n_withheld = withheld_rows.len();
        let fallback = Table::new(
            title.clone(),
            "",
            vec![origin.into(), destination.into(), value.into()],
            table_rows.into_iter().map(|(_, row)| row).chain(withheld_rows).collect(),
            vec![2],
        )
        .with_withheld_note(withheld_note(&rows));
        let mut spec = layout.spec(origin, destination, value);
        if n_withheld > 0 {
            // A band's width is its count: a withheld flow cannot be drawn, so the diagram says
            // how many there are, and the table lists them.
            let text = format!(
                "{WITHHELD_MARK}: {} withheld, not drawn (listed in the data table)",
                if n_withheld == 1 { "1 flow".to_owned() } else { format!("{n_withheld} flows") }
            );
            let height = spec["height"].as_f64().unwrap_or(260.0);
            if let Some(layers) = spec["layer"].as_array_mut() {
                layers.push(json!({
                    "name": MARKER_LAYER,
                    "data": {"values": [{"x": 0.5, "text": text}]},
                    "mark": {"type": "text", "baseline": "top", "dy": 8, "fontSize": 12,
                             "fontWeight": "bold", "color": MARKER_COLOR},
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative"},
                        "y": {"datum": height, "type": "quantitative"},
                        "text": {"field": "text", "type": "nominal"},
                    },
                }));
            }
        }
        Self::new(title, "", spec).with_fallback(fallback)
    }

    /// A heatmap: a cell per (`x`, `y`) coloured by `value` and labelled with it (e.g. form of
    /// exploitation by year, or the monitor's indicators by State).
    pub fn heatmap(title: impl Into<String>, rows: Vec<Value>, x: &str, y: &str, value: &str) -> Self {
        let title: String = title.into();
        let max = rows.iter().filter_map(|row| number(&row[value])).fold(0.0_f64, f64::max);
        let n_y = distinct(&rows, y);
        let fallback = table_from_rows(&title, &[y, x, value], &rows);
        let rows_withheld = rows.iter().any(is_withheld);
        let light_text_test = format!("{} > {}", datum(value), max * 0.55);
        let spec = json!({
            "$schema": SCHEMA,
            "width": "container",
            "height": (n_y.max(1) * 34) as u64,
            "data": {"values": rows},
            "encoding": {
                "x": {"field": field(x), "type": "nominal", "sort": null, "title": x,
                      "axis": {"labelAngle": label_angle(&rows, x), "orient": "top", "domain": false,
                               "ticks": false, "labelLimit": LABEL_LIMIT}},
                "y": {"field": field(y), "type": "nominal", "sort": null, "title": null,
                      "axis": {"domain": false, "ticks": false, "labelLimit": LABEL_LIMIT}},
            },
            "layer": [
                {"transform": [{"filter": DRAWN}],
                 "mark": {"type": "rect", "stroke": "white", "strokeWidth": 2, "tooltip": true},
                 "encoding": {
                    // Every cell carries its number, so a colour legend would only repeat it.
                    "color": {"field": field(value), "type": "quantitative", "legend": null,
                              "scale": {"scheme": "blues"}},
                    "tooltip": tooltip(&[Some(y), Some(x), Some(value)], value),
                 }},
                {"transform": [{"filter": DRAWN}],
                 "mark": {"type": "text", "fontSize": 11},
                 "encoding": {
                    "text": {"field": field(value), "type": "quantitative", "format": ","},
                    "color": {"condition": {"test": light_text_test, "value": "white"},
                              "value": "#1b1b1b"},
                 }},
            ],
        });
        let mut spec = spec;
        if rows_withheld && let Some(layers) = spec["layer"].as_array_mut() {
            // A withheld cell is grey, not the colour of a zero, and reads `x`.
            layers.push(json!({
                "transform": [{"filter": NOT_DRAWN}],
                "mark": {"type": "rect", "stroke": "white", "strokeWidth": 2, "color": "#e6e9ee"},
                "encoding": {"tooltip": withheld_tooltip(&[Some(y), Some(x)])},
            }));
            layers.push(json!({
                "name": MARKER_LAYER,
                "transform": [{"filter": NOT_DRAWN}],
                "mark": {"type": "text", "fontSize": 13, "fontWeight": "bold", "color": MARKER_COLOR},
                "encoding": {"text": {"value": WITHHELD_MARK},
                             "tooltip": withheld_tooltip(&[Some(y), Some(x)])},
            }));
        }
        Self::new(title, "", spec).with_fallback(fallback)
    }

    /// Point estimates with confidence intervals, one row per model (or per method): the chart
    /// for Multiple Systems Estimation. The interval runs from `lower` to `upper`; the scale does
    /// not start at zero so that the intervals can be compared.
    pub fn interval(
        title: impl Into<String>,
        rows: Vec<Value>,
        label: &str,
        estimate: &str,
        lower: &str,
        upper: &str,
    ) -> Self {
        let title: String = title.into();
        let n_rows = rows.len();
        let fallback = table_from_rows(&title, &[label, estimate, lower, upper], &rows);
        let height = (n_rows.max(1) * 34 + 16) as u64;
        let tooltip = tooltip(&[Some(label), Some(estimate), Some(lower), Some(upper)], estimate);
        let spec = json!({
            "$schema": SCHEMA,
            "width": "container",
            "height": height,
            "data": {"values": rows},
            "encoding": {
                "y": {"field": field(label), "type": "nominal", "sort": null, "title": null,
                      "axis": {"labelLimit": LABEL_LIMIT}},
            },
            "layer": [
                {"mark": {"type": "rule", "strokeWidth": 3, "color": "#8fb3d9"},
                 "encoding": {
                    "x": {"field": field(lower), "type": "quantitative", "title": estimate,
                          "scale": {"zero": false}},
                    "x2": {"field": field(upper)},
                    "tooltip": tooltip,
                 }},
                {"mark": {"type": "point", "filled": true, "size": 90, "color": "#1f4e79",
                          "opacity": 1},
                 "encoding": {
                    "x": {"field": field(estimate), "type": "quantitative"},
                    "tooltip": tooltip,
                 }},
            ],
        });
        Self::new(title, "", spec).with_fallback(fallback)
    }
}

/// The Sankey-style geometry behind [`Chart::flows`], computed here rather than in Vega-Lite,
/// which has no Sankey layout of its own.
struct FlowLayout {
    links: Vec<FlowLink>,
    /// Origins, largest first, with their totals.
    origins: Vec<(String, f64)>,
    /// Destinations, largest first, with their totals.
    destinations: Vec<(String, f64)>,
}

struct FlowLink {
    origin: String,
    destination: String,
    value: f64,
}

/// Pixel geometry of the flow diagram: vertical gap between nodes and number of points per band.
const FLOW_GAP: f64 = 10.0;
const FLOW_STEPS: usize = 24;

impl FlowLayout {
    fn new(rows: &[Value], origin: &str, destination: &str, value: &str) -> Self {
        let mut pairs: BTreeMap<(String, String), f64> = BTreeMap::new();
        for row in rows {
            let amount = number(&row[value]).unwrap_or(0.0);
            if amount > 0.0 {
                *pairs.entry((cell(&row[origin]), cell(&row[destination]))).or_insert(0.0) += amount;
            }
        }
        let mut origin_totals: BTreeMap<String, f64> = BTreeMap::new();
        let mut destination_totals: BTreeMap<String, f64> = BTreeMap::new();
        for ((from, to), amount) in &pairs {
            *origin_totals.entry(from.clone()).or_insert(0.0) += amount;
            *destination_totals.entry(to.clone()).or_insert(0.0) += amount;
        }
        let links =
            pairs.into_iter().map(|((origin, destination), value)| FlowLink { origin, destination, value }).collect();
        Self { links, origins: ranked(origin_totals), destinations: ranked(destination_totals) }
    }

    fn spec(&self, origin: &str, destination: &str, value: &str) -> Value {
        let n_nodes = self.origins.len().max(self.destinations.len()).max(1);
        let height = (n_nodes as f64 * 34.0).max(260.0);
        let total: f64 = self.origins.iter().map(|(_, t)| t).sum();
        let scale = if total > 0.0 { (height - FLOW_GAP * (n_nodes as f64 - 1.0)) / total } else { 0.0 };
        let origin_tops = column_tops(&self.origins, scale, height);
        let destination_tops = column_tops(&self.destinations, scale, height);
        let origin_rank = rank_of(&self.origins);
        let destination_rank = rank_of(&self.destinations);

        // Within a node, bands are stacked in the order of the node at their other end, which keeps
        // crossings few.
        let mut out_order: Vec<usize> = (0..self.links.len()).collect();
        out_order.sort_by_key(|&i| {
            let link = &self.links[i];
            (origin_rank[&link.origin], destination_rank[&link.destination])
        });
        let mut in_order = out_order.clone();
        in_order.sort_by_key(|&i| {
            let link = &self.links[i];
            (destination_rank[&link.destination], origin_rank[&link.origin])
        });
        let mut source_offset = vec![0.0; self.links.len()];
        let mut filled: BTreeMap<&str, f64> = BTreeMap::new();
        for &i in &out_order {
            let link = &self.links[i];
            let used = filled.entry(link.origin.as_str()).or_insert(0.0);
            source_offset[i] = origin_tops[origin_rank[&link.origin]] + *used;
            *used += link.value * scale;
        }
        let mut target_offset = vec![0.0; self.links.len()];
        let mut filled: BTreeMap<&str, f64> = BTreeMap::new();
        for &i in &in_order {
            let link = &self.links[i];
            let used = filled.entry(link.destination.as_str()).or_insert(0.0);
            target_offset[i] = destination_tops[destination_rank[&link.destination]] + *used;
            *used += link.value * scale;
        }

        let mut band_points = Vec::with_capacity(self.links.len() * (FLOW_STEPS + 1));
        for &i in &out_order {
            let link = &self.links[i];
            let thickness = link.value * scale;
            for step in 0..=FLOW_STEPS {
                let t = step as f64 / FLOW_STEPS as f64;
                // Smoothstep gives the S-shaped band of a Sankey diagram with flat ends.
                let s = t * t * (3.0 - 2.0 * t);
                let top = source_offset[i] + (target_offset[i] - source_offset[i]) * s;
                band_points.push(json!({
                    "link": i,
                    "x": round3(t),
                    "y": round3(top),
                    "y2": round3(top + thickness),
                    "origin": link.origin,
                    "destination": link.destination,
                    "value": link.value,
                }));
            }
        }
        let mut nodes = Vec::with_capacity(self.origins.len() + self.destinations.len());
        for (rank, (name, node_total)) in self.origins.iter().enumerate() {
            let top = origin_tops[rank];
            nodes.push(json!({"side": "origin", "name": name, "total": node_total,
                              "x": -0.025, "x2": 0.0, "y": round3(top),
                              "y2": round3(top + node_total * scale),
                              "ymid": round3(top + node_total * scale / 2.0),
                              "label": format!("{name} ({})", format_float(*node_total))}));
        }
        for (rank, (name, node_total)) in self.destinations.iter().enumerate() {
            let top = destination_tops[rank];
            nodes.push(json!({"side": "destination", "name": name, "total": node_total,
                              "x": 1.0, "x2": 1.025, "y": round3(top),
                              "y2": round3(top + node_total * scale),
                              "ymid": round3(top + node_total * scale / 2.0),
                              "label": format!("{name} ({})", format_float(*node_total))}));
        }
        let x_scale = json!({"domain": [-0.4, 1.4], "nice": false, "zero": false});
        // Colours follow the origins' rank, so the largest origin gets the report's first colour.
        let origin_names: Vec<&str> = self.origins.iter().map(|(name, _)| name.as_str()).collect();
        let y_scale = json!({"domain": [0.0, height], "reverse": true, "nice": false, "zero": false});
        json!({
            "$schema": SCHEMA,
            "width": "container",
            "height": height,
            "datasets": {"bands": band_points, "nodes": nodes},
            "data": {"name": "bands"},
            "layer": [
                {"mark": {"type": "area", "opacity": 0.55, "interpolate": "linear",
                          "tooltip": true},
                 "encoding": {
                    "x": {"field": "x", "type": "quantitative", "axis": null, "scale": x_scale},
                    "y": {"field": "y", "type": "quantitative", "axis": null, "scale": y_scale},
                    "y2": {"field": "y2"},
                    "detail": {"field": "link", "type": "nominal"},
                    "color": {"field": "origin", "type": "nominal", "legend": null,
                              "scale": {"domain": origin_names}},
                    "tooltip": [
                        {"field": "origin", "type": "nominal", "title": origin},
                        {"field": "destination", "type": "nominal", "title": destination},
                        {"field": "value", "type": "quantitative", "title": value, "format": ","},
                    ],
                 }},
                {"data": {"name": "nodes"},
                 "transform": [{"filter": "datum.side === 'origin'"}],
                 "mark": {"type": "rect"},
                 "encoding": {
                    "x": {"field": "x", "type": "quantitative"}, "x2": {"field": "x2"},
                    "y": {"field": "y", "type": "quantitative"}, "y2": {"field": "y2"},
                    "color": {"field": "name", "type": "nominal"},
                 }},
                {"data": {"name": "nodes"},
                 "transform": [{"filter": "datum.side === 'destination'"}],
                 "mark": {"type": "rect", "color": "#4a5560"},
                 "encoding": {
                    "x": {"field": "x", "type": "quantitative"}, "x2": {"field": "x2"},
                    "y": {"field": "y", "type": "quantitative"}, "y2": {"field": "y2"},
                 }},
                {"data": {"name": "nodes"},
                 "transform": [{"filter": "datum.side === 'origin'"}],
                 "mark": {"type": "text", "align": "right", "baseline": "middle", "dx": -6,
                          "fontSize": 11, "color": "#1b1b1b", "limit": 170},
                 "encoding": {
                    "x": {"field": "x", "type": "quantitative"},
                    "y": {"field": "ymid", "type": "quantitative"},
                    "text": {"field": "label", "type": "nominal"},
                 }},
                {"data": {"name": "nodes"},
                 "transform": [{"filter": "datum.side === 'destination'"}],
                 "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 6,
                          "fontSize": 11, "color": "#1b1b1b", "limit": 170},
                 "encoding": {
                    "x": {"field": "x2", "type": "quantitative"},
                    "y": {"field": "ymid", "type": "quantitative"},
                    "text": {"field": "label", "type": "nominal"},
                 }},
                {"data": {"values": [{"x": 0.0, "text": origin}, {"x": 1.0, "text": destination}]},
                 "mark": {"type": "text", "baseline": "bottom", "dy": -4, "fontSize": 12,
                          "fontWeight": "bold", "color": "#1f3a5f"},
                 "encoding": {
                    "x": {"field": "x", "type": "quantitative"},
                    "y": {"datum": 0.0, "type": "quantitative"},
                    "text": {"field": "text", "type": "nominal"},
                 }},
            ],
        })
    }
}

fn ranked(totals: BTreeMap<String, f64>) -> Vec<(String, f64)> {
    let mut ranked: Vec<(String, f64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
}

fn rank_of(nodes: &[(String, f64)]) -> BTreeMap<String, usize> {
    nodes.iter().enumerate().map(|(rank, (name, _))| (name.clone(), rank)).collect()
}

/// The top of each node in a column, the column centred vertically in `height`.
fn column_tops(nodes: &[(String, f64)], scale: f64, height: f64) -> Vec<f64> {
    let column: f64 =
        nodes.iter().map(|(_, t)| t * scale).sum::<f64>() + FLOW_GAP * (nodes.len().saturating_sub(1)) as f64;
    let mut top = ((height - column) / 2.0).max(0.0);
    nodes
        .iter()
        .map(|(_, node_total)| {
            let this = top;
            top += node_total * scale + FLOW_GAP;
            this
        })
        .collect()
}

/// Three decimals are far below a pixel; rounding keeps the embedded spec short and its bytes
/// stable.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn base_spec(rows: Vec<Value>, height: u32, mark: Value, encoding: Value) -> Value {
    json!({
        "$schema": SCHEMA,
        "width": "container",
        "height": height,
        "data": {"values": rows},
        "mark": mark,
        "encoding": encoding,
    })
}

/// The widest an axis label may be, in pixels, before it is cut with an ellipsis: wide enough for
/// the long UN names of countries ("Bolivia (Plurinational State of)").
const LABEL_LIMIT: u32 = 320;

fn bar_band_height(n_rows: usize) -> u64 {
    (n_rows.max(1) * 26 + 10) as u64
}

/// Long category lists, and categories with long names, are slanted so that their labels do not
/// overlap, even on a printed page (a plot about 600 pixels wide, labels about 7 pixels a
/// character).
fn label_angle(rows: &[Value], x: &str) -> i32 {
    let labels: BTreeSet<String> = rows.iter().map(|row| cell(&row[x])).collect();
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    if labels.len() > 8 || labels.len() * (widest + 2) * 7 > 600 { -35 } else { 0 }
}

fn distinct(rows: &[Value], name: &str) -> usize {
    rows.iter().map(|row| row[name].to_string()).collect::<BTreeSet<_>>().len()
}

/// The distinct values of a field, in the order they first appear.
fn first_seen(rows: &[Value], name: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    for row in rows {
        if !seen.contains(&row[name]) {
            seen.push(row[name].clone());
        }
    }
    seen
}

fn present<'a>(columns: &[Option<&'a str>]) -> Vec<&'a str> {
    columns.iter().flatten().copied().collect()
}

fn tooltip(columns: &[Option<&str>], quantitative: &str) -> Value {
    Value::Array(
        present(columns)
            .into_iter()
            .map(|name| {
                if name == quantitative {
                    json!({"field": field(name), "type": "quantitative", "title": name,
                           "format": ","})
                } else {
                    json!({"field": field(name), "type": "nominal", "title": name})
                }
            })
            .collect(),
    )
}

/// A field reference for Vega-Lite. Dots and brackets mean nesting there, so readable names such
/// as "Rate per 100,000 pop." must have them escaped.
pub(crate) fn field(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '.' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A Vega expression reading `name` from the current datum, quoted as a JSON string literal so any
/// character in the name is safe.
fn datum(name: &str) -> String {
    format!("datum[{}]", Value::String(name.to_owned()))
}

fn number(value: &Value) -> Option<f64> {
    value.as_f64()
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// A fallback table built from JSON rows, one column per named field, numbers right-aligned.
pub(crate) fn table_from_rows(caption: &str, columns: &[&str], rows: &[Value]) -> Table {
    let numeric_columns = columns
        .iter()
        .enumerate()
        .filter(|(_, name)| {
            let mut values = rows.iter().map(|row| &row[**name]).filter(|v| !v.is_null());
            let mut any = false;
            let all = values.all(|v| {
                any = true;
                v.is_number()
            });
            any && all
        })
        .map(|(idx, _)| idx)
        .collect();
    let numeric_columns: Vec<usize> = numeric_columns;
    let cells = |row: &Value| -> Vec<String> {
        columns
            .iter()
            .enumerate()
            .map(|(idx, name)| {
                if is_withheld(row) && row[*name].is_null() && numeric_columns.contains(&idx) {
                    WITHHELD_MARK.to_owned()
                } else {
                    cell(&row[*name])
                }
            })
            .collect()
    };
    Table {
        caption: caption.to_owned(),
        unit: String::new(),
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        rows: rows.iter().map(cells).collect(),
        withheld_note: withheld_note(rows),
        numeric_columns,
        note: String::new(),
    }
}

/// A JSON value as a table cell: strings verbatim, numbers grouped by thousands, nothing for null.
pub(crate) fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Number(_) => format_number(value),
        other => other.to_string(),
    }
}

fn format_number(value: &Value) -> String {
    if let Some(i) = value.as_i64() {
        group_thousands(&i.to_string())
    } else if let Some(u) = value.as_u64() {
        group_thousands(&u.to_string())
    } else if let Some(f) = value.as_f64() {
        format_float(f)
    } else {
        cell(value)
    }
}

/// Integers get thousands separators; other numbers two decimals (enough for rates per 100,000
/// and ratios; the app layer rounds before if it needs otherwise).
pub(crate) fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        group_thousands(&format!("{f:.0}"))
    } else {
        let text = format!("{f:.2}");
        match text.split_once('.') {
            Some((whole, fraction)) => format!("{}.{fraction}", group_thousands(whole)),
            None => text,
        }
    }
}

fn group_thousands(digits: &str) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (idx, c) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(format_float(1234567.0), "1,234,567");
        assert_eq!(format_float(-1234.5), "-1,234.50");
        assert_eq!(format_float(12.0), "12");
        assert_eq!(cell(&json!(1000)), "1,000");
        assert_eq!(cell(&json!(999)), "999");
    }

    #[test]
    fn field_names_with_dots_are_escaped_for_vega_lite() {
        assert_eq!(field("Rate per 100,000 pop."), "Rate per 100,000 pop\\.");
        assert_eq!(field("a[0]"), "a\\[0\\]");
    }

    #[test]
    fn flow_bands_are_as_wide_at_both_ends_and_conserve_totals() {
        let rows = vec![
            json!({"from": "A", "to": "X", "n": 30}),
            json!({"from": "A", "to": "Y", "n": 10}),
            json!({"from": "B", "to": "X", "n": 20}),
            json!({"from": "B", "to": "X", "n": 5}),
        ];
        let layout = FlowLayout::new(&rows, "from", "to", "n");
        assert_eq!(layout.links.len(), 3, "duplicate pairs are summed");
        assert_eq!(layout.origins, vec![("A".into(), 40.0), ("B".into(), 25.0)]);
        assert_eq!(layout.destinations, vec![("X".into(), 55.0), ("Y".into(), 10.0)]);
        let spec = layout.spec("from", "to", "n");
        let bands = spec["datasets"]["bands"].as_array().expect("bands");
        for link in 0..3 {
            let points: Vec<&Value> = bands.iter().filter(|p| p["link"] == json!(link)).collect();
            let widths: Vec<f64> =
                points.iter().map(|p| p["y2"].as_f64().unwrap_or(0.0) - p["y"].as_f64().unwrap_or(0.0)).collect();
            let first = widths[0];
            assert!(first > 0.0);
            assert!(widths.iter().all(|w| (w - first).abs() < 0.01), "{widths:?}");
        }
    }
}
