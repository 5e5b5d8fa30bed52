//! `cargo clientwall init`: an empty directory becomes a consultancy workspace; an existing one
//! is completed with its comments kept; a second run and `--dry-run` change nothing.

use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeMap;

fn init(dir: &Utf8Path, args: &[&str]) -> (i32, String) {
    let output = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .args(["clientwall", "init", dir.as_str()])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

fn tree(root: &Utf8Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

fn temp() -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    (dir, root)
}

#[test]
fn an_empty_directory_becomes_a_workspace_and_a_second_run_changes_nothing() {
    let (_dir, root) = temp();
    let (code, out) = init(&root, &["--dry-run"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("would create"), "{out}");
    assert!(tree(&root).is_empty(), "--dry-run wrote something");

    let (code, out) = init(&root, &[]);
    assert_eq!(code, 0, "{out}");
    let files = tree(&root);
    assert_eq!(
        files.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            ".github/workflows/clientwall.yml",
            ".gitignore",
            ".pre-commit-config.yaml",
            "Cargo.toml"
        ]
    );
    assert_eq!(files["Cargo.toml"], generator::init::NEW_MANIFEST);
    for line in [
        ".new-client.lock",
        ".offboard.journal",
        "/target/",
        ".env",
        "*.sqlite3",
    ] {
        assert!(files[".gitignore"].lines().any(|l| l == line), "{line}");
    }
    let (code, out) = init(&root, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("create") && !out.contains("update"), "{out}");
    assert_eq!(tree(&root), files, "a second run changed something");
}

#[test]
fn an_existing_workspace_is_completed_with_its_comments_kept() {
    let (_dir, root) = temp();
    let manifest = "# our workspace\n[workspace] # keep me\nresolver = \"2\"\nmembers = [\"crates/*\"] # ours\n";
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(root.join(".gitignore"), "/target/\nnotes.txt").unwrap();
    let (code, out) = init(&root, &[]);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(text.starts_with(manifest), "{text}");
    assert!(text.contains("[workspace.metadata.clientwall]"), "{text}");
    assert_eq!(
        text.matches("members").count(),
        1,
        "members kept as they were: {text}"
    );
    let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(
        gitignore.starts_with("/target/\nnotes.txt\n"),
        "{gitignore}"
    );
    assert_eq!(gitignore.matches("/target/").count(), 1, "{gitignore}");
    assert!(gitignore.contains(".new-client.lock"));
}

#[test]
fn an_unparsable_manifest_is_an_error_and_nothing_is_written() {
    let (_dir, root) = temp();
    std::fs::write(root.join("Cargo.toml"), "[workspace\n").unwrap();
    let (code, out) = init(&root, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("Cargo.toml"), "{out}");
    assert_eq!(
        tree(&root).len(),
        1,
        "something was written: {:?}",
        tree(&root).keys()
    );
}
