//! `shared-depends-on-client`

use super::{GraphContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::model::classify::Kind;
use crate::error::Result;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::SharedDependsOnClient,
    level: Level::Error,
    pass: Pass::Graph(check),
    summary: "a non-client crate depends on a client crate",
    doc: r#"## What it does
Fails when a crate that is not a client (shared code, a credential helper, a tool) declares a
dependency of any kind on a client's crate (any crate under a client's directory), its own
dev-dependencies included: those are built for its own tests.

## Why is this bad?
Shared code sits between clients. Once it imports one client's crate, every other client that
uses the shared code can reach that client too, and the shared crate itself starts carrying one
client's logic and data.

## Example
```toml
# shared/report/Cargo.toml
[dev-dependencies]
globex = { path = "../../clients/globex" }
```
reports `shared-report -> globex (dev)`.

## How to fix
Invert the dependency: the client depends on the shared crate and passes in what it needs. Test
fixtures belong in a shared test kit that depends on no client.
"#,
};

pub fn check(ctx: &GraphContext) -> Result<Vec<Violation>> {
    let graph = ctx.graph;
    let mut violations = Vec::new();
    for (edge_id, edge) in graph.edges.iter().enumerate() {
        let (from, to) = (&graph.nodes[edge.from], &graph.nodes[edge.to]);
        if !from.source.is_local() || from.kind == Kind::Client || to.kind != Kind::Client {
            continue;
        }
        let path = ctx.hops(&[edge_id])?;
        let location = path[1]
            .location
            .clone()
            .expect("every hop after the first is located");
        let client = graph.owner_name(edge.to);
        let whose = if to.name == client {
            String::new()
        } else {
            format!(" (its crate `{}`)", to.name)
        };
        violations.push(Violation {
            rule: &RULE,
            subject: Subject::Crate {
                name: client.to_owned(),
                role: Kind::Client,
            },
            client: client.to_owned(),
            message: format!(
                "`{}` is not a client but depends on client `{client}`{whose}",
                from.name
            ),
            help: format!(
                "remove this dependency; `{}` must not import client code",
                from.name
            ),
            allow_key: Some((from.name.clone(), client.to_owned())),
            show_source: true,
            location,
            path,
        });
    }
    Ok(violations)
}
