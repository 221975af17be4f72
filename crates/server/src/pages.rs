//! The server-rendered pages (maud): login, the dashboard of published figures, an agency's
//! submissions (upload, validation report, commit or discard) and quarantine, and the
//! administration of users, tokens and the audit log.
//!
//! Semantic HTML: one `h1` per page, labelled inputs, tables with captions and header cells, a
//! skip link, and stable `id`s on what a browser test or a screen-reader user looks for. No inline
//! script or style: the only scripts are the chart library and its drawing script, served from
//! `/static/`.

use app::accounts::{Role, RoleKind};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

use crate::auth::{Principal, Signed, Via};
use crate::error::{Failure, Result};
use crate::routes::{ADMINISTRATORS, ANALYSTS, FOCAL_POINTS, REVIEWERS, SUBMITTERS};
use crate::{ServerState, today};

const CSS: &str = include_str!("../static/palermo.css");

/// The page frame: header with navigation (what the caller's role may open), main, footer.
pub(crate) fn layout(title: &str, principal: &Principal, body: Markup) -> Markup {
    let kind = principal.account.as_ref().map(|a| a.role.kind());
    let may = |roles: &[RoleKind]| kind.is_some_and(|k| roles.contains(&k));
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Palermo" }
                link rel="stylesheet" href="/static/palermo.css";
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header {
                    nav aria-label="Main" {
                        ul {
                            li { a id="nav-dashboard" href="/dashboard" { "Dashboard" } }
                            li { a id="nav-estimates" href="/estimates" { "Estimates" } }
                            @if may(ANALYSTS) {
                                li { a id="nav-run" href="/run" { "Run" } }
                                li { a id="nav-responses" href="/responses" { "States' responses" } }
                            }
                            @if may(SUBMITTERS) {
                                li { a id="nav-submissions" href="/submissions" { "Submissions" } }
                                li { a id="nav-quarantine" href="/quarantine" { "Quarantine" } }
                            }
                            @if may(FOCAL_POINTS) {
                                li { a id="nav-questionnaire" href="/questionnaire" { "Questionnaire" } }
                            }
                            @if may(REVIEWERS) {
                                li { a id="nav-review" href="/review" { "Review" } }
                            }
                            @if may(ADMINISTRATORS) {
                                li { a id="nav-users" href="/admin/users" { "Users" } }
                                li { a id="nav-tokens" href="/admin/tokens" { "Tokens" } }
                                li { a id="nav-audit" href="/admin/audit" { "Audit log" } }
                            }
                        }
                    }
                    @match (&principal.account, principal.csrf()) {
                        (Some(account), Some(csrf)) => {
                            form id="logout-form" method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(csrf);
                                span id="signed-in-as" { (account.name) " · " (account.role.describe()) " " }
                                button type="submit" id="logout" { "Sign out" }
                            }
                        }
                        (Some(account), None) => { span id="signed-in-as" { (account.name) } }
                        (None, _) => { a id="nav-login" href="/login" { "Sign in" } }
                    }
                }
                main id="main" { h1 { (title) } (body) }
                footer { p { "Palermo — an anti-trafficking data observatory. Only figures that passed disclosure control are published." } }
            }
        }
    }
}

pub(crate) fn page(markup: Markup) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], markup.into_string()).into_response()
}

/// The page of an error (any 4xx or 5xx of a page route).
pub(crate) fn error_page(status: StatusCode, reason: &str) -> Response {
    let anonymous = Principal { account: None, via: Via::Anonymous };
    let title = status.canonical_reason().unwrap_or("Error");
    page(layout(
        title,
        &anonymous,
        html! {
            p id="error-reason" role="alert" { (reason) }
            p { a href="/dashboard" { "Back to the dashboard" } }
        },
    ))
}

pub(crate) async fn not_found() -> Failure {
    Failure::NotFound("no such page".to_owned())
}

pub(crate) async fn root() -> Redirect {
    Redirect::to("/dashboard")
}

pub(crate) async fn health() -> &'static str {
    "ok"
}

/// The chart library and the dashboard's stylesheet.
pub(crate) async fn static_file(Path(file): Path<String>) -> Result<Response> {
    let assets = app::chart_assets::VEGA_JS;
    let (body, kind): (&'static str, &str) = match file.as_str() {
        "vega.min.js" => (assets, "text/javascript"),
        "vega-lite.min.js" => (app::chart_assets::VEGA_LITE_JS, "text/javascript"),
        "vega-embed.min.js" => (app::chart_assets::VEGA_EMBED_JS, "text/javascript"),
        "charts.js" => (app::chart_assets::INIT_JS, "text/javascript"),
        "run.js" => (crate::work::RUN_JS, "text/javascript"),
        "palermo.css" => (CSS, "text/css"),
        _ => return Err(Failure::NotFound("no such file".to_owned())),
    };
    let mut response = ([(header::CONTENT_TYPE, kind)], body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Dashboard

/// A table of the published statistics as `(columns, rows)`, the count column last.
fn table_cells(table: &serde_json::Value) -> (Vec<String>, Vec<Vec<String>>) {
    let rows = table["rows"].as_array().cloned().unwrap_or_default();
    let mut columns: Vec<String> =
        rows.first().and_then(|r| r.as_object()).map(|o| o.keys().cloned().collect()).unwrap_or_default();
    columns.sort_by_key(|c| (c == "count" || c == "quarantined_rows", c.clone()));
    let cells = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| match &row[c] {
                    serde_json::Value::Null => "x".to_owned(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    (columns, cells)
}

/// A Vega-Lite spec of a published table: the rows with a count (withheld cells left out).
fn chart_spec(table: &serde_json::Value, x: &str, color: Option<&str>, title: &str) -> serde_json::Value {
    let values: Vec<&serde_json::Value> =
        table["rows"].as_array().map(|r| r.iter().filter(|row| row["count"].is_number()).collect()).unwrap_or_default();
    let mut encoding = serde_json::json!({
        "x": {"field": x, "type": "ordinal", "title": x.replace('_', " ")},
        "y": {"field": "count", "type": "quantitative", "title": "detected victims"},
        "tooltip": [{"field": x}, {"field": "count"}]
    });
    if let Some(color) = color {
        encoding["color"] = serde_json::json!({"field": color, "type": "nominal", "title": color.replace('_', " ")});
    }
    serde_json::json!({
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": title,
        "width": "container",
        "height": 220,
        "data": {"values": values},
        "mark": "bar",
        "encoding": encoding
    })
}

/// The charts of the dashboard: (table, x, colour).
const CHARTS: [(&str, &str, Option<&str>); 3] = [
    ("detected_by_year", "year", None),
    ("detected_by_year_form", "year", Some("form")),
    ("detected_by_sex_age", "age_group", Some("sex")),
];

fn dashboard_body(published: Option<&app::published::Published>) -> Markup {
    let Some(published) = published else {
        return html! {
            p id="no-publication" { "Nothing is published yet: an analyst runs " code { "palermo run" } " first." }
        };
    };
    let statistics = &published.statistics;
    let unit = statistics["unit"].as_str().unwrap_or("records");
    let tables = statistics["tables"].as_object().cloned().unwrap_or_default();
    html! {
        section aria-labelledby="headline-title" {
            h2 id="headline-title" { "Headline figures" }
            dl class="figures" id="headline" {
                div { dt { "Detected victims" } dd id="figure-total" { (statistics["total"]) } dd class="unit" { (unit) } }
                @if let Some(estimate) = &published.estimate {
                    div {
                        dt { "Estimated victims (Multiple Systems Estimation)" }
                        dd id="figure-estimate" { (estimate["linkage_uncertainty"]["estimate"].as_f64().or(estimate["estimate"].as_f64()).map_or("—".to_owned(), |e| format!("{e:.0}"))) }
                        @if let Some(interval) = estimate["linkage_uncertainty"]["interval"].as_array().or(estimate["ci_bca"].as_array()).or(estimate["ci_conditional"].as_array()) {
                            dd class="unit" id="figure-interval" {
                                "95% interval "
                                (interval.first().and_then(serde_json::Value::as_f64).map_or("—".to_owned(), |v| format!("{v:.0}")))
                                "–"
                                (interval.get(1).map_or("—".to_owned(), |v| if v.is_null() { app::published::whole(f64::INFINITY) } else { v.as_f64().map_or("—".to_owned(), |v| format!("{v:.0}")) }))
                            }
                        }
                    }
                }
            }
        }
        @for (i, (name, x, color)) in CHARTS.iter().enumerate() {
            @if let Some(table) = tables.get(*name) {
                @let title = table["title"].as_str().unwrap_or(*name);
                @let spec_id = format!("spec-{name}");
                section class="chart-section" aria-labelledby=(format!("chart-title-{i}")) {
                    h2 id=(format!("chart-title-{i}")) { (title) }
                    div class="chart" id=(format!("chart-{name}")) data-spec=(spec_id) role="img" aria-label=(title) {}
                    p class="protection" id=(format!("protection-{name}")) { (protection_text(statistics, table)) }
                    script type="application/json" id=(spec_id) {
                        (PreEscaped(json_for_script(&chart_spec(table, x, *color, title))))
                    }
                }
            }
        }
        section aria-labelledby="tables-title" {
            h2 id="tables-title" { "Tables" }
            p { "x: withheld by disclosure control (a small count, or one from which a small count could be worked out)." }
            @for (name, table) in &tables {
                @let (columns, rows) = table_cells(table);
                table id=(format!("table-{name}")) {
                    caption { (table["title"].as_str().unwrap_or(name)) " (" (table["suppressed_cells"]) " cells withheld)" }
                    thead { tr { @for c in &columns { th scope="col" { (c.replace('_', " ")) } } } }
                    tbody { @for row in &rows { tr { @for cell in row { td { (cell) } } } } }
                }
            }
        }
        script src="/static/vega.min.js" {}
        script src="/static/vega-lite.min.js" {}
        script src="/static/vega-embed.min.js" {}
        script src="/static/charts.js" {}
    }
}

/// How a published table was protected, for the reader (the report says the same under its figures).
fn protection_text(statistics: &serde_json::Value, table: &serde_json::Value) -> String {
    let disclosure = &statistics["disclosure"];
    let withheld = table["suppressed_cells"].as_u64().unwrap_or(0) as usize;
    match (disclosure["min_cell"].as_u64(), disclosure["protection"].as_u64()) {
        (Some(min_cell), Some(protection)) => app::published::protection_note(min_cell, protection, withheld),
        _ => app::published::protection_note(0, 0, withheld),
    }
}

/// JSON inside a `<script type="application/json">`: `<` escaped so that no `</script>` closes it.
pub(crate) fn json_for_script(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

pub(crate) async fn dashboard(State(state): State<ServerState>, principal: Principal) -> Result<Response> {
    let published = app::published::read(&state.observatory.dir)?;
    let mut response = page(layout("Dashboard", &principal, dashboard_body(published.as_ref())));
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(crate::security::CHART_CSP));
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Login

pub(crate) async fn login_form(principal: Principal) -> Result<Response> {
    let token = app::accounts::random_secret("")?;
    let mut response = page(layout("Sign in", &principal, login_body(&token, None)));
    if let Ok(value) = HeaderValue::from_str(&crate::auth::login_cookie(&token)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

fn login_body(csrf: &str, refused: Option<&str>) -> Markup {
    html! {
        @if let Some(reason) = refused { p id="login-error" role="alert" { (reason) } }
        form id="login" method="post" action="/login" {
            input type="hidden" name="csrf" value=(csrf);
            p { label for="login-name" { "User name" } input id="login-name" name="name" type="text" autocomplete="username" required; }
            p { label for="login-password" { "Password" } input id="login-password" name="password" type="password" autocomplete="current-password" required; }
            p { button type="submit" id="login-submit" { "Sign in" } }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    name: String,
    password: String,
    #[allow(dead_code)]
    csrf: String,
}

pub(crate) async fn login(
    State(state): State<ServerState>,
    principal: Principal,
    headers: axum::http::HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Result<Response> {
    let outcome = app::accounts::login(&state.observatory.store, &form.name, &form.password).await?;
    let csrf = crate::auth::cookie(&headers, crate::auth::LOGIN_COOKIE).unwrap_or_default().to_owned();
    match outcome {
        app::accounts::Login::Accepted(session) => {
            let mut response = Redirect::to("/dashboard").into_response();
            if let Ok(value) = HeaderValue::from_str(&crate::auth::session_cookie(Some(&session.secret))) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        app::accounts::Login::Refused => {
            let body = login_body(&csrf, Some("Wrong user name or password."));
            Ok((StatusCode::UNAUTHORIZED, page(layout("Sign in", &principal, body))).into_response())
        }
        app::accounts::Login::Throttled => {
            let reason = Failure::Throttled.to_string();
            let body = login_body(&csrf, Some(&reason));
            Ok((StatusCode::TOO_MANY_REQUESTS, page(layout("Sign in", &principal, body))).into_response())
        }
    }
}

pub(crate) async fn logout(State(state): State<ServerState>, Signed(account, principal): Signed) -> Result<Response> {
    if let Via::Session { secret, .. } = &principal.via {
        app::accounts::logout(&state.observatory.store, secret, &account.name).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = HeaderValue::from_str(&crate::auth::session_cookie(None)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Submissions

pub(crate) fn csrf_field(principal: &Principal) -> Markup {
    html! { input type="hidden" name="csrf" value=(principal.csrf().unwrap_or_default()); }
}

pub(crate) async fn submissions(
    State(state): State<ServerState>,
    Signed(account, principal): Signed,
) -> Result<Response> {
    let observatory = &state.observatory;
    let sources = app::submit::sources_of(observatory, &account);
    let list = app::submit::submissions(observatory, &account).await?;
    let body = html! {
        section aria-labelledby="upload-title" {
            h2 id="upload-title" { "Submit a file" }
            p { "The file is validated against the source's mapping; you see what would be stored and what would be quarantined before anything is stored." }
            form id="upload" method="post" action="/submissions" enctype="multipart/form-data" {
                (csrf_field(&principal))
                p {
                    label for="upload-source" { "Source" }
                    select id="upload-source" name="source" required {
                        @for s in &sources { option value=(s) { (s) } }
                    }
                }
                p { label for="upload-file" { "File (CSV, TSV, XLSX or JSON)" } input id="upload-file" name="file" type="file" accept=".csv,.tsv,.txt,.xlsx,.json" required; }
                p { button type="submit" id="upload-submit" { "Validate" } }
            }
        }
        section aria-labelledby="past-title" {
            h2 id="past-title" { "Submissions" }
            table id="submissions" {
                caption { "Files received, with their provenance" }
                thead { tr { th scope="col" { "Id" } th scope="col" { "Source" } th scope="col" { "File" } th scope="col" { "SHA-256" } th scope="col" { "Received" } th scope="col" { "Rows read" } th scope="col" { "Stored" } th scope="col" { "Quarantined" } th scope="col" { "Status" } } }
                tbody {
                    @for s in &list {
                        tr { td { (s.id) } td { (s.source) } td { (s.file_name) } td { code { (s.file_hash.chars().take(12).collect::<String>()) "…" } } td { (s.received_at) } td { (s.rows_read) } td { (s.rows_stored) } td { (s.rows_quarantined) } td { (s.status) } }
                    }
                }
            }
        }
    };
    Ok(page(layout("Submissions", &principal, body)))
}

/// An uploaded file and the source it is for, read from a multipart form.
pub(crate) struct Upload {
    pub source: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Whether reading failed because the body ran past the limit (the error is a few sources deep).
fn over_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.to_string().contains("length limit exceeded") {
            return true;
        }
        current = e.source();
    }
    false
}

pub(crate) async fn read_upload(mut multipart: Multipart) -> Result<Upload> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        // A body without a Content-Length that runs past the limit fails while it is read.
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE || over_limit(&e) {
            Failure::TooLarge
        } else {
            Failure::BadRequest(format!("the form could not be read: {}", e.body_text()))
        }
    };
    let (mut source, mut file) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("source") => source = Some(field.text().await.map_err(bad)?),
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                file = Some((name, field.bytes().await.map_err(bad)?.to_vec()));
            }
            _ => {}
        }
    }
    let source = source.ok_or_else(|| Failure::BadRequest("the form has no `source` field".to_owned()))?;
    let (file_name, bytes) = file.ok_or_else(|| Failure::BadRequest("the form has no `file` field".to_owned()))?;
    Ok(Upload { source, file_name, bytes })
}

pub(crate) async fn upload(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    multipart: Multipart,
) -> Result<Response> {
    let upload = read_upload(multipart).await?;
    let staged =
        app::submit::stage(&state.observatory, &account, &upload.source, &upload.file_name, &upload.bytes, today())
            .await?;
    Ok(Redirect::to(&format!("/submissions/{}", staged.id)).into_response())
}

pub(crate) async fn staged(
    State(state): State<ServerState>,
    Signed(account, principal): Signed,
    Path(id): Path<String>,
) -> Result<Response> {
    let staged = app::submit::staged(&state.observatory, &account, &id).await?;
    let report = &staged.report;
    let body = html! {
        p id="staged-summary" {
            (staged.file_name) " for source " strong { (staged.source) } ": "
            span id="rows-read" { (report.rows_read) } " rows read; "
            span id="rows-good" { (report.rows_good) } " would be stored; "
            span id="rows-bad" { (report.rows_bad) } " would be quarantined."
        }
        @for c in &report.missing_optional_columns { p class="note" { "Mapped column " code { (c) } " is not in the file: read as not recorded." } }
        @for c in &report.ignored_columns { p class="note" { "Column " code { (c) } " is not mapped: ignored." } }
        @if !report.errors.is_empty() {
            table id="validation-errors" {
                caption { "Rows that would be quarantined (values masked)" }
                thead { tr { th scope="col" { "Row" } th scope="col" { "Column" } th scope="col" { "Field" } th scope="col" { "Value (masked)" } th scope="col" { "Reason" } } }
                tbody { @for e in &report.errors { tr { td { (e.row) } td { (e.column.as_deref().unwrap_or("")) } td { (e.field.as_deref().unwrap_or("")) } td { (e.value.as_deref().unwrap_or("")) } td { (e.reason) } } } }
            }
        }
        form id="commit" method="post" action=(format!("/submissions/{}/commit", staged.id)) {
            (csrf_field(&principal))
            p { input id="commit-replace" type="checkbox" name="replace" value="true"; label for="commit-replace" { "Replace this source's earlier submission (kept as history)" } }
            p { button type="submit" id="commit-submit" { "Commit: store the good rows, quarantine the others" } }
        }
        form id="discard" method="post" action=(format!("/submissions/{}/discard", staged.id)) {
            (csrf_field(&principal))
            p { button type="submit" id="discard-submit" { "Discard: store nothing" } }
        }
    };
    Ok(page(layout("Validation report", &principal, body)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct CommitForm {
    #[serde(default)]
    replace: Option<String>,
}

pub(crate) async fn commit(
    State(state): State<ServerState>,
    Signed(account, principal): Signed,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CommitForm>,
) -> Result<Response> {
    let replace = form.replace.as_deref() == Some("true");
    let committed = app::submit::commit(&state.observatory, &account, &id, replace, today()).await?;
    let verdict = match &committed.outcome {
        app::Outcome::AlreadyImported { submission_id } => {
            format!("This file was already stored as submission {submission_id}: nothing changed.")
        }
        _ => format!(
            "{} rows stored, {} quarantined (see the quarantine to correct them).",
            committed.rows_stored, committed.rows_quarantined
        ),
    };
    let body = html! {
        p id="commit-result" role="status" { (committed.file_name) " (" (committed.source) "): " (verdict) }
        p { a href="/submissions" { "Back to the submissions" } " · " a href="/quarantine" { "Quarantine" } }
    };
    Ok(page(layout("Committed", &principal, body)))
}

pub(crate) async fn discard(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(id): Path<String>,
) -> Result<Response> {
    app::submit::discard(&state.observatory, &account, &id).await?;
    Ok(Redirect::to("/submissions").into_response())
}

pub(crate) async fn quarantine(
    State(state): State<ServerState>,
    Signed(account, principal): Signed,
) -> Result<Response> {
    let entries = app::submit::quarantine(&state.observatory, &account).await?;
    let sources = app::submit::sources_of(&state.observatory, &account);
    let body = html! {
        p { (entries.len()) " refused rows in the active submissions you can see. Correct them in the agency's file and submit it again (replacing the earlier submission)." }
        ul id="quarantine-downloads" {
            @for s in &sources {
                li { a id=(format!("quarantine-csv-{s}")) href=(format!("/quarantine/{s}/csv")) download { "Download the refused rows of " (s) " as sent, with the reasons (CSV; the download is recorded in the audit log)" } }
            }
        }
        table id="quarantine" {
            caption { "Refused rows (values masked)" }
            thead { tr { th scope="col" { "Source" } th scope="col" { "File" } th scope="col" { "Row" } th scope="col" { "Column" } th scope="col" { "Value (masked)" } th scope="col" { "Reason" } } }
            tbody {
                @for entry in &entries {
                    @for e in &entry.errors {
                        tr { td { (entry.source) } td { (entry.file_name) } td { (entry.row_number) } td { (e.column.as_deref().unwrap_or("")) } td { (e.value.as_deref().unwrap_or("")) } td { (e.reason) } }
                    }
                }
            }
        }
    };
    Ok(page(layout("Quarantine", &principal, body)))
}

// ---------------------------------------------------------------------------------------------
// Administration

/// The role a form or API call names, with its binding.
pub(crate) fn role_of(kind: &str, scope: Option<&str>) -> Result<Role> {
    let scope = scope.map(str::trim).filter(|s| !s.is_empty());
    let kind = RoleKind::parse(kind).ok_or_else(|| {
        Failure::BadRequest("role must be administrator, analyst, reviewer, submitter or focal_point".to_owned())
    })?;
    let needs = |what: &str| Failure::BadRequest(format!("a {} is bound to one {what}: give it", kind.code()));
    Ok(match kind {
        RoleKind::Administrator => Role::Administrator,
        RoleKind::Analyst => Role::Analyst,
        RoleKind::Reviewer => Role::Reviewer,
        RoleKind::Submitter => Role::Submitter { source: scope.ok_or_else(|| needs("source"))?.to_owned() },
        RoleKind::FocalPoint => Role::FocalPoint { state: scope.ok_or_else(|| needs("State"))?.to_owned() },
    })
}

pub(crate) async fn users(State(state): State<ServerState>, Signed(_, principal): Signed) -> Result<Response> {
    let users = app::accounts::users(&state.observatory.store).await?;
    let body = html! {
        table id="users" {
            caption { "Accounts" }
            thead { tr { th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Created" } th scope="col" { "Status" } th scope="col" { "Action" } } }
            tbody {
                @for u in &users {
                    tr {
                        td { (u.name) } td { (u.role.describe()) } td { (u.created_at) }
                        td { @if u.disabled { "disabled" } @else { "active" } }
                        td {
                            @let action = if u.disabled { "enable" } else { "disable" };
                            form method="post" action=(format!("/admin/users/{}/{action}", u.name)) {
                                (csrf_field(&principal))
                                button type="submit" id=(format!("{action}-{}", u.name)) { (action) " " (u.name) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="add-user-title" {
            h2 id="add-user-title" { "Add a user" }
            form id="add-user" method="post" action="/admin/users" {
                (csrf_field(&principal))
                p { label for="user-name" { "User name (a-z, 0-9, . _ -)" } input id="user-name" name="name" type="text" required; }
                p {
                    label for="user-role" { "Role" }
                    select id="user-role" name="role" {
                        @for kind in RoleKind::ALL { option value=(kind.code()) { (kind.code().replace('_', " ")) } }
                    }
                }
                p { label for="user-scope" { "Source (submitter) or State code (focal point)" } input id="user-scope" name="scope" type="text"; }
                p { label for="user-password" { "Initial password (at least " (app::accounts::MIN_PASSWORD_CHARS) " characters)" } input id="user-password" name="password" type="password" autocomplete="new-password" required; }
                p { button type="submit" id="add-user-submit" { "Add" } }
            }
        }
    };
    Ok(page(layout("Users", &principal, body)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct UserForm {
    name: String,
    role: String,
    #[serde(default)]
    scope: Option<String>,
    password: String,
}

pub(crate) async fn add_user(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    axum::Form(form): axum::Form<UserForm>,
) -> Result<Response> {
    let role = role_of(&form.role, form.scope.as_deref())?;
    app::accounts::add_user(&state.observatory, &account.name, &form.name, role, &form.password).await?;
    Ok(Redirect::to("/admin/users").into_response())
}

pub(crate) async fn disable_user(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(name): Path<String>,
) -> Result<Response> {
    app::accounts::set_disabled(&state.observatory.store, &account.name, &name, true).await?;
    Ok(Redirect::to("/admin/users").into_response())
}

pub(crate) async fn enable_user(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(name): Path<String>,
) -> Result<Response> {
    app::accounts::set_disabled(&state.observatory.store, &account.name, &name, false).await?;
    Ok(Redirect::to("/admin/users").into_response())
}

fn tokens_body(principal: &Principal, tokens: &[app::accounts::Token], new_secret: Option<&str>) -> Markup {
    html! {
        @if let Some(secret) = new_secret {
            p id="new-token" role="status" { "The new token (shown only now; give it to the agency's system): " code id="new-token-secret" { (secret) } }
        }
        table id="tokens" {
            caption { "API tokens" }
            thead { tr { th scope="col" { "Id" } th scope="col" { "User" } th scope="col" { "Label" } th scope="col" { "Role" } th scope="col" { "Created" } th scope="col" { "Revoked" } th scope="col" { "Action" } } }
            tbody {
                @for t in tokens {
                    tr {
                        td { (t.id) } td { (t.user) } td { (t.label) } td { (t.role) @if let Some(s) = &t.scope { " (" (s) ")" } } td { (t.created_at) } td { (t.revoked_at.as_deref().unwrap_or("")) }
                        td {
                            @if t.revoked_at.is_none() {
                                form method="post" action=(format!("/admin/tokens/{}/revoke", t.id)) {
                                    (csrf_field(principal))
                                    button type="submit" id=(format!("revoke-{}", t.id)) { "revoke token " (t.id) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="add-token-title" {
            h2 id="add-token-title" { "Make a token" }
            form id="add-token" method="post" action="/admin/tokens" {
                (csrf_field(principal))
                p { label for="token-user" { "For user" } input id="token-user" name="user" type="text" required; }
                p { label for="token-label" { "Label (what uses it)" } input id="token-label" name="label" type="text" required; }
                p { button type="submit" id="add-token-submit" { "Make" } }
            }
        }
    }
}

pub(crate) async fn tokens(State(state): State<ServerState>, Signed(_, principal): Signed) -> Result<Response> {
    let tokens = app::accounts::tokens(&state.observatory.store).await?;
    Ok(page(layout("API tokens", &principal, tokens_body(&principal, &tokens, None))))
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenForm {
    user: String,
    label: String,
}

pub(crate) async fn create_token(
    State(state): State<ServerState>,
    Signed(account, principal): Signed,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response> {
    let store = &state.observatory.store;
    let token = app::accounts::create_token(store, &account.name, &form.user, &form.label).await?;
    let tokens = app::accounts::tokens(store).await?;
    Ok(page(layout("API tokens", &principal, tokens_body(&principal, &tokens, Some(&token.secret)))))
}

pub(crate) async fn revoke_token(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(id): Path<String>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| Failure::BadRequest("a token id is a whole number".to_owned()))?;
    app::accounts::revoke_token(&state.observatory.store, &account.name, id).await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}

/// The audit log's filter.
#[derive(Debug, Deserialize)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
}

impl AuditQuery {
    pub(crate) fn limit(&self) -> i64 {
        self.limit.unwrap_or(200).clamp(1, 5000)
    }
}

pub(crate) async fn audit(
    State(state): State<ServerState>,
    Signed(_, principal): Signed,
    Query(query): Query<AuditQuery>,
) -> Result<Response> {
    let actor = query.actor.as_deref().filter(|s| !s.is_empty());
    let action = query.action.as_deref().filter(|s| !s.is_empty());
    let entries = app::accounts::audit_log(&state.observatory.store, actor, action, query.limit()).await?;
    let body = html! {
        form id="audit-filter" method="get" action="/admin/audit" {
            p { label for="audit-actor" { "Who" } input id="audit-actor" name="actor" type="text" value=(actor.unwrap_or("")); }
            p { label for="audit-action" { "Action" } input id="audit-action" name="action" type="text" value=(action.unwrap_or("")); }
            p { button type="submit" id="audit-filter-submit" { "Filter" } }
        }
        table id="audit" {
            caption { "Audit log, newest first (append-only)" }
            thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Action" } th scope="col" { "What" } th scope="col" { "Purpose" } } }
            tbody { @for e in &entries { tr { td { (e.at) } td { (e.actor) } td { (e.action) } td { (e.detail) } td { (e.purpose.as_deref().unwrap_or("")) } } } }
        }
    };
    Ok(page(layout("Audit log", &principal, body)))
}
