//! For tests and benchmarks: a directory of two template versions, 0.1.0 (the first release)
//! and 0.1.1 (a fixture: 0.1.0 with a new function in a managed file and a fix in a locked
//! one, from `tests/fixtures/template-0.1.1`), to upgrade clients between.

use crate::error::{Error, Result};
use crate::template::read_dir_files;
use camino::Utf8Path;

/// The fixture's version.
pub const NEXT: &str = "0.1.1";
/// The version the fixture's clients start at.
pub const BASE: &str = "0.1.0";

/// Write `dest/0.1.0/` and `dest/0.1.1/`; load them with [`crate::Catalog::from_dir`]. The base
/// is release 0.1.0 as released, whatever the current template is.
pub fn write_releases(dest: &Utf8Path) -> Result<()> {
    let base = crate::catalog::released_files(BASE)?
        .ok_or_else(|| Error::Template(format!("release {BASE} is not embedded")))?;
    write(&dest.join(BASE), &base)?;
    let overlay_dir =
        Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/template-0.1.1");
    let mut next = base;
    for (path, contents) in read_dir_files(&overlay_dir)? {
        if path == "README.fixture.md" {
            continue;
        }
        next.retain(|(p, _)| *p != path);
        next.push((path, contents));
    }
    write(&dest.join(NEXT), &next)
}

fn write(dir: &Utf8Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    for (path, contents) in files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        std::fs::write(&target, contents).map_err(|e| Error::io("write", &target, e))?;
    }
    Ok(())
}
