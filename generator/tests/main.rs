//! The integration tests of `new-client` and `upgrade` (the generator), in one binary (one link
//! instead of one per file): each file of `tests/` is a module of this crate.
//!
//! Adding a test file `tests/x.rs` is one line here, `mod x;` (the test at the end fails while a
//! file is not declared), and `use crate::support;` in the file for what the files share
//! (`support/`). Run one file's tests with `cargo test -p clientwall-generator --test main x::`.
//! Its insta snapshots are `snapshots/main__x__NAME.snap` (insta names them by module path).

mod support;

mod all_or_nothing;
mod new_client;
mod post_check;
mod readme;
mod stock_cargo_generate;
mod upgrade_cases;

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
