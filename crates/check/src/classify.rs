//! What each crate is to the policy: a client, shared code, a credential helper, or an external
//! dependency. Clients are identified by where they live (or their own marker), never by name.

use crate::config::{self, Config, Role};
use crate::error::{Error, Result};
use crate::location::relative_path;
use crate::manifest::Manifest;
use crate::suggest;
use camino::Utf8Path;
use cargo_metadata::Package;
use serde::Serialize;

/// A crate's place in the isolation policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Client,
    Shared,
    CredentialHelper,
    /// A registry or git dependency that is none of the above.
    External,
}

impl Kind {
    /// Clients and credential helpers are what no client may reach.
    pub fn is_forbidden_target(self) -> bool {
        matches!(self, Kind::Client | Kind::CredentialHelper)
    }
}

/// Classify a package from `cargo metadata`.
///
/// Local (path) packages: their `role` marker wins, then the client directory globs, then the
/// credential-helper name globs; everything else local is shared. Registry and git packages are
/// never clients, whatever their name: only credential-helper name globs apply to them.
pub fn classify(package: &Package, config: &Config, root: &Utf8Path) -> Result<Kind> {
    if package.source.is_some() {
        return Ok(if config.is_credential_helper_name(&package.name) {
            Kind::CredentialHelper
        } else {
            Kind::External
        });
    }
    let dir = package.manifest_path.parent().unwrap_or(root);
    let role = marker_role(package)?;
    Ok(classify_local(&package.name, dir, role, config, root))
}

/// Classify a local crate from its name, directory and marker.
pub fn classify_local(
    name: &str,
    dir: &Utf8Path,
    role: Option<Role>,
    config: &Config,
    root: &Utf8Path,
) -> Kind {
    match role {
        Some(Role::Client) => Kind::Client,
        Some(Role::Shared) => Kind::Shared,
        Some(Role::CredentialHelper) => Kind::CredentialHelper,
        None if dir.starts_with(root) && config.is_client_dir(&relative_path(dir, root)) => {
            Kind::Client
        }
        None if config.is_credential_helper_name(name) => Kind::CredentialHelper,
        None => Kind::Shared,
    }
}

/// The package's `[package.metadata.clientwall] role`, read from `cargo metadata`'s JSON; when it
/// is malformed the manifest is re-parsed so the error names the line.
fn marker_role(package: &Package) -> Result<Option<Role>> {
    let Some(table) = package.metadata.get("clientwall") else {
        return Ok(None);
    };
    let well_formed = table.as_object().is_some_and(|t| {
        t.keys().all(|k| k == "role" || k == "template-version")
            && t.get("template-version")
                .is_none_or(serde_json::Value::is_string)
    });
    let role = table
        .get("role")
        .and_then(|r| r.as_str())
        .filter(|_| well_formed);
    match role {
        None if well_formed && table.get("role").is_none() => Ok(None),
        Some("client") => Ok(Some(Role::Client)),
        Some("shared") => Ok(Some(Role::Shared)),
        Some("credential-helper") => Ok(Some(Role::CredentialHelper)),
        _ => {
            let manifest = Manifest::load(&package.manifest_path)?;
            config::package_role(&manifest)?;
            Err(Error::Config {
                file: package.manifest_path.clone(),
                line: 1,
                message: "`package.metadata.clientwall` must be a table with a `role` string"
                    .into(),
                help: Some(suggest::hint(
                    "",
                    &["client", "shared", "credential-helper"],
                )),
            })
        }
    }
}
