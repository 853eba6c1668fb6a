//! Linking a Discord user to a Ponte account with a one-time code, on SQLite and
//! PostgreSQL: the code works once, only for a while, and the link can be moved or
//! removed.

use serde_json::json;
use tests::{Auth, Backend, TestApp, on_both_backends};

on_both_backends! {
    discord_link_codes_work_once => link_codes;
}

async fn link_codes(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (account_id, auth) = app.account("owner@firm.example").await;
    app.post("/api/v1/me/discord-link-code", &Auth::Anonymous, &json!({}))
        .await
        .expect(401);
    let issued = app
        .post("/api/v1/me/discord-link-code", &auth, &json!({}))
        .await;
    issued.expect(200);
    let code = issued.body["code"].as_str().unwrap_or_default().to_owned();
    assert_eq!(code.len(), 8, "{}", issued.text);
    assert!(
        issued.body["how"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("/link {code}"))
    );
    let unlinked = app.get("/api/v1/me/discord", &auth).await;
    assert_eq!(
        unlinked.body,
        json!({"linked": false, "discord_user_id": null})
    );

    let hub = app.hub().await;
    let bad = hub
        .link_discord_user("ZZZZZZZZ", "123456789012345678")
        .await;
    assert_eq!(bad.err().map(|e| e.code), Some("link_code_invalid"));
    // Typed in lower case with a space: still the code.
    let typed = format!(" {} ", code.to_lowercase());
    let principal = hub
        .link_discord_user(&typed, "123456789012345678")
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(principal.account_id, account_id);
    let again = hub.link_discord_user(&code, "999").await;
    assert_eq!(
        again.err().map(|e| e.code),
        Some("link_code_invalid"),
        "single use"
    );
    assert_eq!(
        hub.discord_principal("123456789012345678")
            .await
            .unwrap_or_else(|error| panic!("{error}"))
            .map(|p| p.account_id),
        Some(account_id.clone())
    );
    let linked = app.get("/api/v1/me/discord", &auth).await;
    assert_eq!(linked.body["linked"], true);
    assert_eq!(linked.body["discord_user_id"], "123456789012345678");

    // A new code moves the link to another Discord user.
    let second = app
        .post("/api/v1/me/discord-link-code", &auth, &json!({}))
        .await;
    let second = second.body["code"].as_str().unwrap_or_default().to_owned();
    hub.link_discord_user(&second, "223456789012345678")
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        hub.discord_principal("123456789012345678")
            .await
            .unwrap_or_else(|error| panic!("{error}"))
            .is_none()
    );
    let bad_user = hub.link_discord_user("ABCDEFGH", "not-a-snowflake").await;
    assert_eq!(bad_user.err().map(|e| e.code), Some("discord_id_invalid"));

    app.delete("/api/v1/me/discord", &auth).await.expect(204);
    assert!(
        hub.discord_principal("223456789012345678")
            .await
            .unwrap_or_else(|error| panic!("{error}"))
            .is_none()
    );
    let _ = hub.close().await;
    app.stop().await;
}
