//! The `acme` binary, run the way a consultant runs it, against the mock on loopback:
//! no secret anywhere, nothing sent through the environment's proxy or after a redirect, a
//! killed backfill resumed, and a binary that holds no path of the machine that built it.

use crate::support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use support::capture::Capture;
use support::{Behaviour, CLIENT_ID, MockShopify, TestDb, client_secret, env_prefix_var, shop};

use acme::clock::SystemClock;
use acme::config::ClientConfig;
use acme::onboarding;

const PROXY_VARIABLES: [&str; 6] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

fn command(args: &[&str], base_url: Option<&str>, db: &TestDb) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_acme"));
    command
        .args(args)
        .env(env_prefix_var("SHOPIFY_CLIENT_ID"), CLIENT_ID)
        .env(env_prefix_var("SHOPIFY_CLIENT_SECRET"), client_secret())
        .env_remove(env_prefix_var("SHOPIFY_BASE_URL"))
        .envs(db.env());
    for var in PROXY_VARIABLES {
        command.env_remove(var);
    }
    if let Some(url) = base_url {
        command.env(env_prefix_var("SHOPIFY_BASE_URL"), url);
    }
    command
}

fn run(args: &[&str], base_url: &str, db: &TestDb) -> Output {
    command(args, Some(base_url), db)
        .output()
        .expect("run the binary")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every file below `dir` (skipping build output) that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path
                .file_name()
                .is_some_and(|n| n == "target" || n == ".git")
            {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn sync_then_report_leaves_no_secret_anywhere() {
    let mock = MockShopify::start(
        Behaviour {
            orders: 700,
            customers: 80,
            bulk_polls: 0,
            ..Behaviour::default()
        },
        Arc::new(SystemClock),
    );
    let db = TestDb::new();
    let backfill = run(&["sync", "--backfill"], &mock.url, &db);
    assert!(backfill.status.success(), "{}", text(&backfill));
    assert!(
        text(&backfill).contains("backfilled 700 orders"),
        "{}",
        text(&backfill)
    );
    let sync = run(&["sync"], &mock.url, &db);
    assert!(sync.status.success(), "{}", text(&sync));
    assert!(
        text(&sync).contains("synced 301 orders and 80 customers"),
        "{}",
        text(&sync)
    );
    let report = run(&["report", "--format", "csv"], &mock.url, &db);
    assert!(report.status.success(), "{}", text(&report));
    assert!(
        String::from_utf8_lossy(&report.stdout)
            .starts_with("month,currency,orders,gross_sales,discounts,returns,net_sales,shipping,duties,fees,taxes,total_sales,average_order_value\n")
    );
    assert!(
        String::from_utf8_lossy(&report.stderr).contains("orders from 2026-01-15 to 2026-12-15")
    );
    let scopes = run(&["scopes"], &mock.url, &db);
    assert!(scopes.status.success(), "{}", text(&scopes));
    assert!(
        text(&scopes).contains("Granted right now"),
        "{}",
        text(&scopes)
    );

    let tokens = mock.log(|l| l.issued.clone());
    assert_eq!(
        tokens.len(),
        3,
        "one grant each for backfill, sync and scopes; report needs none"
    );
    let mut secrets = tokens.clone();
    secrets.push(client_secret().to_owned());
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    for secret in &secrets {
        for output in [&backfill, &sync, &report, &scopes] {
            assert!(
                !text(output).contains(secret.as_str()),
                "a secret in the output"
            );
        }
        assert_eq!(
            files_containing(crate_dir, secret),
            Vec::<String>::new(),
            "a secret in the crate dir"
        );
        if let Some(data) = db.data_dir() {
            assert_eq!(
                files_containing(&data, secret),
                Vec::<String>::new(),
                "a secret in the data dir"
            );
        }
    }
}

#[test]
fn proxy_variables_of_the_environment_receive_nothing() {
    let proxy = Capture::start();
    let mock = MockShopify::start(
        Behaviour {
            orders: 300,
            customers: 10,
            ..Behaviour::default()
        },
        Arc::new(SystemClock),
    );
    let db = TestDb::new();
    let mut with_proxy = command(&["sync"], Some(&mock.url), &db);
    for var in PROXY_VARIABLES {
        with_proxy.env(var, &proxy.url);
    }
    with_proxy.env("NO_PROXY", "");
    let output = with_proxy.output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("synced 300 orders"),
        "{}",
        text(&output)
    );
    assert_eq!(
        proxy.received(),
        Vec::<String>::new(),
        "the proxy saw a request"
    );
}

#[test]
fn a_configured_proxy_is_used_for_the_shop_and_never_for_loopback() {
    let proxy = Capture::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("client.toml");
    let text_with_proxy = acme::config::EMBEDDED.replace(
        "# proxy = \"http://proxy.example.internal:3128\"",
        &format!("proxy = \"{}\"", proxy.url),
    );
    assert_ne!(text_with_proxy, acme::config::EMBEDDED);
    std::fs::write(&config, text_with_proxy).unwrap();
    let config = config.display().to_string();
    let db = TestDb::new();

    let mock = MockShopify::start(
        Behaviour {
            orders: 30,
            customers: 3,
            ..Behaviour::default()
        },
        Arc::new(SystemClock),
    );
    let local = run(&["--config", &config, "sync"], &mock.url, &db);
    assert!(local.status.success(), "{}", text(&local));
    assert_eq!(
        proxy.received(),
        Vec::<String>::new(),
        "the loopback override went through the proxy"
    );

    let shop = command(&["--config", &config, "scopes"], None, &db)
        .output()
        .unwrap();
    assert!(
        !shop.status.success(),
        "the capture proxy refuses the tunnel"
    );
    let seen = proxy.received();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let shop_host = ClientConfig::embedded().unwrap().shopify.shop;
    assert!(
        seen[0].starts_with(&format!("CONNECT {shop_host}:443 ")),
        "{}",
        seen[0]
    );
    assert!(
        !seen[0].contains(client_secret()),
        "only the tunnel request reaches the proxy"
    );
}

#[test]
fn a_redirect_is_an_error_naming_the_status_and_the_target_receives_nothing() {
    let capture = Capture::start();
    let db = TestDb::new();
    for behaviour in [
        Behaviour {
            redirect_token: Some(format!("{}/token", capture.url)),
            ..Behaviour::default()
        },
        Behaviour {
            redirect_graphql: Some(format!("{}/graphql", capture.url)),
            ..Behaviour::default()
        },
    ] {
        let mock = MockShopify::start(behaviour, Arc::new(SystemClock));
        let output = run(&["sync"], &mock.url, &db);
        assert!(!output.status.success());
        assert!(text(&output).contains("HTTP 302"), "{}", text(&output));
    }
    assert_eq!(capture.received(), Vec::<String>::new());
}

#[test]
fn write_scope_grant_exits_non_zero_and_reads_nothing() {
    let behaviour = Behaviour {
        granted_scope: "read_orders,write_orders".into(),
        ..Behaviour::default()
    };
    let mock = MockShopify::start(behaviour, Arc::new(SystemClock));
    let db = TestDb::new();
    let output = run(&["sync"], &mock.url, &db);
    assert!(!output.status.success());
    assert!(text(&output).contains("write_orders"), "{}", text(&output));
    assert_eq!(mock.log(|l| l.graphql_requests), 0);
}

#[test]
fn an_empty_variable_is_called_empty_and_a_missing_one_not_set() {
    let db = TestDb::new();
    let var = env_prefix_var("SHOPIFY_CLIENT_ID");
    let sync = |value: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_acme"));
        command
            .arg("sync")
            .env(env_prefix_var("SHOPIFY_CLIENT_SECRET"), client_secret())
            .envs(db.env());
        match value {
            Some(value) => command.env(&var, value),
            None => command.env_remove(&var),
        };
        command.output().unwrap()
    };
    let empty = sync(Some(""));
    assert!(!empty.status.success());
    assert!(
        text(&empty).contains(&format!("{var} is empty")),
        "{}",
        text(&empty)
    );
    let missing = sync(None);
    assert!(!missing.status.success());
    assert!(
        text(&missing).contains(&format!("{var} is not set")),
        "{}",
        text(&missing)
    );
}

#[test]
fn non_loopback_override_is_refused_before_anything_is_sent() {
    let db = TestDb::new();
    for url in [
        "http://example.com:80",
        "https://127.0.0.1:8443",
        "http://localhost:8080",
        "http://10.1.2.3:80",
    ] {
        let output = run(&["sync"], url, &db);
        assert!(!output.status.success(), "{url}");
        assert!(
            text(&output).contains("loopback"),
            "{url}: {}",
            text(&output)
        );
    }
}

#[test]
fn an_empty_variable_is_called_empty() {
    let db = TestDb::new();
    let output = command(&["sync"], None, &db)
        .env(env_prefix_var("SHOPIFY_CLIENT_ID"), "")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output).contains(&format!("{} is empty", env_prefix_var("SHOPIFY_CLIENT_ID"))),
        "{}",
        text(&output)
    );
    let output = command(&["sync"], None, &db)
        .env_remove(env_prefix_var("SHOPIFY_CLIENT_SECRET"))
        .output()
        .unwrap();
    assert!(
        text(&output).contains(&format!(
            "{} is not set",
            env_prefix_var("SHOPIFY_CLIENT_SECRET")
        )),
        "{}",
        text(&output)
    );
}

#[test]
fn a_killed_backfill_resumes_to_the_same_rows() {
    let mock = MockShopify::start(
        Behaviour {
            orders: 20_000,
            customers: 50,
            bulk_polls: 0,
            bulk_pause_after: Some(6_000_000),
            ..Behaviour::default()
        },
        Arc::new(SystemClock),
    );
    let db = TestDb::new();
    let mut child = command(&["sync", "--backfill"], Some(&mock.url), &db)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !mock.log(|l| l.paused) {
        assert!(
            started.elapsed().as_secs() < 120,
            "the backfill never reached the pause"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the backfill ended early"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Let the writer commit what it has read (the rest of the file is held back), then kill it.
    while db.store().counts().unwrap().0 == 0 {
        assert!(started.elapsed().as_secs() < 120, "nothing was committed");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    mock.release();
    let (committed, _, _) = db.store().counts().unwrap();
    assert!(
        committed > 0 && committed < 20_000,
        "killed mid-stream after {committed} orders"
    );

    let again = run(&["sync", "--backfill"], &mock.url, &db);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("resumed: orders"), "{}", text(&again));
    let downloads = mock.log(|l| l.bulk_downloads.clone());
    assert!(
        downloads[1].1 > 0,
        "continued with a byte range: {downloads:?}"
    );
    assert_eq!(
        db.store().counts().unwrap(),
        (20_000, shop::expected_line_items(0..20_000), 50),
        "every record exactly once"
    );
}

#[test]
fn the_binary_runs_from_anywhere_with_the_client_toml_it_was_built_with() {
    let elsewhere = tempfile::tempdir().unwrap();
    let db = TestDb::new();
    let output = command(&["scopes"], None, &db)
        .env_remove(env_prefix_var("SHOPIFY_CLIENT_ID"))
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with(onboarding::GENERATED), "{stdout}");
    assert!(stdout.contains("does not allow"), "{stdout}");
    assert!(stdout.contains("Not verified with Shopify"), "{stdout}");
}

#[test]
fn no_path_of_the_build_machine_is_compiled_into_the_binary() {
    use object::{Object, ObjectSection};
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_acme")).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let manifest_dir = env!("CARGO_MANIFEST_DIR").as_bytes();
    let mut searched = 0;
    for section in file.sections() {
        let name = section.name().unwrap_or("");
        // Debug information names source files by design; it is not part of the program.
        if name.contains("debug") || name.contains("DWARF") {
            continue;
        }
        let Ok(data) = section.data() else { continue };
        searched += data.len();
        assert!(
            !data.windows(manifest_dir.len()).any(|w| w == manifest_dir),
            "section {name} holds {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
    assert!(
        searched > 100_000,
        "the program's sections were searched ({searched} bytes)"
    );
}

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

#[test]
fn a_relative_database_path_is_refused_clearly() {
    let mock = MockShopify::start(Behaviour::default(), Arc::new(SystemClock));
    let db = TestDb::new();
    let output = run(&["sync"], &mock.url, &db);
    assert!(output.status.success(), "{}", text(&output));
    let relative = command(&["report"], Some(&mock.url), &db)
        .env(env_prefix_var("DATABASE_PATH"), "data/x.sqlite3")
        .output()
        .unwrap();
    assert!(!relative.status.success());
    assert!(
        text(&relative).contains("is relative"),
        "{}",
        text(&relative)
    );
}
