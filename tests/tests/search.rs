//! Search end to end, on SQLite and PostgreSQL: a published listing becomes findable
//! (typos, synonyms, other languages, places, filters, facets), an archived one stops
//! being shown at once, nothing-found searches are recorded, and bad queries are 400s.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tests::{Auth, Backend, Client, TestApp, on_both_backends};

on_both_backends! {
    published_listings_become_findable_and_archived_ones_vanish => findable_then_gone;
    filters_places_facets_and_errors => filters_places_facets_and_errors;
}

/// Polls a search until `accept` holds (the indexer commits every ~250 ms).
async fn search_until(client: &Client, query: &str, accept: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = client
            .get(&format!("/api/v1/search?{query}"), &Auth::Anonymous)
            .await;
        reply.expect(200);
        if accept(&reply.body) {
            return reply.body;
        }
        assert!(
            Instant::now() < deadline,
            "search `{query}` never satisfied the check; last reply: {}",
            reply.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ids(body: &Value) -> Vec<String> {
    body["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["id"].as_str().map(str::to_owned))
        .collect()
}

async fn publish(client: &Client, auth: &Auth, body: Value) -> String {
    let created = client.post("/api/v1/listings", auth, &body).await;
    created.expect(201);
    let id = created.id();
    client
        .post(&format!("/api/v1/listings/{id}/publish"), auth, &json!({}))
        .await
        .expect(200);
    id
}

async fn findable_then_gone(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, owner) = app.account("lab@unibo.example").await;
    let organisation = app.organisation(&owner, "Laboratorio Materiali").await;
    let microscope = publish(
        &app,
        &owner,
        json!({"organisation_id": organisation, "kind": "facility", "title": "Scanning electron microscope for fracture analysis",
               "language": "en", "summary": "Fractography of metal and composite parts.", "topics": ["microscopy", "failure analysis"],
               "equipment": ["FEG-SEM with EDS"], "price_from": 9000, "price_unit": "hour"}),
    )
    .await;
    let italian = publish(
        &app,
        &owner,
        json!({"organisation_id": organisation, "kind": "expertise", "title": "Prove di fatica su materiali compositi",
               "language": "it", "summary": "Il laboratorio esegue prove di fatica su componenti in fibra di carbonio.",
               "topics": ["fatica", "compositi"]}),
    )
    .await;

    let found = search_until(&app, "q=microscope", |b| ids(b).contains(&microscope)).await;
    let hit = &found["hits"][0];
    assert_eq!(
        hit["title"],
        "Scanning electron microscope for fracture analysis"
    );
    assert_eq!(hit["organisation"]["name"], "Laboratorio Materiali");
    assert_eq!(hit["price"]["amount_minor"], 9000);
    assert!(
        hit["why"]["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("microscope"),
        "{hit}"
    );
    let snippet = &hit["snippets"][0];
    let text = snippet["text"].as_str().unwrap_or_default();
    let range = &snippet["highlights"][0];
    let (start, end) = (
        range[0].as_u64().unwrap_or(0) as usize,
        range[1].as_u64().unwrap_or(0) as usize,
    );
    assert!(
        text.get(start..end)
            .is_some_and(|word| word.to_lowercase().starts_with("microscop")),
        "highlight {start}..{end} of {text:?}"
    );
    assert!(
        !found.to_string().contains("<em>") && !found.to_string().contains("<b>"),
        "snippets are plain text"
    );

    let typo = search_until(&app, "q=microscpe", |b| ids(b).contains(&microscope)).await;
    assert!(
        typo["hits"][0]["why"]["terms"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| t["how"] == "typo"),
        "{typo}"
    );
    search_until(&app, "q=SEM", |b| ids(b).contains(&microscope)).await;
    search_until(&app, "q=fatigue%20testing", |b| ids(b).contains(&italian)).await;
    search_until(&app, "q=carbon%20fibre", |b| ids(b).contains(&italian)).await;
    search_until(&app, "q=microsc", |b| ids(b).contains(&microscope)).await;
    let everything = search_until(&app, "", |b| b["total"] == 2).await;
    assert_eq!(
        ids(&everything),
        vec![italian.clone(), microscope.clone()],
        "an empty query lists the newest first"
    );

    // Archived: gone from results at once, even before the index catches up.
    app.post(
        &format!("/api/v1/listings/{microscope}/archive"),
        &owner,
        &json!({}),
    )
    .await
    .expect(200);
    let immediately = app
        .get("/api/v1/search?q=microscope", &Auth::Anonymous)
        .await;
    assert!(
        !ids(&immediately.body).contains(&microscope),
        "an archived listing is never shown: {}",
        immediately.text
    );
    search_until(&app, "q=microscope", |b| b["total"] == 0).await;
    app.delete(&format!("/api/v1/listings/{italian}"), &owner)
        .await
        .expect(204);
    search_until(&app, "", |b| b["total"] == 0).await;
    app.stop().await;
}

/// Asserts the search returns exactly `expected` (in any order) and returns the body.
async fn only(app: &TestApp, query: &str, expected: &[&String]) -> Value {
    let reply = app
        .get(&format!("/api/v1/search?{query}"), &Auth::Anonymous)
        .await;
    reply.expect(200);
    let mut got = ids(&reply.body);
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|id| (*id).clone()).collect();
    want.sort();
    assert_eq!(got, want, "search `{query}`: {}", reply.text);
    reply.body
}

async fn filters_places_facets_and_errors(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, owner) = app.account("incubator@modena.example").await;
    let organisation = app.organisation(&owner, "Incubatore Modena").await;
    let office = publish(
        &app,
        &owner,
        json!({"organisation_id": organisation, "kind": "space", "title": "Private office for four", "language": "en",
               "summary": "Furnished office with fibre.", "topics": ["office"], "space_type": "private_office", "capacity": 4,
               "monthly_price": 35000, "city": "Modena", "latitude": 44.6478, "longitude": 10.9254,
               "available_from": "2026-01-01", "available_until": "2027-12-31"}),
    )
    .await;
    let desk = publish(
        &app,
        &owner,
        json!({"organisation_id": organisation, "kind": "space", "title": "Hot desk in the coworking", "language": "en",
               "summary": "A desk by the day or month.", "topics": ["coworking"], "space_type": "hot_desk", "capacity": 1,
               "monthly_price": 12000, "city": "Milano", "latitude": 45.4643, "longitude": 9.1895}),
    )
    .await;
    let expert = publish(
        &app,
        &owner,
        json!({"organisation_id": organisation, "kind": "expertise", "title": "Startup mentoring", "language": "en",
               "summary": "Business model coaching.", "topics": ["entrepreneurship"], "engagement_modes": ["consultancy"],
               "trl_min": 2, "trl_max": 5}),
    )
    .await;
    search_until(&app, "", |b| b["total"] == 3).await;

    only(&app, "kind=space", &[&office, &desk]).await;
    only(
        &app,
        "kind=space&kind=expertise",
        &[&office, &desk, &expert],
    )
    .await;
    only(&app, "space_type=hot_desk", &[&desk]).await;
    only(&app, "min_capacity=3", &[&office]).await;
    only(&app, "max_price=20000", &[&desk]).await;
    only(&app, "max_price=20000&currency=CHF", &[]).await;
    only(&app, "available_on=2028-06-01&kind=space", &[&desk]).await;
    only(&app, "engagement=consultancy", &[&expert]).await;
    only(&app, "trl_min=5&trl_max=9&kind=expertise", &[&expert]).await;
    only(&app, "trl_min=6&kind=expertise", &[]).await;
    only(&app, "city=milano", &[&desk]).await;
    only(&app, "q=office%20-furnished", &[]).await;
    only(&app, "q=%22hot%20desk%22", &[&desk]).await;
    only(&app, "q=mentoring%20OR%20coworking", &[&desk, &expert]).await;
    let near = only(&app, "near=Modena&radius_km=30", &[&office]).await;
    assert_eq!(near["near"]["name"], "Modena");
    assert!(
        near["hits"][0]["why"]["distance_km"]
            .as_f64()
            .is_some_and(|d| d < 1.0),
        "{near}"
    );
    let by_distance = app
        .get(
            "/api/v1/search?near=Bologna&radius_km=300&sort=distance&kind=space",
            &Auth::Anonymous,
        )
        .await;
    assert_eq!(
        ids(&by_distance.body),
        vec![office.clone(), desk.clone()],
        "Modena is nearer to Bologna than Milan"
    );
    let by_price = app
        .get("/api/v1/search?sort=price&kind=space", &Auth::Anonymous)
        .await;
    assert_eq!(ids(&by_price.body), vec![desk.clone(), office.clone()]);
    let page = app.get("/api/v1/search?limit=2", &Auth::Anonymous).await;
    assert_eq!(page.body["hits"].as_array().map(Vec::len), Some(2));
    let cursor = page.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let next = app
        .get(
            &format!("/api/v1/search?limit=2&cursor={cursor}"),
            &Auth::Anonymous,
        )
        .await;
    assert_eq!(next.body["hits"].as_array().map(Vec::len), Some(1));
    assert!(next.body["next_cursor"].is_null());

    let facets = app.get("/api/v1/search", &Auth::Anonymous).await.body["facets"].clone();
    assert_eq!(facets["kind"]["space"], 2, "{facets}");
    assert_eq!(facets["kind"]["expertise"], 1, "{facets}");
    assert_eq!(facets["space_type"]["hot_desk"], 1, "{facets}");

    app.get("/api/v1/search?near=Atlantis", &Auth::Anonymous)
        .await
        .expect_error(400, "place_unknown", Some("near"));
    app.get("/api/v1/search?q=%22unbalanced", &Auth::Anonymous)
        .await
        .expect_error(400, "query_invalid", Some("q"));
    let deep = format!("/api/v1/search?q={}", "%28".repeat(5000));
    let reply = app.get(&deep, &Auth::Anonymous).await;
    assert_eq!(
        reply.status, 400,
        "a hostile query is refused, not a crash: {}",
        reply.text
    );
    app.get("/api/v1/search?sort=distance", &Auth::Anonymous)
        .await
        .expect_error(400, "sort_needs_near", Some("sort"));
    app.get("/api/v1/search?limit=0", &Auth::Anonymous)
        .await
        .expect_error(400, "limit_invalid", Some("limit"));
    app.get("/api/v1/search?kind=castle", &Auth::Anonymous)
        .await
        .expect_error(400, "parameter_invalid", Some("kind"));
    app.get("/api/v1/search?radius_km=5", &Auth::Anonymous)
        .await
        .expect_error(400, "radius_without_near", Some("radius_km"));
    app.get("/api/v1/search?cursor=zzz", &Auth::Anonymous)
        .await
        .expect_error(400, "cursor_invalid", Some("cursor"));
    // The server is still up after all of that.
    app.get("/api/v1/search", &Auth::Anonymous)
        .await
        .expect(200);

    let similar = app
        .get(
            &format!("/api/v1/listings/{office}/similar"),
            &Auth::Anonymous,
        )
        .await;
    similar.expect(200);
    assert!(
        !ids(&json!({"hits": similar.body})).contains(&office),
        "a listing is not similar to itself"
    );

    // Searches that find nothing are kept for the brokers, without any account.
    app.get(
        "/api/v1/search?q=underwater%20welding&near=Modena",
        &Auth::Anonymous,
    )
    .await
    .expect(200);
    let hub = domain::Hub::connect(domain::HubOptions {
        database_url: app.database_url.clone(),
        session_ttl: Duration::from_secs(60),
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let misses = hub
        .recent_search_misses(10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        misses
            .iter()
            .any(|(query, filters, _)| query == "underwater welding"
                && filters.contains("radius_km")),
        "{misses:?}"
    );
    let _ = hub.close().await;
    app.stop().await;
}
