//! On PostgreSQL: the access-control matrix, and two server instances on one database serving
//! one observatory (a session opened on one works on the other; failed logins counted by one
//! throttle the other; a file staged on one is committed on the other), and the audit log
//! refusing UPDATE and DELETE. PostgreSQL is the server at 127.0.0.1:5432 (database `test`, or
//! `PALERMO_TEST_POSTGRES`); each test makes and drops a database of its own, and skips (fails
//! under `CI=true`) when the server is missing.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{StatusCode, header};
use tower::ServiceExt;

use crate::support::{Harness, PASSWORD, body_json, multipart, request};

const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A fresh PostgreSQL database for one test, dropped at the end.
struct PgDatabase {
    url: String,
    name: String,
    admin: String,
}

impl PgDatabase {
    async fn create(tag: &str) -> Option<PgDatabase> {
        use sqlx::Connection;
        let admin = std::env::var("PALERMO_TEST_POSTGRES").unwrap_or_else(|_| ADMIN_URL.to_owned());
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(conn) => conn,
            Err(e) => {
                testkit::skip(&format!("PostgreSQL at {admin}"), e);
                return None;
            }
        };
        let name = format!("palermo_serve_{tag}_{}", std::process::id());
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&mut conn).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("create");
        let url = admin.rsplit_once('/').map(|(base, _)| format!("{base}/{name}")).expect("url");
        Some(PgDatabase { url, name, admin })
    }

    async fn drop_database(self) {
        use sqlx::Connection;
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
                .execute(&mut conn)
                .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_matrix_says_on_postgres() {
    let Some(pg) = PgDatabase::create("matrix").await else { return };
    let harness = Harness::new(Some(&pg.url)).await;
    let mismatches = crate::matrix::run_matrix(&harness).await;
    harness.observatory.store.close().await;
    pg.drop_database().await;
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_serve_one_observatory() {
    let Some(pg) = PgDatabase::create("two").await else { return };
    let harness = Harness::new(Some(&pg.url)).await;
    let other = Arc::new(app::Observatory::open(harness.dir.path(), Some(&pg.url)).await.expect("open"));
    let second = harness.second_instance(other.clone());

    // A session opened through the first instance works on the second.
    let session = harness.session("police_officer").await;
    let me = second
        .clone()
        .oneshot(request("GET", "/api/v1/me", Some(&session)).body(Body::empty()).expect("r"))
        .await
        .expect("r");
    assert_eq!(body_json(me).await["name"], "police_officer");

    // A file staged on the first is committed on the second.
    let (name, bytes) = harness.source_file("police");
    let (content_type, body) = multipart(None, "police", &name, &bytes);
    let staged = harness
        .send(
            request("POST", "/api/v1/submissions", Some(&session))
                .header(server::CSRF_HEADER, &session.csrf)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("r"),
        )
        .await;
    assert_eq!(staged.status(), StatusCode::CREATED);
    let id = body_json(staged).await["id"].as_str().expect("id").to_owned();
    let committed = second
        .clone()
        .oneshot(
            request("POST", &format!("/api/v1/submissions/{id}/commit"), Some(&session))
                .header(server::CSRF_HEADER, &session.csrf)
                .body(Body::empty())
                .expect("r"),
        )
        .await
        .expect("r");
    assert_eq!(committed.status(), StatusCode::OK);
    assert_eq!(other.store.submissions().await.expect("s").len(), 1);

    // Failed logins on one instance throttle the account on the other.
    for _ in 0..app::accounts::THROTTLE_FAILURES {
        let outcome =
            app::accounts::login(&harness.observatory.store, "reviewer", "not the password").await.expect("l");
        assert!(matches!(outcome, app::accounts::Login::Refused));
    }
    let outcome = app::accounts::login(&other.store, "reviewer", PASSWORD).await.expect("login");
    assert!(matches!(outcome, app::accounts::Login::Throttled));

    // The audit log is append-only for the database itself.
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&pg.url).await.expect("connect");
    for statement in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        let refused = sqlx::raw_sql(statement).execute(&mut conn).await;
        assert!(refused.is_err_and(|e| e.to_string().contains("append-only")), "{statement}");
    }
    other.store.close().await;
    harness.observatory.store.close().await;
    pg.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_started_on_one_instance_is_seen_and_guarded_by_the_other() {
    let Some(pg) = PgDatabase::create("jobs").await else { return };
    let harness = Harness::new(Some(&pg.url)).await;
    let other = Arc::new(app::Observatory::open(harness.dir.path(), Some(&pg.url)).await.expect("open"));
    let second = harness.second_instance(other.clone());
    let analyst = harness.session("analyst").await;
    let status = |app: axum::Router| {
        let analyst = analyst.clone();
        async move {
            let r = app.oneshot(request("GET", "/api/v1/run", Some(&analyst)).body(Body::empty()).expect("r")).await;
            body_json(r.expect("r")).await["job"].clone()
        }
    };

    // A run left "running" by an instance that died (no heartbeat for five minutes) blocks nothing.
    let long_ago = chrono::Utc::now() - chrono::Duration::minutes(5);
    let dead = app::jobs::claim(&other.store, app::jobs::RUN, "analyst", long_ago).await.expect("claim");
    let seen = status(second.clone()).await;
    assert_eq!((seen["id"].as_i64(), seen["state"].as_str()), (Some(dead.id), Some("failed")), "{seen}");

    // Started on the first instance: the second sees it and refuses another.
    let started = harness.send(crate::jobs::start(&analyst)).await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let job = body_json(started).await;
    assert_ne!(job["id"].as_i64(), Some(dead.id));
    let seen = status(second.clone()).await;
    assert_eq!(seen["id"], job["id"]);
    let refused = second.clone().oneshot(crate::jobs::start(&analyst)).await.expect("r");
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let ended = crate::jobs::wait_for_end(&second, &analyst).await;
    assert_eq!((ended["id"].clone(), ended["state"].as_str()), (job["id"].clone(), Some("finished")), "{ended}");
    let dead = other.store.job(dead.id).await.expect("job").expect("dead job");
    assert_eq!((dead.state.as_str(), dead.message.as_deref()), ("failed", Some(app::jobs::STOPPED)));

    other.store.close().await;
    harness.observatory.store.close().await;
    pg.drop_database().await;
}
