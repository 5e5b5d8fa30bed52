//! The dependency-graph rules on fixture workspaces, through real `cargo metadata`: one fixture
//! per way cargo can wire a dependency, and clean twins.

use crate::support;

use support::{Fixture, findings, json};

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Check a fixture, compare its findings, and snapshot its JSON report.
fn assert_fixture(name: &str, expected: &[(&str, &str)]) -> (Fixture, clientwall::report::Report) {
    let fixture = Fixture::new(name);
    let report = fixture.report();
    assert_eq!(findings(&report), pairs(expected), "fixture {name}");
    let expected_exit = if expected.is_empty() { 0 } else { 1 };
    assert_eq!(report.exit_code(), expected_exit);
    insta::assert_json_snapshot!(name.replace('/', "__"), json(&report));
    (fixture, report)
}

#[test]
fn shared_crates_used_by_many_clients_are_clean() {
    let (_fixture, report) = assert_fixture("clean-shared", &[]);
    assert_eq!(report.summary.clients, 3);
}

#[test]
fn prefix_similar_names_are_distinct_clients() {
    let (_fixture, report) = assert_fixture("prefix-names", &[]);
    assert_eq!(report.summary.clients, 2);
}

#[test]
fn direct_normal_dependency() {
    let (_fixture, report) = assert_fixture(
        "direct",
        &[("client-depends-on-client", "acme -> globex (normal)")],
    );
    let v = &report.violations[0];
    assert_eq!(v.client, "acme");
    assert_eq!(
        v.location.relative_file(&report.root),
        "clients/acme/Cargo.toml"
    );
    assert_eq!(v.location.line, 8);
}

#[test]
fn dev_dependency() {
    assert_fixture(
        "dev-dep",
        &[("client-depends-on-client", "acme -> globex (dev)")],
    );
}

#[test]
fn build_dependency() {
    assert_fixture(
        "build-dep",
        &[("client-depends-on-client", "acme -> globex (build)")],
    );
}

#[test]
fn target_specific_dependency() {
    let (_fixture, report) = assert_fixture(
        "target-specific",
        &[(
            "client-depends-on-client",
            "acme -> globex (normal, cfg(unix))",
        )],
    );
    assert_eq!(report.violations[0].location.line, 8);
}

#[test]
fn optional_dependency_counts_whatever_features_are_on() {
    assert_fixture(
        "optional",
        &[("client-depends-on-client", "acme -> globex (normal)")],
    );
}

#[test]
fn renamed_dependency_points_at_the_renamed_key() {
    let (_fixture, report) = assert_fixture(
        "renamed",
        &[("client-depends-on-client", "acme -> globex (normal)")],
    );
    let v = &report.violations[0];
    let text = std::fs::read_to_string(&v.location.file).unwrap();
    assert_eq!(&text[v.location.span.clone()], "not-globex");
}

#[test]
fn workspace_inherited_dependency() {
    assert_fixture(
        "workspace-inherited",
        &[("client-depends-on-client", "acme -> globex (normal)")],
    );
}

#[test]
fn transitive_through_shared_crates_reports_every_hop() {
    let (_fixture, report) = assert_fixture(
        "transitive",
        &[
            (
                "client-depends-on-client",
                "acme -> shared-report (normal) -> shared-format (normal) -> globex (normal)",
            ),
            (
                "shared-depends-on-client",
                "shared-format -> globex (normal)",
            ),
        ],
    );
    let hops: Vec<(String, usize)> = report.violations[0]
        .path
        .iter()
        .skip(1)
        .map(|h| {
            let l = h.location.as_ref().unwrap();
            (l.relative_file(&report.root), l.line)
        })
        .collect();
    assert_eq!(
        hops,
        [
            ("clients/acme/Cargo.toml".to_owned(), 8),
            ("shared/report/Cargo.toml".to_owned(), 8),
            ("shared/format/Cargo.toml".to_owned(), 8),
        ]
    );
}

#[test]
fn path_dependency_that_leaves_the_workspace() {
    let fixture = Fixture::new("path-outside");
    let report = fixture.check_at("ws/Cargo.toml").unwrap();
    assert_eq!(
        findings(&report),
        pairs(&[
            (
                "client-depends-on-client",
                "acme -> bridge (normal) -> globex (normal)"
            ),
            ("shared-depends-on-client", "bridge -> globex (normal)"),
        ])
    );
}

#[test]
fn credential_helpers_by_name_glob_and_by_marker() {
    assert_fixture(
        "credential-helper",
        &[
            (
                "client-reaches-credential-helper",
                "acme -> agency-credentials (normal)",
            ),
            (
                "client-reaches-credential-helper",
                "globex -> shared-sync (normal) -> vault (normal)",
            ),
        ],
    );
}

#[test]
fn role_marker_wins_over_globs() {
    let (_fixture, report) = assert_fixture(
        "role-marker",
        &[(
            "shared-depends-on-client",
            "shared-report -> oldco (normal)",
        )],
    );
    assert_eq!(report.violations[0].client, "oldco");
    assert_eq!(
        report.summary.clients, 2,
        "acme and the marked oldco; client-tools is shared"
    );
    // Allowed, the override is still shown: in every client's attestation and on the map.
    let shown = "`client-tools` (`clients/tools`) declares itself `shared`: allowed by the policy";
    let (attestation, dot, mermaid) = attest_and_map(&_fixture);
    assert!(attestation.contains(shown), "{attestation}");
    assert!(dot.contains(shown), "{dot}");
    assert!(
        mermaid.contains("role override: `client-tools`"),
        "{mermaid}"
    );
}

/// The attestation of `acme` (Markdown) and the map (DOT, Mermaid) of a fixture.
fn attest_and_map(fixture: &Fixture) -> (String, String, String) {
    let attestation = clientwall::attest::attest(Some(fixture.manifest()), "acme").unwrap();
    let checked = clientwall::check::run_detailed(&clientwall::CheckOptions {
        manifest_path: Some(fixture.manifest()),
        ..Default::default()
    })
    .unwrap();
    (
        clientwall::attest::markdown(&attestation),
        clientwall::map::dot(&checked, None).unwrap(),
        clientwall::map::mermaid(&checked, None).unwrap(),
    )
}

/// The breach twin of `role-marker`: without the root policy's `allow` entry, a crate under a
/// client glob that declares itself shared (or a credential helper) is a finding.
#[test]
fn role_override_without_an_allow_entry_is_a_finding() {
    let fixture = Fixture::new("role-marker");
    let manifest = fixture.manifest();
    let text = std::fs::read_to_string(&manifest).unwrap();
    let policy = text
        .split("\n[[workspace.metadata.clientwall.allow]]")
        .next()
        .unwrap();
    std::fs::write(&manifest, policy).unwrap();
    let report = fixture.report();
    let overrides: Vec<_> = report
        .violations
        .iter()
        .filter(|v| v.rule.code.as_str() == "role-override")
        .collect();
    let [finding] = overrides.as_slice() else {
        panic!("one role-override: {:?}", findings(&report));
    };
    assert_eq!(finding.client, "client-tools");
    assert_eq!(
        finding.location.relative_file(&report.root),
        "clients/tools/Cargo.toml"
    );
    assert_eq!(finding.location.line, 8);
    assert!(
        finding.message.contains("declares it `shared`"),
        "{}",
        finding.message
    );
    let (attestation, dot, _) = attest_and_map(&fixture);
    let shown = "`client-tools` (`clients/tools`) declares itself `shared`: not allowed";
    assert!(attestation.contains(shown), "{attestation}");
    assert!(dot.contains(shown), "{dot}");
    assert_eq!(report.exit_code(), 1);

    // A credential-helper marker is an override too; the entry must name the role declared.
    let tools = fixture.root.join("clients/tools/Cargo.toml");
    let marked = std::fs::read_to_string(&tools)
        .unwrap()
        .replace("role = \"shared\"", "role = \"credential-helper\"");
    std::fs::write(&tools, marked).unwrap();
    std::fs::write(&manifest, &text).unwrap();
    let report = fixture.report();
    let codes: Vec<&str> = report
        .violations
        .iter()
        .map(|v| v.rule.code.as_str())
        .collect();
    assert!(codes.contains(&"role-override"), "{codes:?}");
    assert!(
        codes.contains(&"stale-allow"),
        "the entry naming `shared` excuses nothing now: {codes:?}"
    );
}

#[test]
fn standalone_client_is_checked_with_its_own_metadata() {
    let (_fixture, report) = assert_fixture(
        "standalone",
        &[
            (
                "client-depends-on-client",
                "acme -> shared-report (normal) -> globex (normal)",
            ),
            (
                "shared-depends-on-client",
                "shared-report -> globex (normal)",
            ),
        ],
    );
    assert_eq!(report.summary.workspaces, 2);
}

#[test]
fn standalone_clean_client() {
    let (_fixture, report) = assert_fixture("standalone-clean", &[]);
    assert_eq!(report.summary.workspaces, 2);
    assert_eq!(report.summary.clients, 2);
}

#[test]
fn registry_crate_sharing_a_client_name_is_not_that_client() {
    let (_fixture, report) = assert_fixture("registry-namesake", &[]);
    assert_eq!(
        report.summary.crates, 3,
        "client globex and registry globex are two crates"
    );
}

#[test]
fn allow_entries_excuse_and_go_stale() {
    let (_fixture, report) = assert_fixture(
        "allow",
        &[
            (
                "client-reaches-credential-helper",
                "initech -> legacy-credentials (normal)",
            ),
            ("stale-allow", ""),
            ("stale-allow", ""),
        ],
    );
    let messages: Vec<&str> = report.violations[1..]
        .iter()
        .map(|v| v.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "`allow` entry from `acme` to `globex` matched no finding",
            "`allow` entry from `initech` to `legacy-credentials` expired on 2000-01-01",
        ]
    );
    assert_eq!(report.violations[1].location.line, 14);
}

#[test]
fn client_selection_limits_findings() {
    let fixture = Fixture::new("credential-helper");
    let report = clientwall::run(&clientwall::CheckOptions {
        manifest_path: Some(fixture.manifest()),
        clients: vec!["globex".into()],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        findings(&report),
        pairs(&[(
            "client-reaches-credential-helper",
            "globex -> shared-sync (normal) -> vault (normal)"
        )])
    );
}
