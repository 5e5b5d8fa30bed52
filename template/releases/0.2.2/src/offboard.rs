//! The end of the engagement, as the binary's `revoke`, `export` and `destroy` commands run it
//! and print it: for people, or with `--json` for `cargo clientwall offboard`, which drives the
//! three in order and writes the deletion certificate from what they print.

use crate::clock::SystemClock;
use crate::config::{self, ClientConfig, Credentials};
use crate::{destroy, export, revoke};
use anyhow::Result;
use std::path::Path;

/// `revoke`: without `yes`, only say what it would do.
pub fn revoke_command(config: &ClientConfig, yes: bool, json: bool) -> Result<()> {
    let shop = &config.shopify.shop;
    if !yes {
        println!(
            "revoke would uninstall the app from {shop} (appUninstall, with a fresh token), then ask for a token again and expect a refusal; this cannot be undone: run `revoke --yes`"
        );
        return Ok(());
    }
    if let Some(missing) = revoke::missing_credentials(config) {
        if json {
            println!("{}", serde_json::to_string(&missing)?);
        }
        return Err(revoke::NoCredentials(missing.missing).into());
    }
    let endpoint = config::endpoint(shop, config::optional_env("SHOPIFY_BASE_URL").as_deref())?;
    let revocation = revoke::revoke(config, &endpoint, &Credentials::from_env()?, &SystemClock)?;
    if json {
        println!("{}", serde_json::to_string(&revocation)?);
        return Ok(());
    }
    let refusal = revocation.refusal.as_deref().unwrap_or("refused");
    match revocation.status {
        "already-refused" => println!(
            "{shop} refused these credentials before anything was asked ({refusal}): the app is already uninstalled, or its secret was rotated"
        ),
        _ => println!(
            "revoked: the app{} uninstalled itself from {shop}; a new token request was refused ({refusal})",
            revocation
                .app
                .as_deref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default()
        ),
    }
    Ok(())
}

/// `export --dir DIR`.
pub fn export_command(config: &ClientConfig, dir: &Path, json: bool) -> Result<()> {
    let exported = export::export(config, dir)?;
    if json {
        println!("{}", serde_json::to_string(&exported)?);
        return Ok(());
    }
    for table in &exported.tables {
        println!(
            "{:<14} {:>9} rows  {}  {}",
            table.table, table.rows, table.sha256, table.file
        );
    }
    println!(
        "exported {} tables to {}; {} has SHA-256 {}",
        exported.tables.len(),
        exported.dir,
        export::MANIFEST,
        exported.manifest_sha256
    );
    Ok(())
}

/// `destroy`: without `yes`, only count and say what it would remove.
pub fn destroy_command(config: &ClientConfig, yes: bool, json: bool) -> Result<()> {
    let planned = destroy::inventory(config)?;
    if !json {
        println!(
            "{} {}'s data at {}:",
            if yes {
                "destroying"
            } else {
                "destroy would remove"
            },
            crate::CLIENT,
            planned.location
        );
        for table in &planned.tables {
            println!("  table {:<14} {:>9} rows", table.table, table.rows);
        }
        for object in &planned.objects {
            println!("  {} {}", object.kind, object.name);
        }
        if planned.objects.is_empty() {
            println!("  nothing is there");
        }
        println!("  method: {}", planned.method);
    }
    if !yes {
        if json {
            println!("{}", serde_json::to_string(&planned)?);
        } else {
            println!("nothing was touched: run `destroy --yes` to destroy it");
        }
        return Ok(());
    }
    let destroyed = destroy::destroy(config)?;
    if json {
        println!("{}", serde_json::to_string(&destroyed)?);
    } else {
        println!("destroyed and verified: {}", destroyed.verification);
    }
    Ok(())
}
