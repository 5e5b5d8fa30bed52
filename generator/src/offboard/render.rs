//! What `offboard` prints: the plan, an offboarding in progress, the warning before the data
//! goes, and the end.

use super::client_binary::{ClientBinary, DestroyReport};
use super::journal::{Journal, Step};
use super::plan::{Plan, Preview};
use super::procedure::Outcome;
use clientwall_lint::offboarded::RevocationOutcome;

/// The preview, as `offboard` without `--yes` prints it.
pub fn render_preview(preview: &Preview) -> String {
    match preview {
        Preview::New(plan) => plan_text(plan, false),
        Preview::InProgress(journal) => progress(journal, false),
    }
}

pub(crate) fn plan(plan: &Plan, yes: bool) -> String {
    plan_text(plan, yes)
}

fn plan_text(p: &Plan, yes: bool) -> String {
    let binary = ClientBinary::new(&p.root, &p.root.join(&p.crate_dir));
    let mut out = if yes {
        format!("offboard {}: the plan\n", p.client)
    } else {
        format!(
            "offboard {}: the plan (a dry run: nothing is touched; `--yes` does it)\n",
            p.client
        )
    };
    let line = |out: &mut String, label: &str, text: &str| {
        out.push_str(&format!("  {label:<10} {text}\n"));
    };
    line(
        &mut out,
        "crate",
        &format!(
            "{} ({}, {} files)",
            p.crate_dir,
            if p.standalone {
                "a standalone workspace"
            } else {
                "a member of the root workspace"
            },
            p.files
        ),
    );
    line(
        &mut out,
        "shop",
        p.shop.as_deref().unwrap_or("(none in client.toml)"),
    );
    line(
        &mut out,
        "commit",
        &p.commit
            .clone()
            .unwrap_or_else(|| format!("({})", p.commit_note.as_deref().unwrap_or("none"))),
    );
    line(
        &mut out,
        "refusals",
        &format!(
            "none: no crate outside {} depends on it, no `allow` entry names it",
            p.crate_dir
        ),
    );
    line(
        &mut out,
        "check now",
        &format!("{} violation(s)", p.violations_now),
    );
    out.push('\n');

    let step = |out: &mut String, n: usize, name: &str, lines: &[String]| {
        for (i, text) in lines.iter().enumerate() {
            if i == 0 {
                out.push_str(&format!("  {n}. {name:<12} {text}\n"));
            } else {
                out.push_str(&format!("     {:<12} {text}\n", ""));
            }
        }
    };
    let shop = p.shop.as_deref().unwrap_or("the shop");
    let mut revoke = vec![
        format!(
            "uninstall the app from {shop} (`appUninstall`, with a fresh token), then ask for a token again and see it refused; this cannot be undone"
        ),
        format!("runs: {}", binary.display(&["revoke", "--yes", "--json"])),
    ];
    let unset: Vec<&str> = p
        .credentials
        .iter()
        .filter(|(_, set)| !set)
        .map(|(var, _)| var.as_str())
        .collect();
    revoke.push(if unset.is_empty() {
        "the client's credentials are set here".to_owned()
    } else {
        format!(
            "{} not set here: revocation will be recorded as the client's to do (they delete the app in their Dev Dashboard)",
            unset.join(" and ")
        )
    });
    step(&mut out, 1, "revoke", &revoke);
    let export = match &p.export_dir {
        Some(dir) => vec![
            format!(
                "write the client's tables as JSONL, with a manifest of row counts and SHA-256 sums, to {dir}"
            ),
            format!(
                "runs: {}",
                binary.display(&["export", "--dir", dir.as_str(), "--json"])
            ),
        ],
        None => vec!["not asked for (`--export DIR` returns the data first)".to_owned()],
    };
    step(&mut out, 2, "export", &export);
    let mut destroy: Vec<String> = p.data.iter().map(|d| format!("DESTROYS {d}")).collect();
    destroy.push("then verifies that nothing of it remains".to_owned());
    destroy.push(format!(
        "runs: {}",
        binary.display(&["destroy", "--yes", "--json"])
    ));
    step(&mut out, 3, "destroy", &destroy);
    let mut remove = vec![format!("DELETES {} ({} files)", p.crate_dir, p.files)];
    if p.manifest_edits.is_empty() {
        remove.push(match &p.covering_glob {
            Some(glob) => {
                format!("Cargo.toml: nothing to edit (the `members` glob \"{glob}\" covers it)")
            }
            None => "Cargo.toml: nothing names it".to_owned(),
        });
    } else {
        remove.extend(p.manifest_edits.iter().map(|e| format!("Cargo.toml: {e}")));
    }
    if let Some(glob) = &p.glob_left_empty {
        remove.push(format!(
            "note: it is the last crate the glob \"{glob}\" matches; cargo cannot load the workspace until the next client exists, so the check after it cannot run"
        ));
    }
    step(&mut out, 4, "remove", &remove);
    step(
        &mut out,
        5,
        "check",
        &["`cargo clientwall check` on what remains".to_owned()],
    );
    step(
        &mut out,
        6,
        "certificate",
        &[format!(
            "write offboarded/{}-YYYY-MM-DD.md and .json: what was deleted, how, when, the revocation result, the remaining duties, with a SHA-256 checksum",
            p.client
        )],
    );
    if p.manifest_before != p.manifest_after {
        out.push('\n');
        out.push_str(&clientwall_template::merge::unified_diff(
            "Cargo.toml",
            &p.manifest_before,
            &p.manifest_after,
        ));
    }
    out
}

/// An offboarding in progress: each step done, begun or to do.
pub(crate) fn progress(journal: &Journal, yes: bool) -> String {
    let mut out = format!(
        "offboard {}: an offboarding started {} is in progress{}\n",
        journal.client,
        journal.started_at,
        if yes {
            "; continuing it"
        } else {
            " (a dry run: nothing is touched; `--yes` continues it)"
        }
    );
    for step in Step::ALL {
        let state = if step == Step::Export && journal.export_dir.is_none() {
            "not asked for".to_owned()
        } else if step == Step::Export && !journal.done(step) {
            format!(
                "to {}: {}",
                journal.export_dir.as_ref().expect("asked for"),
                if journal.begun.contains(&step) {
                    "begun, not finished"
                } else {
                    "to do"
                }
            )
        } else if journal.done(step) {
            format!("done{}", done_detail(journal, step))
        } else if journal.begun.contains(&step) {
            "begun, not finished: it runs again (each step is safe to repeat)".to_owned()
        } else {
            "to do".to_owned()
        };
        out.push_str(&format!("  {:<12} {state}\n", step.name()));
    }
    out
}

fn done_detail(journal: &Journal, step: Step) -> String {
    match step {
        Step::Revoke => journal
            .revocation
            .as_ref()
            .map(|r| match r.outcome {
                RevocationOutcome::Revoked => ": revoked".to_owned(),
                RevocationOutcome::AlreadyRefused => ": refused".to_owned(),
                RevocationOutcome::ClientToDo => ": the client's to do".to_owned(),
            })
            .unwrap_or_default(),
        Step::Destroy => journal
            .data
            .as_ref()
            .map(|d| format!(": {}", d.location))
            .unwrap_or_default(),
        Step::Check => journal
            .check
            .as_ref()
            .map(|c| format!(": {}", c.summary))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Said before the data goes: what exactly is destroyed.
pub(crate) fn destroy_warning(inventory: &DestroyReport) -> String {
    let mut out = format!(
        "destroy: about to destroy, for good, {}'s data at {}:\n",
        inventory.engine, inventory.location
    );
    if inventory.objects.is_empty() {
        out.push_str("  nothing is there (already destroyed, or never created); verifying\n");
    }
    for object in &inventory.objects {
        let rows = inventory
            .tables
            .iter()
            .find(|t| object.kind == "table" && t.table == object.name)
            .map(|t| format!(" ({} rows)", t.rows))
            .unwrap_or_default();
        out.push_str(&format!("  {} {}{rows}\n", object.kind, object.name));
    }
    if !inventory.tables.is_empty() && !inventory.objects.iter().any(|o| o.kind == "table") {
        let rows: Vec<String> = inventory
            .tables
            .iter()
            .map(|t| format!("{} {}", t.table, t.rows))
            .collect();
        out.push_str(&format!("  rows: {}\n", rows.join(", ")));
    }
    out
}

/// The end of a run.
pub fn render_outcome(outcome: &Outcome, root: &camino::Utf8Path) -> String {
    let c = &outcome.certificate;
    let rel = |p: &camino::Utf8Path| p.strip_prefix(root).unwrap_or(p).to_string();
    let mut out = format!(
        "offboard {}: done; deletion certificate {} and {} (SHA-256 checksum {})\n",
        c.client,
        rel(&outcome.md_path),
        rel(&outcome.json_path),
        c.checksum_sha256
    );
    out.push_str("remaining duties, the consultant's:\n");
    for duty in &c.remaining_duties {
        out.push_str(&format!("  - {duty}\n"));
    }
    out
}
