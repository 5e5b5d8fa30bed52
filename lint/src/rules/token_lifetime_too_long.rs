//! `token-lifetime-too-long`

use super::{ConfigContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::error::Result;

/// Shopify's client-credentials tokens expire after 24 hours; nothing may be configured longer.
pub const MAX_HOURS: i64 = 24;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::TokenLifetimeTooLong,
    level: Level::Error,
    pass: Pass::ClientConfig(check),
    summary: "a client's configured token lifetime exceeds 24 hours (or is not positive)",
    doc: r#"## What it does
Reads `[shopify] token_lifetime_hours` in each client's `client.toml` and fails when it is
more than 24, or not a positive number.

## Why is this bad?
Short-lived access limits what a leaked token is worth. The client-credentials grant issues
tokens that expire after 24 hours; keeping one longer means keeping a token Shopify no longer
honours, or caching it somewhere it should not be.

## Example
```toml
[shopify]
token_lifetime_hours = 720
```

## How to fix
Set it to 24 or less; the generated client renews the token before it expires.
"#,
};

pub fn check(ctx: &ConfigContext) -> Result<Vec<Violation>> {
    Ok(ctx
        .selected
        .iter()
        .filter_map(|config| {
            let hours = config.token_lifetime_hours.as_ref()?;
            (hours.value > MAX_HOURS || hours.value <= 0).then(|| Violation {
                rule: &RULE,
                subject: Subject::TokenLifetime { hours: hours.value },
                client: config.client.clone(),
                path: Vec::new(),
                location: hours.location.clone(),
                message: format!(
                    "client `{}` keeps its token for {} hours",
                    config.client, hours.value
                ),
                help: format!("set `token_lifetime_hours` between 1 and {MAX_HOURS}"),
                allow_key: None,
                show_source: true,
            })
        })
        .collect())
}
