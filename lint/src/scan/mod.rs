//! The file scan. A full scan visits every file of the workspace that git tracks or would track
//! (`select`): client files for file references (Rust files through [`rust`], cargo
//! configuration through [`cargo_config`]), symlinks and secrets; every other file
//! (shared crates, the root, scripts, CI files, docs) for secrets, and shared crates' Rust files
//! for references that land in a client. A `--client`/`--shard` run visits only its clients'
//! files (and the files outside every client when it reports on them). Files are read without
//! ever blocking (`read`) and scanned in parallel.

pub(crate) mod cargo_config;
pub mod cfg_test;
pub mod doctest;
pub mod lexer;
pub mod modules;
pub mod out_dir;
pub mod prefilter;
pub mod references;
pub mod rust;
pub mod select;
pub(crate) mod targets;

use crate::error::{Error, IoAction, Result};
use crate::input::read;
use crate::input::staged::Staged;
use crate::location::{Location, resolve};
use crate::model::layout::{Area, CrateOf, Layout};
use crate::secrets::{self, Secret};
use camino::Utf8PathBuf;
use references::Reference;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub use crate::model::layout::Landing;
pub use rust::REFERENCE_HINT_SOURCE;
pub use select::TargetDirs;

/// Whose file a reference is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A client's: the client's name.
    Client(String),
    /// A file outside every client: the directory of the crate it belongs to (for cargo
    /// configuration, the directory whose cargo runs read it; for a file outside every crate,
    /// the workspace root).
    Shared(PathBuf),
}

impl Owner {
    /// The client's name, for a client's file.
    pub fn client(&self) -> Option<&str> {
        match self {
            Owner::Client(name) => Some(name),
            Owner::Shared(_) => None,
        }
    }

    /// Whether a reference that lands at `landing` leaves what its owner may reach: a client's
    /// anywhere in the workspace (the scan keeps only references that leave the client), a
    /// file's outside the clients only into a client.
    pub fn is_breached_by(&self, landing: &Landing) -> bool {
        match self {
            Owner::Client(_) => *landing != Landing::Outside,
            Owner::Shared(_) => matches!(landing, Landing::Client(_)),
        }
    }
}

/// Something a file does that the rules judge.
#[derive(Debug, Clone)]
pub enum Finding {
    /// A file pulls in (or, as a symlink, is) a file its owner must not reach: a client's file
    /// one outside the client; a file outside every client (a shared crate's) a client's file,
    /// which every client that compiles the crate then compiles.
    Reference {
        owner: Owner,
        location: Location,
        reference: Reference,
        landing: Landing,
    },
    /// A secret in any file.
    Secret {
        owner: Owner,
        location: Location,
        secret: Secret,
        /// In code only the crate's own tests, benchmarks or examples compile (its `tests/`,
        /// `benches/`, `examples/`, a `#[cfg(test)]` item), never a crate that depends on it.
        test_only: bool,
    },
}

impl Finding {
    pub fn location(&self) -> &Location {
        match self {
            Finding::Reference { location, .. } | Finding::Secret { location, .. } => location,
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
    /// Whether this scan left every `Cargo.lock` for [`ScanOutput::scan_deferred`].
    pub lockfiles_deferred: bool,
    /// Secret findings (index, file) whose test-only flag waits for a module walk.
    pending_test_only: Vec<(usize, PathBuf)>,
}

/// Scan every file of the workspace (see `select.rs`), skipping only `target_dirs`, the files of
/// the clients `client_selected` does not keep (`--client`, `--shard`; the other clients stay in
/// the layout, so a reference into them is still recognised) and, unless `outside`, the files
/// outside every client. With `defer_lockfiles`, `Cargo.lock` files are left for
/// [`ScanOutput::scan_deferred`]: a scan that runs while `cargo metadata` does would race with
/// cargo writing them.
pub fn scan_workspace(
    layout: &Layout,
    target_dirs: &TargetDirs,
    defer_lockfiles: bool,
    client_selected: &dyn Fn(&str) -> bool,
    outside: bool,
) -> Result<ScanOutput> {
    let mut selection = select::select(&layout.root, target_dirs)?;
    selection.files.retain(|f| match layout.owner(f) {
        Some(area) => client_selected(&area.name),
        None => outside,
    });
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
    // Beside a running `cargo metadata` (which lockfiles are deferred for), leave cargo a core
    // while it runs (cargo is what the run waits for), and take it once cargo is done.
    let mut output = scan_parallel(
        layout,
        &selection.files,
        &HashMap::new(),
        usize::from(defer_lockfiles),
    )?;
    output.notes.extend(selection.notes);
    output.tracked = selection.tracked;
    output.target_dirs = target_dirs.clone();
    output.deferred = deferred;
    output.lockfiles_deferred = defer_lockfiles;
    output.sort();
    Ok(output)
}

/// Scan only `files` (those inside the workspace; a directory or a missing file is not one).
/// With `staged`, a file it holds is scanned as the index holds it (what the commit will
/// contain), whatever the working tree holds now.
pub fn scan_files(
    layout: &Layout,
    files: &[PathBuf],
    staged: Option<HashMap<PathBuf, Staged>>,
) -> Result<ScanOutput> {
    let mut staged = staged.unwrap_or_default();
    let mut contents = HashMap::new();
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
        if !path.starts_with(&layout.root) {
            continue;
        }
        if let Some(content) = staged.remove(file) {
            contents.insert(path.clone(), content);
            paths.push(path);
            continue;
        }
        match path.symlink_metadata() {
            Ok(meta) if !meta.is_dir() => paths.push(path),
            _ => {}
        }
    }
    let mut output = scan_parallel(layout, &paths, &contents, 0)?;
    output.sort();
    Ok(output)
}

impl ScanOutput {
    /// Scan the files [`scan_workspace`] deferred (cargo has run since), and the lock files in
    /// `written_by_cargo` that exist now (cargo may have created them after the listing).
    pub fn scan_deferred(&mut self, layout: &Layout, written_by_cargo: &[PathBuf]) -> Result<()> {
        let mut deferred = std::mem::take(&mut self.deferred);
        let candidates = if self.lockfiles_deferred {
            written_by_cargo
        } else {
            &[]
        };
        for lock in candidates {
            let regular = lock
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_file());
            if regular && !deferred.contains(lock) {
                deferred.push(lock.clone());
            }
        }
        if deferred.is_empty() {
            return Ok(());
        }
        let more = scan_parallel(layout, &deferred, &HashMap::new(), 0)?;
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

/// Whether a `cargo metadata` the check started is still running. A scan beside it
/// (`scan_workspace` with deferred lock files) leaves cargo a core until cargo is done, then
/// takes that core too. Only the pace of a scan depends on it, never what it finds.
pub static CARGO_RUNNING: AtomicBool = AtomicBool::new(false);

/// Scan `files` on every core, `spare` of them only once [`CARGO_RUNNING`] is false (those in
/// `staged` as the index holds them); the first error stops the others.
fn scan_parallel(
    layout: &Layout,
    files: &[PathBuf],
    staged: &HashMap<PathBuf, Staged>,
    spare: usize,
) -> Result<ScanOutput> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(files.len())
        .max(1);
    let eager = workers.saturating_sub(spare).max(1);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    // Each crate's module tree is walked once for the whole scan.
    let trees = modules::Trees::default();
    let results: Vec<Result<ScanOutput>> = std::thread::scope(|scope| {
        let (next, failed, trees) = (&next, &failed, &trees);
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    let mut out = ScanOutput::default();
                    while !failed.load(Ordering::Relaxed) {
                        // A spare worker waits for cargo's core, or for the others to finish.
                        if worker >= eager && CARGO_RUNNING.load(Ordering::Relaxed) {
                            if next.load(Ordering::Relaxed) >= files.len() {
                                break;
                            }
                            std::thread::sleep(std::time::Duration::from_millis(2));
                            continue;
                        }
                        let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            break;
                        };
                        if let Err(e) = scan_path(layout, trees, file, staged.get(file), &mut out) {
                            failed.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                    settle_test_only(layout, trees, &mut out);
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

/// What a path holds: a symlink's target, or a file's contents.
enum Held {
    Symlink(PathBuf),
    Contents(read::Contents),
}

/// Scan one path of the workspace (a file, a symlink or a special file), or its staged
/// content when `staged` is given.
fn scan_path(
    layout: &Layout,
    trees: &modules::Trees,
    path: &Path,
    staged: Option<&Staged>,
    out: &mut ScanOutput,
) -> Result<()> {
    let area = layout.owner(path);
    let file = display_path(path);
    let is_rust = path.extension().is_some_and(|e| e == "rs");
    let is_config = crate::input::manifest::is_config_file(path);
    let held = match staged {
        Some(Staged::Submodule) => return Ok(()),
        Some(Staged::Symlink(link)) => Held::Symlink(link.clone()),
        Some(Staged::File(contents)) => Held::Contents(match contents {
            read::Contents::Text(bytes) => read::Contents::Text(bytes.clone()),
            read::Contents::Skipped(why) => read::Contents::Skipped(why.clone()),
        }),
        None => {
            let meta = match path.symlink_metadata() {
                Ok(meta) => meta,
                // Tracked but deleted in the work tree: nothing here to read (history has it).
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(Error::io(IoAction::Read, file, e)),
            };
            if meta.file_type().is_symlink() {
                Held::Symlink(
                    std::fs::read_link(path)
                        .map_err(|e| Error::io(IoAction::Read, file.clone(), e))?,
                )
            } else if meta.is_dir() {
                return Ok(());
            } else {
                // What rustc or cargo reads whatever it holds is read whatever it holds.
                let contents = if is_rust || is_config {
                    read::read_source(path, &meta)
                } else {
                    read::read(path, &meta)
                };
                Held::Contents(contents.map_err(|e| Error::io(IoAction::Read, file.clone(), e))?)
            }
        }
    };
    let contents = match held {
        Held::Contents(contents) => contents,
        Held::Symlink(link) => {
            symlink(layout, area, path, &file, &link, out);
            return Ok(());
        }
    };
    let bytes = match contents {
        read::Contents::Text(bytes) => bytes,
        read::Contents::Skipped(why) => {
            out.notes
                .push(format!("skipped {}: {why}", layout.display(path)));
            return Ok(());
        }
    };
    out.files += 1;
    // Valid UTF-8 (nearly every file) is checked by `from_utf8`'s word-at-a-time pass;
    // `from_utf8_lossy` walks byte by byte even when there is nothing to replace.
    let text = std::str::from_utf8(&bytes).map_or_else(
        |_| String::from_utf8_lossy(&bytes),
        std::borrow::Cow::Borrowed,
    );
    let (mut secrets, candidates) = secrets::find_with_candidates(&bytes);
    let mut test_only = Vec::new();
    if is_rust {
        let plain = rust::Plain {
            candidates,
            found: !secrets.is_empty(),
        };
        let (joined, test_items) = rust_file(layout, area, path, &file, &text, plain, out)?;
        test_only = test_items;
        for secret in joined {
            if !secrets
                .iter()
                .any(|s| s.start <= secret.start && secret.start < s.end.max(s.start + 1))
            {
                secrets.push(secret);
            }
        }
    } else if is_config {
        cargo_config(layout, area, path, &file, &text, out)?;
    } else if !is_manifest_or_lock(path) {
        other_text_file(layout, area, path, &file, &text, out)?;
    }
    if path.extension().is_some_and(|e| e == "toml") {
        secrets.extend(secrets::in_toml_strings(&text));
    }
    // `None`: another worker is walking the crate's module tree; told after the scan.
    let test_target = match secrets.is_empty() {
        true => Some(false),
        false => in_test_target(layout, trees, path, is_rust, false),
    };
    for secret in secrets {
        let location = Location::from_span(&file, &text, secret.start..secret.end);
        let in_item = test_only.iter().any(|r| r.contains(&secret.start));
        if test_target.is_none() && !in_item {
            out.pending_test_only
                .push((out.findings.len(), path.to_owned()));
        }
        let test_only = test_target == Some(true) || in_item;
        let owner = match area {
            Some(area) => Owner::Client(area.name.clone()),
            None => Owner::Shared(
                layout
                    .package_of(path)
                    .map_or_else(|| layout.root.clone(), |krate| krate.dir),
            ),
        };
        out.findings.push(Finding::Secret {
            owner,
            location,
            secret,
            test_only,
        });
    }
    Ok(())
}

/// Is `path` below its package's `tests/`, `benches/` or `examples/` (targets only the
/// package's own `cargo test`, `bench` or `run --example` build), or a Rust file its module
/// tree reaches only through `#[cfg(test)]` modules (`#[cfg(test)] mod tests;`)?
fn in_test_target(
    layout: &Layout,
    trees: &modules::Trees,
    path: &Path,
    is_rust: bool,
    wait: bool,
) -> Option<bool> {
    let Some(krate) = layout.package_of(path) else {
        return Some(false);
    };
    let below_test_dir = path
        .strip_prefix(&krate.dir)
        .ok()
        .and_then(|rest| rest.components().next())
        .is_some_and(|first| {
            let first = first.as_os_str();
            first == "tests" || first == "benches" || first == "examples"
        });
    if below_test_dir || !is_rust {
        return Some(below_test_dir);
    }
    trees.only_under_cfg_test(&krate.dir, path, wait)
}

/// Tell the findings [`scan_path`] left pending whether they are test-only code, waiting for
/// the module walks other workers were making.
fn settle_test_only(layout: &Layout, trees: &modules::Trees, out: &mut ScanOutput) {
    for (index, path) in std::mem::take(&mut out.pending_test_only) {
        let test = in_test_target(layout, trees, &path, true, true) == Some(true);
        if let Some(Finding::Secret { test_only, .. }) = out.findings.get_mut(index) {
            *test_only |= test;
        }
    }
}

/// `Cargo.toml` and `Cargo.lock`: cargo reads them as TOML, never as Rust.
fn is_manifest_or_lock(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == "Cargo.toml" || n == "Cargo.lock")
}

/// The error for a file whose path expressions take more evaluation than the scan allows.
fn too_complex(layout: &Layout, path: &Path) -> Error {
    Error::Layout {
        message: format!(
            "{}: its path expressions take more evaluation than any real source does, so what it reads cannot be told",
            layout.display(path)
        ),
        help: Some(
            "write the paths it reads as literals (or `concat!` of literals and `env!(\"CARGO_MANIFEST_DIR\")`)"
                .into(),
        ),
    }
}

/// A symlink: a client's that leaves the client, or one outside every client, inside a
/// package, that points into a client (the package compiles, or its build reads, that client's
/// file, and every client that compiles the package carries it).
fn symlink(
    layout: &Layout,
    area: Option<&Area>,
    path: &Path,
    file: &Utf8PathBuf,
    link: &Path,
    out: &mut ScanOutput,
) {
    let (owner, home) = match area {
        Some(area) => (Owner::Client(area.name.clone()), area.dir.as_path()),
        None => match layout.package_of(path) {
            Some(krate) => (Owner::Shared(krate.dir), layout.root.as_path()),
            None => return,
        },
    };
    let target = resolve(&path.parent().unwrap_or(home).join(link));
    let landing = layout.landing(&target);
    // A client's symlink may not leave the client at all, not even for a path outside the
    // workspace.
    let breach = match owner {
        Owner::Client(_) => !target.starts_with(home),
        Owner::Shared(_) => owner.is_breached_by(&landing),
    };
    if !breach {
        return;
    }
    out.findings.push(Finding::Reference {
        owner,
        location: Location::start_of(file),
        reference: Reference {
            via: references::Via::Symlink,
            written: link.to_string_lossy().into_owned(),
            resolved: target,
            partial: false,
            reading: references::Reading::Always,
            start: 0,
            end: 0,
        },
        landing,
    });
}

/// The owner of a file, and the directory its references are judged from: a client's file
/// stays in its client's directory; a file outside every client has no directory of its own
/// to stay in, so every reference is judged by where it lands, and the file itself is its only
/// "home". `None`: a file outside every package, which cargo compiles nowhere.
fn owner_of<'a>(
    layout: &Layout,
    area: Option<&'a Area>,
    path: &'a Path,
) -> Option<(Owner, &'a Path, CrateOf)> {
    match area {
        Some(area) => Some((
            Owner::Client(area.name.clone()),
            area.dir.as_path(),
            layout.crate_of(area, path),
        )),
        None => {
            let krate = layout.package_of(path)?;
            Some((Owner::Shared(krate.dir.clone()), path, krate))
        }
    }
}

/// A cargo configuration file. A client's is read from the client's directory. One outside
/// every client (the root's, or one in `clients/`) is read by every cargo run below its
/// directory, so a path in it that lands in a client reaches that client from every other
/// client below it.
fn cargo_config(
    layout: &Layout,
    area: Option<&Area>,
    path: &Path,
    file: &Utf8PathBuf,
    text: &str,
    out: &mut ScanOutput,
) -> Result<()> {
    let (owner, home) = match area {
        Some(area) => (Owner::Client(area.name.clone()), area.dir.as_path()),
        None => {
            let base = path.parent().and_then(Path::parent).unwrap_or(&layout.root);
            (Owner::Shared(base.to_owned()), path)
        }
    };
    let references = cargo_config::references(file, text, home, &layout.root)?;
    push_references(layout, &owner, file, text, references, out);
    Ok(())
}

/// A text file that is neither Rust nor cargo's own: read as the Rust it can be compiled as
/// (`include!("gen.txt")`, `#[path = "x.txt"]`, a README included as documentation). A
/// client's file must not name an existing path outside the client; a file of a shared crate
/// must not name a client's.
fn other_text_file(
    layout: &Layout,
    area: Option<&Area>,
    path: &Path,
    file: &Utf8PathBuf,
    text: &str,
    out: &mut ScanOutput,
) -> Result<()> {
    let Some((owner, home, krate)) = owner_of(layout, area, path) else {
        return Ok(());
    };
    let found = rust::scan_other(path, text, home, &krate.dir);
    if found.too_complex {
        return Err(too_complex(layout, path));
    }
    push_references(layout, &owner, file, text, found.references, out);
    Ok(())
}

/// A Rust file: the references that leave its owner; returns the secrets its assembled
/// literals hold, and its `#[cfg(test)]` items.
fn rust_file(
    layout: &Layout,
    area: Option<&Area>,
    path: &Path,
    file: &Utf8PathBuf,
    text: &str,
    plain: rust::Plain,
    out: &mut ScanOutput,
) -> Result<(Vec<Secret>, Vec<std::ops::Range<usize>>)> {
    let Some((owner, home, krate)) = owner_of(layout, area, path) else {
        // Not part of any package: cargo compiles it nowhere. Its secrets still count.
        let dir = path.parent().unwrap_or(path);
        let rust = rust::scan(path, text, path, dir, false, plain);
        return Ok((rust.joined_secrets, rust.test_only));
    };
    let rust = rust::scan(path, text, home, &krate.dir, krate.is_build_script, plain);
    if rust.too_complex {
        return Err(too_complex(layout, path));
    }
    push_references(layout, &owner, file, text, rust.references, out);
    if krate.is_proc_macro {
        let found = references::proc_macro_reads(text, &krate.dir, home);
        if found.too_complex {
            return Err(too_complex(layout, path));
        }
        // What it names in the shared tree is most likely a name, not a path: another
        // client's file is what a proc macro must not read.
        let into_clients = found
            .references
            .into_iter()
            .filter(|r| matches!(layout.landing(&r.resolved), Landing::Client(_)))
            .collect();
        push_references(layout, &owner, file, text, into_clients, out);
    }
    Ok((rust.joined_secrets, rust.test_only))
}

/// Findings for the `references` of `file` that leave `owner` (see [`Owner::is_breached_by`]).
fn push_references(
    layout: &Layout,
    owner: &Owner,
    file: &Utf8PathBuf,
    text: &str,
    references: Vec<Reference>,
    out: &mut ScanOutput,
) {
    for reference in references {
        let location = Location::from_span(file, text, reference.start..reference.end);
        push_reference(layout, owner, location, reference, out);
    }
}

/// A finding for `reference` when it leaves `owner`.
fn push_reference(
    layout: &Layout,
    owner: &Owner,
    location: Location,
    reference: Reference,
    out: &mut ScanOutput,
) {
    let landing = layout.landing(&reference.resolved);
    if owner.is_breached_by(&landing) {
        out.findings.push(Finding::Reference {
            owner: owner.clone(),
            location,
            reference,
            landing,
        });
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
