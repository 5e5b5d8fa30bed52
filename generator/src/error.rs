//! Why `new-client` refused or failed. Every error leaves the workspace as it was.

use camino::Utf8PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The client name is not acceptable.
    #[error("invalid client name `{name}`: {reason}")]
    Name { name: String, reason: String },
    /// A flag value is not acceptable.
    #[error("invalid {flag} `{value}`: {reason}")]
    Value {
        flag: &'static str,
        value: String,
        reason: String,
    },
    /// The template did not render.
    #[error("failed to render the template:\n{0}")]
    Render(String),
    /// The template, a client record or a template version is not usable.
    #[error(transparent)]
    Template(#[from] clientwall_template::Error),
    /// The workspace is not one `new-client` can extend.
    #[error("{0}")]
    Workspace(String),
    /// A file operation failed.
    #[error("failed to {action} {path}")]
    Io {
        action: &'static str,
        path: Utf8PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The workspace's root manifest or its clientwall policy is not readable.
    #[error("failed to read the workspace policy")]
    Policy(#[source] clientwall_lint::Error),
    /// The lint could not check the result.
    #[error("the post-generation check failed to run")]
    Check(#[source] clientwall_lint::Error),
    /// The lint found violations in the result; the client was removed again.
    #[error("the post-generation check found {0} violation(s); the new client was removed")]
    Violations(usize),
    /// Interrupted by a signal; the client was removed again.
    #[error("interrupted; the new client was removed")]
    Interrupted,
    /// `offboard` refused before touching anything.
    #[error("refusing to offboard `{client}`: {reasons}")]
    OffboardRefused { client: String, reasons: String },
    /// A step of `offboard` failed or was interrupted; the journal keeps what was done, and
    /// the same command again continues from this step.
    #[error("offboarding `{client}` stopped at step `{step}`: {message}")]
    OffboardStep {
        client: String,
        step: &'static str,
        message: String,
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
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
