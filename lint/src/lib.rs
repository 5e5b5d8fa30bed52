//! clientwall: keeps every client's crate an island.
//!
//! The library behind `cargo clientwall`. [`check::run`] loads a consultancy workspace (and
//! every standalone client workspace under the client globs) through `cargo metadata`, builds
//! one crate graph, runs every rule in [`rules::RULES`] and returns a [`report::Report`] that the
//! formatters in [`report`] print.

pub mod check;
pub mod error;
pub mod exit_codes;
pub mod input;
pub mod location;
pub mod model;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan;
pub mod secrets;

// The stages' modules, also at the crate root (`crate::input::config`, `clientwall_lint::graph`).
pub use input::{
    client_toml, config, date, discover, git, history, manifest, offboarded, policy_glob, source,
    suggest, workspace,
};
pub use model::{classify, graph, layout};

pub use check::{CheckOptions, FileSelection, run};
pub use error::Error;
