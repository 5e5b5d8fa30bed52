//! The rules. One file per rule: a static [`RuleInfo`] whose `doc` is the user documentation
//! (and generates `docs/rules.md`), plus a `check` function. [`RULES`] lists them all, in the
//! order reports use.

pub mod api_version_retiring;
pub mod client_depends_on_client;
pub mod client_reaches_credential_helper;
pub mod cross_client_file_reference;
pub mod env_file_committed;
pub mod hardcoded_secret;
pub mod role_override;
pub mod shared_database;
pub mod shared_depends_on_client;
pub mod stale_allow;
pub mod template_drift;
pub mod token_lifetime_too_long;
pub mod write_scope_requested;

use crate::classify::Kind;
use crate::config::Config;
use crate::error::Result;
use crate::graph::{CrateGraph, EdgeId, Reach, kind_name};
use crate::location::Location;
use crate::manifest::ManifestCache;
use crate::scan::Landing;
use crate::scan::secrets::SecretKind;
use camino::Utf8Path;
use cargo_metadata::DependencyKind;
use serde::Serialize;
use std::cell::RefCell;

/// A rule's stable code. The declaration order is the report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleCode {
    ClientDependsOnClient,
    ClientReachesCredentialHelper,
    SharedDependsOnClient,
    CrossClientFileReference,
    HardcodedSecret,
    EnvFileCommitted,
    WriteScopeRequested,
    TokenLifetimeTooLong,
    SharedDatabase,
    StaleAllow,
    TemplateDrift,
    RoleOverride,
    ApiVersionRetiring,
}

impl RuleCode {
    /// Every code, in report order.
    pub const ALL: [RuleCode; 13] = [
        RuleCode::ClientDependsOnClient,
        RuleCode::ClientReachesCredentialHelper,
        RuleCode::SharedDependsOnClient,
        RuleCode::CrossClientFileReference,
        RuleCode::HardcodedSecret,
        RuleCode::EnvFileCommitted,
        RuleCode::WriteScopeRequested,
        RuleCode::TokenLifetimeTooLong,
        RuleCode::SharedDatabase,
        RuleCode::StaleAllow,
        RuleCode::TemplateDrift,
        RuleCode::RoleOverride,
        RuleCode::ApiVersionRetiring,
    ];

    /// The kebab-case code users see and `allow` markers name.
    pub const fn as_str(self) -> &'static str {
        match self {
            RuleCode::ClientDependsOnClient => "client-depends-on-client",
            RuleCode::ClientReachesCredentialHelper => "client-reaches-credential-helper",
            RuleCode::SharedDependsOnClient => "shared-depends-on-client",
            RuleCode::CrossClientFileReference => "cross-client-file-reference",
            RuleCode::HardcodedSecret => "hardcoded-secret",
            RuleCode::EnvFileCommitted => "env-file-committed",
            RuleCode::WriteScopeRequested => "write-scope-requested",
            RuleCode::TokenLifetimeTooLong => "token-lifetime-too-long",
            RuleCode::SharedDatabase => "shared-database",
            RuleCode::StaleAllow => "stale-allow",
            RuleCode::TemplateDrift => "template-drift",
            RuleCode::RoleOverride => "role-override",
            RuleCode::ApiVersionRetiring => "api-version-retiring",
        }
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

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RuleCode {
    type Err = String;

    fn from_str(code: &str) -> Result<RuleCode, String> {
        RuleCode::ALL
            .into_iter()
            .find(|c| c.as_str() == code)
            .ok_or_else(|| format!("no rule `{code}`"))
    }
}

/// A rule's stable identity and documentation.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable kebab-case code; never renamed.
    pub code: RuleCode,
    /// One line: what fails.
    pub summary: &'static str,
    /// Markdown: what it does, why it matters, an example, how to fix.
    pub doc: &'static str,
}

/// Every rule, in report order.
pub static RULES: &[&RuleInfo] = &[
    &client_depends_on_client::RULE,
    &client_reaches_credential_helper::RULE,
    &shared_depends_on_client::RULE,
    &cross_client_file_reference::RULE,
    &hardcoded_secret::RULE,
    &env_file_committed::RULE,
    &write_scope_requested::RULE,
    &token_lifetime_too_long::RULE,
    &shared_database::RULE,
    &stale_allow::RULE,
    &template_drift::RULE,
    &role_override::RULE,
    &api_version_retiring::RULE,
];

/// The rule reference page (`docs/rules.md`), generated from the rules' own docs.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# clientwall rules\n\n<!-- Generated from lint/src/rules/*.rs by the `rule_docs` test; do not edit. -->\n\n\
         | code | what fails |\n|---|---|\n",
    );
    for rule in RULES {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} |\n",
            rule.code, rule.summary
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
        introduced: Option<crate::history::Introduced>,
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
    /// Every finding is an error, except an API version whose support has not ended yet.
    pub fn level(&self) -> Level {
        match self.subject {
            Subject::ApiVersion { days_left, .. } if days_left > 0 => Level::Warning,
            _ => Level::Error,
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
