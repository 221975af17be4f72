//! Who is calling, whether they may, and whether a form really came from our page.
//!
//! [`authenticate`] runs on every request: an `Authorization: Bearer` API token or the session
//! cookie gives the account; an expired session, a revoked token or a disabled account gives
//! none. [`check_access`] runs on every route with the route's [`Access`]: no account where one
//! is needed is 401, the wrong role 403; then, for a request that changes something and was made
//! with a session (or is the login form), the CSRF token must match.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::ServerState;
use crate::error::Failure;
use crate::routes::Access;
use app::accounts::Account;

/// The session cookie: `__Host-` so that it is only ever set Secure, for `/`, by this host.
pub const SESSION_COOKIE: &str = "__Host-palermo_session";
/// The login form's CSRF cookie (double submit: the form's `csrf` field must equal it).
pub const LOGIN_COOKIE: &str = "__Host-palermo_login";
/// The header a script or API client sends the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who it is.
#[derive(Debug, Clone)]
pub(crate) enum Via {
    Anonymous,
    Session { secret: String, csrf: String },
    Token,
}

/// The caller: an account or none.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub account: Option<Account>,
    pub via: Via,
}

impl Principal {
    /// The CSRF token a form of this page must carry.
    pub fn csrf(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf, .. } => Some(csrf),
            _ => None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Principal>().cloned().unwrap_or(Principal { account: None, via: Via::Anonymous }))
    }
}

/// A caller with an account (routes whose [`Access`] needs one).
#[derive(Debug, Clone)]
pub(crate) struct Signed(pub Account, pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        match principal.account.clone() {
            Some(account) => Ok(Signed(account, principal)),
            None => Err(Failure::Unauthenticated),
        }
    }
}

/// The value of cookie `name`, if the request has it.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// Finds the caller and puts a [`Principal`] into the request.
pub(crate) async fn authenticate(State(state): State<ServerState>, mut request: Request, next: Next) -> Response {
    let store = &state.observatory.store;
    let headers = request.headers();
    let principal = if let Some(secret) = bearer(headers) {
        match app::accounts::token_account(store, secret).await {
            Ok(Some(account)) => Principal { account: Some(account), via: Via::Token },
            Ok(None) => return Failure::Unauthenticated.into_response(),
            Err(e) => return Failure::from(e).into_response(),
        }
    } else if let Some(secret) = cookie(headers, SESSION_COOKIE) {
        match app::accounts::session(store, secret).await {
            Ok(Some((account, csrf))) => {
                Principal { account: Some(account), via: Via::Session { secret: secret.to_owned(), csrf } }
            }
            // An expired or closed session is no session (the page offers the login again).
            Ok(None) => Principal { account: None, via: Via::Anonymous },
            Err(e) => return Failure::from(e).into_response(),
        }
    } else {
        Principal { account: None, via: Via::Anonymous }
    };
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// Compares two tokens in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The route's access rule, then the CSRF token of a state-changing request.
pub(crate) async fn check_access(State(access): State<Access>, request: Request, next: Next) -> Response {
    let principal = request.extensions().get::<Principal>().cloned();
    let account = principal.as_ref().and_then(|p| p.account.as_ref());
    match (access, account) {
        (Access::Public, _) => {}
        (_, None) => return Failure::Unauthenticated.into_response(),
        (Access::SignedIn, Some(_)) => {}
        (Access::Roles(roles), Some(account)) => {
            if !roles.contains(&account.role.kind()) {
                return Failure::Forbidden(format!(
                    "a {} may not do this",
                    account.role.kind().code().replace('_', " ")
                ))
                .into_response();
            }
        }
    }
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let expected = match principal.map(|p| p.via) {
        Some(Via::Token) => return next.run(request).await,
        Some(Via::Session { csrf, .. }) => Some(csrf),
        _ => cookie(request.headers(), LOGIN_COOKIE).map(str::to_owned),
    };
    let Some(expected) = expected else {
        return csrf_refused();
    };
    if let Some(presented) = request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if same_token(presented, &expected) { next.run(request).await } else { csrf_refused() };
    }
    // A form: read its `csrf` field, then hand the body on unchanged.
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let presented = form_field(content_type, &bytes, "csrf").await;
    if !presented.is_some_and(|p| same_token(&p, &expected)) {
        return csrf_refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn csrf_refused() -> Response {
    Failure::Forbidden(
        "this form's security token is missing or out of date: reload the page and send it again".to_owned(),
    )
    .into_response()
}

/// A text field of an URL-encoded or multipart form.
async fn form_field(content_type: &str, bytes: &axum::body::Bytes, name: &str) -> Option<String> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> = serde_urlencoded_pairs(bytes)?;
        return pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v);
    }
    if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(content_type).ok()?;
        let data = bytes.clone();
        let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(data) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        while let Ok(Some(field)) = multipart.next_field().await {
            if field.name() == Some(name) {
                return field.text().await.ok();
            }
        }
    }
    None
}

fn serde_urlencoded_pairs(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    serde_urlencoded::from_bytes(bytes).ok()
}

/// The `Set-Cookie` value of a session cookie (or of its removal, with `None`).
pub(crate) fn session_cookie(secret: Option<&str>) -> String {
    match secret {
        Some(secret) => format!(
            "{SESSION_COOKIE}={secret}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
            app::accounts::SESSION_HOURS * 3600
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"),
    }
}

/// The `Set-Cookie` value of the login form's CSRF cookie.
pub(crate) fn login_cookie(token: &str) -> String {
    format!("{LOGIN_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600")
}
