//! Releasing the template: `cargo xtask release-template VERSION` copies `template/client/` into
//! `template/releases/VERSION/`, records the copy's checksum in
//! `releases/SHA256SUMS`, and sets the current template's version (its one definition, in
//! `template/cargo-generate.toml`). A released version never changes: a test recomputes every
//! checksum.

use crate::error::{Error, Result};
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
/// newer than every release and than the template's own, or that exists already.
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
    for existing in recorded
        .iter()
        .map(|(v, _)| v.as_str())
        .chain([previous.as_str()])
    {
        let existing_parsed = version::parse(existing).map_err(Error::Template)?;
        if wanted <= existing_parsed {
            return Err(Error::Template(format!(
                "{new_version} is not newer than {existing}; a released version never changes"
            )));
        }
    }
    let target = releases.join(new_version);
    if target.exists() {
        return Err(Error::Template(format!("{target} exists already")));
    }
    let updated = version::set_in_cargo_generate_toml(&cargo_generate, &text, new_version)?;
    let mut files = template::read_dir_files(template_dir)?;
    for (path, contents) in &mut files {
        if path == "cargo-generate.toml" {
            *contents = updated.clone().into_bytes();
        }
    }
    // Parse what is being released before anything is written.
    template::Template::parse(template_dir.as_str(), files.clone())?;
    let staging = releases.join(format!(".{new_version}.staging"));
    let _ = std::fs::remove_dir_all(&staging);
    for (path, contents) in &files {
        let dest = staging.join(path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        std::fs::write(&dest, contents).map_err(|e| Error::io("write", &dest, e))?;
    }
    std::fs::rename(&staging, &target).map_err(|e| Error::io("move into place", &target, e))?;
    let sum = checksum(&files);
    let sums = releases.join(CHECKSUMS);
    let mut list =
        safe_read::read_to_string(sums.as_std_path()).map_err(|e| Error::io("read", &sums, e))?;
    if !list.ends_with('\n') && !list.is_empty() {
        list.push('\n');
    }
    list.push_str(&format!("{sum}  {new_version}\n"));
    std::fs::write(&sums, list).map_err(|e| Error::io("write", &sums, e))?;
    std::fs::write(&cargo_generate, updated).map_err(|e| Error::io("write", &cargo_generate, e))?;
    Ok(Released {
        version: new_version.to_owned(),
        previous,
        files: files.len(),
        checksum: sum,
    })
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
        std::fs::create_dir_all(releases.join("0.1.0")).unwrap();
        let cg = "[placeholders]\ntemplate_version = { type = \"string\", default = \"0.1.0\" }\n";
        std::fs::write(template.join("cargo-generate.toml"), cg).unwrap();
        std::fs::write(template.join("src/lib.rs"), "// {{ client }}\n").unwrap();
        std::fs::write(releases.join(CHECKSUMS), "abc  0.1.0\n").unwrap();

        assert!(release(&template, &releases, "0.1.0").is_err());
        let done = release(&template, &releases, "0.2.0").unwrap();
        assert_eq!((done.previous.as_str(), done.files), ("0.1.0", 2));
        let copied = template::read_dir_files(&releases.join("0.2.0")).unwrap();
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
        let again = release(&template, &releases, "0.2.0")
            .unwrap_err()
            .to_string();
        assert!(again.contains("not newer"), "{again}");
    }
}
