//! Server time per portal page on the demo data — the public pages, then the members'
//! and broker pages signed in as a broker: each page is requested one at a time
//! over loopback (keep-alive, so no connection set-up is counted) after a warm-up, and
//! the report gives the median, p90 and p99 per page. Run with
//! `cargo bench -p tests --bench portal_pages` (`-- --rounds N` to change the rounds).
//!
//! The time measured is the whole request as the client sees it on loopback: an upper
//! bound on the server's own time.

use std::time::{Duration, Instant};
use tests::bench::percentile;
use tests::{Auth, Backend, TestApp};

const DEFAULT_ROUNDS: usize = 200;
const WARM_UP: usize = 20;

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1_000.0)
}

#[allow(clippy::expect_used)]
fn main() {
    let rounds = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_ROUNDS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(rounds));
}

#[allow(clippy::expect_used)]
async fn run(rounds: usize) {
    let started = Instant::now();
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| settings.demo = true)
        .await
        .expect("SQLite is always available");
    eprintln!(
        "demo data loaded and indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let sample = app
        .get("/api/v1/search?q=computing&kind=facility", &Auth::Anonymous)
        .await;
    let listing = sample.body["hits"][0]["id"]
        .as_str()
        .expect("the demo data has a computing facility")
        .to_owned();
    let organisation = sample.body["hits"][0]["organisation"]["id"]
        .as_str()
        .expect("with an organisation")
        .to_owned();
    let total = app
        .get("/api/v1/search?limit=1", &Auth::Anonymous)
        .await
        .body["total"]
        .as_u64()
        .unwrap_or_default();

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .expect("http client");
    let base = app.base.clone();
    // The chat form needs the visitor cookie and form token a browser would hold.
    let (visitor, token) = app.form_token("/chat", &Auth::Anonymous).await;
    let visitor_cookie = match visitor {
        Auth::Cookie(cookie) => cookie,
        _ => String::new(),
    };
    let chat_form =
        format!("csrf_token={token}&message=cerco+un+laboratorio+di+calcolo+vicino+a+Bologna");

    // Members' pages are timed as a broker who belongs to an organisation with a
    // published listing and follows a saved search: every page then has content.
    let member_email = "bench-broker@example.org";
    let (_, member) = app.account(member_email).await;
    app.grant_role(member_email, domain::model::PlatformRole::Broker)
        .await;
    let member_cookie = match app.sign_in(member_email).await {
        Auth::Cookie(cookie) => cookie,
        _ => String::new(),
    };
    let own_organisation = app.organisation(&member, "Bench University").await;
    let own_listing = app
        .published_listing(
            &member,
            &own_organisation,
            "expertise",
            "Bench fatigue testing",
        )
        .await;
    app.post(
        "/api/v1/subscriptions",
        &member,
        &serde_json::json!({"search": {"q": "computing"}, "frequency": "instant", "channel": "inbox"}),
    )
    .await
    .expect(201);

    let mut pages: Vec<(&str, reqwest::Method, String, Option<&str>)> = vec![
        ("home", reqwest::Method::GET, "/".into(), None),
        (
            "search, empty form",
            reqwest::Method::GET,
            "/search".into(),
            None,
        ),
        (
            "search, words",
            reqwest::Method::GET,
            "/search?q=computing".into(),
            None,
        ),
        (
            "search, words + place + kind",
            reqwest::Method::GET,
            "/search?q=computing&near=Bologna&kind=facility".into(),
            None,
        ),
        (
            "search, everything by distance",
            reqwest::Method::GET,
            "/search?near=Milano&radius_km=300&sort=distance&limit=50".into(),
            None,
        ),
        (
            "search, nothing found",
            reqwest::Method::GET,
            "/search?q=unobtainium".into(),
            None,
        ),
        (
            "search, bad parameter (400)",
            reqwest::Method::GET,
            "/search?max_price=cheap".into(),
            None,
        ),
        (
            "listing",
            reqwest::Method::GET,
            format!("/listings/{listing}"),
            None,
        ),
        (
            "organisation",
            reqwest::Method::GET,
            format!("/organisations/{organisation}"),
            None,
        ),
        ("chat, empty", reqwest::Method::GET, "/chat".into(), None),
        (
            "chat, question answered",
            reqwest::Method::POST,
            "/chat".into(),
            Some(chat_form.as_str()),
        ),
        (
            "not found (404)",
            reqwest::Method::GET,
            "/listings/none".into(),
            None,
        ),
    ];
    let public_pages = pages.len();
    let member_pages: Vec<(&str, String)> = vec![
        ("account", "/account".into()),
        ("dashboard", "/dashboard".into()),
        (
            "organisation dashboard",
            format!("/dashboard/organisations/{own_organisation}"),
        ),
        (
            "new space form",
            format!("/dashboard/organisations/{own_organisation}/listings/new?kind=space"),
        ),
        (
            "edit listing form",
            format!("/dashboard/listings/{own_listing}/edit"),
        ),
        ("saved searches", "/dashboard/searches".into()),
        ("inbox", "/dashboard/inbox".into()),
        ("circles", "/dashboard/circles".into()),
        ("introductions", "/introductions".into()),
        ("broker console", "/console".into()),
    ];
    for (name, path) in member_pages {
        pages.push((name, reqwest::Method::GET, path, None));
    }

    println!();
    println!("Portal pages: server time per page over loopback, demo data ({total} listings),");
    println!("{rounds} sequential requests per page after {WARM_UP} warm-up requests.");
    println!();
    println!("| page | status | bytes | median ms | p90 ms | p99 ms | max ms |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for (position, (name, method, path, form)) in pages.iter().enumerate() {
        if position == public_pages {
            println!("| *members' and broker pages, signed in* | | | | | | |");
        }
        let signed_in = position >= public_pages;
        let url = format!("{base}{path}");
        let mut times = Vec::with_capacity(rounds);
        let mut status = 0;
        let mut bytes = 0;
        for round in 0..WARM_UP + rounds {
            let mut request = http.request(method.clone(), &url);
            if let Some(form) = form {
                request = request
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("cookie", visitor_cookie.as_str())
                    .body(form.to_string());
            }
            if signed_in {
                request = request.header("cookie", member_cookie.as_str());
            }
            let begun = Instant::now();
            let response = request.send().await.expect("the server answers");
            status = response.status().as_u16();
            let body = response.bytes().await.expect("a body");
            let took = begun.elapsed();
            bytes = body.len();
            if round >= WARM_UP {
                times.push(took);
            }
        }
        times.sort();
        println!(
            "| {name} | {status} | {bytes} | {} | {} | {} | {} |",
            ms(percentile(&times, 50.0)),
            ms(percentile(&times, 90.0)),
            ms(percentile(&times, 99.0)),
            ms(times.last().copied().unwrap_or_default()),
        );
    }
    println!();
    app.stop().await;
}
