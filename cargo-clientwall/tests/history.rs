//! `check --history [--since REV]`: every commit's added content, read from git (never checked
//! out), each secret reported once with the commit that introduced it. The repositories are
//! built by the tests.

use crate::support;

use clientwall::rules::{RuleCode, Subject};
use std::time::Duration;
use support::{Fixture, commit_all, fake_shopify_token, git_ok, locations, run_cli, write};

/// `one-client` in a fresh git repository with one clean commit.
fn repository() -> Fixture {
    let fixture = Fixture::new("one-client");
    git_ok(&fixture.root, &["init", "-q"]);
    // cargo writes Cargo.lock: ignore it so the work tree stays as committed.
    write(&fixture.root, ".gitignore", "Cargo.lock\ntarget/\n");
    commit_all(&fixture.root, "a clean client");
    fixture
}

const LIB: &str = "clients/acme/src/lib.rs";

fn leaking_lib() -> String {
    format!(
        "//! acme\npub fn hello() {{}}\npub const TOKEN: &str = \"{}\";\n",
        fake_shopify_token()
    )
}

fn introduced(v: &clientwall::rules::Violation) -> clientwall::history::Introduced {
    match &v.subject {
        Subject::Secret {
            introduced: Some(introduced),
            ..
        } => introduced.clone(),
        other => panic!("no history origin in {other:?}"),
    }
}

#[test]
fn a_token_committed_then_deleted_is_found_with_the_commit_that_added_it() {
    let fixture = repository();
    let root = &fixture.root;
    write(root, LIB, leaking_lib());
    let leak = commit_all(root, "add the token");
    write(root, LIB, "//! acme\npub fn hello() {}\n");
    commit_all(root, "remove the token");

    assert!(fixture.report().violations.is_empty(), "clean at HEAD");
    let report = fixture.check_history(None).unwrap();
    assert_eq!(locations(&report), [(LIB.to_owned(), 3)]);
    let v = &report.violations[0];
    assert_eq!(v.rule.code, RuleCode::HardcodedSecret);
    assert_eq!(v.client, "acme");
    let origin = introduced(v);
    assert_eq!(origin.commit, leak);
    assert_eq!(origin.path, LIB);
    assert!(!origin.at_head);
    assert!(
        v.message.contains(&format!("committed in {}", &leak[..12])),
        "{}",
        v.message
    );
    assert!(v.message.contains("no longer at HEAD"), "{}", v.message);
    assert!(v.help.contains("rotate it"), "{}", v.help);
    assert!(
        v.help.contains("only if the repository is private"),
        "{}",
        v.help
    );
    assert!(!v.message.contains(&fake_shopify_token()));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("history: read 3 commits")),
        "{:?}",
        report.notes
    );
}

#[test]
fn each_secret_is_reported_once_with_its_first_commit_and_merged_with_the_work_tree() {
    let fixture = repository();
    let root = &fixture.root;
    write(
        root,
        "clients/acme/config.toml",
        format!("token = \"{}\"\n", fake_shopify_token()),
    );
    let first = commit_all(root, "first");
    write(root, LIB, leaking_lib());
    commit_all(root, "the same token again, elsewhere");
    write(
        root,
        "clients/acme/config.toml",
        "# moved to the environment\n",
    );
    commit_all(root, "half a fix");

    let report = fixture.check_history(None).unwrap();
    assert_eq!(report.violations.len(), 1, "{:#?}", report.violations);
    let v = &report.violations[0];
    // Still in the work tree: reported where it is now, with the commit that first added it.
    assert_eq!(v.location.relative_file(&report.root), LIB);
    let origin = introduced(v);
    assert_eq!(origin.commit, first);
    assert_eq!(origin.path, "clients/acme/config.toml");
    assert!(origin.at_head);
    assert!(
        v.message
            .contains(&format!("first committed in {} ", &first[..12])),
        "{}",
        v.message
    );
}

#[test]
fn allow_markers_in_history_excuse_by_commit_and_path() {
    let fixture = repository();
    let root = &fixture.root;
    let marked = format!(
        "// clientwall:allow(hardcoded-secret): fake token for the parser test\nconst T: &str = \"{}\";\n",
        fake_shopify_token()
    );
    write(root, "clients/acme/tests/parser.rs", &marked);
    commit_all(root, "a marked fake token");
    write(root, "clients/acme/tests/parser.rs", "// gone\n");
    commit_all(root, "removed");
    let report = fixture.check_history(None).unwrap();
    assert!(report.violations.is_empty(), "{:#?}", report.violations);

    // The same token later committed without a marker, at another path: that commit is the
    // one reported.
    write(
        root,
        "clients/acme/notes.txt",
        format!("{}\n", fake_shopify_token()),
    );
    let unmarked = commit_all(root, "unmarked");
    let report = fixture.check_history(None).unwrap();
    assert_eq!(report.violations.len(), 1);
    let origin = introduced(&report.violations[0]);
    assert_eq!(origin.commit, unmarked);
    assert_eq!(origin.path, "clients/acme/notes.txt");
}

#[test]
fn allow_entries_name_a_history_finding_by_commit_and_path() {
    let fixture = repository();
    let root = &fixture.root;
    write(root, LIB, leaking_lib());
    let leak = commit_all(root, "add the token");
    write(root, LIB, "//! acme\n");
    commit_all(root, "remove it");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let with_entry = |commit: &str| {
        format!(
            "{manifest}\n[[workspace.metadata.clientwall.allow]]\ncommit = \"{commit}\"\npath = \"clients/acme/src/*.rs\"\nreason = \"a revoked test token, rotated on 2026-11-01\"\n"
        )
    };
    write(root, "Cargo.toml", with_entry(&leak[..10]));
    let report = fixture.check_history(None).unwrap();
    assert!(report.violations.is_empty(), "{:#?}", report.violations);

    // Another commit: the entry excuses nothing, and a full history run calls it stale.
    write(root, "Cargo.toml", with_entry("0123456789"));
    let report = fixture.check_history(None).unwrap();
    let rules: Vec<RuleCode> = report.violations.iter().map(|v| v.rule.code).collect();
    assert_eq!(rules, [RuleCode::HardcodedSecret, RuleCode::StaleAllow]);
    assert!(
        report.violations[1]
            .message
            .contains("`allow` entry for the secret of commit `0123456789` at `clients/acme/src/*.rs` matched no finding"),
        "{}",
        report.violations[1].message
    );
    // A run without history cannot tell: the entry is not judged there.
    assert!(fixture.report().violations.is_empty());
}

#[test]
fn since_reads_only_the_newer_commits() {
    let fixture = repository();
    let root = &fixture.root;
    let base = git_ok(root, &["rev-parse", "HEAD"]);
    write(root, LIB, leaking_lib());
    let leak = commit_all(root, "add the token");
    write(root, LIB, "//! acme\n");
    commit_all(root, "remove it");
    let since_base = fixture.check_history(Some(&base)).unwrap();
    assert_eq!(since_base.violations.len(), 1);
    assert!(
        since_base
            .notes
            .iter()
            .any(|n| n.contains(&format!("read 2 commits (the commits since `{base}`)"))),
        "{:?}",
        since_base.notes
    );
    let since_leak = fixture.check_history(Some(&leak)).unwrap();
    assert!(since_leak.violations.is_empty());
    let err = fixture.check_history(Some("no-such-rev")).unwrap_err();
    assert!(
        err.to_string().contains("`no-such-rev` is not a commit"),
        "{err}"
    );
}

#[test]
fn a_large_blob_is_skipped_with_a_note_and_binary_blobs_are_counted() {
    let fixture = repository();
    let root = &fixture.root;
    // 65 MiB of text with a token at its start: larger than the scan's limit (64 MiB).
    let mut dump = format!("-- {}\n", fake_shopify_token()).into_bytes();
    let line = b"INSERT INTO orders VALUES (1, 'EUR', 1000);\n";
    while dump.len() < 65 * 1024 * 1024 {
        dump.extend_from_slice(line);
    }
    write(root, "clients/acme/dump.sql", &dump);
    write(
        root,
        "clients/acme/logo.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
    );
    let big = commit_all(root, "a dump");
    std::fs::remove_file(root.join("clients/acme/dump.sql")).unwrap();
    commit_all(root, "remove the dump");

    let report = fixture.check_history(None).unwrap();
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
    assert!(
        report.notes.iter().any(|n| n
            == &format!(
                "history: skipped `clients/acme/dump.sql` at {} ({} bytes, larger than the scan's limit of 67108864 bytes)",
                &big[..12],
                dump.len()
            )),
        "{:?}",
        report.notes
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("history: skipped 1 binary blob (e.g. `clients/acme/logo.png`")),
        "{:?}",
        report.notes
    );
}

/// A blob past 8 MiB (the first a read of a file takes) is read whole: a token at its end is
/// found, in the commit that added it.
#[test]
fn a_blob_past_8_mib_is_read_for_secrets() {
    let fixture = repository();
    let root = &fixture.root;
    let line = b"INSERT INTO orders VALUES (1, 'EUR', 1000);\n";
    let mut dump = Vec::new();
    while dump.len() < 9 * 1024 * 1024 {
        dump.extend_from_slice(line);
    }
    dump.extend_from_slice(format!("-- {}\n", fake_shopify_token()).as_bytes());
    write(root, "clients/acme/dump.sql", &dump);
    let added = commit_all(root, "a dump");
    std::fs::remove_file(root.join("clients/acme/dump.sql")).unwrap();
    commit_all(root, "remove the dump");

    let report = fixture.check_history(None).unwrap();
    let lines = dump.iter().filter(|b| **b == b'\n').count();
    assert_eq!(
        locations(&report),
        [("clients/acme/dump.sql".to_owned(), lines)]
    );
    let origin = introduced(&report.violations[0]);
    assert_eq!((origin.commit, origin.at_head), (added, false));
}

#[test]
fn history_needs_the_whole_history_or_a_since() {
    let fixture = repository();
    let root = &fixture.root;
    write(root, LIB, leaking_lib());
    commit_all(root, "add the token");
    // A shallow clone has only its last commit: the whole history cannot be read.
    let clone = tempfile::tempdir().unwrap();
    let clone_root = camino::Utf8Path::from_path(clone.path())
        .unwrap()
        .join("ws");
    git_ok(
        root,
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &format!("file://{root}"),
            clone_root.as_str(),
        ],
    );
    let run = run_cli(
        &clone_root,
        &["check", "--history"],
        Duration::from_secs(120),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("shallow clone"), "{}", run.stderr);
    let run = run_cli(
        &clone_root,
        &["check", "--history", "--since", "HEAD"],
        Duration::from_secs(120),
    );
    assert_eq!(
        run.code,
        Some(1),
        "the token is in the work tree: {}",
        run.stderr
    );

    // Outside git there is no history at all.
    let plain = Fixture::new("one-client");
    let run = run_cli(
        &plain.root,
        &["check", "--history"],
        Duration::from_secs(120),
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("--history needs a git repository"),
        "{}",
        run.stderr
    );
    // --since needs --history; --history does not combine with --staged.
    for args in [
        &["check", "--since", "HEAD"][..],
        &["check", "--history", "--staged"],
    ] {
        let run = run_cli(&plain.root, args, Duration::from_secs(60));
        assert_eq!(run.code, Some(2), "{args:?}");
    }
}

#[test]
fn a_shared_crate_secret_in_history_names_the_clients_that_compiled_it() {
    let fixture = Fixture::new("shared-secrets");
    let root = &fixture.root;
    git_ok(root, &["init", "-q"]);
    write(root, ".gitignore", "Cargo.lock\n");
    // The workflow's header gets a value of its own: the same token twice would be one secret.
    let header = format!("X-Shopify-Access-{}: 9f8e7d6c5b4a3f2e1d0c", "Token");
    write(
        root,
        ".github/workflows/sync.yml",
        format!("# curl -H \"{header}\"\n"),
    );
    commit_all(root, "with the leaks");
    for file in [
        "shared/shared-utils/src/lib.rs",
        "scripts/deploy.sh",
        "docs/setup.md",
        ".github/workflows/sync.yml",
    ] {
        write(root, file, "// removed\n");
    }
    commit_all(root, "remove them");
    let report = fixture.check_history(None).unwrap();
    assert_eq!(report.violations.len(), 4);
    let shared = report
        .violations
        .iter()
        .find(|v| v.location.relative_file(&report.root) == "shared/shared-utils/src/lib.rs")
        .unwrap();
    assert_eq!(shared.client, "(shared)");
    assert!(
        shared.message.contains(
            "(in crate `shared-utils`, compiled by clients `acme`, `globex`); no longer at HEAD"
        ),
        "{}",
        shared.message
    );
}

/// The inputs (`with:`) of every step of the example workflow that uses the clientwall action.
fn action_steps(workflow: &str) -> Vec<Vec<(String, String)>> {
    let lines: Vec<&str> = workflow.lines().collect();
    let mut steps = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line
            .trim_start()
            .starts_with("uses: clientwall/clientwall@")
        {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let mut inputs = Vec::new();
        let mut in_with = false;
        for next in &lines[i + 1..] {
            let depth = next.len() - next.trim_start().len();
            if next.trim().is_empty() || depth < indent || next.trim_start().starts_with("- ") {
                break;
            }
            if depth == indent {
                in_with = next.trim() == "with:";
                continue;
            }
            if in_with && let Some((key, value)) = next.trim().split_once(':') {
                let value = value.split(" #").next().unwrap().trim().trim_matches('"');
                inputs.push((key.trim().to_owned(), value.to_owned()));
            }
        }
        steps.push(inputs);
    }
    steps
}

/// The example workflow's history steps, run as written through the action's own check step
/// (`action/check.sh`, with the pull-request job's merge base computed by git as the job does):
/// they read the history, and fail on a token committed and deleted inside the pull request.
#[test]
fn the_example_workflow_reads_the_history_of_pull_requests_and_all_of_it_on_schedule() {
    let workflow =
        std::fs::read_to_string(support::repo_root().join("examples/ci/clientwall.yml")).unwrap();
    let history: Vec<Vec<(String, String)>> = action_steps(&workflow)
        .into_iter()
        .filter(|inputs| inputs.iter().any(|(k, v)| k == "history" && v == "true"))
        .collect();
    let since = |inputs: &Vec<(String, String)>| inputs.iter().any(|(k, _)| k == "since");
    assert!(history.iter().any(since), "{workflow}");
    assert!(history.iter().any(|i| !since(i)), "{workflow}");
    assert!(
        workflow
            .contains("run: echo \"rev=$(git merge-base \"$BASE\" HEAD)\" >> \"$GITHUB_OUTPUT\""),
        "the pull-request job computes the merge base it reads from"
    );

    let fixture = repository();
    let root = &fixture.root;
    let base = git_ok(root, &["rev-parse", "HEAD"]);
    git_ok(root, &["checkout", "-q", "-b", "pull-request"]);
    write(root, LIB, leaking_lib());
    commit_all(root, "add the token");
    write(root, LIB, "//! acme\n");
    commit_all(root, "remove it");
    let merge_base = git_ok(root, &["merge-base", &base, "HEAD"]);
    let binary = assert_cmd::cargo::cargo_bin("cargo-clientwall");
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for inputs in history {
        let runner_temp = tempfile::tempdir().unwrap();
        let outputs = runner_temp.path().join("outputs");
        let mut step = std::process::Command::new("bash");
        step.arg(support::repo_root().join("action/check.sh"))
            .current_dir(root)
            .env("PATH", &path)
            .env("GITHUB_OUTPUT", &outputs)
            .env("RUNNER_TEMP", runner_temp.path())
            .env_remove("GITHUB_STEP_SUMMARY")
            .env("CLIENTWALL_MANIFEST_PATH", fixture.manifest());
        for (key, value) in &inputs {
            let value = value.replace("${{ steps.base.outputs.rev }}", &merge_base);
            step.env(
                format!("CLIENTWALL_{}", key.to_uppercase().replace('-', "_")),
                value,
            );
        }
        let output = step.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let outputs = std::fs::read_to_string(&outputs).unwrap_or_default();
        assert!(
            output.status.success(),
            "{inputs:?}: the step itself never fails"
        );
        assert!(
            outputs.lines().any(|l| l == "exit-code=1"),
            "{inputs:?}: {outputs}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("committed in"), "{inputs:?}: {stdout}");
        if inputs
            .iter()
            .any(|(k, v)| k == "upload-sarif" && v == "true")
        {
            assert!(
                outputs
                    .lines()
                    .any(|l| l == "sarif-category=clientwall-history"),
                "{outputs}"
            );
        }
    }
}

#[test]
fn the_attestation_states_the_secrets_that_touch_the_client_now_and_in_history() {
    let fixture = Fixture::new("shared-secrets");
    let root = &fixture.root;
    git_ok(root, &["init", "-q"]);
    write(root, ".gitignore", "Cargo.lock\n");
    let header = format!("X-Shopify-Access-{}: 9f8e7d6c5b4a3f2e1d0c", "Token");
    write(
        root,
        ".github/workflows/sync.yml",
        format!("# curl -H \"{header}\"\n"),
    );
    commit_all(root, "with the leaks");
    write(root, "shared/shared-utils/src/lib.rs", "//! now clean\n");
    commit_all(root, "shared-utils reads its token from the environment");
    // Now: acme's own file holds a URL with a password.
    write(
        root,
        "clients/acme/deploy.yaml",
        "DATABASE_URL: postgres://acme:hunter2@db.internal/acme\n",
    );

    let acme = clientwall::attest::attest(Some(fixture.manifest()), "acme").unwrap();
    assert!(acme.secrets.history_read);
    assert_eq!(acme.secrets.current.len(), 1, "{:?}", acme.secrets);
    assert!(acme.secrets.current[0].contains("clients/acme/deploy.yaml"));
    assert_eq!(acme.secrets.historical.len(), 1, "{:?}", acme.secrets);
    assert!(
        acme.secrets.historical[0]
            .contains("in crate `shared-utils`, compiled by clients `acme`, `globex`"),
        "{:?}",
        acme.secrets.historical
    );
    let markdown = clientwall::attest::markdown(&acme);
    assert!(
        markdown.contains(
            "- None in the git history either (2 commits, every commit reachable from HEAD): **no**"
        ),
        "{markdown}"
    );
    assert!(!markdown.contains("hunter2") && !markdown.contains(&fake_shopify_token()));

    // initech compiles neither: nothing touches it, now or in the history.
    let initech = clientwall::attest::attest(Some(fixture.manifest()), "initech").unwrap();
    assert!(initech.secrets.current.is_empty() && initech.secrets.historical.is_empty());
    assert!(clientwall::attest::markdown(&initech).contains(
        "- None in the git history either (2 commits, every commit reachable from HEAD): yes"
    ));
}

/// A secret of the history concerns every client that ever carried it, wherever it is now.
#[test]
fn a_secret_concerns_every_client_that_ever_carried_it() {
    let fixture = Fixture::new("shared-secrets");
    let root = &fixture.root;
    git_ok(root, &["init", "-q"]);
    write(root, ".gitignore", "Cargo.lock\n");
    commit_all(
        root,
        "shared-utils holds the token (and so do acme and globex)",
    );
    // The token moves out of the crate into a root script: no crate holds it now.
    write(root, "shared/shared-utils/src/lib.rs", "//! clean\n");
    write(
        root,
        "scripts/token.txt",
        format!("{}\n", fake_shopify_token()),
    );
    commit_all(root, "moved");
    let for_acme = clientwall::run(&clientwall::CheckOptions {
        manifest_path: Some(fixture.manifest()),
        clients: vec!["acme".to_owned()],
        history: Some(clientwall::history::Range::All),
        ..Default::default()
    })
    .unwrap();
    let token = for_acme
        .violations
        .iter()
        .find(|v| v.location.relative_file(&for_acme.root) == "scripts/token.txt")
        .expect("the moved token concerns acme, which compiled it");
    assert!(
        token.message.contains("(history has it at 2 other paths)"),
        "{}",
        token.message
    );
}
