//! `cross-client-file-reference`

use super::{RuleCode, RuleInfo, Subject, Violation};
use crate::layout::Layout;
use crate::scan::{Finding, Landing};

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::CrossClientFileReference,
    summary: "a client's file pulls in another client's or the shared tree's file outside cargo's graph",
    doc: r#"## What it does
Reads every Rust file of each client with a tokenizer that knows comments and string literals,
and resolves the paths given to `#[path = ".."]`, `include!`, `include_str!` and
`include_bytes!` (also when built with `concat!` and `env!("CARGO_MANIFEST_DIR")`), and path
literals passed to file-system calls in the client's `build.rs` (`std::fs::*`, `File::open`,
`Path::new`, ...). Fails when one lands in another client's directory or elsewhere in the
workspace (the shared tree), and for every symlink in a client's tree that points outside it.

A path that stays inside the client, a comment, or a string that merely mentions another
client is not a finding.

## Why is this bad?
cargo's dependency graph cannot see these: a `#[path]` module or an `include_str!` compiles
another client's code or data straight into this client's crate, and a build script can read
any file it can reach. The dependency rules would all pass while the wall is breached.

## Example
```rust
// clients/acme/src/lib.rs
#[path = "../../globex/src/pricing.rs"]
mod pricing;
const RATES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../globex/rates.csv"));
```

## How to fix
Copy what the client really needs into its own directory, or move truly generic code into a
shared crate and depend on it through `Cargo.toml` (where the dependency rules watch it).
"#,
};

pub fn check(findings: &[Finding], layout: &Layout) -> Vec<Violation> {
    findings
        .iter()
        .filter_map(|finding| {
            // A symlink's "source" would be the file it points at: show only its place.
            let (client, location, target, how, show_source) = match finding {
                Finding::Reference { client, location, reference, landing } => {
                    (client, location, (landing, &reference.resolved), reference.via.describe(), true)
                }
                Finding::Symlink { client, location, target, landing } => {
                    (client, location, (landing, target), "a symlink".to_owned(), false)
                }
                Finding::Secret { .. } => return None,
            };
            let (landing, path) = target;
            let whose = match landing {
                Landing::Client(other) => format!("client `{other}`'s file"),
                Landing::Shared => "a file of the shared tree".to_owned(),
                Landing::Outside => "a path outside the client".to_owned(),
            };
            Some(Violation {
                rule: &RULE,
                subject: Subject::File {
                    path: layout.display(path),
                    owner: landing.clone(),
                },
                client: client.clone(),
                path: Vec::new(),
                location: location.clone(),
                message: format!("client `{client}` pulls in {whose} `{}` through {how}", layout.display(path)),
                help: "keep what this client needs inside its own directory; share code only through a shared crate in Cargo.toml".to_owned(),
                allow_key: None,
                show_source,
            })
        })
        .collect()
}
