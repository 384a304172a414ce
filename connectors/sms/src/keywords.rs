//! SMS keywords. US carriers and Twilio treat a message that is only `STOP` (and a few
//! synonyms) as an opt-out from the sending number, `START` as an opt-in and `HELP` as a
//! request for information; the Czech words are the ones campaigns already honour.

use connector_sdk::Keyword;

const OPT_OUT: [&str; 10] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "ODHLÁSIT",
    "ODHLASIT",
];
const OPT_IN: [&str; 2] = ["START", "UNSTOP"];
const HELP: [&str; 2] = ["HELP", "INFO"];

/// The keyword a whole message is, ignoring case, surrounding space and a final `.` or `!`.
/// A keyword inside a longer sentence ("please stop the delivery") is no keyword.
pub fn classify(text: &str) -> Option<Keyword> {
    let word = text
        .trim()
        .trim_end_matches(['.', '!'])
        .trim()
        .to_uppercase();
    if OPT_OUT.contains(&word.as_str()) {
        Some(Keyword::OptOut)
    } else if OPT_IN.contains(&word.as_str()) {
        Some(Keyword::OptIn)
    } else if HELP.contains(&word.as_str()) {
        Some(Keyword::Help)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_messages_only() {
        assert_eq!(classify("stop"), Some(Keyword::OptOut));
        assert_eq!(classify(" Stop! "), Some(Keyword::OptOut));
        assert_eq!(classify("STOPALL"), Some(Keyword::OptOut));
        assert_eq!(classify("odhlásit"), Some(Keyword::OptOut));
        assert_eq!(classify("Quit."), Some(Keyword::OptOut));
        assert_eq!(classify("start"), Some(Keyword::OptIn));
        assert_eq!(classify("UNSTOP"), Some(Keyword::OptIn));
        assert_eq!(classify("help"), Some(Keyword::Help));
        assert_eq!(classify("please stop the delivery"), None);
        assert_eq!(classify("stopper"), None);
        assert_eq!(classify(""), None);
    }
}
