//! The OpenAPI document served at /api/v1/openapi.json lists exactly the API's routes, with
//! their methods.

use std::collections::BTreeSet;

use axum::body::Body;

use crate::support::{Harness, body_json, request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_exactly_the_api_routes() {
    let harness = Harness::new(None).await;
    let served =
        body_json(harness.send(request("GET", "/api/v1/openapi.json", None).body(Body::empty()).expect("r")).await)
            .await;
    assert_eq!(served, server::openapi_json(), "the served document is the generated one");
    assert!(served["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let mut documented = BTreeSet::new();
    for (path, item) in served["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let routed: BTreeSet<(String, String)> = server::route_table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/"))
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(documented, routed, "documented (left) and routed (right) API routes differ");
    // Every operation that needs an account says so.
    for route in server::route_table().iter().filter(|r| r.path.starts_with("/api/")) {
        let operation = &served["paths"][route.path][route.method.to_lowercase()];
        let secured = operation["security"].as_array().is_some_and(|s| !s.is_empty());
        assert_eq!(secured, route.access != server::Access::Public, "{} {}", route.method, route.path);
    }
}
