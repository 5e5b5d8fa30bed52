//! `client.toml` and the client's own environment variables.

use crate::secret::Secret;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `client.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub shopify: ShopifyConfig,
    pub database: DatabaseConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConfig {
    pub shop: String,
    pub api_version: String,
    pub scopes: Vec<String>,
    pub token_lifetime_hours: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub kind: String,
    pub path: Option<String>,
    pub url_env: Option<String>,
}

impl ClientConfig {
    /// Read and check `client.toml`.
    pub fn load(path: &Path) -> Result<ClientConfig> {
        let text = std::fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
        let config: ClientConfig = toml::from_str(&text).with_context(|| format!("failed to parse {}", path.display()))?;
        if config.shopify.token_lifetime_hours == 0 || config.shopify.token_lifetime_hours > 24 {
            bail!("{}: token_lifetime_hours must be between 1 and 24", path.display());
        }
        Ok(config)
    }

    /// The `client.toml` next to this crate's manifest.
    pub fn default_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("client.toml")
    }
}

/// The client-credentials pair, from `<PREFIX>_SHOPIFY_CLIENT_ID` / `_SECRET`.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
}

impl Credentials {
    pub fn from_env() -> Result<Credentials> {
        Ok(Credentials { client_id: require_env("SHOPIFY_CLIENT_ID")?, client_secret: Secret::new(require_env("SHOPIFY_CLIENT_SECRET")?) })
    }
}

/// `<PREFIX>_<NAME>`: this client's own variable.
pub fn env_name(name: &str) -> String {
    format!("{}_{name}", crate::ENV_PREFIX)
}

/// An optional variable of this client.
pub fn optional_env(name: &str) -> Option<String> {
    std::env::var(env_name(name)).ok().filter(|v| !v.is_empty())
}

fn require_env(name: &str) -> Result<String> {
    optional_env(name).with_context(|| format!("{} is not set (see .env.example)", env_name(name)))
}

/// Where the Shopify API is: `https://<shop>`, or a loopback test server given in
/// `<PREFIX>_SHOPIFY_BASE_URL`. Anything else is refused, so a misconfiguration can never send
/// the client secret to another host.
pub fn base_url(shop: &str, override_url: Option<&str>) -> Result<String> {
    match override_url {
        None => {
            let valid = shop.ends_with(".myshopify.com")
                && shop.len() > ".myshopify.com".len()
                && shop.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !valid {
                bail!("shop `{shop}` is not a *.myshopify.com domain");
            }
            Ok(format!("https://{shop}"))
        }
        Some(url) => {
            let rest = url.strip_prefix("http://").unwrap_or("");
            let port = rest.strip_prefix("127.0.0.1:").or_else(|| rest.strip_prefix("[::1]:"));
            match port {
                Some(port) if !port.is_empty() && port.len() <= 5 && port.chars().all(|c| c.is_ascii_digit()) => {
                    Ok(url.to_owned())
                }
                _ => bail!(
                    "{} may only point at a loopback test server (http://127.0.0.1:PORT or http://[::1]:PORT), not `{url}`",
                    env_name("SHOPIFY_BASE_URL")
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_accepts_only_the_shop_or_loopback() {
        assert_eq!(base_url("acme.myshopify.com", None).unwrap(), "https://acme.myshopify.com");
        assert_eq!(base_url("x.myshopify.com", Some("http://127.0.0.1:8080")).unwrap(), "http://127.0.0.1:8080");
        assert_eq!(base_url("x.myshopify.com", Some("http://[::1]:9")).unwrap(), "http://[::1]:9");
        for bad in [
            "https://127.0.0.1:8080",
            "http://127.0.0.1",
            "http://127.0.0.1:80/../evil",
            // clientwall:allow(hardcoded-secret): userinfo in a URL the loopback check must refuse
            "http://127.0.0.1:80@evil.example",
            "http://localhost:8080",
            "http://10.0.0.1:80",
            "http://127.0.0.1.evil.example:80",
            "https://evil.example",
        ] {
            assert!(base_url("x.myshopify.com", Some(bad)).is_err(), "{bad}");
        }
        assert!(base_url("evil.example", None).is_err());
        assert!(base_url("acme.myshopify.com/@evil", None).is_err());
    }
}
