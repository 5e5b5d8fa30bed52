//! `cargo clientwall offboard CLIENT [--yes] [--export DIR]`: end an engagement with access
//! revoked, data destroyed, code removed and a deletion certificate written.
//!
//! The procedure is ordered and resumable: refuse (something depends on the client, or an
//! `allow` entry names it), then `revoke`, `export` (with `--export`), `destroy`, `remove`,
//! `check`, `certificate`. A journal ([`journal`]) records each step before and after it acts,
//! so a run killed anywhere is continued by the same command. The client crate owns its data
//! and its access, so `revoke`, `export` and `destroy` are commands of its own binary
//! ([`client_binary`]); the rest happens here: the check engine for the refusal and the final
//! check, toml_edit for the root manifest ([`unregister`]), and the certificate
//! ([`clientwall_lint::offboarded`]). Without `--yes` nothing is touched: [`preview`] only
//! plans.

pub mod client_binary;
pub mod journal;
pub mod plan;
pub mod unregister;

mod certificate;
mod procedure;
mod render;

use camino::Utf8PathBuf;

pub use plan::{Plan, Preview, preview};
pub use procedure::{ABORT_AT_VAR, Outcome, run};
pub use render::{render_outcome, render_preview};

/// What to offboard.
#[derive(Debug, Clone)]
pub struct Options {
    pub client: String,
    /// The consultancy workspace root (the directory of its root `Cargo.toml`).
    pub workspace: Utf8PathBuf,
    /// `--export DIR`: return the client's data there before destroying it.
    pub export: Option<Utf8PathBuf>,
}
