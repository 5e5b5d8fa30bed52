//! Every shell command in README.md is executed. Each ```sh block is preceded by a marker:
//! `<!-- run: ci -->` blocks must appear verbatim in `.ci/run` (which CI executes),
//! `<!-- run: repo -->` blocks run in a copy-free context at the repository root, and
//! `<!-- run: workspace -->` blocks run, in order, in a fresh consultancy workspace in git, with
//! the binaries the `repo` block installed first on PATH.

use camino::{Utf8Path, Utf8PathBuf};
use std::process::Command;

fn repo_root() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// (marker, commands) of every ```sh block.
fn blocks(readme: &str) -> Vec<(String, Vec<String>)> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "```sh" {
            let marker = i
                .checked_sub(1)
                .and_then(|j| lines[j].trim().strip_prefix("<!-- run: "))
                .and_then(|m| m.strip_suffix(" -->"))
                .unwrap_or_else(|| {
                    panic!(
                        "README.md line {}: a ```sh block without a `<!-- run: .. -->` marker",
                        i + 1
                    )
                })
                .to_owned();
            let mut commands = Vec::new();
            i += 1;
            while lines[i].trim() != "```" {
                let command = lines[i].split(" #").next().unwrap().trim();
                if !command.is_empty() {
                    commands.push(command.to_owned());
                }
                i += 1;
            }
            out.push((marker, commands));
        }
        i += 1;
    }
    out
}

fn run(dir: &Utf8Path, command: &str, path: &str, env: &[(&str, &str)]) {
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", command])
        .current_dir(dir)
        .env("PATH", path)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "README command failed in {dir}: {command}\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_readme_command_runs() {
    let root = repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let blocks = blocks(&readme);
    assert!(blocks.len() >= 5, "found {} blocks", blocks.len());

    let sandbox = tempfile::tempdir().unwrap();
    let sandbox = Utf8PathBuf::from_path_buf(sandbox.path().canonicalize().unwrap()).unwrap();
    let install_root = sandbox.join("install");
    let workspace = sandbox.join("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(
            root.join("examples/consultancy").join(file),
            workspace.join(file),
        )
        .unwrap();
    }
    let path = format!("{install_root}/bin:{}", std::env::var("PATH").unwrap());
    let target = root.join("target/readme");
    let env = [
        ("CARGO_INSTALL_ROOT", install_root.as_str()),
        ("CARGO_TARGET_DIR", target.as_str()),
        ("GIT_AUTHOR_NAME", "readme"),
        ("GIT_AUTHOR_EMAIL", "readme@example.com"),
        ("GIT_COMMITTER_NAME", "readme"),
        ("GIT_COMMITTER_EMAIL", "readme@example.com"),
    ];
    run(
        &workspace,
        "git init -q && git add -A && git commit -q -m init",
        &path,
        &env,
    );

    let mut ran = 0;
    for (marker, commands) in &blocks {
        for command in commands {
            match marker.as_str() {
                "ci" => assert!(
                    ci.lines().any(|l| l.trim() == command.as_str()),
                    "`{command}` is not run by .ci/run"
                ),
                "repo" => run(&root, command, &path, &env),
                "workspace" => run(&workspace, command, &path, &env),
                other => panic!("unknown README marker `{other}`"),
            }
            ran += 1;
        }
    }
    assert!(ran >= 10, "only {ran} commands");
    // The commands did what they say.
    assert!(workspace.join("clients/acme/client.toml").is_file());
    assert!(
        std::fs::read_to_string(workspace.join("isolation-map.svg"))
            .unwrap()
            .contains("<svg")
    );
    assert!(
        std::fs::read_to_string(workspace.join("acme-attestation.md"))
            .unwrap()
            .contains("every rule passed")
    );
    assert!(workspace.join(".git/hooks/pre-commit").is_file());
}
