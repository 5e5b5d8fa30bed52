//! `env-file-committed`

use super::{FilesContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::error::Result;
use crate::location::Location;
use camino::Utf8PathBuf;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::EnvFileCommitted,
    level: Level::Error,
    pass: Pass::Files(check),
    summary: "a `.env` (`.env.local`, `*.env`, ...) file inside a client is tracked by git",
    doc: r#"## What it does
Asks git which files are tracked (the same `git ls-files` call that chooses the files to scan)
and fails for every dotenv file inside a client's directory: `.env`, its variants
`.env.local`, `.env.production`, `.env.<anything>`, and `*.env` (`prod.env`). The documented
templates `.env.example`, `.env.sample` and `.env.template` are fine: they name variables
without values. Outside a git repository nothing is tracked, so nothing fails.

## Why is this bad?
`.env` files hold the client's real credentials. Once committed they are in the history for
good, whatever a later commit deletes.

## Example
```text
clients/acme/.env             <- tracked: fails
clients/acme/.env.production  <- tracked: fails
clients/acme/deploy/prod.env  <- tracked: fails
clients/acme/.env.example     <- fine
```

## How to fix
`git rm --cached clients/acme/.env`, rotate the credentials it held, and keep `.env*` in the
client's `.gitignore` (the template's `.gitignore` already lists it). `check --history` shows
every commit that ever added one.
"#,
};

/// The documented templates: variable names without values, meant to be committed.
const TEMPLATES: &[&str] = &["example", "sample", "template"];

/// Is this a file name the rule is about? `.env`, `.env.<variant>` (not a template) and `*.env`.
pub fn is_env_file(path: &std::path::Path) -> bool {
    let Some(name) = path.file_name() else {
        return false;
    };
    let name = name.to_string_lossy();
    if name.ends_with(".env") {
        return true;
    }
    match name.strip_prefix(".env.") {
        Some(variant) => !TEMPLATES.iter().any(|t| variant.eq_ignore_ascii_case(t)),
        None => false,
    }
}

pub fn check(ctx: &FilesContext) -> Result<Vec<Violation>> {
    let layout = ctx.layout;
    Ok(ctx
        .indexed
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
        .collect())
}

#[cfg(test)]
mod tests {
    use super::is_env_file;
    use std::path::Path;

    #[test]
    fn dotenv_variants_but_not_templates() {
        for name in [
            ".env",
            ".env.local",
            ".env.production",
            "prod.env",
            "a/b/.env.test",
        ] {
            assert!(is_env_file(Path::new(name)), "{name}");
        }
        for name in [
            ".env.example",
            ".env.sample",
            ".env.template",
            ".envrc",
            "env",
            "x.envy",
        ] {
            assert!(!is_env_file(Path::new(name)), "{name}");
        }
    }
}
