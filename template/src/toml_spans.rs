//! TOML read with spans, so every error names its line.

use crate::error::{Error, Result};
use camino::Utf8Path;
use toml_edit::{Document, Table};

/// Parse `text` (the contents of `path`), keeping spans.
pub fn parse(path: &Utf8Path, text: &str) -> Result<Document<String>> {
    Document::parse(text.to_owned()).map_err(|e| {
        Error::invalid_at(
            path,
            text,
            e.span().map(|s| s.start),
            e.message().trim_end().to_owned(),
        )
    })
}

/// The byte offset of `key` in `table`, when known.
pub fn key_offset(table: &Table, key: &str) -> Option<usize> {
    table
        .key(key)
        .and_then(|k| k.span())
        .or_else(|| table.get(key).and_then(|i| i.span()))
        .map(|s| s.start)
}
