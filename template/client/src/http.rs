//! The HTTP agent every request goes through. The client secret and the token only ever go to
//! the shop: proxy variables of the environment are ignored (a proxy is an explicit setting in
//! `client.toml`, and never used for the loopback test override), no redirect is followed, and
//! a real shop is reached over HTTPS only.

use crate::config::{ClientConfig, Endpoint};
use anyhow::{Context, Result, bail};
use std::time::Duration;

/// The agent for `endpoint`.
pub fn agent(config: &ClientConfig, endpoint: &Endpoint) -> Result<ureq::Agent> {
    let proxy = match (&config.shopify.proxy, endpoint.loopback) {
        // The URL may carry the proxy's password: it is not repeated.
        (Some(url), false) => Some(
            ureq::Proxy::new(url).context("client.toml [shopify] `proxy` is not a proxy URL")?,
        ),
        _ => None,
    };
    Ok(ureq::Agent::config_builder()
        .proxy(proxy)
        .max_redirects(0)
        .https_only(!endpoint.loopback)
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into())
}

/// A redirect is refused, whatever it points at: following it would send the token or the
/// client secret to the redirect's host.
pub fn refuse_redirect(what: &str, status: u16) -> Result<()> {
    if (300..400).contains(&status) {
        bail!("{what} answered HTTP {status} (a redirect); redirects are never followed");
    }
    Ok(())
}

/// The wait a `Retry-After` header asks for (seconds), within reason.
pub fn retry_after(response: &ureq::http::Response<ureq::Body>) -> Option<Duration> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite())
        .map(|s| Duration::from_secs_f64(s.clamp(0.0, 60.0)))
}
