//! `cargo clientwall attest CLIENT`: the report a consultant hands the client. It states what
//! the access is (scopes, none of them a write scope; token lifetime), where the client's data
//! lives and that no other client points there, the crate's full dependency closure with no
//! other client and no credential helper in it, and every rule's result for this client, at a
//! named commit, with a SHA-256 checksum of the content so two copies can be compared. A
//! checksum anyone can recompute shows no author: `attest --sign` adds an SSH signature
//! ([`crate::signing`]) that the client verifies with `ssh-keygen -Y verify`.

pub mod axes;
pub mod html;
pub mod live;
pub mod reconciliation;
pub mod scopes;

pub use axes::{Axis, AxisName, ScopeUse, Verdict};

use clientwall_lint::check::{self, CheckOptions};
use clientwall_lint::classify::Kind;
use clientwall_lint::client_toml::ClientToml;
use clientwall_lint::error::{Error, Result};
use clientwall_lint::offboarded;
use clientwall_lint::rules::{self, Pass, RULES, RuleCode, Subject, format_path};
use clientwall_lint::source::PackageSource;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Serialize)]
pub struct Attestation {
    pub client: String,
    pub crate_dir: String,
    /// The commit the workspace was at, with `+dirty` when it had uncommitted changes.
    pub commit: Option<String>,
    /// Why there is no commit: not a git repository, or one without commits yet.
    #[serde(skip)]
    pub no_commit_reason: &'static str,
    /// The version of clientwall's template the client was made from (or upgraded to), from
    /// its record; `None` for a crate the template did not make.
    pub template_version: Option<String>,
    /// The four axes (isolated, read-only, short-lived, minimal), each a verdict with its
    /// evidence, derived from the facts below.
    pub axes: Vec<Axis>,
    pub access: Option<Access>,
    pub database: Option<Database>,
    pub dependencies: Vec<Dependency>,
    pub other_clients_in_closure: Vec<String>,
    pub credential_helpers_in_closure: Vec<String>,
    pub secrets: Secrets,
    pub rules: Vec<RuleResult>,
    /// Every crate under the client globs that declares itself shared or a credential helper.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub role_overrides: Vec<clientwall_lint::rules::role_override::RoleOverride>,
    pub passed: bool,
    /// Earlier engagements with a client of this name that ended with `offboard`: their
    /// deletion certificates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub offboarded_before: Vec<CertificateSummary>,
    /// The comparison of the client's synced numbers with Shopify's own, when one was recorded.
    pub reconciliation: Reconciliation,
    /// `--live`: what the client's own binary observed at run time beside what it declares.
    /// Absent when not asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<live::Live>,
    /// The client's island of the isolation map (inline SVG) for the HTML page: a picture of
    /// the facts above, not one of them.
    #[serde(skip)]
    pub island_svg: String,
    /// SHA-256 checksum of this document with this field empty: equal copies have equal
    /// checksums. It is not a signature.
    pub checksum_sha256: String,
}

/// The reconciliation of the client's numbers with Shopify's: until a reconciliation record
/// exists, the attestation says plainly that none was recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    pub recorded: bool,
    pub statement: String,
    /// When the recorded reconciliation ran (UTC), the months it compared, and whether every
    /// figure agreed: present only when a record was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreed: Option<bool>,
}

impl Reconciliation {
    pub fn not_recorded() -> Reconciliation {
        Reconciliation {
            recorded: false,
            statement:
                "not recorded (no comparison of the synced numbers with Shopify's own is on file)"
                    .to_owned(),
            at: None,
            months: Vec::new(),
            agreed: None,
        }
    }
}

/// What `attest CLIENT` reports on: a client of the workspace, or one that was offboarded and
/// is known only from its deletion certificates.
#[derive(Debug, Clone)]
pub enum Attested {
    Client(Box<Attestation>),
    Offboarded(OffboardedAttestation),
}

impl Attested {
    pub fn passed(&self) -> bool {
        match self {
            Attested::Client(a) => a.passed,
            Attested::Offboarded(a) => a.passed,
        }
    }

    pub fn markdown(&self) -> String {
        match self {
            Attested::Client(a) => markdown(a),
            Attested::Offboarded(a) => offboarded_markdown(a),
        }
    }

    pub fn html(&self) -> String {
        match self {
            Attested::Client(a) => html::client(a),
            Attested::Offboarded(a) => html::offboarded(a),
        }
    }

    pub fn json(&self) -> String {
        match self {
            Attested::Client(a) => json(a),
            Attested::Offboarded(a) => {
                serde_json::to_string_pretty(a).expect("attestation serializes") + "\n"
            }
        }
    }
}

/// The attestation of a client that is no longer in the workspace: its deletion certificates
/// verified, and the workspace checked for anything of it coming back.
#[derive(Debug, Clone, Serialize)]
pub struct OffboardedAttestation {
    pub client: String,
    pub offboarded: bool,
    /// The commit the workspace is at now.
    pub commit: Option<String>,
    #[serde(skip)]
    pub no_commit_reason: &'static str,
    pub certificates: Vec<CertificateSummary>,
    /// A crate named like the client is in the workspace again.
    pub crate_in_workspace: bool,
    /// Findings of clients that name a database the certificates say was destroyed.
    pub destroyed_data_named_by: Vec<String>,
    pub passed: bool,
    /// SHA-256 checksum of this document with this field empty.
    pub checksum_sha256: String,
}

/// One deletion certificate, as an attestation cites it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateSummary {
    pub file: String,
    /// The `.md` beside it is exactly the rendering of the `.json`.
    pub markdown_matches: bool,
    /// The certificate's own checksum, which matched its content when it was read.
    pub checksum_sha256: String,
    pub completed_at: String,
    pub revocation: clientwall_lint::offboarded::RevocationOutcome,
    pub data_verified: bool,
    pub rows_destroyed: u64,
    pub check_passed: bool,
    pub remaining_duties: usize,
}

impl CertificateSummary {
    fn new(stored: &offboarded::Stored, root: &camino::Utf8Path) -> CertificateSummary {
        let c = &stored.certificate;
        CertificateSummary {
            file: clientwall_lint::location::relative_path(&stored.json_path, root),
            markdown_matches: stored.markdown_matches,
            checksum_sha256: c.checksum_sha256.clone(),
            completed_at: c.completed_at.clone(),
            revocation: c.revocation.outcome,
            data_verified: c.data.verified,
            rows_destroyed: c.data.rows_before.iter().map(|t| t.rows).sum(),
            check_passed: c.check.passed,
            remaining_duties: c.remaining_duties.len(),
        }
    }
}

/// What `attest` is asked for beyond the static facts.
#[derive(Debug, Clone, Copy, Default)]
pub struct AttestOptions {
    /// `--live`: run the client's own `self-check` and put what it observed beside what is
    /// declared.
    pub live: bool,
}

/// `attest CLIENT`: the attestation of a client of the workspace, or, for a name known only
/// from deletion certificates under `offboarded/`, of an offboarded client.
pub fn attest_any(manifest_path: Option<camino::Utf8PathBuf>, client: &str) -> Result<Attested> {
    attest_any_with(manifest_path, client, AttestOptions::default())
}

/// [`attest_any`] with options (`--live`). An offboarded client has no binary left to run:
/// `--live` on one is an error (exit 2), never an attestation that leaves the live part out.
pub fn attest_any_with(
    manifest_path: Option<camino::Utf8PathBuf>,
    client: &str,
    options: AttestOptions,
) -> Result<Attested> {
    let certificates = certificates_of(manifest_path.as_deref(), client)?;
    if certificates.is_empty() {
        return attest_with(manifest_path, client, options).map(|a| Attested::Client(Box::new(a)));
    }
    // Every client may have been offboarded: a workspace without clients is still checked
    // for what came back.
    let checked = check::run_detailed(&CheckOptions {
        manifest_path: manifest_path.clone(),
        require_clients: false,
        ..CheckOptions::default()
    })?;
    if checked.layout.client(client).is_some() {
        return attest_with(manifest_path, client, options).map(|a| Attested::Client(Box::new(a)));
    }
    if options.live {
        return Err(Error::Live {
            message: format!(
                "`{client}` was offboarded: no binary of it is left to run, so nothing can be observed at run time"
            ),
            help: Some(format!(
                "attest it without --live: `cargo clientwall attest {client}` verifies its deletion certificates"
            )),
        });
    }
    let root = utf8_root(&checked.layout.root)?;
    let graph = checked.graph.as_ref().expect("a full run keeps its graph");
    let destroyed_data_named_by: Vec<String> = checked
        .report
        .violations
        .iter()
        .filter(|v| {
            matches!(&v.subject, Subject::OffboardedDatabase { offboarded, .. } if offboarded == client)
        })
        .map(|v| {
            format!(
                "{} ({}:{})",
                v.message,
                v.location.relative_file(&checked.report.root),
                v.location.line
            )
        })
        .collect();
    let certificates: Vec<CertificateSummary> = certificates
        .iter()
        .map(|stored| CertificateSummary::new(stored, &root))
        .collect();
    let crate_in_workspace = graph
        .nodes
        .iter()
        .any(|n| n.name == client && n.source.is_local());
    let mut attestation = OffboardedAttestation {
        client: client.to_owned(),
        offboarded: true,
        commit: commit(&checked.layout.root)?,
        no_commit_reason: no_commit_reason(&checked.layout.root),
        passed: !crate_in_workspace
            && destroyed_data_named_by.is_empty()
            && certificates.iter().all(|c| c.markdown_matches),
        certificates,
        crate_in_workspace,
        destroyed_data_named_by,
        checksum_sha256: String::new(),
    };
    attestation.checksum_sha256 = sha256_of_json(&{
        let mut content = attestation.clone();
        content.checksum_sha256.clear();
        content
    });
    Ok(Attested::Offboarded(attestation))
}

/// The deletion certificates of `client` in the workspace of `manifest_path`.
fn certificates_of(
    manifest_path: Option<&camino::Utf8Path>,
    client: &str,
) -> Result<Vec<offboarded::Stored>> {
    let Some(root) = clientwall_lint::discover::expected_root(manifest_path) else {
        return Ok(Vec::new());
    };
    Ok(offboarded::load_all(&root)?
        .into_iter()
        .filter(|s| s.certificate.client == client)
        .collect())
}

fn utf8_root(root: &std::path::Path) -> Result<camino::Utf8PathBuf> {
    camino::Utf8PathBuf::from_path_buf(root.to_owned()).map_err(|p| Error::Layout {
        message: format!("{} is not a UTF-8 path", p.display()),
        help: None,
    })
}

fn sha256_of_json(value: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(value).expect("attestation serializes");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The attestation of an offboarded client as Markdown.
pub fn offboarded_markdown(a: &OffboardedAttestation) -> String {
    let yes_no = |ok: bool| if ok { "yes" } else { "**no**" };
    let mut out = format!("# Offboarding attestation: `{}`\n\n", a.client);
    out.push_str(&format!(
        "Made by clientwall {} at commit `{}`. `{}` is not a client of this workspace: it was offboarded, and these deletion certificates say so.\n\n",
        env!("CARGO_PKG_VERSION"),
        a.commit
            .clone()
            .unwrap_or_else(|| format!("({})", a.no_commit_reason)),
        a.client
    ));
    out.push_str(&format!(
        "**Result: {}**\n\n",
        if a.passed {
            "nothing of the offboarded client is back"
        } else {
            "FAILED: see below"
        }
    ));
    out.push_str("## Deletion certificates\n\n");
    out.push_str("| certificate | completed | access | data destroyed and verified | rows destroyed | check after | duties left to the consultant | SHA-256 | `.md` matches |\n|---|---|---|---|---|---|---|---|---|\n");
    for c in &a.certificates {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | `{}` | {} |\n",
            c.file,
            c.completed_at,
            match c.revocation {
                clientwall_lint::offboarded::RevocationOutcome::Revoked => "revoked",
                clientwall_lint::offboarded::RevocationOutcome::AlreadyRefused => "refused",
                clientwall_lint::offboarded::RevocationOutcome::ClientToDo =>
                    "**the client's to do**",
            },
            yes_no(c.data_verified),
            c.rows_destroyed,
            if c.check_passed {
                "passed"
            } else {
                "**not passed**"
            },
            c.remaining_duties,
            c.checksum_sha256,
            yes_no(c.markdown_matches)
        ));
    }
    out.push_str("\nEvery certificate's checksum matches its content (a changed one stops `attest` and `check`).\n");
    out.push_str("\n## Nothing of it is back\n\n");
    out.push_str(&format!(
        "- No crate named `{}` in the workspace: {}\n",
        a.client,
        yes_no(!a.crate_in_workspace)
    ));
    out.push_str(&format!(
        "- No client names its destroyed database (`shared-database`): {}\n",
        yes_no(a.destroyed_data_named_by.is_empty())
    ));
    for finding in &a.destroyed_data_named_by {
        out.push_str(&format!("  - {finding}\n"));
    }
    out.push_str(&format!(
        "\nSHA-256 checksum of this attestation's content: `{}`\n",
        a.checksum_sha256
    ));
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct Access {
    pub shop: Option<String>,
    pub scopes: Vec<String>,
    pub write_scopes: Vec<String>,
    pub token_lifetime_hours: Option<i64>,
    /// Each declared scope and the template's commands that need it; `None` for a crate the
    /// template did not make.
    pub scope_uses: Option<Vec<ScopeUse>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Database {
    pub kind: Option<String>,
    pub location: Option<String>,
    pub shared_with: Vec<String>,
}

/// Whether any secret touches the client: its own files, or the files of a crate it compiles,
/// in the work tree or anywhere in the history.
#[derive(Debug, Clone, Serialize)]
pub struct Secrets {
    /// What history was read: `every commit reachable from HEAD (42 commits)`, or why none was.
    pub history: String,
    /// Whether the whole history was read.
    pub history_read: bool,
    /// Findings in the files as they are now (redacted).
    pub current: Vec<String>,
    /// Findings only the history holds (redacted, with the commit that introduced each).
    pub historical: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub source: PackageSource,
    pub role: Kind,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub rule: RuleCode,
    /// Whether the rule applies to this client: the `client.toml` rules do not when the client
    /// has no `client.toml`, `template-drift` does not to a crate clientwall's template did not
    /// make. A rule that does not apply is "not applicable", never a pass.
    pub applicable: bool,
    /// The rule applies and found nothing that fails (a warning may be among `findings`).
    pub passed: bool,
    pub findings: Vec<String>,
}

/// Build the attestation for `client`.
pub fn attest(manifest_path: Option<camino::Utf8PathBuf>, client: &str) -> Result<Attestation> {
    attest_with(manifest_path, client, AttestOptions::default())
}

/// Build the attestation for `client`, with `--live` when `options` asks for it.
pub fn attest_with(
    manifest_path: Option<camino::Utf8PathBuf>,
    client: &str,
    options: AttestOptions,
) -> Result<Attestation> {
    // The whole history is read when there is one to read; the attestation says if it was not.
    let root = clientwall_lint::discover::expected_root(manifest_path.as_deref());
    let repository = match &root {
        Some(root) => clientwall_lint::git::repository(root.as_std_path())?,
        None => clientwall_lint::git::Repository::None,
    };
    let history_unread = match repository {
        clientwall_lint::git::Repository::Head { shallow: false } => None,
        clientwall_lint::git::Repository::Head { shallow: true } => {
            Some("not read: a shallow clone")
        }
        clientwall_lint::git::Repository::Unborn => Some("not read: no commit yet"),
        clientwall_lint::git::Repository::None => Some("not read: not a git repository"),
    };
    let checked = check::run_detailed(&CheckOptions {
        manifest_path,
        clients: vec![client.to_owned()],
        history: history_unread
            .is_none()
            .then_some(clientwall_lint::history::Range::All),
        ..CheckOptions::default()
    })?;
    let graph = checked.graph.as_ref().expect("a full run keeps its graph");
    if graph.client_crates(client).is_empty() {
        return Err(Error::Layout {
            message: format!("no client named `{client}`"),
            help: None,
        });
    }
    let area = checked.layout.client(client).ok_or_else(|| Error::Layout {
        message: format!("no client named `{client}`"),
        help: None,
    })?;
    let config = ClientToml::load(&area.name, &area.dir)?;
    let template_version = match camino::Utf8Path::from_path(&area.dir) {
        Some(dir) => rules::template_drift::made_by_clientwall(
            dir,
            clientwall_template::Catalog::embedded(),
            checked.config.template.is_some(),
        )?,
        None => None,
    };
    let from_template = template_version.is_some();

    let dependencies: Vec<Dependency> = graph
        .client_closure(client)
        .into_iter()
        .map(|n| {
            let dep = &graph.nodes[n];
            Dependency {
                name: dep.name.clone(),
                version: dep.version.clone(),
                source: dep.source.clone(),
                role: dep.kind,
            }
        })
        .collect();
    let names_of = |kind: Kind| {
        dependencies
            .iter()
            .filter(|d| d.role == kind)
            .map(|d| d.name.clone())
            .collect::<Vec<_>>()
    };
    let violations = &checked.report.violations;
    let rules: Vec<RuleResult> = RULES
        .iter()
        .map(|rule| {
            let found: Vec<_> = violations
                .iter()
                .filter(|v| v.rule.code == rule.code)
                .collect();
            let failed = found.iter().any(|v| v.level().is_error());
            let findings: Vec<String> = found
                .iter()
                .map(|v| {
                    let location = format!(
                        "{}:{}",
                        v.location.relative_file(&checked.report.root),
                        v.location.line
                    );
                    match v.path.is_empty() {
                        true => format!("{} ({location})", v.message),
                        false => format!("{}: {} ({location})", v.message, format_path(&v.path)),
                    }
                })
                .collect();
            // The rules that read a client's `client.toml`: without one they do not apply.
            let applicable = if matches!(rule.pass, Pass::ClientConfig(_)) {
                config.is_some()
            } else if rule.code == RuleCode::TemplateDrift {
                from_template
            } else {
                true
            };
            RuleResult {
                rule: rule.code,
                applicable,
                passed: applicable && !failed,
                findings,
            }
        })
        .collect();
    let mut shared_with: Vec<String> = violations
        .iter()
        .filter_map(|v| match &v.subject {
            Subject::Database { shared_with, .. } => Some(shared_with.iter().cloned()),
            _ => None,
        })
        .flatten()
        .collect();
    shared_with.sort();
    shared_with.dedup();
    let root = utf8_root(&checked.layout.root)?;
    let offboarded_before = offboarded::load_all(&root)?
        .iter()
        .filter(|s| s.certificate.client == client)
        .map(|s| CertificateSummary::new(s, &root))
        .collect();
    let secrets = secrets_statement(&checked, history_unread);
    let live = match options.live {
        true => Some(live::run(
            &checked.layout.root,
            &area.dir,
            client,
            config.as_ref(),
            template_version.as_deref(),
        )?),
        false => None,
    };
    let rules_passed = rules.iter().all(|r| r.passed || !r.applicable);
    let mut attestation = Attestation {
        client: client.to_owned(),
        crate_dir: checked.layout.display(&area.dir),
        commit: commit(&checked.layout.root)?,
        no_commit_reason: no_commit_reason(&checked.layout.root),
        template_version,
        axes: Vec::new(),
        access: config.as_ref().map(|c| Access {
            shop: c.shop.as_ref().map(|s| s.value.clone()),
            scopes: c.scopes.iter().map(|s| s.value.clone()).collect(),
            write_scopes: c
                .scopes
                .iter()
                .map(|s| s.value.clone())
                .filter(|s| !s.starts_with("read_"))
                .collect(),
            token_lifetime_hours: c.token_lifetime_hours.as_ref().map(|h| h.value),
            scope_uses: from_template.then(|| {
                axes::scope_uses(&c.scopes.iter().map(|s| s.value.clone()).collect::<Vec<_>>())
            }),
        }),
        database: config.as_ref().map(|c| Database {
            kind: c.database_kind.as_ref().map(|k| k.value.clone()),
            location: c
                .database_path
                .as_ref()
                .map(|p| p.value.clone())
                .or_else(|| c.database_url_env.as_ref().map(|e| format!("${}", e.value))),
            shared_with,
        }),
        other_clients_in_closure: names_of(Kind::Client),
        credential_helpers_in_closure: names_of(Kind::CredentialHelper),
        secrets,
        passed: rules_passed && live.as_ref().is_none_or(live::Live::held),
        rules,
        role_overrides: checked.role_overrides.clone(),
        dependencies,
        offboarded_before,
        reconciliation: Reconciliation::not_recorded(),
        live,
        island_svg: crate::map::svg_of_client(&checked, client)?,
        checksum_sha256: String::new(),
    };
    attestation.reconciliation = reconciliation::read(attestation.database.as_ref());
    attestation.axes = axes::axes(&attestation);
    attestation.checksum_sha256 = checksum(&attestation);
    Ok(attestation)
}

/// The secret findings of a check run for one client (the run keeps those that concern it:
/// its own files, and files of crates it compiles), split into current and historical.
fn secrets_statement(
    checked: &clientwall_lint::report::Checked,
    history_unread: Option<&str>,
) -> Secrets {
    let mut current = Vec::new();
    let mut historical = Vec::new();
    for v in &checked.report.violations {
        let Subject::Secret { in_work_tree, .. } = &v.subject else {
            continue;
        };
        let place = format!(
            "{} ({}:{})",
            v.message,
            v.location.relative_file(&checked.report.root),
            v.location.line
        );
        if *in_work_tree {
            current.push(place);
        } else {
            historical.push(place);
        }
    }
    let (history, history_read) = match (&checked.history, history_unread) {
        (Some((commits, range)), _) => (format!("{commits} commits, {range}"), true),
        (None, Some(why)) => (why.to_owned(), false),
        (None, None) => ("not read".to_owned(), false),
    };
    Secrets {
        history,
        history_read,
        current,
        historical,
    }
}

/// The SHA-256 checksum of the attestation's JSON with the `checksum_sha256` field empty.
pub fn checksum(attestation: &Attestation) -> String {
    let mut content = attestation.clone();
    content.checksum_sha256.clear();
    let bytes = serde_json::to_vec(&content).expect("attestation serializes");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub use clientwall_lint::git::{commit, no_commit_reason};

/// The result in one phrase, as every rendering states it.
pub fn result(a: &Attestation) -> String {
    let rules_passed = a.rules.iter().all(|r| r.passed || !r.applicable);
    match (&a.live, rules_passed) {
        (_, false) => "FAILED: see the rules below".to_owned(),
        (None, true) => "every rule passed".to_owned(),
        (Some(live), true) => match live.status {
            live::LiveStatus::Held => {
                "every rule passed, and everything observed at run time is as declared".to_owned()
            }
            live::LiveStatus::Differs => {
                "FAILED: what the client's binary observed at run time differs from what is declared (below)".to_owned()
            }
            live::LiveStatus::NotRun => {
                "NOT ATTESTED at run time: every rule passed, but the live part was not run (below)"
                    .to_owned()
            }
        },
    }
}

/// The "observed at run time" section in Markdown.
fn live_markdown(live: &live::Live) -> String {
    let mut out = String::from("## Observed at run time\n\n");
    out.push_str(&format!("**{}**\n\n", live.statement()));
    out.push_str(&format!(
        "The client's own binary, built and run as the consultant runs it: `{}`\n\n",
        live.command
    ));
    if !live.lines.is_empty() {
        out.push_str("| item | declared | observed at run time | |\n|---|---|---|---|\n");
        for line in &live.lines {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&line.item),
                cell(&line.declared),
                cell(&line.observed),
                match line.outcome {
                    live::LineOutcome::Held => "held".to_owned(),
                    other => format!("**{}**", other.label()),
                }
            ));
        }
        out.push('\n');
    }
    out
}

/// A Markdown table cell: no line break, no column separator.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn json(attestation: &Attestation) -> String {
    serde_json::to_string_pretty(attestation).expect("attestation serializes") + "\n"
}

/// The attestation as a Markdown document for the client.
pub fn markdown(a: &Attestation) -> String {
    let yes_no = |ok: bool| if ok { "yes" } else { "**no**" };
    let mut out = format!("# Isolation attestation: `{}`\n\n", a.client);
    out.push_str(&format!(
        "Made by clientwall {} at commit `{}` from `{}`.\n\n",
        env!("CARGO_PKG_VERSION"),
        a.commit
            .clone()
            .unwrap_or_else(|| format!("({})", a.no_commit_reason)),
        a.crate_dir
    ));
    out.push_str(&format!("**Result: {}**\n\n", result(a)));
    out.push_str(&format!(
        "Template version: {}\n\n",
        a.template_version.as_deref().map_or(
            "(not made from clientwall's template)".to_owned(),
            |v| format!("`{v}`")
        )
    ));
    out.push_str("## The four axes\n\n");
    for axis in &a.axes {
        out.push_str(&format!(
            "- **{}: {}**. {}\n",
            axis.axis.label(),
            axis.verdict.label(),
            axis.summary
        ));
        for evidence in &axis.evidence {
            out.push_str(&format!("  - {evidence}\n"));
        }
    }
    out.push_str(&format!(
        "\nReconciliation with Shopify's numbers: {}\n\n",
        a.reconciliation.statement
    ));
    if let Some(live) = &a.live {
        out.push_str(&live_markdown(live));
    }
    out.push_str("## Access\n\n");
    match &a.access {
        Some(access) => {
            out.push_str(&format!(
                "- Shop: `{}`\n",
                access.shop.as_deref().unwrap_or("(not set)")
            ));
            out.push_str(&format!(
                "- Scopes: {}\n",
                access
                    .scopes
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            out.push_str(&format!(
                "- Read-only (no write or unknown scope): {}\n",
                yes_no(access.write_scopes.is_empty())
            ));
            out.push_str(&format!(
                "- Token lifetime: {} hours, held in memory only\n",
                access
                    .token_lifetime_hours
                    .map_or("(not set)".to_owned(), |h| h.to_string())
            ));
        }
        None => out.push_str("- No `client.toml`: this crate declares no Shopify access.\n"),
    }
    out.push_str("\n## Data\n\n");
    match &a.database {
        Some(db) => {
            out.push_str(&format!(
                "- Database: {} at `{}`\n",
                db.kind.as_deref().unwrap_or("?"),
                db.location.as_deref().unwrap_or("?")
            ));
            out.push_str(&format!(
                "- No other client points at it: {}\n",
                yes_no(db.shared_with.is_empty())
            ));
            for finding in &db.shared_with {
                out.push_str(&format!("  - {finding}\n"));
            }
        }
        None => out.push_str("- No `client.toml`: no database declared.\n"),
    }
    out.push_str("\n## Code\n\n");
    out.push_str(&format!(
        "- No other client's crate in the dependency closure: {}\n",
        yes_no(a.other_clients_in_closure.is_empty())
    ));
    out.push_str(&format!(
        "- No credential helper in the dependency closure: {}\n",
        yes_no(a.credential_helpers_in_closure.is_empty())
    ));
    for role_override in &a.role_overrides {
        out.push_str(&format!(
            "- Role override under the client globs: {}\n",
            role_override.describe()
        ));
    }
    out.push_str(&format!(
        "- Dependency closure ({} crates):\n\n",
        a.dependencies.len()
    ));
    out.push_str("| crate | version | source | role |\n|---|---|---|---|\n");
    for d in &a.dependencies {
        let source = d.source.label();
        let role = match d.role {
            Kind::Client => "client",
            Kind::Shared => "shared",
            Kind::CredentialHelper => "credential helper",
            Kind::External => "external",
        };
        out.push_str(&format!(
            "| {} | {} | {source} | {role} |\n",
            d.name, d.version
        ));
    }
    out.push_str("\n## Secrets\n\n");
    out.push_str(&format!(
        "- No secret in this client's files or in the crates it compiles: {}\n",
        yes_no(a.secrets.current.is_empty())
    ));
    for finding in &a.secrets.current {
        out.push_str(&format!("  - {finding}\n"));
    }
    if a.secrets.history_read {
        out.push_str(&format!(
            "- None in the git history either ({}): {}\n",
            a.secrets.history,
            yes_no(a.secrets.historical.is_empty())
        ));
        for finding in &a.secrets.historical {
            out.push_str(&format!("  - {finding}\n"));
        }
    } else {
        out.push_str(&format!("- Git history: {}\n", a.secrets.history));
    }
    out.push_str("\n## Rules\n\n| rule | result |\n|---|---|\n");
    for r in &a.rules {
        out.push_str(&format!(
            "| `{}` | {} |\n",
            r.rule,
            match (r.applicable, r.passed) {
                (false, _) if r.rule == RuleCode::TemplateDrift => {
                    "not applicable (not made from clientwall's template)"
                }
                (false, _) => "not applicable (no `client.toml`)",
                (true, true) if r.findings.is_empty() => "pass",
                (true, true) => "pass, with a warning",
                (true, false) => "**fail**",
            }
        ));
    }
    for r in a
        .rules
        .iter()
        .filter(|r| r.applicable && !r.findings.is_empty())
    {
        out.push_str(&format!("\n### `{}`\n\n", r.rule));
        for f in &r.findings {
            out.push_str(&format!("- {f}\n"));
        }
    }
    if !a.offboarded_before.is_empty() {
        out.push_str("\n## Earlier engagements\n\n");
        for c in &a.offboarded_before {
            out.push_str(&format!(
                "- Offboarded at {} (`{}`, SHA-256 `{}`); `shared-database` checks that this client names none of the databases destroyed then.\n",
                c.completed_at, c.file, c.checksum_sha256
            ));
        }
    }
    out.push_str(&format!(
        "\nSHA-256 checksum of this attestation's content: `{}`\n",
        a.checksum_sha256
    ));
    out
}
