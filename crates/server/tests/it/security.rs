//! Security behaviour the matrix does not show: headers on every response, the body limit's 413,
//! malformed input answered 4xx with a reason, CSRF, login throttling, cookie attributes, and the
//! audit trail of logins and account changes.

use axum::body::Body;
use axum::http::{StatusCode, header};

use crate::support::{Harness, PASSWORD, body_json, body_text, cookie_value, csrf_of, request, set_cookie};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let harness = Harness::new(None).await;
    for uri in ["/dashboard", "/login", "/no-such-page", "/api/v1/users", "/static/palermo.css", "/api/v1/nothing"] {
        let response = harness.send(request("GET", uri, None).body(Body::empty()).expect("request")).await;
        let headers = response.headers();
        let csp = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{uri}: {csp}");
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{uri}: inline script allowed: {csp}");
        assert_eq!(headers.get(header::X_CONTENT_TYPE_OPTIONS).map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "{uri}");
        assert_eq!(headers.get(header::X_FRAME_OPTIONS).map(|v| v.as_bytes()), Some(&b"DENY"[..]), "{uri}");
        assert_eq!(headers.get(header::REFERRER_POLICY).map(|v| v.as_bytes()), Some(&b"no-referrer"[..]), "{uri}");
    }
    // No page carries an inline script: every <script> has a src or is a JSON data island.
    let session = harness.session("admin").await;
    for uri in ["/dashboard", "/login", "/admin/users", "/admin/tokens", "/admin/audit", "/submissions", "/quarantine"]
    {
        let html =
            body_text(harness.send(request("GET", uri, Some(&session)).body(Body::empty()).expect("r")).await).await;
        for tag in html.split("<script").skip(1) {
            let open = tag.split('>').next().unwrap_or_default();
            assert!(open.contains("src=") || open.contains("application/json"), "{uri}: inline script <script{open}>");
        }
        assert!(!html.contains(" style="), "{uri}: inline style attribute");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_refused_with_413_and_the_limit_named() {
    let harness = Harness::with_limit(None, 1 << 20).await;
    let token =
        app::accounts::create_token(&harness.observatory.store, "test", "police_officer", "t").await.expect("t");
    let big = vec![b'a'; 2 << 20];
    let (content_type, body) = crate::support::multipart(None, "police", "big.csv", &big);
    let response = harness
        .send(
            request("POST", "/api/v1/submissions", None)
                .header(header::AUTHORIZATION, format!("Bearer {}", token.secret))
                .header(header::CONTENT_TYPE, content_type)
                .header(header::CONTENT_LENGTH, body.len())
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let json = body_json(response).await;
    let reason = json["error"].as_str().unwrap_or_default();
    assert!(reason.contains("1 MiB"), "{json}");
    // Sent without a length (chunked), it is refused when the reading passes the limit.
    let (content_type, body) = crate::support::multipart(None, "police", "big.csv", &big);
    let response = harness
        .send(
            request("POST", "/api/v1/submissions", None)
                .header(header::AUTHORIZATION, format!("Bearer {}", token.secret))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    let status = response.status();
    let text = body_text(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    // A page's form gets the same, as a page.
    let session = harness.session("police_officer").await;
    let (content_type, body) = crate::support::multipart(Some(&session.csrf), "police", "big.csv", &big);
    let response = harness
        .send(
            request("POST", "/submissions", Some(&session))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body_text(response).await.contains("1 MiB"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_gets_a_4xx_with_a_reason_never_a_500() {
    let harness = Harness::new(None).await;
    let session = harness.session("admin").await;
    let probes: [(&str, &str, &str); 6] = [
        ("/api/v1/users", "application/json", "{not json"),
        ("/api/v1/users", "application/json", r#"{"name": 7}"#),
        ("/api/v1/users", "text/plain", "hello"),
        ("/api/v1/users", "application/json", r#"{"name":"x y","role":"analyst","password":"long enough password"}"#),
        ("/api/v1/users", "application/json", r#"{"name":"new","role":"wizard","password":"long enough password"}"#),
        ("/api/v1/tokens", "application/json", r#"{"user":"admin","label":""}"#),
    ];
    for (uri, content_type, body) in probes {
        let response = harness
            .send(
                request("POST", uri, Some(&session))
                    .header(server::CSRF_HEADER, &session.csrf)
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await;
        let status = response.status();
        assert!(status.is_client_error(), "{uri} {body}: {status}");
        let json = body_json(response).await;
        assert!(json["error"].as_str().is_some_and(|r| !r.is_empty()), "{uri} {body}: {json}");
    }
    // A weak password and a taken name are said as such.
    let weak = harness
        .send(
            request("POST", "/api/v1/users", Some(&session))
                .header(server::CSRF_HEADER, &session.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"name":"new","role":"analyst","password":"short"}"#))
                .expect("request"),
        )
        .await;
    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    assert!(body_json(weak).await["error"].as_str().unwrap_or_default().contains("12 characters"));
    let taken = harness
        .send(
            request("POST", "/api/v1/users", Some(&session))
                .header(server::CSRF_HEADER, &session.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(format!(r#"{{"name":"analyst","role":"analyst","password":"{PASSWORD}"}}"#)))
                .expect("request"),
        )
        .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_its_csrf_token_is_refused() {
    let harness = Harness::new(None).await;
    let session = harness.session("admin").await;
    let form = format!("name=newuser&role=analyst&password={}", PASSWORD.replace(' ', "+"));
    for csrf in [None, Some("not-the-token")] {
        let body = match csrf {
            Some(token) => format!("csrf={token}&{form}"),
            None => form.clone(),
        };
        let response = harness
            .send(
                request("POST", "/admin/users", Some(&session))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{csrf:?}");
    }
    assert!(app::accounts::users(&harness.observatory.store).await.expect("users").iter().all(|u| u.name != "newuser"));
    // With the token the same form works.
    let response = harness
        .send(
            request("POST", "/admin/users", Some(&session))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={}&{form}", session.csrf)))
                .expect("request"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(app::accounts::users(&harness.observatory.store).await.expect("users").iter().any(|u| u.name == "newuser"));
}

/// Signs in through the login form as a browser does: the form's page sets its CSRF cookie.
async fn login_form(harness: &Harness, name: &str, password: &str) -> axum::http::Response<Body> {
    let page = harness.send(request("GET", "/login", None).body(Body::empty()).expect("request")).await;
    let cookie = cookie_value(set_cookie(&page, server::LOGIN_COOKIE).expect("login cookie"));
    let csrf = csrf_of(&body_text(page).await).expect("csrf field");
    assert_eq!(cookie, csrf);
    let form = format!("csrf={csrf}&name={name}&password={}", password.replace(' ', "+"));
    harness
        .send(
            request("POST", "/login", None)
                .header(header::COOKIE, format!("{}={cookie}", server::LOGIN_COOKIE))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .expect("request"),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_sets_a_strict_cookie_and_failures_throttle_the_account() {
    let harness = Harness::new(None).await;
    let response = login_form(&harness, "analyst", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie(&response, server::SESSION_COOKIE).expect("session cookie").to_owned();
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    // The session works.
    let me = harness
        .send(
            request("GET", "/api/v1/me", None)
                .header(header::COOKIE, format!("{}={}", server::SESSION_COOKIE, cookie_value(&cookie)))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(body_json(me).await["role"], "analyst");

    // Five wrong passwords, then even the right one is refused for a while.
    for _ in 0..app::accounts::THROTTLE_FAILURES {
        let response = login_form(&harness, "reviewer", "wrong password, wrong").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = login_form(&harness, "reviewer", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(set_cookie(&response, server::SESSION_COOKIE).is_none());
    // Another account is not throttled.
    assert_eq!(login_form(&harness, "admin", PASSWORD).await.status(), StatusCode::SEE_OTHER);

    // Every attempt is in the audit log; no password is.
    let log = app::accounts::audit_log(&harness.observatory.store, None, None, 1000).await.expect("audit");
    let count = |action: &str| log.iter().filter(|e| e.action == action).count();
    assert_eq!(count("login"), 2, "the analyst's and the administrator's");
    assert_eq!(count("login.failed"), app::accounts::THROTTLE_FAILURES as usize);
    assert_eq!(count("login.throttled"), 1);
    assert!(log.iter().all(|e| !e.detail.contains("wrong password") && !e.detail.contains(PASSWORD)));
}

/// Parallel wrong passwords for one account (a storm from many connections): no more than
/// `THROTTLE_FAILURES` are checked, however many arrive at the same moment; the rest are
/// throttled, and then the right password is too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_parallel_logins_has_no_more_passwords_checked_than_the_throttle_allows() {
    let harness = Harness::new(None).await;
    let mut storm = tokio::task::JoinSet::new();
    for _ in 0..24 {
        let store = harness.observatory.store.clone();
        storm.spawn(async move { app::accounts::login(&store, "police_officer", "wrong password, wrong").await });
    }
    let outcomes = storm.join_all().await;
    let refused = outcomes.iter().filter(|o| matches!(o, Ok(app::accounts::Login::Refused))).count();
    let throttled = outcomes.iter().filter(|o| matches!(o, Ok(app::accounts::Login::Throttled))).count();
    assert_eq!(refused + throttled, 24, "{outcomes:?}");
    assert!(refused as i64 <= app::accounts::THROTTLE_FAILURES, "{refused} passwords checked");
    let right = app::accounts::login(&harness.observatory.store, "police_officer", PASSWORD).await.expect("login");
    assert!(matches!(right, app::accounts::Login::Throttled), "{right:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_account_loses_its_session_and_tokens() {
    let harness = Harness::new(None).await;
    let store = &harness.observatory.store;
    let session = harness.session("police_officer").await;
    let token = app::accounts::create_token(store, "test", "police_officer", "agency").await.expect("token");
    let me = |auth: (&'static str, String)| request("GET", "/api/v1/me", None).header(auth.0, auth.1);
    let by_cookie = || (header::COOKIE.as_str(), session.cookie_header());
    let by_token = || (header::AUTHORIZATION.as_str(), format!("Bearer {}", token.secret));
    assert_eq!(harness.send(me(by_cookie()).body(Body::empty()).expect("r")).await.status(), StatusCode::OK);
    assert_eq!(harness.send(me(by_token()).body(Body::empty()).expect("r")).await.status(), StatusCode::OK);
    let admin = harness.session("admin").await;
    let response = harness
        .send(
            request("POST", "/api/v1/users/police_officer/disable", Some(&admin))
                .header(server::CSRF_HEADER, &admin.csrf)
                .body(Body::empty())
                .expect("r"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(harness.send(me(by_cookie()).body(Body::empty()).expect("r")).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(harness.send(me(by_token()).body(Body::empty()).expect("r")).await.status(), StatusCode::UNAUTHORIZED);
    let log = app::accounts::audit_log(store, Some("admin"), Some("user.disable"), 10).await.expect("audit");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].detail, "user police_officer");
}
