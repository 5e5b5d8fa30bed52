//! The wall at run time. Before a command reads credentials or opens the database, the process
//! gives up, through Linux's Landlock, every file and TCP port it does not need: it reads only
//! what TLS, name resolution and time zones need, writes only beneath this client's own data
//! directory (and the directory `export` is given), executes nothing, and connects over TCP
//! only to 443, its database's port and the loopback test port. A path computed at run time,
//! such as another client's file, is refused by the kernel, whatever the code that asks.
//!
//! `client.toml` `sandbox = "required"` refuses to run (exit 2) when the kernel cannot enforce
//! every rule; `"best-effort"` (the default) runs and states the level it got in one line.

use crate::config::{self, ClientConfig};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `client.toml` `sandbox`: what a run does when the kernel cannot enforce every rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Refuse to run (exit 2).
    Required,
    /// Run, and say on stderr which level was enforced.
    #[default]
    BestEffort,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Required => "required",
            Mode::BestEffort => "best-effort",
        }
    }
}

/// The exit code of a run the sandbox refused.
pub const EXIT_REFUSED: u8 = 2;

/// The Landlock ABI every rule needs: files (ABI 1 to 3: read, write, execute, refer,
/// truncate) and TCP ports (ABI 4).
pub const NEEDED_ABI: i32 = 4;

/// `<PREFIX>_SANDBOX_ABI=N`: behave as if the kernel offered only Landlock ABI `N` (0: none).
/// It can only lower the wall, and every run under it says so; tests use it to see the
/// degraded paths on a kernel that has everything.
pub const SIMULATED_ABI_VAR: &str = "SANDBOX_ABI";

/// The run cannot go on: the sandbox is `required` and not fully enforced, or its rules could
/// not be set up.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// One path the rules allow, and why.
#[derive(Debug, Clone, Serialize)]
pub struct PathRule {
    pub path: String,
    pub why: &'static str,
}

/// One TCP port the rules allow a connection to, and why.
#[derive(Debug, Clone, Serialize)]
pub struct PortRule {
    pub port: u16,
    pub why: &'static str,
}

/// Everything the process keeps; the rest is refused.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rules {
    pub read_only: Vec<PathRule>,
    pub read_write: Vec<PathRule>,
    /// Directories beneath which an empty directory may be removed (`destroy --yes` removing
    /// the client's data directory itself).
    pub remove_dir: Vec<PathRule>,
    pub tcp_connect: Vec<PortRule>,
}

/// What one command needs beyond what every command gets.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    /// `export --dir DIR`: created (0700) if missing, then writable beneath.
    pub export_dir: Option<PathBuf>,
    /// `sync`, `report`: the command creates the database, so a missing data directory is
    /// created first (0700). Any other command leaves it missing (nothing is there to read or
    /// destroy, and creating it would leave something behind) and may write nowhere.
    pub create_data_dir: bool,
    /// `destroy --yes`: the data directory itself is removed at the end.
    pub remove_data_dir: bool,
}

/// How much of the rules the kernel enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Every rule.
    Full,
    /// Some rules (an older Landlock ABI).
    Partial,
    /// None: no Landlock, or the kernel refused the ruleset.
    None,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Full => "fully enforced",
            Level::Partial => "partially enforced",
            Level::None => "not enforced",
        }
    }
}

/// The sandbox this process runs in.
#[derive(Debug, Clone, Serialize)]
pub struct Wall {
    pub mode: Mode,
    pub level: Level,
    /// The Landlock ABI the kernel offers; `None` when it has no Landlock.
    pub kernel_abi: Option<i32>,
    /// The lower ABI `<PREFIX>_SANDBOX_ABI` asked to behave as, if set.
    pub simulated_abi: Option<i32>,
    /// What is not enforced and why (empty when fully enforced).
    pub detail: String,
    pub rules: Rules,
}

impl Wall {
    /// The one line every run prints when the wall is not fully enforced.
    pub fn degraded_line(&self) -> Option<String> {
        (self.level != Level::Full).then(|| {
            format!(
                "sandbox {} (best-effort): {}",
                self.level.name(),
                self.detail
            )
        })
    }
}

/// Set up the wall for a command: plan the rules, create the directories they name, and
/// restrict this process. Under `required` anything short of every rule is a [`Refused`].
pub fn enter(config: &ClientConfig, needs: &Needs) -> Result<Wall> {
    let mode = config.sandbox;
    let refuse = |message: String| -> anyhow::Error {
        Refused(format!(
            "the run-time sandbox is required (client.toml `sandbox = \"required\"`), but {message}"
        ))
        .into()
    };
    let simulated = match simulated_abi() {
        Ok(simulated) => simulated,
        Err(message) => return Err(Refused(message).into()),
    };
    let rules = match plan(config, needs) {
        Ok(rules) => rules,
        Err(err) if mode == Mode::Required => {
            return Err(refuse(format!("its rules could not be set up: {err:#}")));
        }
        Err(err) => {
            return Ok(Wall {
                mode,
                level: Level::None,
                kernel_abi: None,
                simulated_abi: simulated,
                detail: format!("its rules could not be set up: {err:#}"),
                rules: Rules::default(),
            });
        }
    };
    let (level, kernel_abi, detail) = enforce::apply(&rules, simulated);
    if mode == Mode::Required && level != Level::Full {
        return Err(refuse(detail));
    }
    Ok(Wall {
        mode,
        level,
        kernel_abi,
        simulated_abi: simulated,
        detail,
        rules,
    })
}

/// `<PREFIX>_SANDBOX_ABI`, if set: a number from 0 up.
fn simulated_abi() -> std::result::Result<Option<i32>, String> {
    let Some(value) = config::optional_env(SIMULATED_ABI_VAR) else {
        return Ok(None);
    };
    match value.parse::<i32>() {
        Ok(n) if (0..=99).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "{} must be a Landlock ABI number (0 for none), not `{value}`",
            config::env_name(SIMULATED_ABI_VAR)
        )),
    }
}

/// System files a run may read: CA certificates (TLS), resolver configuration (DNS), time zones.
const SYSTEM_READ_ONLY: [(&str, &str); 15] = [
    ("/etc/ssl", "CA certificates"),
    ("/etc/pki", "CA certificates"),
    ("/etc/ca-certificates", "CA certificates"),
    ("/usr/share/ca-certificates", "CA certificates"),
    ("/usr/local/share/ca-certificates", "CA certificates"),
    ("/etc/resolv.conf", "resolver configuration"),
    ("/etc/hosts", "resolver configuration"),
    ("/etc/nsswitch.conf", "resolver configuration"),
    ("/etc/host.conf", "resolver configuration"),
    ("/etc/gai.conf", "resolver configuration"),
    ("/etc/services", "resolver configuration"),
    ("/etc/localtime", "time zone"),
    ("/etc/timezone", "time zone"),
    ("/usr/share/zoneinfo", "time zones"),
    ("/dev/null", "the null device"),
];

/// Decide what the command may touch, creating the directories it will write beneath.
pub fn plan(config: &ClientConfig, needs: &Needs) -> Result<Rules> {
    let mut rules = Rules::default();
    for (path, why) in SYSTEM_READ_ONLY {
        if Path::new(path).exists() {
            rules.read_only.push(PathRule {
                path: path.to_owned(),
                why,
            });
        }
    }
    rules.tcp_connect.push(PortRule {
        port: 443,
        why: "the shop over HTTPS",
    });
    if let Some(proxy) = &config.shopify.proxy {
        let port = url_port(
            proxy,
            if proxy.starts_with("https://") {
                443
            } else {
                80
            },
        )
        .with_context(|| "client.toml [shopify] proxy has no valid port".to_owned())?;
        rules.tcp_connect.push(PortRule {
            port,
            why: "the proxy of client.toml",
        });
    }
    if let Some(url) = config::optional_env("SHOPIFY_BASE_URL") {
        let endpoint = config::endpoint(&config.shopify.shop, Some(&url))?;
        let port = url_port(&endpoint.base, 80).context("the loopback test URL has no port")?;
        rules.tcp_connect.push(PortRule {
            port,
            why: "the loopback test server",
        });
    }
    database_rules(config, needs, &mut rules)?;
    if let Some(dir) = &needs.export_dir {
        create_private_dir(dir)?;
        rules.read_write.push(PathRule {
            path: dir.display().to_string(),
            why: "the export directory",
        });
    }
    rules.tcp_connect.sort_by_key(|p| p.port);
    rules.tcp_connect.dedup_by_key(|p| p.port);
    Ok(rules)
}

{% if database == "postgres" %}/// The PostgreSQL server's ports and the private CA file its URL names. Without a usable URL
/// there is nothing to allow: the command then fails on the URL itself, as without the wall.
fn database_rules(config: &ClientConfig, _: &Needs, rules: &mut Rules) -> Result<()> {
    let Ok(location) = crate::tables::locate(config) else {
        return Ok(());
    };
    let Ok(policy) = crate::connect::policy(location.url.expose()) else {
        return Ok(());
    };
    let tcp_hosts = policy
        .config
        .get_hosts()
        .iter()
        .filter(|h| matches!(h, postgres::config::Host::Tcp(_)))
        .count();
    let ports = policy.config.get_ports();
    if ports.len() < tcp_hosts.max(1) {
        rules.tcp_connect.push(PortRule {
            port: 5432,
            why: "the database",
        });
    }
    for port in ports {
        rules.tcp_connect.push(PortRule {
            port: *port,
            why: "the database",
        });
    }
    if let Some(ca) = policy.root_cert
        && ca.exists()
    {
        rules.read_only.push(PathRule {
            path: ca.display().to_string(),
            why: "the database's CA certificate (sslrootcert)",
        });
    }
    Ok(())
}
{% else %}/// The directory of the SQLite file (created, 0700, if missing): the only place a run writes.
fn database_rules(config: &ClientConfig, needs: &Needs, rules: &mut Rules) -> Result<()> {
    let path = crate::tables::locate(config)?.path;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .context("the database path has no directory")?;
    if !needs.create_data_dir && !dir.exists() {
        return Ok(());
    }
    create_private_dir(dir)?;
    rules.read_write.push(PathRule {
        path: dir.display().to_string(),
        why: "this client's data directory",
    });
    // `destroy` removes the data directory itself when it bears the client's name.
    if needs.remove_data_dir
        && dir.file_name().is_some_and(|n| n == crate::CLIENT)
        && let Some(parent) = dir.parent()
    {
        rules.remove_dir.push(PathRule {
            path: parent.display().to_string(),
            why: "destroy: removing the (emptied) data directory",
        });
    }
    Ok(())
}
{% endif %}
/// The port of `scheme://host:port/...`, or `default` when it names none.
fn url_port(url: &str, default: u16) -> Option<u16> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let port = match host_port.rsplit_once(']') {
        Some((_, after)) => after.strip_prefix(':'),
        None => host_port.rsplit_once(':').map(|(_, p)| p),
    };
    match port {
        None => Some(default),
        Some(p) => p.parse().ok(),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("failed to create {}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))
}

#[cfg(target_os = "linux")]
mod enforce {
    use super::{Level, NEEDED_ABI, Rules, SIMULATED_ABI_VAR};
    use landlock::{
        ABI, Access, AccessFs, AccessNet, BitFlags, LandlockStatus, NetPort, PathBeneath, PathFd,
        Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    };
    use std::path::Path;

    /// Restrict this process to `rules`, with the rights of ABI 4 (or of the simulated ABI).
    pub fn apply(rules: &Rules, simulated: Option<i32>) -> (Level, Option<i32>, String) {
        let simulated_note = |n: i32| {
            format!(
                "{} asks to behave as Landlock ABI {n}",
                crate::config::env_name(SIMULATED_ABI_VAR)
            )
        };
        let target = match simulated {
            Some(n) if n < NEEDED_ABI => ABI::from(n),
            _ => ABI::from(NEEDED_ABI),
        };
        if target == ABI::Unsupported {
            let note = simulated_note(simulated.unwrap_or(0));
            return (
                Level::None,
                None,
                format!("{note}: no Landlock, so no file or port is restricted"),
            );
        }
        let status = match restrict(rules, target) {
            Ok(status) => status,
            Err(err) => {
                return (
                    Level::None,
                    None,
                    format!("the kernel refused the ruleset ({err}); nothing is restricted"),
                );
            }
        };
        let kernel_abi = match status.landlock {
            LandlockStatus::Available {
                effective_abi,
                kernel_abi,
            } => Some(kernel_abi.unwrap_or(effective_abi as i32)),
            _ => None,
        };
        match (status.ruleset, simulated) {
            (RulesetStatus::NotEnforced, _) => (
                Level::None,
                kernel_abi,
                "this kernel has no Landlock (not built in, or not enabled at boot), so no file or port is restricted".to_owned(),
            ),
            (RulesetStatus::FullyEnforced, Some(n)) if n < NEEDED_ABI => (
                Level::Partial,
                kernel_abi,
                format!(
                    "{}: files are restricted, TCP ports are not (that needs ABI {NEEDED_ABI})",
                    simulated_note(n)
                ),
            ),
            (RulesetStatus::FullyEnforced, _) => (Level::Full, kernel_abi, String::new()),
            (RulesetStatus::PartiallyEnforced, _) => (
                Level::Partial,
                kernel_abi,
                format!(
                    "this kernel offers Landlock ABI {}, every rule needs ABI {NEEDED_ABI}: files are restricted, TCP ports (or truncation, cross-directory renames) may not be",
                    kernel_abi.map_or("?".to_owned(), |n| n.to_string())
                ),
            ),
        }
    }

    fn restrict(
        rules: &Rules,
        abi: ABI,
    ) -> Result<landlock::RestrictionStatus, Box<dyn std::error::Error>> {
        let net = AccessNet::from_all(abi);
        let mut ruleset = Ruleset::default().handle_access(AccessFs::from_all(abi))?;
        if !net.is_empty() {
            ruleset = ruleset.handle_access(net)?;
        }
        let mut created = ruleset.create()?;
        let read: BitFlags<AccessFs> = AccessFs::ReadFile | AccessFs::ReadDir;
        let write = AccessFs::from_write(abi);
        for rule in &rules.read_only {
            created = created.add_rule(beneath(&rule.path, read, abi)?)?;
        }
        for rule in &rules.read_write {
            created = created.add_rule(beneath(&rule.path, read | write, abi)?)?;
        }
        for rule in &rules.remove_dir {
            created = created.add_rule(beneath(&rule.path, AccessFs::RemoveDir.into(), abi)?)?;
        }
        if !net.is_empty() {
            for rule in &rules.tcp_connect {
                created = created.add_rule(NetPort::new(rule.port, AccessNet::ConnectTcp))?;
            }
        }
        Ok(created.restrict_self()?)
    }

    /// A rule for `path` with `access`, less the rights a file (not a directory) cannot hold.
    fn beneath(
        path: &str,
        access: BitFlags<AccessFs>,
        abi: ABI,
    ) -> Result<PathBeneath<PathFd>, Box<dyn std::error::Error>> {
        let fd = PathFd::new(path).map_err(|e| format!("{path}: {e}"))?;
        let access = if Path::new(path).is_dir() {
            access
        } else {
            access & AccessFs::from_file(abi)
        };
        Ok(PathBeneath::new(fd, access))
    }
}

#[cfg(not(target_os = "linux"))]
mod enforce {
    use super::{Level, Rules};

    pub fn apply(_: &Rules, _: Option<i32>) -> (Level, Option<i32>, String) {
        (
            Level::None,
            None,
            "Landlock exists only on Linux, so on this system no file or port is restricted"
                .to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_read_from_urls() {
        assert_eq!(url_port("http://127.0.0.1:8080", 80), Some(8080));
        assert_eq!(url_port("http://[::1]:9", 80), Some(9));
        assert_eq!(url_port("https://proxy.example", 443), Some(443));
        assert_eq!(url_port("http://proxy.example:3128/x", 80), Some(3128));
        assert_eq!(url_port("http://proxy.example:99999", 80), None);
    }

    #[test]
    fn the_mode_defaults_to_best_effort() {
        assert_eq!(Mode::default(), Mode::BestEffort);
        assert_eq!(
            config::ClientConfig::embedded().unwrap().sandbox,
            Mode::BestEffort
        );
    }
}
