//! README.md is true when pasted: every command and configuration block is exercised exactly as
//! printed. Each fenced block is preceded by a marker that says how:
//! - `<!-- run: ci -->` ```sh: the Quickstart; `.ci/run` reads these commands from README.md
//!   through `.ci/readme-block ci` and runs them in a fresh clone (checked here: the script
//!   yields exactly these commands);
//! - `<!-- run: repo -->` runs at the repository root (installing the binaries into a sandbox),
//!   `<!-- run: session -->` runs as one script in an empty directory, and
//!   `<!-- run: workspace -->` blocks run, in order, in the workspace that session made;
//! - `<!-- toml: NAME -->`, `<!-- yaml: NAME -->` and `<!-- json: NAME -->` blocks are loaded by
//!   the test named after them; `<!-- output of: COMMAND -->` blocks must appear verbatim in that
//!   command's output, `<!-- yaml: excerpt of FILE -->` blocks verbatim in that file.

use camino::{Utf8Path, Utf8PathBuf};
use clientwall_lint::check::CheckOptions;
use clientwall_lint::date::Date;
use std::process::Command;

fn repo_root() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A fenced block: its marker (`run: ci`, `toml: policy`, ...), language and text.
struct Block {
    marker: String,
    language: String,
    text: String,
    line: usize,
}

fn blocks() -> Vec<Block> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(language) = lines[i].strip_prefix("```").filter(|l| !l.is_empty()) {
            let marker = i
                .checked_sub(1)
                .and_then(|j| lines[j].trim().strip_prefix("<!-- "))
                .and_then(|m| m.strip_suffix(" -->"))
                .unwrap_or("")
                .to_owned();
            let start = i + 1;
            i += 1;
            while lines[i] != "```" {
                i += 1;
            }
            out.push(Block {
                marker,
                language: language.to_owned(),
                text: lines[start..i].iter().map(|l| format!("{l}\n")).collect(),
                line: start,
            });
        }
        i += 1;
    }
    out
}

/// The one block with this marker.
fn block(marker: &str) -> Block {
    let mut found: Vec<Block> = blocks()
        .into_iter()
        .filter(|b| b.marker == marker)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "README.md needs exactly one `<!-- {marker} -->` block"
    );
    found.remove(0)
}

/// The commands of a shell block, as `.ci/readme-block` reads them: a trailing comment dropped.
fn commands(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split(" #").next().unwrap().trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn every_block_is_exercised() {
    let known = [
        "run: ci",
        "run: repo",
        "run: session",
        "run: workspace",
        "toml: init-manifest",
        "toml: policy",
        "toml: allow-example",
        "toml: secret-allow-example",
        "toml: role",
        "yaml: pre-commit-config",
        "yaml: excerpt of examples/ci/clientwall.yml",
        "json: rust-analyzer-settings",
        "output of: bash examples/demo.sh",
    ];
    for b in blocks() {
        if b.language == "text" && b.marker.is_empty() {
            continue; // a command synopsis, not something to paste
        }
        assert!(
            known.contains(&b.marker.as_str()),
            "README.md line {}: a ```{} block whose marker `{}` no test exercises",
            b.line,
            b.language,
            b.marker
        );
    }
}

#[test]
fn ci_runs_the_quickstart_commands_read_from_the_readme() {
    let expected: Vec<String> = blocks()
        .iter()
        .filter(|b| b.marker == "run: ci")
        .flat_map(|b| commands(&b.text))
        .collect();
    assert_eq!(
        expected,
        ["bash examples/demo.sh", "bash scripts/test.sh"],
        "the Quickstart is the README's two commands"
    );
    let output = Command::new("bash")
        .args([".ci/readme-block", "ci"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(output.status.success());
    let read: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(read, expected, "what .ci/run runs differs from the README");
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).unwrap();
    assert!(
        ci.contains("commands=$(.ci/readme-block ci)"),
        ".ci/run no longer reads them"
    );
}

#[test]
fn the_sample_diagnostic_is_what_the_demo_prints() {
    let expected = block("output of: bash examples/demo.sh").text;
    let output = Command::new("bash")
        .arg("examples/demo.sh")
        .current_dir(repo_root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&expected),
        "the README's sample diagnostic (line numbers included) is not what the demo prints:\n{stdout}"
    );
}

#[test]
fn the_minimal_manifest_is_what_init_writes() {
    assert_eq!(
        block("toml: init-manifest").text,
        generator::init::NEW_MANIFEST
    );
}

#[test]
fn the_pre_commit_config_is_what_init_writes() {
    assert_eq!(
        block("yaml: pre-commit-config").text,
        generator::init::PRE_COMMIT_CONFIG
    );
}

/// A workspace whose root manifest is `manifest`, with the example's `acme`, a shared crate
/// `shared/legacy-auth` (with `extra` appended to its manifest) and the example's Cargo.lock.
fn workspace(manifest: &str, legacy_auth_extra: &str) -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    let example = repo_root().join("examples/consultancy");
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(example.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    for entry in walkdir::WalkDir::new(example.join("clients/acme")) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(example.join("clients/acme"))
            .unwrap();
        let target = root.join("clients/acme").join(rel.to_str().unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    let shared = root.join("shared/legacy-auth");
    std::fs::create_dir_all(shared.join("src")).unwrap();
    std::fs::write(
        shared.join("Cargo.toml"),
        format!(
            "[package]\nname = \"legacy-auth\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n{legacy_auth_extra}"
        ),
    )
    .unwrap();
    std::fs::write(shared.join("src/lib.rs"), "").unwrap();
    (dir, root)
}

fn check(root: &Utf8Path) -> clientwall_lint::report::Report {
    clientwall_lint::run(&CheckOptions {
        manifest_path: Some(root.join("Cargo.toml")),
        today: Date::parse("2026-11-26").unwrap(),
        ..CheckOptions::default()
    })
    .unwrap_or_else(|e| panic!("the check failed to run: {e:#}"))
}

/// The policy block, pasted as the root manifest of a workspace with a client and a shared
/// crate, loads and passes.
#[test]
fn the_policy_block_loads_and_passes() {
    let (_dir, root) = workspace(&block("toml: policy").text, "");
    let report = check(&root);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert_eq!(report.summary.clients, 1);
}

/// The role block makes `legacy-auth` a credential helper that `acme` must not reach; the
/// allow example, pasted after the policy, excuses exactly that (and is stale without it).
#[test]
fn the_role_block_and_the_allow_example_do_what_they_say() {
    let policy = block("toml: policy").text;
    let role = block("toml: role").text;
    let allow = block("toml: allow-example").text;
    let wire = |root: &Utf8Path| {
        let manifest = root.join("clients/acme/Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        std::fs::write(
            &manifest,
            format!("{text}\n[dependencies.legacy-auth]\npath = \"../../shared/legacy-auth\"\n"),
        )
        .unwrap();
    };

    let (_dir, root) = workspace(&policy, &role);
    wire(&root);
    let report = check(&root);
    let rules: Vec<String> = report
        .violations
        .iter()
        .map(|v| v.rule.code.to_string())
        .collect();
    assert_eq!(
        rules,
        ["client-reaches-credential-helper"],
        "the role block"
    );

    let (_dir, root) = workspace(&format!("{policy}\n{allow}"), &role);
    wire(&root);
    let report = check(&root);
    assert!(
        report.violations.is_empty(),
        "the allow example: {:?}",
        report.violations
    );

    let (_dir, root) = workspace(&format!("{policy}\n{allow}"), &role);
    let report = check(&root);
    let rules: Vec<String> = report
        .violations
        .iter()
        .map(|v| v.rule.code.to_string())
        .collect();
    assert_eq!(
        rules,
        ["stale-allow"],
        "an allow entry that excuses nothing"
    );
}

fn run(dir: &Utf8Path, script: &str, path: &str, env: &[(&str, &str)]) -> String {
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "README block failed in {dir}:\n{script}\n{text}"
    );
    text
}

/// The install block, the first session (an empty directory to a green check and a commit),
/// then every workspace block in that workspace, each exactly as printed.
#[test]
fn the_first_session_and_every_workspace_command_run() {
    let root = repo_root();
    let sandbox = tempfile::tempdir().unwrap();
    let sandbox = Utf8PathBuf::from_path_buf(sandbox.path().canonicalize().unwrap()).unwrap();
    let install_root = sandbox.join("install");
    let path = format!("{install_root}/bin:{}", std::env::var("PATH").unwrap());
    let target = root.join("target/readme");
    // The install commands run as printed; only the release profile's optimisation is left out
    // (what the test shows is that they install working binaries, not how fast those run), which
    // makes the two release builds a fraction of their cost.
    let env = [
        ("CARGO_INSTALL_ROOT", install_root.as_str()),
        ("CARGO_TARGET_DIR", target.as_str()),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
        ("GIT_AUTHOR_NAME", "readme"),
        ("GIT_AUTHOR_EMAIL", "readme@example.com"),
        ("GIT_COMMITTER_NAME", "readme"),
        ("GIT_COMMITTER_EMAIL", "readme@example.com"),
    ];
    let all = blocks();
    for b in all.iter().filter(|b| b.marker == "run: repo") {
        for command in commands(&b.text) {
            run(&root, &command, &path, &env);
        }
    }
    let session = block("run: session");
    let out = run(&sandbox, &session.text, &path, &env);
    assert!(out.contains("clientwall: ok: no violations"), "{out}");
    let workspace = sandbox.join("consultancy");
    let mut ran = 0;
    for b in all.iter().filter(|b| b.marker == "run: workspace") {
        for command in commands(&b.text) {
            run(&workspace, &command, &path, &env);
            ran += 1;
        }
    }
    assert!(ran >= 8, "only {ran} workspace commands");
    // The commands did what they say.
    assert!(workspace.join("clients/acme/client.toml").is_file());
    assert!(workspace.join(".github/workflows/clientwall.yml").is_file());
    assert!(workspace.join(".pre-commit-config.yaml").is_file());
    let svg = std::fs::read_to_string(workspace.join("isolation-map.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("client acme"), "{svg}");
    let attestation = std::fs::read_to_string(workspace.join("acme-attestation.md")).unwrap();
    assert!(attestation.contains("every rule passed"), "{attestation}");
    let page = std::fs::read_to_string(workspace.join("acme-attestation.html")).unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("isolated"),
        "{page}"
    );
    assert!(
        page.contains("<g class=\"island\" data-client=\"acme\""),
        "{page}"
    );
    let island = std::fs::read_to_string(workspace.join("acme-map.svg")).unwrap();
    assert!(island.contains("client acme"), "{island}");
    assert!(workspace.join(".git/hooks/pre-commit").is_file());
    // The editor setting, run as rust-analyzer runs it: cargo's messages, then the check's, then
    // one `build-finished`.
    let settings: serde_json::Value =
        serde_json::from_str(&block("json: rust-analyzer-settings").text).unwrap();
    let command: Vec<&str> = settings["rust-analyzer.check.overrideCommand"]
        .as_array()
        .expect("the setting is a command line")
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let out = run(&workspace, &command.join(" "), &path, &env);
    let last = out
        .lines()
        .rfind(|l| l.starts_with('{'))
        .unwrap_or_default();
    let finished: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(finished["reason"], "build-finished", "{out}");
    assert_eq!(finished["success"], true, "{out}");
}

/// The workflow excerpts are the example workflow's own lines (which `cargo-clientwall/tests/github_action.rs`
/// lints against the action).
#[test]
fn the_workflow_excerpts_are_in_the_example_workflow() {
    let marker = "yaml: excerpt of examples/ci/clientwall.yml";
    let workflow = std::fs::read_to_string(repo_root().join("examples/ci/clientwall.yml")).unwrap();
    let excerpts: Vec<Block> = blocks()
        .into_iter()
        .filter(|b| b.marker == marker)
        .collect();
    assert!(excerpts.len() >= 2);
    for b in excerpts {
        assert!(
            workflow.contains(&b.text),
            "README.md line {}: not in examples/ci/clientwall.yml:\n{}",
            b.line,
            b.text
        );
    }
}

/// The rust-analyzer setting is JSON that runs `cargo clientwall flycheck`.
#[test]
fn the_rust_analyzer_setting_runs_flycheck() {
    let settings: serde_json::Value =
        serde_json::from_str(&block("json: rust-analyzer-settings").text).unwrap();
    assert_eq!(
        settings["rust-analyzer.check.overrideCommand"],
        serde_json::json!(["cargo", "clientwall", "flycheck"])
    );
}

/// The secret allow example, pasted after the policy, loads as an entry that excuses a secret
/// by the commit that introduced it and its path, and nothing else; a run without `--history`
/// does not judge it stale.
#[test]
fn the_secret_allow_example_excuses_by_commit_and_path() {
    let policy = block("toml: policy").text;
    let allow = block("toml: secret-allow-example").text;
    let (_dir, root) = workspace(&format!("{policy}\n{allow}"), "");
    let manifest = clientwall_lint::manifest::Manifest::load(&root.join("Cargo.toml")).unwrap();
    let config = clientwall_lint::config::Config::from_manifest(&manifest).unwrap();
    let entry = config
        .allow
        .iter()
        .find(|e| e.is_secret_entry())
        .expect("a secret entry");
    let fixture = "clients/acme/tests/fixtures/orders.json";
    assert!(entry.excuses_secret(Some("1a2b3c4d5e6f"), fixture));
    assert!(
        !entry.excuses_secret(Some("9f9f9f9f"), fixture),
        "another commit"
    );
    assert!(
        !entry.excuses_secret(Some("1a2b3c4d5e6f"), "clients/acme/src/lib.rs"),
        "another path"
    );
    assert!(
        !entry.excuses_secret(None, fixture),
        "a commit entry excuses history findings only"
    );
    let report = check(&root);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}
