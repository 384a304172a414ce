//! Schemas for text fields whose rules the handlers check, so that the OpenAPI document
//! states the same rules: a one-line name is what [`super::contacts::single_line`] accepts
//! and, where required, not blank. Fields use them with `#[schema(schema_with = …)]`.

use connector_sdk::text::MAX_LINE_CHARS;
use utoipa::openapi::schema::{SchemaType, Type};
use utoipa::openapi::{Object, ObjectBuilder};

/// The characters a one-line value may not hold, as a regex class body: control characters
/// (C0, DEL, C1) and the invisible format characters of `connector_sdk::text`.
const HIDDEN_OR_CONTROL: &str = r"\u0000-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB";

fn one_line(required: bool) -> ObjectBuilder {
    let pattern = if required {
        // Something other than spaces, somewhere.
        format!("^[^{HIDDEN_OR_CONTROL}]*[^\\s{HIDDEN_OR_CONTROL}][^{HIDDEN_OR_CONTROL}]*$")
    } else {
        format!("^[^{HIDDEN_OR_CONTROL}]*$")
    };
    ObjectBuilder::new()
        .pattern(Some(pattern))
        .max_length(Some(MAX_LINE_CHARS))
}

/// A required one-line name: not blank, no control or invisible formatting characters, at
/// most 256 characters. Runs of spaces become one and the ends are trimmed.
pub fn name() -> Object {
    one_line(true)
        .schema_type(Type::String)
        .min_length(Some(1))
        .build()
}

/// An optional one-line name (`null` or blank leaves it unset where the route says so).
pub fn optional_name() -> Object {
    one_line(false)
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .build()
}

/// An optional new value of a required one-line name: absent keeps it, else as [`name`].
pub fn name_change() -> Object {
    one_line(true)
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .min_length(Some(1))
        .build()
}

/// A short trimmed text of 1 to `max` characters without control characters: a label, a
/// tag, a title. The server trims spaces around it; the document asks for none.
fn trimmed_text(max: usize) -> Object {
    let edge = r"[^\s\u0000-\u001F\u007F-\u009F]";
    let inner = r"[^\u0000-\u001F\u007F-\u009F]";
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{edge}({inner}*{edge})?$")))
        .min_length(Some(1))
        .max_length(Some(max))
        .build()
}

/// An email address as the contacts API checks it (the server also trims spaces around it).
pub fn optional_email() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(r"^[^@\s]+@[^.@\s][^\s]*\.[^\s]*$"))
        .max_length(Some(254))
        .build()
}

/// A phone number: 5 to 20 digits, with spaces, `+`, `-`, `(`, `)` and `.` between them. The
/// server also checks it against the numbering plan of its country (which no pattern can say)
/// and stores it in E.164.
pub fn optional_phone() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(r"^[ +().-]*([0-9][ +().-]*){5,20}$"))
        .description(Some(
            "A phone number, with its country code (`+420 777 123 456`, `00420…`) or as a \
             number of the configured `[contacts] default_region`; stored in E.164 \
             (`+420777123456`). A number of a length its country's numbers never have is \
             refused with 422.",
        ))
        .build()
}

/// What a heartbeat may set: `online` or `busy` (going offline is signing out).
pub fn heartbeat_availability() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(["online", "busy"]))
        .build()
}

fn event_name_list(types: SchemaType) -> utoipa::openapi::Array {
    let mut names = vec!["*"];
    names.extend(
        crate::domain::EventKind::ALL
            .iter()
            .map(|kind| kind.as_str()),
    );
    utoipa::openapi::ArrayBuilder::new()
        .schema_type(types)
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(names)),
        )
        .min_items(Some(1))
        .build()
}

/// The events a webhook subscribes to: event kinds, or `*` for all; at least one.
pub fn event_names() -> utoipa::openapi::Array {
    event_name_list(SchemaType::Type(Type::Array))
}

/// A new list of event names, or `null` to keep them.
pub fn optional_event_names() -> utoipa::openapi::Array {
    event_name_list(SchemaType::from_iter([Type::Array, Type::Null]))
}

/// A conversation label or a contact tag.
pub fn label() -> Object {
    trimmed_text(64)
}

/// A list of labels or tags (for a field that may be left out).
pub fn labels() -> utoipa::openapi::Array {
    utoipa::openapi::ArrayBuilder::new().items(label()).build()
}

/// A list of labels or tags that may also be `null`.
pub fn optional_labels() -> utoipa::openapi::Array {
    utoipa::openapi::ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(label())
        .build()
}

/// A canned response's title.
pub fn title() -> Object {
    trimmed_text(200)
}

/// Why a contact is erased: one line, not blank, at most 500 characters.
pub fn erasure_reason() -> Object {
    one_line(true)
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(500))
        .build()
}

/// The parts of a message to redact: 1 to 100 strings, each with something other than spaces.
pub fn redaction_parts() -> utoipa::openapi::Array {
    utoipa::openapi::ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"\S"))
                .build(),
        )
        .min_items(Some(1))
        .max_items(Some(100))
        .build()
}

/// An audit action's name: one of the stable names.
pub fn audit_action() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(
            crate::domain::audit::AuditAction::ALL
                .iter()
                .map(|action| action.as_str()),
        ))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pattern as a Rust regex, for checking it says what `single_line` does.
    fn pattern(schema: Object) -> regex::Regex {
        let pattern = schema.pattern.expect("a pattern");
        regex::Regex::new(&pattern).expect("a valid pattern")
    }

    #[test]
    fn the_name_pattern_agrees_with_single_line() {
        let required = pattern(name());
        let optional = pattern(optional_name());
        for good in ["Ann", "  Ann  Lee ", "Žluťoučký kůň", "👩‍💻 dev"] {
            assert!(required.is_match(good), "{good:?}");
            assert!(super::super::contacts::single_line("name", good).is_ok());
        }
        for hidden in ["a\tb", "a\u{202E}b", "a\u{200B}", "\u{7F}", "x\u{85}"] {
            assert!(!required.is_match(hidden), "{hidden:?}");
            assert!(!optional.is_match(hidden), "{hidden:?}");
            assert!(super::super::contacts::single_line("name", hidden).is_err());
        }
        let label = pattern(label());
        for good in ["vip", "needs reply", "ž"] {
            assert!(label.is_match(good), "{good:?}");
        }
        for bad in ["", " vip", "a\tb", "x\u{85}"] {
            assert!(!label.is_match(bad), "{bad:?}");
        }
        for blank in ["", "   ", "\u{3000}"] {
            assert!(!required.is_match(blank), "{blank:?}");
            assert!(optional.is_match(blank), "{blank:?}");
        }
    }
}
