//! One Rust file: the files it pulls in from outside its home directory (`#[path]`,
//! `include*!`, build-script reads), and secrets that only appear once its string literals are
//! assembled (escapes processed, `concat!` joined).

use super::lexer::{self, Spanned, Token};
use super::modules::{self, FileKind};
use super::references::{self, Reading, Reference};
use super::secrets::{self, Secret};
use std::path::Path;

/// What a Rust file references outside its home directory, and its assembled secrets.
#[derive(Debug, Default)]
pub struct RustFile {
    /// References whose target lies outside the home directory; `resolved` is canonical when
    /// the target exists.
    pub references: Vec<Reference>,
    pub joined_secrets: Vec<Secret>,
}

/// What a Rust file must contain to hold a file reference: an include macro, or `path =`
/// inside an attribute.
pub const REFERENCE_HINT_SOURCE: &str = r"include(?:_str|_bytes)?\s*!|#\s*!?\s*\[[^\]]*\bpath\s*=";

static REFERENCE_HINT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(REFERENCE_HINT_SOURCE).expect("hint pattern compiles")
});

/// Scan the Rust file `file` with contents `text`.
///
/// `home_dir` is the directory the file must not reach out of (its client's directory);
/// `crate_dir` is the directory of the nearest `Cargo.toml` above the file, which
/// `env!("CARGO_MANIFEST_DIR")` names and a build script runs in; `is_build_script` says the
/// file is a package's build script, whose file-system calls are read too.
pub fn scan(
    file: &Path,
    text: &str,
    home_dir: &Path,
    crate_dir: &Path,
    is_build_script: bool,
) -> RustFile {
    let bytes = text.as_bytes();
    // Tokenize only files that can hold what is looked for: an include macro or a `path =`
    // inside an attribute, or a fragment of a secret that literals might assemble.
    let wants_refs = is_build_script || REFERENCE_HINT.is_match(text);
    let wants_joins = secrets::NEEDLES
        .iter()
        .any(|n| memchr::memmem::find(bytes, n).is_some());
    if !(wants_refs || wants_joins) {
        return RustFile::default();
    }
    let tokens = lexer::tokenize(text);
    let references = if wants_refs {
        leaving(
            references::find(&tokens, file, crate_dir, is_build_script),
            file,
            home_dir,
            crate_dir,
        )
    } else {
        Vec::new()
    };
    let mut joined_secrets = Vec::new();
    if wants_joins {
        for (value, start, end) in assembled_literals(text, &tokens) {
            for mut secret in secrets::find(value.as_bytes()) {
                if secrets::excused(bytes, start) {
                    continue;
                }
                secret.start = start;
                secret.end = end;
                joined_secrets.push(secret);
            }
        }
    }
    RustFile {
        references,
        joined_secrets,
    }
}

/// The references that leave `home_dir`, with their targets resolved through symlinks. A
/// `#[path]` whose resolution depends on how the file is loaded (mod-rs or not) is kept only
/// for the ways the crate's module tree really loads the file, or for both when that cannot
/// be told.
fn leaving(
    found: Vec<Reference>,
    file: &Path,
    home_dir: &Path,
    crate_dir: &Path,
) -> Vec<Reference> {
    let mut out: Vec<Reference> = found
        .into_iter()
        .filter_map(|mut reference| {
            reference.resolved = references::resolve(&reference.resolved);
            (!reference.resolved.starts_with(home_dir)).then_some(reference)
        })
        .collect();
    if out.iter().any(|r| r.reading != Reading::Always) {
        let kinds = modules::loading_kinds(crate_dir, file);
        out.retain(|r| match r.reading {
            Reading::Always => true,
            Reading::IfModRs => kinds.is_empty() || kinds.contains(&FileKind::ModRs),
            Reading::IfNotModRs => kinds.is_empty() || kinds.contains(&FileKind::NonModRs),
        });
    }
    out
}

/// String literals whose value differs from their source text (escapes), and the joined
/// literals of each `concat!(..)`, with the source range they come from.
fn assembled_literals(text: &str, tokens: &[Spanned]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match &token.token {
            Token::Str(value) if text[token.start..token.end].contains('\\') => {
                out.push((value.clone(), token.start, token.end));
            }
            Token::Ident("concat")
                if matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::Punct('!'))) =>
            {
                let mut joined = String::new();
                let mut end = token.end;
                for t in tokens.iter().skip(i + 3) {
                    match &t.token {
                        Token::Str(s) => joined.push_str(s),
                        Token::Punct(',') => {}
                        _ => break,
                    }
                    end = t.end;
                }
                out.push((joined, token.start, end));
            }
            _ => {}
        }
    }
    out
}
