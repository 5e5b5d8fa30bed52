//! Which command of a client made from clientwall's template needs which Shopify scope: the
//! evidence of the **minimal** axis. Read from the template's queries (`template/client/src/sync.rs`,
//! `backfill.rs`): `sync` reads orders and customers changed since the last sync, `sync
//! --backfill` the whole history of both through bulk operations, and an order older than 60
//! days is visible only with `read_all_orders`. No command reads products.

/// The commands of the template that need `scope`; empty when none does.
pub fn needed_by(scope: &str) -> &'static [&'static str] {
    match scope {
        "read_orders" => &[
            "`sync` (orders and their line items)",
            "`sync --backfill` (every order)",
        ],
        "read_all_orders" => &["`sync --backfill` (orders older than 60 days)"],
        "read_customers" => &[
            "`sync` (customers: order count, amount spent)",
            "`sync --backfill` (every customer)",
        ],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::needed_by;

    /// The table agrees with the template's queries: a scope is listed as needed exactly when a
    /// query of the template reads what it grants.
    #[test]
    fn table_matches_the_template_queries() {
        let current = clientwall_template::Catalog::embedded().current().unwrap();
        let read = |f: &str| {
            let path = format!("src/{f}");
            let (_, bytes) = current
                .raw_files()
                .iter()
                .find(|(p, _)| *p == path)
                .unwrap();
            String::from_utf8(bytes.clone()).unwrap()
        };
        let queries = read("sync.rs") + &read("backfill.rs");
        assert!(queries.contains("orders(") && !needed_by("read_orders").is_empty());
        assert!(queries.contains("customers(") && !needed_by("read_customers").is_empty());
        assert!(!queries.contains("products(") && needed_by("read_products").is_empty());
        assert!(read("sync.rs").contains("read_all_orders"));
    }
}
