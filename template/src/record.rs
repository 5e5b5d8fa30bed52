//! The client record, `.clientwall-template.toml` in the client's directory: the template
//! version the client is at, the answers it was generated with, and for every file the
//! template produced whether it is locked or managed. `new-client` writes it, `cargo clientwall
//! upgrade` rewrites it, `cargo clientwall check` reads it (template-drift). It is committed
//! with the client.

use crate::declaration::Declaration;
use crate::error::{Error, Result};
use crate::template::RenderedFile;
use crate::toml_spans;
use crate::variables::Variables;
use camino::Utf8Path;
use std::collections::BTreeMap;

/// The record's file name, in the client's directory.
pub const FILE_NAME: &str = ".clientwall-template.toml";

/// Whether a file is the template's or the client's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// Carries an isolation promise: replaced on upgrade, must equal its render.
    Locked,
    /// The client's to change: merged three-way on upgrade.
    Managed,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Locked => "locked",
            FileKind::Managed => "managed",
        }
    }
}

/// Which template a client came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// clientwall's own template, at a version clientwall embeds.
    Clientwall,
    /// A template directory of the workspace's own: never upgraded or drift-checked.
    Custom,
}

/// The answers a client was generated with: the template variables except the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    pub client: String,
    pub crate_name: String,
    pub display_name: String,
    pub shop_domain: String,
    pub database: String,
    pub env_prefix: String,
}

impl Answers {
    /// The variables to render version `version` with.
    pub fn variables(&self, version: &str) -> Variables {
        Variables {
            client: self.client.clone(),
            crate_name: self.crate_name.clone(),
            display_name: self.display_name.clone(),
            shop_domain: self.shop_domain.clone(),
            database: self.database.clone(),
            env_prefix: self.env_prefix.clone(),
            template_version: version.to_owned(),
        }
    }

    pub fn from_variables(vars: &Variables) -> Answers {
        Answers {
            client: vars.client.clone(),
            crate_name: vars.crate_name.clone(),
            display_name: vars.display_name.clone(),
            shop_domain: vars.shop_domain.clone(),
            database: vars.database.clone(),
            env_prefix: vars.env_prefix.clone(),
        }
    }

    fn fields(&self) -> [(&'static str, &str); 6] {
        [
            ("client", &self.client),
            ("crate_name", &self.crate_name),
            ("display_name", &self.display_name),
            ("shop_domain", &self.shop_domain),
            ("database", &self.database),
            ("env_prefix", &self.env_prefix),
        ]
    }
}

/// A client's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub origin: Origin,
    pub template_version: String,
    /// A standalone client's `Cargo.toml` ends with its own `[workspace]`.
    pub standalone: bool,
    pub answers: Answers,
    /// Every file the template produced at `template_version`.
    pub files: BTreeMap<String, FileKind>,
}

impl Record {
    /// The record of a client rendered as `files` from a template with `declaration`.
    pub fn new(
        origin: Origin,
        vars: &Variables,
        standalone: bool,
        files: &[RenderedFile],
        declaration: &Declaration,
    ) -> Record {
        Record {
            origin,
            template_version: vars.template_version.clone(),
            standalone,
            answers: Answers::from_variables(vars),
            files: files
                .iter()
                .map(|f| (f.path.clone(), kind_of(declaration, &f.path)))
                .collect(),
        }
    }

    /// The variables to render the client's recorded version with.
    pub fn variables(&self) -> Variables {
        self.answers.variables(&self.template_version)
    }

    /// The locked files, by path.
    pub fn locked(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .filter(|(_, k)| **k == FileKind::Locked)
            .map(|(p, _)| p.as_str())
    }

    /// The record as the file it is written to.
    pub fn to_toml(&self) -> String {
        let quote = |s: &str| toml_edit::Value::from(s).to_string();
        let mut out = String::from(
            "# What clientwall generated this client from. Written by `new-client` and\n\
             # `cargo clientwall upgrade`, read by them and by `cargo clientwall check`\n\
             # (template-drift). Commit it with the client; let `cargo clientwall upgrade` change it.\n",
        );
        out.push_str(&format!(
            "template = {}\ntemplate-version = {}\nstandalone = {}\n\n[answers]\n",
            quote(match self.origin {
                Origin::Clientwall => "clientwall",
                Origin::Custom => "custom",
            }),
            quote(&self.template_version),
            self.standalone
        ));
        for (key, value) in self.answers.fields() {
            out.push_str(&format!("{key} = {}\n", quote(value)));
        }
        out.push_str(
            "\n# locked: the template's, replaced on upgrade and checked for drift;\n\
             # managed: yours to change, merged three-way on upgrade.\n[files]\n",
        );
        for (path, kind) in &self.files {
            out.push_str(&format!("{} = {}\n", quote(path), quote(kind.as_str())));
        }
        out
    }

    /// The record as a rendered file, to write with the client.
    pub fn to_file(&self) -> RenderedFile {
        RenderedFile {
            path: FILE_NAME.to_owned(),
            contents: self.to_toml().into_bytes(),
        }
    }

    /// Read the record in `client_dir`, if there is one.
    pub fn load(client_dir: &Utf8Path) -> Result<Option<Record>> {
        let path = client_dir.join(FILE_NAME);
        match safe_read::read_to_string_if_exists(path.as_std_path()) {
            Ok(Some(text)) => Record::parse(&path, &text).map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(Error::io("read", path, e)),
        }
    }

    /// Parse a record; `path` names it in errors.
    pub fn parse(path: &Utf8Path, text: &str) -> Result<Record> {
        let doc = toml_spans::parse(path, text)?;
        let root = doc.as_table();
        let at =
            |offset: Option<usize>, message: String| Error::invalid_at(path, text, offset, message);
        for (key, _) in root.iter() {
            if ![
                "template",
                "template-version",
                "standalone",
                "answers",
                "files",
            ]
            .contains(&key)
            {
                return Err(at(
                    toml_spans::key_offset(root, key),
                    format!("unknown key `{key}`"),
                ));
            }
        }
        let string = |table: &toml_edit::Table, key: &str, name: &str| -> Result<String> {
            match table.get(key) {
                Some(item) => item.as_str().map(str::to_owned).ok_or_else(|| {
                    at(
                        item.span().map(|s| s.start),
                        format!("`{name}` must be a string"),
                    )
                }),
                None => Err(at(
                    table.span().map(|s| s.start),
                    format!("`{name}` is missing"),
                )),
            }
        };
        let origin = match string(root, "template", "template")?.as_str() {
            "clientwall" => Origin::Clientwall,
            "custom" => Origin::Custom,
            other => {
                return Err(at(
                    toml_spans::key_offset(root, "template"),
                    format!("`template` must be \"clientwall\" or \"custom\", not \"{other}\""),
                ));
            }
        };
        let template_version = string(root, "template-version", "template-version")?;
        crate::version::parse(&template_version)
            .map_err(|m| at(toml_spans::key_offset(root, "template-version"), m))?;
        let standalone = match root.get("standalone") {
            None => false,
            Some(item) => item.as_bool().ok_or_else(|| {
                at(
                    item.span().map(|s| s.start),
                    "`standalone` must be true or false".into(),
                )
            })?,
        };
        let table = |key: &str| -> Result<&toml_edit::Table> {
            root.get(key).and_then(|i| i.as_table()).ok_or_else(|| {
                at(
                    toml_spans::key_offset(root, key),
                    format!("`[{key}]` is missing"),
                )
            })
        };
        let answers_table = table("answers")?;
        for (key, _) in answers_table.iter() {
            if ![
                "client",
                "crate_name",
                "display_name",
                "shop_domain",
                "database",
                "env_prefix",
            ]
            .contains(&key)
            {
                return Err(at(
                    toml_spans::key_offset(answers_table, key),
                    format!("unknown answer `{key}`"),
                ));
            }
        }
        let answer = |key: &str| string(answers_table, key, &format!("answers.{key}"));
        let answers = Answers {
            client: answer("client")?,
            crate_name: answer("crate_name")?,
            display_name: answer("display_name")?,
            shop_domain: answer("shop_domain")?,
            database: answer("database")?,
            env_prefix: answer("env_prefix")?,
        };
        answers
            .variables(&template_version)
            .validate()
            .map_err(|e| at(toml_spans::key_offset(root, "answers"), e.to_string()))?;
        let files_table = table("files")?;
        let mut files = BTreeMap::new();
        for (file, item) in files_table.iter() {
            let kind = match item.as_str() {
                Some("locked") => FileKind::Locked,
                Some("managed") => FileKind::Managed,
                _ => {
                    return Err(at(
                        item.span().map(|s| s.start),
                        format!("`files.\"{file}\"` must be \"locked\" or \"managed\""),
                    ));
                }
            };
            if file.starts_with('/') || file.split('/').any(|part| part == ".." || part.is_empty())
            {
                return Err(at(
                    toml_spans::key_offset(files_table, file),
                    format!("`{file}` is not a path inside the client"),
                ));
            }
            files.insert(file.to_owned(), kind);
        }
        Ok(Record {
            origin,
            template_version,
            standalone,
            answers,
            files,
        })
    }
}

/// A file's kind under a template's declaration.
pub fn kind_of(declaration: &Declaration, path: &str) -> FileKind {
    if declaration.is_locked(path) {
        FileKind::Locked
    } else {
        FileKind::Managed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        let vars = Variables::new("acme-corp", Some("Acme Corp Ltd".into()), None, None).unwrap();
        let mut declaration = Declaration::default();
        declaration
            .locked
            .insert("src/token.rs".into(), "the token".into());
        let files = [
            RenderedFile {
                path: "Cargo.toml".into(),
                contents: Vec::new(),
            },
            RenderedFile {
                path: "src/token.rs".into(),
                contents: Vec::new(),
            },
        ];
        Record::new(Origin::Clientwall, &vars, true, &files, &declaration)
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let record = record();
        let text = record.to_toml();
        assert_eq!(
            Record::parse(Utf8Path::new("r.toml"), &text).unwrap(),
            record
        );
        assert!(text.contains("\"src/token.rs\" = \"locked\""), "{text}");
        assert_eq!(record.locked().collect::<Vec<_>>(), ["src/token.rs"]);
    }

    #[test]
    fn bad_records_name_file_and_line() {
        let text = record().to_toml();
        let cases = [
            (
                "database = \"sqlite\"",
                "database = \"mysql\"",
                "invalid --database `mysql`",
            ),
            (
                "\"src/token.rs\" = \"locked\"",
                "\"src/token.rs\" = \"frozen\"",
                "must be \"locked\" or \"managed\"",
            ),
            (
                "standalone = true",
                "standalone = true\nextra = 1",
                "unknown key `extra`",
            ),
            (
                "template-version = \"",
                "template-version = \"x",
                "is not a semantic version",
            ),
            (
                "\"Cargo.toml\" = ",
                "\"../x\" = ",
                "is not a path inside the client",
            ),
        ];
        for (from, to, expected) in cases {
            let bad = text.replacen(from, to, 1);
            let err = Record::parse(Utf8Path::new("r.toml"), &bad)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("invalid r.toml:"), "{err}");
            assert!(err.contains(expected), "{err}");
        }
    }
}
