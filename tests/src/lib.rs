//! The end-to-end harness: starts the real server (in-process on `127.0.0.1:0`, or the
//! real `ponte` binary) with a fresh database in a temp dir — a SQLite file, or a fresh
//! PostgreSQL database per test when `PONTE_TEST_POSTGRES_URL` is set — and talks to it
//! over HTTP like any client would.
//!
//! It knows the API only through HTTP and the server's public entry points.

/// The allocator the `ponte` binary runs with (`server/src/main.rs`), for every test and
/// benchmark built on this harness, so that benchmark figures are the server's: with
/// glibc's, a search took about a fifth longer (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod bench;
pub mod discord_standin;
pub mod receiver;
pub mod webdriver;

use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub use server::Settings;

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the same async test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident => $body:ident;)+) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$body($crate::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$body($crate::Backend::Postgres).await;
                }
            )+
        }
    };
}

pub const POSTGRES_ENV: &str = "PONTE_TEST_POSTGRES_URL";

/// A fresh, randomly named PostgreSQL database, or `None` (with a loud message) when no
/// server is configured.
pub async fn fresh_postgres_database() -> Option<String> {
    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
        eprintln!("SKIPPED: {POSTGRES_ENV} is not set, so this PostgreSQL test did not run");
        return None;
    };
    let name = format!("ponte_test_{}", uuid::Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(admin_url.as_str())
        .await
        .unwrap_or_else(|error| panic!("{POSTGRES_ENV}={admin_url} is not reachable: {error}"));
    use sea_orm::ConnectionTrait;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|error| panic!("cannot create database {name}: {error}"));
    let _ = admin.close().await;
    // Swap the database name in the URL: everything up to the first `/` after the host.
    let after_scheme = admin_url.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match admin_url[after_scheme..].find('/') {
        Some(slash) => &admin_url[..after_scheme + slash],
        None => admin_url.as_str(),
    };
    Some(format!("{base}/{name}"))
}

/// Settings for a test server: port 0, a temp data dir, generous rate limits.
pub fn test_settings(data_dir: &std::path::Path, database_url: Option<String>) -> Settings {
    let mut settings = Settings::new(data_dir);
    settings.bind = "127.0.0.1:0".to_owned();
    settings.database_url = database_url;
    settings.auth_attempts_per_minute = 10_000;
    settings.shutdown_grace_seconds = 10;
    // Webhook receivers in tests listen on loopback, and retries should not take minutes.
    settings.webhook_allow_private = true;
    settings.webhook_timeout_seconds = 2;
    settings.delivery_retry_base_ms = 200;
    settings.delivery_max_attempts = 4;
    settings.chat_messages_per_minute = 10_000;
    settings
}

/// How a request authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    Anonymous,
    /// The `Cookie` header value.
    Cookie(String),
    Bearer(String),
}

/// A response, read completely.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    pub fn field(&self) -> Option<&str> {
        self.body["field"].as_str()
    }

    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts a client error with its code (and field, when given).
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str, field: Option<&str>) {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(self.code(), code, "unexpected code; body: {}", self.text);
        if field.is_some() {
            assert_eq!(self.field(), field, "unexpected field; body: {}", self.text);
        }
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "no message: {}",
            self.text
        );
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().unwrap_or_default().to_owned()
    }
}

/// A client bound to one server address.
#[derive(Debug, Clone)]
pub struct Client {
    pub base: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(address: std::net::SocketAddr) -> Self {
        Client {
            base: format!("http://{address}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_else(|error| panic!("http client: {error}")),
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        auth: &Auth,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.try_request(method, path, auth, body, headers)
            .await
            .unwrap_or_else(|error| panic!("request failed: {error}"))
    }

    /// Like [`Client::request`], but a request the server never answered (refused, or
    /// its connection reset) is an `Err` instead of a panic.
    pub async fn try_request(
        &self,
        method: Method,
        path: &str,
        auth: &Auth,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        match auth {
            Auth::Anonymous => {}
            Auth::Cookie(cookie) => request = request.header("cookie", cookie),
            Auth::Bearer(token) => request = request.bearer_auth(token),
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        Ok(Self::read(Ok(response)).await)
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        auth: &Auth,
        content_type: &str,
        body: reqwest::Body,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Auth::Bearer(token) = auth {
            request = request.bearer_auth(token);
        }
        if let Auth::Cookie(cookie) = auth {
            request = request.header("cookie", cookie);
        }
        Self::read(request.send().await).await
    }

    async fn read(sent: reqwest::Result<reqwest::Response>) -> Reply {
        let response = sent.unwrap_or_else(|error| panic!("request failed: {error}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// Posts an HTML form (`application/x-www-form-urlencoded`) as a browser would.
    pub async fn form(
        &self,
        path: &str,
        auth: &Auth,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            body.append_pair(name, value);
        }
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.finish());
        match auth {
            Auth::Anonymous => {}
            Auth::Cookie(cookie) => request = request.header("cookie", cookie),
            Auth::Bearer(token) => request = request.bearer_auth(token),
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::read(request.send().await).await
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> Reply {
        self.request(Method::GET, path, auth, None, &[]).await
    }

    pub async fn post(&self, path: &str, auth: &Auth, body: &Value) -> Reply {
        self.request(Method::POST, path, auth, Some(body), &[])
            .await
    }

    pub async fn patch(
        &self,
        path: &str,
        auth: &Auth,
        body: &Value,
        if_match: Option<&str>,
    ) -> Reply {
        let headers: Vec<(&str, &str)> =
            if_match.map(|v| vec![("if-match", v)]).unwrap_or_default();
        self.request(Method::PATCH, path, auth, Some(body), &headers)
            .await
    }

    pub async fn delete(&self, path: &str, auth: &Auth) -> Reply {
        self.request(Method::DELETE, path, auth, None, &[]).await
    }

    /// Polls `/healthz` until it answers 200; returns every status seen on the way.
    pub async fn wait_ready(&self, timeout: Duration) -> Vec<u16> {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let reply = match self.http.get(format!("{}/healthz", self.base)).send().await {
                Ok(response) => response.status().as_u16(),
                Err(_) => 0,
            };
            seen.push(reply);
            if reply == 200 {
                return seen;
            }
            if Instant::now() >= deadline {
                seen.dedup();
                panic!(
                    "the server was not ready within {timeout:?}; statuses seen, in order (0 = no connection): {seen:?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Signs up and creates a bearer token; returns the account id and its auth.
    pub async fn account(&self, email: &str) -> (String, Auth) {
        let created = self
            .post("/api/v1/accounts", &Auth::Anonymous, &json!({"email": email, "display_name": email, "password": "correct horse battery"}))
            .await;
        created.expect(201);
        let session = self.sign_in(email).await;
        let token = self
            .post("/api/v1/tokens", &session, &json!({"name": "tests"}))
            .await;
        token.expect(201);
        (
            created.id(),
            Auth::Bearer(token.body["token"].as_str().unwrap_or_default().to_owned()),
        )
    }

    /// Signs in and returns the session cookie.
    pub async fn sign_in(&self, email: &str) -> Auth {
        let reply = self
            .post(
                "/api/v1/session",
                &Auth::Anonymous,
                &json!({"email": email, "password": "correct horse battery"}),
            )
            .await;
        reply.expect(200);
        let cookie = reply.header("set-cookie").unwrap_or_default();
        Auth::Cookie(cookie.split(';').next().unwrap_or_default().to_owned())
    }

    pub async fn organisation(&self, auth: &Auth, name: &str) -> String {
        let reply = self
            .post(
                "/api/v1/organisations",
                auth,
                &json!({"kind": "university", "name": name, "country": "IT", "city": "Bologna",
                        "latitude": 44.49, "longitude": 11.34, "contact_email": "tto@example.org"}),
            )
            .await;
        reply.expect(201);
        reply.id()
    }

    /// Creates a publishable draft listing of the given kind.
    pub async fn draft_listing(
        &self,
        auth: &Auth,
        organisation_id: &str,
        kind: &str,
        title: &str,
    ) -> Reply {
        let mut body = json!({
            "organisation_id": organisation_id, "kind": kind, "title": title, "language": "en",
            "summary": "A test listing.", "topics": ["materials testing"],
        });
        if kind == "space" {
            body["space_type"] = json!("private_office");
            body["capacity"] = json!(4);
            body["monthly_price"] = json!(35000);
        }
        let reply = self.post("/api/v1/listings", auth, &body).await;
        reply.expect(201);
        reply
    }
}

impl Client {
    /// Creates a publishable listing and publishes it; returns its id.
    pub async fn published_listing(
        &self,
        auth: &Auth,
        organisation_id: &str,
        kind: &str,
        title: &str,
    ) -> String {
        let id = self
            .draft_listing(auth, organisation_id, kind, title)
            .await
            .id();
        self.post(&format!("/api/v1/listings/{id}/publish"), auth, &json!({}))
            .await
            .expect(200);
        id
    }
}

/// A server started in-process for one test, with its own database.
pub struct TestApp {
    pub client: Client,
    pub backend: Backend,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
    server: Option<server::RunningServer>,
}

/// Drops a database made by [`fresh_postgres_database`], so CI runs do not pile them up.
pub async fn drop_postgres_database(database_url: &str) {
    let (Ok(admin_url), Some(name)) =
        (std::env::var(POSTGRES_ENV), database_url.rsplit('/').next())
    else {
        return;
    };
    if !name.starts_with("ponte_test_") {
        return;
    }
    match sea_orm::Database::connect(admin_url.as_str()).await {
        Ok(admin) => {
            use sea_orm::ConnectionTrait;
            if let Err(error) = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
            {
                eprintln!("could not drop test database {name}: {error}");
            }
            let _ = admin.close().await;
        }
        Err(error) => eprintln!("could not drop test database {name}: {error}"),
    }
}

impl std::ops::Deref for TestApp {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl TestApp {
    /// Starts a ready server, or `None` when the backend is not available here.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(
        backend: Backend,
        adjust: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        // Server logs go to the test's captured output, shown when a test fails.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
            .with_test_writer()
            .try_init();
        let data_dir = tempfile::tempdir().unwrap_or_else(|error| panic!("temp dir: {error}"));
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_postgres_database().await?),
        };
        let mut settings = test_settings(data_dir.path(), database_url);
        adjust(&mut settings);
        let database_url = settings.database_url();
        let running = server::start(settings)
            .await
            .unwrap_or_else(|error| panic!("server start: {error}"));
        let client = Client::new(running.address);
        client.wait_ready(Duration::from_secs(120)).await;
        Some(TestApp {
            client,
            backend,
            database_url,
            data_dir,
            server: Some(running),
        })
    }

    /// A second handle on the test server's database, for checks the API does not offer.
    pub async fn hub(&self) -> domain::Hub {
        domain::Hub::connect(domain::HubOptions {
            database_url: self.database_url.clone(),
            session_ttl: Duration::from_secs(3600),
        })
        .await
        .unwrap_or_else(|error| panic!("hub: {error}"))
    }

    /// Gives an account a platform role the way an operator does (`ponte user grant-role`).
    pub async fn grant_role(&self, email: &str, role: domain::model::PlatformRole) {
        let hub = domain::Hub::connect(domain::HubOptions {
            database_url: self.database_url.clone(),
            session_ttl: Duration::from_secs(3600),
        })
        .await
        .unwrap_or_else(|error| panic!("hub: {error}"));
        hub.grant_role(email, role)
            .await
            .unwrap_or_else(|error| panic!("grant role: {error}"));
        let _ = hub.close().await;
    }

    /// Stops the server and starts it again on the same data directory and database,
    /// with the settings changed by `adjust`.
    pub async fn restart_with(&mut self, adjust: impl FnOnce(&mut Settings)) {
        if let Some(server) = self.server.take() {
            server
                .stop()
                .await
                .unwrap_or_else(|error| panic!("server stop: {error}"));
        }
        let database_url = (self.backend == Backend::Postgres).then(|| self.database_url.clone());
        let mut settings = test_settings(self.data_dir.path(), database_url);
        adjust(&mut settings);
        let running = server::start(settings)
            .await
            .unwrap_or_else(|error| panic!("server restart: {error}"));
        self.client = Client::new(running.address);
        self.client.wait_ready(Duration::from_secs(120)).await;
        self.server = Some(running);
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server
                .stop()
                .await
                .unwrap_or_else(|error| panic!("server stop: {error}"));
        }
        if self.backend == Backend::Postgres {
            drop_postgres_database(&self.database_url).await;
        }
    }
}

/// A browser-like visitor of the portal: keeps the cookies the server sets and the form
/// token of the last page it read, and posts forms with that token as a page would.
pub struct Visitor<'a> {
    client: &'a Client,
    cookies: Vec<(String, String)>,
    /// The `csrf_token` of the last page read (empty before any).
    pub token: String,
}

/// The `csrf_token` value in a page's first form, if any.
pub fn form_token(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

impl<'a> Visitor<'a> {
    pub fn new(client: &'a Client) -> Self {
        Visitor {
            client,
            cookies: Vec::new(),
            token: String::new(),
        }
    }

    /// The cookies held, as a request would send them.
    pub fn auth(&self) -> Auth {
        if self.cookies.is_empty() {
            Auth::Anonymous
        } else {
            Auth::Cookie(
                self.cookies
                    .iter()
                    .map(|(name, value)| format!("{name}={value}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Takes in what a reply sets: cookies (`Max-Age=0` removes) and the form token.
    pub fn absorb(&mut self, reply: &Reply) {
        for header in reply.headers.get_all("set-cookie") {
            let Ok(text) = header.to_str() else { continue };
            let Some((name, rest)) = text.split_once('=') else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or_default().to_owned();
            self.cookies.retain(|(n, _)| n != name);
            if !text.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value));
            }
        }
        if let Some(token) = form_token(&reply.text) {
            self.token = token;
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let reply = self.client.get(path, &self.auth()).await;
        self.absorb(&reply);
        reply
    }

    /// Posts a form with the held token, as the page's form would.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.token.clone();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        let reply = self.client.form(path, &self.auth(), &all, &[]).await;
        self.absorb(&reply);
        reply
    }

    /// Posts exactly `fields` with extra `headers` (no token added).
    pub async fn post_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let reply = self.client.form(path, &self.auth(), fields, headers).await;
        self.absorb(&reply);
        reply
    }

    /// Signs up through the form and stays signed in.
    pub async fn sign_up(&mut self, email: &str, name: &str) -> Reply {
        self.get("/signup").await;
        let reply = self
            .post(
                "/signup",
                &[
                    ("email", email),
                    ("display_name", name),
                    ("password", "correct horse battery"),
                ],
            )
            .await;
        assert_eq!(reply.status, 303, "sign-up failed: {}", reply.text);
        reply
    }
}

impl Client {
    /// Reads `path` as `auth` and returns the cookies to post with (a new visitor's
    /// cookie added) and the page's form token, for posting one of its forms.
    pub async fn form_token(&self, path: &str, auth: &Auth) -> (Auth, String) {
        let reply = self.get(path, auth).await;
        let token = form_token(&reply.text)
            .unwrap_or_else(|| panic!("no form token on {path}: {}", reply.text));
        let mut cookies: Vec<String> = match auth {
            Auth::Cookie(cookie) => vec![cookie.clone()],
            _ => Vec::new(),
        };
        for header in reply.headers.get_all("set-cookie") {
            if let Ok(text) = header.to_str() {
                cookies.push(text.split(';').next().unwrap_or_default().to_owned());
            }
        }
        let auth = if cookies.is_empty() {
            auth.clone()
        } else {
            Auth::Cookie(cookies.join("; "))
        };
        (auth, token)
    }
}
