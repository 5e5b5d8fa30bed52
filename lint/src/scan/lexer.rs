//! A small Rust tokenizer: enough to tell code from comments and string literals (plain, raw,
//! byte and C strings, with escapes), so reference and secret detection never fires on text that
//! merely mentions a path. It never fails: malformed input ends the token stream early at worst.

use std::borrow::Cow;
use std::ops::Range;

/// A token kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    Ident(&'a str),
    /// A string literal's value, escapes processed (raw strings verbatim); borrowed from the
    /// source when it has no escape.
    Str(Cow<'a, str>),
    Punct(char),
    /// Numbers, chars, lifetimes: content that never matters here.
    Other,
}

/// A token and the byte range of its source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<'a> {
    pub token: Token<'a>,
    pub start: usize,
    pub end: usize,
}

/// Tokenize `src`, skipping whitespace and comments.
pub fn tokenize(src: &str) -> Vec<Spanned<'_>> {
    tokenize_with_docs(src).0
}

/// [`tokenize`], and the byte range of every doc comment's text (`///`, `//!`, `/** */`,
/// `/*! */`, markers excluded): rustdoc compiles the code in them as doctests.
pub fn tokenize_with_docs(src: &str) -> (Vec<Spanned<'_>>, Vec<std::ops::Range<usize>>) {
    let mut lexer = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        // About one token per eight bytes of source: the vector of a large file is not grown
        // (copied, and its fresh pages faulted in) a dozen times.
        out: Vec::with_capacity(src.len() / 8),
        docs: Vec::new(),
    };
    lexer.run();
    (lexer.out, lexer.docs)
}

/// `src` with everything but the text of `docs` blanked out (newlines kept), so the doc
/// comments tokenize as code at the byte offsets they have in `src`.
pub fn doc_text(src: &str, docs: &[std::ops::Range<usize>]) -> String {
    let mut bytes: Vec<u8> = src
        .bytes()
        .map(|b| if b == b'\n' { b'\n' } else { b' ' })
        .collect();
    for range in docs {
        bytes[range.clone()].copy_from_slice(&src.as_bytes()[range.clone()]);
    }
    // Doc ranges start and end next to ASCII comment markers: whole characters are copied.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Vec<Spanned<'a>>,
    docs: Vec<std::ops::Range<usize>>,
}

impl<'a> Lexer<'a> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn push(&mut self, token: Token<'a>, start: usize) {
        self.out.push(Spanned {
            token,
            start,
            end: self.pos,
        });
    }

    fn run(&mut self) {
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
                    let value = self.quoted();
                    self.push(Token::Str(value), start);
                }
                b'r' if self.raw_string_ahead(1) => {
                    self.pos += 1;
                    let value = self.raw();
                    self.push(Token::Str(value), start);
                }
                b'b' | b'c' if self.peek(1) == Some(b'"') => {
                    self.pos += 1;
                    let value = self.quoted();
                    self.push(Token::Str(value), start);
                }
                b'b' | b'c' if self.peek(1) == Some(b'r') && self.raw_string_ahead(2) => {
                    self.pos += 2;
                    let value = self.raw();
                    self.push(Token::Str(value), start);
                }
                b'\'' => {
                    self.char_or_lifetime();
                    self.push(Token::Other, start);
                }
                // ASCII (nearly every identifier) is told by its byte; other text by its char.
                b if b == b'_' || b.is_ascii_alphabetic() => {
                    self.ident();
                    let text = &self.src[start..self.pos];
                    self.push(Token::Ident(text), start);
                }
                b if !b.is_ascii()
                    && self.src[self.pos..]
                        .chars()
                        .next()
                        .is_some_and(|c| c == '_' || c.is_alphabetic()) =>
                {
                    self.ident();
                    let text = &self.src[start..self.pos];
                    self.push(Token::Ident(text), start);
                }
                b if b.is_ascii_digit() => {
                    while self
                        .peek(0)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                    {
                        self.pos += 1;
                    }
                    self.push(Token::Other, start);
                }
                b if b.is_ascii() => {
                    self.pos += 1;
                    self.push(Token::Punct(char::from(b)), start);
                }
                _ => {
                    let c = self.src[self.pos..].chars().next().unwrap_or('\0');
                    self.pos += c.len_utf8().max(1);
                    self.push(Token::Punct(c), start);
                }
            }
        }
    }

    fn line_comment(&mut self) {
        let (end, doc) = line_comment(self.bytes, self.pos);
        self.pos = end;
        self.docs.extend(doc);
    }

    fn block_comment(&mut self) {
        let (end, doc) = block_comment(self.bytes, self.pos);
        self.pos = end;
        self.docs.extend(doc);
    }

    /// After an `r` at `self.pos + offset - 1`: `#*"` follows.
    fn raw_string_ahead(&self, offset: usize) -> bool {
        let mut i = self.pos + offset;
        while self.bytes.get(i) == Some(&b'#') {
            i += 1;
        }
        self.bytes.get(i) == Some(&b'"')
    }

    /// `#*"..."#*` starting at the first `#` or `"`.
    fn raw(&mut self) -> Cow<'a, str> {
        let (body, end) = raw_string(self.bytes, self.pos);
        self.pos = end;
        Cow::Borrowed(&self.src[body])
    }

    /// `"..."` with escapes, starting at the quote.
    fn quoted(&mut self) -> Cow<'a, str> {
        self.pos += 1;
        let src = self.src;
        let body_start = self.pos;
        // Borrowed until the first escape.
        let mut value: Option<String> = None;
        let mut chunk_start = self.pos;
        loop {
            match memchr::memchr2(b'"', b'\\', &self.bytes[self.pos..]) {
                None => {
                    self.pos = self.bytes.len();
                    return match value {
                        None => Cow::Borrowed(&src[body_start..]),
                        Some(mut value) => {
                            value.push_str(&src[chunk_start..]);
                            Cow::Owned(value)
                        }
                    };
                }
                Some(at) if self.bytes[self.pos + at] == b'"' => {
                    self.pos += at;
                    let end = self.pos;
                    self.pos += 1;
                    return match value {
                        None => Cow::Borrowed(&src[body_start..end]),
                        Some(mut value) => {
                            value.push_str(&src[chunk_start..end]);
                            Cow::Owned(value)
                        }
                    };
                }
                Some(at) => {
                    self.pos += at;
                    let value = value.get_or_insert_with(String::new);
                    value.push_str(&src[chunk_start..self.pos]);
                    self.escape(value);
                    chunk_start = self.pos;
                }
            }
        }
    }

    fn escape(&mut self, value: &mut String) {
        self.pos += 1;
        let Some(b) = self.peek(0) else { return };
        self.pos += 1;
        match b {
            b'n' => value.push('\n'),
            b't' => value.push('\t'),
            b'r' => value.push('\r'),
            b'0' => value.push('\0'),
            b'\\' | b'"' | b'\'' => value.push(b as char),
            // A line continuation, with a Unix or a Windows line end (rustc reads `\r\n` as `\n`).
            b'\n' | b'\r' if b == b'\n' || self.peek(0) == Some(b'\n') => {
                while self.peek(0).is_some_and(|b| b.is_ascii_whitespace()) {
                    self.pos += 1;
                }
            }
            b'x' => {
                let hex = self.src.get(self.pos..self.pos + 2).unwrap_or("");
                if let Ok(code) = u8::from_str_radix(hex, 16) {
                    value.push(code as char);
                    self.pos += 2;
                }
            }
            b'u' if self.peek(0) == Some(b'{') => {
                let rest = &self.src[self.pos + 1..];
                if let Some(close) = rest.find('}') {
                    let code = u32::from_str_radix(&rest[..close].replace('_', ""), 16).ok();
                    value.extend(code.and_then(char::from_u32));
                    self.pos += close + 2;
                }
            }
            _ => {
                // Not a valid escape: keep the text, stepping back over a multi-byte char.
                self.pos -= 1;
                let c = self.src[self.pos..].chars().next().unwrap_or('\\');
                value.push('\\');
                value.push(c);
                self.pos += c.len_utf8();
            }
        }
    }

    /// `'a'`, `'\n'`, `'\u{..}'` or a lifetime `'a`.
    fn char_or_lifetime(&mut self) {
        self.pos = char_or_lifetime_end(self.src, self.pos);
    }

    fn ident(&mut self) {
        self.pos = ident_end(self.src, self.pos);
    }
}

/// Where the `//` comment at `at` ends (at its newline, or the end of the text), and the range of
/// its text when it is a doc comment (`///`, `//!`).
pub(super) fn line_comment(bytes: &[u8], at: usize) -> (usize, Option<Range<usize>>) {
    let peek = |k: usize| bytes.get(at + k).copied();
    let doc = matches!((peek(2), peek(3)), (Some(b'/'), Some(b)) if b != b'/')
        || matches!((peek(2), peek(3)), (Some(b'/'), None))
        || peek(2) == Some(b'!');
    let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
    (end, doc.then(|| (at + 3).min(end)..end))
}

/// Where the `/*` comment at `at` ends (after its `*/`, nesting counted, or at the end of the
/// text), and the range of its text when it is a doc comment (`/**`, `/*!`).
pub(super) fn block_comment(bytes: &[u8], at: usize) -> (usize, Option<Range<usize>>) {
    let peek = |k: usize| bytes.get(at + k).copied();
    let doc = matches!((peek(2), peek(3)), (Some(b'*'), Some(b)) if b != b'*' && b != b'/')
        || peek(2) == Some(b'!');
    let mut pos = at + 2;
    let mut depth = 1;
    while depth > 0 {
        let Some(next) = memchr::memchr2(b'/', b'*', &bytes[pos..]) else {
            pos = bytes.len();
            break;
        };
        pos += next;
        match (bytes.get(pos), bytes.get(pos + 1)) {
            (Some(b'/'), Some(b'*')) => {
                depth += 1;
                pos += 2;
            }
            (Some(b'*'), Some(b'/')) => {
                depth -= 1;
                pos += 2;
            }
            _ => pos += 1,
        }
    }
    let doc = (doc && pos >= at + 5).then(|| {
        let end = if bytes.get(pos - 2..pos) == Some(b"*/") {
            pos - 2
        } else {
            pos
        };
        at + 3..end.max(at + 3)
    });
    (pos, doc)
}

/// The raw string `#*"..."#*` whose first `#` or `"` is at `at`: its body's range, and where it
/// ends (the end of the text when it is not closed).
pub(super) fn raw_string(bytes: &[u8], at: usize) -> (Range<usize>, usize) {
    let mut pos = at;
    while bytes.get(pos) == Some(&b'#') {
        pos += 1;
    }
    let hashes = pos - at;
    pos += 1; // opening quote
    let body = pos.min(bytes.len());
    loop {
        match bytes.get(pos..).and_then(|rest| memchr::memchr(b'"', rest)) {
            None => return (body..bytes.len(), bytes.len()),
            Some(next) => {
                pos += next;
                if (1..=hashes).all(|k| bytes.get(pos + k) == Some(&b'#')) {
                    return (body..pos, pos + 1 + hashes);
                }
                pos += 1;
            }
        }
    }
}

/// Where the character literal (`'a'`, `'\n'`, `'\u{..}'`) or lifetime (`'a`) whose quote is
/// at `at` ends.
pub(super) fn char_or_lifetime_end(src: &str, at: usize) -> usize {
    let bytes = src.as_bytes();
    let mut pos = at + 1;
    match bytes.get(pos) {
        Some(b'\\') => {
            pos += 1;
            while bytes.get(pos).is_some_and(|&b| b != b'\'' && b != b'\n') {
                pos += 1;
            }
            if bytes.get(pos) == Some(&b'\'') {
                pos += 1;
            }
            pos
        }
        Some(_) => {
            let c = src[pos..].chars().next().unwrap_or(' ');
            let after = pos + c.len_utf8();
            if bytes.get(after) == Some(&b'\'') {
                after + 1
            } else {
                // A lifetime or label: the identifier.
                ident_end(src, pos)
            }
        }
        None => pos,
    }
}

/// Where the identifier (or the rest of it) at `at` ends.
pub(super) fn ident_end(src: &str, mut at: usize) -> usize {
    let bytes = src.as_bytes();
    while let Some(&b) = bytes.get(at) {
        if b.is_ascii() {
            if b == b'_' || b.is_ascii_alphanumeric() {
                at += 1;
                continue;
            }
            break;
        }
        match src[at..].chars().next() {
            Some(c) if c == '_' || c.is_alphanumeric() => at += c.len_utf8(),
            _ => break,
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(src: &str) -> Vec<String> {
        tokenize(src)
            .into_iter()
            .filter_map(|t| match t.token {
                Token::Str(s) => Some(s.into_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn comments_hide_code_and_strings_hide_comments() {
        let src = r###"
            // include_str!("../globex/a")
            /* outer /* nested include!("x") */ still comment */
            let a = "// not a comment";
            let b = r#"raw "quoted" \n"#;
            let c = b"bytes\x41";
            let d = '"'; let e: &'static str = "\u{41}\"";
        "###;
        assert_eq!(
            strings(src),
            ["// not a comment", "raw \"quoted\" \\n", "bytesA", "A\""]
        );
        let idents: Vec<_> = tokenize(src)
            .into_iter()
            .filter_map(|t| match t.token {
                Token::Ident(i) => Some(i),
                _ => None,
            })
            .collect();
        assert!(!idents.contains(&"include_str"));
        assert!(!idents.contains(&"nested"));
    }

    #[test]
    fn non_letter_unicode_is_punctuation_not_a_stuck_identifier() {
        let tokens = tokenize("a € b");
        assert_eq!(tokens.len(), 3);
        assert_eq!(tokens[1].token, Token::Punct('€'));
    }

    #[test]
    fn any_text_tokenizes_in_order_without_panicking() {
        // Pseudo-random text (the same every run) over Rust's delimiters, quotes, escapes,
        // comment markers, raw-string hashes and multi-byte characters.
        const PIECES: &[&str] = &[
            "\"",
            "'",
            "r#",
            "#",
            "br",
            "c\"",
            "\\",
            "\\u{",
            "\\x4",
            "/*",
            "*/",
            "//",
            "!",
            "\n",
            " ",
            "é",
            "€",
            "_a",
            "9",
            "b'",
            "0..n",
            "\r",
            "\t",
            "include!(",
            ")",
            "\u{b}",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..5000 {
            let src: String = (0..next(30) + 1)
                .map(|_| PIECES[next(PIECES.len())])
                .collect();
            let (tokens, docs) = tokenize_with_docs(&src);
            let mut at = 0;
            for t in &tokens {
                assert!(
                    at <= t.start && t.start < t.end && t.end <= src.len(),
                    "{src:?}"
                );
                at = t.end;
            }
            for d in &docs {
                assert!(d.start <= d.end && d.end <= src.len(), "{src:?}");
            }
        }
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for src in [
            "\"abc", "r#\"abc", "/* abc", "'", "b'", "\"\\", "\"\\u{", "'\\", "é'", "r#", "\"\\x4",
        ] {
            let _ = tokenize(src);
        }
    }
}
