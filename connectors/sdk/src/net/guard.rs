//! The SSRF guard: which URLs the server may reach when someone outside chose them (an event
//! webhook's URL, a media URL in a channel payload). Without it, they could make the server
//! reach its own network (admin ports, databases, the cloud metadata service).
//!
//! A URL is checked before each request (DNS can change), and the rule is enforced at connect
//! time by a resolver that refuses such addresses, so a name that resolves differently between
//! the check and the connection is caught too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

/// Longest a subscription URL may be.
const MAX_URL_LEN: usize = 2048;
/// How long a check waits for DNS.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the server may not reach a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("is not a valid URL ({0})")]
    Malformed(String),
    #[error("must be at most {MAX_URL_LEN} characters")]
    TooLong,
    #[error("must use http or https, not {0:?}")]
    Scheme(String),
    #[error("must not contain a user name or password (receivers check the signature instead)")]
    Credentials,
    #[error("has no host")]
    NoHost,
    #[error("{host} does not resolve ({reason})")]
    Unresolvable { host: String, reason: String },
    #[error(
        "{subject} is a {rule} address; the server may not reach loopback, private, \
         link-local, CGNAT or cloud metadata addresses unless {setting} = true"
    )]
    Forbidden {
        subject: String,
        rule: &'static str,
        /// The configuration key that lifts the guard, for the operator.
        setting: &'static str,
    },
}

impl TargetError {
    /// True when the refusal may go away by itself (a DNS failure), so a delivery should retry.
    pub fn is_transient(&self) -> bool {
        matches!(self, TargetError::Unresolvable { .. })
    }
}

/// Which targets are allowed: public unicast addresses only, unless the operator allowed
/// private ones (e.g. `[webhooks] allow_private_targets`).
#[derive(Debug, Clone, Copy)]
pub struct TargetPolicy {
    allow_private: bool,
    /// The configuration key behind `allow_private`, named in refusals.
    setting: &'static str,
}

impl TargetPolicy {
    /// A policy; `allow_private` (read from the configuration key `setting`) turns the guard off.
    pub fn new(allow_private: bool, setting: &'static str) -> Self {
        Self {
            allow_private,
            setting,
        }
    }

    /// True when the guard is off.
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Parses a URL and checks it: http(s), a host, no credentials, and every
    /// address the host resolves to public (unless private targets are allowed).
    ///
    /// # Errors
    /// A [`TargetError`] naming the rule.
    pub async fn check(&self, url: &str) -> Result<Url, TargetError> {
        if url.len() > MAX_URL_LEN {
            return Err(TargetError::TooLong);
        }
        let parsed = Url::parse(url).map_err(|err| TargetError::Malformed(err.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(TargetError::Scheme(parsed.scheme().to_owned()));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(TargetError::Credentials);
        }
        let host = parsed.host_str().ok_or(TargetError::NoHost)?;
        if self.allow_private {
            return Ok(parsed);
        }
        // The URL parser has normalised odd IPv4 spellings (`0x7f.1`, `2130706433`).
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            check_ip(ip, None, self.setting)?;
            return Ok(parsed);
        }
        let port = parsed.port_or_known_default().unwrap_or(443);
        resolve_public(host, port, self.setting).await?;
        Ok(parsed)
    }

    /// An HTTP client that sends as `user_agent`: no redirects (a redirect could lead
    /// anywhere; callers that follow them check each hop), no proxy from the environment,
    /// and, when guarded, a resolver that refuses private addresses at connect time.
    ///
    /// # Errors
    /// When the TLS backend cannot start.
    pub fn client(&self, timeout: Duration, user_agent: &str) -> reqwest::Result<reqwest::Client> {
        let builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(user_agent);
        let builder = if self.allow_private {
            builder
        } else {
            builder.dns_resolver(Arc::new(GuardedResolver {
                setting: self.setting,
            }))
        };
        builder.build()
    }
}

/// Refuses `ip` when it is not a public unicast address; `host` is the name that led to it.
fn check_ip(ip: IpAddr, host: Option<&str>, setting: &'static str) -> Result<(), TargetError> {
    match forbidden_reason(ip) {
        None => Ok(()),
        Some(rule) => Err(TargetError::Forbidden {
            subject: match host {
                Some(host) => format!("{host} resolves to {ip}, which"),
                None => ip.to_string(),
            },
            rule,
            setting,
        }),
    }
}

/// Resolves `host` and refuses it if any of its addresses is not public: a name that mixes
/// public and private addresses is a rebinding trick, not a real service.
async fn resolve_public(
    host: &str,
    port: u16,
    setting: &'static str,
) -> Result<Vec<SocketAddr>, TargetError> {
    let unresolvable = |reason: String| TargetError::Unresolvable {
        host: host.to_owned(),
        reason,
    };
    let found = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| unresolvable("timed out".into()))?
        .map_err(|err| unresolvable(err.to_string()))?;
    let addrs: Vec<SocketAddr> = found.collect();
    if addrs.is_empty() {
        return Err(unresolvable("no addresses".into()));
    }
    for addr in &addrs {
        check_ip(addr.ip(), Some(host), setting)?;
    }
    Ok(addrs)
}

/// The connect-time half of the guard: reqwest asks it for every host name it connects to
/// (IP literals never reach a resolver; [`TargetPolicy::check`] covers them before sending).
struct GuardedResolver {
    setting: &'static str,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let setting = self.setting;
        Box::pin(async move {
            let addrs = resolve_public(&host, 0, setting)
                .await
                .map_err(|err| Box::new(err) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Addresses of cloud metadata services outside the ranges below (and some inside them, to
/// name them plainly): AWS/GCP/Azure/OpenStack `169.254.169.254`, AWS ECS `169.254.170.2`,
/// Azure's wire server `168.63.129.16`, Alibaba `100.100.100.200`, AWS IPv6 `fd00:ec2::254`.
const METADATA_V4: [Ipv4Addr; 4] = [
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(169, 254, 170, 2),
    Ipv4Addr::new(168, 63, 129, 16),
    Ipv4Addr::new(100, 100, 100, 200),
];
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);

/// Why `ip` is not a public unicast address (the rule's name), or `None` when it is.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => forbidden_v4(ip),
        IpAddr::V6(ip) => forbidden_v6(ip),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    if METADATA_V4.contains(&ip) {
        return Some("cloud metadata");
    }
    let rules: [([u8; 4], u32, &'static str); 15] = [
        ([0, 0, 0, 0], 8, "unspecified (0.0.0.0/8)"),
        ([127, 0, 0, 0], 8, "loopback"),
        ([10, 0, 0, 0], 8, "private (RFC 1918)"),
        ([172, 16, 0, 0], 12, "private (RFC 1918)"),
        ([192, 168, 0, 0], 16, "private (RFC 1918)"),
        ([100, 64, 0, 0], 10, "CGNAT (100.64.0.0/10)"),
        ([169, 254, 0, 0], 16, "link-local"),
        ([192, 0, 0, 0], 24, "IETF protocol assignment"),
        ([192, 0, 2, 0], 24, "documentation"),
        ([198, 51, 100, 0], 24, "documentation"),
        ([203, 0, 113, 0], 24, "documentation"),
        ([198, 18, 0, 0], 15, "benchmarking"),
        ([192, 88, 99, 0], 24, "6to4 relay anycast"),
        ([224, 0, 0, 0], 4, "multicast"),
        // Includes the broadcast address 255.255.255.255.
        ([240, 0, 0, 0], 4, "reserved"),
    ];
    rules
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, rule)| *rule)
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip == METADATA_V6 {
        return Some("cloud metadata");
    }
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // Addresses that carry an IPv4 address are judged by it: ::ffff:127.0.0.1 is loopback.
    if let Some(v4) = embedded_v4(ip) {
        return forbidden_v4(v4);
    }
    let segments = ip.segments();
    let rules: [(u16, u16, &'static str); 5] = [
        (0xfe00, 0xfc00, "unique local (fc00::/7)"),
        (0xffc0, 0xfe80, "link-local"),
        (0xffc0, 0xfec0, "site-local"),
        (0xff00, 0xff00, "multicast"),
        (0xffff, 0x0100, "discard-only (100::/64)"),
    ];
    if let Some((_, _, rule)) = rules
        .iter()
        .find(|(mask, net, _)| segments[0] & mask == *net)
    {
        return Some(rule);
    }
    match (segments[0], segments[1]) {
        (0x2001, 0x0db8) => Some("documentation"),
        // Teredo tunnels reach arbitrary IPv4 hosts.
        (0x2001, 0x0000) => Some("Teredo"),
        (0x0064, 0xff9b) if segments[2] == 1 => Some("local-use NAT64"),
        _ => None,
    }
}

/// The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 (`64:ff9b::/96`) or 6to4
/// (`2002::/16`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0, 0, hi, lo] => Some(tail(hi, lo)),
        [0x0064, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(tail(hi, lo)),
        [0x2002, hi, lo, ..] => Some(tail(hi, lo)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(ip: &str) -> Option<&'static str> {
        forbidden_reason(ip.parse().expect("ip"))
    }

    #[test]
    fn private_and_special_addresses_are_classified() {
        let cases = [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("10.1.2.3", "private (RFC 1918)"),
            ("172.16.0.1", "private (RFC 1918)"),
            ("172.31.255.255", "private (RFC 1918)"),
            ("192.168.1.1", "private (RFC 1918)"),
            ("169.254.169.254", "cloud metadata"),
            ("169.254.1.1", "link-local"),
            ("100.64.0.1", "CGNAT (100.64.0.0/10)"),
            ("100.127.255.254", "CGNAT (100.64.0.0/10)"),
            ("100.100.100.200", "cloud metadata"),
            ("168.63.129.16", "cloud metadata"),
            ("0.0.0.0", "unspecified (0.0.0.0/8)"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private (RFC 1918)"),
            ("64:ff9b::a9fe:a9fe", "cloud metadata"),
            ("2002:c0a8:0101::1", "private (RFC 1918)"),
            ("fc00::1", "unique local (fc00::/7)"),
            ("fd12:3456::1", "unique local (fc00::/7)"),
            ("fd00:ec2::254", "cloud metadata"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
        ];
        for (ip, rule) in cases {
            assert_eq!(reason(ip), Some(rule), "{ip}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "169.253.255.255",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "2002:0808:0808::1",
        ] {
            assert_eq!(reason(ip), None, "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_for_scheme_credentials_and_address() {
        let guarded = TargetPolicy::new(false, "[webhooks] allow_private_targets");
        let refused = |result: Result<Url, TargetError>| result.expect_err("refused");
        assert!(matches!(
            refused(guarded.check("ftp://example.com/x").await),
            TargetError::Scheme(_)
        ));
        assert!(matches!(
            refused(guarded.check("not a url").await),
            TargetError::Malformed(_)
        ));
        assert_eq!(
            refused(guarded.check("https://user:pw@example.com/").await),
            TargetError::Credentials
        );
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "http://2130706433/hook",
            "http://0x7f.1/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost/hook",
        ] {
            let err = refused(guarded.check(url).await);
            assert!(
                matches!(err, TargetError::Forbidden { .. }),
                "{url}: {err:?}"
            );
            assert!(err.to_string().contains("allow_private_targets"), "{err}");
        }
        assert!(guarded.check("https://93.184.215.14/hook").await.is_ok());
        let open = TargetPolicy::new(true, "[webhooks] allow_private_targets");
        assert!(open.check("http://127.0.0.1:8080/hook").await.is_ok());
        assert!(matches!(
            refused(open.check("file:///etc/passwd").await),
            TargetError::Scheme(_)
        ));
    }
}
