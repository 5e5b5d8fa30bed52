//! The file scan. A full scan visits every file of the workspace that git tracks or would track
//! (`select`): client files for file references, symlinks and secrets; every other file (shared
//! crates, the root, scripts, CI files, docs) for secrets, and shared crates' Rust files for
//! references that land in a client. Files are read without ever blocking (`read`) and scanned
//! in parallel.

pub mod lexer;
pub mod read;
pub mod references;
pub mod secrets;
pub mod select;

use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::location::Location;
use camino::Utf8PathBuf;
use references::Reference;
use secrets::Secret;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub use read::MAX_FILE_BYTES;
pub use select::TargetDirs;

/// Where something outside a client's directory lands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "in", content = "client", rename_all = "kebab-case")]
pub enum Landing {
    /// Inside another client's directory.
    Client(String),
    /// Elsewhere in the workspace (shared crates, the root).
    Shared,
    /// Outside the workspace.
    Outside,
}

/// Something a file does that the rules judge.
#[derive(Debug, Clone)]
pub enum Finding {
    /// A client's file pulls in a file outside the client.
    Reference {
        client: String,
        location: Location,
        reference: Reference,
        landing: Landing,
    },
    /// A Rust file of a crate outside every client (a shared crate) pulls in a client's file:
    /// every client that compiles the crate compiles that client's file.
    SharedReference {
        /// The directory of the crate the file belongs to.
        crate_dir: PathBuf,
        /// The client whose file is pulled in.
        client: String,
        location: Location,
        reference: Reference,
    },
    Symlink {
        client: String,
        location: Location,
        target: PathBuf,
        landing: Landing,
    },
    /// A secret in any file; `client` is `None` outside every client's directory.
    Secret {
        client: Option<String>,
        location: Location,
        secret: Secret,
    },
}

impl Finding {
    pub fn location(&self) -> &Location {
        match self {
            Finding::Reference { location, .. }
            | Finding::SharedReference { location, .. }
            | Finding::Symlink { location, .. }
            | Finding::Secret { location, .. } => location,
        }
    }
}

/// What a scan found, and what it could not look at.
#[derive(Debug, Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    /// Files scanned.
    pub files: usize,
    /// Files skipped (binary, too large, special), one line each.
    pub notes: Vec<String>,
    /// The files in git's index (a full scan in a git work tree), for `env-file-committed`.
    pub tracked: Option<Vec<PathBuf>>,
    /// The target directories a full scan skipped.
    pub target_dirs: TargetDirs,
    /// `Cargo.lock` files left for [`ScanOutput::scan_deferred`].
    pub deferred: Vec<PathBuf>,
}

/// Scan every file of the workspace (see [`select`]), skipping only `target_dirs`. With
/// `defer_lockfiles`, `Cargo.lock` files are left for [`ScanOutput::scan_deferred`]: a scan that
/// runs while `cargo metadata` does would race with cargo writing them.
pub fn scan_workspace(
    layout: &Layout,
    target_dirs: &TargetDirs,
    defer_lockfiles: bool,
) -> Result<ScanOutput> {
    let mut selection = select::select(&layout.root, target_dirs)?;
    let mut deferred = Vec::new();
    if defer_lockfiles {
        selection.files.retain(|f| {
            let lock = f.file_name().is_some_and(|n| n == "Cargo.lock");
            if lock {
                deferred.push(f.clone());
            }
            !lock
        });
    }
    let crate_dirs = selection
        .files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "Cargo.toml"))
        .filter_map(|f| f.parent().map(Path::to_owned))
        .collect();
    let context = Context {
        layout,
        crate_dirs: CrateDirs::Listed(crate_dirs),
    };
    let mut output = scan_parallel(&context, &selection.files)?;
    output.notes.extend(selection.notes);
    output.tracked = selection.tracked;
    output.target_dirs = target_dirs.clone();
    output.deferred = deferred;
    output.sort();
    Ok(output)
}

/// Scan only `files` (those inside the workspace; a directory or a missing file is not one).
pub fn scan_files(layout: &Layout, files: &[PathBuf]) -> Result<ScanOutput> {
    let mut paths = Vec::new();
    for file in files {
        // Resolve the directory, not the file: a symlink is judged as the link it is.
        let (Some(parent), Some(name)) = (file.parent(), file.file_name()) else {
            continue;
        };
        let Ok(parent) = parent.canonicalize() else {
            continue;
        };
        let path = parent.join(name);
        match path.symlink_metadata() {
            Ok(meta) if !meta.is_dir() && path.starts_with(&layout.root) => paths.push(path),
            _ => {}
        }
    }
    let context = Context {
        layout,
        crate_dirs: CrateDirs::OnDisk,
    };
    let mut output = scan_parallel(&context, &paths)?;
    output.sort();
    Ok(output)
}

impl ScanOutput {
    /// Scan the files [`scan_workspace`] deferred (cargo has run since).
    pub fn scan_deferred(&mut self, layout: &Layout) -> Result<()> {
        if self.deferred.is_empty() {
            return Ok(());
        }
        let deferred = std::mem::take(&mut self.deferred);
        let context = Context {
            layout,
            crate_dirs: CrateDirs::OnDisk,
        };
        let more = scan_parallel(&context, &deferred)?;
        self.append(more);
        self.sort();
        Ok(())
    }

    fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            let key = |f: &Finding| (f.location().file.clone(), f.location().span.start);
            key(a).cmp(&key(b))
        });
        self.notes.sort();
    }

    fn append(&mut self, mut other: ScanOutput) {
        self.files += other.files;
        self.findings.append(&mut other.findings);
        self.notes.append(&mut other.notes);
    }
}

/// What a file's scan needs to know about the workspace.
struct Context<'a> {
    layout: &'a Layout,
    crate_dirs: CrateDirs,
}

/// How to find the crate a file outside the clients belongs to.
enum CrateDirs {
    /// The directories holding a `Cargo.toml` among the selected files.
    Listed(HashSet<PathBuf>),
    /// Look for a `Cargo.toml` on disk (incremental runs, a few files).
    OnDisk,
}

impl Context<'_> {
    /// The innermost directory above `path` with a `Cargo.toml`, inside the workspace.
    fn crate_dir(&self, path: &Path) -> Option<PathBuf> {
        path.ancestors()
            .skip(1)
            .take_while(|d| d.starts_with(&self.layout.root))
            .find(|d| match &self.crate_dirs {
                CrateDirs::Listed(dirs) => dirs.contains(*d),
                CrateDirs::OnDisk => d.join("Cargo.toml").is_file(),
            })
            .map(Path::to_owned)
    }
}

/// Scan `files` on every core; the first error stops the others.
fn scan_parallel(context: &Context, files: &[PathBuf]) -> Result<ScanOutput> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(files.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Vec<Result<ScanOutput>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = ScanOutput::default();
                    while !failed.load(Ordering::Relaxed) {
                        let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            break;
                        };
                        if let Err(e) = scan_path(context, file, &mut out) {
                            failed.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut output = ScanOutput::default();
    for result in results {
        output.append(result?);
    }
    Ok(output)
}

/// Scan one path of the workspace (a file, a symlink or a special file).
fn scan_path(context: &Context, path: &Path, out: &mut ScanOutput) -> Result<()> {
    let layout = context.layout;
    let area = layout.owner(path);
    let file = display_path(path);
    let meta = match path.symlink_metadata() {
        Ok(meta) => meta,
        // Tracked but deleted in the work tree: nothing here to read (history has it).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(file, e)),
    };
    if meta.file_type().is_symlink() {
        let Some(area) = area else {
            return Ok(());
        };
        let link = std::fs::read_link(path).map_err(|e| Error::io(file.clone(), e))?;
        let target = resolve(&path.parent().unwrap_or(&area.dir).join(link));
        if !target.starts_with(&area.dir) {
            let landing = landing(layout, &target);
            out.findings.push(Finding::Symlink {
                client: area.name.clone(),
                location: Location::start_of(&file),
                target,
                landing,
            });
        }
        return Ok(());
    }
    if meta.is_dir() {
        return Ok(());
    }
    let bytes = match read::read(path, &meta).map_err(|e| Error::io(file.clone(), e))? {
        read::Contents::Text(bytes) => bytes,
        read::Contents::Skipped(why) => {
            out.notes
                .push(format!("skipped {}: {why}", layout.display(path)));
            return Ok(());
        }
    };
    out.files += 1;
    let text = String::from_utf8_lossy(&bytes);
    let mut secrets = secrets::find(&bytes);
    if path.extension().is_some_and(|e| e == "rs") {
        let joined = match area {
            Some(area) => client_rust_file(context, area, path, &file, &text, out),
            None => shared_rust_file(context, path, &file, &text, out),
        };
        for secret in joined {
            if !secrets
                .iter()
                .any(|s| s.start <= secret.start && secret.start < s.end.max(s.start + 1))
            {
                secrets.push(secret);
            }
        }
    }
    for secret in secrets {
        let location = Location::from_span(&file, &text, secret.start..secret.end);
        out.findings.push(Finding::Secret {
            client: area.map(|a| a.name.clone()),
            location,
            secret,
        });
    }
    Ok(())
}

/// A client's Rust file: references that leave the client; returns the secrets its assembled
/// literals hold.
fn client_rust_file(
    context: &Context,
    area: &crate::layout::Area,
    path: &Path,
    file: &Utf8PathBuf,
    text: &str,
    out: &mut ScanOutput,
) -> Vec<Secret> {
    let layout = context.layout;
    let is_build_script = path == area.dir.join("build.rs");
    let rust = RustFile::scan(text, path, &area.dir, is_build_script);
    for reference in rust.references {
        if reference.resolved.starts_with(&area.dir) {
            continue;
        }
        let resolved = resolve(&reference.resolved);
        if resolved.starts_with(&area.dir) {
            continue;
        }
        let landing = landing(layout, &resolved);
        if landing == Landing::Outside {
            continue;
        }
        let location = Location::from_span(file, text, reference.start..reference.end);
        out.findings.push(Finding::Reference {
            client: area.name.clone(),
            location,
            reference,
            landing,
        });
    }
    rust.joined_secrets
}

/// A Rust file outside every client: the references of its crate that land in a client;
/// returns the secrets its assembled literals hold.
fn shared_rust_file(
    context: &Context,
    path: &Path,
    file: &Utf8PathBuf,
    text: &str,
    out: &mut ScanOutput,
) -> Vec<Secret> {
    let Some(crate_dir) = context.crate_dir(path) else {
        // Not part of any crate: cargo compiles it nowhere. Its secrets still count.
        return RustFile::scan(text, path, path.parent().unwrap_or(path), false).joined_secrets;
    };
    let is_build_script = path == crate_dir.join("build.rs");
    let rust = RustFile::scan(text, path, &crate_dir, is_build_script);
    for reference in rust.references {
        let resolved = resolve(&reference.resolved);
        if let Landing::Client(client) = landing(context.layout, &resolved) {
            let location = Location::from_span(file, text, reference.start..reference.end);
            out.findings.push(Finding::SharedReference {
                crate_dir: crate_dir.clone(),
                client,
                location,
                reference,
            });
        }
    }
    rust.joined_secrets
}

/// What a Rust file must contain to hold a file reference: an include macro, or `path =`
/// inside an attribute.
pub const REFERENCE_HINT_SOURCE: &str = r"include(?:_str|_bytes)?\s*!|#\s*!?\s*\[[^\]]*\bpath\s*=";

static REFERENCE_HINT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(REFERENCE_HINT_SOURCE).expect("hint pattern compiles")
});

/// What a Rust file references, and secrets that only appear once its string literals are
/// assembled (escapes processed, `concat!` joined).
struct RustFile {
    references: Vec<Reference>,
    joined_secrets: Vec<Secret>,
}

impl RustFile {
    fn scan(text: &str, path: &Path, crate_dir: &Path, is_build_script: bool) -> RustFile {
        let bytes = text.as_bytes();
        // Tokenize only files that can hold what is looked for: an include macro or a `path =`
        // inside an attribute, or a fragment of a secret that literals might assemble.
        let wants_refs = is_build_script || REFERENCE_HINT.is_match(text);
        let wants_joins = secrets::NEEDLES
            .iter()
            .any(|n| memchr::memmem::find(bytes, n).is_some());
        if !(wants_refs || wants_joins) {
            return RustFile {
                references: Vec::new(),
                joined_secrets: Vec::new(),
            };
        }
        let tokens = lexer::tokenize(text);
        let references = if wants_refs {
            references::find(&tokens, path, crate_dir, is_build_script)
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
        }
    }
}

/// String literals whose value differs from their source text (escapes), and the joined
/// literals of each `concat!(..)`, with the source range they come from.
fn assembled_literals(text: &str, tokens: &[lexer::Spanned]) -> Vec<(String, usize, usize)> {
    use lexer::Token;
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

/// Canonical form when the path exists (symlinks resolved), else the lexical normal form.
fn resolve(path: &Path) -> PathBuf {
    let normal = references::normalize(path);
    normal.canonicalize().unwrap_or(normal)
}

fn landing(layout: &Layout, target: &Path) -> Landing {
    match layout.owner(target) {
        Some(area) => Landing::Client(area.name.clone()),
        None if target.starts_with(&layout.root) => Landing::Shared,
        None => Landing::Outside,
    }
}

/// The path as reports show it; a name that is not UTF-8 is shown by its lossy form rather
/// than stopping the run.
fn display_path(path: &Path) -> Utf8PathBuf {
    match Utf8PathBuf::from_path_buf(path.to_owned()) {
        Ok(path) => path,
        Err(path) => Utf8PathBuf::from(path.to_string_lossy().into_owned()),
    }
}
