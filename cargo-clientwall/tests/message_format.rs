//! `check --message-format json`: cargo's JSON messages with rustc diagnostics, as editors read
//! them. Every line is parsed with `cargo_metadata`, every span is checked against the bytes of
//! its file, and every suggested fix is applied and checked again.

use crate::support;

use assert_cmd::Command;
use camino::Utf8Path;
use cargo_metadata::diagnostic::{Applicability, Diagnostic, DiagnosticLevel, DiagnosticSpan};
use cargo_metadata::{CompilerMessage, Message};
use support::{Fixture, fake_shopify_token};

/// Run `cargo clientwall check --manifest-path MANIFEST ARGS..`: (exit, stdout, stderr).
fn check(manifest: &Utf8Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .args(["clientwall", "check", "--manifest-path", manifest.as_str()])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Every line parsed as a cargo message: the compiler messages, then exactly one closing
/// `build-finished`, last.
fn parse(stdout: &str) -> (Vec<CompilerMessage>, bool) {
    let mut compiler_messages = Vec::new();
    let mut finished = None;
    for line in stdout.lines() {
        assert!(finished.is_none(), "a message after build-finished: {line}");
        let message: Message = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a cargo message ({e}): {line}"));
        match message {
            Message::CompilerMessage(message) => compiler_messages.push(message),
            Message::BuildFinished(end) => finished = Some(end.success),
            other => panic!("unexpected message {other:?}"),
        }
    }
    (
        compiler_messages,
        finished.expect("the stream ends with build-finished"),
    )
}

fn json_violations(manifest: &Utf8Path) -> serde_json::Value {
    let (_, stdout, _) = check(manifest, &["--format", "json"]);
    serde_json::from_str(&stdout).unwrap()
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Check a span's every coordinate against the file it names.
fn assert_span_matches_file(root: &Utf8Path, span: &DiagnosticSpan) {
    let text = std::fs::read_to_string(root.join(&span.file_name)).unwrap();
    let (start, end) = (span.byte_start as usize, span.byte_end as usize);
    assert!(start <= end && end <= text.len(), "{span:?}");
    assert_eq!(
        line_column(&text, start),
        (span.line_start, span.column_start),
        "{span:?}"
    );
    assert_eq!(
        line_column(&text, end),
        (span.line_end, span.column_end),
        "{span:?}"
    );
    let lines: Vec<&str> = text.split('\n').collect();
    for (i, line) in span.text.iter().enumerate() {
        assert_eq!(line.text, lines[span.line_start - 1 + i], "{span:?}");
    }
}

fn primary(diagnostic: &Diagnostic) -> &DiagnosticSpan {
    let primaries: Vec<_> = diagnostic.spans.iter().filter(|s| s.is_primary).collect();
    assert_eq!(primaries.len(), 1, "{diagnostic:?}");
    primaries[0]
}

/// The suggested replacement of a diagnostic's help, if it has one.
fn suggestion(diagnostic: &Diagnostic) -> Option<&DiagnosticSpan> {
    let help = diagnostic
        .children
        .iter()
        .find(|c| c.level == DiagnosticLevel::Help)
        .expect("every diagnostic has a help");
    help.spans
        .iter()
        .find(|s| s.suggested_replacement.is_some())
}

fn apply(root: &Utf8Path, span: &DiagnosticSpan) {
    let path = root.join(&span.file_name);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.replace_range(
        span.byte_start as usize..span.byte_end as usize,
        span.suggested_replacement.as_deref().unwrap(),
    );
    std::fs::write(&path, text).unwrap();
}

#[test]
fn every_line_is_a_cargo_message_with_a_rustc_diagnostic() {
    let example = Fixture::example("violations");
    let (code, stdout, stderr) = check(&example.manifest(), &["--message-format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let (messages, success) = parse(&stdout);
    assert!(!success);
    let expected = json_violations(&example.manifest());
    let expected = expected["violations"].as_array().unwrap();
    assert_eq!(messages.len(), expected.len());

    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(example.manifest())
        .no_deps()
        .exec()
        .unwrap();
    for (message, violation) in messages.iter().zip(expected) {
        let package = metadata
            .packages
            .iter()
            .find(|p| p.id == message.package_id)
            .unwrap_or_else(|| panic!("not a package of the workspace: {}", message.package_id));
        assert!(package.targets.contains(&message.target));
        let diagnostic = &message.message;
        assert_eq!(diagnostic.level, DiagnosticLevel::Error);
        assert_eq!(diagnostic.message, violation["message"].as_str().unwrap());
        let code = diagnostic.code.as_ref().unwrap();
        assert_eq!(
            code.code,
            format!("clientwall::{}", violation["rule"].as_str().unwrap())
        );
        let primary = primary(diagnostic);
        assert_eq!(primary.file_name, violation["file"].as_str().unwrap());
        assert_eq!(
            primary.line_start as u64,
            violation["line"].as_u64().unwrap()
        );
        let children: Vec<(DiagnosticLevel, &str)> = diagnostic
            .children
            .iter()
            .map(|c| (c.level, c.message.as_str()))
            .collect();
        assert_eq!(
            children[1],
            (DiagnosticLevel::Help, violation["help"].as_str().unwrap())
        );
        assert!(children[0].1.starts_with("path: "), "{children:?}");
    }
}

#[test]
fn primary_spans_point_at_the_dependency_key() {
    let example = Fixture::example("violations");
    let (_, stdout, _) = check(&example.manifest(), &["--message-format", "json"]);
    let (messages, _) = parse(&stdout);
    let marked: Vec<(String, String)> = messages
        .iter()
        .map(|m| {
            let span = primary(&m.message);
            let text = std::fs::read(example.root.join(&span.file_name)).unwrap();
            let key = &text[span.byte_start as usize..span.byte_end as usize];
            (
                span.file_name.clone(),
                String::from_utf8(key.to_vec()).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        marked,
        [
            ("clients/acme/Cargo.toml", "shared-report"),
            ("clients/initech/Cargo.toml", "agency-credentials"),
            ("shared/report/Cargo.toml", "globex"),
        ]
        .map(|(f, k)| (f.to_owned(), k.to_owned()))
    );
    for message in &messages {
        for span in &message.message.spans {
            assert_span_matches_file(&example.root, span);
            assert!(!span.text.is_empty(), "dependency keys are quoted");
        }
    }
    // The path's later hop is a secondary span at the shared crate's key.
    let secondary: Vec<_> = messages[0]
        .message
        .spans
        .iter()
        .filter(|s| !s.is_primary)
        .map(|s| (s.file_name.as_str(), s.label.as_deref().unwrap()))
        .collect();
    assert_eq!(
        secondary,
        [(
            "shared/report/Cargo.toml",
            "`shared-report` depends on `globex` here"
        )]
    );
}

#[test]
fn rendered_is_the_human_output() {
    let example = Fixture::example("violations");
    let (_, stdout, _) = check(&example.manifest(), &["--message-format", "json"]);
    let (messages, _) = parse(&stdout);
    let (_, human, _) = check(&example.manifest(), &["--color", "never"]);
    let rendered: String = messages
        .iter()
        .map(|m| m.message.rendered.clone().unwrap())
        .collect();
    let report = example.report();
    let mut tail = String::new();
    for note in &report.notes {
        tail.push_str(&format!("note: {note}\n"));
    }
    tail.push_str(&format!("{}\n", report.summary.line()));
    assert_eq!(format!("{rendered}{tail}"), human);

    let (_, ansi, _) = check(
        &example.manifest(),
        &["--message-format", "json-diagnostic-rendered-ansi"],
    );
    let (colored, _) = parse(&ansi);
    assert!(
        colored
            .iter()
            .all(|m| m.message.rendered.as_ref().unwrap().contains("\u{1b}["))
    );
}

#[test]
fn removing_the_suggested_dependency_line_removes_the_violation() {
    let fixture = Fixture::new("direct");
    let (code, stdout, _) = check(&fixture.manifest(), &["--message-format", "json"]);
    assert_eq!(code, 1);
    let (messages, _) = parse(&stdout);
    assert_eq!(messages.len(), 1);
    let fix = suggestion(&messages[0].message).expect("a mechanical fix");
    assert_eq!(
        fix.suggestion_applicability,
        Some(Applicability::MaybeIncorrect)
    );
    assert_eq!(fix.suggested_replacement.as_deref(), Some(""));
    assert_span_matches_file(&fixture.root, fix);
    let manifest = std::fs::read_to_string(fixture.root.join(&fix.file_name)).unwrap();
    assert_eq!(
        &manifest[fix.byte_start as usize..fix.byte_end as usize],
        "globex = { path = \"../globex\" }\n"
    );
    apply(&fixture.root, fix);
    let (code, stdout, stderr) = check(&fixture.manifest(), &["--message-format", "json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (messages, success) = parse(&stdout);
    assert!(messages.is_empty() && success, "{stdout}");
}

/// A dependency in a table of its own is not a one-line fix: no suggestion, the help stays.
#[test]
fn a_dependency_table_gets_no_suggestion() {
    let fixture = Fixture::new("direct");
    let manifest = fixture.root.join("clients/acme/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "[dependencies]\nglobex = { path = \"../globex\" }",
        "[dependencies.globex]\npath = \"../globex\"",
    );
    std::fs::write(&manifest, text).unwrap();
    let (code, stdout, _) = check(&fixture.manifest(), &["--message-format", "json"]);
    assert_eq!(code, 1);
    let (messages, _) = parse(&stdout);
    assert_eq!(messages.len(), 1);
    let span = primary(&messages[0].message);
    assert_span_matches_file(&fixture.root, span);
    assert_eq!(span.text[0].text, "[dependencies.globex]");
    assert!(suggestion(&messages[0].message).is_none());
}

#[test]
fn secrets_are_located_never_quoted_and_replaced_by_an_env_read() {
    let fixture = Fixture::new("secrets");
    let (code, stdout, stderr) = check(&fixture.manifest(), &["--message-format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let token = fake_shopify_token();
    let hex = &token["shpat_".len()..];
    assert!(
        !stdout.contains(hex) && !stderr.contains(hex),
        "a secret appeared whole"
    );
    let (messages, _) = parse(&stdout);
    assert_eq!(messages.len(), 7);
    let lib = "clients/acme/src/lib.rs";
    let mut fixes = Vec::new();
    for message in &messages {
        let span = primary(&message.message);
        assert_span_matches_file(&fixture.root, span);
        assert!(span.text.is_empty(), "a secret's line is never quoted");
        if span.file_name == lib {
            fixes.push(suggestion(&message.message).expect("a literal in Rust has a fix"));
        } else {
            assert!(suggestion(&message.message).is_none(), "{span:?}");
        }
    }
    // The plain literal: the span is exactly the token.
    let first = primary(
        &messages
            .iter()
            .find(|m| primary(&m.message).file_name == lib)
            .unwrap()
            .message,
    );
    let source = std::fs::read_to_string(fixture.root.join(lib)).unwrap();
    assert_eq!(
        &source[first.byte_start as usize..first.byte_end as usize],
        token
    );
    // Applying the fixes (last first, so earlier offsets stay valid) leaves no secret.
    assert_eq!(fixes.len(), 3);
    fixes.sort_by_key(|s| std::cmp::Reverse(s.byte_start));
    for fix in &fixes {
        assert_eq!(
            fix.suggestion_applicability,
            Some(Applicability::MaybeIncorrect)
        );
        apply(&fixture.root, fix);
    }
    let fixed = std::fs::read_to_string(fixture.root.join(lib)).unwrap();
    assert!(
        fixed.contains(
            "pub const TOKEN: &str = std::env::var(\"ACME_SHOPIFY_ACCESS_TOKEN\").expect(\"ACME_SHOPIFY_ACCESS_TOKEN is not set\");"
        ),
        "{fixed}"
    );
    assert!(
        fixed.contains("std::env::var(\"ACME_SHOPIFY_CLIENT_SECRET\")"),
        "{fixed}"
    );
    let (_, stdout, _) = check(&fixture.manifest(), &["--message-format", "json"]);
    let (after, _) = parse(&stdout);
    assert!(
        after.iter().all(|m| primary(&m.message).file_name != lib),
        "{stdout}"
    );
    assert_eq!(after.len(), 4);
}

#[test]
fn incremental_runs_name_the_client_package_by_path() {
    let fixture = Fixture::new("secrets");
    let file = fixture.root.join("clients/acme/src/lib.rs");
    let (code, stdout, _) = check(
        &fixture.manifest(),
        &["--message-format", "json", file.as_str()],
    );
    assert_eq!(code, 1);
    let (messages, _) = parse(&stdout);
    assert_eq!(messages.len(), 3);
    let acme = fixture.root.join("clients/acme");
    for message in &messages {
        assert_eq!(message.package_id.repr, format!("path+file://{acme}#acme"));
        assert_eq!(message.target.src_path, acme.join("src/lib.rs"));
        assert_eq!(message.target.name, "acme");
    }
}

#[test]
fn clean_workspace_prints_only_a_successful_end() {
    let example = Fixture::example("clean");
    let (code, stdout, stderr) = check(&example.manifest(), &["--message-format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "{\"reason\":\"build-finished\",\"success\":true}\n");
    assert!(stderr.contains("clientwall: ok"), "{stderr}");
}

#[test]
fn message_format_and_format_conflict() {
    let example = Fixture::example("clean");
    let (code, stdout, stderr) = check(
        &example.manifest(),
        &["--message-format", "json", "--format", "sarif"],
    );
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn a_check_error_is_exit_two_with_nothing_on_stdout() {
    let fixture = Fixture::new("config-typo");
    let (code, stdout, stderr) = check(&fixture.manifest(), &["--message-format", "json"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("did you mean"), "{stderr}");
}
