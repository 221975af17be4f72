//! The access-control matrix: every route of the router × every kind of caller × the status it
//! must get. The routes come from `server::route_table()` (the list the router is built from); the
//! expectations are written here, independently of the server's own rules, so a new route
//! without an entry fails this test, and a route whose rule changes fails it too.
//!
//! Callers: each role, an agency submitter of another agency, an API token, a revoked token, an
//! expired session and no session. Each request is a probe: a state-changing request carries the
//! caller's CSRF token and a body that is empty or incomplete, so an allowed caller gets the
//! route's answer to that probe (often a 4xx for the missing input), and a refused caller 401,
//! 403 or, on a page, a redirect to the login form.

use axum::body::Body;
use axum::http::header;

use crate::support::{Harness, Session, request};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    ExpiredSession,
    RevokedToken,
    Administrator,
    Analyst,
    Reviewer,
    /// The police's submitter, whose file is staged in every `{id}` probe.
    Submitter,
    /// The NGO's submitter: another agency.
    OtherSubmitter,
    FocalPoint,
    /// An API token of the police's submitter.
    Token,
}

const CALLERS: [Caller; 10] = [
    Caller::Anonymous,
    Caller::ExpiredSession,
    Caller::RevokedToken,
    Caller::Administrator,
    Caller::Analyst,
    Caller::Reviewer,
    Caller::Submitter,
    Caller::OtherSubmitter,
    Caller::FocalPoint,
    Caller::Token,
];

/// Who a route lets in, as this test expects it.
#[derive(Debug, Clone, Copy)]
enum Who {
    Everyone,
    AnyAccount,
    /// Administrators, analysts and submitters (a submitter only for its own source).
    Submitters,
    Administrators,
    /// Analysts and reviewers.
    Reviewers,
    /// Analysts only.
    Analysts,
    /// States' focal points only.
    FocalPoints,
}

/// (method, path, who, status an allowed caller gets for the probe, status the other agency's
/// submitter gets where it differs because the staged file is not its own).
type Entry = (&'static str, &'static str, Who, u16, Option<u16>);

const EXPECTED: &[Entry] = &[
    ("GET", "/", Who::Everyone, 303, None),
    ("GET", "/dashboard", Who::Everyone, 200, None),
    ("GET", "/login", Who::Everyone, 200, None),
    // A signed-in caller's probe has no fields (422); without a session the login form's own
    // cookie is missing (403).
    ("POST", "/login", Who::Everyone, 422, None),
    ("POST", "/logout", Who::AnyAccount, 303, None),
    ("GET", "/submissions", Who::Submitters, 200, None),
    // No multipart body: 400.
    ("POST", "/submissions", Who::Submitters, 400, None),
    // The police's staged file: only its submitter sees it; anyone else is told it is not there.
    ("GET", "/submissions/{id}", Who::Submitters, 404, Some(404)),
    ("POST", "/submissions/{id}/commit", Who::Submitters, 404, Some(404)),
    ("POST", "/submissions/{id}/discard", Who::Submitters, 404, Some(404)),
    ("GET", "/quarantine", Who::Submitters, 200, None),
    ("GET", "/admin/users", Who::Administrators, 200, None),
    ("POST", "/admin/users", Who::Administrators, 422, None),
    ("POST", "/admin/users/{name}/disable", Who::Administrators, 404, None),
    ("POST", "/admin/users/{name}/enable", Who::Administrators, 404, None),
    ("GET", "/admin/tokens", Who::Administrators, 200, None),
    ("POST", "/admin/tokens", Who::Administrators, 422, None),
    ("POST", "/admin/tokens/{id}/revoke", Who::Administrators, 404, None),
    ("GET", "/admin/audit", Who::Administrators, 200, None),
    // No linkage has run in the matrix's observatory: the list is empty and item 999999 unknown.
    ("GET", "/review", Who::Reviewers, 200, None),
    ("GET", "/review/{id}", Who::Reviewers, 404, None),
    ("POST", "/review/{id}/identities", Who::Reviewers, 422, None),
    ("POST", "/review/{id}/decide", Who::Reviewers, 422, None),
    // A run is held in progress for the whole matrix: a start is refused (409).
    ("GET", "/run", Who::Analysts, 200, None),
    ("POST", "/run", Who::Analysts, 409, None),
    ("GET", "/estimates", Who::Everyone, 200, None),
    // The police's quarantine: the NGO's submitter may not download it.
    ("GET", "/quarantine/{source}/csv", Who::Submitters, 200, Some(403)),
    ("GET", "/questionnaire", Who::FocalPoints, 200, None),
    // No version in the probe's form: 400.
    ("POST", "/questionnaire", Who::FocalPoints, 400, None),
    ("GET", "/responses", Who::Analysts, 200, None),
    ("GET", "/responses/report", Who::Analysts, 200, None),
    ("GET", "/static/{file}", Who::Everyone, 200, None),
    ("GET", "/healthz", Who::Everyone, 200, None),
    ("GET", "/api/v1/openapi.json", Who::Everyone, 200, None),
    ("GET", "/api/v1/dashboard", Who::Everyone, 200, None),
    ("GET", "/api/v1/me", Who::AnyAccount, 200, None),
    ("GET", "/api/v1/run", Who::Analysts, 200, None),
    ("POST", "/api/v1/run", Who::Analysts, 409, None),
    ("GET", "/api/v1/estimates", Who::Everyone, 200, None),
    ("GET", "/api/v1/quarantine/{source}/csv", Who::Submitters, 200, Some(403)),
    ("GET", "/api/v1/questionnaire", Who::FocalPoints, 200, None),
    ("POST", "/api/v1/questionnaire", Who::FocalPoints, 422, None),
    ("GET", "/api/v1/responses", Who::Analysts, 200, None),
    ("GET", "/api/v1/submissions", Who::Submitters, 200, None),
    ("POST", "/api/v1/submissions", Who::Submitters, 400, None),
    ("GET", "/api/v1/submissions/{id}", Who::Submitters, 404, Some(404)),
    ("POST", "/api/v1/submissions/{id}/commit", Who::Submitters, 404, Some(404)),
    ("POST", "/api/v1/submissions/{id}/discard", Who::Submitters, 404, Some(404)),
    ("GET", "/api/v1/quarantine", Who::Submitters, 200, None),
    ("GET", "/api/v1/users", Who::Administrators, 200, None),
    ("POST", "/api/v1/users", Who::Administrators, 422, None),
    ("POST", "/api/v1/users/{name}/disable", Who::Administrators, 404, None),
    ("POST", "/api/v1/users/{name}/enable", Who::Administrators, 404, None),
    ("GET", "/api/v1/tokens", Who::Administrators, 200, None),
    ("POST", "/api/v1/tokens", Who::Administrators, 422, None),
    ("POST", "/api/v1/tokens/{id}/revoke", Who::Administrators, 404, None),
    ("GET", "/api/v1/audit", Who::Administrators, 200, None),
    ("GET", "/api/v1/review", Who::Reviewers, 200, None),
    ("GET", "/api/v1/review/{id}", Who::Reviewers, 404, None),
    ("POST", "/api/v1/review/{id}/identities", Who::Reviewers, 422, None),
    ("POST", "/api/v1/review/{id}/decide", Who::Reviewers, 422, None),
];

/// What the police's own submitter (by session or token) gets on its own staged file.
fn own_file_status(method: &str, path: &str) -> Option<u16> {
    match (method, path) {
        ("GET", "/submissions/{id}") | ("GET", "/api/v1/submissions/{id}") => Some(200),
        ("POST", "/submissions/{id}/commit") | ("POST", "/api/v1/submissions/{id}/commit") => Some(200),
        ("POST", "/submissions/{id}/discard") => Some(303),
        ("POST", "/api/v1/submissions/{id}/discard") => Some(204),
        _ => None,
    }
}

fn expected(entry: &Entry, caller: Caller) -> u16 {
    let (method, path, who, allowed, other_agency) = *entry;
    let is_api = path.starts_with("/api/");
    let unauthenticated = if is_api { 401 } else { 303 };
    // A bad bearer token is refused whatever the route.
    if caller == Caller::RevokedToken {
        return unauthenticated;
    }
    let signed_in = !matches!(caller, Caller::Anonymous | Caller::ExpiredSession);
    let role_ok = match who {
        Who::Everyone => true,
        Who::AnyAccount => signed_in,
        Who::Submitters => {
            matches!(
                caller,
                Caller::Administrator | Caller::Analyst | Caller::Submitter | Caller::OtherSubmitter | Caller::Token
            )
        }
        Who::Administrators => caller == Caller::Administrator,
        Who::Reviewers => matches!(caller, Caller::Analyst | Caller::Reviewer),
        Who::Analysts => caller == Caller::Analyst,
        Who::FocalPoints => caller == Caller::FocalPoint,
    };
    if !signed_in && !matches!(who, Who::Everyone) {
        return unauthenticated;
    }
    if !role_ok {
        return 403;
    }
    if (method, path) == ("POST", "/login") && !signed_in {
        return 403;
    }
    if matches!(caller, Caller::Submitter | Caller::Token)
        && let Some(status) = own_file_status(method, path)
    {
        return status;
    }
    if caller == Caller::OtherSubmitter
        && let Some(status) = other_agency
    {
        return status;
    }
    allowed
}

/// How a caller authenticates.
#[derive(Debug, Clone)]
enum Credential {
    None,
    Cookie(Session),
    Bearer(String),
}

async fn credential(harness: &Harness, caller: Caller, revoked: &str, police_token: &str) -> Credential {
    let user = match caller {
        Caller::Anonymous => return Credential::None,
        Caller::RevokedToken => return Credential::Bearer(revoked.to_owned()),
        Caller::Token => return Credential::Bearer(police_token.to_owned()),
        Caller::ExpiredSession => {
            // A session whose end has passed, as the store holds it.
            let secret = app::accounts::random_secret("").expect("secret");
            let store = &harness.observatory.store;
            let id = match app::accounts::login(store, "analyst", crate::support::PASSWORD).await.expect("login") {
                app::accounts::Login::Accepted(s) => s.account.id,
                other => panic!("{other:?}"),
            };
            store
                .create_session(&app::accounts::secret_hash(&secret), id, "csrf-of-expired", "2000-01-01T00:00:00Z")
                .await
                .expect("session");
            return Credential::Cookie(Session { cookie: secret, csrf: "csrf-of-expired".to_owned() });
        }
        Caller::Administrator => "admin",
        Caller::Analyst => "analyst",
        Caller::Reviewer => "reviewer",
        Caller::Submitter => "police_officer",
        Caller::OtherSubmitter => "ngo_officer",
        Caller::FocalPoint => "focal",
    };
    Credential::Cookie(harness.session(user).await)
}

/// Stages a police file (as the police's submitter) and returns its id.
async fn stage_police_file(harness: &Harness, account: &app::accounts::Account) -> String {
    let (name, bytes) = harness.source_file("police");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    app::submit::stage(&harness.observatory, account, "police", &name, &bytes, today).await.expect("stage").id
}

/// Runs the whole matrix on `harness`; returns the mismatches.
pub async fn run_matrix(harness: &Harness) -> Vec<String> {
    let store = &harness.observatory.store;
    let revoked = app::accounts::create_token(store, "test", "police_officer", "revoked").await.expect("token");
    app::accounts::revoke_token(store, "test", revoked.id).await.expect("revoke");
    let police_token =
        app::accounts::create_token(store, "test", "police_officer", "agency system").await.expect("token");

    let police = match app::accounts::login(store, "police_officer", crate::support::PASSWORD).await.expect("login") {
        app::accounts::Login::Accepted(s) => s.account,
        other => panic!("{other:?}"),
    };
    // A run in progress for the whole matrix (its heartbeat kept up), so that no probe starts one.
    let held = app::jobs::claim(store, app::jobs::RUN, "test", chrono::Utc::now()).await.expect("claim");
    let heart = {
        let observatory = harness.observatory.clone();
        tokio::spawn(async move {
            loop {
                let progress = app::jobs::JobProgress::default();
                let _ = app::jobs::heartbeat(&observatory.store, held.id, chrono::Utc::now(), &progress).await;
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
        })
    };
    let routes = server::route_table();
    let mut missing = Vec::new();
    for route in &routes {
        if !EXPECTED.iter().any(|e| e.0 == route.method && e.1 == route.path) {
            missing.push(format!("{} {}", route.method, route.path));
        }
    }
    assert!(missing.is_empty(), "routes without an entry in the access-control matrix: {missing:?}");
    for entry in EXPECTED {
        assert!(
            routes.iter().any(|r| r.method == entry.0 && r.path == entry.1),
            "the matrix names a route the router does not have: {} {}",
            entry.0,
            entry.1
        );
    }

    // One session per caller (signing in hashes a password: slow on purpose), except where the
    // probe ends the session.
    let mut credentials = Vec::new();
    for caller in CALLERS {
        credentials.push(credential(harness, caller, &revoked.secret, &police_token.secret).await);
    }
    let mut mismatches = Vec::new();
    for entry in EXPECTED {
        let (method, path, ..) = *entry;
        for (i, caller) in CALLERS.into_iter().enumerate() {
            let id = if path.contains("/submissions/{id}") {
                stage_police_file(harness, &police).await
            } else {
                "999999".into()
            };
            let uri = path
                .replace("{id}", &id)
                .replace("{name}", "nobody")
                .replace("{file}", "palermo.css")
                .replace("{source}", "police");
            let credential = if path == "/logout" {
                credential(harness, caller, &revoked.secret, &police_token.secret).await
            } else {
                credentials[i].clone()
            };
            let mut builder = request(method, &uri, None);
            match &credential {
                Credential::None => {}
                Credential::Cookie(session) => {
                    builder = builder.header(header::COOKIE, session.cookie_header());
                    if method == "POST" {
                        builder = builder.header(server::CSRF_HEADER, &session.csrf);
                    }
                }
                Credential::Bearer(secret) => {
                    builder = builder.header(header::AUTHORIZATION, format!("Bearer {secret}"));
                }
            }
            let body = if method == "POST" {
                if path.starts_with("/api/") {
                    builder = builder.header(header::CONTENT_TYPE, "application/json");
                    Body::from("{}")
                } else {
                    builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                    Body::empty()
                }
            } else {
                Body::empty()
            };
            let response = harness.send(builder.body(body).expect("request")).await;
            let want = expected(entry, caller);
            let got = response.status().as_u16();
            if got != want {
                let text = crate::support::body_text(response).await;
                let reason: String = text.chars().take(160).collect();
                mismatches.push(format!("{method} {path} as {caller:?}: got {got}, expected {want} ({reason})"));
            }
        }
    }
    heart.abort();
    mismatches
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_matrix_says_on_sqlite() {
    let harness = Harness::new(None).await;
    let mismatches = run_matrix(&harness).await;
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}
