//! The access token from Shopify's client-credentials grant: fetched with this client's own
//! credentials, checked by the scope guard, held in memory only, renewed before it expires.
//! There is no refresh token: renewing is repeating the grant.

use crate::clock::Clock;
use crate::config::Credentials;
use crate::scopes;
use crate::secret::Secret;
use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// Renew this long before expiry, so no request goes out with a token about to lapse.
pub const RENEW_MARGIN_SECS: u64 = 300;

/// A granted token. `Debug` never shows it.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: Secret,
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub expires_at: u64,
}

#[derive(Deserialize)]
struct GrantResponse {
    access_token: String,
    scope: String,
    expires_in: u64,
}

/// Request a token: `POST {base}/admin/oauth/access_token` with
/// `grant_type=client_credentials`, `client_id`, `client_secret`.
pub fn request(
    agent: &ureq::Agent,
    base: &str,
    credentials: &Credentials,
    configured_scopes: &[String],
    lifetime_hours: u64,
    clock: &dyn Clock,
) -> Result<AccessToken> {
    let url = format!("{base}/admin/oauth/access_token");
    let mut response = agent
        .post(&url)
        .send_form([
            ("grant_type", "client_credentials"),
            ("client_id", credentials.client_id.as_str()),
            ("client_secret", credentials.client_secret.expose()),
        ])
        .context("failed to reach the token endpoint")?;
    let status = response.status().as_u16();
    if status != 200 {
        bail!("the token endpoint answered HTTP {status}");
    }
    let grant: GrantResponse = response.body_mut().read_json().context("failed to read the token response")?;
    let granted = scopes::parse_granted(&grant.scope);
    scopes::check_grant(&granted, configured_scopes)?;
    let lifetime = grant.expires_in.min(lifetime_hours * 3600);
    Ok(AccessToken { token: Secret::new(grant.access_token), scopes: granted, expires_at: clock.now() + lifetime })
}

impl AccessToken {
    /// Still good for at least the renewal margin?
    pub fn is_fresh(&self, clock: &dyn Clock) -> bool {
        clock.now() + RENEW_MARGIN_SECS < self.expires_at
    }
}
