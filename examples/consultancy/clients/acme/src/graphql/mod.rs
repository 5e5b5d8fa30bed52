//! Every GraphQL document the client can send to the Admin API, one file each, so that the
//! whole set can be checked against Shopify's published schema (clientwall's own tests do:
//! each document valid, nothing deprecated, its requested cost by Shopify's rules at the page
//! size used here, and the scopes it needs). Each file opens with a header of `# key: value`
//! lines: `commands` (the commands that send it), `scopes` (the access scopes it needs, as the
//! schema's scope table derives them), `page-size` (a paged query's `$first`), and `bulk: true`
//! for a bulk query, whose `ARGS` is replaced by its arguments (`bulk`).
//!
//! This module stands alone (no `crate::` paths), so that those tests can include it as is
//! (they also check that `ALL` lists every file here).

pub const ORDERS: &str = include_str!("orders.graphql");
pub const ORDER_AGREEMENTS: &str = include_str!("order_agreements.graphql");
pub const ORDERS_COUNT: &str = include_str!("orders_count.graphql");
pub const SHOP: &str = include_str!("shop.graphql");
pub const DELETIONS: &str = include_str!("deletions.graphql");
pub const CUSTOMERS: &str = include_str!("customers.graphql");
pub const ORDERS_BULK: &str = include_str!("orders_bulk.graphql");
pub const CUSTOMERS_BULK: &str = include_str!("customers_bulk.graphql");
pub const BULK_RUN: &str = include_str!("bulk_run.graphql");
pub const BULK_OPERATION: &str = include_str!("bulk_operation.graphql");
pub const BULK_NEWEST: &str = include_str!("bulk_newest.graphql");
pub const APP_UNINSTALL: &str = include_str!("app_uninstall.graphql");
pub const RECONCILE: &str = include_str!("reconcile.graphql");
pub const ACCESS_SCOPES: &str = include_str!("access_scopes.graphql");

/// Every document, by file name.
pub const ALL: &[(&str, &str)] = &[
    ("orders.graphql", ORDERS),
    ("order_agreements.graphql", ORDER_AGREEMENTS),
    ("orders_count.graphql", ORDERS_COUNT),
    ("shop.graphql", SHOP),
    ("deletions.graphql", DELETIONS),
    ("customers.graphql", CUSTOMERS),
    ("orders_bulk.graphql", ORDERS_BULK),
    ("customers_bulk.graphql", CUSTOMERS_BULK),
    ("bulk_run.graphql", BULK_RUN),
    ("bulk_operation.graphql", BULK_OPERATION),
    ("bulk_newest.graphql", BULK_NEWEST),
    ("app_uninstall.graphql", APP_UNINSTALL),
    ("reconcile.graphql", RECONCILE),
    ("access_scopes.graphql", ACCESS_SCOPES),
];

/// Shopify's largest page (`first`) for a connection.
pub const MAX_PAGE_SIZE: u32 = 250;

/// The values of header `key` (`# key: a, b`), split at commas.
pub fn header<'a>(document: &'a str, key: &str) -> Vec<&'a str> {
    document
        .lines()
        .map_while(|line| line.strip_prefix('#'))
        .filter_map(|line| line.trim().strip_prefix(key)?.strip_prefix(':'))
        .flat_map(|values| values.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// The scopes a document needs.
pub fn scopes(document: &str) -> Vec<&str> {
    header(document, "scopes")
}

/// The commands that send a document.
pub fn commands(document: &str) -> Vec<&str> {
    header(document, "commands")
}

/// The commands that need `scope`: those sending a document that needs it. `read_all_orders`
/// is needed wherever orders are read (it widens `read_orders` to the whole history).
pub fn needed_by(scope: &str) -> Vec<&'static str> {
    let scope = if scope == "read_all_orders" {
        "read_orders"
    } else {
        scope
    };
    let mut commands: Vec<&'static str> = Vec::new();
    for (_, document) in ALL {
        if scopes(document).contains(&scope) {
            for command in self::commands(document) {
                if !commands.contains(&command) {
                    commands.push(command);
                }
            }
        }
    }
    commands
}

/// Whether a document is a bulk query (sent inside `bulkOperationRunQuery`, `ARGS` replaced).
pub fn is_bulk(document: &str) -> bool {
    header(document, "bulk") == ["true"]
}

/// A bulk query with its arguments: sorted by `updated_at`, filtered by Shopify's search
/// syntax when `filter` is given (the caller makes the filter; it is embedded as a string).
pub fn bulk(document: &str, filter: Option<&str>) -> String {
    let args = match filter {
        Some(filter) => format!("query: \"{filter}\", sortKey: UPDATED_AT"),
        None => "sortKey: UPDATED_AT".to_owned(),
    };
    body(document).replace("ARGS", &args)
}

/// A document without its header.
pub fn body(document: &str) -> &str {
    let mut rest = document;
    while let Some(line) = rest.strip_prefix('#') {
        rest = line.split_once('\n').map_or("", |(_, next)| next);
    }
    rest.trim()
}

/// A paged document's page size, from its `# page-size: N` header; evaluated at compile time,
/// so a document without one (or with one over Shopify's maximum) does not build.
pub const fn page_size(document: &str) -> u32 {
    const KEY: &[u8] = b"# page-size: ";
    let bytes = document.as_bytes();
    let mut at = 0;
    while at + KEY.len() <= bytes.len() {
        let mut matched = true;
        let mut k = 0;
        while k < KEY.len() {
            if bytes[at + k] != KEY[k] {
                matched = false;
                break;
            }
            k += 1;
        }
        if matched && (at == 0 || bytes[at - 1] == b'\n') {
            let mut n: u32 = 0;
            let mut i = at + KEY.len();
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                n = n * 10 + (bytes[i] - b'0') as u32;
                i += 1;
            }
            assert!(n > 0 && n <= MAX_PAGE_SIZE, "a page size is 1 to 250");
            return n;
        }
        at += 1;
    }
    panic!("a paged document has no `# page-size: N` header")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read() {
        assert_eq!(page_size(ORDERS), 6);
        assert_eq!(scopes(ORDERS), ["read_orders", "read_customers"]);
        assert_eq!(commands(ORDERS_BULK), ["sync --backfill"]);
        assert!(scopes(APP_UNINSTALL).is_empty());
        assert!(is_bulk(CUSTOMERS_BULK) && !is_bulk(CUSTOMERS));
        for (name, document) in ALL {
            assert!(!commands(document).is_empty(), "{name} names no command");
        }
    }

    #[test]
    fn scopes_name_the_commands_that_need_them() {
        assert_eq!(needed_by("read_orders"), ["sync", "sync --backfill"]);
        assert_eq!(needed_by("read_all_orders"), needed_by("read_orders"));
        assert_eq!(needed_by("read_customers"), ["sync", "sync --backfill"]);
        assert!(needed_by("read_products").is_empty());
    }

    #[test]
    fn bulk_arguments() {
        let q = bulk(ORDERS_BULK, Some("updated_at:>='2026-01-03T00:00:00Z'"));
        assert!(q.contains(
            r#"orders(query: "updated_at:>='2026-01-03T00:00:00Z'", sortKey: UPDATED_AT)"#
        ));
        let q = bulk(CUSTOMERS_BULK, None);
        assert!(q.starts_with('{') && q.ends_with('}'), "{q}");
        assert!(q.contains("customers(sortKey: UPDATED_AT)"), "{q}");
    }
}
