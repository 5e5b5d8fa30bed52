//! Which files the reference scan must tokenize. One pass over a file's bytes that reads them
//! the way `lexer.rs` does (comments, strings, raw strings, chars and lifetimes, numbers,
//! identifiers) without building tokens: it steps over runs of identifier, number, whitespace
//! and punctuation bytes and stops only at quotes, slashes, `!`, `#` and brackets, reading the
//! run before a stop only when the stop needs it (a macro's name, a string's prefix). It keeps
//! only what `references::find` and the doctests of its doc comments act on:
//!
//! - a call of `include!`, `include_str!` or `include_bytes!`, and (told on the bytes) a
//!   `use .. as` that may rename one of them or `concat!`;
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
    // Built once: a searcher made for each doc comment costs more than the search.
    static WORDS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
        std::sync::LazyLock::new(|| {
            [
                memchr::memmem::Finder::new(b"include"),
                memchr::memmem::Finder::new(b"path"),
            ]
        });
    let followed = |word: &memchr::memmem::Finder<'static>| {
        word.find_iter(doc).any(|at| {
            let rest = &doc[at + word.needle().len()..];
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
    WORDS.iter().any(followed)
}

/// Could `bytes` rename an include macro or `concat!` (`use std::include_str as grab;`, after
/// which `grab!` is `include_str!`)? Told on the bytes: `include..` or `concat` followed by
/// `as` or a comment, anywhere. (A renamed `env!` reads a path only inside one of them.)
fn renames(bytes: &[u8]) -> bool {
    static WORDS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
        std::sync::LazyLock::new(|| {
            [
                memchr::memmem::Finder::new(b"include"),
                memchr::memmem::Finder::new(b"concat"),
            ]
        });
    WORDS.iter().any(|word| {
        word.find_iter(bytes).any(|at| {
            let rest = &bytes[at + word.needle().len()..];
            let ident = rest
                .iter()
                .position(|&b| !(b == b'_' || b.is_ascii_alphanumeric()))
                .unwrap_or(rest.len());
            let rest = rest[ident..].trim_ascii_start();
            rest.starts_with(b"as") || rest.starts_with(b"/")
        })
    })
}

/// What a token in a run of identifier and number bytes is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Ident,
    /// The prefix of a string (`r`, `b`, `br`, ..) that starts at the quote or `#` after it.
    Prefix,
    Other,
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

/// The bytes the pass stops at in code: quotes, a slash (a comment may start), `!`, `#` and
/// brackets. Every other byte belongs to an identifier, a number, whitespace or punctuation,
/// none of which can start a string or a comment, so the pass steps over runs of them and
/// reads their tokens only when a stop needs the token before it.
static STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut i = 0;
    let bytes = b"\"'/!#()[]{}";
    while i < bytes.len() {
        stops[bytes[i] as usize] = true;
        i += 1;
    }
    stops
};

/// Can the byte be part of an identifier or a number token (or be a non-ASCII character, told
/// apart when the run is read)?
fn in_run(b: u8) -> bool {
    b == b'_' || b == b'.' || b.is_ascii_alphanumeric() || !b.is_ascii()
}

struct Pass<'a, 'd> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Where the last token the pass read itself (a stop, a string, a comment) ends: what lies
    /// between it and the next stop was stepped over.
    last_end: usize,
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
            last_end: 0,
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

    /// `true` as soon as the file may hold a reference. Every token starts where the lexer's
    /// does (`lexer::Lexer::run`): the stops are read with the lexer's rules, and the runs
    /// between them with the lexer's rules for identifiers, numbers and prefixed strings.
    fn run(&mut self) -> bool {
        if renames(self.bytes) {
            return true;
        }
        loop {
            // In a local, so that the loop keeps it in a register.
            let (bytes, mut pos) = (self.bytes, self.pos);
            while pos < bytes.len() && !STOPS[usize::from(bytes[pos])] {
                pos += 1;
            }
            self.pos = pos;
            let Some(b) = self.peek(0) else {
                return false;
            };
            // `path` between two stops inside an attribute: `#[path = ..]`, `cfg_attr(.., path`.
            if self.attrs > 0
                && self.bytes[self.last_end..self.pos]
                    .windows(4)
                    .any(|w| w == b"path")
            {
                return true;
            }
            let start = self.pos;
            let found = match b {
                b'/' if matches!(self.peek(1), Some(b'/' | b'*')) => {
                    // A comment is no token: what came before it stays the previous token.
                    if let Some(end) = self.gap_end() {
                        let last = self.run_token_before(end);
                        self.token(last);
                    }
                    if self.peek(1) == Some(b'/') {
                        self.line_comment();
                    } else {
                        self.block_comment();
                    }
                    false
                }
                b'"' | b'#' => match self.prefixed_string_start() {
                    Some(at) => {
                        self.pos = at + 1;
                        match self.bytes[at] {
                            b'r' => self.string(at, |p| p.raw()),
                            _ if self.bytes[at + 1] == b'"' => self.string(at, |p| p.quoted()),
                            _ => {
                                self.pos += 1;
                                self.string(at, |p| p.raw())
                            }
                        }
                    }
                    None if b == b'"' => self.string(start, |p| p.quoted()),
                    None => {
                        self.pos += 1;
                        self.token(Tok::Hash);
                        false
                    }
                },
                b'\'' => {
                    self.char_or_lifetime();
                    self.token(Tok::Other);
                    false
                }
                b'!' => {
                    if let Some(end) = self.gap_end() {
                        let last = self.run_token_before(end);
                        self.token(last);
                    }
                    self.pos += 1;
                    self.token(Tok::Bang);
                    false
                }
                b'(' | b'[' | b'{' => {
                    if self.gap_end().is_some() {
                        self.token(Tok::Other);
                    }
                    self.pos += 1;
                    let found = self.open(b);
                    self.token(Tok::Other);
                    found
                }
                b')' | b']' | b'}' => {
                    self.pos += 1;
                    self.close();
                    self.token(Tok::Other);
                    false
                }
                _ => {
                    self.pos += 1;
                    self.token(Tok::Other);
                    false
                }
            };
            if found {
                return true;
            }
            self.last_end = self.pos;
        }
    }

    /// The end of the last token stepped over since the last stop, if any was.
    fn gap_end(&self) -> Option<usize> {
        let mut end = self.pos;
        while end > self.last_end && self.bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        (end > self.last_end).then_some(end)
    }

    /// The token stepped over that ends at `end`: an identifier (a macro's name, when a `!`
    /// follows), or another.
    fn run_token_before(&self, end: usize) -> Tok {
        match self.last_run_token(end) {
            Some((s, Run::Ident)) => Tok::Ident(s, end),
            _ => Tok::Other,
        }
    }

    /// The last token of the run of identifier and number bytes that ends at `end` (after the
    /// last stop), read as the lexer reads the run: its start and kind.
    fn last_run_token(&self, end: usize) -> Option<(usize, Run)> {
        let mut t = end;
        while t > self.last_end && in_run(self.bytes[t - 1]) {
            t -= 1;
        }
        let mut last = None;
        while t < end {
            let from = t;
            let b = self.bytes[t];
            if self.is_prefix(t) {
                // A prefixed string starts here: the run ends at its quote or `#`.
                return Some((t, Run::Prefix));
            }
            let c = self.src[t..].chars().next().unwrap_or('\0');
            let kind =
                if b == b'_' || b.is_ascii_alphabetic() || (!b.is_ascii() && c.is_alphabetic()) {
                    t = lexer::ident_end(self.src, t);
                    Run::Ident
                } else if b.is_ascii_digit() {
                    while self
                        .bytes
                        .get(t)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
                    {
                        t += 1;
                    }
                    Run::Other
                } else {
                    t += c.len_utf8().max(1);
                    Run::Other
                };
            last = Some((from, kind));
        }
        last
    }

    /// Where a string starts whose prefix (`r`, `b`, `c`, `br`, `cr`) ends right before the
    /// quote or `#` at the current position, if the prefix starts a token.
    fn prefixed_string_start(&self) -> Option<usize> {
        if self.pos == self.last_end || !matches!(self.bytes[self.pos - 1], b'r' | b'b' | b'c') {
            return None;
        }
        match self.last_run_token(self.pos) {
            Some((at, Run::Prefix)) => Some(at),
            _ => None,
        }
    }

    /// Is a prefixed string starting at `at` (as the lexer tells one)?
    fn is_prefix(&self, at: usize) -> bool {
        match self.bytes[at] {
            b'r' => self.raw_ahead(at + 1),
            b'b' | b'c' => {
                self.bytes.get(at + 1) == Some(&b'"')
                    || (self.bytes.get(at + 1) == Some(&b'r') && self.raw_ahead(at + 2))
            }
            _ => false,
        }
    }

    /// `#*"` at `i`.
    fn raw_ahead(&self, mut i: usize) -> bool {
        while self.bytes.get(i) == Some(&b'#') {
            i += 1;
        }
        self.bytes.get(i) == Some(&b'"')
    }

    /// The end of the identifier starting at `t`, as the lexer's `ident` ends it.
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
        let (end, doc) = lexer::line_comment(self.bytes, self.pos);
        self.pos = end;
        if let (Some(doc), Some(docs)) = (doc, self.docs.as_mut()) {
            docs.push(doc);
        }
    }

    fn block_comment(&mut self) {
        let (end, doc) = lexer::block_comment(self.bytes, self.pos);
        self.pos = end;
        if let (Some(doc), Some(docs)) = (doc, self.docs.as_mut()) {
            docs.push(doc);
        }
    }

    /// `#*"..."#*` starting at the first `#` or `"`: the body's range.
    fn raw(&mut self) -> Range<usize> {
        let (body, end) = lexer::raw_string(self.bytes, self.pos);
        self.pos = end;
        body
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
                            if let Some(close) = memchr::memchr(b'}', &self.bytes[self.pos + 1..]) {
                                self.pos += close + 2;
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
        self.pos = lexer::char_or_lifetime_end(self.src, self.pos);
    }
}

/// Can a string literal whose value is `value` name a path outside its crate? Only an absolute
/// value, a `$CARGO_MANIFEST_DIR..` one, or one with a `..` component can leave
/// (`references::push_existing`).
fn may_leave(value: &[u8]) -> bool {
    if matches!(value.first(), Some(b'/' | b'$')) {
        return true;
    }
    // Built once: a searcher made for each literal costs more than the search.
    static DOTS: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b".."));
    DOTS.find_iter(value).any(|at| {
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
    use std::path::PathBuf;

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
    fn tree(test: &str) -> (PathBuf, PathBuf) {
        let root = std::env::temp_dir().join(format!(
            "clientwall-prefilter-{test}-{}",
            std::process::id()
        ));
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

    /// The edges the prefilter reasons about, each a breach the scan reports with the prefilter
    /// on, and its clean twin (the same spelling, staying inside the client).
    #[test]
    fn the_edges_it_reasons_about_are_breaches_and_clean_twins() {
        let (root, acme) = tree("edges");
        let file = acme.join("src/lib.rs");
        let found = |src: &str| {
            rust::scan(&file, src, &acme, &acme, false, Plain::of(src))
                .references
                .into_iter()
                .map(|r| r.written)
                .collect::<Vec<_>>()
        };
        for (breach, clean) in [
            // A path given to a macro in a raw string.
            (
                r##"fn f() { sqlx::migrate!(r#"../globex/src"#); }"##,
                r##"fn f() { sqlx::migrate!(r#"src/sub"#); }"##,
            ),
            // `#[path]` written with spaces and a comment.
            (
                r#"# [ path /* x */ = "../../shared/x.rs" ] mod m;"#,
                r#"# [ path /* x */ = "x.rs" ] mod m;"#,
            ),
            // A `..` that only `concat!` joins, from pieces that hold none.
            (
                r#"fn f() { m!(concat!("src/.", "./.", "./globex/src")); }"#,
                r#"fn f() { m!(concat!("src/.", "/sub")); }"#,
            ),
            // An include macro renamed with `use .. as`.
            (
                r#"use std::include_str as grab; const K: &str = grab!("../../globex/src/key.txt");"#,
                r#"use std::include_str as grab; const K: &str = grab!("x.rs");"#,
            ),
        ] {
            assert!(may_reference(breach), "{breach}");
            assert!(!found(breach).is_empty(), "{breach}");
            assert!(found(clean).is_empty(), "{clean}: {:?}", found(clean));
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    /// Every generated text is scanned with the prefilter and without it: the same references,
    /// the same assembled secrets, the same test items. Texts of pieces the reference scan acts
    /// on (macros, attributes, raw strings, escapes, comments, doc comments, code fences) and
    /// of the pieces the lexer's own test uses.
    #[test]
    fn the_prefilter_agrees_with_tokenizing_every_file() {
        let (root, acme) = tree("agree");
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
            // Where a run of identifier and number bytes meets a quote or a `#`.
            "r",
            "b",
            "c",
            "br",
            "cr",
            "1.",
            "x1",
            "_",
            "٣",
            "'r",
            "!",
            "#",
            "/ ",
            " as ",
            "include_str",
            "concat",
            "path",
            "é\"",
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
