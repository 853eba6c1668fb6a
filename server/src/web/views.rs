//! What the templates show, prepared from domain types: cards, snippets split into
//! marked and unmarked parts (so the template escapes every byte of them), "why it
//! matched" in the visitor's language, details as label/value rows, prices and places
//! in words, and safe external links.

use super::i18n::{Lang, Tr};
use domain::model::{ListingDetails, ListingView, Location, Money, OrganisationView};
use domain::search::{MatchKind, SearchHit, Snippet};

/// Shared by every page: labels, the language switch, the sign-in link.
pub struct Layout {
    pub t: Tr,
    pub title: String,
    /// The page's own path and query, for the language switch to come back to.
    pub here: String,
    pub signed_in: bool,
    /// Signed in as a broker: the console is in the menu.
    pub is_broker: bool,
    pub languages: Vec<Choice>,
    /// The form token for this session; every form on the page carries it.
    pub csrf_token: String,
}

impl Layout {
    pub fn new(t: Tr, title: String, here: String, signed_in: bool) -> Layout {
        let languages = Lang::ALL
            .iter()
            .map(|lang| Choice {
                value: lang.code().to_owned(),
                label: lang.own_name().to_owned(),
                checked: *lang == t.lang,
            })
            .collect();
        Layout {
            t,
            title,
            here,
            signed_in,
            is_broker: false,
            languages,
            csrf_token: String::new(),
        }
    }

    pub fn lang(&self) -> &'static str {
        self.t.lang.code()
    }

    /// Where "sign in" leads: the members' portal, coming back here afterwards.
    pub fn login_href(&self) -> String {
        login_href(&self.here)
    }
}

pub fn login_href(next: &str) -> String {
    format!(
        "/login?{}",
        super::search_form::encode(std::iter::once(("next", next)))
    )
}

/// An option of a select, checkbox group or radio group.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// A label and its value, for details lists.
pub struct Row {
    pub label: String,
    pub value: String,
}

/// A piece of text, marked when it matched the query.
pub struct Part {
    pub text: String,
    pub marked: bool,
}

pub struct SnippetView {
    pub field: String,
    pub parts: Vec<Part>,
}

/// A listing as a result card.
pub struct Card {
    pub id: String,
    pub kind: &'static str,
    pub kind_label: String,
    pub title: String,
    pub summary: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub verified: bool,
    pub generated_example: bool,
    pub place: String,
    pub price: Option<String>,
    pub snippets: Vec<SnippetView>,
    pub why: Option<String>,
}

/// Splits a snippet at its highlights; ranges that do not fall on character boundaries
/// or overlap are ignored rather than trusted.
pub fn snippet_parts(snippet: &Snippet) -> Vec<Part> {
    let text = snippet.text.as_str();
    let mut ranges = snippet.highlights.clone();
    ranges.sort_unstable();
    let mut parts = Vec::new();
    let mut at = 0;
    for (start, end) in ranges {
        if start < at || end <= start {
            continue;
        }
        let (Some(before), Some(marked)) = (text.get(at..start), text.get(start..end)) else {
            continue;
        };
        if !before.is_empty() {
            parts.push(Part {
                text: before.to_owned(),
                marked: false,
            });
        }
        parts.push(Part {
            text: marked.to_owned(),
            marked: true,
        });
        at = end;
    }
    if let Some(rest) = text.get(at..)
        && !rest.is_empty()
    {
        parts.push(Part {
            text: rest.to_owned(),
            marked: false,
        });
    }
    parts
}

pub fn place(location: &Location) -> String {
    [
        location.city.as_deref(),
        location.region.as_deref(),
        Some(location.country.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

pub fn money(money: &Money) -> String {
    let units = money.amount_minor / 100;
    let cents = (money.amount_minor % 100).abs();
    let symbol = match money.currency.as_str() {
        "EUR" => "€",
        "GBP" => "£",
        "USD" => "$",
        _ => "",
    };
    let amount = if cents == 0 {
        units.to_string()
    } else {
        format!("{units}.{cents:02}")
    };
    if symbol.is_empty() {
        format!("{amount} {}", money.currency)
    } else {
        format!("{symbol}{amount}")
    }
}

/// A facility's "from" price or a space's monthly price, in words.
pub fn headline_price(t: &Tr, details: &ListingDetails) -> Option<String> {
    match details {
        ListingDetails::Facility(d) => {
            let price = d.price_from.as_ref().or(d.external_price_from.as_ref())?;
            Some(match d.price_unit {
                Some(unit) => t.with(
                    "price-from-per",
                    (
                        ("price", money(price)),
                        ("unit", t.value("unit", unit.as_str())),
                    ),
                ),
                None => t.with("price-from", (("price", money(price)),)),
            })
        }
        ListingDetails::Space(d) => d
            .monthly_price
            .as_ref()
            .map(|price| t.with("price-per-month", (("price", money(price)),))),
        ListingDetails::Expertise(_) => None,
    }
}

fn how(kind: MatchKind) -> &'static str {
    match kind {
        MatchKind::Exact => "exact",
        MatchKind::Stemmed => "stemmed",
        MatchKind::Synonym => "synonym",
        MatchKind::Typo => "typo",
        MatchKind::Prefix => "prefix",
    }
}

/// "why it matched", in the visitor's language.
pub fn why(t: &Tr, hit: &SearchHit, near: Option<&str>) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for term in &hit.matched {
        if parts.len() < 4 && seen.insert((term.query_term.clone(), term.field.clone())) {
            let key = match term.kind {
                MatchKind::Exact => "why-term",
                _ => "why-term-how",
            };
            parts.push(t.with(
                key,
                (
                    ("term", term.query_term.clone()),
                    ("field", t.value("field", &term.field)),
                    ("how", t.value("how", how(term.kind))),
                ),
            ));
        }
    }
    let mut sentence = if parts.is_empty() {
        String::new()
    } else {
        t.with("why-matched", (("terms", parts.join(", ")),))
    };
    if let (Some(distance), Some(near)) = (hit.distance_km, near) {
        let away = t.with(
            "why-distance",
            (("km", format!("{distance:.0}")), ("place", near.to_owned())),
        );
        sentence = if sentence.is_empty() {
            away
        } else {
            format!("{sentence}; {away}")
        };
    }
    (!sentence.is_empty()).then_some(sentence)
}

pub fn card(t: &Tr, listing: &ListingView) -> Card {
    Card {
        id: listing.id.clone(),
        kind: listing.kind.as_str(),
        kind_label: t.value("kind", listing.kind.as_str()),
        title: listing.title.clone(),
        summary: listing.summary.clone(),
        organisation_id: listing.organisation_id.clone(),
        organisation_name: listing.organisation_name.clone(),
        verified: listing.organisation_verified,
        generated_example: listing.generated_example,
        place: place(&listing.location),
        price: headline_price(t, &listing.details),
        snippets: Vec::new(),
        why: None,
    }
}

pub fn hit_card(t: &Tr, hit: &SearchHit, near: Option<&str>) -> Card {
    Card {
        snippets: hit
            .snippets
            .iter()
            .map(|snippet| SnippetView {
                field: t.value("field", &snippet.field),
                parts: snippet_parts(snippet),
            })
            .filter(|snippet| snippet.parts.iter().any(|p| p.marked))
            .take(2)
            .collect(),
        why: why(t, hit, near),
        ..card(t, &hit.listing)
    }
}

fn joined(values: &[String]) -> Option<String> {
    (!values.is_empty()).then(|| values.join(", "))
}

fn row(label: String, value: Option<String>) -> Option<Row> {
    value.map(|value| Row { label, value })
}

/// What a listing says beyond its text, as rows for a details list.
pub fn detail_rows(t: &Tr, listing: &ListingView) -> Vec<Row> {
    let mut rows: Vec<Option<Row>> = vec![row(t.t("detail-place"), Some(place(&listing.location)))];
    match &listing.details {
        ListingDetails::Expertise(d) => {
            rows.push(row(t.t("detail-techniques"), joined(&d.techniques)));
            rows.push(row(
                t.t("detail-engagement"),
                joined(
                    &d.engagement_modes
                        .iter()
                        .map(|m| t.value("engagement", m.as_str()))
                        .collect::<Vec<_>>(),
                ),
            ));
            rows.push(row(
                t.t("detail-trl"),
                match (d.trl_min, d.trl_max) {
                    (Some(min), Some(max)) if min == max => Some(min.to_string()),
                    (Some(min), Some(max)) => Some(format!("{min}–{max}")),
                    (Some(min), None) => Some(format!("≥ {min}")),
                    (None, Some(max)) => Some(format!("≤ {max}")),
                    (None, None) => None,
                },
            ));
            rows.push(row(t.t("detail-languages"), joined(&d.languages)));
            rows.push(row(
                t.t("detail-researchers"),
                joined(
                    &d.researchers
                        .iter()
                        .map(|r| match &r.role {
                            Some(role) => format!("{} ({role})", r.name),
                            None => r.name.clone(),
                        })
                        .collect::<Vec<_>>(),
                ),
            ));
        }
        ListingDetails::Facility(d) => {
            rows.push(row(t.t("detail-equipment"), joined(&d.equipment)));
            rows.push(row(t.t("detail-techniques"), joined(&d.techniques)));
            rows.push(row(t.t("detail-accreditation"), joined(&d.accreditation)));
            rows.push(row(
                t.t("detail-access"),
                d.access_mode.map(|m| t.value("access", m.as_str())),
            ));
            rows.push(row(
                t.t("detail-price"),
                headline_price(t, &listing.details),
            ));
            rows.push(row(
                t.t("detail-turnaround"),
                d.turnaround_days
                    .map(|days| t.count("days", u64::from(days))),
            ));
        }
        ListingDetails::Space(d) => {
            rows.push(row(
                t.t("detail-space-type"),
                Some(t.value("space-type", d.space_type.as_str())),
            ));
            rows.push(row(
                t.t("detail-capacity"),
                d.capacity.map(|c| t.count("people", u64::from(c))),
            ));
            rows.push(row(
                t.t("detail-area"),
                d.area_m2.map(|a| format!("{a} m²")),
            ));
            rows.push(row(
                t.t("detail-price"),
                headline_price(t, &listing.details),
            ));
            rows.push(row(
                t.t("detail-available"),
                match (d.available_from, d.available_until) {
                    (None, None) => None,
                    (from, until) => Some(format!(
                        "{} – {}",
                        from.map(|d| d.to_string()).unwrap_or_default(),
                        until.map(|d| d.to_string()).unwrap_or_default()
                    )),
                },
            ));
            rows.push(row(t.t("detail-amenities"), joined(&d.amenities)));
            rows.push(row(
                t.t("detail-stages"),
                joined(
                    &d.eligible_stages
                        .iter()
                        .map(|s| t.value("stage", s.as_str()))
                        .collect::<Vec<_>>(),
                ),
            ));
            rows.push(row(t.t("detail-sectors"), joined(&d.eligible_sectors)));
        }
    }
    rows.into_iter().flatten().collect()
}

/// A link to follow only when it is a web address: anything else (a `javascript:` URL
/// typed as a website) is shown as text.
pub fn web_link(address: &str) -> Option<String> {
    let lower = address.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        .then(|| address.trim().to_owned())
}

/// The organisation's business-engagement contact, as rows (present only for signed-in
/// visitors; the domain decides).
pub fn contact_rows(t: &Tr, organisation: &OrganisationView) -> Vec<Row> {
    let Some(contact) = &organisation.contact else {
        return Vec::new();
    };
    [
        row(t.t("contact-name"), contact.name.clone()),
        row(t.t("contact-email"), contact.email.clone()),
        row(t.t("contact-phone"), contact.phone.clone()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// One field of a members' form: what was typed comes back in `value` and a problem
/// with it in `error`, next to the field.
pub struct FormField {
    pub name: &'static str,
    pub label: String,
    /// `text`, `email`, `password`, `number`, `date`, `url`, `textarea`, `select` or
    /// `checkboxes`.
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<Choice>,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub required: bool,
    pub required_label: String,
    pub autocomplete: &'static str,
}

impl FormField {
    pub fn new(t: &Tr, name: &'static str, kind: &'static str, label_key: &str) -> FormField {
        FormField {
            name,
            label: t.t(label_key),
            kind,
            value: String::new(),
            options: Vec::new(),
            hint: None,
            error: None,
            required: false,
            required_label: t.t("form-required"),
            autocomplete: "",
        }
    }

    /// The input's `type`: whole numbers are text fields with a numeric keyboard, so
    /// what was typed comes back to the server (and to the form) even when it is not a
    /// number, and the server names the problem.
    pub fn input_type(&self) -> &'static str {
        match self.kind {
            "number" => "text",
            kind => kind,
        }
    }

    pub fn required(mut self) -> FormField {
        self.required = true;
        self
    }

    pub fn value(mut self, value: impl Into<String>) -> FormField {
        self.value = value.into();
        self
    }

    pub fn hint(mut self, hint: String) -> FormField {
        self.hint = Some(hint);
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> FormField {
        self.autocomplete = autocomplete;
        self
    }

    /// A select or checkbox group of `values`, labelled `prefix-<value>`, with the
    /// typed values chosen.
    pub fn options(
        mut self,
        t: &Tr,
        prefix: &str,
        values: &[&str],
        chosen: &[String],
    ) -> FormField {
        self.options = values
            .iter()
            .map(|value| Choice {
                value: (*value).to_owned(),
                label: if value.is_empty() {
                    t.t("form-choose")
                } else {
                    t.value(prefix, value)
                },
                checked: chosen.iter().any(|c| c == value),
            })
            .collect();
        self
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_at_highlights_and_ignore_bad_ranges() {
        let snippet = Snippet {
            field: "summary".into(),
            text: "Prova di fatica <b>su</b> compositi".into(),
            highlights: vec![(9, 15), (30, 35), (31, 33), (16, 17), (2, 1)],
        };
        let parts = snippet_parts(&snippet);
        let rendered: Vec<(bool, &str)> =
            parts.iter().map(|p| (p.marked, p.text.as_str())).collect();
        assert_eq!(
            rendered,
            vec![
                (false, "Prova di "),
                (true, "fatica"),
                (false, " "),
                (true, "<"),
                (false, "b>su</b> comp"),
                (true, "ositi"),
            ]
        );
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, snippet.text, "no text lost or repeated");
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(
            web_link(" https://unibo.it "),
            Some("https://unibo.it".into())
        );
        assert_eq!(web_link("javascript:alert(1)"), None);
        assert_eq!(web_link("JAVASCRIPT:alert(1)"), None);
        assert_eq!(web_link("data:text/html,x"), None);
    }

    #[test]
    fn money_reads_naturally() {
        let eur = |amount_minor| Money {
            amount_minor,
            currency: "EUR".into(),
        };
        assert_eq!(money(&eur(35_000)), "€350");
        assert_eq!(money(&eur(35_050)), "€350.50");
        assert_eq!(
            money(&Money {
                amount_minor: 100,
                currency: "CHF".into()
            }),
            "1 CHF"
        );
    }
}
