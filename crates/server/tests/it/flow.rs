//! An agency's submission from upload to quarantine, through the pages and through the API; the
//! dashboard before and after the pipeline has published.

use axum::body::Body;
use axum::http::{StatusCode, header};

use crate::support::{Harness, body_json, body_text, multipart, request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitter_uploads_reads_the_report_commits_and_sees_its_quarantine() {
    let harness = Harness::new(None).await;
    let session = harness.session("police_officer").await;
    let (name, bytes) = harness.source_file("police");
    let (content_type, body) = multipart(Some(&session.csrf), "police", &name, &bytes);
    let response = harness
        .send(
            request("POST", "/submissions", Some(&session))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).expect("location").to_owned();
    // Nothing is stored before the commit.
    assert!(harness.observatory.store.submissions().await.expect("submissions").is_empty());

    let report =
        body_text(harness.send(request("GET", &location, Some(&session)).body(Body::empty()).expect("r")).await).await;
    let number = |id: &str| -> u64 {
        let at = report.find(&format!("id=\"{id}\">")).expect(id) + id.len() + 6;
        report[at..].split('<').next().and_then(|n| n.parse().ok()).expect("a number")
    };
    let (read, good, bad) = (number("rows-read"), number("rows-good"), number("rows-bad"));
    assert!(bad > 0, "the demo's police file has malformed rows");
    assert_eq!(read, good + bad);
    assert!(report.contains("id=\"validation-errors\""));

    // Another agency's submitter cannot see or commit it.
    let other = harness.session("ngo_officer").await;
    let response = harness.send(request("GET", &location, Some(&other)).body(Body::empty()).expect("r")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = harness
        .send(
            request("POST", &format!("{location}/commit"), Some(&other))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={}", other.csrf)))
                .expect("r"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Nor upload for the police.
    let (content_type, body) = multipart(Some(&other.csrf), "police", &name, &bytes);
    let response = harness
        .send(
            request("POST", "/submissions", Some(&other))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("r"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let response = harness
        .send(
            request("POST", &format!("{location}/commit"), Some(&session))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={}", session.csrf)))
                .expect("r"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let submissions = harness.observatory.store.submissions().await.expect("submissions");
    assert_eq!(submissions.len(), 1);
    assert_eq!((submissions[0].rows_stored as u64, submissions[0].rows_quarantined as u64), (good, bad));
    assert_eq!(submissions[0].file_name, name);

    // Its quarantine, with masked values; the NGO's submitter sees none of it.
    let quarantine =
        body_text(harness.send(request("GET", "/quarantine", Some(&session)).body(Body::empty()).expect("r")).await)
            .await;
    assert!(quarantine.contains(&format!("<p>{bad} refused rows")), "{quarantine}");
    let api = body_json(
        harness.send(request("GET", "/api/v1/quarantine", Some(&other)).body(Body::empty()).expect("r")).await,
    )
    .await;
    assert_eq!(api.as_array().map(Vec::len), Some(0));
    // Identifying values never appear unmasked in the quarantine page: no stored identity does.
    let identities =
        harness.observatory.store.read_identities("test", "checking the quarantine page").await.expect("ids");
    for identity in identities.iter().filter(|i| i.family_name.len() > 3) {
        assert!(!quarantine.contains(&format!(">{}<", identity.family_name)), "a family name in the quarantine page");
    }
    let log =
        app::accounts::audit_log(&harness.observatory.store, Some("police_officer"), None, 10).await.expect("log");
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"submission.stage") && actions.contains(&"submission.commit"), "{actions:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agency_system_submits_with_its_token() {
    let harness = Harness::new(None).await;
    let token =
        app::accounts::create_token(&harness.observatory.store, "test", "ngo_officer", "ngo system").await.expect("t");
    let auth = format!("Bearer {}", token.secret);
    let (name, bytes) = harness.source_file("ngo");
    let (content_type, body) = multipart(None, "ngo", &name, &bytes);
    let response = harness
        .send(
            request("POST", "/api/v1/submissions", None)
                .header(header::AUTHORIZATION, &auth)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("r"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let staged = body_json(response).await;
    let id = staged["id"].as_str().expect("id").to_owned();
    let good = staged["report"]["rows_good"].as_u64().expect("good");
    let response = harness
        .send(
            request("POST", &format!("/api/v1/submissions/{id}/commit"), None)
                .header(header::AUTHORIZATION, &auth)
                .body(Body::empty())
                .expect("r"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let committed = body_json(response).await;
    assert_eq!(committed["outcome"], "imported");
    assert_eq!(committed["rows_stored"].as_u64(), Some(good));
    // The same file again is no new submission.
    let (content_type, body) = multipart(None, "ngo", &name, &bytes);
    let again = body_json(
        harness
            .send(
                request("POST", "/api/v1/submissions", None)
                    .header(header::AUTHORIZATION, &auth)
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .expect("r"),
            )
            .await,
    )
    .await;
    let id = again["id"].as_str().expect("id");
    let response = harness
        .send(
            request("POST", &format!("/api/v1/submissions/{id}/commit"), None)
                .header(header::AUTHORIZATION, &auth)
                .body(Body::empty())
                .expect("r"),
        )
        .await;
    assert_eq!(body_json(response).await["outcome"], "already_imported");
    // A file of another type is refused with a reason.
    let (content_type, body) = multipart(None, "ngo", "notes.exe", b"MZ");
    let response = harness
        .send(
            request("POST", "/api/v1/submissions", None)
                .header(header::AUTHORIZATION, &auth)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("r"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(body_json(response).await["error"].as_str().unwrap_or_default().contains(".csv"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_what_the_run_published_and_only_that() {
    let harness = Harness::new(None).await;
    let before =
        body_text(harness.send(request("GET", "/dashboard", None).body(Body::empty()).expect("r")).await).await;
    assert!(before.contains("id=\"no-publication\""));
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    let summary =
        app::pipeline::run(&harness.observatory, today, &app::pipeline::RunOptions::default(), &model::NoProgress)
            .await
            .expect("run");
    let response = harness.send(request("GET", "/dashboard", None).body(Body::empty()).expect("r")).await;
    let csp = response
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(csp.contains("script-src 'self' 'unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let page = body_text(response).await;
    assert!(page.contains(&format!("id=\"figure-total\">{}<", summary.total)), "headline total");
    assert!(page.contains("id=\"chart-detected_by_year\""));
    assert!(page.contains("id=\"table-detected_by_year\""));
    // The API gives the same published document as out/statistics.json.
    let api =
        body_json(harness.send(request("GET", "/api/v1/dashboard", None).body(Body::empty()).expect("r")).await).await;
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(harness.dir.path().join("out/statistics.json")).expect("read"))
            .expect("json");
    assert_eq!(api["statistics"], file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_states_a_purpose_before_seeing_identities_and_decides() {
    let harness = Harness::new(None).await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    app::pipeline::run(&harness.observatory, today, &app::pipeline::RunOptions::default(), &model::NoProgress)
        .await
        .expect("run");
    let session = harness.session("reviewer").await;
    let items =
        body_json(harness.send(request("GET", "/api/v1/review", Some(&session)).body(Body::empty()).expect("r")).await)
            .await;
    let item = items.as_array().and_then(|i| i.first()).expect("the demo's linkage has items to review").clone();
    let id = item["id"].as_i64().expect("id");
    let page = body_text(
        harness.send(request("GET", &format!("/review/{id}"), Some(&session)).body(Body::empty()).expect("r")).await,
    )
    .await;
    assert!(page.contains("id=\"review-fields\"") && page.contains("id=\"show-identities\""));
    assert!(!page.contains("Family name"), "no identities before a purpose is stated");

    // No purpose, no identities.
    let refused = harness
        .send(
            request("POST", &format!("/review/{id}/identities"), Some(&session))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={}&purpose=", session.csrf)))
                .expect("r"),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let before = app::accounts::audit_log(&harness.observatory.store, Some("reviewer"), Some("read_identities"), 10)
        .await
        .expect("log");
    assert!(before.is_empty());

    let shown = harness
        .send(
            request("POST", &format!("/review/{id}/identities"), Some(&session))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={}&purpose=checking+a+borderline+pair", session.csrf)))
                .expect("r"),
        )
        .await;
    assert_eq!(shown.status(), StatusCode::OK);
    let page = body_text(shown).await;
    assert!(page.contains("Family name"));
    let log = app::accounts::audit_log(&harness.observatory.store, Some("reviewer"), Some("read_identities"), 10)
        .await
        .expect("log");
    assert_eq!(log.len(), 1);
    assert!(log[0].detail.contains(&format!("review item {id}: checking a borderline pair")), "{:?}", log[0]);

    let decided = harness
        .send(
            request("POST", &format!("/api/v1/review/{id}/decide"), Some(&session))
                .header(server::CSRF_HEADER, &session.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"verdict":"distinct"}"#))
                .expect("r"),
        )
        .await;
    assert_eq!(decided.status(), StatusCode::OK);
    assert_eq!(body_json(decided).await["decision"], "distinct");
    // An administrator manages accounts and does not read identities.
    let admin = harness.session("admin").await;
    let response =
        harness.send(request("GET", &format!("/review/{id}"), Some(&admin)).body(Body::empty()).expect("r")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
