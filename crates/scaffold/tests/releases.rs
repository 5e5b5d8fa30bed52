//! A released template version never changes, and the current template is released: every
//! release directory matches the checksum recorded when it was released, states its own
//! version, and `template/` renders exactly what the release of its version renders.

use camino::{Utf8Path, Utf8PathBuf};
use scaffold::release::{self, CHECKSUMS};
use scaffold::template::read_dir_files;

fn releases() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("releases")
}

fn release_dirs() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(releases())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    dirs.sort();
    dirs
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
        let files = read_dir_files(&releases().join(version)).unwrap();
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
    let catalog = scaffold::Catalog::embedded();
    for version in release_dirs() {
        let template = catalog.template(&version).unwrap();
        assert!(
            template.version().is_none_or(|v| v == version),
            "releases/{version} states {:?}",
            template.version()
        );
    }
}

#[test]
fn the_current_template_is_released_at_its_version() {
    let current = scaffold::current_version();
    let dir = releases().join(current);
    assert!(
        dir.is_dir(),
        "template/ is at version {current}, which is not released: run `cargo xtask release-template {current}`"
    );
    let template = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template");
    let ours = release::rendered_sources(&read_dir_files(&template).unwrap());
    let released = release::rendered_sources(&read_dir_files(&dir).unwrap());
    let differing: Vec<&str> = ours
        .iter()
        .map(|(p, _)| p.as_str())
        .chain(released.iter().map(|(p, _)| p.as_str()))
        .filter(|p| {
            ours.iter().find(|(q, _)| q == p).map(|(_, c)| c)
                != released.iter().find(|(q, _)| q == p).map(|(_, c)| c)
        })
        .collect();
    assert!(
        differing.is_empty(),
        "template/ changed since {current} was released ({differing:?}): clients record {current} \
         and are checked against that release, so release the change as a new version with \
         `cargo xtask release-template VERSION`"
    );
}
