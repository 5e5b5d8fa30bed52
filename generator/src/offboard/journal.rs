//! The offboarding journal, `.offboard.journal` at the workspace root: which steps have begun
//! and what each finished step found. Every step writes it (atomically) before it acts and after
//! it is done, so a run killed at any point is continued by the next one. It holds no secret
//! and no client data: names, paths, the URL of a database without its password, row counts.

use super::client_binary::DestroyReport;
use crate::error::{Error, Result};
use crate::transaction::replace_atomically;
use camino::{Utf8Path, Utf8PathBuf};
use clientwall_lint::offboarded::{CheckResult, CodeRemoval, DataDeletion, Export, Revocation};
use serde::{Deserialize, Serialize};

pub const JOURNAL_FILE: &str = ".offboard.journal";

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Revoke,
    Export,
    Destroy,
    Remove,
    Check,
    Certificate,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Revoke,
        Step::Export,
        Step::Destroy,
        Step::Remove,
        Step::Check,
        Step::Certificate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Step::Revoke => "revoke",
            Step::Export => "export",
            Step::Destroy => "destroy",
            Step::Remove => "remove",
            Step::Check => "check",
            Step::Certificate => "certificate",
        }
    }
}

/// The client's database as `client.toml` declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredDatabase {
    /// `sqlite` or `postgres`.
    pub engine: String,
    pub path: Option<String>,
    pub url_env: Option<String>,
}

/// An offboarding in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    pub client: String,
    /// The crate directory, relative to the workspace root.
    pub crate_dir: String,
    pub standalone: bool,
    pub shop: Option<String>,
    pub started_at: String,
    pub commit: Option<String>,
    pub commit_note: Option<String>,
    /// `--export DIR`, absolute.
    pub export_dir: Option<Utf8PathBuf>,
    pub database: DeclaredDatabase,
    /// The steps that have begun, in order.
    pub begun: Vec<Step>,
    pub revocation: Option<Revocation>,
    pub export: Option<Export>,
    /// What `destroy` without `--yes` found before anything was destroyed.
    pub inventory: Option<DestroyReport>,
    pub data: Option<DataDeletion>,
    /// The crate's removal as planned before it began (file count, manifest edits).
    pub removal_plan: Option<CodeRemoval>,
    pub code: Option<CodeRemoval>,
    pub check: Option<CheckResult>,
    /// When the certificate step began; the certificate's completion time.
    pub completed_at: Option<String>,
    /// `offboarded/<stem>.json` and `.md`, chosen when the certificate step began.
    pub certificate_stem: Option<String>,
}

impl Journal {
    /// The journal at `root`, if an offboarding is in progress there.
    pub fn load(root: &Utf8Path) -> Result<Option<Journal>> {
        let path = root.join(JOURNAL_FILE);
        let text = match safe_read::read_to_string_if_exists(path.as_std_path()) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(None),
            Err(e) => return Err(Error::io("read", &path, e)),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::Workspace(format!(
                "{path} records an offboarding in progress but cannot be read ({e}); it is written atomically, so it was changed by hand: restore it, or finish the steps it lists yourself and delete it"
            ))
        })
    }

    pub fn save(&self, root: &Utf8Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("journal serializes") + "\n";
        replace_atomically(&root.join(JOURNAL_FILE), text.as_bytes())
    }

    /// The run is done: the journal goes.
    pub fn remove(root: &Utf8Path) -> Result<()> {
        let path = root.join(JOURNAL_FILE);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::io("remove", &path, e))
            }
            _ => Ok(()),
        }
    }

    /// Record that `step` begins (once), and save.
    pub fn begin(&mut self, step: Step, root: &Utf8Path) -> Result<bool> {
        let resumed = self.begun.contains(&step);
        if !resumed {
            self.begun.push(step);
            self.save(root)?;
        }
        Ok(resumed)
    }

    /// Is `step` finished (or not part of this run)?
    pub fn done(&self, step: Step) -> bool {
        match step {
            Step::Revoke => self.revocation.is_some(),
            Step::Export => self.export_dir.is_none() || self.export.is_some(),
            Step::Destroy => self.data.is_some(),
            Step::Remove => self.code.is_some(),
            Step::Check => self.check.is_some(),
            Step::Certificate => false,
        }
    }
}
