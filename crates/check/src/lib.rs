//! clientwall: keeps every client's crate an island.
//!
//! The library behind `cargo clientwall`. [`check::run`] loads a consultancy workspace (and
//! every standalone client workspace under the client globs) through `cargo metadata`, builds
//! one crate graph, runs every rule in [`rules::RULES`] and returns a [`report::Report`] that the
//! formatters in [`report`] print.

pub mod attest;
pub(crate) mod cargo_config;
pub mod check;
pub mod classify;
pub mod client_toml;
pub mod config;
pub mod date;
pub mod discover;
pub mod error;
pub mod exit_codes;
pub(crate) mod exposure;
pub mod flycheck;
pub mod git;
pub mod graph;
pub mod history;
pub mod hook;
pub mod layout;
pub mod location;
pub mod manifest;
pub mod map;
pub mod offboarded;
pub mod policy_glob;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan;
pub mod signing;
pub(crate) mod source;
pub(crate) mod staged;
pub mod suggest;
pub(crate) mod targets;
pub(crate) mod watch;
pub mod workspace;

pub use check::{CheckOptions, FileSelection, run};
pub use error::Error;
