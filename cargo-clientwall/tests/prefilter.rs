//! The scan tokenizes a file only when its prefilter says it may hold a reference
//! (`lint/src/scan/prefilter.rs`). The prefilter is sound: every fixture's file, and every
//! string literal of these tests (the sources the route tests write, breaches and clean twins),
//! scanned with the prefilter and without it, gives the same references, assembled secrets and
//! test-only items.

use crate::support;
use camino::Utf8Path;
use clientwall::rust::{self, Plain, Prefilter};
use clientwall::secrets;
use std::path::{Path, PathBuf};

/// Every file below `dir`.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            files(&path, out);
        } else if kind.is_file() {
            out.push(path);
        }
    }
}

/// The directory of the nearest `Cargo.toml` above `file` (within `root`), or its own directory.
fn crate_dir(root: &Path, file: &Path) -> PathBuf {
    let own = file.parent().unwrap();
    own.ancestors()
        .take_while(|dir| dir.starts_with(root))
        .find(|dir| dir.join("Cargo.toml").is_file())
        .unwrap_or(own)
        .to_owned()
}

/// Scans `text` as the file `file` both ways; whether the scan without the prefilter found a
/// reference.
fn agrees(root: &Path, file: &Path, text: &str) -> bool {
    let krate = crate_dir(root, file);
    let (found, candidates) = secrets::find_with_candidates(text.as_bytes());
    let plain = Plain {
        candidates,
        found: !found.is_empty(),
    };
    let build = file.file_name().is_some_and(|n| n == "build.rs");
    let is_rust = file.extension().is_some_and(|e| e == "rs");
    let (on, off) = if is_rust {
        let scan = |p| rust::scan_with(p, file, text, &krate, &krate, build, plain);
        (scan(Prefilter::On), scan(Prefilter::Off))
    } else {
        let scan = |p| rust::scan_other_with(p, file, text, &krate, &krate);
        (scan(Prefilter::On), scan(Prefilter::Off))
    };
    assert_eq!(
        format!("{on:?}"),
        format!("{off:?}"),
        "{}: the prefilter changes what the scan finds in\n{text}",
        file.display()
    );
    !off.references.is_empty()
}

#[test]
fn every_fixture_is_scanned_the_same_with_and_without_the_prefilter() {
    let fixtures = support::repo_root().join("cargo-clientwall/tests/fixtures");
    let (mut scanned, mut with_references) = (0, 0);
    for entry in std::fs::read_dir(&fixtures).unwrap().flatten() {
        if !entry.file_type().unwrap().is_dir() {
            continue;
        }
        // Built as the tests build it (an overlay on its base), so the paths it names exist.
        let fixture = support::Fixture::new(entry.file_name().to_str().unwrap());
        let root = fixture.root.as_std_path();
        let mut all = Vec::new();
        files(root, &mut all);
        for file in &all {
            let Ok(bytes) = std::fs::read(file) else {
                continue;
            };
            scanned += 1;
            with_references += usize::from(agrees(root, file, &String::from_utf8_lossy(&bytes)));
        }
    }
    // Not vacuous: the fixtures' breaches are there.
    assert!(scanned > 300, "{scanned} fixture files");
    assert!(
        with_references >= 20,
        "{with_references} fixture files with references"
    );
}

#[test]
fn every_source_the_tests_write_is_scanned_the_same_with_and_without_the_prefilter() {
    let tests = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    // Read as a client's file next to another client, so that `../globex/..` names files.
    let fixture = support::Fixture::new("file-refs");
    let root = fixture.root.as_std_path();
    let as_files = [
        root.join("clients/acme/src/lib.rs"),
        root.join("clients/acme/build.rs"),
        root.join("clients/acme/README.md"),
        root.join("shared/report/src/lib.rs"),
    ];
    let mut literals = 0;
    let mut with_references = 0;
    for entry in std::fs::read_dir(&tests).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for token in clientwall::lexer::tokenize(&source) {
            let clientwall::lexer::Token::Str(text) = token.token else {
                continue;
            };
            literals += 1;
            for file in &as_files {
                with_references += usize::from(agrees(root, file, &text));
            }
        }
    }
    assert!(literals > 1000, "{literals} literals");
    assert!(
        with_references >= 10,
        "{with_references} literals with references"
    );
}
