//! Registering a client in the root `Cargo.toml` with toml_edit: the file stays byte for byte
//! as it was except for the one added entry; nothing is added when a `members` glob already
//! covers the new directory; a sorted list stays sorted.

use crate::error::{Error, Result};
use globset::GlobBuilder;
use toml_edit::{Array, DocumentMut, Item, Value};

/// The root manifest text with `relative_dir` registered: in `workspace.members` (unless a
/// glob covers it), or in `workspace.exclude` for a standalone client.
pub fn register(manifest: &str, relative_dir: &str, standalone: bool) -> Result<String> {
    let mut doc: DocumentMut = manifest
        .parse()
        .map_err(|e| Error::Workspace(format!("failed to parse the root Cargo.toml: {e}")))?;
    let workspace = doc
        .get_mut("workspace")
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| Error::Workspace("the root Cargo.toml has no [workspace] table".into()))?;
    let key = if standalone { "exclude" } else { "members" };
    if workspace.get(key).is_none() {
        workspace.insert(key, Item::Value(Value::Array(Array::new())));
    }
    let array = workspace
        .get_mut(key)
        .and_then(Item::as_array_mut)
        .ok_or_else(|| {
            Error::Workspace(format!(
                "`workspace.{key}` in the root Cargo.toml is not an array"
            ))
        })?;
    let entries: Vec<&str> = array.iter().filter_map(Value::as_str).collect();
    let covered = if standalone {
        entries
            .iter()
            .any(|e| e.trim_end_matches('/') == relative_dir)
    } else {
        entries
            .iter()
            .any(|pattern| glob_covers(pattern, relative_dir))
    };
    if covered {
        return Ok(manifest.to_owned());
    }
    insert_keeping_layout(array, relative_dir);
    Ok(doc.to_string())
}

/// Does a `members` entry (a path or a glob, as cargo reads it: `./clients/*/` is
/// `clients/*`) cover `dir`?
pub fn glob_covers(pattern: &str, dir: &str) -> bool {
    let Ok(pattern) = clientwall_lint::policy_glob::normalize(pattern, camino::Utf8Path::new(""))
    else {
        return false;
    };
    GlobBuilder::new(&pattern)
        .literal_separator(true)
        .build()
        .is_ok_and(|glob| glob.compile_matcher().is_match(dir))
}

/// Insert `value` at its sorted place if the array is sorted, else at the end, formatted like
/// its neighbours: same indentation and line breaks, comments left on the lines they were on.
fn insert_keeping_layout(array: &mut Array, value: &str) {
    if array.is_empty() {
        array.push(value);
        return;
    }
    let strings: Vec<&str> = array.iter().filter_map(Value::as_str).collect();
    let sorted = strings.len() == array.len() && strings.windows(2).all(|w| w[0] <= w[1]);
    let index = if sorted {
        strings
            .iter()
            .position(|s| *s > value)
            .unwrap_or(array.len())
    } else {
        array.len()
    };
    let prefix_of = |v: &Value| {
        v.decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let last_prefix = array
        .get(array.len() - 1)
        .map(prefix_of)
        .unwrap_or_default();
    let multiline = last_prefix.contains('\n');
    let indent = last_prefix.rsplit('\n').next().unwrap_or("").to_owned();
    let mut new_value = Value::from(value);
    let prefix = match (multiline, index) {
        // Taking the first place: take over the first element's prefix (it may hold a comment
        // that heads the list), and give that element the plain one.
        (_, 0) => {
            let first = array.get_mut(0).expect("not empty");
            let taken = prefix_of(first);
            first.decor_mut().set_prefix(if multiline {
                format!("\n{indent}")
            } else {
                " ".to_owned()
            });
            taken
        }
        (true, i) if i == array.len() => {
            // After the last element: a comment after its comma stays on its line.
            let trailing = array.trailing().as_str().unwrap_or("").to_owned();
            let (same_line, rest) = trailing.split_once('\n').unwrap_or(("", trailing.as_str()));
            let prefix = format!("{same_line}\n{indent}");
            array.set_trailing(format!("\n{rest}"));
            prefix
        }
        (true, _) => format!("\n{indent}"),
        (false, _) => " ".to_owned(),
    };
    new_value.decor_mut().set_prefix(prefix);
    new_value.decor_mut().set_suffix("");
    array.insert_formatted(index, new_value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers() {
        assert!(glob_covers("clients/*", "clients/acme"));
        assert!(glob_covers("clients/*/", "clients/acme"));
        assert!(!glob_covers("clients/*", "other/acme"));
        assert!(!glob_covers("clients/*", "clients/acme/sub"));
        assert!(glob_covers("clients/acme", "clients/acme"));
    }

    #[test]
    fn inline_sorted_list() {
        let out = register(
            "[workspace]\nmembers = [\"clients/b\", \"clients/d\"]\n",
            "clients/c",
            false,
        )
        .unwrap();
        assert_eq!(
            out,
            "[workspace]\nmembers = [\"clients/b\", \"clients/c\", \"clients/d\"]\n"
        );
        let out = register(
            "[workspace]\nmembers = [\"clients/b\"]\n",
            "clients/a",
            false,
        )
        .unwrap();
        assert_eq!(
            out,
            "[workspace]\nmembers = [\"clients/a\", \"clients/b\"]\n"
        );
        let out = register(
            "[workspace]\nmembers = [\"z\", \"clients/b\"]\n",
            "clients/a",
            false,
        )
        .unwrap();
        assert_eq!(
            out,
            "[workspace]\nmembers = [\"z\", \"clients/b\", \"clients/a\"]\n"
        );
    }

    #[test]
    fn multiline_list_with_comments() {
        let input = "[workspace]\nmembers = [\n    # clients\n    \"clients/b\",\n    \"clients/d\", # last\n]\n";
        let out = register(input, "clients/c", false).unwrap();
        assert_eq!(
            out,
            "[workspace]\nmembers = [\n    # clients\n    \"clients/b\",\n    \"clients/c\",\n    \"clients/d\", # last\n]\n"
        );
        let out = register(input, "clients/z", false).unwrap();
        assert_eq!(
            out,
            "[workspace]\nmembers = [\n    # clients\n    \"clients/b\",\n    \"clients/d\", # last\n    \"clients/z\",\n]\n"
        );
    }

    #[test]
    fn glob_already_covers() {
        let input = "[workspace] # root\nmembers = [\"clients/*\"]\n";
        assert_eq!(register(input, "clients/acme", false).unwrap(), input);
    }

    #[test]
    fn standalone_goes_to_exclude() {
        let out = register(
            "[workspace]\nmembers = [\"clients/*\"]\n",
            "clients/acme",
            true,
        )
        .unwrap();
        assert_eq!(
            out,
            "[workspace]\nmembers = [\"clients/*\"]\nexclude = [\"clients/acme\"]\n"
        );
    }
}
