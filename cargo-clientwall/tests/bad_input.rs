//! Inputs the check cannot work with: every one is an error (exit 2) naming the cause, never a
//! silent pass.

use crate::support;

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
        Error::Config(errors) => {
            let [problem] = errors.problems.as_slice() else {
                panic!("one problem: {errors:?}");
            };
            assert!(problem.location.file.ends_with("Cargo.toml"));
            assert_eq!(problem.location.line, 7);
            assert!(
                problem.message.contains("`credential-helper`"),
                "{}",
                problem.message
            );
            assert_eq!(
                problem.help.as_deref(),
                Some("did you mean `credential-helpers`?")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// A config with three problems: all three are reported, each with its file and line, by the
/// library and by the binary (as codespan diagnostics, the renderer of `--format human`), and
/// the exit code is 2.
#[test]
fn every_config_problem_is_reported_at_once_with_its_line() {
    let fixture = Fixture::new("config-problems");
    let err = fixture.check().unwrap_err();
    let Error::Config(errors) = &err else {
        panic!("unexpected {err:?}");
    };
    let found: Vec<(String, usize, &str)> = errors
        .problems
        .iter()
        .map(|p| {
            (
                p.location.relative_file(&fixture.root),
                p.location.line,
                p.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "Cargo.toml".to_owned(),
                7,
                "unknown key `credential-helper` in `workspace.metadata.clientwall`"
            ),
            (
                "Cargo.toml".to_owned(),
                8,
                "`workspace.metadata.clientwall.template` must be a string"
            ),
            (
                "Cargo.toml".to_owned(),
                14,
                "`expires` must be a date like 2027-03-01, found `next spring`"
            ),
        ]
    );
    let run = support::run_cli(
        &fixture.root,
        &["clientwall", "check", "--color", "never"],
        std::time::Duration::from_secs(120),
    );
    assert_eq!(run.code, Some(2), "{run:?}");
    for place in ["Cargo.toml:7:1", "Cargo.toml:8:12", "Cargo.toml:14:11"] {
        assert!(
            run.stderr.contains(place),
            "{place} missing:\n{}",
            run.stderr
        );
    }
    insta::assert_snapshot!("config_problems_stderr", run.stderr);
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
        client_manifests: &loaded.client_manifests,
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

/// An I/O error names what was being done: a pre-commit hook that can be read but not written
/// (the hooks directory is a symlink to `/proc`, where not even root may create a file; the hook
/// is written whole beside itself and renamed, so a symlink at the hook itself is replaced, not
/// written through) is "failed to write", not "failed to read". (A directory where the hook
/// goes is "failed to read ..: a directory where a file is expected": `self_reads.rs`.)
#[test]
fn a_failed_write_names_write() {
    use clientwall::error::IoAction;
    let fixture = Fixture::new("one-client");
    support::git_ok(&fixture.root, &["init", "-q"]);
    let hooks = fixture.root.join(".git/hooks");
    let _ = std::fs::remove_dir_all(&hooks);
    std::os::unix::fs::symlink("/proc", &hooks).unwrap();
    // git names the hooks directory by its resolved path.
    let hook = camino::Utf8PathBuf::from("/proc/pre-commit");
    let err = clientwall::hook::install(fixture.root.as_std_path(), true).unwrap_err();
    match &err {
        Error::Io {
            action: IoAction::Write,
            path,
            ..
        } => assert_eq!(path, hook.as_std_path(), "{path:?}"),
        other => panic!("expected a write error, got {other:?}"),
    }
    assert_eq!(err.to_string(), format!("failed to write {hook}"));
    let run = support::run_cli(
        &fixture.root,
        &["install-hook", "--force"],
        std::time::Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr
            .starts_with(&format!("error: failed to write {hook}: ")),
        "{}",
        run.stderr
    );
}

/// A git command that fails is a typed error carrying its arguments, exit code and stderr
/// (git runs under `LC_ALL=C`, so the text is git's English).
#[test]
fn a_failing_git_command_is_a_typed_error() {
    let fixture = Fixture::new("one-client");
    support::git_ok(&fixture.root, &["init", "-q"]);
    // No commit yet: HEAD names no tree to list.
    let err = clientwall::git::head_blobs(fixture.root.as_std_path()).unwrap_err();
    let Error::Git(git) = &err else {
        panic!("expected a git error, got {err:?}");
    };
    assert_eq!(git.args, ["ls-tree", "-r", "-z", "HEAD"]);
    assert_eq!(git.dir, fixture.root.as_std_path());
    assert_eq!(git.status, Some(128));
    assert!(
        git.stderr.contains("Not a valid object name HEAD"),
        "{}",
        git.stderr
    );
    assert!(
        err.to_string().starts_with(&format!(
            "`git ls-tree -r -z HEAD` failed in {}: fatal: ",
            fixture.root
        )),
        "{err}"
    );
}
