//! The unmet-demand report for brokers: searches and chat questions that found
//! nothing, grouped by what was asked for (topic) and where (region), so the network
//! knows which offers it lacks.

use crate::access::Caller;
use crate::db::search_miss;
use crate::error::{Error, Result};
use crate::hub::Hub;
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// Misses read for one report, newest first.
const REPORT_ROWS: u64 = 5_000;
/// Example questions kept per group.
const EXAMPLES: usize = 3;

/// One topic in one region that people looked for and did not find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmetDemand {
    /// The topic filter, else the words searched for (lower case); empty when neither.
    pub topic: String,
    /// The region or city asked for; empty for "anywhere".
    pub region: String,
    pub searches: u64,
    pub chat_questions: u64,
    /// A few of the texts asked, newest first.
    pub examples: Vec<String>,
    pub last_at: chrono::DateTime<chrono::Utc>,
}

impl UnmetDemand {
    pub fn total(&self) -> u64 {
        self.searches + self.chat_questions
    }
}

fn first_text(filters: &serde_json::Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| match &filters[*name] {
        serde_json::Value::Array(values) => {
            values.iter().find_map(|v| v.as_str()).map(str::to_owned)
        }
        serde_json::Value::String(value) => Some(value.clone()),
        _ => None,
    })
}

fn normalised(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .chars()
        .take(120)
        .collect()
}

/// The topic and region a recorded miss asked for. Searches store their filters with
/// the search API's names (`topic`, `region`), chat questions the structured search
/// they became (`topics`, `regions`, `q`).
fn topic_and_region(query: &str, filters: &str) -> (String, String) {
    let filters: serde_json::Value = serde_json::from_str(filters).unwrap_or_default();
    let topic = first_text(&filters, &["topic", "topics"])
        .or_else(|| filters["q"].as_str().map(str::to_owned))
        .unwrap_or_else(|| query.to_owned());
    let region = first_text(&filters, &["region", "regions", "city", "cities"])
        .or_else(|| filters["near"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (normalised(&topic), normalised(&region))
}

impl Hub {
    /// What people looked for and did not find, largest groups first. Brokers only.
    pub async fn unmet_demand(&self, caller: &Caller) -> Result<Vec<UnmetDemand>> {
        let principal = caller.require()?;
        if !principal.is_broker() {
            return Err(Error::forbidden("only brokers may see unmet demand"));
        }
        let rows = search_miss::Entity::find()
            .order_by_desc(search_miss::Column::CreatedAt)
            .limit(REPORT_ROWS)
            .all(self.db())
            .await?;
        let mut groups: HashMap<(String, String), UnmetDemand> = HashMap::new();
        for row in rows {
            let (topic, region) = topic_and_region(&row.query, &row.filters);
            let group = groups
                .entry((topic.clone(), region.clone()))
                .or_insert_with(|| UnmetDemand {
                    topic,
                    region,
                    searches: 0,
                    chat_questions: 0,
                    examples: Vec::new(),
                    last_at: row.created_at,
                });
            if row.source == "chat" {
                group.chat_questions += 1;
            } else {
                group.searches += 1;
            }
            let example = row.query.trim().chars().take(200).collect::<String>();
            if !example.is_empty()
                && group.examples.len() < EXAMPLES
                && !group.examples.contains(&example)
            {
                group.examples.push(example);
            }
        }
        let mut report: Vec<UnmetDemand> = groups.into_values().collect();
        report.sort_by(|a, b| {
            b.total()
                .cmp(&a.total())
                .then(b.last_at.cmp(&a.last_at))
                .then(a.topic.cmp(&b.topic))
        });
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_and_chat_questions_group_by_topic_and_region() {
        let search = topic_and_region(
            "graphene",
            r#"{"topic":["Graphene  Coatings"],"region":["Piemonte"]}"#,
        );
        assert_eq!(search, ("graphene coatings".into(), "piemonte".into()));
        let chat = topic_and_region(
            "who can test graphene coatings in Piemonte?",
            r#"{"q":"graphene coatings","regions":["piemonte"],"topics":[]}"#,
        );
        assert_eq!(chat, ("graphene coatings".into(), "piemonte".into()));
        let bare = topic_and_region("Cryo EM", "{}");
        assert_eq!(bare, ("cryo em".into(), String::new()));
        let broken = topic_and_region("x", "not json");
        assert_eq!(broken, ("x".into(), String::new()));
    }
}
