//! Inputs the check cannot work with: every one is an error (exit 2) naming the cause, never a
//! silent pass.

mod support;

use clientwall::Error;
use support::Fixture;

fn error_of(name: &str) -> Error {
    match Fixture::new(name).check() {
        Ok(report) => panic!(
            "{name}: expected an error, got {} violations",
            report.violations.len()
        ),
        Err(e) => e,
    }
}

#[test]
fn malformed_root_manifest() {
    let err = error_of("bad-toml");
    assert!(matches!(err, Error::Metadata { .. }), "{err:?}");
    assert!(err.to_string().contains("unclosed array"), "{err}");
}

#[test]
fn missing_member_directory() {
    let err = error_of("missing-member");
    assert!(err.to_string().contains("clients/gone"), "{err}");
}

#[test]
fn config_typo_names_file_line_and_the_right_key() {
    let err = error_of("config-typo");
    match &err {
        Error::Config {
            file,
            line,
            message,
            help,
        } => {
            assert!(file.ends_with("Cargo.toml"));
            assert_eq!(*line, 7);
            assert!(message.contains("`credential-helper`"), "{message}");
            assert_eq!(help.as_deref(), Some("did you mean `credential-helpers`?"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn bad_role_value() {
    let err = error_of("bad-role");
    assert!(
        err.to_string().contains("clients/acme/Cargo.toml:8"),
        "{err}"
    );
    assert_eq!(err.help(), Some("did you mean `client`?"));
}

#[test]
fn not_a_workspace() {
    let err = error_of("not-a-workspace");
    assert!(
        err.to_string().contains("has no [workspace] table"),
        "{err}"
    );
}

#[test]
fn client_directory_outside_every_workspace() {
    let err = error_of("stray-client");
    assert!(
        err.to_string().contains("clients/globex/Cargo.toml"),
        "{err}"
    );
}

#[test]
fn missing_manifest() {
    let fixture = Fixture::new("direct");
    let err = fixture.check_at("nope/Cargo.toml").unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn unknown_client_selection_suggests_a_name() {
    let fixture = Fixture::new("direct");
    let err = clientwall::run(&clientwall::CheckOptions {
        manifest_path: Some(fixture.manifest()),
        clients: vec!["acm".into()],
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(err.help(), Some("did you mean `acme`?"));
}

/// Cargo has resolved the graph; then, while the rule locates the dependency key to point at,
/// the manifest no longer parses. The location step itself must fail (exit 2), not skip the
/// violation. Cargo runs before the manifest is broken, so this is the location step failing,
/// not `cargo metadata`.
#[test]
fn unreadable_member_manifest_during_location_fails_closed() {
    use clientwall::graph::CrateGraph;
    use clientwall::rules::{GraphContext, client_depends_on_client};
    let fixture = Fixture::new("direct");
    let loaded = clientwall::discover::load(Some(&fixture.manifest())).unwrap();
    let layout = clientwall::classify::client_layout(&loaded).unwrap();
    let graph = CrateGraph::build(&loaded, &layout).unwrap();
    let reaches = graph.forbidden_reaches();
    let context = || GraphContext {
        root: &loaded.root,
        config: &loaded.config,
        graph: &graph,
        reaches: &reaches,
        manifests: Default::default(),
    };
    let found = client_depends_on_client::check(&context()).expect("the fixture locates");
    assert_eq!(found.len(), 1, "the fixture has one violation to locate");

    std::fs::write(fixture.root.join("clients/acme/Cargo.toml"), "[package\n").unwrap();
    let err = client_depends_on_client::check(&context())
        .expect_err("a manifest that turned to garbage must not yield a silent pass");
    assert!(
        err.to_string().contains("clients/acme/Cargo.toml"),
        "the error names the manifest: {err}"
    );
}
