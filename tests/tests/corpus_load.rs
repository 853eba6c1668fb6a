//! `ponte corpus load`, the real binary, on a real SQLite file (and a fresh PostgreSQL
//! database when `PONTE_TEST_POSTGRES_URL` is set) and a real index on disk: what it
//! loads is what the server then finds and counts, the server starts on it without
//! rebuilding the index, and a second load is refused with a clear message.

use domain::corpus::Corpus;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;
use tests::{Auth, Backend, Client, drop_postgres_database, fresh_postgres_database};

/// Few enough to keep the test fast in a debug build; not a multiple of the 20
/// listings an organisation has, so the last organisation is loaded partly.
const COUNT: u64 = 250;
const ORGANISATIONS: u64 = COUNT.div_ceil(domain::corpus::LISTINGS_PER_ORGANISATION);

fn load(data_dir: &Path, database_url: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ponte-under-test"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("PONTE_CONFIG")
        .env("PONTE_LOG", "warn")
        .args(["corpus", "load", "--size", "10k", "--count"])
        .arg(COUNT.to_string())
        .arg("--data-dir")
        .arg(data_dir);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    command
        .output()
        .unwrap_or_else(|error| panic!("cannot run ponte: {error}"))
}

/// The index's segment files: a rebuild would replace them.
fn segment_files(index_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(index_dir)
        .unwrap_or_else(|error| panic!("{}: {error}", index_dir.display()))
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".idx") || name.ends_with(".store"))
        .collect();
    names.sort();
    names
}

async fn loaded_corpus_is_searchable_without_a_rebuild(backend: Backend) {
    let data_dir = tempfile::tempdir().unwrap_or_else(|error| panic!("temp dir: {error}"));
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match fresh_postgres_database().await {
            Some(url) => Some(url),
            None => return,
        },
    };

    let first = load(data_dir.path(), database_url.as_deref());
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "the load failed: {}{stdout}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "loaded {COUNT} listings and {ORGANISATIONS} organisations"
        )),
        "unexpected summary: {stdout}"
    );

    // A second load must not add to what is there.
    let second = load(data_dir.path(), database_url.as_deref());
    assert!(!second.status.success(), "a second load was accepted");
    let refusal = String::from_utf8_lossy(&second.stderr);
    assert!(
        refusal.contains(&format!("already holds {COUNT} listings")),
        "unclear refusal: {refusal}"
    );
    assert!(!refusal.contains("panicked"), "{refusal}");

    // The decision the server makes at start-up: the checkpoint is the last change,
    // so it catches up on nothing instead of rebuilding.
    let settings = tests::test_settings(data_dir.path(), database_url.clone());
    let index_dir = data_dir.path().join("index");
    let files_before = segment_files(&index_dir);
    assert!(!files_before.is_empty(), "the load wrote no index segments");
    {
        let hub = domain::Hub::connect(domain::HubOptions {
            database_url: settings.database_url(),
            session_ttl: Duration::from_secs(3600),
        })
        .await
        .unwrap_or_else(|error| panic!("hub: {error}"));
        let last_change = hub
            .last_change_seq()
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        // One entry per organisation and per listing, as if each had been imported.
        assert!(last_change >= (COUNT + ORGANISATIONS) as i64);
        let outcome = hub
            .open_search_index(&index_dir, &mut |_| {})
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(outcome, "caught up on 0 changes");
        let status = hub
            .index_status()
            .await
            .unwrap_or_else(|error| panic!("{error}"))
            .unwrap_or_else(|| panic!("no index attached"));
        assert_eq!(status.checkpoint, Some(last_change));
        let _ = hub.close().await;
    }

    let running = server::start(settings)
        .await
        .unwrap_or_else(|error| panic!("server start: {error}"));
    let client = Client::new(running.address);
    client.wait_ready(Duration::from_secs(60)).await;
    assert_eq!(
        segment_files(&index_dir),
        files_before,
        "the server rewrote the index at start-up"
    );

    let everything = client.get("/api/v1/search?limit=1", &Auth::Anonymous).await;
    everything.expect(200);
    assert_eq!(everything.body["total"].as_u64(), Some(COUNT));
    let listings = client
        .get("/api/v1/listings?limit=1", &Auth::Anonymous)
        .await;
    listings.expect(200);
    assert_eq!(listings.body["total"].as_u64(), Some(COUNT));
    let organisations = client
        .get("/api/v1/organisations?limit=1", &Auth::Anonymous)
        .await;
    organisations.expect(200);
    assert_eq!(organisations.body["total"].as_u64(), Some(ORGANISATIONS));

    // A loaded listing is found by the words of its title, and is the stored one.
    let corpus = Corpus::new(42);
    for index in [0, 137, COUNT - 1] {
        let title = corpus
            .listing(index)
            .fields
            .title
            .unwrap_or_else(|| panic!("listing {index} has no title"));
        let query: String = url::form_urlencoded::byte_serialize(title.as_bytes()).collect();
        let found = client
            .get(
                &format!("/api/v1/search?q={query}&limit=100"),
                &Auth::Anonymous,
            )
            .await;
        found.expect(200);
        let hit = found.body["hits"]
            .as_array()
            .and_then(|hits| hits.iter().find(|hit| hit["title"] == title.as_str()))
            .unwrap_or_else(|| panic!("no hit titled {title:?}: {}", found.text));
        let id = hit["id"].as_str().unwrap_or_default();
        let stored = client
            .get(&format!("/api/v1/listings/{id}"), &Auth::Anonymous)
            .await;
        stored.expect(200);
        assert_eq!(stored.body["title"], title.as_str());
        assert_eq!(stored.body["status"], "published");
    }

    running
        .stop()
        .await
        .unwrap_or_else(|error| panic!("server stop: {error}"));
    if let Some(url) = database_url {
        drop_postgres_database(&url).await;
    }
}

tests::on_both_backends! {
    loaded_corpus_is_searchable_without_a_rebuild => loaded_corpus_is_searchable_without_a_rebuild;
}
