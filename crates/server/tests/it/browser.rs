//! The pages in real headless Chromium (Debian's `chromium`, driven through `chromedriver` by
//! `testkit::webdriver`), against the server listening on a free port of 127.0.0.1 over a small
//! demo observatory: each role's navigation and what it may open, the public's dashboard and
//! nothing else, an agency's submission from upload to quarantine, the dashboard's charts drawn,
//! a reviewer's decision.
//!
//! [`PAGES`] lists every page a browser opens; [`every_page_route_is_listed`] fails when a page
//! route is added to `routes.rs` without an entry there, so that each new page is opened by every
//! role (and checked for accessibility by `a11y`) as soon as it exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use app::accounts::RoleKind;
use server::Access;
use testkit::webdriver::{Browser, Driver};

use crate::support::{Harness, PASSWORD};

/// A page: its route in `routes.rs`, the address a browser opens (`{staged}` stands for an upload
/// the signed-in account staged, `{item}` for the first item of the review list), the link of the
/// navigation that leads to it, and the start of its `h1`.
pub struct PageCase {
    pub route: &'static str,
    pub open: &'static str,
    pub nav: Option<&'static str>,
    pub h1: &'static str,
}

/// Every page. A new page route gets an entry here (see [`every_page_route_is_listed`]).
pub const PAGES: &[PageCase] = &[
    PageCase { route: "/dashboard", open: "/dashboard", nav: Some("nav-dashboard"), h1: "Dashboard" },
    PageCase { route: "/login", open: "/login", nav: None, h1: "Sign in" },
    PageCase { route: "/submissions", open: "/submissions", nav: Some("nav-submissions"), h1: "Submissions" },
    PageCase { route: "/submissions/{id}", open: "/submissions/{staged}", nav: None, h1: "Validation report" },
    PageCase { route: "/quarantine", open: "/quarantine", nav: Some("nav-quarantine"), h1: "Quarantine" },
    PageCase { route: "/review", open: "/review", nav: Some("nav-review"), h1: "Review" },
    PageCase { route: "/review/{id}", open: "/review/{item}", nav: None, h1: "Review item" },
    PageCase { route: "/admin/users", open: "/admin/users", nav: Some("nav-users"), h1: "Users" },
    PageCase { route: "/admin/tokens", open: "/admin/tokens", nav: Some("nav-tokens"), h1: "API tokens" },
    PageCase { route: "/admin/audit", open: "/admin/audit", nav: Some("nav-audit"), h1: "Audit log" },
    PageCase { route: "/estimates", open: "/estimates", nav: Some("nav-estimates"), h1: "Estimates" },
    PageCase { route: "/run", open: "/run", nav: Some("nav-run"), h1: "Run" },
    PageCase { route: "/responses", open: "/responses", nav: Some("nav-responses"), h1: "States' responses" },
    PageCase { route: "/questionnaire", open: "/questionnaire", nav: Some("nav-questionnaire"), h1: "Questionnaire" },
];

/// GET routes outside `/api/` that are not pages.
/// (The compiled monitoring report is the monitor's own document; a quarantine download is a CSV.)
const NOT_PAGES: &[&str] = &["/", "/healthz", "/static/{file}", "/responses/report", "/quarantine/{source}/csv"];

/// The test account of each role (made by `Harness`).
pub const ACCOUNTS: [(RoleKind, &str); 5] = [
    (RoleKind::Administrator, "admin"),
    (RoleKind::Analyst, "analyst"),
    (RoleKind::Reviewer, "reviewer"),
    (RoleKind::Submitter, "police_officer"),
    (RoleKind::FocalPoint, "focal"),
];

/// Who may open a route (`None`: the public).
pub fn may_open(route: &str, role: Option<RoleKind>) -> bool {
    let info = server::route_table()
        .into_iter()
        .find(|r| r.method == "GET" && r.path == route)
        .unwrap_or_else(|| panic!("no GET route {route}"));
    match (info.access, role) {
        (Access::Public, _) => true,
        (_, None) => false,
        (Access::SignedIn, Some(_)) => true,
        (Access::Roles(roles), Some(role)) => roles.contains(&role),
    }
}

/// The demo observatory served on 127.0.0.1, with what the pages need: the pipeline's outputs
/// (when asked for), an upload staged by each account that may submit, the review list.
pub struct Served {
    pub harness: Harness,
    pub base: String,
    /// The upload each account staged.
    pub staged: BTreeMap<String, String>,
    /// The first item of the review list, once the pipeline has run.
    pub item: Option<i64>,
    runtime: tokio::runtime::Runtime,
}

impl Served {
    pub fn start(run_pipeline: bool) -> Served {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let harness = runtime.block_on(Harness::new(None));
        let mut item = None;
        if run_pipeline {
            let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
            let options = app::pipeline::RunOptions::default();
            runtime
                .block_on(app::pipeline::run(&harness.observatory, today, &options, &model::NoProgress))
                .expect("run");
            let listing = runtime.block_on(app::review::list(&harness.observatory, false, "")).expect("review list");
            item = listing.items.first().map(|i| i.item.id);
        }
        let mut staged = BTreeMap::new();
        let (name, bytes) = harness.source_file("police");
        for user in ["admin", "analyst", "police_officer"] {
            let session = runtime.block_on(harness.session(user));
            let (account, _) = runtime
                .block_on(app::accounts::session(&harness.observatory.store, &session.cookie))
                .expect("read the session")
                .expect("an open session");
            let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
            let upload = runtime
                .block_on(app::submit::stage(&harness.observatory, &account, "police", &name, &bytes, today))
                .expect("stage");
            staged.insert(user.to_owned(), upload.id);
        }
        let listener =
            runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind a port of 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let app = harness.app.clone();
        runtime.spawn(async move { axum::serve(listener, app).await });
        Served { harness, base, staged, item, runtime }
    }

    /// The address of `page` for `user` (its placeholders filled in), or `None` when the fixture
    /// has nothing to fill in for it.
    pub fn address(&self, page: &PageCase, user: Option<&str>) -> Option<String> {
        let mut path = page.open.to_owned();
        if path.contains("{staged}") {
            path = path.replace("{staged}", self.staged.get(user?)?);
        }
        if path.contains("{item}") {
            path = path.replace("{item}", &self.item?.to_string());
        }
        Some(format!("{}{path}", self.base))
    }

    /// Runs `future` on the server's runtime (to read the database in a check).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// Chromium through chromedriver, or `None` after recording the skip.
pub fn driver() -> Option<Driver> {
    let (chromium, chromedriver) = testkit::webdriver::tools()?;
    Some(Driver::start(&chromium, &chromedriver))
}

/// Signs `user` in through the login form, as a person would, and lands on the dashboard.
pub fn sign_in(browser: &Browser, served: &Served, user: &str) {
    browser.delete_cookies();
    browser.goto(&format!("{}/login", served.base));
    browser.fill("#login-name", user);
    browser.fill("#login-password", PASSWORD);
    browser.follow("#login-submit");
    assert_eq!(browser.path(), "/dashboard", "{user} signed in and sent to the dashboard");
    let signed_in = browser.text("#signed-in-as");
    assert!(signed_in.starts_with(user), "the header names {user}: {signed_in:?}");
}

/// The `h1` of the current page.
fn h1(browser: &Browser) -> String {
    browser.text("main h1")
}

/// Where test artefacts (screenshots) go: under `target/`, never committed.
fn artefacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).expect("artefact dir");
    dir
}

#[test]
fn every_page_route_is_listed() {
    let listed: BTreeSet<&str> = PAGES.iter().map(|p| p.route).collect();
    let routes: BTreeSet<&str> = server::route_table()
        .into_iter()
        .filter(|r| r.method == "GET" && !r.path.starts_with("/api/") && !NOT_PAGES.contains(&r.path))
        .map(|r| r.path)
        .collect();
    let missing: Vec<&&str> = routes.difference(&listed).collect();
    assert!(missing.is_empty(), "pages without an entry in browser::PAGES (add one): {missing:?}");
    let stale: Vec<&&str> = listed.difference(&routes).collect();
    assert!(stale.is_empty(), "browser::PAGES lists routes that are not GET pages: {stale:?}");
}

#[test]
fn each_role_sees_its_navigation_and_the_public_only_the_dashboard() {
    let Some(driver) = driver() else { return };
    let served = Served::start(true);
    let browser = driver.browser(1280, 1000);

    // The public: the dashboard and the login form; every other page sends it to the login form.
    for page in PAGES {
        let Some(address) = served.address(page, Some("police_officer")) else { continue };
        browser.goto(&address);
        if may_open(page.route, None) {
            assert!(h1(&browser).starts_with(page.h1), "the public opens {}", page.route);
        } else {
            assert_eq!(browser.path(), "/login", "the public is sent from {} to the login form", page.route);
        }
    }
    browser.goto(&format!("{}/dashboard", served.base));
    let links: Vec<String> = browser.find_all("header nav a").iter().map(|a| browser.text_of(a)).collect::<Vec<_>>();
    // Only the published pages (the dashboard and the estimates), as the route table says.
    let published: Vec<&str> =
        PAGES.iter().filter(|p| p.nav.is_some() && may_open(p.route, None)).map(|p| p.h1).collect();
    assert_eq!(published, ["Dashboard", "Estimates"]);
    assert_eq!(links, published, "the public's navigation");
    assert!(browser.find("#nav-login").is_some() && browser.find("#logout").is_none());
    assert!(browser.find("#chart-detected_by_year").is_some(), "the public sees the published charts");

    for (role, user) in ACCOUNTS {
        sign_in(&browser, &served, user);
        let expected: BTreeSet<&str> =
            PAGES.iter().filter(|p| may_open(p.route, Some(role))).filter_map(|p| p.nav).collect();
        let shown: BTreeSet<String> = browser
            .find_all("header nav a[id^=nav-]")
            .iter()
            .map(|a| browser.execute("return arguments[0].id;", &[a.to_json()]).as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(shown, expected.iter().map(|s| (*s).to_owned()).collect(), "navigation of the {}", role.code());
        for page in PAGES {
            let Some(address) = served.address(page, Some(user)) else { continue };
            browser.goto(&address);
            let title = h1(&browser);
            if page.route == "/login" {
                continue;
            }
            if may_open(page.route, Some(role)) {
                assert!(title.starts_with(page.h1), "the {} opens {}: {title:?}", role.code(), page.route);
            } else {
                assert_eq!(title, "Forbidden", "the {} may not open {}", role.code(), page.route);
            }
        }
    }
    // Signing out through the header's button ends the session.
    browser.goto(&format!("{}/dashboard", served.base));
    browser.follow("#logout");
    assert_eq!(browser.path(), "/login");
    browser.goto(&format!("{}/admin/users", served.base));
    assert_eq!(browser.path(), "/login", "signed out, the pages need a session again");
}

#[test]
fn a_submitter_uploads_a_file_with_bad_rows_commits_it_and_sees_its_quarantine() {
    let Some(driver) = driver() else { return };
    let served = Served::start(false);
    let browser = driver.browser(1280, 1000);
    sign_in(&browser, &served, "police_officer");
    browser.follow("#nav-submissions");
    assert_eq!(h1(&browser), "Submissions");
    let sources: Vec<String> = browser.find_all("#upload-source option").iter().map(|o| browser.text_of(o)).collect();
    assert_eq!(sources, ["police"], "a submitter submits for its own source only");

    let settings = served.harness.observatory.settings.source("police").expect("source");
    let file = served.harness.dir.path().join(&settings.file);
    browser.fill("#upload-file", &file.display().to_string());
    browser.follow("#upload-submit");
    browser.wait_for("the validation report", "return location.pathname.startsWith('/submissions/');");
    assert_eq!(h1(&browser), "Validation report");
    let number = |id: &str| -> u64 { browser.text(id).parse().unwrap_or_else(|_| panic!("{id} is a number")) };
    let (read, good, bad) = (number("#rows-read"), number("#rows-good"), number("#rows-bad"));
    assert!(bad > 0, "the demo's police file has malformed rows");
    assert_eq!(read, good + bad);
    let errors = browser.find_all("#validation-errors tbody tr");
    assert!(
        !errors.is_empty() && errors.len() as u64 >= bad,
        "a line per refused cell: {} for {bad} rows",
        errors.len()
    );
    // Values masked: no identifying value of the file is on the page.
    let page_text = browser.text("main");
    let identifying = identifying_values(&std::fs::read_to_string(&file).expect("read the file"));
    assert!(!identifying.is_empty(), "the police file has identifying columns");
    for value in &identifying {
        assert!(!page_text.contains(value.as_str()), "an identifying value of the file is shown on the report");
    }
    // Nothing stored before the commit.
    assert!(served.block_on(served.harness.observatory.store.submissions()).expect("submissions").is_empty());

    browser.follow("#commit-submit");
    let result = browser.text("#commit-result");
    assert!(result.contains(&format!("{good} rows stored, {bad} quarantined")), "{result:?}");
    browser.follow("#nav-quarantine");
    assert_eq!(h1(&browser), "Quarantine");
    let summary = browser.text("main > p");
    assert!(summary.starts_with(&format!("{bad} refused rows")), "{summary:?}");
    let rows = browser.find_all("#quarantine tbody tr");
    assert!(rows.len() as u64 >= bad);
    let quarantine_text = browser.text("main");
    for value in &identifying {
        assert!(!quarantine_text.contains(value.as_str()), "an identifying value of the file is in the quarantine");
    }
    browser.follow("#nav-submissions");
    assert_eq!(browser.find_all("#submissions tbody tr").len(), 1, "the committed file is listed with its provenance");
}

/// The values (longer than three characters) of the columns of a CSV file whose header
/// identifies a person (names, birth dates, documents).
fn identifying_values(csv: &str) -> BTreeSet<String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let columns: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| model::column_identifies(h.trim_matches('"')))
        .map(|(i, _)| i)
        .collect();
    let mut values = BTreeSet::new();
    for line in lines {
        // Quoted fields with commas are rare in the demo files; such a line's cells may be cut
        // wrongly, which only adds harmless fragments to look for.
        let cells: Vec<&str> = line.split(',').collect();
        for &i in &columns {
            if let Some(cell) = cells.get(i).map(|c| c.trim().trim_matches('"')).filter(|c| c.chars().count() > 3) {
                values.insert(cell.to_owned());
            }
        }
    }
    values
}

#[test]
fn an_analyst_runs_the_pipeline_sees_the_charts_drawn_and_a_reviewer_decides_a_pair() {
    let Some(driver) = driver() else { return };
    let served = Served::start(false);
    let browser = driver.browser(1280, 2400);

    // The analyst starts a run on the Run page, which follows it until it ends.
    sign_in(&browser, &served, "analyst");
    assert!(browser.find("div.chart[data-spec]").is_none(), "nothing published before the run");
    browser.follow("#nav-run");
    assert!(browser.find("#no-run").is_some(), "no run yet");
    browser.follow("#run-start-submit");
    browser.wait_for(
        "the run to end",
        "var s = document.getElementById('run-status'); \
         return !!s && s.getAttribute('data-state') !== 'running' && !!document.getElementById('run-start-submit');",
    );
    assert_eq!(browser.text("#run-state"), "finished", "{}", browser.text("main"));
    assert!(browser.find("#run-error").is_none());
    browser.follow("#run-dashboard");
    assert_eq!(browser.path(), "/dashboard");
    let charts = browser.find_all("div.chart[data-spec]").len();
    assert!(charts >= 3, "the dashboard has its charts: {charts}");
    browser.wait_for(
        "every chart drawn or failed",
        "return Array.prototype.every.call(document.querySelectorAll('div.chart[data-spec]'), \
         function (c) { return c.hasAttribute('data-chart-status'); });",
    );
    let failed: Vec<String> =
        browser.find_all("div.chart[data-chart-status=error]").iter().map(|c| browser.text_of(c)).collect();
    assert!(failed.is_empty(), "charts that failed to draw: {failed:?}");
    // Each chart drew an SVG with its bars.
    let bars = browser.execute(
        "return Array.prototype.map.call(document.querySelectorAll('div.chart[data-spec]'), \
         function (c) { return c.querySelectorAll('svg g.mark-rect path').length; });",
        &[],
    );
    let bars: Vec<u64> =
        bars.as_array().map(|a| a.iter().filter_map(serde_json::Value::as_u64).collect()).unwrap_or_default();
    assert_eq!(bars.len(), charts);
    assert!(bars.iter().all(|&n| n > 0), "bars drawn in every chart: {bars:?}");
    let total = browser.text("#figure-total");
    assert!(total.parse::<u64>().is_ok_and(|n| n > 0), "headline total {total:?}");
    let png = browser.screenshot();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG screenshot");
    let path = artefacts().join("dashboard-analyst.png");
    std::fs::write(&path, &png).expect("write the screenshot");
    eprintln!("screenshot of the dashboard: {}", path.display());

    // A reviewer: the list, a pair, a purpose before the identities, a decision.
    let listing = served.block_on(app::review::list(&served.harness.observatory, false, "")).expect("the review list");
    let item = listing.items.first().map(|i| i.item.id).expect("the run's linkage has items to review");
    sign_in(&browser, &served, "reviewer");
    browser.follow("#nav-review");
    browser.follow(&format!("#review-item-{item}"));
    assert_eq!(h1(&browser), format!("Review item {item}"));
    assert!(!browser.text("main").contains("Family name"), "no identities before a purpose is stated");
    browser.fill("#identities-purpose", "checking a borderline pair");
    browser.follow("#identities-submit");
    assert!(browser.text("#review-records").contains("Family name"), "identities after the purpose");
    let audit = served
        .block_on(app::accounts::audit_log(
            &served.harness.observatory.store,
            Some("reviewer"),
            Some("read_identities"),
            10,
        ))
        .expect("audit log");
    assert_eq!(audit.len(), 1, "the read of identities is audited");
    assert_eq!(browser.text("#review-decision"), "none");
    assert!(served.block_on(served.harness.observatory.store.current_decisions()).expect("decisions").is_empty());
    browser.click("#verdict-distinct");
    browser.follow("#decide-submit");
    assert_eq!(browser.path(), format!("/review/{item}"));
    assert_eq!(browser.text("#review-decision"), "distinct", "the decision is in force");
    // One decision for each pair of the item's records.
    let decisions = served.block_on(served.harness.observatory.store.current_decisions()).expect("decisions");
    assert!(!decisions.is_empty(), "the decision is recorded");
    assert!(decisions.iter().all(|d| d.verdict == app::review::Verdict::Distinct), "{decisions:?}");
}

/// A State's focal point fills in the questionnaire in the browser: a draft saved, a mistake shown
/// at its field with nothing saved, then the reply submitted and in the monitoring dataset.
#[test]
fn a_focal_point_fills_in_and_submits_the_questionnaire() {
    let Some(driver) = driver() else { return };
    let served = Served::start(false);
    let browser = driver.browser(1280, 2400);
    let store = &served.harness.observatory.store;

    sign_in(&browser, &served, "focal");
    browser.follow("#nav-questionnaire");
    assert_eq!(h1(&browser), "Questionnaire");
    assert_eq!(browser.text("#questionnaire-status"), "not saved yet");
    let round = browser.text("#questionnaire-round");
    // The first measure's first status, as a person picks it from the list.
    browser.click("#q-measures-0-status option:nth-child(2)");
    browser.fill("#q-measures-0-evidence", "Act 12 of 2025");
    browser.follow("#questionnaire-save");
    assert_eq!(browser.text("#questionnaire-status"), "draft");
    assert_eq!(browser.text("#questionnaire-version"), "1");
    let draft = served.block_on(store.questionnaire(&round, "XDL")).expect("read").expect("the draft is stored");
    assert_eq!(draft.version, 1);

    // A year that is not one: refused at its field, the value kept, nothing saved.
    browser.fill("#q-measures-0-year", "soon");
    browser.follow("#questionnaire-submit");
    assert!(browser.text("#questionnaire-errors").contains("nothing was saved"));
    assert!(browser.find("#q-measures-0-year-error").is_some(), "the mistake is shown at its field");
    let kept = browser.execute("return document.getElementById('q-measures-0-year').value;", &[]);
    assert_eq!(kept.as_str(), Some("soon"), "the value as typed is kept");
    assert_eq!(served.block_on(store.questionnaire(&round, "XDL")).expect("read").expect("draft").version, 1);

    browser.fill("#q-measures-0-year", "2025");
    browser.follow("#questionnaire-submit");
    assert!(browser.find("#questionnaire-errors").is_none(), "{}", browser.text("main"));
    assert_eq!(browser.text("#questionnaire-status"), "submitted");
    let reply = served.block_on(store.questionnaire(&round, "XDL")).expect("read").expect("the reply");
    assert_eq!((reply.version, reply.status.as_str()), (2, "submitted"));
    let dataset = served.block_on(app::monitor::load(store)).expect("load").expect("the monitoring dataset");
    assert!(
        dataset.submissions.iter().any(|s| s.round == round && s.state.as_str() == "XDL" && s.measures == 1),
        "the reply is in the monitoring dataset"
    );
}
