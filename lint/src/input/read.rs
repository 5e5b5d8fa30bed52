//! Reading one file for the scan through `safe_read`, the one reader of every file clientwall
//! opens: only regular files are opened (a FIFO, socket or device never is, even if a regular
//! file is swapped for one between the look and the open), at most [`MAX_SOURCE_BYTES`] are read
//! (a larger text file stops the check); here, binary content is recognised the way git does (a
//! NUL byte near the start) and what was not read becomes a note. History blobs go through the
//! same limits, but one past [`MAX_SOURCE_BYTES`] is a note: a past commit cannot be changed.

use std::fs::Metadata;
use std::path::Path;

/// A file of the tree larger than this is read on, as far as [`MAX_SOURCE_BYTES`], unless it
/// is binary.
pub const MAX_FILE_BYTES: u64 = safe_read::MAX_BYTES;

/// Rust sources and cargo configuration files larger than this stop the check: cargo and rustc
/// read them whatever their size or content, so the scan must too, or fail. So does any other
/// text file this large: a secret in it would pass unread.
pub const MAX_SOURCE_BYTES: u64 = safe_read::MAX_CARGO_BYTES;

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

pub use safe_read::special_kind;

/// The note for a history blob too large to scan.
pub fn too_large(len: u64) -> String {
    format!("{len} bytes, larger than the scan's limit of {MAX_SOURCE_BYTES} bytes")
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
    // The caller has just looked at the path (`meta`): no second look before the open.
    let read = safe_read::open_looked(path, meta, safe_read::Symlinks::Refuse)
        .and_then(|(file, opened)| safe_read::read_opened(file, &opened, limit));
    let bytes = match read {
        Ok(bytes) => bytes,
        // The path was replaced by something else since the walk looked at it.
        Err(e) if safe_read::refusal(&e).is_some() => {
            let kind = safe_read::refusal(&e).map_or("not a regular file", |r| r.kind);
            return Ok(Contents::Skipped(format!("{kind}, not read")));
        }
        Err(e) => match safe_read::too_large(&e) {
            Some(large) if source => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "{} bytes, larger than the {MAX_SOURCE_BYTES} bytes the scan reads of a file cargo compiles or reads; the check cannot pass what it did not read",
                        large.len
                    ),
                ));
            }
            Some(_) => return read_large(path),
            None => return Err(e),
        },
    };
    if !source && is_binary(&bytes) {
        return Ok(Contents::Skipped("binary file".to_owned()));
    }
    Ok(Contents::Text(bytes))
}

/// A file past [`MAX_FILE_BYTES`] that is not a Rust source: binary (a NUL byte in its first
/// [`BINARY_PROBE`] bytes) is skipped with a note; text is read up to [`MAX_SOURCE_BYTES`], and
/// past that stops the check, which cannot pass a secret it did not read.
fn read_large(path: &Path) -> std::io::Result<Contents> {
    use std::io::Read;
    let (file, _) = safe_read::open(path, safe_read::Symlinks::Refuse)?;
    let mut probe = Vec::with_capacity(BINARY_PROBE);
    file.take(BINARY_PROBE as u64).read_to_end(&mut probe)?;
    if is_binary(&probe) {
        return Ok(Contents::Skipped("binary file".to_owned()));
    }
    let (file, opened) = safe_read::open(path, safe_read::Symlinks::Refuse)?;
    match safe_read::read_opened(file, &opened, MAX_SOURCE_BYTES) {
        Ok(bytes) if is_binary(&bytes) => Ok(Contents::Skipped("binary file".to_owned())),
        Ok(bytes) => Ok(Contents::Text(bytes)),
        Err(e) => match safe_read::too_large(&e) {
            Some(large) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} bytes of text, larger than the {MAX_SOURCE_BYTES} bytes the scan reads of a file; the check cannot pass what it did not read",
                    large.len
                ),
            )),
            None => Err(e),
        },
    }
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
    fn binary_files_are_skipped_and_large_text_is_read_or_stops() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("b");
        std::fs::write(&binary, b"PNG\0\x01").unwrap();
        let meta = binary.symlink_metadata().unwrap();
        assert!(
            matches!(read(&binary, &meta).unwrap(), Contents::Skipped(w) if w == "binary file")
        );
        // Sparse zeros past 8 MiB: binary, skipped.
        let large = dir.path().join("l");
        let file = std::fs::File::create(&large).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let meta = large.symlink_metadata().unwrap();
        assert!(matches!(read(&large, &meta).unwrap(), Contents::Skipped(w) if w == "binary file"));
        // Text past 8 MiB is read whole.
        let text = dir.path().join("t");
        std::fs::write(&text, "a".repeat(MAX_FILE_BYTES as usize + 1)).unwrap();
        let meta = text.symlink_metadata().unwrap();
        assert!(
            matches!(read(&text, &meta).unwrap(), Contents::Text(t) if t.len() as u64 == MAX_FILE_BYTES + 1)
        );
        // Text past 64 MiB (its first bytes text, then sparse zeros) stops the check.
        std::fs::write(&text, "a".repeat(BINARY_PROBE)).unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(&text).unwrap();
        file.set_len(MAX_SOURCE_BYTES + 1).unwrap();
        let meta = text.symlink_metadata().unwrap();
        let error = read(&text, &meta).unwrap_err();
        assert!(
            error.to_string().contains("larger than the 67108864 bytes"),
            "{error}"
        );
    }
}
