//! Loop safety (RFC 3834): recognises mail written by machines, which is stored but flagged
//! `automated` so that nothing automatic ever answers it.

/// The headers loop detection looks at, as raw (unfolded) strings.
#[derive(Debug, Default, Clone)]
pub struct Headers<'a> {
    pub auto_submitted: Option<&'a str>,
    pub x_autoreply: Option<&'a str>,
    pub x_autorespond: Option<&'a str>,
    pub precedence: Option<&'a str>,
    pub list_id: Option<&'a str>,
    pub list_unsubscribe: Option<&'a str>,
    pub return_path: Option<&'a str>,
    /// Set on Exchange out-of-office replies (`X-Auto-Response-Suppress` is the request not
    /// to answer, sent by automatic senders).
    pub auto_response_suppress: Option<&'a str>,
    /// iCloud's vacation replies carry `X-Apple-Action: VACATION` and nothing of RFC 3834.
    pub x_apple_action: Option<&'a str>,
    /// The decoded subject: some servers mark their auto-replies only there.
    pub subject: Option<&'a str>,
    pub from: &'a str,
    pub is_report: bool,
}

/// Local parts that only machines send from.
const ROBOT_LOCALS: [&str; 8] = [
    "mailer-daemon",
    "postmaster",
    "no-reply",
    "noreply",
    "do-not-reply",
    "donotreply",
    "bounce",
    "bounces",
];

/// How mail servers and clients start the subject of an automatic reply, in the languages of
/// our users and the big providers' defaults, lowercase and without the colon. Only a subject
/// that starts with one of these followed by a colon (or is nothing but one of them) counts: a
/// person asking about "out of office hours" is not a machine.
const AUTO_REPLY_SUBJECTS: [&str; 26] = [
    "automatic reply",
    "auto reply",
    "auto-reply",
    "autoreply",
    "auto response",
    "auto-response",
    "out of office",
    "out of office autoreply",
    "out of the office",
    "automatická odpověď",
    "automatická odpoveď",
    "automatische antwort",
    "abwesenheitsnotiz",
    "réponse automatique",
    "absence",
    "respuesta automática",
    "fuera de la oficina",
    "risposta automatica",
    "fuori sede",
    "automatisch antwoord",
    "afwezig",
    "resposta automática",
    "odpowiedź automatyczna",
    "autoodpowiedź",
    "автоматический ответ",
    "автоответ",
];

/// True for the subject of an automatic reply: a known prefix (`Automatic reply: …`,
/// `Abwesenheitsnotiz: …`), the prefix alone, or Lotus Notes' `AUTO: Jane is out of the office
/// (returning …)`.
fn is_auto_reply_subject(subject: &str) -> bool {
    let lower = subject.trim().to_lowercase();
    let lower = lower.trim_end_matches(['.', '!']).trim();
    if AUTO_REPLY_SUBJECTS.contains(&lower) {
        return true;
    }
    if let Some(rest) = lower.strip_prefix("auto:") {
        return rest.contains("out of the office") || rest.contains("out of office");
    }
    lower
        .split_once(':')
        .is_some_and(|(prefix, _)| AUTO_REPLY_SUBJECTS.contains(&prefix.trim()))
}

/// Why a message counts as automated, or `None` for a person's mail. `own` lists our own
/// addresses (mail from ourselves must never be answered either).
pub fn automated_reason(headers: &Headers<'_>, own: &[&str]) -> Option<&'static str> {
    if let Some(value) = headers.auto_submitted {
        // RFC 3834 §5: anything but "no" (parameters may follow after ';').
        let keyword = value.split(';').next().unwrap_or_default().trim();
        if !keyword.eq_ignore_ascii_case("no") {
            return Some("Auto-Submitted");
        }
    }
    if headers.x_autoreply.is_some() || headers.x_autorespond.is_some() {
        return Some("X-Autoreply");
    }
    if let Some(value) = headers.precedence {
        let value = value.trim().to_ascii_lowercase();
        if ["bulk", "junk", "list", "auto_reply"].contains(&value.as_str()) {
            return Some("Precedence");
        }
    }
    if headers
        .x_apple_action
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("vacation"))
    {
        return Some("X-Apple-Action");
    }
    if headers.subject.is_some_and(is_auto_reply_subject) {
        return Some("auto-reply subject");
    }
    if headers.list_id.is_some() || headers.list_unsubscribe.is_some() {
        return Some("mailing list");
    }
    if headers.return_path.is_some_and(|path| {
        path.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim()
            .is_empty()
    }) {
        return Some("null Return-Path");
    }
    if headers.is_report {
        return Some("delivery report");
    }
    let from = headers.from.trim().to_ascii_lowercase();
    if from.is_empty() {
        return Some("no sender");
    }
    let local = from.split('@').next().unwrap_or_default();
    let local = local.split('+').next().unwrap_or_default();
    if ROBOT_LOCALS.contains(&local) {
        return Some("robot sender");
    }
    if own.iter().any(|own| own.eq_ignore_ascii_case(&from)) {
        return Some("our own address");
    }
    if headers
        .auto_response_suppress
        .is_some_and(|value| value.to_ascii_lowercase().contains("all"))
    {
        return Some("X-Auto-Response-Suppress");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(address: &str) -> Headers<'_> {
        Headers {
            from: address,
            ..Headers::default()
        }
    }

    #[test]
    fn a_person_is_not_automated() {
        assert_eq!(automated_reason(&from("jane@example.test"), &[]), None);
        let mut headers = from("jane@example.test");
        headers.auto_submitted = Some("No");
        headers.precedence = Some("first-class");
        headers.return_path = Some("<jane@example.test>");
        assert_eq!(automated_reason(&headers, &[]), None);
    }

    #[test]
    fn every_machine_marker_counts() {
        type Marker = fn(&mut Headers<'static>);
        let cases: [(Marker, &str); 9] = [
            (
                |h| h.auto_submitted = Some("auto-replied"),
                "Auto-Submitted",
            ),
            (
                |h| h.auto_submitted = Some("auto-generated; owner-email=x"),
                "Auto-Submitted",
            ),
            (|h| h.x_autoreply = Some("yes"), "X-Autoreply"),
            (|h| h.precedence = Some(" Bulk"), "Precedence"),
            (|h| h.precedence = Some("auto_reply"), "Precedence"),
            (|h| h.list_id = Some("<news.example.test>"), "mailing list"),
            (
                |h| h.list_unsubscribe = Some("<mailto:u@x>"),
                "mailing list",
            ),
            (|h| h.return_path = Some(" <> "), "null Return-Path"),
            (|h| h.is_report = true, "delivery report"),
        ];
        for (set, reason) in cases {
            let mut headers = from("jane@example.test");
            set(&mut headers);
            assert_eq!(automated_reason(&headers, &[]), Some(reason));
        }
    }

    #[test]
    fn vacation_markers_without_rfc_3834_count() {
        let mut apple = from("jane@icloud.test");
        apple.x_apple_action = Some(" VACATION");
        assert_eq!(automated_reason(&apple, &[]), Some("X-Apple-Action"));
        for subject in [
            "AUTO: Jane Doe is out of the office (returning 12/01/2026)",
            "Automatic reply: Order 15",
            "Out of Office: Re: Order 15",
            "Automatická odpověď: Objednávka 15",
            "Automatická odpoveď: Objednávka 15",
            "Abwesenheitsnotiz: Bestellung 15",
            "Automatische Antwort: Bestellung 15",
            "Réponse automatique : Commande 15",
            "Respuesta automática: Pedido 15",
            "Risposta automatica: Ordine 15",
            "Automatisch antwoord: Bestelling 15",
            "Resposta automática: Encomenda 15",
            "Odpowiedź automatyczna: Zamówienie 15",
            "Автоматический ответ: Заказ 15",
            "Out of Office",
        ] {
            let mut headers = from("jane@example.test");
            headers.subject = Some(subject);
            assert_eq!(
                automated_reason(&headers, &[]),
                Some("auto-reply subject"),
                "{subject}"
            );
        }
    }

    #[test]
    fn a_person_writing_about_absence_is_not_a_machine() {
        for subject in [
            "Out of office hours support?",
            "Question about automatic replies",
            "Re: absence of the invoice",
            "AUTO: insurance question",
        ] {
            let mut headers = from("jane@example.test");
            headers.subject = Some(subject);
            assert_eq!(automated_reason(&headers, &[]), None, "{subject}");
        }
    }

    #[test]
    fn robot_and_own_senders_count() {
        for sender in [
            "MAILER-DAEMON@mx.example.test",
            "postmaster@example.test",
            "no-reply@shop.test",
            "noreply+x@shop.test",
        ] {
            assert_eq!(
                automated_reason(&from(sender), &[]),
                Some("robot sender"),
                "{sender}"
            );
        }
        assert_eq!(
            automated_reason(&from("Support@Example.test"), &["support@example.test"]),
            Some("our own address")
        );
        assert_eq!(automated_reason(&from(""), &[]), Some("no sender"));
    }
}
