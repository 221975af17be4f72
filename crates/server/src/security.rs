//! The layers around every route: security headers, the request body limit, authentication, the
//! shaping of every error (JSON under `/api/`, a page elsewhere, a clear 413) and the request log
//! (method, route template, status, duration: never a URL's values, a body or a person's data).

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{ServerState, auth, pages};

/// The policy of every page but the dashboard: scripts, styles and images from this server only,
/// no inline script, no plug-ins, no framing, forms post here only.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The dashboard's policy: the same, except that Vega compiles its expressions with `Function`
/// ('unsafe-eval') and styles the SVG it draws ('unsafe-inline' styles; still no inline script).
pub(crate) const CHART_CSP: &str = "default-src 'none'; script-src 'self' 'unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Wraps the routes in the global layers.
pub(crate) fn layers(router: Router<ServerState>, state: &ServerState) -> Router<ServerState> {
    let limit = state.max_upload_bytes;
    router
        .fallback(pages::not_found)
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(from_fn_with_state(limit, shape_errors))
        .layer(from_fn(log_request))
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .layer(header_layer(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        .layer(header_layer(HeaderName::from_static("cross-origin-resource-policy"), "same-origin"))
        .layer(header_layer(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"))
        .layer(header_layer(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"))
        .layer(header_layer(header::CACHE_CONTROL, "no-store"))
}

/// Logs each request by its route template, never its URL.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or("(no route)", |m| m.as_str()).to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %route, status, ms, "request");
    } else {
        tracing::info!(%method, %route, status, ms, "request");
    }
    response
}

/// The largest error text carried over into a shaped error.
const MAX_REASON_BYTES: usize = 4096;

/// Gives every error response a reason in the caller's format: `{"error": …}` under `/api/`, a
/// page elsewhere; a page that needs a session sends the browser to the login form; a body over
/// the limit is named as such.
async fn shape_errors(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_shaped = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if is_shaped {
        return response;
    }
    let reason = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "the request is larger than this server accepts ({} MiB): send a smaller file or ask the administrator to raise --max-upload-mib",
            limit >> 20
        )
    } else if status == StatusCode::INTERNAL_SERVER_ERROR {
        "internal error (logged): the request could not be completed".to_owned()
    } else {
        let bytes = axum::body::to_bytes(response.into_body(), MAX_REASON_BYTES).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).trim().to_owned();
        if text.is_empty() { status.canonical_reason().unwrap_or("error").to_lowercase() } else { text }
    };
    if is_api {
        let body = serde_json::json!({ "error": reason, "status": status.as_u16() });
        return (status, axum::Json(body)).into_response();
    }
    if status == StatusCode::UNAUTHORIZED {
        return Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, "/login")
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::SEE_OTHER.into_response());
    }
    (status, pages::error_page(status, &reason)).into_response()
}
