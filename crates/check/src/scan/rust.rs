//! One Rust file: the files it pulls in from outside its home directory (`#[path]`,
//! `include*!`, build-script reads, paths given to other macros; in its code and in the code of
//! its doc comments, which rustdoc compiles as doctests), and secrets that only appear once its
//! string literals are assembled (escapes processed, `concat!` joined). Any other text file of
//! a crate can be compiled as Rust too (`include!("gen.txt")`, `#[path = "x.txt"]`, a README
//! included as documentation): [`scan_other`] reads it the same way.

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
    /// Some path expression took more evaluation than any real one does: the file cannot be
    /// judged (see [`references::Found::too_complex`]).
    pub too_complex: bool,
}

/// What a Rust file must contain to hold a file reference: an include macro, or `path =`
/// inside an attribute.
pub const REFERENCE_HINT_SOURCE: &str = r"include(?:_str|_bytes)?\s*!|#\s*!?\s*\[[^\]]*\bpath\s*=";

static REFERENCE_HINT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(REFERENCE_HINT_SOURCE).expect("hint pattern compiles")
});

/// Could a macro argument or an attribute in `bytes` name a path outside its crate? It needs a
/// macro call or an attribute, and a `..`, or a string starting with `/`, `$` or an escape.
fn may_name_a_path(bytes: &[u8]) -> bool {
    let find = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
    (memchr::memchr(b'!', bytes).is_some() || find(b"#["))
        && (find(b"..") || find(b"\"/") || find(b"\"$") || find(b"\"\\"))
}

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
    let wants_refs = is_build_script || REFERENCE_HINT.is_match(text) || may_name_a_path(bytes);
    let wants_joins = secrets::NEEDLES
        .iter()
        .any(|n| memchr::memmem::find(bytes, n).is_some());
    if !(wants_refs || wants_joins) {
        return RustFile::default();
    }
    let (tokens, docs) = lexer::tokenize_with_docs(text);
    let mut too_complex = false;
    let references = if wants_refs {
        let found = references::find(&tokens, file, crate_dir, is_build_script);
        too_complex |= found.too_complex;
        let mut all = found.references;
        let (in_docs, complex) = doc_references(text, &docs, &[file], crate_dir);
        too_complex |= complex;
        all.extend(in_docs);
        leaving(all, file, home_dir, crate_dir)
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
        too_complex,
    }
}

/// A text file that is not a `.rs` file, read as the Rust it may be compiled as: the references
/// in it (and in its doc comments) that name an existing path outside `home_dir`. Its own
/// directory and the crate's `src/` (for a README that `src/lib.rs` includes as documentation,
/// whose doctests resolve paths from there) are both tried as the directory paths are relative
/// to.
pub fn scan_other(file: &Path, text: &str, home_dir: &Path, crate_dir: &Path) -> RustFile {
    if !REFERENCE_HINT.is_match(text) && !text.contains('!') {
        return RustFile::default();
    }
    let (tokens, docs) = lexer::tokenize_with_docs(text);
    let includer = crate_dir.join("src").join("lib.rs");
    let mut found = Vec::new();
    let mut too_complex = false;
    for as_file in [file, includer.as_path()] {
        let code = references::find(&tokens, as_file, crate_dir, false);
        too_complex |= code.too_complex;
        found.extend(code.references);
    }
    let (in_docs, complex) = doc_references(text, &docs, &[file, &includer], crate_dir);
    too_complex |= complex;
    found.extend(in_docs);
    let mut references: Vec<Reference> = found
        .into_iter()
        .filter(|r| !r.partial && r.resolved.exists())
        .collect();
    references.sort_by_key(|r| r.start);
    references.dedup_by(|a, b| a.start == b.start && a.resolved == b.resolved);
    RustFile {
        references: leaving(references, file, home_dir, crate_dir),
        joined_secrets: Vec::new(),
        too_complex,
    }
}

/// The references in the code of doc comments (doctests), read as if each of `as_files` held
/// them, that name an existing path: prose that merely mentions a path names nothing.
fn doc_references(
    text: &str,
    docs: &[std::ops::Range<usize>],
    as_files: &[&Path],
    crate_dir: &Path,
) -> (Vec<Reference>, bool) {
    if docs.is_empty()
        || !docs
            .iter()
            .any(|d| REFERENCE_HINT.is_match(&text[d.clone()]) || text[d.clone()].contains('!'))
    {
        return (Vec::new(), false);
    }
    let code = doctest_code(text, docs);
    if code.is_empty() {
        return (Vec::new(), false);
    }
    let masked = lexer::doc_text(text, &code);
    let tokens = lexer::tokenize(&masked);
    let mut out = Vec::new();
    let mut too_complex = false;
    for file in as_files {
        let found = references::find(&tokens, file, crate_dir, false);
        too_complex |= found.too_complex;
        out.extend(
            found
                .references
                .into_iter()
                .filter(|r| !r.partial && r.resolved.exists()),
        );
    }
    (out, too_complex)
}

/// The parts of the doc comments `docs` rustdoc compiles: the lines of fenced code blocks
/// (```` ``` ```` or `~~~`) whose info string is empty, says `rust`, or holds only rustdoc's
/// own attributes (`no_run`, `should_panic`, `compile_fail`, `ignore`, `edition2021`, ...).
/// Prose and blocks in another language (```` ```text ````, ```` ```toml ````) are not code. A
/// block runs on through the doc comments of one item; code between them ends it.
fn doctest_code(text: &str, docs: &[std::ops::Range<usize>]) -> Vec<std::ops::Range<usize>> {
    /// (fence character, fence length, whether the block is compiled).
    type Fence = (u8, usize, bool);
    let mut code = Vec::new();
    let mut fence: Option<Fence> = None;
    let mut previous_end = None;
    for range in docs {
        // Anything but comment markers and whitespace since the last doc comment ends a block.
        if let Some(end) = previous_end
            && text
                .get(end..range.start)
                .is_none_or(|between| between.bytes().any(|b| !b"/!* \t\r\n".contains(&b)))
        {
            fence = None;
        }
        previous_end = Some(range.end);
        let mut start = range.start;
        for line in text[range.clone()].split_inclusive('\n') {
            let line_range = start..start + line.len();
            start += line.len();
            let trimmed = line.trim_start_matches([' ', '\t', '*']).trim_end();
            let marker = trimmed.bytes().next().filter(|b| *b == b'`' || *b == b'~');
            let run = marker.map_or(0, |m| trimmed.bytes().take_while(|b| *b == m).count());
            match (fence, marker) {
                (None, Some(m)) if run >= 3 => {
                    fence = Some((m, run, is_rust_block(&trimmed[run..])));
                }
                (Some((m, len, _)), Some(c))
                    if c == m && run >= len && trimmed[run..].is_empty() =>
                {
                    fence = None;
                }
                (Some((_, _, true)), _) => code.push(line_range),
                _ => {}
            }
        }
    }
    code
}

/// Does a fenced block with this info string hold Rust that rustdoc compiles?
fn is_rust_block(info: &str) -> bool {
    const ATTRIBUTES: &[&str] = &[
        "should_panic",
        "no_run",
        "compile_fail",
        "ignore",
        "test_harness",
        "standalone_crate",
        "allow_fail",
    ];
    let tags: Vec<&str> = info
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    tags.contains(&"rust")
        || tags
            .iter()
            .all(|t| ATTRIBUTES.contains(t) || t.starts_with("ignore-") || t.starts_with("edition"))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The doc text [`doctest_code`] keeps of `src`, line by line.
    fn kept(src: &str) -> Vec<String> {
        let (_, docs) = lexer::tokenize_with_docs(src);
        doctest_code(src, &docs)
            .into_iter()
            .map(|r| src[r].trim().to_owned())
            .collect()
    }

    #[test]
    fn only_rust_code_blocks_of_doc_comments_are_doctests() {
        let src = "//! prose: include_str!(\"a\") is not read\n//! ```\n//! include_str!(\"b\");\n//! ```\n/// ```text\n/// include_str!(\"c\")\n/// ```\n/// ```no_run,edition2021\n/// include_str!(\"d\");\n/// ```\n/// ~~~rust,ignore\n/// include_str!(\"e\");\n/// ~~~\nfn f() {}\n";
        assert_eq!(
            kept(src),
            [
                "include_str!(\"b\");",
                "include_str!(\"d\");",
                "include_str!(\"e\");"
            ]
        );
    }

    #[test]
    fn a_block_comment_and_an_unclosed_block_end_with_their_item() {
        let src = "/**\n * ```\n * include_str!(\"a\");\n * ```\n */\nfn f() {}\n/// ```\n/// include_str!(\"b\");\nfn g() {}\n/// include_str!(\"c\")\nfn h() {}\n";
        assert_eq!(
            kept(src),
            ["* include_str!(\"a\");", "include_str!(\"b\");"]
        );
    }
}
