//! The rules. One file per rule: a static [`RuleInfo`] (code, level, summary, the user
//! documentation that generates `docs/rules.md`, and the [`Pass`] that runs its `check`), plus
//! that `check`. The table below lists them all, one line each, in the order reports use; the
//! check runs each pass generically over it ([`graph_pass`], [`files_pass`],
//! [`client_config_pass`], [`drift_pass`], [`policy_pass`]).

use crate::error::Result;
use crate::input::client_toml::ClientToml;
use crate::input::config::{AllowEntry, Config};
use crate::input::date::Date;
use crate::input::history::HistorySecret;
use crate::input::manifest::ManifestCache;
use crate::input::offboarded::Stored;
use crate::input::workspace::ClientManifest;
use crate::location::Location;
use crate::model::classify::Kind;
use crate::model::exposure::Exposure;
use crate::model::graph::{CrateGraph, EdgeId, Reach, kind_name};
use crate::model::layout::Layout;
use crate::scan::{Finding, Landing};
use crate::secrets::SecretKind;
use camino::Utf8Path;
use cargo_metadata::DependencyKind;
use clientwall_template::Catalog;
use serde::Serialize;
use std::cell::RefCell;
use std::path::PathBuf;
use strum::{EnumCount, VariantArray};

/// The table of rules: one line per rule, `Code => module`, in report order. Each line declares
/// the rule's module (`rules/<module>.rs`, whose `RULE` says what the rule is and which pass runs
/// it), its [`RuleCode`] and its place in [`RULES`].
macro_rules! rule_table {
    ($($code:ident => $module:ident,)*) => {
        $(pub mod $module;)*

        /// A rule's stable code. The table's order is the report order.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize,
            strum::Display, strum::EnumString, strum::IntoStaticStr, strum::EnumCount,
            strum::VariantArray,
        )]
        #[serde(rename_all = "kebab-case")]
        #[strum(serialize_all = "kebab-case")]
        pub enum RuleCode {
            $($code,)*
        }

        /// Every rule, in report order.
        pub static RULES: &[&RuleInfo] = &[$(&$module::RULE,)*];
    };
}

rule_table! {
    ClientDependsOnClient => client_depends_on_client,
    ClientReachesCredentialHelper => client_reaches_credential_helper,
    SharedDependsOnClient => shared_depends_on_client,
    CrossClientFileReference => cross_client_file_reference,
    HardcodedSecret => hardcoded_secret,
    EnvFileCommitted => env_file_committed,
    WriteScopeRequested => write_scope_requested,
    TokenLifetimeTooLong => token_lifetime_too_long,
    SharedDatabase => shared_database,
    StaleAllow => stale_allow,
    TemplateDrift => template_drift,
    RoleOverride => role_override,
    ApiVersionRetiring => api_version_retiring,
}

impl RuleCode {
    /// Every code, in report order.
    pub const ALL: [RuleCode; RuleCode::COUNT] = match RuleCode::VARIANTS.first_chunk() {
        Some(all) => *all,
        None => unreachable!(),
    };

    /// The kebab-case code users see and `allow` markers name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The rule's descriptor.
    pub fn info(self) -> &'static RuleInfo {
        RULES
            .iter()
            .copied()
            .find(|r| r.code == self)
            .expect("every code has a rule in RULES")
    }
}

/// A rule's stable identity, documentation and the pass that runs it.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable kebab-case code; never renamed.
    pub code: RuleCode,
    /// The level of its findings (a rule may lower one: see [`Violation::level`]).
    pub level: Level,
    /// One line: what fails.
    pub summary: &'static str,
    /// Markdown: what it does, why it matters, an example, how to fix.
    pub doc: &'static str,
    /// What the rule reads, and so where in a run it is checked.
    pub pass: Pass,
}

impl RuleInfo {
    /// The rule's section in `docs/rules.md` (`#client-depends-on-client`).
    pub fn docs_anchor(&self) -> &'static str {
        self.code.as_str()
    }
}

/// The pass a rule runs in: what it reads. The check runs each pass over the rules of
/// [`RULES`] that belong to it, in table order.
#[derive(Clone, Copy)]
pub enum Pass {
    /// The crate graph cargo reports; `allow` entries excuse its findings.
    Graph(fn(&GraphContext) -> Result<Vec<Violation>>),
    /// The scanned files (and the target paths cargo reports), git's index and the history.
    Files(fn(&FilesContext) -> Result<Vec<Violation>>),
    /// The clients' `client.toml` files (and the deletion certificates).
    ClientConfig(fn(&ConfigContext) -> Result<Vec<Violation>>),
    /// Each generated client against its template.
    Drift(fn(&DriftContext) -> Result<Vec<Violation>>),
    /// The policy itself, once every other pass has run.
    Policy(fn(&PolicyContext) -> Result<Vec<Violation>>),
}

impl Pass {
    pub fn name(self) -> &'static str {
        match self {
            Pass::Graph(_) => "graph",
            Pass::Files(_) => "files",
            Pass::ClientConfig(_) => "client config",
            Pass::Drift(_) => "drift",
            Pass::Policy(_) => "policy",
        }
    }
}

impl std::fmt::Debug for Pass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the file rules read.
pub struct FilesContext<'a> {
    pub layout: &'a Layout,
    /// The scan's findings, after the target paths cargo reports when it ran; the secrets an
    /// `allow` entry excuses by path are gone.
    pub findings: &'a [Finding],
    /// The files in git's index.
    pub indexed: &'a [PathBuf],
    /// The crate graph's view of files outside the clients; `None` when cargo did not run.
    pub exposure: Option<&'a Exposure<'a>>,
    /// History's secrets (`--history`), each with its reported occurrence first; those that an
    /// `allow` entry excuses everywhere are already gone.
    pub history: Option<&'a [HistorySecret]>,
}

/// What the `client.toml` rules read. A run reports only the findings about its selected
/// clients.
pub struct ConfigContext<'a> {
    pub layout: &'a Layout,
    /// The selected clients' `client.toml`.
    pub selected: &'a [ClientToml],
    /// Every client's `client.toml`, to compare the selected ones with.
    pub everyone: &'a [ClientToml],
    /// The deletion certificates under `offboarded/`.
    pub offboarded: &'a [Stored],
    pub today: Date,
}

/// What `template-drift` reads.
pub struct DriftContext<'a> {
    pub layout: &'a Layout,
    /// The template versions locked files are rendered from.
    pub catalog: &'a Catalog,
    /// The policy names a template of its own (`template = ..`).
    pub custom_template: bool,
    /// The clients to compare.
    pub selected: &'a (dyn Fn(&str) -> bool + Sync),
}

/// What the rules about the policy itself read, after every other pass.
pub struct PolicyContext<'a> {
    pub config: &'a Config,
    /// Which `allow` entries excused something; `None` when the graph rules did not run, so no
    /// entry can be judged.
    pub used: Option<&'a [bool]>,
    pub today: Date,
    /// Whether this run judges an entry (it concerns the selected clients).
    pub judges: &'a dyn Fn(&AllowEntry) -> bool,
    /// The `clients` globs that match no directory (indices into [`Config::clients`]).
    pub unmatched_globs: &'a [usize],
    /// Whether this run reports a finding that concerns no particular entry.
    pub reports: &'a dyn Fn(&Violation) -> bool,
}

/// Run the rules `pick` takes from the table over `ctx`, in table order.
fn run<C>(
    ctx: &C,
    pick: impl Fn(Pass) -> Option<fn(&C) -> Result<Vec<Violation>>>,
) -> Result<Vec<Violation>> {
    let mut found = Vec::new();
    for rule in RULES {
        if let Some(check) = pick(rule.pass) {
            found.extend(check(ctx)?);
        }
    }
    Ok(found)
}

/// Every rule of the graph pass.
pub fn graph_pass(ctx: &GraphContext) -> Result<Vec<Violation>> {
    run(ctx, |pass| match pass {
        Pass::Graph(check) => Some(check),
        _ => None,
    })
}

/// Every rule of the file pass.
pub fn files_pass(ctx: &FilesContext) -> Result<Vec<Violation>> {
    run(ctx, |pass| match pass {
        Pass::Files(check) => Some(check),
        _ => None,
    })
}

/// Every rule of the `client.toml` pass.
pub fn client_config_pass(ctx: &ConfigContext) -> Result<Vec<Violation>> {
    run(ctx, |pass| match pass {
        Pass::ClientConfig(check) => Some(check),
        _ => None,
    })
}

/// Every rule of the drift pass.
pub fn drift_pass(ctx: &DriftContext) -> Result<Vec<Violation>> {
    run(ctx, |pass| match pass {
        Pass::Drift(check) => Some(check),
        _ => None,
    })
}

/// Every rule of the policy pass.
pub fn policy_pass(ctx: &PolicyContext) -> Result<Vec<Violation>> {
    run(ctx, |pass| match pass {
        Pass::Policy(check) => Some(check),
        _ => None,
    })
}

/// The rule reference page (`docs/rules.md`), generated from the rules' own docs.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# clientwall rules\n\n<!-- Generated from lint/src/rules/*.rs by the `rule_docs` test; do not edit. -->\n\n\
         | code | what fails |\n|---|---|\n",
    );
    for rule in RULES {
        out.push_str(&format!(
            "| [`{}`](#{}) | {} |\n",
            rule.code,
            rule.docs_anchor(),
            rule.summary
        ));
    }
    for rule in RULES {
        let doc = rule.doc.replace("\n## ", "\n### ");
        let doc = doc
            .strip_prefix("## ")
            .map_or(doc.clone(), |d| format!("### {d}"));
        out.push_str(&format!(
            "\n## {}\n\n{}\n\n{}",
            rule.code, rule.summary, doc
        ));
    }
    out
}

/// Look a rule up by its kebab-case code.
pub fn rule(code: &str) -> Option<&'static RuleInfo> {
    code.parse::<RuleCode>().ok().map(RuleCode::info)
}

/// One step of a dependency path: the crate reached, and how the previous crate declares it.
#[derive(Debug, Clone)]
pub struct Hop {
    pub name: String,
    /// `None` for the first crate of a path.
    pub kind: Option<DependencyKind>,
    pub target: Option<String>,
    /// The dependency key in the previous crate's manifest.
    pub location: Option<Location>,
}

impl Hop {
    /// `normal`, `dev`, `build`, with the platform when target-specific: `normal, cfg(unix)`.
    pub fn kind_label(&self) -> Option<String> {
        let kind = kind_name(self.kind?);
        Some(match &self.target {
            Some(target) => format!("{kind}, {target}"),
            None => kind.to_owned(),
        })
    }
}

/// `acme -> shared-report (normal) -> globex (normal)`.
pub fn format_path(path: &[Hop]) -> String {
    path.iter()
        .map(|hop| match hop.kind_label() {
            Some(label) => format!("{} ({label})", hop.name),
            None => hop.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// What a violation is about, typed, so that consumers (the attestation, editors) never parse
/// a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Subject {
    /// A crate that must not be reached: another client or a credential helper (or, for
    /// `shared-depends-on-client`, the client a shared crate depends on).
    Crate { name: String, role: Kind },
    /// A file outside the client's directory that one of its files pulls in or links to.
    File { path: String, owner: Landing },
    /// A secret, by kind, in redacted form only.
    Secret {
        secret: SecretKind,
        redacted: String,
        /// The crate holding the file, when it lies outside every client.
        #[serde(skip_serializing_if = "Option::is_none")]
        in_crate: Option<String>,
        /// The clients that carry it: the client whose file it is, or every client that
        /// compiles the crate holding it.
        exposed_to: Vec<String>,
        /// The commit that introduced it, when history was read (`--history`).
        #[serde(skip_serializing_if = "Option::is_none")]
        introduced: Option<crate::input::history::Introduced>,
        /// Found in the files as they are (else only the history holds it).
        in_work_tree: bool,
    },
    /// A shared crate's file pulls in a client's file, so every client compiling the crate
    /// compiles it too.
    PulledIntoShared {
        /// The shared crate.
        in_crate: String,
        /// The client's file.
        path: String,
        /// The clients that compile the shared crate.
        compiled_by: Vec<String>,
    },
    /// A dotenv file tracked by git.
    EnvFile { path: String },
    /// A Shopify scope that is not read-only.
    Scope { scope: String },
    /// A pinned Shopify API version near (`days_left` > 0: a warning) or past (an error) its end
    /// of support.
    ApiVersion {
        version: String,
        end_of_support: String,
        days_left: i64,
    },
    /// A token lifetime outside what the policy allows.
    TokenLifetime { hours: i64 },
    /// A database location (path or URL variable) and the other clients that name it.
    Database {
        location: String,
        shared_with: Vec<String>,
    },
    /// A database location (path or URL variable) that a deletion certificate under
    /// `offboarded/` says was destroyed, the offboarded client, and the certificate.
    OffboardedDatabase {
        location: String,
        offboarded: String,
        certificate: String,
    },
    /// An `allow` entry that excused nothing or has expired.
    Allow { from: String, to: String },
    /// A `clients` glob that matches no directory, as the policy writes it.
    ClientGlob { glob: String },
    /// A file from the client's template: a locked file `edited` or `missing`, or a file
    /// holding `conflict-markers`.
    TemplateFile {
        path: String,
        template_version: String,
        state: String,
    },
}

/// A rule failure.
#[derive(Debug, Clone)]
pub struct Violation {
    pub rule: &'static RuleInfo,
    /// The client the finding concerns.
    pub client: String,
    /// What it is about, typed.
    pub subject: Subject,
    /// The forward path, from the crate at fault to the crate it must not reach.
    pub path: Vec<Hop>,
    /// The line to change.
    pub location: Location,
    pub message: String,
    pub help: String,
    /// The `(from, to)` pair an `allow` entry must name to excuse this finding.
    pub allow_key: Option<(String, String)>,
    /// Whether reports may quote the source line (never for secrets).
    pub show_source: bool,
}

/// How a finding counts: an error fails the check (exit 1), a warning is reported only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

impl Level {
    pub fn is_error(&self) -> bool {
        *self == Level::Error
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

impl Violation {
    /// The rule's level (every rule's is error), except for an API version whose support has
    /// not ended yet: a warning.
    pub fn level(&self) -> Level {
        match self.subject {
            Subject::ApiVersion { days_left, .. } if days_left > 0 => Level::Warning,
            _ => self.rule.level,
        }
    }

    /// The message with the path and the help, for formats that show one block of text.
    pub fn full_text(&self) -> String {
        let mut text = self.message.clone();
        if !self.path.is_empty() {
            text.push_str(&format!("\npath: {}", format_path(&self.path)));
        }
        text.push_str(&format!("\nhelp: {}", self.help));
        text
    }
}

/// What the dependency-graph rules read.
pub struct GraphContext<'a> {
    pub root: &'a Utf8Path,
    pub config: &'a Config,
    pub graph: &'a CrateGraph,
    pub reaches: &'a [Reach],
    /// The manifests of the crates under the client globs.
    pub client_manifests: &'a [ClientManifest],
    pub manifests: RefCell<ManifestCache>,
}

impl GraphContext<'_> {
    /// The hops of a path of edges, starting at the first edge's source, each with the location
    /// of its dependency key.
    pub fn hops(&self, edges: &[EdgeId]) -> Result<Vec<Hop>> {
        let graph = self.graph;
        let Some(&first) = edges.first() else {
            return Ok(Vec::new());
        };
        let mut hops = vec![Hop {
            name: graph.nodes[graph.edges[first].from].name.clone(),
            kind: None,
            target: None,
            location: None,
        }];
        for &edge_id in edges {
            let edge = &graph.edges[edge_id];
            let manifest = self
                .manifests
                .borrow_mut()
                .get(&graph.nodes[edge.from].manifest_path)?;
            hops.push(Hop {
                name: graph.nodes[edge.to].name.clone(),
                kind: Some(edge.kind),
                target: edge.target.clone(),
                location: Some(manifest.dependency_location(
                    edge.kind,
                    edge.target.as_deref(),
                    &edge.key,
                )),
            });
        }
        Ok(hops)
    }
}

/// Turn the graph's reaches of crates of `kind` into violations of `rule`, located at the
/// dependency key of the path's first hop (in the client's own crate) and carrying the full
/// path. `describe` gets the client, what is reached (a client's name, or a crate's) and the
/// crate reached.
pub fn reach_violations(
    ctx: &GraphContext,
    rule: &'static RuleInfo,
    kind: Kind,
    describe: impl Fn(&str, &str, &str) -> (String, String),
) -> Result<Vec<Violation>> {
    let graph = ctx.graph;
    let mut violations = Vec::new();
    for reach in ctx
        .reaches
        .iter()
        .filter(|r| graph.nodes[r.target].kind == kind)
    {
        let path = ctx.hops(&reach.edges)?;
        let from = &graph.nodes[reach.from];
        let target = graph.owner_name(reach.target);
        let target_crate = &graph.nodes[reach.target].name;
        let location = path
            .get(1)
            .and_then(|hop| hop.location.clone())
            .unwrap_or_else(|| Location::start_of(&from.manifest_path));
        let (message, help) = describe(&reach.client, target, target_crate);
        violations.push(Violation {
            rule,
            subject: Subject::Crate {
                name: target.to_owned(),
                role: kind,
            },
            client: reach.client.clone(),
            location,
            message,
            help,
            allow_key: Some((reach.client.clone(), target.to_owned())),
            show_source: true,
            path,
        });
    }
    Ok(violations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// A rule is one file in `rules/`, named after its code, and one line of the table: a file
    /// the table does not name is never compiled, so it would be a rule that never runs.
    #[test]
    fn every_rule_file_is_in_the_table() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let files: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "rs"))
            .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
            .filter(|stem| stem != "mod")
            .collect();
        assert!(files.len() > 10, "only {files:?} in {}", dir.display());
        let registered: BTreeSet<String> = RULES
            .iter()
            .map(|rule| rule.code.as_str().replace('-', "_"))
            .collect();
        let unregistered: Vec<_> = files.difference(&registered).collect();
        let missing: Vec<_> = registered.difference(&files).collect();
        assert!(
            unregistered.is_empty() && missing.is_empty(),
            "rule files not in the table of rules/mod.rs: {unregistered:?}; \
             rules whose file is not named after their code: {missing:?}"
        );
    }

    /// Each line's module declares its own code (the table's order is the code's order, which is
    /// the report order).
    #[test]
    fn every_rule_declares_the_code_of_its_line() {
        let table: Vec<RuleCode> = RULES.iter().map(|rule| rule.code).collect();
        assert_eq!(table, RuleCode::ALL);
    }
}
