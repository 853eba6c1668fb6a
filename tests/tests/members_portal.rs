//! The members' and brokers' portal over HTTP on a real server: sign-up, sign-in and
//! sign-out with forms; cookie attributes over plain HTTP and behind an https public
//! URL; form tokens (a post without a valid one gets 403 and changes nothing); the
//! sign-in rate limit; forms that keep what was typed and name the wrong field; the
//! account's API tokens and Discord link code. (Browser tests are in `browser.rs`.)

use serde_json::json;
use tests::{Auth, Backend, Reply, TestApp, Visitor};

const PASSWORD: &str = "correct horse battery";

async fn app() -> TestApp {
    TestApp::spawn(Backend::Sqlite)
        .await
        .unwrap_or_else(|| panic!("SQLite is always available"))
}

#[track_caller]
fn assert_page(reply: &Reply, status: u16) {
    assert_eq!(
        reply.status, status,
        "unexpected status; body: {}",
        reply.text
    );
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8"),
        "not an HTML page: {}",
        reply.text
    );
    let policy = reply.header("content-security-policy").unwrap_or_default();
    assert!(
        policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"),
        "content security policy: {policy:?}"
    );
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    assert!(reply.text.contains("<main id=\"main\""), "{}", reply.text);
}

fn set_cookies(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

fn session_set_cookie(reply: &Reply) -> Option<String> {
    set_cookies(reply)
        .into_iter()
        .find(|c| c.contains("ponte_session="))
}

async fn api_sign_in_status(app: &TestApp, email: &str) -> u16 {
    app.post(
        "/api/v1/session",
        &Auth::Anonymous,
        &json!({"email": email, "password": PASSWORD}),
    )
    .await
    .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_signs_up_signs_out_and_signs_in_again_with_forms() {
    let app = app().await;
    let mut visitor = Visitor::new(&app);
    let form = visitor.get("/signup").await;
    assert_page(&form, 200);
    for name in ["email", "display_name", "password", "csrf_token"] {
        assert!(
            form.text.contains(&format!("name=\"{name}\"")),
            "no {name} field: {}",
            form.text
        );
    }
    assert!(
        form.text.contains("<label for=\"f-email\">"),
        "labelled fields"
    );
    let visitor_cookie = set_cookies(&form)
        .into_iter()
        .find(|c| c.starts_with("ponte_visitor="))
        .unwrap_or_else(|| panic!("a visitor cookie: {:?}", set_cookies(&form)));
    assert!(visitor_cookie.contains("HttpOnly") && visitor_cookie.contains("SameSite=Lax"));

    let created = visitor
        .post(
            "/signup",
            &[
                ("email", "giulia@unibo.example"),
                ("display_name", "Giulia Verdi"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text);
    assert_eq!(created.header("location"), Some("/dashboard"));
    let cookie = session_set_cookie(&created).unwrap_or_else(|| panic!("a session cookie"));
    assert!(cookie.starts_with("ponte_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");

    let account = visitor.get("/account").await;
    assert_page(&account, 200);
    assert!(account.text.contains("Giulia Verdi"), "{}", account.text);
    assert!(account.text.contains("giulia@unibo.example"));
    assert!(
        account.text.contains("action=\"/logout\""),
        "a sign-out form"
    );

    let signed_out = visitor.post("/logout", &[]).await;
    assert_eq!(signed_out.status, 303, "{}", signed_out.text);
    let cleared = session_set_cookie(&signed_out).unwrap_or_default();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = visitor.get("/account").await;
    assert_eq!(after.status, 303);
    assert_eq!(after.header("location"), Some("/login?next=%2Faccount"));

    let login = visitor.get("/login?next=%2Faccount").await;
    assert_page(&login, 200);
    assert!(login.text.contains("name=\"next\" value=\"/account\""));
    let wrong = visitor
        .post(
            "/login",
            &[
                ("email", "giulia@unibo.example"),
                ("password", "not the password"),
                ("next", "/account"),
            ],
        )
        .await;
    assert_page(&wrong, 401);
    assert!(
        wrong
            .text
            .contains("The email or the password is not right")
    );
    assert!(
        wrong.text.contains("value=\"giulia@unibo.example\""),
        "the email is kept"
    );
    assert!(
        !wrong.text.contains("not the password"),
        "never the password"
    );
    assert!(session_set_cookie(&wrong).is_none());

    let right = visitor
        .post(
            "/login",
            &[
                ("email", "giulia@unibo.example"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(right.status, 303, "{}", right.text);
    assert_eq!(right.header("location"), Some("/account"));
    // `next` never leads off the site.
    visitor.post("/logout", &[]).await;
    visitor.get("/login").await;
    let elsewhere = visitor
        .post(
            "/login",
            &[
                ("email", "giulia@unibo.example"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(elsewhere.header("location"), Some("/dashboard"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_an_https_public_url_cookies_are_secure_and_host_prefixed() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.public_url = Some("https://ponte.example".into());
    })
    .await
    .unwrap_or_else(|| panic!("SQLite is always available"));
    let mut visitor = Visitor::new(&app);
    let form = visitor.get("/signup").await;
    let visitor_cookie = set_cookies(&form)
        .into_iter()
        .find(|c| c.contains("ponte_visitor="))
        .unwrap_or_default();
    assert!(
        visitor_cookie.starts_with("__Host-ponte_visitor=") && visitor_cookie.contains("Secure"),
        "{visitor_cookie}"
    );
    let created = visitor.sign_up("marco@incubatore.example", "Marco").await;
    let cookie = session_set_cookie(&created).unwrap_or_default();
    assert!(cookie.starts_with("__Host-ponte_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "host-only: {cookie}");
    let account = visitor.get("/account").await;
    assert_page(&account, 200);
    assert!(account.text.contains("marco@incubatore.example"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_without_a_valid_form_token_are_refused_and_change_nothing() {
    let app = app().await;
    let mut visitor = Visitor::new(&app);
    visitor.get("/signup").await;
    let signup_fields = [
        ("email", "forged@example.org"),
        ("display_name", "Forged"),
        ("password", PASSWORD),
    ];
    // No token, a made-up token, and a real token from another visitor's session.
    let mut other = Visitor::new(&app);
    other.get("/signup").await;
    let others_token = other.token.clone();
    for token in [None, Some("00".repeat(32)), Some(others_token)] {
        let mut fields = signup_fields.to_vec();
        if let Some(token) = token.as_deref() {
            fields.push(("csrf_token", token));
        }
        let refused = visitor.post_raw("/signup", &fields, &[]).await;
        assert_page(&refused, 403);
        assert!(session_set_cookie(&refused).is_none());
    }
    assert_eq!(
        api_sign_in_status(&app, "forged@example.org").await,
        401,
        "no account was created"
    );
    // A valid token posted from another site is refused too.
    let cross = visitor
        .post_raw(
            "/signup",
            &[
                ("csrf_token", visitor.token.clone().as_str()),
                ("email", "forged@example.org"),
                ("display_name", "Forged"),
                ("password", PASSWORD),
            ],
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_page(&cross, 403);
    assert_eq!(api_sign_in_status(&app, "forged@example.org").await, 401);

    // Signed in: creating a token, signing out and switching language need the token.
    visitor.sign_up("owner@example.org", "Owner").await;
    visitor.get("/account").await;
    let forged = visitor
        .post_raw("/account/tokens", &[("name", "stolen")], &[])
        .await;
    assert_page(&forged, 403);
    let session = app.sign_in("owner@example.org").await;
    let tokens = app.get("/api/v1/tokens", &session).await;
    assert_eq!(tokens.body, json!([]), "no token was created");
    // The visitor's token before signing in no longer fits the signed-in session.
    let stale = visitor
        .post_raw(
            "/account/tokens",
            &[("name", "stale"), ("csrf_token", other.token.as_str())],
            &[],
        )
        .await;
    assert_page(&stale, 403);
    let logout = visitor.post_raw("/logout", &[], &[]).await;
    assert_page(&logout, 403);
    assert!(session_set_cookie(&logout).is_none());
    assert_page(&visitor.get("/account").await, 200);
    let language = visitor
        .post_raw("/language", &[("lang", "it"), ("back", "/")], &[])
        .await;
    assert_page(&language, 403);
    assert!(
        set_cookies(&language)
            .iter()
            .all(|c| !c.contains("ponte_lang"))
    );
    // With the page's token the same post works.
    let made = visitor.post("/account/tokens", &[("name", "script")]).await;
    assert_page(&made, 201);
    let tokens = app.get("/api/v1/tokens", &session).await;
    assert_eq!(
        tokens.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        tokens.text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_rate_limited_with_a_clear_page() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.auth_attempts_per_minute = 4;
    })
    .await
    .unwrap_or_else(|| panic!("SQLite is always available"));
    // The account comes from the API, which counts towards the address's quota once.
    app.post(
        "/api/v1/accounts",
        &Auth::Anonymous,
        &json!({"email": "target@example.org", "display_name": "T", "password": PASSWORD}),
    )
    .await
    .expect(201);
    let mut visitor = Visitor::new(&app);
    visitor.get("/login").await;
    for _ in 0..3 {
        let wrong = visitor
            .post(
                "/login",
                &[
                    ("email", "target@example.org"),
                    ("password", "guess guess guess"),
                ],
            )
            .await;
        assert_page(&wrong, 401);
    }
    let limited = visitor
        .post(
            "/login",
            &[("email", "target@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_page(&limited, 429);
    assert!(
        limited.text.contains("Too many attempts"),
        "{}",
        limited.text
    );
    assert!(
        limited.text.contains("value=\"target@example.org\""),
        "the form stays filled in"
    );
    assert!(session_set_cookie(&limited).is_none(), "not signed in");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_attempts_are_counted_per_account_too() {
    // The API and the form share the per-account count, whatever the address.
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.auth_attempts_per_minute = 3;
    })
    .await
    .unwrap_or_else(|| panic!("SQLite is always available"));
    let hub = app.hub().await;
    hub.create_account(domain::model::NewAccount {
        email: "target@example.org".into(),
        display_name: "T".into(),
        password: PASSWORD.into(),
    })
    .await
    .unwrap_or_else(|error| panic!("account: {error}"));
    let _ = hub.close().await;
    // Three guesses from another loopback address, by the API...
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap_or_else(|error| panic!("client: {error}"));
    for _ in 0..3 {
        let status = elsewhere
            .post(format!("{}/api/v1/session", app.base))
            .json(&json!({"email": "Target@Example.org ", "password": "guess"}))
            .send()
            .await
            .unwrap_or_else(|error| panic!("request: {error}"))
            .status();
        assert_eq!(status.as_u16(), 401);
    }
    // ...use up the account's quota: the form from a fresh address refuses it too.
    let mut visitor = Visitor::new(&app);
    visitor.get("/login").await;
    let refused = visitor
        .post(
            "/login",
            &[("email", "target@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_page(&refused, 429);
    assert!(session_set_cookie(&refused).is_none());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_up_form_with_bad_values_names_the_field_and_keeps_the_input() {
    let app = app().await;
    let mut visitor = Visitor::new(&app);
    visitor.get("/signup").await;
    let bad = visitor
        .post(
            "/signup",
            &[
                ("email", "not-an-email"),
                ("display_name", "Giulia <Verdi>"),
                ("password", "short"),
            ],
        )
        .await;
    assert_page(&bad, 400);
    assert!(bad.text.contains("value=\"not-an-email\""), "{}", bad.text);
    assert!(
        bad.text.contains("value=\"Giulia &#60;Verdi&#62;\""),
        "kept and escaped: {}",
        bad.text
    );
    assert!(bad.text.contains("id=\"f-email-error\""), "{}", bad.text);
    assert!(
        bad.text.contains("Email: "),
        "names the field: {}",
        bad.text
    );
    assert!(bad.text.contains("aria-invalid=\"true\""));
    assert!(
        bad.text.contains("href=\"#f-email\""),
        "a link to the field"
    );
    assert!(!bad.text.contains("value=\"short\""), "never the password");
    let short = visitor
        .post(
            "/signup",
            &[
                ("email", "giulia@unibo.example"),
                ("display_name", "Giulia"),
                ("password", "short"),
            ],
        )
        .await;
    assert_page(&short, 400);
    assert!(
        short.text.contains("id=\"f-password-error\""),
        "{}",
        short.text
    );
    visitor.sign_up("giulia@unibo.example", "Giulia").await;
    visitor.post("/logout", &[]).await;
    visitor.get("/signup").await;
    let taken = visitor
        .post(
            "/signup",
            &[
                ("email", "giulia@unibo.example"),
                ("display_name", "Another"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_page(&taken, 409);
    assert!(taken.text.contains("exists already"), "{}", taken.text);
    // Italian labels on the same form.
    let italian = app
        .request(
            reqwest::Method::GET,
            "/signup",
            &Auth::Anonymous,
            None,
            &[("accept-language", "it")],
        )
        .await;
    assert!(
        italian.text.contains("Crea il tuo account"),
        "{}",
        italian.text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_page_creates_and_revokes_api_tokens_and_gives_a_discord_code() {
    let app = app().await;
    let mut visitor = Visitor::new(&app);
    visitor.sign_up("dev@firm.example", "Dev").await;
    visitor.get("/account").await;
    let made = visitor
        .post("/account/tokens", &[("name", "nightly import")])
        .await;
    assert_page(&made, 201);
    let start = made
        .text
        .find("id=\"new-token\">")
        .unwrap_or_else(|| panic!("the token is shown: {}", made.text))
        + "id=\"new-token\">".len();
    let secret = made.text[start..]
        .split('<')
        .next()
        .unwrap_or_default()
        .to_owned();
    let me = app.get("/api/v1/me", &Auth::Bearer(secret.clone())).await;
    assert_eq!(me.status, 200, "the token works: {}", me.text);
    assert_eq!(me.body["email"], "dev@firm.example");
    let listed = visitor.get("/account").await;
    assert!(listed.text.contains("nightly import"));
    assert!(!listed.text.contains(&secret), "shown only once");
    let revoke_path = {
        let marker = "action=\"/account/tokens/";
        let start = listed
            .text
            .find(marker)
            .unwrap_or_else(|| panic!("a revoke form: {}", listed.text))
            + "action=\"".len();
        listed.text[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let revoked = visitor.post(&revoke_path, &[]).await;
    assert_eq!(revoked.status, 303, "{}", revoked.text);
    let me = app.get("/api/v1/me", &Auth::Bearer(secret)).await;
    assert_eq!(me.status, 401, "revoked: {}", me.text);
    let empty_name = visitor.post("/account/tokens", &[("name", "")]).await;
    assert_page(&empty_name, 400);
    assert!(
        empty_name.text.contains("Token name: "),
        "{}",
        empty_name.text
    );

    let code = visitor.post("/account/discord-code", &[]).await;
    assert_page(&code, 200);
    assert!(code.text.contains("id=\"discord-code\">"), "{}", code.text);
    assert!(code.text.contains("Type /link "), "{}", code.text);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_tokens_survive_a_restart_because_the_key_is_kept() {
    let mut app = app().await;
    assert!(
        app.data_dir.path().join("form.key").exists(),
        "the key is kept"
    );
    let mut visitor = Visitor::new(&app);
    visitor.sign_up("keep@example.org", "Keep").await;
    visitor.get("/account").await;
    let (auth, token) = (visitor.auth(), visitor.token.clone());
    drop(visitor);
    app.restart_with(|_| {}).await;
    let made = app
        .form(
            "/account/tokens",
            &auth,
            &[("csrf_token", token.as_str()), ("name", "after restart")],
            &[],
        )
        .await;
    assert_page(&made, 201);
    app.stop().await;
}

/// The listing id in a redirect to the dashboard (`…#listing-<id>`).
fn listing_in(reply: &Reply) -> String {
    let location = reply.header("location").unwrap_or_default();
    location
        .split_once("#listing-")
        .map(|(_, id)| id.to_owned())
        .unwrap_or_else(|| panic!("no listing in {location:?}: {}", reply.text))
}

/// Creates an organisation through the form; returns its id.
async fn organisation_by_form(visitor: &mut Visitor<'_>, kind: &str, name: &str) -> String {
    visitor.get("/dashboard/organisations/new").await;
    let created = visitor
        .post(
            "/dashboard/organisations/new",
            &[
                ("kind", kind),
                ("name", name),
                ("description", ""),
                ("website", ""),
                ("country", "IT"),
                ("region", "Emilia-Romagna"),
                ("city", "Bologna"),
                ("contact_name", "Giulia Verdi"),
                ("contact_email", "tto@example.org"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text);
    let location = created.header("location").unwrap_or_default().to_owned();
    location
        .strip_prefix("/dashboard/organisations/")
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned()
}

async fn expertise_by_form(visitor: &mut Visitor<'_>, organisation: &str, title: &str) -> String {
    visitor
        .get(&format!(
            "/dashboard/organisations/{organisation}/listings/new?kind=expertise"
        ))
        .await;
    let created = visitor
        .post(
            &format!("/dashboard/organisations/{organisation}/listings"),
            &[
                ("kind", "expertise"),
                ("title", title),
                ("language", "en"),
                (
                    "summary",
                    "Fatigue and fracture testing of composite parts.",
                ),
                ("description", "Axial and bending fatigue rigs."),
                ("topics", "fatigue testing, composites"),
                ("engagement_modes", "consultancy"),
                ("engagement_modes", "contract_research"),
                ("trl_min", "3"),
                ("trl_max", "6"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text);
    listing_in(&created)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_creates_an_organisation_and_manages_its_listings_with_forms() {
    let app = app().await;
    let mut editor = Visitor::new(&app);
    editor.sign_up("tto@unibo.example", "Giulia Verdi").await;
    let dashboard = editor.get("/dashboard").await;
    assert_page(&dashboard, 200);
    assert!(
        dashboard
            .text
            .contains("href=\"/dashboard/organisations/new\"")
    );
    let organisation =
        organisation_by_form(&mut editor, "university", "Università di Bologna").await;
    let listing = expertise_by_form(&mut editor, &organisation, "Composite fatigue lab").await;
    let page = editor
        .get(&format!(
            "/dashboard/organisations/{organisation}?done=created"
        ))
        .await;
    assert_page(&page, 200);
    assert!(page.text.contains("Composite fatigue lab"), "{}", page.text);
    assert!(page.text.contains("data-status=\"draft\""), "{}", page.text);
    assert!(
        page.text.contains("expires "),
        "shows the expiry: {}",
        page.text
    );
    let api = app
        .get(&format!("/api/v1/listings/{listing}"), &editor.auth())
        .await;
    assert_eq!(api.body["status"], "draft", "{}", api.text);
    assert_eq!(
        api.body["engagement_modes"],
        json!(["consultancy", "contract_research"])
    );
    assert_eq!(api.body["trl_min"], 3, "{}", api.text);

    for (action, status) in [
        ("publish", "published"),
        ("archive", "archived"),
        ("renew", "archived"),
        ("publish", "published"),
    ] {
        let done = editor
            .post(&format!("/dashboard/listings/{listing}/{action}"), &[])
            .await;
        assert_eq!(done.status, 303, "{action}: {}", done.text);
        let api = app
            .get(&format!("/api/v1/listings/{listing}"), &editor.auth())
            .await;
        assert_eq!(api.body["status"], status, "after {action}: {}", api.text);
    }
    assert_page(
        &app.get(&format!("/listings/{listing}"), &Auth::Anonymous)
            .await,
        200,
    );

    // Editing: the form comes filled in; a bad value names the field and keeps the rest.
    let edit = editor
        .get(&format!("/dashboard/listings/{listing}/edit"))
        .await;
    assert_page(&edit, 200);
    assert!(
        edit.text.contains("value=\"Composite fatigue lab\""),
        "{}",
        edit.text
    );
    assert!(
        edit.text.contains("value=\"consultancy\" checked"),
        "{}",
        edit.text
    );
    let bad = editor
        .post(
            &format!("/dashboard/listings/{listing}/edit"),
            &[
                ("title", "Composite fatigue lab, renewed"),
                ("language", "en"),
                ("summary", "Fatigue testing."),
                ("trl_min", "three"),
                ("trl_max", "6"),
                ("version", "0"),
            ],
        )
        .await;
    assert_page(&bad, 400);
    assert!(bad.text.contains("id=\"f-trl_min-error\""), "{}", bad.text);
    assert!(bad.text.contains("value=\"three\""), "kept: {}", bad.text);
    assert!(
        bad.text
            .contains("value=\"Composite fatigue lab, renewed\"")
    );
    let version = app
        .get(&format!("/api/v1/listings/{listing}"), &editor.auth())
        .await
        .body["version"]
        .to_string();
    let saved = editor
        .post(
            &format!("/dashboard/listings/{listing}/edit"),
            &[
                ("title", "Composite fatigue lab, renewed"),
                ("language", "en"),
                ("summary", "Fatigue testing."),
                ("topics", "fatigue testing"),
                ("trl_min", "4"),
                ("trl_max", "6"),
                ("version", version.as_str()),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let api = app
        .get(&format!("/api/v1/listings/{listing}"), &editor.auth())
        .await;
    assert_eq!(api.body["title"], "Composite fatigue lab, renewed");
    assert_eq!(api.body["trl_min"], 4);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_forms_with_bad_values_name_the_fields_and_keep_the_input() {
    let app = app().await;
    let mut manager = Visitor::new(&app);
    manager.sign_up("manager@incubatore.example", "Marco").await;
    let organisation = organisation_by_form(&mut manager, "incubator", "Incubatore Torino").await;
    let form = manager
        .get(&format!(
            "/dashboard/organisations/{organisation}/listings/new?kind=space"
        ))
        .await;
    assert_page(&form, 200);
    for name in ["space_type", "capacity", "monthly_price", "available_from"] {
        assert!(form.text.contains(&format!("name=\"{name}\"")), "{name}");
    }
    let path = format!("/dashboard/organisations/{organisation}/listings");
    let bad = manager
        .post(
            &path,
            &[
                ("kind", "space"),
                ("title", "Offices <for> start-ups"),
                ("language", "en"),
                ("summary", "Private offices."),
                ("space_type", "private_office"),
                ("capacity", "four"),
                ("monthly_price", "lots"),
            ],
        )
        .await;
    assert_page(&bad, 400);
    assert!(bad.text.contains("id=\"f-capacity-error\""), "{}", bad.text);
    assert!(
        bad.text.contains("id=\"f-monthly_price-error\""),
        "{}",
        bad.text
    );
    assert!(
        bad.text.contains("People it fits: "),
        "names the field: {}",
        bad.text
    );
    assert!(bad.text.contains("value=\"four\"") && bad.text.contains("value=\"lots\""));
    assert!(
        bad.text
            .contains("value=\"Offices &#60;for&#62; start-ups\"")
    );
    assert!(
        bad.text.contains("value=\"private_office\" selected"),
        "{}",
        bad.text
    );
    // The domain's own rules come back next to the field as well.
    let missing = manager
        .post(
            &path,
            &[
                ("kind", "space"),
                ("title", "Offices"),
                ("language", "en"),
                ("summary", "Private offices."),
                ("space_type", ""),
                ("capacity", "4"),
            ],
        )
        .await;
    assert_page(&missing, 400);
    assert!(
        missing.text.contains("id=\"f-space_type-error\""),
        "{}",
        missing.text
    );
    assert!(missing.text.contains("value=\"4\""));
    let listings = app
        .get(
            &format!("/api/v1/listings?organisation_id={organisation}"),
            &manager.auth(),
        )
        .await;
    assert_eq!(
        listings.body["total"], 0,
        "nothing was created: {}",
        listings.text
    );
    let good = manager
        .post(
            &path,
            &[
                ("kind", "space"),
                ("title", "Private offices for start-ups"),
                ("language", "en"),
                ("summary", "Private offices in Turin."),
                ("space_type", "private_office"),
                ("capacity", "4"),
                ("monthly_price", "350.50"),
                ("available_from", "2027-01-01"),
                ("amenities", "fibre, 24/7 access"),
            ],
        )
        .await;
    assert_eq!(good.status, 303, "{}", good.text);
    let id = listing_in(&good);
    let api = app
        .get(&format!("/api/v1/listings/{id}"), &manager.auth())
        .await;
    assert_eq!(
        api.body["monthly_price"]["amount_minor"], 35050,
        "{}",
        api.text
    );
    assert_eq!(api.body["amenities"], json!(["fibre", "24/7 access"]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_cannot_touch_another_organisations_listings() {
    let app = app().await;
    let mut owner = Visitor::new(&app);
    owner.sign_up("owner@unibo.example", "Owner").await;
    let organisation = organisation_by_form(&mut owner, "university", "Unibo").await;
    let listing = expertise_by_form(&mut owner, &organisation, "Owner's lab").await;
    owner
        .post(&format!("/dashboard/listings/{listing}/publish"), &[])
        .await;

    let mut intruder = Visitor::new(&app);
    intruder.sign_up("intruder@example.org", "Intruder").await;
    organisation_by_form(&mut intruder, "firm", "Intruder srl").await;
    intruder.get("/dashboard").await;
    let edit = intruder
        .get(&format!("/dashboard/listings/{listing}/edit"))
        .await;
    assert_page(&edit, 403);
    let changed = intruder
        .post(
            &format!("/dashboard/listings/{listing}/edit"),
            &[("title", "Defaced"), ("summary", "x"), ("language", "en")],
        )
        .await;
    assert_page(&changed, 403);
    for action in ["archive", "renew"] {
        let refused = intruder
            .post(&format!("/dashboard/listings/{listing}/{action}"), &[])
            .await;
        assert!(
            refused.status == 403 || refused.status == 404,
            "{action}: {}",
            refused.status
        );
    }
    let create = intruder
        .post(
            &format!("/dashboard/organisations/{organisation}/listings"),
            &[
                ("kind", "expertise"),
                ("title", "Planted"),
                ("summary", "x"),
            ],
        )
        .await;
    assert_page(&create, 403);
    assert_page(
        &intruder
            .get(&format!("/dashboard/organisations/{organisation}"))
            .await,
        403,
    );
    let api = app
        .get(&format!("/api/v1/listings/{listing}"), &Auth::Anonymous)
        .await;
    assert_eq!(api.body["title"], "Owner's lab");
    assert_eq!(api.body["status"], "published");
    let all = app
        .get(
            &format!("/api/v1/listings?organisation_id={organisation}"),
            &owner.auth(),
        )
        .await;
    assert_eq!(all.body["total"], 1, "{}", all.text);
    // Not signed in: the dashboard sends to the sign-in page.
    let anonymous = app.get("/dashboard", &Auth::Anonymous).await;
    assert_eq!(anonymous.status, 303);
    assert_eq!(
        anonymous.header("location"),
        Some("/login?next=%2Fdashboard")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_brokers_see_the_console_which_verifies_and_reports_unmet_demand() {
    let app = app().await;
    let mut member = Visitor::new(&app);
    member.sign_up("member@example.org", "Member").await;
    let organisation = organisation_by_form(&mut member, "university", "Unverified Uni").await;
    assert_page(&member.get("/console").await, 403);
    let forged = member
        .post(
            &format!("/console/organisations/{organisation}/verify"),
            &[],
        )
        .await;
    assert_page(&forged, 403);
    assert!(
        !member
            .get("/dashboard")
            .await
            .text
            .contains("href=\"/console\"")
    );
    // Two searches and a chat question that found nothing.
    for query in [
        "q=graphene+coatings&region=Piemonte",
        "q=Graphene+coatings&region=Piemonte",
    ] {
        app.get(&format!("/api/v1/search?{query}"), &Auth::Anonymous)
            .await;
    }
    app.post(
        "/api/v1/chat",
        &Auth::Anonymous,
        &json!({"message": "who does cryogenic electron microscopy?"}),
    )
    .await;

    let mut broker = Visitor::new(&app);
    broker.sign_up("broker@ponte.example", "Broker").await;
    app.grant_role("broker@ponte.example", domain::model::PlatformRole::Broker)
        .await;
    let console = broker.get("/console").await;
    assert_page(&console, 200);
    assert!(console.text.contains("Unverified Uni"), "{}", console.text);
    assert!(
        console.text.contains("graphene coatings"),
        "{}",
        console.text
    );
    assert!(
        console
            .text
            .contains(">piemonte</td><td data-label=\"Searches\">2</td>"),
        "grouped: {}",
        console.text
    );
    assert!(
        console.text.contains("cryogenic"),
        "chat questions too: {}",
        console.text
    );
    let verified = broker
        .post(
            &format!("/console/organisations/{organisation}/verify"),
            &[],
        )
        .await;
    assert_eq!(verified.status, 303, "{}", verified.text);
    let api = app
        .get(
            &format!("/api/v1/organisations/{organisation}"),
            &Auth::Anonymous,
        )
        .await;
    assert_eq!(api.body["verified"], true, "{}", api.text);
    app.stop().await;
}

/// Polls `path` until its text contains `needle`.
async fn page_until(visitor: &mut Visitor<'_>, path: &str, needle: &str) -> Reply {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let reply = visitor.get(path).await;
        if reply.text.contains(needle) {
            return reply;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{needle:?} never appeared on {path}: {}",
            reply.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_saves_a_search_gets_the_match_in_its_inbox_and_is_introduced() {
    let app = app().await;
    let mut firm = Visitor::new(&app);
    firm.sign_up("buyer@firm.example", "Bruno").await;
    organisation_by_form(&mut firm, "firm", "Modena Composites").await;
    let search = firm.get("/search?q=basalt+fibre").await;
    assert!(
        search.text.contains("action=\"/search/save\""),
        "{}",
        search.text
    );
    let saved = firm
        .post("/search/save", &[("query", "q=basalt+fibre")])
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let searches = firm.get("/dashboard/searches").await;
    assert_page(&searches, 200);
    assert!(searches.text.contains("basalt fibre"), "{}", searches.text);

    let mut university = Visitor::new(&app);
    university.sign_up("tto@unimore.example", "Tina").await;
    let organisation = organisation_by_form(&mut university, "university", "Unimore").await;
    let listing =
        expertise_by_form(&mut university, &organisation, "Basalt fibre composites").await;
    university
        .post(&format!("/dashboard/listings/{listing}/publish"), &[])
        .await;

    let inbox = page_until(&mut firm, "/dashboard/inbox", "Basalt fibre composites").await;
    assert_page(&inbox, 200);
    assert!(
        inbox
            .text
            .contains(&format!("href=\"/listings/{listing}\""))
    );
    let item = {
        let marker = "action=\"/dashboard/inbox/";
        let start = inbox
            .text
            .find(marker)
            .unwrap_or_else(|| panic!("{}", inbox.text))
            + "action=\"".len();
        inbox.text[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(item.ends_with("/read"), "{item}");
    assert_eq!(firm.post(&item, &[]).await.status, 303);
    assert!(!firm.get("/dashboard/inbox").await.text.contains("unread"));
    let not_interested = item.replace("/read", "/not-interested");
    assert_eq!(firm.post(&not_interested, &[]).await.status, 303);
    let subscriptions = app.get("/api/v1/subscriptions", &firm.auth()).await;
    assert_eq!(
        subscriptions.body["items"][0]["excluded_listing_ids"],
        json!([listing]),
        "{}",
        subscriptions.text
    );

    // Pausing and deleting the saved search.
    let pause = {
        let searches = firm.get("/dashboard/searches").await;
        let marker = "action=\"/dashboard/searches/";
        let start = searches
            .text
            .find(marker)
            .unwrap_or_else(|| panic!("{}", searches.text))
            + "action=\"".len();
        searches.text[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(pause.ends_with("/pause"), "{pause}");
    assert_eq!(firm.post(&pause, &[]).await.status, 303);
    let subscriptions = app.get("/api/v1/subscriptions", &firm.auth()).await;
    assert_eq!(subscriptions.body["items"][0]["frequency"], "paused");

    // The firm asks for an introduction from the listing page...
    firm.get(&format!("/listings/{listing}")).await;
    let asked = firm
        .post(
            &format!("/listings/{listing}/introductions"),
            &[("message", "We need basalt fibre panels tested.")],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.text);
    let mine = firm.get("/introductions").await;
    assert_page(&mine, 200);
    assert!(
        mine.text.contains("Basalt fibre composites"),
        "{}",
        mine.text
    );

    // ...and the organisation accepts it, then writes in the thread.
    let incoming = university.get("/introductions").await;
    assert!(
        incoming.text.contains("A firm in"),
        "name hidden until accepted: {}",
        incoming.text
    );
    let path = {
        let marker = "href=\"/introductions/";
        let start = incoming
            .text
            .find(marker)
            .unwrap_or_else(|| panic!("{}", incoming.text))
            + "href=\"".len();
        incoming.text[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let detail = university.get(&path).await;
    assert_page(&detail, 200);
    assert!(detail.text.contains("We need basalt fibre panels tested."));
    assert!(
        detail.text.contains("name=\"reason\""),
        "decline reasons offered"
    );
    let accepted = university.post(&format!("{path}/accept"), &[]).await;
    assert_eq!(accepted.status, 303, "{}", accepted.text);
    let after = university.get(&path).await;
    assert!(after.text.contains("Modena Composites"), "{}", after.text);
    assert!(
        after.text.contains("buyer@firm.example"),
        "contacts shared: {}",
        after.text
    );
    let empty = university
        .post(&format!("{path}/messages"), &[("text", "")])
        .await;
    assert_page(&empty, 400);
    let written = university
        .post(
            &format!("{path}/messages"),
            &[("text", "Happy to help: call us.")],
        )
        .await;
    assert_eq!(written.status, 303);
    let seen = firm.get(&path).await;
    assert!(
        seen.text.contains("Happy to help: call us."),
        "{}",
        seen.text
    );
    assert!(seen.text.contains("Accepted"), "{}", seen.text);
    assert!(seen.text.contains("name=\"outcome\""), "{}", seen.text);
    let recorded = firm
        .post(&format!("{path}/outcome"), &[("outcome", "met")])
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.text);
    let after = firm.get(&path).await;
    assert!(
        after.text.contains("<strong>We met</strong>"),
        "{}",
        after.text
    );
    assert!(!after.text.contains("name=\"outcome\""), "recorded once");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_decline_with_a_reason_and_brokers_nudge_and_close_waiting_requests() {
    let app = app().await;
    let mut university = Visitor::new(&app);
    university.sign_up("tto@polito.example", "Paola").await;
    let organisation = organisation_by_form(&mut university, "university", "Polito").await;
    let wind = expertise_by_form(&mut university, &organisation, "Wind tunnel testing").await;
    let noise = expertise_by_form(&mut university, &organisation, "Acoustic testing").await;
    for listing in [&wind, &noise] {
        let published = university
            .post(&format!("/dashboard/listings/{listing}/publish"), &[])
            .await;
        assert_eq!(published.status, 303, "{}", published.text);
    }
    let mut firm = Visitor::new(&app);
    firm.sign_up("buyer@firm.example", "Bruno").await;
    organisation_by_form(&mut firm, "firm", "Firm srl").await;
    for listing in [&wind, &noise] {
        firm.get(&format!("/listings/{listing}")).await;
        let asked = firm
            .post(
                &format!("/listings/{listing}/introductions"),
                &[("message", "Please help us.")],
            )
            .await;
        assert_eq!(asked.status, 303, "{}", asked.text);
    }
    let all = app.get("/api/v1/introductions", &firm.auth()).await;
    let id_for = |listing: &str| {
        all.body
            .as_array()
            .and_then(|items| items.iter().find(|i| i["listing_id"] == listing))
            .and_then(|i| i["id"].as_str())
            .unwrap_or_else(|| panic!("no request for {listing}: {}", all.text))
            .to_owned()
    };
    let (waiting, declined) = (id_for(&wind), id_for(&noise));

    // Declining needs one of the fixed reasons.
    let path = format!("/introductions/{declined}");
    university.get(&path).await;
    let bad = university
        .post(
            &format!("{path}/decline"),
            &[("reason", "because"), ("note", "")],
        )
        .await;
    assert_page(&bad, 400);
    assert!(bad.text.contains("Reason for declining: "), "{}", bad.text);
    let status = app.get(&format!("/api/v1{path}"), &firm.auth()).await;
    assert_eq!(status.body["status"], "requested", "{}", status.text);
    let done = university
        .post(
            &format!("{path}/decline"),
            &[
                ("reason", "no_capacity"),
                ("note", "Fully booked until June."),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.text);
    let seen = firm.get(&path).await;
    assert!(
        seen.text.contains("No capacity at the moment"),
        "{}",
        seen.text
    );
    assert!(
        seen.text.contains("Fully booked until June."),
        "{}",
        seen.text
    );
    // The organisation may not use the broker's buttons.
    let refused = university
        .post(&format!("/console/introductions/{waiting}/nudge"), &[])
        .await;
    assert_page(&refused, 403);

    let mut broker = Visitor::new(&app);
    broker.sign_up("broker@ponte.example", "Broker").await;
    app.grant_role("broker@ponte.example", domain::model::PlatformRole::Broker)
        .await;
    let console = broker.get("/console").await;
    assert_page(&console, 200);
    assert!(
        console.text.contains(&format!("id=\"stalled-{waiting}\"")),
        "{}",
        console.text
    );
    assert!(!console.text.contains(&format!("id=\"stalled-{declined}\"")));
    let nudged = broker
        .post(&format!("/console/introductions/{waiting}/nudge"), &[])
        .await;
    assert_eq!(nudged.status, 303, "{}", nudged.text);
    let thread = university.get(&format!("/introductions/{waiting}")).await;
    assert!(thread.text.contains("Reminder sent"), "{}", thread.text);
    let closed = broker
        .post(&format!("/console/introductions/{waiting}/close"), &[])
        .await;
    assert_eq!(closed.status, 303, "{}", closed.text);
    let status = app
        .get(&format!("/api/v1/introductions/{waiting}"), &firm.auth())
        .await;
    assert_ne!(status.body["status"], "requested", "{}", status.text);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circles_are_started_joined_and_follow_a_search_for_every_member() {
    let app = app().await;
    let mut facilitator = Visitor::new(&app);
    facilitator.sign_up("anna@cluster.example", "Anna").await;
    facilitator.get("/dashboard/circles").await;
    let unnamed = facilitator
        .post(
            "/dashboard/circles",
            &[
                ("name", ""),
                ("description", "Monthly meetings."),
                ("topics", "composites"),
            ],
        )
        .await;
    assert_page(&unnamed, 400);
    assert!(unnamed.text.contains("Name: "), "{}", unnamed.text);
    assert!(
        unnamed.text.contains(">Monthly meetings.</textarea>"),
        "kept: {}",
        unnamed.text
    );
    let started = facilitator
        .post(
            "/dashboard/circles",
            &[
                ("name", "Emilia composites"),
                ("description", ""),
                ("topics", "composites"),
            ],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.text);
    let page = facilitator.get("/dashboard/circles").await;
    assert_page(&page, 200);
    let code = {
        let marker = "<code class=\"secret\">";
        let start = page
            .text
            .find(marker)
            .unwrap_or_else(|| panic!("{}", page.text))
            + marker.len();
        page.text[start..]
            .split('<')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let follow = {
        let marker = "action=\"/dashboard/circles/";
        let start = page
            .text
            .find(marker)
            .unwrap_or_else(|| panic!("{}", page.text))
            + "action=\"".len();
        page.text[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(follow.ends_with("/searches"), "{follow}");
    assert_eq!(
        facilitator
            .post(&follow, &[("q", "basalt fibre")])
            .await
            .status,
        303
    );

    let mut member = Visitor::new(&app);
    member.sign_up("luca@firm.example", "Luca").await;
    member.get("/dashboard/circles").await;
    let wrong = member
        .post("/dashboard/circles/join", &[("code", "nonsense")])
        .await;
    assert_page(&wrong, 400);
    assert!(wrong.text.contains("value=\"nonsense\""), "{}", wrong.text);
    let joined = member
        .post("/dashboard/circles/join", &[("code", code.as_str())])
        .await;
    assert_eq!(joined.status, 303, "{}", joined.text);
    assert!(
        member
            .get("/dashboard/circles")
            .await
            .text
            .contains("Emilia composites")
    );

    let mut university = Visitor::new(&app);
    university.sign_up("tto@unimore.example", "Tina").await;
    let organisation = organisation_by_form(&mut university, "university", "Unimore").await;
    let listing = expertise_by_form(&mut university, &organisation, "Basalt fibre panels").await;
    university
        .post(&format!("/dashboard/listings/{listing}/publish"), &[])
        .await;
    page_until(&mut member, "/dashboard/inbox", "Basalt fibre panels").await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_add_and_remove_members_and_editors_may_only_leave() {
    let app = app().await;
    let mut owner = Visitor::new(&app);
    owner.sign_up("owner@unibo.example", "Owner").await;
    let organisation = organisation_by_form(&mut owner, "university", "Unibo").await;
    let mut editor = Visitor::new(&app);
    editor.sign_up("editor@unibo.example", "Edith").await;
    let page = format!("/dashboard/organisations/{organisation}");
    let members = format!("{page}/members");
    owner.get(&page).await;
    let unknown = owner
        .post(
            &members,
            &[("email", "nobody@unibo.example"), ("role", "editor")],
        )
        .await;
    assert_page(&unknown, 400);
    assert!(
        unknown.text.contains("id=\"f-email-error\""),
        "{}",
        unknown.text
    );
    assert!(unknown.text.contains("value=\"nobody@unibo.example\""));
    let added = owner
        .post(
            &members,
            &[("email", "editor@unibo.example"), ("role", "editor")],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.text);
    let seen = editor.get(&page).await;
    assert_page(&seen, 200);
    assert!(
        !seen.text.contains(&format!("action=\"{members}\"")),
        "no add form for editors"
    );
    let forged = editor
        .post(
            &members,
            &[("email", "someone@unibo.example"), ("role", "owner")],
        )
        .await;
    assert!(
        forged.status == 403 || forged.status == 400,
        "{}",
        forged.status
    );
    let listed = app
        .get(
            &format!("/api/v1/organisations/{organisation}/members"),
            &owner.auth(),
        )
        .await;
    assert_eq!(
        listed.body.as_array().map(Vec::len),
        Some(2),
        "{}",
        listed.text
    );
    let editor_id = listed
        .body
        .as_array()
        .and_then(|all| all.iter().find(|m| m["email"] == "editor@unibo.example"))
        .and_then(|m| m["account_id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let owner_page = owner.get(&page).await;
    let remove = format!("{members}/{editor_id}/remove");
    assert!(
        owner_page.text.contains(&format!("action=\"{remove}\"")),
        "{}",
        owner_page.text
    );
    assert_eq!(owner.post(&remove, &[]).await.status, 303);
    assert_page(&editor.get(&page).await, 403);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_notices_show_only_our_own_words() {
    let app = app().await;
    let mut member = Visitor::new(&app);
    member.sign_up("member@example.org", "Member").await;
    let ours = member.get("/dashboard/inbox?done=inbox-read").await;
    assert!(ours.text.contains("Marked as read."), "{}", ours.text);
    let theirs = member
        .get("/dashboard/inbox?done=Your+account+is+locked%2C+call+us")
        .await;
    assert_page(&theirs, 200);
    assert!(
        !theirs.text.contains("Your account is locked"),
        "{}",
        theirs.text
    );
    assert!(!theirs.text.contains("class=\"notice\""), "{}", theirs.text);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_edit_their_organisation_and_nobody_else_can() {
    let app = app().await;
    let mut owner = Visitor::new(&app);
    owner.sign_up("owner@unibo.example", "Owner").await;
    let organisation = organisation_by_form(&mut owner, "university", "Unibo").await;
    let path = format!("/dashboard/organisations/{organisation}/edit");
    let form = owner.get(&path).await;
    assert_page(&form, 200);
    assert!(form.text.contains("value=\"Unibo\""), "{}", form.text);
    assert!(
        form.text.contains("value=\"university\" selected"),
        "{}",
        form.text
    );
    let fields = |website: &'static str| {
        vec![
            ("kind", "university"),
            ("name", "Università di Bologna"),
            ("description", "Alma Mater Studiorum."),
            ("website", website),
            ("country", "IT"),
            ("region", "Emilia-Romagna"),
            ("city", "Bologna"),
            ("contact_name", "Giulia Verdi"),
            ("contact_email", "tto@unibo.example"),
        ]
    };
    let bad = owner.post(&path, &fields("not a website")).await;
    assert_page(&bad, 400);
    assert!(bad.text.contains("id=\"f-website-error\""), "{}", bad.text);
    assert!(bad.text.contains("value=\"not a website\""));
    let saved = owner.post(&path, &fields("https://www.unibo.it")).await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let api = app
        .get(
            &format!("/api/v1/organisations/{organisation}"),
            &Auth::Anonymous,
        )
        .await;
    assert_eq!(api.body["name"], "Università di Bologna", "{}", api.text);

    let mut other = Visitor::new(&app);
    other.sign_up("other@example.org", "Other").await;
    assert_page(&other.get(&path).await, 403);
    other.get("/dashboard").await;
    let forged = other.post(&path, &fields("https://evil.example")).await;
    assert_page(&forged, 403);
    let api = app
        .get(
            &format!("/api/v1/organisations/{organisation}"),
            &Auth::Anonymous,
        )
        .await;
    assert_eq!(api.body["website"], "https://www.unibo.it", "{}", api.text);
    app.stop().await;
}
