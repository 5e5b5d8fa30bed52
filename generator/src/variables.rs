//! The template's variables (DESIGN.md): underscore names only, so the same files render under
//! tera and stock cargo-generate (liquid).

use crate::error::{Error, Result};
use crate::name;
use serde::Serialize;

/// The template version this generator renders by default.
pub const TEMPLATE_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variables {
    pub client: String,
    pub crate_name: String,
    pub display_name: String,
    pub shop_domain: String,
    pub database: String,
    pub env_prefix: String,
    pub template_version: String,
}

impl Variables {
    /// Variables for `client`, with defaults for what is not given; values are checked.
    pub fn new(
        client: &str,
        display_name: Option<String>,
        shop_domain: Option<String>,
        database: Option<String>,
    ) -> Result<Variables> {
        let display_name = display_name.unwrap_or_else(|| name::title(client));
        if display_name.trim().is_empty()
            || display_name
                .chars()
                .any(|c| c.is_control() || "\"\\{}`".contains(c))
        {
            return Err(Error::Value {
                flag: "--display-name",
                value: display_name,
                reason: "must be non-empty text without quotes, backslashes, braces or control characters".into(),
            });
        }
        let shop_domain = shop_domain.unwrap_or_else(|| format!("{client}.myshopify.com"));
        let shop_ok = shop_domain
            .strip_suffix(".myshopify.com")
            .is_some_and(|shop| {
                !shop.is_empty()
                    && shop
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
        if !shop_ok {
            return Err(Error::Value {
                flag: "--shop",
                value: shop_domain,
                reason: "must be a shop's NAME.myshopify.com domain".into(),
            });
        }
        let database = database.unwrap_or_else(|| "sqlite".to_owned());
        if database != "sqlite" && database != "postgres" {
            return Err(Error::Value {
                flag: "--database",
                value: database,
                reason: "must be `sqlite` or `postgres`".into(),
            });
        }
        Ok(Variables {
            client: client.to_owned(),
            crate_name: name::snake(client),
            display_name,
            shop_domain,
            database,
            env_prefix: name::shouty(client),
            template_version: TEMPLATE_VERSION.to_owned(),
        })
    }
}
