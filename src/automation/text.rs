//! Text helpers for conditions: folding away diacritics and telling a message's language.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The text without diacritics: "Příliš žluťoučký" becomes "Prilis zlutoucky". Letters that
/// are not composed with a combining mark (ł, ø, đ, ß) keep their usual ASCII spelling.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|ch| !is_combining_mark(*ch))
        .flat_map(|ch| {
            let replacement: Option<&str> = match ch {
                'ł' => Some("l"),
                'Ł' => Some("L"),
                'ø' => Some("o"),
                'Ø' => Some("O"),
                'đ' => Some("d"),
                'Đ' => Some("D"),
                'ß' => Some("ss"),
                _ => None,
            };
            match replacement {
                Some(text) => text.chars().collect::<Vec<_>>(),
                None => vec![ch],
            }
        })
        .collect()
}

/// The ISO 639-1 code of the text's language, when the text is long enough to tell.
pub fn detect_language(text: &str) -> Option<&'static str> {
    if text.chars().filter(|ch| ch.is_alphabetic()).count() < 12 {
        return None;
    }
    let info = whatlang::detect(text)?;
    if info.confidence() < 0.2 {
        return None;
    }
    use whatlang::Lang;
    Some(match info.lang() {
        Lang::Ces => "cs",
        Lang::Slk => "sk",
        Lang::Eng => "en",
        Lang::Deu => "de",
        Lang::Pol => "pl",
        Lang::Fra => "fr",
        Lang::Spa => "es",
        Lang::Ita => "it",
        Lang::Por => "pt",
        Lang::Nld => "nl",
        Lang::Rus => "ru",
        Lang::Ukr => "uk",
        Lang::Hun => "hu",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_czech_and_friends() {
        assert_eq!(
            fold("Příliš žluťoučký kůň úpěl ďábelské ódy"),
            "Prilis zlutoucky kun upel dabelske ody"
        );
        assert_eq!(fold("Łódź straße"), "Lodz strasse");
    }

    #[test]
    fn tells_czech_from_english() {
        assert_eq!(
            detect_language("Dobrý den, chtěl bych se zeptat na stav mé objednávky, děkuji."),
            Some("cs")
        );
        assert_eq!(
            detect_language("Hello, I would like to ask about the status of my order, thanks."),
            Some("en")
        );
        assert_eq!(detect_language("ok"), None);
    }
}
