//! `cargo clientwall attest CLIENT --live`: a client `new-client` generates from the current
//! template, in a copy of `examples/consultancy`, its binary built by real cargo and run against
//! the template's loopback Shopify stand-in (its example program): the observed scopes, token
//! lifetime, sandbox, kernel refusals and database beside what `client.toml` declares (Markdown,
//! JSON, HTML); a write scope or an undeclared scope the shop shows is a failing line (exit 1);
//! without credentials the live part is "not run", never a pass; a signed live attestation
//! verifies with `ssh-keygen -Y verify`; a self-check that hangs is stopped (exit 2, nothing
//! written); no secret in any output.

use crate::support;

use camino::{Utf8Path, Utf8PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use support::{Run, WithoutCargoTestEnv, repo_root, run_bounded};

/// The runs share one target directory (the example's, where the client's dependencies are
/// built already), and the binary cargo uplifts there: one live run at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn client_target_dir() -> Utf8PathBuf {
    repo_root().join("target/consultancy")
}

/// Generous: the first run builds the client and the stand-in.
const LIMIT: Duration = Duration::from_secs(1800);

/// `examples/consultancy` with `acme` generated again by `cargo clientwall new` from the
/// current template (with the example's display name), in git with one commit.
struct Workspace {
    _dir: tempfile::TempDir,
    root: Utf8PathBuf,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
        let example = repo_root().join("examples/consultancy");
        for entry in walkdir::WalkDir::new(&example) {
            let entry = entry.unwrap();
            let relative = entry.path().strip_prefix(&example).unwrap();
            if relative.starts_with("clients/acme") {
                continue;
            }
            let target = root.join(relative.to_str().unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
        let mut new = std::process::Command::new(assert_cmd::cargo::cargo_bin("cargo-clientwall"));
        // As the example's `acme` was generated (`scripts/test.sh` checks it is what this
        // generates today), so that its build is the example's.
        new.args(["clientwall", "new", "acme", "--no-check", "--workspace"])
            .arg(&root)
            .args(["--display-name", "Acme Outdoor"])
            .current_dir(&root)
            .env("CARGO_NET_OFFLINE", "true");
        let run = run_bounded(new, "cargo clientwall new acme", LIMIT);
        assert_eq!(run.code, Some(0), "{run:?}");
        // What is generated as the example has it is built once in the shared target directory,
        // not once per test (a file that differs is newer, and rebuilds the client).
        support::same_files_take_original_mtimes(
            &root.join("clients/acme"),
            &example.join("clients/acme"),
        );
        support::git_ok(&root, &["init", "-q", "-b", "main"]);
        support::git_ok(&root, &["config", "user.name", "t"]);
        support::git_ok(&root, &["config", "user.email", "t@example.com"]);
        support::commit_all(&root, "two clients");
        Workspace { _dir: dir, root }
    }

    /// `cargo clientwall attest acme ARGS` with `env`, the client's target directory shared.
    fn attest(&self, args: &[&str], env: &[(String, String)]) -> Run {
        let mut command =
            std::process::Command::new(assert_cmd::cargo::cargo_bin("cargo-clientwall"));
        command
            .args(["clientwall", "attest", "acme"])
            .args(args)
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", client_target_dir())
            .without_cargo_test_env()
            // Each test's client is a new path: no incremental cache left behind for it.
            .env("CARGO_INCREMENTAL", "0")
            .env("CARGO_NET_OFFLINE", "true");
        for var in [
            "ACME_SHOPIFY_CLIENT_ID",
            "ACME_SHOPIFY_CLIENT_SECRET",
            "ACME_SHOPIFY_BASE_URL",
            "ACME_SANDBOX_ABI",
            "ACME_DATABASE_PATH",
            "ALL_PROXY",
            "all_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "CLIENTWALL_LIVE_TIMEOUT",
        ] {
            command.env_remove(var);
        }
        command.envs(env.iter().map(|(k, v)| (k, v)));
        run_bounded(command, &format!("attest acme {args:?}"), LIMIT)
    }
}

/// The template's Shopify stand-in, run as the client's example program.
struct StandIn {
    child: std::process::Child,
    url: String,
    client_id: String,
    client_secret: String,
}

impl StandIn {
    fn start(ws: &Workspace, extra: &[&str]) -> StandIn {
        use std::io::BufRead;
        let mut child = std::process::Command::new(
            std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()),
        )
        .args(["run", "--quiet", "--offline", "--manifest-path"])
        .arg(ws.root.join("clients/acme/Cargo.toml"))
        .args(["--example", "acme-mock-shopify", "--"])
        .args(["--orders", "5", "--customers", "3"])
        .args(extra)
        .env("CARGO_TARGET_DIR", client_target_dir())
        .without_cargo_test_env()
        .env("CARGO_INCREMENTAL", "0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let hello: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the stand-in did not start ({e}): {line:?}"));
        StandIn {
            child,
            url: hello["url"].as_str().unwrap().to_owned(),
            client_id: hello["client_id"].as_str().unwrap().to_owned(),
            client_secret: hello["client_secret"].as_str().unwrap().to_owned(),
        }
    }

    /// The client's own environment, pointed at the stand-in.
    fn env(&self) -> Vec<(String, String)> {
        vec![
            ("ACME_SHOPIFY_CLIENT_ID".into(), self.client_id.clone()),
            (
                "ACME_SHOPIFY_CLIENT_SECRET".into(),
                self.client_secret.clone(),
            ),
            ("ACME_SHOPIFY_BASE_URL".into(), self.url.clone()),
        ]
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn assert_no_secret(run: &Run, secret: &str) {
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the client secret in the output:\n{run:?}"
    );
}

/// The live part of a JSON attestation, validated against `docs/attestation-live.schema.json`.
fn live_json(run: &Run) -> serde_json::Value {
    let attestation: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{run:?}"));
    let live = attestation["live"].clone();
    validate(&live).unwrap_or_else(|e| panic!("the live part does not validate: {e}\n{live:#}"));
    live
}

fn validate(live: &serde_json::Value) -> Result<(), String> {
    let path = repo_root().join("docs/attestation-live.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let url = schema["$id"].as_str().unwrap().to_owned();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(&url, schema).unwrap();
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile(&url, &mut schemas).unwrap();
    schemas.validate(live, index).map_err(|e| format!("{e:#}"))
}

/// The schema is not a rubber stamp: a live part that says it held while a line differs, or
/// that was not run without saying why, does not validate.
#[test]
fn the_live_schema_refuses_a_pass_it_does_not_show() {
    let line = |outcome: &str| serde_json::json!({"item": "scopes granted", "declared": "a", "observed": "b", "outcome": outcome});
    let held = serde_json::json!({"status": "held", "command": "c", "lines": [line("held")]});
    assert_eq!(validate(&held), Ok(()));
    let lying = serde_json::json!({"status": "held", "command": "c", "lines": [line("held"), line("differs")]});
    assert!(validate(&lying).is_err());
    let unexplained = serde_json::json!({"status": "not-run", "command": "c", "lines": []});
    assert!(validate(&unexplained).is_err());
    let empty_pass = serde_json::json!({"status": "held", "command": "c", "lines": []});
    assert!(validate(&empty_pass).is_err());
    let differs_without_a_difference =
        serde_json::json!({"status": "differs", "command": "c", "lines": [line("held")]});
    assert!(validate(&differs_without_a_difference).is_err());
}

/// The line of the live part about `item`.
fn line<'a>(live: &'a serde_json::Value, item: &str) -> &'a serde_json::Value {
    live["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item"] == item)
        .unwrap_or_else(|| panic!("no line `{item}` in {live:#}"))
}

#[test]
fn the_live_attestation_shows_the_observed_scopes_and_sandbox_beside_the_declared() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let shop = StandIn::start(&ws, &[]);
    let run = ws.attest(&["--live", "--format", "json"], &shop.env());
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_no_secret(&run, &shop.client_secret);
    let live = live_json(&run);
    assert_eq!(live["status"], "held", "{live:#}");
    assert!(live.get("not_run").is_none(), "{live:#}");
    let scopes = line(&live, "scopes granted");
    assert_eq!(scopes["outcome"], "held");
    assert_eq!(
        scopes["declared"],
        "`read_orders`, `read_all_orders`, `read_customers`"
    );
    assert_eq!(
        scopes["observed"],
        "`read_orders`, `read_all_orders`, `read_customers` (`currentAppInstallation`)"
    );
    assert_eq!(line(&live, "write scopes granted")["observed"], "none");
    let token = line(&live, "token lifetime");
    assert_eq!(token["declared"], "at most 24 h");
    assert_eq!(token["outcome"], "held");
    let sandbox = line(&live, "run-time sandbox");
    assert_eq!(sandbox["outcome"], "held", "{sandbox:#}");
    assert!(
        sandbox["observed"]
            .as_str()
            .unwrap()
            .starts_with("fully enforced (Landlock ABI "),
        "{sandbox:#}"
    );
    // The kernel's refusals, the first of another client's client.toml found at run time.
    let refusals: Vec<&serde_json::Value> = live["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["item"].as_str().unwrap().starts_with("kernel refuses: "))
        .collect();
    assert_eq!(refusals.len(), 4, "{live:#}");
    assert!(refusals.iter().all(|l| l["outcome"] == "held"), "{live:#}");
    let globex = ws.root.join("clients/globex/client.toml");
    assert!(
        refusals[0]["item"]
            .as_str()
            .unwrap()
            .contains(globex.as_str()),
        "{:#}",
        refusals[0]
    );
    assert!(
        refusals[0]["observed"]
            .as_str()
            .unwrap()
            .contains("Permission denied"),
        "{:#}",
        refusals[0]
    );
    let database = line(&live, "database written");
    assert_eq!(database["outcome"], "held", "{database:#}");
    assert!(
        database["observed"]
            .as_str()
            .unwrap()
            .ends_with("/.local/share/clientwall/acme/acme.sqlite3`"),
        "{database:#}"
    );
    assert!(live["command"].as_str().unwrap().contains(
        "--manifest-path clients/acme/Cargo.toml --bin acme -- self-check --format json"
    ));

    // The same facts in Markdown and on the page.
    let md = ws.attest(&["--live"], &shop.env());
    assert_eq!(md.code, Some(0), "{md:?}");
    assert_no_secret(&md, &shop.client_secret);
    assert!(
        md.stdout.contains(
            "**Result: every rule passed, and everything observed at run time is as declared**"
        ),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains(
            "## Observed at run time\n\n**held: everything observed at run time is as declared**"
        ),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains(
            "| scopes granted | `read_orders`, `read_all_orders`, `read_customers` | `read_orders`, `read_all_orders`, `read_customers` (`currentAppInstallation`) | held |"
        ),
        "{}",
        md.stdout
    );
    let html = ws.attest(&["--live", "--format", "html"], &shop.env());
    assert_eq!(html.code, Some(0), "{html:?}");
    assert!(html.stdout.contains("<h2>Observed at run time</h2>"));
    assert!(
        html.stdout
            .contains("held: everything observed at run time is as declared")
    );
    assert!(!html.stdout.contains("DIFFERS"));
}

#[test]
fn a_write_scope_or_an_undeclared_scope_the_shop_shows_is_a_failing_line() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    for (granted, write, undeclared) in [
        (
            "read_orders,read_all_orders,read_customers,write_orders",
            "`write_orders`",
            "`write_orders`",
        ),
        (
            "read_orders,read_all_orders,read_customers,read_products",
            "none",
            "`read_products`",
        ),
    ] {
        let shop = StandIn::start(&ws, &["--installation-scopes", granted]);
        let run = ws.attest(&["--live", "--format", "json"], &shop.env());
        assert_eq!(run.code, Some(1), "{granted}: {run:?}");
        assert_no_secret(&run, &shop.client_secret);
        let attestation: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(attestation["passed"], false);
        let live = &attestation["live"];
        assert_eq!(validate(live), Ok(()), "{live:#}");
        assert_eq!(live["status"], "differs", "{live:#}");
        let writes = line(live, "write scopes granted");
        assert_eq!(writes["observed"], write, "{writes:#}");
        assert_eq!(
            writes["outcome"],
            if write == "none" { "held" } else { "differs" }
        );
        let scopes = line(live, "scopes granted");
        assert_eq!(scopes["outcome"], "differs", "{scopes:#}");
        assert!(
            scopes["observed"]
                .as_str()
                .unwrap()
                .contains(&format!("not declared: {undeclared}")),
            "{scopes:#}"
        );
        // The read-only axis rests on what was observed too.
        let read_only = attestation["axes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["axis"] == "read-only")
            .unwrap();
        assert_eq!(
            read_only["verdict"],
            if write == "none" { "met" } else { "not-met" },
            "{read_only:#}"
        );
        assert!(
            read_only["evidence"].as_array().unwrap().iter().any(|e| e
                .as_str()
                .unwrap()
                .starts_with("observed from Shopify at run time (`attest --live`): ")),
            "{read_only:#}"
        );
        // The rules still pass: the difference is the live part's alone.
        assert!(
            attestation["rules"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["passed"] == true || r["applicable"] == false)
        );
        let md = ws.attest(&["--live"], &shop.env());
        assert_eq!(md.code, Some(1), "{md:?}");
        assert!(md.stdout.contains("**Result: FAILED: what the client's binary observed at run time differs from what is declared (below)**"), "{}", md.stdout);
        assert!(
            md.stdout
                .lines()
                .any(|l| l.starts_with("| scopes granted |") && l.ends_with("| **DIFFERS** |")),
            "{}",
            md.stdout
        );
    }
}

#[test]
fn without_credentials_the_live_part_says_it_was_not_run_and_never_passes() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let run = ws.attest(&["--live", "--format", "json"], &[]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let attestation: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(attestation["passed"], false);
    let live = &attestation["live"];
    assert_eq!(validate(live), Ok(()), "{live:#}");
    assert_eq!(live["status"], "not-run", "{live:#}");
    let why = live["not_run"].as_str().unwrap();
    assert!(
        why.contains("ACME_SHOPIFY_CLIENT_ID") && why.contains("not set"),
        "{why}"
    );
    for item in ["write scopes granted", "scopes granted", "token lifetime"] {
        let l = line(live, item);
        assert_eq!(l["outcome"], "not-observed", "{l:#}");
        assert!(
            l["observed"]
                .as_str()
                .unwrap()
                .starts_with("not observed: ")
        );
    }
    let md = ws.attest(&["--live"], &[]);
    assert_eq!(md.code, Some(1), "{md:?}");
    assert!(md.stdout.contains("**Result: NOT ATTESTED at run time: every rule passed, but the live part was not run (below)**"), "{}", md.stdout);
    assert!(md.stdout.contains("**NOT RUN: "), "{}", md.stdout);
    assert!(
        !md.stdout
            .contains("everything observed at run time is as declared")
    );
}

#[test]
fn a_signed_live_attestation_verifies_with_ssh_keygen() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let shop = StandIn::start(&ws, &[]);
    let key = ws.root.join("consultant_key");
    let keygen = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "consultant@example.com",
            "-f",
        ])
        .arg(&key)
        .output()
        .expect("ssh-keygen is installed (OpenSSH's client)");
    assert!(keygen.status.success());
    let file = ws.root.join("acme-attestation.md");
    let run = ws.attest(
        &["--live", "--sign", key.as_str(), "--output", file.as_str()],
        &shop.env(),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_no_secret(&run, &shop.client_secret);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("## Observed at run time"), "{text}");
    assert!(!text.contains(&shop.client_secret));
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let fields: Vec<&str> = public.split_whitespace().take(2).collect();
    let allowed = ws.root.join("allowed_signers");
    std::fs::write(
        &allowed,
        format!(
            "consultant@example.com namespaces=\"clientwall-attest\" {}\n",
            fields.join(" ")
        ),
    )
    .unwrap();
    let verify = |path: &Utf8Path| {
        std::process::Command::new("ssh-keygen")
            .args(["-Y", "verify", "-f", allowed.as_str()])
            .args([
                "-I",
                "consultant@example.com",
                "-n",
                "clientwall-attest",
                "-s",
            ])
            .arg(format!("{file}.sig"))
            .stdin(std::fs::File::open(path).unwrap())
            .output()
            .unwrap()
    };
    let good = verify(&file);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    // A live line changed after signing does not verify.
    let changed = ws.root.join("changed.md");
    std::fs::write(&changed, text.replacen("| held |", "| DIFFERS |", 1)).unwrap();
    assert!(!verify(&changed).status.success());
}

#[test]
fn a_self_check_that_hangs_is_stopped_at_its_limit_and_nothing_is_written() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    // A "shop" on loopback that takes the connection and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(4).flatten() {
            open.push(stream);
        }
        std::thread::sleep(Duration::from_secs(60));
    });
    let secret = "hang-test-secret-9f8e7d6c5b4a";
    let env = vec![
        ("ACME_SHOPIFY_CLIENT_ID".to_owned(), "some-id".to_owned()),
        ("ACME_SHOPIFY_CLIENT_SECRET".to_owned(), secret.to_owned()),
        (
            "ACME_SHOPIFY_BASE_URL".to_owned(),
            format!("http://127.0.0.1:{port}"),
        ),
    ];
    // Built first, so the limit below is the self-check's alone.
    let warm = ws.attest(&["--live", "--format", "json"], &[]);
    assert_eq!(warm.code, Some(1), "{warm:?}");
    let mut env_limited = env.clone();
    env_limited.push(("CLIENTWALL_LIVE_TIMEOUT".to_owned(), "4".to_owned()));
    let file = ws.root.join("acme-attestation.md");
    let started = std::time::Instant::now();
    let run = ws.attest(&["--live", "--output", file.as_str()], &env_limited);
    let took = started.elapsed();
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr
            .contains("did not finish within 4 s; it was stopped"),
        "{run:?}"
    );
    assert!(run.stderr.contains("CLIENTWALL_LIVE_TIMEOUT"), "{run:?}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert!(!file.exists(), "an attestation was written");
    assert_no_secret(&run, secret);
    // A limit that is no number is refused before anything runs.
    let mut env_bad = env;
    env_bad.push(("CLIENTWALL_LIVE_TIMEOUT".to_owned(), "soon".to_owned()));
    let run = ws.attest(&["--live"], &env_bad);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("CLIENTWALL_LIVE_TIMEOUT is `soon`"),
        "{run:?}"
    );
    drop(held);
}

/// The client's own messages hold a secret (here a Shopify token in the database path it was
/// given, which it cannot build its sandbox rules from, so under `best-effort` it runs without
/// them): neither the relayed stderr nor the attestation shows it whole, and the unenforced
/// sandbox and the refusals the kernel did not make are failing lines.
#[test]
fn a_secret_in_the_clients_own_messages_is_masked_and_an_unenforced_sandbox_fails() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new();
    let shop = StandIn::start(&ws, &[]);
    let token = support::fake_shopify_token();
    let mut env = shop.env();
    env.push((
        "ACME_DATABASE_PATH".to_owned(),
        format!("relative/{token}.sqlite3"),
    ));
    let masked = "shpat_0123\u{2026} (38 characters)";
    for format in ["md", "json", "html"] {
        let run = ws.attest(&["--live", "--format", format], &env);
        assert_eq!(run.code, Some(1), "{run:?}");
        assert!(
            !run.stdout.contains(&token) && !run.stderr.contains(&token),
            "the token whole in the output:\n{run:?}"
        );
        assert_no_secret(&run, &shop.client_secret);
        // The client's own warning came through, masked.
        assert!(
            run.stderr.contains("  | warning: sandbox not enforced"),
            "{run:?}"
        );
        assert!(run.stderr.contains(masked), "{run:?}");
        if format == "json" {
            let live = live_json(&run);
            assert_eq!(live["status"], "differs", "{live:#}");
            let sandbox = line(&live, "run-time sandbox");
            assert_eq!(sandbox["outcome"], "differs");
            assert!(
                sandbox["observed"]
                    .as_str()
                    .unwrap()
                    .starts_with("not enforced"),
                "{sandbox:#}"
            );
            let refusals: Vec<_> = live["lines"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|l| l["item"].as_str().unwrap().starts_with("kernel refuses: "))
                .collect();
            assert!(!refusals.is_empty());
            assert!(
                refusals.iter().all(|l| l["outcome"] == "differs"),
                "{live:#}"
            );
            let database = line(&live, "database written");
            assert_eq!(database["outcome"], "not-observed", "{database:#}");
            assert!(
                database["observed"].as_str().unwrap().contains(masked),
                "{database:#}"
            );
        }
    }
}
