//! The questions the lint asks git: which files are tracked or untracked-but-not-ignored,
//! which are staged, what the repository is (shallow?, HEAD?). One process per question, never
//! one per file; git runs with `LC_ALL=C` so that the messages it is judged by are English.
//! History is read by `history.rs`, streaming from git.

pub use crate::error::GitError;
use crate::error::{Error, IoAction, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A `git` command in `dir` with a fixed locale and nothing from the user's configuration that
/// changes what the lint parses (colour, external diff, replace refs, lazy fetches).
pub fn command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(["-c", "color.ui=false", "-c", "core.quotePath=false"])
        .env("LC_ALL", "C")
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .env("GIT_NO_LAZY_FETCH", "1")
        .env_remove("GIT_EXTERNAL_DIFF");
    command
}

/// A path from git's `-z` output (raw bytes; not necessarily UTF-8).
pub fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// One entry of [`listed_files`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Absolute path.
    pub path: PathBuf,
    /// In git's index (tracked or staged); otherwise untracked and not ignored.
    pub tracked: bool,
    /// An untracked directory git did not enter: a nested repository.
    pub nested_repository: bool,
}

/// The files below `dir` that git tracks, and the untracked files it does not ignore (its own
/// ignore rules: `.gitignore`, `.git/info/exclude`, `core.excludesFile`), in one call. `None`
/// when `dir` is not inside a git work tree.
///
/// git blocks for good when a `.gitignore` is a FIFO: if it has not answered within a second,
/// `blocker` is asked once for such a file, and if it names one, git is stopped and that is
/// the error.
pub fn listed_files(
    dir: &Path,
    blocker: &dyn Fn() -> Option<PathBuf>,
) -> Result<Option<Vec<Listed>>> {
    let args = [
        "ls-files",
        "-z",
        "-t",
        "--cached",
        "--others",
        "--exclude-standard",
    ]
    .map(OsString::from);
    let Some(entries) = run_watched(dir, &args, blocker)? else {
        return Ok(None);
    };
    Ok(Some(
        entries
            .into_iter()
            .filter_map(|entry| {
                // `H path` (cached), `? path` (other), `S`, `M`, `R`, `C`, `K` (cached states).
                let (tag, path) = (entry.first()?, entry.get(2..)?);
                let nested = *tag == b'?' && path.ends_with(b"/");
                let path = path.strip_suffix(b"/").unwrap_or(path);
                Some(Listed {
                    path: dir.join(path_from_bytes(path)),
                    tracked: *tag != b'?',
                    nested_repository: nested,
                })
            })
            .collect(),
    ))
}

/// Files in git's index below `dir` (tracked or staged), as absolute paths; `None` when `dir` is
/// not inside a git work tree. Optionally limited to `pathspecs`.
pub fn indexed_files(dir: &Path, pathspecs: &[PathBuf]) -> Result<Option<Vec<PathBuf>>> {
    let mut args: Vec<OsString> = vec!["ls-files".into(), "-z".into(), "--".into()];
    args.extend(pathspecs.iter().map(|p| p.as_os_str().to_owned()));
    Ok(run(dir, &args)?.map(|entries| {
        entries
            .iter()
            .map(|p| dir.join(path_from_bytes(p)))
            .collect()
    }))
}

/// Files staged for commit (added, copied, modified, renamed) below `dir`, as absolute paths.
pub fn staged_files(dir: &Path) -> Result<Vec<PathBuf>> {
    // Outside a repository `git diff` turns into `git diff --no-index` and rejects `--cached`.
    let not_a_repo = || Error::Layout {
        message: format!(
            "--staged needs a git repository, and {} is not in one",
            dir.display()
        ),
        help: Some("pass the files to check instead".into()),
    };
    let args = [
        "diff",
        "--cached",
        "--name-only",
        "-z",
        "--diff-filter=ACMR",
        "--relative",
    ]
    .map(Into::into);
    match run(dir, &args) {
        Ok(Some(files)) => Ok(files.iter().map(|p| dir.join(path_from_bytes(p))).collect()),
        Ok(None) => Err(not_a_repo()),
        Err(Error::Git(e)) if e.stderr.contains("--no-index") => Err(not_a_repo()),
        Err(e) => Err(e),
    }
}

/// What history there is to read in the repository holding `dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repository {
    /// Not inside a git work tree.
    None,
    /// A repository without a commit yet.
    Unborn,
    /// HEAD is a commit.
    Head {
        /// A shallow clone: history before its cut is not there to read.
        shallow: bool,
    },
}

/// Is `dir` in a repository, and what of its history is there?
pub fn repository(dir: &Path) -> Result<Repository> {
    let output = command(dir)
        .args([
            "rev-parse",
            "--is-shallow-repository",
            "--verify",
            "-q",
            "HEAD^{commit}",
        ])
        .output()
        .map_err(|e| Error::io(IoAction::Spawn, "git", e))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    let shallow = lines.next();
    let head = lines.next();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("not a git repository") {
            return Ok(Repository::None);
        }
        if shallow.is_some() && head.is_none() && stderr.trim().is_empty() {
            return Ok(Repository::Unborn);
        }
        return Err(GitError::new(
            [
                "rev-parse",
                "--is-shallow-repository",
                "--verify",
                "-q",
                "HEAD^{commit}",
            ],
            dir,
            output.status.code(),
            &stderr,
        )
        .into());
    }
    Ok(Repository::Head {
        shallow: shallow == Some("true"),
    })
}

/// HEAD's commit id, and whether the work tree differs from it (`git status --porcelain`:
/// modified, staged, deleted or untracked files); `None` outside a work tree or before the
/// first commit.
pub fn head_state(dir: &Path) -> Result<Option<(String, bool)>> {
    let args = ["rev-parse", "--verify", "-q", "HEAD^{commit}"];
    let output = command(dir)
        .args(args)
        .output()
        .map_err(|e| Error::io(IoAction::Spawn, "git", e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // `-q` makes a missing HEAD (no commit yet) a silent exit 1.
        if stderr.contains("not a git repository") || stderr.trim().is_empty() {
            return Ok(None);
        }
        return Err(GitError::new(args, dir, output.status.code(), &stderr).into());
    }
    let head = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let status = ["status", "--porcelain", "-z"].map(OsString::from);
    let changes = run(dir, &status)?.unwrap_or_default();
    Ok(Some((head, !changes.is_empty())))
}

/// The full id of the commit `rev` names; an error naming `rev` when it names none.
pub fn resolve_commit(dir: &Path, rev: &str) -> Result<String> {
    let output = command(dir)
        .args(["rev-parse", "--verify", "-q", "--end-of-options"])
        .arg(format!("{rev}^{{commit}}"))
        .output()
        .map_err(|e| Error::io(IoAction::Spawn, "git", e))?;
    if !output.status.success() {
        return Err(Error::Layout {
            message: format!(
                "`{rev}` is not a commit of the repository at {}",
                dir.display()
            ),
            help: Some(
                "pass a commit, branch or tag; in CI fetch the history first (actions/checkout \
                 with fetch-depth: 0)"
                    .into(),
            ),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The blob ids of every file in HEAD's tree below `dir`.
pub fn head_blobs(dir: &Path) -> Result<Vec<String>> {
    let args = ["ls-tree", "-r", "-z", "HEAD"].map(OsString::from);
    let entries = run(dir, &args)?.unwrap_or_default();
    Ok(entries
        .iter()
        .filter_map(|entry| {
            // `<mode> SP <type> SP <object> TAB <path>`
            let meta = entry.split(|&b| b == b'\t').next()?;
            let mut fields = meta.split(|&b| b == b' ');
            let (_, kind, object) = (fields.next()?, fields.next()?, fields.next()?);
            (kind == b"blob").then(|| String::from_utf8_lossy(object).into_owned())
        })
        .collect())
}

/// Run git in `dir`; NUL-separated stdout, or `None` when `dir` is not in a git work tree.
fn run(dir: &Path, args: &[OsString]) -> Result<Option<Vec<Vec<u8>>>> {
    let output = command(dir)
        .args(args)
        .output()
        .map_err(|e| Error::io(IoAction::Spawn, "git", e))?;
    entries(dir, args, output)
}

/// [`run`], asking `blocker` once, when git is slow, whether something blocks it for good.
fn run_watched(
    dir: &Path,
    args: &[OsString],
    blocker: &dyn Fn() -> Option<PathBuf>,
) -> Result<Option<Vec<Vec<u8>>>> {
    match crate::input::watch::output(command(dir).args(args), blocker) {
        Ok(output) => entries(dir, args, output),
        Err(crate::input::watch::Stopped::Io(e)) => Err(Error::io(IoAction::Spawn, "git", e)),
        Err(crate::input::watch::Stopped::BlockedBy(path)) => Err(Error::Layout {
            message: format!(
                "{} is not a regular file: git blocks reading it as an ignore file",
                path.display()
            ),
            help: Some("remove it, or make it a regular file".into()),
        }),
    }
}

/// NUL-separated entries of a finished git command's stdout; `None` outside a work tree.
fn entries(
    dir: &Path,
    args: &[OsString],
    output: std::process::Output,
) -> Result<Option<Vec<Vec<u8>>>> {
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("not a git repository") {
            return Ok(None);
        }
        return Err(GitError::new(args, dir, output.status.code(), &stderr).into());
    }
    // git lists what it can and only warns about a directory it cannot open: the files in it
    // would go unscanned, so that is an error (the check fails closed).
    let stderr = String::from_utf8_lossy(&output.stderr);
    if let Some(line) = stderr
        .lines()
        .find(|l| l.contains("could not open directory"))
    {
        return Err(Error::Layout {
            message: format!(
                "git {} in {} could not read every directory: {}",
                args[0].to_string_lossy(),
                dir.display(),
                line.trim().trim_start_matches("warning: ")
            ),
            help: Some(
                "make the directory readable by the user running the check (its files would go unscanned)"
                    .into(),
            ),
        });
    }
    Ok(Some(
        output
            .stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(<[u8]>::to_vec)
            .collect(),
    ))
}

/// The commit the repository at `root` is at, with `+dirty` when it has uncommitted changes;
/// `None` outside git or before the first commit ([`no_commit_reason`] says which). A git
/// command that fails otherwise is an error: an attestation never calls a tree clean that git
/// could not look at.
pub fn commit(root: &std::path::Path) -> crate::error::Result<Option<String>> {
    Ok(head_state(root)?.map(|(head, dirty)| match dirty {
        true => format!("{head}+dirty"),
        false => head,
    }))
}

/// Why [`commit`] found none: not a git repository, or one without commits yet.
pub fn no_commit_reason(root: &std::path::Path) -> &'static str {
    match repository(root) {
        Ok(Repository::Unborn) => "no commits yet",
        _ => "not in git",
    }
}
