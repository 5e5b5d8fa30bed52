//! No spelling of the policy turns the wall off: every spelling cargo accepts for `members`
//! names the same clients in `clients` (compared with real `cargo metadata` membership), a
//! full check that finds no client stops (exit 2) naming the globs, a glob that matches no
//! directory is `stale-allow`, and `--client` for a name that is no client names the closest.

use crate::support;

use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeSet;
use support::write;

/// A workspace: `acme` (depending on `globex` when `breach`), `globex`, `acme-eu` under
/// `clients/`, a shared crate under `shared/`; `members` and `clients` both `spelling`.
struct Ws {
    _dir: tempfile::TempDir,
    root: Utf8PathBuf,
}

fn package(name: &str, deps: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}"
    )
}

impl Ws {
    fn new(breach: bool) -> Ws {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
        let root = root.join("ws");
        let acme_deps = match breach {
            true => "globex = { path = \"../globex\" }\nutil = { path = \"../../shared/util\" }\n",
            false => "util = { path = \"../../shared/util\" }\n",
        };
        write(&root, "clients/acme/Cargo.toml", package("acme", acme_deps));
        write(&root, "clients/globex/Cargo.toml", package("globex", ""));
        write(&root, "clients/acme-eu/Cargo.toml", package("acme-eu", ""));
        write(&root, "shared/util/Cargo.toml", package("util", ""));
        for krate in [
            "clients/acme",
            "clients/globex",
            "clients/acme-eu",
            "shared/util",
        ] {
            write(&root, &format!("{krate}/src/lib.rs"), "");
        }
        Ws { _dir: dir, root }
    }

    /// The root manifest: `members` as given, `clients` as given.
    fn policy(&self, members: &[&str], clients: &[&str]) -> &Ws {
        let list = |items: &[&str]| {
            items
                .iter()
                .map(|i| format!("{i:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        write(
            &self.root,
            "Cargo.toml",
            format!(
                "[workspace]\nresolver = \"2\"\nmembers = [{}]\n\n\
                 [workspace.metadata.clientwall]\nclients = [{}]\n",
                list(members),
                list(clients)
            ),
        );
        self
    }

    fn manifest(&self) -> Utf8PathBuf {
        self.root.join("Cargo.toml")
    }

    /// The packages cargo makes members of the workspace from `members`, outside `shared/`.
    fn cargo_members(&self) -> BTreeSet<String> {
        let metadata = cargo_metadata::MetadataCommand::new()
            .manifest_path(self.manifest())
            .no_deps()
            .exec()
            .unwrap_or_else(|e| panic!("cargo metadata: {e}"));
        let shared = self.root.join("shared");
        metadata
            .workspace_packages()
            .into_iter()
            .filter(|p| !p.manifest_path.starts_with(&shared))
            .map(|p| p.name.to_string())
            .collect()
    }

    /// The clients a full check finds, and the report.
    fn check(&self) -> Result<(BTreeSet<String>, clientwall::report::Report), clientwall::Error> {
        let checked = clientwall::check::run_detailed(&clientwall::CheckOptions {
            manifest_path: Some(self.manifest()),
            today: clientwall::date::Date::parse("2026-11-26").unwrap(),
            ..Default::default()
        })?;
        let clients = checked
            .layout
            .clients
            .iter()
            .map(|a| a.name.clone())
            .collect();
        Ok((clients, checked.report))
    }

    /// `cargo clientwall check` as a user runs it: (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        support::outcome(
            Command::cargo_bin("cargo-clientwall")
                .unwrap()
                .args(["clientwall", "check", "--color", "never", "--manifest-path"])
                .arg(self.manifest().as_str())
                .args(args)
                .output()
                .unwrap(),
        )
    }
}

/// The spellings of `clients/*` cargo accepts in `members` (each confirmed below).
fn spellings(root: &Utf8Path) -> Vec<String> {
    let mut list: Vec<String> = [
        "clients/*",
        "./clients/*",
        "clients/*/",
        "clients//*",
        ".//clients//*//",
        "clients/./*",
        "shared/../clients/*",
        "clients/acme/../*",
        "../ws/clients/*",
    ]
    .map(str::to_owned)
    .into();
    list.push(format!("{root}/clients/*"));
    list
}

fn rules(report: &clientwall::report::Report) -> Vec<(String, String)> {
    support::findings(report)
}

#[test]
fn every_spelling_cargo_accepts_finds_cargos_members_and_the_breach() {
    let ws = Ws::new(true);
    for spelling in spellings(&ws.root) {
        ws.policy(&[&spelling, "shared/*"], &[&spelling]);
        let members = ws.cargo_members();
        assert_eq!(
            members,
            BTreeSet::from(["acme".into(), "acme-eu".into(), "globex".into()]),
            "cargo's members for {spelling}"
        );
        let (clients, report) = ws.check().unwrap_or_else(|e| panic!("{spelling}: {e:#}"));
        assert_eq!(clients, members, "clients for {spelling}");
        assert_eq!(
            rules(&report),
            [(
                "client-depends-on-client".to_owned(),
                "acme -> globex (normal)".to_owned()
            )],
            "{spelling}"
        );
        assert_eq!(report.exit_code(), 1, "{spelling}");
    }
}

#[test]
fn every_spelling_of_a_clean_workspace_passes_with_every_client_checked() {
    let ws = Ws::new(false);
    for spelling in spellings(&ws.root) {
        ws.policy(&[&spelling, "shared/*"], &[&spelling]);
        let (clients, report) = ws.check().unwrap_or_else(|e| panic!("{spelling}: {e:#}"));
        assert_eq!(clients, ws.cargo_members(), "{spelling}");
        assert_eq!(report.summary.clients, 3, "{spelling}");
        assert_eq!(report.exit_code(), 0, "{spelling}: {:?}", rules(&report));
    }
}

/// A literal client directory, spelt with `./` and a trailing `/`, is the member cargo loads.
#[test]
fn a_literal_directory_in_any_spelling_is_the_client() {
    let ws = Ws::new(true);
    for spelling in [
        "./clients/acme/",
        "clients//acme",
        "shared/../clients/acme/.",
    ] {
        ws.policy(&["clients/*", "shared/*"], &[spelling]);
        let (clients, report) = ws.check().unwrap();
        assert_eq!(clients, BTreeSet::from(["acme".into()]), "{spelling}");
        // acme now reaches globex, a crate that is no client: no finding, but acme is checked.
        assert_eq!(report.summary.clients, 1, "{spelling}");
    }
}

#[test]
fn globs_that_leave_the_workspace_stop_the_check() {
    let ws = Ws::new(false);
    for (glob, why) in [
        ("../elsewhere/*", "leaves the workspace"),
        ("/elsewhere/clients/*", "leaves the workspace"),
        ("clients/*/..", "climbs out of the pattern `*`"),
        ("./", "names the workspace root itself"),
    ] {
        ws.policy(&["clients/*", "shared/*"], &["clients/*", glob]);
        let (code, stdout, stderr) = ws.run(&[]);
        assert_eq!(code, 2, "{glob}: {stdout}{stderr}");
        assert!(
            stderr.contains(&format!("the glob `{glob}` {why}")),
            "{glob}: {stderr}"
        );
        assert!(stderr.contains("Cargo.toml:6"), "{glob}: located: {stderr}");
    }
}

#[test]
fn zero_clients_stop_the_check_naming_the_globs() {
    let ws = Ws::new(true);
    // The globs match nothing: a typo, and a directory that does not exist.
    ws.policy(&["clients/*", "shared/*"], &["client/*", "./customers/*/"]);
    let (code, stdout, stderr) = ws.run(&[]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("no client found")
            && stderr.contains("`client/*` matched no directory")
            && stderr.contains("`./customers/*/` matched no directory"),
        "{stderr}"
    );
    // A glob that matches directories, none of which holds a crate.
    std::fs::create_dir_all(ws.root.join("customers/pending")).unwrap();
    ws.policy(&["clients/*", "shared/*"], &["customers/*"]);
    let (code, _, stderr) = ws.run(&[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`customers/*` matched no directory holding a client crate"),
        "{stderr}"
    );
    // An empty list finds no client either.
    ws.policy(&["clients/*"], &[]);
    let (code, _, stderr) = ws.run(&[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("names no glob"), "{stderr}");
}

#[test]
fn zero_clients_with_the_default_glob_stop_the_check() {
    let ws = Ws::new(false);
    write(
        &ws.root,
        "Cargo.toml",
        "[workspace]\nresolver = \"2\"\nmembers = [\"customers/*\", \"shared/*\"]\n",
    );
    std::fs::rename(ws.root.join("clients"), ws.root.join("customers")).unwrap();
    let (code, _, stderr) = ws.run(&[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`clients/*` (the default) matched no directory"),
        "{stderr}"
    );
    // Its clean twin: the policy names where the clients are.
    write(
        &ws.root,
        "Cargo.toml",
        "[workspace]\nresolver = \"2\"\nmembers = [\"customers/*\", \"shared/*\"]\n\n\
         [workspace.metadata.clientwall]\nclients = [\"customers/*\"]\n",
    );
    let (code, stdout, stderr) = ws.run(&[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("3 clients checked"), "{stdout}");
}

#[test]
fn a_glob_that_matches_no_directory_is_stale() {
    let ws = Ws::new(false);
    ws.policy(&["clients/*", "shared/*"], &["clients/*", "customer/*"]);
    let (_, report) = ws.check().unwrap();
    assert_eq!(report.exit_code(), 1);
    let [stale] = report.violations.as_slice() else {
        panic!("one finding: {:?}", rules(&report));
    };
    assert_eq!(stale.rule.code.as_str(), "stale-allow");
    assert_eq!(
        stale.message,
        "the `clients` glob `customer/*` matches no directory"
    );
    assert_eq!(stale.location.relative_file(&report.root), "Cargo.toml");
    assert_eq!(stale.location.line, 6);
    let (code, stdout, _) = ws.run(&["--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["violations"][0]["rule"], "stale-allow");

    // Clean twins: a glob matching a directory (even one without a crate, or one inside a
    // client), in any spelling, is not stale.
    std::fs::create_dir_all(ws.root.join("customers/pending")).unwrap();
    std::fs::create_dir_all(ws.root.join("clients/acme/sub")).unwrap();
    ws.policy(
        &["clients/*", "shared/*"],
        &["clients/*", "./customers/*/", "clients/acme/sub"],
    );
    let (_, report) = ws.check().unwrap();
    assert_eq!(report.exit_code(), 0, "{:?}", rules(&report));
}

#[test]
fn a_stale_glob_is_reported_by_the_first_shard_only() {
    let ws = Ws::new(false);
    ws.policy(&["clients/*", "shared/*"], &["clients/*", "customer/*"]);
    let (first, _, _) = ws.run(&["--shard", "1/2"]);
    let (second, _, _) = ws.run(&["--shard", "2/2"]);
    let (named, _, _) = ws.run(&["--client", "acme"]);
    assert_eq!((first, second, named), (1, 0, 0));
}

#[test]
fn an_unknown_client_names_the_closest_clients() {
    let ws = Ws::new(false);
    ws.policy(&["clients/*", "shared/*"], &["clients/*"]);
    let (code, stdout, stderr) = ws.run(&["--client", "acm"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("no client named `acm`"), "{stderr}");
    assert!(
        stderr.contains("the closest clients: `acme`, `acme-eu`"),
        "{stderr}"
    );
    let (code, _, stderr) = ws.run(&["--client", "globx"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `globex`?"), "{stderr}");
    // A shared crate is no client.
    let (code, _, stderr) = ws.run(&["--client", "util"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no client named `util`")
            && stderr.contains("clients: `acme`, `acme-eu`, `globex`"),
        "{stderr}"
    );
    // The clean twin: a client's own name.
    let (code, _, stderr) = ws.run(&["--client", "acme-eu"]);
    assert_eq!(code, 0, "{stderr}");
}
