//! What a commit will contain: the staged (index) content of the files `--staged` checks, read
//! from git's objects, not from the working tree. A secret staged and then removed only in the
//! working tree is still in the commit, so it is what the hook must see. Two git processes for
//! the whole run: `git ls-files -s` for the index entries of the staged paths, and one
//! `git cat-file --batch` for their blobs. The same limits as the file scan apply: a blob is
//! kept up to [`MAX_SOURCE_BYTES`] and a larger one stops the check, unless it is binary (told
//! as git does).

use crate::error::{Error, IoAction, Result};
use crate::input::git::{self, GitError};
use crate::input::read::{BINARY_PROBE, Contents, MAX_SOURCE_BYTES, is_binary};
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// One staged file's content, as the commit will hold it.
#[derive(Debug)]
pub enum Staged {
    /// A regular file's blob (or why it was not kept).
    File(Contents),
    /// A symlink, and the path it points to.
    Symlink(PathBuf),
    /// A submodule (a commit of another repository): nothing of this one to read.
    Submodule,
}

/// The staged content of `files` (absolute paths below `dir`), by path. A path with no
/// stage-0 entry in the index (deleted, or in a merge conflict) is absent.
pub(crate) fn read(dir: &Path, files: &[PathBuf]) -> Result<HashMap<PathBuf, Staged>> {
    if files.is_empty() {
        return Ok(HashMap::new());
    }
    let entries = index_entries(dir, files)?;
    let blobs: Vec<&Entry> = entries.iter().filter(|e| e.mode != "160000").collect();
    let mut contents = cat_blobs(dir, &blobs)?.into_iter();
    let mut staged = HashMap::with_capacity(entries.len());
    for entry in &entries {
        let content = match entry.mode.as_str() {
            "160000" => Staged::Submodule,
            "120000" => match contents.next() {
                Some(Contents::Text(target)) => Staged::Symlink(git::path_from_bytes(&target)),
                _ => Staged::Symlink(PathBuf::new()),
            },
            _ => Staged::File(
                contents
                    .next()
                    .unwrap_or(Contents::Skipped("no blob".into())),
            ),
        };
        staged.insert(entry.path.clone(), content);
    }
    Ok(staged)
}

/// One stage-0 index entry.
struct Entry {
    mode: String,
    id: String,
    path: PathBuf,
}

/// `git ls-files -s` for exactly these paths (literal pathspecs), a few hundred per process so
/// that no command line grows past the system's limit.
fn index_entries(dir: &Path, files: &[PathBuf]) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for chunk in files.chunks(512) {
        let mut args: Vec<OsString> = ["--literal-pathspecs", "ls-files", "-s", "-z", "--"]
            .map(OsString::from)
            .into();
        args.extend(chunk.iter().map(|f| f.as_os_str().to_owned()));
        let output = run_with_input(dir, &args, Vec::new())?;
        for record in output.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            // `<mode> <id> <stage>\t<path>`
            let Some(tab) = record.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let head = String::from_utf8_lossy(&record[..tab]);
            let mut fields = head.split(' ');
            let (Some(mode), Some(id), Some(stage)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if stage != "0" {
                continue;
            }
            entries.push(Entry {
                mode: mode.to_owned(),
                id: id.to_owned(),
                path: dir.join(git::path_from_bytes(&record[tab + 1..])),
            });
        }
    }
    Ok(entries)
}

/// Run git with `input` on its stdin (written from a thread, so neither side blocks).
fn run_with_input(dir: &Path, args: &[OsString], input: Vec<u8>) -> Result<Vec<u8>> {
    let mut child = git::command(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(IoAction::Spawn, "git", e))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .map_err(|e| Error::io(IoAction::Wait, "git", e))?;
    let _ = writer.join();
    if !output.status.success() {
        return Err(Error::Git(GitError::new(
            args,
            dir,
            output.status.code(),
            &String::from_utf8_lossy(&output.stderr),
        )));
    }
    Ok(output.stdout)
}

/// Is this a file the compiler or cargo reads whatever its size (read up to
/// [`MAX_SOURCE_BYTES`], never skipped)?
fn is_source(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs") || crate::input::manifest::is_config_file(path)
}

/// The blobs of `entries`, in order, through one `git cat-file --batch`.
fn cat_blobs(dir: &Path, entries: &[&Entry]) -> Result<Vec<Contents>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let args = ["cat-file", "--batch"];
    let mut child = git::command(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(IoAction::Spawn, "git", e))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let ids: Vec<u8> = entries
        .iter()
        .flat_map(|e| format!("{}\n", e.id).into_bytes())
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(&ids));
    let mut out = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let read_error = |e| Error::io(IoAction::Read, "the output of git cat-file", e);
    let mut contents = Vec::with_capacity(entries.len());
    let mut header = Vec::new();
    let mut failure = None;
    for entry in entries {
        header.clear();
        out.read_until(b'\n', &mut header).map_err(read_error)?;
        let text = String::from_utf8_lossy(&header);
        let mut fields = text.split_whitespace();
        let size = match (
            fields.nth(1),
            fields.next().and_then(|s| s.parse::<u64>().ok()),
        ) {
            (Some("blob"), Some(size)) => size,
            _ => {
                failure = Some(Error::Layout {
                    message: format!(
                        "the staged content of {} could not be read ({})",
                        entry.path.display(),
                        text.trim()
                    ),
                    help: Some("stage the file again (`git add`)".into()),
                });
                break;
            }
        };
        let source = is_source(&entry.path);
        // Every text file is read as far as a source is: a secret past the first MiBs of a
        // large one must not pass unread. Binary content is told by its first bytes.
        if size > MAX_SOURCE_BYTES {
            let mut probe = Vec::with_capacity(BINARY_PROBE);
            (&mut out)
                .take(BINARY_PROBE as u64)
                .read_to_end(&mut probe)
                .map_err(read_error)?;
            let rest = size + 1 - probe.len() as u64;
            std::io::copy(&mut (&mut out).take(rest), &mut std::io::sink()).map_err(read_error)?;
            if !source && is_binary(&probe) {
                contents.push(Contents::Skipped("binary file".into()));
                continue;
            }
            failure = Some(Error::Layout {
                message: format!(
                    "the staged {} is {size} bytes, more than the {MAX_SOURCE_BYTES} bytes \
                     the scan reads of a file",
                    entry.path.display()
                ),
                help: None,
            });
            break;
        }
        let mut content = Vec::with_capacity(size as usize + 1);
        (&mut out)
            .take(size + 1)
            .read_to_end(&mut content)
            .map_err(read_error)?;
        content.pop(); // the newline after the content
        contents.push(if !source && is_binary(&content) {
            Contents::Skipped("binary file".into())
        } else {
            Contents::Text(content)
        });
    }
    drop(out);
    let _ = writer.join();
    let status = child
        .wait()
        .map_err(|e| Error::io(IoAction::Wait, "git", e))?;
    if let Some(failure) = failure {
        return Err(failure);
    }
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut err) = child.stderr.take() {
            let _ = err.read_to_string(&mut stderr);
        }
        return Err(Error::Git(GitError::new(args, dir, status.code(), &stderr)));
    }
    Ok(contents)
}

/// The index written out as a tree of its own, in a temporary directory removed when dropped:
/// exactly the files the commit will contain. When a manifest or lock file is staged, cargo
/// is asked about this tree, so the graph rules judge the staged manifests, not the working
/// tree's.
pub(crate) struct IndexTree {
    _dir: tempfile::TempDir,
    /// The workspace root inside the tree (the workspace may be a subdirectory of the
    /// repository).
    pub root: PathBuf,
}

impl IndexTree {
    /// Write every stage-0 entry of the index of the repository holding `root` (one
    /// `git checkout-index`; symlinks as symlinks, submodules not at all).
    pub(crate) fn write(root: &Path) -> Result<IndexTree> {
        let dir = tempfile::Builder::new()
            .prefix("clientwall-index-")
            .tempdir()
            .map_err(|e| Error::io(IoAction::Create, "a temporary directory", e))?;
        let base = dir
            .path()
            .canonicalize()
            .map_err(|e| Error::io_at(IoAction::Resolve, dir.path(), e))?;
        let show = |what: &str| -> Result<String> {
            let args = [OsString::from("rev-parse"), OsString::from(what)];
            let out = run_with_input(root, &args, Vec::new())?;
            Ok(String::from_utf8_lossy(&out)
                .trim_end_matches('\n')
                .to_owned())
        };
        let top = PathBuf::from(show("--show-toplevel")?);
        let prefix = show("--show-prefix")?;
        let mut target = base.as_os_str().to_owned();
        target.push("/");
        let mut arg = OsString::from("--prefix=");
        arg.push(&target);
        let args = [
            OsString::from("checkout-index"),
            OsString::from("--all"),
            arg,
        ];
        run_with_input(&top, &args, Vec::new())?;
        let root = base.join(prefix.trim_end_matches('/'));
        Ok(IndexTree { _dir: dir, root })
    }
}
