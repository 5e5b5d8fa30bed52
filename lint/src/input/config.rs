//! `[workspace.metadata.clientwall]` and `[package.metadata.clientwall]`, validated strictly:
//! an unknown key or a bad value is an error naming the file, the line and the closest key.

use crate::error::{ConfigErrors, ConfigProblem, Error, Result};
use crate::input::date::Date;
use crate::input::manifest::Manifest;
use crate::input::policy_glob;
use crate::input::suggest;
use crate::location::Location;
use camino::Utf8Path;
use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use std::cell::RefCell;
use toml_edit::{Item, TableLike, Value};

const WORKSPACE_KEYS: &[&str] = &["clients", "credential-helpers", "template", "allow"];
const ALLOW_KEYS: &[&str] = &["from", "to", "commit", "path", "reason", "expires"];
const PACKAGE_KEYS: &[&str] = &["role", "template-version"];
const ROLES: &[&str] = &["client", "shared", "credential-helper"];
const CONFIG_PATH: [&str; 3] = ["workspace", "metadata", "clientwall"];

/// The workspace-level policy.
#[derive(Debug)]
pub struct Config {
    /// Globs of client crate directories, relative to the workspace root, in the one spelling
    /// of [`policy_glob::normalize`] (`./clients/*/` is `clients/*`).
    pub clients: Vec<String>,
    /// The same globs as the policy writes them, with where (`None`: the default, unwritten).
    pub client_globs_written: Vec<WrittenGlob>,
    client_globs: GlobSet,
    /// Crate-name globs that no client may reach.
    pub credential_helpers: Vec<String>,
    helper_globs: GlobSet,
    /// A custom template directory for `new-client`.
    pub template: Option<String>,
    /// Exceptions, each with a reason.
    pub allow: Vec<AllowEntry>,
}

/// A policy glob as the root manifest spells it, and where.
#[derive(Debug, Clone)]
pub struct WrittenGlob {
    pub written: String,
    pub location: Option<Location>,
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
    /// Every problem is collected (each at its key or value) and reported together.
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
        let reader = Reader::new(manifest);
        let table =
            lookup(manifest.root(), &CONFIG_PATH).and_then(|item| reader.table(item, &CONFIG_PATH));
        let mut clients = vec![WrittenGlob {
            written: "clients/*".to_owned(),
            location: None,
        }];
        let mut credential_helpers = Vec::new();
        let mut template = None;
        let mut allow = Vec::new();
        if let Some(table) = table {
            for (key, item) in table.iter() {
                let path = [&CONFIG_PATH[..], &[key]].concat();
                match key {
                    "clients" => {
                        if let Some(globs) = reader.path_globs(item, &path) {
                            clients = globs;
                        }
                    }
                    "credential-helpers" => {
                        if let Some(globs) = reader.string_array(item, &path) {
                            credential_helpers = globs;
                        }
                    }
                    "template" => template = reader.string(item, &path),
                    "allow" => allow = reader.allow_entries(item, &path),
                    other => reader.unknown_key(other, &path, WORKSPACE_KEYS),
                }
            }
        }
        let clients_path = [&CONFIG_PATH[..], &["clients"]].concat();
        let helpers_path = [&CONFIG_PATH[..], &["credential-helpers"]].concat();
        let client_globs_written = clients;
        let clients: Vec<String> = client_globs_written
            .iter()
            .filter_map(|glob| reader.normalize(glob))
            .collect();
        let config = Config {
            client_globs: reader.globset(&clients, &clients_path, true),
            helper_globs: reader.globset(&credential_helpers, &helpers_path, false),
            clients,
            client_globs_written,
            credential_helpers,
            template,
            allow,
        };
        reader.problems.finish(config)
    }

    /// Does a directory (relative to the workspace root, `/`-separated) hold a client crate?
    pub fn is_client_dir(&self, relative_dir: &str) -> bool {
        self.client_globs.is_match(relative_dir)
    }

    /// The client globs (indices into [`Config::clients`]) that match a directory (relative to
    /// the workspace root, `/`-separated).
    pub fn client_globs_matching(&self, relative_dir: &str) -> Vec<usize> {
        self.client_globs.matches(relative_dir)
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

/// The role a package's own `[package.metadata.clientwall]` declares, validated: every problem
/// in the table is reported together.
pub fn package_role(manifest: &Manifest) -> Result<Option<Role>> {
    let path = ["package", "metadata", "clientwall"];
    let Some(item) = lookup(manifest.root(), &path) else {
        return Ok(None);
    };
    let reader = Reader::new(manifest);
    let mut role = None;
    for (key, item) in reader.table(item, &path).into_iter().flat_map(|t| t.iter()) {
        let key_path = [&path[..], &[key]].concat();
        match key {
            "template-version" => {
                reader.string(item, &key_path);
            }
            "role" => {
                role = match reader.string(item, &key_path).as_deref() {
                    None => None,
                    Some("client") => Some(Role::Client),
                    Some("shared") => Some(Role::Shared),
                    Some("credential-helper") => Some(Role::CredentialHelper),
                    Some(other) => {
                        reader.problems.at(
                            reader.value_location(item, &key_path),
                            format!("unknown role `{other}`"),
                            Some(suggest::hint(other, ROLES)),
                        );
                        None
                    }
                }
            }
            other => reader.unknown_key(other, &key_path, PACKAGE_KEYS),
        }
    }
    reader.problems.finish(role)
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

/// The problems found while validating one file, collected so that all of them are reported at
/// once ([`Error::Config`]), each at the key or value it is about.
pub(crate) struct Problems<'m> {
    manifest: &'m Manifest,
    found: RefCell<Vec<ConfigProblem>>,
}

impl<'m> Problems<'m> {
    pub(crate) fn new(manifest: &'m Manifest) -> Problems<'m> {
        Problems {
            manifest,
            found: RefCell::new(Vec::new()),
        }
    }

    /// Report a problem at `location`.
    pub(crate) fn at(&self, location: Location, message: String, help: Option<String>) {
        self.found.borrow_mut().push(ConfigProblem {
            location,
            message,
            help,
        });
    }

    /// How many problems were reported so far.
    pub(crate) fn count(&self) -> usize {
        self.found.borrow().len()
    }

    /// `value` when nothing was reported, else every problem, in file order.
    pub(crate) fn finish<T>(self, value: T) -> Result<T> {
        let mut found = self.found.into_inner();
        if found.is_empty() {
            return Ok(value);
        }
        found.sort_by_key(|p| (p.location.span.start, p.location.span.end));
        Err(Error::Config(ConfigErrors::new(
            &self.manifest.path,
            &self.manifest.text,
            found,
        )))
    }
}

/// Typed access to TOML items: every mismatch is reported to [`Problems`] at its place, and the
/// reading goes on without the value.
struct Reader<'m> {
    manifest: &'m Manifest,
    problems: Problems<'m>,
}

impl<'m> Reader<'m> {
    fn new(manifest: &'m Manifest) -> Reader<'m> {
        Reader {
            manifest,
            problems: Problems::new(manifest),
        }
    }

    /// Where the value at `path` is written (the key when the value has no span of its own).
    fn value_location(&self, item: &Item, path: &[&str]) -> Location {
        match item.span() {
            Some(span) => self.manifest.locate(Some(span)),
            None => self.manifest.key_location(path),
        }
    }

    fn unknown_key(&self, key: &str, path: &[&str], known: &[&str]) {
        let table = path[..path.len() - 1].join(".");
        self.problems.at(
            self.manifest.key_location(path),
            format!("unknown key `{key}` in `{table}`"),
            Some(suggest::hint(key, known)),
        );
    }

    fn mismatch(&self, item: &Item, path: &[&str], expected: &str) {
        self.problems.at(
            self.value_location(item, path),
            format!("`{}` must be {expected}", path.join(".")),
            None,
        );
    }

    fn table(&self, item: &'m Item, path: &[&str]) -> Option<&'m dyn TableLike> {
        let table = item.as_table_like();
        if table.is_none() {
            self.mismatch(item, path, "a table");
        }
        table
    }

    fn string(&self, item: &Item, path: &[&str]) -> Option<String> {
        let text = item.as_str().map(str::to_owned);
        if text.is_none() {
            self.mismatch(item, path, "a string");
        }
        text
    }

    fn string_array(&self, item: &Item, path: &[&str]) -> Option<Vec<String>> {
        let strings = item.as_array().and_then(|array| {
            array
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        });
        if strings.is_none() {
            self.mismatch(item, path, "an array of strings");
        }
        strings
    }

    /// An array of path globs, each with the place it is written.
    fn path_globs(&self, item: &Item, path: &[&str]) -> Option<Vec<WrittenGlob>> {
        let globs = item.as_array().and_then(|array| {
            array
                .iter()
                .map(|v| {
                    Some(WrittenGlob {
                        written: v.as_str()?.to_owned(),
                        location: Some(match v.span() {
                            Some(span) => self.manifest.locate(Some(span)),
                            None => self.manifest.key_location(path),
                        }),
                    })
                })
                .collect::<Option<Vec<_>>>()
        });
        if globs.is_none() {
            self.mismatch(item, path, "an array of strings");
        }
        globs
    }

    /// A path glob in its one spelling ([`policy_glob::normalize`], relative to the directory
    /// of the manifest read); a glob that names no directory inside the workspace is reported.
    fn normalize(&self, glob: &WrittenGlob) -> Option<String> {
        let root = self.manifest.path.parent().unwrap_or(Utf8Path::new(""));
        match policy_glob::normalize(&glob.written, root) {
            Ok(normalized) => Some(normalized),
            Err(why) => {
                self.problems.at(
                    glob.location
                        .clone()
                        .unwrap_or_else(|| self.manifest.key_location(&CONFIG_PATH)),
                    format!("the glob `{}` {why}", glob.written),
                    Some(
                        "policy globs are relative to the workspace root, as cargo reads \
                         `members`: e.g. `clients/*`"
                            .into(),
                    ),
                );
                None
            }
        }
    }

    /// The globs at `path` that compile; each one that does not is reported.
    fn globset(&self, globs: &[String], path: &[&str], literal_separator: bool) -> GlobSet {
        let mut set = GlobSetBuilder::new();
        for glob in globs {
            let parsed: Result<Glob, _> = GlobBuilder::new(glob)
                .literal_separator(literal_separator)
                .build();
            match parsed {
                Ok(parsed) => {
                    set.add(parsed);
                }
                Err(e) => self.problems.at(
                    self.manifest.key_location(path),
                    format!("invalid glob `{glob}`: {}", e.kind()),
                    None,
                ),
            }
        }
        set.build().unwrap_or_else(|e| {
            self.problems.at(
                self.manifest.key_location(path),
                format!("invalid globs: {e}"),
                None,
            );
            GlobSet::empty()
        })
    }

    fn allow_entries(&self, item: &Item, path: &[&str]) -> Vec<AllowEntry> {
        let Some(tables) = item.as_array_of_tables() else {
            self.mismatch(
                item,
                path,
                "an array of tables (`[[workspace.metadata.clientwall.allow]]`)",
            );
            return Vec::new();
        };
        tables
            .iter()
            .filter_map(|table| self.allow_entry(table, path))
            .collect()
    }

    /// One `allow` entry; `None` when it has problems (each one reported).
    fn allow_entry(&self, table: &toml_edit::Table, path: &[&str]) -> Option<AllowEntry> {
        let location = self.manifest.locate(table.span());
        let problems_before = self.problems.count();
        let entry_problem = |message: String, help: Option<String>| {
            self.problems.at(location.clone(), message, help);
        };
        let mut fields: [Option<String>; 5] = Default::default();
        let mut expires = None;
        for (key, item) in table.iter() {
            let key_path = [path, &[key]].concat();
            let key_location = self
                .manifest
                .locate(table.key(key).and_then(toml_edit::Key::span));
            let field = match key {
                "from" => 0,
                "to" => 1,
                "reason" => 2,
                "commit" => 3,
                "path" => 4,
                "expires" => {
                    expires = self.allow_date(item, &key_path);
                    continue;
                }
                other => {
                    self.problems.at(
                        key_location,
                        format!("unknown key `{other}` in an `allow` entry"),
                        Some(suggest::hint(other, ALLOW_KEYS)),
                    );
                    continue;
                }
            };
            fields[field] = self.string(item, &key_path);
        }
        let [from, to, reason, commit, secret_path] = fields;
        let missing = |key: &str| {
            entry_problem(
                format!("an `allow` entry is missing `{key}`"),
                Some(
                    "every exception needs `from` and `to` (a dependency) or `commit` and/or \
                     `path` (a secret), and a non-empty `reason`"
                        .into(),
                ),
            )
        };
        if reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            missing("reason");
        }
        let secret_entry = commit.is_some() || secret_path.is_some();
        let mut path_matcher = None;
        if secret_entry {
            if from.is_some() || to.is_some() {
                entry_problem(
                    "an `allow` entry names either a dependency (`from`, `to`) or a secret \
                     (`commit`, `path`), not both"
                        .into(),
                    None,
                );
            }
            if let Some(commit) = &commit
                && (commit.len() < 7 || !commit.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                entry_problem(
                    format!(
                        "`commit` must be a commit id of at least 7 hex digits, found `{commit}`"
                    ),
                    None,
                );
            }
            if let Some(glob) = &secret_path {
                let written = WrittenGlob {
                    written: glob.clone(),
                    location: Some(location.clone()),
                };
                if let Some(normalized) = self.normalize(&written) {
                    match GlobBuilder::new(&normalized)
                        .literal_separator(true)
                        .build()
                    {
                        Ok(g) => path_matcher = Some(g.compile_matcher()),
                        Err(e) => {
                            entry_problem(format!("invalid glob `{glob}`: {}", e.kind()), None)
                        }
                    }
                }
            }
        } else {
            if from.is_none() {
                missing("from");
            }
            if to.is_none() {
                missing("to");
            }
        }
        if self.problems.count() > problems_before {
            return None;
        }
        let (from, to) = match secret_entry {
            true => (String::new(), String::new()),
            false => (from?, to?),
        };
        Some(AllowEntry {
            from,
            to,
            commit,
            path: secret_path,
            path_matcher,
            reason: reason?,
            expires,
            location,
        })
    }

    fn allow_date(&self, item: &Item, path: &[&str]) -> Option<Date> {
        let text = match item.as_value() {
            Some(Value::String(s)) => s.value().clone(),
            Some(Value::Datetime(d)) => d.value().to_string(),
            _ => String::new(),
        };
        let date = Date::parse(&text);
        if date.is_none() {
            self.problems.at(
                self.value_location(item, path),
                format!("`expires` must be a date like 2027-03-01, found `{text}`"),
                None,
            );
        }
        date
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
            Error::Config(errors) => {
                let [problem] = errors.problems.as_slice() else {
                    panic!("one problem: {errors:?}");
                };
                assert_eq!(problem.location.line, 3);
                assert!(
                    problem.message.contains("unknown key `client`"),
                    "{}",
                    problem.message
                );
                assert_eq!(problem.help.as_deref(), Some("did you mean `clients`?"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let err = config(
            r#"[workspace]
[workspace.metadata.clientwall]
clients = "clients/*"
credential-helper = ["*-credentials"]
[[workspace.metadata.clientwall.allow]]
from = "acme"
reason = "migrating"
expires = "soon"
[[workspace.metadata.clientwall.allow]]
commit = "xyz"
reason = "a test token"
"#,
        )
        .unwrap_err();
        let Error::Config(errors) = err else {
            panic!("unexpected {err:?}");
        };
        let found: Vec<(usize, &str)> = errors
            .problems
            .iter()
            .map(|p| (p.location.line, p.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    3,
                    "`workspace.metadata.clientwall.clients` must be an array of strings"
                ),
                (
                    4,
                    "unknown key `credential-helper` in `workspace.metadata.clientwall`"
                ),
                (5, "an `allow` entry is missing `to`"),
                (8, "`expires` must be a date like 2027-03-01, found `soon`"),
                (
                    9,
                    "`commit` must be a commit id of at least 7 hex digits, found `xyz`"
                ),
            ]
        );
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
