//! Released template versions stored by content. A release is a manifest,
//! `releases/<version>.manifest`: one line per file, `<sha256>  <path>` (the format
//! `sha256sum` writes and `sha256sum -c` reads), in path order. The contents live once:
//! in the current template (`template/`, real files for stock `cargo generate`) or, when the
//! template no longer holds them, in the store (`releases/store/<sha256>`). The store keeps only
//! what the template does not hold and what some release names; `cargo xtask template-store`
//! keeps it so (and [`crate::release::release`] does for a new release). No file mode is
//! recorded: a rendered client's files are written as any new file, whatever the template's.

use crate::error::{Error, Result};
use crate::template::read_dir_files;
use camino::{Utf8Path, Utf8PathBuf};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What a release's manifest is named after its version: `0.3.0.manifest`.
pub const MANIFEST_SUFFIX: &str = ".manifest";
/// The store's directory, in the releases directory.
pub const STORE: &str = "store";
/// The command that makes the store whole again.
pub const TIDY_COMMAND: &str = "cargo xtask template-store";

/// A template's files: each path (relative, `/`-separated) and contents.
pub type Files = Vec<(String, Vec<u8>)>;

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn is_hash(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Is `path` a relative `/`-separated path with no empty, `.` or `..` part?
fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path.split('/').all(|part| !matches!(part, "" | "." | ".."))
}

/// A release: every file's path and the SHA-256 of its contents, in path order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    files: Vec<(String, String)>,
}

impl Manifest {
    /// The manifest of these files.
    pub fn of(files: &[(String, Vec<u8>)]) -> Manifest {
        let mut files: Vec<(String, String)> = files
            .iter()
            .map(|(path, contents)| (path.clone(), sha256_hex(contents)))
            .collect();
        files.sort();
        Manifest { files }
    }

    /// Read a manifest (the contents of `path`): every line `<sha256>  <path>`, paths relative,
    /// strictly in order.
    pub fn parse(path: &Utf8Path, text: &str) -> Result<Manifest> {
        let mut files: Vec<(String, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let invalid = |message: String| Error::Invalid {
                path: path.to_owned(),
                line: i + 1,
                message,
            };
            let (hash, file) = line
                .split_once("  ")
                .ok_or_else(|| invalid("expected `<sha256>  <path>`".into()))?;
            if !is_hash(hash) {
                return Err(invalid("expected a lowercase hex SHA-256 first".into()));
            }
            if !is_plain_relative(file) {
                return Err(invalid(format!(
                    "`{}` is not a relative path inside the template",
                    file.escape_debug()
                )));
            }
            if files.last().is_some_and(|(last, _)| last.as_str() >= file) {
                return Err(invalid(format!(
                    "`{file}` is out of order or repeated (paths are sorted, each once)"
                )));
            }
            files.push((file.to_owned(), hash.to_owned()));
        }
        Ok(Manifest { files })
    }

    /// The manifest as written.
    pub fn to_text(&self) -> String {
        self.files
            .iter()
            .map(|(path, hash)| format!("{hash}  {path}\n"))
            .collect()
    }

    /// Each file's path and hash, in path order.
    pub fn files(&self) -> &[(String, String)] {
        &self.files
    }

    /// The files, each read by `lookup` from its hash and checked against it. `origin` names
    /// the release in errors.
    pub fn resolve<'a>(
        &self,
        origin: &str,
        lookup: impl Fn(&str) -> Option<&'a [u8]>,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::with_capacity(self.files.len());
        for (path, hash) in &self.files {
            let contents = lookup(hash).ok_or_else(|| {
                Error::Template(format!(
                    "{origin}: {path} (sha256 {hash}) is neither in the template store nor in \
                     the current template: run `{TIDY_COMMAND}`"
                ))
            })?;
            if sha256_hex(contents) != *hash {
                return Err(Error::Template(format!(
                    "{origin}: the stored contents of {path} do not have sha256 {hash}"
                )));
            }
            out.push((path.clone(), contents.to_vec()));
        }
        Ok(out)
    }
}

/// Where release `version`'s manifest is.
pub fn manifest_path(releases: &Utf8Path, version: &str) -> Utf8PathBuf {
    releases.join(format!("{version}{MANIFEST_SUFFIX}"))
}

/// The released versions: one per manifest in `releases`, oldest first.
pub fn released_versions(releases: &Utf8Path) -> Result<Vec<String>> {
    let mut versions = BTreeMap::new();
    let entries = std::fs::read_dir(releases).map_err(|e| Error::io("read", releases, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read", releases, e))?;
        let name = entry.file_name();
        let Some(version) = name.to_str().and_then(|n| n.strip_suffix(MANIFEST_SUFFIX)) else {
            continue;
        };
        let parsed = crate::version::parse(version)
            .map_err(|e| Error::Template(format!("{releases}/{version}{MANIFEST_SUFFIX}: {e}")))?;
        versions.insert(parsed, version.to_owned());
    }
    Ok(versions.into_values().collect())
}

/// Release `version`'s manifest.
pub fn read_manifest(releases: &Utf8Path, version: &str) -> Result<Manifest> {
    let path = manifest_path(releases, version);
    let text =
        safe_read::read_to_string(path.as_std_path()).map_err(|e| Error::io("read", &path, e))?;
    Manifest::parse(&path, &text)
}

/// Every content a release may name, read from disk: the store's blobs (by name) and the
/// current template's files (by hash).
struct Blobs {
    stored: BTreeMap<String, Vec<u8>>,
    template: BTreeMap<String, Vec<u8>>,
}

impl Blobs {
    fn read(releases: &Utf8Path, template_dir: &Utf8Path) -> Result<Blobs> {
        let store = releases.join(STORE);
        let mut stored = BTreeMap::new();
        if store.is_dir() {
            for (name, contents) in read_dir_files(&store)? {
                stored.insert(name, contents);
            }
        }
        let template = read_dir_files(template_dir)?
            .into_iter()
            .map(|(_, contents)| (sha256_hex(&contents), contents))
            .collect();
        Ok(Blobs { stored, template })
    }

    fn get(&self, hash: &str) -> Option<&[u8]> {
        self.stored
            .get(hash)
            .or_else(|| self.template.get(hash))
            .map(Vec::as_slice)
    }
}

/// The files of release `version` as released, from the manifests and store in `releases` and
/// the template at `template_dir`.
pub fn release_files(
    releases: &Utf8Path,
    template_dir: &Utf8Path,
    version: &str,
) -> Result<Vec<(String, Vec<u8>)>> {
    let manifest = read_manifest(releases, version)?;
    let blobs = Blobs::read(releases, template_dir)?;
    manifest.resolve(manifest_path(releases, version).as_str(), |h| blobs.get(h))
}

/// A released file whose contents are nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub version: String,
    pub path: String,
    pub hash: String,
}

/// What keeps the store from being whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audit {
    /// Released files neither the store nor the template holds (the template changed).
    pub missing: Vec<Missing>,
    /// Store blobs the template holds too: stored twice.
    pub duplicated: Vec<String>,
    /// Store blobs no release names.
    pub unreferenced: Vec<String>,
    /// Store files not named by the SHA-256 of their contents.
    pub corrupt: Vec<String>,
}

impl Audit {
    /// Does every release resolve, with each content stored once?
    pub fn is_whole(&self) -> bool {
        self.missing.is_empty()
            && self.duplicated.is_empty()
            && self.unreferenced.is_empty()
            && self.corrupt.is_empty()
    }
}

impl std::fmt::Display for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for m in &self.missing {
            writeln!(
                f,
                "release {} names {} (sha256 {}), which neither the store nor the template holds",
                m.version, m.path, m.hash
            )?;
        }
        for hash in &self.duplicated {
            writeln!(f, "store/{hash} is also in the template: stored twice")?;
        }
        for hash in &self.unreferenced {
            writeln!(f, "store/{hash} is named by no release")?;
        }
        for name in &self.corrupt {
            writeln!(
                f,
                "store/{name} is not named by the SHA-256 of its contents"
            )?;
        }
        if !self.is_whole() {
            write!(f, "run `{TIDY_COMMAND}` to make the store whole")?;
        }
        Ok(())
    }
}

/// Look at the releases in `releases` against the template at `template_dir`.
pub fn audit(releases: &Utf8Path, template_dir: &Utf8Path) -> Result<Audit> {
    let blobs = Blobs::read(releases, template_dir)?;
    let mut audit = Audit::default();
    let mut referenced = BTreeSet::new();
    for version in released_versions(releases)? {
        for (path, hash) in read_manifest(releases, &version)?.files {
            if blobs.get(&hash).is_none() {
                audit.missing.push(Missing {
                    version: version.clone(),
                    path,
                    hash: hash.clone(),
                });
            }
            referenced.insert(hash);
        }
    }
    for (name, contents) in &blobs.stored {
        if !is_hash(name) || sha256_hex(contents) != *name {
            audit.corrupt.push(name.clone());
        } else if blobs.template.contains_key(name) {
            audit.duplicated.push(name.clone());
        } else if !referenced.contains(name) {
            audit.unreferenced.push(name.clone());
        }
    }
    Ok(audit)
}

/// What [`tidy`] changed in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tidied {
    /// Blobs written (released contents the template no longer holds).
    pub stored: Vec<String>,
    /// Blobs removed (held by the template, or named by no release).
    pub removed: Vec<String>,
}

/// Make the store whole: every released content the template does not hold is stored (read
/// with `recover(path, hash)`, e.g. from git, and checked against its hash), and every blob
/// the template holds or no release names is removed. A corrupt blob or a content `recover`
/// cannot give is an error, and nothing is removed then.
pub fn tidy(
    releases: &Utf8Path,
    template_dir: &Utf8Path,
    recover: &mut dyn FnMut(&str, &str) -> Option<Vec<u8>>,
) -> Result<Tidied> {
    let found = audit(releases, template_dir)?;
    if !found.corrupt.is_empty() {
        return Err(Error::Template(format!(
            "the template store is corrupt (remove these files and run `{TIDY_COMMAND}`):\n{}",
            found
                .corrupt
                .iter()
                .map(|name| format!("  {releases}/{STORE}/{name}"))
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }
    let mut done = Tidied::default();
    let mut lost = Vec::new();
    for missing in &found.missing {
        if done.stored.contains(&missing.hash) {
            continue;
        }
        match recover(&missing.path, &missing.hash) {
            Some(contents) if sha256_hex(&contents) == missing.hash => {
                store_blob(releases, &missing.hash, &contents)?;
                done.stored.push(missing.hash.clone());
            }
            _ => lost.push(format!(
                "  release {}: {} (sha256 {})",
                missing.version, missing.path, missing.hash
            )),
        }
    }
    if !lost.is_empty() {
        return Err(Error::Template(format!(
            "these released contents are nowhere to be found (not in the template, the store, \
             or git):\n{}",
            lost.join("\n")
        )));
    }
    for hash in found.duplicated.iter().chain(&found.unreferenced) {
        let path = releases.join(STORE).join(hash);
        std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
        done.removed.push(hash.clone());
    }
    Ok(done)
}

/// Write `contents` to the store as `store/<hash>`.
pub(crate) fn store_blob(releases: &Utf8Path, hash: &str, contents: &[u8]) -> Result<()> {
    let dir = releases.join(STORE);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
    let path = dir.join(hash);
    safe_read::write::atomic(path.as_std_path(), contents).map_err(|e| Error::io("write", &path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        list.iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn a_manifest_round_trips_and_resolves_to_the_same_bytes() {
        let released = files(&[
            ("src/lib.rs", "// {{ client }}\n"),
            ("Cargo.toml", "[package]\n"),
        ]);
        let manifest = Manifest::of(&released);
        let text = manifest.to_text();
        assert!(text.starts_with(&format!("{}  Cargo.toml\n", sha256_hex(b"[package]\n"))));
        let parsed = Manifest::parse(Utf8Path::new("0.1.0.manifest"), &text).unwrap();
        assert_eq!(parsed, manifest);
        let by_hash: BTreeMap<String, Vec<u8>> = released
            .iter()
            .map(|(_, c)| (sha256_hex(c), c.clone()))
            .collect();
        let mut expected = released.clone();
        expected.sort();
        assert_eq!(
            parsed
                .resolve("0.1.0", |h| by_hash.get(h).map(Vec::as_slice))
                .unwrap(),
            expected
        );
    }

    #[test]
    fn a_blob_that_is_missing_or_not_its_hash_fails_naming_the_file() {
        let manifest = Manifest::of(&files(&[("a.rs", "one")]));
        let missing = manifest.resolve("0.1.0", |_| None).unwrap_err().to_string();
        assert!(
            missing.contains("a.rs") && missing.contains(TIDY_COMMAND),
            "{missing}"
        );
        let wrong = manifest
            .resolve("0.1.0", |_| Some(b"two".as_slice()))
            .unwrap_err()
            .to_string();
        assert!(wrong.contains("stored contents of a.rs"), "{wrong}");
    }

    #[test]
    fn a_manifest_line_that_is_not_a_plain_entry_is_refused_with_its_line() {
        let hash = sha256_hex(b"x");
        for (text, line) in [
            (format!("{hash} a.rs\n"), 1),
            (format!("{hash}  a.rs\nABC  b.rs\n"), 2),
            (format!("{hash}  ../escape\n"), 1),
            (format!("{hash}  /etc/passwd\n"), 1),
            (format!("{hash}  b.rs\n{hash}  a.rs\n"), 2),
            (format!("{hash}  a.rs\n{hash}  a.rs\n"), 2),
            (format!("{hash}  a//b\n"), 1),
        ] {
            match Manifest::parse(Utf8Path::new("m"), &text) {
                Err(Error::Invalid { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }

    fn layout() -> (tempfile::TempDir, Utf8PathBuf, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let (releases, template) = (root.join("releases"), root.join("template"));
        std::fs::create_dir_all(&releases).unwrap();
        std::fs::create_dir_all(template.join("src")).unwrap();
        std::fs::write(template.join("src/lib.rs"), "new").unwrap();
        std::fs::write(template.join("Cargo.toml"), "same").unwrap();
        let released = files(&[("src/lib.rs", "old"), ("Cargo.toml", "same")]);
        std::fs::write(
            manifest_path(&releases, "0.1.0"),
            Manifest::of(&released).to_text(),
        )
        .unwrap();
        (dir, releases, template)
    }

    #[test]
    fn editing_the_template_orphans_a_released_blob_until_tidy_stores_it() {
        let (_dir, releases, template) = layout();
        let found = audit(&releases, &template).unwrap();
        assert_eq!(
            found.missing,
            [Missing {
                version: "0.1.0".into(),
                path: "src/lib.rs".into(),
                hash: sha256_hex(b"old"),
            }]
        );
        assert!(found.to_string().contains(TIDY_COMMAND), "{found}");
        assert!(release_files(&releases, &template, "0.1.0").is_err());

        // Nothing to recover from: an error, the store untouched.
        let lost = tidy(&releases, &template, &mut |_, _| None).unwrap_err();
        assert!(lost.to_string().contains("src/lib.rs"), "{lost}");
        assert!(!releases.join(STORE).exists());

        let done = tidy(&releases, &template, &mut |path, _| {
            (path == "src/lib.rs").then(|| b"old".to_vec())
        })
        .unwrap();
        assert_eq!(done.stored, [sha256_hex(b"old")]);
        assert!(audit(&releases, &template).unwrap().is_whole());
        let mut got = release_files(&releases, &template, "0.1.0").unwrap();
        got.sort();
        assert_eq!(got, files(&[("Cargo.toml", "same"), ("src/lib.rs", "old")]));
    }

    #[test]
    fn tidy_removes_blobs_the_template_holds_or_no_release_names() {
        let (_dir, releases, template) = layout();
        for contents in [b"old".as_slice(), b"same", b"stray"] {
            store_blob(&releases, &sha256_hex(contents), contents).unwrap();
        }
        let found = audit(&releases, &template).unwrap();
        assert_eq!(found.duplicated, [sha256_hex(b"same")]);
        assert_eq!(found.unreferenced, [sha256_hex(b"stray")]);
        let done = tidy(&releases, &template, &mut |_, _| None).unwrap();
        assert_eq!(done.removed.len(), 2);
        assert!(audit(&releases, &template).unwrap().is_whole());
        let stored: Vec<_> = std::fs::read_dir(releases.join(STORE))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(stored, [sha256_hex(b"old")]);
    }

    #[test]
    fn a_store_file_not_named_by_its_hash_is_corrupt_and_tidy_refuses() {
        let (_dir, releases, template) = layout();
        store_blob(&releases, &sha256_hex(b"old"), b"tampered").unwrap();
        let found = audit(&releases, &template).unwrap();
        assert_eq!(found.corrupt, [sha256_hex(b"old")]);
        assert!(tidy(&releases, &template, &mut |_, _| Some(b"old".to_vec())).is_err());
    }
}
