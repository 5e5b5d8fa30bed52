//! The file scan: every file of every client (or just the files given), walked in parallel with
//! `.gitignore` respected, looking for file references that leave the client, symlinks that point
//! outside it, and secrets.

pub mod lexer;
pub mod modules;
pub mod references;
pub mod rust;
pub mod secrets;

use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::location::Location;
use camino::Utf8PathBuf;
use references::Reference;
use secrets::Secret;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Files larger than this are skipped (with a note): generated data, not source.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

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

/// Something a client's file does that the rules judge.
#[derive(Debug, Clone)]
pub enum Finding {
    Reference {
        client: String,
        location: Location,
        reference: Reference,
        landing: Landing,
    },
    Symlink {
        client: String,
        location: Location,
        target: PathBuf,
        landing: Landing,
    },
    Secret {
        client: String,
        location: Location,
        secret: Secret,
    },
}

/// What a scan found, and what it could not look at.
#[derive(Debug, Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    pub files: usize,
    /// Files skipped (binary, too large), one line each.
    pub notes: Vec<String>,
}

/// Scan every file of every client in `layout`.
pub fn scan_all(layout: &Layout) -> Result<ScanOutput> {
    scan_clients(layout, |_| true)
}

/// Scan every file of the clients in `layout` that `selected` keeps (`--client`, `--shard`); the
/// other clients stay in the layout, so a reference into them is still recognised.
pub fn scan_clients(layout: &Layout, selected: impl Fn(&str) -> bool) -> Result<ScanOutput> {
    let areas: Vec<_> = layout
        .clients
        .iter()
        .filter(|a| selected(&a.name))
        .collect();
    let Some((first, rest)) = areas.split_first() else {
        return Ok(ScanOutput::default());
    };
    let mut builder = ignore::WalkBuilder::new(&first.dir);
    for area in rest {
        builder.add(&area.dir);
    }
    builder
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && matches!(e.file_name().to_str(), Some("target" | ".git")))
        });
    let collected = Mutex::new(Ok(ScanOutput::default()));
    builder.build_parallel().run(|| {
        let collected = &collected;
        let mut local = ScanOutput::default();
        Box::new(move |entry| {
            use ignore::WalkState;
            let outcome = entry
                .map_err(|e| Error::Layout {
                    message: format!("failed to walk a client directory: {e}"),
                    help: None,
                })
                .and_then(|entry| match entry.file_type() {
                    Some(t) if t.is_dir() => Ok(()),
                    _ => scan_path(layout, entry.path(), &mut local),
                });
            let mut shared = collected.lock().unwrap_or_else(|p| p.into_inner());
            match (&mut *shared, outcome) {
                (Ok(out), Ok(())) => {
                    out.files += std::mem::take(&mut local.files);
                    out.findings.append(&mut local.findings);
                    out.notes.append(&mut local.notes);
                    WalkState::Continue
                }
                (Ok(_), Err(e)) => {
                    *shared = Err(e);
                    WalkState::Quit
                }
                (Err(_), _) => WalkState::Quit,
            }
        })
    });
    let mut output = collected.into_inner().unwrap_or_else(|p| p.into_inner())?;
    output.sort();
    Ok(output)
}

/// Scan only `files` (those inside a client directory; others are not a client's files).
pub fn scan_files(layout: &Layout, files: &[PathBuf]) -> Result<ScanOutput> {
    let mut output = ScanOutput::default();
    for file in files {
        let path = if file.exists() {
            crate::layout::canonical(file)?
        } else {
            continue;
        };
        if path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            continue;
        }
        scan_path(layout, &path, &mut output)?;
    }
    output.sort();
    Ok(output)
}

impl ScanOutput {
    fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            let key = |f: &Finding| match f {
                Finding::Reference { location, .. }
                | Finding::Symlink { location, .. }
                | Finding::Secret { location, .. } => (location.file.clone(), location.span.start),
            };
            key(a).cmp(&key(b))
        });
        self.notes.sort();
    }
}

/// Scan one path (file or symlink) that lies in a client's directory.
fn scan_path(layout: &Layout, path: &Path, out: &mut ScanOutput) -> Result<()> {
    let Some(area) = layout.owner(path) else {
        return Ok(());
    };
    let client = area.name.clone();
    let file = utf8(path)?;
    let meta = path
        .symlink_metadata()
        .map_err(|e| Error::io(file.clone(), e))?;
    if meta.file_type().is_symlink() {
        let link = std::fs::read_link(path).map_err(|e| Error::io(file.clone(), e))?;
        let target = resolve(&path.parent().unwrap_or(&area.dir).join(link));
        if !target.starts_with(&area.dir) {
            let landing = landing(layout, &target);
            out.findings.push(Finding::Symlink {
                client,
                location: Location::start_of(&file),
                target,
                landing,
            });
        }
        return Ok(());
    }
    out.files += 1;
    if meta.len() > MAX_FILE_BYTES {
        out.notes.push(format!(
            "skipped {} ({} bytes): larger than {MAX_FILE_BYTES} bytes",
            layout.display(path),
            meta.len()
        ));
        return Ok(());
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(file.clone(), e))?;
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        out.notes
            .push(format!("skipped {}: binary file", layout.display(path)));
        return Ok(());
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut secrets = secrets::find(&bytes);
    if path.extension().is_some_and(|e| e == "rs") {
        let krate = layout.crate_of(area, path);
        let rust = rust::scan(path, &text, &area.dir, &krate.dir, krate.is_build_script);
        push_references(layout, &client, &file, &text, rust.references, out);
        for secret in rust.joined_secrets {
            if !secrets
                .iter()
                .any(|s| s.start <= secret.start && secret.start < s.end.max(s.start + 1))
            {
                secrets.push(secret);
            }
        }
    } else if crate::cargo_config::is_config_file(path) {
        let references = crate::cargo_config::references(&file, &text, &area.dir)?;
        push_references(layout, &client, &file, &text, references, out);
    }
    for secret in secrets {
        let location = Location::from_span(&file, &text, secret.start..secret.end);
        out.findings.push(Finding::Secret {
            client: client.clone(),
            location,
            secret,
        });
    }
    Ok(())
}

/// Findings for references that leave the client, except those that leave the workspace.
fn push_references(
    layout: &Layout,
    client: &str,
    file: &Utf8PathBuf,
    text: &str,
    references: Vec<Reference>,
    out: &mut ScanOutput,
) {
    for reference in references {
        let landing = layout.landing(&reference.resolved);
        if landing == Landing::Outside {
            continue;
        }
        let location = Location::from_span(file, text, reference.start..reference.end);
        out.findings.push(Finding::Reference {
            client: client.to_owned(),
            location,
            reference,
            landing,
        });
    }
}

/// Canonical form when the path exists (symlinks resolved), else the lexical normal form.
fn resolve(path: &Path) -> PathBuf {
    let normal = references::normalize(path);
    normal.canonicalize().unwrap_or(normal)
}

fn landing(layout: &Layout, target: &Path) -> Landing {
    layout.landing(target)
}

fn utf8(path: &Path) -> Result<Utf8PathBuf> {
    Utf8PathBuf::from_path_buf(path.to_owned()).map_err(|p| Error::Layout {
        message: format!("{} is not a UTF-8 path", p.display()),
        help: None,
    })
}
