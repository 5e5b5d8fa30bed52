//! Releasing the template: `cargo xtask release-template VERSION` writes the manifest of
//! `template/` as `template/releases/VERSION.manifest` (the contents stay in the
//! template, or go to the [store] when the template drops them), records the
//! release's checksum in `releases/SHA256SUMS`, and sets the current template's version (its
//! one definition, in `template/cargo-generate.toml`). A released version never changes: a
//! test recomputes every checksum.

use crate::error::{Error, Result};
use crate::store;
use crate::template::{self, NOT_RENDERED};
use crate::version;
use camino::Utf8Path;
use sha2::{Digest, Sha256};

/// The checksum file, in the releases directory: `<sha256>  <version>` per line.
pub const CHECKSUMS: &str = "SHA256SUMS";

/// SHA-256 over a template's files (path, length and contents of each, in path order).
pub fn checksum(files: &[(String, Vec<u8>)]) -> String {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hash = Sha256::new();
    for (path, contents) in sorted {
        hash.update(path.as_bytes());
        hash.update([0]);
        hash.update((contents.len() as u64).to_le_bytes());
        hash.update(contents);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The recorded checksums: version → checksum, in file order.
pub fn recorded_checksums(releases: &Utf8Path) -> Result<Vec<(String, String)>> {
    let path = releases.join(CHECKSUMS);
    let text =
        safe_read::read_to_string(path.as_std_path()).map_err(|e| Error::io("read", &path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, line)| {
            line.split_once("  ")
                .map(|(sum, v)| (v.trim().to_owned(), sum.trim().to_owned()))
                .ok_or_else(|| Error::Invalid {
                    path: path.clone(),
                    line: i + 1,
                    message: "expected `<sha256>  <version>`".into(),
                })
        })
        .collect()
}

/// The files of a template that are rendered into clients (what a release must not change
/// and what the current template must equal at its version).
pub fn rendered_sources(files: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .filter(|(p, _)| !NOT_RENDERED.contains(&p.as_str()))
        .cloned()
        .collect()
}

/// What a release did.
#[derive(Debug, Clone)]
pub struct Released {
    pub version: String,
    pub previous: String,
    pub files: usize,
    pub checksum: String,
}

/// Release `template_dir` as `new_version` into `releases`: refuses a version that is not
/// newer than every release and than the template's own, or that exists already. Writes, each
/// file whole: the store's blobs for released contents the template is about to lose (its old
/// `cargo-generate.toml`), the new manifest, its `SHA256SUMS` line, then the template's new
/// version; last, the store drops what the template holds.
pub fn release(
    template_dir: &Utf8Path,
    releases: &Utf8Path,
    new_version: &str,
) -> Result<Released> {
    let wanted = version::parse(new_version).map_err(Error::Template)?;
    let cargo_generate = template_dir.join("cargo-generate.toml");
    let text = safe_read::read_to_string(cargo_generate.as_std_path())
        .map_err(|e| Error::io("read", &cargo_generate, e))?;
    let previous = version::from_cargo_generate_toml(&cargo_generate, &text)?.ok_or_else(|| {
        Error::Template(format!(
            "{cargo_generate} states no template_version default"
        ))
    })?;
    let recorded = recorded_checksums(releases)?;
    let released = store::released_versions(releases)?;
    for existing in recorded
        .iter()
        .map(|(v, _)| v.as_str())
        .chain(released.iter().map(String::as_str))
        .chain([previous.as_str()])
    {
        let existing_parsed = version::parse(existing).map_err(Error::Template)?;
        if wanted <= existing_parsed {
            return Err(Error::Template(format!(
                "{new_version} is not newer than {existing}; a released version never changes"
            )));
        }
    }
    let target = store::manifest_path(releases, new_version);
    if target.exists() {
        return Err(Error::Template(format!("{target} exists already")));
    }
    let store_state = store::audit(releases, template_dir)?;
    if !store_state.is_whole() {
        return Err(Error::Template(format!(
            "the template store is not whole:\n{store_state}"
        )));
    }
    let updated = version::set_in_cargo_generate_toml(&cargo_generate, &text, new_version)?;
    let before = template::read_dir_files(template_dir)?;
    let mut files = before.clone();
    for (path, contents) in &mut files {
        if path == "cargo-generate.toml" {
            *contents = updated.clone().into_bytes();
        }
    }
    // Parse what is being released before anything is written.
    template::Template::parse(template_dir.as_str(), files.clone())?;
    let after: std::collections::BTreeSet<String> =
        files.iter().map(|(_, c)| store::sha256_hex(c)).collect();
    for (_, contents) in &before {
        let hash = store::sha256_hex(contents);
        if !after.contains(&hash) {
            store::store_blob(releases, &hash, contents)?;
        }
    }
    let manifest = store::Manifest::of(&files);
    write_whole(&target, manifest.to_text().as_bytes())?;
    let sum = checksum(&files);
    let sums = releases.join(CHECKSUMS);
    let mut list =
        safe_read::read_to_string(sums.as_std_path()).map_err(|e| Error::io("read", &sums, e))?;
    if !list.ends_with('\n') && !list.is_empty() {
        list.push('\n');
    }
    list.push_str(&format!("{sum}  {new_version}\n"));
    write_whole(&sums, list.as_bytes())?;
    write_whole(&cargo_generate, updated.as_bytes())?;
    let by_hash: std::collections::BTreeMap<String, Vec<u8>> = before
        .into_iter()
        .map(|(_, c)| (store::sha256_hex(&c), c))
        .collect();
    store::tidy(releases, template_dir, &mut |_, hash| {
        by_hash.get(hash).cloned()
    })?;
    Ok(Released {
        version: new_version.to_owned(),
        previous,
        files: files.len(),
        checksum: sum,
    })
}

fn write_whole(path: &Utf8Path, contents: &[u8]) -> Result<()> {
    safe_read::write::atomic(path.as_std_path(), contents).map_err(|e| Error::io("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use camino::Utf8PathBuf;

    #[test]
    fn release_copies_records_and_bumps_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let template = root.join("template/client");
        let releases = root.join("releases");
        std::fs::create_dir_all(template.join("src")).unwrap();
        std::fs::create_dir_all(&releases).unwrap();
        std::fs::write(store::manifest_path(&releases, "0.1.0"), "").unwrap();
        let cg = "[placeholders]\ntemplate_version = { type = \"string\", default = \"0.1.0\" }\n";
        std::fs::write(template.join("cargo-generate.toml"), cg).unwrap();
        std::fs::write(template.join("src/lib.rs"), "// {{ client }}\n").unwrap();
        std::fs::write(releases.join(CHECKSUMS), "abc  0.1.0\n").unwrap();

        assert!(release(&template, &releases, "0.1.0").is_err());
        let done = release(&template, &releases, "0.2.0").unwrap();
        assert_eq!((done.previous.as_str(), done.files), ("0.1.0", 2));
        let copied = store::release_files(&releases, &template, "0.2.0").unwrap();
        assert_eq!(checksum(&copied), done.checksum);
        assert!(String::from_utf8_lossy(&copied[0].1).contains("default = \"0.2.0\""));
        assert_eq!(
            std::fs::read_to_string(template.join("cargo-generate.toml")).unwrap(),
            cg.replace("0.1.0", "0.2.0")
        );
        assert_eq!(
            recorded_checksums(&releases).unwrap()[1],
            ("0.2.0".to_owned(), done.checksum)
        );
        assert!(store::audit(&releases, &template).unwrap().is_whole());
        let again = release(&template, &releases, "0.2.0")
            .unwrap_err()
            .to_string();
        assert!(again.contains("not newer"), "{again}");
    }

    /// A release after an edit: the previous release's contents the template dropped go to the
    /// store, and the previous release still yields exactly what it did.
    #[test]
    fn the_next_release_keeps_the_previous_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let (template, releases) = (root.join("template"), root.join("releases"));
        std::fs::create_dir_all(template.join("src")).unwrap();
        std::fs::create_dir_all(&releases).unwrap();
        let cg = "[placeholders]\ntemplate_version = { type = \"string\", default = \"0.1.0\" }\n";
        std::fs::write(template.join("cargo-generate.toml"), cg).unwrap();
        std::fs::write(template.join("src/lib.rs"), "// {{ client }}\n").unwrap();
        std::fs::write(releases.join(CHECKSUMS), "").unwrap();
        let first = release(&template, &releases, "0.2.0").unwrap();
        let first_files = store::release_files(&releases, &template, "0.2.0").unwrap();
        let stored = |dir: &Utf8Path| {
            std::fs::read_dir(dir.join(store::STORE)).map_or(0, |entries| entries.count())
        };
        assert_eq!(stored(&releases), 0, "the template holds it all");

        // An edit orphans the released lib.rs: no release until the store holds it.
        std::fs::write(template.join("src/lib.rs"), "// {{ client }} v2\n").unwrap();
        let refused = release(&template, &releases, "0.3.0")
            .unwrap_err()
            .to_string();
        assert!(refused.contains(store::TIDY_COMMAND), "{refused}");
        store::tidy(&releases, &template, &mut |path, _| {
            (path == "src/lib.rs").then(|| b"// {{ client }}\n".to_vec())
        })
        .unwrap();
        release(&template, &releases, "0.3.0").unwrap();

        let again = store::release_files(&releases, &template, "0.2.0").unwrap();
        assert_eq!(again, first_files);
        assert_eq!(checksum(&again), first.checksum);
        // Two blobs stored: 0.2.0's lib.rs and its cargo-generate.toml.
        assert_eq!(stored(&releases), 2);
        assert!(store::audit(&releases, &template).unwrap().is_whole());
        let sums = recorded_checksums(&releases).unwrap();
        assert_eq!(
            sums.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>(),
            ["0.2.0", "0.3.0"]
        );
    }
}
