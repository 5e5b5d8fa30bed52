//! The client crate's own binary, which owns the client's data and access: `revoke`, `export`
//! and `destroy` are its commands, run with `cargo run --manifest-path CLIENT/Cargo.toml` in the
//! consultant's environment (the client's credentials and database URL come from there). Each
//! prints one JSON document with `--json`; this module holds that contract.
//!
//! Exit codes: 0 done, [`EXIT_NO_CREDENTIALS`] when `revoke` finds the client's credentials not
//! set (its JSON says which), anything else a failure (its message on stderr).

use camino::{Utf8Path, Utf8PathBuf};
use clientwall_lint::offboarded::{ExportedTable, Removed, TableRows};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::process::{Command, Stdio};

/// `revoke` could not run because the client's credentials are not set.
pub const EXIT_NO_CREDENTIALS: i32 = 3;

/// What `revoke --json` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeReport {
    /// `revoked`, `already-refused` or `credentials-missing`.
    pub status: String,
    pub shop: String,
    #[serde(default)]
    pub api_version: Option<String>,
    /// `appUninstall` succeeded.
    #[serde(default)]
    pub uninstalled: bool,
    /// The uninstalled app's id.
    #[serde(default)]
    pub app: Option<String>,
    /// A token request after the uninstall was refused.
    #[serde(default)]
    pub token_refused: bool,
    /// How the token endpoint refused (`HTTP 400 invalid_client`).
    #[serde(default)]
    pub refusal: Option<String>,
    /// The credential variables that are not set.
    #[serde(default)]
    pub missing: Vec<String>,
}

/// What `export --dir DIR --json` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportReport {
    pub dir: String,
    pub manifest_sha256: String,
    pub tables: Vec<ExportedTable>,
}

/// What `destroy [--yes] --json` prints: the client's tables with their row counts before,
/// and the objects removed (or, without `--yes`, to remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestroyReport {
    /// `sqlite` or `postgres`.
    pub engine: String,
    /// The file, or the database URL without its password.
    pub location: String,
    pub dry_run: bool,
    pub tables: Vec<TableRows>,
    pub objects: Vec<Removed>,
    pub method: String,
    /// After a real run: nothing of the removed objects remains.
    pub verified: bool,
    pub verification: String,
}

/// How a client command ended.
#[derive(Debug)]
pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    /// The end of what it printed on stderr (which was also passed through).
    pub stderr_tail: String,
}

/// The client crate at `dir` (its `Cargo.toml` there).
#[derive(Debug, Clone)]
pub struct ClientBinary {
    pub manifest: Utf8PathBuf,
    pub root: Utf8PathBuf,
}

impl ClientBinary {
    pub fn new(root: &Utf8Path, crate_dir: &Utf8Path) -> ClientBinary {
        ClientBinary {
            manifest: crate_dir.join("Cargo.toml"),
            root: root.to_owned(),
        }
    }

    /// The command line, as the plan shows it.
    pub fn display(&self, args: &[&str]) -> String {
        let manifest = self
            .manifest
            .strip_prefix(&self.root)
            .unwrap_or(&self.manifest);
        format!(
            "cargo run --quiet --manifest-path {manifest} -- {}",
            args.join(" ")
        )
    }

    /// Run `args` through `cargo run`, passing its stderr through (build errors, the client's
    /// messages) and collecting its stdout.
    pub fn run(&self, args: &[&str]) -> Result<Finished, String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut child = Command::new(cargo)
            .args([
                "run",
                "--quiet",
                "--manifest-path",
                self.manifest.as_str(),
                "--",
            ])
            .args(args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("failed to start cargo: {e}"))?;
        let stderr = child.stderr.take().expect("piped");
        let masker = clientwall_lint::redact::Masker::from_env();
        let relay = std::thread::spawn(move || clientwall_lint::redact::relay(stderr, &masker));
        let mut stdout = String::new();
        if let Some(mut out) = child.stdout.take() {
            out.read_to_string(&mut stdout)
                .map_err(|e| format!("failed to read the client's output: {e}"))?;
        }
        let status = child
            .wait()
            .map_err(|e| format!("failed to wait for cargo: {e}"))?;
        let stderr_tail = relay.join().unwrap_or_default();
        Ok(Finished {
            code: status.code(),
            stdout,
            stderr_tail,
        })
    }

    /// Run `args` and parse its JSON; `accepted` are the exit codes that are not a failure.
    pub fn run_json<T: for<'de> Deserialize<'de>>(
        &self,
        args: &[&str],
        accepted: &[i32],
    ) -> Result<(i32, T), String> {
        let finished = self.run(args)?;
        let code = finished.code.unwrap_or(-1);
        if !accepted.contains(&code) {
            return Err(self.failure(args, &finished));
        }
        serde_json::from_str(finished.stdout.trim())
            .map(|value| (code, value))
            .map_err(|e| {
                format!(
                    "`{}` printed no report clientwall understands ({e})",
                    self.display(args)
                )
            })
    }

    fn failure(&self, args: &[&str], finished: &Finished) -> String {
        let command = self.display(args);
        let subcommand = args.first().copied().unwrap_or("");
        if finished.stderr_tail.contains("unrecognized subcommand") {
            return format!(
                "`{command}` failed: the client's binary has no `{subcommand}` command; it was generated from an older template (or by hand): bring it to the current template, or do this step by hand"
            );
        }
        match finished.code {
            Some(101) if finished.stdout.is_empty() => format!(
                "`{command}` failed: the client crate did not build or its command panicked (see above)"
            ),
            Some(code) => format!("`{command}` failed with exit code {code} (see above)"),
            None => format!("`{command}` was killed by a signal"),
        }
    }
}
