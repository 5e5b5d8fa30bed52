//! One Rust file: the files it pulls in from outside its home directory (`#[path]`,
//! `include*!`, build-script reads, paths given to other macros; in its code and in the code of
//! its doc comments, which rustdoc compiles as doctests), and secrets that only appear once its
//! string literals are assembled (escapes processed, `concat!` joined). Any other text file of
//! a crate can be compiled as Rust too (`include!("gen.txt")`, `#[path = "x.txt"]`, a README
//! included as documentation): [`scan_other`] reads it the same way.

use super::cfg_test::test_only_items;
use super::lexer::{self, Spanned, Token};
use super::modules::{self, FileKind};
use super::prefilter;
use super::references::{self, Reading, Reference};
use crate::secrets::{self, Secret};
use std::path::Path;

/// What a Rust file references outside its home directory, and its assembled secrets.
#[derive(Debug, Default)]
pub struct RustFile {
    /// References whose target lies outside the home directory; `resolved` is canonical when
    /// the target exists.
    pub references: Vec<Reference>,
    pub joined_secrets: Vec<Secret>,
    /// The byte ranges of items under `#[cfg(test)]` (the whole file for `#![cfg(test)]`):
    /// code only the crate's own tests compile, never a crate that depends on it. Found when
    /// the file may hold a secret.
    pub test_only: Vec<std::ops::Range<usize>>,
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

/// Could assembling the literals of `bytes` (escapes processed, `concat!` joined) show a
/// secret the plain scan does not see where it is written? Every secret holds a needle
/// ([`secrets::NEEDLES`], in any case), so a literal's value must hold one. An escape that is
/// neither `\x`, `\u{..}` nor a line continuation makes a character no needle has (a line
/// break, a tab, a quote, a backslash, NUL), so without those the needle is written as it is,
/// inside a literal that holds a backslash. Hence only:
/// - a `concat!` (its pieces join);
/// - a `\x` or `\u{..}` escape that makes a character some needle has, or that the lexer
///   drops (not a valid one);
/// - a line continuation whose two sides are two neighbouring characters of a needle;
/// - a needle written in the same literal as a backslash: between the nearest unescaped
///   quotes around it (the literal holds no other quote, so that span covers it).
///
/// Checked on the bytes wherever they are: a backslash outside a literal only asks for more.
fn may_assemble_a_secret(bytes: &[u8], candidates: bool) -> bool {
    static CONCAT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"concat"));
    if memchr::memchr(b'\\', bytes).is_none() {
        return CONCAT.find(bytes).is_some();
    }
    if CONCAT.find(bytes).is_some() || memchr::memchr_iter(b'\\', bytes).any(|at| spells(bytes, at))
    {
        return true;
    }
    // The span of unescaped quotes around the last needle looked at: a needle inside it is
    // judged already.
    let mut judged = 0..0;
    candidates
        && secrets::any_needle(bytes, |needle| {
            if judged.contains(&needle.start) {
                return false;
            }
            let bare_quote = |at: usize| bytes[at] == b'"' && (at == 0 || bytes[at - 1] != b'\\');
            let start = (0..needle.start)
                .rev()
                .find(|&at| bare_quote(at))
                .unwrap_or(0);
            let end = (needle.end..bytes.len())
                .find(|&at| bare_quote(at))
                .unwrap_or(bytes.len());
            judged = start..end;
            memchr::memchr(b'\\', &bytes[start..end]).is_some()
        })
}

/// Could the escape at `bytes[at]` (a backslash) make, or join, a needle's characters? What
/// `lexer.rs` makes of it: `\xHH` a character, `\u{..}` a character, a backslash before a line
/// break (`\n` or `\r\n`) nothing, with the whitespace after it; an invalid `\x` or `\u{..}`
/// nothing.
fn spells(bytes: &[u8], at: usize) -> bool {
    let needle_char = |c: u8| NEEDLE_BYTES.contains(&c.to_ascii_lowercase());
    match bytes.get(at + 1..) {
        Some([b'x', rest @ ..]) => {
            let code = rest
                .get(..2)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok());
            code.is_none_or(needle_char)
        }
        Some([b'u', b'{', rest @ ..]) => {
            let code = memchr::memchr(b'}', rest)
                .and_then(|close| std::str::from_utf8(&rest[..close]).ok())
                .and_then(|hex| u32::from_str_radix(&hex.replace('_', ""), 16).ok())
                .and_then(char::from_u32);
            code.is_none_or(|c| c.is_ascii() && needle_char(c as u8))
        }
        Some([b'\n', ..]) | Some([b'\r', b'\n', ..]) => {
            let Some(&before) = at.checked_sub(1).and_then(|i| bytes.get(i)) else {
                return false;
            };
            let after = continued(bytes, at);
            after.is_some_and(|after| {
                let pair = [before.to_ascii_lowercase(), after.to_ascii_lowercase()];
                secrets::NEEDLES
                    .iter()
                    .any(|n| n.as_bytes().windows(2).any(|w| w == pair))
            })
        }
        _ => false,
    }
}

/// The byte a line continuation at `bytes[at]` is followed by in a literal's value: past the
/// line break and the whitespace after it, and past any continuations that follow at once.
fn continued(bytes: &[u8], mut at: usize) -> Option<u8> {
    loop {
        let line_break = match bytes.get(at + 1..) {
            Some([b'\n', ..]) => 1,
            Some([b'\r', b'\n', ..]) => 2,
            _ => return bytes.get(at).copied(),
        };
        at += 1 + line_break;
        while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        if bytes.get(at) != Some(&b'\\') {
            return bytes.get(at).copied();
        }
    }
}

/// Every byte some needle holds.
static NEEDLE_BYTES: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    let mut all: Vec<u8> = secrets::NEEDLES.iter().flat_map(|n| n.bytes()).collect();
    all.sort_unstable();
    all.dedup();
    all
});

/// What the plain secret scan of a file already saw: a needle anywhere
/// ([`secrets::may_contain`]), and a secret found.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain {
    pub candidates: bool,
    pub found: bool,
}

impl Plain {
    /// The plain scan of `text`, for a caller that has not run it.
    #[cfg(test)]
    pub fn of(text: &str) -> Plain {
        let (found, candidates) = secrets::find_with_candidates(text.as_bytes());
        Plain {
            candidates,
            found: !found.is_empty(),
        }
    }
}

/// Scan the Rust file `file` with contents `text`.
///
/// `home_dir` is the directory the file must not reach out of (its client's directory);
/// `crate_dir` is the directory of the nearest `Cargo.toml` above the file, which
/// `env!("CARGO_MANIFEST_DIR")` names and a build script runs in; `is_build_script` says the
/// file is a package's build script, whose file-system calls are read too. `plain` is what the
/// plain secret scan of `text` saw (the `#[cfg(test)]` items are marked when it found a
/// secret).
pub fn scan(
    file: &Path,
    text: &str,
    home_dir: &Path,
    crate_dir: &Path,
    is_build_script: bool,
    plain: Plain,
) -> RustFile {
    scan_with(
        Prefilter::On,
        file,
        text,
        home_dir,
        crate_dir,
        is_build_script,
        plain,
    )
}

/// Whether [`scan_with`] tokenizes only the files [`prefilter::may_reference`] keeps. `Off`
/// tokenizes every file: what the prefilter is tested against.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefilter {
    On,
    Off,
}

/// [`scan`], with the prefilter on or off.
#[doc(hidden)]
pub fn scan_with(
    prefilter: Prefilter,
    file: &Path,
    text: &str,
    home_dir: &Path,
    crate_dir: &Path,
    is_build_script: bool,
    plain: Plain,
) -> RustFile {
    let bytes = text.as_bytes();
    // Tokenize only files that can hold what is looked for: a reference (see `prefilter.rs`),
    // literals whose assembly might show a secret, or a secret to attribute.
    let wants_refs =
        is_build_script || prefilter == Prefilter::Off || prefilter::may_reference(text);
    let wants_joins = prefilter == Prefilter::Off || may_assemble_a_secret(bytes, plain.candidates);
    if !(wants_refs || wants_joins || plain.found) {
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
            // What the literal's source text already shows is reported where it is written:
            // only what assembling reveals is reported here, at the literal.
            let source = &bytes[start..end];
            let written = secrets::find_all(source);
            for mut secret in secrets::find(value.as_bytes()) {
                let shown = &value.as_bytes()[secret.mask.clone()];
                let already = written
                    .iter()
                    .any(|(w, _)| w.kind == secret.kind && &source[w.mask.clone()] == shown);
                if already || secrets::excused(bytes, start) {
                    continue;
                }
                secret.start = start;
                secret.end = end;
                joined_secrets.push(secret);
            }
        }
    }
    let test_only = if plain.found || !joined_secrets.is_empty() {
        test_only_items(&tokens, text.len())
    } else {
        Vec::new()
    };
    RustFile {
        references,
        joined_secrets,
        test_only,
        too_complex,
    }
}

/// A text file that is not a `.rs` file, read as the Rust it may be compiled as: the references
/// in it (and in its doc comments) that name an existing path outside `home_dir`. Its own
/// directory and the crate's `src/` (for a README that `src/lib.rs` includes as documentation,
/// whose doctests resolve paths from there) are both tried as the directory paths are relative
/// to.
pub fn scan_other(file: &Path, text: &str, home_dir: &Path, crate_dir: &Path) -> RustFile {
    scan_other_with(Prefilter::On, file, text, home_dir, crate_dir)
}

/// [`scan_other`], with the prefilter on or off.
#[doc(hidden)]
pub fn scan_other_with(
    prefilter: Prefilter,
    file: &Path,
    text: &str,
    home_dir: &Path,
    crate_dir: &Path,
) -> RustFile {
    if prefilter == Prefilter::On && !prefilter::may_reference(text) {
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
        test_only: Vec::new(),
        too_complex,
    }
}

/// The references in the code blocks of doc comments (doctests, as rustdoc finds them), read as
/// if each of `as_files` held them, that name an existing path: prose that merely mentions a
/// path names nothing.
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
    let code = super::doctest::code_ranges(text, docs);
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
            reference.resolved = crate::location::resolve(&reference.resolved);
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
                out.push((value.to_string(), token.start, token.end));
            }
            Token::Ident("concat")
                if matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::Punct('!'))) =>
            {
                let (joined, end) = concat_pieces(text, tokens, i);
                out.push((joined, token.start, end));
            }
            _ => {}
        }
    }
    out
}

/// The string `concat!` at token `i` makes, as far as its pieces are literals (strings,
/// integers, chars, `true`/`false`, nested `concat!`), and the end of the last piece read.
fn concat_pieces(text: &str, tokens: &[Spanned], i: usize) -> (String, usize) {
    let mut joined = String::new();
    let mut end = tokens[i].end;
    let mut j = i + 3;
    while let Some(t) = tokens.get(j) {
        match &t.token {
            Token::Str(s) => joined.push_str(s),
            Token::Punct(',') => {}
            Token::Ident(b @ ("true" | "false")) => joined.push_str(b),
            Token::Ident("concat")
                if matches!(tokens.get(j + 1).map(|t| &t.token), Some(Token::Punct('!'))) =>
            {
                let (inner, inner_end) = concat_pieces(text, tokens, j);
                joined.push_str(&inner);
                end = inner_end;
                // Past the nested call's closing delimiter.
                j = tokens[j..]
                    .iter()
                    .position(|t| t.start >= inner_end)
                    .map_or(tokens.len(), |k| j + k + 1);
                continue;
            }
            Token::Punct('-') => match tokens.get(j + 1) {
                Some(n) if matches!(n.token, Token::Other) => {
                    match int_value(&text[n.start..n.end]) {
                        Some(v) => {
                            joined.push('-');
                            joined.push_str(&v);
                            end = n.end;
                            j += 2;
                            continue;
                        }
                        None => break,
                    }
                }
                _ => break,
            },
            Token::Other => {
                let source = &text[t.start..t.end];
                match char_value(source).or_else(|| int_value(source)) {
                    Some(v) => joined.push_str(&v),
                    None => break,
                }
            }
            _ => break,
        }
        end = t.end;
        j += 1;
    }
    (joined, end)
}

/// The text `concat!` makes of an integer literal: its value in decimal (`0x1F` is `31`,
/// `1_000u32` is `1000`).
fn int_value(source: &str) -> Option<String> {
    let clean: String = source.chars().filter(|&c| c != '_').collect();
    let (radix, digits) = match clean.get(..2) {
        Some("0x") => (16, &clean[2..]),
        Some("0o") => (8, &clean[2..]),
        Some("0b") => (2, &clean[2..]),
        _ => (10, clean.as_str()),
    };
    let len = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let rest = &digits[len..];
    if len == 0 || !(rest.is_empty() || rest.starts_with(['u', 'i'])) {
        return None;
    }
    u128::from_str_radix(&digits[..len], radix)
        .ok()
        .map(|v| v.to_string())
}

/// The character of a char literal (`'a'`, `'\n'`, `'\x41'`, `'\u{41}'`).
fn char_value(source: &str) -> Option<String> {
    let inner = source.strip_prefix('\'')?.strip_suffix('\'')?;
    let Some(escape) = inner.strip_prefix('\\') else {
        let mut chars = inner.chars();
        let c = chars.next()?;
        return chars.next().is_none().then(|| c.to_string());
    };
    let c = match escape {
        "n" => '\n',
        "t" => '\t',
        "r" => '\r',
        "0" => '\0',
        "\\" | "'" | "\"" => escape.chars().next()?,
        _ if escape.starts_with('x') => char::from(u8::from_str_radix(escape.get(1..3)?, 16).ok()?),
        _ => {
            let hex = escape
                .strip_prefix("u{")?
                .strip_suffix('}')?
                .replace('_', "");
            char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
        }
    };
    Some(c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(src: &str) -> Vec<&'static str> {
        let dir = Path::new("/ws/clients/acme");
        scan(
            &dir.join("src/lib.rs"),
            src,
            dir,
            dir,
            false,
            Plain::of(src),
        )
        .joined_secrets
        .into_iter()
        .map(|s| s.kind.describe())
        .collect()
    }

    /// `shpat_` and 32 hex digits, assembled so that this file holds no token-shaped string.
    fn token_parts() -> (String, String) {
        (format!("shp{}_", "at"), "0123456789abcdef".repeat(2))
    }

    #[test]
    fn a_literal_with_an_escape_is_reported_once() {
        // The file scan reports the URL where it is written; assembling adds nothing new.
        assert!(
            joined(r#"pub const A: &str = "https://user:hunter2@example.com/a\n";"#).is_empty()
        );
        // Its twin: an escape inside the secret, which only the assembled value shows.
        assert_eq!(
            joined(r#"pub const A: &str = "https://user:hun\x74er2@example.com/a";"#),
            ["URL with an embedded password"]
        );
    }

    #[test]
    fn concat_of_strings_integers_and_chars_is_joined() {
        let (prefix, hex) = token_parts();
        let (head, tail) = hex.split_at(16);
        // `0123456789abcdef` is not an integer literal; `123456789` is, and `0` a char.
        let (digits, rest) = (&head[1..10], &head[10..]);
        let src = format!(
            "const T: &str = concat!(\"{prefix}\", '0', {digits}, \"{rest}\", \"{tail}\");"
        );
        assert_eq!(joined(&src), ["Shopify access token or secret"]);
        let nested = format!(
            "const T: &str = concat!(concat!(\"{prefix}\", \"{head}\"), concat!(\"{tail}\"));"
        );
        assert_eq!(joined(&nested), ["Shopify access token or secret"]);
        // Clean twin: a digit short.
        let short = format!("const T: &str = concat!(\"{prefix}\", {digits}, \"{rest}{tail}\");");
        assert!(joined(&short).is_empty());
    }

    #[test]
    fn string_continuations_over_crlf_are_joined() {
        let (prefix, hex) = token_parts();
        let (head, tail) = hex.split_at(16);
        let src = format!("const T: &str = \"{prefix}{head}\\\r\n        {tail}\";\r\n");
        assert_eq!(joined(&src), ["Shopify access token or secret"]);
        // Clean twin: without the backslash the line break stays in the value.
        let broken = format!("const T: &str = \"{prefix}{head}\r\n        {tail}\\n\";\r\n");
        assert!(joined(&broken).is_empty());
    }

    #[test]
    fn concat_makes_what_rustc_makes() {
        // rustc 1.95 prints `a0123456789x311000true-5z` for this constant.
        let src = r#"const T: &str = concat!("a", '0', 123456789, concat!("x", 0x1F, 1_000u32, true), -5, "z");"#;
        let (tokens, _) = lexer::tokenize_with_docs(src);
        let values: Vec<String> = assembled_literals(src, &tokens)
            .into_iter()
            .map(|(v, _, _)| v)
            .collect();
        assert_eq!(values[0], "a0123456789x311000true-5z");
    }

    #[test]
    fn cfg_test_items_are_test_only() {
        let src = "pub fn a() {}\n#[cfg(test)]\nmod tests {\n    fn b() { let x = 1; }\n}\npub fn c() {}\n";
        let (tokens, _) = lexer::tokenize_with_docs(src);
        let ranges = test_only_items(&tokens, src.len());
        assert_eq!(ranges.len(), 1);
        let covered = &src[ranges[0].clone()];
        assert!(
            covered.starts_with("#[cfg(test)]") && covered.ends_with("}\n}"),
            "{covered}"
        );
        assert!(!covered.contains("fn c"));
        // Not test-only: `cfg(not(test))`, and `cfg(test)` inside another attribute's arguments.
        for src in [
            "#[cfg(not(test))]\nmod a {}",
            "#[cfg_attr(test, derive(Debug))]\nstruct S;",
        ] {
            let (tokens, _) = lexer::tokenize_with_docs(src);
            assert!(test_only_items(&tokens, src.len()).is_empty(), "{src}");
        }
        let (tokens, _) = lexer::tokenize_with_docs("#![cfg(test)]\nfn t() {}");
        assert_eq!(
            test_only_items(&tokens, 20),
            vec![std::ops::Range { start: 0, end: 20 }]
        );
    }

    #[test]
    fn the_prefilters_keep_every_literal_that_assembles_a_secret() {
        for (src, candidates) in [
            (r#"const T: &str = concat!("sh", "pat_");"#, false),
            (r#"const T: &str = "\x73hpat_";"#, false),
            (r#"const T: &str = "\u{73}hpat_";"#, false),
            ("const T: &str = \"sh\\\n    pat_\";", false),
            (r#"const T: &str = "shpat_\n";"#, true),
        ] {
            assert!(may_assemble_a_secret(src.as_bytes(), candidates), "{src}");
        }
        // Clean twins: an escape that spells no letter, in a file without a needle.
        assert!(!may_assemble_a_secret(br#"const T: &str = "a\n";"#, false));
        assert!(!may_assemble_a_secret(
            br#"const T: &str = "shpat_";"#,
            true
        ));
    }

    #[test]
    fn escapes_that_spell_no_needle_character_are_passed_over() {
        let (prefix, hex) = token_parts();
        // Breaches: a `\x`, a `\u{..}` and a continuation that make or join a needle's
        // characters, in files without a needle written out.
        for src in [
            format!("const T: &str = \"\\x73hp{}_{hex}\";", "at"),
            format!("const T: &str = \"\\u{{73}}hp{}_{hex}\";", "at"),
            format!("const T: &str = \"s\\\n    \\\n  hp{}_{hex}\";", "at"),
            format!("const T: &str = \"s\\\r\n\thp{}_{hex}\";", "at"),
            // Not valid escapes: the lexer drops them, joining what is around them.
            format!("const T: &str = \"s\\xhp{}_{hex}\";", "at"),
            format!("const T: &str = \"s\\u{{zz}}hp{}_{hex}\";", "at"),
        ] {
            assert!(may_assemble_a_secret(src.as_bytes(), false), "{src}");
            assert_eq!(joined(&src), ["Shopify access token or secret"], "{src}");
        }
        // A needle in the same literal as an escape.
        let src = format!("const T: &str = \"\\\"{prefix}{hex}\";");
        assert!(may_assemble_a_secret(src.as_bytes(), true), "{src}");
        // Clean twins: escapes that make a control character, a quote or a line continuation
        // between characters no needle holds next to each other; a needle outside the literal
        // with the escape.
        for src in [
            "const T: &str = \"\\x1b[0m\\u{7f}\\u{e9}\";",
            "const T: &str = \"[COMPILING] foo\\n\\\n    [FINISHED]\";",
            "const T: &str = \"a\\\n   b\";",
        ] {
            assert!(!may_assemble_a_secret(src.as_bytes(), false), "{src}");
        }
        let src = format!("const A: &str = \"a\\n\";\nconst T: &str = \"{prefix}{hex}\";");
        assert!(!may_assemble_a_secret(src.as_bytes(), true), "{src}");
    }

    /// Generated texts are scanned with the test of [`may_assemble_a_secret`] and with every
    /// literal assembled: the same assembled secrets and test items.
    #[test]
    fn the_assembly_test_agrees_with_assembling_every_file() {
        let (prefix, hex) = token_parts();
        let pieces: Vec<String> = [
            "const T: &str = ",
            "\"",
            "\"",
            "\"",
            "r#\"",
            "\"#",
            "b\"",
            "'",
            "'\\''",
            "concat!(",
            ")",
            ", ",
            ";\n",
            "\\",
            "\\\\",
            "\\\"",
            "\\n",
            "\\t",
            "\\0",
            "\\\n",
            "\\\r\n",
            "\n    ",
            "\\x73",
            "\\x53",
            "\\x1b",
            "\\x",
            "\\u{73}",
            "\\u{68}",
            "\\u{e9}",
            "\\u{",
            "}",
            "s",
            "S",
            "h",
            "hp",
            "pat_",
            "sh",
            "shp",
            "//",
            "/*",
            "*/",
            "://",
            "https",
            "u:",
            "hunter2",
            "@h",
            "pass",
            "word",
            "=",
            "sb_",
            "secret_",
            "0123456789abcdef",
            "ey",
            "J",
            "#[cfg(test)]\nmod t {\n",
            " ",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([
            prefix.clone(),
            hex.clone(),
            format!("{prefix}{hex}"),
            "https://u:hunter2@h/".to_string(),
        ])
        .collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let dir = Path::new("/ws/clients/acme");
        let file = dir.join("src/lib.rs");
        // Secrets written with escapes, continuations and `concat!` pieces at random places.
        let secrets = [
            format!("{prefix}{hex}"),
            "https://u:hunter2@h/".to_string(),
            "postgres://:pw@db".to_string(),
            format!("sb_secret_{hex}"),
            "host=db password=hunter2".to_string(),
        ];
        let spelled = |next: &mut dyn FnMut(usize) -> usize| {
            let secret = &secrets[next(secrets.len())];
            let mut out = String::from(if next(2) == 0 { "concat!(\"" } else { "\"" });
            for c in secret.chars() {
                match next(60) {
                    0 => out.push_str(&format!("\\x{:02x}", c as u32)),
                    1 => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
                    2 => out.push_str(&format!("{c}\\\n    ")),
                    3 => out.push_str(&format!("\", \"{c}")),
                    4 => out.push_str(&format!("{c}\\n")),
                    5 => out.push_str(&format!("\\\"{c}")),
                    _ => out.push(c),
                }
            }
            out.push('"');
            out
        };
        let (mut with_joins, mut passed_over) = (0, 0);
        for _ in 0..20_000 {
            let src: String = (0..next(12) + 1)
                .map(|_| match next(4) {
                    0 => spelled(&mut next),
                    _ => pieces[next(pieces.len())].clone(),
                })
                .collect();
            let plain = Plain::of(&src);
            let on = scan_with(Prefilter::On, &file, &src, dir, dir, false, plain);
            let off = scan_with(Prefilter::Off, &file, &src, dir, dir, false, plain);
            assert_eq!(
                format!("{:?}", (&on.joined_secrets, &on.test_only)),
                format!("{:?}", (&off.joined_secrets, &off.test_only)),
                "{src:?}"
            );
            with_joins += usize::from(!off.joined_secrets.is_empty());
            passed_over += usize::from(!may_assemble_a_secret(src.as_bytes(), plain.candidates));
        }
        // Not vacuous: many texts assemble a secret, and many are passed over.
        assert!(with_joins > 500, "{with_joins} texts assemble a secret");
        assert!(passed_over > 1000, "{passed_over} texts passed over");
    }

    #[test]
    fn integer_and_char_values_are_what_concat_makes() {
        assert_eq!(int_value("0x1F").as_deref(), Some("31"));
        assert_eq!(int_value("1_000u32").as_deref(), Some("1000"));
        assert_eq!(int_value("0o17").as_deref(), Some("15"));
        assert_eq!(int_value("1.5"), None);
        assert_eq!(char_value("'a'").as_deref(), Some("a"));
        assert_eq!(char_value(r"'\x41'").as_deref(), Some("A"));
        assert_eq!(char_value(r"'\u{42}'").as_deref(), Some("B"));
    }
}
