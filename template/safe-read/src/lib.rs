//! How clientwall reads a file, whether it scans it or reads it for itself (a manifest, a
//! `client.toml`, a template record, a journal, a deletion certificate, a key): only a regular
//! file is opened. A FIFO, socket or device is never opened, not even through a symlink (the
//! path's type is looked at first, following symlinks when asked to); the file is opened
//! non-blocking and judged again by its descriptor, so a path swapped for a FIFO between the look
//! and the open is refused without a read that could block; at most a cap is read, so no input
//! makes memory grow without bound. A directory where a file is expected is an error saying so.
//!
//! Every refusal is an [`std::io::Error`] (the callers already name the path with it): the kind
//! is [`ErrorKind::NotFound`] only for a path that does not exist, so `NotFound` is the one
//! error a caller may read as "absent".
//!
//! Its twin for writing, [`write::atomic`], is how clientwall writes a file it must not
//! half-write.

use std::fs::{File, Metadata};
use std::io::{ErrorKind, Read as _};
use std::path::Path;

pub mod write;

/// What the tool reads of a file it opens for itself, and of a scanned file: larger is
/// generated data, not something a person wrote.
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// What the tool reads of a file cargo reads whatever its size (a Rust source, cargo
/// configuration, a `Cargo.lock`): past it, the file is an error, not a note.
pub const MAX_CARGO_BYTES: u64 = 64 * 1024 * 1024;

/// Whether a symlink at the path itself is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symlinks {
    /// Read what the symlink points at (when that is a regular file).
    Follow,
    /// A symlink is not a file: refused (the scan reads symlinks as links, never through them).
    Refuse,
}

/// Why a path was not opened, or not read once opened: it is no regular file. Carried inside
/// the [`std::io::Error`]s this crate returns; see [`refusal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRegular {
    /// `a FIFO`, `a socket`, `a device`, `a directory`, `a symlink`, ...
    pub kind: &'static str,
    /// Whether it was seen before the open (never opened) or by the opened descriptor.
    pub opened: bool,
}

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.kind, self.opened) {
            ("a directory", _) => f.write_str("a directory where a file is expected"),
            (kind, false) => write!(f, "{kind}, not a regular file, never opened"),
            (kind, true) => write!(f, "{kind}, not a regular file, not read"),
        }
    }
}

impl std::error::Error for NotRegular {}

/// The file was larger than the cap it was read with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    /// Bytes seen: the file's size, or more than `limit` when it grew while read.
    pub len: u64,
    pub limit: u64,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes, larger than the {} bytes clientwall reads of such a file",
            self.len, self.limit
        )
    }
}

impl std::error::Error for TooLarge {}

/// The [`NotRegular`] refusal an error carries, if it is one.
pub fn refusal(error: &std::io::Error) -> Option<&NotRegular> {
    error.get_ref()?.downcast_ref()
}

/// The [`TooLarge`] refusal an error carries, if it is one.
pub fn too_large(error: &std::io::Error) -> Option<&TooLarge> {
    error.get_ref()?.downcast_ref()
}

/// What kind of special file `meta` describes, if it is one (a regular file, a directory and a
/// symlink are not special).
pub fn special_kind(meta: &Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() || kind.is_dir() || kind.is_symlink() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// `None` for a regular file, else what it is.
fn kind_unless_regular(meta: &Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        None
    } else if kind.is_dir() {
        Some("a directory")
    } else if kind.is_symlink() {
        Some("a symlink")
    } else {
        Some(special_kind(meta).unwrap_or("not a regular file"))
    }
}

fn refused(kind: &'static str, opened: bool) -> std::io::Error {
    let error_kind = match kind {
        "a directory" => ErrorKind::IsADirectory,
        _ => ErrorKind::InvalidInput,
    };
    std::io::Error::new(error_kind, NotRegular { kind, opened })
}

/// Open the regular file at `path` for reading. Its type is looked at first (through a symlink
/// when `symlinks` is [`Symlinks::Follow`]): anything but a regular file is refused unopened.
/// The open is non-blocking (a FIFO swapped in meanwhile does not block it) and takes no
/// controlling terminal, and the opened descriptor is judged again. Returns the file and its
/// metadata as the descriptor gives it.
pub fn open(path: &Path, symlinks: Symlinks) -> std::io::Result<(File, Metadata)> {
    let looked = match symlinks {
        Symlinks::Follow => match std::fs::metadata(path) {
            Err(e) if e.kind() == ErrorKind::NotFound && path.symlink_metadata().is_ok() => {
                return Err(std::io::Error::new(
                    ErrorKind::InvalidInput,
                    "a symlink to nothing, not a regular file",
                ));
            }
            other => other?,
        },
        Symlinks::Refuse => path.symlink_metadata()?,
    };
    open_looked(path, &looked, symlinks)
}

/// [`open`] of a path whose type the caller has just looked at: `looked` is its metadata as
/// `symlinks` reads it (`symlink_metadata` for [`Symlinks::Refuse`]). The look is not made
/// again; the opened descriptor is still judged.
pub fn open_looked(
    path: &Path,
    looked: &Metadata,
    symlinks: Symlinks,
) -> std::io::Result<(File, Metadata)> {
    if let Some(kind) = kind_unless_regular(looked) {
        return Err(refused(kind, false));
    }
    let file = match open_nonblocking(path, symlinks) {
        // `O_NOFOLLOW` on a path swapped for a symlink meanwhile.
        Err(e) if symlinks == Symlinks::Refuse && e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(refused("a symlink", false));
        }
        other => other?,
    };
    // The path may have been replaced since it was looked at: judge what was opened.
    let opened = file.metadata()?;
    if let Some(kind) = kind_unless_regular(&opened) {
        return Err(refused(kind, true));
    }
    Ok((file, opened))
}

/// Open for reading without blocking on a FIFO, without taking a terminal as controlling
/// terminal and without leaking the descriptor into child processes.
fn open_nonblocking(path: &Path, symlinks: Symlinks) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
        if symlinks == Symlinks::Refuse {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    options.open(path)
}

/// Read an opened file (`meta` is its metadata, from [`open`]) up to `limit` bytes; more is a
/// [`TooLarge`] error, checked against the size first and against what was really read (a file
/// that grows while read).
pub fn read_opened(file: File, meta: &Metadata, limit: u64) -> std::io::Result<Vec<u8>> {
    let too_large =
        |len: u64| std::io::Error::new(ErrorKind::FileTooLarge, TooLarge { len, limit });
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The bytes of the regular file at `path` (symlinks followed to a regular file), at most
/// `limit` of them.
pub fn read_limited(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let (file, meta) = open(path, Symlinks::Follow)?;
    read_opened(file, &meta, limit)
}

/// The bytes of the regular file at `path`, at most [`MAX_BYTES`].
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    read_limited(path, MAX_BYTES)
}

/// The text of the regular file at `path`, at most [`MAX_BYTES`]; not UTF-8 is an error.
pub fn read_to_string(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read(path)?).map_err(|e| {
        std::io::Error::new(
            ErrorKind::InvalidData,
            format!("not UTF-8 text (at byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// [`read`], with a path that does not exist as `None` (any other failure is an error).
pub fn read_if_exists(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    absent_as_none(read(path))
}

/// [`read_limited`], with a path that does not exist as `None` (any other failure is an
/// error).
pub fn read_limited_if_exists(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    absent_as_none(read_limited(path, limit))
}

/// [`read_to_string`], with a path that does not exist as `None` (any other failure is an
/// error).
pub fn read_to_string_if_exists(path: &Path) -> std::io::Result<Option<String>> {
    absent_as_none(read_to_string(path))
}

fn absent_as_none<T>(result: std::io::Result<T>) -> std::io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn fifo_in(dir: &Path) -> std::path::PathBuf {
        let fifo = dir.join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        fifo
    }

    fn refusal_of(result: std::io::Result<Vec<u8>>) -> NotRegular {
        let error = result.unwrap_err();
        refusal(&error)
            .unwrap_or_else(|| panic!("not a refusal: {error}"))
            .clone()
    }

    #[test]
    fn a_fifo_is_never_opened_directly_or_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = fifo_in(dir.path());
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        let started = Instant::now();
        for path in [&fifo, &link] {
            let refused = refusal_of(read(path));
            assert_eq!(
                refused,
                NotRegular {
                    kind: "a FIFO",
                    opened: false
                }
            );
        }
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_symlink_to_a_device_is_never_opened() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert_eq!(
            refusal_of(read(&link)),
            NotRegular {
                kind: "a device",
                opened: false
            }
        );
        assert_eq!(
            refusal_of(read_limited(&link, 1)).to_string(),
            "a device, not a regular file, never opened"
        );
    }

    #[test]
    fn a_directory_where_a_file_is_expected_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let error = read(dir.path()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::IsADirectory);
        assert_eq!(error.to_string(), "a directory where a file is expected");
    }

    #[test]
    fn a_swapped_in_fifo_is_judged_by_the_opened_descriptor() {
        // What `open` does after its look: the descriptor of a FIFO opened non-blocking is
        // refused without a read.
        let dir = tempfile::tempdir().unwrap();
        let fifo = fifo_in(dir.path());
        let file = open_nonblocking(&fifo, Symlinks::Refuse).unwrap();
        let meta = file.metadata().unwrap();
        assert_eq!(kind_unless_regular(&meta), Some("a FIFO"));
    }

    #[test]
    fn symlinks_are_refused_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read(&link).unwrap(), b"x");
        let error = open(&link, Symlinks::Refuse).unwrap_err();
        assert_eq!(refusal(&error).unwrap().kind, "a symlink");
    }

    #[test]
    fn a_dangling_symlink_is_no_absent_file() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("nowhere", &link).unwrap();
        assert!(read_if_exists(&link).is_err());
        assert_eq!(read_if_exists(&dir.path().join("none")).unwrap(), None);
    }

    #[test]
    fn reads_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let large = dir.path().join("large");
        std::fs::File::create(&large)
            .unwrap()
            .set_len(MAX_BYTES + 1)
            .unwrap();
        let error = read(&large).unwrap_err();
        assert_eq!(
            too_large(&error),
            Some(&TooLarge {
                len: MAX_BYTES + 1,
                limit: MAX_BYTES
            })
        );
        std::fs::write(&large, "12345").unwrap();
        assert_eq!(read_limited(&large, 5).unwrap(), b"12345");
        assert!(read_limited(&large, 4).is_err());
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"ok\xff").unwrap();
        let error = read_to_string(&file).unwrap_err();
        assert_eq!(error.to_string(), "not UTF-8 text (at byte 2)");
    }
}
