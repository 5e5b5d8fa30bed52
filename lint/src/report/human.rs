//! `--format human`: rustc-style diagnostics with the offending line, via codespan-reporting.

use super::Report;
use crate::location::Location;
use crate::rules::{RuleCode, Violation};
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{
    self,
    termcolor::{Buffer, WriteColor},
};
use std::collections::HashMap;

/// Render every violation and the summary line; `color` adds ANSI colours.
pub fn render(report: &Report, color: bool) -> String {
    let mut buffer = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    for text in render_each(report, color) {
        let _ = buffer.write_all(text.as_bytes());
    }
    for note in folded_notes(&report.notes) {
        let _ = writeln!(buffer, "note: {note}");
    }
    write_summary(&mut buffer, report);
    crate::redact::text(&String::from_utf8_lossy(buffer.as_slice())).into_owned()
}

/// The notes as the human output shows them: the binary files skipped folded into one line with
/// their count and the first of them (`--format json` lists each), every other note as it is.
fn folded_notes(notes: &[String]) -> Vec<String> {
    const BINARY: &str = ": binary file";
    let binary: Vec<&str> = notes
        .iter()
        .filter_map(|n| n.strip_prefix("skipped ")?.strip_suffix(BINARY))
        .collect();
    let mut out: Vec<String> = notes
        .iter()
        .filter(|n| !(n.starts_with("skipped ") && n.ends_with(BINARY)))
        .cloned()
        .collect();
    match binary.as_slice() {
        [] => {}
        [one] => out.push(format!("skipped {one}{BINARY}")),
        [first, ..] => out.push(format!(
            "skipped {} binary files (e.g. {first}; `--format json` lists each)",
            binary.len()
        )),
    }
    out
}

/// Each violation's diagnostic exactly as [`render`] prints it, in report order (the
/// `rendered` text of `--message-format json`).
pub fn render_each(report: &Report, color: bool) -> Vec<String> {
    let mut files = Files::new(report);
    let config = term::Config::default();
    report
        .violations
        .iter()
        .map(|violation| {
            let mut buffer = if color {
                Buffer::ansi()
            } else {
                Buffer::no_color()
            };
            let diagnostic = diagnostic(violation, &mut files);
            // A file that changed under us can't be shown with a snippet: print the plain message.
            if term::emit_to_write_style(&mut buffer, &config, &files.files, &diagnostic).is_err() {
                buffer.clear();
                write_plain(&mut buffer, violation, report);
            }
            crate::redact::text(&String::from_utf8_lossy(buffer.as_slice())).into_owned()
        })
        .collect()
}

fn diagnostic(v: &Violation, files: &mut Files) -> Diagnostic<usize> {
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    // A secret's line is never quoted; a file that no longer holds the span (a staged
    // version the working tree has changed since) is named without a snippet.
    match v.show_source.then(|| files.id(&v.location)).flatten() {
        Some(file) => labels
            .push(Label::primary(file, v.location.span.clone()).with_message(primary_label(v))),
        None => notes.push(format!(
            "at {}:{}:{}",
            v.location.relative_file(&files.report.root),
            v.location.line,
            v.location.column
        )),
    }
    for (i, hop) in v.path.iter().enumerate().skip(2) {
        let Some(location) = &hop.location else {
            continue;
        };
        if let Some(file) = files.id(location) {
            let from = &v.path[i - 1].name;
            labels.push(
                Label::secondary(file, location.span.clone())
                    .with_message(format!("`{from}` depends on `{}` here", hop.name)),
            );
        }
    }
    if !v.path.is_empty() {
        notes.push(format!("path: {}", crate::rules::format_path(&v.path)));
    }
    notes.push(format!("help: {}", v.help));
    match v.level() {
        crate::rules::Level::Error => Diagnostic::error(),
        crate::rules::Level::Warning => Diagnostic::warning(),
    }
    .with_code(v.rule.code.as_str())
    .with_message(&v.message)
    .with_labels(labels)
    .with_notes(notes)
}

/// The label under the primary span: what the marked text is.
pub(crate) fn primary_label(v: &Violation) -> String {
    if let Some(hop) = v.path.get(1) {
        return format!("`{}` is declared here", hop.name);
    }
    match v.rule.code {
        RuleCode::CrossClientFileReference => format!("this leaves `{}`'s directory", v.client),
        RuleCode::WriteScopeRequested => "not a read-only scope".to_owned(),
        RuleCode::TokenLifetimeTooLong => "longer than 24 hours".to_owned(),
        RuleCode::SharedDatabase => "not this client's alone".to_owned(),
        RuleCode::StaleAllow => "this exception".to_owned(),
        _ => "here".to_owned(),
    }
}

fn write_plain(out: &mut Buffer, v: &Violation, report: &Report) {
    let _ = writeln!(
        out,
        "{}[{}]: {}\n  --> {}:{}\n  = help: {}\n",
        v.level().as_str(),
        v.rule.code,
        v.message,
        v.location.relative_file(&report.root),
        v.location.line,
        v.help
    );
}

fn write_summary(out: &mut Buffer, report: &Report) {
    use codespan_reporting::term::termcolor::{Color, ColorSpec};
    let color = if report.violations.is_empty() {
        Color::Green
    } else if report.passed() {
        Color::Yellow
    } else {
        Color::Red
    };
    let _ = out.set_color(ColorSpec::new().set_fg(Some(color)).set_bold(true));
    let _ = write!(out, "{}", report.summary.line());
    let _ = out.reset();
    let _ = writeln!(out);
}

use std::io::Write as _;

/// Source files for snippets, read once each, named relative to the workspace root.
struct Files<'r> {
    report: &'r Report,
    files: SimpleFiles<String, String>,
    ids: HashMap<camino::Utf8PathBuf, Option<usize>>,
}

impl<'r> Files<'r> {
    fn new(report: &'r Report) -> Self {
        Files {
            report,
            files: SimpleFiles::new(),
            ids: HashMap::new(),
        }
    }

    fn id(&mut self, location: &Location) -> Option<usize> {
        if let Some(id) = self.ids.get(&location.file) {
            return *id;
        }
        let id = safe_read::read_to_string(location.file.as_std_path())
            .ok()
            .filter(|text| text.get(location.span.clone()).is_some())
            .map(|text| {
                // Masked byte for byte, so that a secret never shows in an excerpt, even split by
                // colour codes, and the spans still fit.
                let text = crate::redact::source(&text).into_owned();
                self.files
                    .add(location.relative_file(&self.report.root), text)
            });
        self.ids.insert(location.file.clone(), id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_skip_notes_are_folded_into_one_line() {
        let notes: Vec<String> = [
            "skipped assets/a.png: binary file",
            "skipped assets/b.png: binary file",
            "skipped big.csv: larger than 8 MiB",
            "skipped assets/c.png: binary file",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            folded_notes(&notes),
            [
                "skipped big.csv: larger than 8 MiB",
                "skipped 3 binary files (e.g. assets/a.png; `--format json` lists each)"
            ]
        );
        // One binary file keeps its own line.
        let one = vec!["skipped logo.png: binary file".to_owned()];
        assert_eq!(folded_notes(&one), one);
    }
}
