//! How mail programs mark the earlier mail under a reply, in the languages our customers write:
//! attribution lines ("On … wrote:"), Outlook's header blocks, "original/forwarded message"
//! separators and mobile signatures. Only recognition lives here; `display_text` decides.

/// How sure a line is to introduce quoted mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Attribution {
    /// Reads like one ("Jane wrote:"), but only trusted right before `>` lines.
    Weak,
    /// Names a date, time or address as mail programs do: trusted even without `>` lines.
    Strong,
}

/// What the attribution verb looks like, lowercase. Client forms differ by word order and
/// gender (`napsal(a)`, `napísal(a)`, `napisał(a)`, `писал(а)`), so these are substrings.
const VERBS: [&str; 22] = [
    " wrote",      // English, Apple
    " writes",     // mailing lists
    "schrieb",     // German
    "geschrieben", // German (Outlook for Mac)
    "napsal",      // Czech
    "napísal",     // Slovak
    "napisał",     // Polish (Gmail)
    " pisze",      // Polish (Thunderbird)
    "a écrit",     // French
    "escribió",    // Spanish
    "ha scritto",  // Italian
    "schreef",     // Dutch
    "geschreven",  // Dutch (Outlook)
    "escreveu",    // Portuguese
    "писал",       // Russian (написал, писал(а))
    "пишет",       // Russian (Thunderbird)
    "skrev",       // Scandinavian
    "kirjoitti",   // Finnish
    "írta",        // Hungarian
    "napisao",     // Croatian, Serbian
    "написа",      // Bulgarian
    "yazdı",       // Turkish
];

/// An attribution line, given lowercase and with wrapped lines joined by a space.
pub(super) fn attribution(text: &str) -> Option<Attribution> {
    let text = text.trim();
    if !text.ends_with(':') || text.chars().count() > 400 {
        return None;
    }
    let has_address = text.contains('@');
    let has_digit = text.chars().any(|c| c.is_ascii_digit());
    let has_verb = VERBS.iter().any(|verb| text.contains(verb));
    // Gmail in Russian (and other languages) writes no verb at all:
    // "пн, 3 февр. 2025 г. в 10:00, Иван <ivan@x.ru>:".
    let verbless = text.ends_with(">:") && has_address && has_time(text);
    if !(has_verb || verbless) {
        return None;
    }
    Some(if has_address || has_digit {
        Attribution::Strong
    } else {
        Attribution::Weak
    })
}

/// A standalone year (19xx or 20xx) somewhere in `text`.
pub(super) fn has_year(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|word| word.len() == 4 && (word.starts_with("19") || word.starts_with("20")))
}

/// `h:mm` or `hh:mm` somewhere in `text`.
pub(super) fn has_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(4).any(|w| {
        w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit() && w[3].is_ascii_digit()
    })
}

/// One line of a mail header block as Outlook and forwarding clients write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    From,
    Sent,
    To,
    Cc,
    Subject,
}

/// Field labels of Outlook's reply header and of forwarded-message headers, lowercase.
const FIELDS: [(&str, Field); 55] = [
    ("from", Field::From),
    ("von", Field::From),
    ("od", Field::From),
    ("de", Field::From),
    ("de la", Field::From),
    ("da", Field::From),
    ("van", Field::From),
    ("от", Field::From),
    ("från", Field::From),
    ("fra", Field::From),
    ("sent", Field::Sent),
    ("date", Field::Sent),
    ("gesendet", Field::Sent),
    ("datum", Field::Sent),
    ("odesláno", Field::Sent),
    ("odoslané", Field::Sent),
    ("wysłano", Field::Sent),
    ("data", Field::Sent),
    ("envoyé", Field::Sent),
    ("inviato", Field::Sent),
    ("verzonden", Field::Sent),
    ("enviado", Field::Sent),
    ("enviada", Field::Sent),
    ("enviado el", Field::Sent),
    ("fecha", Field::Sent),
    ("отправлено", Field::Sent),
    ("дата", Field::Sent),
    ("skickat", Field::Sent),
    ("sendt", Field::Sent),
    ("to", Field::To),
    ("an", Field::To),
    ("komu", Field::To),
    ("do", Field::To),
    ("à", Field::To),
    ("a", Field::To),
    ("aan", Field::To),
    ("para", Field::To),
    ("кому", Field::To),
    ("till", Field::To),
    ("til", Field::To),
    ("cc", Field::Cc),
    ("kopie", Field::Cc),
    ("kopia", Field::Cc),
    ("копия", Field::Cc),
    ("subject", Field::Subject),
    ("betreff", Field::Subject),
    ("předmět", Field::Subject),
    ("predmet", Field::Subject),
    ("temat", Field::Subject),
    ("objet", Field::Subject),
    ("oggetto", Field::Subject),
    ("onderwerp", Field::Subject),
    ("asunto", Field::Subject),
    ("assunto", Field::Subject),
    ("тема", Field::Subject),
];

/// The header field a line starts with (`From: …`, `*Von:* …`, `De : …`).
fn field(line: &str) -> Option<Field> {
    let line = line.trim().trim_start_matches('*');
    let (label, _) = line.split_once(':')?;
    let label = label.trim().trim_end_matches('*').trim().to_lowercase();
    FIELDS
        .iter()
        .find(|(name, _)| *name == label)
        .map(|(_, field)| *field)
}

/// True when line `index` opens a header block of an earlier mail: consecutive field lines
/// (a long value may wrap onto a line or two) naming at least the sender and the date.
pub(super) fn is_header_block(lines: &[&str], index: usize) -> bool {
    if field(lines[index]).is_none() {
        return false;
    }
    let (mut from, mut sent, mut continuations) = (false, false, 0);
    for line in lines[index..].iter().take(10) {
        match field(line) {
            Some(Field::From) => from = true,
            Some(Field::Sent) => sent = true,
            Some(Field::To | Field::Cc | Field::Subject) => {}
            None if line.trim().is_empty() => break,
            None => {
                continuations += 1;
                if continuations > 2 {
                    break;
                }
            }
        }
    }
    from && sent
}

/// Words that name an earlier or forwarded message inside a `----- … -----` separator.
const SEPARATOR_WORDS: [&str; 28] = [
    "original",
    "forward",
    "message",
    "ursprüngliche",
    "weitergeleitete",
    "nachricht",
    "původní",
    "přeposlaná",
    "zpráva",
    "pôvodná",
    "preposlaná",
    "správa",
    "oryginalna",
    "przekazana",
    "wiadomość",
    "transféré",
    "messaggio",
    "inoltrato",
    "oorspronkelijk",
    "doorgestuurd",
    "bericht",
    "mensaje",
    "reenviado",
    "mensagem",
    "encaminhada",
    "сообщение",
    "пересылаемое",
    "пересланное",
];

/// Apple Mail's (and others') line before a forwarded mail, lowercase.
const FORWARD_INTROS: [&str; 10] = [
    "begin forwarded message",
    "anfang der weitergeleiteten nachricht",
    "začátek přeposílané zprávy",
    "začiatok preposlanej správy",
    "początek przekazywanej wiadomości",
    "début du message réexpédié",
    "inicio del mensaje reenviado",
    "inizio messaggio inoltrato",
    "begin doorgestuurd bericht",
    "início da mensagem reencaminhada",
];

/// True for a line that separates the reply from an earlier or forwarded mail:
/// `-----Original Message-----`, `---------- Přeposlaná zpráva ---------`, Outlook's long
/// underscore rule, or "Begin forwarded message:".
pub(super) fn is_separator(line: &str) -> bool {
    let line = line.trim();
    if line.chars().count() >= 20 && line.chars().all(|c| c == '_') {
        return true;
    }
    let lower = line.to_lowercase();
    if FORWARD_INTROS
        .iter()
        .any(|intro| lower.starts_with(intro) && lower.ends_with(':'))
    {
        return true;
    }
    if !(lower.starts_with("--") && lower.ends_with("--")) {
        return false;
    }
    let words = lower.trim_matches(['-', ' ']);
    !words.is_empty()
        && words.chars().count() <= 40
        && SEPARATOR_WORDS.iter().any(|word| words.contains(word))
}

/// What phones and webmail append instead of a signature, lowercase.
const DEVICE_SIGNATURES: [&str; 17] = [
    "sent from my ",
    "sent from outlook",
    "get outlook for ",
    "sent via ",
    "odesláno z ",
    "odoslané z ",
    "wysłane z ",
    "von meinem ",
    "gesendet von ",
    "envoyé de mon ",
    "envoyé depuis ",
    "enviado desde mi ",
    "inviato da ",
    "verzonden vanaf mijn ",
    "verstuurd vanaf mijn ",
    "enviado do meu ",
    "отправлено с ",
];

/// True when `line` starts the signature: RFC 3676's `-- ` (many clients drop the space), or
/// a device line such as "Sent from my iPhone" (short, so a sentence starting so is kept).
pub(super) fn is_signature(line: &str) -> bool {
    let trimmed = line.trim();
    if trimmed == "--" {
        return true;
    }
    let lower = trimmed.to_lowercase();
    lower.chars().count() <= 60 && DEVICE_SIGNATURES.iter().any(|s| lower.starts_with(s))
}
