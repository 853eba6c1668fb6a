//! Imports against a real SQLite file: templates, good and bad rows, header errors,
//! dry runs, de-duplication and the file limits.

use super::*;
use crate::access::Caller;
use crate::hub::HubOptions;
use std::time::Duration;

pub(crate) type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// A migrated hub on a fresh SQLite file; keep the directory alive as long as the hub.
pub(crate) async fn hub()
-> std::result::Result<(Hub, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::TempDir::new()?;
    let hub = Hub::connect(HubOptions {
        database_url: format!("sqlite://{}/t.db?mode=rwc", dir.path().display()),
        session_ttl: Duration::from_secs(3600),
    })
    .await?;
    hub.migrate().await?;
    Ok((hub, dir))
}

async fn run(
    hub: &Hub,
    kind: ImportKind,
    format: ImportFormat,
    text: &[u8],
    dry_run: bool,
) -> Result<ImportReport> {
    import(hub, kind, format, text, dry_run, &mut |_| {}).await
}

async fn csv(hub: &Hub, kind: ImportKind, text: &str) -> Result<ImportReport> {
    run(hub, kind, ImportFormat::Csv, text.as_bytes(), false).await
}

async fn organisations(hub: &Hub) -> Result<u64> {
    Ok(hub
        .list_organisations(
            &Caller::anonymous(),
            OrganisationFilter {
                limit: Some(1),
                ..Default::default()
            },
        )
        .await?
        .total)
}

async fn listings(hub: &Hub, kind: ListingKind) -> Result<u64> {
    // Anonymous callers see published listings only; drafts stay with their members.
    let published = hub
        .list_listings(
            &Caller::anonymous(),
            ListingFilter {
                kind: Some(kind),
                limit: Some(1),
                ..Default::default()
            },
        )
        .await?
        .total;
    Ok(published)
}

fn codes(report: &ImportReport) -> Vec<(u64, Option<&str>, &str)> {
    report
        .errors
        .iter()
        .map(|e| (e.row, e.field.as_deref(), e.code.as_str()))
        .collect()
}

const ORG_HEADER: &str = "kind,name,ror_id,country,latitude,longitude";

#[test]
fn every_template_has_exactly_its_kinds_columns() {
    for kind in ImportKind::ALL {
        let header = template(*kind).lines().next().unwrap_or_default();
        assert_eq!(
            header.split(',').collect::<Vec<_>>(),
            kind.columns(),
            "{kind}"
        );
        assert_eq!(
            template(*kind).lines().count(),
            2,
            "{kind}: header and one example"
        );
    }
    // The listing kinds share their leading columns, so one description fits all.
    let shared = &ImportKind::Expertise.columns()[..16];
    assert_eq!(&ImportKind::Facility.columns()[..16], shared);
    assert_eq!(&ImportKind::Space.columns()[..16], shared);
    assert_eq!(shared.last(), Some(&"source_ref"));
}

#[test]
fn kinds_and_formats_parse_from_their_names() {
    assert_eq!(ImportKind::parse("facility"), Ok(ImportKind::Facility));
    assert!(ImportKind::parse("facilities").is_err());
    assert_eq!(
        ImportFormat::from_path(Path::new("a/b.CSV")),
        Ok(ImportFormat::Csv)
    );
    assert_eq!(
        ImportFormat::from_path(Path::new("x.ndjson")),
        Ok(ImportFormat::JsonLines)
    );
    assert_eq!(
        ImportFormat::from_path(Path::new("x.jsonl")),
        Ok(ImportFormat::JsonLines)
    );
    assert!(ImportFormat::from_path(Path::new("x.xlsx")).is_err());
}

#[test]
fn researchers_are_read_from_name_role_email() {
    let r = parse_researcher(" Maria Rossi (Head of lab) <maria@example.org> ");
    assert_eq!(r.name, "Maria Rossi");
    assert_eq!(r.role.as_deref(), Some("Head of lab"));
    assert_eq!(r.email.as_deref(), Some("maria@example.org"));
    assert!(!r.informed);
    let bare = parse_researcher("Luca Bianchi");
    assert_eq!(
        (bare.name.as_str(), bare.role, bare.email),
        ("Luca Bianchi", None, None)
    );
}

#[tokio::test]
async fn every_template_imports_cleanly_in_a_dry_run() -> TestResult {
    let (hub, _dir) = hub().await?;
    let kind = ImportKind::Organisations;
    let report = run(
        &hub,
        kind,
        ImportFormat::Csv,
        template(kind).as_bytes(),
        true,
    )
    .await?;
    assert_eq!(
        (report.rows, report.created, report.errors.len()),
        (1, 1, 0),
        "{:?}",
        report.errors
    );
    assert_eq!(organisations(&hub).await?, 0, "a dry run writes nothing");
    // The listing templates refer to the example organisation, so it must exist.
    csv(&hub, kind, template(kind)).await?;
    for kind in [
        ImportKind::Expertise,
        ImportKind::Facility,
        ImportKind::Space,
    ] {
        let report = run(
            &hub,
            kind,
            ImportFormat::Csv,
            template(kind).as_bytes(),
            true,
        )
        .await?;
        assert_eq!(report.errors, Vec::new(), "{kind}");
        assert_eq!((report.rows, report.created), (1, 1), "{kind}");
    }
    assert_eq!(
        listings(&hub, ListingKind::Facility).await?,
        0,
        "a dry run writes nothing"
    );
    Ok(())
}

#[tokio::test]
async fn the_templates_import_for_real_and_a_second_time_change_nothing() -> TestResult {
    let (hub, _dir) = hub().await?;
    csv(
        &hub,
        ImportKind::Organisations,
        template(ImportKind::Organisations),
    )
    .await?;
    let seq = hub.last_change_seq().await?;
    for kind in [
        ImportKind::Expertise,
        ImportKind::Facility,
        ImportKind::Space,
    ] {
        let report = csv(&hub, kind, template(kind)).await?;
        assert_eq!(
            (report.created, report.matched, report.errors.len()),
            (1, 0, 0),
            "{kind}"
        );
    }
    assert_eq!(listings(&hub, ListingKind::Space).await?, 1);
    let after_first = hub.last_change_seq().await?;
    assert!(after_first > seq);
    for kind in ImportKind::ALL {
        let report = csv(&hub, *kind, template(*kind)).await?;
        assert_eq!(
            (report.created, report.matched),
            (0, 1),
            "{kind}: matched, not created"
        );
    }
    assert_eq!(
        hub.last_change_seq().await?,
        after_first,
        "re-importing wrote nothing"
    );
    let page = hub
        .list_listings(
            &Caller::anonymous(),
            ListingFilter {
                kind: Some(ListingKind::Expertise),
                ..Default::default()
            },
        )
        .await?;
    let expertise = page.items.first().ok_or("no expertise listing")?;
    assert_eq!(
        expertise.topics.len(),
        4,
        "two coded and two free topics: {:?}",
        expertise.topics
    );
    assert_eq!(
        expertise.location.city.as_deref(),
        Some("Bologna"),
        "defaults to the organisation's place"
    );
    match &expertise.details {
        ListingDetails::Expertise(details) => {
            assert_eq!(details.trl_min, Some(4));
            assert_eq!(
                details.engagement_modes,
                vec![
                    EngagementMode::ContractResearch,
                    EngagementMode::JointProject
                ]
            );
            // Researchers not yet informed stay hidden from the public.
            assert!(details.researchers.is_empty());
        }
        other => return Err(format!("unexpected details {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn bad_rows_are_named_by_row_and_field_and_good_rows_still_import() -> TestResult {
    let (hub, _dir) = hub().await?;
    let file = format!(
        "{ORG_HEADER}\n\
         university,Università di Prova,https://ror.org/01111rn36,IT,44.49,11.34\n\
         university,Bad Country,,Italy,,\n\
         firm,Bad Latitude,,IT,north,11.0\n\
         cluster,,,IT,,\n\
         spaceship,Bad Kind,,IT,,\n\
         firm,Too Few Fields\n\
         firm,Acme,,DE,,\n"
    );
    let report = csv(&hub, ImportKind::Organisations, &file).await?;
    assert_eq!((report.rows, report.created, report.matched), (7, 2, 0));
    assert_eq!(
        codes(&report),
        vec![
            (2, Some("country"), "country_invalid"),
            (3, Some("latitude"), "number_invalid"),
            (4, Some("name"), "field_required"),
            (5, Some("kind"), "choice_invalid"),
            (6, None, "row_malformed"),
        ]
    );
    assert!(
        report.errors[3].message.contains("university"),
        "lists the accepted kinds"
    );
    assert_eq!(organisations(&hub).await?, 2);
    Ok(())
}

#[tokio::test]
async fn an_unknown_column_refuses_the_whole_file() -> TestResult {
    let (hub, _dir) = hub().await?;
    let file = "kind,name,country,colour,trl_min\nfirm,Acme,DE,blue,3\n";
    let report = csv(&hub, ImportKind::Organisations, file).await?;
    assert_eq!(report.rows, 0);
    assert_eq!(
        codes(&report),
        vec![
            (0, Some("colour"), "column_unknown"),
            (0, Some("trl_min"), "column_unknown")
        ]
    );
    assert!(
        report.errors[1].message.contains("expertise"),
        "says where the column belongs"
    );
    let missing = csv(&hub, ImportKind::Expertise, "organisation,title\nx,y\n").await?;
    assert_eq!(
        codes(&missing),
        vec![(0, Some("language"), "column_missing")]
    );
    let json = run(&hub, ImportKind::Organisations, ImportFormat::JsonLines, b"{\"kind\":\"firm\",\"name\":\"A\",\"country\":\"DE\"}\n{\"kind\":\"firm\",\"name\":\"B\",\"country\":\"DE\",\"nmae\":\"B\"}\n", false).await?;
    assert_eq!(codes(&json), vec![(0, Some("nmae"), "column_unknown")]);
    assert_eq!(organisations(&hub).await?, 0, "nothing imported");
    Ok(())
}

#[tokio::test]
async fn a_dry_run_validates_every_row_and_writes_nothing() -> TestResult {
    let (hub, _dir) = hub().await?;
    let file = format!(
        "{ORG_HEADER}\n\
         university,Università di Prova,01111rn36,IT,44.49,11.34\n\
         university,Same ROR again,https://ror.org/01111rn36,IT,,\n\
         firm,Bad,,IT,91,11\n"
    );
    let mut done = Vec::new();
    let report = import(
        &hub,
        ImportKind::Organisations,
        ImportFormat::Csv,
        file.as_bytes(),
        true,
        &mut |n| done.push(n),
    )
    .await?;
    assert_eq!((report.rows, report.created, report.matched), (3, 1, 1));
    assert_eq!(
        codes(&report),
        vec![(3, Some("latitude"), "latitude_invalid")]
    );
    assert_eq!(done, vec![1, 2, 3]);
    assert_eq!(organisations(&hub).await?, 0);
    assert_eq!(hub.last_change_seq().await?, 0);
    Ok(())
}

#[tokio::test]
async fn organisations_are_matched_by_ror_pic_or_vat() -> TestResult {
    let (hub, _dir) = hub().await?;
    let first = "kind,name,ror_id,pic,vat,country\nuniversity,Alma Mater,https://ror.org/01111rn36,999999999,IT80007010376,IT\n";
    assert_eq!(
        csv(&hub, ImportKind::Organisations, first).await?.created,
        1
    );
    // Same ROR id written bare, another name: still the same organisation.
    let again = "kind,name,ror_id,country\nuniversity,University of Bologna,01111rn36,IT\n";
    let report = csv(&hub, ImportKind::Organisations, again).await?;
    assert_eq!((report.created, report.matched), (0, 1));
    let by_vat = "kind,name,vat,country\nuniversity,UNIBO,it 80007010376,IT\n";
    assert_eq!(
        csv(&hub, ImportKind::Organisations, by_vat).await?.matched,
        1
    );
    assert_eq!(organisations(&hub).await?, 1);
    Ok(())
}

#[tokio::test]
async fn listings_find_their_organisation_and_match_by_source_ref() -> TestResult {
    let (hub, _dir) = hub().await?;
    csv(
        &hub,
        ImportKind::Organisations,
        "kind,name,ror_id,pic,country,city\nresearch_centre,Lab,01111rn36,999999999,IT,Bologna\n",
    )
    .await?;
    let file = "organisation,title,language,summary,topics,status,source_ref,space_type,monthly_price,available_from\n\
                https://ror.org/01111rn36,Desk,en,A desk.,coworking,published,t:1,hot_desk,15000,2027-01-01\n\
                999999999,Bench,en,A bench.,labs,published,t:2,lab_bench,-5,2027-01-01\n\
                999999999,Bench,en,A bench.,,published,t:3,lab_bench,,\n\
                IT00000000000,Office,en,An office.,offices,draft,t:4,private_office,,01/02/2027\n\
                IT00000000000,Office,en,An office.,offices,draft,t:5,private_office,,\n\
                999999999,Room,en,A room.,rooms,archived,t:6,meeting_room,,\n";
    let report = csv(&hub, ImportKind::Space, file).await?;
    assert_eq!(
        codes(&report),
        vec![
            (2, Some("monthly_price"), "number_negative"),
            (3, Some("topics"), "listing_incomplete"),
            (4, Some("available_from"), "date_invalid"),
            (5, Some("organisation"), "organisation_not_found"),
            (6, Some("status"), "choice_invalid"),
        ]
    );
    assert_eq!(report.created, 1);
    let report = csv(&hub, ImportKind::Space, file).await?;
    assert_eq!(
        (report.created, report.matched),
        (0, 1),
        "same source_ref: matched"
    );
    let page = hub
        .list_listings(&Caller::anonymous(), ListingFilter::default())
        .await?;
    assert_eq!(page.total, 1);
    let desk = &page.items[0];
    assert!(!desk.generated_example);
    match &desk.details {
        ListingDetails::Space(space) => {
            assert_eq!(
                space
                    .monthly_price
                    .as_ref()
                    .map(|m| (m.amount_minor, m.currency.as_str())),
                Some((15000, "EUR"))
            );
            assert_eq!(space.available_from, NaiveDate::from_ymd_opt(2027, 1, 1));
        }
        other => return Err(format!("unexpected details {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn json_lines_use_the_same_names_with_arrays_and_objects() -> TestResult {
    let (hub, _dir) = hub().await?;
    let orgs = b"{\"kind\":\"university\",\"name\":\"Uni\",\"pic\":\"999999999\",\"country\":\"IT\",\"latitude\":44.5,\"longitude\":11.3}\n\n[1,2]\n{\"kind\":\"firm\",\"name\":\n";
    let report = run(
        &hub,
        ImportKind::Organisations,
        ImportFormat::JsonLines,
        orgs,
        false,
    )
    .await?;
    assert_eq!(report.created, 1);
    assert_eq!(report.rows, 3, "the blank line is not a row");
    assert_eq!(
        codes(&report),
        vec![(3, None, "row_malformed"), (4, None, "row_malformed")]
    );
    let listing = br#"{"organisation":"999999999","title":"Corrosion testing","language":"en","summary":"Salt spray tests.","topics":["corrosion"],"topic_codes":["/25/63"],"status":"published","trl_min":3,"trl_max":"6","engagement_modes":["consultancy"],"researchers":[{"name":"Ada Verdi","informed":true,"email":"ada@example.org"}]}
{"organisation":"999999999","title":"Bad","language":"en","trl_min":12,"topics":"a;b"}
{"organisation":"999999999","title":"Bad","language":"en","engagement_modes":"talking","researchers":[{"role":"x"}]}
"#;
    let report = run(
        &hub,
        ImportKind::Expertise,
        ImportFormat::JsonLines,
        listing,
        false,
    )
    .await?;
    assert_eq!(
        codes(&report),
        vec![
            (2, Some("trl_min"), "number_too_large"),
            (3, Some("engagement_modes"), "choice_invalid"),
            (3, Some("researchers"), "researcher_invalid"),
        ]
    );
    let page = hub
        .list_listings(&Caller::anonymous(), ListingFilter::default())
        .await?;
    let listing = page.items.first().ok_or("not imported")?;
    assert_eq!(
        listing
            .topics
            .iter()
            .map(|t| t.label.as_str())
            .collect::<Vec<_>>(),
        vec!["materials engineering", "corrosion"]
    );
    match &listing.details {
        ListingDetails::Expertise(d) => {
            assert_eq!((d.trl_min, d.trl_max), (Some(3), Some(6)));
            assert_eq!(d.researchers.len(), 1, "informed researchers are public");
            assert_eq!(d.researchers[0].email, None, "but never their contacts");
        }
        other => return Err(format!("unexpected details {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn invalid_utf8_is_a_malformed_row() -> TestResult {
    let (hub, _dir) = hub().await?;
    let mut file = b"kind,name,country\nfirm,Caf".to_vec();
    file.extend_from_slice(&[0xE9, b',', b'F', b'R', b'\n']);
    file.extend_from_slice(b"firm,Cafe,FR\n");
    let report = run(
        &hub,
        ImportKind::Organisations,
        ImportFormat::Csv,
        &file,
        false,
    )
    .await?;
    assert_eq!(codes(&report), vec![(1, Some("name"), "row_malformed")]);
    assert_eq!(report.created, 1);
    Ok(())
}

#[tokio::test]
async fn a_byte_order_mark_and_spaced_header_are_accepted() -> TestResult {
    let (hub, _dir) = hub().await?;
    let file = "\u{feff}Kind , Name,country\r\nfirm,Acme,DE\r\n";
    let report = csv(&hub, ImportKind::Organisations, file).await?;
    assert_eq!(
        (report.created, report.errors.len()),
        (1, 0),
        "{:?}",
        report.errors
    );
    Ok(())
}

#[tokio::test]
async fn files_over_the_limits_are_refused_before_anything_is_written() -> TestResult {
    let (hub, _dir) = hub().await?;
    let big = format!(
        "kind,name,description,country\nfirm,Acme,,DE\nfirm,Big,{},DE\n",
        "x".repeat(MAX_FIELD_BYTES + 1)
    );
    let error = csv(&hub, ImportKind::Organisations, &big)
        .await
        .err()
        .ok_or("accepted")?;
    assert_eq!(
        (error.code, error.field.as_deref()),
        ("field_too_large", Some("description"))
    );
    assert!(error.message.contains("row 2"), "{}", error.message);
    let json = format!(
        "{{\"kind\":\"firm\",\"name\":\"Big\",\"country\":\"DE\",\"description\":\"{}\"}}\n",
        "x".repeat(MAX_FIELD_BYTES + 1)
    );
    let error = run(
        &hub,
        ImportKind::Organisations,
        ImportFormat::JsonLines,
        json.as_bytes(),
        false,
    )
    .await
    .err()
    .ok_or("accepted")?;
    assert_eq!(error.code, "field_too_large");

    let mut many = String::from("kind,name,country\n");
    many.push_str("firm,Acme,DE\n");
    for _ in 0..MAX_ROWS {
        many.push_str("x,y,z\n");
    }
    let error = csv(&hub, ImportKind::Organisations, &many)
        .await
        .err()
        .ok_or("accepted")?;
    assert_eq!(error.code, "file_too_many_rows");
    assert_eq!(organisations(&hub).await?, 0, "not even the first row");
    Ok(())
}

#[tokio::test]
async fn an_empty_file_says_so() -> TestResult {
    let (hub, _dir) = hub().await?;
    let report = csv(&hub, ImportKind::Organisations, "").await?;
    assert_eq!(codes(&report), vec![(0, None, "file_empty")]);
    Ok(())
}

#[tokio::test]
async fn the_json_lines_example_in_the_templates_readme_imports() -> TestResult {
    let readme = include_str!("../../../datasets/templates/README.md");
    let block = readme
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .ok_or("no json block")?;
    let mut lines = block.lines();
    let (organisation, space) = (lines.next().ok_or("line 1")?, lines.next().ok_or("line 2")?);
    let (hub, _dir) = hub().await?;
    let report = run(
        &hub,
        ImportKind::Organisations,
        ImportFormat::JsonLines,
        organisation.as_bytes(),
        false,
    )
    .await?;
    assert_eq!(
        (report.created, report.errors.len()),
        (1, 0),
        "{:?}",
        report.errors
    );
    let report = run(
        &hub,
        ImportKind::Space,
        ImportFormat::JsonLines,
        space.as_bytes(),
        false,
    )
    .await?;
    assert_eq!(
        (report.created, report.errors.len()),
        (1, 0),
        "{:?}",
        report.errors
    );
    Ok(())
}
