//! Phone numbers in one form, E.164 (`+420777123456`), so that the same person is recognised
//! whichever way a channel, an agent or an imported file wrote the number: WhatsApp ids,
//! SMS senders, `+420 777 123 456`, `00420777123456` and, in the default region,
//! `777 123 456` all meet as one identity.
//!
//! Parsing follows libphonenumber's metadata (through the `phonenumber` crate): international
//! and national prefixes, trunk zeros, punctuation. A number is accepted when it parses to a
//! country code and a national number of a length the country's numbers have; it need not be
//! in a range the metadata lists as assigned, so test and newly opened ranges still match.

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id;

/// The longest input looked at: phone numbers with punctuation and an extension fit easily,
/// and nothing longer is worth parsing.
const MAX_INPUT_CHARS: usize = 64;

/// Where a number written without a country code belongs: an ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneRegion(Id);

impl PhoneRegion {
    /// The Czech Republic (`+420`), the default.
    pub const CZECH_REPUBLIC: Self = Self(Id::CZ);

    /// The region's ISO code, as configured.
    pub fn code(&self) -> &str {
        // The crate's region names are their ISO codes.
        self.0.as_ref()
    }
}

impl Default for PhoneRegion {
    fn default() -> Self {
        Self::CZECH_REPUBLIC
    }
}

impl FromStr for PhoneRegion {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        let upper = code.trim().to_ascii_uppercase();
        if upper.len() != 2 {
            return Err(format!(
                "{code:?} is not a region: give a two-letter ISO 3166 code such as \"CZ\""
            ));
        }
        Id::from_str(&upper).map(Self).map_err(|_| {
            format!(
                "{code:?} is not a region libphonenumber knows (such as \"CZ\", \"SK\", \"DE\")"
            )
        })
    }
}

impl fmt::Display for PhoneRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for PhoneRegion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for PhoneRegion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

/// `raw` in E.164 (`+` and digits), reading a number without a country code as one of
/// `region`; `None` when `raw` is not a phone number.
pub fn to_e164(raw: &str, region: PhoneRegion) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > MAX_INPUT_CHARS {
        return None;
    }
    // Letters are not part of any number we store (libphonenumber would read vanity
    // numbers such as 1-800-FLOWERS as digits, and an email address as a number).
    if raw.chars().any(char::is_alphabetic) {
        return None;
    }
    let number = phonenumber::parse(Some(region.0), raw).ok()?;
    if number.national().value() == 0 || !has_possible_length(&number) {
        return None;
    }
    let formatted = number.format().mode(phonenumber::Mode::E164).to_string();
    // E.164 allows at most 15 digits; fewer than 7 is a short code, not a person.
    let digits = formatted.len().saturating_sub(1);
    (formatted.starts_with('+') && (7..=15).contains(&digits)).then_some(formatted)
}

/// Whether the national number has a length some number of its country has: `12345` is
/// no Czech number (they have nine digits), whatever its digits. The ranges in service are
/// not checked, so new ones need no update of the metadata.
fn has_possible_length(number: &phonenumber::PhoneNumber) -> bool {
    use phonenumber::Type;
    let length = number.national().to_string().len();
    let code = number.country().code();
    let Some(countries) = phonenumber::metadata::DATABASE.by_code(&code) else {
        return false;
    };
    // The lengths are listed per kind of number (the general description leaves them out).
    let kinds = [
        Type::FixedLine,
        Type::Mobile,
        Type::TollFree,
        Type::PremiumRate,
        Type::SharedCost,
        Type::PersonalNumber,
        Type::Voip,
        Type::Pager,
        Type::Uan,
        Type::Voicemail,
    ];
    countries.iter().any(|country| {
        kinds.iter().any(|kind| {
            country.descriptors().get(*kind).is_some_and(|kind| {
                kind.possible_length()
                    .iter()
                    .any(|possible| usize::from(*possible) == length)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_czech_forms_of_one_number_meet() {
        let cz = PhoneRegion::default();
        for raw in [
            "+420 777 123 456",
            "+420777123456",
            "00420777123456",
            "00420 777 123 456",
            "777123456",
            "777 123 456",
            "(+420) 777-123-456",
        ] {
            assert_eq!(to_e164(raw, cz).as_deref(), Some("+420777123456"), "{raw}");
        }
    }

    #[test]
    fn the_region_reads_only_numbers_without_a_country_code() {
        let sk: PhoneRegion = "sk".parse().unwrap();
        assert_eq!(
            to_e164("0905 123 456", sk).as_deref(),
            Some("+421905123456")
        );
        assert_eq!(
            to_e164("+420777123456", sk).as_deref(),
            Some("+420777123456")
        );
        let us: PhoneRegion = "US".parse().unwrap();
        assert_eq!(
            to_e164("(415) 555-0100", us).as_deref(),
            Some("+14155550100")
        );
        assert_eq!(
            to_e164("+1 415 555 0100", PhoneRegion::default()).as_deref(),
            Some("+14155550100")
        );
    }

    #[test]
    fn what_is_not_a_number_is_refused() {
        let cz = PhoneRegion::default();
        for raw in [
            "",
            "   ",
            "ana@example.com",
            "1-800-FLOWERS",
            "12",
            "12345",
            "+420 12",
            "+420 777 123 456 789 01",
            "+",
            "call me",
            &"1".repeat(80),
        ] {
            assert_eq!(to_e164(raw, cz), None, "{raw:?}");
        }
    }

    #[test]
    fn regions_parse_from_their_codes_and_say_so_otherwise() {
        assert_eq!(
            "cz".parse::<PhoneRegion>().unwrap(),
            PhoneRegion::CZECH_REPUBLIC
        );
        for code in ["DE", "SK", "US", "PL", "UA"] {
            assert_eq!(code.parse::<PhoneRegion>().unwrap().code(), code);
        }
        assert!(
            "Czechia"
                .parse::<PhoneRegion>()
                .unwrap_err()
                .contains("two-letter")
        );
        assert!(
            "QQ".parse::<PhoneRegion>()
                .unwrap_err()
                .contains("libphonenumber")
        );
    }
}
