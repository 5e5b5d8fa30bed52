//! `client-depends-on-client`

use super::{GraphContext, RuleCode, RuleInfo, Violation, reach_violations};
use crate::classify::Kind;
use crate::error::Result;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::ClientDependsOnClient,
    summary: "a client crate reaches another client's crate, at any depth",
    doc: r#"## What it does
Fails when a client crate can reach another client crate through the dependency graph: directly
or through any chain of shared crates; through normal, dev or build dependencies; in
`[target.'cfg(..)'.dependencies]`; through optional dependencies whatever features are enabled;
renamed (`package = ".."`) or inherited (`workspace = true`). Standalone client workspaces are
checked with their own `cargo metadata`.

Clients are identified by where they live (the `clients` globs) or by their
`role = "client"` marker, never by name: a crates.io crate that happens to be called `globex` is
not the client `globex`.

## Why is this bad?
Code that one client's crate can import is code that can carry one client's data, credentials
or business logic into another client's build. Isolation that depends on nobody typing a `use`
line is not isolation.

## Example
```toml
# clients/acme/Cargo.toml
[dependencies]
shared-report = { path = "../../shared/report" }

# shared/report/Cargo.toml
[dev-dependencies]
globex = { path = "../../clients/globex" }
```
reports `acme -> shared-report (normal) -> globex (dev)`, pointing at the `shared-report` key
in `clients/acme/Cargo.toml`.

## How to fix
Remove the dependency. If two clients really need the same code, move that code into a shared
crate that depends on neither. A temporary exception needs an `allow` entry with a reason.
"#,
};

pub fn check(ctx: &GraphContext) -> Result<Vec<Violation>> {
    reach_violations(ctx, &RULE, Kind::Client, |client, target| {
        (
            format!("client `{client}` reaches client `{target}`"),
            format!("remove this dependency so that `{client}` cannot reach `{target}`'s code"),
        )
    })
}
