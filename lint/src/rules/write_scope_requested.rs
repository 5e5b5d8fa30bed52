//! `write-scope-requested`

use super::{ConfigContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::error::Result;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::WriteScopeRequested,
    level: Level::Error,
    pass: Pass::ClientConfig(check),
    summary: "a client's `client.toml` asks for a `write_*` or unknown Shopify scope",
    doc: r#"## What it does
Reads `[shopify] scopes` in each client's `client.toml` and fails for every scope that is not a
known read-only Admin API scope (`read_orders`, `read_customers`, `read_products`, ...): any
`write_*` scope, and anything unknown. A key of `client.toml` that reads as a misspelling of
one the rules read (`scope = [..]`, `[shopfy]`, `token_lifetime_hour`) stops the check (exit 2)
naming its line, rather than pass scopes no rule saw; keys that misspell none are left to the
template.

## Why is this bad?
An audit needs to read. In Shopify every `write_*` scope also grants the matching read, so a
write scope is never needed to read, and it turns a leaked token into a way to change the
client's shop. Unknown scopes are refused because read-only must be verified, not assumed.

## Example
```toml
[shopify]
scopes = ["read_orders", "write_orders"]
```

## How to fix
Ask for the `read_*` scope instead, and change the app's configuration in Shopify to match.
"#,
};

/// Read-only Admin API access scopes.
pub const READ_SCOPES: &[&str] = &[
    "read_all_orders",
    "read_analytics",
    "read_assigned_fulfillment_orders",
    "read_checkouts",
    "read_content",
    "read_customer_events",
    "read_customers",
    "read_discounts",
    "read_draft_orders",
    "read_files",
    "read_fulfillments",
    "read_gift_cards",
    "read_inventory",
    "read_legal_policies",
    "read_locales",
    "read_locations",
    "read_markets",
    "read_marketing_events",
    "read_merchant_managed_fulfillment_orders",
    "read_metaobject_definitions",
    "read_metaobjects",
    "read_online_store_navigation",
    "read_online_store_pages",
    "read_order_edits",
    "read_orders",
    "read_payment_terms",
    "read_price_rules",
    "read_product_listings",
    "read_products",
    "read_publications",
    "read_reports",
    "read_returns",
    "read_script_tags",
    "read_shipping",
    "read_shopify_payments_disputes",
    "read_shopify_payments_payouts",
    "read_themes",
    "read_third_party_fulfillment_orders",
    "read_translations",
];

pub fn check(ctx: &ConfigContext) -> Result<Vec<Violation>> {
    Ok(ctx
        .selected
        .iter()
        .flat_map(|config| {
            config
                .scopes
                .iter()
                .filter(|s| !READ_SCOPES.contains(&s.value.as_str()))
                .map(|scope| {
                    let what = if scope.value.starts_with("write_") {
                        "write scope"
                    } else {
                        "unknown scope"
                    };
                    Violation {
                        rule: &RULE,
                        subject: Subject::Scope {
                            scope: scope.value.clone(),
                        },
                        client: config.client.clone(),
                        path: Vec::new(),
                        location: scope.location.clone(),
                        message: format!(
                            "client `{}` requests {what} `{}`",
                            config.client, scope.value
                        ),
                        help: match scope.value.strip_prefix("write_") {
                            Some(rest) => {
                                format!("request `read_{rest}` instead: an audit only reads")
                            }
                            None => match crate::input::suggest::did_you_mean(
                                &scope.value,
                                READ_SCOPES.iter().copied(),
                            ) {
                                Some(best) => {
                                    format!("not a known read-only scope; did you mean `{best}`?")
                                }
                                None => {
                                    "use a known read-only scope such as `read_orders`".to_owned()
                                }
                            },
                        },
                        allow_key: None,
                        show_source: true,
                    }
                })
        })
        .collect())
}
