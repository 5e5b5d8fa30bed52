//! The result of a check, and its output formats.

pub mod error;
pub mod github;
pub mod human;
pub mod json;
pub mod message_format;
pub mod sarif;

use crate::exit_codes;
use crate::input::config::Config;
use crate::model::graph::CrateGraph;
use crate::model::layout::Layout;
use crate::rules::{self, RuleCode, Violation};
use camino::Utf8PathBuf;
use serde::Serialize;
use std::collections::BTreeMap;

/// A check's report with the crate graph and layout it was made from, for the commands that
/// draw or attest what the check saw.
pub struct Checked {
    pub report: Report,
    /// `None` for an incremental run that did not need cargo.
    pub graph: Option<CrateGraph>,
    pub layout: Layout,
    /// What `--history` read: `(commits, range)`; `None` without it.
    pub history: Option<(usize, String)>,
    /// The workspace's `[workspace.metadata.clientwall]`.
    pub config: Config,
    /// The crates under the client globs that declare another role (full runs).
    pub role_overrides: Vec<rules::role_override::RoleOverride>,
}

/// What a check found.
#[derive(Debug)]
pub struct Report {
    /// The root workspace directory; printed paths are relative to it.
    pub root: Utf8PathBuf,
    pub violations: Vec<Violation>,
    /// What the check could not look at (skipped files), one line each.
    pub notes: Vec<String>,
    pub summary: Summary,
}

impl Report {
    /// No finding fails the check (warnings may remain).
    pub fn passed(&self) -> bool {
        self.violations.iter().all(|v| !v.level().is_error())
    }

    /// 0 when clean (warnings only, or nothing), 1 when any rule failed.
    pub fn exit_code(&self) -> i32 {
        if self.passed() {
            exit_codes::CLEAN
        } else {
            exit_codes::VIOLATIONS
        }
    }
}

/// Counts for the last line of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub workspaces: usize,
    pub crates: usize,
    pub clients: usize,
    /// Client files scanned.
    pub files: usize,
    /// Findings that fail the check (errors).
    pub violations: usize,
    /// Findings reported as warnings (they do not fail the check).
    #[serde(skip_serializing_if = "is_zero")]
    pub warnings: usize,
    /// Violations per rule code, every rule listed.
    pub by_rule: BTreeMap<RuleCode, usize>,
    /// The share of the clients this run checked (`--client`, `--shard`); `None` for all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<Share>,
}

/// The part of the workspace a `--client` or `--shard` run checked.
#[derive(Debug, Clone, Serialize)]
pub struct Share {
    /// Clients checked by this run.
    pub checked: usize,
    /// Clients in the workspace.
    pub total: usize,
    /// `K/N` for a `--shard` run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

impl Summary {
    /// Counts of `violations`; the scope counts start at zero.
    pub fn new(violations: &[Violation]) -> Summary {
        let mut by_rule: BTreeMap<RuleCode, usize> =
            RuleCode::ALL.iter().map(|&code| (code, 0)).collect();
        for v in violations {
            *by_rule.entry(v.rule.code).or_default() += 1;
        }
        let warnings = violations.iter().filter(|v| !v.level().is_error()).count();
        Summary {
            workspaces: 0,
            crates: 0,
            clients: 0,
            files: 0,
            violations: violations.len() - warnings,
            warnings,
            by_rule,
            share: None,
        }
    }

    /// `2 violations in 3 clients` style closing line.
    pub fn line(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut scope = match &self.share {
            None => format!("{} checked", plural(self.clients, "client")),
            Some(share) => format!(
                "{} of {} checked{}",
                share.checked,
                plural(share.total, "client"),
                share
                    .shard
                    .as_ref()
                    .map(|k| format!(" (shard {k})"))
                    .unwrap_or_default()
            ),
        };
        if self.workspaces > 0 {
            scope.push_str(&format!(
                ", {} in {}",
                plural(self.crates, "crate"),
                plural(self.workspaces, "workspace")
            ));
        }
        scope.push_str(&format!(", {} scanned", plural(self.files, "file")));
        let warnings = match self.warnings {
            0 => String::new(),
            n => format!(", {}", plural(n, "warning")),
        };
        if self.violations == 0 {
            format!("clientwall: ok: no violations{warnings} ({scope})")
        } else {
            format!(
                "clientwall: {}{warnings} ({scope})",
                plural(self.violations, "violation")
            )
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
