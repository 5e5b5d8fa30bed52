//! The canary: one recognisable fake secret planted in every place a secret can reach the
//! tool's output (a client's file, a line a diagnostic quotes, a `client.toml` valid and
//! invalid, a `url_env`, a role value an error quotes, a git URL in a manifest that makes cargo
//! fail, a shared crate, the history, a line rustc quotes in a warning), and every command and
//! format run on it, `--message-format json` and `flycheck` (cargo's own messages passed
//! through) included. The secret must never appear whole, on stdout or stderr.

use crate::support;

use std::time::Duration;
use support::{Fixture, commit_all, fake_shopify_token, git_ok, run_cli, write};

/// The password half of the canary (a URL's password has no shape of its own).
const PASSWORD: &str = "CanaryPw-7f3a9";

fn url() -> String {
    format!("postgres://app:{PASSWORD}@db.internal:5432/acme")
}

fn assert_no_canary(what: &str, run: &support::Run) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for secret in [fake_shopify_token(), PASSWORD.to_owned()] {
            assert!(
                !text.contains(&secret),
                "{what}: {stream} shows the secret whole:\n{text}"
            );
        }
    }
}

/// Every format of `check` (and `extra` args), then `graph` and `attest`.
fn every_output(root: &camino::Utf8Path, extra: &[&str], expect: Option<i32>) -> usize {
    let mut runs = 0;
    let limit = Duration::from_secs(180);
    for format in ["human", "json", "sarif", "github"] {
        for color in ["never", "always"] {
            let mut args = vec!["check", "--format", format, "--color", color];
            args.extend_from_slice(extra);
            let run = run_cli(root, &args, limit);
            if let Some(code) = expect {
                assert_eq!(run.code, Some(code), "{args:?}: {}", run.stderr);
            }
            assert_no_canary(&format!("{args:?}"), &run);
            runs += 1;
        }
    }
    for message_format in ["json", "json-diagnostic-rendered-ansi"] {
        let mut args = vec!["check", "--message-format", message_format];
        args.extend_from_slice(extra);
        let run = run_cli(root, &args, limit);
        if let Some(code) = expect {
            assert_eq!(run.code, Some(code), "{args:?}: {}", run.stderr);
        }
        assert_no_canary(&format!("{args:?}"), &run);
        runs += 1;
    }
    for args in [
        &["graph", "--format", "dot"][..],
        &["graph", "--format", "mermaid"],
        &["attest", "acme", "--format", "md"],
        &["attest", "acme", "--format", "json"],
        &["attest", "acme", "--format", "html"],
        &["graph", "--format", "svg"],
    ] {
        let run = run_cli(root, args, limit);
        assert_no_canary(&format!("{args:?}"), &run);
        runs += 1;
    }
    runs
}

#[test]
fn a_canary_secret_never_appears_whole_in_any_output() {
    let fixture = Fixture::new("shared-secrets");
    let root = &fixture.root;
    let token = fake_shopify_token();
    // A client's files, including a line a diagnostic quotes (a dependency on another client).
    write(
        root,
        "clients/acme/Cargo.toml",
        format!(
            "[package]\nname = \"acme\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nglobex = {{ path = \"../globex\" }} # {token} {}\n",
            url()
        ),
    );
    // rustc warns about the unused constant, quoting its line: flycheck passes that through.
    write(
        root,
        "clients/acme/src/lib.rs",
        format!("pub const T: &str = \"{token}\";\nconst UNUSED: &str = \"{token}\";\n"),
    );
    write(
        root,
        "clients/acme/deploy.yaml",
        format!("env:\n  DATABASE_URL: \"{}\"\n", url()),
    );
    // A client.toml whose url_env holds a URL: shared-database quotes it.
    write(
        root,
        "clients/acme/client.toml",
        format!(
            "[shopify]\nshop = \"acme.myshopify.com\"\nscopes = [\"read_orders\"]\ntoken_lifetime_hours = 24\n\n[database]\nkind = \"postgres\"\nurl_env = \"{}\"\n",
            url()
        ),
    );
    // The history: a token committed, then deleted.
    git_ok(root, &["init", "-q"]);
    write(root, ".gitignore", "Cargo.lock\n");
    write(
        root,
        "clients/globex/src/old.rs",
        format!("const OLD: &str = \"{token}\";\n"),
    );
    commit_all(root, "everything");
    std::fs::remove_file(root.join("clients/globex/src/old.rs")).unwrap();
    commit_all(root, "delete the old token");

    let runs = every_output(root, &[], Some(1)) + every_output(root, &["--history"], Some(1));
    assert_eq!(runs, 32);
    // flycheck: cargo check's messages (the warning quoting the token), then the check's.
    for message_format in ["json", "json-diagnostic-rendered-ansi"] {
        let args = ["flycheck", "--message-format", message_format];
        let run = run_cli(root, &args, Duration::from_secs(300));
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
        assert!(
            run.stdout.contains("constant `UNUSED` is never used"),
            "{args:?}: cargo's warning is passed through: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains("clientwall::hardcoded-secret"),
            "{}",
            run.stdout
        );
        assert_no_canary(&format!("{args:?}"), &run);
    }
    // The findings are there, redacted.
    let run = run_cli(
        root,
        &["check", "--history", "--format", "json"],
        Duration::from_secs(180),
    );
    assert!(
        run.stdout.contains("shpat_0123… (38 characters)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("postgres://app:****@"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("committed in"), "{}", run.stdout);
}

#[test]
fn errors_quoting_a_secret_never_show_it_whole() {
    let token = fake_shopify_token();
    // A client.toml that does not parse: the parser's message quotes the line.
    let invalid_client_toml = Fixture::new("one-client");
    write(
        &invalid_client_toml.root,
        "clients/acme/client.toml",
        format!("[shopify]\nscopes = [\"read_orders\"] token = \"{token}\"\n"),
    );
    // A role value the error quotes.
    let bad_role = Fixture::new("one-client");
    write(
        &bad_role.root,
        "clients/acme/Cargo.toml",
        format!(
            "[package]\nname = \"acme\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.clientwall]\nrole = \"{token}\"\n"
        ),
    );
    // A root manifest that does not parse, on the line with the secret.
    let bad_root = Fixture::new("one-client");
    write(
        &bad_root.root,
        "Cargo.toml",
        format!("[workspace]\nmembers = [\"clients/*\"\n# {token}\n"),
    );
    // A git URL with a password: cargo fails to fetch it and quotes the URL in its stderr.
    let git_url = Fixture::new("one-client");
    write(
        &git_url.root,
        "clients/acme/Cargo.toml",
        format!(
            "[package]\nname = \"acme\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nglobex = {{ git = \"https://deploy:{PASSWORD}@127.0.0.1:9/globex.git\" }}\n"
        ),
    );
    for (name, fixture, quoted) in [
        ("invalid client.toml", &invalid_client_toml, "client.toml"),
        ("bad role", &bad_role, "unknown role"),
        ("bad root manifest", &bad_root, "Cargo.toml"),
        ("git URL", &git_url, "127.0.0.1:9/globex.git"),
    ] {
        for format in ["human", "json", "sarif", "github"] {
            let run = run_cli(
                &fixture.root,
                &["check", "--format", format],
                Duration::from_secs(180),
            );
            assert_eq!(run.code, Some(2), "{name}: {}", run.stderr);
            assert!(run.stderr.contains(quoted), "{name}: {}", run.stderr);
            assert_no_canary(name, &run);
        }
    }
}
