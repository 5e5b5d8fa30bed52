//! `attest CLIENT --live`: what the client's own binary observes at run time, beside what the
//! client declares. The binary is built by cargo and run the way the consultant runs it (from the
//! workspace root, in the consultant's environment: its own prefixed variables give it its shop,
//! credentials and database), with `self-check --format json`, under a time limit
//! ([`TIMEOUT_VAR`]). Every observed item is compared with the declared one: a difference is a
//! failing line. When the binary could not be built or run, or Shopify was not asked (its
//! credentials are not set), the live part says it was not run and why: never that it held.
//!
//! No secret leaves this module: the client's stderr is passed through line by line with every
//! secret pattern and the values of the consultant's credential variables masked, and so is
//! every text taken from its report.

use clientwall_lint::client_toml::ClientToml;
use clientwall_lint::error::{Error, Result};
use clientwall_lint::redact::{self, Masker};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The variable that sets how long the self-check may run, in seconds.
pub const TIMEOUT_VAR: &str = "CLIENTWALL_LIVE_TIMEOUT";

/// How long the self-check may run unless [`TIMEOUT_VAR`] says otherwise: longer than the
/// client's own bounds (a token request and one query, 120 s each, and its 2 s probe).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// How long cargo may take to build the client's binary.
const BUILD_LIMIT: Duration = Duration::from_secs(3600);

/// The self-check's exit code when Shopify was not asked (its credentials are not set).
const EXIT_NOT_CHECKED: i32 = 3;

/// At most this much of the self-check's standard output is read.
const MAX_REPORT_BYTES: u64 = 4 << 20;

/// The live part as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LiveStatus {
    /// It ran, and every observed item is as declared.
    Held,
    /// It ran, and at least one observed item differs from what is declared.
    Differs,
    /// It was not run, or not in full (`not_run` says why): nothing is claimed of what it
    /// did not observe.
    NotRun,
}

/// One line: declared beside observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineOutcome {
    Held,
    Differs,
    NotObserved,
}

impl LineOutcome {
    /// How every rendering words it.
    pub fn label(self) -> &'static str {
        match self {
            LineOutcome::Held => "held",
            LineOutcome::Differs => "DIFFERS",
            LineOutcome::NotObserved => "not observed",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveLine {
    pub item: String,
    pub declared: String,
    pub observed: String,
    pub outcome: LineOutcome,
}

/// "Observed at run time".
#[derive(Debug, Clone, Serialize)]
pub struct Live {
    pub status: LiveStatus,
    /// Why the live part was not run, or not in full.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_run: Option<String>,
    /// What was run, as the consultant would type it.
    pub command: String,
    pub lines: Vec<LiveLine>,
}

impl Live {
    fn not_run(command: String, reason: String) -> Live {
        Live {
            status: LiveStatus::NotRun,
            not_run: Some(reason),
            command,
            lines: Vec::new(),
        }
    }

    /// Every line held.
    pub fn held(&self) -> bool {
        self.status == LiveStatus::Held
    }

    /// The one sentence every rendering starts the section with.
    pub fn statement(&self) -> String {
        match self.status {
            LiveStatus::Held => "held: everything observed at run time is as declared".to_owned(),
            LiveStatus::Differs => {
                let n = self
                    .lines
                    .iter()
                    .filter(|l| l.outcome == LineOutcome::Differs)
                    .count();
                format!("DIFFERS: {n} observed item(s) differ from what is declared")
            }
            LiveStatus::NotRun => format!(
                "NOT RUN: {}; nothing below is claimed to hold",
                self.not_run
                    .as_deref()
                    .unwrap_or("the self-check did not run")
            ),
        }
    }
}

/// What the attestation declares for the client, from its `client.toml` as the check reads it.
struct Declared<'a> {
    config: &'a ClientToml,
}

/// Run the live part for `client` (its crate at `crate_dir`, in the workspace at `root`).
/// `Err` only when the self-check (or its build) had to be stopped at its time limit, or the
/// limit is not a number: the attestation is then not made (exit 2).
pub fn run(
    root: &Path,
    crate_dir: &Path,
    client: &str,
    config: Option<&ClientToml>,
    template_version: Option<&str>,
) -> Result<Live> {
    let manifest = crate_dir.join("Cargo.toml");
    let shown_manifest = manifest
        .strip_prefix(root)
        .unwrap_or(&manifest)
        .display()
        .to_string();
    let command = format!(
        "cargo run --quiet --manifest-path {shown_manifest} --bin {client} -- self-check --format json"
    );
    let timeout = timeout()?;
    let Some(config) = config else {
        return Ok(Live::not_run(
            command,
            "the client has no `client.toml`: nothing is declared to compare".to_owned(),
        ));
    };
    if template_version.is_none() {
        return Ok(Live::not_run(
            command,
            "the crate was not made from clientwall's template: it has no `self-check`".to_owned(),
        ));
    }
    let masker = Masker::from_env();
    let exe = match build(root, &manifest, client, &masker)? {
        Ok(exe) => exe,
        Err(reason) => return Ok(Live::not_run(command, reason)),
    };
    let mut self_check = Command::new(&exe);
    self_check
        .args(["self-check", "--format", "json"])
        .current_dir(root);
    let finished = bounded(&mut self_check, timeout, &masker).map_err(|e| match e {
        Stop::Spawn(e) => Error::Live {
            message: format!("failed to start the client's binary {}: {e}", exe.display()),
            help: None,
        },
        Stop::TimedOut => Error::Live {
            message: format!(
                "the client's self-check (`{command}`) did not finish within {} s; it was stopped and no attestation was made",
                timeout.as_secs()
            ),
            help: Some(format!(
                "it asks the shop for a token and the installation's scopes: check the shop and the network, or give it longer with {TIMEOUT_VAR}=SECONDS"
            )),
        },
    })?;
    Ok(compare(
        &Declared { config },
        command,
        &finished,
        template_version.unwrap_or("?"),
        &masker,
    ))
}

fn timeout() -> Result<Duration> {
    match std::env::var(TIMEOUT_VAR) {
        Err(_) => Ok(DEFAULT_TIMEOUT),
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
            _ => Err(Error::Live {
                message: format!("{TIMEOUT_VAR} is `{value}`, not a whole number of seconds"),
                help: Some(format!(
                    "unset it for {} s, or give a number such as {TIMEOUT_VAR}=600",
                    DEFAULT_TIMEOUT.as_secs()
                )),
            }),
        },
    }
}

/// `cargo build` of the client's binary, its messages passed through: the executable, or why
/// there is none (the attestation's "not run").
fn build(
    root: &Path,
    manifest: &Path,
    bin: &str,
    masker: &Masker,
) -> Result<std::result::Result<PathBuf, String>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--quiet",
            "--message-format=json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .args(["--bin", bin])
        .current_dir(root);
    let finished = match bounded(&mut command, BUILD_LIMIT, masker) {
        Ok(finished) => finished,
        Err(Stop::Spawn(e)) => return Ok(Err(format!("cargo could not be started: {e}"))),
        Err(Stop::TimedOut) => {
            return Err(Error::Live {
                message: format!(
                    "cargo did not build the client's binary within {} s; it was stopped and no attestation was made",
                    BUILD_LIMIT.as_secs()
                ),
                help: None,
            });
        }
    };
    if finished.code != Some(0) {
        return Ok(Err(format!(
            "the client's binary did not build (cargo exited with {}; its messages are above)",
            code_text(finished.code)
        )));
    }
    let executable = cargo_metadata::Message::parse_stream(finished.stdout.as_slice())
        .flatten()
        .find_map(|message| match message {
            cargo_metadata::Message::CompilerArtifact(artifact) if artifact.target.name == bin => {
                artifact.executable
            }
            _ => None,
        });
    Ok(executable
        .map(|p| p.into_std_path_buf())
        .ok_or_else(|| format!("cargo built no binary named `{bin}`")))
}

fn code_text(code: Option<i32>) -> String {
    code.map_or("a signal".to_owned(), |c| format!("code {c}"))
}

/// How a bounded child ended.
struct Finished {
    code: Option<i32>,
    stdout: Vec<u8>,
    /// The end of its stderr (all of which was passed through, masked).
    stderr_tail: String,
}

enum Stop {
    Spawn(std::io::Error),
    TimedOut,
}

/// Run `command` (stdin closed) for at most `limit`, its stderr passed through to ours line by
/// line (masked, indented), its stdout collected. Past the limit it is killed.
fn bounded(
    command: &mut Command,
    limit: Duration,
    masker: &Masker,
) -> std::result::Result<Finished, Stop> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Stop::Spawn)?;
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let (out_tx, out_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.take(MAX_REPORT_BYTES).read_to_end(&mut bytes);
        let _ = out_tx.send(bytes);
    });
    let relay_masker = masker.clone();
    let (err_tx, err_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = err_tx.send(redact::relay(stderr, &relay_masker));
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Stop::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(25)),
            Err(_) => break None,
        }
    };
    // The output ends when the child is gone (a grandchild holding it open is not waited for
    // past the limit).
    let rest = limit.saturating_sub(started.elapsed()) + Duration::from_secs(1);
    let stdout = out_rx.recv_timeout(rest).unwrap_or_default();
    let stderr_tail = err_rx
        .recv_timeout(Duration::from_secs(1))
        .unwrap_or_default();
    Ok(Finished {
        code: status.and_then(|s| s.code()),
        stdout,
        stderr_tail,
    })
}

// ---------------------------------------------------------------------------------------------
// The self-check's report (`self-check --format json` of template 0.3.0 and later).

#[derive(Debug, Deserialize)]
struct Report {
    shop: String,
    declared_scopes: Vec<String>,
    declared_token_lifetime_hours: u64,
    observed: Option<Observed>,
    not_checked: Option<String>,
    sandbox: Sandbox,
    proof: Vec<Attempt>,
    database: String,
}

#[derive(Debug, Deserialize)]
struct Observed {
    scopes: Vec<String>,
    token_lifetime_seconds: u64,
}

#[derive(Debug, Deserialize)]
struct Sandbox {
    mode: String,
    level: String,
    kernel_abi: Option<i32>,
    simulated_abi: Option<i32>,
    detail: String,
    rules: Rules,
}

#[derive(Debug, Deserialize)]
struct Rules {
    read_write: Vec<PathRule>,
    tcp_connect: Vec<PortRule>,
}

#[derive(Debug, Deserialize)]
struct PathRule {
    path: String,
}

#[derive(Debug, Deserialize)]
struct PortRule {
    port: u16,
    why: String,
}

#[derive(Debug, Deserialize)]
struct Attempt {
    action: String,
    refused: bool,
    outcome: String,
}

fn compare(
    declared: &Declared,
    command: String,
    finished: &Finished,
    template_version: &str,
    masker: &Masker,
) -> Live {
    let code = finished.code;
    let last_error = || {
        finished
            .stderr_tail
            .lines()
            .rev()
            .find(|l| l.starts_with("error"))
            .or_else(|| {
                finished
                    .stderr_tail
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
            })
            .map(str::to_owned)
            .unwrap_or_else(|| "no message".to_owned())
    };
    if finished.stderr_tail.contains("unrecognized subcommand") {
        return Live::not_run(
            command,
            format!(
                "the client's binary has no `self-check` command (its template version is {template_version}; `self-check` came with 0.3.0): bring it to the current template with `cargo clientwall upgrade`"
            ),
        );
    }
    if !matches!(code, Some(0 | 1 | EXIT_NOT_CHECKED)) {
        return Live::not_run(
            command,
            format!(
                "the client's self-check stopped with {} before it reported: {}",
                code_text(code),
                masker.mask(&last_error())
            ),
        );
    }
    let report: Report = match serde_json::from_slice(&finished.stdout) {
        Ok(report) => report,
        Err(e) => {
            return Live::not_run(
                command,
                format!(
                    "the client's self-check (exit {}) printed no report clientwall understands: {e}",
                    code_text(code)
                ),
            );
        }
    };
    let lines = lines(declared.config, &report, masker);
    let status = if lines.iter().any(|l| l.outcome == LineOutcome::Differs) {
        LiveStatus::Differs
    } else if lines.iter().any(|l| l.outcome == LineOutcome::NotObserved) {
        LiveStatus::NotRun
    } else {
        LiveStatus::Held
    };
    let not_run = match (&report.observed, status) {
        (None, _) => Some(
            masker.mask(
                report
                    .not_checked
                    .as_deref()
                    .unwrap_or("Shopify was not asked"),
            ),
        ),
        (Some(_), LiveStatus::NotRun) => Some("an item could not be observed (below)".to_owned()),
        _ => None,
    };
    Live {
        status,
        not_run,
        command,
        lines,
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn held(ok: bool) -> LineOutcome {
    if ok {
        LineOutcome::Held
    } else {
        LineOutcome::Differs
    }
}

fn lines(config: &ClientToml, report: &Report, masker: &Masker) -> Vec<LiveLine> {
    let mut lines = Vec::new();
    let declared_scopes: Vec<String> = config.scopes.iter().map(|s| s.value.clone()).collect();
    let declared_hours = config.token_lifetime_hours.as_ref().map(|h| h.value);
    let shop = config.shop.as_ref().map(|s| s.value.clone());

    // The binary runs on the client.toml it was built with: it must be this one.
    let same_config = shop.as_deref() == Some(report.shop.as_str())
        && same_set(&declared_scopes, &report.declared_scopes)
        && declared_hours == i64::try_from(report.declared_token_lifetime_hours).ok();
    lines.push(LiveLine {
        item: "client.toml the binary runs on".to_owned(),
        declared: format!(
            "shop `{}`, scopes {}, token at most {} h",
            shop.as_deref().unwrap_or("(not set)"),
            list(&declared_scopes),
            declared_hours.map_or("(not set)".to_owned(), |h| h.to_string())
        ),
        observed: format!(
            "shop `{}`, scopes {}, token at most {} h",
            masker.mask(&report.shop),
            list(&report.declared_scopes),
            report.declared_token_lifetime_hours
        ),
        outcome: held(same_config),
    });

    match &report.observed {
        Some(observed) => {
            let writes: Vec<String> = observed
                .scopes
                .iter()
                .filter(|s| !s.starts_with("read_"))
                .cloned()
                .collect();
            lines.push(LiveLine {
                item: "write scopes granted".to_owned(),
                declared: "none (read-only)".to_owned(),
                observed: list(&writes),
                outcome: held(writes.is_empty()),
            });
            let undeclared: Vec<String> = observed
                .scopes
                .iter()
                .filter(|s| !declared_scopes.contains(s))
                .cloned()
                .collect();
            let missing: Vec<String> = declared_scopes
                .iter()
                .filter(|s| !observed.scopes.contains(s))
                .cloned()
                .collect();
            let mut seen = format!("{} (`currentAppInstallation`)", list(&observed.scopes));
            if !undeclared.is_empty() {
                seen.push_str(&format!("; not declared: {}", list(&undeclared)));
            }
            if !missing.is_empty() {
                seen.push_str(&format!("; declared, not granted: {}", list(&missing)));
            }
            lines.push(LiveLine {
                item: "scopes granted".to_owned(),
                declared: list(&declared_scopes),
                observed: seen,
                outcome: held(undeclared.is_empty() && missing.is_empty()),
            });
            let secs = observed.token_lifetime_seconds;
            lines.push(LiveLine {
                item: "token lifetime".to_owned(),
                declared: declared_hours
                    .map_or("(not set)".to_owned(), |h| format!("at most {h} h")),
                observed: format!(
                    "{secs} s ({}h {:02}min), as Shopify returned it",
                    secs / 3600,
                    secs % 3600 / 60
                ),
                outcome: held(declared_hours.is_some_and(|h| {
                    u64::try_from(h).is_ok_and(|h| secs <= h.saturating_mul(3600))
                })),
            });
        }
        None => {
            let why = masker.mask(
                report
                    .not_checked
                    .as_deref()
                    .unwrap_or("Shopify was not asked"),
            );
            for (item, declared) in [
                ("write scopes granted", "none (read-only)".to_owned()),
                ("scopes granted", list(&declared_scopes)),
                (
                    "token lifetime",
                    declared_hours.map_or("(not set)".to_owned(), |h| format!("at most {h} h")),
                ),
            ] {
                lines.push(LiveLine {
                    item: item.to_owned(),
                    declared,
                    observed: format!("not observed: {why}"),
                    outcome: LineOutcome::NotObserved,
                });
            }
        }
    }

    let sandbox = &report.sandbox;
    let abi = match (sandbox.kernel_abi, sandbox.simulated_abi) {
        (_, Some(n)) => format!("Landlock ABI {n}, simulated"),
        (Some(n), None) => format!("Landlock ABI {n}"),
        (None, None) => "no Landlock".to_owned(),
    };
    let level = match sandbox.level.as_str() {
        "full" => "fully enforced",
        "partial" => "partially enforced",
        "none" => "not enforced",
        other => other,
    };
    let mut observed = format!(
        "{level} ({abi}; `sandbox = \"{}\"`)",
        masker.mask(&sandbox.mode)
    );
    if sandbox.level != "full" && !sandbox.detail.is_empty() {
        observed.push_str(&format!(": {}", masker.mask(&sandbox.detail)));
    }
    lines.push(LiveLine {
        item: "run-time sandbox".to_owned(),
        declared: "every rule enforced by the kernel (Landlock)".to_owned(),
        observed,
        outcome: held(sandbox.level == "full"),
    });

    // Where it may write: beneath its own data directory only.
    let database_dir = Path::new(&report.database).parent().map(Path::to_path_buf);
    let writable: Vec<String> = sandbox
        .rules
        .read_write
        .iter()
        .map(|r| masker.mask(&r.path))
        .collect();
    let writes_own_only = sandbox.rules.read_write.iter().all(|r| {
        database_dir
            .as_deref()
            .is_some_and(|dir| dir == Path::new(&r.path) && dir.parent().is_some())
    });
    let ports: Vec<String> = sandbox
        .rules
        .tcp_connect
        .iter()
        .map(|p| format!("{} ({})", p.port, masker.mask(&p.why)))
        .collect();
    lines.push(LiveLine {
        item: "sandbox rules".to_owned(),
        declared: "write only beneath its own data directory; TCP only to the shop (443), its database and the loopback test port; execute nothing".to_owned(),
        observed: format!(
            "write: {}; TCP connect: {}",
            if writable.is_empty() {
                "nothing".to_owned()
            } else {
                writable
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            if ports.is_empty() {
                "nothing".to_owned()
            } else {
                ports.join(", ")
            }
        ),
        outcome: held(writes_own_only),
    });

    for attempt in &report.proof {
        lines.push(LiveLine {
            item: format!("kernel refuses: {}", masker.mask(&attempt.action)),
            declared: "refused".to_owned(),
            observed: masker.mask(&attempt.outcome),
            outcome: held(attempt.refused),
        });
    }
    if report.proof.is_empty() {
        lines.push(LiveLine {
            item: "kernel refuses what the rules forbid".to_owned(),
            declared: "refused".to_owned(),
            observed: "no attempt reported".to_owned(),
            outcome: LineOutcome::NotObserved,
        });
    }

    lines.push(database_line(config, &report.database, masker));
    lines
}

fn database_line(config: &ClientToml, observed: &str, masker: &Masker) -> LiveLine {
    let shown = masker.mask(observed);
    let kind = config.database_kind.as_ref().map(|k| k.value.as_str());
    let (declared, outcome) = match (kind, &config.database_path, &config.database_url_env) {
        (Some("postgres"), _, Some(var)) => (
            format!("PostgreSQL at `${}`", var.value),
            if observed.starts_with("postgres://") || observed.starts_with("postgresql://") {
                LineOutcome::Held
            } else {
                LineOutcome::NotObserved
            },
        ),
        (_, Some(path), _) => {
            let expected = expand_home(&path.value);
            (
                format!("SQLite at `{}`", path.value),
                match expected {
                    Some(expected) => held(Path::new(observed) == expected),
                    None => LineOutcome::NotObserved,
                },
            )
        }
        _ => ("(no database declared)".to_owned(), LineOutcome::Differs),
    };
    let outcome = if observed.starts_with("unknown") {
        LineOutcome::NotObserved
    } else {
        outcome
    };
    LiveLine {
        item: "database written".to_owned(),
        declared,
        observed: format!("`{shown}`"),
        outcome,
    }
}

/// `~/x` against `HOME`, as the client resolves it; an absolute path as it is.
fn expand_home(path: &str) -> Option<PathBuf> {
    match path.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|home| PathBuf::from(home).join(rest)),
        None => Some(PathBuf::from(path)),
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().all(|s| b.contains(s)) && b.iter().all(|s| a.contains(s))
}
