//! A small demo observatory with one account of each role, and helpers to send requests.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, header};
use tower::ServiceExt;

/// The password of every test account.
pub const PASSWORD: &str = "correct horse battery staple";

/// A demo observatory (300 persons) served in process.
pub struct Harness {
    pub dir: tempfile::TempDir,
    pub observatory: Arc<app::Observatory>,
    pub app: axum::Router,
}

impl Harness {
    /// The demo folder, on SQLite or on `database`.
    pub async fn new(database: Option<&str>) -> Harness {
        Harness::with_limit(database, 8 << 20).await
    }

    pub async fn with_limit(database: Option<&str>, max_upload_bytes: usize) -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        app::pipeline::write_demo(dir.path(), &app::sim::SimConfig { size: 300, ..Default::default() }, None)
            .expect("demo");
        let observatory = Arc::new(app::Observatory::open(dir.path(), database).await.expect("open"));
        let app = server::app(server::ServerState::new(observatory.clone(), max_upload_bytes));
        let harness = Harness { dir, observatory, app };
        for (name, role) in [
            ("admin", app::accounts::Role::Administrator),
            ("analyst", app::accounts::Role::Analyst),
            ("reviewer", app::accounts::Role::Reviewer),
            ("police_officer", app::accounts::Role::Submitter { source: "police".into() }),
            ("ngo_officer", app::accounts::Role::Submitter { source: "ngo".into() }),
            ("focal", app::accounts::Role::FocalPoint { state: "XDL".into() }),
        ] {
            app::accounts::add_user(&harness.observatory, "test", name, role, PASSWORD).await.expect("add user");
        }
        harness
    }

    /// Another server instance on the same folder and database.
    pub fn second_instance(&self, observatory: Arc<app::Observatory>) -> axum::Router {
        server::app(server::ServerState::new(observatory, 8 << 20))
    }

    /// Signs `name` in (as the login form does) and returns its session.
    pub async fn session(&self, name: &str) -> Session {
        match app::accounts::login(&self.observatory.store, name, PASSWORD).await.expect("login") {
            app::accounts::Login::Accepted(s) => Session { cookie: s.secret, csrf: s.csrf },
            other => panic!("login of {name}: {other:?}"),
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.app.clone().oneshot(request).await.expect("infallible")
    }

    /// The bytes of a source's demo file, and its name.
    pub fn source_file(&self, source: &str) -> (String, Vec<u8>) {
        let settings = self.observatory.settings.source(source).expect("source");
        let path = self.dir.path().join(&settings.file);
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        (name, std::fs::read(&path).expect("read"))
    }
}

/// A signed-in browser: its cookie's secret and its forms' CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    pub fn cookie_header(&self) -> String {
        format!("{}={}", server::SESSION_COOKIE, self.cookie)
    }
}

pub async fn body_text(response: Response<Body>) -> String {
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.expect("body").to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

pub async fn body_json(response: Response<Body>) -> serde_json::Value {
    let text = body_text(response).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A multipart body with a `source` field and a `file` field (and a `csrf` field when given).
pub fn multipart(csrf: Option<&str>, source: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "palermo-test-boundary-7d1f";
    let mut body = Vec::new();
    let mut text_field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    };
    if let Some(csrf) = csrf {
        text_field("csrf", csrf);
    }
    text_field("source", source);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A request builder with the session's cookie (and, for a POST, nothing else).
pub fn request(method: &str, uri: &str, session: Option<&Session>) -> axum::http::request::Builder {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(session) = session {
        builder = builder.header(header::COOKIE, session.cookie_header());
    }
    builder
}

/// The first `Set-Cookie` value for `name`.
pub fn set_cookie<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

/// The value of a `Set-Cookie` header (between `=` and the first `;`).
pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().and_then(|kv| kv.split_once('=')).map(|(_, v)| v.to_owned()).unwrap_or_default()
}

/// The value of the first hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}
