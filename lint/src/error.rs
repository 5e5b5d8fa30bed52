//! Errors that stop a check. Every one of them maps to exit code 2: the lint fails closed.
//!
//! Every message is shown through [`crate::redact`]: an error may quote a manifest line, cargo's
//! stderr or git's, and any of them can hold a secret (a git URL with a password).
//! The report stage (`report/error.rs`) prints an error the way the command line shows it.

use crate::location::Location;
use crate::redact::Redacted;
use camino::Utf8PathBuf;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a check could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `clientwall` config keys or values are wrong: every problem found, each with its place.
    #[error("{0}")]
    Config(ConfigErrors),
    /// `cargo metadata` failed for a workspace. The message carries cargo's stderr (redacted);
    /// the source is `cargo_metadata`'s own error, its stderr redacted too.
    #[error(
        "failed to load the cargo workspace at {manifest}{}",
        metadata_detail(source)
    )]
    Metadata {
        manifest: Utf8PathBuf,
        #[source]
        source: cargo_metadata::Error,
    },
    /// A file operation, or starting or talking to a program, failed.
    #[error("failed to {action} {path}")]
    Io {
        action: IoAction,
        /// The file or directory; for [`IoAction::Spawn`], the program.
        path: Utf8PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A git command failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// A manifest is not valid TOML. The parser's message (which quotes the offending line) is
    /// part of this error's own, redacted, text rather than a source printed as it is.
    #[error("failed to parse {path}: {}", Redacted(parse_error))]
    Toml {
        path: Utf8PathBuf,
        parse_error: Box<toml_edit::TomlError>,
    },
    /// A client's template record, or the template version it names, is not usable.
    #[error(transparent)]
    Template(#[from] clientwall_template::Error),
    /// An attestation could not be signed, or a signature does not verify.
    #[error("{message}")]
    Signature {
        message: String,
        help: Option<String>,
    },
    /// A deletion certificate under `offboarded/` is unreadable or was changed after it was
    /// written.
    #[error("invalid deletion certificate {path}: {message}")]
    Certificate { path: Utf8PathBuf, message: String },
    /// A full check found no client: it would have checked nothing a client could break.
    /// `globs` says, for each client glob, what it matched.
    #[error("no client found in {root}: {}", Redacted(globs))]
    NoClients { root: Utf8PathBuf, globs: String },
    /// The workspace layout is not one clientwall can check.
    #[error("{}", Redacted(message))]
    Layout {
        message: String,
        help: Option<String>,
    },
    /// `attest --live` could not finish: the client's self-check (or its build) had to be
    /// stopped at its time limit, or the limit given is not a number.
    #[error("{}", Redacted(message))]
    Live {
        message: String,
        help: Option<String>,
    },
}

/// What a file operation was doing when it failed: the verb of "failed to {action} {path}".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoAction {
    Read,
    /// Read a directory's entries.
    List,
    /// Resolve a path to its canonical form.
    Resolve,
    Open,
    Create,
    Write,
    /// Rename into place.
    Rename,
    Remove,
    /// Change a file's permissions.
    Chmod,
    Lock,
    /// Start a program.
    Spawn,
    /// Wait for a program to finish.
    Wait,
}

impl IoAction {
    pub fn as_str(self) -> &'static str {
        match self {
            IoAction::Read => "read",
            IoAction::List => "list",
            IoAction::Resolve => "resolve",
            IoAction::Open => "open",
            IoAction::Create => "create",
            IoAction::Write => "write",
            IoAction::Rename => "rename into place",
            IoAction::Remove => "remove",
            IoAction::Chmod => "chmod",
            IoAction::Lock => "lock",
            IoAction::Spawn => "spawn",
            IoAction::Wait => "wait for",
        }
    }
}

impl std::fmt::Display for IoAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in a configuration file, at the span it is about.
#[derive(Debug, Clone)]
pub struct ConfigProblem {
    pub location: Location,
    pub message: String,
    pub help: Option<String>,
}

/// Every problem that validating configuration files found, in the order they were found, with
/// the text of each file they are in (for the diagnostics that show the offending lines).
#[derive(Debug, Clone, Default)]
pub struct ConfigErrors {
    pub problems: Vec<ConfigProblem>,
    sources: BTreeMap<Utf8PathBuf, Arc<str>>,
}

impl ConfigErrors {
    /// The problems found in one file whose text is `text`.
    pub fn new(file: &camino::Utf8Path, text: &str, problems: Vec<ConfigProblem>) -> ConfigErrors {
        ConfigErrors {
            problems,
            sources: BTreeMap::from([(file.to_owned(), Arc::from(text))]),
        }
    }

    /// Add another file's problems after these.
    pub fn append(&mut self, other: ConfigErrors) {
        self.problems.extend(other.problems);
        self.sources.extend(other.sources);
    }

    /// The text of `file`, when a problem is in it.
    pub fn source(&self, file: &camino::Utf8Path) -> Option<&str> {
        self.sources.get(file).map(|s| &**s)
    }
}

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let line =
            |p: &ConfigProblem| format!("{}:{}: {}", p.location.file, p.location.line, p.message);
        let text = match self.problems.as_slice() {
            [one] => format!(
                "invalid clientwall config at {}:{}: {}",
                one.location.file, one.location.line, one.message
            ),
            many => {
                let mut text = format!("invalid clientwall config ({} problems):", many.len());
                for problem in many {
                    text.push_str("\n  ");
                    text.push_str(&line(problem));
                }
                text
            }
        };
        write!(f, "{}", Redacted(text))
    }
}

/// `: cargo metadata failed:\n<stderr>` when cargo ran and failed (its stderr is redacted when
/// the error is made); nothing otherwise: the source says what went wrong.
fn metadata_detail(source: &cargo_metadata::Error) -> String {
    match source {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            let stderr = stderr.trim();
            format!(
                ": cargo metadata failed:\n{}",
                Redacted(stderr.strip_prefix("error: ").unwrap_or(stderr))
            )
        }
        _ => String::new(),
    }
}

impl Error {
    /// A hint to print under the error, if there is one (print it through [`crate::redact`]).
    /// For config errors, the first problem's.
    pub fn help(&self) -> Option<&str> {
        match self {
            Error::Config(errors) => errors.problems.iter().find_map(|p| p.help.as_deref()),
            Error::Layout { help, .. }
            | Error::Signature { help, .. }
            | Error::Live { help, .. } => help.as_deref(),
            Error::NoClients { .. } => Some(
                "a check that finds no client checks nothing: correct \
                 `workspace.metadata.clientwall.clients` (globs relative to the workspace root, \
                 as cargo reads `members`), or add a client with `cargo clientwall new NAME`",
            ),
            _ => None,
        }
    }

    pub(crate) fn toml(path: impl Into<Utf8PathBuf>, error: toml_edit::TomlError) -> Self {
        Error::Toml {
            path: path.into(),
            parse_error: Box::new(error),
        }
    }

    /// `cargo metadata` failed; cargo's stderr is redacted before it is kept.
    pub(crate) fn metadata(
        manifest: impl Into<Utf8PathBuf>,
        source: cargo_metadata::Error,
    ) -> Self {
        let source = match source {
            cargo_metadata::Error::CargoMetadata { stderr } => {
                cargo_metadata::Error::CargoMetadata {
                    stderr: crate::redact::text(&stderr).into_owned(),
                }
            }
            other => other,
        };
        Error::Metadata {
            manifest: manifest.into(),
            source,
        }
    }

    pub fn io(action: IoAction, path: impl Into<Utf8PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// An I/O error on a path that need not be UTF-8.
    pub fn io_at(action: IoAction, path: &std::path::Path, source: std::io::Error) -> Self {
        Error::io(action, path.to_string_lossy().into_owned(), source)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A git command that failed: its arguments, the directory it ran in, its exit code and what it
/// wrote to stderr (redacted when the error is made, so no output shows a secret git quoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitError {
    /// The arguments after `git` (without the `-C` and `-c` options every command gets).
    pub args: Vec<String>,
    pub dir: PathBuf,
    /// `None` when git was stopped by a signal.
    pub status: Option<i32>,
    pub stderr: String,
}

impl GitError {
    pub fn new(
        args: impl IntoIterator<Item = impl AsRef<OsStr>>,
        dir: &Path,
        status: Option<i32>,
        stderr: &str,
    ) -> GitError {
        GitError {
            args: args
                .into_iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned())
                .collect(),
            dir: dir.to_owned(),
            status,
            stderr: crate::redact::text(stderr.trim()).into_owned(),
        }
    }
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let command = format!("git {}", self.args.join(" "));
        let stderr = match self.stderr.as_str() {
            "" => match self.status {
                Some(code) => format!("exit code {code}"),
                None => "stopped by a signal".to_owned(),
            },
            text => text.to_owned(),
        };
        let text = format!(
            "`{}` failed in {}: {stderr}",
            command.trim_end(),
            self.dir.display()
        );
        f.write_str(&crate::redact::text(&text))
    }
}

impl std::error::Error for GitError {}
