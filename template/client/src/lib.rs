//! {{ display_name }}'s Shopify audit: read-only access, a token that lives in memory for at
//! most 24 hours, and a database that belongs to this client alone.

pub mod backfill;
pub mod clock;
pub mod config;
pub mod connect;
pub mod destroy;
pub mod export;
pub mod graphql;
pub mod http;
pub mod ledger;
pub mod limiter;
pub mod money;
pub mod offboard;
pub mod onboarding;
pub mod reconcile;
pub mod report;
pub mod revoke;
pub mod sandbox;
pub mod scopes;
pub mod secret;
pub mod self_check;
pub mod shopify;
pub mod store;
pub mod sync;
pub mod tables;
pub mod token;

/// This client's name, as the lint and the workspace know it.
pub const CLIENT: &str = "{{ client }}";
/// The client's name for people.
pub const DISPLAY_NAME: &str = "{{ display_name }}";
/// The prefix of every environment variable this crate reads (defined in the locked
/// `config.rs`, which confines credentials to it).
pub use config::ENV_PREFIX;
