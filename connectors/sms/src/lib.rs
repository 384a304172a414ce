//! SMS channels: Twilio Programmable Messaging (`kind = "twilio"`) and the Vonage SMS API
//! (`kind = "vonage"`). Owns the providers' wire formats and signatures, the SMS keywords
//! (`STOP`, `START`, `HELP`) and segment counting; storage and consent stay in the core.

#[cfg(test)]
mod fuzz_props;
pub mod keywords;
pub mod segments;
pub mod twilio;
pub mod vonage;

pub use twilio::Twilio;
pub use vonage::Vonage;

/// Decodes an `application/x-www-form-urlencoded` body strictly: a bad `%` escape or text
/// that is not UTF-8 is an error naming the problem, not a silently mangled value (the
/// signature is computed over the decoded values, so guessing would only hide forgeries).
///
/// # Errors
/// A message for the 400 answer.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    fn decode(part: &[u8]) -> Result<String, String> {
        let mut out = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match part[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let high = part.get(i + 1).and_then(|b| (*b as char).to_digit(16));
                    let low = part.get(i + 2).and_then(|b| (*b as char).to_digit(16));
                    match (high, low) {
                        (Some(high), Some(low)) => {
                            out.push(u8::try_from(high * 16 + low).unwrap_or_default());
                            i += 2;
                        }
                        _ => return Err("form body: a bad %-escape".into()),
                    }
                }
                other => out.push(other),
            }
            i += 1;
        }
        String::from_utf8(out).map_err(|_| "form body: a value is not UTF-8".into())
    }
    let mut pairs = Vec::new();
    for pair in body.split(|b| *b == b'&').filter(|pair| !pair.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        let name = decode(name)?;
        if name.is_empty() {
            return Err("form body: a parameter without a name".into());
        }
        pairs.push((name, decode(value)?));
    }
    Ok(pairs)
}

/// The first value of parameter `name`.
pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A phone number as E.164 (`+` and 6–15 digits), from a provider's field that may omit
/// the `+` (Vonage's `msisdn`); `None` for anything else (a short code, an alphanumeric
/// sender).
pub(crate) fn e164(number: &str) -> Option<String> {
    let digits = number.trim().strip_prefix('+').unwrap_or(number.trim());
    let plausible = (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    plausible.then(|| format!("+{digits}"))
}

/// A provider id used as a stored external id or a URL path: letters, digits, `-` and `_`
/// only, and not too long.
pub(crate) fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Splits `text` into pieces of at most `limit` characters, preferring to break after a
/// space or newline in the last fifth of a piece.
pub(crate) fn split(text: &str, limit: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > limit {
        let window = &rest[..limit];
        let cut = window
            .iter()
            .rposition(|ch| ch.is_whitespace())
            .filter(|at| *at >= limit - limit / 5)
            .map_or(limit, |at| at + 1);
        parts.push(rest[..cut].iter().collect());
        rest = rest[cut..].to_vec();
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(rest.into_iter().collect());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_strictly() {
        let pairs = parse_form(b"Body=Ahoj+sv%C4%9Bte&From=%2B420&Empty=&Flag").unwrap();
        assert_eq!(pairs[0], ("Body".into(), "Ahoj světe".into()));
        assert_eq!(pairs[1], ("From".into(), "+420".into()));
        assert_eq!(pairs[2], ("Empty".into(), String::new()));
        assert_eq!(pairs[3], ("Flag".into(), String::new()));
        assert!(parse_form(b"Body=%zz").is_err());
        assert!(parse_form(b"Body=%4").is_err());
        assert!(parse_form(b"Body=%FF").is_err());
        assert!(parse_form(b"=x").is_err());
        assert_eq!(parse_form(b"").unwrap(), []);
    }

    #[test]
    fn numbers_and_ids() {
        assert_eq!(e164("447700900001").as_deref(), Some("+447700900001"));
        assert_eq!(e164("+420601234567").as_deref(), Some("+420601234567"));
        assert_eq!(e164("ACME"), None);
        assert_eq!(e164("12345"), None);
        assert!(is_plain_id("SM0123abcd"));
        assert!(!is_plain_id("../x"));
        assert!(!is_plain_id(""));
    }

    #[test]
    fn long_texts_split_on_spaces() {
        assert_eq!(split("", 10), [""]);
        assert_eq!(split("abc", 10), ["abc"]);
        assert_eq!(split("aaaa bbbb cccc", 10), ["aaaa bbbb ", "cccc"]);
        assert_eq!(split(&"x".repeat(25), 10).len(), 3);
    }
}
