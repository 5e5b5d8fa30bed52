//! `env-file-committed`

use super::{RuleCode, RuleInfo, Subject, Violation};
use crate::layout::Layout;
use crate::location::Location;
use camino::Utf8PathBuf;
use std::path::PathBuf;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::EnvFileCommitted,
    summary: "a `.env` or `*.env` file inside a client is tracked by git",
    doc: r#"## What it does
Asks git (`git ls-files`, one call) which files are in the index, and fails for every file
named `.env` or ending in `.env` inside a client's directory. `.env.example` is fine. Outside a
git repository nothing is tracked, so nothing fails.

## Why is this bad?
`.env` files hold the client's real credentials. Once committed they are in the history for
good, whatever a later commit deletes.

## Example
```text
clients/acme/.env         <- tracked: fails
clients/acme/.env.example <- fine
```

## How to fix
`git rm --cached clients/acme/.env`, rotate the credentials it held, and keep `.env` in the
client's `.gitignore` (the template's `.gitignore` already lists it).
"#,
};

/// Is this a file name the rule is about?
pub fn is_env_file(path: &std::path::Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == ".env" || n.ends_with(".env"))
}

pub fn check(indexed: &[PathBuf], layout: &Layout) -> Vec<Violation> {
    indexed
        .iter()
        .filter(|path| is_env_file(path))
        .filter_map(|path| {
            let path = path.canonicalize().unwrap_or_else(|_| path.clone());
            let client = layout.owner(&path)?.name.clone();
            let file = Utf8PathBuf::from_path_buf(path).ok()?;
            Some(Violation {
                rule: &RULE,
                subject: Subject::EnvFile {
                    path: layout.display(file.as_std_path()),
                },
                message: format!(
                    "`{}` is tracked by git in client `{client}`",
                    layout.display(file.as_std_path())
                ),
                client,
                path: Vec::new(),
                location: Location::start_of(&file),
                help: "git rm --cached it, rotate what it held, and keep it in .gitignore"
                    .to_owned(),
                allow_key: None,
                show_source: false,
            })
        })
        .collect()
}
