//! The layers of `src/`, checked: which top-level module may import which (`docs/architecture.md`).
//! The check reads the sources, so a new `use crate::…` across a layer fails here, in review's place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules that must import nothing of the crate but the listed ones (and themselves).
const ONLY_IMPORTS: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("store", &["domain"]),
    ("events", &["domain"]),
    ("templates", &["domain"]),
    ("channel_state", &["domain"]),
    ("supervisor", &["metrics"]),
    ("metrics", &[]),
    ("passwords", &[]),
    ("tokens", &[]),
    ("memory", &[]),
];

/// The only modules allowed to import the web layer (`crate::http`): the composition root and
/// the tools that start the whole service.
const MAY_IMPORT_HTTP: &[&str] = &["http", "app", "cli", "main", "bench"];

/// Imports allowed across the rules above: `config` composes every feature's settings, the web
/// layer's (`http::settings`: server, sign-in, remote images) included.
const ALLOWED_PATHS: &[(&str, &str)] = &[("config", "crate::http::settings")];

/// The only modules allowed to import the composition root (`crate::app`).
const MAY_IMPORT_APP: &[&str] = &["app", "cli", "main", "bench"];

/// The only modules allowed to import the whole configuration (`crate::config`): a feature gets
/// its own settings struct from them instead.
const MAY_IMPORT_CONFIG: &[&str] = &["config", "app", "cli", "main", "bench"];

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src dir") {
        let path = entry.expect("dir entry").path();
        // Unit tests may reach up the layers (a config test builds the example's channels
        // through the composition root); the rules are for the code that ships.
        let is_tests = path
            .file_name()
            .is_some_and(|name| name == "tests" || name == "tests.rs");
        if is_tests {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/store/sql/x.rs` → `store`).
fn top_module(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).expect("file under src");
    let first = relative.components().next().expect("non-empty path");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// Drops `//` comments (doc comments included) so prose naming a module is not an import.
fn without_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string literal is rare in this code base; URLs in strings are
            // written without a following `crate::`, so cutting there loses nothing we look for.
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every top-level module named after `crate::`, including inside `crate::{a::X, b}` groups.
fn crate_references(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = source;
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[at + "crate::".len()..];
        if preceded_by_ident {
            continue; // a longer name that merely ends in `crate`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1usize;
            let mut end = 0;
            for (index, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = index;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let mut depth = 0usize;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group[..end].chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => items.push(std::mem::take(&mut item)),
                    _ if depth == 0 => item.push(c),
                    _ => {}
                }
            }
            items.push(item);
            for item in items {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// The import graph between top-level modules of `src/`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = source_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = top_module(&root, &file);
        let mut source = without_comments(&std::fs::read_to_string(&file).expect("read source"));
        for (allowed_in, path) in ALLOWED_PATHS {
            if module == *allowed_in {
                source = source.replace(path, "");
            }
        }
        let references = crate_references(&source);
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(references.into_iter().filter(|target| *target != module));
    }
    graph
}

/// A cycle in the graph, as a path of module names, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|seen| seen == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut done, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn the_reference_scanner_sees_grouped_and_plain_imports() {
    let source = "use crate::{domain::{A, B}, store::Store};\nlet x = crate::http::router();\n\
                  // crate::app is only named in a comment\nuse connector_sdk::Foo;";
    let found = crate_references(&without_comments(source));
    let expected: BTreeSet<String> = ["domain", "store", "http"].map(String::from).into();
    assert_eq!(found, expected);
}

#[test]
fn layers_import_only_what_they_may() {
    let graph = module_graph();
    assert!(
        graph.contains_key("store") && graph.contains_key("domain"),
        "scanned src/"
    );
    let mut violations = Vec::new();
    for (module, allowed) in ONLY_IMPORTS {
        for target in graph.get(*module).into_iter().flatten() {
            if !allowed.contains(&target.as_str()) {
                violations.push(format!("{module} imports crate::{target}"));
            }
        }
    }
    for (module, targets) in &graph {
        if targets.contains("http") && !MAY_IMPORT_HTTP.contains(&module.as_str()) {
            violations.push(format!("{module} imports crate::http (the web layer)"));
        }
        if targets.contains("app") && !MAY_IMPORT_APP.contains(&module.as_str()) {
            violations.push(format!(
                "{module} imports crate::app (the composition root)"
            ));
        }
        if targets.contains("config") && !MAY_IMPORT_CONFIG.contains(&module.as_str()) {
            violations.push(format!(
                "{module} imports crate::config (take your own settings)"
            ));
        }
    }
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn top_level_modules_have_no_import_cycles() {
    let graph = module_graph();
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle between top-level modules: {}",
            cycle.join(" → ")
        );
    }
}
