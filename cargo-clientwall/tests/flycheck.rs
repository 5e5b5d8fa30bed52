//! `cargo clientwall flycheck`: real `cargo check` and the check on one stream, as
//! rust-analyzer's `check.overrideCommand` reads it.

use crate::support;

use assert_cmd::Command;
use camino::Utf8Path;
use cargo_metadata::Message;
use cargo_metadata::diagnostic::DiagnosticLevel;
use support::Fixture;

fn flycheck(manifest: &Utf8Path) -> (i32, String, String) {
    let output = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .args([
            "clientwall",
            "flycheck",
            "--manifest-path",
            manifest.as_str(),
        ])
        // The fixture builds in its own target dir: in a shared one, another fixture's crate of
        // the same name and layout would look up to date.
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// (code, file, level) of every compiler message, and whether the one `build-finished`, last,
/// says success.
fn diagnostics(stdout: &str) -> (Vec<(String, String, DiagnosticLevel)>, bool) {
    let lines: Vec<&str> = stdout.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let message: Message = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a cargo message ({e}): {line}"));
        match message {
            Message::CompilerMessage(m) => {
                let span = m.message.spans.iter().find(|s| s.is_primary);
                found.push((
                    m.message.code.map(|c| c.code).unwrap_or_default(),
                    span.map(|s| s.file_name.clone()).unwrap_or_default(),
                    m.message.level,
                ));
            }
            Message::BuildFinished(end) => {
                assert_eq!(i + 1, lines.len(), "build-finished is the last line only");
                return (found, end.success);
            }
            _ => {}
        }
    }
    panic!("no build-finished in {stdout}");
}

/// The workspace of the `direct` fixture (acme depends on globex) with a type error in globex.
fn breach_and_compile_error() -> Fixture {
    let fixture = Fixture::new("direct");
    std::fs::write(
        fixture.root.join("clients/globex/src/lib.rs"),
        "pub fn order_count() -> u32 {\n    \"twelve\"\n}\n",
    )
    .unwrap();
    fixture
}

#[test]
fn shows_the_compiler_error_and_the_isolation_breach_together() {
    let fixture = breach_and_compile_error();
    let (code, stdout, stderr) = flycheck(&fixture.manifest());
    assert_eq!(code, 1, "{stderr}");
    let (found, success) = diagnostics(&stdout);
    assert!(!success);
    assert!(
        found.contains(&(
            "E0308".into(),
            "clients/globex/src/lib.rs".into(),
            DiagnosticLevel::Error
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "clientwall::client-depends-on-client".into(),
            "clients/acme/Cargo.toml".into(),
            DiagnosticLevel::Error
        )),
        "{found:?}"
    );
}

#[test]
fn cargos_messages_pass_through_unchanged() {
    let fixture = breach_and_compile_error();
    let (_, stdout, _) = flycheck(&fixture.manifest());
    let direct = std::process::Command::new(env!("CARGO"))
        .args([
            "check",
            "--message-format=json",
            "--workspace",
            "--all-targets",
        ])
        .arg("--manifest-path")
        .arg(fixture.manifest())
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(!direct.status.success());
    let direct = String::from_utf8(direct.stdout).unwrap();
    // Cargo checks the library and its test target in parallel: the order between them varies
    // from run to run, the lines themselves do not.
    let compiler_messages = |text: &str| -> Vec<String> {
        let mut lines: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with("{\"reason\":\"compiler-message\""))
            .filter(|l| !l.contains("\"code\":\"clientwall::"))
            .map(str::to_owned)
            .collect();
        lines.sort();
        lines
    };
    let from_cargo = compiler_messages(&direct);
    assert!(!from_cargo.is_empty());
    assert_eq!(compiler_messages(&stdout), from_cargo);
    assert_eq!(direct.matches("\"build-finished\"").count(), 1);
    assert_eq!(
        stdout.matches("\"build-finished\"").count(),
        1,
        "cargo's build-finished is replaced by the one closing message"
    );
}

#[test]
fn clean_twin_succeeds() {
    let fixture = Fixture::new("direct");
    let manifest = fixture.root.join("clients/acme/Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("globex = { path = \"../globex\" }\n", "");
    std::fs::write(&manifest, text).unwrap();
    let (code, stdout, stderr) = flycheck(&fixture.manifest());
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (found, success) = diagnostics(&stdout);
    assert!(success);
    assert!(
        found
            .iter()
            .all(|(_, _, level)| *level != DiagnosticLevel::Error),
        "{found:?}"
    );
}

#[test]
fn a_compile_error_alone_fails_the_run() {
    let fixture = breach_and_compile_error();
    let manifest = fixture.root.join("clients/acme/Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("globex = { path = \"../globex\" }\n", "");
    std::fs::write(&manifest, text).unwrap();
    let (code, stdout, _) = flycheck(&fixture.manifest());
    assert_eq!(code, 1);
    let (found, success) = diagnostics(&stdout);
    assert!(!success, "cargo failed, so the stream did");
    assert!(
        found
            .iter()
            .all(|(code, _, _)| !code.starts_with("clientwall::"))
    );
}

#[test]
fn a_check_that_cannot_run_ends_the_stream_and_exits_two() {
    let fixture = Fixture::new("config-typo");
    let (code, stdout, stderr) = flycheck(&fixture.manifest());
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("did you mean"), "{stderr}");
    let (_, success) = diagnostics(&stdout);
    assert!(!success);
}
