//! `template-drift`

use super::{DriftContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::error::Result;
use crate::model::layout::Layout;
use crate::location::Location;
use camino::{Utf8Path, Utf8PathBuf};
use clientwall_template::Catalog;
use clientwall_template::client::{self, TemplateClient};
use clientwall_template::drift::{self, Problem};
use clientwall_template::record::Origin;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::TemplateDrift,
    level: Level::Error,
    pass: Pass::Drift(check),
    summary: "a client's locked template file differs from the template at the client's recorded version, or an upgrade left conflict markers",
    doc: r#"## What it does
Reads each generated client's record (`.clientwall-template.toml`: its template version, its
answers and which of its files are **locked**), renders the locked files again from the
template at that version with those answers, and fails for every locked file that differs or
is missing. It also fails for every file the template produced that still holds an unresolved
conflict (`<<<<<<<`, `=======`, `>>>>>>>` lines) from `cargo clientwall upgrade`.

A client generated before records existed (its `Cargo.toml` names only `template-version`) is
checked with the answers recovered from its own files. A client from a custom template is not
checked. A recorded version this clientwall does not know, or an unreadable record, stops the
check (exit 2): it fails closed.

## Why is this bad?
Locked files carry the client's isolation promises: the token held in memory only, the
read-only scope guard, the redacted secret type, the transport, the owner-only database. A
hand edit there is an unreviewed change to security code that the next upgrade would silently
replace, and that no other client has. Conflict markers mean an upgrade is half done.

## Example
```text
clients/acme/src/scopes.rs   <- locked; someone relaxed the write-scope check by hand
```

## How to fix
Run `cargo clientwall upgrade acme` to restore the locked file from the template (it reports
what it replaced), and make the change in the template instead, where every client gets it.
For conflict markers, resolve the conflict by hand and delete the markers.
"#,
};

/// Drift in every client of `layout` (or only those `only` accepts). Clients of a workspace
/// that names its own template are taken as from that template when they have no record.
pub fn check(ctx: &DriftContext) -> Result<Vec<Violation>> {
    let (layout, catalog) = (ctx.layout, ctx.catalog);
    let legacy = legacy_origin(ctx.custom_template);
    let mut found = Vec::new();
    for area in layout.clients.iter().filter(|a| (ctx.selected)(&a.name)) {
        let Ok(dir) = Utf8PathBuf::from_path_buf(area.dir.clone()) else {
            continue;
        };
        let Some(client) = client::read(&dir, catalog, legacy)? else {
            continue;
        };
        for drift in drift::inspect(&dir, &client, catalog, &area.name)? {
            found.push(violation(layout, &area.name, &dir, &client, drift)?);
        }
    }
    Ok(found)
}

/// Whether the rule applies to the client in `dir`: it was generated from clientwall's
/// template (it has a record, or names a `template-version`), not from a custom one.
pub fn applies(dir: &Utf8Path, catalog: &Catalog, custom_template: bool) -> Result<bool> {
    Ok(client::read(dir, catalog, legacy_origin(custom_template))?
        .is_some_and(|client| client.record.origin == Origin::Clientwall))
}

/// The template version of the client in `dir` when clientwall's template made it (its
/// record's, or the one its `Cargo.toml` names); `None` when it did not.
pub fn made_by_clientwall(
    dir: &Utf8Path,
    catalog: &Catalog,
    custom_template: bool,
) -> Result<Option<String>> {
    Ok(client::read(dir, catalog, legacy_origin(custom_template))?
        .filter(|client| client.record.origin == Origin::Clientwall)
        .map(|client| client.record.template_version))
}

/// Where a client without a record came from: the workspace's own template when it names one.
fn legacy_origin(custom_template: bool) -> Origin {
    if custom_template {
        Origin::Custom
    } else {
        Origin::Clientwall
    }
}

fn violation(
    layout: &Layout,
    name: &str,
    dir: &Utf8Path,
    client: &TemplateClient,
    drift: drift::Drift,
) -> Result<Violation> {
    let version = &client.record.template_version;
    let file = dir.join(&drift.path);
    let shown = layout.display(file.as_std_path());
    let because = drift
        .reason
        .as_deref()
        .map(|r| format!("`{}` is locked ({r}); ", drift.path))
        .unwrap_or_default();
    let (location, message, help, state) = match drift.problem {
        Problem::Edited { line } => (
            at_line(&file, line)?,
            format!("client `{name}`'s locked file `{shown}` differs from template {version}"),
            format!(
                "{because}restore it with `cargo clientwall upgrade {name}` and make the change in the template instead"
            ),
            "edited",
        ),
        Problem::Missing => (
            Location::start_of(&dir.join(clientwall_template::record::FILE_NAME)),
            format!("client `{name}`'s locked file `{shown}` is missing"),
            format!("{because}restore it with `cargo clientwall upgrade {name}`"),
            "missing",
        ),
        Problem::ForeignAnswer {
            line,
            key,
            recorded,
            expected,
        } => (
            at_line(&file, line)?,
            format!(
                "client `{name}`'s template record gives `{key} = \"{recorded}\"`, not the client's own `{expected}`"
            ),
            format!(
                "the locked files are rendered with the record's answers: a foreign `{key}` would read another client's variables; set it back to `{expected}`"
            ),
            "foreign-answer",
        ),
        Problem::ConflictMarkers { line } => (
            at_line(&file, line)?,
            format!("client `{name}`'s `{shown}` holds an unresolved conflict from a template upgrade"),
            "resolve the conflict (keep what the client needs from both sides) and delete the markers"
                .to_owned(),
            "conflict-markers",
        ),
    };
    Ok(Violation {
        rule: &RULE,
        client: name.to_owned(),
        subject: Subject::TemplateFile {
            path: shown,
            template_version: version.clone(),
            state: state.to_owned(),
        },
        path: Vec::new(),
        location,
        message,
        help,
        allow_key: None,
        show_source: true,
    })
}

/// The start of 1-based `line` of `file`.
fn at_line(file: &Utf8Path, line: usize) -> Result<Location> {
    let text = safe_read::read(file.as_std_path())
        .map_err(|e| crate::Error::io(crate::error::IoAction::Read, file, e))?;
    let text = String::from_utf8_lossy(&text);
    let offset: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let end = text[offset..].find('\n').map_or(text.len(), |n| offset + n);
    Ok(Location::from_span(file, &text, offset..end))
}
