//! `cargo clientwall`: the command line of clientwall.
//!
//! The check itself lives in the `clientwall-check` crate and the client lifecycle (`new`,
//! `upgrade`, `offboard`, `init`) in `clientwall-generator`; this crate is the `cargo-clientwall`
//! binary over both, and re-exports the check's modules so that `clientwall::check::run` and the
//! rest read as one library.

pub use clientwall_check::*;
pub use generator;
pub use scaffold;
