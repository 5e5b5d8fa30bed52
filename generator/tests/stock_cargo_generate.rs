//! The template also works with stock `cargo generate --path template/client`, and renders exactly the
//! tree `new-client` renders for the same values. Needs `cargo-generate` on PATH
//! (`scripts/test.sh` installs it under target/tools); without it this test fails, in one line
//! naming the tool, rather than pass unchecked.

use camino::{Utf8Path, Utf8PathBuf};
use std::collections::BTreeMap;
use std::process::Command;

fn tree(root: &Utf8Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// cargo-generate fills its `authors` placeholder from `$USER` and stops when it is unset,
/// as it is in CI containers; the template does not use it, so any name does.
const STOCK_USER: &str = "clientwall-tests";

fn compare(name: &str, database: &str) {
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join("cargo-generate").is_file())
    });
    assert!(
        on_path,
        "`cargo-generate` is not installed: run `bash scripts/test.sh` (it installs it under target/tools), or `cargo install --locked cargo-generate --version '~0.23'`"
    );
    let template = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("../template/client");
    let vars =
        generator::variables::Variables::new(name, None, None, Some(database.to_owned())).unwrap();

    let stock = tempfile::tempdir().unwrap();
    let stock_root = Utf8PathBuf::from_path_buf(stock.path().to_owned()).unwrap();
    let mut command = Command::new("cargo");
    command
        .args([
            "generate",
            "--path",
            template.as_str(),
            "--name",
            name,
            "--vcs",
            "none",
            "--silent",
        ])
        .args(["--destination", stock_root.as_str()])
        .env("USER", STOCK_USER);
    for (key, value) in [
        ("client", &vars.client),
        ("display_name", &vars.display_name),
        ("shop_domain", &vars.shop_domain),
        ("database", &vars.database),
        ("env_prefix", &vars.env_prefix),
        ("template_version", &vars.template_version),
    ] {
        command.arg("--define").arg(format!("{key}={value}"));
    }
    let output = command.output().expect("cargo is on PATH");
    assert!(
        output.status.success(),
        "stock `cargo generate` failed (is cargo-generate 0.23 installed?):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let ours = generator::template::render(&generator::template::Source::Embedded, &vars).unwrap();
    let ours: BTreeMap<String, Vec<u8>> = ours.into_iter().map(|f| (f.path, f.contents)).collect();
    let theirs = tree(&stock_root.join(name));
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "{name}/{database}: file lists differ"
    );
    for (path, contents) in &ours {
        assert!(
            *contents == theirs[path],
            "{name}/{database}: {path} differs\n--- new-client\n{}\n--- cargo generate\n{}",
            String::from_utf8_lossy(contents),
            String::from_utf8_lossy(&theirs[path])
        );
    }
}

#[test]
fn stock_cargo_generate_renders_the_same_tree() {
    compare("acme", "sqlite");
    compare("globex-corp", "postgres");
}

/// Stock `cargo generate` with `--define`s, for a value check: the exit status and what it said.
fn stock(name: &str, defines: &[(&str, &str)]) -> (bool, String) {
    let template = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("../template/client");
    let out = tempfile::tempdir().unwrap();
    let mut command = Command::new("cargo");
    command
        .args(["generate", "--path", template.as_str(), "--name", name])
        .args(["--vcs", "none", "--silent", "--destination"])
        .arg(out.path())
        .env("RUST_BACKTRACE", "0")
        .env("USER", STOCK_USER);
    for (key, value) in defines {
        command.arg("--define").arg(format!("{key}={value}"));
    }
    let output = command.output().expect("cargo is on PATH");
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    (output.status.success(), text)
}

#[test]
fn stock_cargo_generate_refuses_what_new_client_refuses() {
    let good = [
        ("client", "acme"),
        ("display_name", "Acme Outdoor"),
        ("shop_domain", "acme.myshopify.com"),
        ("database", "sqlite"),
    ];
    let with = |key: &'static str, value: &'static str| -> Vec<(&'static str, &'static str)> {
        let mut defines: Vec<(&'static str, &'static str)> =
            good.iter().copied().filter(|(k, _)| *k != key).collect();
        defines.push((key, value));
        defines
    };
    let (ok, text) = stock("acme", &good);
    assert!(ok, "the clean twin generates: {text}");

    for (key, value, said) in [
        ("shop_domain", "acme.example.com", "shop_domain"),
        (
            "shop_domain",
            "acme.myshopify.com.evil.example",
            "shop_domain",
        ),
        ("env_prefix", "GLOBEX", "env_prefix must be `ACME`"),
        (
            "display_name",
            "Acme\"); std::process::exit(0); (\"",
            "display_name",
        ),
        ("display_name", "Acme \\\" Outdoor", "display_name"),
        ("display_name", "Acme\n//! injected", "display_name"),
        ("client", "globex", "must be the same as --name"),
    ] {
        let (ok, text) = stock("acme", &with(key, value));
        assert!(!ok, "{key}={value:?} was accepted");
        assert!(text.contains(said), "{key}={value:?}: {text}");
        // new-client refuses the same values.
        if key == "display_name" || key == "shop_domain" {
            let (display, shop) = if key == "display_name" {
                (Some(value.to_owned()), None)
            } else {
                (None, Some(value.to_owned()))
            };
            assert!(generator::variables::Variables::new("acme", display, shop, None).is_err());
        }
    }
    let (ok, text) = stock("test", &with("client", "test"));
    assert!(!ok && text.contains("reserved"), "{text}");
    assert!(generator::name::validate("test").is_err());
}
