//! A client's `client.toml`: the Shopify scopes, token lifetime and database it declares. Read
//! with spans so findings point at the line. Keys the lint does not use are allowed (the
//! template may add more); the keys it uses must have the right type.

use crate::error::{Error, Result};
use crate::layout::Area;
use crate::location::Location;
use crate::manifest::Manifest;
use camino::Utf8PathBuf;
use toml_edit::Item;

pub const FILE_NAME: &str = "client.toml";

/// A value and where it is written.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub location: Location,
}

/// The parts of `client.toml` the rules read.
#[derive(Debug, Clone)]
pub struct ClientToml {
    pub client: String,
    pub path: Utf8PathBuf,
    pub shop: Option<Located<String>>,
    pub scopes: Vec<Located<String>>,
    pub token_lifetime_hours: Option<Located<i64>>,
    pub database_kind: Option<Located<String>>,
    pub database_path: Option<Located<String>>,
    pub database_url_env: Option<Located<String>>,
}

impl ClientToml {
    /// The client's `client.toml`, or `None` when it has none.
    pub fn load(area: &Area) -> Result<Option<ClientToml>> {
        let path = area.dir.join(FILE_NAME);
        if !path.is_file() {
            return Ok(None);
        }
        let path = Utf8PathBuf::from_path_buf(path).map_err(|p| Error::Layout {
            message: format!("{} is not a UTF-8 path", p.display()),
            help: None,
        })?;
        let manifest = Manifest::load(&path)?;
        let reader = Reader {
            manifest: &manifest,
        };
        let scopes = match reader.item(&["shopify", "scopes"]) {
            None => Vec::new(),
            Some(item) => {
                let array = item.as_array().ok_or_else(|| {
                    reader.mismatch(&["shopify", "scopes"], "an array of strings")
                })?;
                array
                    .iter()
                    .map(|v| {
                        let value = v.as_str().ok_or_else(|| {
                            reader.mismatch(&["shopify", "scopes"], "an array of strings")
                        })?;
                        Ok(Located {
                            value: value.to_owned(),
                            location: manifest.locate(v.span()),
                        })
                    })
                    .collect::<Result<_>>()?
            }
        };
        Ok(Some(ClientToml {
            client: area.name.clone(),
            shop: reader.string(&["shopify", "shop"])?,
            scopes,
            token_lifetime_hours: reader.integer(&["shopify", "token_lifetime_hours"])?,
            database_kind: reader.string(&["database", "kind"])?,
            database_path: reader.string(&["database", "path"])?,
            database_url_env: reader.string(&["database", "url_env"])?,
            path,
        }))
    }
}

/// `ACME` for `acme`, `ACME_CORP` for `acme-corp`.
pub fn env_prefix(client: &str) -> String {
    client.to_ascii_uppercase().replace('-', "_")
}

struct Reader<'m> {
    manifest: &'m Manifest,
}

impl Reader<'_> {
    fn item(&self, path: &[&str]) -> Option<&Item> {
        let mut item = self.manifest.root().get(path[0])?;
        for key in &path[1..] {
            item = item.as_table_like()?.get(key)?;
        }
        Some(item)
    }

    fn location(&self, path: &[&str], item: &Item) -> Location {
        let span = item.as_value().and_then(|v| v.span());
        match span {
            Some(span) => self.manifest.locate(Some(span)),
            None => self.manifest.key_location(path),
        }
    }

    fn mismatch(&self, path: &[&str], expected: &str) -> Error {
        Error::Config {
            file: self.manifest.path.clone(),
            line: self.manifest.key_location(path).line,
            message: format!("`{}` must be {expected}", path.join(".")),
            help: None,
        }
    }

    fn string(&self, path: &[&str]) -> Result<Option<Located<String>>> {
        self.item(path)
            .map(|item| {
                let value = item
                    .as_str()
                    .ok_or_else(|| self.mismatch(path, "a string"))?;
                Ok(Located {
                    value: value.to_owned(),
                    location: self.location(path, item),
                })
            })
            .transpose()
    }

    fn integer(&self, path: &[&str]) -> Result<Option<Located<i64>>> {
        self.item(path)
            .map(|item| {
                let value = item
                    .as_integer()
                    .ok_or_else(|| self.mismatch(path, "an integer"))?;
                Ok(Located {
                    value,
                    location: self.location(path, item),
                })
            })
            .transpose()
    }
}
