//! What a valid input is: lengths, formats and ranges, each failure named by field and a
//! stable code. Pure functions, no storage.

use crate::error::{Error, Result};
use crate::model::*;
use chrono::{DateTime, Utc};

pub const MAX_TITLE: usize = 200;
pub const MAX_NAME: usize = 200;
pub const MAX_SUMMARY: usize = 1_000;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_TAG: usize = 100;
pub const MAX_TAGS: usize = 50;
pub const MAX_RESEARCHERS: usize = 50;
/// One hundred million in major units: far above any price a listing could honestly ask.
pub const MAX_MINOR_UNITS: i64 = 10_000_000_000;
pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 256;

/// Trims, then checks length (in characters) and rejects control characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String> {
    let value = value.trim();
    let length = value.chars().count();
    if length < min {
        return Err(if min == 1 {
            Error::invalid(
                field,
                "field_required",
                format!("`{field}` must not be empty"),
            )
        } else {
            Error::invalid(
                field,
                "field_too_short",
                format!("`{field}` must be at least {min} characters"),
            )
        });
    }
    if length > max {
        return Err(Error::invalid(
            field,
            "field_too_long",
            format!("`{field}` must be at most {max} characters (got {length})"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::invalid(
            field,
            "field_invalid",
            format!("`{field}` contains control characters"),
        ));
    }
    Ok(value.to_owned())
}

/// An optional text where an empty string means "none".
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => text(field, value, 1, max).map(Some),
    }
}

pub fn email(field: &str, value: &str) -> Result<String> {
    let value = text(field, value, 1, 254)?.to_lowercase();
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if valid {
        Ok(value)
    } else {
        Err(Error::invalid(
            field,
            "email_invalid",
            format!("`{field}` is not an email address"),
        ))
    }
}

pub fn password(value: &str) -> Result<()> {
    let length = value.chars().count();
    if length < MIN_PASSWORD {
        return Err(Error::invalid(
            "password",
            "password_too_short",
            format!("the password must be at least {MIN_PASSWORD} characters"),
        ));
    }
    if length > MAX_PASSWORD {
        return Err(Error::invalid(
            "password",
            "password_too_long",
            format!("the password must be at most {MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

pub fn website(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = optional_text(field, value, 500)? else {
        return Ok(None);
    };
    let lower = value.to_lowercase();
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match host {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !value.contains(' ') => {
            Ok(Some(value))
        }
        _ => Err(Error::invalid(
            field,
            "url_invalid",
            format!("`{field}` must be an http:// or https:// address"),
        )),
    }
}

/// ISO 3166-1 alpha-2, upper case.
pub fn country(field: &str, value: &str) -> Result<String> {
    let value = value.trim().to_uppercase();
    if value.len() == 2 && value.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(value)
    } else {
        Err(Error::invalid(
            field,
            "country_invalid",
            format!("`{field}` must be a two-letter country code such as IT"),
        ))
    }
}

/// ISO 639-1, lower case.
pub fn language(field: &str, value: &str) -> Result<String> {
    let value = value.trim().to_lowercase();
    if value.len() == 2 && value.chars().all(|c| c.is_ascii_lowercase()) {
        Ok(value)
    } else {
        Err(Error::invalid(
            field,
            "language_invalid",
            format!("`{field}` must be a two-letter language code such as en or it"),
        ))
    }
}

pub fn nuts_code(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = optional_text(field, value, 8)? else {
        return Ok(None);
    };
    let value = value.to_uppercase();
    let valid = (2..=5).contains(&value.len())
        && value.chars().take(2).all(|c| c.is_ascii_uppercase())
        && value.chars().skip(2).all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(Some(value))
    } else {
        Err(Error::invalid(
            field,
            "nuts_code_invalid",
            format!("`{field}` must be a NUTS code such as ITH55"),
        ))
    }
}

/// A ROR identifier, stored in its canonical `https://ror.org/0xxxxxxxx` form.
pub fn ror_id(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = optional_text(field, value, 64)? else {
        return Ok(None);
    };
    let lower = value.to_lowercase();
    let bare = lower
        .strip_prefix("https://ror.org/")
        .or_else(|| lower.strip_prefix("ror.org/"))
        .unwrap_or(&lower);
    if bare.len() == 9 && bare.starts_with('0') && bare.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(Some(format!("https://ror.org/{bare}")))
    } else {
        Err(Error::invalid(
            field,
            "ror_id_invalid",
            format!("`{field}` must be a ROR identifier such as https://ror.org/01111rn36"),
        ))
    }
}

/// The EU Participant Identification Code: nine digits.
pub fn pic(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = optional_text(field, value, 16)? else {
        return Ok(None);
    };
    if value.len() == 9 && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(Some(value))
    } else {
        Err(Error::invalid(
            field,
            "pic_invalid",
            format!("`{field}` must be a nine-digit EU Participant Identification Code"),
        ))
    }
}

/// A VAT number with its country prefix, stored upper case without spaces.
pub fn vat(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = optional_text(field, value, 32)? else {
        return Ok(None);
    };
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect::<String>()
        .to_uppercase();
    let valid = (4..=16).contains(&compact.len())
        && compact.chars().take(2).all(|c| c.is_ascii_uppercase())
        && compact.chars().skip(2).all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(Some(compact))
    } else {
        Err(Error::invalid(
            field,
            "vat_invalid",
            format!(
                "`{field}` must be a VAT number with its country prefix, such as IT01234567890"
            ),
        ))
    }
}

pub fn coordinates(latitude: Option<f64>, longitude: Option<f64>) -> Result<()> {
    if let Some(latitude) = latitude
        && !(latitude.is_finite() && (-90.0..=90.0).contains(&latitude))
    {
        return Err(Error::invalid(
            "latitude",
            "latitude_invalid",
            "`latitude` must be between -90 and 90",
        ));
    }
    if let Some(longitude) = longitude
        && !(longitude.is_finite() && (-180.0..=180.0).contains(&longitude))
    {
        return Err(Error::invalid(
            "longitude",
            "longitude_invalid",
            "`longitude` must be between -180 and 180",
        ));
    }
    if latitude.is_some() != longitude.is_some() {
        return Err(Error::invalid(
            if latitude.is_some() {
                "longitude"
            } else {
                "latitude"
            },
            "coordinates_incomplete",
            "`latitude` and `longitude` go together: give both or neither",
        ));
    }
    Ok(())
}

/// A list of short free-text tags: trimmed, empty ones dropped, duplicates removed.
pub fn tags(field: &str, values: &[String]) -> Result<Vec<String>> {
    if values.len() > MAX_TAGS {
        return Err(Error::invalid(
            field,
            "too_many_items",
            format!("`{field}` may hold at most {MAX_TAGS} items"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        if value.trim().is_empty() {
            continue;
        }
        let value = text(field, value, 1, MAX_TAG)?;
        if !out.iter().any(|seen| seen.eq_ignore_ascii_case(&value)) {
            out.push(value);
        }
    }
    Ok(out)
}

/// NACE codes: a section letter, optionally followed by a division, group and class.
pub fn nace_codes(field: &str, values: &[String]) -> Result<Vec<String>> {
    let codes = tags(field, values)?;
    for code in &codes {
        let code = code.to_uppercase();
        let mut chars = code.chars();
        let section_ok = chars.next().is_some_and(|c| ('A'..='U').contains(&c));
        let rest: String = chars.collect();
        let rest_ok = rest.is_empty()
            || (rest.chars().all(|c| c.is_ascii_digit() || c == '.')
                && rest.chars().next().is_some_and(|c| c.is_ascii_digit())
                && rest.len() <= 5);
        if !(section_ok && rest_ok) {
            return Err(Error::invalid(
                field,
                "nace_code_invalid",
                format!("`{code}` is not a NACE code such as C or C26.51"),
            ));
        }
    }
    Ok(codes.into_iter().map(|c| c.to_uppercase()).collect())
}

pub fn bounded_integer(field: &str, value: i64, min: i64, max: i64) -> Result<i64> {
    if value < min {
        return Err(Error::invalid(
            field,
            if value < 0 {
                "number_negative"
            } else {
                "number_too_small"
            },
            format!("`{field}` must be at least {min}"),
        ));
    }
    if value > max {
        return Err(Error::invalid(
            field,
            "number_too_large",
            format!("`{field}` must be at most {max}"),
        ));
    }
    Ok(value)
}

/// ISO 4217, upper case.
pub fn currency(field: &str, value: &str) -> Result<String> {
    let value = value.trim().to_uppercase();
    if value.len() == 3 && value.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(value)
    } else {
        Err(Error::invalid(
            field,
            "currency_invalid",
            format!("`{field}` must be a three-letter currency code such as EUR"),
        ))
    }
}

pub fn expiry(field: &str, value: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if value <= now {
        return Err(Error::invalid(
            field,
            "expiry_in_past",
            format!("`{field}` must be in the future"),
        ));
    }
    if value > now + chrono::Duration::days(3 * 366) {
        return Err(Error::invalid(
            field,
            "expiry_too_far",
            format!("`{field}` may be at most three years ahead; renew instead"),
        ));
    }
    Ok(value)
}

pub fn researchers(values: &[Researcher]) -> Result<Vec<Researcher>> {
    if values.len() > MAX_RESEARCHERS {
        return Err(Error::invalid(
            "researchers",
            "too_many_items",
            format!("`researchers` may hold at most {MAX_RESEARCHERS} people"),
        ));
    }
    values
        .iter()
        .enumerate()
        .map(|(index, researcher)| {
            let at = |name: &str| format!("researchers[{index}].{name}");
            Ok(Researcher {
                name: text(&at("name"), &researcher.name, 1, MAX_NAME)?,
                role: optional_text(&at("role"), researcher.role.as_deref(), 120)?,
                email: match researcher.email.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(value) => Some(email(&at("email"), value)?),
                },
                phone: optional_text(&at("phone"), researcher.phone.as_deref(), 40)?,
                informed: researcher.informed,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_normalised_or_named_in_the_error() {
        assert_eq!(
            ror_id("ror_id", Some("01111rn36"))
                .ok()
                .flatten()
                .as_deref(),
            Some("https://ror.org/01111rn36")
        );
        assert_eq!(
            vat("vat", Some("it 0123-4567890"))
                .ok()
                .flatten()
                .as_deref(),
            Some("IT01234567890")
        );
        let error = pic("pic", Some("12ab")).err();
        assert_eq!(
            error.map(|e| (e.code, e.field)),
            Some(("pic_invalid", Some("pic".into())))
        );
    }

    #[test]
    fn text_limits_count_characters_not_bytes() {
        assert!(text("title", &"è".repeat(200), 1, 200).is_ok());
        assert_eq!(
            text("title", &"è".repeat(201), 1, 200)
                .err()
                .map(|e| e.code),
            Some("field_too_long")
        );
        assert_eq!(
            text("title", "  ", 1, 200).err().map(|e| e.code),
            Some("field_required")
        );
    }

    #[test]
    fn coordinates_must_be_complete_and_in_range() {
        assert!(coordinates(Some(44.5), Some(11.3)).is_ok());
        assert!(coordinates(Some(91.0), Some(11.3)).is_err());
        assert!(coordinates(Some(f64::NAN), Some(11.3)).is_err());
        assert_eq!(
            coordinates(Some(44.5), None).err().map(|e| e.code),
            Some("coordinates_incomplete")
        );
    }

    #[test]
    fn nace_codes_accept_sections_and_classes_only() {
        assert!(nace_codes("industries", &["C26.51".into(), "m".into()]).is_ok());
        assert!(nace_codes("industries", &["Z99".into()]).is_err());
    }
}
