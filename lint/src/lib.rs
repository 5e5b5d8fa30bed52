//! clientwall: keeps every client's crate an island.
//!
//! The library behind `cargo clientwall`. [`check::run`] loads a consultancy workspace (and
//! every standalone client workspace under the client globs) through `cargo metadata`, builds
//! one crate graph, runs every rule in [`rules::RULES`] and returns a [`report::Report`] that the
//! formatters in [`report`] print.
//!
//! The stages (`input`, `model`, `scan`) are private; what the front door, the generator and the
//! benchmarks call is re-exported here.

pub mod check;
pub mod error;
pub mod exit_codes;
pub(crate) mod input;
pub mod location;
pub(crate) mod model;
pub mod redact;
pub mod report;
pub mod rules;
pub(crate) mod scan;
pub mod secrets;

// What a run reads and knows, for the commands around the check (attest, map, offboard, init).
pub use input::{
    client_toml, config, date, discover, git, history, manifest, offboarded, policy_glob, source,
    suggest, workspace,
};
pub use model::{classify, graph, layout};

// The file scan's entry point, tokenizer and prefilter, for the benchmarks (`cargo xtask bench`),
// the scanner's fuzz tests and the test that the prefilter changes nothing the scan finds.
pub use scan::{
    REFERENCE_HINT_SOURCE, ScanOutput, TargetDirs, lexer, prefilter, references, rust,
    scan_workspace,
};

pub use check::{CheckOptions, FileSelection, run};
pub use error::Error;
