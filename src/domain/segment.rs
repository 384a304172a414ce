//! Segments: a typed filter over contacts as a marketer writes it, the rules a filter must
//! follow, and the saved segment. Compiling a filter to SQL is the store's business
//! (`store/segment_sql.rs`); it reads values through the accessors here, so a filter that
//! passes [`Filter::check`] always compiles.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// Which contacts a segment selects. Written as JSON with an `op` tag, e.g.
/// `{"op": "all", "of": [{"op": "tag", "tag": "vip"}, {"op": "consent", "channel": "email"}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Filter {
    /// Every contact.
    Everyone,
    /// All of the filters hold (an empty list holds for everyone).
    All {
        #[schema(no_recursion)]
        of: Vec<Filter>,
    },
    /// At least one holds (an empty list holds for nobody).
    Any {
        #[schema(no_recursion)]
        of: Vec<Filter>,
    },
    /// The filter does not hold.
    Not {
        #[schema(no_recursion)]
        filter: Box<Filter>,
    },
    /// The contact has this tag.
    Tag {
        #[schema(pattern = r"\S")]
        tag: String,
    },
    /// Compares an attribute (`contact.attributes.<key>`) with a value.
    Attribute {
        /// Letters, digits, `_` and `-`.
        #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
        key: String,
        cmp: Comparison,
        /// A string, number or boolean; `gt`, `gte`, `lt`, `lte` need a number, `before` and
        /// `after` a date (`YYYY-MM-DD` or RFC 3339).
        #[schema(schema_with = comparable_value_schema)]
        value: serde_json::Value,
    },
    /// The contact has a reachable identity in this scope (`email`, `telegram`, `whatsapp`, …).
    HasIdentity {
        #[schema(pattern = r"\S")]
        scope: String,
    },
    /// The contact granted marketing consent for this channel kind and has not withdrawn it.
    Consent {
        #[schema(pattern = r"\S")]
        channel: String,
    },
    /// Any conversation of the contact was active within the last `days` days.
    ActiveWithin {
        #[schema(maximum = 36500)]
        days: u32,
    },
    /// No conversation of the contact was active within the last `days` days (or none at all).
    InactiveFor {
        #[schema(maximum = 36500)]
        days: u32,
    },
    /// The contact had a conversation resolved within the last `days` days.
    ResolvedWithin {
        #[schema(maximum = 36500)]
        days: u32,
    },
}

/// What an attribute can be compared with: a string, a number or a boolean.
fn comparable_value_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{SchemaType, Type};
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([
            Type::String,
            Type::Number,
            Type::Boolean,
        ]))
        .build()
}

impl<'de> Deserialize<'de> for Filter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        check_tag(&value).map_err(serde::de::Error::custom)?;
        FilterWire::deserialize(value).map_err(serde::de::Error::custom)
    }
}

/// What serde's internally tagged enums let through and a filter must not: an `op` that is
/// not a string (a number is taken as the variant's index, so `{"op": 0}` read as
/// `everyone`), and other keys beside `{"op": "everyone"}`.
fn check_tag(value: &serde_json::Value) -> Result<(), String> {
    let Some(object) = value.as_object() else {
        return Err("a filter is an object with an `op`".into());
    };
    match object.get("op") {
        Some(serde_json::Value::String(op)) if op == "everyone" && object.len() > 1 => {
            Err("`everyone` takes no other fields".into())
        }
        Some(serde_json::Value::String(_)) => Ok(()),
        Some(other) => Err(format!("op: expected a string, not {other}")),
        None => Err("missing field `op`".into()),
    }
}

/// The derived reading of a [`Filter`], which its own `Deserialize` calls once the tag passed
/// [`check_tag`]. Nested filters go through that check again.
#[derive(Deserialize)]
#[serde(
    remote = "Filter",
    tag = "op",
    rename_all = "snake_case",
    deny_unknown_fields
)]
enum FilterWire {
    Everyone,
    All {
        of: Vec<Filter>,
    },
    Any {
        of: Vec<Filter>,
    },
    Not {
        filter: Box<Filter>,
    },
    Tag {
        tag: String,
    },
    Attribute {
        key: String,
        cmp: Comparison,
        value: serde_json::Value,
    },
    HasIdentity {
        scope: String,
    },
    Consent {
        channel: String,
    },
    ActiveWithin {
        days: u32,
    },
    InactiveFor {
        days: u32,
    },
    ResolvedWithin {
        days: u32,
    },
}

/// How an attribute is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The value as text equals (strings, numbers and booleans alike: `42` equals `"42"`).
    Eq,
    Ne,
    /// Case-insensitive substring.
    Contains,
    /// Numeric comparisons; attributes that are not JSON numbers never match.
    Gt,
    Gte,
    Lt,
    Lte,
    /// Date comparisons on `YYYY-MM-DD` (or RFC 3339) text; attributes that are not dates
    /// never match.
    Before,
    After,
}

/// Why a filter is refused, in words for the marketer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

/// Deepest nesting accepted, so a hostile filter cannot blow the stack or the SQL parser.
pub const MAX_DEPTH: usize = 16;
/// The longest span a filter looks back over (a hundred years).
pub const MAX_DAYS: u32 = 36_500;
/// Most leaves in one filter.
pub const MAX_TERMS: usize = 200;

impl Filter {
    /// Checks the whole filter: nesting and size within the limits, no empty names, attribute
    /// keys of safe characters, and values of the type their comparison needs.
    ///
    /// # Errors
    /// The first problem met, walking the filter in order.
    pub fn check(&self) -> Result<(), FilterError> {
        let mut terms = 0;
        self.check_at(0, &mut terms)
    }

    fn check_at(&self, depth: usize, terms: &mut usize) -> Result<(), FilterError> {
        if depth > MAX_DEPTH {
            return Err(FilterError(format!(
                "filters nest at most {MAX_DEPTH} deep"
            )));
        }
        *terms += 1;
        if *terms > MAX_TERMS {
            return Err(FilterError(format!(
                "a filter has at most {MAX_TERMS} terms"
            )));
        }
        match self {
            Filter::All { of } | Filter::Any { of } => of
                .iter()
                .try_for_each(|inner| inner.check_at(depth + 1, terms)),
            Filter::Not { filter } => filter.check_at(depth + 1, terms),
            Filter::Tag { tag } => non_empty("tag", tag).map(drop),
            Filter::HasIdentity { scope } => non_empty("scope", scope).map(drop),
            Filter::Consent { channel } => non_empty("channel", channel).map(drop),
            Filter::Attribute { key, cmp, value } => {
                check_key(key)?;
                match cmp {
                    Comparison::Eq | Comparison::Ne | Comparison::Contains => {
                        comparable_text(key, value).map(drop)
                    }
                    Comparison::Gt | Comparison::Gte | Comparison::Lt | Comparison::Lte => {
                        comparable_number(key, *cmp, value).map(drop)
                    }
                    Comparison::Before | Comparison::After => {
                        comparable_date(key, *cmp, value).map(drop)
                    }
                }
            }
            Filter::ActiveWithin { days }
            | Filter::InactiveFor { days }
            | Filter::ResolvedWithin { days } => {
                if *days > MAX_DAYS {
                    return Err(FilterError(format!("days: at most {MAX_DAYS}")));
                }
                Ok(())
            }
            Filter::Everyone => Ok(()),
        }
    }
}

/// A name a filter matches on (tag, scope, channel kind), trimmed.
///
/// # Errors
/// When it is blank.
pub fn non_empty(what: &str, value: &str) -> Result<String, FilterError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FilterError(format!("{what} must not be empty")));
    }
    Ok(value.to_owned())
}

/// Checks an attribute key: letters, digits, `_` and `-`, at most 64. The store relies on
/// this to address the key in a JSON path without escaping.
///
/// # Errors
/// Any other key.
pub fn check_key(key: &str) -> Result<(), FilterError> {
    if key.is_empty()
        || key.len() > 64
        || !key
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    {
        return Err(FilterError(format!(
            "attribute key {key:?}: use letters, digits, `_` and `-` (at most 64)"
        )));
    }
    Ok(())
}

/// The value of a text comparison (`eq`, `ne`, `contains`) as the text it is compared as.
///
/// # Errors
/// A value that is not a string, number or boolean.
pub fn comparable_text(key: &str, value: &serde_json::Value) -> Result<String, FilterError> {
    match value {
        serde_json::Value::String(text) => Ok(text.clone()),
        serde_json::Value::Number(number) => Ok(number.to_string()),
        serde_json::Value::Bool(flag) => Ok(flag.to_string()),
        other => Err(FilterError(format!(
            "attribute {key:?}: compare with a string, number or boolean, not {other}"
        ))),
    }
}

/// The value of a numeric comparison.
///
/// # Errors
/// A value that is not a number.
pub fn comparable_number(
    key: &str,
    cmp: Comparison,
    value: &serde_json::Value,
) -> Result<f64, FilterError> {
    value
        .as_f64()
        .ok_or_else(|| FilterError(format!("attribute {key:?}: {cmp:?} needs a number")))
}

/// The value of a date comparison.
///
/// # Errors
/// A value that is not a date.
pub fn comparable_date(
    key: &str,
    cmp: Comparison,
    value: &serde_json::Value,
) -> Result<NaiveDate, FilterError> {
    value.as_str().and_then(parse_date).ok_or_else(|| {
        FilterError(format!(
            "attribute {key:?}: {cmp:?} needs a date like \"2026-01-31\""
        ))
    })
}

/// A date from `YYYY-MM-DD` or the date part of an RFC 3339 time.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let head = text.get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

/// A saved segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub id: super::SegmentId,
    pub name: String,
    pub filter: Filter,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_string_tags_are_read() {
        let read = |text: &str| serde_json::from_str::<super::Filter>(text);
        assert!(read(r#"{"op": "not", "filter": {"op": "everyone"}}"#).is_ok());
        for bad in [
            r#"{"op": 0}"#,
            r#"{"op": "not", "filter": {"days": 0, "op": 0}}"#,
            r#"{"op": "everyone", "days": 3}"#,
            r#"{"op": "all", "of": [{"op": "tag", "tag": "x", "extra": 1}]}"#,
            r#"["everyone"]"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn bad_keys_values_and_depth_are_refused() {
        let key = Filter::Attribute {
            key: "a\"b".into(),
            cmp: Comparison::Eq,
            value: json!("x"),
        };
        assert!(key.check().is_err());
        let numeric = Filter::Attribute {
            key: "age".into(),
            cmp: Comparison::Gt,
            value: json!("old"),
        };
        assert!(numeric.check().is_err());
        let date = Filter::Attribute {
            key: "born".into(),
            cmp: Comparison::Before,
            value: json!("yesterday"),
        };
        assert!(date.check().is_err());
        let blank = Filter::Tag { tag: "  ".into() };
        assert_eq!(
            blank.check(),
            Err(FilterError("tag must not be empty".into()))
        );
        let mut deep = Filter::Everyone;
        for _ in 0..20 {
            deep = Filter::Not {
                filter: Box::new(deep),
            };
        }
        assert!(deep.check().is_err());
        let wide = Filter::Any {
            of: vec![Filter::Everyone; MAX_TERMS],
        };
        assert!(wide.check().is_err(), "the list itself is a term too");
        assert!(
            serde_json::from_value::<Filter>(json!({"op": "tag", "tag": "a", "x": 1})).is_err()
        );
    }

    #[test]
    fn dates_accept_days_and_rfc3339() {
        assert_eq!(
            parse_date("2026-03-01T10:00:00Z"),
            NaiveDate::from_ymd_opt(2026, 3, 1)
        );
        assert_eq!(parse_date("1.3.2026"), None);
    }
}
