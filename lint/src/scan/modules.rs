//! rustc's module path rules, over the tokens of one file: which `mod` items a file declares,
//! inside which inline modules and blocks, and the directory each `#[path]` is relative to.
//!
//! The rules (rustc_expand's `module.rs`, checked against real rustc by the lint's tests):
//! - A file's modules start in the file's directory. A *mod-rs* file (a crate root, a `mod.rs`,
//!   or any file loaded through `#[path]`) adds nothing; a *non-mod-rs* file `foo.rs` (loaded by
//!   `mod foo;`) owes one directory `foo/`, added by the first inline module entered.
//! - An inline `mod x { .. }` adds `x/`; with `#[path = "d"]` (outer, or inner `#![path]` in its
//!   body) its directory is `d`, relative to the enclosing module's directory.
//! - A block (a function body, a `const` block) keeps the enclosing directory but drops the
//!   owed `foo/`: inline modules inside it add only their own names.
//! - `#[path = "p"] mod m;` loads `p` relative to the enclosing module's directory, never
//!   including an owed `foo/`. Without `#[path]`, `mod m;` loads `<dir>[/foo]/m.rs`
//!   (non-mod-rs) or `<dir>[/foo]/m/mod.rs` (mod-rs).

use super::lexer::{Spanned, Token};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// A `path = "..."` inside an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathAttr {
    pub value: String,
    /// Written under `cfg_attr(..)`: it may not apply.
    pub conditional: bool,
    /// Byte range of the `path` token.
    pub start: usize,
    pub end: usize,
}

/// A `mod` item.
#[derive(Debug, Clone)]
pub struct ModDecl {
    pub name: String,
    /// `#[path]` attributes on it (and, for inline modules, `#![path]` in its body).
    pub paths: Vec<PathAttr>,
    /// `mod x { .. }` rather than `mod x;`.
    pub inline: bool,
    /// The innermost enclosing scope (an index of the file's scope tree), `None` at the top.
    pub scope: Option<usize>,
    /// Byte offset of the `mod` keyword.
    pub start: usize,
}

/// What encloses an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The inline module at this index of [`Modules::decls`].
    Module(usize),
    /// Any other braces: a function body, a `const` block, an `impl`, a macro body.
    Block,
}

/// The module structure of a file.
#[derive(Debug, Default)]
pub struct Modules {
    pub decls: Vec<ModDecl>,
    /// `path = "..."` in attributes that are not on a `mod` item (e.g. a derive helper's
    /// template path): resolved against the file's directory.
    pub other_paths: Vec<PathAttr>,
    /// Every scope opened, with its parent: the enclosing scopes of an item are a walk up from
    /// its innermost one (one entry per brace, never a copy per item).
    scopes: Vec<(Option<usize>, Scope)>,
}

/// How a file is loaded, which decides where its inline modules' directories start.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// A crate root, a `mod.rs`, or a file loaded through `#[path]`.
    ModRs,
    /// `foo.rs` loaded by `mod foo;`: owes the directory `foo/`.
    NonModRs,
}

/// Where an item's enclosing module lives, for one reading of the attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDir {
    pub dir: PathBuf,
    /// The directory a non-mod-rs file still owes (its stem), not yet added.
    pub owed: Option<String>,
    /// Outside every block: `mod m;` without `#[path]` is allowed here.
    pub owned: bool,
}

/// At most this many readings of nested conditional `#[path]`s are followed.
const MAX_READINGS: usize = 64;

impl Modules {
    /// Parse the module items of a token stream. Never fails: unbalanced input ends scopes
    /// early at worst.
    pub fn parse(tokens: &[Spanned]) -> Modules {
        let mut modules = Modules::default();
        // The open scopes, innermost last, as indices of `modules.scopes`.
        let mut open: Vec<usize> = Vec::new();
        // The inline module whose body was just opened, for a following `#![path]`.
        let mut fresh_inline: Option<usize> = None;
        let mut pending: Vec<PathAttr> = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i].token {
                Token::Punct('#') => {
                    if let Some((end, inner, paths)) = attribute(tokens, i) {
                        match (inner, fresh_inline) {
                            (true, Some(decl)) => modules.decls[decl].paths.extend(paths),
                            (true, None) => modules.other_paths.extend(paths),
                            (false, _) => pending.extend(paths),
                        }
                        i = end;
                        continue;
                    }
                    fresh_inline = None;
                }
                Token::Ident("pub") => {
                    // Visibility belongs to the item: keep its attributes pending.
                    i += 1;
                    if matches!(tokens.get(i).map(|t| &t.token), Some(Token::Punct('('))) {
                        i = skip_group(tokens, i);
                    }
                    continue;
                }
                Token::Ident("mod") => {
                    if let Some((name, after)) = mod_name(tokens, i + 1) {
                        match tokens.get(after).map(|t| &t.token) {
                            Some(Token::Punct(';')) => {
                                modules.decls.push(ModDecl {
                                    name,
                                    paths: std::mem::take(&mut pending),
                                    inline: false,
                                    scope: open.last().copied(),
                                    start: tokens[i].start,
                                });
                                fresh_inline = None;
                                i = after + 1;
                                continue;
                            }
                            Some(Token::Punct('{')) => {
                                let index = modules.decls.len();
                                modules.decls.push(ModDecl {
                                    name,
                                    paths: std::mem::take(&mut pending),
                                    inline: true,
                                    scope: open.last().copied(),
                                    start: tokens[i].start,
                                });
                                modules.open(&mut open, Scope::Module(index));
                                fresh_inline = Some(index);
                                i = after + 1;
                                continue;
                            }
                            _ => {}
                        }
                    }
                    fresh_inline = None;
                }
                Token::Punct('{') => {
                    modules.open(&mut open, Scope::Block);
                    modules.other_paths.append(&mut pending);
                    fresh_inline = None;
                }
                Token::Punct('}') => {
                    open.pop();
                    modules.other_paths.append(&mut pending);
                    fresh_inline = None;
                }
                _ => {
                    modules.other_paths.append(&mut pending);
                    fresh_inline = None;
                }
            }
            i += 1;
        }
        modules.other_paths.append(&mut pending);
        modules
    }

    fn open(&mut self, open: &mut Vec<usize>, scope: Scope) {
        self.scopes.push((open.last().copied(), scope));
        open.push(self.scopes.len() - 1);
    }

    /// The scopes enclosing an item whose innermost scope is `scope`, outermost first.
    pub fn enclosing(&self, scope: Option<usize>) -> Vec<Scope> {
        let mut chain = Vec::new();
        let mut next = scope;
        while let Some(node) = next {
            let (parent, scope) = self.scopes[node];
            chain.push(scope);
            next = parent;
        }
        chain.reverse();
        chain
    }

    /// The directories the module enclosing `scope` can have, in a file at `file_dir` loaded
    /// as `kind` (`stem` is the file's stem, owed by a non-mod-rs file).
    pub fn module_dirs(
        &self,
        scope: &[Scope],
        file_dir: &Path,
        kind: &FileKind,
        stem: &str,
    ) -> Vec<ModuleDir> {
        let mut readings = vec![ModuleDir {
            dir: file_dir.to_owned(),
            owed: (*kind == FileKind::NonModRs).then(|| stem.to_owned()),
            owned: true,
        }];
        for entry in scope {
            match entry {
                Scope::Block => {
                    for reading in &mut readings {
                        reading.owned = false;
                        reading.owed = None;
                    }
                }
                Scope::Module(index) => {
                    let decl = &self.decls[*index];
                    let mut next = Vec::new();
                    for reading in &readings {
                        for choice in path_choices(&decl.paths) {
                            next.push(match choice {
                                Some(path) => ModuleDir {
                                    dir: reading.dir.join(path),
                                    owed: None,
                                    owned: true,
                                },
                                None => {
                                    let mut dir = reading.dir.clone();
                                    if let Some(owed) = &reading.owed {
                                        dir.push(owed);
                                    }
                                    dir.push(&decl.name);
                                    ModuleDir {
                                        dir,
                                        owed: None,
                                        owned: reading.owned,
                                    }
                                }
                            });
                        }
                    }
                    next.dedup();
                    next.truncate(MAX_READINGS);
                    readings = next;
                }
            }
        }
        readings
    }
}

/// The `#[path]` values that may apply to an item: each written value, and `None` (no path)
/// when every one of them is conditional.
pub fn path_choices(paths: &[PathAttr]) -> Vec<Option<&str>> {
    let mut choices: Vec<Option<&str>> = paths.iter().map(|p| Some(p.value.as_str())).collect();
    if paths.iter().all(|p| p.conditional) {
        choices.push(None);
    }
    choices
}

/// The name after `mod` (a raw identifier `r#x` counts as `x`) and the index after it.
fn mod_name(tokens: &[Spanned], i: usize) -> Option<(String, usize)> {
    match (
        &tokens.get(i)?.token,
        tokens.get(i + 1).map(|t| &t.token),
        tokens.get(i + 2).map(|t| &t.token),
    ) {
        (Token::Ident("r"), Some(Token::Punct('#')), Some(Token::Ident(name))) => {
            Some((name.to_string(), i + 3))
        }
        (Token::Ident(name), _, _) => Some((name.to_string(), i + 1)),
        _ => None,
    }
}

/// Skip a bracketed group starting at its opening token; the index after its close.
fn skip_group(tokens: &[Spanned], i: usize) -> usize {
    let mut depth = 0usize;
    for (j, token) in tokens.iter().enumerate().skip(i) {
        match token.token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// An attribute `#[..]` or `#![..]` at `i`: the index after it, whether it is inner, and every
/// `path = "..."` inside it (those under `cfg_attr` are conditional).
pub fn attribute(tokens: &[Spanned], i: usize) -> Option<(usize, bool, Vec<PathAttr>)> {
    let mut open = i + 1;
    let inner = matches!(tokens.get(open)?.token, Token::Punct('!'));
    if inner {
        open += 1;
    }
    if !matches!(tokens.get(open)?.token, Token::Punct('[')) {
        return None;
    }
    let mut depth = 0;
    let mut paths = Vec::new();
    let mut conditional = false;
    for j in open..tokens.len() {
        match &tokens[j].token {
            Token::Punct('[' | '(' | '{') => depth += 1,
            Token::Punct(']' | ')' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return Some((j + 1, inner, paths));
                }
            }
            Token::Ident("cfg_attr") => conditional = true,
            Token::Ident("path") => {
                if let (Some(Token::Punct('=')), Some(Token::Str(value))) = (
                    tokens.get(j + 1).map(|t| &t.token),
                    tokens.get(j + 2).map(|t| &t.token),
                ) {
                    paths.push(PathAttr {
                        value: value.to_string(),
                        conditional,
                        start: tokens[j].start,
                        end: tokens[j].end,
                    });
                }
            }
            _ => {}
        }
    }
    Some((tokens.len(), inner, paths))
}

/// How `file` is loaded by the crate rooted at `crate_dir`: the kinds under which some
/// target's module tree reaches it (both, when it is reached both ways). Empty when no module
/// tree reaches it that this reading of the sources can follow (a module made by a macro, say).
///
/// Walks every target root the crate can have (explicit `path`s in the manifest, cargo's
/// automatic target directories, the build script) through `mod` items, at most
/// `MAX_FILES` files.
pub fn loading_kinds(crate_dir: &Path, file: &Path) -> BTreeSet<FileKind> {
    // Past any real crate, how the file is loaded is not known: both readings.
    walk(crate_dir, file, Targets::All, &Parsed::default()).unwrap_or_default()
}

/// The module trees of the crates one scan asks about, each walked once (for each of the two
/// sets of targets) however many of its files are asked about: every file a walk reaches, with
/// the ways it is loaded. Made for one scan, so that no file is read from a tree walked before
/// the files changed.
#[derive(Default)]
pub struct Trees {
    walks: std::sync::Mutex<HashMap<(PathBuf, Targets), Arc<Walk>>>,
    /// The files the walks read, each read and parsed once for both sets of targets.
    parsed: Parsed,
}

/// The `mod` items of each file a walk read (`None`: unreadable), shared by the walks of one
/// scan.
#[derive(Default)]
struct Parsed(std::sync::Mutex<HashMap<PathBuf, Option<Arc<FileModules>>>>);

/// What a walk needs of one file: its `mod` items, and the items under `#[cfg(test)]`.
struct FileModules {
    modules: Modules,
    test_only: Vec<std::ops::Range<usize>>,
}

impl Parsed {
    /// The modules of the canonical file `path`, read and parsed at the first ask; `None` when
    /// it cannot be read as text.
    fn get(&self, path: &Path) -> Option<Arc<FileModules>> {
        let lock = || self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = lock().get(path) {
            return known.clone();
        }
        let parsed = safe_read::read_to_string(path).ok().map(|text| {
            // A file without a `mod x;` declares no module file: nothing to follow, nothing to
            // tokenize.
            if !may_declare_a_module_file(text.as_bytes()) {
                return Arc::new(FileModules {
                    modules: Modules::default(),
                    test_only: Vec::new(),
                });
            }
            let tokens = super::lexer::tokenize(&text);
            Arc::new(FileModules {
                modules: Modules::parse(&tokens),
                test_only: super::cfg_test::test_only_items(&tokens, text.len()),
            })
        });
        lock().insert(path.to_owned(), parsed.clone());
        parsed
    }
}

/// One walk, made by the first scan worker that asks for it.
#[derive(Default)]
struct Walk {
    /// Whether a thread that does not wait has started it.
    claimed: AtomicBool,
    done: OnceLock<Option<Reached>>,
}

/// Every file a module-tree walk reaches (canonical), and how it is loaded.
type Reached = HashMap<PathBuf, BTreeSet<FileKind>>;

impl Trees {
    /// Is `file` code that only the crate's own tests compile, because every way its crate's
    /// module tree reaches it passes through a `#[cfg(test)]` module (`#[cfg(test)] mod tests;`
    /// whose body is `tests.rs` or `tests/mod.rs`, a `mod` inside a `#[cfg(test)]` item) or starts
    /// at a test, benchmark or example target? rustc reads such a file only under `--test`, so a
    /// crate that depends on this one never compiles it. A file no module tree reaches that this
    /// reading can follow (a module made by a macro, say) is not known to be test code.
    ///
    /// `None` when a walk it needs is being made by another thread and `wait` is false: ask
    /// again later, waiting (the caller never waits without `wait`).
    pub fn only_under_cfg_test(&self, crate_dir: &Path, file: &Path, wait: bool) -> Option<bool> {
        let target = canonical(file);
        let compiled = self.kinds(crate_dir, &target, Targets::CompiledByDependents, wait)?;
        if !matches!(compiled, Some(kinds) if kinds.is_empty()) {
            return Some(false);
        }
        let all = self.kinds(crate_dir, &target, Targets::All, wait)?;
        Some(all.is_some_and(|kinds| !kinds.is_empty()))
    }

    /// How the module trees of `targets` load the canonical file `target` (see [`walk`]);
    /// the outer `None` when the walk is being made by another thread and `wait` is false.
    fn kinds(
        &self,
        crate_dir: &Path,
        target: &Path,
        targets: Targets,
        wait: bool,
    ) -> Option<Option<BTreeSet<FileKind>>> {
        let cell = {
            // A panic elsewhere cannot leave the map half-changed: take it as it is.
            let mut walks = self.walks.lock().unwrap_or_else(|e| e.into_inner());
            walks
                .entry((crate_dir.to_owned(), targets))
                .or_default()
                .clone()
        };
        if cell.done.get().is_none() && !wait && cell.claimed.swap(true, Ordering::AcqRel) {
            return None;
        }
        let reached = cell
            .done
            .get_or_init(|| reach(crate_dir, targets, &self.parsed));
        Some(
            reached
                .as_ref()
                .map(|reached| reached.get(target).cloned().unwrap_or_default()),
        )
    }
}

/// Could `bytes` hold a `mod x;` item (one whose body is a file of its own)? Every `mod` that
/// is not part of a longer identifier counts, unless ASCII whitespace, an identifier and `{`
/// follow it (an inline module): anything else between its tokens (a comment, another kind of
/// whitespace) counts too.
fn may_declare_a_module_file(bytes: &[u8]) -> bool {
    let ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    memchr::memmem::find_iter(bytes, b"mod").any(|at| {
        if at > 0 && ident(bytes[at - 1]) || bytes.get(at + 3).is_some_and(|&b| ident(b)) {
            return false;
        }
        let rest = &bytes[at + 3..];
        let gap = rest.iter().take_while(|b| space(b)).count();
        let name = rest[gap..].iter().take_while(|&&b| ident(b)).count();
        let after = rest[gap + name..].iter().find(|b| !space(b));
        !(gap > 0 && name > 0 && !rest[gap].is_ascii_digit() && after == Some(&b'{'))
    })
}

/// Which targets a module-tree walk starts from, and which `mod` items it follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Targets {
    /// Every target, every `mod` item.
    All,
    /// The library, binaries and build script, and only the `mod` items that are not under
    /// `#[cfg(test)]`: what a build without `--test` compiles.
    CompiledByDependents,
}

/// How the module trees of `targets` load `file` ([`loading_kinds`]); `None` past
/// `MAX_WORK` (no real crate's tree is that deep).
fn walk(
    crate_dir: &Path,
    file: &Path,
    targets: Targets,
    parsed: &Parsed,
) -> Option<BTreeSet<FileKind>> {
    let target = canonical(file);
    reach(crate_dir, targets, parsed)
        .map(|reached| reached.get(&target).cloned().unwrap_or_default())
}

/// Every file the module trees of `targets` reach, and how each is loaded; `None` past
/// `MAX_WORK` (no real crate's tree is that deep).
fn reach(crate_dir: &Path, targets: Targets, parsed: &Parsed) -> Option<Reached> {
    const MAX_FILES: usize = 4096;
    const MAX_WORK: usize = 1_000_000;
    let mut work = 0usize;
    let mut reached = Reached::new();
    let mut queue: VecDeque<(PathBuf, FileKind)> = target_roots(crate_dir, targets == Targets::All)
        .into_iter()
        .map(|root| (root, FileKind::ModRs))
        .collect();
    let mut seen: HashSet<(PathBuf, FileKind)> = HashSet::new();
    while let Some((path, kind)) = queue.pop_front() {
        let path = canonical(&path);
        if seen.len() >= MAX_FILES || !seen.insert((path.clone(), kind.clone())) {
            continue;
        }
        reached
            .entry(path.clone())
            .or_default()
            .insert(kind.clone());
        let Some(file) = parsed.get(&path) else {
            continue;
        };
        let modules = &file.modules;
        let test_only: &[std::ops::Range<usize>] = match targets {
            Targets::All => &[],
            Targets::CompiledByDependents => &file.test_only,
        };
        let file_dir = path.parent().unwrap_or(Path::new(""));
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        for decl in modules.decls.iter().filter(|d| !d.inline) {
            if test_only.iter().any(|r| r.contains(&decl.start)) {
                continue;
            }
            let scope = modules.enclosing(decl.scope);
            work += scope.len() + 1;
            if work > MAX_WORK {
                return None;
            }
            for reading in modules.module_dirs(&scope, file_dir, &kind, stem) {
                for choice in path_choices(&decl.paths) {
                    match choice {
                        Some(p) => queue.push_back((reading.dir.join(p), FileKind::ModRs)),
                        None if reading.owned => {
                            let mut base = reading.dir.clone();
                            if let Some(owed) = &reading.owed {
                                base.push(owed);
                            }
                            let flat = base.join(format!("{}.rs", decl.name));
                            let nested = base.join(&decl.name).join("mod.rs");
                            if flat.is_file() {
                                queue.push_back((flat, FileKind::NonModRs));
                            }
                            if nested.is_file() {
                                queue.push_back((nested, FileKind::ModRs));
                            }
                        }
                        None => {}
                    }
                }
            }
        }
    }
    Some(reached)
}

fn canonical(path: &Path) -> PathBuf {
    let normal = crate::location::normalize(path);
    normal.canonicalize().unwrap_or(normal)
}

/// Every file cargo could compile as a crate root of the package at `crate_dir`; without
/// `test_targets`, only the library's, the binaries' and the build script's.
fn target_roots(crate_dir: &Path, test_targets: bool) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = ["src/lib.rs", "src/main.rs", "build.rs"]
        .iter()
        .map(|p| crate_dir.join(p))
        .collect();
    let dirs: &[&str] = match test_targets {
        true => &["src/bin", "examples", "tests", "benches"],
        false => &["src/bin"],
    };
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(crate_dir.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "rs") {
                roots.push(path);
            } else if path.is_dir() {
                roots.push(path.join("main.rs"));
            }
        }
    }
    if let Ok(text) = safe_read::read_to_string(&crate_dir.join("Cargo.toml"))
        && let Ok(doc) = text.parse::<toml_edit::DocumentMut>()
    {
        let mut explicit = |item: Option<&toml_edit::Item>| {
            if let Some(path) = item.and_then(toml_edit::Item::as_str) {
                roots.push(crate_dir.join(path));
            }
        };
        explicit(doc.get("lib").and_then(|l| l.get("path")));
        explicit(doc.get("package").and_then(|p| p.get("build")));
        let kinds: &[&str] = match test_targets {
            true => &["bin", "example", "test", "bench"],
            false => &["bin"],
        };
        for kind in kinds {
            if let Some(tables) = doc.get(kind).and_then(toml_edit::Item::as_array_of_tables) {
                for table in tables {
                    explicit(table.get("path"));
                }
            }
        }
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    #[test]
    fn only_files_that_may_declare_a_module_file_are_parsed() {
        // Breaches: `mod x;` however its tokens are separated, and under `#[cfg(test)]`.
        for src in [
            "mod a;",
            "pub mod a ;",
            "#[cfg(test)]\nmod tests;",
            "mod /* c */ a;",
            "mod a // c\n;",
            "mod r#a;",
            "mod\u{0b}a;",
            "mod é;",
            "fn f() {}\nmod a {\n    mod b;\n}",
        ] {
            assert!(may_declare_a_module_file(src.as_bytes()), "{src:?}");
        }
        // Clean twins: inline modules, and `mod` inside longer identifiers.
        for src in [
            "mod tests {\n    fn a() {}\n}",
            "#[cfg(test)]\nmod tests\n{\n}",
            "let mode = model::modulo(1);",
            "",
        ] {
            assert!(!may_declare_a_module_file(src.as_bytes()), "{src:?}");
            let modules = Modules::parse(&tokenize(src));
            assert!(modules.decls.iter().all(|d| d.inline), "{src:?}");
        }
    }

    fn dirs(src: &str, kind: FileKind) -> Vec<(String, Vec<String>)> {
        let tokens = tokenize(src);
        let modules = Modules::parse(&tokens);
        modules
            .decls
            .iter()
            .map(|d| {
                let dirs = modules
                    .module_dirs(&modules.enclosing(d.scope), Path::new("/c/src"), &kind, "a")
                    .into_iter()
                    .map(|r| r.dir.display().to_string())
                    .collect();
                (d.name.clone(), dirs)
            })
            .collect()
    }

    #[test]
    fn inline_modules_add_directories_and_blocks_drop_the_owed_one() {
        let src = r#"
            mod top;
            mod o1 { mod o2 { #[path = "n.rs"] pub mod n; } }
            fn f() { mod blk { #[path = "y.rs"] mod y; } }
            #[path = "pp"] mod o3 { #[path = "k.rs"] mod k; }
            mod holder { #![path = "d"] pub mod z; }
        "#;
        let non_mod_rs = dirs(src, FileKind::NonModRs);
        let get = |name: &str, set: &[(String, Vec<String>)]| {
            set.iter().find(|(n, _)| n == name).unwrap().1.clone()
        };
        assert_eq!(get("top", &non_mod_rs), ["/c/src"]);
        assert_eq!(get("n", &non_mod_rs), ["/c/src/a/o1/o2"]);
        assert_eq!(get("y", &non_mod_rs), ["/c/src/blk"]);
        assert_eq!(get("k", &non_mod_rs), ["/c/src/pp"]);
        assert_eq!(get("z", &non_mod_rs), ["/c/src/d"]);
        let mod_rs = dirs(src, FileKind::ModRs);
        assert_eq!(get("n", &mod_rs), ["/c/src/o1/o2"]);
    }

    #[test]
    fn conditional_paths_keep_every_reading() {
        let src = r#"#[cfg_attr(unix, path = "u")] mod p { #[path = "x.rs"] mod x; }"#;
        let found = dirs(src, FileKind::ModRs);
        assert_eq!(found[1].1, ["/c/src/u", "/c/src/p"]);
        let plain = Modules::parse(&tokenize(
            r#"#[derive(Template)] #[template(path = "t.html")] struct S;"#,
        ));
        assert!(plain.decls.is_empty());
        assert_eq!(plain.other_paths.len(), 1);
    }

    #[test]
    fn the_module_tree_tells_how_a_file_is_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "Cargo.toml",
            "[package]\nname = \"m\"\nversion = \"0.1.0\"\n",
        );
        write(
            "src/lib.rs",
            "mod a;\n#[path = \"p/loaded.rs\"] mod loaded;\nmod both;\n#[path = \"both.rs\"] mod again;\nmod d;\n",
        );
        write("src/a.rs", "mod b;\n");
        write("src/a/b.rs", "");
        write("src/p/loaded.rs", "");
        write("src/both.rs", "");
        write("src/d/mod.rs", "");
        write("src/dead.rs", "");
        let kinds = |file: &str| -> Vec<FileKind> {
            loading_kinds(&root, &root.join(file)).into_iter().collect()
        };
        assert_eq!(kinds("src/lib.rs"), [FileKind::ModRs]);
        assert_eq!(kinds("src/a.rs"), [FileKind::NonModRs]);
        assert_eq!(kinds("src/a/b.rs"), [FileKind::NonModRs]);
        assert_eq!(kinds("src/p/loaded.rs"), [FileKind::ModRs]);
        assert_eq!(kinds("src/both.rs"), [FileKind::ModRs, FileKind::NonModRs]);
        assert_eq!(kinds("src/d/mod.rs"), [FileKind::ModRs]);
        assert!(kinds("src/dead.rs").is_empty());
    }

    #[test]
    fn a_walk_another_thread_makes_is_waited_for_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "Cargo.toml",
            "[package]\nname = \"m\"\nversion = \"0.1.0\"\n",
        );
        write("src/lib.rs", "mod a;\n#[cfg(test)]\nmod tests;\n");
        write("src/a.rs", "");
        write("src/tests.rs", "");
        let trees = Trees::default();
        // Another thread has started the walk of the compiled targets and not finished it.
        let busy = Arc::new(Walk::default());
        busy.claimed.store(true, Ordering::Relaxed);
        trees
            .walks
            .lock()
            .unwrap()
            .insert((root.clone(), Targets::CompiledByDependents), busy.clone());
        let tests = root.join("src/tests.rs");
        assert_eq!(trees.only_under_cfg_test(&root, &tests, false), None);
        // Asked again, waiting: the walk is made (by whoever gets to it) and answers.
        assert_eq!(trees.only_under_cfg_test(&root, &tests, true), Some(true));
        assert_eq!(
            trees.only_under_cfg_test(&root, &root.join("src/a.rs"), false),
            Some(false)
        );
    }
}
