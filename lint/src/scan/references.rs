//! File references in Rust source that cargo's graph cannot see: `#[path = ..]` (resolved with
//! rustc's module path rules, see `modules.rs`), `include!`, `include_str!`,
//! `include_bytes!` (anywhere, attributes included; also built with `concat!` and
//! `env!("CARGO_MANIFEST_DIR")`), and paths handed to file-system calls in a build script
//! (literals, `concat!`, `format!`, and `const`/`static`/`let` bindings of the same file).
//!
//! A path whose later pieces only the compiler knows (`concat!("../globex/", env!("X"))`) is
//! kept by its known prefix: if that prefix already leaves the client, so does the path.

use super::lexer::{Spanned, Token};
use super::modules::{FileKind, Modules};
use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::location::normalize;

/// The kinds `-L KIND=PATH` (and `rustc-link-search`) may name.
pub(crate) const LINK_KINDS: [&str; 5] = ["native", "dependency", "crate", "framework", "all"];

/// How a file is pulled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    PathAttribute,
    Macro(&'static str),
    BuildScript(String),
    /// A file-system call in a proc macro's source, which rustc runs while it compiles.
    ProcMacro(String),
    /// A target's `path` (or `build`) in a crate's manifest, e.g. `[lib] path`.
    Target(String),
    /// A key of a cargo configuration file (`.cargo/config.toml`), e.g. `patch.crates-io.x.path`.
    CargoConfig(String),
    /// A string literal naming an existing file or directory, given to a macro that is not
    /// one of the standard library's formatting macros (a `macro_rules!` forwarding to
    /// `include_str!`, a proc macro such as `sqlx::migrate!` or `include_dir!`) or written in
    /// an attribute (`#[folder = ".."]`).
    MacroArgument(String),
    /// A symlink (outside every client) that points into a client.
    Symlink,
}

impl Via {
    pub fn describe(&self) -> String {
        match self {
            Via::PathAttribute => "`#[path]`".to_owned(),
            Via::Macro(name) => format!("`{name}!`"),
            Via::BuildScript(call) => format!("build script call `{call}`"),
            Via::ProcMacro(call) => format!("proc macro call `{call}`"),
            Via::Target(key) => format!("the manifest's `{key}`"),
            Via::CargoConfig(key) => format!("cargo configuration `{key}`"),
            Via::MacroArgument(name) if name.starts_with('#') => {
                format!("a path in the attribute `{name}`")
            }
            Via::MacroArgument(name) => format!("a path given to `{name}!`"),
            Via::Symlink => "a symlink".to_owned(),
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
/// Built-in macros the evaluator understands, which `use std::include_str as grab;` can rename.
const RENAMABLE_MACROS: [&str; 5] = ["include_str", "include_bytes", "include", "concat", "env"];
/// Macros (the standard library's, `log`'s) that never read a file: their string arguments are
/// messages, not paths.
pub(crate) const NON_READING_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "cfg",
    "column",
    "compile_error",
    "concat",
    "dbg",
    "debug",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "env",
    "eprint",
    "eprintln",
    "error",
    "file",
    "format",
    "format_args",
    "info",
    "line",
    "log",
    "matches",
    "module_path",
    "option_env",
    "panic",
    "print",
    "println",
    "stringify",
    "todo",
    "trace",
    "unimplemented",
    "unreachable",
    "vec",
    "warn",
    "write",
    "writeln",
];
/// Calls whose first argument a build script reads, writes or resolves as a path, or hands to
/// a program it runs.
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
    "arg",
    "current_dir",
];
/// Evaluation steps every file may take whatever its size; a file may take more in proportion
/// to its tokens. Real path expressions take a handful each: a file past this is built to
/// make evaluation explode (bindings that double at every step).
const STEP_BUDGET: usize = 1_000_000;
/// No path is longer: a value past it is known only by its prefix.
const MAX_PATH_BYTES: usize = 4096;

/// What [`find`] found in a file.
#[derive(Debug, Default)]
pub struct Found {
    pub references: Vec<Reference>,
    /// The file's path expressions were nested deeper, or needed more evaluation, than any real
    /// source's (`STEP_BUDGET`): what some of them name is not known, and the file cannot be
    /// judged.
    pub too_complex: bool,
}

/// Every reference in `tokens` of the file `file`, inside the crate rooted at `crate_dir` (the
/// directory of the nearest `Cargo.toml`, which `env!("CARGO_MANIFEST_DIR")` names).
pub fn find(tokens: &[Spanned], file: &Path, crate_dir: &Path, build_script: bool) -> Found {
    let file_dir = file.parent().unwrap_or(crate_dir);
    let (mut found, modules_too_complex) = module_paths(tokens, file, file_dir);
    let closes = closing_brackets(tokens);
    let bindings = build_script.then(|| Bindings::collect(tokens, &closes));
    let aliases = macro_aliases(tokens);
    let expression_macros = expression_macros(tokens, &closes);
    let eval = Evaluator::new(
        tokens,
        crate_dir,
        bindings.as_ref(),
        &closes,
        &aliases,
        &expression_macros,
    );
    for (i, token) in tokens.iter().enumerate() {
        let Token::Ident(name) = &token.token else {
            continue;
        };
        let name = eval.canonical(name);
        if is_macro_call(tokens, i) {
            if let Some(&mac) = INCLUDE_MACROS.iter().find(|m| **m == name) {
                let value = eval.value(i + 3);
                found.extend(reference(Via::Macro(mac), value, file_dir, token));
            } else if build_script && matches!(name, "println" | "print") {
                found.extend(directive(eval.format(i + 3), crate_dir, token));
            }
        } else if build_script {
            // Build scripts run in the crate directory.
            found.extend(file_system_call(&eval, i, crate_dir, Via::BuildScript));
        }
    }
    found.extend(argument_paths(&eval, file_dir));
    drop_build_output(&eval, &mut found);
    found.sort_by_key(|r| r.start);
    found.dedup_by(|a, b| a.start == b.start && a.resolved == b.resolved && a.via == b.via);
    Found {
        references: found,
        too_complex: eval.exhausted.get() || modules_too_complex,
    }
}

/// The paths handed to a file-system call (or a program's arguments) at token `i`, a call's
/// name, resolved from `base`, the directory the code runs in.
fn file_system_call(
    eval: &Evaluator,
    i: usize,
    base: &Path,
    via: fn(String) -> Via,
) -> Vec<Reference> {
    let tokens = eval.tokens;
    let Token::Ident(name) = &tokens[i].token else {
        return Vec::new();
    };
    if !matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::Punct('('))) {
        return Vec::new();
    }
    let name = eval.canonical(name);
    if name == "arg" {
        program_argument(via("arg".into()), eval.value(i + 2), base, &tokens[i])
    } else if BUILD_SCRIPT_CALLS.contains(&name) {
        let value = eval.value(i + 2);
        reference(via(name.to_string()), value, base, &tokens[i])
            .into_iter()
            .collect()
    } else if name == "args" {
        eval.list_elements(i + 2)
            .into_iter()
            .flat_map(|start| {
                program_argument(via("args".into()), eval.value(start), base, &tokens[i])
            })
            .collect()
    } else {
        Vec::new()
    }
}

/// An argument of a program a build script runs: a path, or a command line a shell runs
/// (`sh -c "cp ../globex/x $OUT_DIR"`), whose words that hold a `/` are paths too.
fn program_argument(via: Via, value: Value, base: &Path, at: &Spanned) -> Vec<Reference> {
    let mut out: Vec<Reference> = reference(via.clone(), value.clone(), base, at)
        .into_iter()
        .collect();
    if !value.text.contains(char::is_whitespace) {
        return out;
    }
    let is_break = |c: char| c.is_whitespace() || ";|&<>()`'\"=".contains(c);
    let words: Vec<&str> = value.text.split(is_break).collect();
    // As a reader writes them (`$OUT_DIR/x`, which stays the build's own output).
    let shown: Vec<&str> = value.shown.split(is_break).collect();
    for (n, word) in words.iter().enumerate() {
        if !word.contains('/') {
            continue;
        }
        // The last word of a value known only by its prefix is itself known only so far.
        let last_of_partial = !value.complete && n + 1 == words.len();
        let piece = Value {
            complete: !last_of_partial,
            at_dir: word.ends_with('/'),
            shown: match shown.len() == words.len() {
                true => shown[n].to_owned(),
                false => (*word).to_owned(),
            },
            ..Value::known((*word).to_owned())
        };
        out.extend(reference(via.clone(), piece, base, at));
    }
    out
}

/// A path under `$OUT_DIR` that stays in the target directory is the build's own output (what
/// a build script generates); one that climbs out of it is judged like any path.
fn drop_build_output(eval: &Evaluator, found: &mut Vec<Reference>) {
    if let Some(out) = eval.out_dir.get() {
        found.retain(|r| {
            !(r.written.starts_with("$OUT_DIR") && r.resolved.starts_with(&out.target_dir))
        });
    }
}

/// The paths a proc macro's source hands to file-system calls and programs (as a build
/// script's are read): a proc macro runs inside rustc while rustc compiles the crate that uses
/// it, so what it reads is read at build time, into that crate. A relative path is read from
/// the directory rustc runs in: cargo runs it from the workspace root for a member. Only the
/// references that leave `home_dir` and name an existing file or directory are kept.
pub fn proc_macro_reads(text: &str, crate_dir: &Path, home_dir: &Path) -> Found {
    let tokens = &super::lexer::tokenize(text)[..];
    let cwd = super::out_dir::workspace_root(crate_dir);
    let closes = closing_brackets(tokens);
    let bindings = Bindings::collect(tokens, &closes);
    let aliases = macro_aliases(tokens);
    let expression_macros = expression_macros(tokens, &closes);
    let mut found = Vec::new();
    let mut too_complex = false;
    // `std::env::var("CARGO_MANIFEST_DIR")` is, while the macro runs, the directory of the
    // crate that uses it: any directory from the macro's own up to the workspace root.
    for manifest_dir in crate_dir
        .ancestors()
        .take_while(|dir| dir.starts_with(&cwd))
    {
        let eval = Evaluator::new(
            tokens,
            manifest_dir,
            Some(&bindings),
            &closes,
            &aliases,
            &expression_macros,
        );
        let mut reads: Vec<Reference> = (0..tokens.len())
            .flat_map(|i| file_system_call(&eval, i, &cwd, Via::ProcMacro))
            .collect();
        drop_build_output(&eval, &mut reads);
        too_complex |= eval.exhausted.get();
        found.extend(reads);
    }
    for reference in &mut found {
        reference.resolved = crate::location::resolve(&reference.resolved);
    }
    // A read of nothing fails the build: only what exists is read (a proc macro's strings
    // are mostly names, `Ident::new("x", ..)`, not paths).
    found.retain(|r| !r.resolved.starts_with(home_dir) && r.resolved.exists());
    found.sort_by(|a, b| (a.start, &a.resolved).cmp(&(b.start, &b.resolved)));
    found.dedup_by(|a, b| a.start == b.start && a.resolved == b.resolved);
    Found {
        references: found,
        too_complex,
    }
}

/// String literals that name an existing file or directory, given to a macro that may read it
/// (anything but the standard formatting macros and the include macros, which [`find`] reads
/// itself) or written in an attribute: `sqlx::migrate!("..")`, `include_dir!("..")`, a
/// `macro_rules!` that forwards its argument to `include_str!`, `#[folder = ".."]`. Such a
/// macro resolves the path against the file's directory (`include_str!` inside a macro) or the
/// crate's (proc macros): both are tried. A literal naming nothing on disk is a message, not a
/// path, and is not kept.
fn argument_paths(eval: &Evaluator, file_dir: &Path) -> Vec<Reference> {
    let tokens = eval.tokens;
    let mut out: Vec<Reference> = Vec::new();
    let mut region: Option<(usize, String)> = None;
    let mut i = 0;
    while i < tokens.len() {
        if region.as_ref().is_some_and(|(end, _)| i >= *end) {
            region = None;
        }
        let token = &tokens[i];
        match &token.token {
            Token::Ident(name) if is_macro_call(tokens, i) => {
                let name = eval.canonical(name);
                let close = eval.close_of(i + 2);
                if INCLUDE_MACROS.contains(&name) {
                    // Read by `find` as an include: its pieces are not separate paths.
                    i = close;
                    continue;
                }
                if let Some((_, outer)) = &region {
                    if name == "concat" {
                        let outer = outer.clone();
                        push_existing(&mut out, eval, &outer, eval.value(i), file_dir, token);
                        i = close;
                        continue;
                    }
                } else if !NON_READING_MACROS.contains(&name) {
                    if name != "macro_rules" {
                        let end = close.min(tokens.len());
                        let joined = joined_literals(&tokens[(i + 3).min(end)..end]);
                        if let Some(joined) = joined {
                            push_existing(&mut out, eval, name, joined, file_dir, token);
                        }
                    }
                    region = Some((close, name.to_owned()));
                    i += 3;
                    continue;
                }
            }
            Token::Punct('#') if region.is_none() => {
                let open = match tokens.get(i + 1).map(|t| &t.token) {
                    Some(Token::Punct('!')) => i + 2,
                    _ => i + 1,
                };
                if matches!(tokens.get(open).map(|t| &t.token), Some(Token::Punct('['))) {
                    let name = match tokens.get(open + 1).map(|t| &t.token) {
                        Some(Token::Ident(name)) => format!("#[{name}]"),
                        _ => "#[..]".to_owned(),
                    };
                    region = Some((eval.close_of(open), name));
                    i = open + 1;
                    continue;
                }
            }
            Token::Str(text) => {
                // `path = ".."` in an attribute is `#[path]`, resolved by `module_paths`.
                let after_path = i >= 2
                    && matches!(tokens[i - 1].token, Token::Punct('='))
                    && matches!(tokens[i - 2].token, Token::Ident("path"));
                if let (Some((_, name)), false) = (&region, after_path) {
                    let name = name.clone();
                    let value = Value::literal(text);
                    push_existing(&mut out, eval, &name, value, file_dir, token);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The string literals among a macro's arguments, joined in order, when there are two or more:
/// a `macro_rules!` may `concat!` them into a path (`grab!("../../glo", "bex/rates.csv")`).
fn joined_literals(arguments: &[Spanned]) -> Option<Value> {
    let mut joined = String::new();
    let mut pieces = 0;
    for token in arguments {
        if let Token::Str(text) = &token.token {
            joined.push_str(text);
            pieces += 1;
            if joined.len() > MAX_PATH_BYTES {
                break;
            }
        }
    }
    (pieces >= 2).then(|| Value::literal(&joined))
}

/// A [`Via::MacroArgument`] reference for `value`, against the file's directory and the
/// crate's, where it names something that exists outside the crate.
fn push_existing(
    out: &mut Vec<Reference>,
    eval: &Evaluator,
    name: &str,
    mut value: Value,
    file_dir: &Path,
    at: &Spanned,
) {
    for prefix in ["$CARGO_MANIFEST_DIR", "${CARGO_MANIFEST_DIR}"] {
        if let Some(rest) = value.text.strip_prefix(prefix) {
            value.shown = format!("$CARGO_MANIFEST_DIR{rest}");
            value.text = format!("{}{rest}", eval.crate_dir.to_string_lossy());
        }
    }
    // A relative path with no `..` anywhere stays below its base: from the crate's directory
    // (or the file's, inside it) it never leaves the crate, which is all the loop below keeps.
    // Nearly every literal given to a macro (messages, snapshots) is one: it is done with here,
    // without a join, a normalization or an allocation.
    let stays_below = !value.text.starts_with('/') && !value.text.contains("..");
    // Told on the bytes, conservatively: a base written any other way takes the long road.
    let inside_crate = |base: &Path| {
        let (base, krate) = (
            base.as_os_str().as_encoded_bytes(),
            eval.crate_dir.as_os_str().as_encoded_bytes(),
        );
        base.starts_with(krate)
            && (base.len() == krate.len() || base[krate.len()] == b'/')
            && !memchr::memmem::find_iter(base, b"/..")
                .any(|at| matches!(base.get(at + 3), None | Some(b'/')))
    };
    for base in [file_dir, eval.crate_dir] {
        if stays_below && inside_crate(base) {
            continue;
        }
        let via = Via::MacroArgument(name.to_owned());
        let Some(reference) = reference(via, value.clone(), base, at) else {
            continue;
        };
        // Inside the crate needs no look at the disk (a symlink out is a finding of its own).
        if reference.resolved.starts_with(eval.crate_dir) || !reference.resolved.exists() {
            continue;
        }
        if !out
            .iter()
            .any(|r| r.start == reference.start && r.resolved == reference.resolved)
        {
            out.push(reference);
        }
    }
}

/// A `cargo:` instruction a build script prints that hands rustc a path:
/// `rustc-link-search=[KIND=]PATH` (another crate's libraries to link) and
/// `rustc-env=NAME=VALUE` (a value `include_str!(env!("NAME"))` can read). A relative
/// `rustc-env` value is read against the crate's directory (where `cargo test` and `cargo run`
/// run the program) and against `src/` (where `include_str!(env!(..))` in `src/lib.rs` or
/// `src/main.rs` resolves it): the readings that name an existing path, else the first.
fn directive(value: Value, crate_dir: &Path, at: &Spanned) -> Vec<Reference> {
    directive_at(value, crate_dir, at).unwrap_or_default()
}

/// The length of a `KIND=` prefix (`native=`, `dependency=`, ..) of a link search path.
fn link_kind_len(search: &str) -> usize {
    match search.split_once('=') {
        Some((kind, _)) if LINK_KINDS.contains(&kind) => kind.len() + 1,
        _ => 0,
    }
}

fn directive_at(value: Value, crate_dir: &Path, at: &Spanned) -> Option<Vec<Reference>> {
    fn cut(line: &str) -> Option<(&str, usize)> {
        let rest = line
            .strip_prefix("cargo::")
            .or_else(|| line.strip_prefix("cargo:"))?;
        let (key, after) = rest.split_once('=')?;
        let skip = match key {
            "rustc-link-search" => link_kind_len(after),
            "rustc-env" => after.find('=')? + 1,
            // A linker argument that names a file: `cargo:rustc-link-arg=../x/lib.o`,
            // `-L../x`, and `rustc-link-arg-bin=BIN=ARG`.
            "rustc-link-arg"
            | "rustc-link-arg-bins"
            | "rustc-link-arg-tests"
            | "rustc-link-arg-examples"
            | "rustc-link-arg-benches"
            | "rustc-link-arg-cdylib"
            | "rustc-cdylib-link-arg"
            | "rustc-link-arg-bin" => {
                let arg_at = match key {
                    "rustc-link-arg-bin" => after.find('=')? + 1,
                    _ => 0,
                };
                let arg = &after[arg_at..];
                let flag = if arg.starts_with("-L") { 2 } else { 0 };
                if !arg[flag..].contains('/') {
                    return None;
                }
                arg_at + flag
            }
            // `cargo:rustc-flags=-L [KIND=]PATH ..`: the first `-L`'s path.
            "rustc-flags" => {
                let flag = after.find("-L")? + 2;
                let path_at = flag + (after.len() - flag - after[flag..].trim_start().len());
                path_at + link_kind_len(&after[path_at..])
            }
            _ => return None,
        };
        Some((key, line.len() - after.len() + skip))
    }
    let (key, at_text) = cut(&value.text)?;
    let (_, at_shown) = cut(&value.shown)?;
    // `rustc-flags` holds more flags after the path: the path ends at a space.
    let word = |rest: &str| match key {
        "rustc-flags" => rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
        _ => rest.to_owned(),
    };
    let path = Value {
        at_dir: value.at_dir && value.text.len() > at_text,
        text: word(&value.text[at_text..]),
        shown: word(&value.shown[at_shown..]),
        complete: value.complete,
    };
    if path.text.is_empty() {
        return None;
    }
    let via = Via::BuildScript(format!("cargo:{key}"));
    let src = crate_dir.join("src");
    let bases: &[&Path] = match key {
        "rustc-env" => &[crate_dir, &src],
        _ => &[crate_dir],
    };
    let readings: Vec<Reference> = bases
        .iter()
        .filter_map(|base| reference(via.clone(), path.clone(), base, at))
        .collect();
    let existing: Vec<Reference> = readings
        .iter()
        .filter(|r| r.resolved.exists())
        .cloned()
        .collect();
    Some(match existing.is_empty() {
        true => readings.into_iter().take(1).collect(),
        false => existing,
    })
}

/// For every opening bracket, the index of its closing one (the end of the tokens when it is
/// never closed); `None` for every other token. One pass, so no later walk is quadratic.
fn closing_brackets(tokens: &[Spanned]) -> Vec<Option<usize>> {
    let mut closes = vec![None; tokens.len()];
    let mut open = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token.token {
            Token::Punct('(' | '[' | '{') => open.push(i),
            Token::Punct(')' | ']' | '}') => {
                if let Some(o) = open.pop() {
                    closes[o] = Some(i);
                }
            }
            _ => {}
        }
    }
    for o in open {
        closes[o] = Some(tokens.len());
    }
    closes
}

/// `use std::include_str as grab;` (any path, in a group too): `grab` is `include_str`.
fn macro_aliases<'a>(tokens: &[Spanned<'a>]) -> HashMap<&'a str, &'static str> {
    tokens
        .windows(3)
        .filter_map(|w| match (&w[0].token, &w[1].token, &w[2].token) {
            (Token::Ident(original), Token::Ident("as"), Token::Ident(alias)) => RENAMABLE_MACROS
                .iter()
                .find(|m| *m == original)
                .map(|&m| (*alias, m)),
            _ => None,
        })
        .collect()
}

/// The file's `macro_rules!` with one arm that takes no arguments (`macro_rules! up { () =>
/// { "../../" } }`): where each one's expansion starts, which the evaluator reads as the value
/// of a call (`concat!(up!(), "globex/x")`).
fn expression_macros<'a>(
    tokens: &[Spanned<'a>],
    closes: &[Option<usize>],
) -> HashMap<&'a str, usize> {
    let punct = |i: usize, c: char| tokens.get(i).is_some_and(|t| t.token == Token::Punct(c));
    let mut out = HashMap::new();
    for (k, token) in tokens.iter().enumerate() {
        let (Token::Ident("macro_rules"), Some(Token::Ident(name))) =
            (&token.token, tokens.get(k + 2).map(|t| &t.token))
        else {
            continue;
        };
        // `macro_rules ! name { ( ) => { body } }`, and nothing after the one arm but a `;`.
        let one_arm = punct(k + 1, '!')
            && punct(k + 4, '(')
            && punct(k + 5, ')')
            && punct(k + 6, '=')
            && punct(k + 7, '>')
            && [k + 3, k + 8].iter().all(|&at| {
                tokens
                    .get(at)
                    .is_some_and(|t| matches!(t.token, Token::Punct('(' | '[' | '{')))
            });
        if !one_arm {
            continue;
        }
        let (Some(Some(end)), Some(Some(body_end))) = (closes.get(k + 3), closes.get(k + 8)) else {
            continue;
        };
        let after = body_end + 1 + usize::from(punct(body_end + 1, ';'));
        if after == *end {
            out.insert(*name, k + 9);
        }
    }
    out
}

/// The `#[path]`s of the file's `mod` items, each resolved against the directory of its
/// enclosing module, and `path = ".."` in other attributes against the file's directory; and
/// whether its `#[path]` items sit under more enclosing scopes, all told, than any real file's.
fn module_paths(tokens: &[Spanned], file: &Path, file_dir: &Path) -> (Vec<Reference>, bool) {
    /// Enclosing scopes walked for `#[path]` items, at most, in one file.
    const MAX_WORK: usize = 1_000_000;
    let modules = Modules::parse(tokens);
    let mut work = 0usize;
    let mut found = Vec::new();
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let is_mod_rs = file.file_name().is_some_and(|n| n == "mod.rs");
    for decl in modules.decls.iter().filter(|d| !d.paths.is_empty()) {
        let scope = modules.enclosing(decl.scope);
        work += (scope.len() + 1) * decl.paths.len();
        if work > MAX_WORK {
            return (found, true);
        }
        let dirs = |kind: &FileKind| -> BTreeSet<PathBuf> {
            modules
                .module_dirs(&scope, file_dir, kind, stem)
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
    (found, false)
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
    /// Rust's strict keywords: no macro has one as its name, so `if ![..]` (a shell script's
    /// `if ! [ -f .. ]` read as Rust) is not a call.
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while",
    ];
    // The `!` and the bracket first: most identifiers are no call, and are done with there.
    matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::Punct('!')))
        && matches!(
            tokens.get(i + 2).map(|t| &t.token),
            Some(Token::Punct('(' | '[' | '{'))
        )
        && !matches!(tokens.get(i).map(|t| &t.token), Some(Token::Ident(name)) if KEYWORDS.contains(name))
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

    /// A string literal's value. One longer than any path is known by its first
    /// [`MAX_PATH_BYTES`] only: evaluating it never copies more than that.
    fn literal(text: &str) -> Value {
        if text.len() <= MAX_PATH_BYTES {
            return Value::known(text.to_owned());
        }
        let mut cut = MAX_PATH_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        Value {
            complete: false,
            at_dir: false,
            ..Value::known(text[..cut].to_owned())
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

    /// Append the next piece; nothing is appended after an unknown piece, and nothing past
    /// [`MAX_PATH_BYTES`] (the value is then known by its prefix only).
    fn push(&mut self, piece: Value) {
        if !self.complete {
            return;
        }
        if self.text.len() + piece.text.len() > MAX_PATH_BYTES {
            self.complete = false;
            self.at_dir = false;
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

/// `const`/`static`/`let` bindings of a file: for each name, in file order, the position of
/// each binding, the start of its initializer and the end of its statement.
struct Bindings<'a> {
    by_name: HashMap<&'a str, Vec<Binding>>,
}

#[derive(Debug, Clone, Copy)]
struct Binding {
    pos: usize,
    init: usize,
    end: usize,
    /// A `const` or `static`: an item, visible before it is declared. A `let` is not.
    item: bool,
}

impl<'a> Bindings<'a> {
    fn collect(tokens: &[Spanned<'a>], closes: &[Option<usize>]) -> Bindings<'a> {
        let mut by_name: HashMap<&'a str, Vec<Binding>> = HashMap::new();
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
                let end = statement_end(tokens, closes, init);
                by_name.entry(*name).or_default().push(Binding {
                    pos: j,
                    init,
                    end,
                    item: !matches!(token.token, Token::Ident("let")),
                });
            }
        }
        Bindings { by_name }
    }

    /// The initializer of `name` as seen at token `at`: the last binding whose statement ended
    /// before it (`let p = p.join(..)` reads the previous `p`), else the first `const` or
    /// `static` after it (items may be declared after their use; a `let` may not, so
    /// `let out = out.join(..)` with no `out` bound before reads a parameter: unknown).
    fn lookup(&self, name: &str, at: usize) -> Option<usize> {
        /// How many enclosing initializers of the same name are stepped out of, at most.
        const MAX_ENCLOSING: usize = 64;
        let named = self.by_name.get(name)?;
        let before = named.partition_point(|b| b.pos < at);
        named[..before]
            .iter()
            .rev()
            .take(MAX_ENCLOSING)
            .find(|b| b.end < at)
            .or_else(|| named[before..].iter().find(|b| b.item))
            .map(|b| b.init)
    }
}

/// The `;` that ends the statement whose initializer starts at `init` (groups stepped over
/// whole), or the bracket that closes the enclosing group.
fn statement_end(tokens: &[Spanned], closes: &[Option<usize>], mut i: usize) -> usize {
    while let Some(token) = tokens.get(i) {
        match token.token {
            Token::Punct(';' | ')' | ']' | '}') => return i,
            Token::Punct('(' | '[' | '{') => {
                i = closes.get(i).copied().flatten().map_or(i + 1, |c| c + 1)
            }
            _ => i += 1,
        }
    }
    tokens.len()
}

/// After `name:`, skip the type to the `=` of the initializer (none before a `;`).
fn initializer_after_type(tokens: &[Spanned], mut i: usize) -> Option<usize> {
    /// Longer than any real type: past it, no initializer is looked for (no walk is quadratic).
    const MAX_TYPE_TOKENS: usize = 1024;
    let mut depth = 0usize;
    let last = i.saturating_add(MAX_TYPE_TOKENS);
    while let Some(token) = tokens.get(i).filter(|_| i < last) {
        match token.token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => depth = depth.checked_sub(1)?,
            Token::Punct('=') if depth == 0 => return Some(i + 1),
            Token::Punct(';') if depth == 0 => return None,
            // No type holds these: the binding had no initializer.
            Token::Ident("let" | "const" | "static" | "fn") => return None,
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
    bindings: Option<&'t Bindings<'a>>,
    /// [`closing_brackets`] of `tokens`.
    closes: &'t [Option<usize>],
    /// Renamed built-in macros ([`macro_aliases`]).
    aliases: &'t HashMap<&'a str, &'static str>,
    depth: Cell<usize>,
    /// Evaluation steps taken, and how many the file may take.
    steps: Cell<usize>,
    budget: usize,
    /// An expression was nested deeper, or took more steps, than any real one: its value is
    /// not known.
    exhausted: Cell<bool>,
    /// The initializers being evaluated: a binding that reaches its own initializer again
    /// (`const A: &str = B; const B: &str = A;`) has no value, which is not an exhausted budget.
    evaluating: std::cell::RefCell<Vec<usize>>,
    /// Where `env!("OUT_DIR")` points, looked up the first time the file names it.
    out_dir: std::cell::OnceCell<super::out_dir::OutDir>,
    /// The file's own argument-less one-arm `macro_rules!` ([`expression_macros`]).
    expression_macros: &'t HashMap<&'a str, usize>,
}

impl<'t, 'a> Evaluator<'t, 'a> {
    /// An evaluator over one file's tokens, with a step budget that grows with the file.
    fn new(
        tokens: &'t [Spanned<'a>],
        crate_dir: &'t Path,
        bindings: Option<&'t Bindings<'a>>,
        closes: &'t [Option<usize>],
        aliases: &'t HashMap<&'a str, &'static str>,
        expression_macros: &'t HashMap<&'a str, usize>,
    ) -> Self {
        Evaluator {
            tokens,
            crate_dir,
            bindings,
            closes,
            aliases,
            depth: Cell::new(0),
            steps: Cell::new(0),
            budget: STEP_BUDGET.saturating_add(tokens.len().saturating_mul(64)),
            exhausted: Cell::new(false),
            evaluating: std::cell::RefCell::new(Vec::new()),
            out_dir: std::cell::OnceCell::new(),
            expression_macros,
        }
    }
}

impl Evaluator<'_, '_> {
    fn token(&self, i: usize) -> Option<&Token<'_>> {
        self.tokens.get(i).map(|t| &t.token)
    }

    /// The built-in macro a name stands for (`grab` after `use std::include_str as grab;`).
    fn canonical<'n>(&self, name: &'n str) -> &'n str {
        self.aliases.get(name).copied().unwrap_or(name)
    }

    /// The index after the group the bracket at `open` starts (`open + 1` if it is none).
    fn close_of(&self, open: usize) -> usize {
        match self.closes.get(open).copied().flatten() {
            Some(close) => close + 1,
            None => open + 1,
        }
    }

    /// The elements of an array or `vec!` literal starting at `i` (`&[..]`, `vec![..]`): the
    /// start of each.
    fn list_elements(&self, mut i: usize) -> Vec<usize> {
        if matches!(self.token(i), Some(Token::Punct('&'))) {
            i += 1;
        }
        if matches!(self.token(i), Some(Token::Ident("vec"))) && is_macro_call(self.tokens, i) {
            i += 2;
        }
        match self.token(i) {
            Some(Token::Punct('[')) => self.arguments(i + 1),
            _ => Vec::new(),
        }
    }

    /// The value of the expression starting at `i`.
    fn value(&self, i: usize) -> Value {
        const MAX_DEPTH: usize = 64;
        self.steps.set(self.steps.get() + 1);
        if self.depth.get() >= MAX_DEPTH || self.steps.get() > self.budget {
            self.exhausted.set(true);
            return Value::unknown();
        }
        self.depth.set(self.depth.get() + 1);
        let value = self.value_inner(i);
        self.depth.set(self.depth.get() - 1);
        value
    }

    /// The value of the initializer at `init`, unknown when it is already being evaluated.
    fn binding_value(&self, init: usize) -> Value {
        if self.evaluating.borrow().contains(&init) {
            return Value::unknown();
        }
        self.evaluating.borrow_mut().push(init);
        let value = self.value(init);
        self.evaluating.borrow_mut().pop();
        value
    }

    fn value_inner(&self, i: usize) -> Value {
        match self.token(i) {
            Some(Token::Str(s)) => Value::literal(s),
            Some(Token::Punct('&' | '(')) => self.value(i + 1),
            Some(Token::Ident(_)) if self.bindings.is_some() => {
                // In code that runs (build scripts, proc macros): the methods after it too,
                // `dir.parent().unwrap().join("x")`.
                let (segments, last) = self.path(i);
                let end = match self.token(last + 1) {
                    Some(Token::Punct('!' | '(')) => {
                        let open = last
                            + 1
                            + usize::from(self.token(last + 1) == Some(&Token::Punct('!')));
                        self.close_of(open)
                    }
                    _ => last + 1,
                };
                let value = self.primary(i, segments, last);
                self.methods(value, end)
            }
            Some(Token::Ident(_)) => {
                let (segments, last) = self.path(i);
                self.primary(i, segments, last)
            }
            _ => Value::unknown(),
        }
    }

    /// The path methods called on `value`, whose expression ends just before `at`: `.parent()`
    /// and `.join(..)` change it; `.unwrap()`, `.to_path_buf()` and the like keep it; any
    /// other method ends what is known (the value so far is kept, as before it was called).
    fn methods(&self, mut value: Value, mut at: usize) -> Value {
        while let (Some(Token::Punct('.')), Some(Token::Ident(method)), Some(Token::Punct('('))) =
            (self.token(at), self.token(at + 1), self.token(at + 2))
        {
            let close = self.close_of(at + 2);
            match *method {
                "parent" if value.complete => {
                    let text = value.text.trim_end_matches('/');
                    match text.rfind('/') {
                        Some(cut) if cut > 0 => {
                            value = Value::directory(
                                text[..cut].to_owned(),
                                &format!("{}/..", value.shown),
                            );
                        }
                        _ => return value,
                    }
                }
                "join" | "push" => {
                    let piece = self.value(at + 3);
                    if piece.text.starts_with('/') {
                        value = piece;
                    } else if value.complete {
                        if !value.text.ends_with('/') {
                            value.push(Value::known("/".to_owned()));
                        }
                        value.push(piece);
                    }
                }
                "unwrap" | "expect" | "to_path_buf" | "to_owned" | "clone" | "as_path"
                | "as_ref" | "into" | "display" | "to_string" | "to_str" | "to_string_lossy"
                | "as_os_str" | "canonicalize" => {}
                _ => return value,
            }
            at = close;
        }
        value
    }

    /// The value of the expression starting with the path `segments` (`i` to `last`): a
    /// literal's, a macro's, a call's or a binding's.
    fn primary(&self, i: usize, segments: Vec<&str>, last: usize) -> Value {
        let name = self.canonical(segments.last().copied().unwrap_or_default());
        match self.token(last + 1) {
            Some(Token::Punct('!')) if is_macro_call(self.tokens, last) => match name {
                "concat" => self.concat(last + 3),
                "env" => self.env(last + 3),
                "format" if self.bindings.is_some() => self.format(last + 3),
                // The file's own `macro_rules! up { () => { "../../" } }`.
                _ => match self.expression_macros.get(name) {
                    Some(&body) if segments.len() == 1 => self.value(body),
                    _ => Value::unknown(),
                },
            },
            Some(Token::Punct('(')) if self.bindings.is_some() => match segments.as_slice() {
                [.., "env", "var" | "var_os"] => self.env(last + 2),
                [
                    ..,
                    "Path" | "PathBuf" | "OsStr" | "OsString" | "String",
                    "new" | "from",
                ] => self.value(last + 2),
                _ => Value::unknown(),
            },
            _ if segments.len() == 1 => self
                .bindings
                .and_then(|b| b.lookup(name, i))
                .map_or_else(Value::unknown, |init| self.binding_value(init)),
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
    /// each. Nested groups are stepped over whole, so this is linear in the arguments.
    fn arguments(&self, i: usize) -> Vec<usize> {
        let Some(end) = i
            .checked_sub(1)
            .and_then(|open| self.closes.get(open).copied().flatten())
        else {
            return Vec::new();
        };
        let mut starts = Vec::new();
        let mut at_start = true;
        let mut j = i;
        while j < end {
            if matches!(self.token(j), Some(Token::Punct(','))) {
                at_start = true;
                j += 1;
                continue;
            }
            if at_start {
                starts.push(j);
                at_start = false;
            }
            j = self.close_of(j);
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

    /// `env!("CARGO_MANIFEST_DIR")` (and `env::var` of it in build scripts): the crate's
    /// directory; `env!("OUT_DIR")`: the build script output directory cargo would use
    /// ([`super::out_dir`]), so a path that climbs out of it with `..` lands where it would.
    fn env(&self, i: usize) -> Value {
        match self.token(i) {
            Some(Token::Str(var)) if var == "CARGO_MANIFEST_DIR" => Value::directory(
                self.crate_dir.to_string_lossy().into_owned(),
                "$CARGO_MANIFEST_DIR",
            ),
            Some(Token::Str(var)) if var == "OUT_DIR" => Value::directory(
                self.out_dir().out_dir.to_string_lossy().into_owned(),
                "$OUT_DIR",
            ),
            _ => Value::unknown(),
        }
    }

    fn out_dir(&self) -> &super::out_dir::OutDir {
        self.out_dir
            .get_or_init(|| super::out_dir::of_crate(self.crate_dir))
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
            // Past any path's length the rest of the template changes nothing known.
            if value.text.len() + literal.len() > MAX_PATH_BYTES || !value.complete {
                value.push(Value::unknown());
                return value;
            }
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
        .references
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
        .references
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
            include!(concat!(env!("OUT_DIR"), "/gen/", env!("F")));
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
                // No workspace above (nothing on disk here): the crate is its own, its target
                // directory `clients/acme/target`, and five levels up from `OUT_DIR` is the
                // crate's directory. What stays in the target directory is the build's own.
                (
                    "$OUT_DIR/../../../../../globex/x.rs".into(),
                    "/ws/clients/acme/globex/x.rs".into(),
                    false,
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
    fn shadowing_lets_and_item_cycles_are_unknown_not_too_complex() {
        let src = r#"
            use std::path::Path;
            const A: &str = B;
            const B: &str = A;
            fn a(out: &Path) { let out = out.join("a"); std::fs::create_dir_all(&out).unwrap(); }
            fn b(out: &Path) { let out = out.join("b"); std::fs::create_dir_all(&out).unwrap(); }
            fn c() { std::fs::read(A).unwrap(); let late = "../globex/x"; }
            fn main() { let p = "../globex/y.csv"; let p = p; std::fs::read(p).unwrap(); }
        "#;
        let tokens = tokenize(src);
        let found = find(
            &tokens,
            Path::new("/ws/clients/acme/build.rs"),
            Path::new("/ws/clients/acme"),
            true,
        );
        assert!(!found.too_complex);
        // `late` is a `let` after its use in another function: not what `read(A)` reads.
        let leaving: Vec<String> = found
            .references
            .iter()
            .map(|r| r.resolved.display().to_string())
            .filter(|r| r.contains("globex"))
            .collect();
        assert_eq!(leaving, ["/ws/clients/globex/y.csv"]);
    }

    #[test]
    fn link_arguments_and_rustc_flags_of_build_scripts_are_paths() {
        let src = r#"fn main() {
            println!("cargo:rustc-link-arg=../globex/lib.o");
            println!("cargo::rustc-link-arg-bin=tool=-L../globex/native");
            println!("cargo:rustc-flags=-L native=../globex/flags -lfoo");
            println!("cargo:rustc-link-arg=-lm");
        }"#;
        let got: Vec<String> = found(src, "/ws/clients/acme/build.rs", true)
            .into_iter()
            .map(|(_, resolved, _, _)| resolved)
            .collect();
        assert_eq!(
            got,
            [
                "/ws/clients/globex/lib.o",
                "/ws/clients/globex/native",
                "/ws/clients/globex/flags",
            ]
        );
    }

    #[test]
    fn keywords_are_not_macro_names() {
        let tokens = tokenize(r#"if ! [ -f "../../shared/common/Cargo.toml" ]; then x; fi"#);
        assert!(!is_macro_call(&tokens, 0));
        let tokens = tokenize(r#"dbg![ "../../shared/common/Cargo.toml" ]"#);
        assert!(is_macro_call(&tokens, 0));
    }

    #[test]
    fn a_literal_longer_than_any_path_is_known_by_its_prefix() {
        let long = "x".repeat(MAX_PATH_BYTES * 4);
        let src = format!(
            "const S: &str = \"../globex/{long}\";\nfn main() {{ let a = format!(\"{{S}}{{S}}\"); std::fs::read(a).unwrap(); }}"
        );
        let tokens = tokenize(&src);
        let found = find(
            &tokens,
            Path::new("/ws/clients/acme/build.rs"),
            Path::new("/ws/clients/acme"),
            true,
        );
        assert!(!found.too_complex);
        assert!(found.references.iter().all(|r| r.partial
            && r.resolved.as_os_str().len() <= MAX_PATH_BYTES + "/ws/clients/acme/".len()));
        assert!(!found.references.is_empty());
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
