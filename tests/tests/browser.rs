//! The public portal in a real browser: Debian's Chromium, driven over WebDriver, on the
//! demo data. A visitor searches from the home page, narrows by place and kind, opens a
//! listing, switches to Italian; every key page is checked at desktop and phone (360 px)
//! widths for horizontal overflow, and screenshots are written to
//! `<target>/tmp/portal-screenshots/` (the path is printed).
//!
//! Members, on an empty marketplace: a firm saves a search; a university editor signs
//! up, creates the organisation and publishes an expertise; an incubator manager's space
//! form with bad values shows the errors and keeps the input, then the offer is
//! published; the firm finds the match in its inbox and asks for an introduction; the
//! university accepts it; a form posted from another site is refused.
//!
//! Without `/usr/bin/chromium` or `/usr/bin/chromedriver` the test says SKIPPED on
//! standard error and does nothing else; `.ci/run` installs both.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use tests::webdriver::{Browser, BrowserError};
use tests::{Backend, TestApp};

const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (360, 780);

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("portal-screenshots");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
    dir
}

async fn start_browser(width: u32, height: u32) -> Option<Browser> {
    match Browser::start(width, height).await {
        Ok(browser) => Some(browser),
        Err(BrowserError::Missing(what)) => {
            eprintln!(
                "SKIPPED: chromium/chromedriver not found ({what}); the browser tests did not run"
            );
            None
        }
        Err(error) => panic!("the browser did not start: {error}"),
    }
}

fn check<T>(result: Result<T, BrowserError>, what: &str) -> T {
    result.unwrap_or_else(|error| panic!("{what}: {error}"))
}

async fn wait_for_url(browser: &Browser, what: &str, accept: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = check(browser.current_url().await, "current url");
        if accept(&url) {
            return url;
        }
        assert!(Instant::now() < deadline, "never reached {what}; at {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the page shown is in `language`. A language switch posts and comes back
/// to the same address, so the address cannot tell whether the new page has arrived;
/// the script may also fail while the old page is being replaced.
async fn wait_for_language(browser: &Browser, language: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let lang = browser
            .script("return document.documentElement.lang;")
            .await;
        if lang.as_ref().is_ok_and(|lang| lang == language) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the page never switched to {language}: {lang:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(browser: &Browser, css: &str) -> String {
    let element = check(browser.find(css).await, css);
    check(browser.text(&element).await, css)
}

/// The page fits the window: nothing sticks out sideways (no horizontal scrolling).
async fn assert_fits(browser: &Browser, page: &str, width: u32) {
    let overflow = check(
        browser
            .script(
                "const d = document.documentElement; \
                 const wide = [...document.querySelectorAll('body *')] \
                   .filter(e => e.getBoundingClientRect().right > d.clientWidth + 1) \
                   .slice(0, 5).map(e => e.tagName + '.' + e.className); \
                 return {scroll: d.scrollWidth, client: d.clientWidth, inner: window.innerWidth, wide: wide};",
            )
            .await,
        "measure",
    );
    let inner = overflow["inner"].as_u64().unwrap_or_default();
    assert_eq!(
        inner,
        u64::from(width),
        "{page}: the window is not {width} px wide"
    );
    assert!(
        overflow["scroll"].as_u64() <= overflow["client"].as_u64(),
        "{page} scrolls sideways at {width} px: {overflow}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_finds_a_facility_near_bologna_and_reads_it_in_italian() {
    let Some(browser) = start_browser(DESKTOP.0, DESKTOP.1).await else {
        return;
    };
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| settings.demo = true)
        .await
        .unwrap_or_else(|| panic!("SQLite is always available"));
    let shots = screenshot_dir();
    eprintln!("screenshots: {}", shots.display());
    let base = app.base.clone();

    // The home page, in English (the browser's default language here).
    check(browser.goto(&format!("{base}/")).await, "home");
    assert_eq!(
        text_of(&browser, ".searchbar button[type=submit]").await,
        "Search"
    );
    let holdings = text_of(&browser, "#holdings-heading").await;
    assert!(holdings.starts_with("The marketplace holds"), "{holdings}");
    assert!(
        !check(browser.find_all(".cards .card").await, "newest").is_empty(),
        "no newest listings on the home page"
    );
    check(
        browser
            .full_page_screenshot(&shots.join("home-desktop.png"), DESKTOP.0, DESKTOP.1)
            .await,
        "screenshot",
    );

    // Search from the home page.
    let q = check(browser.find("#q").await, "search box");
    check(browser.type_into(&q, "computing").await, "type");
    let submit = check(
        browser.find(".searchbar button[type=submit]").await,
        "button",
    );
    check(browser.click(&submit).await, "search");
    wait_for_url(&browser, "the search page", |url| {
        url.contains("/search?q=computing")
    })
    .await;
    let everywhere = text_of(&browser, "#results-heading").await;
    assert!(everywhere.ends_with("results"), "{everywhere}");

    // Narrow by place and kind with the form.
    let near = check(browser.find("#near").await, "near");
    check(browser.type_into(&near, "Bologna").await, "type place");
    let facility = check(
        browser.find("input[name=kind][value=facility]").await,
        "kind box",
    );
    check(browser.click(&facility).await, "tick facility");
    let search = check(
        browser.find(".search-form .searchbar button").await,
        "button",
    );
    check(browser.click(&search).await, "search again");
    wait_for_url(&browser, "the filtered search", |url| {
        url.contains("near=Bologna") && url.contains("kind=facility")
    })
    .await;
    let heading = text_of(&browser, "#results-heading").await;
    let count: u64 = heading
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {heading:?}"));
    assert!(count >= 1, "nothing found near Bologna: {heading}");
    assert!(
        text_of(&browser, ".near").await.contains("Bologna"),
        "the place is not shown as understood"
    );
    let kinds = check(browser.find_all(".results .card .kind").await, "kinds");
    assert!(!kinds.is_empty());
    for kind in &kinds {
        assert_eq!(
            check(browser.text(kind).await, "kind"),
            "FACILITY OR SERVICE"
        );
    }
    let ticked = check(
        browser.find("input[name=kind][value=facility]").await,
        "kind box",
    );
    assert_eq!(
        check(browser.attribute(&ticked, "checked").await, "checked").as_deref(),
        Some("true"),
        "the form forgot the chosen kind"
    );
    check(
        browser
            .full_page_screenshot(&shots.join("search-desktop.png"), DESKTOP.0, DESKTOP.1)
            .await,
        "screenshot",
    );
    let search_url = check(browser.current_url().await, "url");

    // Open the first result.
    let first = check(browser.find(".results .card h3 a").await, "first result");
    let title = check(browser.text(&first).await, "title");
    check(browser.click(&first).await, "open listing");
    let listing_url =
        wait_for_url(&browser, "a listing page", |url| url.contains("/listings/")).await;
    assert_eq!(text_of(&browser, "h1").await, title);
    assert!(
        text_of(&browser, "#introduction-heading").await == "Request an introduction",
        "no introduction box"
    );
    let organisation_link = check(browser.find(".listing .org a").await, "organisation link");
    let organisation_href =
        check(browser.attribute(&organisation_link, "href").await, "href").unwrap_or_default();
    assert!(
        organisation_href.starts_with("/organisations/"),
        "{organisation_href}"
    );
    let sign_in = check(
        browser.find(".listing-actions a.button").await,
        "sign-in link",
    );
    let href = check(browser.attribute(&sign_in, "href").await, "href").unwrap_or_default();
    assert!(href.starts_with("/login?next=%2Flistings%2F"), "{href}");
    check(
        browser
            .full_page_screenshot(&shots.join("listing-desktop.png"), DESKTOP.0, DESKTOP.1)
            .await,
        "screenshot",
    );

    // Switch to Italian: the same page comes back in Italian, and stays so.
    let italiano = check(
        browser.find(".language-switch button[value=it]").await,
        "Italiano",
    );
    check(browser.click(&italiano).await, "switch");
    wait_for_language(&browser, "it").await;
    assert_eq!(check(browser.current_url().await, "url"), listing_url);
    assert_eq!(
        text_of(&browser, "#introduction-heading").await,
        "Chiedi una presentazione"
    );
    check(browser.goto(&format!("{base}/")).await, "home");
    assert_eq!(
        text_of(&browser, ".searchbar button[type=submit]").await,
        "Cerca"
    );
    check(
        browser
            .full_page_screenshot(
                &shots.join("home-italian-desktop.png"),
                DESKTOP.0,
                DESKTOP.1,
            )
            .await,
        "screenshot",
    );

    // The chat, answered on a page.
    check(browser.goto(&format!("{base}/chat")).await, "chat");
    let message = check(browser.find("#message").await, "chat box");
    check(
        browser
            .type_into(&message, "cerco un laboratorio di calcolo vicino a Bologna")
            .await,
        "type",
    );
    let send = check(browser.find(".chat-form button[type=submit]").await, "send");
    check(browser.click(&send).await, "send");
    let deadline = Instant::now() + Duration::from_secs(20);
    while check(browser.find_all(".understood").await, "answer").is_empty() {
        assert!(Instant::now() < deadline, "the chat never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        text_of(&browser, ".understood h3").await,
        "Come ti ho capito"
    );
    check(
        browser
            .full_page_screenshot(
                &shots.join("chat-italian-desktop.png"),
                DESKTOP.0,
                DESKTOP.1,
            )
            .await,
        "screenshot",
    );

    // Every key page on a phone, in both languages: nothing sticks out sideways.
    check(browser.resize(PHONE.0, PHONE.1).await, "resize");
    let pages = [
        ("home", format!("{base}/")),
        ("search", search_url.clone()),
        ("listing", listing_url.clone()),
        ("organisation", format!("{base}{organisation_href}")),
        ("chat", format!("{base}/chat")),
        ("not-found", format!("{base}/listings/none")),
    ];
    for language in ["it", "en"] {
        if language == "en" {
            check(browser.goto(&format!("{base}/")).await, "home");
            let english = check(
                browser.find(".language-switch button[value=en]").await,
                "English",
            );
            check(browser.click(&english).await, "switch back");
            wait_for_language(&browser, "en").await;
            wait_for_url(&browser, "home", |url| url.ends_with('/')).await;
        }
        for (name, url) in &pages {
            check(browser.goto(url).await, name);
            assert_fits(&browser, name, PHONE.0).await;
            check(
                browser
                    .full_page_screenshot(
                        &shots.join(format!("{name}-{language}-phone.png")),
                        PHONE.0,
                        PHONE.1,
                    )
                    .await,
                "screenshot",
            );
        }
    }
    // And at desktop width.
    check(browser.resize(DESKTOP.0, DESKTOP.1).await, "resize");
    for (name, url) in &pages {
        check(browser.goto(url).await, name);
        assert_fits(&browser, name, DESKTOP.0).await;
    }
    eprintln!("screenshots written to {}", shots.display());
    drop(browser);
    app.stop().await;
}

/// Fills the inputs named in `fields` (by `name`) and submits the form holding the
/// first one with its submit button, as a person would.
async fn fill_and_submit(browser: &Browser, form: &str, fields: &[(&str, &str)]) {
    for (name, value) in fields {
        let selector = format!("{form} [name=\"{name}\"]");
        let element = check(browser.find(&selector).await, &selector);
        let tag = check(
            browser
                .script(&format!(
                    "return document.querySelector('{form} [name=\"{name}\"]').tagName;"
                ))
                .await,
            "tag",
        );
        if tag == "SELECT" {
            let option = format!("{selector} option[value=\"{value}\"]");
            let option = check(browser.find(&option).await, &option);
            check(browser.click(&option).await, "choose");
        } else {
            check(browser.type_into(&element, value).await, &selector);
        }
    }
    let submit = format!("{form} button[type=submit]");
    let button = check(browser.find(&submit).await, &submit);
    check(browser.click(&button).await, "submit");
}

/// Waits until the page holds an element matching `css` (a page loading after a post).
async fn wait_for(browser: &Browser, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if !check(browser.find_all(css).await, css).is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "{css} never appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn click_on(browser: &Browser, css: &str) {
    let element = check(browser.find(css).await, css);
    check(browser.click(&element).await, css);
}

async fn sign_up_in_browser(browser: &Browser, base: &str, email: &str, name: &str) {
    check(
        browser.goto(&format!("{base}/signup")).await,
        "sign-up page",
    );
    fill_and_submit(
        browser,
        "main form",
        &[
            ("email", email),
            ("display_name", name),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    wait_for_url(browser, "the dashboard", |url| url.ends_with("/dashboard")).await;
}

async fn sign_in_in_browser(browser: &Browser, base: &str, email: &str) {
    check(browser.goto(&format!("{base}/login")).await, "sign-in page");
    fill_and_submit(
        browser,
        "main form",
        &[("email", email), ("password", "correct horse battery")],
    )
    .await;
    wait_for_url(browser, "the dashboard", |url| url.ends_with("/dashboard")).await;
}

async fn sign_out_in_browser(browser: &Browser, base: &str) {
    click_on(browser, ".sign-out button").await;
    wait_for_url(browser, "the home page", |url| url == format!("{base}/")).await;
}

async fn create_organisation_in_browser(browser: &Browser, kind: &str, name: &str, city: &str) {
    click_on(browser, "a[href=\"/dashboard/organisations/new\"]").await;
    fill_and_submit(
        browser,
        "main form",
        &[
            ("kind", kind),
            ("name", name),
            ("city", city),
            ("contact_email", "office@example.org"),
        ],
    )
    .await;
    wait_for_url(browser, "the organisation's dashboard", |url| {
        url.contains("/dashboard/organisations/") && !url.ends_with("/new")
    })
    .await;
}

/// Publishes the newest draft on the organisation's dashboard.
async fn publish_first_draft(browser: &Browser) {
    click_on(
        browser,
        ".listing-row[data-status=draft] form[action$=\"/publish\"] button",
    )
    .await;
    let url = wait_for_url(browser, "published", |url| {
        url.contains("done=publish") || url.ends_with("/publish")
    })
    .await;
    assert!(
        url.contains("done=publish"),
        "not published: {}",
        text_of(browser, "main").await
    );
    assert!(
        !check(
            browser
                .find_all(".listing-row[data-status=published]")
                .await,
            "published rows"
        )
        .is_empty(),
        "nothing published"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_publish_offers_save_searches_and_answer_introductions() {
    let Some(browser) = start_browser(DESKTOP.0, DESKTOP.1).await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .unwrap_or_else(|| panic!("SQLite is always available"));
    let shots = screenshot_dir();
    eprintln!("screenshots: {}", shots.display());
    let base = app.base.clone();
    let shot = |name: &'static str| {
        let path = shots.join(name);
        let browser = &browser;
        async move {
            check(
                browser
                    .full_page_screenshot(&path, DESKTOP.0, DESKTOP.1)
                    .await,
                "screenshot",
            );
        }
    };

    // A firm signs up, registers itself and saves a search that finds nothing yet.
    sign_up_in_browser(&browser, &base, "buyer@firm.example", "Bruno Rossi").await;
    create_organisation_in_browser(&browser, "firm", "Modena Composites", "Modena").await;
    check(
        browser
            .goto(&format!("{base}/search?q=basalt+fibre+fatigue"))
            .await,
        "search",
    );
    click_on(&browser, "form[action=\"/search/save\"] button").await;
    wait_for_url(&browser, "saved", |url| url.contains("saved=1")).await;
    check(
        browser.goto(&format!("{base}/dashboard/searches")).await,
        "searches",
    );
    assert!(
        text_of(&browser, "main")
            .await
            .contains("basalt fibre fatigue")
    );
    sign_out_in_browser(&browser, &base).await;

    // A university editor signs up, creates the organisation, publishes an expertise.
    check(
        browser.goto(&format!("{base}/signup")).await,
        "sign-up page",
    );
    shot("members-signup-desktop.png").await;
    sign_up_in_browser(&browser, &base, "tto@unibo.example", "Giulia Verdi").await;
    create_organisation_in_browser(&browser, "university", "Università di Bologna", "Bologna")
        .await;
    click_on(&browser, "a[href$=\"listings/new?kind=expertise\"]").await;
    wait_for_url(&browser, "the expertise form", |url| {
        url.contains("kind=expertise")
    })
    .await;
    click_on(
        &browser,
        "input[name=engagement_modes][value=contract_research]",
    )
    .await;
    fill_and_submit(
        &browser,
        "main form",
        &[
            ("title", "Basalt fibre fatigue testing"),
            (
                "summary",
                "Fatigue and fracture tests of basalt fibre composites for small firms.",
            ),
            ("topics", "fatigue testing, basalt fibre"),
            ("trl_min", "3"),
            ("trl_max", "7"),
        ],
    )
    .await;
    wait_for_url(&browser, "the dashboard", |url| {
        url.contains("done=created")
    })
    .await;
    publish_first_draft(&browser).await;
    shot("members-dashboard-desktop.png").await;
    let dashboard_url = check(browser.current_url().await, "url");
    sign_out_in_browser(&browser, &base).await;

    // An incubator manager: a form with bad values shows the errors and keeps the
    // input; corrected, the space offer is published.
    sign_up_in_browser(
        &browser,
        &base,
        "manager@incubatore.example",
        "Marco Bianchi",
    )
    .await;
    create_organisation_in_browser(&browser, "incubator", "Incubatore Torino", "Torino").await;
    click_on(&browser, "a[href$=\"listings/new?kind=space\"]").await;
    wait_for_url(&browser, "the space form", |url| url.contains("kind=space")).await;
    fill_and_submit(
        &browser,
        "main form",
        &[
            ("title", "Private offices for start-ups"),
            ("summary", "Furnished private offices in Turin."),
            ("space_type", "private_office"),
            ("capacity", "four"),
            ("monthly_price", "cheap"),
        ],
    )
    .await;
    wait_for(&browser, ".field-error").await;
    let errors = check(browser.find_all(".field-error").await, "errors");
    assert_eq!(errors.len(), 2, "two fields are wrong");
    assert!(
        text_of(&browser, "#f-capacity-error")
            .await
            .starts_with("People it fits")
    );
    let capacity = check(browser.find("#f-capacity").await, "capacity");
    assert_eq!(
        check(browser.attribute(&capacity, "value").await, "value").as_deref(),
        Some("four"),
        "the input is kept"
    );
    let title = check(browser.find("#f-title").await, "title");
    assert_eq!(
        check(browser.attribute(&title, "value").await, "value").as_deref(),
        Some("Private offices for start-ups")
    );
    shot("members-form-errors-desktop.png").await;
    check(browser.resize(PHONE.0, PHONE.1).await, "resize");
    assert_fits(&browser, "the listing form with errors", PHONE.0).await;
    check(
        browser
            .full_page_screenshot(
                &shots.join("members-form-errors-phone.png"),
                PHONE.0,
                PHONE.1,
            )
            .await,
        "screenshot",
    );
    check(browser.resize(DESKTOP.0, DESKTOP.1).await, "resize");
    fill_and_submit(
        &browser,
        "main form",
        &[("capacity", "4"), ("monthly_price", "350")],
    )
    .await;
    wait_for_url(&browser, "the dashboard", |url| {
        url.contains("done=created")
    })
    .await;
    // Publishing without a topic brings the form back, saying what is missing.
    click_on(
        &browser,
        ".listing-row[data-status=draft] form[action$=\"/publish\"] button",
    )
    .await;
    wait_for(&browser, "#f-topics-error").await;
    assert!(
        text_of(&browser, "#f-topics-error")
            .await
            .starts_with("Topics: "),
        "the missing topic is named"
    );
    fill_and_submit(
        &browser,
        "main form",
        &[("topics", "office space, start-ups")],
    )
    .await;
    wait_for_url(&browser, "the dashboard", |url| url.contains("done=saved")).await;
    publish_first_draft(&browser).await;
    sign_out_in_browser(&browser, &base).await;

    // The firm finds the new expertise in its inbox and asks for an introduction.
    sign_in_in_browser(&browser, &base, "buyer@firm.example").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        check(
            browser.goto(&format!("{base}/dashboard/inbox")).await,
            "inbox",
        );
        if text_of(&browser, "main")
            .await
            .contains("Basalt fibre fatigue testing")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the match never reached the inbox"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    shot("members-inbox-desktop.png").await;
    click_on(&browser, ".inbox-item h2 a").await;
    wait_for_url(&browser, "the listing", |url| url.contains("/listings/")).await;
    fill_and_submit(
        &browser,
        "form[action$=\"/introductions\"]",
        &[(
            "message",
            "We need fatigue tests on basalt fibre panels by March.",
        )],
    )
    .await;
    wait_for_url(&browser, "sent", |url| url.contains("introduction=sent")).await;
    sign_out_in_browser(&browser, &base).await;

    // The university accepts it and sees who asked.
    sign_in_in_browser(&browser, &base, "tto@unibo.example").await;
    check(
        browser.goto(&format!("{base}/introductions")).await,
        "introductions",
    );
    click_on(&browser, "main a[href^=\"/introductions/\"]").await;
    wait_for_url(&browser, "the request", |url| {
        url.contains("/introductions/")
    })
    .await;
    assert!(
        text_of(&browser, "main")
            .await
            .contains("basalt fibre panels by March")
    );
    click_on(&browser, "#accept").await;
    wait_for_url(&browser, "accepted", |url| {
        url.contains("done=introduction-accept")
    })
    .await;
    assert_eq!(text_of(&browser, "#introduction-status").await, "Accepted");
    assert!(
        text_of(&browser, "main")
            .await
            .contains("Modena Composites")
    );
    shot("members-introduction-desktop.png").await;

    // Pages fit a phone.
    check(browser.resize(PHONE.0, PHONE.1).await, "resize");
    for (name, path) in [
        ("members-dashboard-phone.png", dashboard_url.as_str()),
        (
            "members-introductions-phone.png",
            &format!("{base}/introductions"),
        ),
        ("members-account-phone.png", &format!("{base}/account")),
    ] {
        check(browser.goto(path).await, name);
        assert_fits(&browser, name, PHONE.0).await;
        check(
            browser
                .full_page_screenshot(&shots.join(name), PHONE.0, PHONE.1)
                .await,
            "screenshot",
        );
    }
    check(browser.resize(DESKTOP.0, DESKTOP.1).await, "resize");

    // A form posted from another site is refused, and the member stays signed in.
    let forged = format!(
        "data:text/html,<form method=post action=\"{base}/logout\"><button id=go>go</button></form>"
    );
    check(browser.goto(&forged).await, "the other site");
    click_on(&browser, "#go").await;
    wait_for_url(&browser, "the refusal", |url| url.ends_with("/logout")).await;
    assert_eq!(text_of(&browser, "h1").await, "Not allowed");
    shot("members-cross-site-refused-desktop.png").await;
    check(browser.goto(&format!("{base}/account")).await, "account");
    assert!(
        check(browser.current_url().await, "url").ends_with("/account"),
        "signed out by another site"
    );

    // A broker sees the console.
    app.grant_role("tto@unibo.example", domain::model::PlatformRole::Broker)
        .await;
    check(browser.goto(&format!("{base}/console")).await, "console");
    assert_eq!(text_of(&browser, "h1").await, "Broker console");
    shot("members-console-desktop.png").await;

    // More members' pages fit a phone.
    check(browser.resize(PHONE.0, PHONE.1).await, "resize");
    for (name, path) in [
        ("members-console-phone.png", "/console"),
        ("members-searches-phone.png", "/dashboard/searches"),
        ("members-inbox-phone.png", "/dashboard/inbox"),
        ("members-circles-phone.png", "/dashboard/circles"),
        (
            "members-organisation-edit-phone.png",
            "/dashboard/organisations/new",
        ),
    ] {
        check(browser.goto(&format!("{base}{path}")).await, name);
        assert_fits(&browser, name, PHONE.0).await;
        check(
            browser
                .full_page_screenshot(&shots.join(name), PHONE.0, PHONE.1)
                .await,
            "screenshot",
        );
    }
    check(browser.resize(DESKTOP.0, DESKTOP.1).await, "resize");

    // The members' pages speak Italian too.
    check(
        browser.goto(&format!("{base}/dashboard")).await,
        "dashboard",
    );
    click_on(&browser, ".language-switch button[value=it]").await;
    wait_for_language(&browser, "it").await;
    wait_for_url(&browser, "the dashboard again", |url| {
        url.ends_with("/dashboard")
    })
    .await;
    assert_eq!(text_of(&browser, "h1").await, "Pannello");
    assert_eq!(
        text_of(&browser, ".sign-out button").await,
        "Esci",
        "the header is translated"
    );
    shot("members-dashboard-italian-desktop.png").await;
    app.stop().await;
}
