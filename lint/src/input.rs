//! What a run reads: the policy and manifests, cargo's configuration, each client's
//! `client.toml`, git's view of the files and history, and the staged index.

pub mod client_toml;
pub mod config;
pub mod date;
pub mod discover;
pub mod git;
pub mod history;
pub mod manifest;
pub mod offboarded;
pub mod policy_glob;
pub mod read;
pub mod source;
pub(crate) mod staged;
pub mod suggest;
pub(crate) mod watch;
pub mod workspace;
