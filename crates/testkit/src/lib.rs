//! What Palermo's test suites share: how a check that cannot run here says so.
//!
//! A test that needs something the machine may lack (the public datasets in `../shared`,
//! PostgreSQL, Chromium) calls [`skip`] when it is missing. Under `CI=true` that fails the test:
//! CI must run every check. Elsewhere the test returns early, and the skip is written to stderr
//! and, when `PALERMO_SKIPPED` names a file, appended to it (one line: test, reason), so that
//! `scripts/test.sh` ends by saying how many checks could not run and why, instead of hiding them
//! in the output of passing tests.
//!
//! [`browser`] opens the report in headless Chromium for the suites that check it as drawn and
//! printed; [`webdriver`] drives the web application in headless Chromium through chromedriver.

pub mod browser;
pub mod webdriver;

use std::fmt::Display;
use std::io::Write;

/// Records that the current test cannot run its check because `what` is missing (`reason`
/// says why and how to get it). Panics under `CI=true`.
pub fn skip(what: &str, reason: impl Display) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{what} is required under CI=true: {reason}");
    }
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    eprintln!("skipped: {test}: {what} missing ({reason})");
    if let Some(path) = std::env::var_os("PALERMO_SKIPPED") {
        let line = format!("{test}\t{what}\n");
        // One short write with O_APPEND: lines from tests running in parallel do not interleave.
        let written = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("could not record the skip in {}: {e}", std::path::Path::new(&path).display());
        }
    }
}
