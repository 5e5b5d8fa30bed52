//! A client's `client.toml`: the Shopify scopes, token lifetime and database it declares. Read
//! with spans so findings point at the line. Keys the lint does not use are allowed (the
//! template may add more); the keys it uses must have the right type, and a key that reads as
//! a misspelling of one (`scope` for `scopes`) is an error: the rules would pass what they
//! never saw.

use crate::error::{ConfigErrors, Error, IoAction, Result};
use crate::input::config::Problems;
use crate::input::date::Date;
use crate::input::manifest::Manifest;
use crate::location::Location;
use camino::Utf8PathBuf;
use std::path::Path;
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
    /// `[shopify] api_version`, a released version's name (anything else is a problem).
    pub api_version: Option<Located<ApiVersion>>,
    pub scopes: Vec<Located<String>>,
    pub token_lifetime_hours: Option<Located<i64>>,
    pub database_kind: Option<Located<String>>,
    pub database_path: Option<Located<String>>,
    pub database_url_env: Option<Located<String>>,
}

impl ClientToml {
    /// The `client.toml` of the client `name` whose directory is `dir`, or `None` when it has
    /// none. One that is not a regular file (a directory, a FIFO, a symlink to a device) or
    /// cannot be read is an error naming it.
    pub fn load(name: &str, dir: &Path) -> Result<Option<ClientToml>> {
        let path = dir.join(FILE_NAME);
        let path = Utf8PathBuf::from_path_buf(path).map_err(|p| Error::Layout {
            message: format!("{} is not a UTF-8 path", p.display()),
            help: None,
        })?;
        let text = match safe_read::read_to_string_if_exists(path.as_std_path()) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(None),
            Err(e) => return Err(Error::io(IoAction::Read, &path, e)),
        };
        let manifest = Manifest::parse(&path, text)?;
        let reader = Reader {
            manifest: &manifest,
            problems: Problems::new(&manifest),
        };
        let scopes = match reader.item(&["shopify", "scopes"]) {
            None => Vec::new(),
            Some(item) => {
                let scopes = item.as_array().and_then(|array| {
                    array
                        .iter()
                        .map(|v| {
                            Some(Located {
                                value: v.as_str()?.to_owned(),
                                location: manifest.locate(v.span()),
                            })
                        })
                        .collect::<Option<Vec<_>>>()
                });
                if scopes.is_none() {
                    reader.mismatch(&["shopify", "scopes"], item, "an array of strings");
                }
                scopes.unwrap_or_default()
            }
        };
        reader.misspelt_keys();
        let client_toml = ClientToml {
            client: name.to_owned(),
            shop: reader.string(&["shopify", "shop"]),
            api_version: reader.api_version(),
            scopes,
            token_lifetime_hours: reader.integer(&["shopify", "token_lifetime_hours"]),
            database_kind: reader.string(&["database", "kind"]),
            database_path: reader.string(&["database", "path"]),
            database_url_env: reader.string(&["database", "url_env"]),
            path,
        };
        reader.problems.finish(client_toml).map(Some)
    }

    /// The `client.toml` of each of `clients` (name and directory) that has one. A file that
    /// does not parse stops here; keys of the wrong type are collected over every file and
    /// reported together.
    pub fn load_all<'a>(
        clients: impl IntoIterator<Item = (&'a str, &'a Path)>,
    ) -> Result<Vec<ClientToml>> {
        let mut loaded = Vec::new();
        let mut problems: Option<ConfigErrors> = None;
        for (name, dir) in clients {
            match ClientToml::load(name, dir) {
                Ok(found) => loaded.extend(found),
                Err(Error::Config(more)) => match &mut problems {
                    Some(problems) => problems.append(more),
                    None => problems = Some(more),
                },
                Err(other) => return Err(other),
            }
        }
        match problems {
            Some(problems) => Err(Error::Config(problems)),
            None => Ok(loaded),
        }
    }
}

/// `ACME` for `acme`, `ACME_CORP` for `acme-corp`.
pub fn env_prefix(client: &str) -> String {
    client.to_ascii_uppercase().replace('-', "_")
}

struct Reader<'m> {
    manifest: &'m Manifest,
    problems: Problems<'m>,
}

/// The keys the rules read, by table (`""`: the top level), and the template's other keys.
const KNOWN_KEYS: [(&str, &[&str]); 3] = [
    ("", &["shopify", "database", "sandbox"]),
    (
        "shopify",
        &[
            "shop",
            "api_version",
            "scopes",
            "token_lifetime_hours",
            "proxy",
        ],
    ),
    ("database", &["kind", "path", "url_env"]),
];

impl Reader<'_> {
    /// A problem for each unknown key that reads as a misspelling of a known one.
    fn misspelt_keys(&self) {
        for (table, known) in KNOWN_KEYS {
            let keys = match table {
                "" => Some(self.manifest.root() as &dyn toml_edit::TableLike),
                _ => self.item(&[table]).and_then(Item::as_table_like),
            };
            for (key, _) in keys.into_iter().flat_map(|keys| keys.iter()) {
                if known.contains(&key) {
                    continue;
                }
                let Some(best) = crate::input::suggest::did_you_mean(key, known.iter().copied())
                else {
                    continue;
                };
                let path: Vec<&str> = [table, key].into_iter().filter(|p| !p.is_empty()).collect();
                self.problems.at(
                    self.manifest.key_location(&path),
                    format!("unknown key `{}` in client.toml", path.join(".")),
                    Some(format!("did you mean `{best}`?")),
                );
            }
        }
    }

    fn item(&self, path: &[&str]) -> Option<&Item> {
        let mut item = self.manifest.root().get(path[0])?;
        for key in &path[1..] {
            item = item.as_table_like()?.get(key)?;
        }
        Some(item)
    }

    fn location(&self, path: &[&str], item: &Item) -> Location {
        match item.span() {
            Some(span) => self.manifest.locate(Some(span)),
            None => self.manifest.key_location(path),
        }
    }

    fn mismatch(&self, path: &[&str], item: &Item, expected: &str) {
        self.problems.at(
            self.location(path, item),
            format!("`{}` must be {expected}", path.join(".")),
            None,
        );
    }

    fn string(&self, path: &[&str]) -> Option<Located<String>> {
        let item = self.item(path)?;
        let Some(value) = item.as_str() else {
            self.mismatch(path, item, "a string");
            return None;
        };
        Some(Located {
            value: value.to_owned(),
            location: self.location(path, item),
        })
    }

    fn api_version(&self) -> Option<Located<ApiVersion>> {
        let path = ["shopify", "api_version"];
        let text = self.string(&path)?;
        match ApiVersion::parse(&text.value) {
            Ok(value) => Some(Located {
                value,
                location: text.location,
            }),
            Err(message) => {
                self.problems.at(text.location, message, None);
                None
            }
        }
    }

    fn integer(&self, path: &[&str]) -> Option<Located<i64>> {
        let item = self.item(path)?;
        let Some(value) = item.as_integer() else {
            self.mismatch(path, item, "an integer");
            return None;
        };
        Some(Located {
            value,
            location: self.location(path, item),
        })
    }
}

/// Shopify's guaranteed support of a stable version, in months from its release.
pub const SUPPORT_MONTHS: u8 = 12;

/// A stable Admin API version: the year and the month of its release (1, 4, 7 or 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion {
    pub year: i32,
    pub month: u8,
}

impl ApiVersion {
    /// Parse `YYYY-MM` where the month is a quarter's first (01, 04, 07, 10).
    pub fn parse(text: &str) -> Result<ApiVersion, String> {
        let wrong = || {
            format!(
                "`api_version` must name a stable Shopify API version, `YYYY-MM` with the month 01, 04, 07 or 10 (e.g. `2026-10`), not `{text}`"
            )
        };
        let (year, month) = text.split_once('-').ok_or_else(wrong)?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(wrong());
        }
        let version = ApiVersion {
            year: year.parse().map_err(|_| wrong())?,
            month: month.parse().map_err(|_| wrong())?,
        };
        match version.month {
            1 | 4 | 7 | 10 => Ok(version),
            _ => Err(wrong()),
        }
    }

    /// The release day: the first of the version's month.
    pub fn released(self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: 1,
        }
    }

    /// The first day it may no longer be supported: [`SUPPORT_MONTHS`] after the release.
    pub fn end_of_support(self) -> Date {
        let months = i32::from(self.month) - 1 + i32::from(SUPPORT_MONTHS);
        Date {
            year: self.year + months / 12,
            month: (months % 12 + 1) as u8,
            day: 1,
        }
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_quarterly_versions() {
        assert_eq!(
            ApiVersion::parse("2026-10"),
            Ok(ApiVersion {
                year: 2026,
                month: 10
            })
        );
        for bad in [
            "2026-02",
            "2026-1",
            "26-01",
            "2026-10-01",
            "unstable",
            "",
            "2026_10",
            "+026-01",
            "2026-00",
            "2026-13",
        ] {
            assert!(ApiVersion::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn support_ends_twelve_months_after_the_release() {
        let end = |v: &str| ApiVersion::parse(v).unwrap().end_of_support().to_string();
        assert_eq!(end("2026-01"), "2027-01-01");
        assert_eq!(end("2026-04"), "2027-04-01");
        assert_eq!(end("2026-07"), "2027-07-01");
        assert_eq!(end("2026-10"), "2027-10-01");
    }
}
