//! Query values several list routes share, typed so that each documents and checks its own
//! shape: a page cursor and a page size. A value that does not fit is refused with 400 before
//! the handler runs, and the OpenAPI document states the same bounds.

use std::borrow::Cow;

use serde::Deserialize;
use utoipa::openapi::schema::{Schema, Type};
use utoipa::openapi::{ObjectBuilder, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::store::PageRequest;

/// Smallest and largest page of a list route.
pub const PAGE_SIZES: std::ops::RangeInclusive<i64> = 1..=200;
/// The page size when the caller names none.
pub const DEFAULT_PAGE_SIZE: i64 = 50;

/// The `next_cursor` of a previous page: where the next page starts.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Cursor(String);

/// What a cursor looks like: the sort key and the id of the last item, as integers.
const CURSOR_PATTERN: &str = r"^-?[0-9]{1,18}\.-?[0-9]{1,18}$";

impl TryFrom<String> for Cursor {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let well_formed = text
            .split_once('.')
            .is_some_and(|(key, id)| key.parse::<i64>().is_ok() && id.parse::<i64>().is_ok());
        if well_formed {
            Ok(Self(text))
        } else {
            Err("cursor: not a cursor returned by this API".into())
        }
    }
}

impl PartialSchema for Cursor {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "The `next_cursor` of the previous page; omit it for the first page.",
            ))
            .pattern(Some(CURSOR_PATTERN))
            .into()
    }
}

impl ToSchema for Cursor {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Cursor")
    }
}

/// How many items a page holds.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "i64")]
pub struct PageSize(i64);

impl TryFrom<i64> for PageSize {
    type Error = String;

    fn try_from(size: i64) -> Result<Self, Self::Error> {
        if PAGE_SIZES.contains(&size) {
            Ok(Self(size))
        } else {
            Err(format!(
                "limit: must be between {} and {}",
                PAGE_SIZES.start(),
                PAGE_SIZES.end()
            ))
        }
    }
}

impl PartialSchema for PageSize {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .description(Some("Items per page."))
            .minimum(Some(*PAGE_SIZES.start()))
            .maximum(Some(*PAGE_SIZES.end()))
            .default(Some(DEFAULT_PAGE_SIZE.into()))
            .into()
    }
}

impl ToSchema for PageSize {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("PageSize")
    }
}

/// The store's page request for a route's cursor and size.
pub fn page(cursor: Option<Cursor>, limit: Option<PageSize>) -> PageRequest {
    PageRequest {
        cursor: cursor.map(|Cursor(text)| text),
        limit: Some(limit.map_or(DEFAULT_PAGE_SIZE, |PageSize(size)| size)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_the_ones_the_store_makes() {
        assert!(Cursor::try_from("1700000000000.42".to_owned()).is_ok());
        for bad in ["", "12", "a.b", "1.2.3", "99999999999999999999.1"] {
            assert!(Cursor::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn page_sizes_outside_the_range_are_refused() {
        assert!(PageSize::try_from(0).is_err());
        assert!(PageSize::try_from(201).is_err());
        assert!(PageSize::try_from(200).is_ok());
        assert_eq!(page(None, None).limit(), DEFAULT_PAGE_SIZE);
    }
}
