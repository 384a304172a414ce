//! `allowed_origins`: the sites that may embed the widget. Each entry is a scheme, a host (or
//! `*.` and a domain, for its subdomains) and an optional port, exactly the form a
//! `frame-ancestors` source expression takes, so the browser enforces the list; nothing here
//! has to trust a header the embedding page could forge.

use std::fmt;

/// One allowed origin, checked when the config loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    /// `example.com` for `*.example.com` with `wildcard` set.
    host: String,
    wildcard: bool,
    port: Option<u16>,
}

impl OriginPattern {
    /// Parses `https://shop.example.com`, `https://*.example.com` or `http://localhost:8080`
    /// (a trailing `/` is allowed; a path is not: frames are allowed per origin).
    ///
    /// # Errors
    /// What is wrong with the entry.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim().trim_end_matches('/');
        let (scheme, rest) = trimmed
            .split_once("://")
            .ok_or_else(|| format!("{text:?} must start with https:// or http://"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(format!("{text:?} must start with https:// or http://"));
        }
        if rest.contains(['/', '?', '#', '@', ' ', '\'', ';', ',']) {
            return Err(format!(
                "{text:?} must be an origin only (scheme, host, port), without a path"
            ));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || rest.starts_with('[') => {
                let port = port
                    .parse::<u16>()
                    .map_err(|_| format!("{text:?} has a port that is not a number"))?;
                (host, Some(port))
            }
            _ => (rest, None),
        };
        let host = host.to_ascii_lowercase();
        let (wildcard, host) = match host.strip_prefix("*.") {
            Some(domain) => (true, domain.to_owned()),
            None => (false, host),
        };
        let valid_host = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '[' | ']' | ':'))
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !host.contains('*');
        if !valid_host {
            return Err(format!(
                "{text:?} has no valid host name (a wildcard may only be a leading `*.`)"
            ));
        }
        Ok(Self {
            scheme,
            host,
            wildcard,
            port,
        })
    }

    /// True when `origin` (a browser's `scheme://host[:port]`) is covered by this entry.
    pub fn matches(&self, origin: &str) -> bool {
        let Ok(other) = Self::parse(origin) else {
            return false;
        };
        if other.wildcard || other.scheme != self.scheme || other.port != self.port {
            return false;
        }
        if self.wildcard {
            other
                .host
                .strip_suffix(&self.host)
                .is_some_and(|prefix| prefix.ends_with('.') && prefix.len() > 1)
        } else {
            other.host == self.host
        }
    }
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// The `Content-Security-Policy` directive that lets exactly these origins frame the widget.
pub fn frame_ancestors(origins: &[OriginPattern]) -> String {
    if origins.is_empty() {
        return "frame-ancestors 'none'".to_owned();
    }
    let list: Vec<String> = origins.iter().map(ToString::to_string).collect();
    format!("frame-ancestors {}", list.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_to_source_expressions() {
        let cases = [
            ("https://shop.example.com", "https://shop.example.com"),
            ("https://Shop.Example.com/", "https://shop.example.com"),
            ("https://*.example.com", "https://*.example.com"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("http://127.0.0.1:5173", "http://127.0.0.1:5173"),
        ];
        for (entry, shown) in cases {
            assert_eq!(OriginPattern::parse(entry).expect(entry).to_string(), shown);
        }
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        for bad in [
            "shop.example.com",
            "ftp://shop.example.com",
            "https://shop.example.com/path",
            "https://",
            "https://*",
            "https://shop.*.com",
            "https://a.com; script-src *",
            "https://a.com b.com",
            "https://a.com:http",
            "https://user@a.com",
            "https://a.com,https://b.com",
            "https://'self'",
        ] {
            assert!(OriginPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_wildcard_covers_subdomains_only_with_the_same_scheme_and_port() {
        let pattern = OriginPattern::parse("https://*.example.com").expect("pattern");
        assert!(pattern.matches("https://shop.example.com"));
        assert!(pattern.matches("https://a.b.example.com"));
        assert!(!pattern.matches("https://example.com"));
        assert!(!pattern.matches("https://evilexample.com"));
        assert!(!pattern.matches("http://shop.example.com"));
        assert!(!pattern.matches("https://shop.example.com:8443"));
        let exact = OriginPattern::parse("http://localhost:8080").expect("exact");
        assert!(exact.matches("http://localhost:8080"));
        assert!(!exact.matches("http://localhost:8081"));
        assert!(!exact.matches("http://localhost"));
    }

    #[test]
    fn the_directive_lists_every_origin_or_none() {
        let origins = vec![
            OriginPattern::parse("https://a.example").expect("a"),
            OriginPattern::parse("https://*.b.example").expect("b"),
        ];
        assert_eq!(
            frame_ancestors(&origins),
            "frame-ancestors https://a.example https://*.b.example"
        );
        assert_eq!(frame_ancestors(&[]), "frame-ancestors 'none'");
    }
}
