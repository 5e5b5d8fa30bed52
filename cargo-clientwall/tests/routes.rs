//! Every route from one client to another that cargo and rustc really take, each as a
//! violation fixture and its clean twin. Where the route depends on how cargo or rustc resolve a
//! path, the fixture is also built with real `cargo check` (or resolved with `cargo metadata`)
//! and the files it really compiles are read back from rustc's dep-info, so each test proves
//! the lint agrees with the compiler in both directions.

use crate::support;

use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};
use clientwall::report::Report;
use clientwall::rules::RuleCode;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::compiler::{
    all_inside, build_script_output, canonical, cargo, check_for_real, check_json,
    compiled_sources, resolved_manifests, rows,
};
use support::{Fixture, findings, git_with_path, json, locations};

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn messages(report: &Report) -> Vec<String> {
    report
        .violations
        .iter()
        .map(|v| v.message.clone())
        .collect()
}

fn git(dir: &Utf8Path, args: &[&str]) {
    let output = git_with_path(dir, args, None);
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// A client is everything under its directory (issue item 1).

#[test]
fn a_sub_crate_is_its_clients_crate() {
    let fixture = Fixture::new("sub-crates");
    let report = fixture.report();
    assert_eq!(
        findings(&report),
        pairs(&[
            (
                "client-depends-on-client",
                "acme -> globex-pricing (normal)"
            ),
            ("client-depends-on-client", "globex-pricing -> acme (dev)"),
            ("cross-client-file-reference", ""),
        ])
    );
    assert_eq!(
        messages(&report),
        [
            "client `acme` reaches client `globex` (its crate `globex-pricing`)",
            "client `globex` reaches client `acme`",
            "client `acme` pulls in client `globex`'s file `clients/globex/crates/pricing/rates.csv` through `include_str!`",
        ]
    );
    assert_eq!(
        report.violations[0].allow_key,
        Some(("acme".into(), "globex".into()))
    );
    assert_eq!(
        report.summary.clients, 2,
        "globex and its sub-crate are one client"
    );
    insta::assert_json_snapshot!("sub_crates", json(&report));
}

#[test]
fn a_sub_crate_reading_its_own_clients_files_is_clean() {
    let fixture = Fixture::new("sub-crates-clean");
    let report = fixture.report();
    assert_eq!(findings(&report), pairs(&[]));
    assert_eq!(report.summary.clients, 2);
    assert_eq!(report.summary.crates, 3);
}

#[test]
fn a_virtual_workspace_client_is_named_after_its_directory() {
    let fixture = Fixture::new("virtual-client");
    let report = fixture.report();
    assert_eq!(
        findings(&report),
        pairs(&[
            ("client-depends-on-client", "globex -> acme-core (normal)"),
            ("cross-client-file-reference", ""),
        ])
    );
    let clients: Vec<&str> = report
        .violations
        .iter()
        .map(|v| v.client.as_str())
        .collect();
    assert_eq!(clients, ["globex", "acme"]);
    assert_eq!(
        messages(&report)[0],
        "client `globex` reaches client `acme` (its crate `acme-core`)"
    );
    assert_eq!(report.summary.clients, 2);
    assert_eq!(
        report.summary.workspaces, 2,
        "acme is loaded with its own cargo metadata"
    );
    insta::assert_json_snapshot!("virtual_client", json(&report));
}

#[test]
fn a_virtual_workspace_client_using_its_own_members_is_clean() {
    let fixture = Fixture::new("virtual-client-clean");
    let report = fixture.report();
    assert_eq!(findings(&report), pairs(&[]));
    assert_eq!((report.summary.clients, report.summary.workspaces), (2, 2));
}

/// Incremental (pre-commit) runs know no cargo: they find sub-crates and nested crates on disk.
#[test]
fn incremental_runs_see_sub_crates_and_virtual_clients() {
    let fixture = Fixture::new("virtual-client");
    let output = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .env("CARGO", "false")
        .current_dir(&fixture.root)
        .args([
            "check",
            "--format",
            "json",
            "clients/acme/crates/sync/src/lib.rs",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["violations"][0]["client"], "acme");
    assert_eq!(doc["violations"][0]["rule"], "cross-client-file-reference");
}

// ---------------------------------------------------------------------------------------------
// A git dependency on this repository is not external (item 2).

/// The `git-self` fixture as a git repository (globex committed), then acme given the
/// dependency `globex = <dependency(root)>`.
fn git_self(dependency: impl FnOnce(&Utf8Path) -> String) -> Fixture {
    let fixture = Fixture::new("git-self");
    git(&fixture.root, &["init", "-q"]);
    git(&fixture.root, &["add", "-A"]);
    git(&fixture.root, &["commit", "-q", "-m", "init"]);
    let manifest = fixture.root.join("clients/acme/Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str(&format!("globex = {}\n", dependency(&fixture.root)));
    std::fs::write(&manifest, text).unwrap();
    fixture
}

/// Run `cargo clientwall check --format json` in `root` with a throwaway `CARGO_HOME` (git
/// checkouts land there, not in the user's) and extra environment; (exit, JSON, stderr).
fn check_with_own_cargo_home(
    root: &Utf8Path,
    cargo_home: &Path,
    env: &[(&str, &str)],
) -> (i32, serde_json::Value, String) {
    let output = Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .env("CARGO_HOME", cargo_home)
        .envs(env.iter().copied())
        .current_dir(root)
        .args(["clientwall", "check", "--format", "json"])
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        serde_json::from_slice(&output.stdout).unwrap_or_default(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_git_dependency_on_this_repository_by_file_url_is_that_client() {
    let fixture = git_self(|root| format!("{{ git = \"file://{root}\" }}"));
    let cargo_home = tempfile::tempdir().unwrap();

    // What cargo itself makes of it: a git package, checked out outside the workspace.
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(&fixture.root)
        .env("CARGO_HOME", cargo_home.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let checkout = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "globex" && !p["source"].is_null())
        .expect("cargo resolves globex from git");
    assert!(
        checkout["source"]
            .as_str()
            .unwrap()
            .starts_with(&format!("git+file://{}#", fixture.root)),
        "{checkout}"
    );
    let checked_out = Path::new(checkout["manifest_path"].as_str().unwrap());
    assert!(
        checked_out.starts_with(cargo_home.path().join("git/checkouts"))
            && checked_out.ends_with("clients/globex/Cargo.toml"),
        "cargo builds its own checkout, not the working tree: {checked_out:?}"
    );

    let (code, doc, stderr) = check_with_own_cargo_home(&fixture.root, cargo_home.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["summary"]["violations"], 1);
    let violation = &doc["violations"][0];
    assert_eq!(violation["rule"], "client-depends-on-client");
    assert_eq!(
        violation["message"],
        "client `acme` reaches client `globex`"
    );
    assert_eq!(
        (&violation["file"], &violation["line"]),
        (&"clients/acme/Cargo.toml".into(), &9.into())
    );
    insta::assert_json_snapshot!("git_self_file_url", doc);
}

/// The repository's own remote URL, as cargo would fetch it; git rewrites it to the local
/// repository (`insteadOf`), so nothing leaves the machine.
#[test]
fn a_git_dependency_on_one_of_this_repositorys_remotes_is_that_client() {
    let remote = "https://clientwall.invalid/consultancy/ws.git";
    let fixture = git_self(|_| format!("{{ git = \"{remote}\" }}"));
    git(&fixture.root, &["remote", "add", "origin", remote]);
    let cargo_home = tempfile::tempdir().unwrap();
    let rewrite = format!("url.file://{}.insteadOf", fixture.root);
    let (code, doc, stderr) = check_with_own_cargo_home(
        &fixture.root,
        cargo_home.path(),
        &[
            ("CARGO_NET_GIT_FETCH_WITH_CLI", "true"),
            ("GIT_CONFIG_COUNT", "1"),
            ("GIT_CONFIG_KEY_0", &rewrite),
            ("GIT_CONFIG_VALUE_0", remote),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["summary"]["violations"], 1);
    assert_eq!(doc["violations"][0]["rule"], "client-depends-on-client");
    assert_eq!(doc["violations"][0]["path"][1]["crate"], "globex");
}

#[test]
fn a_git_dependency_on_another_repository_with_a_clients_name_is_external() {
    // Another consultancy's repository, outside this workspace, with its own `globex`.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = Utf8PathBuf::from_path_buf(elsewhere.path().canonicalize().unwrap()).unwrap();
    std::fs::create_dir_all(other.join("src")).unwrap();
    std::fs::write(
        other.join("Cargo.toml"),
        "[package]\nname = \"globex\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(
        other.join("src/lib.rs"),
        "pub fn secret_sauce() -> u32 { 1 }\n",
    )
    .unwrap();
    git(&other, &["init", "-q"]);
    git(&other, &["add", "-A"]);
    git(&other, &["commit", "-q", "-m", "init"]);

    let fixture = git_self(|_| format!("{{ git = \"file://{other}\" }}"));
    let cargo_home = tempfile::tempdir().unwrap();
    let (code, doc, stderr) = check_with_own_cargo_home(&fixture.root, cargo_home.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        doc["summary"]["crates"], 3,
        "client globex and the other repository's globex"
    );
}

// ---------------------------------------------------------------------------------------------
// Every target path (item 3).

#[test]
fn target_paths_outside_the_client_are_compiled_in() {
    let fixture = Fixture::new("target-paths");
    let report = fixture.report();
    assert_eq!(
        messages(&report),
        [
            "client `acme` pulls in client `globex`'s file `clients/globex/src/lib.rs` through the manifest's `[lib] path`",
            "client `acme` pulls in a file of the shared tree `shared/tools/report.rs` through the manifest's `[[bin]] path`",
            "client `acme` pulls in client `globex`'s file `clients/globex/tests/pricing.rs` through the manifest's `[[test]] path`",
            "client `hooli` pulls in client `globex`'s file `clients/globex/build.rs` through the manifest's `package.build`",
            "client `initech` pulls in client `globex`'s file `clients/globex/orders.csv` through build script call `read_to_string`",
        ]
    );
    assert_eq!(
        locations(&report),
        [
            ("clients/acme/Cargo.toml".to_owned(), 9),
            ("clients/acme/Cargo.toml".to_owned(), 13),
            ("clients/acme/Cargo.toml".to_owned(), 17),
            ("clients/hooli/Cargo.toml".to_owned(), 6),
            ("clients/initech/tools/gen.rs".to_owned(), 3),
        ]
    );
    insta::assert_json_snapshot!("target_paths", json(&report));

    // What cargo really compiles and runs.
    let compiled = check_for_real(&fixture.root, &["--all-targets"]);
    for file in [
        "clients/globex/src/lib.rs",
        "shared/tools/report.rs",
        "clients/globex/tests/pricing.rs",
        "clients/globex/build.rs",
        "clients/initech/tools/gen.rs",
    ] {
        assert!(
            compiled.contains(&canonical(&fixture.root.join(file))),
            "cargo compiled {file}: {compiled:?}"
        );
    }
    let build_output = build_script_output(&fixture.root.join("target"));
    assert!(
        build_output.contains("cargo:rustc-env=GLOBEX_ORDERS=2"),
        "initech's custom-path build script really read globex's orders: {build_output}"
    );
}

#[test]
fn target_paths_inside_the_client_are_clean() {
    let fixture = Fixture::new("target-paths-clean");
    let report = fixture.report();
    assert_eq!(findings(&report), pairs(&[]));
    let compiled = check_for_real(&fixture.root, &["--all-targets"]);
    for file in [
        "clients/acme/source/lib.rs",
        "clients/acme/tools/report.rs",
        "clients/acme/checks/pricing.rs",
        "clients/initech/tools/gen.rs",
        "clients/hooli/scripts/build.rs",
    ] {
        assert!(
            compiled.contains(&canonical(&fixture.root.join(file))),
            "{file}"
        );
    }
    for client in ["acme", "initech", "hooli"] {
        let dir = canonical(&fixture.root.join("clients").join(client));
        let own: BTreeSet<PathBuf> = compiled
            .iter()
            .filter(|f| f.starts_with(&dir))
            .cloned()
            .collect();
        assert!(!own.is_empty(), "{client}");
    }
    let clients = canonical(&fixture.root.join("clients"));
    assert!(
        all_inside(&compiled, &fixture.root, &clients),
        "{compiled:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Cargo configuration inside a client (item 4).

#[test]
fn cargo_configuration_inside_a_client_that_leads_out() {
    let fixture = Fixture::new("cargo-config");
    let report = fixture.report();
    assert_eq!(
        messages(&report),
        [
            "client `acme` pulls in client `globex`'s directory `clients/globex` through cargo configuration `patch.crates-io.globex.path`",
            "client `hooli` pulls in client `globex`'s directory `clients/globex/vendor` through cargo configuration `source.globex-vendor.directory`",
            "client `initech` pulls in client `globex`'s directory `clients/globex` through cargo configuration `paths`",
        ]
    );
    assert_eq!(
        locations(&report),
        [
            ("clients/acme/.cargo/config.toml".to_owned(), 2),
            ("clients/hooli/.cargo/config".to_owned(), 5),
            ("clients/initech/.cargo/config.toml".to_owned(), 1),
        ]
    );
    insta::assert_json_snapshot!("cargo_config", json(&report));

    // From the root, cargo resolves `globex = "0.1"` to the vendored registry crate: the graph
    // is clean. From each client's directory, cargo honours the client's configuration.
    let root_view = resolved_manifests(&fixture.root, &fixture.root.join("target"), "globex");
    assert!(root_view.contains(&canonical(&fixture.root.join("vendor/globex/Cargo.toml"))));
    for (client, lands) in [
        ("acme", "clients/globex/Cargo.toml"),
        ("initech", "clients/globex/Cargo.toml"),
        ("hooli", "clients/globex/vendor/globex/Cargo.toml"),
    ] {
        std::fs::remove_file(fixture.root.join("Cargo.lock")).ok();
        let dir = fixture.root.join("clients").join(client);
        let target = fixture.root.join("target").join(client);
        let used = resolved_manifests(&dir, &target, "globex");
        let wanted = canonical(&fixture.root.join(lands));
        assert!(used.contains(&wanted), "{client}: {used:?}");
        let compiled = check_for_real_in(&dir, &target);
        assert!(
            compiled
                .iter()
                .any(|f| f.starts_with(wanted.parent().unwrap().join("src"))),
            "building {client} compiles {lands}'s crate: {compiled:?}"
        );
        assert!(
            !compiled.contains(&canonical(&fixture.root.join("vendor/globex/src/lib.rs"))),
            "{client} no longer uses the registry crate"
        );
    }
}

/// `cargo check` from a client's directory, with its own target directory.
fn check_for_real_in(dir: &Utf8Path, target: &Utf8Path) -> BTreeSet<PathBuf> {
    cargo(dir, target, &["check", "--offline", "--quiet"]);
    compiled_sources(target, dir.parent().unwrap().parent().unwrap())
}

#[test]
fn cargo_configuration_that_stays_inside_the_client_is_clean() {
    let fixture = Fixture::new("cargo-config-clean");
    let report = fixture.report();
    assert_eq!(findings(&report), pairs(&[]));
    for (client, lands) in [
        ("acme", "clients/acme/patches/globex/Cargo.toml"),
        ("initech", "clients/initech/overrides/globex/Cargo.toml"),
        ("hooli", "clients/hooli/vendor/globex/Cargo.toml"),
    ] {
        std::fs::remove_file(fixture.root.join("Cargo.lock")).ok();
        let dir = fixture.root.join("clients").join(client);
        let target = fixture.root.join("target").join(client);
        let used = resolved_manifests(&dir, &target, "globex");
        assert!(
            used.contains(&canonical(&fixture.root.join(lands))),
            "{client}: {used:?}"
        );
        let compiled = check_for_real_in(&dir, &target);
        let own = canonical(&dir);
        assert!(
            all_inside(&compiled, &fixture.root, &own),
            "{client} compiles only its own files: {compiled:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// rustc's module path rules and include macros in attributes (item 5).

#[test]
fn rustc_module_paths_that_leave_the_client() {
    let fixture = Fixture::new("rustc-paths");
    let report = fixture.report();
    assert_eq!(
        locations(&report),
        [
            ("clients/acme/src/lib.rs".to_owned(), 1),
            ("clients/acme/src/lib.rs".to_owned(), 6),
            ("clients/acme/src/nested.rs".to_owned(), 3),
            ("clients/acme/src/platform/impl_linux.rs".to_owned(), 3),
        ]
    );
    assert_eq!(
        messages(&report),
        [
            "client `acme` pulls in client `globex`'s file `clients/globex/README.md` through `include_str!`",
            "client `acme` pulls in client `globex`'s file `clients/globex/src/pricing.rs` through `#[path]`",
            "client `acme` pulls in client `globex`'s file `clients/globex/src/secret.rs` through `#[path]`",
            "client `acme` pulls in client `globex`'s file `clients/globex/src/os.rs` through `#[path]`",
        ]
    );
    insta::assert_json_snapshot!("rustc_paths", json(&report));

    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    for file in ["README.md", "src/pricing.rs", "src/secret.rs", "src/os.rs"] {
        let path = canonical(&fixture.root.join("clients/globex").join(file));
        assert!(
            compiled.contains(&path),
            "rustc read globex's {file}: {compiled:?}"
        );
    }
}

#[test]
fn rustc_module_paths_that_stay_inside_are_clean() {
    let fixture = Fixture::new("rustc-paths-clean");
    let report = fixture.report();
    assert_eq!(findings(&report), pairs(&[]));
    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    for file in [
        "README.md",
        "data/rates.rs",
        "data/platform.rs",
        "src/outer/pricing.rs",
    ] {
        let path = canonical(&fixture.root.join("clients/acme").join(file));
        assert!(
            compiled.contains(&path),
            "rustc read acme's {file}: {compiled:?}"
        );
    }
    let acme = canonical(&fixture.root.join("clients/acme"));
    assert!(all_inside(&compiled, &fixture.root, &acme), "{compiled:?}");
}

// ---------------------------------------------------------------------------------------------
// Partial evaluation and build-script bindings (item 6).

#[test]
fn known_prefixes_and_bindings_that_leave_the_client() {
    let fixture = Fixture::new("partial-eval");
    let report = fixture.report();
    assert_eq!(
        messages(&report),
        [
            "client `acme` pulls in client `globex`'s file `clients/globex/orders.csv` through build script call `read_to_string`",
            "client `acme` pulls in client `globex`'s file `clients/globex/rates.csv` through build script call `read`",
            "client `acme` pulls in client `globex`'s file `clients/globex/customers.csv` through build script call `new`",
            "client `acme` pulls in a path under client `globex`'s directory `clients/globex` (`../globex/…`, the rest is known only when it is built) through build script call `read`",
            "client `acme` pulls in a path under client `globex`'s directory `clients/globex/data` (`../../globex/data/…`, the rest is known only when it is built) through `include_str!`",
            "client `acme` pulls in a path under client `globex`'s directory `clients/globex` (`$CARGO_MANIFEST_DIR/../globex/…`, the rest is known only when it is built) through `include_str!`",
        ]
    );
    assert_eq!(
        locations(&report),
        [
            ("clients/acme/build.rs".to_owned(), 8),
            ("clients/acme/build.rs".to_owned(), 9),
            ("clients/acme/build.rs".to_owned(), 11),
            ("clients/acme/build.rs".to_owned(), 13),
            ("clients/acme/src/lib.rs".to_owned(), 2),
            ("clients/acme/src/lib.rs".to_owned(), 3),
        ]
    );
    insta::assert_json_snapshot!("partial_eval", json(&report));
}

#[test]
fn unknown_pieces_that_cannot_leave_and_own_bindings_are_clean() {
    let fixture = Fixture::new("partial-eval-clean");
    assert_eq!(findings(&fixture.report()), pairs(&[]));
}

// ---------------------------------------------------------------------------------------------
// `CARGO_MANIFEST_DIR` of a nested crate (issue 11, item 10).

#[test]
fn manifest_dir_of_a_nested_crate_that_leaves_the_client() {
    let fixture = Fixture::new("nested-crate-dir");
    let report = fixture.report();
    assert_eq!(
        messages(&report),
        [
            "client `acme` pulls in client `globex`'s file `clients/globex/corpus/seed.txt` through `include_str!`"
        ]
    );
    let fuzz = fixture.root.join("clients/acme/fuzz");
    let compiled = check_for_real(&fuzz, &[]);
    assert!(compiled.contains(&canonical(
        &fixture.root.join("clients/globex/corpus/seed.txt")
    )));
}

#[test]
fn manifest_dir_of_a_nested_crate_is_its_own_directory() {
    let fixture = Fixture::new("nested-crate-dir-clean");
    let report = fixture.report();
    assert_eq!(findings(&report), pairs(&[]), "{:?}", messages(&report));
    let fuzz = fixture.root.join("clients/acme/fuzz");
    let compiled = check_for_real(&fuzz, &[]);
    assert!(compiled.contains(&canonical(
        &fixture.root.join("clients/acme/corpus/seed.txt")
    )));
    let acme = canonical(&fixture.root.join("clients/acme"));
    assert!(all_inside(&compiled, &fixture.root, &acme), "{compiled:?}");
}

// ---------------------------------------------------------------------------------------------
// A database variable in another client's longer prefix (item 11).

#[test]
fn a_database_variable_in_another_clients_longer_prefix() {
    let fixture = Fixture::new("database-prefix");
    let report = fixture.report();
    assert_eq!(
        messages(&report),
        [
            "client `acme` reads its database URL from `ACME_CORP_DATABASE_URL`, which is client `acme-corp`'s variable"
        ]
    );
    assert_eq!(report.violations[0].rule.code, RuleCode::SharedDatabase);
    assert_eq!(
        locations(&report),
        [("clients/acme/client.toml".to_owned(), 8)]
    );
}

#[test]
fn database_variables_with_their_own_prefixes_are_clean() {
    let fixture = Fixture::new("database-prefix-clean");
    assert_eq!(findings(&fixture.report()), pairs(&[]));
}

// ---------------------------------------------------------------------------------------------
// Dev-dependencies count on the client's own edges only (item 12).

#[test]
fn a_shared_crates_dev_dependency_is_not_compiled_for_its_users() {
    let fixture = Fixture::new("dev-in-shared");
    let report = fixture.report();
    assert_eq!(
        findings(&report),
        pairs(&[("shared-depends-on-client", "shared-report -> globex (dev)")])
    );
    // Building everything of acme, tests included, never builds globex.
    let compiled = check_for_real(&fixture.root, &["-p", "acme", "--all-targets"]);
    let globex = canonical(&fixture.root.join("clients/globex"));
    assert!(!compiled.is_empty());
    assert!(
        compiled.iter().all(|f| !f.starts_with(&globex)),
        "{compiled:?}"
    );
    // While shared-report's own tests do.
    let compiled = check_for_real(&fixture.root, &["-p", "shared-report", "--all-targets"]);
    assert!(compiled.iter().any(|f| f.starts_with(&globex)));
}

// ---------------------------------------------------------------------------------------------
// A workspace of its own inside a client: cargo builds it from there.

#[test]
fn a_nested_workspace_inside_a_client_that_reaches_another_client() {
    let fixture = Fixture::new("nested-workspace");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[(
            "client-depends-on-client",
            "clients/acme/tools/Cargo.toml",
            11,
            "client `acme` reaches client `globex`",
        )])
    );
    assert_eq!(checked.doc["summary"]["workspaces"], 2);

    // cargo, run in acme's tools, compiles globex's crate.
    let tools = fixture.root.join("clients/acme/tools");
    let target = fixture.root.join("target/tools");
    cargo(&tools, &target, &["check", "--offline", "--quiet"]);
    let compiled = compiled_sources(&target, &tools);
    assert!(
        compiled.contains(&canonical(&fixture.root.join("clients/globex/src/lib.rs"))),
        "{compiled:?}"
    );
}

#[test]
fn a_nested_workspace_inside_a_client_using_its_own_client_is_clean() {
    let fixture = Fixture::new("nested-workspace-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));
    assert_eq!(checked.doc["summary"]["workspaces"], 2);

    let tools = fixture.root.join("clients/acme/tools");
    let target = fixture.root.join("target/tools");
    cargo(&tools, &target, &["check", "--offline", "--quiet"]);
    let compiled = compiled_sources(&target, &tools);
    let acme = canonical(&fixture.root.join("clients/acme"));
    assert!(all_inside(&compiled, &fixture.root, &acme), "{compiled:?}");
}
