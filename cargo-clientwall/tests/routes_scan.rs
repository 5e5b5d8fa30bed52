//! What the scan reads and what it prints: a secret in a URL's user part and a password that
//! holds `@` are found and never shown whole, in any format; a directory git cannot open stops
//! the check rather than leave its files unscanned. Each is a violation fixture and its clean
//! twin, run through the real binary.

use crate::support;

use camino::Utf8Path;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;
use support::compiler::{check_json, rows};
use support::{Fixture, Run, commit_all, fake_shopify_token, git_ok, run_cli, write};

const SECRET: &str = "hardcoded-secret";
/// The fake password of the fixture, `@` and all; the piece after its first `@` is what a
/// redaction cutting at the first `@` would leave showing.
const PASSWORD: &str = "Fake@Pw@7f3a";
const PASSWORD_TAIL: &str = "Pw@7f3a";

/// Every report format and `--message-format json` of `check` in `root`: each run.
fn every_format(root: &Utf8Path) -> Vec<(Vec<&'static str>, Run)> {
    let mut runs = Vec::new();
    for format in ["human", "json", "sarif", "github"] {
        for color in ["never", "always"] {
            let args = vec!["check", "--format", format, "--color", color];
            runs.push((args.clone(), run_cli(root, &args, Duration::from_secs(120))));
        }
    }
    let args = vec!["check", "--message-format", "json"];
    runs.push((args.clone(), run_cli(root, &args, Duration::from_secs(120))));
    runs
}

#[test]
fn a_secret_in_a_urls_user_part_and_a_password_holding_at_signs_are_found_and_never_shown() {
    let fixture = Fixture::new("secret-urls");
    let token = fake_shopify_token();
    let deploy = std::fs::read_to_string(fixture.root.join("clients/acme/deploy.sh")).unwrap();
    assert!(deploy.contains(&format!("https://{token}:x-oauth-basic@")));
    assert!(deploy.contains(&format!("acme:{PASSWORD}@db.example.com")));

    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[
            (
                SECRET,
                "clients/acme/client.toml",
                8,
                "URL with an embedded password `postgres://acme:****@…` in client `acme`",
            ),
            (
                SECRET,
                "clients/acme/deploy.sh",
                3,
                "URL with an embedded password `https://shpat_0123… (38 characters):****@…` in client `acme`",
            ),
            (
                SECRET,
                "clients/acme/deploy.sh",
                3,
                "Shopify access token or secret `shpat_0123… (38 characters)` in client `acme`",
            ),
            (
                SECRET,
                "clients/acme/deploy.sh",
                4,
                "URL with an embedded password `postgres://acme:****@…` in client `acme`",
            ),
            (
                "shared-database",
                "clients/acme/client.toml",
                8,
                "client `acme` reads its database URL from `postgres://acme:****@db.example.com:5432/acme`, which is not its own variable",
            ),
        ])
    );

    let runs = every_format(&fixture.root);
    assert_eq!(runs.len(), 9);
    for (args, run) in runs {
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
        assert!(!run.stdout.is_empty(), "{args:?} reports");
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            for secret in [token.as_str(), PASSWORD, PASSWORD_TAIL] {
                assert!(
                    !text.contains(secret),
                    "{args:?}: {stream} shows `{secret}`:\n{text}"
                );
            }
        }
    }
}

#[test]
fn placeholders_and_at_signs_that_are_no_password_are_clean() {
    let fixture = Fixture::new("secret-urls-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));
    assert_eq!(checked.doc["summary"]["by_rule"][SECRET], 0);
}

// ---------------------------------------------------------------------------------------------
// A directory git cannot open.

/// `secret-urls-clean` in git, with an untracked directory in acme holding a secret.
fn with_private_directory() -> Fixture {
    let fixture = Fixture::new("secret-urls-clean");
    git_ok(&fixture.root, &["init", "-q"]);
    commit_all(&fixture.root, "acme");
    write(
        &fixture.root,
        "clients/acme/private/notes.txt",
        format!("SHOPIFY_TOKEN={}\n", fake_shopify_token()),
    );
    fixture
}

/// `cargo clientwall check --format json` in `root` without the capabilities that let root
/// read any directory, so a directory's permissions hold for the check and the git it runs.
fn check_without_override(root: &Utf8Path) -> (Option<i32>, String, String) {
    // Only root has the capabilities to drop; another user is held by the permissions already
    // (and may not change its bounding set).
    let is_root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let uids = status.lines().find(|l| l.starts_with("Uid:"))?.to_owned();
            Some(uids.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    let mut command = if is_root {
        let mut setpriv = std::process::Command::new("setpriv");
        setpriv
            .args([
                "--inh-caps=-dac_override,-dac_read_search",
                "--bounding-set=-dac_override,-dac_read_search",
                "--",
            ])
            .arg(assert_cmd::cargo::cargo_bin("cargo-clientwall"));
        setpriv
    } else {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("cargo-clientwall"))
    };
    let output = command
        .args(["check", "--format", "json"])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("setpriv (util-linux) runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn set_mode(path: &Utf8Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_directory_git_cannot_open_stops_the_check() {
    let fixture = with_private_directory();
    let private = fixture.root.join("clients/acme/private");
    set_mode(&private, 0o000);
    let (code, stdout, stderr) = check_without_override(&fixture.root);
    set_mode(&private, 0o755);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stdout.trim().is_empty(), "no report: {stdout}");
    assert!(
        stderr.contains("could not read every directory")
            && stderr.contains("could not open directory 'clients/acme/private/'"),
        "{stderr}"
    );
    assert!(!stderr.contains(&fake_shopify_token()), "{stderr}");
}

/// The twin: the same directory readable, and the secret in it is found.
#[test]
fn a_directory_git_can_open_is_scanned() {
    let fixture = with_private_directory();
    set_mode(&fixture.root.join("clients/acme/private"), 0o700);
    let (code, stdout, stderr) = check_without_override(&fixture.root);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let found: Vec<(&str, &str)> = doc["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["rule"].as_str().unwrap(), v["file"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [(SECRET, "clients/acme/private/notes.txt")]);
}

// ---------------------------------------------------------------------------------------------
// Rust sources are read whatever their size: cargo compiles them all.

/// A Rust source or any other text file past 8 MiB is still read: the reference in each is
/// found, and so is a secret written after the first 9 MiB of a text file.
#[test]
fn a_rust_source_or_text_file_larger_than_8_mib_is_read() {
    let fixture = Fixture::new("budget-clean");
    let mut text =
        String::from("pub const X: &str = include_str!(\"../../globex/src/lib.rs\");\n// ");
    text.push_str(&"a".repeat(9 * 1024 * 1024));
    text.push('\n');
    write(&fixture.root, "clients/acme/src/big.rs", &text);
    text.push_str(&format!("token = \"{}\"\n", fake_shopify_token()));
    write(&fixture.root, "clients/acme/big.txt", &text);
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    let xref = "client `acme` pulls in client `globex`'s file `clients/globex/src/lib.rs` through `include_str!`";
    assert_eq!(
        checked.rows(),
        rows(&[
            (
                "cross-client-file-reference",
                "clients/acme/big.txt",
                1,
                xref
            ),
            (
                "cross-client-file-reference",
                "clients/acme/src/big.rs",
                1,
                xref
            ),
            (
                SECRET,
                "clients/acme/big.txt",
                3,
                "Shopify access token or secret `shpat_0123… (38 characters)` in client `acme`",
            ),
        ])
    );
    assert!(!checked.stdout.contains(&fake_shopify_token()));
}

/// A text file past what the scan reads at all (64 MiB) stops the check, naming the file: a
/// secret in it would pass unread. A binary one (a NUL byte in its first 8000 bytes, as git
/// tells) is skipped with a note.
#[test]
fn a_text_file_past_what_the_scan_reads_stops_the_check_and_a_binary_one_is_skipped() {
    let fixture = Fixture::new("budget-clean");
    // Sparse: 8000 bytes of text, then zeros no disk holds.
    let text = fixture.root.join("clients/acme/dump.sql");
    std::fs::write(&text, "-".repeat(8000)).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&text).unwrap();
    file.set_len(65 * 1024 * 1024).unwrap();
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(2), "{}", checked.stderr);
    assert!(
        checked.stderr.contains("clients/acme/dump.sql")
            && checked
                .stderr
                .contains("larger than the 67108864 bytes the scan reads of a file"),
        "{}",
        checked.stderr
    );

    std::fs::remove_file(&text).unwrap();
    let binary = std::fs::File::create(fixture.root.join("clients/acme/video.bin")).unwrap();
    binary.set_len(65 * 1024 * 1024).unwrap();
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    let notes = checked.doc["notes"].to_string();
    assert!(
        notes.contains("skipped clients/acme/video.bin: binary file"),
        "{notes}"
    );
}

/// A Rust source past what the scan reads at all (64 MiB) stops the check, naming the file.
#[test]
fn a_rust_source_past_what_the_scan_reads_stops_the_check() {
    let fixture = Fixture::new("budget-clean");
    let path = fixture.root.join("clients/acme/src/huge.rs");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(65 * 1024 * 1024).unwrap();
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(2), "{}", checked.stderr);
    assert!(
        checked.stderr.contains("clients/acme/src/huge.rs")
            && checked
                .stderr
                .contains("larger than the 67108864 bytes the scan reads of a file cargo compiles"),
        "{}",
        checked.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// TOML strings are read as a TOML parser reads them.

/// A token a TOML string spells with a line-ending backslash or a `\u` escape is the token
/// whatever reads the file gets: found at its string, and never shown whole.
#[test]
fn a_secret_a_toml_string_spells_with_escapes_is_found_and_never_shown() {
    let fixture = Fixture::new("budget-clean");
    let token = fake_shopify_token();
    let (head, tail) = token.split_at(20);
    write(
        &fixture.root,
        "clients/acme/settings.toml",
        format!("[shop]\ntoken = \"\"\"{head}\\\n    {tail}\"\"\"\n"),
    );
    write(
        &fixture.root,
        "clients/acme/deploy.toml",
        format!("token = \"\\u0073{}\"\n", &token[1..]),
    );
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    let message = "Shopify access token or secret `shpat_0123… (38 characters)` in client `acme`";
    assert_eq!(
        checked.rows(),
        rows(&[
            (SECRET, "clients/acme/deploy.toml", 1, message),
            (SECRET, "clients/acme/settings.toml", 2, message),
        ])
    );
    for (args, run) in every_format(&fixture.root) {
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
        assert!(!run.stdout.contains(&token) && !run.stderr.contains(&token));
    }
}

/// Escapes and line-ending backslashes that spell no secret, and a token's prefix alone, are
/// clean.
#[test]
fn toml_strings_with_escapes_that_spell_no_secret_are_clean() {
    let fixture = Fixture::new("budget-clean");
    write(
        &fixture.root,
        "clients/acme/settings.toml",
        "[shop]\nnote = \"\"\"shpat_ tokens are read from \\\n    ACME_SHOPIFY_TOKEN\"\"\"\npath = \"C:\\\\acme\\\\data\"\nquote = \"\\u0022read_orders\\u0022\"\n",
    );
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));
}
