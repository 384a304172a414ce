//! `switchboard bench search`: seeds an inbox (by default five million messages over half a
//! million conversations, and half a million quieter conversations of one message each, so the
//! list holds a million), then times searches as agents type them and the conversation list
//! without search, as the inbox asks for them: first pages and the pages after, with and
//! without the list's filters.
//!
//! The text is synthetic but shaped like support mail: a vocabulary of Czech and English
//! words (real ones at the top, made-up ones with Czech diacritics in the long tail) drawn
//! with a Zipf distribution, 1–60 words per message, short ones commoner. Queries are 1–3
//! words, common and rare, some taken from a seeded message (so they find something), some
//! typed without diacritics or cut short as a prefix, alone and with the list's filters.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::reports::mix;
use crate::app::App;
use crate::config::Config;
use crate::domain::{AgentId, ConversationStatus, Millis};
use crate::store::search_seed::{SeedConversation, SeedMessage};
use crate::store::{AssigneeFilter, ConversationFilter, PageRequest, Store};

/// Options of `switchboard bench search`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Run on this PostgreSQL server (a scratch database is created and dropped);
    /// default: a temporary SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Messages seeded over the conversations that hold them.
    #[arg(long, default_value_t = 5_000_000)]
    pub messages: i64,
    /// Conversations the messages are spread over.
    #[arg(long, default_value_t = 500_000)]
    pub conversations: i64,
    /// Further conversations of one message each (the list's length, not the search's).
    #[arg(long, default_value_t = 500_000)]
    pub quiet_conversations: i64,
    /// Searches of each kind per round.
    #[arg(long, default_value_t = 40)]
    pub queries: usize,
    /// Rounds of the same searches (the first one also shows a cold cache).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Seed this SQLite file instead of a temporary one, and keep it; a file an earlier run
    /// seeded (with the same sizes) is searched as it is, so that a change to search can be
    /// measured again in minutes.
    #[arg(long, conflicts_with = "database_url")]
    pub sqlite_file: Option<std::path::PathBuf>,
    /// Run in the PostgreSQL database `--database-url` names, not a scratch one, and keep it:
    /// as `--sqlite-file` does, a database an earlier run seeded is searched as it is.
    #[arg(long, requires = "database_url")]
    pub keep_database: bool,
}

const AGENTS: i64 = 50;
const CHANNELS: u64 = 10;
const LABELS: [&str; 8] = [
    "billing", "bug", "delivery", "refund", "vip", "returns", "invoice", "urgent",
];
const VOCABULARY: usize = 50_000;
/// Conversations written per transaction.
const CHUNK: i64 = 5_000;
const YEAR_MS: i64 = 365 * 86_400_000;
const MINUTE: i64 = 60_000;
/// Searches slower than this are shown one by one.
const SLOW: Duration = Duration::from_millis(150);

/// The commonest words, most frequent first: what support mail in Czech and English is made
/// of. The rest of the vocabulary is made up below.
const COMMON_WORDS: &[&str] = &[
    "a",
    "the",
    "je",
    "to",
    "i",
    "and",
    "na",
    "v",
    "you",
    "se",
    "is",
    "please",
    "že",
    "for",
    "my",
    "prosím",
    "order",
    "objednávka",
    "not",
    "jsem",
    "it",
    "s",
    "with",
    "mi",
    "děkuji",
    "thank",
    "we",
    "be",
    "z",
    "can",
    "ale",
    "have",
    "do",
    "your",
    "číslo",
    "už",
    "by",
    "this",
    "k",
    "zásilka",
    "když",
    "jak",
    "are",
    "was",
    "of",
    "ještě",
    "o",
    "help",
    "než",
    "payment",
    "platba",
    "faktura",
    "invoice",
    "delivery",
    "doručení",
    "refund",
    "vrácení",
    "peněz",
    "account",
    "účet",
    "heslo",
    "password",
    "login",
    "přihlášení",
    "nefunguje",
    "broken",
    "problém",
    "problem",
    "reklamace",
    "complaint",
    "zboží",
    "product",
    "produkt",
    "adresa",
    "address",
    "změna",
    "change",
    "zrušit",
    "cancel",
    "kdy",
    "when",
    "dorazí",
    "arrive",
    "today",
    "dnes",
    "zítra",
    "tomorrow",
    "týden",
    "week",
    "karta",
    "card",
    "banka",
    "bank",
    "převod",
    "transfer",
    "sleva",
    "discount",
    "kód",
    "code",
    "košík",
    "cart",
    "sklad",
    "stock",
    "velikost",
    "size",
    "barva",
    "colour",
    "poškozené",
    "damaged",
    "balík",
    "parcel",
    "kurýr",
    "courier",
    "sledování",
    "tracking",
    "telefon",
    "phone",
    "email",
    "odpověď",
    "answer",
    "rychle",
    "quickly",
    "urgentní",
    "urgent",
    "dobrý",
    "den",
    "hello",
    "hi",
    "zdravím",
    "regards",
    "pozdravem",
    "s",
    "díky",
    "thanks",
    "potřebuji",
    "need",
    "chci",
    "want",
    "můžete",
    "could",
    "would",
    "měl",
    "should",
    "bych",
    "rád",
    "like",
    "know",
    "vědět",
    "stav",
    "status",
    "předplatné",
    "subscription",
    "tarif",
    "plan",
    "cena",
    "price",
    "dodací",
    "list",
    "záruka",
    "warranty",
    "oprava",
    "repair",
    "servis",
    "service",
    "výměna",
    "exchange",
    "vrátit",
    "return",
    "štítek",
    "label",
    "obal",
    "package",
    "chyba",
    "error",
    "aplikace",
    "app",
    "web",
    "stránka",
    "page",
    "registrace",
    "signup",
    "ověření",
    "verification",
    "smlouva",
    "contract",
    "výpověď",
    "termination",
];

/// Syllables of the made-up words (Czech-looking, diacritics included).
const SYLLABLES: &[&str] = &[
    "ka", "lo", "vá", "ně", "při", "st", "ro", "zá", "dě", "mi", "šu", "če", "tr", "ko", "ný",
    "ří", "ba", "le", "pů", "po", "ch", "ma", "ve", "sk", "ta", "ho", "ži", "ny", "dl", "ov", "ěr",
    "ác", "en", "ou", "ra", "ti", "se", "ns", "pr", "ám",
];

/// Runs the benchmark and prints its report.
///
/// # Errors
/// When the service cannot start or seeding fails.
pub async fn run(options: Options) -> anyhow::Result<()> {
    anyhow::ensure!(options.conversations > 0, "--conversations: at least 1");
    anyhow::ensure!(
        options.messages >= options.conversations,
        "--messages: at least one per conversation"
    );
    anyhow::ensure!(options.queries > 0, "--queries: at least 1");
    anyhow::ensure!(options.rounds > 0, "--rounds: at least 1");
    let options = &options;
    if let Some(file) = &options.sqlite_file {
        return measure(options, &format!("sqlite://{}", file.display())).await;
    }
    if let (Some(url), true) = (&options.database_url, options.keep_database) {
        return measure(options, url).await;
    }
    super::on_scratch_database(
        options.database_url.as_deref(),
        |database_url, _| async move { measure(options, &database_url).await },
    )
    .await
}

async fn measure(options: &Options, database_url: &str) -> anyhow::Result<()> {
    let text = format!("[database]\nurl = {database_url:?}\n\n[log]\nlevel = \"warn\"\n");
    let config = Config::from_parts(Some(("bench config".into(), &text)), Vec::new(), |_| None)?;
    let backend = if config.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let app = App::build(config, Vec::new()).await?;
    let store = app.state.store.clone();
    let vocabulary = vocabulary();

    let seeding = Instant::now();
    let seeded_before = store.list_agents().await?.iter().map(|a| a.id.get()).min();
    let first_agent = match seeded_before {
        Some(first_agent) => {
            println!(
                "switchboard bench search — {backend}: {} messages seeded before, as they are",
                store.count_messages().await?
            );
            first_agent
        }
        None => {
            let (first_agent, seeded) = seed(&store, options, &vocabulary).await?;
            store
                .settle_after_seeding()
                .await
                .context("settling the seeded tables")?;
            println!(
                "switchboard bench search — {backend}: {} messages in {} conversations (and {} \
                 of one message), vocabulary {VOCABULARY} words, seeded in {:.1} s",
                seeded,
                options.conversations,
                options.quiet_conversations,
                seeding.elapsed().as_secs_f64()
            );
            first_agent
        }
    };
    let searches = searches(options, &vocabulary, first_agent);
    let mut all = Vec::new();
    for round in 1..=options.rounds {
        let mut timings = Vec::new();
        for (kind, filter) in &searches {
            let started = Instant::now();
            let page = store
                .list_conversations(filter, PageRequest::default())
                .await
                .with_context(|| format!("search {:?}", filter.text))?;
            let took = started.elapsed();
            if took > SLOW {
                println!(
                    "  slow: {kind} {:?} took {:.0} ms",
                    filter,
                    took.as_secs_f64() * 1e3
                );
            }
            timings.push((*kind, took, page.items.len()));
        }
        print_round(&format!("search, round {round}"), &timings);
        if round > 1 {
            all.extend(timings);
        }
    }
    if options.rounds > 1 {
        print_round("search, warm rounds together", &all);
    }
    let mut list = Vec::new();
    for _ in 0..options.rounds {
        list.extend(list_pages(&store, first_agent).await?);
    }
    print_round("conversation list without search", &list);
    app.state.store.close().await;
    Ok(())
}

/// The vocabulary, commonest first: the real words, then made-up ones.
fn vocabulary() -> Vec<String> {
    let mut seen = HashSet::new();
    let mut words: Vec<String> = COMMON_WORDS
        .iter()
        .filter(|word| seen.insert(word.to_string()))
        .map(|word| word.to_string())
        .collect();
    let mut seed = 0u64;
    while words.len() < VOCABULARY {
        seed += 1;
        let syllables = 2 + mix(seed) % 3;
        let word: String = (0..syllables)
            .map(|i| SYLLABLES[(mix(seed * 7 + i) % SYLLABLES.len() as u64) as usize])
            .collect();
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

/// A Zipf-distributed index into a vocabulary of `size` words (log-uniform ranks: the
/// frequency of the word of rank r is proportional to 1/r).
fn zipf(seed: u64, size: usize) -> usize {
    let unit = (mix(seed) % 1_000_000) as f64 / 1_000_000.0;
    let rank = ((size as f64 + 1.0).ln() * unit).exp() as usize;
    rank.saturating_sub(1).min(size - 1)
}

/// The text of seeded message number `index`.
fn message_text(index: u64, vocabulary: &[String]) -> String {
    let unit = (mix(index ^ 0xA5A5) % 10_000) as f64 / 10_000.0;
    let words = 1 + (59.0 * unit * unit) as u64;
    let mut text = String::new();
    for position in 0..words {
        if position > 0 {
            text.push(if mix(index * 131 + position).is_multiple_of(9) {
                ','
            } else {
                ' '
            });
            if text.ends_with(',') {
                text.push(' ');
            }
        }
        text.push_str(&vocabulary[zipf(index * 1_000 + position, vocabulary.len())]);
    }
    text.push(if index.is_multiple_of(4) { '?' } else { '.' });
    text
}

/// Seeds agents, conversations and messages; returns the first agent's id and the number
/// of messages written.
async fn seed(
    store: &Store,
    options: &Options,
    vocabulary: &[String],
) -> anyhow::Result<(i64, i64)> {
    let mut first_agent = None;
    for index in 0..AGENTS {
        let agent = store
            .create_agent(&crate::store::NewAgent {
                name: format!("Agent {index:02}"),
                email: format!("agent{index:02}@bench.test"),
                role: crate::domain::Role::Agent,
                capacity: 20,
            })
            .await?;
        first_agent.get_or_insert(agent.id.get());
    }
    let first_agent = first_agent.context("no agent")?;
    let total = options.conversations + options.quiet_conversations;
    let step = (YEAR_MS / total).max(1);
    let year_start = Millis::now().0 - YEAR_MS;
    // Messages of a searched conversation: 1 + up to twice the mean - 2, so the mean holds.
    let mean = options.messages as f64 / options.conversations as f64;
    let (mut message_index, mut seeded) = (0u64, 0i64);
    let (mut searched, mut quiet) = (0i64, 0i64);
    let mut next = 0i64;
    while next < total {
        let count = CHUNK.min(total - next);
        let mut conversations = Vec::with_capacity(count as usize);
        let mut messages = Vec::new();
        for offset in 0..count {
            let number = (next + offset) as u64;
            // Quiet conversations are spread among the others at the share asked for.
            let is_quiet = searched == options.conversations
                || (quiet < options.quiet_conversations
                    && mix(number ^ 0x51) % (total as u64) < options.quiet_conversations as u64);
            let in_conversation = if is_quiet {
                quiet += 1;
                1
            } else {
                searched += 1;
                let spread = (2.0 * mean - 2.0).max(0.0) as u64;
                1 + mix(number ^ 0x77) % (spread + 1)
            };
            let created_at = year_start + (next + offset) * step;
            let channel = format!("channel-{}", mix(number ^ 0x0C) % CHANNELS);
            let mut at = created_at;
            for position in 0..in_conversation {
                messages.push(SeedMessage {
                    conversation: offset as usize,
                    channel: channel.clone(),
                    text: message_text(message_index, vocabulary),
                    created_at: at,
                    inbound: position % 2 == 0,
                });
                message_index += 1;
                at += (1 + mix(number * 31 + position) % 240) as i64 * MINUTE;
            }
            conversations.push(SeedConversation {
                channel,
                status: match mix(number ^ 0x5A) % 10 {
                    0..=4 => "resolved",
                    5..=7 => "open",
                    _ => "pending",
                },
                assignee: (mix(number ^ 0xA1) % 100 >= 15)
                    .then(|| first_agent + (mix(number ^ 0xA2) % AGENTS as u64) as i64),
                label: (mix(number ^ 0x1B) % 10 < 3)
                    .then(|| LABELS[(mix(number ^ 0x1C) % LABELS.len() as u64) as usize].into()),
                created_at,
                last_activity_at: messages.last().map_or(created_at, |m| m.created_at),
            });
        }
        seeded += messages.len() as i64;
        store
            .seed_search_chunk(&conversations, &messages)
            .await
            .context("seeding conversations")?;
        next += count;
    }
    Ok((first_agent, seeded))
}

/// The kinds of search timed, each with its filters.
fn searches(
    options: &Options,
    vocabulary: &[String],
    first_agent: i64,
) -> Vec<(&'static str, ConversationFilter)> {
    let seeded_messages = options.messages as u64;
    let word = |seed: u64| vocabulary[zipf(seed, vocabulary.len())].clone();
    // Words of one seeded message: what someone who saw it would search for.
    let from_message = |seed: u64, count: usize| {
        let text = message_text(mix(seed) % seeded_messages, vocabulary);
        let words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let start = (mix(seed ^ 3) as usize) % words.len();
        words
            .iter()
            .cycle()
            .skip(start)
            .take(count.min(words.len()))
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut searches = Vec::new();
    for i in 0..options.queries as u64 {
        let text = |kind: &'static str, text: String| {
            (
                kind,
                ConversationFilter {
                    text: Some(text),
                    ..Default::default()
                },
            )
        };
        // A common word: one of the fifty commonest.
        searches.push(text(
            "1 common word",
            vocabulary[(mix(i ^ 0x100) % 50) as usize].clone(),
        ));
        // A rare word: ranks 1,000 and below, about as often each as they occur.
        let rare = 1_000 + zipf(i ^ 0x200, vocabulary.len() - 1_000);
        searches.push(text("1 rare word", vocabulary[rare].clone()));
        searches.push(text("2 words of a message", from_message(i ^ 0x300, 2)));
        searches.push(text("3 words of a message", from_message(i ^ 0x400, 3)));
        searches.push(text(
            "2 words, any",
            format!("{} {}", word(i ^ 0x500), word(i ^ 0x501)),
        ));
        // As typed: without diacritics, the last word cut short.
        let typed = from_message(i ^ 0x600, 2);
        let cut: String = match typed.rsplit_once(' ') {
            Some((head, last)) => {
                let keep = 3.max(last.chars().count() * 2 / 3);
                format!("{head} {}", last.chars().take(keep).collect::<String>())
            }
            None => typed.clone(),
        };
        searches.push(text("prefix, no diacritics", strip_diacritics(&cut)));
        // With one of the list's filters.
        let mut filtered = ConversationFilter {
            text: Some(from_message(i ^ 0x700, 1 + (i % 2) as usize)),
            ..Default::default()
        };
        apply_filter(&mut filtered, i, first_agent);
        searches.push(("with a filter", filtered));
        let mut common = ConversationFilter {
            text: Some(vocabulary[(mix(i ^ 0x800) % 50) as usize].clone()),
            ..Default::default()
        };
        apply_filter(&mut common, i + 1, first_agent);
        searches.push(("common word with a filter", common));
    }
    searches
}

/// Sets one of the list's filters on `filter`, chosen by `seed`.
fn apply_filter(filter: &mut ConversationFilter, seed: u64, first_agent: i64) {
    match seed % 5 {
        0 => filter.status = Some(ConversationStatus::Open),
        1 => {
            filter.assignee = Some(AssigneeFilter::Agent(AgentId::new(
                first_agent + (mix(seed) % AGENTS as u64) as i64,
            )));
        }
        2 => filter.channel = Some(format!("channel-{}", mix(seed) % CHANNELS)),
        3 => filter.label = Some(LABELS[(mix(seed) % LABELS.len() as u64) as usize].into()),
        _ => filter.assignee = Some(AssigneeFilter::Unassigned),
    }
}

/// `text` as typed on a keyboard without Czech letters.
fn strip_diacritics(text: &str) -> String {
    const FROM: &str = "áčďéěíňóřšťúůýžÁČĎÉĚÍŇÓŘŠŤÚŮÝŽ";
    const TO: &str = "acdeeinorstuuyzACDEEINORSTUUYZ";
    text.chars()
        .map(|c| {
            FROM.chars()
                .position(|from| from == c)
                .and_then(|at| TO.chars().nth(at))
                .unwrap_or(c)
        })
        .collect()
}

/// The list without search: each filter's first page and the three pages after it.
async fn list_pages(
    store: &Store,
    first_agent: i64,
) -> anyhow::Result<Vec<(&'static str, Duration, usize)>> {
    let mut filters = vec![ConversationFilter::default()];
    for seed in 0..10 {
        let mut filter = ConversationFilter::default();
        apply_filter(&mut filter, seed, first_agent);
        filters.push(filter);
    }
    let mut timings = Vec::new();
    for filter in &filters {
        let mut page = PageRequest::default();
        for number in 0..4 {
            let started = Instant::now();
            let found = store.list_conversations(filter, page.clone()).await?;
            let kind = if number == 0 {
                "first page"
            } else {
                "next pages"
            };
            timings.push((kind, started.elapsed(), found.items.len()));
            match found.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
    }
    Ok(timings)
}

/// Prints percentiles of `timings`, each kind and all together.
fn print_round(title: &str, timings: &[(&'static str, Duration, usize)]) {
    println!("{title}:");
    let mut kinds: Vec<&str> = Vec::new();
    for (kind, _, _) in timings {
        if !kinds.contains(kind) {
            kinds.push(kind);
        }
    }
    let line = |label: &str, selected: Vec<&(&str, Duration, usize)>| {
        let mut millis: Vec<f64> = selected
            .iter()
            .map(|(_, took, _)| took.as_secs_f64() * 1_000.0)
            .collect();
        millis.sort_by(f64::total_cmp);
        let found = selected.iter().filter(|(_, _, n)| *n > 0).count();
        let at = |q: f64| millis[((millis.len() - 1) as f64 * q).round() as usize];
        println!(
            "  {label:<28} n={:<4} p50 {:>7.1} ms  p95 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  \
             (found something: {found})",
            millis.len(),
            at(0.5),
            at(0.95),
            at(0.99),
            millis[millis.len() - 1]
        );
    };
    for kind in &kinds {
        line(kind, timings.iter().filter(|(k, _, _)| k == kind).collect());
    }
    line("all", timings.iter().collect());
}
