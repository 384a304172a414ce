//! Threading keys carried in addresses, subjects and ids: the signed reply address
//! (`support+c42.<mac>@domain`), the subject tag `[#42]`, reply-prefix stripping and
//! Message-ID normalisation. Pure functions; no I/O.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Hex characters of the MAC in a reply address: 64 bits is far beyond guessing by mail, and
/// keeps the address short enough for every client's reply field.
const MAC_HEX: usize = 16;

/// Keys and names the channel signs and recognises its own mail with.
#[derive(Clone)]
pub struct Signer {
    secret: Vec<u8>,
    local: String,
    domain: String,
}

impl Signer {
    /// `address` is the support mailbox (`support@example.com`); `domain` the domain of our
    /// Message-IDs and reply addresses.
    pub fn new(secret: &[u8], address: &str, domain: &str) -> Self {
        let local = address
            .rsplit_once('@')
            .map_or(address, |(local, _)| local)
            .to_ascii_lowercase();
        Self {
            secret: secret.to_vec(),
            local,
            domain: domain.to_ascii_lowercase(),
        }
    }

    fn mac(&self, purpose: &str, value: &str) -> String {
        // An HMAC key of any length is accepted; this cannot fail.
        let mut mac = match HmacSha256::new_from_slice(&self.secret) {
            Ok(mac) => mac,
            Err(_) => return String::new(),
        };
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        let mut hex = hex::encode(mac.finalize().into_bytes());
        hex.truncate(MAC_HEX);
        hex
    }

    /// The reply address of conversation `conversation`: `local+c<id>.<mac>@domain`.
    pub fn reply_address(&self, conversation: i64) -> String {
        let token = format!("c{conversation}");
        let mac = self.mac("reply", &token);
        format!("{}+{token}.{mac}@{}", self.local, self.domain)
    }

    /// The conversation a reply address names, if it is one of ours and its MAC is right.
    pub fn verify_reply_address(&self, address: &str) -> Option<i64> {
        let address = address.trim().trim_matches(['<', '>']).to_ascii_lowercase();
        let (local, domain) = address.rsplit_once('@')?;
        if domain != self.domain {
            return None;
        }
        let tag = local.strip_prefix(&self.local)?.strip_prefix('+')?;
        let (token, mac) = tag.rsplit_once('.')?;
        let expected = self.mac("reply", token);
        if !constant_time_eq(mac.as_bytes(), expected.as_bytes()) {
            return None;
        }
        token.strip_prefix('c')?.parse().ok()
    }

    /// The Message-ID of our outbound message `id` to `recipient`, created at `created_ms`:
    /// `sb.<id>.<unique>.<tag>@domain`. `<unique>` makes it the same for every retry,
    /// unguessable, and unique across databases (the timestamp is in its MAC); `<tag>` is a MAC
    /// over the rest and the recipient, so a report or a copy can be checked as really ours,
    /// and sent to that address, without a database.
    pub fn message_id(&self, id: &str, created_ms: i64, recipient: &str) -> String {
        let unique = self.mac("message-id", &format!("{id}:{created_ms}"));
        let stem = format!("{id}.{unique}");
        let tag = self.message_id_tag(&stem, recipient);
        format!("sb.{stem}.{tag}@{}", self.domain)
    }

    fn message_id_tag(&self, stem: &str, recipient: &str) -> String {
        let recipient = recipient.trim().to_ascii_lowercase();
        self.mac("message-id-tag", &format!("{stem}\0{recipient}"))
    }

    /// True when `id` (normalised) is a Message-ID we gave a message to `recipient`: its MAC
    /// verifies (compared in constant time). An id that merely has our shape is not ours.
    /// Ids of the older `sb.<id>.<mac>@domain` form carry no recipient and cannot be checked
    /// without a database, so they never match: a report on such a message is kept as mail
    /// for a person to read instead of failing a message or suppressing an address.
    pub fn is_our_message_id_to(&self, id: &str, recipient: &str) -> bool {
        let Some((local, domain)) = id.trim().rsplit_once('@') else {
            return false;
        };
        if !domain.eq_ignore_ascii_case(&self.domain) {
            return false;
        }
        let Some((stem, tag)) = local
            .strip_prefix("sb.")
            .and_then(|rest| rest.rsplit_once('.'))
        else {
            return false;
        };
        let expected = self.message_id_tag(stem, recipient);
        constant_time_eq(tag.as_bytes(), expected.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// A Message-ID without angle brackets and surrounding space; `None` when empty.
pub fn normalize_message_id(raw: &str) -> Option<String> {
    let id = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && !id.contains(char::is_whitespace)).then(|| id.to_owned())
}

/// The domain of [`synthetic_message_id`]s.
const SYNTHETIC_DOMAIN: &str = "@synthetic.switchboard";

/// True for an id we made up for a mail that had none: it never existed outside our
/// database, so it is never sent in `In-Reply-To` or `References`.
pub fn is_synthetic_message_id(id: &str) -> bool {
    id.trim_end_matches('>')
        .to_ascii_lowercase()
        .ends_with(SYNTHETIC_DOMAIN)
}

/// A stable id for a message that has none: the same mail always gets the same id, so a
/// redelivery is still recognised.
pub fn synthetic_message_id(sender: &str, raw: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(sender.as_bytes());
    hash.update(b"\0");
    hash.update(raw);
    format!("{}{SYNTHETIC_DOMAIN}", hex::encode(&hash.finalize()[..16]))
}

/// Reply and forward prefixes of common clients and languages ("Re", German "AW"/"WG",
/// Polish "Odp", Czech "Odp"/"Fwd"/"PŘ", Nordic "SV"/"VS", Dutch "Antw", …).
const PREFIXES: [&str; 16] = [
    "re", "aw", "odp", "sv", "vs", "antw", "ref", "rif", "res", "fw", "fwd", "wg", "tr", "enc",
    "př", "doorst",
];

/// The subject without reply/forward prefixes (also `Re[2]:`), our `[#n]` tag and extra space.
pub fn normalize_subject(subject: &str) -> String {
    let mut rest = strip_tag(subject.trim()).trim().to_owned();
    while let Some(stripped) = strip_prefix_once(&rest) {
        rest = strip_tag(stripped).trim().to_owned();
    }
    rest.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when the subject starts with a reply or forward prefix (after any tag).
pub fn is_reply_subject(subject: &str) -> bool {
    strip_prefix_once(strip_tag(subject).trim()).is_some()
}

fn strip_prefix_once(subject: &str) -> Option<&str> {
    let (head, tail) = subject.split_once(':')?;
    let head = head.trim().to_lowercase();
    // "Re[2]" and "Re(2)" count replies in some clients.
    let word = head
        .split(['[', '('])
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    PREFIXES.contains(&word.as_str()).then_some(tail)
}

/// Removes every `[#n]` tag from a subject.
fn strip_tag(subject: &str) -> String {
    let mut out = String::with_capacity(subject.len());
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let after = &rest[start + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(']') {
            out.push_str(&rest[..start]);
            rest = &after[digits + 1..];
        } else {
            out.push_str(&rest[..start + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The conversation number of the last `[#n]` tag in a subject.
pub fn subject_tag(subject: &str) -> Option<i64> {
    let mut found = None;
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let after = &rest[start + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(']') {
            found = after[..digits].parse().ok();
        }
        rest = after;
    }
    found
}

/// Our outbound subject: the thread's subject with `Re: ` and the tag.
pub fn reply_subject(subject: Option<&str>, conversation: i64) -> String {
    let base = subject.map(normalize_subject).unwrap_or_default();
    if base.is_empty() {
        format!("[#{conversation}]")
    } else {
        format!("Re: {base} [#{conversation}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new(b"k3y", "Support@Example.test", "example.test")
    }

    #[test]
    fn reply_addresses_round_trip_and_resist_forgery() {
        let signer = signer();
        let address = signer.reply_address(42);
        assert!(address.starts_with("support+c42."), "{address}");
        assert_eq!(signer.verify_reply_address(&address), Some(42));
        assert_eq!(
            signer.verify_reply_address(&format!("<{}>", address.to_uppercase())),
            Some(42)
        );
        // Another conversation number with the same MAC, a MAC from another key, another domain.
        let forged = address.replace("c42.", "c43.");
        assert_eq!(signer.verify_reply_address(&forged), None);
        let other = Signer::new(b"other", "support@example.test", "example.test").reply_address(42);
        assert_eq!(signer.verify_reply_address(&other), None);
        assert_eq!(
            signer.verify_reply_address(&address.replace("example.test", "evil.test")),
            None
        );
        assert_eq!(signer.verify_reply_address("support@example.test"), None);
        assert_eq!(
            signer.verify_reply_address("support+c42@example.test"),
            None
        );
    }

    const TO: &str = "jane@customer.test";

    #[test]
    fn message_ids_are_stable_per_message_and_distinct_between_messages() {
        let signer = signer();
        let id = |msg, at| signer.message_id(msg, at, TO);
        assert_eq!(id("7", 1000), id("7", 1000));
        assert_ne!(id("7", 1000), id("8", 1000));
        assert_ne!(id("7", 1000), id("7", 1001));
        assert!(id("7", 1000).ends_with("@example.test"));
        assert!(id("7", 1000).starts_with("sb.7."));
    }

    #[test]
    fn only_message_ids_we_gave_that_recipient_are_ours() {
        let signer = signer();
        let id = signer.message_id("7", 1000, TO);
        assert!(signer.is_our_message_id_to(&id, TO));
        assert!(signer.is_our_message_id_to(&id, " Jane@Customer.TEST "));
        assert!(signer.is_our_message_id_to(&id.replace("example.test", "EXAMPLE.test"), TO));
        assert!(!signer.is_our_message_id_to(&id, "joe@customer.test"));
        // Our shape without our MAC: a made-up id, another message's tag, another key,
        // another domain, and the form of the previous version.
        assert!(
            !signer.is_our_message_id_to("sb.5.0123456789abcdef.0123456789abcdef@example.test", TO)
        );
        let other = signer.message_id("8", 1000, TO);
        let (_, other_tag) = other
            .trim_end_matches("@example.test")
            .rsplit_once('.')
            .expect("tag");
        let (stem, _) = id
            .trim_end_matches("@example.test")
            .rsplit_once('.')
            .expect("tag");
        assert!(!signer.is_our_message_id_to(&format!("{stem}.{other_tag}@example.test"), TO));
        let foreign = Signer::new(b"other", "support@example.test", "example.test");
        assert!(!signer.is_our_message_id_to(&foreign.message_id("7", 1000, TO), TO));
        assert!(!signer.is_our_message_id_to(&id.replace("example.test", "evil.test"), TO));
        assert!(!signer.is_our_message_id_to("sb.5.abc@example.test", TO));
        assert!(!signer.is_our_message_id_to("c1@customer.test", TO));
        assert!(!signer.is_our_message_id_to("", TO));
    }

    #[test]
    fn subjects_lose_prefixes_and_tags() {
        assert_eq!(normalize_subject("Re: Order 15"), "Order 15");
        assert_eq!(normalize_subject("RE: AW: Fwd:  Order   15"), "Order 15");
        assert_eq!(normalize_subject("Odp: Re[2]: Order 15 [#7]"), "Order 15");
        assert_eq!(normalize_subject("SV: [#7] Order 15"), "Order 15");
        assert_eq!(
            normalize_subject("Reply needed: order"),
            "Reply needed: order"
        );
        assert_eq!(normalize_subject("Order [#x] 15"), "Order [#x] 15");
        assert!(is_reply_subject("[#4] RE: Order"));
        assert!(is_reply_subject("Odp: Order"));
        assert!(!is_reply_subject("Order: late"));
    }

    #[test]
    fn subject_tags_are_found() {
        assert_eq!(subject_tag("Re: Order 15 [#7]"), Some(7));
        assert_eq!(subject_tag("[#3] and later [#12]"), Some(12));
        assert_eq!(subject_tag("Order #7"), None);
        assert_eq!(subject_tag("[#] [#x]"), None);
        assert_eq!(
            reply_subject(Some("RE: Order 15 [#7]"), 7),
            "Re: Order 15 [#7]"
        );
        assert_eq!(reply_subject(None, 9), "[#9]");
    }

    #[test]
    fn message_ids_are_normalised() {
        assert_eq!(normalize_message_id(" <a@b> ").as_deref(), Some("a@b"));
        assert_eq!(normalize_message_id("<>"), None);
        assert_eq!(normalize_message_id("a b@c"), None);
        let one = synthetic_message_id("x@y", b"raw");
        assert_eq!(one, synthetic_message_id("x@y", b"raw"));
        assert_ne!(one, synthetic_message_id("z@y", b"raw"));
    }
}
