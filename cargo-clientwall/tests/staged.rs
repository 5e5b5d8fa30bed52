//! The hook checks what the commit will contain: `--staged` reads the index, not the working
//! tree, and `check FILE...` never passes a path it could not read.

use crate::support;

use assert_cmd::Command;
use camino::Utf8Path;
use support::{Fixture, fake_shopify_token, git_ok, write};

/// `cargo clientwall check ARGS` in `dir`, cargo replaced by a program that always fails (an
/// incremental run without a staged manifest must not need it): (exit, stdout, stderr).
fn run(dir: &Utf8Path, args: &[&str]) -> (i32, String, String) {
    run_with_cargo(dir, args, "false")
}

fn run_with_cargo(dir: &Utf8Path, args: &[&str], cargo: &str) -> (i32, String, String) {
    support::outcome(
        Command::cargo_bin("cargo-clientwall")
            .unwrap()
            .env("CARGO", cargo)
            .current_dir(dir)
            .args(["clientwall", "check", "--color", "never"])
            .args(args)
            .output()
            .unwrap(),
    )
}

/// A fixture in git with everything committed.
fn committed(name: &str) -> Fixture {
    let fixture = Fixture::new(name);
    git_ok(&fixture.root, &["init", "-q"]);
    git_ok(&fixture.root, &["add", "-A"]);
    git_ok(&fixture.root, &["commit", "-qm", "start"]);
    fixture
}

fn token_line() -> String {
    format!("pub const TOKEN: &str = \"{}\";\n", fake_shopify_token())
}

#[test]
fn a_secret_staged_then_removed_from_the_working_tree_fails_the_hook() {
    let fixture = committed("direct");
    let file = "clients/acme/src/config.rs";
    write(&fixture.root, file, token_line());
    git_ok(&fixture.root, &["add", file]);
    // Removed in the working tree only: the commit still holds it.
    write(&fixture.root, file, "pub const TOKEN: &str = \"\";\n");
    for format in ["human", "json", "sarif", "github"] {
        let (code, stdout, stderr) = run(&fixture.root, &["--staged", "--format", format]);
        assert_eq!(code, 1, "{format}: {stdout}{stderr}");
        assert!(stdout.contains("hardcoded-secret"), "{format}: {stdout}");
        assert!(stdout.contains("config.rs"), "{format}: {stdout}");
        assert!(
            !stdout.contains(&fake_shopify_token()) && !stderr.contains(&fake_shopify_token()),
            "{format}: the secret is never shown whole"
        );
    }
    // The staged content is located by its own lines.
    let (_, stdout, _) = run(&fixture.root, &["--staged", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["violations"][0]["file"], "clients/acme/src/config.rs");
    assert_eq!(doc["violations"][0]["line"], 1);
}

#[test]
fn a_secret_only_in_the_working_tree_is_not_in_the_commit() {
    let fixture = committed("direct");
    let file = "clients/acme/src/config.rs";
    write(&fixture.root, file, "pub const TOKEN: &str = \"\";\n");
    git_ok(&fixture.root, &["add", file]);
    // Added after staging: the commit holds the clean version.
    write(&fixture.root, file, token_line());
    let (code, stdout, stderr) = run(&fixture.root, &["--staged"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    // The full check reads the working tree and finds it.
    let (code, _, _) = run(&fixture.root, &[file]);
    assert_eq!(code, 1);
}

#[test]
fn a_staged_reference_removed_from_the_working_tree_fails_the_hook() {
    let fixture = committed("direct");
    let file = "clients/acme/src/lib.rs";
    write(
        &fixture.root,
        file,
        "pub const OTHER: &str = include_str!(\"../../globex/src/lib.rs\");\n",
    );
    git_ok(&fixture.root, &["add", file]);
    write(&fixture.root, file, "");
    let (code, stdout, stderr) = run(&fixture.root, &["--staged"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("cross-client-file-reference"), "{stdout}");
}

#[test]
fn a_staged_env_file_deleted_from_the_working_tree_is_still_committed() {
    let fixture = committed("direct");
    write(&fixture.root, "clients/acme/.env", "ACME_MODE=test\n");
    git_ok(&fixture.root, &["add", "clients/acme/.env"]);
    std::fs::remove_file(fixture.root.join("clients/acme/.env")).unwrap();
    let (code, stdout, stderr) = run(&fixture.root, &["--staged"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("env-file-committed"), "{stdout}");
    // Its clean twin: unstaged again, nothing is committed.
    git_ok(
        &fixture.root,
        &["rm", "-q", "--cached", "clients/acme/.env"],
    );
    let (code, stdout, stderr) = run(&fixture.root, &["--staged"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn a_staged_symlink_is_judged_as_staged() {
    let fixture = committed("direct");
    let link = fixture.root.join("clients/acme/peek");
    std::os::unix::fs::symlink("../globex/src/lib.rs", &link).unwrap();
    git_ok(&fixture.root, &["add", "clients/acme/peek"]);
    // The working tree's link now stays inside the client; the commit's leaves it.
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("src/lib.rs", &link).unwrap();
    let (code, stdout, stderr) = run(&fixture.root, &["--staged"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("cross-client-file-reference"), "{stdout}");
}

#[test]
fn named_files_that_cannot_be_checked_stop_the_check() {
    let fixture = committed("direct");
    let outside = tempfile::tempdir().unwrap();
    let outside_file = outside.path().join("notes.rs");
    std::fs::write(&outside_file, "").unwrap();
    for (given, why) in [
        (
            "clients/acme/src/missing.rs",
            "cannot check `clients/acme/src/missing.rs`",
        ),
        (outside_file.to_str().unwrap(), "outside the workspace"),
        ("../", "outside the workspace"),
        ("clients/acme/src", "it is a directory"),
    ] {
        let (code, stdout, stderr) = run(&fixture.root, &[given]);
        assert_eq!(code, 2, "{given}: {stdout}{stderr}");
        assert!(stderr.contains(why), "{given}: {stderr}");
        assert!(stdout.is_empty(), "{given}: {stdout}");
    }
    // A missing file among good ones still stops the check.
    let (code, _, stderr) = run(&fixture.root, &["clients/acme/src/lib.rs", "nope.rs"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`nope.rs`"), "{stderr}");
    // The clean twin: files that exist inside the workspace.
    let (code, stdout, stderr) = run(
        &fixture.root,
        &["clients/acme/src/lib.rs", "clients/globex/src/lib.rs"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
}

const ACME: &str = "clients/acme/Cargo.toml";

fn acme_manifest(dependencies: &str) -> String {
    format!(
        "[package]\nname = \"acme\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{dependencies}"
    )
}

/// `direct` committed without acme's dependency on globex.
fn committed_clean() -> Fixture {
    let fixture = committed("direct");
    write(&fixture.root, ACME, acme_manifest(""));
    git_ok(&fixture.root, &["commit", "-qam", "no dependency"]);
    fixture
}

#[test]
fn a_staged_manifest_is_judged_as_staged_not_as_in_the_working_tree() {
    let fixture = committed_clean();
    write(
        &fixture.root,
        ACME,
        acme_manifest("globex = { path = \"../globex\" }\n"),
    );
    git_ok(&fixture.root, &["add", ACME]);
    // Reverted in the working tree only: the commit still makes acme depend on globex.
    write(&fixture.root, ACME, acme_manifest(""));
    let before = std::fs::read_to_string(fixture.root.join(ACME)).unwrap();
    let (code, stdout, stderr) = run_with_cargo(
        &fixture.root,
        &["--staged", "--format", "json"],
        env!("CARGO"),
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["violations"][0]["rule"], "client-depends-on-client");
    // Located in the workspace, at the staged manifest's line.
    assert_eq!(doc["violations"][0]["file"], ACME);
    assert_eq!(doc["violations"][0]["line"], 8);
    assert!(!stdout.contains("clientwall-index-"), "{stdout}");
    // The working tree is as it was, and no lock file was written into it.
    assert_eq!(
        std::fs::read_to_string(fixture.root.join(ACME)).unwrap(),
        before
    );
    assert!(!fixture.root.join("Cargo.lock").exists());
    // Human output too names the workspace's file.
    let (code, stdout, _) = run_with_cargo(&fixture.root, &["--staged"], env!("CARGO"));
    assert_eq!(code, 1);
    assert!(stdout.contains(ACME), "{stdout}");
}

#[test]
fn a_dependency_only_in_the_working_tree_is_not_in_the_commit() {
    let fixture = committed_clean();
    write(&fixture.root, ACME, acme_manifest("\n"));
    git_ok(&fixture.root, &["add", ACME]);
    write(
        &fixture.root,
        ACME,
        acme_manifest("globex = { path = \"../globex\" }\n"),
    );
    let (code, stdout, stderr) = run_with_cargo(&fixture.root, &["--staged"], env!("CARGO"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    // The working tree itself fails the full check.
    let (code, _, _) = run_with_cargo(&fixture.root, &[], env!("CARGO"));
    assert_eq!(code, 1);
}
