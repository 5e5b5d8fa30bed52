//! The deletion certificates stay checkable: `check` fails (`shared-database`) when a client
//! names a database a certificate says was destroyed, a changed certificate stops the check,
//! and `attest` reports on an offboarded client from its certificates.

use crate::support;

use assert_cmd::Command;
use camino::Utf8Path;
use clientwall::offboarded::{
    self, Certificate, CheckResult, CodeRemoval, DataDeletion, Removed, Revocation,
    RevocationOutcome, TableRows,
};
use clientwall::rules::RuleCode;
use support::Fixture;

/// A sealed certificate, as `offboard` writes it, for a database declared as `path` or
/// `url_env` and found at `location`.
fn certificate(
    client: &str,
    date: &str,
    path: Option<&str>,
    url_env: Option<&str>,
    location: &str,
) -> Certificate {
    let at = format!("{date}T09:30:00Z");
    let mut c = Certificate {
        format: offboarded::FORMAT.into(),
        client: client.into(),
        crate_dir: format!("clients/{client}"),
        standalone: false,
        shop: Some(format!("{client}.myshopify.com")),
        started_at: format!("{date}T09:00:00Z"),
        completed_at: at.clone(),
        clientwall_version: "0.1.0".into(),
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        commit_note: None,
        revocation: Revocation {
            outcome: RevocationOutcome::Revoked,
            at: at.clone(),
            uninstalled: true,
            token_refused: true,
            app: Some("gid://shopify/App/1".into()),
            detail: "The app uninstalled itself.".into(),
        },
        export: None,
        data: DataDeletion {
            engine: if url_env.is_some() {
                "postgres"
            } else {
                "sqlite"
            }
            .into(),
            declared_path: path.map(Into::into),
            declared_url_env: url_env.map(Into::into),
            location: location.into(),
            rows_before: vec![TableRows {
                table: "orders".into(),
                rows: 120,
            }],
            removed: vec![Removed {
                kind: "file".into(),
                name: location.into(),
            }],
            method: "overwritten and unlinked".into(),
            verified: true,
            verification: "nothing remains".into(),
            at: at.clone(),
        },
        code: CodeRemoval {
            crate_dir: format!("clients/{client}"),
            files: 20,
            manifest_edits: vec![],
            at: at.clone(),
        },
        check: CheckResult {
            ran: true,
            passed: true,
            violations: 0,
            summary: "clientwall: ok".into(),
        },
        remaining_duties: vec!["Delete backups.".into()],
        checksum_sha256: String::new(),
    };
    c.seal();
    c
}

fn write(root: &Utf8Path, c: &Certificate) {
    let dir = root.join(offboarded::DIR);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{}.json", c.stem())), offboarded::json(c)).unwrap();
    std::fs::write(
        dir.join(format!("{}.md", c.stem())),
        offboarded::markdown(c),
    )
    .unwrap();
}

/// acme and globex are back with their old data paths, hooli names umbrella's destroyed file,
/// initech is a new engagement with a database of its own.
fn workspace() -> Fixture {
    let fixture = Fixture::new("offboarded");
    let root = &fixture.root;
    write(
        root,
        &certificate(
            "acme",
            "2026-06-30",
            Some("~/.local/share/clientwall/acme/acme.sqlite3"),
            None,
            "/home/consultant/.local/share/clientwall/acme/acme.sqlite3",
        ),
    );
    write(
        root,
        &certificate(
            "globex",
            "2026-05-01",
            None,
            Some("GLOBEX_DATABASE_URL"),
            "postgres://globex@db.example.com:5432/globex",
        ),
    );
    write(
        root,
        &certificate(
            "initech",
            "2026-02-02",
            Some("~/.local/share/clientwall/initech/initech.sqlite3"),
            None,
            "/home/consultant/.local/share/clientwall/initech/initech.sqlite3",
        ),
    );
    write(
        root,
        &certificate(
            "umbrella",
            "2026-01-15",
            Some("~/.local/share/clientwall/umbrella/umbrella.sqlite3"),
            None,
            "/srv/clientwall/umbrella/umbrella.sqlite3",
        ),
    );
    fixture
}

#[test]
fn a_client_naming_a_destroyed_database_fails_shared_database() {
    let fixture = workspace();
    let report = fixture.report();
    let found: Vec<(RuleCode, &str, &str, usize)> = report
        .violations
        .iter()
        .map(|v| {
            (
                v.rule.code,
                v.client.as_str(),
                v.message.as_str(),
                v.location.line,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                RuleCode::SharedDatabase,
                "acme",
                "the offboarded client `acme` is back with its old database path `~/.local/share/clientwall/acme/acme.sqlite3`, whose data offboarded/acme-2026-06-30.json certifies destroyed on 2026-06-30",
                10
            ),
            (
                RuleCode::SharedDatabase,
                "globex",
                "the offboarded client `globex` is back with its old database URL variable `GLOBEX_DATABASE_URL`, whose data offboarded/globex-2026-05-01.json certifies destroyed on 2026-05-01",
                10
            ),
            (
                RuleCode::SharedDatabase,
                "hooli",
                "client `hooli` names the database path `/srv/clientwall/umbrella/../umbrella/umbrella.sqlite3` of the offboarded client `umbrella`, whose data offboarded/umbrella-2026-01-15.json certifies destroyed on 2026-01-15",
                10
            ),
        ]
    );
    assert!(
        report.violations[0]
            .help
            .contains("`cargo clientwall offboard acme`"),
        "{}",
        report.violations[0].help
    );

    // The clean twin: every client with a database of its own passes.
    for (client, path) in [
        ("acme", "~/.local/share/clientwall/acme-2027/acme.sqlite3"),
        ("hooli", "~/.local/share/clientwall/hooli/hooli.sqlite3"),
    ] {
        let toml = fixture.root.join(format!("clients/{client}/client.toml"));
        let text = std::fs::read_to_string(&toml).unwrap();
        let old = text.lines().last().unwrap().to_owned();
        std::fs::write(&toml, text.replace(&old, &format!("path = \"{path}\""))).unwrap();
    }
    let toml = fixture.root.join("clients/globex/client.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("GLOBEX_DATABASE_URL", "GLOBEX_2027_DATABASE_URL"),
    )
    .unwrap();
    let report = fixture.report();
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

#[test]
fn a_changed_certificate_stops_the_check() {
    let fixture = workspace();
    let path = fixture.root.join("offboarded/initech-2026-02-02.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"rows\": 120", "\"rows\": 12")).unwrap();
    let output = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .args(["check", "--manifest-path", fixture.manifest().as_str()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid deletion certificate")
            && stderr.contains("offboarded/initech-2026-02-02.json")
            && stderr.contains("does not match its content"),
        "{stderr}"
    );
}

fn attest(fixture: &Fixture, client: &str, format: &str) -> (Option<i32>, String) {
    let output = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .args([
            "attest",
            client,
            "--format",
            format,
            "--manifest-path",
            fixture.manifest().as_str(),
        ])
        .output()
        .unwrap();
    (
        output.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn attest_knows_offboarded_clients() {
    let fixture = workspace();
    // umbrella is gone, but hooli names its destroyed file: the attestation fails.
    let (code, md) = attest(&fixture, "umbrella", "md");
    assert_eq!(code, Some(1), "{md}");
    insta::assert_snapshot!("attest_offboarded_md", md);
    let (_, json) = attest(&fixture, "umbrella", "json");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["offboarded"], true);
    assert_eq!(
        json["certificates"][0]["file"],
        "offboarded/umbrella-2026-01-15.json"
    );
    assert_eq!(json["certificates"][0]["rows_destroyed"], 120);
    assert_eq!(json["destroyed_data_named_by"].as_array().unwrap().len(), 1);
    // The page says plainly that the client was offboarded: every axis not applicable, the
    // failure shown as a failure.
    let (code, html) = attest(&fixture, "umbrella", "html");
    assert_eq!(code, Some(1), "{html}");
    assert_eq!(
        html.matches("<span class=\"verdict\">not applicable</span>")
            .count(),
        4
    );
    assert!(!html.contains(">met<"), "{html}");
    assert!(html.contains("Result: FAILED: see below"), "{html}");
    assert!(
        html.contains("offboarded/umbrella-2026-01-15.json"),
        "{html}"
    );

    // With hooli on its own database, nothing of umbrella is back.
    let toml = fixture.root.join("clients/hooli/client.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace(
            "/srv/clientwall/umbrella/../umbrella/umbrella.sqlite3",
            "~/.local/share/clientwall/hooli/hooli.sqlite3",
        ),
    )
    .unwrap();
    let (code, md) = attest(&fixture, "umbrella", "md");
    assert_eq!(code, Some(0), "{md}");
    assert!(
        md.contains("**Result: nothing of the offboarded client is back**"),
        "{md}"
    );

    // A changed Markdown copy is reported.
    let md_path = fixture.root.join("offboarded/umbrella-2026-01-15.md");
    let text = std::fs::read_to_string(&md_path).unwrap();
    std::fs::write(&md_path, text.replace("120", "12")).unwrap();
    let (code, md) = attest(&fixture, "umbrella", "md");
    assert_eq!(code, Some(1), "{md}");

    // initech is a client again: its attestation cites the earlier engagement.
    let (code, md) = attest(&fixture, "initech", "md");
    assert_eq!(code, Some(0), "{md}");
    assert!(
        md.contains("## Earlier engagements")
            && md.contains(
                "Offboarded at 2026-02-02T09:30:00Z (`offboarded/initech-2026-02-02.json`"
            ),
        "{md}"
    );
    // A name that never was a client is still an error.
    let (code, out) = attest(&fixture, "nobody", "md");
    assert_eq!(code, Some(2), "{out}");
}

/// The certificate as the client reads it.
#[test]
fn certificate_markdown() {
    let mut c = certificate(
        "acme",
        "2026-06-30",
        Some("~/.local/share/clientwall/acme/acme.sqlite3"),
        None,
        "/home/consultant/.local/share/clientwall/acme/acme.sqlite3",
    );
    c.remaining_duties = vec![
        "Delete or let expire every backup and snapshot that holds the client's data.".into(),
        "Commit this removal.".into(),
    ];
    c.code.manifest_edits = vec!["removed \"clients/acme\" from `workspace.members`".into()];
    c.seal();
    insta::assert_snapshot!("certificate_md", offboarded::markdown(&c));
}

/// Every client offboarded: `check` finds no client and stops (exit 2), but the attestation
/// of an offboarded client still reads the workspace for what came back.
#[test]
fn attest_of_an_offboarded_client_when_no_client_is_left() {
    let fixture = workspace();
    std::fs::remove_dir_all(fixture.root.join("clients")).unwrap();
    std::fs::write(
        fixture.manifest(),
        "[workspace]\nresolver = \"2\"\nmembers = [\"shared/*\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(fixture.root.join("shared/util/src")).unwrap();
    std::fs::write(
        fixture.root.join("shared/util/Cargo.toml"),
        "[package]\nname = \"util\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(fixture.root.join("shared/util/src/lib.rs"), "").unwrap();
    let err = fixture.check().unwrap_err();
    assert!(
        matches!(err, clientwall::Error::NoClients { .. }),
        "{err:#}"
    );
    let (code, md) = attest(&fixture, "umbrella", "md");
    assert_eq!(code, Some(0), "{md}");
    assert!(
        md.contains("**Result: nothing of the offboarded client is back**"),
        "{md}"
    );
}

/// An offboarded client has no binary left: `--live` is refused (exit 2), never an attestation
/// that leaves the live part out without saying so.
#[test]
fn attest_live_of_an_offboarded_client_is_refused() {
    let fixture = workspace();
    let output = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .args(["attest", "umbrella", "--live", "--manifest-path"])
        .arg(fixture.manifest())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        stderr.contains("`umbrella` was offboarded: no binary of it is left to run"),
        "{stderr}"
    );
}
