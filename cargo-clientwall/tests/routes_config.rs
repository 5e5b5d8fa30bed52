//! Routes through cargo rather than through Rust code: the programs and rustc flags a client's
//! cargo configuration names, absolute `[env]` values, cargo configuration and symlinks outside
//! every client that reach into one, sources replaced by a directory inside a client, and a
//! shared crate whose target lies in a client. Each is a violation fixture and its clean twin,
//! checked by the real binary; each is also built or resolved with real cargo, so the test
//! shows cargo really takes the route (runs the program, hands rustc the flag, compiles the
//! file) in the breach and stays inside in the twin.

use crate::support;

use camino::Utf8Path;
use std::os::unix::fs::PermissionsExt;
use support::Fixture;
use support::compiler::{
    all_inside, canonical, cargo_with, check_for_real, check_json, compiled_sources,
    resolved_manifests, rows,
};

const XREF: &str = "cross-client-file-reference";

// ---------------------------------------------------------------------------------------------
// Programs, rustc flags and absolute [env] values in a client's cargo configuration.

/// The `config-programs` fixture (`config-programs-clean` when `clean`), its tools made
/// executable and acme's configuration given `[env] ACME_RATES` = the absolute path of
/// `rates_of`'s rates.
fn config_programs(name: &str, rates_of: &str) -> Fixture {
    let fixture = Fixture::new(name);
    for entry in walkdir::WalkDir::new(fixture.root.join("clients")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "sh") {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let config = fixture.root.join("clients/acme/.cargo/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[env]\nACME_RATES = \"{}/clients/{rates_of}/rates.csv\"\n",
        fixture.root
    ));
    std::fs::write(&config, text).unwrap();
    fixture
}

/// `cargo run` from acme's directory (which reads acme's `.cargo/config.toml`), verbose; the
/// program's output, cargo's stderr, and the files rustc read.
fn run_acme(
    fixture: &Fixture,
) -> (
    String,
    String,
    std::collections::BTreeSet<std::path::PathBuf>,
) {
    let target = fixture.root.join("target");
    let run = cargo_with(
        &fixture.root.join("clients/acme"),
        &target,
        &["run", "--offline", "-v"],
        &[],
    );
    (
        run.stdout,
        run.stderr,
        compiled_sources(&target, &fixture.root),
    )
}

/// `cargo logout` for acme's private registry: cargo runs the registry's credential provider
/// (which gives no token, so cargo fails: only that it ran counts).
fn logout_acme(fixture: &Fixture) {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["logout", "--registry", "private"])
        .current_dir(fixture.root.join("clients/acme"))
        .env("CARGO_HOME", fixture.root.join("cargo-home"))
        .output()
        .unwrap();
    assert!(!output.status.success(), "the provider gives no token");
}

fn marked(tools: &Utf8Path) -> Vec<String> {
    [
        "wrapper-ran",
        "linker-ran",
        "runner-ran",
        "credential-provider-ran",
    ]
    .into_iter()
    .filter(|mark| tools.join(mark).exists())
    .map(str::to_owned)
    .collect()
}

#[test]
fn programs_rustflags_and_absolute_env_values_that_lead_out_of_the_client() {
    let fixture = config_programs("config-programs", "globex");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    let config = "clients/acme/.cargo/config.toml";
    assert_eq!(
        checked.rows(),
        rows(&[
            (
                XREF,
                config,
                4,
                "client `acme` pulls in client `globex`'s file `clients/globex/tools/wrap.sh` through cargo configuration `build.rustc-wrapper`",
            ),
            (
                XREF,
                config,
                5,
                "client `acme` pulls in client `globex`'s directory `clients/globex/lib` through cargo configuration `build.rustflags`",
            ),
            (
                XREF,
                config,
                8,
                "client `acme` pulls in client `globex`'s file `clients/globex/tools/cc.sh` through cargo configuration `target.x86_64-unknown-linux-gnu.linker`",
            ),
            (
                XREF,
                config,
                9,
                "client `acme` pulls in client `globex`'s file `clients/globex/tools/run.sh` through cargo configuration `target.x86_64-unknown-linux-gnu.runner`",
            ),
            (
                XREF,
                config,
                13,
                "client `acme` pulls in client `globex`'s file `clients/globex/tools/cred.sh` through cargo configuration `registries.private.credential-provider`",
            ),
            (
                XREF,
                config,
                16,
                "client `acme` pulls in client `globex`'s file `clients/globex/tools/cred.sh` through cargo configuration `registry.global-credential-providers`",
            ),
            (
                XREF,
                config,
                19,
                "client `acme` pulls in client `globex`'s file `clients/globex/tools/run.sh` through cargo configuration `doc.browser`",
            ),
            (
                XREF,
                config,
                22,
                "client `acme` pulls in client `globex`'s file `clients/globex/rates.csv` through cargo configuration `env.ACME_RATES`",
            ),
        ])
    );

    // cargo runs globex's wrapper, linker and runner (and, for the private registry, globex's
    // credential provider), hands rustc globex's library directory (rustc runs in the
    // workspace root), and the absolute value compiles globex's rates in.
    let (stdout, stderr, compiled) = run_acme(&fixture);
    assert_eq!(stdout, "globex-rate\n");
    logout_acme(&fixture);
    assert_eq!(
        marked(&fixture.root.join("clients/globex/tools")),
        [
            "wrapper-ran",
            "linker-ran",
            "runner-ran",
            "credential-provider-ran"
        ]
    );
    assert!(stderr.contains("-L native=clients/globex/lib"), "{stderr}");
    assert!(compiled.contains(&canonical(&fixture.root.join("clients/globex/rates.csv"))));
}

#[test]
fn programs_rustflags_and_env_values_inside_the_client_are_clean() {
    let fixture = config_programs("config-programs-clean", "acme");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));

    let (stdout, stderr, compiled) = run_acme(&fixture);
    assert_eq!(stdout, "acme-rate\n");
    logout_acme(&fixture);
    assert_eq!(
        marked(&fixture.root.join("clients/acme/tools")),
        [
            "wrapper-ran",
            "linker-ran",
            "runner-ran",
            "credential-provider-ran"
        ]
    );
    assert!(stderr.contains("-L native=clients/acme/lib"), "{stderr}");
    let acme = canonical(&fixture.root.join("clients/acme"));
    assert!(all_inside(&compiled, &fixture.root, &acme), "{compiled:?}");
}

// ---------------------------------------------------------------------------------------------
// Cargo configuration and symlinks outside every client that reach into one.

#[test]
fn configuration_and_symlinks_outside_the_clients_that_reach_into_one() {
    let fixture = Fixture::new("config-outside");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[
            (
                XREF,
                ".cargo/config.toml",
                3,
                "cargo configuration `.cargo/config.toml` pulls client `globex`'s `clients/globex/data/rates.csv` through cargo configuration `env.FEED.value` into every build below it, and so into `acme`, `initech`",
            ),
            (
                XREF,
                "shared/report/data",
                1,
                "shared crate `shared-report` pulls client `globex`'s directory `clients/globex/data` through a symlink into itself, and so into `acme`, `initech`",
            ),
            (
                XREF,
                "shared/report/src/lib.rs",
                2,
                "shared crate `shared-report` pulls client `globex`'s file `clients/globex/data/rates.csv` through `include_str!` into itself, and so into `acme`, `initech`",
            ),
        ])
    );
    let clients: Vec<&str> = checked.doc["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["client"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["globex", "globex", "globex"]);

    // From the root and from a client's directory alike, cargo applies the root's [env] and
    // follows the shared crate's symlink: acme compiles globex's rates twice over.
    let globex_rates = canonical(&fixture.root.join("clients/globex/data/rates.csv"));
    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    assert!(compiled.contains(&globex_rates), "{compiled:?}");
    let target = fixture.root.join("target/from-initech");
    cargo_with(
        &fixture.root.join("clients/initech"),
        &target,
        &["check", "--offline", "--quiet"],
        &[],
    );
    assert!(compiled_sources(&target, &fixture.root).contains(&globex_rates));
}

#[test]
fn configuration_and_symlinks_outside_the_clients_that_stay_in_the_shared_tree_are_clean() {
    let fixture = Fixture::new("config-outside-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));

    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    assert!(compiled.contains(&canonical(
        &fixture.root.join("shared/common-data/rates.csv")
    )));
    let globex = canonical(&fixture.root.join("clients/globex"));
    assert!(
        compiled.iter().all(|f| !f.starts_with(&globex)),
        "{compiled:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Sources replaced by a directory inside a client are that client's.

#[test]
fn a_registry_crate_vendored_inside_a_client_is_that_clients_crate() {
    let fixture = Fixture::new("vendored-in-client");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[
            (
                "client-depends-on-client",
                "clients/acme/Cargo.toml",
                8,
                "client `acme` reaches client `globex` (its crate `rates`)",
            ),
            (
                XREF,
                ".cargo/config.toml",
                6,
                "cargo configuration `.cargo/config.toml` pulls client `globex`'s `clients/globex/vendor` through cargo configuration `source.vendored.directory` into every build below it, and so into `acme`",
            ),
        ])
    );

    // cargo takes `rates = "0.1"` from globex's directory and compiles it into acme.
    let target = fixture.root.join("target");
    let vendored = fixture.root.join("clients/globex/vendor/rates");
    assert_eq!(
        resolved_manifests(&fixture.root, &target, "rates"),
        [canonical(&vendored.join("Cargo.toml"))].into()
    );
    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    assert!(compiled.contains(&canonical(&vendored.join("src/lib.rs"))));
}

#[test]
fn vendored_sources_in_the_shared_tree_or_the_clients_own_are_clean() {
    let fixture = Fixture::new("vendored-in-client-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));
    assert_eq!(
        checked.doc["summary"]["workspaces"], 2,
        "globex is loaded on its own"
    );

    // From the root, `rates` is the shared tree's copy; globex, built on its own, uses its own.
    let target = fixture.root.join("target");
    assert_eq!(
        resolved_manifests(&fixture.root, &target, "rates"),
        [canonical(&fixture.root.join("vendor/rates/Cargo.toml"))].into()
    );
    let globex = fixture.root.join("clients/globex");
    assert_eq!(
        resolved_manifests(&globex, &target, "rates"),
        [canonical(&globex.join("vendor/rates/Cargo.toml"))].into()
    );
    let compiled = check_for_real(&globex, &[]);
    assert!(
        all_inside(&compiled, &fixture.root, &canonical(&globex)),
        "{compiled:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// A shared crate's target lying in a client.

#[test]
fn a_shared_crates_target_inside_a_client() {
    let fixture = Fixture::new("shared-targets");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[(
            XREF,
            "shared/report/Cargo.toml",
            8,
            "shared crate `shared-report` pulls client `globex`'s file `clients/globex/src/pricing.rs` through the manifest's `[lib] path` into itself, and so into `acme`, `initech`",
        )])
    );
    assert_eq!(checked.doc["violations"][0]["client"], "globex");

    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    assert!(compiled.contains(&canonical(
        &fixture.root.join("clients/globex/src/pricing.rs")
    )));
}

#[test]
fn a_shared_crates_targets_in_the_shared_tree_are_clean() {
    let fixture = Fixture::new("shared-targets-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));

    let compiled = check_for_real(
        &fixture.root,
        &["-p", "acme", "-p", "shared-report", "--all-targets"],
    );
    assert!(compiled.contains(&canonical(&fixture.root.join("shared/common/pricing.rs"))));
    assert!(compiled.contains(&canonical(&fixture.root.join("shared/tools/report.rs"))));
    let globex = canonical(&fixture.root.join("clients/globex"));
    assert!(
        compiled.iter().all(|f| !f.starts_with(&globex)),
        "{compiled:?}"
    );
}
