//! Email addresses that reach the same mailbox. Some providers ignore dots in the local part
//! and anything after a `+` (Gmail: `Jana.Novak+shop@gmail.com` is `jananovak@gmail.com`), so
//! one person appears under several addresses; the duplicate suggestions compare them folded.
//! The store folds stored addresses with the same rule in SQL (`store::sql::duplicates`).

/// Domains that are one mailbox namespace: an address at either is the same mailbox.
const SAME_NAMESPACE: &[(&str, &str)] = &[("googlemail.com", "gmail.com")];

/// The folded form of `address` when its domain is one of `domains` (lower-cased, dots of the
/// local part removed, a `+tag` cut off), and the same under every domain of its namespace;
/// empty when the domain is not listed or the address has no local part.
pub fn folded_mailboxes(address: &str, domains: &[String]) -> Vec<String> {
    let address = address.trim().to_lowercase();
    let Some((local, domain)) = address.split_once('@') else {
        return Vec::new();
    };
    if !domains
        .iter()
        .any(|listed| listed.eq_ignore_ascii_case(domain))
    {
        return Vec::new();
    }
    let local = local.split('+').next().unwrap_or_default().replace('.', "");
    if local.is_empty() {
        return Vec::new();
    }
    let mut folded = vec![format!("{local}@{domain}")];
    for &(one, other) in SAME_NAMESPACE {
        let alias = if domain == one {
            other
        } else if domain == other {
            one
        } else {
            continue;
        };
        folded.push(format!("{local}@{alias}"));
    }
    folded
}

/// The default of `[contacts] mailbox_domains`: Gmail's.
pub fn default_domains() -> Vec<String> {
    vec!["gmail.com".to_owned(), "googlemail.com".to_owned()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_tags_and_case_are_ignored_at_listed_domains_only() {
        let gmail = default_domains();
        assert_eq!(
            folded_mailboxes(" Jana.Novak+shop@GMail.com ", &gmail),
            vec!["jananovak@gmail.com", "jananovak@googlemail.com"]
        );
        assert_eq!(
            folded_mailboxes("j.a.n.a.novak@googlemail.com", &gmail),
            vec!["jananovak@googlemail.com", "jananovak@gmail.com"]
        );
        assert!(folded_mailboxes("jana.novak@example.com", &gmail).is_empty());
        assert!(folded_mailboxes("jana.novak@gmail.com", &[]).is_empty());
        assert!(folded_mailboxes("+tag@gmail.com", &gmail).is_empty());
        assert!(folded_mailboxes("no-at-sign", &gmail).is_empty());
    }
}
