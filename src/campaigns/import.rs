//! CSV contact import: a column mapping, per-row validation with line numbers, and rows ready
//! for `Store::import_contacts`, which dedupes them against existing identities and writes
//! everything in one transaction (a row is imported whole or reported, never half).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::phone::{PhoneRegion, to_e164};
use crate::store::audience::{ConsentChange, ImportRow};

/// Where a CSV column goes. Written as text in a mapping: `name`, `email`, `phone`, `tags`
/// (separated by `;` or `,`), `timezone`, `attribute:<key>`, `identity:<scope>` (e.g.
/// `identity:telegram`), `consent:<channel kind>` (yes/no, true/false, 1/0,
/// granted/withdrawn; empty leaves it unset) or `ignore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Name,
    Email,
    Phone,
    Tags,
    Timezone,
    Attribute(String),
    Identity(String),
    Consent(String),
    Ignore,
}

impl Target {
    /// Parses a mapping target.
    ///
    /// # Errors
    /// An unknown target or an empty key, named.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let keyed = |prefix: &str| {
            text.strip_prefix(prefix)
                .map(str::trim)
                .filter(|key| !key.is_empty())
                .map(str::to_owned)
        };
        Ok(match text {
            "name" => Target::Name,
            "email" => Target::Email,
            "phone" => Target::Phone,
            "tags" => Target::Tags,
            "timezone" => Target::Timezone,
            "ignore" => Target::Ignore,
            _ => {
                if let Some(key) = keyed("attribute:") {
                    // The same keys segments can filter on.
                    if key.len() > 64
                        || !key
                            .chars()
                            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
                    {
                        return Err(format!(
                            "{text:?}: attribute keys use letters, digits, `_` and `-`"
                        ));
                    }
                    Target::Attribute(key)
                } else if let Some(scope) = keyed("identity:") {
                    Target::Identity(scope)
                } else if let Some(kind) = keyed("consent:") {
                    if connector_sdk::ChannelKind::parse(&kind).is_none() {
                        return Err(format!("{text:?}: {kind:?} is not a channel kind"));
                    }
                    Target::Consent(kind)
                } else {
                    return Err(format!(
                        "{text:?} is not one of name, email, phone, tags, timezone, ignore, \
                         attribute:<key>, identity:<scope>, consent:<channel>"
                    ));
                }
            }
        })
    }
}

/// How to read a file: which column goes where. Columns not in the mapping are matched by
/// their header when it is itself a target (`email`, `consent:email`, …); other headers that
/// are valid attribute keys (letters, digits, `_`, `-`) become attributes, the rest is ignored.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportOptions {
    /// Header → target.
    #[serde(default)]
    pub mapping: BTreeMap<String, String>,
    /// Proof recorded with consents from this file (e.g. "signup form export 2026-11").
    #[serde(default)]
    pub consent_proof: Option<String>,
    /// Import nothing when any row is rejected.
    #[serde(default)]
    pub strict: bool,
}

/// A parsed file: rows to write and rows refused, with line numbers and reasons.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub rows: Vec<ImportRow>,
    pub rejected: Vec<(u64, String)>,
}

/// Reads a CSV file (UTF-8, header row first).
///
/// # Errors
/// When the header is unreadable or the mapping names an unknown target or column; bad rows
/// are not errors but entries of [`Parsed::rejected`].
pub fn parse(data: &[u8], options: &ImportOptions, region: PhoneRegion) -> Result<Parsed, String> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers = reader
        .headers()
        .map_err(|err| format!("header: {err}"))?
        .clone();
    for column in options.mapping.keys() {
        if !headers.iter().any(|header| header == column) {
            return Err(format!("mapping: the file has no column {column:?}"));
        }
    }
    let mut targets = Vec::with_capacity(headers.len());
    for header in &headers {
        let target = match options.mapping.get(header) {
            Some(target) => Target::parse(target).map_err(|err| format!("mapping: {err}"))?,
            None => Target::parse(header).unwrap_or_else(|_| {
                let key = !header.is_empty()
                    && header.len() <= 64
                    && header
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
                if key {
                    Target::Attribute(header.to_owned())
                } else {
                    Target::Ignore
                }
            }),
        };
        targets.push(target);
    }
    if !targets
        .iter()
        .any(|target| matches!(target, Target::Email | Target::Phone | Target::Identity(_)))
    {
        return Err(
            "mapping: no column gives an email, phone or identity to match contacts by".into(),
        );
    }
    let proof = options.consent_proof.clone();
    let mut parsed = Parsed::default();
    for record in reader.records() {
        let (line, record) = match record {
            Ok(record) => (record.position().map_or(0, |p| p.line()), record),
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                parsed.rejected.push((line, format!("unreadable: {err}")));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        match read_row(line, &record, &targets, proof.as_deref(), region) {
            Ok(row) => parsed.rows.push(row),
            Err(reason) => parsed.rejected.push((line, reason)),
        }
    }
    Ok(parsed)
}

fn read_row(
    line: u64,
    record: &csv::StringRecord,
    targets: &[Target],
    proof: Option<&str>,
    region: PhoneRegion,
) -> Result<ImportRow, String> {
    if record.len() != targets.len() {
        return Err(format!(
            "has {} fields, the header has {}",
            record.len(),
            targets.len()
        ));
    }
    let mut row = ImportRow {
        line,
        ..ImportRow::default()
    };
    for (value, target) in record.iter().zip(targets) {
        if value.is_empty() {
            continue;
        }
        match target {
            Target::Ignore => {}
            // Names become display names and mail headers: one clean line.
            Target::Name => row.name = connector_sdk::text::clean_optional_line(Some(value)),
            Target::Email => {
                let email = value.to_lowercase();
                if !is_email(&email) {
                    return Err(format!("email {value:?} is not an address"));
                }
                row.identities.push(("email".into(), email.clone()));
                row.email = Some(email);
            }
            Target::Phone => {
                let phone = to_e164(value, region).ok_or_else(|| {
                    format!("phone {value:?} is not a phone number (+420 777 123 456, or one of region {region})")
                })?;
                row.identities.push(("phone".into(), phone.clone()));
                row.phone = Some(phone);
            }
            Target::Tags => {
                for tag in value
                    .split([';', ','])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                {
                    if !row.tags.iter().any(|known| known == tag) {
                        row.tags.push(tag.to_owned());
                    }
                }
            }
            Target::Timezone => {
                if value.parse::<chrono_tz::Tz>().is_err() {
                    return Err(format!(
                        "timezone {value:?} is not an IANA zone like Europe/Prague"
                    ));
                }
                row.attributes.insert(
                    "timezone".into(),
                    serde_json::Value::String(value.to_owned()),
                );
            }
            Target::Attribute(key) => {
                row.attributes.insert(key.clone(), attribute_value(value));
            }
            Target::Identity(scope) => {
                // WhatsApp knows a person by the digits of their number in E.164 (the `wa_id`
                // its webhooks carry), without the `+`.
                let id = if scope == "whatsapp" {
                    to_e164(value, region)
                        .map(|e164| e164.trim_start_matches('+').to_owned())
                        .ok_or_else(|| {
                            format!("identity:whatsapp {value:?} is not a phone number")
                        })?
                } else {
                    value.to_owned()
                };
                row.identities.push((scope.clone(), id));
            }
            Target::Consent(kind) => {
                let granted = match value.to_lowercase().as_str() {
                    "yes" | "y" | "true" | "1" | "granted" | "ano" => true,
                    "no" | "n" | "false" | "0" | "withdrawn" | "ne" => false,
                    _ => return Err(format!("consent:{kind} {value:?} is not yes or no")),
                };
                row.consents.push(ConsentChange {
                    channel: kind.clone(),
                    granted,
                    source: "import".into(),
                    proof: proof.map(str::to_owned),
                });
            }
        }
    }
    if row.identities.is_empty() {
        return Err("has no email, phone or identity".into());
    }
    Ok(row)
}

/// Numbers stay numbers and true/false booleans, so segments can compare them; the rest is text.
fn attribute_value(value: &str) -> serde_json::Value {
    if let Ok(int) = value.parse::<i64>() {
        return int.into();
    }
    if let Ok(real) = value.parse::<f64>()
        && real.is_finite()
        && let Some(number) = serde_json::Number::from_f64(real)
    {
        return serde_json::Value::Number(number);
    }
    match value {
        "true" => true.into(),
        "false" => false.into(),
        _ => value.into(),
    }
}

fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|ch| ch.is_whitespace() || ch == ',' || ch == ';')
}

/// `+` and digits only (spaces, dashes, dots and brackets dropped), 7 to 15 digits (E.164).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_validated_with_line_numbers() {
        let file = "email,name,consent:email,tags,age,timezone\n\
                    ana@example.com,Ana,yes,vip;cz,34,Europe/Prague\n\
                    not-an-email,Bob,yes,,,\n\
                    cyril@example.com,Cyril,maybe,,,\n\
                    dana@example.com,Dana,no,,x,Mars/Base\n\
                    \n\
                    eva@example.com,Eva,,,41.5,\n";
        let parsed = parse(
            file.as_bytes(),
            &ImportOptions::default(),
            PhoneRegion::default(),
        )
        .unwrap();
        assert_eq!(parsed.rows.len(), 2);
        let lines: Vec<u64> = parsed.rejected.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(parsed.rejected[0].1.contains("not an address"));
        assert!(parsed.rejected[1].1.contains("not yes or no"));
        assert!(parsed.rejected[2].1.contains("IANA"));
        let ana = &parsed.rows[0];
        assert_eq!(ana.tags, vec!["vip", "cz"]);
        assert_eq!(ana.attributes["age"], serde_json::json!(34));
        assert!(ana.consents[0].granted);
        assert_eq!(parsed.rows[1].attributes["age"], serde_json::json!(41.5));
    }

    #[test]
    fn mapping_renames_columns_and_is_checked() {
        let file = "E-mail,Telegram,Phone number\nana@example.com,12345,+420 601 234 567\n";
        let mut options = ImportOptions::default();
        options.mapping.insert("E-mail".into(), "email".into());
        options
            .mapping
            .insert("Telegram".into(), "identity:telegram".into());
        options
            .mapping
            .insert("Phone number".into(), "phone".into());
        let parsed = parse(file.as_bytes(), &options, PhoneRegion::default()).unwrap();
        assert_eq!(
            parsed.rows[0].identities,
            vec![
                ("email".to_owned(), "ana@example.com".to_owned()),
                ("telegram".to_owned(), "12345".to_owned()),
                ("phone".to_owned(), "+420601234567".to_owned()),
            ]
        );
        options.mapping.insert("Fax".into(), "phone".into());
        assert!(
            parse(file.as_bytes(), &options, PhoneRegion::default())
                .unwrap_err()
                .contains("Fax")
        );
        let mut bad = ImportOptions::default();
        bad.mapping.insert("E-mail".into(), "mail".into());
        assert!(parse(file.as_bytes(), &bad, PhoneRegion::default()).is_err());
        assert!(
            parse(
                b"name\nAna\n",
                &ImportOptions::default(),
                PhoneRegion::default()
            )
            .is_err()
        );
    }
}
