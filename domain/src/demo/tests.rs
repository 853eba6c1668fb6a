//! The whole demo against a real SQLite file, and the small text helpers it uses.

use super::*;
use crate::access::Caller;
use crate::import::tests::{TestResult, hub};
use std::time::Instant;

async fn published(hub: &Hub, kind: ListingKind) -> Result<u64> {
    Ok(hub
        .list_listings(
            &Caller::anonymous(),
            ListingFilter {
                kind: Some(kind),
                status: Some(ListingStatus::Published),
                limit: Some(1),
                ..Default::default()
            },
        )
        .await?
        .total)
}

async fn every_published(hub: &Hub, kind: ListingKind) -> Result<Vec<ListingView>> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = hub
            .list_listings(
                &Caller::anonymous(),
                ListingFilter {
                    kind: Some(kind),
                    status: Some(ListingStatus::Published),
                    limit: Some(100),
                    cursor,
                    ..Default::default()
                },
            )
            .await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

#[tokio::test]
async fn the_demo_publishes_enough_listings_with_topics_and_loads_once() -> TestResult {
    let (hub, _dir) = hub().await?;
    let mut last: HashMap<String, (u64, u64)> = HashMap::new();
    let started = Instant::now();
    let report = load_demo(&hub, &mut |stage, done, total| {
        last.insert(stage.to_owned(), (done, total));
    })
    .await?;
    eprintln!("load_demo: {:?}, {report:?}", started.elapsed());
    for stage in ["space", "facility", "expertise", "organisations"] {
        let (done, total) = last.get(stage).copied().ok_or(stage)?;
        assert_eq!(done, total, "{stage} reported to its end");
    }
    let expertise = published(&hub, ListingKind::Expertise).await?;
    let facility = published(&hub, ListingKind::Facility).await?;
    let space = published(&hub, ListingKind::Space).await?;
    assert!(expertise >= 100, "{expertise} expertise listings");
    assert!(facility >= 50, "{facility} facility listings");
    assert!(space >= 20, "{space} space listings");
    assert_eq!(
        (expertise, facility, space),
        (
            report.expertise.created,
            report.facility.created,
            report.space.created
        )
    );
    assert_eq!(
        (
            report.expertise.skipped,
            report.facility.skipped,
            report.space.skipped,
            report.organisations.skipped
        ),
        (0, 0, 0, 0),
        "every demo record is valid"
    );
    let organisations = hub
        .list_organisations(
            &Caller::anonymous(),
            OrganisationFilter {
                limit: Some(1),
                ..Default::default()
            },
        )
        .await?
        .total;
    assert_eq!(organisations, report.organisations.created);
    assert!(organisations <= 2_000, "{organisations} organisations");

    for kind in [
        ListingKind::Expertise,
        ListingKind::Facility,
        ListingKind::Space,
    ] {
        for listing in every_published(&hub, kind).await? {
            assert!(!listing.topics.is_empty(), "{} has no topic", listing.title);
            assert_eq!(
                listing.generated_example,
                kind == ListingKind::Space,
                "{}",
                listing.title
            );
            if kind == ListingKind::Space {
                assert!(
                    listing.title.contains("generated example"),
                    "{}",
                    listing.title
                );
                assert!(listing.description.contains("generated example"));
            }
            if let ListingDetails::Facility(details) = &listing.details {
                assert_eq!(
                    details.price_from, None,
                    "no invented prices for real facilities"
                );
            }
        }
    }

    let seq = hub.last_change_seq().await?;
    let started = Instant::now();
    let again = load_demo(&hub, &mut |_, _, _| {}).await?;
    eprintln!("load_demo again: {:?}", started.elapsed());
    assert_eq!(again.created(), 0, "{again:?}");
    assert_eq!(again.expertise.matched, expertise);
    assert_eq!(
        hub.last_change_seq().await?,
        seq,
        "the second run wrote nothing"
    );
    assert_eq!(published(&hub, ListingKind::Expertise).await?, expertise);
    assert_eq!(published(&hub, ListingKind::Facility).await?, facility);
    assert_eq!(published(&hub, ListingKind::Space).await?, space);
    Ok(())
}

/// The server loads the demo in a spawned task, which needs a `Send` future.
#[allow(dead_code)]
fn load_demo_can_be_spawned(hub: &'static Hub) -> impl Send {
    let mut progress = |_: &str, _: u64, _: u64| {};
    async move { load_demo(hub, &mut progress).await }
}

/// Likewise an import from a file.
#[allow(dead_code)]
fn import_can_be_spawned(hub: &'static Hub, file: std::fs::File) -> impl Send {
    let mut progress = |_: u64| {};
    async move {
        crate::import::import(
            hub,
            crate::import::ImportKind::Space,
            crate::import::ImportFormat::Csv,
            file,
            false,
            &mut progress,
        )
        .await
    }
}

#[test]
fn summaries_end_at_a_sentence_and_titles_at_a_word() {
    let text = "First sentence here.  Second one is\nlonger. Third.";
    assert_eq!(
        first_sentences(text, 45),
        "First sentence here. Second one is longer."
    );
    assert_eq!(first_sentences(text, 25), "First sentence here.");
    assert_eq!(
        first_sentences("No full stop at all in this text", 12),
        "No full…"
    );
    assert_eq!(clip("short", 10), "short");
    assert_eq!(clip("a rather long title, indeed", 16), "a rather long…");
}

#[test]
fn participants_are_split_into_name_and_country_and_given_a_kind() {
    assert_eq!(
        name_and_country("FUNDACIO PRIVADA BARCELONA DIGITAL   Participation ended   Spain"),
        (
            "FUNDACIO PRIVADA BARCELONA DIGITAL".to_owned(),
            "Spain".to_owned()
        )
    );
    assert_eq!(
        kind_from_name("UNIVERSITE CLERMONT AUVERGNE"),
        OrganisationKind::University
    );
    assert_eq!(kind_from_name("NOVELTIS SAS"), OrganisationKind::Firm);
    assert_eq!(kind_from_name("NTRAM GENERAL S.A."), OrganisationKind::Firm);
    assert_eq!(
        kind_from_name("AGENCIA ESTATAL CONSEJO SUPERIOR DE INVESTIGACIONES CIENTIFICAS"),
        OrganisationKind::ResearchCentre
    );
    assert_eq!(
        kind_from_name("ECOLOGISTAS EN ACCION"),
        OrganisationKind::Cluster
    );
    assert_eq!(
        kind_from_name("MISKOLCI EGYETEM"),
        OrganisationKind::University
    );
    assert_eq!(
        kind_from_name("STOLICHNA OBSHTINA"),
        OrganisationKind::PublicAgency
    );
    assert_eq!(
        kind_from_name(
            "GEONARDO KORNYEZETVEDELMI TERINFORMATIKAI ES REGIONALIS KORLATOLT FELELOSSEGU TARSASAG"
        ),
        OrganisationKind::Firm
    );
    assert_eq!(
        kind_from_ror("education|funder", "Università di Bologna"),
        OrganisationKind::University
    );
    assert_eq!(
        kind_from_ror("archive", "Parco Tecnologico Padano"),
        OrganisationKind::Incubator
    );
    assert_eq!(
        kind_from_ror("healthcare", "Ospedale di Macerata"),
        OrganisationKind::PublicAgency
    );
}

#[test]
fn project_topics_prefer_fields_then_keywords_then_text() {
    let fields = h2020_topics(
        "Fields of science (EuroSciVoc)  CORDIS classifies projects with EuroSciVoc, … See:https://op.europa.eu/en/web/eu-vocabularies/euroscivoc.   natural sciencesbiological sciencesecologyecosystems  Suggest new fields of science   You need to log in",
        "",
        "",
    );
    assert_eq!(fields.codes.len(), 1);
    let keywords = h2020_topics("  Citizen Science  Air pollution  sensors", "", "");
    assert_eq!(keywords.labels, vec!["Citizen Science", "Air pollution"]);
    assert_eq!(keywords.codes.len(), 1, "`sensors` is a EuroSciVoc title");
    let text = h2020_topics(
        "Programme(s)  FP7-ENVIRONMENT",
        "Odour monitoring",
        "Odour pollution from livestock.",
    );
    assert!(!text.is_empty());
}
