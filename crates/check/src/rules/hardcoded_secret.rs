//! `hardcoded-secret`

use super::{RuleCode, RuleInfo, Subject, Violation};
use crate::exposure::{Exposure, name_list};
use crate::history::{HistorySecret, Introduced};
use crate::layout::Layout;
use crate::location::Location;
use crate::scan::Finding;
use crate::scan::secrets::SecretKind;
use camino::Utf8PathBuf;
use std::collections::{HashMap, HashSet};

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::HardcodedSecret,
    summary: "a secret (Shopify token, Supabase key, password URL, access-token header) sits in a file of the repository, or in its history",
    doc: r#"## What it does
Scans every text file of each client (Rust, TOML, YAML, `.env`, shell, ...; `.gitignore`d
files, binary files and files over 8 MiB are skipped, the last two with a note) for:
- Shopify tokens and secrets: `shpat_`, `shpca_`, `shppa_`, `shpss_` followed by 32 hex digits;
- Supabase `sb_secret_` keys and JWTs whose payload claims `"role": "service_role"`;
- URLs with an embedded password (`postgres://user:pass@host`; `$VAR`, `${VAR}` and `<...>`
  placeholders are not passwords);
- a literal `X-Shopify-Access-Token` header value.

In Rust files string literals are also checked after escapes are processed and `concat!`
pieces joined, so a token split across literals is found. Findings show only a redacted prefix
of the secret, and the human output shows no source line.

A line, or the line below, marked `clientwall:allow(hardcoded-secret): <reason>` (in any
comment syntax) is excused; the reason is required.

## Why is this bad?
A secret in the repository is a secret every clone, fork, CI log and backup holds, for as long
as the history exists. Each client's credentials must come from that client's own environment.

## Example
```rust
const TOKEN: &str = "shpat_…";   // shpat_ and 32 hex digits
```

## How to fix
Revoke the secret (it is compromised once committed), then read it from the client's prefixed
environment variable (`ACME_SHOPIFY_CLIENT_SECRET`). For a fake value in a test fixture, add
`// clientwall:allow(hardcoded-secret): fake token for the parser test`.
"#,
};

/// The `client` of a secret that lies outside every client's directory (a shared crate, the
/// root, a script): not a crate name, so it never collides with a client. The message and the
/// subject name the crate and the clients that compile it.
pub const OUTSIDE_CLIENTS: &str = "(shared)";

/// What the rule reads besides the scan.
pub struct Context<'a> {
    pub layout: &'a Layout,
    /// The crate graph's view of files outside the clients; `None` when cargo did not run.
    pub exposure: Option<&'a Exposure<'a>>,
    /// History's secrets (`--history`), each with its reported occurrence first; those that an
    /// `allow` entry excuses everywhere are already gone.
    pub history: Option<&'a [HistorySecret]>,
}

const HELP_CURRENT: &str = "revoke it, then read it from this client's own environment variables";
const HELP_SHARED: &str = "revoke it; give every client that needs one its own credential, read \
     from that client's environment, never one in shared code";
const HELP_HISTORY: &str = "rotate it: deleting the line does not help, every clone keeps the \
     commit; rewrite the history (git filter-repo) only if the repository is private and the \
     team agrees";

pub fn check(findings: &[Finding], ctx: &Context) -> Vec<Violation> {
    let history: HashMap<[u8; 32], &HistorySecret> = ctx
        .history
        .unwrap_or_default()
        .iter()
        .map(|s| (s.digest, s))
        .collect();
    let mut current = HashSet::new();
    let mut violations = Vec::new();
    for finding in findings {
        let Finding::Secret {
            client,
            location,
            secret,
        } = finding
        else {
            continue;
        };
        current.insert(secret.digest);
        let introduced = history.get(&secret.digest).map(|s| s.introduced());
        let owner = Owner::of(client.as_deref(), location.file.as_std_path(), ctx);
        let mut message = format!("{} `{}` {}", secret.kind, secret.redacted, owner.describe());
        if let Some(origin) = &introduced {
            message.push_str(&format!(
                ", first committed in {} ({}) at `{}`",
                short(&origin.commit),
                origin.date,
                origin.path
            ));
        }
        let help = match (&introduced, client) {
            (Some(_), _) => HELP_HISTORY,
            (None, Some(_)) => HELP_CURRENT,
            (None, None) => HELP_SHARED,
        };
        violations.push(owner.violation(
            secret.kind,
            &secret.redacted,
            location.clone(),
            message,
            help,
            introduced,
            true,
        ));
    }
    for secret in history.values().filter(|s| !current.contains(&s.digest)) {
        let origin = secret.introduced();
        let file = Utf8PathBuf::from_path_buf(ctx.layout.root.join(&origin.path))
            .unwrap_or_else(|p| Utf8PathBuf::from(p.to_string_lossy().into_owned()));
        let client = ctx.layout.owner(file.as_std_path()).map(|a| a.name.clone());
        let owner = Owner::of(client.as_deref(), file.as_std_path(), ctx);
        let first = &secret.occurrences[0];
        let message = format!(
            "{} `{}` committed in {} ({}) at `{}` ({}); {}",
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
        violations.push(owner.violation(
            secret.kind,
            &secret.redacted,
            location,
            message,
            HELP_HISTORY,
            Some(origin),
            false,
        ));
    }
    violations
}

/// Whose a secret is.
enum Owner {
    Client(String),
    /// Outside every client, in a crate (with the clients compiling it).
    Crate {
        name: String,
        clients: Vec<String>,
    },
    /// Outside every crate.
    NoCrate,
    /// Outside every client; which crate is unknown (cargo did not run).
    Unknown,
}

impl Owner {
    fn of(client: Option<&str>, file: &std::path::Path, ctx: &Context) -> Owner {
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
            Owner::NoCrate => "outside every client and crate".to_owned(),
            Owner::Unknown => "outside every client".to_owned(),
        }
    }

    fn violation(
        self,
        kind: SecretKind,
        redacted: &str,
        location: Location,
        message: String,
        help: &str,
        introduced: Option<Introduced>,
        in_work_tree: bool,
    ) -> Violation {
        let (client, in_crate, exposed_to) = match self {
            Owner::Client(client) => (client.clone(), None, vec![client]),
            Owner::Crate { name, clients } => (OUTSIDE_CLIENTS.to_owned(), Some(name), clients),
            Owner::NoCrate | Owner::Unknown => (OUTSIDE_CLIENTS.to_owned(), None, Vec::new()),
        };
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

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}
