//! The pipeline run as a background job, and the published estimate, in pages and in the API.
//!
//! - *Run*: an analyst starts `palermo run` (`app::jobs`); one runs at a time per observatory
//!   (a second start is answered 409 with the reason); its state and progress are in the
//!   database, so a reloaded page or another instance finds them. The page polls the JSON status
//!   with a small script served from `/static/run.js` (no inline script) and reloads when the job
//!   ends; without script, a link refreshes it.
//! - *Estimates*: the Multiple Systems Estimation result `palermo run` published in
//!   `out/estimate.json` (`app::published`): the estimate, its intervals, the models along the
//!   search, the strata, and the caveats in plain words; public, like the dashboard, because it
//!   is part of what was published.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use serde::Serialize;
use utoipa::ToSchema;

use app::published::whole;

use crate::auth::{Principal, Signed};
use crate::error::Result;
use crate::pages::{csrf_field, json_for_script, layout, page};
use crate::{ServerState, today};

// ---------------------------------------------------------------------------------------------
// Run

/// A background job (a pipeline run).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JobOut {
    id: i64,
    kind: String,
    /// running, finished or failed (a running job whose server stopped reads as failed).
    state: String,
    started_by: String,
    started_at: String,
    /// When it last recorded progress.
    updated_at: String,
    finished_at: Option<String>,
    /// The current stage (import, link and count, bootstrap, report…).
    stage: String,
    done: u64,
    /// 0 when the stage's size is unknown.
    total: u64,
    /// Why it failed.
    message: Option<String>,
    /// What a finished run did: total, unit, estimate, interval, quarantined rows, withheld cells.
    #[schema(value_type = Option<Object>)]
    summary: Option<serde_json::Value>,
}

impl From<app::jobs::Job> for JobOut {
    fn from(j: app::jobs::Job) -> Self {
        JobOut {
            id: j.id,
            kind: j.kind,
            state: j.state.code().to_owned(),
            started_by: j.started_by,
            started_at: j.started_at,
            updated_at: j.updated_at,
            finished_at: j.finished_at,
            stage: j.stage,
            done: j.done,
            total: j.total,
            message: j.message,
            summary: j.summary,
        }
    }
}

/// The latest run.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RunStatusOut {
    /// `null` before the first run started from the web.
    job: Option<JobOut>,
}

#[utoipa::path(get, path = "/api/v1/run", security(("token" = [])),
    responses((status = 200, body = RunStatusOut), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn run_status_api(State(state): State<ServerState>) -> Result<Json<RunStatusOut>> {
    let job = app::jobs::latest_run(&state.observatory.store).await?;
    Ok(Json(RunStatusOut { job: job.map(JobOut::from) }))
}

/// Starts `palermo run` in the background; poll `GET /api/v1/run` for its progress.
#[utoipa::path(post, path = "/api/v1/run", security(("token" = [])),
    responses((status = 202, body = JobOut), (status = 403, body = crate::api::ErrorBody), (status = 409, description = "a run is already in progress", body = crate::api::ErrorBody)))]
pub(crate) async fn start_run_api(State(state): State<ServerState>, Signed(account, _): Signed) -> Result<Response> {
    let job = app::jobs::start_run(state.observatory.clone(), &account.name, today()).await?;
    Ok((StatusCode::ACCEPTED, Json(JobOut::from(job))).into_response())
}

fn job_body(job: &app::jobs::Job) -> Markup {
    let percent = (job.total > 0).then(|| (job.done.min(job.total) * 100) / job.total);
    html! {
        section id="run-status" aria-labelledby="run-status-title" data-job=(job.id) data-state=(job.state.code()) {
            h2 id="run-status-title" { "Run " (job.id) }
            dl {
                dt { "State" } dd id="run-state" { (job.state.code()) }
                dt { "Started" } dd { (job.started_at) " by " (job.started_by) }
                dt { "Stage" } dd id="run-stage" { (job.stage) }
                dt { "Last heard from" } dd id="run-updated" { (job.updated_at) }
                @if let Some(at) = &job.finished_at { dt { "Ended" } dd id="run-finished" { (at) } }
            }
            @if job.state == app::jobs::JobState::Running {
                p {
                    label for="run-progress" { "Progress of the stage" }
                    @match percent {
                        Some(p) => { progress id="run-progress" max="100" value=(p) { (p) "%" } }
                        None => { progress id="run-progress" { "working" } }
                    }
                }
                p id="run-live" aria-live="polite" { "Working: this page follows the run. " a href="/run" { "Refresh" } }
            }
            @if let Some(message) = &job.message { p id="run-error" role="alert" { "The run failed: " (message) } }
            @if job.state == app::jobs::JobState::Finished {
                @if let Some(summary) = &job.summary {
                    p id="run-summary" role="status" {
                        "Finished: " (summary["total"]) " " (summary["unit"].as_str().unwrap_or("records")) " counted"
                        @if let Some(e) = summary["estimate"].as_f64() { ", estimated " (format!("{e:.0}")) " in all" }
                        "; " (summary["suppressed_cells"]) " cells withheld by disclosure control."
                    }
                }
                p { a href="/dashboard" id="run-dashboard" { "See the dashboard" } " · " a href="/estimates" { "See the estimates" } }
            }
        }
    }
}

pub(crate) async fn run_page(State(state): State<ServerState>, Signed(_, principal): Signed) -> Result<Response> {
    let job = app::jobs::latest_run(&state.observatory.store).await?;
    let running = job.as_ref().is_some_and(|j| j.state == app::jobs::JobState::Running);
    let body = html! {
        p { "A run imports every source's file, links the records, computes the statistics and the estimate, applies disclosure control and publishes the dashboard, the estimates and the report. One run at a time." }
        @match &job {
            Some(job) => { (job_body(job)) }
            None => { p id="no-run" { "No run has been started from here yet." } }
        }
        @if !running {
            form id="run-start" method="post" action="/run" {
                (csrf_field(&principal))
                p { button type="submit" id="run-start-submit" { "Start a run" } }
            }
        }
        script src="/static/run.js" {}
    };
    Ok(page(layout("Run", &principal, body)))
}

pub(crate) async fn start_run_page(State(state): State<ServerState>, Signed(account, _): Signed) -> Result<Response> {
    app::jobs::start_run(state.observatory.clone(), &account.name, today()).await?;
    Ok(Redirect::to("/run").into_response())
}

/// Follows a running job: polls its status and reloads the page when it ends.
pub(crate) const RUN_JS: &str = r#"// Follows a running job on the Run page: polls /api/v1/run and reloads the page when it ends.
(function () {
  "use strict";
  var section = document.getElementById("run-status");
  if (!section || section.getAttribute("data-state") !== "running") { return; }
  var id = section.getAttribute("data-job");
  function text(elementId, value) {
    var el = document.getElementById(elementId);
    if (el) { el.textContent = value; }
  }
  function poll() {
    fetch("/api/v1/run", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (status) {
        var job = status && status.job;
        if (!job || String(job.id) !== id || job.state !== "running") { window.location.reload(); return; }
        text("run-stage", job.stage);
        text("run-updated", job.updated_at);
        var bar = document.getElementById("run-progress");
        if (bar && job.total > 0) {
          var p = Math.floor(Math.min(job.done, job.total) * 100 / job.total);
          bar.setAttribute("max", "100");
          bar.value = p;
          bar.textContent = p + "%";
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
"#;

// ---------------------------------------------------------------------------------------------
// Estimates

/// One named interval.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IntervalOut {
    name: String,
    lower: f64,
    upper: f64,
}

/// A model along the stepwise search.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchModelOut {
    model: String,
    estimate: f64,
    /// Lower and upper bound (given the model).
    interval: Vec<f64>,
}

/// The published estimate.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EstimatesOut {
    /// False when nothing is published yet or the observatory has fewer than two linked lists.
    published: bool,
    lists: Vec<String>,
    observed: u64,
    estimate: Option<f64>,
    dark_figure: Option<f64>,
    method: String,
    model: Vec<String>,
    /// The headline interval first.
    intervals: Vec<IntervalOut>,
    /// The models along the stepwise search, each with its estimate.
    search: Vec<SearchModelOut>,
    /// Estimates by stratum: `[{field, label, strata: [{value, label, observed, estimate, interval, refused}]}]`.
    #[schema(value_type = Vec<Object>)]
    strata: serde_json::Value,
    /// What a reader must keep in mind, in plain words.
    caveats: Vec<String>,
}

fn published_estimate(state: &ServerState) -> Result<Option<app::published::EstimateView>> {
    let published = app::published::read(&state.observatory.dir)?;
    Ok(published.and_then(|p| p.estimate).and_then(|e| app::published::estimate_view(&e)))
}

#[utoipa::path(get, path = "/api/v1/estimates", responses((status = 200, body = EstimatesOut)))]
pub(crate) async fn estimates_api(State(state): State<ServerState>) -> Result<Json<EstimatesOut>> {
    let out = match published_estimate(&state)? {
        Some(v) => EstimatesOut {
            published: true,
            strata: serde_json::to_value(&v.strata).unwrap_or(serde_json::Value::Null),
            lists: v.lists,
            observed: v.observed,
            estimate: Some(v.estimate),
            dark_figure: v.dark_figure,
            method: v.method,
            model: v.model,
            intervals: v
                .intervals
                .into_iter()
                .map(|i| IntervalOut { name: i.name, lower: i.lower, upper: i.upper })
                .collect(),
            search: v
                .search
                .into_iter()
                .map(|m| SearchModelOut { model: m.model, estimate: m.estimate, interval: m.interval.to_vec() })
                .collect(),
            caveats: v.caveats,
        },
        None => EstimatesOut {
            published: false,
            lists: Vec::new(),
            observed: 0,
            estimate: None,
            dark_figure: None,
            method: String::new(),
            model: Vec::new(),
            intervals: Vec::new(),
            search: Vec::new(),
            strata: serde_json::Value::Array(Vec::new()),
            caveats: Vec::new(),
        },
    };
    Ok(Json(out))
}

/// A Vega-Lite spec: each row a point (`estimate`) with its interval (`lower`–`upper`), by `label`.
fn interval_chart(description: &str, rows: &[(String, f64, f64, f64)]) -> serde_json::Value {
    let values: Vec<serde_json::Value> = rows
        .iter()
        .map(|(label, estimate, lower, upper)| {
            serde_json::json!({"label": label, "estimate": estimate.round(), "lower": lower.round(), "upper": upper.round()})
        })
        .collect();
    let y = serde_json::json!({"field": "label", "type": "nominal", "sort": null, "title": null, "axis": {"labelLimit": 320}});
    serde_json::json!({
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": description,
        "width": "container",
        "data": {"values": values},
        "encoding": {"y": y},
        "layer": [
            {"mark": {"type": "rule", "strokeWidth": 2},
             "encoding": {"x": {"field": "lower", "type": "quantitative", "title": "persons", "scale": {"zero": false}}, "x2": {"field": "upper"}}},
            {"mark": {"type": "point", "filled": true, "size": 80},
             "encoding": {"x": {"field": "estimate", "type": "quantitative"},
                          "tooltip": [{"field": "label"}, {"field": "estimate"}, {"field": "lower"}, {"field": "upper"}]}}
        ]
    })
}

fn chart(id: &str, title: &str, spec: &serde_json::Value) -> Markup {
    let spec_id = format!("spec-{id}");
    html! {
        div class="chart" id=(format!("chart-{id}")) data-spec=(spec_id) role="img" aria-label=(title) {}
        script type="application/json" id=(spec_id) { (PreEscaped(json_for_script(spec))) }
    }
}

fn estimates_body(view: Option<&app::published::EstimateView>) -> Markup {
    let Some(v) = view else {
        return html! {
            p id="no-estimate" { "No estimate is published: it needs two or more linked lists, and an analyst's run." }
        };
    };
    let headline = v.intervals.first();
    let interval_rows: Vec<(String, f64, f64, f64)> =
        v.intervals.iter().map(|i| (i.name.clone(), v.estimate, i.lower, i.upper)).collect();
    let search_rows: Vec<(String, f64, f64, f64)> =
        v.search.iter().map(|m| (m.model.clone(), m.estimate, m.interval[0], m.interval[1])).collect();
    html! {
        section aria-labelledby="estimate-title" {
            h2 id="estimate-title" { "The estimate" }
            dl class="figures" {
                div { dt { "Estimated victims in all" } dd id="estimate-value" { (whole(v.estimate)) }
                    @if let Some(i) = headline { dd class="unit" id="estimate-interval" { (i.name) ": " (whole(i.lower)) "–" (whole(i.upper)) } } }
                div { dt { "Seen on at least one list" } dd id="estimate-observed" { (v.observed) } dd class="unit" { (v.lists.len()) " lists: " (v.lists.join(", ")) } }
                @if let Some(d) = v.dark_figure { div { dt { "Estimated on no list" } dd id="estimate-dark" { (whole(d)) } } }
            }
            p { "Model chosen (" (v.method) "): "
                @if v.model.is_empty() { "lists independent of one another (main effects only)" } @else { "main effects and " (v.model.join(", ").replace(':', "×")) } "." }
        }
        section aria-labelledby="caveats-title" {
            h2 id="caveats-title" { "Read with care" }
            ul id="caveats" { @for c in &v.caveats { li { (c) } } }
        }
        section class="chart-section" aria-labelledby="intervals-title" {
            h2 id="intervals-title" { "Intervals" }
            (chart("intervals", "The estimate and its intervals", &interval_chart("The estimate and its intervals", &interval_rows)))
            table id="table-intervals" {
                caption { "The estimate's intervals" }
                thead { tr { th scope="col" { "Interval" } th scope="col" { "Lower" } th scope="col" { "Upper" } } }
                tbody { @for i in &v.intervals { tr { td { (i.name) } td { (whole(i.lower)) } td { (whole(i.upper)) } } } }
            }
        }
        @if !v.search.is_empty() {
            section class="chart-section" aria-labelledby="search-title" {
                h2 id="search-title" { "Models along the search" }
                p { "The stepwise search starts from lists independent of one another and adds, one at a time, the pair of lists whose dependence the data support most. Each model's estimate shows how much the answer depends on the model." }
                (chart("search", "Estimates of the models along the search", &interval_chart("Estimates of the models along the search", &search_rows)))
                table id="table-search" {
                    caption { "Models along the stepwise search (interval given the model)" }
                    thead { tr { th scope="col" { "Model" } th scope="col" { "Estimate" } th scope="col" { "Lower" } th scope="col" { "Upper" } } }
                    tbody { @for m in &v.search { tr { td { (m.model) } td { (whole(m.estimate)) } td { (whole(m.interval[0])) } td { (whole(m.interval[1])) } } } }
                }
                @if !v.steps.is_empty() {
                    table id="table-steps" {
                        caption { "Terms added, with their p-value at that step" }
                        thead { tr { th scope="col" { "Term" } th scope="col" { "p-value" } } }
                        tbody { @for s in &v.steps { tr { td { (s.term) } td { (format!("{:.4}", s.p_value)) } } } }
                    }
                }
            }
        }
        @for field in &v.strata {
            section aria-labelledby=(format!("strata-{}", field.field)) {
                h2 id=(format!("strata-{}", field.field)) { "By " (field.label.to_lowercase()) }
                table id=(format!("table-strata-{}", field.field)) {
                    caption { "Estimates by " (field.label.to_lowercase()) " (x: withheld by disclosure control)" }
                    thead { tr { th scope="col" { (field.label) } th scope="col" { "Seen" } th scope="col" { "Estimate" } th scope="col" { "Lower" } th scope="col" { "Upper" } th scope="col" { "Note" } } }
                    tbody {
                        @for s in &field.strata {
                            tr {
                                td { (s.label) }
                                td { (s.observed.map_or("x".to_owned(), |o| o.to_string())) }
                                td { (s.estimate.map_or("—".to_owned(), whole)) }
                                td { (s.interval.map_or("—".to_owned(), |i| whole(i[0]))) }
                                td { (s.interval.map_or("—".to_owned(), |i| whole(i[1]))) }
                                td { (s.refused.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        script src="/static/vega.min.js" {}
        script src="/static/vega-lite.min.js" {}
        script src="/static/vega-embed.min.js" {}
        script src="/static/charts.js" {}
    }
}

pub(crate) async fn estimates_page(State(state): State<ServerState>, principal: Principal) -> Result<Response> {
    let view = published_estimate(&state)?;
    let mut response = page(layout("Estimates", &principal, estimates_body(view.as_ref())));
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(crate::security::CHART_CSP));
    Ok(response)
}
