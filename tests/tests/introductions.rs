//! Introductions end to end, on SQLite and PostgreSQL: every status change, what each
//! side sees before and after acceptance, messages, outcomes, abuse limits, escalation
//! to the brokers, nudges, closing, and the brokers' figures without message bodies.

use serde_json::{Value, json};
use tests::{Auth, Backend, Client, TestApp, on_both_backends};

on_both_backends! {
    introductions_move_through_every_status => flow;
    stalled_requests_reach_the_brokers => escalation;
}

async fn firm(app: &Client, email: &str, name: &str) -> Auth {
    let (_, auth) = app.account(email).await;
    app.post(
        "/api/v1/organisations",
        &auth,
        &json!({"kind": "firm", "name": name, "country": "IT", "city": "Modena"}),
    )
    .await
    .expect(201);
    auth
}

async fn expertise(app: &Client, auth: &Auth, organisation: &str, title: &str) -> String {
    let created = app
        .post(
            "/api/v1/listings",
            auth,
            &json!({"organisation_id": organisation, "kind": "expertise", "title": title, "language": "en",
                    "summary": "Fatigue of composite structures.", "topics": ["fatigue"],
                    "researchers": [
                        {"name": "Dr Anna Bianchi", "role": "lead", "email": "anna@unibo.example", "informed": true},
                        {"name": "Dr Carlo Neri", "email": "carlo@unibo.example", "informed": false}
                    ]}),
        )
        .await;
    created.expect(201);
    let id = created.id();
    app.post(&format!("/api/v1/listings/{id}/publish"), auth, &json!({}))
        .await
        .expect(200);
    id
}

async fn ask(app: &Client, auth: &Auth, listing: &str, message: &str) -> Value {
    let reply = app
        .post(
            &format!("/api/v1/listings/{listing}/introductions"),
            auth,
            &json!({"message": message}),
        )
        .await;
    reply.expect(201);
    reply.body
}

fn kinds(body: &Value) -> Vec<String> {
    body["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["kind"].as_str().map(str::to_owned))
        .collect()
}

async fn flow(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |s| s.max_open_introductions = 3).await else {
        return;
    };
    let (_, lab) = app.account("tto@unibo.example").await;
    let university = app.organisation(&lab, "Università di Bologna").await;
    let listing = expertise(&app, &lab, &university, "Fatigue of composites").await;
    let second = expertise(&app, &lab, &university, "Fracture mechanics").await;
    let third = expertise(&app, &lab, &university, "Vibration testing").await;
    let fourth = expertise(&app, &lab, &university, "Acoustics").await;
    let (_, outsider) = app.account("someone@else.example").await;

    // Only members of a firm ask.
    app.post(
        &format!("/api/v1/listings/{listing}/introductions"),
        &outsider,
        &json!({"message": "Hello"}),
    )
    .await
    .expect_error(403, "firm_required", None);
    let firm_auth = firm(&app, "owner@bikes.example", "Bici Carbonio Srl").await;
    app.post(
        &format!("/api/v1/listings/{listing}/introductions"),
        &firm_auth,
        &json!({"message": ""}),
    )
    .await
    .expect_error(400, "field_required", Some("message"));
    let requested = ask(
        &app,
        &firm_auth,
        &listing,
        "We need fatigue tests on 20 frames by March.",
    )
    .await;
    let id = requested["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(requested["status"], "requested");
    assert_eq!(requested["your_side"], "firm");
    assert_eq!(requested["firm_name"], "Bici Carbonio Srl");
    assert!(
        requested["contacts"].is_null(),
        "no contacts before acceptance"
    );
    app.post(
        &format!("/api/v1/listings/{listing}/introductions"),
        &firm_auth,
        &json!({"message": "Again"}),
    )
    .await
    .expect_error(409, "introduction_exists", None);
    app.post(
        &format!("/api/v1/listings/{listing}/introductions"),
        &lab,
        &json!({"message": "Self"}),
    )
    .await
    .expect_error(409, "introduction_to_self", None);

    // The organisation sees the request (not the firm's name yet) and its inbox says so.
    let seen = app.get(&format!("/api/v1/introductions/{id}"), &lab).await;
    seen.expect(200);
    assert_eq!(seen.body["your_side"], "organisation");
    assert!(seen.body["firm_name"].is_null(), "{}", seen.text);
    assert_eq!(seen.body["firm_place"], "Modena, IT");
    assert_eq!(
        seen.body["events"][0]["body"],
        "We need fatigue tests on 20 frames by March."
    );
    let inbox = app.get("/api/v1/inbox", &lab).await;
    assert!(
        inbox.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| i["kind"] == "introduction"),
        "{}",
        inbox.text
    );
    // Nobody else sees it; the firm cannot answer its own request.
    app.get(&format!("/api/v1/introductions/{id}"), &outsider)
        .await
        .expect_error(404, "introduction_not_found", None);
    app.post(
        &format!("/api/v1/introductions/{id}/accept"),
        &outsider,
        &json!({}),
    )
    .await
    .expect(404);
    app.post(
        &format!("/api/v1/introductions/{id}/accept"),
        &firm_auth,
        &json!({}),
    )
    .await
    .expect(403);
    app.post(
        &format!("/api/v1/introductions/{id}/withdraw"),
        &lab,
        &json!({}),
    )
    .await
    .expect(403);
    app.post(
        &format!("/api/v1/introductions/{id}/outcome"),
        &firm_auth,
        &json!({"outcome": "met"}),
    )
    .await
    .expect_error(409, "introduction_not_accepted", None);

    // A thread while open.
    app.post(
        &format!("/api/v1/introductions/{id}/messages"),
        &lab,
        &json!({"text": "Which standard?"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/introductions/{id}/messages"),
        &firm_auth,
        &json!({"text": "ISO 4210."}),
    )
    .await
    .expect(200);

    // Accepted: contacts revealed to both sides, only researchers who agreed.
    let accepted = app
        .post(
            &format!("/api/v1/introductions/{id}/accept"),
            &lab,
            &json!({}),
        )
        .await;
    accepted.expect(200);
    assert_eq!(accepted.body["status"], "accepted");
    assert_eq!(accepted.body["firm_name"], "Bici Carbonio Srl");
    let contacts = &accepted.body["contacts"];
    assert_eq!(contacts["firm"]["email"], "owner@bikes.example");
    assert_eq!(contacts["organisation"]["email"], "tto@example.org");
    assert_eq!(
        contacts["researchers"].as_array().map(Vec::len),
        Some(1),
        "{contacts}"
    );
    assert_eq!(contacts["researchers"][0]["email"], "anna@unibo.example");
    let firm_view = app
        .get(&format!("/api/v1/introductions/{id}"), &firm_auth)
        .await;
    assert_eq!(
        firm_view.body["contacts"]["organisation"]["email"],
        "tto@example.org"
    );
    assert_eq!(
        kinds(&firm_view.body),
        vec!["requested", "message", "message", "accepted"]
    );
    app.post(
        &format!("/api/v1/introductions/{id}/decline"),
        &lab,
        &json!({"reason": "no_capacity"}),
    )
    .await
    .expect_error(409, "introduction_not_open", None);
    let outcome = app
        .post(
            &format!("/api/v1/introductions/{id}/outcome"),
            &firm_auth,
            &json!({"outcome": "agreement_signed"}),
        )
        .await;
    outcome.expect(200);
    assert_eq!(outcome.body["outcome"], "agreement_signed");
    app.post(
        &format!("/api/v1/introductions/{id}/outcome"),
        &firm_auth,
        &json!({"outcome": "married"}),
    )
    .await
    .expect(400);

    // Declined as spam, with a note; the thread closes; brokers hear of it.
    let (_, broker) = app.account("broker@ponte.example").await;
    app.grant_role("broker@ponte.example", domain::model::PlatformRole::Broker)
        .await;
    let spam = ask(&app, &firm_auth, &second, "Buy our SEO services!").await;
    let spam_id = spam["id"].as_str().unwrap_or_default().to_owned();
    let declined = app
        .post(
            &format!("/api/v1/introductions/{spam_id}/decline"),
            &lab,
            &json!({"reason": "spam", "note": "Advertising."}),
        )
        .await;
    declined.expect(200);
    assert_eq!(declined.body["status"], "declined");
    assert_eq!(declined.body["decline_reason"], "spam");
    assert!(declined.body["contacts"].is_null());
    app.post(
        &format!("/api/v1/introductions/{spam_id}/messages"),
        &firm_auth,
        &json!({"text": "Please reconsider"}),
    )
    .await
    .expect_error(409, "introduction_closed", None);
    app.post(
        &format!("/api/v1/introductions/{spam_id}/decline"),
        &lab,
        &json!({"reason": "boring"}),
    )
    .await
    .expect(400);
    let broker_inbox = app.get("/api/v1/inbox", &broker).await;
    assert!(
        broker_inbox.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| i["title"].as_str().unwrap_or_default().contains("spam")),
        "{}",
        broker_inbox.text
    );

    // Withdrawn by the firm.
    let third_request = ask(&app, &firm_auth, &third, "Vibration tests?").await;
    let third_id = third_request["id"].as_str().unwrap_or_default().to_owned();
    let withdrawn = app
        .post(
            &format!("/api/v1/introductions/{third_id}/withdraw"),
            &firm_auth,
            &json!({}),
        )
        .await;
    withdrawn.expect(200);
    assert_eq!(withdrawn.body["status"], "withdrawn");
    app.post(
        &format!("/api/v1/introductions/{third_id}/accept"),
        &lab,
        &json!({}),
    )
    .await
    .expect_error(409, "introduction_not_open", None);

    // At most 3 open requests per account.
    let second_firm = firm(&app, "cto@robots.example", "Robot Srl").await;
    for listing in [&listing, &second, &third] {
        ask(&app, &second_firm, listing, "Interested").await;
    }
    app.post(
        &format!("/api/v1/listings/{fourth}/introductions"),
        &second_firm,
        &json!({"message": "One more"}),
    )
    .await
    .expect_error(409, "too_many_open_introductions", None);

    // Both sides list theirs; the brokers' figures carry no bodies.
    let mine = app.get("/api/v1/introductions", &firm_auth).await;
    assert_eq!(mine.body.as_array().map(Vec::len), Some(3));
    let theirs = app.get("/api/v1/introductions", &lab).await;
    assert_eq!(theirs.body.as_array().map(Vec::len), Some(6));
    app.get("/api/v1/broker/introductions/report", &lab)
        .await
        .expect(403);
    let report = app
        .get("/api/v1/broker/introductions/report", &broker)
        .await;
    report.expect(200);
    assert_eq!(report.body["overall"]["requests"], 6);
    assert_eq!(report.body["overall"]["accepted"], 1);
    assert_eq!(report.body["overall"]["declined"], 1);
    assert_eq!(report.body["overall"]["withdrawn"], 1);
    assert_eq!(report.body["overall"]["acceptance_rate"], 0.5);
    assert_eq!(
        report.body["overall"]["outcome_rates"]["agreement_signed"],
        1.0
    );
    assert_eq!(report.body["overall"]["declined_as_spam"], 1);
    assert_eq!(report.body["by_kind"]["expertise"]["requests"], 6);
    assert!(report.body["by_topic"]["fatigue"]["requests"].as_u64() == Some(6));
    assert!(!report.text.contains("ISO 4210") && !report.text.contains("SEO"));
    app.stop().await;
}

async fn escalation(backend: Backend) {
    let Some(app) =
        TestApp::spawn_with(backend, |s| s.introduction_escalation_working_days = 0).await
    else {
        return;
    };
    let (_, lab) = app.account("tto@unimore.example").await;
    let university = app.organisation(&lab, "Unimore").await;
    let listing = expertise(&app, &lab, &university, "Composite fatigue").await;
    let other = expertise(&app, &lab, &university, "Polymer ageing").await;
    let firm_auth = firm(&app, "ceo@firm.example", "Firm Srl").await;
    let (_, broker) = app.account("broker@ponte.example").await;
    app.grant_role("broker@ponte.example", domain::model::PlatformRole::Broker)
        .await;
    let waiting = ask(&app, &firm_auth, &listing, "Please answer").await;
    let id = waiting["id"].as_str().unwrap_or_default().to_owned();
    let closing = ask(&app, &firm_auth, &other, "Also this").await;
    let closing_id = closing["id"].as_str().unwrap_or_default().to_owned();

    let hub = app.hub().await;
    hub.set_introduction_policy(0, 5);
    let escalated = hub
        .escalate_stalled_introductions()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    // The server's own worker may have escalated them first; either way, once each.
    let again = hub
        .escalate_stalled_introductions()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(escalated <= 2 && again == 0, "{escalated} then {again}");
    let _ = hub.close().await;

    app.get("/api/v1/broker/introductions/stalled", &lab)
        .await
        .expect(403);
    let stalled = app
        .get("/api/v1/broker/introductions/stalled", &broker)
        .await;
    stalled.expect(200);
    let rows = stalled.body.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 2, "{}", stalled.text);
    assert!(rows.iter().all(|r| !r["escalated_at"].is_null()));
    assert!(
        !stalled.text.contains("Please answer"),
        "no bodies for brokers"
    );
    let broker_inbox = app.get("/api/v1/inbox", &broker).await;
    assert!(
        broker_inbox.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| i["title"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Unanswered")),
        "{}",
        broker_inbox.text
    );
    // Brokers are not a side: they cannot read the thread.
    app.get(&format!("/api/v1/introductions/{id}"), &broker)
        .await
        .expect(404);

    app.post(
        &format!("/api/v1/introductions/{id}/nudge"),
        &firm_auth,
        &json!({}),
    )
    .await
    .expect(403);
    app.post(
        &format!("/api/v1/introductions/{id}/nudge"),
        &broker,
        &json!({}),
    )
    .await
    .expect(204);
    let lab_inbox = app.get("/api/v1/inbox", &lab).await;
    assert!(
        lab_inbox.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| i["title"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Reminder")),
        "{}",
        lab_inbox.text
    );
    app.post(
        &format!("/api/v1/introductions/{closing_id}/close"),
        &broker,
        &json!({}),
    )
    .await
    .expect(204);
    let closed = app
        .get(&format!("/api/v1/introductions/{closing_id}"), &firm_auth)
        .await;
    assert_eq!(closed.body["status"], "expired");
    assert_eq!(
        kinds(&closed.body),
        vec!["requested", "escalated", "expired"]
    );
    app.post(
        &format!("/api/v1/introductions/{closing_id}/close"),
        &broker,
        &json!({}),
    )
    .await
    .expect_error(409, "introduction_not_open", None);
    let nudged = app.get(&format!("/api/v1/introductions/{id}"), &lab).await;
    assert_eq!(
        kinds(&nudged.body),
        vec!["requested", "escalated", "nudged"]
    );
    app.stop().await;
}
