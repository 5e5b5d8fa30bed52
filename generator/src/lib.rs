//! `new-client`: render the client template into `clients/NAME` and register it in the
//! consultancy workspace's root `Cargo.toml`, all or nothing.

pub mod cli;
pub mod error;
pub mod existing;
pub mod init;
pub mod name;
pub mod register;
pub mod transaction;
pub mod upgrade;

/// The template and its variables live in the scaffold crate (the template as data).
pub use scaffold::{template, variables};

mod generate;

pub use error::Error;
pub use generate::{INTERRUPTED, Options, Outcome, Plan, generate, plan};
pub use transaction::recover;
