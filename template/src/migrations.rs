//! Versioned migrations: Rust functions for the structural changes a three-way merge cannot
//! make on its own, such as a new `client.toml` key whose value is kept from the client's own
//! file. Each migration belongs to the version that needs it (`to`) and runs, in version
//! order, on the client's own files before they are merged with that version. A migration
//! makes the same edit the new template makes, so the merge sees the change on both sides and
//! takes it once. Every migration is listed in [`MIGRATIONS`] and has a test.

use crate::variables::Variables;
use std::collections::BTreeMap;

/// A client's files: path relative to the client's directory → contents.
pub type Files = BTreeMap<String, Vec<u8>>;

/// One structural change on the way to version `to`.
#[derive(Clone, Copy)]
pub struct Migration {
    /// The version that needs it; it runs for upgrades from below `to` to `to` or later.
    pub to: &'static str,
    /// One line for the upgrade summary.
    pub summary: &'static str,
    /// Edit the client's files; an error refuses the client's upgrade (nothing is written).
    pub apply: fn(&mut Files, &Variables) -> Result<(), String>,
}

impl std::fmt::Debug for Migration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migration")
            .field("to", &self.to)
            .field("summary", &self.summary)
            .finish()
    }
}

/// Every migration of the embedded templates, oldest first. Template 0.1.0 is the first
/// release, so none is needed yet.
pub static MIGRATIONS: &[Migration] = &[];

/// For migrations: make sure TOML file `file` has `key` in `[table]`, adding `default` (at the
/// end of the table, creating the table at the end of the file) when it is missing. Comments
/// and layout are kept. Returns whether anything changed.
pub fn ensure_toml_key(
    files: &mut Files,
    file: &str,
    table: &str,
    key: &str,
    default: toml_edit::Value,
) -> Result<bool, String> {
    let Some(contents) = files.get_mut(file) else {
        return Ok(false);
    };
    let text = std::str::from_utf8(contents).map_err(|_| format!("{file} is not UTF-8"))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("failed to parse {file}: {}", e.message()))?;
    let entry = doc
        .entry(table)
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
    let table_like = entry
        .as_table_like_mut()
        .ok_or_else(|| format!("{file}: `{table}` is not a table"))?;
    if table_like.contains_key(key) {
        return Ok(false);
    }
    table_like.insert(key, toml_edit::Item::Value(default));
    *contents = doc.to_string().into_bytes();
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_targets_a_known_version_in_order() {
        let catalog = crate::Catalog::embedded();
        let mut last = None;
        for m in MIGRATIONS {
            catalog.template(m.to).unwrap();
            let v = crate::version::parse(m.to).unwrap();
            assert!(last.as_ref().is_none_or(|l| *l <= v), "{m:?} out of order");
            last = Some(v);
        }
    }

    #[test]
    fn ensure_toml_key_adds_once_and_keeps_comments() {
        let mut files = Files::new();
        files.insert(
            "client.toml".into(),
            b"# mine\n[shopify]\nshop = \"a.myshopify.com\" # the shop\n".to_vec(),
        );
        assert!(
            ensure_toml_key(&mut files, "client.toml", "sync", "page_size", 250.into()).unwrap()
        );
        assert!(
            !ensure_toml_key(&mut files, "client.toml", "sync", "page_size", 100.into()).unwrap()
        );
        assert_eq!(
            String::from_utf8(files["client.toml"].clone()).unwrap(),
            "# mine\n[shopify]\nshop = \"a.myshopify.com\" # the shop\n\n[sync]\npage_size = 250\n"
        );
        assert!(!ensure_toml_key(&mut files, "absent.toml", "t", "k", 1.into()).unwrap());
    }
}
