//! `hardcoded-secret`

use super::{FilesContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::error::Result;
use crate::model::exposure::name_list;
use crate::input::history::{HistorySecret, Introduced};
use crate::location::Location;
use crate::scan::Finding;
use crate::secrets::SecretKind;
use camino::Utf8PathBuf;
use std::collections::{HashMap, HashSet};

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::HardcodedSecret,
    level: Level::Error,
    pass: Pass::Files(check),
    summary: "a secret (Shopify token, Supabase key, password URL, access-token header) sits in a file of the repository, or in its history",
    doc: r#"## What it does
Scans every text file of the repository (what git tracks, plus untracked files git does not
ignore; outside git, every file `.gitignore` does not exclude) for:
- Shopify tokens and secrets: `shpat_`, `shpca_`, `shppa_`, `shpss_` followed by 32 hex digits;
- Supabase `sb_secret_` keys and JWTs whose payload claims `"role": "service_role"` (however
  the JSON inside is formatted);
- URLs with an embedded password (`postgres://user:pass@host`, `redis://:pass@host`, also when
  the host is a placeholder; `$VAR`, `${VAR}`, `<...>`, `%s`, `%(name)s`, `%NAME%` and masks
  such as `****` or `***_1` are not passwords, `%21secret` is; a `#` or `?` before the `:` makes
  it no password, as in a cargo package ID `path+file://…#foo::bar@0.0.1`);
- passwords given as parameters: in a URL's query (`?user=u&password=…`, `pwd=`), in JDBC, ODBC
  and SQL Server connection strings (`;password=…;`, `Password=…;`, `PWD={…};`) and in libpq
  key/value strings (`host=… password=…`), with the same placeholders clean (and `?`, `{}`,
  `{name}`);
- a literal `X-Shopify-Access-Token` value, however the header is set: `Name: value` (HTTP,
  YAML, `curl -H`), `"Name": "value"` (JSON), `Name = "value"` (TOML), `("Name", "value")` and
  `HeaderValue::from_static("value")` (HTTP clients), `headers["Name"] = "value"`,
  `"Name" => "value"`.

Binary files (a NUL byte in the first 8000 bytes, as git tells) and special files (FIFOs,
sockets, devices) are skipped with a note. Every other file is read up to 64 MiB, and a larger
one stops the check (exit 2), naming it: a secret in it would pass unread. In Rust files
string literals are also checked after escapes (and line continuations, `\n` or `\r\n`) are
processed and `concat!` pieces joined (strings, integers, chars, nested `concat!`), so a token
split across literals is found; in TOML files strings are checked as a TOML parser reads them
(`\u` escapes, a line-ending backslash in a `"""` string); a secret the source already shows is
reported once, where it is written.

A secret in a client's files concerns that client. A secret anywhere else (a shared crate, the
root, a script, a CI file, the docs) is reported with `(shared)` as its client, the crate that
holds it, and every client that compiles that crate: a client compiles what it reaches through
normal and build dependencies, and its own dev-dependencies. A secret in a shared crate's
`tests/`, `benches/` or `examples/`, in an item under `#[cfg(test)]`, or in a file that is the
body of a `#[cfg(test)] mod tests;` (`tests.rs`, `tests/mod.rs`, and the modules below it), is
compiled only by that crate's own tests: it is reported as the crate's test code, which no client compiles.

With `--history`, the content every commit added is read too (from git, nothing checked out;
`--since REV` limits it to the commits not reachable from REV). Each secret is reported once,
with the commit that introduced it, its path there and whether HEAD still holds it; a secret
still in the files is reported where it is now, with the commit that first added it. A blob
is read up to 64 MiB too; a larger one is skipped with a note, as a past commit cannot be
changed (binary blobs are counted).

Findings show only a redacted prefix of the secret, the human output shows no source line, and
every text clientwall prints goes through the same redaction.

A line, or the line below, marked `clientwall:allow(hardcoded-secret): <reason>` (in any
comment syntax) is excused, in the files and in every commit. An `allow` entry with `commit`
(a prefix of the commit that introduced the secret) and/or `path` (a glob) and a `reason`
excuses history findings by commit and path; a `path`-only entry excuses the files at that path
too.

## Why is this bad?
A secret in the repository is a secret every clone, fork, CI log and backup holds, for as long
as the history exists. A secret in shared code is in every client that compiles it. Each
client's credentials must come from that client's own environment.

## Example
```rust
// shared/shared-utils/src/lib.rs, compiled by acme and globex
const TOKEN: &str = "shpat_…";   // shpat_ and 32 hex digits
```

## How to fix
Revoke the secret (it is compromised once committed), then read it from the client's prefixed
environment variable (`ACME_SHOPIFY_CLIENT_SECRET`). Deleting the line does not remove it from
the history: rotate it, and rewrite the history (`git filter-repo`) only if the repository is
private and the team agrees. For a fake value in a test fixture, add
`// clientwall:allow(hardcoded-secret): fake token for the parser test`, or for a revoked one
in history:

```toml
[[workspace.metadata.clientwall.allow]]
commit = "1a2b3c4d"
path = "clients/acme/tests/fixtures/*"
reason = "revoked test token, rotated 2026-11-01"
```
"#,
};

/// The `client` of a secret that lies outside every client's directory (a shared crate, the
/// root, a script): not a crate name, so it never collides with a client. The message and the
/// subject name the crate and the clients that compile it.
pub const OUTSIDE_CLIENTS: &str = "(shared)";

const HELP_CURRENT: &str = "revoke it, then read it from this client's own environment variables";
const HELP_SHARED: &str = "revoke it; give every client that needs one its own credential, read \
     from that client's environment, never one in shared code";
const HELP_HISTORY: &str = "rotate it: deleting the line does not help, every clone keeps the \
     commit; rewrite the history (git filter-repo) only if the repository is private and the \
     team agrees";

pub fn check(ctx: &FilesContext) -> Result<Vec<Violation>> {
    let history: HashMap<[u8; 32], &HistorySecret> = ctx
        .history
        .unwrap_or_default()
        .iter()
        .map(|s| (s.digest, s))
        .collect();
    let mut current = HashSet::new();
    let mut violations = Vec::new();
    for finding in ctx.findings {
        let Finding::Secret {
            owner,
            location,
            secret,
            test_only,
        } = finding
        else {
            continue;
        };
        current.insert(secret.digest);
        let past = history.get(&secret.digest);
        let introduced = past.map(|s| s.introduced());
        let client = owner.client();
        let mut owner = Owner::of(client, location.file.as_std_path(), ctx);
        if *test_only && let Owner::Crate { name, .. } = owner {
            owner = Owner::TestCode { name };
        }
        let mut message = format!("{} `{}` {}", secret.kind, secret.redacted, owner.describe());
        if let (Some(origin), Some(past)) = (&introduced, past) {
            message.push_str(&format!(
                ", first committed in {} ({}) at `{}`",
                short(&origin.commit),
                origin.date,
                origin.path
            ));
            let elsewhere = past
                .occurrences
                .iter()
                .filter(|o| o.path != ctx.layout.display(location.file.as_std_path()))
                .count();
            match elsewhere {
                0 => {}
                1 => message.push_str(" (history has it at 1 other path)"),
                n => message.push_str(&format!(" (history has it at {n} other paths)")),
            }
        }
        let also = past.map_or_else(Vec::new, |s| history_exposure(s, ctx));
        let help = match (&introduced, client) {
            (Some(_), _) => HELP_HISTORY,
            (None, Some(_)) => HELP_CURRENT,
            (None, None) => HELP_SHARED,
        };
        violations.push(owner.violation(Found {
            kind: secret.kind,
            redacted: &secret.redacted,
            location: location.clone(),
            message,
            help,
            introduced,
            in_work_tree: true,
            also_exposed: also,
        }));
    }
    for secret in history.values().filter(|s| !current.contains(&s.digest)) {
        let origin = secret.introduced();
        let file = Utf8PathBuf::from_path_buf(ctx.layout.root.join(&origin.path))
            .unwrap_or_else(|p| Utf8PathBuf::from(p.to_string_lossy().into_owned()));
        let client = ctx.layout.owner(file.as_std_path()).map(|a| a.name.clone());
        let owner = Owner::of(client.as_deref(), file.as_std_path(), ctx);
        let first = &secret.occurrences[0];
        let others = match secret.occurrences.len() - 1 {
            0 => String::new(),
            1 => ", and at 1 other path".to_owned(),
            n => format!(", and at {n} other paths"),
        };
        let message = format!(
            "{} `{}` committed in {} ({}) at `{}` ({}){others}; {}",
            secret.kind,
            secret.redacted,
            short(&origin.commit),
            origin.date,
            origin.path,
            owner.describe(),
            if origin.at_head {
                "still at HEAD"
            } else {
                "no longer at HEAD, but every clone keeps it"
            }
        );
        let location = Location {
            file,
            line: first.line,
            column: first.column,
            span: 0..0,
        };
        violations.push(owner.violation(Found {
            kind: secret.kind,
            redacted: &secret.redacted,
            location,
            message,
            help: HELP_HISTORY,
            introduced: Some(origin),
            in_work_tree: false,
            also_exposed: history_exposure(secret, ctx),
        }));
    }
    Ok(violations)
}

/// A secret found, with what its violation says.
struct Found<'a> {
    kind: SecretKind,
    redacted: &'a str,
    location: Location,
    message: String,
    help: &'a str,
    introduced: Option<Introduced>,
    in_work_tree: bool,
    /// Clients the history shows it in, besides its owner's.
    also_exposed: Vec<String>,
}

/// Whose a secret is.
enum Owner {
    Client(String),
    /// Outside every client, in a crate (with the clients compiling it).
    Crate {
        name: String,
        clients: Vec<String>,
    },
    /// Outside every client, in code only the crate's own tests (benchmarks, examples) compile.
    TestCode {
        name: String,
    },
    /// Outside every crate.
    NoCrate,
    /// Outside every client; which crate is unknown (cargo did not run).
    Unknown,
}

impl Owner {
    fn of(client: Option<&str>, file: &std::path::Path, ctx: &FilesContext) -> Owner {
        if let Some(client) = client {
            return Owner::Client(client.to_owned());
        }
        match ctx.exposure {
            None => Owner::Unknown,
            Some(exposure) => match exposure.of_file(file) {
                Some((name, clients)) => Owner::Crate { name, clients },
                None => Owner::NoCrate,
            },
        }
    }

    fn describe(&self) -> String {
        match self {
            Owner::Client(client) => format!("in client `{client}`"),
            Owner::Crate { name, clients } if clients.is_empty() => {
                format!("in crate `{name}`, which no client compiles")
            }
            Owner::Crate { name, clients } => format!(
                "in crate `{name}`, compiled by client{} {}",
                if clients.len() == 1 { "" } else { "s" },
                name_list(clients, 8)
            ),
            Owner::TestCode { name } => {
                format!("in the test code of crate `{name}`, which no client compiles")
            }
            Owner::NoCrate => "outside every client and crate".to_owned(),
            Owner::Unknown => "outside every client".to_owned(),
        }
    }

    fn violation(self, found: Found) -> Violation {
        let Found {
            kind,
            redacted,
            location,
            message,
            help,
            introduced,
            in_work_tree,
            also_exposed,
        } = found;
        let (client, in_crate, mut exposed_to) = match self {
            Owner::Client(client) => (client.clone(), None, vec![client]),
            Owner::Crate { name, clients } => (OUTSIDE_CLIENTS.to_owned(), Some(name), clients),
            Owner::TestCode { name } => (OUTSIDE_CLIENTS.to_owned(), Some(name), Vec::new()),
            Owner::NoCrate | Owner::Unknown => (OUTSIDE_CLIENTS.to_owned(), None, Vec::new()),
        };
        exposed_to.extend(also_exposed);
        exposed_to.sort();
        exposed_to.dedup();
        Violation {
            rule: &RULE,
            subject: Subject::Secret {
                secret: kind,
                redacted: redacted.to_owned(),
                in_crate,
                exposed_to,
                introduced,
                in_work_tree,
            },
            client,
            path: Vec::new(),
            location,
            message,
            help: help.to_owned(),
            allow_key: None,
            show_source: false,
        }
    }
}

/// Every client that ever carried a secret of the history: the clients whose files held it,
/// and the clients compiling the crates whose files held it (mapped onto today's layout).
fn history_exposure(secret: &HistorySecret, ctx: &FilesContext) -> Vec<String> {
    let mut clients = Vec::new();
    for occurrence in &secret.occurrences {
        let path = ctx.layout.root.join(&occurrence.path);
        let client = ctx.layout.owner(&path).map(|a| a.name.clone());
        match Owner::of(client.as_deref(), &path, ctx) {
            Owner::Client(client) => clients.push(client),
            Owner::Crate { clients: more, .. } => clients.extend(more),
            Owner::TestCode { .. } | Owner::NoCrate | Owner::Unknown => {}
        }
    }
    clients
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}
