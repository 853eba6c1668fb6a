//! A small W3C WebDriver client for driving Debian's Chromium through `chromedriver`
//! from tests: start the driver on a free loopback port, open a headless session, go to
//! pages, find elements by CSS selector, type, click, read text and attributes, run a
//! script, resize the window and take screenshots. Nothing is downloaded: when
//! `/usr/bin/chromium` or `/usr/bin/chromedriver` is missing, [`Browser::start`] says so
//! and the caller skips loudly.

use base64::Engine as _;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The key under which WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Why the browser could not be used.
#[derive(Debug)]
pub enum BrowserError {
    /// Chromium or chromedriver is not installed: the test should skip, loudly.
    Missing(String),
    Failed(String),
}

impl std::fmt::Display for BrowserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BrowserError::Missing(what) | BrowserError::Failed(what) => f.write_str(what),
        }
    }
}

fn failed(context: &str, error: impl std::fmt::Display) -> BrowserError {
    BrowserError::Failed(format!("{context}: {error}"))
}

/// A chromedriver process and one headless Chromium session; both end on drop.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
    base: String,
}

/// An element found on the current page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver and a headless Chromium session with the window at `width` x
    /// `height` CSS pixels.
    pub async fn start(width: u32, height: u32) -> Result<Browser, BrowserError> {
        for binary in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(binary).exists() {
                return Err(BrowserError::Missing(format!("{binary} is not installed")));
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .map_err(|error| failed("no free port for chromedriver", error))?;
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| failed("cannot start chromedriver", error))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|error| failed("http client", error))?;
        let base = format!("http://127.0.0.1:{port}");
        let mut browser = Browser {
            driver,
            http,
            session: String::new(),
            base,
        };
        browser.wait_for_driver().await?;
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-dev-shm-usage",
                    "--hide-scrollbars", "--force-device-scale-factor=1",
                    format!("--window-size={width},{height}"),
                ],
            },
        }}});
        let created = browser
            .call(reqwest::Method::POST, "/session", Some(capabilities))
            .await?;
        browser.session = created["sessionId"]
            .as_str()
            .ok_or_else(|| failed("no session id", &created))?
            .to_owned();
        browser.resize(width, height).await?;
        Ok(browser)
    }

    async fn wait_for_driver(&self) -> Result<(), BrowserError> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = self.http.get(format!("{}/status", self.base)).send().await
                && let Ok(status) = response.json::<Value>().await
                && status["value"]["ready"] == true
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(BrowserError::Failed(
                    "chromedriver did not become ready within 20 s".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, BrowserError> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|error| failed(path, error))?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|error| failed(path, error))?;
        if !status.is_success() {
            return Err(BrowserError::Failed(format!(
                "{path}: {status}: {}",
                body["value"]["message"]
            )));
        }
        Ok(body["value"].clone())
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub async fn resize(&self, width: u32, height: u32) -> Result<(), BrowserError> {
        self.call(
            reqwest::Method::POST,
            &self.session_path("/window/rect"),
            Some(json!({"width": width, "height": height})),
        )
        .await
        .map(|_| ())
    }

    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.call(
            reqwest::Method::POST,
            &self.session_path("/url"),
            Some(json!({ "url": url })),
        )
        .await
        .map(|_| ())
    }

    pub async fn current_url(&self) -> Result<String, BrowserError> {
        let url = self
            .call(reqwest::Method::GET, &self.session_path("/url"), None)
            .await?;
        Ok(url.as_str().unwrap_or_default().to_owned())
    }

    pub async fn find(&self, css: &str) -> Result<Element, BrowserError> {
        let found = self
            .call(
                reqwest::Method::POST,
                &self.session_path("/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await
            .map_err(|error| failed(&format!("no element {css:?}"), error))?;
        found[ELEMENT_KEY]
            .as_str()
            .map(|id| Element(id.to_owned()))
            .ok_or_else(|| failed(&format!("no element {css:?}"), &found))
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>, BrowserError> {
        let found = self
            .call(
                reqwest::Method::POST,
                &self.session_path("/elements"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(found
            .as_array()
            .map(|elements| {
                elements
                    .iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(|id| Element(id.to_owned())))
                    .collect()
            })
            .unwrap_or_default())
    }

    pub async fn click(&self, element: &Element) -> Result<(), BrowserError> {
        self.call(
            reqwest::Method::POST,
            &self.session_path(&format!("/element/{}/click", element.0)),
            Some(json!({})),
        )
        .await
        .map(|_| ())
    }

    /// Clears a field and types `text` into it.
    pub async fn type_into(&self, element: &Element, text: &str) -> Result<(), BrowserError> {
        self.call(
            reqwest::Method::POST,
            &self.session_path(&format!("/element/{}/clear", element.0)),
            Some(json!({})),
        )
        .await?;
        self.call(
            reqwest::Method::POST,
            &self.session_path(&format!("/element/{}/value", element.0)),
            Some(json!({ "text": text })),
        )
        .await
        .map(|_| ())
    }

    pub async fn text(&self, element: &Element) -> Result<String, BrowserError> {
        let text = self
            .call(
                reqwest::Method::GET,
                &self.session_path(&format!("/element/{}/text", element.0)),
                None,
            )
            .await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    pub async fn attribute(
        &self,
        element: &Element,
        name: &str,
    ) -> Result<Option<String>, BrowserError> {
        let value = self
            .call(
                reqwest::Method::GET,
                &self.session_path(&format!("/element/{}/attribute/{name}", element.0)),
                None,
            )
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// Runs `script` (a function body; `return` gives the result) in the page.
    pub async fn script(&self, script: &str) -> Result<Value, BrowserError> {
        self.call(
            reqwest::Method::POST,
            &self.session_path("/execute/sync"),
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Writes a PNG of the visible page to `path`.
    pub async fn screenshot(&self, path: &Path) -> Result<(), BrowserError> {
        let encoded = self
            .call(
                reqwest::Method::GET,
                &self.session_path("/screenshot"),
                None,
            )
            .await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .map_err(|error| failed("screenshot is not base64", error))?;
        std::fs::write(path, png).map_err(|error| failed(&path.display().to_string(), error))
    }

    /// Writes a PNG of the whole page (not just the window) to `path`, by making the
    /// window as tall as the document for the shot.
    pub async fn full_page_screenshot(
        &self,
        path: &Path,
        width: u32,
        window_height: u32,
    ) -> Result<(), BrowserError> {
        let height = self
            .script("return Math.ceil(document.documentElement.scrollHeight);")
            .await?
            .as_u64()
            .unwrap_or(u64::from(window_height))
            .clamp(u64::from(window_height), 6_000) as u32;
        self.resize(width, height).await?;
        let shot = self.screenshot(path).await;
        self.resize(width, window_height).await?;
        shot
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes Chromium; killing the driver ends the rest. Both
        // are best effort, and plain blocking I/O, because a test that failed half-way
        // drops the browser outside any runtime and must still leave nothing behind.
        if !self.session.is_empty()
            && let Some(address) = self.base.strip_prefix("http://")
            && let Ok(mut stream) = std::net::TcpStream::connect(address)
        {
            use std::io::{Read, Write};
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
