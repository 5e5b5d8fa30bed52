//! ARCHITECTURE.md stays a map a newcomer reads in minutes: it names every crate folder and
//! every module folder of the code, so a new folder without its paragraph fails here, and it
//! stays short.

use std::path::Path;

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

/// The engine's files use each other one way: no file reaches, through the `crate::` and
/// `super::` paths it names, a file that reaches it back. (A module's own children, which it
/// names by relative paths, are its parts, not files it uses.)
#[test]
fn the_engines_files_use_each_other_without_a_circle() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let modules = engine_modules(&repo.join(ENGINE));
    assert!(
        modules.len() > 50,
        "only {} modules found in {ENGINE}: wrong directory?",
        modules.len()
    );
    let uses: std::collections::BTreeMap<&str, Vec<String>> = modules
        .iter()
        .map(|(module, path)| {
            let text = std::fs::read_to_string(path).unwrap();
            (module.as_str(), modules_used(module, &text, &modules))
        })
        .collect();
    let mut done = std::collections::BTreeSet::new();
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

/// Every `.rs` file of `src` by its module path (`scan::references`; the crate root is `crate`).
fn engine_modules(src: &Path) -> std::collections::BTreeMap<String, std::path::PathBuf> {
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

/// The other modules `module`'s code (its unit tests and comments left out) names by a
/// `crate::` or `super::` path: for each path, the longest prefix that is a module.
fn modules_used(
    module: &str,
    text: &str,
    modules: &std::collections::BTreeMap<String, std::path::PathBuf>,
) -> Vec<String> {
    let code = text.split("\nmod tests {").next().unwrap();
    let parent: Vec<&str> = match module {
        "crate" => Vec::new(),
        _ => {
            let mut parts: Vec<&str> = module.split("::").collect();
            parts.pop();
            parts
        }
    };
    let mut used = std::collections::BTreeSet::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        for (anchor, base) in [("crate::", Vec::new()), ("super::", parent.clone())] {
            for (at, _) in line.match_indices(anchor) {
                // `super::super::` and `crate::` inside a longer name are not this anchor.
                let before = line[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let rest = &line[at + anchor.len()..];
                let path: Vec<&str> = rest
                    .split("::")
                    .map(|s| {
                        let end = s
                            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .unwrap_or(s.len());
                        &s[..end]
                    })
                    .take_while(|s| !s.is_empty())
                    .collect();
                let mut full: Vec<&str> = base.clone();
                full.extend(path);
                let target = (0..=full.len()).rev().find_map(|n| {
                    let name = match n {
                        0 => "crate".to_owned(),
                        _ => full[..n].join("::"),
                    };
                    modules.contains_key(&name).then_some(name)
                });
                if let Some(target) = target.filter(|t| t != module) {
                    used.insert(target);
                }
            }
        }
    }
    used.into_iter().collect()
}

/// A circle of uses through `module`, if any (depth first; `done` holds the modules already
/// known to lead to no circle).
fn circle_from(
    module: &str,
    uses: &std::collections::BTreeMap<&str, Vec<String>>,
    stack: &mut Vec<String>,
    done: &mut std::collections::BTreeSet<String>,
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
