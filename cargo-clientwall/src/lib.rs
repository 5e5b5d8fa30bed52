//! `cargo clientwall`: the command line of clientwall.
//!
//! The check itself lives in the `clientwall-lint` crate and the client lifecycle (`new`,
//! `upgrade`, `offboard`, `init`) in `clientwall-generator`; this crate is the `cargo-clientwall`
//! binary over both, and re-exports the check's modules so that `clientwall::check::run` and the
//! rest read as one library.

pub use clientwall_lint::*;

pub mod attest;
pub mod flycheck;
pub mod hook;
pub mod map;
pub mod signing;
pub use clientwall_template;
pub use generator;
