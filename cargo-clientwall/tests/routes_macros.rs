//! Routes through Rust code beyond a plain `include_str!`: renamed include macros, paths given
//! to other macros and to attributes, doctests (in doc comments and in a README included as
//! documentation), text files compiled as Rust, a source holding a NUL byte, build scripts'
//! `cargo:` instructions and the programs they run, and path expressions past the evaluation
//! budget. Each is a violation fixture and its clean twin, checked by the real binary; each
//! fixture is also built with real cargo (`cargo check`, `cargo test --doc`) and the files
//! rustc read are taken from its dep-info, so the lint is shown to agree with the compiler.

use crate::support;

use support::Fixture;
use support::compiler::{
    all_inside, build_script_output, canonical, cargo, cargo_with, check_for_real, check_json, rows,
};

const XREF: &str = "cross-client-file-reference";

// ---------------------------------------------------------------------------------------------
// Renamed include macros, macros that forward a path, attributes that name one.

#[test]
fn macro_aliases_forwarding_macros_and_attribute_paths_that_leave_the_client() {
    let fixture = Fixture::new("macro-routes");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[
            (
                XREF,
                "clients/acme/src/lib.rs",
                5,
                "client `acme` pulls in client `globex`'s file `clients/globex/rates.csv` through `include_str!`",
            ),
            (
                XREF,
                "clients/acme/src/lib.rs",
                14,
                "client `acme` pulls in client `globex`'s file `clients/globex/orders.csv` through a path given to `load!`",
            ),
            (
                XREF,
                "clients/acme/src/lib.rs",
                18,
                "client `acme` pulls in client `globex`'s directory `clients/globex/data` through a path in the attribute `#[folder]`",
            ),
            (
                XREF,
                "clients/acme/src/lib.rs",
                28,
                "client `acme` pulls in client `globex`'s file `clients/globex/customers.csv` through a path given to `join!`",
            ),
            (
                XREF,
                "clients/acme/src/lib.rs",
                37,
                "client `acme` pulls in client `globex`'s file `clients/globex/margins.csv` through `include_str!`",
            ),
        ])
    );

    // rustc really reads them all: the alias, the macro_rules! expansions and the derive's.
    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    let files = [
        "rates.csv",
        "orders.csv",
        "data/rates.csv",
        "customers.csv",
        "margins.csv",
    ];
    for file in files {
        let path = canonical(&fixture.root.join("clients/globex").join(file));
        assert!(
            compiled.contains(&path),
            "rustc read globex's {file}: {compiled:?}"
        );
    }
}

#[test]
fn the_same_macros_reading_the_clients_own_files_are_clean() {
    let fixture = Fixture::new("macro-routes-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));
    assert_eq!(checked.doc["summary"]["violations"], 0);

    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    let files = [
        "rates.csv",
        "orders.csv",
        "data/rates.csv",
        "customers.csv",
        "margins.csv",
    ];
    for file in files {
        let path = canonical(&fixture.root.join("clients/acme").join(file));
        assert!(
            compiled.contains(&path),
            "rustc read acme's {file}: {compiled:?}"
        );
    }
    let globex = canonical(&fixture.root.join("clients/globex"));
    assert!(
        compiled.iter().all(|f| !f.starts_with(&globex)),
        "the messages naming globex's files read nothing: {compiled:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Doctests, a README included as documentation, text files compiled as Rust, NUL bytes.

#[test]
fn doctests_text_files_and_sources_with_nul_bytes_that_leave_the_client() {
    let fixture = Fixture::new("compiled-text");
    let lib = std::fs::read(fixture.root.join("clients/acme/src/lib.rs")).unwrap();
    assert!(lib.contains(&0), "the fixture's lib.rs holds a NUL byte");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[
            (
                XREF,
                "clients/acme/README.md",
                6,
                "client `acme` pulls in client `globex`'s file `clients/globex/customers.csv` through `include_str!`",
            ),
            (
                XREF,
                "clients/acme/src/generated.txt",
                2,
                "client `acme` pulls in client `globex`'s file `clients/globex/orders.csv` through `include_str!`",
            ),
            (
                XREF,
                "clients/acme/src/lib.rs",
                8,
                "client `acme` pulls in client `globex`'s file `clients/globex/rates.csv` through `include_str!`",
            ),
            (
                XREF,
                "clients/acme/src/lib.rs",
                15,
                "client `acme` pulls in client `globex`'s file `clients/globex/margins.csv` through `include_str!`",
            ),
        ])
    );

    // `cargo check` compiles the `.txt` module and the NUL-holding source...
    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    for file in [
        "clients/acme/src/generated.txt",
        "clients/globex/orders.csv",
        "clients/globex/margins.csv",
    ] {
        assert!(
            compiled.contains(&canonical(&fixture.root.join(file))),
            "rustc read {file}: {compiled:?}"
        );
    }
    // ...and `cargo test --doc` compiles and runs both doctests, which assert globex's data:
    // rustdoc resolves their paths from `src/`, the README's included one too.
    let doc = cargo(
        &fixture.root,
        &fixture.root.join("target"),
        &["test", "--offline", "--doc", "-p", "acme"],
    );
    assert!(doc.contains("2 passed"), "{doc}");
}

#[test]
fn doctests_and_text_files_reading_the_clients_own_files_are_clean() {
    let fixture = Fixture::new("compiled-text-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));

    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    assert!(compiled.contains(&canonical(
        &fixture.root.join("clients/acme/src/generated.txt")
    )));
    let acme = canonical(&fixture.root.join("clients/acme"));
    assert!(all_inside(&compiled, &fixture.root, &acme), "{compiled:?}");
    let doc = cargo(
        &fixture.root,
        &fixture.root.join("target"),
        &["test", "--offline", "--doc", "-p", "acme"],
    );
    assert!(doc.contains("2 passed"), "{doc}");
}

// ---------------------------------------------------------------------------------------------
// A build script's `cargo:` instructions and the programs it runs.

#[test]
fn build_script_instructions_and_commands_that_leave_the_client() {
    let fixture = Fixture::new("build-directives");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    let build = "clients/acme/build.rs";
    assert_eq!(
        checked.rows(),
        rows(&[
            (
                XREF,
                build,
                6,
                "client `acme` pulls in client `globex`'s directory `clients/globex/lib` through build script call `cargo:rustc-link-search`",
            ),
            (
                XREF,
                build,
                7,
                "client `acme` pulls in client `globex`'s file `clients/globex/rates.csv` through build script call `cargo:rustc-env`",
            ),
            (
                XREF,
                build,
                8,
                "client `acme` pulls in client `globex`'s directory `clients/globex/data` through build script call `cargo:rustc-flags`",
            ),
            (
                XREF,
                build,
                9,
                "client `acme` pulls in client `globex`'s file `clients/globex/orders.csv` through build script call `arg`",
            ),
            (
                XREF,
                build,
                14,
                "client `acme` pulls in client `globex`'s file `clients/globex/data/customers.csv` through build script call `args`",
            ),
            (
                XREF,
                build,
                19,
                "client `acme` pulls in client `globex`'s directory `clients/globex` through build script call `current_dir`",
            ),
            (
                XREF,
                build,
                22,
                "client `acme` pulls in client `globex`'s file `clients/globex/margins.csv` through build script call `cargo:rustc-env`",
            ),
            (
                XREF,
                build,
                26,
                "client `acme` pulls in client `globex`'s file `clients/globex/orders.csv` through build script call `arg`",
            ),
            (
                XREF,
                build,
                33,
                "client `acme` pulls in client `globex`'s file `clients/globex/notes.txt` through build script call `read_to_string`",
            ),
        ])
    );

    // What cargo really does with them: rustc is handed globex's library directory, compiles
    // globex's rates in through the variable, and the programs read globex's files.
    let target = fixture.root.join("target");
    let run = cargo_with(
        &fixture.root,
        &target,
        &["check", "--offline", "-v", "-p", "acme"],
        &[],
    );
    for dir in ["lib", "data"] {
        let search = format!("-L native={}/clients/acme/../globex/{dir}", fixture.root);
        assert!(run.stderr.contains(&search), "{}", run.stderr);
    }
    let compiled = support::compiler::compiled_sources(&target, &fixture.root);
    for file in ["rates.csv", "margins.csv"] {
        let path = canonical(&fixture.root.join("clients/globex").join(file));
        assert!(
            compiled.contains(&path),
            "rustc read globex's {file}: {compiled:?}"
        );
    }
    let output = build_script_output(&target);
    assert!(output.contains("ACME_ORDERS=globex-order"), "{output}");
    assert!(
        output.contains("ACME_CUSTOMERS=globex-customer"),
        "{output}"
    );
    assert!(output.contains("ACME_SHELL=GLOBEX-ORDER"), "{output}");
    assert!(output.contains("ACME_NOTES=globex-note"), "{output}");
}

#[test]
fn build_script_instructions_and_commands_inside_the_client_are_clean() {
    let fixture = Fixture::new("build-directives-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));

    let target = fixture.root.join("target");
    let run = cargo_with(
        &fixture.root,
        &target,
        &["check", "--offline", "-v", "-p", "acme"],
        &[],
    );
    let search = format!("-L native={}/clients/acme/lib", fixture.root);
    assert!(run.stderr.contains(&search), "{}", run.stderr);
    let output = build_script_output(&target);
    assert!(output.contains("ACME_ORDERS=acme-order"), "{output}");
    assert!(output.contains("ACME_CUSTOMERS=acme-customer"), "{output}");
    assert!(output.contains("ACME_SHELL=ACME-ORDER"), "{output}");
    assert!(output.contains("ACME_NOTES=acme-note"), "{output}");
    let compiled = support::compiler::compiled_sources(&target, &fixture.root);
    // The relative `rustc-env` value is read from `src/`: acme's own margins.
    assert!(compiled.contains(&canonical(&fixture.root.join("clients/acme/margins.csv"))));
    let acme = canonical(&fixture.root.join("clients/acme"));
    assert!(all_inside(&compiled, &fixture.root, &acme), "{compiled:?}");
}

// ---------------------------------------------------------------------------------------------
// Path expressions are evaluated within a budget.

/// A build script whose (empty) path doubles at each of 24 bindings takes 2^24 evaluation
/// steps: the check stops (exit 2) naming the file, rather than pass a path it could not
/// evaluate. (A path that grows instead is known by its first 4096 bytes, which is cheap.)
#[test]
fn a_path_expression_past_the_budget_stops_the_check_naming_the_file() {
    let fixture = Fixture::new("budget");
    let started = std::time::Instant::now();
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(2), "{}", checked.stderr);
    assert!(
        checked.stderr.contains(
            "clients/acme/build.rs: its path expressions take more evaluation than any real source does"
        ),
        "{}",
        checked.stderr
    );
    assert!(
        checked.stdout.trim().is_empty(),
        "no report: {}",
        checked.stdout
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "the budget bounds the time: {:?}",
        started.elapsed()
    );
}

/// The same shape, doubled 8 times, is evaluated in full: a path inside passes, and the same
/// path built from pieces that leave the client is found.
#[test]
fn a_path_expression_within_the_budget_is_evaluated() {
    let fixture = Fixture::new("budget-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));

    let build = fixture.root.join("clients/acme/build.rs");
    let text = std::fs::read_to_string(&build).unwrap();
    std::fs::write(&build, text.replace("\"./\"", "\"../globex/\"")).unwrap();
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[(
            XREF,
            "clients/acme/build.rs",
            12,
            "client `acme` pulls in client `globex`'s directory `clients/globex` through build script call `read`",
        )])
    );
}

// ---------------------------------------------------------------------------------------------
// Paths built from the build directory: `env!("OUT_DIR")` climbing back with `..`.

/// `cargo check` run by hand in `dir` (no `CARGO_TARGET_DIR`, so cargo picks the target
/// directory itself: `target/` or `build.target-dir`); the sources rustc read, from the dep-info
/// under `target`.
fn check_with_cargos_own_target_dir(
    dir: &camino::Utf8Path,
    target: &camino::Utf8Path,
) -> std::collections::BTreeSet<std::path::PathBuf> {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet", "-p", "acme"])
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    support::compiler::compiled_sources(target, dir)
}

/// `include_str!(concat!(env!("OUT_DIR"), "/../../../../../clients/globex/rates.csv"))`: cargo
/// puts OUT_DIR at `target/debug/build/acme-<hash>/out`, five levels below the workspace root,
/// so this reads globex's file (rustc's dep-info says so). The build script's own output
/// (`$OUT_DIR/gen.rs`) is no finding.
#[test]
fn out_dir_climbing_back_into_another_client() {
    let fixture = Fixture::new("out-dir");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[(
            XREF,
            "clients/acme/src/lib.rs",
            7,
            "client `acme` pulls in client `globex`'s file `clients/globex/rates.csv` through `include_str!`",
        )])
    );
    let compiled = check_with_cargos_own_target_dir(&fixture.root, &fixture.root.join("target"));
    assert!(
        compiled.contains(&canonical(&fixture.root.join("clients/globex/rates.csv"))),
        "rustc read globex's rates.csv: {compiled:?}"
    );
}

/// The clean twin climbs the same five levels back into acme's own directory.
#[test]
fn out_dir_climbing_back_into_its_own_client_is_clean() {
    let fixture = Fixture::new("out-dir-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(
        checked.code,
        Some(0),
        "{}{}",
        checked.stdout,
        checked.stderr
    );
    let compiled = check_with_cargos_own_target_dir(&fixture.root, &fixture.root.join("target"));
    assert!(compiled.contains(&canonical(&fixture.root.join("clients/acme/own.csv"))));
    assert!(all_inside(
        &compiled,
        &fixture.root,
        &canonical(&fixture.root.join("clients/acme"))
    ));
}

/// With `build.target-dir = "build/out"` in `.cargo/config.toml`, OUT_DIR is six levels below
/// the root: the six-level path reaches globex (a finding, and rustc reads it), the five-level
/// one does not (it names `build/clients/..`, which does not exist: cargo fails to build it).
#[test]
fn out_dir_levels_follow_the_configured_target_dir() {
    let fixture = Fixture::new("out-dir");
    std::fs::create_dir_all(fixture.root.join(".cargo")).unwrap();
    std::fs::write(
        fixture.root.join(".cargo/config.toml"),
        "[build]\ntarget-dir = \"build/out\"\n",
    )
    .unwrap();
    let lib = fixture.root.join("clients/acme/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(
        &lib,
        text.replace("/../../../../../clients/", "/../../../../../../clients/"),
    )
    .unwrap();
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[(
            XREF,
            "clients/acme/src/lib.rs",
            7,
            "client `acme` pulls in client `globex`'s file `clients/globex/rates.csv` through `include_str!`",
        )])
    );
    let compiled = check_with_cargos_own_target_dir(&fixture.root, &fixture.root.join("build/out"));
    assert!(
        compiled.contains(&canonical(&fixture.root.join("clients/globex/rates.csv"))),
        "rustc read globex's rates.csv: {compiled:?}"
    );
}
