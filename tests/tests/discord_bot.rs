//! The Discord bot end to end, inside the real server, against the Discord stand-in on
//! loopback: it connects and registers its commands, answers `/find` with cards and
//! buttons, links an account with a one-time code, saves a search from a button,
//! requests an introduction through a form, answers direct messages, and pushes a
//! digest when a matching listing is published — honouring 429s and 5xx on the way.
//! Without a token nothing Discord-related starts and Discord messages wait.

use serde_json::{Value, json};
use std::time::Duration;
use tests::discord_standin::{
    APPLICATION_ID, DiscordStandIn, Failure, Place, Recorded, dm_channel_of,
};
use tests::{Auth, Backend, TestApp, on_both_backends};

const TOKEN: &str = "standin-token";
const WAIT: Duration = Duration::from_secs(60);

on_both_backends! {
    discord_bot_answers_links_saves_and_pushes => answers_links_saves_and_pushes;
    discord_circle_channel_gets_the_circles_matches => circle_channel_gets_the_circles_matches;
}

async fn bot_app(backend: Backend, stand_in: &DiscordStandIn) -> Option<TestApp> {
    let api_base = stand_in.api_base.clone();
    TestApp::spawn_with(backend, move |settings| {
        settings.discord_token = Some(TOKEN.into());
        settings.discord_api_base = Some(api_base);
        settings.delivery_retry_base_ms = 100;
    })
    .await
}

fn dm_place(user: u64) -> Place {
    Place {
        user_id: user.to_string(),
        channel_id: dm_channel_of(&user.to_string()).to_string(),
        guild_id: None,
    }
}

async fn response_to(stand_in: &DiscordStandIn, skip: usize, token: &str) -> (Recorded, Recorded) {
    let callback = stand_in
        .wait_for_request(skip, WAIT, |r| {
            r.method == "POST" && r.path.ends_with(&format!("/{token}/callback"))
        })
        .await
        .unwrap_or_else(|| panic!("no interaction callback for {token}"));
    let follow_up = stand_in
        .wait_for_request(skip, WAIT, |r| {
            r.path
                .contains(&format!("/webhooks/{APPLICATION_ID}/{token}"))
        })
        .await
        .unwrap_or_else(|| panic!("no follow-up for {token}"));
    (callback, follow_up)
}

fn custom_ids(message: &Value) -> Vec<String> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|button| button["custom_id"].as_str().map(str::to_owned))
        .collect()
}

fn assert_no_mentions(body: &Value) {
    assert_eq!(
        body["allowed_mentions"]["parse"],
        json!([]),
        "mentions must be off: {body}"
    );
}

async fn wait_searchable(app: &TestApp, auth: &Auth, query: &str, listing_id: &str) {
    for _ in 0..200 {
        let found = app.get(&format!("/api/v1/search?q={query}"), auth).await;
        if found.text.contains(listing_id) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{listing_id} never became searchable for {query}");
}

async fn answers_links_saves_and_pushes(backend: Backend) {
    let stand_in = DiscordStandIn::start().await;
    let Some(app) = bot_app(backend, &stand_in).await else {
        return;
    };
    assert!(
        stand_in.wait_for_identify(1, WAIT).await,
        "the bot never identified on the stand-in's gateway"
    );
    let identify = &stand_in.identifies().await[0];
    assert!(
        identify["token"]
            .as_str()
            .is_some_and(|t| t.contains(TOKEN)),
        "{identify}"
    );
    let intents = identify["intents"].as_u64().unwrap_or(0);
    assert_ne!(intents & (1 << 12), 0, "DIRECT_MESSAGES intent: {intents}");

    // The commands, registered in one bulk overwrite, described for users.
    let registered = stand_in
        .wait_for_request(0, WAIT, |r| {
            r.method == "PUT"
                && r.path == format!("/api/v10/applications/{APPLICATION_ID}/commands")
        })
        .await
        .unwrap_or_else(|| panic!("the commands were never registered"));
    let commands = registered.body.as_array().cloned().unwrap_or_default();
    let mut names: Vec<&str> = commands.iter().filter_map(|c| c["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "circle",
            "expert",
            "facility",
            "find",
            "help",
            "link",
            "space",
            "subscribe",
            "subscriptions",
            "unsubscribe"
        ]
    );
    for command in &commands {
        let description = command["description"].as_str().unwrap_or_default();
        assert!(
            (10..=100).contains(&description.chars().count()),
            "{command}"
        );
    }
    let circle = commands
        .iter()
        .find(|c| c["name"] == "circle")
        .cloned()
        .unwrap_or_default();
    let mut subcommands: Vec<&str> = circle["options"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["type"] == 1)
        .filter_map(|o| o["name"].as_str())
        .collect();
    subcommands.sort_unstable();
    assert_eq!(
        subcommands,
        ["create", "join", "leave", "link-channel", "subscribe"]
    );

    // A university publishes a facility.
    let (_, university) = app.account("tto@uni.example").await;
    let organisation = app.organisation(&university, "Università di Prova").await;
    let rig = app
        .published_listing(
            &university,
            &organisation,
            "facility",
            "Fatigue testing of carbon-fibre parts",
        )
        .await;
    wait_searchable(&app, &university, "fatigue", &rig).await;

    // A firm owner asks the bot, not yet linked.
    let user = 1_300_000_000_000_000_101_u64;
    let place = dm_place(user);
    let skip = stand_in.requests().await.len();
    let token = stand_in
        .slash_command(
            &place,
            "find",
            json!([{"name": "question", "type": 3, "value": "who can do fatigue testing of carbon-fibre parts near Bologna?"}]),
        )
        .await;
    let (callback, answer) = response_to(&stand_in, skip, &token).await;
    assert_eq!(
        callback.body["type"], 5,
        "deferred first: {}",
        callback.body
    );
    let content = answer.body["content"].as_str().unwrap_or_default();
    assert!(
        content.contains("Bologna"),
        "says how it understood: {content}"
    );
    let first = &answer.body["embeds"][0];
    assert!(
        first["title"]
            .as_str()
            .is_some_and(|t| t.contains("Fatigue testing of carbon-fibre parts")),
        "{}",
        answer.body
    );
    assert!(
        first["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/listings/{rig}")))
    );
    assert_no_mentions(&answer.body);
    let buttons = custom_ids(&answer.body);
    let save = buttons
        .iter()
        .find(|id| id.starts_with("ponte:save:"))
        .cloned()
        .unwrap_or_else(|| panic!("no save button: {buttons:?}"));
    assert!(
        buttons.contains(&format!("ponte:intro:{rig}")),
        "{buttons:?}"
    );

    // Saving needs an account: the bot says how to link one.
    let skip = stand_in.requests().await.len();
    let token = stand_in.press_button(&place, &save).await;
    let (callback, reply) = response_to(&stand_in, skip, &token).await;
    assert_eq!(callback.body["type"], 5);
    assert!(
        reply.body["content"]
            .as_str()
            .is_some_and(|c| c.contains("/link")),
        "{}",
        reply.body
    );

    // The firm links its account with a one-time code from the API.
    let (_, firm) = app.account("owner@firm.example").await;
    let issued = app
        .post("/api/v1/me/discord-link-code", &firm, &json!({}))
        .await;
    issued.expect(200);
    let code = issued.body["code"].as_str().unwrap_or_default().to_owned();
    let skip = stand_in.requests().await.len();
    let token = stand_in
        .slash_command(
            &place,
            "link",
            json!([{"name": "code", "type": 3, "value": code}]),
        )
        .await;
    let (_, linked) = response_to(&stand_in, skip, &token).await;
    assert!(
        linked.body["content"]
            .as_str()
            .is_some_and(|c| c.starts_with("Linked")),
        "{}",
        linked.body
    );
    let me = app.get("/api/v1/me/discord", &firm).await;
    assert_eq!(me.body["discord_user_id"], json!(user.to_string()));
    // The code worked once.
    let skip = stand_in.requests().await.len();
    let token = stand_in
        .slash_command(
            &place,
            "link",
            json!([{"name": "code", "type": 3, "value": code}]),
        )
        .await;
    let (_, again) = response_to(&stand_in, skip, &token).await;
    assert!(
        again.body["content"]
            .as_str()
            .is_some_and(|c| c.starts_with("Sorry")),
        "{}",
        again.body
    );

    // Now the button saves the search, delivering to Discord.
    let skip = stand_in.requests().await.len();
    let token = stand_in.press_button(&place, &save).await;
    let (_, saved) = response_to(&stand_in, skip, &token).await;
    assert!(
        saved.body["content"]
            .as_str()
            .is_some_and(|c| c.starts_with("Saved")),
        "{}",
        saved.body
    );
    let subscriptions = app.get("/api/v1/subscriptions", &firm).await;
    assert_eq!(
        subscriptions.body["items"][0]["channel"], "discord_dm",
        "{}",
        subscriptions.text
    );

    // A matching listing appears: it is pushed to the firm owner's DMs.
    let skip = stand_in.requests().await.len();
    let drones = app
        .published_listing(
            &university,
            &organisation,
            "facility",
            "Fatigue testing of carbon-fibre parts for drone frames",
        )
        .await;
    let dm_channel = dm_channel_of(&user.to_string());
    let opened = stand_in
        .wait_for_request(skip, WAIT, |r| r.path == "/api/v10/users/@me/channels")
        .await
        .unwrap_or_else(|| panic!("no DM channel opened"));
    assert_eq!(opened.body["recipient_id"], json!(user.to_string()));
    let pushed = stand_in
        .wait_for_request(skip, WAIT, |r| {
            r.path == format!("/api/v10/channels/{dm_channel}/messages")
        })
        .await
        .unwrap_or_else(|| panic!("no digest pushed"));
    assert!(
        pushed.body["embeds"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["url"]
                .as_str()
                .is_some_and(|u| u.ends_with(&format!("/listings/{drones}")))),
        "{}",
        pushed.body
    );
    assert_no_mentions(&pushed.body);
    assert_eq!(pushed.body["enforce_nonce"], true);
    assert!(pushed.body["nonce"].as_str().is_some_and(|n| n.len() <= 25));
    assert!(
        pushed.body["content"]
            .as_str()
            .is_some_and(|c| c.contains("/unsubscribe/"))
    );
    assert_eq!(pushed.authorization.as_deref(), Some("Bot standin-token"));

    // "Request introduction" opens a form; sending it makes the request for the firm.
    // The university's member has linked Discord, to hear of requests there.
    let member = 1_300_000_000_000_000_102_u64;
    link_account(&app, &university, member).await;
    app.post(
        "/api/v1/organisations",
        &firm,
        &json!({"kind": "firm", "name": "Officina Rossi", "country": "IT", "city": "Modena",
                "contact_email": "info@rossi.example"}),
    )
    .await
    .expect(201);
    let skip = stand_in.requests().await.len();
    let token = stand_in
        .press_button(&place, &format!("ponte:intro:{rig}"))
        .await;
    let form = stand_in
        .wait_for_request(skip, WAIT, |r| {
            r.path.ends_with(&format!("/{token}/callback"))
        })
        .await
        .unwrap_or_else(|| panic!("no form"));
    assert_eq!(form.body["type"], 9, "{}", form.body);
    let form_id = form.body["data"]["custom_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let skip = stand_in.requests().await.len();
    let token = stand_in
        .submit_modal(
            &place,
            &form_id,
            &[(
                "message",
                "We need fatigue tests on 20 carbon-fibre brackets by March.",
            )],
        )
        .await;
    let notice_from = skip;
    let sent = stand_in
        .wait_for_request(skip, WAIT, |r| {
            r.path.ends_with(&format!("/{token}/callback"))
        })
        .await
        .unwrap_or_else(|| panic!("no answer to the form"));
    assert!(
        sent.body["data"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("on its way")),
        "{}",
        sent.body
    );
    let introductions = app.get("/api/v1/introductions", &firm).await;
    assert_eq!(
        introductions.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        introductions.text
    );
    let introduction = introductions.body[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // The university's member linked on Discord hears of it, with buttons to answer.
    let notice = stand_in
        .wait_for_request(notice_from, WAIT, |r| {
            r.path
                == format!(
                    "/api/v10/channels/{}/messages",
                    dm_channel_of(&member.to_string())
                )
        })
        .await
        .unwrap_or_else(|| panic!("the organisation's member was not told"));
    assert_no_mentions(&notice.body);
    let answers = custom_ids(&notice.body);
    assert!(
        answers.contains(&format!("ponte:intro-accept:{introduction}"))
            && answers.contains(&format!("ponte:intro-decline:{introduction}")),
        "{answers:?}"
    );
    assert!(
        !notice.body.to_string().contains("Officina Rossi"),
        "the firm stays anonymous until accepted"
    );
    let member_place = dm_place(member);
    let skip = stand_in.requests().await.len();
    let token = stand_in
        .press_button(
            &member_place,
            &format!("ponte:intro-decline:{introduction}"),
        )
        .await;
    let reasons = stand_in
        .wait_for_request(skip, WAIT, |r| {
            r.path.ends_with(&format!("/{token}/callback"))
        })
        .await
        .unwrap_or_else(|| panic!("no decline reasons"));
    assert_eq!(
        custom_ids(&reasons.body["data"]).len(),
        6,
        "{}",
        reasons.body
    );
    let skip = stand_in.requests().await.len();
    let token = stand_in
        .press_button(&member_place, &format!("ponte:intro-accept:{introduction}"))
        .await;
    let accepted = stand_in
        .wait_for_request(skip, WAIT, |r| {
            r.path.ends_with(&format!("/{token}/callback"))
        })
        .await
        .unwrap_or_else(|| panic!("no answer to accept"));
    assert!(
        accepted.body["data"]["content"]
            .as_str()
            .is_some_and(|c| c.starts_with("Accepted") && c.contains("Officina Rossi")),
        "{}",
        accepted.body
    );
    let seen = app
        .get(&format!("/api/v1/introductions/{introduction}"), &firm)
        .await;
    assert_eq!(seen.body["status"], "accepted", "{}", seen.text);

    // Plain words in a direct message get an answer too.
    let skip = stand_in.requests().await.len();
    stand_in
        .direct_message(
            &place,
            "cerco prove di fatica su fibra di carbonio a Bologna",
        )
        .await;
    let answered = stand_in
        .wait_for_request(skip, WAIT, |r| {
            r.path == format!("/api/v10/channels/{}/messages", place.channel_id)
                && r.body["embeds"].as_array().is_some_and(|e| !e.is_empty())
        })
        .await
        .unwrap_or_else(|| panic!("no answer to a direct message"));
    assert_no_mentions(&answered.body);

    // Nothing went to a route the stand-in does not know, and REST calls carry the token.
    for request in stand_in.requests().await {
        assert_ne!(
            request.status, 404,
            "unknown route {} {}",
            request.method, request.path
        );
        if !request.path.contains("/interactions/") && !request.path.contains("/webhooks/") {
            assert_eq!(
                request.authorization.as_deref(),
                Some("Bot standin-token"),
                "{}",
                request.path
            );
        }
    }
    app.stop().await;
}

/// A new firm account linked to the Discord user `user`.
async fn linked_firm(app: &TestApp, user: u64) -> Auth {
    let (_, firm) = app.account(&format!("{user}@firm.example")).await;
    link_account(app, &firm, user).await;
    firm
}

/// Links the account behind `auth` to the Discord user `user`, as `/link CODE` does.
async fn link_account(app: &TestApp, auth: &Auth, user: u64) {
    let issued = app
        .post("/api/v1/me/discord-link-code", auth, &json!({}))
        .await;
    issued.expect(200);
    let code = issued.body["code"].as_str().unwrap_or_default().to_owned();
    let hub = app.hub().await;
    hub.link_discord_user(&code, &user.to_string())
        .await
        .unwrap_or_else(|error| panic!("link: {error}"));
    let _ = hub.close().await;
}

/// Links `user` to a new firm account and saves a search for `query` delivered to
/// Discord direct messages.
async fn linked_firm_saving(app: &TestApp, user: u64, query: &str) -> Auth {
    let firm = linked_firm(app, user).await;
    app.post(
        "/api/v1/subscriptions",
        &firm,
        &json!({"search": {"q": query}, "frequency": "instant", "channel": "discord_dm"}),
    )
    .await
    .expect(201);
    firm
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_pushes_get_through_route_and_global_429s_and_5xx() {
    let stand_in = DiscordStandIn::start().await;
    let Some(app) = bot_app(Backend::Sqlite, &stand_in).await else {
        return;
    };
    assert!(stand_in.wait_for_identify(1, WAIT).await);
    let user = 1_300_000_000_000_000_202_u64;
    linked_firm_saving(&app, user, "spectroscopy").await;
    let (_, university) = app.account("lab@uni.example").await;
    let organisation = app.organisation(&university, "Laboratorio di Prova").await;
    stand_in
        .fail_next_message_posts(&[
            Failure::RouteLimited { retry_after: 0.4 },
            Failure::ServerError,
            Failure::GlobalLimited { retry_after: 0.4 },
        ])
        .await;
    app.published_listing(
        &university,
        &organisation,
        "facility",
        "Raman spectroscopy for polymer films",
    )
    .await;
    let channel = format!(
        "/api/v10/channels/{}/messages",
        dm_channel_of(&user.to_string())
    );
    let delivered = stand_in
        .wait_for_request(0, WAIT, |r| r.path == channel && r.status == 200)
        .await
        .unwrap_or_else(|| panic!("the digest never got through"));
    assert!(
        delivered.body["embeds"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("Raman"))
    );
    // Give a duplicate the chance to appear before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let posts: Vec<Recorded> = stand_in
        .requests()
        .await
        .into_iter()
        .filter(|r| r.path == channel)
        .collect();
    let statuses: Vec<u16> = posts.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [429, 502, 429, 200],
        "one message, retried until accepted"
    );
    // Never sooner than Discord asked.
    assert!(posts[1].at - posts[0].at >= Duration::from_millis(400));
    assert!(posts[3].at - posts[2].at >= Duration::from_millis(400));
    // The same message each time (one nonce), so Discord can drop a duplicate.
    assert!(
        posts
            .iter()
            .all(|p| p.body["nonce"] == posts[0].body["nonce"])
    );
    let dm_opened = stand_in
        .requests()
        .await
        .iter()
        .filter(|r| r.path == "/api/v10/users/@me/channels")
        .count();
    assert_eq!(dm_opened, 1, "the DM channel is looked up once");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_is_off_without_a_token_and_its_messages_wait() {
    let stand_in = DiscordStandIn::start().await;
    let Some(mut app) = bot_app(Backend::Sqlite, &stand_in).await else {
        return;
    };
    assert!(stand_in.wait_for_identify(1, WAIT).await);
    let user = 1_300_000_000_000_000_303_u64;
    let firm = linked_firm_saving(&app, user, "tribology").await;

    // Without a token: no bot, Discord cannot be chosen, and messages wait.
    app.restart_with(|settings| settings.delivery_retry_base_ms = 100)
        .await;
    let refused = app
        .post(
            "/api/v1/subscriptions",
            &firm,
            &json!({"search": {"q": "welding"}, "frequency": "instant", "channel": "discord_dm"}),
        )
        .await;
    refused.expect_error(400, "discord_not_configured", Some("channel"));
    let (_, university) = app.account("wear@uni.example").await;
    let organisation = app.organisation(&university, "Laboratorio di Usura").await;
    let listing = app
        .published_listing(
            &university,
            &organisation,
            "facility",
            "Tribology bench for coatings",
        )
        .await;
    wait_searchable(&app, &university, "tribology", &listing).await;
    let before = stand_in.requests().await.len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let identifies = stand_in.identifies().await.len();
    assert_eq!(identifies, 1, "no bot runs without a token");
    assert_eq!(
        stand_in.requests().await.len(),
        before,
        "nothing talks to Discord"
    );

    // With the token back, the waiting message goes out.
    let api_base = stand_in.api_base.clone();
    app.restart_with(move |settings| {
        settings.discord_token = Some(TOKEN.into());
        settings.discord_api_base = Some(api_base);
    })
    .await;
    let channel = format!(
        "/api/v10/channels/{}/messages",
        dm_channel_of(&user.to_string())
    );
    let delivered = stand_in
        .wait_for_request(before, WAIT, |r| r.path == channel && r.status == 200)
        .await
        .unwrap_or_else(|| panic!("the waiting message never went out"));
    assert!(
        delivered.body["embeds"][0]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/listings/{listing}")))
    );
    app.stop().await;
}

#[tokio::test]
async fn discord_requests_never_reach_discord_com_when_a_stand_in_is_set() {
    let settings = bot::discord::DiscordSettings {
        token: TOKEN.into(),
        api_base: Some("http://127.0.0.1:1".into()),
        public_url: "http://127.0.0.1:8080".into(),
    };
    let client = bot::discord::rest_client(&settings).unwrap_or_else(|error| panic!("{error}"));
    for url in [
        "https://discord.com/api/v10/gateway",
        "https://gateway.discord.gg/",
        "https://cdn.discordapp.com/",
    ] {
        let attempt = client.get(url).send().await;
        match attempt {
            Ok(response) => panic!("{url} answered {}", response.status()),
            Err(error) => assert!(error.is_connect(), "{url}: {error}"),
        }
    }
}

async fn command_reply(
    stand_in: &DiscordStandIn,
    place: &Place,
    name: &str,
    options: Value,
) -> String {
    let skip = stand_in.requests().await.len();
    let token = stand_in.slash_command(place, name, options).await;
    let callback = stand_in
        .wait_for_request(skip, WAIT, |r| {
            r.path.ends_with(&format!("/{token}/callback"))
        })
        .await
        .unwrap_or_else(|| panic!("no answer to /{name}"));
    // Quick answers come at once; slow work is deferred and followed up.
    let reply = if callback.body["type"] == 4 {
        callback.body["data"].clone()
    } else {
        assert_eq!(callback.body["type"], 5, "deferred: {}", callback.body);
        response_to(stand_in, skip, &token).await.1.body
    };
    assert_no_mentions(&reply);
    reply["content"].as_str().unwrap_or_default().to_owned()
}

async fn circle_channel_gets_the_circles_matches(backend: Backend) {
    let stand_in = DiscordStandIn::start().await;
    let Some(app) = bot_app(backend, &stand_in).await else {
        return;
    };
    assert!(stand_in.wait_for_identify(1, WAIT).await);
    let facilitator_user = 1_300_000_000_000_000_404_u64;
    let member_user = 1_300_000_000_000_000_405_u64;
    let facilitator = linked_firm(&app, facilitator_user).await;
    linked_firm(&app, member_user).await;
    let channel = 1_300_000_000_000_000_900_u64;
    let in_guild = Place {
        user_id: facilitator_user.to_string(),
        channel_id: channel.to_string(),
        guild_id: Some("1300000000000000999".into()),
    };

    let help = command_reply(&stand_in, &in_guild, "help", json!([])).await;
    assert!(
        help.contains("/find") && help.contains("/link CODE"),
        "{help}"
    );

    let created = command_reply(
        &stand_in,
        &in_guild,
        "circle",
        json!([{"name": "create", "type": 1, "options": [
            {"name": "name", "type": 3, "value": "Carbon composites circle"}
        ]}]),
    )
    .await;
    let code = created
        .split("/circle join ")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("no invitation code in {created}"))
        .to_owned();
    let joined = command_reply(
        &stand_in,
        &dm_place(member_user),
        "circle",
        json!([{"name": "join", "type": 1, "options": [{"name": "code", "type": 3, "value": code}]}]),
    )
    .await;
    assert!(joined.starts_with("Welcome"), "{joined}");
    let linked = command_reply(
        &stand_in,
        &in_guild,
        "circle",
        json!([{"name": "link-channel", "type": 1, "options": []}]),
    )
    .await;
    assert!(linked.starts_with("This channel is now"), "{linked}");
    let saved = command_reply(
        &stand_in,
        &in_guild,
        "circle",
        json!([{"name": "subscribe", "type": 1, "options": [
            {"name": "question", "type": 3, "value": "autoclave curing of carbon fibre"}
        ]}]),
    )
    .await;
    assert!(saved.contains("posted in its channel"), "{saved}");
    let subscriptions = app.get("/api/v1/subscriptions", &facilitator).await;
    let saved_search = &subscriptions.body["items"][0];
    assert_eq!(
        saved_search["channel"], "discord_channel",
        "{}",
        subscriptions.text
    );
    assert!(saved_search["circle_id"].is_string());
    let id = saved_search["id"].as_str().unwrap_or_default().to_owned();

    let listed = command_reply(&stand_in, &in_guild, "subscriptions", json!([])).await;
    assert!(
        listed.contains(&id) && listed.contains("discord_channel"),
        "{listed}"
    );

    // A matching listing is posted in the circle's channel.
    let (_, university) = app.account("composites@uni.example").await;
    let organisation = app.organisation(&university, "Centro Compositi").await;
    let skip = stand_in.requests().await.len();
    let autoclave = app
        .published_listing(
            &university,
            &organisation,
            "facility",
            "Autoclave curing of carbon fibre laminates",
        )
        .await;
    let posted = stand_in
        .wait_for_request(skip, WAIT, |r| {
            r.path == format!("/api/v10/channels/{channel}/messages") && r.status == 200
        })
        .await
        .unwrap_or_else(|| panic!("nothing posted in the circle's channel"));
    assert!(
        posted.body["embeds"][0]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/listings/{autoclave}"))),
        "{}",
        posted.body
    );
    assert_no_mentions(&posted.body);

    let stopped = command_reply(
        &stand_in,
        &in_guild,
        "unsubscribe",
        json!([{"name": "id", "type": 3, "value": id}]),
    )
    .await;
    assert!(stopped.starts_with("Done"), "{stopped}");
    let subscriptions = app.get("/api/v1/subscriptions", &facilitator).await;
    assert_eq!(subscriptions.body["items"], json!([]));
    app.stop().await;
}
