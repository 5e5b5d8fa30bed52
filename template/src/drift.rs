//! Drift: a locked file that is not what the template renders at the client's recorded
//! version (hand-edited security code), or a file still holding the conflict markers an upgrade
//! left.

use crate::catalog::Catalog;
use crate::client::TemplateClient;
use crate::error::Result;
use crate::merge;
use crate::record::{FileKind, Origin};
use crate::template;
use camino::Utf8Path;

/// What is wrong with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A locked file differs from its render, first at this line.
    Edited { line: usize },
    /// A locked file is gone.
    Missing,
    /// An unresolved conflict starts at this line.
    ConflictMarkers { line: usize },
    /// The record's answer for `key` (at this line of the record) is not the client's own:
    /// locked files rendered with it would read another client's variables.
    ForeignAnswer {
        line: usize,
        key: &'static str,
        recorded: String,
        expected: String,
    },
}

/// One drifted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// Relative to the client's directory.
    pub path: String,
    pub problem: Problem,
    /// Why the file is locked, for locked files.
    pub reason: Option<String>,
}

/// Every drifted file of the client whose package is `package`. A client from a custom
/// template is not checked; a recorded version this clientwall does not know is an error (the
/// check fails closed).
pub fn inspect(
    client_dir: &Utf8Path,
    client: &TemplateClient,
    catalog: &Catalog,
    package: &str,
) -> Result<Vec<Drift>> {
    let record = &client.record;
    if record.origin == Origin::Custom {
        return Ok(Vec::new());
    }
    let mut found = foreign_answers(client_dir, client, package);
    let template = catalog.template(&record.template_version)?;
    // Locked is what the record says or what the template version declares: a record edited
    // to call a security file managed does not unlock it.
    let declared = if template.declaration().locked.is_empty() {
        catalog.current()?.declaration().locked.clone()
    } else {
        template.declaration().locked.clone()
    };
    let locked =
        |p: &str| record.files.get(p) == Some(&FileKind::Locked) || declared.contains_key(p);
    let mut rendered = template.render_where(&record.variables(), locked)?;
    if record.standalone && rendered.iter().any(|f| f.path == "Cargo.toml") {
        template::make_standalone(&mut rendered)?;
    }
    let reason = |path: &str| {
        template
            .declaration()
            .locked
            .get(path)
            .or_else(|| catalog.current().ok()?.declaration().locked.get(path))
            .cloned()
    };
    for file in &rendered {
        let path = client_dir.join(&file.path);
        let problem = match safe_read::read_if_exists(path.as_std_path()) {
            Ok(Some(on_disk)) if on_disk == file.contents => continue,
            Ok(Some(on_disk)) => Problem::Edited {
                line: first_difference(&on_disk, &file.contents),
            },
            Ok(None) => Problem::Missing,
            Err(e) => return Err(crate::Error::io("read", path, e)),
        };
        found.push(Drift {
            path: file.path.clone(),
            problem,
            reason: reason(&file.path),
        });
    }
    for (path, kind) in &record.files {
        if *kind == FileKind::Locked {
            continue;
        }
        let full = client_dir.join(path);
        let contents = match safe_read::read_if_exists(full.as_std_path()) {
            Ok(Some(c)) => c,
            Ok(None) => continue,
            Err(e) => return Err(crate::Error::io("read", full, e)),
        };
        if let Some(line) = merge::conflict_marker_line(&contents) {
            found.push(Drift {
                path: path.clone(),
                problem: Problem::ConflictMarkers { line },
                reason: None,
            });
        }
    }
    Ok(found)
}

/// The recorded answers that are not the client's own: its name (the package's), and what
/// derives from it, the crate name and the prefix of the environment variables its credentials
/// are read from.
fn foreign_answers(client_dir: &Utf8Path, client: &TemplateClient, package: &str) -> Vec<Drift> {
    let vars = client.record.variables();
    // A client older than records has its answers recovered from its own files (a record that
    // cannot be read has already stopped `Record::load`).
    let record_path = client_dir.join(crate::record::FILE_NAME);
    let Ok(record_text) = safe_read::read_to_string(record_path.as_std_path()) else {
        return Vec::new();
    };
    let line_of = |key: &str| {
        record_text
            .lines()
            .position(|l| l.trim_start().starts_with(&format!("{key} =")))
            .map_or(1, |i| i + 1)
    };
    [
        ("client", &vars.client, package.to_owned()),
        (
            "crate_name",
            &vars.crate_name,
            crate::names::snake(&vars.client),
        ),
        (
            "env_prefix",
            &vars.env_prefix,
            crate::names::shouty(&vars.client),
        ),
    ]
    .into_iter()
    .filter(|(_, recorded, expected)| *recorded != expected)
    .map(|(key, recorded, expected)| Drift {
        path: crate::record::FILE_NAME.to_owned(),
        problem: Problem::ForeignAnswer {
            line: line_of(key),
            key,
            recorded: recorded.clone(),
            expected,
        },
        reason: None,
    })
    .collect()
}

/// The 1-based line where `a` and `b` first differ.
pub fn first_difference(a: &[u8], b: &[u8]) -> usize {
    let mut line = 1;
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return line;
        }
        if *x == b'\n' {
            line += 1;
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_counts_lines() {
        assert_eq!(first_difference(b"a\nb\nc\n", b"a\nb\nx\n"), 3);
        assert_eq!(first_difference(b"a\n", b"a\nmore\n"), 2);
        assert_eq!(first_difference(b"x", b"y"), 1);
    }
}
