//! What cargo and rustc really do with a fixture (real `cargo check`, `cargo metadata`, the
//! files rustc read from its dep-info), and the lint run as the real binary, so a route test
//! proves the lint agrees with the compiler in both directions.

use camino::Utf8Path;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a cargo run gave.
pub struct CargoRun {
    pub stdout: String,
    pub stderr: String,
}

/// Run cargo in `dir` with its own target directory under `target` and extra environment;
/// panic with its output unless it succeeds.
pub fn cargo_with(
    dir: &Utf8Path,
    target: &Utf8Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> CargoRun {
    let output = std::process::Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let run = CargoRun {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        output.status.success(),
        "cargo {args:?} in {dir}: {}",
        run.stderr
    );
    run
}

/// Run cargo in `dir` with its own target directory under `target`; panic with its output
/// unless it succeeds. Returns stdout.
pub fn cargo(dir: &Utf8Path, target: &Utf8Path, args: &[&str]) -> String {
    cargo_with(dir, target, args, &[]).stdout
}

/// Every source file rustc read for the builds in `target` (from the dep-info files), as
/// canonical paths; relative entries are relative to `workspace`, the root cargo built from.
pub fn compiled_sources(target: &Utf8Path, workspace: &Utf8Path) -> BTreeSet<PathBuf> {
    let mut sources = BTreeSet::new();
    for entry in walkdir::WalkDir::new(target.join("debug")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "d") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let Some((_, deps)) = text.lines().next().and_then(|l| l.split_once(": ")) else {
            continue;
        };
        for dep in deps.split_whitespace() {
            let path = workspace.as_std_path().join(dep);
            sources.insert(path.canonicalize().unwrap_or(path));
        }
    }
    sources
}

/// `cargo check --offline` of the workspace at `dir` (all targets unless told otherwise), with
/// a target directory of its own; the sources rustc read.
pub fn check_for_real(dir: &Utf8Path, extra: &[&str]) -> BTreeSet<PathBuf> {
    let target = dir.join("target");
    let mut args = vec!["check", "--offline", "--quiet"];
    args.extend_from_slice(extra);
    cargo(dir, &target, &args);
    compiled_sources(&target, dir)
}

/// Everything the build scripts under `target` printed (their `output` files).
pub fn build_script_output(target: &Utf8Path) -> String {
    walkdir::WalkDir::new(target.join("debug/build"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.ends_with("output"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

pub fn canonical(path: &Utf8Path) -> PathBuf {
    path.as_std_path().canonicalize().unwrap()
}

/// The manifest path of every package named `name` that `cargo metadata`, run in `dir`,
/// resolves (cargo reads `.cargo/config.toml` from `dir` upwards).
pub fn resolved_manifests(dir: &Utf8Path, target: &Utf8Path, name: &str) -> BTreeSet<PathBuf> {
    let stdout = cargo(
        dir,
        target,
        &["metadata", "--format-version", "1", "--offline"],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == name)
        .map(|p| {
            let path = PathBuf::from(p["manifest_path"].as_str().unwrap());
            path.canonicalize().unwrap_or(path)
        })
        .collect()
}

/// Every file of the workspace at `root` among `files` (build output aside) lies in `dir`.
pub fn all_inside(files: &BTreeSet<PathBuf>, root: &Utf8Path, dir: &Path) -> bool {
    files
        .iter()
        .filter(|f| f.starts_with(root) && !f.components().any(|c| c.as_os_str() == "target"))
        .all(|f| f.starts_with(dir))
}

/// One violation as the JSON report gives it: (rule, file, line, message).
pub type Row = (String, String, u64, String);

/// What `cargo clientwall check --format json` (the real binary) gave.
pub struct Checked {
    pub code: Option<i32>,
    pub doc: serde_json::Value,
    pub stdout: String,
    pub stderr: String,
}

impl Checked {
    /// Every violation as (rule, file, line, message), in report order.
    pub fn rows(&self) -> Vec<Row> {
        self.doc["violations"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|v| {
                        (
                            v["rule"].as_str().unwrap().to_owned(),
                            v["file"].as_str().unwrap_or_default().to_owned(),
                            v["line"].as_u64().unwrap_or_default(),
                            v["message"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Run `cargo clientwall check --format json` in `root` (killed, and the test failed, after
/// two minutes: a check always finishes).
pub fn check_json(root: &Utf8Path) -> Checked {
    let run = super::run_cli(
        root,
        &["clientwall", "check", "--format", "json"],
        Duration::from_secs(120),
    );
    Checked {
        code: run.code,
        doc: serde_json::from_str(&run.stdout).unwrap_or_default(),
        stdout: run.stdout,
        stderr: run.stderr,
    }
}

/// `rows` as owned [`Row`]s.
pub fn rows(expected: &[(&str, &str, u64, &str)]) -> Vec<Row> {
    expected
        .iter()
        .map(|(rule, file, line, message)| {
            (
                rule.to_string(),
                file.to_string(),
                *line,
                message.to_string(),
            )
        })
        .collect()
}
