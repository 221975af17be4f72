//! HTML to PDF by printing the page with headless Chromium: the reports are self-contained HTML
//! whose charts are drawn by JavaScript, so a browser is the one tool that prints them as seen.
//!
//! The browser is `PALERMO_CHROMIUM` when set, else the first of `chromium`, `chromium-browser`,
//! `google-chrome` on `PATH`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How Palermo runs Chromium: headless, no sandbox, no network of its own, with time for the
/// page's scripts (the charts) to draw.
pub const HEADLESS_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=10000",
];

/// Environment variable naming the browser to print with.
pub const BROWSER_ENV: &str = "PALERMO_CHROMIUM";
/// Browsers looked for on `PATH`, in order.
pub const BROWSERS: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// What can go wrong when printing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No browser was found.
    #[error(
        "printing to PDF needs headless Chromium, and none was found: set {BROWSER_ENV} to the browser's path, or install one of {} on PATH (Debian: apt-get install chromium)",
        BROWSERS.join(", ")
    )]
    NoBrowser,
    /// `PALERMO_CHROMIUM` names a file that does not exist.
    #[error("{BROWSER_ENV}={} does not exist", .0.display())]
    BrowserMissing(PathBuf),
    /// The browser could not be started.
    #[error("could not start {}: {source}", browser.display())]
    Start {
        /// The browser.
        browser: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The browser ran but wrote no PDF.
    #[error("{} did not print {} ({status}): {stderr}", browser.display(), page.display())]
    Failed {
        /// The browser.
        browser: PathBuf,
        /// The page.
        page: PathBuf,
        /// Its exit status.
        status: String,
        /// The last lines it printed.
        stderr: String,
    },
}

/// The browser to print with (see the module docs).
pub fn find_browser() -> Result<PathBuf, Error> {
    if let Some(path) = std::env::var_os(BROWSER_ENV).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() || which(&path).is_some() {
            Ok(which(&path).unwrap_or(path))
        } else {
            Err(Error::BrowserMissing(path))
        };
    }
    BROWSERS.iter().find_map(|name| which(Path::new(name))).ok_or(Error::NoBrowser)
}

/// A program name resolved on `PATH` (a path with a separator is taken as it is).
fn which(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_owned());
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// Prints the HTML page `html` to `pdf` (no browser header or footer), after giving its scripts
/// time to draw the charts. The paper is the page's: a CSS `@page { size: … }` rule, which the
/// report writes from `[report] paper` in `palermo.toml` (Chromium's own default is US Letter).
/// The dates the browser writes into the PDF are replaced by a fixed one, so that the same page
/// gives the same file.
pub fn print_to_pdf(html: &Path, pdf: &Path) -> crate::Result<()> {
    let browser = find_browser().map_err(crate::Error::Pdf)?;
    let page = std::path::absolute(html).map_err(|source| crate::Error::Io { path: html.to_owned(), source })?;
    let target = std::path::absolute(pdf).map_err(|source| crate::Error::Io { path: pdf.to_owned(), source })?;
    // A fresh profile per call: a shared one is locked by any other running browser.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let profile = std::env::temp_dir().join(format!(
        "palermo-chromium-{}-{}",
        std::process::id(),
        CALLS.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&target);
    let output = Command::new(&browser)
        .args(HEADLESS_FLAGS)
        .args(["--no-pdf-header-footer"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", target.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .output();
    let _ = std::fs::remove_dir_all(&profile);
    let output = output.map_err(|source| crate::Error::Pdf(Error::Start { browser: browser.clone(), source }))?;
    let written = std::fs::read(&target).ok().filter(|b| b.starts_with(b"%PDF"));
    let Some(mut bytes) = written else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        return Err(crate::Error::Pdf(Error::Failed {
            browser,
            page,
            status: output.status.to_string(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join(" / "),
        }));
    };
    fix_dates(&mut bytes);
    std::fs::write(&target, &bytes).map_err(|source| crate::Error::Io { path: target, source })
}

/// Replaces the digits of every `(D:YYYYMMDDHHMMSS` date by those of 1 January 2000, byte for
/// byte, so the file's cross-reference offsets stay valid.
fn fix_dates(bytes: &mut [u8]) {
    const FIXED: &[u8; 14] = b"20000101000000";
    let mut i = 0;
    while i + 3 + FIXED.len() <= bytes.len() {
        if &bytes[i..i + 3] == b"(D:" {
            let digits = &mut bytes[i + 3..i + 3 + FIXED.len()];
            if digits.iter().all(u8::is_ascii_digit) {
                digits.copy_from_slice(FIXED);
            }
            i += 3 + FIXED.len();
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_fixed_in_place() {
        let mut pdf = b"%PDF-1.4 /CreationDate (D:20261128190000+00'00') /ModDate (D:2026)".to_vec();
        let len = pdf.len();
        fix_dates(&mut pdf);
        assert_eq!(pdf.len(), len);
        assert_eq!(&pdf[..], &b"%PDF-1.4 /CreationDate (D:20000101000000+00'00') /ModDate (D:2026)"[..]);
    }
}
