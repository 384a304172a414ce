//! Segments: a typed filter over contacts, compiled to one SQL condition with bound parameters
//! only (never a value spliced into the text), identical in meaning on SQLite and PostgreSQL.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::Millis;

/// Which contacts a segment selects. Written as JSON with an `op` tag, e.g.
/// `{"op": "all", "of": [{"op": "tag", "tag": "vip"}, {"op": "consent", "channel": "email"}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Filter {
    /// Every contact.
    Everyone,
    /// All of the filters hold (an empty list holds for everyone).
    All { of: Vec<Filter> },
    /// At least one holds (an empty list holds for nobody).
    Any { of: Vec<Filter> },
    /// The filter does not hold.
    Not { filter: Box<Filter> },
    /// The contact has this tag.
    Tag { tag: String },
    /// Compares an attribute (`contact.attributes.<key>`) with a value.
    Attribute {
        key: String,
        cmp: Comparison,
        value: serde_json::Value,
    },
    /// The contact has a reachable identity in this scope (`email`, `telegram`, `whatsapp`, …).
    HasIdentity { scope: String },
    /// The contact granted marketing consent for this channel kind and has not withdrawn it.
    Consent { channel: String },
    /// Any conversation of the contact was active within the last `days` days.
    ActiveWithin { days: u32 },
    /// No conversation of the contact was active within the last `days` days (or none at all).
    InactiveFor { days: u32 },
    /// The contact had a conversation resolved within the last `days` days.
    ResolvedWithin { days: u32 },
}

/// How an attribute is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Int(i64),
    Real(f64),
}

/// A compiled filter: a condition on the contact alias `c`, with `$n` placeholders numbered
/// from the `first` given to [`compile`].
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub condition: String,
    pub binds: Vec<Bind>,
}

/// Why a filter cannot be compiled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

/// Deepest nesting accepted, so a hostile filter cannot blow the stack or the SQL parser.
const MAX_DEPTH: usize = 16;
/// Most leaves in one filter.
const MAX_TERMS: usize = 200;

struct Compiler {
    postgres: bool,
    now: Millis,
    binds: Vec<Bind>,
    first: usize,
    terms: usize,
}

impl Compiler {
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.first + self.binds.len() - 1)
    }

    fn cutoff(&mut self, days: u32) -> String {
        let cutoff = self.now.0 - i64::from(days) * 86_400_000;
        self.bind(Bind::Int(cutoff))
    }

    fn compile(&mut self, filter: &Filter, depth: usize) -> Result<String, FilterError> {
        if depth > MAX_DEPTH {
            return Err(FilterError(format!(
                "filters nest at most {MAX_DEPTH} deep"
            )));
        }
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(FilterError(format!(
                "a filter has at most {MAX_TERMS} terms"
            )));
        }
        Ok(match filter {
            Filter::Everyone => "1 = 1".into(),
            Filter::All { of } if of.is_empty() => "1 = 1".into(),
            Filter::Any { of } if of.is_empty() => "1 = 0".into(),
            Filter::All { of } | Filter::Any { of } => {
                let joiner = if matches!(filter, Filter::All { .. }) {
                    " AND "
                } else {
                    " OR "
                };
                let parts = of
                    .iter()
                    .map(|inner| self.compile(inner, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                format!("({})", parts.join(joiner))
            }
            Filter::Not { filter } => format!("NOT ({})", self.compile(filter, depth + 1)?),
            Filter::Tag { tag } => {
                let tag = self.bind(Bind::Text(non_empty("tag", tag)?));
                format!(
                    "EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = {tag})"
                )
            }
            Filter::HasIdentity { scope } => {
                let scope = self.bind(Bind::Text(non_empty("scope", scope)?));
                format!(
                    "EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id \
                     AND i.scope = {scope} AND i.unreachable_reason IS NULL \
                     AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.scope = i.scope \
                     AND s.address = lower(i.external_id)))"
                )
            }
            Filter::Consent { channel } => {
                let channel = self.bind(Bind::Text(non_empty("channel", channel)?));
                format!(
                    "EXISTS (SELECT 1 FROM contact_consents k WHERE k.contact_id = c.id \
                     AND k.channel = {channel} AND k.status = 'granted')"
                )
            }
            Filter::ActiveWithin { days } => {
                let cutoff = self.cutoff(*days);
                format!(
                    "EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = c.id \
                     AND v.last_activity_at >= {cutoff})"
                )
            }
            Filter::InactiveFor { days } => {
                let cutoff = self.cutoff(*days);
                format!(
                    "NOT EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = c.id \
                     AND v.last_activity_at >= {cutoff})"
                )
            }
            Filter::ResolvedWithin { days } => {
                let cutoff = self.cutoff(*days);
                format!(
                    "EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = c.id \
                     AND v.status = 'resolved' AND v.resolved_at >= {cutoff})"
                )
            }
            Filter::Attribute { key, cmp, value } => self.attribute(key, *cmp, value)?,
        })
    }

    fn attribute(
        &mut self,
        key: &str,
        cmp: Comparison,
        value: &serde_json::Value,
    ) -> Result<String, FilterError> {
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
        // SQLite addresses members by JSON path, PostgreSQL by key; the key is checked above,
        // so quoting it in the path cannot break out.
        let path = if self.postgres {
            key.to_owned()
        } else {
            format!("$.\"{key}\"")
        };
        let path = self.bind(Bind::Text(path));
        let text = if self.postgres {
            format!("(c.attributes->>{path})")
        } else {
            format!(
                "(CASE json_type(c.attributes, {path}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' \
                 ELSE CAST(json_extract(c.attributes, {path}) AS TEXT) END)"
            )
        };
        let number = if self.postgres {
            format!(
                "(CASE WHEN jsonb_typeof(c.attributes->{path}) = 'number' \
                 THEN (c.attributes->>{path})::double precision END)"
            )
        } else {
            format!(
                "(CASE WHEN json_type(c.attributes, {path}) IN ('integer', 'real') \
                 THEN CAST(json_extract(c.attributes, {path}) AS REAL) END)"
            )
        };
        let as_text = |value: &serde_json::Value| match value {
            serde_json::Value::String(text) => Ok(text.clone()),
            serde_json::Value::Number(number) => Ok(number.to_string()),
            serde_json::Value::Bool(flag) => Ok(flag.to_string()),
            other => Err(FilterError(format!(
                "attribute {key:?}: compare with a string, number or boolean, not {other}"
            ))),
        };
        Ok(match cmp {
            Comparison::Eq | Comparison::Ne => {
                let operand = self.bind(Bind::Text(as_text(value)?));
                if cmp == Comparison::Eq {
                    format!("{text} = {operand}")
                } else {
                    // A missing attribute differs from every value.
                    format!("({text} IS NULL OR {text} <> {operand})")
                }
            }
            Comparison::Contains => {
                let needle = self.bind(Bind::Text(as_text(value)?.to_lowercase()));
                let find = if self.postgres { "strpos" } else { "instr" };
                format!("{find}(lower({text}), {needle}) > 0")
            }
            Comparison::Gt | Comparison::Gte | Comparison::Lt | Comparison::Lte => {
                let operand = value.as_f64().ok_or_else(|| {
                    FilterError(format!("attribute {key:?}: {cmp:?} needs a number"))
                })?;
                let operand = self.bind(Bind::Real(operand));
                let op = match cmp {
                    Comparison::Gt => ">",
                    Comparison::Gte => ">=",
                    Comparison::Lt => "<",
                    _ => "<=",
                };
                format!("{number} {op} {operand}")
            }
            Comparison::Before | Comparison::After => {
                let date = value.as_str().and_then(parse_date).ok_or_else(|| {
                    FilterError(format!(
                        "attribute {key:?}: {cmp:?} needs a date like \"2026-01-31\""
                    ))
                })?;
                let operand = self.bind(Bind::Text(date.format("%Y-%m-%d").to_string()));
                let op = if cmp == Comparison::Before { "<" } else { ">" };
                // Dates compare as their first ten characters (`YYYY-MM-DD` of a date or an
                // RFC 3339 time), byte by byte: the "C" collation keeps PostgreSQL from
                // applying locale rules to digits and dashes. Text that is not shaped like a
                // date never matches.
                if self.postgres {
                    format!(
                        "({text} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}' \
                         AND substr({text}, 1, 10) COLLATE \"C\" {op} {operand})"
                    )
                } else {
                    format!(
                        "({text} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' \
                         AND substr({text}, 1, 10) {op} {operand})"
                    )
                }
            }
        })
    }
}

fn non_empty(what: &str, value: &str) -> Result<String, FilterError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FilterError(format!("{what} must not be empty")));
    }
    Ok(value.to_owned())
}

/// A date from `YYYY-MM-DD` or the date part of an RFC 3339 time.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let head = text.get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

/// Compiles `filter` for PostgreSQL (`postgres`) or SQLite, with placeholders from `$first`
/// and relative dates measured from `now`.
///
/// # Errors
/// A bad key, a value of the wrong type, or a filter too deep or too large.
pub fn compile(
    filter: &Filter,
    postgres: bool,
    first: usize,
    now: Millis,
) -> Result<Compiled, FilterError> {
    let mut compiler = Compiler {
        postgres,
        now,
        binds: Vec::new(),
        first,
        terms: 0,
    };
    let condition = compiler.compile(filter, 0)?;
    Ok(Compiled {
        condition,
        binds: compiler.binds,
    })
}

/// Checks a filter without a database (the API validates before storing).
///
/// # Errors
/// As [`compile`].
pub fn check(filter: &Filter) -> Result<(), FilterError> {
    compile(filter, false, 1, Millis(0)).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_bound_never_spliced() {
        let filter: Filter = serde_json::from_value(json!({
            "op": "all", "of": [
                {"op": "tag", "tag": "x' OR 1=1 --"},
                {"op": "attribute", "key": "city", "cmp": "contains", "value": "'; DROP TABLE contacts"},
            ]
        }))
        .unwrap();
        let compiled = compile(&filter, true, 3, Millis(0)).unwrap();
        assert!(!compiled.condition.contains("DROP"));
        assert!(!compiled.condition.contains("OR 1=1"));
        assert!(compiled.condition.contains("$3") && compiled.condition.contains("$5"));
        assert_eq!(compiled.binds.len(), 3);
    }

    #[test]
    fn bad_keys_values_and_depth_are_refused() {
        let key = Filter::Attribute {
            key: "a\"b".into(),
            cmp: Comparison::Eq,
            value: json!("x"),
        };
        assert!(check(&key).is_err());
        let numeric = Filter::Attribute {
            key: "age".into(),
            cmp: Comparison::Gt,
            value: json!("old"),
        };
        assert!(check(&numeric).is_err());
        let date = Filter::Attribute {
            key: "born".into(),
            cmp: Comparison::Before,
            value: json!("yesterday"),
        };
        assert!(check(&date).is_err());
        let mut deep = Filter::Everyone;
        for _ in 0..20 {
            deep = Filter::Not {
                filter: Box::new(deep),
            };
        }
        assert!(check(&deep).is_err());
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
