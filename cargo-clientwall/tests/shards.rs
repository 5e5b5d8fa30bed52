//! `--shard K/N` and `--client` do only their share of the work, and the N shards together are
//! exactly the full run: every finding in exactly one shard, every file scanned once (the files
//! outside every client by the first shard).

use crate::support;

use clientwall::check::{CheckOptions, Shard};
use clientwall::date::Date;
use clientwall::report::Report;
use support::Fixture;

fn run(fixture: &Fixture, clients: &[&str], shard: Option<Shard>) -> Report {
    clientwall::run(&CheckOptions {
        manifest_path: Some(fixture.manifest()),
        clients: clients.iter().map(|c| (*c).to_owned()).collect(),
        shard,
        today: Date::parse("2026-11-26").unwrap(),
        ..CheckOptions::default()
    })
    .unwrap_or_else(|e| panic!("check failed: {e:#}"))
}

/// Each violation as its JSON object, sorted: the union of shards must equal this exactly.
fn violations(report: &Report) -> Vec<String> {
    let json = support::json(report);
    let mut all: Vec<String> = json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    all.sort();
    all
}

#[test]
fn the_union_of_the_shards_is_the_full_run() {
    for name in ["violations", "clean"] {
        let fixture = Fixture::example(name);
        union_equals_full(&fixture, name);
    }
    // `shared-secrets`: a secret in a shared crate compiled by clients of different shards,
    // and secrets outside every crate; `shared-include`: a shared crate pulling in a client's
    // file.
    for name in [
        "secrets",
        "client-config",
        "file-refs",
        "allow",
        "transitive",
        "shared-secrets",
        "shared-include",
    ] {
        let fixture = Fixture::new(name);
        union_equals_full(&fixture, name);
    }
}

/// `template-drift` reads only the selected clients' records and files: each drifted locked
/// file is reported by exactly one shard.
#[test]
fn template_drift_is_sharded_like_every_finding() {
    let fixture = Fixture::example("consultancy");
    std::fs::copy(
        support::repo_root().join("examples/consultancy/Cargo.lock"),
        fixture.root.join("Cargo.lock"),
    )
    .unwrap();
    for (client, file, from, to) in [
        ("acme", "src/connect.rs", "0o600", "0o644"),
        (
            "globex",
            "src/scopes.rs",
            ".filter(|s| !s.starts_with(\"read_\"))",
            ".filter(|s| s.starts_with(\"write_orders\"))",
        ),
    ] {
        let path = fixture.root.join("clients").join(client).join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{path}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    let full = run(&fixture, &[], None);
    let drifted: Vec<(&str, String)> = full
        .violations
        .iter()
        .map(|v| (v.rule.code.as_str(), v.client.clone()))
        .collect();
    assert_eq!(
        drifted,
        [
            ("template-drift", "acme".to_owned()),
            ("template-drift", "globex".to_owned())
        ]
    );
    union_equals_full(&fixture, "consultancy");
}

fn union_equals_full(fixture: &Fixture, name: &str) {
    // cargo writes the fixture's Cargo.lock during the first run; count files once it is there.
    run(fixture, &[], None);
    let full = run(fixture, &[], None);
    let expected = violations(&full);
    for count in 1..=4 {
        let mut union = Vec::new();
        let mut files = 0;
        let mut clients = 0;
        for index in 1..=count {
            let shard = Shard { index, count };
            let report = run(fixture, &[], Some(shard));
            let share = report
                .summary
                .share
                .clone()
                .expect("a shard run has a share");
            assert_eq!(share.total, full.summary.clients, "{name} {shard}");
            assert_eq!(share.shard.as_deref(), Some(shard.to_string().as_str()));
            assert!(
                report
                    .summary
                    .line()
                    .contains(&format!("{} of {} client", share.checked, share.total)),
                "{}",
                report.summary.line()
            );
            clients += share.checked;
            files += report.summary.files;
            union.extend(violations(&report));
        }
        union.sort();
        assert_eq!(
            union, expected,
            "{name}: the {count} shards differ from the full run"
        );
        assert_eq!(clients, full.summary.clients, "{name}: {count} shards");
        assert_eq!(
            files, full.summary.files,
            "{name}: {count} shards scanned other files than the full run"
        );
    }
}

/// The clients a violation concerns: its client, and for a secret or a shared crate's pull
/// outside the clients, the clients that compile it.
fn concerns(v: &clientwall::rules::Violation, client: &str) -> bool {
    use clientwall::rules::Subject;
    v.client == client
        || match &v.subject {
            Subject::Secret { exposed_to, .. } => exposed_to.iter().any(|c| c == client),
            Subject::PulledIntoShared { compiled_by, .. } => {
                compiled_by.iter().any(|c| c == client)
            }
            _ => false,
        }
}

#[test]
fn a_client_run_scans_only_that_clients_files_and_those_outside_every_client() {
    let fixture = Fixture::example("violations");
    // cargo writes the fixture's Cargo.lock during the first run; count files once it is there.
    run(&fixture, &[], None);
    let full = run(&fixture, &[], None);
    let acme = run(&fixture, &["acme"], None);
    let globex = run(&fixture, &["globex"], None);
    let initech = run(&fixture, &["initech"], None);
    let others = run(&fixture, &["globex", "initech"], None);
    // Each run reads its clients' files and, once, the files outside every client.
    let outside = acme.summary.files + others.summary.files - full.summary.files;
    assert!(outside > 0, "the root manifest at least");
    assert!(acme.summary.files > outside);
    assert_eq!(
        acme.summary.files + globex.summary.files + initech.summary.files,
        full.summary.files + 2 * outside
    );
    assert!(acme.violations.iter().all(|v| concerns(v, "acme")));
    let share = acme.summary.share.clone().unwrap();
    assert_eq!((share.checked, share.total), (1, 3));
    assert!(
        acme.summary.line().contains("1 of 3 clients checked"),
        "{}",
        acme.summary.line()
    );
    // --client and --shard together: the named clients that fall in the shard.
    let both = run(
        &fixture,
        &["acme", "globex"],
        Some(Shard { index: 1, count: 2 }),
    );
    let share = both.summary.share.clone().unwrap();
    assert_eq!(
        share.checked, 1,
        "acme is in shard 1/2 of acme, globex, initech"
    );
}

#[test]
fn shard_syntax_is_checked() {
    for bad in ["0/2", "3/2", "1/0", "a/b", "2", "1/2/3"] {
        let output = assert_cmd::Command::cargo_bin("cargo-clientwall")
            .unwrap()
            .args(["clientwall", "check", "--shard", bad])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--shard"), "{bad}: {stderr}");
    }
}

/// A secret in a shared crate concerns every client that compiles it: a `--client` run for any
/// of them reports it, a run for a client that does not compile it does not, and of the shards
/// only the first reports it.
#[test]
fn a_shared_secret_belongs_to_the_clients_that_compile_it_and_to_the_first_shard() {
    let fixture = Fixture::new("shared-secrets");
    let shared = |report: &Report| {
        report
            .violations
            .iter()
            .filter(|v| v.message.contains("in crate `shared-utils`"))
            .count()
    };
    let full = run(&fixture, &[], None);
    assert_eq!(shared(&full), 1, "{:#?}", full.violations);
    assert_eq!(shared(&run(&fixture, &["acme"], None)), 1);
    assert_eq!(
        shared(&run(&fixture, &["globex"], None)),
        1,
        "its dev-dependency"
    );
    assert_eq!(shared(&run(&fixture, &["initech"], None)), 0);
    // acme is in shard 1/2, globex in 2/2: the first shard has it, the second does not.
    let first = run(&fixture, &[], Some(Shard { index: 1, count: 2 }));
    let second = run(&fixture, &[], Some(Shard { index: 2, count: 2 }));
    assert_eq!((shared(&first), shared(&second)), (1, 0));
    // A secret outside every crate concerns no client: the first shard, and no --client run.
    let nowhere = |report: &Report| {
        report
            .violations
            .iter()
            .filter(|v| v.message.contains("outside every client and crate"))
            .count()
    };
    assert!(nowhere(&full) > 0, "{:#?}", full.violations);
    assert_eq!(nowhere(&first), nowhere(&full));
    assert_eq!(nowhere(&second), 0);
    assert_eq!(nowhere(&run(&fixture, &["acme"], None)), 0);
}
