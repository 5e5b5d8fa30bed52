//! File references in Rust source that cargo's graph cannot see: `#[path = ..]`, `include!`,
//! `include_str!`, `include_bytes!` (also built with `concat!` and `env!("CARGO_MANIFEST_DIR")`),
//! and path literals handed to file-system calls in a build script.

use super::lexer::{Spanned, Token};
use std::path::{Component, Path, PathBuf};

/// How a file is pulled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    PathAttribute,
    Macro(&'static str),
    BuildScript(String),
}

impl Via {
    pub fn describe(&self) -> String {
        match self {
            Via::PathAttribute => "`#[path]`".to_owned(),
            Via::Macro(name) => format!("`{name}!`"),
            Via::BuildScript(call) => format!("build script call `{call}`"),
        }
    }
}

/// A reference to a file, resolved lexically against the file system layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub via: Via,
    /// The path as written (after `concat!`/`env!` evaluation).
    pub written: String,
    /// The absolute, normalized path it names.
    pub resolved: PathBuf,
    /// Byte range of the token that starts the reference.
    pub start: usize,
    pub end: usize,
}

const INCLUDE_MACROS: [&str; 3] = ["include_str", "include_bytes", "include"];
/// Calls whose first argument a build script reads, writes or resolves as a path.
const BUILD_SCRIPT_CALLS: &[&str] = &[
    "read_to_string",
    "read",
    "read_dir",
    "open",
    "copy",
    "canonicalize",
    "metadata",
    "symlink_metadata",
    "read_link",
    "write",
    "create_dir_all",
    "new",
    "from",
    "join",
    "exists",
    "is_file",
    "is_dir",
];

/// Every reference in `tokens` of the file `file`, inside the crate rooted at `crate_dir`.
pub fn find(
    tokens: &[Spanned],
    file: &Path,
    crate_dir: &Path,
    build_script: bool,
) -> Vec<Reference> {
    let file_dir = file.parent().unwrap_or(crate_dir);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].token {
            Token::Punct('#') => {
                if let Some((end, refs)) = attribute(tokens, i, file_dir) {
                    found.extend(refs);
                    i = end;
                    continue;
                }
            }
            Token::Ident(name) if is_macro_call(tokens, i) => {
                if let Some(&mac) = INCLUDE_MACROS.iter().find(|m| *m == name)
                    && let Some((written, _)) = eval(tokens, i + 3, crate_dir)
                {
                    found.push(reference(Via::Macro(mac), written, file_dir, &tokens[i]));
                }
            }
            Token::Ident(name)
                if build_script
                    && BUILD_SCRIPT_CALLS.contains(name)
                    && matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::Punct('('))) =>
            {
                if let Some((written, _)) = eval(tokens, i + 2, crate_dir) {
                    // Build scripts run in the crate directory.
                    found.push(reference(
                        Via::BuildScript(name.to_string()),
                        written,
                        crate_dir,
                        &tokens[i],
                    ));
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

fn reference(via: Via, written: String, base: &Path, at: &Spanned) -> Reference {
    Reference {
        resolved: normalize(&base.join(&written)),
        via,
        written,
        start: at.start,
        end: at.end,
    }
}

/// `name ! (` / `[` / `{`.
fn is_macro_call(tokens: &[Spanned], i: usize) -> bool {
    matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::Punct('!')))
        && matches!(
            tokens.get(i + 2).map(|t| &t.token),
            Some(Token::Punct('(' | '[' | '{'))
        )
}

/// An attribute `#[..]` or `#![..]` at `i`: its end and any `path = "..."` inside it
/// (plain or under `cfg_attr`).
fn attribute(tokens: &[Spanned], i: usize, file_dir: &Path) -> Option<(usize, Vec<Reference>)> {
    let mut open = i + 1;
    if matches!(tokens.get(open)?.token, Token::Punct('!')) {
        open += 1;
    }
    if !matches!(tokens.get(open)?.token, Token::Punct('[')) {
        return None;
    }
    let mut depth = 0;
    let mut refs = Vec::new();
    for j in open..tokens.len() {
        match &tokens[j].token {
            Token::Punct('[') => depth += 1,
            Token::Punct(']') => {
                depth -= 1;
                if depth == 0 {
                    return Some((j + 1, refs));
                }
            }
            Token::Ident("path") => {
                if let (Some(Token::Punct('=')), Some(Token::Str(value))) = (
                    tokens.get(j + 1).map(|t| &t.token),
                    tokens.get(j + 2).map(|t| &t.token),
                ) {
                    refs.push(reference(
                        Via::PathAttribute,
                        value.clone(),
                        file_dir,
                        &tokens[j],
                    ));
                }
            }
            _ => {}
        }
    }
    Some((tokens.len(), refs))
}

/// Evaluate a path expression starting at `i`: a string literal, `concat!(..)` of evaluable
/// parts, or `env!("CARGO_MANIFEST_DIR")`. Returns the value and the index after it.
pub fn eval(tokens: &[Spanned], i: usize, crate_dir: &Path) -> Option<(String, usize)> {
    match &tokens.get(i)?.token {
        Token::Str(s) => Some((s.clone(), i + 1)),
        Token::Ident("concat") if is_macro_call(tokens, i) => {
            let mut value = String::new();
            let mut j = i + 3;
            loop {
                let (part, next) = eval(tokens, j, crate_dir)?;
                value.push_str(&part);
                match tokens.get(next)?.token {
                    Token::Punct(',')
                        if matches!(tokens.get(next + 1)?.token, Token::Punct(')' | ']' | '}')) =>
                    {
                        return Some((value, next + 2));
                    }
                    Token::Punct(',') => j = next + 1,
                    Token::Punct(')' | ']' | '}') => return Some((value, next + 1)),
                    _ => return None,
                }
            }
        }
        Token::Ident("env") if is_macro_call(tokens, i) => match &tokens.get(i + 3)?.token {
            Token::Str(var) if var == "CARGO_MANIFEST_DIR" => Some((
                crate_dir.to_string_lossy().into_owned(),
                skip_close(tokens, i + 4)?,
            )),
            _ => None,
        },
        Token::Ident("std" | "core") => {
            // `std::concat!(..)`, `core::env!(..)`
            match (&tokens.get(i + 1)?.token, &tokens.get(i + 2)?.token) {
                (Token::Punct(':'), Token::Punct(':')) => eval(tokens, i + 3, crate_dir),
                _ => None,
            }
        }
        _ => None,
    }
}

fn skip_close(tokens: &[Spanned], mut i: usize) -> Option<usize> {
    if matches!(tokens.get(i)?.token, Token::Punct(',')) {
        i += 1;
    }
    matches!(tokens.get(i)?.token, Token::Punct(')' | ']' | '}')).then_some(i + 1)
}

/// Resolve `.` and `..` without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn refs(src: &str, build_script: bool) -> Vec<(String, String)> {
        let tokens = tokenize(src);
        find(
            &tokens,
            Path::new("/ws/clients/acme/src/lib.rs"),
            Path::new("/ws/clients/acme"),
            build_script,
        )
        .into_iter()
        .map(|r| (r.via.describe(), r.resolved.display().to_string()))
        .collect()
    }

    #[test]
    fn every_form_resolves() {
        let src = r#"
            #[path = "../../globex/src/x.rs"] mod x;
            #[cfg_attr(unix, path = "unix.rs")] mod plat;
            const A: &str = include_str!("../../globex/data.csv");
            const B: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../globex/key.bin"));
            include!(std::concat!(env!("CARGO_MANIFEST_DIR"), "/", "gen.rs",));
            // include_str!("../globex")
            const C: &str = "include_str!(\"../globex\")";
        "#;
        assert_eq!(
            refs(src, false),
            [
                ("`#[path]`".into(), "/ws/clients/globex/src/x.rs".into()),
                ("`#[path]`".into(), "/ws/clients/acme/src/unix.rs".into()),
                (
                    "`include_str!`".into(),
                    "/ws/clients/globex/data.csv".into()
                ),
                (
                    "`include_bytes!`".into(),
                    "/ws/clients/globex/key.bin".into()
                ),
                ("`include!`".into(), "/ws/clients/acme/gen.rs".into()),
            ]
        );
    }

    #[test]
    fn build_script_reads_resolve_from_the_crate_dir() {
        let src = r#"fn main() {
            let s = std::fs::read_to_string("../globex/orders.csv").unwrap();
            let f = File::open(Path::new("data/own.csv"));
            println!("cargo:rerun-if-changed=../globex/orders.csv");
        }"#;
        assert_eq!(
            refs(src, true),
            [
                (
                    "build script call `read_to_string`".into(),
                    "/ws/clients/globex/orders.csv".into()
                ),
                (
                    "build script call `new`".into(),
                    "/ws/clients/acme/data/own.csv".into()
                ),
            ]
        );
        assert!(refs(src, false).is_empty());
    }
}
