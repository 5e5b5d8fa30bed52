//! Upgrade cases on a small two-version template, through the library: renamed files follow,
//! deleted files stay deleted, new files are added, files gone from the template are removed
//! (or kept when the client changed them), a deleted locked file is restored, a standalone
//! client stays standalone, and migrations run (or refuse the client, writing nothing).

use camino::{Utf8Path, Utf8PathBuf};
use clientwall_template::migrations::{Files, Migration};
use clientwall_template::{Catalog, Variables};
use generator::upgrade::{self, Mode, Options, Status, plan::Action};
use std::sync::Arc;

const CARGO: &str = "[package]\nname = \"{{ client }}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[package.metadata.clientwall]\nrole = \"client\"\ntemplate-version = \"{{ template_version }}\"\n";
const DECLARATION: &str = "[locked]\n\"src/lock.rs\" = \"the lock\"\n";

fn write(dir: &Utf8Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn cargo_generate(version: &str) -> String {
    format!("[placeholders]\ntemplate_version = {{ type = \"string\", default = \"{version}\" }}\n")
}

/// Versions 1.0.0 and 2.0.0 of a small template.
fn releases(root: &Utf8Path) -> Utf8PathBuf {
    let releases = root.join("releases");
    let v1 = releases.join("1.0.0");
    write(&v1, "cargo-generate.toml", &cargo_generate("1.0.0"));
    write(&v1, "clientwall-template.toml", DECLARATION);
    write(&v1, "Cargo.toml.liquid", CARGO);
    write(
        &v1,
        "client.toml",
        "[shopify]\nshop = \"{{ shop_domain }}\"\n\n[database]\npath = \"data.sqlite3\"\n",
    );
    write(
        &v1,
        "src/old.rs",
        "// {{ client }}\nfn a() {}\n\nfn b() {}\n\nfn c() {}\n",
    );
    write(&v1, "src/lock.rs", "pub const LOCK: u8 = 1;\n");
    write(&v1, "notes.md", "# notes for {{ display_name }}\n");
    write(&v1, "gone.txt", "unused\n");
    write(&v1, "kept.txt", "unused too\n");

    let v2 = releases.join("2.0.0");
    write(&v2, "cargo-generate.toml", &cargo_generate("2.0.0"));
    write(
        &v2,
        "clientwall-template.toml",
        &format!("{DECLARATION}\n[renamed]\n\"src/old.rs\" = \"src/new.rs\"\n"),
    );
    write(&v2, "Cargo.toml.liquid", CARGO);
    write(
        &v2,
        "client.toml",
        "[shopify]\nshop = \"{{ shop_domain }}\"\napi_version = \"2026-10\"\n\n[database]\npath = \"data.sqlite3\"\n",
    );
    write(
        &v2,
        "src/new.rs",
        "// {{ client }}\nfn a() {}\n\nfn b() {}\n\nfn c() { /* fixed */ }\n",
    );
    write(&v2, "src/lock.rs", "pub const LOCK: u8 = 2;\n");
    write(&v2, "notes.md", "# notes for {{ display_name }}\n\nmore\n");
    write(&v2, "added.txt", "new in 2.0.0\n");
    releases
}

fn api_version(files: &mut Files, _: &Variables) -> Result<(), String> {
    clientwall_template::migrations::ensure_toml_key(
        files,
        "client.toml",
        "shopify",
        "api_version",
        "2026-10".into(),
    )
    .map(|_| ())
}

fn failing(_: &mut Files, _: &Variables) -> Result<(), String> {
    Err("client.toml has no [shopify] table".into())
}

struct Setup {
    _dir: tempfile::TempDir,
    root: Utf8PathBuf,
    catalog: Arc<Catalog>,
}

fn setup(migration: fn(&mut Files, &Variables) -> Result<(), String>) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let base = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    let catalog = Catalog::from_dir(&releases(&base))
        .unwrap()
        .with_migrations(vec![Migration {
            to: "2.0.0",
            summary: "client.toml gets [shopify] api_version",
            apply: migration,
        }]);
    let root = base.join("ws");
    write(
        &root,
        "Cargo.toml",
        "[workspace]\nresolver = \"2\"\nmembers = [\"clients/*\"]\nexclude = [\"clients/solo\"]\n\n[workspace.metadata.clientwall]\nclients = [\"clients/*\"]\n",
    );
    for (name, standalone) in [("acme", false), ("solo", true)] {
        let vars = Variables::new(name, None, None, None).unwrap();
        for file in
            clientwall_template::client_files_at(&catalog, "1.0.0", &vars, standalone).unwrap()
        {
            write(
                &root.join("clients").join(name),
                &file.path,
                std::str::from_utf8(&file.contents).unwrap(),
            );
        }
    }
    Setup {
        _dir: dir,
        root,
        catalog: Arc::new(catalog),
    }
}

impl Setup {
    fn run(&self, mode: Mode) -> upgrade::Report {
        upgrade::run(&Options {
            workspace: self.root.clone(),
            clients: Vec::new(),
            mode,
            allow_dirty: true,
            templates: Some(self.catalog.clone()),
            check: false,
        })
        .unwrap()
    }

    fn path(&self, client: &str, file: &str) -> Utf8PathBuf {
        self.root.join("clients").join(client).join(file)
    }

    fn read(&self, client: &str, file: &str) -> String {
        std::fs::read_to_string(self.path(client, file)).unwrap()
    }

    fn edit(&self, client: &str, file: &str, from: &str, to: &str) {
        let text = self.read(client, file);
        assert!(text.contains(from));
        std::fs::write(self.path(client, file), text.replacen(from, to, 1)).unwrap();
    }
}

#[test]
fn files_follow_the_template_and_local_choices_are_kept() {
    let s = setup(api_version);
    s.edit("acme", "src/old.rs", "fn a() {}", "fn a() { /* ours */ }");
    std::fs::remove_file(s.path("acme", "notes.md")).unwrap();
    s.edit("acme", "kept.txt", "unused too", "used by us");
    std::fs::remove_file(s.path("acme", "src/lock.rs")).unwrap();
    s.edit("acme", "client.toml", "data.sqlite3", "elsewhere.sqlite3");

    let report = s.run(Mode::Apply);
    assert_eq!(report.exit_code(), 0, "{}", report.table());
    let acme = report.clients.iter().find(|c| c.name == "acme").unwrap();
    assert_eq!(acme.status, Status::Clean);
    let plan = acme.plan.as_ref().unwrap();
    let action = |path: &str| {
        plan.changes
            .iter()
            .find(|c| c.path == path)
            .map(|c| c.action.clone())
            .unwrap_or_else(|| panic!("no change for {path}: {:?}", plan.changes))
    };

    // Renamed: the client's edit and the template's fix, at the new path.
    assert_eq!(action("src/new.rs"), Action::Merged);
    assert_eq!(
        plan.changes
            .iter()
            .find(|c| c.path == "src/new.rs")
            .unwrap()
            .renamed_from
            .as_deref(),
        Some("src/old.rs")
    );
    assert!(!s.path("acme", "src/old.rs").exists());
    assert_eq!(
        s.read("acme", "src/new.rs"),
        "// acme\nfn a() { /* ours */ }\n\nfn b() {}\n\nfn c() { /* fixed */ }\n"
    );
    // Deleted by the client: stays deleted.
    assert_eq!(action("notes.md"), Action::StaysDeleted);
    assert!(!s.path("acme", "notes.md").exists());
    // New in the template: added.
    assert_eq!(action("added.txt"), Action::Added);
    assert_eq!(s.read("acme", "added.txt"), "new in 2.0.0\n");
    // Gone from the template: removed when untouched, kept when changed.
    assert_eq!(action("gone.txt"), Action::Removed);
    assert!(!s.path("acme", "gone.txt").exists());
    assert_eq!(action("kept.txt"), Action::KeptAsYours);
    assert_eq!(s.read("acme", "kept.txt"), "used by us\n");
    // A deleted locked file is restored, at the new version.
    assert_eq!(
        action("src/lock.rs"),
        Action::Restored { was_missing: true }
    );
    assert_eq!(s.read("acme", "src/lock.rs"), "pub const LOCK: u8 = 2;\n");
    // The migration ran; its edit is the template's, so the merge took it once.
    assert_eq!(plan.migrations, ["client.toml gets [shopify] api_version"]);
    assert_eq!(
        s.read("acme", "client.toml"),
        "[shopify]\nshop = \"acme.myshopify.com\"\napi_version = \"2026-10\"\n\n[database]\npath = \"elsewhere.sqlite3\"\n"
    );
    // The record names the new version and the new file list.
    let record = s.read("acme", ".clientwall-template.toml");
    assert!(record.contains("template-version = \"2.0.0\""));
    assert!(record.contains("\"src/new.rs\" = \"managed\"") && !record.contains("src/old.rs"));
    assert!(record.contains("\"src/lock.rs\" = \"locked\""));

    // The standalone client keeps its own workspace.
    assert!(s.read("solo", "Cargo.toml").ends_with("[workspace]\n"));
    assert!(
        s.read("solo", "Cargo.toml")
            .contains("template-version = \"2.0.0\"")
    );

    // Run again: everything is current, nothing changes.
    let again = s.run(Mode::Apply);
    assert!(
        again.clients.iter().all(|c| c.status == Status::Current),
        "{}",
        again.table()
    );
}

#[test]
fn a_failing_migration_refuses_the_client_and_writes_nothing() {
    let s = setup(failing);
    let before = s.read("acme", "client.toml");
    let report = s.run(Mode::Apply);
    assert_eq!(report.exit_code(), 2);
    for client in &report.clients {
        match &client.status {
            Status::Refused(why) => assert!(
                why.contains("migration to 2.0.0 (client.toml gets [shopify] api_version) failed: client.toml has no [shopify] table"),
                "{why}"
            ),
            other => panic!("{}: {other:?}", client.name),
        }
    }
    assert_eq!(s.read("acme", "client.toml"), before);
    assert!(s.path("acme", "src/old.rs").exists());
}

#[test]
fn check_mode_lists_what_is_behind_and_reads_only_records() {
    let s = setup(api_version);
    let report = s.run(Mode::Check);
    assert_eq!(report.exit_code(), 1);
    assert_eq!(
        report.table(),
        "client  from      to     result\nacme    1.0.0  ->  2.0.0  behind\nsolo    1.0.0  ->  2.0.0  behind\n"
    );
    assert!(report.clients.iter().all(|c| c.plan.is_none()));
}
