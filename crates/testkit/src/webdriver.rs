//! The web application driven in real headless Chromium, for the server's suite: a small
//! WebDriver client (W3C WebDriver, JSON over HTTP) talking to Debian's `chromedriver` on
//! 127.0.0.1.
//!
//! Written on std's TCP and `serde_json` rather than a WebDriver crate: the protocol's few calls
//! a test needs (open a page, find, click, type, run a script, take a screenshot) are a page of
//! code, and `fantoccini` with its default features off still added 31 crates to the lock file
//! (a second `http`, `thiserror` 1, `time`, `icu_segmenter` and its data).
//!
//! [`Driver::start`] starts chromedriver on a free port; [`Driver::browser`] opens a Chromium
//! (fresh profile, headless, no sandbox: CI runs as root) that closes when dropped;
//! [`Browser::axe`] runs axe-core's accessibility rules on the page shown. Missing tools are
//! reported with [`crate::skip`] by [`chromedriver`], [`axe`] and [`crate::browser::chromium`].

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// Where Debian's `chromium-driver` puts it (`.ci/install-chromium.sh` installs it).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Generous: the machines that run the suite are shared.
const TIMEOUT: Duration = Duration::from_secs(120);
/// The key WebDriver names an element reference by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// chromedriver, or `None` after recording the skip.
pub fn chromedriver() -> Option<PathBuf> {
    let path = PathBuf::from(CHROMEDRIVER);
    if path.exists() {
        return Some(path);
    }
    crate::skip(CHROMEDRIVER, "run .ci/install-chromium.sh (it installs chromium-driver)");
    None
}

/// Chromium and chromedriver, both present, or `None` after recording the skip.
pub fn tools() -> Option<(PathBuf, PathBuf)> {
    let chromium = crate::browser::chromium()?;
    let driver = chromedriver()?;
    Some((chromium, driver))
}

/// axe-core's `axe.min.js`, which `.ci/install-axe.sh` fetches into a cache folder outside the
/// repository: `$PALERMO_AXE` when set (`scripts/test.sh` sets it), else the newest copy in that
/// folder; `None` after recording the skip.
pub fn axe() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PALERMO_AXE").map(PathBuf::from) {
        if path.is_file() {
            return Some(path);
        }
        crate::skip("axe-core", format!("PALERMO_AXE names {}, which is not there", path.display()));
        return None;
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|c| c.join("palermo"));
    let mut found: Vec<PathBuf> = cache
        .and_then(|c| std::fs::read_dir(c).ok())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("axe-core-")))
        .map(|p| p.join("axe.min.js"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    let newest = found.pop();
    if newest.is_none() {
        crate::skip("axe-core", "run .ci/install-axe.sh (it fetches axe-core from npm into ~/.cache/palermo)");
    }
    newest
}

/// A rule of axe-core that a page breaks.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The rule (`color-contrast`, `label`…).
    pub rule: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    pub help: String,
    /// The CSS selectors of the elements that break it.
    pub targets: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {} at {}", self.rule, self.impact, self.help, self.targets.join(", "))
    }
}

/// A free TCP port on 127.0.0.1 (bound, then let go for the caller to use).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A running chromedriver, stopped when dropped.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    port: u16,
    chromium: PathBuf,
}

impl Driver {
    /// Starts `chromedriver` on a free port of 127.0.0.1 and waits until it is ready.
    pub fn start(chromium: &Path, chromedriver: &Path) -> Driver {
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver { child, port, chromium: chromium.to_owned() };
        let started = Instant::now();
        loop {
            if let Ok((200, body)) = http(port, "GET", "/status", None)
                && body["value"]["ready"] == json!(true)
            {
                return driver;
            }
            assert!(started.elapsed() < TIMEOUT, "chromedriver did not become ready within {TIMEOUT:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Opens a headless Chromium `width` × `height` pixels large, with a fresh profile.
    pub fn browser(&self, width: u32, height: u32) -> Browser {
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "goog:chromeOptions": {
                        "binary": self.chromium,
                        "args": [
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--hide-scrollbars",
                            format!("--window-size={width},{height}"),
                        ]
                    }
                }
            }
        });
        let value = call(self.port, "POST", "/session", Some(&capabilities));
        let id = value["sessionId"].as_str().expect("a session id").to_owned();
        let browser = Browser { port: self.port, session: format!("/session/{id}") };
        let ms = TIMEOUT.as_millis() as u64;
        browser.post("/timeouts", &json!({"script": ms, "pageLoad": ms, "implicit": 0}));
        browser
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One Chromium window, closed when dropped.
#[derive(Debug)]
pub struct Browser {
    port: u16,
    session: String,
}

/// An element of the current page (a WebDriver reference).
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    fn post(&self, path: &str, body: &Value) -> Value {
        call(self.port, "POST", &format!("{}{path}", self.session), Some(body))
    }

    fn get(&self, path: &str) -> Value {
        call(self.port, "GET", &format!("{}{path}", self.session), None)
    }

    /// Opens `url` and waits until it has loaded.
    pub fn goto(&self, url: &str) {
        self.post("/url", &json!({ "url": url }));
    }

    /// The address of the current page.
    pub fn url(&self) -> String {
        self.get("/url").as_str().unwrap_or_default().to_owned()
    }

    /// The path of the current page (`/login`).
    pub fn path(&self) -> String {
        self.execute("return location.pathname;", &[]).as_str().unwrap_or_default().to_owned()
    }

    /// The first element matching the CSS selector, if any.
    pub fn find(&self, css: &str) -> Option<Element> {
        let (status, body) = http(
            self.port,
            "POST",
            &format!("{}/element", self.session),
            Some(&json!({"using": "css selector", "value": css})),
        )
        .unwrap_or_else(|e| panic!("chromedriver: {e}"));
        match status {
            200 => body["value"][ELEMENT].as_str().map(|id| Element(id.to_owned())),
            404 if body["value"]["error"] == "no such element" => None,
            _ => panic!("find {css:?}: {status} {}", body["value"]),
        }
    }

    /// The element matching the CSS selector; panics when there is none.
    pub fn expect(&self, css: &str) -> Element {
        self.find(css).unwrap_or_else(|| panic!("no {css:?} on {}", self.url()))
    }

    /// Every element matching the CSS selector.
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let value = self.post("/elements", &json!({"using": "css selector", "value": css}));
        value
            .as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT].as_str().map(|id| Element(id.to_owned()))).collect())
            .unwrap_or_default()
    }

    /// Clicks the element matching the CSS selector (see [`Browser::follow`] for one that leads
    /// to another page).
    pub fn click(&self, css: &str) {
        let element = self.expect(css);
        self.post(&format!("/element/{}/click", element.0), &json!({}));
    }

    /// Clicks a link or a form's button matching the CSS selector and waits until the page it
    /// leads to has loaded (chromedriver's click may return before the navigation starts).
    pub fn follow(&self, css: &str) {
        self.execute("window.__palermoLeft = true;", &[]);
        self.click(css);
        self.wait_for(
            &format!("the page {css} leads to"),
            "return window.__palermoLeft === undefined && document.readyState === 'complete';",
        );
    }

    /// Types `text` into the field matching the CSS selector, after clearing it. For a file
    /// input, `text` is the absolute path of the file to upload.
    pub fn fill(&self, css: &str, text: &str) {
        let element = self.expect(css);
        if !self.execute("return arguments[0].type === 'file';", &[element.to_json()]).as_bool().unwrap_or(false) {
            self.post(&format!("/element/{}/clear", element.0), &json!({}));
        }
        self.post(&format!("/element/{}/value", element.0), &json!({ "text": text }));
    }

    /// The visible text of the element matching the CSS selector.
    pub fn text(&self, css: &str) -> String {
        let element = self.expect(css);
        self.get(&format!("/element/{}/text", element.0)).as_str().unwrap_or_default().to_owned()
    }

    /// The visible text of an element.
    pub fn text_of(&self, element: &Element) -> String {
        self.get(&format!("/element/{}/text", element.0)).as_str().unwrap_or_default().to_owned()
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page and returns its
    /// `return` value. WebDriver runs it from outside the page, so the page's
    /// Content-Security-Policy does not block it.
    pub fn execute(&self, script: &str, args: &[Value]) -> Value {
        self.post("/execute/sync", &json!({ "script": script, "args": args }))
    }

    /// Runs `script` whose last argument is a callback, and returns what it passes to it.
    pub fn execute_async(&self, script: &str, args: &[Value]) -> Value {
        self.post("/execute/async", &json!({ "script": script, "args": args }))
    }

    /// Waits until `script` returns true, or panics after the timeout naming `what`.
    pub fn wait_for(&self, what: &str, script: &str) {
        let started = Instant::now();
        while self.execute(script, &[]) != json!(true) {
            assert!(started.elapsed() < TIMEOUT, "waited {TIMEOUT:?} for {what} on {}", self.url());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A PNG of the window.
    pub fn screenshot(&self) -> Vec<u8> {
        let encoded = self.get("/screenshot");
        base64::engine::general_purpose::STANDARD.decode(encoded.as_str().unwrap_or_default()).expect("base64 PNG")
    }

    /// Runs axe-core (the source of `axe.min.js`) on the current page and returns every
    /// violation of its rules (WCAG 2 A and AA, and best practices). The library is injected
    /// through WebDriver, which the page's Content-Security-Policy does not block.
    pub fn axe(&self, axe_source: &str) -> Vec<Violation> {
        if self.execute("return typeof window.axe;", &[]) != json!("object") {
            self.execute(&format!("{axe_source}\n;return typeof window.axe;"), &[]);
        }
        let result = self.execute_async(
            "var done = arguments[arguments.length - 1];\n\
             window.axe.run(document, { resultTypes: ['violations'] }).then(function (r) {\n\
               done(r.violations.map(function (v) {\n\
                 return { rule: v.id, impact: v.impact || '', help: v.help,\n\
                          targets: v.nodes.map(function (n) { return n.target.join(' '); }) };\n\
               }));\n\
             }).catch(function (e) { done({ error: String(e) }); });",
            &[],
        );
        let Some(list) = result.as_array() else { panic!("axe-core failed on {}: {result}", self.url()) };
        list.iter()
            .map(|v| Violation {
                rule: v["rule"].as_str().unwrap_or_default().to_owned(),
                impact: v["impact"].as_str().unwrap_or_default().to_owned(),
                help: v["help"].as_str().unwrap_or_default().to_owned(),
                targets: v["targets"]
                    .as_array()
                    .map(|t| t.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Forgets every cookie of the current site (signs out without the sign-out button).
    pub fn delete_cookies(&self) {
        call(self.port, "DELETE", &format!("{}/cookie", self.session), None);
    }
}

impl Element {
    /// The reference as a script argument.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT: self.0 })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(self.port, "DELETE", &self.session, None);
    }
}

/// A WebDriver call's `value`; panics on an error status.
fn call(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    match http(port, method, path, body) {
        Ok((200, mut value)) => value["value"].take(),
        Ok((status, value)) => panic!("chromedriver {method} {path}: {status} {}", value["value"]),
        Err(e) => panic!("chromedriver {method} {path}: {e}"),
    }
}

/// One HTTP/1.1 exchange with chromedriver (`Connection: close`): the status and the JSON body.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(TIMEOUT + Duration::from_secs(30)))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
    stream.write_all(request.as_bytes())?;
    // chromedriver answers `Connection: close` but keeps the connection open: the body is read by
    // its length (or its chunks), not to the end of the stream.
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut response = Vec::new();
    let mut buffer = [0u8; 64 * 1024];
    let split = loop {
        if let Some(split) = response.windows(4).position(|w| w == b"\r\n\r\n") {
            break split;
        }
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Err(bad("the connection closed before the end of the headers"));
        }
        response.extend_from_slice(&buffer[..n]);
    };
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("no status"))?;
    let header = |name: &str| {
        head.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(':')).map(|v| v.trim().to_owned()))
    };
    let mut content = response[split + 4..].to_vec();
    if let Some(length) = header("content-length") {
        let length: usize = length.parse().map_err(|_| bad("bad content-length"))?;
        while content.len() < length {
            let n = stream.read(&mut buffer)?;
            if n == 0 {
                return Err(bad("the connection closed before the end of the body"));
            }
            content.extend_from_slice(&buffer[..n]);
        }
        content.truncate(length);
    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        while !content.windows(5).any(|w| w == b"0\r\n\r\n") {
            let n = stream.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            content.extend_from_slice(&buffer[..n]);
        }
        content = dechunk(&content).ok_or_else(|| bad("bad chunked body"))?;
    } else {
        stream.read_to_end(&mut content)?;
    }
    let value = if content.is_empty() { Value::Null } else { serde_json::from_slice(&content)? };
    Ok((status, value))
}

/// The body of a chunked HTTP response.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::dechunk;

    #[test]
    fn a_chunked_body_is_put_back_together() {
        assert_eq!(dechunk(b"4\r\nWiki\r\n6;x=y\r\npedia \r\n0\r\n\r\n").as_deref(), Some(&b"Wikipedia "[..]));
        assert_eq!(dechunk(b"4\r\nWi"), None);
    }
}
