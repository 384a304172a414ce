//! Checks shared by connectors' and the core's config keys, so a bad value is refused when
//! the config loads rather than when it is first used.

use serde::{Deserialize, Deserializer};

/// Checks that `text` is an absolute `http://` or `https://` URL with a host.
///
/// # Errors
/// What is wrong, without repeating the value (it may carry a token).
pub fn check_http_url(text: &str) -> Result<(), String> {
    let uri: http::Uri = text
        .parse()
        .map_err(|err| format!("must be an http:// or https:// URL ({err})"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => return Err(format!("must be an http:// or https:// URL, not {other}:")),
        None => return Err("must be an absolute http:// or https:// URL".into()),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    Ok(())
}

/// Reads an optional URL key (`#[serde(default, deserialize_with = "…")]`), refusing
/// anything but an absolute `http://` or `https://` URL.
///
/// # Errors
/// The deserializer's error with what is wrong.
pub fn optional_http_url<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    if let Some(text) = &text {
        check_http_url(text).map_err(serde::de::Error::custom)?;
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_pass() {
        for good in [
            "https://shop.example.com/switchboard/replies",
            "http://127.0.0.1:9/",
            "https://[::1]:8443/x?y=1",
        ] {
            assert_eq!(check_http_url(good), Ok(()), "{good}");
        }
        for bad in [
            "not a url",
            "shop.example.com/replies",
            "ftp://shop.example.com",
            "localhost:8080",
            "https://",
            "",
        ] {
            assert!(check_http_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn optional_urls_are_checked_when_read() {
        #[derive(Debug, Deserialize)]
        struct Keys {
            #[serde(default, deserialize_with = "optional_http_url")]
            url: Option<String>,
        }
        let keys: Keys = serde_json::from_str("{}").expect("absent");
        assert_eq!(keys.url, None);
        let keys: Keys = serde_json::from_str(r#"{"url":"https://a.example"}"#).expect("valid");
        assert_eq!(keys.url.as_deref(), Some("https://a.example"));
        let err = serde_json::from_str::<Keys>(r#"{"url":"not a url"}"#).expect_err("invalid");
        assert!(err.to_string().contains("http:// or https://"), "{err}");
    }
}
