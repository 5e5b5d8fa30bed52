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

#[test]
fn unreadable_member_manifest_during_location_fails_closed() {
    let fixture = Fixture::new("direct");
    let report = fixture.report();
    assert_eq!(report.violations.len(), 1);
    // Once cargo has resolved, a manifest that turns to garbage must not yield a silent pass.
    std::fs::write(fixture.root.join("clients/acme/Cargo.toml"), "[package\n").unwrap();
    assert!(fixture.check().is_err());
}
