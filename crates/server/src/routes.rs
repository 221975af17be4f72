//! Every route, declared once with who may call it. The router is built from this list, each
//! route wrapped in the check of its [`Access`]; the list itself ([`route_table`]) is what the
//! access-control matrix test and the OpenAPI comparison iterate over, so a route cannot be added
//! without being seen by both.

use app::accounts::RoleKind;
use axum::Router;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, get, post};

use crate::{ServerState, api, auth, pages, responses, review, work};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (the public: published figures only).
    Public,
    /// Any account.
    SignedIn,
    /// Accounts with one of these roles (a submitter further only for its own source).
    Roles(&'static [RoleKind]),
}

/// Who submits files: agencies' submitters (their own source), analysts and administrators.
pub const SUBMITTERS: &[RoleKind] = &[RoleKind::Administrator, RoleKind::Analyst, RoleKind::Submitter];
/// Who reviews the linkage (and may read identities for it, stating why).
pub const REVIEWERS: &[RoleKind] = &[RoleKind::Analyst, RoleKind::Reviewer];
/// Who runs the pipeline.
pub const ANALYSTS: &[RoleKind] = &[RoleKind::Analyst];
/// Who answers a State's questionnaire.
pub const FOCAL_POINTS: &[RoleKind] = &[RoleKind::FocalPoint];
/// Who manages accounts and reads the audit log.
pub const ADMINISTRATORS: &[RoleKind] = &[RoleKind::Administrator];

/// One route: method, path template (axum syntax) and access rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

struct Routes {
    router: Router<ServerState>,
    table: Vec<RouteInfo>,
}

impl Routes {
    fn add(mut self, method: Method, path: &'static str, access: Access, handler: MethodRouter<ServerState>) -> Self {
        let method_name = match method {
            Method::GET => "GET",
            Method::POST => "POST",
            _ => "OTHER",
        };
        self.table.push(RouteInfo { method: method_name, path, access });
        self.router = self.router.route(path, handler.route_layer(from_fn_with_state(access, auth::check_access)));
        self
    }
}

/// The router (without its global layers and state) and the list of its routes.
pub(crate) fn build() -> (Router<ServerState>, Vec<RouteInfo>) {
    use Access::{Public, Roles, SignedIn};
    let (get_, post_) = (Method::GET, Method::POST);
    let routes = Routes { router: Router::new(), table: Vec::new() }
        // Pages.
        .add(get_.clone(), "/", Public, get(pages::root))
        .add(get_.clone(), "/dashboard", Public, get(pages::dashboard))
        .add(get_.clone(), "/login", Public, get(pages::login_form))
        .add(post_.clone(), "/login", Public, post(pages::login))
        .add(post_.clone(), "/logout", SignedIn, post(pages::logout))
        .add(get_.clone(), "/submissions", Roles(SUBMITTERS), get(pages::submissions))
        .add(post_.clone(), "/submissions", Roles(SUBMITTERS), post(pages::upload))
        .add(get_.clone(), "/submissions/{id}", Roles(SUBMITTERS), get(pages::staged))
        .add(post_.clone(), "/submissions/{id}/commit", Roles(SUBMITTERS), post(pages::commit))
        .add(post_.clone(), "/submissions/{id}/discard", Roles(SUBMITTERS), post(pages::discard))
        .add(get_.clone(), "/quarantine", Roles(SUBMITTERS), get(pages::quarantine))
        .add(get_.clone(), "/admin/users", Roles(ADMINISTRATORS), get(pages::users))
        .add(post_.clone(), "/admin/users", Roles(ADMINISTRATORS), post(pages::add_user))
        .add(post_.clone(), "/admin/users/{name}/disable", Roles(ADMINISTRATORS), post(pages::disable_user))
        .add(post_.clone(), "/admin/users/{name}/enable", Roles(ADMINISTRATORS), post(pages::enable_user))
        .add(get_.clone(), "/admin/tokens", Roles(ADMINISTRATORS), get(pages::tokens))
        .add(post_.clone(), "/admin/tokens", Roles(ADMINISTRATORS), post(pages::create_token))
        .add(post_.clone(), "/admin/tokens/{id}/revoke", Roles(ADMINISTRATORS), post(pages::revoke_token))
        .add(get_.clone(), "/admin/audit", Roles(ADMINISTRATORS), get(pages::audit))
        .add(get_.clone(), "/review", Roles(REVIEWERS), get(review::list_page))
        .add(get_.clone(), "/review/{id}", Roles(REVIEWERS), get(review::item_page))
        .add(post_.clone(), "/review/{id}/identities", Roles(REVIEWERS), post(review::identities_page))
        .add(post_.clone(), "/review/{id}/decide", Roles(REVIEWERS), post(review::decide_page))
        .add(get_.clone(), "/run", Roles(ANALYSTS), get(work::run_page))
        .add(post_.clone(), "/run", Roles(ANALYSTS), post(work::start_run_page))
        .add(get_.clone(), "/estimates", Public, get(work::estimates_page))
        .add(get_.clone(), "/quarantine/{source}/csv", Roles(SUBMITTERS), get(responses::quarantine_csv_page))
        .add(get_.clone(), "/questionnaire", Roles(FOCAL_POINTS), get(responses::questionnaire_page))
        .add(post_.clone(), "/questionnaire", Roles(FOCAL_POINTS), post(responses::save_questionnaire_page))
        .add(get_.clone(), "/responses", Roles(ANALYSTS), get(responses::responses_page))
        .add(get_.clone(), "/responses/report", Roles(ANALYSTS), get(responses::responses_report))
        .add(get_.clone(), "/static/{file}", Public, get(pages::static_file))
        .add(get_.clone(), "/healthz", Public, get(pages::health))
        // JSON API.
        .add(get_.clone(), "/api/v1/openapi.json", Public, get(api::openapi))
        .add(get_.clone(), "/api/v1/dashboard", Public, get(api::dashboard))
        .add(get_.clone(), "/api/v1/me", SignedIn, get(api::me))
        .add(get_.clone(), "/api/v1/run", Roles(ANALYSTS), get(work::run_status_api))
        .add(post_.clone(), "/api/v1/run", Roles(ANALYSTS), post(work::start_run_api))
        .add(get_.clone(), "/api/v1/estimates", Public, get(work::estimates_api))
        .add(get_.clone(), "/api/v1/quarantine/{source}/csv", Roles(SUBMITTERS), get(responses::quarantine_csv_api))
        .add(get_.clone(), "/api/v1/questionnaire", Roles(FOCAL_POINTS), get(responses::questionnaire_api))
        .add(post_.clone(), "/api/v1/questionnaire", Roles(FOCAL_POINTS), post(responses::save_questionnaire_api))
        .add(get_.clone(), "/api/v1/responses", Roles(ANALYSTS), get(responses::responses_api))
        .add(get_.clone(), "/api/v1/submissions", Roles(SUBMITTERS), get(api::submissions))
        .add(post_.clone(), "/api/v1/submissions", Roles(SUBMITTERS), post(api::upload))
        .add(get_.clone(), "/api/v1/submissions/{id}", Roles(SUBMITTERS), get(api::staged))
        .add(post_.clone(), "/api/v1/submissions/{id}/commit", Roles(SUBMITTERS), post(api::commit))
        .add(post_.clone(), "/api/v1/submissions/{id}/discard", Roles(SUBMITTERS), post(api::discard))
        .add(get_.clone(), "/api/v1/quarantine", Roles(SUBMITTERS), get(api::quarantine))
        .add(get_.clone(), "/api/v1/users", Roles(ADMINISTRATORS), get(api::users))
        .add(post_.clone(), "/api/v1/users", Roles(ADMINISTRATORS), post(api::add_user))
        .add(post_.clone(), "/api/v1/users/{name}/disable", Roles(ADMINISTRATORS), post(api::disable_user))
        .add(post_.clone(), "/api/v1/users/{name}/enable", Roles(ADMINISTRATORS), post(api::enable_user))
        .add(get_.clone(), "/api/v1/tokens", Roles(ADMINISTRATORS), get(api::tokens))
        .add(post_.clone(), "/api/v1/tokens", Roles(ADMINISTRATORS), post(api::create_token))
        .add(post_.clone(), "/api/v1/tokens/{id}/revoke", Roles(ADMINISTRATORS), post(api::revoke_token))
        .add(get_.clone(), "/api/v1/review", Roles(REVIEWERS), get(review::list_api))
        .add(get_.clone(), "/api/v1/review/{id}", Roles(REVIEWERS), get(review::item_api))
        .add(post_.clone(), "/api/v1/review/{id}/identities", Roles(REVIEWERS), post(review::identities_api))
        .add(post_.clone(), "/api/v1/review/{id}/decide", Roles(REVIEWERS), post(review::decide_api))
        .add(get_, "/api/v1/audit", Roles(ADMINISTRATORS), get(api::audit));
    (routes.router, routes.table)
}

/// Every route of the application: method, path template and access rule.
pub fn route_table() -> Vec<RouteInfo> {
    build().1
}
