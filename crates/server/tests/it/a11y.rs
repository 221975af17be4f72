//! Accessibility: axe-core (npm, fetched by `.ci/install-axe.sh` outside the repository) run in
//! headless Chromium on every page of `browser::PAGES`, as every role that may open it and as the
//! public, and on the pages a form leads to (a refused login, identities shown for review, a
//! commit's result, an error page): no serious or critical violation.

use crate::browser::{ACCOUNTS, PAGES, Served, driver, may_open, sign_in};

/// The violations that fail the check.
const FAILING: &[&str] = &["serious", "critical"];

#[test]
fn no_page_has_a_serious_or_critical_accessibility_violation() {
    let Some(driver) = driver() else { return };
    let Some(axe_path) = testkit::webdriver::axe() else { return };
    let axe = std::fs::read_to_string(&axe_path).expect("read axe.min.js");
    let served = Served::start(true);
    let browser = driver.browser(1280, 1000);
    // The check can fail: a field without a label, added to the page, is a critical violation.
    browser.goto(&format!("{}/login", served.base));
    browser.execute(
        "var i = document.createElement('input'); i.type = 'text'; document.querySelector('main').appendChild(i);",
        &[],
    );
    let planted = browser.axe(&axe);
    assert!(
        planted.iter().any(|v| v.rule == "label" && FAILING.contains(&v.impact.as_str())),
        "axe-core finds an unlabelled field: {planted:?}"
    );
    let mut found: Vec<String> = Vec::new();
    let mut minor: Vec<String> = Vec::new();
    let mut checked = 0;
    let mut check = |who: &str, what: &str| {
        for violation in browser.axe(&axe) {
            if FAILING.contains(&violation.impact.as_str()) {
                found.push(format!("{what} as {who}: {violation}"));
            } else {
                minor.push(format!("{what} as {who}: {violation}"));
            }
        }
        checked += 1;
    };

    for page in PAGES.iter().filter(|p| may_open(p.route, None)) {
        let address = served.address(page, None).expect("a public page has no placeholder");
        browser.goto(&address);
        check("the public", page.route);
    }
    // A refused login and an error page.
    browser.goto(&format!("{}/login", served.base));
    browser.fill("#login-name", "nobody");
    browser.fill("#login-password", "not the password");
    browser.follow("#login-submit");
    assert!(browser.find("#login-error").is_some());
    check("the public", "a refused login");
    browser.goto(&format!("{}/no-such-page", served.base));
    check("the public", "a missing page (404)");

    for (role, user) in ACCOUNTS {
        sign_in(&browser, &served, user);
        for page in PAGES.iter().filter(|p| p.route != "/login" && may_open(p.route, Some(role))) {
            let Some(address) = served.address(page, Some(user)) else { continue };
            browser.goto(&address);
            check(user, page.route);
        }
        if let Some(page) = PAGES.iter().find(|p| !may_open(p.route, Some(role))) {
            browser.goto(&served.address(page, Some(user)).unwrap_or_else(|| format!("{}{}", served.base, page.route)));
            check(user, "a forbidden page (403)");
        }
    }

    // Pages a form leads to.
    sign_in(&browser, &served, "reviewer");
    let item = served.item.expect("the demo's linkage has items to review");
    browser.goto(&format!("{}/review/{item}", served.base));
    browser.fill("#identities-purpose", "checking the page's accessibility");
    browser.follow("#identities-submit");
    assert!(browser.text("#review-records").contains("Family name"));
    check("reviewer", "a review item with its identities");
    sign_in(&browser, &served, "police_officer");
    browser.goto(&format!("{}/submissions/{}", served.base, served.staged["police_officer"]));
    browser.follow("#commit-submit");
    assert!(browser.find("#commit-result").is_some());
    check("police_officer", "a commit's result");

    assert!(checked >= PAGES.len(), "every page checked: {checked}");
    // Moderate and minor findings are reported, not failed on.
    for line in &minor {
        eprintln!("accessibility (moderate or minor): {line}");
    }
    assert!(found.is_empty(), "{} serious or critical violations:\n{}", found.len(), found.join("\n"));
}
