//! Code under `#[cfg(test)]`: the ranges of a file's items that only its crate's own test
//! builds compile (an inner `#![cfg(test)]` covers the whole file). Read from tokens alone, so
//! the module tree (`modules.rs`) and the Rust scan (`rust.rs`) share it.

use super::lexer::{Spanned, Token};

/// The items under `#[cfg(test)]`, from the attribute to the item's closing `}` or `;`; the
/// whole file under an inner `#![cfg(test)]`.
pub(crate) fn test_only_items(tokens: &[Spanned], len: usize) -> Vec<std::ops::Range<usize>> {
    let punct = |i: usize, c: char| tokens.get(i).is_some_and(|t| t.token == Token::Punct(c));
    let ident = |i: usize, s: &str| tokens.get(i).is_some_and(|t| t.token == Token::Ident(s));
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let inner = punct(i + 1, '!');
        let at = if inner { i + 2 } else { i + 1 };
        let cfg_test = punct(i, '#')
            && punct(at, '[')
            && ident(at + 1, "cfg")
            && punct(at + 2, '(')
            && ident(at + 3, "test")
            && punct(at + 4, ')')
            && punct(at + 5, ']');
        if !cfg_test {
            i += 1;
            continue;
        }
        if inner {
            return std::iter::once(0..len).collect();
        }
        // The item: to the first `;` outside braces, or to the `}` closing its first `{`.
        let mut depth = 0usize;
        let mut j = at + 6;
        let mut end = len;
        while let Some(t) = tokens.get(j) {
            match t.token {
                Token::Punct('{') => depth += 1,
                Token::Punct('}') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = t.end;
                        break;
                    }
                }
                Token::Punct(';') if depth == 0 => {
                    end = t.end;
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        out.push(tokens[i].start..end);
        i = j + 1;
    }
    out
}
