//! The `cargo-clientwall` binary: exit codes, formats, and what a user sees.

use crate::support;

use assert_cmd::Command;
use support::Fixture;

fn clientwall() -> Command {
    Command::cargo_bin("cargo-clientwall").unwrap()
}

/// Run `cargo clientwall check` (as cargo invokes it) with extra args; return (exit, stdout, stderr).
fn check(manifest: &camino::Utf8Path, args: &[&str]) -> (i32, String, String) {
    let output = clientwall()
        .args(["clientwall", "check", "--manifest-path", manifest.as_str()])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn clean_example_exits_zero() {
    let example = Fixture::example("clean");
    let (code, stdout, stderr) = check(&example.manifest(), &["--color", "never"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("clean_human", stdout);
}

#[test]
fn violating_example_exits_one_with_paths() {
    let example = Fixture::example("violations");
    let (code, stdout, stderr) = check(&example.manifest(), &["--color", "never"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("path: acme -> shared-report (normal) -> globex (normal)"),
        "{stdout}"
    );
    insta::assert_snapshot!("violations_human", stdout);
}

#[test]
fn json_format_is_one_document() {
    let example = Fixture::example("violations");
    let (code, stdout, _) = check(&example.manifest(), &["--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["summary"]["violations"], 3);
    let first = &doc["violations"][0];
    for key in ["rule", "client", "path", "file", "line", "message", "help"] {
        assert!(!first[key].is_null(), "missing {key} in {first}");
    }
    insta::assert_snapshot!("violations_json", stdout);
}

#[test]
fn github_format_emits_workflow_commands() {
    let example = Fixture::example("violations");
    let (code, stdout, _) = check(&example.manifest(), &["--format", "github"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("violations_github", stdout);
}

#[test]
fn color_always_uses_ansi_and_never_does_not() {
    let example = Fixture::example("violations");
    let (_, colored, _) = check(&example.manifest(), &["--color", "always"]);
    let (_, plain, _) = check(&example.manifest(), &["--color", "never"]);
    assert!(colored.contains("\u{1b}["));
    assert!(!plain.contains("\u{1b}["));
}

#[test]
fn runs_without_the_cargo_subcommand_word_and_from_the_workspace_dir() {
    let example = Fixture::example("violations");
    let output = clientwall()
        .current_dir(example.root.join("clients/acme"))
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn client_filter() {
    let example = Fixture::example("violations");
    let (code, stdout, _) = check(
        &example.manifest(),
        &["--client", "initech", "--format", "json"],
    );
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["summary"]["violations"], 1);
    let (code, _, stderr) = check(&example.manifest(), &["--client", "initec"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `initech`?"), "{stderr}");
}

#[test]
fn errors_exit_two_with_the_cause() {
    for (fixture, needle) in [
        ("bad-toml", "unclosed array"),
        ("missing-member", "clients/gone"),
        ("config-typo", "did you mean `credential-helpers`?"),
        ("not-a-workspace", "has no [workspace] table"),
    ] {
        let fixture_dir = Fixture::new(fixture);
        let (code, stdout, stderr) = check(&fixture_dir.manifest(), &[]);
        assert_eq!(code, 2, "{fixture}: {stdout}{stderr}");
        assert!(stderr.contains(needle), "{fixture}: {stderr}");
        assert!(stdout.is_empty(), "{fixture}: nothing on stdout: {stdout}");
    }
}

#[test]
fn usage_errors_exit_two() {
    let example = Fixture::example("clean");
    let (code, _, stderr) = check(&example.manifest(), &["--format", "xml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("xml"), "{stderr}");
}

#[test]
fn help_text() {
    let output = clientwall()
        .args(["clientwall", "check", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!("check_help", String::from_utf8(output.stdout).unwrap());
}
