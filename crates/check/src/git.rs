//! The few questions the lint asks git: which files are tracked, which are staged. One process
//! per question, never one per file.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files in git's index below `dir` (tracked or staged), as absolute paths; `None` when `dir` is
/// not inside a git work tree. Optionally limited to `pathspecs`.
pub fn indexed_files(dir: &Path, pathspecs: &[PathBuf]) -> Result<Option<Vec<PathBuf>>> {
    let mut args: Vec<std::ffi::OsString> = vec!["ls-files".into(), "-z".into(), "--".into()];
    args.extend(pathspecs.iter().map(|p| p.as_os_str().to_owned()));
    run(dir, &args)
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
        Ok(Some(files)) => Ok(files),
        Ok(None) => Err(not_a_repo()),
        Err(Error::Layout { message, .. }) if message.contains("--no-index") => Err(not_a_repo()),
        Err(e) => Err(e),
    }
}

fn run(dir: &Path, args: &[std::ffi::OsString]) -> Result<Option<Vec<PathBuf>>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| Error::io("git", e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("not a git repository") {
            return Ok(None);
        }
        return Err(Error::Layout {
            message: format!(
                "git {} failed in {}: {}",
                args[0].to_string_lossy(),
                dir.display(),
                stderr.trim()
            ),
            help: None,
        });
    }
    Ok(Some(
        output
            .stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| dir.join(String::from_utf8_lossy(p).as_ref()))
            .collect(),
    ))
}
