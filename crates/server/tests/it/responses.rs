//! States' questionnaires filled in on the web (drafts, validation by field, compare-and-swap on
//! the version, the analyst's compiled report) and an agency's quarantine downloaded as CSV.

use axum::body::Body;
use axum::http::{StatusCode, header};

use crate::support::{Harness, PASSWORD, Session, body_json, body_text, request};

fn post_form(session: &Session, fields: &[(&str, &str)]) -> axum::http::Request<Body> {
    let mut pairs: Vec<(&str, &str)> = vec![("csrf", &session.csrf)];
    pairs.extend_from_slice(fields);
    let body = serde_urlencoded::to_string(&pairs).expect("form");
    request("POST", "/questionnaire", Some(session))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("r")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focal_point_saves_a_draft_and_submits_and_a_stale_form_is_refused() {
    let harness = Harness::new(None).await;
    let store = &harness.observatory.store;
    let focal = harness.session("focal").await;
    let api = body_json(
        harness.send(request("GET", "/api/v1/questionnaire", Some(&focal)).body(Body::empty()).expect("r")).await,
    )
    .await;
    assert_eq!((api["state"].as_str(), api["version"].as_i64()), (Some("XDL"), Some(0)));
    let round = api["round"].as_str().expect("round").to_owned();
    // The form is generated from the vocabulary: every measure of the template is a question.
    let measure = &api["questions"]["themes"][0]["measures"][0];
    let (code, status) =
        (measure["code"].as_str().expect("code"), measure["statuses"][0]["code"].as_str().expect("status"));
    let page =
        body_text(harness.send(request("GET", "/questionnaire", Some(&focal)).body(Body::empty()).expect("r")).await)
            .await;
    assert!(
        page.contains("name=\"measures[0].status\"") && page.contains(&format!("<code>{code}</code>")),
        "the first measure's question"
    );
    assert!(page.contains("for=\"q-measures-0-status\""), "inputs are labelled");

    // A draft.
    let saved = harness
        .send(post_form(
            &focal,
            &[
                ("version", "0"),
                ("action", "save"),
                ("measures[0].status", status),
                ("measures[0].evidence", "Act 12 of 2025"),
            ],
        ))
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let draft = store.questionnaire(&round, "XDL").await.expect("read").expect("draft");
    assert_eq!((draft.version, draft.status.as_str()), (1, "draft"));
    // A second save made against version 0 (another tab, a colleague) is refused; nothing changes.
    let stale = harness.send(post_form(&focal, &[("version", "0"), ("action", "save")])).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(body_text(stale).await.contains("changed since you opened it"));
    assert_eq!(store.questionnaire(&round, "XDL").await.expect("read").expect("draft"), draft);

    // A submission with bad values: every problem at its field, nothing saved.
    let refused = harness
        .send(post_form(
            &focal,
            &[
                ("version", "1"),
                ("action", "submit"),
                ("submitted", "2999-01-01"),
                ("measures[0].status", status),
                ("measures[0].year", "soon"),
                ("measures[1].status", "no_such_status"),
            ],
        ))
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(refused).await;
    for id in ["q-submitted-error", "q-measures-0-year-error", "q-measures-1-status-error"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id} in the refused form");
    }
    assert!(page.contains("aria-invalid=\"true\"") && page.contains("value=\"soon\""), "the values as sent are kept");
    assert_eq!(store.questionnaire(&round, "XDL").await.expect("read").expect("draft").version, 1);
    let before = app::monitor::load(store).await.expect("load").expect("dataset");
    assert!(!before.submissions.iter().any(|s| s.round == round && s.state.as_str() == "XDL"));

    // The reply, valid, against the current version: stored in the monitoring dataset. (The form
    // offers today's date for the reply.)
    let page =
        body_text(harness.send(request("GET", "/questionnaire", Some(&focal)).body(Body::empty()).expect("r")).await)
            .await;
    let today = chrono::Local::now().date_naive().format("%Y-%m-%d").to_string();
    assert!(page.contains(&format!("name=\"submitted\" type=\"text\" value=\"{today}\"")), "today's date offered");
    let submitted = harness
        .send(post_form(
            &focal,
            &[
                ("version", "1"),
                ("action", "submit"),
                ("submitted", &today),
                ("measures[0].status", status),
                ("measures[0].year", "2025"),
            ],
        ))
        .await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let reply = store.questionnaire(&round, "XDL").await.expect("read").expect("reply");
    assert_eq!((reply.version, reply.status.as_str()), (2, "submitted"));
    let after = app::monitor::load(store).await.expect("load").expect("dataset");
    assert!(after.submissions.iter().any(|s| s.round == round && s.state.as_str() == "XDL" && s.measures == 1));
    // Through the API, a submission against version 1 is refused too.
    let answers = body_json(
        harness.send(request("GET", "/api/v1/questionnaire", Some(&focal)).body(Body::empty()).expect("r")).await,
    )
    .await;
    assert_eq!((answers["version"].as_i64(), answers["status"].as_str()), (Some(2), Some("submitted")));
    let body = serde_json::json!({"version": 1, "submit": true, "answers": answers["answers"]});
    let stale = harness
        .send(
            request("POST", "/api/v1/questionnaire", Some(&focal))
                .header(server::CSRF_HEADER, &focal.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("r"),
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);

    // Another State's focal point has its own questionnaire only.
    app::accounts::add_user(
        &harness.observatory,
        "test",
        "focal_alb",
        app::accounts::Role::FocalPoint { state: "ALB".into() },
        PASSWORD,
    )
    .await
    .expect("user");
    let other = harness.session("focal_alb").await;
    let theirs = body_json(
        harness.send(request("GET", "/api/v1/questionnaire", Some(&other)).body(Body::empty()).expect("r")).await,
    )
    .await;
    assert_eq!((theirs["state"].as_str(), theirs["version"].as_i64()), (Some("ALB"), Some(0)));

    // The analyst sees the responses and the compiled report; a focal point does not.
    let analyst = harness.session("analyst").await;
    let responses =
        body_text(harness.send(request("GET", "/responses", Some(&analyst)).body(Body::empty()).expect("r")).await)
            .await;
    assert!(responses.contains("(XDL)") && responses.contains("submitted"));
    let report =
        harness.send(request("GET", "/responses/report", Some(&analyst)).body(Body::empty()).expect("r")).await;
    assert_eq!(report.status(), StatusCode::OK);
    let csp = report
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(!csp.contains("script-src") && csp.contains("default-src 'none'"), "{csp}");
    let api = body_json(
        harness.send(request("GET", "/api/v1/responses", Some(&analyst)).body(Body::empty()).expect("r")).await,
    )
    .await;
    assert_eq!(api["questionnaires"][0]["state"], "XDL");
    let refused = harness.send(request("GET", "/responses", Some(&focal)).body(Body::empty()).expect("r")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let audit = store.audit_entries(Some("focal"), Some("questionnaire.submit"), 10).await.expect("audit");
    assert_eq!(audit.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitter_downloads_its_own_quarantine_and_no_other() {
    let harness = Harness::new(None).await;
    let observatory = &harness.observatory;
    let account = match app::accounts::login(&observatory.store, "police_officer", PASSWORD).await.expect("login") {
        app::accounts::Login::Accepted(s) => s.account,
        other => panic!("{other:?}"),
    };
    let (name, bytes) = harness.source_file("police");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    let staged = app::submit::stage(observatory, &account, "police", &name, &bytes, today).await.expect("stage");
    app::submit::commit(observatory, &account, &staged.id, false, today).await.expect("commit");
    let refused_rows = app::submit::quarantine(observatory, &account).await.expect("quarantine").len();
    assert!(refused_rows > 0, "the demo's police file has malformed rows");

    let police = harness.session("police_officer").await;
    let response =
        harness.send(request("GET", "/quarantine/police/csv", Some(&police)).body(Body::empty()).expect("r")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(disposition, "attachment; filename=\"quarantine-police.csv\"");
    let csv = body_text(response).await;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_owned).collect();
    assert_eq!(header[..4], ["submission_id", "file", "row", "reasons"]);
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("records");
    assert_eq!(records.len(), refused_rows, "one record per refused row");
    assert!(records.iter().all(|r| !r[3].is_empty()), "every row says why it was refused");
    assert!(header.len() > 4, "the rows' own columns follow");
    let audit =
        observatory.store.audit_entries(Some("police_officer"), Some("quarantine.export"), 10).await.expect("audit");
    assert_eq!(audit.len(), 1, "the download is audited as an export");

    // Another agency's submitter is refused, by page and by API; an unknown source is not found.
    let ngo = harness.session("ngo_officer").await;
    for uri in ["/quarantine/police/csv", "/api/v1/quarantine/police/csv"] {
        let response = harness.send(request("GET", uri, Some(&ngo)).body(Body::empty()).expect("r")).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{uri}");
    }
    let response = harness
        .send(request("GET", "/api/v1/quarantine/nowhere/csv", Some(&police)).body(Body::empty()).expect("r"))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        observatory
            .store
            .audit_entries(Some("ngo_officer"), Some("quarantine.export"), 10)
            .await
            .expect("audit")
            .is_empty()
    );
}
