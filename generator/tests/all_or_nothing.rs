//! All or nothing, for real: `new-client` killed with SIGKILL at spread points of a whole run
//! (the post-generation check on), rolled-back and refused runs measured with `git status`, and
//! names cargo could not build refused before anything is written.

use crate::support;
use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeMap;
use std::time::Instant;
use support::copy_dir;

fn example() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/consultancy")
}

/// The example consultancy with its first client, `acme`, and its `Cargo.lock` (which also
/// locks `globex`'s dependencies, so the post-generation check needs no network).
fn consultancy_with_acme() -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(example().join(file), root.join(file)).unwrap();
    }
    copy_dir(&example().join("clients/acme"), &root.join("clients/acme"));
    (dir, root)
}

fn snapshot_tree(root: &Utf8Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| !e.path().components().any(|c| c.as_os_str() == ".git"))
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let contents = if e.file_type().is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                b"<dir>".to_vec()
            };
            (rel, contents)
        })
        .collect()
}

fn new_client_command(root: &Utf8Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("new-client"));
    command
        .args(args)
        .arg("--workspace")
        .arg(root.as_str())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}

fn cargo_metadata_succeeds(root: &Utf8Path) -> Result<(), String> {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(root.join("Cargo.toml").as_str())
        .output()
        .unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// 30 SIGKILLs spread over a whole run with the post-generation check on. After each kill, one
/// more run: it repairs first, under the lock, and then either finds the client complete
/// (refusing the taken name) or generates it. Either way the workspace ends with the client
/// complete, nothing of the killed run left over, and cargo able to load it.
#[test]
fn thirty_kills_spread_over_a_run_then_one_more_run_repairs() {
    const KILLS: u32 = 30;
    let args = [
        "globex",
        "--database",
        "postgres",
        "--display-name",
        "Globex Home",
    ];
    // One undisturbed run: the complete result, and how long a run takes here.
    let (_reference_dir, reference) = consultancy_with_acme();
    let before = snapshot_tree(&reference);
    let started = Instant::now();
    let output = new_client_command(&reference, &args).output().unwrap();
    let run_time = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let complete = snapshot_tree(&reference);

    let mut rolled_back = 0;
    let mut finished = 0;
    for i in 0..KILLS {
        let (_dir, root) = consultancy_with_acme();
        let delay = run_time.mul_f64((f64::from(i) + 0.5) / f64::from(KILLS));
        let mut child = new_client_command(&root, &args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            finished += 1;
        }

        // The next run repairs before it reads anything.
        let next = new_client_command(&root, &args).output().unwrap();
        let stderr = String::from_utf8_lossy(&next.stderr);
        match next.status.code() {
            Some(0) => rolled_back += 1,
            Some(2) if stderr.contains("already exists") => {}
            other => panic!("kill {i} after {delay:?}: the next run exited {other:?}: {stderr}"),
        }
        let after = snapshot_tree(&root);
        let leftovers: Vec<&String> = after.keys().filter(|k| k.contains(".new-client")).collect();
        assert!(
            leftovers.is_empty(),
            "kill {i} after {delay:?}: {leftovers:?}"
        );
        assert_eq!(
            after.keys().collect::<Vec<_>>(),
            complete.keys().collect::<Vec<_>>(),
            "kill {i} after {delay:?}: not the complete client"
        );
        for (path, contents) in &after {
            if path != "Cargo.lock" {
                assert_eq!(
                    contents, &complete[path],
                    "kill {i} after {delay:?}: {path}"
                );
            }
        }
        cargo_metadata_succeeds(&root)
            .unwrap_or_else(|e| panic!("kill {i} after {delay:?}: cargo metadata failed: {e}"));
    }
    assert_ne!(before, complete);
    assert!(
        rolled_back >= 5,
        "only {rolled_back} of {KILLS} kills landed inside a run ({finished} runs finished first)"
    );
}

fn git(root: &Utf8Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn git_status(root: &Utf8Path) -> String {
    git(
        root,
        &[
            "status",
            "--porcelain=v1",
            "--untracked-files=all",
            "--ignored",
        ],
    )
}

/// A workspace in git with one shared crate, no `clients/` directory yet, and a `Cargo.lock`
/// that the post-generation check's `cargo metadata` would rewrite.
fn repo_without_clients() -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"shared/report\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("shared/report/src")).unwrap();
    std::fs::write(
        root.join("shared/report/Cargo.toml"),
        "[package]\nname = \"report\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(root.join("shared/report/src/lib.rs"), "").unwrap();
    // The lock of the example consultancy: it also locks every dependency of a new client.
    std::fs::copy(example().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "start"]);
    (dir, root)
}

#[test]
fn rolled_back_and_refused_runs_leave_git_status_as_it_was() {
    let (_dir, root) = repo_without_clients();
    let status = git_status(&root);
    assert_eq!(status, "", "the repository starts clean");
    let tree = snapshot_tree(&root);
    let cases: [(&str, &[&str], Option<&str>); 5] = [
        (
            "failure after the check",
            &["initech"],
            Some("before-commit"),
        ),
        (
            "failure after publishing",
            &["initech"],
            Some("after-publish"),
        ),
        (
            "failure after the manifest",
            &["initech"],
            Some("after-manifest"),
        ),
        ("a name the client depends on", &["serde"], None),
        ("a malformed name", &["Initech"], None),
    ];
    for (what, args, failpoint) in cases {
        let mut command = new_client_command(&root, args);
        if let Some(step) = failpoint {
            command.env("NEW_CLIENT_FAILPOINT", step);
        }
        let output = command.output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{what}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(git_status(&root), status, "{what}: git status changed");
        assert_eq!(snapshot_tree(&root), tree, "{what}: the tree changed");
    }
    // The check really ran and rewrote Cargo.lock in the failing run above: a run that commits
    // changes it.
    let output = new_client_command(&root, &["initech"]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let status = git_status(&root);
    assert!(status.contains(" M Cargo.lock"), "{status}");
    assert!(!status.contains(".new-client"), "{status}");
}

#[test]
fn names_in_the_clients_own_dependency_closure_are_refused() {
    let (_dir, root) = repo_without_clients();
    let tree = snapshot_tree(&root);
    for name in [
        "serde",
        "anyhow",
        "rusqlite",
        "postgres",
        "serde-json",
        "libc",
    ] {
        let output = Command::cargo_bin("new-client")
            .unwrap()
            .args([name, "--no-check", "--workspace", root.as_str()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "`{name}` accepted: {stderr}");
        assert!(
            stderr.contains("depends on a package with this name")
                || stderr.contains("in the workspace's Cargo.lock"),
            "{name}: {stderr}"
        );
        assert_eq!(snapshot_tree(&root), tree, "{name}");
    }
}

#[test]
fn names_in_the_workspaces_cargo_lock_are_refused() {
    let (_dir, root) = repo_without_clients();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    std::fs::write(
        root.join("Cargo.lock"),
        format!(
            "{lock}\n[[package]]\nname = \"left-pad\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        ),
    )
    .unwrap();
    let output = Command::cargo_bin("new-client")
        .unwrap()
        .args(["left-pad", "--no-check", "--workspace", root.as_str()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("in the workspace's Cargo.lock"), "{stderr}");
}

/// Cargo's view, not a walk of limited depth: a member five directories down is found.
#[test]
fn a_deep_member_is_taken() {
    let (_dir, root) = repo_without_clients();
    let deep = root.join("shared/a/b/c/d/deep-report");
    std::fs::create_dir_all(deep.join("src")).unwrap();
    std::fs::write(
        deep.join("Cargo.toml"),
        "[package]\nname = \"deep-report\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(deep.join("src/lib.rs"), "").unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"shared/report\", \"shared/a/b/c/d/deep-report\"]\n",
    )
    .unwrap();
    let output = Command::cargo_bin("new-client")
        .unwrap()
        .args(["deep-report", "--no-check", "--workspace", root.as_str()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("already exists in the workspace"),
        "{stderr}"
    );
    assert!(!root.join("clients").exists());
}

/// A `members` glob covers the new directory but `exclude` removes it: refused while planning,
/// with the entry named, before anything is written (and `--dry-run` says so too).
#[test]
fn an_excluded_directory_is_refused_at_planning_time() {
    let (_dir, root) = repo_without_clients();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"shared/report\", \"clients/*\"]\nexclude = [\"clients/initech\"]\n",
    )
    .unwrap();
    git(&root, &["commit", "-q", "-am", "exclude"]);
    for extra in [&["--no-check"][..], &["--dry-run"][..]] {
        let output = Command::cargo_bin("new-client")
            .unwrap()
            .args(["initech", "--workspace", root.as_str()])
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(
            stderr
                .contains("\"clients/initech\", which keeps clients/initech out of the workspace"),
            "{stderr}"
        );
        assert_eq!(git_status(&root), "", "{extra:?}");
    }
    // As a standalone client it is welcome there.
    let output = Command::cargo_bin("new-client")
        .unwrap()
        .args([
            "initech",
            "--standalone",
            "--no-check",
            "--workspace",
            root.as_str(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The first client of a workspace whose `members = ["clients/*"]` matches nothing yet: cargo
/// cannot load the workspace before, and must load it after.
#[test]
fn the_first_client_under_a_glob_that_matches_nothing_yet() {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    std::fs::copy(example().join("Cargo.toml"), root.join("Cargo.toml")).unwrap();
    std::fs::copy(example().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    assert!(cargo_metadata_succeeds(&root).is_err());
    let output = new_client_command(&root, &["acme"]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    cargo_metadata_succeeds(&root).unwrap();
    // A second glob that still matches nothing keeps cargo from loading the workspace: refused,
    // with the glob named.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        manifest.replace(
            "members = [\"clients/*\"]",
            "members = [\"clients/*\", \"shared/*\"]",
        ),
    )
    .unwrap();
    let output = new_client_command(&root, &["initech", "--no-check"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("\"shared/*\" match no directory"),
        "{stderr}"
    );
    assert!(!root.join("clients/initech").exists());
}

/// A client listed in `members` before it is generated (`members = ["clients/acme"]`, in any
/// spelling cargo accepts): cargo cannot load the workspace before, `new-client acme` generates
/// it, adds no second entry, and cargo loads the workspace after.
#[test]
fn a_client_registered_before_it_is_generated() {
    for entry in ["clients/acme", "./clients/acme/"] {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
        let manifest = std::fs::read_to_string(example().join("Cargo.toml"))
            .unwrap()
            .replace(
                "members = [\"clients/*\"]",
                &format!("members = [\"{entry}\"]"),
            );
        std::fs::write(root.join("Cargo.toml"), &manifest).unwrap();
        std::fs::copy(example().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
        assert!(cargo_metadata_succeeds(&root).is_err(), "{entry}");
        let output = new_client_command(&root, &["acme", "--no-check"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{entry}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(root.join("clients/acme/Cargo.toml").is_file(), "{entry}");
        assert_eq!(
            std::fs::read_to_string(root.join("Cargo.toml")).unwrap(),
            manifest,
            "{entry}: already registered, nothing added"
        );
        cargo_metadata_succeeds(&root).unwrap();
    }
}

/// Its twin: a registered directory that is not the client asked for still stops `new-client`
/// (cargo cannot load the workspace after generating either), and nothing is left.
#[test]
fn another_missing_member_is_still_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    let manifest = std::fs::read_to_string(example().join("Cargo.toml"))
        .unwrap()
        .replace(
            "members = [\"clients/*\"]",
            "members = [\"clients/*\", \"clients/gone\"]",
        );
    std::fs::write(root.join("Cargo.toml"), &manifest).unwrap();
    let output = new_client_command(&root, &["acme", "--no-check"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("clients/gone"), "{stderr}");
    assert!(!root.join("clients/acme").exists());
    assert_eq!(
        std::fs::read_to_string(root.join("Cargo.toml")).unwrap(),
        manifest
    );
}

/// Outside any workspace `new-client` points to `cargo clientwall init`.
#[test]
fn outside_a_workspace_it_points_to_init() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("new-client")
        .unwrap()
        .current_dir(dir.path())
        .args(["acme"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("cargo clientwall init"), "{stderr}");
}

/// `new-client --help` says when it asks questions.
#[test]
fn help_says_it_prompts_only_on_a_terminal() {
    let output = Command::cargo_bin("new-client")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("On a terminal"), "{help}");
    assert!(help.contains("without a terminal"), "{help}");
}
