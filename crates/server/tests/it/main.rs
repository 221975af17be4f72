//! The web application in process: every request goes through the whole router
//! (`server::app(state).oneshot(request)`), with its layers, on a small demo observatory in SQLite
//! and, where the server at 127.0.0.1:5432 is reachable, in PostgreSQL.

mod a11y;
mod browser;
mod flow;
mod jobs;
mod matrix;
mod openapi;
mod postgres;
mod responses;
mod security;
mod support;
