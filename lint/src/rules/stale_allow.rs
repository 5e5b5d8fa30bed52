//! `stale-allow`

use super::{Level, PolicyContext, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::input::config::{AllowEntry, Config};
use crate::input::date::Date;
use crate::error::Result;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::StaleAllow,
    level: Level::Error,
    pass: Pass::Policy(check),
    summary: "an `allow` entry matched nothing, or has expired; a `clients` glob matches no directory",
    doc: r#"## What it does
Fails for every `[[workspace.metadata.clientwall.allow]]` entry that excused no finding in this
run, and for every entry whose `expires` date has passed (an expired entry excuses nothing).
A full check also fails for every glob of `workspace.metadata.clientwall.clients` that matches
no directory at all (the globs are read as cargo reads `members`: `./clients/*/` is
`clients/*`); when no glob finds a single client, the check stops instead (exit 2).

## Why is this bad?
Exceptions rot. An entry that no longer matches anything silently excuses the next violation
that happens to fit it; an exception that was meant to be temporary becomes permanent unless
something makes it fail.

## Example
```toml
[[workspace.metadata.clientwall.allow]]
from = "acme"
to = "legacy-auth"
reason = "migrating off the shared auth crate"
expires = "2027-03-01"
```
fails once `acme` no longer reaches `legacy-auth`, and from 2027-03-02 on.

A `clients = ["clients/*", "customer/*"]` whose second glob misspells `customers/` fails too:
the clients it was meant to find would not be checked as clients.

## How to fix
Delete the entry once the dependency is gone. If the exception is still needed after it
expired, fix the dependency, or renew `expires` with a reason a reviewer can accept. Correct or
delete a `clients` glob that matches nothing.
"#,
};

/// The `clients` globs that match no directory, which this run reports, then the `allow`
/// entries it judges that are expired or excused nothing (when the graph rules ran).
pub fn check(ctx: &PolicyContext) -> Result<Vec<Violation>> {
    let mut found: Vec<Violation> = client_globs(ctx.config, ctx.unmatched_globs)
        .into_iter()
        .filter(|v| (ctx.reports)(v))
        .collect();
    if let Some(used) = ctx.used {
        found.extend(entries(&ctx.config.allow, used, ctx.today, ctx.judges));
    }
    Ok(found)
}

/// Violations for the entries of `allow` that are expired on `today` or were not `used`.
/// `in_scope` tells whether an entry concerns the clients selected for this run.
fn entries(
    allow: &[AllowEntry],
    used: &[bool],
    today: Date,
    in_scope: impl Fn(&AllowEntry) -> bool,
) -> Vec<Violation> {
    allow
        .iter()
        .zip(used)
        .filter(|(entry, _)| in_scope(entry))
        .filter_map(|(entry, &used)| {
            let what = entry.describe();
            let (message, help) = match entry.expires {
                Some(expires) if expires < today => (
                    format!("{what} expired on {expires}"),
                    "fix the dependency, or renew `expires` with a reason a reviewer can accept"
                        .to_owned(),
                ),
                _ if !used => (
                    format!("{what} matched no finding"),
                    "delete this entry: there is nothing left to excuse".to_owned(),
                ),
                _ => return None,
            };
            Some(Violation {
                rule: &RULE,
                subject: Subject::Allow {
                    from: entry.from.clone(),
                    to: entry.to.clone(),
                },
                client: match entry.is_secret_entry() {
                    true => super::hardcoded_secret::OUTSIDE_CLIENTS.to_owned(),
                    false => entry.from.clone(),
                },
                path: Vec::new(),
                location: entry.location.clone(),
                message,
                help,
                allow_key: None,
                show_source: true,
            })
        })
        .collect()
}

/// Violations for the `clients` globs the policy writes that match no directory (`unmatched`:
/// indices into [`Config::clients`]). The default glob, which the policy does not write, is
/// never stale: a workspace without clients stops the check instead.
fn client_globs(config: &Config, unmatched: &[usize]) -> Vec<Violation> {
    unmatched
        .iter()
        .filter_map(|&i| {
            let written = config.client_globs_written.get(i)?;
            let location = written.location.clone()?;
            let normalized = &config.clients[i];
            let read_as = match normalized == &written.written {
                true => String::new(),
                false => format!(" (read as `{normalized}`)"),
            };
            Some(Violation {
                rule: &RULE,
                subject: Subject::ClientGlob {
                    glob: written.written.clone(),
                },
                client: super::hardcoded_secret::OUTSIDE_CLIENTS.to_owned(),
                path: Vec::new(),
                location,
                message: format!(
                    "the `clients` glob `{}`{read_as} matches no directory",
                    written.written
                ),
                help: "correct the glob (it is relative to the workspace root), or delete it"
                    .to_owned(),
                allow_key: None,
                show_source: true,
            })
        })
        .collect()
}
