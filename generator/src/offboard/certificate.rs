//! The deletion certificate, made from the journal alone: a resumed run writes the same one.

use super::journal::Journal;
use clientwall_lint::client_toml::env_prefix;
use clientwall_lint::offboarded::{
    Certificate, CheckResult, FORMAT, Revocation, RevocationOutcome,
};

/// The checksummed certificate of a journal whose steps are all done.
pub fn build(journal: &Journal) -> Certificate {
    let revocation = journal.revocation.clone().expect("revoke is done");
    let data = journal.data.clone().expect("destroy is done");
    let code = journal.code.clone().expect("remove is done");
    let check = journal.check.clone().expect("check is done");
    let mut certificate = Certificate {
        format: FORMAT.to_owned(),
        client: journal.client.clone(),
        crate_dir: journal.crate_dir.clone(),
        standalone: journal.standalone,
        shop: journal.shop.clone(),
        started_at: journal.started_at.clone(),
        completed_at: journal.completed_at.clone().expect("recorded"),
        clientwall_version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: journal.commit.clone(),
        commit_note: journal.commit_note.clone(),
        remaining_duties: remaining_duties(journal, &revocation, &check),
        revocation,
        export: journal.export.clone(),
        data,
        code,
        check,
        checksum_sha256: String::new(),
    };
    certificate.seal();
    certificate
}

/// What the tool could not do, in the order the consultant should do it.
fn remaining_duties(
    journal: &Journal,
    revocation: &Revocation,
    check: &CheckResult,
) -> Vec<String> {
    let client = &journal.client;
    let prefix = env_prefix(client);
    let shop = journal.shop.as_deref().unwrap_or("the shop");
    let mut duties = Vec::new();
    match revocation.outcome {
        RevocationOutcome::ClientToDo => duties.push(format!(
            "Revocation is the client's to do: ask {shop}'s owner to delete the app in their Dev Dashboard, and keep their confirmation with this certificate."
        )),
        RevocationOutcome::AlreadyRefused => duties.push(format!(
            "Confirm with {shop}'s owner that the app is no longer installed (the credentials were refused, but this procedure did not see the uninstall itself)."
        )),
        RevocationOutcome::Revoked => {}
    }
    let mut vars = vec![
        format!("{prefix}_SHOPIFY_CLIENT_ID"),
        format!("{prefix}_SHOPIFY_CLIENT_SECRET"),
    ];
    if let Some(var) = &journal.database.url_env {
        vars.push(var.clone());
    }
    vars.push(format!("{prefix}_DATABASE_PATH"));
    duties.push(format!(
        "Delete the client's credentials and settings wherever they are kept: {} in shell profiles, `.env` files, password managers and CI secrets.",
        vars.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
    ));
    duties.push(
        "Delete or let expire every backup and snapshot that holds the client's data: this machine's backups, database server backups, WAL archives and replicas, provider snapshots.".to_owned(),
    );
    duties.push(format!(
        "Delete copies on other machines: colleagues' clones and data directories, laptops, CI caches and artifacts that ran `{client}`."
    ));
    if journal.database.engine == "sqlite" {
        duties.push(
            "The SQLite files were overwritten once and unlinked; on SSDs and copy-on-write or journaling file systems an overwrite does not reach every old block: full-disk encryption or media sanitization (NIST SP 800-88) covers those.".to_owned(),
        );
    }
    if let Some(export) = &journal.export {
        duties.push(format!(
            "Hand the export at {} to the client through the agreed channel, then delete it: it holds their data and this procedure did not delete it.",
            export.dir
        ));
    }
    duties.push(format!(
        "Commit this removal (`git add -A && git commit`); the crate stays in git history (`git log -- {}`): rewrite history only if the contract requires it.",
        journal.crate_dir
    ));
    duties.push(format!(
        "Build output under `target/` still holds `{client}`'s compiled code (no data): `cargo clean` removes it."
    ));
    if !check.passed {
        duties.push(if check.ran {
            "The check on what remains found violations: fix them, then run `cargo clientwall check`.".to_owned()
        } else {
            "Run `cargo clientwall check` once the workspace has a client again.".to_owned()
        });
    }
    duties
}
