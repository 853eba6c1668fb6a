//! The web chat end to end, on SQLite and PostgreSQL: questions in English and Italian
//! become searches with the parameter names of `GET /search`, answers say how they were
//! understood, follow-ups refine the last search, nothing-found questions are relaxed
//! and recorded, and a signed-in user saves the search by saying so.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tests::{Auth, Backend, Client, TestApp, on_both_backends};

on_both_backends! {
    the_chat_understands_refines_relaxes_and_saves => chat;
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

async fn ask(client: &Client, auth: &Auth, message: &str, conversation: Option<&str>) -> Value {
    let mut body = json!({"message": message});
    if let Some(id) = conversation {
        body["conversation"] = json!(id);
    }
    let reply = client.post("/api/v1/chat", auth, &body).await;
    reply.expect(200);
    assert!(
        !reply.body["text"].as_str().unwrap_or_default().is_empty(),
        "never an empty answer: {}",
        reply.text
    );
    reply.body
}

fn card_ids(answer: &Value) -> Vec<String> {
    answer["cards"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["listing_id"].as_str().map(str::to_owned))
        .collect()
}

async fn chat(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, lab) = app.account("lab@unibo.example").await;
    let organisation = app.organisation(&lab, "Laboratorio Materiali").await;
    let rig = publish(
        &app,
        &lab,
        json!({"organisation_id": organisation, "kind": "facility", "title": "Fatigue testing of carbon-fibre parts",
               "language": "en", "summary": "Servo-hydraulic rigs for composite parts.", "topics": ["fatigue testing"],
               "city": "Bologna", "latitude": 44.4938, "longitude": 11.3387}),
    )
    .await;
    let office = publish(
        &app,
        &lab,
        json!({"organisation_id": organisation, "kind": "space", "title": "Ufficio in incubatore", "language": "it",
               "summary": "Ufficio arredato.", "topics": ["ufficio"], "space_type": "private_office", "capacity": 4,
               "monthly_price": 35000, "city": "Modena", "latitude": 44.6471, "longitude": 10.9252}),
    )
    .await;
    let parma = publish(
        &app,
        &lab,
        json!({"organisation_id": organisation, "kind": "space", "title": "Ufficio per startup", "language": "it",
               "summary": "Ufficio luminoso.", "topics": ["ufficio"], "space_type": "private_office", "capacity": 6,
               "monthly_price": 30000, "city": "Parma", "latitude": 44.8015, "longitude": 10.3279}),
    )
    .await;
    // Wait until all three are searchable.
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.get("/api/v1/search", &Auth::Anonymous).await.body["total"] != 3 {
        assert!(
            Instant::now() < deadline,
            "listings never became searchable"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // English: understood and said so; the search uses the names of GET /search.
    let answer = ask(
        &app,
        &Auth::Anonymous,
        "who can test the fatigue of carbon-fibre parts near Bologna?",
        None,
    )
    .await;
    assert_eq!(
        answer["search"]["q"], "fatigue carbon-fibre parts",
        "{answer}"
    );
    assert_eq!(answer["search"]["near"], "Bologna");
    assert_eq!(answer["search"]["kind"], json!(["facility"]));
    assert!(
        answer["understood"]
            .as_str()
            .unwrap_or_default()
            .contains("near Bologna"),
        "{answer}"
    );
    assert_eq!(card_ids(&answer), vec![rig.clone()]);
    let card = &answer["cards"][0];
    assert_eq!(card["organisation"], "Laboratorio Materiali");
    assert!(
        card["url"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&format!("/listings/{rig}"))
    );
    assert!(!card["why"].as_str().unwrap_or_default().is_empty());
    assert!(
        answer["suggestions"]
            .as_array()
            .is_some_and(|s| s.contains(&json!("sign_in_to_save")))
    );

    let first = answer["conversation"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let answer = ask(&app, &Auth::Anonymous, "experts instead", Some(&first)).await;
    assert_eq!(answer["search"]["kind"], json!(["expertise"]), "{answer}");
    assert_eq!(answer["search"]["q"], "fatigue carbon-fibre parts");
    assert_eq!(answer["search"]["near"], "Bologna");
    // A distance alone narrows the place already asked about, and is said back.
    let answer = ask(&app, &Auth::Anonymous, "within 20 km", Some(&first)).await;
    assert_eq!(answer["search"]["near"], "Bologna", "{answer}");
    assert_eq!(answer["search"]["radius_km"], 20.0, "{answer}");
    assert!(
        answer["understood"]
            .as_str()
            .unwrap_or_default()
            .contains("20 km"),
        "{answer}"
    );
    let answer = ask(&app, &Auth::Anonymous, "more like this", Some(&first)).await;
    assert!(
        answer["text"].as_str().unwrap_or_default().contains("like"),
        "{answer}"
    );

    // Italian, with price and head count.
    let answer = ask(
        &app,
        &Auth::Anonymous,
        "cerco un ufficio a Modena per 4 persone sotto i 400 euro",
        None,
    )
    .await;
    assert_eq!(answer["language"], "it");
    assert_eq!(answer["search"]["near"], "Modena");
    assert_eq!(answer["search"]["max_price"], 40_000);
    assert_eq!(answer["search"]["min_capacity"], 4);
    assert_eq!(answer["search"]["kind"], json!(["space"]));
    assert_eq!(card_ids(&answer), vec![office.clone()]);
    let conversation = answer["conversation"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Follow-ups refine the last search.
    let answer = ask(&app, &Auth::Anonymous, "anche a Parma", Some(&conversation)).await;
    let mut found = card_ids(&answer);
    found.sort();
    let mut both = vec![office.clone(), parma.clone()];
    both.sort();
    assert_eq!(found, both, "{answer}");
    assert_eq!(answer["search"]["city"], json!(["Modena", "Parma"]));
    let answer = ask(&app, &Auth::Anonymous, "solo a Parma", Some(&conversation)).await;
    assert_eq!(answer["search"]["near"], "Parma");
    assert_eq!(card_ids(&answer), vec![parma.clone()]);
    let answer = ask(&app, &Auth::Anonymous, "più economico", Some(&conversation)).await;
    assert_eq!(answer["search"]["max_price"], 30_000, "{answer}");
    assert_eq!(card_ids(&answer), vec![parma.clone()]);

    // Nothing matches: relaxed, said so, recorded for the brokers.
    let answer = ask(
        &app,
        &Auth::Anonymous,
        "underwater welding of titanium near Bologna",
        None,
    )
    .await;
    assert!(
        !answer["relaxed"]
            .as_array()
            .map(Vec::is_empty)
            .unwrap_or(true),
        "{answer}"
    );
    assert!(
        answer["text"]
            .as_str()
            .unwrap_or_default()
            .contains("found nothing")
            || answer["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Nothing matched exactly"),
        "{answer}"
    );
    let hub = app.hub().await;
    let misses = hub
        .recent_search_misses(20)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        misses
            .iter()
            .any(|(query, _, _)| query == "underwater welding of titanium near Bologna"),
        "{misses:?}"
    );
    let _ = hub.close().await;

    // Typos in the place are corrected and said.
    let answer = ask(&app, &Auth::Anonymous, "fatigue testing near Bolgna", None).await;
    assert_eq!(answer["search"]["near"], "Bologna");
    assert!(
        answer["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Bolgna"),
        "{answer}"
    );

    // Saving needs an account; signed in, it creates the saved search.
    let answer = ask(
        &app,
        &Auth::Anonymous,
        "save this search",
        Some(&conversation),
    )
    .await;
    assert!(answer["saved_subscription_id"].is_null());
    let (_, firm) = app.account("owner@firm.example").await;
    let answer = ask(&app, &firm, "cerco un ufficio a Modena", None).await;
    let mine = answer["conversation"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let saved = ask(&app, &firm, "salva questa ricerca", Some(&mine)).await;
    let id = saved["saved_subscription_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!id.is_empty(), "{saved}");
    let subscription = app.get(&format!("/api/v1/subscriptions/{id}"), &firm).await;
    subscription.expect(200);
    assert_eq!(subscription.body["search"]["near"], "Modena");
    assert_eq!(subscription.body["channel"], "inbox");

    // "more like this" and help; bad input is a 400 that names the field.
    let answer = ask(&app, &Auth::Anonymous, "hello", None).await;
    assert!(answer["cards"].as_array().is_some_and(Vec::is_empty));
    app.post(
        "/api/v1/chat",
        &Auth::Anonymous,
        &json!({"message": "x".repeat(1_001)}),
    )
    .await
    .expect_error(400, "message_too_long", Some("message"));
    app.post("/api/v1/chat", &Auth::Anonymous, &json!({"text": "hi"}))
        .await
        .expect(400);
    // An unknown or expired conversation starts afresh.
    let answer = ask(
        &app,
        &Auth::Anonymous,
        "offices in Parma",
        Some("not-a-conversation"),
    )
    .await;
    assert_eq!(card_ids(&answer), vec![parma]);
    app.stop().await;
}
