//! Removing a client's registration from the root `Cargo.toml` with toml_edit: the file stays
//! byte for byte as it was except for the removed entries. An entry's same-line comment goes
//! with it; comment lines above it stay (they may head the list). Nothing is removed when a
//! glob covers the directory: the glob is the policy for the clients to come.
//!
//! What names the client: its directory in `workspace.members`, `workspace.default-members`,
//! `workspace.exclude` (a standalone client) and `workspace.metadata.clientwall.clients`, and
//! a `path` dependency on it in `workspace.dependencies` or a `[patch.*]` table.

use crate::error::{Error, Result};
use crate::register::glob_covers;
use toml_edit::{Array, DocumentMut, Item, TableLike, Value};

/// The root manifest without the client at `relative_dir`, and one sentence per edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unregistered {
    pub manifest: String,
    pub edits: Vec<String>,
}

/// Remove every entry of the root manifest `text` that names `relative_dir`. Idempotent: a
/// manifest without such an entry comes back unchanged, with no edit.
pub fn unregister(text: &str, relative_dir: &str) -> Result<Unregistered> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| Error::Workspace(format!("failed to parse the root Cargo.toml: {e}")))?;
    let mut edits = Vec::new();
    if let Some(workspace) = doc.get_mut("workspace").and_then(Item::as_table_like_mut) {
        for key in ["members", "default-members", "exclude"] {
            let path = format!("workspace.{key}");
            remove_from_array(workspace.get_mut(key), relative_dir, &path, &mut edits);
        }
        let clients = workspace
            .get_mut("metadata")
            .and_then(Item::as_table_like_mut)
            .and_then(|m| m.get_mut("clientwall"))
            .and_then(Item::as_table_like_mut)
            .and_then(|c| c.get_mut("clients"));
        remove_from_array(
            clients,
            relative_dir,
            "workspace.metadata.clientwall.clients",
            &mut edits,
        );
        if let Some(deps) = workspace
            .get_mut("dependencies")
            .and_then(Item::as_table_like_mut)
        {
            remove_path_dependencies(deps, relative_dir, "workspace.dependencies", &mut edits);
        }
    }
    if let Some(patch) = doc.get_mut("patch").and_then(Item::as_table_like_mut) {
        for (registry, table) in patch.iter_mut() {
            if let Some(table) = table.as_table_like_mut() {
                let path = format!("patch.{registry}");
                remove_path_dependencies(table, relative_dir, &path, &mut edits);
            }
        }
    }
    let manifest = if edits.is_empty() {
        text.to_owned()
    } else {
        doc.to_string()
    };
    Ok(Unregistered { manifest, edits })
}

/// The `members` glob that covers `relative_dir`, if one does (no edit is needed then).
pub fn covering_glob(text: &str, relative_dir: &str) -> Option<String> {
    let doc: DocumentMut = text.parse().ok()?;
    doc.get("workspace")?
        .get("members")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find(|entry| entry.contains(['*', '?', '[']) && glob_covers(entry, relative_dir))
        .map(str::to_owned)
}

/// Does an array entry name `dir` (as cargo reads paths: `./` and a trailing `/` allowed)?
fn names(entry: &str, dir: &str) -> bool {
    entry.trim_start_matches("./").trim_end_matches('/') == dir
}

fn remove_from_array(item: Option<&mut Item>, dir: &str, path: &str, edits: &mut Vec<String>) {
    let Some(array) = item.and_then(Item::as_array_mut) else {
        return;
    };
    loop {
        let found = array
            .iter()
            .position(|v| v.as_str().is_some_and(|s| names(s, dir)));
        let Some(index) = found else { break };
        let entry = array
            .get(index)
            .and_then(Value::as_str)
            .unwrap_or(dir)
            .to_owned();
        edits.push(format!("removed \"{entry}\" from `{path}`"));
        remove_keeping_comments(array, index);
    }
}

/// Remove element `index`; its same-line comment (the start of what follows it) goes with it,
/// the comment lines above it stay.
fn remove_keeping_comments(array: &mut Array, index: usize) {
    let prefix_of = |v: &Value| {
        v.decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let removed_prefix = array.get(index).map(prefix_of).unwrap_or_default();
    // What precedes the element, up to its own line's indentation.
    let kept = match removed_prefix.rfind('\n') {
        Some(newline) => removed_prefix[..=newline].to_owned(),
        None => String::new(),
    };
    let after_first_line = |s: &str| match s.find('\n') {
        Some(newline) => s[newline + 1..].to_owned(),
        None => s.to_owned(),
    };
    array.remove(index);
    if index < array.len() {
        let next = array.get_mut(index).expect("in bounds");
        let next_prefix = prefix_of(next);
        let prefix = if removed_prefix.contains('\n') || next_prefix.contains('\n') {
            format!("{kept}{}", after_first_line(&next_prefix))
        } else {
            // One line: the next element takes the removed one's place.
            removed_prefix.clone()
        };
        next.decor_mut().set_prefix(prefix);
    } else {
        let trailing = array.trailing().as_str().unwrap_or("").to_owned();
        let rest = if trailing.contains('\n') {
            after_first_line(&trailing)
        } else {
            String::new()
        };
        array.set_trailing(format!("{kept}{rest}"));
        if array.is_empty() {
            array.set_trailing_comma(false);
        }
    }
}

fn remove_path_dependencies(
    table: &mut dyn TableLike,
    dir: &str,
    path: &str,
    edits: &mut Vec<String>,
) {
    let names_dir: Vec<String> = table
        .iter()
        .filter(|(_, item)| {
            item.get("path")
                .and_then(Item::as_str)
                .is_some_and(|p| names(p, dir))
        })
        .map(|(key, _)| key.to_owned())
        .collect();
    for key in names_dir {
        table.remove(&key);
        edits.push(format!("removed `{key}` (path \"{dir}\") from `{path}`"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removed(text: &str) -> (String, Vec<String>) {
        let out = unregister(text, "clients/acme").unwrap();
        (out.manifest, out.edits)
    }

    #[test]
    fn multiline_list_keeps_its_comments() {
        let input = "# root\n[workspace]\nmembers = [\n    # clients, one crate each\n    \"clients/acme\", # SQLite\n    \"clients/globex\", # PostgreSQL\n]\n";
        let (out, edits) = removed(input);
        assert_eq!(
            out,
            "# root\n[workspace]\nmembers = [\n    # clients, one crate each\n    \"clients/globex\", # PostgreSQL\n]\n"
        );
        assert_eq!(edits, ["removed \"clients/acme\" from `workspace.members`"]);
    }

    #[test]
    fn last_of_a_multiline_list() {
        let input = "[workspace]\nmembers = [\n    \"clients/a\", # first\n    # the acme engagement\n    \"clients/acme\", # SQLite\n]\n";
        let (out, _) = removed(input);
        assert_eq!(
            out,
            "[workspace]\nmembers = [\n    \"clients/a\", # first\n    # the acme engagement\n]\n"
        );
    }

    #[test]
    fn one_line_lists() {
        let (out, _) = removed("[workspace]\nmembers = [\"clients/acme\", \"clients/b\"]\n");
        assert_eq!(out, "[workspace]\nmembers = [\"clients/b\"]\n");
        let (out, _) = removed("[workspace]\nmembers = [\"clients/a\", \"./clients/acme/\"]\n");
        assert_eq!(out, "[workspace]\nmembers = [\"clients/a\"]\n");
        let (out, _) = removed("[workspace]\nmembers = [\"clients/a\", \"clients/acme\", \"c\"]\n");
        assert_eq!(out, "[workspace]\nmembers = [\"clients/a\", \"c\"]\n");
        let (out, _) = removed("[workspace]\nmembers = [\"clients/acme\"]\n");
        assert_eq!(out, "[workspace]\nmembers = []\n");
    }

    #[test]
    fn a_covering_glob_needs_no_edit() {
        let input = "[workspace] # root\nmembers = [\"clients/*\"] # every client\n";
        let (out, edits) = removed(input);
        assert_eq!(out, input);
        assert!(edits.is_empty());
        assert_eq!(
            covering_glob(input, "clients/acme").as_deref(),
            Some("clients/*")
        );
        assert_eq!(covering_glob(input, "other/acme"), None);
    }

    #[test]
    fn standalone_client_leaves_exclude() {
        let input = "[workspace]\nmembers = [\"clients/*\"]\n# standalone clients\nexclude = [\"clients/acme\", \"clients/zeta\"]\n";
        let (out, edits) = removed(input);
        assert_eq!(
            out,
            "[workspace]\nmembers = [\"clients/*\"]\n# standalone clients\nexclude = [\"clients/zeta\"]\n"
        );
        assert_eq!(edits, ["removed \"clients/acme\" from `workspace.exclude`"]);
    }

    #[test]
    fn every_other_entry_that_names_the_client() {
        let input = "\
[workspace]
members = [\"clients/acme\", \"shared/x\"]
default-members = [\"clients/acme\"]

[workspace.dependencies]
serde = \"1\"
# acme's crate, for the tests
acme = { path = \"clients/acme\" }

[workspace.metadata.clientwall]
clients = [\"clients/*\", \"clients/acme\"] # the explicit one too

[patch.crates-io]
acme = { path = \"./clients/acme\" }
other = { path = \"shared/other\" }
";
        let out = unregister(input, "clients/acme").unwrap();
        assert_eq!(
            out.manifest,
            "\
[workspace]
members = [\"shared/x\"]
default-members = []

[workspace.dependencies]
serde = \"1\"

[workspace.metadata.clientwall]
clients = [\"clients/*\"] # the explicit one too

[patch.crates-io]
other = { path = \"shared/other\" }
"
        );
        assert_eq!(out.edits.len(), 5, "{:?}", out.edits);
        // Idempotent: nothing left to remove.
        let again = unregister(&out.manifest, "clients/acme").unwrap();
        assert_eq!(again.manifest, out.manifest);
        assert!(again.edits.is_empty());
    }

    #[test]
    fn a_name_that_only_starts_like_the_client_stays() {
        let input = "[workspace]\nmembers = [\"clients/acme-corp\", \"clients/acme/sub\"]\n";
        let (out, edits) = removed(input);
        assert_eq!(out, input);
        assert!(edits.is_empty());
    }
}
