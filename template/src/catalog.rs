//! Every template version clientwall knows: each released version (`releases/<version>.manifest`
//! over the [store], embedded, never changed) and the current template
//! (`template/`, embedded; its version is the one new clients record). A release's files are
//! read from the embedded store or, by hash, from the embedded current template. Each version
//! is parsed on first use, once.

use crate::error::{Error, Result};
use crate::migrations::{self, Migration};
use crate::store::{self, MANIFEST_SUFFIX, Manifest};
use crate::template::{self, Template};
use crate::version;
use camino::{Utf8Path, Utf8PathBuf};
use include_dir::{Dir, include_dir};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

static RELEASES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/releases");
static CURRENT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/client");

/// The version of the current template (`template/`): what new clients are generated at and
/// upgrades go to.
pub fn current_version() -> &'static str {
    Catalog::embedded().current_version()
}

/// The files of release `version` exactly as released (`releases/<version>.manifest`), even
/// while the current template states that version too (between a template change and its
/// release); `None` for a version never released. A content missing from the embedded store
/// and template, or not matching its hash, is an error.
pub fn released_files(version: &str) -> Result<Option<store::Files>> {
    let Some(file) = RELEASES.get_file(format!("{version}{MANIFEST_SUFFIX}")) else {
        return Ok(None);
    };
    let origin = format!("releases/{version}{MANIFEST_SUFFIX}");
    let text = file
        .contents_utf8()
        .ok_or_else(|| Error::Template(format!("{origin} is not UTF-8")))?;
    let manifest = Manifest::parse(Utf8Path::new(&origin), text)?;
    manifest.resolve(&origin, embedded_blob).map(Some)
}

/// An embedded content by its SHA-256: from the store, else from the current template.
fn embedded_blob(hash: &str) -> Option<&'static [u8]> {
    static CURRENT_BY_HASH: OnceLock<HashMap<String, &'static [u8]>> = OnceLock::new();
    RELEASES
        .get_file(format!("{}/{hash}", store::STORE))
        .map(|f| f.contents())
        .or_else(|| {
            CURRENT_BY_HASH
                .get_or_init(|| {
                    template::embedded_file_refs(&CURRENT)
                        .into_iter()
                        .map(|(_, contents)| (store::sha256_hex(contents), contents))
                        .collect()
                })
                .get(hash)
                .copied()
        })
}

enum Files {
    Embedded(&'static Dir<'static>),
    /// A release's manifest over the embedded store (the version names it).
    Released,
    Loaded(Vec<(String, Vec<u8>)>),
}

struct Entry {
    version: String,
    origin: String,
    files: Files,
    parsed: OnceLock<Result<Template, String>>,
}

impl Entry {
    fn template(&self) -> Result<&Template> {
        self.parsed
            .get_or_init(|| {
                let raw = match &self.files {
                    Files::Embedded(dir) => template::embedded_files(dir),
                    Files::Released => released_files(&self.version)
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("{} is not embedded", self.origin))?,
                    Files::Loaded(raw) => raw.clone(),
                };
                let template = Template::parse(&self.origin, raw).map_err(|e| e.to_string())?;
                match template.version() {
                    Some(stated) if stated != self.version => Err(format!(
                        "{} states version {stated} in its cargo-generate.toml, not {}",
                        self.origin, self.version
                    )),
                    _ => Ok(template),
                }
            })
            .as_ref()
            .map_err(|message| Error::Template(message.clone()))
    }
}

/// The template versions an upgrade can go from and to.
pub struct Catalog {
    entries: BTreeMap<semver::Version, Entry>,
    current: semver::Version,
    migrations: Vec<Migration>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("versions", &self.versions().collect::<Vec<_>>())
            .field("current", &self.current_version())
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// The versions built into clientwall: every release, and the current template.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            let mut entries = BTreeMap::new();
            for file in RELEASES.files() {
                let name = file.path().to_string_lossy().replace('\\', "/");
                let Some(name) = name.strip_suffix(MANIFEST_SUFFIX) else {
                    continue;
                };
                let parsed =
                    version::parse(name).unwrap_or_else(|e| panic!("releases/{name}: {e}"));
                entries.insert(
                    parsed,
                    Entry {
                        version: name.to_owned(),
                        origin: format!("releases/{name}"),
                        files: Files::Released,
                        parsed: OnceLock::new(),
                    },
                );
            }
            let text = CURRENT
                .get_file("cargo-generate.toml")
                .and_then(|f| f.contents_utf8())
                .expect("template/client/cargo-generate.toml is embedded");
            let current = version::from_cargo_generate_toml(
                Utf8Path::new("template/client/cargo-generate.toml"),
                text,
            )
            .expect("template/client/cargo-generate.toml is valid")
            .expect("template/client/cargo-generate.toml states template_version's default");
            let parsed = version::parse(&current).expect("checked above");
            entries.insert(
                parsed.clone(),
                Entry {
                    version: current,
                    origin: "template".into(),
                    files: Files::Embedded(&CURRENT),
                    parsed: OnceLock::new(),
                },
            );
            Catalog {
                entries,
                current: parsed,
                migrations: migrations::MIGRATIONS.to_vec(),
            }
        })
    }

    /// The versions in a directory: each subdirectory named by a version is that version's
    /// template; the highest is current. No migrations (see [`Catalog::with_migrations`]).
    pub fn from_dir(root: &Utf8Path) -> Result<Catalog> {
        let entries_iter = std::fs::read_dir(root).map_err(|e| Error::io("read", root, e))?;
        let mut entries = BTreeMap::new();
        for entry in entries_iter {
            let entry = entry.map_err(|e| Error::io("read", root, e))?;
            let path = Utf8PathBuf::from_path_buf(entry.path())
                .map_err(|p| Error::Template(format!("{} is not a UTF-8 path", p.display())))?;
            if !path.is_dir() {
                continue;
            }
            let name = path.file_name().unwrap_or_default().to_owned();
            let Ok(parsed) = version::parse(&name) else {
                continue;
            };
            entries.insert(
                parsed,
                Entry {
                    version: name,
                    files: Files::Loaded(template::read_dir_files(&path)?),
                    origin: path.to_string(),
                    parsed: OnceLock::new(),
                },
            );
        }
        let current = entries.keys().next_back().cloned().ok_or_else(|| {
            Error::Template(format!("{root} holds no template version directory"))
        })?;
        Ok(Catalog {
            entries,
            current,
            migrations: Vec::new(),
        })
    }

    /// The same versions with these migrations instead.
    pub fn with_migrations(mut self, migrations: Vec<Migration>) -> Catalog {
        self.migrations = migrations;
        self
    }

    /// The current version.
    pub fn current_version(&self) -> &str {
        &self.entries[&self.current].version
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> impl Iterator<Item = &str> {
        self.entries.values().map(|e| e.version.as_str())
    }

    /// The current template.
    pub fn current(&self) -> Result<&Template> {
        self.entries[&self.current].template()
    }

    /// The template at `version`.
    pub fn template(&self, version: &str) -> Result<&Template> {
        self.entry(version)?.template()
    }

    fn entry(&self, version: &str) -> Result<&Entry> {
        version::parse(version)
            .ok()
            .and_then(|v| self.entries.get(&v))
            .ok_or_else(|| Error::UnknownVersion {
                version: version.to_owned(),
                known: self.versions().collect::<Vec<_>>().join(", "),
            })
    }

    /// Is `version` older than the current one? (An unknown or newer version is not.)
    pub fn is_behind(&self, version: &str) -> bool {
        version::parse(version).is_ok_and(|v| v < self.current)
    }

    /// Is `version` newer than anything this catalog knows?
    pub fn is_ahead(&self, version: &str) -> bool {
        version::parse(version).is_ok_and(|v| v > self.current)
    }

    /// Where a file at `path` in version `from` lives in version `to`: the renames every version
    /// after `from` up to `to` declares, applied in order.
    pub fn follow_renames(&self, from: &str, to: &str, path: &str) -> Result<String> {
        let (from, to) = (self.parsed(from)?, self.parsed(to)?);
        let mut path = path.to_owned();
        if from >= to {
            return Ok(path);
        }
        use std::ops::Bound::{Excluded, Included};
        for (_, entry) in self.entries.range((Excluded(from), Included(to))) {
            if let Some(new) = entry.template()?.declaration().renamed.get(&path) {
                path.clone_from(new);
            }
        }
        Ok(path)
    }

    /// The migrations to run going from `from` to `to`, in order.
    pub fn migrations_between(&self, from: &str, to: &str) -> Result<Vec<&Migration>> {
        let (from, to) = (self.parsed(from)?, self.parsed(to)?);
        let mut found: Vec<(semver::Version, &Migration)> = Vec::new();
        for migration in &self.migrations {
            let v = version::parse(migration.to).map_err(Error::Template)?;
            if v > from && v <= to {
                found.push((v, migration));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found.into_iter().map(|(_, m)| m).collect())
    }

    fn parsed(&self, version: &str) -> Result<semver::Version> {
        self.entry(version)?;
        version::parse(version).map_err(Error::Template)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalog_knows_every_release_and_the_current_template() {
        let catalog = Catalog::embedded();
        let versions: Vec<&str> = catalog.versions().collect();
        assert!(versions.contains(&"0.1.0"), "{versions:?}");
        assert_eq!(versions.last().copied(), Some(catalog.current_version()));
        for v in versions {
            catalog.template(v).unwrap();
        }
        assert!(!catalog.is_behind(catalog.current_version()));
        let err = catalog.template("0.0.1").unwrap_err().to_string();
        assert!(
            err.starts_with("template version 0.0.1 is not one this clientwall knows"),
            "{err}"
        );
    }
}
