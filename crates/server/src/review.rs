//! The linkage review, in pages and in the API: the last linkage's review list, an item's records
//! side by side with each field's comparison level and weight, the records' identities only after
//! the reviewer states a purpose (an audited read, by POST so that nothing lands in a URL), and
//! the decision (match or distinct) that the next run applies.
//!
//! Reviewers and analysts review; administrators manage accounts and do not read identities.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ServerState;
use crate::auth::Signed;
use crate::error::{Failure, Result};

fn item_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Failure::BadRequest("a review item's id is a whole number".to_owned()))
}

async fn listed(state: &ServerState, id: i64) -> Result<app::review::ListedItem> {
    app::review::item(&state.observatory, id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no review item {id} in the last linkage's review list")))
}

fn verdict_of(text: &str) -> Result<app::review::Verdict> {
    match text {
        "match" => Ok(app::review::Verdict::Match),
        "distinct" => Ok(app::review::Verdict::Distinct),
        _ => Err(Failure::BadRequest("a verdict is `match` or `distinct`".to_owned())),
    }
}

fn csrf_field(principal: &crate::auth::Principal) -> Markup {
    html! { input type="hidden" name="csrf" value=(principal.csrf().unwrap_or_default()); }
}

pub(crate) async fn list_page(State(state): State<ServerState>, Signed(_, principal): Signed) -> Result<Response> {
    let listing = app::review::list(&state.observatory, false, "").await?;
    let body = html! {
        @if listing.last_run.is_none() { p id="no-linkage" { "No linkage has run yet: an analyst runs the pipeline first." } }
        table id="review-items" {
            caption { "Borderline pairs and unstable persons of the last linkage (no names)" }
            thead { tr { th scope="col" { "Item" } th scope="col" { "Kind" } th scope="col" { "Records (source)" } th scope="col" { "Match probability" } th scope="col" { "Linked" } th scope="col" { "Decision" } } }
            tbody {
                @for i in &listing.items {
                    tr {
                        td { a href=(format!("/review/{}", i.item.id)) id=(format!("review-item-{}", i.item.id)) { "item " (i.item.id) } }
                        td { (format!("{:?}", i.item.kind).to_lowercase()) }
                        td { @for (id, source, _) in &i.item.records { (id) " (" (source) ") " } }
                        td { (i.item.match_probability.map_or("-".to_owned(), |p| format!("{p:.3}"))) }
                        td { @if i.item.linked { "yes" } @else { "no" } }
                        td { (i.decision.map_or("-", |v| v.code())) }
                    }
                }
            }
        }
    };
    Ok(crate::pages::page(crate::pages::layout("Review", &principal, body)))
}

fn item_body(
    principal: &crate::auth::Principal,
    listed: &app::review::ListedItem,
    identities: Option<&[app::review::Identity]>,
) -> Markup {
    let item = &listed.item;
    html! {
        p id="review-summary" {
            "Match probability " (item.match_probability.map_or("-".to_owned(), |p| format!("{p:.3}")))
            "; the linkage " @if item.linked { "joined" } @else { "kept apart" } " these records; decision in force: "
            strong id="review-decision" { (listed.decision.map_or("none", |v| v.code())) } "."
        }
        table id="review-records" {
            caption { "The records side by side" @if identities.is_some() { " (identities shown: this read is in the audit log)" } }
            thead { tr { th scope="col" { "" } @for (id, _, _) in &item.records { th scope="col" { "record " (id) } } } }
            tbody {
                tr { th scope="row" { "Source" } @for (_, source, _) in &item.records { td { (source) } } }
                tr { th scope="row" { "Agency's id" } @for (_, _, source_id) in &item.records { td { (source_id) } } }
                @if let Some(identities) = identities {
                    @let of = |id: i64| identities.iter().find(|i| i.record_id == id);
                    tr { th scope="row" { "Given name" } @for (id, _, _) in &item.records { td { (of(*id).map_or("", |i| i.given_name.as_str())) } } }
                    tr { th scope="row" { "Family name" } @for (id, _, _) in &item.records { td { (of(*id).map_or("", |i| i.family_name.as_str())) } } }
                    tr { th scope="row" { "Date of birth" } @for (id, _, _) in &item.records { td { (of(*id).map_or("", |i| i.date_of_birth.as_str())) } } }
                    tr { th scope="row" { "Place of birth" } @for (id, _, _) in &item.records { td { (of(*id).map_or("", |i| i.place_of_birth.as_str())) } } }
                    tr { th scope="row" { "Document number" } @for (id, _, _) in &item.records { td { (of(*id).map_or("", |i| i.document_number.as_str())) } } }
                }
            }
        }
        table id="review-fields" {
            caption { "Why the pair scored as it did" }
            thead { tr { th scope="col" { "Field" } th scope="col" { "Comparison" } th scope="col" { "Weight (bits)" } } }
            tbody { @for f in &item.fields { tr { td { (f.field) } td { (f.level_label) } td { (format!("{:+.2}", f.weight)) } } } }
        }
        @if identities.is_none() {
            form id="show-identities" method="post" action=(format!("/review/{}/identities", item.id)) {
                (csrf_field(principal))
                p { label for="identities-purpose" { "Why you need to see the names and birth dates (kept in the audit log)" } input id="identities-purpose" name="purpose" type="text" required maxlength="200"; }
                p { button type="submit" id="identities-submit" { "Show identities" } }
            }
        }
        form id="decide" method="post" action=(format!("/review/{}/decide", item.id)) {
            (csrf_field(principal))
            fieldset {
                legend { "Your decision (the next run applies it)" }
                p { input type="radio" id="verdict-match" name="verdict" value="match" required; label for="verdict-match" { "Match: the same person" } }
                p { input type="radio" id="verdict-distinct" name="verdict" value="distinct"; label for="verdict-distinct" { "Distinct: different persons" } }
            }
            p { button type="submit" id="decide-submit" { "Record the decision" } }
        }
    }
}

pub(crate) async fn item_page(
    State(state): State<ServerState>,
    Signed(_, principal): Signed,
    Path(id): Path<String>,
) -> Result<Response> {
    let listed = listed(&state, item_id(&id)?).await?;
    let title = format!("Review item {}", listed.item.id);
    Ok(crate::pages::page(crate::pages::layout(&title, &principal, item_body(&principal, &listed, None))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PurposeIn {
    /// Why the reviewer needs the identities (1 to 200 characters; kept in the audit log).
    purpose: String,
}

pub(crate) async fn identities_page(
    State(state): State<ServerState>,
    Signed(account, principal): Signed,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<PurposeIn>,
) -> Result<Response> {
    let id = item_id(&id)?;
    let listed = listed(&state, id).await?;
    let identities = app::review::item_identities(&state.observatory, id, &account.name, &form.purpose)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no review item {id}")))?;
    let title = format!("Review item {id}");
    let mut response =
        crate::pages::page(crate::pages::layout(&title, &principal, item_body(&principal, &listed, Some(&identities))));
    response.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct VerdictIn {
    /// `match` or `distinct`.
    verdict: String,
}

pub(crate) async fn decide_page(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<VerdictIn>,
) -> Result<Response> {
    let id = item_id(&id)?;
    let verdict = verdict_of(&form.verdict)?;
    listed(&state, id).await?;
    app::review::decide(&state.observatory, id, verdict, &account.name).await?;
    Ok(Redirect::to(&format!("/review/{id}")).into_response())
}

/// A review item, without identities.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReviewItemOut {
    id: i64,
    /// pair or cluster.
    kind: String,
    records: Vec<ReviewRecordOut>,
    match_probability: Option<f64>,
    linked: bool,
    /// The decision in force: match, distinct or none.
    decision: Option<String>,
    fields: Vec<ReviewFieldOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReviewRecordOut {
    record: i64,
    source: String,
    source_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReviewFieldOut {
    field: String,
    level: String,
    weight: f64,
}

impl From<app::review::ListedItem> for ReviewItemOut {
    fn from(listed: app::review::ListedItem) -> Self {
        let item = listed.item;
        ReviewItemOut {
            id: item.id,
            kind: format!("{:?}", item.kind).to_lowercase(),
            records: item
                .records
                .into_iter()
                .map(|(record, source, source_id)| ReviewRecordOut { record, source, source_id })
                .collect(),
            match_probability: item.match_probability,
            linked: item.linked,
            decision: listed.decision.map(|v| v.code().to_owned()),
            fields: item
                .fields
                .into_iter()
                .map(|f| ReviewFieldOut { field: f.field, level: f.level_label, weight: f.weight })
                .collect(),
        }
    }
}

/// A record's identifying fields.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IdentityOut {
    record: i64,
    given_name: String,
    family_name: String,
    date_of_birth: String,
    place_of_birth: String,
    document_number: String,
}

/// The review list of the last linkage (no identities).
#[utoipa::path(get, path = "/api/v1/review", security(("token" = [])), responses((status = 200, body = Vec<ReviewItemOut>), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn list_api(State(state): State<ServerState>) -> Result<Json<Vec<ReviewItemOut>>> {
    let listing = app::review::list(&state.observatory, false, "").await?;
    Ok(Json(listing.items.into_iter().map(ReviewItemOut::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/review/{id}", security(("token" = [])), params(("id" = i64, Path, description = "the review item")),
    responses((status = 200, body = ReviewItemOut), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn item_api(State(state): State<ServerState>, Path(id): Path<String>) -> Result<Json<ReviewItemOut>> {
    Ok(Json(listed(&state, item_id(&id)?).await?.into()))
}

/// The identities of an item's records, after the stated purpose is written to the audit log.
#[utoipa::path(post, path = "/api/v1/review/{id}/identities", security(("token" = [])), params(("id" = i64, Path, description = "the review item")),
    request_body = PurposeIn,
    responses((status = 200, body = Vec<IdentityOut>), (status = 400, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn identities_api(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(id): Path<String>,
    Json(body): Json<PurposeIn>,
) -> Result<Json<Vec<IdentityOut>>> {
    let id = item_id(&id)?;
    let identities = app::review::item_identities(&state.observatory, id, &account.name, &body.purpose)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no review item {id} in the last linkage's review list")))?;
    Ok(Json(
        identities
            .into_iter()
            .map(|i| IdentityOut {
                record: i.record_id,
                given_name: i.given_name,
                family_name: i.family_name,
                date_of_birth: i.date_of_birth,
                place_of_birth: i.place_of_birth,
                document_number: i.document_number,
            })
            .collect(),
    ))
}

/// Records a decision on an item; the next run applies it.
#[utoipa::path(post, path = "/api/v1/review/{id}/decide", security(("token" = [])), params(("id" = i64, Path, description = "the review item")),
    request_body = VerdictIn,
    responses((status = 200, body = ReviewItemOut), (status = 400, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn decide_api(
    State(state): State<ServerState>,
    Signed(account, _): Signed,
    Path(id): Path<String>,
    Json(body): Json<VerdictIn>,
) -> Result<Json<ReviewItemOut>> {
    let id = item_id(&id)?;
    let verdict = verdict_of(&body.verdict)?;
    listed(&state, id).await?;
    app::review::decide(&state.observatory, id, verdict, &account.name).await?;
    Ok(Json(listed(&state, id).await?.into()))
}
