//! `client-reaches-credential-helper`

use super::{GraphContext, Level, Pass, RuleCode, RuleInfo, Violation, reach_violations};
use crate::model::classify::Kind;
use crate::error::Result;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::ClientReachesCredentialHelper,
    level: Level::Error,
    pass: Pass::Graph(check),
    summary: "a client crate reaches a shared credential helper, at any depth",
    doc: r#"## What it does
Fails when a client crate can reach, at any depth and through any dependency kind, a crate that
is a credential helper: its name matches a `credential-helpers` glob in
`[workspace.metadata.clientwall]`, or it declares `role = "credential-helper"` in
`[package.metadata.clientwall]`.

## Why is this bad?
A shared credential helper is one place that holds or fetches many clients' secrets. A client
crate that links it can read credentials that belong to someone else. Each client's credentials
must come from that client's own environment variables.

## Example
```toml
[workspace.metadata.clientwall]
credential-helpers = ["*-credentials"]

# clients/acme/Cargo.toml
[dependencies]
agency-credentials = { path = "../../shared/agency-credentials" }
```
reports `acme -> agency-credentials (normal)`.

## How to fix
Read the client's credentials from its own prefixed environment variables (`ACME_SHOPIFY_CLIENT_ID`,
...), as the generated template does, and drop the dependency.
"#,
};

pub fn check(ctx: &GraphContext) -> Result<Vec<Violation>> {
    reach_violations(ctx, &RULE, Kind::CredentialHelper, |client, target, _| {
        (
            format!("client `{client}` reaches credential helper `{target}`"),
            format!(
                "read `{client}`'s credentials from its own environment variables and remove this dependency"
            ),
        )
    })
}
