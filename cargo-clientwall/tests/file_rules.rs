//! The rules beyond cargo's graph: file references, symlinks, secrets, `.env` files in git,
//! `client.toml` policy, and the incremental (pre-commit) mode.

use crate::support;

use assert_cmd::Command;
use clientwall::rules::RuleCode;
use support::{Fixture, fake_shopify_token, fake_supabase_key, git_with_path, json, locations};

fn rules_and_messages(report: &clientwall::report::Report) -> Vec<(String, String)> {
    report
        .violations
        .iter()
        .map(|v| (v.rule.code.to_string(), v.message.clone()))
        .collect()
}

fn git(dir: &camino::Utf8Path, args: &[&str]) {
    let output = git_with_path(dir, args, None);
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_form_of_file_reference_and_none_of_the_clean_twins() {
    let fixture = Fixture::new("file-refs");
    let report = fixture.report();
    let found = locations(&report);
    assert_eq!(
        found,
        [
            ("clients/acme/build.rs".to_owned(), 4),
            ("clients/acme/data/rates.csv".to_owned(), 1),
            ("clients/acme/src/lib.rs".to_owned(), 2),
            ("clients/acme/src/lib.rs".to_owned(), 5),
            ("clients/acme/src/lib.rs".to_owned(), 6),
            ("clients/acme/src/lib.rs".to_owned(), 7),
        ]
    );
    assert!(
        report
            .violations
            .iter()
            .all(|v| v.rule.code == RuleCode::CrossClientFileReference && v.client == "acme")
    );
    insta::assert_json_snapshot!("file_refs", json(&report));
}

#[test]
fn secrets_in_every_file_type_are_found_and_never_printed_whole() {
    let fixture = Fixture::new("secrets");
    let report = fixture.report();
    let found = locations(&report);
    assert_eq!(
        found,
        [
            ("clients/acme/.env".to_owned(), 1),
            ("clients/acme/config.toml".to_owned(), 2),
            ("clients/acme/deploy.yaml".to_owned(), 2),
            ("clients/acme/scripts/sync.sh".to_owned(), 2),
            ("clients/acme/src/lib.rs".to_owned(), 2),
            ("clients/acme/src/lib.rs".to_owned(), 3),
            ("clients/acme/src/lib.rs".to_owned(), 4),
        ]
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("logo.png: binary file")),
        "{:?}",
        report.notes
    );
    insta::assert_json_snapshot!("secrets", json(&report));

    let full_secrets = [
        fake_shopify_token(),
        fake_supabase_key(),
        "hunter2".to_owned(),
    ];
    for format in ["human", "json", "sarif", "github"] {
        let output = Command::cargo_bin("cargo-clientwall")
            .unwrap()
            .args([
                "check",
                "--color",
                "never",
                "--format",
                format,
                "--manifest-path",
                fixture.manifest().as_str(),
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        for secret in &full_secrets {
            assert!(
                !stdout.contains(secret.as_str()),
                "{format} output shows a whole secret"
            );
        }
    }
}

#[test]
fn client_toml_policy() {
    let fixture = Fixture::new("client-config");
    let report = fixture.report();
    let found: Vec<(String, String)> = rules_and_messages(&report);
    assert_eq!(
        found,
        [
            ("write-scope-requested", "client `acme` requests write scope `write_orders`"),
            ("write-scope-requested", "client `acme` requests unknown scope `read_everything`"),
            ("token-lifetime-too-long", "client `acme` keeps its token for 720 hours"),
            ("shared-database", "client `acme` reads its database URL from `DATABASE_URL`, which is not its own variable"),
            ("shared-database", "client `globex` shares its database path `~/.local/share/clientwall/shared.sqlite3` with `initech`"),
            (
                "shared-database",
                "client `initech` shares its database path `~/.local/share/clientwall/../clientwall/shared.sqlite3` with `globex`"
            ),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(report.violations[1].location.line, 4);
    insta::assert_json_snapshot!("client_config", json(&report));
}

/// `api-version-retiring` on `date`, for `clients` (all when empty): the fixture (kept for the
/// renderers, which read the files), the report, and `level client: message` per finding.
type ApiVersions = (Fixture, clientwall::report::Report, Vec<String>);

fn api_versions_on(date: &str, clients: &[&str]) -> ApiVersions {
    let fixture = Fixture::new("api-version");
    let report = clientwall::run(&clientwall::check::CheckOptions {
        manifest_path: Some(fixture.manifest()),
        clients: clients.iter().map(|c| (*c).to_owned()).collect(),
        today: clientwall::date::Date::parse(date).unwrap(),
        ..Default::default()
    })
    .unwrap();
    let found = report
        .violations
        .iter()
        .map(|v| {
            assert_eq!(v.rule.code, RuleCode::ApiVersionRetiring);
            assert!(v.location.file.ends_with("client.toml"));
            assert_eq!(v.location.line, 3, "{}", v.message);
            format!("{} {}: {}", v.level().as_str(), v.client, v.message)
        })
        .collect();
    (fixture, report, found)
}

/// Support ends 12 months after the version's quarter begins: `2026-01` on 2027-01-01, `2025-10`
/// on 2026-10-01. A warning from 90 days before, an error from the day itself; `2026-10` (ends
/// 2027-10-01) and a client without `api_version` are clean.
#[test]
fn api_version_retiring_warns_then_fails() {
    let (_fixture, report, found) = api_versions_on("2026-11-26", &[]);
    assert_eq!(
        found,
        [
            "error retired: client `retired` pins Shopify API version 2025-10, whose support ended on 2026-10-01",
            "warning retiring: client `retiring` pins Shopify API version 2026-01, whose support ends on 2027-01-01 (in 36 days)",
        ]
    );
    assert_eq!(report.exit_code(), 1);
    assert_eq!((report.summary.violations, report.summary.warnings), (1, 1));
    // The edges: 91 days before, 90 days before, the last day, the day support ends.
    let retiring = |date| api_versions_on(date, &["retiring"]).2;
    assert_eq!(retiring("2026-10-02"), Vec::<String>::new());
    assert_eq!(
        retiring("2026-10-03"),
        [
            "warning retiring: client `retiring` pins Shopify API version 2026-01, whose support ends on 2027-01-01 (in 90 days)"
        ]
    );
    assert_eq!(
        retiring("2026-12-31"),
        [
            "warning retiring: client `retiring` pins Shopify API version 2026-01, whose support ends on 2027-01-01 (in 1 day)"
        ]
    );
    assert_eq!(
        retiring("2027-01-01"),
        [
            "error retiring: client `retiring` pins Shopify API version 2026-01, whose support ended on 2027-01-01"
        ]
    );
    // The clean twins stay clean a day before their own warning starts.
    let (_, _, clean) = api_versions_on("2027-07-02", &["current", "unpinned"]);
    assert_eq!(clean, Vec::<String>::new());
    let (_, _, current) = api_versions_on("2027-07-03", &["current"]);
    assert_eq!(current.len(), 1, "{current:?}");
}

/// A warning alone does not fail the check, in any format; it is still reported as a warning.
#[test]
fn an_api_version_warning_alone_passes() {
    let (_fixture, report, found) = api_versions_on("2026-11-26", &["retiring"]);
    assert_eq!(found.len(), 1);
    assert!(report.passed());
    assert_eq!(report.exit_code(), 0);
    let line = report.summary.line();
    assert!(
        line.starts_with("clientwall: ok: no violations, 1 warning ("),
        "{line}"
    );
    let human = clientwall::report::human::render(&report, false);
    assert!(
        human.contains(
            "warning[api-version-retiring]: client `retiring` pins Shopify API version 2026-01"
        ),
        "{human}"
    );
    assert!(human.contains("clients/retiring/client.toml:3"), "{human}");
    let json: serde_json::Value =
        serde_json::from_str(&clientwall::report::json::render(&report)).unwrap();
    assert_eq!(json["violations"][0]["level"], "warning");
    assert_eq!(json["summary"]["violations"], 0);
    assert_eq!(json["summary"]["warnings"], 1);
    let sarif: serde_json::Value =
        serde_json::from_str(&clientwall::report::sarif::render(&report)).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["level"], "warning");
    let github = clientwall::report::github::render(&report);
    assert!(
        github.starts_with("::warning file=clients/retiring/client.toml,line=3,"),
        "{github}"
    );
}

/// A value that names no released version stops the check, naming each file and line.
#[test]
fn a_malformed_api_version_is_an_error_naming_file_and_line() {
    let err = Fixture::new("api-version-bad").check().unwrap_err();
    let clientwall::Error::Config(errors) = &err else {
        panic!("unexpected {err:?}");
    };
    let found: Vec<(String, usize)> = errors
        .problems
        .iter()
        .map(|p| (p.location.file.to_string(), p.location.line))
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    for (client, value) in [("dated", "2026-10-01"), ("monthly", "2026-02")] {
        let problem = errors
            .problems
            .iter()
            .find(|p| {
                p.location
                    .file
                    .ends_with(format!("clients/{client}/client.toml"))
            })
            .unwrap_or_else(|| panic!("{client}: {errors:?}"));
        assert_eq!(problem.location.line, 3);
        assert!(
            problem.message.contains(&format!("not `{value}`")),
            "{}",
            problem.message
        );
    }
    let run = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .args(["check", "--color", "never", "--manifest-path"])
        .arg(Fixture::new("api-version-bad").manifest())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("clients/monthly/client.toml:3"), "{stderr}");
}

#[test]
fn malformed_client_toml_is_an_error() {
    let err = Fixture::new("client-config-bad").check().unwrap_err();
    assert!(err.to_string().contains("client.toml:3"), "{err}");
    assert!(err.to_string().contains("must be an integer"), "{err}");
}

/// A misspelt key would hide what it holds from every rule (`scope` is no `scopes`): it stops
/// the check, naming each at its line with the key it reads as. The client's own binary refuses
/// the file too (`deny_unknown_fields`).
#[test]
fn misspelt_client_toml_keys_stop_the_check_naming_each() {
    let err = Fixture::new("client-toml-misspelt").check().unwrap_err();
    let text = format!("{err:#}");
    let problems: Vec<(usize, String, Option<String>)> = match &err {
        clientwall::Error::Config(problems) => problems
            .problems
            .iter()
            .map(|p| (p.location.line, p.message.clone(), p.help.clone()))
            .collect(),
        other => panic!("not a config error: {other:#}"),
    };
    let expected = [
        (4, "shopify.scope", "scopes"),
        (5, "shopify.token_lifetime_hour", "token_lifetime_hours"),
        (7, "databse", "database"),
    ]
    .map(|(line, key, best)| {
        (
            line,
            format!("unknown key `{key}` in client.toml"),
            Some(format!("did you mean `{best}`?")),
        )
    });
    assert_eq!(problems, expected, "{text}");
}

#[test]
fn client_toml_keys_spelt_right_or_misspelling_none_are_read() {
    let report = Fixture::new("client-toml-misspelt-clean").report();
    assert_eq!(report.violations.len(), 0, "{:#?}", report.violations);
}

#[test]
fn env_files_tracked_by_git() {
    let fixture = Fixture::new("secrets");
    git(&fixture.root, &["init", "-q"]);
    git(&fixture.root, &["add", "-A"]);
    git(&fixture.root, &["add", "-f", "clients/acme/.env"]);
    let report = fixture.report();
    let env: Vec<String> = report
        .violations
        .iter()
        .filter(|v| v.rule.code == RuleCode::EnvFileCommitted)
        .map(|v| v.location.relative_file(&report.root))
        .collect();
    assert_eq!(env, ["clients/acme/.env"], "globex/.env.example is fine");
}

/// A pre-commit run over a workspace in git: only staged files are scanned, and cargo is never
/// started unless a manifest is staged (`CARGO` points at a program that always fails).
#[test]
fn staged_mode_scans_only_staged_files_without_cargo() {
    let fixture = Fixture::new("file-refs");
    git(&fixture.root, &["init", "-q"]);
    let run = |args: &[&str], cargo: &str| {
        let output = Command::cargo_bin("cargo-clientwall")
            .unwrap()
            .env("CARGO", cargo)
            .current_dir(&fixture.root)
            .args(["clientwall", "check", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        (
            output.status.code().unwrap(),
            doc,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };

    // Nothing staged: clean, and cargo was not needed.
    let (code, doc, stderr) = run(&["--staged"], "false");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["summary"]["files"], 0);

    // Stage acme's lib.rs only: its four references are found, not the build script's.
    git(
        &fixture.root,
        &[
            "add",
            "clients/acme/src/lib.rs",
            "clients/globex/src/lib.rs",
        ],
    );
    let (code, doc, stderr) = run(&["--staged"], "false");
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["summary"]["violations"], 4);
    assert_eq!(doc["summary"]["files"], 2);

    // Explicit files work the same way.
    let (code, doc, _) = run(&["clients/acme/build.rs"], "false");
    assert_eq!(code, 1);
    assert_eq!(doc["violations"][0]["file"], "clients/acme/build.rs");

    // A staged manifest brings the graph rules in, and with them cargo: a failing cargo is exit 2.
    // Cargo is asked about the index (what the commit holds), so the workspace's other
    // manifests and sources are staged too, as in any repository that tracks them.
    git(&fixture.root, &["add", "-A"]);
    let (code, _, _) = run(&["--staged"], "false");
    assert_eq!(
        code, 2,
        "cargo must run when a manifest is staged, and its failure must not pass"
    );
    let (code, doc, stderr) = run(&["--staged"], env!("CARGO"));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["summary"]["workspaces"], 1);
}

#[test]
fn staged_mode_outside_git_is_an_error() {
    let fixture = Fixture::new("direct");
    let output = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .current_dir(&fixture.root)
        .env("GIT_CEILING_DIRECTORIES", fixture.root.parent().unwrap())
        .args(["check", "--staged"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs a git repository"));
}
