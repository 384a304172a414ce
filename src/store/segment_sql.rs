//! The segment-to-SQL compiler: a checked `domain::Filter` becomes one SQL condition with
//! bound parameters only (never a value spliced into the text), identical in meaning on
//! SQLite and PostgreSQL. What a filter may say is the domain's; how it reads in SQL is here.

use crate::domain::Millis;
use crate::domain::segment::{
    Comparison, Filter, FilterError, check_key, comparable_date, comparable_number,
    comparable_text, non_empty,
};

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

/// Binds a compiled filter's values, in order, onto a sqlx query of any shape (`query`,
/// `query_as`, `query_scalar`) on either backend. A macro because those builders share no
/// trait with `bind`.
macro_rules! bind_compiled {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                $crate::store::segment_sql::Bind::Text(text) => query.bind(text.clone()),
                $crate::store::segment_sql::Bind::Int(int) => query.bind(*int),
                $crate::store::segment_sql::Bind::Real(real) => query.bind(*real),
            };
        }
        query
    }};
}
pub(crate) use bind_compiled;

struct Compiler {
    postgres: bool,
    now: Millis,
    binds: Vec<Bind>,
    first: usize,
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

    /// Compiles a filter that passed [`Filter::check`] (its limits are not counted again).
    fn compile(&mut self, filter: &Filter) -> Result<String, FilterError> {
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
                    .map(|inner| self.compile(inner))
                    .collect::<Result<Vec<_>, _>>()?;
                format!("({})", parts.join(joiner))
            }
            Filter::Not { filter } => format!("NOT ({})", self.compile(filter)?),
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
        check_key(key)?;
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
        Ok(match cmp {
            Comparison::Eq | Comparison::Ne => {
                let operand = self.bind(Bind::Text(comparable_text(key, value)?));
                if cmp == Comparison::Eq {
                    format!("{text} = {operand}")
                } else {
                    // A missing attribute differs from every value.
                    format!("({text} IS NULL OR {text} <> {operand})")
                }
            }
            Comparison::Contains => {
                let needle = self.bind(Bind::Text(comparable_text(key, value)?.to_lowercase()));
                let find = if self.postgres { "strpos" } else { "instr" };
                format!("{find}(lower({text}), {needle}) > 0")
            }
            Comparison::Gt | Comparison::Gte | Comparison::Lt | Comparison::Lte => {
                let operand = self.bind(Bind::Real(comparable_number(key, cmp, value)?));
                let op = match cmp {
                    Comparison::Gt => ">",
                    Comparison::Gte => ">=",
                    Comparison::Lt => "<",
                    _ => "<=",
                };
                format!("{number} {op} {operand}")
            }
            Comparison::Before | Comparison::After => {
                let date = comparable_date(key, cmp, value)?;
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
    filter.check()?;
    let mut compiler = Compiler {
        postgres,
        now,
        binds: Vec::new(),
        first,
    };
    let condition = compiler.compile(filter)?;
    Ok(Compiled {
        // A contact merged into another is that one now: counting or messaging it too would
        // reach the person twice.
        condition: format!("c.merged_into IS NULL AND ({condition})"),
        binds: compiler.binds,
    })
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
}
