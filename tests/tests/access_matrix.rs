//! The access matrix, generated from the served OpenAPI spec and the declared policies:
//! every operation is called as every caller its policy excludes — with its documented
//! example body and with garbage — and must be refused without changing anything. An
//! operation added later without a policy fails here.

use domain::Access;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Auth, Backend, Reply, TestApp, on_both_backends};

on_both_backends! {
    every_operation_refuses_the_callers_its_policy_excludes => access_matrix;
}

struct Fixture {
    owner_id: String,
    owner: Auth,
    editor: Auth,
    stranger: Auth,
    organisation: String,
    draft: String,
    published: String,
    token_id: String,
    circle: String,
    subscription: String,
    firm: Auth,
    introduction: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let (owner_id, owner) = app.account("owner@a.example").await;
    let (_, editor) = app.account("editor@a.example").await;
    let (_, stranger) = app.account("owner@b.example").await;
    let organisation = app.organisation(&owner, "Organisation A").await;
    app.organisation(&stranger, "Organisation B").await;
    app.post(
        &format!("/api/v1/organisations/{organisation}/members"),
        &owner,
        &json!({"email": "editor@a.example", "role": "editor"}),
    )
    .await
    .expect(200);
    let draft = app
        .draft_listing(&owner, &organisation, "expertise", "Draft of A")
        .await
        .id();
    let published = app
        .published_listing(&owner, &organisation, "facility", "Published of A")
        .await;
    let token = app
        .post("/api/v1/tokens", &owner, &json!({"name": "second"}))
        .await;
    token.expect(201);
    // The owner facilitates a circle the editor has joined; the stranger is in neither.
    let circle = app
        .post("/api/v1/circles", &owner, &json!({"name": "Circle A"}))
        .await;
    circle.expect(201);
    let code = circle.body["invite_code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.post("/api/v1/circles/join", &editor, &json!({"code": code}))
        .await
        .expect(200);
    let subscription = app
        .post(
            "/api/v1/subscriptions",
            &owner,
            &json!({"search": {"q": "microscopy"}, "frequency": "instant", "channel": "inbox"}),
        )
        .await;
    subscription.expect(201);
    // A firm asks organisation A for an introduction to its published listing.
    let (_, firm) = app.account("member@firm-c.example").await;
    app.post(
        "/api/v1/organisations",
        &firm,
        &json!({"kind": "firm", "name": "Firm C", "country": "IT"}),
    )
    .await
    .expect(201);
    let introduction = app
        .post(
            &format!("/api/v1/listings/{published}/introductions"),
            &firm,
            &json!({"message": "We need tests."}),
        )
        .await;
    introduction.expect(201);
    Fixture {
        firm,
        introduction: introduction.id(),
        circle: circle.id(),
        subscription: subscription.id(),
        owner_id,
        owner,
        editor,
        stranger,
        organisation,
        draft,
        published,
        token_id: token.id(),
    }
}

/// Everything the owner can see, to prove a refused call changed nothing.
async fn snapshot(app: &TestApp, f: &Fixture) -> Value {
    let mut state = Vec::new();
    for path in [
        format!("/api/v1/organisations/{}", f.organisation),
        format!("/api/v1/organisations/{}/members", f.organisation),
        format!("/api/v1/listings/{}", f.draft),
        format!("/api/v1/listings/{}", f.published),
        format!("/api/v1/listings?organisation_id={}", f.organisation),
        "/api/v1/tokens".to_owned(),
        "/api/v1/me".to_owned(),
        "/api/v1/organisations".to_owned(),
        format!("/api/v1/circles/{}", f.circle),
        format!("/api/v1/subscriptions/{}", f.subscription),
        "/api/v1/subscriptions".to_owned(),
        format!("/api/v1/introductions/{}", f.introduction),
    ] {
        let reply = app.get(&path, &f.owner).await;
        state.push(json!({"path": path, "status": reply.status, "body": reply.body}));
    }
    // Tokens record their last use; that is not a change made by the refused caller.
    for entry in state.iter_mut() {
        if entry["path"] == "/api/v1/tokens"
            && let Some(tokens) = entry["body"].as_array_mut()
        {
            for token in tokens {
                token["last_used_at"] = Value::Null;
            }
        }
    }
    Value::Array(state)
}

fn example_body(spec: &Value, operation: &Value, fixture: &Fixture) -> Option<Value> {
    let schema = &operation["requestBody"]["content"]["application/json; charset=utf-8"]["schema"];
    let reference = schema["$ref"].as_str()?;
    let name = reference.rsplit('/').next()?;
    let mut example = spec["components"]["schemas"][name]["example"].clone();
    if example.is_null() {
        example = json!({});
    }
    if example.get("organisation_id").is_some() {
        example["organisation_id"] = json!(fixture.organisation);
    }
    Some(example)
}

fn concrete_path(path: &str, fixture: &Fixture) -> String {
    let id = if path.starts_with("/listings/") {
        &fixture.published
    } else if path.starts_with("/tokens/") {
        &fixture.token_id
    } else if path.starts_with("/introductions/") {
        &fixture.introduction
    } else if path.starts_with("/circles/") {
        &fixture.circle
    } else if path.starts_with("/subscriptions/") {
        &fixture.subscription
    } else if path.starts_with("/inbox/") || path.starts_with("/unsubscribe/") {
        // No such item or token: the refusal must come before the lookup anyway.
        "0193a1d2-0000-7000-8000-000000000000"
    } else {
        &fixture.organisation
    };
    format!(
        "/api/v1{}",
        path.replace("{id}", id)
            .replace("{account_id}", &fixture.owner_id)
            .replace("{token}", "ponte_u_unknown")
    )
}

fn refused(reply: &Reply) -> bool {
    matches!(reply.status, 401 | 403 | 404)
}

async fn access_matrix(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let f = fixture(&app).await;
    let spec = app.get("/api/openapi.json", &Auth::Anonymous).await.body;
    let policies = server::api::access_policies();
    let before = snapshot(&app, &f).await;
    let mut checked = 0;
    let mut listed = Vec::new();

    for (path, operations) in spec["paths"].as_object().cloned().unwrap_or_default() {
        for (method, operation) in operations.as_object().cloned().unwrap_or_default() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            listed.push(id.clone());
            let policy = policies
                .iter()
                .find(|(op, _)| *op == id)
                .map(|(_, policy)| *policy)
                .unwrap_or_else(|| panic!("{method} {path} ({id}) declares no access policy in server::api::access_policies"));
            let description = operation["description"]
                .as_str()
                .unwrap_or_default()
                .replace('\n', " ");
            assert!(
                description.contains(&format!("Access: {}", policy.describe())),
                "{id}: its documentation must state `Access: {}`; it says: {description}",
                policy.describe()
            );
            let method =
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap_or(Method::GET);
            let url = concrete_path(&path, &f);
            let body = example_body(&spec, &operation, &f);
            let version = app
                .get(&format!("/api/v1/listings/{}", f.published), &f.owner)
                .await
                .body["version"]
                .to_string();
            let headers = [("if-match", version.as_str())];

            let mut excluded: Vec<(&str, &Auth)> = Vec::new();
            let anonymous = Auth::Anonymous;
            if policy != Access::Public {
                excluded.push(("anonymous", &anonymous));
            }
            match policy {
                Access::OrganisationMember => {
                    excluded.push(("member of another organisation", &f.stranger))
                }
                Access::OrganisationOwner => {
                    excluded.push(("member of another organisation", &f.stranger));
                    excluded.push(("editor (not owner)", &f.editor));
                }
                Access::Broker => {
                    excluded.push(("non-broker owner", &f.owner));
                    excluded.push(("non-broker", &f.stranger));
                }
                Access::CircleMember | Access::SubscriptionManager => {
                    excluded.push(("outsider", &f.stranger))
                }
                Access::CircleFacilitator => {
                    excluded.push(("outsider", &f.stranger));
                    excluded.push(("member (not facilitator)", &f.editor));
                }
                Access::IntroductionParty => excluded.push(("outsider", &f.stranger)),
                Access::IntroductionOrganisation => {
                    excluded.push(("outsider", &f.stranger));
                    excluded.push(("the firm that asked", &f.firm));
                }
                Access::IntroductionRequester => {
                    excluded.push(("outsider", &f.stranger));
                    excluded.push(("the organisation asked", &f.owner));
                }
                Access::Public | Access::SignedIn => {}
            }
            for (who, auth) in excluded {
                let reply = app
                    .request(method.clone(), &url, auth, body.as_ref(), &headers)
                    .await;
                assert!(
                    refused(&reply),
                    "{id} as {who}: expected a refusal, got {} {}",
                    reply.status,
                    reply.text
                );
                if who == "anonymous" {
                    reply.expect_error(401, "unauthenticated", None);
                    let garbage = app
                        .raw(
                            method.clone(),
                            &url,
                            auth,
                            "application/json",
                            "{\"unexpected\": [".into(),
                        )
                        .await;
                    assert_eq!(
                        garbage.status, 401,
                        "{id}: an anonymous call gets 401 whatever its body: {}",
                        garbage.text
                    );
                }
                checked += 1;
            }
        }
    }
    for (operation, _) in policies {
        assert!(
            listed.iter().any(|id| id == operation),
            "a policy names `{operation}`, which is not in the spec"
        );
    }
    assert!(checked >= 30, "only {checked} refusals were checked");
    let after = snapshot(&app, &f).await;
    assert_eq!(before, after, "a refused call changed something");
    app.stop().await;
}
