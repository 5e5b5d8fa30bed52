//! Errors that stop a check. Every one of them maps to exit code 2: the lint fails closed.
//!
//! Every message is shown through [`crate::redact`]: an error may quote a manifest line or
//! cargo's stderr, and either can hold a secret (a git URL with a password).

use crate::redact::Redacted;
use camino::Utf8PathBuf;

/// Why a check could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A `clientwall` config key or value is wrong.
    #[error("invalid clientwall config at {file}:{line}: {}", Redacted(message))]
    Config {
        file: Utf8PathBuf,
        line: usize,
        message: String,
        help: Option<String>,
    },
    /// `cargo metadata` failed for a workspace.
    #[error(
        "failed to load the cargo workspace at {manifest}: {}",
        Redacted(detail)
    )]
    Metadata {
        manifest: Utf8PathBuf,
        detail: String,
    },
    /// A file or directory could not be read.
    #[error("failed to read {path}")]
    Io {
        path: Utf8PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A manifest is not valid TOML. The parser's message (which quotes the offending line) is
    /// part of this error's own, redacted, text rather than a source printed as it is.
    #[error("failed to parse {path}: {}", Redacted(parse_error))]
    Toml {
        path: Utf8PathBuf,
        parse_error: Box<toml_edit::TomlError>,
    },
    /// A client's template record, or the template version it names, is not usable.
    #[error(transparent)]
    Template(#[from] scaffold::Error),
    /// A program could not be started or read from.
    #[error("failed to run {program}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("failed to write {path}")]
    Write {
        path: Utf8PathBuf,
        #[source]
        source: std::io::Error,
    },
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
    /// The workspace layout is not one clientwall can check.
    #[error("{}", Redacted(message))]
    Layout {
        message: String,
        help: Option<String>,
    },
}

impl Error {
    /// A hint to print under the error, if there is one (print it through [`crate::redact`]).
    pub fn help(&self) -> Option<&str> {
        match self {
            Error::Config { help, .. }
            | Error::Layout { help, .. }
            | Error::Signature { help, .. } => help.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn toml(path: impl Into<Utf8PathBuf>, error: toml_edit::TomlError) -> Self {
        Error::Toml {
            path: path.into(),
            parse_error: Box::new(error),
        }
    }

    pub(crate) fn metadata(
        manifest: impl Into<Utf8PathBuf>,
        source: cargo_metadata::Error,
    ) -> Self {
        let detail = match source {
            cargo_metadata::Error::CargoMetadata { stderr } => {
                let stderr = stderr.trim();
                format!(
                    "cargo metadata failed:\n{}",
                    stderr.strip_prefix("error: ").unwrap_or(stderr)
                )
            }
            other => other.to_string(),
        };
        Error::Metadata {
            manifest: manifest.into(),
            detail,
        }
    }

    pub(crate) fn io(path: impl Into<Utf8PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
