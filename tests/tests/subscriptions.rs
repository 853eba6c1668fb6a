//! Learning circles, saved searches and delivery end to end, on SQLite and PostgreSQL:
//! circles are run by their facilitator; a saved search hears once about every new
//! matching listing, in the inbox of its owner or of every circle member, or at a
//! signed webhook that is retried, backed off and dead-lettered as specified.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tests::receiver::{Answer, Receiver};
use tests::{Auth, Backend, Client, TestApp, on_both_backends};

on_both_backends! {
    circles_are_run_by_their_facilitator => circles;
    saved_searches_reach_inboxes_once => inbox_flow;
    webhooks_are_signed_retried_and_dead_lettered => webhooks;
}

async fn create_circle(app: &Client, auth: &Auth, name: &str) -> (String, String) {
    let reply = app
        .post(
            "/api/v1/circles",
            auth,
            &json!({"name": name, "topics": ["composites"]}),
        )
        .await;
    reply.expect(201);
    let code = reply.body["invite_code"]
        .as_str()
        .unwrap_or_else(|| panic!("the facilitator sees the code: {}", reply.text))
        .to_owned();
    (reply.id(), code)
}

async fn circles(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, facilitator) = app.account("facilitator@firm.example").await;
    let (member_id, member) = app.account("member@firm.example").await;
    let (third_id, third) = app.account("third@firm.example").await;
    let (_, outsider) = app.account("outsider@firm.example").await;

    app.post(
        "/api/v1/circles",
        &facilitator,
        &json!({"name": "Bad", "discord": {"guild_id": "12ab", "channel_id": "1"}}),
    )
    .await
    .expect_error(400, "discord_id_invalid", Some("discord_guild_id"));
    app.post("/api/v1/circles", &facilitator, &json!({"name": ""}))
        .await
        .expect(400);

    let created = app
        .post(
            "/api/v1/circles",
            &facilitator,
            &json!({"name": "Emilia composites", "description": "Monthly meetings.",
                    "topics": ["composites"], "discord": {"guild_id": "123456789012345678", "channel_id": "223456789012345678"}}),
        )
        .await;
    created.expect(201);
    let circle = created.id();
    assert_eq!(created.body["members"].as_array().map(Vec::len), Some(1));
    assert_eq!(created.body["discord"]["channel_id"], "223456789012345678");
    let code = created.body["invite_code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let joined = app
        .post("/api/v1/circles/join", &member, &json!({"code": code}))
        .await;
    joined.expect(200);
    assert_eq!(joined.body["members"].as_array().map(Vec::len), Some(2));
    assert!(
        joined.body["invite_code"].is_null(),
        "members do not see the code"
    );
    // Joining twice is harmless.
    app.post("/api/v1/circles/join", &member, &json!({"code": code}))
        .await
        .expect(200);
    let mine = app.get("/api/v1/circles", &member).await;
    mine.expect(200);
    assert_eq!(mine.body.as_array().map(Vec::len), Some(1));

    // Only the facilitator manages; outsiders do not even see it.
    app.patch(
        &format!("/api/v1/circles/{circle}"),
        &member,
        &json!({"name": "Mine"}),
        None,
    )
    .await
    .expect(403);
    app.get(&format!("/api/v1/circles/{circle}"), &outsider)
        .await
        .expect_error(404, "circle_not_found", None);
    let renamed = app
        .patch(
            &format!("/api/v1/circles/{circle}"),
            &facilitator,
            &json!({"name": "Emilia composites circle", "discord": null}),
            None,
        )
        .await;
    renamed.expect(200);
    assert_eq!(renamed.body["name"], "Emilia composites circle");
    assert!(renamed.body["discord"].is_null());

    // A new code replaces the old one.
    let renewed = app
        .post(
            &format!("/api/v1/circles/{circle}/invitations"),
            &facilitator,
            &json!({}),
        )
        .await;
    renewed.expect(200);
    let new_code = renewed.body["code"].as_str().unwrap_or_default().to_owned();
    assert_ne!(new_code, code);
    app.post("/api/v1/circles/join", &third, &json!({"code": code}))
        .await
        .expect_error(404, "invitation_invalid", Some("code"));
    app.post("/api/v1/circles/join", &third, &json!({"code": new_code}))
        .await
        .expect(200);

    // Circle saved searches: created by the facilitator only, seen by members.
    let search = json!({"search": {"q": "composites"}, "frequency": "weekly", "channel": "inbox", "circle_id": circle});
    app.post("/api/v1/subscriptions", &member, &search)
        .await
        .expect(403);
    let saved = app
        .post("/api/v1/subscriptions", &facilitator, &search)
        .await;
    saved.expect(201);
    let saved_id = saved.id();
    let listed = app.get("/api/v1/subscriptions", &member).await;
    listed.expect(200);
    assert_eq!(listed.body["total"], 1, "{}", listed.text);
    assert!(listed.body["items"][0]["unsubscribe_url"].is_null());
    app.patch(
        &format!("/api/v1/subscriptions/{saved_id}"),
        &member,
        &json!({"frequency": "paused"}),
        None,
    )
    .await
    .expect(403);
    app.get(&format!("/api/v1/subscriptions/{saved_id}"), &outsider)
        .await
        .expect_error(404, "subscription_not_found", None);

    // Leaving and removal.
    app.post(
        &format!("/api/v1/circles/{circle}/leave"),
        &facilitator,
        &json!({}),
    )
    .await
    .expect_error(409, "facilitator_cannot_leave", None);
    app.post(
        &format!("/api/v1/circles/{circle}/leave"),
        &member,
        &json!({}),
    )
    .await
    .expect(204);
    app.delete(
        &format!("/api/v1/circles/{circle}/members/{member_id}"),
        &facilitator,
    )
    .await
    .expect_error(404, "member_not_found", None);
    app.delete(
        &format!("/api/v1/circles/{circle}/members/{third_id}"),
        &facilitator,
    )
    .await
    .expect(204);
    let left = app
        .get(&format!("/api/v1/circles/{circle}"), &facilitator)
        .await;
    assert_eq!(left.body["members"].as_array().map(Vec::len), Some(1));
    app.get(&format!("/api/v1/circles/{circle}"), &member)
        .await
        .expect(404);
    app.stop().await;
}

/// Polls the inbox until `accept` holds.
async fn inbox_until(
    app: &Client,
    auth: &Auth,
    what: &str,
    accept: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let inbox = app.get("/api/v1/inbox?limit=100", auth).await;
        inbox.expect(200);
        if accept(&inbox.body) {
            return inbox.body;
        }
        assert!(
            Instant::now() < deadline,
            "inbox never showed {what}: {}",
            inbox.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn listing_ids(inbox: &Value) -> Vec<String> {
    inbox["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["listing_id"].as_str().map(str::to_owned))
        .collect()
}

async fn inbox_flow(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |settings| {
        settings.webhook_allow_private = false;
    })
    .await
    else {
        return;
    };
    let (_, lab) = app.account("lab@unimore.example").await;
    let organisation = app.organisation(&lab, "Laboratorio Prove Materiali").await;
    let (_, firm) = app.account("owner@smallfirm.example").await;

    // The search part is checked exactly as search checks it, with the field named.
    let save =
        |search: Value| json!({"search": search, "frequency": "instant", "channel": "inbox"});
    app.post(
        "/api/v1/subscriptions",
        &firm,
        &save(json!({"near": "Atlantis"})),
    )
    .await
    .expect_error(400, "place_unknown", Some("search.near"));
    let long_query = vec!["word"; 40].join(" ");
    app.post(
        "/api/v1/subscriptions",
        &firm,
        &save(json!({"q": long_query})),
    )
    .await
    .expect_error(400, "query_invalid", Some("search.q"));
    app.post(
        "/api/v1/subscriptions",
        &firm,
        &save(json!({"kind": "boat"})),
    )
    .await
    .expect(400);
    app.post(
        "/api/v1/subscriptions",
        &firm,
        &save(json!({"trl_min": 7, "trl_max": 3})),
    )
    .await
    .expect_error(400, "trl_range_invalid", Some("search.trl_max"));
    app.post(
        "/api/v1/subscriptions",
        &firm,
        &json!({"search": {}, "frequency": "instant", "channel": "webhook"}),
    )
    .await
    .expect_error(400, "field_required", Some("webhook_url"));
    app.post(
        "/api/v1/subscriptions",
        &firm,
        &json!({"search": {}, "frequency": "instant", "channel": "webhook", "webhook_url": "http://127.0.0.1:9/hook"}),
    )
    .await
    .expect_error(400, "webhook_url_forbidden", Some("webhook_url"));
    app.post(
        "/api/v1/subscriptions",
        &firm,
        &json!({"search": {}, "frequency": "sometimes", "channel": "inbox"}),
    )
    .await
    .expect(400);

    // Listed before the search was saved: not news to it.
    let old = app
        .published_listing(&lab, &organisation, "facility", "Corrosion cabinet")
        .await;
    let saved = app
        .post(
            "/api/v1/subscriptions",
            &firm,
            &json!({"search": {"q": "corrosion", "kind": "facility"}, "frequency": "instant", "channel": "inbox"}),
        )
        .await;
    saved.expect(201);
    let subscription = saved.id();
    let unsubscribe_url = saved.body["unsubscribe_url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        unsubscribe_url.contains("/unsubscribe/ponte_u_"),
        "{unsubscribe_url}"
    );
    assert_eq!(saved.body["search"]["kind"], json!(["facility"]));
    let daily = app
        .post(
            "/api/v1/subscriptions",
            &firm,
            &json!({"search": {"q": "corrosion"}, "frequency": "daily", "channel": "inbox"}),
        )
        .await;
    daily.expect(201);

    // "rust" is a synonym of corrosion; the tensile machine and the expertise do not match.
    let matching = app
        .published_listing(
            &lab,
            &organisation,
            "facility",
            "Salt spray chamber for rust",
        )
        .await;
    app.published_listing(&lab, &organisation, "facility", "Tensile machine")
        .await;
    app.published_listing(&lab, &organisation, "expertise", "Corrosion consultancy")
        .await;
    let inbox = inbox_until(&app, &firm, "the matching listing", |b| {
        listing_ids(b).contains(&matching)
    })
    .await;
    assert_eq!(inbox["items"][0]["subscription_id"], subscription.as_str());
    assert_eq!(
        inbox["items"][0]["organisation"],
        "Laboratorio Prove Materiali"
    );
    assert_eq!(inbox["items"][0]["read"], false);
    assert!(!listing_ids(&inbox).contains(&old));

    // A material edit and a re-publication do not report it again.
    let listing = app.get(&format!("/api/v1/listings/{matching}"), &lab).await;
    let version = listing.body["version"].to_string();
    app.patch(
        &format!("/api/v1/listings/{matching}"),
        &lab,
        &json!({"summary": "Salt spray and humidity cycles for rust resistance."}),
        Some(&version),
    )
    .await
    .expect(200);
    // A barrier: once this newer listing is in the inbox, the edit has been matched too.
    let barrier = app
        .published_listing(&lab, &organisation, "facility", "Corrosion fatigue rig")
        .await;
    let inbox = inbox_until(&app, &firm, "the barrier", |b| {
        listing_ids(b).contains(&barrier)
    })
    .await;
    let hub = app.hub().await;
    let notifications = hub
        .notifications_of(&subscription)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let listings: Vec<&String> = notifications
        .iter()
        .map(|(_, listing, _, _)| listing)
        .collect();
    assert_eq!(
        listings,
        vec![&matching, &barrier],
        "one notification per listing"
    );
    assert_eq!(
        listing_ids(&inbox)
            .iter()
            .filter(|id| **id == matching)
            .count(),
        1
    );
    // The daily saved search found them too, but holds them for its digest.
    let held = hub
        .notifications_of(&daily.id())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(held.len() >= 2, "{held:?}");
    assert!(
        held.iter()
            .all(|(_, _, status, delivery)| status == "pending" && delivery.is_none())
    );

    // Read and "not interested".
    let item = inbox["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["listing_id"] == matching.as_str())
        .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    app.post(
        &format!("/api/v1/inbox/{item}/not-interested"),
        &firm,
        &json!({}),
    )
    .await
    .expect(204);
    let after = app
        .get(&format!("/api/v1/subscriptions/{subscription}"), &firm)
        .await;
    assert_eq!(after.body["excluded_listing_ids"], json!([matching]));
    let unread = app.get("/api/v1/inbox?unread=true", &firm).await;
    assert_eq!(unread.body["total"], 1, "{}", unread.text);
    app.post(
        "/api/v1/inbox/0193a1d2-0000-7000-8000-000000000000/read",
        &firm,
        &json!({}),
    )
    .await
    .expect_error(404, "inbox_item_not_found", None);
    app.post(&format!("/api/v1/inbox/{item}/read"), &lab, &json!({}))
        .await
        .expect_error(404, "inbox_item_not_found", None);

    // A circle's saved search reaches every member's inbox.
    let (_, member) = app.account("member@otherfirm.example").await;
    let (circle, code) = create_circle(&app, &firm, "Corrosion circle").await;
    app.post("/api/v1/circles/join", &member, &json!({"code": code}))
        .await
        .expect(200);
    app.post(
        "/api/v1/subscriptions",
        &firm,
        &json!({"search": {"q": "microscope"}, "frequency": "instant", "channel": "inbox", "circle_id": circle}),
    )
    .await
    .expect(201);

    // Pause the personal one, through its one-click link.
    let page = app
        .get(
            &format!(
                "/unsubscribe/{}",
                unsubscribe_url.rsplit('/').next().unwrap_or_default()
            ),
            &Auth::Anonymous,
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Unsubscribed"));
    let paused = app
        .get(&format!("/api/v1/subscriptions/{subscription}"), &firm)
        .await;
    assert_eq!(paused.body["frequency"], "paused");
    let bad = app.get("/unsubscribe/ponte_u_nope", &Auth::Anonymous).await;
    assert_eq!(bad.status, 404);

    let microscope = app
        .published_listing(&lab, &organisation, "facility", "Corrosion microscope")
        .await;
    for auth in [&firm, &member] {
        inbox_until(&app, auth, "the circle's match", |b| {
            listing_ids(b).contains(&microscope)
        })
        .await;
    }
    // The paused personal saved search stayed silent (the circle's arrived, so matching ran).
    let personal = hub
        .notifications_of(&subscription)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        !personal
            .iter()
            .any(|(_, listing, _, _)| *listing == microscope)
    );

    // Owners hear about listings about to expire, once.
    let expiring = app
        .draft_listing(&lab, &organisation, "facility", "Climatic chamber")
        .await
        .id();
    let soon = (chrono::Utc::now() + chrono::Duration::days(5)).to_rfc3339();
    let draft = app.get(&format!("/api/v1/listings/{expiring}"), &lab).await;
    app.patch(
        &format!("/api/v1/listings/{expiring}"),
        &lab,
        &json!({"expires_at": soon}),
        Some(&draft.body["version"].to_string()),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/listings/{expiring}/publish"),
        &lab,
        &json!({}),
    )
    .await
    .expect(200);
    for _ in 0..2 {
        hub.remind_expiring_listings(chrono::Duration::days(14))
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }
    let reminders = app.get("/api/v1/inbox", &lab).await;
    let expiry: Vec<&Value> = reminders.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["kind"] == "expiry" && i["listing_id"] == expiring.as_str())
        .collect();
    assert_eq!(expiry.len(), 1, "{}", reminders.text);
    assert!(
        expiry[0]["title"]
            .as_str()
            .unwrap_or_default()
            .contains("Climatic chamber")
    );

    // Deleting the saved search.
    app.delete(&format!("/api/v1/subscriptions/{subscription}"), &lab)
        .await
        .expect(404);
    app.delete(&format!("/api/v1/subscriptions/{subscription}"), &firm)
        .await
        .expect(204);
    app.get(&format!("/api/v1/subscriptions/{subscription}"), &firm)
        .await
        .expect(404);
    let _ = hub.close().await;
    app.stop().await;
}

async fn webhooks(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let receiver = Receiver::start().await;
    let (_, lab) = app.account("lab@polimi.example").await;
    let organisation = app.organisation(&lab, "Laboratorio Prove").await;
    let (_, firm) = app.account("cto@firm.example").await;
    let saved = app
        .post(
            "/api/v1/subscriptions",
            &firm,
            &json!({"search": {"q": "fatigue"}, "frequency": "instant", "channel": "webhook", "webhook_url": receiver.url}),
        )
        .await;
    saved.expect(201);
    let subscription = saved.id();
    let secret = saved.body["webhook_secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(secret.starts_with("ponte_whsec_"), "{}", saved.text);

    // Delivered, signed over timestamp and body.
    let first = app
        .published_listing(&lab, &organisation, "facility", "Fatigue rig")
        .await;
    let got = receiver
        .wait_for(Duration::from_secs(30), "the first message", |r| {
            !r.is_empty()
        })
        .await;
    let request = &got[0];
    let timestamp: i64 = request
        .header("ponte-timestamp")
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no timestamp: {:?}", request.headers));
    assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 60);
    assert_eq!(
        request.header("ponte-signature"),
        Some(server::webhooks::signature(&secret, timestamp, &request.body).as_str())
    );
    assert_ne!(
        request.header("ponte-signature"),
        Some(server::webhooks::signature("another secret", timestamp, &request.body).as_str())
    );
    let body = request.json();
    assert_eq!(body["type"], "ponte.match");
    assert_eq!(body["items"][0]["listing_id"], first.as_str());
    assert_eq!(body["items"][0]["organisation"], "Laboratorio Prove");
    assert!(
        body["items"][0]["url"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&format!("/listings/{first}"))
    );
    assert_eq!(
        request.header("idempotency-key"),
        body["idempotency_key"].as_str()
    );
    assert!(
        body["unsubscribe_url"]
            .as_str()
            .unwrap_or_default()
            .contains("/unsubscribe/")
    );

    // 500 → retried with the same key until it works.
    receiver.answer_with(Answer::Status(500));
    let second = app
        .published_listing(&lab, &organisation, "facility", "Fatigue bench two")
        .await;
    let about = |r: &tests::receiver::Received, id: &str| r.json()["items"][0]["listing_id"] == id;
    receiver
        .wait_for(Duration::from_secs(30), "two failed attempts", |r| {
            r.iter().filter(|x| about(x, &second)).count() >= 2
        })
        .await;
    receiver.answer_with(Answer::Ok);
    let got = receiver
        .wait_for(Duration::from_secs(30), "a successful retry", |r| {
            r.iter()
                .any(|x| about(x, &second) && x.answered == Answer::Ok)
        })
        .await;
    let keys: std::collections::BTreeSet<&str> = got
        .iter()
        .filter(|x| about(x, &second))
        .filter_map(|x| x.header("idempotency-key"))
        .collect();
    assert_eq!(keys.len(), 1, "one message, one key: {keys:?}");

    // 429 with Retry-After: the next attempt waits at least that long.
    receiver.answer_with(Answer::TooManyRequests(2));
    let third = app
        .published_listing(&lab, &organisation, "facility", "Fatigue bench three")
        .await;
    receiver
        .wait_for(Duration::from_secs(30), "the 429", |r| {
            r.iter().any(|x| about(x, &third))
        })
        .await;
    receiver.answer_with(Answer::Ok);
    let got = receiver
        .wait_for(Duration::from_secs(30), "the retry after 429", |r| {
            r.iter().filter(|x| about(x, &third)).count() >= 2
        })
        .await;
    let attempts: Vec<Instant> = got
        .iter()
        .filter(|x| about(x, &third))
        .map(|x| x.at)
        .collect();
    assert!(
        attempts[1] - attempts[0] >= Duration::from_millis(1_900),
        "Retry-After: 2 was not honoured: {:?}",
        attempts[1] - attempts[0]
    );

    // A receiver that hangs: the attempt times out and is retried.
    receiver.answer_with(Answer::Hang);
    let fourth = app
        .published_listing(&lab, &organisation, "facility", "Fatigue bench four")
        .await;
    receiver
        .wait_for(Duration::from_secs(30), "the hanging attempt", |r| {
            r.iter().any(|x| about(x, &fourth))
        })
        .await;
    receiver.answer_with(Answer::Ok);
    receiver
        .wait_for(Duration::from_secs(30), "the retry after a timeout", |r| {
            r.iter()
                .any(|x| about(x, &fourth) && x.answered == Answer::Ok)
        })
        .await;

    // Always failing: dead-lettered after the configured 4 attempts, with the reason.
    receiver.answer_with(Answer::Status(503));
    let fifth = app
        .published_listing(&lab, &organisation, "facility", "Fatigue bench five")
        .await;
    let hub = app.hub().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let dead = loop {
        let notifications = hub
            .notifications_of(&subscription)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let delivery = notifications
            .iter()
            .find(|(_, listing, _, _)| *listing == fifth)
            .and_then(|(_, _, _, delivery)| delivery.clone());
        let log = hub
            .delivery_log(&subscription)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        if let Some(entry) = log
            .into_iter()
            .find(|(id, status, _, _)| Some(id) == delivery.as_ref() && status == "dead")
        {
            break entry;
        }
        assert!(Instant::now() < deadline, "never dead-lettered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(dead.2, 4, "attempts: {dead:?}");
    assert!(
        dead.3.as_deref().unwrap_or_default().contains("503"),
        "the reason is kept: {dead:?}"
    );
    assert_eq!(
        receiver
            .received()
            .iter()
            .filter(|x| about(x, &fifth))
            .count(),
        4
    );
    // Every message reached the receiver under one key only.
    let mut keys: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for request in receiver.received() {
        for item in request.json()["items"].as_array().into_iter().flatten() {
            keys.entry(
                item["notification_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
            .or_default()
            .insert(
                request
                    .header("idempotency-key")
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    assert_eq!(keys.len(), 5);
    assert!(keys.values().all(|k| k.len() == 1), "{keys:?}");
    let _ = hub.close().await;
    app.stop().await;
}
