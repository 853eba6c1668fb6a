//! The layering invariants of ARCHITECTURE.md, checked against `cargo metadata`: a
//! forbidden dependency edge fails the build's tests, not a code review.

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--manifest-path",
            manifest,
        ])
        .output()
        .unwrap_or_else(|error| panic!("cargo metadata: {error}"));
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("metadata json: {error}"))
}

/// Package name → names of its normal (non-dev) dependencies, from the resolved graph.
fn graph(metadata: &Value) -> HashMap<String, Vec<String>> {
    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    metadata["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|node| {
            let name = names.get(node["id"].as_str()?)?.to_string();
            let deps = node["deps"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|dep| {
                    dep["dep_kinds"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|kind| kind["kind"].is_null())
                })
                .filter_map(|dep| names.get(dep["pkg"].as_str()?).map(|n| n.to_string()))
                .collect();
            Some((name, deps))
        })
        .collect()
}

fn transitive(graph: &HashMap<String, Vec<String>>, root: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.to_owned()];
    while let Some(next) = stack.pop() {
        for dep in graph.get(&next).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                stack.push(dep.clone());
            }
        }
    }
    seen
}

#[test]
fn no_crate_depends_on_what_it_must_not_know() {
    let graph = graph(&metadata());
    let forbidden_anywhere_below: &[(&str, &[&str])] = &[
        (
            "domain",
            &["poem", "poem-openapi", "serenity", "poise", "server", "bot"],
        ),
        (
            "search-index",
            &[
                "sea-orm",
                "sea-orm-migration",
                "sqlx",
                "poem",
                "serenity",
                "domain",
            ],
        ),
        ("migrations", &["domain", "poem", "tantivy", "serenity"]),
        ("bot", &["poem", "poem-openapi", "server"]),
    ];
    for (crate_name, forbidden) in forbidden_anywhere_below {
        let below = transitive(&graph, crate_name);
        assert!(
            !below.is_empty() || graph.contains_key(*crate_name),
            "{crate_name} is not in the workspace"
        );
        for name in *forbidden {
            assert!(
                !below.contains(*name),
                "`{crate_name}` must not depend on `{name}`, even indirectly"
            );
        }
    }
    let forbidden_direct: &[(&str, &[&str])] = &[
        (
            "server",
            &[
                "sea-orm",
                "sea-orm-migration",
                "sqlx",
                "tantivy",
                "migrations",
            ],
        ),
        (
            "bot",
            &[
                "sea-orm",
                "sea-orm-migration",
                "sqlx",
                "tantivy",
                "migrations",
            ],
        ),
    ];
    for (crate_name, forbidden) in forbidden_direct {
        let direct = graph.get(*crate_name).cloned().unwrap_or_default();
        assert!(
            graph.contains_key(*crate_name),
            "{crate_name} is not in the workspace"
        );
        for name in *forbidden {
            assert!(
                !direct.iter().any(|d| d == name),
                "`{crate_name}` must reach `{name}` only through `domain`"
            );
        }
    }
}

#[test]
fn the_checker_sees_real_edges() {
    // Guards the guard: if the graph were read wrongly, every check above would pass.
    let graph = graph(&metadata());
    assert!(
        transitive(&graph, "server").contains("sea-orm"),
        "server reaches sea-orm through domain"
    );
    assert!(
        graph
            .get("domain")
            .is_some_and(|deps| deps.iter().any(|d| d == "sea-orm"))
    );
}
