//! One client's upgrade, computed without writing: every file's new contents (or removal),
//! what happened to it, and the new record.

use camino::Utf8Path;
use clientwall_template::client::TemplateClient;
use clientwall_template::merge::{self, Labels, Merged};
use clientwall_template::migrations::Files;
use clientwall_template::record::{FileKind, Origin, Record};
use clientwall_template::{Catalog, RenderedFile, Template, template};
use std::collections::{BTreeMap, BTreeSet};

/// What an upgrade does (or did) to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Managed, unchanged by the client: the new template's version.
    Updated,
    /// Managed, changed by the client: the template's changes merged in, the client's kept.
    Merged,
    /// Managed: both changed the same lines; written with diff3 conflict markers.
    Conflict { hunks: usize },
    /// Locked: replaced by the new render.
    Replaced,
    /// Locked and edited (or deleted) by hand: restored to the new render.
    Restored { was_missing: bool },
    /// New in the template: added.
    Added,
    /// Managed, deleted by the client: stays deleted.
    StaysDeleted,
    /// No longer in the template and unchanged by the client: removed.
    Removed,
    /// No longer in the template but changed by the client: kept.
    KeptAsYours,
    /// The client's record, written or rewritten.
    Record,
}

impl Action {
    /// Whether this action writes or removes a file.
    pub fn writes(&self) -> bool {
        !matches!(self, Action::StaysDeleted | Action::KeptAsYours)
    }

    /// Short words for listings.
    pub fn describe(&self) -> String {
        match self {
            Action::Updated => "updated".into(),
            Action::Merged => "merged (your changes kept)".into(),
            Action::Conflict { hunks } => format!("CONFLICT ({hunks} hunk(s), diff3 markers)"),
            Action::Replaced => "replaced (locked)".into(),
            Action::Restored { was_missing: true } => {
                "restored (locked; it had been deleted)".into()
            }
            Action::Restored { was_missing: false } => {
                "restored (locked; your hand edit was replaced)".into()
            }
            Action::Added => "added (new in the template)".into(),
            Action::StaysDeleted => "stays deleted (you deleted it)".into(),
            Action::Removed => "removed (no longer in the template)".into(),
            Action::KeptAsYours => "kept (no longer in the template, but you changed it)".into(),
            Action::Record => "record".into(),
        }
    }
}

/// One file's part of an upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Relative to the client's directory.
    pub path: String,
    /// Where the file was before, when the template renamed it.
    pub renamed_from: Option<String>,
    pub action: Action,
}

/// A client's upgrade, ready to apply.
#[derive(Debug, Clone)]
pub struct ClientPlan {
    pub from: String,
    pub to: String,
    /// What happens to each file (only files something happens to).
    pub changes: Vec<FileChange>,
    /// The writes: path → new contents, or `None` to remove.
    pub writes: BTreeMap<String, Option<Vec<u8>>>,
    /// The migrations that ran.
    pub migrations: Vec<&'static str>,
}

impl ClientPlan {
    /// The files left with conflict markers.
    pub fn conflicts(&self) -> Vec<&str> {
        self.changes
            .iter()
            .filter(|c| matches!(c.action, Action::Conflict { .. }))
            .map(|c| c.path.as_str())
            .collect()
    }
}

/// Why a plan could not be made.
pub type PlanError = String;

fn render_client(
    template: &Template,
    client: &TemplateClient,
    version: &str,
) -> Result<BTreeMap<String, Vec<u8>>, PlanError> {
    let mut files: Vec<RenderedFile> = template
        .render(&client.record.answers.variables(version))
        .map_err(|e| e.to_string())?;
    if client.record.standalone {
        template::make_standalone(&mut files).map_err(|e| e.to_string())?;
    }
    Ok(files.into_iter().map(|f| (f.path, f.contents)).collect())
}

fn read(dir: &Utf8Path, path: &str) -> Result<Option<Vec<u8>>, PlanError> {
    safe_read::read_limited_if_exists(dir.join(path).as_std_path(), safe_read::MAX_CARGO_BYTES)
        .map_err(|e| format!("failed to read {}: {e}", dir.join(path)))
}

/// Plan the upgrade of the client in `dir` from its recorded version to `catalog`'s current.
/// `label` names the client in conflict markers.
pub fn plan(
    dir: &Utf8Path,
    label: &str,
    client: &TemplateClient,
    catalog: &Catalog,
) -> Result<ClientPlan, PlanError> {
    let record = &client.record;
    debug_assert_eq!(record.origin, Origin::Clientwall);
    let from = record.template_version.clone();
    let to = catalog.current_version().to_owned();
    let base_template = catalog.template(&from).map_err(|e| e.to_string())?;
    let new_template = catalog.current().map_err(|e| e.to_string())?;
    let base = render_client(base_template, client, &from)?;
    let theirs = render_client(new_template, client, &to)?;
    let declaration = new_template.declaration();

    // Where each base file lives in the new version.
    let mut moved_to: BTreeMap<String, String> = BTreeMap::new();
    for path in base.keys() {
        let new = catalog
            .follow_renames(&from, &to, path)
            .map_err(|e| e.to_string())?;
        moved_to.insert(path.clone(), new);
    }
    // The old path each new path comes from (itself when not renamed).
    let mut old_of: BTreeMap<&str, &str> = BTreeMap::new();
    for (old, new) in &moved_to {
        if theirs.contains_key(new) {
            old_of.insert(new.as_str(), old.as_str());
        }
    }

    // The client's own files, for every path the upgrade looks at; migrations edit them first.
    let mut paths: BTreeSet<String> = base.keys().cloned().collect();
    paths.extend(theirs.keys().cloned());
    paths.extend(record.files.keys().cloned());
    let mut ours: Files = BTreeMap::new();
    for path in &paths {
        if let Some(contents) = read(dir, path)? {
            ours.insert(path.clone(), contents);
        }
    }
    let before = ours.clone();
    let mut migrations = Vec::new();
    for migration in catalog
        .migrations_between(&from, &to)
        .map_err(|e| e.to_string())?
    {
        (migration.apply)(&mut ours, &record.answers.variables(&to)).map_err(|e| {
            format!(
                "migration to {} ({}) failed: {e}",
                migration.to, migration.summary
            )
        })?;
        migrations.push(migration.summary);
    }

    let labels = Labels {
        ours: &format!("{label} (yours)"),
        base: &format!("template {from}"),
        theirs: &format!("template {to}"),
    };
    let mut changes = Vec::new();
    let mut writes: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
    for (path, new) in &theirs {
        let old_path = old_of.get(path.as_str()).copied().unwrap_or(path.as_str());
        let renamed_from = (old_path != path).then(|| old_path.to_owned());
        let base_contents = base.get(old_path);
        let current = ours.get(old_path).or_else(|| ours.get(path));
        let locked = declaration.is_locked(path);
        let (action, contents) = if locked {
            match (current, base_contents) {
                // New in the template: added, not restored.
                (None, None) => (Some(Action::Added), Some(new.clone())),
                (None, Some(_)) => (
                    Some(Action::Restored { was_missing: true }),
                    Some(new.clone()),
                ),
                (Some(c), Some(b)) if c == b => (
                    (c != new || renamed_from.is_some()).then_some(Action::Replaced),
                    Some(new.clone()),
                ),
                (Some(c), None) if c == new => (None, None),
                (Some(c), _) if c == new && renamed_from.is_none() => (None, None),
                (Some(_), _) => (
                    Some(Action::Restored { was_missing: false }),
                    Some(new.clone()),
                ),
            }
        } else {
            match (current, base_contents) {
                (None, Some(_)) => (Some(Action::StaysDeleted), None),
                (None, None) => (Some(Action::Added), Some(new.clone())),
                (Some(c), b) => {
                    let empty = Vec::new();
                    let b = b.unwrap_or(&empty);
                    match merge::merge3(b, c, new, labels) {
                        Merged::Clean(merged) => {
                            let action = if merged == *c && renamed_from.is_none() {
                                None
                            } else if c == b {
                                Some(Action::Updated)
                            } else {
                                Some(Action::Merged)
                            };
                            (action, Some(merged))
                        }
                        Merged::Conflict { contents, hunks } => {
                            (Some(Action::Conflict { hunks }), Some(contents))
                        }
                    }
                }
            }
        };
        // A migration may have changed the client's file: what counts is what is on disk.
        let on_disk = before.get(old_path).or_else(|| before.get(path));
        let action = match (action, &contents) {
            (None, Some(c)) if Some(c) != on_disk || renamed_from.is_some() => Some(if locked {
                Action::Replaced
            } else {
                Action::Merged
            }),
            (action, _) => action,
        };
        if let Some(action) = action {
            if action.writes() {
                writes.insert(path.clone(), contents);
                if let Some(old) = renamed_from.as_ref().filter(|old| ours.contains_key(*old)) {
                    writes.insert(old.clone(), None);
                }
            }
            changes.push(FileChange {
                path: path.clone(),
                renamed_from,
                action,
            });
        }
    }
    // Files the new template no longer has.
    for (old, b) in &base {
        let new = &moved_to[old];
        if theirs.contains_key(new) {
            continue;
        }
        match ours.get(old) {
            None => {}
            Some(c) if c == b => {
                writes.insert(old.clone(), None);
                changes.push(FileChange {
                    path: old.clone(),
                    renamed_from: None,
                    action: Action::Removed,
                });
            }
            Some(_) => changes.push(FileChange {
                path: old.clone(),
                renamed_from: None,
                action: Action::KeptAsYours,
            }),
        }
    }
    // What the migrations changed beyond the template's files.
    for (path, contents) in &ours {
        if !writes.contains_key(path)
            && !theirs.contains_key(path)
            && before.get(path) != Some(contents)
        {
            writes.insert(path.clone(), Some(contents.clone()));
        }
    }
    // The record.
    let files = theirs
        .keys()
        .map(|p| {
            let kind = if declaration.is_locked(p) {
                FileKind::Locked
            } else {
                FileKind::Managed
            };
            (p.clone(), kind)
        })
        .collect();
    let record = Record {
        origin: Origin::Clientwall,
        template_version: to.clone(),
        standalone: record.standalone,
        answers: record.answers.clone(),
        files,
    };
    let text = record.to_toml().into_bytes();
    if read(dir, clientwall_template::record::FILE_NAME)?.as_ref() != Some(&text) {
        writes.insert(
            clientwall_template::record::FILE_NAME.to_owned(),
            Some(text),
        );
        changes.push(FileChange {
            path: clientwall_template::record::FILE_NAME.to_owned(),
            renamed_from: None,
            action: Action::Record,
        });
    }
    Ok(ClientPlan {
        from,
        to,
        changes,
        writes,
        migrations,
    })
}
