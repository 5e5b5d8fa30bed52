//! The check pipeline: load, build the graph, run the rules, apply exceptions, report.

use crate::config::AllowEntry;
use crate::date::Date;
use crate::discover;
use crate::error::{Error, Result};
use crate::graph::CrateGraph;
use crate::manifest::ManifestCache;
use crate::report::{Report, Summary};
use crate::rules::{self, Context, RULES, Violation};
use crate::suggest;
use camino::Utf8PathBuf;
use std::collections::BTreeSet;

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Any manifest inside the workspace; `None` means the current directory's workspace.
    pub manifest_path: Option<Utf8PathBuf>,
    /// Only report findings about these clients (all when empty).
    pub clients: Vec<String>,
    /// The date `allow.expires` is compared with.
    pub today: Date,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            manifest_path: None,
            clients: Vec::new(),
            today: Date::today_utc(),
        }
    }
}

/// Run every rule on the workspace. `Err` means the check could not be completed (exit 2);
/// violations are in the report (exit 1).
pub fn run(options: &CheckOptions) -> Result<Report> {
    let loaded = discover::load(options.manifest_path.as_deref())?;
    let graph = CrateGraph::build(&loaded)?;
    let client_names: BTreeSet<&str> = graph
        .clients()
        .map(|n| graph.nodes[n].name.as_str())
        .collect();
    let selected = select(&options.clients, &client_names)?;
    let reaches = graph.forbidden_reaches();
    let ctx = Context {
        root: &loaded.root,
        config: &loaded.config,
        graph: &graph,
        reaches: &reaches,
        manifests: Default::default(),
    };
    let mut found = Vec::new();
    found.extend(rules::client_depends_on_client::check(&ctx)?);
    found.extend(rules::client_reaches_credential_helper::check(&ctx)?);
    found.extend(rules::shared_depends_on_client::check(&ctx)?);
    drop(ctx.manifests.replace(ManifestCache::default()));

    let allow = &loaded.config.allow;
    let (mut violations, used) = apply_allow(found, allow, options.today);
    let concerns_selection = |name: &str| selected.as_ref().is_none_or(|s| s.contains(name));
    violations.retain(|v| concerns_selection(&v.client));
    violations.extend(rules::stale_allow::check(
        allow,
        &used,
        options.today,
        |entry| concerns_selection(&entry.from) || concerns_selection(&entry.to),
    ));
    sort(&mut violations);

    let summary = Summary::new(
        loaded.workspaces.len(),
        graph.nodes.len(),
        client_names.len(),
        &violations,
    );
    Ok(Report {
        root: loaded.root,
        violations,
        summary,
    })
}

/// The `--client` selection, every name checked against the workspace's clients.
fn select(requested: &[String], clients: &BTreeSet<&str>) -> Result<Option<BTreeSet<String>>> {
    if requested.is_empty() {
        return Ok(None);
    }
    for name in requested {
        if !clients.contains(name.as_str()) {
            let known: Vec<&str> = clients.iter().copied().collect();
            return Err(Error::Layout {
                message: format!("no client named `{name}` in this workspace"),
                help: Some(match suggest::did_you_mean(name, known.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("clients: {}", known.join(", ")),
                }),
            });
        }
    }
    Ok(Some(requested.iter().cloned().collect()))
}

/// Drop the violations an unexpired `allow` entry excuses; report which entries were used.
fn apply_allow(
    found: Vec<Violation>,
    allow: &[AllowEntry],
    today: Date,
) -> (Vec<Violation>, Vec<bool>) {
    let mut used = vec![false; allow.len()];
    let kept = found
        .into_iter()
        .filter(|violation| {
            let Some((from, to)) = &violation.allow_key else {
                return true;
            };
            let excusing = allow.iter().position(|entry| {
                &entry.from == from && &entry.to == to && entry.expires.is_none_or(|e| e >= today)
            });
            if let Some(i) = excusing {
                used[i] = true;
            }
            excusing.is_none()
        })
        .collect();
    (kept, used)
}

fn sort(violations: &mut [Violation]) {
    let rank = |v: &Violation| {
        RULES
            .iter()
            .position(|r| r.code == v.rule.code)
            .unwrap_or(usize::MAX)
    };
    violations.sort_by(|a, b| {
        (
            rank(a),
            &a.client,
            rules::format_path(&a.path),
            &a.location.file,
            a.location.line,
        )
            .cmp(&(
                rank(b),
                &b.client,
                rules::format_path(&b.path),
                &b.location.file,
                b.location.line,
            ))
    });
}
