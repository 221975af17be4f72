//! The report in a real browser, for the test suites of `report` (its sample page) and `cli` (the
//! demo's report): headless Chromium opens a copy of the page with a checking script added, waits
//! until every chart is drawn, and reads back what the script found in the drawn page (withheld
//! cells marked in each chart and in its data table, text wider than its box); it also prints
//! pages to PDF and reads a PDF's text with `pdftotext` (poppler-utils).
//!
//! Missing tools are reported with [`crate::skip`]: the check fails under `CI=true` and is
//! otherwise counted as not run.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Where `.ci/install-chromium.sh` puts Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Generous: Chromium starts in about two seconds here, but CI machines are shared.
const TIMEOUT: Duration = Duration::from_secs(90);

/// Chromium, or `None` after recording the skip.
pub fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from(CHROMIUM);
    if path.exists() {
        return Some(path);
    }
    crate::skip(CHROMIUM, "run .ci/install-chromium.sh");
    None
}

/// `pdftotext`, or `None` after recording the skip.
pub fn pdftotext() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin/pdftotext");
    if path.exists() {
        return Some(path);
    }
    crate::skip("/usr/bin/pdftotext", "run .ci/install-chromium.sh (it installs poppler-utils)");
    None
}

/// Runs headless Chromium on `page` with a fresh profile and no network, its standard output
/// returned. Panics when it fails or runs past the timeout.
pub fn run_chromium(chromium: &Path, page: &Path, extra: &[String]) -> Vec<u8> {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let scratch = std::env::temp_dir().join(format!(
        "palermo-test-chromium-{}-{}",
        std::process::id(),
        CALLS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let stdout_path = scratch.join("stdout");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", scratch.join("profile").display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).expect("stdout file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    let status = loop {
        match child.try_wait().expect("wait for chromium") {
            Some(status) => break status,
            None if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(&scratch);
                panic!("chromium did not finish within {TIMEOUT:?}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let stdout = std::fs::read(&stdout_path).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(status.success(), "chromium exited with {status}");
    stdout
}

/// What the checking script found in the drawn page.
#[derive(Debug, Default)]
pub struct PageCheck {
    /// Charts drawn (`data-chart-status="ready"`) and failed.
    pub charts_ready: usize,
    /// Charts that failed to draw.
    pub charts_failed: usize,
    /// One entry per chart figure.
    pub charts: Vec<ChartCheck>,
    /// Elements whose text is wider than their box (or boxes that scroll sideways), described
    /// as `tag.class "text…" scrollWidth>clientWidth`.
    pub overflowing: Vec<String>,
    /// Withheld cells marked in standalone tables (outside chart figures).
    pub table_withheld: usize,
}

/// Withheld cells in one chart figure.
#[derive(Debug, Default)]
pub struct ChartCheck {
    /// The chart container's id (`chart-3`).
    pub id: String,
    /// The chart's title.
    pub title: String,
    /// Rows of the spec's inline data marked withheld.
    pub spec_withheld: usize,
    /// Cells of the data table under the chart marked withheld.
    pub table_withheld: usize,
    /// `x` marks drawn in the chart's `withheld` layer.
    pub marks: usize,
    /// All the text of the `withheld` layer (a diagram that cannot draw a withheld row says how
    /// many there are).
    pub marks_text: String,
    /// When the chart's first layer is a bar: bars drawn, and rows that should be (drawn rows with
    /// a value); otherwise both 0.
    pub bars_drawn: usize,
    /// See `bars_drawn`.
    pub bars_expected: usize,
}

/// Added to a copy of the page: once every chart has a status, it writes its findings into
/// `<pre id="palermo-check">`, one line each, which `--dump-dom` then shows.
const CHECK_JS: &str = r#"
(function () {
  "use strict";
  function done() {
    var out = [];
    var charts = document.querySelectorAll("div.chart[data-spec]");
    var ready = document.querySelectorAll("div.chart[data-chart-status=ready]").length;
    var failed = document.querySelectorAll("div.chart[data-chart-status=error]").length;
    out.push("charts\t" + ready + "\t" + failed);
    Array.prototype.forEach.call(document.querySelectorAll("figure.chart-figure"), function (fig) {
      var chart = fig.querySelector("div.chart");
      if (!chart) return;
      var spec = {};
      try { spec = JSON.parse(document.getElementById(chart.getAttribute("data-spec")).textContent); } catch (e) {}
      var rows = (spec.data && spec.data.values) || [];
      var withheld = rows.filter(function (r) { return r && r.__withheld != null; }).length;
      var table = fig.querySelectorAll("td.withheld, th.withheld").length;
      var texts = Array.prototype.slice.call(fig.querySelectorAll("g.withheld_marks text"));
      var marks = texts.filter(function (t) { return t.textContent.trim() === "x"; }).length;
      var text = texts.map(function (t) { return t.textContent; }).join(" | ");
      var first = spec.layer ? spec.layer[0] : spec;
      var mark = first && first.mark ? (first.mark.type || first.mark) : "";
      var bars = 0, expected = 0;
      if (mark === "bar" && rows.length) {
        var svg = chart.querySelector("svg");
        var group = svg && svg.querySelector("g.mark-rect.role-mark");
        bars = group ? group.querySelectorAll("path").length : 0;
        var y = first.encoding && first.encoding.y ? first.encoding.y.field : (spec.encoding && spec.encoding.x ? spec.encoding.x.field : null);
        expected = rows.filter(function (r) { return r.__withheld == null && (y == null || r[y.replace(/\\/g, "")] != null); }).length;
      }
      var title = fig.querySelector(".figure-title");
      out.push(["chart", chart.id, withheld, table, marks, bars, expected,
                (title ? title.textContent : "").replace(/\s+/g, " "), text.replace(/\s+/g, " ")].join("\t"));
    });
    var standalone = 0;
    Array.prototype.forEach.call(document.querySelectorAll("td.withheld, th.withheld"), function (c) {
      if (!c.closest("figure")) standalone++;
    });
    out.push("tables\t" + standalone);
    var selectors = "h1, h2, h3, p, li, caption, figcaption, th, td, summary, .card-value, .card-label, " +
      ".card-note, .table-scroll, .embedded, .chart, table";
    Array.prototype.forEach.call(document.querySelectorAll(selectors), function (el) {
      if (el.closest("details:not([open])") || el.closest("noscript") || el.closest(".visually-hidden")) return;
      if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
        var text = (el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 60);
        out.push(["overflow", el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? "." + el.className : ""),
                  text, el.scrollWidth + ">" + el.clientWidth].join("\t"));
      }
    });
    var root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) {
      out.push(["overflow", "html", "the page scrolls sideways", root.scrollWidth + ">" + root.clientWidth].join("\t"));
    }
    var pre = document.createElement("pre");
    pre.id = "palermo-check";
    pre.textContent = "\n" + out.join("\n") + "\n";
    document.body.appendChild(pre);
  }
  function wait(tries) {
    var charts = document.querySelectorAll("div.chart[data-spec]");
    var pending = Array.prototype.filter.call(charts, function (c) { return !c.hasAttribute("data-chart-status"); });
    if (pending.length === 0 || tries > 200) { setTimeout(done, 50); } else { setTimeout(function () { wait(tries + 1); }, 50); }
  }
  wait(0);
})();
"#;

/// Opens a copy of the page at `width` pixels wide with the checking script added, and returns
/// what it found.
pub fn check_page(chromium: &Path, page: &Path, width: u32) -> PageCheck {
    let html = std::fs::read_to_string(page).expect("read page");
    let copy = page.with_extension("check.html");
    let script = format!("<script>{CHECK_JS}</script>\n</body>");
    let at = html.rfind("</body>").expect("a </body>");
    std::fs::write(&copy, format!("{}{}{}", &html[..at], script, &html[at + "</body>".len()..])).expect("write copy");
    let dom = run_chromium(chromium, &copy, &["--dump-dom".into(), format!("--window-size={width},2000")]);
    let _ = std::fs::remove_file(&copy);
    let dom = String::from_utf8_lossy(&dom);
    let start = dom.find("<pre id=\"palermo-check\">").expect("the checking script ran");
    let body = &dom[start..];
    let body = &body[body.find('>').map_or(0, |i| i + 1)..body.find("</pre>").unwrap_or(body.len())];
    let mut check = PageCheck::default();
    for line in body.lines() {
        let unescaped = line.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
        let fields: Vec<&str> = unescaped.split('\t').collect();
        let number = |i: usize| fields.get(i).and_then(|f| f.parse::<usize>().ok()).unwrap_or(0);
        match fields.first().copied() {
            Some("charts") => {
                check.charts_ready = number(1);
                check.charts_failed = number(2);
            }
            Some("chart") => check.charts.push(ChartCheck {
                id: fields.get(1).copied().unwrap_or("").to_owned(),
                spec_withheld: number(2),
                table_withheld: number(3),
                marks: number(4),
                bars_drawn: number(5),
                bars_expected: number(6),
                title: fields.get(7).copied().unwrap_or("").to_owned(),
                marks_text: fields.get(8).copied().unwrap_or("").to_owned(),
            }),
            Some("tables") => check.table_withheld = number(1),
            Some("overflow") => check.overflowing.push(fields[1..].join(" ")),
            _ => {}
        }
    }
    check
}

impl PageCheck {
    /// Panics unless every withheld row of every chart is marked `x` in the chart and in its data
    /// table, every bar drawn belongs to a published value, and a diagram that cannot draw its
    /// withheld rows (the flows) says how many it leaves out. Returns the number of withheld
    /// cells found in the charts.
    pub fn assert_withheld_marked(&self) -> usize {
        let mut n_found = 0;
        for chart in &self.charts {
            let what = format!("{} {:?}", chart.id, chart.title);
            if chart.spec_withheld > 0 {
                assert_eq!(chart.marks, chart.spec_withheld, "{what}: an x for each withheld row");
                assert_eq!(chart.table_withheld, chart.spec_withheld, "{what}: an x in the data table for each");
            } else if chart.table_withheld > 0 {
                let words = if chart.table_withheld == 1 {
                    "1 flow".to_owned()
                } else {
                    format!("{} flows", chart.table_withheld)
                };
                assert!(
                    chart.marks_text.contains(&format!("{words} withheld")),
                    "{what}: the diagram says that {words} are withheld: {:?}",
                    chart.marks_text
                );
            } else {
                assert_eq!(chart.marks, 0, "{what}: an x where nothing is withheld");
            }
            assert_eq!(
                chart.bars_drawn, chart.bars_expected,
                "{what}: a bar for each published value, none for a withheld one"
            );
            n_found += chart.table_withheld;
        }
        n_found
    }
}

/// Prints `page` to `pdf` with Chromium's own printing (as `palermo run --pdf` does).
pub fn print_pdf(chromium: &Path, page: &Path, pdf: &Path) {
    run_chromium(chromium, page, &["--no-pdf-header-footer".into(), format!("--print-to-pdf={}", pdf.display())]);
    assert!(std::fs::read(pdf).is_ok_and(|b| b.starts_with(b"%PDF")), "no PDF printed");
}

/// The text of a PDF (`pdftotext`, reading order), or `None` when pdftotext is missing.
pub fn pdf_text(pdf: &Path) -> Option<String> {
    let tool = pdftotext()?;
    let output = Command::new(tool).arg(pdf).arg("-").output().expect("run pdftotext");
    assert!(output.status.success(), "pdftotext failed");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The size of the PDF's pages in points (its first `/MediaBox`), e.g. A4 is about 595 × 842.
pub fn pdf_page_size(pdf: &[u8]) -> Option<(f64, f64)> {
    let text = String::from_utf8_lossy(pdf);
    let at = text.find("/MediaBox")?;
    let rest = &text[at + "/MediaBox".len()..];
    let inside = &rest[rest.find('[')? + 1..rest.find(']')?];
    let numbers: Vec<f64> = inside.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    match numbers[..] {
        [x0, y0, x1, y1] => Some((x1 - x0, y1 - y0)),
        _ => None,
    }
}

/// Text with every run of white space (line and page breaks included) made one space, and
/// typographic quotes made straight, so that text wrapped differently compares equal.
pub fn normalise_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").replace(['“', '”'], "\"").replace(['‘', '’'], "'")
}
