//! File references in Rust source that cargo's graph cannot see: `#[path = ..]` (resolved with
//! rustc's module path rules, see [`super::modules`]), `include!`, `include_str!`,
//! `include_bytes!` (anywhere, attributes included; also built with `concat!` and
//! `env!("CARGO_MANIFEST_DIR")`), and paths handed to file-system calls in a build script
//! (literals, `concat!`, `format!`, and `const`/`static`/`let` bindings of the same file).
//!
//! A path whose later pieces only the compiler knows (`concat!("../globex/", env!("X"))`) is
//! kept by its known prefix: if that prefix already leaves the client, so does the path.

use super::lexer::{Spanned, Token};
use super::modules::{FileKind, Modules};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// How a file is pulled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    PathAttribute,
    Macro(&'static str),
    BuildScript(String),
    /// A target's `path` (or `build`) in a crate's manifest, e.g. `[lib] path`.
    Target(String),
    /// A key of a cargo configuration file (`.cargo/config.toml`), e.g. `patch.crates-io.x.path`.
    CargoConfig(String),
}

impl Via {
    pub fn describe(&self) -> String {
        match self {
            Via::PathAttribute => "`#[path]`".to_owned(),
            Via::Macro(name) => format!("`{name}!`"),
            Via::BuildScript(call) => format!("build script call `{call}`"),
            Via::Target(key) => format!("the manifest's `{key}`"),
            Via::CargoConfig(key) => format!("cargo configuration `{key}`"),
        }
    }
}

/// Under which reading of the file a `#[path]` resolves this way. A file's inline modules
/// start in a different directory when it is loaded as `foo.rs` by `mod foo;` (non-mod-rs)
/// than when it is a crate root, a `mod.rs` or loaded through `#[path]` (mod-rs); when the two
/// readings disagree, each resolution says which one it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Always,
    IfModRs,
    IfNotModRs,
}

/// A reference to a file, resolved lexically against the file system layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub via: Via,
    /// The path as written, pieces joined (`$CARGO_MANIFEST_DIR/../globex/x`); the unknown
    /// rest of a partial path is `…`.
    pub written: String,
    /// The absolute, normalized path it names; for a partial path, the directory its known
    /// prefix names.
    pub resolved: PathBuf,
    /// Only a prefix of the path is known.
    pub partial: bool,
    pub reading: Reading,
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

/// Every reference in `tokens` of the file `file`, inside the crate rooted at `crate_dir` (the
/// directory of the nearest `Cargo.toml`, which `env!("CARGO_MANIFEST_DIR")` names).
pub fn find(
    tokens: &[Spanned],
    file: &Path,
    crate_dir: &Path,
    build_script: bool,
) -> Vec<Reference> {
    let file_dir = file.parent().unwrap_or(crate_dir);
    let mut found = module_paths(tokens, file, file_dir);
    let bindings = build_script.then(|| Bindings::collect(tokens));
    let eval = Evaluator {
        tokens,
        crate_dir,
        bindings: bindings.as_ref(),
        depth: Cell::new(0),
    };
    for (i, token) in tokens.iter().enumerate() {
        let Token::Ident(name) = &token.token else {
            continue;
        };
        if is_macro_call(tokens, i) {
            if let Some(&mac) = INCLUDE_MACROS.iter().find(|m| *m == name) {
                let value = eval.value(i + 3);
                found.extend(reference(Via::Macro(mac), value, file_dir, token));
            }
        } else if build_script
            && BUILD_SCRIPT_CALLS.contains(name)
            && matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::Punct('(')))
        {
            // Build scripts run in the crate directory.
            let value = eval.value(i + 2);
            found.extend(reference(
                Via::BuildScript(name.to_string()),
                value,
                crate_dir,
                token,
            ));
        }
    }
    found.sort_by_key(|r| r.start);
    found
}

/// The `#[path]`s of the file's `mod` items, each resolved against the directory of its
/// enclosing module, and `path = ".."` in other attributes against the file's directory.
fn module_paths(tokens: &[Spanned], file: &Path, file_dir: &Path) -> Vec<Reference> {
    let modules = Modules::parse(tokens);
    let mut found = Vec::new();
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let is_mod_rs = file.file_name().is_some_and(|n| n == "mod.rs");
    for decl in modules.decls.iter().filter(|d| !d.paths.is_empty()) {
        let dirs = |kind: &FileKind| -> BTreeSet<PathBuf> {
            modules
                .module_dirs(&decl.scope, file_dir, kind, stem)
                .into_iter()
                .map(|r| r.dir)
                .collect()
        };
        let mod_rs = dirs(&FileKind::ModRs);
        let non_mod_rs = if is_mod_rs {
            mod_rs.clone()
        } else {
            dirs(&FileKind::NonModRs)
        };
        for attr in &decl.paths {
            let mut push = |dir: &Path, reading| {
                found.push(Reference {
                    via: Via::PathAttribute,
                    written: attr.value.clone(),
                    resolved: normalize(&dir.join(&attr.value)),
                    partial: false,
                    reading,
                    start: attr.start,
                    end: attr.end,
                });
            };
            for dir in mod_rs.union(&non_mod_rs) {
                let reading = match (mod_rs.contains(dir), non_mod_rs.contains(dir)) {
                    (true, true) => Reading::Always,
                    (true, false) => Reading::IfModRs,
                    _ => Reading::IfNotModRs,
                };
                push(dir, reading);
            }
        }
    }
    for attr in &modules.other_paths {
        found.push(Reference {
            via: Via::PathAttribute,
            written: attr.value.clone(),
            resolved: normalize(&file_dir.join(&attr.value)),
            partial: false,
            reading: Reading::Always,
            start: attr.start,
            end: attr.end,
        });
    }
    found
}

/// A reference from an evaluated path expression: the whole path, or the directory its known
/// prefix names; `None` when nothing of it is known.
fn reference(via: Via, value: Value, base: &Path, at: &Spanned) -> Option<Reference> {
    let (known, partial) = if value.complete {
        (value.text.as_str(), false)
    } else if value.at_dir {
        (value.text.as_str(), true)
    } else {
        // The last component is cut short: only the directories before it are known.
        (
            &value.text[..value.text.rfind('/').map_or(0, |i| i + 1)],
            true,
        )
    };
    if partial && known.is_empty() {
        return None;
    }
    Some(Reference {
        resolved: normalize(&base.join(known)),
        written: if partial {
            format!("{}…", value.shown)
        } else {
            value.shown
        },
        partial,
        reading: Reading::Always,
        via,
        start: at.start,
        end: at.end,
    })
}

/// `name ! (` / `[` / `{`.
fn is_macro_call(tokens: &[Spanned], i: usize) -> bool {
    matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::Punct('!')))
        && matches!(
            tokens.get(i + 2).map(|t| &t.token),
            Some(Token::Punct('(' | '[' | '{'))
        )
}

/// The value of a path expression, as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The known text: all of it, or the prefix before the first unknown piece.
    pub text: String,
    /// `text` as a reader would write it (`$CARGO_MANIFEST_DIR` for the crate's directory).
    pub shown: String,
    /// No piece is unknown.
    pub complete: bool,
    /// `text` ends on a directory boundary (a `/`, or a whole directory such as
    /// `CARGO_MANIFEST_DIR`).
    at_dir: bool,
}

impl Value {
    fn known(text: String) -> Value {
        Value {
            at_dir: text.ends_with('/'),
            shown: text.clone(),
            text,
            complete: true,
        }
    }

    fn directory(text: String, shown: &str) -> Value {
        Value {
            text,
            shown: shown.to_owned(),
            complete: true,
            at_dir: true,
        }
    }

    fn unknown() -> Value {
        Value {
            text: String::new(),
            shown: String::new(),
            complete: false,
            at_dir: false,
        }
    }

    /// Append the next piece; nothing is appended after an unknown piece.
    fn push(&mut self, piece: Value) {
        if !self.complete {
            return;
        }
        if !piece.text.is_empty() {
            self.text.push_str(&piece.text);
            self.shown.push_str(&piece.shown);
            self.at_dir = piece.at_dir;
        }
        self.complete = piece.complete;
    }
}

/// `const`/`static`/`let` bindings of a file: name, position, start of the initializer.
struct Bindings {
    entries: Vec<(String, usize, usize)>,
}

impl Bindings {
    fn collect(tokens: &[Spanned]) -> Bindings {
        let mut entries = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            if !matches!(token.token, Token::Ident("const" | "static" | "let")) {
                continue;
            }
            let mut j = i + 1;
            while matches!(
                tokens.get(j).map(|t| &t.token),
                Some(Token::Ident("mut" | "ref"))
            ) {
                j += 1;
            }
            let Some(Token::Ident(name)) = tokens.get(j).map(|t| &t.token) else {
                continue;
            };
            let init = match tokens.get(j + 1).map(|t| &t.token) {
                Some(Token::Punct('=')) => Some(j + 2),
                Some(Token::Punct(':')) => initializer_after_type(tokens, j + 2),
                _ => None,
            };
            if let Some(init) = init {
                entries.push((name.to_string(), j, init));
            }
        }
        Bindings { entries }
    }

    /// The initializer of `name` as seen at token `at`: the last binding before it, else the
    /// first after it (items may be declared after their use).
    fn lookup(&self, name: &str, at: usize) -> Option<usize> {
        let named = self.entries.iter().filter(|(n, _, _)| n == name);
        named
            .clone()
            .rfind(|(_, pos, _)| *pos < at)
            .or_else(|| named.clone().find(|(_, pos, _)| *pos > at))
            .map(|&(_, _, init)| init)
    }
}

/// After `name:`, skip the type to the `=` of the initializer (none before a `;`).
fn initializer_after_type(tokens: &[Spanned], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while let Some(token) = tokens.get(i) {
        match token.token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => depth = depth.checked_sub(1)?,
            Token::Punct('=') if depth == 0 => return Some(i + 1),
            Token::Punct(';') if depth == 0 => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Evaluates path expressions over a file's tokens.
struct Evaluator<'t, 'a> {
    tokens: &'t [Spanned<'a>],
    crate_dir: &'t Path,
    /// `Some` in build scripts, where bindings and function calls are evaluated.
    bindings: Option<&'t Bindings>,
    depth: Cell<usize>,
}

impl Evaluator<'_, '_> {
    fn token(&self, i: usize) -> Option<&Token<'_>> {
        self.tokens.get(i).map(|t| &t.token)
    }

    /// The value of the expression starting at `i`.
    fn value(&self, i: usize) -> Value {
        const MAX_DEPTH: usize = 32;
        if self.depth.get() >= MAX_DEPTH {
            return Value::unknown();
        }
        self.depth.set(self.depth.get() + 1);
        let value = self.value_inner(i);
        self.depth.set(self.depth.get() - 1);
        value
    }

    fn value_inner(&self, i: usize) -> Value {
        match self.token(i) {
            Some(Token::Str(s)) => Value::known(s.clone()),
            Some(Token::Punct('&' | '(')) => self.value(i + 1),
            Some(Token::Ident(_)) => {
                let (segments, last) = self.path(i);
                let name = segments.last().copied().unwrap_or_default();
                match self.token(last + 1) {
                    Some(Token::Punct('!')) if is_macro_call(self.tokens, last) => match name {
                        "concat" => self.concat(last + 3),
                        "env" => self.env(last + 3),
                        "format" if self.bindings.is_some() => self.format(last + 3),
                        _ => Value::unknown(),
                    },
                    Some(Token::Punct('(')) if self.bindings.is_some() => {
                        match segments.as_slice() {
                            [.., "env", "var" | "var_os"] => self.env(last + 2),
                            [
                                ..,
                                "Path" | "PathBuf" | "OsStr" | "OsString" | "String",
                                "new" | "from",
                            ] => self.value(last + 2),
                            _ => Value::unknown(),
                        }
                    }
                    _ if segments.len() == 1 => self
                        .bindings
                        .and_then(|b| b.lookup(name, i))
                        .map_or_else(Value::unknown, |init| self.value(init)),
                    _ => Value::unknown(),
                }
            }
            _ => Value::unknown(),
        }
    }

    /// A path `a::b::c` starting at `i`: its segments and the index of its last segment.
    fn path(&self, mut i: usize) -> (Vec<&str>, usize) {
        let mut segments = Vec::new();
        loop {
            if let Some(Token::Ident(name)) = self.token(i) {
                segments.push(*name);
            }
            match (self.token(i + 1), self.token(i + 2), self.token(i + 3)) {
                (Some(Token::Punct(':')), Some(Token::Punct(':')), Some(Token::Ident(_))) => i += 3,
                _ => return (segments, i),
            }
        }
    }

    /// The arguments of a call or macro whose opening bracket is just before `i`: the start of
    /// each.
    fn arguments(&self, i: usize) -> Vec<usize> {
        let mut starts = Vec::new();
        let mut depth = 0usize;
        let mut at_start = true;
        for (j, token) in self.tokens.iter().enumerate().skip(i) {
            match token.token {
                Token::Punct(')' | ']' | '}') if depth == 0 => break,
                Token::Punct('(' | '[' | '{') => depth += 1,
                Token::Punct(')' | ']' | '}') => depth -= 1,
                Token::Punct(',') if depth == 0 => {
                    at_start = true;
                    continue;
                }
                _ => {}
            }
            if at_start {
                starts.push(j);
                at_start = false;
            }
        }
        starts
    }

    /// `concat!(..)`: its pieces joined, up to the first unknown one.
    fn concat(&self, i: usize) -> Value {
        let mut value = Value::known(String::new());
        for start in self.arguments(i) {
            value.push(self.value(start));
        }
        value
    }

    /// `env!("CARGO_MANIFEST_DIR")` (and `env::var` of it in build scripts): the crate's directory.
    fn env(&self, i: usize) -> Value {
        match self.token(i) {
            Some(Token::Str(var)) if var == "CARGO_MANIFEST_DIR" => Value::directory(
                self.crate_dir.to_string_lossy().into_owned(),
                "$CARGO_MANIFEST_DIR",
            ),
            _ => Value::unknown(),
        }
    }

    /// `format!("..", args)`: `{}`, `{0}`, `{name}` and captured bindings substituted, up to
    /// the first argument that is not known (or is formatted with a spec).
    fn format(&self, i: usize) -> Value {
        let args = self.arguments(i);
        let Some((&first, rest)) = args.split_first() else {
            return Value::unknown();
        };
        let Some(Token::Str(template)) = self.token(first) else {
            return Value::unknown();
        };
        let mut positional = Vec::new();
        let mut named = Vec::new();
        for &start in rest {
            match (
                self.token(start),
                self.token(start + 1),
                self.token(start + 2),
            ) {
                (Some(Token::Ident(name)), Some(Token::Punct('=')), next)
                    if next != Some(&Token::Punct('=')) =>
                {
                    named.push((*name, start + 2))
                }
                _ => positional.push(start),
            }
        }
        let mut value = Value::known(String::new());
        let mut next_positional = 0;
        let mut literal = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let spec: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    value.push(Value::known(std::mem::take(&mut literal)));
                    let (selector, format) = spec.split_once(':').unwrap_or((&spec, ""));
                    let selector = selector.trim();
                    let piece = if !format.is_empty() {
                        Value::unknown()
                    } else if selector.is_empty() {
                        next_positional += 1;
                        positional
                            .get(next_positional - 1)
                            .map_or_else(Value::unknown, |&s| self.value(s))
                    } else if let Ok(n) = selector.parse::<usize>() {
                        positional
                            .get(n)
                            .map_or_else(Value::unknown, |&s| self.value(s))
                    } else if let Some(&(_, s)) = named.iter().find(|(n, _)| *n == selector) {
                        self.value(s)
                    } else {
                        self.bindings
                            .and_then(|b| b.lookup(selector, first))
                            .map_or_else(Value::unknown, |init| self.value(init))
                    };
                    value.push(piece);
                }
                c => literal.push(c),
            }
        }
        value.push(Value::known(literal));
        value
    }
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

/// Canonical form when the path exists (symlinks resolved), else the lexical normal form.
pub fn resolve(path: &Path) -> PathBuf {
    let normal = normalize(path);
    normal.canonicalize().unwrap_or(normal)
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
                    "build script call `open`".into(),
                    "/ws/clients/acme/data/own.csv".into()
                ),
                (
                    "build script call `new`".into(),
                    "/ws/clients/acme/data/own.csv".into()
                ),
            ]
        );
        assert!(refs(src, false).is_empty());
    }

    fn found(src: &str, file: &str, build_script: bool) -> Vec<(String, String, bool, Reading)> {
        let tokens = tokenize(src);
        find(
            &tokens,
            Path::new(file),
            Path::new("/ws/clients/acme"),
            build_script,
        )
        .into_iter()
        .map(|r| {
            (
                r.written,
                r.resolved.display().to_string(),
                r.partial,
                r.reading,
            )
        })
        .collect()
    }

    #[test]
    fn include_macros_inside_attributes_are_references() {
        let src = r#"#![doc = include_str!("../../globex/README.md")]
            #[cfg_attr(docsrs, doc = include_str!("../notes.md"))]
            fn f() {}"#;
        let got = found(src, "/ws/clients/acme/src/lib.rs", false);
        assert_eq!(got[0].1, "/ws/clients/globex/README.md");
        assert_eq!(got[1].1, "/ws/clients/acme/notes.md");
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn path_inside_inline_modules_depends_on_how_the_file_is_loaded() {
        let src = r#"mod inner { #[path = "../../../x.rs"] mod x; }"#;
        // A `mod.rs` is mod-rs whatever loads it: one reading.
        assert_eq!(
            found(src, "/ws/clients/acme/src/a/mod.rs", false),
            [(
                "../../../x.rs".into(),
                "/ws/clients/acme/x.rs".into(),
                false,
                Reading::Always
            )]
        );
        // Any other file has two: as a crate root or `#[path]` file, and as `a.rs` of `mod a;`.
        assert_eq!(
            found(src, "/ws/clients/acme/src/a.rs", false),
            [
                (
                    "../../../x.rs".into(),
                    "/ws/clients/acme/x.rs".into(),
                    false,
                    Reading::IfNotModRs
                ),
                (
                    "../../../x.rs".into(),
                    "/ws/clients/x.rs".into(),
                    false,
                    Reading::IfModRs
                ),
            ]
        );
        // Outside inline modules both readings agree.
        let top = found(
            r#"#[path = "../x.rs"] mod x;"#,
            "/ws/clients/acme/src/a.rs",
            false,
        );
        assert_eq!(top[0].3, Reading::Always);
        assert_eq!(top.len(), 1);
    }

    #[test]
    fn unknown_pieces_keep_the_known_prefix() {
        let src = r#"
            const A: &str = include_str!(concat!("../../globex/", env!("F")));
            const B: &str = include_str!(concat!("../../glob", env!("F")));
            const C: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), env!("F")));
            include!(concat!(env!("OUT_DIR"), "/../../../../../globex/x.rs"));
        "#;
        assert_eq!(
            found(src, "/ws/clients/acme/src/lib.rs", false),
            [
                (
                    "../../globex/…".into(),
                    "/ws/clients/globex".into(),
                    true,
                    Reading::Always
                ),
                (
                    "../../glob…".into(),
                    "/ws/clients".into(),
                    true,
                    Reading::Always
                ),
                (
                    "$CARGO_MANIFEST_DIR…".into(),
                    "/ws/clients/acme".into(),
                    true,
                    Reading::Always
                ),
            ]
        );
    }

    #[test]
    fn build_scripts_evaluate_bindings_and_format() {
        let src = r#"
            const DIR: &str = "../globex";
            static FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../globex/a.csv");
            fn main() {
                let own = "data/own.csv";
                std::fs::read(FILE).unwrap();
                std::fs::read_to_string(&own).unwrap();
                let p = format!("{DIR}/{}.csv", "b");
                std::fs::read(p).unwrap();
                std::fs::read(format!("{0}/{name}", DIR, name = std::env::var("X").unwrap()));
                let own = own;
            }
        "#;
        let got: Vec<(String, bool)> = found(src, "/ws/clients/acme/build.rs", true)
            .into_iter()
            .map(|(_, resolved, partial, _)| (resolved, partial))
            .collect();
        assert_eq!(
            got,
            [
                ("/ws/clients/globex/a.csv".into(), false),
                ("/ws/clients/acme/data/own.csv".into(), false),
                ("/ws/clients/globex/b.csv".into(), false),
                ("/ws/clients/globex".into(), true),
            ]
        );
        // Outside build scripts, bindings and function calls are not followed.
        assert!(found(src, "/ws/clients/acme/src/lib.rs", false).is_empty());
    }

    #[test]
    fn path_in_attributes_of_other_items_resolves_against_the_file() {
        let src = r#"#[derive(Template)] #[template(path = "../../globex/t.html")] struct T;"#;
        assert_eq!(
            found(src, "/ws/clients/acme/src/lib.rs", false)[0].1,
            "/ws/clients/globex/t.html"
        );
    }
}
