//! The storage and API suite, run on SQLite and on PostgreSQL: accounts, sessions,
//! tokens, organisations, listings and their life cycle, and every kind of bad input.

use serde_json::json;
use tests::{Auth, Backend, TestApp, on_both_backends};

on_both_backends! {
    accounts_sessions_and_tokens => accounts_sessions_and_tokens;
    organisations_members_and_verification => organisations_members_and_verification;
    listing_life_cycle_and_visibility => listing_life_cycle_and_visibility;
    optimistic_concurrency_and_kind_fields => optimistic_concurrency_and_kind_fields;
    bad_input_gets_named_client_errors => bad_input_gets_named_client_errors;
    pagination_and_filters => pagination_and_filters;
}

async fn accounts_sessions_and_tokens(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let signup = json!({"email": "Ada@Example.org", "display_name": "Ada", "password": "correct horse battery"});
    let created = app
        .post("/api/v1/accounts", &Auth::Anonymous, &signup)
        .await;
    created.expect(201);
    assert_eq!(created.body["email"], "ada@example.org");
    assert_eq!(created.body["role"], "member");
    assert!(created.body.get("password_hash").is_none() && !created.text.contains("argon2"));

    app.post("/api/v1/accounts", &Auth::Anonymous, &signup)
        .await
        .expect_error(409, "email_taken", Some("email"));
    app.post(
        "/api/v1/accounts",
        &Auth::Anonymous,
        &json!({"email": "not-an-email", "display_name": "x", "password": "correct horse battery"}),
    )
    .await
    .expect_error(400, "email_invalid", Some("email"));
    app.post(
        "/api/v1/accounts",
        &Auth::Anonymous,
        &json!({"email": "b@example.org", "display_name": "B", "password": "short"}),
    )
    .await
    .expect_error(400, "password_too_short", Some("password"));

    app.post(
        "/api/v1/session",
        &Auth::Anonymous,
        &json!({"email": "ada@example.org", "password": "wrong password!"}),
    )
    .await
    .expect_error(401, "credentials_invalid", None);
    let signed_in = app
        .post(
            "/api/v1/session",
            &Auth::Anonymous,
            &json!({"email": "ada@example.org", "password": "correct horse battery"}),
        )
        .await;
    signed_in.expect(200);
    let set_cookie = signed_in
        .header("set-cookie")
        .unwrap_or_default()
        .to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    assert!(
        !set_cookie.contains("Secure"),
        "plain-http servers must not set Secure cookies: {set_cookie}"
    );
    let session = Auth::Cookie(set_cookie.split(';').next().unwrap_or_default().to_owned());
    let me = app.get("/api/v1/me", &session).await;
    me.expect(200);
    assert_eq!(me.body["display_name"], "Ada");

    let issued = app
        .post("/api/v1/tokens", &session, &json!({"name": "CRM sync"}))
        .await;
    issued.expect(201);
    let token = issued.body["token"].as_str().unwrap_or_default().to_owned();
    assert!(token.len() > 40);
    let bearer = Auth::Bearer(token.clone());
    app.get("/api/v1/me", &bearer).await.expect(200);
    let listed = app.get("/api/v1/tokens", &bearer).await;
    listed.expect(200);
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1));
    assert!(
        listed.body[0]["last_used_at"].is_string(),
        "using a token records when: {}",
        listed.text
    );
    assert!(!listed.text.contains(&token), "a token is shown only once");

    app.delete(&format!("/api/v1/tokens/{}", issued.id()), &session)
        .await
        .expect(204);
    app.get("/api/v1/me", &bearer)
        .await
        .expect_error(401, "unauthenticated", None);
    app.delete(&format!("/api/v1/tokens/{}", issued.id()), &session)
        .await
        .expect_error(404, "token_not_found", None);

    let signed_out = app.delete("/api/v1/session", &session).await;
    signed_out.expect(204);
    assert!(
        signed_out
            .header("set-cookie")
            .unwrap_or_default()
            .contains("Max-Age=0")
    );
    app.get("/api/v1/me", &session)
        .await
        .expect_error(401, "unauthenticated", None);
    app.stop().await;
}

async fn organisations_members_and_verification(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, owner) = app.account("owner@uni.example").await;
    let (editor_id, editor) = app.account("editor@uni.example").await;
    let (_, broker) = app.account("broker@network.example").await;
    app.grant_role(
        "broker@network.example",
        domain::model::PlatformRole::Broker,
    )
    .await;

    let created = app
        .post(
            "/api/v1/organisations",
            &owner,
            &json!({"kind": "university", "name": "Università di Prova", "country": "it", "ror_id": "01111rn36",
                    "vat": "IT 01234567890", "contact_email": "tto@prova.example", "nuts_code": "ITH55"}),
        )
        .await;
    created.expect(201);
    let id = created.id();
    assert_eq!(created.body["ror_id"], "https://ror.org/01111rn36");
    assert_eq!(created.body["country"], "IT");
    assert_eq!(created.body["verified"], false);

    let public = app
        .get(&format!("/api/v1/organisations/{id}"), &Auth::Anonymous)
        .await;
    public.expect(200);
    assert!(
        public.body.get("contact").is_none(),
        "contacts are for signed-in users: {}",
        public.text
    );
    let signed = app
        .get(&format!("/api/v1/organisations/{id}"), &editor)
        .await;
    assert_eq!(signed.body["contact"]["email"], "tto@prova.example");

    app.post("/api/v1/organisations", &editor, &json!({"kind": "firm", "name": "Copycat", "country": "IT", "ror_id": "https://ror.org/01111rn36"}))
        .await
        .expect_error(409, "organisation_identifier_taken", Some("ror_id"));

    app.patch(
        &format!("/api/v1/organisations/{id}"),
        &editor,
        &json!({"description": "x"}),
        None,
    )
    .await
    .expect_error(403, "forbidden", None);
    app.post(
        &format!("/api/v1/organisations/{id}/members"),
        &owner,
        &json!({"email": "editor@uni.example", "role": "editor"}),
    )
    .await
    .expect(200);
    let patched = app
        .patch(
            &format!("/api/v1/organisations/{id}"),
            &editor,
            &json!({"description": "Tech transfer", "website": "https://prova.example"}),
            None,
        )
        .await;
    patched.expect(200);
    assert_eq!(patched.body["version"], 2);
    assert_eq!(patched.body["description"], "Tech transfer");
    let members = app
        .get(&format!("/api/v1/organisations/{id}/members"), &editor)
        .await;
    assert_eq!(members.body.as_array().map(Vec::len), Some(2));
    app.delete(
        &format!("/api/v1/organisations/{id}/members/{editor_id}"),
        &editor,
    )
    .await
    .expect(204);
    let me = app.get("/api/v1/me", &editor).await;
    assert_eq!(me.body["memberships"].as_array().map(Vec::len), Some(0));

    app.post(
        &format!("/api/v1/organisations/{id}/verify"),
        &owner,
        &json!({}),
    )
    .await
    .expect_error(403, "forbidden", None);
    let verified = app
        .post(
            &format!("/api/v1/organisations/{id}/verify"),
            &broker,
            &json!({}),
        )
        .await;
    verified.expect(200);
    assert_eq!(verified.body["verified"], true);
    assert_eq!(
        app.get(&format!("/api/v1/organisations/{id}"), &Auth::Anonymous)
            .await
            .body["verified"],
        true
    );
    app.stop().await;
}

async fn listing_life_cycle_and_visibility(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, owner) = app.account("owner@lab.example").await;
    let (_, outsider) = app.account("someone@firm.example").await;
    let organisation = app.organisation(&owner, "Lab of Materials").await;

    let created = app
        .post(
            "/api/v1/listings",
            &owner,
            &json!({"organisation_id": organisation, "kind": "expertise", "title": "Fatigue of composites", "language": "EN",
                    "description": "We test carbon-fibre parts.", "topic_codes": ["/21/33/117"],
                    "engagement_modes": ["contract_research"], "trl_min": 3, "trl_max": 6,
                    "researchers": [{"name": "Dr Hidden", "email": "hidden@lab.example"},
                                    {"name": "Dr Known", "email": "known@lab.example", "informed": true}]}),
        )
        .await;
    created.expect(201);
    let id = created.id();
    assert_eq!(created.body["status"], "draft");
    assert_eq!(created.body["version"], 1);
    assert_eq!(created.body["language"], "en");
    assert_eq!(
        created.body["city"], "Bologna",
        "the location defaults to the organisation's"
    );
    assert_eq!(created.body["topics"][0]["label"], "nutrition");
    assert_eq!(created.header("etag"), Some("\"1\""));

    app.get(&format!("/api/v1/listings/{id}"), &Auth::Anonymous)
        .await
        .expect_error(404, "listing_not_found", None);
    app.get(&format!("/api/v1/listings/{id}"), &outsider)
        .await
        .expect_error(404, "listing_not_found", None);
    let anonymous_list = app.get("/api/v1/listings", &Auth::Anonymous).await;
    assert_eq!(
        anonymous_list.body["total"], 0,
        "drafts are not listed publicly"
    );
    let own_list = app
        .get(
            &format!("/api/v1/listings?organisation_id={organisation}&status=draft"),
            &owner,
        )
        .await;
    assert_eq!(own_list.body["total"], 1);

    let published = app
        .post(
            &format!("/api/v1/listings/{id}/publish"),
            &owner,
            &json!({}),
        )
        .await;
    published.expect(200);
    assert_eq!(published.body["status"], "published");
    assert!(published.body["published_at"].is_string());

    let public = app
        .get(&format!("/api/v1/listings/{id}"), &Auth::Anonymous)
        .await;
    public.expect(200);
    let researchers = public.body["researchers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        researchers.len(),
        1,
        "uninformed researchers stay hidden: {}",
        public.text
    );
    assert_eq!(researchers[0]["name"], "Dr Known");
    assert!(
        researchers[0]["email"].is_null()
            && !public.text.contains("hidden@lab.example")
            && !public.text.contains("known@lab.example")
    );
    let as_member = app.get(&format!("/api/v1/listings/{id}"), &owner).await;
    assert_eq!(
        as_member.body["researchers"].as_array().map(Vec::len),
        Some(2)
    );

    app.post(
        &format!("/api/v1/listings/{id}/archive"),
        &outsider,
        &json!({}),
    )
    .await
    .expect_error(403, "forbidden", None);
    let before = public.body["expires_at"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let renewed = app
        .post(&format!("/api/v1/listings/{id}/renew"), &owner, &json!({}))
        .await;
    renewed.expect(200);
    assert!(renewed.body["expires_at"].as_str().unwrap_or_default() >= before.as_str());
    assert_eq!(renewed.body["version"], 3);

    app.post(
        &format!("/api/v1/listings/{id}/archive"),
        &owner,
        &json!({}),
    )
    .await
    .expect(200);
    app.get(&format!("/api/v1/listings/{id}"), &Auth::Anonymous)
        .await
        .expect_error(404, "listing_not_found", None);

    let incomplete = app.post("/api/v1/listings", &owner, &json!({"organisation_id": organisation, "kind": "facility", "title": "Bare", "language": "en"})).await;
    incomplete.expect(201);
    app.post(
        &format!("/api/v1/listings/{}/publish", incomplete.id()),
        &owner,
        &json!({}),
    )
    .await
    .expect_error(400, "listing_incomplete", Some("description"));

    app.delete(&format!("/api/v1/listings/{id}"), &outsider)
        .await
        .expect_error(404, "listing_not_found", None);
    app.delete(&format!("/api/v1/listings/{id}"), &owner)
        .await
        .expect(204);
    app.get(&format!("/api/v1/listings/{id}"), &owner)
        .await
        .expect_error(404, "listing_not_found", None);
    app.stop().await;
}

async fn optimistic_concurrency_and_kind_fields(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, owner) = app.account("manager@incubator.example").await;
    let organisation = app.organisation(&owner, "Incubatore").await;
    let space = app
        .draft_listing(&owner, &organisation, "space", "Office for four")
        .await;
    let id = space.id();
    assert_eq!(space.body["monthly_price"]["amount_minor"], 35000);
    assert_eq!(space.body["monthly_price"]["currency"], "EUR");
    assert!(
        space.body.get("trl_min").is_none(),
        "other kinds' fields are absent"
    );

    let path = format!("/api/v1/listings/{id}");
    app.patch(&path, &owner, &json!({"capacity": 6}), None)
        .await
        .expect_error(428, "if_match_required", None);
    app.patch(&path, &owner, &json!({"capacity": 6}), Some("soon"))
        .await
        .expect_error(400, "if_match_invalid", None);
    let changed = app
        .patch(
            &path,
            &owner,
            &json!({"capacity": 6, "amenities": ["fibre", "24/7 access"]}),
            Some("\"1\""),
        )
        .await;
    changed.expect(200);
    assert_eq!(changed.body["version"], 2);
    assert_eq!(changed.body["capacity"], 6);
    assert_eq!(
        changed.body["monthly_price"]["amount_minor"], 35000,
        "unsent fields stay"
    );
    app.patch(&path, &owner, &json!({"capacity": 8}), Some("1"))
        .await
        .expect_error(412, "version_stale", None);
    assert_eq!(
        app.get(&path, &owner).await.body["capacity"],
        6,
        "a stale write changes nothing"
    );

    app.patch(&path, &owner, &json!({"trl_min": 4}), Some("2"))
        .await
        .expect_error(400, "field_not_for_kind", Some("trl_min"));
    app.post("/api/v1/listings", &owner, &json!({"organisation_id": organisation, "kind": "space", "title": "No type", "language": "en"}))
        .await
        .expect_error(400, "field_required", Some("space_type"));
    app.post("/api/v1/listings", &owner, &json!({"organisation_id": organisation, "kind": "expertise", "title": "x", "language": "en", "price_from": 100}))
        .await
        .expect_error(400, "field_not_for_kind", Some("price_from"));
    app.post("/api/v1/listings", &owner, &json!({"organisation_id": organisation, "kind": "expertise", "title": "x", "language": "en", "trl_min": 7, "trl_max": 2}))
        .await
        .expect_error(400, "trl_range_invalid", Some("trl_max"));
    app.post("/api/v1/listings", &owner, &json!({"organisation_id": organisation, "kind": "expertise", "title": "x", "language": "en", "topic_codes": ["/99/nope"]}))
        .await
        .expect_error(400, "topic_code_unknown", Some("topic_codes"));
    app.stop().await;
}

async fn bad_input_gets_named_client_errors(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, owner) = app.account("owner@errors.example").await;
    let organisation = app.organisation(&owner, "Errors Inc").await;
    let listing = |extra: serde_json::Value| {
        let mut body = json!({"organisation_id": organisation, "kind": "facility", "title": "Rig", "language": "en"});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };
    app.post(
        "/api/v1/listings",
        &owner,
        &listing(json!({"colour": "red"})),
    )
    .await
    .expect_error(400, "field_unknown", Some("colour"));
    for server_owned in ["verified", "owner", "version", "role"] {
        app.post(
            "/api/v1/listings",
            &owner,
            &listing(json!({server_owned: 1})),
        )
        .await
        .expect_error(400, "field_not_allowed", Some(server_owned));
    }
    app.post(
        "/api/v1/listings",
        &owner,
        &listing(json!({"price_from": -5})),
    )
    .await
    .expect_error(400, "number_negative", Some("price_from"));
    app.post(
        "/api/v1/listings",
        &owner,
        &listing(json!({"price_from": 1e30})),
    )
    .await
    .expect_error(400, "field_invalid", Some("price_from"));
    app.post(
        "/api/v1/listings",
        &owner,
        &listing(json!({"turnaround_days": 99999})),
    )
    .await
    .expect_error(400, "number_too_large", Some("turnaround_days"));
    app.post(
        "/api/v1/listings",
        &owner,
        &listing(json!({"access_mode": "telepathy"})),
    )
    .await
    .expect_error(400, "field_invalid", Some("access_mode"));
    app.post(
        "/api/v1/listings",
        &owner,
        &listing(json!({"title": "x".repeat(201)})),
    )
    .await
    .expect_error(400, "field_too_long", Some("title"));
    app.post("/api/v1/listings", &owner, &listing(json!({"title": 42})))
        .await
        .expect_error(400, "field_invalid", Some("title"));
    app.post(
        "/api/v1/listings",
        &owner,
        &listing(json!({"latitude": 95.0, "longitude": 10.0})),
    )
    .await
    .expect_error(400, "latitude_invalid", Some("latitude"));
    app.post("/api/v1/listings", &owner, &json!({"organisation_id": "no-such-id", "kind": "facility", "title": "x", "language": "en"}))
        .await
        .expect_error(404, "organisation_not_found", Some("organisation_id"));

    let post = reqwest::Method::POST;
    app.raw(
        post.clone(),
        "/api/v1/listings",
        &owner,
        "application/json",
        "{\"title\": ".into(),
    )
    .await
    .expect_error(400, "json_invalid", None);
    app.raw(
        post.clone(),
        "/api/v1/listings",
        &owner,
        "application/json",
        vec![b'{', b'"', 0xff, b'"', b'}'].into(),
    )
    .await
    .expect_error(400, "body_not_utf8", None);
    app.raw(
        post.clone(),
        "/api/v1/listings",
        &owner,
        "text/plain",
        "hello".into(),
    )
    .await
    .expect_error(415, "content_type_unsupported", None);
    app.raw(
        post.clone(),
        "/api/v1/listings",
        &owner,
        "application/json",
        "".into(),
    )
    .await
    .expect_error(400, "body_required", None);

    // Two megabytes, streamed without Content-Length.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..32).map(|_| Ok(vec![b' '; 64 * 1024])).collect();
    let streamed = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    app.raw(
        post.clone(),
        "/api/v1/listings",
        &owner,
        "application/json",
        streamed,
    )
    .await
    .expect_error(413, "body_too_large", None);
    let big = format!("{{\"title\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    app.raw(
        post,
        "/api/v1/listings",
        &owner,
        "application/json",
        big.into(),
    )
    .await
    .expect_error(413, "body_too_large", None);

    app.get("/api/v1/listings/%00%ff", &Auth::Anonymous)
        .await
        .expect_error(400, "path_invalid", None);
    app.get("/api/v1/listings/no-such-listing", &Auth::Anonymous)
        .await
        .expect_error(404, "listing_not_found", None);
    app.get("/api/v1/nothing-here", &Auth::Anonymous)
        .await
        .expect_error(404, "route_not_found", None);
    app.get("/api/v1/listings?kind=castle", &Auth::Anonymous)
        .await
        .expect_error(400, "parameter_invalid", Some("kind"));
    app.get("/api/v1/listings?limit=0", &Auth::Anonymous)
        .await
        .expect_error(400, "limit_invalid", Some("limit"));
    app.get("/api/v1/listings?limit=-1", &Auth::Anonymous)
        .await
        .expect_error(400, "parameter_invalid", Some("limit"));
    app.get("/api/v1/listings?cursor=garbage", &Auth::Anonymous)
        .await
        .expect_error(400, "cursor_invalid", Some("cursor"));
    let replies = app
        .get("/api/v1/organisations?q=%25", &Auth::Anonymous)
        .await;
    replies.expect(200);
    assert_eq!(
        replies.body["total"], 0,
        "`%` is matched literally, not as a wildcard"
    );
    let request_id = app.get("/api/v1/nothing-here", &Auth::Anonymous).await;
    assert!(
        request_id
            .header("x-request-id")
            .is_some_and(|id| id.len() >= 16)
    );
    app.stop().await;
}

async fn pagination_and_filters(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, owner) = app.account("owner@many.example").await;
    let organisation = app.organisation(&owner, "Many Listings").await;
    for index in 0..5 {
        let kind = if index % 2 == 0 {
            "expertise"
        } else {
            "facility"
        };
        app.published_listing(&owner, &organisation, kind, &format!("Listing {index}"))
            .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/listings?limit=2&cursor={cursor}"),
            None => "/api/v1/listings?limit=2".to_owned(),
        };
        let page = app.get(&path, &Auth::Anonymous).await;
        page.expect(200);
        assert_eq!(page.body["total"], 5);
        for item in page.body["items"].as_array().cloned().unwrap_or_default() {
            seen.push(item["title"].as_str().unwrap_or_default().to_owned());
        }
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            "Listing 4",
            "Listing 3",
            "Listing 2",
            "Listing 1",
            "Listing 0"
        ],
        "newest first, each once"
    );
    let facilities = app
        .get("/api/v1/listings?kind=facility", &Auth::Anonymous)
        .await;
    assert_eq!(facilities.body["total"], 2);
    let universities = app
        .get(
            "/api/v1/organisations?kind=university&q=many",
            &Auth::Anonymous,
        )
        .await;
    universities.expect(200);
    assert_eq!(universities.body["total"], 1);
    let firms = app
        .get("/api/v1/organisations?kind=firm", &Auth::Anonymous)
        .await;
    assert_eq!(firms.body["total"], 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_sign_up_are_rate_limited_per_address() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.auth_attempts_per_minute = 3
    })
    .await
    else {
        return;
    };
    let wrong = json!({"email": "nobody@example.org", "password": "not the password"});
    for _ in 0..3 {
        app.post("/api/v1/session", &Auth::Anonymous, &wrong)
            .await
            .expect_error(401, "credentials_invalid", None);
    }
    let limited = app.post("/api/v1/session", &Auth::Anonymous, &wrong).await;
    limited.expect_error(429, "rate_limited", None);
    let signup = json!({"email": "late@example.org", "display_name": "Late", "password": "correct horse battery"});
    app.post("/api/v1/accounts", &Auth::Anonymous, &signup)
        .await
        .expect_error(429, "rate_limited", None);
    // Other endpoints are not affected.
    app.get("/api/v1/listings", &Auth::Anonymous)
        .await
        .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_errors_are_generic_and_carry_the_request_id() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let (_, owner) = app.account("owner@broken.example").await;
    let organisation = app.organisation(&owner, "Broken Data Ltd").await;
    let id = app
        .draft_listing(&owner, &organisation, "expertise", "Corrupted later")
        .await
        .id();
    // Damage the stored row behind the server's back, as a bad manual edit would.
    {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(app.database_url.as_str())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        db.execute_unprepared(&format!(
            "UPDATE listing SET details = 'not json' WHERE id = '{id}'"
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let _ = db.close().await;
    }
    let reply = app.get(&format!("/api/v1/listings/{id}"), &owner).await;
    reply.expect_error(500, "internal", None);
    let request_id = reply.body["request_id"].as_str().unwrap_or_default();
    assert_eq!(reply.header("x-request-id"), Some(request_id));
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains(request_id)
    );
    assert!(
        !reply.text.contains("json") && !reply.text.contains("details"),
        "no internals leak: {}",
        reply.text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_deployments_get_secure_host_only_cookies() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.public_url = Some("https://ponte.example.eu".into())
    })
    .await
    else {
        return;
    };
    app.account("secure@example.org").await;
    let reply = app
        .post(
            "/api/v1/session",
            &Auth::Anonymous,
            &json!({"email": "secure@example.org", "password": "correct horse battery"}),
        )
        .await;
    reply.expect(200);
    let cookie = reply.header("set-cookie").unwrap_or_default().to_owned();
    assert!(
        cookie.starts_with("__Host-ponte_session=")
            && cookie.contains("; Secure")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = Auth::Cookie(cookie.split(';').next().unwrap_or_default().to_owned());
    app.get("/api/v1/me", &session).await.expect(200);
    let spec = app.get("/api/openapi.json", &Auth::Anonymous).await;
    assert_eq!(
        spec.body["servers"][0]["url"], "https://ponte.example.eu/api/v1",
        "links use PONTE_PUBLIC_URL"
    );
    app.stop().await;
}
