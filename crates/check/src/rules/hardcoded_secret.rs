//! `hardcoded-secret`

use super::{RuleCode, RuleInfo, Subject, Violation};
use crate::scan::Finding;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::HardcodedSecret,
    summary: "a secret (Shopify token, Supabase key, password URL, access-token header) sits in a client's file",
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

pub fn check(findings: &[Finding]) -> Vec<Violation> {
    findings
        .iter()
        .filter_map(|finding| match finding {
            Finding::Secret {
                client,
                location,
                secret,
            } => Some(Violation {
                rule: &RULE,
                subject: Subject::Secret {
                    secret: secret.kind,
                    redacted: secret.redacted.clone(),
                },
                client: client.clone(),
                path: Vec::new(),
                location: location.clone(),
                message: format!("{} `{}` in client `{client}`", secret.kind, secret.redacted),
                help: "revoke it, then read it from this client's own environment variables"
                    .to_owned(),
                allow_key: None,
                show_source: false,
            }),
            _ => None,
        })
        .collect()
}
