//! The scope guard: the grant must be read-only and no wider than `client.toml` asks.

use anyhow::{Result, bail};

/// What a scope lets the token do, and what it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeInfo {
    pub allows: &'static str,
    pub does_not_allow: &'static str,
}

/// What each read scope allows and does not allow, for `scopes`, the README and onboarding.
pub fn describe(scope: &str) -> ScopeInfo {
    let (allows, does_not_allow) = match scope {
        "read_orders" => (
            "read orders of the last 60 days: totals, currency, dates, line items",
            "change, cancel or refund an order; see orders older than 60 days",
        ),
        "read_all_orders" => (
            "extends read_orders to the whole order history (older than 60 days)",
            "anything beyond reading; it adds no access on its own",
        ),
        "read_customers" => (
            "read customers: order count and amount spent",
            "change customers, their addresses or marketing consent",
        ),
        "read_reports" => (
            "read Shopify's own reports (ShopifyQL), for `reconcile`",
            "change reports, or read anything its protected-data access does not cover",
        ),
        "read_products" => (
            "read products and variants",
            "change products, prices or inventory",
        ),
        _ => (
            "read access as Shopify defines it for this scope",
            "anything beyond reading",
        ),
    };
    ScopeInfo {
        allows,
        does_not_allow,
    }
}

/// The scopes of a grant (`"read_orders,read_customers"`), split and trimmed.
pub fn parse_granted(scope: &str) -> Vec<String> {
    scope
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Fail closed: any write scope, any non-read scope, or anything `client.toml` did not ask for
/// stops the run before a single record is read. A write scope also grants read in Shopify, so
/// read-only is verified here, not assumed.
pub fn check_grant(granted: &[String], configured: &[String]) -> Result<()> {
    if granted.is_empty() {
        bail!("the token grant lists no scopes: read-only access cannot be verified");
    }
    let writes: Vec<&str> = granted
        .iter()
        .map(String::as_str)
        .filter(|s| !s.starts_with("read_"))
        .collect();
    if !writes.is_empty() {
        bail!("the grant holds non-read-only scopes {writes:?}; refusing to read any data with it");
    }
    let unexpected: Vec<&str> = granted
        .iter()
        .map(String::as_str)
        .filter(|s| !configured.iter().any(|c| c == s))
        .collect();
    if !unexpected.is_empty() {
        bail!(
            "the grant holds scopes that client.toml does not list {unexpected:?}; refusing to \
             read any data with it"
        );
    }
    Ok(())
}

/// Whether a grant reaches orders older than 60 days.
pub fn has_full_history(granted: &[String]) -> bool {
    granted.iter().any(|s| s == "read_all_orders")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn guard() {
        let configured = v(&["read_orders", "read_customers"]);
        assert!(check_grant(&v(&["read_orders"]), &configured).is_ok());
        assert!(check_grant(&v(&[]), &configured).is_err());
        assert!(check_grant(&v(&["read_orders", "write_orders"]), &configured).is_err());
        assert!(check_grant(&v(&["read_products"]), &configured).is_err());
        assert!(check_grant(&v(&["unauthenticated_read_checkouts"]), &configured).is_err());
        assert_eq!(
            parse_granted("read_orders, read_customers"),
            v(&["read_orders", "read_customers"])
        );
    }

    #[test]
    fn every_configured_scope_is_described() {
        let config = crate::config::ClientConfig::embedded().unwrap();
        for scope in &config.shopify.scopes {
            assert_ne!(describe(scope), describe("an_unknown_scope"), "{scope}");
        }
        assert!(
            has_full_history(&config.shopify.scopes),
            "the default reaches all history"
        );
    }
}
