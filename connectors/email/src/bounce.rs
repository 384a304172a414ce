//! Delivery status notifications (RFC 3464 `multipart/report; report-type=delivery-status`):
//! which of our messages failed, for whom, and whether the failure is permanent.

use mail_parser::{Message, MimeHeaders};

use crate::address::normalize_message_id;

/// What a bounce reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounce {
    /// The Message-ID of our message that failed (normalised).
    pub original_message_id: String,
    /// Final recipients whose delivery failed.
    pub recipients: Vec<String>,
    /// The first failed recipient's status code (`5.1.1`).
    pub status: String,
    pub diagnostic: Option<String>,
}

impl Bounce {
    /// A permanent failure (status class 5): the address must not be mailed again.
    pub fn is_hard(&self) -> bool {
        self.status.starts_with('5')
    }

    /// The failure as shown to agents: `5.1.1 smtp; 550 no such user`.
    pub fn reason(&self) -> String {
        match &self.diagnostic {
            Some(diagnostic) => format!("bounced {}: {diagnostic}", self.status),
            None => format!("bounced {}", self.status),
        }
    }
}

/// The bounce in `mail`, when it is a DSN that reports a failure of a message we can name.
/// Delay notices (`Action: delayed`) and reports without the original Message-ID are `None`
/// (they are then stored as ordinary, automated mail).
pub fn read_bounce(mail: &Message<'_>) -> Option<Bounce> {
    let is_report = mail.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|sub| sub.eq_ignore_ascii_case("report"))
    });
    if !is_report {
        return None;
    }
    let mut status_text = None;
    let mut original = None;
    for part in &mail.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let kind = format!(
            "{}/{}",
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or_default().to_ascii_lowercase()
        );
        match kind.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                status_text = Some(String::from_utf8_lossy(part.contents()).into_owned());
            }
            "message/rfc822" | "message/global" => {
                original = original.or_else(|| {
                    part.message()
                        .and_then(Message::message_id)
                        .and_then(normalize_message_id)
                });
            }
            "text/rfc822-headers" | "message/rfc822-headers" => {
                let headers = String::from_utf8_lossy(part.contents()).into_owned();
                original = original.or_else(|| {
                    field(&headers, "message-id").and_then(|id| normalize_message_id(&id))
                });
            }
            _ => {}
        }
    }
    let status_text = status_text?;
    // Some MTAs put the original id in the report itself (Original-Message-ID is not standard,
    // but Exchange and others send it).
    let original = original.or_else(|| {
        field(&status_text, "original-message-id").and_then(|id| normalize_message_id(&id))
    })?;
    let mut recipients = Vec::new();
    let mut status = None;
    let mut diagnostic = None;
    // Per-recipient blocks follow the per-message block, separated by blank lines.
    for block in status_text.replace("\r\n", "\n").split("\n\n") {
        let Some(action) = field(block, "action") else {
            continue;
        };
        if !action.eq_ignore_ascii_case("failed") {
            continue;
        }
        if let Some(recipient) =
            field(block, "final-recipient").or_else(|| field(block, "original-recipient"))
        {
            let address = recipient
                .split_once(';')
                .map_or(recipient.as_str(), |(_, address)| address)
                .trim()
                .trim_matches(['<', '>'])
                .to_ascii_lowercase();
            if !address.is_empty() {
                recipients.push(address);
            }
        }
        if status.is_none() {
            status = field(block, "status");
            diagnostic = field(block, "diagnostic-code");
        }
    }
    Some(Bounce {
        original_message_id: original,
        recipients,
        status: status?,
        diagnostic,
    })
}

/// The value of header-style field `name` (lowercase) in `block`, unfolded.
fn field(block: &str, name: &str) -> Option<String> {
    let mut lines = block.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case(name) {
            continue;
        }
        let mut value = value.trim().to_owned();
        while let Some(next) = lines.peek() {
            if next.starts_with([' ', '\t']) {
                value.push(' ');
                value.push_str(next.trim());
                lines.next();
            } else {
                break;
            }
        }
        return Some(value);
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use mail_parser::MessageParser;

    pub(crate) const DSN: &str = "From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\r\n\
To: support@example.test\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
Message-ID: <dsn-1@mx.example.test>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\
\r\n\
--B\r\n\
Content-Type: text/plain\r\n\
\r\n\
I'm sorry to have to inform you that your message could not be delivered.\r\n\
--B\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example.test\r\n\
\r\n\
Final-Recipient: rfc822; gone@customer.test\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <gone@customer.test>: Recipient address\r\n\
\x20rejected: User unknown\r\n\
\r\n\
--B\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
From: Support <support@example.test>\r\n\
To: gone@customer.test\r\n\
Message-ID: <sb.5.abc@example.test>\r\n\
Subject: Re: help\r\n\
\r\n\
--B--\r\n";

    #[test]
    fn a_hard_bounce_names_our_message_and_the_recipient() {
        let mail = MessageParser::default()
            .parse(DSN.as_bytes())
            .expect("parse");
        let bounce = read_bounce(&mail).expect("bounce");
        assert_eq!(bounce.original_message_id, "sb.5.abc@example.test");
        assert_eq!(bounce.recipients, vec!["gone@customer.test".to_owned()]);
        assert_eq!(bounce.status, "5.1.1");
        assert!(bounce.is_hard());
        assert!(
            bounce.reason().contains("User unknown"),
            "{}",
            bounce.reason()
        );
    }

    #[test]
    fn delays_and_ordinary_mail_are_not_bounces() {
        let delayed = DSN
            .replace("Action: failed", "Action: delayed")
            .replace("Status: 5.1.1", "Status: 4.4.1");
        let mail = MessageParser::default()
            .parse(delayed.as_bytes())
            .expect("parse");
        assert_eq!(read_bounce(&mail).map(|b| b.status), None);
        let plain = MessageParser::default()
            .parse(b"From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n".as_slice())
            .expect("parse");
        assert_eq!(read_bounce(&plain), None);
    }

    #[test]
    fn a_soft_failure_is_not_hard() {
        let soft = DSN.replace("Status: 5.1.1", "Status: 4.2.2");
        let mail = MessageParser::default()
            .parse(soft.as_bytes())
            .expect("parse");
        let bounce = read_bounce(&mail).expect("bounce");
        assert!(!bounce.is_hard());
    }
}
