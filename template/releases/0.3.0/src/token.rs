//! The access token from Shopify's client-credentials grant: fetched with this client's own
//! credentials, checked by the scope guard, held in memory only, renewed before it expires.
//! There is no refresh token: renewing is repeating the grant.

use crate::clock::Clock;
use crate::config::Credentials;
use crate::http;
use crate::scopes;
use crate::secret::Secret;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::time::Duration;

/// Renew this long before expiry (at most half the token's life), so no request goes out with
/// a token about to lapse.
pub const RENEW_MARGIN_SECS: u64 = 300;

/// Retries of the grant after HTTP 429 or 5xx, with back-off (or the `Retry-After` asked for).
pub const GRANT_RETRIES: u32 = 5;

/// A granted token. `Debug` never shows it; it cannot be cloned.
#[derive(Debug)]
pub struct AccessToken {
    pub token: Secret,
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub expires_at: u64,
    /// Unix seconds: from then on the token is renewed before use.
    pub renew_at: u64,
}

#[derive(Deserialize)]
struct GrantResponse {
    access_token: String,
    scope: String,
    expires_in: u64,
}

/// What the shop asks for and how long the token may live.
#[derive(Debug, Clone, Copy)]
pub struct GrantPolicy<'a> {
    pub configured_scopes: &'a [String],
    pub lifetime_hours: u64,
}

/// Request a token: `POST {base}/admin/oauth/access_token` with
/// `grant_type=client_credentials`, `client_id`, `client_secret`.
pub fn request(
    agent: &ureq::Agent,
    base: &str,
    credentials: &Credentials,
    policy: GrantPolicy<'_>,
    clock: &dyn Clock,
) -> Result<AccessToken> {
    let url = format!("{base}/admin/oauth/access_token");
    let mut attempt = 0;
    let mut response = loop {
        let response = agent
            .post(&url)
            .send_form([
                ("grant_type", "client_credentials"),
                ("client_id", credentials.client_id.as_str()),
                ("client_secret", credentials.client_secret.expose()),
            ])
            .context("failed to reach the token endpoint")?;
        let status = response.status().as_u16();
        http::refuse_redirect("the token endpoint", status)?;
        let retryable = status == 429 || (500..600).contains(&status);
        if !retryable || attempt == GRANT_RETRIES {
            if status != 200 {
                bail!("the token endpoint answered HTTP {status}");
            }
            break response;
        }
        let backoff = Duration::from_secs(1 << attempt.min(5));
        clock.sleep(http::retry_after(&response).unwrap_or(backoff));
        attempt += 1;
    };
    let grant: GrantResponse = response
        .body_mut()
        .read_json()
        .context("failed to read the token response")?;
    let granted = scopes::parse_granted(&grant.scope);
    scopes::check_grant(&granted, policy.configured_scopes)?;
    if grant.expires_in == 0 {
        bail!("the token endpoint granted a token that has already expired");
    }
    let lifetime = grant.expires_in.min(policy.lifetime_hours * 3600);
    let now = clock.now();
    Ok(AccessToken {
        token: Secret::new(grant.access_token),
        scopes: granted,
        expires_at: now + lifetime,
        renew_at: now + lifetime - RENEW_MARGIN_SECS.min(lifetime / 2),
    })
}

impl AccessToken {
    /// Good to use now, without renewing first?
    pub fn is_fresh(&self, clock: &dyn Clock) -> bool {
        clock.now() < self.renew_at
    }
}
