//! `client.toml` and the client's own environment variables.
//!
//! The binary carries the `client.toml` it was built with, so it runs from any directory and
//! holds no path of the machine that built it; `--config PATH` reads another copy instead.

use crate::secret::Secret;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::Path;

/// The prefix of every environment variable this crate reads: credentials and the database URL
/// come only from variables that carry it.
pub const ENV_PREFIX: &str = "{{ env_prefix }}";

/// The `client.toml` beside this crate's `Cargo.toml`, as it was when the binary was built.
pub const EMBEDDED: &str = include_str!("../client.toml");

/// `client.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub shopify: ShopifyConfig,
    pub database: DatabaseConfig,
    /// `sandbox = "required" | "best-effort"`: whether a run may go on when the kernel cannot
    /// enforce every rule of the run-time wall (`sandbox.rs`).
    #[serde(default)]
    pub sandbox: crate::sandbox::Mode,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConfig {
    pub shop: String,
    pub api_version: String,
    pub scopes: Vec<String>,
    pub token_lifetime_hours: u64,
    /// An HTTP(S) proxy for this client's shop, when its network needs one. Proxy variables of
    /// the environment are never used, and this one never for the loopback test override.
    pub proxy: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub kind: DatabaseKind,
    pub path: Option<String>,
    pub url_env: Option<String>,
}

/// Which database a client keeps its data in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// The database this crate was generated for.
{% if database == "postgres" %}pub const BUILT_FOR: DatabaseKind = DatabaseKind::Postgres;
{% else %}pub const BUILT_FOR: DatabaseKind = DatabaseKind::Sqlite;
{% endif %}
impl ClientConfig {
    /// The built-in `client.toml`.
    pub fn embedded() -> Result<ClientConfig> {
        ClientConfig::parse(EMBEDDED, "client.toml (built in)")
    }

    /// Read and check a `client.toml`.
    pub fn load(path: &Path) -> Result<ClientConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read {}", path.display()))?;
        ClientConfig::parse(&text, &path.display().to_string())
    }

    /// Parse and check `text`; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<ClientConfig> {
        let config: ClientConfig =
            toml::from_str(text).with_context(|| format!("failed to parse {origin}"))?;
        let hours = config.shopify.token_lifetime_hours;
        if hours == 0 || hours > 24 {
            bail!("{origin}: token_lifetime_hours must be between 1 and 24, not {hours}");
        }
        if config.database.kind != BUILT_FOR {
            bail!(
                "{origin}: [database] kind is {:?}, but this crate was generated for {BUILT_FOR:?}",
                config.database.kind
            );
        }
        match BUILT_FOR {
            DatabaseKind::Sqlite if config.database.path.is_none() => {
                bail!("{origin}: [database] has no path")
            }
            DatabaseKind::Postgres if config.database.url_env.is_none() => {
                bail!("{origin}: [database] has no url_env")
            }
            _ => {}
        }
        Ok(config)
    }
}

/// The client-credentials pair, from `<PREFIX>_SHOPIFY_CLIENT_ID` / `_SECRET`.
#[derive(Debug)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
}

impl Credentials {
    pub fn from_env() -> Result<Credentials> {
        Ok(Credentials {
            client_id: require_env("SHOPIFY_CLIENT_ID")?,
            client_secret: Secret::new(require_env("SHOPIFY_CLIENT_SECRET")?),
        })
    }
}

/// `<PREFIX>_<NAME>`: this client's own variable.
pub fn env_name(name: &str) -> String {
    format!("{}_{name}", ENV_PREFIX)
}

/// An optional variable of this client; set but empty counts as not set.
pub fn optional_env(name: &str) -> Option<String> {
    std::env::var(env_name(name)).ok().filter(|v| !v.is_empty())
}

/// A variable of this client that must be set and not empty.
pub fn require_env(name: &str) -> Result<String> {
    let var = env_name(name);
    match std::env::var(&var) {
        Ok(value) if !value.is_empty() => Ok(value),
        Ok(_) => bail!("{var} is empty (see .env.example)"),
        Err(std::env::VarError::NotUnicode(_)) => bail!("{var} is not valid UTF-8"),
        Err(std::env::VarError::NotPresent) => bail!("{var} is not set (see .env.example)"),
    }
}

/// Where the Shopify API is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https://<shop>`, or the loopback test server.
    pub base: String,
    /// The loopback test override: plain HTTP to this machine, never through a proxy.
    pub loopback: bool,
}

/// `https://<shop>`, or a loopback test server given in `<PREFIX>_SHOPIFY_BASE_URL`. Anything
/// else is refused, so a misconfiguration can never send the client secret to another host.
pub fn endpoint(shop: &str, override_url: Option<&str>) -> Result<Endpoint> {
    match override_url {
        None => {
            let valid = shop.strip_suffix(".myshopify.com").is_some_and(|name| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
            if !valid {
                bail!("shop `{shop}` is not a NAME.myshopify.com domain");
            }
            Ok(Endpoint {
                base: format!("https://{shop}"),
                loopback: false,
            })
        }
        Some(url) => {
            let rest = url.strip_prefix("http://").unwrap_or("");
            let port = rest
                .strip_prefix("127.0.0.1:")
                .or_else(|| rest.strip_prefix("[::1]:"));
            match port {
                Some(port)
                    if !port.is_empty()
                        && port.len() <= 5
                        && port.chars().all(|c| c.is_ascii_digit()) =>
                {
                    Ok(Endpoint {
                        base: url.to_owned(),
                        loopback: true,
                    })
                }
                _ => bail!(
                    "{} may only point at a loopback test server (http://127.0.0.1:PORT or \
                     http://[::1]:PORT), not `{url}`",
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
    fn endpoint_is_the_shop_over_https_or_loopback() {
        let shop = endpoint("acme.myshopify.com", None).unwrap();
        assert_eq!(shop.base, "https://acme.myshopify.com");
        assert!(!shop.loopback);
        let local = endpoint("x.myshopify.com", Some("http://127.0.0.1:8080")).unwrap();
        assert_eq!(local.base, "http://127.0.0.1:8080");
        assert!(local.loopback);
        let v6 = endpoint("x.myshopify.com", Some("http://[::1]:9")).unwrap();
        assert_eq!(v6.base, "http://[::1]:9");
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
            assert!(endpoint("x.myshopify.com", Some(bad)).is_err(), "{bad}");
        }
        for bad in [
            "evil.example",
            "acme.myshopify.com/@evil",
            "acme.myshopify.com.evil.example",
            ".myshopify.com",
            "ACME.myshopify.com",
        ] {
            assert!(endpoint(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_built_in_client_toml_is_valid_and_read_only() {
        let config = ClientConfig::embedded().unwrap();
        assert_eq!(config.database.kind, BUILT_FOR);
        assert!(config.shopify.scopes.iter().all(|s| s.starts_with("read_")));
        assert!(config.shopify.proxy.is_none());
    }

    #[test]
    fn a_client_toml_for_the_other_database_is_refused() {
        let (ours, other) = match BUILT_FOR {
            DatabaseKind::Sqlite => ("sqlite", "postgres"),
            DatabaseKind::Postgres => ("postgres", "sqlite"),
        };
        let text = EMBEDDED.replace(
            &format!("kind = \"{ours}\""),
            &format!("kind = \"{other}\""),
        );
        assert_ne!(text, EMBEDDED);
        let err = ClientConfig::parse(&text, "client.toml").unwrap_err();
        assert!(format!("{err:#}").contains("generated for"), "{err:#}");
    }

    #[test]
    fn token_lifetime_beyond_24_hours_is_refused() {
        let text = EMBEDDED.replace("token_lifetime_hours = 24", "token_lifetime_hours = 25");
        let err = ClientConfig::parse(&text, "client.toml").unwrap_err();
        assert!(format!("{err:#}").contains("between 1 and 24"), "{err:#}");
    }
}
