//! ARCHITECTURE.md stays a map a newcomer reads in minutes: it names every crate folder and
//! every module folder of the code, so a new folder without its paragraph fails here, and it
//! stays short.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates whose folders the code map covers.
const CRATES: &[&str] = &[
    "cargo-clientwall",
    "generator",
    "lint",
    "template",
    "template/safe-read",
    "template/client",
    "xtask",
];

/// The support folders at the top level.
const SUPPORT: &[&str] = &[
    "docs/",
    "xtask/",
    "scripts/",
    "action/",
    "examples/",
    "bench/",
];

#[test]
fn the_code_map_names_every_folder() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let architecture = std::fs::read_to_string(repo.join("ARCHITECTURE.md")).unwrap();
    let mut folders = 0;
    let mut missing: Vec<String> = SUPPORT
        .iter()
        .filter(|folder| !architecture.contains(*folder))
        .map(|folder| folder.to_string())
        .collect();
    for krate in CRATES {
        let src = repo.join(krate).join("src");
        for entry in walkdir::WalkDir::new(&src) {
            let entry = entry.unwrap();
            if !entry.file_type().is_dir() {
                continue;
            }
            let holds_rust = std::fs::read_dir(entry.path())
                .unwrap()
                .any(|f| f.unwrap().path().extension() == Some("rs".as_ref()));
            if !holds_rust {
                continue;
            }
            folders += 1;
            // A crate's `src/` is named by the crate's folder; a module folder by its path.
            let named = if entry.path() == src {
                format!("{krate}/")
            } else {
                format!("{}/", entry.path().strip_prefix(repo).unwrap().display())
            };
            if !architecture.contains(&named) {
                missing.push(named);
            }
        }
    }
    assert!(
        folders >= 15,
        "only {folders} folders found: wrong directories?"
    );
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name these folders: {missing:?}"
    );
}

/// A newcomer reads it in ten minutes: at most 2,500 words.
#[test]
fn the_architecture_is_short() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let architecture = std::fs::read_to_string(repo.join("ARCHITECTURE.md")).unwrap();
    let words = architecture.split_whitespace().count();
    assert!(
        words <= 2500,
        "ARCHITECTURE.md has {words} words (at most 2,500)"
    );
}

/// Every file the tool reads goes through `safe_read` (never a FIFO or a device opened, reads
/// capped): no direct `std::fs` read outside it and outside tests.
#[test]
fn every_file_is_read_through_safe_read() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let direct = [
        "fs::read(",
        "fs::read_to_string(",
        "File::open(",
        "OpenOptions::new()\n        .read(",
    ];
    let mut found = Vec::new();
    for dir in [
        "cargo-clientwall/src",
        "generator/src",
        "lint/src",
        "template/src",
    ] {
        for entry in walkdir::WalkDir::new(repo.join(dir)) {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() || entry.path().extension() != Some("rs".as_ref()) {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            // Unit tests (at the end of a file) may read their own fixtures directly.
            let code = text.split("#[cfg(test)]").next().unwrap();
            let code = code.split("#[cfg(all(test").next().unwrap();
            for line in code.lines() {
                let line = line.trim_start();
                if line.starts_with("//") {
                    continue;
                }
                if direct.iter().any(|d| line.contains(d)) {
                    found.push(format!("{}: {line}", entry.path().display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "read without safe_read: {found:#?}");
}

/// The check engine's source directory.
const ENGINE: &str = "lint/src";

/// The engine's layers, in order: each file may use only its own layer's files and earlier
/// layers' (by its first module name; `crate` is `lib.rs`).
const LAYERS: &[&[&str]] = &[
    &["error", "exit_codes", "location", "redact", "secrets"],
    &["input"],
    &["model"],
    &["scan"],
    &["rules"],
    &["report"],
    &["check"],
    &["crate"],
];

/// The engine's files use each other one way: no file reaches, through the paths its code
/// names, a file that reaches it back. (A module's own children are its parts, not files it
/// uses.)
#[test]
fn the_engines_files_use_each_other_without_a_circle() {
    let uses = engine_uses();
    let mut done = BTreeSet::new();
    for module in uses.keys() {
        let mut stack = Vec::new();
        if let Some(circle) = circle_from(module, &uses, &mut stack, &mut done) {
            panic!(
                "the engine's files use each other in a circle: {}",
                circle.join(" -> ")
            );
        }
    }
}

/// The engine's layers point one way: input, model, scan, rules, report, check, each using
/// only the base (errors, redaction, locations, secret patterns, exit codes) and the layers
/// before it. A new top-level module must be given a layer here.
#[test]
fn the_engines_layers_point_one_way() {
    let uses = engine_uses();
    let mut back = Vec::new();
    for (module, used) in &uses {
        let from = layer_of(module);
        for target in used {
            if layer_of(target) > from {
                back.push(format!("{module} uses {target}"));
            }
        }
    }
    assert!(
        back.is_empty(),
        "arrows back against the layer order {LAYERS:?}:\n  {}",
        back.join("\n  ")
    );
}

/// The reader of arrows finds every form a path takes: nested `use` trees, `super::`, a name a
/// `use` bound, a root re-export; and not a path in a comment, a string or the unit tests.
#[test]
fn the_arrow_reader_reads_every_form_of_a_path() {
    let modules: BTreeMap<String, PathBuf> = [
        "crate",
        "check",
        "input",
        "input::config",
        "input::git",
        "model",
        "model::graph",
        "model::layout",
        "scan",
        "scan::rust",
        "scan::secrets",
        "report",
    ]
    .iter()
    .map(|m| (m.to_string(), PathBuf::new()))
    .collect();
    let lib = "pub mod input;\npub use model::{graph, layout as places};\n";
    let roots = root_reexports(lib);
    let text = r#"
//! See [`crate::check`].
use crate::{input::{config::{self, Policy}, git as g}, model::graph::*};
use super::secrets;
pub(crate) use crate::places::Area;
fn f() {
    let s = "crate::report";
    config::load(); g::run();
    crate::graph::walk(); /* crate::check */ char_of('"'); lifetime::<'static>();
}
#[cfg(test)]
mod tests {
    use crate::check;
}
"#;
    let used = modules_used("scan::rust", text, &modules, &roots);
    assert_eq!(
        used,
        [
            "input::config",
            "input::git",
            "model::graph",
            "model::layout",
            "scan::secrets"
        ]
        .map(String::from)
        .to_vec()
    );
    // Raw and byte strings end where Rust ends them.
    let strings = "let a = r\"C:\\\"; let b = r##\"crate::check \"# \"##; let c = b\"crate::check\";\n\
                   crate::input::git::run();\n";
    let used = modules_used("scan::rust", strings, &modules, &roots);
    assert_eq!(used, ["input::git".to_owned()]);
    // A parent's use of its children is not an arrow; `self::` and child paths resolve below it.
    let used = modules_used(
        "scan",
        "use rust::X;\nuse self::secrets::Y;\n",
        &modules,
        &roots,
    );
    assert!(used.is_empty(), "{used:?}");
}

/// Every file's uses of the other engine files, each checked to be found.
fn engine_uses() -> BTreeMap<String, Vec<String>> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let modules = engine_modules(&repo.join(ENGINE));
    assert!(
        modules.len() > 50,
        "only {} modules found in {ENGINE}: wrong directory?",
        modules.len()
    );
    let lib = std::fs::read_to_string(&modules["crate"]).unwrap();
    let roots = root_reexports(&lib);
    let uses: BTreeMap<String, Vec<String>> = modules
        .iter()
        .map(|(module, path)| {
            let text = std::fs::read_to_string(path).unwrap();
            (
                module.clone(),
                modules_used(module, &text, &modules, &roots),
            )
        })
        .collect();
    let arrows: usize = uses.values().map(Vec::len).sum();
    assert!(
        arrows > 100,
        "only {arrows} uses found: the reader is broken?"
    );
    uses
}

/// The layer of a module: the index in [`LAYERS`] of its first name.
fn layer_of(module: &str) -> usize {
    let top = module.split("::").next().unwrap();
    LAYERS
        .iter()
        .position(|layer| layer.contains(&top))
        .unwrap_or_else(|| panic!("{ENGINE}: `{top}` is in no layer of this test's LAYERS"))
}

/// Every `.rs` file of `src` by its module path (`scan::references`; the crate root is `crate`).
fn engine_modules(src: &Path) -> BTreeMap<String, PathBuf> {
    walkdir::WalkDir::new(src)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.path().extension() == Some("rs".as_ref()))
        .map(|e| {
            let relative = e.path().strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            let module = match parts.is_empty() {
                true => "crate".to_owned(),
                false => parts.join("::"),
            };
            (module, e.path().to_owned())
        })
        .collect()
}

/// The names the crate root binds by `use` (`graph` for `pub use model::graph`), with the
/// paths they stand for.
fn root_reexports(lib: &str) -> BTreeMap<String, Vec<String>> {
    let tokens = tokens(lib);
    let mut bound = BTreeMap::new();
    for path in use_paths(&tokens) {
        let (name, path) = path;
        if path.first().is_some_and(|p| p != "crate" && p != "self") {
            bound.insert(name, path);
        }
    }
    bound
}

/// The other modules `module`'s code names (its unit tests, comments and strings left out):
/// by `use` paths, by `crate::`/`super::`/`self::` paths and by paths that start with a name a
/// `use` bound. For each, the longest prefix that is a module; children are left out.
fn modules_used(
    module: &str,
    text: &str,
    modules: &BTreeMap<String, PathBuf>,
    roots: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let code = text.split("\nmod tests {").next().unwrap();
    let tokens = tokens(code);
    let here: Vec<String> = match module {
        "crate" => Vec::new(),
        _ => module.split("::").map(String::from).collect(),
    };
    let mut paths: Vec<Vec<String>> = Vec::new();
    let mut bound: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, path) in use_paths(&tokens) {
        if let Some(full) = absolute(&path, &here, modules, roots) {
            bound.insert(name, full.clone());
            paths.push(full);
        }
    }
    // Paths in code: `a::b::c` whose first name is `crate`, `super`, `self` or bound by a use.
    let mut i = 0;
    while i < tokens.len() {
        let mut path = vec![tokens[i].clone()];
        let mut j = i + 1;
        while j + 1 < tokens.len() && tokens[j] == "::" && is_name(&tokens[j + 1]) {
            path.push(tokens[j + 1].clone());
            j += 2;
        }
        let preceded = i > 0 && tokens[i - 1] == "::";
        if path.len() > 1 && !preceded {
            let full = match bound.get(&path[0]) {
                Some(prefix) => Some(
                    prefix
                        .iter()
                        .cloned()
                        .chain(path[1..].iter().cloned())
                        .collect(),
                ),
                None => absolute(&path, &here, modules, roots),
            };
            paths.extend(full);
        }
        i = j.max(i + 1);
    }
    let mut used = BTreeSet::new();
    for full in paths {
        let target = (0..=full.len()).rev().find_map(|n| {
            let name = match n {
                0 => "crate".to_owned(),
                _ => full[..n].join("::"),
            };
            modules.contains_key(&name).then_some(name)
        });
        let Some(target) = target else { continue };
        let own_part = module == "crate" || target.starts_with(&format!("{module}::"));
        if target != module && !own_part {
            used.insert(target);
        }
    }
    used.into_iter().collect()
}

/// `path` as a path from the crate root, if it names something of this crate: `crate::`,
/// `super::`, `self::`, a child module, or a name the crate root re-exports.
fn absolute(
    path: &[String],
    here: &[String],
    modules: &BTreeMap<String, PathBuf>,
    roots: &BTreeMap<String, Vec<String>>,
) -> Option<Vec<String>> {
    let mut base: Vec<String> = here.to_vec();
    let mut rest = path;
    match rest.first()?.as_str() {
        "crate" => {
            base.clear();
            rest = &rest[1..];
        }
        "self" => rest = &rest[1..],
        "super" => {
            while rest.first().is_some_and(|p| p == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        first => {
            let child = here
                .iter()
                .map(String::as_str)
                .chain([first])
                .collect::<Vec<_>>();
            if !modules.contains_key(&child.join("::")) {
                return None;
            }
        }
    }
    if base.is_empty()
        && let Some(reexport) = rest.first().and_then(|first| roots.get(first))
    {
        return Some(
            reexport
                .iter()
                .cloned()
                .chain(rest[1..].iter().cloned())
                .collect(),
        );
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Every path a `use` declaration names, with the name it binds: `use a::{b, c::d as e};`
/// gives `(b, a::b)` and `(e, a::c::d)`; `self` in a group binds the group's own path.
fn use_paths(tokens: &[String]) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "use" {
            let end = tokens[i..]
                .iter()
                .position(|t| t == ";")
                .map_or(tokens.len(), |e| i + e);
            let mut at = i + 1;
            use_tree(&tokens[..end], &mut at, &[], &mut found);
            i = end;
        }
        i += 1;
    }
    found
}

/// One use tree from `tokens[*at]`, under `prefix`.
fn use_tree(
    tokens: &[String],
    at: &mut usize,
    prefix: &[String],
    found: &mut Vec<(String, Vec<String>)>,
) {
    let mut path = prefix.to_vec();
    if tokens.get(*at).is_some_and(|t| t == "::") {
        *at += 1;
    }
    while let Some(token) = tokens.get(*at) {
        match token.as_str() {
            "{" => {
                *at += 1;
                while tokens.get(*at).is_some_and(|t| t != "}") {
                    use_tree(tokens, at, &path, found);
                    if tokens.get(*at).is_some_and(|t| t == ",") {
                        *at += 1;
                    }
                }
                *at += 1;
                return;
            }
            "*" => {
                *at += 1;
                found.push(("*".to_owned(), path));
                return;
            }
            "::" => *at += 1,
            name if is_name(name) => {
                *at += 1;
                // `a::{self}` binds `a` itself.
                if name != "self" || path.is_empty() {
                    path.push(name.to_owned());
                }
                let mut bound = path.last().cloned().unwrap_or_default();
                if tokens.get(*at).is_some_and(|t| t == "as") {
                    bound = tokens.get(*at + 1).cloned().unwrap_or_default();
                    *at += 2;
                }
                if tokens.get(*at).is_none_or(|t| t != "::") {
                    found.push((bound, path));
                    return;
                }
            }
            _ => return,
        }
    }
}

fn is_name(token: &str) -> bool {
    token.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

/// The code's tokens that matter to paths: names, `::` and punctuation; comments, strings and
/// character literals are left out (the engine's own tokenizer, which never fails).
fn tokens(code: &str) -> Vec<String> {
    use clientwall::lexer::{Token, tokenize};
    let mut out: Vec<String> = Vec::new();
    let mut colon_end = None;
    for spanned in tokenize(code) {
        match spanned.token {
            Token::Ident(name) => out.push(name.to_owned()),
            Token::Punct(':') if colon_end == Some(spanned.start) => {
                out.pop();
                out.push("::".to_owned());
                colon_end = None;
                continue;
            }
            Token::Punct(c) => out.push(c.to_string()),
            Token::Str(_) | Token::Other => {}
        }
        colon_end = matches!(spanned.token, Token::Punct(':')).then_some(spanned.end);
    }
    out
}

/// A circle of uses through `module`, if any (depth first; `done` holds the modules already
/// known to lead to no circle).
fn circle_from(
    module: &str,
    uses: &BTreeMap<String, Vec<String>>,
    stack: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if done.contains(module) {
        return None;
    }
    if let Some(at) = stack.iter().position(|m| m == module) {
        let mut circle = stack[at..].to_vec();
        circle.push(module.to_owned());
        return Some(circle);
    }
    stack.push(module.to_owned());
    for next in uses.get(module).into_iter().flatten() {
        if let Some(circle) = circle_from(next, uses, stack, done) {
            return Some(circle);
        }
    }
    stack.pop();
    done.insert(module.to_owned());
    None
}
