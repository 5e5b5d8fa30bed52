//! `shared-database`

use super::{RuleCode, RuleInfo, Subject, Violation};
use crate::client_toml::{ClientToml, Located, env_prefix};
use crate::layout::Layout;
use std::collections::BTreeMap;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::SharedDatabase,
    summary: "two clients point at the same database, or a client's database URL variable is not its own",
    doc: r#"## What it does
Reads `[database]` in each client's `client.toml`. Fails when two clients name the same SQLite
`path` (after `~` expansion and normalization) or the same `url_env`, and when a `url_env` is
not the client's own: it must start with the client's prefix (`ACME_` for `acme`) and must not
fall in another client's longer prefix (`ACME_CORP_DATABASE_URL` is `acme-corp`'s variable, not
`acme`'s).

## Why is this bad?
A database shared by two clients is one query away from mixing their orders and customers, and
one leaked credential away from exposing both. Each client gets its own database, reached
through its own variable.

## Example
```toml
# clients/acme/client.toml and clients/globex/client.toml
[database]
kind = "postgres"
url_env = "DATABASE_URL"
```

## How to fix
Give each client its own database and its own variable: `url_env = "ACME_DATABASE_URL"`, and a
per-client SQLite path such as `~/.local/share/clientwall/acme/acme.sqlite3`.
"#,
};

pub fn check(configs: &[ClientToml], layout: &Layout) -> Vec<Violation> {
    let prefixes: Vec<(String, &str)> = layout
        .clients
        .iter()
        .map(|a| (format!("{}_", env_prefix(&a.name)), a.name.as_str()))
        .collect();
    let mut violations = Vec::new();
    let mut by_path: BTreeMap<String, Vec<(&ClientToml, &Located<String>)>> = BTreeMap::new();
    let mut by_env: BTreeMap<&str, Vec<(&ClientToml, &Located<String>)>> = BTreeMap::new();
    for config in configs {
        if let Some(path) = &config.database_path {
            by_path
                .entry(normalize_db_path(&path.value))
                .or_default()
                .push((config, path));
        }
        if let Some(env) = &config.database_url_env {
            by_env
                .entry(env.value.as_str())
                .or_default()
                .push((config, env));
            let prefix = format!("{}_", env_prefix(&config.client));
            // The longest client prefix the variable carries names the client it belongs to.
            let owner = prefixes
                .iter()
                .filter(|(p, _)| env.value.starts_with(p.as_str()))
                .max_by_key(|(p, _)| p.len())
                .map(|&(_, name)| name);
            let message = match owner {
                Some(owner) if owner == config.client => None,
                Some(other) => Some(format!(
                    "client `{}` reads its database URL from `{}`, which is client `{other}`'s variable",
                    config.client, env.value
                )),
                None => Some(format!(
                    "client `{}` reads its database URL from `{}`, which is not its own variable",
                    config.client, env.value
                )),
            };
            if let Some(message) = message {
                violations.push(violation(
                    config,
                    env,
                    owner.map(str::to_owned).into_iter().collect(),
                    message,
                    format!("use `{prefix}DATABASE_URL`"),
                ));
            }
        }
    }
    for (what, groups) in [
        ("database path", by_path.values().collect::<Vec<_>>()),
        ("database URL variable", by_env.values().collect()),
    ] {
        for group in groups.into_iter().filter(|g| g.len() > 1) {
            let names: Vec<&str> = group.iter().map(|(c, _)| c.client.as_str()).collect();
            for (config, value) in group {
                let others: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| *n != config.client)
                    .collect();
                violations.push(violation(
                    config,
                    value,
                    others.iter().map(|n| n.to_string()).collect(),
                    format!(
                        "client `{}` shares its {what} `{}` with {}",
                        config.client,
                        value.value,
                        quoted(&others)
                    ),
                    "give every client a database of its own".to_owned(),
                ));
            }
        }
    }
    violations
}

fn violation(
    config: &ClientToml,
    at: &Located<String>,
    shared_with: Vec<String>,
    message: String,
    help: String,
) -> Violation {
    Violation {
        rule: &RULE,
        subject: Subject::Database {
            location: at.value.clone(),
            shared_with,
        },
        client: config.client.clone(),
        path: Vec::new(),
        location: at.location.clone(),
        message,
        help,
        allow_key: None,
        show_source: true,
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `~` expanded and `.`/`..` resolved, so two spellings of one file compare equal.
pub fn normalize_db_path(path: &str) -> String {
    let expanded = match path.strip_prefix("~/") {
        Some(rest) => {
            std::env::var("HOME").map_or_else(|_| path.to_owned(), |home| format!("{home}/{rest}"))
        }
        None => path.to_owned(),
    };
    crate::scan::references::normalize(std::path::Path::new(&expanded))
        .to_string_lossy()
        .into_owned()
}
