//! Finders of personal numbers in free text, each checked by its own checksum so that order
//! numbers, phone numbers and dates are left alone: payment card numbers (Luhn), IBANs
//! (ISO 13616 mod 97) and Czech/Slovak birth numbers (rodné číslo: a valid date and mod 11).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// 13 to 19 digits, single spaces or dashes allowed between digits, not glued to other digits.
static CARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9])([0-9](?:[ -]?[0-9]){12,18})(?:[^0-9]|$)").expect("card pattern")
});

/// A country code, two check digits, then up to 30 letters and digits, optionally in groups
/// of four separated by single spaces.
static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([A-Z]{2}[0-9]{2}(?: ?[0-9A-Z]){10,30})\b").expect("iban pattern")
});

/// Six date digits, an optional slash, three or four more digits.
static BIRTH_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9/])([0-9]{6})(/?)([0-9]{3,4})(?:[^0-9/]|$)").expect("birth pattern")
});

/// Card numbers that pass the Luhn check, as byte ranges of `text`.
pub fn card_numbers(text: &str) -> Vec<Range<usize>> {
    captures(&CARD, text, |candidate| {
        let digits: Vec<u32> = candidate.chars().filter_map(|c| c.to_digit(10)).collect();
        (13..=19).contains(&digits.len()) && is_luhn_valid(&digits) && !is_one_repeated(&digits)
    })
}

/// IBANs whose check digits are right, as byte ranges of `text`.
pub fn ibans(text: &str) -> Vec<Range<usize>> {
    captures(&IBAN, text, |candidate| {
        let compact: String = candidate.chars().filter(|c| *c != ' ').collect();
        (15..=34).contains(&compact.len()) && is_iban_valid(&compact)
    })
}

/// Czech and Slovak birth numbers with a real date and a right check digit, as byte ranges.
pub fn birth_numbers(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    for captures in BIRTH_NUMBER.captures_iter(text) {
        let (Some(date), Some(slash), Some(tail)) =
            (captures.get(1), captures.get(2), captures.get(3))
        else {
            continue;
        };
        if is_birth_number(date.as_str(), !slash.as_str().is_empty(), tail.as_str()) {
            found.push(date.start()..tail.end());
        }
    }
    found
}

fn captures(pattern: &Regex, text: &str, valid: impl Fn(&str) -> bool) -> Vec<Range<usize>> {
    // The patterns consume one delimiter on each side; overlapping candidates (two numbers
    // separated by one space) are found by searching again right after the last digit.
    let mut found = Vec::new();
    let mut at = 0;
    while at <= text.len() {
        let Some(captures) = pattern.captures_at(text, at) else {
            break;
        };
        let Some(candidate) = captures.get(1) else {
            break;
        };
        if valid(candidate.as_str()) {
            found.push(candidate.range());
        }
        at = candidate.end();
    }
    found
}

/// The Luhn checksum over `digits` (the last one is the check digit).
fn is_luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, digit)| {
            if index % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                *digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `0000 0000 0000 0000` passes Luhn but is a placeholder, not a card.
fn is_one_repeated(digits: &[u32]) -> bool {
    digits.windows(2).all(|pair| pair[0] == pair[1])
}

/// ISO 13616: move the first four characters to the end, letters to 10..35, mod 97 is 1.
fn is_iban_valid(iban: &str) -> bool {
    let rearranged = iban[4..].chars().chain(iban[..4].chars());
    let mut remainder: u32 = 0;
    for c in rearranged {
        let value = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => return false,
        };
        // Letters stand for two digits.
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// A birth number: `date` YYMMDD (month +50 for women; +20 and +70 from 2004), then a
/// three-digit serial (before 1954, accepted only when written with the slash, since nine
/// bare digits are too often something else) or a four-digit one whose whole number is
/// divisible by 11 (or whose first nine digits leave 10 and the check digit is 0).
fn is_birth_number(date: &str, slashed: bool, tail: &str) -> bool {
    let number = |range: Range<usize>| date[range].parse::<u32>().ok();
    let (Some(yy), Some(mm), Some(dd)) = (number(0..2), number(2..4), number(4..6)) else {
        return false;
    };
    let month = match mm {
        1..=12 => mm,
        21..=32 => mm - 20,
        51..=62 => mm - 50,
        71..=82 => mm - 70,
        _ => return false,
    };
    let year = match tail.len() {
        3 => {
            if !slashed || yy >= 54 {
                return false;
            }
            1900 + yy
        }
        4 => {
            if yy >= 54 {
                1900 + yy
            } else {
                2000 + yy
            }
        }
        _ => return false,
    };
    // The +20/+70 months exist only from 2004 on.
    if ((21..=32).contains(&mm) || (71..=82).contains(&mm)) && year < 2004 {
        return false;
    }
    if chrono::NaiveDate::from_ymd_opt(i32::try_from(year).unwrap_or(0), month, dd).is_none() {
        return false;
    }
    if tail.len() == 3 {
        return true;
    }
    let Ok(first_nine) = format!("{date}{}", &tail[..3]).parse::<u64>() else {
        return false;
    };
    let Some(check) = tail[3..].parse::<u64>().ok() else {
        return false;
    };
    match first_nine % 11 {
        10 => check == 0,
        remainder => remainder == check,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(finder: fn(&str) -> Vec<Range<usize>>, text: &str) -> Vec<&str> {
        finder(text).into_iter().map(|range| &text[range]).collect()
    }

    #[test]
    fn card_numbers_pass_luhn_in_any_grouping() {
        assert_eq!(
            found(card_numbers, "card 4111 1111 1111 1111, thanks"),
            ["4111 1111 1111 1111"]
        );
        assert_eq!(
            found(card_numbers, "4111-1111-1111-1111"),
            ["4111-1111-1111-1111"]
        );
        assert_eq!(
            found(card_numbers, "Amex 378282246310005."),
            ["378282246310005"]
        );
        assert_eq!(
            found(card_numbers, "5555555555554444"),
            ["5555555555554444"]
        );
    }

    #[test]
    fn numbers_that_are_not_cards_stay() {
        // Luhn fails.
        assert!(found(card_numbers, "order 4111 1111 1111 1112").is_empty());
        // A phone number is too short; an order number fails the check.
        assert!(found(card_numbers, "call +420 777 123 456").is_empty());
        assert!(found(card_numbers, "order no. 20261124000017").is_empty());
        // A date and a time.
        assert!(found(card_numbers, "2026-11-24 10:00").is_empty());
        // Twenty digits: part of something longer, not a card.
        assert!(found(card_numbers, "41111111111111111111").is_empty());
        assert!(found(card_numbers, "0000 0000 0000 0000").is_empty());
    }

    #[test]
    fn ibans_pass_mod_97() {
        assert_eq!(
            found(ibans, "pay to CZ65 0800 0000 1920 0014 5399 please"),
            ["CZ65 0800 0000 1920 0014 5399"]
        );
        assert_eq!(
            found(ibans, "DE89370400440532013000"),
            ["DE89370400440532013000"]
        );
        assert_eq!(
            found(ibans, "GB29 NWBK 6016 1331 9268 19"),
            ["GB29 NWBK 6016 1331 9268 19"]
        );
        assert!(
            found(ibans, "CZ66 0800 0000 1920 0014 5399").is_empty(),
            "wrong check digits"
        );
        assert!(found(ibans, "ORDER12345678901234").is_empty());
        assert!(found(ibans, "ticket AB12 3456 7890 12").is_empty());
    }

    #[test]
    fn birth_numbers_need_a_date_and_the_check_digit() {
        // 736028/5163: a woman (month 60 = October + 50), 1973; 7360285163 % 11 == 0.
        assert_eq!(found(birth_numbers, "RČ 736028/5163."), ["736028/5163"]);
        assert_eq!(found(birth_numbers, "rc 7360285163"), ["7360285163"]);
        // Remainder 10 gives check digit 0: 855122003 % 11 == 10.
        assert_eq!(855_122_003 % 11, 10);
        assert_eq!(found(birth_numbers, "855122/0030"), ["855122/0030"]);
        // After 2004 a month may be +20: 0421150006 → 042115000 % 11.
        let first_nine: u64 = 42_115_000;
        let check = (first_nine % 11) % 10;
        let text = format!("0421150{:02}{check}", 0);
        assert_eq!(found(birth_numbers, &text), [text.as_str()]);
        // Before 1954: nine digits, only with the slash.
        assert_eq!(found(birth_numbers, "nar. 320215/123"), ["320215/123"]);
        assert!(found(birth_numbers, "320215123").is_empty());
    }

    #[test]
    fn dates_phones_and_order_numbers_are_not_birth_numbers() {
        assert!(
            found(birth_numbers, "736028/5164").is_empty(),
            "check digit off by one"
        );
        assert!(found(birth_numbers, "731332/0001").is_empty(), "13th month");
        assert!(
            found(birth_numbers, "730230/1234").is_empty(),
            "30 February"
        );
        assert!(found(birth_numbers, "call 777123456").is_empty());
        assert!(found(birth_numbers, "order 2026112400").is_empty());
        assert!(found(birth_numbers, "on 24/11/2026").is_empty());
        // +20 months are for 2004 and later only.
        assert!(found(birth_numbers, "992115/0003").is_empty());
    }
}
