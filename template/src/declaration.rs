//! The template's description of itself, `clientwall-template.toml` at the template's root (not
//! rendered into clients): which rendered files are **locked**, each with the reason, and which
//! files this version renamed. Every other rendered file is **managed**.
//!
//! ```toml
//! [locked]
//! "src/token.rs" = "the access token: held in memory only, renewed before it expires"
//!
//! [renamed]                 # old path in the previous release = path in this one
//! "src/report.rs" = "src/reports.rs"
//! ```

use crate::error::{Error, Result};
use crate::toml_spans;
use camino::Utf8Path;
use std::collections::BTreeMap;

/// The file name, at the template's root.
pub const FILE_NAME: &str = "clientwall-template.toml";

/// A template's locked files and renames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declaration {
    /// Rendered path → why it is locked.
    pub locked: BTreeMap<String, String>,
    /// Rendered path in the previous release → rendered path in this one.
    pub renamed: BTreeMap<String, String>,
}

impl Declaration {
    /// Parse the declaration; `path` names it in errors.
    pub fn parse(path: &Utf8Path, text: &str) -> Result<Declaration> {
        let doc = toml_spans::parse(path, text)?;
        let mut declaration = Declaration::default();
        for (key, item) in doc.as_table().iter() {
            let map = match key {
                "locked" => &mut declaration.locked,
                "renamed" => &mut declaration.renamed,
                other => {
                    return Err(Error::invalid_at(
                        path,
                        text,
                        toml_spans::key_offset(doc.as_table(), other),
                        format!("unknown table `{other}` (expected `locked` or `renamed`)"),
                    ));
                }
            };
            let table = item.as_table_like().ok_or_else(|| {
                Error::invalid_at(
                    path,
                    text,
                    item.span().map(|s| s.start),
                    format!("`{key}` must be a table"),
                )
            })?;
            for (file, value) in table.iter() {
                let text_value =
                    value
                        .as_str()
                        .filter(|v| !v.trim().is_empty())
                        .ok_or_else(|| {
                            Error::invalid_at(
                                path,
                                text,
                                value.span().map(|s| s.start),
                                format!("`{key}.\"{file}\"` must be a non-empty string"),
                            )
                        })?;
                map.insert(file.to_owned(), text_value.to_owned());
            }
        }
        Ok(declaration)
    }

    /// Is this rendered path locked?
    pub fn is_locked(&self, path: &str) -> bool {
        self.locked.contains_key(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locked_and_renamed() {
        let d = Declaration::parse(
            Utf8Path::new("t.toml"),
            "[locked]\n\"src/token.rs\" = \"the token\"\n\n[renamed]\n\"a\" = \"b\"\n",
        )
        .unwrap();
        assert!(d.is_locked("src/token.rs"));
        assert!(!d.is_locked("src/report.rs"));
        assert_eq!(d.renamed["a"], "b");
    }

    #[test]
    fn errors_name_the_line() {
        let err = Declaration::parse(Utf8Path::new("t.toml"), "[locked]\n\"a\" = \"\"\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "invalid t.toml:2: `locked.\"a\"` must be a non-empty string"
        );
        let err = Declaration::parse(Utf8Path::new("t.toml"), "[locked]\n\n[lockd]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid t.toml:3: unknown table `lockd`"),
            "{err}"
        );
    }
}
