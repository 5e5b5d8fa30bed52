//! `role-override`

use super::{GraphContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::model::classify::Kind;
use crate::input::config::{Config, Role};
use crate::error::Result;
use crate::location::relative_path;
use crate::input::workspace::ClientManifest;
use camino::Utf8Path;
use serde::Serialize;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::RoleOverride,
    level: Level::Error,
    pass: Pass::Graph(check),
    summary: "a crate under a client glob declares itself `shared` or `credential-helper`",
    doc: r#"## What it does
Fails for every crate in a directory the `clients` globs match whose own manifest says
`[package.metadata.clientwall] role = "shared"` or `role = "credential-helper"`, unless an
`allow` entry of the root policy names the crate (`from`) and the role it declares (`to`) with a
reason.

## Why is this bad?
A marker wins over the globs, so such a crate is not a client: the wall's rules no longer
apply to it, and any client may depend on it. The policy in the root manifest says where the
clients are; a crate must not leave the wall on its own say-so, in a file a reviewer of the
policy never looks at.

## Example
```toml
# clients/acme/Cargo.toml, under `clients = ["clients/*"]`
[package.metadata.clientwall]
role = "shared"
```

## How to fix
Remove the marker (the crate is then the client it looks like), or move a crate that really
is shared out of the client directories. If it must stay, say so in the root policy:
```toml
[[workspace.metadata.clientwall.allow]]
from = "acme-tools"
to = "shared"
reason = "generic tooling kept beside the clients during the migration"
```
"#,
};

/// The role a marker declares, as an `allow` entry's `to` names it.
fn role_name(role: Role) -> Option<(&'static str, Kind)> {
    match role {
        Role::Shared => Some(("shared", Kind::Shared)),
        Role::CredentialHelper => Some(("credential-helper", Kind::CredentialHelper)),
        Role::Client => None,
    }
}

/// A finding for every crate the client globs match that declares itself no client. Each
/// carries the `(crate, role)` an `allow` entry must name to excuse it.
pub fn check(ctx: &GraphContext) -> Result<Vec<Violation>> {
    let (config, client_manifests) = (ctx.config, ctx.client_manifests);
    let globs = config
        .client_globs_written
        .iter()
        .map(|g| format!("`{}`", g.written));
    let globs = globs.collect::<Vec<_>>().join(", ");
    let mut found = Vec::new();
    for client in client_manifests {
        let Some((role, kind)) = client.role()?.and_then(role_name) else {
            continue;
        };
        let name = client.client_name();
        let location = client
            .manifest
            .key_location(&["package", "metadata", "clientwall", "role"]);
        found.push(Violation {
            rule: &RULE,
            client: name.clone(),
            subject: Subject::Crate {
                name: name.clone(),
                role: kind,
            },
            path: Vec::new(),
            location,
            message: format!(
                "`{name}` lies where the client globs ({globs}) find clients, but its own \
                 manifest declares it `{role}`: it leaves the wall on its own say-so"
            ),
            help: format!(
                "remove the marker, move the crate out of the client directories, or add an \
                 `allow` entry with `from = \"{name}\"`, `to = \"{role}\"` and a reason"
            ),
            allow_key: Some((name, role.to_owned())),
            show_source: true,
        });
    }
    Ok(found)
}

/// A crate the client globs match that declares another role: what `attest` and `graph` show,
/// whether or not an `allow` entry excuses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleOverride {
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// Its directory, relative to the workspace root.
    pub dir: String,
    /// `shared` or `credential-helper`.
    pub role: String,
    /// The reason of the `allow` entry that excuses it; `None`: a `role-override` finding.
    pub allowed: Option<String>,
}

impl RoleOverride {
    /// `client-tools` (`clients/tools`) declares itself `shared`: allowed, "…" / a finding.
    pub fn describe(&self) -> String {
        let verdict = match &self.allowed {
            Some(reason) => format!("allowed by the policy: \"{reason}\""),
            None => "not allowed (`role-override`)".to_owned(),
        };
        format!(
            "`{}` (`{}`) declares itself `{}`: {verdict}",
            self.crate_name, self.dir, self.role
        )
    }
}

/// Every role override of the workspace, with the `allow` entry that excuses it, if one does
/// (unexpired on `today`).
pub fn overrides(
    root: &Utf8Path,
    config: &Config,
    client_manifests: &[ClientManifest],
    today: crate::input::date::Date,
) -> Result<Vec<RoleOverride>> {
    let mut found = Vec::new();
    for client in client_manifests {
        let Some((role, _)) = client.role()?.and_then(role_name) else {
            continue;
        };
        let crate_name = client.client_name();
        let allowed = config
            .allow
            .iter()
            .find(|e| e.from == crate_name && e.to == role && e.expires.is_none_or(|d| d >= today))
            .map(|e| e.reason.clone());
        found.push(RoleOverride {
            dir: relative_path(client.dir(), root),
            crate_name,
            role: role.to_owned(),
            allowed,
        });
    }
    Ok(found)
}
