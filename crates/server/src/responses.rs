//! States' responses and the quarantine download, in pages and in the API.
//!
//! - A State's focal point fills in the monitoring questionnaire of the current round for its own
//!   State (`app::questionnaire`): a form generated from the vocabulary, drafts, submission
//!   validated by the rules of `palermo monitor import` with every problem shown at its field, and
//!   a compare-and-swap on the version the form was read at (409 when it is stale).
//! - The analyst reads the States' responses of the round and the compiled report (the section
//!   "Measures reported by Member States", as `palermo monitor report --format html` writes it).
//! - An agency's submitter downloads its own source's quarantine as CSV for correction (an
//!   export, audited); another agency's submitter is refused.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Signed;
use crate::error::{Failure, Result};
use crate::pages::{csrf_field, layout, page};
use crate::{ServerState, today};

// ---------------------------------------------------------------------------------------------
// The questionnaire

/// The id of a form input from its name (`measures[3].status` → `q-measures-3-status`).
fn input_id(name: &str) -> String {
    let mut id = String::from("q-");
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_owned()
}

struct Fields<'a> {
    values: &'a BTreeMap<String, String>,
    errors: BTreeMap<&'a str, Vec<&'a str>>,
}

impl Fields<'_> {
    fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    /// The error text below an input, and the attributes that tie it to the input.
    fn error(&self, name: &str) -> Markup {
        html! {
            @if let Some(reasons) = self.errors.get(name) {
                p class="field-error" id=(format!("{}-error", input_id(name))) { @for r in reasons { (r) " " } }
            }
        }
    }

    fn invalid(&self, name: &str) -> Option<&'static str> {
        self.errors.contains_key(name).then_some("true")
    }

    fn described(&self, name: &str) -> Option<String> {
        self.errors.contains_key(name).then(|| format!("{}-error", input_id(name)))
    }

    fn text(&self, name: &str, label: &str, kind: &str) -> Markup {
        let id = input_id(name);
        html! {
            p {
                label for=(id) { (label) }
                input id=(id) name=(name) type=(kind) value=(self.value(name)) aria-invalid=[self.invalid(name)] aria-describedby=[self.described(name)];
                (self.error(name))
            }
        }
    }

    fn status(&self, name: &str, label: &str, choices: &[app::questionnaire::Choice]) -> Markup {
        let id = input_id(name);
        let current = self.value(name);
        html! {
            p {
                label for=(id) { (label) }
                select id=(id) name=(name) aria-invalid=[self.invalid(name)] aria-describedby=[self.described(name)] {
                    option value="" selected[current.is_empty()] { "— not answered —" }
                    @for c in choices { option value=(c.code) selected[current == c.code] { (c.words) } }
                    @if !current.is_empty() && !choices.iter().any(|c| c.code == current) {
                        option value=(current) selected { (current) }
                    }
                }
                (self.error(name))
            }
        }
    }
}

fn questionnaire_body(
    principal: &crate::auth::Principal,
    form: &app::questionnaire::Form,
    notice: Option<&str>,
) -> Markup {
    let mut errors: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &form.errors {
        errors.entry(e.field.as_str()).or_default().push(e.reason.as_str());
    }
    let fields = Fields { values: &form.values, errors };
    let is_input = |field: &str| field == "submitted" || field == "source_document" || field.contains('.');
    html! {
        p id="questionnaire-state" {
            "Reply of " strong { (form.state_name) } " (" (form.state) ") for round " strong id="questionnaire-round" { (form.round) } ". "
            @match (&form.status, &form.updated_at) {
                (Some(status), Some(at)) => { span id="questionnaire-status" { (status) } ", version " span id="questionnaire-version" { (form.version) } ", saved " (at) "." }
                _ => { span id="questionnaire-status" { "not saved yet" } "." }
            }
            @if let Some(at) = &form.submitted_at { " Submitted " (at) "." }
        }
        @if let Some(notice) = notice { p id="questionnaire-notice" role="status" { (notice) } }
        @if !form.errors.is_empty() {
            div id="questionnaire-errors" role="alert" {
                p { (form.errors.len()) " problem(s): nothing was saved." }
                ul {
                    @for e in &form.errors {
                        li { @if is_input(&e.field) { a href=(format!("#{}", input_id(&e.field))) { (e.field) } } @else { (e.field) } ": " (e.reason) }
                    }
                }
            }
        }
        p { "Give a status to each instrument and measure your State can report, and leave the others unanswered. For a measure, add the year it was taken when known, the paragraph of your reply that reports it and a short quote (evidence): each score is traced back to that evidence. Save a draft at any time; submit when the reply is complete." }
        form id="questionnaire" method="post" action="/questionnaire" {
            (csrf_field(principal))
            input type="hidden" name="version" value=(form.version);
            fieldset {
                legend { "The reply" }
                (fields.text("submitted", "Date of the reply (YYYY-MM-DD)", "text"))
                (fields.text("source_document", "Symbol or title of the reply (optional)", "text"))
            }
            h2 { "International instruments" }
            @for q in &form.questions.instruments {
                @let at = format!("instruments[{}]", q.index);
                fieldset id=(format!("instrument-{}", q.code)) {
                    legend { (q.name) " (" code { (q.code) } ")" }
                    (fields.status(&format!("{at}.status"), "Status", &q.statuses))
                    (fields.text(&format!("{at}.date"), "Date of signature, ratification or accession (YYYY-MM-DD)", "text"))
                    (fields.text(&format!("{at}.evidence"), "Evidence", "text"))
                }
            }
            h2 { "Measures" }
            @for theme in &form.questions.themes {
                h3 { (theme.letter) ". " (theme.heading) }
                @for q in &theme.measures {
                    @let at = format!("measures[{}]", q.index);
                    fieldset id=(format!("measure-{}", q.code)) {
                        legend { (q.label) " (" code { (q.code) } ")" }
                        (fields.status(&format!("{at}.status"), "Status", &q.statuses))
                        (fields.text(&format!("{at}.year"), "Year taken", "text"))
                        (fields.text(&format!("{at}.paragraph"), "Paragraph of the reply", "text"))
                        (fields.text(&format!("{at}.evidence"), "Evidence (a short quote)", "text"))
                    }
                }
            }
            p {
                button type="submit" name="action" value="save" id="questionnaire-save" { "Save the draft" } " "
                button type="submit" name="action" value="submit" id="questionnaire-submit" { "Submit the reply" }
            }
        }
    }
}

/// What the page says after a save (`?done=saved` or `?done=submitted`).
#[derive(Debug, Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    done: Option<String>,
}

pub(crate) async fn questionnaire_page(
    State(state): State<ServerState>,
    Signed(account, principal): Signed,
    Query(done): Query<Done>,
) -> Result<Response> {
    let form = app::questionnaire::form(&state.observatory, &account, today()).await?;
    let notice = match done.done.as_deref() {
        Some("saved") => Some("The draft was saved."),
        Some("submitted") => Some("The reply was submitted: it is now part of the monitoring data."),
        _ => None,
    };
    Ok(page(layout("Questionnaire", &principal, questionnaire_body(&principal, &form, notice))))
}

pub(crate) async fn save_questionnaire_page(
    State(state): State<ServerState>,
    Signed(account, principal): Signed,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let mut values = BTreeMap::new();
    let (mut version, mut action) = (None, None);
    for (name, value) in pairs {
        match name.as_str() {
            "csrf" => {}
            "version" => version = Some(value),
            "action" => action = Some(value),
            _ => {
                values.insert(name, value);
            }
        }
    }
    let version: i64 = version
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| Failure::BadRequest("the form has no version: open the questionnaire again".to_owned()))?;
    let submit = match action.as_deref() {
        Some("submit") => true,
        Some("save") | None => false,
        Some(_) => return Err(Failure::BadRequest("the action is `save` or `submit`".to_owned())),
    };
    let observatory = &state.observatory;
    match app::questionnaire::save(observatory, &account, &values, version, submit, today()).await? {
        app::questionnaire::Outcome::Saved { .. } | app::questionnaire::Outcome::Submitted { .. } => {
            let notice = if submit { "submitted" } else { "saved" };
            Ok(Redirect::to(&format!("/questionnaire?done={notice}")).into_response())
        }
        app::questionnaire::Outcome::Invalid { errors } => {
            let mut form = app::questionnaire::form(observatory, &account, today()).await?;
            form.values = values;
            form.version = version;
            form.errors = errors;
            let body = questionnaire_body(&principal, &form, None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(layout("Questionnaire", &principal, body))).into_response())
        }
    }
}

/// A State's questionnaire of the current round.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QuestionnaireOut {
    round: String,
    /// ISO 3166-1 alpha-3.
    state: String,
    state_name: String,
    /// 0 before the first save; send it back with a save.
    version: i64,
    /// draft or submitted; null before the first save.
    status: Option<String>,
    updated_at: Option<String>,
    submitted_at: Option<String>,
    /// The answers, in the format of `palermo monitor template` (JSON).
    #[schema(value_type = Object)]
    answers: serde_json::Value,
    /// The questions: instruments and measures by theme, with the statuses each may take.
    #[schema(value_type = Object)]
    questions: serde_json::Value,
}

/// A questionnaire to save.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct QuestionnaireIn {
    /// The version the answers were read at (0 for the first save).
    version: i64,
    /// Submit as the State's reply (validated); otherwise save a draft.
    #[serde(default)]
    submit: bool,
    /// The answers, in the format of `palermo monitor template` (JSON); round and State are set
    /// by the server.
    #[schema(value_type = Object)]
    answers: serde_json::Value,
}

/// What a save did.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QuestionnaireSavedOut {
    /// draft or submitted.
    status: String,
    version: i64,
}

/// A problem of a questionnaire, by field.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FieldErrorOut {
    field: String,
    reason: String,
}

/// A refused questionnaire: every problem, by field.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QuestionnaireRefusedOut {
    error: String,
    status: u16,
    errors: Vec<FieldErrorOut>,
}

#[utoipa::path(get, path = "/api/v1/questionnaire", security(("token" = [])),
    responses((status = 200, body = QuestionnaireOut), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn questionnaire_api(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
) -> Result<Json<QuestionnaireOut>> {
    let form = app::questionnaire::form(&state.observatory, &account, today()).await?;
    let answers = serde_json::to_value(app::questionnaire::answers(&form)).unwrap_or_default();
    Ok(Json(QuestionnaireOut {
        questions: serde_json::to_value(&form.questions).unwrap_or_default(),
        answers,
        round: form.round,
        state: form.state,
        state_name: form.state_name,
        version: form.version,
        status: form.status,
        updated_at: form.updated_at,
        submitted_at: form.submitted_at,
    }))
}

/// Saves a draft or submits the reply; refused (409) when `version` is no longer current.
#[utoipa::path(post, path = "/api/v1/questionnaire", security(("token" = [])), request_body = QuestionnaireIn,
    responses((status = 200, body = QuestionnaireSavedOut), (status = 403, body = crate::api::ErrorBody),
        (status = 409, description = "the questionnaire changed since it was read", body = crate::api::ErrorBody),
        (status = 422, body = QuestionnaireRefusedOut)))]
pub(crate) async fn save_questionnaire_api(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Json(input): Json<QuestionnaireIn>,
) -> Result<Response> {
    let answers: app::monitor::engine::Questionnaire = serde_json::from_value(input.answers)
        .map_err(|e| Failure::Unprocessable(format!("the answers are not a questionnaire: {e}")))?;
    let outcome =
        app::questionnaire::save_answers(&state.observatory, &account, answers, input.version, input.submit, today())
            .await?;
    Ok(match outcome {
        app::questionnaire::Outcome::Saved { version } => {
            Json(QuestionnaireSavedOut { status: "draft".to_owned(), version }).into_response()
        }
        app::questionnaire::Outcome::Submitted { version, .. } => {
            Json(QuestionnaireSavedOut { status: "submitted".to_owned(), version }).into_response()
        }
        app::questionnaire::Outcome::Invalid { errors } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(QuestionnaireRefusedOut {
                error: format!("{} problem(s): nothing was saved", errors.len()),
                status: 422,
                errors: errors.into_iter().map(|e| FieldErrorOut { field: e.field, reason: e.reason }).collect(),
            }),
        )
            .into_response(),
    })
}

// ---------------------------------------------------------------------------------------------
// The analyst's view

pub(crate) async fn responses_page(State(state): State<ServerState>, Signed(_, principal): Signed) -> Result<Response> {
    let (round, list, report) = app::questionnaire::responses(&state.observatory, today()).await?;
    let body = html! {
        p { "Questionnaires of round " strong { (round) } " filled in on the web, and the compiled report of every reply stored (round " (report.round) ")." }
        table id="responses" {
            caption { "States' questionnaires, round " (round) }
            thead { tr { th scope="col" { "State" } th scope="col" { "Status" } th scope="col" { "Version" } th scope="col" { "Saved by" } th scope="col" { "Saved" } th scope="col" { "Submitted" } } }
            tbody {
                @for r in &list {
                    tr { td { (r.state_name) " (" (r.state) ")" } td { (r.status) } td { (r.version) } td { (r.updated_by) } td { (r.updated_at) } td { (r.submitted_at.as_deref().unwrap_or("")) } }
                }
            }
        }
        @if list.is_empty() { p id="no-responses" { "No State has saved a questionnaire of this round yet." } }
        p { a id="responses-report" href="/responses/report" { "Read the compiled report: measures reported by States (round " (report.round) ")" } }
    };
    Ok(page(layout("States' responses", &principal, body)))
}

/// The report's own page (inline CSS, no script): its own policy, no script at all.
const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) async fn responses_report(State(state): State<ServerState>) -> Result<Response> {
    let (_, _, report) = app::questionnaire::responses(&state.observatory, today()).await?;
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], report.html).into_response();
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(REPORT_CSP));
    Ok(response)
}

/// A State's questionnaire, as the analyst lists it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ResponseOut {
    state: String,
    state_name: String,
    status: String,
    version: i64,
    updated_by: String,
    updated_at: String,
    submitted_at: Option<String>,
}

/// The States' responses of the current round and the compiled report.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ResponsesOut {
    round: String,
    questionnaires: Vec<ResponseOut>,
    /// The compiled report (JSON, as `palermo monitor report --format json`).
    #[schema(value_type = Object)]
    report: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/responses", security(("token" = [])),
    responses((status = 200, body = ResponsesOut), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn responses_api(State(state): State<ServerState>) -> Result<Json<ResponsesOut>> {
    let (round, list, report) = app::questionnaire::responses(&state.observatory, today()).await?;
    Ok(Json(ResponsesOut {
        round,
        questionnaires: list
            .into_iter()
            .map(|r| ResponseOut {
                state: r.state,
                state_name: r.state_name,
                status: r.status,
                version: r.version,
                updated_by: r.updated_by,
                updated_at: r.updated_at,
                submitted_at: r.submitted_at,
            })
            .collect(),
        report: report.json,
    }))
}

// ---------------------------------------------------------------------------------------------
// Quarantine download

async fn quarantine_csv(state: &ServerState, account: &app::accounts::Account, source: &str) -> Result<Response> {
    let csv = app::submit::quarantine_csv(&state.observatory, account, source).await?;
    let disposition = format!("attachment; filename=\"quarantine-{source}.csv\"");
    let mut response = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

pub(crate) async fn quarantine_csv_page(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(source): Path<String>,
) -> Result<Response> {
    quarantine_csv(&state, &account, &source).await
}

/// The refused rows of a source's active submission as the agency sent them, with the reasons
/// (CSV), for correction and re-submission; audited as an export.
#[utoipa::path(get, path = "/api/v1/quarantine/{source}/csv", security(("token" = [])),
    params(("source" = String, Path, description = "the source (a submitter: its own)")),
    responses((status = 200, description = "the refused rows", body = String, content_type = "text/csv"), (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn quarantine_csv_api(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(source): Path<String>,
) -> Result<Response> {
    quarantine_csv(&state, &account, &source).await
}
