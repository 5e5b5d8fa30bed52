//! A property test over generated client trees: special files (FIFOs, sockets, symlinks to
//! devices, loops), binary files, long lines, odd names (not UTF-8, newlines, leading dashes),
//! deep directories, broken manifests, in git or not, with or without `--history`. Whatever
//! the tree, the check exits 0, 1 or 2 within a time bound and never panics.

use crate::support;

use proptest::prelude::*;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{Fixture, fake_shopify_token, git_with_path};

#[derive(Debug, Clone)]
enum Content {
    /// Text assembled from pieces that exercise the scanner.
    Text(Vec<&'static str>),
    Binary(Vec<u8>),
    /// One line of this many bytes.
    LongLine(usize),
    Fifo,
    Socket,
    Symlink(&'static str),
}

#[derive(Debug, Clone)]
struct Entry {
    area: &'static str,
    dirs: Vec<Vec<u8>>,
    name: Vec<u8>,
    content: Content,
}

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            "src",
            "target",
            "a b",
            "é",
            "-dash",
            "two\nlines",
            ".env",
            ".env.local",
            "x.env",
            "Cargo.toml",
            "client.toml",
            "build.rs",
            "lib.rs",
            "m.rs",
            "data.csv",
            "Cargo.lock",
            ".gitignore",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        Just(b"bad-\xff\xfe".to_vec()),
        "[a-z]{1,6}".prop_map(String::into_bytes),
    ]
}

fn text_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "shpat_",
        "0123456789abcdef",
        "include_str!(\"../../globex/data.csv\")",
        "include!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../clients/acme/lib.rs\"))",
        "#[path = \"../../../clients/globex/src/lib.rs\"] mod m;",
        "std::fs::read(\"../globex/x\")",
        "postgres://app:pw@db/x",
        "redis://:pw@cache/0",
        "X-Shopify-Access-Token: ",
        "\"X-Shopify-Access-Token\": \"",
        "[package]\nname = \"x\"\n",
        "[shopify]\nscopes = [\"write_orders\"]\n",
        "[database]\nurl_env = \"",
        "clientwall:allow(hardcoded-secret): test\n",
        "\"",
        "\n",
        "é",
        "\\",
        "/*",
        "//",
        "=",
        "[",
    ])
}

fn content() -> impl Strategy<Value = Content> {
    prop_oneof![
        4 => prop::collection::vec(text_piece(), 0..40).prop_map(Content::Text),
        1 => prop::collection::vec(any::<u8>(), 0..300).prop_map(Content::Binary),
        1 => (1usize..2_000_000).prop_map(Content::LongLine),
        1 => Just(Content::Fifo),
        1 => Just(Content::Socket),
        1 => prop::sample::select(vec![
            "/dev/zero",
            "/dev/tty",
            "loop",
            "../../globex/data.csv",
            "../../../outside",
            ".",
        ])
        .prop_map(Content::Symlink),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        prop::sample::select(vec!["clients/acme", "clients/globex", "shared/kit", ""]),
        prop::collection::vec(name(), 0..4),
        name(),
        content(),
    )
        .prop_map(|(area, dirs, name, content)| Entry {
            area,
            dirs,
            name,
            content,
        })
}

fn path_of(root: &Path, entry: &Entry) -> PathBuf {
    let mut path = root.join(entry.area);
    for dir in &entry.dirs {
        path.push(OsString::from_vec(dir.clone()));
    }
    path.push(OsString::from_vec(entry.name.clone()));
    path
}

/// Create what it can of `entry` (a name may already be a directory, and so on).
fn create(root: &Path, entry: &Entry) {
    let path = path_of(root, entry);
    if path.symlink_metadata().is_ok() {
        return;
    }
    if let Some(parent) = path.parent()
        && std::fs::create_dir_all(parent).is_err()
    {
        return;
    }
    let _ = match &entry.content {
        Content::Text(pieces) => {
            let text = pieces
                .concat()
                .replace("shpat_0123456789abcdef", &fake_shopify_token());
            std::fs::write(&path, text)
        }
        Content::Binary(bytes) => std::fs::write(&path, bytes),
        Content::LongLine(len) => std::fs::write(&path, "a".repeat(*len)),
        Content::Fifo => std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .map(drop),
        Content::Socket => std::os::unix::net::UnixListener::bind(&path).map(drop),
        Content::Symlink("loop") => std::os::unix::fs::symlink(path.file_name().unwrap(), &path),
        Content::Symlink(target) => std::os::unix::fs::symlink(target, &path),
    };
}

proptest! {
    // 24 trees by default; `TREE_FUZZ_CASES=500` for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("TREE_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(24),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_tree_gives_an_exit_code_in_time_and_never_a_panic(
        entries in prop::collection::vec(entry(), 0..25),
        depth in 0usize..120,
        in_git in any::<bool>(),
        history in any::<bool>(),
        json in any::<bool>(),
    ) {
        let fixture = Fixture::new("shared-include");
        let root = fixture.root.as_std_path();
        let special = |e: &&Entry| matches!(e.content, Content::Fifo | Content::Socket);
        for entry in entries.iter().filter(|e| !special(e)) {
            create(root, entry);
        }
        let deep: PathBuf = (0..depth).map(|i| format!("d{i}")).collect();
        let _ = std::fs::create_dir_all(root.join("clients/acme").join(&deep));
        let _ = std::fs::write(root.join("clients/acme").join(&deep).join("leaf.txt"), fake_shopify_token());
        if in_git {
            // git may refuse some of these files; what it takes is what it tracks.
            let _ = git_with_path(&fixture.root, &["init", "-q"], None);
            let _ = git_with_path(&fixture.root, &["add", "-A"], None);
            let _ = git_with_path(&fixture.root, &["commit", "-q", "-m", "fuzz"], None);
        }
        // After git has taken what it takes: `git add` itself blocks on a FIFO `.gitignore`.
        for entry in entries.iter().filter(special) {
            create(root, entry);
        }
        let mut args = vec!["check", "--color", "never"];
        if json {
            args.extend(["--format", "json"]);
        }
        if history {
            args.push("--history");
        }
        let run = support::run_cli(&fixture.root, &args, Duration::from_secs(120));
        prop_assert!(
            matches!(run.code, Some(0..=2)),
            "exit {:?}\n{}\n{}", run.code, run.stdout, run.stderr
        );
        prop_assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        if json && run.code != Some(2) {
            prop_assert!(serde_json::from_str::<serde_json::Value>(&run.stdout).is_ok(), "{}", run.stdout);
        }
        prop_assert!(!run.stdout.contains(&fake_shopify_token()));
        prop_assert!(!run.stderr.contains(&fake_shopify_token()));
    }
}
