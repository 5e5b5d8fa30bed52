//! ARCHITECTURE.md's code map names every module of every crate, so it cannot fall behind the
//! code silently: a new file without its paragraph fails here.

use std::path::Path;

/// The source directories the code map covers.
const SOURCE_DIRS: &[&str] = &[
    "cargo-clientwall/src",
    "generator/src",
    "lint/src",
    "template/src",
    "template/safe-read/src",
    "xtask/src",
    "template/client/src",
];

#[test]
fn the_code_map_names_every_module() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let architecture = std::fs::read_to_string(repo.join("ARCHITECTURE.md")).unwrap();
    let mut modules = 0;
    let mut missing = Vec::new();
    for dir in SOURCE_DIRS {
        for entry in walkdir::WalkDir::new(repo.join(dir)) {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.file_type().is_file() || !name.ends_with(".rs") {
                continue;
            }
            // A crate root or a directory module is named by its directory's paragraph.
            if matches!(name.as_str(), "lib.rs" | "main.rs" | "mod.rs") {
                continue;
            }
            modules += 1;
            if !architecture.contains(&name) {
                missing.push(
                    entry
                        .path()
                        .strip_prefix(repo)
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        }
    }
    assert!(
        modules > 50,
        "only {modules} modules found: wrong directories?"
    );
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name these modules: {missing:?}"
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
