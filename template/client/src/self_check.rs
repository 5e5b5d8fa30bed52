//! `self-check`: what this client's access is, observed at run time rather than declared: the
//! scopes Shopify really granted (asked of the shop with `currentAppInstallation`), the token
//! lifetime it returned, the sandbox level and rules, proof that the rules hold (a file outside
//! them, a write outside them and a TCP port outside them, each refused by the kernel), and the
//! database this client writes. No secret is shown: the database is named without password.

use crate::clock::{Clock, SystemClock};
use crate::config::{self, ClientConfig, Credentials};
use crate::sandbox::{Level, Wall};
use crate::shopify::Shopify;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The exit code of a self-check that could not ask Shopify (credentials not set): the
/// observed part was not run, which is not a pass.
pub const EXIT_NOT_CHECKED: u8 = 3;

/// The query that shows the scopes the installation really holds.
pub const ACCESS_SCOPES: &str = crate::graphql::ACCESS_SCOPES;

/// The file outside the allowance a proof tries to open, chosen before the wall is up.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub path: String,
    /// What it is: another client's `client.toml`, the workspace's root `Cargo.toml`, or a
    /// system file when the binary runs outside a workspace.
    pub what: &'static str,
}

impl Probe {
    /// From the current directory upwards: a sibling client's `client.toml` (`clients/*/`),
    /// else the outermost `Cargo.toml`, else `/etc/passwd`.
    pub fn find() -> Probe {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let mut outermost = None;
        for dir in cwd.ancestors() {
            if let Some(sibling) = sibling_client_toml(dir) {
                return Probe {
                    path: sibling.display().to_string(),
                    what: "another client's client.toml",
                };
            }
            let manifest = dir.join("Cargo.toml");
            if manifest.is_file() {
                outermost = Some(manifest);
            }
        }
        match outermost {
            Some(path) => Probe {
                path: path.display().to_string(),
                what: "the workspace's root Cargo.toml",
            },
            None => Probe {
                path: "/etc/passwd".to_owned(),
                what: "a system file",
            },
        }
    }
}

fn sibling_client_toml(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir.join("clients"))
        .ok()?
        .flatten()
        .filter(|e| e.file_name() != crate::CLIENT)
        .map(|e| e.path().join("client.toml"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.into_iter().next()
}

/// One thing the rules forbid, tried.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub action: String,
    /// Whether the kernel refused it (permission denied), as the rules say it must.
    pub refused: bool,
    pub outcome: String,
}

/// Try what the rules forbid: read the probe file, create a file beside it, connect to a TCP
/// port the rules do not name, execute a program (`true`, which does nothing). Nothing is read
/// from the file, and a file that could be created is removed at once.
pub fn prove(probe: &Probe, wall: &Wall) -> Vec<Attempt> {
    let path = Path::new(&probe.path);
    let read = match std::fs::File::open(path) {
        Ok(_) => Attempt {
            action: format!("open {} ({}) for reading", probe.path, probe.what),
            refused: false,
            outcome: "opened: the rules did not hold".to_owned(),
        },
        Err(e) => attempt(
            format!("open {} ({}) for reading", probe.path, probe.what),
            &e,
        ),
    };
    let dir = path.parent().unwrap_or(Path::new("/"));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let target = dir.join(format!(
        ".{}-sandbox-probe-{}-{nanos}",
        crate::CLIENT,
        std::process::id()
    ));
    let action = format!("create {}", target.display());
    let write = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
    {
        Ok(file) => {
            drop(file);
            let _ = std::fs::remove_file(&target);
            Attempt {
                action,
                refused: false,
                outcome: "created (and removed): the rules did not hold".to_owned(),
            }
        }
        Err(e) => attempt(action, &e),
    };
    let allowed: Vec<u16> = wall.rules.tcp_connect.iter().map(|p| p.port).collect();
    let port = (9..u16::MAX).find(|p| !allowed.contains(p)).unwrap_or(9);
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let action = format!("connect to {address} over TCP");
    let tcp = match std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2)) {
        Ok(_) => Attempt {
            action,
            refused: false,
            outcome: "connected: the rules did not hold".to_owned(),
        },
        Err(e) => attempt(action, &e),
    };
    let program = ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .unwrap_or("/bin/true");
    let action = format!("execute {program}");
    let exec = match std::process::Command::new(program)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
    {
        Ok(_) => Attempt {
            action,
            refused: false,
            outcome: "ran: the rules did not hold".to_owned(),
        },
        Err(e) => attempt(action, &e),
    };
    vec![read, write, tcp, exec]
}

fn attempt(action: String, error: &std::io::Error) -> Attempt {
    let refused = error.kind() == std::io::ErrorKind::PermissionDenied;
    Attempt {
        action,
        refused,
        outcome: if refused {
            format!("refused by the kernel: {error}")
        } else {
            format!("not refused by the sandbox: {error}")
        },
    }
}

/// What Shopify showed.
#[derive(Debug, Clone, Serialize)]
pub struct Observed {
    /// `currentAppInstallation.accessScopes`, as the shop answered.
    pub scopes: Vec<String>,
    /// The observed scopes that allow writing.
    pub write_scopes: Vec<String>,
    /// Declared in `client.toml` but not granted.
    pub missing_scopes: Vec<String>,
    /// Seconds the token Shopify returned is valid for.
    pub token_lifetime_seconds: u64,
}

/// The whole self-check.
#[derive(Debug, Clone, Serialize)]
pub struct SelfCheck {
    pub client: &'static str,
    pub shop: String,
    pub declared_scopes: Vec<String>,
    pub declared_token_lifetime_hours: u64,
    /// `None` when Shopify was not asked; `not_checked` then says why.
    pub observed: Option<Observed>,
    pub not_checked: Option<String>,
    pub sandbox: Wall,
    pub probe: Probe,
    pub proof: Vec<Attempt>,
    /// Where this client's data is written: a path, or `postgres://user@host:port/name`.
    pub database: String,
    /// Every observed item as it must be (Shopify asked, nothing written, the rules held).
    pub ok: bool,
}

impl SelfCheck {
    /// The exit code: 0 all held, 1 a failure, [`EXIT_NOT_CHECKED`] when Shopify was not asked.
    pub fn exit_code(&self) -> u8 {
        if !self.failures().is_empty() {
            1
        } else if self.observed.is_none() {
            EXIT_NOT_CHECKED
        } else {
            0
        }
    }

    /// Each thing that did not hold, in one line.
    pub fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        if let Some(observed) = &self.observed
            && !observed.write_scopes.is_empty()
        {
            failures.push(format!(
                "Shopify granted write scopes: {}",
                observed.write_scopes.join(", ")
            ));
        }
        for attempt in self.proof.iter().filter(|a| !a.refused) {
            failures.push(format!("{}: {}", attempt.action, attempt.outcome));
        }
        failures
    }
}

/// Run the self-check inside `wall` (already in force).
pub fn run(config: &ClientConfig, wall: &Wall, probe: &Probe) -> Result<SelfCheck> {
    let proof = prove(probe, wall);
    let database = crate::tables::locate(config)
        .map(|l| l.shown)
        .unwrap_or_else(|e| format!("unknown ({e:#})"));
    let (observed, not_checked) = match crate::revoke::missing_credentials(config) {
        Some(missing) => (
            None,
            Some(format!(
                "{} not set: Shopify was not asked",
                missing.missing.join(" and ")
            )),
        ),
        None => (Some(observe(config)?), None),
    };
    let mut check = SelfCheck {
        client: crate::CLIENT,
        shop: config.shopify.shop.clone(),
        declared_scopes: config.shopify.scopes.clone(),
        declared_token_lifetime_hours: config.shopify.token_lifetime_hours,
        observed,
        not_checked,
        sandbox: wall.clone(),
        probe: probe.clone(),
        proof,
        database,
        ok: false,
    };
    check.ok = check.exit_code() == 0;
    Ok(check)
}

fn observe(config: &ClientConfig) -> Result<Observed> {
    let clock = SystemClock;
    let endpoint = config::endpoint(
        &config.shopify.shop,
        config::optional_env("SHOPIFY_BASE_URL").as_deref(),
    )?;
    let mut shopify = Shopify::new(config, endpoint, Credentials::from_env()?, &clock)?;
    // Read the clock after the grant: the whole seconds the token has left, never more than
    // Shopify's `expires_in`.
    let expires_at = shopify.token()?.expires_at;
    let token_lifetime_seconds = expires_at.saturating_sub(clock.now());
    let data = shopify.graphql(ACCESS_SCOPES, serde_json::json!({}))?;
    let scopes: Vec<String> = data["currentAppInstallation"]["accessScopes"]
        .as_array()
        .context("the shop's answer has no currentAppInstallation.accessScopes")?
        .iter()
        .map(|s| {
            s["handle"]
                .as_str()
                .map(str::to_owned)
                .context("an access scope without a handle")
        })
        .collect::<Result<_>>()?;
    let write_scopes = scopes
        .iter()
        .filter(|s| !s.starts_with("read_"))
        .cloned()
        .collect();
    let missing_scopes = config
        .shopify
        .scopes
        .iter()
        .filter(|s| !scopes.contains(s))
        .cloned()
        .collect();
    Ok(Observed {
        scopes,
        write_scopes,
        missing_scopes,
        token_lifetime_seconds,
    })
}

/// The sandbox as `acme sandbox` and `self-check` print it.
pub fn describe_wall(wall: &Wall) -> String {
    let mut out = String::new();
    let abi = match (wall.kernel_abi, wall.simulated_abi) {
        (_, Some(n)) => format!("Landlock ABI {n} (simulated)"),
        (Some(n), None) => format!("Landlock ABI {n}"),
        (None, None) => "no Landlock".to_owned(),
    };
    out.push_str(&format!(
        "sandbox: {} ({abi}; client.toml sandbox = \"{}\")\n",
        wall.level.name(),
        wall.mode.name()
    ));
    if wall.level != Level::Full {
        out.push_str(&format!("  not fully enforced: {}\n", wall.detail));
    }
    let rules = &wall.rules;
    out.push_str("  read only:\n");
    for rule in &rules.read_only {
        out.push_str(&format!("    {}  ({})\n", rule.path, rule.why));
    }
    out.push_str("  read and write:\n");
    for rule in &rules.read_write {
        out.push_str(&format!("    {}  ({})\n", rule.path, rule.why));
    }
    if rules.read_write.is_empty() {
        out.push_str("    nothing\n");
    }
    for rule in &rules.remove_dir {
        out.push_str(&format!(
            "  remove an empty directory beneath:\n    {}  ({})\n",
            rule.path, rule.why
        ));
    }
    out.push_str("  execute: nothing\n");
    out.push_str("  TCP connect:\n");
    for rule in &rules.tcp_connect {
        out.push_str(&format!("    port {}  ({})\n", rule.port, rule.why));
    }
    out.push_str("  TCP bind: nothing\n");
    out.push_str("  everything else: refused\n");
    out
}

/// The proof, one line per attempt.
pub fn describe_proof(proof: &[Attempt]) -> String {
    let mut out = String::from("proof that the rules hold:\n");
    for attempt in proof {
        out.push_str(&format!(
            "  {} {}: {}\n",
            if attempt.refused { "ok  " } else { "FAIL" },
            attempt.action,
            attempt.outcome
        ));
    }
    out
}

/// `self-check` for people.
pub fn human(check: &SelfCheck) -> String {
    let mut out = format!(
        "self-check of {} ({}), observed at run time\n",
        check.client, check.shop
    );
    match (&check.observed, &check.not_checked) {
        (Some(observed), _) => {
            out.push_str(&format!(
                "scopes granted (currentAppInstallation): {}\n",
                observed.scopes.join(", ")
            ));
            if observed.write_scopes.is_empty() {
                out.push_str("  none allows writing\n");
            } else {
                out.push_str(&format!(
                    "  FAIL write scopes: {}\n",
                    observed.write_scopes.join(", ")
                ));
            }
            if !observed.missing_scopes.is_empty() {
                out.push_str(&format!(
                    "  declared in client.toml but not granted: {}\n",
                    observed.missing_scopes.join(", ")
                ));
            }
            out.push_str(&format!(
                "token lifetime returned by Shopify: {} s (declared: at most {} h)\n",
                observed.token_lifetime_seconds, check.declared_token_lifetime_hours
            ));
        }
        (None, reason) => out.push_str(&format!(
            "scopes and token lifetime: not checked ({})\n",
            reason.as_deref().unwrap_or("Shopify was not asked")
        )),
    }
    out.push_str(&describe_wall(&check.sandbox));
    out.push_str(&describe_proof(&check.proof));
    out.push_str(&format!("database written: {}\n", check.database));
    out.push_str(&match check.exit_code() {
        0 => "self-check passed\n".to_owned(),
        1 => format!("self-check FAILED: {}\n", check.failures().join("; ")),
        _ => "self-check incomplete: Shopify was not asked, so scopes and token are not shown to hold\n".to_owned(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permission_denied_is_a_refusal_and_nothing_else_is() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(attempt("x".into(), &denied).refused);
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(!attempt("x".into(), &refused).refused);
    }
}
