//! The template's variables (DESIGN.md): underscore names only, so the same files render under
//! tera and stock cargo-generate (liquid).

use crate::error::{Error, Result};
use crate::names;
use serde::Serialize;

/// The values a template is rendered with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variables {
    pub client: String,
    pub crate_name: String,
    pub display_name: String,
    pub shop_domain: String,
    pub database: String,
    pub env_prefix: String,
    /// The version of the template being rendered; [`crate::Template::render`] sets it to the
    /// template's own version.
    pub template_version: String,
}

impl Variables {
    /// Variables for `client`, with defaults for what is not given; values are checked. The
    /// template version is the current template's.
    pub fn new(
        client: &str,
        display_name: Option<String>,
        shop_domain: Option<String>,
        database: Option<String>,
    ) -> Result<Variables> {
        let display_name = display_name.unwrap_or_else(|| names::title(client));
        check_display_name(&display_name)?;
        let shop_domain = shop_domain.unwrap_or_else(|| format!("{client}.myshopify.com"));
        check_shop_domain(&shop_domain)?;
        let database = database.unwrap_or_else(|| "sqlite".to_owned());
        check_database(&database)?;
        Ok(Variables {
            client: client.to_owned(),
            crate_name: names::snake(client),
            display_name,
            shop_domain,
            database,
            env_prefix: names::shouty(client),
            template_version: crate::current_version().to_owned(),
        })
    }

    /// Check every value as [`Variables::new`] does (for answers read back from a record).
    pub fn validate(&self) -> Result<()> {
        check_display_name(&self.display_name)?;
        check_shop_domain(&self.shop_domain)?;
        check_database(&self.database)?;
        let ident = |s: &str, upper: bool| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars().all(|c| {
                    c == '_'
                        || c.is_ascii_digit()
                        || if upper {
                            c.is_ascii_uppercase()
                        } else {
                            c.is_ascii_lowercase()
                        }
                })
        };
        if !ident(&self.crate_name, false) {
            return Err(value(
                "crate_name",
                &self.crate_name,
                "must be a snake_case crate name",
            ));
        }
        if !ident(&self.env_prefix, true) {
            return Err(value(
                "env_prefix",
                &self.env_prefix,
                "must be SHOUTY_SNAKE",
            ));
        }
        if self.client.is_empty()
            || !self
                .client
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(value(
                "client",
                &self.client,
                "must be a kebab-case crate name",
            ));
        }
        Ok(())
    }
}

fn value(flag: &'static str, value: &str, reason: &str) -> Error {
    Error::Value {
        flag,
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

fn check_display_name(display_name: &str) -> Result<()> {
    if display_name.trim().is_empty()
        || display_name
            .chars()
            .any(|c| c.is_control() || "\"\\{}`".contains(c))
    {
        return Err(value(
            "--display-name",
            display_name,
            "must be non-empty text without quotes, backslashes, braces or control characters",
        ));
    }
    Ok(())
}

fn check_shop_domain(shop_domain: &str) -> Result<()> {
    let shop_ok = shop_domain
        .strip_suffix(".myshopify.com")
        .is_some_and(|shop| {
            !shop.is_empty()
                && shop
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if !shop_ok {
        return Err(value(
            "--shop",
            shop_domain,
            "must be a shop's NAME.myshopify.com domain",
        ));
    }
    Ok(())
}

fn check_database(database: &str) -> Result<()> {
    if database != "sqlite" && database != "postgres" {
        return Err(value(
            "--database",
            database,
            "must be `sqlite` or `postgres`",
        ));
    }
    Ok(())
}
