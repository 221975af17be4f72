//! Integration tests for the report renderer: the HTML it writes (determinism, escaping,
//! validation) and what a real browser makes of it (headless Chromium draws every chart).

mod browser;
mod html;
mod sample;
