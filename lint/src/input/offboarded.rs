//! Deletion certificates: what `cargo clientwall offboard CLIENT` writes to
//! `offboarded/CLIENT-YYYY-MM-DD.json` (and the same content as `.md` beside it) when an
//! engagement ends. A certificate states what was deleted (paths, database identifiers, row
//! counts before), how, when, at which commit and by which clientwall version, the revocation
//! result, and what the tool could not do (the consultant's remaining duties). It holds no
//! secret and no client data, and it carries a SHA-256 checksum of its content, as an attestation
//! does (an edit shows; signing is what proves who wrote it).
//!
//! The check reads the certificates to fail when an offboarded client's data paths come back
//! (`shared-database`), and `attest` reports on an offboarded client from them. A certificate
//! whose checksum does not match its content is an error: the check fails closed.

use crate::error::{Error, IoAction, Result};
use crate::input::date::Date;
use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The directory of the certificates, at the workspace root.
pub const DIR: &str = "offboarded";
/// The `format` of the certificates this version writes and reads.
pub const FORMAT: &str = "clientwall-deletion-certificate/1";

/// A deletion certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub format: String,
    pub client: String,
    /// The client's crate directory, relative to the workspace root.
    pub crate_dir: String,
    /// Whether the client was a standalone workspace (listed in the root's `exclude`).
    pub standalone: bool,
    pub shop: Option<String>,
    /// When the procedure started and when it finished (UTC, RFC 3339).
    pub started_at: String,
    pub completed_at: String,
    pub clientwall_version: String,
    /// The commit the workspace was at when the procedure started, `+dirty` with uncommitted
    /// changes; `None` with the reason in `commit_note`.
    pub commit: Option<String>,
    pub commit_note: Option<String>,
    pub revocation: Revocation,
    /// The export handed back to the client, when there was one.
    pub export: Option<Export>,
    pub data: DataDeletion,
    pub code: CodeRemoval,
    pub check: CheckResult,
    /// What the tool could not do: the consultant's to do.
    pub remaining_duties: Vec<String>,
    /// SHA-256 of this document's JSON with this field empty. Equal copies have equal
    /// checksums; it is not a signature.
    pub checksum_sha256: String,
}

/// How access ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationOutcome {
    /// The app uninstalled itself and the token endpoint then refused the credentials.
    Revoked,
    /// The token endpoint refused the credentials before anything was asked: the app was
    /// already uninstalled (an earlier, interrupted run) or its secret rotated.
    AlreadyRefused,
    /// The client's credentials were not available: the client deletes the app.
    ClientToDo,
}

/// The revocation step's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub outcome: RevocationOutcome,
    pub at: String,
    /// `appUninstall` succeeded in this procedure.
    pub uninstalled: bool,
    /// The token endpoint refused the client's credentials at the end of the step.
    pub token_refused: bool,
    /// The uninstalled app, as Shopify named it (`gid://shopify/App/..`).
    pub app: Option<String>,
    /// What happened, in one or two sentences.
    pub detail: String,
}

/// The export handed back to the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub dir: String,
    /// SHA-256 of the export's `manifest.json`, which lists every file's own SHA-256.
    pub manifest_sha256: String,
    pub tables: Vec<ExportedTable>,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedTable {
    pub table: String,
    pub file: String,
    pub rows: u64,
    pub sha256: String,
}

/// What was destroyed of the client's data, and how it was verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataDeletion {
    /// `sqlite` or `postgres`.
    pub engine: String,
    /// The database as `client.toml` declares it.
    pub declared_path: Option<String>,
    pub declared_url_env: Option<String>,
    /// The database as found: the file's path, or the URL without its password.
    pub location: String,
    /// Row counts of the client's tables before the deletion.
    pub rows_before: Vec<TableRows>,
    /// Everything removed: files, directories, tables, databases.
    pub removed: Vec<Removed>,
    pub method: String,
    pub verified: bool,
    pub verification: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRows {
    pub table: String,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removed {
    /// `file`, `directory`, `table` or `database`.
    pub kind: String,
    pub name: String,
}

/// The client's code leaving the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRemoval {
    pub crate_dir: String,
    /// How many files the crate directory held (build output included).
    pub files: u64,
    /// The edits to the root `Cargo.toml`, one sentence each.
    pub manifest_edits: Vec<String>,
    pub at: String,
}

/// The check on what remained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckResult {
    pub ran: bool,
    pub passed: bool,
    pub violations: u64,
    /// The check's summary line, or why it could not run.
    pub summary: String,
}

impl Certificate {
    /// The file name stem: `acme-2026-11-27`.
    pub fn stem(&self) -> String {
        format!("{}-{}", self.client, self.date())
    }

    /// The day it was completed, `YYYY-MM-DD`.
    pub fn date(&self) -> &str {
        self.completed_at.get(..10).unwrap_or(&self.completed_at)
    }

    /// Seal: set the checksum of the content.
    pub fn seal(&mut self) {
        self.checksum_sha256 = checksum(self);
    }

    /// Whether the checksum matches the content.
    pub fn verifies(&self) -> bool {
        checksum(self) == self.checksum_sha256
    }
}

/// The SHA-256 checksum of the certificate's JSON with `checksum_sha256` empty.
pub fn checksum(certificate: &Certificate) -> String {
    let mut content = certificate.clone();
    content.checksum_sha256.clear();
    let bytes = serde_json::to_vec(&content).expect("certificate serializes");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The certificate as written to `.json`.
pub fn json(certificate: &Certificate) -> String {
    serde_json::to_string_pretty(certificate).expect("certificate serializes") + "\n"
}

/// The certificate as written to `.md`, for the client.
pub fn markdown(c: &Certificate) -> String {
    let mut out = format!("# Deletion certificate: `{}`\n\n", c.client);
    out.push_str(&format!(
        "The engagement with `{}`{} ended. clientwall {} offboarded it from `{}` between {} and {}, at commit `{}`.\n\n",
        c.client,
        c.shop
            .as_deref()
            .map(|s| format!(" (shop `{s}`)"))
            .unwrap_or_default(),
        c.clientwall_version,
        c.crate_dir,
        c.started_at,
        c.completed_at,
        c.commit
            .clone()
            .unwrap_or_else(|| format!("({})", c.commit_note.as_deref().unwrap_or("none"))),
    ));

    out.push_str("## Access\n\n");
    out.push_str(&format!(
        "- Result: **{}**\n",
        match c.revocation.outcome {
            RevocationOutcome::Revoked => "revoked",
            RevocationOutcome::AlreadyRefused => "refused before this run asked",
            RevocationOutcome::ClientToDo =>
                "NOT revoked by the consultant: the client must delete the app",
        }
    ));
    out.push_str(&format!("- {}\n", c.revocation.detail));
    out.push_str(&format!(
        "- App uninstalled by this procedure: {}; token endpoint refuses the credentials: {} ({})\n",
        yes_no(c.revocation.uninstalled),
        yes_no(c.revocation.token_refused),
        c.revocation.at
    ));
    if let Some(app) = &c.revocation.app {
        out.push_str(&format!("- App: `{app}`\n"));
    }

    out.push_str("\n## Data returned\n\n");
    match &c.export {
        None => out.push_str("- No export was asked for.\n"),
        Some(export) => {
            out.push_str(&format!(
                "- Exported to `{}` at {}; its `manifest.json` has SHA-256 `{}`.\n\n",
                export.dir, export.at, export.manifest_sha256
            ));
            out.push_str("| table | file | rows | SHA-256 |\n|---|---|---|---|\n");
            for t in &export.tables {
                out.push_str(&format!(
                    "| {} | {} | {} | `{}` |\n",
                    t.table, t.file, t.rows, t.sha256
                ));
            }
        }
    }

    out.push_str("\n## Data destroyed\n\n");
    let d = &c.data;
    out.push_str(&format!(
        "- Database: {} at `{}`{}\n",
        d.engine,
        d.location,
        match (&d.declared_path, &d.declared_url_env) {
            (Some(path), _) => format!(" (`client.toml`: path `{path}`)"),
            (None, Some(env)) => format!(" (`client.toml`: url_env `{env}`)"),
            (None, None) => String::new(),
        }
    ));
    out.push_str(&format!("- Method: {}\n", d.method));
    out.push_str(&format!("- Done at: {}\n", d.at));
    if d.rows_before.is_empty() {
        out.push_str("- Rows before: no table of the client's was found\n");
    } else {
        out.push_str("\n| table | rows before |\n|---|---|\n");
        for t in &d.rows_before {
            out.push_str(&format!("| {} | {} |\n", t.table, t.rows));
        }
        out.push('\n');
    }
    if d.removed.is_empty() {
        out.push_str("- Removed: nothing was there\n");
    } else {
        out.push_str("- Removed:\n");
        for r in &d.removed {
            out.push_str(&format!("  - {} `{}`\n", r.kind, r.name));
        }
    }
    out.push_str(&format!(
        "- Verified that nothing remains: {} ({})\n",
        yes_no(d.verified),
        d.verification
    ));

    out.push_str("\n## Code removed\n\n");
    out.push_str(&format!(
        "- Crate directory `{}` ({} files) deleted at {}\n",
        c.code.crate_dir, c.code.files, c.code.at
    ));
    for edit in &c.code.manifest_edits {
        out.push_str(&format!("- Root `Cargo.toml`: {edit}\n"));
    }

    out.push_str("\n## Check on what remains\n\n");
    out.push_str(&format!(
        "- {}: {}\n",
        match (c.check.ran, c.check.passed) {
            (false, _) => "not run",
            (true, true) => "passed",
            (true, false) => "**failed**",
        },
        c.check.summary
    ));

    out.push_str("\n## The consultant's remaining duties\n\n");
    out.push_str(
        "clientwall could not do these; they are the consultant's to do and to confirm:\n\n",
    );
    for duty in &c.remaining_duties {
        out.push_str(&format!("- [ ] {duty}\n"));
    }
    out.push_str(&format!(
        "\nFormat `{}`. SHA-256 checksum of this certificate's content (the JSON beside it, with this field empty): `{}`\n",
        c.format, c.checksum_sha256
    ));
    out
}

fn yes_no(ok: bool) -> &'static str {
    if ok { "yes" } else { "**no**" }
}

/// A certificate read from the workspace.
#[derive(Debug, Clone)]
pub struct Stored {
    pub certificate: Certificate,
    /// The `.json` file, and the `.md` beside it.
    pub json_path: Utf8PathBuf,
    pub md_path: Utf8PathBuf,
    /// Whether the `.md` is exactly the rendering of the `.json` (`false` when missing).
    pub markdown_matches: bool,
}

/// Every certificate under `root/offboarded`, in file name order. A file that does not parse,
/// or whose checksum does not match its content, is an error naming it.
pub fn load_all(root: &Utf8Path) -> Result<Vec<Stored>> {
    let dir = root.join(DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(IoAction::List, &dir, e)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(IoAction::List, &dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.ends_with(".json") && !name.starts_with('.') {
            paths.push(dir.join(name));
        }
    }
    paths.sort();
    paths.iter().map(|path| load(path)).collect()
}

/// One certificate, checked.
pub fn load(json_path: &Utf8Path) -> Result<Stored> {
    let invalid = |message: String| Error::Certificate {
        path: json_path.to_owned(),
        message,
    };
    let text = safe_read::read_to_string(json_path.as_std_path())
        .map_err(|e| Error::io(IoAction::Read, json_path, e))?;
    let certificate: Certificate = serde_json::from_str(&text)
        .map_err(|e| invalid(format!("not a deletion certificate: {e}")))?;
    if certificate.format != FORMAT {
        return Err(invalid(format!(
            "format `{}` is not `{FORMAT}`",
            certificate.format
        )));
    }
    if !certificate.verifies() {
        return Err(invalid(format!(
            "its checksum {} does not match its content (SHA-256 {}): it was changed after it was written",
            certificate.checksum_sha256,
            checksum(&certificate)
        )));
    }
    let md_path = json_path.with_extension("md");
    let markdown_matches = match safe_read::read_to_string_if_exists(md_path.as_std_path()) {
        Ok(md) => md.is_some_and(|md| md == markdown(&certificate)),
        Err(e) => return Err(Error::io(IoAction::Read, &md_path, e)),
    };
    Ok(Stored {
        certificate,
        json_path: json_path.to_owned(),
        md_path,
        markdown_matches,
    })
}

/// A moment as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn timestamp(time: std::time::SystemTime) -> String {
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let date = Date::from_days_since_epoch((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        s / 3_600,
        s % 3_600 / 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Certificate {
        let mut c = Certificate {
            format: FORMAT.into(),
            client: "acme".into(),
            crate_dir: "clients/acme".into(),
            standalone: false,
            shop: Some("acme.myshopify.com".into()),
            started_at: "2026-11-27T10:00:00Z".into(),
            completed_at: "2026-11-27T10:01:00Z".into(),
            clientwall_version: "0.1.0".into(),
            commit: Some("abc".into()),
            commit_note: None,
            revocation: Revocation {
                outcome: RevocationOutcome::Revoked,
                at: "2026-11-27T10:00:10Z".into(),
                uninstalled: true,
                token_refused: true,
                app: Some("gid://shopify/App/1".into()),
                detail: "uninstalled".into(),
            },
            export: None,
            data: DataDeletion {
                engine: "sqlite".into(),
                declared_path: Some("~/.local/share/clientwall/acme/acme.sqlite3".into()),
                declared_url_env: None,
                location: "/home/u/.local/share/clientwall/acme/acme.sqlite3".into(),
                rows_before: vec![TableRows {
                    table: "orders".into(),
                    rows: 3,
                }],
                removed: vec![Removed {
                    kind: "file".into(),
                    name: "/home/u/.local/share/clientwall/acme/acme.sqlite3".into(),
                }],
                method: "overwritten and unlinked".into(),
                verified: true,
                verification: "no file remains".into(),
                at: "2026-11-27T10:00:20Z".into(),
            },
            code: CodeRemoval {
                crate_dir: "clients/acme".into(),
                files: 12,
                manifest_edits: vec![],
                at: "2026-11-27T10:00:30Z".into(),
            },
            check: CheckResult {
                ran: true,
                passed: true,
                violations: 0,
                summary: "clientwall: ok".into(),
            },
            remaining_duties: vec!["backups".into()],
            checksum_sha256: String::new(),
        };
        c.seal();
        c
    }

    #[test]
    fn checksum_covers_every_field() {
        let c = sample();
        assert!(c.verifies());
        let mut changed = c.clone();
        changed.data.rows_before[0].rows = 4;
        assert!(!changed.verifies());
        let mut changed = c.clone();
        changed.checksum_sha256 = "0".repeat(64);
        assert!(!changed.verifies());
        assert_eq!(c.stem(), "acme-2026-11-27");
    }

    #[test]
    fn load_refuses_a_changed_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        assert!(load_all(root).unwrap().is_empty());
        std::fs::create_dir(root.join(DIR)).unwrap();
        let c = sample();
        let path = root.join(DIR).join("acme-2026-11-27.json");
        std::fs::write(&path, json(&c)).unwrap();
        std::fs::write(path.with_extension("md"), markdown(&c)).unwrap();
        let stored = load_all(root).unwrap();
        assert_eq!(stored.len(), 1);
        assert!(stored[0].markdown_matches);
        assert_eq!(stored[0].certificate, c);

        std::fs::write(&path, json(&c).replace("\"rows\": 3", "\"rows\": 30")).unwrap();
        let err = load_all(root).unwrap_err().to_string();
        assert!(err.contains("acme-2026-11-27.json"), "{err}");
        assert!(err.contains("does not match its content"), "{err}");

        std::fs::write(&path, "{").unwrap();
        let err = load_all(root).unwrap_err().to_string();
        assert!(err.contains("not a deletion certificate"), "{err}");
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000);
        assert_eq!(timestamp(t), "2026-11-18T11:06:40Z");
    }
}
