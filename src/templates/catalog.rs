//! Template files and their names: `<name>[.<channel>][.<locale>][.html].j2`, the templates
//! shipped inside the binary, and a configured folder that adds or overrides them.

use std::path::Path;

use connector_sdk::ChannelKind;

use super::TemplateError;

/// The extension every template file carries.
pub const EXTENSION: &str = ".j2";

/// The shipped templates, embedded so that `switchboard serve` works from any directory.
/// A unit test checks that this list and the `templates/` folder agree.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("sms_help.j2", include_str!("../../templates/sms_help.j2")),
    (
        "sms_help.cs.j2",
        include_str!("../../templates/sms_help.cs.j2"),
    ),
    ("greeting.j2", include_str!("../../templates/greeting.j2")),
    (
        "greeting.cs.j2",
        include_str!("../../templates/greeting.cs.j2"),
    ),
    (
        "greeting.telegram.j2",
        include_str!("../../templates/greeting.telegram.j2"),
    ),
    (
        "greeting.telegram.cs.j2",
        include_str!("../../templates/greeting.telegram.cs.j2"),
    ),
    ("ack.j2", include_str!("../../templates/ack.j2")),
    ("ack.cs.j2", include_str!("../../templates/ack.cs.j2")),
    (
        "ack.email.html.j2",
        include_str!("../../templates/ack.email.html.j2"),
    ),
    (
        "ack.email.cs.html.j2",
        include_str!("../../templates/ack.email.cs.html.j2"),
    ),
    (
        "out_of_office.j2",
        include_str!("../../templates/out_of_office.j2"),
    ),
    (
        "out_of_office.cs.j2",
        include_str!("../../templates/out_of_office.cs.j2"),
    ),
    (
        "out_of_office.email.html.j2",
        include_str!("../../templates/out_of_office.email.html.j2"),
    ),
    (
        "out_of_office.email.cs.html.j2",
        include_str!("../../templates/out_of_office.email.cs.html.j2"),
    ),
    (
        "csat_request.j2",
        include_str!("../../templates/csat_request.j2"),
    ),
    (
        "csat_request.cs.j2",
        include_str!("../../templates/csat_request.cs.j2"),
    ),
    (
        "csat_request.discord.j2",
        include_str!("../../templates/csat_request.discord.j2"),
    ),
    (
        "csat_request.discord.cs.j2",
        include_str!("../../templates/csat_request.discord.cs.j2"),
    ),
    (
        "csat_request.web_chat.j2",
        include_str!("../../templates/csat_request.web_chat.j2"),
    ),
    (
        "csat_request.web_chat.cs.j2",
        include_str!("../../templates/csat_request.web_chat.cs.j2"),
    ),
    (
        "csat_request.email.html.j2",
        include_str!("../../templates/csat_request.email.html.j2"),
    ),
    (
        "csat_request.email.cs.html.j2",
        include_str!("../../templates/csat_request.email.cs.html.j2"),
    ),
    ("resolved.j2", include_str!("../../templates/resolved.j2")),
    (
        "resolved.cs.j2",
        include_str!("../../templates/resolved.cs.j2"),
    ),
    (
        "resolved.email.html.j2",
        include_str!("../../templates/resolved.email.html.j2"),
    ),
    (
        "resolved.email.cs.html.j2",
        include_str!("../../templates/resolved.email.cs.html.j2"),
    ),
];

/// Which variant of a template a file is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VariantKey {
    /// `None`: every channel.
    pub channel: Option<ChannelKind>,
    /// Lowercase, `-` between language and region (`cs`, `pt-br`); `None`: the default locale.
    pub locale: Option<String>,
    /// An HTML body (email's HTML part) rather than the text body.
    pub html: bool,
}

impl Ord for VariantKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let key = |k: &Self| (k.channel.map(ChannelKind::as_str), k.locale.clone(), k.html);
        key(self).cmp(&key(other))
    }
}

impl PartialOrd for VariantKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl VariantKey {
    /// The variant's name without the extension, e.g. `ack.telegram.cs`.
    pub fn display(&self, name: &str) -> String {
        let mut out = name.to_owned();
        if let Some(channel) = self.channel {
            out.push('.');
            out.push_str(channel.as_str());
        }
        if let Some(locale) = &self.locale {
            out.push('.');
            out.push_str(locale);
        }
        if self.html {
            out.push_str(".html");
        }
        out
    }
}

/// Splits a file name into the template name and its variant.
///
/// # Errors
/// A sentence saying what is wrong with the name.
pub fn parse_file_name(file: &str) -> Result<(String, VariantKey), String> {
    let stem = file
        .strip_suffix(EXTENSION)
        .ok_or_else(|| format!("file name must end in {EXTENSION}"))?;
    let (stem, html) = match stem.strip_suffix(".html") {
        Some(stem) => (stem, true),
        None => (stem, false),
    };
    let mut parts = stem.split('.');
    let name = parts.next().unwrap_or_default();
    if !is_valid_name(name) {
        return Err(format!(
            "template name {name:?} must be 1-64 characters of a-z, 0-9 and '_' \
             (file names are <name>[.<channel>][.<locale>][.html]{EXTENSION})"
        ));
    }
    let mut key = VariantKey {
        channel: None,
        locale: None,
        html,
    };
    let mut rest: Vec<&str> = parts.collect();
    if let Some(kind) = rest.first().and_then(|first| ChannelKind::parse(first)) {
        key.channel = Some(kind);
        rest.remove(0);
    } else if rest.first() == Some(&SMS_FAMILY) {
        // `.sms` serves every SMS kind; the loader files it under each of them.
        key.channel = Some(SMS_KINDS[0]);
        rest.remove(0);
    }
    match rest.as_slice() {
        [] => {}
        [locale] => {
            key.locale = Some(normalize_locale(locale).ok_or_else(|| {
                let kinds: Vec<_> = ChannelKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "{locale:?} is neither a channel kind ({}) nor a locale like `cs` or `pt-br` \
                     (file names are <name>[.<channel>][.<locale>][.html]{EXTENSION})",
                    kinds.join(", ")
                )
            })?);
        }
        _ => {
            return Err(format!(
                "too many parts (file names are <name>[.<channel>][.<locale>][.html]{EXTENSION})"
            ));
        }
    }
    Ok((name.to_owned(), key))
}

/// The channel part of a file name that serves every SMS kind (`ack.sms.cs.j2`).
pub const SMS_FAMILY: &str = "sms";
/// The kinds an `.sms` variant serves; a variant written for one of them wins over it.
pub const SMS_KINDS: [ChannelKind; 2] = [ChannelKind::Twilio, ChannelKind::Vonage];

/// True when `file` is an `.sms` variant (see [`SMS_FAMILY`]).
pub fn is_sms_family(file: &str) -> bool {
    file.split('.').nth(1) == Some(SMS_FAMILY)
}

/// True for a template name: what rules and the API refer to.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `cs`, `CS`, `pt_BR`, `pt-br` → `cs`, `cs`, `pt-br`, `pt-br`; `None` for anything that is
/// not a language code with an optional region.
pub fn normalize_locale(locale: &str) -> Option<String> {
    let locale = locale.trim().to_ascii_lowercase().replace('_', "-");
    let (language, region) = match locale.split_once('-') {
        Some((language, region)) => (language, Some(region)),
        None => (locale.as_str(), None),
    };
    let language_ok =
        (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase());
    let region_ok = region.is_none_or(|region| {
        (2..=8).contains(&region.len()) && region.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    (language_ok && region_ok).then_some(locale)
}

/// The variants tried for `channel` and `locale`, best first: the channel's own variants in
/// the locale, its language, then the channel's default; then the same without a channel.
/// `ack.telegram.pt-br` → `ack.telegram.pt` → `ack.telegram` → `ack.pt-br` → `ack.pt` → `ack`.
/// The default locale's explicit files (`ack.en`) come after the unsuffixed ones.
pub fn fallback_chain(channel: ChannelKind, locale: &str, default_locale: &str) -> Vec<VariantKey> {
    let mut locales: Vec<Option<String>> = Vec::new();
    let mut push = |locale: Option<String>| {
        if !locales.contains(&locale) {
            locales.push(locale);
        }
    };
    if let Some(locale) = normalize_locale(locale) {
        if let Some((language, _)) = locale.split_once('-') {
            let language = language.to_owned();
            push(Some(locale));
            push(Some(language));
        } else {
            push(Some(locale));
        }
    }
    push(None);
    if let Some(default) = normalize_locale(default_locale) {
        push(Some(default));
    }
    let mut chain = Vec::with_capacity(locales.len() * 2);
    for channel in [Some(channel), None] {
        for locale in &locales {
            chain.push(VariantKey {
                channel,
                locale: locale.clone(),
                html: false,
            });
        }
    }
    chain
}

/// Reads every `*.j2` file of `dir` (not recursing): `(file name, path shown in errors, source)`.
/// Other files (a README) are skipped.
///
/// # Errors
/// [`TemplateError::Io`] when the folder or a file cannot be read.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String, String)>, TemplateError> {
    let io = |path: &Path, source: std::io::Error| TemplateError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|err| io(dir, err))? {
        let entry = entry.map_err(|err| io(dir, err))?;
        let path = entry.path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()).map(str::to_owned) else {
            continue;
        };
        if !file.ends_with(EXTENSION) || !path.is_file() {
            continue;
        }
        let source = std::fs::read_to_string(&path).map_err(|err| io(&path, err))?;
        files.push((file, path.display().to_string(), source));
    }
    files.sort();
    Ok(files)
}
