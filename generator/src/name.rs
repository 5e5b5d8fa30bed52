//! What a client name may be: a kebab-case crate name that is no keyword, no reserved or std
//! name, and no path.

use crate::error::{Error, Result};

/// Longest accepted name (cargo allows 64 characters for a crates.io name).
pub const MAX_LEN: usize = 64;

/// Rust keywords, strict and reserved, as a crate name or its snake form would collide with them.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Names of the standard crates, cargo's own directory names, and names Windows cannot create.
const RESERVED: &[&str] = &[
    "std",
    "core",
    "alloc",
    "proc_macro",
    "proc-macro",
    "test",
    "build",
    "deps",
    "examples",
    "incremental",
    "target",
    "src",
    "clients",
    "shared",
    "con",
    "prn",
    "aux",
    "nul",
    "com1",
    "com2",
    "com3",
    "com4",
    "com5",
    "com6",
    "com7",
    "com8",
    "com9",
    "lpt1",
    "lpt2",
    "lpt3",
    "lpt4",
    "lpt5",
    "lpt6",
    "lpt7",
    "lpt8",
    "lpt9",
];

/// Check the form of a client name (not whether it is taken).
pub fn validate(name: &str) -> Result<()> {
    let refuse = |reason: &str| {
        Err(Error::Name {
            name: name.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if name.is_empty() {
        return refuse("a name is required");
    }
    if name.len() > MAX_LEN {
        return refuse(&format!("at most {MAX_LEN} characters"));
    }
    if name.contains('/') || name.contains('\\') || name.contains("..") {
        return refuse("a client name is a crate name, not a path");
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return refuse(&format!(
            "use lowercase kebab-case, e.g. `{}`",
            to_kebab(name)
        ));
    }
    if name.contains('_') {
        return refuse(&format!(
            "use kebab-case with `-`, e.g. `{}`",
            to_kebab(name)
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return refuse("must start with a letter a-z");
    }
    let kebab = name.split('-').all(|part| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if !kebab {
        return refuse("only a-z, 0-9 and single `-` between words");
    }
    let snake = name.replace('-', "_");
    if KEYWORDS.contains(&name) || KEYWORDS.contains(&snake.as_str()) {
        return refuse("a Rust keyword");
    }
    if RESERVED.contains(&name) || RESERVED.contains(&snake.as_str()) {
        return refuse(
            "a reserved name (a standard crate, a cargo directory or a Windows device name)",
        );
    }
    Ok(())
}

fn to_kebab(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

pub use clientwall_template::names::{shouty, snake, title};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(snake("acme-corp"), "acme_corp");
        assert_eq!(shouty("acme-corp"), "ACME_CORP");
        assert_eq!(title("acme-corp"), "Acme Corp");
        assert!(validate("acme").is_ok());
        assert!(validate("acme-corp2").is_ok());
    }
}
