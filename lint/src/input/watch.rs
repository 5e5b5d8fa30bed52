//! Child processes that a special file can block for good: git opening a `.gitignore` that is
//! a FIFO, cargo opening a `Cargo.lock` or `Cargo.toml` that is one. Each runs as usual; if it
//! has not finished within a second, the places it reads are looked over once for such a file,
//! and if one is there the child is stopped and the file named. A check always finishes.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a child runs before the look for a blocking file.
const PATIENCE: Duration = Duration::from_secs(1);

/// Why a watched child gave no output.
#[derive(Debug)]
pub(crate) enum Stopped {
    /// It could not be started or waited for.
    Io(std::io::Error),
    /// This special file blocks it; it was stopped.
    BlockedBy(PathBuf),
}

/// Run `command` to completion (stdin closed, stdout and stderr captured), unless `blocker`,
/// asked once after [`PATIENCE`], names a file that blocks it.
pub(crate) fn output(
    command: &mut Command,
    blocker: &dyn Fn() -> Option<PathBuf>,
) -> Result<Output, Stopped> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Stopped::Io)?;
    let stdout = read_all(child.stdout.take().map(|s| Box::new(s) as _));
    let stderr = read_all(child.stderr.take().map(|s| Box::new(s) as _));
    // A child closes its output when it is done: wait for that.
    let stdout = match stdout.recv_timeout(PATIENCE) {
        Ok(bytes) => bytes,
        Err(_) => {
            if let Some(path) = blocker() {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Stopped::BlockedBy(path));
            }
            stdout.recv().unwrap_or_default()
        }
    };
    let status = child.wait().map_err(Stopped::Io)?;
    Ok(Output {
        status,
        stdout,
        stderr: stderr.recv().unwrap_or_default(),
    })
}

fn read_all(stream: Option<Box<dyn Read + Send>>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_end(&mut bytes);
        }
        let _ = tx.send(bytes);
    });
    rx
}

/// Is this entry a file that blocks whoever opens it (a FIFO or a device)? Sockets cannot be
/// opened at all; files, directories and symlinks (never followed) do not block.
pub(crate) fn blocks(kind: std::fs::FileType) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        kind.is_fifo() || kind.is_char_device() || kind.is_block_device()
    }
    #[cfg(not(unix))]
    {
        let _ = kind;
        false
    }
}

/// The first entry below `root` named one of `names` that blocks whoever opens it; `.git` and
/// the directories `skip` accepts are not entered. Symlinks are not followed.
pub(crate) fn blocking_file_named(
    root: &Path,
    names: &[&str],
    skip: &dyn Fn(&Path) -> bool,
) -> Option<PathBuf> {
    walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && (e.file_name() == ".git" || skip(e.path()))))
        .filter_map(Result::ok)
        .find(|e| names.iter().any(|n| e.file_name() == *n) && blocks(e.file_type()))
        .map(walkdir::DirEntry::into_path)
}

/// What cargo reads that could block it: below `root`, every `Cargo.toml`, `Cargo.lock` and
/// `.cargo/config{,.toml}`; above it, those of every ancestor.
pub(crate) fn blocking_cargo_input(root: &Path) -> Option<PathBuf> {
    let ancestors = root.ancestors().skip(1).flat_map(|dir| {
        [
            dir.join("Cargo.toml"),
            dir.join("Cargo.lock"),
            dir.join(".cargo/config"),
            dir.join(".cargo/config.toml"),
        ]
    });
    for path in ancestors {
        if path.symlink_metadata().is_ok_and(|m| blocks(m.file_type())) {
            return Some(path);
        }
    }
    let target = root.join("target");
    blocking_file_named(
        root,
        &["Cargo.toml", "Cargo.lock", "config", "config.toml"],
        &|dir| dir == target,
    )
    .filter(|p| {
        let name = p.file_name().unwrap_or_default();
        name == "Cargo.toml"
            || name == "Cargo.lock"
            || p.parent()
                .and_then(Path::file_name)
                .is_some_and(|d| d == ".cargo")
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_child_blocked_by_a_fifo_is_stopped_and_the_fifo_named() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("Cargo.lock");
        assert!(
            Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let started = std::time::Instant::now();
        let stopped = output(Command::new("cat").arg(&fifo), &|| {
            blocking_cargo_input(dir.path())
        });
        match stopped {
            Err(Stopped::BlockedBy(path)) => assert_eq!(path, fifo),
            other => panic!("unexpected {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(10));
        // A child that finishes is not disturbed.
        let done = output(Command::new("echo").arg("hi"), &|| None).unwrap();
        assert_eq!(done.stdout, b"hi\n");
    }
}
