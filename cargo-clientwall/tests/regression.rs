//! Regression tests, each named after the bug it keeps fixed.

use crate::support;

use clientwall::check::{CheckOptions, FileSelection};
use clientwall::date::Date;
use support::Fixture;

/// `--staged` and FILES runs named clients with a line scanner while full runs asked cargo: a
/// manifest with `name = "acme" # note` or `name = 'globex'` gave the client `"acme" # note`
/// or `'globex'` in incremental runs. Now both read the name with toml_edit.
#[test]
fn incremental_runs_named_clients_with_a_comment_or_single_quotes_differently() {
    let fixture = Fixture::new("secrets");
    for (client, line) in [
        ("acme", "name = \"acme\" # the first client"),
        ("globex", "name = 'globex'"),
    ] {
        let manifest = fixture.root.join(format!("clients/{client}/Cargo.toml"));
        let text = std::fs::read_to_string(&manifest).unwrap();
        let text = text.replace(&format!("name = \"{client}\""), line);
        assert!(text.contains(line));
        std::fs::write(&manifest, text).unwrap();
    }
    support::write(
        &fixture.root,
        "clients/globex/notes.txt",
        format!("token: {}\n", support::fake_shopify_token()),
    );
    let run = |files: FileSelection, clients: Vec<String>| {
        clientwall::run(&CheckOptions {
            manifest_path: Some(fixture.manifest()),
            today: Date::parse("2026-11-26").unwrap(),
            files,
            clients,
            ..CheckOptions::default()
        })
        .unwrap_or_else(|e| panic!("check failed: {e:#}"))
    };
    let secrets = |report: &clientwall::report::Report| -> Vec<(String, String)> {
        report
            .violations
            .iter()
            .filter(|v| v.rule.code == clientwall::rules::RuleCode::HardcodedSecret)
            .map(|v| (v.client.clone(), v.location.relative_file(&report.root)))
            .collect()
    };
    let full = secrets(&run(FileSelection::All, Vec::new()));
    let clients: std::collections::BTreeSet<&str> = full.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(clients, ["acme", "globex"].into(), "{full:?}");
    let files: std::collections::BTreeSet<camino::Utf8PathBuf> = full
        .iter()
        .map(|(_, file)| fixture.root.join(file))
        .collect();
    let files: Vec<camino::Utf8PathBuf> = files.into_iter().collect();
    let incremental = secrets(&run(FileSelection::Only(files.clone()), Vec::new()));
    assert_eq!(incremental, full);
    // A client named by `--client` is found by that name in an incremental run too.
    let only_globex = secrets(&run(FileSelection::Only(files), vec!["globex".into()]));
    assert!(!only_globex.is_empty());
    assert!(
        only_globex.iter().all(|(c, _)| c == "globex"),
        "{only_globex:?}"
    );
    // And by `--staged`, git's view of the same files.
    support::git_ok(&fixture.root, &["init", "-q"]);
    support::git_ok(&fixture.root, &["add", "-A"]);
    let staged = secrets(&run(FileSelection::Staged, Vec::new()));
    assert_eq!(staged, full);
}
