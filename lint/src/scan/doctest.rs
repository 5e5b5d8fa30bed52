//! The code rustdoc compiles out of doc comments: the code blocks of the Markdown that each
//! item's doc comments make, read with the Markdown parser rustdoc itself uses
//! (`pulldown-cmark`). Prose that mentions `include_str!("..")` is not compiled; a fenced block
//! with no language, `rust`, or rustdoc's own attributes (`no_run`, `compile_fail`, `ignore`,
//! `edition2021`, ..) and an indented block are. `ignore` blocks count: `cargo test --doc --
//! --include-ignored` compiles them.

use super::lexer::{self, Token};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use std::ops::Range;

/// Where a Markdown byte came from in the source file; `None` for a line break that joins two
/// doc comments (no source byte of its own).
type Origin = Option<usize>;

/// The byte ranges of `src`, within the doc comment texts `docs` (from
/// [`super::lexer::tokenize_with_docs`]), that rustdoc compiles as doctest code.
pub fn code_ranges(src: &str, docs: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for block in blocks(src, docs) {
        let (markdown, origins) = unindented(src, block);
        let mut compiled = false;
        for (event, range) in Parser::new(&markdown).into_offset_iter() {
            match event {
                Event::Start(Tag::CodeBlock(kind)) => {
                    compiled = match kind {
                        CodeBlockKind::Indented => true,
                        CodeBlockKind::Fenced(info) => is_rust(&info),
                    }
                }
                Event::End(TagEnd::CodeBlock) => compiled = false,
                Event::Text(_) if compiled => push_origins(&origins[range], &mut out),
                _ => {}
            }
        }
    }
    out
}

/// Does rustdoc compile a fenced block with this info string? An empty string, `rust`, or only
/// tokens rustdoc knows (`no_run`, `ignore`, `edition2021`, ..) make it Rust; an unknown token
/// (`text`, `toml`, `sh`) without `rust` makes it something else.
fn is_rust(info: &str) -> bool {
    let tokens: Vec<&str> = info
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let known = |t: &&str| {
        matches!(
            *t,
            "rust"
                | "ignore"
                | "should_panic"
                | "no_run"
                | "compile_fail"
                | "test_harness"
                | "standalone_crate"
                | "allow_fail"
        ) || t.starts_with("edition")
            || t.starts_with("ignore-")
            || t.starts_with("E0")
    };
    // As rustdoc's `LangString::parse`: `rust` makes a block Rust; any other unknown tag makes
    // it something else (`text,ignore` is text), whatever known tags are beside it.
    tokens.is_empty()
        || tokens.contains(&"rust")
        || (tokens.iter().all(known) && !tokens.is_empty())
}

/// The doc comments of one item, as rustdoc joins them: consecutive comments of the same kind
/// (inner `//!`, `/*!` or outer `///`, `/**`) with nothing between them but whitespace,
/// ordinary comments and attributes (`#[allow(..)]` between two `///` lines does not end the
/// item's documentation).
fn blocks<'d>(src: &str, docs: &'d [Range<usize>]) -> Vec<&'d [Range<usize>]> {
    let mut out = Vec::new();
    let mut first = 0;
    for i in 1..=docs.len() {
        let joined = i < docs.len()
            && is_inner(src, &docs[i - 1]) == is_inner(src, &docs[i])
            && src
                .get(docs[i - 1].end..docs[i].start)
                .is_some_and(only_attributes);
        if !joined {
            out.push(&docs[first..i]);
            first = i;
        }
    }
    out.retain(|b| !b.is_empty());
    out
}

/// Is this doc comment an inner one (`//!`, `/*!`), documenting what encloses it?
fn is_inner(src: &str, doc: &Range<usize>) -> bool {
    matches!(
        src.as_bytes().get(doc.start.saturating_sub(3)..doc.start),
        Some(b"//!" | b"/*!")
    )
}

/// Does `between` hold nothing but comments, whitespace, comment markers and whole attributes?
fn only_attributes(between: &str) -> bool {
    // The markers of the next doc comment are not tokens of their own: drop them first.
    let between = between.trim_end_matches(['/', '!', '*']);
    let tokens = lexer::tokenize(between);
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].token != Token::Punct('#') {
            return false;
        }
        i += 1;
        if tokens.get(i).map(|t| &t.token) == Some(&Token::Punct('!')) {
            i += 1;
        }
        if tokens.get(i).map(|t| &t.token) != Some(&Token::Punct('[')) {
            return false;
        }
        let mut depth = 0usize;
        loop {
            match tokens.get(i).map(|t| &t.token) {
                None => return false,
                Some(Token::Punct('[')) => depth += 1,
                Some(Token::Punct(']')) => depth -= 1,
                _ => {}
            }
            i += 1;
            if depth == 0 {
                break;
            }
        }
    }
    true
}

/// One item's doc comments as the Markdown rustdoc reads (one line per comment line, the
/// common indentation removed), with the source offset of every byte.
fn unindented(src: &str, block: &[Range<usize>]) -> (String, Vec<Origin>) {
    let mut lines: Vec<Vec<(u8, Origin)>> = Vec::new();
    for range in block {
        let mut comment: Vec<Vec<(u8, Origin)>> = vec![Vec::new()];
        for (i, b) in src.as_bytes()[range.clone()].iter().enumerate() {
            match b {
                b'\n' => comment.push(Vec::new()),
                _ => comment
                    .last_mut()
                    .unwrap()
                    .push((*b, Some(range.start + i))),
            }
        }
        strip_stars(&mut comment);
        lines.extend(comment);
    }
    let indent = |line: &[(u8, Origin)]| line.iter().take_while(|(b, _)| *b == b' ').count();
    let common = lines
        .iter()
        .filter(|l| l.iter().any(|(b, _)| !b.is_ascii_whitespace()))
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    let mut bytes = Vec::new();
    let mut origins = Vec::new();
    for line in &lines {
        for &(b, origin) in line.iter().skip(common.min(indent(line))) {
            bytes.push(b);
            origins.push(origin);
        }
        bytes.push(b'\n');
        origins.push(None);
    }
    // Whole lines of a `&str`, cut only after ASCII spaces: still UTF-8.
    let markdown = String::from_utf8(bytes).unwrap_or_default();
    (markdown, origins)
}

/// A `/** .. */` comment whose lines all start with `*` (after spaces) loses those stars, as
/// rustdoc strips them; the first and last lines may be empty.
fn strip_stars(comment: &mut [Vec<(u8, Origin)>]) {
    if comment.len() < 2 {
        return;
    }
    let star = |line: &[(u8, Origin)]| {
        line.iter()
            .position(|(b, _)| *b != b' ' && *b != b'\t')
            .filter(|&i| line[i].0 == b'*')
    };
    let last = comment.len() - 1;
    let all = comment.iter().enumerate().all(|(i, line)| {
        star(line).is_some()
            || ((i == 0 || i == last) && line.iter().all(|(b, _)| b.is_ascii_whitespace()))
    });
    if all {
        for line in comment.iter_mut() {
            if let Some(i) = star(line) {
                line.drain(..=i);
            }
        }
    }
}

/// Add the source ranges the Markdown bytes with `origins` came from, contiguous runs merged.
fn push_origins(origins: &[Origin], out: &mut Vec<Range<usize>>) {
    for origin in origins.iter().flatten() {
        match out.last_mut() {
            Some(last) if last.end == *origin => last.end += 1,
            _ => out.push(*origin..origin + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::lexer;

    fn code(src: &str) -> Vec<&str> {
        let (_, docs) = lexer::tokenize_with_docs(src);
        code_ranges(src, &docs)
            .into_iter()
            .map(|r| &src[r])
            .collect()
    }

    #[test]
    fn prose_is_not_compiled() {
        let src = "//! Mentions include_str!(\"../../other/x.csv\") in prose.\n//! And more.\nfn f() {}\n";
        assert!(code(src).is_empty(), "{:?}", code(src));
    }

    #[test]
    fn a_fenced_block_is_compiled_line_by_line() {
        let src = "/// Example:\n///\n/// ```\n/// let x = include_str!(\"../a\");\n/// # let y = 1;\n/// ```\nfn f() {}\n";
        assert_eq!(
            code(src),
            ["let x = include_str!(\"../a\");", "# let y = 1;"]
        );
    }

    #[test]
    fn info_strings_decide_as_rustdoc_does() {
        for (info, compiled) in [
            ("", true),
            ("rust", true),
            ("no_run", true),
            ("ignore", true),
            ("compile_fail,E0308", true),
            ("edition2021", true),
            ("text", false),
            ("toml", false),
            ("sh", false),
            ("rust,text", true),
            ("text,ignore", false),
        ] {
            let src = format!("//! ```{info}\n//! include_str!(\"x\");\n//! ```\n");
            assert_eq!(!code(&src).is_empty(), compiled, "```{info}");
        }
    }

    #[test]
    fn an_indented_block_is_compiled_and_items_are_separate_documents() {
        let src = "/// Text.\n///\n///     include_str!(\"../a\");\nfn f() {}\n/// ```\nfn g() {}\n/// include_str!(\"../b\");\nfn h() {}\n";
        // The fence left open on `g` does not reach `h`'s docs.
        assert_eq!(code(src), ["include_str!(\"../a\");"]);
    }

    #[test]
    fn prose_other_languages_and_tildes_in_one_file() {
        let src = "//! prose: include_str!(\"a\") is not read\n//! ```\n//! include_str!(\"b\");\n//! ```\n/// ```text\n/// include_str!(\"c\")\n/// ```\n/// ```no_run,edition2021\n/// include_str!(\"d\");\n/// ```\n/// ~~~rust,ignore\n/// include_str!(\"e\");\n/// ~~~\nfn f() {}\n";
        assert_eq!(
            code(src),
            [
                "include_str!(\"b\");",
                "include_str!(\"d\");",
                "include_str!(\"e\");"
            ]
        );
    }

    #[test]
    fn a_starred_block_comment_and_an_unclosed_block_end_with_their_item() {
        let src = "/**\n * ```\n * include_str!(\"a\");\n * ```\n */\nfn f() {}\n/// ```\n/// include_str!(\"b\");\nfn g() {}\n/// include_str!(\"c\")\nfn h() {}\n";
        assert_eq!(code(src), ["include_str!(\"a\");", "include_str!(\"b\");"]);
    }

    #[test]
    fn comments_and_attributes_between_doc_comments_do_not_end_the_item() {
        let src = "/// ```\n// note\n#[allow(unused)]\n/// include_str!(\"../a\");\n/// ```\npub fn f() {}\n";
        assert_eq!(code(src), ["include_str!(\"../a\");"]);
        // Inner docs belong to the module, outer ones to the item: a block left open in one
        // does not swallow the other.
        let src = "//! ```text\n/// ```\n/// include_str!(\"../b\");\n/// ```\nfn g() {}\n";
        assert_eq!(code(src), ["include_str!(\"../b\");"]);
        // Code between two doc comments ends the first item's documentation.
        let src = "/// ```\nfn f() {}\n/// include_str!(\"../c\");\nfn g() {}\n";
        assert!(code(src).is_empty());
    }

    #[test]
    fn block_doc_comments_and_inner_docs() {
        let src = "/*!\n```\ninclude_str!(\"../a\");\n```\n*/\n";
        assert_eq!(code(src), ["include_str!(\"../a\");"]);
    }
}
