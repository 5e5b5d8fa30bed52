//! Where users meet clientwall: the isolation map, the client attestation, the git hook and the
//! pre-commit framework, all run for real.

use crate::support;

use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};
use support::{Fixture, git_with_path, repo_root};

fn clientwall(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn bin_dir() -> Utf8PathBuf {
    Utf8PathBuf::from_path_buf(assert_cmd::cargo::cargo_bin("cargo-clientwall"))
        .unwrap()
        .parent()
        .unwrap()
        .to_owned()
}

fn git(dir: &Utf8Path, args: &[&str]) -> std::process::Output {
    git_with_path(dir, args, Some(&bin_dir()))
}

/// A tool the test needs: its path, or a one-line failure naming it and how to get it.
fn require_tool(name: &str, how: &str) -> std::path::PathBuf {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| panic!("`{name}` is not installed: {how}"))
}

fn ok(output: &std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    text
}

#[test]
fn graph_dot_and_mermaid() {
    let example = Fixture::example("violations");
    let manifest = example.manifest();
    let dot = ok(&clientwall(&[
        "graph",
        "--manifest-path",
        manifest.as_str(),
    ]));
    insta::assert_snapshot!("graph_dot", dot);
    let mermaid = ok(&clientwall(&[
        "graph",
        "--format",
        "mermaid",
        "--manifest-path",
        manifest.as_str(),
    ]));
    insta::assert_snapshot!("graph_mermaid", mermaid);
}

/// `graph --format svg` draws the map in-process (no Graphviz), and the picture in the README
/// is exactly what it draws today. (CI also pipes the DOT through Graphviz `dot`; see `.ci/run`.)
#[test]
fn svg_map_is_drawn_in_process_and_the_readme_picture_is_current() {
    let manifest = repo_root().join("examples/violations/Cargo.toml");
    let svg = ok(&clientwall(&[
        "graph",
        "--format",
        "svg",
        "--manifest-path",
        manifest.as_str(),
    ]));
    assert!(
        svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    for expected in [
        "client acme",
        "client globex",
        "agency-credentials",
        "(credential helper)",
        "class=\"octagon\"",
        "class=\"edge violation\"",
    ] {
        assert!(svg.contains(expected), "`{expected}` missing from the map");
    }
    let committed = repo_root().join("docs/isolation-map.svg");
    if std::env::var_os("CLIENTWALL_BLESS").is_some() {
        std::fs::write(&committed, &svg).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&committed).unwrap_or_default(),
        svg,
        "docs/isolation-map.svg is stale; regenerate with CLIENTWALL_BLESS=1"
    );
}

#[test]
fn attestation_of_a_clean_client() {
    let example = Fixture::example("clean");
    let manifest = example.manifest();
    let output = clientwall(&["attest", "acme", "--manifest-path", manifest.as_str()]);
    assert_eq!(output.status.code(), Some(0));
    let md = String::from_utf8(output.stdout).unwrap();
    insta::assert_snapshot!("attest_clean_md", md);
    let output = clientwall(&[
        "attest",
        "acme",
        "--format",
        "json",
        "--manifest-path",
        manifest.as_str(),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["passed"], true);
    assert_eq!(json["other_clients_in_closure"], serde_json::json!([]));
    insta::assert_json_snapshot!("attest_clean_json", json);
}

#[test]
fn attestation_of_a_failing_client() {
    let example = Fixture::example("violations");
    let manifest = example.manifest();
    let output = clientwall(&["attest", "acme", "--manifest-path", manifest.as_str()]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failing rule makes the attestation exit 1"
    );
    let md = String::from_utf8(output.stdout).unwrap();
    assert!(
        md.contains("No other client's crate in the dependency closure: **no**"),
        "{md}"
    );
    insta::assert_snapshot!("attest_failing_md", md);
}

#[test]
fn attestation_checksum_covers_the_content() {
    let example = Fixture::example("violations");
    let a = clientwall::attest::attest(Some(example.manifest()), "initech").unwrap();
    let b = clientwall::attest::attest(Some(example.manifest()), "initech").unwrap();
    assert_eq!(
        a.checksum_sha256, b.checksum_sha256,
        "two copies of the same state compare equal"
    );
    assert_eq!(clientwall::attest::checksum(&a), a.checksum_sha256);
    let mut tampered = a.clone();
    tampered.credential_helpers_in_closure.clear();
    assert_ne!(clientwall::attest::checksum(&tampered), a.checksum_sha256);
}

/// A consultancy repository in git with one clean commit.
fn repo() -> Fixture {
    let fixture = Fixture::example("clean");
    ok(&git(&fixture.root, &["init", "-q", "-b", "main"]));
    ok(&git(&fixture.root, &["add", "-A"]));
    ok(&git(&fixture.root, &["commit", "-q", "-m", "clean"]));
    fixture
}

/// Stage the same breach in both hook tests: acme now depends on globex.
fn stage_breach(root: &Utf8Path) {
    let manifest = root.join("clients/acme/Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("globex = { path = \"../globex\" }\n");
    std::fs::write(&manifest, text).unwrap();
    ok(&git(root, &["add", "clients/acme/Cargo.toml"]));
}

#[test]
fn install_hook_with_plain_git() {
    let repo = repo();
    let root = &repo.root;
    let install = |args: &[&str]| {
        Command::cargo_bin("cargo-clientwall")
            .unwrap()
            .current_dir(root)
            .args(["clientwall", "install-hook"])
            .args(args)
            .output()
            .unwrap()
    };
    assert!(ok(&install(&[])).contains("installed"));
    assert!(
        ok(&install(&[])).contains("already installed"),
        "idempotent"
    );

    // A clean change commits.
    std::fs::write(root.join("clients/acme/src/extra.rs"), "pub fn f() {}\n").unwrap();
    ok(&git(root, &["add", "clients/acme/src/extra.rs"]));
    ok(&git(root, &["commit", "-q", "-m", "clean change"]));

    // A cross-client dependency is rejected.
    stage_breach(root);
    let rejected = git(root, &["commit", "-q", "-m", "breach"]);
    assert!(!rejected.status.success(), "the hook let a breach through");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&rejected.stdout),
        String::from_utf8_lossy(&rejected.stderr)
    );
    assert!(text.contains("client-depends-on-client"), "{text}");

    // A foreign hook is not overwritten without --force.
    let hook = root.join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\necho mine\n").unwrap();
    let refused = install(&[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    assert!(ok(&install(&["--force"])).contains("replaced"));

    // The hook leaves Cargo.lock as it was when cargo had to run.
    ok(&git(root, &["reset", "-q", "--hard"]));
    stage_lock_changing_manifest(root);
    ok(&git(root, &["commit", "-q", "-m", "a clean dependency"]));
    assert_eq!(status(root), "", "the hook changed the working tree");
}

/// The pre-commit framework (from PyPI; `scripts/test.sh` installs it into a virtualenv under
/// `target/`), using this repository's `.pre-commit-hooks.yaml` at its current commit.
#[test]
fn pre_commit_framework_rejects_a_breach_and_accepts_a_clean_commit() {
    let pre_commit_bin = require_tool(
        "pre-commit",
        "run `bash scripts/test.sh` (it installs pre-commit into target/venv), or `pip install pre-commit`",
    );
    let this_repo = repo_root();
    let head = std::process::Command::new("git")
        .args(["-C", this_repo.as_str(), "rev-parse", "HEAD"])
        .output()
        .unwrap();
    let head = String::from_utf8(head.stdout).unwrap().trim().to_owned();
    let repo = repo();
    let root = &repo.root;
    std::fs::write(
        root.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {this_repo}\n    rev: {head}\n    hooks:\n      - id: clientwall\n"
        ),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let pre_commit = |args: &[&str]| {
        std::process::Command::new(&pre_commit_bin)
            .args(args)
            .current_dir(root)
            .env("PRE_COMMIT_HOME", home.path())
            .env(
                "PATH",
                format!("{}:{}", bin_dir(), std::env::var("PATH").unwrap()),
            )
            .output()
            .unwrap()
    };
    ok(&pre_commit(&["install"]));
    ok(&git(root, &["add", ".pre-commit-config.yaml"]));
    ok(&git(
        root,
        &["commit", "-q", "-m", "use clientwall through pre-commit"],
    ));

    stage_breach(root);
    let rejected = git(root, &["commit", "-q", "-m", "breach"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&rejected.stdout),
        String::from_utf8_lossy(&rejected.stderr)
    );
    assert!(
        !rejected.status.success(),
        "pre-commit let a breach through: {text}"
    );
    assert!(text.contains("client-depends-on-client"), "{text}");

    ok(&git(root, &["reset", "-q", "--hard"]));
    std::fs::write(root.join("clients/globex/src/extra.rs"), "pub fn g() {}\n").unwrap();
    ok(&git(root, &["add", "clients/globex/src/extra.rs"]));
    ok(&git(root, &["commit", "-q", "-m", "clean change"]));

    // A staged manifest change makes the hook run cargo, which would rewrite Cargo.lock: the
    // hook leaves the working tree as it found it, so pre-commit sees no file modified by it.
    stage_lock_changing_manifest(root);
    ok(&git(root, &["commit", "-q", "-m", "a clean dependency"]));
    assert_eq!(status(root), "", "the hook changed the working tree");
}

/// Stage a clean manifest change that cargo records in Cargo.lock: globex's version goes up.
/// Cargo.lock itself is left unstaged and unchanged.
fn stage_lock_changing_manifest(root: &Utf8Path) {
    let manifest = root.join("clients/globex/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("version = \"0.1.0\""), "{text}");
    std::fs::write(
        &manifest,
        text.replacen("version = \"0.1.0\"", "version = \"0.1.1\"", 1),
    )
    .unwrap();
    ok(&git(root, &["add", "clients/globex/Cargo.toml"]));
}

fn status(root: &Utf8Path) -> String {
    String::from_utf8(git(root, &["status", "--porcelain=v1", "--untracked-files=all"]).stdout)
        .unwrap()
}

/// A client without `client.toml`, and not made from the template: the rules that read
/// `client.toml` and `template-drift` do not apply, and the attestation says "not applicable",
/// never "pass". It also says when the repository has no commit yet.
#[test]
fn attestation_marks_client_toml_rules_not_applicable_without_one() {
    use clientwall::rules::RuleCode;
    let example = Fixture::example("clean");
    assert!(!example.root.join("clients/acme/client.toml").exists());
    let a = clientwall::attest::attest(Some(example.manifest()), "acme").unwrap();
    for r in &a.rules {
        let not_applicable = matches!(
            r.rule,
            RuleCode::WriteScopeRequested
                | RuleCode::TokenLifetimeTooLong
                | RuleCode::SharedDatabase
                | RuleCode::ApiVersionRetiring
                | RuleCode::TemplateDrift
        );
        assert_eq!(r.applicable, !not_applicable, "{}", r.rule);
        assert_eq!(r.passed, !not_applicable, "{}", r.rule);
    }
    assert!(
        a.passed,
        "rules that do not apply do not fail the attestation"
    );
    let md = clientwall::attest::markdown(&a);
    assert_eq!(
        md.matches("not applicable (no `client.toml`)").count(),
        4,
        "{md}"
    );
    assert!(
        md.contains("| `template-drift` | not applicable (not made from clientwall's template) |"),
        "{md}"
    );
    assert!(md.contains("at commit `(not in git)`"), "{md}");

    ok(&git(&example.root, &["init", "-q"]));
    let a = clientwall::attest::attest(Some(example.manifest()), "acme").unwrap();
    assert!(
        clientwall::attest::markdown(&a).contains("at commit `(no commits yet)`"),
        "a repository without commits says so"
    );
}

/// A client `new-client` made: `template-drift` applies, passes while its locked files are the
/// template's, and fails the attestation once one is edited by hand.
#[test]
fn attestation_of_a_generated_client_covers_template_drift() {
    use clientwall::rules::RuleCode;
    let example = Fixture::example("consultancy");
    std::fs::copy(
        repo_root().join("examples/consultancy/Cargo.lock"),
        example.root.join("Cargo.lock"),
    )
    .unwrap();
    let drift = |a: &clientwall::attest::Attestation| {
        a.rules
            .iter()
            .find(|r| r.rule == RuleCode::TemplateDrift)
            .cloned()
            .unwrap()
    };
    let a = clientwall::attest::attest(Some(example.manifest()), "acme").unwrap();
    let r = drift(&a);
    assert!(r.applicable && r.passed, "{r:?}");
    assert!(a.passed);

    let connect = example.root.join("clients/acme/src/connect.rs");
    let text = std::fs::read_to_string(&connect).unwrap();
    assert!(text.contains("0o600"));
    std::fs::write(&connect, text.replacen("0o600", "0o644", 1)).unwrap();
    let a = clientwall::attest::attest(Some(example.manifest()), "acme").unwrap();
    let r = drift(&a);
    assert!(r.applicable && !r.passed, "{r:?}");
    assert!(
        r.findings[0].contains("clients/acme/src/connect.rs"),
        "{:?}",
        r.findings
    );
    assert!(!a.passed);
}

/// `graph --format` and `attest --format` explain their values.
#[test]
fn format_flags_have_help() {
    let graph = ok(&clientwall(&["graph", "--help"]));
    for text in ["Graphviz DOT", "Mermaid", "in-process", "svg"] {
        assert!(
            graph.contains(text),
            "graph --help lacks `{text}`:\n{graph}"
        );
    }
    let attest = ok(&clientwall(&["attest", "--help"]));
    for text in ["Markdown", "JSON", "md", "json"] {
        assert!(
            attest.contains(text),
            "attest --help lacks `{text}`:\n{attest}"
        );
    }
}
