//! Which files the reference scan must tokenize. One pass over a file's bytes that reads them
//! the way `lexer.rs` does (comments, strings, raw strings, chars and lifetimes, numbers,
//! identifiers) without building tokens, and keeps only what `references::find` and the
//! doctests of its doc comments act on:
//!
//! - a call of `include!`, `include_str!` or `include_bytes!`, and a `use .. as` that renames one
//!   of them or `concat!`;
//! - `path` inside an attribute (`#[path = ..]`, `#[cfg_attr(.., path = ..)]`);
//! - inside the arguments of a macro that may read a file (any macro but the formatting and
//!   assertion macros `references::NON_READING_MACROS` lists) or inside an attribute: a
//!   `concat!`, or a string literal that can name a path outside its crate: one starting with
//!   `/` or `$` or with a `..` component, once its escapes are processed;
//! - the same in the code blocks of its doc comments (rustdoc compiles them as doctests).
//!
//! Sound by construction: a file the pass rejects holds none of these, and without them the
//! reference scan finds nothing (a string literal given to a macro is a path outside its crate
//! only if it is absolute, starts with `$CARGO_MANIFEST_DIR` or climbs with `..`). A test runs
//! the reference scan with and without this prefilter over every fixture and generated texts.

use super::{doctest, lexer, references};
use crate::secrets::NeedleFinder;
use std::ops::Range;

/// Could the reference scan of `text`, read as Rust (its code and its doctests), find a
/// reference? `false` only when it certainly finds none.
pub fn may_reference(text: &str) -> bool {
    if !NEEDLES.is_match(text.as_bytes()) {
        return false;
    }
    let mut docs = Vec::new();
    if Pass::new(text, Some(&mut docs)).run() {
        return true;
    }
    docs_may_reference(text, &docs)
}

/// Nothing the pass acts on can be written without one of these: the identifiers it acts on,
/// and what a string literal's source holds when its value is absolute, starts with `$` or has
/// a `..` component (a quote or a slash before the `..`), or when an escape spells it.
static NEEDLES: std::sync::LazyLock<NeedleFinder> = std::sync::LazyLock::new(|| {
    NeedleFinder::new(&[
        "include", "concat", "path", "\"/", "\"$", "\"..", "/..", "\\x", "\\u", "\\\n", "\\\r",
    ])
});

/// The doctests of `docs`, read as code the way `rust::doc_references` reads them.
fn docs_may_reference(text: &str, docs: &[Range<usize>]) -> bool {
    let bytes = text.as_bytes();
    if !docs
        .iter()
        .any(|d| doc_needs_reading(&bytes[..d.end], d.start))
    {
        return false;
    }
    let code = doctest::code_ranges(text, docs);
    if code.is_empty() {
        return false;
    }
    let masked = lexer::doc_text(text, &code);
    Pass::new(&masked, None).run()
}

/// Could the doc comment text `bytes[start..]` hold, in a doctest, something the pass acts
/// on? A literal's telling bytes, `concat`, a line continuation at its end (it joins the next
/// line), or `include..`/`path` followed by what a call, a rename or an attribute's `path =`
/// needs next: a `!`, an `=`, `as`, a comment, or the end of the line (the rest may follow on
/// the next one).
fn doc_needs_reading(bytes: &[u8], start: usize) -> bool {
    static LITERALS: std::sync::LazyLock<NeedleFinder> = std::sync::LazyLock::new(|| {
        NeedleFinder::new(&[
            "\"/", "\"$", "\"..", "/..", "\\x", "\\u", "\\\n", "\\\r", "concat",
        ])
    });
    let doc = &bytes[start..];
    if LITERALS.is_match(doc) || doc.ends_with(b"\\") {
        return true;
    }
    let followed = |word: &[u8]| {
        memchr::memmem::find_iter(doc, word).any(|at| {
            let rest = &doc[at + word.len()..];
            let rest = match rest
                .iter()
                .position(|&b| !(b == b'_' || b.is_ascii_alphanumeric()))
            {
                Some(end) => &rest[end..],
                None => return true,
            };
            let rest = rest.trim_ascii_start();
            rest.is_empty() || matches!(rest[0], b'!' | b'=' | b'/') || rest.starts_with(b"as")
        })
    };
    followed(b"include") || followed(b"path")
}

/// The kind of the previous token, as far as a macro call or an attribute needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Ident(usize, usize),
    Bang,
    Hash,
    Other,
}

/// An open bracket starts the arguments of a macro that may read a file, or an attribute.
const REGION: u8 = 1;
/// An open bracket starts an attribute.
const ATTR: u8 = 2;

struct Pass<'a, 'd> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    prev: Tok,
    prev2: Tok,
    /// The open brackets, innermost last: each one's flags.
    stack: Vec<u8>,
    /// The depth of the bracket (the stack's length with it) whose group is the region.
    region: Option<usize>,
    /// Open attribute brackets.
    attrs: usize,
    /// Where doc comments' text goes; `None` to leave doc comments unread.
    docs: Option<&'d mut Vec<Range<usize>>>,
}

impl<'a, 'd> Pass<'a, 'd> {
    fn new(src: &'a str, docs: Option<&'d mut Vec<Range<usize>>>) -> Self {
        Pass {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            prev: Tok::Other,
            prev2: Tok::Other,
            stack: Vec::new(),
            region: None,
            attrs: 0,
            docs,
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn token(&mut self, tok: Tok) {
        self.prev2 = self.prev;
        self.prev = tok;
    }

    /// `true` as soon as the file may hold a reference. The branches and their order are the
    /// lexer's (`lexer::Lexer::run`), so every token starts where the lexer's does.
    fn run(&mut self) -> bool {
        while let Some(b) = self.peek(0) {
            let start = self.pos;
            match b {
                b if b.is_ascii_whitespace() => {
                    self.pos += 1;
                    while self.peek(0).is_some_and(|b| b.is_ascii_whitespace()) {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == Some(b'/') => self.line_comment(),
                b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
                b'"' => {
                    if self.string(start, |p| p.quoted()) {
                        return true;
                    }
                }
                b'r' if self.raw_string_ahead(1) => {
                    self.pos += 1;
                    if self.string(start, |p| p.raw()) {
                        return true;
                    }
                }
                b'b' | b'c' if self.peek(1) == Some(b'"') => {
                    self.pos += 1;
                    if self.string(start, |p| p.quoted()) {
                        return true;
                    }
                }
                b'b' | b'c' if self.peek(1) == Some(b'r') && self.raw_string_ahead(2) => {
                    self.pos += 2;
                    if self.string(start, |p| p.raw()) {
                        return true;
                    }
                }
                b'\'' => {
                    self.char_or_lifetime();
                    self.token(Tok::Other);
                }
                b if b == b'_' || b.is_ascii_alphabetic() => {
                    if self.ident(start) {
                        return true;
                    }
                }
                b if !b.is_ascii()
                    && self.src[self.pos..]
                        .chars()
                        .next()
                        .is_some_and(|c| c == '_' || c.is_alphabetic()) =>
                {
                    if self.ident(start) {
                        return true;
                    }
                }
                b if b.is_ascii_digit() => {
                    while self
                        .peek(0)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                    {
                        self.pos += 1;
                    }
                    self.token(Tok::Other);
                }
                b'!' => {
                    self.pos += 1;
                    self.token(Tok::Bang);
                }
                b'#' => {
                    self.pos += 1;
                    self.token(Tok::Hash);
                }
                b'(' | b'[' | b'{' => {
                    self.pos += 1;
                    if self.open(b) {
                        return true;
                    }
                    self.token(Tok::Other);
                }
                b')' | b']' | b'}' => {
                    self.pos += 1;
                    self.close();
                    self.token(Tok::Other);
                }
                b if b.is_ascii() => {
                    self.pos += 1;
                    self.token(Tok::Other);
                }
                _ => {
                    let c = self.src[self.pos..].chars().next().unwrap_or('\0');
                    self.pos += c.len_utf8().max(1);
                    self.token(Tok::Other);
                }
            }
        }
        false
    }

    /// An identifier starting at `start`; `true` when it is one the reference scan acts on.
    fn ident(&mut self, start: usize) -> bool {
        self.consume_ident();
        let name = &self.bytes[start..self.pos];
        let acts = match name {
            b"path" => self.attrs > 0,
            // `use std::include_str as grab;`: `grab!` is then `include_str!`, and the same for
            // `concat!`. (A renamed `env!` reads a path only inside one of them.)
            b"as" => matches!(self.prev, Tok::Ident(s, e)
                if matches!(&self.bytes[s..e], b"include" | b"include_str" | b"include_bytes" | b"concat")),
            _ => false,
        };
        self.token(Tok::Ident(start, self.pos));
        acts
    }

    /// An opening bracket; `true` when it opens the arguments of an include macro, or of a
    /// `concat!` inside a region. A macro's arguments or an attribute start a region, unless
    /// one is open already (as `references::argument_paths` reads them).
    fn open(&mut self, b: u8) -> bool {
        let attr = b == b'['
            && (self.prev == Tok::Hash || (self.prev == Tok::Bang && self.prev2 == Tok::Hash));
        let mut flags = 0;
        if attr {
            flags |= ATTR;
            self.attrs += 1;
        }
        if let (Tok::Bang, Tok::Ident(s, e)) = (self.prev, self.prev2) {
            match &self.bytes[s..e] {
                b"include" | b"include_str" | b"include_bytes" => return true,
                b"concat" if self.region.is_some() => return true,
                name if self.region.is_none() => {
                    let reading = std::str::from_utf8(name)
                        .is_ok_and(|name| !references::NON_READING_MACROS.contains(&name));
                    if reading {
                        flags |= REGION;
                        self.region = Some(self.stack.len() + 1);
                    }
                }
                _ => {}
            }
        }
        if attr && self.region.is_none() {
            flags |= REGION;
            self.region = Some(self.stack.len() + 1);
        }
        self.stack.push(flags);
        false
    }

    /// A closing bracket closes the innermost open one, whatever its kind (as
    /// `references::closing_brackets` pairs them).
    fn close(&mut self) {
        if let Some(flags) = self.stack.pop() {
            if flags & ATTR != 0 {
                self.attrs -= 1;
            }
            if self.region == Some(self.stack.len() + 1) {
                self.region = None;
            }
        }
    }

    /// A string literal starting at `start`, read by `read` (which returns its body's range);
    /// `true` when it sits in a region and can name a path outside its crate.
    fn string(&mut self, start: usize, read: impl FnOnce(&mut Self) -> Range<usize>) -> bool {
        let body = read(self);
        self.token(Tok::Other);
        if self.region.is_none() {
            return false;
        }
        let body = &self.bytes[body];
        if spells(body) {
            // Its value is what the lexer makes of the literal (escapes processed).
            lexer::tokenize(&self.src[start..self.pos])
                .first()
                .is_some_and(|t| match &t.token {
                    lexer::Token::Str(value) => may_leave(value.as_bytes()),
                    _ => true,
                })
        } else {
            may_leave(body)
        }
    }

    fn line_comment(&mut self) {
        let start = self.pos;
        let doc = matches!(
            (self.peek(2), self.peek(3)),
            (Some(b'/'), Some(b)) if b != b'/'
        ) || matches!((self.peek(2), self.peek(3)), (Some(b'/'), None))
            || self.peek(2) == Some(b'!');
        self.pos = memchr::memchr(b'\n', &self.bytes[self.pos..])
            .map_or(self.bytes.len(), |at| self.pos + at);
        if doc && let Some(docs) = self.docs.as_mut() {
            docs.push((start + 3).min(self.pos)..self.pos);
        }
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        let doc = matches!((self.peek(2), self.peek(3)), (Some(b'*'), Some(b)) if b != b'*' && b != b'/')
            || self.peek(2) == Some(b'!');
        self.pos += 2;
        let mut depth = 1;
        while depth > 0 {
            let Some(at) = memchr::memchr2(b'/', b'*', &self.bytes[self.pos..]) else {
                self.pos = self.bytes.len();
                break;
            };
            self.pos += at;
            match (self.peek(0), self.peek(1)) {
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.pos += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                }
                _ => self.pos += 1,
            }
        }
        if doc
            && self.pos >= start + 5
            && let Some(docs) = self.docs.as_mut()
        {
            let end = if self.bytes.get(self.pos - 2..self.pos) == Some(b"*/") {
                self.pos - 2
            } else {
                self.pos
            };
            docs.push(start + 3..end.max(start + 3));
        }
    }

    /// After an `r` at `self.pos + offset - 1`: `#*"` follows.
    fn raw_string_ahead(&self, offset: usize) -> bool {
        let mut i = self.pos + offset;
        while self.bytes.get(i) == Some(&b'#') {
            i += 1;
        }
        self.bytes.get(i) == Some(&b'"')
    }

    /// `#*"..."#*` starting at the first `#` or `"`: the body's range.
    fn raw(&mut self) -> Range<usize> {
        let mut hashes = 0;
        while self.peek(0) == Some(b'#') {
            hashes += 1;
            self.pos += 1;
        }
        self.pos += 1;
        let body = self.pos;
        loop {
            match memchr::memchr(b'"', &self.bytes[self.pos..]) {
                None => {
                    self.pos = self.bytes.len();
                    return body..self.pos;
                }
                Some(at) => {
                    self.pos += at;
                    if (1..=hashes).all(|k| self.peek(k) == Some(b'#')) {
                        let end = self.pos;
                        self.pos += 1 + hashes;
                        return body..end;
                    }
                    self.pos += 1;
                }
            }
        }
    }

    /// `"..."` starting at the quote: the body's range. Where it ends is where the lexer's
    /// `quoted` ends it: an escape steps over the character after the backslash, and `\u{`
    /// over everything up to the next `}`.
    fn quoted(&mut self) -> Range<usize> {
        self.pos += 1;
        let body = self.pos;
        loop {
            match memchr::memchr2(b'"', b'\\', &self.bytes[self.pos..]) {
                None => {
                    self.pos = self.bytes.len();
                    return body..self.pos;
                }
                Some(at) if self.bytes[self.pos + at] == b'"' => {
                    self.pos += at;
                    let end = self.pos;
                    self.pos += 1;
                    return body..end;
                }
                Some(at) => {
                    self.pos += at + 1;
                    match self.peek(0) {
                        None => {}
                        Some(b'u') if self.peek(1) == Some(b'{') => {
                            self.pos += 1;
                            match memchr::memchr(b'}', &self.bytes[self.pos + 1..]) {
                                Some(close) => self.pos += close + 2,
                                None => {}
                            }
                        }
                        Some(_) => self.pos += 1,
                    }
                }
            }
        }
    }

    /// `'a'`, `'\n'`, `'\u{..}'` or a lifetime `'a`, as the lexer reads them.
    fn char_or_lifetime(&mut self) {
        self.pos += 1;
        match self.peek(0) {
            Some(b'\\') => {
                self.pos += 1;
                while self.peek(0).is_some_and(|b| b != b'\'' && b != b'\n') {
                    self.pos += 1;
                }
                if self.peek(0) == Some(b'\'') {
                    self.pos += 1;
                }
            }
            Some(_) => {
                let c = self.src[self.pos..].chars().next().unwrap_or(' ');
                let after = self.pos + c.len_utf8();
                if self.bytes.get(after) == Some(&b'\'') {
                    self.pos = after + 1;
                } else {
                    self.consume_ident();
                }
            }
            None => {}
        }
    }

    fn consume_ident(&mut self) {
        let ascii = self.bytes[self.pos..]
            .iter()
            .position(|&b| !(b == b'_' || b.is_ascii_alphanumeric()))
            .unwrap_or(self.bytes.len() - self.pos);
        self.pos += ascii;
        while let Some(&b) = self.bytes.get(self.pos) {
            if b.is_ascii() {
                if b == b'_' || b.is_ascii_alphanumeric() {
                    self.pos += 1;
                    continue;
                }
                return;
            }
            let Some(c) = self.src[self.pos..].chars().next() else {
                return;
            };
            if c == '_' || c.is_alphanumeric() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }
}

/// Can a string literal whose value is `value` name a path outside its crate? Only an absolute
/// value, a `$CARGO_MANIFEST_DIR..` one, or one with a `..` component can leave
/// (`references::push_existing`).
fn may_leave(value: &[u8]) -> bool {
    if matches!(value.first(), Some(b'/' | b'$')) {
        return true;
    }
    memchr::memmem::find_iter(value, b"..").any(|at| {
        (at == 0 || value[at - 1] == b'/') && matches!(value.get(at + 2), None | Some(b'/'))
    })
}

/// Does a string literal's body hold an escape that spells a character (`\x`, `\u{..}`) or a
/// line continuation, which can make a value [`may_leave`] out of a body that is none? Any
/// other escape stands for a character that is no dot, slash or dollar.
fn spells(body: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', body)
        .any(|at| matches!(body.get(at + 1), Some(b'x' | b'u' | b'\n' | b'\r')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::rust::{self, Plain, Prefilter};
    use std::path::{Path, PathBuf};

    #[test]
    fn every_spelling_of_a_path_that_leaves_is_kept() {
        for src in [
            r#"m!("../x");"#,
            r#"m!("a/../x");"#,
            r#"m!("..");"#,
            r#"m!("/etc/x");"#,
            r#"m!("$CARGO_MANIFEST_DIR/x");"#,
            r#"m!("${CARGO_MANIFEST_DIR}/../x");"#,
            // Raw strings, byte strings, any number of hashes.
            r##"m!(r#"/etc/x"#);"##,
            r#"m!(r"../x");"#,
            r###"m!(br##"../x"##);"###,
            r#"m!(b"/etc/x");"#,
            // Escapes that spell a dot or a slash, and a line continuation.
            r#"m!("sub/\x2e\x2e/x");"#,
            r#"m!("sub/\u{2e}./x");"#,
            "m!(\".\\\n.\");",
            // Pieces `concat!` joins into a `..` that no piece holds.
            r#"m!(concat!(".", ".", "/x"));"#,
            r#"m!(concat!('.', '.', "/x"));"#,
            r#"m!(concat!("x/.", "./.", "./y"));"#,
            // A macro nested in an assertion, and any bracket.
            r#"assert!(m!["../x"]);"#,
            r#"m! { a: "../x" }"#,
            // Attributes, spaced, commented, inner, under `cfg_attr`.
            r#"#[folder = "../x"] struct S;"#,
            r#"# [ path = "x.rs" ] mod m;"#,
            r#"#/* c */[path = "x.rs"] mod m;"#,
            r#"#![path = "x"]"#,
            r#"#[cfg_attr(unix, doc = "]", path = "x.rs")] mod m;"#,
            // Include macros, spaced, commented, renamed, and `concat!` or `env!` renamed.
            r#"include_str!("x");"#,
            r#"include /* c */ !("x");"#,
            "use std::include_bytes as grab;",
            r#"use std::concat as c; m!(c!("x/.", "./y"));"#,
            // Doctests: a fenced block and an indented block.
            "/// ```\n/// m!(\"../x\");\n/// ```\nfn f() {}",
            "/// Reads:\n///\n///     m!(\"/etc/x\");\nfn f() {}",
            "/** ```\nm!(\"../x\");\n``` */\nfn f() {}",
        ] {
            assert!(may_reference(src), "{src}");
        }
    }

    #[test]
    fn literals_no_macro_reads_and_paths_inside_the_crate_are_passed_over() {
        for src in [
            "fn f() { for i in 0..n { g(..Default::default()); } }",
            r#"fn f() { println!("done.\n"); }"#,
            r#"fn f() { m!("data/x.txt"); m!("a..b"); m!(""); }"#,
            // The assertion and formatting macros read no file.
            r#"fn f() { assert_eq!(url.path(), "/a/../b"); format!("/{}", x); }"#,
            // Not inside a macro's arguments or an attribute.
            r#"fn f() { let p = Path::new("/etc/x").join("../y"); }"#,
            r##"const P: &str = r#"/etc/x"#; fn f() { m!(P); }"##,
            // In a comment, a string, a char, or the prose of a doc comment.
            r#"// m!("../x"); include_str!("x")"#,
            r#"/* m!("../x"); /* nested */ #[path = "x"] */"#,
            r#"const S: &str = "m!(\"../x\") include!(\"x\") #[path = \"x\"]";"#,
            r#"const C: char = '"'; fn f() { let _ = 1; }"#,
            "/// Like `m!(\"../x\")`, see `#[path]`.\nfn f() {}",
            // `path` outside an attribute, `as` after anything but `concat`/`env`.
            r#"fn f(path: &str) { m!(path = "x"); } use a::b as c;"#,
        ] {
            assert!(!may_reference(src), "{src}");
        }
    }

    /// A scratch crate with a sibling crate and a file outside both, so that the literals the
    /// generated texts hold name paths that exist.
    fn tree() -> (PathBuf, PathBuf) {
        let root =
            std::env::temp_dir().join(format!("clientwall-prefilter-{}", std::process::id()));
        let acme = root.join("clients/acme");
        for dir in ["clients/acme/src/sub", "clients/globex/src", "shared"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for file in [
            "clients/globex/src/key.txt",
            "shared/x.rs",
            "clients/acme/src/x.rs",
        ] {
            std::fs::write(root.join(file), "x").unwrap();
        }
        (root, acme)
    }

    /// Every generated text is scanned with the prefilter and without it: the same references,
    /// the same assembled secrets, the same test items. Texts of pieces the reference scan acts
    /// on (macros, attributes, raw strings, escapes, comments, doc comments, code fences) and
    /// of the pieces the lexer's own test uses.
    #[test]
    fn the_prefilter_agrees_with_tokenizing_every_file() {
        let (root, acme) = tree();
        let globex_key = root.join("clients/globex/src/key.txt");
        let shared = root.join("shared");
        let pieces: Vec<String> = [
            "m!(",
            "sqlx::migrate!(",
            "include_str!(",
            "include!(",
            "concat!(",
            "grab!(",
            "env!(\"CARGO_MANIFEST_DIR\")",
            "env!(\"OUT_DIR\")",
            "assert_eq!(",
            "format!(",
            "#[path = ",
            "#![",
            "# [",
            "#[cfg_attr(unix, path = ",
            "#[folder = ",
            "mod m;",
            "mod m {",
            "use std::include_str as grab;",
            "use std::concat as c;",
            "c!(",
            "]",
            ")",
            "(",
            "{",
            "}",
            ",",
            ";",
            "\"",
            "r#\"",
            "\"#",
            "'",
            "'a",
            "'.'",
            "b'x'",
            "/*",
            "*/",
            "//",
            "///",
            "//!",
            "/**",
            "\n",
            "\n/// ```\n",
            "\n///     ",
            "\\",
            "\\u{2e}",
            "\\x2e",
            "\\\n",
            "..",
            ".",
            "/",
            "$CARGO_MANIFEST_DIR",
            "\"../globex/src/key.txt\"",
            "\"../../clients/globex/src/key.txt\"",
            "\"/\"",
            "\"x.rs\"",
            "\"sub\"",
            "\"../shared/x.rs\"",
            " ",
            "é",
            "€",
            "0..n",
            "1_000",
            "let p = ",
            "fn f() ",
            "=",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([
            format!("\"{}\"", globex_key.display()),
            format!("\"{}/\"", shared.display()),
        ])
        .collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let file = acme.join("src/lib.rs");
        let (mut with_references, mut passed_over) = (0, 0);
        for _ in 0..20_000 {
            let src: String = (0..next(24) + 1)
                .map(|_| pieces[next(pieces.len())].as_str())
                .collect();
            let on = rust::scan_with(
                Prefilter::On,
                &file,
                &src,
                &acme,
                &acme,
                false,
                Plain::of(&src),
            );
            let off = rust::scan_with(
                Prefilter::Off,
                &file,
                &src,
                &acme,
                &acme,
                false,
                Plain::of(&src),
            );
            assert_eq!(format!("{on:?}"), format!("{off:?}"), "{src:?}");
            let on = rust::scan_other_with(Prefilter::On, &file, &src, &acme, &acme);
            let off = rust::scan_other_with(Prefilter::Off, &file, &src, &acme, &acme);
            assert_eq!(format!("{on:?}"), format!("{off:?}"), "{src:?}");
            with_references += usize::from(!off.references.is_empty());
            passed_over += usize::from(!may_reference(&src));
        }
        let _ = std::fs::remove_dir_all(&root);
        // Not vacuous: many texts reach outside the client, and many are passed over.
        assert!(
            with_references > 1000,
            "{with_references} texts with references"
        );
        assert!(passed_over > 1000, "{passed_over} texts passed over");
    }
}
