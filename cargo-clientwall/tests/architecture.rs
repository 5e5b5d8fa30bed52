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
