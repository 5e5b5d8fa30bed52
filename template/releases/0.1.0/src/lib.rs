//! {{ display_name }}'s Shopify audit: read-only access, a token that lives in memory for at
//! most 24 hours, and a database that belongs to this client alone.

pub mod clock;
pub mod config;
pub mod report;
pub mod scopes;
pub mod secret;
pub mod shopify;
pub mod store;
pub mod sync;
pub mod token;

/// This client's name, as the lint and the workspace know it.
pub const CLIENT: &str = "{{ client }}";
/// The prefix of every environment variable this crate reads.
pub const ENV_PREFIX: &str = "{{ env_prefix }}";
