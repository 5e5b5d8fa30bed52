//! The run-time wall, on this machine's kernel: a file of another client reached through a path
//! the binary computes at run time, a write outside the data directory and a TCP connection to
//! a port outside the rules are refused by the kernel; every command works inside the wall with
//! `sandbox = "required"`; a kernel that cannot enforce every rule (simulated with
//! `<PREFIX>_SANDBOX_ABI`) stops a required run with exit 2 and is stated under best-effort;
//! and `self-check` reports what Shopify granted, observed at run time.

use crate::support;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use support::{Behaviour, CLIENT_ID, MockShopify, TestDb, client_secret, env_prefix_var};

use acme::clock::SystemClock;
use acme::config::EMBEDDED;

const BIN: &str = env!("CARGO_BIN_EXE_acme");

/// A workspace with this client and a sibling client whose `client.toml` the binary must not
/// read; the binary runs from its own crate directory there.
struct Workspace {
    root: tempfile::TempDir,
    /// This crate's `client.toml` with `sandbox = "required"`.
    required: std::path::PathBuf,
}

impl Workspace {
    fn new() -> Workspace {
        let root = tempfile::tempdir().unwrap();
        let own = root.path().join("clients").join(acme::CLIENT);
        let sibling = root.path().join("clients").join("zz-sibling");
        std::fs::create_dir_all(&own).unwrap();
        std::fs::create_dir_all(&sibling).unwrap();
        std::fs::write(root.path().join("Cargo.toml"), "[workspace]\n").unwrap();
        std::fs::write(
            sibling.join("client.toml"),
            "[shopify]\nshop = \"zz-sibling.myshopify.com\"\n",
        )
        .unwrap();
        let text = EMBEDDED.replace("sandbox = \"best-effort\"", "sandbox = \"required\"");
        assert_ne!(text, EMBEDDED, "client.toml states its sandbox mode");
        let required = own.join("client.toml");
        std::fs::write(&required, text).unwrap();
        Workspace { root, required }
    }

    fn sibling_toml(&self) -> String {
        self.root
            .path()
            .join("clients/zz-sibling/client.toml")
            .display()
            .to_string()
    }

    /// The binary with this client's credentials, run from its crate directory, the required
    /// `client.toml`, the test database and (if given) the mock.
    fn command(&self, args: &[&str], mock: Option<&MockShopify>, db: &TestDb) -> Command {
        self.command_with(&self.required, args, mock, db)
    }

    /// The same with another `client.toml`.
    fn command_with(
        &self,
        config: &Path,
        args: &[&str],
        mock: Option<&MockShopify>,
        db: &TestDb,
    ) -> Command {
        let mut command = Command::new(BIN);
        command
            .arg("--config")
            .arg(config)
            .args(args)
            .current_dir(self.required.parent().unwrap())
            .env(env_prefix_var("SHOPIFY_CLIENT_ID"), CLIENT_ID)
            .env(env_prefix_var("SHOPIFY_CLIENT_SECRET"), client_secret())
            .env_remove(env_prefix_var("SHOPIFY_BASE_URL"))
            .env_remove(env_prefix_var("SANDBOX_ABI"))
            .envs(db.env());
        for var in ["ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"] {
            command.env_remove(var);
        }
        if let Some(mock) = mock {
            command.env(env_prefix_var("SHOPIFY_BASE_URL"), &mock.url);
        }
        command
    }

    fn run(&self, args: &[&str], mock: Option<&MockShopify>, db: &TestDb) -> Output {
        self.command(args, mock, db)
            .output()
            .expect("run the binary")
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn mock() -> MockShopify {
    MockShopify::start(
        Behaviour {
            orders: 120,
            customers: 30,
            bulk_polls: 0,
            ..Behaviour::default()
        },
        Arc::new(SystemClock),
    )
}

/// The line of the proof about `action`.
fn proof_line<'o>(out: &'o str, action: &str) -> &'o str {
    out.lines()
        .find(|l| l.contains(action))
        .unwrap_or_else(|| panic!("no proof line for `{action}` in:\n{out}"))
}

#[test]
fn another_clients_file_a_write_outside_another_port_and_an_exec_are_refused_by_the_kernel() {
    let ws = Workspace::new();
    let db = TestDb::new();
    let output = ws.run(&["sandbox"], None, &db);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(
        out.contains("sandbox: fully enforced (Landlock ABI "),
        "{out}"
    );
    // The sibling's path was found by the binary at run time, from its working directory.
    let read = proof_line(&out, &format!("open {}", ws.sibling_toml()));
    assert!(
        read.contains("refused by the kernel: Permission denied"),
        "{read}"
    );
    let write = proof_line(&out, "create ");
    assert!(
        write.contains("refused by the kernel: Permission denied"),
        "{write}"
    );
    let tcp = proof_line(&out, "connect to 127.0.0.1:");
    assert!(
        tcp.contains("refused by the kernel: Permission denied"),
        "{tcp}"
    );
    assert!(out.contains("execute: nothing"), "{out}");
    let exec = proof_line(&out, "execute /");
    assert!(
        exec.contains("refused by the kernel: Permission denied"),
        "{exec}"
    );
    // Nothing was created beside the sibling's file.
    let left: Vec<_> = std::fs::read_dir(ws.root.path().join("clients/zz-sibling"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn without_landlock_the_same_attempts_succeed_and_the_proof_fails() {
    // The clean twin's breach: with no wall (simulated ABI 0, best-effort), the same binary
    // opens the sibling's file, writes beside it and reaches the network: the proof says so
    // and exits 1, so the refusals above are the wall's doing.
    let ws = Workspace::new();
    let best_effort = ws.root.path().join("best-effort.toml");
    std::fs::write(&best_effort, EMBEDDED).unwrap();
    let db = TestDb::new();
    let output = ws
        .command_with(&best_effort, &["sandbox"], None, &db)
        .env(env_prefix_var("SANDBOX_ABI"), "0")
        .output()
        .unwrap();
    let out = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        proof_line(&out, &format!("open {}", ws.sibling_toml()))
            .contains("opened: the rules did not hold"),
        "{out}"
    );
    assert!(
        proof_line(&out, "create ").contains("created (and removed)"),
        "{out}"
    );
    assert!(
        proof_line(&out, "connect to 127.0.0.1:").contains("not refused by the sandbox"),
        "{out}"
    );
    assert!(
        proof_line(&out, "execute /").contains("ran: the rules did not hold"),
        "{out}"
    );
    let warnings: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("warning: sandbox"))
        .collect();
    assert_eq!(warnings.len(), 1, "{out}");
    assert!(warnings[0].contains("not enforced"), "{out}");
}

#[test]
fn every_command_works_inside_a_required_sandbox() {
    let ws = Workspace::new();
    let mock = mock();
    let db = database_over_tls();
    let export = ws.root.path().join("returned").join("export");
    let export_arg = export.to_str().unwrap().to_owned();
    let steps: [&[&str]; 7] = [
        &["sync", "--backfill"],
        &["sync"],
        &["report", "--format", "json"],
        &["export", "--dir", &export_arg, "--json"],
        &["revoke", "--yes"],
        &["destroy"],
        &["destroy", "--yes"],
    ];
    for args in steps {
        let output = ws.run(args, Some(&mock), &db);
        let out = text(&output);
        assert!(output.status.success(), "{args:?}: {out}");
        assert!(
            !out.contains("sandbox"),
            "{args:?} stated a degraded wall: {out}"
        );
        assert!(!out.contains(client_secret()), "{args:?}: {out}");
    }
    assert!(export.join("manifest.json").is_file());
    assert_eq!(mock.log(|l| l.uninstalls), 1);
}

/// The SQLite database in its own temporary data directory.
fn database_over_tls() -> TestDb {
    TestDb::new()
}

#[test]
fn a_required_sandbox_on_a_kernel_without_every_rule_stops_before_anything_is_read() {
    let ws = Workspace::new();
    let mock = mock();
    let db = TestDb::new();
    for abi in ["0", "3"] {
        let output = ws
            .command(&["sync"], Some(&mock), &db)
            .env(env_prefix_var("SANDBOX_ABI"), abi)
            .output()
            .unwrap();
        let out = text(&output);
        assert_eq!(output.status.code(), Some(2), "ABI {abi}: {out}");
        assert!(
            out.contains("sandbox is required (client.toml `sandbox = \"required\"`)"),
            "{out}"
        );
        assert!(out.contains(&format!("Landlock ABI {abi}")), "{out}");
    }
    assert_eq!(mock.log(|l| l.token_requests), 0, "credentials were used");
    if let Some(dir) = db.data_dir() {
        let file = format!("{}.sqlite3", acme::CLIENT);
        assert!(!dir.join("data").join(file).exists());
    }
}

#[test]
fn best_effort_on_a_partial_abi_runs_and_says_so_in_one_line() {
    let ws = Workspace::new();
    let best_effort = ws.root.path().join("best-effort.toml");
    std::fs::write(&best_effort, EMBEDDED).unwrap();
    let mock = mock();
    let db = TestDb::new();
    let output = ws
        .command_with(&best_effort, &["sync"], Some(&mock), &db)
        .env(env_prefix_var("SANDBOX_ABI"), "3")
        .output()
        .unwrap();
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    let warnings: Vec<&str> = out.lines().filter(|l| l.contains("sandbox")).collect();
    assert_eq!(warnings.len(), 1, "{out}");
    assert!(
        warnings[0].starts_with("warning: sandbox partially enforced (best-effort): ")
            && warnings[0].contains("TCP ports are not"),
        "{out}"
    );
}

#[test]
fn a_bad_simulation_value_or_a_ruleset_that_cannot_be_set_up_is_exit_2_under_required() {
    let ws = Workspace::new();
    let db = TestDb::new();
    let output = ws
        .command(&["report"], None, &db)
        .env(env_prefix_var("SANDBOX_ABI"), "four")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("must be a Landlock ABI number"));
    // A data directory that cannot be created: the wall cannot name it.
    let blocker = ws.root.path().join("not-a-directory");
    std::fs::write(&blocker, "").unwrap();
    let path = blocker.join("data").join("x.sqlite3");
    let output = ws
        .command(&["report"], None, &db)
        .env(env_prefix_var("DATABASE_PATH"), &path)
        .output()
        .unwrap();
    let out = text(&output);
    assert_eq!(output.status.code(), Some(2), "{out}");
    assert!(out.contains("its rules could not be set up"), "{out}");
    assert!(out.contains(&blocker.display().to_string()), "{out}");
}

#[test]
fn self_check_reports_what_shopify_granted_and_that_the_wall_holds() {
    let ws = Workspace::new();
    let mock = mock();
    let db = TestDb::new();
    let output = ws.run(&["self-check", "--format", "json"], Some(&mock), &db);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(!out.contains(client_secret()), "{out}");
    let check: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let observed: Vec<&str> = check["observed"]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(observed.join(","), support::READ_SCOPES);
    let lifetime = check["observed"]["token_lifetime_seconds"]
        .as_u64()
        .unwrap();
    assert!((86_000..=86_399).contains(&lifetime), "{lifetime}");
    assert_eq!(check["sandbox"]["level"], "full");
    assert_eq!(check["probe"]["path"], ws.sibling_toml().as_str());
    let proof = check["proof"].as_array().unwrap();
    assert_eq!(proof.len(), 4);
    assert!(proof.iter().all(|a| a["refused"] == true), "{proof:?}");
    let database = check["database"].as_str().unwrap();
    assert!(
        !database.is_empty() && !database.contains("unknown"),
        "{database}"
    );
    assert!(!database.contains("password"), "{database}");
    assert_eq!(check["ok"], true);
    let human = ws.run(&["self-check"], Some(&mock), &db);
    assert!(human.status.success(), "{}", text(&human));
    assert!(
        text(&human).contains("self-check passed"),
        "{}",
        text(&human)
    );
}

#[test]
fn self_check_fails_on_an_observed_write_scope_and_is_incomplete_without_credentials() {
    let ws = Workspace::new();
    let mock = mock();
    mock.set(|b| {
        b.installation_scopes = Some(format!("{},write_orders", support::READ_SCOPES));
    });
    let db = TestDb::new();
    let output = ws.run(&["self-check"], Some(&mock), &db);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL write scopes: write_orders"), "{out}");

    let output = ws
        .command(&["self-check", "--format", "json"], Some(&mock), &db)
        .env_remove(env_prefix_var("SHOPIFY_CLIENT_ID"))
        .env_remove(env_prefix_var("SHOPIFY_CLIENT_SECRET"))
        .output()
        .unwrap();
    let out = text(&output);
    assert_eq!(output.status.code(), Some(3), "{out}");
    let check: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert!(check["observed"].is_null());
    assert_eq!(check["ok"], false);
    assert!(
        check["not_checked"]
            .as_str()
            .unwrap()
            .contains("Shopify was not asked")
    );
}

/// A command that creates the database (`report` here) gets its missing data directory created
/// first, owner-only, before the wall goes up (inside the wall it could not create it); any
/// other command leaves it missing.
#[test]
fn a_missing_data_directory_is_created_private_only_by_a_command_that_writes_it() {
    let ws = Workspace::new();
    let db = TestDb::new();
    let output = ws.run(&["sandbox"], None, &db);
    assert!(output.status.success(), "{}", text(&output));
    if let Some(dir) = db.data_dir() {
        let data = dir.join("data");
        assert!(!data.exists(), "`sandbox` created the data directory");
        let output = ws.run(&["report"], None, &db);
        assert!(output.status.success(), "{}", text(&output));
        assert!(data.is_dir());
        assert_eq!(mode(&data) & 0o777, 0o700);
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode()
}

#[cfg(not(unix))]
fn mode(_: &Path) -> u32 {
    0o700
}
