//! A released template version never changes, and the current template is released: every
//! release matches the checksum recorded when it was released, states its own version, and
//! `template/` renders exactly what the release of its version renders. Releases are stored by
//! content: the store is whole, and holds nothing the template holds.

use camino::{Utf8Path, Utf8PathBuf};
use clientwall_template::release::{self, CHECKSUMS};
use clientwall_template::store;

fn releases() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("releases")
}

fn template_dir() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("client")
}

fn release_dirs() -> Vec<String> {
    store::released_versions(&releases()).unwrap()
}

fn release_files(version: &str) -> Vec<(String, Vec<u8>)> {
    store::release_files(&releases(), &template_dir(), version)
        .unwrap_or_else(|e| panic!("release {version}: {e}"))
}

/// Editing a file of `template/` that a release holds takes the released contents out of the
/// repository's files: the store must keep them (`cargo xtask template-store` takes them from
/// git), and must hold nothing twice.
#[test]
fn the_store_is_whole_and_holds_nothing_the_template_holds() {
    let audit = store::audit(&releases(), &template_dir()).unwrap();
    assert!(audit.is_whole(), "{audit}");
    assert!(!release_dirs().is_empty());
}

/// What each release yields from the repository is what the binary embeds.
#[test]
fn every_release_yields_the_embedded_files() {
    for version in release_dirs() {
        let embedded = clientwall_template::catalog::released_files(&version)
            .unwrap()
            .unwrap();
        assert_eq!(release_files(&version), embedded, "release {version}");
    }
}

#[test]
fn every_release_matches_its_recorded_checksum() {
    let recorded = release::recorded_checksums(&releases()).unwrap();
    let dirs = release_dirs();
    assert_eq!(
        recorded
            .iter()
            .map(|(v, _)| v.clone())
            .collect::<Vec<_>>()
            .len(),
        dirs.len(),
        "every release directory has exactly one line in releases/{CHECKSUMS}: {recorded:?} vs {dirs:?}"
    );
    for (version, sum) in &recorded {
        assert!(
            dirs.contains(version),
            "{CHECKSUMS} names {version}, which is not released"
        );
        let files = release_files(version);
        assert_eq!(
            &release::checksum(&files),
            sum,
            "releases/{version} changed after it was released: a released version never changes \
             (release a new version with `cargo xtask release-template VERSION` instead)"
        );
    }
}

#[test]
fn every_release_states_its_own_version() {
    let catalog = clientwall_template::Catalog::embedded();
    for version in release_dirs() {
        let template = catalog.template(&version).unwrap();
        assert!(
            template.version().is_none_or(|v| v == version),
            "releases/{version} states {:?}",
            template.version()
        );
    }
}

/// The current template's version is released, and its locked files render exactly as that
/// release's: clients generated now are checked for drift against the release later. Managed
/// files may carry changes not yet released; `cargo xtask release-template` makes them a
/// version.
#[test]
fn the_current_template_is_released_at_its_version() {
    let current = clientwall_template::current_version();
    assert!(
        release_dirs().iter().any(|v| v == current),
        "template/ is at version {current}, which is not released: run `cargo xtask release-template {current}`"
    );
    let catalog = clientwall_template::Catalog::embedded();
    let template = catalog.current().unwrap();
    let released = clientwall_template::Template::parse(current, release_files(current)).unwrap();
    let locked = &template.declaration().locked;
    assert!(!locked.is_empty());
    for database in ["sqlite", "postgres"] {
        let vars =
            clientwall_template::Variables::new("acme", None, None, Some(database.into())).unwrap();
        let keep = |p: &str| locked.contains_key(p);
        let ours = template.render_where(&vars, keep).unwrap();
        let theirs = released.render_where(&vars, keep).unwrap();
        assert_eq!(
            ours.len(),
            locked.len(),
            "a locked file is not rendered by template/"
        );
        assert_eq!(
            ours, theirs,
            "a locked file of template/ differs from release {current}: release the change as a \
             new version with `cargo xtask release-template VERSION`"
        );
    }
}

/// The template's README lists exactly the files its declaration locks.
#[test]
fn the_template_readme_lists_the_locked_files() {
    let template = clientwall_template::Catalog::embedded().current().unwrap();
    let readme = template
        .raw_files()
        .iter()
        .find(|(p, _)| p == "README.md")
        .map(|(_, c)| String::from_utf8_lossy(c).into_owned())
        .unwrap();
    let section = readme
        .split("## Locked and managed files")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a `Locked and managed files` section");
    let listed: Vec<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let declared: Vec<&str> = template
        .declaration()
        .locked
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(listed, declared);
}
