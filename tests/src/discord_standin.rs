//! A stand-in for Discord on loopback, for the bot's end-to-end tests: the gateway
//! (HELLO, IDENTIFY → READY, heartbeats, RESUME, dispatches the test injects) over a
//! WebSocket, and the REST routes the bot uses, which it records. The test can make
//! message posts answer 429 (per route or global) or 5xx. Payloads are checked
//! against serenity's own model types (`discord_stand_in_payloads_match_serenity` below).

use futures_util::{SinkExt, StreamExt};
use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response, handler};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Notify, mpsc};
use tokio_tungstenite::tungstenite::Message as Frame;

pub const APPLICATION_ID: u64 = 1_100_000_000_000_000_001;
pub const BOT_USER_ID: u64 = 1_100_000_000_000_000_002;

/// One REST request the bot made.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub authorization: Option<String>,
    pub at: Instant,
    /// What the stand-in answered.
    pub status: u16,
}

/// An answer the stand-in gives a message post instead of accepting it.
#[derive(Debug, Clone, Copy)]
pub enum Failure {
    RouteLimited { retry_after: f64 },
    GlobalLimited { retry_after: f64 },
    ServerError,
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Recorded>>,
    failures: Mutex<VecDeque<Failure>>,
    gateway_url: Mutex<String>,
    /// The open gateway connection's outbox.
    gateway: Mutex<Option<mpsc::UnboundedSender<String>>>,
    identifies: Mutex<Vec<Value>>,
    resumes: AtomicUsize,
    sequence: AtomicU64,
    next_id: AtomicU64,
    changed: Notify,
}

impl Shared {
    fn snowflake(&self) -> u64 {
        1_200_000_000_000_000_000 + self.next_id.fetch_add(1, Ordering::Relaxed)
    }
}

pub struct DiscordStandIn {
    pub api_base: String,
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for DiscordStandIn {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

pub fn user_json(id: u64, name: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(), "username": name, "discriminator": "0", "global_name": name,
        "avatar": null, "bot": bot, "public_flags": 0
    })
}

pub fn ready_json(session: &str, resume_url: &str) -> Value {
    json!({
        "v": 10,
        "user": user_json(BOT_USER_ID, "Ponte", true),
        "guilds": [],
        "session_id": session,
        "resume_gateway_url": resume_url,
        "shard": [0, 1],
        "application": {"id": APPLICATION_ID.to_string(), "flags": 0}
    })
}

/// The bot's own application, as `GET /oauth2/applications/@me` returns it.
pub fn application_json() -> Value {
    json!({
        "id": APPLICATION_ID.to_string(), "name": "Ponte", "icon": null,
        "description": "Ponte's marketplace bot", "bot_public": true,
        "bot_require_code_grant": false, "owner": user_json(BOT_USER_ID + 1, "ponte-team", false),
        "verify_key": "0000", "team": null, "flags": 0,
        "role_connections_verification_url": null, "approximate_guild_count": 1,
        "approximate_user_install_count": 0, "guild": null, "redirect_uris": [],
        "interactions_endpoint_url": null
    })
}

/// A message object as Discord returns it for a post.
pub fn message_json(id: u64, channel_id: &str, body: &Value) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": channel_id,
        "author": user_json(BOT_USER_ID, "Ponte", true),
        "content": body["content"].as_str().unwrap_or(""),
        "timestamp": "2026-11-28T10:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": body["embeds"].as_array().cloned().unwrap_or_default(),
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": body["flags"].as_u64().unwrap_or(0)
    })
}

pub fn dm_channel_json(id: u64, user_id: &str) -> Value {
    json!({
        "id": id.to_string(), "type": 1, "last_message_id": null,
        "recipients": [user_json(user_id.parse().unwrap_or(1), "firm-owner", false)]
    })
}

/// The application commands Discord returns after a bulk overwrite.
pub fn registered_commands_json(request: &Value, mut ids: impl FnMut() -> u64) -> Value {
    let commands = request.as_array().cloned().unwrap_or_default();
    Value::Array(
        commands
            .into_iter()
            .map(|mut command| {
                command["id"] = json!(ids().to_string());
                command["application_id"] = json!(APPLICATION_ID.to_string());
                command["version"] = json!(ids().to_string());
                if command.get("type").is_none() {
                    command["type"] = json!(1);
                }
                if command.get("default_member_permissions").is_none() {
                    command["default_member_permissions"] = Value::Null;
                }
                command
            })
            .collect(),
    )
}

/// Where an interaction happens: a direct message, or a guild channel.
#[derive(Debug, Clone)]
pub struct Place {
    pub user_id: String,
    pub channel_id: String,
    pub guild_id: Option<String>,
}

fn interaction_json(
    id: u64,
    token: &str,
    kind: u8,
    place: &Place,
    data: Value,
    message: Option<Value>,
) -> Value {
    let user = user_json(place.user_id.parse().unwrap_or(1), "firm-owner", false);
    let mut interaction = json!({
        "id": id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "type": kind,
        "token": token,
        "version": 1,
        "locale": "en-GB",
        "channel_id": place.channel_id,
        "data": data,
        "entitlements": [],
        "attachment_size_limit": 8_388_608,
        "app_permissions": "0",
        "authorizing_integration_owners": {},
        "context": if place.guild_id.is_some() { 0 } else { 1 }
    });
    match &place.guild_id {
        Some(guild) => {
            interaction["guild_id"] = json!(guild);
            interaction["member"] = json!({
                "user": user, "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00",
                "deaf": false, "mute": false, "flags": 0, "permissions": "0"
            });
        }
        None => interaction["user"] = user,
    }
    if let Some(message) = message {
        interaction["message"] = message;
    }
    interaction
}

pub fn command_interaction_json(
    id: u64,
    token: &str,
    place: &Place,
    name: &str,
    options: Value,
) -> Value {
    let data = json!({"id": "1", "name": name, "type": 1, "options": options});
    interaction_json(id, token, 2, place, data, None)
}

pub fn button_interaction_json(id: u64, token: &str, place: &Place, custom_id: &str) -> Value {
    let data = json!({"custom_id": custom_id, "component_type": 2});
    let message = message_json(id - 1, &place.channel_id, &json!({"content": "…"}));
    interaction_json(id, token, 3, place, data, Some(message))
}

pub fn modal_interaction_json(
    id: u64,
    token: &str,
    place: &Place,
    custom_id: &str,
    fields: &[(&str, &str)],
) -> Value {
    let rows: Vec<Value> = fields
        .iter()
        .map(|(field, value)| {
            json!({"type": 1, "components": [{"type": 4, "custom_id": field, "value": value}]})
        })
        .collect();
    let data = json!({"custom_id": custom_id, "components": rows});
    interaction_json(id, token, 5, place, data, None)
}

pub fn direct_message_json(id: u64, place: &Place, content: &str) -> Value {
    let mut message = message_json(id, &place.channel_id, &json!({"content": content}));
    message["author"] = user_json(place.user_id.parse().unwrap_or(1), "firm-owner", false);
    message
}

#[handler]
async fn rest(
    request: &Request,
    body: poem::Body,
    shared: poem::web::Data<&Arc<Shared>>,
) -> Response {
    let shared = *shared;
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = body.into_vec().await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let segments: Vec<&str> = path
        .trim_start_matches("/api/v10/")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (status, answer, extra_headers) = route(shared, &method, &segments, &body).await;
    shared.requests.lock().await.push(Recorded {
        method,
        path,
        body,
        authorization,
        at: Instant::now(),
        status: status.as_u16(),
    });
    shared.changed.notify_waiters();
    let mut response = if status == StatusCode::NO_CONTENT {
        Response::builder().status(status).finish()
    } else {
        poem::web::Json(answer).with_status(status).into_response()
    };
    let headers = response.headers_mut();
    for (name, value) in extra_headers {
        if let Ok(value) = poem::http::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

type Answer = (StatusCode, Value, Vec<(&'static str, String)>);

fn limit_headers(remaining: u32) -> Vec<(&'static str, String)> {
    vec![
        ("x-ratelimit-limit", "5".into()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset-after", "0.050".into()),
        ("x-ratelimit-bucket", "standin-bucket".into()),
    ]
}

async fn route(shared: &Arc<Shared>, method: &str, segments: &[&str], body: &Value) -> Answer {
    let ok = |value: Value| (StatusCode::OK, value, limit_headers(4));
    match (method, segments) {
        ("GET", ["gateway"]) | ("GET", ["gateway", "bot"]) => {
            let url = shared.gateway_url.lock().await.clone();
            ok(json!({
                "url": url, "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
            }))
        }
        ("GET", ["oauth2", "applications", "@me"]) => ok(application_json()),
        ("PUT", ["applications", _, "commands"]) => {
            ok(registered_commands_json(body, || shared.snowflake()))
        }
        ("POST", ["interactions", _, _, "callback"]) => {
            (StatusCode::NO_CONTENT, Value::Null, Vec::new())
        }
        ("POST", ["webhooks", _, _]) | ("PATCH", ["webhooks", _, _, "messages", _]) => {
            ok(message_json(shared.snowflake(), "0", body))
        }
        ("POST", ["users", "@me", "channels"]) => {
            let user = body["recipient_id"].as_str().unwrap_or("0").to_owned();
            ok(dm_channel_json(dm_channel_of(&user), &user))
        }
        ("POST", ["channels", channel, "messages"]) => {
            if let Some(failure) = shared.failures.lock().await.pop_front() {
                return match failure {
                    Failure::RouteLimited { retry_after } => (
                        StatusCode::TOO_MANY_REQUESTS,
                        json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": false}),
                        vec![
                            ("retry-after", format!("{}", retry_after.ceil())),
                            ("x-ratelimit-remaining", "0".into()),
                            ("x-ratelimit-reset-after", format!("{retry_after:.3}")),
                            ("x-ratelimit-scope", "user".into()),
                        ],
                    ),
                    Failure::GlobalLimited { retry_after } => (
                        StatusCode::TOO_MANY_REQUESTS,
                        json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": true}),
                        vec![
                            ("retry-after", format!("{}", retry_after.ceil())),
                            ("x-ratelimit-global", "true".into()),
                            ("x-ratelimit-scope", "global".into()),
                        ],
                    ),
                    Failure::ServerError => (
                        StatusCode::BAD_GATEWAY,
                        json!({"message": "502: Bad Gateway", "code": 0}),
                        Vec::new(),
                    ),
                };
            }
            ok(message_json(shared.snowflake(), channel, body))
        }
        _ => (
            StatusCode::NOT_FOUND,
            json!({"message": "404: Not Found", "code": 0}),
            Vec::new(),
        ),
    }
}

/// The direct-message channel the stand-in gives each user: derived from the user id,
/// so the test knows it in advance.
pub fn dm_channel_of(user_id: &str) -> u64 {
    user_id.parse::<u64>().unwrap_or(1).wrapping_add(7)
}

impl DiscordStandIn {
    pub async fn start() -> DiscordStandIn {
        let shared = Arc::new(Shared::default());
        let gateway = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|error| panic!("gateway listener: {error}"));
        let gateway_address = gateway
            .local_addr()
            .unwrap_or_else(|error| panic!("gateway address: {error}"));
        *shared.gateway_url.lock().await = format!("ws://{gateway_address}");
        let rest_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|error| panic!("rest listener: {error}"));
        let rest_address = rest_listener
            .local_addr()
            .unwrap_or_else(|error| panic!("rest address: {error}"));
        drop(rest_listener);
        let app = poem::EndpointExt::data(poem::Route::new().at("/*path", rest), shared.clone());
        let rest_task = tokio::spawn(async move {
            let _ = poem::Server::new(poem::listener::TcpListener::bind(rest_address.to_string()))
                .run(app)
                .await;
        });
        let gateway_shared = shared.clone();
        let gateway_task = tokio::spawn(async move {
            while let Ok((stream, _)) = gateway.accept().await {
                tokio::spawn(serve_gateway(stream, gateway_shared.clone()));
            }
        });
        let stand_in = DiscordStandIn {
            api_base: format!("http://{rest_address}"),
            shared,
            tasks: vec![rest_task, gateway_task],
        };
        // The REST listener was re-bound by poem: wait until it answers.
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if client
                .get(format!("{}/api/v10/gateway", stand_in.api_base))
                .send()
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stand_in.shared.requests.lock().await.clear();
        stand_in
    }
}

async fn serve_gateway(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (mut sink, mut source) = socket.split();
    let (outbox, mut outgoing) = mpsc::unbounded_channel::<String>();
    *shared.gateway.lock().await = Some(outbox.clone());
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41_250}, "s": null, "t": null});
    if sink.send(Frame::text(hello.to_string())).await.is_err() {
        return;
    }
    let url = shared.gateway_url.lock().await.clone();
    loop {
        tokio::select! {
            frame = source.next() => {
                let Some(Ok(frame)) = frame else { break };
                let text = match frame {
                    Frame::Text(text) => text.to_string(),
                    Frame::Close(_) => break,
                    _ => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                match payload["op"].as_u64() {
                    Some(1) => {
                        let _ = outbox.send(json!({"op": 11, "d": null, "s": null, "t": null}).to_string());
                    }
                    Some(2) => {
                        shared.identifies.lock().await.push(payload["d"].clone());
                        let ready = ready_json(&format!("session-{}", shared.snowflake()), &url);
                        let _ = outbox.send(dispatch_frame(&shared, "READY", ready));
                        shared.changed.notify_waiters();
                    }
                    Some(6) => {
                        shared.resumes.fetch_add(1, Ordering::Relaxed);
                        let _ = outbox.send(dispatch_frame(&shared, "RESUMED", json!({})));
                        shared.changed.notify_waiters();
                    }
                    _ => {}
                }
            }
            next = outgoing.recv() => {
                let Some(text) = next else { break };
                if sink.send(Frame::text(text)).await.is_err() {
                    break;
                }
            }
        }
    }
}

fn dispatch_frame(shared: &Shared, event: &str, data: Value) -> String {
    let sequence = shared.sequence.fetch_add(1, Ordering::Relaxed) + 1;
    json!({"op": 0, "t": event, "s": sequence, "d": data}).to_string()
}

impl DiscordStandIn {
    pub fn snowflake(&self) -> u64 {
        self.shared.snowflake()
    }

    /// Every REST request so far.
    pub async fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().await.clone()
    }

    /// The IDENTIFY payloads received so far.
    pub async fn identifies(&self) -> Vec<Value> {
        self.shared.identifies.lock().await.clone()
    }

    /// Answers the next message posts with these failures, in order.
    pub async fn fail_next_message_posts(&self, failures: &[Failure]) {
        self.shared
            .failures
            .lock()
            .await
            .extend(failures.iter().copied());
    }

    /// Waits until a recorded request satisfies `wanted`, returning the first that does
    /// after the first `skip` requests.
    pub async fn wait_for_request(
        &self,
        skip: usize,
        timeout: Duration,
        wanted: impl Fn(&Recorded) -> bool,
    ) -> Option<Recorded> {
        let deadline = Instant::now() + timeout;
        loop {
            let changed = self.shared.changed.notified();
            if let Some(found) = self
                .shared
                .requests
                .lock()
                .await
                .iter()
                .skip(skip)
                .find(|r| wanted(r))
                .cloned()
            {
                return Some(found);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), changed).await;
        }
    }

    /// Waits until the bot has identified on the gateway `count` times.
    pub async fn wait_for_identify(&self, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.shared.identifies.lock().await.len() >= count {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Sends a dispatch event to the connected bot.
    pub async fn dispatch(&self, event: &str, data: Value) {
        let frame = dispatch_frame(&self.shared, event, data);
        let sent = match &*self.shared.gateway.lock().await {
            Some(outbox) => outbox.send(frame).is_ok(),
            None => false,
        };
        assert!(sent, "no bot is connected to the stand-in's gateway");
    }

    /// Asks the bot to reconnect (op 7), as Discord does before maintenance.
    pub async fn ask_to_reconnect(&self) {
        if let Some(outbox) = &*self.shared.gateway.lock().await {
            let _ = outbox.send(json!({"op": 7, "d": null, "s": null, "t": null}).to_string());
        }
    }

    pub fn resumes(&self) -> usize {
        self.shared.resumes.load(Ordering::Relaxed)
    }

    /// Sends a slash command; returns the interaction's token (its responses carry it).
    pub async fn slash_command(&self, place: &Place, name: &str, options: Value) -> String {
        let id = self.snowflake();
        let token = format!("command-token-{id}");
        self.dispatch(
            "INTERACTION_CREATE",
            command_interaction_json(id, &token, place, name, options),
        )
        .await;
        token
    }

    pub async fn press_button(&self, place: &Place, custom_id: &str) -> String {
        self.snowflake();
        let id = self.snowflake();
        let token = format!("button-token-{id}");
        self.dispatch(
            "INTERACTION_CREATE",
            button_interaction_json(id, &token, place, custom_id),
        )
        .await;
        token
    }

    pub async fn submit_modal(
        &self,
        place: &Place,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> String {
        let id = self.snowflake();
        let token = format!("modal-token-{id}");
        self.dispatch(
            "INTERACTION_CREATE",
            modal_interaction_json(id, &token, place, custom_id, fields),
        )
        .await;
        token
    }

    pub async fn direct_message(&self, place: &Place, content: &str) {
        let id = self.snowflake();
        self.dispatch("MESSAGE_CREATE", direct_message_json(id, place, content))
            .await;
    }
}

#[cfg(test)]
mod tests {
    //! The stand-in's payloads, read by serenity's own model types: if serenity could
    //! not read one, the real bot would silently drop the event.
    use super::*;
    use serenity::model::prelude::*;

    fn place(guild: bool) -> Place {
        Place {
            user_id: "1300000000000000001".into(),
            channel_id: "1300000000000000002".into(),
            guild_id: guild.then(|| "1300000000000000003".into()),
        }
    }

    #[test]
    fn discord_stand_in_payloads_match_serenity() {
        let application: CurrentApplicationInfo = serde_json::from_value(application_json())
            .unwrap_or_else(|error| panic!("application: {error}"));
        assert_eq!(application.id.get(), APPLICATION_ID);
        let ready: Ready = serde_json::from_value(ready_json("s1", "ws://127.0.0.1:1"))
            .unwrap_or_else(|error| panic!("READY: {error}"));
        assert_eq!(ready.application.id.get(), APPLICATION_ID);
        for guild in [false, true] {
            let command = command_interaction_json(
                5,
                "t",
                &place(guild),
                "find",
                json!([{"name": "question", "type": 3, "value": "SEM near Bologna"}]),
            );
            match serde_json::from_value::<Interaction>(command) {
                Ok(Interaction::Command(c)) => {
                    assert_eq!(c.data.name, "find");
                    assert_eq!(c.user.id.get(), 1_300_000_000_000_000_001);
                    assert_eq!(c.guild_id.is_some(), guild);
                }
                other => panic!("command interaction: {other:?}"),
            }
            match serde_json::from_value::<Interaction>(button_interaction_json(
                9,
                "t",
                &place(guild),
                "ponte:more:abc",
            )) {
                Ok(Interaction::Component(c)) => assert_eq!(c.data.custom_id, "ponte:more:abc"),
                other => panic!("component interaction: {other:?}"),
            }
            match serde_json::from_value::<Interaction>(modal_interaction_json(
                11,
                "t",
                &place(guild),
                "ponte:intro-message:l1",
                &[("message", "We need tests by March")],
            )) {
                Ok(Interaction::Modal(m)) => assert_eq!(m.data.components.len(), 1),
                other => panic!("modal interaction: {other:?}"),
            }
        }
        let message: Message = serde_json::from_value(message_json(
            12,
            "1300000000000000002",
            &json!({"content": "hello", "embeds": [{"title": "t", "type": "rich"}]}),
        ))
        .unwrap_or_else(|error| panic!("message: {error}"));
        assert_eq!(message.embeds.len(), 1);
        let dm: Message = serde_json::from_value(direct_message_json(13, &place(false), "hi"))
            .unwrap_or_else(|error| panic!("direct message: {error}"));
        assert!(!dm.author.bot);
        let channel: PrivateChannel =
            serde_json::from_value(dm_channel_json(14, "1300000000000000001"))
                .unwrap_or_else(|error| panic!("DM channel: {error}"));
        assert_eq!(channel.recipient.id.get(), 1_300_000_000_000_000_001);
        let mut ids = 100;
        let commands: Vec<Command> = serde_json::from_value(registered_commands_json(
            &json!([{"name": "find", "description": "Find things", "options": [
                {"type": 3, "name": "question", "description": "What", "required": true}
            ]}]),
            || {
                ids += 1;
                ids
            },
        ))
        .unwrap_or_else(|error| panic!("commands: {error}"));
        assert_eq!(commands[0].name, "find");
    }
}
