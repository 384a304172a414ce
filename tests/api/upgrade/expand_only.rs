//! The expand-only rule for migrations, checked on their text: what nodes of the previous
//! release (running on the same database during a rolling upgrade) survive.

/// Migrations up to this one were written before the rule (the SQLite table rebuilds of
/// that release are contractions).
pub const LAST_VERSION_BEFORE_THE_RULE: i64 = 20261203000006;

/// One statement of a migration: its code with comments removed (strings kept) and the
/// comment lines right before it.
#[derive(Debug, Default)]
struct Statement {
    comments: Vec<String>,
    code: String,
}

/// The statements of `sql` that nodes of the previous release may not survive, each with
/// why, unless a `-- contract: <why it is safe now>` comment line precedes it.
pub fn contract_statements(sql: &str) -> Vec<String> {
    statements(sql)
        .into_iter()
        .filter(|statement| !statement.comments.iter().any(|line| says_why(line)))
        .filter_map(|statement| {
            let words = words(&statement.code);
            refusal(&words).map(|why| {
                let head: Vec<&str> = words.iter().take(6).map(String::as_str).collect();
                format!(
                    "`{} …` {why}; if it is safe for nodes of the previous release, say why \
                     in a `-- contract: <why>` comment line right before it",
                    head.join(" ")
                )
            })
        })
        .collect()
}

fn says_why(comment: &str) -> bool {
    comment
        .strip_prefix("--")
        .map(str::trim_start)
        .and_then(|line| line.strip_prefix("contract:"))
        .is_some_and(|why| !why.trim().is_empty())
}

/// Why `words` (one statement, upper-cased) is not an expand operation, if it is not.
fn refusal(words: &[String]) -> Option<String> {
    let word = |i: usize| words.get(i).map_or("", String::as_str);
    match word(0) {
        "CREATE" if word(1) == "OR" && word(2) == "REPLACE" => {
            Some("replaces an object older nodes may rely on".into())
        }
        // New tables, indexes, views, triggers, functions: older nodes do not know them.
        "CREATE" | "INSERT" | "SELECT" | "COMMENT" | "ANALYZE" => None,
        "DROP" => {
            let name = if word(2) == "IF" { word(4) } else { word(2) };
            Some(format!(
                "drops {} {name}: older nodes may still use it",
                word(1).to_lowercase()
            ))
        }
        "ALTER" if word(1) == "TABLE" => alter_table(&words[2..]),
        "UPDATE" | "DELETE" => Some("rewrites rows older nodes read and write".into()),
        other => Some(format!("`{other}` is not a known expand operation")),
    }
}

/// Why an `ALTER TABLE` (the words after `TABLE`) contracts, if it does.
fn alter_table(words: &[String]) -> Option<String> {
    let mut rest = words;
    for skip in [&["IF", "EXISTS"][..], &["ONLY"][..]] {
        if rest
            .iter()
            .map(String::as_str)
            .take(skip.len())
            .eq(skip.iter().copied())
        {
            rest = &rest[skip.len()..];
        }
    }
    let rest = rest.get(1..).unwrap_or_default(); // the table's name
    clauses(rest).into_iter().find_map(alter_clause)
}

/// The comma-separated clauses of an `ALTER TABLE`, split outside parentheses.
fn clauses(words: &[String]) -> Vec<&[String]> {
    let (mut clauses, mut start, mut depth) = (Vec::new(), 0, 0usize);
    for (i, word) in words.iter().enumerate() {
        match word.as_str() {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                clauses.push(&words[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    clauses.push(&words[start..]);
    clauses
}

fn alter_clause(clause: &[String]) -> Option<String> {
    let word = |i: usize| clause.get(i).map_or("", String::as_str);
    let has = |a: &str, b: &str| clause.windows(2).any(|w| w[0] == a && w[1] == b);
    match word(0) {
        "ADD" => {
            let mut column = &clause[1..];
            if column.first().is_some_and(|w| w == "COLUMN") {
                column = &column[1..];
            }
            let first = column.first().map_or("", String::as_str);
            if matches!(
                first,
                "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE"
            ) {
                return Some("adds a constraint that older nodes' writes may break".into());
            }
            let defaulted = column.iter().any(|w| w == "DEFAULT" || w == "GENERATED");
            (has("NOT", "NULL") && !defaulted).then(|| {
                "adds a NOT NULL column without a default: older nodes' inserts fail".into()
            })
        }
        "ALTER" => {
            if has("SET", "DEFAULT") {
                None
            } else if has("SET", "NOT") {
                Some("makes a column NOT NULL: older nodes may write NULL".into())
            } else if clause.iter().any(|w| w == "TYPE") {
                Some("changes a column's type under older nodes".into())
            } else {
                Some("changes a column older nodes use".into())
            }
        }
        "DROP" => Some("drops a column or constraint older nodes may use".into()),
        "RENAME" => Some("renames what older nodes still use by its old name".into()),
        other => Some(format!(
            "`ALTER TABLE … {other}` is not a known expand operation"
        )),
    }
}

/// Migrations after this one lock at most one table that exists before them (PostgreSQL).
pub const LAST_VERSION_BEFORE_THE_LOCK_RULE: i64 = 20261214000002;

/// The tables that exist before `sql` runs and that it locks on PostgreSQL, each until the
/// migration commits: those it references by a foreign key, alters, indexes or puts a trigger
/// on. Two such locks in one migration can deadlock with a running node that writes the same
/// tables in the other order (a foreign key to `messages` and another to `conversations` did).
pub fn existing_tables_locked(sql: &str) -> std::collections::BTreeSet<String> {
    let mut created = std::collections::BTreeSet::new();
    let mut locked = std::collections::BTreeSet::new();
    for statement in statements(sql) {
        let words = words(&statement.code);
        let word = |i: usize| words.get(i).map_or("", String::as_str);
        // The name after `at`, past IF [NOT] EXISTS and ONLY.
        let name_after = |mut at: usize| {
            while matches!(word(at), "IF" | "NOT" | "EXISTS" | "ONLY") {
                at += 1;
            }
            word(at).to_owned()
        };
        if word(0) == "CREATE" && word(1) == "TABLE" {
            created.insert(name_after(2));
        }
        if word(0) == "ALTER" && word(1) == "TABLE" {
            locked.insert(name_after(2));
        }
        let creates_on =
            word(0) == "CREATE" && words.iter().take(4).any(|w| w == "INDEX" || w == "TRIGGER");
        if creates_on && let Some(on) = words.iter().position(|w| w == "ON") {
            locked.insert(name_after(on + 1));
        }
        for (at, w) in words.iter().enumerate() {
            if w == "REFERENCES" {
                locked.insert(name_after(at + 1));
            }
        }
    }
    locked.retain(|table| !created.contains(table) && !table.is_empty());
    locked
}

/// Splits `sql` at semicolons outside strings, quoted names, comments, dollar-quoted
/// bodies (PostgreSQL functions) and `BEGIN … END` bodies (SQLite triggers).
fn statements(sql: &str) -> Vec<Statement> {
    let chars: Vec<char> = sql.chars().collect();
    let mut statements = Vec::new();
    let mut current = Statement::default();
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        if rest.starts_with(&['-', '-']) {
            let end = rest.iter().position(|&c| c == '\n').unwrap_or(rest.len());
            if current.code.trim().is_empty() {
                current
                    .comments
                    .push(rest[..end].iter().collect::<String>().trim().to_owned());
            }
            current.code.push(' ');
            i += end;
        } else if rest.starts_with(&['/', '*']) {
            let end = find(rest, &['*', '/'], 2).map_or(rest.len(), |at| at + 2);
            current.code.push(' ');
            i += end;
        } else if let Some(len) = quoted_len(rest) {
            current.code.extend(&rest[..len]);
            i += len;
        } else if rest[0] == ';' && !in_trigger_body(&current.code) {
            if !current.code.trim().is_empty() {
                statements.push(std::mem::take(&mut current));
            }
            current = Statement::default();
            i += 1;
        } else {
            current.code.push(rest[0]);
            i += 1;
        }
    }
    if !current.code.trim().is_empty() {
        statements.push(current);
    }
    statements
}

/// The length of the string, quoted name or dollar-quoted body at the start of `text`.
fn quoted_len(text: &[char]) -> Option<usize> {
    match text.first()? {
        &quote @ ('\'' | '"') => {
            let mut i = 1;
            while i < text.len() {
                if text[i] == quote {
                    // A doubled quote is one quote inside the string.
                    if text.get(i + 1) == Some(&quote) {
                        i += 2;
                        continue;
                    }
                    return Some(i + 1);
                }
                i += 1;
            }
            Some(text.len())
        }
        '$' => {
            let close = text[1..].iter().position(|&c| c == '$')? + 1;
            let tag = &text[..=close];
            if !tag[1..close]
                .iter()
                .all(|c| c.is_alphanumeric() || *c == '_')
            {
                return None;
            }
            let end = find(text, tag, tag.len()).map_or(text.len(), |at| at + tag.len());
            Some(end)
        }
        _ => None,
    }
}

/// Where `needle` starts in `haystack`, looking from `from`.
fn find(haystack: &[char], needle: &[char], from: usize) -> Option<usize> {
    (from..=haystack.len().checked_sub(needle.len())?)
        .find(|&at| haystack[at..].starts_with(needle))
}

/// True inside an SQLite trigger's `BEGIN … END`, whose statements end in semicolons.
fn in_trigger_body(code: &str) -> bool {
    let words = words(code);
    let is_trigger = words.first().is_some_and(|w| w == "CREATE")
        && words.iter().take(4).any(|w| w == "TRIGGER");
    is_trigger && words.iter().any(|w| w == "BEGIN") && words.last().is_none_or(|w| w != "END")
}

/// The words of `code`, upper-cased: strings become `'…'`, dollar-quoted bodies `$$`,
/// and `(`, `)` and `,` are words of their own.
fn words(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let quoted = quoted_len(&chars[i..]);
        let ends_word = c.is_whitespace() || matches!(c, '(' | ')' | ',') || quoted.is_some();
        if ends_word && !word.is_empty() {
            words.push(std::mem::take(&mut word).to_uppercase());
        }
        if let Some(len) = quoted {
            words.push(match c {
                '\'' => "'…'".to_owned(),
                '"' => chars[i..i + len].iter().collect(),
                _ => "$$".to_owned(),
            });
            i += len;
            continue;
        }
        if matches!(c, '(' | ')' | ',') {
            words.push(c.to_string());
        } else if !c.is_whitespace() {
            word.push(c);
        }
        i += 1;
    }
    if !word.is_empty() {
        words.push(word.to_uppercase());
    }
    words
}

#[test]
fn expand_operations_pass() {
    let sql = "-- A new table, and why.\n\
        CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL);\n\
        CREATE UNIQUE INDEX leases_holder ON leases (holder);\n\
        CREATE INDEX IF NOT EXISTS x ON leases (lower(name));\n\
        ALTER TABLE messages ADD COLUMN node TEXT;\n\
        ALTER TABLE messages ADD COLUMN tries BIGINT NOT NULL DEFAULT 0;\n\
        ALTER TABLE ONLY agents ADD seen BIGINT, ADD COLUMN IF NOT EXISTS away BOOLEAN NOT NULL DEFAULT FALSE;\n\
        ALTER TABLE agents ALTER COLUMN seen SET DEFAULT 0;\n\
        INSERT INTO leases (name, holder) VALUES ('drop table x; rename', 'it''s; DROP');\n\
        /* DROP TABLE in a block comment */ SELECT 1;\n\
        CREATE TRIGGER t AFTER INSERT ON messages BEGIN\n  DELETE FROM leases WHERE name = 'x';\n  UPDATE leases SET holder = '';\nEND;\n\
        CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN DROP TABLE y; END;\n$body$;\n\
        CREATE TRIGGER g BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION f();\n";
    assert_eq!(contract_statements(sql), Vec::<String>::new());
    assert_eq!(statements(sql).len(), 12, "{:#?}", statements(sql));
}

#[test]
fn contract_operations_are_refused() {
    let refused = [
        ("DROP TABLE leases", "drops table LEASES"),
        (
            "DROP INDEX IF EXISTS leases_holder",
            "drops index LEASES_HOLDER",
        ),
        ("ALTER TABLE leases RENAME TO old_leases", "renames"),
        ("ALTER TABLE leases RENAME COLUMN holder TO node", "renames"),
        ("ALTER TABLE leases DROP COLUMN holder", "drops a column"),
        (
            "ALTER TABLE leases ALTER COLUMN holder TYPE BIGINT USING 0",
            "type",
        ),
        (
            "ALTER TABLE leases ALTER COLUMN holder SET DATA TYPE TEXT",
            "type",
        ),
        ("ALTER TABLE leases ALTER holder SET NOT NULL", "NOT NULL"),
        (
            "alter table leases add column node text not null",
            "without a default",
        ),
        (
            "ALTER TABLE leases ADD node TEXT, ADD CONSTRAINT u UNIQUE (node)",
            "constraint",
        ),
        ("UPDATE leases SET holder = 'x'", "rewrites rows"),
        ("DELETE FROM leases", "rewrites rows"),
        (
            "CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
            "replaces",
        ),
        ("PRAGMA foreign_keys = OFF", "not a known expand operation"),
    ];
    for (sql, why) in refused {
        let found = contract_statements(sql);
        assert_eq!(found.len(), 1, "{sql}: {found:?}");
        assert!(found[0].contains(why), "{sql}: {found:?}");
    }
}

#[test]
fn a_table_rebuild_is_refused() {
    let rebuild = "CREATE TABLE leases_new (name TEXT PRIMARY KEY, holder TEXT);\n\
        INSERT INTO leases_new SELECT name, holder FROM leases;\n\
        DROP TABLE leases;\n\
        ALTER TABLE leases_new RENAME TO leases;\n";
    let found = contract_statements(rebuild);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].starts_with("`DROP TABLE LEASES …` drops"),
        "{found:#?}"
    );
    assert!(found[1].contains("renames"), "{found:#?}");
}

#[test]
fn a_contract_comment_covers_the_statement_it_precedes() {
    let sql = "-- Old leases are gone.\n\
        -- contract: nothing has read old_leases since the release before last\n\
        DROP TABLE old_leases;\n\
        DROP TABLE other;\n\
        -- contract:\n\
        DROP TABLE third;\n";
    let found = contract_statements(sql);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].contains("OTHER"), "{found:#?}");
    assert!(
        found[1].contains("THIRD"),
        "a contract without a reason: {found:#?}"
    );
}

#[test]
fn the_existing_tables_a_migration_locks_are_found() {
    let two = "CREATE TABLE t (id BIGINT PRIMARY KEY, m BIGINT REFERENCES messages (id));\n\
               CREATE TABLE j (c BIGINT NOT NULL REFERENCES conversations (id), t BIGINT REFERENCES t (id));\n\
               CREATE INDEX j_c ON j (c);";
    assert_eq!(
        existing_tables_locked(two).into_iter().collect::<Vec<_>>(),
        ["CONVERSATIONS", "MESSAGES"]
    );
    let one = "ALTER TABLE agents ADD COLUMN language TEXT;\n\
               CREATE INDEX IF NOT EXISTS agents_language ON ONLY agents (language);\n\
               CREATE TRIGGER x AFTER INSERT ON agents FOR EACH ROW EXECUTE FUNCTION f();";
    assert_eq!(
        existing_tables_locked(one).into_iter().collect::<Vec<_>>(),
        ["AGENTS"]
    );
}
