//! `palermo serve`: the observatory as a web application and a JSON API, over the same `app`
//! functions the CLI calls. Only this crate knows HTTP.
//!
//! - Every route is declared once in [`routes`], with who may call it ([`Access`]); the router,
//!   the access check, the access-control matrix test and the OpenAPI comparison all read that
//!   one table.
//! - Who calls: a session cookie (`__Host-palermo_session`: Secure, HttpOnly, SameSite=Strict) or
//!   an API token (`Authorization: Bearer plm_…`). Sessions, tokens, login throttling and staged
//!   uploads live in the database, so several instances on one PostgreSQL serve one observatory;
//!   the server keeps nothing in memory that another instance would need.
//! - Every state-changing request made with a session carries the session's CSRF token (a form's
//!   `csrf` field or the `X-CSRF-Token` header); the login form carries the one of its own cookie.
//! - Every response carries a strict Content-Security-Policy (no inline script; `frame-ancestors
//!   'none'`) and the usual hardening headers; a request body is limited (`--max-upload-mib`) and
//!   a larger one is answered 413 with the limit named; malformed input gets a 4xx with a reason;
//!   an internal error is logged (never a person's data) and answered without details.
//! - Logs name the route's template (`/submissions/{id}`), never the URL's values or a body.
//!
//! ```no_run
//! # async fn example(observatory: app::Observatory) -> Result<(), server::Error> {
//! let config = server::Config { addr: "127.0.0.1:8080".parse().expect("address"), max_upload_bytes: 64 << 20 };
//! server::serve(observatory, config, server::shutdown_signal()).await
//! # }
//! ```

mod api;
mod auth;
mod error;
mod pages;
mod responses;
mod review;
mod routes;
mod security;
mod work;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

pub use api::openapi_json;
pub use auth::{CSRF_HEADER, LOGIN_COOKIE, SESSION_COOKIE};
pub use error::Failure;
pub use routes::{Access, RouteInfo, route_table};

/// Server errors (starting and stopping; a request's failures are [`Failure`]s).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("serving: {0}")]
    Serve(#[source] std::io::Error),
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (default 127.0.0.1:8080: put a TLS-terminating proxy in front for others).
    pub addr: SocketAddr,
    /// The largest request body accepted, uploads included.
    pub max_upload_bytes: usize,
}

/// What every handler shares: the observatory (its folder, settings and database pool) and the
/// configuration. Nothing here changes while serving.
#[derive(Debug, Clone)]
pub struct ServerState {
    pub(crate) observatory: Arc<app::Observatory>,
    pub(crate) max_upload_bytes: usize,
}

impl ServerState {
    pub fn new(observatory: Arc<app::Observatory>, max_upload_bytes: usize) -> ServerState {
        ServerState { observatory, max_upload_bytes }
    }
}

/// The whole application as a router, for [`serve`] or for tests (`app(state).oneshot(request)`).
pub fn app(state: ServerState) -> axum::Router {
    let (router, _) = routes::build();
    security::layers(router, &state).with_state(state)
}

/// Serves until `shutdown` completes, then lets the requests in flight finish (an import commits
/// or rolls back as a whole) and closes the database.
pub async fn serve(
    observatory: app::Observatory,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let observatory = Arc::new(observatory);
    let state = ServerState::new(observatory.clone(), config.max_upload_bytes);
    let listener =
        tokio::net::TcpListener::bind(config.addr).await.map_err(|source| Error::Bind { addr: config.addr, source })?;
    let addr = listener.local_addr().unwrap_or(config.addr);
    tracing::info!(%addr, "serving the observatory");
    eprintln!("serving on http://{addr}/ (Ctrl-C stops)");
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await.map_err(Error::Serve)?;
    observatory.store.close().await;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    eprintln!("stopping: finishing the requests in flight");
}

/// Today's date, for validation (as the CLI's).
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}
