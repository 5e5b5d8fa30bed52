//! Why the template could not be read, rendered, recorded or released.

use camino::Utf8PathBuf;

/// A template, record or release error. Messages are lowercase fragments naming the file and,
/// where there is one, the line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A template variable's value is not acceptable.
    #[error("invalid {flag} `{value}`: {reason}")]
    Value {
        flag: &'static str,
        value: String,
        reason: String,
    },
    /// The template did not render (every failing file listed).
    #[error("failed to render the template:\n{0}")]
    Render(String),
    /// A template directory is not usable (missing, or its description is wrong).
    #[error("{0}")]
    Template(String),
    /// A file in TOML is not what it must be.
    #[error("invalid {path}:{line}: {message}")]
    Invalid {
        path: Utf8PathBuf,
        line: usize,
        message: String,
    },
    /// No embedded template has this version.
    #[error("template version {version} is not one this clientwall knows (it knows {known})")]
    UnknownVersion { version: String, known: String },
    /// A file operation failed.
    #[error("failed to {action} {path}")]
    Io {
        action: &'static str,
        path: Utf8PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<Utf8PathBuf>,
        source: std::io::Error,
    ) -> Error {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// An error at byte `offset` of `text`, the contents of `path`.
    pub(crate) fn invalid_at(
        path: impl Into<Utf8PathBuf>,
        text: &str,
        offset: Option<usize>,
        message: impl Into<String>,
    ) -> Error {
        let line = offset.map_or(1, |o| text[..o.min(text.len())].matches('\n').count() + 1);
        Error::Invalid {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
