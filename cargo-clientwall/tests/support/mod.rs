//! Shared test helpers: fixture workspaces copied to a temporary directory (so `cargo metadata`
//! can write its lock file without touching the repository) and checked for real.
#![allow(dead_code)]

pub mod compiler;
pub mod overlay;
pub mod postgres;

use camino::{Utf8Path, Utf8PathBuf};
use clientwall::check::CheckOptions;
use clientwall::date::Date;
use clientwall::report::{self, Report};
use std::path::Path;

/// A fixture workspace in a temporary directory.
pub struct Fixture {
    _dir: tempfile::TempDir,
    pub root: Utf8PathBuf,
}

/// The repository's own directory holding `lint/`.
pub fn repo_root() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

impl Fixture {
    /// Build `cargo-clientwall/tests/fixtures/<name>`: a copy of the folder, or of the fixture its
    /// `OVERLAY` names with the folder's differences applied (`overlay.rs`).
    pub fn new(name: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
        let fixtures = repo_root().join("cargo-clientwall/tests/fixtures");
        overlay::build(fixtures.as_std_path(), name, root.as_std_path(), &copy_tree);
        Fixture { _dir: dir, root }
    }

    /// Copy `examples/<name>`.
    pub fn example(name: &str) -> Fixture {
        Fixture::from_dir(&repo_root().join("examples").join(name))
    }

    fn from_dir(source: &Utf8Path) -> Fixture {
        assert!(source.is_dir(), "no fixture at {source}");
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
        copy_tree(source.as_std_path(), root.as_std_path());
        Fixture { _dir: dir, root }
    }

    pub fn manifest(&self) -> Utf8PathBuf {
        self.root.join("Cargo.toml")
    }

    /// Check the workspace whose root manifest is at `relative` inside the fixture.
    pub fn check_at(&self, relative: &str) -> Result<Report, clientwall::Error> {
        clientwall::run(&CheckOptions {
            manifest_path: Some(self.root.join(relative)),
            clients: Vec::new(),
            shard: None,
            today: Date::parse("2026-11-26").unwrap(),
            files: Default::default(),
            history: None,
            templates: None,
            require_clients: true,
        })
    }

    /// Check with `--history` (`since`: `--since REV`).
    pub fn check_history(&self, since: Option<&str>) -> Result<Report, clientwall::Error> {
        clientwall::run(&CheckOptions {
            manifest_path: Some(self.manifest()),
            today: Date::parse("2026-11-26").unwrap(),
            history: Some(match since {
                Some(rev) => clientwall::history::Range::Since(rev.to_owned()),
                None => clientwall::history::Range::All,
            }),
            ..CheckOptions::default()
        })
    }

    pub fn check(&self) -> Result<Report, clientwall::Error> {
        self.check_at("Cargo.toml")
    }

    /// Check and expect success; panics with the error otherwise.
    pub fn report(&self) -> Report {
        self.check()
            .unwrap_or_else(|e| panic!("check failed: {e:#}"))
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let relative = entry.path().strip_prefix(from).unwrap();
        let target = to.join(relative);
        let file_type = entry.file_type();
        if file_type.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else if file_type.is_symlink() {
            let link = std::fs::read_link(entry.path()).unwrap();
            // An overlay's link replaces its base's file or link.
            let _ = std::fs::remove_file(&target);
            std::os::unix::fs::symlink(link, &target).unwrap();
        } else if relative.file_name().is_none_or(|n| n != "Cargo.lock") {
            let bytes = std::fs::read(entry.path()).unwrap();
            if target.is_symlink() {
                // An overlay's file replaces its base's link (never written through it).
                std::fs::remove_file(&target).unwrap();
            }
            std::fs::write(&target, fill_placeholders(bytes)).unwrap();
        }
    }
}

/// Copy the tree `from` to `to` (created), every file keeping its modification time.
///
/// For the generated clients the end-to-end tests build with real cargo in a shared target
/// directory: cargo decides a crate is fresh by comparing its source files' modification times
/// with its last build's, not by their paths, so a verbatim copy that keeps them (like
/// `cp --preserve=timestamps`) reuses the build of the same sources wherever they were copied to,
/// while a file written since (an edit, an upgrade) is newer and rebuilds the crate. Only sound
/// where every build of these crates in that target directory is of the same sources.
pub fn copy_tree_keeping_mtimes(from: &Utf8Path, to: &Utf8Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap().to_str().unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            let modified = entry.metadata().unwrap().modified().unwrap();
            std::fs::File::options()
                .write(true)
                .open(&target)
                .unwrap()
                .set_modified(modified)
                .unwrap();
        }
    }
}

/// Every file under `tree` byte for byte the same as its counterpart under `original` takes that
/// file's modification time; the others keep theirs. A generated client the same as the
/// example's is then, to cargo, the example's sources wherever it lies (see
/// [`copy_tree_keeping_mtimes`]), and a file that differs still rebuilds it.
pub fn same_files_take_original_mtimes(tree: &Utf8Path, original: &Utf8Path) {
    for entry in walkdir::WalkDir::new(tree) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(tree).unwrap();
        let counterpart = original.as_std_path().join(relative);
        let (Ok(ours), Ok(theirs)) = (std::fs::read(entry.path()), std::fs::read(&counterpart))
        else {
            continue;
        };
        if ours == theirs {
            let modified = std::fs::metadata(&counterpart).unwrap().modified().unwrap();
            std::fs::File::options()
                .write(true)
                .open(entry.path())
                .unwrap()
                .set_modified(modified)
                .unwrap();
        }
    }
}

/// A fake Shopify token, assembled here so no file in the repository holds one.
pub fn fake_shopify_token() -> String {
    format!("shp{}_{}", "at", "0123456789abcdef".repeat(2))
}

/// A fake Supabase secret key, assembled the same way.
pub fn fake_supabase_key() -> String {
    format!("sb_{}_{}", "secret", "AbCdEfGhIjKlMnOpQrStUv")
}

/// Fixture files hold `@SHOPIFY_TOKEN@` and `@SUPABASE_KEY@` where a test needs a secret.
fn fill_placeholders(bytes: Vec<u8>) -> Vec<u8> {
    let mut out = bytes;
    for (placeholder, value) in [
        ("@SHOPIFY_TOKEN@", fake_shopify_token()),
        ("@SUPABASE_KEY@", fake_supabase_key()),
    ] {
        let needle = placeholder.as_bytes();
        let mut replaced = Vec::with_capacity(out.len());
        let mut rest = &out[..];
        while let Some(i) = rest.windows(needle.len()).position(|w| w == needle) {
            replaced.extend_from_slice(&rest[..i]);
            replaced.extend_from_slice(value.as_bytes());
            rest = &rest[i + needle.len()..];
        }
        replaced.extend_from_slice(rest);
        out = replaced;
    }
    out
}

/// `(rule, path)` of every violation, e.g. `("client-depends-on-client", "acme -> globex (dev)")`.
pub fn findings(report: &Report) -> Vec<(String, String)> {
    report
        .violations
        .iter()
        .map(|v| {
            (
                v.rule.code.to_string(),
                clientwall::rules::format_path(&v.path),
            )
        })
        .collect()
}

/// `(file relative to the root, line)` of every violation.
pub fn locations(report: &Report) -> Vec<(String, usize)> {
    report
        .violations
        .iter()
        .map(|v| (v.location.relative_file(&report.root), v.location.line))
        .collect()
}

/// Run git in `dir` as a throwaway identity, with `extra_path` (if any) first on PATH.
pub fn git_with_path(
    dir: &Utf8Path,
    args: &[&str],
    extra_path: Option<&Utf8Path>,
) -> std::process::Output {
    let mut command = std::process::Command::new("git");
    command
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir);
    if let Some(extra) = extra_path {
        command.env(
            "PATH",
            format!("{extra}:{}", std::env::var("PATH").unwrap_or_default()),
        );
    }
    command.output().unwrap()
}

pub fn json(report: &Report) -> serde_json::Value {
    serde_json::from_str(&report::json::render(report)).unwrap()
}

/// Write `contents` to `root/relative`, creating directories.
pub fn write(root: &Utf8Path, relative: &str, contents: impl AsRef<[u8]>) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// Run git in `dir` and expect success; returns stdout, trimmed.
pub fn git_ok(dir: &Utf8Path, args: &[&str]) -> String {
    let output = git_with_path(dir, args, None);
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Stage everything and commit; returns the new commit's id.
pub fn commit_all(dir: &Utf8Path, message: &str) -> String {
    git_ok(dir, &["add", "-A"]);
    git_ok(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    git_ok(dir, &["rev-parse", "HEAD"])
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run `cargo-clientwall ARGS` in `dir`, killed (and the test failed) if it takes longer than
/// `limit`: a check must always finish. The caller's own target-directory setting is not passed
/// on: the fixtures state where cargo builds.
pub fn run_cli(dir: &Utf8Path, args: &[&str], limit: std::time::Duration) -> Run {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("cargo-clientwall"));
    command
        .args(args)
        .current_dir(dir)
        .env("CARGO_NET_RETRY", "0")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    run_bounded(command, &format!("cargo-clientwall {args:?}"), limit)
}

/// Run `command` with no input, killed (and the test failed) if it takes longer than `limit`.
pub fn run_bounded(
    mut command: std::process::Command,
    what: &str,
    limit: std::time::Duration,
) -> Run {
    use std::io::Read;
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let stdout = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let stderr = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
    }
}

/// A finished command's exit code, stdout and stderr.
pub fn outcome(output: std::process::Output) -> (i32, String, String) {
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// A cargo started by a test builds as `scripts/test.sh` does in the same target directory.
pub trait WithoutCargoTestEnv {
    /// Drop what cargo puts in a test's environment (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, ...):
    /// build scripts such as ring's list them in `rerun-if-env-changed`, so a cargo started with
    /// them rebuilds what one started without them built (and the other way round).
    fn without_cargo_test_env(&mut self) -> &mut Self;
}

impl WithoutCargoTestEnv for std::process::Command {
    fn without_cargo_test_env(&mut self) -> &mut Self {
        for (key, _) in std::env::vars_os() {
            let Some(name) = key.to_str() else { continue };
            if name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_BIN_EXE_")
                || matches!(
                    name,
                    "CARGO_MANIFEST_DIR"
                        | "CARGO_MANIFEST_PATH"
                        | "CARGO_MANIFEST_LINKS"
                        | "CARGO_CRATE_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                        | "CARGO_TARGET_TMPDIR"
                )
            {
                self.env_remove(&key);
            }
        }
        self
    }
}
