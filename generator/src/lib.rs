//! `new-client`: render the client template into `clients/NAME` and register it in the
//! consultancy workspace's root `Cargo.toml`, all or nothing.

pub mod error;
pub mod existing;
pub mod init;
pub mod name;
pub mod register;
pub mod template;
pub mod transaction;
pub mod variables;

mod generate;

pub use error::Error;
pub use generate::{INTERRUPTED, Options, Outcome, Plan, generate, plan};
pub use transaction::recover;
