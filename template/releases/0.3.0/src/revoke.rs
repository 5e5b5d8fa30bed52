//! `revoke`: end this access when the engagement ends. The app uninstalls itself from the shop
//! with the `appUninstall` mutation (Admin API 2025-07 and later), sent with a fresh token from
//! the client-credentials grant; then the grant is asked for again, and its refusal is the proof
//! that these credentials open nothing any more. `cargo clientwall offboard` runs this and puts
//! the result in the deletion certificate.
//!
//! The token is used for this one request and dropped. Any scope is accepted for it: a grant
//! that (wrongly) holds a write scope must still be able to uninstall itself.

use crate::clock::Clock;
use crate::config::{self, ClientConfig, Credentials, Endpoint};
use crate::http;
use crate::secret::Secret;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;

/// The exit code of `revoke` when this client's credentials are not set: revocation is then
/// the client's to do (they delete the app in their Dev Dashboard).
pub const EXIT_NO_CREDENTIALS: u8 = 3;

/// The first Admin API version with `appUninstall`.
pub const FIRST_API_VERSION: &str = "2025-07";

/// The app uninstalls itself; the uninstalled app's id comes back.
pub use crate::graphql::APP_UNINSTALL;

/// Retries of one request after HTTP 429 or 5xx.
const RETRIES: u32 = 4;

/// What `revoke` found, as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revocation {
    /// `revoked`, `already-refused` or `credentials-missing`.
    pub status: &'static str,
    pub shop: String,
    pub api_version: String,
    /// `appUninstall` succeeded in this run.
    pub uninstalled: bool,
    /// The uninstalled app's id.
    pub app: Option<String>,
    /// The grant refused these credentials at the end.
    pub token_refused: bool,
    /// How it refused: `HTTP 400 invalid_client`.
    pub refusal: Option<String>,
    /// The credential variables that are not set.
    pub missing: Vec<String>,
}

/// `revoke` could not run: the client's credentials are not set (see [`EXIT_NO_CREDENTIALS`]).
#[derive(Debug)]
pub struct NoCredentials(pub Vec<String>);

impl std::fmt::Display for NoCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} not set: revocation is the client's to do (they delete the app in their Dev Dashboard)",
            self.0.join(" and ")
        )
    }
}

impl std::error::Error for NoCredentials {}

/// The report for credentials that are not set, or `None` when both are.
pub fn missing_credentials(config: &ClientConfig) -> Option<Revocation> {
    let missing: Vec<String> = ["SHOPIFY_CLIENT_ID", "SHOPIFY_CLIENT_SECRET"]
        .into_iter()
        .filter(|name| config::optional_env(name).is_none())
        .map(config::env_name)
        .collect();
    (!missing.is_empty()).then(|| Revocation {
        status: "credentials-missing",
        shop: config.shopify.shop.clone(),
        api_version: config.shopify.api_version.clone(),
        uninstalled: false,
        app: None,
        token_refused: false,
        refusal: None,
        missing,
    })
}

/// What the token endpoint said.
enum Grant {
    /// A token: used for one request, then dropped.
    Token(Secret),
    /// Refused, and how.
    Refused(String),
}

/// Uninstall the app and prove that the credentials are refused afterwards.
pub fn revoke(
    config: &ClientConfig,
    endpoint: &Endpoint,
    credentials: &Credentials,
    clock: &dyn Clock,
) -> Result<Revocation> {
    let api_version = &config.shopify.api_version;
    if api_version.as_str() < FIRST_API_VERSION {
        bail!(
            "client.toml asks for Admin API {api_version}; `appUninstall` needs {FIRST_API_VERSION} or later"
        );
    }
    let agent = http::agent(config, endpoint)?;
    let mut revocation = Revocation {
        status: "revoked",
        shop: config.shopify.shop.clone(),
        api_version: api_version.clone(),
        uninstalled: false,
        app: None,
        token_refused: false,
        refusal: None,
        missing: Vec::new(),
    };
    let token = match grant(&agent, &endpoint.base, credentials, clock)? {
        Grant::Token(token) => token,
        Grant::Refused(how) => {
            // Nothing to uninstall with: already uninstalled, or the secret was rotated.
            revocation.status = "already-refused";
            revocation.token_refused = true;
            revocation.refusal = Some(how);
            return Ok(revocation);
        }
    };
    let reply = uninstall(&agent, endpoint, api_version, &token, clock)?;
    drop(token);
    let payload = &reply["appUninstall"];
    if let Some(errors) = payload["userErrors"].as_array().filter(|e| !e.is_empty()) {
        let messages: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "{} ({})",
                    e["message"].as_str().unwrap_or("?"),
                    e["code"].as_str().unwrap_or("?")
                )
            })
            .collect();
        bail!("appUninstall was refused: {}", messages.join("; "));
    }
    revocation.uninstalled = true;
    revocation.app = payload["app"]["id"].as_str().map(str::to_owned);
    match grant(&agent, &endpoint.base, credentials, clock)? {
        Grant::Refused(how) => {
            revocation.token_refused = true;
            revocation.refusal = Some(how);
            Ok(revocation)
        }
        Grant::Token(_) => bail!(
            "the app was uninstalled, but the grant still issues tokens for these credentials: access is NOT revoked; delete the app in {}'s Dev Dashboard",
            config.shopify.shop
        ),
    }
}

/// Ask for a token. HTTP 4xx is a refusal; 429 and 5xx are retried; a redirect is an error.
fn grant(
    agent: &ureq::Agent,
    base: &str,
    credentials: &Credentials,
    clock: &dyn Clock,
) -> Result<Grant> {
    let url = format!("{base}/admin/oauth/access_token");
    for attempt in 0..=RETRIES {
        let mut response = agent
            .post(&url)
            .send_form([
                ("grant_type", "client_credentials"),
                ("client_id", credentials.client_id.as_str()),
                ("client_secret", credentials.client_secret.expose()),
            ])
            .context("failed to reach the token endpoint")?;
        let status = response.status().as_u16();
        http::refuse_redirect("the token endpoint", status)?;
        match status {
            200 => {
                let body: Value = response
                    .body_mut()
                    .read_json()
                    .context("failed to read the token response")?;
                let token = body["access_token"]
                    .as_str()
                    .context("the token response has no access_token")?;
                return Ok(Grant::Token(Secret::new(token)));
            }
            429 | 500..=599 if attempt < RETRIES => {
                let backoff = Duration::from_secs(1 << attempt);
                clock.sleep(http::retry_after(&response).unwrap_or(backoff));
            }
            // Still throttled or failing after every retry: not an answer about the credentials.
            429 | 500..=599 => {
                bail!("the token endpoint answered HTTP {status} after {RETRIES} retries")
            }
            // A refusal of the credentials themselves; any other 4xx (a wrong shop, a proxy's
            // 403) says nothing about them.
            400 | 401 => {
                let body: Value = response.body_mut().read_json().unwrap_or(Value::Null);
                // Only a short error code is kept: nothing the shop sends is echoed whole.
                let code = body["error"]
                    .as_str()
                    .filter(|c| {
                        c.len() <= 64 && c.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default();
                return Ok(Grant::Refused(format!("HTTP {status}{code}")));
            }
            status => bail!("the token endpoint answered HTTP {status}"),
        }
    }
    bail!("the token endpoint kept failing after {RETRIES} retries")
}

/// Send `appUninstall` and return the reply's `data`.
fn uninstall(
    agent: &ureq::Agent,
    endpoint: &Endpoint,
    api_version: &str,
    token: &Secret,
    clock: &dyn Clock,
) -> Result<Value> {
    let url = format!("{}/admin/api/{api_version}/graphql.json", endpoint.base);
    let body = json!({ "query": APP_UNINSTALL, "variables": {} });
    for attempt in 0..=RETRIES {
        let mut response = agent
            .post(&url)
            .header("X-Shopify-Access-Token", token.expose())
            .send_json(&body)
            .context("failed to reach the Admin API")?;
        let status = response.status().as_u16();
        http::refuse_redirect("the Admin API", status)?;
        match status {
            200 => {
                let mut reply: Value = response
                    .body_mut()
                    .read_json()
                    .context("failed to read the appUninstall reply")?;
                if let Some(errors) = reply.get("errors") {
                    bail!("appUninstall failed: {errors}");
                }
                return reply
                    .get_mut("data")
                    .map(Value::take)
                    .context("an appUninstall reply without data");
            }
            429 | 500..=599 if attempt < RETRIES => {
                let backoff = Duration::from_secs(1 << attempt);
                clock.sleep(http::retry_after(&response).unwrap_or(backoff));
            }
            status => bail!("the Admin API answered HTTP {status} to appUninstall"),
        }
    }
    bail!("the Admin API kept failing after {RETRIES} retries")
}
