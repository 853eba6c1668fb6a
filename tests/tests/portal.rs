//! The public portal over HTTP on a real server: every page answers with HTML and the
//! security headers, hostile listing text comes back escaped, the language follows the
//! browser and the switch, unknown ids get a "not found" page, bad search parameters a
//! friendly 400 page, and the member-only parts (contact, introductions, saving a
//! search) behave for visitors and members. (The browser tests are in `browser.rs`.)

use serde_json::json;
use std::time::{Duration, Instant};
use tests::{Auth, Backend, Client, Reply, TestApp};

const HOSTILE_TITLE: &str = "<script>alert('title')</script> Fatigue rig";
const HOSTILE_SUMMARY: &str = "\"><img src=x onerror=alert(1)> tests carbon & glass fibre";
const HOSTILE_ORGANISATION: &str = "Lab <b onmouseover=alert(2)>Bologna</b>";
const HOSTILE_WEBSITE: &str = "https://example.org/?a=\"><script>alert(3)</script>";

struct Marketplace {
    app: TestApp,
    owner: Auth,
    organisation: String,
    listing: String,
}

async fn wait_until_searchable(client: &Client, query: &str, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = client
            .get(&format!("/api/v1/search?{query}"), &Auth::Anonymous)
            .await;
        if reply.body["hits"]
            .as_array()
            .is_some_and(|hits| hits.iter().any(|hit| hit["id"] == expected))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "listing {expected} never became searchable: {}",
            reply.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A server with one organisation (hostile name, contact, website) and one published
/// expertise listing (hostile title and summary).
async fn marketplace() -> Marketplace {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .unwrap_or_else(|| panic!("SQLite is always available"));
    let (_, owner) = app.account("owner@unibo.example").await;
    let created = app
        .post(
            "/api/v1/organisations",
            &owner,
            &json!({"kind": "university", "name": HOSTILE_ORGANISATION, "country": "IT",
                    "region": "Emilia-Romagna", "city": "Bologna", "latitude": 44.49, "longitude": 11.34,
                    "website": HOSTILE_WEBSITE, "contact_name": "Giulia Verdi",
                    "contact_email": "tto@unibo.example"}),
        )
        .await;
    created.expect(201);
    let organisation = created.id();
    let draft = app
        .post(
            "/api/v1/listings",
            &owner,
            &json!({"organisation_id": organisation, "kind": "expertise", "title": HOSTILE_TITLE,
                    "language": "en", "summary": HOSTILE_SUMMARY,
                    "description": "Fatigue testing of composite parts.\n\nWe also model crack growth.",
                    "topics": ["fatigue", "composites"], "engagement_modes": ["consultancy"]}),
        )
        .await;
    draft.expect(201);
    let listing = draft.id();
    app.post(
        &format!("/api/v1/listings/{listing}/publish"),
        &owner,
        &json!({}),
    )
    .await
    .expect(200);
    wait_until_searchable(&app, "q=fatigue", &listing).await;
    Marketplace {
        app,
        owner,
        organisation,
        listing,
    }
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
    assert!(
        reply.header("referrer-policy").is_some(),
        "no referrer policy"
    );
    assert!(
        reply.text.starts_with("<!doctype html>") && reply.text.contains("<main id=\"main\""),
        "not a full page: {}",
        reply.text
    );
}

/// A page, with the numeric character references the templates write (`&#60;`) read
/// as their usual names (`&lt;`), so assertions can spell escaped text one way.
async fn page(client: &Client, path: &str, auth: &Auth, language: &str) -> Reply {
    let mut reply = client
        .request(
            reqwest::Method::GET,
            path,
            auth,
            None,
            &[("accept-language", language)],
        )
        .await;
    reply.text = named_references(&reply.text);
    reply
}

fn named_references(text: &str) -> String {
    text.replace("&#60;", "&lt;")
        .replace("&#62;", "&gt;")
        .replace("&#38;", "&amp;")
        .replace("&#34;", "&quot;")
        .replace("&#39;", "&apos;")
}

fn with_cookie(auth: &Auth, extra: &str) -> Auth {
    match auth {
        Auth::Cookie(cookie) => Auth::Cookie(format!("{cookie}; {extra}")),
        _ => Auth::Cookie(extra.to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_answers_with_html_and_the_security_headers() {
    let m = marketplace().await;
    let paths = [
        "/".to_owned(),
        "/search".to_owned(),
        "/search?q=fatigue&kind=expertise&near=Bologna&radius_km=50&sort=distance".to_owned(),
        format!("/listings/{}", m.listing),
        format!("/organisations/{}", m.organisation),
        "/chat".to_owned(),
    ];
    for path in &paths {
        let reply = page(&m.app, path, &Auth::Anonymous, "en").await;
        assert_page(&reply, 200);
    }
    // The home page counts what the marketplace holds and shows the newest listing.
    let home = page(&m.app, "/", &Auth::Anonymous, "en").await;
    assert!(
        home.text.contains("The marketplace holds 1 offer"),
        "{}",
        home.text
    );
    assert!(
        home.text
            .contains(&format!("href=\"/listings/{}\"", m.listing))
    );
    // Results link to their listing and organisation pages, with snippets marked.
    let results = page(&m.app, "/search?q=fatigue", &Auth::Anonymous, "en").await;
    assert!(results.text.contains("1 result"), "{}", results.text);
    assert!(
        results
            .text
            .contains(&format!("href=\"/listings/{}\"", m.listing))
    );
    assert!(
        results
            .text
            .contains(&format!("href=\"/organisations/{}\"", m.organisation))
    );
    assert!(
        results.text.contains("<mark>"),
        "no highlighted snippet: {}",
        results.text
    );
    assert!(results.text.contains("Why it matched:"), "{}", results.text);
    // Facet values link to the same search narrowed by that value.
    assert!(
        results
            .text
            .contains("href=\"/search?q=fatigue&amp;kind=expertise\""),
        "{}",
        results.text
    );
    // The style sheet comes from the server itself.
    let css = m.app.get("/static/portal.css", &Auth::Anonymous).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(!css.text.contains("@import") && !css.text.contains("url(http"));
    // The chat form posts to the portal and answers on a page.
    let (visitor, token) = m.app.form_token("/chat", &Auth::Anonymous).await;
    let answer = m
        .app
        .form(
            "/chat",
            &visitor,
            &[
                ("csrf_token", token.as_str()),
                ("message", "who can do fatigue testing near Bologna?"),
            ],
            &[],
        )
        .await;
    assert_page(&answer, 200);
    assert!(
        answer.text.contains("How I understood you"),
        "{}",
        answer.text
    );
    assert!(
        answer
            .text
            .contains(&format!("href=\"/listings/{}\"", m.listing)),
        "{}",
        answer.text
    );
    assert!(answer.text.contains("name=\"conversation\" value=\""));
    m.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_listing_and_organisation_text_is_escaped_everywhere() {
    let m = marketplace().await;
    let paths = [
        "/".to_owned(),
        "/search?q=fatigue".to_owned(),
        format!("/listings/{}", m.listing),
        format!("/organisations/{}", m.organisation),
    ];
    for path in &paths {
        let reply = page(&m.app, path, &Auth::Anonymous, "en").await;
        assert_page(&reply, 200);
        for raw in [
            "<script>alert(",
            "<img src=x",
            "<b onmouseover",
            HOSTILE_TITLE,
            HOSTILE_ORGANISATION,
        ] {
            assert!(!reply.text.contains(raw), "{path} shows {raw:?} unescaped");
        }
        assert!(
            reply
                .text
                .contains("&lt;script&gt;alert(&apos;title&apos;)")
                && reply.text.contains("&lt;b onmouseover=alert(2)&gt;"),
            "{path} does not show the hostile text escaped: {}",
            reply.text
        );
    }
    let organisation = page(
        &m.app,
        &format!("/organisations/{}", m.organisation),
        &Auth::Anonymous,
        "en",
    )
    .await;
    assert!(
        organisation.text.contains(
            "href=\"https://example.org/?a=&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;\""
        ),
        "website link not escaped: {}",
        organisation.text
    );
    // Hostile search words are shown back escaped too.
    let search = page(
        &m.app,
        "/search?q=%22%3E%3Cscript%3Ealert(4)%3C%2Fscript%3E",
        &Auth::Anonymous,
        "en",
    )
    .await;
    assert!(
        search.status == 200 || search.status == 400,
        "{}",
        search.text
    );
    assert!(!search.text.contains("<script>alert(4)"), "{}", search.text);
    m.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_follows_the_browser_and_the_switch_remembers_it() {
    let m = marketplace().await;
    let italian = page(&m.app, "/", &Auth::Anonymous, "it-IT,it;q=0.9,en;q=0.5").await;
    assert_page(&italian, 200);
    assert!(italian.text.contains("<html lang=\"it\">"));
    assert!(italian.text.contains(">Cerca</button>"), "{}", italian.text);
    assert!(
        italian.text.contains("Il portale contiene 1 offerta"),
        "{}",
        italian.text
    );
    let english = page(&m.app, "/", &Auth::Anonymous, "en-GB,en;q=0.9").await;
    assert!(english.text.contains("<html lang=\"en\">"));
    assert!(
        english.text.contains(">Search</button>"),
        "{}",
        english.text
    );
    let unsupported = page(&m.app, "/search", &Auth::Anonymous, "de-DE").await;
    assert!(
        unsupported.text.contains("<html lang=\"en\">"),
        "English is the fallback"
    );

    // The switch sets a cookie and goes back where it was, without leaving the site.
    let (visitor, token) = m.app.form_token("/", &Auth::Anonymous).await;
    let switched = m
        .app
        .form(
            "/language",
            &visitor,
            &[
                ("csrf_token", token.as_str()),
                ("lang", "it"),
                ("back", "/search?q=fatigue"),
            ],
            &[],
        )
        .await;
    assert_eq!(switched.status, 303, "{}", switched.text);
    assert_eq!(switched.header("location"), Some("/search?q=fatigue"));
    let cookie = switched.header("set-cookie").unwrap_or_default().to_owned();
    assert!(cookie.starts_with("ponte_lang=it;"), "{cookie}");
    assert!(
        cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let remembered = page(
        &m.app,
        "/search?q=fatigue",
        &Auth::Cookie("ponte_lang=it".into()),
        "en",
    )
    .await;
    assert!(
        remembered.text.contains(">Cerca</button>"),
        "the cookie beats the browser"
    );
    assert!(
        remembered.text.contains("1 risultato"),
        "{}",
        remembered.text
    );
    for (back, expected) in [
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ] {
        let reply = m
            .app
            .form(
                "/language",
                &visitor,
                &[
                    ("csrf_token", token.as_str()),
                    ("lang", "en"),
                    ("back", back),
                ],
                &[],
            )
            .await;
        assert_eq!(reply.header("location"), Some(expected), "back = {back}");
    }
    let unknown = m
        .app
        .form(
            "/language",
            &visitor,
            &[
                ("csrf_token", token.as_str()),
                ("lang", "xx"),
                ("back", "/"),
            ],
            &[],
        )
        .await;
    assert_page(&unknown, 400);
    m.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_and_paths_get_a_not_found_page() {
    let m = marketplace().await;
    for path in [
        "/listings/no-such-listing",
        "/organisations/no-such-organisation",
        "/listings/%F0%9F%98%80",
        "/no/such/page",
    ] {
        let reply = page(&m.app, path, &Auth::Anonymous, "en").await;
        assert_page(&reply, 404);
        assert!(
            reply.text.contains("Page not found"),
            "{path}: {}",
            reply.text
        );
    }
    let italian = page(&m.app, "/listings/none", &Auth::Anonymous, "it").await;
    assert!(
        italian.text.contains("Pagina non trovata"),
        "{}",
        italian.text
    );
    // The API keeps its JSON errors.
    m.app
        .get("/api/v1/nothing-here", &Auth::Anonymous)
        .await
        .expect_error(404, "route_not_found", None);
    // A draft is not public: not found for visitors, shown to its organisation.
    let draft = m
        .app
        .draft_listing(&m.owner, &m.organisation, "facility", "Unpublished rig")
        .await
        .id();
    let hidden = page(
        &m.app,
        &format!("/listings/{draft}"),
        &Auth::Anonymous,
        "en",
    )
    .await;
    assert_page(&hidden, 404);
    let owner_session = m.app.sign_in("owner@unibo.example").await;
    let shown = page(&m.app, &format!("/listings/{draft}"), &owner_session, "en").await;
    assert_page(&shown, 200);
    assert!(shown.text.contains("Not published"), "{}", shown.text);
    m.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_search_parameters_get_a_friendly_400_page_that_keeps_the_input() {
    let m = marketplace().await;
    for (query, field_label) in [
        ("q=fatigue&max_price=cheap", "Highest price"),
        ("kind=castle", "Kind of offer"),
        ("min_capacity=four", "Space for at least"),
        ("available_on=31%2F12%2F2026", "Available on"),
        ("trl_min=12", "Technology readiness, lowest"),
        ("trl_min=6&trl_max=2", "Technology readiness, highest"),
        ("sort=distance", "Sort by"),
        ("near=Atlantis", "Near"),
        ("radius_km=-3&near=Bologna", "Radius"),
        ("radius_km=30", "Radius"),
        ("q=%22unbalanced", "Search words"),
        ("limit=1000", "Results per page"),
        ("cursor=forged", "Page"),
        ("verified=perhaps", "Organisation verified"),
    ] {
        let reply = page(&m.app, &format!("/search?{query}"), &Auth::Anonymous, "en").await;
        assert_page(&reply, 400);
        assert!(
            reply.text.contains("Please check what you entered"),
            "{query}: {}",
            reply.text
        );
        assert!(
            reply.text.contains(&format!("{field_label}: ")),
            "{query}: the problem should name {field_label:?}: {}",
            reply.text
        );
        assert!(
            reply.text.contains("aria-invalid=\"true\"")
                || query.starts_with("kind")
                || query.starts_with("verified")
                || query.starts_with("cursor")
                || query.starts_with("limit"),
            "{query}: the field at fault is not marked"
        );
    }
    // What was typed stays in the form.
    let kept = page(
        &m.app,
        "/search?q=fatigue&max_price=cheap",
        &Auth::Anonymous,
        "en",
    )
    .await;
    assert!(kept.text.contains("value=\"fatigue\""), "{}", kept.text);
    assert!(kept.text.contains("value=\"cheap\""), "{}", kept.text);
    // In Italian, too.
    let italian = page(&m.app, "/search?max_price=caro", &Auth::Anonymous, "it").await;
    assert_page(&italian, 400);
    assert!(
        italian.text.contains("Prezzo massimo: scrivi un importo"),
        "{}",
        italian.text
    );
    // An absurdly long query string is refused politely, not with a 500.
    let long = format!("/search?q={}", "a".repeat(9_000));
    let reply = page(&m.app, &long, &Auth::Anonymous, "en").await;
    assert!(reply.status < 500, "{}", reply.status);
    m.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_introductions_and_saved_searches_need_a_member() {
    let m = marketplace().await;
    let listing_path = format!("/listings/{}", m.listing);

    // Visitors: no contact, sign-in links that come back to the listing.
    let visitor = page(&m.app, &listing_path, &Auth::Anonymous, "en").await;
    assert!(
        !visitor.text.contains("tto@unibo.example"),
        "contact shown to a visitor"
    );
    assert!(
        visitor
            .text
            .contains(&format!("href=\"/login?next=%2Flistings%2F{}\"", m.listing)),
        "{}",
        visitor.text
    );
    let (visitor_cookie, token) = m.app.form_token(&listing_path, &Auth::Anonymous).await;
    let anonymous_post = m
        .app
        .form(
            &format!("{listing_path}/introductions"),
            &visitor_cookie,
            &[("csrf_token", token.as_str()), ("message", "hello")],
            &[],
        )
        .await;
    assert_eq!(anonymous_post.status, 303);
    assert_eq!(
        anonymous_post.header("location"),
        Some(format!("/login?next=%2Flistings%2F{}", m.listing).as_str())
    );

    // A member of a firm sees the contact and asks for an introduction.
    let (_, firm_token) = m.app.account("buyer@firm.example").await;
    m.app
        .post(
            "/api/v1/organisations",
            &firm_token,
            &json!({"kind": "firm", "name": "Modena Composites", "country": "IT", "city": "Modena"}),
        )
        .await
        .expect(201);
    let firm = m.app.sign_in("buyer@firm.example").await;
    let member = page(&m.app, &listing_path, &firm, "en").await;
    assert!(member.text.contains("tto@unibo.example"), "{}", member.text);
    assert!(
        member
            .text
            .contains(&format!("action=\"{listing_path}/introductions\""))
    );

    // A post from another site is refused and changes nothing, even with a token;
    // so is one without the page's token.
    let (_, firm_form_token) = m.app.form_token(&listing_path, &firm).await;
    let untokened = m
        .app
        .form(
            &format!("{listing_path}/introductions"),
            &firm,
            &[("message", "forged")],
            &[],
        )
        .await;
    assert_page(&untokened, 403);
    let forged = m
        .app
        .form(
            &format!("{listing_path}/introductions"),
            &firm,
            &[
                ("csrf_token", firm_form_token.as_str()),
                ("message", "forged"),
            ],
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_page(&forged, 403);
    let none_yet = m.app.get("/api/v1/introductions", &firm).await;
    assert_eq!(
        none_yet.body.as_array().map(Vec::len),
        Some(0),
        "{}",
        none_yet.text
    );

    let asked = m
        .app
        .form(
            &format!("{listing_path}/introductions"),
            &firm,
            &[
                ("csrf_token", firm_form_token.as_str()),
                ("message", "We need fatigue tests on 40 brackets by March."),
            ],
            &[
                ("origin", m.app.base.as_str()),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.text);
    assert_eq!(
        asked.header("location"),
        Some(format!("{listing_path}?introduction=sent").as_str())
    );
    let requests = m.app.get("/api/v1/introductions", &firm).await;
    assert_eq!(
        requests.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        requests.text
    );
    let confirmed = page(
        &m.app,
        &format!("{listing_path}?introduction=sent"),
        &firm,
        "en",
    )
    .await;
    assert!(
        confirmed.text.contains("Your request is on its way"),
        "{}",
        confirmed.text
    );

    // A member without a firm is told why, and keeps what they wrote.
    let (_, _) = m.app.account("loner@example.org").await;
    let loner = m.app.sign_in("loner@example.org").await;
    let (_, loner_token) = m.app.form_token(&listing_path, &loner).await;
    let refused = m
        .app
        .form(
            &format!("{listing_path}/introductions"),
            &loner,
            &[
                ("csrf_token", loner_token.as_str()),
                ("message", "Please introduce me"),
            ],
            &[],
        )
        .await;
    assert_page(&refused, 403);
    assert!(
        refused.text.contains("register your firm on Ponte first"),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains(">Please introduce me</textarea>"),
        "{}",
        refused.text
    );

    // Zero results: visitors are offered to sign in, members to save the search.
    let empty = "/search?q=unobtainium&kind=facility";
    let visitor = page(&m.app, empty, &Auth::Anonymous, "en").await;
    assert_page(&visitor, 200);
    assert!(visitor.text.contains("0 results"), "{}", visitor.text);
    assert!(
        visitor.text.contains("check the spelling"),
        "{}",
        visitor.text
    );
    assert!(
        visitor
            .text
            .contains("href=\"/login?next=%2Fsearch%3Fq%3Dunobtainium%26kind%3Dfacility\""),
        "{}",
        visitor.text
    );
    assert!(
        visitor.text.contains("href=\"/search?q=unobtainium\""),
        "search without filters"
    );
    let member = page(&m.app, empty, &firm, "en").await;
    assert!(
        member.text.contains("action=\"/search/save\""),
        "{}",
        member.text
    );
    let saved = m
        .app
        .form(
            "/search/save",
            &firm,
            &[
                ("csrf_token", firm_form_token.as_str()),
                ("query", "q=unobtainium&kind=facility"),
            ],
            &[],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    assert_eq!(
        saved.header("location"),
        Some("/search?q=unobtainium&kind=facility&saved=1")
    );
    let subscriptions = m.app.get("/api/v1/subscriptions", &firm).await;
    let first = &subscriptions.body["items"][0];
    assert_eq!(
        first["search"]["q"], "unobtainium",
        "{}",
        subscriptions.text
    );
    assert_eq!(
        first["search"]["kind"],
        json!(["facility"]),
        "{}",
        subscriptions.text
    );
    let after = page(
        &m.app,
        "/search?q=unobtainium&kind=facility&saved=1",
        &firm,
        "en",
    )
    .await;
    assert!(after.text.contains("Search saved"), "{}", after.text);

    // The language cookie and the session cookie live side by side.
    let both = page(
        &m.app,
        &listing_path,
        &with_cookie(&firm, "ponte_lang=it"),
        "en",
    )
    .await;
    assert!(
        both.text.contains("tto@unibo.example") && both.text.contains("Contatto per le imprese")
    );
    m.app.stop().await;
}
