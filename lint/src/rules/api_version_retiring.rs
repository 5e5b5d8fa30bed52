//! `api-version-retiring`

use super::{ConfigContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::error::Result;

/// How long before the end of support the rule warns.
pub const WARNING_DAYS: i64 = 90;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::ApiVersionRetiring,
    level: Level::Error,
    pass: Pass::ClientConfig(check),
    summary: "a client's pinned Shopify `api_version` is within 90 days of its end of support (warning) or past it (error)",
    doc: r#"## What it does
Reads `[shopify] api_version` in each client's `client.toml` (`YYYY-MM`) and computes the
version's end of support from its name: Shopify releases a stable Admin API version each
quarter, on the first day of January, April, July and October, named after that month
(`2026-10` is released on 2026-10-01), and supports each for at least 12 months. So the end
of support is the first day of the same month a year later (`2026-10` ends on 2027-10-01).
From 90 days before that day the rule warns (exit code unchanged); from that day on it fails.

A value that is not a released version's name (`2026-02`, `2026-10-01`, `unstable`, not a
string) stops the check (exit 2) naming the file and line: the tool cannot tell how long it
is supported. A client without `api_version` is not checked.

## Why is this bad?
When a version leaves support, Shopify answers requests for it with the oldest supported
version instead: fields change or vanish under the client's feet, and its numbers change
without anyone deciding it. The pin must move (with the template's schema test run against the
new version) before that day, not after.

## Example
```toml
[shopify]
api_version = "2025-07"   # supported until 2026-07-01
```

## How to fix
Move the client to a newer version: upgrade it to a template release that pins one
(`cargo clientwall upgrade`), or set `api_version` to a supported version once the client's
queries are validated against that version's schema.
"#,
};

pub fn check(ctx: &ConfigContext) -> Result<Vec<Violation>> {
    let today = ctx.today;
    Ok(ctx
        .selected
        .iter()
        .filter_map(|config| {
            let pinned = config.api_version.as_ref()?;
            let version = pinned.value;
            let end = version.end_of_support();
            let days_left = end.days_since_epoch() - today.days_since_epoch();
            if days_left > WARNING_DAYS {
                return None;
            }
            let client = &config.client;
            let message = if days_left > 0 {
                format!(
                    "client `{client}` pins Shopify API version {version}, whose support ends on {end} (in {days_left} day{})",
                    if days_left == 1 { "" } else { "s" }
                )
            } else {
                format!(
                    "client `{client}` pins Shopify API version {version}, whose support ended on {end}"
                )
            };
            Some(Violation {
                rule: &RULE,
                subject: Subject::ApiVersion {
                    version: version.to_string(),
                    end_of_support: end.to_string(),
                    days_left,
                },
                client: client.clone(),
                path: Vec::new(),
                location: pinned.location.clone(),
                message,
                help: format!(
                    "move `api_version` to a version released after {} (a template release that pins one: `cargo clientwall upgrade`)",
                    version.released()
                ),
                allow_key: None,
                show_source: true,
            })
        })
        .collect())
}
