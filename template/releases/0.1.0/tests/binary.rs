//! The `{{ client }}` binary, run the way a consultant runs it, against the mock on loopback.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use support::{Behaviour, CLIENT_ID, client_secret, MockShopify, TestDb, env_prefix_var};
use {{ crate_name }}::clock::SystemClock;

fn run(args: &[&str], base_url: &str, db: &TestDb) -> Output {
    Command::new(env!("CARGO_BIN_EXE_{{ client }}"))
        .args(args)
        .env(env_prefix_var("SHOPIFY_CLIENT_ID"), CLIENT_ID)
        .env(env_prefix_var("SHOPIFY_CLIENT_SECRET"), client_secret())
        .env(env_prefix_var("SHOPIFY_BASE_URL"), base_url)
        .envs(db.env())
        .output()
        .expect("run the binary")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Every file below `dir` (skipping build output) that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == "target" || n == ".git") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    found
}

#[test]
fn sync_then_report_leaves_no_secret_anywhere() {
    let mock = MockShopify::start(Behaviour { orders: 700, customers: 80, ..Behaviour::default() }, Arc::new(SystemClock));
    let db = TestDb::new();
    let sync = run(&["sync"], &mock.url, &db);
    assert!(sync.status.success(), "{}", text(&sync));
    assert!(text(&sync).contains("synced 700 orders and 80 customers"), "{}", text(&sync));
    let report = run(&["report", "--format", "csv"], &mock.url, &db);
    assert!(report.status.success(), "{}", text(&report));
    assert!(String::from_utf8_lossy(&report.stdout).starts_with("month,currency,orders,revenue,average_order\n"));
    let scopes = run(&["scopes"], &mock.url, &db);
    assert!(scopes.status.success(), "{}", text(&scopes));
    assert!(text(&scopes).contains("read_orders"));

    let tokens = mock.log(|l| l.issued.clone());
    assert_eq!(tokens.len(), 2, "one grant for sync, one for scopes; report needs none");
    let mut secrets = tokens.clone();
    secrets.push(client_secret().to_owned());
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    for secret in &secrets {
        for output in [&sync, &report, &scopes] {
            assert!(!text(output).contains(secret.as_str()), "a secret in the output");
        }
        assert_eq!(files_containing(crate_dir, secret), Vec::<String>::new(), "a secret in the crate dir");
        if let Some(data) = db.data_dir() {
            assert_eq!(files_containing(&data, secret), Vec::<String>::new(), "a secret in the data dir");
        }
    }
}

#[test]
fn write_scope_grant_exits_non_zero_and_reads_nothing() {
    let behaviour = Behaviour { granted_scope: "read_orders,write_orders".into(), ..Behaviour::default() };
    let mock = MockShopify::start(behaviour, Arc::new(SystemClock));
    let db = TestDb::new();
    let output = run(&["sync"], &mock.url, &db);
    assert!(!output.status.success());
    assert!(text(&output).contains("write_orders"), "{}", text(&output));
    assert_eq!(mock.log(|l| l.graphql_requests), 0);
}

#[test]
fn non_loopback_override_is_refused_before_anything_is_sent() {
    let db = TestDb::new();
    for url in ["http://example.com:80", "https://127.0.0.1:8443", "http://localhost:8080", "http://10.1.2.3:80"] {
        let output = run(&["sync"], url, &db);
        assert!(!output.status.success(), "{url}");
        assert!(text(&output).contains("loopback"), "{url}: {}", text(&output));
    }
}
{% if database == "sqlite" %}
#[cfg(unix)]
#[test]
fn database_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::new();
    drop(db.store());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db.path), 0o600);
    assert_eq!(mode(db.path.parent().unwrap()), 0o700);
}
{% endif %}
