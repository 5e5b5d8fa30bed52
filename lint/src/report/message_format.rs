//! `--message-format json`: what editors read from `cargo check`. One cargo `compiler-message`
//! JSON line per violation, each carrying a rustc diagnostic (level, message, the code
//! `clientwall::<rule>`, spans with byte and line/column ranges, children for the path and the
//! help, and the human text as `rendered`), then one `build-finished` line.
//!
//! The primary span is the violation's location: the dependency key in a `Cargo.toml`, or the
//! place in a source file. Where the fix is mechanical the help child carries a
//! `suggested_replacement` (`MaybeIncorrect`): deleting the line of a `key = value` dependency,
//! or replacing a Rust string literal that is exactly a secret with a read of the client's own
//! environment variable. Secrets are never quoted: their spans carry no source lines, every
//! source line a span does carry is masked ([`crate::redact::source`]), and every line goes
//! through the redaction every printed text goes through ([`crate::redact::text`]).
//!
//! A message names the package that holds the file as cargo does (its package id, manifest and
//! main target), taken from `cargo metadata` when the run loaded the graph. An incremental run
//! starts no cargo; it names the client's package by its path (`path+file:///..#name`) and its
//! conventional `src/lib.rs` or `src/main.rs` target.

use super::human;
use crate::input::client_toml::env_prefix;
use crate::location::{Location, line_column};
use crate::report::Checked;
use crate::rules::{RuleCode, Subject, Violation, format_path};
use crate::scan::lexer::{self, Token};
use crate::secrets::SecretKind;
use camino::{Utf8Path, Utf8PathBuf};
use serde::Serialize;
use std::collections::HashMap;
use std::ops::Range;

/// Every message of a check: one `compiler-message` per violation, then `build-finished`
/// (`success` when there is no violation). `color` renders the `rendered` text with ANSI
/// colours, as cargo's `json-diagnostic-rendered-ansi` does.
pub fn render(checked: &Checked, color: bool) -> String {
    let mut out = compiler_messages(checked, color);
    out.push_str(&build_finished(checked.report.passed()));
    out
}

/// The `compiler-message` lines of a check, without the closing `build-finished`.
pub fn compiler_messages(checked: &Checked, color: bool) -> String {
    let report = &checked.report;
    let packages = Packages::new(checked);
    let mut sources = Sources::default();
    let rendered = human::render_each(report, color);
    let mut out = String::new();
    for (violation, rendered) in report.violations.iter().zip(rendered) {
        let package = packages.owner(violation);
        let diagnostic = diagnostic(violation, &report.root, &mut sources, rendered);
        let message = Message::CompilerMessage {
            package_id: &package.id,
            manifest_path: &package.manifest_path,
            target: &package.target,
            message: &diagnostic,
        };
        out.push_str(&serde_json::to_string(&message).expect("messages serialize"));
        out.push('\n');
    }
    crate::redact::text(&out).into_owned()
}

/// The line that tells a reader the stream has ended, as cargo's last message does.
pub fn build_finished(success: bool) -> String {
    let mut line =
        serde_json::to_string(&Message::BuildFinished { success }).expect("messages serialize");
    line.push('\n');
    line
}

/// A cargo JSON message (`cargo_metadata::Message`).
#[derive(Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
enum Message<'a> {
    CompilerMessage {
        package_id: &'a str,
        manifest_path: &'a Utf8Path,
        target: &'a serde_json::Value,
        message: &'a Diagnostic,
    },
    BuildFinished {
        success: bool,
    },
}

/// A rustc JSON diagnostic.
#[derive(Serialize)]
struct Diagnostic {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: String,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<Span>,
    children: Vec<Diagnostic>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<&'static str>,
}

#[derive(Serialize)]
struct Span {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    text: Vec<SpanLine>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<&'static str>,
    expansion: Option<()>,
}

#[derive(Serialize)]
struct SpanLine {
    text: String,
    highlight_start: usize,
    highlight_end: usize,
}

fn diagnostic(
    v: &Violation,
    root: &Utf8Path,
    sources: &mut Sources,
    rendered: String,
) -> Diagnostic {
    let mut spans = vec![span(
        &v.location,
        root,
        sources,
        SpanRole::Primary(human::primary_label(v)),
        v.show_source,
    )];
    for (i, hop) in v.path.iter().enumerate().skip(2) {
        if let Some(location) = &hop.location {
            let label = format!("`{}` depends on `{}` here", v.path[i - 1].name, hop.name);
            spans.push(span(
                location,
                root,
                sources,
                SpanRole::Secondary(label),
                true,
            ));
        }
    }
    let mut children = Vec::new();
    if !v.path.is_empty() {
        children.push(child(
            "note",
            format!("path: {}", format_path(&v.path)),
            Vec::new(),
        ));
    }
    let suggestion = sources
        .text(&v.location.file)
        .and_then(|text| suggestion(v, text));
    let help_spans = suggestion
        .map(|(range, replacement)| {
            let location = Location::from_span(
                &v.location.file,
                sources.text(&v.location.file).unwrap_or_default(),
                range,
            );
            span(
                &location,
                root,
                sources,
                SpanRole::Suggestion(replacement),
                v.show_source,
            )
        })
        .into_iter()
        .collect();
    children.push(child("help", v.help.clone(), help_spans));
    Diagnostic {
        message_type: "diagnostic",
        message: v.message.clone(),
        code: Some(Code {
            code: format!("clientwall::{}", v.rule.code),
            explanation: Some(v.rule.doc),
        }),
        level: v.level().as_str(),
        spans,
        children,
        rendered: Some(rendered),
    }
}

fn child(level: &'static str, message: String, spans: Vec<Span>) -> Diagnostic {
    Diagnostic {
        message_type: "diagnostic",
        message,
        code: None,
        level,
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

enum SpanRole {
    Primary(String),
    Secondary(String),
    Suggestion(String),
}

/// A span at `location`; its source lines only when `show_source` (never for a secret).
fn span(
    location: &Location,
    root: &Utf8Path,
    sources: &mut Sources,
    role: SpanRole,
    show_source: bool,
) -> Span {
    let range = location.span.clone();
    let text = sources
        .text(&location.file)
        .filter(|text| text.get(range.clone()).is_some());
    let (line_end, column_end) = match text {
        Some(text) => line_column(text, range.end),
        None => (location.line, location.column),
    };
    let lines = match text {
        Some(text) if show_source => source_lines(text, location, line_end, column_end),
        _ => Vec::new(),
    };
    let (is_primary, label, replacement) = match role {
        SpanRole::Primary(label) => (true, Some(label), None),
        SpanRole::Secondary(label) => (false, Some(label), None),
        SpanRole::Suggestion(replacement) => (true, None, Some(replacement)),
    };
    Span {
        file_name: location.relative_file(root),
        byte_start: range.start,
        byte_end: range.end,
        line_start: location.line,
        line_end,
        column_start: location.column,
        column_end,
        is_primary,
        text: lines,
        label,
        suggestion_applicability: replacement.as_ref().map(|_| "MaybeIncorrect"),
        suggested_replacement: replacement,
        expansion: None,
    }
}

/// The lines a span covers, each with the highlighted columns (1-based, end exclusive).
fn source_lines(
    text: &str,
    location: &Location,
    line_end: usize,
    column_end: usize,
) -> Vec<SpanLine> {
    text.split('\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line.strip_suffix('\r').unwrap_or(line)))
        .skip(location.line - 1)
        .take(line_end + 1 - location.line)
        .map(|(number, line)| SpanLine {
            text: line.to_owned(),
            highlight_start: if number == location.line {
                location.column
            } else {
                1
            },
            highlight_end: if number == line_end {
                column_end
            } else {
                line.chars().count() + 1
            },
        })
        .collect()
}

/// The mechanical fix for a violation, if there is one: the byte range to replace and its
/// replacement.
fn suggestion(v: &Violation, text: &str) -> Option<(Range<usize>, String)> {
    match v.rule.code {
        RuleCode::ClientDependsOnClient
        | RuleCode::ClientReachesCredentialHelper
        | RuleCode::SharedDependsOnClient => {
            dependency_line(text, v.location.span.clone()).map(|range| (range, String::new()))
        }
        RuleCode::HardcodedSecret if v.location.file.extension() == Some("rs") => {
            // Only a secret in a client's files, as they are now, has a client whose own
            // environment variable can hold it.
            let Subject::Secret {
                secret,
                redacted,
                in_work_tree: true,
                ..
            } = &v.subject
            else {
                return None;
            };
            if v.client == crate::rules::hardcoded_secret::OUTSIDE_CLIENTS {
                return None;
            }
            let variable = format!(
                "{}_{}",
                env_prefix(&v.client),
                env_suffix(*secret, redacted)
            );
            secret_literal(text, v.location.span.clone()).map(|range| {
                (
                    range,
                    format!("std::env::var(\"{variable}\").expect(\"{variable} is not set\")"),
                )
            })
        }
        _ => None,
    }
}

/// The client environment variable that should hold a secret of this kind.
fn env_suffix(kind: SecretKind, redacted: &str) -> &'static str {
    match kind {
        SecretKind::ShopifyToken if redacted.starts_with("shpss_") => "SHOPIFY_CLIENT_SECRET",
        SecretKind::ShopifyToken | SecretKind::AccessTokenHeader => "SHOPIFY_ACCESS_TOKEN",
        SecretKind::SupabaseSecretKey | SecretKind::SupabaseServiceRoleJwt => "SUPABASE_SECRET_KEY",
        SecretKind::PasswordUrl | SecretKind::PasswordParameter => "DATABASE_URL",
    }
}

/// The whole lines of the `key = value` dependency entry whose key is at `key_span`, when the
/// entry has those lines to itself (nothing but a comment after it). A dependency written as
/// its own table or with dotted keys has no one-line fix.
fn dependency_line(text: &str, key_span: Range<usize>) -> Option<Range<usize>> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let value = value_span_of_key(doc.as_table(), &key_span)?;
    let line_start = text[..key_span.start].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..key_span.start].trim().is_empty() {
        return None;
    }
    let line_end = text[value.end..]
        .find('\n')
        .map_or(text.len(), |i| value.end + i + 1);
    let rest = text[value.end..line_end].trim();
    (rest.is_empty() || rest.starts_with('#')).then_some(line_start..line_end)
}

/// The span of the value whose key is at `key_span`, searching every table.
fn value_span_of_key(
    table: &dyn toml_edit::TableLike,
    key_span: &Range<usize>,
) -> Option<Range<usize>> {
    table.iter().find_map(|(name, _)| {
        let (key, item) = table.get_key_value(name)?;
        if key.span().as_ref() == Some(key_span) {
            return item.as_value().and_then(toml_edit::Value::span);
        }
        item.as_table_like()
            .and_then(|inner| value_span_of_key(inner, key_span))
    })
}

/// The source range to replace when a secret at `span` is a whole Rust string expression: a
/// literal that holds exactly the secret, or the `concat!(..)` that assembles it.
fn secret_literal(text: &str, span: Range<usize>) -> Option<Range<usize>> {
    let tokens = lexer::tokenize(text);
    if let Some(i) = tokens.iter().position(|t| t.start == span.start) {
        match &tokens[i].token {
            Token::Ident("concat") => {
                let last = tokens[i..].iter().position(|t| t.end == span.end)? + i;
                return matches!(tokens.get(last + 1)?.token, Token::Punct(')'))
                    .then(|| span.start..tokens[last + 1].end);
            }
            Token::Str(_) if tokens[i].end == span.end => return Some(span),
            _ => {}
        }
    }
    tokens.iter().find_map(|t| match &t.token {
        Token::Str(value)
            if t.start < span.start
                && span.end < t.end
                && text.get(span.clone()) == Some(value) =>
        {
            Some(t.start..t.end)
        }
        _ => None,
    })
}

/// Source files, each read once (only regular files, never a FIFO), with every secret masked
/// byte for byte so that spans keep their offsets and no source line shows a secret.
#[derive(Default)]
struct Sources {
    files: HashMap<Utf8PathBuf, Option<String>>,
}

impl Sources {
    fn text(&mut self, file: &Utf8Path) -> Option<&str> {
        self.files
            .entry(file.to_owned())
            .or_insert_with(|| {
                safe_read::read_to_string(file.as_std_path())
                    .ok()
                    .map(|text| crate::redact::source(&text).into_owned())
            })
            .as_deref()
    }
}

/// A package as cargo names it in messages.
#[derive(Clone)]
struct PackageRef {
    dir: Utf8PathBuf,
    name: String,
    id: String,
    manifest_path: Utf8PathBuf,
    target: serde_json::Value,
}

/// The local packages a message can belong to.
struct Packages {
    /// Deepest directory first, so the first match owns a file.
    local: Vec<PackageRef>,
}

impl Packages {
    fn new(checked: &Checked) -> Packages {
        let mut local: Vec<PackageRef> = Vec::new();
        if let Some(graph) = &checked.graph {
            for node in &graph.nodes {
                let Some((id, target)) = &node.package else {
                    continue;
                };
                local.push(PackageRef {
                    dir: node
                        .manifest_path
                        .parent()
                        .unwrap_or(&node.manifest_path)
                        .to_owned(),
                    name: node.name.clone(),
                    id: id.repr.clone(),
                    manifest_path: node.manifest_path.clone(),
                    target: serde_json::to_value(target).expect("targets serialize"),
                });
            }
        }
        for area in &checked.layout.clients {
            let Some(dir) = Utf8Path::from_path(&area.dir) else {
                continue;
            };
            if !local.iter().any(|p| p.name == area.name) {
                local.push(conventional(dir, &area.name));
            }
        }
        local.sort_by_key(|p| std::cmp::Reverse(p.dir.as_str().len()));
        Packages { local }
    }

    /// The package whose directory holds the violation's file, else the client's own package.
    fn owner(&self, v: &Violation) -> std::borrow::Cow<'_, PackageRef> {
        let file = &v.location.file;
        self.local
            .iter()
            .find(|p| file.starts_with(&p.dir))
            .or_else(|| self.local.iter().find(|p| p.name == v.client))
            .map(std::borrow::Cow::Borrowed)
            .unwrap_or_else(|| {
                let dir = file.parent().unwrap_or(file);
                std::borrow::Cow::Owned(conventional(dir, &v.client))
            })
    }
}

/// A package known only by its directory and name (no cargo in this run): its path package id
/// and its conventional target.
fn conventional(dir: &Utf8Path, name: &str) -> PackageRef {
    let lib = dir.join("src/lib.rs");
    let (kind, target_name, src_path) = if lib.is_file() || !dir.join("src/main.rs").is_file() {
        ("lib", name.replace('-', "_"), lib)
    } else {
        ("bin", name.to_owned(), dir.join("src/main.rs"))
    };
    PackageRef {
        dir: dir.to_owned(),
        name: name.to_owned(),
        id: format!("path+file://{dir}#{name}"),
        manifest_path: dir.join("Cargo.toml"),
        target: serde_json::json!({
            "kind": [kind],
            "crate_types": [kind],
            "name": target_name,
            "src_path": src_path,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_line_only_for_one_line_entries() {
        let text = "[dependencies]\n  globex = { path = \"../globex\" } # why\nkit.path = \"../kit\"\n\n[dependencies.report]\npath = \"../report\"\n";
        let at = |needle: &str| {
            let start = text.find(needle).unwrap();
            start..start + needle.len()
        };
        let globex = dependency_line(text, at("globex")).unwrap();
        assert_eq!(&text[globex], "  globex = { path = \"../globex\" } # why\n");
        assert_eq!(dependency_line(text, at("kit")), None, "dotted keys");
        assert_eq!(
            dependency_line(text, at("report")),
            None,
            "a table of its own"
        );
        let last = "[dependencies]\nglobex = \"1\"";
        assert_eq!(dependency_line(last, 15..21), Some(15..last.len()));
    }

    #[test]
    fn secret_literal_is_the_whole_expression() {
        let text = r#"const A: &str = "SECRET"; const B: &str = "Bearer SECRET"; const C: &str = concat!("SEC", "RET");"#;
        let first = text.find("SECRET").unwrap();
        assert_eq!(
            secret_literal(text, first..first + 6),
            Some(first - 1..first + 7)
        );
        let second = text.find("Bearer SECRET").unwrap() + 7;
        assert_eq!(secret_literal(text, second..second + 6), None);
        let concat = text.find("concat").unwrap();
        let last_str = text.rfind("\"RET\"").unwrap() + 5;
        assert_eq!(
            secret_literal(text, concat..last_str),
            Some(concat..last_str + 1)
        );
    }

    #[test]
    fn source_lines_mark_the_columns() {
        let text = "ab\ncdé\nf";
        let location = Location::from_span(Utf8Path::new("x"), text, 4..8);
        let (line_end, column_end) = line_column(text, 8);
        let lines = source_lines(text, &location, line_end, column_end);
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].highlight_start, lines[0].highlight_end), (2, 4));
        assert_eq!((lines[1].text.as_str(), lines[1].highlight_end), ("f", 1));
    }
}
