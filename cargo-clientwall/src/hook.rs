//! `cargo clientwall install-hook`: a git pre-commit hook that runs the incremental check on
//! the staged files, for repositories that do not use the pre-commit framework.

use clientwall_lint::error::{Error, IoAction, Result};
use clientwall_lint::git::GitError;
use std::path::{Path, PathBuf};

/// The line that marks a hook as ours.
pub const MARKER: &str = "# installed by `cargo clientwall install-hook`";

/// What `install` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    New(PathBuf),
    Unchanged(PathBuf),
    Replaced(PathBuf),
}

/// Install the hook for the workspace rooted at `workspace_root`. A hook that is not ours is
/// replaced only with `force`.
pub fn install(workspace_root: &Path, force: bool) -> Result<Installed> {
    let git = |args: &[&str]| -> Result<String> {
        let output = clientwall_lint::git::command(workspace_root)
            .args(args)
            .output()
            .map_err(|e| Error::io(IoAction::Spawn, "git", e))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            if stderr.contains("not a git repository") {
                return Err(Error::Layout {
                    message: format!("{} is not in a git repository", workspace_root.display()),
                    help: Some("run `git init` first".into()),
                });
            }
            return Err(GitError::new(args, workspace_root, output.status.code(), &stderr).into());
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let toplevel = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    let hooks = PathBuf::from(git(&[
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "hooks",
    ])?);
    let workspace = workspace_root
        .canonicalize()
        .map_err(|e| Error::io_at(IoAction::Resolve, workspace_root, e))?;
    let toplevel = toplevel
        .canonicalize()
        .map_err(|e| Error::io_at(IoAction::Resolve, &toplevel, e))?;
    let manifest = workspace
        .strip_prefix(&toplevel)
        .unwrap_or(Path::new(""))
        .join("Cargo.toml");
    let script = format!(
        "#!/bin/sh\n{MARKER}: checks the files staged for this commit.\nexec cargo clientwall check --staged --manifest-path '{}'\n",
        manifest.display()
    );
    let path = hooks.join("pre-commit");
    let existing = safe_read::read_to_string_if_exists(&path)
        .map_err(|e| Error::io_at(IoAction::Read, &path, e))?;
    let outcome = match &existing {
        Some(text) if *text == script => return Ok(Installed::Unchanged(path)),
        Some(text) if !text.contains(MARKER) && !force => {
            return Err(Error::Layout {
                message: format!(
                    "{} already holds a pre-commit hook that clientwall did not install",
                    path.display()
                ),
                help: Some(
                    "add `cargo clientwall check --staged` to it, or pass --force to replace it"
                        .into(),
                ),
            });
        }
        Some(_) => Installed::Replaced(path.clone()),
        None => Installed::New(path.clone()),
    };
    std::fs::create_dir_all(&hooks).map_err(|e| Error::io_at(IoAction::Create, &hooks, e))?;
    safe_read::write::atomic(&path, script.as_bytes())
        .map_err(|e| Error::io_at(IoAction::Write, &path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io_at(IoAction::Chmod, &path, e))?;
    }
    Ok(outcome)
}
