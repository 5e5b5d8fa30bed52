//! The integration tests of `cargo-clientwall`, in one binary (one link instead of one per
//! file): each file of `tests/` is a module of this crate, and `support/` is what they share.
//!
//! Adding a test file `tests/x.rs` is one line here, `mod x;` (the test at the end fails while a
//! file is not declared), and `use crate::support;` in the file for the shared helpers. Run one
//! file's tests with `cargo test -p clientwall --test main x::`. Its insta snapshots are
//! `snapshots/main__x__NAME.snap` (insta names them by module path).

mod support;

mod architecture;
mod attest_live;
mod attest_page;
mod attest_signature;
mod bad_input;
mod canary;
mod cli;
mod dependency_rules;
mod file_rules;
mod flycheck;
mod github_action;
mod history;
mod init;
mod message_format;
mod offboard;
mod offboarded;
mod policy_globs;
mod prefilter;
mod regression;
mod routes;
mod routes_config;
mod routes_macros;
mod routes_proc_macro;
mod routes_scan;
mod routes_symlink_parent;
mod rule_docs;
mod sarif_schema;
mod scanner_fuzz;
mod self_reads;
mod shards;
mod staged;
mod tree_fuzz;
mod upgrade;
mod where_users_meet_it;
mod whole_repo;

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
