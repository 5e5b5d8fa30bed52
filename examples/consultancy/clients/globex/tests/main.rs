//! This client's integration tests, in one binary (one link instead of one per file): each
//! file of `tests/` is a module of this crate, and `support/` is what they share (the mock
//! Shopify, its pricing and data, a fresh database per test).
//!
//! Adding a test file `tests/x.rs` is one line here, `mod x;` (the test at the end fails while a
//! file is not declared), and `use crate::support;` in the file for the shared helpers. Run one
//! file's tests with `cargo test --test main x::`.

mod support;

mod backfill;
mod binary;
mod database;
mod ledger;
mod offboard;
mod reconcile;
mod sandbox;
mod sync;

/// A test file that is not declared above would never be compiled nor run.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let main = std::fs::read_to_string(tests.join("main.rs")).unwrap();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&tests).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(module) = name.strip_suffix(".rs")
            && module != "main"
            && !main.lines().any(|line| line == format!("mod {module};"))
        {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "add `mod NAME;` to tests/main.rs for {missing:?}"
    );
}
