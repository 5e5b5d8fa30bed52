//! What a client on disk says about its template: its [record], or, for a client
//! generated before records existed (template 0.1.0 recorded only `template-version` in its
//! `Cargo.toml`), the answers recovered from its own files.

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::names;
use crate::record::{self, Answers, Origin, Record};
use crate::toml_spans;
use camino::Utf8Path;

/// A client generated from a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateClient {
    pub record: Record,
    /// `None` when the client has a record; otherwise what was recovered from where.
    pub recovered: Option<Vec<String>>,
}

/// The template facts of the client in `client_dir`: its record, or its recovered answers when
/// its `Cargo.toml` names a `template-version`; `None` for a crate that no template made.
/// Record-less clients are taken as from `legacy_origin` (`Custom` when the workspace names
/// its own template).
pub fn read(
    client_dir: &Utf8Path,
    catalog: &Catalog,
    legacy_origin: Origin,
) -> Result<Option<TemplateClient>> {
    if let Some(record) = Record::load(client_dir)? {
        return Ok(Some(TemplateClient {
            record,
            recovered: None,
        }));
    }
    let Some((version, answers, standalone, notes)) = recover(client_dir)? else {
        return Ok(None);
    };
    let files = if legacy_origin == Origin::Clientwall {
        let declaration = catalog.current()?.declaration();
        catalog
            .template(&version)?
            .render(&answers.variables(&version))?
            .into_iter()
            .map(|f| {
                let kind = record::kind_of(declaration, &f.path);
                (f.path, kind)
            })
            .collect()
    } else {
        Default::default()
    };
    Ok(Some(TemplateClient {
        record: Record {
            origin: legacy_origin,
            template_version: version,
            standalone,
            answers,
            files,
        },
        recovered: Some(notes),
    }))
}

type Recovered = (String, Answers, bool, Vec<String>);

/// Recover a record-less client's version and answers from its `Cargo.toml`, `client.toml`,
/// `src/lib.rs`, `.env.example` and `README.md`. What had to be defaulted is noted.
pub fn recover(client_dir: &Utf8Path) -> Result<Option<Recovered>> {
    let manifest_path = client_dir.join("Cargo.toml");
    let manifest = match safe_read::read_to_string_if_exists(manifest_path.as_std_path()) {
        Ok(Some(text)) => text,
        Ok(None) => return Ok(None),
        Err(e) => return Err(Error::io("read", manifest_path, e)),
    };
    if !manifest.contains("template-version") {
        return Ok(None);
    }
    let doc = toml_spans::parse(&manifest_path, &manifest)?;
    let package = doc.get("package");
    let Some(version_item) = package
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("clientwall"))
        .and_then(|c| c.get("template-version"))
    else {
        return Ok(None);
    };
    let version = version_item.as_str().map(str::to_owned).ok_or_else(|| {
        Error::invalid_at(
            &manifest_path,
            &manifest,
            version_item.span().map(|s| s.start),
            "`template-version` must be a string",
        )
    })?;
    crate::version::parse(&version).map_err(|m| {
        Error::invalid_at(
            &manifest_path,
            &manifest,
            version_item.span().map(|s| s.start),
            m,
        )
    })?;
    let client = package
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .ok_or_else(|| {
            Error::invalid_at(
                &manifest_path,
                &manifest,
                None,
                "`[package] name` is missing",
            )
        })?
        .to_owned();
    let standalone = doc.get("workspace").is_some();
    let mut notes = Vec::new();
    // Absent files default (with a note); one that cannot be read stops the recovery.
    let read = |name: &str| {
        let path = client_dir.join(name);
        safe_read::read_to_string_if_exists(path.as_std_path())
            .map_err(|e| Error::io("read", path, e))
    };
    let (readme, client_toml_text, lib_rs, env_example) = (
        read("README.md")?,
        read("client.toml")?,
        read("src/lib.rs")?,
        read(".env.example")?,
    );

    let display_name = package
        .and_then(|p| p.get("description"))
        .and_then(|d| d.as_str())
        .and_then(|d| d.strip_prefix("Shopify audit for "))
        .and_then(|d| d.split_once(": read-only").map(|(name, _)| name.to_owned()))
        .or_else(|| {
            readme.and_then(|readme| {
                readme
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("# "))
                    .and_then(|l| l.strip_suffix(": Shopify audit"))
                    .map(str::to_owned)
            })
        })
        .unwrap_or_else(|| {
            notes.push("display_name: defaulted to the name in title case".to_owned());
            names::title(&client)
        });

    let client_toml = client_toml_text
        .map(|text| {
            let path = client_dir.join("client.toml");
            toml_spans::parse(&path, &text)
        })
        .transpose()?;
    let from_client_toml = |table: &str, key: &str| {
        client_toml
            .as_ref()
            .and_then(|d| d.get(table))
            .and_then(|t| t.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let shop_domain = from_client_toml("shopify", "shop").unwrap_or_else(|| {
        notes.push("shop_domain: client.toml has no [shopify] shop; defaulted".to_owned());
        format!("{client}.myshopify.com")
    });
    let database = from_client_toml("database", "kind").unwrap_or_else(|| {
        let postgres = doc
            .get("dependencies")
            .and_then(|d| d.get("postgres"))
            .is_some();
        notes.push(
            "database: client.toml has no [database] kind; taken from the dependencies".to_owned(),
        );
        if postgres { "postgres" } else { "sqlite" }.to_owned()
    });
    let env_prefix = lib_rs
        .and_then(|lib| {
            lib.lines()
                .find_map(|l| l.trim().strip_prefix("pub const ENV_PREFIX: &str = \""))
                .and_then(|rest| rest.split_once('"').map(|(p, _)| p.to_owned()))
        })
        .or_else(|| {
            env_example.and_then(|env| {
                env.lines()
                    .find_map(|l| l.strip_suffix("_SHOPIFY_CLIENT_ID="))
                    .map(str::to_owned)
            })
        })
        .unwrap_or_else(|| {
            notes.push("env_prefix: defaulted to the name in SHOUTY_SNAKE".to_owned());
            names::shouty(&client)
        });
    let answers = Answers {
        crate_name: names::snake(&client),
        client,
        display_name,
        shop_domain,
        database,
        env_prefix,
    };
    answers.variables(&version).validate().map_err(|e| {
        Error::Template(format!(
            "failed to recover the answers of {client_dir}: {e}"
        ))
    })?;
    Ok(Some((version, answers, standalone, notes)))
}
