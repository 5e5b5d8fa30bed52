//! Template versions. A template directory states its version in one place: the default of the
//! `template_version` placeholder in its `cargo-generate.toml`, which stock `cargo generate`
//! reads too. `cargo xtask release-template VERSION` is what changes it.

use crate::error::{Error, Result};
use crate::toml_spans;
use camino::Utf8Path;

/// The version `cargo-generate.toml` (the contents of `path`) states, if it states one.
pub fn from_cargo_generate_toml(path: &Utf8Path, text: &str) -> Result<Option<String>> {
    let doc = toml_spans::parse(path, text)?;
    let Some(item) = doc
        .get("placeholders")
        .and_then(|p| p.get("template_version"))
        .and_then(|t| t.get("default"))
    else {
        return Ok(None);
    };
    let version = item.as_str().ok_or_else(|| {
        Error::invalid_at(
            path,
            text,
            item.span().map(|s| s.start),
            "`placeholders.template_version.default` must be a string",
        )
    })?;
    parse(version)
        .map_err(|message| Error::invalid_at(path, text, item.span().map(|s| s.start), message))?;
    Ok(Some(version.to_owned()))
}

/// `cargo-generate.toml` with its `template_version` default set to `version`, everything else
/// (comments, layout) kept.
pub fn set_in_cargo_generate_toml(path: &Utf8Path, text: &str, version: &str) -> Result<String> {
    parse(version).map_err(Error::Template)?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        Error::invalid_at(
            path,
            text,
            e.span().map(|s| s.start),
            e.message().trim_end().to_owned(),
        )
    })?;
    let slot = doc
        .get_mut("placeholders")
        .and_then(|p| p.get_mut("template_version"))
        .and_then(|t| {
            t.as_inline_table_mut()
                .map(|t| t.get_mut("default"))
                .or(None)
        })
        .flatten()
        .ok_or_else(|| {
            Error::Template(format!(
                "{path} has no `template_version = {{ .., default = \"..\" }}` placeholder"
            ))
        })?;
    let decor = slot.decor().clone();
    *slot = toml_edit::Value::from(version);
    *slot.decor_mut() = decor;
    Ok(doc.to_string())
}

/// A template version: semver (`0.2.0`).
pub fn parse(version: &str) -> Result<semver::Version, String> {
    semver::Version::parse(version)
        .map_err(|e| format!("template version `{version}` is not a semantic version: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[placeholders]\n# the version\ntemplate_version = { type = \"string\", prompt = \"Template version?\", default = \"0.1.0\" }\n";

    #[test]
    fn reads_and_sets_the_version() {
        let path = Utf8Path::new("cargo-generate.toml");
        assert_eq!(
            from_cargo_generate_toml(path, TEXT).unwrap().as_deref(),
            Some("0.1.0")
        );
        let bumped = set_in_cargo_generate_toml(path, TEXT, "0.2.0").unwrap();
        assert_eq!(bumped, TEXT.replace("0.1.0", "0.2.0"));
        assert!(set_in_cargo_generate_toml(path, TEXT, "two").is_err());
    }

    #[test]
    fn a_bad_version_names_the_line() {
        let err = from_cargo_generate_toml(
            Utf8Path::new("c.toml"),
            "[placeholders]\ntemplate_version = { default = \"one\" }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("invalid c.toml:2: template version `one`"),
            "{err}"
        );
    }
}
