//! The JSON API under `/api/v1`: what the pages do, for agency systems (with an API token) and
//! scripts. Its OpenAPI document is generated from the annotations here and served at
//! `/api/v1/openapi.json`; a test checks that it lists exactly the API's routes.
//!
//! Errors are `{"error": reason, "status": code}`. State-changing calls made with a session
//! cookie carry the session's CSRF token in `X-CSRF-Token`; calls with a token do not need it.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::auth::{Principal, Signed};
use crate::error::{Failure, Result};
use crate::pages::{AuditQuery, read_upload, role_of};
use crate::{ServerState, today};

#[derive(OpenApi)]
#[openapi(
    info(title = "Palermo observatory API", description = "Published figures and estimates, agencies' submissions and quarantine, pipeline runs, States' questionnaires, accounts and the audit log."),
    paths(openapi, dashboard, me, submissions, upload, staged, commit, discard, quarantine, users, add_user, disable_user, enable_user, tokens, create_token, revoke_token, audit, crate::review::list_api, crate::review::item_api, crate::review::identities_api, crate::review::decide_api, crate::work::run_status_api, crate::work::start_run_api, crate::work::estimates_api, crate::responses::quarantine_csv_api, crate::responses::questionnaire_api, crate::responses::save_questionnaire_api, crate::responses::responses_api),
    components(schemas(ErrorBody, crate::review::ReviewItemOut, crate::review::ReviewRecordOut, crate::review::ReviewFieldOut, crate::review::IdentityOut, crate::review::PurposeIn, crate::review::VerdictIn, Dashboard, Me, SubmissionOut, StagedOut, ReportOut, RowErrorOut, CommittedOut, QuarantineOut, UserOut, NewUserIn, TokenOut, NewTokenIn, NewTokenOut, AuditOut, crate::work::JobOut, crate::work::RunStatusOut, crate::work::EstimatesOut, crate::work::IntervalOut, crate::work::SearchModelOut, crate::responses::QuestionnaireOut, crate::responses::QuestionnaireIn, crate::responses::QuestionnaireSavedOut, crate::responses::FieldErrorOut, crate::responses::QuestionnaireRefusedOut, crate::responses::ResponseOut, crate::responses::ResponsesOut)),
    modifiers(&BearerAuth)
)]
pub(crate) struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("plm_…").build()),
        );
    }
}

/// The OpenAPI 3.1 document of this API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The OpenAPI document as JSON.
pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or(serde_json::Value::Null)
}

/// An error.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: String,
    status: u16,
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, description = "The OpenAPI document")))]
pub(crate) async fn openapi() -> Response {
    Json(openapi_document()).into_response()
}

/// The published figures (disclosure-protected, as `palermo run` published them).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Dashboard {
    /// False before the first `palermo run`.
    published: bool,
    /// `{unit, total, tables: {name: {title, unit, suppressed_cells, rows}}}`; withheld cells are null.
    #[schema(value_type = Object)]
    statistics: serde_json::Value,
    /// The Multiple Systems Estimation result, when there are two or more linked lists.
    #[schema(value_type = Object)]
    estimate: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/dashboard", responses((status = 200, body = Dashboard)))]
pub(crate) async fn dashboard(State(state): State<ServerState>) -> Result<Json<Dashboard>> {
    let published = app::published::read(&state.observatory.dir)?;
    Ok(Json(match published {
        Some(p) => Dashboard {
            published: true,
            statistics: p.statistics,
            estimate: p.estimate.unwrap_or(serde_json::Value::Null),
        },
        None => Dashboard { published: false, statistics: serde_json::Value::Null, estimate: serde_json::Value::Null },
    }))
}

/// Who is calling.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Me {
    name: String,
    /// administrator, analyst, reviewer, submitter or focal_point.
    role: String,
    /// The source of a submitter, the State of a focal point.
    scope: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me", security(("token" = [])), responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(Signed(account, _): Signed) -> Json<Me> {
    Json(Me {
        name: account.name.clone(),
        role: account.role.kind().code().to_owned(),
        scope: account.role.scope().map(str::to_owned),
    })
}

/// A stored submission and its provenance.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SubmissionOut {
    id: i64,
    source: String,
    record_kind: String,
    file_name: String,
    file_hash: String,
    received_at: String,
    rows_read: i64,
    rows_stored: i64,
    rows_quarantined: i64,
    status: String,
}

#[utoipa::path(get, path = "/api/v1/submissions", security(("token" = [])), responses((status = 200, body = Vec<SubmissionOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn submissions(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
) -> Result<Json<Vec<SubmissionOut>>> {
    let list = app::submit::submissions(&state.observatory, &account).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| SubmissionOut {
                id: s.id,
                source: s.source,
                record_kind: s.record_kind,
                file_name: s.file_name,
                file_hash: s.file_hash,
                received_at: s.received_at,
                rows_read: s.rows_read,
                rows_stored: s.rows_stored,
                rows_quarantined: s.rows_quarantined,
                status: s.status,
            })
            .collect(),
    ))
}

/// One error of a refused row (value masked).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RowErrorOut {
    row: u64,
    column: Option<String>,
    field: Option<String>,
    value: Option<String>,
    reason: String,
}

impl From<app::submit::ShownError> for RowErrorOut {
    fn from(e: app::submit::ShownError) -> Self {
        RowErrorOut { row: e.row, column: e.column, field: e.field, value: e.value, reason: e.reason }
    }
}

/// A staged file's validation report.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReportOut {
    rows_read: u64,
    rows_good: u64,
    rows_bad: u64,
    errors: Vec<RowErrorOut>,
    ignored_columns: Vec<String>,
    missing_optional_columns: Vec<String>,
}

/// A file validated and staged, awaiting commit or discard.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StagedOut {
    id: String,
    source: String,
    file_name: String,
    created_at: String,
    report: ReportOut,
}

impl From<app::submit::Staged> for StagedOut {
    fn from(s: app::submit::Staged) -> Self {
        let r = s.report;
        StagedOut {
            id: s.id,
            source: s.source,
            file_name: s.file_name,
            created_at: s.created_at,
            report: ReportOut {
                rows_read: r.rows_read,
                rows_good: r.rows_good,
                rows_bad: r.rows_bad,
                errors: r.errors.into_iter().map(RowErrorOut::from).collect(),
                ignored_columns: r.ignored_columns,
                missing_optional_columns: r.missing_optional_columns,
            },
        }
    }
}

/// Uploads a file for a source (multipart: `source`, `file`): validated and staged, not stored.
#[utoipa::path(post, path = "/api/v1/submissions", security(("token" = [])),
    request_body(content_type = "multipart/form-data", description = "fields `source` (text) and `file` (the agency's file)"),
    responses((status = 201, body = StagedOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn upload(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    multipart: Multipart,
) -> Result<Response> {
    let upload = read_upload(multipart).await?;
    let staged =
        app::submit::stage(&state.observatory, &account, &upload.source, &upload.file_name, &upload.bytes, today())
            .await?;
    Ok((StatusCode::CREATED, Json(StagedOut::from(staged))).into_response())
}

#[utoipa::path(get, path = "/api/v1/submissions/{id}", security(("token" = [])), params(("id" = String, Path, description = "the staged file's id")),
    responses((status = 200, body = StagedOut), (status = 404, body = ErrorBody)))]
pub(crate) async fn staged(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(id): Path<String>,
) -> Result<Json<StagedOut>> {
    Ok(Json(app::submit::staged(&state.observatory, &account, &id).await?.into()))
}

/// What a commit did.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CommittedOut {
    source: String,
    file_name: String,
    /// imported, or already_imported (the same file is the source's active submission).
    outcome: String,
    rows_stored: u64,
    rows_quarantined: u64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CommitQuery {
    #[serde(default)]
    replace: bool,
}

#[utoipa::path(post, path = "/api/v1/submissions/{id}/commit", security(("token" = [])),
    params(("id" = String, Path, description = "the staged file's id"), ("replace" = Option<bool>, Query, description = "replace the source's earlier submission")),
    responses((status = 200, body = CommittedOut), (status = 404, body = ErrorBody)))]
pub(crate) async fn commit(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(id): Path<String>,
    Query(query): Query<CommitQuery>,
) -> Result<Json<CommittedOut>> {
    let c = app::submit::commit(&state.observatory, &account, &id, query.replace, today()).await?;
    let outcome = match c.outcome {
        app::Outcome::Imported(_) => "imported",
        app::Outcome::AlreadyImported { .. } => "already_imported",
        app::Outcome::Refused => "refused",
        app::Outcome::Checked => "checked",
    };
    Ok(Json(CommittedOut {
        source: c.source,
        file_name: c.file_name,
        outcome: outcome.to_owned(),
        rows_stored: c.rows_stored,
        rows_quarantined: c.rows_quarantined,
    }))
}

#[utoipa::path(post, path = "/api/v1/submissions/{id}/discard", security(("token" = [])), params(("id" = String, Path, description = "the staged file's id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn discard(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    app::submit::discard(&state.observatory, &account, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A refused row of an active submission (values masked).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QuarantineOut {
    submission_id: i64,
    source: String,
    file_name: String,
    row_number: i64,
    errors: Vec<RowErrorOut>,
}

#[utoipa::path(get, path = "/api/v1/quarantine", security(("token" = [])), responses((status = 200, body = Vec<QuarantineOut>), (status = 403, body = ErrorBody)))]
pub(crate) async fn quarantine(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
) -> Result<Json<Vec<QuarantineOut>>> {
    let entries = app::submit::quarantine(&state.observatory, &account).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|q| QuarantineOut {
                submission_id: q.submission_id,
                source: q.source,
                file_name: q.file_name,
                row_number: q.row_number,
                errors: q.errors.into_iter().map(RowErrorOut::from).collect(),
            })
            .collect(),
    ))
}

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UserOut {
    name: String,
    role: String,
    scope: Option<String>,
    disabled: bool,
    created_at: String,
}

impl From<app::accounts::User> for UserOut {
    fn from(u: app::accounts::User) -> Self {
        UserOut {
            role: u.role.kind().code().to_owned(),
            scope: u.role.scope().map(str::to_owned),
            name: u.name,
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

/// An account to create.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NewUserIn {
    name: String,
    /// administrator, analyst, reviewer, submitter or focal_point.
    role: String,
    /// The source of a submitter, the State (ISO 3166-1 alpha-3) of a focal point.
    scope: Option<String>,
    /// At least 12 characters.
    password: String,
}

#[utoipa::path(get, path = "/api/v1/users", security(("token" = [])), responses((status = 200, body = Vec<UserOut>), (status = 403, body = ErrorBody)))]
pub(crate) async fn users(State(state): State<ServerState>) -> Result<Json<Vec<UserOut>>> {
    let users = app::accounts::users(&state.observatory.store).await?;
    Ok(Json(users.into_iter().map(UserOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/users", security(("token" = [])), request_body = NewUserIn,
    responses((status = 201, body = UserOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_user(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Json(new): Json<NewUserIn>,
) -> Result<Response> {
    let role = role_of(&new.role, new.scope.as_deref())?;
    let user = app::accounts::add_user(&state.observatory, &account.name, &new.name, role, &new.password).await?;
    Ok((StatusCode::CREATED, Json(UserOut::from(user))).into_response())
}

#[utoipa::path(post, path = "/api/v1/users/{name}/disable", security(("token" = [])), params(("name" = String, Path, description = "the user's name")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn disable_user(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(name): Path<String>,
) -> Result<StatusCode> {
    app::accounts::set_disabled(&state.observatory.store, &account.name, &name, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{name}/enable", security(("token" = [])), params(("name" = String, Path, description = "the user's name")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn enable_user(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(name): Path<String>,
) -> Result<StatusCode> {
    app::accounts::set_disabled(&state.observatory.store, &account.name, &name, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An API token (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TokenOut {
    id: i64,
    user: String,
    label: String,
    role: String,
    scope: Option<String>,
    created_at: String,
    revoked_at: Option<String>,
}

/// A token to make.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NewTokenIn {
    user: String,
    label: String,
}

/// A token just made: its secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NewTokenOut {
    id: i64,
    secret: String,
}

#[utoipa::path(get, path = "/api/v1/tokens", security(("token" = [])), responses((status = 200, body = Vec<TokenOut>), (status = 403, body = ErrorBody)))]
pub(crate) async fn tokens(State(state): State<ServerState>) -> Result<Json<Vec<TokenOut>>> {
    let tokens = app::accounts::tokens(&state.observatory.store).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenOut {
                id: t.id,
                user: t.user,
                label: t.label,
                role: t.role,
                scope: t.scope,
                created_at: t.created_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/tokens", security(("token" = [])), request_body = NewTokenIn,
    responses((status = 201, body = NewTokenOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn create_token(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Json(new): Json<NewTokenIn>,
) -> Result<Response> {
    let token = app::accounts::create_token(&state.observatory.store, &account.name, &new.user, &new.label).await?;
    Ok((StatusCode::CREATED, Json(NewTokenOut { id: token.id, secret: token.secret })).into_response())
}

#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", security(("token" = [])), params(("id" = i64, Path, description = "the token's id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn revoke_token(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id: i64 = id.parse().map_err(|_| Failure::BadRequest("a token id is a whole number".to_owned()))?;
    app::accounts::revoke_token(&state.observatory.store, &account.name, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuditOut {
    id: i64,
    at: String,
    actor: String,
    action: String,
    detail: String,
    purpose: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit", security(("token" = [])),
    params(("actor" = Option<String>, Query, description = "only this actor's entries"), ("action" = Option<String>, Query, description = "only this action"), ("limit" = Option<i64>, Query, description = "at most this many, newest first (default 200)")),
    responses((status = 200, body = Vec<AuditOut>), (status = 403, body = ErrorBody)))]
pub(crate) async fn audit(
    State(state): State<ServerState>,
    _principal: Principal,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Vec<AuditOut>>> {
    let actor = query.actor.as_deref().filter(|s| !s.is_empty());
    let action = query.action.as_deref().filter(|s| !s.is_empty());
    let entries = app::accounts::audit_log(&state.observatory.store, actor, action, query.limit()).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditOut {
                id: e.id,
                at: e.at,
                actor: e.actor,
                action: e.action,
                detail: e.detail,
                purpose: e.purpose,
            })
            .collect(),
    ))
}
