//! The end of the engagement, run the way `cargo clientwall offboard` runs it: `revoke`
//! against the mock (the app uninstalls itself, and the grant refuses the credentials
//! afterwards), `export` (every table as JSONL, sums that match), `destroy` (row counts first,
//! nothing left after), each safe to run again.

use crate::support;

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use support::{Behaviour, CLIENT_ID, MockShopify, TestDb, client_secret, env_prefix_var};

use acme as client;

use client::clock::SystemClock;

/// This crate's binary.
const BIN: &str = env!("CARGO_BIN_EXE_acme");

fn command(args: &[&str], mock: &MockShopify, db: &TestDb) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env(env_prefix_var("SHOPIFY_CLIENT_ID"), CLIENT_ID)
        .env(env_prefix_var("SHOPIFY_CLIENT_SECRET"), client_secret())
        .env(env_prefix_var("SHOPIFY_BASE_URL"), &mock.url)
        .envs(db.env());
    command
}

fn run(args: &[&str], mock: &MockShopify, db: &TestDb) -> Output {
    command(args, mock, db).output().expect("run the binary")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(output)))
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A shop of 120 orders and 30 customers, synced into `db` by the binary.
fn synced(db: &TestDb) -> MockShopify {
    let mock = MockShopify::start(
        Behaviour {
            orders: 120,
            customers: 30,
            ..Behaviour::default()
        },
        Arc::new(SystemClock),
    );
    let sync = run(&["sync"], &mock, db);
    assert!(sync.status.success(), "{}", text(&sync));
    mock
}

fn rows(report: &Value, table: &str) -> Option<u64> {
    report["tables"]
        .as_array()?
        .iter()
        .find(|t| t["table"] == table)
        .and_then(|t| t["rows"].as_u64())
}

#[test]
fn revoke_uninstalls_the_app_and_the_grant_refuses_afterwards() {
    let db = TestDb::new();
    let mock = synced(&db);
    let before = mock.log(|l| l.token_requests);

    let revoke = run(&["revoke", "--yes", "--json"], &mock, &db);
    assert!(revoke.status.success(), "{}", text(&revoke));
    let report = json(&revoke);
    assert_eq!(report["status"], "revoked", "{report}");
    assert_eq!(report["uninstalled"], true);
    assert_eq!(report["token_refused"], true);
    assert_eq!(report["app"], "gid://shopify/App/7001");
    assert_eq!(report["refusal"], "HTTP 400 invalid_client");
    assert_eq!(mock.log(|l| l.uninstalls), 1);
    assert_eq!(mock.log(|l| l.refused_grants), 1);
    assert_eq!(
        mock.log(|l| l.token_requests) - before,
        2,
        "one fresh token for the uninstall, one request refused after it"
    );

    // Nothing works with these credentials any more.
    let sync = run(&["sync"], &mock, &db);
    assert!(!sync.status.success(), "{}", text(&sync));
    // Again: the credentials are refused before anything is asked; nothing is uninstalled twice.
    let again = run(&["revoke", "--yes", "--json"], &mock, &db);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(json(&again)["status"], "already-refused");
    assert_eq!(mock.log(|l| l.uninstalls), 1);

    let mut secrets = mock.log(|l| l.issued.clone());
    secrets.push(client_secret().to_owned());
    for secret in &secrets {
        for output in [&revoke, &again, &sync] {
            assert!(
                !text(output).contains(secret.as_str()),
                "a secret in the output"
            );
        }
    }
}

#[test]
fn revoke_uninstalls_even_a_grant_with_a_write_scope() {
    let db = TestDb::new();
    let mock = MockShopify::start(
        Behaviour {
            granted_scope: "read_orders,write_orders".into(),
            ..Behaviour::default()
        },
        Arc::new(SystemClock),
    );
    let revoke = run(&["revoke", "--yes"], &mock, &db);
    assert!(revoke.status.success(), "{}", text(&revoke));
    assert!(
        text(&revoke).starts_with("revoked: the app"),
        "{}",
        text(&revoke)
    );
    assert_eq!(mock.log(|l| l.uninstalls), 1);
}

#[test]
fn revoke_without_credentials_exits_3_and_sends_nothing() {
    let db = TestDb::new();
    let mock = MockShopify::start(Behaviour::default(), Arc::new(SystemClock));
    let output = command(&["revoke", "--yes", "--json"], &mock, &db)
        .env_remove(env_prefix_var("SHOPIFY_CLIENT_SECRET"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    let report = json(&output);
    assert_eq!(report["status"], "credentials-missing");
    assert_eq!(
        report["missing"],
        serde_json::json!([env_prefix_var("SHOPIFY_CLIENT_SECRET")])
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("revocation is the client's to do"),
        "{}",
        text(&output)
    );
    assert_eq!(mock.log(|l| l.token_requests), 0);

    // Without --yes nothing is sent either: it only says what it would do.
    let dry = run(&["revoke"], &mock, &db);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(text(&dry).contains("run `revoke --yes`"), "{}", text(&dry));
    assert_eq!(mock.log(|l| l.token_requests), 0);
}

#[test]
fn export_writes_every_table_with_sums_that_match() {
    let db = TestDb::new();
    let _mock = synced(&db);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("returned");
    let export = Command::new(BIN)
        .args(["export", "--dir", dir.to_str().unwrap(), "--json"])
        .envs(db.env())
        .output()
        .unwrap();
    assert!(export.status.success(), "{}", text(&export));
    let report = json(&export);
    assert_eq!(rows(&report, "orders"), Some(120));
    assert_eq!(rows(&report, "customers"), Some(30));
    let manifest = std::fs::read(dir.join("manifest.json")).unwrap();
    assert_eq!(report["manifest_sha256"], sha256(&manifest));
    let listed: Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(listed["client"], client::CLIENT);
    assert_eq!(listed["tables"], report["tables"]);
    for table in report["tables"].as_array().unwrap() {
        let bytes = std::fs::read(dir.join(table["file"].as_str().unwrap())).unwrap();
        assert_eq!(table["sha256"], sha256(&bytes), "{table}");
        let lines: Vec<Value> = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(
            lines.len() as u64,
            table["rows"].as_u64().unwrap(),
            "{table}"
        );
    }
    let orders = std::fs::read_to_string(dir.join("orders.jsonl")).unwrap();
    let first: Value = serde_json::from_str(orders.lines().next().unwrap()).unwrap();
    assert!(
        first.get("id").is_some() && first.get("currency").is_some(),
        "{first}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("orders.jsonl")), 0o600);
    }
    // Again: the same files, the same sums.
    let again = Command::new(BIN)
        .args(["export", "--dir", dir.to_str().unwrap(), "--json"])
        .envs(db.env())
        .output()
        .unwrap();
    assert_eq!(json(&again), report);
}

/// The client's own data directory (named after it), with its database in it.
fn client_dir_db(db: &TestDb) -> (std::path::PathBuf, Vec<(String, String)>) {
    let path = db
        .dir
        .path()
        .join(client::CLIENT)
        .join(format!("{}.sqlite3", client::CLIENT));
    let env = vec![(env_prefix_var("DATABASE_PATH"), path.display().to_string())];
    (path, env)
}

#[test]
fn destroy_counts_first_then_leaves_nothing_of_the_file_or_its_directory() {
    let db = TestDb::new();
    let (path, env) = client_dir_db(&db);
    let mock = MockShopify::start(
        Behaviour {
            orders: 120,
            customers: 30,
            ..Behaviour::default()
        },
        Arc::new(SystemClock),
    );
    let sync = command(&["sync"], &mock, &db)
        .envs(env.clone())
        .output()
        .unwrap();
    assert!(sync.status.success(), "{}", text(&sync));
    // The client's app is still running: its connection keeps the `-wal` and `-shm` files, and
    // its last write is in the log only.
    let running = rusqlite::Connection::open(&path).unwrap();
    running
        .execute_batch("CREATE TABLE notes (note TEXT); INSERT INTO notes VALUES ('in the log');")
        .unwrap();
    let mut companion = path.clone().into_os_string();
    companion.push("-wal");
    let bytes = std::fs::read(&path).unwrap();

    let dry = command(&["destroy", "--json"], &mock, &db)
        .envs(env.clone())
        .output()
        .unwrap();
    assert!(dry.status.success(), "{}", text(&dry));
    let planned = json(&dry);
    assert_eq!(planned["dry_run"], true);
    assert_eq!(rows(&planned, "orders"), Some(120));
    assert_eq!(rows(&planned, "customers"), Some(30));
    assert_eq!(rows(&planned, "notes"), Some(1), "the log is read too");
    let objects: Vec<String> = planned["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        objects.contains(&format!("file {}", path.display())),
        "{objects:?}"
    );
    assert!(
        objects.contains(&format!("file {}", Path::new(&companion).display())),
        "{objects:?}"
    );
    assert!(
        objects.contains(&format!("directory {}", path.parent().unwrap().display())),
        "{objects:?}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "a dry run changed the database"
    );

    let destroy = command(&["destroy", "--yes", "--json"], &mock, &db)
        .envs(env.clone())
        .output()
        .unwrap();
    assert!(destroy.status.success(), "{}", text(&destroy));
    let destroyed = json(&destroy);
    assert_eq!(destroyed["verified"], true, "{destroyed}");
    assert!(
        !path.parent().unwrap().exists(),
        "the data directory is still there"
    );
    assert!(
        db.dir.path().exists(),
        "only the client's own directory goes"
    );

    drop(running);

    let again = command(&["destroy", "--yes", "--json"], &mock, &db)
        .envs(env)
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(json(&again)["verified"], true);
    assert_eq!(json(&again)["objects"], serde_json::json!([]));
}

/// A directory not named after the client is not the client's: only the database files go.
#[test]
fn destroy_leaves_a_directory_that_is_not_the_clients() {
    let db = TestDb::new();
    let mock = synced(&db);
    let other = db.path.parent().unwrap().join("someone-else.txt");
    std::fs::write(&other, b"not the client's").unwrap();
    let destroy = run(&["destroy", "--yes", "--json"], &mock, &db);
    assert!(destroy.status.success(), "{}", text(&destroy));
    assert!(!db.path.exists());
    assert_eq!(std::fs::read(&other).unwrap(), b"not the client's");
}
