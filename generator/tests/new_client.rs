//! `new-client` end to end: in/out cases (a starting workspace, the command, the expected tree
//! and root manifest), refusals, injected failures and kills, concurrent runs, and equality
//! with stock `cargo generate`.

use crate::support;
use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeMap;
use support::copy_dir;

fn cases_dir() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// A copy of `tests/cases/<case>/in` in a temporary directory.
fn workspace(case: &str) -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    copy_dir(&cases_dir().join(case).join("in"), &root);
    (dir, root)
}

/// Every file below `root` with its contents (a lock file left behind included), for before/after checks.
fn snapshot_tree(root: &Utf8Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn new_client(root: &Utf8Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("new-client")
        .unwrap()
        .args(args)
        .arg("--workspace")
        .arg(root.as_str())
        .output()
        .unwrap()
}

fn run_case(case: &str) -> String {
    let (_dir, root) = workspace(case);
    let args_text = std::fs::read_to_string(cases_dir().join(case).join("args")).unwrap();
    let mut args: Vec<&str> = args_text.split_whitespace().collect();
    if !args.contains(&"--dry-run") {
        args.push("--no-check");
    }
    let before = snapshot_tree(&root);
    let output = new_client(&root, &args);
    let after = snapshot_tree(&root);
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k).is_some_and(|b| *b != after[*k]))
        .collect();
    format!(
        "$ new-client {}\nexit: {}\n--- stdout\n{}--- stderr\n{}--- files added\n{}\n--- files changed\n{}\n--- Cargo.toml\n{}",
        args.join(" "),
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).replace(root.as_str(), "[WORKSPACE]"),
        String::from_utf8_lossy(&output.stderr).replace(root.as_str(), "[WORKSPACE]"),
        added
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        changed
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        String::from_utf8_lossy(&after["Cargo.toml"]),
    )
}

macro_rules! in_out {
    ($($test:ident => $case:literal,)*) => {$(
        #[test]
        fn $test() {
            insta::assert_snapshot!($case, run_case($case));
        }
    )*};
}

in_out! {
    members_list_gets_the_new_entry => "members-list",
    members_glob_already_covers_it => "members-glob",
    comments_and_odd_formatting_are_kept => "comments-formatting",
    sorted_list_stays_sorted => "sorted-list",
    standalone_goes_to_exclude => "standalone",
    custom_template_from_the_workspace_key => "custom-template",
    dry_run_writes_nothing => "dry-run",
}

#[test]
fn comments_case_changes_exactly_one_line() {
    let (_dir, root) = workspace("comments-formatting");
    let before = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        new_client(&root, &["globex", "--no-check"])
            .status
            .success()
    );
    let after = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let mut lines: Vec<&str> = after.lines().collect();
    let added = lines
        .iter()
        .position(|l| l.contains("clients/globex"))
        .unwrap();
    lines.remove(added);
    assert_eq!(
        lines.join("\n") + "\n",
        before,
        "everything but the one entry is byte for byte the same"
    );
}

#[test]
fn bad_names_are_refused_with_nothing_written() {
    let (_dir, root) = workspace("sorted-list");
    let long = "a".repeat(100);
    let bad: Vec<&str> = vec![
        "../x",
        "/abs",
        "Acme",
        "acme_corp",
        "std",
        "self",
        "a b",
        "acme",
        "",
        long.as_str(),
        "core",
        "test",
        "fn",
        "-acme",
        "acme-",
        "acme--corp",
        "9lives",
        "clients",
        "con",
        "acme.corp",
        "x/y",
        "..",
        "proc-macro",
        "Self",
        "ünïcode",
        "async",
    ];
    let before = snapshot_tree(&root);
    for name in &bad {
        let output = new_client(&root, &[name, "--no-check"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "`{name}` was accepted: {stderr}"
        );
        assert!(stderr.contains("error:"), "`{name}`: {stderr}");
        assert_eq!(
            snapshot_tree(&root),
            before,
            "`{name}` left something behind"
        );
    }
    // A member package elsewhere in the workspace is taken too.
    std::fs::create_dir_all(root.join("shared/report/src")).unwrap();
    std::fs::write(
        root.join("shared/report/Cargo.toml"),
        "[package]\nname = \"report\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(root.join("shared/report/src/lib.rs"), "").unwrap();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        manifest.replace("members = [", "members = [\"shared/report\", "),
    )
    .unwrap();
    let output = new_client(&root, &["report", "--no-check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("already exists"));
}

#[test]
fn bad_flag_values_are_refused() {
    let (_dir, root) = workspace("members-glob");
    for args in [
        vec!["acme", "--shop", "evil.example.com"],
        vec!["acme", "--database", "mysql"],
        vec!["acme", "--display-name", "Acme \"Corp\""],
    ] {
        let output = new_client(&root, &[args.as_slice(), &["--no-check"]].concat());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!root.join("clients/acme").exists());
    }
}

#[test]
fn injected_failure_at_every_step_leaves_the_workspace_as_it_was() {
    for step in [
        "after-staging",
        "after-manifest",
        "after-publish",
        "before-commit",
    ] {
        let (_dir, root) = workspace("sorted-list");
        let before = snapshot_tree(&root);
        let output = Command::cargo_bin("new-client")
            .unwrap()
            .env("NEW_CLIENT_FAILPOINT", step)
            .args(["globex", "--no-check", "--workspace", root.as_str()])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{step}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("injected failure"));
        assert_eq!(
            snapshot_tree(&root),
            before,
            "{step}: the workspace changed"
        );
    }
}

/// Kill the process at random points (each step is slowed down so a kill lands inside the
/// transaction), then let the next run recover: the workspace is either exactly as before or
/// has the complete new client, never anything in between.
#[test]
fn killed_at_random_points_the_next_run_recovers() {
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut outcomes = BTreeMap::new();
    for _ in 0..12 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay_ms = seed % 130;
        let (_dir, root) = workspace("sorted-list");
        let before = snapshot_tree(&root);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("new-client"))
            .env("NEW_CLIENT_STEP_DELAY_MS", "25")
            .args(["globex", "--no-check", "--workspace", root.as_str()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        generator::recover(&root).unwrap();
        let mut after = snapshot_tree(&root);
        // A SIGKILL leaves the lock file; the next run, not `recover`, removes it (see
        // all_or_nothing.rs, which runs again after each kill).
        after.remove(".new-client.lock");
        let complete = after.keys().any(|k| k.starts_with("clients/globex/"));
        if complete {
            let manifest = String::from_utf8(after["Cargo.toml"].clone()).unwrap();
            assert!(
                manifest.contains("\"clients/globex\""),
                "a client without its registration"
            );
            assert!(after.contains_key("clients/globex/Cargo.toml"));
            assert!(
                !after.keys().any(|k| k.contains(".new-client")),
                "leftovers: {:?}",
                after.keys()
            );
        } else {
            assert_eq!(
                after, before,
                "killed after {delay_ms} ms: a partial state survived recovery"
            );
        }
        *outcomes.entry(complete).or_insert(0) += 1;
    }
    assert!(
        outcomes.contains_key(&false),
        "no kill landed inside a run: {outcomes:?}"
    );
}

#[test]
fn ten_runs_at_once_all_register() {
    let names: Vec<String> = (0..10).map(|i| format!("client-{i}")).collect();
    let (_dir, root) = workspace("sorted-list");
    let handles: Vec<_> = names
        .iter()
        .map(|name| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("new-client"))
                .args([name.as_str(), "--no-check", "--workspace", root.as_str()])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for handle in handles {
        let output = handle.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let doc: toml_edit::DocumentMut = manifest.parse().expect("the root manifest still parses");
    let members: Vec<&str> = doc["workspace"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for name in &names {
        assert!(
            members.contains(&format!("clients/{name}").as_str()),
            "{name} missing: {members:?}"
        );
        assert!(root.join("clients").join(name).join("Cargo.toml").is_file());
    }
    let mut sorted = members.clone();
    sorted.sort();
    assert_eq!(members, sorted, "the sorted list stayed sorted");
}
