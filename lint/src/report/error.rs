//! An error as the command line prints it on stderr. Config problems are diagnostics drawn by
//! codespan-reporting, the renderer of `--format human`: every problem at its line with the
//! offending text, all of them together, as cargo-deny reports its configuration. Then one
//! `error:` line with the error and its causes (`failed to …: …`), and the help when there is
//! one. Every text goes through [`crate::redact`].

use crate::error::{ConfigErrors, Error};
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::Buffer};
use std::error::Error as StdError;
use std::io::Write as _;

/// `err` (of the check, or of any command over it, whose causes may hold a check error) as
/// printed on stderr: the diagnostics of the config problems in its chain, then `error: ` and
/// the chain of messages, then `help: ` when there is a hint.
pub fn render(err: &(dyn StdError + 'static), color: bool) -> String {
    let mut out = String::new();
    let check_errors = chain(err).filter_map(|e| e.downcast_ref::<Error>());
    let mut help = None;
    for check_error in check_errors {
        if let Error::Config(problems) = check_error {
            out.push_str(&diagnostics(problems, color));
        } else if help.is_none() {
            help = check_error.help();
        }
    }
    out.push_str(&format!("error: {}\n", message(err)));
    if let Some(help) = help {
        out.push_str(&format!("  help: {help}\n"));
    }
    crate::redact::text(&out).into_owned()
}

/// The messages of `err` and its causes joined by `: `, the way `{:#}` prints an error chain,
/// except that config problems (drawn above it) are counted, and a cause that only repeats
/// what its error's message already holds (cargo's stderr) is left out.
pub fn message(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in chain(err) {
        if let Some(cargo_metadata::Error::CargoMetadata { .. }) =
            e.downcast_ref::<cargo_metadata::Error>()
        {
            continue;
        }
        let text = match e.downcast_ref::<Error>() {
            Some(Error::Config(problems)) => summary(problems),
            _ => e.to_string(),
        };
        // `#[error(transparent)]` shows its source's message as its own.
        if parts.last() != Some(&text) {
            parts.push(text);
        }
    }
    crate::redact::text(&parts.join(": ")).into_owned()
}

fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

/// `invalid clientwall config: 3 problems`.
fn summary(problems: &ConfigErrors) -> String {
    match problems.problems.len() {
        1 => "invalid clientwall config: 1 problem".to_owned(),
        n => format!("invalid clientwall config: {n} problems"),
    }
}

/// Each problem as a diagnostic with its file, line and column and the offending text (masked
/// byte for byte where it holds a secret); files are named relative to the current directory.
fn diagnostics(problems: &ConfigErrors, color: bool) -> String {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| camino::Utf8PathBuf::from_path_buf(d).ok());
    let mut files = SimpleFiles::new();
    let mut ids = std::collections::HashMap::new();
    let mut buffer = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    let config = term::Config::default();
    for problem in &problems.problems {
        let location = &problem.location;
        let id = *ids.entry(location.file.clone()).or_insert_with(|| {
            let source = problems
                .source(&location.file)
                .filter(|text| text.get(location.span.clone()).is_some())?;
            let name = match &cwd {
                Some(cwd) => location.relative_file(cwd),
                None => location.file.to_string(),
            };
            Some(files.add(name, crate::redact::source(source).into_owned()))
        });
        let mut diagnostic = Diagnostic::error().with_message(&problem.message);
        match id {
            Some(id) => {
                diagnostic =
                    diagnostic.with_labels(vec![Label::primary(id, location.span.clone())]);
            }
            None => {
                diagnostic = diagnostic.with_notes(vec![format!(
                    "at {}:{}:{}",
                    location.file, location.line, location.column
                )]);
            }
        }
        if let Some(help) = &problem.help {
            diagnostic.notes.push(format!("help: {help}"));
        }
        if term::emit_to_write_style(&mut buffer, &config, &files, &diagnostic).is_err() {
            let _ = writeln!(
                buffer,
                "error: {}\n  --> {}:{}",
                problem.message, location.file, location.line
            );
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}
