//! Places in files that diagnostics point at.

use camino::{Utf8Path, Utf8PathBuf};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

/// A span in a file, with its 1-based line and column precomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: Utf8PathBuf,
    pub line: usize,
    pub column: usize,
    pub span: Range<usize>,
}

impl Location {
    /// Locate byte range `span` inside `text` (the contents of `file`).
    pub fn from_span(file: &Utf8Path, text: &str, span: Range<usize>) -> Self {
        let (line, column) = line_column(text, span.start);
        Location {
            file: file.to_owned(),
            line,
            column,
            span,
        }
    }

    /// The start of a file, for findings that have no better place.
    pub fn start_of(file: &Utf8Path) -> Self {
        Location {
            file: file.to_owned(),
            line: 1,
            column: 1,
            span: 0..0,
        }
    }

    /// The file path relative to `root`, with forward slashes (as reports print it).
    pub fn relative_file(&self, root: &Utf8Path) -> String {
        relative_path(&self.file, root)
    }
}

/// `path` relative to `root` when it lies below it, with forward slashes.
pub fn relative_path(path: &Utf8Path, root: &Utf8Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.as_str().replace('\\', "/")
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Resolve `.` and `..` as the operating system does: lexically, except that a `..` after a
/// symlink climbs from where the symlink points (`src/up/../globex` with `src/up -> ..` is
/// `clients/globex`, not `src/globex`). Only an absolute path is looked up on disk, one
/// `symlink_metadata` per `..`; a link that cannot be resolved is climbed lexically.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if out.is_absolute()
                    && out
                        .symlink_metadata()
                        .is_ok_and(|meta| meta.file_type().is_symlink())
                    && let Ok(target) = out.canonicalize()
                {
                    out = target;
                }
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Canonical form when the path exists (symlinks resolved), else the lexical normal form.
pub fn resolve(path: &Path) -> PathBuf {
    let normal = normalize(path);
    normal.canonicalize().unwrap_or(normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_after_a_symlink_climbs_from_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("clients/acme/src")).unwrap();
        std::os::unix::fs::symlink("..", root.join("clients/acme/src/up")).unwrap();
        assert_eq!(
            normalize(&root.join("clients/acme/src/up/../globex/x.rs")),
            root.join("clients/globex/x.rs")
        );
        assert_eq!(
            normalize(&root.join("clients/acme/src/./down/../x.rs")),
            root.join("clients/acme/src/x.rs"),
            "a directory that is no symlink, or none at all, is climbed lexically"
        );
        assert_eq!(normalize(Path::new("a/up/../b")), Path::new("a/b"));
    }

    #[test]
    fn line_column_counts_from_one() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 3));
        assert_eq!(line_column(text, 999), (3, 1));
    }
}
