//! Rule conditions: `all` / `any` / `not` over facts about the event, its conversation, its
//! message and its contact. Regular expressions are compiled once, when the rule is read, so
//! a bad pattern is refused with its field instead of failing at the first message.

use std::fmt;

use connector_sdk::ChannelKind;
use serde::{Deserialize, Serialize};

use super::text::fold;
use crate::domain::{ConversationStatus, Priority};

/// What a condition can look at, gathered once per event. Rules earlier in the list change
/// labels, priority and status, and later rules see those changes.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub channel: String,
    pub channel_kind: Option<ChannelKind>,
    /// The message's text; empty for events without a message.
    pub text: String,
    pub contact_attributes: serde_json::Map<String, serde_json::Value>,
    pub contact_tags: Vec<String>,
    pub labels: Vec<String>,
    pub priority: Option<Priority>,
    pub status: Option<ConversationStatus>,
    pub within_business_hours: bool,
    /// ISO 639-1 code of the message's language, when it could be told.
    pub language: Option<String>,
    pub automated: bool,
    pub author_is_bot: bool,
}

/// A condition tree. Written as one-key tables: `{ all = [ { channel = "shop" }, ... ] }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    #[schema(no_recursion)]
    All(Vec<Condition>),
    #[schema(no_recursion)]
    Any(Vec<Condition>),
    #[schema(no_recursion)]
    Not(Box<Condition>),
    /// The configured channel name.
    Channel(String),
    ChannelKind(ChannelKind),
    TextContains(TextTest),
    TextMatches(PatternTest),
    ContactAttribute(AttributeTest),
    ContactTag(String),
    Label(String),
    Priority(Priority),
    Status(ConversationStatus),
    WithinBusinessHours(bool),
    /// ISO 639-1 code (`cs`, `en`, ...) of the detected language.
    Language(String),
    /// The message was flagged as sent by a machine.
    Automated(bool),
    AuthorIsBot(bool),
}

impl Condition {
    pub fn matches(&self, facts: &Facts) -> bool {
        match self {
            Condition::All(list) => list.iter().all(|c| c.matches(facts)),
            Condition::Any(list) => list.iter().any(|c| c.matches(facts)),
            Condition::Not(inner) => !inner.matches(facts),
            Condition::Channel(name) => facts.channel == *name,
            Condition::ChannelKind(kind) => facts.channel_kind == Some(*kind),
            Condition::TextContains(test) => test.matches(&facts.text),
            Condition::TextMatches(test) => test.matches(&facts.text),
            Condition::ContactAttribute(test) => test.matches(&facts.contact_attributes),
            Condition::ContactTag(tag) => facts.contact_tags.iter().any(|t| t == tag),
            Condition::Label(label) => facts.labels.iter().any(|l| l == label),
            Condition::Priority(priority) => facts.priority == Some(*priority),
            Condition::Status(status) => facts.status == Some(*status),
            Condition::WithinBusinessHours(open) => facts.within_business_hours == *open,
            Condition::Language(code) => facts
                .language
                .as_deref()
                .is_some_and(|language| language.eq_ignore_ascii_case(code)),
            Condition::Automated(flag) => facts.automated == *flag,
            Condition::AuthorIsBot(flag) => facts.author_is_bot == *flag,
        }
    }
}

/// `text_contains = "faktura"` or `{ value = "faktura", ignore_case = true,
/// ignore_diacritics = true }`. Both options default to true: customers type "faktura" for
/// "fakturu", "Faktura" and "FAKTURA", and Czech customers often skip háčky and čárky.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum TextTest {
    Plain(String),
    Options {
        value: String,
        #[serde(default = "yes")]
        ignore_case: bool,
        #[serde(default = "yes")]
        ignore_diacritics: bool,
    },
}

fn yes() -> bool {
    true
}

impl TextTest {
    fn matches(&self, text: &str) -> bool {
        let (value, ignore_case, ignore_diacritics) = match self {
            TextTest::Plain(value) => (value.as_str(), true, true),
            TextTest::Options {
                value,
                ignore_case,
                ignore_diacritics,
            } => (value.as_str(), *ignore_case, *ignore_diacritics),
        };
        let prepare = |s: &str| {
            let s = if ignore_diacritics {
                fold(s)
            } else {
                s.to_owned()
            };
            if ignore_case { s.to_lowercase() } else { s }
        };
        prepare(text).contains(&prepare(value))
    }
}

/// A regular expression test, compiled when the rule is read: `text_matches = "^refund"` or
/// `{ pattern = "...", ignore_case = true, ignore_diacritics = true }` (both default true).
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "PatternSpec", into = "PatternSpec")]
pub struct PatternTest {
    spec: PatternSpec,
    regex: regex::Regex,
}

/// On the wire a pattern test is its [`PatternSpec`].
impl utoipa::PartialSchema for PatternTest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        PatternSpec::schema()
    }
}

impl utoipa::ToSchema for PatternTest {
    fn name() -> std::borrow::Cow<'static, str> {
        PatternSpec::name()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        PatternSpec::schemas(schemas);
    }
}

impl fmt::Debug for PatternTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PatternTest").field(&self.spec).finish()
    }
}

impl PartialEq for PatternTest {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

/// A regular expression (Rust `regex` syntax: no look-around, no back-references), alone or
/// with its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum PatternSpec {
    Plain(String),
    Options {
        #[schema(format = Regex)]
        pattern: String,
        #[serde(default = "yes")]
        ignore_case: bool,
        #[serde(default = "yes")]
        ignore_diacritics: bool,
    },
}

impl PatternSpec {
    fn parts(&self) -> (&str, bool, bool) {
        match self {
            PatternSpec::Plain(pattern) => (pattern, true, true),
            PatternSpec::Options {
                pattern,
                ignore_case,
                ignore_diacritics,
            } => (pattern, *ignore_case, *ignore_diacritics),
        }
    }
}

impl TryFrom<PatternSpec> for PatternTest {
    type Error = String;

    fn try_from(spec: PatternSpec) -> Result<Self, Self::Error> {
        let (pattern, ignore_case, ignore_diacritics) = spec.parts();
        // The pattern is folded like the text, so "příspěvek" also finds "prispevek".
        let pattern = if ignore_diacritics {
            fold(pattern)
        } else {
            pattern.to_owned()
        };
        let regex = regex::RegexBuilder::new(&pattern)
            .case_insensitive(ignore_case)
            .size_limit(1 << 20)
            .build()
            .map_err(|err| format!("invalid regular expression: {err}"))?;
        Ok(Self { spec, regex })
    }
}

impl From<PatternTest> for PatternSpec {
    fn from(test: PatternTest) -> Self {
        test.spec
    }
}

impl PatternTest {
    fn matches(&self, text: &str) -> bool {
        let (_, _, ignore_diacritics) = self.spec.parts();
        if ignore_diacritics {
            self.regex.is_match(&fold(text))
        } else {
            self.regex.is_match(text)
        }
    }
}

/// `{ key = "plan", equals = "vip" }`, `{ key = "plan", contains = "pro" }` or
/// `{ key = "plan", exists = true }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeTest {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<serde_json::Value>)]
    pub equals: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

impl AttributeTest {
    fn matches(&self, attributes: &serde_json::Map<String, serde_json::Value>) -> bool {
        let value = attributes.get(&self.key).filter(|value| !value.is_null());
        if let Some(exists) = self.exists
            && value.is_some() != exists
        {
            return false;
        }
        if let Some(expected) = &self.equals {
            let equal = match (value, expected) {
                // Attributes often arrive as strings ("42") from CSVs and forms.
                (Some(serde_json::Value::String(have)), serde_json::Value::Number(want)) => {
                    *have == want.to_string()
                }
                (Some(have), want) => have == want,
                (None, _) => false,
            };
            if !equal {
                return false;
            }
        }
        if let Some(needle) = &self.contains {
            let found = match value {
                Some(serde_json::Value::String(have)) => fold(have)
                    .to_lowercase()
                    .contains(&fold(needle).to_lowercase()),
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .any(|item| item.as_str().is_some_and(|item| item == needle)),
                _ => false,
            };
            if !found {
                return false;
            }
        }
        self.equals.is_some() || self.contains.is_some() || self.exists.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(toml_text: &str) -> Condition {
        #[derive(Deserialize)]
        struct Wrapper {
            when: Condition,
        }
        toml::from_str::<Wrapper>(&format!("when = {toml_text}"))
            .expect("condition")
            .when
    }

    fn facts(text: &str) -> Facts {
        Facts {
            channel: "shop".into(),
            channel_kind: Some(ChannelKind::Telegram),
            text: text.into(),
            labels: vec!["vip".into()],
            priority: Some(Priority::Normal),
            status: Some(ConversationStatus::Open),
            ..Facts::default()
        }
    }

    #[test]
    fn nested_all_any_not() {
        let c = cond(
            r#"{ all = [ { channel_kind = "telegram" }, { any = [ { label = "vip" }, { priority = "urgent" } ] }, { not = { automated = true } } ] }"#,
        );
        assert!(c.matches(&facts("hi")));
        let mut automated = facts("hi");
        automated.automated = true;
        assert!(!c.matches(&automated));
        let mut plain = facts("hi");
        plain.labels.clear();
        assert!(!c.matches(&plain));
        plain.priority = Some(Priority::Urgent);
        assert!(c.matches(&plain));
    }

    #[test]
    fn text_ignores_case_and_diacritics_by_default() {
        let c = cond(r#"{ text_contains = "Příliš žluťoučký" }"#);
        assert!(c.matches(&facts("prilis ZLUTOUCKY kun")));
        let strict =
            cond(r#"{ text_contains = { value = "žluťoučký", ignore_diacritics = false } }"#);
        assert!(!strict.matches(&facts("zlutoucky")));
        assert!(strict.matches(&facts("ŽLUŤOUČKÝ")));
        let exact = cond(r#"{ text_contains = { value = "Faktura", ignore_case = false } }"#);
        assert!(!exact.matches(&facts("faktura")));
    }

    #[test]
    fn regex_is_folded_and_checked_when_read() {
        let c = cond(r#"{ text_matches = "^(vrácení|reklamace)\\b" }"#);
        assert!(c.matches(&facts("Vraceni zbozi prosim")));
        assert!(!c.matches(&facts("chci vraceni")));
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Wrapper {
            when: Condition,
        }
        let err =
            toml::from_str::<Wrapper>(r#"when = { text_matches = "(unclosed" }"#).unwrap_err();
        assert!(
            err.to_string().contains("invalid regular expression"),
            "{err}"
        );
    }

    #[test]
    fn attributes() {
        let mut f = facts("");
        f.contact_attributes =
            serde_json::json!({"plan": "Business Pro", "orders": "42", "tags": ["a"]})
                .as_object()
                .cloned()
                .unwrap_or_default();
        assert!(cond(r#"{ contact_attribute = { key = "plan", contains = "pro" } }"#).matches(&f));
        assert!(cond(r#"{ contact_attribute = { key = "orders", equals = 42 } }"#).matches(&f));
        assert!(cond(r#"{ contact_attribute = { key = "vat", exists = false } }"#).matches(&f));
        assert!(!cond(r#"{ contact_attribute = { key = "vat", exists = true } }"#).matches(&f));
        assert!(!cond(r#"{ contact_attribute = { key = "plan", equals = "free" } }"#).matches(&f));
        // A test without any check never matches, rather than matching everything.
        assert!(!cond(r#"{ contact_attribute = { key = "plan" } }"#).matches(&f));
    }

    #[test]
    fn language_and_business_hours() {
        let mut f = facts("");
        f.language = Some("cs".into());
        f.within_business_hours = false;
        assert!(cond(r#"{ language = "CS" }"#).matches(&f));
        assert!(cond(r#"{ within_business_hours = false }"#).matches(&f));
        assert!(!cond(r#"{ language = "en" }"#).matches(&f));
    }
}
