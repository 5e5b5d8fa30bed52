//! Fixtures built from other fixtures: a folder of `cargo-clientwall/tests/fixtures/` that holds an
//! `OVERLAY` file states only how it differs from the fixture it names, so a clean twin does not
//! repeat the files it shares with its breach.
//!
//! `OVERLAY` is read line by line (`#` starts a comment):
//!
//! ```text
//! base cargo-config                        the fixture this one starts from (itself an overlay or not)
//! remove clients/acme/.cargo/config.toml   a file or directory of the base this one does not have
//! ```
//!
//! Then every file of the folder (but `OVERLAY`) is written over the base's.

use std::path::{Path, PathBuf};

/// The name of the file that makes a fixture folder an overlay.
pub const OVERLAY: &str = "OVERLAY";

/// What an `OVERLAY` file says.
#[derive(Debug, PartialEq)]
pub struct Overlay {
    pub base: String,
    pub remove: Vec<PathBuf>,
}

/// The overlay of the fixture folder `dir`, if it is one.
pub fn read(dir: &Path) -> Option<Overlay> {
    let text = match std::fs::read_to_string(dir.join(OVERLAY)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("{}: {e}", dir.join(OVERLAY).display()),
    };
    Some(parse(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.join(OVERLAY).display())))
}

fn parse(text: &str) -> Result<Overlay, String> {
    let mut base = None;
    let mut remove = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once(' ') {
            Some(("base", name)) if base.is_none() => base = Some(name.trim().to_owned()),
            Some(("remove", path)) => {
                let path = PathBuf::from(path.trim());
                if path.is_absolute() || path.components().any(|c| c.as_os_str() == "..") {
                    return Err(format!(
                        "line {}: `{}` leaves the fixture",
                        n + 1,
                        path.display()
                    ));
                }
                remove.push(path);
            }
            _ => {
                return Err(format!(
                    "line {}: expected `base NAME` (once) or `remove PATH`",
                    n + 1
                ));
            }
        }
    }
    let base = base.ok_or("no `base NAME` line")?;
    Ok(Overlay { base, remove })
}

/// Build the fixture `name` of `fixtures` into the empty directory `to`, copying each file
/// with `copy` (which may rewrite it).
pub fn build(fixtures: &Path, name: &str, to: &Path, copy: &dyn Fn(&Path, &Path)) {
    build_at(fixtures, name, to, copy, &mut Vec::new());
}

fn build_at(
    fixtures: &Path,
    name: &str,
    to: &Path,
    copy: &dyn Fn(&Path, &Path),
    seen: &mut Vec<String>,
) {
    assert!(
        !seen.iter().any(|s| s == name),
        "overlays in a circle: {seen:?} then {name}"
    );
    seen.push(name.to_owned());
    let dir = fixtures.join(name);
    assert!(dir.is_dir(), "no fixture at {}", dir.display());
    let Some(overlay) = read(&dir) else {
        copy(&dir, to);
        return;
    };
    build_at(fixtures, &overlay.base, to, copy, seen);
    for path in &overlay.remove {
        let target = to.join(path);
        let meta = std::fs::symlink_metadata(&target).unwrap_or_else(|e| {
            panic!(
                "{name}/{OVERLAY}: `remove {}`: not in {}: {e}",
                path.display(),
                overlay.base
            )
        });
        if meta.is_dir() {
            std::fs::remove_dir_all(&target).unwrap();
        } else {
            std::fs::remove_file(&target).unwrap();
        }
    }
    copy(&dir, to);
    std::fs::remove_file(to.join(OVERLAY)).unwrap();
}

#[test]
fn an_overlay_names_its_base_once_and_removes_only_inside() {
    assert_eq!(
        parse("# the clean twin\nbase cargo-config\nremove clients/acme/x.rs # gone\n"),
        Ok(Overlay {
            base: "cargo-config".into(),
            remove: vec![PathBuf::from("clients/acme/x.rs")],
        })
    );
    assert!(parse("remove a\n").is_err());
    assert!(parse("base a\nbase b\n").is_err());
    assert!(parse("base a\nremove ../b\n").is_err());
    assert!(parse("base a\nremove /b\n").is_err());
    assert!(parse("base a\nkeep b\n").is_err());
}
