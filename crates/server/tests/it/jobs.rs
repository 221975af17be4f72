//! `palermo run` started from the web: a background job, one at a time, whose state lives in the
//! database; and the estimates page showing what the run published.

use axum::body::Body;
use axum::http::{StatusCode, header};

use crate::support::{Harness, Session, body_json, body_text, request};

/// Polls `GET /api/v1/run` on `app` until the job is no longer running (at most five minutes).
pub async fn wait_for_end(app: &axum::Router, session: &Session) -> serde_json::Value {
    use tower::ServiceExt;
    let started = std::time::Instant::now();
    loop {
        let response = app
            .clone()
            .oneshot(request("GET", "/api/v1/run", Some(session)).body(Body::empty()).expect("r"))
            .await
            .expect("r");
        assert_eq!(response.status(), StatusCode::OK);
        let job = body_json(response).await["job"].clone();
        if job["state"] != "running" {
            return job;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(300), "the run did not end: {job}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

pub fn start(session: &Session) -> axum::http::Request<Body> {
    request("POST", "/api/v1/run", Some(session))
        .header(server::CSRF_HEADER, &session.csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .expect("r")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_runs_the_pipeline_from_the_web_and_the_dashboard_shows_it() {
    let harness = Harness::new(None).await;
    let analyst = harness.session("analyst").await;
    let none =
        body_json(harness.send(request("GET", "/api/v1/run", Some(&analyst)).body(Body::empty()).expect("r")).await)
            .await;
    assert_eq!(none["job"], serde_json::Value::Null);
    let estimates =
        body_text(harness.send(request("GET", "/estimates", None).body(Body::empty()).expect("r")).await).await;
    assert!(estimates.contains("id=\"no-estimate\""), "nothing published yet");

    let response = harness.send(start(&analyst)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let job = body_json(response).await;
    assert_eq!((job["state"].as_str(), job["started_by"].as_str()), (Some("running"), Some("analyst")));
    // A second start while the first runs is refused, with the reason.
    let second = harness.send(start(&analyst)).await;
    assert_eq!(second.status(), StatusCode::CONFLICT);
    assert!(body_json(second).await["error"].as_str().is_some_and(|e| e.contains("already in progress")));
    // The page, reloaded, finds the running job and follows it with the static script.
    let page =
        body_text(harness.send(request("GET", "/run", Some(&analyst)).body(Body::empty()).expect("r")).await).await;
    assert!(page.contains(&format!("data-job=\"{}\"", job["id"])), "{page}");
    assert!(page.contains("src=\"/static/run.js\"") && !page.contains("<script>"));

    // Nor may a terminal's `palermo run` start meanwhile.
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let options = app::pipeline::RunOptions::default();
    let terminal = app::jobs::run_in_foreground(&harness.observatory, today, &options, &model::NoProgress);
    let refused = terminal.await.expect_err("a terminal run while the web's runs");
    assert!(refused.to_string().contains("already in progress (started by analyst"), "{refused}");

    let ended = wait_for_end(&harness.app, &analyst).await;
    assert_eq!(ended["state"], "finished", "{ended}");
    assert_eq!(ended["id"], job["id"]);
    let total = ended["summary"]["total"].as_u64().expect("total");
    assert!(total > 0);
    // The dashboard shows the new figures.
    let dashboard =
        body_text(harness.send(request("GET", "/dashboard", None).body(Body::empty()).expect("r")).await).await;
    assert!(dashboard.contains(&format!("id=\"figure-total\">{total}<")), "the dashboard shows the run's total");
    // Each chart says how its table was protected, with the table's own count of withheld cells.
    let statistics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(harness.dir.path().join("out/statistics.json")).expect("statistics"),
    )
    .expect("json");
    let mut charts = 0;
    for (name, table) in statistics["tables"].as_object().expect("tables") {
        if !dashboard.contains(&format!("id=\"chart-{name}\"")) {
            continue;
        }
        charts += 1;
        let at = dashboard
            .find(&format!("id=\"protection-{name}\">"))
            .unwrap_or_else(|| panic!("{name}: no protection line"));
        let line = dashboard[at..].split("</p>").next().unwrap_or_default();
        let withheld = table["suppressed_cells"].as_u64().expect("suppressed_cells");
        let says = match withheld {
            0 => "none of this table's cells is withheld".to_owned(),
            1 => "1 of this table's cells is withheld".to_owned(),
            n => format!("{n} of this table's cells are withheld"),
        };
        assert!(line.contains("Protected by cell suppression") && line.contains(&says), "{name}: {line}");
    }
    assert!(charts >= 3, "{charts} charts");
    let page =
        body_text(harness.send(request("GET", "/run", Some(&analyst)).body(Body::empty()).expect("r")).await).await;
    assert!(page.contains("id=\"run-summary\"") && page.contains("id=\"run-start\""));
    let audit = harness.observatory.store.audit_entries(Some("analyst"), Some("run.start"), 10).await.expect("audit");
    assert_eq!(audit.len(), 1);

    // The estimates: the published file, its intervals, the models along the search, the caveats.
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(harness.dir.path().join("out/estimate.json")).expect("estimate"))
            .expect("json");
    let api =
        body_json(harness.send(request("GET", "/api/v1/estimates", None).body(Body::empty()).expect("r")).await).await;
    assert_eq!(api["published"], true);
    assert_eq!(api["estimate"], file["estimate"]);
    assert_eq!(api["observed"], file["observed"]);
    let headline = file["linkage_uncertainty"]["interval"].as_array().or(file["ci_bca"].as_array()).expect("interval");
    assert_eq!((&api["intervals"][0]["lower"], &api["intervals"][0]["upper"]), (&headline[0], &headline[1]));
    assert_eq!(api["search"].as_array().map(Vec::len), file["path"].as_array().map(Vec::len));
    assert!(!api["search"].as_array().expect("search").is_empty(), "the models along the search are published");
    assert!(api["caveats"].as_array().is_some_and(|c| c.len() >= 2));
    let response = harness.send(request("GET", "/estimates", None).body(Body::empty()).expect("r")).await;
    let csp = response
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"));
    let page = body_text(response).await;
    let estimate = file["estimate"].as_f64().expect("estimate");
    assert!(page.contains(&format!("id=\"estimate-value\">{estimate:.0}<")), "the estimate on the page");
    for id in ["chart-intervals", "table-intervals", "chart-search", "table-search", "caveats"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_run_says_why() {
    let harness = Harness::new(None).await;
    // A source whose file is gone: the run fails at its import.
    let police = harness.observatory.settings.source("police").expect("police").file.clone();
    std::fs::remove_file(harness.dir.path().join(police)).expect("remove");
    let analyst = harness.session("analyst").await;
    assert_eq!(harness.send(start(&analyst)).await.status(), StatusCode::ACCEPTED);
    let ended = wait_for_end(&harness.app, &analyst).await;
    assert_eq!(ended["state"], "failed", "{ended}");
    assert!(ended["message"].as_str().is_some_and(|m| !m.is_empty()), "{ended}");
    let page =
        body_text(harness.send(request("GET", "/run", Some(&analyst)).body(Body::empty()).expect("r")).await).await;
    assert!(page.contains("id=\"run-error\""));
    // A new run may start after a failed one.
    let again = harness.send(start(&analyst)).await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    wait_for_end(&harness.app, &analyst).await;
}

/// `palermo run` from a terminal takes the observatory's job slot too: the Run page shows it
/// running, with its progress, the web cannot start another meanwhile, and its end is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_from_the_terminal_holds_the_web_off_until_it_ends() {
    let harness = Harness::new(None).await;
    let analyst = harness.session("analyst").await;
    let observatory = harness.observatory.clone();
    let terminal = tokio::spawn(async move {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
        let options = app::pipeline::RunOptions::default();
        app::jobs::run_in_foreground(&observatory, today, &options, &model::NoProgress).await
    });
    // Once the terminal's run holds the slot, the web is refused.
    let started = std::time::Instant::now();
    loop {
        let job = app::jobs::latest_run(&harness.observatory.store).await.expect("latest run");
        if job.is_some_and(|j| j.started_by.starts_with("terminal (pid ") && j.state == app::jobs::JobState::Running) {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the terminal's run never showed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let refused = harness.send(start(&analyst)).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let error = body_json(refused).await["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("already in progress (started by terminal"), "{error}");
    let summary = terminal.await.expect("join").expect("the terminal's run");
    assert!(summary.total > 0);
    let ended = wait_for_end(&harness.app, &analyst).await;
    assert_eq!(ended["state"], "finished", "{ended}");
    assert!(
        ended["started_by"]
            .as_str()
            .is_some_and(|by| by.starts_with(&format!("terminal (pid {} on ", std::process::id()))),
        "{ended}"
    );
    assert_eq!(ended["summary"]["total"].as_u64(), Some(summary.total));
    assert_eq!(harness.send(start(&analyst)).await.status(), StatusCode::ACCEPTED, "the slot is free again");
    wait_for_end(&harness.app, &analyst).await;
}
