//! `[workspace.metadata.clientwall]` and `[package.metadata.clientwall]`, validated strictly:
//! an unknown key or a bad value is an error naming the file, the line and the closest key.

use crate::date::Date;
use crate::error::{Error, Result};
use crate::location::Location;
use crate::manifest::Manifest;
use crate::suggest;
use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use toml_edit::{Item, TableLike, Value};

const WORKSPACE_KEYS: &[&str] = &["clients", "credential-helpers", "template", "allow"];
const ALLOW_KEYS: &[&str] = &["from", "to", "commit", "path", "reason", "expires"];
const PACKAGE_KEYS: &[&str] = &["role", "template-version"];
const ROLES: &[&str] = &["client", "shared", "credential-helper"];
const CONFIG_PATH: [&str; 3] = ["workspace", "metadata", "clientwall"];

/// The workspace-level policy.
#[derive(Debug)]
pub struct Config {
    /// Globs of client crate directories, relative to the workspace root.
    pub clients: Vec<String>,
    client_globs: GlobSet,
    /// Crate-name globs that no client may reach.
    pub credential_helpers: Vec<String>,
    helper_globs: GlobSet,
    /// A custom template directory for `new-client`.
    pub template: Option<String>,
    /// Exceptions, each with a reason.
    pub allow: Vec<AllowEntry>,
}

/// One `[[workspace.metadata.clientwall.allow]]` entry: a dependency (`from`, `to`), or a
/// secret by the `commit` that introduced it and/or its `path` (a glob).
#[derive(Debug, Clone)]
pub struct AllowEntry {
    /// Empty for a secret entry.
    pub from: String,
    /// Empty for a secret entry.
    pub to: String,
    /// A secret entry: a prefix of the commit that introduced the secret (history findings).
    pub commit: Option<String>,
    /// A secret entry: a glob over the path, relative to the workspace root.
    pub path: Option<String>,
    path_matcher: Option<GlobMatcher>,
    pub reason: String,
    pub expires: Option<Date>,
    pub location: Location,
}

impl AllowEntry {
    /// Does this entry excuse a secret (rather than a dependency)?
    pub fn is_secret_entry(&self) -> bool {
        self.commit.is_some() || self.path.is_some()
    }

    /// Does this secret entry excuse a secret at `path` (relative, `/`-separated), introduced by
    /// `commit` (`None` for a finding in the work tree, which only a `path`-only entry excuses)?
    pub fn excuses_secret(&self, commit: Option<&str>, path: &str) -> bool {
        let commit_matches = match (&self.commit, commit) {
            (None, _) => true,
            (Some(prefix), Some(commit)) => {
                commit.len() >= prefix.len() && commit[..prefix.len()].eq_ignore_ascii_case(prefix)
            }
            (Some(_), None) => false,
        };
        let path_matches = self.path_matcher.as_ref().is_none_or(|m| m.is_match(path));
        self.is_secret_entry() && commit_matches && path_matches
    }

    /// `allow` entry from `acme` to `legacy-auth`, or for the secret at `tests/*.json`.
    pub fn describe(&self) -> String {
        if !self.is_secret_entry() {
            return format!("`allow` entry from `{}` to `{}`", self.from, self.to);
        }
        let mut text = "`allow` entry for the secret".to_owned();
        if let Some(commit) = &self.commit {
            text.push_str(&format!(" of commit `{commit}`"));
        }
        if let Some(path) = &self.path {
            text.push_str(&format!(" at `{path}`"));
        }
        text
    }
}

/// The role a package declares for itself with `[package.metadata.clientwall] role = ..`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Client,
    Shared,
    CredentialHelper,
}

impl Config {
    /// The policy from the root manifest of a workspace. A missing table means the defaults.
    pub fn from_manifest(manifest: &Manifest) -> Result<Config> {
        if !manifest.root().contains_key("workspace") {
            return Err(Error::Layout {
                message: format!("{} has no [workspace] table", manifest.path),
                help: Some(
                    "run clientwall on the consultancy workspace's root Cargo.toml \
                     (or pass --manifest-path)"
                        .into(),
                ),
            });
        }
        let reader = Reader { manifest };
        let table = match lookup(manifest.root(), &CONFIG_PATH) {
            None => None,
            Some(item) => Some(reader.table(item, &CONFIG_PATH)?),
        };
        let mut clients = vec!["clients/*".to_owned()];
        let mut credential_helpers = Vec::new();
        let mut template = None;
        let mut allow = Vec::new();
        if let Some(table) = table {
            for (key, item) in table.iter() {
                let path = [&CONFIG_PATH[..], &[key]].concat();
                match key {
                    "clients" => clients = reader.string_array(item, &path)?,
                    "credential-helpers" => {
                        credential_helpers = reader.string_array(item, &path)?
                    }
                    "template" => template = Some(reader.string(item, &path)?),
                    "allow" => allow = reader.allow_entries(item, &path)?,
                    other => return Err(reader.unknown_key(other, &path, WORKSPACE_KEYS)),
                }
            }
        }
        let clients_path = [&CONFIG_PATH[..], &["clients"]].concat();
        let helpers_path = [&CONFIG_PATH[..], &["credential-helpers"]].concat();
        Ok(Config {
            client_globs: reader.globset(&clients, &clients_path, true)?,
            helper_globs: reader.globset(&credential_helpers, &helpers_path, false)?,
            clients,
            credential_helpers,
            template,
            allow,
        })
    }

    /// Does a directory (relative to the workspace root, `/`-separated) hold a client crate?
    pub fn is_client_dir(&self, relative_dir: &str) -> bool {
        self.client_globs.is_match(relative_dir)
    }

    /// Is a crate with this name a credential helper by the `credential-helpers` globs?
    pub fn is_credential_helper_name(&self, name: &str) -> bool {
        self.helper_globs.is_match(name)
    }

    /// How deep below the root the client globs can match (`None` when a glob has `**`).
    pub fn client_glob_depth(&self) -> Option<usize> {
        self.clients
            .iter()
            .map(|g| (!g.contains("**")).then(|| g.trim_matches('/').split('/').count()))
            .try_fold(0, |max, depth| depth.map(|d| max.max(d)))
    }
}

/// The role a package's own `[package.metadata.clientwall]` declares, validated.
pub fn package_role(manifest: &Manifest) -> Result<Option<Role>> {
    let path = ["package", "metadata", "clientwall"];
    let Some(item) = lookup(manifest.root(), &path) else {
        return Ok(None);
    };
    let reader = Reader { manifest };
    let table = reader.table(item, &path)?;
    let mut role = None;
    for (key, item) in table.iter() {
        let key_path = [&path[..], &[key]].concat();
        if key == "template-version" {
            reader.string(item, &key_path)?;
            continue;
        }
        if key != "role" {
            return Err(reader.unknown_key(key, &key_path, PACKAGE_KEYS));
        }
        role = Some(match reader.string(item, &key_path)?.as_str() {
            "client" => Role::Client,
            "shared" => Role::Shared,
            "credential-helper" => Role::CredentialHelper,
            other => {
                return Err(reader.error(
                    &key_path,
                    format!("unknown role `{other}`"),
                    Some(suggest::hint(other, ROLES)),
                ));
            }
        });
    }
    Ok(role)
}

fn lookup<'a>(table: &'a dyn TableLike, path: &[&str]) -> Option<&'a Item> {
    let (first, rest) = path.split_first()?;
    let item = table.get(first)?;
    if rest.is_empty() {
        Some(item)
    } else {
        lookup(item.as_table_like()?, rest)
    }
}

/// Typed access to TOML items that turns every mismatch into a located [`Error::Config`].
struct Reader<'m> {
    manifest: &'m Manifest,
}

impl<'m> Reader<'m> {
    fn error(&self, path: &[&str], message: String, help: Option<String>) -> Error {
        Error::Config {
            file: self.manifest.path.clone(),
            line: self.manifest.key_location(path).line,
            message,
            help,
        }
    }

    fn unknown_key(&self, key: &str, path: &[&str], known: &[&str]) -> Error {
        let table = path[..path.len() - 1].join(".");
        self.error(
            path,
            format!("unknown key `{key}` in `{table}`"),
            Some(suggest::hint(key, known)),
        )
    }

    fn mismatch(&self, path: &[&str], expected: &str) -> Error {
        self.error(
            path,
            format!("`{}` must be {expected}", path.join(".")),
            None,
        )
    }

    fn table(&self, item: &'m Item, path: &[&str]) -> Result<&'m dyn TableLike> {
        item.as_table_like()
            .ok_or_else(|| self.mismatch(path, "a table"))
    }

    fn string(&self, item: &Item, path: &[&str]) -> Result<String> {
        item.as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.mismatch(path, "a string"))
    }

    fn string_array(&self, item: &Item, path: &[&str]) -> Result<Vec<String>> {
        let array = item
            .as_array()
            .ok_or_else(|| self.mismatch(path, "an array of strings"))?;
        array
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.mismatch(path, "an array of strings"))
            })
            .collect()
    }

    fn globset(&self, globs: &[String], path: &[&str], literal_separator: bool) -> Result<GlobSet> {
        let mut set = GlobSetBuilder::new();
        for glob in globs {
            let trimmed = glob.trim_end_matches('/');
            let parsed: Result<Glob, _> = GlobBuilder::new(trimmed)
                .literal_separator(literal_separator)
                .build();
            let parsed = parsed.map_err(|e| {
                self.error(path, format!("invalid glob `{glob}`: {}", e.kind()), None)
            })?;
            set.add(parsed);
        }
        set.build()
            .map_err(|e| self.error(path, format!("invalid globs: {e}"), None))
    }

    fn allow_entries(&self, item: &Item, path: &[&str]) -> Result<Vec<AllowEntry>> {
        let tables = item.as_array_of_tables().ok_or_else(|| {
            self.mismatch(
                path,
                "an array of tables (`[[workspace.metadata.clientwall.allow]]`)",
            )
        })?;
        tables
            .iter()
            .map(|table| self.allow_entry(table, path))
            .collect()
    }

    fn allow_entry(&self, table: &toml_edit::Table, path: &[&str]) -> Result<AllowEntry> {
        let location = self.manifest.locate(table.span());
        let located = |message: String, help: Option<String>| Error::Config {
            file: self.manifest.path.clone(),
            line: location.line,
            message,
            help,
        };
        let mut fields: [Option<String>; 5] = Default::default();
        let mut expires = None;
        for (key, item) in table.iter() {
            let key_path = [path, &[key]].concat();
            match key {
                "from" => fields[0] = Some(self.allow_string(item, &key_path, &location)?),
                "to" => fields[1] = Some(self.allow_string(item, &key_path, &location)?),
                "reason" => fields[2] = Some(self.allow_string(item, &key_path, &location)?),
                "commit" => fields[3] = Some(self.allow_string(item, &key_path, &location)?),
                "path" => fields[4] = Some(self.allow_string(item, &key_path, &location)?),
                "expires" => expires = Some(self.allow_date(item, &location)?),
                other => {
                    return Err(located(
                        format!("unknown key `{other}` in an `allow` entry"),
                        Some(suggest::hint(other, ALLOW_KEYS)),
                    ));
                }
            }
        }
        let [from, to, reason, commit, secret_path] = fields;
        let missing = |key: &str| {
            located(
                format!("an `allow` entry is missing `{key}`"),
                Some(
                    "every exception needs `from` and `to` (a dependency) or `commit` and/or \
                     `path` (a secret), and a non-empty `reason`"
                        .into(),
                ),
            )
        };
        let reason = reason.ok_or_else(|| missing("reason"))?;
        if reason.trim().is_empty() {
            return Err(missing("reason"));
        }
        if commit.is_some() || secret_path.is_some() {
            if from.is_some() || to.is_some() {
                return Err(located(
                    "an `allow` entry names either a dependency (`from`, `to`) or a secret \
                     (`commit`, `path`), not both"
                        .into(),
                    None,
                ));
            }
            if let Some(commit) = &commit
                && (commit.len() < 7 || !commit.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(located(
                    format!(
                        "`commit` must be a commit id of at least 7 hex digits, found `{commit}`"
                    ),
                    None,
                ));
            }
            let path_matcher = secret_path
                .as_deref()
                .map(|glob| {
                    GlobBuilder::new(glob.trim_start_matches("./"))
                        .literal_separator(true)
                        .build()
                        .map(|g| g.compile_matcher())
                        .map_err(|e| located(format!("invalid glob `{glob}`: {}", e.kind()), None))
                })
                .transpose()?;
            return Ok(AllowEntry {
                from: String::new(),
                to: String::new(),
                commit,
                path: secret_path,
                path_matcher,
                reason,
                expires,
                location,
            });
        }
        Ok(AllowEntry {
            from: from.ok_or_else(|| missing("from"))?,
            to: to.ok_or_else(|| missing("to"))?,
            commit: None,
            path: None,
            path_matcher: None,
            reason,
            expires,
            location,
        })
    }

    fn allow_string(&self, item: &Item, path: &[&str], location: &Location) -> Result<String> {
        item.as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::Config {
                file: self.manifest.path.clone(),
                line: location.line,
                message: format!("`{}` must be a string", path.join(".")),
                help: None,
            })
    }

    fn allow_date(&self, item: &Item, location: &Location) -> Result<Date> {
        let text = match item.as_value() {
            Some(Value::String(s)) => s.value().clone(),
            Some(Value::Datetime(d)) => d.value().to_string(),
            _ => String::new(),
        };
        Date::parse(&text).ok_or_else(|| Error::Config {
            file: self.manifest.path.clone(),
            line: location.line,
            message: format!("`expires` must be a date like 2027-03-01, found `{text}`"),
            help: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use camino::Utf8Path;

    fn config(text: &str) -> Result<Config> {
        Config::from_manifest(&Manifest::parse(Utf8Path::new("Cargo.toml"), text.into()).unwrap())
    }

    #[test]
    fn defaults_without_a_table() {
        let c = config("[workspace]\nmembers = []\n").unwrap();
        assert_eq!(c.clients, ["clients/*"]);
        assert!(c.is_client_dir("clients/acme"));
        assert!(!c.is_client_dir("clients/acme/sub"));
        assert!(!c.is_credential_helper_name("acme-credentials"));
        assert_eq!(c.client_glob_depth(), Some(2));
    }

    #[test]
    fn reads_every_key() {
        let c = config(
            r#"[workspace]
[workspace.metadata.clientwall]
clients = ["customers/*/"]
credential-helpers = ["*-credentials"]
template = "tpl"
[[workspace.metadata.clientwall.allow]]
from = "acme"
to = "legacy-auth"
reason = "migrating"
expires = 2027-03-01
"#,
        )
        .unwrap();
        assert!(c.is_client_dir("customers/acme"));
        assert!(c.is_credential_helper_name("shopify-credentials"));
        assert_eq!(c.template.as_deref(), Some("tpl"));
        assert_eq!(c.allow[0].expires, Date::parse("2027-03-01"));
        assert_eq!(c.allow[0].location.line, 6);
    }

    #[test]
    fn typo_is_located_with_a_hint() {
        let err =
            config("[workspace]\n[workspace.metadata.clientwall]\nclient = []\n").unwrap_err();
        match err {
            Error::Config {
                line,
                message,
                help,
                ..
            } => {
                assert_eq!(line, 3);
                assert!(message.contains("unknown key `client`"), "{message}");
                assert_eq!(help.as_deref(), Some("did you mean `clients`?"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn allow_without_reason_is_rejected() {
        let err = config(
            "[workspace]\n[[workspace.metadata.clientwall.allow]]\nfrom = \"a\"\nto = \"b\"\nreason = \" \"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("missing `reason`"), "{err}");
    }

    #[test]
    fn package_role_values_are_checked() {
        let parse = |t: &str| {
            package_role(&Manifest::parse(Utf8Path::new("Cargo.toml"), t.into()).unwrap())
        };
        assert_eq!(
            parse("[package.metadata.clientwall]\nrole = \"client\"\n").unwrap(),
            Some(Role::Client)
        );
        let err = parse("[package.metadata.clientwall]\nrole = \"clinet\"\n").unwrap_err();
        assert_eq!(err.help(), Some("did you mean `client`?"));
        let err = parse("[package.metadata.clientwall]\nrol = \"client\"\n").unwrap_err();
        assert_eq!(err.help(), Some("did you mean `role`?"));
    }
}
