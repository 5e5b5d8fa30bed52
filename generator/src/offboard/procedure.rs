//! The steps, in order, each recorded in the journal before and after it acts.

use super::Options;
use super::certificate;
use super::client_binary::{
    ClientBinary, DestroyReport, EXIT_NO_CREDENTIALS, ExportReport, RevokeReport,
};
use super::journal::{Journal, Step};
use super::plan::{self, Plan};
use super::render;
use super::unregister;
use crate::error::{Error, Result};
use crate::existing;
use crate::transaction::{Lock, replace_atomically};
use camino::{Utf8Path, Utf8PathBuf};
use clientwall_lint::check::CheckOptions;
use clientwall_lint::offboarded::{
    self, Certificate, CheckResult, CodeRemoval, DataDeletion, Export, Removed, Revocation,
    RevocationOutcome,
};
use std::io::Write;
use std::sync::atomic::Ordering;

/// A test knob: `STEP:before` or `STEP:after` makes the run abort (as a kill would: no clean-up,
/// no destructor) right after the journal records that `STEP` began, or right after its work is
/// done and before the journal records it.
pub const ABORT_AT_VAR: &str = "CLIENTWALL_OFFBOARD_ABORT_AT";

/// Where a removed crate directory waits to be deleted, at the root (outside every glob).
const TRASH_DIR: &str = ".offboard-trash";

/// What a finished run wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub certificate: Certificate,
    pub json_path: Utf8PathBuf,
    pub md_path: Utf8PathBuf,
    /// The run continued one that was interrupted.
    pub resumed: bool,
}

/// Offboard for real: continue the offboarding in progress, or plan and start one.
pub fn run(options: &Options, out: &mut dyn Write) -> Result<Outcome> {
    let root = plan::canonical_root(&options.workspace)?;
    let _lock = Lock::acquire(&root)?;
    crate::transaction::recover(&root)?;
    // A killed upgrade is rolled back before anything is read: otherwise its backups would
    // bring the client's files back on the next upgrade, after the certificate.
    crate::upgrade::apply::recover(&root)?;
    remove_stale_temp_files(&root)?;
    let (mut journal, resumed) = match Journal::load(&root)? {
        Some(journal) => {
            plan::in_progress_matches(&journal, options)?;
            say(out, &render::progress(&journal, true));
            (journal, true)
        }
        None => {
            let plan = plan::plan_in(&root, options)?;
            say(out, &render::plan(&plan, true));
            let journal = start(&plan);
            journal.save(&root)?;
            (journal, false)
        }
    };
    let mut ctx = Context {
        binary: ClientBinary::new(&root, &root.join(&journal.crate_dir)),
        root,
        out,
    };
    for step in Step::ALL {
        if journal.done(step) {
            continue;
        }
        if crate::INTERRUPTED.load(Ordering::SeqCst) {
            return Err(ctx.failed(
                &journal,
                step,
                "interrupted; the same command continues from here".into(),
            ));
        }
        match step {
            Step::Revoke => ctx.revoke(&mut journal)?,
            Step::Export => ctx.export(&mut journal)?,
            Step::Destroy => ctx.destroy(&mut journal)?,
            Step::Remove => ctx.remove(&mut journal)?,
            Step::Check => ctx.check(&mut journal)?,
            Step::Certificate => {
                let (certificate, json_path, md_path) = ctx.certificate(&mut journal)?;
                return Ok(Outcome {
                    certificate,
                    json_path,
                    md_path,
                    resumed,
                });
            }
        }
    }
    unreachable!("the certificate step returns")
}

/// The journal of a new offboarding.
fn start(plan: &Plan) -> Journal {
    Journal {
        client: plan.client.clone(),
        crate_dir: plan.crate_dir.clone(),
        standalone: plan.standalone,
        shop: plan.shop.clone(),
        started_at: now(),
        commit: plan.commit.clone(),
        commit_note: plan.commit_note.clone(),
        export_dir: plan.export_dir.clone(),
        database: plan.database.clone(),
        begun: Vec::new(),
        revocation: None,
        export: None,
        inventory: None,
        data: None,
        removal_plan: None,
        code: None,
        check: None,
        completed_at: None,
        certificate_stem: None,
    }
}

struct Context<'o> {
    root: Utf8PathBuf,
    binary: ClientBinary,
    out: &'o mut dyn Write,
}

impl Context<'_> {
    fn failed(&self, journal: &Journal, step: Step, message: String) -> Error {
        Error::OffboardStep {
            client: journal.client.clone(),
            step: step.name(),
            message,
        }
    }

    fn say(&mut self, text: &str) {
        say(self.out, text);
    }

    fn revoke(&mut self, journal: &mut Journal) -> Result<()> {
        let resumed = journal.begin(Step::Revoke, &self.root)?;
        abort_point(Step::Revoke, "before");
        let shop = journal.shop.clone().unwrap_or_else(|| "the shop".into());
        self.say(&format!(
            "revoke: uninstalling the app from {shop} (this cannot be undone), then asking for a token again to see it refused"
        ));
        let (code, report) = self
            .binary
            .run_json::<RevokeReport>(&["revoke", "--yes", "--json"], &[0, EXIT_NO_CREDENTIALS])
            .map_err(|m| self.failed(journal, Step::Revoke, m))?;
        abort_point(Step::Revoke, "after");
        let revocation = revocation(&report, code, resumed)
            .map_err(|m| self.failed(journal, Step::Revoke, m))?;
        self.say(&format!("revoke: {}", revocation.detail));
        journal.revocation = Some(revocation);
        journal.save(&self.root)
    }

    fn export(&mut self, journal: &mut Journal) -> Result<()> {
        let dir = journal.export_dir.clone().expect("export is asked for");
        journal.begin(Step::Export, &self.root)?;
        abort_point(Step::Export, "before");
        self.say(&format!(
            "export: writing {}'s tables as JSONL, with a manifest of row counts and SHA-256 sums, to {dir}",
            journal.client
        ));
        let (_, report) = self
            .binary
            .run_json::<ExportReport>(&["export", "--dir", dir.as_str(), "--json"], &[0])
            .map_err(|m| self.failed(journal, Step::Export, m))?;
        abort_point(Step::Export, "after");
        let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
        self.say(&format!(
            "export: {} tables, {rows} rows; manifest.json SHA-256 {}",
            report.tables.len(),
            report.manifest_sha256
        ));
        journal.export = Some(Export {
            dir: dir.to_string(),
            manifest_sha256: report.manifest_sha256,
            tables: report.tables,
            at: now(),
        });
        journal.save(&self.root)
    }

    fn destroy(&mut self, journal: &mut Journal) -> Result<()> {
        journal.begin(Step::Destroy, &self.root)?;
        abort_point(Step::Destroy, "before");
        if journal.inventory.is_none() {
            let (_, inventory) = self
                .binary
                .run_json::<DestroyReport>(&["destroy", "--json"], &[0])
                .map_err(|m| self.failed(journal, Step::Destroy, m))?;
            journal.inventory = Some(inventory);
            journal.save(&self.root)?;
        }
        let inventory = journal.inventory.clone().expect("recorded");
        self.say(&render::destroy_warning(&inventory));
        let (_, report) = self
            .binary
            .run_json::<DestroyReport>(&["destroy", "--yes", "--json"], &[0])
            .map_err(|m| self.failed(journal, Step::Destroy, m))?;
        abort_point(Step::Destroy, "after");
        // The inventory was taken where the data was; a run resumed with another environment
        // (an unset `*_DATABASE_PATH`, another database URL) looks elsewhere, finds nothing and
        // would certify what it never touched.
        if report.location != inventory.location {
            return Err(self.failed(
                journal,
                Step::Destroy,
                format!(
                    "the client's data was at {} when this offboarding began, but `destroy` now looks at {}: run it again with the client's environment as it was",
                    inventory.location, report.location
                ),
            ));
        }
        if !report.verified || report.dry_run {
            return Err(self.failed(
                journal,
                Step::Destroy,
                format!(
                    "the client's `destroy` could not verify that nothing remains: {}",
                    report.verification
                ),
            ));
        }
        // A run killed after destroying found nothing left to count or remove: what was there
        // is in the inventory taken before.
        let rows_before = if report.tables.is_empty() {
            inventory.tables.clone()
        } else {
            report.tables.clone()
        };
        let mut removed: Vec<Removed> = inventory.objects.clone();
        for object in &report.objects {
            if !removed.contains(object) {
                removed.push(object.clone());
            }
        }
        self.say(&format!("destroy: verified: {}", report.verification));
        journal.data = Some(DataDeletion {
            engine: report.engine,
            declared_path: journal.database.path.clone(),
            declared_url_env: journal.database.url_env.clone(),
            location: report.location,
            rows_before,
            removed,
            method: report.method,
            verified: true,
            verification: report.verification,
            at: now(),
        });
        journal.save(&self.root)
    }

    fn remove(&mut self, journal: &mut Journal) -> Result<()> {
        journal.begin(Step::Remove, &self.root)?;
        abort_point(Step::Remove, "before");
        let crate_dir = self.root.join(&journal.crate_dir);
        let trash = self.root.join(TRASH_DIR);
        let manifest_path = self.root.join("Cargo.toml");
        let read_manifest = || {
            safe_read::read_to_string(manifest_path.as_std_path())
                .map_err(|e| Error::io("read", &manifest_path, e))
        };
        if journal.removal_plan.is_none() {
            let mut edits = unregister::unregister(&read_manifest()?, &journal.crate_dir)?.edits;
            if edits.is_empty() {
                edits.push(
                    match unregister::covering_glob(&read_manifest()?, &journal.crate_dir) {
                        Some(glob) => format!(
                            "nothing to edit: the `members` glob \"{glob}\" covers `{}`",
                            journal.crate_dir
                        ),
                        None => format!("nothing named `{}`", journal.crate_dir),
                    },
                );
            }
            journal.removal_plan = Some(CodeRemoval {
                crate_dir: journal.crate_dir.clone(),
                files: count_files(&crate_dir),
                manifest_edits: edits,
                at: String::new(),
            });
            journal.save(&self.root)?;
        }
        let planned = journal.removal_plan.clone().expect("recorded");
        self.say(&format!(
            "remove: deleting {} ({} files) and its registration: {}",
            planned.crate_dir,
            planned.files,
            planned.manifest_edits.join("; ")
        ));
        if crate_dir.exists() {
            remove_dir(&trash)?;
            std::fs::rename(&crate_dir, &trash).map_err(|e| Error::io("move", &crate_dir, e))?;
        }
        let unregistered = unregister::unregister(&read_manifest()?, &journal.crate_dir)?;
        if !unregistered.edits.is_empty() {
            replace_atomically(&manifest_path, unregistered.manifest.as_bytes())?;
        }
        remove_dir(&trash)?;
        abort_point(Step::Remove, "after");
        journal.code = Some(CodeRemoval {
            at: now(),
            ..planned
        });
        journal.save(&self.root)
    }

    fn check(&mut self, journal: &mut Journal) -> Result<()> {
        journal.begin(Step::Check, &self.root)?;
        abort_point(Step::Check, "before");
        self.say("check: `cargo clientwall check` on what remains");
        let result = match clientwall_lint::run(&CheckOptions {
            manifest_path: Some(self.root.join("Cargo.toml")),
            ..CheckOptions::default()
        }) {
            Ok(report) => {
                if !report.violations.is_empty() {
                    self.say(&clientwall_lint::report::human::render(&report, false));
                }
                CheckResult {
                    ran: true,
                    passed: report.passed(),
                    violations: report.summary.violations as u64,
                    summary: report.summary.line(),
                }
            }
            // The last client is gone: a check finds nothing left to check.
            Err(clientwall_lint::Error::NoClients { .. }) => CheckResult {
                ran: false,
                passed: false,
                violations: 0,
                summary: format!(
                    "not run: `{}` was the last client; the check runs again once the next \
                     client exists",
                    journal.client
                ),
            },
            Err(err) => {
                let unmatched = existing::unmatched_globs(&self.root)?;
                if unmatched.is_empty() {
                    return Err(self.failed(
                        journal,
                        Step::Check,
                        format!(
                            "the check failed to run: {}",
                            clientwall_lint::report::error::message(&err)
                        ),
                    ));
                }
                CheckResult {
                    ran: false,
                    passed: false,
                    violations: 0,
                    summary: format!(
                        "not run: `{}` was the last crate the `members` glob(s) {} matched, and cargo cannot load a workspace whose glob matches nothing; the check runs again once the next client exists",
                        journal.client,
                        unmatched
                            .iter()
                            .map(|g| format!("\"{g}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            }
        };
        abort_point(Step::Check, "after");
        self.say(&format!("check: {}", result.summary));
        journal.check = Some(result);
        journal.save(&self.root)
    }

    fn certificate(
        &mut self,
        journal: &mut Journal,
    ) -> Result<(Certificate, Utf8PathBuf, Utf8PathBuf)> {
        journal.begin(Step::Certificate, &self.root)?;
        abort_point(Step::Certificate, "before");
        let dir = self.root.join(offboarded::DIR);
        if journal.certificate_stem.is_none() {
            let completed_at = now();
            let base = format!("{}-{}", journal.client, &completed_at[..10]);
            let taken = |stem: &str| {
                dir.join(format!("{stem}.json")).exists() || dir.join(format!("{stem}.md")).exists()
            };
            let stem = std::iter::once(base.clone())
                .chain((2..).map(|n| format!("{base}-{n}")))
                .find(|stem| !taken(stem))
                .expect("some name is free");
            journal.completed_at = Some(completed_at);
            journal.certificate_stem = Some(stem);
            journal.save(&self.root)?;
        }
        let certificate = certificate::build(journal);
        let stem = journal.certificate_stem.clone().expect("recorded");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
        let json_path = dir.join(format!("{stem}.json"));
        let md_path = dir.join(format!("{stem}.md"));
        replace_atomically(&json_path, offboarded::json(&certificate).as_bytes())?;
        replace_atomically(&md_path, offboarded::markdown(&certificate).as_bytes())?;
        abort_point(Step::Certificate, "after");
        Journal::remove(&self.root)?;
        Ok((certificate, json_path, md_path))
    }
}

/// The revocation as the certificate states it, from the client's report.
fn revocation(report: &RevokeReport, code: i32, resumed: bool) -> Result<Revocation, String> {
    let refusal = report
        .refusal
        .clone()
        .unwrap_or_else(|| "no token issued".into());
    let api = report
        .api_version
        .as_deref()
        .map(|v| format!(" (Admin API {v})"))
        .unwrap_or_default();
    let (outcome, detail) = match report.status.as_str() {
        "credentials-missing" if code == EXIT_NO_CREDENTIALS => (
            RevocationOutcome::ClientToDo,
            format!(
                "The client's credentials ({}) were not set where this ran, so clientwall could not uninstall the app: revocation is the client's to do. They delete the app in their Dev Dashboard, which ends every token issued for it.",
                report.missing.join(", ")
            ),
        ),
        "revoked" if report.uninstalled && report.token_refused => (
            RevocationOutcome::Revoked,
            format!(
                "The app uninstalled itself from {} with `appUninstall`{api}, using a fresh client-credentials token; asking for a token again with the same credentials was then refused ({refusal}).",
                report.shop
            ),
        ),
        "revoked" => {
            return Err(format!(
                "the client reports the app uninstalled, but a token request afterwards was not refused: access is NOT revoked; look at the app in {}'s Dev Dashboard",
                report.shop
            ));
        }
        "already-refused" if report.token_refused => (
            RevocationOutcome::AlreadyRefused,
            format!(
                "{}'s token endpoint refused the client's credentials before anything was asked ({refusal}){}: the app was already uninstalled, or its secret rotated; these credentials grant no access.",
                report.shop,
                if resumed {
                    ", after an interrupted first attempt of this step"
                } else {
                    ""
                }
            ),
        ),
        other => {
            return Err(format!(
                "the client's `revoke` reported `{other}` (exit code {code}), which is neither revoked nor refused"
            ));
        }
    };
    Ok(Revocation {
        outcome,
        at: now(),
        uninstalled: report.uninstalled,
        token_refused: report.token_refused,
        app: report.app.clone(),
        detail,
    })
}

fn abort_point(step: Step, when: &str) {
    if std::env::var(ABORT_AT_VAR).is_ok_and(|v| v == format!("{}:{when}", step.name())) {
        let _ = std::io::stdout().flush();
        std::process::abort();
    }
}

fn say(out: &mut dyn Write, text: &str) {
    let _ = writeln!(out, "{}", text.trim_end());
    let _ = out.flush();
}

fn now() -> String {
    offboarded::timestamp(std::time::SystemTime::now())
}

fn count_files(dir: &Utf8Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(std::result::Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .count() as u64
}

fn remove_dir(dir: &Utf8Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", dir, e)),
        _ => Ok(()),
    }
}

/// Temporary files that an atomic write of the journal or a certificate left when killed.
fn remove_stale_temp_files(root: &Utf8Path) -> Result<()> {
    remove_stale(&root.join(super::journal::JOURNAL_FILE))?;
    let certificates = root.join(offboarded::DIR);
    let Ok(entries) = std::fs::read_dir(&certificates) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if safe_read::write::is_temp(&name.to_string_lossy()) {
            let path = certificates.join(name.to_string_lossy().as_ref());
            std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
        }
    }
    Ok(())
}

fn remove_stale(path: &Utf8Path) -> Result<()> {
    match safe_read::write::remove_stale(path.as_std_path()) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other.map_err(|e| Error::io("remove", path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(status: &str, uninstalled: bool, refused: bool) -> RevokeReport {
        RevokeReport {
            status: status.into(),
            shop: "acme.myshopify.com".into(),
            api_version: Some("2026-10".into()),
            uninstalled,
            app: uninstalled.then(|| "gid://shopify/App/1".into()),
            token_refused: refused,
            refusal: refused.then(|| "HTTP 400 invalid_client".into()),
            missing: vec!["ACME_SHOPIFY_CLIENT_SECRET".into()],
        }
    }

    #[test]
    fn a_revocation_counts_only_when_the_grant_refuses() {
        let revoked = revocation(&report("revoked", true, true), 0, false).unwrap();
        assert_eq!(revoked.outcome, RevocationOutcome::Revoked);
        assert!(
            revoked.detail.contains("(Admin API 2026-10)"),
            "{}",
            revoked.detail
        );
        let err = revocation(&report("revoked", true, false), 0, false).unwrap_err();
        assert!(err.contains("access is NOT revoked"), "{err}");
        let refused = revocation(&report("already-refused", false, true), 0, true).unwrap();
        assert_eq!(refused.outcome, RevocationOutcome::AlreadyRefused);
        assert!(refused.detail.contains("interrupted first attempt"));
        let missing = revocation(&report("credentials-missing", false, false), 3, false).unwrap();
        assert_eq!(missing.outcome, RevocationOutcome::ClientToDo);
        assert!(missing.detail.contains("ACME_SHOPIFY_CLIENT_SECRET"));
        // A status that does not go with its exit code, or an unknown one, is not believed.
        assert!(revocation(&report("credentials-missing", false, false), 0, false).is_err());
        assert!(revocation(&report("maybe", false, false), 0, false).is_err());
    }
}
