//! Reading one file for the scan without ever blocking: only regular files are opened (a FIFO,
//! socket or device never is, even if a regular file is swapped for one between the look and
//! the open), at most [`MAX_FILE_BYTES`] are read, and binary content is recognised the way git
//! does (a NUL byte near the start). History blobs go through the same limits.

use std::fs::Metadata;
use std::io::Read as _;
use std::path::Path;

/// Files (and history blobs) larger than this are skipped with a note: generated data, not
/// source.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Rust sources and cargo configuration files larger than this stop the check: cargo and rustc
/// read them whatever their size or content, so the scan must too, or fail.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// How far into a file a NUL byte makes it binary (git looks at the first 8000 bytes).
pub const BINARY_PROBE: usize = 8000;

/// What reading a path gave.
#[derive(Debug)]
pub enum Contents {
    /// A text file's bytes.
    Text(Vec<u8>),
    /// Not read, and why (for a note): `a FIFO`, `binary file`, `larger than ..`.
    Skipped(String),
}

/// Is this binary content (a NUL byte in the first [`BINARY_PROBE`] bytes)?
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some()
}

/// What kind of special file `meta` describes, if it is one.
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

/// The note for a file too large to scan.
pub fn too_large(len: u64) -> String {
    format!("{len} bytes, larger than the scan's limit of {MAX_FILE_BYTES} bytes")
}

/// Read the regular file at `path` (whose `symlink_metadata` is `meta`).
pub fn read(path: &Path, meta: &Metadata) -> std::io::Result<Contents> {
    read_as(path, meta, false)
}

/// Read a file the compiler reads whatever it holds (a Rust source, a cargo configuration
/// file): a NUL byte does not make it binary, and one larger than [`MAX_SOURCE_BYTES`] is an
/// error rather than a note, so nothing cargo compiles is passed unread.
pub fn read_source(path: &Path, meta: &Metadata) -> std::io::Result<Contents> {
    read_as(path, meta, true)
}

fn read_as(path: &Path, meta: &Metadata, source: bool) -> std::io::Result<Contents> {
    if let Some(kind) = special_kind(meta) {
        return Ok(Contents::Skipped(format!("{kind}, never opened")));
    }
    let limit = if source {
        MAX_SOURCE_BYTES
    } else {
        MAX_FILE_BYTES
    };
    let source_too_large = |len: u64| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{len} bytes, larger than the {MAX_SOURCE_BYTES} bytes the scan reads of a file cargo compiles or reads; the check cannot pass what it did not read"
            ),
        )
    };
    if meta.len() > limit {
        return match source {
            true => Err(source_too_large(meta.len())),
            false => Ok(Contents::Skipped(too_large(meta.len()))),
        };
    }
    let file = open_nonblocking(path)?;
    // The path may have been replaced since it was looked at: judge what was opened.
    let opened = file.metadata()?;
    if !opened.is_file() {
        let kind = special_kind(&opened).unwrap_or("not a regular file");
        return Ok(Contents::Skipped(format!("{kind}, not read")));
    }
    let mut bytes = Vec::with_capacity(opened.len().min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return match source {
            true => Err(source_too_large(bytes.len() as u64)),
            false => Ok(Contents::Skipped(too_large(bytes.len() as u64))),
        };
    }
    if !source && is_binary(&bytes) {
        return Ok(Contents::Skipped("binary file".to_owned()));
    }
    Ok(Contents::Text(bytes))
}

/// The whole text of the regular file at `path` (a manifest, a `client.toml`); a FIFO or a
/// device is an error, never a read that blocks.
pub fn read_regular_to_string(path: &Path) -> std::io::Result<String> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let kind = special_kind(&meta).unwrap_or("a directory");
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{kind}, not a regular file"),
        ));
    }
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            too_large(text.len() as u64),
        ));
    }
    Ok(text)
}

/// Open for reading without blocking on a FIFO and without taking a terminal as controlling
/// terminal.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_never_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let meta = fifo.symlink_metadata().unwrap();
        match read(&fifo, &meta).unwrap() {
            Contents::Skipped(why) => assert_eq!(why, "a FIFO, never opened"),
            Contents::Text(_) => panic!("read a FIFO"),
        }
        // Swapped in after the look: opened without blocking, then refused.
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let meta = file.symlink_metadata().unwrap();
        std::fs::remove_file(&file).unwrap();
        std::fs::rename(&fifo, &file).unwrap();
        match read(&file, &meta).unwrap() {
            Contents::Skipped(why) => assert_eq!(why, "a FIFO, not read"),
            Contents::Text(_) => panic!("read a FIFO"),
        }
    }

    #[test]
    fn binary_and_large_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("b");
        std::fs::write(&binary, b"PNG\0\x01").unwrap();
        let meta = binary.symlink_metadata().unwrap();
        assert!(
            matches!(read(&binary, &meta).unwrap(), Contents::Skipped(w) if w == "binary file")
        );
        let large = dir.path().join("l");
        let file = std::fs::File::create(&large).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let meta = large.symlink_metadata().unwrap();
        assert!(
            matches!(read(&large, &meta).unwrap(), Contents::Skipped(w) if w.contains("larger than"))
        );
    }
}
