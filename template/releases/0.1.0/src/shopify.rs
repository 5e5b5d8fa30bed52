//! The Admin GraphQL API, with the token renewed as needed and Shopify's rate limits honoured:
//! `THROTTLED` errors and HTTP 429 (`Retry-After`) wait and retry; an HTTP 401 (a token that
//! expired early) renews the token once.

use crate::clock::Clock;
use crate::config::{ClientConfig, Credentials};
use crate::token::{self, AccessToken};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::time::Duration;

/// Retries of one request before giving up (throttling, 429, 5xx).
pub const MAX_RETRIES: u32 = 8;

/// Counters for tests and progress output.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub tokens_requested: u32,
    pub throttled: u32,
    pub rate_limited: u32,
    pub unauthorized: u32,
}

/// A connection to one shop with one client's credentials.
pub struct Shopify<'c> {
    agent: ureq::Agent,
    base: String,
    api_version: String,
    credentials: Credentials,
    scopes: Vec<String>,
    lifetime_hours: u64,
    clock: &'c dyn Clock,
    token: Option<AccessToken>,
    pub stats: Stats,
}

impl std::fmt::Debug for Shopify<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shopify").field("base", &self.base).field("token", &self.token).finish_non_exhaustive()
    }
}

impl<'c> Shopify<'c> {
    pub fn new(config: &ClientConfig, base: String, credentials: Credentials, clock: &'c dyn Clock) -> Shopify<'c> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Shopify {
            agent,
            base,
            api_version: config.shopify.api_version.clone(),
            credentials,
            scopes: config.shopify.scopes.clone(),
            lifetime_hours: config.shopify.token_lifetime_hours,
            clock,
            token: None,
            stats: Stats::default(),
        }
    }

    /// A fresh token, requested (and scope-checked) when there is none or it is about to expire.
    pub fn token(&mut self) -> Result<&AccessToken> {
        let fresh = self.token.as_ref().is_some_and(|t| t.is_fresh(self.clock));
        if !fresh {
            self.token = None;
            self.stats.tokens_requested += 1;
            let token =
                token::request(&self.agent, &self.base, &self.credentials, &self.scopes, self.lifetime_hours, self.clock)?;
            self.token = Some(token);
        }
        Ok(self.token.as_ref().expect("set above"))
    }

    /// Run a GraphQL query and return its `data`.
    pub fn graphql(&mut self, query: &str, variables: Value) -> Result<Value> {
        let url = format!("{}/admin/api/{}/graphql.json", self.base, self.api_version);
        let body = json!({ "query": query, "variables": variables });
        let mut renewed = false;
        for attempt in 0..=MAX_RETRIES {
            let token = self.token()?.token.clone();
            let mut response = self
                .agent
                .post(&url)
                .header("X-Shopify-Access-Token", token.expose())
                .send_json(&body)
                .context("failed to reach the Admin API")?;
            match response.status().as_u16() {
                200 => {
                    let mut reply: Value = response.body_mut().read_json().context("failed to read a GraphQL reply")?;
                    if is_throttled(&reply) {
                        self.stats.throttled += 1;
                        self.clock.sleep(throttle_wait(&reply, attempt));
                        continue;
                    }
                    if let Some(errors) = reply.get("errors") {
                        bail!("the Admin API returned errors: {errors}");
                    }
                    return reply.get_mut("data").map(Value::take).context("a GraphQL reply without data");
                }
                429 => {
                    self.stats.rate_limited += 1;
                    let wait = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .map_or(Duration::from_secs(2), |s| Duration::from_secs_f64(s.clamp(0.0, 60.0)));
                    self.clock.sleep(wait);
                }
                401 if !renewed => {
                    self.stats.unauthorized += 1;
                    self.token = None;
                    renewed = true;
                }
                status @ 500..=599 => {
                    self.clock.sleep(Duration::from_secs(1 << attempt.min(5)));
                    if attempt == MAX_RETRIES {
                        bail!("the Admin API answered HTTP {status}");
                    }
                }
                status => bail!("the Admin API answered HTTP {status}"),
            }
        }
        bail!("the Admin API kept throttling after {MAX_RETRIES} retries")
    }
}

fn is_throttled(reply: &Value) -> bool {
    reply["errors"]
        .as_array()
        .is_some_and(|errors| errors.iter().any(|e| e["extensions"]["code"] == "THROTTLED"))
}

/// How long to wait for enough cost budget: from `throttleStatus` when given, else exponential.
fn throttle_wait(reply: &Value, attempt: u32) -> Duration {
    let status = &reply["extensions"]["cost"]["throttleStatus"];
    let requested = reply["extensions"]["cost"]["requestedQueryCost"].as_f64();
    match (status["currentlyAvailable"].as_f64(), status["restoreRate"].as_f64(), requested) {
        (Some(available), Some(rate), Some(requested)) if rate > 0.0 => {
            Duration::from_secs_f64(((requested - available).max(0.0) / rate).clamp(0.5, 60.0))
        }
        _ => Duration::from_secs(1 << attempt.min(5)),
    }
}
