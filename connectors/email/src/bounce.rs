//! Delivery reports about our outbound mail: standard DSNs (RFC 3464 `multipart/report;
//! report-type=delivery-status`) and the older plain-text notices some MTAs still send
//! (qmail's "failure notice", Exim's "Mail delivery failed", …): which of our messages failed or
//! is delayed, for whom, and whether a failure is permanent.

use mail_parser::{Message, MimeHeaders};

use crate::address::normalize_message_id;

/// What the report says became of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Delivery failed (for good when the status is 5.x.x).
    Failed,
    /// Delivery has not succeeded yet; the reporting server keeps trying.
    Delayed,
}

/// What a bounce reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounce {
    /// The Message-ID of our message the report is about (normalised).
    pub original_message_id: String,
    /// Recipients the report names. For a plain-text notice these are candidates read from
    /// the text; only those our Message-ID was really sent to count (its MAC covers them).
    pub recipients: Vec<String>,
    /// The first reported recipient's status code (`5.1.1`).
    pub status: String,
    pub diagnostic: Option<String>,
    pub outcome: Outcome,
}

impl Bounce {
    /// A permanent failure (status class 5): the address must not be mailed again.
    pub fn is_hard(&self) -> bool {
        self.outcome == Outcome::Failed && self.status.starts_with('5')
    }

    /// The report as shown to agents: `bounced 5.1.1: smtp; 550 no such user`, or
    /// `delayed 4.4.1: … (the mail server is still trying)`.
    pub fn reason(&self) -> String {
        let verb = match self.outcome {
            Outcome::Failed => "bounced",
            Outcome::Delayed => "delayed",
        };
        let mut reason = match &self.diagnostic {
            Some(diagnostic) => format!("{verb} {}: {diagnostic}", self.status),
            None => format!("{verb} {}", self.status),
        };
        if self.outcome == Outcome::Delayed {
            reason.push_str(" (the mail server is still trying)");
        }
        reason
    }
}

/// The report in `mail`, when it is a delivery report (a DSN or a plain-text notice) that
/// names the Message-ID of the message it is about. Anything else is `None` and is stored as
/// ordinary (automated) mail.
pub fn read_bounce(mail: &Message<'_>) -> Option<Bounce> {
    if is_report(mail) {
        read_dsn(mail)
    } else {
        read_plain_notice(mail)
    }
}

fn is_report(mail: &Message<'_>) -> bool {
    mail.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|sub| sub.eq_ignore_ascii_case("report"))
    })
}

/// A standard DSN.
fn read_dsn(mail: &Message<'_>) -> Option<Bounce> {
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
    let mut failed = Vec::new();
    let mut delayed = Vec::new();
    // Per-recipient blocks follow the per-message block, separated by blank lines.
    for block in status_text.replace("\r\n", "\n").split("\n\n") {
        let Some(action) = field(block, "action") else {
            continue;
        };
        let list = if action.eq_ignore_ascii_case("failed") {
            &mut failed
        } else if action.eq_ignore_ascii_case("delayed") {
            &mut delayed
        } else {
            continue; // delivered, relayed, expanded: nothing went wrong
        };
        let recipient = field(block, "final-recipient")
            .or_else(|| field(block, "original-recipient"))
            .map(|recipient| {
                recipient
                    .split_once(';')
                    .map_or(recipient.as_str(), |(_, address)| address)
                    .trim()
                    .trim_matches(['<', '>'])
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        list.push((
            recipient,
            field(block, "status"),
            field(block, "diagnostic-code"),
        ));
    }
    // A report that both fails some recipients and delays others is about the failures.
    let (outcome, blocks) = if failed.is_empty() {
        (Outcome::Delayed, delayed)
    } else {
        (Outcome::Failed, failed)
    };
    let (_, status, diagnostic) = blocks.first()?.clone();
    Some(Bounce {
        original_message_id: original,
        recipients: blocks
            .into_iter()
            .map(|(recipient, _, _)| recipient)
            .filter(|recipient| !recipient.is_empty())
            .collect(),
        status: status?,
        diagnostic,
        outcome,
    })
}

/// Lines that separate a plain-text notice from the copy of the returned message (qmail,
/// Exim, Sendmail, Postfix without DSN, Exchange's old notices, Lotus Notes), lowercase.
const COPY_MARKERS: [&str; 7] = [
    "below this line is a copy of the message",
    "this is a copy of the message",
    "original message follows",
    "the original message was received",
    "returned message follows",
    "unsent message below",
    "original message headers",
];

/// Phrases of notices that the server keeps trying, lowercase.
const DELAY_PHRASES: [&str; 6] = [
    "still being retried",
    "will continue trying",
    "will keep trying",
    "not yet been delivered",
    "delivery has been delayed",
    "this is only a warning",
];

/// Phrases of notices that the server gave up for good, lowercase.
const PERMANENT_PHRASES: [&str; 5] = [
    "permanent error",
    "i've given up",
    "permanently",
    "user unknown",
    "no such user",
];

/// An old-style notice without `multipart/report`: sent by the mail system (a null sender or
/// a daemon's address), naming the returned message's Message-ID in the copy that follows the
/// notice text (inline, or as an attached message).
fn read_plain_notice(mail: &Message<'_>) -> Option<Bounce> {
    let from = mail
        .from()
        .and_then(|from| from.first())
        .and_then(|addr| addr.address())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let local = from.split('@').next().unwrap_or_default();
    let null_sender = mail
        .header_raw("Return-Path")
        .is_some_and(|path| path.trim().trim_matches(['<', '>']).trim().is_empty());
    if !(null_sender || ["mailer-daemon", "postmaster", "mail-daemon"].contains(&local)) {
        return None;
    }
    let text = mail.body_text(0)?.replace("\r\n", "\n");
    let lower = text.to_lowercase();
    let marker = COPY_MARKERS
        .iter()
        .filter_map(|marker| lower.find(marker))
        .min();
    let (notice, copy) = match marker {
        Some(at) => (&text[..at], &text[at..]),
        None => (text.as_str(), ""),
    };
    // The returned message: an attached message/rfc822 part, else the header block inline.
    let original = mail
        .attachments()
        .find_map(|part| part.message())
        .and_then(Message::message_id)
        .and_then(normalize_message_id)
        .or_else(|| {
            field(
                copy.split_once('\n')
                    .map_or("", |(_, rest)| rest.trim_start()),
                "message-id",
            )
            .and_then(|id| normalize_message_id(&id))
        })?;
    let notice_lower = notice.to_lowercase();
    let status = status_code(notice);
    let outcome = if status.as_deref().is_some_and(|s| s.starts_with('4'))
        || DELAY_PHRASES.iter().any(|p| notice_lower.contains(p))
    {
        Outcome::Delayed
    } else {
        Outcome::Failed
    };
    // Without a status code, only plain words of a permanent failure make it hard; a guess
    // must never suppress an address.
    let status = status.unwrap_or_else(|| {
        match (
            outcome,
            PERMANENT_PHRASES.iter().any(|p| notice_lower.contains(p)),
        ) {
            (Outcome::Failed, true) => "5.0.0".to_owned(),
            _ => "4.0.0".to_owned(),
        }
    });
    Some(Bounce {
        original_message_id: original,
        recipients: candidate_addresses(notice),
        status,
        diagnostic: diagnostic_line(notice),
        outcome,
    })
}

/// The first enhanced status code (`5.1.1`, RFC 3463) in `text`.
fn status_code(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|word| word.trim_end_matches('.'))
        .find(|word| {
            let parts: Vec<&str> = word.split('.').collect();
            parts.len() == 3
                && ["2", "4", "5"].contains(&parts[0])
                && parts[1..]
                    .iter()
                    .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(str::to_owned)
}

/// The first line of the notice that carries an SMTP reply (`550 …`): what the remote server
/// said.
fn diagnostic_line(notice: &str) -> Option<String> {
    notice
        .lines()
        .map(str::trim)
        .find(|line| {
            let code = line.get(..4).unwrap_or_default();
            code.len() == 4
                && code.as_bytes()[3] == b' '
                && matches!(code.as_bytes()[0], b'4' | b'5')
                && code.as_bytes()[1..3].iter().all(u8::is_ascii_digit)
                || line.to_ascii_lowercase().contains("remote host said")
        })
        .map(|line| line.chars().take(500).collect())
}

/// Every address-looking word of the notice, lowercase, without duplicates. Only those our
/// Message-ID was really sent to are ever acted on.
fn candidate_addresses(notice: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in notice.split(|c: char| c.is_whitespace() || "<>:;,()\"'[]".contains(c)) {
        let word = word.trim_matches('.').to_ascii_lowercase();
        if word.len() <= 254
            && word.split('@').count() == 2
            && !word.starts_with('@')
            && !word.ends_with('@')
            && !found.contains(&word)
            && found.len() < 50
        {
            found.push(word);
        }
    }
    found
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
    fn a_delay_notice_is_a_delay_and_ordinary_mail_no_report() {
        let delayed = DSN
            .replace("Action: failed", "Action: delayed")
            .replace("Status: 5.1.1", "Status: 4.4.1");
        let mail = MessageParser::default()
            .parse(delayed.as_bytes())
            .expect("parse");
        let bounce = read_bounce(&mail).expect("a delay report");
        assert_eq!(bounce.outcome, Outcome::Delayed);
        assert_eq!(bounce.status, "4.4.1");
        assert!(!bounce.is_hard());
        assert!(
            bounce.reason().starts_with("delayed 4.4.1"),
            "{}",
            bounce.reason()
        );
        let plain = MessageParser::default()
            .parse(b"From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n".as_slice())
            .expect("parse");
        assert_eq!(read_bounce(&plain), None);
    }

    /// qmail's notice: no `multipart/report`, the returned message inline below a marker.
    pub(crate) const QMAIL: &str = "Return-Path: <>\r\n\
From: MAILER-DAEMON@mx.customer.test\r\n\
To: support@example.test\r\n\
Subject: failure notice\r\n\
Message-ID: <qmail-1@mx.customer.test>\r\n\
\r\n\
Hi. This is the qmail-send program at mx.customer.test.\r\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\
This is a permanent error; I've given up. Sorry it didn't work out.\r\n\
\r\n\
<gone@customer.test>:\r\n\
Sorry, no mailbox here by that name. (#5.1.1)\r\n\
\r\n\
--- Below this line is a copy of the message.\r\n\
\r\n\
Return-Path: <support@example.test>\r\n\
From: Support <support@example.test>\r\n\
To: gone@customer.test\r\n\
Message-ID: <sb.5.abc@example.test>\r\n\
Subject: Re: help\r\n\
\r\n\
Your order ships tomorrow.\r\n";

    #[test]
    fn a_qmail_failure_notice_is_a_hard_bounce() {
        let mail = MessageParser::default()
            .parse(QMAIL.as_bytes())
            .expect("parse");
        let bounce = read_bounce(&mail).expect("a plain notice");
        assert_eq!(bounce.original_message_id, "sb.5.abc@example.test");
        assert!(bounce.recipients.contains(&"gone@customer.test".to_owned()));
        assert_eq!(bounce.status, "5.1.1");
        assert_eq!(bounce.outcome, Outcome::Failed);
        assert!(bounce.is_hard());
    }

    #[test]
    fn an_exim_delay_warning_is_a_delay() {
        let exim = "Return-Path: <>\r\n\
From: Mail Delivery System <Mailer-Daemon@mx.customer.test>\r\n\
To: support@example.test\r\n\
Subject: Warning: message 1abc-0001 delayed 24 hours\r\n\
\r\n\
This message was created automatically by mail delivery software.\r\n\
A message that you sent has not yet been delivered to one or more of its\r\n\
recipients after more than 24 hours on the queue on mx.customer.test.\r\n\
\r\n\
  slow@customer.test\r\n\
    Delay reason: SMTP error from remote mail server after RCPT TO:<slow@customer.test>:\r\n\
    451 4.2.2 Mailbox full\r\n\
\r\n\
No action is required on your part. Delivery attempts will continue for\r\n\
some time, and this warning may be repeated at intervals if the message\r\n\
remains undelivered. Eventually the mail delivery software will give up.\r\n\
\r\n\
------ This is a copy of the message's headers. ------\r\n\
\r\n\
From: Support <support@example.test>\r\n\
To: slow@customer.test\r\n\
Message-ID: <sb.6.def@example.test>\r\n\
Subject: Re: help\r\n";
        let mail = MessageParser::default()
            .parse(exim.as_bytes())
            .expect("parse");
        let bounce = read_bounce(&mail).expect("a delay warning");
        assert_eq!(bounce.original_message_id, "sb.6.def@example.test");
        assert_eq!(bounce.outcome, Outcome::Delayed);
        assert_eq!(bounce.status, "4.2.2");
        assert!(bounce.recipients.contains(&"slow@customer.test".to_owned()));
        assert!(!bounce.is_hard());
        assert_eq!(bounce.diagnostic.as_deref(), Some("451 4.2.2 Mailbox full"));
    }

    #[test]
    fn a_person_quoting_a_notice_is_not_a_bounce() {
        // Same text, but from a person: stays a message.
        let forwarded = QMAIL
            .replace("Return-Path: <>\r\n", "")
            .replace("MAILER-DAEMON@mx.customer.test", "jane@customer.test");
        let mail = MessageParser::default()
            .parse(forwarded.as_bytes())
            .expect("parse");
        assert_eq!(read_bounce(&mail), None);
    }

    #[test]
    fn status_codes_are_found_in_prose() {
        assert_eq!(
            status_code("no mailbox here (#5.1.1)").as_deref(),
            Some("5.1.1")
        );
        assert_eq!(
            status_code("said: 452 4.2.2 full.").as_deref(),
            Some("4.2.2")
        );
        assert_eq!(status_code("version 1.2.3 of 10.0.0.1"), None);
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
