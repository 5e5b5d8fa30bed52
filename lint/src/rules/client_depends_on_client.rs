//! `client-depends-on-client`

use super::{GraphContext, Level, Pass, RuleCode, RuleInfo, Violation, reach_violations};
use crate::model::classify::Kind;
use crate::error::Result;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::ClientDependsOnClient,
    level: Level::Error,
    pass: Pass::Graph(check),
    summary: "a client crate reaches another client's crate, at any depth",
    doc: r#"## What it does
Fails when a client can reach another client through the dependency graph: directly or through
any chain of shared crates; through normal and build dependencies at any depth, and through the
client's own dev-dependencies; in `[target.'cfg(..)'.dependencies]`; through optional
dependencies whatever features are enabled; renamed (`package = ".."`) or inherited
(`workspace = true`). A client's reach is what cargo compiles for it: cargo never builds a
dependency's dev-dependencies, so a shared crate's own dev-dependency on a client is not a
path from its users (it is `shared-depends-on-client`). Standalone client workspaces are checked
with their own `cargo metadata`, and so is every workspace of its own inside a client (a
`fuzz/` or `tools/` crate with a `[workspace]` table), which cargo builds from there.

A client is everything under its directory: every crate whose manifest lies there (a
sub-crate such as `clients/globex/crates/pricing`, the members of a client that is itself a
virtual workspace) is that client's, and reaching any of them is reaching the client. A client
is named after its root package, or after its directory when its root `Cargo.toml` is a virtual
workspace (no `[package]`); an `allow` entry names clients by these names. Clients are
identified by where they live (the `clients` globs) or by their `role = "client"` marker, never
by name: a crates.io crate that happens to be called `globex` is not the client `globex`. A
`git = ".."` dependency on this very repository (a `file://` path inside it, or one of its
remotes) that checks out a client's package is that client.

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
[dependencies]
globex-pricing = { path = "../../clients/globex/crates/pricing" }
```
reports `acme -> shared-report (normal) -> globex-pricing (normal)` ("client `acme` reaches
client `globex` (its crate `globex-pricing`)"), pointing at the `shared-report` key in
`clients/acme/Cargo.toml`. Had `shared/report` listed the client under `[dev-dependencies]`,
only `shared-depends-on-client` would fail: cargo never builds it for `acme`.

## How to fix
Remove the dependency. If two clients really need the same code, move that code into a shared
crate that depends on neither. A temporary exception needs an `allow` entry with a reason.
"#,
};

pub fn check(ctx: &GraphContext) -> Result<Vec<Violation>> {
    reach_violations(ctx, &RULE, Kind::Client, |client, target, krate| {
        let whose = if krate == target {
            String::new()
        } else {
            format!(" (its crate `{krate}`)")
        };
        (
            format!("client `{client}` reaches client `{target}`{whose}"),
            format!("remove this dependency so that `{client}` cannot reach `{target}`'s code"),
        )
    })
}
