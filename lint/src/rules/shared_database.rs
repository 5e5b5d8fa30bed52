//! `shared-database`

use super::{ConfigContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::input::client_toml::{ClientToml, Located, env_prefix};
use crate::error::Result;
use crate::input::offboarded::Stored;
use std::collections::BTreeMap;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::SharedDatabase,
    level: Level::Error,
    pass: Pass::ClientConfig(check),
    summary: "two clients point at the same database, a client's database URL variable is not its own, or a client names an offboarded client's destroyed database",
    doc: r#"## What it does
Reads `[database]` in each client's `client.toml`. Fails when two clients name the same SQLite
`path` (after `~` expansion and normalization) or the same `url_env`, and when a `url_env` is
not the client's own: it must start with the client's prefix (`ACME_` for `acme`) and must not
fall in another client's longer prefix (`ACME_CORP_DATABASE_URL` is `acme-corp`'s variable, not
`acme`'s).

It also reads the deletion certificates that `cargo clientwall offboard` wrote under
`offboarded/`, and fails when a client names the `path` or `url_env` of a database a
certificate says was destroyed: typically an offboarded client's name reappearing with the old
client's data paths (a half-restored client: its crate brought back from git history or a
backup). A certificate whose checksum does not match its content stops the check (exit 2).

## Why is this bad?
A database shared by two clients is one query away from mixing their orders and customers, and
one leaked credential away from exposing both. Each client gets its own database, reached
through its own variable. A client pointed at an offboarded client's database writes into the
place a deletion certificate promised is empty, and a restored copy of the old crate would
start filling it again with the data the consultant certified deleted.

## Example
```toml
# clients/acme/client.toml and clients/globex/client.toml
[database]
kind = "postgres"
url_env = "DATABASE_URL"
```

## How to fix
Give each client its own database and its own variable: `url_env = "ACME_DATABASE_URL"`, and a
per-client SQLite path such as `~/.local/share/clientwall/acme/acme.sqlite3`. A restored copy of
an offboarded client is removed again; a new engagement with the same client gets a database
of its own (a new `path`, or a new `url_env` such as `ACME_2027_DATABASE_URL`).
"#,
};

/// The findings about every client's `client.toml`, the clients of the layout, compared with
/// each other and with the workspace's deletion certificates.
pub fn check(ctx: &ConfigContext) -> Result<Vec<Violation>> {
    let (configs, layout, offboarded) = (ctx.everyone, ctx.layout, ctx.offboarded);
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
    let root = camino::Utf8Path::from_path(&layout.root).unwrap_or(camino::Utf8Path::new(""));
    violations.extend(destroyed(configs, offboarded, root));
    Ok(violations)
}

/// Clients that name a database a deletion certificate says was destroyed.
fn destroyed(
    configs: &[ClientToml],
    offboarded: &[Stored],
    root: &camino::Utf8Path,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    for config in configs {
        for stored in offboarded {
            let old = &stored.certificate;
            let data = &old.data;
            let same_path = config.database_path.as_ref().filter(|path| {
                let path = normalize_db_path(&path.value);
                data.declared_path.as_deref().map(normalize_db_path) == Some(path.clone())
                    || (data.engine == "sqlite" && normalize_db_path(&data.location) == path)
            });
            let same_env = config
                .database_url_env
                .as_ref()
                .filter(|env| data.declared_url_env.as_deref() == Some(env.value.as_str()));
            let certificate = crate::location::relative_path(&stored.json_path, root);
            for (what, at) in [
                ("database path", same_path),
                ("database URL variable", same_env),
            ] {
                let Some(at) = at else { continue };
                let message = if config.client == old.client {
                    format!(
                        "the offboarded client `{}` is back with its old {what} `{}`, whose data {certificate} certifies destroyed on {}",
                        old.client,
                        at.value,
                        old.date()
                    )
                } else {
                    format!(
                        "client `{}` names the {what} `{}` of the offboarded client `{}`, whose data {certificate} certifies destroyed on {}",
                        config.client,
                        at.value,
                        old.client,
                        old.date()
                    )
                };
                violations.push(Violation {
                    rule: &RULE,
                    subject: Subject::OffboardedDatabase {
                        location: at.value.clone(),
                        offboarded: old.client.clone(),
                        certificate: certificate.clone(),
                    },
                    client: config.client.clone(),
                    path: Vec::new(),
                    location: at.location.clone(),
                    message,
                    help: format!(
                        "a restored copy of `{}` is removed again (`cargo clientwall offboard {}`); a new engagement gets a database of its own: a new `path`, or a new `url_env` (still `{}_`-prefixed)",
                        old.client,
                        config.client,
                        env_prefix(&config.client)
                    ),
                    allow_key: None,
                    show_source: true,
                });
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
    crate::location::normalize(std::path::Path::new(&expanded))
        .to_string_lossy()
        .into_owned()
}
