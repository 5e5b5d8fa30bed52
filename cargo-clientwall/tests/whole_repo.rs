//! The scan covers the whole repository, not only the client directories: secrets anywhere
//! (shared crates, the root, scripts, CI files, docs) with the clients that carry them; shared
//! crates that pull in a client's file; exactly the files git tracks or would track; special
//! files and odd names that must neither block nor stop a run.

use crate::support;

use clientwall::rules::{RuleCode, Subject};
use std::time::Duration;
use support::compiler::{canonical, check_for_real};
use support::{Fixture, commit_all, fake_shopify_token, git_ok, json, locations, run_cli, write};

fn rules(report: &clientwall::report::Report) -> Vec<(RuleCode, String)> {
    report
        .violations
        .iter()
        .map(|v| (v.rule.code, v.client.clone()))
        .collect()
}

#[test]
fn secrets_outside_the_clients_name_the_crate_and_every_client_that_compiles_it() {
    let fixture = Fixture::new("shared-secrets");
    let report = fixture.report();
    let found: Vec<(String, usize)> = locations(&report);
    assert_eq!(
        found,
        [
            (".github/workflows/sync.yml".to_owned(), 7),
            ("docs/setup.md".to_owned(), 3),
            ("scripts/deploy.sh".to_owned(), 3),
            ("shared/shared-utils/src/lib.rs".to_owned(), 2),
        ],
        "clean-kit and scripts/env.sh are clean twins"
    );
    assert!(
        rules(&report)
            .iter()
            .all(|(rule, client)| *rule == RuleCode::HardcodedSecret && client == "(shared)")
    );
    let shared = &report.violations[3];
    match &shared.subject {
        Subject::Secret {
            in_crate,
            exposed_to,
            ..
        } => {
            assert_eq!(in_crate.as_deref(), Some("shared-utils"));
            // acme by a normal dependency, globex by its own dev-dependency; initech only
            // through `tools`' dev-dependency, which cargo never builds for initech.
            assert_eq!(exposed_to, &["acme", "globex"]);
        }
        other => panic!("unexpected subject {other:?}"),
    }
    assert!(
        shared
            .message
            .contains("in crate `shared-utils`, compiled by clients `acme`, `globex`"),
        "{}",
        shared.message
    );
    assert!(
        report.violations[2]
            .message
            .contains("outside every client and crate"),
        "{}",
        report.violations[2].message
    );
    insta::assert_json_snapshot!("shared_secrets", json(&report));
}

#[test]
fn a_secret_in_a_shared_crates_test_code_is_compiled_by_no_client() {
    let fixture = Fixture::new("shared-secrets");
    let token = fake_shopify_token();
    let other = token.replace('0', "1");
    let utils = "shared/shared-utils";
    let lib = std::fs::read_to_string(fixture.root.join(utils).join("src/lib.rs")).unwrap();
    write(
        &fixture.root,
        &format!("{utils}/src/lib.rs"),
        format!("{lib}\n#[cfg(test)]\nmod tests {{\n    const T: &str = \"{other}\";\n}}\n"),
    );
    write(
        &fixture.root,
        &format!("{utils}/tests/api.rs"),
        format!("const T: &str = \"{other}\";\n"),
    );
    let report = fixture.report();
    let in_utils: Vec<_> = report
        .violations
        .iter()
        .filter(|v| v.location.file.as_str().contains("shared-utils"))
        .collect();
    assert_eq!(in_utils.len(), 3, "{in_utils:#?}");
    for v in &in_utils {
        let Subject::Secret { exposed_to, .. } = &v.subject else {
            panic!("{v:?}")
        };
        if v.location.line == 2 && v.location.file.as_str().ends_with("src/lib.rs") {
            // The clean twin: the same crate's library code, compiled by acme and globex.
            assert_eq!(exposed_to, &["acme", "globex"]);
            assert!(
                v.message.contains("compiled by clients `acme`, `globex`"),
                "{}",
                v.message
            );
        } else {
            assert!(exposed_to.is_empty(), "{v:?}");
            assert!(
                v.message
                    .contains("in the test code of crate `shared-utils`, which no client compiles"),
                "{}",
                v.message
            );
        }
    }
}

#[test]
fn a_secret_in_a_cfg_test_module_file_is_compiled_by_no_client() {
    let fixture = Fixture::new("shared-secrets");
    let token = fake_shopify_token();
    let other = token.replace('0', "1");
    let utils = "shared/shared-utils";
    let lib = std::fs::read_to_string(fixture.root.join(utils).join("src/lib.rs")).unwrap();
    // `tests.rs` (with a module of its own in `tests/`) and `more_tests/mod.rs` are bodies of
    // `#[cfg(test)] mod ..;` items; `helpers.rs` is the clean twin, an ordinary module.
    write(
        &fixture.root,
        &format!("{utils}/src/lib.rs"),
        format!(
            "{lib}\n#[cfg(test)]\nmod tests;\n#[cfg(test)]\n#[allow(unused)]\nmod more_tests;\nmod helpers;\n"
        ),
    );
    let constant = format!("#[allow(unused)]\nconst T: &str = \"{other}\";\n");
    write(
        &fixture.root,
        &format!("{utils}/src/tests.rs"),
        format!("mod nested;\n{constant}"),
    );
    write(
        &fixture.root,
        &format!("{utils}/src/tests/nested.rs"),
        &constant,
    );
    write(
        &fixture.root,
        &format!("{utils}/src/more_tests/mod.rs"),
        &constant,
    );
    write(&fixture.root, &format!("{utils}/src/helpers.rs"), &constant);
    let report = fixture.report();
    let exposure = |file: &str| -> Vec<Vec<String>> {
        report
            .violations
            .iter()
            .filter(|v| {
                v.location
                    .file
                    .as_str()
                    .ends_with(&format!("{utils}/src/{file}"))
            })
            .map(|v| match &v.subject {
                Subject::Secret { exposed_to, .. } => exposed_to.clone(),
                other => panic!("unexpected subject {other:?}"),
            })
            .collect()
    };
    for file in ["tests.rs", "tests/nested.rs", "more_tests/mod.rs"] {
        assert_eq!(
            exposure(file),
            [Vec::<String>::new()],
            "{file}: {:?}",
            locations(&report)
        );
    }
    assert_eq!(exposure("helpers.rs"), [["acme", "globex"]]);
    let test_code = report
        .violations
        .iter()
        .find(|v| v.location.file.as_str().ends_with("src/tests.rs"))
        .unwrap();
    assert!(
        test_code
            .message
            .contains("in the test code of crate `shared-utils`, which no client compiles"),
        "{}",
        test_code.message
    );

    // What rustc really reads: building acme compiles `helpers.rs` but none of the test
    // modules; the crate's own test build compiles them all.
    let root = fixture.root.as_path();
    let src = |file: &str| canonical(&root.join(utils).join("src").join(file));
    let for_acme = check_for_real(root, &["-p", "acme"]);
    assert!(for_acme.contains(&src("helpers.rs")), "{for_acme:?}");
    for file in ["tests.rs", "tests/nested.rs", "more_tests/mod.rs"] {
        assert!(!for_acme.contains(&src(file)), "{file}: {for_acme:?}");
    }
    let own_tests = check_for_real(root, &["-p", "shared-utils", "--tests"]);
    for file in [
        "tests.rs",
        "tests/nested.rs",
        "more_tests/mod.rs",
        "helpers.rs",
    ] {
        assert!(own_tests.contains(&src(file)), "{file}: {own_tests:?}");
    }
}

#[test]
fn a_client_selection_keeps_the_shared_secrets_that_client_compiles() {
    let fixture = Fixture::new("shared-secrets");
    let for_client = |name: &str| {
        clientwall::run(&clientwall::CheckOptions {
            manifest_path: Some(fixture.manifest()),
            clients: vec![name.to_owned()],
            ..Default::default()
        })
        .unwrap()
    };
    let acme = for_client("acme");
    assert_eq!(
        locations(&acme),
        [("shared/shared-utils/src/lib.rs".to_owned(), 2)]
    );
    assert!(for_client("initech").violations.is_empty());
}

#[test]
fn a_shared_crate_pulling_in_a_clients_file_is_reported_for_every_client_compiling_it() {
    let fixture = Fixture::new("shared-include");
    let report = fixture.report();
    assert_eq!(
        locations(&report),
        [
            ("shared/report/src/lib.rs".to_owned(), 2),
            ("shared/report/src/lib.rs".to_owned(), 3),
        ],
        "report's own data and clean-report are not findings"
    );
    for v in &report.violations {
        assert_eq!(v.rule.code, RuleCode::CrossClientFileReference);
        assert_eq!(v.client, "globex", "the client whose file is pulled in");
        match &v.subject {
            Subject::PulledIntoShared {
                in_crate,
                compiled_by,
                ..
            } => {
                assert_eq!(in_crate, "report");
                assert_eq!(compiled_by, &["acme"]);
            }
            other => panic!("unexpected subject {other:?}"),
        }
    }
    assert_eq!(
        report.violations[0].message,
        "shared crate `report` pulls client `globex`'s file `clients/globex/rates.csv` through \
         `include_str!` into itself, and so into `acme`"
    );

    // rustc really compiles globex's file into `report`, and so into acme: with the file gone,
    // acme no longer builds.
    let cargo_check = || {
        std::process::Command::new(env!("CARGO"))
            .args(["check", "--quiet", "--offline", "-p", "acme"])
            .env("CARGO_TARGET_DIR", fixture.root.join("target"))
            .current_dir(&fixture.root)
            .output()
            .unwrap()
    };
    let built = cargo_check();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    std::fs::remove_file(fixture.root.join("clients/globex/rates.csv")).unwrap();
    let broken = cargo_check();
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stderr).contains("rates.csv"));
}

/// A clean workspace with one client, `acme`.
fn one_client() -> Fixture {
    Fixture::new("one-client")
}

#[test]
fn the_scan_reads_what_git_tracks_or_would_track_and_skips_only_cargos_target_dirs() {
    let fixture = one_client();
    let root = &fixture.root;
    let leak = format!("token = \"{}\"\n", fake_shopify_token());
    write(root, ".gitignore", "ignored.txt\n*.log\n");
    // A module named `target` is source, and so is a client directory named `target`.
    write(root, "clients/acme/src/target/mod.rs", format!("// {leak}"));
    write(root, "clients/acme/target/notes.txt", &leak);
    // Ignored by git and not tracked: not scanned.
    write(root, "clients/acme/ignored.txt", &leak);
    // Ignored but added with `git add -f`: tracked, so scanned.
    write(root, "clients/acme/forced.log", &leak);
    git_ok(root, &["init", "-q"]);
    commit_all(root, "init");
    git_ok(root, &["add", "-f", "clients/acme/forced.log"]);
    // Untracked but not ignored: scanned.
    write(root, "clients/acme/new.txt", &leak);
    // cargo's real target directory (not ignored here): never scanned.
    write(root, "target/debug/leak.txt", &leak);
    write(
        root,
        "target/CACHEDIR.TAG",
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    );

    // Through the binary, without the caller's CARGO_TARGET_DIR: which directory is cargo's
    // target directory is what this test is about.
    let run = run_cli(
        root,
        &["check", "--format", "json"],
        Duration::from_secs(180),
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let found: Vec<(String, usize)> = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let file = v["file"].as_str().unwrap().to_owned();
            (file, v["line"].as_u64().unwrap() as usize)
        })
        .collect();
    assert_eq!(
        found,
        [
            ("clients/acme/forced.log".to_owned(), 1),
            ("clients/acme/new.txt".to_owned(), 1),
            ("clients/acme/src/target/mod.rs".to_owned(), 1),
            ("clients/acme/target/notes.txt".to_owned(), 1),
        ]
    );
}

#[test]
fn dotenv_variants_are_committed_env_files_and_the_templates_are_not() {
    let fixture = one_client();
    let root = &fixture.root;
    for name in [
        ".env",
        ".env.local",
        ".env.production",
        "deploy/prod.env",
        ".env.example",
        ".env.sample",
        ".env.template",
    ] {
        write(root, &format!("clients/acme/{name}"), "ACME_REGION=eu\n");
    }
    git_ok(root, &["init", "-q"]);
    commit_all(root, "init");
    let report = fixture.report();
    let env: Vec<String> = report
        .violations
        .iter()
        .filter(|v| v.rule.code == RuleCode::EnvFileCommitted)
        .map(|v| v.location.relative_file(&report.root))
        .collect();
    assert_eq!(
        env,
        [
            "clients/acme/.env",
            "clients/acme/.env.local",
            "clients/acme/.env.production",
            "clients/acme/deploy/prod.env",
        ]
    );
}

#[test]
fn special_files_are_never_opened_and_odd_names_do_not_stop_the_run() {
    use std::os::unix::ffi::OsStrExt;
    let fixture = one_client();
    let root = &fixture.root;
    let acme = root.join("clients/acme");
    let leak = format!("token = \"{}\"\n", fake_shopify_token());
    let mkfifo = |path: &camino::Utf8Path| {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    };
    mkfifo(&acme.join("pipe"));
    let _socket = std::os::unix::net::UnixListener::bind(acme.join("sock")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", acme.join("zero")).unwrap();
    std::os::unix::fs::symlink("loop-b", acme.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", acme.join("loop-b")).unwrap();
    // A name that is not UTF-8, and one with a newline: reported by their lossy names.
    let odd = std::ffi::OsStr::from_bytes(b"odd-\xff.txt");
    std::fs::write(acme.as_std_path().join(odd), &leak).unwrap();
    write(root, "clients/acme/two\nlines.txt", &leak);
    // Larger than 8 MiB and binary (sparse zeros: no disk used).
    let huge = std::fs::File::create(acme.join("huge.sql")).unwrap();
    huge.set_len(9 * 1024 * 1024).unwrap();
    // A deep tree.
    let deep: String = (0..200).map(|i| format!("d{i}/")).collect();
    write(root, &format!("clients/acme/{deep}deep.txt"), &leak);

    let check = |dir: &camino::Utf8Path| {
        run_cli(
            dir,
            &["check", "--format", "json"],
            Duration::from_secs(120),
        )
    };
    let run = check(root);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let notes = doc["notes"].to_string();
    for note in [
        "skipped clients/acme/pipe: a FIFO, never opened",
        "skipped clients/acme/sock: a socket, never opened",
        "skipped clients/acme/huge.sql: binary file",
    ] {
        assert!(notes.contains(note), "{note} not in {notes}");
    }
    let files: Vec<String> = doc["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["rule"] == "hardcoded-secret")
        .map(|v| v["file"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        files,
        [
            format!("clients/acme/{deep}deep.txt"),
            "clients/acme/odd-\u{fffd}.txt".to_owned(),
            "clients/acme/two\nlines.txt".to_owned(),
        ]
    );

    // In git, a tracked file that has become a FIFO is listed by git: still never opened.
    std::fs::remove_file(acme.join("pipe")).unwrap();
    write(root, "clients/acme/pipe", "was a file\n");
    git_ok(root, &["init", "-q"]);
    commit_all(root, "init");
    std::fs::remove_file(acme.join("pipe")).unwrap();
    mkfifo(&acme.join("pipe"));
    let run = check(root);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("skipped clients/acme/pipe: a FIFO, never opened"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_fifo_named_gitignore_stops_the_run_with_an_error_instead_of_blocking_it() {
    for in_git in [false, true] {
        let fixture = one_client();
        if in_git {
            git_ok(&fixture.root, &["init", "-q"]);
        }
        let status = std::process::Command::new("mkfifo")
            .arg(fixture.root.join("clients/acme/.gitignore"))
            .status()
            .unwrap();
        assert!(status.success());
        let run = run_cli(&fixture.root, &["check"], Duration::from_secs(60));
        assert_eq!(run.code, Some(2), "in git: {in_git}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("clients/acme/.gitignore is not a regular file"),
            "{}",
            run.stderr
        );
    }
}

/// The header value and the password-only URL, in the files a client really has, each with a
/// clean twin beside it.
#[test]
fn header_values_and_password_only_urls_in_every_common_syntax() {
    let fixture = one_client();
    let root = &fixture.root;
    let header = format!("X-Shopify-Access-{}", "Token");
    let value = "a1b2c3d4e5f6a7b8c9d0";
    let files = [
        (
            "deploy.yaml",
            format!("headers:\n  {header}: \"{value}\"\n  Accept: application/json\n"),
        ),
        ("unquoted.yaml", format!("{header}: {value}\n")),
        (
            "settings.toml",
            format!("[http.headers]\n\"{header}\" = \"{value}\"\n"),
        ),
        ("bare.toml", format!("[headers]\n{header} = '{value}'\n")),
        (
            "headers.json",
            format!("{{\"headers\": {{\"{header}\": \"{value}\"}}}}\n"),
        ),
        (
            "sync.sh",
            format!("curl -sS -H '{header}: {value}' https://acme.myshopify.com/x\n"),
        ),
        (
            "src/client.rs",
            format!(
                "fn f(r: R) -> R {{\n    r.header(\n        \"{header}\",\n        \"{value}\",\n    )\n}}\n"
            ),
        ),
        (
            "cache.env.example",
            "REDIS_URL=redis://:s3cr3t-redis@cache.internal:6379/0\n".to_owned(),
        ),
        // Clean twins: the value comes from somewhere else.
        ("clean.yaml", format!("{header}: ${{ACME_SHOPIFY_TOKEN}}\n")),
        (
            "src/clean.rs",
            format!("fn g(r: R, t: &str) -> R {{ r.header(\"{header}\", t) }}\n"),
        ),
        (
            "clean.sh",
            "REDIS_URL=redis://cache.internal:6379/0\n".to_owned(),
        ),
    ];
    for (name, text) in &files {
        write(root, &format!("clients/acme/{name}"), text);
    }
    let report = fixture.report();
    let found: Vec<String> = report
        .violations
        .iter()
        .map(|v| {
            v.location
                .relative_file(&report.root)
                .replace("clients/acme/", "")
        })
        .collect();
    assert_eq!(
        found,
        [
            "bare.toml",
            "cache.env.example",
            "deploy.yaml",
            "headers.json",
            "settings.toml",
            "src/client.rs",
            "sync.sh",
            "unquoted.yaml",
        ]
    );
}
