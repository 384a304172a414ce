//! How carriers count an SMS: the encoding a text needs (GSM-7 or UCS-2) and the number of
//! segments it is billed and sent as. Pure functions, no I/O.
//!
//! GSM 03.38: a single message holds 160 septets; a concatenated one loses 7 septets per
//! part to the user data header (153 left). Characters of the extension table (`€`, `[`,
//! `{`, …) cost an escape septet as well. A character outside both tables switches the
//! whole message to UCS-2: 70 UTF-16 units single, 67 per part, so an emoji (a surrogate
//! pair) costs 2. Neither an escape sequence nor a surrogate pair is split between parts.

use connector_sdk::TextCost;

/// The GSM 03.38 default alphabet (the escape code 0x1B left out: it is never a character).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table reached through the escape code: two septets each.
const GSM_EXTENSION: &str = "\u{0C}^{}\\[~]|€";

const GSM_SINGLE: u32 = 160;
const GSM_PART: u32 = 153;
const UCS2_SINGLE: u32 = 70;
const UCS2_PART: u32 = 67;

/// Septets `ch` costs in GSM-7, or `None` when it needs UCS-2.
fn gsm_septets(ch: char) -> Option<u32> {
    if GSM_BASIC.contains(ch) {
        Some(1)
    } else if GSM_EXTENSION.contains(ch) {
        Some(2)
    } else {
        None
    }
}

/// True when every character of `text` exists in GSM-7 (basic or extension table).
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|ch| gsm_septets(ch).is_some())
}

/// Counts parts by filling each with whole characters of `costs` up to `part` units.
fn parts(costs: impl Iterator<Item = u32>, part: u32) -> u32 {
    let mut count = 1;
    let mut used = 0;
    for cost in costs {
        if used + cost > part {
            count += 1;
            used = 0;
        }
        used += cost;
    }
    count
}

/// The encoding and segment count of `text` as it would be sent.
pub fn count(text: &str) -> TextCost {
    if text.is_empty() {
        return TextCost::new("gsm7", 0, 0);
    }
    let septets: Option<Vec<u32>> = text.chars().map(gsm_septets).collect();
    match septets {
        Some(costs) => {
            let units: u32 = costs.iter().sum();
            let segments = if units <= GSM_SINGLE {
                1
            } else {
                parts(costs.into_iter(), GSM_PART)
            };
            TextCost::new("gsm7", units, segments)
        }
        None => {
            let costs: Vec<u32> = text
                .chars()
                .map(|ch| u32::try_from(ch.len_utf16()).unwrap_or(2))
                .collect();
            let units: u32 = costs.iter().sum();
            let segments = if units <= UCS2_SINGLE {
                1
            } else {
                parts(costs.into_iter(), UCS2_PART)
            };
            TextCost::new("ucs2", units, segments)
        }
    }
}

/// Replaces Czech and Slovak letters with diacritics that GSM-7 lacks by their base letters,
/// and typographic punctuation by its ASCII form, so such a text can go out as GSM-7 at
/// half the cost. Letters GSM-7 has (`é`, `É`, `ä`, `ö`, `ü`) stay. Other characters are
/// left alone: a text with an emoji still needs UCS-2.
pub fn transliterate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        let replacement = match ch {
            'á' | 'â' => "a",
            'Á' | 'Â' => "A",
            'č' | 'ć' => "c",
            'Č' | 'Ć' => "C",
            'ď' => "d",
            'Ď' => "D",
            'ě' | 'ë' => "e",
            'Ě' | 'Ë' => "E",
            'í' | 'î' => "i",
            'Í' | 'Î' => "I",
            'ĺ' | 'ľ' | 'ł' => "l",
            'Ĺ' | 'Ľ' | 'Ł' => "L",
            'ň' | 'ń' => "n",
            'Ň' | 'Ń' => "N",
            'ó' | 'ô' | 'ő' => "o",
            'Ó' | 'Ô' | 'Ő' => "O",
            'ŕ' | 'ř' => "r",
            'Ŕ' | 'Ř' => "R",
            'š' | 'ś' => "s",
            'Š' | 'Ś' => "S",
            'ť' => "t",
            'Ť' => "T",
            'ú' | 'ů' | 'ű' => "u",
            'Ú' | 'Ů' | 'Ű' => "U",
            'ý' => "y",
            'Ý' => "Y",
            'ž' | 'ź' | 'ż' => "z",
            'Ž' | 'Ź' | 'Ż' => "Z",
            '„' | '“' | '”' | '«' | '»' => "\"",
            '‚' | '‘' | '’' => "'",
            '–' | '—' => "-",
            '…' => "...",
            '\u{A0}' => " ",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(replacement);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(text: &str) -> (String, u32, u32) {
        let c = count(text);
        (c.encoding.to_owned(), c.units, c.segments)
    }

    #[test]
    fn gsm_texts_fill_160_then_153_per_part() {
        assert_eq!(cost(&"a".repeat(160)), ("gsm7".into(), 160, 1));
        assert_eq!(cost(&"a".repeat(161)), ("gsm7".into(), 161, 2));
        assert_eq!(cost(&"a".repeat(306)), ("gsm7".into(), 306, 2));
        assert_eq!(cost(&"a".repeat(307)), ("gsm7".into(), 307, 3));
        assert_eq!(cost(""), ("gsm7".into(), 0, 0));
    }

    #[test]
    fn extension_characters_cost_two_septets_and_are_not_split() {
        // 80 euro signs are 160 septets: still one message.
        assert_eq!(cost(&"€".repeat(80)), ("gsm7".into(), 160, 1));
        assert_eq!(cost(&"€".repeat(81)), ("gsm7".into(), 162, 2));
        // 152 letters then an escape pair: the pair moves to the next part whole.
        let text = format!("{}{}{}", "a".repeat(152), "[", "a".repeat(10));
        assert_eq!(cost(&text), ("gsm7".into(), 164, 2));
        let text = format!("{}[{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(cost(&text), ("gsm7".into(), 306, 3));
    }

    #[test]
    fn anything_else_is_ucs2_at_70_then_67() {
        assert_eq!(cost(&"č".repeat(70)), ("ucs2".into(), 70, 1));
        assert_eq!(cost(&"č".repeat(71)), ("ucs2".into(), 71, 2));
        assert_eq!(cost(&"č".repeat(134)), ("ucs2".into(), 134, 2));
        assert_eq!(cost(&"č".repeat(135)), ("ucs2".into(), 135, 3));
        // One non-GSM character switches the whole text.
        assert_eq!(
            cost(&format!("{}ř", "a".repeat(69))),
            ("ucs2".into(), 70, 1)
        );
        // Emoji are surrogate pairs: two units each, never split.
        assert_eq!(cost(&"😀".repeat(35)), ("ucs2".into(), 70, 1));
        assert_eq!(cost(&"😀".repeat(36)), ("ucs2".into(), 72, 2));
        let text = format!("{}😀", "a".repeat(66));
        assert_eq!(
            cost(&format!("{text}{}", "b".repeat(10))),
            ("ucs2".into(), 78, 2)
        );
    }

    #[test]
    fn czech_text_halves_its_cost_when_transliterated() {
        let text = "Dobrý den, Vaše zásilka č. 4521 je připravena k vyzvednutí na pobočce Praha 4 až do pátku 18:00.";
        let text = format!("{text}{}", ".".repeat(100 - text.chars().count()));
        assert_eq!(text.chars().count(), 100);
        assert_eq!(cost(&text), ("ucs2".into(), 100, 2));
        let plain = transliterate(&text);
        assert!(is_gsm7(&plain), "{plain}");
        assert_eq!(cost(&plain), ("gsm7".into(), 100, 1));
        assert_eq!(
            transliterate("Příliš žluťoučký kůň úpěl ďábelské ódy"),
            "Prilis zlutoucky kun upel dabelské ody"
        );
        assert_eq!(
            transliterate("Émile „ahoj“ – ok…"),
            "Émile \"ahoj\" - ok..."
        );
        // An emoji has no GSM form and stays.
        assert!(!is_gsm7(&transliterate("ahoj 😀")));
    }
}
