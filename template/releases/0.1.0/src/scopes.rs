//! The scope guard: the grant must be read-only and no wider than `client.toml` asks.

use anyhow::{Result, bail};

/// What each read scope lets the token see, for `scopes` and the README.
pub fn describe(scope: &str) -> &'static str {
    match scope {
        "read_orders" => "read orders from the last 60 days (totals, currency, dates)",
        "read_all_orders" => "read orders older than 60 days",
        "read_customers" => "read customers (order count, amount spent)",
        "read_products" => "read products and variants",
        _ => "read access as Shopify defines it for this scope",
    }
}

/// The scopes of a grant (`"read_orders,read_customers"`), split and trimmed.
pub fn parse_granted(scope: &str) -> Vec<String> {
    scope.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Fail closed: any write scope, any non-read scope, or anything `client.toml` did not ask for
/// stops the run before a single record is read. A write scope also grants read in Shopify, so
/// read-only is verified here, not assumed.
pub fn check_grant(granted: &[String], configured: &[String]) -> Result<()> {
    let writes: Vec<&str> = granted.iter().map(String::as_str).filter(|s| !s.starts_with("read_")).collect();
    if !writes.is_empty() {
        bail!("the grant holds non-read-only scopes {writes:?}; refusing to read any data with it");
    }
    let unexpected: Vec<&str> =
        granted.iter().map(String::as_str).filter(|s| !configured.iter().any(|c| c == s)).collect();
    if !unexpected.is_empty() {
        bail!("the grant holds scopes that client.toml does not list {unexpected:?}; refusing to read any data with it");
    }
    Ok(())
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
        assert!(check_grant(&v(&["read_orders", "write_orders"]), &configured).is_err());
        assert!(check_grant(&v(&["read_products"]), &configured).is_err());
        assert!(check_grant(&v(&["unauthenticated_read_checkouts"]), &configured).is_err());
        assert_eq!(parse_granted("read_orders, read_customers"), v(&["read_orders", "read_customers"]));
    }
}
